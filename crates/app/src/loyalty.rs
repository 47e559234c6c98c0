//! Members' points, stored value, tiers and birthday gifts.
