//! Residents' mobile numbers: parsed once, masked wherever they are shown.
//!
//! A member account is keyed by a mainland mobile number. Lists, exports and logs
//! show `138****5678`; only the member themselves and the order they placed see
//! the full number.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{masked}' is not a mainland mobile number (11 digits starting with 13–19)")]
pub struct PhoneError {
    masked: String,
}

impl PhoneError {
    pub fn message_zh(&self) -> String {
        format!("“{}”不是有效的手机号（以 13–19 开头的 11 位数字）", self.masked)
    }
}

impl PhoneNumber {
    /// Accepts "13812345678", "138 1234 5678", "+86 138-1234-5678".
    pub fn parse(input: &str) -> Result<PhoneNumber, PhoneError> {
        let digits: String = input
            .trim()
            .trim_start_matches("+86")
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let ok = digits.len() == 11
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits.starts_with('1')
            && matches!(digits.as_bytes()[1], b'3'..=b'9');
        if ok {
            Ok(PhoneNumber(digits))
        } else {
            Err(PhoneError {
                masked: mask_any(input),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`
    pub fn masked(&self) -> String {
        mask_any(&self.0)
    }
}

/// Masks the middle of anything phone-like, so even a refused input is not logged whole.
pub fn mask_any(input: &str) -> String {
    let chars: Vec<char> = input.trim().chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    if chars.len() < 8 {
        let keep: String = chars[..2].iter().collect();
        return format!("{keep}{}", "*".repeat(chars.len() - 2));
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// Debug never prints the full number (it ends up in logs).
impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Option<&str>) {
        assert_eq!(
            PhoneNumber::parse(input).ok().map(|p| p.0),
            expected.map(String::from),
            "{input}"
        );
    }

    #[test]
    fn mainland_mobiles_parse_in_common_spellings() {
        check("13812345678", Some("13812345678"));
        check("+86 138-1234-5678", Some("13812345678"));
        check("199 0000 1111", Some("19900001111"));
        check("12812345678", None);
        check("1381234567", None);
        check("1381234567a", None);
    }

    #[test]
    fn masked_phone_hides_the_middle_four() {
        let p = PhoneNumber::parse("13812345678").unwrap();
        assert_eq!(p.masked(), "138****5678");
        assert_eq!(format!("{p:?}"), "PhoneNumber(138****5678)");
    }

    #[test]
    fn refused_input_is_masked_in_the_error() {
        let e = PhoneNumber::parse("1381234567").unwrap_err();
        assert!(!e.to_string().contains("1381234567"));
    }
}
