//! Coupons, promotions and the price quote through the API: creating, issuing, a member's
//! coupons, explained discounts, roles, tenancy and bad input.

use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use linli_domain::ids::{MemberId, OrgId};
use linli_store::{MemberInsight, NewMember};
use serde_json::{Value, json};

on_both_backends!(offers:
    coupon_is_created_issued_by_id_and_phone_and_listed_for_the_member,
    a_coupon_goes_to_every_member_of_a_segment_of_ones_own_organisation,
    quote_explains_every_discount_and_why_a_coupon_was_not_used,
    promotions_are_created_listed_and_ended_and_the_quote_follows,
    cashier_reads_and_quotes_but_cannot_create_issue_or_end,
    another_organisation_gets_404_for_offers_and_members,
    bad_input_names_the_field_in_both_languages,
    used_coupon_in_a_quote_is_a_conflict_and_limits_are_reported,
    console_page_lists_creates_issues_and_ends_offers,
    junk_never_causes_a_server_error,
    a_coupon_goes_to_the_members_who_bought_from_a_category,
);

const DAY: i64 = 86_400_000;

async fn member(t: &TestApp, org: OrgId, phone: &str) -> MemberId {
    t.store
        .create_member(
            org,
            &NewMember {
                phone,
                name: "居民",
                building: None,
                unit_no: "",
                room: "",
                birthday: None,
                joined_at: NOW,
            },
        )
        .await
        .unwrap()
}

async fn create(t: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let (status, out) = t.call("POST", path, Some(token), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {out}");
    out
}

fn threshold_coupon(name: &str, threshold: i64, off: i64) -> Value {
    json!({"name_zh": name, "kind": "fixed", "amount_fen": off, "threshold_fen": threshold,
           "ends_at": NOW + 30 * DAY, "total_limit": 100})
}

async fn coupon_issue(t: &TestApp, token: &str, coupon: i64, member: MemberId) -> i64 {
    let out = create(
        t,
        token,
        &format!("/api/v1/coupons/{coupon}/issues"),
        json!({"member_ids": [member.0]}),
    )
    .await;
    out["issued"][0]["coupon_id"].as_i64().expect("a copy was issued")
}

async fn coupon_is_created_issued_by_id_and_phone_and_listed_for_the_member(t: TestApp) {
    let owner = t.login("a_owner").await;
    let m1 = member(&t, t.a.org, "13800001111").await;
    let m2 = member(&t, t.a.org, "13900002222").await;
    let c = create(
        &t,
        &owner,
        "/api/v1/coupons",
        threshold_coupon("满100减20", 10_000, 2_000),
    )
    .await;
    let id = c["id"].as_i64().unwrap();
    assert_eq!(
        (
            c["kind"].as_str(),
            c["threshold_fen"].as_i64(),
            c["amount_fen"].as_i64()
        ),
        (Some("fixed"), Some(10_000), Some(2_000))
    );
    assert_eq!(
        (c["status"].as_str(), c["phase"].as_str()),
        (Some("active"), Some("running"))
    );
    assert!(c["name_en"].as_str().unwrap().contains("off"), "{c}");

    let out = create(
        &t,
        &owner,
        &format!("/api/v1/coupons/{id}/issues"),
        json!({"member_ids": [m1.0], "phones": ["139 0000 2222"]}),
    )
    .await;
    assert_eq!(out["issued"].as_array().unwrap().len(), 2, "{out}");
    assert!(out["at_limit"].as_array().unwrap().is_empty());
    // Issuing again: both are at the per-member limit of 1, nothing new.
    let again = create(
        &t,
        &owner,
        &format!("/api/v1/coupons/{id}/issues"),
        json!({"member_ids": [m1.0, m2.0]}),
    )
    .await;
    assert!(again["issued"].as_array().unwrap().is_empty());
    assert_eq!(again["at_limit"], json!([m1.0, m2.0]));

    let (status, mine) = t
        .call("GET", &format!("/api/v1/members/{}/coupons", m2.0), Some(&owner), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let mine = mine.as_array().unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["coupon_id"].as_i64(), Some(id));
    assert_eq!(mine[0]["status"], "issued");
    assert_eq!(mine[0]["source"], "list");
    assert_eq!(mine[0]["expires_at"].as_i64(), Some(NOW + 30 * DAY));

    let (_, listed) = t.call("GET", "/api/v1/coupons", Some(&owner), None).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["issued"], 2);
    let (_, got) = t
        .call("GET", &format!("/api/v1/coupons/{id}"), Some(&owner), None)
        .await;
    assert_eq!(got["used"], 0);

    let (status, ended) = t
        .call("POST", &format!("/api/v1/coupons/{id}/end"), Some(&owner), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{ended}");
    assert_eq!(
        (ended["status"].as_str(), ended["phase"].as_str()),
        (Some("ended"), Some("ended"))
    );
    let (status, body) = t
        .call(
            "POST",
            &format!("/api/v1/coupons/{id}/issues"),
            Some(&owner),
            Some(json!({"member_ids": [m1.0]})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_of(&body).0, "coupon_ended");
    let (_, active) = t.call("GET", "/api/v1/coupons?status=active", Some(&owner), None).await;
    assert_eq!(active["total"], 0);
    // A copy already given stays usable after the coupon ended.
    let (_, usable) = t
        .call(
            "GET",
            &format!("/api/v1/members/{}/coupons?usable=true", m1.0),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(usable.as_array().unwrap().len(), 1);
}

async fn quote_explains_every_discount_and_why_a_coupon_was_not_used(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = t.product(&owner, "M1", "鲜牛奶", json!({"price_fen": 650})).await;
    let bread = t.product(&owner, "B1", "全麦面包", json!({"price_fen": 1_200})).await;
    let m = member(&t, t.a.org, "13800003333").await;
    // A coupon valid one day after issue, issued now and expired by the time of the quote.
    let short = create(
        &t,
        &owner,
        "/api/v1/coupons",
        json!({"name_zh": "当日券", "kind": "fixed", "amount_fen": 300, "valid_days": 1, "total_limit": 10}),
    )
    .await;
    let expired = coupon_issue(&t, &owner, short["id"].as_i64().unwrap(), m).await;
    t.clock.advance(2 * DAY);
    let now = NOW + 2 * DAY;
    let owner = t.login("a_owner").await;
    let promo = create(
        &t,
        &owner,
        "/api/v1/promotions",
        json!({"name_zh": "牛奶第二件半价", "kind": "second_item_half_price", "product_id": milk,
               "starts_at": now - 1, "ends_at": now + DAY}),
    )
    .await;
    let c = create(&t, &owner, "/api/v1/coupons", threshold_coupon("满40减5", 4_000, 500)).await;
    let good = coupon_issue(&t, &owner, c["id"].as_i64().unwrap(), m).await;

    let (status, q) = t
        .call(
            "POST",
            "/api/v1/pricing/quote",
            Some(&owner),
            Some(
                json!({"lines": [{"product_id": milk, "qty": 3}, {"product_id": bread, "qty": 2}],
                        "member_id": m.0, "coupon_ids": [expired, good]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{q}");
    // 3 × 6.50 + 2 × 12.00 = 43.50; one milk at half price −3.25 → 40.25 ≥ 40 → 满40减5 → 35.25.
    assert_eq!(q["subtotal_fen"], 4_350);
    assert_eq!(q["discount_fen"], 825);
    assert_eq!(q["total_fen"], 3_525);
    let d = q["discounts"].as_array().unwrap();
    assert_eq!(d.len(), 2, "{q}");
    assert_eq!(
        (
            d[0]["source"].as_str(),
            d[0]["source_id"].as_i64(),
            d[0]["amount_fen"].as_i64()
        ),
        (Some("promotion"), promo["id"].as_i64(), Some(325))
    );
    assert_eq!(d[0]["label_zh"], "牛奶第二件半价");
    assert_eq!(d[0]["label_en"], "Second item half price");
    assert_eq!(
        (
            d[1]["source"].as_str(),
            d[1]["source_id"].as_i64(),
            d[1]["amount_fen"].as_i64()
        ),
        (Some("coupon"), Some(good), Some(500))
    );
    assert_eq!(d[1]["label_zh"], "满40减5");
    assert!(d[1]["label_en"].as_str().unwrap().contains("off"), "{q}");
    for x in d {
        let spread: i64 = x["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["amount_fen"].as_i64().unwrap())
            .sum();
        assert_eq!(
            Some(spread),
            x["amount_fen"].as_i64(),
            "each discount is spread over lines exactly"
        );
    }
    let lines = q["lines"].as_array().unwrap();
    assert_eq!(lines[0]["name_zh"], "鲜牛奶");
    let line_discounts: i64 = lines.iter().map(|l| l["discount_fen"].as_i64().unwrap()).sum();
    assert_eq!(line_discounts, 825);
    assert_eq!(q["coupons_used"], json!([good]));
    let rejected = q["coupons_rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        (rejected[0]["coupon_id"].as_i64(), rejected[0]["code"].as_str()),
        (Some(expired), Some("expired"))
    );
    assert_eq!(rejected[0]["message_zh"], "优惠券已过期");

    // Without the member: promotions only; coupons need their holder.
    let (status, q) = t
        .call(
            "POST",
            "/api/v1/pricing/quote",
            Some(&owner),
            Some(json!({"lines": [{"product_id": milk, "qty": 2}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(q["total_fen"], 975);
    let (status, body) = t
        .call(
            "POST",
            "/api/v1/pricing/quote",
            Some(&owner),
            Some(json!({"lines": [{"product_id": milk, "qty": 2}], "coupon_ids": [good]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&body).1.as_deref(), Some("member_id"));
    // A quote writes nothing: the coupon is still there to use.
    let (_, usable) = t
        .call(
            "GET",
            &format!("/api/v1/members/{}/coupons?usable=true", m.0),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(usable.as_array().unwrap().len(), 1);
}

async fn promotions_are_created_listed_and_ended_and_the_quote_follows(t: TestApp) {
    let owner = t.login("a_owner").await;
    let eggs = t.product(&owner, "E1", "土鸡蛋", json!({"price_fen": 1_590})).await;
    let bread = t.product(&owner, "B1", "面包", json!({"price_fen": 800})).await;
    let flash = create(
        &t,
        &owner,
        "/api/v1/promotions",
        json!({"name_zh": "鸡蛋秒杀", "kind": "flash_sale", "product_id": eggs, "price_fen": 990,
               "cap_per_order": 2, "flash_cap": 50, "starts_at": NOW, "ends_at": NOW + DAY}),
    )
    .await;
    assert_eq!(
        (
            flash["kind"].as_str(),
            flash["flash_cap"].as_i64(),
            flash["flash_sold"].as_i64()
        ),
        (Some("flash_sale"), Some(50), Some(0))
    );
    assert_eq!(flash["phase"], "running");
    let bundle = create(
        &t,
        &owner,
        "/api/v1/promotions",
        json!({"name_zh": "早餐组合", "kind": "bundle_price", "product_ids": [eggs, bread], "price_fen": 2_000,
               "starts_at": NOW + DAY, "ends_at": NOW + 2 * DAY}),
    )
    .await;
    assert_eq!(bundle["product_ids"], json!([eggs, bread]));
    assert_eq!(bundle["phase"], "upcoming");
    create(
        &t,
        &owner,
        "/api/v1/promotions",
        json!({"name_zh": "买二赠一", "kind": "buy_x_get_y", "product_id": bread, "buy": 2, "free": 1,
               "starts_at": NOW, "ends_at": NOW + DAY}),
    )
    .await;
    let (_, listed) = t.call("GET", "/api/v1/promotions", Some(&owner), None).await;
    assert_eq!(listed["total"], 3);

    let quote = |qty: i64| json!({"lines": [{"product_id": eggs, "qty": qty}]});
    let (_, q) = t
        .call("POST", "/api/v1/pricing/quote", Some(&owner), Some(quote(5)))
        .await;
    assert_eq!(q["total_fen"], 5 * 1_590 - 2 * 600, "two units at the flash price: {q}");
    assert_eq!(q["flash_units"], json!([{"promotion_id": flash["id"], "units": 2}]));

    let id = flash["id"].as_i64().unwrap();
    let (status, ended) = t
        .call("POST", &format!("/api/v1/promotions/{id}/end"), Some(&owner), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ended["status"], "ended");
    let (_, q) = t
        .call("POST", "/api/v1/pricing/quote", Some(&owner), Some(quote(5)))
        .await;
    assert_eq!(q["total_fen"], 5 * 1_590, "an ended promotion prices nothing");
    let (status, body) = t
        .call("POST", &format!("/api/v1/promotions/{id}/end"), Some(&owner), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_of(&body).0, "already_ended");
    let (_, got) = t
        .call("GET", &format!("/api/v1/promotions/{id}"), Some(&owner), None)
        .await;
    assert_eq!(got["status"], "ended");
    let (_, active) = t
        .call("GET", "/api/v1/promotions?status=active", Some(&owner), None)
        .await;
    assert_eq!(active["total"], 2);
}

async fn cashier_reads_and_quotes_but_cannot_create_issue_or_end(t: TestApp) {
    let owner = t.login("a_owner").await;
    let manager = t.login("a_manager").await;
    let cashier = t.login("a_cashier").await;
    let rider = t.login("a_rider").await;
    let milk = t.product(&owner, "M1", "牛奶", json!({})).await;
    let m = member(&t, t.a.org, "13800004444").await;
    let c = create(&t, &manager, "/api/v1/coupons", threshold_coupon("店长发的券", 0, 100)).await;
    let id = c["id"].as_i64().unwrap();
    let forbidden = [
        (
            "/api/v1/coupons".to_string(),
            Some(threshold_coupon("收银员的券", 0, 100)),
        ),
        (
            format!("/api/v1/coupons/{id}/issues"),
            Some(json!({"member_ids": [m.0]})),
        ),
        (format!("/api/v1/coupons/{id}/end"), None),
        (
            "/api/v1/promotions".to_string(),
            Some(
                json!({"name_zh": "半价", "kind": "second_item_half_price", "product_id": milk,
                        "starts_at": NOW, "ends_at": NOW + DAY}),
            ),
        ),
    ];
    for (path, body) in forbidden {
        let (status, out) = t.call("POST", &path, Some(&cashier), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {out}");
        assert_eq!(error_of(&out).0, "forbidden");
    }
    let (_, got) = t
        .call("GET", &format!("/api/v1/coupons/{id}"), Some(&owner), None)
        .await;
    assert_eq!(
        (got["status"].as_str(), got["issued"].as_i64()),
        (Some("active"), Some(0)),
        "nothing changed"
    );
    for path in ["/api/v1/coupons", "/api/v1/promotions"] {
        let (status, _) = t.call("GET", path, Some(&cashier), None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    let (status, _) = t
        .call("GET", &format!("/api/v1/members/{}/coupons", m.0), Some(&cashier), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t
        .call("GET", &format!("/api/v1/members/{}/coupons", m.0), Some(&rider), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "riders do not see members");
    let q = json!({"lines": [{"product_id": milk, "qty": 1}], "member_id": m.0});
    let (status, out) = t
        .call("POST", "/api/v1/pricing/quote", Some(&cashier), Some(q.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let (status, _) = t.call("POST", "/api/v1/pricing/quote", Some(&rider), Some(q)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn another_organisation_gets_404_for_offers_and_members(t: TestApp) {
    let a = t.login("a_owner").await;
    let b = t.login("b_owner").await;
    let milk = t.product(&a, "M1", "牛奶", json!({})).await;
    let b_milk = t.product(&b, "M1", "牛奶", json!({})).await;
    let am = member(&t, t.a.org, "13800005555").await;
    let bm = member(&t, t.b.org, "13800006666").await;
    let c = create(&t, &a, "/api/v1/coupons", threshold_coupon("券", 0, 100)).await;
    let id = c["id"].as_i64().unwrap();
    let copy = coupon_issue(&t, &a, id, am).await;
    let p = create(
        &t,
        &a,
        "/api/v1/promotions",
        json!({"name_zh": "半价", "kind": "second_item_half_price", "product_id": milk,
               "starts_at": NOW, "ends_at": NOW + DAY}),
    )
    .await;
    let pid = p["id"].as_i64().unwrap();
    let calls: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("/api/v1/coupons/{id}"), None),
        ("POST", format!("/api/v1/coupons/{id}/end"), None),
        (
            "POST",
            format!("/api/v1/coupons/{id}/issues"),
            Some(json!({"member_ids": [bm.0]})),
        ),
        ("GET", format!("/api/v1/promotions/{pid}"), None),
        ("POST", format!("/api/v1/promotions/{pid}/end"), None),
        ("GET", format!("/api/v1/members/{}/coupons", am.0), None),
        (
            "POST",
            "/api/v1/pricing/quote".into(),
            Some(json!({"lines": [{"product_id": b_milk, "qty": 1}], "member_id": am.0})),
        ),
        (
            "POST",
            "/api/v1/pricing/quote".into(),
            Some(json!({"lines": [{"product_id": b_milk, "qty": 1}], "member_id": bm.0, "coupon_ids": [copy]})),
        ),
    ];
    for (method, path, body) in calls {
        let (status, out) = t.call(method, &path, Some(&b), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {out}");
        assert_eq!(error_of(&out).0, "not_found");
    }
    // a's owner cannot reach b's member either.
    let (status, _) = t
        .call(
            "POST",
            &format!("/api/v1/coupons/{id}/issues"),
            Some(&a),
            Some(json!({"member_ids": [am.0, bm.0]})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // b's product in a's promotion is an input error naming the field.
    let (status, out) = t
        .call(
            "POST",
            "/api/v1/promotions",
            Some(&a),
            Some(
                json!({"name_zh": "别家的", "kind": "second_item_half_price", "product_id": b_milk,
                        "starts_at": NOW, "ends_at": NOW + DAY}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&out).1.as_deref(), Some("product_id"));
    // Nothing of a's changed.
    let (_, got) = t.call("GET", &format!("/api/v1/coupons/{id}"), Some(&a), None).await;
    assert_eq!(
        (got["status"].as_str(), got["issued"].as_i64()),
        (Some("active"), Some(1))
    );
    let (_, got) = t
        .call("GET", &format!("/api/v1/promotions/{pid}"), Some(&a), None)
        .await;
    assert_eq!(got["status"], "active");
    let (_, listed) = t.call("GET", "/api/v1/coupons", Some(&b), None).await;
    assert_eq!(listed["total"], 0);
}

async fn bad_input_names_the_field_in_both_languages(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = t.product(&owner, "M1", "牛奶", json!({"price_fen": 650})).await;
    let apples = t
        .product(&owner, "A1", "苹果", json!({"unit": "kg", "price_fen": 1_200}))
        .await;
    let m = member(&t, t.a.org, "13800007777").await;
    let end = NOW + DAY;
    let coupon_cases = [
        (
            json!({"name_zh": "", "kind": "fixed", "amount_fen": 100, "ends_at": end, "total_limit": 1}),
            "name_zh",
        ),
        (
            json!({"name_zh": "券", "kind": "gift", "ends_at": end, "total_limit": 1}),
            "kind",
        ),
        (
            json!({"name_zh": "券", "kind": "fixed", "ends_at": end, "total_limit": 1}),
            "amount_fen",
        ),
        (
            json!({"name_zh": "券", "kind": "percent", "percent_off_bp": 0, "ends_at": end, "total_limit": 1}),
            "percent_off_bp",
        ),
        (
            json!({"name_zh": "券", "kind": "percent", "percent_off_bp": 10_000, "ends_at": end, "total_limit": 1}),
            "percent_off_bp",
        ),
        (
            json!({"name_zh": "券", "kind": "fixed", "amount_fen": 2_000, "threshold_fen": 2_000, "ends_at": end, "total_limit": 1}),
            "threshold_fen",
        ),
        (
            json!({"name_zh": "券", "kind": "fixed", "amount_fen": 100, "starts_at": end, "ends_at": NOW + 1, "total_limit": 1}),
            "ends_at",
        ),
        (
            json!({"name_zh": "券", "kind": "fixed", "amount_fen": 100, "total_limit": 1}),
            "ends_at",
        ),
        (
            json!({"name_zh": "券", "kind": "fixed", "amount_fen": 100, "ends_at": end, "total_limit": 0}),
            "total_limit",
        ),
        (
            json!({"name_zh": "券", "kind": "fixed", "amount_fen": 100, "ends_at": end, "total_limit": 5, "per_member_limit": 0}),
            "per_member_limit",
        ),
        (
            json!({"name_zh": "券", "kind": "fixed", "amount_fen": 100, "valid_days": -1, "total_limit": 5}),
            "valid_days",
        ),
        (
            json!({"name_zh": "券", "kind": "category_fixed", "amount_fen": 100, "category_id": 999_999, "ends_at": end, "total_limit": 5}),
            "category_id",
        ),
        (
            json!({"name_zh": "券", "kind": "free_item", "product_id": apples, "ends_at": end, "total_limit": 5}),
            "product_id",
        ),
        (
            json!({"name_zh": "券", "kind": "fixed", "amount_fen": 100, "ends_at": end, "total_limit": 5, "audience": "vip"}),
            "audience",
        ),
        (
            json!({"name_zh": "券", "kind": "fixed", "amount_fen": 100, "ends_at": end, "total_limit": 5, "colour": "red"}),
            "colour",
        ),
        (
            json!({"name_zh": "券", "kind": "fixed", "amount_fen": "100", "ends_at": end, "total_limit": 5}),
            "amount_fen",
        ),
    ];
    for (body, field) in coupon_cases {
        let (status, out) = t
            .call("POST", "/api/v1/coupons", Some(&owner), Some(body.clone()))
            .await;
        assert!(status.is_client_error(), "{body} → {status} {out}");
        let (_, got) = error_of(&out);
        assert!(
            got.as_deref().is_some_and(|f| f.contains(field)),
            "{body}: expected field {field}, got {out}"
        );
    }
    let promo_cases = [
        (
            json!({"name_zh": "秒杀", "kind": "flash_sale", "product_id": milk, "price_fen": 300, "starts_at": NOW, "ends_at": end}),
            "flash_cap",
        ),
        (
            json!({"name_zh": "秒杀", "kind": "flash_sale", "product_id": milk, "price_fen": 650, "flash_cap": 5, "starts_at": NOW, "ends_at": end}),
            "price_fen",
        ),
        (
            json!({"name_zh": "组合", "kind": "bundle_price", "product_ids": [milk], "price_fen": 300, "starts_at": NOW, "ends_at": end}),
            "product_ids",
        ),
        (
            json!({"name_zh": "组合", "kind": "bundle_price", "product_ids": [milk, milk], "price_fen": 300, "starts_at": NOW, "ends_at": end}),
            "product_ids[1]",
        ),
        (
            json!({"name_zh": "买赠", "kind": "buy_x_get_y", "product_id": milk, "buy": 0, "free": 1, "starts_at": NOW, "ends_at": end}),
            "buy",
        ),
        (
            json!({"name_zh": "半价", "kind": "second_item_half_price", "product_id": apples, "starts_at": NOW, "ends_at": end}),
            "product_id",
        ),
        (
            json!({"name_zh": "半价", "kind": "second_item_half_price", "product_id": milk, "starts_at": end, "ends_at": NOW}),
            "ends_at",
        ),
        (
            json!({"name_zh": "半价", "kind": "second_item_half_price", "product_id": milk, "starts_at": NOW - 2 * DAY, "ends_at": NOW - DAY}),
            "ends_at",
        ),
        (
            json!({"name_zh": "折扣", "kind": "category_percent", "percent_off_bp": 500, "starts_at": NOW, "ends_at": end}),
            "category_id",
        ),
    ];
    for (body, field) in promo_cases {
        let (status, out) = t
            .call("POST", "/api/v1/promotions", Some(&owner), Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {out}");
        assert_eq!(error_of(&out).1.as_deref(), Some(field), "{body}: {out}");
    }
    let c = create(&t, &owner, "/api/v1/coupons", threshold_coupon("券", 0, 100)).await;
    let id = c["id"].as_i64().unwrap();
    let issue_cases = [
        (json!({}), "member_ids"),
        (json!({"phones": ["12345"]}), "phones[0]"),
        (
            json!({"member_ids": [m.0], "phones": ["13800007777", "13900000000"]}),
            "phones[1]",
        ),
    ];
    for (body, field) in issue_cases {
        let (status, out) = t
            .call(
                "POST",
                &format!("/api/v1/coupons/{id}/issues"),
                Some(&owner),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {out}");
        assert_eq!(error_of(&out).1.as_deref(), Some(field), "{body}: {out}");
        assert!(
            !out.to_string().contains("13900000000"),
            "a phone number never shows in an error"
        );
    }
    let quote_cases = [
        (json!({"lines": []}), "lines"),
        (json!({"lines": [{"product_id": milk, "qty": 0}]}), "lines[0].qty"),
        (
            json!({"lines": [{"product_id": milk, "qty": 1}, {"product_id": 999_999, "qty": 1}]}),
            "lines[1].product_id",
        ),
        (
            json!({"lines": [{"product_id": milk, "qty": 1}], "member_id": m.0, "coupon_ids": [1, 1]}),
            "coupon_ids",
        ),
        (json!({"lines": [{"product_id": milk}]}), "lines[0]"),
    ];
    for (body, field) in quote_cases {
        let (status, out) = t
            .call("POST", "/api/v1/pricing/quote", Some(&owner), Some(body.clone()))
            .await;
        assert!(status.is_client_error(), "{body} → {status} {out}");
        assert!(
            error_of(&out).1.as_deref().is_some_and(|f| f.starts_with(field)),
            "{body}: expected {field}, got {out}"
        );
    }
    let (status, out) = t.call("GET", "/api/v1/coupons?status=maybe", Some(&owner), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(&out).1.as_deref(), Some("status"));
    let (_, listed) = t.call("GET", "/api/v1/promotions", Some(&owner), None).await;
    assert_eq!(listed["total"], 0, "a refused promotion writes nothing");
}

async fn used_coupon_in_a_quote_is_a_conflict_and_limits_are_reported(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = t.product(&owner, "M1", "牛奶", json!({"price_fen": 650})).await;
    let m = member(&t, t.a.org, "13800008888").await;
    let other = member(&t, t.a.org, "13800009999").await;
    let mut body = threshold_coupon("限量券", 0, 100);
    body["issue_limit"] = json!(1);
    let c = create(&t, &owner, "/api/v1/coupons", body).await;
    let id = c["id"].as_i64().unwrap();
    let copy = coupon_issue(&t, &owner, id, m).await;
    let (status, out) = t
        .call(
            "POST",
            &format!("/api/v1/coupons/{id}/issues"),
            Some(&owner),
            Some(json!({"member_ids": [other.0]})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{out}");
    assert_eq!(error_of(&out), ("coupon_issue_limit".into(), Some("member_ids".into())));

    // The member uses the copy on a sale (as the till will), then shows it again.
    let stock = linli_store::ReceiveLine {
        product: linli_domain::ids::ProductId(milk),
        lot_code: "L1".into(),
        expires_at: None,
        qty: 5,
        unit_cost_fen: None,
    };
    t.store
        .receive(t.a.org, t.a.floor, None, None, &[stock], "", None, NOW)
        .await
        .unwrap()
        .unwrap();
    let order = t
        .store
        .record_sale(
            t.a.org,
            &linli_store::NewSale {
                store: t.a.store,
                location: t.a.floor,
                channel: "till",
                member: Some(m),
                staff: None,
                lines: vec![linli_store::SaleLine {
                    product: linli_domain::ids::ProductId(milk),
                    qty: 1,
                    unit_price_fen: 650,
                    line_total_fen: 550,
                }],
                payments: vec![linli_store::SalePayment {
                    method: "cash",
                    amount_fen: 550,
                    points: 0,
                }],
                at: NOW,
                details: Default::default(),
            },
        )
        .await
        .unwrap()
        .order();
    t.store
        .redeem_coupon(t.a.org, m, linli_domain::pricing::CouponId(copy), order, NOW)
        .await
        .unwrap();
    let (status, out) = t
        .call(
            "POST",
            "/api/v1/pricing/quote",
            Some(&owner),
            Some(json!({"lines": [{"product_id": milk, "qty": 1}], "member_id": m.0, "coupon_ids": [copy]})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{out}");
    assert_eq!(error_of(&out), ("coupon_used".into(), Some("coupon_ids".into())));
    let (_, mine) = t
        .call("GET", &format!("/api/v1/members/{}/coupons", m.0), Some(&owner), None)
        .await;
    assert_eq!(mine[0]["status"], "used");
    assert_eq!(mine[0]["used_order_id"].as_i64(), Some(order.0));
    let (_, got) = t
        .call("GET", &format!("/api/v1/coupons/{id}"), Some(&owner), None)
        .await;
    assert_eq!((got["issued"].as_i64(), got["used"].as_i64()), (Some(1), Some(1)));
}

/// A console browser: the session cookie and the CSRF token its forms carry.
struct Browser {
    cookie: String,
    csrf: String,
}

async fn browser(t: &TestApp, username: &str) -> Browser {
    let app = linli_app::App::new(t.store.clone(), t.clock.clone());
    let s = app
        .login(username, "secret123", linli_app::auth::SessionKind::Cookie)
        .await
        .expect("signs in");
    Browser {
        cookie: format!("linli_session={}", s.token),
        csrf: s.csrf_token,
    }
}

async fn page(t: &TestApp, b: &Browser, path: &str) -> (StatusCode, String) {
    let req = Request::get(path)
        .header(header::COOKIE, &b.cookie)
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = t.raw(req).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Posts a form with the browser's CSRF token; returns the status, Location and body.
async fn submit(t: &TestApp, b: &Browser, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, String) {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("_csrf", &b.csrf)
        .extend_pairs(fields)
        .finish();
    let req = Request::post(path)
        .header(header::COOKIE, &b.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let (status, headers, body) = t.raw(req).await;
    let location = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, location, String::from_utf8_lossy(&body).into_owned())
}

async fn console_page_lists_creates_issues_and_ends_offers(t: TestApp) {
    let token = t.login("a_owner").await;
    t.product(&token, "EGG10", "土鸡蛋 10枚", json!({"price_fen": 1_590}))
        .await;
    let m = member(&t, t.a.org, "13800001212").await;
    let owner = browser(&t, "a_owner").await;

    let (status, html) = page(&t, &owner, "/offers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("还没有促销活动") && html.contains("还没有优惠券"),
        "empty states"
    );
    assert!(
        html.contains("新建优惠券") && html.contains("新建促销活动"),
        "create forms for the owner"
    );
    assert!(html.contains("href=\"/offers\""), "营销 is in the navigation");

    // A threshold coupon with a mistake, then right.
    let coupon = [
        ("name_zh", "满100减20"),
        ("kind", "threshold"),
        ("threshold", "100"),
        ("amount", ""),
        ("ends_on", "2026-12-31"),
        ("per_member_limit", "1"),
        ("total_limit", "50"),
        ("audience", "hand"),
    ];
    let (status, _, html) = submit(&t, &owner, "/offers/coupons", &coupon).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("请填写金额"), "the error shows on the form");
    assert!(html.contains("value=\"满100减20\""), "what was typed is kept");
    let mut fixed = coupon;
    fixed[3] = ("amount", "20");
    let (status, location, _) = submit(&t, &owner, "/offers/coupons", &fixed).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/offers?done=coupon")
    );

    let flash = [
        ("name_zh", "鸡蛋秒杀"),
        ("kind", "flash_sale"),
        ("sku", "EGG10"),
        ("price", "9.90"),
        ("cap_per_order", "2"),
        ("flash_cap", "20"),
        ("starts", "2026-11-25T09:00"),
        ("ends", "2026-11-26 21:00"),
    ];
    let (status, location, html) = submit(&t, &owner, "/offers/promotions", &flash).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(location, "/offers?done=promotion");
    let mut wrong = flash;
    wrong[2] = ("sku", "NOPE");
    let (status, _, html) = submit(&t, &owner, "/offers/promotions", &wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("没有该编码的商品"));

    let (_, html) = page(&t, &owner, "/offers?done=promotion").await;
    assert!(html.contains("促销活动已创建"));
    assert!(html.contains("满¥100.00减¥20.00"), "the coupon's offer is spelled out");
    assert!(html.contains("土鸡蛋 10枚 秒杀价 ¥9.90"), "the rule names the product");
    assert!(html.contains("0 / 20"), "flash sold of cap");
    assert!(html.contains("进行中"));

    let id = t
        .store
        .coupons(t.a.org, None, linli_store::PageRequest { offset: 0, limit: 10 })
        .await
        .unwrap()
        .items[0]
        .id
        .0;
    let (status, _, html) = submit(
        &t,
        &owner,
        &format!("/offers/coupons/{id}/issue"),
        &[("phones", "13800001212, 13900009999")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("第 2 个手机号"), "the clerk is told which number: {html}");
    assert!(!html.contains("13900009999</small>"));
    let (status, location, _) = submit(
        &t,
        &owner,
        &format!("/offers/coupons/{id}/issue"),
        &[("phones", "138 0000 1212")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = page(&t, &owner, &location).await;
    assert!(html.contains("已发放 1 张"), "{location}");
    assert_eq!(t.store.member_coupons(t.a.org, m, None).await.unwrap().len(), 1);
    let (_, location, _) = submit(
        &t,
        &owner,
        &format!("/offers/coupons/{id}/issue"),
        &[("phones", "13800001212")],
    )
    .await;
    let (_, html) = page(&t, &owner, &location).await;
    assert!(
        html.contains("已发放 0 张") && html.contains("已达每人限领"),
        "{location}"
    );

    let (status, location, _) = submit(&t, &owner, &format!("/offers/coupons/{id}/end"), &[]).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/offers?done=ended")
    );
    let (status, _, html) = submit(&t, &owner, &format!("/offers/coupons/{id}/end"), &[]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("该优惠券已经结束"));
    let (status, _, _) = submit(&t, &owner, "/offers/coupons/999999/end", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // English, and a cashier who may look but not change.
    let en = Browser {
        cookie: format!("{}; lang=en", owner.cookie),
        csrf: owner.csrf.clone(),
    };
    let (_, html) = page(&t, &en, "/offers").await;
    assert!(
        html.contains("Promotions") && html.contains("Flash sale at ¥9.90: 土鸡蛋 10枚, 2 per order"),
        "English page"
    );
    let cashier = browser(&t, "a_cashier").await;
    let (status, html) = page(&t, &cashier, "/offers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("鸡蛋秒杀") && !html.contains("新建优惠券"),
        "no forms for a cashier"
    );
    let (status, _, _) = submit(&t, &cashier, "/offers/coupons", &fixed).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let no_csrf = Browser {
        cookie: owner.cookie.clone(),
        csrf: "wrong".into(),
    };
    let (status, _, _) = submit(&t, &no_csrf, "/offers/coupons", &fixed).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.store
            .coupons(t.a.org, None, linli_store::PageRequest { offset: 0, limit: 10 })
            .await
            .unwrap()
            .total,
        1
    );
}

async fn junk_never_causes_a_server_error(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = t.product(&owner, "M1", "牛奶", json!({})).await;
    let c = create(&t, &owner, "/api/v1/coupons", threshold_coupon("券", 0, 100)).await;
    let id = c["id"].as_i64().unwrap();
    let big = i64::MAX;
    let junk = [
        json!(null),
        json!([]),
        json!({"name_zh": "券", "kind": "fixed", "amount_fen": big, "threshold_fen": big, "starts_at": big, "ends_at": big,
               "valid_days": big, "per_member_limit": big, "total_limit": big, "issue_limit": big}),
        json!({"name_zh": "券", "kind": "percent", "percent_off_bp": big, "max_off_fen": -1, "valid_days": 1, "total_limit": 1}),
        json!({"name_zh": "券", "kind": "category_percent", "category_id": -1, "percent_off_bp": 100, "valid_days": 1, "total_limit": 1}),
        json!({"name_zh": "\u{7}", "kind": "free_item", "product_id": big, "valid_days": big, "total_limit": 1}),
        json!({"name_zh": "促", "kind": "flash_sale", "product_id": milk, "price_fen": -big, "cap_per_order": big,
               "flash_cap": big, "starts_at": -1, "ends_at": big}),
        json!({"name_zh": "促", "kind": "bundle_price", "product_ids": [milk, big, -1], "price_fen": big, "starts_at": 0, "ends_at": 1}),
        json!({"name_zh": "促", "kind": "buy_x_get_y", "product_id": milk, "buy": big, "free": -big, "priority": big,
               "starts_at": NOW, "ends_at": NOW + 1}),
        json!({"member_ids": [big, -big, 0], "phones": ["", "🍎", "+86 138 0000 0000 0000"]}),
        json!({"lines": [{"product_id": milk, "qty": big}], "member_id": big, "coupon_ids": [big, -1]}),
        json!({"lines": [{"product_id": -1, "qty": -1}], "coupon_ids": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}),
    ];
    for path in [
        "/api/v1/coupons".to_string(),
        format!("/api/v1/coupons/{id}/issues"),
        format!("/api/v1/coupons/{id}/end"),
        format!("/api/v1/coupons/{big}/issues"),
        "/api/v1/promotions".to_string(),
        "/api/v1/promotions/-1/end".to_string(),
        "/api/v1/pricing/quote".to_string(),
    ] {
        for body in &junk {
            let (status, out) = t.call("POST", &path, Some(&owner), Some(body.clone())).await;
            assert!(
                status.is_client_error() || status.is_success(),
                "POST {path} {body} → {status} {out}"
            );
        }
    }
    for path in [
        "/api/v1/coupons?page=0",
        "/api/v1/coupons?status=",
        "/api/v1/promotions?page_size=100000",
        "/api/v1/coupons/abc",
        "/api/v1/members/-5/coupons?usable=maybe",
    ] {
        let (status, out) = t.call("GET", path, Some(&owner), None).await;
        assert!(
            status.is_client_error() || status.is_success(),
            "GET {path} → {status} {out}"
        );
    }
}

async fn a_coupon_goes_to_every_member_of_a_segment_of_ones_own_organisation(t: TestApp) {
    let owner = t.login("a_owner").await;
    let (m1, m2, m3) = (
        member(&t, t.a.org, "13800001111").await,
        member(&t, t.a.org, "13800002222").await,
        member(&t, t.a.org, "13800003333").await,
    );
    let theirs = member(&t, t.b.org, "13900009999").await;
    let insight = |m: MemberId, segment: &str| MemberInsight {
        member: m,
        segment: segment.into(),
        r_score: 1,
        f_score: 2,
        m_score: 3,
        recency_days: 120,
        purchase_days: 3,
        spend_fen: 9_000,
        p_alive_bp: Some(2_000),
        expected_purchases_milli: Some(300),
        expected_value_fen: Some(1_500),
    };
    t.store
        .replace_member_insights(
            t.a.org,
            &[insight(m1, "沉睡"), insight(m2, "沉睡"), insight(m3, "高价值")],
            NOW,
        )
        .await
        .unwrap();
    t.store
        .replace_member_insights(t.b.org, &[insight(theirs, "沉睡")], NOW)
        .await
        .unwrap();
    let c = create(
        &t,
        &owner,
        "/api/v1/coupons",
        threshold_coupon("回来看看 满30减10", 3_000, 1_000),
    )
    .await;
    let path = format!("/api/v1/coupons/{}/issues", c["id"]);
    // 沉睡 (dormant) members get a win-back coupon: this organisation's two, not the other's.
    let out = create(&t, &owner, &path, json!({"segment": "沉睡"})).await;
    let mut got: Vec<i64> = out["issued"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["member_id"].as_i64().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, vec![m1.0, m2.0]);
    // A segment without members is named.
    let (status, body) = t
        .call("POST", &path, Some(&owner), Some(json!({"segment": "新客"})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_of(&body).1.as_deref(), Some("segment"));
}

/// A product-based audience: the young parents (bought 母婴, here under 母婴宠物) get the
/// milk-powder coupon; who bought only snacks, or before the window, does not.
async fn a_coupon_goes_to_the_members_who_bought_from_a_category(t: TestApp) {
    let owner = t.login("a_owner").await;
    let cashier = t.login("a_cashier").await;
    let parent = create(
        &t,
        &owner,
        "/api/v1/categories",
        json!({"code": "MYCW", "name_zh": "母婴宠物"}),
    )
    .await;
    let baby = create(
        &t,
        &owner,
        "/api/v1/categories",
        json!({"code": "MY", "name_zh": "母婴", "parent_id": parent["id"]}),
    )
    .await;
    let snacks = create(
        &t,
        &owner,
        "/api/v1/categories",
        json!({"code": "LS", "name_zh": "零食"}),
    )
    .await;
    let formula = t
        .product(
            &owner,
            "F1",
            "奶粉",
            json!({"price_fen": 19_800, "category_id": baby["id"]}),
        )
        .await;
    let chips = t
        .product(
            &owner,
            "C1",
            "薯片",
            json!({"price_fen": 800, "category_id": snacks["id"]}),
        )
        .await;
    let lines: Vec<linli_store::ReceiveLine> = [formula, chips]
        .iter()
        .map(|p| linli_store::ReceiveLine {
            product: linli_domain::ids::ProductId(*p),
            lot_code: "L1".into(),
            expires_at: None,
            qty: 50,
            unit_cost_fen: None,
        })
        .collect();
    t.store
        .receive(t.a.org, t.a.floor, None, None, &lines, "", None, NOW - 400 * DAY)
        .await
        .unwrap()
        .unwrap();
    let (parent1, parent2, snacker, old) = (
        member(&t, t.a.org, "13800001111").await,
        member(&t, t.a.org, "13800002222").await,
        member(&t, t.a.org, "13800003333").await,
        member(&t, t.a.org, "13800004444").await,
    );
    let mut k = 0;
    let mut sell = async |m: MemberId, product: i64, days_ago: i64| {
        k += 1;
        t.clock
            .0
            .store(NOW - days_ago * DAY, std::sync::atomic::Ordering::SeqCst);
        let (status, body) = t
            .call_with(
                "POST",
                "/api/v1/sales",
                Some(&cashier),
                Some(json!({"location_id": t.a.floor.0, "member_id": m.0,
                            "lines": [{"product_id": product, "qty": 1}],
                            "payments": [{"tender": "cash", "amount_fen": 20_000}]})),
                &[("idempotency-key", &format!("aud-{k}"))],
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    };
    sell(parent1, formula, 10).await;
    sell(parent1, chips, 9).await;
    sell(parent2, formula, 100).await;
    sell(snacker, chips, 5).await;
    sell(old, formula, 300).await;
    t.clock.0.store(NOW, std::sync::atomic::Ordering::SeqCst);

    let (status, aud) = t
        .call(
            "GET",
            &format!("/api/v1/analytics/audiences?bought_category={}", parent["id"]),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{aud}");
    assert_eq!(
        aud["member_ids"],
        json!([parent1.0, parent2.0]),
        "under 母婴宠物, last 180 days"
    );
    let (_, aud) = t
        .call(
            "GET",
            &format!(
                "/api/v1/analytics/audiences?bought_category={}&bought_within_days=30",
                baby["id"]
            ),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(aud["member_ids"], json!([parent1.0]));
    let c = create(
        &t,
        &owner,
        "/api/v1/coupons",
        threshold_coupon("奶粉 满199减20", 19_900, 2_000),
    )
    .await;
    let path = format!("/api/v1/coupons/{}/issues", c["id"]);
    let out = create(&t, &owner, &path, json!({"bought_category": baby["id"]})).await;
    let mut got: Vec<i64> = out["issued"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["member_id"].as_i64().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, vec![parent1.0, parent2.0]);
    for (body, field) in [
        (
            json!({"bought_category": snacks["id"], "bought_within_days": 1}),
            "bought_category",
        ),
        (json!({"bought_category": 999_999}), "bought_category"),
        (
            json!({"bought_category": baby["id"], "bought_within_days": 0}),
            "bought_within_days",
        ),
    ] {
        let (status, e) = t.call("POST", &path, Some(&owner), Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(error_of(&e).1.as_deref(), Some(field), "{e}");
    }
    let other = t.login("b_owner").await;
    let (status, e) = t
        .call(
            "GET",
            &format!("/api/v1/analytics/audiences?bought_category={}", baby["id"]),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(
        (status, error_of(&e).1.as_deref()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("bought_category")),
        "not theirs"
    );
    let (status, _) = t
        .call(
            "GET",
            &format!("/api/v1/analytics/audiences?bought_category={}", baby["id"]),
            Some(&cashier),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "cashiers see members (masked): the audience is ids only"
    );
}
