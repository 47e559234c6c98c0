//! Stock by location and lot, hand adjustments and waste, transfers, counts, alerts.

use crate::{Actor, App, AppError, Page, Paging};
use linli_domain::auth::Permission;
use linli_domain::ids::{LocationId, LotId, ProductId, StockCountId};
use linli_domain::stock::{Delta, MovementKind};
use linli_store::{
    BalanceFilter, BalanceRow, LocationRow, LowStockRow, MovementMeta, MovementRow, STOCK_COUNT_LINES_MAX,
    StockCountRow,
};

pub const REASON_CHARS_MAX: usize = 200;
pub const LOT_CODE_CHARS_MAX: usize = 20;

/// A hand-made stock change: an adjustment (either sign) or a write-off.
#[derive(Debug, Clone)]
pub struct AdjustInput {
    pub location_id: i64,
    pub product_id: i64,
    pub lot_code: String,
    /// "adjustment" or "waste".
    pub kind: String,
    pub qty_delta: i64,
    pub reason: String,
    /// ISO date; only for a new lot added by an adjustment.
    pub expiry: Option<String>,
}

pub(crate) fn lot_code(code: &str, field: &str) -> Result<String, AppError> {
    let c = code.trim();
    if c.is_empty() || c.chars().count() > LOT_CODE_CHARS_MAX || !c.chars().all(linli_domain::barcode::gs1::is_cset82) {
        return Err(AppError::invalid(
            field,
            &format!("lot code must be 1 to {LOT_CODE_CHARS_MAX} printable characters"),
            &format!("批次号须为 1 到 {LOT_CODE_CHARS_MAX} 个可打印字符"),
        ));
    }
    Ok(c.to_string())
}

/// An expiry typed as an ISO date; the lot may be sold until the end of that day.
pub(crate) fn expiry(date: Option<&str>, field: &str) -> Result<Option<i64>, AppError> {
    match date.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(None),
        Some(d) => {
            let date: jiff::civil::Date = d.parse().map_err(|_| {
                AppError::invalid(
                    field,
                    "expiry must be a date like 2026-12-31",
                    "到期日须为 2026-12-31 这样的日期",
                )
            })?;
            Ok(Some(linli_domain::time::end_of_local_day(date)))
        }
    }
}

impl App {
    pub async fn locations(&self, actor: &Actor) -> Result<Vec<LocationRow>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        Ok(self.store.locations(actor.org).await?)
    }

    pub async fn balances(
        &self,
        actor: &Actor,
        location: Option<i64>,
        product: Option<i64>,
        q: Option<String>,
        include_empty: bool,
        paging: Paging,
    ) -> Result<Page<BalanceRow>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        let q = q
            .map(|q| crate::free_text(&q, "q", crate::catalog::SEARCH_CHARS_MAX))
            .transpose()?;
        let filter = BalanceFilter {
            location: location.map(LocationId),
            product: product.map(ProductId),
            q,
            include_empty,
        };
        Ok(self.store.balances(actor.org, &filter, paging.request()).await?)
    }

    pub async fn movements(
        &self,
        actor: &Actor,
        product: Option<i64>,
        lot: Option<i64>,
        paging: Paging,
    ) -> Result<Page<MovementRow>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        Ok(self
            .store
            .movements(actor.org, product.map(ProductId), lot.map(LotId), paging.request())
            .await?)
    }

    pub async fn adjust_stock(&self, actor: &Actor, input: AdjustInput) -> Result<MovementRow, AppError> {
        actor.require(Permission::AdjustStock)?;
        let kind = match input.kind.as_str() {
            "adjustment" => MovementKind::Adjustment,
            "waste" => MovementKind::Waste,
            _ => {
                return Err(AppError::invalid(
                    "kind",
                    "kind must be adjustment or waste",
                    "类型须为 adjustment（调整）或 waste（报损）",
                ));
            }
        };
        let reason = input.reason.trim();
        if reason.chars().count() > REASON_CHARS_MAX {
            return Err(AppError::invalid("reason", "reason is too long", "原因过长"));
        }
        let delta = Delta::new(kind, input.qty_delta, Some(reason)).map_err(|e| {
            let field = if matches!(e, linli_domain::stock::StockError::ReasonRequired { .. }) {
                "reason"
            } else {
                "qty_delta"
            };
            AppError::stock(e, field)
        })?;
        let lot = lot_code(&input.lot_code, "lot_code")?;
        let expires_at = expiry(input.expiry.as_deref(), "expiry")?;
        let meta = MovementMeta {
            reason,
            ref_type: "manual",
            ref_id: None,
            staff: Some(actor.staff),
        };
        self.store
            .post_movement(
                actor.org,
                LocationId(input.location_id),
                ProductId(input.product_id),
                &lot,
                expires_at,
                delta,
                &meta,
                self.now(),
            )
            .await
            .map_err(|e| match e {
                linli_store::StoreError::Stock(s) => AppError::stock(s, "qty_delta"),
                other => other.into(),
            })
    }

    pub async fn transfer(
        &self,
        actor: &Actor,
        from: i64,
        to: i64,
        product: i64,
        qty: i64,
    ) -> Result<Vec<(linli_store::LotRow, i64)>, AppError> {
        actor.require(Permission::AdjustStock)?;
        if qty <= 0 {
            return Err(AppError::invalid("qty", "quantity must be positive", "数量必须大于 0"));
        }
        if from == to {
            return Err(AppError::invalid(
                "to_location_id",
                "source and destination are the same",
                "调出和调入位置相同",
            ));
        }
        let meta = MovementMeta {
            reason: "",
            ref_type: "transfer",
            ref_id: None,
            staff: Some(actor.staff),
        };
        Ok(self
            .store
            .transfer(
                actor.org,
                LocationId(from),
                LocationId(to),
                ProductId(product),
                qty,
                &meta,
                self.now(),
            )
            .await?)
    }

    /// Takes every expired lot with stock at a location off the books (过期报损).
    pub async fn write_off_expired(
        &self,
        actor: &Actor,
        location: i64,
    ) -> Result<Vec<(linli_store::LotRow, i64)>, AppError> {
        actor.require(Permission::AdjustStock)?;
        Ok(self
            .store
            .write_off_expired(actor.org, LocationId(location), Some(actor.staff), self.now())
            .await?)
    }

    pub async fn expiry_alerts(&self, actor: &Actor, paging: Paging) -> Result<Page<BalanceRow>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        Ok(self
            .store
            .expiry_alerts(actor.org, self.now(), paging.request())
            .await?)
    }

    pub async fn low_stock(&self, actor: &Actor, paging: Paging) -> Result<Page<LowStockRow>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        Ok(self.store.low_stock(actor.org, paging.request()).await?)
    }

    pub async fn open_stock_count(
        &self,
        actor: &Actor,
        location: i64,
        products: Vec<i64>,
        note: &str,
    ) -> Result<StockCountRow, AppError> {
        actor.require(Permission::CountStock)?;
        if products.len() > STOCK_COUNT_LINES_MAX {
            return Err(AppError::invalid(
                "product_ids",
                "too many products for one count",
                "单次盘点商品过多",
            ));
        }
        let products: Vec<ProductId> = products.into_iter().map(ProductId).collect();
        let id = self
            .store
            .open_stock_count(
                actor.org,
                LocationId(location),
                &products,
                &crate::free_text(note, "note", crate::NOTE_CHARS_MAX)?,
                actor.staff,
                self.now(),
            )
            .await?;
        Ok(self.store.stock_count(actor.org, id).await?)
    }

    pub async fn record_counts(
        &self,
        actor: &Actor,
        id: i64,
        counted: Vec<(i64, i64)>,
    ) -> Result<StockCountRow, AppError> {
        actor.require(Permission::CountStock)?;
        if counted.len() > STOCK_COUNT_LINES_MAX {
            return Err(AppError::invalid("lines", "too many lines", "行数过多"));
        }
        if let Some(i) = counted.iter().position(|(_, q)| *q < 0) {
            return Err(AppError::invalid(
                &format!("lines[{i}].counted"),
                "a counted quantity cannot be negative",
                "盘点数量不能为负数",
            ));
        }
        let counted: Vec<(LotId, i64)> = counted.into_iter().map(|(l, q)| (LotId(l), q)).collect();
        self.store.record_counts(actor.org, StockCountId(id), &counted).await?;
        Ok(self.store.stock_count(actor.org, StockCountId(id)).await?)
    }

    /// Posting corrections changes stock: managers and owners only.
    pub async fn post_stock_count(&self, actor: &Actor, id: i64) -> Result<StockCountRow, AppError> {
        actor.require(Permission::AdjustStock)?;
        self.store
            .post_stock_count(actor.org, StockCountId(id), actor.staff, self.now())
            .await?;
        Ok(self.store.stock_count(actor.org, StockCountId(id)).await?)
    }

    pub async fn stock_count(&self, actor: &Actor, id: i64) -> Result<StockCountRow, AppError> {
        actor.require(Permission::CountStock)?;
        Ok(self.store.stock_count(actor.org, StockCountId(id)).await?)
    }

    pub async fn stock_counts(&self, actor: &Actor, paging: Paging) -> Result<Page<StockCountRow>, AppError> {
        actor.require(Permission::CountStock)?;
        Ok(self.store.stock_counts(actor.org, paging.request()).await?)
    }
}
