//! Coupons and promotions.
