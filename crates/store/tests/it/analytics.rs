//! What the analytics jobs read and keep: baskets of completed orders, bought-together
//! pairs replaced whole and kept per organisation, job runs.

use crate::fixtures::*;
use linli_domain::ids::ProductId;
use linli_store::*;

on_both_backends!(analytics:
    baskets_pairs_and_job_runs_stay_in_their_organisation,
    sales_are_counted_by_shanghai_hour_weekday_and_category_week,
    member_insights_are_replaced_listed_and_kept_per_organisation,
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

pub async fn member_insights_are_replaced_listed_and_kept_per_organisation(s: Store) {
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let wang = new_member(&s, &a, "13800000001", "王阿姨").await;
    let li = new_member(&s, &a, "13800000002", "李叔").await;
    let theirs = new_member(&s, &b, "13800000003", "赵").await;
    let milk = product(&s, &a, "P1", "牛奶").await;
    stock(&s, &a, a.floor, milk, "L1", None, 50).await;
    let mut sale = sale_of(&a, &[milk], T0);
    sale.member = Some(wang);
    s.record_sale(a.org, &sale).await.unwrap();
    s.record_sale(a.org, &sale_of(&a, &[milk], T0 + HOUR)).await.unwrap();
    // Only completed orders with a member, in time order.
    assert_eq!(s.member_purchases(a.org, T0).await.unwrap(), vec![(wang, T0, 500)]);

    let insight = |m, segment: &str, p_alive| MemberInsight {
        member: m,
        segment: segment.into(),
        r_score: 3,
        f_score: 3,
        m_score: 3,
        recency_days: 10,
        purchase_days: 4,
        spend_fen: 12_000,
        p_alive_bp: p_alive,
        expected_purchases_milli: Some(2_500),
        expected_value_fen: p_alive.map(|p| p * 2),
    };
    let written = s
        .replace_member_insights(
            a.org,
            &[
                insight(wang, "高价值", Some(9_000)),
                insight(li, "沉睡", Some(1_200)),
                insight(theirs, "一般", None),
            ],
            T0,
        )
        .await
        .unwrap();
    assert_eq!(written, 2, "another organisation's member is not written");
    assert_eq!(
        s.segment_sizes(a.org).await.unwrap(),
        vec![("沉睡".to_string(), 1), ("高价值".to_string(), 1)]
    );
    let names = |rows: Vec<MemberInsightRow>| rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
    assert_eq!(
        names(s.member_insights(a.org, None, false, 10).await.unwrap()),
        vec!["王阿姨", "李叔"]
    );
    assert_eq!(
        names(s.member_insights(a.org, None, true, 10).await.unwrap()),
        vec!["李叔", "王阿姨"],
        "likeliest to lapse first"
    );
    assert_eq!(
        names(s.member_insights(a.org, Some("沉睡"), false, 10).await.unwrap()),
        vec!["李叔"]
    );
    assert!(s.member_insights(b.org, None, false, 10).await.unwrap().is_empty());
    s.replace_member_insights(a.org, &[insight(li, "一般", None)], T0 + HOUR)
        .await
        .unwrap();
    assert_eq!(
        s.segment_sizes(a.org).await.unwrap(),
        vec![("一般".to_string(), 1)],
        "replaced whole"
    );
    assert!(
        s.member_insights(a.org, None, true, 10).await.unwrap().is_empty(),
        "no lifetime value: not on the lapse list"
    );
}
