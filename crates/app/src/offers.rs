//! Coupons (优惠券) and promotions (促销): creating, ending and issuing them, a member's
//! coupons, and the price quote every channel shows before payment.
//!
//! Input is checked field by field here (with the field's name and a message in both
//! languages), turned into the pricing engine's own types, and then run through the
//! engine's own validation, so nothing is stored that the engine would refuse to price.
//! The quote prices with exactly what the till uses: the running promotions (a flash
//! sale capped to what is left of it), the member's tier and the coupons presented.

use crate::{Actor, App, AppError, Page, Paging};
use linli_domain::auth::Permission;
use linli_domain::catalog::UnitKind;
use linli_domain::ids::{CategoryId, MemberId, OrgId, ProductId};
use linli_domain::money::AMOUNT_FEN_MAX;
use linli_domain::phone::PhoneNumber;
use linli_domain::pricing::{
    self, BP_MAX, BUNDLE_PRODUCTS_MAX, BUY_FREE_MAX, CART_LINES_MAX, COUPONS_MAX, Cart, CartLine, Coupon, CouponId,
    CouponKind, DiscountSource, LINE_QTY_MAX, MemberContext, Priced, PricingError, Promotion, PromotionId,
    PromotionRule, RuleProblem, StackingPolicy,
};
use linli_store::{
    CouponAudience, CouponDefId, CouponEvent, CouponRow, ISSUE_MEMBERS_MAX, IssueOutcome, IssueSource, MemberCouponRow,
    NewCoupon, NewPromotion, OfferStatus, ProductRow, PromotionRow,
};

/// Instants are bounded to before 2100-01-01 (Unix ms), which no real window reaches.
pub const INSTANT_MAX: i64 = 4_102_444_800_000;
/// The longest a coupon may stay valid after it is issued.
pub const VALID_DAYS_MAX: i64 = 3_650;
/// The most copies of one coupon a member may hold.
pub const PER_MEMBER_LIMIT_MAX: i64 = 100;
/// The most uses or copies of one coupon.
pub const COUPON_LIMIT_MAX: i64 = 10_000_000;
/// The most units a flash sale may sell across orders.
pub const FLASH_CAP_MAX: i64 = 1_000_000;
/// Promotion priorities are small numbers either side of 0.
pub const PRIORITY_MAX: i64 = 1_000;
/// Coupon and promotion names are short: they print on receipts.
pub const OFFER_NAME_CHARS_MAX: usize = 40;

/// A coupon as staff define it. Amounts in fen, percentages in basis points (2000 = 20% off).
#[derive(Debug, Clone, Default)]
pub struct CouponInput {
    pub name_zh: String,
    /// fixed, percent, category_fixed, category_percent, new_member, free_item.
    pub kind: String,
    pub amount_fen: Option<i64>,
    pub percent_off_bp: Option<i64>,
    pub max_off_fen: Option<i64>,
    pub category_id: Option<i64>,
    pub product_id: Option<i64>,
    /// 满 threshold 可用 (0 or absent = none).
    pub threshold_fen: Option<i64>,
    /// Default: now.
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub valid_days: Option<i64>,
    /// Default 1.
    pub per_member_limit: Option<i64>,
    pub total_limit: i64,
    pub issue_limit: Option<i64>,
    /// hand (default), new_member or birthday.
    pub audience: Option<String>,
    pub note: Option<String>,
}

/// A promotion as staff define it.
#[derive(Debug, Clone, Default)]
pub struct PromotionInput {
    pub name_zh: String,
    /// second_item_half_price, bundle_price, buy_x_get_y, flash_sale, category_percent.
    pub kind: String,
    pub product_id: Option<i64>,
    /// The products of a bundle (组合).
    pub product_ids: Vec<i64>,
    pub category_id: Option<i64>,
    /// A bundle's price, or the flash-sale price per unit.
    pub price_fen: Option<i64>,
    pub buy: Option<i64>,
    pub free: Option<i64>,
    pub percent_off_bp: Option<i64>,
    /// A flash sale's units per order (default 1).
    pub cap_per_order: Option<i64>,
    /// A flash sale's units across all orders.
    pub flash_cap: Option<i64>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub priority: Option<i64>,
    pub stackable: Option<bool>,
    pub note: Option<String>,
}

/// Days a product-based audience looks back unless told.
pub const AUDIENCE_DAYS_DEFAULT: i64 = 180;

/// Whom to give a coupon: member ids, phone numbers, or both.
#[derive(Debug, Clone, Default)]
pub struct IssueInput {
    pub member_ids: Vec<i64>,
    pub phones: Vec<String>,
    /// Every member of this segment (会员客群: 高价值, 沉睡, …) as the member_segments job
    /// last sorted them.
    pub segment: Option<String>,
    /// Every member who bought a product of this category (or one under it) in the last
    /// `bought_within_days` days (default 180): a product-based audience, such as young
    /// parents for a milk-powder coupon (bought 母婴).
    pub bought_category: Option<i64>,
    pub bought_within_days: Option<i64>,
}

/// A cart to price: (product id, quantity: pieces, or grams for weighed goods).
#[derive(Debug, Clone, Default)]
pub struct QuoteInput {
    pub lines: Vec<(i64, i64)>,
    pub member_id: Option<i64>,
    /// Coupon copies (issue ids) the member presents.
    pub coupon_ids: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct QuotedLine {
    pub line_no: u32,
    pub product_id: ProductId,
    pub name_zh: String,
    pub name_en: String,
    pub unit: String,
    pub qty: i64,
    pub unit_price_fen: i64,
    pub base_fen: i64,
    pub discount_fen: i64,
    pub total_fen: i64,
}

/// A coupon the engine did not use, and why.
#[derive(Debug, Clone)]
pub struct RejectedCoupon {
    pub coupon_id: CouponId,
    pub code: &'static str,
    pub message_en: String,
    pub message_zh: String,
}

/// The engine's answer for a cart, every discount explained.
#[derive(Debug, Clone)]
pub struct Quote {
    pub lines: Vec<QuotedLine>,
    pub priced: Priced,
    pub rejected: Vec<RejectedCoupon>,
    /// Units sold at a flash-sale price, per flash sale: what the till takes from its cap.
    pub flash_units: Vec<(PromotionId, i64)>,
}

/// What the engine is given besides the cart: the same for a quote and a till sale.
#[derive(Debug, Clone)]
pub struct Offers {
    pub promotions: Vec<Promotion>,
    pub coupons: Vec<Coupon>,
    pub member: Option<MemberContext>,
    pub policy: StackingPolicy,
}

/// The API's code of a coupon kind.
pub fn coupon_kind(k: &CouponKind) -> &'static str {
    match k {
        CouponKind::Fixed { .. } => "fixed",
        CouponKind::Percent { .. } => "percent",
        CouponKind::CategoryFixed { .. } => "category_fixed",
        CouponKind::CategoryPercent { .. } => "category_percent",
        CouponKind::NewMember { .. } => "new_member",
        CouponKind::FreeItem { .. } => "free_item",
    }
}

/// The API's code of a promotion rule.
pub fn promotion_kind(rule: &PromotionRule) -> &'static str {
    match rule {
        PromotionRule::SecondItemHalfPrice { .. } => "second_item_half_price",
        PromotionRule::BundlePrice { .. } => "bundle_price",
        PromotionRule::BuyXGetY { .. } => "buy_x_get_y",
        PromotionRule::FlashSale { .. } => "flash_sale",
        PromotionRule::CategoryPercent { .. } => "category_percent",
    }
}

/// A coupon or promotion window as people see it at `now`.
pub fn phase(status: OfferStatus, starts_at: i64, ends_at: Option<i64>, now: i64) -> &'static str {
    if status == OfferStatus::Ended {
        "ended"
    } else if now < starts_at {
        "upcoming"
    } else if ends_at.is_some_and(|e| e <= now) {
        "over"
    } else {
        "running"
    }
}

/// Units sold at each flash sale's price in a priced cart (the till takes them from the
/// sale's cap across orders). Each unit saves the same amount, so the share divides exactly.
pub fn flash_sale_units(cart: &[CartLine], promotions: &[Promotion], priced: &Priced) -> Vec<(PromotionId, i64)> {
    let mut out = Vec::new();
    for d in &priced.discounts {
        let DiscountSource::Promotion(id) = d.source else {
            continue;
        };
        let Some(PromotionRule::FlashSale { price_fen, .. }) = promotions.iter().find(|p| p.id == id).map(|p| &p.rule)
        else {
            continue;
        };
        let units: i64 = d
            .lines
            .iter()
            .filter_map(|share| {
                let line = cart.iter().find(|l| l.line_no == share.line_no)?;
                let per_unit = line.unit_price_fen - price_fen;
                (per_unit > 0).then(|| (share.amount_fen + per_unit - 1) / per_unit)
            })
            .sum();
        if units > 0 {
            out.push((id, units));
        }
    }
    out
}

fn bad(field: &str, en: &str, zh: &str) -> AppError {
    AppError::invalid(field, en, zh)
}

fn name(v: &str) -> Result<String, AppError> {
    let n = crate::free_text(v, "name_zh", OFFER_NAME_CHARS_MAX)?;
    if n.is_empty() || n.contains('\n') {
        return Err(bad(
            "name_zh",
            &format!("give a name of 1 to {OFFER_NAME_CHARS_MAX} characters on one line"),
            &format!("请填写 1 到 {OFFER_NAME_CHARS_MAX} 个字的名称（单行）"),
        ));
    }
    Ok(n)
}

fn instant(v: i64, field: &str) -> Result<i64, AppError> {
    if !(0..INSTANT_MAX).contains(&v) {
        return Err(bad(
            field,
            "must be a time in milliseconds since 1970, before 2100",
            "须为 1970 年以来的毫秒时间，且早于 2100 年",
        ));
    }
    Ok(v)
}

fn required(v: Option<i64>, field: &str, en: &str, zh: &str) -> Result<i64, AppError> {
    v.ok_or_else(|| bad(field, en, zh))
}

/// An amount of 1 fen up to the largest amount.
fn amount(v: Option<i64>, field: &str) -> Result<i64, AppError> {
    let v = required(v, field, "give the amount in fen", "请填写金额（分）")?;
    if !(1..=AMOUNT_FEN_MAX).contains(&v) {
        return Err(bad(
            field,
            &format!("the amount must be between 1 and {AMOUNT_FEN_MAX} fen"),
            &format!("金额须在 1 到 {AMOUNT_FEN_MAX} 分之间"),
        ));
    }
    Ok(v)
}

/// A percentage off of 1% to 99%, in basis points.
fn percent_off(v: Option<i64>) -> Result<u32, AppError> {
    let v = required(
        v,
        "percent_off_bp",
        "give the percentage off in basis points (2000 = 20% off)",
        "请填写折扣比例（基点，2000 即减 20%，相当于 8 折）",
    )?;
    if !(100..=9_900).contains(&v) {
        return Err(bad(
            "percent_off_bp",
            "the percentage off must be between 1% and 99% (100 to 9900 basis points)",
            "折扣比例须在 1% 到 99% 之间（100 到 9900 个基点）",
        ));
    }
    Ok(u32::try_from(v).expect("checked range"))
}

fn limit(v: i64, field: &str, max: i64) -> Result<i64, AppError> {
    if !(1..=max).contains(&v) {
        return Err(bad(
            field,
            &format!("must be between 1 and {max}"),
            &format!("须在 1 到 {max} 之间"),
        ));
    }
    Ok(v)
}

fn rule_field(problem: &RuleProblem, amount_field: &'static str) -> &'static str {
    match problem {
        RuleProblem::WindowEmpty => "ends_at",
        RuleProblem::PercentOutOfRange { .. } => "percent_off_bp",
        RuleProblem::AmountOutOfRange { .. } => amount_field,
        RuleProblem::BuyFreeOutOfRange { .. } => "buy",
        RuleProblem::CapZero => "cap_per_order",
        RuleProblem::BundleSize { .. } | RuleProblem::BundleProductRepeated { .. } => "product_ids",
    }
}

/// Runs the engine's own checks on a coupon or promotion by pricing a one-line cart.
fn engine_check(
    coupon: Option<&Coupon>,
    promotion: Option<&Promotion>,
    amount_field: &'static str,
) -> Result<(), AppError> {
    let at = coupon
        .map(|c| c.starts_at_ms)
        .or(promotion.map(|p| p.starts_at_ms))
        .unwrap_or(0);
    let cart = Cart {
        lines: vec![CartLine {
            line_no: 1,
            product: ProductId(0),
            category: None,
            qty: 1,
            weighed: false,
            unit_price_fen: 0,
        }],
        member: None,
    };
    let promotions: Vec<Promotion> = promotion.cloned().into_iter().collect();
    let coupons: Vec<Coupon> = coupon.cloned().into_iter().collect();
    match pricing::price(&cart, &promotions, &coupons, &StackingPolicy::default(), at) {
        Ok(_) => Ok(()),
        Err(
            PricingError::CouponMisconfigured { problem, .. } | PricingError::PromotionMisconfigured { problem, .. },
        ) => Err(bad(
            rule_field(&problem, amount_field),
            &problem.to_string(),
            &problem.message_zh(),
        )),
        Err(e) => Err(AppError::Internal(format!("the engine refused a one-line cart: {e}"))),
    }
}

impl App {
    async fn offer_product(&self, org: OrgId, id: Option<i64>, field: &str) -> Result<ProductRow, AppError> {
        let id = required(id, field, "choose a product", "请选择商品")?;
        let p = self
            .store
            .product(org, ProductId(id))
            .await
            .map_err(|_| bad(field, "no such product", "商品不存在"))?;
        if p.unit_kind == UnitKind::Weight {
            return Err(bad(
                field,
                "counted offers apply to goods sold by the piece, not weighed goods",
                "按件计的优惠只适用于按件销售的商品，不适用于称重商品",
            ));
        }
        Ok(p)
    }

    async fn offer_category(&self, org: OrgId, id: Option<i64>) -> Result<CategoryId, AppError> {
        let id = required(id, "category_id", "choose a category", "请选择品类")?;
        let found = self.store.categories(org).await?.into_iter().any(|c| c.id.0 == id);
        if !found {
            return Err(bad("category_id", "no such category", "品类不存在"));
        }
        Ok(CategoryId(id))
    }

    // -----------------------------------------------------------------------
    // Coupons

    pub async fn coupons(
        &self,
        actor: &Actor,
        status: Option<&str>,
        paging: Paging,
    ) -> Result<Page<CouponRow>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(OfferStatus::from_code(s).ok_or_else(|| {
                bad(
                    "status",
                    "status must be active or ended",
                    "状态须为 active（进行中）或 ended（已结束）",
                )
            })?),
        };
        Ok(self.store.coupons(actor.org, status, paging.request()).await?)
    }

    pub async fn coupon(&self, actor: &Actor, id: i64) -> Result<CouponRow, AppError> {
        actor.require(Permission::ViewCatalog)?;
        Ok(self.store.coupon(actor.org, CouponDefId(id)).await?)
    }

    pub async fn create_coupon(&self, actor: &Actor, c: CouponInput) -> Result<CouponRow, AppError> {
        actor.require(Permission::ManageOffers)?;
        let now = self.now();
        let name_zh = name(&c.name_zh)?;
        let threshold_fen = c.threshold_fen.unwrap_or(0);
        if !(0..=AMOUNT_FEN_MAX).contains(&threshold_fen) {
            return Err(bad(
                "threshold_fen",
                &format!("the threshold must be between 0 and {AMOUNT_FEN_MAX} fen"),
                &format!("使用门槛须在 0 到 {AMOUNT_FEN_MAX} 分之间"),
            ));
        }
        let max_off = |v: Option<i64>| match v {
            None => Ok(None),
            Some(_) => amount(v, "max_off_fen").map(Some),
        };
        let kind = match c.kind.trim() {
            "fixed" => CouponKind::Fixed {
                amount_fen: amount(c.amount_fen, "amount_fen")?,
            },
            "percent" => CouponKind::Percent {
                percent_off_bp: percent_off(c.percent_off_bp)?,
                max_off_fen: max_off(c.max_off_fen)?,
            },
            "category_fixed" => CouponKind::CategoryFixed {
                category: self.offer_category(actor.org, c.category_id).await?,
                amount_fen: amount(c.amount_fen, "amount_fen")?,
            },
            "category_percent" => CouponKind::CategoryPercent {
                category: self.offer_category(actor.org, c.category_id).await?,
                percent_off_bp: percent_off(c.percent_off_bp)?,
                max_off_fen: max_off(c.max_off_fen)?,
            },
            "new_member" => CouponKind::NewMember {
                amount_fen: amount(c.amount_fen, "amount_fen")?,
            },
            "free_item" => CouponKind::FreeItem {
                product: self.offer_product(actor.org, c.product_id, "product_id").await?.id,
            },
            _ => {
                return Err(bad(
                    "kind",
                    "kind must be fixed, percent, category_fixed, category_percent, new_member or free_item",
                    "券类型须为 fixed（立减/满减）、percent（折扣）、category_fixed（品类立减）、category_percent（品类折扣）、new_member（新人券）或 free_item（免单券）",
                ));
            }
        };
        if let CouponKind::Fixed { amount_fen }
        | CouponKind::CategoryFixed { amount_fen, .. }
        | CouponKind::NewMember { amount_fen } = kind
            && threshold_fen > 0
            && threshold_fen <= amount_fen
        {
            return Err(bad(
                "threshold_fen",
                "the threshold must be more than the amount off (满100减20: 10000 > 2000)",
                "使用门槛须大于优惠金额（如满 100 减 20）",
            ));
        }
        let starts_at = instant(c.starts_at.unwrap_or(now), "starts_at")?;
        let ends_at = c.ends_at.map(|e| instant(e, "ends_at")).transpose()?;
        let valid_days = c
            .valid_days
            .map(|d| limit(d, "valid_days", VALID_DAYS_MAX))
            .transpose()?;
        if ends_at.is_none() && valid_days.is_none() {
            return Err(bad(
                "ends_at",
                "give an end time, or the number of days a coupon stays valid after it is issued",
                "请填写结束时间，或领取后的有效天数",
            ));
        }
        if let Some(e) = ends_at {
            if e <= starts_at {
                return Err(bad(
                    "ends_at",
                    "the end must be after the start",
                    "结束时间须晚于开始时间",
                ));
            }
            if e <= now {
                return Err(bad(
                    "ends_at",
                    "the end must be in the future",
                    "结束时间须晚于当前时间",
                ));
            }
        }
        let per_member_limit = limit(
            c.per_member_limit.unwrap_or(1),
            "per_member_limit",
            PER_MEMBER_LIMIT_MAX,
        )?;
        let total_limit = limit(c.total_limit, "total_limit", COUPON_LIMIT_MAX)?;
        let issue_limit = c
            .issue_limit
            .map(|l| limit(l, "issue_limit", COUPON_LIMIT_MAX))
            .transpose()?;
        let audience = match c.audience.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            None => CouponAudience::Hand,
            Some(a) => CouponAudience::from_code(a).ok_or_else(|| {
                bad(
                    "audience",
                    "audience must be hand, new_member or birthday",
                    "发放对象须为 hand（手动发放）、new_member（新会员）或 birthday（生日）",
                )
            })?,
        };
        let note = crate::free_text(c.note.as_deref().unwrap_or(""), "note", crate::NOTE_CHARS_MAX)?;
        let first_end = match (ends_at, valid_days) {
            (Some(e), Some(d)) => e.min(starts_at + d * linli_domain::time::MS_PER_DAY),
            (Some(e), None) => e,
            (None, Some(d)) => starts_at + d * linli_domain::time::MS_PER_DAY,
            (None, None) => unreachable!("checked above"),
        };
        engine_check(
            Some(&Coupon {
                id: CouponId(0),
                name_zh: name_zh.clone(),
                starts_at_ms: starts_at,
                ends_at_ms: first_end,
                threshold_fen,
                kind: kind.clone(),
            }),
            None,
            "amount_fen",
        )?;
        let new = NewCoupon {
            name_zh: &name_zh,
            kind,
            threshold_fen,
            starts_at,
            ends_at,
            valid_days,
            per_member_limit,
            total_limit,
            issue_limit,
            audience,
            note: &note,
            created_by: Some(actor.staff),
        };
        let id = self.store.create_coupon(actor.org, &new, now).await?;
        Ok(self.store.coupon(actor.org, id).await?)
    }

    /// Ends a coupon: no more copies are issued; copies already given stay usable until they expire.
    pub async fn end_coupon(&self, actor: &Actor, id: i64) -> Result<CouponRow, AppError> {
        actor.require(Permission::ManageOffers)?;
        let id = CouponDefId(id);
        self.store
            .end_coupon(actor.org, id, Some(actor.staff), self.now())
            .await?;
        Ok(self.store.coupon(actor.org, id).await?)
    }

    /// Gives the coupon to members named by id or phone, in one transaction.
    pub async fn issue_coupon(&self, actor: &Actor, id: i64, input: IssueInput) -> Result<IssueOutcome, AppError> {
        actor.require(Permission::ManageOffers)?;
        let segment_members = match input.segment.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(segment) => {
                let ids = self.store.segment_member_ids(actor.org, segment).await?;
                if ids.is_empty() {
                    return Err(bad(
                        "segment",
                        "no members in this segment (the member_segments job sorts them)",
                        "这个客群没有会员（由会员分群任务划分）",
                    ));
                }
                ids
            }
            None => Vec::new(),
        };
        let buyers = match input.bought_category {
            Some(category) => self.category_buyers(actor, category, input.bought_within_days).await?,
            None => Vec::new(),
        };
        if input.bought_category.is_some() && buyers.is_empty() {
            return Err(bad(
                "bought_category",
                "no member bought from this category in that time",
                "这段时间内没有会员购买过该品类",
            ));
        }
        let mut segment_members = segment_members;
        let mut seen: std::collections::HashSet<MemberId> = segment_members.iter().copied().collect();
        segment_members.extend(buyers.into_iter().filter(|m| seen.insert(*m)));
        let count = input.member_ids.len() + input.phones.len() + segment_members.len();
        if count == 0 {
            return Err(bad(
                "member_ids",
                "name at least one member, by member_ids, phones or segment",
                "请至少指定一位会员（会员编号、手机号或客群）",
            ));
        }
        if count > ISSUE_MEMBERS_MAX {
            return Err(bad(
                "member_ids",
                &format!("at most {ISSUE_MEMBERS_MAX} members at once"),
                &format!("一次最多发放给 {ISSUE_MEMBERS_MAX} 位会员"),
            ));
        }
        let mut members: Vec<MemberId> = Vec::with_capacity(count);
        members.extend(segment_members);
        for (i, m) in input.member_ids.iter().enumerate() {
            if *m <= 0 {
                return Err(bad(&format!("member_ids[{i}]"), "no such member", "会员不存在"));
            }
            members.push(MemberId(*m));
        }
        let mut phones = Vec::with_capacity(input.phones.len());
        for (i, p) in input.phones.iter().enumerate() {
            let parsed = PhoneNumber::parse(p.trim())
                .map_err(|e| bad(&format!("phones[{i}]"), &e.to_string(), &e.message_zh()))?;
            phones.push(parsed.as_str().to_string());
        }
        if !phones.is_empty() {
            for (i, found) in self
                .store
                .members_by_phone(actor.org, &phones)
                .await?
                .into_iter()
                .enumerate()
            {
                // The message never repeats the number: phones stay out of errors and logs.
                let m = found.ok_or_else(|| {
                    bad(
                        &format!("phones[{i}]"),
                        "no member has this phone number",
                        "没有使用该手机号的会员",
                    )
                })?;
                members.push(m);
            }
        }
        let source = if count == 1 {
            IssueSource::Hand
        } else {
            IssueSource::List
        };
        Ok(self
            .store
            .issue_coupon(
                actor.org,
                CouponDefId(id),
                &members,
                source,
                Some(actor.staff),
                self.now(),
            )
            .await?)
    }

    /// Members who bought a product of `category` (or one under it) in the last `days`
    /// days (default 180, at most 730): a product-based audience.
    pub async fn category_buyers(
        &self,
        actor: &Actor,
        category: i64,
        days: Option<i64>,
    ) -> Result<Vec<MemberId>, AppError> {
        actor.require(Permission::ViewMembers)?;
        let days = days.unwrap_or(AUDIENCE_DAYS_DEFAULT);
        if !(1..=730).contains(&days) {
            return Err(bad(
                "bought_within_days",
                "must be from 1 to 730 days",
                "天数须在 1 到 730 之间",
            ));
        }
        self.offer_category(actor.org, Some(category))
            .await
            .map_err(|_| bad("bought_category", "no such category", "没有这个品类"))?;
        Ok(self
            .store
            .category_buyers(actor.org, category, self.now() - days * 86_400_000)
            .await?)
    }

    /// A member's coupons, newest first; `usable_only` keeps the ones usable now.
    pub async fn member_coupons(
        &self,
        actor: &Actor,
        member: i64,
        usable_only: bool,
    ) -> Result<Vec<MemberCouponRow>, AppError> {
        actor.require(Permission::ViewMembers)?;
        let at = usable_only.then(|| self.now());
        Ok(self.store.member_coupons(actor.org, MemberId(member), at).await?)
    }

    /// Issues the coupons meant for an event (a new member joined, a birthday week began).
    /// Called by the member and birthday use cases, not by staff directly.
    pub async fn coupons_on_event(
        &self,
        org: OrgId,
        member: MemberId,
        event: CouponEvent,
    ) -> Result<Vec<CouponId>, AppError> {
        Ok(self.store.issue_on_event(org, member, event, self.now()).await?)
    }

    // -----------------------------------------------------------------------
    // Promotions

    pub async fn promotions(
        &self,
        actor: &Actor,
        status: Option<&str>,
        paging: Paging,
    ) -> Result<Page<PromotionRow>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(OfferStatus::from_code(s).ok_or_else(|| {
                bad(
                    "status",
                    "status must be active or ended",
                    "状态须为 active（进行中）或 ended（已结束）",
                )
            })?),
        };
        Ok(self.store.promotions(actor.org, status, paging.request()).await?)
    }

    pub async fn promotion(&self, actor: &Actor, id: i64) -> Result<PromotionRow, AppError> {
        actor.require(Permission::ViewCatalog)?;
        Ok(self.store.promotion(actor.org, PromotionId(id)).await?)
    }

    pub async fn create_promotion(&self, actor: &Actor, p: PromotionInput) -> Result<PromotionRow, AppError> {
        actor.require(Permission::ManageOffers)?;
        let now = self.now();
        let name_zh = name(&p.name_zh)?;
        let count_of = |v: Option<i64>, field: &str| -> Result<u32, AppError> {
            let v = required(v, field, "give a number", "请填写数量")?;
            let max = i64::from(BUY_FREE_MAX);
            if !(1..=max).contains(&v) {
                return Err(bad(
                    field,
                    &format!("must be between 1 and {max}"),
                    &format!("须在 1 到 {max} 之间"),
                ));
            }
            Ok(u32::try_from(v).expect("checked range"))
        };
        let mut flash_cap = None;
        let rule = match p.kind.trim() {
            "second_item_half_price" => PromotionRule::SecondItemHalfPrice {
                product: self.offer_product(actor.org, p.product_id, "product_id").await?.id,
            },
            "bundle_price" => {
                if p.product_ids.len() < 2 || p.product_ids.len() > BUNDLE_PRODUCTS_MAX {
                    return Err(bad(
                        "product_ids",
                        &format!("a bundle names 2 to {BUNDLE_PRODUCTS_MAX} products"),
                        &format!("组合须包含 2 到 {BUNDLE_PRODUCTS_MAX} 种商品"),
                    ));
                }
                let mut products = Vec::with_capacity(p.product_ids.len());
                let mut regular = 0;
                for (i, id) in p.product_ids.iter().enumerate() {
                    let field = format!("product_ids[{i}]");
                    if p.product_ids[..i].contains(id) {
                        return Err(bad(&field, "a bundle names each product once", "组合中的商品不能重复"));
                    }
                    let row = self.offer_product(actor.org, Some(*id), &field).await?;
                    regular += row.price_fen;
                    products.push(row.id);
                }
                let price = required(p.price_fen, "price_fen", "give the bundle price", "请填写组合价")?;
                if price < 0 || price >= regular {
                    return Err(bad(
                        "price_fen",
                        "the bundle price must be below the products' regular total",
                        "组合价须低于这些商品的原价合计",
                    ));
                }
                PromotionRule::BundlePrice {
                    products,
                    bundle_price_fen: price,
                }
            }
            "buy_x_get_y" => PromotionRule::BuyXGetY {
                product: self.offer_product(actor.org, p.product_id, "product_id").await?.id,
                buy: count_of(p.buy, "buy")?,
                free: count_of(p.free, "free")?,
            },
            "flash_sale" => {
                let product = self.offer_product(actor.org, p.product_id, "product_id").await?;
                let price = required(p.price_fen, "price_fen", "give the flash-sale price", "请填写秒杀价")?;
                if price < 0 || price >= product.price_fen {
                    return Err(bad(
                        "price_fen",
                        "the flash-sale price must be below the product's price",
                        "秒杀价须低于商品原价",
                    ));
                }
                let cap = required(
                    p.flash_cap,
                    "flash_cap",
                    "give how many units the flash sale may sell in all",
                    "请填写秒杀总数量",
                )?;
                flash_cap = Some(limit(cap, "flash_cap", FLASH_CAP_MAX)?);
                PromotionRule::FlashSale {
                    product: product.id,
                    price_fen: price,
                    cap_per_order: count_of(Some(p.cap_per_order.unwrap_or(1)), "cap_per_order")?,
                }
            }
            "category_percent" => PromotionRule::CategoryPercent {
                category: self.offer_category(actor.org, p.category_id).await?,
                percent_off_bp: percent_off(p.percent_off_bp)?,
            },
            _ => {
                return Err(bad(
                    "kind",
                    "kind must be second_item_half_price, bundle_price, buy_x_get_y, flash_sale or category_percent",
                    "促销类型须为 second_item_half_price（第二件半价）、bundle_price（组合价）、buy_x_get_y（买赠）、flash_sale（秒杀）或 category_percent（品类折扣）",
                ));
            }
        };
        let starts_at = instant(p.starts_at, "starts_at")?;
        let ends_at = instant(p.ends_at, "ends_at")?;
        if ends_at <= starts_at {
            return Err(bad(
                "ends_at",
                "the end must be after the start",
                "结束时间须晚于开始时间",
            ));
        }
        if ends_at <= now {
            return Err(bad(
                "ends_at",
                "the end must be in the future",
                "结束时间须晚于当前时间",
            ));
        }
        let priority = p.priority.unwrap_or(0);
        if !(-PRIORITY_MAX..=PRIORITY_MAX).contains(&priority) {
            return Err(bad(
                "priority",
                &format!("priority must be between -{PRIORITY_MAX} and {PRIORITY_MAX}"),
                &format!("优先级须在 -{PRIORITY_MAX} 到 {PRIORITY_MAX} 之间"),
            ));
        }
        let priority = i32::try_from(priority).expect("checked range");
        let stackable = p.stackable.unwrap_or(false);
        let note = crate::free_text(p.note.as_deref().unwrap_or(""), "note", crate::NOTE_CHARS_MAX)?;
        engine_check(
            None,
            Some(&Promotion {
                id: PromotionId(0),
                name_zh: name_zh.clone(),
                starts_at_ms: starts_at,
                ends_at_ms: ends_at,
                priority,
                stackable,
                rule: rule.clone(),
            }),
            "price_fen",
        )?;
        let new = NewPromotion {
            name_zh: &name_zh,
            rule,
            starts_at,
            ends_at,
            priority,
            stackable,
            flash_cap,
            note: &note,
            created_by: Some(actor.staff),
        };
        let id = self.store.create_promotion(actor.org, &new, now).await?;
        if starts_at <= now && now < ends_at {
            // Running already: its labels change now rather than at the next sweep.
            self.refresh_labels_after_promotions(actor.org).await;
        }
        Ok(self.store.promotion(actor.org, id).await?)
    }

    pub async fn end_promotion(&self, actor: &Actor, id: i64) -> Result<PromotionRow, AppError> {
        actor.require(Permission::ManageOffers)?;
        let id = PromotionId(id);
        self.store
            .end_promotion(actor.org, id, Some(actor.staff), self.now())
            .await?;
        self.refresh_labels_after_promotions(actor.org).await;
        Ok(self.store.promotion(actor.org, id).await?)
    }

    // -----------------------------------------------------------------------
    // Pricing with offers

    /// What the engine is given for a cart at `at`: running promotions, the member's tier
    /// and new-member standing, and the coupons they present (checked to be theirs and
    /// unused). For the till and the quote alike.
    pub async fn offers_for(
        &self,
        actor: &Actor,
        member: Option<MemberId>,
        coupon_ids: &[i64],
        at: i64,
    ) -> Result<Offers, AppError> {
        let ids = coupon_ids_checked(coupon_ids)?;
        let promotions = self.store.active_promotions(actor.org, at).await?;
        let (member_ctx, coupons) = match member {
            None => {
                if !coupon_ids.is_empty() {
                    return Err(bad(
                        "member_id",
                        "coupons need the member who holds them",
                        "使用优惠券须先识别持券会员",
                    ));
                }
                (None, Vec::new())
            }
            Some(m) => {
                actor.require(Permission::ViewMembers)?;
                let is_new_member = self.store.is_new_member(actor.org, m).await?;
                let tier = self.member_standing(actor, m).await?.tier;
                let coupons = self.store.usable_coupons(actor.org, m, &ids, at).await?;
                (
                    Some(MemberContext {
                        tier_discount_bp: tier.discount_bp.min(BP_MAX),
                        is_new_member,
                    }),
                    coupons,
                )
            }
        };
        Ok(Offers {
            promotions,
            coupons,
            member: member_ctx,
            policy: StackingPolicy::default(),
        })
    }

    /// Prices a cart with everything that applies now, every discount explained. Nothing
    /// is written: the till records the sale and uses the coupons when it is paid.
    pub async fn quote(&self, actor: &Actor, input: QuoteInput) -> Result<Quote, AppError> {
        actor.require(Permission::ViewCatalog)?;
        if input.lines.is_empty() || input.lines.len() > CART_LINES_MAX {
            return Err(bad(
                "lines",
                &format!("a cart has 1 to {CART_LINES_MAX} lines"),
                &format!("购物车须有 1 到 {CART_LINES_MAX} 行"),
            ));
        }
        let at = self.now();
        let mut cart = Vec::with_capacity(input.lines.len());
        let mut rows = Vec::with_capacity(input.lines.len());
        for (i, (product_id, qty)) in input.lines.iter().enumerate() {
            let product = self
                .store
                .product(actor.org, ProductId(*product_id))
                .await
                .map_err(|_| bad(&format!("lines[{i}].product_id"), "no such product", "商品不存在"))?;
            if *qty <= 0 || *qty > LINE_QTY_MAX {
                return Err(bad(
                    &format!("lines[{i}].qty"),
                    &format!("quantity must be between 1 and {LINE_QTY_MAX} (pieces, or grams when weighed)"),
                    &format!("数量须在 1 到 {LINE_QTY_MAX} 之间（件，称重商品为克）"),
                ));
            }
            cart.push(CartLine {
                line_no: u32::try_from(i).expect("lines are bounded") + 1,
                product: product.id,
                category: product.category_id,
                qty: *qty,
                weighed: product.unit_kind == UnitKind::Weight,
                unit_price_fen: product.price_fen,
            });
            rows.push(product);
        }
        let member = input.member_id.map(MemberId);
        let offers = self.offers_for(actor, member, &input.coupon_ids, at).await?;
        let priced = pricing::price(
            &Cart {
                lines: cart.clone(),
                member: offers.member,
            },
            &offers.promotions,
            &offers.coupons,
            &offers.policy,
            at,
        )
        .map_err(|e| bad(e.field(), &e.to_string(), &e.message_zh()))?;
        let lines = cart
            .iter()
            .zip(&rows)
            .zip(&priced.lines)
            .map(|((c, p), l)| QuotedLine {
                line_no: c.line_no,
                product_id: p.id,
                name_zh: p.name_zh.clone(),
                name_en: p.name_en.clone(),
                unit: p.unit_label.clone(),
                qty: c.qty,
                unit_price_fen: c.unit_price_fen,
                base_fen: l.base_fen,
                discount_fen: l.discount_fen,
                total_fen: l.total_fen,
            })
            .collect();
        let rejected = priced
            .coupons_rejected
            .iter()
            .map(|(id, r)| RejectedCoupon {
                coupon_id: *id,
                code: refusal_code(r),
                message_en: r.to_string(),
                message_zh: r.message_zh(),
            })
            .collect();
        let flash_units = flash_sale_units(&cart, &offers.promotions, &priced);
        Ok(Quote {
            lines,
            priced,
            rejected,
            flash_units,
        })
    }
}

fn refusal_code(r: &pricing::CouponRefusal) -> &'static str {
    use pricing::CouponRefusal::*;
    match r {
        NotYetValid { .. } => "not_yet_valid",
        Expired { .. } => "expired",
        NotNewMember => "not_new_member",
        NoEligibleLine => "no_eligible_line",
        PromotedLinesExcluded => "promoted_lines_excluded",
        BelowThreshold { .. } => "below_threshold",
        LimitReached { .. } => "limit_reached",
        NoExtraSaving => "no_extra_saving",
        MemberTierChosen => "member_tier_chosen",
    }
}

/// The coupons an order presents: at most `COUPONS_MAX`, none twice.
pub(crate) fn coupon_ids_checked(coupon_ids: &[i64]) -> Result<Vec<CouponId>, AppError> {
    if coupon_ids.len() > COUPONS_MAX {
        return Err(bad(
            "coupon_ids",
            &format!("at most {COUPONS_MAX} coupons per order"),
            &format!("每单最多出示 {COUPONS_MAX} 张优惠券"),
        ));
    }
    for (i, c) in coupon_ids.iter().enumerate() {
        if coupon_ids[..i].contains(c) {
            return Err(bad("coupon_ids", "a coupon is given twice", "优惠券重复"));
        }
    }
    Ok(coupon_ids.iter().map(|c| CouponId(*c)).collect())
}

/// A coupon the member cannot use (not theirs, used, out of its window), as a 4xx
/// naming `coupon_ids`: another member's coupon reads as no such coupon.
pub(crate) fn coupon_refusal(e: linli_store::StoreError) -> AppError {
    match e {
        linli_store::StoreError::NotFound => {
            bad("coupon_ids", "no such coupon for this member", "该会员没有这张优惠券")
        }
        linli_store::StoreError::Refused { en, zh, .. } => AppError::Invalid {
            field: "coupon_ids".into(),
            message_en: en,
            message_zh: zh,
        },
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_domain::pricing::{Discount, LineShare, PricedLine};

    #[test]
    fn flash_sale_units_divide_the_saving_by_the_unit_saving() {
        let cart = vec![CartLine {
            line_no: 1,
            product: ProductId(7),
            category: None,
            qty: 5,
            weighed: false,
            unit_price_fen: 1_590,
        }];
        let promotions = vec![Promotion {
            id: PromotionId(3),
            name_zh: "秒杀".into(),
            starts_at_ms: 0,
            ends_at_ms: 10,
            priority: 0,
            stackable: false,
            rule: PromotionRule::FlashSale {
                product: ProductId(7),
                price_fen: 990,
                cap_per_order: 2,
            },
        }];
        let priced = pricing::price(
            &Cart {
                lines: cart.clone(),
                member: None,
            },
            &promotions,
            &[],
            &StackingPolicy::default(),
            5,
        )
        .unwrap();
        assert_eq!(flash_sale_units(&cart, &promotions, &priced), vec![(PromotionId(3), 2)]);
        let none = Priced {
            lines: vec![PricedLine {
                line_no: 1,
                base_fen: 7_950,
                discount_fen: 0,
                total_fen: 7_950,
            }],
            subtotal_fen: 7_950,
            discounts: vec![Discount {
                source: DiscountSource::MemberTier,
                name_zh: String::new(),
                name_en: String::new(),
                amount_fen: 1,
                lines: vec![LineShare {
                    line_no: 1,
                    amount_fen: 1,
                }],
            }],
            total_fen: 7_950,
            coupons_used: Vec::new(),
            coupons_rejected: Vec::new(),
        };
        assert!(flash_sale_units(&cart, &promotions, &none).is_empty());
    }

    #[test]
    fn phase_reads_the_window_and_the_status() {
        assert_eq!(phase(OfferStatus::Active, 10, Some(20), 5), "upcoming");
        assert_eq!(phase(OfferStatus::Active, 10, Some(20), 10), "running");
        assert_eq!(phase(OfferStatus::Active, 10, Some(20), 20), "over");
        assert_eq!(phase(OfferStatus::Active, 10, None, 1_000), "running");
        assert_eq!(phase(OfferStatus::Ended, 10, Some(20), 15), "ended");
    }
}
