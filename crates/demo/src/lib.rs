//! Linli's demo community: a Shanghai neighbourhood store with its catalogue,
//! suppliers, member residents, weather and six months of sales, all generated.
//!
//! The demo exists so that every screen and every analysis has believable data
//! on a fresh install: forecasts need seasonality and holidays, basket analysis
//! needs real co-purchases, expiry alerts need lots about to expire. The crate is
//! pure — no IO, no clock, no environment — and deterministic: the same
//! [`DemoConfig`] always gives the same [`Demo`], the same [`sales`] and the same
//! [`history_receipts`]. Money is integer fen; times are Asia/Shanghai.
//!
//! ```
//! use linli_demo::{DemoConfig, generate, sales};
//! let cfg = DemoConfig::new(7, jiff::civil::date(2026, 4, 30));
//! let demo = generate(&cfg);
//! let first = sales(&demo, &cfg).next().expect("the history has sales");
//! assert!(!first.lines.is_empty());
//! ```

mod catalog;
mod catalog_data;
mod demand;
mod offers;
mod online;
mod places;
mod random;
mod residents;
mod sales;
mod stock;
mod suppliers;
mod weather;

use jiff::civil::Date;

pub use catalog::{DemoCategory, DemoProduct, DemoUnit, DemoZone};
pub use demand::{SALES_PER_DAY_MAX, SALES_PER_DAY_MIN, STORE_CLOSE, STORE_OPEN};
pub use offers::{
    DAIRY_CATEGORY, DemoAudience, DemoCoupon, DemoCouponKind, DemoOffers, DemoPromotion, DemoPromotionRule, DemoWindow,
};
pub use online::{DemoFulfilment, DemoOnlineOrder, DemoOrderState, DemoPresale, DemoShop};
pub use places::{DemoBuilding, DemoLocation, DemoStore, LocationKind};
pub use residents::{DemoResident, ResidentKind};
pub use sales::{BASKET_LINES_MAX, DemoPayment, DemoSale, DemoSaleLine};
pub use stock::{DemoLot, DemoReceipt, history_receipts};
pub use suppliers::{DemoSupplier, SupplierKind};
pub use weather::DemoWeather;

/// Days of history when the caller does not say.
pub const DEFAULT_HISTORY_DAYS: u32 = 180;
/// Longest history the generator accepts: ten years.
pub const HISTORY_DAYS_MAX: u32 = 3660;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoConfig {
    pub seed: u64,
    /// Last day of the history, inclusive; stock lots are as of this day.
    pub end_date: Date,
    /// Days of history ending at `end_date`, 1 to [`HISTORY_DAYS_MAX`].
    pub history_days: u32,
}

impl DemoConfig {
    /// A config with [`DEFAULT_HISTORY_DAYS`] of history.
    pub fn new(seed: u64, end_date: Date) -> DemoConfig {
        DemoConfig {
            seed,
            end_date,
            history_days: DEFAULT_HISTORY_DAYS,
        }
    }

    /// The first day of the history.
    pub fn start_date(&self) -> Date {
        demand::start_date(self)
    }
}

/// The whole demo community.
#[derive(Debug, Clone, PartialEq)]
pub struct Demo {
    pub org_name_zh: String,
    pub store: DemoStore,
    pub locations: Vec<DemoLocation>,
    /// Groups first, each followed by its leaves.
    pub categories: Vec<DemoCategory>,
    pub zones: Vec<DemoZone>,
    pub products: Vec<DemoProduct>,
    pub suppliers: Vec<DemoSupplier>,
    pub buildings: Vec<DemoBuilding>,
    pub residents: Vec<DemoResident>,
    /// Stock on hand as of the end date.
    pub lots: Vec<DemoLot>,
    /// One per history day, oldest first.
    pub weather: Vec<DemoWeather>,
}

impl Demo {
    /// The supplier a product is bought from: its brand's own supplier if it has
    /// one, else the first supplier of its category that takes any brand.
    pub fn supplier_of(&self, product: usize) -> Option<&DemoSupplier> {
        let p = self.products.get(product)?;
        suppliers::supplier_for(&self.suppliers, &p.category, p.brand.as_deref()).map(|i| &self.suppliers[i])
    }
}

/// Generates the demo community.
///
/// # Panics
///
/// When `cfg.history_days` is 0 or above [`HISTORY_DAYS_MAX`]: the caller
/// validates user input before asking.
pub fn generate(cfg: &DemoConfig) -> Demo {
    assert!(
        (1..=HISTORY_DAYS_MAX).contains(&cfg.history_days),
        "history_days must be between 1 and {HISTORY_DAYS_MAX}, not {}",
        cfg.history_days
    );
    let start = cfg.start_date();
    let mut phones = residents::PhoneBook::new(cfg.seed);
    let suppliers = suppliers::suppliers(|| phones.issue());
    let products = catalog::products(cfg.seed, &suppliers);
    let categories = catalog::categories();
    let layouts = places::buildings();
    let residents = residents::generate(cfg.seed, &layouts, start, cfg.end_date, &mut phones);
    let weather = weather::generate(cfg.seed, start, cfg.history_days);
    let lots = stock::current_lots(cfg.seed, cfg.end_date, &products, &categories, &suppliers);
    Demo {
        org_name_zh: "上海邻里便利商业有限公司".into(),
        store: places::store(),
        locations: places::locations(),
        categories,
        zones: catalog::zones(),
        products,
        suppliers,
        buildings: layouts.into_iter().map(|(b, _)| b).collect(),
        residents,
        lots,
        weather,
    }
}

/// The weather of the `days` days after the history: the outlook a weather service
/// would give the store, continuing the history's weather.
pub fn weather_outlook(cfg: &DemoConfig, days: u32) -> Vec<DemoWeather> {
    let all = weather::generate(cfg.seed, cfg.start_date(), cfg.history_days + days);
    all[cfg.history_days as usize..].to_vec()
}

/// Every sale of the history, in time order, generated lazily one day at a time.
///
/// `demo` must come from [`generate`] with the same `cfg` (products are matched to
/// their demand traits by name, weather by date).
pub fn sales<'a>(demo: &'a Demo, cfg: &DemoConfig) -> impl Iterator<Item = DemoSale> + use<'a> {
    sales::sales(demo, cfg)
}

/// The coupons handed out over the last days and the promotions running today.
///
/// `demo` must come from [`generate`] with the same `cfg`.
pub fn offers(demo: &Demo, cfg: &DemoConfig) -> DemoOffers {
    offers::offers(demo, cfg)
}

/// Today's resident-shop orders and presale (the day after `cfg.end_date`).
///
/// `demo` must come from [`generate`] with the same `cfg`.
pub fn shop(demo: &Demo, cfg: &DemoConfig) -> DemoShop {
    online::shop(demo, cfg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};
    use std::sync::OnceLock;

    use jiff::Timestamp;
    use jiff::civil::{DateTime, Weekday, date};
    use linli_domain::barcode::gtin::{Gtin, GtinKind};
    use linli_domain::calendar::{DayKind, Holiday, day_kind};
    use linli_domain::catalog::{UnitKind, unit};
    use linli_domain::phone::PhoneNumber;

    /// Six months ending after Spring Festival and Qingming 2026.
    fn cfg() -> DemoConfig {
        DemoConfig::new(20_260_430, date(2026, 4, 30))
    }

    struct Fixture {
        cfg: DemoConfig,
        demo: Demo,
        sales: Vec<DemoSale>,
        receipts: Vec<DemoReceipt>,
    }

    /// One generated history shared by the tests (generating it is the slow part).
    fn fixture() -> &'static Fixture {
        static FIXTURE: OnceLock<Fixture> = OnceLock::new();
        FIXTURE.get_or_init(|| {
            let cfg = cfg();
            let demo = generate(&cfg);
            let sales = sales(&demo, &cfg).collect();
            let receipts = history_receipts(&demo, &cfg);
            Fixture {
                cfg,
                demo,
                sales,
                receipts,
            }
        })
    }

    fn local(at: Timestamp) -> DateTime {
        demand::SHANGHAI.to_datetime(at)
    }

    fn product_named(demo: &Demo, name: &str) -> usize {
        demo.products
            .iter()
            .position(|p| p.name_zh == name)
            .unwrap_or_else(|| panic!("{name} is in the catalogue"))
    }

    /// Sales per local date.
    fn sales_per_day(sales: &[DemoSale]) -> HashMap<Date, usize> {
        let mut out = HashMap::new();
        for s in sales {
            *out.entry(local(s.at).date()).or_insert(0) += 1;
        }
        out
    }

    fn mean(xs: &[f64]) -> f64 {
        xs.iter().sum::<f64>() / xs.len() as f64
    }

    #[test]
    fn same_seed_gives_the_same_demo_and_sales() {
        let f = fixture();
        let again = generate(&f.cfg);
        assert_eq!(again, f.demo);
        let first: Vec<DemoSale> = sales(&again, &f.cfg).take(1000).collect();
        assert_eq!(first[..], f.sales[..1000]);
    }

    #[test]
    fn different_seeds_give_different_demos_and_sales() {
        let f = fixture();
        let other_cfg = DemoConfig {
            seed: f.cfg.seed + 1,
            ..f.cfg
        };
        let other = generate(&other_cfg);
        assert_ne!(other.residents, f.demo.residents);
        assert_ne!(other.weather, f.demo.weather);
        assert_ne!(other.lots, f.demo.lots);
        let first: Vec<DemoSale> = sales(&other, &other_cfg).take(100).collect();
        assert_ne!(first[..], f.sales[..100]);
    }

    #[test]
    fn the_community_is_big_enough() {
        let d = &fixture().demo;
        let leaves = d.categories.iter().filter(|c| c.parent.is_some()).count();
        let count = |kind| d.locations.iter().filter(|l| l.kind == kind).count();
        assert!(d.products.len() >= 420, "{} products", d.products.len());
        assert!(leaves >= 20, "{leaves} leaves");
        assert!(d.buildings.len() >= 8);
        assert!(d.residents.len() >= 520);
        assert!(d.suppliers.len() >= 8);
        assert_eq!(count(LocationKind::SalesFloor), 1);
        assert_eq!(count(LocationKind::Backroom), 1);
        assert_eq!(count(LocationKind::FrontWarehouse), 1);
        assert_eq!(count(LocationKind::GridStation), 6);
        assert_eq!(d.zones.len(), 6);
        assert!(d.store.name_zh.starts_with("邻里便利"));
    }

    #[test]
    fn every_gtin_is_a_unique_chinese_ean13_and_only_weighed_goods_lack_one() {
        let d = &fixture().demo;
        let mut seen = HashSet::new();
        for p in &d.products {
            match (p.unit, &p.gtin) {
                (DemoUnit::Kg, None) => {}
                (DemoUnit::Piece(_), Some(code)) => {
                    let gtin = Gtin::parse(code).expect("a valid GTIN");
                    assert_eq!(gtin.kind(), GtinKind::Ean13, "{code}");
                    assert!(gtin.is_china(), "{code}");
                    assert!(("690".."700").contains(&&code[..3]), "{code}");
                    assert!(seen.insert(code.clone()), "duplicate {code}");
                }
                other => panic!("{}: {other:?}", p.name_zh),
            }
        }
    }

    #[test]
    fn plus_are_unique_five_digit_codes_of_weighed_goods() {
        let d = &fixture().demo;
        let mut seen = HashSet::new();
        for p in &d.products {
            assert_eq!(p.plu.is_some(), p.unit == DemoUnit::Kg, "{}", p.name_zh);
            if let Some(plu) = p.plu {
                assert!((10_000..=99_999).contains(&plu), "{plu}");
                assert!(seen.insert(plu), "duplicate PLU {plu}");
            }
        }
        let weighed = seen.len() as f64 / d.products.len() as f64;
        assert!((0.10..0.20).contains(&weighed), "{weighed}");
    }

    #[test]
    fn skus_names_and_phones_are_unique() {
        let d = &fixture().demo;
        let skus: HashSet<&str> = d.products.iter().map(|p| p.sku.as_str()).collect();
        let names: HashSet<&str> = d.products.iter().map(|p| p.name_zh.as_str()).collect();
        assert_eq!(skus.len(), d.products.len());
        assert_eq!(names.len(), d.products.len());
        assert!(d.products.iter().all(|p| p.sku.len() == 7 && p.sku.starts_with('P')));
        let phones: Vec<&str> = d
            .residents
            .iter()
            .map(|r| r.phone.as_str())
            .chain(d.suppliers.iter().map(|s| s.contact_phone.as_str()))
            .collect();
        let unique: HashSet<&str> = phones.iter().copied().collect();
        assert_eq!(unique.len(), phones.len());
        for p in phones {
            assert!(PhoneNumber::parse(p).is_ok(), "{p}");
            assert!(matches!(&p[..2], "13" | "15" | "18" | "19"), "{p}");
        }
    }

    #[test]
    fn every_product_sits_in_a_leaf_with_a_valid_unit_and_zones() {
        let d = &fixture().demo;
        let leaves: HashSet<&str> = d
            .categories
            .iter()
            .filter(|c| c.parent.is_some())
            .map(|c| c.code.as_str())
            .collect();
        let groups: HashSet<&str> = d
            .categories
            .iter()
            .filter(|c| c.parent.is_none())
            .map(|c| c.code.as_str())
            .collect();
        assert!(
            d.categories
                .iter()
                .filter_map(|c| c.parent.as_deref())
                .all(|p| groups.contains(p))
        );
        let zones: HashSet<&str> = d.zones.iter().map(|z| z.code.as_str()).collect();
        let mut used_zones = HashSet::new();
        for p in &d.products {
            assert!(leaves.contains(p.category.as_str()), "{}", p.name_zh);
            let (kind, _) = unit(p.unit.label()).expect("a valid unit label");
            let expected = if p.unit == DemoUnit::Kg {
                UnitKind::Weight
            } else {
                UnitKind::Piece
            };
            assert_eq!(kind, expected, "{}", p.name_zh);
            for z in &p.zones {
                assert!(zones.contains(z.as_str()), "{z}");
                used_zones.insert(z.as_str());
            }
            assert!(p.name_en.is_some());
        }
        assert_eq!(used_zones, zones, "every zone has products");
    }

    #[test]
    fn prices_costs_taxes_and_shelf_lives_are_plausible() {
        for p in &fixture().demo.products {
            assert!(p.price_fen > 0);
            let margin = 1.0 - p.cost_fen as f64 / p.price_fen as f64;
            assert!((0.145..0.355).contains(&margin), "{} margin {margin}", p.name_zh);
            assert!(matches!(p.tax_rate_bp, 900 | 1300), "{}", p.name_zh);
            assert!(linli_domain::catalog::shelf_life_days(p.shelf_life_days).is_ok());
            assert!(p.reorder_point > 0);
            assert!(p.base_daily_demand > 0.0);
            for f in [p.rain_factor, p.heat_factor, p.cold_factor, p.holiday_factor] {
                assert!((0.5..=15.0).contains(&f), "{} factor {f}", p.name_zh);
            }
        }
        let d = &fixture().demo;
        let alert = |name: &str| {
            d.categories
                .iter()
                .find(|c| c.name_zh == name)
                .map(|c| c.expiry_alert_hours)
        };
        assert_eq!(alert("蔬菜"), Some(24));
        assert_eq!(alert("烘焙"), Some(24));
        assert_eq!(alert("乳制品"), Some(72));
        assert_eq!(alert("粮油"), Some(720));
        let fresh_milk = &d.products[product_named(d, "光明鲜牛奶 950ml")];
        assert_eq!(fresh_milk.tax_rate_bp, 900, "pasteurised milk is agricultural");
        let umbrella = &d.products[product_named(d, "天堂三折晴雨伞")];
        assert_eq!(umbrella.shelf_life_days, None);
        assert!(umbrella.rain_factor > 4.0);
    }

    #[test]
    fn common_items_are_on_the_shelf() {
        let d = &fixture().demo;
        let having = |word: &str| d.products.iter().filter(|p| p.name_zh.contains(word)).count();
        assert!(having("牛奶") >= 3);
        assert!(having("面包") >= 3);
        assert!(having("鸡蛋") >= 3);
        assert!(having("可乐") >= 2);
        for name in [
            "农夫山泉饮用天然水 550ml",
            "康师傅红烧牛肉面 袋装",
            "上海青",
            "红富士苹果",
            "维达超韧抽纸 3层130抽×6包",
        ] {
            product_named(d, name);
        }
    }

    #[test]
    fn popularity_is_long_tailed() {
        let d = &fixture().demo;
        let pieces: Vec<f64> = d
            .products
            .iter()
            .filter(|p| p.unit != DemoUnit::Kg)
            .map(|p| p.base_daily_demand)
            .collect();
        let hot = pieces.iter().filter(|&&x| x >= 30.0).count();
        let modest = pieces.iter().filter(|&&x| (0.2..=3.0).contains(&x)).count();
        assert!((2..=10).contains(&hot), "{hot} items at 30+/day");
        assert!(modest * 2 > pieces.len(), "{modest} of {}", pieces.len());
    }

    #[test]
    fn every_product_has_a_supplier_and_every_leaf_is_covered() {
        let d = &fixture().demo;
        for (i, p) in d.products.iter().enumerate() {
            let s = d.supplier_of(i).expect("a supplier");
            assert!(s.categories.contains(&p.category), "{}", p.name_zh);
        }
        assert_eq!(d.supplier_of(0).map(|s| s.kind), Some(SupplierKind::Farm));
        let milk = product_named(d, "光明鲜牛奶 950ml");
        assert_eq!(d.supplier_of(milk).map(|s| s.name_zh.as_str()), Some("光明乳业配送"));
    }

    #[test]
    fn weather_covers_every_history_day() {
        let f = fixture();
        assert_eq!(f.demo.weather.len(), f.cfg.history_days as usize);
        assert_eq!(f.demo.weather[0].date, f.cfg.start_date());
        assert_eq!(f.demo.weather.last().map(|w| w.date), Some(f.cfg.end_date));
        assert!(
            f.demo
                .weather
                .windows(2)
                .all(|w| w[0].date.tomorrow().ok() == Some(w[1].date))
        );
    }

    #[test]
    fn sales_are_sorted_within_hours_and_well_formed() {
        let f = fixture();
        let residents = &f.demo.residents;
        assert!(f.sales.windows(2).all(|w| w[0].at <= w[1].at));
        for s in &f.sales {
            let at = local(s.at);
            assert!(at.time() >= STORE_OPEN && at.time() < STORE_CLOSE, "{at}");
            assert!((1..=BASKET_LINES_MAX).contains(&s.lines.len()));
            let distinct: HashSet<usize> = s.lines.iter().map(|l| l.product).collect();
            assert_eq!(distinct.len(), s.lines.len(), "distinct products per sale");
            for l in &s.lines {
                assert!(l.qty > 0);
                if f.demo.products[l.product].unit == DemoUnit::Kg {
                    assert!((300..=1500).contains(&l.qty), "{} g", l.qty);
                }
            }
            if let Some(m) = s.member {
                assert!(residents[m].joined <= at.date(), "member had joined");
            }
        }
    }

    #[test]
    fn every_day_has_between_250_and_450_sales() {
        let f = fixture();
        let per_day = sales_per_day(&f.sales);
        assert_eq!(per_day.len(), f.cfg.history_days as usize);
        for (day, n) in &per_day {
            assert!((250..=450).contains(n), "{day}: {n}");
        }
        let total: usize = per_day.values().sum();
        assert!(total > 55_000, "{total} sales");
    }

    #[test]
    fn weekends_are_busier_than_weekdays() {
        let per_day = sales_per_day(&fixture().sales);
        let (mut weekend, mut weekday) = (Vec::new(), Vec::new());
        for (day, n) in per_day {
            match day_kind(day) {
                DayKind::Weekend => weekend.push(n as f64),
                DayKind::Workday => weekday.push(n as f64),
                _ => {}
            }
        }
        assert!(
            mean(&weekend) > 1.05 * mean(&weekday),
            "{} vs {}",
            mean(&weekend),
            mean(&weekday)
        );
    }

    #[test]
    fn spring_festival_is_quieter_than_its_run_up() {
        let per_day = sales_per_day(&fixture().sales);
        let avg = |from: Date, to: Date| {
            let xs: Vec<f64> = per_day
                .iter()
                .filter(|(d, _)| (from..=to).contains(*d))
                .map(|(_, n)| *n as f64)
                .collect();
            mean(&xs)
        };
        let run_up = avg(date(2026, 2, 9), date(2026, 2, 14));
        let holiday = avg(date(2026, 2, 16), date(2026, 2, 22));
        assert!(holiday < 0.85 * run_up, "{holiday} vs {run_up}");
    }

    #[test]
    fn rainy_days_sell_more_umbrellas() {
        let f = fixture();
        let umbrellas: HashSet<usize> = f
            .demo
            .products
            .iter()
            .enumerate()
            .filter(|(_, p)| p.name_zh.contains('伞'))
            .map(|(i, _)| i)
            .collect();
        let mut sold: HashMap<Date, i64> = HashMap::new();
        for s in &f.sales {
            for l in s.lines.iter().filter(|l| umbrellas.contains(&l.product)) {
                *sold.entry(local(s.at).date()).or_insert(0) += l.qty;
            }
        }
        let on = |rainy: bool| {
            let xs: Vec<f64> = f
                .demo
                .weather
                .iter()
                .filter(|w| (w.rain_mm >= 10) == rainy && (w.rain_mm == 0 || rainy))
                .map(|w| sold.get(&w.date).copied().unwrap_or(0) as f64)
                .collect();
            mean(&xs)
        };
        assert!(on(true) > 2.5 * on(false), "rainy {} dry {}", on(true), on(false));
    }

    #[test]
    fn members_payments_and_times_follow_the_neighbourhood() {
        let f = fixture();
        let n = f.sales.len() as f64;
        let share = |pred: &dyn Fn(&DemoSale) -> bool| f.sales.iter().filter(|s| pred(s)).count() as f64 / n;
        let members = share(&|s| s.member.is_some());
        let qr = share(&|s| matches!(s.payment, DemoPayment::WechatQr | DemoPayment::AlipayQr));
        let cash = share(&|s| s.payment == DemoPayment::Cash);
        let stored_by_guest = share(&|s| s.member.is_none() && s.payment == DemoPayment::StoredValue);
        assert!((0.55..0.67).contains(&members), "{members}");
        assert!((0.68..0.82).contains(&qr), "{qr}");
        assert!((0.10..0.20).contains(&cash), "{cash}");
        assert_eq!(stored_by_guest, 0.0, "stored value needs a member");

        let is_elderly = |s: &DemoSale| {
            s.member
                .is_some_and(|m| f.demo.residents[m].kind == ResidentKind::Elderly)
        };
        let morning = |s: &DemoSale| local(s.at).hour() < 10;
        let elderly_in_morning = share(&|s| is_elderly(s) && morning(s)) / share(&|s| is_elderly(s));
        assert!(elderly_in_morning > 1.5 * share(&morning), "{elderly_in_morning}");

        let by_hour = |h: i8| f.sales.iter().filter(|s| local(s.at).hour() == h).count();
        assert!(by_hour(8) > by_hour(10), "morning peak");
        assert!(by_hour(18) > by_hour(14), "evening peak");
        assert!(by_hour(12) > by_hour(14), "lunch bump");
        assert!(by_hour(22) > 0, "late-night snacks");
    }

    #[test]
    fn breakfast_sells_in_the_morning_and_baby_goods_to_young_families() {
        let f = fixture();
        let d = &f.demo;
        let (mut breakfast_morning, mut lines_morning, mut breakfast_later, mut lines_later) = (0, 0, 0, 0);
        let mut baby_by_kind: HashMap<ResidentKind, usize> = HashMap::new();
        for s in &f.sales {
            let early = (7..9).contains(&local(s.at).hour());
            for l in &s.lines {
                let p = &d.products[l.product];
                let b = p.zones.iter().any(|z| z == "breakfast");
                if early {
                    lines_morning += 1;
                    breakfast_morning += usize::from(b);
                } else {
                    lines_later += 1;
                    breakfast_later += usize::from(b);
                }
                if p.category == "C5001"
                    && let Some(m) = s.member
                {
                    *baby_by_kind.entry(d.residents[m].kind).or_insert(0) += 1;
                }
            }
        }
        let early = breakfast_morning as f64 / lines_morning as f64;
        let later = breakfast_later as f64 / lines_later as f64;
        assert!(early > 1.8 * later, "{early} vs {later}");
        let young = baby_by_kind.get(&ResidentKind::YoungFamily).copied().unwrap_or(0);
        let others: usize = baby_by_kind.values().sum::<usize>() - young;
        assert!(young > 2 * others, "{young} vs {others}");
    }

    /// Lift of "a basket with a product of `a` also has one of `b`".
    fn lift(f: &Fixture, a: &dyn Fn(&DemoProduct) -> bool, b: &dyn Fn(&DemoProduct) -> bool) -> f64 {
        let p = &f.demo.products;
        let has = |s: &DemoSale, pred: &dyn Fn(&DemoProduct) -> bool| s.lines.iter().any(|l| pred(&p[l.product]));
        let n = f.sales.len() as f64;
        let sa = f.sales.iter().filter(|s| has(s, a)).count() as f64 / n;
        let sb = f.sales.iter().filter(|s| has(s, b)).count() as f64 / n;
        let both = f.sales.iter().filter(|s| has(s, a) && has(s, b)).count() as f64 / n;
        both / (sa * sb)
    }

    #[test]
    fn baskets_hold_real_co_purchases() {
        let f = fixture();
        let named = |words: &'static [&'static str]| move |p: &DemoProduct| words.iter().any(|w| p.name_zh.contains(w));
        let bread = named(&["面包", "吐司"]);
        let milk = named(&["牛奶"]);
        let noodles = named(&["牛肉面", "拉面", "杯面"]);
        let sausages = named(&["火腿肠", "热狗肠"]);
        let beer = named(&["啤酒"]);
        let nibbles = named(&["花生", "瓜子", "鸭脖"]);
        let veg = |p: &DemoProduct| p.category == "C1001";
        let meat = |p: &DemoProduct| p.category == "C1003";
        assert!(lift(f, &bread, &milk) > 2.0, "bread and milk");
        assert!(lift(f, &noodles, &sausages) > 3.0, "noodles and sausages");
        assert!(lift(f, &beer, &nibbles) > 3.0, "beer and peanuts");
        assert!(lift(f, &veg, &meat) > 1.5, "vegetables and meat");
    }

    #[test]
    fn base_daily_demand_matches_what_sells() {
        let f = fixture();
        let mut units = vec![0_i64; f.demo.products.len()];
        for s in &f.sales {
            for l in &s.lines {
                units[l.product] += l.qty;
            }
        }
        let days = f.cfg.history_days as f64;
        let mut ratios: Vec<f64> = f
            .demo
            .products
            .iter()
            .zip(&units)
            .filter(|(p, _)| p.base_daily_demand >= 1.0)
            .map(|(p, &u)| u as f64 / days / p.base_daily_demand)
            .collect();
        ratios.sort_by(f64::total_cmp);
        let median = ratios[ratios.len() / 2];
        assert!((0.8..1.2).contains(&median), "median realised/base {median}");
    }

    #[test]
    fn festival_food_sells_before_its_festival() {
        let f = fixture();
        let qingtuan = product_named(&f.demo, "沈大成艾草青团 6只装");
        let sold_between = |from: Date, to: Date| -> i64 {
            f.sales
                .iter()
                .filter(|s| (from..=to).contains(&local(s.at).date()))
                .flat_map(|s| &s.lines)
                .filter(|l| l.product == qingtuan)
                .map(|l| l.qty)
                .sum()
        };
        // Qingming 2026 is April 4–6.
        let before = sold_between(date(2026, 3, 21), date(2026, 4, 4));
        let earlier = sold_between(date(2026, 1, 5), date(2026, 1, 19));
        assert!(before > 3 * earlier.max(1), "{before} vs {earlier}");
        assert_eq!(day_kind(date(2026, 4, 4)), DayKind::Holiday(Holiday::Qingming));
    }

    #[test]
    fn receipts_keep_the_shelf_stocked() {
        let f = fixture();
        let d = &f.demo;
        let mut by_day: HashMap<Date, Vec<&DemoReceipt>> = HashMap::new();
        for r in &f.receipts {
            assert!(r.qty > 0);
            assert!((f.cfg.start_date()..=f.cfg.end_date).contains(&r.date));
            let life = d.products[r.product].shelf_life_days;
            assert_eq!(r.expiry, life.map(|s| residents::shift(r.date, s)));
            assert_eq!(
                Some(r.supplier_code.as_str()),
                d.supplier_of(r.product).map(|s| s.code.as_str())
            );
            by_day.entry(r.date).or_default().push(r);
        }
        let codes: HashSet<&str> = f.receipts.iter().map(|r| r.lot_code.as_str()).collect();
        assert_eq!(codes.len(), f.receipts.len(), "lot codes are unique");

        // Receipts at 06:00, then the day's sales; totals only, and with lots
        // sold first-expiry-first and never after their expiry day.
        let n = d.products.len();
        let mut on_hand = vec![0_i64; n];
        let mut lots: Vec<Vec<(Option<Date>, i64)>> = vec![Vec::new(); n];
        let (mut lines, mut short_total, mut short_fefo) = (0, 0, 0);
        let mut today = None;
        for s in &f.sales {
            let day = local(s.at).date();
            if today != Some(day) {
                today = Some(day);
                for r in by_day.get(&day).into_iter().flatten() {
                    on_hand[r.product] += r.qty;
                    lots[r.product].push((r.expiry, r.qty));
                    lots[r.product].sort_by_key(|l| l.0.unwrap_or(Date::MAX));
                }
                for l in &mut lots {
                    l.retain(|(expiry, qty)| *qty > 0 && expiry.is_none_or(|e| e >= day));
                }
            }
            for l in &s.lines {
                lines += 1;
                if on_hand[l.product] >= l.qty {
                    on_hand[l.product] -= l.qty;
                } else {
                    short_total += 1;
                }
                let lots = &mut lots[l.product];
                if lots.iter().map(|x| x.1).sum::<i64>() >= l.qty {
                    let mut left = l.qty;
                    for lot in lots.iter_mut() {
                        let take = lot.1.min(left);
                        lot.1 -= take;
                        left -= take;
                    }
                } else {
                    short_fefo += 1;
                }
            }
        }
        let total_rate = f64::from(short_total) / f64::from(lines);
        let fefo_rate = f64::from(short_fefo) / f64::from(lines);
        assert!(total_rate < 0.02, "{total_rate}");
        assert!(fefo_rate < 0.02, "{fefo_rate}");
        assert!(short_fefo > 0, "a few stock-outs keep the history realistic");
    }

    #[test]
    fn deliveries_waste_little() {
        let f = fixture();
        let (_, stats) = stock::plan_receipts(&f.demo, &f.cfg);
        let waste = stats.wasted as f64 / stats.demanded as f64;
        let short = stats.short as f64 / stats.demanded as f64;
        assert!(waste < 0.05, "{waste}");
        assert!(short < 0.01, "{short}");
    }

    #[test]
    fn lots_show_expired_near_expiry_and_short_stock() {
        let f = fixture();
        let d = &f.demo;
        let end = f.cfg.end_date;
        let alert_days = |p: &DemoProduct| {
            d.categories
                .iter()
                .find(|c| c.code == p.category)
                .map_or(30, |c| (c.expiry_alert_hours + 23) / 24)
        };
        let mut per_product = vec![0; d.products.len()];
        let mut on_hand = vec![0_i64; d.products.len()];
        let (mut expired, mut alerting, mut fine) = (0, 0, 0);
        let codes: HashSet<&str> = d.locations.iter().map(|l| l.code.as_str()).collect();
        for lot in &d.lots {
            let p = &d.products[lot.product];
            per_product[lot.product] += 1;
            on_hand[lot.product] += lot.qty;
            assert!(lot.qty > 0);
            assert!(lot.received <= end);
            assert!(codes.contains(lot.location_code.as_str()));
            assert_eq!(
                Some(lot.supplier_code.as_str()),
                d.supplier_of(lot.product).map(|s| s.code.as_str())
            );
            match lot.expiry {
                None => assert_eq!(p.shelf_life_days, None),
                Some(e) if e < end => expired += 1,
                Some(e) if e < residents::shift(end, alert_days(p)) => alerting += 1,
                Some(_) => fine += 1,
            }
        }
        assert!(per_product.iter().all(|n| (1..=3).contains(n)));
        let dated = (expired + alerting + fine) as f64;
        assert!(expired > 0 && (expired as f64) < 0.1 * dated, "{expired} expired");
        assert!(alerting > expired, "{alerting} near expiry");
        assert!(fine as f64 > 0.6 * dated);
        let below = d
            .products
            .iter()
            .zip(&on_hand)
            .filter(|(p, q)| **q < p.reorder_point)
            .count();
        assert!((3..=15).contains(&below), "{below} below reorder point");
        let floor_or_back = d
            .lots
            .iter()
            .filter(|l| l.location_code == places::SALES_FLOOR || l.location_code == places::BACKROOM)
            .count();
        assert!(floor_or_back as f64 > 0.75 * d.lots.len() as f64);
        assert!(d.lots.iter().any(|l| l.location_code == places::FRONT_WAREHOUSE));
        let lot_codes: HashSet<&str> = d.lots.iter().map(|l| l.lot_code.as_str()).collect();
        assert_eq!(lot_codes.len(), d.lots.len());
    }

    #[test]
    fn residents_joined_before_or_during_the_history() {
        let f = fixture();
        let start = f.cfg.start_date();
        let before = f.demo.residents.iter().filter(|r| r.joined < start).count();
        assert!(before > 0 && before < f.demo.residents.len());
        assert!(f.demo.residents.iter().all(|r| r.joined <= f.cfg.end_date));
        assert!(f.demo.residents.iter().all(|r| r.birthday.is_none_or(|b| b < start)));
        let kinds: HashSet<ResidentKind> = f.demo.residents.iter().map(|r| r.kind).collect();
        assert_eq!(kinds.len(), ResidentKind::ALL.len());
    }

    /// What each resident paid at list prices over the history.
    fn member_spend(f: &Fixture) -> Vec<i64> {
        let mut spend = vec![0_i64; f.demo.residents.len()];
        for s in &f.sales {
            let Some(m) = s.member else { continue };
            for l in &s.lines {
                let p = &f.demo.products[l.product];
                spend[m] += match p.unit {
                    DemoUnit::Kg => (p.price_fen * l.qty + 500) / 1000,
                    DemoUnit::Piece(_) => p.price_fen * l.qty,
                };
            }
        }
        spend
    }

    #[test]
    fn the_most_loyal_households_spend_enough_for_the_top_tiers() {
        let mut spend = member_spend(fixture());
        spend.sort_unstable_by(|a, b| b.cmp(a));
        // 钻石 needs ¥20,000 and 金卡 ¥5,000 of spend in twelve months; the tiers' own
        // discounts (up to 10%) come off these list prices, hence the margins.
        assert!(spend[0] >= 2_300_000, "the most loyal household spent {}", spend[0]);
        assert!(spend[0] < 4_000_000, "a household, not the whole store: {}", spend[0]);
        let at_least = |fen: i64| spend.iter().filter(|&&s| s >= fen).count();
        assert!(at_least(600_000) >= 20, "{} near 金卡", at_least(600_000));
        assert!(at_least(110_000) >= 200, "{} near 银卡", at_least(110_000));
        assert!(at_least(100_000) < spend.len() - 50, "plenty stay 普通会员");
    }

    #[test]
    fn members_now_and_then_pay_with_points_and_show_coupons_and_guests_never() {
        let f = fixture();
        assert!(
            f.sales
                .iter()
                .all(|s| s.member.is_some() || (!s.redeems_points && !s.presents_coupon))
        );
        let members: Vec<&DemoSale> = f.sales.iter().filter(|s| s.member.is_some()).collect();
        let share =
            |pred: &dyn Fn(&DemoSale) -> bool| members.iter().filter(|s| pred(s)).count() as f64 / members.len() as f64;
        let points = share(&|s| s.redeems_points);
        let coupons = share(&|s| s.presents_coupon);
        assert!((0.025..0.06).contains(&points), "{points}");
        assert!((0.5..0.7).contains(&coupons), "{coupons}");
    }

    #[test]
    fn coupons_go_to_a_few_hundred_members_and_promotions_name_counted_goods() {
        let f = fixture();
        let o = offers(&f.demo, &f.cfg);
        assert_eq!(o, offers(&f.demo, &f.cfg), "deterministic");
        let given: HashSet<usize> = o.coupons.iter().flat_map(|c| c.members.iter().copied()).collect();
        assert!((200..=560).contains(&given.len()), "{} members", given.len());
        let today = f.cfg.end_date.tomorrow().unwrap();
        for c in &o.coupons {
            assert!(
                c.starts <= f.cfg.end_date && c.starts >= f.cfg.start_date(),
                "{}",
                c.name_zh
            );
            if c.audience == DemoAudience::Hand {
                assert!(
                    residents::shift(c.starts, c.valid_days) > today,
                    "{} still valid today",
                    c.name_zh
                );
            }
            assert_eq!(
                c.members.is_empty(),
                c.audience == DemoAudience::NewMember,
                "{}",
                c.name_zh
            );
            for &m in &c.members {
                assert!(f.demo.residents[m].joined <= c.starts);
            }
            if let DemoCouponKind::CategoryFixed { category, .. } = &c.kind {
                let leaf = f.demo.categories.iter().find(|x| &x.code == category).unwrap();
                assert_eq!(leaf.name_zh, "乳制品");
            }
        }
        let kinds: HashSet<std::mem::Discriminant<DemoCouponKind>> =
            o.coupons.iter().map(|c| std::mem::discriminant(&c.kind)).collect();
        assert_eq!(kinds.len(), 4);
        let price = |p: usize| f.demo.products[p].price_fen;
        let counted = |p: usize| matches!(f.demo.products[p].unit, DemoUnit::Piece(_));
        for p in &o.promotions {
            match &p.rule {
                DemoPromotionRule::SecondItemHalfPrice { product } | DemoPromotionRule::BuyXGetY { product, .. } => {
                    assert!(counted(*product));
                }
                DemoPromotionRule::Bundle { products, price_fen } => {
                    assert!(products.iter().all(|&x| counted(x)));
                    assert!(*price_fen < products.iter().map(|&x| price(x)).sum::<i64>());
                }
                DemoPromotionRule::FlashSale { product, price_fen, .. } => {
                    assert!(counted(*product) && *price_fen < price(*product));
                    assert!(f.demo.products[*product].name_zh.contains("鸡蛋"));
                }
            }
            if let DemoWindow::Days { from, to } = p.window {
                assert!(from <= today && today <= to, "{} runs today", p.name_zh);
            }
        }
    }

    #[test]
    fn todays_shop_orders_can_all_be_served_from_the_floor() {
        let f = fixture();
        let shop = shop(&f.demo, &f.cfg);
        assert_eq!(shop, crate::shop(&f.demo, &f.cfg), "deterministic");
        let open = shop
            .orders
            .iter()
            .filter(|o| o.state != DemoOrderState::Completed)
            .count();
        assert!((18..=22).contains(&open), "{open} open orders");
        let states: HashSet<String> = shop.orders.iter().map(|o| format!("{:?}", o.state)).collect();
        assert_eq!(states.len(), 6);
        let who: HashSet<usize> = shop.orders.iter().map(|o| o.resident).collect();
        assert_eq!(who.len(), shop.orders.len(), "one order per resident");
        assert!(
            shop.orders
                .windows(2)
                .all(|w| w[0].placed_minutes_ago >= w[1].placed_minutes_ago)
        );
        let today = f.cfg.end_date.tomorrow().unwrap();
        let mut floor: HashMap<usize, i64> = HashMap::new();
        for lot in &f.demo.lots {
            if lot.location_code == places::SALES_FLOOR && lot.expiry.is_none_or(|e| e > today) {
                *floor.entry(lot.product).or_insert(0) += lot.qty;
            }
        }
        let mut promised: HashMap<usize, i64> = HashMap::new();
        for o in &shop.orders {
            assert!(o.placed_minutes_ago > 0);
            if o.state == DemoOrderState::AwaitingPayment {
                assert!(o.placed_minutes_ago < 15, "the unpaid timeout has not passed");
            }
            let presale = o.fulfilment == DemoFulfilment::Presale;
            for l in &o.lines {
                assert_eq!(l.product == shop.presale.product, presale);
                assert!(l.qty > 0);
                if presale {
                    assert!(l.qty <= shop.presale.per_order_max);
                } else {
                    *promised.entry(l.product).or_insert(0) += l.qty;
                }
            }
        }
        for (p, q) in promised {
            assert!(
                2 * q <= floor[&p],
                "{} promised {q} of {}",
                f.demo.products[p].name_zh,
                floor[&p]
            );
        }
    }

    #[test]
    fn a_short_history_works_too() {
        let cfg = DemoConfig {
            seed: 5,
            end_date: date(2025, 8, 31),
            history_days: 14,
        };
        let demo = generate(&cfg);
        assert_eq!(demo.weather.len(), 14);
        let days: HashSet<Date> = sales(&demo, &cfg).map(|s| local(s.at).date()).collect();
        assert_eq!(days.len(), 14);
        assert!(
            days.iter()
                .all(|d| d.weekday() != Weekday::Sunday || day_kind(*d) == DayKind::Weekend)
        );
        assert!(!history_receipts(&demo, &cfg).is_empty());
    }

    #[test]
    #[should_panic(expected = "history_days")]
    fn an_empty_history_is_refused() {
        generate(&DemoConfig {
            seed: 1,
            end_date: date(2026, 1, 1),
            history_days: 0,
        });
    }
}
