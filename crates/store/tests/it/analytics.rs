//! What the analytics jobs read and keep: baskets of completed orders, bought-together
//! pairs replaced whole and kept per organisation, job runs.

use crate::fixtures::*;
use linli_domain::ids::ProductId;
use linli_store::*;

on_both_backends!(analytics:
    baskets_pairs_and_job_runs_stay_in_their_organisation,
    sales_are_counted_by_shanghai_hour_weekday_and_category_week,
);

fn sale_of(o: &Org, products: &[ProductId], at: i64) -> NewSale {
    NewSale {
        store: o.store,
        location: o.floor,
        channel: "till",
        member: None,
        staff: Some(o.staff),
        lines: products
            .iter()
            .map(|&product| SaleLine {
                product,
                qty: 1,
                unit_price_fen: 500,
                line_total_fen: 500,
            })
            .collect(),
        payments: vec![SalePayment {
            method: "cash",
            amount_fen: 500 * products.len() as i64,
            points: 0,
        }],
        at,
        details: SaleDetails::default(),
    }
}

pub async fn baskets_pairs_and_job_runs_stay_in_their_organisation(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let milk = product(&s, &a, "P1", "牛奶").await;
    let bread = product(&s, &a, "P2", "面包").await;
    let eggs = product(&s, &a, "P3", "鸡蛋").await;
    let theirs = product(&s, &b, "P1", "酸奶").await;
    for p in [milk, bread, eggs] {
        stock(&s, &a, a.floor, p, "L1", None, 50).await;
    }
    stock(&s, &b, b.floor, theirs, "L1", None, 50).await;
    s.record_sale(a.org, &sale_of(&a, &[milk, bread, milk], T0 + HOUR))
        .await
        .unwrap();
    s.record_sale(a.org, &sale_of(&a, &[eggs], T0 + 2 * HOUR))
        .await
        .unwrap();
    s.record_sale(a.org, &sale_of(&a, &[bread], T0 - 100 * HOUR))
        .await
        .unwrap();
    s.record_sale(b.org, &sale_of(&b, &[theirs], T0 + HOUR)).await.unwrap();

    // Since T0: two orders of a; the older one is left out; a product once per basket.
    let mut baskets = s.order_baskets(a.org, T0).await.unwrap();
    baskets.sort();
    let mut expected = vec![vec![milk, bread], vec![eggs]];
    for b in &mut expected {
        b.sort();
    }
    expected.sort();
    assert_eq!(baskets, expected);
    assert_eq!(s.order_baskets(b.org, T0).await.unwrap(), vec![vec![theirs]]);

    let pair = |p: ProductId, o: ProductId, lift| BoughtTogether {
        product: p,
        other: o,
        baskets: 3,
        confidence_bp: 5_000,
        lift_milli: lift,
    };
    let written = s
        .replace_bought_together(
            a.org,
            &[
                pair(milk, bread, 1_500),
                pair(milk, eggs, 2_500),
                pair(milk, theirs, 9_000),
            ],
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        written, 2,
        "the pair naming another organisation's product is not written"
    );
    let got: Vec<ProductId> = s
        .bought_together(a.org, milk, 5)
        .await
        .unwrap()
        .iter()
        .map(|p| p.other)
        .collect();
    assert_eq!(got, vec![eggs, bread], "likeliest first");
    assert!(s.bought_together(b.org, milk, 5).await.unwrap().is_empty());
    s.replace_bought_together(a.org, &[pair(bread, milk, 1_200)], T0 + HOUR)
        .await
        .unwrap();
    assert!(
        s.bought_together(a.org, milk, 5).await.unwrap().is_empty(),
        "replaced whole"
    );
    assert_eq!(s.bought_together(a.org, bread, 5).await.unwrap().len(), 1);

    let run = s.start_job_run(a.org, "bought_together", T0).await.unwrap();
    assert_eq!(s.job_runs(a.org, 10).await.unwrap()[0].status, "running");
    s.finish_job_run(a.org, run, true, "12 pairs", T0 + 500).await.unwrap();
    // Another organisation cannot finish it, nor see it.
    s.finish_job_run(b.org, run, false, "x", T0 + 600).await.unwrap();
    let runs = s.job_runs(a.org, 10).await.unwrap();
    assert_eq!(
        (runs[0].status.as_str(), runs[0].finished_at, runs[0].detail.as_str()),
        ("done", Some(T0 + 500), "12 pairs")
    );
    assert!(s.job_runs(b.org, 10).await.unwrap().is_empty());
    assert!(s.org_ids().await.unwrap().contains(&b.org));
}

pub async fn sales_are_counted_by_shanghai_hour_weekday_and_category_week(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let milk = product(&s, &a, "P1", "牛奶").await;
    let theirs = product(&s, &b, "P1", "酸奶").await;
    stock(&s, &a, a.floor, milk, "L1", None, 50).await;
    stock(&s, &b, b.floor, theirs, "L1", None, 50).await;
    // T0 is Tuesday 2025-11-25 00:00 in Shanghai (16:00 UTC the day before).
    for at in [T0, T0 + 60_000, T0 + HOUR] {
        s.record_sale(a.org, &sale_of(&a, &[milk], at)).await.unwrap();
    }
    s.record_sale(b.org, &sale_of(&b, &[theirs], T0)).await.unwrap();
    let cells = s.sales_by_hour(a.org, T0 - HOUR, T0 + 2 * HOUR).await.unwrap();
    assert_eq!(
        cells,
        vec![
            HourCell {
                weekday: 1,
                hour: 0,
                orders: 2,
                revenue_fen: 1_000
            },
            HourCell {
                weekday: 1,
                hour: 1,
                orders: 1,
                revenue_fen: 500
            },
        ]
    );
    assert!(
        s.sales_by_hour(a.org, T0 + 2 * HOUR, T0 + 3 * HOUR)
            .await
            .unwrap()
            .is_empty()
    );
    let weeks = s.sales_by_category_week(a.org, T0 - HOUR, T0 + 2 * HOUR).await.unwrap();
    // The week of Monday 2025-11-24, counted in Monday-based weeks since 1970-01-05.
    let day = (T0 + 8 * HOUR) / 86_400_000;
    assert_eq!(
        weeks,
        vec![CategoryWeek {
            category: Some(a.dairy.0),
            week: (day - 4) / 7,
            revenue_fen: 1_500
        }]
    );
    assert_eq!(s.sales_by_hour(b.org, T0 - HOUR, T0 + 2 * HOUR).await.unwrap().len(), 1);
}
