//! Members' points and stored value over the API: lookup at the till, top-ups and
//! statements, who may do what, tenancy, and bad input named in both languages.

use crate::support::*;
use axum::http::StatusCode;
use linli_domain::ids::{MemberId, OrgId};
use serde_json::{Value, json};

on_both_backends!(loyalty:
    a_member_is_looked_up_by_phone_whole_or_by_code_masked,
    a_top_up_gets_its_bonus_and_shows_in_the_statement_and_standing,
    a_cashier_may_top_up_but_not_adjust_points_or_change_the_rules,
    another_organisations_member_is_404_everywhere,
    bad_loyalty_input_names_the_field_in_both_languages,
    the_birthday_gift_job_issues_each_gift_once,
    loyalty_routes_are_documented_under_their_own_tag,
    the_console_member_page_shows_tier_balances_and_statements,
);

async fn member(t: &TestApp, org: OrgId, phone: &str, birthday: Option<&str>) -> MemberId {
    t.store
        .create_member(
            org,
            &linli_store::NewMember {
                phone,
                name: "张阿姨",
                building: None,
                unit_no: "",
                room: "",
                birthday: birthday.map(String::from),
                joined_at: NOW,
            },
        )
        .await
        .unwrap()
}

/// A console page with the session cookie (an API sign-in is a session too).
async fn console_page(t: &TestApp, token: &str, path: &str, lang: &str) -> (StatusCode, String) {
    let req = axum::http::Request::builder()
        .uri(path)
        .header("cookie", format!("linli_session={token}; lang={lang}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, _, body) = t.raw(req).await;
    (status, String::from_utf8(body).unwrap())
}

/// Asserts an error status and returns its (code, field).
fn refused(status: StatusCode, body: &Value, expected: StatusCode) -> (String, Option<String>) {
    assert_eq!(status, expected, "{body}");
    error_of(body)
}

async fn a_member_is_looked_up_by_phone_whole_or_by_code_masked(t: TestApp) {
    let m = member(&t, t.a.org, "13812345678", None).await;
    let cashier = t.login("a_cashier").await;
    let (status, found) = t
        .call("GET", "/api/v1/members/lookup?q=13812345678", Some(&cashier), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["id"], m.0);
    assert_eq!(found["phone"], "13812345678", "the cashier typed it");
    assert_eq!(found["tier"]["code"], "normal");
    assert_eq!(found["tier"]["discount_bp"], 10_000);
    assert_eq!(found["points_available"], 0);
    let code = found["code"].as_str().unwrap().to_string();
    assert!(code.starts_with('M'), "{code}");

    // +86 and dashes are a phone too.
    let (status, again) = t
        .call(
            "GET",
            "/api/v1/members/lookup?q=%2B86138-1234-5678",
            Some(&cashier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["id"], m.0);

    let (status, by_code) = t
        .call("GET", &format!("/api/v1/members/lookup?q={code}"), Some(&cashier), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{by_code}");
    assert_eq!(by_code["id"], m.0);
    assert_eq!(by_code["phone"], "138****5678", "found by code the phone stays masked");

    let (status, body) = t
        .call("GET", "/api/v1/members/lookup?q=13800000000", Some(&cashier), None)
        .await;
    assert_eq!(refused(status, &body, StatusCode::NOT_FOUND).0, "not_found");
    let (status, body) = t
        .call("GET", "/api/v1/members/lookup?q=hello", Some(&cashier), None)
        .await;
    assert_eq!(
        refused(status, &body, StatusCode::UNPROCESSABLE_ENTITY).1.as_deref(),
        Some("q")
    );
    let rider = t.login("a_rider").await;
    let (status, body) = t
        .call("GET", "/api/v1/members/lookup?q=13812345678", Some(&rider), None)
        .await;
    refused(status, &body, StatusCode::FORBIDDEN);
}

async fn a_top_up_gets_its_bonus_and_shows_in_the_statement_and_standing(t: TestApp) {
    let m = member(&t, t.a.org, "13812345678", None).await;
    let cashier = t.login("a_cashier").await;
    let (status, top) = t
        .call(
            "POST",
            &format!("/api/v1/members/{}/top-ups", m.0),
            Some(&cashier),
            Some(json!({"paid_fen": 50_000, "tender": "wechat_qr"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{top}");
    assert_eq!(
        (&top["paid_fen"], &top["bonus_fen"], &top["balance_fen"]),
        (&json!(50_000), &json!(5_000), &json!(55_000)),
        "充500送50"
    );

    let (status, statement) = t
        .call(
            "GET",
            &format!("/api/v1/members/{}/stored-value?page_size=10", m.0),
            Some(&cashier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{statement}");
    assert_eq!(statement["total"], 1);
    let line = &statement["items"][0];
    assert_eq!(line["kind"], "top_up");
    assert_eq!(line["tender"], "wechat_qr");
    assert_eq!(
        (&line["principal_fen"], &line["bonus_fen"]),
        (&json!(50_000), &json!(5_000))
    );
    assert_eq!(line["staff_name"], "收银员");

    let (status, standing) = t
        .call("GET", &format!("/api/v1/members/{}/loyalty", m.0), Some(&cashier), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{standing}");
    assert_eq!(standing["phone"], "138****5678");
    assert_eq!(standing["stored_value"]["principal_fen"], 50_000);
    assert_eq!(standing["stored_value"]["bonus_fen"], 5_000);
    assert_eq!(standing["stored_value"]["balance_fen"], 55_000);
    assert_eq!(standing["tier"]["code"], "normal");
    assert_eq!(standing["tier"]["points_multiplier_bp"], 10_000);
    assert_eq!(standing["next_tier"]["tier"]["code"], "silver");
    assert_eq!(standing["next_tier"]["spend_needed_fen"], 100_000);
    assert_eq!(standing["rolling_spend_fen"], 0);
    assert_eq!(standing["points"]["balance"], 0);

    let (status, points) = t
        .call("GET", &format!("/api/v1/members/{}/points", m.0), Some(&cashier), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{points}");
    assert_eq!(points["total"], 0);
}

async fn a_cashier_may_top_up_but_not_adjust_points_or_change_the_rules(t: TestApp) {
    let m = member(&t, t.a.org, "13812345678", None).await;
    let cashier = t.login("a_cashier").await;
    let manager = t.login("a_manager").await;
    let adjust = format!("/api/v1/members/{}/points/adjustments", m.0);
    let body = json!({"points": 300, "reason": "老客户回馈"});
    let (status, b) = t.call("POST", &adjust, Some(&cashier), Some(body.clone())).await;
    assert_eq!(refused(status, &b, StatusCode::FORBIDDEN).0, "forbidden");
    let (status, b) = t.call("POST", &adjust, Some(&manager), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    assert_eq!(b["balance_after"], 300);
    let (status, b) = t
        .call(
            "POST",
            &adjust,
            Some(&manager),
            Some(json!({"points": -500, "reason": "纠错"})),
        )
        .await;
    let (code, field) = refused(status, &b, StatusCode::CONFLICT);
    assert_eq!((code.as_str(), field.as_deref()), ("points_short", Some("points")));
    let (_, statement) = t
        .call("GET", &format!("/api/v1/members/{}/points", m.0), Some(&cashier), None)
        .await;
    assert_eq!(statement["total"], 1);
    assert_eq!(statement["items"][0]["kind"], "adjust");
    assert_eq!(statement["items"][0]["reason"], "老客户回馈");
    assert_eq!(statement["items"][0]["balance_after"], 300);
    let (_, audit) = t
        .call("GET", "/api/v1/audit-log?action=member.", Some(&manager), None)
        .await;
    assert_eq!(audit["total"], 1, "{audit}");

    // Rules: everyone who sees members reads them; only managers change them.
    let (status, settings) = t.call("GET", "/api/v1/loyalty/settings", Some(&cashier), None).await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings["points_per_yuan"], 100);
    assert_eq!(settings["tiers"].as_array().unwrap().len(), 4);
    let mut changed = settings.clone();
    changed["birthday_gift_points"] = json!(500);
    changed["top_up_rules"] = json!([{"min_paid_fen": 20_000, "bonus_fen": 3_000}]);
    let (status, b) = t
        .call("PUT", "/api/v1/loyalty/settings", Some(&cashier), Some(changed.clone()))
        .await;
    refused(status, &b, StatusCode::FORBIDDEN);
    let (status, b) = t
        .call("PUT", "/api/v1/loyalty/settings", Some(&manager), Some(changed))
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["birthday_gift_points"], 500);
    // The new top-up rule applies to the next top-up (by the cashier).
    let (status, top) = t
        .call(
            "POST",
            &format!("/api/v1/members/{}/top-ups", m.0),
            Some(&cashier),
            Some(json!({"paid_fen": 20_000, "tender": "cash"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{top}");
    assert_eq!(top["bonus_fen"], 3_000);

    for job in ["birthday-gifts", "expire-points"] {
        let path = format!("/api/v1/loyalty/jobs/{job}");
        let (status, b) = t.call("POST", &path, Some(&cashier), None).await;
        refused(status, &b, StatusCode::FORBIDDEN);
        let (status, b) = t.call("POST", &path, Some(&manager), None).await;
        assert_eq!(status, StatusCode::OK, "{job}: {b}");
    }
}

async fn another_organisations_member_is_404_everywhere(t: TestApp) {
    let theirs = member(&t, t.b.org, "13912345678", None).await;
    let manager = t.login("a_manager").await;
    let id = theirs.0;
    for path in [
        format!("/api/v1/members/{id}/loyalty"),
        format!("/api/v1/members/{id}/points"),
        format!("/api/v1/members/{id}/stored-value"),
        "/api/v1/members/lookup?q=13912345678".to_string(),
        format!("/api/v1/members/lookup?q=M{id:06}"),
        "/api/v1/members/999999/loyalty".to_string(),
    ] {
        let (status, b) = t.call("GET", &path, Some(&manager), None).await;
        assert_eq!(refused(status, &b, StatusCode::NOT_FOUND).0, "not_found", "{path}");
    }
    let (status, b) = t
        .call(
            "POST",
            &format!("/api/v1/members/{id}/top-ups"),
            Some(&manager),
            Some(json!({"paid_fen": 1_000, "tender": "cash"})),
        )
        .await;
    refused(status, &b, StatusCode::NOT_FOUND);
    let (status, b) = t
        .call(
            "POST",
            &format!("/api/v1/members/{id}/points/adjustments"),
            Some(&manager),
            Some(json!({"points": 10, "reason": "试试"})),
        )
        .await;
    refused(status, &b, StatusCode::NOT_FOUND);
    let bal = t.store.member_balance(t.b.org, theirs).await.unwrap();
    assert_eq!((bal.points, bal.principal_fen), (0, 0), "their member is untouched");
}

async fn bad_loyalty_input_names_the_field_in_both_languages(t: TestApp) {
    let m = member(&t, t.a.org, "13812345678", None).await;
    let manager = t.login("a_manager").await;
    let top_up = format!("/api/v1/members/{}/top-ups", m.0);
    let adjust = format!("/api/v1/members/{}/points/adjustments", m.0);
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        ("POST", &top_up, json!({"paid_fen": 0, "tender": "cash"}), "paid_fen"),
        (
            "POST",
            &top_up,
            json!({"paid_fen": 600_000, "tender": "cash"}),
            "paid_fen",
        ),
        ("POST", &top_up, json!({"paid_fen": 100, "tender": "bitcoin"}), "tender"),
        (
            "POST",
            &top_up,
            json!({"paid_fen": "ten", "tender": "cash"}),
            "paid_fen",
        ),
        (
            "POST",
            &top_up,
            json!({"paid_fen": 100, "tender": "cash", "bonus_fen": 99}),
            "bonus_fen",
        ),
        ("POST", &adjust, json!({"points": 0, "reason": "x"}), "points"),
        ("POST", &adjust, json!({"points": 5, "reason": "  "}), "reason"),
        ("POST", &adjust, json!({"points": 5}), "reason"),
    ];
    for (method, path, body, field) in cases {
        let (status, b) = t.call(method, path, Some(&manager), Some(body.clone())).await;
        assert!(status.is_client_error(), "{body} → {status}");
        assert_eq!(error_of(&b).1.as_deref(), Some(field), "{body}: {b}");
    }
    // Over the card limit after a top-up: a conflict naming the amount.
    let (status, b) = t
        .call(
            "POST",
            &top_up,
            Some(&manager),
            Some(json!({"paid_fen": 450_000, "tender": "cash"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let (status, b) = t
        .call(
            "POST",
            &top_up,
            Some(&manager),
            // 450 000 + 12 000 bonus + 40 000 is above the ¥5,000 a registered card may hold.
            Some(json!({"paid_fen": 40_000, "tender": "cash"})),
        )
        .await;
    let (code, field) = refused(status, &b, StatusCode::CONFLICT);
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("stored_value_limit", Some("paid_fen"))
    );

    let (_, settings) = t.call("GET", "/api/v1/loyalty/settings", Some(&manager), None).await;
    let mut bad_tier = settings.clone();
    bad_tier["tiers"][1]["discount_bp"] = json!(20_000);
    let mut unsorted = settings.clone();
    unsorted["tiers"][2]["min_spend_fen_12m"] = json!(1);
    let mut expiry = settings.clone();
    expiry["expiry_months"] = json!(0);
    let mut rounding = settings.clone();
    rounding["earn_rounding"] = json!("banker");
    let mut bonus = settings.clone();
    bonus["top_up_rules"] = json!([{"min_paid_fen": 100, "bonus_fen": 500}]);
    for (body, field) in [
        (bad_tier, "tiers[1].discount_bp"),
        (unsorted, "tiers[2].min_spend_fen_12m"),
        (expiry, "expiry_months"),
        (rounding, "earn_rounding"),
        (bonus, "top_up_rules"),
    ] {
        let (status, b) = t
            .call("PUT", "/api/v1/loyalty/settings", Some(&manager), Some(body))
            .await;
        let (_, got) = refused(status, &b, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(got.as_deref(), Some(field), "{b}");
    }
    // A refused change wrote nothing.
    let (_, now) = t.call("GET", "/api/v1/loyalty/settings", Some(&manager), None).await;
    assert_eq!(now, settings);
    let (status, b) = t
        .call(
            "GET",
            &format!("/api/v1/members/{}/points?page_size=500", m.0),
            Some(&manager),
            None,
        )
        .await;
    assert_eq!(
        refused(status, &b, StatusCode::UNPROCESSABLE_ENTITY).1.as_deref(),
        Some("page_size")
    );
}

async fn the_birthday_gift_job_issues_each_gift_once(t: TestApp) {
    // NOW is Wednesday 2026-11-25: the birthday week is 23–29 November.
    let m = member(&t, t.a.org, "13812345678", Some("1990-11-27")).await;
    member(&t, t.a.org, "13812345679", Some("1990-12-27")).await;
    let manager = t.login("a_manager").await;
    let (status, run) = t
        .call("POST", "/api/v1/loyalty/jobs/birthday-gifts", Some(&manager), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!((&run["issued"], &run["points"]), (&json!(1), &json!(200)));
    let (_, run) = t
        .call("POST", "/api/v1/loyalty/jobs/birthday-gifts", Some(&manager), None)
        .await;
    assert_eq!(run["issued"], 0, "the second run finds the gift issued");
    let (_, standing) = t
        .call("GET", &format!("/api/v1/members/{}/loyalty", m.0), Some(&manager), None)
        .await;
    assert_eq!(standing["points"]["balance"], 200);
    assert_eq!(standing["points"]["available"], 200);
    assert_eq!(standing["points"]["value_fen"], 200);
    let (status, run) = t
        .call("POST", "/api/v1/loyalty/jobs/expire-points", Some(&manager), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["points"], 0, "a birthday gift never lapses");
}

async fn loyalty_routes_are_documented_under_their_own_tag(t: TestApp) {
    let (status, doc) = t.call("GET", "/api/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let tags = doc["tags"].as_array().unwrap();
    assert!(tags.iter().any(|tag| tag["name"] == "loyalty"), "{tags:?}");
    let paths = doc["paths"].as_object().unwrap();
    let mut ops = 0;
    for (path, methods) in [
        ("/api/v1/members/lookup", &["get"][..]),
        ("/api/v1/members/{id}/loyalty", &["get"]),
        ("/api/v1/members/{id}/points", &["get"]),
        ("/api/v1/members/{id}/stored-value", &["get"]),
        ("/api/v1/members/{id}/top-ups", &["post"]),
        ("/api/v1/members/{id}/points/adjustments", &["post"]),
        ("/api/v1/loyalty/settings", &["get", "put"]),
        ("/api/v1/loyalty/jobs/birthday-gifts", &["post"]),
        ("/api/v1/loyalty/jobs/expire-points", &["post"]),
    ] {
        for m in methods {
            let op = &paths[path][*m];
            assert_eq!(op["tags"], json!(["loyalty"]), "{m} {path}");
            assert!(op["responses"]["404"].is_object(), "{m} {path} documents the errors");
            if *m != "get" {
                let keyed = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
                assert!(keyed, "{m} {path} documents Idempotency-Key");
            }
            ops += 1;
        }
    }
    let tagged = paths
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter(|op| op["tags"].as_array().is_some_and(|t| t.iter().any(|x| x == "loyalty")))
        .count();
    assert_eq!(tagged, ops, "the loyalty tag is on these operations and no others");
}

async fn the_console_member_page_shows_tier_balances_and_statements(t: TestApp) {
    let m = member(&t, t.a.org, "13812345678", None).await;
    let theirs = member(&t, t.b.org, "13912345678", None).await;
    let manager = t.login("a_manager").await;
    let (status, b) = t
        .call(
            "POST",
            &format!("/api/v1/members/{}/top-ups", m.0),
            Some(&manager),
            Some(json!({"paid_fen": 50_000, "tender": "cash"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let (status, b) = t
        .call(
            "POST",
            &format!("/api/v1/members/{}/points/adjustments", m.0),
            Some(&manager),
            Some(json!({"points": 321, "reason": "老客户回馈"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let (status, html) = console_page(&t, &manager, &format!("/members/{}", m.0), "zh").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for text in [
        "M0000",
        "138****5678",
        "普通会员",
        "¥550.00",
        "¥500.00",
        "¥50.00",
        "321",
        "老客户回馈",
        "充值",
        "现金",
        "人工调整",
    ] {
        assert!(html.contains(text), "{text} on the member page");
    }
    assert!(!html.contains("13812345678"), "the phone stays masked");
    let (status, html) = console_page(&t, &manager, &format!("/members/{}", m.0), "en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Stored value") && html.contains("Top-up"), "English page");
    let (status, _) = console_page(&t, &manager, &format!("/members/{}", theirs.0), "zh").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another organisation's member");
    let (status, html) = console_page(&t, &manager, "/members", "zh").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("href=\"/members/{}\"", m.0)),
        "the list links to the page"
    );
}
