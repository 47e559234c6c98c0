//! The stock ledger (库存流水): append-only movements on (location, product, lot).
//!
//! On-hand is never stored as a fact of its own: it is the fold of movements. The
//! store keeps a cached balance per (location, lot) that a test proves equal to that
//! fold. Quantities are in the product's base unit: pieces for counted goods, grams
//! for weighed goods, so no fraction ever appears.

use crate::ids::LotId;

/// The largest quantity a single movement may carry (a million pieces or a tonne).
pub const MOVEMENT_QTY_MAX: i64 = 1_000_000_000;

/// Why stock changed. The sign of a movement follows from its kind, except for
/// adjustments and count corrections, which go either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MovementKind {
    /// 入库 goods received from a supplier.
    Receipt,
    /// 销售 sold to a customer.
    Sale,
    /// 退货 returned by a customer.
    Return,
    /// 调出 sent to another location.
    TransferOut,
    /// 调入 received from another location.
    TransferIn,
    /// 调整 corrected by hand, with a reason.
    Adjustment,
    /// 报损 thrown away: damaged or expired.
    Waste,
    /// 盘点差异 posted by a stock count.
    CountCorrection,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
    Either,
}

impl MovementKind {
    pub const ALL: [MovementKind; 8] = [
        MovementKind::Receipt,
        MovementKind::Sale,
        MovementKind::Return,
        MovementKind::TransferOut,
        MovementKind::TransferIn,
        MovementKind::Adjustment,
        MovementKind::Waste,
        MovementKind::CountCorrection,
    ];

    pub fn code(self) -> &'static str {
        match self {
            MovementKind::Receipt => "receipt",
            MovementKind::Sale => "sale",
            MovementKind::Return => "return",
            MovementKind::TransferOut => "transfer_out",
            MovementKind::TransferIn => "transfer_in",
            MovementKind::Adjustment => "adjustment",
            MovementKind::Waste => "waste",
            MovementKind::CountCorrection => "count_correction",
        }
    }

    pub fn from_code(code: &str) -> Option<MovementKind> {
        MovementKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            MovementKind::Receipt => "入库",
            MovementKind::Sale => "销售",
            MovementKind::Return => "退货",
            MovementKind::TransferOut => "调出",
            MovementKind::TransferIn => "调入",
            MovementKind::Adjustment => "调整",
            MovementKind::Waste => "报损",
            MovementKind::CountCorrection => "盘点差异",
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            MovementKind::Receipt | MovementKind::Return | MovementKind::TransferIn => Direction::In,
            MovementKind::Sale | MovementKind::TransferOut | MovementKind::Waste => Direction::Out,
            MovementKind::Adjustment | MovementKind::CountCorrection => Direction::Either,
        }
    }

    /// Whether a movement of this kind must carry a reason typed by staff.
    pub fn needs_reason(self) -> bool {
        matches!(self, MovementKind::Adjustment | MovementKind::Waste)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    #[error("quantity must not be zero")]
    ZeroQuantity,
    #[error("quantity {qty} is beyond the limit of {max}")]
    QuantityTooLarge { qty: i64, max: i64 },
    #[error("a {kind} movement must {expected}", kind = kind.code(), expected = if *positive { "add stock" } else { "remove stock" })]
    WrongSign { kind: MovementKind, positive: bool },
    #[error("a {kind} needs a reason", kind = kind.code())]
    ReasonRequired { kind: MovementKind },
    #[error("not enough stock: {requested} requested, {available} available")]
    Insufficient { requested: i64, available: i64 },
}

impl StockError {
    pub fn message_zh(&self) -> String {
        match self {
            StockError::ZeroQuantity => "数量不能为 0".into(),
            StockError::QuantityTooLarge { qty, max } => format!("数量 {qty} 超过上限 {max}"),
            StockError::WrongSign { kind, positive } => {
                format!("{}只能{}库存", kind.name_zh(), if *positive { "增加" } else { "减少" })
            }
            StockError::ReasonRequired { kind } => format!("{}必须填写原因", kind.name_zh()),
            StockError::Insufficient { requested, available } => {
                format!("库存不足：需要 {requested}，可用 {available}")
            }
        }
    }
}

/// A movement's quantity with its sign checked against its kind: the one way a
/// delta enters the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delta {
    kind: MovementKind,
    qty: i64,
}

impl Delta {
    pub fn new(kind: MovementKind, qty: i64, reason: Option<&str>) -> Result<Delta, StockError> {
        if qty == 0 {
            return Err(StockError::ZeroQuantity);
        }
        if qty.abs() > MOVEMENT_QTY_MAX {
            return Err(StockError::QuantityTooLarge {
                qty,
                max: MOVEMENT_QTY_MAX,
            });
        }
        match (kind.direction(), qty > 0) {
            (Direction::In, false) => {
                return Err(StockError::WrongSign { kind, positive: true });
            }
            (Direction::Out, true) => {
                return Err(StockError::WrongSign { kind, positive: false });
            }
            _ => {}
        }
        if kind.needs_reason() && reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(StockError::ReasonRequired { kind });
        }
        Ok(Delta { kind, qty })
    }

    pub fn kind(self) -> MovementKind {
        self.kind
    }

    pub fn qty(self) -> i64 {
        self.qty
    }
}

/// Applies a delta to a balance, refusing to go below zero.
pub fn apply(on_hand: i64, delta: i64) -> Result<i64, StockError> {
    let after = on_hand + delta;
    if after < 0 {
        return Err(StockError::Insufficient {
            requested: -delta,
            available: on_hand,
        });
    }
    Ok(after)
}

/// On-hand as the fold of a lot's movements; `Err` if any prefix would go negative.
pub fn fold(deltas: impl IntoIterator<Item = i64>) -> Result<i64, StockError> {
    deltas.into_iter().try_fold(0, apply)
}

/// What FEFO needs to know about one lot at one location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LotStock {
    pub lot: LotId,
    /// First instant at which the lot may no longer be sold; `None` never expires.
    pub expires_at_ms: Option<i64>,
    pub received_at_ms: i64,
    pub qty_on_hand: i64,
}

impl LotStock {
    pub fn is_sellable(&self, now_ms: i64) -> bool {
        self.qty_on_hand > 0 && self.expires_at_ms.is_none_or(|e| e > now_ms)
    }
}

/// One lot's share of an allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Take {
    pub lot: LotId,
    pub qty: i64,
}

/// First-expired-first-out: takes `qty` from the earliest-expiring sellable lots,
/// never from an expired one. Ties go to the earliest received, then the lowest id,
/// so the answer is deterministic. Lots that never expire come last.
pub fn fefo_allocate(lots: &[LotStock], qty: i64, now_ms: i64) -> Result<Vec<Take>, StockError> {
    if qty <= 0 {
        return Err(StockError::ZeroQuantity);
    }
    let mut sellable: Vec<&LotStock> = lots.iter().filter(|l| l.is_sellable(now_ms)).collect();
    sellable.sort_by_key(|l| (l.expires_at_ms.unwrap_or(i64::MAX), l.received_at_ms, l.lot));
    let available: i64 = sellable.iter().map(|l| l.qty_on_hand).sum();
    if available < qty {
        return Err(StockError::Insufficient {
            requested: qty,
            available,
        });
    }
    let mut left = qty;
    let mut takes = Vec::new();
    for lot in sellable {
        if left == 0 {
            break;
        }
        let take = left.min(lot.qty_on_hand);
        takes.push(Take {
            lot: lot.lot,
            qty: take,
        });
        left -= take;
    }
    Ok(takes)
}

/// The correction a stock count (盘点) posts for one lot: counted − expected.
pub fn count_correction(expected: i64, counted: i64) -> Option<i64> {
    assert!(counted >= 0, "a counted quantity is parsed as non-negative");
    let delta = counted - expected;
    (delta != 0).then_some(delta)
}

/// Whether a lot needs an expiry alert: it expires within `horizon_hours` of now
/// (already-expired lots with stock are included: they must be taken off the shelf).
pub fn expiry_alert(expires_at_ms: Option<i64>, now_ms: i64, horizon_hours: i64) -> bool {
    expires_at_ms.is_some_and(|e| e <= now_ms + horizon_hours * crate::time::MS_PER_HOUR)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lot(id: i64, expires: Option<i64>, received: i64, qty: i64) -> LotStock {
        LotStock {
            lot: LotId(id),
            expires_at_ms: expires,
            received_at_ms: received,
            qty_on_hand: qty,
        }
    }

    fn check_fefo(lots: &[LotStock], qty: i64, now: i64, expected: Result<Vec<(i64, i64)>, StockError>) {
        let got = fefo_allocate(lots, qty, now).map(|t| t.iter().map(|t| (t.lot.0, t.qty)).collect::<Vec<_>>());
        assert_eq!(got, expected);
    }

    #[test]
    fn fefo_takes_the_earliest_expiring_lot_first() {
        let lots = [lot(1, Some(300), 0, 5), lot(2, Some(200), 10, 5), lot(3, None, 0, 5)];
        check_fefo(&lots, 7, 100, Ok(vec![(2, 5), (1, 2)]));
    }

    #[test]
    fn expired_lot_is_never_allocated() {
        let lots = [lot(1, Some(100), 0, 5), lot(2, Some(500), 0, 3)];
        check_fefo(&lots, 3, 100, Ok(vec![(2, 3)]));
        check_fefo(
            &lots,
            4,
            100,
            Err(StockError::Insufficient {
                requested: 4,
                available: 3,
            }),
        );
    }

    #[test]
    fn lots_without_expiry_come_last_and_ties_go_to_the_earliest_received() {
        let lots = [lot(9, None, 0, 5), lot(4, Some(900), 20, 1), lot(3, Some(900), 10, 1)];
        check_fefo(&lots, 3, 0, Ok(vec![(3, 1), (4, 1), (9, 1)]));
    }

    #[test]
    fn zero_or_negative_allocation_is_refused() {
        check_fefo(&[lot(1, None, 0, 5)], 0, 0, Err(StockError::ZeroQuantity));
    }

    #[test]
    fn deltas_follow_the_sign_of_their_kind() {
        assert!(Delta::new(MovementKind::Receipt, 5, None).is_ok());
        assert_eq!(
            Delta::new(MovementKind::Receipt, -5, None),
            Err(StockError::WrongSign {
                kind: MovementKind::Receipt,
                positive: true
            })
        );
        assert!(Delta::new(MovementKind::Sale, 1, None).is_err());
        assert!(Delta::new(MovementKind::CountCorrection, -3, None).is_ok());
        assert_eq!(
            Delta::new(MovementKind::Waste, -1, Some("  ")),
            Err(StockError::ReasonRequired {
                kind: MovementKind::Waste
            })
        );
        assert!(Delta::new(MovementKind::Adjustment, 2, Some("found in backroom")).is_ok());
        assert_eq!(Delta::new(MovementKind::Sale, 0, None), Err(StockError::ZeroQuantity));
    }

    #[test]
    fn movement_kind_codes_round_trip() {
        for k in MovementKind::ALL {
            assert_eq!(MovementKind::from_code(k.code()), Some(k));
        }
        assert_eq!(MovementKind::from_code("gift"), None);
    }

    #[test]
    fn count_correction_is_counted_minus_expected() {
        assert_eq!(count_correction(10, 7), Some(-3));
        assert_eq!(count_correction(10, 12), Some(2));
        assert_eq!(count_correction(10, 10), None);
    }

    #[test]
    fn expiry_alert_covers_expired_and_soon_expiring_lots() {
        let hour = crate::time::MS_PER_HOUR;
        assert!(expiry_alert(Some(0), 10, 0));
        assert!(expiry_alert(Some(24 * hour), 0, 24));
        assert!(!expiry_alert(Some(25 * hour), 0, 24));
        assert!(!expiry_alert(None, 0, 10_000));
    }

    fn movement() -> impl Strategy<Value = (usize, MovementKind, i64)> {
        (0usize..3, prop::sample::select(MovementKind::ALL.to_vec()), 1i64..50).prop_map(|(lot, kind, q)| {
            let qty = match kind.direction() {
                Direction::In => q,
                Direction::Out => -q,
                Direction::Either => {
                    if q % 2 == 0 {
                        q
                    } else {
                        -q
                    }
                }
            };
            (lot, kind, qty)
        })
    }

    proptest! {
        /// A ledger that refuses any movement that would go negative: the balance
        /// always equals the fold of the accepted movements, and no lot is ever negative.
        #[test]
        fn on_hand_equals_fold_and_no_lot_goes_negative(moves in prop::collection::vec(movement(), 0..200)) {
            let mut balance = [0i64; 3];
            let mut accepted: [Vec<i64>; 3] = Default::default();
            for (lot, kind, qty) in moves {
                let delta = Delta::new(kind, qty, Some("test")).expect("strategy makes valid signs");
                match apply(balance[lot], delta.qty()) {
                    Ok(after) => { balance[lot] = after; accepted[lot].push(delta.qty()); }
                    Err(StockError::Insufficient { available, .. }) => prop_assert_eq!(available, balance[lot]),
                    Err(e) => prop_assert!(false, "unexpected {e}"),
                }
                prop_assert!(balance[lot] >= 0);
            }
            for lot in 0..3 {
                prop_assert_eq!(fold(accepted[lot].iter().copied()), Ok(balance[lot]));
            }
        }

        /// FEFO never takes more than asked or more than a lot holds, never touches an
        /// expired lot, and whenever it takes from a lot every earlier-expiring sellable lot is emptied.
        #[test]
        fn fefo_allocation_is_exact_and_ordered(
            lots in prop::collection::vec((prop::option::of(0i64..100), 0i64..100, 0i64..20), 1..8),
            qty in 1i64..60,
            now in 0i64..100,
        ) {
            let lots: Vec<LotStock> = lots.into_iter().enumerate()
                .map(|(i, (e, r, q))| lot(i as i64, e, r, q)).collect();
            let available: i64 = lots.iter().filter(|l| l.is_sellable(now)).map(|l| l.qty_on_hand).sum();
            match fefo_allocate(&lots, qty, now) {
                Ok(takes) => {
                    prop_assert_eq!(takes.iter().map(|t| t.qty).sum::<i64>(), qty);
                    for t in &takes {
                        let l = lots.iter().find(|l| l.lot == t.lot).unwrap();
                        prop_assert!(l.is_sellable(now));
                        prop_assert!(t.qty > 0 && t.qty <= l.qty_on_hand);
                    }
                    for w in takes.windows(2) {
                        let a = lots.iter().find(|l| l.lot == w[0].lot).unwrap();
                        prop_assert_eq!(w[0].qty, a.qty_on_hand, "a lot is only left partly used if it is the last one taken");
                        let b = lots.iter().find(|l| l.lot == w[1].lot).unwrap();
                        prop_assert!(a.expires_at_ms.unwrap_or(i64::MAX) <= b.expires_at_ms.unwrap_or(i64::MAX));
                    }
                }
                Err(StockError::Insufficient { available: a, .. }) => {
                    prop_assert!(available < qty);
                    prop_assert_eq!(a, available);
                }
                Err(e) => prop_assert!(false, "unexpected {e}"),
            }
        }
    }
}
