//! Demo community generator (being written).
