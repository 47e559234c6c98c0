//! The birthday week (生日周): a member's birthday gift may be claimed during the seven
//! days from the Monday of the week that contains the birthday, once a year.
//!
//! A week can straddle New Year (a 31 December birthday's week may end in January), so a
//! date belongs to the birthday week of last year, this year or next year; the gift
//! belongs to the year of the birthday, not of the day it is claimed. A 29 February
//! birthday is kept on 28 February in other years.

use jiff::ToSpan;
use jiff::civil::Date;

/// The date a birthday falls on in `year`.
pub fn birthday_in_year(birthday: Date, year: i16) -> Date {
    Date::new(year, birthday.month(), birthday.day())
        .or_else(|_| Date::new(year, 2, 28))
        .expect("only 29 February is missing in some years, and 28 February exists in every year")
}

/// Monday and Sunday of the week containing the birthday in `year`.
pub fn birthday_week(birthday: Date, year: i16) -> (Date, Date) {
    let day = birthday_in_year(birthday, year);
    let monday = day
        .checked_sub(i64::from(day.weekday().to_monday_zero_offset()).days())
        .expect("dates stay far inside jiff's range");
    let sunday = monday
        .checked_add(6.days())
        .expect("dates stay far inside jiff's range");
    (monday, sunday)
}

/// The year whose birthday week contains `today`, if any.
pub fn birthday_week_year(birthday: Date, today: Date) -> Option<i16> {
    let year = today.year();
    [year - 1, year, year + 1].into_iter().find(|&y| {
        let (monday, sunday) = birthday_week(birthday, y);
        monday <= today && today <= sunday
    })
}

pub fn in_birthday_week(birthday: Date, today: Date) -> bool {
    birthday_week_year(birthday, today).is_some()
}

/// Whether the gift for the birthday week containing `today` is still to be issued.
pub fn birthday_gift_due(birthday: Date, today: Date, last_issued_year: Option<i16>) -> bool {
    birthday_week_year(birthday, today).is_some_and(|y| last_issued_year.is_none_or(|last| last < y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn check_week(birthday: Date, today: Date, expected: Option<i16>) {
        assert_eq!(
            birthday_week_year(birthday, today),
            expected,
            "born {birthday}, today {today}"
        );
        assert_eq!(in_birthday_week(birthday, today), expected.is_some());
    }

    #[test]
    fn the_birthday_week_runs_monday_to_sunday() {
        // 2026-06-10 is a Wednesday: the week is 8–14 June.
        let born = date(1990, 6, 10);
        check_week(born, date(2026, 6, 7), None);
        check_week(born, date(2026, 6, 8), Some(2026));
        check_week(born, date(2026, 6, 14), Some(2026));
        check_week(born, date(2026, 6, 15), None);
    }

    #[test]
    fn a_new_years_eve_birthday_week_reaches_into_january() {
        // 2025-12-31 is a Wednesday: the week is 29 Dec 2025 – 4 Jan 2026.
        let born = date(1980, 12, 31);
        check_week(born, date(2025, 12, 29), Some(2025));
        check_week(born, date(2026, 1, 4), Some(2025));
        check_week(born, date(2026, 1, 5), None);
        // 2026-12-31 is a Thursday: the week is 28 Dec 2026 – 3 Jan 2027.
        check_week(born, date(2026, 12, 27), None);
        check_week(born, date(2026, 12, 28), Some(2026));
    }

    #[test]
    fn a_new_years_day_birthday_week_can_start_in_december() {
        // 2027-01-01 is a Friday: the week is 28 Dec 2026 – 3 Jan 2027.
        check_week(date(2000, 1, 1), date(2026, 12, 28), Some(2027));
    }

    #[test]
    fn a_leap_day_birthday_uses_28_february_in_other_years() {
        let born = date(2004, 2, 29);
        assert_eq!(birthday_in_year(born, 2027), date(2027, 2, 28));
        assert_eq!(birthday_in_year(born, 2028), date(2028, 2, 29));
        // 2027-02-28 is a Sunday: the week is 22–28 Feb.
        check_week(born, date(2027, 2, 22), Some(2027));
        check_week(born, date(2027, 2, 28), Some(2027));
        check_week(born, date(2027, 3, 1), None);
    }

    #[test]
    fn the_birthday_gift_is_issued_once_per_birthday_year() {
        let born = date(1980, 12, 31);
        assert!(birthday_gift_due(born, date(2025, 12, 30), None));
        assert!(birthday_gift_due(born, date(2025, 12, 30), Some(2024)));
        // Claimed on 2 January 2026, the gift belongs to 2025 ...
        assert!(!birthday_gift_due(born, date(2026, 1, 2), Some(2025)));
        // ... and the 2026 gift is due again in late December.
        assert!(birthday_gift_due(born, date(2026, 12, 29), Some(2025)));
        assert!(!birthday_gift_due(born, date(2026, 6, 1), None));
    }
}
