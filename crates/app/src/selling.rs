//! Selling at the till: scan or pick products, price them with the one pricing engine,
//! settle the payments and record the sale through the group-commit writer, with its
//! Idempotency-Key claimed in the sale's own savepoint. Offline tills replay their
//! queued sales here too: a replayed key answers with the order it made, and stock
//! that is gone meanwhile is recorded as a shortfall for the manager, never refused.

use crate::{Actor, App, AppError};
use linli_domain::auth::Permission;
use linli_domain::ids::{LocationId, MemberId, OrderId, ProductId};
use linli_domain::pricing::{self, Cart, CartLine, StackingPolicy};
use linli_domain::till::{self, CashRounding, Payment, Settlement, Tender};
use linli_store::{NewSale, Recorded, SaleDetails, SaleKey, SaleLine, SalePayment, SaleRecord, SellableProduct};
use std::collections::HashMap;

/// How far back an offline till may date a sale it queued.
pub const OFFLINE_AGE_MS_MAX: i64 = 7 * 24 * 3_600_000;
/// How far ahead of the server's clock an offline till's clock may run.
pub const OFFLINE_CLOCK_SKEW_MS_MAX: i64 = 5 * 60_000;
pub const TILL_ID_CHARS_MAX: usize = 64;

/// One line as the till sends it: a product id, or a scanned code (a scale barcode
/// carries its own weight), and a quantity (pieces, or grams for weighed goods).
#[derive(Debug, Clone, Default)]
pub struct SellLine {
    pub product_id: Option<i64>,
    pub code: Option<String>,
    pub qty: Option<i64>,
}

/// A sale queued by a till while it was offline.
#[derive(Debug, Clone)]
pub struct OfflineSale {
    pub till_id: String,
    pub sold_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct SellInput {
    pub location_id: i64,
    pub lines: Vec<SellLine>,
    pub member_id: Option<i64>,
    /// Points the member uses as payment (积分抵现).
    pub redeem_points: Option<i64>,
    /// The member's coupon issues to use.
    pub coupon_ids: Vec<i64>,
    /// (tender code, amount in fen): cash, wechat_qr, alipay_qr, card, stored_value.
    pub payments: Vec<(String, i64)>,
    /// Per payment (same order, may be shorter): the payment port's reference of a QR
    /// payment the payer approved (POST /api/v1/kiosk/payments); checked and kept.
    pub payment_refs: Vec<Option<String>>,
    /// none, drop_fen, drop_jiao or half_up_jiao; default none.
    pub rounding: Option<String>,
    pub offline: Option<OfflineSale>,
    /// The request's Idempotency-Key and the hash of its body.
    pub key: Option<(String, String)>,
}

/// A sale as the till shows it and the API answers it, first time or replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleView {
    pub record: SaleRecord,
    /// The total before 抹零.
    pub priced_total_fen: i64,
    pub paid_fen: i64,
    pub replayed: bool,
}

impl SaleView {
    fn from_record(record: SaleRecord, replayed: bool) -> SaleView {
        let paid_fen = record.payments.iter().map(|p| p.amount_fen).sum();
        SaleView {
            priced_total_fen: record.total_fen - record.rounding_fen,
            paid_fen,
            record,
            replayed,
        }
    }
}

fn tender(code: &str, field: &str) -> Result<Tender, AppError> {
    // Points are not typed as a tender: they come from `redeem_points`.
    match Tender::from_code(code, 0) {
        Some(t) if !matches!(t, Tender::Points { .. }) => Ok(t),
        _ => Err(AppError::invalid(
            field,
            "tender must be cash, wechat_qr, alipay_qr, card or stored_value (points go in redeem_points)",
            "支付方式须为 cash（现金）、wechat_qr（微信）、alipay_qr（支付宝）、card（银行卡）或 stored_value（储值）；积分请填 redeem_points",
        )),
    }
}

/// The code the receipt and the ledger use for a discount's source.
fn discount_source(
    d: &pricing::Discount,
    promotions: &[pricing::Promotion],
) -> (&'static str, Option<i64>, Option<(i64, u32)>) {
    match d.source {
        pricing::DiscountSource::Promotion(id) => {
            let flash = promotions.iter().find(|p| p.id == id).and_then(|p| match p.rule {
                pricing::PromotionRule::FlashSale {
                    product, cap_per_order, ..
                } => Some((product.0, cap_per_order)),
                _ => None,
            });
            (
                if flash.is_some() { "flash_sale" } else { "promotion" },
                Some(id.0),
                flash,
            )
        }
        pricing::DiscountSource::Coupon(id) => ("coupon", Some(id.0), None),
        pricing::DiscountSource::MemberTier => ("member_tier", None, None),
    }
}

/// A priced cart's discounts as an order records them (each explained on the receipt),
/// and the units each flash sale takes from its cap: (promotion, units). The till and
/// the shop record them alike.
pub(crate) fn recorded_discounts(
    priced: &pricing::Priced,
    promotions: &[pricing::Promotion],
    cart: &[CartLine],
) -> (Vec<linli_store::SaleDiscount>, Vec<(i64, i64)>) {
    let mut discounts = Vec::with_capacity(priced.discounts.len());
    let mut flash_takes = Vec::new();
    for d in &priced.discounts {
        let (source, source_id, flash) = discount_source(d, promotions);
        let mut qty = 0;
        if let (Some((product, cap)), Some(promotion)) = (flash, source_id) {
            let units: i64 = cart.iter().filter(|c| c.product.0 == product).map(|c| c.qty).sum();
            qty = units.min(i64::from(cap));
            if qty > 0 {
                flash_takes.push((promotion, qty));
            }
        }
        discounts.push(linli_store::SaleDiscount {
            source,
            source_id,
            label_zh: d.name_zh.clone(),
            label_en: d.name_en.clone(),
            amount_fen: d.amount_fen,
            qty,
        });
    }
    (discounts, flash_takes)
}

/// A member as the till prices them.
struct TillStanding {
    settings: linli_store::LoyaltySettings,
    tier: linli_domain::loyalty::TierRule,
}

/// The record of a sale just written, as `Store::sale_record` would read it back.
fn new_record(order: OrderId, sale: &NewSale, lines: Vec<linli_store::SaleRecordLine>) -> SaleRecord {
    let d = &sale.details;
    let lines_total: i64 = sale.lines.iter().map(|l| l.line_total_fen).sum();
    let flag = d.flag.map(str::to_string);
    SaleRecord {
        id: order,
        number: linli_store::sale_number(order, None),
        channel: sale.channel.to_string(),
        status: "completed".into(),
        member_id: sale.member,
        staff_id: sale.staff,
        location_id: sale.location.0,
        created_at: sale.at,
        total_fen: lines_total + d.rounding_fen,
        subtotal_fen: d.subtotal_fen,
        discount_fen: d.discount_fen,
        rounding_fen: d.rounding_fen,
        change_fen: d.change_fen,
        points_earned: d.points_earned,
        points_redeemed: d.points_redeemed,
        refunded_fen: 0,
        shift_id: d.shift,
        offline_till: d.offline_till.clone(),
        flag,
        lines,
        payments: sale
            .payments
            .iter()
            .map(|p| linli_store::SaleRecordPayment {
                method: p.method.to_string(),
                amount_fen: p.amount_fen,
                points: p.points,
            })
            .collect(),
        discounts: d
            .discounts
            .iter()
            .map(|x| linli_store::SaleRecordDiscount {
                source: x.source.to_string(),
                source_id: x.source_id,
                label_zh: x.label_zh.clone(),
                label_en: x.label_en.clone(),
                amount_fen: x.amount_fen,
            })
            .collect(),
    }
}

/// What a refused sale means to the caller.
fn sale_refusal(e: linli_store::StoreError) -> AppError {
    match e {
        linli_store::StoreError::Stock(s) => AppError::stock(s, "lines"),
        linli_store::StoreError::NotFound => AppError::invalid("location_id", "no such location", "库位不存在"),
        linli_store::StoreError::Refused {
            code: "invalid",
            field,
            en,
            zh,
        } => AppError::Invalid {
            field: field.to_string(),
            message_en: en,
            message_zh: zh,
        },
        // The same code as the Idempotency-Key layer answers on every other endpoint.
        linli_store::StoreError::Refused {
            code: code @ "idempotency_key_reused",
            field,
            en,
            zh,
        } => AppError::Rejected {
            code,
            field: field.to_string(),
            message_en: en,
            message_zh: zh,
        },
        other => other.into(),
    }
}

/// A line resolved to a product and a quantity.
struct Resolved {
    product: SellableProduct,
    qty: i64,
}

impl App {
    /// The products of the lines: codes through the scan resolver, ids in one query.
    async fn resolve_lines(&self, actor: &Actor, lines: &[SellLine]) -> Result<Vec<Resolved>, AppError> {
        let ids: Vec<ProductId> = lines
            .iter()
            .filter(|l| l.code.as_deref().is_none_or(|c| c.trim().is_empty()))
            .filter_map(|l| l.product_id.map(ProductId))
            .collect();
        let by_id: HashMap<ProductId, SellableProduct> = self
            .store
            .sellable_products(actor.org, &ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let mut out = Vec::with_capacity(lines.len());
        for (i, l) in lines.iter().enumerate() {
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
                    let sellable = SellableProduct {
                        id: p.id,
                        name_zh: p.name_zh,
                        name_en: p.name_en,
                        category_id: p.category_id,
                        weighed: p.unit_kind == linli_domain::catalog::UnitKind::Weight,
                        price_fen: p.price_fen,
                        active: p.active,
                    };
                    (sellable, scan.weight_g)
                }
                (_, Some(id)) => (
                    by_id
                        .get(&ProductId(id))
                        .cloned()
                        .ok_or_else(|| AppError::invalid(&field("product_id"), "no such product", "商品不存在"))?,
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
            if !product.active {
                return Err(AppError::invalid(
                    &field("product_id"),
                    "this product is no longer sold",
                    "该商品已停售",
                ));
            }
            let qty = match (l.qty, scanned_weight) {
                (Some(q), _) => q,
                (None, Some(w)) => w,
                (None, None) if !product.weighed => 1,
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
            out.push(Resolved { product, qty });
        }
        Ok(out)
    }

    pub async fn sell(&self, actor: &Actor, input: SellInput) -> Result<SaleView, AppError> {
        actor.require(Permission::Sell)?;
        if input.lines.is_empty() || input.lines.len() > linli_store::SALE_LINES_MAX {
            return Err(AppError::invalid(
                "lines",
                &format!("a sale has 1 to {} lines", linli_store::SALE_LINES_MAX),
                &format!("每单 1 到 {} 行", linli_store::SALE_LINES_MAX),
            ));
        }
        let now = self.now();
        let offline = match &input.offline {
            None => None,
            Some(o) => {
                let till_id = crate::free_text(&o.till_id, "offline.till_id", TILL_ID_CHARS_MAX)?;
                if till_id.is_empty() {
                    return Err(AppError::invalid(
                        "offline.till_id",
                        "an offline sale names its till",
                        "离线销售须注明收银机编号",
                    ));
                }
                if o.sold_at > now + OFFLINE_CLOCK_SKEW_MS_MAX || o.sold_at < now - OFFLINE_AGE_MS_MAX {
                    return Err(AppError::invalid(
                        "offline.sold_at",
                        "an offline sale must be from the last 7 days and not in the future",
                        "离线销售时间须在最近 7 天内，且不能晚于当前时间",
                    ));
                }
                Some((till_id, o.sold_at))
            }
        };
        let at = offline.as_ref().map_or(now, |(_, t)| *t);
        let store = self.actor_store(actor).await?;
        // The member and their rolling spend (for the tier) in one read.
        let (member, rolling_spend_fen) = match input.member_id {
            None => (None, 0),
            Some(id) => match self.store.member_rolling_spend(actor.org, MemberId(id), at).await? {
                None => return Err(AppError::invalid("member_id", "no such member", "会员不存在")),
                Some(spend) => (Some(MemberId(id)), spend),
            },
        };
        let key = input.key.map(|(key, request_hash)| SaleKey {
            principal: actor.principal(),
            key,
            request_hash,
        });
        // A replay answers with the sale its key made, even when the sale could no longer
        // be priced the same way (its coupon used, its flash sale over). The key is looked
        // up only when something refuses the sale: a new sale, the usual case, spends no
        // read on it, and the writer answers a key it finds used as the key says.
        let checked_key = key.clone();
        let outcome: Result<SaleView, AppError> = async {
            let resolved = self.resolve_lines(actor, &input.lines).await?;
            let cart: Vec<CartLine> = resolved
                .iter()
                .enumerate()
                .map(|(i, r)| CartLine {
                    line_no: u32::try_from(i).expect("lines are bounded") + 1,
                    product: r.product.id,
                    category: r.product.category_id,
                    qty: r.qty,
                    weighed: r.product.weighed,
                    unit_price_fen: r.product.price_fen,
                })
                .collect();
            // The member's tier prices the cart; their points, stored value and coupons pay.
            let standing = match member {
                Some(_) => Some(self.till_standing(actor, rolling_spend_fen).await?),
                None => None,
            };
            if member.is_none() && (input.redeem_points.unwrap_or(0) != 0 || !input.coupon_ids.is_empty()) {
                let field = if input.coupon_ids.is_empty() {
                    "redeem_points"
                } else {
                    "coupon_ids"
                };
                return Err(AppError::invalid(
                    field,
                    "points and coupons need a member: give member_id",
                    "使用积分或优惠券须先识别会员（member_id）",
                ));
            }
            if input.coupon_ids.len() > pricing::COUPONS_MAX {
                return Err(AppError::invalid(
                    "coupon_ids",
                    &format!("at most {} coupons per sale", pricing::COUPONS_MAX),
                    &format!("每单最多使用 {} 张优惠券", pricing::COUPONS_MAX),
                ));
            }
            let promotions = self.store.active_promotions(actor.org, at).await?;
            let coupons = match member {
                Some(m) if !input.coupon_ids.is_empty() => {
                    let ids: Vec<pricing::CouponId> = input.coupon_ids.iter().map(|&i| pricing::CouponId(i)).collect();
                    self.store
                        .usable_coupons(actor.org, m, &ids, at)
                        .await
                        .map_err(crate::offers::coupon_refusal)?
                }
                _ => Vec::new(),
            };
            // "New member" as the quote decides it (no completed order yet); only coupons ask.
            let is_new_member = match member {
                Some(m) if !coupons.is_empty() => self.store.is_new_member(actor.org, m).await?,
                _ => false,
            };
            let priced = pricing::price(
                &Cart {
                    lines: cart.clone(),
                    member: standing.as_ref().map(|s| pricing::MemberContext {
                        tier_discount_bp: s.tier.discount_bp.min(pricing::BP_MAX),
                        is_new_member,
                    }),
                },
                &promotions,
                &coupons,
                &StackingPolicy::default(),
                at,
            )
            .map_err(|e| AppError::invalid(e.field(), &e.to_string(), &e.message_zh()))?;
            if let Some((id, why)) = priced.coupons_rejected.first() {
                let i = input.coupon_ids.iter().position(|c| *c == id.0).unwrap_or(0);
                return Err(AppError::invalid(
                    &format!("coupon_ids[{i}]"),
                    &why.to_string(),
                    &why.message_zh(),
                ));
            }
            let rounding = match input.rounding.as_deref() {
                None | Some("") => CashRounding::None,
                Some(code) => CashRounding::from_code(code)
                    .ok_or_else(|| AppError::invalid("rounding", "unknown rounding rule", "未知的抹零规则"))?,
            };
            if input.payments.len() > till::PAYMENTS_MAX - 1 {
                return Err(AppError::invalid(
                    "payments",
                    &format!("a sale has at most {} payments", till::PAYMENTS_MAX - 1),
                    &format!("每单最多 {} 笔支付", till::PAYMENTS_MAX - 1),
                ));
            }
            let mut payments = Vec::with_capacity(input.payments.len() + 1);
            for (i, (code, amount)) in input.payments.iter().enumerate() {
                let t = tender(code, &format!("payments[{i}].tender"))?;
                if t == Tender::StoredValue && member.is_none() {
                    return Err(AppError::invalid(
                        &format!("payments[{i}].tender"),
                        "stored value needs a member: give member_id",
                        "使用储值支付须先识别会员（member_id）",
                    ));
                }
                payments.push(Payment {
                    tender: t,
                    amount_fen: *amount,
                });
            }
            let mut payment_refs: Vec<(usize, String)> = Vec::new();
            for (i, r) in input.payment_refs.iter().enumerate() {
                let Some(r) = r.as_deref().map(str::trim).filter(|r| !r.is_empty()) else {
                    continue;
                };
                let field = format!("payments[{i}].payment_ref");
                let Some(p) = payments.get(i) else {
                    return Err(AppError::invalid(
                        &field,
                        "no payment at this position",
                        "此位置没有支付",
                    ));
                };
                if !matches!(p.tender, Tender::WechatQr | Tender::AlipayQr) {
                    return Err(AppError::invalid(
                        &field,
                        "only QR payments carry a reference",
                        "只有扫码支付有支付单号",
                    ));
                }
                let amount = match self.kiosk_payment_of(actor.org, r).await {
                    Ok(amount) => amount,
                    Err(AppError::NotFound) => {
                        return Err(AppError::invalid(&field, "no such payment", "支付单不存在"));
                    }
                    Err(e) => return Err(e),
                };
                let status = self.payments.status(r).await.map_err(|e| {
                    AppError::conflict(
                        "payment_unavailable",
                        Some(&field),
                        e.to_string(),
                        format!("支付暂不可用：{e}"),
                    )
                })?;
                if status != crate::ports::IntentStatus::Approved || amount != p.amount_fen {
                    return Err(AppError::invalid(
                        &field,
                        "the payment is not approved for this amount",
                        "该支付未按此金额完成",
                    ));
                }
                payment_refs.push((i, r.to_string()));
            }
            let stored_value_fen: i64 = payments
                .iter()
                .filter(|p| p.tender == Tender::StoredValue)
                .map(|p| p.amount_fen)
                .sum();
            let redeem_points = input.redeem_points.unwrap_or(0);
            let loyalty = match (member, &standing) {
                (Some(m), Some(st)) => {
                    let first = crate::loyalty::sale_effects(
                        &st.settings,
                        m,
                        st.tier.points_multiplier_bp,
                        priced.total_fen,
                        0,
                        redeem_points,
                        stored_value_fen,
                        at,
                    )?;
                    // Money the member paid earns points; what points paid does not.
                    let eligible = (priced.total_fen - first.points_value_fen).max(0);
                    Some(crate::loyalty::sale_effects(
                        &st.settings,
                        m,
                        st.tier.points_multiplier_bp,
                        priced.total_fen,
                        eligible,
                        redeem_points,
                        stored_value_fen,
                        at,
                    )?)
                }
                _ => None,
            };
            if let Some(l) = &loyalty
                && l.effects.redeem_points > 0
            {
                // The points tender goes first: the typed payments move one place on.
                for (at, _) in &mut payment_refs {
                    *at += 1;
                }
                payments.insert(
                    0,
                    Payment {
                        tender: Tender::Points {
                            points: l.effects.redeem_points,
                        },
                        amount_fen: l.points_value_fen,
                    },
                );
            }
            let mut flag = None;
            let settlement = match till::settle(priced.total_fen, &payments, rounding) {
                Ok(s) => s,
                // The till priced this sale offline with the prices it had; it was paid. Keep
                // it as paid and let the manager look at the difference.
                Err(_) if offline.is_some() && payments.iter().all(|p| p.amount_fen > 0) => {
                    flag = Some("amount_mismatch");
                    let paid: i64 = payments.iter().map(|p| p.amount_fen).sum();
                    Settlement {
                        due_fen: priced.total_fen,
                        rounding_fen: 0,
                        paid_fen: paid,
                        change_fen: 0,
                        lines: payments.clone(),
                    }
                }
                Err(e) => return Err(AppError::invalid("payments", &e.to_string(), &e.message_zh())),
            };
            let (discounts, flash_takes) = recorded_discounts(&priced, &promotions, &cart);
            let shift = self.store.open_shift_id(actor.org, actor.staff).await?;
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
                member,
                staff: Some(actor.staff),
                lines,
                payments: settlement
                    .lines
                    .iter()
                    .map(|p| SalePayment {
                        method: p.tender.code(),
                        amount_fen: p.amount_fen,
                        points: match p.tender {
                            Tender::Points { points } => points,
                            _ => 0,
                        },
                    })
                    .collect(),
                at,
                details: SaleDetails {
                    subtotal_fen: priced.subtotal_fen,
                    discount_fen: priced.subtotal_fen - priced.total_fen,
                    rounding_fen: settlement.rounding_fen,
                    change_fen: settlement.change_fen,
                    points_earned: loyalty.as_ref().map_or(0, |l| l.effects.earn_points),
                    points_redeemed: redeem_points,
                    discounts,
                    shift,
                    offline_till: offline.map(|(t, _)| t),
                    flag,
                    key,
                    member_effects: loyalty.map(|l| l.effects),
                    coupon_issues: priced.coupons_used.iter().map(|c| c.0).collect(),
                    flash_takes,
                    payment_refs,
                },
            };
            let view_lines: Vec<linli_store::SaleRecordLine> = resolved
                .iter()
                .zip(&sale.lines)
                .enumerate()
                .map(|(i, (r, l))| linli_store::SaleRecordLine {
                    line_no: i64::try_from(i).expect("lines are bounded") + 1,
                    product_id: l.product,
                    name_zh: r.product.name_zh.clone(),
                    name_en: r.product.name_en.clone(),
                    qty: l.qty,
                    unit_price_fen: l.unit_price_fen,
                    total_fen: l.line_total_fen,
                    refunded_qty: 0,
                    refunded_fen: 0,
                    weighed: r.product.weighed,
                })
                .collect();
            // What is about to be written, to answer without reading it back; a replay reads
            // the record, and the tests hold the two equal. An offline sale may be kept short
            // of stock by the store, so it is read back.
            let offline = sale.details.offline_till.is_some();
            let mut record = new_record(OrderId(0), &sale, view_lines);
            let recorded = self.sales.record(actor.org, sale).await.map_err(sale_refusal)?;
            match recorded {
                Recorded::New(order) if !offline => {
                    record.id = order;
                    record.number = linli_store::sale_number(order, None);
                    Ok(SaleView::from_record(record, false))
                }
                _ => self.recorded_view(actor, recorded).await,
            }
        }
        .await;
        match (outcome, checked_key) {
            (Err(refused), Some(k)) => match self.store.sale_key_state(actor.org, &k).await? {
                Some(known) => self.recorded_view(actor, known.map_err(sale_refusal)?).await,
                None => Err(refused),
            },
            (outcome, _) => outcome,
        }
    }

    /// What the till needs of a member to price a sale: the rules and the tier. The
    /// balances are checked where they are spent, under the member's lock.
    async fn till_standing(&self, actor: &Actor, rolling_spend_fen: i64) -> Result<TillStanding, AppError> {
        actor.require(Permission::ViewMembers)?;
        let settings = self.store.loyalty_settings(actor.org).await?;
        let tier = settings.tiers().tier_for(rolling_spend_fen).clone();
        Ok(TillStanding { settings, tier })
    }

    async fn recorded_view(&self, actor: &Actor, recorded: Recorded) -> Result<SaleView, AppError> {
        let (order, replayed) = match recorded {
            Recorded::New(o) => (o, false),
            Recorded::Replay(o) => (o, true),
        };
        let record = self
            .store
            .sale_record(actor.org, order)
            .await?
            .ok_or_else(|| AppError::Internal(format!("sale {} vanished after commit", order.0)))?;
        Ok(SaleView::from_record(record, replayed))
    }

    /// A recorded sale of the caller's organisation (for the receipt and the till).
    pub async fn sale(&self, actor: &Actor, order: OrderId) -> Result<SaleView, AppError> {
        actor.require(Permission::Sell)?;
        let record = self
            .store
            .sale_record(actor.org, order)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(SaleView::from_record(record, false))
    }
}

/// A refund request: lines by sale line number, or everything left when empty.
#[derive(Debug, Clone, Default)]
pub struct RefundInput {
    pub lines: Vec<(i64, i64)>,
    pub reason: String,
}

/// A cashier's shift and what its drawer should hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftView {
    pub shift: linli_store::ShiftRow,
    pub cash: linli_store::ShiftCash,
    pub expected_fen: i64,
}

/// The most a drawer float or a counted drawer may hold (¥100,000).
pub const DRAWER_FEN_MAX: i64 = 10_000_000;

fn drawer_amount(value: i64, field: &str) -> Result<i64, AppError> {
    if !(0..=DRAWER_FEN_MAX).contains(&value) {
        return Err(AppError::invalid(
            field,
            &format!("{field} must be between 0 and {DRAWER_FEN_MAX} fen"),
            &format!("{field} 须在 0 到 {DRAWER_FEN_MAX} 分之间"),
        ));
    }
    Ok(value)
}

impl App {
    /// Refunds part or all of a till sale (退款): needs the refund permission (a
    /// manager's), goes back to the original tenders, puts the goods back on their lots.
    pub async fn refund(
        &self,
        actor: &Actor,
        order: OrderId,
        input: RefundInput,
    ) -> Result<linli_store::RefundRecord, AppError> {
        actor.require(Permission::Refund)?;
        if input.lines.len() > linli_store::SALE_LINES_MAX {
            return Err(AppError::invalid("lines", "too many lines", "行数过多"));
        }
        let reason = crate::free_text(&input.reason, "reason", crate::NOTE_CHARS_MAX)?;
        let lines: Vec<linli_store::RefundLineRequest> = input
            .lines
            .iter()
            .map(|&(line_no, qty)| linli_store::RefundLineRequest { line_no, qty })
            .collect();
        let shift = self.store.open_shift_id(actor.org, actor.staff).await?;
        self.store
            .refund_sale(actor.org, order, &lines, Some(actor.staff), shift, &reason, self.now())
            .await
            .map_err(|e| match e {
                linli_store::StoreError::Refused { field, en, zh, .. } => AppError::Invalid {
                    field: if en.starts_with("lines[") {
                        en.split(':').next().unwrap_or(field).to_string()
                    } else {
                        field.to_string()
                    },
                    message_en: en,
                    message_zh: zh,
                },
                other => other.into(),
            })
    }

    /// Opens the caller's shift at a till with its float (备用金).
    pub async fn open_shift(&self, actor: &Actor, till_id: &str, float_fen: i64) -> Result<ShiftView, AppError> {
        actor.require(Permission::Sell)?;
        let till = crate::free_text(till_id, "till_id", TILL_ID_CHARS_MAX)?;
        if till.is_empty() {
            return Err(AppError::invalid("till_id", "name the till", "请填写收银机编号"));
        }
        let float_fen = drawer_amount(float_fen, "float_fen")?;
        let store = self.actor_store(actor).await?;
        let shift = self
            .store
            .open_shift(actor.org, store, actor.staff, &till, float_fen, self.now())
            .await
            .map_err(|e| match e {
                linli_store::StoreError::Conflict { .. } => AppError::conflict(
                    "shift_open",
                    None,
                    "you already have an open shift; close it first".into(),
                    "您已有未交班的班次，请先交班".into(),
                ),
                other => other.into(),
            })?;
        Ok(ShiftView {
            expected_fen: shift.float_fen,
            shift,
            cash: linli_store::ShiftCash::default(),
        })
    }

    /// The caller's open shift with the cash it should hold now.
    pub async fn current_shift(&self, actor: &Actor) -> Result<ShiftView, AppError> {
        actor.require(Permission::Sell)?;
        let shift = self
            .store
            .current_shift(actor.org, actor.staff)
            .await?
            .ok_or(AppError::NotFound)?;
        let cash = self.store.shift_cash(actor.org, shift.id).await?;
        let v = till::shift_variance(
            shift.float_fen,
            cash.sales_fen + cash.top_ups_fen,
            cash.refunds_fen,
            0,
            0,
        );
        Ok(ShiftView {
            expected_fen: v.expected_fen,
            shift,
            cash,
        })
    }

    /// Closes the caller's shift (交班) with the cash counted in the drawer.
    pub async fn close_shift(
        &self,
        actor: &Actor,
        counted_fen: i64,
        payouts_fen: i64,
        note: &str,
    ) -> Result<ShiftView, AppError> {
        actor.require(Permission::Sell)?;
        let counted = drawer_amount(counted_fen, "counted_fen")?;
        let payouts = drawer_amount(payouts_fen, "payouts_fen")?;
        let note = crate::free_text(note, "note", crate::NOTE_CHARS_MAX)?;
        let shift = self
            .store
            .current_shift(actor.org, actor.staff)
            .await?
            .ok_or(AppError::NotFound)?;
        let cash = self.store.shift_cash(actor.org, shift.id).await?;
        let v = till::shift_variance(
            shift.float_fen,
            cash.sales_fen + cash.top_ups_fen,
            cash.refunds_fen,
            payouts,
            counted,
        );
        let closed = self
            .store
            .close_shift(
                actor.org,
                shift.id,
                cash,
                payouts,
                v.expected_fen,
                counted,
                &note,
                self.now(),
            )
            .await?;
        Ok(ShiftView {
            expected_fen: v.expected_fen,
            shift: closed,
            cash,
        })
    }
}

/// Printer width of the receipt the API prints (58 mm paper: 32 columns).
pub const RECEIPT_COLS: u8 = 32;

impl App {
    /// The receipt of a sale, as the printer and the reprint page show it.
    pub async fn receipt(&self, actor: &Actor, order: OrderId) -> Result<till::ReceiptDoc, AppError> {
        let view = self.sale(actor, order).await?;
        let r = &view.record;
        let stores = self.store.stores(actor.org).await?;
        let shop = actor
            .store
            .and_then(|s| stores.iter().find(|x| x.id == s))
            .or(stores.first());
        let cashier = match r.staff_id {
            Some(s) => self
                .store
                .staff(actor.org, s)
                .await
                .map(|s| s.display_name)
                .unwrap_or_default(),
            None => String::new(),
        };
        let qty_text = |l: &linli_store::SaleRecordLine| {
            if l.weighed {
                format!("{}.{:03}kg", l.qty / 1000, l.qty % 1000)
            } else {
                l.qty.to_string()
            }
        };
        let mut payments: Vec<(String, i64)> = r
            .payments
            .iter()
            .map(|p| {
                let name = Tender::from_code(&p.method, p.points).map_or(p.method.as_str(), |t| t.name_zh());
                (name.to_string(), p.amount_fen)
            })
            .collect();
        if r.rounding_fen != 0 {
            payments.push(("抹零".to_string(), r.rounding_fen));
        }
        Ok(till::ReceiptDoc {
            store_name: shop.map(|s| s.name.clone()).unwrap_or_default(),
            address: shop.map(|s| s.address.clone()).unwrap_or_default(),
            till_no: r.offline_till.clone().unwrap_or_default(),
            cashier,
            order_number: r.number.clone(),
            at_ms: r.created_at,
            lines: r
                .lines
                .iter()
                .map(|l| till::ReceiptLine {
                    name: l.name_zh.clone(),
                    qty_text: qty_text(l),
                    unit_price_fen: l.unit_price_fen,
                    amount_fen: if l.weighed {
                        l.total_fen
                    } else {
                        l.unit_price_fen * l.qty
                    },
                    discount_fen: if l.weighed {
                        0
                    } else {
                        l.unit_price_fen * l.qty - l.total_fen
                    },
                })
                .collect(),
            discounts: r.discounts.iter().map(|d| (d.label_zh.clone(), d.amount_fen)).collect(),
            total_fen: r.total_fen,
            payments,
            change_fen: r.change_fen,
            member: None,
            points_earned: (r.points_earned > 0).then_some(r.points_earned),
            footer: "谢谢惠顾 欢迎再来\nThank you".to_string(),
        })
    }
}
