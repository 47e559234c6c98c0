//! Chinese public holidays (法定节假日) and adjusted working days (调休上班).
//!
//! Shopping in a neighbourhood store follows the official calendar, not the
//! weekday: demand rises in the days before a holiday, drops while people travel
//! home for Spring Festival, and a Saturday can be an ordinary working day. The
//! State Council (国务院办公厅) publishes each year's schedule only in the
//! preceding November, and the lunar festivals move every year, so the dates
//! cannot be computed: the table below is **maintained by hand** from the
//! official notices — 国办发明电〔2023〕7号 (2024), 〔2024〕12号 (2025) and
//! 〔2025〕7号 (2026, published November 2025). Add a year when its notice is
//! published. For a year outside the table, [`day_kind`] falls back to the
//! fixed-date holidays (New Year's Day, May 1–5, October 1–7) and ordinary
//! weekends; [`is_covered`] tells which years come from an official notice.

use jiff::civil::{Date, Weekday, date};

/// A public holiday, named as in the State Council notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Holiday {
    NewYear,
    SpringFestival,
    Qingming,
    LabourDay,
    DragonBoat,
    MidAutumn,
    NationalDay,
}

impl Holiday {
    pub const ALL: [Holiday; 7] = [
        Holiday::NewYear,
        Holiday::SpringFestival,
        Holiday::Qingming,
        Holiday::LabourDay,
        Holiday::DragonBoat,
        Holiday::MidAutumn,
        Holiday::NationalDay,
    ];

    pub fn name_zh(self) -> &'static str {
        match self {
            Holiday::NewYear => "元旦",
            Holiday::SpringFestival => "春节",
            Holiday::Qingming => "清明节",
            Holiday::LabourDay => "劳动节",
            Holiday::DragonBoat => "端午节",
            Holiday::MidAutumn => "中秋节",
            Holiday::NationalDay => "国庆节",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Holiday::NewYear => "New Year's Day",
            Holiday::SpringFestival => "Spring Festival",
            Holiday::Qingming => "Qingming Festival",
            Holiday::LabourDay => "Labour Day",
            Holiday::DragonBoat => "Dragon Boat Festival",
            Holiday::MidAutumn => "Mid-Autumn Festival",
            Holiday::NationalDay => "National Day",
        }
    }
}

/// What kind of day a calendar date is for the people who shop in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// Monday to Friday, not a holiday.
    Workday,
    /// Saturday or Sunday, not moved by the schedule.
    Weekend,
    /// A day off of the official schedule (the festival and its bridging days).
    Holiday(Holiday),
    /// A Saturday or Sunday that is a working day to make up for a bridged
    /// holiday (调休上班).
    AdjustedWorkday,
}

impl DayKind {
    /// Whether most residents are off work: weekends and holidays.
    pub fn is_day_off(self) -> bool {
        matches!(self, DayKind::Weekend | DayKind::Holiday(_))
    }
}

/// A run of consecutive days off, both ends included.
struct Period {
    holiday: Holiday,
    first: Date,
    last: Date,
}

const fn off(holiday: Holiday, first: Date, last: Date) -> Period {
    Period { holiday, first, last }
}

struct YearSchedule {
    year: i16,
    days_off: &'static [Period],
    adjusted_workdays: &'static [Date],
}

/// The official schedules. `date(..)` is a `const fn`, so a mistyped date such
/// as February 30 fails to compile.
const SCHEDULES: &[YearSchedule] = &[
    YearSchedule {
        year: 2024,
        days_off: &[
            off(Holiday::NewYear, date(2024, 1, 1), date(2024, 1, 1)),
            off(Holiday::SpringFestival, date(2024, 2, 10), date(2024, 2, 17)),
            off(Holiday::Qingming, date(2024, 4, 4), date(2024, 4, 6)),
            off(Holiday::LabourDay, date(2024, 5, 1), date(2024, 5, 5)),
            off(Holiday::DragonBoat, date(2024, 6, 10), date(2024, 6, 10)),
            off(Holiday::MidAutumn, date(2024, 9, 15), date(2024, 9, 17)),
            off(Holiday::NationalDay, date(2024, 10, 1), date(2024, 10, 7)),
        ],
        adjusted_workdays: &[
            date(2024, 2, 4),
            date(2024, 2, 18),
            date(2024, 4, 7),
            date(2024, 4, 28),
            date(2024, 5, 11),
            date(2024, 9, 14),
            date(2024, 9, 29),
            date(2024, 10, 12),
        ],
    },
    YearSchedule {
        year: 2025,
        days_off: &[
            off(Holiday::NewYear, date(2025, 1, 1), date(2025, 1, 1)),
            off(Holiday::SpringFestival, date(2025, 1, 28), date(2025, 2, 4)),
            off(Holiday::Qingming, date(2025, 4, 4), date(2025, 4, 6)),
            off(Holiday::LabourDay, date(2025, 5, 1), date(2025, 5, 5)),
            off(Holiday::DragonBoat, date(2025, 5, 31), date(2025, 6, 2)),
            // 国庆节、中秋节 share October 1–8; the festival itself falls on
            // October 6, which is tagged Mid-Autumn so both holidays appear.
            off(Holiday::NationalDay, date(2025, 10, 1), date(2025, 10, 5)),
            off(Holiday::MidAutumn, date(2025, 10, 6), date(2025, 10, 6)),
            off(Holiday::NationalDay, date(2025, 10, 7), date(2025, 10, 8)),
        ],
        adjusted_workdays: &[
            date(2025, 1, 26),
            date(2025, 2, 8),
            date(2025, 4, 27),
            date(2025, 9, 28),
            date(2025, 10, 11),
        ],
    },
    YearSchedule {
        year: 2026,
        days_off: &[
            off(Holiday::NewYear, date(2026, 1, 1), date(2026, 1, 3)),
            off(Holiday::SpringFestival, date(2026, 2, 15), date(2026, 2, 23)),
            off(Holiday::Qingming, date(2026, 4, 4), date(2026, 4, 6)),
            off(Holiday::LabourDay, date(2026, 5, 1), date(2026, 5, 5)),
            off(Holiday::DragonBoat, date(2026, 6, 19), date(2026, 6, 21)),
            off(Holiday::MidAutumn, date(2026, 9, 25), date(2026, 9, 27)),
            off(Holiday::NationalDay, date(2026, 10, 1), date(2026, 10, 7)),
        ],
        adjusted_workdays: &[
            date(2026, 1, 4),
            date(2026, 2, 14),
            date(2026, 2, 28),
            date(2026, 5, 9),
            date(2026, 9, 20),
            date(2026, 10, 10),
        ],
    },
];

/// How far [`days_until_next_holiday`] looks ahead.
pub const HOLIDAY_LOOKAHEAD_DAYS: i64 = 60;

/// Whether `year`'s days off and adjusted workdays come from an official notice
/// rather than the fixed-date fallback.
pub fn is_covered(year: i16) -> bool {
    SCHEDULES.iter().any(|s| s.year == year)
}

/// The kind of `date` in mainland China.
pub fn day_kind(date: Date) -> DayKind {
    let Some(schedule) = SCHEDULES.iter().find(|s| s.year == date.year()) else {
        return fallback_day_kind(date);
    };
    if let Some(period) = schedule.days_off.iter().find(|p| p.first <= date && date <= p.last) {
        return DayKind::Holiday(period.holiday);
    }
    if schedule.adjusted_workdays.contains(&date) {
        return DayKind::AdjustedWorkday;
    }
    weekday_kind(date)
}

/// The nearest public holiday on or after `date` within
/// [`HOLIDAY_LOOKAHEAD_DAYS`], with the number of days until it: `0` when
/// `date` is itself a holiday, `1` on the eve of one.
pub fn days_until_next_holiday(date: Date) -> Option<(Holiday, i64)> {
    let mut day = date;
    for days in 0..=HOLIDAY_LOOKAHEAD_DAYS {
        if let DayKind::Holiday(holiday) = day_kind(day) {
            return Some((holiday, days));
        }
        day = day.tomorrow().ok()?;
    }
    None
}

/// The days off that need no notice: they fall on the same date every year.
/// Lunar festivals and 调休 are unknown here, so weekends stay weekends.
fn fallback_day_kind(date: Date) -> DayKind {
    let holiday = match (date.month(), date.day()) {
        (1, 1) => Some(Holiday::NewYear),
        (5, 1..=5) => Some(Holiday::LabourDay),
        (10, 1..=7) => Some(Holiday::NationalDay),
        _ => None,
    };
    match holiday {
        Some(h) => DayKind::Holiday(h),
        None => weekday_kind(date),
    }
}

fn weekday_kind(date: Date) -> DayKind {
    match date.weekday() {
        Weekday::Saturday | Weekday::Sunday => DayKind::Weekend,
        _ => DayKind::Workday,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(day: &str, expected: DayKind) {
        let parsed: Date = day.parse().expect("test dates are valid");
        assert_eq!(day_kind(parsed), expected, "{day}");
    }

    fn check_until(day: &str, expected: Option<(Holiday, i64)>) {
        let parsed: Date = day.parse().expect("test dates are valid");
        assert_eq!(days_until_next_holiday(parsed), expected, "{day}");
    }

    use DayKind::{AdjustedWorkday, Weekend, Workday};
    use Holiday::*;

    fn h(holiday: Holiday) -> DayKind {
        DayKind::Holiday(holiday)
    }

    #[test]
    fn schedule_2024_matches_the_state_council_notice() {
        check("2024-01-01", h(NewYear));
        check("2024-02-04", AdjustedWorkday);
        check("2024-02-09", Workday);
        check("2024-02-10", h(SpringFestival));
        check("2024-02-17", h(SpringFestival));
        check("2024-02-18", AdjustedWorkday);
        check("2024-04-04", h(Qingming));
        check("2024-04-06", h(Qingming));
        check("2024-04-07", AdjustedWorkday);
        check("2024-04-28", AdjustedWorkday);
        check("2024-05-01", h(LabourDay));
        check("2024-05-05", h(LabourDay));
        check("2024-05-11", AdjustedWorkday);
        check("2024-06-10", h(DragonBoat));
        check("2024-09-14", AdjustedWorkday);
        check("2024-09-15", h(MidAutumn));
        check("2024-09-17", h(MidAutumn));
        check("2024-09-29", AdjustedWorkday);
        check("2024-10-01", h(NationalDay));
        check("2024-10-07", h(NationalDay));
        check("2024-10-08", Workday);
        check("2024-10-12", AdjustedWorkday);
    }

    #[test]
    fn schedule_2025_matches_the_state_council_notice() {
        check("2025-01-01", h(NewYear));
        check("2025-01-26", AdjustedWorkday);
        check("2025-01-28", h(SpringFestival));
        check("2025-02-04", h(SpringFestival));
        check("2025-02-05", Workday);
        check("2025-02-08", AdjustedWorkday);
        check("2025-04-04", h(Qingming));
        check("2025-04-06", h(Qingming));
        check("2025-04-27", AdjustedWorkday);
        check("2025-05-05", h(LabourDay));
        check("2025-05-31", h(DragonBoat));
        check("2025-06-02", h(DragonBoat));
        check("2025-09-28", AdjustedWorkday);
        check("2025-10-01", h(NationalDay));
        check("2025-10-06", h(MidAutumn));
        check("2025-10-08", h(NationalDay));
        check("2025-10-09", Workday);
        check("2025-10-11", AdjustedWorkday);
    }

    #[test]
    fn schedule_2026_matches_the_state_council_notice() {
        check("2026-01-01", h(NewYear));
        check("2026-01-03", h(NewYear));
        check("2026-01-04", AdjustedWorkday);
        check("2026-02-14", AdjustedWorkday);
        check("2026-02-15", h(SpringFestival));
        check("2026-02-23", h(SpringFestival));
        check("2026-02-24", Workday);
        check("2026-02-28", AdjustedWorkday);
        check("2026-04-06", h(Qingming));
        check("2026-05-01", h(LabourDay));
        check("2026-05-09", AdjustedWorkday);
        check("2026-06-19", h(DragonBoat));
        check("2026-06-21", h(DragonBoat));
        check("2026-09-20", AdjustedWorkday);
        check("2026-09-25", h(MidAutumn));
        check("2026-09-27", h(MidAutumn));
        check("2026-10-07", h(NationalDay));
        check("2026-10-10", AdjustedWorkday);
    }

    #[test]
    fn ordinary_days_follow_the_weekday() {
        check("2025-03-12", Workday);
        check("2025-03-15", Weekend);
        check("2025-03-16", Weekend);
        check("2026-03-09", Workday);
    }

    #[test]
    fn years_outside_the_table_fall_back_to_fixed_dates_and_weekends() {
        assert!(!is_covered(2023));
        assert!(!is_covered(2027));
        assert!(is_covered(2024) && is_covered(2025) && is_covered(2026));
        check("2027-01-01", h(NewYear));
        check("2027-05-03", h(LabourDay));
        check("2027-10-07", h(NationalDay));
        check("2027-10-08", Workday);
        check("2027-10-09", Weekend);
        // No lunar calendar outside the table: 2027's Spring Festival is unknown.
        check("2027-02-08", Workday);
    }

    #[test]
    fn every_adjusted_workday_is_a_weekend_day_and_no_day_is_listed_twice() {
        for schedule in SCHEDULES {
            for day in schedule.adjusted_workdays {
                assert!(
                    matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday),
                    "{day} is not a weekend day"
                );
                assert!(
                    !schedule.days_off.iter().any(|p| p.first <= *day && *day <= p.last),
                    "{day} is both off and a workday"
                );
            }
            for period in schedule.days_off {
                assert!(period.first <= period.last);
                assert_eq!(period.first.year(), schedule.year);
                assert_eq!(period.last.year(), schedule.year);
            }
        }
    }

    #[test]
    fn every_holiday_appears_in_every_covered_year() {
        for schedule in SCHEDULES {
            for holiday in Holiday::ALL {
                assert!(
                    schedule.days_off.iter().any(|p| p.holiday == holiday),
                    "{} missing in {}",
                    holiday.name_en(),
                    schedule.year
                );
            }
        }
    }

    #[test]
    fn days_until_next_holiday_counts_to_the_first_day_off() {
        check_until("2025-01-27", Some((SpringFestival, 1)));
        check_until("2025-01-28", Some((SpringFestival, 0)));
        check_until("2025-09-26", Some((NationalDay, 5)));
        check_until("2026-02-10", Some((SpringFestival, 5)));
        check_until("2026-09-20", Some((MidAutumn, 5)));
        // Mid-July to the end of August has no holiday within 60 days.
        check_until("2025-06-03", None);
        check_until("2025-08-02", Some((NationalDay, 60)));
        check_until("2025-08-01", None);
    }

    #[test]
    fn holidays_have_chinese_and_english_names() {
        let zh: Vec<&str> = Holiday::ALL.iter().map(|h| h.name_zh()).collect();
        assert_eq!(zh, ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]);
        assert_eq!(Holiday::DragonBoat.name_en(), "Dragon Boat Festival");
        assert!(DayKind::Weekend.is_day_off());
        assert!(DayKind::Holiday(NationalDay).is_day_off());
        assert!(!DayKind::AdjustedWorkday.is_day_off());
    }
}
