//! The till's rules (收银台): cash rounding (抹零), split payments, refunds back to the
//! tenders that paid, the shift close (交班) and the printed receipt.
//!
//! Everything is a pure function of plain values so the till, the back office and the
//! reports agree to the fen. Two rules shape the rest:
//! - 抹零 only ever applies to the part paid in cash, and the fen it moves are kept as
//!   their own number ([`Settlement::rounding_fen`]) instead of vanishing into a total;
//! - change (找零) only comes out of the cash drawer: stored value (储值), points and QR
//!   or card payments are never larger than what they pay for.

mod receipt;
mod shift;

pub use receipt::{
    RECEIPT_COLS_MAX, RECEIPT_COLS_MIN, ReceiptDoc, ReceiptLine, display_width, escpos_bytes, receipt_text,
};
pub use shift::{DENOMINATION_LINES_MAX, Denomination, ShiftVariance, VarianceStatus, count_cash, shift_variance};

use crate::money::{AMOUNT_FEN_MAX, Rounding, div_round};

/// The most tenders one order may be split over.
pub const PAYMENTS_MAX: usize = 6;

/// How the cash part of a payment is rounded (抹零). Rounding never goes below the fen a
/// customer owes by more than the rule says, and the difference is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CashRounding {
    /// 不抹零.
    None,
    /// 抹分: round down to the jiao, ¥12.34 → ¥12.30.
    DropFen,
    /// 抹角: round down to the yuan, ¥12.34 → ¥12.00.
    DropJiao,
    /// 四舍五入到角: ¥12.34 → ¥12.30, ¥12.35 → ¥12.40.
    HalfUpJiao,
}

impl CashRounding {
    pub const ALL: [CashRounding; 4] = [
        CashRounding::None,
        CashRounding::DropFen,
        CashRounding::DropJiao,
        CashRounding::HalfUpJiao,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CashRounding::None => "none",
            CashRounding::DropFen => "drop_fen",
            CashRounding::DropJiao => "drop_jiao",
            CashRounding::HalfUpJiao => "half_up_jiao",
        }
    }

    pub fn from_code(code: &str) -> Option<CashRounding> {
        CashRounding::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            CashRounding::None => "不抹零",
            CashRounding::DropFen => "抹分",
            CashRounding::DropJiao => "抹角",
            CashRounding::HalfUpJiao => "四舍五入到角",
        }
    }
}

/// What the customer hands over in cash for `total_fen`, and the rounding line:
/// `due_fen = total_fen + rounding_fen`. A negative `rounding_fen` is fen given away.
pub fn cash_due(total_fen: i64, rule: CashRounding) -> (i64, i64) {
    let (step, rounding) = match rule {
        CashRounding::None => return (total_fen, 0),
        CashRounding::DropFen => (10, Rounding::Down),
        CashRounding::DropJiao => (100, Rounding::Down),
        CashRounding::HalfUpJiao => (10, Rounding::HalfUp),
    };
    let due_fen = div_round(i128::from(total_fen), step, rounding) * i64::try_from(step).expect("step is 10 or 100");
    (due_fen, due_fen - total_fen)
}

/// A way of paying (支付方式).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tender {
    /// 现金.
    Cash,
    /// 储值卡: the member's stored-value balance.
    StoredValue,
    /// 积分抵扣: `points` redeemed for the payment's amount.
    Points { points: i64 },
    /// 微信扫码.
    WechatQr,
    /// 支付宝扫码.
    AlipayQr,
    /// 银行卡.
    Card,
}

impl Tender {
    /// The tender a stored code names; `points` is the number used for a points tender.
    pub fn from_code(code: &str, points: i64) -> Option<Tender> {
        Some(match code {
            "cash" => Tender::Cash,
            "stored_value" => Tender::StoredValue,
            "points" => Tender::Points { points },
            "wechat_qr" => Tender::WechatQr,
            "alipay_qr" => Tender::AlipayQr,
            "card" => Tender::Card,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Tender::Cash => "cash",
            Tender::StoredValue => "stored_value",
            Tender::Points { .. } => "points",
            Tender::WechatQr => "wechat_qr",
            Tender::AlipayQr => "alipay_qr",
            Tender::Card => "card",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Tender::Cash => "现金",
            Tender::StoredValue => "储值卡",
            Tender::Points { .. } => "积分抵扣",
            Tender::WechatQr => "微信",
            Tender::AlipayQr => "支付宝",
            Tender::Card => "银行卡",
        }
    }

    pub fn is_cash(self) -> bool {
        self == Tender::Cash
    }

    /// The same way of paying, whatever the number of points.
    fn same_kind(self, other: Tender) -> bool {
        self.code() == other.code()
    }
}

/// One tender line: money paid by one tender, or money given back to it by a refund.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Payment {
    pub tender: Tender,
    pub amount_fen: i64,
}

/// An order's payment, checked: `paid_fen - change_fen == due_fen` and
/// `due_fen == total_fen + rounding_fen`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    /// What the customer owes after 抹零.
    pub due_fen: i64,
    /// The 抹零 line (negative when fen are given away, positive when 四舍五入 rounds up).
    pub rounding_fen: i64,
    /// Everything handed over, including cash that comes back as change.
    pub paid_fen: i64,
    /// 找零, always from cash.
    pub change_fen: i64,
    /// The tenders in the order they were paid.
    pub lines: Vec<Payment>,
}

impl Settlement {
    /// Cash that stayed in the drawer: cash tendered less change.
    pub fn cash_kept_fen(&self) -> i64 {
        let tendered: i64 = self
            .lines
            .iter()
            .filter(|p| p.tender.is_cash())
            .map(|p| p.amount_fen)
            .sum();
        tendered - self.change_fen
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TillError {
    #[error("an order total of {total_fen} fen is out of range")]
    TotalOutOfRange { total_fen: i64 },
    #[error("an order may be paid with at most {max} tenders, not {count}")]
    TooManyPayments { count: usize, max: usize },
    #[error("payment {index} must be a positive amount, not {amount_fen} fen")]
    AmountNotPositive { index: usize, amount_fen: i64 },
    #[error("payment {index} of {amount_fen} fen exceeds the maximum of {max} fen")]
    AmountTooLarge { index: usize, amount_fen: i64, max: i64 },
    #[error("payment {index} must redeem a positive number of points, not {points}")]
    PointsNotPositive { index: usize, points: i64 },
    #[error("{tender} payment of {amount_fen} fen exceeds the {remaining_fen} fen still due; only cash gives change", tender = tender.code())]
    NonCashExceedsDue {
        index: usize,
        tender: Tender,
        amount_fen: i64,
        remaining_fen: i64,
    },
    #[error("nothing is left to pay in cash, but {cash_fen} fen of cash was tendered")]
    CashNotNeeded { cash_fen: i64 },
    #[error("underpaid: {due_fen} fen due, {paid_fen} fen paid")]
    Underpaid { due_fen: i64, paid_fen: i64 },
    #[error("a refund must be a positive amount, not {refund_fen} fen")]
    RefundNotPositive { refund_fen: i64 },
    #[error("a refund of {refund_fen} fen exceeds the {refundable_fen} fen still refundable")]
    RefundExceedsRefundable { refund_fen: i64, refundable_fen: i64 },
    #[error("earlier refunds to {tender} exceed what it paid by {excess_fen} fen", tender = tender.code())]
    RefundHistoryExceedsPaid { tender: Tender, excess_fen: i64 },
}

impl TillError {
    pub fn code(&self) -> &'static str {
        match self {
            TillError::TotalOutOfRange { .. } => "total_out_of_range",
            TillError::TooManyPayments { .. } => "too_many_payments",
            TillError::AmountNotPositive { .. } => "amount_not_positive",
            TillError::AmountTooLarge { .. } => "amount_too_large",
            TillError::PointsNotPositive { .. } => "points_not_positive",
            TillError::NonCashExceedsDue { .. } => "non_cash_exceeds_due",
            TillError::CashNotNeeded { .. } => "cash_not_needed",
            TillError::Underpaid { .. } => "underpaid",
            TillError::RefundNotPositive { .. } => "refund_not_positive",
            TillError::RefundExceedsRefundable { .. } => "refund_exceeds_refundable",
            TillError::RefundHistoryExceedsPaid { .. } => "refund_history_exceeds_paid",
        }
    }

    pub fn message_zh(&self) -> String {
        let yuan = |fen: i64| crate::money::Money::from_fen(fen).to_string();
        match self {
            TillError::TotalOutOfRange { total_fen } => format!("订单金额 {} 超出范围", yuan(*total_fen)),
            TillError::TooManyPayments { count, max } => format!("一笔订单最多 {max} 种支付方式，当前 {count} 种"),
            TillError::AmountNotPositive { index, amount_fen } => {
                format!("第 {} 笔支付金额必须大于 0（当前 {}）", index + 1, yuan(*amount_fen))
            }
            TillError::AmountTooLarge { index, max, .. } => {
                format!("第 {} 笔支付金额超过上限 {}", index + 1, yuan(*max))
            }
            TillError::PointsNotPositive { index, points } => {
                format!("第 {} 笔积分抵扣的积分必须大于 0（当前 {points}）", index + 1)
            }
            TillError::NonCashExceedsDue {
                tender, remaining_fen, ..
            } => format!(
                "{}支付不能超过待付金额 {}，只有现金可以找零",
                tender.name_zh(),
                yuan(*remaining_fen)
            ),
            TillError::CashNotNeeded { cash_fen } => format!("已无需现金支付，请退回现金 {}", yuan(*cash_fen)),
            TillError::Underpaid { due_fen, paid_fen } => {
                format!("支付不足：应付 {}，已付 {}", yuan(*due_fen), yuan(*paid_fen))
            }
            TillError::RefundNotPositive { .. } => "退款金额必须大于 0".into(),
            TillError::RefundExceedsRefundable {
                refund_fen,
                refundable_fen,
            } => format!("退款 {} 超过可退金额 {}", yuan(*refund_fen), yuan(*refundable_fen)),
            TillError::RefundHistoryExceedsPaid { tender, excess_fen } => {
                format!("{}的历史退款超过原支付金额 {}", tender.name_zh(), yuan(*excess_fen))
            }
        }
    }
}

/// Checks a split payment of `total_fen` and works out 抹零 and change.
///
/// The non-cash tenders, taken in the order given, may together never exceed the total
/// (no change from stored value, points, QR or card). Cash pays the rest: that rest is
/// rounded by `rounding`, and cash beyond it is change. Without cash there is no 抹零,
/// and the non-cash tenders must cover the total exactly.
pub fn settle(total_fen: i64, payments: &[Payment], rounding: CashRounding) -> Result<Settlement, TillError> {
    if !(0..=AMOUNT_FEN_MAX).contains(&total_fen) {
        return Err(TillError::TotalOutOfRange { total_fen });
    }
    if payments.len() > PAYMENTS_MAX {
        return Err(TillError::TooManyPayments {
            count: payments.len(),
            max: PAYMENTS_MAX,
        });
    }
    let mut non_cash_fen = 0;
    let mut cash_fen = 0;
    for (index, p) in payments.iter().enumerate() {
        if p.amount_fen <= 0 {
            return Err(TillError::AmountNotPositive {
                index,
                amount_fen: p.amount_fen,
            });
        }
        if p.amount_fen > AMOUNT_FEN_MAX {
            return Err(TillError::AmountTooLarge {
                index,
                amount_fen: p.amount_fen,
                max: AMOUNT_FEN_MAX,
            });
        }
        match p.tender {
            Tender::Cash => cash_fen += p.amount_fen,
            Tender::Points { points } if points <= 0 => return Err(TillError::PointsNotPositive { index, points }),
            tender => {
                let remaining_fen = total_fen - non_cash_fen;
                if p.amount_fen > remaining_fen {
                    return Err(TillError::NonCashExceedsDue {
                        index,
                        tender,
                        amount_fen: p.amount_fen,
                        remaining_fen,
                    });
                }
                non_cash_fen += p.amount_fen;
            }
        }
    }
    let paid_fen = non_cash_fen + cash_fen;
    let (cash_due_fen, rounding_fen) = if cash_fen > 0 {
        let (due, rounding) = cash_due(total_fen - non_cash_fen, rounding);
        if due == 0 {
            return Err(TillError::CashNotNeeded { cash_fen });
        }
        (due, rounding)
    } else {
        (total_fen - non_cash_fen, 0)
    };
    let due_fen = non_cash_fen + cash_due_fen;
    if cash_fen < cash_due_fen {
        return Err(TillError::Underpaid { due_fen, paid_fen });
    }
    Ok(Settlement {
        due_fen,
        rounding_fen,
        paid_fen,
        change_fen: cash_fen - cash_due_fen,
        lines: payments.to_vec(),
    })
}

/// One place a refund can go back to, with what it may still take.
struct RefundBucket {
    tender: Tender,
    paid_fen: i64,
    refunded_fen: i64,
}

impl RefundBucket {
    fn open_fen(&self) -> i64 {
        self.paid_fen - self.refunded_fen
    }
}

/// Points given back when a points payment's refunded amount goes from `from_fen` to
/// `to_fen`. Cumulative and rounded down, so partial refunds never return more points
/// than were spent and a full refund returns all of them.
fn points_between(points: i64, paid_fen: i64, from_fen: i64, to_fen: i64) -> i64 {
    let upto = |fen: i64| {
        div_round(
            i128::from(points) * i128::from(fen),
            i128::from(paid_fen),
            Rounding::Down,
        )
    };
    upto(to_fen) - upto(from_fen)
}

/// Splits a refund of `refund_fen` over the tenders that paid `original`.
///
/// Non-cash lines are refunded first, last paid first: money goes back to the bank or
/// the member's balance before the drawer is opened, and each QR or card line is its
/// own transaction with the provider, so it stays its own refund line. Cash comes last,
/// limited to the cash kept (tendered less change). `already_refunded` is the history of
/// earlier refunds of this order, matched to the lines by tender in the same order.
pub fn refund_tenders(
    original: &Settlement,
    already_refunded: &[Payment],
    refund_fen: i64,
) -> Result<Vec<Payment>, TillError> {
    if refund_fen <= 0 {
        return Err(TillError::RefundNotPositive { refund_fen });
    }
    let mut buckets: Vec<RefundBucket> = original
        .lines
        .iter()
        .rev()
        .filter(|p| !p.tender.is_cash())
        .map(|p| RefundBucket {
            tender: p.tender,
            paid_fen: p.amount_fen,
            refunded_fen: 0,
        })
        .collect();
    let cash_kept_fen = original.cash_kept_fen();
    if cash_kept_fen > 0 {
        buckets.push(RefundBucket {
            tender: Tender::Cash,
            paid_fen: cash_kept_fen,
            refunded_fen: 0,
        });
    }
    for earlier in already_refunded {
        if earlier.amount_fen <= 0 {
            return Err(TillError::RefundNotPositive {
                refund_fen: earlier.amount_fen,
            });
        }
        let mut left = earlier.amount_fen;
        for b in buckets.iter_mut().filter(|b| b.tender.same_kind(earlier.tender)) {
            let take = left.min(b.open_fen());
            b.refunded_fen += take;
            left -= take;
        }
        if left != 0 {
            return Err(TillError::RefundHistoryExceedsPaid {
                tender: earlier.tender,
                excess_fen: left,
            });
        }
    }
    let refundable_fen: i64 = buckets.iter().map(RefundBucket::open_fen).sum();
    if refund_fen > refundable_fen {
        return Err(TillError::RefundExceedsRefundable {
            refund_fen,
            refundable_fen,
        });
    }
    let mut left = refund_fen;
    let mut out = Vec::new();
    for b in &buckets {
        let take = left.min(b.open_fen());
        if take == 0 {
            continue;
        }
        let tender = match b.tender {
            Tender::Points { points } => Tender::Points {
                points: points_between(points, b.paid_fen, b.refunded_fen, b.refunded_fen + take),
            },
            other => other,
        };
        out.push(Payment {
            tender,
            amount_fen: take,
        });
        left -= take;
    }
    assert_eq!(left, 0, "the refund was checked against what is refundable");
    Ok(out)
}

#[cfg(test)]
mod tests;
