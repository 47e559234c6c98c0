//! The till's sale record: keys claimed in the sale's commit, offline shortfalls,
//! refunds exactly once, shifts.

use crate::fixtures::*;
use linli_domain::ids::ProductId;
use linli_store::*;
use std::sync::Arc;

on_both_backends!(till:
    a_replayed_key_answers_the_first_order_and_records_nothing,
    a_key_reused_for_another_sale_is_refused,
    a_replay_is_answered_even_when_stock_has_run_out,
    concurrent_replays_of_one_key_record_one_sale,
    an_offline_sale_without_stock_is_kept_and_flagged,
    sales_do_not_take_reserved_units,
    partial_then_whole_refund_returns_goods_and_money_exactly_once,
    concurrent_refunds_of_the_same_units_land_once,
    refunds_go_back_to_non_cash_tenders_first,
    shift_counts_cash_kept_and_refunded,
    a_product_change_reaches_the_next_sale_at_once,
);

fn sale(o: &Org, lines: &[(ProductId, i64, i64)], payments: &[(&'static str, i64)]) -> NewSale {
    NewSale {
        store: o.store,
        location: o.floor,
        channel: "till",
        member: None,
        staff: Some(o.staff),
        lines: lines
            .iter()
            .map(|&(product, qty, unit)| SaleLine {
                product,
                qty,
                unit_price_fen: unit,
                line_total_fen: unit * qty,
            })
            .collect(),
        payments: payments
            .iter()
            .map(|&(method, amount_fen)| SalePayment {
                method,
                amount_fen,
                points: 0,
            })
            .collect(),
        at: T0 + HOUR,
        details: SaleDetails::default(),
    }
}

fn keyed(mut s: NewSale, key: &str, hash: &str) -> NewSale {
    s.details.key = Some(SaleKey {
        principal: "staff:1".into(),
        key: key.into(),
        request_hash: hash.into(),
    });
    s
}

pub async fn a_replayed_key_answers_the_first_order_and_records_nothing(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", None, 10).await;
    let first = s
        .record_sale(
            o.org,
            &keyed(sale(&o, &[(milk, 2, 500)], &[("cash", 1000)]), "k1", "h1"),
        )
        .await
        .unwrap();
    let Recorded::New(order) = first else {
        panic!("first is new: {first:?}")
    };
    for _ in 0..3 {
        let again = s
            .record_sale(
                o.org,
                &keyed(sale(&o, &[(milk, 2, 500)], &[("cash", 1000)]), "k1", "h1"),
            )
            .await
            .unwrap();
        assert_eq!(again, Recorded::Replay(order));
    }
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 8);
    assert_eq!(s.sales_summary(o.org).await.unwrap().orders, 1);
    // The same key from another cashier is another key.
    let mut other = keyed(sale(&o, &[(milk, 1, 500)], &[("cash", 500)]), "k1", "h1");
    other.details.key.as_mut().unwrap().principal = "staff:2".into();
    assert!(matches!(s.record_sale(o.org, &other).await.unwrap(), Recorded::New(_)));
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 7);
}

pub async fn a_key_reused_for_another_sale_is_refused(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", None, 10).await;
    s.record_sale(o.org, &keyed(sale(&o, &[(milk, 1, 500)], &[("cash", 500)]), "k", "h1"))
        .await
        .unwrap();
    let err = s
        .record_sale(o.org, &keyed(sale(&o, &[(milk, 3, 500)], &[("cash", 1500)]), "k", "h2"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Refused {
                code: "idempotency_key_reused",
                field: "Idempotency-Key",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 9);
}

pub async fn a_replay_is_answered_even_when_stock_has_run_out(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", None, 2).await;
    let first = s
        .record_sale(o.org, &keyed(sale(&o, &[(milk, 2, 500)], &[("cash", 1000)]), "k", "h"))
        .await
        .unwrap();
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 0);
    let again = s
        .record_sale(o.org, &keyed(sale(&o, &[(milk, 2, 500)], &[("cash", 1000)]), "k", "h"))
        .await
        .unwrap();
    assert_eq!(again, Recorded::Replay(first.order()));
}

pub async fn concurrent_replays_of_one_key_record_one_sale(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", None, 100).await;
    let writer = s.sale_writer();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let w = writer.clone();
        let sale = keyed(sale(&o, &[(milk, 1, 500)], &[("cash", 500)]), "same", "h");
        let org = o.org;
        tasks.push(tokio::spawn(async move { w.record(org, sale).await }));
    }
    let mut orders = Vec::new();
    let mut new = 0;
    for t in tasks {
        let r = t.await.unwrap().unwrap();
        if matches!(r, Recorded::New(_)) {
            new += 1;
        }
        orders.push(r.order());
    }
    orders.dedup();
    assert_eq!(new, 1);
    assert_eq!(orders.len(), 1, "every caller hears of the same order");
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 99);
}

pub async fn an_offline_sale_without_stock_is_kept_and_flagged(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let bread = product(&s, &o, "P2", "面包").await;
    stock(&s, &o, o.floor, milk, "L1", None, 1).await;
    stock(&s, &o, o.floor, bread, "B1", None, 5).await;
    let mut offline = sale(&o, &[(milk, 3, 500), (bread, 1, 300)], &[("cash", 1800)]);
    offline.details.offline_till = Some("till-7".into());
    let order = s.record_sale(o.org, &offline).await.unwrap().order();
    let rec = s.sale_record(o.org, order).await.unwrap().unwrap();
    assert_eq!(rec.flag.as_deref(), Some("stock_short"));
    assert_eq!(rec.offline_till.as_deref(), Some("till-7"));
    assert_eq!(rec.lines.len(), 2);
    assert_eq!(
        (rec.lines[0].qty, rec.lines[0].total_fen),
        (3, 1500),
        "the line stays as sold"
    );
    assert_eq!(
        s.on_hand(o.org, milk, None).await.unwrap(),
        0,
        "what there was is taken"
    );
    assert_eq!(s.on_hand(o.org, bread, None).await.unwrap(), 4);
    // The same sale online is refused whole.
    let online = sale(&o, &[(milk, 1, 500)], &[("cash", 500)]);
    assert!(matches!(s.record_sale(o.org, &online).await, Err(StoreError::Stock(_))));
}

pub async fn sales_do_not_take_reserved_units(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", None, 5).await;
    s.debug_reserve(o.org, o.floor, milk, 3).await.unwrap();
    assert!(matches!(
        s.record_sale(o.org, &sale(&o, &[(milk, 3, 500)], &[("cash", 1500)]))
            .await,
        Err(StoreError::Stock(_))
    ));
    s.record_sale(o.org, &sale(&o, &[(milk, 2, 500)], &[("cash", 1000)]))
        .await
        .unwrap();
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 3);
}

pub async fn partial_then_whole_refund_returns_goods_and_money_exactly_once(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let bread = product(&s, &o, "P2", "面包").await;
    stock(&s, &o, o.floor, milk, "L1", Some(T0 + 48 * HOUR), 2).await;
    stock(&s, &o, o.floor, milk, "L2", Some(T0 + 96 * HOUR), 10).await;
    stock(&s, &o, o.floor, bread, "B1", None, 10).await;
    // 3 milk (2 from L1, 1 from L2) at 3.33 each = 9.99, 1 bread 3.00: 12.99, paid 13.00 cash.
    let mut sl = sale(&o, &[(milk, 3, 333), (bread, 1, 300)], &[("cash", 1300)]);
    sl.details.change_fen = 1;
    let order = s.record_sale(o.org, &sl).await.unwrap().order();
    let r1 = s
        .refund_sale(
            o.org,
            order,
            &[RefundLineRequest { line_no: 1, qty: 2 }],
            Some(o.staff),
            None,
            "坏了",
            T0 + 2 * HOUR,
        )
        .await
        .unwrap();
    assert!(!r1.whole);
    assert_eq!(r1.amount_fen, 666, "two of three at 9.99, rounded down");
    assert_eq!(r1.payments, vec![("cash".to_string(), 666, 0)]);
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 9 + 2);
    // More than is left of the line is refused and changes nothing.
    let err = s
        .refund_sale(
            o.org,
            order,
            &[RefundLineRequest { line_no: 1, qty: 2 }],
            None,
            None,
            "",
            T0 + 3 * HOUR,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Refused {
                code: "refund_exceeds_sold",
                ..
            }
        ),
        "{err:?}"
    );
    let whole = s
        .refund_sale(o.org, order, &[], None, None, "", T0 + 3 * HOUR)
        .await
        .unwrap();
    assert!(whole.whole);
    assert_eq!(r1.amount_fen + whole.amount_fen, 1299, "all that was kept, to the fen");
    assert_eq!(whole.refunded_total_fen, 1299);
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 12);
    assert_eq!(s.on_hand(o.org, bread, None).await.unwrap(), 10);
    let rec = s.sale_record(o.org, order).await.unwrap().unwrap();
    assert_eq!(rec.status, "refunded");
    assert_eq!(rec.refunded_fen, 1299);
    assert_eq!(rec.lines[0].refunded_qty, 3);
    let again = s
        .refund_sale(o.org, order, &[], None, None, "", T0 + 4 * HOUR)
        .await
        .unwrap_err();
    assert!(
        matches!(
            again,
            StoreError::Refused {
                code: "already_refunded",
                ..
            }
        ),
        "{again:?}"
    );
    // Another organisation cannot see or refund it.
    let b = org(&s, "b").await;
    assert!(matches!(
        s.refund_sale(b.org, order, &[], None, None, "", T0 + 4 * HOUR).await,
        Err(StoreError::NotFound)
    ));
    assert!(s.sale_record(b.org, order).await.unwrap().is_none());
}

pub async fn concurrent_refunds_of_the_same_units_land_once(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", None, 10).await;
    let order = s
        .record_sale(o.org, &sale(&o, &[(milk, 4, 500)], &[("wechat_qr", 2000)]))
        .await
        .unwrap()
        .order();
    let s = Arc::new(s);
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let s = s.clone();
        let org = o.org;
        tasks.push(tokio::spawn(async move {
            s.refund_sale(
                org,
                order,
                &[RefundLineRequest { line_no: 1, qty: 3 }],
                None,
                None,
                "",
                T0 + 2 * HOUR,
            )
            .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(r) => {
                ok += 1;
                assert_eq!(r.amount_fen, 1500);
            }
            Err(StoreError::Refused { .. }) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 6 + 3);
    let rec = s.sale_record(o.org, order).await.unwrap().unwrap();
    assert_eq!(rec.refunded_fen, 1500);
}

pub async fn refunds_go_back_to_non_cash_tenders_first(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", None, 10).await;
    let mut sl = sale(&o, &[(milk, 4, 500)], &[("cash", 1000), ("wechat_qr", 1000)]);
    sl.details.change_fen = 0;
    let order = s.record_sale(o.org, &sl).await.unwrap().order();
    let r = s
        .refund_sale(
            o.org,
            order,
            &[RefundLineRequest { line_no: 1, qty: 3 }],
            None,
            None,
            "",
            T0 + 2 * HOUR,
        )
        .await
        .unwrap();
    assert_eq!(
        r.payments,
        vec![("wechat_qr".to_string(), 1000, 0), ("cash".to_string(), 500, 0)]
    );
}

pub async fn shift_counts_cash_kept_and_refunded(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", None, 10).await;
    // The sale path's copy of the open shift follows opening and closing at once.
    assert_eq!(s.open_shift_id(o.org, o.staff).await.unwrap(), None);
    let shift = s
        .open_shift(o.org, o.store, o.staff, "till-1", 20_000, T0)
        .await
        .unwrap();
    assert_eq!(
        s.open_shift_id(o.org, o.staff).await.unwrap(),
        Some(shift.id),
        "opened at once"
    );
    assert!(matches!(
        s.open_shift(o.org, o.store, o.staff, "till-2", 0, T0).await,
        Err(StoreError::Conflict { .. })
    ));
    let mut sl = sale(&o, &[(milk, 3, 500)], &[("cash", 2000)]);
    sl.details.change_fen = 500;
    sl.details.shift = Some(shift.id);
    let order = s.record_sale(o.org, &sl).await.unwrap().order();
    let mut qr = sale(&o, &[(milk, 1, 500)], &[("alipay_qr", 500)]);
    qr.details.shift = Some(shift.id);
    s.record_sale(o.org, &qr).await.unwrap();
    s.refund_sale(
        o.org,
        order,
        &[RefundLineRequest { line_no: 1, qty: 1 }],
        None,
        Some(shift.id),
        "",
        T0 + HOUR,
    )
    .await
    .unwrap();
    let cash = s.shift_cash(o.org, shift.id).await.unwrap();
    assert_eq!(
        cash,
        ShiftCash {
            sales_fen: 1500,
            refunds_fen: 500,
            sales: 2,
            top_ups_fen: 0
        }
    );
    let closed = s
        .close_shift(o.org, shift.id, cash, 0, 21_000, 20_900, "少一角", T0 + 8 * HOUR)
        .await
        .unwrap();
    assert_eq!(closed.variance_fen, Some(-100));
    assert!(s.current_shift(o.org, o.staff).await.unwrap().is_none());
    assert_eq!(s.open_shift_id(o.org, o.staff).await.unwrap(), None, "closed at once");
    assert!(matches!(
        s.close_shift(o.org, shift.id, cash, 0, 21_000, 21_000, "", T0 + 9 * HOUR)
            .await,
        Err(StoreError::State(_))
    ));
    // A new shift may open once the old one is closed.
    s.open_shift(o.org, o.store, o.staff, "till-1", 20_000, T0 + 10 * HOUR)
        .await
        .unwrap();
}

pub async fn a_product_change_reaches_the_next_sale_at_once(s: Store) {
    let o = org(&s, "a").await;
    let b = org(&s, "b").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let bread = product(&s, &o, "P2", "面包").await;
    let theirs = product(&s, &b, "P1", "酸奶").await;
    let prices = |got: Vec<SellableProduct>| {
        let mut v: Vec<(i64, i64, bool)> = got.iter().map(|p| (p.id.0, p.price_fen, p.active)).collect();
        v.sort();
        v
    };
    // Read twice (the second from the copy), a repeated id answered once, and another
    // organisation's product never, whichever is kept.
    for _ in 0..2 {
        assert_eq!(
            prices(s.sellable_products(o.org, &[milk, bread, milk, theirs]).await.unwrap()),
            vec![(milk.0, 500, true), (bread.0, 500, true)]
        );
        assert_eq!(
            prices(s.sellable_products(b.org, &[theirs, milk]).await.unwrap()),
            vec![(theirs.0, 500, true)]
        );
    }
    let mut data = product_data("P1", "牛奶", 650, Some(o.dairy));
    s.update_product(o.org, milk, &data, o.staff, T0 + HOUR).await.unwrap();
    assert_eq!(
        prices(s.sellable_products(o.org, &[bread, milk]).await.unwrap()),
        vec![(milk.0, 650, true), (bread.0, 500, true)]
    );
    data.active = false;
    s.update_product(o.org, milk, &data, o.staff, T0 + HOUR).await.unwrap();
    assert_eq!(
        prices(s.sellable_products(o.org, &[milk]).await.unwrap()),
        vec![(milk.0, 650, false)]
    );
}
