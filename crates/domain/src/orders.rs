//! Orders (being written).
