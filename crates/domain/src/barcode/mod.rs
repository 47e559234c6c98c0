//! Barcodes as the till and the receiving clerk scan them (条码解析).
//!
//! A scanner hands us a string; this module turns it, exactly once, into a typed value:
//! a [`Gtin`] (商品条码), an in-store scale code (店内码, [`ScaleReading`]), a GS1
//! element string from a GS1-128 or GS1 DataMatrix label ([`Gs1Data`], with lot and
//! dates for the stock ledger), or a short PLU typed at the till. [`classify`] decides
//! which of these a scan is. Everything is pure: no clock (the GS1 century rule takes
//! a `reference_year`), no IO, and every refusal is a [`BarcodeError`] that carries
//! the data needed for an English ([`std::fmt::Display`]) and a Chinese
//! ([`BarcodeError::message_zh`]) message.

pub mod gs1;
pub mod gtin;
pub mod scale;

pub use gs1::{GROUP_SEPARATOR, Gs1Data, SYMBOLOGY_IDS, parse_gs1, parse_yymmdd};
pub use gtin::{Gtin, GtinKind, check_digit, ean13_with_check};
pub use scale::{ScaleReading, ScaleTemplate, ScaleValue, parse_scale, value_check_digit};

/// Longest scan accepted, in characters. A GS1-128 symbol holds at most 48 data
/// characters and a retail GS1 DataMatrix rarely more than a few hundred; anything
/// longer is a stuck scanner or pasted junk, refused before any work is done.
pub const CODE_LEN_MAX: usize = 512;

/// Longest PLU (价格查找码) a cashier may type at the till.
pub const PLU_DIGITS_MAX: usize = 5;

/// Why a scanned or typed code was refused.
///
/// Positions (`at`) are 0-based character indexes into the code after surrounding
/// whitespace is trimmed; the messages show them 1-based, as people count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    #[error("the code is empty")]
    Empty,
    #[error("the code is {len} characters long; at most {max} are accepted")]
    TooLong { len: usize, max: usize },
    #[error("character {found:?} at position {} is not a digit", .at + 1)]
    NonDigit { at: usize, found: char },
    #[error("a GTIN has 8, 12, 13 or 14 digits, not {len}")]
    BadGtinLength { len: usize },
    #[error("expected {expected} digits before the check digit, got {found}")]
    BadBodyLength { expected: usize, found: usize },
    #[error("check digit is {found} but the other digits require {expected}")]
    BadCheckDigit { expected: u8, found: u8 },
    #[error("price/weight check digit is {found} but the value requires {expected}")]
    BadValueCheckDigit { expected: u8, found: u8 },
    #[error(
        "a code of {len} digits is neither a PLU (1 to 5 digits), a GTIN (8, 12, 13 or 14 digits) nor a GS1 element string"
    )]
    UnrecognisedLength { len: usize },
    #[error("scale template prefix {prefix:?} must be two digits starting with 2")]
    BadTemplatePrefix { prefix: String },
    #[error("scale template {prefix}: the PLU must have 1 to 9 digits, not {plu_digits}")]
    BadTemplatePluDigits { prefix: String, plu_digits: u8 },
    #[error("scale template {prefix}: a price/weight check digit needs a 4- or 5-digit value, not {value_digits}")]
    BadTemplateValueCheck { prefix: String, value_digits: u8 },
    #[error(
        "scale template {prefix}: prefix, PLU, value and value check digits add up to {total}, but an EAN-13 has 12 digits before its check digit"
    )]
    BadTemplateLength { prefix: String, total: usize },
    #[error("scale template {prefix}: PLU {plu} does not fit in {digits} digits")]
    PluOutOfRange { prefix: String, plu: u32, digits: u8 },
    #[error("scale template {prefix}: value {value} does not fit in {digits} digits")]
    ScaleValueOutOfRange { prefix: String, value: i64, digits: u8 },
    #[error("symbology identifier {id:?} is not a GS1 one (]C1, ]d2, ]Q3 or ]e0)")]
    UnsupportedSymbology { id: String },
    #[error("unknown or unsupported application identifier ({ai}) at position {}", .at + 1)]
    UnknownAi { ai: String, at: usize },
    #[error("AI ({ai}) at position {} needs {expected} characters but has only {found}", .at + 1)]
    TruncatedField {
        ai: String,
        at: usize,
        expected: usize,
        found: usize,
    },
    #[error("AI ({ai}) at position {} allows at most {max} characters but has {found}", .at + 1)]
    FieldTooLong {
        ai: String,
        at: usize,
        max: usize,
        found: usize,
    },
    #[error("AI ({ai}) at position {} has an empty value", .at + 1)]
    EmptyField { ai: String, at: usize },
    #[error("AI ({ai}) must be numeric, but character {found:?} at position {} is not a digit", .at + 1)]
    NonDigitInField { ai: String, at: usize, found: char },
    #[error(
        "AI ({ai}): character {found:?} at position {} is not in the GS1 character set 82", .at + 1
    )]
    BadCharacter { ai: String, at: usize, found: char },
    #[error("AI ({ai}) holds {value}, which is not a valid YYMMDD date")]
    InvalidDate { ai: String, value: String },
    #[error("AI ({ai}) appears twice with different values: {first} and {second}")]
    DuplicateAi { ai: String, first: String, second: String },
    #[error("malformed bracketed element string at position {}: expected \"(AI)value\"", .at + 1)]
    MalformedBrackets { at: usize },
}

impl BarcodeError {
    /// The zh-CN message shown next to the English one ([`std::fmt::Display`]).
    pub fn message_zh(&self) -> String {
        match self {
            Self::Empty => "条码为空".to_owned(),
            Self::TooLong { len, max } => format!("条码长度为 {len} 个字符，最多允许 {max} 个"),
            Self::NonDigit { at, found } => {
                format!("第 {} 位的字符 {found:?} 不是数字", at + 1)
            }
            Self::BadGtinLength { len } => {
                format!("商品条码应为 8、12、13 或 14 位数字，而不是 {len} 位")
            }
            Self::BadBodyLength { expected, found } => {
                format!("校验位之前应有 {expected} 位数字，实际为 {found} 位")
            }
            Self::BadCheckDigit { expected, found } => {
                format!("校验位错误：应为 {expected}，实际为 {found}")
            }
            Self::BadValueCheckDigit { expected, found } => {
                format!("店内码的价格/重量校验位错误：应为 {expected}，实际为 {found}")
            }
            Self::UnrecognisedLength { len } => format!(
                "无法识别的 {len} 位数字：既不是 PLU（1 至 5 位），也不是商品条码（8、12、13 或 14 位），也不是 GS1 元素串"
            ),
            Self::BadTemplatePrefix { prefix } => {
                format!("店内码模板前缀 {prefix:?} 必须是以 2 开头的两位数字")
            }
            Self::BadTemplatePluDigits { prefix, plu_digits } => {
                format!("店内码模板 {prefix}：PLU 位数必须为 1 至 9，而不是 {plu_digits}")
            }
            Self::BadTemplateValueCheck { prefix, value_digits } => {
                format!("店内码模板 {prefix}：价格/重量校验位只适用于 4 位或 5 位的数值，而不是 {value_digits} 位")
            }
            Self::BadTemplateLength { prefix, total } => {
                format!("店内码模板 {prefix}：前缀、PLU、数值及数值校验位共 {total} 位，而 EAN-13 校验位之前应为 12 位")
            }
            Self::PluOutOfRange { prefix, plu, digits } => format!("店内码模板 {prefix}：PLU {plu} 超出 {digits} 位"),
            Self::ScaleValueOutOfRange { prefix, value, digits } => {
                format!("店内码模板 {prefix}：数值 {value} 无法用 {digits} 位数字表示")
            }
            Self::UnsupportedSymbology { id } => {
                format!("码制标识符 {id:?} 不是 GS1 码制（]C1、]d2、]Q3 或 ]e0）")
            }
            Self::UnknownAi { ai, at } => {
                format!("第 {} 位的应用标识符 ({ai}) 未知或不受支持", at + 1)
            }
            Self::TruncatedField {
                ai,
                at,
                expected,
                found,
            } => format!(
                "第 {} 位的 AI ({ai}) 需要 {expected} 个字符，实际只有 {found} 个",
                at + 1
            ),
            Self::FieldTooLong { ai, at, max, found } => {
                format!("第 {} 位的 AI ({ai}) 最多 {max} 个字符，实际有 {found} 个", at + 1)
            }
            Self::EmptyField { ai, at } => format!("第 {} 位的 AI ({ai}) 内容为空", at + 1),
            Self::NonDigitInField { ai, at, found } => {
                format!("AI ({ai}) 只能包含数字，第 {} 位的字符 {found:?} 不是数字", at + 1)
            }
            Self::BadCharacter { ai, at, found } => {
                format!("AI ({ai})：第 {} 位的字符 {found:?} 不属于 GS1 字符集 82", at + 1)
            }
            Self::InvalidDate { ai, value } => {
                format!("AI ({ai}) 的值 {value} 不是有效的 YYMMDD 日期")
            }
            Self::DuplicateAi { ai, first, second } => {
                format!("AI ({ai}) 出现两次且取值不同：{first} 与 {second}")
            }
            Self::MalformedBrackets { at } => {
                format!("第 {} 位的括号格式错误：应为“(AI)值”", at + 1)
            }
        }
    }
}

/// What a scan turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    /// A manufacturer's GTIN (EAN-13, EAN-8, UPC-A or GTIN-14).
    Gtin(Gtin),
    /// An in-store scale label (店内码) with PLU and weight or price.
    Scale(ScaleReading),
    /// A GS1 element string (GS1-128 / GS1 DataMatrix) with GTIN, lot, dates, weight.
    Gs1(Gs1Data),
    /// A short PLU (1 to 5 digits) typed at the till.
    Plu(u32),
}

/// Decides what a scanned or typed code is and parses it.
///
/// Order (first match wins), after trimming surrounding whitespace:
/// 1. GS1 element string: starts with a symbology identifier (`]C1`...), contains a
///    group separator or parentheses, or is longer than 14 characters and starts
///    with the first two digits of a supported AI;
/// 2. scale code: 13 digits starting with the prefix of one of `templates`;
/// 3. GTIN: 8, 12, 13 or 14 digits;
/// 4. PLU: 1 to 5 digits.
///
/// Anything else is refused. `reference_year` is this year, for the GS1 century rule.
pub fn classify(code: &str, templates: &[ScaleTemplate], reference_year: i16) -> Result<Scanned, BarcodeError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(BarcodeError::Empty);
    }
    let len = code.chars().count();
    if len > CODE_LEN_MAX {
        return Err(BarcodeError::TooLong { len, max: CODE_LEN_MAX });
    }
    if gs1::looks_like_gs1(code) {
        return parse_gs1(code, reference_year).map(Scanned::Gs1);
    }
    if let Some((at, found)) = first_non_digit(code) {
        return Err(BarcodeError::NonDigit { at, found });
    }
    if let Some(reading) = parse_scale(code, templates)? {
        return Ok(Scanned::Scale(reading));
    }
    // All characters are ASCII digits from here on, so bytes = characters.
    match code.len() {
        8 | 12 | 13 | 14 => Gtin::parse(code).map(Scanned::Gtin),
        1..=PLU_DIGITS_MAX => Ok(Scanned::Plu(digits_value(code.as_bytes()) as u32)),
        len => Err(BarcodeError::UnrecognisedLength { len }),
    }
}

/// The first character that is not an ASCII digit, with its character index.
fn first_non_digit(s: &str) -> Option<(usize, char)> {
    s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit())
}

/// The value of a run of ASCII digits. Callers pass at most 18 digits, which fit an
/// `i64` (the longest here is the 10-digit value of a scale code).
fn digits_value(digits: &[u8]) -> i64 {
    digits.iter().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const YEAR: i16 = 2025;

    fn check(code: &str, expected: Result<Scanned, BarcodeError>) {
        let templates = [ScaleTemplate::weight_default(), ScaleTemplate::price_default()];
        assert_eq!(classify(code, &templates, YEAR), expected, "code {code:?}");
    }

    fn gtin(code: &str) -> Scanned {
        Scanned::Gtin(Gtin::parse(code).expect("test GTIN is valid"))
    }

    #[test]
    fn ean13_is_a_gtin() {
        check("6901028075831", Ok(gtin("6901028075831")));
    }

    #[test]
    fn surrounding_whitespace_and_scanner_newline_are_trimmed() {
        check("  6901028075831\r\n", Ok(gtin("6901028075831")));
    }

    #[test]
    fn ean8_upca_and_gtin14_are_gtins() {
        check("96385074", Ok(gtin("96385074")));
        check("036000291452", Ok(gtin("036000291452")));
        check("06901028075831", Ok(gtin("06901028075831")));
    }

    #[test]
    fn code_with_a_template_prefix_is_a_scale_reading() {
        check(
            "2800123012502",
            Ok(Scanned::Scale(ScaleReading {
                plu: 123,
                weight_g: Some(1250),
                price_fen: None,
                template_prefix: "28".to_owned(),
            })),
        );
    }

    #[test]
    fn code_in_restricted_range_without_a_template_is_a_plain_gtin() {
        // 21... is restricted circulation but no template claims it.
        let code = ean13_with_check("210012301250").expect("12 digits");
        check(code.as_str(), Ok(Scanned::Gtin(code.clone())));
    }

    #[test]
    fn scale_code_with_bad_check_digit_is_refused_not_read_as_gtin() {
        check(
            "2800123012508",
            Err(BarcodeError::BadCheckDigit { expected: 2, found: 8 }),
        );
    }

    #[test]
    fn short_number_is_a_plu() {
        check("42", Ok(Scanned::Plu(42)));
        check("00042", Ok(Scanned::Plu(42)));
        check("99999", Ok(Scanned::Plu(99_999)));
    }

    #[test]
    fn bracketed_element_string_is_gs1() {
        check(
            "(01)06901234567892(17)260131(10)LOT42",
            Ok(Scanned::Gs1(Gs1Data {
                gtin: Some(Gtin::parse("06901234567892").expect("valid")),
                lot: Some("LOT42".to_owned()),
                expiry: Some(date(2026, 1, 31)),
                ..Gs1Data::default()
            })),
        );
    }

    #[test]
    fn symbology_identifier_means_gs1() {
        check(
            "]C10106901234567892",
            Ok(Scanned::Gs1(Gs1Data {
                gtin: Some(Gtin::parse("06901234567892").expect("valid")),
                ..Gs1Data::default()
            })),
        );
    }

    #[test]
    fn long_digit_string_starting_with_an_ai_is_gs1() {
        check(
            "0106901234567892172601311712",
            Err(BarcodeError::TruncatedField {
                ai: "17".to_owned(),
                at: 26,
                expected: 6,
                found: 2,
            }),
        );
        check(
            "010690123456789217260131",
            Ok(Scanned::Gs1(Gs1Data {
                gtin: Some(Gtin::parse("06901234567892").expect("valid")),
                expiry: Some(date(2026, 1, 31)),
                ..Gs1Data::default()
            })),
        );
    }

    #[test]
    fn group_separator_means_gs1_even_when_short() {
        check(
            "10AB\u{1d}",
            Ok(Scanned::Gs1(Gs1Data {
                lot: Some("AB".to_owned()),
                ..Gs1Data::default()
            })),
        );
    }

    #[test]
    fn empty_or_blank_code_is_refused() {
        check("", Err(BarcodeError::Empty));
        check(" \t\r\n", Err(BarcodeError::Empty));
    }

    #[test]
    fn letters_are_refused_with_their_position() {
        check("69010280A5831", Err(BarcodeError::NonDigit { at: 8, found: 'A' }));
    }

    #[test]
    fn digit_counts_that_fit_nothing_are_refused() {
        check("123456", Err(BarcodeError::UnrecognisedLength { len: 6 }));
        check("12345678901", Err(BarcodeError::UnrecognisedLength { len: 11 }));
        check("999999999999999", Err(BarcodeError::UnrecognisedLength { len: 15 }));
    }

    #[test]
    fn absurdly_long_code_is_refused_before_parsing() {
        let code = "1".repeat(CODE_LEN_MAX + 1);
        check(
            &code,
            Err(BarcodeError::TooLong {
                len: CODE_LEN_MAX + 1,
                max: CODE_LEN_MAX,
            }),
        );
    }

    #[test]
    fn every_error_has_an_english_and_a_chinese_message() {
        let errors = [
            BarcodeError::Empty,
            BarcodeError::NonDigit { at: 0, found: 'x' },
            BarcodeError::BadCheckDigit { expected: 1, found: 2 },
            BarcodeError::UnknownAi {
                ai: "99".to_owned(),
                at: 4,
            },
            BarcodeError::InvalidDate {
                ai: "17".to_owned(),
                value: "261301".to_owned(),
            },
        ];
        for error in errors {
            assert!(!error.to_string().is_empty());
            assert!(
                error.message_zh().chars().any(|c| c > '\u{2e80}'),
                "{error:?} has no Chinese text"
            );
        }
        assert_eq!(
            BarcodeError::UnknownAi {
                ai: "99".to_owned(),
                at: 4
            }
            .to_string(),
            "unknown or unsupported application identifier (99) at position 5"
        );
        assert_eq!(
            BarcodeError::BadCheckDigit { expected: 1, found: 2 }.message_zh(),
            "校验位错误：应为 1，实际为 2"
        );
    }
}
