//! Products as the till, the shelf and the supplier know them.
//!
//! A product draft is checked here once (name, unit, price, tax rate, shelf life)
//! and its pinyin is computed here, so search by "nn" for 牛奶 works the same on
//! every backend.

use crate::money::{Money, MoneyError};
use pinyin::ToPinyin;

pub const PRODUCT_NAME_CHARS_MAX: usize = 80;
pub const SHELF_LIFE_DAYS_MAX: i64 = 3650;
/// 100% in basis points; Chinese VAT rates for goods are 0, 9 and 13%.
pub const TAX_RATE_BP_MAX: i64 = 10_000;

/// How a product is counted: by the piece, or by weight (then quantities are grams
/// and the price is per kilogram).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitKind {
    Piece,
    Weight,
}

impl UnitKind {
    pub fn code(self) -> &'static str {
        match self {
            UnitKind::Piece => "piece",
            UnitKind::Weight => "weight",
        }
    }

    pub fn from_code(code: &str) -> Option<UnitKind> {
        match code {
            "piece" => Some(UnitKind::Piece),
            "weight" => Some(UnitKind::Weight),
            _ => None,
        }
    }
}

/// The unit labels a store uses; weighed goods are always priced per kg.
pub const PIECE_UNITS: [&str; 12] = ["件", "个", "瓶", "包", "盒", "袋", "罐", "桶", "箱", "支", "只", "把"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("name must not be empty")]
    NameEmpty,
    #[error("name is longer than {max} characters")]
    NameTooLong { max: usize },
    #[error("name contains control characters")]
    NameControl,
    #[error("unit '{unit}' is not one of 件/个/瓶/包/盒/袋/罐/桶/箱/支/只/把 or kg")]
    UnknownUnit { unit: String },
    #[error("price: {0}")]
    Price(MoneyError),
    #[error("tax rate must be between 0 and {max} basis points")]
    TaxRate { max: i64 },
    #[error("shelf life must be between 1 and {max} days")]
    ShelfLife { max: i64 },
    #[error("PLU must be between 1 and 99999")]
    Plu,
    #[error("reorder point must not be negative")]
    ReorderPoint,
}

impl CatalogError {
    pub fn message_zh(&self) -> String {
        match self {
            CatalogError::NameEmpty => "名称不能为空".into(),
            CatalogError::NameTooLong { max } => format!("名称不能超过 {max} 个字"),
            CatalogError::NameControl => "名称含有控制字符".into(),
            CatalogError::UnknownUnit { unit } => {
                format!("单位“{unit}”无效，可选 件/个/瓶/包/盒/袋/罐/桶/箱/支/只/把 或 kg")
            }
            CatalogError::Price(e) => format!("价格：{}", e.message_zh()),
            CatalogError::TaxRate { max } => format!("税率必须在 0 到 {max} 个基点之间"),
            CatalogError::ShelfLife { max } => format!("保质期必须在 1 到 {max} 天之间"),
            CatalogError::Plu => "PLU 必须在 1 到 99999 之间".into(),
            CatalogError::ReorderPoint => "补货点不能为负数".into(),
        }
    }

    /// The input field the error is about, as the API names it.
    pub fn field(&self) -> &'static str {
        match self {
            CatalogError::NameEmpty | CatalogError::NameTooLong { .. } | CatalogError::NameControl => "name_zh",
            CatalogError::UnknownUnit { .. } => "unit",
            CatalogError::Price(_) => "price_fen",
            CatalogError::TaxRate { .. } => "tax_rate_bp",
            CatalogError::ShelfLife { .. } => "shelf_life_days",
            CatalogError::Plu => "plu",
            CatalogError::ReorderPoint => "reorder_point",
        }
    }
}

/// A product name, trimmed, non-empty and bounded.
pub fn product_name(input: &str) -> Result<String, CatalogError> {
    let name = input.trim();
    if name.is_empty() {
        return Err(CatalogError::NameEmpty);
    }
    if name.chars().count() > PRODUCT_NAME_CHARS_MAX {
        return Err(CatalogError::NameTooLong {
            max: PRODUCT_NAME_CHARS_MAX,
        });
    }
    if name.chars().any(char::is_control) {
        return Err(CatalogError::NameControl);
    }
    Ok(name.to_string())
}

/// Parses a unit label: "kg"/"千克"/"公斤" are weighed, the piece labels are counted.
pub fn unit(label: &str) -> Result<(UnitKind, String), CatalogError> {
    let l = label.trim();
    match l {
        "kg" | "KG" | "千克" | "公斤" => Ok((UnitKind::Weight, "kg".into())),
        _ if PIECE_UNITS.contains(&l) => Ok((UnitKind::Piece, l.to_string())),
        _ => Err(CatalogError::UnknownUnit { unit: l.to_string() }),
    }
}

pub fn price(fen: i64) -> Result<Money, CatalogError> {
    Money::price(fen).map_err(CatalogError::Price)
}

pub fn tax_rate_bp(bp: i64) -> Result<i64, CatalogError> {
    if (0..=TAX_RATE_BP_MAX).contains(&bp) {
        Ok(bp)
    } else {
        Err(CatalogError::TaxRate { max: TAX_RATE_BP_MAX })
    }
}

pub fn shelf_life_days(days: Option<i64>) -> Result<Option<i64>, CatalogError> {
    match days {
        Some(d) if !(1..=SHELF_LIFE_DAYS_MAX).contains(&d) => Err(CatalogError::ShelfLife {
            max: SHELF_LIFE_DAYS_MAX,
        }),
        other => Ok(other),
    }
}

pub fn plu(plu: Option<i64>) -> Result<Option<u32>, CatalogError> {
    match plu {
        None => Ok(None),
        Some(p) if (1..=99_999).contains(&p) => Ok(Some(u32::try_from(p).expect("checked range"))),
        Some(_) => Err(CatalogError::Plu),
    }
}

pub fn reorder_point(qty: i64) -> Result<i64, CatalogError> {
    if qty < 0 {
        Err(CatalogError::ReorderPoint)
    } else {
        Ok(qty)
    }
}

/// Full pinyin ("niunai") and initials ("nn") of a name. Latin letters and digits
/// are kept (lower-cased) so "AD钙奶" gives "adgainai" / "adgn"; other characters
/// are dropped.
pub fn pinyin_of(name: &str) -> (String, String) {
    let mut full = String::new();
    let mut initials = String::new();
    for c in name.chars() {
        if let Some(p) = c.to_pinyin() {
            full.push_str(p.plain());
            initials.push_str(p.first_letter());
        } else if c.is_ascii_alphanumeric() {
            let lc = c.to_ascii_lowercase();
            full.push(lc);
            initials.push(lc);
        }
    }
    (full, initials)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_pinyin(name: &str, full: &str, initials: &str) {
        assert_eq!(pinyin_of(name), (full.to_string(), initials.to_string()), "{name}");
    }

    #[test]
    fn pinyin_of_chinese_names_gives_full_and_initials() {
        check_pinyin("牛奶", "niunai", "nn");
        check_pinyin("光明鲜牛奶 950ml", "guangmingxianniunai950ml", "gmxnn950ml");
        check_pinyin("AD钙奶", "adgainai", "adgn");
        check_pinyin("可口可乐", "kekoukele", "kkkl");
    }

    #[test]
    fn units_are_pieces_or_kilograms() {
        assert_eq!(unit("瓶"), Ok((UnitKind::Piece, "瓶".into())));
        assert_eq!(unit("公斤"), Ok((UnitKind::Weight, "kg".into())));
        assert_eq!(unit("吨"), Err(CatalogError::UnknownUnit { unit: "吨".into() }));
    }

    #[test]
    fn product_names_are_trimmed_and_bounded() {
        assert_eq!(product_name("  牛奶 "), Ok("牛奶".into()));
        assert_eq!(product_name("   "), Err(CatalogError::NameEmpty));
        assert_eq!(product_name("牛\u{0}奶"), Err(CatalogError::NameControl));
        assert!(product_name(&"奶".repeat(81)).is_err());
    }

    #[test]
    fn numeric_fields_are_bounded() {
        assert!(tax_rate_bp(1300).is_ok());
        assert!(tax_rate_bp(10_001).is_err());
        assert_eq!(
            shelf_life_days(Some(0)),
            Err(CatalogError::ShelfLife {
                max: SHELF_LIFE_DAYS_MAX
            })
        );
        assert_eq!(plu(Some(100_000)), Err(CatalogError::Plu));
        assert_eq!(plu(Some(123)), Ok(Some(123)));
        assert_eq!(price(-1).map_err(|e| e.field()), Err("price_fen"));
    }
}
