//! linli-app (being written).
