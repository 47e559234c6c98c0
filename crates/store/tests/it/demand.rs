//! Demand planning's rows: weather days, daily sales per Shanghai day, forecasts and
//! alerts replaced whole, stock positions, near-expiry lots, markdown ladders and the
//! markdowns accepted, each kept in its organisation.

use crate::fixtures::*;
use linli_domain::catalog::UnitKind;
use linli_domain::ids::{CategoryId, LocationId, LotId, OrgId, ProductId, PurchaseOrderId, StoreId, SupplierId};
use linli_domain::pricing::{PromotionId, PromotionRule};
use linli_domain::purchasing::{PoAction, PoStatus};
use linli_store::*;

on_both_backends!(demand:
    weather_days_come_back_in_order_are_replaced_and_stay_in_their_organisation,
    daily_sales_count_units_sold_less_returned_per_shanghai_day,
    forecasts_and_alerts_are_replaced_whole_and_kept_per_organisation,
    stock_positions_sum_the_stores_stock_and_open_purchase_orders,
    expiring_lots_list_the_stores_stocked_lots_soonest_first,
    markdown_ladders_keep_a_default_and_one_per_category,
    markdowns_are_newest_first_and_active_while_their_promotion_runs,
    stock_positions_count_only_sellable_stock,
);

const DAY: i64 = 86_400_000;

/// The Shanghai day of T0 (T0 is 00:00 in Shanghai, 16:00 UTC the day before).
fn day0() -> i64 {
    (T0 + 8 * HOUR) / DAY
}

async fn second_store(s: &Store, o: &Org, code: &str) -> (StoreId, LocationId) {
    let store = s.create_store(o.org, code, "第二家店", "", None, T0).await.unwrap();
    let loc = s
        .create_location(
            o.org,
            store,
            &NewLocation {
                code: &format!("{code}-F"),
                name_zh: "门店",
                name_en: "Floor",
                kind: LocationKind::SalesFloor,
                lat_e6: None,
                lon_e6: None,
            },
        )
        .await
        .unwrap();
    (store, loc)
}

async fn supplier(s: &Store, o: &Org, code: &str) -> SupplierId {
    s.create_supplier(
        o.org,
        &NewSupplier {
            code,
            name_zh: "供应商",
            kind: "factory",
            contact_phone: "",
            lead_time_hours: 5,
            order_cutoff_min: 600,
            delivery_time_min: 900,
        },
        T0,
    )
    .await
    .unwrap()
}

/// A cash sale at a location of `(product, qty)` lines at 5.00 each.
fn sale_at(o: &Org, location: LocationId, lines: &[(ProductId, i64)], at: i64) -> NewSale {
    NewSale {
        store: o.store,
        location,
        channel: "till",
        member: None,
        staff: Some(o.staff),
        lines: lines
            .iter()
            .map(|&(product, qty)| SaleLine {
                product,
                qty,
                unit_price_fen: 500,
                line_total_fen: 500 * qty,
            })
            .collect(),
        payments: vec![SalePayment {
            method: "cash",
            amount_fen: lines.iter().map(|l| 500 * l.1).sum(),
            points: 0,
        }],
        at,
        details: SaleDetails::default(),
    }
}

fn weather_day(day: i64, temp_max_dc: i64, rain_dmm: i64, condition: &str, kind: &str) -> WeatherDay {
    WeatherDay {
        day,
        temp_max_dc,
        temp_min_dc: temp_max_dc - 80,
        rain_dmm,
        condition_zh: condition.into(),
        kind: kind.into(),
    }
}

pub async fn weather_days_come_back_in_order_are_replaced_and_stay_in_their_organisation(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let (a2, _) = second_store(&s, &a, "S2").await;
    let d = day0();
    let days = [
        weather_day(d + 2, 310, 0, "晴", "forecast"),
        weather_day(d, 250, 120, "小雨", "observed"),
        weather_day(d + 1, 280, 0, "多云", "forecast"),
    ];
    assert_eq!(s.upsert_weather(a.org, a.store, &days, T0).await.unwrap(), 3);
    assert_eq!(
        s.weather(a.org, a.store, d - 10, d + 10).await.unwrap(),
        vec![days[1].clone(), days[2].clone(), days[0].clone()],
        "oldest first"
    );
    assert_eq!(
        s.weather(a.org, a.store, d + 1, d + 2).await.unwrap(),
        vec![days[2].clone()],
        "[from, until)"
    );
    assert!(
        s.weather(a.org, a2, d - 10, d + 10).await.unwrap().is_empty(),
        "kept per store"
    );

    // Writing a day again replaces it, values and kind.
    let observed = weather_day(d + 1, 265, 35, "阵雨", "observed");
    s.upsert_weather(a.org, a.store, std::slice::from_ref(&observed), T0 + DAY)
        .await
        .unwrap();
    assert_eq!(
        s.weather(a.org, a.store, d - 10, d + 10).await.unwrap(),
        vec![days[1].clone(), observed.clone(), days[0].clone()]
    );

    // Another organisation's store: nothing is written, for either organisation.
    let written = s
        .upsert_weather(a.org, b.store, &[weather_day(d, 100, 0, "晴", "observed")], T0)
        .await
        .unwrap();
    assert_eq!(written, 0, "nothing written is reported as nothing");
    assert!(s.weather(a.org, b.store, d - 10, d + 10).await.unwrap().is_empty());
    assert!(s.weather(b.org, b.store, d - 10, d + 10).await.unwrap().is_empty());

    // b's own weather stays b's; neither reads the other's.
    let theirs = weather_day(d, 50, 0, "阴", "observed");
    assert_eq!(
        s.upsert_weather(b.org, b.store, std::slice::from_ref(&theirs), T0)
            .await
            .unwrap(),
        1
    );
    assert_eq!(s.weather(b.org, b.store, d - 10, d + 10).await.unwrap(), vec![theirs]);
    assert!(s.weather(b.org, a.store, d - 10, d + 10).await.unwrap().is_empty());
    assert!(s.weather(a.org, b.store, d - 10, d + 10).await.unwrap().is_empty());
    assert_eq!(s.weather(a.org, a.store, d - 10, d + 10).await.unwrap().len(), 3);
}

pub async fn daily_sales_count_units_sold_less_returned_per_shanghai_day(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let milk = product(&s, &a, "P1", "牛奶").await;
    let bread = product(&s, &a, "P2", "面包").await;
    let theirs = product(&s, &b, "P1", "酸奶").await;
    // Receipts at T0 are in the ledger too, and are not sales.
    stock(&s, &a, a.floor, milk, "L1", None, 50).await;
    stock(&s, &a, a.backroom, milk, "L1", None, 10).await;
    stock(&s, &a, a.floor, bread, "B1", None, 10).await;
    stock(&s, &b, b.floor, theirs, "L1", None, 10).await;
    let d = day0();

    // 15:59:59 UTC is still the day before in Shanghai; 16:00:01 UTC the next day.
    let o1 = s
        .record_sale(a.org, &sale_at(&a, a.floor, &[(milk, 2)], T0 - 1_000))
        .await
        .unwrap()
        .order();
    let o2 = s
        .record_sale(a.org, &sale_at(&a, a.floor, &[(milk, 3), (bread, 2)], T0 + 1_000))
        .await
        .unwrap()
        .order();
    s.record_sale(a.org, &sale_at(&a, a.backroom, &[(milk, 1)], T0 + 2 * HOUR))
        .await
        .unwrap();
    s.record_sale(a.org, &sale_at(&a, a.floor, &[(milk, 4)], T0 + 5 * HOUR))
        .await
        .unwrap();
    // Returns count on the day they come back: one bread of today's sale, one milk of
    // yesterday's.
    s.refund_sale(
        a.org,
        o2,
        &[RefundLineRequest { line_no: 2, qty: 1 }],
        None,
        None,
        "",
        T0 + 3 * HOUR,
    )
    .await
    .unwrap();
    s.refund_sale(
        a.org,
        o1,
        &[RefundLineRequest { line_no: 1, qty: 1 }],
        None,
        None,
        "",
        T0 + 6 * HOUR,
    )
    .await
    .unwrap();
    // Exactly at the end of the window: left out of [since, until).
    s.record_sale(a.org, &sale_at(&a, a.floor, &[(milk, 5)], T0 + DAY))
        .await
        .unwrap();
    s.record_sale(b.org, &sale_at(&b, b.floor, &[(theirs, 1)], T0 + 1_000))
        .await
        .unwrap();

    let row = |location, product, day, qty| DailySales {
        location,
        product,
        day,
        qty,
    };
    assert_eq!(
        s.daily_sales(a.org, T0 - HOUR, T0 + DAY).await.unwrap(),
        vec![
            row(a.floor, milk, d - 1, 2),
            row(a.floor, milk, d, 3 + 4 - 1),
            row(a.floor, bread, d, 2 - 1),
            row(a.backroom, milk, d, 1),
        ]
    );
    assert_eq!(
        s.daily_sales(a.org, T0, T0 + DAY + 1).await.unwrap(),
        vec![
            row(a.floor, milk, d, 3 + 4 - 1),
            row(a.floor, milk, d + 1, 5),
            row(a.floor, bread, d, 2 - 1),
            row(a.backroom, milk, d, 1),
        ],
        "since is inclusive, the sale before it is left out"
    );
    assert_eq!(
        s.daily_sales(a.org, T0 + 3 * HOUR, T0 + 3 * HOUR + 1).await.unwrap(),
        vec![row(a.floor, bread, d, -1)],
        "a return alone counts against the day"
    );
    assert_eq!(
        s.daily_sales(b.org, T0 - DAY, T0 + 2 * DAY).await.unwrap(),
        vec![row(b.floor, theirs, d, 1)]
    );
    // One product's: the same rows, that product only; another organisation's product
    // has none here.
    assert_eq!(
        s.product_daily_sales(a.org, milk, T0 - HOUR, T0 + DAY).await.unwrap(),
        vec![
            row(a.floor, milk, d - 1, 2),
            row(a.floor, milk, d, 3 + 4 - 1),
            row(a.backroom, milk, d, 1),
        ]
    );
    assert!(
        s.product_daily_sales(a.org, theirs, T0 - DAY, T0 + 2 * DAY)
            .await
            .unwrap()
            .is_empty()
    );
}

fn forecast(location: LocationId, product: ProductId, day: i64, milli: i64, backtest: bool) -> DemandForecast {
    DemandForecast {
        location,
        product,
        day,
        forecast_milli: milli,
        lo80_milli: milli / 2,
        hi80_milli: milli * 2,
        baseline_milli: milli - 100,
        backtest,
    }
}

fn alert(store: StoreId, day: i64, category: CategoryId, cause: &str, change_bp: i64) -> DemandAlert {
    DemandAlert {
        store,
        day,
        category,
        cause: cause.into(),
        expected_milli: 12_000,
        baseline_milli: 10_000,
        change_bp,
    }
}

pub async fn forecasts_and_alerts_are_replaced_whole_and_kept_per_organisation(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let (a2, a2_floor) = second_store(&s, &a, "S2").await;
    let bakery = s
        .create_category(a.org, None, "bakery", "面包", "Bakery", 24)
        .await
        .unwrap();
    let milk = product(&s, &a, "P1", "牛奶").await;
    let bread = product(&s, &a, "P2", "面包").await;
    let theirs = product(&s, &b, "P1", "酸奶").await;
    let d = day0();

    let old = forecast(a.floor, milk, d - 1, 4_000, false);
    let milk_today = forecast(a.floor, milk, d, 5_000, false);
    let milk_tomorrow = forecast(a.backroom, milk, d + 1, 6_000, false);
    let bread_backtest = forecast(a.floor, bread, d, 2_000, true);
    let bread_tomorrow = forecast(a.floor, bread, d + 1, 2_500, false);
    let milk_elsewhere = forecast(a2_floor, milk, d, 7_000, false);
    let written = s
        .replace_demand(
            a.org,
            &[
                old,
                milk_today,
                milk_tomorrow,
                bread_backtest,
                bread_tomorrow,
                milk_elsewhere,
                forecast(b.floor, milk, d, 1_000, false),
                forecast(a.floor, theirs, d, 1_000, false),
            ],
            &[
                alert(a.store, d, a.dairy, "rain", 1_500),
                alert(a.store, d, bakery, "heat", 3_000),
                alert(a.store, d + 1, a.dairy, "holiday", 500),
                alert(b.store, d, a.dairy, "rain", 9_000),
                alert(a.store, d, b.dairy, "rain", 9_000),
            ],
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        written, 6,
        "rows naming another organisation's location or product are not written"
    );

    assert_eq!(
        s.demand_forecasts(a.org, milk, None).await.unwrap(),
        vec![old, milk_today, milk_elsewhere, milk_tomorrow],
        "by day, then location"
    );
    assert_eq!(
        s.demand_forecasts(a.org, milk, Some(a.backroom)).await.unwrap(),
        vec![milk_tomorrow]
    );
    assert_eq!(
        s.demand_forecasts(a.org, milk, Some(a2_floor)).await.unwrap(),
        vec![milk_elsewhere]
    );
    assert_eq!(
        s.demand_forecasts(a.org, bread, None).await.unwrap(),
        vec![bread_backtest, bread_tomorrow]
    );
    assert!(s.demand_forecasts(a.org, theirs, None).await.unwrap().is_empty());
    assert!(s.demand_forecasts(b.org, milk, None).await.unwrap().is_empty());

    // The outlook: not the backtest, from the day on, at that store's locations only.
    assert_eq!(
        s.store_outlook(a.org, a.store, d).await.unwrap(),
        vec![milk_today, milk_tomorrow, bread_tomorrow]
    );
    assert_eq!(
        s.store_outlook(a.org, a.store, d + 1).await.unwrap(),
        vec![milk_tomorrow, bread_tomorrow]
    );
    assert_eq!(s.store_outlook(a.org, a2, d).await.unwrap(), vec![milk_elsewhere]);
    assert!(s.store_outlook(a.org, b.store, d - 1).await.unwrap().is_empty());
    assert!(s.store_outlook(b.org, a.store, d - 1).await.unwrap().is_empty());

    // Alerts: soonest, then largest change first; another store's or category's are not written.
    let alerts = s.demand_alerts(a.org, d).await.unwrap();
    assert_eq!(
        alerts.iter().map(|r| r.alert.clone()).collect::<Vec<_>>(),
        vec![
            alert(a.store, d, bakery, "heat", 3_000),
            alert(a.store, d, a.dairy, "rain", 1_500),
            alert(a.store, d + 1, a.dairy, "holiday", 500),
        ]
    );
    assert_eq!(
        (alerts[0].category_zh.as_str(), alerts[0].category_en.as_str()),
        ("面包", "Bakery")
    );
    assert_eq!(
        (alerts[1].category_zh.as_str(), alerts[1].category_en.as_str()),
        ("乳制品", "Dairy")
    );
    assert_eq!(
        s.demand_alerts(a.org, d + 1)
            .await
            .unwrap()
            .iter()
            .map(|r| r.alert.clone())
            .collect::<Vec<_>>(),
        vec![alert(a.store, d + 1, a.dairy, "holiday", 500)]
    );
    assert!(s.demand_alerts(b.org, d - 10).await.unwrap().is_empty());

    // b's own rows, then a's second run: a's are replaced whole (more rows than one
    // insert carries), b's are left alone.
    let b_row = forecast(b.floor, theirs, d, 3_000, false);
    assert_eq!(
        s.replace_demand(b.org, &[b_row], &[alert(b.store, d, b.dairy, "cold", 700)], T0)
            .await
            .unwrap(),
        1
    );
    let mut second = Vec::new();
    for day in d..d + 30 {
        for loc in [a.floor, a.backroom] {
            for p in [milk, bread] {
                second.push(forecast(loc, p, day, 1_000 + day - d, false));
            }
        }
    }
    assert_eq!(
        s.replace_demand(
            a.org,
            &second,
            &[alert(a.store, d + 2, bakery, "cold", -2_000)],
            T0 + DAY
        )
        .await
        .unwrap(),
        120
    );
    let milk_rows = s.demand_forecasts(a.org, milk, None).await.unwrap();
    assert_eq!(milk_rows.len(), 60, "replaced, not appended");
    assert!(!milk_rows.contains(&old) && !milk_rows.contains(&milk_elsewhere));
    assert_eq!(
        milk_rows[..2],
        [
            forecast(a.floor, milk, d, 1_000, false),
            forecast(a.backroom, milk, d, 1_000, false)
        ]
    );
    assert!(s.store_outlook(a.org, a2, d - 1).await.unwrap().is_empty());
    assert_eq!(s.store_outlook(a.org, a.store, d).await.unwrap().len(), 120);
    assert_eq!(
        s.demand_alerts(a.org, d - 10)
            .await
            .unwrap()
            .iter()
            .map(|r| r.alert.clone())
            .collect::<Vec<_>>(),
        vec![alert(a.store, d + 2, bakery, "cold", -2_000)]
    );
    assert_eq!(s.demand_forecasts(b.org, theirs, None).await.unwrap(), vec![b_row]);
    assert_eq!(s.demand_alerts(b.org, d - 10).await.unwrap().len(), 1);

    // An empty run clears the organisation's rows.
    assert_eq!(s.replace_demand(a.org, &[], &[], T0 + 2 * DAY).await.unwrap(), 0);
    assert!(s.demand_forecasts(a.org, milk, None).await.unwrap().is_empty());
    assert!(s.demand_alerts(a.org, d - 10).await.unwrap().is_empty());
    assert_eq!(s.demand_forecasts(b.org, theirs, None).await.unwrap(), vec![b_row]);
}

async fn po(s: &Store, o: &Org, store: StoreId, sup: SupplierId, lines: &[(ProductId, i64)]) -> PurchaseOrderId {
    let lines: Vec<NewPoLine> = lines
        .iter()
        .map(|&(product, qty)| NewPoLine {
            product,
            qty,
            unit_cost_fen: 300,
        })
        .collect();
    s.create_po(o.org, store, sup, "PO-20251125", &lines, "", Some(o.staff), T0)
        .await
        .unwrap()
}

async fn act(s: &Store, o: &Org, po: PurchaseOrderId, action: PoAction) -> PoStatus {
    s.po_action(o.org, po, action, None, o.staff, T0)
        .await
        .unwrap()
        .unwrap()
}

async fn receive_po(
    s: &Store,
    o: &Org,
    po: PurchaseOrderId,
    product: ProductId,
    lot: &str,
    qty: i64,
    at: i64,
) -> PoStatus {
    s.receive(
        o.org,
        o.backroom,
        Some(po),
        None,
        &[ReceiveLine {
            product,
            lot_code: lot.into(),
            expires_at: None,
            qty,
            unit_cost_fen: None,
        }],
        "",
        Some(o.staff),
        at,
    )
    .await
    .unwrap()
    .unwrap()
    .po_status
    .unwrap()
}

pub async fn stock_positions_sum_the_stores_stock_and_open_purchase_orders(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let (a2, a2_floor) = second_store(&s, &a, "S2").await;
    let gm = supplier(&s, &a, "GM").await;
    let yl = supplier(&s, &a, "YL").await;
    let milk = product(&s, &a, "P1", "牛奶").await;
    let bread = product(&s, &a, "P2", "面包").await;
    let eggs = product(&s, &a, "P3", "鸡蛋").await;
    let mut retired = product_data("P4", "旧货", 100, None);
    retired.active = false;
    let retired = s.create_product(a.org, &retired, None, T0).await.unwrap();
    let mut rice = product_data("P5", "散装大米", 800, None);
    rice.unit_kind = UnitKind::Weight;
    let rice = s.create_product(a.org, &rice, None, T0).await.unwrap();
    let theirs = product(&s, &b, "P1", "酸奶").await;

    stock(&s, &a, a.floor, milk, "L0", None, 5).await;
    stock(&s, &a, a.backroom, milk, "L0", None, 7).await;
    stock(&s, &a, a2_floor, milk, "L0", None, 100).await;
    stock(&s, &a, a.floor, retired, "R0", None, 3).await;
    stock(&s, &b, b.floor, theirs, "L0", None, 9).await;

    // Open: a draft, a sent one, a partly received one (what is left of its line).
    let draft = po(&s, &a, a.store, gm, &[(milk, 10)]).await;
    let sent = po(&s, &a, a.store, gm, &[(milk, 4), (bread, 6)]).await;
    assert_eq!(act(&s, &a, sent, PoAction::Send).await, PoStatus::Sent);
    let partly = po(&s, &a, a.store, gm, &[(milk, 8)]).await;
    act(&s, &a, partly, PoAction::Send).await;
    assert_eq!(
        receive_po(&s, &a, partly, milk, "M1", 3, T0 + HOUR).await,
        PoStatus::PartlyReceived
    );
    // Not open: received, closed with a remainder, cancelled; and another store's.
    let received = po(&s, &a, a.store, yl, &[(bread, 5)]).await;
    act(&s, &a, received, PoAction::Send).await;
    assert_eq!(
        receive_po(&s, &a, received, bread, "B1", 5, T0 + HOUR).await,
        PoStatus::Received
    );
    let closed = po(&s, &a, a.store, yl, &[(milk, 10)]).await;
    act(&s, &a, closed, PoAction::Send).await;
    receive_po(&s, &a, closed, milk, "M2", 2, T0 + 2 * HOUR).await;
    assert_eq!(act(&s, &a, closed, PoAction::Close).await, PoStatus::Closed);
    let cancelled = po(&s, &a, a.store, gm, &[(milk, 9), (eggs, 9)]).await;
    act(&s, &a, cancelled, PoAction::Send).await;
    assert_eq!(act(&s, &a, cancelled, PoAction::Cancel).await, PoStatus::Cancelled);
    po(&s, &a, a2, gm, &[(milk, 50), (eggs, 50)]).await;
    assert_eq!(s.po(a.org, draft).await.unwrap().status, PoStatus::Draft);

    // Received without a PO: GM's lot at 03:00, then YL's lot booked later but received
    // at 00:30. The latest received lot of milk is GM's.
    for (sup, lot, at) in [(gm, "M3", T0 + 3 * HOUR), (yl, "M4", T0 + HOUR / 2)] {
        s.receive(
            a.org,
            a.floor,
            None,
            Some(sup),
            &[ReceiveLine {
                product: milk,
                lot_code: lot.into(),
                expires_at: None,
                qty: 1,
                unit_cost_fen: Some(300),
            }],
            "",
            None,
            at,
        )
        .await
        .unwrap()
        .unwrap();
    }

    let positions = s.stock_positions(a.org, a.store, T0).await.unwrap();
    let got: Vec<_> = positions
        .iter()
        .map(|p| (p.product, p.on_hand, p.on_order, p.supplier))
        .collect();
    assert_eq!(
        got,
        vec![
            // 5 + 7 at first, 3 and 2 received into the backroom, 1 + 1 on the floor.
            (milk, 5 + 7 + 3 + 2 + 1 + 1, 10 + 4 + (8 - 3), Some(gm)),
            (bread, 5, 6, Some(yl)),
            (eggs, 0, 0, None),
            (rice, 0, 0, None),
        ],
        "active products only"
    );
    let milk_row = &positions[0];
    assert_eq!(
        (
            milk_row.sku.as_str(),
            milk_row.name_zh.as_str(),
            milk_row.category,
            milk_row.weighed,
            milk_row.price_fen,
            milk_row.cost_fen
        ),
        ("P1", "牛奶", Some(a.dairy), false, 500, 350)
    );
    assert!(positions[3].weighed && positions[3].category.is_none());

    // The second store: its own stock and orders.
    let there: Vec<_> = s
        .stock_positions(a.org, a2, T0)
        .await
        .unwrap()
        .iter()
        .map(|p| (p.product, p.on_hand, p.on_order))
        .collect();
    assert_eq!(there, vec![(milk, 100, 50), (bread, 0, 0), (eggs, 0, 50), (rice, 0, 0)]);
    // Another organisation's.
    let theirs_rows = s.stock_positions(b.org, b.store, T0).await.unwrap();
    assert_eq!(
        theirs_rows
            .iter()
            .map(|p| (p.product, p.on_hand, p.on_order, p.supplier))
            .collect::<Vec<_>>(),
        vec![(theirs, 9, 0, None)]
    );
    assert!(
        s.stock_positions(a.org, b.store, T0)
            .await
            .unwrap()
            .iter()
            .all(|p| p.on_hand == 0 && p.on_order == 0)
    );
}

pub async fn expiring_lots_list_the_stores_stocked_lots_soonest_first(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let (a2, a2_floor) = second_store(&s, &a, "S2").await;
    let milk = product(&s, &a, "P1", "牛奶").await;
    let bread = product(&s, &a, "P2", "面包").await;
    let theirs = product(&s, &b, "P1", "酸奶").await;

    // L1 on both of the store's locations, and at the second store.
    stock(&s, &a, a.floor, milk, "L1", Some(T0 + 24 * HOUR), 3).await;
    stock(&s, &a, a.backroom, milk, "L1", Some(T0 + 24 * HOUR), 4).await;
    stock(&s, &a, a2_floor, milk, "L1", Some(T0 + 24 * HOUR), 100).await;
    stock(&s, &a, a.floor, milk, "L2", Some(T0 + 12 * HOUR), 2).await;
    // After the cut-off; no expiry; only at the second store.
    stock(&s, &a, a.floor, milk, "L3", Some(T0 + 48 * HOUR), 5).await;
    stock(&s, &a, a.floor, milk, "L4", None, 5).await;
    stock(&s, &a, a2_floor, milk, "L5", Some(T0 + 10 * HOUR), 6).await;
    // Sold out: a balance of zero.
    stock(&s, &a, a.floor, bread, "B1", Some(T0 + 6 * HOUR), 2).await;
    s.record_sale(a.org, &sale_at(&a, a.floor, &[(bread, 2)], T0 + HOUR))
        .await
        .unwrap();
    assert_eq!(s.on_hand(a.org, bread, None).await.unwrap(), 0);
    stock(&s, &b, b.floor, theirs, "L1", Some(T0 + 6 * HOUR), 4).await;

    let lot_id = |lots: &[LotRow], code: &str| -> LotId { lots.iter().find(|l| l.lot_code == code).unwrap().id };
    let milk_lots = s.lots_of(a.org, milk).await.unwrap();
    let (l1, l2, l5) = (
        lot_id(&milk_lots, "L1"),
        lot_id(&milk_lots, "L2"),
        lot_id(&milk_lots, "L5"),
    );
    let lot = |id, code: &str, product, expires_at, qty| ExpiringLot {
        lot: id,
        lot_code: code.into(),
        product,
        expires_at,
        qty,
    };

    assert_eq!(
        s.expiring_lots(a.org, a.store, T0 + 36 * HOUR).await.unwrap(),
        vec![
            lot(l2, "L2", milk, T0 + 12 * HOUR, 2),
            lot(l1, "L1", milk, T0 + 24 * HOUR, 3 + 4),
        ]
    );
    assert_eq!(
        s.expiring_lots(a.org, a.store, T0 + 24 * HOUR - 1).await.unwrap(),
        vec![lot(l2, "L2", milk, T0 + 12 * HOUR, 2)],
        "expiring at or before the cut-off, not after it"
    );
    assert_eq!(
        s.expiring_lots(a.org, a.store, T0 + 24 * HOUR).await.unwrap().len(),
        2,
        "a lot expiring at the cut-off is in"
    );
    assert_eq!(
        s.expiring_lots(a.org, a2, T0 + 36 * HOUR).await.unwrap(),
        vec![
            lot(l5, "L5", milk, T0 + 10 * HOUR, 6),
            lot(l1, "L1", milk, T0 + 24 * HOUR, 100),
        ]
    );
    let theirs_lot = s.lots_of(b.org, theirs).await.unwrap()[0].id;
    assert_eq!(
        s.expiring_lots(b.org, b.store, T0 + 36 * HOUR).await.unwrap(),
        vec![lot(theirs_lot, "L1", theirs, T0 + 6 * HOUR, 4)]
    );
    assert!(
        s.expiring_lots(a.org, b.store, T0 + 36 * HOUR)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.expiring_lots(b.org, a.store, T0 + 36 * HOUR)
            .await
            .unwrap()
            .is_empty()
    );
}

fn ladder(category: Option<CategoryId>, steps: &str, floor_cost_bp: i64) -> MarkdownLadderRow {
    MarkdownLadderRow {
        category,
        steps: steps.into(),
        floor_cost_bp,
        slow_cover_days: 30,
        slow_off_bp: 1_500,
    }
}

pub async fn markdown_ladders_keep_a_default_and_one_per_category(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let bakery = s
        .create_category(a.org, None, "bakery", "面包", "Bakery", 24)
        .await
        .unwrap();
    assert!(s.markdown_ladders(a.org).await.unwrap().is_empty());

    let bread_ladder = ladder(Some(bakery), "1:50", 5_000);
    let default = ladder(None, "3:20,1:50", 8_000);
    let dairy = ladder(Some(a.dairy), "2:30", 9_000);
    for l in [&bread_ladder, &default, &dairy] {
        s.set_markdown_ladder(a.org, l, T0).await.unwrap();
    }
    assert_eq!(
        s.markdown_ladders(a.org).await.unwrap(),
        vec![default.clone(), dairy.clone(), bread_ladder.clone()],
        "the default first"
    );

    // Upserts replace.
    let mut default2 = ladder(None, "5:10,2:30,1:60", 7_000);
    default2.slow_cover_days = 21;
    default2.slow_off_bp = 2_000;
    let dairy2 = ladder(Some(a.dairy), "1:40", 10_000);
    s.set_markdown_ladder(a.org, &default2, T0 + HOUR).await.unwrap();
    s.set_markdown_ladder(a.org, &dairy2, T0 + HOUR).await.unwrap();
    assert_eq!(
        s.markdown_ladders(a.org).await.unwrap(),
        vec![default2.clone(), dairy2.clone(), bread_ladder.clone()]
    );

    // Another organisation's category is not found, and nothing is written.
    let err = s
        .set_markdown_ladder(a.org, &ladder(Some(b.dairy), "1:90", 0), T0)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert_eq!(s.markdown_ladders(a.org).await.unwrap().len(), 3);
    assert!(s.markdown_ladders(b.org).await.unwrap().is_empty());

    // b's default is b's own.
    let theirs = ladder(None, "2:25", 6_000);
    s.set_markdown_ladder(b.org, &theirs, T0).await.unwrap();
    assert_eq!(s.markdown_ladders(b.org).await.unwrap(), vec![theirs]);
    assert_eq!(
        s.markdown_ladders(a.org).await.unwrap(),
        vec![default2, dairy2, bread_ladder]
    );
}

async fn flash_sale(s: &Store, o: OrgId, product: ProductId, name: &str, ends_at: i64) -> PromotionId {
    s.create_promotion(
        o,
        &NewPromotion {
            name_zh: name,
            rule: PromotionRule::FlashSale {
                product,
                price_fen: 250,
                cap_per_order: 2,
            },
            starts_at: T0,
            ends_at,
            priority: 0,
            stackable: false,
            flash_cap: Some(10),
            note: "",
            created_by: None,
        },
        T0,
    )
    .await
    .unwrap()
}

pub async fn markdowns_are_newest_first_and_active_while_their_promotion_runs(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let milk = product(&s, &a, "P1", "牛奶").await;
    let eggs = product(&s, &a, "P2", "鸡蛋").await;
    stock(&s, &a, a.floor, milk, "L1", Some(T0 + 48 * HOUR), 10).await;
    let l1 = s.lots_of(a.org, milk).await.unwrap()[0].id;
    let milk_sale = flash_sale(&s, a.org, milk, "临期特价 牛奶", T0 + 48 * HOUR).await;
    let eggs_sale = flash_sale(&s, a.org, eggs, "清仓特价 鸡蛋", T0 + 7 * DAY).await;

    let expiry = s
        .record_markdown(
            a.org,
            &NewMarkdown {
                store: a.store,
                product: milk,
                lot: Some(l1),
                kind: "expiry",
                off_bp: 5_000,
                price_fen: 250,
                units: 10,
                method: "flash_sale",
                regular_price_fen: 500,
                promotion: Some(milk_sale.0),
                ends_at: T0 + 48 * HOUR,
                created_by: Some(a.staff.0),
            },
            T0,
        )
        .await
        .unwrap();
    let slow = s
        .record_markdown(
            a.org,
            &NewMarkdown {
                store: a.store,
                product: eggs,
                lot: None,
                kind: "slow",
                off_bp: 1_500,
                price_fen: 425,
                units: 4,
                method: "flash_sale",
                regular_price_fen: 500,
                promotion: Some(eggs_sale.0),
                ends_at: T0 + 7 * DAY,
                created_by: None,
            },
            T0 + HOUR,
        )
        .await
        .unwrap();
    assert_ne!(expiry, slow);
    // Another organisation's store, product or promotion, or a lot of another product:
    // not found, nothing recorded.
    let theirs = product(&s, &b, "P1", "牛奶").await;
    let their_sale = flash_sale(&s, b.org, theirs, "临期特价 牛奶", T0 + 48 * HOUR).await;
    for (store, product, lot, promotion) in [
        (b.store, milk, None, milk_sale.0),
        (a.store, theirs, None, milk_sale.0),
        (a.store, milk, None, their_sale.0),
        (a.store, eggs, Some(l1), eggs_sale.0),
    ] {
        let refused = s
            .record_markdown(
                a.org,
                &NewMarkdown {
                    store,
                    product,
                    lot,
                    kind: "expiry",
                    off_bp: 5_000,
                    price_fen: 250,
                    units: 1,
                    method: "flash_sale",
                    regular_price_fen: 500,
                    promotion: Some(promotion),
                    ends_at: T0 + HOUR,
                    created_by: None,
                },
                T0,
            )
            .await;
        assert!(matches!(refused, Err(linli_store::StoreError::NotFound)), "{refused:?}");
    }

    let rows = s.markdowns(a.org, a.store, T0 + 2 * HOUR, 10).await.unwrap();
    assert_eq!(
        rows,
        vec![
            MarkdownRow {
                id: slow,
                product: eggs,
                product_zh: "鸡蛋".into(),
                lot: None,
                kind: "slow".into(),
                off_bp: 1_500,
                price_fen: 425,
                units: 4,
                method: "flash_sale".into(),
                regular_price_fen: 500,
                promotion: Some(eggs_sale.0),
                ends_at: T0 + 7 * DAY,
                active: true,
                created_by: None,
                created_at: T0 + HOUR,
            },
            MarkdownRow {
                id: expiry,
                product: milk,
                product_zh: "牛奶".into(),
                lot: Some(l1),
                kind: "expiry".into(),
                off_bp: 5_000,
                price_fen: 250,
                units: 10,
                method: "flash_sale".into(),
                regular_price_fen: 500,
                promotion: Some(milk_sale.0),
                ends_at: T0 + 48 * HOUR,
                active: true,
                created_by: Some(a.staff.0),
                created_at: T0,
            },
        ],
        "newest first"
    );
    let active = |rows: Vec<MarkdownRow>| rows.iter().map(|r| (r.id, r.active)).collect::<Vec<_>>();
    assert_eq!(
        active(s.markdowns(a.org, a.store, T0 + 2 * HOUR, 1).await.unwrap()),
        vec![(slow, true)],
        "limited"
    );
    assert_eq!(
        active(s.markdowns(a.org, a.store, T0 - 1, 10).await.unwrap()),
        vec![(slow, false), (expiry, false)],
        "not yet running"
    );
    assert_eq!(
        active(s.markdowns(a.org, a.store, T0 + 48 * HOUR, 10).await.unwrap()),
        vec![(slow, true), (expiry, false)],
        "past its end"
    );

    // Ending the promotion ends the markdown.
    s.end_promotion(a.org, milk_sale, None, T0 + 3 * HOUR).await.unwrap();
    assert_eq!(
        active(s.markdowns(a.org, a.store, T0 + 4 * HOUR, 10).await.unwrap()),
        vec![(slow, true), (expiry, false)]
    );
    s.end_promotion(a.org, eggs_sale, None, T0 + 5 * HOUR).await.unwrap();
    assert_eq!(
        active(s.markdowns(a.org, a.store, T0 + 6 * HOUR, 10).await.unwrap()),
        vec![(slow, false), (expiry, false)]
    );

    assert!(s.markdowns(b.org, b.store, T0 + 2 * HOUR, 10).await.unwrap().is_empty());
    assert!(s.markdowns(b.org, a.store, T0 + 2 * HOUR, 10).await.unwrap().is_empty());
    assert!(s.markdowns(a.org, b.store, T0 + 2 * HOUR, 10).await.unwrap().is_empty());
    assert!(matches!(s.markdown(b.org, slow, T0).await, Err(StoreError::NotFound)));

    // A weighed good's markdown is its price: no promotion; active until its end or until
    // it is ended, once; then due for the sweeper to put the price back.
    let pork = product(&s, &a, "P3", "猪肉").await;
    let by_price = s
        .record_markdown(
            a.org,
            &NewMarkdown {
                store: a.store,
                product: pork,
                lot: None,
                kind: "expiry",
                off_bp: 2_000,
                price_fen: 2_400,
                units: 3_000,
                method: "price",
                regular_price_fen: 3_000,
                promotion: None,
                ends_at: T0 + 10 * HOUR,
                created_by: Some(a.staff.0),
            },
            T0,
        )
        .await
        .unwrap();
    let row = s.markdown(a.org, by_price, T0 + HOUR).await.unwrap();
    assert_eq!((row.active, row.promotion, row.method.as_str()), (true, None, "price"));
    assert!(!s.markdown(a.org, by_price, T0 + 10 * HOUR).await.unwrap().active);
    assert!(s.due_price_markdowns(T0 + 10 * HOUR - 1).await.unwrap().is_empty());
    assert_eq!(
        s.due_price_markdowns(T0 + 10 * HOUR).await.unwrap(),
        vec![(a.org, by_price)]
    );
    assert!(s.end_markdown(a.org, by_price, T0 + 2 * HOUR).await.unwrap());
    assert!(!s.end_markdown(a.org, by_price, T0 + 3 * HOUR).await.unwrap(), "once");
    assert!(
        !s.end_markdown(b.org, by_price, T0 + 3 * HOUR).await.unwrap(),
        "not theirs"
    );
    let ended = s.markdown(a.org, by_price, T0 + HOUR).await.unwrap();
    assert_eq!((ended.active, ended.ends_at), (false, T0 + 2 * HOUR), "ended early");
    assert!(s.due_price_markdowns(T0 + 11 * HOUR).await.unwrap().is_empty());
}

/// What replenishment counts as on hand: lots not expired at `now`; an expired lot still
/// on the books (write-off is by hand) does not keep the shelf "full".
pub async fn stock_positions_count_only_sellable_stock(s: Store) {
    let a = org(&s, "a").await;
    let milk = product(&s, &a, "P1", "牛奶").await;
    stock(&s, &a, a.floor, milk, "OLD", Some(T0 + HOUR), 30).await;
    stock(&s, &a, a.floor, milk, "NEW", Some(T0 + 72 * HOUR), 4).await;
    stock(&s, &a, a.backroom, milk, "UHT", None, 2).await;
    let on_hand = |now: i64| {
        let s = s.clone();
        async move {
            s.stock_positions(a.org, a.store, now)
                .await
                .unwrap()
                .into_iter()
                .find(|p| p.product == milk)
                .unwrap()
                .on_hand
        }
    };
    assert_eq!(on_hand(T0).await, 36);
    assert_eq!(on_hand(T0 + HOUR - 1).await, 36, "sellable until its expiry instant");
    assert_eq!(on_hand(T0 + HOUR).await, 6, "the expired lot is not stock to sell");
    assert_eq!(on_hand(T0 + 100 * HOUR).await, 2);
}
