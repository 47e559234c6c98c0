//! `linli bench labels`: how long a price or promotion change takes to reach the shelf
//! labels (issue 3: "within a second"), measured from the API request to the label
//! showing the new face and its acknowledgement stored, over the demo store's labels and
//! the built-in label simulator.

use super::prepare;
use anyhow::Context;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use linli_app::App;
use linli_domain::ids::{OrgId, ProductId};
use linli_store::LabelRow;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// How long the bench waits for a label before it counts it as not shown.
const SHOWN_WITHIN: Duration = Duration::from_secs(5);

pub async fn run(db: &crate::DbArgs, changes: usize, promotions: usize) -> anyhow::Result<()> {
    let (app, router, _cookie, token) = prepare(db).await?;
    let org = super::org_of(&app).await?;
    let labels = app.store.all_labels(org, None).await?;
    // Labels per product (a product may have several).
    let mut by_product: BTreeMap<ProductId, Vec<LabelRow>> = BTreeMap::new();
    for l in labels.iter().filter(|l| l.product.is_some()) {
        let p = l.product.as_ref().expect("filtered").id;
        by_product.entry(p).or_default().push(l.clone());
    }
    anyhow::ensure!(!by_product.is_empty(), "the demo store has no bound labels");
    let products: Vec<ProductId> = by_product.keys().copied().collect();

    // Price changes, one product after another: request → every label of the product
    // shows the new price and the store holds its acknowledgement.
    let mut price_times = Vec::with_capacity(changes);
    let mut not_shown = 0;
    for i in 0..changes {
        let product = products[i % products.len()];
        let old = app.store.product(org, product).await?.price_fen;
        let new = if i % 2 == 0 { old + 1 } else { old - 1 }.max(1);
        let started = Instant::now();
        let (status, body) = post(
            &router,
            &format!("/api/v1/products/{}/price", product.0),
            &token,
            serde_json::json!({ "price_fen": new }),
        )
        .await?;
        anyhow::ensure!(status == StatusCode::OK, "the price change answered {status}: {body}");
        let shown = wait_until(|| {
            let app = &app;
            let by_product = &by_product;
            async move { every_label_shows(app, org, &by_product[&product], |f| f.regular_price_fen == new).await }
        })
        .await?;
        if shown {
            price_times.push(started.elapsed());
        } else {
            not_shown += 1;
        }
    }

    // Promotions on a category: created (labels of the category show it), then ended
    // (they drop it). Measured from each request.
    let (category, members) = largest_labelled_category(&by_product)?;
    let mut promotion_times = Vec::with_capacity(2 * promotions);
    for _ in 0..promotions {
        let now = app.now();
        let started = Instant::now();
        let (status, body) = post(
            &router,
            "/api/v1/promotions",
            &token,
            serde_json::json!({
                "name_zh": "品类九折",
                "kind": "category_percent",
                "category_id": category,
                "percent_off_bp": 1000,
                "starts_at": now - 1_000,
                "ends_at": now + 3_600_000,
            }),
        )
        .await?;
        anyhow::ensure!(status == StatusCode::CREATED, "the promotion answered {status}: {body}");
        let id = serde_json::from_str::<serde_json::Value>(&body)?["id"]
            .as_i64()
            .context("the promotion's id")?;
        let shown = wait_until(|| all_show(&app, org, &by_product, &members, true)).await?;
        if shown {
            promotion_times.push(started.elapsed());
        } else {
            not_shown += 1;
        }
        let started = Instant::now();
        let (status, body) = post(
            &router,
            &format!("/api/v1/promotions/{id}/end"),
            &token,
            serde_json::json!({}),
        )
        .await?;
        anyhow::ensure!(
            status == StatusCode::OK,
            "ending the promotion answered {status}: {body}"
        );
        let shown = wait_until(|| all_show(&app, org, &by_product, &members, false)).await?;
        if shown {
            promotion_times.push(started.elapsed());
        } else {
            not_shown += 1;
        }
    }

    price_times.sort();
    promotion_times.sort();
    let ms = |v: &[Duration], p: f64| {
        if v.is_empty() {
            return 0.0;
        }
        v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
    };
    let promotion_labels: usize = members.iter().map(|p| by_product[p].len()).sum();
    println!(
        "{{\"backend\": \"{:?}\", \"labels\": {}, \"price_changes\": {}, \"price_p50_ms\": {:.1}, \"price_p99_ms\": {:.1}, \"price_max_ms\": {:.1}, \"promotion_changes\": {}, \"promotion_labels\": {promotion_labels}, \"promotion_p50_ms\": {:.1}, \"promotion_max_ms\": {:.1}, \"not_shown\": {not_shown}}}",
        app.store.backend(),
        labels.len(),
        price_times.len(),
        ms(&price_times, 0.5),
        ms(&price_times, 0.99),
        ms(&price_times, 1.0),
        promotion_times.len(),
        ms(&promotion_times, 0.5),
        ms(&promotion_times, 1.0),
    );
    Ok(())
}

/// The category with the most labelled products, and those products.
fn largest_labelled_category(by_product: &BTreeMap<ProductId, Vec<LabelRow>>) -> anyhow::Result<(i64, Vec<ProductId>)> {
    let mut per_category: BTreeMap<i64, Vec<ProductId>> = BTreeMap::new();
    for (p, labels) in by_product {
        if let Some(c) = labels[0].product.as_ref().and_then(|lp| lp.category_id) {
            per_category.entry(c.0).or_default().push(*p);
        }
    }
    per_category
        .into_iter()
        .max_by_key(|(_, ps)| ps.len())
        .context("no labelled product has a category")
}

/// Whether every label of the products shows a promotion (`running`) or none.
async fn all_show(
    app: &App,
    org: OrgId,
    by_product: &BTreeMap<ProductId, Vec<LabelRow>>,
    products: &[ProductId],
    running: bool,
) -> anyhow::Result<bool> {
    for p in products {
        if !every_label_shows(app, org, &by_product[p], |f| f.promo_zh.is_empty() != running).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether the simulator shows each label's newest version with a face that passes
/// `ok`, and the store holds the acknowledgement of that version.
async fn every_label_shows(
    app: &App,
    org: OrgId,
    labels: &[LabelRow],
    ok: impl Fn(&linli_store::LabelFace) -> bool,
) -> anyhow::Result<bool> {
    let sim = app.labels.simulator().context("the bench needs the label simulator")?;
    for l in labels {
        let Some((version, face)) = sim.shown(org, &l.code) else {
            return Ok(false);
        };
        if !ok(&face) {
            return Ok(false);
        }
        let row = app.store.label(org, l.id).await?;
        if row.version != version || row.acked_version != version {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Polls `check` every millisecond until it holds (true) or `SHOWN_WITHIN` passes (false).
async fn wait_until<F, Fut>(check: F) -> anyhow::Result<bool>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    let deadline = Instant::now() + SHOWN_WITHIN;
    loop {
        if check().await? {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

async fn post(
    router: &axum::Router,
    url: &str,
    token: &str,
    json: serde_json::Value,
) -> anyhow::Result<(StatusCode, String)> {
    let req = Request::builder()
        .method("POST")
        .uri(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(json.to_string()))?;
    let resp = router.clone().oneshot(req).await?;
    let status = resp.status();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}
