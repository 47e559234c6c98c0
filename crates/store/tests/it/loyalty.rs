//! Members' points and stored value: the ledgers, their cached balances, refunds exactly
//! once, expiry, birthday gifts, concurrency and tenancy.

use crate::fixtures::*;
use jiff::civil::date;
use linli_domain::ids::{MemberId, OrderId, ProductId};
use linli_domain::loyalty::{
    EarnRule, PointsBook, PointsKind, RedeemRule, RefundPortion, StoredValueBook, StoredValueKind, TierRule, TierTable,
    TopUpRule,
};
use linli_domain::money::Rounding;
use linli_domain::time::MS_PER_DAY;
use linli_store::*;
use std::sync::Arc;

on_both_backends!(loyalty:
    an_org_without_settings_gets_the_defaults_and_saved_settings_round_trip,
    a_top_up_gets_its_bonus_and_a_spend_takes_principal_and_bonus_in_proportion,
    a_sale_redeems_and_earns_points_and_a_refused_sale_effect_writes_nothing,
    a_refund_reverses_member_effects_exactly_once_per_portion,
    lapsed_points_are_never_redeemed_and_the_sweep_expires_them_once,
    a_birthday_gift_is_issued_once_per_year_however_often_the_job_runs,
    concurrent_redemptions_on_one_member_succeed_only_as_far_as_the_points_go,
    random_operations_keep_the_cached_balances_equal_to_the_fold_of_the_ledgers,
    another_orgs_member_is_not_found,
    members_are_found_by_phone_or_member_code_and_spend_rolls_over_twelve_months,
);

const DAY: i64 = MS_PER_DAY;

struct Shop {
    o: Org,
    product: ProductId,
}

async fn shop(s: &Store, name: &str) -> Shop {
    let o = org(s, name).await;
    let product = product(s, &o, &format!("{name}-P1"), "牛奶").await;
    stock(s, &o, o.floor, product, "L1", None, 100_000).await;
    Shop { o, product }
}

async fn member(s: &Store, shop: &Shop, phone: &str, birthday: Option<&str>) -> MemberId {
    s.create_member(
        shop.o.org,
        &NewMember {
            phone,
            name: "王阿姨",
            building: None,
            unit_no: "",
            room: "",
            birthday: birthday.map(String::from),
            joined_at: T0,
        },
    )
    .await
    .unwrap()
}

/// A completed till sale of `total_fen` for the member, so effects have an order.
async fn sale(s: &Store, shop: &Shop, member: MemberId, total_fen: i64, at: i64) -> OrderId {
    s.record_sale(
        shop.o.org,
        &NewSale {
            store: shop.o.store,
            location: shop.o.floor,
            channel: "till",
            member: Some(member),
            staff: None,
            lines: vec![SaleLine {
                product: shop.product,
                qty: 1,
                unit_price_fen: total_fen,
                line_total_fen: total_fen,
            }],
            payments: vec![],
            at,
            details: SaleDetails::default(),
        },
    )
    .await
    .unwrap()
    .order()
}

fn effects(member: MemberId, redeem_points: i64, stored_value_fen: i64, earn_points: i64) -> SaleMemberEffects {
    SaleMemberEffects {
        member,
        redeem_points,
        stored_value_fen,
        earn_points,
        earn_expires_at: T0 + 365 * DAY,
    }
}

fn refusal(e: StoreError) -> (&'static str, &'static str) {
    match e {
        StoreError::Refused { code, field, en, zh } => {
            assert!(!en.is_empty() && !zh.is_empty(), "both languages");
            (code, field)
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The cached balance of a member equals the fold of the entries read back, and the
/// cached next entry numbers are the ledger lengths.
async fn assert_folds(s: &Store, org: linli_domain::ids::OrgId, m: MemberId) -> MemberBalance {
    let bal = s.member_balance(org, m).await.unwrap();
    let points = s.points_entries(org, m).await.unwrap();
    let stored = s.stored_value_entries(org, m).await.unwrap();
    let pb = PointsBook::fold(&points).expect("the stored points ledger folds");
    let sb = StoredValueBook::fold(&stored).expect("the stored stored-value ledger folds");
    assert_eq!(bal.points, pb.balance(), "cached points = fold");
    assert_eq!(
        (bal.principal_fen, bal.bonus_fen),
        (sb.principal_fen(), sb.bonus_fen()),
        "cached stored value = fold"
    );
    assert_eq!(bal.points_next_no, points.len() as i64);
    assert_eq!(bal.stored_value_next_no, stored.len() as i64);
    assert!(bal.points >= 0 && bal.principal_fen >= 0 && bal.bonus_fen >= 0);
    bal
}

pub async fn an_org_without_settings_gets_the_defaults_and_saved_settings_round_trip(s: Store) {
    let a = shop(&s, "a").await;
    let d = s.loyalty_settings(a.o.org).await.unwrap();
    assert_eq!(d, LoyaltySettings::defaults());
    assert_eq!(d.earn().fen_per_point(), 100);
    assert_eq!(d.redeem().points_per_yuan(), 100);
    assert_eq!(d.redeem().order_share_max_bp(), 5_000);
    assert_eq!(d.earn().expiry_months(), 12);
    assert_eq!(d.top_ups().bonus_for(50_000), 5_000);
    assert_eq!(d.top_ups().bonus_for(100_000), 12_000);
    let codes: Vec<&str> = d.tiers().rules().iter().map(|t| t.name_zh.as_str()).collect();
    assert_eq!(codes, vec!["普通会员", "银卡会员", "金卡会员", "钻石会员"]);

    let tier = |code: &str, min: i64, discount_bp: u32, mult: u32| TierRule {
        code: code.into(),
        name_zh: code.into(),
        min_spend_fen_12m: min,
        discount_bp,
        points_multiplier_bp: mult,
    };
    let mine = LoyaltySettings::new(
        EarnRule::new(200, Rounding::HalfUp, 6).unwrap(),
        RedeemRule::new(50, 3_000).unwrap(),
        vec![
            TopUpRule {
                min_paid_fen: 80_000,
                bonus_fen: 15_000,
            },
            TopUpRule {
                min_paid_fen: 20_000,
                bonus_fen: 3_000,
            },
        ],
        TierTable::new(vec![
            tier("basic", 0, 10_000, 10_000),
            tier("vip", 300_000, 9_000, 30_000),
        ])
        .unwrap(),
        0,
    )
    .unwrap();
    s.set_loyalty_settings(a.o.org, &mine, Some(a.o.staff), T0)
        .await
        .unwrap();
    assert_eq!(s.loyalty_settings(a.o.org).await.unwrap(), mine);
    // Saving again replaces, it does not add.
    s.set_loyalty_settings(a.o.org, &mine, Some(a.o.staff), T0)
        .await
        .unwrap();
    assert_eq!(s.loyalty_settings(a.o.org).await.unwrap().tiers().rules().len(), 2);
    let audit = s.audit_log(a.o.org, Some("loyalty."), page(10)).await.unwrap();
    assert_eq!(audit.total, 2);
    // Another organisation still has the defaults.
    let b = shop(&s, "b").await;
    assert_eq!(s.loyalty_settings(b.o.org).await.unwrap(), LoyaltySettings::defaults());
}

pub async fn a_top_up_gets_its_bonus_and_a_spend_takes_principal_and_bonus_in_proportion(s: Store) {
    let a = shop(&s, "a").await;
    let m = member(&s, &a, "13800000001", None).await;
    let done = s.top_up(a.o.org, m, 50_000, "cash", Some(a.o.staff), T0).await.unwrap();
    assert_eq!(
        (
            done.principal_fen,
            done.bonus_fen,
            done.principal_after,
            done.bonus_after
        ),
        (50_000, 5_000, 50_000, 5_000),
        "充500送50"
    );
    // Below every threshold: no bonus.
    let small = s.top_up(a.o.org, m, 100, "wechat_qr", None, T0).await.unwrap();
    assert_eq!((small.bonus_fen, small.principal_after), (0, 50_100));

    // 10 001 fen of 55 100: bonus part = ceil(10 001 × 5 000 / 55 100) = 908, principal 9 093.
    let order = sale(&s, &a, m, 20_000, T0 + 1).await;
    s.apply_sale_effects(a.o.org, order, &effects(m, 0, 10_001, 0), T0 + 1)
        .await
        .unwrap();
    let bal = assert_folds(&s, a.o.org, m).await;
    assert_eq!((bal.principal_fen, bal.bonus_fen), (50_100 - 9_093, 5_000 - 908));

    // More than the card holds: refused naming the payments, nothing written.
    let order2 = sale(&s, &a, m, 90_000, T0 + 2).await;
    let err = s
        .apply_sale_effects(a.o.org, order2, &effects(m, 0, 90_000, 50), T0 + 2)
        .await
        .unwrap_err();
    assert_eq!(refusal(err), ("stored_value_short", "payments"));
    assert_eq!(
        assert_folds(&s, a.o.org, m).await,
        bal,
        "a refused sale effect writes nothing"
    );

    // The registered card limit (¥5,000) holds for top-ups.
    let err = s.top_up(a.o.org, m, 480_000, "cash", None, T0 + 3).await.unwrap_err();
    assert_eq!(refusal(err), ("stored_value_limit", "paid_fen"));

    let statement = s.stored_value_statement(a.o.org, m, page(10)).await.unwrap();
    assert_eq!(statement.total, 3);
    let kinds: Vec<&str> = statement.items.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, vec!["spend", "top_up", "top_up"], "newest first");
    assert_eq!(statement.items[0].order_id, Some(order));
    assert_eq!(
        (statement.items[0].principal_fen, statement.items[0].bonus_fen),
        (-9_093, -908)
    );
    assert_eq!(statement.items[2].tender, "cash");
    assert_eq!(statement.items[2].staff_name.as_deref(), Some("店长"));
    assert_eq!(
        s.audit_log(a.o.org, Some("member.top_up"), page(10))
            .await
            .unwrap()
            .total,
        2
    );
}

pub async fn a_sale_redeems_and_earns_points_and_a_refused_sale_effect_writes_nothing(s: Store) {
    let a = shop(&s, "a").await;
    let m = member(&s, &a, "13800000001", None).await;
    assert_eq!(
        s.adjust_points(a.o.org, m, 1_000, "开业赠送", Some(a.o.staff), T0)
            .await
            .unwrap(),
        1_000
    );
    s.top_up(a.o.org, m, 1_000, "cash", None, T0).await.unwrap();
    let order = sale(&s, &a, m, 10_000, T0 + 1).await;
    s.apply_sale_effects(a.o.org, order, &effects(m, 300, 500, 97), T0 + 1)
        .await
        .unwrap();
    let bal = assert_folds(&s, a.o.org, m).await;
    assert_eq!((bal.points, bal.principal_fen), (797, 500));
    assert_eq!(bal.next_expiry_at, Some(T0 + 365 * DAY));

    // The same order cannot redeem or earn twice.
    let err = s
        .apply_sale_effects(a.o.org, order, &effects(m, 10, 0, 0), T0 + 2)
        .await
        .unwrap_err();
    assert_eq!(refusal(err).1, "redeem_points");

    // Points short: the whole effect is refused, the stored-value part included.
    let order2 = sale(&s, &a, m, 10_000, T0 + 3).await;
    let err = s
        .apply_sale_effects(a.o.org, order2, &effects(m, 5_000, 100, 10), T0 + 3)
        .await
        .unwrap_err();
    assert_eq!(refusal(err), ("points_short", "redeem_points"));
    assert_eq!(assert_folds(&s, a.o.org, m).await, bal);

    // Negative effects are refused naming the field.
    let err = s
        .apply_sale_effects(a.o.org, order2, &effects(m, -1, 0, 0), T0 + 3)
        .await
        .unwrap_err();
    assert_eq!(refusal(err), ("invalid", "redeem_points"));

    let statement = s.points_statement(a.o.org, m, page(10)).await.unwrap();
    let rows: Vec<(&str, i64, i64)> = statement
        .items
        .iter()
        .map(|r| (r.kind.as_str(), r.points, r.balance_after))
        .collect();
    assert_eq!(
        rows,
        vec![("earn", 97, 797), ("redeem", -300, 700), ("adjust", 1_000, 1_000)]
    );
    assert_eq!(statement.items[2].reason, "开业赠送");
    assert_eq!(
        s.audit_log(a.o.org, Some("member.points_adjust"), page(10))
            .await
            .unwrap()
            .total,
        1
    );
    // A negative adjustment beyond the balance is refused; one within it lands.
    let err = s
        .adjust_points(a.o.org, m, -800, "纠错", None, T0 + 4)
        .await
        .unwrap_err();
    assert_eq!(refusal(err), ("points_short", "points"));
    assert_eq!(
        s.adjust_points(a.o.org, m, -97, "纠错", None, T0 + 4).await.unwrap(),
        700
    );
    assert_folds(&s, a.o.org, m).await;
}

pub async fn a_refund_reverses_member_effects_exactly_once_per_portion(s: Store) {
    let a = shop(&s, "a").await;
    let m = member(&s, &a, "13800000001", None).await;
    s.adjust_points(a.o.org, m, 1_000, "开业赠送", None, T0).await.unwrap();
    s.top_up(a.o.org, m, 50_000, "cash", None, T0).await.unwrap();
    let order = sale(&s, &a, m, 10_000, T0 + 1).await;
    s.apply_sale_effects(a.o.org, order, &effects(m, 200, 3_000, 50), T0 + 1)
        .await
        .unwrap();
    let before = assert_folds(&s, a.o.org, m).await;
    assert_eq!(before.points, 850);

    let half = RefundPortion::new(5_000, 10_000).unwrap();
    let r = s.reverse_sale_effects(a.o.org, m, order, half, T0 + 2).await.unwrap();
    assert_eq!(
        r,
        ReversedEffects {
            points_returned: 100,
            points_clawed_back: 25,
            // The spend was 2 727 principal + 273 bonus; each half rounds down.
            stored_value_returned_fen: 1_363 + 136,
        }
    );
    let after_half = assert_folds(&s, a.o.org, m).await;
    assert_eq!(after_half.points, 850 + 100 - 25);
    assert_eq!(
        after_half.principal_fen + after_half.bonus_fen,
        before.principal_fen + before.bonus_fen + 1_499
    );

    // The same portion again: refused, nothing doubled.
    let err = s
        .reverse_sale_effects(a.o.org, m, order, half, T0 + 3)
        .await
        .unwrap_err();
    assert_eq!(refusal(err), ("already_reversed", "order_id"));
    // A smaller cumulative portion is not "more" either.
    let err = s
        .reverse_sale_effects(a.o.org, m, order, RefundPortion::new(1_000, 10_000).unwrap(), T0 + 3)
        .await
        .unwrap_err();
    assert_eq!(refusal(err).0, "already_reversed");
    assert_eq!(
        assert_folds(&s, a.o.org, m).await,
        after_half,
        "refused reversals write nothing"
    );

    // The rest of the order: exactly the remainder, then nothing more.
    let full = RefundPortion::full(10_000).unwrap();
    let r = s.reverse_sale_effects(a.o.org, m, order, full, T0 + 4).await.unwrap();
    assert_eq!(
        (r.points_returned, r.points_clawed_back, r.stored_value_returned_fen),
        (100, 25, 1_364 + 137)
    );
    let err = s
        .reverse_sale_effects(a.o.org, m, order, full, T0 + 5)
        .await
        .unwrap_err();
    assert_eq!(refusal(err).0, "already_reversed");
    let end = assert_folds(&s, a.o.org, m).await;
    assert_eq!(end.points, 1_000, "every point of the order is back where it was");
    assert_eq!((end.principal_fen, end.bonus_fen), (50_000, 5_000));

    // An order without member effects reverses to nothing, without complaint.
    let plain = sale(&s, &a, m, 700, T0 + 6).await;
    let r = s.reverse_sale_effects(a.o.org, m, plain, full, T0 + 6).await.unwrap();
    assert_eq!(r, ReversedEffects::default());
    let statement = s.points_statement(a.o.org, m, page(50)).await.unwrap();
    let reversals = statement.items.iter().filter(|r| r.kind == "reverse").count();
    assert_eq!(reversals, 4, "two portions × (redemption, award)");
    assert!(
        statement
            .items
            .iter()
            .filter(|r| r.kind == "reverse")
            .all(|r| r.order_id == Some(order)),
        "a reversal names the order it reverses"
    );
}

pub async fn lapsed_points_are_never_redeemed_and_the_sweep_expires_them_once(s: Store) {
    let a = shop(&s, "a").await;
    let m = member(&s, &a, "13800000001", None).await;
    let other = member(&s, &a, "13800000002", None).await;
    let earn = |order_member: MemberId, points: i64, expires: i64| SaleMemberEffects {
        member: order_member,
        redeem_points: 0,
        stored_value_fen: 0,
        earn_points: points,
        earn_expires_at: expires,
    };
    for (points, expires) in [(100, T0 + 10 * DAY), (50, T0 + 5 * DAY), (30, T0 + 20 * DAY)] {
        let o = sale(&s, &a, m, 10_000, T0).await;
        s.apply_sale_effects(a.o.org, o, &earn(m, points, expires), T0)
            .await
            .unwrap();
    }
    let o = sale(&s, &a, other, 10_000, T0).await;
    s.apply_sale_effects(a.o.org, o, &earn(other, 40, T0 + 3 * DAY), T0)
        .await
        .unwrap();
    // 60 points are taken from the earliest-expiring award first: 50 of it, then 10.
    let o = sale(&s, &a, m, 10_000, T0 + DAY).await;
    s.apply_sale_effects(a.o.org, o, &effects(m, 60, 0, 0), T0 + DAY)
        .await
        .unwrap();
    assert_eq!(
        s.member_balance(a.o.org, m).await.unwrap().next_expiry_at,
        Some(T0 + 10 * DAY)
    );

    // After the 100-point award lapsed, its 90 left are not redeemable ...
    let now = T0 + 12 * DAY;
    let view = s.member_loyalty(a.o.org, m, now).await.unwrap();
    assert_eq!((view.points_balance, view.points_available), (120, 30));
    assert_eq!(
        view.expiring,
        vec![ExpiringPoints {
            expires_at: T0 + 20 * DAY,
            points: 30
        }]
    );
    let o = sale(&s, &a, m, 10_000, now).await;
    let err = s
        .apply_sale_effects(a.o.org, o, &effects(m, 31, 0, 0), now)
        .await
        .unwrap_err();
    assert_eq!(refusal(err).0, "points_short");

    // ... and the sweep writes them off, with the other member's, once.
    let sweep = s.expire_points(a.o.org, now).await.unwrap();
    assert_eq!(
        sweep,
        ExpirySweep {
            members: 2,
            points: 130
        }
    );
    assert_eq!(s.expire_points(a.o.org, now).await.unwrap(), ExpirySweep::default());
    let bal = assert_folds(&s, a.o.org, m).await;
    assert_eq!((bal.points, bal.next_expiry_at), (30, Some(T0 + 20 * DAY)));
    assert_eq!(assert_folds(&s, a.o.org, other).await.points, 0);
    let statement = s.points_statement(a.o.org, m, page(1)).await.unwrap();
    assert_eq!(
        (statement.items[0].kind.as_str(), statement.items[0].points),
        ("expire", -90)
    );
    // Later the last award lapses too.
    let sweep = s.expire_points(a.o.org, T0 + 21 * DAY).await.unwrap();
    assert_eq!(sweep, ExpirySweep { members: 1, points: 30 });
    assert_eq!(assert_folds(&s, a.o.org, m).await.next_expiry_at, None);
}

pub async fn a_birthday_gift_is_issued_once_per_year_however_often_the_job_runs(s: Store) {
    let a = shop(&s, "a").await;
    // 2026-06-10 is a Wednesday: the birthday week is 8–14 June.
    let m1 = member(&s, &a, "13800000001", Some("1990-06-10")).await;
    let m2 = member(&s, &a, "13800000002", Some("1985-06-14")).await;
    let late = member(&s, &a, "13800000003", Some("1985-07-14")).await;
    let none = member(&s, &a, "13800000004", None).await;
    let today = date(2026, 6, 10);
    let at = T0 + 200 * DAY;
    let s = Arc::new(s);
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let s = s.clone();
            let org = a.o.org;
            tokio::spawn(async move { s.issue_birthday_gifts(org, today, at).await })
        })
        .collect();
    let mut issued = 0;
    for r in runs {
        let sweep = r.await.unwrap().unwrap();
        issued += sweep.issued;
    }
    assert_eq!(issued, 2, "four concurrent runs issue each due gift once");
    assert_eq!(
        s.issue_birthday_gifts(a.o.org, date(2026, 6, 14), at).await.unwrap(),
        BirthdaySweep::default(),
        "a later run in the same week issues nothing"
    );
    for m in [m1, m2] {
        assert_eq!(assert_folds(&s, a.o.org, m).await.points, 200);
    }
    for m in [late, none] {
        assert_eq!(assert_folds(&s, a.o.org, m).await.points, 0);
    }
    let statement = s.points_statement(a.o.org, m1, page(5)).await.unwrap();
    assert_eq!(statement.total, 1);
    assert_eq!(statement.items[0].reason, "生日礼 2026");
    // Next year's week brings next year's gift.
    // 2027-06-10 is a Thursday (week 7–13 June); 2027-06-14 a Monday (week 14–20 June).
    let sweep = s
        .issue_birthday_gifts(a.o.org, date(2027, 6, 10), at + 365 * DAY)
        .await
        .unwrap();
    assert_eq!(sweep, BirthdaySweep { issued: 1, points: 200 });
    assert_eq!(assert_folds(&s, a.o.org, m1).await.points, 400);
}

pub async fn concurrent_redemptions_on_one_member_succeed_only_as_far_as_the_points_go(s: Store) {
    let a = shop(&s, "a").await;
    let m = member(&s, &a, "13800000001", None).await;
    s.adjust_points(a.o.org, m, 1_000, "开业赠送", None, T0).await.unwrap();
    let mut orders = Vec::new();
    for i in 0..32 {
        orders.push(sale(&s, &a, m, 10_000, T0 + i).await);
    }
    let s = Arc::new(s);
    let tasks: Vec<_> = orders
        .into_iter()
        .map(|order| {
            let s = s.clone();
            let org = a.o.org;
            tokio::spawn(async move { s.apply_sale_effects(org, order, &effects(m, 100, 0, 5), T0 + DAY).await })
        })
        .collect();
    let (mut ok, mut short) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => ok += 1,
            Err(StoreError::Refused {
                code: "points_short", ..
            }) => short += 1,
            Err(e) => panic!("unexpected error under concurrency: {e:?}"),
        }
    }
    assert_eq!((ok, short), (10, 22));
    let bal = assert_folds(&s, a.o.org, m).await;
    // 1 000 − 10 × 100 + 10 × 5 earned.
    assert_eq!(bal.points, 50);
    assert!(s.loyalty_mismatches(a.o.org).await.unwrap().is_empty());
}

/// A small deterministic generator: the same seed gives the same run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: i64) -> i64 {
        (self.next() % n as u64) as i64
    }
}

pub async fn random_operations_keep_the_cached_balances_equal_to_the_fold_of_the_ledgers(s: Store) {
    let a = shop(&s, "a").await;
    let members = [
        member(&s, &a, "13800000001", None).await,
        member(&s, &a, "13800000002", None).await,
    ];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut now = T0;
    // (member, order, total, tenths refunded so far)
    let mut sales: Vec<(MemberId, OrderId, i64, i64)> = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for _step in 0..90 {
        let m = members[rng.below(2) as usize];
        let outcome = match rng.below(6) {
            0 => s
                .top_up(a.o.org, m, 1 + rng.below(60_000), "cash", None, now)
                .await
                .map(|_| ()),
            1 | 2 => {
                let total = 100 + rng.below(20_000);
                let order = sale(&s, &a, m, total, now).await;
                let e = SaleMemberEffects {
                    member: m,
                    redeem_points: rng.below(3) * rng.below(400),
                    stored_value_fen: rng.below(2) * rng.below(8_000),
                    earn_points: rng.below(200),
                    earn_expires_at: now + (1 + rng.below(60)) * DAY,
                };
                let r = s.apply_sale_effects(a.o.org, order, &e, now).await;
                if r.is_ok() {
                    sales.push((m, order, total, 0));
                }
                r
            }
            3 if !sales.is_empty() => {
                let i = rng.below(sales.len() as i64) as usize;
                let (m, order, total, done) = sales[i];
                // Mostly a larger share; sometimes the same share again (must be refused).
                let tenths = if done > 0 && rng.below(4) == 0 {
                    done
                } else {
                    (done + 1 + rng.below(4)).min(10)
                };
                let portion = RefundPortion::new(total * tenths / 10, total).unwrap();
                let before = s.member_balance(a.o.org, m).await.unwrap();
                let r = s.reverse_sale_effects(a.o.org, m, order, portion, now).await;
                match &r {
                    Ok(_) => sales[i].3 = tenths,
                    Err(StoreError::Refused { code, .. }) => {
                        assert_eq!(*code, "already_reversed");
                        let after = s.member_balance(a.o.org, m).await.unwrap();
                        assert_eq!(
                            (after.points, after.principal_fen, after.bonus_fen),
                            (before.points, before.principal_fen, before.bonus_fen),
                            "a refused reversal changes nothing"
                        );
                    }
                    Err(e) => panic!("unexpected error: {e:?}"),
                }
                r.map(|_| ())
            }
            4 => {
                let points = rng.below(300) - 100;
                s.adjust_points(a.o.org, m, points, "随机调整", None, now)
                    .await
                    .map(|_| ())
            }
            _ => {
                now += rng.below(20) * DAY;
                s.expire_points(a.o.org, now).await.map(|_| ())
            }
        };
        match outcome {
            Ok(()) => accepted += 1,
            Err(StoreError::Refused { .. }) => refused += 1,
            Err(e) => panic!("unexpected error: {e:?}"),
        }
        for m in members {
            assert_folds(&s, a.o.org, m).await;
        }
        now += 1;
    }
    assert!(
        accepted > 40 && refused > 3,
        "the run exercised both paths: {accepted} ok, {refused} refused"
    );
    assert!(s.loyalty_mismatches(a.o.org).await.unwrap().is_empty());
    // Reversals never exceed what they reverse.
    for m in members {
        let entries = s.points_entries(a.o.org, m).await.unwrap();
        for (no, e) in entries.iter().enumerate() {
            let reversed: i64 = entries
                .iter()
                .filter_map(|r| match r.kind {
                    PointsKind::Reverse { of_entry, .. } if of_entry.0 as usize == no => Some(r.points),
                    _ => None,
                })
                .sum();
            match e.kind {
                PointsKind::Earn { .. } => assert!(-reversed <= e.points && reversed <= 0),
                PointsKind::Redeem { .. } => assert!(reversed <= -e.points && reversed >= 0),
                _ => assert_eq!(reversed, 0),
            }
        }
        let stored = s.stored_value_entries(a.o.org, m).await.unwrap();
        for (no, e) in stored.iter().enumerate() {
            let back: i64 = stored
                .iter()
                .filter(|r| matches!(r.kind, StoredValueKind::Refund { of_entry, .. } if of_entry.0 as usize == no))
                .map(|r| r.amount_fen())
                .sum();
            assert!(back <= -e.amount_fen().min(0), "refunds never exceed the spend");
        }
    }
}

pub async fn another_orgs_member_is_not_found(s: Store) {
    let a = shop(&s, "a").await;
    let b = shop(&s, "b").await;
    let theirs = member(&s, &b, "13900000009", None).await;
    s.top_up(b.o.org, theirs, 10_000, "cash", None, T0).await.unwrap();
    let mine = member(&s, &a, "13800000001", None).await;
    let my_order = sale(&s, &a, mine, 1_000, T0).await;
    let page = page(10);
    let org = a.o.org;
    let full = RefundPortion::full(1_000).unwrap();
    assert!(matches!(
        s.member_loyalty(org, theirs, T0).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(s.member_balance(org, theirs).await, Err(StoreError::NotFound)));
    assert!(matches!(
        s.points_statement(org, theirs, page).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.stored_value_statement(org, theirs, page).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(s.points_entries(org, theirs).await, Err(StoreError::NotFound)));
    assert!(matches!(
        s.top_up(org, theirs, 100, "cash", None, T0).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.adjust_points(org, theirs, 5, "x", None, T0).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.apply_sale_effects(org, my_order, &effects(theirs, 0, 100, 0), T0)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.reverse_sale_effects(org, theirs, my_order, full, T0).await,
        Err(StoreError::NotFound)
    ));
    // Their organisation cannot charge my member against their own order either.
    let their_order = sale(&s, &b, theirs, 1_000, T0).await;
    assert!(matches!(
        s.apply_sale_effects(org, their_order, &effects(mine, 0, 0, 5), T0)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(s.member_by_phone_or_code(org, "13900000009").await.unwrap().is_none());
    assert!(
        s.member_by_phone_or_code(org, &member_code(theirs))
            .await
            .unwrap()
            .is_none()
    );
    // Their card is untouched.
    let bal = assert_folds(&s, b.o.org, theirs).await;
    assert_eq!((bal.principal_fen, bal.points), (10_000, 0));
}

pub async fn members_are_found_by_phone_or_member_code_and_spend_rolls_over_twelve_months(s: Store) {
    let a = shop(&s, "a").await;
    let m = member(&s, &a, "13800000001", None).await;
    let other = member(&s, &a, "13800000002", None).await;
    let found = s
        .member_by_phone_or_code(a.o.org, "13800000001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, m);
    let code = member_code(other);
    assert!(code.starts_with('M') && code.len() >= 7, "{code}");
    assert_eq!(parse_member_code(&code), Some(other));
    assert_eq!(parse_member_code(&code.to_lowercase()), Some(other));
    assert_eq!(parse_member_code("13800000001"), None);
    assert_eq!(parse_member_code("M"), None);
    assert_eq!(
        s.member_by_phone_or_code(a.o.org, &code).await.unwrap().map(|r| r.id),
        Some(other)
    );
    assert!(
        s.member_by_phone_or_code(a.o.org, "13800000099")
            .await
            .unwrap()
            .is_none()
    );

    sale(&s, &a, m, 30_000, T0).await;
    sale(&s, &a, m, 20_000, T0 + 100 * DAY).await;
    sale(&s, &a, other, 99_000, T0 + 100 * DAY).await;
    assert_eq!(s.rolling_spend(a.o.org, m, T0 + 101 * DAY).await.unwrap(), 50_000);
    // A year and a day later only the second sale still counts.
    assert_eq!(s.rolling_spend(a.o.org, m, T0 + 366 * DAY).await.unwrap(), 20_000);
    let view = s.member_loyalty(a.o.org, m, T0 + 101 * DAY).await.unwrap();
    assert_eq!(view.rolling_spend_fen, 50_000);
    assert_eq!(view.member.phone, "13800000001");
}
