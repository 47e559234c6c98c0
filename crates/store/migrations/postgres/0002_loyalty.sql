-- Selling (issue 3): points and stored-value ledgers, tiers, birthday gifts.
SELECT 1;
