//! The till page (`/till`), its catalog copy (`/till/catalog.json`), its service worker
//! and assets, over HTTP on both backends. The page's behaviour in a browser is tested
//! in tests/browser/till.test.mjs.

use crate::support::{TestApp, error_of};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

on_both_backends!(till_console:
    till_page_carries_its_config_for_the_signed_in_cashier,
    till_catalog_lists_the_active_products_of_the_org_with_barcodes_and_plus,
    till_service_worker_and_assets_are_served_with_the_page_version,
);

/// GET with the console's session cookie (an API token works as one).
async fn get(t: &TestApp, path: &str, session: Option<&str>) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut req = Request::get(path);
    if let Some(s) = session {
        req = req.header(header::COOKIE, format!("linli_session={s}"));
    }
    let (status, headers, body) = t.raw(req.body(Body::empty()).expect("request")).await;
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn header_of(h: &axum::http::HeaderMap, name: header::HeaderName) -> &str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The JSON the page hands its script.
fn config_of(html: &str) -> Value {
    let start = html
        .find(r#"<script type="application/json" id="till-config">"#)
        .expect("the page has its config");
    let rest = &html[start..];
    let open = rest.find('>').expect("tag ends") + 1;
    let close = rest.find("</script>").expect("script ends");
    serde_json::from_str(&rest[open..close]).expect("the config is JSON")
}

pub async fn till_page_carries_its_config_for_the_signed_in_cashier(t: TestApp) {
    let cashier = t.login("a_cashier").await;
    let (status, headers, html) = get(&t, "/till", Some(&cashier)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-store");
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    assert!(html.contains("收银台"));
    assert!(
        html.contains("扫码支付（模拟器）"),
        "the QR button says it is a simulator"
    );
    let c = config_of(&html);
    assert_eq!(c["lang"], "zh-CN");
    assert_eq!(c["user"]["username"], "a_cashier");
    assert_eq!(c["user"]["role"], "cashier");
    assert_eq!(c["location"]["id"], t.a.floor.0, "the till sells from the sales floor");
    assert_eq!(c["store"]["id"], t.a.store.0);
    assert_eq!(c["catalog_url"], "/till/catalog.json");
    assert_eq!(c["sw_scope"], "/till");
    let rounding: Vec<&str> = c["rounding"]
        .as_array()
        .expect("rounding rules")
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert_eq!(rounding, ["none", "drop_fen", "drop_jiao", "half_up_jiao"]);
    assert_eq!(c["rounding"][1]["name"], "抹分（舍去分）");
    // Every text the script asks for is there in Chinese (a missing key would show itself).
    for (k, v) in c["texts"].as_object().expect("texts") {
        let v = v.as_str().unwrap_or("");
        assert!(!v.is_empty() && v != k, "text {k} is missing");
    }
    assert_eq!(c["texts"]["till.tender.wechat_qr"], "微信扫码（模拟器）");
    // The CSRF token the script sends with its POSTs is the session's.
    let csrf = html
        .split(r#"<meta name="csrf-token" content=""#)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a CSRF meta tag");
    assert!(csrf.len() >= 16, "{csrf}");

    // In English, with the language cookie.
    let req = Request::get("/till")
        .header(header::COOKIE, format!("linli_session={cashier}; lang=en"))
        .body(Body::empty())
        .expect("request");
    let (status, _, body) = t.raw(req).await;
    let html = String::from_utf8_lossy(&body);
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("QR payment (simulator)"));
    assert_eq!(
        config_of(&html)["texts"]["till.pay_offline_saved"]
            .as_str()
            .map(|s| s.contains("offline")),
        Some(true)
    );

    // Signed out: to the sign-in page and back. A rider may not sell.
    let (status, headers, _) = get(&t, "/till", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(header_of(&headers, header::LOCATION), "/login?next=%2Ftill");
    let rider = t.login("a_rider").await;
    let (status, _, html) = get(&t, "/till", Some(&rider)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!html.contains("till-config"));
}

pub async fn till_catalog_lists_the_active_products_of_the_org_with_barcodes_and_plus(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = t
        .product(
            &owner,
            "P1",
            "牛奶",
            json!({"price_fen": 650, "gtins": ["6901234567892"]}),
        )
        .await;
    let apples = t
        .product(
            &owner,
            "P2",
            "红富士苹果",
            json!({"unit": "kg", "price_fen": 1298, "plu": 123}),
        )
        .await;
    let gone = t.product(&owner, "P3", "停售饮料", json!({"active": false})).await;
    let other_owner = t.login("b_owner").await;
    let theirs = t
        .product(&other_owner, "B1", "别家牛奶", json!({"gtins": ["6901234567809"]}))
        .await;

    for (session, via) in [(Some(t.login("a_cashier").await), "cookie"), (None, "bearer")] {
        let (status, headers, body) = match session {
            Some(s) => get(&t, "/till/catalog.json", Some(&s)).await,
            None => {
                let (status, body) = t.call("GET", "/till/catalog.json", Some(&owner), None).await;
                (status, axum::http::HeaderMap::new(), body.to_string())
            }
        };
        assert_eq!(status, StatusCode::OK, "{via}: {body}");
        if via == "cookie" {
            assert_eq!(header_of(&headers, header::CONTENT_TYPE), "application/json");
            assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-store");
        }
        let c: Value = serde_json::from_str(&body).expect("JSON");
        let ids: Vec<i64> = c["products"]
            .as_array()
            .expect("products")
            .iter()
            .filter_map(|p| p["id"].as_i64())
            .collect();
        assert_eq!(ids, [milk, apples], "{via}: active products of this org only, by id");
        assert!(!ids.contains(&gone) && !ids.contains(&theirs));
        let m = &c["products"][0];
        assert_eq!(m["gtins"], json!(["06901234567892"]));
        assert_eq!(m["price_fen"], 650);
        assert_eq!(m["unit_kind"], "piece");
        assert_eq!(m["pinyin_initials"], "nn");
        assert_eq!(m["plu"], Value::Null);
        let a = &c["products"][1];
        assert_eq!(a["unit_kind"], "weight");
        assert_eq!(a["plu"], 123);
        assert_eq!(a["gtins"], json!([]));
        assert_eq!(c["location"]["id"], t.a.floor.0);
        assert_eq!(c["store"]["id"], t.a.store.0);
        assert_eq!(c["truncated"], false);
        // The default scale layouts (28 = weight, 29 = price), as the till decodes them.
        assert_eq!(
            c["scale_templates"],
            json!([
                {"prefix": "28", "plu_digits": 5, "value_kind": "weight_g", "value_digits": 5, "has_value_check": false},
                {"prefix": "29", "plu_digits": 5, "value_kind": "price_fen", "value_digits": 5, "has_value_check": false},
            ])
        );
    }

    // A changed price reaches the copy; its version changes with it.
    let before = t.call("GET", "/till/catalog.json", Some(&owner), None).await.1;
    t.clock.advance(1_000);
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/products/{milk}/price"),
            Some(&owner),
            Some(json!({"price_fen": 690})),
        )
        .await;
    assert!(status.is_success(), "{body}");
    let after = t.call("GET", "/till/catalog.json", Some(&owner), None).await.1;
    assert_eq!(after["products"][0]["price_fen"], 690);
    assert_ne!(before["version"], after["version"]);

    // A rider may not sell, so gets no catalog copy; nobody signed in gets a 401.
    let rider = t.login("a_rider").await;
    let (status, body) = t.call("GET", "/till/catalog.json", Some(&rider), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    error_of(&body);
    let (status, body) = t.call("GET", "/till/catalog.json", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    error_of(&body);
}

pub async fn till_service_worker_and_assets_are_served_with_the_page_version(t: TestApp) {
    let cashier = t.login("a_cashier").await;
    let (_, _, html) = get(&t, "/till", Some(&cashier)).await;
    let v = html
        .split("/static/till.js?v=")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the page links its script with a version")
        .to_string();
    assert_eq!(v.len(), 12, "{v}");
    assert!(html.contains(&format!("/static/till.css?v={v}")));

    // The worker is served without signing in (the browser fetches it on its own), never
    // cached by HTTP, and precaches exactly the URLs the page uses.
    let (status, headers, sw) = get(&t, "/till-sw.js", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        header_of(&headers, header::CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header_of(&headers, header::CACHE_CONTROL), "no-cache");
    assert!(
        sw.contains(&format!("/static/till.js?v={v}")),
        "the worker caches the page's script"
    );
    assert!(sw.contains(&format!("/static/till.css?v={v}")));
    assert!(
        !sw.contains("__TILL_V__") && !sw.contains("__APP_V__"),
        "every placeholder is filled"
    );
    let app_css = html
        .split("/static/app.css?v=")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the page links app.css");
    assert!(sw.contains(&format!("/static/app.css?v={app_css}")));
    assert!(sw.contains(r#"const PAGE = "/till";"#));

    for (path, kind) in [
        ("/static/till.js", "text/javascript; charset=utf-8"),
        ("/static/till.css", "text/css; charset=utf-8"),
    ] {
        let (status, headers, body) = get(&t, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(header_of(&headers, header::CONTENT_TYPE), kind, "{path}");
        assert!(body.len() > 1000, "{path}");
    }
}
