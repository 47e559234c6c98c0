//! Till rules (being written).
