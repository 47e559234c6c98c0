//! The demo store's offers: coupons handed to members over its last days and the
//! promotions running today, so the till, the resident shop and the shelf labels have
//! something to show, and the last days of history already use them.
//!
//! Each offer names its products by index into [`crate::Demo::products`] and its
//! category by code; dates are local (Asia/Shanghai). Who gets a coupon is drawn from
//! its own random stream: a campaign goes to the residents who had joined when it was
//! handed out, young families get the dairy coupon, the elderly and families the 9折.

use jiff::civil::Date;
use rand::Rng;

use crate::random::{Stream, rng};
use crate::residents::{ResidentKind, shift};
use crate::{Demo, DemoConfig};

/// A coupon (优惠券) and whom it is given to.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCoupon {
    pub name_zh: String,
    pub kind: DemoCouponKind,
    /// 满 `threshold_fen` 可用; 0 = no threshold.
    pub threshold_fen: i64,
    /// The day it is handed out (at 08:00) and from which copies may be used.
    pub starts: Date,
    /// Each copy is valid this many days after it is given.
    pub valid_days: i64,
    pub per_member_limit: i64,
    pub total_limit: i64,
    pub audience: DemoAudience,
    /// Residents (indices into [`crate::Demo::residents`]) given a copy on `starts`;
    /// empty for a coupon issued on an event.
    pub members: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DemoCouponKind {
    /// 满减: `amount_fen` off the order.
    Fixed { amount_fen: i64 },
    /// 折扣券: `percent_off_bp` off, at most `max_off_fen`.
    Percent { percent_off_bp: i64, max_off_fen: i64 },
    /// 品类券: `amount_fen` off the lines of a leaf category (by code).
    CategoryFixed { category: String, amount_fen: i64 },
    /// 新人券: `amount_fen` off a new member's first order.
    NewMember { amount_fen: i64 },
}

/// Who a coupon goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoAudience {
    /// Handed to the listed members.
    Hand,
    /// Issued automatically to each member who joins while it runs.
    NewMember,
}

/// A promotion (促销) and when it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPromotion {
    pub name_zh: String,
    pub rule: DemoPromotionRule,
    pub window: DemoWindow,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DemoPromotionRule {
    /// 第二件半价.
    SecondItemHalfPrice { product: usize },
    /// 组合价: one of each product together for `price_fen`.
    Bundle { products: Vec<usize>, price_fen: i64 },
    /// 买X赠Y.
    BuyXGetY { product: usize, buy: i64, free: i64 },
    /// 秒杀: `price_fen` a unit, `cap_per_order` units an order, `cap_total` in all.
    FlashSale {
        product: usize,
        price_fen: i64,
        cap_per_order: i64,
        cap_total: i64,
    },
}

/// When a promotion runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoWindow {
    /// From the start of `from` to the end of `to`, local days.
    Days { from: Date, to: Date },
    /// Around the moment the demo is seeded (a flash sale happening now).
    AroundNow { minutes_before: i64, minutes_after: i64 },
}

/// Everything the store offers.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOffers {
    pub coupons: Vec<DemoCoupon>,
    pub promotions: Vec<DemoPromotion>,
}

/// Share of the residents who had joined that get the 满30减5 campaign.
const CAMPAIGN_SHARE: f64 = 0.55;
/// Share of the elderly and families that get the 9折 coupon.
const DISCOUNT_SHARE: f64 = 0.4;
/// Share of young families (and a few others) that get the dairy coupon.
const DAIRY_SHARE: f64 = 0.6;
/// The dairy leaf category (乳制品).
pub const DAIRY_CATEGORY: &str = "C2001";

fn product(demo: &Demo, name: &str) -> usize {
    demo.products
        .iter()
        .position(|p| p.name_zh == name)
        .unwrap_or_else(|| panic!("{name} is in the demo catalogue"))
}

/// The offers of the demo store as of the day after `cfg.end_date` (today).
pub(crate) fn offers(demo: &Demo, cfg: &DemoConfig) -> DemoOffers {
    let end = cfg.end_date;
    let first = cfg.start_date();
    // A campaign that began before the history is dated at its first day.
    let day = |back: i64| shift(end, -back).max(first);
    let mut r = rng(cfg.seed, Stream::Offers, 0);
    let mut pick = |starts: Date, share: f64, who: &dyn Fn(ResidentKind) -> bool| -> Vec<usize> {
        demo.residents
            .iter()
            .enumerate()
            .filter(|(_, res)| res.joined <= starts)
            .filter(|(_, res)| {
                let p = if who(res.kind) { share } else { share / 6.0 };
                r.random_bool(p)
            })
            .map(|(i, _)| i)
            .collect()
    };
    let campaign = day(4);
    let discount = day(2);
    let dairy = day(1);
    let coupons = vec![
        DemoCoupon {
            name_zh: "满30减5".into(),
            kind: DemoCouponKind::Fixed { amount_fen: 500 },
            threshold_fen: 3_000,
            starts: campaign,
            valid_days: 14,
            per_member_limit: 1,
            total_limit: 2_000,
            audience: DemoAudience::Hand,
            members: pick(campaign, CAMPAIGN_SHARE, &|_| true),
        },
        DemoCoupon {
            name_zh: "会员9折券（最高减20元）".into(),
            kind: DemoCouponKind::Percent {
                percent_off_bp: 1_000,
                max_off_fen: 2_000,
            },
            threshold_fen: 0,
            starts: discount,
            valid_days: 10,
            per_member_limit: 1,
            total_limit: 1_000,
            audience: DemoAudience::Hand,
            members: pick(discount, DISCOUNT_SHARE, &|k| {
                matches!(k, ResidentKind::Elderly | ResidentKind::Family)
            }),
        },
        DemoCoupon {
            name_zh: "乳制品满20减3".into(),
            kind: DemoCouponKind::CategoryFixed {
                category: DAIRY_CATEGORY.into(),
                amount_fen: 300,
            },
            threshold_fen: 2_000,
            starts: dairy,
            valid_days: 7,
            per_member_limit: 1,
            total_limit: 1_000,
            audience: DemoAudience::Hand,
            members: pick(dairy, DAIRY_SHARE, &|k| k == ResidentKind::YoungFamily),
        },
        DemoCoupon {
            name_zh: "新人券 满20减10".into(),
            kind: DemoCouponKind::NewMember { amount_fen: 1_000 },
            threshold_fen: 2_000,
            starts: day(30),
            valid_days: 30,
            per_member_limit: 1,
            total_limit: 5_000,
            audience: DemoAudience::NewMember,
            members: Vec::new(),
        },
    ];
    let milk = product(demo, "光明鲜牛奶 950ml");
    let bun = product(demo, "桃李天然酵母面包 80g");
    let small_milk = product(demo, "光明纯牛奶 250ml");
    let chips = product(demo, "乐事原味薯片 75g");
    let eggs = product(demo, "德青源鲜鸡蛋 10枚");
    // The bundle saves about 15%, to the jiao.
    let bundle_list: i64 = [bun, small_milk].iter().map(|&p| demo.products[p].price_fen).sum();
    let bundle_price = bundle_list * 85 / 100 / 10 * 10;
    let egg_price = demo.products[eggs].price_fen * 6 / 10 / 10 * 10;
    let promotions = vec![
        DemoPromotion {
            name_zh: "光明鲜牛奶 第二件半价".into(),
            rule: DemoPromotionRule::SecondItemHalfPrice { product: milk },
            window: DemoWindow::Days {
                from: day(2),
                to: shift(end, 6),
            },
        },
        DemoPromotion {
            name_zh: "早餐组合 面包+牛奶".into(),
            rule: DemoPromotionRule::Bundle {
                products: vec![bun, small_milk],
                price_fen: bundle_price,
            },
            window: DemoWindow::Days {
                from: day(3),
                to: shift(end, 13),
            },
        },
        DemoPromotion {
            name_zh: "乐事薯片 买2赠1".into(),
            rule: DemoPromotionRule::BuyXGetY {
                product: chips,
                buy: 2,
                free: 1,
            },
            window: DemoWindow::Days {
                from: day(1),
                to: shift(end, 7),
            },
        },
        DemoPromotion {
            name_zh: "鸡蛋秒杀".into(),
            rule: DemoPromotionRule::FlashSale {
                product: eggs,
                price_fen: egg_price,
                cap_per_order: 2,
                cap_total: 50,
            },
            window: DemoWindow::AroundNow {
                minutes_before: 60,
                minutes_after: 120,
            },
        },
    ];
    DemoOffers { coupons, promotions }
}
