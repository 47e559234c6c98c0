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
