//! Selling at the till, first cut: scan or pick products, price them with the one
//! pricing engine, settle the payments and record the sale through the group-commit
//! writer. Members, points, stored value, coupons and promotions join in the selling
//! issue; today's tenders are cash, QR and card.

use crate::{Actor, App, AppError};
use linli_domain::auth::Permission;
use linli_domain::catalog::UnitKind;
use linli_domain::ids::{LocationId, OrderId, ProductId};
use linli_domain::pricing::{self, Cart, CartLine, StackingPolicy};
use linli_domain::till::{self, CashRounding, Payment, Settlement, Tender};
use linli_store::{NewSale, SaleLine, SalePayment};

/// One line as the till sends it: a product id, or a scanned code (a scale barcode
/// carries its own weight), and a quantity (pieces, or grams for weighed goods).
#[derive(Debug, Clone, Default)]
pub struct SellLine {
    pub product_id: Option<i64>,
    pub code: Option<String>,
    pub qty: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct SellInput {
    pub location_id: i64,
    pub lines: Vec<SellLine>,
    /// (tender code, amount in fen): cash, wechat_qr, alipay_qr, card.
    pub payments: Vec<(String, i64)>,
    /// none, drop_fen, drop_jiao or half_up_jiao; default none.
    pub rounding: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Sold {
    pub order: OrderId,
    pub subtotal_fen: i64,
    pub total_fen: i64,
    pub settlement: Settlement,
    pub lines: Vec<(ProductId, i64, i64)>,
}

fn tender(code: &str, field: &str) -> Result<Tender, AppError> {
    match code {
        "cash" => Ok(Tender::Cash),
        "wechat_qr" => Ok(Tender::WechatQr),
        "alipay_qr" => Ok(Tender::AlipayQr),
        "card" => Ok(Tender::Card),
        _ => Err(AppError::invalid(
            field,
            "tender must be cash, wechat_qr, alipay_qr or card",
            "支付方式须为 cash（现金）、wechat_qr（微信）、alipay_qr（支付宝）或 card（银行卡）",
        )),
    }
}

impl App {
    pub async fn sell(&self, actor: &Actor, input: SellInput) -> Result<Sold, AppError> {
        actor.require(Permission::Sell)?;
        if input.lines.is_empty() || input.lines.len() > linli_store::SALE_LINES_MAX {
            return Err(AppError::invalid(
                "lines",
                &format!("a sale has 1 to {} lines", linli_store::SALE_LINES_MAX),
                &format!("每单 1 到 {} 行", linli_store::SALE_LINES_MAX),
            ));
        }
        let store = match actor.store {
            Some(s) => s,
            None => self
                .store
                .stores(actor.org)
                .await?
                .first()
                .map(|s| s.id)
                .ok_or(AppError::NotFound)?,
        };
        let mut cart = Vec::with_capacity(input.lines.len());
        for (i, l) in input.lines.iter().enumerate() {
            let field = |f: &str| format!("lines[{i}].{f}");
            let (product, scanned_weight) = match (&l.code, l.product_id) {
                (Some(code), _) if !code.trim().is_empty() => {
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
                        AppError::invalid(&field("code"), "no product has this code", "没有商品使用此条码")
                    })?;
                    (p, scan.weight_g)
                }
                (_, Some(id)) => (
                    self.store
                        .product(actor.org, ProductId(id))
                        .await
                        .map_err(|_| AppError::invalid(&field("product_id"), "no such product", "商品不存在"))?,
                    None,
                ),
                _ => {
                    return Err(AppError::invalid(
                        &field("product_id"),
                        "give a product id or a code",
                        "请填写商品或扫描条码",
                    ));
                }
            };
            let weighed = product.unit_kind == UnitKind::Weight;
            let qty = match (l.qty, scanned_weight) {
                (Some(q), _) => q,
                (None, Some(w)) => w,
                (None, None) if !weighed => 1,
                (None, None) => {
                    return Err(AppError::invalid(
                        &field("qty"),
                        "weigh the item: qty in grams",
                        "请称重：数量以克为单位",
                    ));
                }
            };
            if qty <= 0 || qty > linli_domain::stock::MOVEMENT_QTY_MAX {
                return Err(AppError::invalid(
                    &field("qty"),
                    "quantity must be positive",
                    "数量必须大于 0",
                ));
            }
            cart.push(CartLine {
                line_no: u32::try_from(i).expect("lines are bounded") + 1,
                product: product.id,
                category: product.category_id,
                qty,
                weighed,
                unit_price_fen: product.price_fen,
            });
        }
        let priced = pricing::price(
            &Cart {
                lines: cart.clone(),
                member: None,
            },
            &[],
            &[],
            &StackingPolicy::default(),
            self.now(),
        )
        .map_err(|e| AppError::invalid(e.field(), &e.to_string(), &e.message_zh()))?;
        let rounding = match input.rounding.as_deref() {
            None | Some("") => CashRounding::None,
            Some(code) => CashRounding::from_code(code)
                .ok_or_else(|| AppError::invalid("rounding", "unknown rounding rule", "未知的抹零规则"))?,
        };
        let mut payments = Vec::with_capacity(input.payments.len());
        for (i, (code, amount)) in input.payments.iter().enumerate() {
            payments.push(Payment {
                tender: tender(code, &format!("payments[{i}].tender"))?,
                amount_fen: *amount,
            });
        }
        let settlement = till::settle(priced.total_fen, &payments, rounding)
            .map_err(|e| AppError::invalid("payments", &e.to_string(), &e.message_zh()))?;
        let lines: Vec<SaleLine> = cart
            .iter()
            .zip(&priced.lines)
            .map(|(c, p)| SaleLine {
                product: c.product,
                qty: c.qty,
                unit_price_fen: c.unit_price_fen,
                line_total_fen: p.total_fen,
            })
            .collect();
        let sale = NewSale {
            store,
            location: LocationId(input.location_id),
            channel: "till",
            member: None,
            staff: Some(actor.staff),
            lines: lines.clone(),
            payments: settlement
                .lines
                .iter()
                .map(|p| SalePayment {
                    method: p.tender.code(),
                    amount_fen: p.amount_fen,
                })
                .collect(),
            at: self.now(),
        };
        let order = self.sales.record(actor.org, sale).await.map_err(|e| match e {
            linli_store::StoreError::Stock(s) => AppError::stock(s, "lines"),
            other => other.into(),
        })?;
        Ok(Sold {
            order,
            subtotal_fen: priced.subtotal_fen,
            total_fen: priced.total_fen,
            settlement,
            lines: lines.iter().map(|l| (l.product, l.qty, l.line_total_fen)).collect(),
        })
    }
}
