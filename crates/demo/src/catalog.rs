//! Builds the demo catalogue: category tree, scene zones and products.
//!
//! The hand-written table in [`crate::catalog_data`] says what the products are;
//! this module turns it into [`DemoProduct`]s with SKUs, barcodes (EAN-13 under a
//! per-brand GS1 China company prefix, so they are valid and unique), scale PLUs
//! for weighed goods, seeded costs and demand, weather and holiday factors, and a
//! reorder point from the supplier's lead time. It also keeps, per product, the
//! traits the sales generator needs but a store would not (basket role, typical
//! quantity), found again from the product's name.

use std::collections::{BTreeMap, HashMap};

use linli_domain::barcode::gtin::ean13_with_check;

use crate::catalog_data::{B, E, F, G, GROUPS, H, HOL, ICE, Item, LEAVES, Leaf, Life, N, RAIN, Role, UMB};
use crate::catalog_data::{COLD, HOT};
use crate::random::{Stream, gauss, rng, uniform};
use crate::suppliers::{DemoSupplier, supplier_for};

/// A category; leaves have a parent, groups do not.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCategory {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Code of the parent group; `None` for a top-level group.
    pub parent: Option<String>,
    /// How long before expiry a lot of this category is flagged.
    pub expiry_alert_hours: i64,
}

/// A scene zone (场景专区): a themed shelf that cuts across categories.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoZone {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// How a product is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoUnit {
    /// Counted in pieces; the label is one of `linli_domain::catalog::PIECE_UNITS`.
    Piece(&'static str),
    /// Weighed: quantities are grams, prices are per kilogram.
    Kg,
}

impl DemoUnit {
    /// The label `linli_domain::catalog::unit` accepts: the piece label or "kg".
    pub fn label(self) -> &'static str {
        match self {
            DemoUnit::Piece(label) => label,
            DemoUnit::Kg => "kg",
        }
    }
}

/// A product on the shelf.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoProduct {
    /// "P000123"
    pub sku: String,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub brand: Option<String>,
    /// Leaf category code.
    pub category: String,
    pub unit: DemoUnit,
    /// Per piece, or per kg for [`DemoUnit::Kg`].
    pub price_fen: i64,
    pub cost_fen: i64,
    /// 900 for agricultural products and basic food, 1300 for the rest.
    pub tax_rate_bp: u32,
    /// `None` for goods that do not expire.
    pub shelf_life_days: Option<i64>,
    /// EAN-13 with a GS1 China prefix (690–699) for packaged goods.
    pub gtin: Option<String>,
    /// 5-digit scale PLU for weighed goods.
    pub plu: Option<u32>,
    /// Scene zone codes.
    pub zones: Vec<String>,
    /// In base units: pieces, or grams for weighed goods.
    pub reorder_point: i64,
    /// Mean base units (pieces, or grams) sold per ordinary day: a weekday mix,
    /// dry mild weather, no holiday ahead.
    pub base_daily_demand: f64,
    /// Demand multiplier on a day of heavy rain (light rain counts half).
    pub rain_factor: f64,
    /// Demand multiplier on a day of 34 °C or more.
    pub heat_factor: f64,
    /// Demand multiplier on a day whose maximum is 4 °C or less.
    pub cold_factor: f64,
    /// Demand multiplier on the eve of a public holiday.
    pub holiday_factor: f64,
}

/// Scene zones: code, tag, Chinese and English name.
const ZONES: [(&str, u32, &str, &str); 6] = [
    ("breakfast", B, "早餐角", "Breakfast corner"),
    ("emergency", E, "应急专区", "Emergency shelf"),
    ("family", F, "亲子区", "Parent-child corner"),
    ("late_night", N, "夜宵", "Late-night snacks"),
    ("healthy", H, "健康轻食", "Healthy eating"),
    ("festive", G, "节日礼品", "Festive gifts"),
];

/// Sale lines an ordinary day brings (a weekday/weekend mix of ~360 sales of
/// ~2.8 lines); the `pop` column of the table is rescaled to this total.
pub(crate) const NEUTRAL_LINES_PER_DAY: f64 = 1000.0;

/// Weighed lines are drawn within these bounds, in grams.
pub(crate) const WEIGHED_LINE_G_MIN: i64 = 300;
pub(crate) const WEIGHED_LINE_G_MAX: i64 = 1500;

/// Gross margin range, by category group.
fn margin_range(group: &str) -> (f64, f64) {
    match group {
        "C10" => (0.22, 0.35),
        "C20" => (0.18, 0.30),
        "C30" => (0.16, 0.32),
        "C40" => (0.20, 0.35),
        _ => (0.15, 0.25),
    }
}

pub(crate) fn categories() -> Vec<DemoCategory> {
    let mut out = Vec::new();
    for g in &GROUPS {
        let leaves: Vec<&Leaf> = LEAVES.iter().filter(|l| l.parent == g.code).collect();
        out.push(DemoCategory {
            code: g.code.into(),
            name_zh: g.zh.into(),
            name_en: g.en.into(),
            parent: None,
            expiry_alert_hours: leaves.iter().map(|l| l.alert_hours).min().unwrap_or(720),
        });
        for l in leaves {
            out.push(DemoCategory {
                code: l.code.into(),
                name_zh: l.zh.into(),
                name_en: l.en.into(),
                parent: Some(l.parent.into()),
                expiry_alert_hours: l.alert_hours,
            });
        }
    }
    out
}

pub(crate) fn zones() -> Vec<DemoZone> {
    ZONES
        .iter()
        .map(|(code, _, zh, en)| DemoZone {
            code: (*code).into(),
            name_zh: (*zh).into(),
            name_en: (*en).into(),
        })
        .collect()
}

/// How many a customer takes of a product in one line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum QtyModel {
    /// Expensive: always one.
    Single,
    /// Usually one, sometimes two or three.
    Few,
    /// Cheap drinks, noodles, buns: often several.
    Multi,
    /// Weighed, around this many grams.
    Grams(i64),
}

impl QtyModel {
    pub(crate) fn mean(self) -> f64 {
        match self {
            QtyModel::Single => 1.0,
            QtyModel::Few => FEW_QTY.iter().map(|&(q, p)| q as f64 * p).sum(),
            QtyModel::Multi => MULTI_QTY.iter().map(|&(q, p)| q as f64 * p).sum(),
            QtyModel::Grams(g) => g.clamp(WEIGHED_LINE_G_MIN, WEIGHED_LINE_G_MAX) as f64,
        }
    }
}

/// Quantity and probability per line.
pub(crate) const FEW_QTY: [(i64, f64); 3] = [(1, 0.86), (2, 0.11), (3, 0.03)];
pub(crate) const MULTI_QTY: [(i64, f64); 5] = [(1, 0.65), (2, 0.20), (3, 0.08), (4, 0.04), (6, 0.03)];

fn qty_model(leaf: &Leaf, item: &Item) -> QtyModel {
    if item.unit == "kg" {
        QtyModel::Grams(if item.grams > 0 { item.grams } else { leaf.grams })
    } else if item.price_fen >= 5000 {
        QtyModel::Single
    } else if leaf.multi && item.price_fen <= 800 {
        QtyModel::Multi
    } else {
        QtyModel::Few
    }
}

/// What the sales generator knows about a product beyond [`DemoProduct`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Traits {
    pub leaf: usize,
    pub role: Role,
    pub qty: QtyModel,
    pub tags: u32,
    pub fest: Option<linli_domain::calendar::Holiday>,
}

/// The traits of each product, found by name in the table; a product that is not
/// in the table (edited by the caller) gets neutral traits from its category.
pub(crate) fn traits(products: &[DemoProduct]) -> Vec<Traits> {
    let mut by_name: HashMap<&str, (usize, &Item)> = HashMap::new();
    for (li, leaf) in LEAVES.iter().enumerate() {
        for item in leaf.items {
            by_name.insert(item.name, (li, item));
        }
    }
    products
        .iter()
        .map(|p| match by_name.get(p.name_zh.as_str()) {
            Some(&(li, item)) => Traits {
                leaf: li,
                role: item.role,
                qty: qty_model(&LEAVES[li], item),
                tags: item.tags | LEAVES[li].tags,
                fest: item.fest,
            },
            None => {
                let li = LEAVES.iter().position(|l| l.code == p.category).unwrap_or(0);
                let qty = match p.unit {
                    DemoUnit::Kg => QtyModel::Grams(LEAVES[li].grams),
                    DemoUnit::Piece(_) if p.price_fen >= 5000 => QtyModel::Single,
                    DemoUnit::Piece(_) => QtyModel::Few,
                };
                Traits {
                    leaf: li,
                    role: Role::None,
                    qty,
                    tags: LEAVES[li].tags,
                    fest: None,
                }
            }
        })
        .collect()
}

/// FNV-1a, for stable per-brand barcode prefixes.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Hands out EAN-13s: each brand gets a 7-digit GS1 China company prefix
/// (690xxxx–699xxxx) and numbers its items from there. Prefixes do not depend on
/// the seed, so a product keeps its barcode across demos.
struct Barcodes {
    prefixes: BTreeMap<u64, String>,
    by_brand: HashMap<String, (u64, u64)>,
}

/// Brand key for products without a brand: the store's own label.
const STORE_BRAND: &str = "邻里优选";

impl Barcodes {
    fn new() -> Barcodes {
        Barcodes {
            prefixes: BTreeMap::new(),
            by_brand: HashMap::new(),
        }
    }

    fn next(&mut self, brand: Option<&str>) -> String {
        let brand = brand.unwrap_or(STORE_BRAND);
        if !self.by_brand.contains_key(brand) {
            let h = fnv(brand);
            // 6900000–6999999: the GS1 China prefixes 690–699 followed by four digits.
            let mut company = 6_900_000 + h % 100_000;
            while self.prefixes.contains_key(&company) {
                company = 6_900_000 + (company + 1 - 6_900_000) % 100_000;
            }
            self.prefixes.insert(company, brand.to_string());
            let first_item = 100 + (h >> 32) % 60_000;
            self.by_brand.insert(brand.to_string(), (company, first_item));
        }
        let entry = self.by_brand.get_mut(brand).expect("inserted above when missing");
        let (company, item) = *entry;
        entry.1 += 1;
        let body = format!("{company:07}{item:05}");
        ean13_with_check(&body)
            .expect("seven prefix digits and five item digits make twelve digits")
            .as_str()
            .to_string()
    }
}

/// Rounds a factor to two decimals so it reads well in an admin screen.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub(crate) fn products(seed: u64, suppliers: &[DemoSupplier]) -> Vec<DemoProduct> {
    let mut r = rng(seed, Stream::Catalog, 0);
    let total_pop: f64 = LEAVES.iter().flat_map(|l| l.items.iter()).map(|i| i.pop).sum();
    let scale = NEUTRAL_LINES_PER_DAY / total_pop;
    let mut barcodes = Barcodes::new();
    let mut out = Vec::new();
    for (li, leaf) in LEAVES.iter().enumerate() {
        let mut plu_in_leaf = 0_u32;
        for item in leaf.items {
            let tags = item.tags | leaf.tags;
            let shelf_life_days = match item.life {
                Life::Leaf => leaf.life,
                Life::Days(d) => Some(d),
                Life::Keeps => None,
            };
            let weighed = item.unit == "kg";
            let (unit, gtin, plu) = if weighed {
                plu_in_leaf += 1;
                let plu = 10_000 + (li as u32 + 1) * 100 + plu_in_leaf;
                (DemoUnit::Kg, None, Some(plu))
            } else {
                let brand = (!item.brand.is_empty()).then_some(item.brand);
                (DemoUnit::Piece(item.unit), Some(barcodes.next(brand)), None)
            };
            let (lo, hi) = margin_range(leaf.parent);
            let margin = uniform(&mut r, lo, hi);
            let cost_fen = ((item.price_fen as f64) * (1.0 - margin)).round() as i64;
            // Pasteurised milk is an agricultural product (9%); UHT milk and the
            // rest of the dairy case are processed goods (13%).
            let tax_rate_bp = if leaf.code == "C2001" && shelf_life_days.is_some_and(|d| d <= 15) {
                900
            } else {
                leaf.tax_bp
            };
            let qty = qty_model(leaf, item);
            let jitter = (0.22 * gauss(&mut r)).exp().clamp(0.6, 1.6);
            let base_daily_demand = round2(item.pop * scale * jitter * qty.mean());
            let mut factor = |tagged: bool, value: f64| {
                if tagged {
                    round2(value * uniform(&mut r, 0.9, 1.1))
                } else {
                    1.0
                }
            };
            let rain_factor = if tags & UMB != 0 {
                factor(true, 6.0)
            } else if tags & RAIN != 0 {
                factor(true, 1.5)
            } else {
                factor(tags & E != 0, 1.25)
            };
            let heat_factor = if tags & ICE != 0 {
                factor(true, 3.5)
            } else {
                factor(tags & HOT != 0, 1.9)
            };
            let cold_factor = factor(tags & COLD != 0, 2.0);
            let holiday_factor = if item.fest.is_some() {
                factor(true, 12.0)
            } else if tags & G != 0 {
                factor(true, 3.5)
            } else {
                factor(tags & HOL != 0, 1.6)
            };
            let brand = (!item.brand.is_empty()).then(|| item.brand.to_string());
            let supplier = supplier_for(suppliers, leaf.code, brand.as_deref())
                .expect("every leaf category has a supplier that takes any brand");
            let lead_days = (suppliers[supplier].lead_time_hours + 23) / 24;
            let reorder_point = reorder_point(base_daily_demand, lead_days, weighed);
            out.push(DemoProduct {
                sku: format!("P{:06}", out.len() + 1),
                name_zh: item.name.into(),
                name_en: (!item.en.is_empty()).then(|| item.en.to_string()),
                brand,
                category: leaf.code.into(),
                unit,
                price_fen: item.price_fen,
                cost_fen,
                tax_rate_bp,
                shelf_life_days,
                gtin,
                plu,
                zones: ZONES
                    .iter()
                    .filter(|z| tags & z.1 != 0)
                    .map(|z| z.0.to_string())
                    .collect(),
                reorder_point,
                base_daily_demand,
                rain_factor,
                heat_factor,
                cold_factor,
                holiday_factor,
            });
        }
    }
    out
}

/// Enough to sell through the supplier's lead time plus a day, with 30% to spare;
/// at least two pieces or a kilogram.
fn reorder_point(daily: f64, lead_days: i64, weighed: bool) -> i64 {
    let need = (daily * (lead_days + 1) as f64 * 1.3).ceil() as i64;
    if weighed {
        (((need + 99) / 100) * 100).max(1000)
    } else {
        need.max(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_brand_gets_its_own_company_prefix() {
        let mut codes = Barcodes::new();
        let a1 = codes.next(Some("光明"));
        let a2 = codes.next(Some("光明"));
        let b1 = codes.next(Some("伊利"));
        assert_eq!(a1[..7], a2[..7]);
        assert_ne!(a1[..7], b1[..7]);
        assert_ne!(a1, a2);
        for c in [a1, a2, b1] {
            assert!(("690".."700").contains(&&c[..3]), "{c}");
        }
    }

    #[test]
    fn quantity_models_have_sensible_means() {
        assert!((QtyModel::Few.mean() - 1.17).abs() < 0.01);
        assert!((QtyModel::Multi.mean() - 1.63).abs() < 0.01);
        assert_eq!(QtyModel::Grams(200).mean(), 300.0);
        let total: f64 = MULTI_QTY.iter().map(|q| q.1).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn reorder_points_cover_the_lead_time() {
        assert_eq!(reorder_point(10.0, 1, false), 26);
        assert_eq!(reorder_point(0.3, 3, false), 2);
        assert_eq!(reorder_point(12_000.0, 1, true), 31_200);
        assert_eq!(reorder_point(100.0, 1, true), 1000);
    }
}
