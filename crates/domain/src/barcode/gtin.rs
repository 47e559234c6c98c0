//! GTINs (商品条码): EAN-13, EAN-8, UPC-A and GTIN-14, with the GS1 mod-10 check digit.
//!
//! A [`Gtin`] keeps the digits as scanned, so the till can show what the clerk saw,
//! but one product can be scanned in several forms: a UPC-A `036000291452` is the
//! EAN-13 `0036000291452`, and a GS1-128 label carries either as the GTIN-14
//! `00036000291452`. The **normal form** is therefore the 14-digit GTIN-14, left-padded
//! with zeros ([`Gtin::normalized`]); products are stored and looked up under it
//! ([`Gtin::lookup_keys`] also lists the shorter equivalents for data imported from
//! systems that kept them). Derived equality compares the scanned form; compare
//! [`Gtin::normalized`] to ask "same product?".

use std::fmt;
use std::str::FromStr;

use super::{BarcodeError, first_non_digit};

/// Length of the normal form ([`Gtin::normalized`]).
pub const GTIN14_LEN: usize = 14;

/// Which symbol family a GTIN was scanned as, decided by its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GtinKind {
    /// 13 digits, the usual retail code in China (GTIN-13).
    Ean13,
    /// 8 digits, for small packs (GTIN-8).
    Ean8,
    /// 12 digits, North American retail code (GTIN-12).
    UpcA,
    /// 14 digits, from cases and GS1 AI (01).
    Gtin14,
}

impl GtinKind {
    /// Number of digits, check digit included.
    pub fn digits(self) -> usize {
        match self {
            Self::Ean8 => 8,
            Self::UpcA => 12,
            Self::Ean13 => 13,
            Self::Gtin14 => 14,
        }
    }

    fn from_len(len: usize) -> Option<Self> {
        match len {
            8 => Some(Self::Ean8),
            12 => Some(Self::UpcA),
            13 => Some(Self::Ean13),
            14 => Some(Self::Gtin14),
            _ => None,
        }
    }
}

/// A GTIN whose length and check digit have been verified; holds the scanned digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin(String);

impl Gtin {
    /// Parses 8, 12, 13 or 14 digits (surrounding whitespace ignored) and verifies
    /// the check digit.
    pub fn parse(code: &str) -> Result<Gtin, BarcodeError> {
        let code = code.trim();
        if code.is_empty() {
            return Err(BarcodeError::Empty);
        }
        if let Some((at, found)) = first_non_digit(code) {
            return Err(BarcodeError::NonDigit { at, found });
        }
        let digits = code.as_bytes();
        if GtinKind::from_len(digits.len()).is_none() {
            return Err(BarcodeError::BadGtinLength { len: digits.len() });
        }
        let (body, check) = digits.split_at(digits.len() - 1);
        let expected = check_digit_of(body);
        let found = check[0] - b'0';
        if expected != found {
            return Err(BarcodeError::BadCheckDigit { expected, found });
        }
        Ok(Gtin(code.to_owned()))
    }

    /// The digits as scanned.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The symbol family, from the scanned length.
    pub fn kind(&self) -> GtinKind {
        GtinKind::from_len(self.0.len()).expect("Gtin::parse admits only 8, 12, 13 or 14 digits")
    }

    /// The normal form: 14 digits, left-padded with zeros. Zero padding keeps the
    /// check digit valid because the weights are counted from the right.
    pub fn normalized(&self) -> String {
        format!("{:0>width$}", self.0, width = GTIN14_LEN)
    }

    /// The same GTIN in its 14-digit form, e.g. UPC-A `036000291452` becomes
    /// `00036000291452`.
    pub fn to_gtin14(&self) -> Gtin {
        Gtin(self.normalized())
    }

    /// Every form under which this product may have been stored, normal form first,
    /// then the 13-, 12- and 8-digit forms that pad to the same GTIN-14 (dropping
    /// only leading zeros). The scanned form is always among them.
    pub fn lookup_keys(&self) -> Vec<String> {
        let gtin14 = self.normalized();
        let mut keys = vec![gtin14.clone()];
        for len in [13, 12, 8] {
            let (padding, short) = gtin14.split_at(GTIN14_LEN - len);
            if padding.bytes().all(|b| b == b'0') {
                keys.push(short.to_owned());
            }
        }
        keys
    }

    /// True when the GS1 prefix is 690–699, the range GS1 China (中国物品编码中心)
    /// allocates. The prefix is the first three digits of an EAN-13 or EAN-8, and of
    /// the GTIN-13 inside a GTIN-14 (after the indicator digit), so an EAN-13 and its
    /// GTIN-14 form agree. A UPC-A is never Chinese (its GTIN-13 form starts with 0).
    pub fn is_china(&self) -> bool {
        let prefix = match self.kind() {
            GtinKind::Ean13 | GtinKind::Ean8 => &self.0[..3],
            GtinKind::Gtin14 if self.0.starts_with("000000") => &self.0[6..9],
            GtinKind::Gtin14 => &self.0[1..4],
            GtinKind::UpcA => return false,
        };
        ("690"..="699").contains(&prefix)
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Gtin {
    type Err = BarcodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Gtin::parse(s)
    }
}

/// The GS1 mod-10 check digit for `body` (all digits but the check digit), or
/// `None` when `body` is empty or not all ASCII digits. Works for any GS1 key length.
pub fn check_digit(body: &str) -> Option<u8> {
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(check_digit_of(body.as_bytes()))
}

/// Builds a valid EAN-13 from its first 12 digits by appending the check digit.
pub fn ean13_with_check(body12: &str) -> Result<Gtin, BarcodeError> {
    if let Some((at, found)) = first_non_digit(body12) {
        return Err(BarcodeError::NonDigit { at, found });
    }
    if body12.len() != 12 {
        return Err(BarcodeError::BadBodyLength {
            expected: 12,
            found: body12.len(),
        });
    }
    let check = check_digit_of(body12.as_bytes());
    Ok(Gtin(format!("{body12}{check}")))
}

/// Mod-10 over ASCII digits: weights 3, 1, 3, ... from the rightmost body digit.
pub(super) fn check_digit_of(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    // `sum % 10` is below 10, so the result fits a u8.
    ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(code: &str, expected: Result<GtinKind, BarcodeError>) {
        assert_eq!(Gtin::parse(code).map(|g| g.kind()), expected, "code {code:?}");
    }

    fn gtin(code: &str) -> Gtin {
        Gtin::parse(code).expect("test GTIN is valid")
    }

    #[test]
    fn real_ean13_codes_parse() {
        check("6901028075831", Ok(GtinKind::Ean13));
        check("4006381333931", Ok(GtinKind::Ean13));
    }

    #[test]
    fn real_upca_code_parses_and_keeps_twelve_digits() {
        check("036000291452", Ok(GtinKind::UpcA));
        assert_eq!(gtin("036000291452").as_str(), "036000291452");
    }

    #[test]
    fn real_ean8_code_parses() {
        check("96385074", Ok(GtinKind::Ean8));
    }

    #[test]
    fn gtin14_parses() {
        check("06901028075831", Ok(GtinKind::Gtin14));
        check("16901028075838", Ok(GtinKind::Gtin14));
    }

    #[test]
    fn wrong_check_digit_is_refused_for_every_length() {
        let bad = |expected, found| Err(BarcodeError::BadCheckDigit { expected, found });
        check("6901028075832", bad(1, 2));
        check("4006381333930", bad(1, 0));
        check("036000291453", bad(2, 3));
        check("96385070", bad(4, 0));
        check("06901028075830", bad(1, 0));
    }

    #[test]
    fn wrong_lengths_are_refused() {
        check("1234567", Err(BarcodeError::BadGtinLength { len: 7 }));
        check("12345678901", Err(BarcodeError::BadGtinLength { len: 11 }));
        check("123456789012345", Err(BarcodeError::BadGtinLength { len: 15 }));
    }

    #[test]
    fn non_digits_and_empty_input_are_refused() {
        check("690102807583X", Err(BarcodeError::NonDigit { at: 12, found: 'X' }));
        check("6901028 075831", Err(BarcodeError::NonDigit { at: 7, found: ' ' }));
        check("６901028075831", Err(BarcodeError::NonDigit { at: 0, found: '６' }));
        check("", Err(BarcodeError::Empty));
    }

    #[test]
    fn whitespace_around_the_code_is_ignored() {
        assert_eq!(gtin(" 96385074\n").as_str(), "96385074");
    }

    #[test]
    fn normal_form_is_fourteen_digits_left_padded() {
        assert_eq!(gtin("6901234567892").normalized(), "06901234567892");
        assert_eq!(gtin("036000291452").normalized(), "00036000291452");
        assert_eq!(gtin("96385074").normalized(), "00000096385074");
        assert_eq!(gtin("16901028075838").normalized(), "16901028075838");
    }

    #[test]
    fn ean13_and_ai01_form_share_the_normal_form() {
        assert_eq!(gtin("6901234567892").normalized(), gtin("06901234567892").normalized());
    }

    #[test]
    fn upca_converts_to_gtin14() {
        let g14 = gtin("036000291452").to_gtin14();
        assert_eq!(g14.as_str(), "00036000291452");
        assert_eq!(g14.kind(), GtinKind::Gtin14);
    }

    #[test]
    fn lookup_keys_list_every_equivalent_form_normal_form_first() {
        assert_eq!(
            gtin("036000291452").lookup_keys(),
            ["00036000291452", "0036000291452", "036000291452"]
        );
        assert_eq!(gtin("0036000291452").lookup_keys(), gtin("036000291452").lookup_keys());
        assert_eq!(gtin("6901028075831").lookup_keys(), ["06901028075831", "6901028075831"]);
        assert_eq!(
            gtin("96385074").lookup_keys(),
            ["00000096385074", "0000096385074", "000096385074", "96385074"]
        );
        assert_eq!(gtin("16901028075838").lookup_keys(), ["16901028075838"]);
    }

    #[test]
    fn china_prefix_is_690_to_699() {
        assert!(gtin("6901028075831").is_china());
        assert!(ean13_with_check("699000000000").expect("12 digits").is_china());
        assert!(!ean13_with_check("689999999999").expect("12 digits").is_china());
        assert!(!ean13_with_check("700000000000").expect("12 digits").is_china());
        assert!(!gtin("4006381333931").is_china());
        assert!(!gtin("036000291452").is_china());
    }

    #[test]
    fn china_prefix_is_seen_through_the_gtin14_indicator() {
        assert!(gtin("06901028075831").is_china());
        assert!(gtin("16901028075838").is_china());
        assert!(!gtin("00036000291452").is_china());
    }

    #[test]
    fn check_digit_is_computed_for_any_body() {
        assert_eq!(check_digit("690102807583"), Some(1));
        assert_eq!(check_digit("03600029145"), Some(2));
        assert_eq!(check_digit("9638507"), Some(4));
        assert_eq!(check_digit(""), None);
        assert_eq!(check_digit("12a"), None);
    }

    #[test]
    fn ean13_with_check_appends_the_check_digit() {
        assert_eq!(
            ean13_with_check("690102807583").map(|g| g.to_string()),
            Ok("6901028075831".to_owned())
        );
        assert_eq!(
            ean13_with_check("69010280758"),
            Err(BarcodeError::BadBodyLength {
                expected: 12,
                found: 11
            })
        );
        assert_eq!(
            ean13_with_check("69010280758a"),
            Err(BarcodeError::NonDigit { at: 11, found: 'a' })
        );
    }

    #[test]
    fn from_str_is_parse() {
        assert_eq!("96385074".parse::<Gtin>(), Gtin::parse("96385074"));
    }

    proptest! {
        #[test]
        fn any_twelve_digits_with_check_parse_as_ean13(body in "[0-9]{12}") {
            let built = ean13_with_check(&body).expect("12 digits");
            let parsed = Gtin::parse(built.as_str()).expect("built code is valid");
            prop_assert_eq!(parsed.kind(), GtinKind::Ean13);
            prop_assert_eq!(parsed.kind().digits(), 13);
            prop_assert_eq!(&parsed.as_str()[..12], body.as_str());
        }

        #[test]
        fn changing_one_digit_of_a_valid_code_is_refused(
            body in "[0-9]{12}",
            position in 0usize..13,
            delta in 1u8..10,
        ) {
            let valid = ean13_with_check(&body).expect("12 digits").to_string();
            let mut digits = valid.into_bytes();
            digits[position] = b'0' + (digits[position] - b'0' + delta) % 10;
            let changed = String::from_utf8(digits).expect("ASCII digits");
            prop_assert!(
                matches!(Gtin::parse(&changed), Err(BarcodeError::BadCheckDigit { .. })),
                "{changed} was accepted"
            );
        }

        #[test]
        fn padding_keeps_a_valid_code_valid(body in "[0-9]{7}") {
            let check = check_digit(&body).expect("digits");
            let ean8 = gtin(&format!("{body}{check}"));
            let g14 = Gtin::parse(&ean8.normalized()).expect("padded code is valid");
            prop_assert_eq!(g14.normalized(), ean8.normalized());
            prop_assert!(ean8.lookup_keys().contains(&ean8.as_str().to_owned()));
        }
    }
}
