//! `linli bench`: the measurements behind docs/benchmarks.md.
//!
//! Server time is measured in-process (the router called directly, no sockets), so
//! the figures are what the server spends per request, not the network.

use anyhow::Context;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use linli_app::{App, Clock, SystemClock};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

mod labels;

#[derive(clap::Subcommand, Debug)]
pub enum Bench {
    /// Time to fill an empty database with the demo community.
    Seed {
        #[command(flatten)]
        db: crate::DbArgs,
        #[command(flatten)]
        demo: crate::DemoArgs,
    },
    /// Console pages and API lists: server time p50/p99 over the demo data.
    Pages {
        #[command(flatten)]
        db: crate::DbArgs,
        /// Requests per page.
        #[arg(long, default_value_t = 200)]
        requests: usize,
    },
    /// Durable sales straight into the store (no HTTP yet): 5-line sales from concurrent
    /// tills, committed one by one or grouped by the sale writer.
    Sales {
        #[command(flatten)]
        db: crate::DbArgs,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long, default_value_t = 5000)]
        sales: usize,
        /// Commit each sale on its own instead of grouping.
        #[arg(long)]
        one_by_one: bool,
    },
    /// Till sales over HTTP: starts a server on a fresh database (temporary SQLite by
    /// default), drives concurrent 5-line sales, then checks the ledgers. Prints JSON.
    Checkout {
        /// Use this database instead of a temporary SQLite file (it should be empty).
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long, default_value_t = 5000)]
        sales: usize,
        /// Units of each of the 50 products on the shelf at the start; the default runs
        /// out after 2,000 sales, so longer runs also exercise refusals.
        #[arg(long, default_value_t = 200)]
        units_per_product: i64,
    },
    /// Shelf labels: time from a price change, or a promotion created or ended, through
    /// the API to every affected label showing it with its acknowledgement stored (the
    /// demo store's labels and the label simulator). Prints JSON.
    Labels {
        #[command(flatten)]
        db: crate::DbArgs,
        /// Price changes, one product after another.
        #[arg(long, default_value_t = 200)]
        changes: usize,
        /// Category promotions created and ended.
        #[arg(long, default_value_t = 10)]
        promotions: usize,
    },
    /// Basket mining (FP-growth and rules) on a basket file: the best of several runs,
    /// parsing and mining timed apart. Prints JSON.
    Basket {
        #[arg(long)]
        input: std::path::PathBuf,
        #[arg(long, default_value_t = 0.001)]
        min_support: f64,
        #[arg(long, default_value_t = 0.8)]
        min_confidence: f64,
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// Customer lifetime value fits on a purchase CSV: summaries, BG/NBD and Gamma-Gamma
    /// timed apart, best and median of several runs. Prints JSON.
    Clv {
        #[arg(long)]
        input: std::path::PathBuf,
        #[arg(long)]
        calibration_end: String,
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// Demand planning over the demo store (filled first when the database is empty): the
    /// demand_forecast job, replenishment and markdown suggestions, each timed over
    /// several runs (best and median). Prints JSON.
    Planning {
        #[command(flatten)]
        db: crate::DbArgs,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Scan-resolve and product-search latency over the demo catalog.
    Scan {
        #[command(flatten)]
        db: crate::DbArgs,
        #[arg(long, default_value_t = 2000)]
        requests: usize,
    },
}

pub async fn run(what: Bench) -> anyhow::Result<()> {
    match what {
        Bench::Seed { db, demo } => {
            let app = crate::open(&db).await?;
            let started = Instant::now();
            crate::fill_demo(&db, &app, &demo).await?;
            println!(
                "demo seeding: {:.1} s ({:?} backend)",
                started.elapsed().as_secs_f64(),
                app.store.backend()
            );
            Ok(())
        }
        Bench::Pages { db, requests } => {
            let (app, router, cookie, token) = prepare(&db).await?;
            let product = first_id(&router, &token, "/api/v1/products?page_size=1").await?;
            let po = first_id(&router, &token, "/api/v1/purchase-orders?page_size=1")
                .await
                .unwrap_or(1);
            let pages: Vec<String> = [
                "/",
                "/products",
                "/products?q=nn",
                "/stock",
                "/stock/movements",
                "/receive",
                "/purchase-orders",
                "/counts",
                "/alerts",
                "/members",
                "/staff",
                "/audit",
            ]
            .iter()
            .map(|s| s.to_string())
            .chain([
                format!("/products/{product}"),
                format!("/purchase-orders/{po}"),
                format!("/receive?po_id={po}"),
            ])
            .collect();
            println!("| page | p50 ms | p99 ms | max ms |\n|---|---|---|---|");
            for page in &pages {
                let d = measure(&router, page, Auth::Cookie(&cookie), requests).await?;
                print_row(page, &d);
            }
            let apis = [
                "/api/v1/products?q=nn",
                "/api/v1/stock",
                "/api/v1/stock/movements",
                "/api/v1/alerts/expiry",
                "/api/v1/alerts/low-stock",
                "/api/v1/purchase-orders",
                "/api/v1/members",
                "/api/v1/audit-log",
            ];
            for api in apis {
                let d = measure(&router, api, Auth::Bearer(&token), requests).await?;
                print_row(api, &d);
            }
            drop(app);
            Ok(())
        }
        Bench::Sales {
            db,
            concurrency,
            sales,
            one_by_one,
        } => sales_bench(&db, concurrency, sales, one_by_one).await,
        Bench::Checkout {
            database_url,
            concurrency,
            sales,
            units_per_product,
        } => checkout_bench(database_url, concurrency, sales, units_per_product).await,
        Bench::Labels {
            db,
            changes,
            promotions,
        } => labels::run(&db, changes, promotions).await,
        Bench::Basket {
            input,
            min_support,
            min_confidence,
            runs,
        } => basket_bench(&input, min_support, min_confidence, runs),
        Bench::Clv {
            input,
            calibration_end,
            runs,
        } => clv_bench(&input, &calibration_end, runs),
        Bench::Planning { db, runs } => planning_bench(&db, runs).await,
        Bench::Scan { db, requests } => {
            let (app, router, _cookie, token) = prepare(&db).await?;
            // Codes from the demo catalog: EANs, scale codes of weighed goods, GS1 strings.
            let page = app
                .store
                .products(
                    org_of(&app).await?,
                    &Default::default(),
                    linli_store::PageRequest { offset: 0, limit: 500 },
                )
                .await?;
            let eans: Vec<String> = page
                .items
                .iter()
                .filter_map(|p| p.gtins.first().map(|g| g.trim_start_matches('0').to_string()))
                .collect();
            let plus: Vec<i64> = page.items.iter().filter_map(|p| p.plu).collect();
            let scale = linli_domain::barcode::scale::ScaleTemplate::weight_default();
            let mut codes: Vec<(String, String)> = Vec::new();
            for (i, e) in eans.iter().enumerate().take(200) {
                codes.push(("ean13".into(), format!("/api/v1/scan?code={e}")));
                let gs1 = format!("01{:0>14}17261231%1D10LOT{i}", e);
                codes.push(("gs1".into(), format!("/api/v1/scan?code={gs1}")));
            }
            for (i, plu) in plus.iter().enumerate() {
                let code = scale.encode(u32::try_from(*plu).unwrap_or(1), 300 + i64::try_from(i).unwrap_or(0));
                codes.push(("scale".into(), format!("/api/v1/scan?code={code}")));
            }
            println!("| request | p50 ms | p99 ms | max ms |\n|---|---|---|---|");
            for kind in ["ean13", "gs1", "scale"] {
                let urls: Vec<&str> = codes
                    .iter()
                    .filter(|(k, _)| k == kind)
                    .map(|(_, u)| u.as_str())
                    .collect();
                let d = measure_many(&router, &urls, Auth::Bearer(&token), requests).await?;
                print_row(&format!("scan {kind} ({} codes)", urls.len()), &d);
            }
            for q in ["nn", "kkkl", "牛奶", "niunai", "面包", "P000123"] {
                let url = format!("/api/v1/products?q={}&page_size=20", urlencode(q));
                let d = measure(&router, &url, Auth::Bearer(&token), requests).await?;
                print_row(&format!("search q={q}"), &d);
            }
            Ok(())
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn org_of(app: &App) -> anyhow::Result<linli_domain::ids::OrgId> {
    let staff = app
        .store
        .staff_by_username("manager")
        .await?
        .context("the database has no demo manager: run `linli demo` first")?;
    Ok(staff.org_id)
}

enum Auth<'a> {
    Cookie(&'a str),
    Bearer(&'a str),
}

async fn prepare(db: &crate::DbArgs) -> anyhow::Result<(App, axum::Router, String, String)> {
    let app = crate::open(db).await?;
    if app.store.is_empty().await? {
        crate::fill_demo(
            db,
            &app,
            &crate::DemoArgs {
                demo_seed: 20261125,
                demo_days: 180,
                demo_end: None,
            },
        )
        .await?;
    }
    let app = App::new(app.store.clone(), Arc::new(SystemClock));
    let cookie = app
        .login(
            "manager",
            linli_app::seed::DEMO_PASSWORD,
            linli_app::auth::SessionKind::Cookie,
        )
        .await?
        .token;
    let token = app
        .login(
            "manager",
            linli_app::seed::DEMO_PASSWORD,
            linli_app::auth::SessionKind::Api,
        )
        .await?
        .token;
    let router = linli_web::router(linli_web::AppState::new(app.clone(), true));
    Ok((app, router, cookie, token))
}

async fn first_id(router: &axum::Router, token: &str, url: &str) -> anyhow::Result<i64> {
    let (status, body) = call(router, url, &Auth::Bearer(token)).await?;
    anyhow::ensure!(status == StatusCode::OK, "{url} answered {status}");
    let v: serde_json::Value = serde_json::from_slice(&body)?;
    v["items"][0]["id"].as_i64().context("a first item")
}

async fn call(router: &axum::Router, url: &str, auth: &Auth<'_>) -> anyhow::Result<(StatusCode, Vec<u8>)> {
    let req = Request::builder().uri(url);
    let req = match auth {
        Auth::Cookie(c) => req.header("cookie", format!("linli_session={c}")),
        Auth::Bearer(t) => req.header("authorization", format!("Bearer {t}")),
    };
    let resp = router.clone().oneshot(req.body(Body::empty())?).await?;
    let status = resp.status();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .to_bytes()
        .to_vec();
    Ok((status, body))
}

async fn measure(router: &axum::Router, url: &str, auth: Auth<'_>, n: usize) -> anyhow::Result<Vec<Duration>> {
    measure_many(router, &[url], auth, n).await
}

async fn measure_many(router: &axum::Router, urls: &[&str], auth: Auth<'_>, n: usize) -> anyhow::Result<Vec<Duration>> {
    anyhow::ensure!(!urls.is_empty(), "nothing to measure");
    // Warm up caches and connections first.
    for url in urls.iter().take(5) {
        call(router, url, &auth).await?;
    }
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let url = urls[i % urls.len()];
        let started = Instant::now();
        let (status, _) = call(router, url, &auth).await?;
        times.push(started.elapsed());
        anyhow::ensure!(status == StatusCode::OK, "{url} answered {status}");
    }
    times.sort();
    Ok(times)
}

fn print_row(name: &str, sorted: &[Duration]) {
    let pct = |p: f64| {
        let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[i].as_secs_f64() * 1000.0
    };
    println!("| `{name}` | {:.2} | {:.2} | {:.2} |", pct(0.5), pct(0.99), pct(1.0));
}

/// A fresh organisation with 50 products of plenty of stock, then `n` sales of 5 lines
/// from `concurrency` tills. Prints JSON.
async fn sales_bench(db: &crate::DbArgs, concurrency: usize, n: usize, one_by_one: bool) -> anyhow::Result<()> {
    use linli_store::{LocationKind, NewLocation, NewSale, ProductData, ReceiveLine, SaleLine, SalePayment};
    anyhow::ensure!((1..=1024).contains(&concurrency), "--concurrency must be 1 to 1024");
    anyhow::ensure!((1..=1_000_000).contains(&n), "--sales must be 1 to 1,000,000");
    let store = linli_store::Store::connect(&db.url()?).await?;
    let now = SystemClock.now_ms();
    let org = store.create_org("bench", now).await?;
    let shop = store
        .create_store(org, &format!("B{now}"), "bench", "", None, now)
        .await?;
    let floor = store
        .create_location(
            org,
            shop,
            &NewLocation {
                code: &format!("bench-{now}"),
                name_zh: "门店",
                name_en: "Floor",
                kind: LocationKind::SalesFloor,
                lat_e6: None,
                lon_e6: None,
            },
        )
        .await?;
    let mut products = Vec::new();
    for i in 0..50 {
        let (pinyin_full, pinyin_initials) = linli_domain::catalog::pinyin_of("商品");
        let data = ProductData {
            sku: format!("B{now}-{i}"),
            name_zh: format!("商品{i}"),
            name_en: String::new(),
            pinyin_full,
            pinyin_initials,
            brand: String::new(),
            category_id: None,
            unit_kind: linli_domain::catalog::UnitKind::Piece,
            unit_label: "件".into(),
            price_fen: 100 + i,
            cost_fen: 50,
            tax_rate_bp: 1300,
            shelf_life_days: None,
            plu: None,
            reorder_point: 0,
            active: true,
            gtins: Vec::new(),
            zone_ids: Vec::new(),
        };
        let p = store.create_product(org, &data, None, now).await?;
        let line = ReceiveLine {
            product: p,
            lot_code: "BENCH".into(),
            expires_at: None,
            qty: 1_000_000,
            unit_cost_fen: None,
        };
        store
            .receive(org, floor, None, None, &[line], "", None, now)
            .await?
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        products.push(p);
    }
    let writer = store.sale_writer();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tills = Vec::new();
    for _ in 0..concurrency {
        let (store, writer, next, products) = (store.clone(), writer.clone(), next.clone(), products.clone());
        tills.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut failed = 0u64;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let lines: Vec<SaleLine> = (0..5)
                    .map(|k| {
                        let p = products[(i * 7 + k * 11) % products.len()];
                        SaleLine {
                            product: p,
                            qty: 1,
                            unit_price_fen: 100,
                            line_total_fen: 100,
                        }
                    })
                    .collect();
                let sale = NewSale {
                    store: shop,
                    location: floor,
                    channel: "till",
                    member: None,
                    staff: None,
                    lines,
                    payments: vec![SalePayment {
                        method: "cash",
                        amount_fen: 500,
                        points: 0,
                    }],
                    at: now,
                    details: Default::default(),
                };
                let t = Instant::now();
                let r = if one_by_one {
                    store.record_sale(org, &sale).await
                } else {
                    writer.record(org, sale).await
                };
                times.push(t.elapsed());
                if r.is_err() {
                    failed += 1;
                }
            }
            (times, failed)
        }));
    }
    let mut times = Vec::with_capacity(n);
    let mut failed = 0;
    for t in tills {
        let (ts, f) = t.await?;
        times.extend(ts);
        failed += f;
    }
    let elapsed = started.elapsed().as_secs_f64();
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0;
    let mismatches = store.ledger_mismatches(org).await?.len();
    println!(
        "{{\"backend\": \"{:?}\", \"grouped\": {}, \"concurrency\": {concurrency}, \"sales\": {n}, \"sales_per_s\": {:.0}, \"p50_ms\": {:.2}, \"p99_ms\": {:.2}, \"failed\": {failed}, \"commits\": {}, \"ledger_mismatches\": {mismatches}}}",
        store.backend(),
        !one_by_one,
        n as f64 / elapsed,
        pct(0.5),
        pct(0.99),
        if one_by_one { n as u64 } else { writer.commits() },
    );
    Ok(())
}

/// The selling issue's checkout measurement: real HTTP, real server, then the ledgers
/// are read back to count oversold, lost and duplicated sales.
async fn checkout_bench(database_url: Option<String>, concurrency: usize, n: usize, units: i64) -> anyhow::Result<()> {
    use serde_json::json;
    anyhow::ensure!((1..=1024).contains(&concurrency), "--concurrency must be 1 to 1024");
    anyhow::ensure!((1..=1_000_000).contains(&n), "--sales must be 1 to 1,000,000");
    anyhow::ensure!(
        (1..=1_000_000).contains(&units),
        "--units-per-product must be 1 to 1,000,000"
    );
    let dir = tempfile::tempdir()?;
    let url = match database_url {
        Some(u) => u,
        None => format!("sqlite://{}?mode=rwc", dir.path().join("checkout.sqlite3").display()),
    };
    let store = linli_store::Store::connect(&url).await?;
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let password = linli_app::seed::bootstrap(&app)
        .await?
        .context("the checkout bench needs an empty database")?;
    let router = linli_web::router(linli_web::AppState::new(app.clone(), false));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "owner", "password": password}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().context("a token")?.to_string();
    let locations: serde_json::Value = client
        .get(format!("{base}/api/v1/locations"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let floor = locations[0]["id"].as_i64().context("a location")?;
    // 50 products at ¥1.00 with 200 units each by default: 10,000 units for 5 units a
    // sale, so a run of more than 2,000 sales also exercises stock running out.
    let mut products = Vec::new();
    for i in 0..50 {
        let p: serde_json::Value = client
            .post(format!("{base}/api/v1/products"))
            .bearer_auth(&token)
            .json(&json!({"sku": format!("C{i}"), "name_zh": format!("商品{i}"), "unit": "件", "price_fen": 100}))
            .send()
            .await?
            .json()
            .await?;
        products.push(p["id"].as_i64().context("a product id")?);
    }
    let lines: Vec<serde_json::Value> = products
        .iter()
        .map(|p| json!({"product_id": p, "qty": units, "lot_code": "BENCH"}))
        .collect();
    client
        .post(format!("{base}/api/v1/receipts"))
        .bearer_auth(&token)
        .json(&json!({"location_id": floor, "lines": lines}))
        .send()
        .await?;
    let units_before = units * products.len() as i64;
    // 200 members with ¥500 of stored value each: every other sale is a member's, paying
    // ¥2 from stored value and ¥3 in cash and earning points.
    let org = app.store.staff_by_username("owner").await?.context("the owner")?.org_id;
    let mut members = Vec::new();
    for i in 0..200 {
        let phone = format!("139{:08}", 10_000_000 + i);
        let m = app
            .store
            .create_member(
                org,
                &linli_store::NewMember {
                    phone: &phone,
                    name: "会员",
                    building: None,
                    unit_no: "",
                    room: "",
                    birthday: None,
                    joined_at: app.now(),
                },
            )
            .await?;
        app.store.top_up(org, m, 50_000, "cash", None, app.now()).await?;
        members.push(m.0);
    }
    let members = Arc::new(members);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tills = Vec::new();
    for _ in 0..concurrency {
        let (client, base, token, next, products, members) = (
            client.clone(),
            base.clone(),
            token.clone(),
            next.clone(),
            products.clone(),
            members.clone(),
        );
        tills.push(tokio::spawn(async move {
            let (mut times, mut acked, mut refused, mut errors) = (Vec::new(), 0u64, 0u64, 0u64);
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let lines: Vec<serde_json::Value> = (0..5)
                    .map(|k| json!({"product_id": products[(i * 7 + k * 11) % products.len()], "qty": 1}))
                    .collect();
                let body = if i % 2 == 0 {
                    json!({"location_id": floor, "lines": lines, "member_id": members[(i / 2) % members.len()],
                        "payments": [{"tender": "stored_value", "amount_fen": 200}, {"tender": "cash", "amount_fen": 300}]})
                } else {
                    json!({"location_id": floor, "lines": lines, "payments": [{"tender": "cash", "amount_fen": 500}]})
                };
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/api/v1/sales"))
                    .bearer_auth(&token)
                    .header("idempotency-key", format!("sale-{i}"))
                    .json(&body)
                    .send()
                    .await;
                times.push(t.elapsed());
                match r.map(|r| r.status().as_u16()) {
                    Ok(201) => acked += 1,
                    Ok(409) => refused += 1,
                    _ => errors += 1,
                }
            }
            (times, acked, refused, errors)
        }));
    }
    let (mut times, mut acked, mut refused, mut errors) = (Vec::with_capacity(n), 0, 0, 0);
    for t in tills {
        let (ts, a, r, e) = t.await?;
        times.extend(ts);
        acked += a;
        refused += r;
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0;
    // Read the ledgers back: every acknowledged sale exactly once, stock never below zero,
    // every member balance equal to the fold of its ledger.
    let orders = app.store.sales_summary(org).await?.orders as u64;
    let mut on_hand = 0;
    for p in &products {
        on_hand += app.store.on_hand(org, linli_domain::ids::ProductId(*p), None).await?;
    }
    let sold_units = units_before - on_hand;
    let oversold = (on_hand < 0) as u64 + (sold_units > units_before) as u64;
    let lost = acked.saturating_sub(orders);
    let duplicated = orders.saturating_sub(acked) + (sold_units != 5 * orders as i64) as u64;
    println!(
        "{{\"backend\": \"{:?}\", \"concurrency\": {concurrency}, \"sales\": {n}, \"acknowledged\": {acked}, \"refused_out_of_stock\": {refused}, \"errors\": {errors}, \"sales_per_s\": {:.0}, \"p50_ms\": {:.2}, \"p99_ms\": {:.2}, \"oversold\": {oversold}, \"lost\": {lost}, \"duplicated\": {duplicated}, \"commits\": {}, \"batch_fallbacks\": {}, \"ledger_mismatches\": {}, \"loyalty_mismatches\": {}, \"dangling_references\": {}}}",
        store.backend(),
        acked as f64 / elapsed,
        pct(0.5),
        pct(0.99),
        app.sales.commits(),
        store.sale_batch_fallbacks(),
        store.ledger_mismatches(org).await?.len(),
        store.loyalty_mismatches(org).await?.len(),
        store
            .dangling_references(org)
            .await?
            .iter()
            .map(|(_, n)| n)
            .sum::<i64>(),
    );
    Ok(())
}

/// Times `Baskets::parse`, `frequent_itemsets` and `rules` apart, best and median of
/// `runs` runs each, in this process (no JSON output in the timing).
fn basket_bench(input: &std::path::Path, min_support: f64, min_confidence: f64, runs: usize) -> anyhow::Result<()> {
    use linli_analytics::basket::{self, Baskets};
    anyhow::ensure!(runs > 0, "--runs must be at least 1");
    let bytes = std::fs::read(input).with_context(|| format!("could not read {}", input.display()))?;
    let (mut parse, mut mine, mut rule) = (Vec::new(), Vec::new(), Vec::new());
    let (mut itemsets, mut rules) = (0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        let baskets = Baskets::parse(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
        parse.push(t.elapsed());
        let t = Instant::now();
        let sets = basket::frequent_itemsets(&baskets, min_support, None, &mut |_, _| {})?;
        mine.push(t.elapsed());
        let t = Instant::now();
        rules = basket::rules(&sets, baskets.baskets.len(), min_confidence)?.len();
        rule.push(t.elapsed());
        itemsets = sets.len();
    }
    let ms = |v: &mut Vec<Duration>| {
        v.sort();
        (v[0].as_secs_f64() * 1000.0, v[v.len() / 2].as_secs_f64() * 1000.0)
    };
    let (p, m, r) = (ms(&mut parse), ms(&mut mine), ms(&mut rule));
    println!(
        "{{\"min_support\": {min_support}, \"itemsets\": {itemsets}, \"rules\": {rules}, \"runs\": {runs}, \"parse_ms\": {{\"best\": {:.2}, \"median\": {:.2}}}, \"fpgrowth_ms\": {{\"best\": {:.2}, \"median\": {:.2}}}, \"rules_ms\": {{\"best\": {:.2}, \"median\": {:.2}}}}}",
        p.0, p.1, m.0, m.1, r.0, r.1
    );
    Ok(())
}

/// Times `clv::summarize`, `fit_bgnbd` and `fit_gamma_gamma` apart over `runs` runs.
fn clv_bench(input: &std::path::Path, calibration_end: &str, runs: usize) -> anyhow::Result<()> {
    use linli_analytics::clv::{self, Purchases};
    anyhow::ensure!(runs > 0, "--runs must be at least 1");
    let end =
        linli_analytics::input::parse_date(calibration_end).map_err(|m| anyhow::anyhow!("--calibration-end: {m}"))?;
    let bytes = std::fs::read(input).with_context(|| format!("could not read {}", input.display()))?;
    let purchases = Purchases::parse(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
    let (mut summary, mut bgnbd, mut gg) = (Vec::new(), Vec::new(), Vec::new());
    let mut evals = (0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        let s = clv::summarize(&purchases, end)?;
        summary.push(t.elapsed());
        let t = Instant::now();
        let b = clv::fit_bgnbd(&s);
        bgnbd.push(t.elapsed());
        let t = Instant::now();
        let g = clv::fit_gamma_gamma(&s)?;
        gg.push(t.elapsed());
        evals = (b.evals, g.evals);
    }
    let ms = |v: &mut Vec<Duration>| {
        v.sort();
        (v[0].as_secs_f64() * 1000.0, v[v.len() / 2].as_secs_f64() * 1000.0)
    };
    let (s, b, g) = (ms(&mut summary), ms(&mut bgnbd), ms(&mut gg));
    println!(
        "{{\"customers\": {}, \"runs\": {runs}, \"summarize_ms\": {{\"best\": {:.2}, \"median\": {:.2}}}, \"bgnbd_ms\": {{\"best\": {:.2}, \"median\": {:.2}, \"evals\": {}}}, \"gamma_gamma_ms\": {{\"best\": {:.2}, \"median\": {:.2}, \"evals\": {}}}}}",
        purchases.customers.len(),
        s.0,
        s.1,
        b.0,
        b.1,
        evals.0,
        g.0,
        g.1,
        evals.1
    );
    Ok(())
}

/// `linli bench planning`: see [`Bench::Planning`].
async fn planning_bench(db: &crate::DbArgs, runs: usize) -> anyhow::Result<()> {
    let (app, _router, _cookie, _token) = prepare(db).await?;
    let org = org_of(&app).await?;
    let manager = app
        .login(
            "manager",
            linli_app::seed::DEMO_PASSWORD,
            linli_app::auth::SessionKind::Api,
        )
        .await?
        .actor;
    let runs = runs.max(1);
    let (mut job, mut replenish, mut markdowns) = (Vec::new(), Vec::new(), Vec::new());
    let (mut series, mut rows, mut orders, mut lines, mut suggestions) = (0, 0, 0, 0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        let report = app.refresh_demand_forecast(org).await?;
        job.push(t.elapsed().as_secs_f64() * 1e3);
        (series, rows) = (report.baskets, report.pairs);
        let t = Instant::now();
        let r = app.replenishment(&manager, None).await?;
        replenish.push(t.elapsed().as_secs_f64() * 1e3);
        orders = r.len();
        lines = r.iter().map(|o| o.lines.len()).sum();
        let t = Instant::now();
        suggestions = app.markdown_suggestions(&manager).await?.len();
        markdowns.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let stat = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        format!("{{\"best\": {:.1}, \"median\": {:.1}}}", v[0], v[v.len() / 2])
    };
    println!(
        "{{\"backend\": \"{:?}\", \"runs\": {runs}, \"series\": {series}, \"forecast_rows\": {rows}, \"forecast_job_ms\": {}, \"replenishment_ms\": {}, \"purchase_orders\": {orders}, \"lines\": {lines}, \"markdowns_ms\": {}, \"markdown_suggestions\": {suggestions}}}",
        app.store.backend(),
        stat(&mut job),
        stat(&mut replenish),
        stat(&mut markdowns)
    );
    Ok(())
}
