//! The till over HTTP: replayed keys, refunds, shifts, offline sales, tenancy.

use crate::api::futures_join_all;
use crate::support::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

on_both_backends!(till:
    a_replayed_sale_answers_the_identical_body_and_records_once,
    a_key_reused_for_another_sale_is_422,
    refunds_need_a_manager_and_return_goods_and_money_once,
    a_shift_opens_sells_and_closes_with_its_variance,
    an_offline_sale_is_kept_flagged_when_stock_is_gone,
    another_organisation_cannot_see_or_refund_a_sale,
    a_member_pays_with_points_stored_value_and_a_coupon_and_a_refund_gives_each_back_once,
    a_flash_sale_cap_holds_across_sales_and_a_refund_returns_its_units,
    offline_queues_replayed_three_times_from_two_tills_add_each_sale_once,
    a_qr_payment_through_the_port_pays_one_sale_once,
);

async fn member(t: &TestApp, phone: &str) -> i64 {
    t.store
        .create_member(
            t.a.org,
            &linli_store::NewMember {
                phone,
                name: "王阿姨",
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

async fn loyalty(t: &TestApp, token: &str, member: i64) -> (i64, i64) {
    let (status, l) = t
        .call("GET", &format!("/api/v1/members/{member}/loyalty"), Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{l}");
    (
        l["points"]["balance"].as_i64().unwrap(),
        l["stored_value"]["balance_fen"].as_i64().unwrap(),
    )
}

async fn milk_in_stock(t: &TestApp, qty: i64) -> (String, i64) {
    let manager = t.login("a_manager").await;
    let milk = t.product(&manager, "P1", "牛奶", json!({"price_fen": 650})).await;
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/receipts",
            Some(&manager),
            Some(json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": qty, "lot_code": "M1"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (manager, milk)
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

async fn sell(t: &TestApp, token: &str, body: Value, key: &str) -> (StatusCode, Value) {
    t.call_with(
        "POST",
        "/api/v1/sales",
        Some(token),
        Some(body),
        &[("idempotency-key", key)],
    )
    .await
}

async fn a_replayed_sale_answers_the_identical_body_and_records_once(t: TestApp) {
    let (_, milk) = milk_in_stock(&t, 10).await;
    let cashier = t.login("a_cashier").await;
    let body = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 3}],
        "payments": [{"tender": "cash", "amount_fen": 2000}], "rounding": "drop_jiao"});
    let (status, first) = sell(&t, &cashier, body.clone(), "k-1").await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    // ¥19.50 rounded down to ¥19.00 cash; ¥1.00 change.
    assert_eq!(
        (first["total_fen"].as_i64(), first["due_fen"].as_i64()),
        (Some(1950), Some(1900))
    );
    assert_eq!(
        (first["rounding_fen"].as_i64(), first["change_fen"].as_i64()),
        (Some(-50), Some(100))
    );
    assert_eq!(first["lines"][0]["name_zh"], "牛奶");
    assert!(first["number"].as_str().unwrap().starts_with('S'));
    for _ in 0..3 {
        let (status, again) = sell(&t, &cashier, body.clone(), "k-1").await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(again, first, "a replay answers the very same body");
    }
    assert_eq!(on_hand(&t, &cashier, milk).await, 7);
    let (status, got) = t
        .call(
            "GET",
            &format!("/api/v1/sales/{}", first["order_id"]),
            Some(&cashier),
            None,
        )
        .await;
    assert_eq!((status, &got), (StatusCode::OK, &first));
    let receipt = |suffix: &str| {
        axum::http::Request::builder()
            .uri(format!("/api/v1/sales/{}/receipt{suffix}", first["order_id"]))
            .header("authorization", format!("Bearer {cashier}"))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let (status, _, html) = t.raw(receipt("")).await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("牛奶") && html.contains(first["number"].as_str().unwrap()),
        "{html}"
    );
    assert!(html.contains("抹零"), "the rounding line is printed: {html}");
    let (status, headers, bin) = t.raw(receipt(".bin")).await;
    assert_eq!(
        (status, headers["content-type"].to_str().unwrap()),
        (StatusCode::OK, "application/octet-stream")
    );
    assert_eq!(&bin[..2], b"\x1b@", "ESC @ initialises the printer");
    let (milk_gb, _, _) = encoding_rs::GB18030.encode("牛奶");
    assert!(
        bin.windows(milk_gb.len()).any(|w| w == &milk_gb[..]),
        "names are GB18030"
    );
}

async fn a_key_reused_for_another_sale_is_422(t: TestApp) {
    let (_, milk) = milk_in_stock(&t, 10).await;
    let cashier = t.login("a_cashier").await;
    let one = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk}], "payments": [{"tender": "cash", "amount_fen": 650}]});
    let two = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 2}], "payments": [{"tender": "cash", "amount_fen": 1300}]});
    assert_eq!(sell(&t, &cashier, one, "k").await.0, StatusCode::CREATED);
    let (status, body) = sell(&t, &cashier, two, "k").await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("Idempotency-Key"))
    );
    assert_eq!(
        body["error"]["code"], "idempotency_key_reused",
        "the code every other endpoint gives"
    );
    assert_eq!(on_hand(&t, &cashier, milk).await, 9);
}

async fn refunds_need_a_manager_and_return_goods_and_money_once(t: TestApp) {
    let (manager, milk) = milk_in_stock(&t, 10).await;
    let cashier = t.login("a_cashier").await;
    let body = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 4}],
        "payments": [{"tender": "wechat_qr", "amount_fen": 1000}, {"tender": "cash", "amount_fen": 2000}]});
    let (_, sale) = sell(&t, &cashier, body, "s-1").await;
    let order = sale["order_id"].as_i64().unwrap();
    assert_eq!(sale["change_fen"], 400);
    let path = format!("/api/v1/sales/{order}/refunds");
    let one_line = json!({"lines": [{"line_no": 1, "qty": 2}], "reason": "包装破损"});
    let (status, _) = t.call("POST", &path, Some(&cashier), Some(one_line.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "cashiers do not refund");
    let (status, r) = t
        .call_with(
            "POST",
            &path,
            Some(&manager),
            Some(one_line.clone()),
            &[("idempotency-key", "r-1")],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["amount_fen"], 1300);
    assert_eq!(r["payments"][0]["tender"], "wechat_qr", "non-cash first");
    assert_eq!(
        (
            r["payments"][0]["amount_fen"].as_i64(),
            r["payments"][1]["amount_fen"].as_i64()
        ),
        (Some(1000), Some(300))
    );
    // The same refund request replayed is the same refund, not a second one.
    let (status, again) = t
        .call_with(
            "POST",
            &path,
            Some(&manager),
            Some(one_line),
            &[("idempotency-key", "r-1")],
        )
        .await;
    assert_eq!(
        (status, again["refund_id"].clone()),
        (StatusCode::CREATED, r["refund_id"].clone())
    );
    assert_eq!(on_hand(&t, &manager, milk).await, 8);
    let (status, body) = t
        .call(
            "POST",
            &path,
            Some(&manager),
            Some(json!({"lines": [{"line_no": 1, "qty": 3}]})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("lines[0].qty"))
    );
    let (status, rest) = t.call("POST", &path, Some(&manager), Some(json!({}))).await;
    assert_eq!(status, StatusCode::CREATED, "{rest}");
    assert_eq!(
        (rest["amount_fen"].as_i64(), rest["whole"].as_bool()),
        (Some(1300), Some(true))
    );
    assert_eq!(on_hand(&t, &manager, milk).await, 10);
    let (_, got) = t
        .call("GET", &format!("/api/v1/sales/{order}"), Some(&cashier), None)
        .await;
    assert_eq!(
        (got["refunded_fen"].as_i64(), got["lines"][0]["refunded_qty"].as_i64()),
        (Some(2600), Some(4))
    );
    let (status, body) = t.call("POST", &path, Some(&manager), Some(json!({}))).await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("lines"))
    );
}

async fn a_shift_opens_sells_and_closes_with_its_variance(t: TestApp) {
    let (_, milk) = milk_in_stock(&t, 10).await;
    let cashier = t.login("a_cashier").await;
    let (status, _) = t.call("GET", "/api/v1/shifts/current", Some(&cashier), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no shift yet");
    let (status, shift) = t
        .call(
            "POST",
            "/api/v1/shifts",
            Some(&cashier),
            Some(json!({"till_id": "till-1", "float_fen": 20000})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{shift}");
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/shifts",
            Some(&cashier),
            Some(json!({"till_id": "till-1", "float_fen": 0})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (StatusCode::CONFLICT, "shift_open")
    );
    let body = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 2}], "payments": [{"tender": "cash", "amount_fen": 2000}]});
    sell(&t, &cashier, body, "s-1").await;
    let (_, now) = t.call("GET", "/api/v1/shifts/current", Some(&cashier), None).await;
    assert_eq!(
        (now["cash_sales_fen"].as_i64(), now["expected_fen"].as_i64()),
        (Some(1300), Some(21300))
    );
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/shifts/current/close",
            Some(&cashier),
            Some(json!({"counted_fen": -1})),
        )
        .await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("counted_fen"))
    );
    let (status, closed) = t
        .call(
            "POST",
            "/api/v1/shifts/current/close",
            Some(&cashier),
            Some(json!({"counted_fen": 21200, "note": "少一元"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(
        (closed["variance_fen"].as_i64(), closed["sales"].as_i64()),
        (Some(-100), Some(1))
    );
}

async fn an_offline_sale_is_kept_flagged_when_stock_is_gone(t: TestApp) {
    let (_, milk) = milk_in_stock(&t, 1).await;
    let cashier = t.login("a_cashier").await;
    let sold_at = NOW - 3_600_000;
    let body = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 2}],
        "payments": [{"tender": "cash", "amount_fen": 1300}], "offline": {"till_id": "till-9", "sold_at": sold_at}});
    let (status, sale) = sell(&t, &cashier, body.clone(), "off-1").await;
    assert_eq!(status, StatusCode::CREATED, "{sale}");
    assert_eq!(
        (sale["flagged"].as_str(), sale["created_at"].as_i64()),
        (Some("stock_short"), Some(sold_at))
    );
    assert_eq!(on_hand(&t, &cashier, milk).await, 0);
    // Synced again from the same till: nothing more.
    let (status, again) = sell(&t, &cashier, body, "off-1").await;
    assert_eq!((status, again), (StatusCode::CREATED, sale));
    let future = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk}],
        "payments": [{"tender": "cash", "amount_fen": 650}], "offline": {"till_id": "till-9", "sold_at": NOW + 3_600_000}});
    let (status, body) = sell(&t, &cashier, future, "off-2").await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("offline.sold_at"))
    );
}

async fn another_organisation_cannot_see_or_refund_a_sale(t: TestApp) {
    let (_, milk) = milk_in_stock(&t, 5).await;
    let cashier = t.login("a_cashier").await;
    let body = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk}], "payments": [{"tender": "cash", "amount_fen": 650}]});
    let (_, sale) = sell(&t, &cashier, body, "s").await;
    let other = t.login("b_manager").await;
    let order = sale["order_id"].as_i64().unwrap();
    let (status, _) = t
        .call("GET", &format!("/api/v1/sales/{order}"), Some(&other), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t
        .call(
            "POST",
            &format!("/api/v1/sales/{order}/refunds"),
            Some(&other),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nor sell from our location or our product.
    let mine = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk}], "payments": [{"tender": "cash", "amount_fen": 650}]});
    let (status, _) = sell(&t, &other, mine, "x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_member_pays_with_points_stored_value_and_a_coupon_and_a_refund_gives_each_back_once(t: TestApp) {
    let manager = t.login("a_manager").await;
    let cashier = t.login("a_cashier").await;
    let milk = t.product(&manager, "P1", "牛奶", json!({"price_fen": 1000})).await;
    t.call(
        "POST",
        "/api/v1/receipts",
        Some(&manager),
        Some(json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 20, "lot_code": "M1"}]})),
    )
    .await;
    let m = member(&t, "13800138000").await;
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/members/{m}/top-ups"),
            Some(&cashier),
            Some(json!({"paid_fen": 50000, "tender": "cash"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/members/{m}/points/adjustments"),
            Some(&manager),
            Some(json!({"points": 1000, "reason": "开业赠送"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let before = loyalty(&t, &cashier, m).await;
    assert_eq!(before, (1000, 55000), "充500送50 and 1,000 points");
    let (status, coupon) = t
        .call(
            "POST",
            "/api/v1/coupons",
            Some(&manager),
            Some(json!({"name_zh": "满20减5", "kind": "fixed",
            "amount_fen": 500, "threshold_fen": 2000, "valid_days": 30, "total_limit": 10})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{coupon}");
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/coupons/{}/issues", coupon["id"]),
            Some(&manager),
            Some(json!({"member_ids": [m]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, mine) = t
        .call("GET", &format!("/api/v1/members/{m}/coupons"), Some(&cashier), None)
        .await;
    let issue = mine
        .as_array()
        .map_or_else(|| mine["items"][0]["id"].clone(), |a| a[0]["id"].clone());
    // 3 × ¥10 − ¥5 coupon = ¥25: 300 points (¥3), ¥12 stored value, ¥10 cash.
    let sale = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 3}], "member_id": m,
        "redeem_points": 300, "coupon_ids": [issue],
        "payments": [{"tender": "stored_value", "amount_fen": 1200}, {"tender": "cash", "amount_fen": 1000}]});
    let (status, sold) = sell(&t, &cashier, sale.clone(), "m-1").await;
    assert_eq!(status, StatusCode::CREATED, "{sold}");
    assert_eq!(
        (sold["total_fen"].as_i64(), sold["discount_fen"].as_i64()),
        (Some(2500), Some(500))
    );
    assert_eq!(sold["discounts"][0]["source"], "coupon");
    assert_eq!(
        (sold["points_redeemed"].as_i64(), sold["points_earned"].as_i64()),
        (Some(300), Some(22))
    );
    assert_eq!(sold["payments"][0]["tender"], "points");
    assert_eq!(loyalty(&t, &cashier, m).await, (1000 - 300 + 22, 55000 - 1200));
    // The replay changes no balance, and the used coupon cannot pay again.
    assert_eq!(sell(&t, &cashier, sale, "m-1").await.1, sold);
    assert_eq!(loyalty(&t, &cashier, m).await, (722, 53800));
    let again = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 3}], "member_id": m,
        "coupon_ids": [issue], "payments": [{"tender": "cash", "amount_fen": 2500}]});
    let (status, body) = sell(&t, &cashier, again, "m-2").await;
    assert_eq!(
        (status, error_of(&body).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("coupon_ids"))
    );
    // A member without stored value: refused whole, nothing written.
    let other = member(&t, "13900139000").await;
    let broke = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk}], "member_id": other,
        "payments": [{"tender": "stored_value", "amount_fen": 1000}]});
    let (status, body) = sell(&t, &cashier, broke, "m-broke").await;
    assert_eq!(
        (status, error_of(&body).0.as_str()),
        (StatusCode::CONFLICT, "stored_value_short"),
        "{body}"
    );
    assert_eq!(on_hand(&t, &cashier, milk).await, 17);
    let small = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk}], "member_id": m,
        "payments": [{"tender": "stored_value", "amount_fen": 1000}]});
    let order = sold["order_id"].as_i64().unwrap();
    let path = format!("/api/v1/sales/{order}/refunds");
    let (status, part) = t
        .call(
            "POST",
            &path,
            Some(&manager),
            Some(json!({"lines": [{"line_no": 1, "qty": 1}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{part}");
    let amount = part["amount_fen"].as_i64().unwrap();
    assert_eq!(amount, 833, "a third of ¥25, rounded down");
    let paid_back: i64 = part["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["amount_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(paid_back, amount, "the tenders add up to the refund");
    let by = |tender: &str| {
        part["payments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["tender"] == tender)
            .cloned()
    };
    let points_back = by("points").map_or(0, |p| p["points"].as_i64().unwrap());
    let stored_back = by("stored_value").map_or(0, |p| p["amount_fen"].as_i64().unwrap());
    assert!(points_back > 0 && stored_back > 0, "{part}");
    let (points, stored) = loyalty(&t, &cashier, m).await;
    assert!(
        points < 722 + points_back,
        "earned points are taken back by the same share"
    );
    assert_eq!(stored, 53800 + stored_back);
    let (status, rest) = t.call("POST", &path, Some(&manager), Some(json!({}))).await;
    assert_eq!(status, StatusCode::CREATED, "{rest}");
    assert_eq!(amount + rest["amount_fen"].as_i64().unwrap(), 2500);
    assert_eq!(
        loyalty(&t, &cashier, m).await,
        (1000, 55000),
        "a whole refund restores every balance exactly"
    );
    let (_, mine) = t
        .call(
            "GET",
            &format!("/api/v1/members/{m}/coupons?usable=true"),
            Some(&cashier),
            None,
        )
        .await;
    assert!(
        mine.to_string().contains(&format!("\"id\":{issue}")),
        "the coupon is usable again: {mine}"
    );
    let (status, body) = sell(&t, &cashier, small, "m-3").await;
    assert_eq!(status, StatusCode::CREATED, "¥10 of ¥550 stored value: {body}");
    assert_eq!(loyalty(&t, &cashier, m).await.1, 54000);
}

async fn a_flash_sale_cap_holds_across_sales_and_a_refund_returns_its_units(t: TestApp) {
    let manager = t.login("a_manager").await;
    let cashier = t.login("a_cashier").await;
    let eggs = t.product(&manager, "E1", "鸡蛋", json!({"price_fen": 1500})).await;
    t.call(
        "POST",
        "/api/v1/receipts",
        Some(&manager),
        Some(json!({"location_id": t.a.floor.0, "lines": [{"product_id": eggs, "qty": 50, "lot_code": "E"}]})),
    )
    .await;
    let (status, promo) = t
        .call(
            "POST",
            "/api/v1/promotions",
            Some(&manager),
            Some(json!({"name_zh": "鸡蛋秒杀", "kind": "flash_sale",
            "product_id": eggs, "price_fen": 990, "cap_per_order": 1, "flash_cap": 2,
            "starts_at": NOW - 60_000, "ends_at": NOW + 3_600_000})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{promo}");
    // 20 tills at once, each paying the flash price for one: exactly the cap is sold at
    // it; the others are told it sold out (raced) or are priced in full (seen sold out).
    let flash_sale = |i: usize| {
        let t = &t;
        let cashier = cashier.clone();
        async move {
            let body = json!({"location_id": t.a.floor.0, "lines": [{"product_id": eggs}],
                "payments": [{"tender": "cash", "amount_fen": 990}]});
            sell(t, &cashier, body, &format!("f-{i}")).await
        }
    };
    let results = futures_join_all((0..20).map(flash_sale).collect()).await;
    let sold: Vec<&Value> = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(sold.len(), 2, "{results:?}");
    assert!(
        sold.iter()
            .all(|b| b["total_fen"] == 990 && b["discounts"][0]["source"] == "flash_sale")
    );
    for (status, body) in results.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        let code = error_of(body).0;
        assert!(
            (*status == StatusCode::CONFLICT && code == "flash_sale_sold_out")
                || (*status == StatusCode::UNPROCESSABLE_ENTITY && error_of(body).1.as_deref() == Some("payments")),
            "{status} {body}"
        );
    }
    let full = json!({"location_id": t.a.floor.0, "lines": [{"product_id": eggs}], "payments": [{"tender": "cash", "amount_fen": 1500}]});
    let (status, body) = sell(&t, &cashier, full, "full").await;
    assert_eq!(
        (status, body["total_fen"].as_i64()),
        (StatusCode::CREATED, Some(1500)),
        "sold out: full price"
    );
    let (status, _) = t
        .call(
            "POST",
            &format!("/api/v1/sales/{}/refunds", sold[0]["order_id"]),
            Some(&manager),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let again = json!({"location_id": t.a.floor.0, "lines": [{"product_id": eggs}], "payments": [{"tender": "cash", "amount_fen": 990}]});
    let (status, body) = sell(&t, &cashier, again, "after-refund").await;
    assert_eq!(
        (status, body["total_fen"].as_i64()),
        (StatusCode::CREATED, Some(990)),
        "the refunded unit is back in the cap"
    );
    assert_eq!(on_hand(&t, &manager, eggs).await, 50 - 3);
}

async fn offline_queues_replayed_three_times_from_two_tills_add_each_sale_once(t: TestApp) {
    let (manager, milk) = milk_in_stock(&t, 100).await;
    let cashier = t.login("a_cashier").await;
    // Two tills, each with a queue of 10 sales made offline (the second till's cashier is
    // the manager), replayed three times, all at once.
    let queue = |till: &str| -> Vec<(String, Value)> {
        (0..10)
            .map(|i| {
                let body = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 1 + i % 2}],
                    "payments": [{"tender": "cash", "amount_fen": 650 * (1 + i % 2)}],
                    "offline": {"till_id": till, "sold_at": NOW - 600_000 + i * 1000}});
                (format!("{till}-{i}"), body)
            })
            .collect()
    };
    let tills = [(cashier.clone(), queue("till-1")), (manager.clone(), queue("till-2"))];
    let mut calls = Vec::new();
    for _round in 0..3 {
        for (token, q) in &tills {
            for (key, body) in q {
                let (t, token, key, body) = (&t, token.clone(), key.clone(), body.clone());
                calls.push(async move { sell(t, &token, body, &key).await });
            }
        }
    }
    let results = futures_join_all(calls).await;
    assert!(results.iter().all(|(s, _)| *s == StatusCode::CREATED), "{results:?}");
    let mut orders: Vec<i64> = results.iter().map(|(_, b)| b["order_id"].as_i64().unwrap()).collect();
    orders.sort();
    orders.dedup();
    assert_eq!(orders.len(), 20, "each queued sale exactly once");
    assert_eq!(on_hand(&t, &manager, milk).await, 100 - 2 * 15);
}

async fn a_qr_payment_through_the_port_pays_one_sale_once(t: TestApp) {
    let (_, milk) = milk_in_stock(&t, 10).await;
    let cashier = t.login("a_cashier").await;
    let (status, pay) = t
        .call(
            "POST",
            "/api/v1/kiosk/payments",
            Some(&cashier),
            Some(json!({"amount_fen": 650})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{pay}");
    let reference = pay["payment_ref"].as_str().unwrap().to_string();
    let body = |key: &str| {
        (
            json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk}],
            "payments": [{"tender": "wechat_qr", "amount_fen": 650, "payment_ref": reference}]}),
            key.to_string(),
        )
    };
    let (b, k) = body("q-0");
    let (status, err) = sell(&t, &cashier, b, &k).await;
    assert_eq!(
        (status, error_of(&err).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("payments[0].payment_ref")),
        "not approved yet"
    );
    let (status, _) = t
        .call(
            "POST",
            &format!("/api/v1/kiosk/payments/{reference}/simulate"),
            Some(&cashier),
            Some(json!({"outcome": "approve"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (b, k) = body("q-1");
    let (status, sold) = sell(&t, &cashier, b, &k).await;
    assert_eq!(status, StatusCode::CREATED, "{sold}");
    let (b, k) = body("q-2");
    let (status, err) = sell(&t, &cashier, b, &k).await;
    assert_eq!(
        (status, error_of(&err).0.as_str()),
        (StatusCode::CONFLICT, "payment_used"),
        "{err}"
    );
    assert_eq!(on_hand(&t, &cashier, milk).await, 9);
    let wrong_amount = json!({"location_id": t.a.floor.0, "lines": [{"product_id": milk, "qty": 2}],
        "payments": [{"tender": "wechat_qr", "amount_fen": 1300, "payment_ref": reference}]});
    let (status, _) = sell(&t, &cashier, wrong_amount, "q-3").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
