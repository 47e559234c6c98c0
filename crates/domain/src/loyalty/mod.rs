//! Member (会员) rules: tiers (会员等级), points (积分), stored value (储值) and the
//! birthday gift.
//!
//! Points and stored value are append-only ledgers: the store persists entries and never
//! updates a balance in place. A balance is the fold of a member's entries
//! ([`PointsBook::fold`], [`StoredValueBook::fold`]), and the same `apply` that folds a
//! stored ledger also checks each new entry before it is appended, so exactly one place
//! decides what a ledger may contain. Operations (`redeem`, `refund`, `top_up`, ...) only
//! *propose* entries; the caller appends them with `apply` and persists them in the same
//! transaction, keyed by [`EntryNo`] so that two tills appending at once conflict.
//!
//! Refunds are keyed by the order's cumulative refunded share ([`RefundPortion`]): each
//! reversal brings an entry up to `floor(original × refunded ÷ total)`. Repeated partial
//! refunds therefore never exceed the original, rounding never accumulates, the final
//! (full) refund settles the remainder exactly, and a replayed refund finds nothing left
//! to do and is refused (`AlreadyReversed`).

mod birthday;
mod points;
mod stored_value;
mod tier;

pub use birthday::{birthday_gift_due, birthday_in_year, birthday_week, birthday_week_year, in_birthday_week};
pub use points::{
    Award, EXPIRY_MONTHS_MAX, EarnRule, POINTS_ENTRY_MAX, PointsBook, PointsEntry, PointsError, PointsKind, RedeemRule,
    award_expires_at_ms, points_earned, points_for_fen, points_value_fen,
};
pub use stored_value::{
    BALANCE_FEN_MAX, StoredValueBook, StoredValueEntry, StoredValueError, StoredValueKind, TOP_UP_RULES_MAX, TopUpRule,
    TopUpRules,
};
pub use tier::{MULTIPLIER_BP_MAX, TIERS_MAX, TierRule, TierTable, rolling_window_start};

use crate::money::{Rounding, div_round};

/// The most entries one member's ledger may hold (decades of daily shopping).
pub const LEDGER_ENTRIES_MAX: usize = 1_000_000;

/// Basis points: 10 000 = 100 %.
pub const BP_ONE: u32 = 10_000;

/// The position of an entry in one member's ledger, from 0. The store keeps it as part of
/// the key, so a concurrent append of the same position fails instead of forking the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryNo(pub u32);

impl EntryNo {
    pub(crate) fn next(len: usize) -> EntryNo {
        EntryNo(u32::try_from(len).expect("ledgers are bounded by LEDGER_ENTRIES_MAX"))
    }

    pub(crate) fn index(self) -> usize {
        usize::try_from(self.0).expect("u32 fits in usize")
    }
}

/// How much of an order has been refunded so far, this refund included: `refunded_fen`
/// of `total_fen`. Cumulative on purpose (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefundPortion {
    refunded_fen: i64,
    total_fen: i64,
}

impl RefundPortion {
    pub fn new(refunded_fen: i64, total_fen: i64) -> Result<RefundPortion, RuleError> {
        if total_fen <= 0 || refunded_fen <= 0 || refunded_fen > total_fen {
            return Err(RuleError::RefundPortionOutOfRange {
                refunded_fen,
                total_fen,
            });
        }
        Ok(RefundPortion {
            refunded_fen,
            total_fen,
        })
    }

    /// The whole order refunded.
    pub fn full(total_fen: i64) -> Result<RefundPortion, RuleError> {
        RefundPortion::new(total_fen, total_fen)
    }

    pub fn refunded_fen(self) -> i64 {
        self.refunded_fen
    }

    pub fn total_fen(self) -> i64 {
        self.total_fen
    }

    /// `floor(amount × refunded ÷ total)`: rounded down so a partial refund never gives
    /// back more than its share; the full refund is exact.
    pub fn share_of(self, amount: i64) -> i64 {
        div_round(
            i128::from(amount) * i128::from(self.refunded_fen),
            i128::from(self.total_fen),
            Rounding::Down,
        )
    }

    /// Whether this portion goes strictly beyond an earlier settled one.
    pub fn exceeds(self, settled: Option<RefundPortion>) -> bool {
        settled.is_none_or(|s| {
            i128::from(self.refunded_fen) * i128::from(s.total_fen)
                > i128::from(s.refunded_fen) * i128::from(self.total_fen)
        })
    }
}

/// A member rule set up by staff that cannot be used as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("at least one tier is needed")]
    NoTiers,
    #[error("at most {max} {what} may be configured")]
    TooMany { what: &'static str, max: usize },
    #[error("a tier needs a code")]
    EmptyTierCode,
    #[error("tier code '{code}' is used twice")]
    DuplicateTierCode { code: String },
    #[error("the first tier '{code}' must start at 0 spend")]
    FirstTierNotZero { code: String },
    #[error("tier '{code}' must need more spend than the tier before it")]
    TiersNotAscending { code: String },
    #[error("tier '{code}' discount {bp} bp is outside 1..=10000")]
    DiscountOutOfRange { code: String, bp: u32 },
    #[error("tier '{code}' points multiplier {bp} bp is outside 0..={max}")]
    MultiplierOutOfRange { code: String, bp: u32, max: u32 },
    #[error("fen per point {fen_per_point} is outside 1..={max}")]
    FenPerPointOutOfRange { fen_per_point: i64, max: i64 },
    #[error("points expiry of {months} months is outside 1..={max}")]
    ExpiryMonthsOutOfRange { months: u32, max: u32 },
    #[error("points per yuan {points_per_yuan} is outside 1..={max}")]
    PointsPerYuanOutOfRange { points_per_yuan: i64, max: i64 },
    #[error("points may pay {bp} bp of an order, outside 1..=10000")]
    OrderShareOutOfRange { bp: u32 },
    #[error("a top-up rule threshold of {min_paid_fen} fen must be positive")]
    TopUpThresholdNotPositive { min_paid_fen: i64 },
    #[error("a top-up bonus of {bonus_fen} fen must be between 0 and its threshold {min_paid_fen} fen")]
    TopUpBonusOutOfRange { min_paid_fen: i64, bonus_fen: i64 },
    #[error("two top-up rules start at {min_paid_fen} fen")]
    DuplicateTopUpThreshold { min_paid_fen: i64 },
    #[error("a refund of {refunded_fen} fen of {total_fen} fen is not a share of the order")]
    RefundPortionOutOfRange { refunded_fen: i64, total_fen: i64 },
}

impl RuleError {
    pub fn message_zh(&self) -> String {
        match self {
            RuleError::NoTiers => "至少需要一个会员等级".into(),
            RuleError::TooMany { what, max } => format!("{what}最多 {max} 条"),
            RuleError::EmptyTierCode => "会员等级必须有编码".into(),
            RuleError::DuplicateTierCode { code } => format!("会员等级编码“{code}”重复"),
            RuleError::FirstTierNotZero { code } => format!("最低等级“{code}”的消费门槛必须为 0"),
            RuleError::TiersNotAscending { code } => format!("会员等级“{code}”的门槛必须高于上一级"),
            RuleError::DiscountOutOfRange { code, bp } => format!("会员等级“{code}”的折扣 {bp} 超出 1–10000"),
            RuleError::MultiplierOutOfRange { code, bp, max } => {
                format!("会员等级“{code}”的积分倍率 {bp} 超出 0–{max}")
            }
            RuleError::FenPerPointOutOfRange { fen_per_point, max } => {
                format!("每积分所需金额 {fen_per_point} 分超出 1–{max}")
            }
            RuleError::ExpiryMonthsOutOfRange { months, max } => format!("积分有效期 {months} 个月超出 1–{max}"),
            RuleError::PointsPerYuanOutOfRange { points_per_yuan, max } => {
                format!("每元所需积分 {points_per_yuan} 超出 1–{max}")
            }
            RuleError::OrderShareOutOfRange { bp } => format!("积分抵扣比例 {bp} 超出 1–10000"),
            RuleError::TopUpThresholdNotPositive { min_paid_fen } => {
                format!("充值门槛 {min_paid_fen} 分必须大于 0")
            }
            RuleError::TopUpBonusOutOfRange {
                min_paid_fen,
                bonus_fen,
            } => {
                format!("赠送金额 {bonus_fen} 分必须在 0 与充值门槛 {min_paid_fen} 分之间")
            }
            RuleError::DuplicateTopUpThreshold { min_paid_fen } => format!("充值门槛 {min_paid_fen} 分重复"),
            RuleError::RefundPortionOutOfRange {
                refunded_fen,
                total_fen,
            } => {
                format!("退款 {refunded_fen} 分不是订单金额 {total_fen} 分的一部分")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_share(refunded: i64, total: i64, amount: i64, expected: i64) {
        let p = RefundPortion::new(refunded, total).unwrap();
        assert_eq!(p.share_of(amount), expected, "{refunded}/{total} of {amount}");
    }

    #[test]
    fn refund_share_rounds_down_and_the_full_refund_is_exact() {
        check_share(1, 3, 100, 33);
        check_share(2, 3, 100, 66);
        check_share(3, 3, 100, 100);
        check_share(999, 1000, 1, 0);
    }

    #[test]
    fn a_refund_portion_must_be_a_share_of_the_order() {
        assert!(RefundPortion::new(0, 100).is_err());
        assert!(RefundPortion::new(101, 100).is_err());
        assert!(RefundPortion::new(1, 0).is_err());
        assert!(RefundPortion::full(100).is_ok());
    }

    #[test]
    fn only_a_larger_share_exceeds_a_settled_one() {
        let half = RefundPortion::new(50, 100).unwrap();
        assert!(half.exceeds(None));
        assert!(!half.exceeds(Some(RefundPortion::new(1, 2).unwrap())));
        assert!(RefundPortion::new(51, 100).unwrap().exceeds(Some(half)));
    }
}
