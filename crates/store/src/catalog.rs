//! Categories, scene zones, products with their GTINs, and scale-barcode templates.

use crate::audit::{AuditEntry, write_audit};
use crate::db::{Store, Tx, opt_i64};
use crate::error::{Result, StoreError};
use crate::{Page, PageRequest};
use linli_domain::catalog::UnitKind;
use linli_domain::ids::{CategoryId, OrgId, ProductId, StaffId, ZoneId};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct CategoryRow {
    pub id: CategoryId,
    pub parent_id: Option<CategoryId>,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub expiry_alert_hours: i64,
}

#[derive(Debug, Clone)]
pub struct ZoneRow {
    pub id: ZoneId,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// A product as stored. GTINs are kept in the 14-digit normal form.
#[derive(Debug, Clone)]
pub struct ProductRow {
    pub id: ProductId,
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    pub pinyin_full: String,
    pub pinyin_initials: String,
    pub brand: String,
    pub category_id: Option<CategoryId>,
    pub unit_kind: UnitKind,
    pub unit_label: String,
    pub price_fen: i64,
    pub cost_fen: i64,
    pub tax_rate_bp: i64,
    pub shelf_life_days: Option<i64>,
    pub plu: Option<i64>,
    pub reorder_point: i64,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub gtins: Vec<String>,
    pub zone_ids: Vec<ZoneId>,
}

/// Everything needed to create or replace a product; validated by `domain` first.
#[derive(Debug, Clone)]
pub struct ProductData {
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    pub pinyin_full: String,
    pub pinyin_initials: String,
    pub brand: String,
    pub category_id: Option<CategoryId>,
    pub unit_kind: UnitKind,
    pub unit_label: String,
    pub price_fen: i64,
    pub cost_fen: i64,
    pub tax_rate_bp: i64,
    pub shelf_life_days: Option<i64>,
    pub plu: Option<i64>,
    pub reorder_point: i64,
    pub active: bool,
    pub gtins: Vec<String>,
    pub zone_ids: Vec<ZoneId>,
}

#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Matches name (zh or en), pinyin initials or full pinyin (prefix or contained), SKU or GTIN.
    pub q: Option<String>,
    pub category: Option<CategoryId>,
    pub zone: Option<ZoneId>,
    pub include_inactive: bool,
}

#[derive(Debug, Clone)]
pub struct ScaleTemplateRow {
    pub prefix: String,
    pub plu_digits: i64,
    pub value_kind: String,
    pub value_digits: i64,
}

const PRODUCT_COLS: &str = "p.id, p.sku, p.name_zh, p.name_en, p.pinyin_full, p.pinyin_initials, p.brand, \
     p.category_id, p.unit_kind, p.unit_label, p.price_fen, p.cost_fen, p.tax_rate_bp, p.shelf_life_days, \
     p.plu, p.reorder_point, p.active, p.created_at, p.updated_at";

fn product_row(r: &AnyRow) -> ProductRow {
    ProductRow {
        id: ProductId(r.get("id")),
        sku: r.get("sku"),
        name_zh: r.get("name_zh"),
        name_en: r.get("name_en"),
        pinyin_full: r.get("pinyin_full"),
        pinyin_initials: r.get("pinyin_initials"),
        brand: r.get("brand"),
        category_id: opt_i64(r, "category_id").map(CategoryId),
        unit_kind: UnitKind::from_code(&r.get::<String, _>("unit_kind")).unwrap_or(UnitKind::Piece),
        unit_label: r.get("unit_label"),
        price_fen: r.get("price_fen"),
        cost_fen: r.get("cost_fen"),
        tax_rate_bp: r.get("tax_rate_bp"),
        shelf_life_days: opt_i64(r, "shelf_life_days"),
        plu: opt_i64(r, "plu"),
        reorder_point: r.get("reorder_point"),
        active: r.get::<i64, _>("active") != 0,
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
        gtins: Vec::new(),
        zone_ids: Vec::new(),
    }
}

/// Escapes LIKE wildcards in user input (`\` is the escape character on both backends).
pub(crate) fn like_contains(q: &str) -> String {
    let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

impl Store {
    pub async fn create_category(
        &self,
        org: OrgId,
        parent: Option<CategoryId>,
        code: &str,
        name_zh: &str,
        name_en: &str,
        expiry_alert_hours: i64,
    ) -> Result<CategoryId> {
        let row = sqlx::query(
            "INSERT INTO categories (org_id, parent_id, code, name_zh, name_en, expiry_alert_hours) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(org.0)
        .bind(parent.map(|p| p.0))
        .bind(code)
        .bind(name_zh)
        .bind(name_en)
        .bind(expiry_alert_hours)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| StoreError::unique(e, &["code"]))?;
        Ok(CategoryId(row.get("id")))
    }

    pub async fn categories(&self, org: OrgId) -> Result<Vec<CategoryRow>> {
        let rows = sqlx::query(
            "SELECT id, parent_id, code, name_zh, name_en, expiry_alert_hours FROM categories \
             WHERE org_id = $1 ORDER BY id",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| CategoryRow {
                id: CategoryId(r.get("id")),
                parent_id: opt_i64(r, "parent_id").map(CategoryId),
                code: r.get("code"),
                name_zh: r.get("name_zh"),
                name_en: r.get("name_en"),
                expiry_alert_hours: r.get("expiry_alert_hours"),
            })
            .collect())
    }

    pub async fn create_zone(&self, org: OrgId, code: &str, name_zh: &str, name_en: &str) -> Result<ZoneId> {
        let row =
            sqlx::query("INSERT INTO zones (org_id, code, name_zh, name_en) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(org.0)
                .bind(code)
                .bind(name_zh)
                .bind(name_en)
                .fetch_one(&self.pool)
                .await
                .map_err(|e| StoreError::unique(e, &["code"]))?;
        Ok(ZoneId(row.get("id")))
    }

    pub async fn zones(&self, org: OrgId) -> Result<Vec<ZoneRow>> {
        let rows = sqlx::query("SELECT id, code, name_zh, name_en FROM zones WHERE org_id = $1 ORDER BY id")
            .bind(org.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| ZoneRow {
                id: ZoneId(r.get("id")),
                code: r.get("code"),
                name_zh: r.get("name_zh"),
                name_en: r.get("name_en"),
            })
            .collect())
    }

    /// Checks that the category and zones a product refers to belong to the organisation.
    async fn check_product_refs(tx: &mut Tx, org: OrgId, data: &ProductData) -> Result<()> {
        if let Some(cat) = data.category_id {
            let found = sqlx::query("SELECT id FROM categories WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(cat.0)
                .fetch_optional(&mut **tx)
                .await?;
            if found.is_none() {
                return Err(StoreError::Conflict { field: "category_id" });
            }
        }
        for z in &data.zone_ids {
            let found = sqlx::query("SELECT id FROM zones WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(z.0)
                .fetch_optional(&mut **tx)
                .await?;
            if found.is_none() {
                return Err(StoreError::Conflict { field: "zone_ids" });
            }
        }
        Ok(())
    }

    async fn write_product_links(tx: &mut Tx, org: OrgId, id: ProductId, data: &ProductData) -> Result<()> {
        sqlx::query("DELETE FROM product_gtins WHERE org_id = $1 AND product_id = $2")
            .bind(org.0)
            .bind(id.0)
            .execute(&mut **tx)
            .await?;
        for g in &data.gtins {
            sqlx::query("INSERT INTO product_gtins (org_id, gtin, product_id) VALUES ($1, $2, $3)")
                .bind(org.0)
                .bind(g.as_str())
                .bind(id.0)
                .execute(&mut **tx)
                .await
                .map_err(|e| StoreError::unique(e, &["gtin"]))?;
        }
        sqlx::query("DELETE FROM product_zones WHERE org_id = $1 AND product_id = $2")
            .bind(org.0)
            .bind(id.0)
            .execute(&mut **tx)
            .await?;
        for z in &data.zone_ids {
            sqlx::query(
                "INSERT INTO product_zones (org_id, product_id, zone_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(org.0)
            .bind(id.0)
            .bind(z.0)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    pub async fn create_product(
        &self,
        org: OrgId,
        data: &ProductData,
        by: Option<StaffId>,
        at: i64,
    ) -> Result<ProductId> {
        let mut tx = self.begin().await?;
        let id = Self::insert_product(&mut tx, org, data, at).await?;
        write_audit(
            &mut tx,
            &AuditEntry {
                org,
                staff: by,
                action: "product.create",
                object_type: "product",
                object_id: Some(id.0),
                detail: format!("{} price_fen={}", data.name_zh, data.price_fen),
                at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub(crate) async fn insert_product(tx: &mut Tx, org: OrgId, data: &ProductData, at: i64) -> Result<ProductId> {
        Self::check_product_refs(tx, org, data).await?;
        let row = sqlx::query(
            "INSERT INTO products (org_id, sku, name_zh, name_en, pinyin_full, pinyin_initials, brand, category_id, \
             unit_kind, unit_label, price_fen, cost_fen, tax_rate_bp, shelf_life_days, plu, reorder_point, active, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) RETURNING id",
        )
        .bind(org.0)
        .bind(data.sku.as_str())
        .bind(data.name_zh.as_str())
        .bind(data.name_en.as_str())
        .bind(data.pinyin_full.as_str())
        .bind(data.pinyin_initials.as_str())
        .bind(data.brand.as_str())
        .bind(data.category_id.map(|c| c.0))
        .bind(data.unit_kind.code())
        .bind(data.unit_label.as_str())
        .bind(data.price_fen)
        .bind(data.cost_fen)
        .bind(data.tax_rate_bp)
        .bind(data.shelf_life_days)
        .bind(data.plu)
        .bind(data.reorder_point)
        .bind(i64::from(data.active))
        .bind(at)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| StoreError::unique(e, &["sku", "plu"]))?;
        let id = ProductId(row.get("id"));
        Self::write_product_links(tx, org, id, data).await?;
        Ok(id)
    }

    /// Replaces a product's fields; a price change is written to the audit log.
    pub async fn update_product(
        &self,
        org: OrgId,
        id: ProductId,
        data: &ProductData,
        by: StaffId,
        at: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let old = sqlx::query("SELECT price_fen, name_zh FROM products WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let old_price: i64 = old.get("price_fen");
        Self::check_product_refs(&mut tx, org, data).await?;
        sqlx::query(
            "UPDATE products SET sku = $3, name_zh = $4, name_en = $5, pinyin_full = $6, pinyin_initials = $7, \
             brand = $8, category_id = $9, unit_kind = $10, unit_label = $11, price_fen = $12, cost_fen = $13, \
             tax_rate_bp = $14, shelf_life_days = $15, plu = $16, reorder_point = $17, active = $18, updated_at = $19 \
             WHERE org_id = $1 AND id = $2",
        )
        .bind(org.0)
        .bind(id.0)
        .bind(data.sku.as_str())
        .bind(data.name_zh.as_str())
        .bind(data.name_en.as_str())
        .bind(data.pinyin_full.as_str())
        .bind(data.pinyin_initials.as_str())
        .bind(data.brand.as_str())
        .bind(data.category_id.map(|c| c.0))
        .bind(data.unit_kind.code())
        .bind(data.unit_label.as_str())
        .bind(data.price_fen)
        .bind(data.cost_fen)
        .bind(data.tax_rate_bp)
        .bind(data.shelf_life_days)
        .bind(data.plu)
        .bind(data.reorder_point)
        .bind(i64::from(data.active))
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, &["sku", "plu"]))?;
        Self::write_product_links(&mut tx, org, id, data).await?;
        let (action, detail) = if old_price != data.price_fen {
            (
                "product.price",
                format!("{}: {old_price} → {} fen", data.name_zh, data.price_fen),
            )
        } else {
            ("product.update", data.name_zh.clone())
        };
        write_audit(
            &mut tx,
            &AuditEntry {
                org,
                staff: Some(by),
                action,
                object_type: "product",
                object_id: Some(id.0),
                detail,
                at,
            },
        )
        .await?;
        tx.commit().await?;
        self.caches.sellable.drop_key(&(org, id));
        Ok(())
    }

    async fn attach_links(&self, org: OrgId, products: &mut [ProductRow]) -> Result<()> {
        if products.is_empty() {
            return Ok(());
        }
        // One query per table for the whole page, not one per product.
        let ids: Vec<String> = products.iter().map(|p| p.id.0.to_string()).collect();
        let list = ids.join(",");
        let gtins = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT product_id, gtin FROM product_gtins WHERE org_id = $1 AND product_id IN ({list}) ORDER BY gtin"
        )))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        let zones = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT product_id, zone_id FROM product_zones WHERE org_id = $1 AND product_id IN ({list}) ORDER BY zone_id"
        )))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        for p in products.iter_mut() {
            p.gtins = gtins
                .iter()
                .filter(|r| r.get::<i64, _>("product_id") == p.id.0)
                .map(|r| r.get("gtin"))
                .collect();
            p.zone_ids = zones
                .iter()
                .filter(|r| r.get::<i64, _>("product_id") == p.id.0)
                .map(|r| ZoneId(r.get("zone_id")))
                .collect();
        }
        Ok(())
    }

    pub async fn product(&self, org: OrgId, id: ProductId) -> Result<ProductRow> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PRODUCT_COLS} FROM products p WHERE p.org_id = $1 AND p.id = $2"
        )))
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        let mut p = [row.as_ref().map(product_row).ok_or(StoreError::NotFound)?];
        self.attach_links(org, &mut p).await?;
        let [p] = p;
        Ok(p)
    }

    pub async fn product_by_gtin(&self, org: OrgId, gtin14: &str) -> Result<Option<ProductRow>> {
        let row = sqlx::query("SELECT product_id FROM product_gtins WHERE org_id = $1 AND gtin = $2")
            .bind(org.0)
            .bind(gtin14)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some(self.product(org, ProductId(r.get("product_id"))).await?)),
            None => Ok(None),
        }
    }

    pub async fn product_by_plu(&self, org: OrgId, plu: i64) -> Result<Option<ProductRow>> {
        let row = sqlx::query("SELECT id FROM products WHERE org_id = $1 AND plu = $2")
            .bind(org.0)
            .bind(plu)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some(self.product(org, ProductId(r.get("id"))).await?)),
            None => Ok(None),
        }
    }

    /// Products matching a filter, best matches first: exact SKU/GTIN, then pinyin
    /// initials starting with the query, then the rest by name.
    pub async fn products(&self, org: OrgId, filter: &ProductFilter, page: PageRequest) -> Result<Page<ProductRow>> {
        let q = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        let q_lower = q.map(str::to_lowercase);
        let contains = q_lower.as_deref().map(like_contains);
        let prefix = q_lower
            .as_deref()
            .map(|q| format!("{}%", like_contains(q).trim_start_matches('%')));
        // A GTIN query matches the 14-digit normal form.
        let gtin14 = q
            .filter(|q| q.bytes().all(|b| b.is_ascii_digit()) && q.len() <= 14)
            .map(|q| format!("{q:0>14}"));
        let where_sql = "p.org_id = $1 \
             AND ($2 = 1 OR p.active = 1) \
             AND ($3 = 0 OR p.category_id = $3 OR p.category_id IN (SELECT id FROM categories WHERE parent_id = $3 AND org_id = $1)) \
             AND ($4 = 0 OR p.id IN (SELECT product_id FROM product_zones WHERE zone_id = $4 AND org_id = $1)) \
             AND ($5 = '' OR p.name_zh LIKE $5 ESCAPE '\\' OR LOWER(p.name_en) LIKE $5 ESCAPE '\\' \
                  OR p.pinyin_initials LIKE $5 ESCAPE '\\' OR p.pinyin_full LIKE $5 ESCAPE '\\' OR LOWER(p.sku) = $6 \
                  OR p.id IN (SELECT product_id FROM product_gtins WHERE org_id = $1 AND gtin = $7))";
        let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM products p WHERE {where_sql}"
        )))
        .bind(org.0)
        .bind(i64::from(filter.include_inactive))
        .bind(filter.category.map_or(0, |c| c.0))
        .bind(filter.zone.map_or(0, |z| z.0))
        .bind(contains.as_deref().unwrap_or(""))
        .bind(q_lower.as_deref().unwrap_or(""))
        .bind(gtin14.as_deref().unwrap_or(""))
        .fetch_one(&self.pool)
        .await?
        .get("n");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PRODUCT_COLS} FROM products p WHERE {where_sql} \
             ORDER BY CASE WHEN LOWER(p.sku) = $6 OR p.id IN (SELECT product_id FROM product_gtins WHERE org_id = $1 AND gtin = $7) THEN 0 \
                           WHEN p.pinyin_initials LIKE $8 ESCAPE '\\' THEN 1 \
                           WHEN p.name_zh LIKE $8 ESCAPE '\\' THEN 2 \
                           WHEN p.pinyin_initials LIKE $5 ESCAPE '\\' OR p.name_zh LIKE $5 ESCAPE '\\' THEN 3 ELSE 4 END, \
                      LENGTH(p.pinyin_initials), p.id \
             LIMIT $9 OFFSET $10"
        )))
        .bind(org.0)
        .bind(i64::from(filter.include_inactive))
        .bind(filter.category.map_or(0, |c| c.0))
        .bind(filter.zone.map_or(0, |z| z.0))
        .bind(contains.as_deref().unwrap_or(""))
        .bind(q_lower.as_deref().unwrap_or(""))
        .bind(gtin14.as_deref().unwrap_or(""))
        .bind(prefix.as_deref().unwrap_or(""))
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        let mut items: Vec<ProductRow> = rows.iter().map(product_row).collect();
        self.attach_links(org, &mut items).await?;
        Ok(Page { items, total })
    }

    pub async fn set_scale_template(&self, org: OrgId, t: &ScaleTemplateRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO scale_templates (org_id, prefix, plu_digits, value_kind, value_digits) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_id, prefix) DO UPDATE SET plu_digits = excluded.plu_digits, \
             value_kind = excluded.value_kind, value_digits = excluded.value_digits",
        )
        .bind(org.0)
        .bind(t.prefix.as_str())
        .bind(t.plu_digits)
        .bind(t.value_kind.as_str())
        .bind(t.value_digits)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn scale_templates(&self, org: OrgId) -> Result<Vec<ScaleTemplateRow>> {
        let rows = sqlx::query(
            "SELECT prefix, plu_digits, value_kind, value_digits FROM scale_templates WHERE org_id = $1 ORDER BY prefix",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| ScaleTemplateRow {
                prefix: r.get("prefix"),
                plu_digits: r.get("plu_digits"),
                value_kind: r.get("value_kind"),
                value_digits: r.get("value_digits"),
            })
            .collect())
    }
}
