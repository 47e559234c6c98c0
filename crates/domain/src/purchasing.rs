//! Purchase orders (采购单) to farms, factories and distributors, and receiving.
//!
//! A PO moves draft → sent → partly received → received → closed (or cancelled
//! before anything arrived). Its status after a receipt follows from the quantities
//! alone, so it can never disagree with what was received. Suppliers deliver on a
//! cut-off rule: "order by 10:00, delivered by 15:00", in Shanghai time.

use crate::time;
use jiff::civil::Time;

pub const PO_LINES_MAX: usize = 500;
pub const LEAD_TIME_HOURS_MAX: i64 = 24 * 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PoStatus {
    Draft,
    Sent,
    PartlyReceived,
    Received,
    Closed,
    Cancelled,
}

impl PoStatus {
    pub const ALL: [PoStatus; 6] = [
        PoStatus::Draft,
        PoStatus::Sent,
        PoStatus::PartlyReceived,
        PoStatus::Received,
        PoStatus::Closed,
        PoStatus::Cancelled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PoStatus::Draft => "draft",
            PoStatus::Sent => "sent",
            PoStatus::PartlyReceived => "partly_received",
            PoStatus::Received => "received",
            PoStatus::Closed => "closed",
            PoStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<PoStatus> {
        PoStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            PoStatus::Draft => "草稿",
            PoStatus::Sent => "已下单",
            PoStatus::PartlyReceived => "部分到货",
            PoStatus::Received => "已到货",
            PoStatus::Closed => "已关闭",
            PoStatus::Cancelled => "已取消",
        }
    }

    pub fn accepts_receipts(self) -> bool {
        matches!(self, PoStatus::Sent | PoStatus::PartlyReceived)
    }

    pub fn lines_editable(self) -> bool {
        self == PoStatus::Draft
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoAction {
    Send,
    Close,
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PurchasingError {
    #[error("a purchase order that is {from} cannot be {action}", from = from.code(), action = action_en(*action))]
    Transition { from: PoStatus, action: PoAction },
    #[error("a purchase order needs at least one line")]
    NoLines,
    #[error("a purchase order may have at most {max} lines")]
    TooManyLines { max: usize },
    #[error("ordered quantity must be positive")]
    Quantity,
    #[error("a purchase order that is {status} does not accept goods", status = status.code())]
    NotReceiving { status: PoStatus },
    #[error("lead time must be between 0 and {max} hours")]
    LeadTime { max: i64 },
}

fn action_en(a: PoAction) -> &'static str {
    match a {
        PoAction::Send => "sent",
        PoAction::Close => "closed",
        PoAction::Cancel => "cancelled",
    }
}

fn action_zh(a: PoAction) -> &'static str {
    match a {
        PoAction::Send => "下单",
        PoAction::Close => "关闭",
        PoAction::Cancel => "取消",
    }
}

impl PurchasingError {
    pub fn message_zh(&self) -> String {
        match self {
            PurchasingError::Transition { from, action } => {
                format!("{}状态的采购单不能{}", from.name_zh(), action_zh(*action))
            }
            PurchasingError::NoLines => "采购单至少需要一行商品".into(),
            PurchasingError::TooManyLines { max } => format!("采购单最多 {max} 行"),
            PurchasingError::Quantity => "采购数量必须大于 0".into(),
            PurchasingError::NotReceiving { status } => {
                format!("{}状态的采购单不能收货", status.name_zh())
            }
            PurchasingError::LeadTime { max } => format!("交货周期必须在 0 到 {max} 小时之间"),
        }
    }
}

/// The status after a staff action.
pub fn transition(from: PoStatus, action: PoAction, line_count: usize) -> Result<PoStatus, PurchasingError> {
    let refused = Err(PurchasingError::Transition { from, action });
    match (from, action) {
        (PoStatus::Draft, PoAction::Send) if line_count == 0 => Err(PurchasingError::NoLines),
        (PoStatus::Draft, PoAction::Send) => Ok(PoStatus::Sent),
        (PoStatus::Draft | PoStatus::Sent, PoAction::Cancel) => Ok(PoStatus::Cancelled),
        // Closing a partly received PO gives up on the rest (the supplier won't deliver it).
        (PoStatus::PartlyReceived | PoStatus::Received, PoAction::Close) => Ok(PoStatus::Closed),
        _ => refused,
    }
}

/// The status of a PO that accepts goods after a receipt, from (ordered, received) per line.
pub fn status_after_receipt(lines: &[(i64, i64)]) -> PoStatus {
    let any = lines.iter().any(|&(_, received)| received > 0);
    let all = lines.iter().all(|&(ordered, received)| received >= ordered);
    match (any, all) {
        (_, true) => PoStatus::Received,
        (true, false) => PoStatus::PartlyReceived,
        (false, false) => PoStatus::Sent,
    }
}

/// What a receiving clerk found on a PO line (到货差异).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discrepancy {
    /// Fewer arrived than were still open on the line.
    Short { missing: i64 },
    /// More arrived than were still open.
    Over { extra: i64 },
    /// A product arrived that the PO does not have.
    Unexpected,
}

impl Discrepancy {
    pub fn code(self) -> &'static str {
        match self {
            Discrepancy::Short { .. } => "short",
            Discrepancy::Over { .. } => "over",
            Discrepancy::Unexpected => "unexpected",
        }
    }

    pub fn qty(self) -> i64 {
        match self {
            Discrepancy::Short { missing } => missing,
            Discrepancy::Over { extra } => extra,
            Discrepancy::Unexpected => 0,
        }
    }
}

/// Compares what arrived with what was still open on a line.
pub fn discrepancy(open: i64, arrived: i64) -> Option<Discrepancy> {
    match arrived.cmp(&open) {
        std::cmp::Ordering::Less => Some(Discrepancy::Short {
            missing: open - arrived,
        }),
        std::cmp::Ordering::Greater => Some(Discrepancy::Over { extra: arrived - open }),
        std::cmp::Ordering::Equal => None,
    }
}

/// A supplier's delivery rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryRule {
    /// Orders sent by this local time count as today's.
    pub order_cutoff: Time,
    /// The local time a delivery arrives.
    pub delivery_time: Time,
    /// Whole days between the order day and the delivery day when ordered before the
    /// cut-off (0 = same day).
    pub lead_days: i64,
}

impl DeliveryRule {
    /// From a lead time in hours: same-day if the delivery time comes after the cut-off
    /// and the lead time fits, otherwise whole days.
    pub fn new(order_cutoff: Time, delivery_time: Time, lead_time_hours: i64) -> Result<DeliveryRule, PurchasingError> {
        if !(0..=LEAD_TIME_HOURS_MAX).contains(&lead_time_hours) {
            return Err(PurchasingError::LeadTime {
                max: LEAD_TIME_HOURS_MAX,
            });
        }
        let same_day = delivery_time > order_cutoff && lead_time_hours < 24;
        let lead_days = if same_day { 0 } else { (lead_time_hours + 23) / 24 }.max(if same_day { 0 } else { 1 });
        Ok(DeliveryRule {
            order_cutoff,
            delivery_time,
            lead_days,
        })
    }

    /// When goods ordered at `ordered_at_ms` arrive: an order after the cut-off counts
    /// as the next day's.
    pub fn expected_delivery(&self, ordered_at_ms: i64) -> i64 {
        let local = time::zoned(ordered_at_ms);
        let mut day = local.date();
        if local.time() > self.order_cutoff {
            day = day.tomorrow().expect("dates stay in range");
        }
        for _ in 0..self.lead_days {
            day = day.tomorrow().expect("dates stay in range");
        }
        time::at_local(day, self.delivery_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time as t};

    #[test]
    fn po_moves_forward_only() {
        assert_eq!(transition(PoStatus::Draft, PoAction::Send, 2), Ok(PoStatus::Sent));
        assert_eq!(
            transition(PoStatus::Draft, PoAction::Send, 0),
            Err(PurchasingError::NoLines)
        );
        assert_eq!(transition(PoStatus::Sent, PoAction::Cancel, 2), Ok(PoStatus::Cancelled));
        assert!(transition(PoStatus::PartlyReceived, PoAction::Cancel, 2).is_err());
        assert_eq!(
            transition(PoStatus::PartlyReceived, PoAction::Close, 2),
            Ok(PoStatus::Closed)
        );
        assert!(transition(PoStatus::Closed, PoAction::Send, 2).is_err());
    }

    #[test]
    fn status_follows_received_quantities() {
        assert_eq!(status_after_receipt(&[(10, 0), (5, 0)]), PoStatus::Sent);
        assert_eq!(status_after_receipt(&[(10, 4), (5, 0)]), PoStatus::PartlyReceived);
        assert_eq!(status_after_receipt(&[(10, 10), (5, 6)]), PoStatus::Received);
    }

    #[test]
    fn discrepancies_name_short_and_over() {
        assert_eq!(discrepancy(10, 8), Some(Discrepancy::Short { missing: 2 }));
        assert_eq!(discrepancy(10, 12), Some(Discrepancy::Over { extra: 2 }));
        assert_eq!(discrepancy(10, 10), None);
    }

    #[test]
    fn order_before_cutoff_arrives_the_same_afternoon() {
        let rule = DeliveryRule::new(t(10, 0, 0, 0), t(15, 0, 0, 0), 5).unwrap();
        let ordered = time::at_local(date(2026, 11, 25), t(9, 30, 0, 0));
        assert_eq!(
            rule.expected_delivery(ordered),
            time::at_local(date(2026, 11, 25), t(15, 0, 0, 0))
        );
        let late = time::at_local(date(2026, 11, 25), t(10, 30, 0, 0));
        assert_eq!(
            rule.expected_delivery(late),
            time::at_local(date(2026, 11, 26), t(15, 0, 0, 0))
        );
    }

    #[test]
    fn next_day_supplier_delivers_after_one_day() {
        let rule = DeliveryRule::new(t(18, 0, 0, 0), t(6, 0, 0, 0), 12).unwrap();
        assert_eq!(rule.lead_days, 1);
        let ordered = time::at_local(date(2026, 11, 25), t(17, 0, 0, 0));
        assert_eq!(
            rule.expected_delivery(ordered),
            time::at_local(date(2026, 11, 26), t(6, 0, 0, 0))
        );
        assert!(DeliveryRule::new(t(18, 0, 0, 0), t(6, 0, 0, 0), -1).is_err());
    }
}
