//! Coupons and promotions: limits under concurrency, round trips into the pricing
//! engine's types, windows, refunds and tenancy.

use crate::fixtures::*;
use linli_domain::ids::{CategoryId, MemberId, OrderId, ProductId};
use linli_domain::pricing::{
    self, Cart, CartLine, Coupon, CouponId, CouponKind, MemberContext, Promotion, PromotionRule, StackingPolicy,
};
use linli_store::*;
use std::sync::Arc;

on_both_backends!(offers:
    concurrent_redemptions_stop_at_the_total_limit,
    one_copy_used_twice_at_once_is_used_once,
    concurrent_flash_sale_buyers_stop_at_the_cap,
    per_member_and_issue_limits_hold_when_issuing_again_and_at_once,
    issuing_to_a_thousand_members_is_one_quick_call,
    active_promotions_respect_windows_ends_and_sold_out_flash_sales,
    the_copy_of_the_promotions_answers_like_a_fresh_read_and_drops_on_change,
    every_coupon_kind_and_promotion_rule_round_trips_into_the_engine,
    refund_gives_coupons_back_exactly_once,
    event_coupons_are_issued_once_per_member,
    another_orgs_offers_are_not_found,
);

const DAY: i64 = 24 * HOUR;

async fn members(s: &Store, o: &Org, n: usize) -> Vec<MemberId> {
    let s = Arc::new(s.clone());
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let s = s.clone();
            let org = o.org;
            tokio::spawn(async move {
                let phone = format!("139{:04}{:04}", org.0 % 10_000, i);
                s.create_member(
                    org,
                    &NewMember {
                        phone: &phone,
                        name: "居民",
                        building: None,
                        unit_no: "",
                        room: "",
                        birthday: None,
                        joined_at: T0,
                    },
                )
                .await
                .unwrap()
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out.sort();
    out
}

fn coupon_def(name: &str, kind: CouponKind, total_limit: i64) -> NewCoupon<'_> {
    NewCoupon {
        name_zh: name,
        kind,
        threshold_fen: 0,
        starts_at: T0,
        ends_at: Some(T0 + 30 * DAY),
        valid_days: None,
        per_member_limit: 1,
        total_limit,
        issue_limit: None,
        audience: CouponAudience::Hand,
        note: "",
        created_by: None,
    }
}

fn promo_def(name: &str, rule: PromotionRule) -> NewPromotion<'_> {
    NewPromotion {
        name_zh: name,
        rule,
        starts_at: T0,
        ends_at: T0 + 7 * DAY,
        priority: 0,
        stackable: false,
        flash_cap: None,
        note: "",
        created_by: None,
    }
}

/// One completed sale of one unit of `product` for `member`.
async fn sale(s: &Store, o: &Org, product: ProductId, member: Option<MemberId>) -> OrderId {
    s.record_sale(
        o.org,
        &NewSale {
            store: o.store,
            location: o.floor,
            channel: "till",
            member,
            staff: None,
            lines: vec![SaleLine {
                product,
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
        },
    )
    .await
    .unwrap()
    .order()
}

fn refused_code(r: &Result<(), StoreError>) -> Option<&'static str> {
    match r {
        Err(StoreError::Refused { code, .. }) => Some(code),
        _ => None,
    }
}

/// The coupon's use counter equals the number of copies in the `used` state.
async fn assert_used_counter(s: &Store, o: &Org, coupon: CouponDefId, members: &[MemberId], expected: i64) {
    let row = s.coupon(o.org, coupon).await.unwrap();
    let mut used = 0;
    for m in members {
        used += s
            .member_coupons(o.org, *m, None)
            .await
            .unwrap()
            .iter()
            .filter(|c| c.coupon_id == coupon && c.status == IssueStatus::Used)
            .count();
    }
    assert_eq!(row.used, expected, "the counter");
    assert_eq!(i64::try_from(used).unwrap(), expected, "the copies marked used");
}

pub async fn concurrent_redemptions_stop_at_the_total_limit(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L", None, 64).await;
    let ms = members(&s, &o, 64).await;
    let coupon = s
        .create_coupon(
            o.org,
            &coupon_def("满50减10", CouponKind::Fixed { amount_fen: 1_000 }, 10),
            T0,
        )
        .await
        .unwrap();
    let outcome = s
        .issue_coupon(o.org, coupon, &ms, IssueSource::List, Some(o.staff), T0)
        .await
        .unwrap();
    assert_eq!(outcome.issued.len(), 64, "the use limit does not cap issuing");
    let mut work = Vec::new();
    for (m, issue) in &outcome.issued {
        work.push((*m, *issue, sale(&s, &o, milk, Some(*m)).await));
    }
    let s = Arc::new(s);
    let tasks: Vec<_> = work
        .into_iter()
        .map(|(m, issue, order)| {
            let s = s.clone();
            tokio::spawn(async move { s.redeem_coupon(o.org, m, issue, order, T0 + HOUR).await })
        })
        .collect();
    let (mut ok, mut limit) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap();
        match refused_code(&r) {
            _ if r.is_ok() => ok += 1,
            Some("coupon_limit") => limit += 1,
            _ => panic!("unexpected answer under concurrency: {r:?}"),
        }
    }
    assert_eq!((ok, limit), (10, 54));
    assert_used_counter(&s, &o, coupon, &ms, 10).await;
}

pub async fn one_copy_used_twice_at_once_is_used_once(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L", None, 10).await;
    let ms = members(&s, &o, 1).await;
    let coupon = s
        .create_coupon(
            o.org,
            &coupon_def("立减5元", CouponKind::Fixed { amount_fen: 500 }, 100),
            T0,
        )
        .await
        .unwrap();
    let issue = s
        .issue_coupon(o.org, coupon, &ms, IssueSource::Hand, None, T0)
        .await
        .unwrap()
        .issued[0]
        .1;
    let order_a = sale(&s, &o, milk, Some(ms[0])).await;
    let order_b = sale(&s, &o, milk, Some(ms[0])).await;
    let s = Arc::new(s);
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let s = s.clone();
            let order = if i % 2 == 0 { order_a } else { order_b };
            let m = ms[0];
            tokio::spawn(async move { s.redeem_coupon(o.org, m, issue, order, T0 + HOUR).await })
        })
        .collect();
    let (mut ok, mut used) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap();
        match refused_code(&r) {
            _ if r.is_ok() => ok += 1,
            Some("coupon_used") => used += 1,
            _ => panic!("unexpected answer: {r:?}"),
        }
    }
    assert_eq!((ok, used), (1, 7));
    assert_used_counter(&s, &o, coupon, &ms, 1).await;
    let mine = s.member_coupons(o.org, ms[0], None).await.unwrap();
    assert!(matches!(mine[0].used_order_id, Some(id) if id == order_a || id == order_b));
    assert!(
        s.member_coupons(o.org, ms[0], Some(T0 + HOUR))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn concurrent_flash_sale_buyers_stop_at_the_cap(s: Store) {
    let o = org(&s, "a").await;
    let eggs = product(&s, &o, "P1", "鸡蛋").await;
    let mut def = promo_def(
        "鸡蛋秒杀",
        PromotionRule::FlashSale {
            product: eggs,
            price_fen: 99,
            cap_per_order: 2,
        },
    );
    def.flash_cap = Some(50);
    let promo = s.create_promotion(o.org, &def, T0).await.unwrap();
    let s = Arc::new(s);
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.take_flash_quota(o.org, promo, 1).await })
        })
        .collect();
    let (mut ok, mut sold_out) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap();
        match refused_code(&r) {
            _ if r.is_ok() => ok += 1,
            Some("flash_sale_sold_out") => sold_out += 1,
            _ => panic!("unexpected answer under concurrency: {r:?}"),
        }
    }
    assert_eq!((ok, sold_out), (50, 150));
    let row = s.promotion(o.org, promo).await.unwrap();
    assert_eq!((row.flash_cap, row.flash_sold), (Some(50), Some(50)));
    assert!(
        s.active_promotions(o.org, T0 + HOUR).await.unwrap().is_empty(),
        "a sold-out flash sale is no longer offered"
    );
    // A refund puts units back, and the sale is offered again for what is left.
    s.return_flash_quota(o.org, promo, 1).await.unwrap();
    let active = s.active_promotions(o.org, T0 + HOUR).await.unwrap();
    assert!(matches!(
        active[0].rule,
        PromotionRule::FlashSale { cap_per_order: 1, .. }
    ));
    s.take_flash_quota(o.org, promo, 1).await.unwrap();
    let r = s.take_flash_quota(o.org, promo, 1).await;
    assert_eq!(refused_code(&r), Some("flash_sale_sold_out"));
    assert_eq!(s.promotion(o.org, promo).await.unwrap().flash_sold, Some(50));
}

pub async fn per_member_and_issue_limits_hold_when_issuing_again_and_at_once(s: Store) {
    let o = org(&s, "a").await;
    let ms = members(&s, &o, 4).await;
    let mut def = coupon_def("每人两张", CouponKind::Fixed { amount_fen: 300 }, 1_000);
    def.per_member_limit = 2;
    def.issue_limit = Some(6);
    let coupon = s.create_coupon(o.org, &def, T0).await.unwrap();
    let first = s
        .issue_coupon(o.org, coupon, &ms[..2], IssueSource::List, None, T0)
        .await
        .unwrap();
    assert_eq!(first.issued.len(), 2);
    let second = s
        .issue_coupon(
            o.org,
            coupon,
            &[ms[0], ms[1], ms[2], ms[0]],
            IssueSource::List,
            None,
            T0,
        )
        .await
        .unwrap();
    assert_eq!(second.issued.len(), 3, "a member named twice in one call counts once");
    let third = s
        .issue_coupon(o.org, coupon, &ms[..3], IssueSource::List, None, T0)
        .await
        .unwrap();
    assert_eq!(third.issued.iter().map(|(m, _)| *m).collect::<Vec<_>>(), vec![ms[2]]);
    assert_eq!(third.at_limit, vec![ms[0], ms[1]]);
    assert_eq!(s.coupon(o.org, coupon).await.unwrap().issued, 6);
    // The issue limit is reached: a call that needs one more copy writes nothing.
    let r = s
        .issue_coupon(o.org, coupon, &[ms[3]], IssueSource::Hand, None, T0)
        .await;
    assert!(
        matches!(
            r,
            Err(StoreError::Refused {
                code: "coupon_issue_limit",
                ..
            })
        ),
        "{r:?}"
    );
    assert!(s.member_coupons(o.org, ms[3], None).await.unwrap().is_empty());
    assert_eq!(s.coupon(o.org, coupon).await.unwrap().issued, 6);

    // Sixteen clerks issuing the same coupon to the same member at once: one copy.
    let once = s
        .create_coupon(
            o.org,
            &coupon_def("限领一张", CouponKind::Fixed { amount_fen: 100 }, 10),
            T0,
        )
        .await
        .unwrap();
    let shared = Arc::new(s.clone());
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let s = shared.clone();
            let m = ms[3];
            tokio::spawn(async move { s.issue_coupon(o.org, once, &[m], IssueSource::Hand, None, T0).await })
        })
        .collect();
    let mut copies = 0;
    for t in tasks {
        copies += t
            .await
            .unwrap()
            .expect("issuing never fails at the per-member limit")
            .issued
            .len();
    }
    assert_eq!(copies, 1);
    assert_eq!(s.member_coupons(o.org, ms[3], None).await.unwrap().len(), 1);
    assert_eq!(s.coupon(o.org, once).await.unwrap().issued, 1);

    // An ended coupon is issued no more.
    s.end_coupon(o.org, once, Some(o.staff), T0 + 1).await.unwrap();
    let r = s
        .issue_coupon(o.org, once, &[ms[0]], IssueSource::Hand, None, T0 + 2)
        .await;
    assert!(
        matches!(
            r,
            Err(StoreError::Refused {
                code: "coupon_ended",
                ..
            })
        ),
        "{r:?}"
    );
    let r = s.end_coupon(o.org, once, None, T0 + 3).await;
    assert!(
        matches!(
            r,
            Err(StoreError::Refused {
                code: "already_ended",
                ..
            })
        ),
        "{r:?}"
    );
}

pub async fn issuing_to_a_thousand_members_is_one_quick_call(s: Store) {
    let o = org(&s, "a").await;
    let ms = members(&s, &o, 1_000).await;
    let mut def = coupon_def(
        "全员券",
        CouponKind::Percent {
            percent_off_bp: 1_000,
            max_off_fen: Some(2_000),
        },
        5_000,
    );
    def.valid_days = Some(7);
    def.ends_at = None;
    let coupon = s.create_coupon(o.org, &def, T0).await.unwrap();
    let started = std::time::Instant::now();
    let outcome = s
        .issue_coupon(o.org, coupon, &ms, IssueSource::List, Some(o.staff), T0 + HOUR)
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(outcome.issued.len(), 1_000);
    assert!(outcome.at_limit.is_empty());
    assert!(
        took < std::time::Duration::from_secs(3),
        "issuing to 1,000 members took {took:?}"
    );
    assert_eq!(s.coupon(o.org, coupon).await.unwrap().issued, 1_000);
    let mine = s.member_coupons(o.org, ms[500], Some(T0 + 2 * HOUR)).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].starts_at, mine[0].expires_at),
        (T0 + HOUR, T0 + HOUR + 7 * DAY),
        "valid for 7 days after issue"
    );
    assert_eq!(mine[0].source, IssueSource::List);
    // Everything was one decision: one audit entry.
    let audit = s.audit_log(o.org, Some("coupon.issue"), page(10)).await.unwrap();
    assert_eq!(audit.total, 1);
}

pub async fn active_promotions_respect_windows_ends_and_sold_out_flash_sales(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let bread = product(&s, &o, "P2", "面包").await;
    let running = s
        .create_promotion(
            o.org,
            &promo_def("第二件半价", PromotionRule::SecondItemHalfPrice { product: milk }),
            T0,
        )
        .await
        .unwrap();
    let mut later = promo_def(
        "周末买二赠一",
        PromotionRule::BuyXGetY {
            product: bread,
            buy: 2,
            free: 1,
        },
    );
    later.starts_at = T0 + 5 * DAY;
    later.ends_at = T0 + 6 * DAY;
    let later = s.create_promotion(o.org, &later, T0).await.unwrap();
    let mut ended = promo_def(
        "牛奶面包组合",
        PromotionRule::BundlePrice {
            products: vec![milk, bread],
            bundle_price_fen: 800,
        },
    );
    ended.priority = 5;
    let ended = s.create_promotion(o.org, &ended, T0).await.unwrap();
    let ids = |v: Vec<Promotion>| v.into_iter().map(|p| p.id).collect::<Vec<_>>();

    assert!(
        s.active_promotions(o.org, T0 - 1).await.unwrap().is_empty(),
        "before the start"
    );
    assert_eq!(
        ids(s.active_promotions(o.org, T0).await.unwrap()),
        vec![ended, running],
        "priority first"
    );
    assert_eq!(
        ids(s.active_promotions(o.org, T0 + 5 * DAY).await.unwrap()),
        vec![ended, running, later]
    );
    assert_eq!(
        ids(s.active_promotions(o.org, T0 + 6 * DAY).await.unwrap()),
        vec![ended, running],
        "end is exclusive"
    );
    assert!(s.active_promotions(o.org, T0 + 7 * DAY).await.unwrap().is_empty());
    s.end_promotion(o.org, ended, Some(o.staff), T0 + HOUR).await.unwrap();
    assert_eq!(
        ids(s.active_promotions(o.org, T0 + 2 * HOUR).await.unwrap()),
        vec![running]
    );
    assert_eq!(s.promotion(o.org, ended).await.unwrap().status, OfferStatus::Ended);
    let r = s.end_promotion(o.org, ended, None, T0 + 3 * HOUR).await;
    assert!(
        matches!(
            r,
            Err(StoreError::Refused {
                code: "already_ended",
                ..
            })
        ),
        "{r:?}"
    );
    let listed = s.promotions(o.org, Some(OfferStatus::Active), page(10)).await.unwrap();
    assert_eq!(listed.total, 2);
    assert_eq!(
        listed.items.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![later, running]
    );
    assert_eq!(s.promotions(o.org, None, page(10)).await.unwrap().total, 3);
    let audit = s.audit_log(o.org, Some("promotion."), page(10)).await.unwrap();
    assert_eq!(audit.total, 4, "three created, one ended");
}

pub async fn every_coupon_kind_and_promotion_rule_round_trips_into_the_engine(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let bread = product(&s, &o, "P2", "面包").await;
    let eggs = product(&s, &o, "P3", "鸡蛋").await;
    let bakery = s
        .create_category(o.org, None, "bakery", "烘焙", "Bakery", 48)
        .await
        .unwrap();
    let ms = members(&s, &o, 1).await;
    let kinds = [
        (0, CouponKind::Fixed { amount_fen: 500 }),
        (10_000, CouponKind::Fixed { amount_fen: 2_000 }),
        (
            0,
            CouponKind::Percent {
                percent_off_bp: 1_250,
                max_off_fen: None,
            },
        ),
        (
            3_000,
            CouponKind::Percent {
                percent_off_bp: 2_000,
                max_off_fen: Some(1_500),
            },
        ),
        (
            0,
            CouponKind::CategoryFixed {
                category: o.dairy,
                amount_fen: 300,
            },
        ),
        (
            1_000,
            CouponKind::CategoryPercent {
                category: bakery,
                percent_off_bp: 5_000,
                max_off_fen: Some(700),
            },
        ),
        (0, CouponKind::NewMember { amount_fen: 888 }),
        (0, CouponKind::FreeItem { product: eggs }),
    ];
    let mut held: Vec<Coupon> = Vec::new();
    for (i, (threshold, kind)) in kinds.iter().enumerate() {
        let name = format!("券{i}");
        let mut def = coupon_def(&name, kind.clone(), 100);
        def.threshold_fen = *threshold;
        let id = s.create_coupon(o.org, &def, T0).await.unwrap();
        let row = s.coupon(o.org, id).await.unwrap();
        assert_eq!(&row.kind, kind);
        assert_eq!(
            (row.threshold_fen, row.starts_at, row.ends_at),
            (*threshold, T0, Some(T0 + 30 * DAY))
        );
        let issue = s
            .issue_coupon(o.org, id, &ms, IssueSource::Hand, None, T0)
            .await
            .unwrap()
            .issued[0]
            .1;
        held.push(Coupon {
            id: issue,
            name_zh: name,
            starts_at_ms: T0,
            ends_at_ms: T0 + 30 * DAY,
            threshold_fen: *threshold,
            kind: kind.clone(),
        });
    }
    let issue_ids: Vec<CouponId> = held.iter().map(|c| c.id).collect();
    let stored = s.usable_coupons(o.org, ms[0], &issue_ids, T0 + HOUR).await.unwrap();
    assert_eq!(stored, held, "every coupon kind comes back exactly");

    let rules = [
        PromotionRule::SecondItemHalfPrice { product: milk },
        PromotionRule::BundlePrice {
            products: vec![bread, milk],
            bundle_price_fen: 700,
        },
        PromotionRule::BuyXGetY {
            product: bread,
            buy: 2,
            free: 1,
        },
        PromotionRule::FlashSale {
            product: eggs,
            price_fen: 99,
            cap_per_order: 3,
        },
        PromotionRule::CategoryPercent {
            category: bakery,
            percent_off_bp: 1_500,
        },
    ];
    let mut original: Vec<Promotion> = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let name = format!("促销{i}");
        let mut def = promo_def(&name, rule.clone());
        def.priority = i32::try_from(i).unwrap() - 2;
        def.stackable = i == 4;
        def.flash_cap = Some(100);
        let id = s.create_promotion(o.org, &def, T0).await.unwrap();
        let want = Promotion {
            id,
            name_zh: name.clone(),
            starts_at_ms: T0,
            ends_at_ms: T0 + 7 * DAY,
            priority: def.priority,
            stackable: def.stackable,
            rule: rule.clone(),
        };
        assert_eq!(s.promotion(o.org, id).await.unwrap().to_pricing(), want);
        original.push(want);
    }
    let mut active = s.active_promotions(o.org, T0 + HOUR).await.unwrap();
    active.sort_by_key(|p| p.id);
    assert_eq!(active, original, "every rule comes back exactly");

    // The engine gives the same answer for the stored values as for the originals.
    let line = |n: u32, p: ProductId, c: Option<CategoryId>, qty: i64, price: i64| CartLine {
        line_no: n,
        product: p,
        category: c,
        qty,
        weighed: false,
        unit_price_fen: price,
    };
    let cart = Cart {
        lines: vec![
            line(1, milk, Some(o.dairy), 3, 650),
            line(2, bread, Some(bakery), 4, 1_200),
            line(3, eggs, None, 5, 1_590),
        ],
        member: Some(MemberContext {
            tier_discount_bp: 9_500,
            is_new_member: true,
        }),
    };
    let policy = StackingPolicy {
        coupons_per_order_max: 3,
        ..StackingPolicy::default()
    };
    let want = pricing::price(&cart, &original, &held, &policy, T0 + HOUR).unwrap();
    let got = pricing::price(&cart, &active, &stored, &policy, T0 + HOUR).unwrap();
    assert_eq!(got, want);
    assert!(!got.discounts.is_empty() && got.coupons_used.len() == 3, "{got:?}");
}

pub async fn refund_gives_coupons_back_exactly_once(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    stock(&s, &o, o.floor, milk, "L", None, 10).await;
    let ms = members(&s, &o, 1).await;
    let m = ms[0];
    let mut def = coupon_def("三天有效", CouponKind::Fixed { amount_fen: 200 }, 5);
    def.ends_at = None;
    def.valid_days = Some(3);
    let coupon = s.create_coupon(o.org, &def, T0).await.unwrap();
    let got = s
        .issue_coupon(o.org, coupon, &[m, m], IssueSource::Hand, None, T0)
        .await
        .unwrap();
    let issue = got.issued[0].1;

    let order = sale(&s, &o, milk, Some(m)).await;
    s.redeem_coupon(o.org, m, issue, order, T0 + HOUR).await.unwrap();
    assert_eq!(
        refused_code(&s.redeem_coupon(o.org, m, issue, order, T0 + HOUR).await),
        Some("coupon_used")
    );
    assert_eq!(
        s.release_coupons(o.org, order, T0 + 2 * HOUR).await.unwrap(),
        vec![issue]
    );
    assert!(
        s.release_coupons(o.org, order, T0 + 2 * HOUR).await.unwrap().is_empty(),
        "exactly once"
    );
    assert_used_counter(&s, &o, coupon, &ms, 0).await;
    let mine = s.member_coupons(o.org, m, Some(T0 + 2 * HOUR)).await.unwrap();
    assert_eq!(mine.len(), 1, "usable again");
    assert_eq!(mine[0].used_order_id, None);

    // Used again, then refunded after it ran out: it comes back expired.
    let order2 = sale(&s, &o, milk, Some(m)).await;
    s.redeem_coupon(o.org, m, issue, order2, T0 + DAY).await.unwrap();
    assert_eq!(
        s.release_coupons(o.org, order2, T0 + 4 * DAY).await.unwrap(),
        vec![issue]
    );
    let all = s.member_coupons(o.org, m, None).await.unwrap();
    assert_eq!(all[0].status, IssueStatus::Expired);
    assert_used_counter(&s, &o, coupon, &ms, 0).await;
    assert_eq!(
        refused_code(&s.redeem_coupon(o.org, m, issue, order2, T0 + 2 * DAY).await),
        Some("coupon_used"),
        "an expired copy cannot be used"
    );
    let late = sale(&s, &o, milk, Some(m)).await;
    let fresh = s
        .issue_coupon(o.org, coupon, &[m], IssueSource::Hand, None, T0)
        .await
        .unwrap();
    assert!(
        fresh.issued.is_empty() && fresh.at_limit == vec![m],
        "per-member limit 1 still holds"
    );
    assert!(
        s.usable_coupons(o.org, m, &[issue], T0 + 4 * DAY).await.is_ok(),
        "the engine explains expiry"
    );
    assert!(matches!(
        s.redeem_coupon(o.org, m, CouponId(issue.0 + 999), late, T0).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn event_coupons_are_issued_once_per_member(s: Store) {
    let o = org(&s, "a").await;
    let ms = members(&s, &o, 2).await;
    let mut welcome = coupon_def("新人券", CouponKind::NewMember { amount_fen: 1_000 }, 100);
    welcome.audience = CouponAudience::NewMember;
    welcome.ends_at = None;
    welcome.valid_days = Some(30);
    let welcome = s.create_coupon(o.org, &welcome, T0).await.unwrap();
    let mut birthday = coupon_def("生日券", CouponKind::Fixed { amount_fen: 1_500 }, 100);
    birthday.audience = CouponAudience::Birthday;
    birthday.issue_limit = Some(1);
    let birthday = s.create_coupon(o.org, &birthday, T0).await.unwrap();
    s.create_coupon(
        o.org,
        &coupon_def("手发券", CouponKind::Fixed { amount_fen: 100 }, 100),
        T0,
    )
    .await
    .unwrap();

    let got = s
        .issue_on_event(o.org, ms[0], CouponEvent::NewMember, T0)
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    let again = s
        .issue_on_event(o.org, ms[0], CouponEvent::NewMember, T0 + HOUR)
        .await
        .unwrap();
    assert!(again.is_empty(), "once per member per coupon");
    let mine = s.member_coupons(o.org, ms[0], None).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].coupon_id, mine[0].source), (welcome, IssueSource::Event));

    assert_eq!(
        s.issue_on_event(o.org, ms[0], CouponEvent::Birthday, T0)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        s.issue_on_event(o.org, ms[1], CouponEvent::Birthday, T0)
            .await
            .unwrap()
            .is_empty(),
        "the issue limit of 1 is used up: skipped, not an error"
    );
    assert!(s.member_coupons(o.org, ms[1], None).await.unwrap().is_empty());
    assert_eq!(s.coupon(o.org, birthday).await.unwrap().issued, 1);
    // After the birthday coupon's limit, a hand issue of another coupon still works for ms[1].
    assert_eq!(
        s.issue_on_event(o.org, ms[1], CouponEvent::NewMember, T0)
            .await
            .unwrap()
            .len(),
        1
    );
    s.end_coupon(o.org, welcome, None, T0 + DAY).await.unwrap();
    let newest = s
        .create_member(
            o.org,
            &NewMember {
                phone: "13800009999",
                name: "新邻居",
                building: None,
                unit_no: "",
                room: "",
                birthday: None,
                joined_at: T0 + DAY,
            },
        )
        .await
        .unwrap();
    assert!(
        s.issue_on_event(o.org, newest, CouponEvent::NewMember, T0 + DAY)
            .await
            .unwrap()
            .is_empty(),
        "an ended coupon is not issued on events"
    );
}

pub async fn another_orgs_offers_are_not_found(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let milk = product(&s, &a, "P1", "牛奶").await;
    stock(&s, &a, a.floor, milk, "L", None, 5).await;
    let am = members(&s, &a, 2).await;
    let bm = members(&s, &b, 1).await;
    let coupon = s
        .create_coupon(a.org, &coupon_def("券", CouponKind::Fixed { amount_fen: 100 }, 10), T0)
        .await
        .unwrap();
    let issue = s
        .issue_coupon(a.org, coupon, &am[..1], IssueSource::Hand, None, T0)
        .await
        .unwrap()
        .issued[0]
        .1;
    let mut flash = promo_def(
        "秒杀",
        PromotionRule::FlashSale {
            product: milk,
            price_fen: 100,
            cap_per_order: 1,
        },
    );
    flash.flash_cap = Some(5);
    let promo = s.create_promotion(a.org, &flash, T0).await.unwrap();
    let order = sale(&s, &a, milk, Some(am[0])).await;

    let nf = |r: Result<(), StoreError>| assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    nf(s.coupon(b.org, coupon).await.map(|_| ()));
    nf(s.end_coupon(b.org, coupon, None, T0).await);
    nf(s.issue_coupon(b.org, coupon, &bm, IssueSource::Hand, None, T0)
        .await
        .map(|_| ()));
    nf(
        s.issue_coupon(a.org, coupon, &[am[1], bm[0]], IssueSource::List, None, T0)
            .await
            .map(|_| ()),
    );
    nf(s.member_coupons(b.org, am[0], None).await.map(|_| ()));
    nf(s.usable_coupons(b.org, am[0], &[issue], T0).await.map(|_| ()));
    nf(s.usable_coupons(a.org, am[1], &[issue], T0).await.map(|_| ()));
    nf(s.redeem_coupon(b.org, am[0], issue, order, T0).await);
    nf(s.redeem_coupon(a.org, am[1], issue, order, T0).await);
    nf(s.promotion(b.org, promo).await.map(|_| ()));
    nf(s.end_promotion(b.org, promo, None, T0).await);
    nf(s.take_flash_quota(b.org, promo, 1).await);
    nf(s.return_flash_quota(b.org, promo, 1).await);
    nf(s.issue_on_event(b.org, am[0], CouponEvent::NewMember, T0)
        .await
        .map(|_| ()));
    nf(s.create_promotion(
        b.org,
        &promo_def("别家的", PromotionRule::SecondItemHalfPrice { product: milk }),
        T0,
    )
    .await
    .map(|_| ()));
    nf(s.create_coupon(
        b.org,
        &coupon_def("别家的", CouponKind::FreeItem { product: milk }, 1),
        T0,
    )
    .await
    .map(|_| ()));
    nf(s.create_coupon(
        a.org,
        &coupon_def(
            "别家的",
            CouponKind::CategoryFixed {
                category: b.dairy,
                amount_fen: 100,
            },
            1,
        ),
        T0,
    )
    .await
    .map(|_| ()));
    assert!(s.active_promotions(b.org, T0 + HOUR).await.unwrap().is_empty());
    assert_eq!(s.coupons(b.org, None, page(10)).await.unwrap().total, 0);
    assert_eq!(s.promotions(b.org, None, page(10)).await.unwrap().total, 0);
    // Nothing of a's changed through b's attempts.
    assert_eq!(s.coupon(a.org, coupon).await.unwrap().status, OfferStatus::Active);
    assert_eq!(s.promotion(a.org, promo).await.unwrap().flash_sold, Some(0));
    assert_eq!(s.member_coupons(a.org, am[0], Some(T0)).await.unwrap().len(), 1);
}

/// The sale path reads the promotions from a copy kept for a second: within that
/// second it answers for any instant as a fresh read would (a promotion starting
/// half a second later included), and a change through the store drops it at once.
pub async fn the_copy_of_the_promotions_answers_like_a_fresh_read_and_drops_on_change(s: Store) {
    let o = org(&s, "a").await;
    let milk = product(&s, &o, "P1", "牛奶").await;
    let bread = product(&s, &o, "P2", "面包").await;
    let now = T0 + DAY;
    let mut soon = promo_def("半秒后开始", PromotionRule::SecondItemHalfPrice { product: milk });
    soon.starts_at = now + 500;
    let soon = s.create_promotion(o.org, &soon, T0).await.unwrap();
    let ids = |v: Vec<Promotion>| v.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert!(s.active_promotions(o.org, now).await.unwrap().is_empty(), "not yet");
    assert_eq!(ids(s.active_promotions(o.org, now + 600).await.unwrap()), vec![soon]);
    let other = s
        .create_promotion(
            o.org,
            &promo_def(
                "买二赠一",
                PromotionRule::BuyXGetY {
                    product: bread,
                    buy: 2,
                    free: 1,
                },
            ),
            T0,
        )
        .await
        .unwrap();
    let mut seen = ids(s.active_promotions(o.org, now + 700).await.unwrap());
    seen.sort();
    assert_eq!(seen, vec![soon, other], "a new promotion is seen at once");
    s.end_promotion(o.org, soon, None, now).await.unwrap();
    assert_eq!(
        ids(s.active_promotions(o.org, now + 800).await.unwrap()),
        vec![other],
        "an ended one is gone at once"
    );
}
