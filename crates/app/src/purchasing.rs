//! Suppliers, purchase orders and receiving goods.

use crate::stock::{expiry, lot_code};
use crate::{Actor, App, AppError, Page, Paging};
use linli_domain::auth::Permission;
use linli_domain::ids::{LocationId, ProductId, PurchaseOrderId, SupplierId};
use linli_domain::phone::PhoneNumber;
use linli_domain::purchasing::{self, PoAction, PoStatus, PurchasingError};
use linli_store::{NewPoLine, NewSupplier, PoRow, ReceiptResult, ReceiveLine, SupplierRow};

pub const RECEIVE_LINES_MAX: usize = 500;

#[derive(Debug, Clone)]
pub struct SupplierInput {
    pub code: String,
    pub name_zh: String,
    /// farm, factory or distributor.
    pub kind: String,
    pub contact_phone: Option<String>,
    pub lead_time_hours: i64,
    /// "HH:MM" local time.
    pub order_cutoff: String,
    pub delivery_time: String,
}

#[derive(Debug, Clone)]
pub struct ReceiveInput {
    pub location_id: i64,
    pub po_id: Option<i64>,
    pub supplier_id: Option<i64>,
    pub note: Option<String>,
    pub lines: Vec<ReceiveLineInput>,
}

/// One line as the clerk entered it: a product id, or a scanned code that names the
/// product (and maybe the lot and expiry, from GS1).
#[derive(Debug, Clone, Default)]
pub struct ReceiveLineInput {
    pub product_id: Option<i64>,
    pub code: Option<String>,
    pub lot_code: Option<String>,
    pub expiry: Option<String>,
    pub qty: i64,
    pub unit_cost_fen: Option<i64>,
}

fn purchasing_err(e: PurchasingError) -> AppError {
    AppError::conflict("state", None, e.to_string(), e.message_zh())
}

fn minutes(t: &str, field: &str) -> Result<i64, AppError> {
    let time: jiff::civil::Time = t
        .trim()
        .parse()
        .map_err(|_| AppError::invalid(field, "time must look like 10:00", "时间须为 10:00 这样的格式"))?;
    let _ = purchasing::DeliveryRule::new(time, time, 0);
    Ok(i64::from(time.hour()) * 60 + i64::from(time.minute()))
}

fn po_action(code: &str) -> Result<PoAction, AppError> {
    match code {
        "send" => Ok(PoAction::Send),
        "close" => Ok(PoAction::Close),
        "cancel" => Ok(PoAction::Cancel),
        _ => Err(AppError::invalid(
            "action",
            "action must be send, close or cancel",
            "操作须为 send、close 或 cancel",
        )),
    }
}

impl App {
    pub async fn suppliers(&self, actor: &Actor) -> Result<Vec<SupplierRow>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        Ok(self.store.suppliers(actor.org).await?)
    }

    pub async fn create_supplier(&self, actor: &Actor, s: SupplierInput) -> Result<SupplierRow, AppError> {
        actor.require(Permission::ManagePurchasing)?;
        let name = linli_domain::catalog::product_name(&s.name_zh)
            .map_err(|e| AppError::invalid("name_zh", &e.to_string(), &e.message_zh()))?;
        if !matches!(s.kind.as_str(), "farm" | "factory" | "distributor") {
            return Err(AppError::invalid(
                "kind",
                "kind must be farm, factory or distributor",
                "类型须为 farm（农场）、factory（工厂）或 distributor（经销商）",
            ));
        }
        let code = s.code.trim();
        if code.is_empty() || code.len() > 32 {
            return Err(AppError::invalid(
                "code",
                "code must have 1 to 32 characters",
                "编码须为 1 到 32 个字符",
            ));
        }
        let phone = match s.contact_phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => PhoneNumber::parse(p)
                .map_err(|e| AppError::invalid("contact_phone", &e.to_string(), &e.message_zh()))?
                .as_str()
                .to_string(),
            None => String::new(),
        };
        if !(0..=purchasing::LEAD_TIME_HOURS_MAX).contains(&s.lead_time_hours) {
            let e = PurchasingError::LeadTime {
                max: purchasing::LEAD_TIME_HOURS_MAX,
            };
            return Err(AppError::invalid("lead_time_hours", &e.to_string(), &e.message_zh()));
        }
        let new = NewSupplier {
            code,
            name_zh: &name,
            kind: &s.kind,
            contact_phone: &phone,
            lead_time_hours: s.lead_time_hours,
            order_cutoff_min: minutes(&s.order_cutoff, "order_cutoff")?,
            delivery_time_min: minutes(&s.delivery_time, "delivery_time")?,
        };
        let id = self.store.create_supplier(actor.org, &new, self.now()).await?;
        Ok(self.store.supplier(actor.org, id).await?)
    }

    pub async fn create_po(
        &self,
        actor: &Actor,
        supplier: i64,
        lines: Vec<(i64, i64, i64)>,
        note: &str,
    ) -> Result<PoRow, AppError> {
        actor.require(Permission::ManagePurchasing)?;
        if lines.is_empty() {
            return Err(AppError::invalid(
                "lines",
                "a purchase order needs at least one line",
                "采购单至少需要一行商品",
            ));
        }
        if lines.len() > purchasing::PO_LINES_MAX {
            let e = PurchasingError::TooManyLines {
                max: purchasing::PO_LINES_MAX,
            };
            return Err(AppError::invalid("lines", &e.to_string(), &e.message_zh()));
        }
        for (i, (_, qty, cost)) in lines.iter().enumerate() {
            if *qty <= 0 || *qty > linli_domain::stock::MOVEMENT_QTY_MAX {
                return Err(AppError::invalid(
                    &format!("lines[{i}].qty"),
                    "ordered quantity must be positive",
                    "采购数量必须大于 0",
                ));
            }
            if *cost < 0 || *cost > linli_domain::money::AMOUNT_FEN_MAX {
                return Err(AppError::invalid(
                    &format!("lines[{i}].unit_cost_fen"),
                    "unit cost must be 0 or more",
                    "进价不能为负数",
                ));
            }
        }
        let store = self.actor_store(actor).await?;
        let prefix = format!("PO{}", linli_domain::time::local_date(self.now()).strftime("%Y%m%d"));
        let lines: Vec<NewPoLine> = lines
            .into_iter()
            .map(|(p, qty, cost)| NewPoLine {
                product: ProductId(p),
                qty,
                unit_cost_fen: cost,
            })
            .collect();
        let id = self
            .store
            .create_po(
                actor.org,
                store,
                SupplierId(supplier),
                &prefix,
                &lines,
                &crate::free_text(note, "note", crate::NOTE_CHARS_MAX)?,
                Some(actor.staff),
                self.now(),
            )
            .await?;
        Ok(self.store.po(actor.org, id).await?)
    }

    pub async fn po(&self, actor: &Actor, id: i64) -> Result<PoRow, AppError> {
        actor.require(Permission::ReceiveGoods)?;
        Ok(self.store.po(actor.org, PurchaseOrderId(id)).await?)
    }

    pub async fn pos(&self, actor: &Actor, status: Option<&str>, paging: Paging) -> Result<Page<PoRow>, AppError> {
        actor.require(Permission::ReceiveGoods)?;
        let status = match status.filter(|s| !s.is_empty()) {
            Some(s) => {
                Some(PoStatus::from_code(s).ok_or_else(|| AppError::invalid("status", "unknown status", "未知状态"))?)
            }
            None => None,
        };
        Ok(self.store.pos(actor.org, status, paging.request()).await?)
    }

    /// Sends (computing the expected delivery from the supplier's cut-off), closes or cancels.
    pub async fn po_action(&self, actor: &Actor, id: i64, action: &str) -> Result<PoRow, AppError> {
        actor.require(Permission::ManagePurchasing)?;
        let action = po_action(action)?;
        let po = self.store.po(actor.org, PurchaseOrderId(id)).await?;
        let now = self.now();
        let expected = if action == PoAction::Send {
            let s = self.store.supplier(actor.org, po.supplier_id).await?;
            Some(po_expected_delivery(&s, now))
        } else {
            None
        };
        self.store
            .po_action(actor.org, po.id, action, expected, actor.staff, now)
            .await?
            .map_err(purchasing_err)?;
        Ok(self.store.po(actor.org, po.id).await?)
    }

    /// Receives goods; each line names its product by id or by a scanned code, and its
    /// lot and expiry are typed or taken from a GS1 code.
    pub async fn receive(&self, actor: &Actor, input: ReceiveInput) -> Result<ReceiptResult, AppError> {
        actor.require(Permission::ReceiveGoods)?;
        if input.lines.is_empty() {
            return Err(AppError::invalid("lines", "nothing to receive", "没有要收货的商品"));
        }
        if input.lines.len() > RECEIVE_LINES_MAX {
            return Err(AppError::invalid("lines", "too many lines", "行数过多"));
        }
        let mut lines = Vec::with_capacity(input.lines.len());
        for (i, l) in input.lines.into_iter().enumerate() {
            let field = |f: &str| format!("lines[{i}].{f}");
            let (mut product, mut lot, mut exp) = (l.product_id.map(ProductId), l.lot_code.clone(), None);
            if let Some(code) = l.code.as_deref().filter(|c| !c.trim().is_empty()) {
                let scan = self.scan(actor, code).await.map_err(|e| match e {
                    AppError::Invalid {
                        message_en, message_zh, ..
                    } => AppError::Invalid {
                        field: field("code"),
                        message_en,
                        message_zh,
                    },
                    other => other,
                })?;
                let p = scan.product.ok_or_else(|| {
                    AppError::invalid(&field("code"), "no product has this barcode", "没有商品使用此条码")
                })?;
                product = Some(p.id);
                if lot.as_deref().is_none_or(|s| s.trim().is_empty()) {
                    lot = scan.lot;
                }
                exp = scan.expiry;
            }
            let product = product.ok_or_else(|| {
                AppError::invalid(
                    &field("product_id"),
                    "give a product id or a barcode",
                    "请填写商品或扫描条码",
                )
            })?;
            if l.qty <= 0 || l.qty > linli_domain::stock::MOVEMENT_QTY_MAX {
                return Err(AppError::invalid(
                    &field("qty"),
                    "quantity must be positive",
                    "数量必须大于 0",
                ));
            }
            let expiry_text = l.expiry.clone().filter(|e| !e.trim().is_empty()).or(exp);
            let expires_at = expiry(expiry_text.as_deref(), &field("expiry"))?;
            // Without a lot code on the label, the receiving date is the lot.
            let lot = match lot.filter(|s| !s.trim().is_empty()) {
                Some(code) => lot_code(&code, &field("lot_code"))?,
                None => format!("R{}", linli_domain::time::local_date(self.now()).strftime("%Y%m%d")),
            };
            if let Some(c) = l.unit_cost_fen
                && !(0..=linli_domain::money::AMOUNT_FEN_MAX).contains(&c)
            {
                return Err(AppError::invalid(
                    &field("unit_cost_fen"),
                    "unit cost must be 0 or more",
                    "进价不能为负数",
                ));
            }
            lines.push(ReceiveLine {
                product,
                lot_code: lot,
                expires_at,
                qty: l.qty,
                unit_cost_fen: l.unit_cost_fen,
            });
        }
        let result = self
            .store
            .receive(
                actor.org,
                LocationId(input.location_id),
                input.po_id.map(PurchaseOrderId),
                input.supplier_id.map(SupplierId),
                &lines,
                &crate::free_text(input.note.as_deref().unwrap_or(""), "note", crate::NOTE_CHARS_MAX)?,
                Some(actor.staff),
                self.now(),
            )
            .await?;
        result.map_err(purchasing_err)
    }
}

/// When an order sent to `s` at `now` arrives, by its cut-off, delivery time and lead
/// time (now, for a supplier whose times cannot be read).
pub fn po_expected_delivery(s: &linli_store::SupplierRow, now: i64) -> i64 {
    let t = |m: i64| {
        jiff::civil::Time::new(
            i8::try_from(m / 60).unwrap_or(0),
            i8::try_from(m % 60).unwrap_or(0),
            0,
            0,
        )
        .unwrap_or(jiff::civil::Time::midnight())
    };
    purchasing::DeliveryRule::new(t(s.order_cutoff_min), t(s.delivery_time_min), s.lead_time_hours)
        .map_or(now, |r| r.expected_delivery(now))
}
