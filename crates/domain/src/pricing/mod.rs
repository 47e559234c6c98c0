//! Pricing (计价): the one engine the till, the resident shop, presale and group-buy all
//! call, so a customer pays the same for the same cart whichever channel they use.
//!
//! It is a pure function of the cart, the promotions, the coupons, a stacking policy and
//! "now": no clock, no IO, and the same inputs in any order give the same answer. Every
//! fen of discount is explained by a [`Discount`] and allocated to the lines it came
//! from, so receipts, refunds of single lines and reports agree to the fen.
//!
//! The order is fixed and documented rather than configurable:
//! 1. line base amounts (pieces × price, or the weighed price 四舍五入 to the fen);
//! 2. promotions (促销, see the `promotion` submodule): non-stackable ones first, each line touched by
//!    at most one of them, then stackable ones on what is left;
//! 3. the member tier discount (会员折扣) on the amount after promotions;
//! 4. coupons (优惠券) on the amount after promotions and the tier discount; their
//!    thresholds (满…) are measured on that same amount, before any coupon.
//!
//! Discount amounts round down to the whole fen ([`Rounding::Down`]), so a percentage
//! never gives away more than its rate; a discount spread over several lines is split
//! pro rata by the largest-remainder method so the line shares sum exactly to it.

mod coupon;
mod promotion;
#[cfg(test)]
mod tests;

use crate::ids::{CategoryId, ProductId};
use crate::money::{AMOUNT_FEN_MAX, Money, Rounding};

/// The most lines one cart may carry.
pub const CART_LINES_MAX: usize = 200;
/// The most promotions one pricing call considers (active or not).
pub const PROMOTIONS_MAX: usize = 50;
/// The most coupons a customer may present for one order.
pub const COUPONS_MAX: usize = 10;
/// The largest quantity on one line: a million pieces, or a tonne in grams.
pub const LINE_QTY_MAX: i64 = 1_000_000;
/// 100% in basis points.
pub const BP_MAX: u32 = 10_000;
/// The most products one bundle (组合价) may name.
pub const BUNDLE_PRODUCTS_MAX: usize = 20;
/// The largest `buy` or `free` count of a 买X赠Y promotion.
pub const BUY_FREE_MAX: u32 = 1_000;

macro_rules! pricing_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

pricing_id! {
    /// A promotion (促销活动). Lower ids win ties between equally good promotions.
    PromotionId;
    /// A coupon the customer holds (优惠券).
    CouponId;
}

/// One scanned line. `qty` is pieces, or grams when `weighed` (then the price is per kg).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CartLine {
    pub line_no: u32,
    pub product: ProductId,
    pub category: Option<CategoryId>,
    pub qty: i64,
    pub weighed: bool,
    pub unit_price_fen: i64,
}

/// What the engine needs to know about the member, if the customer is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberContext {
    /// The share of the price a member of this tier pays: 9500 = 95折.
    pub tier_discount_bp: u32,
    pub is_new_member: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cart {
    pub lines: Vec<CartLine>,
    pub member: Option<MemberContext>,
}

/// An automatic, store-wide promotion, active in `[starts_at_ms, ends_at_ms)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promotion {
    pub id: PromotionId,
    pub name_zh: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    /// Order among stackable promotions: higher first, then lower id.
    pub priority: i32,
    /// A stackable promotion also applies to lines another promotion already touched.
    pub stackable: bool,
    pub rule: PromotionRule,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PromotionRule {
    /// 第二件半价: of every two units, the cheaper one at 50%.
    SecondItemHalfPrice { product: ProductId },
    /// 组合价: one unit of each product together for `bundle_price_fen`.
    BundlePrice {
        products: Vec<ProductId>,
        bundle_price_fen: i64,
    },
    /// 买X赠Y: of every `buy + free` units, the `free` cheapest are free.
    BuyXGetY { product: ProductId, buy: u32, free: u32 },
    /// 秒杀: up to `cap_per_order` units at `price_fen` while the promotion is active.
    /// The cap across orders is the store's business, not this engine's.
    FlashSale {
        product: ProductId,
        price_fen: i64,
        cap_per_order: u32,
    },
    /// 品类折扣: `percent_off_bp` off every line of the category.
    CategoryPercent { category: CategoryId, percent_off_bp: u32 },
}

/// A coupon the customer applies, valid in `[starts_at_ms, ends_at_ms)` and only when the
/// amount it applies to (after promotions and the tier discount) reaches `threshold_fen`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coupon {
    pub id: CouponId,
    pub name_zh: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    /// 满 `threshold_fen` 可用; 0 = no threshold.
    pub threshold_fen: i64,
    pub kind: CouponKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CouponKind {
    /// 满减 / 立减: `amount_fen` off the order.
    Fixed { amount_fen: i64 },
    /// 折扣券: `percent_off_bp` off the order, at most `max_off_fen`.
    Percent {
        percent_off_bp: u32,
        max_off_fen: Option<i64>,
    },
    /// 品类券: `amount_fen` off the lines of one category.
    CategoryFixed { category: CategoryId, amount_fen: i64 },
    /// 品类折扣券: `percent_off_bp` off the lines of one category, at most `max_off_fen`.
    CategoryPercent {
        category: CategoryId,
        percent_off_bp: u32,
        max_off_fen: Option<i64>,
    },
    /// 新人券: `amount_fen` off, for new members only.
    NewMember { amount_fen: i64 },
    /// 免单券: one (counted) unit of the product free, if it is in the cart.
    FreeItem { product: ProductId },
}

/// How discounts may combine. The defaults are the common Chinese store rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackingPolicy {
    /// How many coupons one order may use (default 1).
    pub coupons_per_order_max: u32,
    /// When false, a line a promotion discounted takes no coupon and does not count
    /// toward a coupon threshold (促销商品不参与用券).
    pub coupon_with_promotions: bool,
    /// When false, the customer gets either the tier discount or coupons, whichever is
    /// cheaper for them (on a tie, the tier discount, so the coupons are kept).
    pub tier_with_coupons: bool,
}

impl Default for StackingPolicy {
    fn default() -> Self {
        StackingPolicy {
            coupons_per_order_max: 1,
            coupon_with_promotions: true,
            tier_with_coupons: true,
        }
    }
}

/// One line of the result: `total_fen = base_fen - discount_fen`, never negative.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricedLine {
    pub line_no: u32,
    pub base_fen: i64,
    pub discount_fen: i64,
    pub total_fen: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscountSource {
    Promotion(PromotionId),
    Coupon(CouponId),
    MemberTier,
}

/// The part of a discount that fell on one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineShare {
    pub line_no: u32,
    pub amount_fen: i64,
}

/// One reason the customer pays less; `amount_fen` is the sum of `lines` and positive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discount {
    pub source: DiscountSource,
    pub name_zh: String,
    pub name_en: String,
    pub amount_fen: i64,
    pub lines: Vec<LineShare>,
}

/// The priced cart. Discounts are listed in the order they were applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Priced {
    pub lines: Vec<PricedLine>,
    /// The undiscounted total: the sum of the line base amounts.
    pub subtotal_fen: i64,
    pub discounts: Vec<Discount>,
    pub total_fen: i64,
    /// In the order applied.
    pub coupons_used: Vec<CouponId>,
    /// Sorted by coupon id.
    pub coupons_rejected: Vec<(CouponId, CouponRefusal)>,
}

/// Why a coupon the customer presented was not used. Not an error: the order goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CouponRefusal {
    #[error("the coupon is not valid yet")]
    NotYetValid { starts_at_ms: i64 },
    #[error("the coupon has expired")]
    Expired { ends_at_ms: i64 },
    #[error("the coupon is for new members only")]
    NotNewMember,
    #[error("nothing in the cart qualifies for the coupon")]
    NoEligibleLine,
    #[error("the qualifying items are already on promotion and promotions do not combine with coupons")]
    PromotedLinesExcluded,
    #[error("the coupon needs {threshold_fen} fen of qualifying items, the cart has {eligible_fen}")]
    BelowThreshold { threshold_fen: i64, eligible_fen: i64 },
    #[error("at most {max} coupon(s) per order, and a better combination was used")]
    LimitReached { max: u32 },
    #[error("the coupon would save nothing on top of the coupons used")]
    NoExtraSaving,
    #[error("the member discount saves more and does not combine with coupons")]
    MemberTierChosen,
}

impl CouponRefusal {
    pub fn message_zh(&self) -> String {
        match self {
            CouponRefusal::NotYetValid { .. } => "优惠券尚未生效".into(),
            CouponRefusal::Expired { .. } => "优惠券已过期".into(),
            CouponRefusal::NotNewMember => "该券仅限新会员使用".into(),
            CouponRefusal::NoEligibleLine => "购物车中没有可用该券的商品".into(),
            CouponRefusal::PromotedLinesExcluded => "适用商品已参加促销，促销商品不参与用券".into(),
            CouponRefusal::BelowThreshold {
                threshold_fen,
                eligible_fen,
            } => format!(
                "未达到使用门槛：需满 {}，当前 {}",
                Money::from_fen(*threshold_fen),
                Money::from_fen(*eligible_fen)
            ),
            CouponRefusal::LimitReached { max } => format!("每单最多使用 {max} 张优惠券，已选用更优惠的组合"),
            CouponRefusal::NoExtraSaving => "叠加该券不再产生优惠".into(),
            CouponRefusal::MemberTierChosen => "会员折扣更优惠，且不与优惠券同享".into(),
        }
    }
}

/// What is wrong with a promotion or coupon as configured (a staff mistake, not a refusal).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleProblem {
    #[error("the end of the validity window must be after its start")]
    WindowEmpty,
    #[error("a percentage must be between 1 and {max} basis points, got {bp}")]
    PercentOutOfRange { bp: u32, max: u32 },
    #[error("an amount must be between {min} and {max} fen, got {fen}")]
    AmountOutOfRange { fen: i64, min: i64, max: i64 },
    #[error("buy and free counts must be between 1 and {max}")]
    BuyFreeOutOfRange { max: u32 },
    #[error("the per-order cap of a flash sale must be at least 1")]
    CapZero,
    #[error("a bundle names between 2 and {max} products")]
    BundleSize { max: usize },
    #[error("a bundle names product {product} twice")]
    BundleProductRepeated { product: ProductId },
}

impl RuleProblem {
    pub fn message_zh(&self) -> String {
        match self {
            RuleProblem::WindowEmpty => "结束时间必须晚于开始时间".into(),
            RuleProblem::PercentOutOfRange { bp, max } => format!("折扣比例必须在 1 到 {max} 个基点之间，当前为 {bp}"),
            RuleProblem::AmountOutOfRange { fen, min, max } => {
                format!("金额必须在 {min} 到 {max} 分之间，当前为 {fen}")
            }
            RuleProblem::BuyFreeOutOfRange { max } => format!("买赠件数必须在 1 到 {max} 之间"),
            RuleProblem::CapZero => "秒杀每单限购数量至少为 1".into(),
            RuleProblem::BundleSize { max } => format!("组合须包含 2 到 {max} 种商品"),
            RuleProblem::BundleProductRepeated { product } => format!("组合中商品 {product} 重复"),
        }
    }
}

/// Inputs the engine refuses to price.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error("the cart is empty")]
    EmptyCart,
    #[error("the cart has {count} lines, at most {max} are allowed")]
    TooManyLines { count: usize, max: usize },
    #[error("line number {line_no} appears twice")]
    DuplicateLineNo { line_no: u32 },
    #[error("line {line_no}: quantity must be positive, got {qty}")]
    QtyNotPositive { line_no: u32, qty: i64 },
    #[error("line {line_no}: quantity {qty} exceeds the maximum of {max}")]
    QtyTooLarge { line_no: u32, qty: i64, max: i64 },
    #[error("line {line_no}: price must not be negative")]
    PriceNegative { line_no: u32 },
    #[error("line {line_no}: price exceeds the maximum of {max} fen")]
    PriceTooLarge { line_no: u32, max: i64 },
    #[error("member tier discount must be at most {max} basis points, got {bp}")]
    MemberTierOutOfRange { bp: u32, max: u32 },
    #[error("{count} promotions given, at most {max} are allowed")]
    TooManyPromotions { count: usize, max: usize },
    #[error("{count} coupons given, at most {max} are allowed")]
    TooManyCoupons { count: usize, max: usize },
    #[error("promotion {id} is given twice")]
    DuplicatePromotion { id: PromotionId },
    #[error("coupon {id} is given twice")]
    DuplicateCoupon { id: CouponId },
    #[error("promotion {id}: {problem}")]
    PromotionMisconfigured { id: PromotionId, problem: RuleProblem },
    #[error("coupon {id}: {problem}")]
    CouponMisconfigured { id: CouponId, problem: RuleProblem },
}

impl PricingError {
    pub fn message_zh(&self) -> String {
        match self {
            PricingError::EmptyCart => "购物车为空".into(),
            PricingError::TooManyLines { count, max } => format!("购物车有 {count} 行，最多 {max} 行"),
            PricingError::DuplicateLineNo { line_no } => format!("行号 {line_no} 重复"),
            PricingError::QtyNotPositive { line_no, qty } => format!("第 {line_no} 行：数量必须大于 0，当前为 {qty}"),
            PricingError::QtyTooLarge { line_no, qty, max } => {
                format!("第 {line_no} 行：数量 {qty} 超过上限 {max}")
            }
            PricingError::PriceNegative { line_no } => format!("第 {line_no} 行：价格不能为负数"),
            PricingError::PriceTooLarge { line_no, max } => format!("第 {line_no} 行：价格超过上限 {max} 分"),
            PricingError::MemberTierOutOfRange { bp, max } => {
                format!("会员折扣必须在 0 到 {max} 个基点之间，当前为 {bp}")
            }
            PricingError::TooManyPromotions { count, max } => format!("促销活动有 {count} 个，最多 {max} 个"),
            PricingError::TooManyCoupons { count, max } => format!("优惠券有 {count} 张，最多 {max} 张"),
            PricingError::DuplicatePromotion { id } => format!("促销活动 {id} 重复"),
            PricingError::DuplicateCoupon { id } => format!("优惠券 {id} 重复"),
            PricingError::PromotionMisconfigured { id, problem } => {
                format!("促销活动 {id} 设置有误：{}", problem.message_zh())
            }
            PricingError::CouponMisconfigured { id, problem } => {
                format!("优惠券 {id} 设置有误：{}", problem.message_zh())
            }
        }
    }

    /// The input field the error is about, as the API names it.
    pub fn field(&self) -> &'static str {
        match self {
            PricingError::EmptyCart | PricingError::TooManyLines { .. } | PricingError::DuplicateLineNo { .. } => {
                "lines"
            }
            PricingError::QtyNotPositive { .. } | PricingError::QtyTooLarge { .. } => "qty",
            PricingError::PriceNegative { .. } | PricingError::PriceTooLarge { .. } => "unit_price_fen",
            PricingError::MemberTierOutOfRange { .. } => "tier_discount_bp",
            PricingError::TooManyPromotions { .. }
            | PricingError::DuplicatePromotion { .. }
            | PricingError::PromotionMisconfigured { .. } => "promotions",
            PricingError::TooManyCoupons { .. }
            | PricingError::DuplicateCoupon { .. }
            | PricingError::CouponMisconfigured { .. } => "coupons",
        }
    }
}

impl Promotion {
    pub fn is_active_at(&self, now_ms: i64) -> bool {
        self.starts_at_ms <= now_ms && now_ms < self.ends_at_ms
    }
}

impl PromotionRule {
    /// A generated English name for receipts printed in English.
    pub fn name_en(&self) -> String {
        match self {
            PromotionRule::SecondItemHalfPrice { .. } => "Second item half price".into(),
            PromotionRule::BundlePrice { bundle_price_fen, .. } => {
                format!("Bundle for {}", Money::from_fen(*bundle_price_fen))
            }
            PromotionRule::BuyXGetY { buy, free, .. } => format!("Buy {buy} get {free} free"),
            PromotionRule::FlashSale { price_fen, .. } => format!("Flash sale at {}", Money::from_fen(*price_fen)),
            PromotionRule::CategoryPercent { percent_off_bp, .. } => {
                format!("{} off the category", percent(*percent_off_bp))
            }
        }
    }
}

impl CouponKind {
    /// A generated English name for receipts printed in English.
    pub fn name_en(&self, threshold_fen: i64) -> String {
        let what = match self {
            CouponKind::Fixed { amount_fen } => format!("{} off", Money::from_fen(*amount_fen)),
            CouponKind::Percent { percent_off_bp, .. } => format!("{} off", percent(*percent_off_bp)),
            CouponKind::CategoryFixed { amount_fen, .. } => {
                format!("{} off the category", Money::from_fen(*amount_fen))
            }
            CouponKind::CategoryPercent { percent_off_bp, .. } => {
                format!("{} off the category", percent(*percent_off_bp))
            }
            CouponKind::NewMember { amount_fen } => format!("New member {} off", Money::from_fen(*amount_fen)),
            CouponKind::FreeItem { .. } => "One item free".into(),
        };
        if threshold_fen > 0 {
            format!("{what} on {} or more", Money::from_fen(threshold_fen))
        } else {
            what
        }
    }
}

/// "15%", "12.5%", "0.05%".
fn percent(bp: u32) -> String {
    match bp % 100 {
        0 => format!("{}%", bp / 100),
        frac if frac % 10 == 0 => format!("{}.{}%", bp / 100, frac / 10),
        frac => format!("{}.{frac:02}%", bp / 100),
    }
}

/// A cart line once checked, with its base amount.
#[derive(Clone, Debug)]
struct Line {
    line_no: u32,
    product: ProductId,
    category: Option<CategoryId>,
    qty: i64,
    weighed: bool,
    unit_price_fen: i64,
    base_fen: i64,
}

/// `(line index, discount fen)`, by ascending line index, every amount positive.
type Shares = Vec<(usize, i64)>;

/// Prices a cart. See the module documentation for the order discounts apply in.
pub fn price(
    cart: &Cart,
    promotions: &[Promotion],
    coupons: &[Coupon],
    policy: &StackingPolicy,
    now_ms: i64,
) -> Result<Priced, PricingError> {
    let lines = check_cart(cart)?;
    check_promotions(promotions)?;
    check_coupons(coupons)?;

    // Sorting by id first is what makes the result independent of the input order.
    let mut active: Vec<&Promotion> = promotions.iter().filter(|p| p.is_active_at(now_ms)).collect();
    active.sort_by_key(|p| p.id);
    let mut coupons: Vec<&Coupon> = coupons.iter().collect();
    coupons.sort_by_key(|c| c.id);

    let mut remaining: Vec<i64> = lines.iter().map(|l| l.base_fen).collect();
    let mut discounts = Vec::new();
    let mut promoted = vec![false; lines.len()];
    for applied in promotion::apply(&lines, &active, &mut remaining) {
        for &(i, _) in &applied.shares {
            promoted[i] = true;
        }
        let p = applied.promotion;
        discounts.push(discount(
            DiscountSource::Promotion(p.id),
            p.name_zh.clone(),
            p.rule.name_en(),
            &applied.shares,
            &lines,
        ));
    }

    let coupon_allowed: Vec<bool> = promoted.iter().map(|&p| policy.coupon_with_promotions || !p).collect();
    let is_new_member = cart.member.is_some_and(|m| m.is_new_member);
    let choose = |remaining: &[i64]| {
        coupon::choose(
            &lines,
            &coupons,
            is_new_member,
            remaining,
            &coupon_allowed,
            policy.coupons_per_order_max,
            now_ms,
        )
    };
    let tier_bp = cart.member.map(|m| m.tier_discount_bp).filter(|&bp| bp < BP_MAX);
    let (tier_shares, outcome) = match tier_bp {
        None => (None, choose(&remaining)),
        Some(bp) => {
            let tier_shares = tier_discount(bp, &remaining);
            let after_tier = subtract(&remaining, &tier_shares);
            if policy.tier_with_coupons {
                let outcome = choose(&after_tier);
                (Some(tier_shares), outcome)
            } else {
                let without_tier = choose(&remaining);
                if after_tier.iter().sum::<i64>() <= without_tier.total_fen {
                    (Some(tier_shares), without_tier.member_tier_chosen())
                } else {
                    (None, without_tier)
                }
            }
        }
    };

    if let Some(shares) = tier_shares {
        remaining = subtract(&remaining, &shares);
        if !shares.is_empty() {
            discounts.push(discount(
                DiscountSource::MemberTier,
                "会员折扣".into(),
                "Member discount".into(),
                &shares,
                &lines,
            ));
        }
    }
    let mut coupons_used = Vec::new();
    for (c, shares) in outcome.used {
        remaining = subtract(&remaining, &shares);
        coupons_used.push(c.id);
        discounts.push(discount(
            DiscountSource::Coupon(c.id),
            c.name_zh.clone(),
            c.kind.name_en(c.threshold_fen),
            &shares,
            &lines,
        ));
    }

    let priced_lines: Vec<PricedLine> = lines
        .iter()
        .zip(&remaining)
        .map(|(l, &total_fen)| PricedLine {
            line_no: l.line_no,
            base_fen: l.base_fen,
            discount_fen: l.base_fen - total_fen,
            total_fen,
        })
        .collect();
    Ok(Priced {
        subtotal_fen: lines.iter().map(|l| l.base_fen).sum(),
        total_fen: remaining.iter().sum(),
        lines: priced_lines,
        discounts,
        coupons_used,
        coupons_rejected: outcome.rejected,
    })
}

fn discount(source: DiscountSource, name_zh: String, name_en: String, shares: &Shares, lines: &[Line]) -> Discount {
    Discount {
        source,
        name_zh,
        name_en,
        amount_fen: shares.iter().map(|&(_, d)| d).sum(),
        lines: shares
            .iter()
            .map(|&(i, amount_fen)| LineShare {
                line_no: lines[i].line_no,
                amount_fen,
            })
            .collect(),
    }
}

/// The tier discount on the whole remaining amount, spread over the lines.
fn tier_discount(tier_discount_bp: u32, remaining: &[i64]) -> Shares {
    let total: i64 = remaining.iter().sum();
    let off = Money::from_fen(total)
        .mul_ratio(i64::from(BP_MAX - tier_discount_bp), i64::from(BP_MAX), Rounding::Down)
        .fen();
    let indices: Vec<usize> = (0..remaining.len()).collect();
    allocate(off, &indices, remaining)
}

fn subtract(remaining: &[i64], shares: &Shares) -> Vec<i64> {
    let mut next = remaining.to_vec();
    for &(i, d) in shares {
        next[i] -= d;
        assert!(next[i] >= 0, "a discount never exceeds what is left of its line");
    }
    next
}

/// Splits `total_fen` over the lines `indices` pro rata to `weights[index]` by the
/// largest-remainder method: each line gets the floor of its exact share, and the fen
/// left over go one each to the largest fractional parts (ties to the earlier index).
/// No line gets more than its weight, and the shares sum exactly to `total_fen`.
fn allocate(total_fen: i64, indices: &[usize], weights: &[i64]) -> Shares {
    let sum: i64 = indices.iter().map(|&i| weights[i]).sum();
    assert!(
        0 <= total_fen && total_fen <= sum,
        "a discount never exceeds the amount it is spread over"
    );
    if total_fen == 0 {
        return Vec::new();
    }
    let mut parts: Vec<(usize, i64, i128)> = indices
        .iter()
        .map(|&i| {
            let exact = i128::from(total_fen) * i128::from(weights[i]);
            let floor = i64::try_from(exact / i128::from(sum)).expect("a share is at most the discount");
            (i, floor, exact % i128::from(sum))
        })
        .collect();
    let given: i64 = parts.iter().map(|p| p.1).sum();
    let left = usize::try_from(total_fen - given).expect("floors never exceed the total");
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| parts[b].2.cmp(&parts[a].2).then(parts[a].0.cmp(&parts[b].0)));
    for &k in &order[..left] {
        parts[k].1 += 1;
    }
    let mut shares: Shares = parts.into_iter().filter(|p| p.1 > 0).map(|p| (p.0, p.1)).collect();
    shares.sort_unstable_by_key(|s| s.0);
    shares
}

fn check_cart(cart: &Cart) -> Result<Vec<Line>, PricingError> {
    if cart.lines.is_empty() {
        return Err(PricingError::EmptyCart);
    }
    if cart.lines.len() > CART_LINES_MAX {
        return Err(PricingError::TooManyLines {
            count: cart.lines.len(),
            max: CART_LINES_MAX,
        });
    }
    if let Some(m) = cart.member
        && m.tier_discount_bp > BP_MAX
    {
        return Err(PricingError::MemberTierOutOfRange {
            bp: m.tier_discount_bp,
            max: BP_MAX,
        });
    }
    let mut line_nos: Vec<u32> = cart.lines.iter().map(|l| l.line_no).collect();
    line_nos.sort_unstable();
    if let Some(w) = line_nos.windows(2).find(|w| w[0] == w[1]) {
        return Err(PricingError::DuplicateLineNo { line_no: w[0] });
    }
    cart.lines
        .iter()
        .map(|l| {
            let line_no = l.line_no;
            if l.qty <= 0 {
                return Err(PricingError::QtyNotPositive { line_no, qty: l.qty });
            }
            if l.qty > LINE_QTY_MAX {
                return Err(PricingError::QtyTooLarge {
                    line_no,
                    qty: l.qty,
                    max: LINE_QTY_MAX,
                });
            }
            if l.unit_price_fen < 0 {
                return Err(PricingError::PriceNegative { line_no });
            }
            if l.unit_price_fen > AMOUNT_FEN_MAX {
                return Err(PricingError::PriceTooLarge {
                    line_no,
                    max: AMOUNT_FEN_MAX,
                });
            }
            let price = Money::from_fen(l.unit_price_fen);
            let base_fen = if l.weighed {
                Money::for_weight(price, l.qty).fen()
            } else {
                // At most 10^9 fen × 10^6 pieces: far inside i64.
                l.unit_price_fen * l.qty
            };
            Ok(Line {
                line_no,
                product: l.product,
                category: l.category,
                qty: l.qty,
                weighed: l.weighed,
                unit_price_fen: l.unit_price_fen,
                base_fen,
            })
        })
        .collect()
}

fn check_window(starts_at_ms: i64, ends_at_ms: i64) -> Result<(), RuleProblem> {
    if ends_at_ms <= starts_at_ms {
        return Err(RuleProblem::WindowEmpty);
    }
    Ok(())
}

fn check_percent(bp: u32) -> Result<(), RuleProblem> {
    if bp == 0 || bp > BP_MAX {
        return Err(RuleProblem::PercentOutOfRange { bp, max: BP_MAX });
    }
    Ok(())
}

fn check_amount(fen: i64, min: i64) -> Result<(), RuleProblem> {
    if fen < min || fen > AMOUNT_FEN_MAX {
        return Err(RuleProblem::AmountOutOfRange {
            fen,
            min,
            max: AMOUNT_FEN_MAX,
        });
    }
    Ok(())
}

fn check_promotions(promotions: &[Promotion]) -> Result<(), PricingError> {
    if promotions.len() > PROMOTIONS_MAX {
        return Err(PricingError::TooManyPromotions {
            count: promotions.len(),
            max: PROMOTIONS_MAX,
        });
    }
    let mut ids: Vec<PromotionId> = promotions.iter().map(|p| p.id).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(PricingError::DuplicatePromotion { id: w[0] });
    }
    for p in promotions {
        check_rule(p).map_err(|problem| PricingError::PromotionMisconfigured { id: p.id, problem })?;
    }
    Ok(())
}

fn check_rule(p: &Promotion) -> Result<(), RuleProblem> {
    check_window(p.starts_at_ms, p.ends_at_ms)?;
    match &p.rule {
        PromotionRule::SecondItemHalfPrice { .. } => Ok(()),
        PromotionRule::BundlePrice {
            products,
            bundle_price_fen,
        } => {
            if products.len() < 2 || products.len() > BUNDLE_PRODUCTS_MAX {
                return Err(RuleProblem::BundleSize {
                    max: BUNDLE_PRODUCTS_MAX,
                });
            }
            let mut sorted = products.clone();
            sorted.sort_unstable();
            if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
                return Err(RuleProblem::BundleProductRepeated { product: w[0] });
            }
            check_amount(*bundle_price_fen, 0)
        }
        PromotionRule::BuyXGetY { buy, free, .. } => {
            if !(1..=BUY_FREE_MAX).contains(buy) || !(1..=BUY_FREE_MAX).contains(free) {
                return Err(RuleProblem::BuyFreeOutOfRange { max: BUY_FREE_MAX });
            }
            Ok(())
        }
        PromotionRule::FlashSale {
            price_fen,
            cap_per_order,
            ..
        } => {
            if *cap_per_order == 0 {
                return Err(RuleProblem::CapZero);
            }
            check_amount(*price_fen, 0)
        }
        PromotionRule::CategoryPercent { percent_off_bp, .. } => check_percent(*percent_off_bp),
    }
}

fn check_coupons(coupons: &[Coupon]) -> Result<(), PricingError> {
    if coupons.len() > COUPONS_MAX {
        return Err(PricingError::TooManyCoupons {
            count: coupons.len(),
            max: COUPONS_MAX,
        });
    }
    let mut ids: Vec<CouponId> = coupons.iter().map(|c| c.id).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(PricingError::DuplicateCoupon { id: w[0] });
    }
    for c in coupons {
        check_coupon(c).map_err(|problem| PricingError::CouponMisconfigured { id: c.id, problem })?;
    }
    Ok(())
}

fn check_coupon(c: &Coupon) -> Result<(), RuleProblem> {
    check_window(c.starts_at_ms, c.ends_at_ms)?;
    check_amount(c.threshold_fen, 0)?;
    match &c.kind {
        CouponKind::Fixed { amount_fen }
        | CouponKind::CategoryFixed { amount_fen, .. }
        | CouponKind::NewMember { amount_fen } => check_amount(*amount_fen, 1),
        CouponKind::Percent {
            percent_off_bp,
            max_off_fen,
        }
        | CouponKind::CategoryPercent {
            percent_off_bp,
            max_off_fen,
            ..
        } => {
            check_percent(*percent_off_bp)?;
            max_off_fen.map_or(Ok(()), |m| check_amount(m, 1))
        }
        CouponKind::FreeItem { .. } => Ok(()),
    }
}
