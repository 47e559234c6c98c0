//! Instants and the store's wall clock.
//!
//! Instants are stored as unix milliseconds (`i64`) so both databases hold them in a
//! BIGINT; business rules that speak of "today", "10:00 cut-off" or "end of the
//! expiry day" are evaluated in Asia/Shanghai. The current instant is always passed
//! in: nothing in `domain` reads a clock.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

pub const MS_PER_HOUR: i64 = 3_600_000;
pub const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

/// The time zone every store of this product runs in.
pub fn shanghai() -> TimeZone {
    TimeZone::get("Asia/Shanghai").expect("the bundled tz database has Asia/Shanghai")
}

pub fn zoned(at_ms: i64) -> Zoned {
    Timestamp::from_millisecond(at_ms)
        .expect("instants come from the clock or the database and are in range")
        .to_zoned(shanghai())
}

/// The Shanghai calendar date of an instant.
pub fn local_date(at_ms: i64) -> Date {
    zoned(at_ms).date()
}

/// The instant of a wall-clock time on a date in Shanghai.
pub fn at_local(date: Date, time: Time) -> i64 {
    date.to_datetime(time)
        .to_zoned(shanghai())
        .expect("Shanghai has no DST gaps")
        .timestamp()
        .as_millisecond()
}

/// A product labelled "best before 2026-01-31" may be sold until the end of that day:
/// the first instant of the next day in Shanghai.
pub fn end_of_local_day(date: Date) -> i64 {
    let next = date.tomorrow().expect("dates stay far inside jiff's range");
    at_local(next, Time::midnight())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn expiry_day_ends_at_shanghai_midnight() {
        let end = end_of_local_day(date(2026, 1, 31));
        // 2026-02-01T00:00+08:00 = 2026-01-31T16:00Z
        assert_eq!(end, Timestamp::from_second(1_769_875_200).unwrap().as_millisecond());
        assert_eq!(local_date(end - 1), date(2026, 1, 31));
        assert_eq!(local_date(end), date(2026, 2, 1));
    }
}
