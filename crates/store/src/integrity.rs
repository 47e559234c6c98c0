//! Checks that the rows sales write still point at their parents.
//!
//! On PostgreSQL those rows carry no foreign keys (migration 0011 says why); SQLite
//! keeps and enforces them. This check is the proof on both: a child row whose
//! parent is missing, or whose parent belongs to another organisation (which no
//! foreign key would catch), is dangling.

use crate::db::Store;
use crate::error::Result;
use linli_domain::ids::OrgId;
use sqlx::Row;

/// One reference the check follows: the child table and column, and the condition
/// (on the child row `c`) that holds when the reference is broken.
struct Reference {
    name: &'static str,
    table: &'static str,
    broken: &'static str,
}

const REFERENCES: &[Reference] = &[
    Reference {
        name: "orders.location_id",
        table: "orders",
        broken: "NOT EXISTS (SELECT 1 FROM locations p WHERE p.id = c.location_id AND p.org_id = c.org_id \
                 AND p.store_id = c.store_id)",
    },
    Reference {
        name: "orders.member_id",
        table: "orders",
        broken: "c.member_id IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM members p WHERE p.id = c.member_id AND p.org_id = c.org_id)",
    },
    Reference {
        name: "orders.delivery_building_id",
        table: "orders",
        broken: "c.delivery_building_id IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM buildings p WHERE p.id = c.delivery_building_id AND p.org_id = c.org_id)",
    },
    Reference {
        name: "order_lines.order_id",
        table: "order_lines",
        broken: "NOT EXISTS (SELECT 1 FROM orders p WHERE p.id = c.order_id AND p.org_id = c.org_id)",
    },
    Reference {
        name: "order_lines.product_id",
        table: "order_lines",
        broken: "NOT EXISTS (SELECT 1 FROM products p WHERE p.id = c.product_id AND p.org_id = c.org_id)",
    },
    Reference {
        name: "order_lines.lot_id",
        table: "order_lines",
        broken: "c.lot_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lots p WHERE p.id = c.lot_id \
                 AND p.org_id = c.org_id AND p.product_id = c.product_id)",
    },
    Reference {
        name: "stock_movements.location_id",
        table: "stock_movements",
        broken: "NOT EXISTS (SELECT 1 FROM locations p WHERE p.id = c.location_id AND p.org_id = c.org_id)",
    },
    Reference {
        name: "stock_movements.lot_id",
        table: "stock_movements",
        broken: "NOT EXISTS (SELECT 1 FROM lots p WHERE p.id = c.lot_id AND p.org_id = c.org_id \
                 AND p.product_id = c.product_id)",
    },
    Reference {
        name: "order_payments.order_id",
        table: "order_payments",
        broken: "NOT EXISTS (SELECT 1 FROM orders p WHERE p.id = c.order_id AND p.org_id = c.org_id)",
    },
    Reference {
        name: "member_points.member_id",
        table: "member_points",
        broken: "NOT EXISTS (SELECT 1 FROM members p WHERE p.id = c.member_id AND p.org_id = c.org_id)",
    },
    Reference {
        name: "member_points.order_id",
        table: "member_points",
        broken: "c.order_id IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM orders p WHERE p.id = c.order_id AND p.org_id = c.org_id)",
    },
    Reference {
        name: "member_stored_value.member_id",
        table: "member_stored_value",
        broken: "NOT EXISTS (SELECT 1 FROM members p WHERE p.id = c.member_id AND p.org_id = c.org_id)",
    },
    Reference {
        name: "member_stored_value.order_id",
        table: "member_stored_value",
        broken: "c.order_id IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM orders p WHERE p.id = c.order_id AND p.org_id = c.org_id)",
    },
    Reference {
        name: "order_discounts.order_id",
        table: "order_discounts",
        broken: "NOT EXISTS (SELECT 1 FROM orders p WHERE p.id = c.order_id AND p.org_id = c.org_id)",
    },
];

impl Store {
    /// The references of an organisation's sale rows (orders, lines, movements,
    /// payments, discounts, points and stored-value entries) that point at a missing
    /// parent or at another organisation's, as (`table.column`, rows). Empty when
    /// every reference holds.
    pub async fn dangling_references(&self, org: OrgId) -> Result<Vec<(&'static str, i64)>> {
        let mut dangling = Vec::new();
        for r in REFERENCES {
            let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) AS n FROM {} c WHERE c.org_id = $1 AND {}",
                r.table, r.broken
            )))
            .bind(org.0)
            .fetch_one(&self.pool)
            .await?
            .get("n");
            if n > 0 {
                dangling.push((r.name, n));
            }
        }
        Ok(dangling)
    }
}
