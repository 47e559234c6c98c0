//! The till's copy of the catalog: every active product of an organisation with what a
//! till needs to sell it while the server is unreachable (price, unit kind, PLU,
//! barcodes, pinyin initials), read in two queries rather than page by page.

use crate::db::{Store, opt_i64};
use crate::error::Result;
use linli_domain::catalog::UnitKind;
use linli_domain::ids::{OrgId, ProductId};
use sqlx::Row;

/// The most products a till copies; a larger catalog is cut at this many (by id) and
/// says so, rather than growing the device's storage without bound.
pub const TILL_CATALOG_PRODUCTS_MAX: i64 = 20_000;

/// One product as the till keeps it. GTINs are in the stored 14-digit form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TillCatalogItem {
    pub id: ProductId,
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    pub pinyin_full: String,
    pub pinyin_initials: String,
    pub unit_kind: UnitKind,
    pub unit_label: String,
    pub price_fen: i64,
    pub plu: Option<i64>,
    pub gtins: Vec<String>,
    pub updated_at: i64,
}

/// The active products of an organisation, by id, and whether the list was cut.
#[derive(Debug, Clone)]
pub struct TillCatalog {
    pub items: Vec<TillCatalogItem>,
    pub truncated: bool,
}

impl Store {
    /// Every active product of `org` (up to [`TILL_CATALOG_PRODUCTS_MAX`]) with its GTINs.
    pub async fn till_catalog(&self, org: OrgId) -> Result<TillCatalog> {
        let rows = sqlx::query(
            "SELECT id, sku, name_zh, name_en, pinyin_full, pinyin_initials, unit_kind, unit_label, price_fen, plu, \
             updated_at FROM products WHERE org_id = $1 AND active = 1 ORDER BY id LIMIT $2",
        )
        .bind(org.0)
        .bind(TILL_CATALOG_PRODUCTS_MAX + 1)
        .fetch_all(&self.pool)
        .await?;
        let truncated = i64::try_from(rows.len()).unwrap_or(i64::MAX) > TILL_CATALOG_PRODUCTS_MAX;
        let mut items: Vec<TillCatalogItem> = rows
            .iter()
            .take(usize::try_from(TILL_CATALOG_PRODUCTS_MAX).unwrap_or(usize::MAX))
            .map(|r| TillCatalogItem {
                id: ProductId(r.get("id")),
                sku: r.get("sku"),
                name_zh: r.get("name_zh"),
                name_en: r.get("name_en"),
                pinyin_full: r.get("pinyin_full"),
                pinyin_initials: r.get("pinyin_initials"),
                unit_kind: UnitKind::from_code(&r.get::<String, _>("unit_kind")).unwrap_or(UnitKind::Piece),
                unit_label: r.get("unit_label"),
                price_fen: r.get("price_fen"),
                plu: opt_i64(r, "plu"),
                gtins: Vec::new(),
                updated_at: r.get("updated_at"),
            })
            .collect();
        // One query for every barcode of the organisation, joined to the products in memory
        // (items are sorted by id, so each lookup is a binary search).
        let gtins = sqlx::query(
            "SELECT g.product_id, g.gtin FROM product_gtins g JOIN products p ON p.id = g.product_id \
             WHERE g.org_id = $1 AND p.org_id = $1 AND p.active = 1 ORDER BY g.product_id, g.gtin",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        for g in &gtins {
            let product: i64 = g.get("product_id");
            if let Ok(i) = items.binary_search_by_key(&product, |p| p.id.0) {
                items[i].gtins.push(g.get("gtin"));
            }
        }
        Ok(TillCatalog { items, truncated })
    }
}
