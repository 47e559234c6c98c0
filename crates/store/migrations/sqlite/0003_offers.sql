-- Selling (issue 3): coupons and promotions.
SELECT 1;
