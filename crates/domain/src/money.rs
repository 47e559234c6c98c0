//! Money as integer fen (分, 1/100 CNY).
//!
//! There is no float anywhere in money code: amounts are `i64` fen and every
//! multiplication by a rate or a weight names its rounding rule, so the till,
//! the receipt and the ledger always agree to the fen.

use std::fmt;

/// The largest amount a single price or line may carry: ¥10,000,000.00.
/// Far above anything a community store sells, far below `i64` overflow when summed.
pub const AMOUNT_FEN_MAX: i64 = 1_000_000_000;

/// An amount of CNY in fen. May be negative (refunds, discounts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// How a fractional fen is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// 四舍五入: halves go away from zero.
    HalfUp,
    /// Toward zero (truncate), the customer-friendly rule for discounts.
    Down,
    /// Away from zero.
    Up,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount must not be negative")]
    Negative,
    #[error("amount exceeds the maximum of {max} fen")]
    TooLarge { max: i64 },
    #[error("'{input}' is not an amount in yuan (for example 12.50)")]
    NotAnAmount { input: String },
}

impl MoneyError {
    pub fn message_zh(&self) -> String {
        match self {
            MoneyError::Negative => "金额不能为负数".into(),
            MoneyError::TooLarge { max } => format!("金额超过上限 {max} 分"),
            MoneyError::NotAnAmount { input } => format!("“{input}”不是有效金额（例如 12.50）"),
        }
    }
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    /// A price as entered by staff: not negative, not absurd.
    pub fn price(fen: i64) -> Result<Money, MoneyError> {
        if fen < 0 {
            return Err(MoneyError::Negative);
        }
        if fen > AMOUNT_FEN_MAX {
            return Err(MoneyError::TooLarge { max: AMOUNT_FEN_MAX });
        }
        Ok(Money(fen))
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Parses "12", "12.5" or "12.50" yuan (at most two decimals) into fen.
    pub fn parse_yuan(input: &str) -> Result<Money, MoneyError> {
        let bad = || MoneyError::NotAnAmount {
            input: input.to_string(),
        };
        let s = input.trim().trim_start_matches('¥');
        let (neg, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() || int.len() > 12 || frac.len() > 2 {
            return Err(bad());
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let yuan: i64 = int.parse().map_err(|_| bad())?;
        let frac_fen: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
            _ => frac.parse().map_err(|_| bad())?,
        };
        let fen = yuan * 100 + frac_fen;
        Ok(Money(if neg { -fen } else { fen }))
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// `self × numerator ÷ denominator` with an explicit rounding rule, computed in i128.
    pub fn mul_ratio(self, numerator: i64, denominator: i64, rounding: Rounding) -> Money {
        assert!(denominator > 0, "denominator must be positive");
        Money(div_round(
            i128::from(self.0) * i128::from(numerator),
            i128::from(denominator),
            rounding,
        ))
    }

    /// Price of a weighed item: a per-kilogram price times grams, 四舍五入 to the fen.
    pub fn for_weight(per_kg: Money, weight_g: i64) -> Money {
        per_kg.mul_ratio(weight_g, 1000, Rounding::HalfUp)
    }
}

/// Integer division with an explicit rounding rule (denominator > 0).
pub fn div_round(n: i128, d: i128, rounding: Rounding) -> i64 {
    let q = n / d;
    let r = n % d;
    let adjusted = if r == 0 {
        q
    } else {
        let away = if n < 0 { q - 1 } else { q + 1 };
        match rounding {
            Rounding::Down => q,
            Rounding::Up => away,
            Rounding::HalfUp => {
                if r.abs() * 2 >= d {
                    away
                } else {
                    q
                }
            }
        }
    };
    i64::try_from(adjusted).expect("money amounts stay far inside i64")
}

impl fmt::Display for Money {
    /// "¥12.50", "-¥0.05".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}¥{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_parse(input: &str, expected: Option<i64>) {
        assert_eq!(Money::parse_yuan(input).ok().map(Money::fen), expected, "{input}");
    }

    #[test]
    fn yuan_strings_parse_to_fen() {
        check_parse("12", Some(1200));
        check_parse("12.5", Some(1250));
        check_parse("12.50", Some(1250));
        check_parse("¥0.05", Some(5));
        check_parse("-3.10", Some(-310));
        check_parse("12.505", None);
        check_parse("abc", None);
        check_parse("", None);
        check_parse("1e5", None);
    }

    #[test]
    fn display_shows_yuan_with_two_decimals() {
        assert_eq!(Money::from_fen(1250).to_string(), "¥12.50");
        assert_eq!(Money::from_fen(-5).to_string(), "-¥0.05");
    }

    #[test]
    fn weighed_price_rounds_half_up_to_the_fen() {
        // ¥12.99/kg × 0.385 kg = 500.115 fen → 500
        assert_eq!(Money::for_weight(Money::from_fen(1299), 385).fen(), 500);
        // ¥10.00/kg × 5 g = 1000 × 5 / 1000 = 5 fen exactly
        assert_eq!(Money::for_weight(Money::from_fen(1000), 5).fen(), 5);
        // 0.5 fen rounds up
        assert_eq!(Money::for_weight(Money::from_fen(1), 500).fen(), 1);
    }

    #[test]
    fn rounding_rules_differ_only_on_fractions() {
        assert_eq!(div_round(7, 2, Rounding::HalfUp), 4);
        assert_eq!(div_round(7, 2, Rounding::Down), 3);
        assert_eq!(div_round(7, 2, Rounding::Up), 4);
        assert_eq!(div_round(-7, 2, Rounding::HalfUp), -4);
        assert_eq!(div_round(-7, 2, Rounding::Down), -3);
        assert_eq!(div_round(8, 2, Rounding::Up), 4);
    }

    #[test]
    fn prices_refuse_negative_and_absurd_amounts() {
        assert_eq!(Money::price(-1), Err(MoneyError::Negative));
        assert!(Money::price(AMOUNT_FEN_MAX + 1).is_err());
        assert_eq!(Money::price(0).map(Money::fen), Ok(0));
    }
}
