use super::*;
use proptest::prelude::*;

fn pay(tender: Tender, amount_fen: i64) -> Payment {
    Payment { tender, amount_fen }
}

/// Settles and compares (due, rounding, paid, change).
fn check(
    total_fen: i64,
    payments: &[Payment],
    rounding: CashRounding,
    expected: Result<(i64, i64, i64, i64), TillError>,
) {
    let got = settle(total_fen, payments, rounding).map(|s| (s.due_fen, s.rounding_fen, s.paid_fen, s.change_fen));
    assert_eq!(got, expected, "{total_fen} {payments:?} {rounding:?}");
}

fn check_refund(
    original: &Settlement,
    already: &[Payment],
    refund_fen: i64,
    expected: Result<Vec<Payment>, TillError>,
) {
    assert_eq!(refund_tenders(original, already, refund_fen), expected);
}

#[test]
fn cash_rounding_rules_round_twelve_thirty_four() {
    assert_eq!(cash_due(1234, CashRounding::None), (1234, 0));
    assert_eq!(cash_due(1234, CashRounding::DropFen), (1230, -4));
    assert_eq!(cash_due(1234, CashRounding::DropJiao), (1200, -34));
    assert_eq!(cash_due(1234, CashRounding::HalfUpJiao), (1230, -4));
    assert_eq!(cash_due(1235, CashRounding::HalfUpJiao), (1240, 5));
    assert_eq!(cash_due(1200, CashRounding::DropJiao), (1200, 0));
}

#[test]
fn cash_rounding_codes_round_trip() {
    for r in CashRounding::ALL {
        assert_eq!(CashRounding::from_code(r.code()), Some(r));
    }
    assert_eq!(CashRounding::from_code("drop_yuan"), None);
}

#[test]
fn cash_of_twenty_for_twelve_thirty_four_with_drop_fen_gives_seven_seventy_change() {
    check(
        1234,
        &[pay(Tender::Cash, 2000)],
        CashRounding::DropFen,
        Ok((1230, -4, 2000, 770)),
    );
}

#[test]
fn split_payment_of_stored_value_fifty_and_wechat_thirty_fifty_covers_eighty_fifty() {
    let s = settle(
        8050,
        &[pay(Tender::StoredValue, 5000), pay(Tender::WechatQr, 3050)],
        CashRounding::DropJiao,
    )
    .unwrap();
    // No cash, so no 抹零 even though the store drops jiao.
    assert_eq!(
        (s.due_fen, s.rounding_fen, s.paid_fen, s.change_fen),
        (8050, 0, 8050, 0)
    );
    assert_eq!(s.lines.len(), 2);
}

#[test]
fn rounding_applies_only_to_the_cash_part_of_a_split_payment() {
    // ¥80.56: ¥50 from stored value, ¥30.56 left in cash, 抹分 → ¥30.50, customer gives ¥31.
    check(
        8056,
        &[pay(Tender::StoredValue, 5000), pay(Tender::Cash, 3100)],
        CashRounding::DropFen,
        Ok((8050, -6, 8100, 50)),
    );
}

#[test]
fn stored_value_over_the_due_is_refused() {
    check(
        3000,
        &[pay(Tender::StoredValue, 5000)],
        CashRounding::None,
        Err(TillError::NonCashExceedsDue {
            index: 0,
            tender: Tender::StoredValue,
            amount_fen: 5000,
            remaining_fen: 3000,
        }),
    );
    // The second QR scan may only take what the first left.
    check(
        3000,
        &[pay(Tender::WechatQr, 2000), pay(Tender::AlipayQr, 1500)],
        CashRounding::None,
        Err(TillError::NonCashExceedsDue {
            index: 1,
            tender: Tender::AlipayQr,
            amount_fen: 1500,
            remaining_fen: 1000,
        }),
    );
}

#[test]
fn short_payment_is_refused_with_what_is_due() {
    check(
        1234,
        &[pay(Tender::Cash, 1000)],
        CashRounding::DropFen,
        Err(TillError::Underpaid {
            due_fen: 1230,
            paid_fen: 1000,
        }),
    );
    check(
        8050,
        &[pay(Tender::WechatQr, 8000)],
        CashRounding::DropJiao,
        Err(TillError::Underpaid {
            due_fen: 8050,
            paid_fen: 8000,
        }),
    );
    check(
        500,
        &[],
        CashRounding::None,
        Err(TillError::Underpaid {
            due_fen: 500,
            paid_fen: 0,
        }),
    );
}

#[test]
fn zero_negative_and_too_many_payments_are_refused() {
    check(
        1000,
        &[pay(Tender::Cash, 0)],
        CashRounding::None,
        Err(TillError::AmountNotPositive {
            index: 0,
            amount_fen: 0,
        }),
    );
    check(
        1000,
        &[pay(Tender::WechatQr, 500), pay(Tender::Card, -500)],
        CashRounding::None,
        Err(TillError::AmountNotPositive {
            index: 1,
            amount_fen: -500,
        }),
    );
    check(
        1000,
        &[pay(Tender::Points { points: 0 }, 100)],
        CashRounding::None,
        Err(TillError::PointsNotPositive { index: 0, points: 0 }),
    );
    let seven = [pay(Tender::Cash, 100); 7];
    check(
        700,
        &seven,
        CashRounding::None,
        Err(TillError::TooManyPayments { count: 7, max: 6 }),
    );
    check(600, &seven[..6], CashRounding::None, Ok((600, 0, 600, 0)));
}

#[test]
fn cash_when_nothing_is_left_to_pay_is_refused() {
    check(
        1000,
        &[pay(Tender::WechatQr, 1000), pay(Tender::Cash, 100)],
        CashRounding::None,
        Err(TillError::CashNotNeeded { cash_fen: 100 }),
    );
}

#[test]
fn a_free_order_settles_with_no_tender() {
    check(0, &[], CashRounding::DropJiao, Ok((0, 0, 0, 0)));
}

#[test]
fn till_errors_have_codes_and_chinese_messages() {
    let e = TillError::NonCashExceedsDue {
        index: 0,
        tender: Tender::StoredValue,
        amount_fen: 5000,
        remaining_fen: 3000,
    };
    assert_eq!(e.code(), "non_cash_exceeds_due");
    assert_eq!(e.message_zh(), "储值卡支付不能超过待付金额 ¥30.00，只有现金可以找零");
}

fn split_fifty_stored_value_thirty_fifty_wechat() -> Settlement {
    settle(
        8050,
        &[pay(Tender::StoredValue, 5000), pay(Tender::WechatQr, 3050)],
        CashRounding::None,
    )
    .unwrap()
}

#[test]
fn refund_of_thirty_from_a_split_payment_goes_back_to_wechat_first() {
    let s = split_fifty_stored_value_thirty_fifty_wechat();
    check_refund(&s, &[], 3000, Ok(vec![pay(Tender::WechatQr, 3000)]));
    check_refund(
        &s,
        &[],
        4000,
        Ok(vec![pay(Tender::WechatQr, 3050), pay(Tender::StoredValue, 950)]),
    );
    // After ¥30 back to WeChat, a further ¥10 takes WeChat's last ¥0.50, then stored value.
    check_refund(
        &s,
        &[pay(Tender::WechatQr, 3000)],
        1000,
        Ok(vec![pay(Tender::WechatQr, 50), pay(Tender::StoredValue, 950)]),
    );
}

#[test]
fn cash_is_refunded_last_and_never_beyond_what_stayed_in_the_drawer() {
    // ¥30.56: WeChat ¥10, cash part ¥20.56 抹分 to ¥20.50, paid with ¥50, ¥29.50 change.
    let s = settle(
        3056,
        &[pay(Tender::Cash, 5000), pay(Tender::WechatQr, 1000)],
        CashRounding::DropFen,
    )
    .unwrap();
    assert_eq!((s.due_fen, s.change_fen, s.cash_kept_fen()), (3050, 2950, 2050));
    check_refund(
        &s,
        &[],
        3050,
        Ok(vec![pay(Tender::WechatQr, 1000), pay(Tender::Cash, 2050)]),
    );
    check_refund(
        &s,
        &[],
        3051,
        Err(TillError::RefundExceedsRefundable {
            refund_fen: 3051,
            refundable_fen: 3050,
        }),
    );
}

#[test]
fn points_come_back_in_proportion_and_all_of_them_on_a_full_refund() {
    // 1,000 points redeemed for ¥10.00 on a ¥10.00 order.
    let s = settle(1000, &[pay(Tender::Points { points: 1000 }, 1000)], CashRounding::None).unwrap();
    check_refund(&s, &[], 333, Ok(vec![pay(Tender::Points { points: 333 }, 333)]));
    let s = settle(300, &[pay(Tender::Points { points: 100 }, 300)], CashRounding::None).unwrap();
    // ¥1.00 of ¥3.00 returns 33 points (rounded down); the rest returns the other 67.
    check_refund(&s, &[], 100, Ok(vec![pay(Tender::Points { points: 33 }, 100)]));
    check_refund(
        &s,
        &[pay(Tender::Points { points: 33 }, 100)],
        200,
        Ok(vec![pay(Tender::Points { points: 67 }, 200)]),
    );
}

#[test]
fn a_refund_history_larger_than_what_was_paid_is_refused() {
    let s = split_fifty_stored_value_thirty_fifty_wechat();
    check_refund(
        &s,
        &[pay(Tender::WechatQr, 4000)],
        100,
        Err(TillError::RefundHistoryExceedsPaid {
            tender: Tender::WechatQr,
            excess_fen: 950,
        }),
    );
    check_refund(
        &s,
        &[pay(Tender::Cash, 100)],
        100,
        Err(TillError::RefundHistoryExceedsPaid {
            tender: Tender::Cash,
            excess_fen: 100,
        }),
    );
    check_refund(&s, &[], 0, Err(TillError::RefundNotPositive { refund_fen: 0 }));
}

fn non_cash_tender() -> impl Strategy<Value = Tender> {
    prop_oneof![
        Just(Tender::StoredValue),
        (1i64..5_000).prop_map(|points| Tender::Points { points }),
        Just(Tender::WechatQr),
        Just(Tender::AlipayQr),
        Just(Tender::Card),
    ]
}

fn rounding_rule() -> impl Strategy<Value = CashRounding> {
    prop::sample::select(CashRounding::ALL.to_vec())
}

/// A settled order: some non-cash lines, maybe a cash part with change, in any order.
fn settled_order() -> impl Strategy<Value = Settlement> {
    (
        prop::collection::vec((non_cash_tender(), 1i64..10_000), 0..5),
        0i64..10_000,
        0i64..5_000,
        rounding_rule(),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(non_cash, cash_part_fen, extra_fen, rule, at)| {
            let mut payments: Vec<Payment> = non_cash.into_iter().map(|(t, a)| pay(t, a)).collect();
            let mut total_fen: i64 = payments.iter().map(|p| p.amount_fen).sum();
            let (cash_due_fen, _) = cash_due(cash_part_fen, rule);
            if cash_due_fen > 0 {
                total_fen += cash_part_fen;
                payments.insert(
                    at.index(payments.len() + 1),
                    pay(Tender::Cash, cash_due_fen + extra_fen),
                );
            }
            settle(total_fen, &payments, rule).expect("the strategy builds valid payments")
        })
}

fn per_kind(payments: &[Payment], code: &str) -> i64 {
    payments
        .iter()
        .filter(|p| p.tender.code() == code)
        .map(|p| p.amount_fen)
        .sum()
}

fn points_of(payments: &[Payment]) -> i64 {
    payments
        .iter()
        .map(|p| match p.tender {
            Tender::Points { points } => points,
            _ => 0,
        })
        .sum()
}

const KINDS: [&str; 6] = ["cash", "stored_value", "points", "wechat_qr", "alipay_qr", "card"];

proptest! {
    /// What the customer hands over less the change is exactly what they owe, and
    /// only cash gives change.
    #[test]
    fn a_settlement_balances_to_the_fen(s in settled_order()) {
        prop_assert_eq!(s.paid_fen - s.change_fen, s.due_fen);
        prop_assert!(s.change_fen >= 0);
        prop_assert!(s.change_fen == 0 || s.cash_kept_fen() > 0);
        prop_assert!(s.rounding_fen > -100 && s.rounding_fen < 10);
    }

    /// Partial refunds never give a tender more than it paid nor the order more than
    /// was paid net of change, and refunding the rest returns exactly what was paid.
    #[test]
    fn partial_refunds_stay_within_limits_and_a_full_refund_returns_what_was_paid(
        s in settled_order(),
        asks in prop::collection::vec(1i64..4_000, 0..8),
    ) {
        let mut refunded: Vec<Payment> = Vec::new();
        for ask in asks {
            let open_fen = s.due_fen - refunded.iter().map(|p| p.amount_fen).sum::<i64>();
            match refund_tenders(&s, &refunded, ask) {
                Ok(lines) => {
                    prop_assert_eq!(lines.iter().map(|p| p.amount_fen).sum::<i64>(), ask);
                    refunded.extend(lines);
                }
                Err(TillError::RefundExceedsRefundable { refundable_fen, .. }) => {
                    prop_assert!(ask > open_fen);
                    prop_assert_eq!(refundable_fen, open_fen);
                }
                Err(e) => prop_assert!(false, "unexpected {e}"),
            }
            for code in KINDS {
                let paid = if code == "cash" { s.cash_kept_fen() } else { per_kind(&s.lines, code) };
                prop_assert!(per_kind(&refunded, code) <= paid, "{code}");
            }
            prop_assert!(points_of(&refunded) <= points_of(&s.lines));
        }
        let rest = s.due_fen - refunded.iter().map(|p| p.amount_fen).sum::<i64>();
        if rest > 0 {
            refunded.extend(refund_tenders(&s, &refunded, rest).expect("the rest is refundable"));
        }
        for code in KINDS {
            let paid = if code == "cash" { s.cash_kept_fen() } else { per_kind(&s.lines, code) };
            prop_assert_eq!(per_kind(&refunded, code), paid, "{}", code);
        }
        prop_assert_eq!(points_of(&refunded), points_of(&s.lines));
        prop_assert!(refund_tenders(&s, &refunded, 1).is_err());
    }
}

#[test]
fn every_tender_reads_back_from_its_code() {
    for t in [
        Tender::Cash,
        Tender::StoredValue,
        Tender::Points { points: 300 },
        Tender::WechatQr,
        Tender::AlipayQr,
        Tender::Card,
    ] {
        let points = if let Tender::Points { points } = t { points } else { 0 };
        assert_eq!(Tender::from_code(t.code(), points), Some(t));
    }
    assert_eq!(Tender::from_code("bitcoin", 0), None);
}
