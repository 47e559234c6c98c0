//! The self-checkout kiosk over HTTP: a member identifies with a texted code (wrong codes
//! counted and burnt), only the caller's organisation's member is found, a kiosk sale
//! with a member, points and the QR simulator, staff confirmation, and who may call it.

use crate::support::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

on_both_backends!(kiosk:
    a_member_identifies_with_the_texted_code_and_wrong_codes_burn_it,
    verify_answers_only_the_callers_organisations_member,
    a_kiosk_sale_with_a_member_points_and_the_qr_simulator,
    staff_confirm_takes_the_kiosks_own_or_a_managers_password_and_counts_failures,
    riders_and_callers_without_a_session_are_refused,
);

const MINUTE: i64 = 60_000;

async fn member(t: &TestApp, org: linli_domain::ids::OrgId, phone: &str, name: &str) -> i64 {
    t.store
        .create_member(
            org,
            &linli_store::NewMember {
                phone,
                name,
                building: None,
                unit_no: "",
                room: "",
                birthday: None,
                joined_at: NOW - 86_400_000,
            },
        )
        .await
        .unwrap()
        .0
}

async fn code_for(t: &TestApp, token: &str, phone: &str) -> String {
    let (status, sent) = t
        .call("POST", "/api/v1/kiosk/otp", Some(token), Some(json!({"phone": phone})))
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    sent["simulator_code"]
        .as_str()
        .expect("the SMS simulator shows the code")
        .to_string()
}

async fn verify(t: &TestApp, token: &str, phone: &str, code: &str) -> (StatusCode, Value) {
    t.call(
        "POST",
        "/api/v1/kiosk/verify",
        Some(token),
        Some(json!({"phone": phone, "code": code})),
    )
    .await
}

/// A code that is not `code`.
fn other_than(code: &str) -> String {
    if code == "000000" {
        "000001".into()
    } else {
        "000000".into()
    }
}

async fn a_member_identifies_with_the_texted_code_and_wrong_codes_burn_it(t: TestApp) {
    let kiosk = t.login("a_cashier").await;
    let phone = "13800138000";
    let m = member(&t, t.a.org, phone, "王阿姨").await;

    let (status, sent) = t
        .call("POST", "/api/v1/kiosk/otp", Some(&kiosk), Some(json!({"phone": phone})))
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["phone"], "138****8000", "the kiosk shows the phone masked");
    assert!(
        sent["sender"].as_str().unwrap().contains("模拟"),
        "the simulator says so: {sent}"
    );
    let code = sent["simulator_code"].as_str().unwrap().to_string();
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    // A second code at once is refused: one a minute per phone.
    let (status, body) = t
        .call("POST", "/api/v1/kiosk/otp", Some(&kiosk), Some(json!({"phone": phone})))
        .await;
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    // Not a phone, not a member: refused, naming the field.
    for bad in ["12345", "13900139999"] {
        let (status, body) = t
            .call("POST", "/api/v1/kiosk/otp", Some(&kiosk), Some(json!({"phone": bad})))
            .await;
        assert_eq!(
            (status, error_of(&body).1.as_deref()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("phone")),
            "{bad}: {body}"
        );
    }
    let (status, body) = verify(&t, &kiosk, phone, "12ab56").await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("code"))
    );

    // Five wrong codes: each counted, the last burns the code, and the right one then fails.
    let wrong = other_than(&code);
    for left in (0..5).rev() {
        let (status, body) = verify(&t, &kiosk, phone, &wrong).await;
        assert_eq!(
            (status, error_of(&body).1.as_deref()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("code"))
        );
        let en = body["error"]["message_en"].as_str().unwrap();
        if left > 0 {
            assert!(en.contains(&format!("{left} attempts left")), "{en}");
        } else {
            assert!(en.contains("void"), "{en}");
        }
    }
    let (status, body) = verify(&t, &kiosk, phone, &code).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a burnt code never works: {body}"
    );

    // A new code a minute later identifies the member, once, with no session made.
    t.clock.advance(MINUTE + 1);
    let code = code_for(&t, &kiosk, phone).await;
    // The resident shop does not take a kiosk code (it is hashed in its own domain) …
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/resident/login",
            None,
            Some(json!({"org_id": t.a.org.0, "phone": phone, "code": code})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // … and the kiosk does.
    let (status, who) = verify(&t, &kiosk, phone, &code).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    assert_eq!(who["id"].as_i64(), Some(m));
    assert_eq!(who["code"], format!("M{m:06}"));
    assert_eq!(
        (who["phone"].as_str(), who["name"].as_str()),
        (Some("138****8000"), Some("王*"))
    );
    assert_eq!(who["tier"]["code"], "normal");
    assert_eq!(
        (who["points_available"].as_i64(), who["points_per_yuan"].as_i64()),
        (Some(0), Some(100))
    );
    assert!(who.get("token").is_none(), "no resident session: {who}");
    let (status, _) = verify(&t, &kiosk, phone, &code).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a code works once");
    // Expired: a code older than five minutes is no code.
    t.clock.advance(MINUTE + 1);
    let code = code_for(&t, &kiosk, phone).await;
    t.clock.advance(5 * MINUTE);
    let (status, body) = verify(&t, &kiosk, phone, &code).await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("code"))
    );
}

async fn verify_answers_only_the_callers_organisations_member(t: TestApp) {
    let kiosk_a = t.login("a_cashier").await;
    let kiosk_b = t.login("b_cashier").await;
    let shared = "13800138001";
    let only_a = "13800138002";
    let in_a = member(&t, t.a.org, shared, "张三").await;
    let in_b = member(&t, t.b.org, shared, "李四").await;
    member(&t, t.a.org, only_a, "赵六").await;
    assert_ne!(in_a, in_b);

    // Organisation b's kiosk finds no member with a's phone, and sends no code.
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/kiosk/otp",
            Some(&kiosk_b),
            Some(json!({"phone": only_a})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("phone"))
    );

    // A code texted for a's kiosk does not work at b's (and is not used up there).
    let code = code_for(&t, &kiosk_a, shared).await;
    let (status, body) = verify(&t, &kiosk_b, shared, &code).await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("code"))
    );
    let (status, who) = verify(&t, &kiosk_a, shared, &code).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    assert_eq!((who["id"].as_i64(), who["name"].as_str()), (Some(in_a), Some("张*")));
    // b's kiosk identifies b's member with the same phone.
    let code = code_for(&t, &kiosk_b, shared).await;
    let (status, who) = verify(&t, &kiosk_b, shared, &code).await;
    assert_eq!((status, who["id"].as_i64()), (StatusCode::OK, Some(in_b)));

    // b's kiosk cannot price with a's member, or read or settle a's payment.
    let manager_b = t.login("b_manager").await;
    let p = t.product(&manager_b, "P1", "牛奶", json!({})).await;
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/kiosk/quote",
            Some(&kiosk_b),
            Some(json!({"lines": [{"product_id": p, "qty": 1}], "member_id": in_a})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("member_id"))
    );
    let (status, pay) = t
        .call(
            "POST",
            "/api/v1/kiosk/payments",
            Some(&kiosk_a),
            Some(json!({"amount_fen": 500})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{pay}");
    let path = format!("/api/v1/kiosk/payments/{}", pay["payment_ref"].as_str().unwrap());
    assert_eq!(
        t.call("GET", &path, Some(&kiosk_b), None).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _) = t
        .call(
            "POST",
            &format!("{path}/simulate"),
            Some(&kiosk_b),
            Some(json!({"outcome": "approve"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, still) = t.call("GET", &path, Some(&kiosk_a), None).await;
    assert_eq!(
        (status, still["status"].as_str()),
        (StatusCode::OK, Some("pending")),
        "b changed nothing"
    );
    // a's product is not b's either.
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/kiosk/quote",
            Some(&kiosk_a),
            Some(json!({"lines": [{"product_id": p, "qty": 1}]})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("lines[0].product_id"))
    );
}

async fn on_hand(t: &TestApp, token: &str, product: i64) -> i64 {
    let (_, stock) = t
        .call("GET", &format!("/api/v1/stock?product_id={product}"), Some(token), None)
        .await;
    stock["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["qty_on_hand"].as_i64().unwrap())
        .sum()
}

async fn a_kiosk_sale_with_a_member_points_and_the_qr_simulator(t: TestApp) {
    let manager = t.login("a_manager").await;
    let kiosk = t.login("a_cashier").await;
    // 酒水 under 食品, as in the demo: beer is restricted through its category.
    let (status, grocery) = t
        .call(
            "POST",
            "/api/v1/categories",
            Some(&manager),
            Some(json!({"code": "C30", "name_zh": "食品"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{grocery}");
    let (status, drinks) = t
        .call(
            "POST",
            "/api/v1/categories",
            Some(&manager),
            Some(json!({"code": "C3002", "name_zh": "酒水", "parent_id": grocery["id"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{drinks}");
    let milk = t
        .product(
            &manager,
            "P1",
            "牛奶",
            json!({"price_fen": 1000, "category_id": grocery["id"]}),
        )
        .await;
    let beer = t
        .product(
            &manager,
            "P2",
            "啤酒",
            json!({"price_fen": 600, "category_id": drinks["id"]}),
        )
        .await;
    let apples = t
        .product(
            &manager,
            "P3",
            "苹果",
            json!({"unit": "kg", "price_fen": 1298, "plu": 123}),
        )
        .await;
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/receipts",
            Some(&manager),
            Some(json!({"location_id": t.a.floor.0, "lines": [
                {"product_id": milk, "qty": 10, "lot_code": "M1"},
                {"product_id": beer, "qty": 10, "lot_code": "B1"},
                {"product_id": apples, "qty": 5000, "lot_code": "A1"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let phone = "13800138003";
    let m = member(&t, t.a.org, phone, "王阿姨").await;
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/members/{m}/points/adjustments"),
            Some(&manager),
            Some(json!({"points": 1000, "reason": "开业赠送"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let code = code_for(&t, &kiosk, phone).await;
    let (status, who) = verify(&t, &kiosk, phone, &code).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    assert_eq!(
        (who["points_available"].as_i64(), who["points_value_fen"].as_i64()),
        (Some(1000), Some(1000))
    );

    // 2 × ¥10 + ¥6 + 0.385 kg × ¥12.98 (¥5.00) = ¥31.00; points pay at most half: 1,000 points (¥10) all usable.
    let lines =
        json!([{"product_id": milk, "qty": 2}, {"product_id": beer, "qty": 1}, {"product_id": apples, "qty": 385}]);
    let (status, q) = t
        .call(
            "POST",
            "/api/v1/kiosk/quote",
            Some(&kiosk),
            Some(json!({"lines": lines, "member_id": m})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{q}");
    assert_eq!(
        (q["subtotal_fen"].as_i64(), q["total_fen"].as_i64()),
        (Some(3100), Some(3100))
    );
    let flags: Vec<(bool, bool)> = q["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["restricted"].as_bool().unwrap(), l["weighed"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        flags,
        [(false, false), (true, false), (false, true)],
        "beer is restricted, apples weighed"
    );
    assert_eq!(q["lines"][2]["total_fen"].as_i64(), Some(500));
    assert_eq!(
        (
            q["points"]["max_redeemable"].as_i64(),
            q["points"]["max_value_fen"].as_i64()
        ),
        (Some(1000), Some(1000))
    );
    // Without a member: no points, same prices; with a tiny cart the cap is half of it.
    let (_, small) = t
        .call(
            "POST",
            "/api/v1/kiosk/quote",
            Some(&kiosk),
            Some(json!({"lines": [{"product_id": beer, "qty": 1}], "member_id": m})),
        )
        .await;
    assert_eq!(
        small["points"]["max_redeemable"].as_i64(),
        Some(300),
        "half of ¥6: {small}"
    );
    let (_, plain) = t
        .call(
            "POST",
            "/api/v1/kiosk/quote",
            Some(&kiosk),
            Some(json!({"lines": lines})),
        )
        .await;
    assert_eq!(
        (plain["total_fen"].as_i64(), plain["points"].is_null()),
        (Some(3100), true)
    );
    for (bad, field) in [
        (json!({"lines": []}), "lines"),
        (json!({"lines": [{"product_id": milk, "qty": 0}]}), "lines[0].qty"),
    ] {
        let (status, body) = t.call("POST", "/api/v1/kiosk/quote", Some(&kiosk), Some(bad)).await;
        assert_eq!(
            (status, error_of(&body).1.as_deref()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field))
        );
    }

    // 600 points (¥6) and ¥25.00 by QR through the payment simulator.
    let due = 3100 - 600;
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/kiosk/payments",
            Some(&kiosk),
            Some(json!({"amount_fen": 0})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("amount_fen"))
    );
    // A declined payment stays declined.
    let (_, declined) = t
        .call(
            "POST",
            "/api/v1/kiosk/payments",
            Some(&kiosk),
            Some(json!({"amount_fen": due})),
        )
        .await;
    let declined_path = format!("/api/v1/kiosk/payments/{}", declined["payment_ref"].as_str().unwrap());
    let (status, d) = t
        .call(
            "POST",
            &format!("{declined_path}/simulate"),
            Some(&kiosk),
            Some(json!({"outcome": "decline"})),
        )
        .await;
    assert_eq!((status, d["status"].as_str()), (StatusCode::OK, Some("declined")));
    let (_, d) = t
        .call(
            "POST",
            &format!("{declined_path}/simulate"),
            Some(&kiosk),
            Some(json!({"outcome": "approve"})),
        )
        .await;
    assert_eq!(d["status"], "declined", "settled stays settled");
    let (status, body) = t
        .call(
            "POST",
            &format!("{declined_path}/simulate"),
            Some(&kiosk),
            Some(json!({"outcome": "maybe"})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("outcome"))
    );

    let (status, pay) = t
        .call(
            "POST",
            "/api/v1/kiosk/payments",
            Some(&kiosk),
            Some(json!({"amount_fen": due})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{pay}");
    assert_eq!(
        (pay["amount_fen"].as_i64(), pay["status"].as_str()),
        (Some(due), Some("pending"))
    );
    assert_eq!(
        (pay["simulator"].as_bool(), pay["provider_label"].as_str()),
        (Some(true), Some("模拟支付 / payment simulator"))
    );
    assert!(
        pay["qr_payload"]
            .as_str()
            .unwrap()
            .contains(&format!("amount_fen={due}")),
        "{pay}"
    );
    let path = format!("/api/v1/kiosk/payments/{}", pay["payment_ref"].as_str().unwrap());
    let (status, ok) = t
        .call(
            "POST",
            &format!("{path}/simulate"),
            Some(&kiosk),
            Some(json!({"outcome": "approve"})),
        )
        .await;
    assert_eq!((status, ok["status"].as_str()), (StatusCode::OK, Some("approved")));
    let (_, ok) = t.call("GET", &path, Some(&kiosk), None).await;
    assert_eq!(ok["status"], "approved");
    assert_eq!(
        t.call("GET", "/api/v1/kiosk/payments/sim_nope", Some(&kiosk), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    let (status, sale) = t
        .call_with(
            "POST",
            "/api/v1/sales",
            Some(&kiosk),
            Some(
                json!({"location_id": t.a.floor.0, "lines": lines, "member_id": m, "redeem_points": 600,
                "payments": [{"tender": "wechat_qr", "amount_fen": due}]}),
            ),
            &[("idempotency-key", "kiosk-sale-1")],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(
        (sale["total_fen"].as_i64(), sale["change_fen"].as_i64()),
        (Some(3100), Some(0))
    );
    assert_eq!(
        (sale["points_redeemed"].as_i64(), sale["points_earned"].as_i64()),
        (Some(600), Some(25))
    );
    let (_, l) = t
        .call("GET", &format!("/api/v1/members/{m}/loyalty"), Some(&kiosk), None)
        .await;
    assert_eq!(l["points"]["balance"].as_i64(), Some(1000 - 600 + 25));
    assert_eq!(
        (
            on_hand(&t, &kiosk, milk).await,
            on_hand(&t, &kiosk, beer).await,
            on_hand(&t, &kiosk, apples).await
        ),
        (8, 9, 5000 - 385)
    );
    // The quote now knows the member has fewer points.
    let (_, after) = t
        .call(
            "POST",
            "/api/v1/kiosk/quote",
            Some(&kiosk),
            Some(json!({"lines": lines, "member_id": m})),
        )
        .await;
    assert_eq!(after["points"]["available"].as_i64(), Some(425));
}

async fn staff_confirm_takes_the_kiosks_own_or_a_managers_password_and_counts_failures(t: TestApp) {
    let kiosk = t.login("a_cashier").await;
    let confirm = |username: &str, password: &str| json!({"username": username, "password": password, "note": "称重 苹果 0.385kg"});
    for (who, pw) in [
        ("a_manager", "secret123"),
        ("A_Cashier", "secret123"),
        ("a_owner", "secret123"),
    ] {
        let (status, c) = t
            .call(
                "POST",
                "/api/v1/kiosk/staff-confirm",
                Some(&kiosk),
                Some(confirm(who, pw)),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{who}: {c}");
        assert_eq!(c["username"], who.to_ascii_lowercase());
    }
    // A rider's right password does not confirm; another organisation's manager is unknown here.
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/kiosk/staff-confirm",
            Some(&kiosk),
            Some(confirm("a_rider", "secret123")),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("username"))
    );
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/kiosk/staff-confirm",
            Some(&kiosk),
            Some(confirm("b_manager", "secret123")),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (StatusCode::UNAUTHORIZED, "bad_credentials")
    );
    for (bad, field) in [(confirm("", "x"), "username"), (confirm("a_manager", ""), "password")] {
        let (status, body) = t
            .call("POST", "/api/v1/kiosk/staff-confirm", Some(&kiosk), Some(bad))
            .await;
        assert_eq!(
            (status, error_of(&body).1.as_deref()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field))
        );
    }
    // Wrong passwords count toward the manager's lock, like sign-ins (and no session is
    // made). A minute on, so the per-address limit (10 a minute) has room for them.
    t.clock.advance(MINUTE);
    for _ in 0..4 {
        let (status, _) = t
            .call(
                "POST",
                "/api/v1/kiosk/staff-confirm",
                Some(&kiosk),
                Some(confirm("a_manager", "wrong")),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/kiosk/staff-confirm",
            Some(&kiosk),
            Some(confirm("a_manager", "wrong")),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "locked"),
        "the fifth locks"
    );
    let (status, _) = t
        .call(
            "POST",
            "/api/v1/kiosk/staff-confirm",
            Some(&kiosk),
            Some(confirm("a_manager", "secret123")),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right password"
    );
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "a_manager", "password": "secret123"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the lock is the sign-in's: {body}"
    );
    // Twelve quick tries from one address: the limiter answers before the account is asked.
    t.clock.advance(MINUTE);
    let mut limited = 0;
    for _ in 0..12 {
        let (status, body) = t
            .call(
                "POST",
                "/api/v1/kiosk/staff-confirm",
                Some(&kiosk),
                Some(confirm("nobody", "wrong")),
            )
            .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(error_of(&body).0, "rate_limited");
            limited += 1;
        }
    }
    assert_eq!(limited, 2, "ten a minute per address");
    // The confirmations are in the audit log, by whom.
    let owner = t.login("a_owner").await;
    let (_, log) = t
        .call("GET", "/api/v1/audit-log?action=kiosk.", Some(&owner), None)
        .await;
    assert_eq!(log["total"].as_i64(), Some(3), "{log}");
    assert!(log.to_string().contains("称重 苹果 0.385kg"), "{log}");
}

async fn riders_and_callers_without_a_session_are_refused(t: TestApp) {
    let rider = t.login("a_rider").await;
    let calls: [(&str, &str, Option<Value>); 7] = [
        ("POST", "/api/v1/kiosk/otp", Some(json!({"phone": "13800138000"}))),
        (
            "POST",
            "/api/v1/kiosk/verify",
            Some(json!({"phone": "13800138000", "code": "123456"})),
        ),
        (
            "POST",
            "/api/v1/kiosk/quote",
            Some(json!({"lines": [{"product_id": 1, "qty": 1}]})),
        ),
        ("POST", "/api/v1/kiosk/payments", Some(json!({"amount_fen": 100}))),
        ("GET", "/api/v1/kiosk/payments/sim_x", None),
        (
            "POST",
            "/api/v1/kiosk/payments/sim_x/simulate",
            Some(json!({"outcome": "approve"})),
        ),
        (
            "POST",
            "/api/v1/kiosk/staff-confirm",
            Some(json!({"username": "a_manager", "password": "secret123"})),
        ),
    ];
    for (method, path, body) in calls {
        let (status, b) = t.call(method, path, None, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} without a session: {b}"
        );
        let (status, b) = t.call(method, path, Some(&rider), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path} as a rider: {b}");
        assert_eq!(error_of(&b).0, "forbidden");
    }
    // A resident's token is not a staff session.
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/kiosk/payments",
            Some("res_0000"),
            Some(json!({"amount_fen": 100})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // Unknown fields are refused, naming them.
    let cashier = t.login("a_cashier").await;
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/kiosk/payments",
            Some(&cashier),
            Some(json!({"amount_fen": 100, "tip": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}
