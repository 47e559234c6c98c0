//! Coupons (优惠券) and promotions (促销), with limits that hold under concurrency.
