//! GS1 element strings (GS1 应用标识符) from GS1-128 and GS1 DataMatrix labels.
//!
//! The receiving clerk scans case labels that carry more than a GTIN: the lot (批次)
//! and the expiry or best-before date the stock ledger needs for FEFO, and sometimes
//! a serial number or a net weight. This module reads the application identifiers
//! (AIs) a community store meets — (01) GTIN, (10) lot, (11) production date,
//! (15) best before, (17) expiry, (21) serial, (310n) net kg, (320n) net lb — and
//! refuses every other AI by name rather than guessing its length.
//!
//! Two spellings are accepted:
//! - as a scanner transmits it: an optional symbology identifier (`]C1`, `]d2`,
//!   `]Q3`, `]e0`), then AI and value pairs; a variable-length value ends at a group
//!   separator (GS, ASCII 29) or at the end, a fixed-length value needs none (a GS
//!   after it is tolerated, as is a leading GS standing for FNC1);
//! - the human-readable bracketed form `(01)06901234567892(17)260131(10)LOT42`,
//!   where a value ends at the next `(` that opens 2 to 4 digits and a `)`. A lot
//!   that itself contains such a sequence can only be sent in the first spelling.
//!
//! Dates follow GS1 General Specifications 7.12: day `00` means the last day of the
//! month, and the two-digit year is placed in the window from `reference_year − 49`
//! to `reference_year + 50`. The reference year is a parameter because the domain
//! never reads a clock.

use std::mem::discriminant;

use jiff::civil::Date;

use super::{BarcodeError, CODE_LEN_MAX, Gtin, digits_value};

/// The GS1 group separator (FNC1 as transmitted), ASCII 29.
pub const GROUP_SEPARATOR: char = '\u{1d}';

/// Symbology identifiers of GS1 symbols: GS1-128, GS1 DataMatrix, GS1 QR Code,
/// GS1 DataBar. They are stripped; any other `]xx` is refused.
pub const SYMBOLOGY_IDS: [&str; 4] = ["]C1", "]d2", "]Q3", "]e0"];

/// Longest lot (AI 10) and serial (AI 21), per the GS1 General Specifications.
pub const LOT_LEN_MAX: usize = 20;
pub const SERIAL_LEN_MAX: usize = 20;

/// What a GS1 element string says about the goods. Absent AIs are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gs1Data {
    /// AI (01), always 14 digits ([`crate::barcode::GtinKind::Gtin14`]).
    pub gtin: Option<Gtin>,
    /// AI (10), batch/lot number (批号).
    pub lot: Option<String>,
    /// AI (21), serial number.
    pub serial: Option<String>,
    /// AI (11).
    pub production_date: Option<Date>,
    /// AI (15).
    pub best_before: Option<Date>,
    /// AI (17).
    pub expiry: Option<Date>,
    /// AI (310n) or (320n), converted to whole grams, halves rounded up.
    pub net_weight_g: Option<i64>,
}

/// Parses a GS1 element string in either spelling (see the module docs).
///
/// An AI repeated with the same meaning is accepted (labels sometimes repeat the
/// GTIN); repeated with a different meaning it is refused, as is any AI this module
/// does not know.
pub fn parse_gs1(input: &str, reference_year: i16) -> Result<Gs1Data, BarcodeError> {
    let input = input.trim();
    let len = input.chars().count();
    if len > CODE_LEN_MAX {
        return Err(BarcodeError::TooLong { len, max: CODE_LEN_MAX });
    }
    let chars: Vec<char> = input.chars().collect();
    let mut start = 0;
    if chars.first() == Some(&']') {
        let id: String = chars.iter().take(3).collect();
        if !SYMBOLOGY_IDS.contains(&id.as_str()) {
            return Err(BarcodeError::UnsupportedSymbology { id });
        }
        start = 3;
    }
    while chars.get(start) == Some(&GROUP_SEPARATOR) {
        start += 1;
    }
    let mut elements = Elements {
        list: Vec::new(),
        reference_year,
    };
    match chars.get(start) {
        None => return Err(BarcodeError::Empty),
        Some('(') => read_bracketed(&chars, start, &mut elements)?,
        Some(_) => read_transmitted(&chars, start, &mut elements)?,
    }
    Ok(elements.into_data())
}

/// Reads a `YYMMDD` date with the GS1 rules: day `00` is the last day of the month,
/// and the year is the one ending in `YY` between `reference_year − 49` and
/// `reference_year + 50`. `None` for anything that is not a real date.
pub fn parse_yymmdd(value: &str, reference_year: i16) -> Option<Date> {
    let digits = value.as_bytes();
    if digits.len() != 6 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let yy = digits_value(&digits[0..2]) as i32;
    // Two digits each, so both fit an i8.
    let month = digits_value(&digits[2..4]) as i8;
    let day = digits_value(&digits[4..6]) as i8;
    let low = i32::from(reference_year) - 49;
    let year = i16::try_from(low + (yy - low).rem_euclid(100)).ok()?;
    if day == 0 {
        Date::new(year, month, 1).ok().map(Date::last_of_month)
    } else {
        Date::new(year, month, day).ok()
    }
}

/// Whether a scan should be read as a GS1 element string (used by
/// [`crate::barcode::classify`]): a symbology identifier, a group separator or
/// parentheses, or more than 14 characters starting like a supported AI.
pub(super) fn looks_like_gs1(code: &str) -> bool {
    const AI_STARTS: [&str; 8] = ["01", "10", "11", "15", "17", "21", "31", "32"];
    code.starts_with(']')
        || code.contains(GROUP_SEPARATOR)
        || code.contains('(')
        || (code.chars().count() > 14 && AI_STARTS.iter().any(|ai| code.starts_with(ai)))
}

/// GS1 AI encodable character set 82: printable ASCII without space and
/// `# $ @ [ \ ] ^ \` { | } ~`.
pub fn is_cset82(c: char) -> bool {
    matches!(c, '!' | '"' | '%'..='/' | '0'..='9' | ':'..='?' | 'A'..='Z' | '_' | 'a'..='z')
}

/// The application identifiers this module understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ai {
    Gtin,
    Lot,
    ProductionDate,
    BestBefore,
    Expiry,
    Serial,
    /// (310n): net weight in kg with `n` decimals, n = 0..=5.
    NetWeightKg(u8),
    /// (320n): net weight in pounds with `n` decimals, n = 0..=5.
    NetWeightLb(u8),
}

enum Length {
    Fixed(usize),
    Variable { max: usize },
}

impl Ai {
    fn from_code(code: &str) -> Option<Ai> {
        let ai = match code {
            "01" => Ai::Gtin,
            "10" => Ai::Lot,
            "11" => Ai::ProductionDate,
            "15" => Ai::BestBefore,
            "17" => Ai::Expiry,
            "21" => Ai::Serial,
            _ => {
                let (family, decimals) = code.split_at_checked(3)?;
                let decimals = match decimals.as_bytes() {
                    [d @ b'0'..=b'5'] => d - b'0',
                    _ => return None,
                };
                match family {
                    "310" => Ai::NetWeightKg(decimals),
                    "320" => Ai::NetWeightLb(decimals),
                    _ => return None,
                }
            }
        };
        Some(ai)
    }

    fn code(self) -> String {
        match self {
            Ai::Gtin => "01".to_owned(),
            Ai::Lot => "10".to_owned(),
            Ai::ProductionDate => "11".to_owned(),
            Ai::BestBefore => "15".to_owned(),
            Ai::Expiry => "17".to_owned(),
            Ai::Serial => "21".to_owned(),
            Ai::NetWeightKg(n) => format!("310{n}"),
            Ai::NetWeightLb(n) => format!("320{n}"),
        }
    }

    fn length(self) -> Length {
        match self {
            Ai::Gtin => Length::Fixed(14),
            Ai::ProductionDate | Ai::BestBefore | Ai::Expiry => Length::Fixed(6),
            Ai::NetWeightKg(_) | Ai::NetWeightLb(_) => Length::Fixed(6),
            Ai::Lot => Length::Variable { max: LOT_LEN_MAX },
            Ai::Serial => Length::Variable { max: SERIAL_LEN_MAX },
        }
    }

    /// Reads `raw` (starting at character `at` of the input) as this AI's value.
    fn value(self, raw: &str, at: usize, reference_year: i16) -> Result<Value, BarcodeError> {
        let is_text = matches!(self, Ai::Lot | Ai::Serial);
        let bad = raw
            .chars()
            .enumerate()
            .find(|(_, c)| if is_text { !is_cset82(*c) } else { !c.is_ascii_digit() });
        if let Some((k, found)) = bad {
            let (ai, at) = (self.code(), at + k);
            return Err(if is_text {
                BarcodeError::BadCharacter { ai, at, found }
            } else {
                BarcodeError::NonDigitInField { ai, at, found }
            });
        }
        let date = || {
            parse_yymmdd(raw, reference_year).ok_or_else(|| BarcodeError::InvalidDate {
                ai: self.code(),
                value: raw.to_owned(),
            })
        };
        Ok(match self {
            Ai::Gtin => Value::Gtin(Gtin::parse(raw)?),
            Ai::Lot => Value::Lot(raw.to_owned()),
            Ai::Serial => Value::Serial(raw.to_owned()),
            Ai::ProductionDate => Value::ProductionDate(date()?),
            Ai::BestBefore => Value::BestBefore(date()?),
            Ai::Expiry => Value::Expiry(date()?),
            Ai::NetWeightKg(n) => Value::NetWeightG(kg_to_g(digits_value(raw.as_bytes()), n)),
            Ai::NetWeightLb(n) => Value::NetWeightG(lb_to_g(digits_value(raw.as_bytes()), n)),
        })
    }
}

/// A decoded value; the variant says which [`Gs1Data`] field it fills, so two
/// elements conflict when they have the same variant and different contents.
#[derive(Debug, PartialEq, Eq)]
enum Value {
    Gtin(Gtin),
    Lot(String),
    Serial(String),
    ProductionDate(Date),
    BestBefore(Date),
    Expiry(Date),
    NetWeightG(i64),
}

struct Element {
    ai: Ai,
    raw: String,
    value: Value,
}

/// Elements read so far; refuses a conflicting repeat.
struct Elements {
    list: Vec<Element>,
    reference_year: i16,
}

impl Elements {
    fn add(&mut self, ai: Ai, raw: &[char], at: usize) -> Result<(), BarcodeError> {
        let raw: String = raw.iter().collect();
        let value = ai.value(&raw, at, self.reference_year)?;
        let earlier = self
            .list
            .iter()
            .find(|e| discriminant(&e.value) == discriminant(&value));
        match earlier {
            Some(first) if first.value == value => Ok(()),
            Some(first) => Err(BarcodeError::DuplicateAi {
                ai: ai.code(),
                first: format!("({}){}", first.ai.code(), first.raw),
                second: format!("({}){raw}", ai.code()),
            }),
            None => {
                self.list.push(Element { ai, raw, value });
                Ok(())
            }
        }
    }

    fn into_data(self) -> Gs1Data {
        let mut data = Gs1Data::default();
        for element in self.list {
            match element.value {
                Value::Gtin(gtin) => data.gtin = Some(gtin),
                Value::Lot(lot) => data.lot = Some(lot),
                Value::Serial(serial) => data.serial = Some(serial),
                Value::ProductionDate(d) => data.production_date = Some(d),
                Value::BestBefore(d) => data.best_before = Some(d),
                Value::Expiry(d) => data.expiry = Some(d),
                Value::NetWeightG(g) => data.net_weight_g = Some(g),
            }
        }
        data
    }
}

/// The transmitted form: AI, value, optional GS, AI, value...
fn read_transmitted(chars: &[char], start: usize, elements: &mut Elements) -> Result<(), BarcodeError> {
    let n = chars.len();
    let mut i = start;
    while i < n {
        if chars[i] == GROUP_SEPARATOR {
            i += 1;
            continue;
        }
        let (ai, ai_len) = transmitted_ai(chars, i)?;
        let at = i + ai_len;
        let end = match ai.length() {
            Length::Fixed(len) => {
                let found = chars[at..]
                    .iter()
                    .take(len)
                    .take_while(|c| **c != GROUP_SEPARATOR)
                    .count();
                if found < len {
                    return Err(BarcodeError::TruncatedField {
                        ai: ai.code(),
                        at,
                        expected: len,
                        found,
                    });
                }
                at + len
            }
            Length::Variable { max } => {
                let end = chars[at..]
                    .iter()
                    .position(|c| *c == GROUP_SEPARATOR)
                    .map_or(n, |p| at + p);
                check_variable(ai, at, end - at, max)?;
                end
            }
        };
        elements.add(ai, &chars[at..end], at)?;
        i = end;
    }
    Ok(())
}

/// The AI starting at `at`: two digits, or four for the (31nn)/(32nn) families.
fn transmitted_ai(chars: &[char], at: usize) -> Result<(Ai, usize), BarcodeError> {
    let head: String = chars[at..].iter().take(2).collect();
    let len = if head == "31" || head == "32" { 4 } else { 2 };
    let code: String = chars[at..]
        .iter()
        .take(len)
        .take_while(|c| **c != GROUP_SEPARATOR)
        .collect();
    match Ai::from_code(&code) {
        Some(ai) => Ok((ai, len)),
        None => Err(BarcodeError::UnknownAi { ai: code, at }),
    }
}

/// The bracketed form: `(AI)value(AI)value...`.
fn read_bracketed(chars: &[char], start: usize, elements: &mut Elements) -> Result<(), BarcodeError> {
    let n = chars.len();
    let mut i = start;
    while i < n {
        if chars[i] == GROUP_SEPARATOR {
            i += 1;
            continue;
        }
        if chars[i] != '(' {
            return Err(BarcodeError::MalformedBrackets { at: i });
        }
        let close = chars[i + 1..]
            .iter()
            .position(|c| *c == ')')
            .map(|p| i + 1 + p)
            .ok_or(BarcodeError::MalformedBrackets { at: i })?;
        let code: String = chars[i + 1..close].iter().collect();
        let ai = Ai::from_code(&code).ok_or(BarcodeError::UnknownAi { ai: code, at: i + 1 })?;
        let at = close + 1;
        let end = (at..n)
            .find(|&j| chars[j] == GROUP_SEPARATOR || opens_bracketed_ai(&chars[j..]))
            .unwrap_or(n);
        let found = end - at;
        match ai.length() {
            Length::Fixed(len) if found < len => {
                return Err(BarcodeError::TruncatedField {
                    ai: ai.code(),
                    at,
                    expected: len,
                    found,
                });
            }
            Length::Fixed(len) if found > len => {
                return Err(BarcodeError::FieldTooLong {
                    ai: ai.code(),
                    at,
                    max: len,
                    found,
                });
            }
            Length::Fixed(_) => {}
            Length::Variable { max } => check_variable(ai, at, found, max)?,
        }
        elements.add(ai, &chars[at..end], at)?;
        i = end;
    }
    Ok(())
}

/// True when `rest` starts with `(`, 2 to 4 digits and `)`.
fn opens_bracketed_ai(rest: &[char]) -> bool {
    if rest.first() != Some(&'(') {
        return false;
    }
    let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    (2..=4).contains(&digits) && rest.get(1 + digits) == Some(&')')
}

fn check_variable(ai: Ai, at: usize, found: usize, max: usize) -> Result<(), BarcodeError> {
    if found == 0 {
        return Err(BarcodeError::EmptyField { ai: ai.code(), at });
    }
    if found > max {
        return Err(BarcodeError::FieldTooLong {
            ai: ai.code(),
            at,
            max,
            found,
        });
    }
    Ok(())
}

/// `value` kg with `decimals` decimals, in grams, halves rounded up:
/// grams = value × 1000 / 10^decimals, computed as ⌊(2·value·1000 + 10^d) / (2·10^d)⌋.
/// `value` < 10^6, so every product fits an i64.
fn kg_to_g(value: i64, decimals: u8) -> i64 {
    let scale = 10i64.pow(u32::from(decimals));
    (2 * value * 1000 + scale) / (2 * scale)
}

/// `value` pounds with `decimals` decimals, in grams, halves rounded up, with the
/// exact international pound 1 lb = 453.59237 g = 45 359 237 / 100 000 g.
/// 2 × 999 999 × 45 359 237 < 10^14, so every product fits an i64.
fn lb_to_g(value: i64, decimals: u8) -> i64 {
    const GRAMS_PER_LB_E5: i64 = 45_359_237; // 453.59237 g × 10^5
    let scale = 10i64.pow(u32::from(decimals)) * 100_000;
    (2 * value * GRAMS_PER_LB_E5 + scale) / (2 * scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    const YEAR: i16 = 2025;
    const GS: char = GROUP_SEPARATOR;

    fn check(input: &str, expected: Result<Gs1Data, BarcodeError>) {
        assert_eq!(parse_gs1(input, YEAR), expected, "input {input:?}");
    }

    fn gtin14() -> Option<Gtin> {
        Some(Gtin::parse("06901234567892").expect("valid GTIN"))
    }

    fn expiry(y: i16, m: i8, d: i8) -> Result<Gs1Data, BarcodeError> {
        Ok(Gs1Data {
            expiry: Some(date(y, m, d)),
            ..Gs1Data::default()
        })
    }

    fn weight(grams: i64) -> Result<Gs1Data, BarcodeError> {
        Ok(Gs1Data {
            net_weight_g: Some(grams),
            ..Gs1Data::default()
        })
    }

    fn gtin_expiry_lot() -> Result<Gs1Data, BarcodeError> {
        Ok(Gs1Data {
            gtin: gtin14(),
            lot: Some("LOT42".to_owned()),
            expiry: Some(date(2026, 1, 31)),
            ..Gs1Data::default()
        })
    }

    #[test]
    fn bracketed_form_is_read() {
        check("(01)06901234567892(17)260131(10)LOT42", gtin_expiry_lot());
    }

    #[test]
    fn transmitted_form_needs_no_separator_after_fixed_fields() {
        check("01069012345678921726013110LOT42", gtin_expiry_lot());
    }

    #[test]
    fn variable_lot_followed_by_gs_then_expiry() {
        check(&format!("010690123456789210LOT42{GS}17260131"), gtin_expiry_lot());
    }

    #[test]
    fn lot_at_the_end_needs_no_gs() {
        check("01069012345678921726013110LOT42", gtin_expiry_lot());
        check(&format!("01069012345678921726013110LOT42{GS}"), gtin_expiry_lot());
    }

    #[test]
    fn gs_after_a_fixed_field_and_leading_fnc1_are_tolerated() {
        check(
            &format!("{GS}0106901234567892{GS}17260131{GS}10LOT42"),
            gtin_expiry_lot(),
        );
    }

    #[test]
    fn gs1_symbology_identifiers_are_stripped() {
        for id in SYMBOLOGY_IDS {
            check(&format!("{id}01069012345678921726013110LOT42"), gtin_expiry_lot());
        }
        check("]C1(01)06901234567892(17)260131(10)LOT42", gtin_expiry_lot());
    }

    #[test]
    fn other_symbology_identifiers_are_refused() {
        check(
            "]E06901234567892",
            Err(BarcodeError::UnsupportedSymbology { id: "]E0".to_owned() }),
        );
    }

    #[test]
    fn serial_production_date_and_best_before_are_read() {
        check(
            &format!("(11)250301(15)251231(21)SN-0001{GS}(10)A1"),
            Ok(Gs1Data {
                serial: Some("SN-0001".to_owned()),
                lot: Some("A1".to_owned()),
                production_date: Some(date(2025, 3, 1)),
                best_before: Some(date(2025, 12, 31)),
                ..Gs1Data::default()
            }),
        );
    }

    #[test]
    fn bracketed_lot_may_contain_brackets_that_do_not_open_an_ai() {
        check(
            "(10)A(B)(1)C(17)260131",
            Ok(Gs1Data {
                lot: Some("A(B)(1)C".to_owned()),
                expiry: Some(date(2026, 1, 31)),
                ..Gs1Data::default()
            }),
        );
    }

    #[test]
    fn day_00_means_last_day_of_month() {
        check("(17)260100", expiry(2026, 1, 31));
        check("(17)250400", expiry(2025, 4, 30));
        check("(17)261200", expiry(2026, 12, 31));
    }

    #[test]
    fn day_00_in_february_respects_leap_years() {
        check("(17)260200", expiry(2026, 2, 28));
        check("(17)280200", expiry(2028, 2, 29));
        check("(17)000200", expiry(2000, 2, 29));
    }

    #[test]
    fn feb_29_exists_only_in_leap_years() {
        check("(17)280229", expiry(2028, 2, 29));
        check(
            "(17)270229",
            Err(BarcodeError::InvalidDate {
                ai: "17".to_owned(),
                value: "270229".to_owned(),
            }),
        );
    }

    #[test]
    fn century_window_runs_from_49_years_back_to_50_ahead() {
        check("(17)750101", expiry(2075, 1, 1));
        check("(17)760101", expiry(1976, 1, 1));
        assert_eq!(parse_yymmdd("100101", 2060), Some(date(2110, 1, 1)));
        assert_eq!(parse_yymmdd("110101", 2060), Some(date(2011, 1, 1)));
        assert_eq!(parse_yymmdd("990101", 2000), Some(date(1999, 1, 1)));
        assert_eq!(parse_yymmdd("500101", 2000), Some(date(2050, 1, 1)));
        assert_eq!(parse_yymmdd("510101", 2000), Some(date(1951, 1, 1)));
    }

    #[test]
    fn yymmdd_outside_the_calendar_range_is_not_a_date() {
        assert_eq!(parse_yymmdd("990101", i16::MAX), None);
        assert_eq!(parse_yymmdd("26013", YEAR), None);
        assert_eq!(parse_yymmdd("26013a", YEAR), None);
    }

    #[test]
    fn net_weight_kg_3103_001250_is_1250_g() {
        check("(3103)001250", weight(1250));
        check("3103001250", weight(1250));
    }

    #[test]
    fn net_weight_kg_scales_by_its_decimals() {
        check("(3100)000002", weight(2000));
        check("(3101)000015", weight(1500));
        check("(3102)000125", weight(1250));
    }

    #[test]
    fn net_weight_kg_below_a_gram_rounds_half_up() {
        check("(3105)001250", weight(13)); // 12.5 g
        check("(3105)001249", weight(12)); // 12.49 g
        check("(3104)000125", weight(13)); // 12.5 g
        check("(3105)000004", weight(0)); // 0.04 g
    }

    #[test]
    fn net_weight_lb_is_converted_to_grams() {
        check("(3202)000100", weight(454)); // 1.00 lb = 453.59237 g
        check("(3200)000001", weight(454));
        check("(3202)000050", weight(227)); // 0.50 lb = 226.796185 g
        check("(3203)001000", weight(454));
        check("(3205)000001", weight(0));
    }

    #[test]
    fn net_weight_lb_exact_half_gram_rounds_up() {
        // 50 000 lb = 22 679 618.5 g exactly.
        check("(3200)050000", weight(22_679_619));
    }

    #[test]
    fn same_net_weight_in_two_precisions_is_not_a_conflict() {
        check("(3103)001250(3102)000125", weight(1250));
    }

    #[test]
    fn repeated_ai_with_the_same_value_is_accepted() {
        check(
            "(01)06901234567892(01)06901234567892",
            Ok(Gs1Data {
                gtin: gtin14(),
                ..Gs1Data::default()
            }),
        );
    }

    #[test]
    fn repeated_ai_with_a_different_value_is_refused() {
        check(
            "(10)A(10)B",
            Err(BarcodeError::DuplicateAi {
                ai: "10".to_owned(),
                first: "(10)A".to_owned(),
                second: "(10)B".to_owned(),
            }),
        );
        check(
            "(3103)001250(3202)000100",
            Err(BarcodeError::DuplicateAi {
                ai: "3202".to_owned(),
                first: "(3103)001250".to_owned(),
                second: "(3202)000100".to_owned(),
            }),
        );
    }

    #[test]
    fn unknown_ai_is_named_with_its_position() {
        check(
            "(99)ABC",
            Err(BarcodeError::UnknownAi {
                ai: "99".to_owned(),
                at: 1,
            }),
        );
        check(
            "010690123456789299ABC",
            Err(BarcodeError::UnknownAi {
                ai: "99".to_owned(),
                at: 16,
            }),
        );
        check(
            "(00)069012345678900005",
            Err(BarcodeError::UnknownAi {
                ai: "00".to_owned(),
                at: 1,
            }),
        );
    }

    #[test]
    fn weight_ai_with_more_than_five_decimals_is_unknown() {
        check(
            "3106001250",
            Err(BarcodeError::UnknownAi {
                ai: "3106".to_owned(),
                at: 0,
            }),
        );
        check(
            "3113001250",
            Err(BarcodeError::UnknownAi {
                ai: "3113".to_owned(),
                at: 0,
            }),
        );
    }

    #[test]
    fn truncated_fixed_field_is_refused() {
        check(
            "(17)2601",
            Err(BarcodeError::TruncatedField {
                ai: "17".to_owned(),
                at: 4,
                expected: 6,
                found: 4,
            }),
        );
        check(
            "01069012345678",
            Err(BarcodeError::TruncatedField {
                ai: "01".to_owned(),
                at: 2,
                expected: 14,
                found: 12,
            }),
        );
        check(
            &format!("1726{GS}10AB"),
            Err(BarcodeError::TruncatedField {
                ai: "17".to_owned(),
                at: 2,
                expected: 6,
                found: 2,
            }),
        );
    }

    #[test]
    fn too_long_fields_are_refused() {
        let lot = "L".repeat(21);
        check(
            &format!("(10){lot}"),
            Err(BarcodeError::FieldTooLong {
                ai: "10".to_owned(),
                at: 4,
                max: 20,
                found: 21,
            }),
        );
        check(
            &format!("21{lot}"),
            Err(BarcodeError::FieldTooLong {
                ai: "21".to_owned(),
                at: 2,
                max: 20,
                found: 21,
            }),
        );
        check(
            "(17)2601310",
            Err(BarcodeError::FieldTooLong {
                ai: "17".to_owned(),
                at: 4,
                max: 6,
                found: 7,
            }),
        );
    }

    #[test]
    fn twenty_character_lot_is_the_longest_accepted() {
        let lot = "L".repeat(20);
        check(
            &format!("10{lot}"),
            Ok(Gs1Data {
                lot: Some(lot.clone()),
                ..Gs1Data::default()
            }),
        );
    }

    #[test]
    fn empty_variable_field_is_refused() {
        check(
            "(10)(17)260131",
            Err(BarcodeError::EmptyField {
                ai: "10".to_owned(),
                at: 4,
            }),
        );
        check(
            &format!("10{GS}17260131"),
            Err(BarcodeError::EmptyField {
                ai: "10".to_owned(),
                at: 2,
            }),
        );
    }

    #[test]
    fn invalid_dates_are_refused() {
        for value in ["261301", "260132", "260230", "260015", "260431"] {
            check(
                &format!("(17){value}"),
                Err(BarcodeError::InvalidDate {
                    ai: "17".to_owned(),
                    value: value.to_owned(),
                }),
            );
        }
        check(
            "11251301",
            Err(BarcodeError::InvalidDate {
                ai: "11".to_owned(),
                value: "251301".to_owned(),
            }),
        );
    }

    #[test]
    fn gtin_with_bad_check_digit_is_refused() {
        check(
            "(01)06901234567891",
            Err(BarcodeError::BadCheckDigit { expected: 2, found: 1 }),
        );
    }

    #[test]
    fn non_digit_in_numeric_field_is_refused() {
        check(
            "(17)26O131",
            Err(BarcodeError::NonDigitInField {
                ai: "17".to_owned(),
                at: 6,
                found: 'O',
            }),
        );
        check(
            "0106901234567B92",
            Err(BarcodeError::NonDigitInField {
                ai: "01".to_owned(),
                at: 13,
                found: 'B',
            }),
        );
        check(
            "(3103)0012x0",
            Err(BarcodeError::NonDigitInField {
                ai: "3103".to_owned(),
                at: 10,
                found: 'x',
            }),
        );
    }

    #[test]
    fn characters_outside_set_82_are_refused_in_lot_and_serial() {
        for (input, ai, at, found) in [
            ("(10)LOT#1", "10", 7, '#'),
            ("(10)LOT 1", "10", 7, ' '),
            ("(10)批次1", "10", 4, '批'),
            ("(21)A~B", "21", 5, '~'),
            ("10a@b", "10", 3, '@'),
        ] {
            check(
                input,
                Err(BarcodeError::BadCharacter {
                    ai: ai.to_owned(),
                    at,
                    found,
                }),
            );
        }
    }

    #[test]
    fn set_82_has_82_characters() {
        assert_eq!((' '..='~').filter(|c| is_cset82(*c)).count(), 82);
        assert!(!is_cset82(GS));
    }

    #[test]
    fn empty_input_is_refused() {
        check("", Err(BarcodeError::Empty));
        check("  \n", Err(BarcodeError::Empty));
        check("]C1", Err(BarcodeError::Empty));
        check(&format!("]d2{GS}"), Err(BarcodeError::Empty));
    }

    #[test]
    fn unclosed_bracket_or_text_between_elements_is_malformed() {
        check("(01", Err(BarcodeError::MalformedBrackets { at: 0 }));
        check(&format!("(10)A{GS}XYZ"), Err(BarcodeError::MalformedBrackets { at: 6 }));
    }

    #[test]
    fn overlong_input_is_refused() {
        check(
            &format!("(10){}", "A".repeat(CODE_LEN_MAX)),
            Err(BarcodeError::TooLong {
                len: CODE_LEN_MAX + 4,
                max: CODE_LEN_MAX,
            }),
        );
    }

    const CSET82: &str = r#"[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}"#;
    const CSET82_WITHOUT_OPEN_BRACKET: &str = r#"[!"%&')*+,\-./0-9:;<=>?A-Z_a-z]{1,20}"#;

    fn label_date() -> impl Strategy<Value = Date> {
        (-49i16..=50, 1i8..=12, 1i8..=28).prop_map(|(offset, m, d)| date(YEAR + offset, m, d))
    }

    fn yymmdd(d: Date) -> String {
        format!("{:02}{:02}{:02}", d.year().rem_euclid(100), d.month(), d.day())
    }

    fn any_gtin14() -> impl Strategy<Value = Gtin> {
        "[0-9]{13}".prop_map(|body| {
            let check = crate::barcode::check_digit(&body).expect("digits");
            Gtin::parse(&format!("{body}{check}")).expect("built GTIN is valid")
        })
    }

    proptest! {
        #[test]
        fn transmitted_strings_with_random_lots_round_trip(
            gtin in any_gtin14(),
            lot in CSET82,
            serial in CSET82,
            expiry in label_date(),
        ) {
            let input = format!(
                "]d201{gtin}10{lot}{GS}17{}21{serial}",
                yymmdd(expiry)
            );
            let data = parse_gs1(&input, YEAR).expect("generated string is valid");
            prop_assert_eq!(data, Gs1Data {
                gtin: Some(gtin),
                lot: Some(lot),
                serial: Some(serial),
                expiry: Some(expiry),
                ..Gs1Data::default()
            });
        }

        #[test]
        fn bracketed_strings_with_random_lots_round_trip(
            gtin in any_gtin14(),
            lot in CSET82_WITHOUT_OPEN_BRACKET,
            best_before in label_date(),
        ) {
            let input = format!("(01){gtin}(10){lot}(15){}", yymmdd(best_before));
            let data = parse_gs1(&input, YEAR).expect("generated string is valid");
            prop_assert_eq!(data, Gs1Data {
                gtin: Some(gtin),
                lot: Some(lot),
                best_before: Some(best_before),
                ..Gs1Data::default()
            });
        }

        #[test]
        fn kg_weight_is_rounded_to_the_nearest_gram_halves_up(
            value in 0i64..1_000_000,
            decimals in 0u8..=5,
        ) {
            let grams = kg_to_g(value, decimals);
            let scale = 10i64.pow(u32::from(decimals));
            // grams − ½ ≤ exact < grams + ½, with exact = value·1000/scale.
            prop_assert!((2 * grams - 1) * scale <= 2 * value * 1000);
            prop_assert!(2 * value * 1000 < (2 * grams + 1) * scale);
        }

        #[test]
        fn lb_weight_is_rounded_to_the_nearest_gram_halves_up(
            value in 0i64..1_000_000,
            decimals in 0u8..=5,
        ) {
            let grams = i128::from(lb_to_g(value, decimals));
            let scale = 10i128.pow(u32::from(decimals)) * 100_000;
            let exact_scaled = 2 * i128::from(value) * 45_359_237;
            prop_assert!((2 * grams - 1) * scale <= exact_scaled);
            prop_assert!(exact_scaled < (2 * grams + 1) * scale);
        }
    }
}
