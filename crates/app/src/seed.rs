//! Demo seeding (being written).
