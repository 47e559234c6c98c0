//! The resident shop over HTTP: the catalog a resident browses (their organisation's
//! active products only, with stock status and freshness), the resident's own member
//! page (balances, statements, coupons: never another resident's), the sign-in code
//! shown only while the SMS simulator is the port, the `/shop` page without a staff
//! session, and the counter's 线上订单 page preparing and handing over a pickup order.

use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use linli_app::App;
use linli_app::auth::SessionKind;
use linli_app::ports::{PortFuture, Sms, SmsSender};
use linli_domain::ids::{LocationId, OrgId, ProductId};
use linli_domain::time::{self, MS_PER_DAY};
use linli_store::{NewBuilding, ReceiveLine};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

on_both_backends!(shop:
    catalog_answers_only_this_orgs_active_products_with_stock_and_freshness,
    search_categories_and_zones_narrow_the_catalog,
    member_page_shows_only_the_residents_own_balances_and_coupons,
    resident_endpoints_refuse_staff_tokens_and_take_no_member_id,
    shop_info_names_the_store_location_and_delivery_buildings,
    sign_in_code_is_shown_only_while_the_sms_simulator_is_the_port,
    shop_page_needs_no_staff_session,
    counter_page_prepares_readies_and_verifies_the_pickup_code,
);

/// Signs a new resident of `org` in with the code the OTP answer carries (simulator).
async fn resident(t: &TestApp, org: OrgId, phone: &str) -> String {
    let (status, sent) = t
        .call(
            "POST",
            "/api/v1/resident/otp",
            None,
            Some(json!({"org_id": org.0, "phone": phone})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["sender"], "短信模拟器 / SMS simulator");
    let code = sent["simulator_code"]
        .as_str()
        .expect("the simulator's code")
        .to_string();
    assert_eq!(code.len(), 6);
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/resident/login",
            None,
            Some(json!({"org_id": org.0, "phone": phone, "code": code})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"].as_str().unwrap().to_string()
}

/// Receives `qty` of a product on a location, in a lot expiring at `expires_at`.
async fn receive(
    t: &TestApp,
    org: OrgId,
    location: LocationId,
    product: i64,
    lot: &str,
    qty: i64,
    expires_at: Option<i64>,
) {
    t.store
        .receive(
            org,
            location,
            None,
            None,
            &[ReceiveLine {
                product: ProductId(product),
                lot_code: lot.into(),
                expires_at,
                qty,
                unit_cost_fen: None,
            }],
            "",
            None,
            t.clock.0.load(std::sync::atomic::Ordering::SeqCst),
        )
        .await
        .unwrap()
        .unwrap();
}

/// The end of the local day `days` after NOW's (a lot is sellable until then).
fn end_of_day(days: i64) -> i64 {
    let d = time::local_date(NOW)
        .checked_add(jiff::Span::new().days(days))
        .expect("a near date");
    time::end_of_local_day(d)
}

async fn get(t: &TestApp, token: &str, path: &str) -> Value {
    let (status, body) = t.call("GET", path, Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

fn item(list: &Value, id: i64) -> Value {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("product {id} in {list}"))
}

async fn catalog_answers_only_this_orgs_active_products_with_stock_and_freshness(t: TestApp) {
    let owner_a = t.login("a_owner").await;
    let owner_b = t.login("b_owner").await;
    // Milk: 12 on the floor, arrived today, sellable until the end of tomorrow; an
    // expired lot and stock in the backroom do not count.
    let milk = t.product(&owner_a, "M1", "鲜牛奶", json!({"price_fen": 650})).await;
    t.clock.advance(-3 * MS_PER_DAY);
    receive(&t, t.a.org, t.a.floor, milk, "OLD", 7, Some(end_of_day(-2))).await;
    t.clock.advance(3 * MS_PER_DAY);
    receive(&t, t.a.org, t.a.floor, milk, "L1", 12, Some(end_of_day(1))).await;
    receive(&t, t.a.org, t.a.backroom, milk, "L2", 50, Some(end_of_day(5))).await;
    // Yoghurt: 4 left, received three days ago, no expiry.
    let yog = t.product(&owner_a, "Y1", "酸奶", json!({"price_fen": 800})).await;
    t.clock.advance(-3 * MS_PER_DAY);
    receive(&t, t.a.org, t.a.floor, yog, "Y-L1", 4, None).await;
    t.clock.advance(3 * MS_PER_DAY);
    // Bread: none at all. A retired product and org b's milk must not show.
    let bread = t.product(&owner_a, "B1", "面包", json!({})).await;
    let retired = t.product(&owner_a, "R1", "牛奶糖", json!({"active": false})).await;
    let milk_b = t.product(&owner_b, "M1", "牛奶", json!({})).await;
    receive(&t, t.b.org, t.b.floor, milk_b, "B-L1", 30, None).await;

    let res = resident(&t, t.a.org, "13800000001").await;
    let all = get(&t, &res, "/api/v1/resident/products?page_size=100").await;
    let mut listed = ids(&all);
    listed.sort_unstable();
    assert_eq!(listed, vec![milk, yog, bread], "only org a's active products");
    assert_eq!(all["total"], 3);

    let m = item(&all, milk);
    assert_eq!(
        (&m["available"], &m["stock_status"], &m["price_fen"], &m["unit_kind"]),
        (&json!(12), &json!("in_stock"), &json!(650), &json!("piece")),
        "the floor's unexpired stock: {m}"
    );
    assert_eq!(
        m["best_before"],
        (time::local_date(NOW) + jiff::Span::new().days(1)).to_string()
    );
    assert_eq!((&m["days_left"], &m["arrived_today"]), (&json!(1), &json!(true)));
    assert_eq!(m["near_expiry"], true, "within the default 72-hour horizon");
    let y = item(&all, yog);
    assert_eq!(
        (
            &y["available"],
            &y["stock_status"],
            &y["arrived_today"],
            &y["near_expiry"]
        ),
        (&json!(4), &json!("low"), &json!(false), &json!(false)),
        "{y}"
    );
    assert_eq!((&y["best_before"], &y["days_left"]), (&Value::Null, &Value::Null));
    let b = item(&all, bread);
    assert_eq!((&b["available"], &b["stock_status"]), (&json!(0), &json!("sold_out")));

    // An order's reservation is not available to others.
    let (status, order) = t
        .call(
            "POST",
            "/api/v1/resident/orders",
            Some(&res),
            Some(json!({"location_id": t.a.floor.0, "fulfilment": "pickup",
                        "lines": [{"product_id": milk, "qty": 9}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let m = get(&t, &res, &format!("/api/v1/resident/products/{milk}")).await;
    assert_eq!((&m["available"], &m["stock_status"]), (&json!(3), &json!("low")), "{m}");

    // Another organisation's product and a retired one are not found; a bad id neither.
    for id in [milk_b, retired, 999_999] {
        let (status, body) = t
            .call("GET", &format!("/api/v1/resident/products/{id}"), Some(&res), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}: {body}");
        error_of(&body);
    }
    // Org b's resident sees org b's catalog only.
    let res_b = resident(&t, t.b.org, "13800000001").await;
    let all_b = get(&t, &res_b, "/api/v1/resident/products").await;
    assert_eq!(ids(&all_b), vec![milk_b]);
    let (status, _) = t
        .call("GET", &format!("/api/v1/resident/products/{milk}"), Some(&res_b), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn search_categories_and_zones_narrow_the_catalog(t: TestApp) {
    let owner = t.login("a_owner").await;
    let owner_b = t.login("b_owner").await;
    let (status, dairy) = t
        .call(
            "POST",
            "/api/v1/categories",
            Some(&owner),
            Some(json!({"code": "dairy", "name_zh": "乳品", "name_en": "Dairy"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dairy}");
    let dairy = dairy["id"].as_i64().unwrap();
    let (_, yoghurt_cat) = t
        .call(
            "POST",
            "/api/v1/categories",
            Some(&owner),
            Some(json!({"code": "yog", "name_zh": "酸奶", "parent_id": dairy})),
        )
        .await;
    let yoghurt_cat = yoghurt_cat["id"].as_i64().expect("a sub-category");
    let (_, breakfast) = t
        .call(
            "POST",
            "/api/v1/zones",
            Some(&owner),
            Some(json!({"code": "breakfast", "name_zh": "早餐角", "name_en": "Breakfast corner"})),
        )
        .await;
    let breakfast = breakfast["id"].as_i64().unwrap();
    t.call(
        "POST",
        "/api/v1/zones",
        Some(&owner_b),
        Some(json!({"code": "b-zone", "name_zh": "应急专区"})),
    )
    .await;
    t.call(
        "POST",
        "/api/v1/categories",
        Some(&owner_b),
        Some(json!({"code": "b-cat", "name_zh": "日用"})),
    )
    .await;
    let milk = t
        .product(
            &owner,
            "M1",
            "鲜牛奶",
            json!({"category_id": dairy, "zone_ids": [breakfast]}),
        )
        .await;
    let yog = t
        .product(&owner, "Y1", "原味酸奶", json!({"category_id": yoghurt_cat}))
        .await;
    let bread = t
        .product(&owner, "B1", "全麦面包", json!({"zone_ids": [breakfast]}))
        .await;
    let res = resident(&t, t.a.org, "13800000002").await;

    let cats = get(&t, &res, "/api/v1/resident/categories").await;
    assert_eq!(
        cats.as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![dairy],
        "top-level categories of org a only: {cats}"
    );
    let zones = get(&t, &res, "/api/v1/resident/zones").await;
    assert_eq!(zones.as_array().unwrap().len(), 1, "{zones}");
    assert_eq!(zones[0]["name_zh"], "早餐角");

    // Pinyin initials, Chinese and full pinyin find the same milk.
    for q in ["xnn", "牛奶", "niunai", "XNN"] {
        let found = get(&t, &res, &format!("/api/v1/resident/products?q={}", urlencode(q))).await;
        assert_eq!(ids(&found)[0], milk, "{q}: {found}");
    }
    let found = get(&t, &res, "/api/v1/resident/products?q=sn").await;
    assert_eq!(ids(&found), vec![yog], "酸奶 by initials");
    let mut in_dairy = ids(&get(&t, &res, &format!("/api/v1/resident/products?category_id={dairy}")).await);
    in_dairy.sort_unstable();
    assert_eq!(in_dairy, vec![milk, yog], "a category includes its sub-categories");
    let mut in_zone = ids(&get(&t, &res, &format!("/api/v1/resident/products?zone_id={breakfast}")).await);
    in_zone.sort_unstable();
    assert_eq!(in_zone, vec![milk, bread]);
    let none = get(&t, &res, "/api/v1/resident/products?q=zzzz").await;
    assert_eq!((none["total"].as_i64(), ids(&none).len()), (Some(0), 0));

    // Bad input names the field.
    for (path, field) in [
        ("/api/v1/resident/products?page_size=101", "page_size"),
        ("/api/v1/resident/products?page=0", "page"),
        ("/api/v1/resident/products?category_id=abc", "category_id"),
        ("/api/v1/resident/coupons?usable=maybe", "usable"),
    ] {
        let (status, body) = t.call("GET", path, Some(&res), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert_eq!(error_of(&body).1.as_deref(), Some(field), "{path}");
    }
    let long = "牛".repeat(65);
    let (status, body) = t
        .call(
            "GET",
            &format!("/api/v1/resident/products?q={}", urlencode(&long)),
            Some(&res),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_of(&body).1.as_deref(), Some("q"));
}

fn urlencode(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// The member id behind a resident token.
async fn member_of(t: &TestApp, token: &str) -> i64 {
    get(t, token, "/api/v1/resident/me").await["member_id"]
        .as_i64()
        .unwrap()
}

async fn member_page_shows_only_the_residents_own_balances_and_coupons(t: TestApp) {
    let owner_a = t.login("a_owner").await;
    let owner_b = t.login("b_owner").await;
    let r1 = resident(&t, t.a.org, "13800000011").await;
    let r2 = resident(&t, t.a.org, "13800000022").await;
    let r3 = resident(&t, t.b.org, "13800000011").await;
    let (m1, m2, m3) = (
        member_of(&t, &r1).await,
        member_of(&t, &r2).await,
        member_of(&t, &r3).await,
    );
    assert!(m1 != m2 && m1 != m3);
    // Staff give r1 stored value, points and a coupon; r3 (org b) some stored value.
    let post = |token: String, path: String, body: Value| {
        let t = &t;
        async move {
            let (status, out) = t.call("POST", &path, Some(&token), Some(body)).await;
            assert_eq!(status, StatusCode::CREATED, "{path}: {out}");
            out
        }
    };
    post(
        owner_a.clone(),
        format!("/api/v1/members/{m1}/top-ups"),
        json!({"paid_fen": 20_000, "tender": "cash"}),
    )
    .await;
    post(
        owner_a.clone(),
        format!("/api/v1/members/{m1}/points/adjustments"),
        json!({"points": 300, "reason": "开业回馈"}),
    )
    .await;
    let coupon = post(
        owner_a.clone(),
        "/api/v1/coupons".into(),
        json!({"name_zh": "满50减5", "kind": "fixed", "amount_fen": 500, "threshold_fen": 5_000,
               "ends_at": NOW + 2 * MS_PER_DAY, "total_limit": 100}),
    )
    .await;
    post(
        owner_a.clone(),
        format!("/api/v1/coupons/{}/issues", coupon["id"]),
        json!({"member_ids": [m1]}),
    )
    .await;
    post(
        owner_b.clone(),
        format!("/api/v1/members/{m3}/top-ups"),
        json!({"paid_fen": 7_700, "tender": "cash"}),
    )
    .await;

    let l1 = get(&t, &r1, "/api/v1/resident/loyalty").await;
    assert_eq!(l1["member_id"], m1);
    assert_eq!(l1["code"], format!("M{m1:06}"));
    assert_eq!(l1["phone"], "138****0011", "masked, like every member view");
    assert_eq!(l1["points"]["available"], 300);
    assert_eq!(l1["stored_value"]["principal_fen"], 20_000);
    let expected_balance =
        l1["stored_value"]["principal_fen"].as_i64().unwrap() + l1["stored_value"]["bonus_fen"].as_i64().unwrap();
    assert_eq!(l1["stored_value"]["balance_fen"], expected_balance);
    // The resident's view agrees with the staff view of the same member.
    let staff_view = get(&t, &owner_a, &format!("/api/v1/members/{m1}/loyalty")).await;
    assert_eq!(l1, staff_view);

    let l2 = get(&t, &r2, "/api/v1/resident/loyalty").await;
    assert_eq!(
        (
            &l2["member_id"],
            &l2["points"]["available"],
            &l2["stored_value"]["balance_fen"]
        ),
        (&json!(m2), &json!(0), &json!(0)),
        "r2 sees only r2: {l2}"
    );
    let l3 = get(&t, &r3, "/api/v1/resident/loyalty").await;
    assert_eq!(
        (
            &l3["member_id"],
            &l3["stored_value"]["principal_fen"],
            &l3["points"]["available"]
        ),
        (&json!(m3), &json!(7_700), &json!(0)),
        "org b's resident with the same phone is org b's member: {l3}"
    );

    let p1 = get(&t, &r1, "/api/v1/resident/points").await;
    assert_eq!(p1["total"], 1);
    assert_eq!(
        (&p1["items"][0]["kind"], &p1["items"][0]["points"]),
        (&json!("adjust"), &json!(300))
    );
    let s1 = get(&t, &r1, "/api/v1/resident/stored-value?page_size=5").await;
    assert_eq!(s1["items"][0]["kind"], "top_up");
    assert_eq!(s1["page_size"], 5);
    for (token, path) in [
        (&r2, "/api/v1/resident/points"),
        (&r2, "/api/v1/resident/stored-value"),
        (&r3, "/api/v1/resident/points"),
    ] {
        assert_eq!(get(&t, token, path).await["total"], 0, "{path}");
    }
    let s3 = get(&t, &r3, "/api/v1/resident/stored-value").await;
    assert_eq!(
        (&s3["total"], &s3["items"][0]["amount_fen"]),
        (&json!(1), &json!(7_700))
    );

    let c1 = get(&t, &r1, "/api/v1/resident/coupons").await;
    assert_eq!(c1.as_array().unwrap().len(), 1, "{c1}");
    assert_eq!(
        (
            &c1[0]["name_zh"],
            &c1[0]["status"],
            &c1[0]["amount_fen"],
            &c1[0]["threshold_fen"]
        ),
        (&json!("满50减5"), &json!("issued"), &json!(500), &json!(5_000))
    );
    assert_eq!(
        get(&t, &r1, "/api/v1/resident/coupons?usable=true")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // An expired copy is no longer usable, but is still listed.
    t.clock.advance(3 * MS_PER_DAY);
    assert_eq!(get(&t, &r1, "/api/v1/resident/coupons?usable=true").await, json!([]));
    assert_eq!(get(&t, &r1, "/api/v1/resident/coupons").await[0]["status"], "expired");
    for token in [&r2, &r3] {
        assert_eq!(get(&t, token, "/api/v1/resident/coupons").await, json!([]));
    }
}

async fn resident_endpoints_refuse_staff_tokens_and_take_no_member_id(t: TestApp) {
    let owner = t.login("a_owner").await;
    let res = resident(&t, t.a.org, "13800000033").await;
    let paths = [
        "/api/v1/resident/shop",
        "/api/v1/resident/categories",
        "/api/v1/resident/zones",
        "/api/v1/resident/products",
        "/api/v1/resident/products/1",
        "/api/v1/resident/loyalty",
        "/api/v1/resident/points",
        "/api/v1/resident/stored-value",
        "/api/v1/resident/coupons",
    ];
    for path in paths {
        for token in [Some(owner.as_str()), None, Some("res_not-a-session")] {
            let (status, body) = t.call("GET", path, token, None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} with {token:?}: {body}");
            error_of(&body);
        }
    }
    // A resident token is no staff token either.
    let (status, _) = t.call("GET", "/api/v1/members/1/loyalty", Some(&res), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // There is no member id to tamper with: naming another member is refused by name.
    let other = resident(&t, t.a.org, "13800000034").await;
    let other_id = member_of(&t, &other).await;
    for path in [
        "/api/v1/resident/shop",
        "/api/v1/resident/loyalty",
        "/api/v1/resident/points",
        "/api/v1/resident/stored-value",
        "/api/v1/resident/coupons",
    ] {
        let path = format!("{path}?member_id={other_id}");
        let (status, body) = t.call("GET", &path, Some(&res), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert_eq!(error_of(&body).1.as_deref(), Some("member_id"));
    }
    // After signing out the token is dead.
    let (status, _) = t.call("POST", "/api/v1/resident/logout", Some(&res), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t.call("GET", "/api/v1/resident/loyalty", Some(&res), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn shop_info_names_the_store_location_and_delivery_buildings(t: TestApp) {
    let building = t
        .store
        .create_building(
            t.a.org,
            t.a.store,
            &NewBuilding {
                code: "B01",
                name_zh: "幸福里1号楼",
                compound_zh: "幸福里",
                lat_e6: None,
                lon_e6: None,
                households: 40,
            },
        )
        .await
        .unwrap();
    t.store
        .create_building(
            t.b.org,
            t.b.store,
            &NewBuilding {
                code: "B01",
                name_zh: "别家1号楼",
                compound_zh: "别家",
                lat_e6: None,
                lon_e6: None,
                households: 10,
            },
        )
        .await
        .unwrap();
    let res = resident(&t, t.a.org, "13800000044").await;
    let info = get(&t, &res, "/api/v1/resident/shop").await;
    assert_eq!(info["org_id"], t.a.org.0);
    assert_eq!(info["org_name"], "org a");
    assert_eq!(info["store_id"], t.a.store.0);
    assert_eq!(
        info["location_id"], t.a.floor.0,
        "the store's sales floor, not its backroom"
    );
    assert_eq!(info["member_code"], format!("M{:06}", member_of(&t, &res).await));
    assert_eq!(
        info["home"],
        json!({"building_id": null, "building_name": null, "unit": "", "room": ""}),
        "a new member has no address yet"
    );
    assert_eq!(
        info["buildings"],
        json!([{"id": building.0, "code": "B01", "name_zh": "幸福里1号楼", "compound_zh": "幸福里"}]),
        "only org a's buildings"
    );
    assert_eq!(
        (&info["payment_simulator"], &info["payment_label"]),
        (&json!(true), &json!("模拟支付 / payment simulator"))
    );
    assert_eq!(
        (&info["sms_simulator"], &info["sms_label"]),
        (&json!(true), &json!("短信模拟器 / SMS simulator"))
    );
}

/// An SMS gateway that is not the simulator (it forgets what it sends).
#[derive(Debug)]
struct RealishSms;

impl SmsSender for RealishSms {
    fn label(&self) -> &'static str {
        "测试网关 / test gateway"
    }
    fn send(&self, _sms: Sms) -> PortFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }
}

async fn sign_in_code_is_shown_only_while_the_sms_simulator_is_the_port(t: TestApp) {
    // With the simulator: the code comes back and signs the resident in (see `resident`).
    resident(&t, t.a.org, "13800000055").await;
    // With another gateway over the same database: no code in the answer.
    let mut app = App::new(t.store.clone(), t.clock.clone());
    app.sms = Arc::new(RealishSms);
    let real = linli_web::router(linli_web::AppState::new(app, false));
    let req = Request::post("/api/v1/resident/otp")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"org_id": t.a.org.0, "phone": "13800000066"}).to_string(),
        ))
        .unwrap();
    let resp = real.oneshot(req).await.expect("the router answers");
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let sent: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["sender"], "测试网关 / test gateway");
    assert!(
        sent.get("simulator_code").is_none(),
        "no code without the simulator: {sent}"
    );
    // A refused request carries no code either.
    let (status, sent) = t
        .call(
            "POST",
            "/api/v1/resident/otp",
            None,
            Some(json!({"org_id": t.a.org.0, "phone": "12345"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(sent.get("simulator_code").is_none());
}

async fn page(t: &TestApp, path: &str, cookie: Option<&str>) -> (StatusCode, String, String) {
    let mut req = Request::get(path);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let (status, headers, body) = t.raw(req.body(Body::empty()).unwrap()).await;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, String::from_utf8(body).unwrap())
}

fn config_of(html: &str) -> Value {
    let start = html
        .find(r#"<script id="shop-config" type="application/json">"#)
        .expect("the config")
        + 49;
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("config JSON")
}

async fn shop_page_needs_no_staff_session(t: TestApp) {
    let (status, ct, html) = page(&t, "/shop", None).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(ct, "text/html; charset=utf-8");
    assert!(html.contains("/static/shop.js?v=") && html.contains("/static/shop.css?v="));
    assert_eq!(
        config_of(&html)["org_id"],
        t.a.org.0,
        "the first organisation by default"
    );
    let (_, _, html) = page(&t, &format!("/shop?org={}", t.b.org.0), None).await;
    assert_eq!(config_of(&html)["org_id"], t.b.org.0);
    assert!(html.contains("org b"));
    // A staff member of org b signed in to the console opens org b's shop.
    let session = App::new(t.store.clone(), t.clock.clone())
        .login("b_cashier", "secret123", SessionKind::Cookie)
        .await
        .unwrap();
    let (_, _, html) = page(&t, "/shop", Some(&format!("linli_session={}", session.token))).await;
    assert_eq!(config_of(&html)["org_id"], t.b.org.0);
    for bad in ["/shop?org=999", "/shop?org=abc", "/shop?org=0"] {
        let (status, _, html) = page(&t, bad, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        assert!(html.contains("找不到这个商城"));
    }
    let (status, ct, js) = page(&t, "/static/shop.js", None).await;
    assert_eq!(
        (status, ct.as_str()),
        (StatusCode::OK, "text/javascript; charset=utf-8")
    );
    assert!(js.contains("/api/v1/resident/products"));
    let (status, ct, _) = page(&t, "/static/shop.css", None).await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "text/css; charset=utf-8"));
}

/// A console cookie session: (cookie header, CSRF token).
async fn console_session(t: &TestApp, username: &str) -> (String, String) {
    let s = App::new(t.store.clone(), t.clock.clone())
        .login(username, "secret123", SessionKind::Cookie)
        .await
        .unwrap();
    (format!("linli_session={}", s.token), s.csrf_token)
}

async fn form(t: &TestApp, path: &str, cookie: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let req = Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let (status, headers, body) = t.raw(req).await;
    let location = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, location, String::from_utf8(body).unwrap())
}

async fn counter_page_prepares_readies_and_verifies_the_pickup_code(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = t.product(&owner, "M1", "鲜牛奶", json!({"price_fen": 650})).await;
    receive(&t, t.a.org, t.a.floor, milk, "L1", 10, Some(end_of_day(3))).await;
    let res = resident(&t, t.a.org, "13800000077").await;
    let (status, order) = t
        .call(
            "POST",
            "/api/v1/resident/orders",
            Some(&res),
            Some(json!({"location_id": t.a.floor.0, "fulfilment": "pickup",
                        "lines": [{"product_id": milk, "qty": 2}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let id = order["id"].as_i64().unwrap();
    let number = order["number"].as_str().unwrap().to_string();
    let code = order["pickup_code"].as_str().unwrap().to_string();
    let (_, intent) = t
        .call("POST", &format!("/api/v1/resident/orders/{id}/pay"), Some(&res), None)
        .await;
    let (status, _) = t
        .call(
            "POST",
            &format!("/api/v1/payments/{}/simulate", intent["intent"].as_str().unwrap()),
            Some(&res),
            Some(json!({"outcome": "approve"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (cookie, csrf) = console_session(&t, "a_cashier").await;
    let (status, _, html) = page(&t, "/orders?status=paid", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(&number) && html.contains("鲜牛奶 × 2 瓶"), "{html}");
    assert!(!html.contains(&code), "staff never see the pickup code");
    assert!(html.contains(r#"value="prepare""#));
    assert!(html.contains("线上订单"), "the nav entry");
    // Without the CSRF token nothing happens.
    let (status, _, _) = form(&t, &format!("/orders/{id}/action"), &cookie, &[("action", "prepare")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let back = "/orders?status=paid";
    for action in ["prepare", "ready"] {
        let (status, location, body) = form(
            &t,
            &format!("/orders/{id}/action"),
            &cookie,
            &[("_csrf", &csrf), ("action", action), ("back", back)],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{action}: {body}");
        assert!(location.starts_with("/orders?status=paid&done="), "{location}");
        if action == "prepare" {
            // While it is prepared, the floor's pick list names the lot to take.
            let (_, _, html) = page(&t, &location, Some(&cookie)).await;
            assert!(html.contains("开始备货"), "the notice: {html}");
            let pick = &html[html.find(r#"id="pick-list""#).expect("the pick list")..];
            assert!(pick.contains(&number) && pick.contains("L1"), "{pick}");
        }
    }
    // Ready: the counter is asked for the resident's code.
    let (_, _, html) = page(&t, "/orders?status=ready", Some(&cookie)).await;
    assert!(html.contains(&format!(r#"action="/orders/{id}/verify""#)), "{html}");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, _, html) = form(
        &t,
        &format!("/orders/{id}/verify"),
        &cookie,
        &[("_csrf", &csrf), ("code", wrong), ("back", "/orders?status=ready")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("提货码不正确"), "{html}");
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let (status, location, _) = form(
        &t,
        &format!("/orders/{id}/verify"),
        &cookie,
        &[("_csrf", &csrf), ("code", &spaced), ("back", "https://evil.example/")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        location.starts_with("/orders?done=verified"),
        "never off-site: {location}"
    );
    let (_, _, html) = page(&t, &location, Some(&cookie)).await;
    assert!(html.contains("已核销完成"), "{html}");
    let mine = get(&t, &res, &format!("/api/v1/resident/orders/{id}")).await;
    assert_eq!(mine["status"], "completed");
    assert_eq!(t.store.on_hand(t.a.org, ProductId(milk), None).await.unwrap(), 8);
    // Handed over: nothing left to pick. Another organisation's staff cannot touch it.
    let (status, _, html) = page(&t, &format!("/orders?location_id={}", t.a.floor.0), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("没有待拣货的订单"), "{html}");
    let (cookie_b, csrf_b) = console_session(&t, "b_owner").await;
    let (status, _, _) = form(
        &t,
        &format!("/orders/{id}/action"),
        &cookie_b,
        &[("_csrf", &csrf_b), ("action", "cancel")],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
