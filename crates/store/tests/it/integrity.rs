//! The references of sale rows: parents are never deleted, and `dangling_references`
//! finds a row whose parent is missing or another organisation's. On PostgreSQL these
//! rows have no foreign keys (migration 0011); SQLite keeps and enforces them.
//!
//! These tests need a second, raw connection to write what the store never would, so
//! they open the database themselves instead of going through `on_both_backends!`.

use crate::fixtures::*;
use linli_domain::ids::ProductId;
use linli_store::*;
use sqlx::Connection;

mod backends {
    mod sqlite {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn parents_of_sale_rows_are_kept_and_broken_references_are_found() {
            let (_dir, url) = linli_testkit::temp_sqlite_url();
            super::super::parents_of_sale_rows_are_kept_and_broken_references_are_found(&url).await;
        }
    }
    mod postgres {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn parents_of_sale_rows_are_kept_and_broken_references_are_found() {
            let url = linli_testkit::fresh_pg_url();
            super::super::parents_of_sale_rows_are_kept_and_broken_references_are_found(&url).await;
        }
    }
}

fn sale_of(o: &Org, product: ProductId, member: Option<linli_domain::ids::MemberId>) -> NewSale {
    NewSale {
        store: o.store,
        location: o.floor,
        channel: "till",
        member,
        staff: Some(o.staff),
        lines: vec![SaleLine {
            product,
            qty: 2,
            unit_price_fen: 500,
            line_total_fen: 1000,
        }],
        payments: vec![SalePayment {
            method: "cash",
            amount_fen: 1000,
            points: 0,
        }],
        at: T0 + HOUR,
        details: SaleDetails::default(),
    }
}

async fn parents_of_sale_rows_are_kept_and_broken_references_are_found(url: &str) {
    let s = Store::connect(url).await.unwrap();
    let a = org(&s, "a").await;
    let b = org(&s, "b").await;
    let milk = product(&s, &a, "P1", "牛奶").await;
    let their_bread = product(&s, &b, "P1", "面包").await;
    stock(&s, &a, a.floor, milk, "L1", None, 10).await;
    let Recorded::New(order) = s.record_sale(a.org, &sale_of(&a, milk, None)).await.unwrap() else {
        panic!("a new sale")
    };
    assert_eq!(s.dangling_references(a.org).await.unwrap(), vec![]);

    let mut raw = sqlx::AnyConnection::connect(url).await.unwrap();
    let postgres = s.backend() == Backend::Postgres;
    if !postgres {
        sqlx::raw_sql("PRAGMA foreign_keys=ON").execute(&mut raw).await.unwrap();
    }

    // No parent of a sale row can be deleted, on either backend.
    for (table, id) in [
        ("orders", order.0),
        ("products", milk.0),
        ("locations", a.floor.0),
        ("orgs", a.org.0),
    ] {
        let deleted = sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE id = $1")))
            .bind(id)
            .execute(&mut raw)
            .await;
        let e = deleted.expect_err(&format!("deleting from {table} is refused"));
        assert!(e.to_string().contains("never deleted"), "{table}: {e}");
    }
    let lots = sqlx::query("DELETE FROM lots WHERE org_id = $1")
        .bind(a.org.0)
        .execute(&mut raw)
        .await;
    assert!(lots.is_err(), "deleting lots is refused");
    assert_eq!(s.dangling_references(a.org).await.unwrap(), vec![]);

    // A line of organisation a's order that names organisation b's product: a foreign
    // key allows it on both backends, the check does not.
    sqlx::query(
        "INSERT INTO order_lines (org_id, order_id, product_id, qty, unit_price_fen, line_total_fen) \
         VALUES ($1, $2, $3, 1, 100, 100)",
    )
    .bind(a.org.0)
    .bind(order.0)
    .bind(their_bread.0)
    .execute(&mut raw)
    .await
    .unwrap();
    assert_eq!(
        s.dangling_references(a.org).await.unwrap(),
        vec![("order_lines.product_id", 1)]
    );
    // Organisation b's own rows are not a's concern.
    assert_eq!(s.dangling_references(b.org).await.unwrap(), vec![]);

    // A payment of an order that does not exist: SQLite's key refuses it; PostgreSQL has
    // no key on the row, and the check finds it.
    let orphan = sqlx::query(
        "INSERT INTO order_payments (org_id, order_id, method, amount_fen, points) VALUES ($1, $2, 'cash', 100, 0)",
    )
    .bind(a.org.0)
    .bind(order.0 + 1_000_000)
    .execute(&mut raw)
    .await;
    if postgres {
        orphan.unwrap();
        assert_eq!(
            s.dangling_references(a.org).await.unwrap(),
            vec![("order_lines.product_id", 1), ("order_payments.order_id", 1)]
        );
    } else {
        assert!(orphan.unwrap_err().to_string().contains("FOREIGN KEY"));
    }
}
