//! The demo community lands whole, on both backends, through the sales path.

use linli_app::{App, FixedClock};
use linli_domain::time;
use std::sync::Arc;

/// 2026-11-25 10:00 Asia/Shanghai.
const NOW: i64 = 1_795_572_000_000;

async fn seeded(url: &str, days: u32) -> (App, linli_app::seed::SeedReport) {
    let store = linli_store::Store::connect(url).await.unwrap();
    let app = App::new(store, Arc::new(FixedClock::new(NOW)));
    let end = time::local_date(NOW).yesterday().unwrap();
    let report = linli_app::demo_seed::seed_demo(&app, 7, end, days, &|_| {})
        .await
        .unwrap();
    (app, report)
}

async fn check_demo(app: &App, report: &linli_app::seed::SeedReport, days: u32) {
    assert!(report.products >= 400, "{report:?}");
    assert!(report.members >= 500);
    assert!(report.sales as u32 >= 250 * days, "{report:?}");
    assert!(
        report.refused_sales * 20 < report.sales.max(1),
        "under 5% of sales refused for stock (the demo lets a few products run out): {report:?}"
    );
    let manager = app
        .login("manager", "demo1234", linli_app::auth::SessionKind::Api)
        .await
        .unwrap()
        .actor;
    let org = manager.org;
    assert!(
        app.store.ledger_mismatches(org).await.unwrap().is_empty(),
        "balances equal the fold of movements"
    );
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
    let summary = app.store.sales_summary(org).await.unwrap();
    assert_eq!(summary.orders as usize, report.sales);
    assert!(
        time::local_date(summary.last_at.unwrap()) < time::local_date(NOW),
        "history ends before today"
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_community_lands_whole_on_sqlite() {
    let (_dir, url) = linli_testkit::temp_sqlite_url();
    let (app, report) = seeded(&url, 3).await;
    check_demo(&app, &report, 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_community_lands_whole_on_postgres() {
    let url = linli_testkit::fresh_pg_url();
    let (app, report) = seeded(&url, 3).await;
    check_demo(&app, &report, 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_store() {
    let (_d1, u1) = linli_testkit::temp_sqlite_url();
    let (_d2, u2) = linli_testkit::temp_sqlite_url();
    let (a1, r1) = seeded(&u1, 2).await;
    let (a2, r2) = seeded(&u2, 2).await;
    assert_eq!((r1.sales, r1.lots, r1.members), (r2.sales, r2.lots, r2.members));
    let o1 = a1.store.staff_by_username("owner").await.unwrap().unwrap().org_id;
    let o2 = a2.store.staff_by_username("owner").await.unwrap().unwrap().org_id;
    assert_eq!(
        a1.store.sales_summary(o1).await.unwrap().revenue_fen,
        a2.store.sales_summary(o2).await.unwrap().revenue_fen
    );
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
