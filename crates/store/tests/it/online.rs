//! Online orders on both backends: reservations keep the ledger and `qty_reserved`
//! exact, the till and the shop never oversell together, caps and imports hold under
//! concurrency, unpaid orders give their stock back.

use crate::fixtures::*;
use linli_domain::ids::{MemberId, OrderId, ProductId};
use linli_domain::orders::{
    Actor, Channel, DeliverySlot, Fulfilment, OrderEvent, OrderStatus, PICKUP_ATTEMPTS_MAX, UNPAID_TIMEOUT_MS,
    pickup_code_from,
};
use linli_domain::time;
use linli_store::*;
use std::sync::Arc;

on_both_backends!(online:
    reserve_release_and_consume_keep_balances_equal_to_the_ledger,
    reservation_takes_fefo_and_never_an_expired_lot,
    a_reserved_lot_that_expires_before_pickup_is_never_sold,
    concurrent_shop_orders_and_till_sales_never_oversell,
    unpaid_order_times_out_and_gives_its_stock_and_slot_back,
    presale_cap_holds_under_a_hundred_concurrent_buyers,
    platform_import_is_idempotent_under_concurrent_duplicates,
    wrong_pickup_codes_are_counted_and_lock_the_order,
    a_late_payment_is_owed_back_and_refunded_once,
    another_resident_or_org_cannot_see_or_touch_an_order,
    full_delivery_slot_refuses_the_next_order,
    sign_in_code_is_rate_limited_and_used_once,
);

const DAY: i64 = 24 * HOUR;

fn line(p: ProductId, qty: i64) -> OnlineLine {
    OnlineLine {
        product: p,
        qty,
        unit_price_fen: 500,
        line_total_fen: 500 * qty,
    }
}

fn pickup(o: &Org, member: Option<MemberId>, lines: Vec<OnlineLine>, code: u32) -> NewOnlineOrder {
    let total: i64 = lines.iter().map(|l| l.line_total_fen).sum();
    NewOnlineOrder {
        store: o.store,
        store_code: "S1".into(),
        location: o.floor,
        channel: Channel::Shop,
        fulfilment: Fulfilment::Pickup,
        member,
        staff: None,
        lines,
        subtotal_fen: total,
        discount_fen: 0,
        total_fen: total,
        pickup_code: Some(pickup_code_from(code)),
        delivery: None,
        slot_capacity: 20,
        external: None,
        coupon_issues: Vec::new(),
        discounts: Vec::new(),
        paid: false,
        note: String::new(),
        at: T0,
    }
}

async fn place(s: &Store, o: &Org, order: &NewOnlineOrder) -> OrderId {
    match s.place_online_order(o.org, order).await.unwrap() {
        Ok(Placed::New(id)) => id,
        other => panic!("expected a new order, got {other:?}"),
    }
}

fn staff(o: &Org) -> OrderActor {
    OrderActor {
        actor: Actor::Staff,
        staff: Some(o.staff),
        member: None,
    }
}

fn system() -> OrderActor {
    OrderActor {
        actor: Actor::System,
        staff: None,
        member: None,
    }
}

async fn add_member(s: &Store, o: &Org, phone: &str) -> MemberId {
    new_member(s, o, phone, "").await
}

async fn assert_books_agree(s: &Store, o: &Org) {
    assert_eq!(
        s.ledger_mismatches(o.org).await.unwrap(),
        vec![],
        "balances == fold of movements"
    );
    assert_eq!(
        s.dangling_references(o.org).await.unwrap(),
        vec![],
        "every sale row has its parents"
    );
    assert_eq!(
        s.reservation_mismatches(o.org).await.unwrap(),
        vec![],
        "qty_reserved == sum of open reservations"
    );
}

fn one_sale(o: &Org, p: ProductId) -> NewSale {
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
            method: "cash",
            amount_fen: 500,
            points: 0,
        }],
        at: T0,
        details: SaleDetails::default(),
    }
}

/// Pays (as a platform would: straight through the status machine), prepares and marks ready.
async fn make_ready(s: &Store, o: &Org, id: OrderId) {
    for event in [OrderEvent::Pay, OrderEvent::StartPreparing, OrderEvent::MarkReady] {
        s.change_order(o.org, id, event, staff(o), T0 + 1000).await.unwrap();
    }
}

pub async fn reserve_release_and_consume_keep_balances_equal_to_the_ledger(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let bread = product(&s, &o, "P2", "面包").await;
    stock(&s, &o, o.floor, milk, "M1", Some(T0 + 5 * DAY), 10).await;
    stock(&s, &o, o.floor, bread, "B1", None, 10).await;
    let kept = place(
        &s,
        &o,
        &pickup(&o, None, vec![line(milk, 3), line(bread, 2), line(milk, 1)], 42),
    )
    .await;
    let dropped = place(&s, &o, &pickup(&o, None, vec![line(milk, 2)], 7)).await;
    assert_eq!(s.reserved(o.org, milk, Some(o.floor)).await.unwrap(), 6);
    assert_eq!(
        s.on_hand(o.org, milk, None).await.unwrap(),
        10,
        "a reservation moves nothing"
    );
    assert_eq!(s.available(o.org, milk, o.floor, T0).await.unwrap(), 4);
    assert_books_agree(&s, &o).await;

    // A till sale may take only what is not reserved.
    let big = NewSale {
        lines: vec![SaleLine {
            product: milk,
            qty: 5,
            unit_price_fen: 500,
            line_total_fen: 2500,
        }],
        ..one_sale(&o, milk)
    };
    assert!(matches!(s.record_sale(o.org, &big).await, Err(StoreError::Stock(_))));
    s.record_sale(o.org, &one_sale(&o, milk)).await.unwrap();

    let changed = s
        .change_order(
            o.org,
            dropped,
            OrderEvent::Cancel { by: Actor::Staff },
            staff(&o),
            T0 + 10,
        )
        .await
        .unwrap();
    assert_eq!(
        (changed.from, changed.to, changed.refund_due),
        (OrderStatus::Created, OrderStatus::Cancelled, false)
    );
    assert_eq!(s.reserved(o.org, milk, None).await.unwrap(), 4);
    assert_books_agree(&s, &o).await;
    // Cancelling twice is refused and releases nothing twice.
    assert!(matches!(
        s.change_order(
            o.org,
            dropped,
            OrderEvent::Cancel { by: Actor::Staff },
            staff(&o),
            T0 + 20
        )
        .await,
        Err(StoreError::Refused {
            code: "order_state",
            ..
        })
    ));
    assert_eq!(s.reserved(o.org, milk, None).await.unwrap(), 4);

    make_ready(&s, &o, kept).await;
    assert_eq!(
        s.verify_pickup(o.org, kept, "000042", staff(&o), T0 + 2000)
            .await
            .unwrap(),
        PickupOutcome::Completed
    );
    assert_eq!(s.reserved(o.org, milk, None).await.unwrap(), 0);
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 10 - 1 - 4);
    assert_eq!(s.on_hand(o.org, bread, None).await.unwrap(), 8);
    assert_books_agree(&s, &o).await;
    let sales: Vec<_> = s
        .movements(o.org, Some(milk), None, page(50))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|m| m.ref_type == "order" && m.ref_id == Some(kept.0))
        .collect();
    assert_eq!(sales.iter().map(|m| m.qty_delta).sum::<i64>(), -4);
    assert!(sales.iter().all(|m| m.kind == linli_domain::stock::MovementKind::Sale));
    let done = s.online_order(o.org, kept, None).await.unwrap();
    assert_eq!(done.status, OrderStatus::Completed);
    assert!(done.completed_at.is_some());
    assert_eq!(
        done.events.iter().map(|e| e.to_status.as_str()).collect::<Vec<_>>(),
        ["created", "paid", "preparing", "ready", "completed"]
    );
    // A completed order cannot be cancelled (its stock is sold).
    assert!(
        s.change_order(
            o.org,
            kept,
            OrderEvent::Cancel { by: Actor::Staff },
            staff(&o),
            T0 + 3000
        )
        .await
        .is_err()
    );
    assert_books_agree(&s, &o).await;
}

pub async fn reservation_takes_fefo_and_never_an_expired_lot(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "OLD", Some(T0 - HOUR), 5).await;
    stock(&s, &o, o.floor, milk, "LATE", Some(T0 + 9 * DAY), 5).await;
    stock(&s, &o, o.floor, milk, "SOON", Some(T0 + 2 * DAY), 2).await;
    let id = place(&s, &o, &pickup(&o, None, vec![line(milk, 3)], 1)).await;
    make_ready(&s, &o, id).await;
    let picked = {
        // Preparing is over, so the pick list is empty; read the lots from the sale instead.
        s.verify_pickup(o.org, id, "000001", staff(&o), T0 + 2000)
            .await
            .unwrap();
        s.movements(o.org, Some(milk), None, page(50)).await.unwrap().items
    };
    let mut taken: Vec<(String, i64)> = picked
        .iter()
        .filter(|m| m.ref_type == "order" && m.ref_id == Some(id.0))
        .map(|m| (m.lot_code.clone(), m.qty_delta))
        .collect();
    taken.sort();
    assert_eq!(taken, [("LATE".to_string(), -1), ("SOON".to_string(), -2)]);
    // Only the 4 unexpired units left; the expired lot is never offered.
    assert_eq!(s.available(o.org, milk, o.floor, T0).await.unwrap(), 4);
    let refused = s
        .place_online_order(o.org, &pickup(&o, None, vec![line(milk, 5)], 2))
        .await
        .unwrap();
    match refused {
        Err(r) => assert_eq!((r.code, r.field.as_str()), ("insufficient_stock", "lines[0].qty")),
        ok => panic!("oversold from an expired lot: {ok:?}"),
    }
    assert_books_agree(&s, &o).await;
}

pub async fn concurrent_shop_orders_and_till_sales_never_oversell(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", Some(T0 + 3 * DAY), 12).await;
    stock(&s, &o, o.floor, milk, "L2", Some(T0 + 6 * DAY), 18).await;
    let s = Arc::new(s);
    let mut tasks = Vec::new();
    for i in 0..80u32 {
        let s = s.clone();
        let shop = pickup(&o, None, vec![line(milk, 1)], i);
        let till = one_sale(&o, milk);
        let org = o.org;
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                match s.place_online_order(org, &shop).await {
                    Ok(Ok(Placed::New(_))) => (1, 0, 0),
                    Ok(Err(r)) if r.code == "insufficient_stock" => (0, 0, 1),
                    other => panic!("unexpected online outcome {other:?}"),
                }
            } else {
                match s.record_sale(org, &till).await {
                    Ok(_) => (0, 1, 0),
                    Err(StoreError::Stock(_)) => (0, 0, 1),
                    Err(e) => panic!("unexpected till outcome {e:?}"),
                }
            }
        }));
    }
    let (mut online, mut till, mut refused) = (0, 0, 0);
    for t in tasks {
        let (a, b, c) = t.await.unwrap();
        online += a;
        till += b;
        refused += c;
    }
    assert_eq!(
        online + till,
        30,
        "exactly the 30 units are committed across both channels"
    );
    assert_eq!(refused, 50);
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 30 - till);
    assert_eq!(s.reserved(o.org, milk, None).await.unwrap(), online);
    assert_eq!(s.available(o.org, milk, o.floor, T0).await.unwrap(), 0);
    let page = s
        .online_orders(
            o.org,
            &OnlineOrderFilter::default(),
            PageRequest { offset: 0, limit: 200 },
        )
        .await
        .unwrap();
    assert_eq!(page.total, online, "refused orders left no row behind");
    assert_books_agree(&s, &o).await;
}

pub async fn unpaid_order_times_out_and_gives_its_stock_and_slot_back(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", None, 5).await;
    let building = s
        .create_building(
            o.org,
            o.store,
            &NewBuilding {
                code: "B1",
                name_zh: "1号楼",
                compound_zh: "",
                lat_e6: None,
                lon_e6: None,
                households: 10,
            },
        )
        .await
        .unwrap();
    let start = time::zoned(T0 + 10 * HOUR);
    let slot = DeliverySlot::new(start.date(), start.time()).unwrap();
    let mut order = pickup(&o, None, vec![line(milk, 4)], 3);
    order.fulfilment = Fulfilment::Delivery { slot };
    order.pickup_code = None;
    order.delivery = Some(DeliveryTo {
        building,
        unit: "2".into(),
        room: "301".into(),
    });
    let id = place(&s, &o, &order).await;
    let booked = |s: &Store| {
        let s = s.clone();
        async move {
            s.delivery_slots(o.org, o.store, slot.start_ms(), slot.start_ms() + 1)
                .await
                .unwrap()
                .first()
                .map_or(0, |r| r.booked)
        }
    };
    assert_eq!(booked(&s).await, 1);
    assert_eq!(s.unpaid_orders(o.org, T0 - 1, 10).await.unwrap(), vec![]);
    assert!(matches!(
        s.change_order(o.org, id, OrderEvent::Timeout, system(), T0 + UNPAID_TIMEOUT_MS - 1)
            .await,
        Err(StoreError::Refused {
            code: "not_expired",
            ..
        })
    ));
    assert_eq!(s.reserved(o.org, milk, None).await.unwrap(), 4);
    assert_eq!(s.unpaid_orders(o.org, T0, 10).await.unwrap(), vec![id]);
    assert_eq!(s.orgs_with_unpaid_orders(T0).await.unwrap(), vec![o.org]);
    let changed = s
        .change_order(o.org, id, OrderEvent::Timeout, system(), T0 + UNPAID_TIMEOUT_MS)
        .await
        .unwrap();
    assert_eq!(changed.to, OrderStatus::Cancelled);
    assert_eq!(s.reserved(o.org, milk, None).await.unwrap(), 0);
    assert_eq!(booked(&s).await, 0, "the slot is free again");
    assert_eq!(
        s.unpaid_orders(o.org, T0 + UNPAID_TIMEOUT_MS, 10).await.unwrap(),
        vec![]
    );
    let row = s.online_order(o.org, id, None).await.unwrap();
    assert_eq!(
        (row.status, row.delivery_room.as_str()),
        (OrderStatus::Cancelled, "301")
    );
    assert_eq!(row.events.last().map(|e| e.event.as_str()), Some("timeout"));
    assert_books_agree(&s, &o).await;
}

pub async fn presale_cap_holds_under_a_hundred_concurrent_buyers(s: Store) {
    let o = org(&s, "a").await;
    let crab = product(&s, &o, "P1", "大闸蟹").await;
    let ship_date = time::local_date(T0 + 3 * DAY);
    let rule = s
        .create_presale(
            o.org,
            &NewPresale {
                product: crab,
                ship_date: ship_date.to_string(),
                cap_total: 50,
                per_order_max: 2,
                order_by: T0 + DAY,
                staff: None,
                at: T0,
            },
        )
        .await
        .unwrap();
    assert_eq!((rule.sold, rule.cap_total), (0, 50));
    let s = Arc::new(s);
    let tasks: Vec<_> = (0..100u32)
        .map(|i| {
            let s = s.clone();
            let mut order = pickup(&o, None, vec![line(crab, 1)], i);
            order.channel = Channel::Presale;
            order.fulfilment = Fulfilment::Presale { ship_date };
            let org = o.org;
            tokio::spawn(async move { s.place_online_order(org, &order).await.unwrap() })
        })
        .collect();
    let (mut ok, mut sold_out) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(Placed::New(_)) => ok += 1,
            Err(r) if r.code == "presale_sold_out" => {
                assert_eq!(r.field, "lines[0].qty");
                sold_out += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((ok, sold_out), (50, 50));
    let rules = s.presales(o.org, None).await.unwrap();
    assert_eq!(rules[0].sold, 50);
    // No stock is held before the ship date; cancelling one gives its place back.
    assert_eq!(s.reserved(o.org, crab, None).await.unwrap(), 0);
    let first = s
        .online_orders(o.org, &OnlineOrderFilter::default(), page(1))
        .await
        .unwrap()
        .items[0]
        .id;
    s.change_order(o.org, first, OrderEvent::Cancel { by: Actor::Staff }, staff(&o), T0 + 1)
        .await
        .unwrap();
    assert_eq!(s.presales(o.org, None).await.unwrap()[0].sold, 49);
    // After the deadline nobody gets in, whatever is left.
    let mut late = pickup(&o, None, vec![line(crab, 1)], 1);
    late.channel = Channel::Presale;
    late.fulfilment = Fulfilment::Presale { ship_date };
    late.at = T0 + DAY;
    let refused = s.place_online_order(o.org, &late).await.unwrap().unwrap_err();
    assert_eq!(refused.code, "presale_closed");
    // Goods arrive; preparing on the ship date reserves the stock.
    stock(&s, &o, o.floor, crab, "C1", None, 60).await;
    let second = s
        .online_orders(o.org, &OnlineOrderFilter::default(), page(2))
        .await
        .unwrap()
        .items[1]
        .id;
    s.change_order(o.org, second, OrderEvent::Pay, staff(&o), T0 + 2)
        .await
        .unwrap();
    assert!(matches!(
        s.change_order(o.org, second, OrderEvent::StartPreparing, staff(&o), T0 + 2)
            .await,
        Err(StoreError::Refused {
            code: "before_ship_date",
            ..
        })
    ));
    let on_ship_day = T0 + 3 * DAY;
    s.change_order(o.org, second, OrderEvent::StartPreparing, staff(&o), on_ship_day)
        .await
        .unwrap();
    assert_eq!(s.reserved(o.org, crab, None).await.unwrap(), 1);
    let picks = s.pick_list(o.org, o.floor).await.unwrap();
    assert_eq!(picks.len(), 1);
    assert_eq!(
        (picks[0].order_id, picks[0].qty, picks[0].lot_code.as_str()),
        (second, 1, "C1")
    );
    assert_books_agree(&s, &o).await;
}

pub async fn platform_import_is_idempotent_under_concurrent_duplicates(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", None, 100).await;
    let import = |external_id: &str, qty: i64, hash: &str| {
        let mut order = pickup(&o, None, vec![line(milk, qty)], 0);
        order.channel = Channel::Platform;
        order.pickup_code = None;
        order.paid = true;
        order.external = Some(ExternalOrder {
            platform: "meituan".into(),
            external_id: external_id.into(),
            content_hash: hash.into(),
        });
        order
    };
    let s = Arc::new(s);
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let s = s.clone();
            let order = import("2700123456789", 2, "h1");
            let org = o.org;
            tokio::spawn(async move { s.place_online_order(org, &order).await.unwrap().unwrap() })
        })
        .collect();
    let mut new = Vec::new();
    let mut existing = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Placed::New(id) => new.push(id),
            Placed::Existing(id) => existing.push(id),
        }
    }
    assert_eq!(new.len(), 1, "imported exactly once");
    assert_eq!(existing.len(), 23);
    assert!(existing.iter().all(|id| *id == new[0]));
    assert_eq!(s.reserved(o.org, milk, None).await.unwrap(), 2, "reserved once");
    let row = s.online_order(o.org, new[0], None).await.unwrap();
    assert_eq!(
        (row.status, row.payment_status.as_str(), row.channel),
        (OrderStatus::Paid, "paid", Channel::Platform)
    );
    assert_eq!(row.external_id.as_deref(), Some("2700123456789"));
    // The same id with other content is a clash, and writes nothing.
    let clash = s
        .place_online_order(o.org, &import("2700123456789", 3, "h2"))
        .await
        .unwrap();
    assert_eq!(clash.unwrap_err().code, "external_id_reused");
    // Another platform's order may reuse the id.
    let mut other = import("2700123456789", 1, "h3");
    other.external.as_mut().unwrap().platform = "eleme".into();
    assert!(matches!(
        s.place_online_order(o.org, &other).await.unwrap(),
        Ok(Placed::New(_))
    ));
    assert_eq!(s.reserved(o.org, milk, None).await.unwrap(), 3);
    assert_books_agree(&s, &o).await;
}

pub async fn wrong_pickup_codes_are_counted_and_lock_the_order(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", None, 5).await;
    let id = place(&s, &o, &pickup(&o, None, vec![line(milk, 1)], 123_456)).await;
    // Not ready yet: a code is refused by the status machine, and not counted.
    assert!(matches!(
        s.verify_pickup(o.org, id, "123456", staff(&o), T0).await,
        Err(StoreError::Refused {
            code: "order_state",
            ..
        })
    ));
    make_ready(&s, &o, id).await;
    for n in 1..PICKUP_ATTEMPTS_MAX {
        assert_eq!(
            s.verify_pickup(o.org, id, "654321", staff(&o), T0 + 5).await.unwrap(),
            PickupOutcome::Wrong {
                attempts: n,
                locked: false
            }
        );
    }
    assert_eq!(
        s.verify_pickup(o.org, id, "000000", staff(&o), T0 + 5).await.unwrap(),
        PickupOutcome::Wrong {
            attempts: PICKUP_ATTEMPTS_MAX,
            locked: true
        }
    );
    // Locked: even the right code is refused now.
    assert!(matches!(
        s.verify_pickup(o.org, id, "123456", staff(&o), T0 + 6).await,
        Err(StoreError::Refused {
            code: "pickup_locked",
            ..
        })
    ));
    let row = s.online_order(o.org, id, None).await.unwrap();
    assert_eq!(
        (row.status, row.pickup_attempts),
        (OrderStatus::Ready, PICKUP_ATTEMPTS_MAX)
    );
    assert_eq!(s.reserved(o.org, milk, None).await.unwrap(), 1);
}

pub async fn a_late_payment_is_owed_back_and_refunded_once(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", None, 5).await;
    let m = add_member(&s, &o, "13800000001").await;
    let id = place(&s, &o, &pickup(&o, Some(m), vec![line(milk, 2)], 9)).await;
    let first = s
        .create_payment_intent(o.org, id, Some(m), "simulator", "sim_1", 1000, "qr1", T0)
        .await
        .unwrap();
    s.create_payment_intent(o.org, id, Some(m), "simulator", "sim_2", 1000, "qr2", T0)
        .await
        .unwrap();
    assert_eq!(first.status, "pending");
    assert_eq!(
        s.settle_payment_intent(o.org, "simulator", "sim_1", true, T0 + 1)
            .await
            .unwrap(),
        Settled::Paid(id)
    );
    assert_eq!(
        s.settle_payment_intent(o.org, "simulator", "sim_1", true, T0 + 2)
            .await
            .unwrap(),
        Settled::AlreadySettled(id),
        "a repeated notice changes nothing"
    );
    assert_eq!(
        s.settle_payment_intent(o.org, "simulator", "sim_2", true, T0 + 3)
            .await
            .unwrap(),
        Settled::RefundDue(id),
        "the second payment of a paid order is owed back"
    );
    let due = s.refunds_due(o.org, Some(id)).await.unwrap();
    assert_eq!(
        due.iter().map(|i| i.provider_ref.as_str()).collect::<Vec<_>>(),
        ["sim_2"]
    );
    assert!(s.finish_refund(o.org, due[0].id, T0 + 4).await.unwrap());
    assert!(!s.finish_refund(o.org, due[0].id, T0 + 5).await.unwrap(), "once only");
    let row = s.online_order(o.org, id, None).await.unwrap();
    assert_eq!((row.status, row.payment_status.as_str()), (OrderStatus::Paid, "paid"));
    // A new intent for a paid order is refused.
    assert!(matches!(
        s.create_payment_intent(o.org, id, Some(m), "simulator", "sim_3", 1000, "qr3", T0 + 6)
            .await,
        Err(StoreError::Refused {
            code: "order_state",
            ..
        })
    ));
    // The resident cancels before preparation: the paying intent is owed back.
    let resident = OrderActor {
        actor: Actor::Resident,
        staff: None,
        member: Some(m),
    };
    let changed = s
        .change_order(o.org, id, OrderEvent::Cancel { by: Actor::Resident }, resident, T0 + 7)
        .await
        .unwrap();
    assert!(changed.refund_due);
    let due = s.refunds_due(o.org, Some(id)).await.unwrap();
    assert_eq!(
        due.iter().map(|i| i.provider_ref.as_str()).collect::<Vec<_>>(),
        ["sim_1"]
    );
    assert!(s.finish_refund(o.org, due[0].id, T0 + 8).await.unwrap());
    let row = s.online_order(o.org, id, None).await.unwrap();
    assert_eq!(
        (row.status, row.payment_status.as_str()),
        (OrderStatus::Cancelled, "refunded")
    );
    assert_eq!(s.reserved(o.org, milk, None).await.unwrap(), 0);
    assert!(s.refunds_due(o.org, None).await.unwrap().is_empty());
}

pub async fn another_resident_or_org_cannot_see_or_touch_an_order(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let milk = product(&s, &a, "P1", "牛奶").await;
    stock(&s, &a, a.floor, milk, "L1", None, 5).await;
    let mine = add_member(&s, &a, "13800000001").await;
    let other = add_member(&s, &a, "13800000002").await;
    let id = place(&s, &a, &pickup(&a, Some(mine), vec![line(milk, 1)], 5)).await;
    assert!(s.online_order(a.org, id, Some(mine)).await.is_ok());
    assert!(matches!(
        s.online_order(a.org, id, Some(other)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.online_order(b.org, id, None).await,
        Err(StoreError::NotFound)
    ));
    let as_other = OrderActor {
        actor: Actor::Resident,
        staff: None,
        member: Some(other),
    };
    assert!(matches!(
        s.change_order(a.org, id, OrderEvent::Cancel { by: Actor::Resident }, as_other, T0)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.change_order(b.org, id, OrderEvent::Cancel { by: Actor::Staff }, staff(&b), T0)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.create_payment_intent(a.org, id, Some(other), "simulator", "sim_x", 500, "qr", T0)
            .await,
        Err(StoreError::NotFound)
    ));
    let filter = OnlineOrderFilter {
        member: Some(other),
        ..OnlineOrderFilter::default()
    };
    assert_eq!(s.online_orders(a.org, &filter, page(10)).await.unwrap().total, 0);
    assert_eq!(
        s.online_orders(b.org, &OnlineOrderFilter::default(), page(10))
            .await
            .unwrap()
            .total,
        0
    );
    // A till sale is not an online order.
    let sale = s.record_sale(a.org, &one_sale(&a, milk)).await.unwrap().order();
    assert!(matches!(
        s.online_order(a.org, sale, None).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.online_order(a.org, id, None).await.unwrap().status,
        OrderStatus::Created
    );
}

pub async fn full_delivery_slot_refuses_the_next_order(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L1", None, 10).await;
    let building = s
        .create_building(
            o.org,
            o.store,
            &NewBuilding {
                code: "B1",
                name_zh: "1号楼",
                compound_zh: "",
                lat_e6: None,
                lon_e6: None,
                households: 10,
            },
        )
        .await
        .unwrap();
    let start = time::zoned(T0 + 14 * HOUR);
    let slot = DeliverySlot::new(start.date(), start.time()).unwrap();
    s.set_slot_capacity(o.org, o.store, slot.start_ms(), slot.end_ms(), 2)
        .await
        .unwrap();
    let delivery = |code| {
        let mut order = pickup(&o, None, vec![line(milk, 1)], code);
        order.fulfilment = Fulfilment::Delivery { slot };
        order.pickup_code = None;
        order.delivery = Some(DeliveryTo {
            building,
            unit: String::new(),
            room: String::new(),
        });
        order
    };
    place(&s, &o, &delivery(1)).await;
    place(&s, &o, &delivery(2)).await;
    let refused = s.place_online_order(o.org, &delivery(3)).await.unwrap().unwrap_err();
    assert_eq!((refused.code, refused.field.as_str()), ("slot_full", "slot_start"));
    assert_eq!(
        s.reserved(o.org, milk, None).await.unwrap(),
        2,
        "the refused order holds nothing"
    );
    let rows = s
        .delivery_slots(o.org, o.store, slot.start_ms(), slot.end_ms())
        .await
        .unwrap();
    assert_eq!((rows[0].capacity, rows[0].booked), (2, 2));
}

pub async fn sign_in_code_is_rate_limited_and_used_once(s: Store) {
    let o = org(&s, "a").await;
    let limits = OtpLimits {
        resend_after_ms: 60_000,
        window_ms: HOUR,
        sends_per_window_max: 3,
    };
    let phone = "13900000009";
    assert!(
        s.save_resident_otp(o.org, phone, "h1", T0 + 300_000, limits, T0)
            .await
            .unwrap()
    );
    assert!(
        !s.save_resident_otp(o.org, phone, "h2", T0 + 300_000, limits, T0 + 59_999)
            .await
            .unwrap(),
        "too soon"
    );
    assert!(
        s.save_resident_otp(o.org, phone, "h2", T0 + 360_000, limits, T0 + 60_000)
            .await
            .unwrap()
    );
    assert!(
        s.save_resident_otp(o.org, phone, "h3", T0 + 420_000, limits, T0 + 120_000)
            .await
            .unwrap()
    );
    assert!(
        !s.save_resident_otp(o.org, phone, "h4", T0 + 480_000, limits, T0 + 180_000)
            .await
            .unwrap(),
        "three an hour"
    );
    assert!(
        s.save_resident_otp(o.org, phone, "h4", T0 + HOUR + 300_000, limits, T0 + HOUR)
            .await
            .unwrap()
    );
    // The old code no longer works; a wrong code is counted.
    assert_eq!(
        s.resident_login(o.org, phone, "h3", "t1", 5, T0 + DAY, T0 + HOUR + 1)
            .await
            .unwrap(),
        ResidentLogin::WrongCode { attempts_left: 4 }
    );
    let signed = s
        .resident_login(o.org, phone, "h4", "t2", 5, T0 + DAY, T0 + HOUR + 2)
        .await
        .unwrap();
    let ResidentLogin::SignedIn { member, new_member } = signed else {
        panic!("{signed:?}")
    };
    assert!(new_member, "a new phone becomes a member");
    assert_eq!(
        s.resident_login(o.org, phone, "h4", "t3", 5, T0 + DAY, T0 + HOUR + 3)
            .await
            .unwrap(),
        ResidentLogin::NoCode,
        "a code works once"
    );
    let session = s.resident_session("t2", T0 + HOUR + 4).await.unwrap().unwrap();
    assert_eq!(
        (session.org_id, session.member_id, session.phone.as_str()),
        (o.org, member, phone)
    );
    assert!(s.resident_session("t2", T0 + DAY).await.unwrap().is_none(), "expired");
    // An existing member signs in as themselves.
    let known = add_member(&s, &o, "13900000008").await;
    assert!(
        s.save_resident_otp(o.org, "13900000008", "k", T0 + 300_000, limits, T0)
            .await
            .unwrap()
    );
    assert_eq!(
        s.resident_login(o.org, "13900000008", "k", "t4", 5, T0 + DAY, T0 + 1)
            .await
            .unwrap(),
        ResidentLogin::SignedIn {
            member: known,
            new_member: false
        }
    );
    // Five wrong codes burn it.
    assert!(
        s.save_resident_otp(o.org, "13900000007", "z", T0 + 300_000, limits, T0)
            .await
            .unwrap()
    );
    for left in (0..5).rev() {
        assert_eq!(
            s.resident_login(o.org, "13900000007", "bad", "t5", 5, T0 + DAY, T0 + 1)
                .await
                .unwrap(),
            ResidentLogin::WrongCode { attempts_left: left }
        );
    }
    assert_eq!(
        s.resident_login(o.org, "13900000007", "z", "t5", 5, T0 + DAY, T0 + 1)
            .await
            .unwrap(),
        ResidentLogin::NoCode
    );
}

/// An order reserves the lot that expires first; the resident comes after it expired.
/// The handover sells as many from a fresh lot instead, and lets the expired units go
/// (to be written off); with no fresh units left the handover is refused and nothing
/// changes.
pub async fn a_reserved_lot_that_expires_before_pickup_is_never_sold(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let bread = product(&s, &o, "P2", "面包").await;
    stock(&s, &o, o.floor, milk, "SOON", Some(T0 + 2 * DAY), 3).await;
    stock(&s, &o, o.floor, milk, "LATE", Some(T0 + 9 * DAY), 5).await;
    stock(&s, &o, o.floor, bread, "B-SOON", Some(T0 + 2 * DAY), 2).await;
    let milk_order = place(&s, &o, &pickup(&o, None, vec![line(milk, 3)], 11)).await;
    let bread_order = place(&s, &o, &pickup(&o, None, vec![line(bread, 2)], 12)).await;
    make_ready(&s, &o, milk_order).await;
    make_ready(&s, &o, bread_order).await;
    let late = T0 + 3 * DAY;
    assert_eq!(
        s.verify_pickup(o.org, milk_order, "000011", staff(&o), late)
            .await
            .unwrap(),
        PickupOutcome::Completed
    );
    let sold: Vec<(String, i64)> = s
        .movements(o.org, Some(milk), None, page(50))
        .await
        .unwrap()
        .items
        .iter()
        .filter(|m| m.ref_type == "order" && m.ref_id == Some(milk_order.0))
        .map(|m| (m.lot_code.clone(), m.qty_delta))
        .collect();
    assert_eq!(sold, [("LATE".to_string(), -3)], "sold from the fresh lot");
    assert_eq!(s.reserved(o.org, milk, None).await.unwrap(), 0);
    assert_eq!(
        s.on_hand(o.org, milk, None).await.unwrap(),
        3 + 5 - 3,
        "the expired units stay to be written off"
    );
    assert_books_agree(&s, &o).await;

    let refused = s.verify_pickup(o.org, bread_order, "000012", staff(&o), late).await;
    assert!(matches!(refused, Err(StoreError::Stock(_))), "{refused:?}");
    let order = s.online_order(o.org, bread_order, None).await.unwrap();
    assert_eq!(order.status, OrderStatus::Ready, "nothing changed");
    assert_eq!(s.reserved(o.org, bread, None).await.unwrap(), 2);
    assert_eq!(s.on_hand(o.org, bread, None).await.unwrap(), 2);
    assert_books_agree(&s, &o).await;
}
