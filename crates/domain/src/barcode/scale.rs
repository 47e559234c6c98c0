//! In-store scale barcodes (店内码): the labels a weighing scale prints for loose goods.
//!
//! They are EAN-13-shaped codes in the GS1 restricted-circulation range 20–29, whose
//! meaning each store decides, so the layout is a configurable [`ScaleTemplate`]
//! rather than a constant. Chinese label scales commonly print
//! "2 + flag digit + 5-digit PLU + 5-digit weight or price + check digit"; the two
//! default templates follow it, with the flag digit folded into a two-digit prefix:
//!
//! ```text
//! weight_default: 28 PPPPP WWWWW C    2800123012502 = PLU 123, 1250 g
//! price_default:  29 PPPPP FFFFF C    2900042001998 = PLU 42, 199 fen (¥1.99)
//! ```
//!
//! A template may also carry the GS1 price/weight verifier digit (GS1 General
//! Specifications 7.9.3) just before a 4- or 5-digit value:
//! `prefix PLU V value C`. The EAN-13 check digit is always verified.

use super::gtin::check_digit_of;
use super::{BarcodeError, digits_value};

/// Digits of an EAN-13 before its check digit; a template must fill them exactly.
const BODY_LEN: usize = 12;

/// Length of a scale code.
const CODE_LEN: usize = 13;

/// Longest PLU a template may declare: 9 digits always fit a `u32`.
pub const TEMPLATE_PLU_DIGITS_MAX: u8 = 9;

/// What the value field of a scale code holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScaleValue {
    /// Net weight in grams (克).
    WeightGrams,
    /// Price to pay in fen (分).
    PriceFen,
}

impl ScaleValue {
    /// Stable text code for storage and configuration: `"weight_g"` or `"price_fen"`.
    pub fn code(self) -> &'static str {
        match self {
            Self::WeightGrams => "weight_g",
            Self::PriceFen => "price_fen",
        }
    }

    /// The inverse of [`ScaleValue::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::WeightGrams, Self::PriceFen]
            .into_iter()
            .find(|v| v.code() == code)
    }
}

/// One scale-label layout, 13 digits in all: `prefix` (2 digits, first is `2`), then
/// `plu_digits` PLU digits, an optional price/weight verifier digit, `value_digits`
/// value digits and the EAN-13 check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScaleTemplate {
    pub prefix: String,
    pub plu_digits: u8,
    pub value_kind: ScaleValue,
    pub value_digits: u8,
    /// A GS1 price/weight verifier digit precedes the value (needs 4 or 5 value digits).
    pub has_value_check: bool,
}

/// What a scale label says: which product (by PLU) and how much of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScaleReading {
    pub plu: u32,
    /// Set when the template's value is a weight.
    pub weight_g: Option<i64>,
    /// Set when the template's value is a price.
    pub price_fen: Option<i64>,
    /// Prefix of the template that matched, e.g. `"28"`.
    pub template_prefix: String,
}

impl ScaleTemplate {
    /// `28 PPPPP WWWWW C`: 5-digit PLU, 5-digit weight in grams (up to 99.999 kg).
    pub fn weight_default() -> Self {
        Self {
            prefix: "28".to_owned(),
            plu_digits: 5,
            value_kind: ScaleValue::WeightGrams,
            value_digits: 5,
            has_value_check: false,
        }
    }

    /// `29 PPPPP FFFFF C`: 5-digit PLU, 5-digit price in fen (up to ¥999.99).
    pub fn price_default() -> Self {
        Self {
            prefix: "29".to_owned(),
            plu_digits: 5,
            value_kind: ScaleValue::PriceFen,
            value_digits: 5,
            has_value_check: false,
        }
    }

    /// Checks the layout: a two-digit prefix starting with `2`, a PLU of 1 to 9
    /// digits, a verifier digit only with a 4- or 5-digit value, and 12 digits in all
    /// before the EAN-13 check digit.
    pub fn validate(&self) -> Result<(), BarcodeError> {
        let prefix = self.prefix.as_bytes();
        if prefix.len() != 2 || prefix[0] != b'2' || !prefix[1].is_ascii_digit() {
            return Err(BarcodeError::BadTemplatePrefix {
                prefix: self.prefix.clone(),
            });
        }
        if self.plu_digits == 0 || self.plu_digits > TEMPLATE_PLU_DIGITS_MAX {
            return Err(BarcodeError::BadTemplatePluDigits {
                prefix: self.prefix.clone(),
                plu_digits: self.plu_digits,
            });
        }
        if self.has_value_check && !matches!(self.value_digits, 4 | 5) {
            return Err(BarcodeError::BadTemplateValueCheck {
                prefix: self.prefix.clone(),
                value_digits: self.value_digits,
            });
        }
        let total = prefix.len()
            + usize::from(self.plu_digits)
            + usize::from(self.has_value_check)
            + usize::from(self.value_digits);
        if total != BODY_LEN {
            return Err(BarcodeError::BadTemplateLength {
                prefix: self.prefix.clone(),
                total,
            });
        }
        Ok(())
    }

    /// Builds the 13-digit label for `plu` and `value` (grams or fen, per the
    /// template), for tests and demo data.
    ///
    /// # Panics
    /// When the template is invalid or a number does not fit its field; use
    /// [`ScaleTemplate::try_encode`] for numbers that come from outside.
    pub fn encode(&self, plu: u32, value: i64) -> String {
        match self.try_encode(plu, value) {
            Ok(code) => code,
            Err(error) => panic!("ScaleTemplate::encode: {error}"),
        }
    }

    /// Builds the 13-digit label, refusing an invalid template, a PLU or value
    /// that does not fit, or a negative value.
    pub fn try_encode(&self, plu: u32, value: i64) -> Result<String, BarcodeError> {
        self.validate()?;
        let plu_width = usize::from(self.plu_digits);
        let value_width = usize::from(self.value_digits);
        // validate() bounds both widths (PLU ≤ 9, value ≤ 10), so the powers fit.
        if u64::from(plu) >= 10u64.pow(u32::from(self.plu_digits)) {
            return Err(BarcodeError::PluOutOfRange {
                prefix: self.prefix.clone(),
                plu,
                digits: self.plu_digits,
            });
        }
        if value < 0 || value >= 10i64.pow(u32::from(self.value_digits)) {
            return Err(BarcodeError::ScaleValueOutOfRange {
                prefix: self.prefix.clone(),
                value,
                digits: self.value_digits,
            });
        }
        let value_text = format!("{value:0value_width$}");
        let mut code = format!("{}{plu:0plu_width$}", self.prefix);
        if self.has_value_check {
            code.push(digit_char(value_check_of(value_text.as_bytes())));
        }
        code.push_str(&value_text);
        code.push(digit_char(check_digit_of(code.as_bytes())));
        Ok(code)
    }

    /// Reads a 13-digit code that starts with this template's prefix.
    fn decode(&self, digits: &[u8]) -> Result<ScaleReading, BarcodeError> {
        let (body, check) = digits.split_at(BODY_LEN);
        let expected = check_digit_of(body);
        let found = check[0] - b'0';
        if expected != found {
            return Err(BarcodeError::BadCheckDigit { expected, found });
        }
        let (_, rest) = body.split_at(self.prefix.len());
        let (plu, rest) = rest.split_at(usize::from(self.plu_digits));
        let value = if self.has_value_check {
            let (check, value) = rest.split_at(1);
            let expected = value_check_of(value);
            let found = check[0] - b'0';
            if expected != found {
                return Err(BarcodeError::BadValueCheckDigit { expected, found });
            }
            value
        } else {
            rest
        };
        // At most 9 PLU digits (validate), which fit a u32.
        let plu = digits_value(plu) as u32;
        let value = digits_value(value);
        Ok(ScaleReading {
            plu,
            weight_g: (self.value_kind == ScaleValue::WeightGrams).then_some(value),
            price_fen: (self.value_kind == ScaleValue::PriceFen).then_some(value),
            template_prefix: self.prefix.clone(),
        })
    }
}

/// Reads a scale label with the first template whose prefix it starts with.
///
/// `Ok(None)` means "not a scale code": not 13 digits, or no template prefix matches.
/// A matching code with a wrong check digit is an error, not `None`, so the till
/// never mistakes a misread label for another product. Every template is validated
/// first, so a misconfigured store fails on the first scan rather than on some label.
pub fn parse_scale(code: &str, templates: &[ScaleTemplate]) -> Result<Option<ScaleReading>, BarcodeError> {
    for template in templates {
        template.validate()?;
    }
    let code = code.trim();
    if code.len() != CODE_LEN || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    match templates.iter().find(|t| code.starts_with(t.prefix.as_str())) {
        Some(template) => template.decode(code.as_bytes()).map(Some),
        None => Ok(None),
    }
}

/// The GS1 price/weight verifier digit (GS1 General Specifications 7.9.3) for a
/// 4- or 5-digit value, or `None` for any other input.
pub fn value_check_digit(value: &str) -> Option<u8> {
    let digits = value.as_bytes();
    if !matches!(digits.len(), 4 | 5) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(value_check_of(digits))
}

// Weighted products of GS1 7.9.2, indexed by digit: "2-" is the units digit of
// 2×d minus its tens digit, "3" the units digit of 3×d, "5+" the units digit of 5×d
// plus its tens digit, "5-" the units digit of 5×d minus its tens digit (mod 10).
const TWO_MINUS: [u8; 10] = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7];
const THREE: [u8; 10] = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7];
const FIVE_PLUS: [u8; 10] = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9];
const FIVE_MINUS: [u8; 10] = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1];

/// Verifier digit over 4 or 5 ASCII digits (caller checks).
fn value_check_of(value: &[u8]) -> u8 {
    let weights: &[[u8; 10]] = if value.len() == 4 {
        &[TWO_MINUS, TWO_MINUS, THREE, FIVE_MINUS]
    } else {
        &[FIVE_PLUS, TWO_MINUS, FIVE_MINUS, FIVE_PLUS, TWO_MINUS]
    };
    let sum: u32 = value
        .iter()
        .zip(weights)
        .map(|(d, table)| u32::from(table[usize::from(d - b'0')]))
        .sum();
    if value.len() == 4 {
        // Four digits: units digit of 3 × sum.
        (sum * 3 % 10) as u8
    } else {
        // Five digits: the digit whose "5-" product is the step up to the next ten.
        let step = ((10 - sum % 10) % 10) as u8;
        let position = FIVE_MINUS.iter().position(|&p| p == step);
        // FIVE_MINUS is a permutation of 0..=9, so every step is found.
        position.map_or(0, |d| d as u8)
    }
}

fn digit_char(d: u8) -> char {
    char::from(b'0' + d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(code: &str, expected: Result<Option<ScaleReading>, BarcodeError>) {
        let templates = [ScaleTemplate::weight_default(), ScaleTemplate::price_default()];
        assert_eq!(parse_scale(code, &templates), expected, "code {code:?}");
    }

    fn weight(plu: u32, weight_g: i64, prefix: &str) -> Option<ScaleReading> {
        Some(ScaleReading {
            plu,
            weight_g: Some(weight_g),
            price_fen: None,
            template_prefix: prefix.to_owned(),
        })
    }

    fn price(plu: u32, price_fen: i64, prefix: &str) -> Option<ScaleReading> {
        Some(ScaleReading {
            plu,
            weight_g: None,
            price_fen: Some(price_fen),
            template_prefix: prefix.to_owned(),
        })
    }

    /// `20 PPPP V FFFFF C`: 4-digit PLU, verifier, 5-digit price.
    fn price_with_check() -> ScaleTemplate {
        ScaleTemplate {
            prefix: "20".to_owned(),
            plu_digits: 4,
            value_kind: ScaleValue::PriceFen,
            value_digits: 5,
            has_value_check: true,
        }
    }

    /// `21 PPPPP V WWWW C`: 5-digit PLU, verifier, 4-digit weight.
    fn weight_with_check() -> ScaleTemplate {
        ScaleTemplate {
            prefix: "21".to_owned(),
            plu_digits: 5,
            value_kind: ScaleValue::WeightGrams,
            value_digits: 4,
            has_value_check: true,
        }
    }

    #[test]
    fn weight_label_gives_plu_and_grams() {
        check("2800123012502", Ok(weight(123, 1250, "28")));
    }

    #[test]
    fn price_label_gives_plu_and_fen() {
        check("2900042001998", Ok(price(42, 199, "29")));
    }

    #[test]
    fn label_with_wrong_check_digit_is_refused() {
        check(
            "2800123012508",
            Err(BarcodeError::BadCheckDigit { expected: 2, found: 8 }),
        );
        check(
            "2900042001999",
            Err(BarcodeError::BadCheckDigit { expected: 8, found: 9 }),
        );
    }

    #[test]
    fn codes_that_are_not_scale_labels_give_none() {
        check("6901028075831", Ok(None));
        check("2700123012509", Ok(None));
        check("280012301250", Ok(None));
        check("28001230125022", Ok(None));
        check("28001230125O2", Ok(None));
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        check(" 2800123012502\n", Ok(weight(123, 1250, "28")));
    }

    #[test]
    fn first_matching_template_wins() {
        let templates = [ScaleTemplate::price_default(), {
            let mut t = ScaleTemplate::weight_default();
            t.prefix = "29".to_owned();
            t
        }];
        assert_eq!(parse_scale("2900042001998", &templates), Ok(price(42, 199, "29")));
    }

    #[test]
    fn gs1_verifier_digit_matches_worked_examples() {
        assert_eq!(value_check_digit("2875"), Some(9));
        assert_eq!(value_check_digit("14685"), Some(6));
        assert_eq!(value_check_digit("0000"), Some(0));
        assert_eq!(value_check_digit("123"), None);
        assert_eq!(value_check_digit("123456"), None);
        assert_eq!(value_check_digit("12a4"), None);
    }

    #[test]
    fn verifier_digit_sits_between_plu_and_value() {
        assert_eq!(price_with_check().encode(1234, 14685), "2012346146852");
        assert_eq!(weight_with_check().encode(123, 2875), "2100123928750");
    }

    #[test]
    fn template_with_verifier_reads_a_good_label() {
        let templates = [price_with_check(), weight_with_check()];
        assert_eq!(parse_scale("2012346146852", &templates), Ok(price(1234, 14685, "20")));
        assert_eq!(parse_scale("2100123928750", &templates), Ok(weight(123, 2875, "21")));
    }

    #[test]
    fn wrong_verifier_digit_is_refused_even_with_a_good_check_digit() {
        // Verifier 7 instead of 6, EAN-13 check digit recomputed to stay valid.
        let body = "201234714685";
        let code = format!("{body}{}", check_digit_of(body.as_bytes()));
        assert_eq!(
            parse_scale(&code, &[price_with_check()]),
            Err(BarcodeError::BadValueCheckDigit { expected: 6, found: 7 })
        );
    }

    #[test]
    fn value_kind_codes_round_trip() {
        for kind in [ScaleValue::WeightGrams, ScaleValue::PriceFen] {
            assert_eq!(ScaleValue::from_code(kind.code()), Some(kind));
        }
        assert_eq!(ScaleValue::from_code("weight_kg"), None);
    }

    #[test]
    fn default_templates_are_valid() {
        assert_eq!(ScaleTemplate::weight_default().validate(), Ok(()));
        assert_eq!(ScaleTemplate::price_default().validate(), Ok(()));
        assert_eq!(price_with_check().validate(), Ok(()));
        assert_eq!(weight_with_check().validate(), Ok(()));
    }

    #[test]
    fn template_prefix_must_be_two_digits_starting_with_2() {
        for prefix in ["30", "2", "200", "2a", "", "２8"] {
            let template = ScaleTemplate {
                prefix: prefix.to_owned(),
                ..ScaleTemplate::weight_default()
            };
            assert_eq!(
                template.validate(),
                Err(BarcodeError::BadTemplatePrefix {
                    prefix: prefix.to_owned()
                }),
                "prefix {prefix:?}"
            );
        }
    }

    #[test]
    fn template_lengths_must_fill_twelve_digits() {
        let short = ScaleTemplate {
            value_digits: 4,
            ..ScaleTemplate::weight_default()
        };
        assert_eq!(
            short.validate(),
            Err(BarcodeError::BadTemplateLength {
                prefix: "28".to_owned(),
                total: 11
            })
        );
        let long = ScaleTemplate {
            has_value_check: true,
            ..ScaleTemplate::price_default()
        };
        assert_eq!(
            long.validate(),
            Err(BarcodeError::BadTemplateLength {
                prefix: "29".to_owned(),
                total: 13
            })
        );
    }

    #[test]
    fn template_plu_must_have_one_to_nine_digits() {
        for plu_digits in [0, 10, 255] {
            let template = ScaleTemplate {
                plu_digits,
                value_digits: 255,
                ..ScaleTemplate::weight_default()
            };
            assert_eq!(
                template.validate(),
                Err(BarcodeError::BadTemplatePluDigits {
                    prefix: "28".to_owned(),
                    plu_digits
                })
            );
        }
    }

    #[test]
    fn verifier_digit_needs_a_four_or_five_digit_value() {
        let template = ScaleTemplate {
            plu_digits: 3,
            value_digits: 6,
            has_value_check: true,
            ..ScaleTemplate::price_default()
        };
        assert_eq!(
            template.validate(),
            Err(BarcodeError::BadTemplateValueCheck {
                prefix: "29".to_owned(),
                value_digits: 6
            })
        );
    }

    #[test]
    fn an_invalid_template_fails_every_parse() {
        let bad = ScaleTemplate {
            prefix: "3".to_owned(),
            ..ScaleTemplate::weight_default()
        };
        assert_eq!(
            parse_scale("6901028075831", &[ScaleTemplate::price_default(), bad]),
            Err(BarcodeError::BadTemplatePrefix { prefix: "3".to_owned() })
        );
    }

    #[test]
    fn encode_pads_plu_and_value() {
        assert_eq!(ScaleTemplate::weight_default().encode(123, 1250), "2800123012502");
        assert_eq!(ScaleTemplate::price_default().encode(42, 199), "2900042001998");
    }

    #[test]
    fn encode_refuses_numbers_that_do_not_fit() {
        let template = ScaleTemplate::weight_default();
        assert_eq!(
            template.try_encode(100_000, 1),
            Err(BarcodeError::PluOutOfRange {
                prefix: "28".to_owned(),
                plu: 100_000,
                digits: 5
            })
        );
        assert_eq!(
            template.try_encode(1, 100_000),
            Err(BarcodeError::ScaleValueOutOfRange {
                prefix: "28".to_owned(),
                value: 100_000,
                digits: 5
            })
        );
        assert_eq!(
            template.try_encode(1, -1),
            Err(BarcodeError::ScaleValueOutOfRange {
                prefix: "28".to_owned(),
                value: -1,
                digits: 5
            })
        );
    }

    #[test]
    #[should_panic(expected = "does not fit in 5 digits")]
    fn encode_panics_on_a_value_that_does_not_fit() {
        ScaleTemplate::price_default().encode(1, 123_456);
    }

    fn any_template() -> impl Strategy<Value = ScaleTemplate> {
        prop_oneof![
            Just(ScaleTemplate::weight_default()),
            Just(ScaleTemplate::price_default()),
            Just(price_with_check()),
            Just(weight_with_check()),
            (1u8..=9, any::<bool>(), 0u8..=9).prop_map(|(plu_digits, price, flag)| {
                ScaleTemplate {
                    prefix: format!("2{flag}"),
                    plu_digits,
                    value_kind: if price {
                        ScaleValue::PriceFen
                    } else {
                        ScaleValue::WeightGrams
                    },
                    value_digits: 10 - plu_digits,
                    has_value_check: false,
                }
            }),
        ]
    }

    proptest! {
        #[test]
        fn encode_then_parse_round_trips(
            template in any_template(),
            plu_seed in any::<u32>(),
            value_seed in any::<i64>(),
        ) {
            let plu = plu_seed % 10u32.pow(u32::from(template.plu_digits).min(9));
            let value = value_seed.rem_euclid(10i64.pow(u32::from(template.value_digits)));
            let code = template.encode(plu, value);
            prop_assert_eq!(code.len(), 13);
            let reading = parse_scale(&code, std::slice::from_ref(&template))
                .expect("encoded label parses")
                .expect("prefix matches");
            prop_assert_eq!(reading.plu, plu);
            let read_value = match template.value_kind {
                ScaleValue::WeightGrams => reading.weight_g,
                ScaleValue::PriceFen => reading.price_fen,
            };
            prop_assert_eq!(read_value, Some(value));
            prop_assert_eq!(reading.template_prefix, template.prefix);
        }

        #[test]
        fn changing_a_value_digit_is_caught_by_the_verifier(
            plu in 0u32..10_000,
            value in 0i64..100_000,
            position in 7usize..12,
            delta in 1u8..10,
        ) {
            // Change one value digit and repair the EAN-13 check digit, so only the
            // verifier digit can notice.
            let template = price_with_check();
            let mut digits = template.encode(plu, value).into_bytes();
            digits[position] = b'0' + (digits[position] - b'0' + delta) % 10;
            digits[12] = b'0' + check_digit_of(&digits[..12]);
            let changed = String::from_utf8(digits).expect("ASCII digits");
            prop_assert!(
                matches!(
                    parse_scale(&changed, &[template]),
                    Err(BarcodeError::BadValueCheckDigit { .. })
                ),
                "{changed} was accepted"
            );
        }
    }
}
