//! The conformance tests; `main.rs` runs each on both backends.

use crate::fixtures::*;
use linli_domain::ids::{LotId, StaffId};
use linli_domain::purchasing::{PoAction, PoStatus, PurchasingError};
use linli_domain::stock::{Delta, MovementKind, StockError};
use linli_store::*;
use std::sync::Arc;

on_both_backends!(conformance:
    migrations_create_every_table,
    product_round_trips_with_gtins_and_zones,
    search_finds_milk_by_pinyin_initials_name_and_barcode,
    search_paginates_with_a_total,
    duplicate_sku_is_a_conflict_naming_the_field,
    another_org_sees_none_of_our_rows,
    price_change_is_audited,
    receiving_against_a_po_tracks_quantities_and_discrepancies,
    receiving_refused_on_a_draft_po,
    receiving_without_a_po_creates_lots,
    fefo_sale_skips_expired_lots_and_takes_earliest_first,
    refused_sale_writes_nothing,
    ledger_balances_equal_the_fold_of_movements_after_random_operations,
    concurrent_allocations_of_the_last_ten_units_never_oversell,
    stock_count_posts_corrections_and_is_audited,
    expiry_and_low_stock_alerts_list_the_right_lots,
    transfer_moves_lots_between_locations,
    idempotency_claims_replay_and_mismatch,
    batch_of_sales_skips_the_refused_one_and_keeps_the_rest,
    sessions_expire_and_end_on_password_change,
    stock_search_matches_barcodes_and_ranks_initials_before_full_pinyin,
    concurrent_sales_at_the_same_instant_get_distinct_numbers,
    group_commit_batches_concurrent_sales_and_never_oversells,
    group_commit_refuses_a_bad_sale_alone,
    concurrent_sales_of_the_same_products_in_opposite_orders_all_land,
);

pub async fn migrations_create_every_table(s: Store) {
    let tables = s.table_names().await.unwrap();
    for t in [
        "orgs",
        "products",
        "stock_movements",
        "stock_balances",
        "purchase_orders",
        "orders",
        "audit_log",
        "idempotency_keys",
    ] {
        assert!(tables.iter().any(|x| x == t), "{t} missing from {tables:?}");
    }
    assert_eq!(
        tables,
        s.expected_tables(),
        "the database holds exactly the tables the migrations create"
    );
}

pub async fn product_round_trips_with_gtins_and_zones(s: Store) {
    let o = org(&s, "a").await;
    let zone = s
        .create_zone(o.org, "breakfast", "早餐角", "Breakfast corner")
        .await
        .unwrap();
    let mut data = product_data("P1", "光明鲜牛奶 950ml", 1290, Some(o.dairy));
    data.gtins = vec!["06901234567892".into()];
    data.zone_ids = vec![zone];
    data.plu = Some(123);
    let id = s.create_product(o.org, &data, Some(o.staff), T0).await.unwrap();
    let p = s.product(o.org, id).await.unwrap();
    assert_eq!(p.name_zh, "光明鲜牛奶 950ml");
    assert_eq!(p.pinyin_initials, "gmxnn950ml");
    assert_eq!(p.price_fen, 1290);
    assert_eq!(p.gtins, vec!["06901234567892".to_string()]);
    assert_eq!(p.zone_ids, vec![zone]);
    assert_eq!(
        s.product_by_gtin(o.org, "06901234567892").await.unwrap().map(|p| p.id),
        Some(id)
    );
    assert_eq!(s.product_by_plu(o.org, 123).await.unwrap().map(|p| p.id), Some(id));
    assert!(s.product_by_gtin(o.org, "00000000000000").await.unwrap().is_none());
}

pub async fn search_finds_milk_by_pinyin_initials_name_and_barcode(s: Store) {
    let o = org(&s, "a").await;
    let mut milk = product_data("P1", "牛奶", 500, None);
    milk.gtins = vec!["06901234567892".into()];
    let milk = s.create_product(o.org, &milk, None, T0).await.unwrap();
    product(&s, &o, "P2", "面包").await;
    product(&s, &o, "P3", "可口可乐").await;
    let find = |q: &str| {
        let s = s.clone();
        let q = q.to_string();
        async move {
            let f = ProductFilter {
                q: Some(q),
                ..Default::default()
            };
            s.products(o.org, &f, page(10))
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|p| p.name_zh)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(find("nn").await, vec!["牛奶"]);
    assert_eq!(find("NN").await, vec!["牛奶"]);
    assert_eq!(find("kkkl").await, vec!["可口可乐"]);
    assert_eq!(find("面").await, vec!["面包"]);
    assert_eq!(find("niunai").await, vec!["牛奶"]);
    assert_eq!(find("6901234567892").await, vec!["牛奶"]);
    assert_eq!(find("p2").await, vec!["面包"]);
    assert!(find("%").await.is_empty(), "LIKE wildcards in the query are literal");
    let _ = milk;
}

pub async fn search_paginates_with_a_total(s: Store) {
    let o = org(&s, "a").await;
    for i in 0..25 {
        product(&s, &o, &format!("P{i:02}"), &format!("牛奶{i}")).await;
    }
    let f = ProductFilter {
        q: Some("nn".into()),
        ..Default::default()
    };
    let first = s
        .products(o.org, &f, PageRequest { offset: 0, limit: 10 })
        .await
        .unwrap();
    let third = s
        .products(o.org, &f, PageRequest { offset: 20, limit: 10 })
        .await
        .unwrap();
    assert_eq!(first.total, 25);
    assert_eq!(first.items.len(), 10);
    assert_eq!(third.items.len(), 5);
    assert!(first.items.iter().all(|a| third.items.iter().all(|b| a.id != b.id)));
}

pub async fn duplicate_sku_is_a_conflict_naming_the_field(s: Store) {
    let o = org(&s, "a").await;
    product(&s, &o, "P1", "牛奶").await;
    let err = s
        .create_product(o.org, &product_data("P1", "酸奶", 300, None), None, T0)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { field: "sku" }), "{err:?}");
    let mut dup_gtin = product_data("P2", "酸奶", 300, None);
    dup_gtin.gtins = vec!["06901234567892".into()];
    s.create_product(o.org, &dup_gtin, None, T0).await.unwrap();
    dup_gtin.sku = "P3".into();
    let err = s.create_product(o.org, &dup_gtin, None, T0).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { field: "gtin" }), "{err:?}");
    // Nothing of the refused product was written.
    let all = s.products(o.org, &ProductFilter::default(), page(10)).await.unwrap();
    assert_eq!(all.total, 2);
}

pub async fn another_org_sees_none_of_our_rows(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let milk = product(&s, &a, "P1", "牛奶").await;
    stock(&s, &a, a.floor, milk, "L1", None, 5).await;
    assert!(matches!(s.product(b.org, milk).await, Err(StoreError::NotFound)));
    assert_eq!(
        s.products(b.org, &ProductFilter::default(), page(10))
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        s.balances(b.org, &BalanceFilter::default(), page(10))
            .await
            .unwrap()
            .total,
        0
    );
    assert!(matches!(s.location(b.org, a.floor).await, Err(StoreError::NotFound)));
    // B cannot move A's stock through its own org id, nor sell from A's location.
    let meta = MovementMeta::default();
    assert!(s.allocate(b.org, a.floor, milk, 1, &meta, T0).await.is_err());
    let d = Delta::new(MovementKind::Receipt, 1, None).unwrap();
    assert!(
        s.post_movement(b.org, b.floor, milk, "X", None, d, &meta, T0)
            .await
            .is_err(),
        "B cannot create a lot of A's product"
    );
    assert_eq!(s.on_hand(a.org, milk, None).await.unwrap(), 5);
    assert_eq!(s.lots_of(b.org, milk).await.unwrap().len(), 0);
    assert!(matches!(s.staff(b.org, a.staff).await, Err(StoreError::NotFound)));
}

pub async fn price_change_is_audited(s: Store) {
    let o = org(&s, "a").await;
    let id = product(&s, &o, "P1", "牛奶").await;
    let mut data = product_data("P1", "牛奶", 650, Some(o.dairy));
    s.update_product(o.org, id, &data, o.staff, T0 + 1).await.unwrap();
    data.brand = "光明".into();
    s.update_product(o.org, id, &data, o.staff, T0 + 2).await.unwrap();
    let log = s.audit_log(o.org, Some("product.price"), page(10)).await.unwrap();
    assert_eq!(log.total, 1);
    assert_eq!(log.items[0].detail, "牛奶: 500 → 650 fen");
    assert_eq!(log.items[0].staff_id, Some(o.staff));
    assert_eq!(s.product(o.org, id).await.unwrap().price_fen, 650);
}

pub async fn receiving_against_a_po_tracks_quantities_and_discrepancies(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let bread = product(&s, &o, "P2", "面包").await;
    let sup = s
        .create_supplier(
            o.org,
            &NewSupplier {
                code: "GM",
                name_zh: "光明乳业",
                kind: "factory",
                contact_phone: "",
                lead_time_hours: 5,
                order_cutoff_min: 600,
                delivery_time_min: 900,
            },
            T0,
        )
        .await
        .unwrap();
    let lines = [
        NewPoLine {
            product: milk,
            qty: 10,
            unit_cost_fen: 350,
        },
        NewPoLine {
            product: bread,
            qty: 4,
            unit_cost_fen: 200,
        },
    ];
    let po = s
        .create_po(o.org, o.store, sup, "PO-20261125", &lines, "", Some(o.staff), T0)
        .await
        .unwrap();
    assert_eq!(
        s.po_action(o.org, po, PoAction::Send, None, o.staff, T0).await.unwrap(),
        Ok(PoStatus::Sent)
    );
    let expiry = T0 + 72 * HOUR;
    let first = s
        .receive(
            o.org,
            o.backroom,
            Some(po),
            None,
            &[ReceiveLine {
                product: milk,
                lot_code: "L1".into(),
                expires_at: Some(expiry),
                qty: 6,
                unit_cost_fen: None,
            }],
            "",
            Some(o.staff),
            T0,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.po_status, Some(PoStatus::PartlyReceived));
    assert_eq!(
        (first.lines[0].discrepancy.as_str(), first.lines[0].discrepancy_qty),
        ("short", 4)
    );
    let second = s
        .receive(
            o.org,
            o.backroom,
            Some(po),
            None,
            &[
                ReceiveLine {
                    product: milk,
                    lot_code: "L2".into(),
                    expires_at: Some(expiry + HOUR),
                    qty: 4,
                    unit_cost_fen: None,
                },
                ReceiveLine {
                    product: bread,
                    lot_code: "B1".into(),
                    expires_at: None,
                    qty: 5,
                    unit_cost_fen: None,
                },
            ],
            "",
            Some(o.staff),
            T0,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.po_status, Some(PoStatus::Received));
    assert_eq!(second.lines[1].discrepancy, "over");
    let po_row = s.po(o.org, po).await.unwrap();
    assert_eq!(po_row.status, PoStatus::Received);
    assert_eq!(
        po_row.lines.iter().map(|l| l.qty_received).collect::<Vec<_>>(),
        vec![10, 5]
    );
    let lots = s.lots_of(o.org, milk).await.unwrap();
    assert_eq!(
        lots.iter()
            .map(|l| (l.lot_code.as_str(), l.expires_at))
            .collect::<Vec<_>>(),
        vec![("L1", Some(expiry)), ("L2", Some(expiry + HOUR))]
    );
    assert_eq!(lots[0].supplier_id, Some(sup));
    assert_eq!(s.on_hand(o.org, milk, Some(o.backroom)).await.unwrap(), 10);
    assert_eq!(
        s.po_action(o.org, po, PoAction::Close, None, o.staff, T0)
            .await
            .unwrap(),
        Ok(PoStatus::Closed)
    );
}

pub async fn receiving_refused_on_a_draft_po(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let sup = s
        .create_supplier(
            o.org,
            &NewSupplier {
                code: "GM",
                name_zh: "光明乳业",
                kind: "factory",
                contact_phone: "",
                lead_time_hours: 5,
                order_cutoff_min: 600,
                delivery_time_min: 900,
            },
            T0,
        )
        .await
        .unwrap();
    let po = s
        .create_po(
            o.org,
            o.store,
            sup,
            "PO",
            &[NewPoLine {
                product: milk,
                qty: 1,
                unit_cost_fen: 1,
            }],
            "",
            None,
            T0,
        )
        .await
        .unwrap();
    let r = s
        .receive(
            o.org,
            o.floor,
            Some(po),
            None,
            &[ReceiveLine {
                product: milk,
                lot_code: "L".into(),
                expires_at: None,
                qty: 1,
                unit_cost_fen: None,
            }],
            "",
            None,
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        r.unwrap_err(),
        PurchasingError::NotReceiving {
            status: PoStatus::Draft
        }
    );
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 0);
    assert!(
        s.po_action(o.org, po, PoAction::Close, None, o.staff, T0)
            .await
            .unwrap()
            .is_err()
    );
}

pub async fn receiving_without_a_po_creates_lots(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "WALKIN-1", Some(T0 + HOUR), 3).await;
    stock(&s, &o, o.floor, milk, "WALKIN-1", Some(T0 + HOUR), 2).await;
    let lots = s.lots_of(o.org, milk).await.unwrap();
    assert_eq!(lots.len(), 1, "the same lot code is the same lot");
    assert_eq!(s.on_hand(o.org, milk, Some(o.floor)).await.unwrap(), 5);
    let moves = s.movements(o.org, Some(milk), None, page(10)).await.unwrap();
    assert_eq!(
        moves
            .items
            .iter()
            .map(|m| (m.kind, m.qty_delta, m.balance_after))
            .collect::<Vec<_>>(),
        vec![(MovementKind::Receipt, 2, 5), (MovementKind::Receipt, 3, 3)]
    );
}

pub async fn fefo_sale_skips_expired_lots_and_takes_earliest_first(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let now = T0 + 10 * HOUR;
    stock(&s, &o, o.floor, milk, "EXPIRED", Some(T0 + HOUR), 5).await;
    stock(&s, &o, o.floor, milk, "LATE", Some(T0 + 100 * HOUR), 5).await;
    stock(&s, &o, o.floor, milk, "SOON", Some(T0 + 20 * HOUR), 2).await;
    let sale = NewSale {
        store: o.store,
        location: o.floor,
        channel: "till",
        member: None,
        staff: Some(o.staff),
        lines: vec![SaleLine {
            product: milk,
            qty: 4,
            unit_price_fen: 500,
            line_total_fen: 2000,
        }],
        payments: vec![SalePayment {
            method: "cash",
            amount_fen: 2000,
            points: 0,
        }],
        at: now,
        details: Default::default(),
    };
    s.record_sale(o.org, &sale).await.unwrap();
    let bal = s
        .balances(
            o.org,
            &BalanceFilter {
                product: Some(milk),
                include_empty: true,
                ..Default::default()
            },
            page(10),
        )
        .await
        .unwrap();
    let by_lot: Vec<(String, i64)> = bal.items.iter().map(|b| (b.lot_code.clone(), b.qty_on_hand)).collect();
    assert_eq!(
        by_lot,
        vec![("EXPIRED".into(), 5), ("SOON".into(), 0), ("LATE".into(), 3)]
    );
    // Only 3 sellable units remain: asking for 4 is refused even though 8 are on hand.
    let err = s
        .allocate(o.org, o.floor, milk, 4, &MovementMeta::default(), now)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Stock(StockError::Insufficient {
                requested: 4,
                available: 3
            })
        ),
        "{err:?}"
    );
    assert!(s.ledger_mismatches(o.org).await.unwrap().is_empty());
    let summary = s.sales_summary(o.org).await.unwrap();
    assert_eq!((summary.orders, summary.revenue_fen), (1, 2000));
}

pub async fn refused_sale_writes_nothing(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let bread = product(&s, &o, "P2", "面包").await;
    stock(&s, &o, o.floor, milk, "L", None, 5).await;
    let sale = NewSale {
        store: o.store,
        location: o.floor,
        channel: "till",
        member: None,
        staff: None,
        lines: vec![
            SaleLine {
                product: milk,
                qty: 2,
                unit_price_fen: 500,
                line_total_fen: 1000,
            },
            SaleLine {
                product: bread,
                qty: 1,
                unit_price_fen: 300,
                line_total_fen: 300,
            },
        ],
        payments: vec![],
        at: T0,
        details: Default::default(),
    };
    assert!(matches!(s.record_sale(o.org, &sale).await, Err(StoreError::Stock(_))));
    assert_eq!(
        s.on_hand(o.org, milk, None).await.unwrap(),
        5,
        "the milk line was rolled back with the sale"
    );
    assert_eq!(s.sales_summary(o.org).await.unwrap().orders, 0);
    assert_eq!(s.movements(o.org, Some(milk), None, page(10)).await.unwrap().total, 1);
}

pub async fn ledger_balances_equal_the_fold_of_movements_after_random_operations(s: Store) {
    let o = org(&s, "a").await;
    let products = [product(&s, &o, "P1", "牛奶").await, product(&s, &o, "P2", "面包").await];
    let locations = [o.floor, o.backroom];
    // A fixed-seed generator keeps the sequence the same on both backends.
    let mut seed: u64 = 0x5eed;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut refused = 0;
    for i in 0..300 {
        let p = products[next(2) as usize];
        let loc = locations[next(2) as usize];
        let lot = format!("L{}", next(3));
        let qty = 1 + next(9) as i64;
        let meta = MovementMeta {
            reason: "test",
            ..Default::default()
        };
        let result = match next(5) {
            0 | 1 => s
                .post_movement(
                    o.org,
                    loc,
                    p,
                    &lot,
                    None,
                    Delta::new(MovementKind::Receipt, qty, None).unwrap(),
                    &meta,
                    T0 + i,
                )
                .await
                .map(|_| ()),
            2 => s.allocate(o.org, loc, p, qty, &meta, T0 + i).await.map(|_| ()),
            3 => s
                .post_movement(
                    o.org,
                    loc,
                    p,
                    &lot,
                    None,
                    Delta::new(MovementKind::Waste, -qty, Some("broken")).unwrap(),
                    &meta,
                    T0 + i,
                )
                .await
                .map(|_| ()),
            _ => s
                .transfer(o.org, loc, locations[next(2) as usize], p, qty, &meta, T0 + i)
                .await
                .map(|_| ()),
        };
        match result {
            Ok(()) => {}
            Err(StoreError::Stock(StockError::Insufficient { .. })) | Err(StoreError::NotFound) => refused += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert!(refused > 0, "the sequence exercises refusals too");
    assert_eq!(s.ledger_mismatches(o.org).await.unwrap(), vec![]);
    let all = s
        .balances(
            o.org,
            &BalanceFilter {
                include_empty: true,
                ..Default::default()
            },
            page(100),
        )
        .await
        .unwrap();
    assert!(all.items.iter().all(|b| b.qty_on_hand >= 0));
}

pub async fn concurrent_allocations_of_the_last_ten_units_never_oversell(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "A", Some(T0 + 50 * HOUR), 4).await;
    stock(&s, &o, o.floor, milk, "B", Some(T0 + 60 * HOUR), 6).await;
    let s = Arc::new(s);
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.allocate(o.org, o.floor, milk, 1, &MovementMeta::default(), T0).await })
        })
        .collect();
    let mut ok = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(taken) => {
                assert_eq!(taken.iter().map(|(_, q)| q).sum::<i64>(), 1);
                ok += 1;
            }
            Err(StoreError::Stock(StockError::Insufficient { .. })) => refused += 1,
            Err(e) => panic!("unexpected error under concurrency: {e:?}"),
        }
    }
    assert_eq!((ok, refused), (10, 54));
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 0);
    assert!(s.ledger_mismatches(o.org).await.unwrap().is_empty());
}

pub async fn stock_count_posts_corrections_and_is_audited(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let bread = product(&s, &o, "P2", "面包").await;
    stock(&s, &o, o.floor, milk, "M1", None, 10).await;
    stock(&s, &o, o.floor, bread, "B1", None, 4).await;
    let count = s
        .open_stock_count(o.org, o.floor, &[], "月底盘点", o.staff, T0)
        .await
        .unwrap();
    let c = s.stock_count(o.org, count).await.unwrap();
    assert_eq!(c.lines.len(), 2);
    let milk_lot: LotId = c.lines.iter().find(|l| l.product_id == milk).unwrap().lot_id;
    s.record_counts(o.org, count, &[(milk_lot, 7)]).await.unwrap();
    let corrections = s.post_stock_count(o.org, count, o.staff, T0 + 1).await.unwrap();
    assert_eq!(corrections, vec![(milk_lot, -3)]);
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 7);
    assert_eq!(s.on_hand(o.org, bread, None).await.unwrap(), 4);
    assert!(
        matches!(
            s.post_stock_count(o.org, count, o.staff, T0 + 2).await,
            Err(StoreError::State(_))
        ),
        "posting twice is refused"
    );
    assert_eq!(
        s.audit_log(o.org, Some("stock.count"), page(10)).await.unwrap().total,
        1
    );
    assert!(s.ledger_mismatches(o.org).await.unwrap().is_empty());
}

pub async fn expiry_and_low_stock_alerts_list_the_right_lots(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let mut data = product_data("P2", "面包", 300, None);
    data.reorder_point = 10;
    let bread = s.create_product(o.org, &data, None, T0).await.unwrap();
    stock(&s, &o, o.floor, milk, "SOON", Some(T0 + 48 * HOUR), 3).await; // within dairy's 72 h
    stock(&s, &o, o.floor, milk, "LATER", Some(T0 + 100 * HOUR), 3).await;
    stock(&s, &o, o.floor, bread, "B", None, 4).await;
    let alerts = s.expiry_alerts(o.org, T0, page(10)).await.unwrap();
    assert_eq!(
        alerts.items.iter().map(|a| a.lot_code.as_str()).collect::<Vec<_>>(),
        vec!["SOON"]
    );
    let low = s.low_stock(o.org, page(10)).await.unwrap();
    assert_eq!(
        low.items
            .iter()
            .map(|l| (l.product_id, l.qty_on_hand))
            .collect::<Vec<_>>(),
        vec![(bread, 4)]
    );
}

pub async fn transfer_moves_lots_between_locations(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.backroom, milk, "L1", Some(T0 + 10 * HOUR), 3).await;
    stock(&s, &o, o.backroom, milk, "L2", Some(T0 + 20 * HOUR), 3).await;
    let taken = s
        .transfer(o.org, o.backroom, o.floor, milk, 4, &MovementMeta::default(), T0)
        .await
        .unwrap();
    assert_eq!(
        taken.iter().map(|(l, q)| (l.lot_code.as_str(), *q)).collect::<Vec<_>>(),
        vec![("L1", 3), ("L2", 1)]
    );
    assert_eq!(s.on_hand(o.org, milk, Some(o.floor)).await.unwrap(), 4);
    assert_eq!(s.on_hand(o.org, milk, Some(o.backroom)).await.unwrap(), 2);
    assert!(
        s.transfer(o.org, o.backroom, o.floor, milk, 3, &MovementMeta::default(), T0)
            .await
            .is_err()
    );
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 6);
}

pub async fn idempotency_claims_replay_and_mismatch(s: Store) {
    let o = org(&s, "a").await;
    assert_eq!(
        s.claim_idempotency_key(o.org, "staff:1", "k1", "h1", T0).await.unwrap(),
        Claim::New
    );
    assert_eq!(
        s.claim_idempotency_key(o.org, "staff:1", "k1", "h1", T0).await.unwrap(),
        Claim::InProgress
    );
    s.finish_idempotent(o.org, "staff:1", "k1", 201, "{\"id\":1}")
        .await
        .unwrap();
    assert_eq!(
        s.claim_idempotency_key(o.org, "staff:1", "k1", "h1", T0).await.unwrap(),
        Claim::Replay {
            status: 201,
            body: "{\"id\":1}".into()
        }
    );
    assert_eq!(
        s.claim_idempotency_key(o.org, "staff:1", "k1", "h2", T0).await.unwrap(),
        Claim::Mismatch
    );
    // Keys are per principal.
    assert_eq!(
        s.claim_idempotency_key(o.org, "staff:2", "k1", "h2", T0).await.unwrap(),
        Claim::New
    );
    s.release_idempotency_key(o.org, "staff:2", "k1").await.unwrap();
    assert_eq!(
        s.claim_idempotency_key(o.org, "staff:2", "k1", "h3", T0).await.unwrap(),
        Claim::New
    );
}

pub async fn batch_of_sales_skips_the_refused_one_and_keeps_the_rest(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L", None, 3).await;
    let sale = |qty: i64| NewSale {
        store: o.store,
        location: o.floor,
        channel: "till",
        member: None,
        staff: None,
        lines: vec![SaleLine {
            product: milk,
            qty,
            unit_price_fen: 500,
            line_total_fen: 500 * qty,
        }],
        payments: vec![SalePayment {
            method: "wechat",
            amount_fen: 500 * qty,
            points: 0,
        }],
        at: T0,
        details: Default::default(),
    };
    let results = s.record_sales(o.org, &[sale(2), sale(5), sale(1)]).await.unwrap();
    assert_eq!(
        results.iter().map(Result::is_ok).collect::<Vec<_>>(),
        vec![true, false, true]
    );
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 0);
    assert_eq!(s.sales_summary(o.org).await.unwrap().revenue_fen, 1500);
    assert!(s.ledger_mismatches(o.org).await.unwrap().is_empty());
}

pub async fn sessions_expire_and_end_on_password_change(s: Store) {
    let o = org(&s, "a").await;
    let staff = s.staff(o.org, o.staff).await.unwrap();
    s.create_session(&staff, "tok-a", "api", "csrf", T0, T0 + HOUR)
        .await
        .unwrap();
    s.create_session(&staff, "tok-b", "cookie", "csrf", T0, T0 + HOUR)
        .await
        .unwrap();
    assert_eq!(
        s.session("tok-a", T0 + 1).await.unwrap().map(|x| x.staff.id),
        Some(o.staff)
    );
    assert!(s.session("tok-a", T0 + HOUR + 1).await.unwrap().is_none(), "expired");
    s.set_password(o.org, o.staff, "new-hash", Some("tok-b")).await.unwrap();
    assert!(
        s.session("tok-a", T0 + 1).await.unwrap().is_none(),
        "other sessions end"
    );
    assert!(
        s.session("tok-b", T0 + 1).await.unwrap().is_some(),
        "the current one stays"
    );
    // Signing out ends a session at once, though the sale path keeps a copy of it.
    s.create_session(&staff, "tok-c", "api", "csrf", T0, T0 + HOUR)
        .await
        .unwrap();
    assert!(s.session("tok-c", T0 + 1).await.unwrap().is_some());
    s.delete_session("tok-c").await.unwrap();
    assert!(s.session("tok-c", T0 + 1).await.unwrap().is_none(), "signed out");
    s.update_staff(o.org, o.staff, None, Some(false), StaffId(o.staff.0), T0)
        .await
        .unwrap();
    assert!(
        s.session("tok-b", T0 + 1).await.unwrap().is_none(),
        "deactivated staff have no session"
    );
    assert!(s.staff_by_username("a-mgr").await.unwrap().is_some());
}

pub async fn stock_search_matches_barcodes_and_ranks_initials_before_full_pinyin(s: Store) {
    let o = org(&s, "a").await;
    let mut milk = product_data("P1", "旺仔牛奶", 500, None);
    milk.gtins = vec!["06901234567892".into()];
    let milk = s.create_product(o.org, &milk, None, T0).await.unwrap();
    let orange = product(&s, &o, "P2", "赣南脐橙").await; // "gannan…" holds "nn" only in full pinyin
    stock(&s, &o, o.floor, milk, "L1", None, 2).await;
    stock(&s, &o, o.floor, orange, "L2", None, 2).await;
    let by_code = BalanceFilter {
        q: Some("6901234567892".into()),
        ..Default::default()
    };
    let found = s.balances(o.org, &by_code, page(10)).await.unwrap();
    assert_eq!(found.items.iter().map(|b| b.product_id).collect::<Vec<_>>(), vec![milk]);
    let f = ProductFilter {
        q: Some("nn".into()),
        ..Default::default()
    };
    let ranked = s.products(o.org, &f, page(10)).await.unwrap();
    assert_eq!(
        ranked.items.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![milk, orange],
        "initials match first"
    );
}

pub async fn concurrent_sales_at_the_same_instant_get_distinct_numbers(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L", None, 100).await;
    let s = Arc::new(s);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                let sale = NewSale {
                    store: o.store,
                    location: o.floor,
                    channel: "till",
                    member: None,
                    staff: None,
                    lines: vec![SaleLine {
                        product: milk,
                        qty: 1,
                        unit_price_fen: 500,
                        line_total_fen: 500,
                    }],
                    payments: vec![SalePayment {
                        method: "cash",
                        amount_fen: 500,
                        points: 0,
                    }],
                    at: T0,
                    details: Default::default(),
                };
                s.record_sale(o.org, &sale).await
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().expect("every sale lands").order());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 80);
    assert_eq!(s.sales_summary(o.org).await.unwrap().orders, 20);
}

fn one_unit(o: &Org, p: linli_domain::ids::ProductId) -> NewSale {
    NewSale {
        store: o.store,
        location: o.floor,
        channel: "till",
        member: None,
        staff: None,
        lines: vec![SaleLine {
            product: p,
            qty: 1,
            unit_price_fen: 500,
            line_total_fen: 500,
        }],
        payments: vec![SalePayment {
            method: "wechat",
            amount_fen: 500,
            points: 0,
        }],
        at: T0,
        details: Default::default(),
    }
}

pub async fn group_commit_batches_concurrent_sales_and_never_oversells(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", Some(T0 + 10 * HOUR), 100).await;
    stock(&s, &o, o.floor, milk, "L2", Some(T0 + 20 * HOUR), 50).await;
    let writer = s.sale_writer();
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let w = writer.clone();
            let sale = one_unit(&o, milk);
            tokio::spawn(async move { w.record(o.org, sale).await })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Stock(StockError::Insufficient { .. })) => refused += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!((ok, refused), (150, 50));
    assert_eq!(writer.sales(), 150);
    assert!(
        writer.commits() < 200,
        "sales were grouped: {} commits for 200 sales",
        writer.commits()
    );
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 0);
    assert_eq!(s.sales_summary(o.org).await.unwrap().orders, 150);
    assert!(s.ledger_mismatches(o.org).await.unwrap().is_empty());
}

pub async fn group_commit_refuses_a_bad_sale_alone(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let milk = product(&s, &a, "P1", "牛奶").await;
    stock(&s, &a, a.floor, milk, "L1", None, 10).await;
    let writer = s.sale_writer();
    let mut foreign = one_unit(&a, milk);
    foreign.location = b.floor;
    let (good1, bad, good2) = tokio::join!(
        writer.record(a.org, one_unit(&a, milk)),
        writer.record(a.org, foreign),
        writer.record(a.org, one_unit(&a, milk)),
    );
    assert!(good1.is_ok() && good2.is_ok());
    assert!(matches!(bad, Err(StoreError::NotFound)), "{bad:?}");
    assert_eq!(s.on_hand(a.org, milk, None).await.unwrap(), 8);
    assert_eq!(s.sales_summary(b.org).await.unwrap().orders, 0);
}

pub async fn concurrent_sales_of_the_same_products_in_opposite_orders_all_land(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let bread = product(&s, &o, "P2", "面包").await;
    stock(&s, &o, o.floor, milk, "L1", None, 1000).await;
    stock(&s, &o, o.floor, bread, "L2", None, 1000).await;
    let s = Arc::new(s);
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let s = s.clone();
            let (first, second) = if i % 2 == 0 { (milk, bread) } else { (bread, milk) };
            tokio::spawn(async move {
                let line = |p| SaleLine {
                    product: p,
                    qty: 1,
                    unit_price_fen: 500,
                    line_total_fen: 500,
                };
                let sale = NewSale {
                    store: o.store,
                    location: o.floor,
                    channel: "till",
                    member: None,
                    staff: None,
                    lines: vec![line(first), line(second)],
                    payments: vec![],
                    at: T0,
                    details: Default::default(),
                };
                s.record_sale(o.org, &sale).await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().expect("no deadlock refuses a sale");
    }
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 940);
    assert_eq!(s.on_hand(o.org, bread, None).await.unwrap(), 940);
}
