//! Points (积分): an append-only ledger of awards, redemptions, reversals, expiries and
//! adjustments, whose balance is the fold of its entries.
//!
//! Every award (an `Earn`, or a positive `Adjust`) is a lot with its own expiry, like a
//! batch of stock. Redemptions take from the earliest-expiring live award first (FIFO by
//! expiry: points about to lapse are used before they are lost) and never from a lapsed
//! one. An award lapses at the end of its expiry day in Shanghai; lapsed points stay in
//! the balance until an `Expire` entry, proposed by [`PointsBook::expire_due`], writes
//! them off, so every change of balance is an entry.
//!
//! Refunding an order restores the points it redeemed (into the awards they came from,
//! latest-expiring first, keeping their expiry) and takes back the points it earned, but
//! only from what is left of that award: the balance never goes negative and a member
//! does not lose unrelated points (积分不倒扣). What could not be taken back is written
//! off on the award, and points later restored into that award pay the write-off first,
//! so refunding both the earning and the spending order cannot leave points behind.

use std::collections::HashMap;

use jiff::ToSpan;

use super::{BP_ONE, EntryNo, LEDGER_ENTRIES_MAX, RefundPortion, RuleError};
use crate::ids::OrderId;
use crate::money::{Rounding, div_round};
use crate::time::{end_of_local_day, local_date};

/// The most points a single entry may move.
pub const POINTS_ENTRY_MAX: i64 = 100_000_000;
/// The longest points may be kept before they lapse: ten years.
pub const EXPIRY_MONTHS_MAX: u32 = 120;
const FEN_PER_POINT_MAX: i64 = 1_000_000;
const POINTS_PER_YUAN_MAX: i64 = 100_000;

/// How paid money turns into points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EarnRule {
    fen_per_point: i64,
    rounding: Rounding,
    expiry_months: u32,
}

impl EarnRule {
    /// `fen_per_point` 100 = one point per ¥1; stores usually round `Down` (no point for a
    /// part of a yuan).
    pub fn new(fen_per_point: i64, rounding: Rounding, expiry_months: u32) -> Result<EarnRule, RuleError> {
        if !(1..=FEN_PER_POINT_MAX).contains(&fen_per_point) {
            return Err(RuleError::FenPerPointOutOfRange {
                fen_per_point,
                max: FEN_PER_POINT_MAX,
            });
        }
        if !(1..=EXPIRY_MONTHS_MAX).contains(&expiry_months) {
            return Err(RuleError::ExpiryMonthsOutOfRange {
                months: expiry_months,
                max: EXPIRY_MONTHS_MAX,
            });
        }
        Ok(EarnRule {
            fen_per_point,
            rounding,
            expiry_months,
        })
    }

    pub fn fen_per_point(&self) -> i64 {
        self.fen_per_point
    }

    pub fn rounding(&self) -> Rounding {
        self.rounding
    }

    pub fn expiry_months(&self) -> u32 {
        self.expiry_months
    }
}

/// Points for `paid_fen` at a tier's multiplier: `paid × multiplier ÷ (fen_per_point × 10 000)`
/// with the rule's rounding.
pub fn points_earned(paid_fen: i64, rule: &EarnRule, multiplier_bp: u32) -> i64 {
    assert!(
        paid_fen >= 0,
        "points are earned on a paid amount, never a negative one"
    );
    div_round(
        i128::from(paid_fen) * i128::from(multiplier_bp),
        i128::from(rule.fen_per_point) * i128::from(BP_ONE),
        rule.rounding,
    )
}

/// An award earned at `earned_at_ms` may be used until the end of the Shanghai day
/// `expiry_months` later (31 Jan + 1 month = end of 28 Feb).
pub fn award_expires_at_ms(earned_at_ms: i64, expiry_months: u32) -> i64 {
    let last_day = local_date(earned_at_ms)
        .checked_add(i64::from(expiry_months).months())
        .expect("expiry is bounded by EXPIRY_MONTHS_MAX");
    end_of_local_day(last_day)
}

/// How points pay for an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedeemRule {
    points_per_yuan: i64,
    order_share_max_bp: u32,
}

impl RedeemRule {
    /// `points_per_yuan` 100 = 100 points pay ¥1; `order_share_max_bp` 5 000 = points pay at
    /// most half of an order.
    pub fn new(points_per_yuan: i64, order_share_max_bp: u32) -> Result<RedeemRule, RuleError> {
        if !(1..=POINTS_PER_YUAN_MAX).contains(&points_per_yuan) {
            return Err(RuleError::PointsPerYuanOutOfRange {
                points_per_yuan,
                max: POINTS_PER_YUAN_MAX,
            });
        }
        if !(1..=BP_ONE).contains(&order_share_max_bp) {
            return Err(RuleError::OrderShareOutOfRange { bp: order_share_max_bp });
        }
        Ok(RedeemRule {
            points_per_yuan,
            order_share_max_bp,
        })
    }

    pub fn points_per_yuan(&self) -> i64 {
        self.points_per_yuan
    }

    pub fn order_share_max_bp(&self) -> u32 {
        self.order_share_max_bp
    }

    /// The most of an order points may pay, rounded down to the fen.
    pub fn order_share_max_fen(&self, order_total_fen: i64) -> i64 {
        div_round(
            i128::from(order_total_fen.max(0)) * i128::from(self.order_share_max_bp),
            i128::from(BP_ONE),
            Rounding::Down,
        )
    }

    /// The most points the till should offer: within the cap and the balance, and no more
    /// points than the whole fen they pay for.
    pub fn max_points(&self, order_total_fen: i64, available: i64) -> i64 {
        let fen = self
            .order_share_max_fen(order_total_fen)
            .min(points_value_fen(available.max(0), self));
        points_for_fen(fen, self)
    }

    /// What `points` pay on an order, refused beyond the cap.
    pub fn value_fen(&self, points: i64, order_total_fen: i64) -> Result<i64, PointsError> {
        let max_points = points_for_fen(self.order_share_max_fen(order_total_fen), self);
        if points <= 0 {
            return Err(PointsError::NotPositive { points });
        }
        if points > max_points {
            return Err(PointsError::OverOrderShare { points, max_points });
        }
        Ok(points_value_fen(points, self))
    }
}

/// What points are worth, rounded down: a fraction of a fen is never paid out.
pub fn points_value_fen(points: i64, rule: &RedeemRule) -> i64 {
    assert!(points >= 0, "only a non-negative number of points has a value");
    div_round(
        i128::from(points) * 100,
        i128::from(rule.points_per_yuan),
        Rounding::Down,
    )
}

/// The fewest points worth `fen`, rounded up.
pub fn points_for_fen(fen: i64, rule: &RedeemRule) -> i64 {
    assert!(fen >= 0, "only a non-negative amount can be paid in points");
    div_round(i128::from(fen) * i128::from(rule.points_per_yuan), 100, Rounding::Up)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PointsKind {
    /// 消费积分: earned by an order; lapses at `expires_at_ms`.
    Earn { order: OrderId, expires_at_ms: i64 },
    /// 积分抵现: paid part of an order.
    Redeem { order: OrderId },
    /// Undoes an `Earn` or `Redeem` up to the order's cumulative refunded share.
    Reverse { of_entry: EntryNo, portion: RefundPortion },
    /// 积分过期: writes off every lapsed award's unspent points.
    Expire,
    /// 人工调整 by staff; a positive adjustment never lapses.
    Adjust { reason: String },
}

impl PointsKind {
    pub fn code(&self) -> &'static str {
        match self {
            PointsKind::Earn { .. } => "earn",
            PointsKind::Redeem { .. } => "redeem",
            PointsKind::Reverse { .. } => "reverse",
            PointsKind::Expire => "expire",
            PointsKind::Adjust { .. } => "adjust",
        }
    }
}

/// One line of a member's points ledger; `points` is signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointsEntry {
    pub kind: PointsKind,
    pub points: i64,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointsError {
    #[error("not enough points: {requested} requested, {available} available")]
    Insufficient { requested: i64, available: i64 },
    #[error("points must be positive, got {points}")]
    NotPositive { points: i64 },
    #[error("a {kind} entry must {expected}", expected = if *positive { "add points" } else { "remove points" })]
    WrongSign { kind: &'static str, positive: bool },
    #[error("{points} points are beyond the limit of {max} per entry")]
    TooLarge { points: i64, max: i64 },
    #[error("{points} points exceed the {max_points} points that may pay for this order")]
    OverOrderShare { points: i64, max_points: i64 },
    #[error("order {order} already has a {kind} entry")]
    DuplicateOrder { order: OrderId, kind: &'static str },
    #[error("order {order} neither earned nor redeemed points")]
    NoSuchOrder { order: OrderId },
    #[error("the points of order {order} are already reversed for this refund")]
    AlreadyReversed { order: OrderId },
    #[error("entry {entry} does not exist", entry = entry.0)]
    UnknownEntry { entry: EntryNo },
    #[error("entry {entry} is neither an award nor a redemption", entry = entry.0)]
    NotReversible { entry: EntryNo },
    #[error("no points are due to expire")]
    NothingToExpire,
    #[error("an adjustment needs a reason")]
    ReasonRequired,
    #[error("the entry moves {got} points where the rules give {expected}")]
    Mismatch { expected: i64, got: i64 },
    #[error("the ledger is full ({max} entries)")]
    LedgerFull { max: usize },
}

impl PointsError {
    pub fn message_zh(&self) -> String {
        match self {
            PointsError::Insufficient { requested, available } => {
                format!("积分不足：需要 {requested}，可用 {available}")
            }
            PointsError::NotPositive { points } => format!("积分必须大于 0，实际为 {points}"),
            PointsError::WrongSign { positive, .. } => {
                format!("该积分记录只能{}积分", if *positive { "增加" } else { "减少" })
            }
            PointsError::TooLarge { points, max } => format!("积分 {points} 超过单笔上限 {max}"),
            PointsError::OverOrderShare { points, max_points } => {
                format!("积分 {points} 超过本单最多可抵扣的 {max_points} 积分")
            }
            PointsError::DuplicateOrder { order, .. } => format!("订单 {order} 已有积分记录"),
            PointsError::NoSuchOrder { order } => format!("订单 {order} 没有积分记录"),
            PointsError::AlreadyReversed { order } => format!("订单 {order} 的积分已按本次退款冲回"),
            PointsError::UnknownEntry { entry } => format!("积分记录 {} 不存在", entry.0),
            PointsError::NotReversible { entry } => format!("积分记录 {} 不能冲回", entry.0),
            PointsError::NothingToExpire => "没有到期的积分".into(),
            PointsError::ReasonRequired => "积分调整必须填写原因".into(),
            PointsError::Mismatch { expected, got } => format!("积分记录为 {got}，按规则应为 {expected}"),
            PointsError::LedgerFull { max } => format!("积分流水已达上限 {max} 条"),
        }
    }
}

/// An award's state in the fold: a lot of points with an expiry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Award {
    /// The `Earn` or `Adjust` entry that created it.
    pub entry: EntryNo,
    /// First instant it may no longer be used; `None` (a positive adjustment) never lapses.
    pub expires_at_ms: Option<i64>,
    pub remaining: i64,
    /// Points a refund could not take back because they were already spent or lapsed.
    pub written_off: i64,
}

impl Award {
    pub fn is_live(&self, at_ms: i64) -> bool {
        self.expires_at_ms.is_none_or(|e| e > at_ms)
    }

    /// Redemption order: earliest expiry first, then the oldest award.
    pub fn fifo_key(&self) -> (i64, EntryNo) {
        (self.expires_at_ms.unwrap_or(i64::MAX), self.entry)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Take {
    award: usize,
    points: i64,
    restored: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Meta {
    Earn {
        order: OrderId,
        award: usize,
        points: i64,
        settled: Option<RefundPortion>,
    },
    Redeem {
        order: OrderId,
        points: i64,
        takes: Vec<Take>,
        settled: Option<RefundPortion>,
    },
    Other,
}

/// What a reversal does, worked out before anything changes.
enum ReversePlan {
    Earn {
        award: usize,
        take: i64,
        write_off: i64,
    },
    /// (take index, points restored into it, of which pay off its award's write-off).
    Redeem {
        chunks: Vec<(usize, i64, i64)>,
    },
}

impl ReversePlan {
    fn points(&self) -> i64 {
        match self {
            ReversePlan::Earn { take, .. } => -take,
            ReversePlan::Redeem { chunks } => chunks.iter().map(|(_, chunk, pay)| chunk - pay).sum(),
        }
    }
}

/// A member's points ledger folded: the balance, every award's remainder, and what each
/// order earned and redeemed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PointsBook {
    metas: Vec<Meta>,
    awards: Vec<Award>,
    balance: i64,
    earned_by_order: HashMap<OrderId, EntryNo>,
    redeemed_by_order: HashMap<OrderId, EntryNo>,
}

impl PointsBook {
    /// Folds a stored ledger, refusing it at the first entry the rules do not allow.
    pub fn fold<'a>(entries: impl IntoIterator<Item = &'a PointsEntry>) -> Result<PointsBook, PointsError> {
        let mut book = PointsBook::default();
        for entry in entries {
            book.apply(entry)?;
        }
        Ok(book)
    }

    /// The sum of all entries, lapsed-but-not-yet-expired points included.
    pub fn balance(&self) -> i64 {
        self.balance
    }

    /// Points that may be redeemed at `now_ms`.
    pub fn available(&self, now_ms: i64) -> i64 {
        self.awards
            .iter()
            .filter(|a| a.is_live(now_ms))
            .map(|a| a.remaining)
            .sum()
    }

    pub fn awards(&self) -> &[Award] {
        &self.awards
    }

    /// The number the next entry will have.
    pub fn next_entry(&self) -> EntryNo {
        EntryNo::next(self.metas.len())
    }

    /// The award for a paid order, or `None` when it earns nothing.
    pub fn earn(
        &self,
        order: OrderId,
        paid_fen: i64,
        rule: &EarnRule,
        multiplier_bp: u32,
        now_ms: i64,
    ) -> Result<Option<PointsEntry>, PointsError> {
        let points = points_earned(paid_fen, rule, multiplier_bp);
        if points == 0 {
            return Ok(None);
        }
        let entry = PointsEntry {
            kind: PointsKind::Earn {
                order,
                expires_at_ms: award_expires_at_ms(now_ms, rule.expiry_months),
            },
            points,
            at_ms: now_ms,
        };
        self.check(&entry)?;
        Ok(Some(entry))
    }

    /// Redeems `points` on an order, oldest-expiring awards first.
    pub fn redeem(&self, order: OrderId, points: i64, now_ms: i64) -> Result<PointsEntry, PointsError> {
        if points <= 0 {
            return Err(PointsError::NotPositive { points });
        }
        let entry = PointsEntry {
            kind: PointsKind::Redeem { order },
            points: -points,
            at_ms: now_ms,
        };
        self.check(&entry)?;
        Ok(entry)
    }

    /// The entry writing off every lapsed award's unspent points, if any.
    pub fn expire_due(&self, now_ms: i64) -> Option<PointsEntry> {
        let due = self.lapsed(now_ms);
        (due > 0).then_some(PointsEntry {
            kind: PointsKind::Expire,
            points: -due,
            at_ms: now_ms,
        })
    }

    /// Reverses an order's points up to the refunded share: restores what it redeemed,
    /// takes back what it earned. Refused once the order is reversed that far.
    pub fn refund(&self, order: OrderId, portion: RefundPortion, now_ms: i64) -> Result<Vec<PointsEntry>, PointsError> {
        let targets = [self.redeemed_by_order.get(&order), self.earned_by_order.get(&order)];
        if targets.iter().all(Option::is_none) {
            return Err(PointsError::NoSuchOrder { order });
        }
        let mut scratch = self.clone();
        let mut entries = Vec::new();
        for of_entry in targets.into_iter().flatten().copied() {
            let plan = match scratch.reverse_plan(of_entry, portion) {
                Ok(plan) => plan,
                Err(PointsError::AlreadyReversed { .. }) => continue,
                Err(e) => return Err(e),
            };
            let entry = PointsEntry {
                kind: PointsKind::Reverse { of_entry, portion },
                points: plan.points(),
                at_ms: now_ms,
            };
            scratch.apply(&entry)?;
            entries.push(entry);
        }
        if entries.is_empty() {
            return Err(PointsError::AlreadyReversed { order });
        }
        Ok(entries)
    }

    /// A staff adjustment with a reason.
    pub fn adjust(&self, points: i64, reason: &str, now_ms: i64) -> Result<PointsEntry, PointsError> {
        let entry = PointsEntry {
            kind: PointsKind::Adjust { reason: reason.into() },
            points,
            at_ms: now_ms,
        };
        self.check(&entry)?;
        Ok(entry)
    }

    fn check(&self, entry: &PointsEntry) -> Result<(), PointsError> {
        self.clone().apply(entry)
    }

    /// Appends an entry if the rules allow it; on `Err` the book is unchanged.
    pub fn apply(&mut self, entry: &PointsEntry) -> Result<(), PointsError> {
        if self.metas.len() >= LEDGER_ENTRIES_MAX {
            return Err(PointsError::LedgerFull {
                max: LEDGER_ENTRIES_MAX,
            });
        }
        if entry.points.unsigned_abs() > POINTS_ENTRY_MAX.unsigned_abs() {
            return Err(PointsError::TooLarge {
                points: entry.points,
                max: POINTS_ENTRY_MAX,
            });
        }
        let no = self.next_entry();
        let kind = entry.kind.code();
        let meta = match &entry.kind {
            PointsKind::Earn { order, expires_at_ms } => {
                if entry.points <= 0 {
                    return Err(PointsError::WrongSign { kind, positive: true });
                }
                if self.earned_by_order.contains_key(order) {
                    return Err(PointsError::DuplicateOrder { order: *order, kind });
                }
                self.earned_by_order.insert(*order, no);
                self.awards.push(Award {
                    entry: no,
                    expires_at_ms: Some(*expires_at_ms),
                    remaining: entry.points,
                    written_off: 0,
                });
                Meta::Earn {
                    order: *order,
                    award: self.awards.len() - 1,
                    points: entry.points,
                    settled: None,
                }
            }
            PointsKind::Redeem { order } => {
                if entry.points >= 0 {
                    return Err(PointsError::WrongSign { kind, positive: false });
                }
                if self.redeemed_by_order.contains_key(order) {
                    return Err(PointsError::DuplicateOrder { order: *order, kind });
                }
                let plan = self.fifo_plan(-entry.points, entry.at_ms)?;
                self.redeemed_by_order.insert(*order, no);
                let takes = plan
                    .into_iter()
                    .map(|(award, points)| {
                        self.awards[award].remaining -= points;
                        Take {
                            award,
                            points,
                            restored: 0,
                        }
                    })
                    .collect();
                Meta::Redeem {
                    order: *order,
                    points: -entry.points,
                    takes,
                    settled: None,
                }
            }
            PointsKind::Reverse { of_entry, portion } => {
                let plan = self.reverse_plan(*of_entry, *portion)?;
                let expected = plan.points();
                if entry.points != expected {
                    return Err(PointsError::Mismatch {
                        expected,
                        got: entry.points,
                    });
                }
                self.commit_reverse(*of_entry, *portion, plan);
                Meta::Other
            }
            PointsKind::Expire => {
                let due = self.lapsed(entry.at_ms);
                if due == 0 {
                    return Err(PointsError::NothingToExpire);
                }
                if entry.points != -due {
                    return Err(PointsError::Mismatch {
                        expected: -due,
                        got: entry.points,
                    });
                }
                for award in self.awards.iter_mut().filter(|a| !a.is_live(entry.at_ms)) {
                    award.remaining = 0;
                }
                Meta::Other
            }
            PointsKind::Adjust { reason } => {
                if reason.trim().is_empty() {
                    return Err(PointsError::ReasonRequired);
                }
                if entry.points == 0 {
                    return Err(PointsError::NotPositive { points: 0 });
                }
                if entry.points > 0 {
                    self.awards.push(Award {
                        entry: no,
                        expires_at_ms: None,
                        remaining: entry.points,
                        written_off: 0,
                    });
                } else {
                    for (award, points) in self.fifo_plan(-entry.points, entry.at_ms)? {
                        self.awards[award].remaining -= points;
                    }
                }
                Meta::Other
            }
        };
        self.balance += entry.points;
        self.metas.push(meta);
        Ok(())
    }

    fn lapsed(&self, at_ms: i64) -> i64 {
        self.awards
            .iter()
            .filter(|a| !a.is_live(at_ms))
            .map(|a| a.remaining)
            .sum()
    }

    /// Which awards `points` come from: live ones, earliest expiry first.
    fn fifo_plan(&self, points: i64, at_ms: i64) -> Result<Vec<(usize, i64)>, PointsError> {
        let available = self.available(at_ms);
        if available < points {
            return Err(PointsError::Insufficient {
                requested: points,
                available,
            });
        }
        let mut live: Vec<usize> = (0..self.awards.len())
            .filter(|&i| self.awards[i].remaining > 0 && self.awards[i].is_live(at_ms))
            .collect();
        live.sort_by_key(|&i| self.awards[i].fifo_key());
        let mut left = points;
        let mut plan = Vec::new();
        for i in live {
            if left == 0 {
                break;
            }
            let take = left.min(self.awards[i].remaining);
            plan.push((i, take));
            left -= take;
        }
        Ok(plan)
    }

    fn reverse_plan(&self, of_entry: EntryNo, portion: RefundPortion) -> Result<ReversePlan, PointsError> {
        match self.metas.get(of_entry.index()) {
            None => Err(PointsError::UnknownEntry { entry: of_entry }),
            Some(Meta::Other) => Err(PointsError::NotReversible { entry: of_entry }),
            Some(Meta::Earn {
                order,
                award,
                points,
                settled,
            }) => {
                if !portion.exceeds(*settled) {
                    return Err(PointsError::AlreadyReversed { order: *order });
                }
                let due = portion.share_of(*points) - settled.map_or(0, |s| s.share_of(*points));
                let take = due.min(self.awards[*award].remaining);
                Ok(ReversePlan::Earn {
                    award: *award,
                    take,
                    write_off: due - take,
                })
            }
            Some(Meta::Redeem {
                order,
                points,
                takes,
                settled,
            }) => {
                if !portion.exceeds(*settled) {
                    return Err(PointsError::AlreadyReversed { order: *order });
                }
                let mut left = portion.share_of(*points) - settled.map_or(0, |s| s.share_of(*points));
                let mut chunks = Vec::new();
                for (i, take) in takes.iter().enumerate().rev() {
                    if left == 0 {
                        break;
                    }
                    let chunk = left.min(take.points - take.restored);
                    if chunk > 0 {
                        let pay = chunk.min(self.awards[take.award].written_off);
                        chunks.push((i, chunk, pay));
                        left -= chunk;
                    }
                }
                assert_eq!(left, 0, "a redemption's unrestored takes cover what is left of it");
                Ok(ReversePlan::Redeem { chunks })
            }
        }
    }

    fn commit_reverse(&mut self, of_entry: EntryNo, portion: RefundPortion, plan: ReversePlan) {
        match (&mut self.metas[of_entry.index()], plan) {
            (Meta::Earn { settled, .. }, ReversePlan::Earn { award, take, write_off }) => {
                self.awards[award].remaining -= take;
                self.awards[award].written_off += write_off;
                *settled = Some(portion);
            }
            (Meta::Redeem { takes, settled, .. }, ReversePlan::Redeem { chunks }) => {
                for (i, chunk, pay) in chunks {
                    takes[i].restored += chunk;
                    let award = &mut self.awards[takes[i].award];
                    award.written_off -= pay;
                    award.remaining += chunk - pay;
                }
                *settled = Some(portion);
            }
            _ => unreachable!("a plan is made for the entry it commits to"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{MS_PER_DAY, at_local};
    use jiff::civil::{Time, date};
    use proptest::prelude::*;

    const DAY: i64 = MS_PER_DAY;

    fn earn_entry(order: i64, points: i64, expires_at_ms: i64) -> PointsEntry {
        PointsEntry {
            kind: PointsKind::Earn {
                order: OrderId(order),
                expires_at_ms,
            },
            points,
            at_ms: 0,
        }
    }

    fn book(entries: &[PointsEntry]) -> PointsBook {
        PointsBook::fold(entries).unwrap()
    }

    fn remaining(book: &PointsBook) -> Vec<i64> {
        book.awards().iter().map(|a| a.remaining).collect()
    }

    fn check_earned(paid_fen: i64, fen_per_point: i64, rounding: Rounding, multiplier_bp: u32, expected: i64) {
        let rule = EarnRule::new(fen_per_point, rounding, 12).unwrap();
        assert_eq!(
            points_earned(paid_fen, &rule, multiplier_bp),
            expected,
            "{paid_fen} fen"
        );
    }

    #[test]
    fn points_are_earned_per_whole_yuan_with_the_tier_multiplier() {
        check_earned(12_345, 100, Rounding::Down, 10_000, 123);
        check_earned(12_399, 100, Rounding::Down, 10_000, 123);
        check_earned(12_350, 100, Rounding::HalfUp, 10_000, 124);
        check_earned(12_345, 100, Rounding::Down, 15_000, 185);
        check_earned(99, 100, Rounding::Down, 20_000, 1);
        check_earned(0, 100, Rounding::Down, 10_000, 0);
    }

    #[test]
    fn an_award_expires_at_the_end_of_the_day_months_later_in_shanghai() {
        // Earned at 23:30 on 31 Jan 2026 in Shanghai (15:30 UTC, same date).
        let earned = at_local(date(2026, 1, 31), Time::constant(23, 30, 0, 0));
        assert_eq!(award_expires_at_ms(earned, 1), end_of_local_day(date(2026, 2, 28)));
        assert_eq!(award_expires_at_ms(earned, 12), end_of_local_day(date(2027, 1, 31)));
    }

    #[test]
    fn redemption_value_rounds_down_and_is_capped_at_the_order_share() {
        let rule = RedeemRule::new(100, 5_000).unwrap();
        assert_eq!(points_value_fen(250, &rule), 250);
        let coarse = RedeemRule::new(300, 5_000).unwrap();
        // 100 points at 300/yuan = 33.3 fen → 33; 33 fen need 99 points.
        assert_eq!(points_value_fen(100, &coarse), 33);
        assert_eq!(points_for_fen(33, &coarse), 99);
        assert_eq!(coarse.max_points(10_000, 100), 99);
        // Half of ¥9.99 is 499 fen: at most 499 points.
        assert_eq!(rule.order_share_max_fen(999), 499);
        assert_eq!(rule.max_points(999, 10_000), 499);
        assert_eq!(rule.value_fen(499, 999), Ok(499));
        assert_eq!(
            rule.value_fen(500, 999),
            Err(PointsError::OverOrderShare {
                points: 500,
                max_points: 499
            })
        );
    }

    #[test]
    fn redemption_takes_the_earliest_expiring_award_first() {
        let b = book(&[
            earn_entry(1, 100, 300 * DAY),
            earn_entry(2, 50, 100 * DAY),
            earn_entry(3, 80, 200 * DAY),
        ]);
        let redeem = b.redeem(OrderId(9), 120, DAY).unwrap();
        let mut b = b;
        b.apply(&redeem).unwrap();
        assert_eq!(remaining(&b), vec![100, 0, 10]);
        assert_eq!(b.balance(), 110);
    }

    #[test]
    fn a_lapsed_award_is_never_redeemed_and_is_expired_by_one_entry() {
        let mut b = book(&[earn_entry(1, 100, 10 * DAY), earn_entry(2, 30, 20 * DAY)]);
        let now = 10 * DAY; // the first award's last instant was just before now
        assert_eq!(b.available(now), 30);
        assert_eq!(
            b.redeem(OrderId(9), 31, now),
            Err(PointsError::Insufficient {
                requested: 31,
                available: 30
            })
        );
        let expire = b.expire_due(now).unwrap();
        assert_eq!(expire.points, -100);
        b.apply(&expire).unwrap();
        assert_eq!((b.balance(), b.available(now)), (30, 30));
        assert_eq!(b.expire_due(now), None);
        assert_eq!(
            b.expire_due(20 * DAY),
            Some(PointsEntry {
                kind: PointsKind::Expire,
                points: -30,
                at_ms: 20 * DAY
            })
        );
    }

    #[test]
    fn a_full_refund_restores_redeemed_points_and_takes_back_earned_ones_once() {
        let mut b = book(&[earn_entry(1, 500, 100 * DAY)]);
        let order = OrderId(2);
        let redeem = b.redeem(order, 200, DAY).unwrap();
        b.apply(&redeem).unwrap();
        let earn = b
            .earn(
                order,
                10_000,
                &EarnRule::new(100, Rounding::Down, 12).unwrap(),
                10_000,
                DAY,
            )
            .unwrap()
            .unwrap();
        b.apply(&earn).unwrap();
        assert_eq!(b.balance(), 400);
        let full = RefundPortion::full(10_000).unwrap();
        let reversal = b.refund(order, full, 2 * DAY).unwrap();
        assert_eq!(reversal.iter().map(|e| e.points).collect::<Vec<_>>(), vec![200, -100]);
        for e in &reversal {
            b.apply(e).unwrap();
        }
        assert_eq!(b.balance(), 500);
        assert_eq!(
            b.refund(order, full, 3 * DAY),
            Err(PointsError::AlreadyReversed { order })
        );
        assert!(matches!(
            b.apply(&reversal[0]),
            Err(PointsError::AlreadyReversed { .. })
        ));
        assert_eq!(
            b.refund(OrderId(77), full, 3 * DAY),
            Err(PointsError::NoSuchOrder { order: OrderId(77) })
        );
    }

    #[test]
    fn partial_refunds_round_down_and_never_exceed_the_award_in_total() {
        let mut b = book(&[earn_entry(1, 100, 100 * DAY)]);
        let mut taken = Vec::new();
        // ¥10.00 order refunded ¥3.33, then ¥3.33 more, then the rest.
        for refunded in [333, 666, 1_000] {
            let entries = b
                .refund(OrderId(1), RefundPortion::new(refunded, 1_000).unwrap(), DAY)
                .unwrap();
            for e in &entries {
                b.apply(e).unwrap();
                taken.push(e.points);
            }
        }
        assert_eq!(taken, vec![-33, -33, -34]);
        assert_eq!(b.balance(), 0);
    }

    #[test]
    fn earned_points_already_spent_are_written_off_not_taken_from_other_awards() {
        let mut b = book(&[earn_entry(1, 100, 100 * DAY), earn_entry(2, 100, 200 * DAY)]);
        // Order 3 redeems all of award 1 (earliest expiry).
        let redeem = b.redeem(OrderId(3), 100, DAY).unwrap();
        b.apply(&redeem).unwrap();
        // Refunding order 1 cannot take its spent points back, nor touch award 2.
        let undo_earn = b.refund(OrderId(1), RefundPortion::full(1_000).unwrap(), DAY).unwrap();
        assert_eq!(undo_earn[0].points, 0);
        b.apply(&undo_earn[0]).unwrap();
        assert_eq!(remaining(&b), vec![0, 100]);
        assert_eq!(b.awards()[0].written_off, 100);
        // Refunding order 3 returns its points to award 1, which pays the write-off first.
        let undo_redeem = b.refund(OrderId(3), RefundPortion::full(500).unwrap(), DAY).unwrap();
        assert_eq!(undo_redeem[0].points, 0);
        b.apply(&undo_redeem[0]).unwrap();
        assert_eq!((b.balance(), remaining(&b)), (100, vec![0, 100]));
    }

    #[test]
    fn entries_the_rules_do_not_give_are_refused_by_the_fold() {
        let mut b = book(&[earn_entry(1, 100, 100 * DAY)]);
        assert_eq!(
            b.apply(&earn_entry(1, 5, 100 * DAY)),
            Err(PointsError::DuplicateOrder {
                order: OrderId(1),
                kind: "earn"
            })
        );
        let forged_expire = PointsEntry {
            kind: PointsKind::Expire,
            points: -100,
            at_ms: DAY,
        };
        assert_eq!(b.apply(&forged_expire), Err(PointsError::NothingToExpire));
        let forged_reverse = PointsEntry {
            kind: PointsKind::Reverse {
                of_entry: EntryNo(0),
                portion: RefundPortion::full(10).unwrap(),
            },
            points: -50,
            at_ms: DAY,
        };
        assert_eq!(
            b.apply(&forged_reverse),
            Err(PointsError::Mismatch {
                expected: -100,
                got: -50
            })
        );
        assert_eq!(b.adjust(5, " ", DAY), Err(PointsError::ReasonRequired));
        assert_eq!(b.balance(), 100);
    }

    #[derive(Clone, Debug)]
    enum Op {
        Earn { order: i64, paid_fen: i64 },
        Redeem { order: i64, points: i64 },
        Expire,
        Refund { order: i64, tenths: i64 },
        Adjust { points: i64 },
        Wait { days: i64 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (0i64..8, 0i64..20_000).prop_map(|(order, paid_fen)| Op::Earn { order, paid_fen }),
            3 => (0i64..8, 1i64..150).prop_map(|(order, points)| Op::Redeem { order, points }),
            1 => Just(Op::Expire),
            3 => (0i64..8, 1i64..=10).prop_map(|(order, tenths)| Op::Refund { order, tenths }),
            1 => (-50i64..50).prop_map(|points| Op::Adjust { points }),
            2 => (0i64..40).prop_map(|days| Op::Wait { days }),
        ]
    }

    proptest! {
        /// Random ledgers: the balance never goes negative and equals both the sum and the
        /// fold of the accepted entries; a refund of a share is accepted at most once;
        /// reversals never exceed what was earned or redeemed; redemptions are FIFO by expiry.
        #[test]
        fn the_points_ledger_keeps_its_invariants(ops in prop::collection::vec(op(), 0..120)) {
            let rule = EarnRule::new(100, Rounding::Down, 1).unwrap();
            let mut now = at_local(date(2026, 1, 1), Time::midnight());
            let mut b = PointsBook::default();
            let mut accepted: Vec<PointsEntry> = Vec::new();
            for op in ops {
                let before = b.clone();
                let proposed: Vec<PointsEntry> = match op {
                    Op::Earn { order, paid_fen } => b.earn(OrderId(order), paid_fen, &rule, 10_000, now).ok().flatten().into_iter().collect(),
                    Op::Redeem { order, points } => match b.redeem(OrderId(order), points, now) {
                        Ok(e) => vec![e],
                        Err(PointsError::Insufficient { available, .. }) => { prop_assert_eq!(available, b.available(now)); vec![] }
                        Err(_) => vec![],
                    },
                    Op::Expire => b.expire_due(now).into_iter().collect(),
                    Op::Refund { order, tenths } => {
                        let portion = RefundPortion::new(tenths, 10).unwrap();
                        let entries = b.refund(OrderId(order), portion, now).unwrap_or_default();
                        if !entries.is_empty() {
                            let mut after = b.clone();
                            for e in &entries { after.apply(e).unwrap(); }
                            prop_assert_eq!(after.refund(OrderId(order), portion, now), Err(PointsError::AlreadyReversed { order: OrderId(order) }));
                            for e in &entries { prop_assert!(after.clone().apply(e).is_err(), "a reversal replays"); }
                        }
                        entries
                    }
                    Op::Adjust { points } => b.adjust(points, "盘点", now).ok().into_iter().collect(),
                    Op::Wait { days } => { now += days * DAY; vec![] }
                };
                for e in &proposed {
                    b.apply(e).unwrap();
                    accepted.push(e.clone());
                }
                if let Some(PointsEntry { kind: PointsKind::Redeem { .. }, at_ms, .. }) = proposed.first() {
                    // FIFO: every award touched had no live earlier-expiring award left with points.
                    for (i, (old, new)) in before.awards().iter().zip(b.awards()).enumerate() {
                        if new.remaining < old.remaining {
                            for (j, other) in b.awards().iter().enumerate() {
                                if j != i && other.is_live(*at_ms) && other.fifo_key() < new.fifo_key() {
                                    prop_assert_eq!(other.remaining, 0);
                                }
                            }
                            prop_assert!(new.is_live(*at_ms), "a lapsed award was redeemed");
                        }
                    }
                }
                prop_assert!(b.balance() >= 0);
                prop_assert!(b.awards().iter().all(|a| a.remaining >= 0 && a.written_off >= 0));
                prop_assert_eq!(b.balance(), accepted.iter().map(|e| e.points).sum::<i64>());
                prop_assert_eq!(b.balance(), b.awards().iter().map(|a| a.remaining).sum::<i64>());
            }
            prop_assert_eq!(PointsBook::fold(&accepted), Ok(b.clone()));
            // Reversals never exceed the entry they reverse.
            for (no, e) in accepted.iter().enumerate() {
                let reversed: i64 = accepted.iter().filter_map(|r| match r.kind {
                    PointsKind::Reverse { of_entry, .. } if of_entry.index() == no => Some(r.points),
                    _ => None,
                }).sum();
                match e.kind {
                    PointsKind::Earn { .. } => prop_assert!(-reversed <= e.points && reversed <= 0),
                    PointsKind::Redeem { .. } => prop_assert!(reversed <= -e.points && reversed >= 0),
                    _ => prop_assert_eq!(reversed, 0),
                }
            }
        }
    }
}
