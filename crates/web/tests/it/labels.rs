//! Electronic shelf labels through the API and the console: a price change reaches its
//! labels with a new version the simulator acknowledges, the drift audit, weighed goods,
//! promotions, live events, tenancy and bad input.

use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::time::Duration;
use tower::ServiceExt;

on_both_backends!(labels:
    a_price_change_bumps_the_version_and_the_simulator_acknowledges_it,
    drift_lists_an_offline_label_until_it_acknowledges,
    weighed_goods_show_the_price_per_500g_rounded_half_up,
    a_running_promotion_is_on_the_label_with_the_till_price,
    unbinding_blanks_the_label_and_binding_again_goes_on_counting,
    events_stream_the_changes_of_ones_own_organisation,
    the_sweep_keeps_every_organisation_in_step_and_retries_when_due,
    another_orgs_labels_are_not_found,
    bad_input_is_named_in_both_languages,
    console_page_shows_simulated_tiles_and_drift,
);

async fn bind(t: &TestApp, token: &str, code: &str, product: i64) -> Value {
    let (status, out) = t
        .call(
            "POST",
            "/api/v1/labels",
            Some(token),
            Some(json!({"code": code, "product_id": product, "location": "A1-01 冷柜"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    out
}

async fn label(t: &TestApp, token: &str, id: i64) -> Value {
    let (status, out) = t.call("GET", &format!("/api/v1/labels/{id}"), Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    out
}

async fn set_price(t: &TestApp, token: &str, product: i64, price_fen: i64) {
    let (status, out) = t
        .call(
            "POST",
            &format!("/api/v1/products/{product}/price"),
            Some(token),
            Some(json!({"price_fen": price_fen})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
}

async fn drift_codes(t: &TestApp, token: &str) -> Vec<String> {
    let (status, out) = t.call("GET", "/api/v1/labels/drift", Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(
        out["total"].as_i64().unwrap() as usize,
        out["items"].as_array().unwrap().len()
    );
    out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap().to_string())
        .collect()
}

async fn a_price_change_bumps_the_version_and_the_simulator_acknowledges_it(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = t.product(&owner, "M1", "纯牛奶", json!({"price_fen": 500})).await;
    let l = bind(&t, &owner, "ESL-0001", milk).await;
    let id = l["id"].as_i64().unwrap();
    assert_eq!((l["version"].as_i64(), l["acked_version"].as_i64()), (Some(1), Some(1)));
    assert_eq!(l["shown"]["name_zh"], "纯牛奶");
    assert_eq!(l["shown"]["price_fen"], 500);
    assert_eq!(l["shown"]["unit_price_fen"], 500);
    assert_eq!(l["shown"]["unit_price_per"], "瓶");
    assert_eq!(
        (l["shown_price_fen"].as_i64(), l["till_price_fen"].as_i64()),
        (Some(500), Some(500))
    );
    assert_eq!(l["drift"], json!([]));
    assert_eq!(l["location"], "A1-01 冷柜");
    assert_eq!(l["push_error"], "");

    set_price(&t, &owner, milk, 450).await;
    let l = label(&t, &owner, id).await;
    assert_eq!((l["version"].as_i64(), l["acked_version"].as_i64()), (Some(2), Some(2)));
    assert_eq!(l["face"]["price_fen"], 450);
    assert_eq!(l["shown"]["price_fen"], 450);
    assert_eq!(l["shown_price_fen"], 450);
    assert_eq!(l["acked_at"], NOW);

    // The same price again is no new content: no new version.
    set_price(&t, &owner, milk, 450).await;
    assert_eq!(label(&t, &owner, id).await["version"], 2);
    // A name change through the product edit reaches the label too.
    let (status, p) = t
        .call(
            "PUT",
            &format!("/api/v1/products/{milk}"),
            Some(&owner),
            Some(json!({"sku": "M1", "name_zh": "鲜牛奶", "unit": "瓶", "price_fen": 450, "shelf_life_days": 7})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let l = label(&t, &owner, id).await;
    assert_eq!(
        (l["version"].as_i64(), l["shown"]["name_zh"].as_str()),
        (Some(3), Some("鲜牛奶"))
    );

    // Pushing now changes nothing when every label is in step.
    let (status, r) = t.call("POST", "/api/v1/labels/sync", Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        (
            r["labels"].as_i64(),
            r["staged"].as_i64(),
            r["pushed"].as_i64(),
            r["driver"].as_str()
        ),
        (Some(1), Some(0), Some(0), Some("simulator"))
    );
    let (_, list) = t
        .call("GET", &format!("/api/v1/labels?product_id={milk}"), Some(&owner), None)
        .await;
    assert_eq!(
        (list["total"].as_i64(), list["items"][0]["id"].as_i64()),
        (Some(1), Some(id))
    );
}

async fn drift_lists_an_offline_label_until_it_acknowledges(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = t.product(&owner, "M1", "纯牛奶", json!({"price_fen": 500})).await;
    let a = bind(&t, &owner, "ESL-0001", milk).await["id"].as_i64().unwrap();
    let b = bind(&t, &owner, "ESL-0002", milk).await["id"].as_i64().unwrap();
    let c = bind(&t, &owner, "ESL-0003", milk).await["id"].as_i64().unwrap();
    assert!(drift_codes(&t, &owner).await.is_empty());

    for id in [a, b] {
        let (status, out) = t
            .call(
                "POST",
                &format!("/api/v1/labels/{id}/simulate"),
                Some(&owner),
                Some(json!({"offline": true})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{out}");
    }
    set_price(&t, &owner, milk, 450).await;
    let l = label(&t, &owner, a).await;
    assert_eq!((l["version"].as_i64(), l["acked_version"].as_i64()), (Some(2), Some(1)));
    assert!(l["push_error"].as_str().unwrap().contains("offline"), "{l}");
    assert_eq!(
        l["shown"]["price_fen"], 500,
        "the offline label still shows the old price"
    );
    assert_eq!(
        (l["shown_price_fen"].as_i64(), l["till_price_fen"].as_i64()),
        (Some(500), Some(450))
    );
    assert_eq!(l["drift"], json!(["price_differs"]));
    assert_eq!(label(&t, &owner, c).await["drift"], json!([]));
    assert_eq!(drift_codes(&t, &owner).await, ["ESL-0001", "ESL-0002"]);
    let (_, only) = t
        .call("GET", "/api/v1/labels?drifted=true&page_size=1", Some(&owner), None)
        .await;
    assert_eq!(
        (only["total"].as_i64(), only["items"][0]["code"].as_str()),
        (Some(2), Some("ESL-0001"))
    );

    // Past the grace period the missing acknowledgement counts as well.
    t.clock.advance(11_000);
    assert_eq!(
        label(&t, &owner, a).await["drift"],
        json!(["price_differs", "ack_overdue"])
    );

    // Its gateway reports the label shows version 2 now: it leaves the audit.
    let (status, out) = t
        .call(
            "POST",
            &format!("/api/v1/labels/{a}/ack"),
            Some(&owner),
            Some(json!({"version": 2, "shown_price_fen": 450})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["outcome"], "recorded");
    assert_eq!(out["label"]["drift"], json!([]));
    assert_eq!(out["label"]["push_error"], "");
    // The same ack again changes nothing; an older one cannot undo it.
    let (_, again) = t
        .call(
            "POST",
            &format!("/api/v1/labels/{a}/ack"),
            Some(&owner),
            Some(json!({"version": 1, "shown_price_fen": 500})),
        )
        .await;
    assert_eq!(again["outcome"], "already_acked");
    assert_eq!(again["label"]["shown_price_fen"], 450);
    assert_eq!(drift_codes(&t, &owner).await, ["ESL-0002"]);

    // The other comes back online: it is pushed at once and acknowledges.
    let (status, out) = t
        .call(
            "POST",
            &format!("/api/v1/labels/{b}/simulate"),
            Some(&owner),
            Some(json!({"offline": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(
        (out["acked_version"].as_i64(), out["shown_price_fen"].as_i64()),
        (Some(2), Some(450))
    );
    assert!(drift_codes(&t, &owner).await.is_empty());
}

async fn weighed_goods_show_the_price_per_500g_rounded_half_up(t: TestApp) {
    let owner = t.login("a_owner").await;
    let apples = t
        .product(&owner, "AP1", "红富士苹果", json!({"unit": "kg", "price_fen": 1299}))
        .await;
    let l = bind(&t, &owner, "ESL-0100", apples).await;
    let id = l["id"].as_i64().unwrap();
    // ¥12.99/kg → 649.5 fen per 500 g → ¥6.50 (四舍五入).
    assert_eq!(l["shown"]["unit_kind"], "weight");
    assert_eq!(l["shown"]["price_fen"], 1299);
    assert_eq!(l["shown"]["unit_price_fen"], 650);
    assert_eq!(l["shown"]["unit_price_per"], "500g");
    for (per_kg, per_500g) in [(1297, 649), (1298, 649), (1, 1), (2, 1), (0, 0), (1_000_001, 500_001)] {
        set_price(&t, &owner, apples, per_kg).await;
        let l = label(&t, &owner, id).await;
        assert_eq!(
            (l["shown"]["price_fen"].as_i64(), l["shown"]["unit_price_fen"].as_i64()),
            (Some(per_kg), Some(per_500g)),
            "{per_kg} fen per kg"
        );
    }
}

async fn a_running_promotion_is_on_the_label_with_the_till_price(t: TestApp) {
    let owner = t.login("a_owner").await;
    let eggs = t.product(&owner, "E1", "土鸡蛋", json!({"price_fen": 1590})).await;
    let bread = t.product(&owner, "B1", "面包", json!({"price_fen": 800})).await;
    let egg_label = bind(&t, &owner, "ESL-0001", eggs).await["id"].as_i64().unwrap();
    let bread_label = bind(&t, &owner, "ESL-0002", bread).await["id"].as_i64().unwrap();
    let hour = 3_600_000;
    let mut ids = Vec::new();
    for body in [
        json!({"name_zh": "鸡蛋秒杀", "kind": "flash_sale", "product_id": eggs, "price_fen": 990,
               "cap_per_order": 2, "flash_cap": 50, "starts_at": NOW, "ends_at": NOW + hour}),
        json!({"name_zh": "面包买二赠一", "kind": "buy_x_get_y", "product_id": bread, "buy": 2, "free": 1,
               "starts_at": NOW + hour, "ends_at": NOW + 2 * hour}),
    ] {
        let (status, out) = t.call("POST", "/api/v1/promotions", Some(&owner), Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
        ids.push(out["id"].as_i64().unwrap());
    }
    // A promotion running when it is created reaches its labels with the request, not at
    // the next sweep: the label shows what the till charges.
    let l = label(&t, &owner, egg_label).await;
    assert_eq!(l["version"], 2);
    assert_eq!(l["shown"]["price_fen"], 990);
    assert_eq!(l["shown"]["regular_price_fen"], 1590);
    assert_eq!(l["shown"]["promo_zh"], "秒杀 ¥9.90");
    assert_eq!(l["drift"], json!([]));
    let (_, r) = t.call("POST", "/api/v1/labels/sync", Some(&owner), None).await;
    assert_eq!((r["staged"].as_i64(), r["acked"].as_i64()), (Some(0), Some(0)), "{r}");
    assert_eq!(
        label(&t, &owner, bread_label).await["shown"]["promo_zh"],
        "",
        "not running yet"
    );

    // An hour later the flash sale is over and 买二赠一 runs (the single-unit price stays).
    t.clock.advance(hour);
    let (_, r) = t.call("POST", "/api/v1/labels/sync", Some(&owner), None).await;
    assert_eq!(r["staged"], 2, "{r}");
    let l = label(&t, &owner, egg_label).await;
    assert_eq!(
        (l["shown"]["price_fen"].as_i64(), l["shown"]["promo_zh"].as_str()),
        (Some(1590), Some(""))
    );
    let l = label(&t, &owner, bread_label).await;
    assert_eq!(
        (l["shown"]["price_fen"].as_i64(), l["shown"]["promo_zh"].as_str()),
        (Some(800), Some("买2赠1"))
    );

    // Ended by hand: its label drops it with the request.
    let (status, out) = t
        .call(
            "POST",
            &format!("/api/v1/promotions/{}/end", ids[1]),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let l = label(&t, &owner, bread_label).await;
    assert_eq!(l["shown"]["promo_zh"], "");
    assert_eq!(l["drift"], json!([]));
}

async fn unbinding_blanks_the_label_and_binding_again_goes_on_counting(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = t.product(&owner, "M1", "纯牛奶", json!({"price_fen": 500})).await;
    let tea = t.product(&owner, "T1", "乌龙茶", json!({"price_fen": 350})).await;
    let id = bind(&t, &owner, "ESL-0001", milk).await["id"].as_i64().unwrap();
    let (status, out) = t
        .call("DELETE", &format!("/api/v1/labels/{id}"), Some(&owner), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["product_id"], Value::Null);
    assert_eq!(
        (out["version"].as_i64(), out["acked_version"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(out["shown"]["name_zh"], "");
    assert_eq!(out["shown_price_fen"], 0);
    assert_eq!(out["drift"], json!([]));
    // A price change of the old product no longer reaches it.
    set_price(&t, &owner, milk, 520).await;
    assert_eq!(label(&t, &owner, id).await["version"], 2);

    let again = bind(&t, &owner, "ESL-0001", tea).await;
    assert_eq!(again["id"], id, "the same device");
    assert_eq!(
        (again["version"].as_i64(), again["shown"]["name_zh"].as_str()),
        (Some(3), Some("乌龙茶"))
    );
    let (status, out) = t
        .call(
            "POST",
            "/api/v1/labels",
            Some(&owner),
            Some(json!({"code": "ESL-0001", "product_id": milk})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_of(&out), ("label_bound".to_string(), Some("code".to_string())));
}

/// Reads the event stream until a `label` event arrives (or the wait runs out).
async fn next_label_event(body: &mut Body, within: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + within;
    let mut text = String::new();
    loop {
        let frame = tokio::time::timeout_at(deadline, body.frame()).await.ok()??.ok()?;
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
        while let Some(end) = text.find("\n\n") {
            let event: String = text.drain(..end + 2).collect();
            if event.lines().any(|l| l == "event: label") {
                let data: String = event
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect::<Vec<_>>()
                    .join("\n");
                return serde_json::from_str(&data).ok();
            }
        }
    }
}

async fn events_stream_the_changes_of_ones_own_organisation(t: TestApp) {
    let owner = t.login("a_owner").await;
    let other = t.login("b_owner").await;
    let milk = t.product(&owner, "M1", "纯牛奶", json!({"price_fen": 500})).await;
    let b_milk = t.product(&other, "M1", "纯牛奶", json!({"price_fen": 500})).await;
    let id = bind(&t, &owner, "ESL-0001", milk).await["id"].as_i64().unwrap();
    bind(&t, &other, "ESL-0001", b_milk).await;

    let req = Request::get("/api/v1/labels/events")
        .header(header::AUTHORIZATION, format!("Bearer {owner}"))
        .body(Body::empty())
        .unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(ct.starts_with("text/event-stream"), "{ct}");
    let mut body = resp.into_body();

    // Org b's change comes first but is not org a's business.
    set_price(&t, &other, b_milk, 100).await;
    set_price(&t, &owner, milk, 420).await;
    let event = next_label_event(&mut body, Duration::from_secs(5))
        .await
        .expect("a label event within 5 s");
    assert_eq!(event["id"], id);
    assert_eq!(event["version"], 2);
    assert_eq!(event["acked_version"], 2);
    assert_eq!(event["shown"]["price_fen"], 420);
    assert!(
        next_label_event(&mut body, Duration::from_millis(300)).await.is_none(),
        "one change, one event"
    );

    // Without a session there is no stream.
    let (status, out) = t.call("GET", "/api/v1/labels/events", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{out}");
}

async fn the_sweep_keeps_every_organisation_in_step_and_retries_when_due(t: TestApp) {
    let owner = t.login("a_owner").await;
    let other = t.login("b_owner").await;
    let milk = t.product(&owner, "M1", "纯牛奶", json!({"price_fen": 500})).await;
    let b_eggs = t.product(&other, "E1", "土鸡蛋", json!({"price_fen": 1590})).await;
    let a_label = bind(&t, &owner, "ESL-0001", milk).await["id"].as_i64().unwrap();
    let b_label = bind(&t, &other, "ESL-0001", b_eggs).await["id"].as_i64().unwrap();
    // Org a's label is offline when its price changes; org b's flash sale opens a second
    // later (one running when created would reach its label with the request).
    let (status, _) = t
        .call(
            "POST",
            &format!("/api/v1/labels/{a_label}/simulate"),
            Some(&owner),
            Some(json!({"offline": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    set_price(&t, &owner, milk, 450).await;
    let (status, out) = t
        .call(
            "POST",
            "/api/v1/promotions",
            Some(&other),
            Some(
                json!({"name_zh": "秒杀", "kind": "flash_sale", "product_id": b_eggs, "price_fen": 990,
                        "cap_per_order": 1, "flash_cap": 10, "starts_at": NOW + 1_000, "ends_at": NOW + 3_600_000}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(
        label(&t, &other, b_label).await["shown"]["price_fen"],
        1590,
        "not open yet"
    );

    // The server's sweep (here run by hand on the same database, with a simulator whose
    // labels are all online) once the flash sale is open.
    let sweeper = linli_app::App::new(t.store.clone(), t.clock.clone());
    let r = sweeper.sync_labels(NOW + 1_000).await.unwrap();
    assert_eq!((r.labels, r.staged, r.pushed, r.acked), (2, 1, 1, 1), "{r:?}");
    assert_eq!(label(&t, &other, b_label).await["shown"]["price_fen"], 990);
    let a = label(&t, &owner, a_label).await;
    assert_eq!(
        (a["version"].as_i64(), a["acked_version"].as_i64()),
        (Some(2), Some(1)),
        "tried a moment ago"
    );
    // Once the retry is due, the label is pushed again and acknowledges.
    let later = NOW + linli_app::labels::LABEL_RETRY_MS;
    t.clock.advance(linli_app::labels::LABEL_RETRY_MS);
    let r = sweeper.sync_labels(later).await.unwrap();
    assert_eq!((r.staged, r.pushed, r.acked, r.failed), (0, 1, 1, 0), "{r:?}");
    let a = label(&t, &owner, a_label).await;
    assert_eq!(
        (a["acked_version"].as_i64(), a["shown_price_fen"].as_i64()),
        (Some(2), Some(450))
    );
    assert_eq!(a["drift"], json!([]));
    // In step: the next sweep does nothing.
    let r = sweeper.sync_labels(later + 1_000).await.unwrap();
    assert_eq!((r.labels, r.staged, r.pushed), (2, 0, 0), "{r:?}");
}

async fn another_orgs_labels_are_not_found(t: TestApp) {
    let owner = t.login("a_owner").await;
    let other = t.login("b_owner").await;
    let milk = t.product(&owner, "M1", "纯牛奶", json!({"price_fen": 500})).await;
    let id = bind(&t, &owner, "ESL-0001", milk).await["id"].as_i64().unwrap();

    for (method, path, body) in [
        ("GET", format!("/api/v1/labels/{id}"), None),
        ("DELETE", format!("/api/v1/labels/{id}"), None),
        (
            "POST",
            format!("/api/v1/labels/{id}/ack"),
            Some(json!({"version": 1, "shown_price_fen": 1})),
        ),
        (
            "POST",
            format!("/api/v1/labels/{id}/simulate"),
            Some(json!({"offline": true})),
        ),
    ] {
        let (status, out) = t.call(method, &path, Some(&other), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {out}");
        assert_eq!(error_of(&out).0, "not_found");
    }
    let (_, list) = t.call("GET", "/api/v1/labels", Some(&other), None).await;
    assert_eq!(list["total"], 0);
    assert!(drift_codes(&t, &other).await.is_empty());
    let (_, r) = t.call("POST", "/api/v1/labels/sync", Some(&other), None).await;
    assert_eq!(r["labels"], 0);
    // Binding org a's product from org b names the product as unknown.
    let (status, out) = t
        .call(
            "POST",
            "/api/v1/labels",
            Some(&other),
            Some(json!({"code": "ESL-0001", "product_id": milk})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    assert_eq!(error_of(&out).1.as_deref(), Some("product_id"));
    // Nothing of org a changed.
    let l = label(&t, &owner, id).await;
    assert_eq!((l["version"].as_i64(), l["product_id"].as_i64()), (Some(1), Some(milk)));
}

async fn bad_input_is_named_in_both_languages(t: TestApp) {
    let owner = t.login("a_owner").await;
    let cashier = t.login("a_cashier").await;
    let milk = t.product(&owner, "M1", "纯牛奶", json!({"price_fen": 500})).await;
    let id = bind(&t, &owner, "ESL-0001", milk).await["id"].as_i64().unwrap();
    let long = "长".repeat(41);
    let cases: Vec<(&str, String, Value, StatusCode, &str, &str)> = vec![
        (
            "POST",
            "/api/v1/labels".into(),
            json!({"code": "", "product_id": milk}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "code",
            "价签编码",
        ),
        (
            "POST",
            "/api/v1/labels".into(),
            json!({"code": "ESL 1", "product_id": milk}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "code",
            "价签编码",
        ),
        (
            "POST",
            "/api/v1/labels".into(),
            json!({"code": "E".repeat(33), "product_id": milk}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "code",
            "价签编码",
        ),
        (
            "POST",
            "/api/v1/labels".into(),
            json!({"code": "ESL-9", "product_id": milk, "location": long}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "location",
            "40",
        ),
        (
            "POST",
            "/api/v1/labels".into(),
            json!({"code": "ESL-9", "product_id": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "product_id",
            "商品不存在",
        ),
        (
            "POST",
            "/api/v1/labels".into(),
            json!({"code": "ESL-9", "product_id": 99_999_999}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "product_id",
            "商品不存在",
        ),
        (
            "POST",
            "/api/v1/labels".into(),
            json!({"code": "ESL-9", "product_id": milk, "store_id": 99_999_999}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "store_id",
            "门店不存在",
        ),
        (
            "POST",
            "/api/v1/labels".into(),
            json!({"code": "ESL-9"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "product_id",
            "缺少字段",
        ),
        (
            "POST",
            "/api/v1/labels".into(),
            json!({"code": "ESL-9", "product_id": milk, "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "colour",
            "未知字段",
        ),
        (
            "POST",
            "/api/v1/labels".into(),
            json!({"code": "ESL-0001", "product_id": milk}),
            StatusCode::CONFLICT,
            "code",
            "已绑定",
        ),
        (
            "POST",
            format!("/api/v1/labels/{id}/ack"),
            json!({"version": 0, "shown_price_fen": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "version",
            "版本",
        ),
        (
            "POST",
            format!("/api/v1/labels/{id}/ack"),
            json!({"version": 7, "shown_price_fen": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "version",
            "版本",
        ),
        (
            "POST",
            format!("/api/v1/labels/{id}/ack"),
            json!({"version": 1, "shown_price_fen": -1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "shown_price_fen",
            "显示价格",
        ),
        (
            "POST",
            format!("/api/v1/labels/{id}/ack"),
            json!({"version": "one", "shown_price_fen": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "version",
            "字段",
        ),
        (
            "POST",
            format!("/api/v1/labels/{id}/simulate"),
            json!({"offline": "yes"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "offline",
            "字段",
        ),
    ];
    for (method, path, body, status, field, zh) in cases {
        let (got, out) = t.call(method, &path, Some(&owner), Some(body.clone())).await;
        assert_eq!(got, status, "{path} {body}: {out}");
        assert_eq!(error_of(&out).1.as_deref(), Some(field), "{path} {body}: {out}");
        let message_zh = out["error"]["message_zh"].as_str().unwrap();
        assert!(message_zh.contains(zh), "{path} {body}: {message_zh}");
    }
    for path in [
        "/api/v1/labels?drifted=maybe",
        "/api/v1/labels?page_size=500",
        "/api/v1/labels?colour=1",
    ] {
        let (status, out) = t.call("GET", path, Some(&owner), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {out}");
        assert!(error_of(&out).1.is_some(), "{path}: {out}");
    }
    // A cashier reads labels and the audit but changes nothing.
    let (status, _) = t.call("GET", "/api/v1/labels", Some(&cashier), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t.call("GET", "/api/v1/labels/drift", Some(&cashier), None).await;
    assert_eq!(status, StatusCode::OK);
    for (method, path, body) in [
        (
            "POST",
            "/api/v1/labels".to_string(),
            Some(json!({"code": "ESL-2", "product_id": milk})),
        ),
        ("DELETE", format!("/api/v1/labels/{id}"), None),
        (
            "POST",
            format!("/api/v1/labels/{id}/ack"),
            Some(json!({"version": 1, "shown_price_fen": 1})),
        ),
        (
            "POST",
            format!("/api/v1/labels/{id}/simulate"),
            Some(json!({"offline": true})),
        ),
        ("POST", "/api/v1/labels/sync".to_string(), None),
    ] {
        let (status, out) = t.call(method, &path, Some(&cashier), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {out}");
    }
    // Nothing above changed the label.
    let l = label(&t, &owner, id).await;
    assert_eq!(
        (
            l["version"].as_i64(),
            l["acked_version"].as_i64(),
            l["product_id"].as_i64()
        ),
        (Some(1), Some(1), Some(milk))
    );
    let (_, all) = t.call("GET", "/api/v1/labels", Some(&owner), None).await;
    assert_eq!(all["total"], 1);
}

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

async fn console_page_shows_simulated_tiles_and_drift(t: TestApp) {
    let token = t.login("a_owner").await;
    let milk = t.product(&token, "MILK1", "纯牛奶", json!({"price_fen": 500})).await;
    t.product(&token, "APPLE1", "红富士苹果", json!({"unit": "kg", "price_fen": 1299}))
        .await;
    let owner = browser(&t, "a_owner").await;

    let (status, html) = page(&t, &owner, "/labels").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("模拟价签") && html.contains("内置模拟器"),
        "says the labels are simulated"
    );
    assert!(html.contains("还没有价签"), "empty state");
    assert!(html.contains("href=\"/labels\""), "电子价签 is in the navigation");

    // Binding through the form: a mistake first, then right.
    let (status, _, html) = submit(
        &t,
        &owner,
        "/labels",
        &[("code", "ESL 1"), ("sku", "MILK1"), ("location", "")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("价签编码须为"), "the error shows on the form");
    assert!(html.contains("value=\"ESL 1\""), "what was typed is kept");
    let (status, _, html) = submit(
        &t,
        &owner,
        "/labels",
        &[("code", "ESL-1"), ("sku", "NOPE"), ("location", "")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("没有该编码的商品"));
    for (code, sku) in [("ESL-1", "MILK1"), ("ESL-2", "APPLE1")] {
        let (status, location, _) = submit(
            &t,
            &owner,
            "/labels",
            &[("code", code), ("sku", sku), ("location", "A1")],
        )
        .await;
        assert_eq!(
            (status, location.as_str()),
            (StatusCode::SEE_OTHER, "/labels?done=bound")
        );
    }
    let (_, html) = page(&t, &owner, "/labels?done=bound").await;
    assert!(html.contains("价签已绑定"));
    assert!(
        html.contains("ESL-1") && html.contains("¥5.00") && html.contains("单价 ¥5.00/瓶"),
        "the milk tile"
    );
    assert!(
        html.contains("¥12.99") && html.contains("每500g ¥6.50"),
        "the apple tile"
    );
    assert!(html.contains("所有价签都与收银价一致"));

    // Take the milk label offline and change the price: the tile keeps the old price and the audit lists it.
    let (_, list) = t
        .call("GET", &format!("/api/v1/labels?product_id={milk}"), Some(&token), None)
        .await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (status, location, _) = submit(&t, &owner, &format!("/labels/{id}/simulate"), &[("offline", "1")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/labels?done=simulated"), "{location}");
    set_price(&t, &token, milk, 480).await;
    let (_, html) = page(&t, &owner, "/labels").await;
    assert!(html.contains("恢复在线"), "the offline tile offers to come back");
    assert!(html.contains("未送达"), "not delivered");
    assert!(
        html.contains("价格不一致") && html.contains("¥4.80"),
        "the drift audit row"
    );
    let (status, location, _) = submit(&t, &owner, &format!("/labels/{id}/simulate"), &[("offline", "0")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (status, location, _) = submit(&t, &owner, "/labels/sync", &[]).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/labels?done=sync&pushed=0&failed=0")
    );
    let (_, html) = page(&t, &owner, "/labels").await;
    assert!(html.contains("所有价签都与收银价一致") && html.contains("单价 ¥4.80/瓶"));

    // A cashier sees the tiles but no switches; a missing CSRF token is refused.
    let cashier = browser(&t, "a_cashier").await;
    let (status, html) = page(&t, &cashier, "/labels").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("ESL-1") && !html.contains("模拟断开") && !html.contains("/labels/sync"));
    let (status, _, _) = submit(&t, &cashier, "/labels/sync", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let no_csrf = Browser {
        cookie: owner.cookie.clone(),
        csrf: "wrong".into(),
    };
    let (status, _, _) = submit(&t, &no_csrf, "/labels/sync", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
