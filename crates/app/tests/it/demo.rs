//! The demo community lands whole, on both backends, through the selling path: members
//! with tiers, points and stored value, coupons and promotions, today's open shop orders.

use linli_app::{App, FixedClock, Paging};
use linli_domain::orders::OrderStatus;
use linli_domain::pricing::PromotionRule;
use linli_domain::time;
use linli_store::{LoyaltySettings, PageRequest};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// 2026-11-25 10:00 Asia/Shanghai.
const NOW: i64 = 1_795_572_000_000;

/// Days of history long enough for the most loyal households to reach 金卡.
const TIER_DAYS: u32 = 45;

async fn seeded(url: &str, days: u32) -> (App, linli_app::seed::SeedReport) {
    let store = linli_store::Store::connect(url).await.unwrap();
    let app = App::new(store, Arc::new(FixedClock::new(NOW)));
    let end = time::local_date(NOW).yesterday().unwrap();
    let report = linli_app::demo_seed::seed_demo(&app, 7, end, days, &|_| {})
        .await
        .unwrap();
    (app, report)
}

async fn manager(app: &App) -> linli_app::Actor {
    app.login("manager", "demo1234", linli_app::auth::SessionKind::Api)
        .await
        .unwrap()
        .actor
}

/// Today's resident-shop orders, every status.
async fn shop_orders(app: &App) -> Vec<linli_store::OnlineOrderRow> {
    let m = manager(app).await;
    let page = Paging {
        page: 1,
        page_size: 200,
    };
    let orders = app.online_orders(&m, None, None, None, page).await.unwrap();
    assert!(orders.total < 200);
    orders.items
}

/// What the money side of the demo adds up to, for comparing two runs.
#[derive(Debug, PartialEq, Eq)]
struct MoneyTotals {
    revenue_fen: i64,
    /// (points, principal, bonus) over all members.
    balances: (i64, i64, i64),
    members_with_points: usize,
    members_with_stored_value: usize,
    /// Members per tier code.
    tiers: Vec<(String, usize)>,
    /// (name, issued, used) per coupon.
    coupons: Vec<(String, i64, i64)>,
    /// (status, total) per shop order, in id order.
    shop: Vec<(String, i64)>,
}

async fn money_totals(app: &App) -> MoneyTotals {
    let org = manager(app).await.org;
    let s = &app.store;
    let settings: LoyaltySettings = s.loyalty_settings(org).await.unwrap();
    let mut balances = (0, 0, 0);
    let (mut with_points, mut with_stored_value) = (0, 0);
    let mut tiers: HashMap<String, usize> = HashMap::new();
    for m in s.member_ids(org).await.unwrap() {
        let b = s.member_balance(org, m).await.unwrap();
        balances.0 += b.points;
        balances.1 += b.principal_fen;
        balances.2 += b.bonus_fen;
        with_points += usize::from(b.points > 0);
        with_stored_value += usize::from(b.principal_fen + b.bonus_fen > 0);
        let spend = s.rolling_spend(org, m, NOW).await.unwrap();
        *tiers.entry(settings.tiers().tier_for(spend).code.clone()).or_insert(0) += 1;
    }
    let mut tiers: Vec<(String, usize)> = tiers.into_iter().collect();
    tiers.sort();
    let page = PageRequest { offset: 0, limit: 100 };
    let mut coupons: Vec<(String, i64, i64)> = s
        .coupons(org, None, page)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|c| (c.name_zh, c.issued, c.used))
        .collect();
    coupons.sort();
    let mut shop: Vec<(i64, String, i64)> = shop_orders(app)
        .await
        .into_iter()
        .map(|o| (o.id.0, o.status.code().to_string(), o.total_fen))
        .collect();
    shop.sort();
    MoneyTotals {
        revenue_fen: s.sales_summary(org).await.unwrap().revenue_fen,
        balances,
        members_with_points: with_points,
        members_with_stored_value: with_stored_value,
        tiers,
        coupons,
        shop: shop.into_iter().map(|(_, status, total)| (status, total)).collect(),
    }
}

async fn check_demo(app: &App, report: &linli_app::seed::SeedReport, days: u32) {
    assert!(report.products >= 400, "{report:?}");
    assert!(report.members >= 500);
    assert!(report.sales as u32 >= 250 * days, "{report:?}");
    assert!(
        report.refused_sales * 20 < report.sales.max(1),
        "under 5% of sales refused for stock (the demo lets a few products run out): {report:?}"
    );
    let manager = manager(app).await;
    let org = manager.org;
    assert!(
        app.store.ledger_mismatches(org).await.unwrap().is_empty(),
        "balances equal the fold of movements"
    );
    assert_eq!(
        app.store.dangling_references(org).await.unwrap(),
        vec![],
        "every row of 180 days of sales has its parents"
    );
    // 数据中心: the jobs ran over the history: pairs bought together, and members sorted
    // into segments with lifetime values for the returning ones.
    let runs = app.store.job_runs(org, 5).await.unwrap();
    let run_of = |job: &str| runs.iter().find(|r| r.job == job).expect("the job ran");
    let bought = run_of("bought_together");
    assert_eq!(bought.status, "done");
    let pairs: usize = bought
        .detail
        .split(", ")
        .nth(1)
        .and_then(|p| p.trim_end_matches(" pairs").parse().ok())
        .unwrap_or(0);
    assert!(pairs > 50, "the demo's baskets hold pairs: {}", bought.detail);
    assert_eq!(run_of("member_segments").status, "done");
    let sizes = app.store.segment_sizes(org).await.unwrap();
    assert!(
        sizes.len() >= 2 && sizes.iter().map(|s| s.1).sum::<i64>() > 100,
        "{sizes:?}"
    );
    let lapsing = app.store.member_insights(org, None, true, 10).await.unwrap();
    assert!(!lapsing.is_empty() && lapsing.iter().all(|r| r.insight.purchase_days >= 2));
    let locations = app.store.locations(org).await.unwrap();
    assert_eq!(
        locations
            .iter()
            .filter(|l| l.kind == linli_store::LocationKind::GridStation)
            .count(),
        6
    );
    let categories = app.store.categories(org).await.unwrap();
    let leaves = categories
        .iter()
        .filter(|c| !categories.iter().any(|o| o.parent_id == Some(c.id)))
        .count();
    assert!(leaves >= 20);
    assert!(app.store.buildings(org).await.unwrap().len() >= 8);
    let nn = app
        .products(&manager, Some("nn".into()), None, None, false, Default::default())
        .await
        .unwrap();
    assert!(nn.items.iter().any(|p| p.name_zh.contains("牛奶")), "nn finds milk");
    let shop = shop_orders(app).await;
    let collected = shop.iter().filter(|o| o.status == OrderStatus::Completed).count();
    let summary = app.store.sales_summary(org).await.unwrap();
    assert_eq!(
        summary.orders as usize,
        report.sales + collected,
        "every history sale and the shop orders collected today"
    );
    assert!(
        time::local_date(summary.last_at.unwrap()) <= time::local_date(NOW),
        "nothing is sold after today"
    );
    let alerts = app.expiry_alerts(&manager, Default::default()).await.unwrap();
    assert!(alerts.total > 0, "some lots are near expiry");
    let low = app.low_stock(&manager, Default::default()).await.unwrap();
    assert!(low.total > 0, "some products are below their reorder point");
    for u in ["owner", "cashier", "rider"] {
        app.login(u, "demo1234", linli_app::auth::SessionKind::Api)
            .await
            .unwrap();
    }
    check_selling(app, days).await;
}

/// Members, offers and shop orders: everything the selling issue added to the demo.
async fn check_selling(app: &App, days: u32) {
    let manager = manager(app).await;
    let org = manager.org;
    let s = &app.store;
    assert!(
        s.loyalty_mismatches(org).await.unwrap().is_empty(),
        "points and stored-value balances equal the fold of their ledgers"
    );
    assert!(
        s.reservation_mismatches(org).await.unwrap().is_empty(),
        "reserved stock equals the open reservations"
    );
    let totals = money_totals(app).await;
    assert!(totals.members_with_points >= 100, "{totals:?}");
    assert!(totals.members_with_stored_value >= 30, "{totals:?}");
    assert!(
        totals.balances.0 > 0 && totals.balances.1 > 0 && totals.balances.2 > 0,
        "{totals:?}"
    );
    if days >= TIER_DAYS {
        let codes: BTreeSet<&str> = totals.tiers.iter().map(|(c, _)| c.as_str()).collect();
        assert!(codes.len() >= 3, "members in at least three tiers: {totals:?}");
        assert!(
            codes.contains("gold"),
            "the most loyal households reach 金卡: {totals:?}"
        );
    }

    // The history went through the selling rules: points earned (and lapsing by the
    // rule) and redeemed, cards topped up and spent, the tier discount on the receipt.
    let page = PageRequest { offset: 0, limit: 200 };
    let mut kinds: HashMap<String, usize> = HashMap::new();
    let mut best: Option<(i64, linli_domain::ids::MemberId)> = None;
    for m in s.member_ids(org).await.unwrap() {
        for row in s.points_statement(org, m, page).await.unwrap().items {
            if row.kind == "earn" {
                let expires = linli_domain::loyalty::award_expires_at_ms(row.at, 12);
                assert_eq!(row.expires_at, Some(expires), "points lapse by the rule");
            }
            *kinds.entry(format!("points.{}", row.kind)).or_insert(0) += 1;
        }
        for row in s.stored_value_statement(org, m, page).await.unwrap().items {
            *kinds.entry(format!("stored_value.{}", row.kind)).or_insert(0) += 1;
        }
        let spend = s.rolling_spend(org, m, NOW).await.unwrap();
        if best.is_none_or(|(b, _)| spend > b) {
            best = Some((spend, m));
        }
    }
    for kind in ["points.earn", "stored_value.top_up", "stored_value.spend"] {
        assert!(kinds.get(kind).copied().unwrap_or(0) > 0, "{kind}: {kinds:?}");
    }
    if days >= TIER_DAYS {
        assert!(kinds.get("points.redeem").copied().unwrap_or(0) > 0, "{kinds:?}");
    }
    let (_, loyal) = best.unwrap();
    let last_earn = s
        .points_statement(org, loyal, PageRequest { offset: 0, limit: 1 })
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|r| r.kind == "earn")
        .expect("the most loyal member's last entry is an award");
    let receipt = s.sale_record(org, last_earn.order_id.unwrap()).await.unwrap().unwrap();
    assert_eq!(receipt.points_earned, last_earn.points);
    assert!(
        receipt.discounts.iter().any(|d| d.source == "member_tier"),
        "{receipt:?}"
    );
    assert_eq!(
        receipt.subtotal_fen - receipt.discount_fen,
        receipt.total_fen - receipt.rounding_fen
    );

    // Coupons: four, handed to a few hundred members, the campaign's partly used already.
    assert_eq!(totals.coupons.len(), 4, "{totals:?}");
    let handed: i64 = totals.coupons.iter().map(|(_, issued, _)| issued).sum();
    assert!(handed >= 300, "{totals:?}");
    let used: i64 = totals.coupons.iter().map(|(_, _, used)| used).sum();
    assert!(used > 0, "members used coupons in the last days: {totals:?}");

    // Promotions running now: 第二件半价, 组合价, 买赠 and a capped flash sale.
    let running = s.active_promotions(org, NOW).await.unwrap();
    let kinds: BTreeSet<&str> = running
        .iter()
        .map(|p| match p.rule {
            PromotionRule::SecondItemHalfPrice { .. } => "second_half",
            PromotionRule::BundlePrice { .. } => "bundle",
            PromotionRule::BuyXGetY { .. } => "buy_get",
            PromotionRule::FlashSale { .. } => "flash",
            PromotionRule::CategoryPercent { .. } => "category",
        })
        .collect();
    assert_eq!(kinds, BTreeSet::from(["bundle", "buy_get", "flash", "second_half"]));
    let flash = s
        .promotions(org, None, PageRequest { offset: 0, limit: 50 })
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|p| matches!(p.rule, PromotionRule::FlashSale { .. }))
        .unwrap();
    assert_eq!(flash.flash_cap, Some(50));
    assert!(flash.starts_at < NOW && NOW < flash.ends_at);

    // Today's shop: about twenty open orders in every state, their stock held.
    let shop = shop_orders(app).await;
    let count = |status: OrderStatus| shop.iter().filter(|o| o.status == status).count();
    let open = shop.iter().filter(|o| o.status != OrderStatus::Completed).count();
    assert!((18..=22).contains(&open), "{open} open orders");
    for status in [
        OrderStatus::Created,
        OrderStatus::Paid,
        OrderStatus::Preparing,
        OrderStatus::Ready,
        OrderStatus::OutForDelivery,
    ] {
        assert!(count(status) > 0, "an order is {status:?}");
    }
    assert!(
        count(OrderStatus::Completed) > 0,
        "one was collected with its pickup code"
    );
    let mut held: HashMap<i64, i64> = HashMap::new();
    for o in &shop {
        assert!(time::local_date(o.created_at) <= time::local_date(NOW) && o.created_at < NOW);
        match o.status {
            OrderStatus::Ready => assert!(o.pickup_code.is_some(), "ready for pickup with a code"),
            OrderStatus::OutForDelivery => assert!(o.slot_start.is_some() && o.delivery_building_id.is_some()),
            OrderStatus::Created => assert!(NOW - o.created_at < linli_domain::orders::UNPAID_TIMEOUT_MS),
            _ => {}
        }
        let is_presale = matches!(o.fulfilment, linli_domain::orders::Fulfilment::Presale { .. });
        let holds = matches!(
            o.status,
            OrderStatus::Created
                | OrderStatus::Paid
                | OrderStatus::Preparing
                | OrderStatus::Ready
                | OrderStatus::OutForDelivery
        );
        if holds && !is_presale {
            for l in &app.store.online_order(org, o.id, None).await.unwrap().lines {
                *held.entry(l.product_id.0).or_insert(0) += l.qty;
            }
        }
    }
    assert!(
        shop.iter()
            .any(|o| matches!(o.fulfilment, linli_domain::orders::Fulfilment::Presale { .. }))
    );
    assert!(!held.is_empty());
    for (product, qty) in held {
        let reserved = s
            .reserved(org, linli_domain::ids::ProductId(product), None)
            .await
            .unwrap();
        assert_eq!(
            reserved, qty,
            "product {product}: the open orders hold what they ordered"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_community_lands_whole_on_sqlite() {
    let (_dir, url) = linli_testkit::temp_sqlite_url();
    let (app, report) = seeded(&url, TIER_DAYS).await;
    check_demo(&app, &report, TIER_DAYS).await;
    crate::planning::check_planning(&app, &manager(&app).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_community_lands_whole_on_postgres() {
    let url = linli_testkit::fresh_pg_url();
    let (app, report) = seeded(&url, TIER_DAYS).await;
    check_demo(&app, &report, TIER_DAYS).await;
    crate::planning::check_planning(&app, &manager(&app).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_store() {
    let (_d1, u1) = linli_testkit::temp_sqlite_url();
    let (_d2, u2) = linli_testkit::temp_sqlite_url();
    let (a1, r1) = seeded(&u1, 4).await;
    let (a2, r2) = seeded(&u2, 4).await;
    assert_eq!((r1.sales, r1.lots, r1.members), (r2.sales, r2.lots, r2.members));
    let (t1, t2) = (money_totals(&a1).await, money_totals(&a2).await);
    assert_eq!(t1, t2);
    assert!(t1.balances.0 > 0 && t1.coupons.iter().any(|c| c.2 > 0), "{t1:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_creates_an_owner_once() {
    let (_dir, url) = linli_testkit::temp_sqlite_url();
    let store = linli_store::Store::connect(&url).await.unwrap();
    let app = App::new(store, Arc::new(FixedClock::new(NOW)));
    let password = linli_app::seed::bootstrap(&app)
        .await
        .unwrap()
        .expect("an empty database gets an owner");
    assert!(linli_app::seed::bootstrap(&app).await.unwrap().is_none(), "only once");
    let s = app
        .login("owner", &password, linli_app::auth::SessionKind::Api)
        .await
        .unwrap();
    assert_eq!(s.actor.role, linli_domain::auth::Role::Owner);
}
