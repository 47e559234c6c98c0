//! Members' points and stored-value ledgers (积分, 储值), tiers and birthday gifts.
