-- Selling (issue 3): shifts, refunds, offline sales, shelf labels.
SELECT 1;
