//! linli-web (being written).
