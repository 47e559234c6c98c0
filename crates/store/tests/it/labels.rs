//! Shelf labels: binding, versions made once under races, acknowledgements that only
//! move forward, kept history, and tenancy.

use crate::fixtures::*;
use linli_domain::catalog::UnitKind;
use linli_domain::ids::{ProductId, StoreId};
use linli_store::*;
use std::sync::Arc;

on_both_backends!(labels:
    binding_staging_and_acking_a_label_round_trips,
    a_version_is_made_once_when_writers_race,
    acknowledgements_only_move_forward,
    a_bound_label_is_not_bound_twice_and_unbinding_keeps_its_versions,
    old_versions_are_dropped_but_the_acknowledged_one_is_kept,
    a_push_result_counts_only_for_the_newest_version,
    another_orgs_labels_are_not_found,
);

fn face(product: ProductId, name: &str, price_fen: i64) -> LabelFace {
    LabelFace {
        product_id: Some(product),
        name_zh: name.into(),
        unit_kind: UnitKind::Piece,
        unit_label: "瓶".into(),
        regular_price_fen: price_fen,
        price_fen,
        unit_price_fen: price_fen,
        promo_zh: String::new(),
    }
}

fn new_label<'a>(o: &Org, code: &'a str, product: ProductId) -> NewLabel<'a> {
    NewLabel {
        store: o.store,
        code,
        product,
        location: "A1-01 冷柜",
        by: Some(o.staff),
    }
}

fn refused_code(e: StoreError) -> &'static str {
    match e {
        StoreError::Refused { code, .. } => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

pub async fn binding_staging_and_acking_a_label_round_trips(s: Store) {
    let o = org(&s, "lab1").await;
    let milk = product(&s, &o, "M1", "纯牛奶").await;
    let mut apple_data = product_data("A1", "红富士苹果", 1299, None);
    apple_data.unit_kind = UnitKind::Weight;
    apple_data.unit_label = "kg".into();
    let apple = s.create_product(o.org, &apple_data, None, T0).await.unwrap();

    let l1 = s.bind_label(o.org, &new_label(&o, "ESL-0001", milk), T0).await.unwrap();
    let l2 = s
        .bind_label(o.org, &new_label(&o, "ESL-0002", apple), T0)
        .await
        .unwrap();
    let fresh = s.label(o.org, l2).await.unwrap();
    assert_eq!((fresh.version, fresh.acked_version), (0, 0));
    assert!(fresh.face.is_none() && fresh.shown.is_none() && fresh.shown_price_fen.is_none());
    let p = fresh.product.as_ref().unwrap();
    assert_eq!((p.id, p.unit_kind, p.price_fen), (apple, UnitKind::Weight, 1299));
    assert_eq!(fresh.location, "A1-01 冷柜");

    let weighed = LabelFace {
        product_id: Some(apple),
        name_zh: "红富士苹果".into(),
        unit_kind: UnitKind::Weight,
        unit_label: "kg".into(),
        regular_price_fen: 1299,
        price_fen: 1299,
        unit_price_fen: 650,
        promo_zh: "品类9折".into(),
    };
    assert_eq!(s.stage_label(o.org, l2, 0, &weighed, T0 + 1).await.unwrap(), Some(1));
    s.label_pushed(o.org, l2, 1, None, T0 + 2).await.unwrap();
    assert_eq!(
        s.ack_label(o.org, l2, 1, 1299, T0 + 3).await.unwrap(),
        AckOutcome::Recorded
    );
    let row = s.label(o.org, l2).await.unwrap();
    assert_eq!((row.version, row.acked_version), (1, 1));
    assert_eq!(row.version_at, Some(T0 + 1));
    assert_eq!(row.pushed_at, Some(T0 + 2));
    assert_eq!(row.acked_at, Some(T0 + 3));
    assert_eq!(row.shown_price_fen, Some(1299));
    assert_eq!(row.face.as_ref(), Some(&weighed));
    assert_eq!(row.shown.as_ref(), Some(&weighed));

    // Lists: by code, filtered by product, paged.
    let all = s.labels(o.org, None, page(10)).await.unwrap();
    assert_eq!(all.total, 2);
    let codes: Vec<&str> = all.items.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(codes, ["ESL-0001", "ESL-0002"]);
    let milk_only = s.labels(o.org, Some(milk), page(10)).await.unwrap();
    assert_eq!(milk_only.total, 1);
    assert_eq!(milk_only.items[0].id, l1);
    let second = s
        .labels(o.org, None, PageRequest { offset: 1, limit: 1 })
        .await
        .unwrap();
    assert_eq!((second.total, second.items.len()), (2, 1));
    assert_eq!(second.items[0].id, l2);
    assert_eq!(s.all_labels(o.org, Some(apple)).await.unwrap().len(), 1);
    assert_eq!(s.label_orgs().await.unwrap(), vec![o.org]);
    // Binding is audited.
    let audit = s.audit_log(o.org, Some("label."), page(10)).await.unwrap();
    assert_eq!(audit.total, 2);
}

pub async fn a_version_is_made_once_when_writers_race(s: Store) {
    let o = org(&s, "lab2").await;
    let milk = product(&s, &o, "M1", "纯牛奶").await;
    let id = s.bind_label(o.org, &new_label(&o, "ESL-0001", milk), T0).await.unwrap();
    let s = Arc::new(s);
    // 16 writers all read version 0 and try to make version 1 with different prices.
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let s = s.clone();
            let org = o.org;
            tokio::spawn(async move {
                s.stage_label(org, id, 0, &face(milk, "纯牛奶", 500 + i), T0 + i)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut made = Vec::new();
    for t in tasks {
        if let Some(v) = t.await.unwrap() {
            made.push(v);
        }
    }
    assert_eq!(made, vec![1], "exactly one writer makes version 1");
    let row = s.label(o.org, id).await.unwrap();
    assert_eq!(row.version, 1);
    let winner = row.face.expect("version 1 is kept");
    assert!((500..516).contains(&winner.price_fen));
    // Then in turn: each writer that read the newest version makes the next one.
    for v in 1..=5 {
        assert_eq!(
            s.stage_label(o.org, id, v, &face(milk, "纯牛奶", 600 + v), T0 + 100 + v)
                .await
                .unwrap(),
            Some(v + 1)
        );
    }
    assert_eq!(
        s.stage_label(o.org, id, 3, &face(milk, "纯牛奶", 1), T0).await.unwrap(),
        None,
        "a writer that read an old version makes nothing"
    );
    assert_eq!(s.label(o.org, id).await.unwrap().face.unwrap().price_fen, 605);
}

pub async fn acknowledgements_only_move_forward(s: Store) {
    let o = org(&s, "lab3").await;
    let milk = product(&s, &o, "M1", "纯牛奶").await;
    let id = s.bind_label(o.org, &new_label(&o, "ESL-0001", milk), T0).await.unwrap();
    assert_eq!(
        refused_code(s.ack_label(o.org, id, 1, 500, T0).await.unwrap_err()),
        "unknown_version",
        "nothing was pushed yet"
    );
    for v in 0..3 {
        s.stage_label(o.org, id, v, &face(milk, "纯牛奶", 500 + v), T0 + v)
            .await
            .unwrap()
            .unwrap();
    }
    assert_eq!(
        s.ack_label(o.org, id, 2, 501, T0 + 10).await.unwrap(),
        AckOutcome::Recorded
    );
    // A late ack of version 1 does not undo version 2.
    assert_eq!(
        s.ack_label(o.org, id, 1, 500, T0 + 11).await.unwrap(),
        AckOutcome::AlreadyAcked
    );
    assert_eq!(
        s.ack_label(o.org, id, 2, 999, T0 + 12).await.unwrap(),
        AckOutcome::AlreadyAcked
    );
    let row = s.label(o.org, id).await.unwrap();
    assert_eq!(
        (row.acked_version, row.shown_price_fen, row.acked_at),
        (2, Some(501), Some(T0 + 10))
    );
    assert_eq!(row.shown.unwrap().price_fen, 501);
    assert_eq!(
        refused_code(s.ack_label(o.org, id, 4, 502, T0).await.unwrap_err()),
        "unknown_version"
    );
    assert_eq!(
        refused_code(s.ack_label(o.org, id, 0, 502, T0).await.unwrap_err()),
        "unknown_version"
    );
    assert_eq!(
        s.ack_label(o.org, id, 3, 502, T0 + 13).await.unwrap(),
        AckOutcome::Recorded
    );
    let row = s.label(o.org, id).await.unwrap();
    assert_eq!((row.version, row.acked_version, row.shown_price_fen), (3, 3, Some(502)));

    // Concurrent acks of versions 4..=11 leave the label at 11, whatever their order.
    for v in 3..11 {
        s.stage_label(o.org, id, v, &face(milk, "纯牛奶", 600 + v), T0 + v)
            .await
            .unwrap()
            .unwrap();
    }
    let s = Arc::new(s);
    let tasks: Vec<_> = (4..=11)
        .rev()
        .map(|v| {
            let s = s.clone();
            let org = o.org;
            tokio::spawn(async move { s.ack_label(org, id, v, 600 + v - 1, T0 + 100).await.unwrap() })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let row = s.label(o.org, id).await.unwrap();
    assert_eq!(
        (row.version, row.acked_version, row.shown_price_fen),
        (11, 11, Some(610))
    );
}

pub async fn a_bound_label_is_not_bound_twice_and_unbinding_keeps_its_versions(s: Store) {
    let o = org(&s, "lab4").await;
    let milk = product(&s, &o, "M1", "纯牛奶").await;
    let yogurt = product(&s, &o, "Y1", "酸奶").await;
    let id = s.bind_label(o.org, &new_label(&o, "ESL-0001", milk), T0).await.unwrap();
    s.stage_label(o.org, id, 0, &face(milk, "纯牛奶", 500), T0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        refused_code(
            s.bind_label(o.org, &new_label(&o, "ESL-0001", yogurt), T0)
                .await
                .unwrap_err()
        ),
        "label_bound"
    );
    assert_eq!(
        refused_code(
            s.bind_label(o.org, &new_label(&o, "ESL-0002", ProductId(9_999_999)), T0)
                .await
                .unwrap_err()
        ),
        "no_such_product"
    );
    let mut other_store = new_label(&o, "ESL-0002", milk);
    other_store.store = StoreId(9_999_999);
    assert_eq!(
        refused_code(s.bind_label(o.org, &other_store, T0).await.unwrap_err()),
        "no_such_store"
    );

    s.unbind_label(o.org, id, Some(o.staff), T0 + 1).await.unwrap();
    s.unbind_label(o.org, id, Some(o.staff), T0 + 2).await.unwrap(); // again: nothing changes
    let row = s.label(o.org, id).await.unwrap();
    assert!(row.product.is_none());
    assert_eq!(row.version, 1, "unbinding keeps the versions");
    assert!(s.all_labels(o.org, Some(milk)).await.unwrap().is_empty());

    let again = s
        .bind_label(o.org, &new_label(&o, "ESL-0001", yogurt), T0 + 3)
        .await
        .unwrap();
    assert_eq!(again, id, "the same device, bound again");
    let row = s.label(o.org, id).await.unwrap();
    assert_eq!(row.product.unwrap().id, yogurt);
    assert_eq!(
        s.stage_label(o.org, id, 1, &face(yogurt, "酸奶", 500), T0 + 4)
            .await
            .unwrap(),
        Some(2),
        "versions go on"
    );
    let audit = s.audit_log(o.org, Some("label."), page(10)).await.unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["label.bind", "label.unbind", "label.bind"]);
}

pub async fn old_versions_are_dropped_but_the_acknowledged_one_is_kept(s: Store) {
    let o = org(&s, "lab5").await;
    let milk = product(&s, &o, "M1", "纯牛奶").await;
    let id = s.bind_label(o.org, &new_label(&o, "ESL-0001", milk), T0).await.unwrap();
    s.stage_label(o.org, id, 0, &face(milk, "纯牛奶", 500), T0)
        .await
        .unwrap()
        .unwrap();
    s.ack_label(o.org, id, 1, 500, T0).await.unwrap();
    let versions = LABEL_VERSIONS_KEPT + 10;
    for v in 1..versions {
        s.stage_label(o.org, id, v, &face(milk, "纯牛奶", 500 + v), T0 + v)
            .await
            .unwrap()
            .unwrap();
    }
    let row = s.label(o.org, id).await.unwrap();
    assert_eq!((row.version, row.acked_version), (versions, 1));
    assert_eq!(row.shown.expect("the acknowledged version is kept").price_fen, 500);
    assert_eq!(row.face.unwrap().price_fen, 500 + versions - 1);
    // The oldest unacknowledged versions are gone: acking one still works (the label
    // reports its price) but its content can no longer be shown.
    assert_eq!(s.ack_label(o.org, id, 2, 501, T0).await.unwrap(), AckOutcome::Recorded);
    let row = s.label(o.org, id).await.unwrap();
    assert_eq!(row.shown_price_fen, Some(501));
    assert!(row.shown.is_none(), "version 2 was dropped");
    let kept = versions - LABEL_VERSIONS_KEPT + 1;
    assert_eq!(s.ack_label(o.org, id, kept, 9, T0).await.unwrap(), AckOutcome::Recorded);
    assert_eq!(
        s.label(o.org, id).await.unwrap().shown.unwrap().price_fen,
        500 + kept - 1
    );
}

pub async fn a_push_result_counts_only_for_the_newest_version(s: Store) {
    let o = org(&s, "lab6").await;
    let milk = product(&s, &o, "M1", "纯牛奶").await;
    let id = s.bind_label(o.org, &new_label(&o, "ESL-0001", milk), T0).await.unwrap();
    s.stage_label(o.org, id, 0, &face(milk, "纯牛奶", 500), T0)
        .await
        .unwrap()
        .unwrap();
    s.label_pushed(o.org, id, 1, Some("offline"), T0 + 1).await.unwrap();
    let row = s.label(o.org, id).await.unwrap();
    assert_eq!((row.push_error.as_str(), row.pushed_at), ("offline", None));
    s.stage_label(o.org, id, 1, &face(milk, "纯牛奶", 600), T0 + 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.label(o.org, id).await.unwrap().push_error,
        "",
        "a new version starts clean"
    );
    // A late answer about version 1 changes nothing.
    s.label_pushed(o.org, id, 1, Some("late"), T0 + 3).await.unwrap();
    s.label_pushed(o.org, id, 1, None, T0 + 3).await.unwrap();
    let row = s.label(o.org, id).await.unwrap();
    assert_eq!((row.push_error.as_str(), row.pushed_at), ("", None));
    s.label_pushed(o.org, id, 2, None, T0 + 4).await.unwrap();
    assert_eq!(s.label(o.org, id).await.unwrap().pushed_at, Some(T0 + 4));
}

pub async fn another_orgs_labels_are_not_found(s: Store) {
    let a = org(&s, "laba").await;
    let b = org(&s, "labb").await;
    let milk = product(&s, &a, "M1", "纯牛奶").await;
    let b_milk = product(&s, &b, "M1", "纯牛奶").await;
    let id = s.bind_label(a.org, &new_label(&a, "ESL-0001", milk), T0).await.unwrap();
    s.stage_label(a.org, id, 0, &face(milk, "纯牛奶", 500), T0)
        .await
        .unwrap()
        .unwrap();

    assert!(matches!(s.label(b.org, id).await, Err(StoreError::NotFound)));
    assert!(matches!(
        s.ack_label(b.org, id, 1, 500, T0).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.unbind_label(b.org, id, None, T0).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.stage_label(b.org, id, 1, &face(b_milk, "x", 1), T0).await,
        Err(StoreError::NotFound)
    ));
    s.label_pushed(b.org, id, 1, Some("nope"), T0).await.unwrap();
    assert_eq!(s.labels(b.org, None, page(10)).await.unwrap().total, 0);
    assert!(s.all_labels(b.org, None).await.unwrap().is_empty());
    // Binding org a's product or store from org b is refused.
    assert_eq!(
        refused_code(
            s.bind_label(b.org, &new_label(&b, "ESL-0009", milk), T0)
                .await
                .unwrap_err()
        ),
        "no_such_product"
    );
    let mut foreign_store = new_label(&b, "ESL-0009", b_milk);
    foreign_store.store = a.store;
    assert_eq!(
        refused_code(s.bind_label(b.org, &foreign_store, T0).await.unwrap_err()),
        "no_such_store"
    );
    // Codes are per organisation: org b may have its own ESL-0001.
    let b_id = s
        .bind_label(b.org, &new_label(&b, "ESL-0001", b_milk), T0)
        .await
        .unwrap();
    assert_ne!(b_id, id);
    let row = s.label(a.org, id).await.unwrap();
    assert_eq!((row.version, row.acked_version, row.push_error.as_str()), (1, 0, ""));
    assert_eq!(row.product.unwrap().id, milk);
}
