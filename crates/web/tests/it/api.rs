//! The JSON API: every endpoint, authorization, tenancy, idempotency and bad input.

use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

on_both_backends!(api:
    health_check_answers_ok,
    login_returns_a_token_and_wrong_passwords_are_refused_in_both_languages,
    five_wrong_passwords_lock_the_account,
    logout_ends_the_token_and_password_change_works,
    requests_without_a_token_are_unauthorized,
    products_are_created_found_by_pinyin_and_updated,
    cashier_cannot_change_prices_or_manage_staff,
    rider_can_only_look,
    another_organisation_gets_404_for_every_object,
    replayed_idempotency_key_returns_the_first_response,
    reused_idempotency_key_with_another_body_is_422,
    bad_json_gets_a_4xx_naming_the_field,
    oversize_body_is_413,
    scan_resolves_ean_gs1_scale_and_plu,
    purchase_order_is_sent_received_and_shows_in_stock_by_lot,
    adjustments_need_a_reason_and_cannot_go_negative,
    stock_count_flow_posts_corrections,
    paging_is_bounded_and_totals_are_given,
    staff_management_by_owner_and_manager,
    members_are_listed_with_masked_phones,
    openapi_document_describes_every_route,
    junk_bodies_never_cause_a_server_error,
    zones_scale_templates_and_expired_write_off,
    category_tree_and_locations_are_listed,
    concurrent_wrong_passwords_still_lock_the_account,
    console_sign_in_from_another_site_is_refused,
    till_sale_with_a_scale_barcode_and_split_payment,
);

async fn health_check_answers_ok(t: TestApp) {
    let (status, _) = t.call("GET", "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    t.store.close().await;
    let (status, _) = t.call("GET", "/healthz", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "503 once the database is gone");
}

async fn login_returns_a_token_and_wrong_passwords_are_refused_in_both_languages(t: TestApp) {
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "a_owner", "password": "secret123"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["staff"]["role"], "owner");
    assert!(body["token"].as_str().unwrap().len() >= 32);
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "a_owner", "password": "nope"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(&body).0, "bad_credentials");
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "ghost", "password": "nope"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "unknown users look the same as wrong passwords"
    );
    assert_eq!(body["error"]["message_zh"], "用户名或密码错误。");
    let (status, body) = t
        .call("POST", "/api/v1/auth/login", None, Some(json!({"username": "a_owner"})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&body).1.as_deref(), Some("password"));
}

async fn five_wrong_passwords_lock_the_account(t: TestApp) {
    for _ in 0..4 {
        let (status, _) = t
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "a_cashier", "password": "wrong"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "a_cashier", "password": "wrong"})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "locked")
    );
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "a_cashier", "password": "secret123"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits out the lock"
    );
    t.clock.advance(16 * 60 * 1000);
    t.login("a_cashier").await;
}

async fn logout_ends_the_token_and_password_change_works(t: TestApp) {
    let token = t.login("a_manager").await;
    let (status, me) = t.call("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!((status, me["username"].as_str()), (StatusCode::OK, Some("a_manager")));
    assert!(
        me["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "change_price")
    );
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/auth/password",
            Some(&token),
            Some(json!({"old_password": "bad", "new_password": "newsecret1"})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("old_password"))
    );
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/auth/password",
            Some(&token),
            Some(json!({"old_password": "secret123", "new_password": "short"})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("new_password"))
    );
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/auth/password",
            Some(&token),
            Some(json!({"old_password": "secret123", "new_password": "newsecret1"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "a_manager", "password": "newsecret1"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t.call("POST", "/api/v1/auth/logout", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t.call("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn requests_without_a_token_are_unauthorized(t: TestApp) {
    for path in [
        "/api/v1/products",
        "/api/v1/stock",
        "/api/v1/staff",
        "/api/v1/audit-log",
        "/api/v1/me",
    ] {
        let (status, body) = t.call("GET", path, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(error_of(&body).0, "unauthenticated");
    }
    let (status, _) = t.call("GET", "/api/v1/products", Some("not-a-token"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn products_are_created_found_by_pinyin_and_updated(t: TestApp) {
    let owner = t.login("a_owner").await;
    let (_, cat) = t
        .call(
            "POST",
            "/api/v1/categories",
            Some(&owner),
            Some(json!({"code": "dairy", "name_zh": "乳制品", "expiry_alert_hours": 72})),
        )
        .await;
    let milk = t
        .product(
            &owner,
            "P1",
            "光明鲜牛奶",
            json!({"gtins": ["6901234567892"], "category_id": cat["id"]}),
        )
        .await;
    t.product(&owner, "P2", "全麦面包", json!({})).await;
    let (status, list) = t.call("GET", "/api/v1/products?q=nn", Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["name_zh"], "光明鲜牛奶");
    assert_eq!(list["items"][0]["gtins"][0], "06901234567892");
    let (_, list) = t
        .call("GET", "/api/v1/products?q=6901234567892", Some(&owner), None)
        .await;
    assert_eq!(list["items"][0]["id"], milk);
    let (status, body) = t
        .call(
            "PUT",
            &format!("/api/v1/products/{milk}"),
            Some(&owner),
            Some(json!({"sku": "P1", "name_zh": "光明鲜牛奶 950ml", "unit": "瓶", "price_fen": 1290})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["price_fen"], 1290);
    assert_eq!(body["pinyin_initials"], "gmxnn950ml");
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/products/{milk}/price"),
            Some(&owner),
            Some(json!({"price_fen": 1190})),
        )
        .await;
    assert_eq!((status, body["price_fen"].as_i64()), (StatusCode::OK, Some(1190)));
    let (_, log) = t
        .call("GET", "/api/v1/audit-log?action=product.price", Some(&owner), None)
        .await;
    assert_eq!(log["total"], 2, "both price changes are audited: {log}");
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/products",
            Some(&owner),
            Some(json!({"sku": "P1", "name_zh": "重复", "unit": "件", "price_fen": 1})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::CONFLICT, Some("sku"))
    );
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/products",
            Some(&owner),
            Some(json!({"name_zh": "坏条码", "unit": "件", "price_fen": 1, "gtins": ["6901234567890"]})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("gtins[0]"))
    );
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/products",
            Some(&owner),
            Some(json!({"name_zh": "负价", "unit": "件", "price_fen": -1})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("price_fen"))
    );
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/products",
            Some(&owner),
            Some(json!({"name_zh": "吨", "unit": "吨", "price_fen": 1})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unit"))
    );
}

async fn cashier_cannot_change_prices_or_manage_staff(t: TestApp) {
    let owner = t.login("a_owner").await;
    let cashier = t.login("a_cashier").await;
    let milk = t.product(&owner, "P1", "牛奶", json!({})).await;
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/products/{milk}/price"),
            Some(&cashier),
            Some(json!({"price_fen": 1})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    let (status, _) = t
        .call(
            "PUT",
            &format!("/api/v1/products/{milk}"),
            Some(&cashier),
            Some(json!({"name_zh": "牛奶", "unit": "瓶", "price_fen": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/staff",
            Some(&cashier),
            Some(json!({"username": "x", "display_name": "x", "role": "cashier", "password": "longenough"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = t.call("GET", "/api/v1/staff", Some(&cashier), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = t.call("GET", "/api/v1/audit-log", Some(&cashier), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, p) = t
        .call("GET", &format!("/api/v1/products/{milk}"), Some(&cashier), None)
        .await;
    assert_eq!(p["price_fen"], 500, "the price did not change");
    // A cashier may receive goods.
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/receipts",
            Some(&cashier),
            Some(json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 3}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn rider_can_only_look(t: TestApp) {
    let rider = t.login("a_rider").await;
    let (status, _) = t.call("GET", "/api/v1/products", Some(&rider), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/receipts",
            Some(&rider),
            Some(json!({"location_id": t.a.floor.0, "lines": [{"product_id": 1, "qty": 3}]})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = t.call("GET", "/api/v1/members", Some(&rider), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn another_organisation_gets_404_for_every_object(t: TestApp) {
    let a = t.login("a_owner").await;
    let b = t.login("b_owner").await;
    let milk = t.product(&a, "P1", "牛奶", json!({"gtins": ["6901234567892"]})).await;
    let (_, sup) = t.call("POST", "/api/v1/suppliers", Some(&a), Some(json!({"code": "GM", "name_zh": "光明", "kind": "factory", "lead_time_hours": 5, "order_cutoff": "10:00", "delivery_time": "15:00"}))).await;
    let (_, po) = t
        .call(
            "POST",
            "/api/v1/purchase-orders",
            Some(&a),
            Some(json!({"supplier_id": sup["id"], "lines": [{"product_id": milk, "qty": 5}]})),
        )
        .await;
    t.call(
        "POST",
        "/api/v1/receipts",
        Some(&a),
        Some(json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 3, "lot_code": "L1"}]})),
    )
    .await;
    let (_, count) = t
        .call(
            "POST",
            "/api/v1/stock/counts",
            Some(&a),
            Some(json!({"location_id": t.a.floor.0})),
        )
        .await;
    let a_staff = t.store.staff_by_username("a_cashier").await.unwrap().unwrap().id.0;
    let po_id = po["id"].as_i64().unwrap();
    let count_id = count["id"].as_i64().unwrap();
    for (method, path, body) in [
        ("GET", format!("/api/v1/products/{milk}"), None),
        (
            "PUT",
            format!("/api/v1/products/{milk}"),
            Some(json!({"name_zh": "偷", "unit": "瓶", "price_fen": 1})),
        ),
        (
            "POST",
            format!("/api/v1/products/{milk}/price"),
            Some(json!({"price_fen": 1})),
        ),
        ("GET", format!("/api/v1/purchase-orders/{po_id}"), None),
        (
            "POST",
            format!("/api/v1/purchase-orders/{po_id}/actions"),
            Some(json!({"action": "send"})),
        ),
        ("GET", format!("/api/v1/stock/counts/{count_id}"), None),
        ("POST", format!("/api/v1/stock/counts/{count_id}/post"), None),
        (
            "PATCH",
            format!("/api/v1/staff/{a_staff}"),
            Some(json!({"active": false})),
        ),
        (
            "POST",
            "/api/v1/receipts".to_string(),
            Some(json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 1}]})),
        ),
        (
            "POST",
            "/api/v1/stock/adjustments".to_string(),
            Some(
                json!({"location_id": t.b.floor.0, "product_id": milk, "lot_code": "L1", "kind": "adjustment", "qty_delta": 5, "reason": "x"}),
            ),
        ),
        (
            "POST",
            "/api/v1/stock/counts".to_string(),
            Some(json!({"location_id": t.a.floor.0})),
        ),
    ] {
        let (status, resp) = t.call(method, &path, Some(&b), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {resp}");
    }
    for path in [
        "/api/v1/products",
        "/api/v1/stock",
        "/api/v1/purchase-orders",
        "/api/v1/stock/movements",
        "/api/v1/stock/counts",
    ] {
        let (_, list) = t.call("GET", path, Some(&b), None).await;
        assert_eq!(list["total"], 0, "{path}: {list}");
    }
    let (_, log) = t.call("GET", "/api/v1/audit-log", Some(&b), None).await;
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["detail"].as_str().unwrap().starts_with("b_")),
        "B sees only its own audit entries: {log}"
    );
    let (_, scan) = t.call("GET", "/api/v1/scan?code=6901234567892", Some(&b), None).await;
    assert_eq!(scan["product"], Value::Null, "B's scanner does not find A's product");
    let (_, sups) = t.call("GET", "/api/v1/suppliers", Some(&b), None).await;
    assert_eq!(sups.as_array().unwrap().len(), 0);
    let (_, p) = t.call("GET", &format!("/api/v1/products/{milk}"), Some(&a), None).await;
    assert_eq!(
        (p["name_zh"].as_str(), p["price_fen"].as_i64()),
        (Some("牛奶"), Some(500))
    );
}

async fn replayed_idempotency_key_returns_the_first_response(t: TestApp) {
    let owner = t.login("a_owner").await;
    let body = json!({"sku": "P1", "name_zh": "牛奶", "unit": "瓶", "price_fen": 500});
    let key = [("idempotency-key", "create-milk-1")];
    let (s1, first) = t
        .call_with("POST", "/api/v1/products", Some(&owner), Some(body.clone()), &key)
        .await;
    let (s2, second) = t
        .call_with("POST", "/api/v1/products", Some(&owner), Some(body.clone()), &key)
        .await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(first, second);
    let (_, list) = t.call("GET", "/api/v1/products", Some(&owner), None).await;
    assert_eq!(list["total"], 1, "the replay created nothing");
    // A receipt replayed three times adds stock once.
    let milk = first["id"].as_i64().unwrap();
    let receipt = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 4, "lot_code": "L1"}]});
    for _ in 0..3 {
        let (status, _) = t
            .call_with(
                "POST",
                "/api/v1/receipts",
                Some(&owner),
                Some(receipt.clone()),
                &[("idempotency-key", "rcv-1")],
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (_, stock) = t
        .call("GET", &format!("/api/v1/stock?product_id={milk}"), Some(&owner), None)
        .await;
    assert_eq!(stock["items"][0]["qty_on_hand"], 4);
    // Keys are per user: the same key from the manager is a new request.
    let manager = t.login("a_manager").await;
    let (status, _) = t
        .call_with(
            "POST",
            "/api/v1/receipts",
            Some(&manager),
            Some(receipt.clone()),
            &[("idempotency-key", "rcv-1")],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // An error response is replayed too, without running again.
    let bad = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": -1}]});
    let (s1, e1) = t
        .call_with(
            "POST",
            "/api/v1/receipts",
            Some(&owner),
            Some(bad.clone()),
            &[("idempotency-key", "bad-1")],
        )
        .await;
    let (s2, e2) = t
        .call_with(
            "POST",
            "/api/v1/receipts",
            Some(&owner),
            Some(bad),
            &[("idempotency-key", "bad-1")],
        )
        .await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::UNPROCESSABLE_ENTITY)
    );
    assert_eq!(e1, e2);
}

async fn reused_idempotency_key_with_another_body_is_422(t: TestApp) {
    // Signing in is not keyed: its answer holds a fresh token, which is never stored or replayed.
    let creds = json!({"username": "a_owner", "password": "secret123"});
    let (_, first) = t
        .call_with(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(creds.clone()),
            &[("idempotency-key", "login")],
        )
        .await;
    let (_, second) = t
        .call_with(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(creds),
            &[("idempotency-key", "login")],
        )
        .await;
    assert_ne!(first["token"], second["token"]);
    let owner = t.login("a_owner").await;
    let key = [("idempotency-key", "k-42")];
    let (status, _) = t
        .call_with(
            "POST",
            "/api/v1/products",
            Some(&owner),
            Some(json!({"sku": "P1", "name_zh": "牛奶", "unit": "瓶", "price_fen": 500})),
            &key,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = t
        .call_with(
            "POST",
            "/api/v1/products",
            Some(&owner),
            Some(json!({"sku": "P2", "name_zh": "面包", "unit": "个", "price_fen": 300})),
            &key,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_of(&body),
        (
            "idempotency_key_reused".to_string(),
            Some("Idempotency-Key".to_string())
        )
    );
    let (_, list) = t.call("GET", "/api/v1/products", Some(&owner), None).await;
    assert_eq!(list["total"], 1);
    let long = "k".repeat(200);
    let (status, body) = t
        .call_with(
            "POST",
            "/api/v1/products",
            Some(&owner),
            Some(json!({"name_zh": "x", "unit": "件", "price_fen": 1})),
            &[("idempotency-key", long.as_str())],
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("Idempotency-Key"))
    );
}

async fn bad_json_gets_a_4xx_naming_the_field(t: TestApp) {
    let owner = t.login("a_owner").await;
    let raw = |body: &'static str, ct: &'static str| {
        Request::builder()
            .method("POST")
            .uri("/api/v1/products")
            .header("authorization", format!("Bearer {owner}"))
            .header("content-type", ct)
            .body(Body::from(body))
            .unwrap()
    };
    let (status, _, bytes) = t.raw(raw("{\"name_zh\": \"牛奶\",", "application/json")).await;
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    let (status, _, bytes) = t.raw(raw("{\"name_zh\": \"牛奶\"}", "text/plain")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    error_of(&serde_json::from_slice(&bytes).unwrap());
    for (body, field) in [
        (
            json!({"name_zh": "牛奶", "unit": "瓶", "price_fen": "5元"}),
            "price_fen",
        ),
        (
            json!({"name_zh": "牛奶", "unit": "瓶", "price_fen": 500, "colour": "red"}),
            "colour",
        ),
        (json!({"unit": "瓶", "price_fen": 500}), "name_zh"),
        (json!({"name_zh": "牛奶", "unit": "瓶", "price_fen": 5.5}), "price_fen"),
        (
            json!({"name_zh": "牛奶", "unit": "瓶", "price_fen": 500, "gtins": [6901234567892u64]}),
            "gtins[0]",
        ),
        (json!({"name_zh": "", "unit": "瓶", "price_fen": 500}), "name_zh"),
        (
            json!({"name_zh": "牛奶", "unit": "瓶", "price_fen": 500, "shelf_life_days": 0}),
            "shelf_life_days",
        ),
    ] {
        let (status, resp) = t
            .call("POST", "/api/v1/products", Some(&owner), Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {resp}");
        assert_eq!(error_of(&resp).1.as_deref(), Some(field), "{body} → {resp}");
    }
    let (status, resp) = t
        .call(
            "POST",
            "/api/v1/receipts",
            Some(&owner),
            Some(json!({"location_id": t.a.floor.0, "lines": [{"product_id": 1, "qty": "three"}]})),
        )
        .await;
    assert_eq!(
        (status, error_of(&resp).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("lines[0].qty"))
    );
    let (status, resp) = t.call("GET", "/api/v1/products?q=%00", Some(&owner), None).await;
    assert_eq!(
        (status, error_of(&resp).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("query")),
        "NUL never reaches the database"
    );
    let (status, resp) = t
        .call(
            "POST",
            "/api/v1/products",
            Some(&owner),
            Some(json!({"name_zh": "牛\u{0}奶", "unit": "瓶", "price_fen": 1})),
        )
        .await;
    assert_eq!(
        (status, error_of(&resp).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("body"))
    );
    let (status, resp) = t
        .call(
            "POST",
            "/api/v1/stock/counts",
            Some(&owner),
            Some(json!({"location_id": t.a.floor.0, "note": "x".repeat(201)})),
        )
        .await;
    assert_eq!(
        (status, error_of(&resp).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("note"))
    );
    let (status, resp) = t.call("GET", "/api/v1/products?page=zero", Some(&owner), None).await;
    assert_eq!(
        (status, error_of(&resp).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("page"))
    );
    let (status, resp) = t.call("GET", "/api/v1/products?colour=red", Some(&owner), None).await;
    assert_eq!(
        (status, error_of(&resp).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("colour"))
    );
    let (_, list) = t.call("GET", "/api/v1/products", Some(&owner), None).await;
    assert_eq!(list["total"], 0, "no refused request wrote anything");
    let (status, resp) = t.call("GET", "/api/v1/no-such-thing", Some(&owner), None).await;
    assert_eq!(
        (status, error_of(&resp).0.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
}

async fn oversize_body_is_413(t: TestApp) {
    let owner = t.login("a_owner").await;
    let big = json!({"name_zh": "x".repeat(300 * 1024), "unit": "件", "price_fen": 1});
    let (status, body) = t
        .call("POST", "/api/v1/products", Some(&owner), Some(big.clone()))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_of(&body).0, "too_large");
    let (status, body) = t
        .call_with(
            "POST",
            "/api/v1/products",
            Some(&owner),
            Some(big),
            &[("idempotency-key", "big")],
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    error_of(&body);
}

async fn scan_resolves_ean_gs1_scale_and_plu(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = t
        .product(&owner, "P1", "牛奶", json!({"gtins": ["6901234567892"]}))
        .await;
    let apples = t
        .product(
            &owner,
            "P2",
            "红富士苹果",
            json!({"unit": "kg", "price_fen": 1298, "plu": 123}),
        )
        .await;
    let (status, r) = t
        .call("GET", "/api/v1/scan?code=6901234567892", Some(&owner), None)
        .await;
    assert_eq!(
        (status, r["kind"].as_str(), r["product"]["id"].as_i64()),
        (StatusCode::OK, Some("gtin"), Some(milk))
    );
    // GS1: (01) GTIN, (17) expiry 2026-12-00 → last day of December, (10) lot, GS-separated.
    let (status, r) = t
        .call(
            "GET",
            "/api/v1/scan?code=010690123456789217261200%1D10LOT42",
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        (r["kind"].as_str(), r["product"]["id"].as_i64()),
        (Some("gs1"), Some(milk))
    );
    assert_eq!(
        (r["lot"].as_str(), r["expiry"].as_str()),
        (Some("LOT42"), Some("2026-12-31"))
    );
    // Scale barcode: prefix 28, PLU 00123, 0.385 kg → ¥12.98 × 0.385 = 499.73 fen → 500.
    let code = linli_domain::barcode::scale::ScaleTemplate::weight_default().encode(123, 385);
    let (status, r) = t
        .call("GET", &format!("/api/v1/scan?code={code}"), Some(&owner), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        (
            r["kind"].as_str(),
            r["product"]["id"].as_i64(),
            r["weight_g"].as_i64(),
            r["price_fen"].as_i64()
        ),
        (Some("scale"), Some(apples), Some(385), Some(500))
    );
    let (_, r) = t.call("GET", "/api/v1/scan?code=123", Some(&owner), None).await;
    assert_eq!(
        (r["kind"].as_str(), r["product"]["id"].as_i64()),
        (Some("plu"), Some(apples))
    );
    let (status, r) = t
        .call("GET", "/api/v1/scan?code=6901234567890", Some(&owner), None)
        .await;
    assert_eq!(
        (status, error_of(&r).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("code"))
    );
    let (status, r) = t
        .call("GET", "/api/v1/scan?code=0106901234567892171313", Some(&owner), None)
        .await;
    assert_eq!(
        (status, error_of(&r).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("code")),
        "month 13"
    );
    let (status, r) = t.call("GET", "/api/v1/scan", Some(&owner), None).await;
    assert_eq!(
        (status, error_of(&r).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("code"))
    );
}

async fn purchase_order_is_sent_received_and_shows_in_stock_by_lot(t: TestApp) {
    let manager = t.login("a_manager").await;
    let cashier = t.login("a_cashier").await;
    let milk = t
        .product(&manager, "P1", "牛奶", json!({"gtins": ["6901234567892"]}))
        .await;
    let (status, sup) = t.call("POST", "/api/v1/suppliers", Some(&manager), Some(json!({"code": "GM", "name_zh": "光明乳业", "kind": "factory", "contact_phone": "13812345678", "lead_time_hours": 5, "order_cutoff": "10:00", "delivery_time": "15:00"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{sup}");
    assert_eq!(sup["contact_phone"], "138****5678");
    let (status, po) = t
        .call(
            "POST",
            "/api/v1/purchase-orders",
            Some(&manager),
            Some(json!({"supplier_id": sup["id"], "lines": [{"product_id": milk, "qty": 10, "unit_cost_fen": 350}]})),
        )
        .await;
    assert_eq!((status, po["status"].as_str()), (StatusCode::CREATED, Some("draft")));
    assert_eq!(po["total_cost_fen"], 3500);
    let id = po["id"].as_i64().unwrap();
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/receipts",
            Some(&cashier),
            Some(json!({"location_id": t.a.backroom.0, "po_id": id, "lines": [{"product_id": milk, "qty": 1}]})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (StatusCode::CONFLICT, "state"),
        "a draft takes no goods"
    );
    let (status, po) = t
        .call(
            "POST",
            &format!("/api/v1/purchase-orders/{id}/actions"),
            Some(&manager),
            Some(json!({"action": "send"})),
        )
        .await;
    assert_eq!((status, po["status"].as_str()), (StatusCode::OK, Some("sent")));
    // Ordered at 10:00 sharp (the cut-off): delivered 15:00 the same day.
    assert_eq!(po["expected_at"], NOW + 5 * 3_600_000);
    let (status, r) = t
        .call("POST", "/api/v1/receipts", Some(&cashier), Some(json!({"location_id": t.a.backroom.0, "po_id": id, "lines": [{"code": "010690123456789217261215%1D10LOT-A".replace("%1D", "\u{1d}"), "qty": 6}]})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(
        (r["po_status"].as_str(), r["lines"][0]["lot_code"].as_str()),
        (Some("partly_received"), Some("LOT-A"))
    );
    assert_eq!(
        (
            r["lines"][0]["discrepancy"].as_str(),
            r["lines"][0]["discrepancy_qty"].as_i64()
        ),
        (Some("short"), Some(4))
    );
    let (_, r) = t
        .call("POST", "/api/v1/receipts", Some(&cashier), Some(json!({"location_id": t.a.backroom.0, "po_id": id, "lines": [{"product_id": milk, "lot_code": "LOT-B", "expiry": "2026-12-20", "qty": 4}]})))
        .await;
    assert_eq!(r["po_status"], "received");
    let (_, stock) = t
        .call("GET", &format!("/api/v1/stock?product_id={milk}"), Some(&cashier), None)
        .await;
    let lots: Vec<(String, i64)> = stock["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["lot_code"].as_str().unwrap().to_string(),
                b["qty_on_hand"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(lots, vec![("LOT-A".to_string(), 6), ("LOT-B".to_string(), 4)]);
    assert_eq!(stock["items"][0]["expiry_status"], "ok");
    let (status, po) = t
        .call(
            "POST",
            &format!("/api/v1/purchase-orders/{id}/actions"),
            Some(&manager),
            Some(json!({"action": "close"})),
        )
        .await;
    assert_eq!((status, po["status"].as_str()), (StatusCode::OK, Some("closed")));
    let (status, _) = t
        .call(
            "POST",
            &format!("/api/v1/purchase-orders/{id}/actions"),
            Some(&manager),
            Some(json!({"action": "send"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/purchase-orders/{id}/actions"),
            Some(&manager),
            Some(json!({"action": "explode"})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("action"))
    );
    // Walk-in delivery without a PO.
    let (status, _) = t.call("POST", "/api/v1/receipts", Some(&cashier), Some(json!({"location_id": t.a.floor.0, "supplier_id": sup["id"], "lines": [{"product_id": milk, "qty": 2, "expiry": "2026-11-26"}]}))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, alerts) = t.call("GET", "/api/v1/alerts/expiry", Some(&cashier), None).await;
    assert_eq!(alerts["total"], 1, "{alerts}");
    assert_eq!(alerts["items"][0]["expiry_status"], "soon");
    let (_, pos) = t
        .call("GET", "/api/v1/purchase-orders?status=closed", Some(&manager), None)
        .await;
    assert_eq!(pos["total"], 1);
}

async fn adjustments_need_a_reason_and_cannot_go_negative(t: TestApp) {
    let manager = t.login("a_manager").await;
    let milk = t.product(&manager, "P1", "牛奶", json!({"reorder_point": 5})).await;
    t.call(
        "POST",
        "/api/v1/receipts",
        Some(&manager),
        Some(json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 3, "lot_code": "L1"}]})),
    )
    .await;
    let adj = |kind: &str, qty: i64, reason: &str| json!({"location_id": t.a.floor.0, "product_id": milk, "lot_code": "L1", "kind": kind, "qty_delta": qty, "reason": reason});
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/stock/adjustments",
            Some(&manager),
            Some(adj("waste", -1, "")),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/stock/adjustments",
            Some(&manager),
            Some(adj("waste", 1, "broken")),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("qty_delta"))
    );
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/stock/adjustments",
            Some(&manager),
            Some(adj("waste", -5, "broken")),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (StatusCode::CONFLICT, "insufficient_stock")
    );
    let (status, m) = t
        .call(
            "POST",
            "/api/v1/stock/adjustments",
            Some(&manager),
            Some(adj("waste", -2, "包装破损")),
        )
        .await;
    assert_eq!(
        (status, m["balance_after"].as_i64(), m["kind"].as_str()),
        (StatusCode::CREATED, Some(1), Some("waste"))
    );
    let (_, low) = t.call("GET", "/api/v1/alerts/low-stock", Some(&manager), None).await;
    assert_eq!(low["items"][0]["qty_on_hand"], 1);
    let (_, log) = t
        .call("GET", "/api/v1/audit-log?action=stock.", Some(&manager), None)
        .await;
    assert_eq!(log["total"], 1);
    let (status, moved) = t.call("POST", "/api/v1/stock/transfers", Some(&manager), Some(json!({"from_location_id": t.a.floor.0, "to_location_id": t.a.backroom.0, "product_id": milk, "qty": 1}))).await;
    assert_eq!((status, moved[0]["qty"].as_i64()), (StatusCode::CREATED, Some(1)));
    let (_, moves) = t
        .call(
            "GET",
            &format!("/api/v1/stock/movements?product_id={milk}"),
            Some(&manager),
            None,
        )
        .await;
    assert_eq!(moves["total"], 4, "receipt, waste, transfer out, transfer in: {moves}");
    let cashier = t.login("a_cashier").await;
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/stock/adjustments",
            Some(&cashier),
            Some(adj("adjustment", 1, "found")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn stock_count_flow_posts_corrections(t: TestApp) {
    let manager = t.login("a_manager").await;
    let cashier = t.login("a_cashier").await;
    let milk = t.product(&manager, "P1", "牛奶", json!({})).await;
    t.call(
        "POST",
        "/api/v1/receipts",
        Some(&manager),
        Some(json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 10, "lot_code": "L1"}]})),
    )
    .await;
    let (status, count) = t
        .call(
            "POST",
            "/api/v1/stock/counts",
            Some(&cashier),
            Some(json!({"location_id": t.a.floor.0, "note": "周盘"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{count}");
    let id = count["id"].as_i64().unwrap();
    let lot = count["lines"][0]["lot_id"].as_i64().unwrap();
    assert_eq!(count["lines"][0]["expected"], 10);
    let (status, count) = t
        .call(
            "POST",
            &format!("/api/v1/stock/counts/{id}/lines"),
            Some(&cashier),
            Some(json!({"lines": [{"lot_id": lot, "counted": 8}]})),
        )
        .await;
    assert_eq!(
        (status, count["lines"][0]["difference"].as_i64()),
        (StatusCode::OK, Some(-2))
    );
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/stock/counts/{id}/lines"),
            Some(&cashier),
            Some(json!({"lines": [{"lot_id": lot, "counted": -1}]})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("lines[0].counted"))
    );
    let (status, _) = t
        .call("POST", &format!("/api/v1/stock/counts/{id}/post"), Some(&cashier), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "posting corrections is a manager's call");
    let (status, count) = t
        .call("POST", &format!("/api/v1/stock/counts/{id}/post"), Some(&manager), None)
        .await;
    assert_eq!((status, count["status"].as_str()), (StatusCode::OK, Some("posted")));
    let (status, _) = t
        .call("POST", &format!("/api/v1/stock/counts/{id}/post"), Some(&manager), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, stock) = t
        .call("GET", &format!("/api/v1/stock?product_id={milk}"), Some(&manager), None)
        .await;
    assert_eq!(stock["items"][0]["qty_on_hand"], 8);
    let (_, counts) = t.call("GET", "/api/v1/stock/counts", Some(&manager), None).await;
    assert_eq!(counts["total"], 1);
}

async fn paging_is_bounded_and_totals_are_given(t: TestApp) {
    let owner = t.login("a_owner").await;
    for i in 0..7 {
        t.product(&owner, &format!("P{i}"), &format!("牛奶{i}"), json!({}))
            .await;
    }
    let (_, p1) = t
        .call("GET", "/api/v1/products?page=1&page_size=3", Some(&owner), None)
        .await;
    let (_, p3) = t
        .call("GET", "/api/v1/products?page=3&page_size=3", Some(&owner), None)
        .await;
    assert_eq!(
        (
            p1["total"].as_i64(),
            p1["items"].as_array().unwrap().len(),
            p3["items"].as_array().unwrap().len()
        ),
        (Some(7), 3, 1)
    );
    let (status, body) = t
        .call("GET", "/api/v1/products?page_size=201", Some(&owner), None)
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("page_size"))
    );
    let (status, body) = t.call("GET", "/api/v1/stock?page=0", Some(&owner), None).await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("page"))
    );
}

async fn staff_management_by_owner_and_manager(t: TestApp) {
    let owner = t.login("a_owner").await;
    let manager = t.login("a_manager").await;
    let (status, s) = t
        .call(
            "POST",
            "/api/v1/staff",
            Some(&manager),
            Some(
                json!({"username": "new_cashier", "display_name": "小王", "role": "cashier", "password": "longenough"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/staff",
            Some(&manager),
            Some(json!({"username": "boss2", "display_name": "x", "role": "owner", "password": "longenough"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a manager cannot make owners");
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/staff",
            Some(&owner),
            Some(json!({"username": "new_cashier", "display_name": "x", "role": "cashier", "password": "longenough"})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::CONFLICT, Some("username"))
    );
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/staff",
            Some(&owner),
            Some(json!({"username": "x", "display_name": "x", "role": "chef", "password": "longenough"})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("role"))
    );
    let id = s["id"].as_i64().unwrap();
    let (status, s) = t
        .call(
            "PATCH",
            &format!("/api/v1/staff/{id}"),
            Some(&owner),
            Some(json!({"role": "manager"})),
        )
        .await;
    assert_eq!((status, s["role"].as_str()), (StatusCode::OK, Some("manager")));
    let (status, _) = t
        .call(
            "PATCH",
            &format!("/api/v1/staff/{id}"),
            Some(&manager),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a manager cannot deactivate another manager"
    );
    let (_, log) = t
        .call("GET", "/api/v1/audit-log?action=staff.role", Some(&owner), None)
        .await;
    assert_eq!(log["total"], 1);
    let (status, _) = t
        .call(
            "PATCH",
            &format!("/api/v1/staff/{id}"),
            Some(&owner),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "new_cashier", "password": "longenough"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "deactivated staff cannot sign in");
    let (_, list) = t.call("GET", "/api/v1/staff", Some(&owner), None).await;
    assert_eq!(list.as_array().unwrap().len(), 5);
}

async fn members_are_listed_with_masked_phones(t: TestApp) {
    let st = t
        .store
        .create_building(
            t.a.org,
            t.a.store,
            &linli_store::NewBuilding {
                code: "B1",
                name_zh: "1号楼",
                compound_zh: "幸福里",
                lat_e6: None,
                lon_e6: None,
                households: 100,
            },
        )
        .await
        .unwrap();
    t.store
        .create_member(
            t.a.org,
            &linli_store::NewMember {
                phone: "13812345678",
                name: "张阿姨",
                building: Some(st),
                unit_no: "2",
                room: "1202",
                birthday: None,
                joined_at: NOW,
            },
        )
        .await
        .unwrap();
    let cashier = t.login("a_cashier").await;
    let (status, list) = t.call("GET", "/api/v1/members", Some(&cashier), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"][0]["phone"], "138****5678");
    assert!(
        !list.to_string().contains("13812345678"),
        "the full number never leaves"
    );
    let (_, found) = t.call("GET", "/api/v1/members?q=5678", Some(&cashier), None).await;
    assert_eq!(found["total"], 1);
    let (status, headers, csv) = t
        .raw(
            Request::builder()
                .uri("/api/v1/members/export")
                .header("authorization", format!("Bearer {cashier}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(
        (status, headers["content-type"].to_str().unwrap()),
        (StatusCode::OK, "text/csv; charset=utf-8")
    );
    assert!(csv.contains("张阿姨,138****5678,1号楼,2,1202"), "{csv}");
    assert!(!csv.contains("13812345678"), "exports mask phones too");
    let (_, b) = t.call("GET", "/api/v1/buildings", Some(&cashier), None).await;
    assert_eq!(b[0]["members"], 1);
    let other = t.login("b_owner").await;
    let (_, list) = t.call("GET", "/api/v1/members", Some(&other), None).await;
    assert_eq!(list["total"], 0);
}

async fn openapi_document_describes_every_route(t: TestApp) {
    let (status, doc) = t.call("GET", "/api/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/auth/password",
        "/api/v1/me",
        "/api/v1/products",
        "/api/v1/products/{id}",
        "/api/v1/products/{id}/price",
        "/api/v1/scan",
        "/api/v1/categories",
        "/api/v1/zones",
        "/api/v1/locations",
        "/api/v1/stock",
        "/api/v1/stock/movements",
        "/api/v1/stock/adjustments",
        "/api/v1/stock/transfers",
        "/api/v1/alerts/expiry",
        "/api/v1/alerts/low-stock",
        "/api/v1/stock/counts",
        "/api/v1/stock/counts/{id}",
        "/api/v1/stock/counts/{id}/lines",
        "/api/v1/stock/counts/{id}/post",
        "/api/v1/suppliers",
        "/api/v1/purchase-orders",
        "/api/v1/purchase-orders/{id}",
        "/api/v1/purchase-orders/{id}/actions",
        "/api/v1/receipts",
        "/api/v1/staff",
        "/api/v1/staff/{id}",
        "/api/v1/members",
        "/api/v1/buildings",
        "/api/v1/audit-log",
    ] {
        assert!(paths.contains_key(p), "{p} is documented");
    }
    let mut ops = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            ops += 1;
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has responses"
            );
            if method != "get" && path != "/api/v1/auth/login" {
                let has_key = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
                assert!(has_key, "{method} {path} documents Idempotency-Key");
            }
        }
    }
    assert!(ops >= 48, "{ops} operations");
    let (status, _, html) = t
        .raw(Request::builder().uri("/api/docs").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("/api/v1/receipts") && html.contains("ErrorBody"));
}

async fn junk_bodies_never_cause_a_server_error(t: TestApp) {
    let owner = t.login("a_owner").await;
    let junk = [
        json!(null),
        json!([]),
        json!("text"),
        json!({"lines": null}),
        json!({"lines": [null]}),
        json!({"location_id": i64::MAX, "lines": [{"product_id": i64::MAX, "qty": i64::MAX}]}),
        json!({"location_id": -1, "po_id": -1, "lines": [{"product_id": -1, "qty": 1}]}),
        json!({"name_zh": "\u{0}", "unit": "瓶", "price_fen": i64::MAX}),
        json!({"supplier_id": 999999, "lines": [{"product_id": 1, "qty": 1}]}),
        json!({"from_location_id": 1, "to_location_id": 1, "product_id": 1, "qty": 1}),
        json!({"location_id": 1, "product_id": 1, "lot_code": "🍎🍎", "kind": "adjustment", "qty_delta": 1, "reason": "x"}),
        json!({"action": ""}),
    ];
    for path in [
        "/api/v1/products",
        "/api/v1/products/1",
        "/api/v1/products/1/price",
        "/api/v1/categories",
        "/api/v1/stock/adjustments",
        "/api/v1/stock/transfers",
        "/api/v1/stock/counts",
        "/api/v1/stock/counts/1/lines",
        "/api/v1/stock/counts/1/post",
        "/api/v1/suppliers",
        "/api/v1/purchase-orders",
        "/api/v1/purchase-orders/1/actions",
        "/api/v1/receipts",
        "/api/v1/staff",
        "/api/v1/staff/1",
        "/api/v1/auth/password",
    ] {
        for body in &junk {
            for method in ["POST", "PUT", "PATCH"] {
                let (status, resp) = t.call(method, path, Some(&owner), Some(body.clone())).await;
                assert!(
                    status.is_client_error() || status.is_success(),
                    "{method} {path} {body} → {status} {resp}"
                );
                if status.is_client_error() && status != StatusCode::METHOD_NOT_ALLOWED {
                    error_of(&resp);
                }
            }
        }
    }
    let (_, s) = t.call("GET", "/healthz", None, None).await;
    assert_eq!(s, "ok");
}

async fn zones_scale_templates_and_expired_write_off(t: TestApp) {
    let manager = t.login("a_manager").await;
    let (status, zone) = t
        .call(
            "POST",
            "/api/v1/zones",
            Some(&manager),
            Some(json!({"code": "breakfast", "name_zh": "早餐角", "name_en": "Breakfast corner"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{zone}");
    let (_, zones) = t.call("GET", "/api/v1/zones", Some(&manager), None).await;
    assert_eq!(zones[0]["name_zh"], "早餐角");
    let (_, templates) = t.call("GET", "/api/v1/scale-templates", Some(&manager), None).await;
    assert_eq!(templates.as_array().unwrap().len(), 2, "two defaults: {templates}");
    // A store whose scale prints prefix 21 + 4-digit PLU + 6-digit price in fen.
    let (status, templates) = t
        .call(
            "PUT",
            "/api/v1/scale-templates",
            Some(&manager),
            Some(json!({"prefix": "21", "plu_digits": 4, "value_kind": "price_fen", "value_digits": 6})),
        )
        .await;
    assert_eq!(
        (status, templates.as_array().unwrap().len()),
        (StatusCode::OK, 1),
        "{templates}"
    );
    let (status, body) = t
        .call(
            "PUT",
            "/api/v1/scale-templates",
            Some(&manager),
            Some(json!({"prefix": "31", "plu_digits": 4, "value_kind": "price_fen", "value_digits": 6})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("prefix"))
    );
    let cake = t
        .product(&manager, "P9", "蛋糕", json!({"plu": 77, "zone_ids": [zone["id"]]}))
        .await;
    let code = linli_domain::barcode::scale::ScaleTemplate {
        prefix: "21".into(),
        plu_digits: 4,
        value_kind: linli_domain::barcode::scale::ScaleValue::PriceFen,
        value_digits: 6,
        has_value_check: false,
    }
    .encode(77, 1234);
    let (_, r) = t
        .call("GET", &format!("/api/v1/scan?code={code}"), Some(&manager), None)
        .await;
    assert_eq!(
        (r["product"]["id"].as_i64(), r["price_fen"].as_i64()),
        (Some(cake), Some(1234)),
        "{r}"
    );
    // Yesterday's lot is expired; write-off takes it and leaves the fresh one.
    t.call(
        "POST",
        "/api/v1/receipts",
        Some(&manager),
        Some(json!({"location_id": t.a.floor.0, "lines": [
        {"product_id": cake, "qty": 3, "lot_code": "OLD", "expiry": "2026-11-24"},
        {"product_id": cake, "qty": 2, "lot_code": "NEW", "expiry": "2026-11-30"}]})),
    )
    .await;
    let (status, taken) = t
        .call(
            "POST",
            "/api/v1/stock/write-offs",
            Some(&manager),
            Some(json!({"location_id": t.a.floor.0})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        (
            taken[0]["lot_code"].as_str(),
            taken[0]["qty"].as_i64(),
            taken.as_array().unwrap().len()
        ),
        (Some("OLD"), Some(3), 1)
    );
    let (_, stock) = t
        .call("GET", &format!("/api/v1/stock?product_id={cake}"), Some(&manager), None)
        .await;
    assert_eq!(stock["total"], 1);
    let cashier = t.login("a_cashier").await;
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/stock/write-offs",
            Some(&cashier),
            Some(json!({"location_id": t.a.floor.0})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn category_tree_and_locations_are_listed(t: TestApp) {
    let owner = t.login("a_owner").await;
    let (status, fresh) = t
        .call(
            "POST",
            "/api/v1/categories",
            Some(&owner),
            Some(json!({"code": "fresh", "name_zh": "生鲜", "name_en": "Fresh"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, veg) = t
        .call(
            "POST",
            "/api/v1/categories",
            Some(&owner),
            Some(json!({"code": "veg", "name_zh": "蔬菜", "parent_id": fresh["id"], "expiry_alert_hours": 24})),
        )
        .await;
    assert_eq!(
        (status, veg["parent_id"].clone()),
        (StatusCode::CREATED, fresh["id"].clone())
    );
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/categories",
            Some(&owner),
            Some(json!({"code": "x", "name_zh": "x", "parent_id": 99999})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("parent_id"))
    );
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/categories",
            Some(&owner),
            Some(json!({"code": "veg", "name_zh": "重复"})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::CONFLICT, Some("code"))
    );
    let (_, cats) = t.call("GET", "/api/v1/categories", Some(&owner), None).await;
    assert_eq!(cats.as_array().unwrap().len(), 2);
    let apple = t.product(&owner, "P1", "青菜", json!({"category_id": veg["id"]})).await;
    let (_, under_fresh) = t
        .call(
            "GET",
            &format!("/api/v1/products?category_id={}", fresh["id"]),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(
        under_fresh["items"][0]["id"], apple,
        "a parent category lists its children's products"
    );
    let (_, locs) = t.call("GET", "/api/v1/locations", Some(&owner), None).await;
    let kinds: Vec<&str> = locs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["sales_floor", "backroom"]);
    let other = t.login("b_owner").await;
    let (_, cats) = t.call("GET", "/api/v1/categories", Some(&other), None).await;
    assert_eq!(cats.as_array().unwrap().len(), 0);
}

async fn concurrent_wrong_passwords_still_lock_the_account(t: TestApp) {
    let wrong = json!({"username": "a_rider", "password": "wrong"});
    let attempts: Vec<_> = (0..8)
        .map(|_| t.call("POST", "/api/v1/auth/login", None, Some(wrong.clone())))
        .collect();
    let results = futures_join_all(attempts).await;
    assert!(results.iter().all(|(s, _)| s.is_client_error()));
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "a_rider", "password": "secret123"})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "locked"),
        "eight guesses at once still count as eight"
    );
}

pub(crate) async fn futures_join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut out = Vec::new();
    // Poll them together so the requests overlap.
    let joined = async {
        let mut pending: Vec<_> = set.into_iter().map(Some).collect();
        let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
        std::future::poll_fn(|cx| {
            let mut all_done = true;
            for (i, slot) in pending.iter_mut().enumerate() {
                if let Some(f) = slot {
                    match f.as_mut().poll(cx) {
                        std::task::Poll::Ready(v) => {
                            results[i] = Some(v);
                            *slot = None;
                        }
                        std::task::Poll::Pending => all_done = false,
                    }
                }
            }
            if all_done {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await;
        results
            .into_iter()
            .map(|r| r.expect("every future finished"))
            .collect::<Vec<_>>()
    };
    out.extend(joined.await);
    out
}

async fn console_sign_in_from_another_site_is_refused(t: TestApp) {
    let form = |origin: &str| {
        Request::builder()
            .method("POST")
            .uri("/login")
            .header("host", "shop.local:8080")
            .header("origin", origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("username=a_owner&password=secret123&next=%2F"))
            .unwrap()
    };
    let (status, headers, _) = t.raw(form("http://evil.example")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        headers.get("set-cookie").is_none(),
        "no session for a cross-site sign-in"
    );
    let (status, headers, _) = t.raw(form("http://shop.local:8080")).await;
    assert!(status.is_redirection(), "{status}");
    assert!(headers.get("set-cookie").is_some());
}

async fn till_sale_with_a_scale_barcode_and_split_payment(t: TestApp) {
    let manager = t.login("a_manager").await;
    let cashier = t.login("a_cashier").await;
    let milk = t
        .product(
            &manager,
            "P1",
            "牛奶",
            json!({"price_fen": 650, "gtins": ["6901234567892"]}),
        )
        .await;
    let apples = t
        .product(
            &manager,
            "P2",
            "红富士苹果",
            json!({"unit": "kg", "price_fen": 1298, "plu": 123}),
        )
        .await;
    t.call(
        "POST",
        "/api/v1/receipts",
        Some(&manager),
        Some(json!({"location_id": t.a.floor.0, "lines": [
        {"product_id": milk, "qty": 5, "lot_code": "M1"}, {"product_id": apples, "qty": 5000, "lot_code": "A1"}]})),
    )
    .await;
    let scale = linli_domain::barcode::scale::ScaleTemplate::weight_default().encode(123, 385);
    // 2 × ¥6.50 + 0.385 kg × ¥12.98 (= ¥5.00 half-up) = ¥18.00; WeChat ¥10, cash ¥10 → ¥2 change.
    let sale = json!({"location_id": t.a.floor.0, "lines": [{"code": "6901234567892", "qty": 2}, {"code": scale}],
        "payments": [{"tender": "wechat_qr", "amount_fen": 1000}, {"tender": "cash", "amount_fen": 1000}]});
    let (status, sold) = t
        .call_with(
            "POST",
            "/api/v1/sales",
            Some(&cashier),
            Some(sale.clone()),
            &[("idempotency-key", "till-1-0001")],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sold}");
    assert_eq!(
        (sold["total_fen"].as_i64(), sold["change_fen"].as_i64()),
        (Some(1800), Some(200))
    );
    assert_eq!(sold["lines"][1]["qty"], 385);
    let (status, again) = t
        .call_with(
            "POST",
            "/api/v1/sales",
            Some(&cashier),
            Some(sale),
            &[("idempotency-key", "till-1-0001")],
        )
        .await;
    assert_eq!(
        (status, again["order_id"].clone()),
        (StatusCode::CREATED, sold["order_id"].clone()),
        "a replay is the same sale"
    );
    let (_, stock) = t
        .call(
            "GET",
            &format!("/api/v1/stock?product_id={apples}"),
            Some(&cashier),
            None,
        )
        .await;
    assert_eq!(stock["items"][0]["qty_on_hand"], 5000 - 385, "sold once");
    let too_many = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 4}], "payments": [{"tender": "cash", "amount_fen": 2600}]});
    let (status, body) = t.call("POST", "/api/v1/sales", Some(&cashier), Some(too_many)).await;
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (StatusCode::CONFLICT, "insufficient_stock")
    );
    let short = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk}], "payments": [{"tender": "cash", "amount_fen": 100}]});
    let (status, body) = t.call("POST", "/api/v1/sales", Some(&cashier), Some(short)).await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("payments"))
    );
    let rider = t.login("a_rider").await;
    let (status, _) = t.call("POST", "/api/v1/sales", Some(&rider), Some(json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk}], "payments": [{"tender": "cash", "amount_fen": 650}]}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, stock) = t
        .call("GET", &format!("/api/v1/stock?product_id={milk}"), Some(&cashier), None)
        .await;
    assert_eq!(stock["items"][0]["qty_on_hand"], 3);
}
