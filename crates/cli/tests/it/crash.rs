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
