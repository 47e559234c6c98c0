//! Stored value (储值): an append-only ledger of top-ups, spends, refunds, withdrawals and
//! adjustments, with principal (本金, money the member paid) and bonus (赠送金, the
//! store's gift) kept apart.
//!
//! They are kept apart because prepaid-card rules (单用途商业预付卡管理办法) expect the
//! unused principal to be refundable while a gift is not: a withdrawal (退卡) returns only
//! unused principal. A spend takes principal and bonus in proportion to the balance
//! (the bonus share rounded up), as courts and local prepaid rules usually read 充值赠送:
//! the gift is used up alongside the money it came with, not kept back to shrink the
//! refundable principal, and not spent first to shrink it either. Every entry records its
//! principal and bonus parts, so reports sum columns instead of re-running the rule, and
//! the fold checks that a spend's split is the one the rule gives.
//!
//! A member's card is registered (记名卡), so its balance is capped at ¥5,000 (办法 第二十条).

use std::collections::HashMap;

use super::{EntryNo, LEDGER_ENTRIES_MAX, RefundPortion, RuleError};
use crate::ids::OrderId;
use crate::money::{AMOUNT_FEN_MAX, Rounding, div_round};

/// The most a registered prepaid card may hold: ¥5,000.
pub const BALANCE_FEN_MAX: i64 = 500_000;
/// The most top-up rules a store may configure.
pub const TOP_UP_RULES_MAX: usize = 20;

/// 充 `min_paid_fen` 送 `bonus_fen`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TopUpRule {
    pub min_paid_fen: i64,
    pub bonus_fen: i64,
}

/// The store's top-up offers, checked once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopUpRules {
    rules: Vec<TopUpRule>,
}

impl TopUpRules {
    pub fn new(rules: Vec<TopUpRule>) -> Result<TopUpRules, RuleError> {
        if rules.len() > TOP_UP_RULES_MAX {
            return Err(RuleError::TooMany {
                what: "充值赠送规则",
                max: TOP_UP_RULES_MAX,
            });
        }
        for (i, rule) in rules.iter().enumerate() {
            if rule.min_paid_fen <= 0 {
                return Err(RuleError::TopUpThresholdNotPositive {
                    min_paid_fen: rule.min_paid_fen,
                });
            }
            if rule.bonus_fen < 0 || rule.bonus_fen > rule.min_paid_fen {
                return Err(RuleError::TopUpBonusOutOfRange {
                    min_paid_fen: rule.min_paid_fen,
                    bonus_fen: rule.bonus_fen,
                });
            }
            if rules[..i].iter().any(|r| r.min_paid_fen == rule.min_paid_fen) {
                return Err(RuleError::DuplicateTopUpThreshold {
                    min_paid_fen: rule.min_paid_fen,
                });
            }
        }
        Ok(TopUpRules { rules })
    }

    /// The best bonus among the rules whose threshold `paid_fen` meets. Rules do not stack:
    /// ¥400 under 充200送30 earns 30, not 60 (a store wanting 60 adds a ¥400 rule).
    pub fn bonus_for(&self, paid_fen: i64) -> i64 {
        self.rules
            .iter()
            .filter(|r| r.min_paid_fen <= paid_fen)
            .map(|r| r.bonus_fen)
            .max()
            .unwrap_or(0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoredValueKind {
    /// 充值: principal is what was paid, bonus what the top-up rule gave.
    TopUp,
    /// 消费 on an order.
    Spend { order: OrderId },
    /// 退回储值: a refunded order's spend goes back, up to its cumulative refunded share.
    Refund { of_entry: EntryNo, portion: RefundPortion },
    /// 退卡/提现: unused principal paid back to the member (any bonus taken with it is forfeited).
    Withdraw { reason: String },
    /// 人工调整 by staff.
    Adjust { reason: String },
}

impl StoredValueKind {
    pub fn code(&self) -> &'static str {
        match self {
            StoredValueKind::TopUp => "top_up",
            StoredValueKind::Spend { .. } => "spend",
            StoredValueKind::Refund { .. } => "refund",
            StoredValueKind::Withdraw { .. } => "withdraw",
            StoredValueKind::Adjust { .. } => "adjust",
        }
    }
}

/// One line of a member's stored-value ledger; both parts are signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredValueEntry {
    pub kind: StoredValueKind,
    pub principal_fen: i64,
    pub bonus_fen: i64,
    pub at_ms: i64,
}

impl StoredValueEntry {
    pub fn amount_fen(&self) -> i64 {
        self.principal_fen + self.bonus_fen
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoredValueError {
    #[error("not enough stored value: {requested} fen requested, {available} fen available")]
    Insufficient { requested: i64, available: i64 },
    #[error("an amount must be positive, got {amount_fen} fen")]
    NotPositive { amount_fen: i64 },
    #[error("a {kind} entry has the wrong sign")]
    WrongSign { kind: &'static str },
    #[error("{amount_fen} fen is beyond the limit of {max} fen per entry")]
    TooLarge { amount_fen: i64, max: i64 },
    #[error("the balance would be {after_fen} fen, above the card limit of {max_fen} fen")]
    BalanceLimit { after_fen: i64, max_fen: i64 },
    #[error("order {order} already paid with stored value")]
    DuplicateOrder { order: OrderId },
    #[error("order {order} did not pay with stored value")]
    NoSuchOrder { order: OrderId },
    #[error("the stored value of order {order} is already refunded for this refund")]
    AlreadyReversed { order: OrderId },
    #[error("entry {entry} does not exist", entry = entry.0)]
    UnknownEntry { entry: EntryNo },
    #[error("entry {entry} is not a spend", entry = entry.0)]
    NotRefundable { entry: EntryNo },
    #[error("a withdrawal or adjustment needs a reason")]
    ReasonRequired,
    #[error("nothing to withdraw")]
    NothingToWithdraw,
    #[error(
        "the entry moves {got_principal}+{got_bonus} fen where the rules give {expected_principal}+{expected_bonus}"
    )]
    Mismatch {
        expected_principal: i64,
        expected_bonus: i64,
        got_principal: i64,
        got_bonus: i64,
    },
    #[error("the ledger is full ({max} entries)")]
    LedgerFull { max: usize },
}

impl StoredValueError {
    pub fn message_zh(&self) -> String {
        match self {
            StoredValueError::Insufficient { requested, available } => {
                format!("储值余额不足：需要 {requested} 分，可用 {available} 分")
            }
            StoredValueError::NotPositive { amount_fen } => format!("金额必须大于 0，实际为 {amount_fen} 分"),
            StoredValueError::WrongSign { .. } => "储值记录的金额方向不正确".into(),
            StoredValueError::TooLarge { amount_fen, max } => format!("金额 {amount_fen} 分超过单笔上限 {max} 分"),
            StoredValueError::BalanceLimit { after_fen, max_fen } => {
                format!("充值后余额 {after_fen} 分将超过记名卡上限 {max_fen} 分")
            }
            StoredValueError::DuplicateOrder { order } => format!("订单 {order} 已使用储值支付"),
            StoredValueError::NoSuchOrder { order } => format!("订单 {order} 没有使用储值支付"),
            StoredValueError::AlreadyReversed { order } => format!("订单 {order} 的储值已按本次退款退回"),
            StoredValueError::UnknownEntry { entry } => format!("储值记录 {} 不存在", entry.0),
            StoredValueError::NotRefundable { entry } => format!("储值记录 {} 不是消费记录", entry.0),
            StoredValueError::ReasonRequired => "退卡或调整必须填写原因".into(),
            StoredValueError::NothingToWithdraw => "没有可退的储值".into(),
            StoredValueError::Mismatch {
                expected_principal,
                expected_bonus,
                got_principal,
                got_bonus,
            } => format!(
                "储值记录为本金 {got_principal} 分、赠送 {got_bonus} 分，按规则应为本金 {expected_principal} 分、赠送 {expected_bonus} 分"
            ),
            StoredValueError::LedgerFull { max } => format!("储值流水已达上限 {max} 条"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Meta {
    Spend {
        order: OrderId,
        principal_fen: i64,
        bonus_fen: i64,
        settled: Option<RefundPortion>,
    },
    Other,
}

/// A member's stored-value ledger folded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredValueBook {
    metas: Vec<Meta>,
    principal_fen: i64,
    bonus_fen: i64,
    spent_by_order: HashMap<OrderId, EntryNo>,
}

impl StoredValueBook {
    /// Folds a stored ledger, refusing it at the first entry the rules do not allow.
    pub fn fold<'a>(
        entries: impl IntoIterator<Item = &'a StoredValueEntry>,
    ) -> Result<StoredValueBook, StoredValueError> {
        let mut book = StoredValueBook::default();
        for entry in entries {
            book.apply(entry)?;
        }
        Ok(book)
    }

    pub fn principal_fen(&self) -> i64 {
        self.principal_fen
    }

    pub fn bonus_fen(&self) -> i64 {
        self.bonus_fen
    }

    pub fn balance_fen(&self) -> i64 {
        self.principal_fen + self.bonus_fen
    }

    pub fn next_entry(&self) -> EntryNo {
        EntryNo::next(self.metas.len())
    }

    /// What an order spent and how much of it has come back: `(spent_fen, refunded_fen)`.
    pub fn spend_of(&self, order: OrderId) -> Option<(i64, i64)> {
        let no = self.spent_by_order.get(&order)?;
        match &self.metas[no.index()] {
            Meta::Spend {
                principal_fen,
                bonus_fen,
                settled,
                ..
            } => {
                let refunded = settled.map_or(0, |s| s.share_of(*principal_fen) + s.share_of(*bonus_fen));
                Some((principal_fen + bonus_fen, refunded))
            }
            Meta::Other => unreachable!("spent_by_order only points at spends"),
        }
    }

    /// A new order's spend made from a member's cached balance alone (principal, bonus
    /// and how many entries the ledger holds), exactly as `spend` makes it from the
    /// folded ledger: a new order has spent nothing before, so nothing else of the
    /// ledger matters. Lets a busy till pay by stored value without reading the ledger.
    pub fn spend_from_balance(
        principal_fen: i64,
        bonus_fen: i64,
        entries: usize,
        order: OrderId,
        amount_fen: i64,
        now_ms: i64,
    ) -> Result<StoredValueEntry, StoredValueError> {
        if entries >= LEDGER_ENTRIES_MAX {
            return Err(StoredValueError::LedgerFull {
                max: LEDGER_ENTRIES_MAX,
            });
        }
        let book = StoredValueBook {
            principal_fen,
            bonus_fen,
            ..StoredValueBook::default()
        };
        book.spend(order, amount_fen, now_ms)
    }

    /// A top-up of `paid_fen` with the best bonus the rules give.
    pub fn top_up(&self, paid_fen: i64, rules: &TopUpRules, now_ms: i64) -> Result<StoredValueEntry, StoredValueError> {
        if paid_fen <= 0 {
            return Err(StoredValueError::NotPositive { amount_fen: paid_fen });
        }
        self.checked(StoredValueEntry {
            kind: StoredValueKind::TopUp,
            principal_fen: paid_fen,
            bonus_fen: rules.bonus_for(paid_fen),
            at_ms: now_ms,
        })
    }

    /// Pays `amount_fen` of an order, principal and bonus in proportion.
    pub fn spend(&self, order: OrderId, amount_fen: i64, now_ms: i64) -> Result<StoredValueEntry, StoredValueError> {
        if amount_fen <= 0 {
            return Err(StoredValueError::NotPositive { amount_fen });
        }
        let available = self.balance_fen();
        if amount_fen > available {
            return Err(StoredValueError::Insufficient {
                requested: amount_fen,
                available,
            });
        }
        let (principal, bonus) = self.split(amount_fen);
        self.checked(StoredValueEntry {
            kind: StoredValueKind::Spend { order },
            principal_fen: -principal,
            bonus_fen: -bonus,
            at_ms: now_ms,
        })
    }

    /// Returns an order's spend up to the refunded share; each part rounded down, so the
    /// refunds of one spend never exceed it and the full refund returns it exactly.
    pub fn refund(
        &self,
        order: OrderId,
        portion: RefundPortion,
        now_ms: i64,
    ) -> Result<StoredValueEntry, StoredValueError> {
        let of_entry = *self
            .spent_by_order
            .get(&order)
            .ok_or(StoredValueError::NoSuchOrder { order })?;
        let (principal, bonus) = self.refund_plan(of_entry, portion)?;
        self.checked(StoredValueEntry {
            kind: StoredValueKind::Refund { of_entry, portion },
            principal_fen: principal,
            bonus_fen: bonus,
            at_ms: now_ms,
        })
    }

    /// 退卡: pays back all unused principal; the remaining bonus is forfeited with it.
    pub fn withdraw_all(&self, reason: &str, now_ms: i64) -> Result<StoredValueEntry, StoredValueError> {
        if self.balance_fen() == 0 {
            return Err(StoredValueError::NothingToWithdraw);
        }
        self.checked(StoredValueEntry {
            kind: StoredValueKind::Withdraw { reason: reason.into() },
            principal_fen: -self.principal_fen,
            bonus_fen: -self.bonus_fen,
            at_ms: now_ms,
        })
    }

    fn checked(&self, entry: StoredValueEntry) -> Result<StoredValueEntry, StoredValueError> {
        self.clone().apply(&entry)?;
        Ok(entry)
    }

    /// `(principal, bonus)` of a spend: the bonus share rounded up, so the fen of rounding
    /// stays in the member's refundable principal.
    fn split(&self, amount_fen: i64) -> (i64, i64) {
        let balance = self.balance_fen();
        assert!(amount_fen <= balance, "a spend is checked against the balance first");
        let bonus = div_round(
            i128::from(amount_fen) * i128::from(self.bonus_fen),
            i128::from(balance),
            Rounding::Up,
        );
        (amount_fen - bonus, bonus)
    }

    fn refund_plan(&self, of_entry: EntryNo, portion: RefundPortion) -> Result<(i64, i64), StoredValueError> {
        match self.metas.get(of_entry.index()) {
            None => Err(StoredValueError::UnknownEntry { entry: of_entry }),
            Some(Meta::Other) => Err(StoredValueError::NotRefundable { entry: of_entry }),
            Some(Meta::Spend {
                order,
                principal_fen,
                bonus_fen,
                settled,
            }) => {
                if !portion.exceeds(*settled) {
                    return Err(StoredValueError::AlreadyReversed { order: *order });
                }
                let due = |spent: i64| portion.share_of(spent) - settled.map_or(0, |s| s.share_of(spent));
                Ok((due(*principal_fen), due(*bonus_fen)))
            }
        }
    }

    /// Appends an entry if the rules allow it; on `Err` the book is unchanged.
    pub fn apply(&mut self, entry: &StoredValueEntry) -> Result<(), StoredValueError> {
        if self.metas.len() >= LEDGER_ENTRIES_MAX {
            return Err(StoredValueError::LedgerFull {
                max: LEDGER_ENTRIES_MAX,
            });
        }
        for part in [entry.principal_fen, entry.bonus_fen] {
            if part.unsigned_abs() > AMOUNT_FEN_MAX.unsigned_abs() {
                return Err(StoredValueError::TooLarge {
                    amount_fen: part,
                    max: AMOUNT_FEN_MAX,
                });
            }
        }
        let kind = entry.kind.code();
        let (p, b) = (entry.principal_fen, entry.bonus_fen);
        let adds = p >= 0 && b >= 0 && p + b > 0;
        let takes = p <= 0 && b <= 0 && p + b < 0;
        let meta = match &entry.kind {
            StoredValueKind::TopUp => {
                if !adds || p == 0 {
                    return Err(StoredValueError::WrongSign { kind });
                }
                self.check_limit(p + b)?;
                Meta::Other
            }
            StoredValueKind::Spend { order } => {
                if !takes {
                    return Err(StoredValueError::WrongSign { kind });
                }
                if self.spent_by_order.contains_key(order) {
                    return Err(StoredValueError::DuplicateOrder { order: *order });
                }
                let amount = -(p + b);
                if amount > self.balance_fen() {
                    return Err(StoredValueError::Insufficient {
                        requested: amount,
                        available: self.balance_fen(),
                    });
                }
                let (ep, eb) = self.split(amount);
                if (ep, eb) != (-p, -b) {
                    return Err(StoredValueError::Mismatch {
                        expected_principal: -ep,
                        expected_bonus: -eb,
                        got_principal: p,
                        got_bonus: b,
                    });
                }
                self.spent_by_order.insert(*order, self.next_entry());
                Meta::Spend {
                    order: *order,
                    principal_fen: -p,
                    bonus_fen: -b,
                    settled: None,
                }
            }
            StoredValueKind::Refund { of_entry, portion } => {
                let (ep, eb) = self.refund_plan(*of_entry, *portion)?;
                if (ep, eb) != (p, b) {
                    return Err(StoredValueError::Mismatch {
                        expected_principal: ep,
                        expected_bonus: eb,
                        got_principal: p,
                        got_bonus: b,
                    });
                }
                if let Meta::Spend { settled, .. } = &mut self.metas[of_entry.index()] {
                    *settled = Some(*portion);
                }
                Meta::Other
            }
            StoredValueKind::Withdraw { reason } | StoredValueKind::Adjust { reason } => {
                if reason.trim().is_empty() {
                    return Err(StoredValueError::ReasonRequired);
                }
                let is_withdraw = matches!(entry.kind, StoredValueKind::Withdraw { .. });
                if is_withdraw && !takes {
                    return Err(StoredValueError::WrongSign { kind });
                }
                if p == 0 && b == 0 {
                    return Err(StoredValueError::NotPositive { amount_fen: 0 });
                }
                if self.principal_fen + p < 0 || self.bonus_fen + b < 0 {
                    return Err(StoredValueError::Insufficient {
                        requested: -(p.min(0) + b.min(0)),
                        available: self.balance_fen(),
                    });
                }
                if p + b > 0 {
                    self.check_limit(p + b)?;
                }
                Meta::Other
            }
        };
        self.principal_fen += p;
        self.bonus_fen += b;
        self.metas.push(meta);
        Ok(())
    }

    fn check_limit(&self, added_fen: i64) -> Result<(), StoredValueError> {
        let after_fen = self.balance_fen() + added_fen;
        if after_fen > BALANCE_FEN_MAX {
            return Err(StoredValueError::BalanceLimit {
                after_fen,
                max_fen: BALANCE_FEN_MAX,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rules() -> TopUpRules {
        TopUpRules::new(vec![
            TopUpRule {
                min_paid_fen: 10_000,
                bonus_fen: 1_000,
            },
            TopUpRule {
                min_paid_fen: 20_000,
                bonus_fen: 3_000,
            },
            TopUpRule {
                min_paid_fen: 50_000,
                bonus_fen: 10_000,
            },
        ])
        .unwrap()
    }

    fn check_bonus(paid_fen: i64, expected: i64) {
        assert_eq!(rules().bonus_for(paid_fen), expected, "{paid_fen} fen");
    }

    fn applied(
        book: &mut StoredValueBook,
        propose: impl FnOnce(&StoredValueBook) -> Result<StoredValueEntry, StoredValueError>,
    ) -> StoredValueEntry {
        let entry = propose(book).unwrap();
        book.apply(&entry).unwrap();
        entry
    }

    #[test]
    fn a_top_up_gets_the_best_rule_it_reaches_without_stacking() {
        check_bonus(9_999, 0);
        check_bonus(10_000, 1_000);
        check_bonus(19_999, 1_000);
        check_bonus(20_000, 3_000); // 充200送30
        check_bonus(40_000, 3_000);
        check_bonus(50_000, 10_000);
    }

    #[test]
    fn top_up_rules_are_checked_once() {
        let rule = |min_paid_fen, bonus_fen| TopUpRule {
            min_paid_fen,
            bonus_fen,
        };
        assert!(TopUpRules::new(vec![rule(0, 0)]).is_err());
        assert!(TopUpRules::new(vec![rule(100, 101)]).is_err());
        assert_eq!(
            TopUpRules::new(vec![rule(100, 10), rule(100, 20)]),
            Err(RuleError::DuplicateTopUpThreshold { min_paid_fen: 100 })
        );
    }

    #[test]
    fn a_spend_takes_principal_and_bonus_in_proportion_with_the_bonus_rounded_up() {
        let mut b = StoredValueBook::default();
        applied(&mut b, |b| b.top_up(20_000, &rules(), 0));
        assert_eq!((b.principal_fen(), b.bonus_fen()), (20_000, 3_000));
        // 1 001 fen × 3 000 / 23 000 = 130.57 → bonus 131, principal 870.
        let spend = applied(&mut b, |b| b.spend(OrderId(1), 1_001, 1));
        assert_eq!((spend.principal_fen, spend.bonus_fen), (-870, -131));
        assert_eq!(
            b.spend(OrderId(2), 30_000, 2),
            Err(StoredValueError::Insufficient {
                requested: 30_000,
                available: 21_999
            })
        );
    }

    proptest! {
        /// The spend made from the cached balance is the spend the folded ledger makes,
        /// refusals included, after any history of top-ups, spends and refunds.
        #[test]
        fn a_spend_from_the_balance_is_the_spend_of_the_ledger(
            steps in prop::collection::vec((0u8..3, 1i64..60_000), 0..40),
            amount in 1i64..80_000,
        ) {
            let mut b = StoredValueBook::default();
            let mut spends = Vec::new();
            for (i, (kind, fen)) in steps.into_iter().enumerate() {
                let order = OrderId(i as i64 + 1);
                let entry = match kind {
                    0 => b.top_up(fen, &rules(), 0),
                    1 => b.spend(order, fen, 0).inspect(|_| spends.push(order)),
                    _ => match spends.pop() {
                        Some(o) => b.refund(o, RefundPortion::new(fen % 7 + 1, 7).unwrap(), 0),
                        None => continue,
                    },
                };
                if let Ok(e) = entry {
                    b.apply(&e).unwrap();
                }
            }
            let n = b.next_entry().index();
            prop_assert_eq!(
                StoredValueBook::spend_from_balance(b.principal_fen(), b.bonus_fen(), n, OrderId(999), amount, 5),
                b.spend(OrderId(999), amount, 5)
            );
        }
    }

    #[test]
    fn partial_refunds_of_a_spend_round_each_part_down_and_add_up_to_the_spend() {
        let mut b = StoredValueBook::default();
        applied(&mut b, |b| b.top_up(20_000, &rules(), 0));
        applied(&mut b, |b| b.spend(OrderId(1), 1_001, 1));
        let order = OrderId(1);
        let mut back = Vec::new();
        for refunded in [1, 2, 3] {
            let e = applied(&mut b, |b| b.refund(order, RefundPortion::new(refunded, 3).unwrap(), 2));
            back.push((e.principal_fen, e.bonus_fen));
        }
        // 870 → 290, 290, 290; 131 → 43, 44, 44.
        assert_eq!(back, vec![(290, 43), (290, 44), (290, 44)]);
        assert_eq!((b.principal_fen(), b.bonus_fen()), (20_000, 3_000));
        assert_eq!(b.spend_of(order), Some((1_001, 1_001)));
        assert_eq!(
            b.refund(order, RefundPortion::full(3).unwrap(), 3),
            Err(StoredValueError::AlreadyReversed { order })
        );
    }

    #[test]
    fn withdrawing_pays_back_only_the_unused_principal() {
        let mut b = StoredValueBook::default();
        applied(&mut b, |b| b.top_up(10_000, &rules(), 0));
        applied(&mut b, |b| b.spend(OrderId(1), 5_500, 1));
        let w = applied(&mut b, |b| b.withdraw_all("会员退卡", 2));
        // 5 500 × 1 000 / 11 000 = 500 bonus spent; 5 000 principal and 500 bonus were left.
        assert_eq!((w.principal_fen, w.bonus_fen), (-5_000, -500));
        assert_eq!(b.balance_fen(), 0);
        assert_eq!(b.withdraw_all("again", 3), Err(StoredValueError::NothingToWithdraw));
        assert_eq!(b.withdraw_all("", 3), Err(StoredValueError::NothingToWithdraw));
    }

    #[test]
    fn a_registered_card_holds_at_most_five_thousand_yuan() {
        let mut b = StoredValueBook::default();
        applied(&mut b, |b| b.top_up(450_000, &TopUpRules::default(), 0));
        assert_eq!(
            b.top_up(50_000, &rules(), 1),
            Err(StoredValueError::BalanceLimit {
                after_fen: 510_000,
                max_fen: BALANCE_FEN_MAX
            })
        );
    }

    #[test]
    fn a_forged_spend_split_is_refused_by_the_fold() {
        let mut b = StoredValueBook::default();
        applied(&mut b, |b| b.top_up(10_000, &rules(), 0));
        let forged = StoredValueEntry {
            kind: StoredValueKind::Spend { order: OrderId(1) },
            principal_fen: 0,
            bonus_fen: -1_000,
            at_ms: 1,
        };
        assert!(matches!(b.apply(&forged), Err(StoredValueError::Mismatch { .. })));
    }

    #[derive(Clone, Debug)]
    enum Op {
        TopUp { paid_fen: i64 },
        Spend { order: i64, amount_fen: i64 },
        Refund { order: i64, tenths: i64 },
        Withdraw,
        Adjust { principal_fen: i64, bonus_fen: i64 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => (1i64..60_000).prop_map(|paid_fen| Op::TopUp { paid_fen }),
            4 => (0i64..8, 1i64..20_000).prop_map(|(order, amount_fen)| Op::Spend { order, amount_fen }),
            4 => (0i64..8, 1i64..=10).prop_map(|(order, tenths)| Op::Refund { order, tenths }),
            1 => Just(Op::Withdraw),
            1 => (-500i64..500, -500i64..500).prop_map(|(principal_fen, bonus_fen)| Op::Adjust { principal_fen, bonus_fen }),
        ]
    }

    proptest! {
        /// Random ledgers: principal and bonus never go negative and equal the sums and the
        /// fold of the accepted entries; a refund of a share is accepted at most once; the
        /// refunds of a spend never exceed it, part by part.
        #[test]
        fn the_stored_value_ledger_keeps_its_invariants(ops in prop::collection::vec(op(), 0..120)) {
            let mut b = StoredValueBook::default();
            let mut accepted: Vec<StoredValueEntry> = Vec::new();
            for (now, op) in (0i64..).zip(ops) {
                let proposed = match op {
                    Op::TopUp { paid_fen } => b.top_up(paid_fen, &rules(), now),
                    Op::Spend { order, amount_fen } => b.spend(OrderId(order), amount_fen, now),
                    Op::Refund { order, tenths } => {
                        let portion = RefundPortion::new(tenths, 10).unwrap();
                        let result = b.refund(OrderId(order), portion, now);
                        if let Ok(e) = &result {
                            let mut after = b.clone();
                            after.apply(e).unwrap();
                            prop_assert_eq!(after.refund(OrderId(order), portion, now), Err(StoredValueError::AlreadyReversed { order: OrderId(order) }));
                            prop_assert!(after.apply(e).is_err(), "a refund replays");
                        }
                        result
                    }
                    Op::Withdraw => b.withdraw_all("退卡", now),
                    Op::Adjust { principal_fen, bonus_fen } => {
                        let e = StoredValueEntry { kind: StoredValueKind::Adjust { reason: "调整".into() }, principal_fen, bonus_fen, at_ms: now };
                        b.checked(e)
                    }
                };
                if let Ok(e) = proposed {
                    b.apply(&e).unwrap();
                    accepted.push(e);
                }
                prop_assert!(b.principal_fen() >= 0 && b.bonus_fen() >= 0);
                let refunded: i64 = accepted.iter().filter(|e| matches!(e.kind, StoredValueKind::Refund { .. })).map(StoredValueEntry::amount_fen).sum();
                prop_assert!(b.balance_fen() <= BALANCE_FEN_MAX + refunded, "only refunds may pass the card limit");
                prop_assert_eq!(b.principal_fen(), accepted.iter().map(|e| e.principal_fen).sum::<i64>());
                prop_assert_eq!(b.bonus_fen(), accepted.iter().map(|e| e.bonus_fen).sum::<i64>());
            }
            prop_assert_eq!(StoredValueBook::fold(&accepted), Ok(b.clone()));
            for (no, e) in accepted.iter().enumerate() {
                let refunds = accepted.iter().filter(|r| matches!(r.kind, StoredValueKind::Refund { of_entry, .. } if of_entry.index() == no));
                let (p, bonus) = refunds.fold((0, 0), |(p, bonus), r| (p + r.principal_fen, bonus + r.bonus_fen));
                prop_assert!(p >= 0 && bonus >= 0);
                prop_assert!(p <= -e.principal_fen.min(0) && bonus <= -e.bonus_fen.min(0), "refunds exceed the spend");
                if let StoredValueKind::Spend { order } = e.kind {
                    prop_assert_eq!(b.spend_of(order), Some((-e.amount_fen(), p + bonus)));
                }
            }
        }
    }
}
