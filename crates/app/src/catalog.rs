//! Products, categories, zones and the scan resolver the till and receiving share.

use crate::{Actor, App, AppError, Page, Paging};
use linli_domain::auth::Permission;
use linli_domain::barcode::gtin::Gtin;
use linli_domain::barcode::scale::{ScaleTemplate, ScaleValue};
use linli_domain::barcode::{self, Scanned};
use linli_domain::catalog::{self, CatalogError, UnitKind};
use linli_domain::ids::{CategoryId, ProductId, ZoneId};
use linli_domain::money::Money;
use linli_store::{CategoryRow, ProductData, ProductFilter, ProductRow, ScaleTemplateRow, ZoneRow};

pub const PRODUCT_GTINS_MAX: usize = 10;
pub const PRODUCT_ZONES_MAX: usize = 10;
pub const SKU_CHARS_MAX: usize = 32;
pub const SEARCH_CHARS_MAX: usize = 64;

/// A product as staff typed it, before validation.
#[derive(Debug, Clone, Default)]
pub struct ProductInput {
    pub sku: Option<String>,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub brand: Option<String>,
    pub category_id: Option<i64>,
    pub unit: String,
    pub price_fen: i64,
    pub cost_fen: Option<i64>,
    pub tax_rate_bp: Option<i64>,
    pub shelf_life_days: Option<i64>,
    pub plu: Option<i64>,
    pub reorder_point: Option<i64>,
    pub active: Option<bool>,
    pub gtins: Vec<String>,
    pub zone_ids: Vec<i64>,
}

/// What a scanned or typed code resolved to.
#[derive(Debug, Clone)]
pub struct ScanResult {
    /// "gtin", "scale", "gs1" or "plu".
    pub kind: &'static str,
    pub product: Option<ProductRow>,
    pub gtin: Option<String>,
    pub lot: Option<String>,
    pub serial: Option<String>,
    /// ISO date the lot expires (the day-00 rule already applied).
    pub expiry: Option<String>,
    pub best_before: Option<String>,
    pub weight_g: Option<i64>,
    /// For scale barcodes: the price printed in the code, or weight × price per kg.
    pub price_fen: Option<i64>,
}

fn catalog_err(e: CatalogError) -> AppError {
    AppError::Invalid {
        field: e.field().into(),
        message_en: e.to_string(),
        message_zh: e.message_zh(),
    }
}

fn optional_text(v: Option<String>, field: &str, max: usize) -> Result<String, AppError> {
    let s = v.unwrap_or_default().trim().to_string();
    if s.chars().count() > max {
        return Err(AppError::invalid(
            field,
            &format!("{field} is longer than {max} characters"),
            &format!("{field} 不能超过 {max} 个字符"),
        ));
    }
    Ok(s)
}

impl App {
    fn product_data(&self, input: ProductInput, sku_fallback: String) -> Result<ProductData, AppError> {
        let name_zh = catalog::product_name(&input.name_zh).map_err(catalog_err)?;
        let (unit_kind, unit_label) = catalog::unit(&input.unit).map_err(catalog_err)?;
        let price = catalog::price(input.price_fen).map_err(catalog_err)?;
        let cost = Money::price(input.cost_fen.unwrap_or(0))
            .map_err(|e| AppError::invalid("cost_fen", &e.to_string(), &e.message_zh()))?;
        let tax_rate_bp = catalog::tax_rate_bp(input.tax_rate_bp.unwrap_or(1300)).map_err(catalog_err)?;
        let shelf_life_days = catalog::shelf_life_days(input.shelf_life_days).map_err(catalog_err)?;
        let plu = catalog::plu(input.plu).map_err(catalog_err)?;
        let reorder_point = catalog::reorder_point(input.reorder_point.unwrap_or(0)).map_err(catalog_err)?;
        let sku = optional_text(input.sku, "sku", SKU_CHARS_MAX)?;
        let sku = if sku.is_empty() { sku_fallback } else { sku };
        if input.gtins.len() > PRODUCT_GTINS_MAX {
            return Err(AppError::invalid(
                "gtins",
                &format!("at most {PRODUCT_GTINS_MAX} barcodes"),
                &format!("最多 {PRODUCT_GTINS_MAX} 个条码"),
            ));
        }
        let mut gtins = Vec::new();
        for (i, g) in input.gtins.iter().enumerate() {
            let gtin = Gtin::parse(g)
                .map_err(|e| AppError::invalid(&format!("gtins[{i}]"), &e.to_string(), &e.message_zh()))?;
            let n = gtin.normalized();
            if !gtins.contains(&n) {
                gtins.push(n);
            }
        }
        if input.zone_ids.len() > PRODUCT_ZONES_MAX {
            return Err(AppError::invalid(
                "zone_ids",
                &format!("at most {PRODUCT_ZONES_MAX} zones"),
                &format!("最多 {PRODUCT_ZONES_MAX} 个场景专区"),
            ));
        }
        let (pinyin_full, pinyin_initials) = catalog::pinyin_of(&name_zh);
        Ok(ProductData {
            sku,
            name_zh,
            name_en: optional_text(input.name_en, "name_en", catalog::PRODUCT_NAME_CHARS_MAX)?,
            pinyin_full,
            pinyin_initials,
            brand: optional_text(input.brand, "brand", 40)?,
            category_id: input.category_id.map(CategoryId),
            unit_kind,
            unit_label,
            price_fen: price.fen(),
            cost_fen: cost.fen(),
            tax_rate_bp,
            shelf_life_days,
            plu: plu.map(i64::from),
            reorder_point,
            active: input.active.unwrap_or(true),
            gtins,
            zone_ids: input.zone_ids.into_iter().map(ZoneId).collect(),
        })
    }

    pub async fn create_product(&self, actor: &Actor, input: ProductInput) -> Result<ProductRow, AppError> {
        actor.require(Permission::EditCatalog)?;
        let now = self.now();
        let data = self.product_data(input, format!("SKU{now}"))?;
        let id = self
            .store
            .create_product(actor.org, &data, Some(actor.staff), now)
            .await?;
        Ok(self.store.product(actor.org, id).await?)
    }

    /// Replaces a product. Changing the price needs the price permission as well.
    pub async fn update_product(
        &self,
        actor: &Actor,
        id: ProductId,
        input: ProductInput,
    ) -> Result<ProductRow, AppError> {
        actor.require(Permission::EditCatalog)?;
        let old = self.store.product(actor.org, id).await?;
        let data = self.product_data(input, old.sku.clone())?;
        if data.price_fen != old.price_fen {
            actor.require(Permission::ChangePrice)?;
        }
        self.store
            .update_product(actor.org, id, &data, actor.staff, self.now())
            .await?;
        self.refresh_labels_for(actor.org, id).await;
        Ok(self.store.product(actor.org, id).await?)
    }

    /// Changes only the price (the common edit), audited.
    pub async fn set_price(&self, actor: &Actor, id: ProductId, price_fen: i64) -> Result<ProductRow, AppError> {
        actor.require(Permission::ChangePrice)?;
        let price = catalog::price(price_fen).map_err(catalog_err)?;
        let p = self.store.product(actor.org, id).await?;
        let mut data = to_data(&p);
        data.price_fen = price.fen();
        self.store
            .update_product(actor.org, id, &data, actor.staff, self.now())
            .await?;
        self.refresh_labels_for(actor.org, id).await;
        Ok(self.store.product(actor.org, id).await?)
    }

    pub async fn product(&self, actor: &Actor, id: ProductId) -> Result<ProductRow, AppError> {
        actor.require(Permission::ViewCatalog)?;
        Ok(self.store.product(actor.org, id).await?)
    }

    pub async fn products(
        &self,
        actor: &Actor,
        q: Option<String>,
        category: Option<i64>,
        zone: Option<i64>,
        include_inactive: bool,
        paging: Paging,
    ) -> Result<Page<ProductRow>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        let q = q.map(|q| crate::free_text(&q, "q", SEARCH_CHARS_MAX)).transpose()?;
        let filter = ProductFilter {
            q,
            category: category.map(CategoryId),
            zone: zone.map(ZoneId),
            include_inactive,
        };
        Ok(self.store.products(actor.org, &filter, paging.request()).await?)
    }

    pub async fn categories(&self, actor: &Actor) -> Result<Vec<CategoryRow>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        Ok(self.store.categories(actor.org).await?)
    }

    pub async fn create_category(
        &self,
        actor: &Actor,
        parent: Option<i64>,
        code: &str,
        name_zh: &str,
        name_en: &str,
        expiry_alert_hours: Option<i64>,
    ) -> Result<CategoryRow, AppError> {
        actor.require(Permission::EditCatalog)?;
        let name = catalog::product_name(name_zh)
            .map_err(|e| AppError::invalid("name_zh", &e.to_string(), &e.message_zh()))?;
        let code = code.trim();
        if code.is_empty() || code.len() > 32 {
            return Err(AppError::invalid(
                "code",
                "code must have 1 to 32 characters",
                "编码须为 1 到 32 个字符",
            ));
        }
        let hours = expiry_alert_hours.unwrap_or(72);
        if !(0..=24 * 365).contains(&hours) {
            return Err(AppError::invalid(
                "expiry_alert_hours",
                "alert horizon must be 0 to 8760 hours",
                "临期提醒须为 0 到 8760 小时",
            ));
        }
        if let Some(p) = parent
            && !self.store.categories(actor.org).await?.iter().any(|c| c.id.0 == p)
        {
            return Err(AppError::invalid(
                "parent_id",
                "parent category does not exist",
                "上级分类不存在",
            ));
        }
        let id = self
            .store
            .create_category(actor.org, parent.map(CategoryId), code, &name, name_en.trim(), hours)
            .await?;
        let all = self.store.categories(actor.org).await?;
        all.into_iter().find(|c| c.id == id).ok_or(AppError::NotFound)
    }

    pub async fn zones(&self, actor: &Actor) -> Result<Vec<ZoneRow>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        Ok(self.store.zones(actor.org).await?)
    }

    pub async fn create_zone(
        &self,
        actor: &Actor,
        code: &str,
        name_zh: &str,
        name_en: &str,
    ) -> Result<ZoneRow, AppError> {
        actor.require(Permission::EditCatalog)?;
        let name = catalog::product_name(name_zh)
            .map_err(|e| AppError::invalid("name_zh", &e.to_string(), &e.message_zh()))?;
        let code = code.trim();
        if code.is_empty() || code.len() > 32 {
            return Err(AppError::invalid(
                "code",
                "code must have 1 to 32 characters",
                "编码须为 1 到 32 个字符",
            ));
        }
        let id = self.store.create_zone(actor.org, code, &name, name_en.trim()).await?;
        self.store
            .zones(actor.org)
            .await?
            .into_iter()
            .find(|z| z.id == id)
            .ok_or(AppError::NotFound)
    }

    /// The organisation's scale templates, or the two common defaults when none are set.
    pub async fn scale_templates(&self, actor: &Actor) -> Result<Vec<ScaleTemplate>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        let rows = self.store.scale_templates(actor.org).await?;
        if rows.is_empty() {
            return Ok(vec![ScaleTemplate::weight_default(), ScaleTemplate::price_default()]);
        }
        Ok(rows.iter().filter_map(template_of).collect())
    }

    pub async fn set_scale_template(&self, actor: &Actor, t: ScaleTemplate) -> Result<(), AppError> {
        actor.require(Permission::EditCatalog)?;
        t.validate()
            .map_err(|e| AppError::invalid("prefix", &e.to_string(), &e.message_zh()))?;
        let row = ScaleTemplateRow {
            prefix: t.prefix.clone(),
            plu_digits: i64::from(t.plu_digits),
            value_kind: t.value_kind.code().to_string(),
            value_digits: i64::from(t.value_digits),
        };
        Ok(self.store.set_scale_template(actor.org, &row).await?)
    }

    /// Resolves whatever a scanner read: EAN/UPC, an in-store scale code, a GS1
    /// element string, or a PLU typed at the till.
    pub async fn scan(&self, actor: &Actor, code: &str) -> Result<ScanResult, AppError> {
        actor.require(Permission::ViewCatalog)?;
        let templates = self.scale_templates(actor).await?;
        let year = linli_domain::time::local_date(self.now()).year();
        let scanned = barcode::classify(code, &templates, year)
            .map_err(|e| AppError::invalid("code", &e.to_string(), &e.message_zh()))?;
        let empty = ScanResult {
            kind: "gtin",
            product: None,
            gtin: None,
            lot: None,
            serial: None,
            expiry: None,
            best_before: None,
            weight_g: None,
            price_fen: None,
        };
        Ok(match scanned {
            Scanned::Gtin(g) => {
                let product = self.store.product_by_gtin(actor.org, &g.normalized()).await?;
                ScanResult {
                    kind: "gtin",
                    product,
                    gtin: Some(g.normalized()),
                    ..empty
                }
            }
            Scanned::Plu(plu) => {
                let product = self.store.product_by_plu(actor.org, i64::from(plu)).await?;
                ScanResult {
                    kind: "plu",
                    product,
                    ..empty
                }
            }
            Scanned::Scale(r) => {
                let product = self.store.product_by_plu(actor.org, i64::from(r.plu)).await?;
                let price_fen = match (r.price_fen, r.weight_g, &product) {
                    (Some(p), _, _) => Some(p),
                    (None, Some(w), Some(p)) if p.unit_kind == UnitKind::Weight => {
                        Some(Money::for_weight(Money::from_fen(p.price_fen), w).fen())
                    }
                    _ => None,
                };
                ScanResult {
                    kind: "scale",
                    product,
                    weight_g: r.weight_g,
                    price_fen,
                    ..empty
                }
            }
            Scanned::Gs1(d) => {
                let product = match &d.gtin {
                    Some(g) => self.store.product_by_gtin(actor.org, &g.normalized()).await?,
                    None => None,
                };
                ScanResult {
                    kind: "gs1",
                    product,
                    gtin: d.gtin.as_ref().map(Gtin::normalized),
                    lot: d.lot,
                    serial: d.serial,
                    expiry: d.expiry.map(|e| e.to_string()),
                    best_before: d.best_before.map(|e| e.to_string()),
                    weight_g: d.net_weight_g,
                    price_fen: None,
                }
            }
        })
    }
}

fn template_of(r: &ScaleTemplateRow) -> Option<ScaleTemplate> {
    Some(ScaleTemplate {
        prefix: r.prefix.clone(),
        plu_digits: u8::try_from(r.plu_digits).ok()?,
        value_kind: ScaleValue::from_code(&r.value_kind)?,
        value_digits: u8::try_from(r.value_digits).ok()?,
        has_value_check: false,
    })
}

/// The stored product as data to write back (for partial edits).
pub fn to_data(p: &ProductRow) -> ProductData {
    ProductData {
        sku: p.sku.clone(),
        name_zh: p.name_zh.clone(),
        name_en: p.name_en.clone(),
        pinyin_full: p.pinyin_full.clone(),
        pinyin_initials: p.pinyin_initials.clone(),
        brand: p.brand.clone(),
        category_id: p.category_id,
        unit_kind: p.unit_kind,
        unit_label: p.unit_label.clone(),
        price_fen: p.price_fen,
        cost_fen: p.cost_fen,
        tax_rate_bp: p.tax_rate_bp,
        shelf_life_days: p.shelf_life_days,
        plu: p.plu,
        reorder_point: p.reorder_point,
        active: p.active,
        gtins: p.gtins.clone(),
        zone_ids: p.zone_ids.clone(),
    }
}

/// What a till copies to sell offline: its store and the location it sells from, the
/// scale-barcode layouts, and every active product with price, PLU and barcodes.
#[derive(Debug, Clone)]
pub struct TillSnapshot {
    pub store: linli_store::StoreRow,
    /// The sales floor of the store (else its first location); `None` when it has none.
    pub location: Option<linli_store::LocationRow>,
    pub templates: Vec<ScaleTemplate>,
    pub catalog: linli_store::TillCatalog,
}

impl App {
    /// The till's copy of the catalog (needs the sell permission).
    pub async fn till_snapshot(&self, actor: &Actor) -> Result<TillSnapshot, AppError> {
        actor.require(Permission::Sell)?;
        let stores = self.store.stores(actor.org).await?;
        let store = actor
            .store
            .and_then(|id| stores.iter().find(|s| s.id == id))
            .or_else(|| stores.first())
            .cloned()
            .ok_or(AppError::NotFound)?;
        let locations: Vec<_> = self
            .store
            .locations(actor.org)
            .await?
            .into_iter()
            .filter(|l| l.store_id == store.id)
            .collect();
        let location = locations
            .iter()
            .find(|l| l.kind == linli_store::LocationKind::SalesFloor)
            .or_else(|| locations.first())
            .cloned();
        let templates = self.scale_templates(actor).await?;
        let catalog = self.store.till_catalog(actor.org).await?;
        Ok(TillSnapshot {
            store,
            location,
            templates,
            catalog,
        })
    }
}
