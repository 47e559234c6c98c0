//! The store's suppliers: farms, factories and distributors around Shanghai.
//!
//! Each supplier covers some leaf categories, orders close at a cut-off time and
//! arrive at a delivery time, as a purchasing screen would show them. Two of them
//! deliver only their own brand (光明 milk, 康师傅 noodles and drinks); the rest
//! take any brand in their categories. Every leaf category has at least one
//! supplier that takes any brand, so every product can be bought from someone.

use jiff::civil::{Time, time};

/// What sort of business a supplier is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SupplierKind {
    /// 合作社/农场: fresh produce straight from the grower.
    Farm,
    /// 工厂/工坊: makes what it delivers (dairy, bread, tofu).
    Factory,
    /// 经销商/批发: distributes other makers' brands.
    Distributor,
}

/// A supplier and its ordering rhythm.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSupplier {
    pub code: String,
    pub name_zh: String,
    pub kind: SupplierKind,
    /// 11-digit mainland mobile of the sales contact.
    pub contact_phone: String,
    /// From the order cut-off to the delivery.
    pub lead_time_hours: i64,
    pub order_cutoff: Time,
    pub delivery_time: Time,
    /// Leaf category codes.
    pub categories: Vec<String>,
}

struct Spec {
    code: &'static str,
    name_zh: &'static str,
    kind: SupplierKind,
    lead_time_hours: i64,
    cutoff: Time,
    delivery: Time,
    categories: &'static [&'static str],
    /// Non-empty: the supplier delivers only these brands.
    brands: &'static [&'static str],
}

const SPECS: [Spec; 12] = [
    Spec {
        code: "S01",
        name_zh: "崇明蔬菜合作社",
        kind: SupplierKind::Farm,
        lead_time_hours: 12,
        cutoff: time(18, 0, 0, 0),
        delivery: time(6, 0, 0, 0),
        categories: &["C1001", "C1005"],
        brands: &[],
    },
    Spec {
        code: "S02",
        name_zh: "南汇果蔬专业合作社",
        kind: SupplierKind::Farm,
        lead_time_hours: 16,
        cutoff: time(14, 0, 0, 0),
        delivery: time(6, 0, 0, 0),
        categories: &["C1002"],
        brands: &[],
    },
    Spec {
        code: "S03",
        name_zh: "松江肉禽水产冷链配送",
        kind: SupplierKind::Distributor,
        lead_time_hours: 13,
        cutoff: time(17, 0, 0, 0),
        delivery: time(6, 0, 0, 0),
        categories: &["C1003", "C1004"],
        brands: &[],
    },
    Spec {
        code: "S04",
        name_zh: "光明乳业配送",
        kind: SupplierKind::Factory,
        lead_time_hours: 20,
        cutoff: time(10, 0, 0, 0),
        delivery: time(6, 0, 0, 0),
        categories: &["C2001", "C2003"],
        brands: &["光明"],
    },
    Spec {
        code: "S05",
        name_zh: "本地面包工坊",
        kind: SupplierKind::Factory,
        lead_time_hours: 10,
        cutoff: time(20, 0, 0, 0),
        delivery: time(6, 0, 0, 0),
        categories: &["C2002"],
        brands: &[],
    },
    Spec {
        code: "S06",
        name_zh: "清美鲜食配送",
        kind: SupplierKind::Factory,
        lead_time_hours: 13,
        cutoff: time(16, 0, 0, 0),
        delivery: time(5, 0, 0, 0),
        categories: &["C1006", "C2004"],
        brands: &[],
    },
    Spec {
        code: "S07",
        name_zh: "康师傅经销商",
        kind: SupplierKind::Distributor,
        lead_time_hours: 29,
        cutoff: time(10, 0, 0, 0),
        delivery: time(15, 0, 0, 0),
        categories: &["C3006", "C3001", "C3003"],
        brands: &["康师傅"],
    },
    Spec {
        code: "S08",
        name_zh: "沪西食品饮料批发",
        kind: SupplierKind::Distributor,
        lead_time_hours: 27,
        cutoff: time(11, 0, 0, 0),
        delivery: time(14, 0, 0, 0),
        categories: &["C3001", "C3002", "C3003", "C3006", "C2001"],
        brands: &[],
    },
    Spec {
        code: "S09",
        name_zh: "西郊国际粮油调料批发",
        kind: SupplierKind::Distributor,
        lead_time_hours: 46,
        cutoff: time(12, 0, 0, 0),
        delivery: time(10, 0, 0, 0),
        categories: &["C3004", "C3005", "C3007"],
        brands: &[],
    },
    Spec {
        code: "S10",
        name_zh: "思念冷冻食品经销",
        kind: SupplierKind::Distributor,
        lead_time_hours: 24,
        cutoff: time(9, 0, 0, 0),
        delivery: time(9, 0, 0, 0),
        categories: &["C2003"],
        brands: &[],
    },
    Spec {
        code: "S11",
        name_zh: "百联日用品供应链",
        kind: SupplierKind::Distributor,
        lead_time_hours: 48,
        cutoff: time(15, 0, 0, 0),
        delivery: time(15, 0, 0, 0),
        categories: &["C4001", "C4002", "C4003", "C4004", "C4005", "C4006"],
        brands: &[],
    },
    Spec {
        code: "S12",
        name_zh: "贝乐母婴宠物用品",
        kind: SupplierKind::Distributor,
        lead_time_hours: 72,
        cutoff: time(16, 0, 0, 0),
        delivery: time(16, 0, 0, 0),
        categories: &["C5001", "C5002"],
        brands: &[],
    },
];

/// The suppliers; `phone` hands out unique contact numbers.
pub(crate) fn suppliers(mut phone: impl FnMut() -> String) -> Vec<DemoSupplier> {
    SPECS
        .iter()
        .map(|s| DemoSupplier {
            code: s.code.into(),
            name_zh: s.name_zh.into(),
            kind: s.kind,
            contact_phone: phone(),
            lead_time_hours: s.lead_time_hours,
            order_cutoff: s.cutoff,
            delivery_time: s.delivery,
            categories: s.categories.iter().map(|c| (*c).to_string()).collect(),
        })
        .collect()
}

fn brands_of(code: &str) -> &'static [&'static str] {
    SPECS.iter().find(|s| s.code == code).map_or(&[], |s| s.brands)
}

/// The supplier a product is bought from: the brand's own supplier when there is
/// one, else the first supplier of the category that takes any brand.
pub(crate) fn supplier_for(suppliers: &[DemoSupplier], category: &str, brand: Option<&str>) -> Option<usize> {
    let covers = |s: &DemoSupplier| s.categories.iter().any(|c| c == category);
    let own = brand.and_then(|b| {
        suppliers
            .iter()
            .position(|s| covers(s) && brands_of(&s.code).contains(&b))
    });
    own.or_else(|| {
        suppliers
            .iter()
            .position(|s| covers(s) && brands_of(&s.code).is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<DemoSupplier> {
        let mut n = 13_800_000_000_u64;
        suppliers(|| {
            n += 1;
            n.to_string()
        })
    }

    #[test]
    fn brand_suppliers_deliver_their_own_brand_only() {
        let s = all();
        let pick = |cat, brand| supplier_for(&s, cat, brand).map(|i| s[i].code.as_str());
        assert_eq!(pick("C2001", Some("光明")), Some("S04"));
        assert_eq!(pick("C2001", Some("伊利")), Some("S08"));
        assert_eq!(pick("C3006", Some("康师傅")), Some("S07"));
        assert_eq!(pick("C3006", Some("统一")), Some("S08"));
        assert_eq!(pick("C2003", None), Some("S10"));
        assert_eq!(pick("C9999", None), None);
    }

    #[test]
    fn cutoff_comes_before_delivery_by_the_lead_time() {
        for s in all() {
            let cutoff = i64::from(s.order_cutoff.hour());
            let delivery = i64::from(s.delivery_time.hour());
            assert_eq!(
                (cutoff + s.lead_time_hours - delivery).rem_euclid(24),
                0,
                "{}",
                s.name_zh
            );
        }
    }
}
