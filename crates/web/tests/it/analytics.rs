//! 数据中心 over HTTP: the bought-together job runs on demand from the store's completed
//! sales, its runs are listed, and what it found is shown to staff and residents of the
//! same organisation only.

use crate::orders::resident;
use crate::support::*;
use axum::http::StatusCode;
use linli_domain::ids::ProductId;
use linli_store::ReceiveLine;
use serde_json::json;

on_both_backends!(analytics:
    bought_together_comes_from_completed_sales_and_stays_in_the_organisation,
    orders_land_on_the_h3_cells_of_their_buildings,
);

async fn bought_together_comes_from_completed_sales_and_stays_in_the_organisation(t: TestApp) {
    let owner = t.login("a_owner").await;
    let milk = t.product(&owner, "M1", "牛奶", json!({"price_fen": 500})).await;
    let bread = t.product(&owner, "B1", "面包", json!({"price_fen": 800})).await;
    let eggs = t.product(&owner, "E1", "鸡蛋", json!({"price_fen": 1200})).await;
    let lines: Vec<ReceiveLine> = [milk, bread, eggs]
        .iter()
        .map(|p| ReceiveLine {
            product: ProductId(*p),
            lot_code: "L1".into(),
            expires_at: None,
            qty: 100,
            unit_cost_fen: None,
        })
        .collect();
    t.store
        .receive(t.a.org, t.a.floor, None, None, &lines, "", None, NOW)
        .await
        .unwrap()
        .unwrap();
    let cashier = t.login("a_cashier").await;
    let mut k = 0;
    let mut sell = async |products: &[i64]| {
        k += 1;
        let lines: Vec<_> = products.iter().map(|p| json!({"product_id": p, "qty": 1})).collect();
        let (status, body) = t
            .call_with(
                "POST",
                "/api/v1/sales",
                Some(&cashier),
                Some(json!({"location_id": t.a.floor.0, "lines": lines,
                            "payments": [{"tender": "cash", "amount_fen": 10_000}]})),
                &[("idempotency-key", &format!("bt-{k}"))],
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    };
    for _ in 0..4 {
        sell(&[milk, bread]).await;
    }
    for _ in 0..3 {
        sell(&[eggs]).await;
    }
    sell(&[milk, eggs]).await;

    // When the store sells: 8 orders, all at NOW, in one cell; one category row.
    let (status, heat) = t.call("GET", "/api/v1/analytics/heat-maps", Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK, "{heat}");
    let cells: Vec<i64> = heat["orders"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()))
        .collect();
    assert_eq!(
        (
            cells.len(),
            cells.iter().sum::<i64>(),
            cells.iter().filter(|c| **c > 0).count()
        ),
        (168, 8, 1)
    );
    assert_eq!(heat["categories"].as_array().unwrap().len(), 1);
    assert_eq!(
        heat["categories"][0]["takings_fen"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .sum::<i64>(),
        4 * 1300 + 3 * 1200 + 1700
    );
    assert_eq!(
        t.call("GET", "/api/v1/analytics/heat-maps", Some(&cashier), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // Member segments: these sales had no member, so nobody to sort; the run is recorded.
    let (status, body) = t
        .call("POST", "/api/v1/analytics/jobs/member_segments/run", Some(&owner), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["baskets"], 0);
    let (status, sizes) = t.call("GET", "/api/v1/analytics/segments", Some(&owner), None).await;
    assert_eq!((status, sizes["items"].clone()), (StatusCode::OK, json!([])));
    let (status, list) = t
        .call(
            "GET",
            "/api/v1/analytics/members?lapsing=true&limit=5",
            Some(&owner),
            None,
        )
        .await;
    assert_eq!((status, list["items"].clone()), (StatusCode::OK, json!([])));
    let (status, body) = t
        .call("GET", "/api/v1/analytics/members?bogus=1", Some(&owner), None)
        .await;
    assert!(status.is_client_error(), "{status} {body}");

    // A cashier may not run jobs; an unknown job is named.
    let run = "/api/v1/analytics/jobs/bought_together/run";
    assert_eq!(t.call("POST", run, Some(&cashier), None).await.0, StatusCode::FORBIDDEN);
    let (status, body) = t
        .call("POST", "/api/v1/analytics/jobs/horoscope/run", Some(&owner), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_of(&body).1.as_deref(), Some("job"));

    let (status, body) = t.call("POST", run, Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // 8 baskets; milk+bread 4 times: both ways. milk+eggs once: under three baskets.
    assert_eq!((body["baskets"].as_u64(), body["pairs"].as_u64()), (Some(8), Some(2)));
    let (_, runs) = t.call("GET", "/api/v1/analytics/jobs", Some(&owner), None).await;
    assert_eq!(runs["items"][0]["status"], "done");
    assert_eq!(runs["items"][0]["detail"], "8 baskets, 2 pairs");
    assert!(runs["items"][0]["duration_ms"].as_i64().unwrap() >= 0);

    let (status, with) = t
        .call(
            "GET",
            &format!("/api/v1/products/{milk}/bought-together"),
            Some(&cashier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{with}");
    assert_eq!(with["items"][0]["product_id"], bread);
    assert_eq!(with["items"][0]["name_zh"], "面包");
    // Milk in 5 baskets, 4 with bread.
    assert_eq!(
        (
            with["items"][0]["baskets"].as_i64(),
            with["items"][0]["confidence_bp"].as_i64()
        ),
        (Some(4), Some(8_000))
    );
    assert!(with["items"][0]["lift_milli"].as_i64().unwrap() > 1_000);

    // A resident of the organisation sees it under the product; not once bread is off sale.
    let mine = resident(&t, &owner, t.a.org, "13800000001").await;
    let path = format!("/api/v1/resident/products/{milk}/bought-together");
    let (status, shop) = t.call("GET", &path, Some(&mine), None).await;
    assert_eq!(status, StatusCode::OK, "{shop}");
    assert_eq!(shop["items"][0]["product_id"], bread);

    // Another organisation's staff and residents find neither the product nor its pairs.
    let other = t.login("b_owner").await;
    let (status, _) = t
        .call(
            "GET",
            &format!("/api/v1/products/{milk}/bought-together"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let theirs = resident(&t, &other, t.b.org, "13800000002").await;
    assert_eq!(t.call("GET", &path, Some(&theirs), None).await.0, StatusCode::NOT_FOUND);
    let (_, b_runs) = t.call("GET", "/api/v1/analytics/jobs", Some(&other), None).await;
    assert_eq!(b_runs["items"], json!([]));

    let (status, body) = t
        .call(
            "PUT",
            &format!("/api/v1/products/{bread}"),
            Some(&owner),
            Some(json!({"sku": "B1", "name_zh": "面包", "unit": "瓶", "price_fen": 800, "shelf_life_days": 7, "active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, shop) = t.call("GET", &path, Some(&mine), None).await;
    assert_eq!(
        shop["items"],
        json!([]),
        "bread is off sale: not suggested to residents"
    );
    // Staff still see it (the shelf may still hold some).
    let (_, with) = t
        .call(
            "GET",
            &format!("/api/v1/products/{milk}/bought-together"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(with["items"][0]["product_id"], bread);
}

/// Two buildings a few metres apart share a cell; one 600 m north has its own; a member's
/// till sale counts at their home building; another organisation sees nothing.
async fn orders_land_on_the_h3_cells_of_their_buildings(t: TestApp) {
    let owner = t.login("a_owner").await;
    let cashier = t.login("a_cashier").await;
    let milk = t.product(&owner, "M1", "牛奶", json!({"price_fen": 500})).await;
    t.store
        .receive(
            t.a.org,
            t.a.floor,
            None,
            None,
            &[ReceiveLine {
                product: ProductId(milk),
                lot_code: "L1".into(),
                expires_at: None,
                qty: 100,
                unit_cost_fen: None,
            }],
            "",
            None,
            NOW,
        )
        .await
        .unwrap()
        .unwrap();
    let mut homes = Vec::new();
    for (code, lat_e6) in [("B1", 31_188_000), ("B2", 31_188_050), ("B3", 31_193_400)] {
        let b = t
            .store
            .create_building(
                t.a.org,
                t.a.store,
                &linli_store::NewBuilding {
                    code,
                    name_zh: code,
                    compound_zh: "康健小区",
                    lat_e6: Some(lat_e6),
                    lon_e6: Some(121_437_000),
                    households: 40,
                },
            )
            .await
            .unwrap();
        let m = t
            .store
            .create_member(
                t.a.org,
                &linli_store::NewMember {
                    phone: &format!("1380000{}", 1000 + homes.len()),
                    name: "居民",
                    building: Some(b),
                    unit_no: "",
                    room: "",
                    birthday: None,
                    joined_at: NOW,
                },
            )
            .await
            .unwrap();
        homes.push(m);
    }
    for (k, m) in [homes[0], homes[1], homes[1], homes[2]].iter().enumerate() {
        let (status, body) = t
            .call_with(
                "POST",
                "/api/v1/sales",
                Some(&cashier),
                Some(json!({"location_id": t.a.floor.0, "member_id": m.0,
                            "lines": [{"product_id": milk, "qty": 1}],
                            "payments": [{"tender": "cash", "amount_fen": 500}]})),
                &[("idempotency-key", &format!("map-{k}"))],
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, map) = t.call("GET", "/api/v1/analytics/order-map", Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK, "{map}");
    let cells = map["cells"].as_array().unwrap();
    let summary: Vec<(i64, i64, i64)> = cells
        .iter()
        .map(|c| {
            (
                c["orders"].as_i64().unwrap(),
                c["buildings"].as_i64().unwrap(),
                c["takings_fen"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(summary, vec![(3, 2, 1500), (1, 1, 500)], "busiest first: {map}");
    assert_eq!(cells[0]["outline"].as_array().unwrap().len(), 6);
    assert!(cells[0]["h3"].as_str().unwrap().starts_with("89"));
    assert_eq!(cells[0]["deliveries"], 0);
    assert_eq!(map["store"], json!(null), "the test store has no position");
    let other = t.login("b_owner").await;
    let (_, theirs) = t.call("GET", "/api/v1/analytics/order-map", Some(&other), None).await;
    assert_eq!(theirs["cells"], json!([]));
    assert_eq!(
        t.call("GET", "/api/v1/analytics/order-map", Some(&cashier), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}
