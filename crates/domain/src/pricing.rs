//! Pricing engine (being written).
