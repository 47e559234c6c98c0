//! Online orders over HTTP: residents sign in with a texted code, order, pay through the
//! payment simulator; staff prepare and hand over with the pickup code; residents see
//! only their own orders; the two kinds of token never stand in for each other.

use crate::support::*;
use axum::http::StatusCode;
use linli_domain::ids::{OrgId, ProductId};
use linli_domain::orders::{PICKUP_ATTEMPTS_MAX, UNPAID_TIMEOUT_MS};
use linli_store::ReceiveLine;
use serde_json::{Value, json};

on_both_backends!(orders:
    pickup_order_goes_from_placing_to_handover_and_sells_the_stock,
    online_orders_get_the_stores_promotions_and_take_flash_sale_units_a_cancel_gives_back,
    a_residents_coupon_lowers_their_order_and_a_cancel_gives_it_back,
    a_resident_sees_only_their_own_orders,
    resident_and_staff_tokens_do_not_stand_in_for_each_other,
    wrong_pickup_codes_lock_the_order,
    cancelling_releases_stock_and_refunds_a_paid_order,
    bad_input_names_the_field_in_both_languages,
    platform_import_is_idempotent,
    unpaid_orders_expire_and_release_their_stock,
    delivery_slots_show_what_is_left_and_refuse_a_full_one,
    sign_in_codes_are_rate_limited_and_one_time,
    reorder_copies_the_lines_and_pick_list_shows_lots,
    presale_orders_take_the_cap_and_wait_for_the_ship_date,
    junk_bodies_on_order_endpoints_never_cause_a_server_error,
);

/// Signs a resident of `org` in through the SMS simulator; returns the resident token.
pub(crate) async fn resident(t: &TestApp, owner: &str, org: OrgId, phone: &str) -> String {
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/resident/otp",
            None,
            Some(json!({"org_id": org.0, "phone": phone})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["sender"], "短信模拟器 / SMS simulator");
    let (status, outbox) = t
        .call("GET", &format!("/api/v1/dev/sms?phone={phone}"), Some(owner), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{outbox}");
    let code = outbox[0]["code"]
        .as_str()
        .expect("the simulator keeps the code")
        .to_string();
    assert!(outbox[0]["text"].as_str().unwrap().contains(&code));
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/resident/login",
            None,
            Some(json!({"org_id": org.0, "phone": phone, "code": code})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("res_"));
    token
}

/// A product of org a with `qty` units on org a's sales floor.
async fn stocked(t: &TestApp, owner: &str, sku: &str, qty: i64) -> i64 {
    let id = t.product(owner, sku, "鲜牛奶", json!({"price_fen": 650})).await;
    t.store
        .receive(
            t.a.org,
            t.a.floor,
            None,
            None,
            &[ReceiveLine {
                product: ProductId(id),
                lot_code: format!("{sku}-L1"),
                expires_at: Some(NOW + 5 * 24 * 3_600_000),
                qty,
                unit_cost_fen: None,
            }],
            "",
            None,
            NOW,
        )
        .await
        .unwrap()
        .unwrap();
    id
}

async fn place(t: &TestApp, token: &str, body: Value) -> Value {
    let (status, order) = t.call("POST", "/api/v1/resident/orders", Some(token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    order
}

fn pickup_of(t: &TestApp, product: i64, qty: i64) -> Value {
    json!({"location_id": t.a.floor.0, "lines": [{"product_id": product, "qty": qty}], "fulfilment": "pickup"})
}

/// Pays an order through the simulator as its resident.
async fn pay(t: &TestApp, token: &str, order: i64) {
    let (status, intent) = t
        .call(
            "POST",
            &format!("/api/v1/resident/orders/{order}/pay"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{intent}");
    assert_eq!(intent["provider_label"], "模拟支付 / payment simulator");
    assert_eq!(intent["simulator"], true);
    let (status, done) = t
        .call(
            "POST",
            &format!("/api/v1/payments/{}/simulate", intent["intent"].as_str().unwrap()),
            Some(token),
            Some(json!({"outcome": "approve"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["order"]["status"], "paid");
}

async fn act(t: &TestApp, token: &str, order: i64, action: &str) -> (StatusCode, Value) {
    t.call(
        "POST",
        &format!("/api/v1/orders/{order}/actions"),
        Some(token),
        Some(json!({"action": action})),
    )
    .await
}

async fn on_hand(t: &TestApp, product: i64) -> i64 {
    t.store.on_hand(t.a.org, ProductId(product), None).await.unwrap()
}

async fn reserved(t: &TestApp, product: i64) -> i64 {
    t.store.reserved(t.a.org, ProductId(product), None).await.unwrap()
}

async fn pickup_order_goes_from_placing_to_handover_and_sells_the_stock(t: TestApp) {
    let owner = t.login("a_owner").await;
    let cashier = t.login("a_cashier").await;
    let milk = stocked(&t, &owner, "M1", 10).await;
    let me = resident(&t, &owner, t.a.org, "13800001111").await;
    let order = place(&t, &me, pickup_of(&t, milk, 3)).await;
    let id = order["id"].as_i64().unwrap();
    assert_eq!(order["status"], "created");
    assert_eq!(order["total_fen"], 1950);
    assert_eq!(order["pay_by"], NOW + UNPAID_TIMEOUT_MS);
    assert!(order["number"].as_str().unwrap().starts_with("S1-20261125-"));
    let code = order["pickup_code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);
    assert_eq!(reserved(&t, milk).await, 3);

    pay(&t, &me, id).await;
    // Staff never see the code; they see a masked phone.
    let (_, staff_view) = t
        .call("GET", &format!("/api/v1/orders/{id}"), Some(&cashier), None)
        .await;
    assert_eq!(staff_view["pickup_code"], Value::Null);
    assert_eq!(staff_view["member_phone"], "138****1111");
    assert_eq!(staff_view["payment_status"], "paid");

    let (status, _) = act(&t, &cashier, id, "ready").await;
    assert_eq!(status, StatusCode::CONFLICT, "not prepared yet");
    let (status, body) = act(&t, &cashier, id, "prepare").await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("preparing")));
    let (status, body) = act(&t, &cashier, id, "ready").await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ready")));
    let (status, body) = act(&t, &cashier, id, "complete").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_of(&body).1.as_deref(), Some("code"));

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/orders/{id}/verify-pickup"),
            Some(&cashier),
            Some(json!({"code": wrong})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_of(&body), ("pickup_code_wrong".into(), Some("code".into())));
    assert_eq!(on_hand(&t, milk).await, 10, "nothing leaves before the right code");

    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/orders/{id}/verify-pickup"),
            Some(&cashier),
            Some(json!({"code": code})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "completed");
    assert_eq!(on_hand(&t, milk).await, 7);
    assert_eq!(reserved(&t, milk).await, 0);
    assert!(t.store.ledger_mismatches(t.a.org).await.unwrap().is_empty());
    assert_eq!(t.store.dangling_references(t.a.org).await.unwrap(), vec![]);
    assert!(t.store.reservation_mismatches(t.a.org).await.unwrap().is_empty());

    let (_, mine) = t
        .call("GET", &format!("/api/v1/resident/orders/{id}"), Some(&me), None)
        .await;
    let history: Vec<&str> = mine["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        [
            "place",
            "pay",
            "start_preparing",
            "mark_ready",
            "pickup_code_wrong",
            "pick_up"
        ]
    );
    let (_, list) = t
        .call("GET", "/api/v1/orders?status=completed", Some(&cashier), None)
        .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], id);
}

async fn a_resident_sees_only_their_own_orders(t: TestApp) {
    let owner = t.login("a_owner").await;
    let b_owner = t.login("b_owner").await;
    let milk = stocked(&t, &owner, "M1", 10).await;
    let alice = resident(&t, &owner, t.a.org, "13800002222").await;
    let bob = resident(&t, &owner, t.a.org, "13800003333").await;
    let carol = resident(&t, &b_owner, t.b.org, "13800002222").await;
    let order = place(&t, &alice, pickup_of(&t, milk, 1)).await;
    let id = order["id"].as_i64().unwrap();
    let (status, intent) = t
        .call("POST", &format!("/api/v1/resident/orders/{id}/pay"), Some(&alice), None)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let intent = intent["intent"].as_str().unwrap().to_string();

    // Another resident of the same organisation, and one of another organisation (same phone).
    for other in [&bob, &carol] {
        for (method, path, body) in [
            ("GET", format!("/api/v1/resident/orders/{id}"), None),
            ("POST", format!("/api/v1/resident/orders/{id}/pay"), None),
            ("POST", format!("/api/v1/resident/orders/{id}/cancel"), None),
            ("POST", format!("/api/v1/resident/orders/{id}/reorder"), None),
            (
                "POST",
                format!("/api/v1/payments/{intent}/simulate"),
                Some(json!({"outcome": "approve"})),
            ),
        ] {
            let (status, body) = t.call(method, &path, Some(other), body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
            assert_eq!(error_of(&body).0, "not_found");
        }
        let (status, list) = t.call("GET", "/api/v1/resident/orders", Some(other), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["total"], 0);
    }
    // Another organisation's staff do not find it either.
    let (status, _) = t
        .call("GET", &format!("/api/v1/orders/{id}"), Some(&b_owner), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = act(&t, &b_owner, id, "cancel").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t
        .call(
            "POST",
            &format!("/api/v1/payments/{intent}/simulate"),
            Some(&b_owner),
            Some(json!({"outcome": "approve"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nothing happened to the order; its owner still sees it with the code.
    let (status, mine) = t
        .call("GET", &format!("/api/v1/resident/orders/{id}"), Some(&alice), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["status"], "created");
    assert_eq!(mine["pickup_code"], order["pickup_code"]);
    let (_, list) = t.call("GET", "/api/v1/resident/orders", Some(&alice), None).await;
    assert_eq!(list["total"], 1);
    // A till sale id is no resident's order.
    let (status, _) = t
        .call("GET", "/api/v1/resident/orders/999999", Some(&alice), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn resident_and_staff_tokens_do_not_stand_in_for_each_other(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = stocked(&t, &owner, "M1", 10).await;
    let me = resident(&t, &owner, t.a.org, "13800004444").await;
    for (method, path) in [
        ("GET", "/api/v1/orders".to_string()),
        ("GET", "/api/v1/orders/1".to_string()),
        ("POST", "/api/v1/orders/1/actions".to_string()),
        ("POST", "/api/v1/orders/import".to_string()),
        ("GET", "/api/v1/orders/pick-list?location_id=1".to_string()),
        ("GET", "/api/v1/products".to_string()),
        ("GET", "/api/v1/me".to_string()),
        ("GET", "/api/v1/dev/sms".to_string()),
        ("GET", "/api/v1/members".to_string()),
    ] {
        let body = (method == "POST").then(|| json!({"action": "prepare"}));
        let (status, resp) = t.call(method, &path, Some(&me), body).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "resident token on {method} {path}: {resp}"
        );
    }
    for (method, path) in [
        ("GET", "/api/v1/resident/orders"),
        ("GET", "/api/v1/resident/me"),
        ("POST", "/api/v1/resident/orders"),
        ("GET", "/api/v1/resident/orders/1"),
        ("GET", "/api/v1/resident/presales"),
    ] {
        let body = (method == "POST").then(|| pickup_of(&t, milk, 1));
        let (status, resp) = t.call(method, path, Some(&owner), body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "staff token on {method} {path}: {resp}"
        );
        let (status, _) = t.call(method, path, None, body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "no token on {method} {path}");
    }
    // Idempotency-Key works for residents, keyed to the member.
    let headers = [("idempotency-key", "order-1")];
    let (s1, first) = t
        .call_with(
            "POST",
            "/api/v1/resident/orders",
            Some(&me),
            Some(pickup_of(&t, milk, 2)),
            &headers,
        )
        .await;
    let (s2, again) = t
        .call_with(
            "POST",
            "/api/v1/resident/orders",
            Some(&me),
            Some(pickup_of(&t, milk, 2)),
            &headers,
        )
        .await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(first["id"], again["id"]);
    assert_eq!(reserved(&t, milk).await, 2, "placed once");
    let (status, _) = t
        .call_with(
            "POST",
            "/api/v1/resident/orders",
            Some(&owner),
            Some(pickup_of(&t, milk, 2)),
            &headers,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Signing out ends the resident token.
    let (status, _) = t.call("POST", "/api/v1/resident/logout", Some(&me), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t.call("GET", "/api/v1/resident/me", Some(&me), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn wrong_pickup_codes_lock_the_order(t: TestApp) {
    let owner = t.login("a_owner").await;
    let manager = t.login("a_manager").await;
    let milk = stocked(&t, &owner, "M1", 10).await;
    let me = resident(&t, &owner, t.a.org, "13800005555").await;
    let order = place(&t, &me, pickup_of(&t, milk, 1)).await;
    let id = order["id"].as_i64().unwrap();
    let code = order["pickup_code"].as_str().unwrap().to_string();
    pay(&t, &me, id).await;
    act(&t, &manager, id, "prepare").await;
    act(&t, &manager, id, "ready").await;
    let wrong = if code == "999999" { "999998" } else { "999999" };
    let verify_path = format!("/api/v1/orders/{id}/verify-pickup");
    let verify = |c: &str| t.call("POST", &verify_path, Some(&manager), Some(json!({"code": c})));
    let (status, body) = verify("12345").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "malformed codes are not attempts: {body}"
    );
    for n in 1..=PICKUP_ATTEMPTS_MAX {
        let (status, body) = verify(wrong).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let expected = if n < PICKUP_ATTEMPTS_MAX {
            "pickup_code_wrong"
        } else {
            "pickup_locked"
        };
        assert_eq!(error_of(&body).0, expected, "attempt {n}");
    }
    let (status, body) = verify(&code).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error_of(&body).0,
        "pickup_locked",
        "the right code is refused once locked"
    );
    let (_, mine) = t
        .call("GET", &format!("/api/v1/resident/orders/{id}"), Some(&me), None)
        .await;
    assert_eq!(
        (mine["status"].as_str(), mine["pickup_locked"].as_bool()),
        (Some("ready"), Some(true))
    );
    assert_eq!(on_hand(&t, milk).await, 10);
}

async fn cancelling_releases_stock_and_refunds_a_paid_order(t: TestApp) {
    let owner = t.login("a_owner").await;
    let cashier = t.login("a_cashier").await;
    let milk = stocked(&t, &owner, "M1", 10).await;
    let me = resident(&t, &owner, t.a.org, "13800006666").await;
    // Unpaid: the resident cancels, the stock is free again.
    let first = place(&t, &me, pickup_of(&t, milk, 4)).await;
    assert_eq!(reserved(&t, milk).await, 4);
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/resident/orders/{}/cancel", first["id"]),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["payment_status"].as_str()),
        (Some("cancelled"), Some("unpaid"))
    );
    assert_eq!(reserved(&t, milk).await, 0);

    // Paid: the resident's cancel refunds through the simulator.
    let second = place(&t, &me, pickup_of(&t, milk, 2)).await;
    let id = second["id"].as_i64().unwrap();
    pay(&t, &me, id).await;
    let (status, body) = t
        .call("POST", &format!("/api/v1/resident/orders/{id}/cancel"), Some(&me), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["payment_status"].as_str()),
        (Some("cancelled"), Some("refunded"))
    );
    assert_eq!(reserved(&t, milk).await, 0);

    // Being prepared: the resident can no longer cancel; a cashier may not refund; the owner may.
    let third = place(&t, &me, pickup_of(&t, milk, 3)).await;
    let id = third["id"].as_i64().unwrap();
    pay(&t, &me, id).await;
    act(&t, &cashier, id, "prepare").await;
    let (status, body) = t
        .call("POST", &format!("/api/v1/resident/orders/{id}/cancel"), Some(&me), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_of(&body).0, "too_late_to_cancel");
    assert!(body["error"]["message_zh"].as_str().unwrap().contains("备货中"));
    let (status, _) = act(&t, &cashier, id, "cancel").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(reserved(&t, milk).await, 3);
    let (status, body) = act(&t, &owner, id, "cancel").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["payment_status"], "refunded");
    assert_eq!(reserved(&t, milk).await, 0);
    assert_eq!(on_hand(&t, milk).await, 10);
    assert!(t.store.reservation_mismatches(t.a.org).await.unwrap().is_empty());
}

async fn bad_input_names_the_field_in_both_languages(t: TestApp) {
    let owner = t.login("a_owner").await;
    let b_owner = t.login("b_owner").await;
    let milk = stocked(&t, &owner, "M1", 10).await;
    let foreign = t.product(&b_owner, "X1", "外店商品", json!({})).await;
    let me = resident(&t, &owner, t.a.org, "13800007777").await;
    let floor = t.a.floor.0;
    let cases = [
        (
            json!({"location_id": floor, "lines": [], "fulfilment": "pickup"}),
            "lines",
        ),
        (
            json!({"location_id": floor, "lines": [{"product_id": milk, "qty": 0}], "fulfilment": "pickup"}),
            "lines[0].qty",
        ),
        (
            json!({"location_id": floor, "lines": [{"product_id": milk, "qty": 1}, {"product_id": foreign, "qty": 1}], "fulfilment": "pickup"}),
            "lines[1].product_id",
        ),
        (
            json!({"location_id": floor, "lines": [{"product_id": milk, "qty": 1}], "fulfilment": "teleport"}),
            "fulfilment",
        ),
        (
            json!({"location_id": floor, "lines": [{"product_id": milk, "qty": 1}], "fulfilment": "delivery"}),
            "slot_start",
        ),
        (
            json!({"location_id": floor, "lines": [{"product_id": milk, "qty": 1}], "fulfilment": "delivery", "slot_start": NOW + 30 * 60_000}),
            "slot_start",
        ),
        (
            json!({"location_id": floor, "lines": [{"product_id": milk, "qty": 1}], "fulfilment": "delivery", "slot_start": NOW + 2 * 3_600_000}),
            "building_id",
        ),
        (
            json!({"location_id": floor, "lines": [{"product_id": milk, "qty": 1}], "fulfilment": "presale"}),
            "lines[0].product_id",
        ),
        (
            json!({"location_id": t.b.floor.0, "lines": [{"product_id": milk, "qty": 1}], "fulfilment": "pickup"}),
            "location_id",
        ),
        (
            json!({"location_id": floor, "lines": [{"product_id": milk, "qty": 1}], "fulfilment": "pickup", "note": "字".repeat(201)}),
            "note",
        ),
        (
            json!({"location_id": floor, "lines": [{"product_id": milk, "qty": 1}], "fulfilment": "pickup", "tip": 5}),
            "tip",
        ),
        (
            json!({"location_id": floor, "lines": [{"product_id": milk, "qty": "1"}], "fulfilment": "pickup"}),
            "lines[0].qty",
        ),
        (
            json!({"location_id": floor, "lines": [{"product_id": milk, "qty": 11}], "fulfilment": "pickup"}),
            "lines[0].qty",
        ),
    ];
    for (body, field) in cases {
        let (status, resp) = t
            .call("POST", "/api/v1/resident/orders", Some(&me), Some(body.clone()))
            .await;
        assert!(status.is_client_error(), "{body} → {status} {resp}");
        assert_eq!(error_of(&resp).1.as_deref(), Some(field), "{body} → {resp}");
    }
    assert_eq!(reserved(&t, milk).await, 0, "a refused order holds nothing");
    let (status, resp) = t
        .call(
            "POST",
            "/api/v1/resident/otp",
            None,
            Some(json!({"org_id": t.a.org.0, "phone": "12345"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&resp).1.as_deref(), Some("phone"));
    let (status, resp) = t
        .call(
            "POST",
            "/api/v1/resident/login",
            None,
            Some(json!({"org_id": t.a.org.0, "phone": "13800007777", "code": "000000"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&resp).1.as_deref(), Some("code"));
    let (status, resp) = t
        .call(
            "GET",
            &format!("/api/v1/resident/delivery-slots?location_id={floor}&date=tomorrow"),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&resp).1.as_deref(), Some("date"));
    let order = place(&t, &me, pickup_of(&t, milk, 1)).await;
    let (status, resp) = t
        .call(
            "POST",
            &format!("/api/v1/orders/{}/actions", order["id"]),
            Some(&owner),
            Some(json!({"action": "launch"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&resp).1.as_deref(), Some("action"));
    let (status, resp) = t.call("GET", "/api/v1/orders?status=lost", Some(&owner), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&resp).1.as_deref(), Some("status"));
    let (status, resp) = t
        .call("GET", "/api/v1/orders?fulfilment=drone", Some(&owner), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&resp).1.as_deref(), Some("fulfilment"));
}

async fn platform_import_is_idempotent(t: TestApp) {
    let owner = t.login("a_owner").await;
    let manager = t.login("a_manager").await;
    let cashier = t.login("a_cashier").await;
    let milk = stocked(&t, &owner, "M1", 10).await;
    let body = json!({"platform": "meituan", "external_id": "2700123456789", "location_id": t.a.floor.0,
        "lines": [{"product_id": milk, "qty": 2, "unit_price_fen": 600}], "note": "骑手 10 分钟后到"});
    let (status, first) = t
        .call("POST", "/api/v1/orders/import", Some(&manager), Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(
        (
            first["status"].as_str(),
            first["channel"].as_str(),
            first["payment_status"].as_str()
        ),
        (Some("paid"), Some("platform"), Some("paid"))
    );
    assert_eq!(first["total_fen"], 1200);
    let (status, again) = t
        .call("POST", "/api/v1/orders/import", Some(&owner), Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(reserved(&t, milk).await, 2);
    let mut other = body.clone();
    other["lines"][0]["qty"] = json!(3);
    let (status, clash) = t
        .call("POST", "/api/v1/orders/import", Some(&manager), Some(other))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error_of(&clash),
        ("external_id_reused".into(), Some("external_id".into()))
    );
    let (status, _) = t
        .call("POST", "/api/v1/orders/import", Some(&cashier), Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut bad = body.clone();
    bad["platform"] = json!("Meituan!");
    let (status, resp) = t.call("POST", "/api/v1/orders/import", Some(&manager), Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&resp).1.as_deref(), Some("platform"));
    // The platform's rider collects: prepare, ready, complete (no code of ours).
    let id = first["id"].as_i64().unwrap();
    for action in ["prepare", "ready", "complete"] {
        let (status, resp) = act(&t, &cashier, id, action).await;
        assert_eq!(status, StatusCode::OK, "{action}: {resp}");
    }
    assert_eq!(on_hand(&t, milk).await, 8);
    // Imported again after completion: still the same order, nothing new.
    let (status, again) = t
        .call("POST", "/api/v1/orders/import", Some(&manager), Some(body))
        .await;
    assert_eq!((status, again["id"].as_i64()), (StatusCode::OK, Some(id)));
    assert_eq!(on_hand(&t, milk).await, 8);
}

async fn unpaid_orders_expire_and_release_their_stock(t: TestApp) {
    let owner = t.login("a_owner").await;
    let cashier = t.login("a_cashier").await;
    let milk = stocked(&t, &owner, "M1", 5).await;
    let me = resident(&t, &owner, t.a.org, "13800008888").await;
    let order = place(&t, &me, pickup_of(&t, milk, 5)).await;
    let id = order["id"].as_i64().unwrap();
    // Everything is held: another order is refused.
    let (status, resp) = t
        .call(
            "POST",
            "/api/v1/resident/orders",
            Some(&me),
            Some(pickup_of(&t, milk, 1)),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error_of(&resp),
        ("insufficient_stock".into(), Some("lines[0].qty".into()))
    );
    let (_, swept) = t
        .call("POST", "/api/v1/orders/expire-unpaid", Some(&cashier), None)
        .await;
    assert_eq!(swept["closed"], 0, "not yet");
    t.clock.advance(UNPAID_TIMEOUT_MS);
    let (status, swept) = t
        .call("POST", "/api/v1/orders/expire-unpaid", Some(&cashier), None)
        .await;
    assert_eq!((status, swept["closed"].as_i64()), (StatusCode::OK, Some(1)));
    let (_, mine) = t
        .call("GET", &format!("/api/v1/resident/orders/{id}"), Some(&me), None)
        .await;
    assert_eq!(mine["status"], "cancelled");
    assert_eq!(reserved(&t, milk).await, 0);
    // A payment that arrives for it now is refused before any money moves.
    let (status, resp) = t
        .call("POST", &format!("/api/v1/resident/orders/{id}/pay"), Some(&me), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{resp}");
    // And the shelf sells again.
    place(&t, &me, pickup_of(&t, milk, 5)).await;
    // Placing sweeps first: this order expires by itself when the next one is placed.
    t.clock.advance(UNPAID_TIMEOUT_MS);
    place(&t, &me, pickup_of(&t, milk, 5)).await;
    assert_eq!(reserved(&t, milk).await, 5);
}

async fn delivery_slots_show_what_is_left_and_refuse_a_full_one(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = stocked(&t, &owner, "M1", 10).await;
    let me = resident(&t, &owner, t.a.org, "13800009999").await;
    let building = t
        .store
        .create_building(
            t.a.org,
            t.a.store,
            &linli_store::NewBuilding {
                code: "B1",
                name_zh: "幸福里1号楼",
                compound_zh: "幸福里",
                lat_e6: None,
                lon_e6: None,
                households: 40,
            },
        )
        .await
        .unwrap();
    let path = format!(
        "/api/v1/resident/delivery-slots?location_id={}&date=2026-11-25",
        t.a.floor.0
    );
    let (status, slots) = t.call("GET", &path, Some(&me), None).await;
    assert_eq!(status, StatusCode::OK, "{slots}");
    // At 10:00 with an hour's lead, the first slot is 12:00; the last starts at 20:00.
    let starts: Vec<i64> = slots
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_i64().unwrap())
        .collect();
    let hour = 3_600_000;
    assert_eq!(
        starts,
        [
            NOW + 2 * hour,
            NOW + 4 * hour,
            NOW + 6 * hour,
            NOW + 8 * hour,
            NOW + 10 * hour
        ]
    );
    assert_eq!(slots[0]["remaining"], 20);
    let (status, _) = t
        .call(
            "PUT",
            "/api/v1/orders/delivery-slots",
            Some(&owner),
            Some(json!({"location_id": t.a.floor.0, "slot_start": NOW + 2 * hour, "capacity": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let delivery = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 1}], "fulfilment": "delivery",
        "slot_start": NOW + 2 * hour, "building_id": building.0, "unit": "2", "room": "301"});
    let order = place(&t, &me, delivery.clone()).await;
    assert_eq!(
        (order["fulfilment"].as_str(), order["room"].as_str()),
        (Some("delivery"), Some("301"))
    );
    assert_eq!(order["building_name"], "幸福里1号楼");
    assert_eq!(order["pickup_code"], Value::Null, "a delivery needs no pickup code");
    let (_, slots) = t.call("GET", &path, Some(&me), None).await;
    assert_eq!(
        (slots[0]["booked"].as_i64(), slots[0]["remaining"].as_i64()),
        (Some(1), Some(0))
    );
    let (status, resp) = t
        .call("POST", "/api/v1/resident/orders", Some(&me), Some(delivery))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_of(&resp), ("slot_full".into(), Some("slot_start".into())));
    // Out for delivery, then delivered.
    let id = order["id"].as_i64().unwrap();
    pay(&t, &me, id).await;
    let rider = t.login("a_rider").await;
    for (action, status) in [
        ("prepare", "preparing"),
        ("dispatch", "out_for_delivery"),
        ("deliver", "completed"),
    ] {
        let (code, resp) = act(&t, &rider, id, action).await;
        assert_eq!(
            (code, resp["status"].as_str()),
            (StatusCode::OK, Some(status)),
            "{resp}"
        );
    }
    assert_eq!(on_hand(&t, milk).await, 9);
    // Dates outside the booking window have no slots.
    let (_, none) = t
        .call(
            "GET",
            &format!(
                "/api/v1/resident/delivery-slots?location_id={}&date=2026-12-31",
                t.a.floor.0
            ),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(none, json!([]));
}

async fn sign_in_codes_are_rate_limited_and_one_time(t: TestApp) {
    let owner = t.login("a_owner").await;
    let cashier = t.login("a_cashier").await;
    let phone = "13900001234";
    let ask = || {
        t.call(
            "POST",
            "/api/v1/resident/otp",
            None,
            Some(json!({"org_id": t.a.org.0, "phone": phone})),
        )
    };
    let (status, _) = ask().await;
    assert_eq!(status, StatusCode::OK);
    let (status, resp) = ask().await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_of(&resp).0, "rate_limited");
    // The outbox is for owners and managers.
    let (status, _) = t.call("GET", "/api/v1/dev/sms", Some(&cashier), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, outbox) = t
        .call("GET", &format!("/api/v1/dev/sms?phone={phone}"), Some(&owner), None)
        .await;
    assert_eq!(outbox.as_array().unwrap().len(), 1, "the refused request sent nothing");
    assert_eq!(outbox[0]["sender"], "短信模拟器 / SMS simulator");
    let code = outbox[0]["code"].as_str().unwrap().to_string();
    let login = |c: String| {
        t.call(
            "POST",
            "/api/v1/resident/login",
            None,
            Some(json!({"org_id": t.a.org.0, "phone": phone, "code": c})),
        )
    };
    let (status, body) = login(code.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["new_member"], true);
    assert_eq!(body["resident"]["phone"], phone);
    let (status, _) = login(code).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a code signs in once");
    // The new member is in the organisation's list (masked), and not in another's.
    let (_, members) = t.call("GET", "/api/v1/members?q=1234", Some(&owner), None).await;
    assert_eq!(members["total"], 1);
    assert!(!members.to_string().contains(phone));
    // Another organisation's outbox does not show this text.
    let b_owner = t.login("b_owner").await;
    let (_, theirs) = t
        .call("GET", &format!("/api/v1/dev/sms?phone={phone}"), Some(&b_owner), None)
        .await;
    assert_eq!(theirs, json!([]));
    // A minute later a new code may be sent.
    t.clock.advance(60_000);
    let (status, _) = ask().await;
    assert_eq!(status, StatusCode::OK);
}

async fn reorder_copies_the_lines_and_pick_list_shows_lots(t: TestApp) {
    let owner = t.login("a_owner").await;
    let cashier = t.login("a_cashier").await;
    let milk = stocked(&t, &owner, "M1", 10).await;
    let bread = stocked(&t, &owner, "B1", 10).await;
    let me = resident(&t, &owner, t.a.org, "13800001212").await;
    let first = place(
        &t,
        &me,
        json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 2}, {"product_id": bread, "qty": 1}],
            "fulfilment": "pickup", "note": "请帮忙装袋"}),
    )
    .await;
    let id = first["id"].as_i64().unwrap();
    let (status, again) = t
        .call(
            "POST",
            &format!("/api/v1/resident/orders/{id}/reorder"),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_ne!(again["id"], first["id"]);
    assert_ne!(again["number"], first["number"]);
    let lines = |o: &Value| -> Vec<(i64, i64)> {
        o["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["product_id"].as_i64().unwrap(), l["qty"].as_i64().unwrap()))
            .collect()
    };
    assert_eq!(lines(&again), lines(&first));
    assert_eq!(reserved(&t, milk).await, 4);
    pay(&t, &me, id).await;
    act(&t, &cashier, id, "prepare").await;
    let (status, picks) = t
        .call(
            "GET",
            &format!("/api/v1/orders/pick-list?location_id={}", t.a.floor.0),
            Some(&cashier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{picks}");
    let rows: Vec<(i64, String, i64)> = picks
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["order_id"].as_i64().unwrap(),
                p["lot_code"].as_str().unwrap().to_string(),
                p["qty"].as_i64().unwrap(),
            )
        })
        .collect();
    // By order, then product name (both are 鲜牛奶 here), then lot.
    assert_eq!(rows, [(id, "B1-L1".to_string(), 1), (id, "M1-L1".to_string(), 2)]);
    let (status, _) = t
        .call(
            "GET",
            &format!("/api/v1/orders/pick-list?location_id={}", t.b.floor.0),
            Some(&cashier),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another organisation's location"
    );
}

async fn presale_orders_take_the_cap_and_wait_for_the_ship_date(t: TestApp) {
    let owner = t.login("a_owner").await;
    let cashier = t.login("a_cashier").await;
    let crab = t
        .product(&owner, "C1", "阳澄湖大闸蟹", json!({"price_fen": 8800}))
        .await;
    let me = resident(&t, &owner, t.a.org, "13800001313").await;
    let body = json!({"product_id": crab, "ship_date": "2026-11-28", "cap_total": 3, "per_order_max": 2,
        "order_by": NOW + 24 * 3_600_000});
    let (status, _) = t
        .call("POST", "/api/v1/orders/presales", Some(&cashier), Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, rule) = t
        .call("POST", "/api/v1/orders/presales", Some(&owner), Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rule}");
    let (_, open) = t.call("GET", "/api/v1/resident/presales", Some(&me), None).await;
    assert_eq!(
        (open[0]["product_id"].as_i64(), open[0]["remaining"].as_i64()),
        (Some(crab), Some(3))
    );
    let presale = |qty: i64| json!({"location_id": t.a.floor.0, "lines": [{"product_id": crab, "qty": qty}], "fulfilment": "presale"});
    let (status, resp) = t
        .call("POST", "/api/v1/resident/orders", Some(&me), Some(presale(3)))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        error_of(&resp),
        ("presale_per_order".into(), Some("lines[0].qty".into()))
    );
    let order = place(&t, &me, presale(2)).await;
    assert_eq!(
        (order["presale_date"].as_str(), order["channel"].as_str()),
        (Some("2026-11-28"), Some("presale"))
    );
    assert_eq!(order["pickup_code"].as_str().map(str::len), Some(6));
    let (status, resp) = t
        .call("POST", "/api/v1/resident/orders", Some(&me), Some(presale(2)))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_of(&resp).0, "presale_sold_out");
    let id = order["id"].as_i64().unwrap();
    pay(&t, &me, id).await;
    let (status, resp) = act(&t, &cashier, id, "prepare").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_of(&resp).0, "before_ship_date");
    let (_, open) = t.call("GET", "/api/v1/resident/presales", Some(&me), None).await;
    assert_eq!(open[0]["sold"], 2);
}

async fn junk_bodies_on_order_endpoints_never_cause_a_server_error(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = stocked(&t, &owner, "M1", 10).await;
    let me = resident(&t, &owner, t.a.org, "13800001414").await;
    let order = place(&t, &me, pickup_of(&t, milk, 1)).await;
    let id = order["id"].as_i64().unwrap();
    let big = i64::MAX;
    let junk = [
        json!(null),
        json!([]),
        json!({"lines": null}),
        json!({"location_id": big, "lines": [{"product_id": big, "qty": big}], "fulfilment": "delivery", "slot_start": big}),
        json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 1}], "fulfilment": "delivery", "slot_start": -big, "building_id": big}),
        json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 1}], "fulfilment": "presale", "presale_date": "9999-12-31"}),
        json!({"product_id": milk, "ship_date": "9999-12-31", "cap_total": big, "per_order_max": big, "order_by": big}),
        json!({"platform": "meituan", "external_id": "x", "location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 1, "unit_price_fen": big}]}),
        json!({"location_id": t.a.floor.0, "slot_start": big, "capacity": big}),
        json!({"action": "complete", "code": "\u{1F980}"}),
        json!({"outcome": "approve"}),
        json!({"org_id": big, "phone": "13800001414", "code": "123456"}),
    ];
    let resident_paths = [
        "/api/v1/resident/orders".to_string(),
        format!("/api/v1/resident/orders/{id}/reorder"),
        format!("/api/v1/resident/orders/{big}/pay"),
        "/api/v1/resident/otp".to_string(),
        "/api/v1/resident/login".to_string(),
        "/api/v1/payments/sim_nothing/simulate".to_string(),
    ];
    let staff_paths = [
        "/api/v1/orders/import".to_string(),
        "/api/v1/orders/presales".to_string(),
        format!("/api/v1/orders/{id}/actions"),
        format!("/api/v1/orders/{id}/verify-pickup"),
        "/api/v1/orders/delivery-slots".to_string(),
    ];
    for body in &junk {
        for path in &resident_paths {
            let (status, resp) = t.call("POST", path, Some(&me), Some(body.clone())).await;
            assert!(
                status.is_client_error() || status.is_success(),
                "{path} {body} → {status} {resp}"
            );
        }
        for path in &staff_paths {
            for method in ["POST", "PUT"] {
                let (status, resp) = t.call(method, path, Some(&owner), Some(body.clone())).await;
                assert!(
                    status.is_client_error() || status.is_success(),
                    "{method} {path} {body} → {status} {resp}"
                );
            }
        }
    }
    for q in [
        format!(
            "/api/v1/resident/delivery-slots?location_id={}&date=9999-12-31",
            t.a.floor.0
        ),
        format!(
            "/api/v1/resident/delivery-slots?location_id={}&date=0001-01-01",
            t.a.floor.0
        ),
        format!("/api/v1/resident/delivery-slots?location_id={big}&date=2026-11-25"),
        "/api/v1/resident/orders?page=0".to_string(),
        "/api/v1/resident/orders?status=%F0%9F%A6%80".to_string(),
    ] {
        let (status, resp) = t.call("GET", &q, Some(&me), None).await;
        assert!(status.is_client_error() || status.is_success(), "{q} → {status} {resp}");
    }
}

async fn online_orders_get_the_stores_promotions_and_take_flash_sale_units_a_cancel_gives_back(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = stocked(&t, &owner, "M1", 20).await;
    let eggs = stocked(&t, &owner, "E1", 20).await;
    let mut flash = 0;
    for body in [
        json!({"name_zh": "牛奶第二件半价", "kind": "second_item_half_price", "product_id": milk,
            "starts_at": NOW - 60_000, "ends_at": NOW + 3_600_000}),
        json!({"name_zh": "秒杀", "kind": "flash_sale", "product_id": eggs, "price_fen": 100, "cap_per_order": 2,
            "flash_cap": 3, "starts_at": NOW - 60_000, "ends_at": NOW + 3_600_000}),
    ] {
        let (status, p) = t.call("POST", "/api/v1/promotions", Some(&owner), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{p}");
        flash = p["id"].as_i64().unwrap();
    }
    let token = resident(&t, &owner, t.a.org, "13700137000").await;
    let order = place(&t, &token, pickup_of(&t, milk, 2)).await;
    // ¥6.50 + half of ¥6.50 = ¥9.75.
    assert_eq!(order["total_fen"], 975, "{order}");
    // The flash price for at most 2 a order, from a cap of 3 shared with the till.
    let first = place(&t, &token, pickup_of(&t, eggs, 2)).await;
    assert_eq!(first["total_fen"], 200, "{first}");
    assert_eq!(flash_sold(&t, &owner, flash).await, 2);
    // One unit left of the cap: one at the flash price, one at the shelf's.
    let second = place(&t, &token, pickup_of(&t, eggs, 2)).await;
    assert_eq!(second["total_fen"], 100 + 650, "{second}");
    assert_eq!(flash_sold(&t, &owner, flash).await, 3);
    // A cancel gives its units back to the cap.
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/resident/orders/{}/cancel", first["id"]),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(flash_sold(&t, &owner, flash).await, 1);
    let again = place(&t, &token, pickup_of(&t, eggs, 2)).await;
    assert_eq!(again["total_fen"], 200, "{again}");
    assert_eq!(flash_sold(&t, &owner, flash).await, 3);
}

/// The resident's coupons as `/api/v1/resident/coupons` lists them: (copy id, status).
async fn my_coupons(t: &TestApp, token: &str) -> Vec<(i64, String)> {
    let (status, list) = t.call("GET", "/api/v1/resident/coupons", Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["status"].as_str().unwrap().to_string()))
        .collect()
}

async fn a_residents_coupon_lowers_their_order_and_a_cancel_gives_it_back(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = stocked(&t, &owner, "M1", 20).await;
    let me = resident(&t, &owner, t.a.org, "13700137001").await;
    let other = resident(&t, &owner, t.a.org, "13700137002").await;
    let (_, who) = t.call("GET", "/api/v1/resident/me", Some(&me), None).await;
    let (status, coupon) = t
        .call(
            "POST",
            "/api/v1/coupons",
            Some(&owner),
            Some(
                json!({"name_zh": "满10减3", "kind": "fixed", "amount_fen": 300, "threshold_fen": 1000,
                "ends_at": NOW + 30 * 24 * 3_600_000, "total_limit": 100}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{coupon}");
    let (status, issued) = t
        .call(
            "POST",
            &format!("/api/v1/coupons/{}/issues", coupon["id"]),
            Some(&owner),
            Some(json!({"member_ids": [who["member_id"]]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let copy = my_coupons(&t, &me).await[0].0;
    let with_coupon = |qty: i64| {
        let mut body = pickup_of(&t, milk, qty);
        body["coupon_ids"] = json!([copy]);
        body
    };

    // Another resident cannot use it, and learns nothing of it.
    let (status, body) = t
        .call("POST", "/api/v1/resident/orders", Some(&other), Some(with_coupon(2)))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "coupon_ids", "{body}");
    assert_eq!(reserved(&t, milk).await, 0, "nothing was placed");

    // ¥13.00 of milk, ¥3 off; the coupon is used.
    let order = place(&t, &me, with_coupon(2)).await;
    assert_eq!(
        (order["subtotal_fen"].as_i64(), order["total_fen"].as_i64()),
        (Some(1300), Some(1000)),
        "{order}"
    );
    assert_eq!(my_coupons(&t, &me).await, vec![(copy, "used".to_string())]);
    let (status, body) = t
        .call("POST", "/api/v1/resident/orders", Some(&me), Some(with_coupon(2)))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a coupon used once: {body}");
    assert_eq!(body["error"]["field"], "coupon_ids");

    // Cancelled before it was prepared: the coupon is the resident's again.
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/resident/orders/{}/cancel", order["id"]),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(my_coupons(&t, &me).await, vec![(copy, "issued".to_string())]);

    // Under the threshold the coupon does not apply and stays unused.
    let small = place(&t, &me, with_coupon(1)).await;
    assert_eq!(small["total_fen"], 650, "{small}");
    assert_eq!(my_coupons(&t, &me).await, vec![(copy, "issued".to_string())]);
    let again = place(&t, &me, with_coupon(2)).await;
    assert_eq!(again["total_fen"], 1000, "{again}");
}

/// Units of a flash sale's cap taken so far.
async fn flash_sold(t: &TestApp, owner: &str, promotion: i64) -> i64 {
    let (status, p) = t
        .call("GET", &format!("/api/v1/promotions/{promotion}"), Some(owner), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    p["flash_sold"].as_i64().unwrap()
}
