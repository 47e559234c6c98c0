//! Crash: post stock movements to the real binary, `kill -9` it mid-stream, restart,
//! and check that every acknowledged movement is there exactly once.

use crate::server::Server;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

async fn login(client: &reqwest::Client, base: &str, password: &str) -> String {
    let r: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "owner", "password": password}))
        .send()
        .await
        .expect("login answers")
        .json()
        .await
        .expect("login is JSON");
    r["token"].as_str().expect("a token").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_movements_survive_kill_9_and_none_is_counted_twice() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let password = server
        .owner_password
        .clone()
        .expect("a fresh store prints the owner's password");
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let token = login(&client, &base, &password).await;
    let product: Value = client
        .post(format!("{base}/api/v1/products"))
        .bearer_auth(&token)
        .json(&json!({"sku": "P1", "name_zh": "牛奶", "unit": "瓶", "price_fen": 500}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let product_id = product["id"].as_i64().unwrap();
    let locations: Value = client
        .get(format!("{base}/api/v1/locations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let location_id = locations[0]["id"].as_i64().unwrap();

    // Four writers post receipts of 1..=4 units with idempotency keys until the server dies.
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4i64 {
        let (client, base, token, stop) = (client.clone(), base.clone(), token.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut acked: Vec<(String, i64)> = Vec::new();
            let mut unacked: Vec<(String, i64)> = Vec::new();
            for i in 0..100_000i64 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let key = format!("w{w}-{i}");
                let qty = 1 + (i + w) % 4;
                let body = json!({"location_id": location_id, "lines": [{"product_id": product_id, "qty": qty, "lot_code": format!("L{w}")}]});
                let sent = client.post(format!("{base}/api/v1/receipts")).bearer_auth(&token).header("idempotency-key", &key).json(&body).send().await;
                match sent {
                    Ok(r) if r.status() == 201 => acked.push((key, qty)),
                    _ => {
                        unacked.push((key, qty));
                        break;
                    }
                }
            }
            (acked, unacked)
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    server.kill9();
    stop.store(true, Ordering::SeqCst);
    let mut acked = Vec::new();
    let mut unacked = Vec::new();
    for w in writers {
        let (a, u) = w.await.unwrap();
        acked.extend(a);
        unacked.extend(u);
    }
    assert!(
        acked.len() >= 5,
        "the stream was under way when the server died ({} acknowledged)",
        acked.len()
    );

    let server = Server::start(dir.path(), &[]);
    assert!(server.owner_password.is_none(), "a restart does not bootstrap again");
    let base = server.base.clone();
    let token = login(&client, &base, &password).await;
    let movements: Value = client
        .get(format!(
            "{base}/api/v1/stock/movements?product_id={product_id}&page_size=1"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let on_hand = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["qty_on_hand"].as_i64().unwrap())
            .sum::<i64>()
    };
    let stock: Value = client
        .get(format!("{base}/api/v1/stock?product_id={product_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let acked_qty: i64 = acked.iter().map(|(_, q)| q).sum();
    let unacked_qty: i64 = unacked.iter().map(|(_, q)| q).sum();
    let total = movements["total"].as_i64().unwrap();
    // Every acknowledged receipt is there; an unacknowledged one may or may not have landed.
    assert!(
        total >= acked.len() as i64 && total <= (acked.len() + unacked.len()) as i64,
        "{total} movements for {} acked",
        acked.len()
    );
    let qty = on_hand(&stock);
    assert!(
        qty >= acked_qty && qty <= acked_qty + unacked_qty,
        "on hand {qty}, acked {acked_qty}"
    );

    // Replaying every key after the restart changes nothing that already landed.
    for (key, q) in acked.iter().chain(unacked.iter()) {
        let w = &key[1..2];
        let body = json!({"location_id": location_id, "lines": [{"product_id": product_id, "qty": q, "lot_code": format!("L{w}")}]});
        let r = client
            .post(format!("{base}/api/v1/receipts"))
            .bearer_auth(&token)
            .header("idempotency-key", key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            r.status() == 201 || r.status() == 409,
            "replay of {key}: {}",
            r.status()
        );
    }
    let after: Value = client
        .get(format!("{base}/api/v1/stock?product_id={product_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let after_qty = on_hand(&after);
    assert!(
        after_qty <= acked_qty + unacked_qty,
        "replays never double: {after_qty} vs {acked_qty}+{unacked_qty}"
    );
    assert!(after_qty >= qty);
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

/// Stored value each sale of the member crash test spends.
const SALE_STORED_VALUE_FEN: i64 = 10;

/// The till's stream: sales with a member paying part by stored value and earning
/// points. After `kill -9` and a restart, replaying every key (acknowledged or not)
/// leaves exactly one sale per key, and the member's balances equal what those sales did.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_sales_with_points_and_stored_value_survive_kill_9_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let password = server
        .owner_password
        .clone()
        .expect("a fresh store prints the owner's password");
    let client = reqwest::Client::new();
    let base = server.base.clone();
    let token = login(&client, &base, &password).await;
    let post = |path: &str, body: Value| {
        client
            .post(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let product: Value = post(
        "/api/v1/products",
        json!({"sku": "P1", "name_zh": "牛奶", "unit": "瓶", "price_fen": 500}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let product_id = product["id"].as_i64().unwrap();
    let locations: Value = client
        .get(format!("{base}/api/v1/locations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let location_id = locations[0]["id"].as_i64().unwrap();
    let r = post(
        "/api/v1/receipts",
        json!({"location_id": location_id, "lines": [{"product_id": product_id, "qty": 100000, "lot_code": "L"}]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let member: Value = post("/api/v1/members", json!({"phone": "13800138000", "name": "王阿姨"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let member_id = member["id"].as_i64().expect("a member");
    let r = post(
        &format!("/api/v1/members/{member_id}/top-ups"),
        json!({"paid_fen": 400_000, "tender": "cash"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let balances = |base: String, token: String| {
        let client = client.clone();
        async move {
            let l: Value = client
                .get(format!("{base}/api/v1/members/{member_id}/loyalty"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (
                l["points"]["balance"].as_i64().unwrap(),
                l["stored_value"]["balance_fen"].as_i64().unwrap(),
            )
        }
    };
    let (points_before, stored_before) = balances(base.clone(), token.clone()).await;
    assert_eq!(points_before, 0);
    // Each sale: 2 bottles (¥10, less the tier's discount once the member rises), ¥0.10
    // from stored value and ¥9.90 cash (change given): 10 points or more. The card
    // (¥4,000 + bonus) lasts for 40,000 sales, far more than two seconds of selling.
    let sale = json!({"location_id": location_id, "lines": [{"product_id": product_id, "qty": 2}], "member_id": member_id,
        "payments": [{"tender": "stored_value", "amount_fen": SALE_STORED_VALUE_FEN}, {"tender": "cash", "amount_fen": 990}]});
    let stop = Arc::new(AtomicBool::new(false));
    let mut tills = Vec::new();
    for w in 0..4 {
        let (client, base, token, stop, sale) =
            (client.clone(), base.clone(), token.clone(), stop.clone(), sale.clone());
        tills.push(tokio::spawn(async move {
            let mut keys = Vec::new();
            let mut acked = 0usize;
            for i in 0..100_000 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let key = format!("till{w}-{i}");
                keys.push(key.clone());
                let sent = client
                    .post(format!("{base}/api/v1/sales"))
                    .bearer_auth(&token)
                    .header("idempotency-key", &key)
                    .json(&sale)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 201 => acked += 1,
                    _ => break,
                }
            }
            (keys, acked)
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    server.kill9();
    stop.store(true, Ordering::SeqCst);
    let mut keys = Vec::new();
    let mut acked = 0;
    for t in tills {
        let (k, a) = t.await.unwrap();
        keys.extend(k);
        acked += a;
    }
    assert!(
        acked >= 5,
        "the stream was under way when the server died ({acked} acknowledged)"
    );

    let server = Server::start(dir.path(), &[]);
    let base = server.base.clone();
    let token = login(&client, &base, &password).await;
    // Replay every key: each answers one sale, whether it landed before the crash or now.
    let mut orders = std::collections::BTreeSet::new();
    let mut earned = 0;
    let mut replayed = 0;
    for key in &keys {
        let r = client
            .post(format!("{base}/api/v1/sales"))
            .bearer_auth(&token)
            .header("idempotency-key", key)
            .json(&sale)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "replay of {key}");
        if r.headers().get("idempotent-replayed").is_some() {
            replayed += 1;
        }
        let body: Value = r.json().await.unwrap();
        assert!(
            orders.insert(body["order_id"].as_i64().unwrap()),
            "{key} answered a sale another key made"
        );
        // The member's tier rises with their spend, and with it the points multiplier.
        earned += body["points_earned"].as_i64().unwrap();
    }
    assert!(
        replayed >= acked,
        "every acknowledged sale was there after the crash ({replayed} of {acked})"
    );
    let n = i64::try_from(orders.len()).unwrap();
    let (points, stored) = balances(base.clone(), token.clone()).await;
    assert!(earned >= 10 * n, "every sale earned its points");
    assert_eq!(points, earned, "points: once per sale");
    assert_eq!(
        stored,
        stored_before - SALE_STORED_VALUE_FEN * n,
        "stored value: once per sale"
    );
    let stock: Value = client
        .get(format!("{base}/api/v1/stock?product_id={product_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let on_hand: i64 = stock["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["qty_on_hand"].as_i64().unwrap())
        .sum();
    assert_eq!(on_hand, 100_000 - 2 * n, "stock: once per sale");
}
