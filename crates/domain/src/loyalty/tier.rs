//! Member tiers (会员等级): a member's tier follows what they spent in the last twelve
//! months, so a tier is earned by shopping and lapses without it.
//!
//! The window is counted in Shanghai calendar terms from the start of the same date a
//! year ago, so a member's tier cannot change in the middle of a day's shopping.

use jiff::ToSpan;
use jiff::civil::Time;

use super::{BP_ONE, RuleError};
use crate::time::{at_local, local_date};

/// The most tiers a store may configure.
pub const TIERS_MAX: usize = 20;
/// The highest points multiplier a tier may carry: 10×.
pub const MULTIPLIER_BP_MAX: u32 = 100_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierRule {
    pub code: String,
    pub name_zh: String,
    /// Spend in the rolling twelve months needed to reach the tier.
    pub min_spend_fen_12m: i64,
    /// Price factor: 10 000 = no discount, 9 500 = 5 % off (95 折).
    pub discount_bp: u32,
    /// Points factor: 10 000 = 1×.
    pub points_multiplier_bp: u32,
}

/// Tiers checked once: sorted by threshold, unique codes, the first open to everyone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierTable {
    rules: Vec<TierRule>,
}

impl TierTable {
    pub fn new(rules: Vec<TierRule>) -> Result<TierTable, RuleError> {
        let first = rules.first().ok_or(RuleError::NoTiers)?;
        if rules.len() > TIERS_MAX {
            return Err(RuleError::TooMany {
                what: "会员等级",
                max: TIERS_MAX,
            });
        }
        if first.min_spend_fen_12m != 0 {
            return Err(RuleError::FirstTierNotZero {
                code: first.code.clone(),
            });
        }
        for (i, rule) in rules.iter().enumerate() {
            if rule.code.trim().is_empty() {
                return Err(RuleError::EmptyTierCode);
            }
            if rules[..i].iter().any(|r| r.code == rule.code) {
                return Err(RuleError::DuplicateTierCode {
                    code: rule.code.clone(),
                });
            }
            if i > 0 && rule.min_spend_fen_12m <= rules[i - 1].min_spend_fen_12m {
                return Err(RuleError::TiersNotAscending {
                    code: rule.code.clone(),
                });
            }
            if !(1..=BP_ONE).contains(&rule.discount_bp) {
                return Err(RuleError::DiscountOutOfRange {
                    code: rule.code.clone(),
                    bp: rule.discount_bp,
                });
            }
            if rule.points_multiplier_bp > MULTIPLIER_BP_MAX {
                return Err(RuleError::MultiplierOutOfRange {
                    code: rule.code.clone(),
                    bp: rule.points_multiplier_bp,
                    max: MULTIPLIER_BP_MAX,
                });
            }
        }
        Ok(TierTable { rules })
    }

    pub fn rules(&self) -> &[TierRule] {
        &self.rules
    }

    /// The highest tier whose threshold the spend meets. Net spend below zero (refunds
    /// of last year's purchases) still gets the first tier.
    pub fn tier_for(&self, rolling_12m_spend_fen: i64) -> &TierRule {
        self.rules
            .iter()
            .rev()
            .find(|r| r.min_spend_fen_12m <= rolling_12m_spend_fen)
            .unwrap_or(&self.rules[0])
    }
}

/// The first instant whose spend counts toward the tier at `now_ms`: the start of the same
/// Shanghai date twelve months earlier (29 Feb falls back to 28 Feb).
pub fn rolling_window_start(now_ms: i64) -> i64 {
    let start = local_date(now_ms)
        .checked_sub(12.months())
        .expect("dates stay far inside jiff's range");
    at_local(start, Time::midnight())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn rule(code: &str, min: i64, discount_bp: u32) -> TierRule {
        TierRule {
            code: code.into(),
            name_zh: code.into(),
            min_spend_fen_12m: min,
            discount_bp,
            points_multiplier_bp: 10_000,
        }
    }

    fn table() -> TierTable {
        TierTable::new(vec![
            rule("normal", 0, 10_000),
            rule("silver", 100_000, 9_800),
            rule("gold", 500_000, 9_500),
        ])
        .unwrap()
    }

    fn check_tier(spend: i64, expected: &str) {
        assert_eq!(table().tier_for(spend).code, expected, "spend {spend}");
    }

    #[test]
    fn a_tier_starts_exactly_at_its_threshold() {
        check_tier(0, "normal");
        check_tier(99_999, "normal");
        check_tier(100_000, "silver");
        check_tier(499_999, "silver");
        check_tier(500_000, "gold");
        check_tier(90_000_000, "gold");
        check_tier(-500, "normal");
    }

    #[test]
    fn tier_tables_must_be_sorted_unique_and_start_at_zero() {
        assert_eq!(TierTable::new(vec![]), Err(RuleError::NoTiers));
        assert_eq!(
            TierTable::new(vec![rule("a", 100, 10_000)]),
            Err(RuleError::FirstTierNotZero { code: "a".into() })
        );
        assert_eq!(
            TierTable::new(vec![rule("a", 0, 10_000), rule("b", 500, 9_000), rule("c", 500, 8_000)]),
            Err(RuleError::TiersNotAscending { code: "c".into() })
        );
        assert_eq!(
            TierTable::new(vec![rule("a", 0, 10_000), rule("a", 500, 9_000)]),
            Err(RuleError::DuplicateTierCode { code: "a".into() })
        );
        assert_eq!(
            TierTable::new(vec![rule("a", 0, 10_001)]),
            Err(RuleError::DiscountOutOfRange {
                code: "a".into(),
                bp: 10_001
            })
        );
    }

    #[test]
    fn the_rolling_window_starts_at_shanghai_midnight_a_year_ago() {
        let now = at_local(date(2026, 3, 15), time(9, 30, 0, 0));
        assert_eq!(rolling_window_start(now), at_local(date(2025, 3, 15), Time::midnight()));
        // 00:30 in Shanghai is still the previous day in UTC: the calendar is Shanghai's.
        let just_after_midnight = at_local(date(2026, 3, 15), time(0, 30, 0, 0));
        assert_eq!(
            rolling_window_start(just_after_midnight),
            at_local(date(2025, 3, 15), Time::midnight())
        );
        let leap = at_local(date(2028, 2, 29), time(12, 0, 0, 0));
        assert_eq!(
            rolling_window_start(leap),
            at_local(date(2027, 2, 28), Time::midnight())
        );
    }
}
