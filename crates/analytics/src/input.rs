//! Errors in input text, located by line and column (both 1-based; the column counts
//! characters, not bytes), so that a person can find and fix the bad cell.

use std::fmt;

/// Input that cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InputError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl InputError {
    pub fn at(line: usize, column: usize, message: impl Into<String>) -> InputError {
        InputError {
            line,
            column,
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

/// The lines of `bytes` as text with their 1-based numbers, without their line endings
/// (`\n` or `\r\n`). A final line ending does not start another line. A line that is not
/// UTF-8 is an error naming the column of the first bad byte.
pub fn lines(bytes: &[u8]) -> impl Iterator<Item = Result<(usize, &str), InputError>> {
    // Excel's "CSV UTF-8" starts the file with a byte-order mark.
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let empty = bytes.is_empty();
    body.split(|b| *b == b'\n')
        .enumerate()
        .filter(move |_| !empty)
        .map(|(i, raw)| {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            match std::str::from_utf8(raw) {
                Ok(text) => Ok((i + 1, text)),
                Err(e) => {
                    let good = std::str::from_utf8(&raw[..e.valid_up_to()]).expect("valid up to here");
                    Err(InputError::at(i + 1, good.chars().count() + 1, "not UTF-8 text"))
                }
            }
        })
}

/// The comma-separated cells of a line (no quoting), each with its column, refusing a
/// line with another number of cells than `expected`.
pub fn cells(text: &str, line: usize, expected: usize) -> Result<Vec<(&str, usize)>, InputError> {
    let mut out = Vec::with_capacity(expected);
    let mut column = 1;
    for cell in text.split(',') {
        if out.len() == expected {
            return Err(InputError::at(
                line,
                column,
                format!("{} cells where {expected} were expected", text.split(',').count()),
            ));
        }
        out.push((cell, column));
        column += cell.chars().count() + 1;
    }
    if out.len() < expected {
        return Err(InputError::at(
            line,
            column - 1,
            format!("{} cells where {expected} were expected", out.len()),
        ));
    }
    Ok(out)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number from [`days_from_civil`] as `YYYY-MM-DD`.
pub fn format_date(days: i32) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i32::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// A `YYYY-MM-DD` date as days since 1970-01-01.
pub fn parse_date(text: &str) -> Result<i32, String> {
    let bad = || format!("not a date (YYYY-MM-DD): {text:?}");
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let number = |s: &str| s.parse::<u32>().ok().filter(|_| s.bytes().all(|c| c.is_ascii_digit()));
    let (Some(year), Some(month), Some(day)) = (number(&text[..4]), number(&text[5..7]), number(&text[8..])) else {
        return Err(bad());
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if !(1..=days_in_month).contains(&day) || !(1..=9999).contains(&year) {
        return Err(bad());
    }
    Ok(days_from_civil(year as i32, month, day))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(bytes: &[u8]) -> Vec<Result<(usize, String), InputError>> {
        lines(bytes).map(|r| r.map(|(n, s)| (n, s.to_string()))).collect()
    }

    #[test]
    fn lines_drop_their_endings_and_a_final_newline_starts_no_line() {
        assert_eq!(check(b""), vec![]);
        assert_eq!(check(b"a\r\nb \n"), vec![Ok((1, "a".into())), Ok((2, "b ".into()))]);
        assert_eq!(
            check(b"a\n\nb"),
            vec![Ok((1, "a".into())), Ok((2, "".into())), Ok((3, "b".into()))]
        );
    }

    #[test]
    fn dates_round_trip_and_bad_ones_are_refused() {
        assert_eq!(parse_date("1970-01-01"), Ok(0));
        assert_eq!(
            parse_date("1997-09-30").unwrap() - parse_date("1997-01-01").unwrap(),
            272
        );
        for d in ["2000-02-29", "1997-12-31", "2024-03-01", "0001-01-01", "9999-12-31"] {
            assert_eq!(format_date(parse_date(d).unwrap()), d);
        }
        for d in [
            "1997-02-29",
            "1900-02-29",
            "1997-13-01",
            "1997-00-10",
            "97-01-01",
            "1997/01/01",
            "1997-1-011",
            "+997-01-01",
        ] {
            assert!(parse_date(d).is_err(), "{d}");
        }
    }

    #[test]
    fn cells_are_counted_and_located() {
        assert_eq!(cells("a,,c", 1, 3), Ok(vec![("a", 1), ("", 3), ("c", 4)]));
        assert_eq!(
            cells("奶,b", 4, 3),
            Err(InputError::at(4, 4, "2 cells where 3 were expected"))
        );
        assert_eq!(
            cells("", 4, 2),
            Err(InputError::at(4, 1, "1 cells where 2 were expected"))
        );
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_line() {
        assert_eq!(
            check("\u{feff}series_id,date\n".as_bytes()),
            vec![Ok((1, "series_id,date".into()))]
        );
    }

    #[test]
    fn bad_utf8_names_its_line_and_column() {
        let got = check(
            "x\n奶,\u{0}"
                .as_bytes()
                .iter()
                .copied()
                .chain([0xff])
                .collect::<Vec<_>>()
                .as_slice(),
        );
        assert_eq!(got[1], Err(InputError::at(2, 4, "not UTF-8 text")));
    }
}
