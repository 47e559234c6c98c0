//! The group commit's batch path answers and writes exactly what recording the same
//! sales one at a time would, and hands what it cannot settle to that path.

use crate::fixtures::*;
use linli_domain::ids::{MemberId, OrderId, ProductId};
use linli_store::*;

on_both_backends!(sale_batch:
    a_batch_writes_what_sale_by_sale_would,
    a_sale_refused_for_its_points_is_set_aside_and_its_units_go_to_the_next,
    a_used_payment_reference_refuses_that_sale_alone,
    one_key_twice_in_a_batch_records_one_sale,
    a_key_used_before_the_batch_answers_its_order,
    member_awards_and_stored_value_in_a_batch_match_sale_by_sale,
    a_members_sales_meet_their_balance_in_arrival_order,
    tills_and_a_receiving_clerk_at_once_leave_every_ledger_true,
);

fn sale(o: &Org, lines: &[(ProductId, i64)]) -> NewSale {
    NewSale {
        store: o.store,
        location: o.floor,
        channel: "till",
        member: None,
        staff: Some(o.staff),
        lines: lines
            .iter()
            .map(|&(product, qty)| SaleLine {
                product,
                qty,
                unit_price_fen: 333,
                line_total_fen: 333 * qty,
            })
            .collect(),
        payments: vec![SalePayment {
            method: "cash",
            amount_fen: 333 * lines.iter().map(|l| l.1).sum::<i64>(),
            points: 0,
        }],
        at: T0 + HOUR,
        details: SaleDetails::default(),
    }
}

fn keyed(mut s: NewSale, key: &str) -> NewSale {
    s.details.key = Some(SaleKey {
        principal: "staff:1".into(),
        key: key.into(),
        request_hash: "h".into(),
    });
    s
}

/// What a recorded sale left behind, with order ids replaced by the sale's position.
#[derive(Debug, PartialEq)]
struct Trace {
    outcome: Vec<Result<usize, String>>,
    /// (product position, qty, total) of each line.
    lines: Vec<Vec<(i64, i64, i64)>>,
    flags: Vec<Option<String>>,
    /// (sale position, lot code, qty delta, balance after), oldest first.
    movements: Vec<(usize, String, i64, i64)>,
    on_hand: Vec<i64>,
}

async fn trace(s: &Store, o: &Org, products: &[ProductId], results: Vec<Result<Recorded, StoreError>>) -> Trace {
    let mut ids: Vec<OrderId> = Vec::new();
    let mut outcome = Vec::new();
    for r in results {
        outcome.push(match r {
            Ok(Recorded::New(id)) => {
                ids.push(id);
                Ok(ids.len() - 1)
            }
            Ok(Recorded::Replay(_)) => Err("replay".into()),
            Err(e) => Err(format!("{e:?}")),
        });
    }
    let (mut lines, mut flags) = (Vec::new(), Vec::new());
    for id in &ids {
        let rec = s.sale_record(o.org, *id).await.unwrap().expect("a recorded sale");
        let product_no = |p: ProductId| products.iter().position(|x| *x == p).expect("a stocked product") as i64;
        lines.push(
            rec.lines
                .iter()
                .map(|l| (product_no(l.product_id), l.qty, l.total_fen))
                .collect(),
        );
        flags.push(rec.flag);
    }
    let mut movements: Vec<_> = s
        .movements(o.org, None, None, page(1000))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|m| m.ref_type == "order")
        .map(|m| {
            let at = ids
                .iter()
                .position(|id| Some(id.0) == m.ref_id)
                .expect("a movement of a batch sale");
            (m.id, (at, m.lot_code, m.qty_delta, m.balance_after))
        })
        .collect();
    movements.sort_by_key(|(id, _)| *id);
    let mut on_hand = Vec::new();
    for p in products {
        on_hand.push(s.on_hand(o.org, *p, None).await.unwrap());
    }
    assert!(s.ledger_mismatches(o.org).await.unwrap().is_empty());
    assert_eq!(s.dangling_references(o.org).await.unwrap(), vec![]);
    Trace {
        outcome,
        lines,
        flags,
        movements: movements.into_iter().map(|(_, m)| m).collect(),
        on_hand,
    }
}

/// Milk in three lots (one expired), bread in one, eggs in none.
async fn shelves(s: &Store, name: &str) -> (Org, Vec<ProductId>) {
    let o = org(s, name).await;
    let milk = product(s, &o, "P1", "牛奶").await;
    let bread = product(s, &o, "P2", "面包").await;
    let eggs = product(s, &o, "P3", "鸡蛋").await;
    stock(s, &o, o.floor, milk, "M-OLD", Some(T0), 5).await;
    stock(s, &o, o.floor, milk, "M-10", Some(T0 + 10 * HOUR), 4).await;
    stock(s, &o, o.floor, milk, "M-20", Some(T0 + 20 * HOUR), 6).await;
    stock(s, &o, o.floor, bread, "B", None, 7).await;
    (o, vec![milk, bread, eggs])
}

pub async fn a_batch_writes_what_sale_by_sale_would(s: Store) {
    let (a, pa) = shelves(&s, "a").await;
    let (b, pb) = shelves(&s, "b").await;
    // A seeded run of sales: FEFO across lots, sales refused for stock, offline sales
    // kept with shortfalls, a line for goods never stocked.
    let mut seed: u64 = 7;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let mut plan: Vec<(Vec<(usize, i64)>, bool)> = Vec::new();
    for _ in 0..30 {
        let lines = (0..1 + next(3))
            .map(|_| (next(3) as usize, 1 + next(3) as i64))
            .collect();
        plan.push((lines, next(4) == 0));
    }
    let make = |o: &Org, products: &[ProductId]| -> Vec<NewSale> {
        plan.iter()
            .map(|(lines, offline)| {
                let lines: Vec<(ProductId, i64)> = lines.iter().map(|&(p, q)| (products[p], q)).collect();
                let mut x = sale(o, &lines);
                if *offline {
                    x.details.offline_till = Some("till-2".into());
                }
                x
            })
            .collect()
    };
    let batch = s.record_sales(a.org, &make(&a, &pa)).await.unwrap();
    let mut one_by_one = Vec::new();
    for x in make(&b, &pb) {
        one_by_one.push(s.record_sale(b.org, &x).await);
    }
    let (ta, tb) = (trace(&s, &a, &pa, batch).await, trace(&s, &b, &pb, one_by_one).await);
    assert_eq!(ta, tb);
    assert!(ta.outcome.iter().any(Result::is_err), "some sales ran out of stock");
    assert!(
        ta.flags.iter().any(|f| f.as_deref() == Some("stock_short")),
        "an offline shortfall"
    );
    assert!(
        ta.movements.iter().all(|m| m.1 != "M-OLD"),
        "never from the expired lot"
    );
    assert_eq!(ta.on_hand[0], 5, "only the expired milk is left");
    assert_eq!(s.sale_batch_fallbacks(), 0, "the batch path wrote the batch");
}

async fn member_with_points(s: &Store, o: &Org) -> MemberId {
    new_member(s, o, "13800000001").await
}

async fn new_member(s: &Store, o: &Org, phone: &str) -> MemberId {
    s.create_member(
        o.org,
        &NewMember {
            phone,
            name: "王阿姨",
            building: None,
            unit_no: "",
            room: "",
            birthday: None,
            joined_at: T0,
        },
    )
    .await
    .unwrap()
}

pub async fn a_sale_refused_for_its_points_is_set_aside_and_its_units_go_to_the_next(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L", None, 2).await;
    let m = member_with_points(&s, &o).await;
    let mut greedy = sale(&o, &[(milk, 2)]);
    greedy.member = Some(m);
    greedy.details.member_effects = Some(SaleMemberEffects {
        member: m,
        redeem_points: 100,
        stored_value_fen: 0,
        earn_points: 0,
        earn_expires_at: T0 + 1000 * HOUR,
    });
    let results = s.record_sales(o.org, &[greedy, sale(&o, &[(milk, 2)])]).await.unwrap();
    match &results[0] {
        Err(StoreError::Refused { code, field, .. }) => assert_eq!((*code, *field), ("points_short", "redeem_points")),
        other => panic!("expected points_short, got {other:?}"),
    }
    assert!(matches!(results[1], Ok(Recorded::New(_))), "{:?}", results[1]);
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 0);
    assert_eq!(
        s.sales_summary(o.org).await.unwrap().orders,
        1,
        "nothing of the refused sale"
    );
    assert!(s.ledger_mismatches(o.org).await.unwrap().is_empty());
    assert_eq!(s.dangling_references(o.org).await.unwrap(), vec![]);
    assert!(s.loyalty_mismatches(o.org).await.unwrap().is_empty());
    assert_eq!(s.sale_batch_fallbacks(), 0, "set aside, not handed over");
}

pub async fn a_used_payment_reference_refuses_that_sale_alone(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L", None, 10).await;
    let paid_by = |r: &str| {
        let mut x = sale(&o, &[(milk, 1)]);
        x.details.payment_refs = vec![(0, r.to_string())];
        x
    };
    s.record_sale(o.org, &paid_by("QR-1")).await.unwrap();
    let results = s
        .record_sales(o.org, &[paid_by("QR-2"), paid_by("QR-1"), sale(&o, &[(milk, 1)])])
        .await
        .unwrap();
    assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
    assert!(
        matches!(
            results[1],
            Err(StoreError::Refused {
                code: "payment_used",
                ..
            })
        ),
        "{:?}",
        results[1]
    );
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 7);
    assert_eq!(s.sales_summary(o.org).await.unwrap().orders, 3);
}

pub async fn one_key_twice_in_a_batch_records_one_sale(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L", None, 10).await;
    let results = s
        .record_sales(
            o.org,
            &[
                keyed(sale(&o, &[(milk, 1)]), "k"),
                keyed(sale(&o, &[(milk, 1)]), "k"),
                sale(&o, &[(milk, 1)]),
            ],
        )
        .await
        .unwrap();
    let first = match results[0] {
        Ok(Recorded::New(id)) => id,
        ref other => panic!("{other:?}"),
    };
    assert_eq!(results[1].as_ref().ok(), Some(&Recorded::Replay(first)));
    assert!(matches!(results[2], Ok(Recorded::New(_))));
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 8);
    assert_eq!(s.sale_batch_fallbacks(), 1);
}

pub async fn a_key_used_before_the_batch_answers_its_order(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L", None, 3).await;
    let first = s
        .record_sale(o.org, &keyed(sale(&o, &[(milk, 2)]), "k"))
        .await
        .unwrap()
        .order();
    // Stock left for it: the batch's key claim finds the key taken.
    let results = s
        .record_sales(o.org, &[keyed(sale(&o, &[(milk, 1)]), "k"), sale(&o, &[(milk, 1)])])
        .await
        .unwrap();
    assert_eq!(results[0].as_ref().ok(), Some(&Recorded::Replay(first)));
    assert!(matches!(results[1], Ok(Recorded::New(_))));
    // No stock left for it: refused for stock, it still answers as its key says.
    let results = s
        .record_sales(o.org, &[keyed(sale(&o, &[(milk, 1)]), "k"), sale(&o, &[(milk, 1)])])
        .await
        .unwrap();
    assert_eq!(results[0].as_ref().ok(), Some(&Recorded::Replay(first)));
    assert!(matches!(results[1], Err(StoreError::Stock(_))));
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 0);
    assert_eq!(s.sales_summary(o.org).await.unwrap().orders, 2);
}

/// The member side of a run of sales: per member, the balance row (without its lock
/// version) and both ledgers' amounts.
async fn member_trace(s: &Store, o: &Org, members: &[MemberId]) -> Vec<(Vec<i64>, Vec<(i64, i64)>, Vec<(i64, i64)>)> {
    let mut out = Vec::new();
    for m in members {
        let b = s.member_balance(o.org, *m).await.unwrap();
        let points = s.points_entries(o.org, *m).await.unwrap();
        let value = s.stored_value_entries(o.org, *m).await.unwrap();
        out.push((
            vec![
                b.points,
                b.principal_fen,
                b.bonus_fen,
                b.points_next_no,
                b.stored_value_next_no,
                b.next_expiry_at.unwrap_or(-1),
            ],
            points.iter().map(|e| (e.points, e.at_ms)).collect(),
            value.iter().map(|e| (e.principal_fen, e.bonus_fen)).collect(),
        ));
    }
    assert!(s.loyalty_mismatches(o.org).await.unwrap().is_empty());
    out
}

pub async fn member_awards_and_stored_value_in_a_batch_match_sale_by_sale(s: Store) {
    let mut traces = Vec::new();
    for (name, batched) in [("a", true), ("b", false)] {
        let o = org(&s, name).await;
        let milk = product(&s, &o, "P1", "牛奶").await;
        stock(&s, &o, o.floor, milk, "L", None, 100).await;
        // A card with a bonus (充500送50 style), a small card, and a member with no card
        // and no balance row yet.
        let rich = new_member(&s, &o, "13800000001").await;
        let poor = new_member(&s, &o, "13800000002").await;
        let fresh = new_member(&s, &o, "13800000003").await;
        let card = s.top_up(o.org, rich, 50_000, "cash", None, T0).await.unwrap();
        assert!(s.member_balance(o.org, rich).await.unwrap().bonus_fen > 0, "{card:?}");
        s.top_up(o.org, poor, 500, "cash", None, T0).await.unwrap();
        let members = [rich, poor, fresh];
        let plan: [(usize, i64, i64); 7] = [
            (0, 333, 3),
            (1, 400, 4),
            (0, 1_001, 10),
            (2, 0, 7),
            (1, 400, 4),
            (0, 0, 0),
            (1, 100, 1),
        ];
        let sales: Vec<NewSale> = plan
            .iter()
            .enumerate()
            .map(|(k, &(who, value_fen, earn))| {
                let mut x = sale(&o, &[(milk, 1)]);
                x.at = T0 + HOUR + k as i64;
                x.member = Some(members[who]);
                x.details.member_effects = Some(SaleMemberEffects {
                    member: members[who],
                    redeem_points: 0,
                    stored_value_fen: value_fen,
                    earn_points: earn,
                    earn_expires_at: T0 + (1000 - k as i64) * HOUR,
                });
                x
            })
            .collect();
        let results = if batched {
            s.record_sales(o.org, &sales).await.unwrap()
        } else {
            let mut r = Vec::new();
            for x in &sales {
                r.push(s.record_sale(o.org, x).await);
            }
            r
        };
        let outcome: Vec<Option<&'static str>> = results
            .iter()
            .map(|r| match r {
                Ok(_) => None,
                Err(StoreError::Refused { code, .. }) => Some(*code),
                Err(e) => panic!("unexpected {e:?}"),
            })
            .collect();
        traces.push((
            outcome,
            member_trace(&s, &o, &members).await,
            s.on_hand(o.org, milk, None).await.unwrap(),
        ));
    }
    assert_eq!(traces[0], traces[1]);
    assert_eq!(
        traces[0].0,
        vec![None, None, None, None, Some("stored_value_short"), None, None],
        "the second ¥4 from a ¥5 card is refused alone"
    );
    assert_eq!(traces[0].2, 94);
    assert_eq!(s.sale_batch_fallbacks(), 0, "the batch path wrote the members' effects");
}

/// A member's redemption (written sale by sale) ahead of their plain stored-value spend
/// (which the batch could write at once) in one batch: the first to come is paid first,
/// as one at a time would have it.
pub async fn a_members_sales_meet_their_balance_in_arrival_order(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L", None, 10).await;
    let m = new_member(&s, &o, "13800000009").await;
    s.top_up(o.org, m, 500, "cash", None, T0).await.unwrap();
    s.adjust_points(o.org, m, 100, "开卡礼", None, T0).await.unwrap();
    let paying = |redeem_points: i64, stored_value_fen: i64| {
        let mut x = sale(&o, &[(milk, 1)]);
        x.member = Some(m);
        x.details.member_effects = Some(SaleMemberEffects {
            member: m,
            redeem_points,
            stored_value_fen,
            earn_points: 0,
            earn_expires_at: T0 + 1000 * HOUR,
        });
        x
    };
    let results = s
        .record_sales(o.org, &[paying(100, 400), paying(0, 300)])
        .await
        .unwrap();
    assert!(matches!(results[0], Ok(Recorded::New(_))), "{:?}", results[0]);
    assert!(
        matches!(
            results[1],
            Err(StoreError::Refused {
                code: "stored_value_short",
                ..
            })
        ),
        "{:?}",
        results[1]
    );
    let b = s.member_balance(o.org, m).await.unwrap();
    assert_eq!((b.points, b.principal_fen + b.bonus_fen), (0, 100));
    assert!(s.loyalty_mismatches(o.org).await.unwrap().is_empty());
    assert_eq!(s.sale_batch_fallbacks(), 0);
}

/// 32 tills through the group-commit writer while stock is received into the lots they
/// sell from. On PostgreSQL batches are in flight together, each counting on the rows
/// the one before it leaves, and a receipt changes those rows under them: whatever is
/// written again, every sale lands once, and every ledger folds to its balance.
pub async fn tills_and_a_receiving_clerk_at_once_leave_every_ledger_true(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let bread = product(&s, &o, "P2", "面包").await;
    stock(&s, &o, o.floor, milk, "M1", Some(T0 + 10 * HOUR), 300).await;
    stock(&s, &o, o.floor, bread, "B1", None, 300).await;
    let mut members = Vec::new();
    for i in 0..8 {
        let m = new_member(&s, &o, &format!("1380000010{i}")).await;
        s.top_up(o.org, m, 10_000, "cash", None, T0).await.unwrap();
        members.push(m);
    }
    let card = |s: &Store, m: MemberId| {
        let s = s.clone();
        async move {
            let b = s.member_balance(o.org, m).await.unwrap();
            (b.principal_fen + b.bonus_fen, b.points)
        }
    };
    let mut before = 0;
    for &m in &members {
        before += card(&s, m).await.0;
    }
    let writer = s.sale_writer();
    let sales: Vec<NewSale> = (0..240_usize)
        .map(|k| {
            let mut x = keyed(sale(&o, &[(milk, 1), (bread, 1)]), &format!("k{k}"));
            if k % 2 == 0 {
                let m = members[k / 2 % members.len()];
                x.member = Some(m);
                x.details.member_effects = Some(SaleMemberEffects {
                    member: m,
                    redeem_points: 0,
                    stored_value_fen: 100,
                    earn_points: 1,
                    earn_expires_at: T0 + 1000 * HOUR,
                });
            }
            x
        })
        .collect();
    let mut tills = Vec::new();
    for chunk in sales.chunks(sales.len() / 32) {
        let (w, chunk, org) = (writer.clone(), chunk.to_vec(), o.org);
        tills.push(tokio::spawn(async move {
            let mut orders = Vec::new();
            for x in chunk {
                orders.push(w.record(org, x).await.unwrap());
            }
            orders
        }));
    }
    for _ in 0..10 {
        stock(&s, &o, o.floor, milk, "M1", Some(T0 + 10 * HOUR), 5).await;
        tokio::task::yield_now().await;
    }
    let mut orders = Vec::new();
    for t in tills {
        orders.extend(t.await.unwrap());
    }
    assert!(orders.iter().all(|r| matches!(r, Recorded::New(_))), "{orders:?}");
    let mut ids: Vec<OrderId> = orders.iter().map(|r| r.order()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 240, "every sale once");
    assert_eq!(s.sales_summary(o.org).await.unwrap().orders, 240);
    assert_eq!(s.on_hand(o.org, milk, None).await.unwrap(), 300 + 50 - 240);
    assert_eq!(s.on_hand(o.org, bread, None).await.unwrap(), 300 - 240);
    assert!(s.ledger_mismatches(o.org).await.unwrap().is_empty());
    assert_eq!(s.dangling_references(o.org).await.unwrap(), vec![]);
    assert!(s.loyalty_mismatches(o.org).await.unwrap().is_empty());
    let (mut after, mut points) = (0, 0);
    for &m in &members {
        let (value, p) = card(&s, m).await;
        after += value;
        points += p;
    }
    assert_eq!(
        (before - after, points),
        (120 * 100, 120),
        "each member sale paid and earned once"
    );
}
