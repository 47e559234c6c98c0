-- Selling (issue 3): online orders, reservations, pickup codes, residents.
SELECT 1;
