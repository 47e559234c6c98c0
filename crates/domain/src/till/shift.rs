//! The shift close (交班): what the drawer should hold, what was counted, and the
//! difference (短款 short, 长款 over), so a cashier hands over a number rather than a
//! feeling. Counting is by denomination because that is how the drawer is counted.

/// The most denomination lines one count may have; a count form has eight.
pub const DENOMINATION_LINES_MAX: usize = 64;

/// The notes and coins a drawer holds. ¥0.5 and ¥0.1 exist as both notes and coins and
/// are counted together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Denomination {
    Yuan100,
    Yuan50,
    Yuan20,
    Yuan10,
    Yuan5,
    Yuan1,
    Jiao5,
    Jiao1,
}

impl Denomination {
    pub const ALL: [Denomination; 8] = [
        Denomination::Yuan100,
        Denomination::Yuan50,
        Denomination::Yuan20,
        Denomination::Yuan10,
        Denomination::Yuan5,
        Denomination::Yuan1,
        Denomination::Jiao5,
        Denomination::Jiao1,
    ];

    pub fn fen(self) -> i64 {
        match self {
            Denomination::Yuan100 => 10_000,
            Denomination::Yuan50 => 5_000,
            Denomination::Yuan20 => 2_000,
            Denomination::Yuan10 => 1_000,
            Denomination::Yuan5 => 500,
            Denomination::Yuan1 => 100,
            Denomination::Jiao5 => 50,
            Denomination::Jiao1 => 10,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Denomination::Yuan100 => "yuan_100",
            Denomination::Yuan50 => "yuan_50",
            Denomination::Yuan20 => "yuan_20",
            Denomination::Yuan10 => "yuan_10",
            Denomination::Yuan5 => "yuan_5",
            Denomination::Yuan1 => "yuan_1",
            Denomination::Jiao5 => "jiao_5",
            Denomination::Jiao1 => "jiao_1",
        }
    }

    pub fn from_code(code: &str) -> Option<Denomination> {
        Denomination::ALL.into_iter().find(|d| d.code() == code)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Denomination::Yuan100 => "100元",
            Denomination::Yuan50 => "50元",
            Denomination::Yuan20 => "20元",
            Denomination::Yuan10 => "10元",
            Denomination::Yuan5 => "5元",
            Denomination::Yuan1 => "1元",
            Denomination::Jiao5 => "5角",
            Denomination::Jiao1 => "1角",
        }
    }
}

/// The drawer's total in fen from a count of pieces per denomination.
///
/// # Panics
/// With more than [`DENOMINATION_LINES_MAX`] lines, which no count form produces; the
/// limit also keeps the sum far from `i64` overflow.
pub fn count_cash(counts: &[(Denomination, u32)]) -> i64 {
    assert!(
        counts.len() <= DENOMINATION_LINES_MAX,
        "a cash count has at most {DENOMINATION_LINES_MAX} lines"
    );
    counts.iter().map(|&(d, n)| d.fen() * i64::from(n)).sum()
}

/// Whether the drawer balanced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarianceStatus {
    Balanced,
    Short,
    Over,
}

impl VarianceStatus {
    pub fn code(self) -> &'static str {
        match self {
            VarianceStatus::Balanced => "balanced",
            VarianceStatus::Short => "short",
            VarianceStatus::Over => "over",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            VarianceStatus::Balanced => "平账",
            VarianceStatus::Short => "短款",
            VarianceStatus::Over => "长款",
        }
    }
}

/// The drawer at the shift close. `variance_fen = counted_fen - expected_fen`: negative
/// is short (短款), positive is over (长款).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShiftVariance {
    pub expected_fen: i64,
    pub counted_fen: i64,
    pub variance_fen: i64,
}

impl ShiftVariance {
    pub fn status(&self) -> VarianceStatus {
        match self.variance_fen {
            0 => VarianceStatus::Balanced,
            v if v < 0 => VarianceStatus::Short,
            _ => VarianceStatus::Over,
        }
    }
}

/// What the drawer should hold: the opening float (备用金), plus cash kept from sales
/// (tendered less change, see [`super::Settlement::cash_kept_fen`]), less cash refunds
/// and payouts (支出, e.g. paying a delivery man), compared with what was counted.
pub fn shift_variance(
    opening_float_fen: i64,
    cash_sales_fen: i64,
    cash_refunds_fen: i64,
    payouts_fen: i64,
    counted_fen: i64,
) -> ShiftVariance {
    let expected_fen = opening_float_fen + cash_sales_fen - cash_refunds_fen - payouts_fen;
    ShiftVariance {
        expected_fen,
        counted_fen,
        variance_fen: counted_fen - expected_fen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(counts: &[(Denomination, u32)], expected_fen: i64) {
        assert_eq!(count_cash(counts), expected_fen, "{counts:?}");
    }

    #[test]
    fn a_counted_drawer_sums_notes_and_coins() {
        check(&[], 0);
        check(&[(Denomination::Yuan100, 3), (Denomination::Yuan50, 1)], 35_000);
        check(
            &[
                (Denomination::Yuan20, 2),
                (Denomination::Yuan10, 4),
                (Denomination::Yuan5, 1),
                (Denomination::Yuan1, 7),
                (Denomination::Jiao5, 3),
                (Denomination::Jiao1, 6),
            ],
            4_000 + 4_000 + 500 + 700 + 150 + 60,
        );
        // 5角 notes and 5角 coins counted on two lines add up.
        check(&[(Denomination::Jiao5, 2), (Denomination::Jiao5, 1)], 150);
    }

    #[test]
    fn denomination_codes_round_trip() {
        for d in Denomination::ALL {
            assert_eq!(Denomination::from_code(d.code()), Some(d));
        }
    }

    #[test]
    fn shift_short_by_two_yuan_shows_a_negative_variance() {
        // 备用金 ¥500, cash sales ¥1,286.40, a ¥30 refund, ¥50 paid to the egg supplier.
        let counted = count_cash(&[
            (Denomination::Yuan100, 15),
            (Denomination::Yuan50, 3),
            (Denomination::Yuan20, 2),
            (Denomination::Yuan10, 1),
            (Denomination::Yuan1, 4),
            (Denomination::Jiao1, 4),
        ]);
        let v = shift_variance(50_000, 128_640, 3_000, 5_000, counted);
        assert_eq!(v.expected_fen, 170_640);
        assert_eq!(v.counted_fen, 170_440);
        assert_eq!(v.variance_fen, -200);
        assert_eq!(v.status(), VarianceStatus::Short);
    }

    #[test]
    fn a_drawer_that_matches_is_balanced_and_extra_cash_is_over() {
        assert_eq!(
            shift_variance(50_000, 10_000, 0, 0, 60_000).status(),
            VarianceStatus::Balanced
        );
        let over = shift_variance(50_000, 10_000, 0, 0, 60_050);
        assert_eq!((over.variance_fen, over.status()), (50, VarianceStatus::Over));
    }
}
