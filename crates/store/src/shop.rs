//! What the resident shop (居民商城) reads besides the catalog: how much of each product
//! a location can still promise (on hand − reserved, unexpired lots only), how fresh it
//! is, the buildings a store delivers to, and the organisation a bare `/shop` opens.
//!
//! Read-only: placing, paying and cancelling go through `online.rs` like every order.

use crate::db::{Store, opt_i64};
use crate::error::Result;
use linli_domain::ids::{BuildingId, LocationId, OrgId, ProductId, StoreId};
use sqlx::Row;

/// Products one shelf query reads at most (a page of the shop is far smaller).
pub const SHELF_PRODUCTS_MAX: usize = 500;

/// What a location can promise of one product right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShelfRow {
    pub product_id: ProductId,
    /// Units (grams for weighed goods) free to sell or reserve: on hand − reserved,
    /// over lots that are not expired.
    pub available: i64,
    /// The expiry instant of the earliest-expiring lot that still has free units (the
    /// one FEFO hands out next); None when that stock never expires or there is none.
    pub earliest_expiry: Option<i64>,
    /// When the newest lot with free units was received.
    pub newest_received_at: Option<i64>,
}

/// A building a store delivers to.
#[derive(Debug, Clone)]
pub struct ShopBuildingRow {
    pub id: BuildingId,
    pub code: String,
    pub name_zh: String,
    pub compound_zh: String,
}

impl Store {
    /// The shelf state of `products` at `location`: one row per product asked for, in
    /// the order asked (a product with no stock there answers `available` 0).
    pub async fn shelf(
        &self,
        org: OrgId,
        location: LocationId,
        products: &[ProductId],
        now: i64,
    ) -> Result<Vec<ShelfRow>> {
        assert!(
            products.len() <= SHELF_PRODUCTS_MAX,
            "a shelf query is one page of products"
        );
        if products.is_empty() {
            return Ok(Vec::new());
        }
        // Ids are integers, so the list is safe to write into the SQL text.
        let list = products.iter().map(|p| p.0.to_string()).collect::<Vec<_>>().join(",");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT b.product_id, \
             CAST(SUM(b.qty_on_hand - b.qty_reserved) AS BIGINT) AS available, \
             MIN(CASE WHEN b.qty_on_hand > b.qty_reserved THEN l.expires_at END) AS earliest_expiry, \
             MAX(CASE WHEN b.qty_on_hand > b.qty_reserved THEN l.received_at END) AS newest_received_at \
             FROM stock_balances b JOIN lots l ON l.id = b.lot_id \
             WHERE b.org_id = $1 AND b.location_id = $2 AND b.qty_on_hand > 0 \
             AND b.product_id IN ({list}) AND (l.expires_at IS NULL OR l.expires_at > $3) \
             GROUP BY b.product_id"
        )))
        .bind(org.0)
        .bind(location.0)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(products
            .iter()
            .map(|p| {
                let row = rows.iter().find(|r| r.get::<i64, _>("product_id") == p.0);
                ShelfRow {
                    product_id: *p,
                    available: row.map_or(0, |r| r.get::<i64, _>("available").max(0)),
                    earliest_expiry: row.and_then(|r| opt_i64(r, "earliest_expiry")),
                    newest_received_at: row.and_then(|r| opt_i64(r, "newest_received_at")),
                }
            })
            .collect())
    }

    /// The buildings a store delivers to, by code.
    pub async fn shop_buildings(&self, org: OrgId, store: StoreId) -> Result<Vec<ShopBuildingRow>> {
        let rows = sqlx::query(
            "SELECT id, code, name_zh, compound_zh FROM buildings WHERE org_id = $1 AND store_id = $2 \
             ORDER BY code, id",
        )
        .bind(org.0)
        .bind(store.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| ShopBuildingRow {
                id: BuildingId(r.get("id")),
                code: r.get("code"),
                name_zh: r.get("name_zh"),
                compound_zh: r.get("compound_zh"),
            })
            .collect())
    }

    /// The organisation a shop link without one opens: the first one created (a
    /// single-store installation has only that one). None on an empty database.
    pub async fn first_org(&self) -> Result<Option<OrgId>> {
        let row = sqlx::query("SELECT MIN(id) AS id FROM orgs")
            .fetch_one(&self.pool)
            .await?;
        Ok(opt_i64(&row, "id").map(OrgId))
    }
}
