//! The console: pages in-process through `Router::oneshot`, signed in with a real
//! cookie session. Self-contained (no shared helpers) so it can change on its own.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use linli_app::auth::SessionKind;
use linli_app::catalog::ProductInput;
use linli_app::{App, FixedClock};
use linli_domain::auth::Role;
use linli_domain::ids::{LocationId, ProductId};
use linli_store::{LocationKind, NewLocation, NewStaff, Store};
use std::sync::Arc;
use tower::ServiceExt;

/// 2026-03-02 10:00 Asia/Shanghai.
const NOW: i64 = 1_772_416_800_000;
const PASSWORD: &str = "secret123";

struct Console {
    router: Router,
    app: App,
    floor: LocationId,
    _dir: tempfile::TempDir,
}

/// A signed-in browser: the session cookie and the CSRF token its forms carry.
struct Browser {
    cookie: String,
    csrf: String,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl Console {
    async fn new() -> Console {
        let (dir, url) = linli_testkit::temp_sqlite_url();
        let store = Store::connect(&url).await.expect("the store opens");
        let app = App::new(store.clone(), Arc::new(FixedClock::new(NOW)));
        let org = store.create_org("邻里一店", NOW).await.expect("org");
        let shop = store
            .create_store(org, "S1", "邻里一店", "幸福路 1 号", None, NOW)
            .await
            .expect("store");
        let floor = store
            .create_location(
                org,
                shop,
                &NewLocation {
                    code: "floor",
                    name_zh: "门店卖场",
                    name_en: "Sales floor",
                    kind: LocationKind::SalesFloor,
                    lat_e6: None,
                    lon_e6: None,
                },
            )
            .await
            .expect("location");
        let hash = linli_app::auth::hash_password(PASSWORD).expect("hashing works");
        for role in [Role::Owner, Role::Cashier] {
            let new = NewStaff {
                store: Some(shop),
                username: role.code(),
                display_name: role.name_zh(),
                role,
                password_hash: &hash,
            };
            store.create_staff(org, &new, None, NOW).await.expect("staff");
        }
        let router = linli_web::router(linli_web::AppState::new(app.clone(), true));
        Console {
            router,
            app,
            floor,
            _dir: dir,
        }
    }

    async fn sign_in(&self, username: &str) -> Browser {
        let s = self
            .app
            .login(username, PASSWORD, SessionKind::Cookie)
            .await
            .expect("signs in");
        Browser {
            cookie: format!("linli_session={}", s.token),
            csrf: s.csrf_token,
        }
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        let resp = self.router.clone().oneshot(req).await.expect("the router answers");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("the body reads").to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, path: &str, cookie: &str) -> Reply {
        let req = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    async fn post(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let req = Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    async fn milk(&self, b: &Browser) -> ProductId {
        let owner = self
            .app
            .authenticate(b.cookie.trim_start_matches("linli_session="))
            .await
            .expect("session")
            .actor;
        let input = ProductInput {
            sku: Some("MILK250".into()),
            name_zh: "纯牛奶".into(),
            name_en: Some("Whole milk".into()),
            unit: "盒".into(),
            price_fen: 350,
            shelf_life_days: Some(21),
            ..ProductInput::default()
        };
        self.app.create_product(&owner, input).await.expect("product").id
    }
}

#[tokio::test]
async fn login_page_is_chinese_by_default_and_english_with_the_lang_cookie() {
    let t = Console::new().await;
    let zh = t.get("/login", "").await;
    assert_eq!(zh.status, StatusCode::OK);
    assert!(zh.body.contains(r#"<html lang="zh-CN">"#), "{}", zh.body);
    assert!(zh.body.contains("登录"));
    assert!(zh.body.contains("demo1234"), "demo mode lists the demo accounts");
    assert!(zh.body.contains("/static/app.css"));
    let en = t.get("/login", "lang=en").await;
    assert!(en.body.contains(r#"<html lang="en">"#));
    assert!(en.body.contains("Sign in"));
    assert!(!en.body.contains("登录"));
}

#[tokio::test]
async fn wrong_password_shows_the_error_on_the_form() {
    let t = Console::new().await;
    let r = t
        .post(
            "/login",
            "",
            &[("username", "owner"), ("password", "not-it"), ("next", "/")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("用户名或密码错误"), "{}", r.body);
    assert!(r.body.contains(r#"value="owner""#), "the username is kept");
    assert!(r.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn login_sets_an_http_only_cookie_and_goes_to_the_page_asked_for() {
    let t = Console::new().await;
    let r = t
        .post(
            "/login",
            "",
            &[
                ("username", "owner"),
                ("password", PASSWORD),
                ("next", "/stock?location_id=1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/stock?location_id=1");
    let cookie = r
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(cookie.starts_with("linli_session="), "{cookie}");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    let session = cookie.split(';').next().unwrap_or("");
    let home = t.get("/", session).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("店主"), "the overview greets the owner");
    // Somewhere else is never a destination.
    let r = t
        .post(
            "/login",
            "",
            &[
                ("username", "owner"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/");
}

#[tokio::test]
async fn pages_without_a_session_redirect_to_login_with_the_way_back() {
    let t = Console::new().await;
    let r = t.get("/products?q=nn", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=%2Fproducts%3Fq%3Dnn");
    let r = t.get("/stock", "linli_session=forged").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login?next="));
}

#[tokio::test]
async fn product_search_by_pinyin_initials_finds_milk() {
    let t = Console::new().await;
    let b = t.sign_in("owner").await;
    let id = t.milk(&b).await;
    let r = t.get("/products?q=nn", &b.cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("纯牛奶"), "{}", r.body);
    assert!(r.body.contains(&format!("/products/{}", id.0)));
    assert!(r.body.contains("¥3.50"));
    let none = t.get("/products?q=zzzz", &b.cookie).await;
    assert!(none.body.contains("暂无数据"));
    let detail = t.get(&format!("/products/{}", id.0), &b.cookie).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("Whole milk"));
    assert_eq!(t.get("/products/999999", &b.cookie).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get("/products/abc", &b.cookie).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn posts_without_or_with_a_wrong_csrf_token_are_forbidden() {
    let t = Console::new().await;
    let b = t.sign_in("owner").await;
    let fields = [("name_zh", "可乐"), ("unit", "瓶"), ("price", "3.00")];
    let none = t.post("/products/new", &b.cookie, &fields).await;
    assert_eq!(none.status, StatusCode::FORBIDDEN);
    let wrong = t
        .post(
            "/products/new",
            &b.cookie,
            &[
                ("_csrf", "0000"),
                ("name_zh", "可乐"),
                ("unit", "瓶"),
                ("price", "3.00"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(wrong.body.contains("表单已失效"));
    let listed = t.get("/products?q=kl", &b.cookie).await;
    assert!(!listed.body.contains("可乐"), "nothing was created");
    assert_eq!(t.post("/logout", &b.cookie, &[]).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn product_form_creates_and_a_bad_price_comes_back_with_its_error() {
    let t = Console::new().await;
    let b = t.sign_in("owner").await;
    let bad = t
        .post(
            "/products/new",
            &b.cookie,
            &[
                ("_csrf", &b.csrf),
                ("name_zh", "可口可乐"),
                ("unit", "瓶"),
                ("price", "3.5.0"),
                ("tax_rate", "13"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("不是有效金额"), "{}", bad.body);
    assert!(bad.body.contains(r#"value="可口可乐""#), "what was typed is kept");
    let fields = [
        ("_csrf", b.csrf.as_str()),
        ("name_zh", "可口可乐"),
        ("name_en", "Coca-Cola"),
        ("unit", "瓶"),
        ("price", "3.50"),
        ("tax_rate", "13"),
        ("gtins", "6901234567892"),
        ("reorder_point", "12"),
        ("active", "1"),
    ];
    let ok = t.post("/products/new", &b.cookie, &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = t.get(ok.location(), &b.cookie).await;
    assert!(page.body.contains("可口可乐"));
    assert!(page.body.contains("6901234567892"));
    assert!(t.get("/products?q=kkkl", &b.cookie).await.body.contains("可口可乐"));
    // The price has its own audited form.
    let priced = t
        .post(
            &format!("{}/price", ok.location()),
            &b.cookie,
            &[("_csrf", &b.csrf), ("price", "3.80")],
        )
        .await;
    assert_eq!(priced.status, StatusCode::SEE_OTHER);
    assert!(t.get(ok.location(), &b.cookie).await.body.contains("¥3.80"));
    let negative = t
        .post(
            &format!("{}/price", ok.location()),
            &b.cookie,
            &[("_csrf", &b.csrf), ("price", "-1")],
        )
        .await;
    assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn cashier_gets_a_friendly_403_on_staff_and_no_staff_link() {
    let t = Console::new().await;
    let b = t.sign_in("cashier").await;
    let r = t.get("/staff", &b.cookie).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("无权"), "{}", r.body);
    let home = t.get("/", &b.cookie).await;
    assert!(!home.body.contains(r#"href="/staff""#));
    assert!(home.body.contains(r#"href="/receive""#));
    let owner = t.sign_in("owner").await;
    let staff = t.get("/staff", &owner.cookie).await;
    assert_eq!(staff.status, StatusCode::OK);
    assert!(staff.body.contains("cashier"));
}

#[tokio::test]
async fn received_lot_with_expiry_shows_on_the_stock_page() {
    let t = Console::new().await;
    let b = t.sign_in("cashier").await;
    let owner = t.sign_in("owner").await;
    let milk = t.milk(&owner).await;
    let floor = t.floor.0.to_string();
    let milk_id = milk.0.to_string();
    let r = t
        .post(
            "/receive",
            &b.cookie,
            &[
                ("_csrf", &b.csrf),
                ("location_id", &floor),
                ("lines[0][code]", "MILK250"),
                ("lines[0][lot]", "L0301A"),
                ("lines[0][expiry]", "2026-03-20"),
                ("lines[0][qty]", "24"),
                ("lines[1][product_id]", &milk_id),
                ("lines[1][lot]", "L0228B"),
                ("lines[1][expiry]", "2026-03-03"),
                ("lines[1][qty]", "6"),
                ("lines[2][code]", ""),
                ("lines[2][qty]", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("L0301A"));
    let stock = t.get(&format!("/stock?location_id={floor}"), &b.cookie).await;
    assert_eq!(stock.status, StatusCode::OK);
    assert!(
        stock.body.contains("L0301A") && stock.body.contains("2026-03-20"),
        "{}",
        stock.body
    );
    assert!(stock.body.contains("24 盒"));
    assert!(stock.body.contains("exp-soon"), "a lot expiring tomorrow is amber");
    // A line naming no product comes back with its error, not a 500.
    let bad = t
        .post(
            "/receive",
            &b.cookie,
            &[
                ("_csrf", &b.csrf),
                ("location_id", &floor),
                ("lines[0][code]", "no-such"),
                ("lines[0][qty]", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("没有商品匹配此编码"), "{}", bad.body);
}

#[tokio::test]
async fn every_page_renders_for_the_owner_and_unknown_language_is_404() {
    let t = Console::new().await;
    let b = t.sign_in("owner").await;
    t.milk(&b).await;
    for path in [
        "/",
        "/products",
        "/products/new",
        "/stock",
        "/stock/movements",
        "/receive",
        "/purchase-orders",
        "/purchase-orders/new",
        "/counts",
        "/alerts",
        "/members",
        "/staff",
        "/audit",
        "/password",
        "/till",
        "/shop",
        "/services",
        "/community",
        "/data",
        "/network",
        "/open",
        "/products?page=999",
    ] {
        let r = t.get(path, &b.cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(r.body.contains("</html>"), "{path}");
    }
    let switch = Request::get("/lang/en")
        .header(header::REFERER, "http://shop.local/stock?q=nn")
        .body(Body::empty())
        .expect("request");
    let r = t.send(switch).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/stock?q=nn");
    assert_eq!(t.get("/lang/fr", "").await.status, StatusCode::NOT_FOUND);
    let css = t.get("/static/app.css", "").await;
    assert_eq!(
        css.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
        Some("text/css; charset=utf-8")
    );
}

#[tokio::test]
async fn purchase_order_is_created_sent_and_prefills_the_receiving_form() {
    let t = Console::new().await;
    let b = t.sign_in("owner").await;
    let owner = t
        .app
        .authenticate(b.cookie.trim_start_matches("linli_session="))
        .await
        .expect("session")
        .actor;
    t.milk(&b).await;
    let supplier = linli_app::purchasing::SupplierInput {
        code: "DAIRY".into(),
        name_zh: "光明乳业".into(),
        kind: "distributor".into(),
        contact_phone: None,
        lead_time_hours: 24,
        order_cutoff: "10:00".into(),
        delivery_time: "08:00".into(),
    };
    let supplier = t
        .app
        .create_supplier(&owner, supplier)
        .await
        .expect("supplier")
        .id
        .0
        .to_string();
    let unknown = t
        .post(
            "/purchase-orders/new",
            &b.cookie,
            &[
                ("_csrf", &b.csrf),
                ("supplier_id", &supplier),
                ("lines[3][code]", "nothing"),
                ("lines[3][qty]", "2"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("没有商品匹配此编码"));
    let created = t
        .post(
            "/purchase-orders/new",
            &b.cookie,
            &[
                ("_csrf", &b.csrf),
                ("supplier_id", &supplier),
                ("lines[0][code]", "MILK250"),
                ("lines[0][qty]", "48"),
                ("lines[0][cost]", "2.10"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let po = created.location().to_string();
    let page = t.get(&po, &b.cookie).await;
    assert!(
        page.body.contains("草稿") && page.body.contains("¥100.80"),
        "{}",
        page.body
    );
    let sent = t
        .post(
            &format!("{po}/action"),
            &b.cookie,
            &[("_csrf", &b.csrf), ("action", "send")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let refused = t
        .post(
            &format!("{po}/action"),
            &b.cookie,
            &[("_csrf", &b.csrf), ("action", "send")],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::CONFLICT,
        "sending twice is refused on the page"
    );
    let po_id = po.trim_start_matches("/purchase-orders/");
    let form = t.get(&format!("/receive?po_id={po_id}"), &b.cookie).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("纯牛奶") && form.body.contains(r#"value="48""#),
        "{}",
        form.body
    );
    let listed = t.get("/purchase-orders?status=sent", &b.cookie).await;
    assert!(listed.body.contains("光明乳业"));
}

#[tokio::test]
async fn stock_count_is_opened_counted_and_posted() {
    let t = Console::new().await;
    let b = t.sign_in("owner").await;
    let owner = t
        .app
        .authenticate(b.cookie.trim_start_matches("linli_session="))
        .await
        .expect("session")
        .actor;
    let milk = t.milk(&b).await;
    let line = linli_app::purchasing::ReceiveLineInput {
        product_id: Some(milk.0),
        lot_code: Some("L1".into()),
        qty: 10,
        ..Default::default()
    };
    let input = linli_app::purchasing::ReceiveInput {
        location_id: t.floor.0,
        po_id: None,
        supplier_id: None,
        note: None,
        lines: vec![line],
    };
    let receipt = t.app.receive(&owner, input).await.expect("received");
    let lot = receipt.lines[0].lot_id.0;
    let opened = t
        .post(
            "/counts",
            &b.cookie,
            &[
                ("_csrf", &b.csrf),
                ("location_id", &t.floor.0.to_string()),
                ("note", "月底盘点"),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    let count = opened.location().to_string();
    let field = format!("counted_{lot}");
    let negative = t.post(&count, &b.cookie, &[("_csrf", &b.csrf), (&field, "-1")]).await;
    assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY);
    let saved = t.post(&count, &b.cookie, &[("_csrf", &b.csrf), (&field, "8")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert!(t.get(&count, &b.cookie).await.body.contains("-2"));
    let posted = t.post(&format!("{count}/post"), &b.cookie, &[("_csrf", &b.csrf)]).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    let moves = t
        .get(&format!("/stock/movements?product_id={}", milk.0), &b.cookie)
        .await;
    assert!(moves.body.contains("盘点差异"), "{}", moves.body);
    assert!(t.get("/stock", &b.cookie).await.body.contains("8 盒"));
}

#[tokio::test]
async fn junk_input_never_causes_a_server_error() {
    let t = Console::new().await;
    let b = t.sign_in("owner").await;
    t.milk(&b).await;
    let junk: [&[(&str, &str)]; 6] = [
        &[],
        &[
            ("price", "¥¥"),
            ("unit", "吨"),
            ("name_zh", ""),
            ("category_id", "x"),
            ("zone_ids", "99"),
            ("tax_rate", "-5"),
        ],
        &[
            ("location_id", "abc"),
            ("lines[0][code]", "MILK250"),
            ("lines[0][qty]", "1.5"),
            ("lines[0][expiry]", "2026-13-45"),
        ],
        &[
            ("location_id", "999"),
            ("lines[0][product_id]", "999"),
            ("lines[0][qty]", "99999999999999999999"),
            ("lines[9999][qty]", "1"),
        ],
        &[
            ("supplier_id", "-1"),
            ("action", "explode"),
            ("role", "emperor"),
            ("active", "maybe"),
            ("counted_1", "x"),
        ],
        &[
            ("next", "/\r\nSet-Cookie: x=y"),
            ("username", "owner"),
            ("password", "wrong"),
            ("lines[0][code]", "%00"),
        ],
    ];
    let routes = [
        "/products/new",
        "/products/1",
        "/products/1/price",
        "/products/x/price",
        "/counts",
        "/counts/1",
        "/counts/1/post",
        "/receive",
        "/purchase-orders/new",
        "/purchase-orders/1/action",
        "/staff",
        "/staff/1",
        "/staff/999",
        "/password",
        "/login",
    ];
    for fields in junk {
        for route in routes {
            let mut all: Vec<(&str, &str)> = vec![("_csrf", b.csrf.as_str())];
            all.extend_from_slice(fields);
            let r = t.post(route, &b.cookie, &all).await;
            assert!(
                r.status.is_client_error() || r.status.is_redirection() || r.status.is_success(),
                "{route} {fields:?}: {} {}",
                r.status,
                r.body
            );
        }
    }
    for path in [
        "/products?page=-1&category_id=abc&q=%FF",
        "/stock?location_id=x&page=99999999999",
        "/receive?po_id=999",
        "/counts/999",
        "/audit?action=%25",
        "/members?q=%27%20OR%201%3D1%20--",
    ] {
        let r = t.get(path, &b.cookie).await;
        assert!(r.status.as_u16() < 500, "{path}: {}", r.status);
    }
}

#[tokio::test]
async fn unknown_pages_get_the_console_404_and_unknown_api_paths_get_json() {
    let t = Console::new().await;
    let router: Router = Router::new()
        .fallback(linli_web::console::not_found)
        .with_state(linli_web::AppState::new(t.app.clone(), false));
    let page = router
        .clone()
        .oneshot(Request::get("/no-such-page").body(Body::empty()).expect("request"))
        .await
        .expect("answer");
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let body = page.into_body().collect().await.expect("body").to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("未找到"));
    let api = router
        .oneshot(Request::get("/api/v1/no-such").body(Body::empty()).expect("request"))
        .await
        .expect("answer");
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        api.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
}

#[tokio::test]
async fn the_data_centre_runs_a_job_now_and_lists_its_run() {
    let t = Console::new().await;
    let b = t.sign_in("owner").await;
    let page = t.get("/data", &b.cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("常一起买") && page.body.contains("尚未运行"),
        "{}",
        page.body
    );
    assert!(page.body.contains("还没有运行记录"), "the empty state");
    assert_eq!(page.body.matches("尚未运行").count(), linli_app::analytics::JOBS.len());
    let ran = t
        .post("/data/jobs/bought_together/run", &b.cookie, &[("_csrf", &b.csrf)])
        .await;
    assert_eq!(ran.status, StatusCode::SEE_OTHER, "{}", ran.body);
    assert_eq!(ran.location(), "/data?done=bought_together");
    let page = t.get(ran.location(), &b.cookie).await;
    assert!(page.body.contains("常一起买 · 已运行"), "{}", page.body);
    assert!(
        page.body.contains("<td>完成</td>") && page.body.contains("个购物篮"),
        "{}",
        page.body
    );
    // Its card shows when it ran; the jobs not run yet still say so.
    let jobs = linli_app::analytics::JOBS.len();
    assert_eq!(page.body.matches("尚未运行").count(), jobs - 1);
    // A cashier may look but not run.
    let cashier = t.sign_in("cashier").await;
    let refused = t
        .post(
            "/data/jobs/bought_together/run",
            &cashier.cookie,
            &[("_csrf", &cashier.csrf)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn demand_planning_pages_show_their_empty_states_and_refuse_bad_weather_on_the_page() {
    let t = Console::new().await;
    let b = t.sign_in("owner").await;
    let page = t.get("/data/forecast", &b.cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("需求预警") && page.body.contains("未来三天没有"),
        "{}",
        page.body
    );
    assert!(page.body.contains("还没有预测"), "{}", page.body);
    let bad = t
        .post(
            "/data/weather",
            &b.cookie,
            &[
                ("_csrf", &b.csrf),
                ("csv", "date,temp_max,temp_min,rain_mm\n2026-11-27,14,8,x"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::OK, "the form again, with the message");
    assert!(bad.body.contains("第 2 行第 4 列"), "{}", bad.body);
    assert!(bad.body.contains("2026-11-27,14,8,x"), "what was typed is kept");
    let good = t
        .post(
            "/data/weather",
            &b.cookie,
            &[
                ("_csrf", &b.csrf),
                ("csv", "date,temp_max,temp_min,rain_mm\n2026-03-03,14,8,52"),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let page = t.get(good.location(), &b.cookie).await;
    assert!(
        page.body.contains("已写入 1 天天气") && page.body.contains("暴雨"),
        "{}",
        page.body
    );
    let page = t.get("/replenishment", &b.cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("还没有需求预测"), "{}", page.body);
    let page = t.get("/markdowns", &b.cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("暂无需要降价的商品") && page.body.contains("3:20,1:50"),
        "{}",
        page.body
    );
    let bad = t
        .post(
            "/markdowns/ladder",
            &b.cookie,
            &[
                ("_csrf", &b.csrf),
                ("steps", "3:20,1:10"),
                ("floor_cost_pct", "100"),
                ("slow_cover_days", "60"),
                ("slow_off_pct", "30"),
            ],
        )
        .await;
    assert!(bad.body.contains("剩余天数越少折扣越大"), "{}", bad.body);
    let cashier = t.sign_in("cashier").await;
    assert_eq!(
        t.get("/replenishment", &cashier.cookie).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.get("/markdowns", &cashier.cookie).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.get("/data/forecast", &cashier.cookie).await.status,
        StatusCode::FORBIDDEN
    );
}
