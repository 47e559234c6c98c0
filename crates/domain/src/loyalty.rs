//! Member loyalty ledgers (being written).
