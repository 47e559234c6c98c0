//! The demand model shared by the sales history and the deliveries that feed it.
//!
//! A day's plan says how busy the store should be (weekday, weekend, the run-up
//! to a holiday, Spring Festival when half the neighbourhood has gone home, heavy
//! rain that keeps walk-ins away) and how each product's demand bends with the
//! weather and the calendar. [`crate::sales`] draws the actual sales from it;
//! [`crate::stock`] uses the same expectations as the store's forecast when it
//! sizes deliveries.

use jiff::Timestamp;
use jiff::civil::{Date, Time, time};
use jiff::tz::Offset;
use linli_domain::calendar::{DayKind, Holiday, day_kind, days_until_next_holiday};

use crate::DemoConfig;
use crate::catalog::{DemoProduct, Traits};
use crate::catalog_data::{COLD, HOT, ICE};
use crate::residents::shift;
use crate::weather::{DemoWeather, cold_intensity, heat_intensity, rain_intensity};

/// Asia/Shanghai has been UTC+8 without daylight saving since 1991. A fixed
/// offset keeps the crate pure: looking the zone up would read `TZDIR` and the
/// system zoneinfo.
pub(crate) const SHANGHAI: Offset = Offset::constant(8);

const OPEN_HOUR: i8 = 7;
const CLOSE_HOUR: i8 = 23;
/// Opening time of the demo store; the first sale is at or after it.
pub const STORE_OPEN: Time = time(OPEN_HOUR, 0, 0, 0);
/// Closing time of the demo store; the last sale is before it.
pub const STORE_CLOSE: Time = time(CLOSE_HOUR, 0, 0, 0);
/// Half-hour slots between opening and closing.
pub(crate) const SLOTS: usize = (CLOSE_HOUR - OPEN_HOUR) as usize * 2;
pub(crate) const SLOT_SECS: u32 = 1800;

/// Sales on an ordinary weekday with mild dry weather.
pub(crate) const BASE_SALES_PER_DAY: f64 = 345.0;
/// Named limits on a day's sales: the demo is a small store, not a supermarket.
pub const SALES_PER_DAY_MIN: u32 = 250;
pub const SALES_PER_DAY_MAX: u32 = 450;

/// How customers spread over the day on a working day, per half hour from 07:00:
/// the breakfast rush, a lunch bump, the long evening peak, late-night snacks.
const WORKDAY_SLOTS: [f64; SLOTS] = [
    7.0, 9.5, 10.0, 8.0, 5.0, 4.0, 3.5, 3.5, 4.0, 5.5, 6.0, 4.5, 3.0, 2.5, 2.5, 2.5, 3.0, 3.5, 4.5, 6.0, 8.5, 10.0,
    10.5, 9.5, 8.0, 6.5, 5.5, 4.5, 4.5, 4.0, 3.5, 2.5,
];
/// The same on a day off: people sleep in, the morning peak moves later.
const DAY_OFF_SLOTS: [f64; SLOTS] = [
    3.0, 4.5, 6.0, 7.0, 8.0, 8.0, 7.0, 6.5, 6.0, 6.0, 6.0, 5.0, 4.0, 3.5, 3.5, 3.5, 4.0, 4.5, 5.0, 6.0, 8.0, 9.5, 10.0,
    9.0, 8.0, 7.0, 6.0, 5.0, 5.0, 4.5, 4.0, 3.0,
];

/// Day part of a half-hour slot: 0 morning (07–10), 1 midday (10–16), 2 evening
/// (16–21), 3 late night (21–23).
pub(crate) fn daypart(slot: usize) -> usize {
    match slot {
        0..6 => 0,
        6..18 => 1,
        18..28 => 2,
        _ => 3,
    }
}

/// Days before a holiday that shopping picks up; Spring Festival shopping starts
/// two weeks ahead.
fn run_up_days(h: Holiday) -> i64 {
    if h == Holiday::SpringFestival { 14 } else { 3 }
}

/// How far ahead festival foods (青团, 粽子, 月饼, 汤圆) start to sell.
const FEST_RUN_UP_DAYS: i64 = 21;

/// Everything about one day of the history that demand depends on.
#[derive(Debug, Clone)]
pub(crate) struct DayPlan {
    pub date: Date,
    /// 07:00 local, as a timestamp.
    pub open: Timestamp,
    pub day_off: bool,
    /// Sales to expect before day-to-day noise.
    pub expected_sales: f64,
    pub rain: f64,
    pub heat: f64,
    pub cold: f64,
    /// 0..1: how close a holiday is, for gifts, fruit and liquor.
    pub holiday_ramp: f64,
    /// 0..1 per [`Holiday::ALL`]: how close each festival is, for festival foods.
    pub fest_ramp: [f64; 7],
    /// Share of the day's customers in each half hour.
    pub slots: &'static [f64; SLOTS],
}

pub(crate) fn start_date(cfg: &DemoConfig) -> Date {
    shift(cfg.end_date, -(i64::from(cfg.history_days) - 1))
}

pub(crate) fn local_timestamp(date: Date, at: Time) -> Timestamp {
    SHANGHAI
        .to_timestamp(date.to_datetime(at))
        .expect("demo dates stay far inside the timestamp range")
}

/// The plan of every history day, oldest first. Weather is looked up by date;
/// a day without weather counts as mild and dry.
pub(crate) fn day_plans(cfg: &DemoConfig, weather: &[DemoWeather]) -> Vec<DayPlan> {
    let start = start_date(cfg);
    let n = cfg.history_days as usize;
    let first_weather = weather.first().map(|w| w.date);
    (0..n)
        .map(|i| {
            let date = shift(start, i as i64);
            let w = first_weather.and_then(|d0| {
                let k = (date - d0).get_days();
                usize::try_from(k)
                    .ok()
                    .and_then(|k| weather.get(k))
                    .filter(|w| w.date == date)
            });
            plan(date, w, i, n)
        })
        .collect()
}

fn plan(date: Date, w: Option<&DemoWeather>, index: usize, days: usize) -> DayPlan {
    let kind = day_kind(date);
    let day_off = kind.is_day_off();
    let (rain, heat, cold) = w.map_or((0.0, 0.0, 0.0), |w| {
        (rain_intensity(w), heat_intensity(w), cold_intensity(w))
    });

    let mut traffic = match kind {
        DayKind::Workday => 1.0,
        DayKind::AdjustedWorkday => 0.97,
        DayKind::Weekend => 1.15,
        DayKind::Holiday(Holiday::SpringFestival) => 0.74,
        DayKind::Holiday(Holiday::NationalDay) => 0.95,
        DayKind::Holiday(_) => 1.08,
    };
    let mut holiday_ramp = 0.0;
    if let Some((h, d)) = days_until_next_holiday(date) {
        let window = run_up_days(h);
        if d == 0 {
            holiday_ramp = 0.3;
        } else if d <= window {
            holiday_ramp = (window - d + 1) as f64 / window as f64;
            let lift = if h == Holiday::SpringFestival { 0.22 } else { 0.12 };
            traffic *= 1.0 + lift * holiday_ramp;
        }
    }
    // The week after Spring Festival, many residents are still in their home towns.
    let after_spring_festival =
        !day_off && (1..=6).any(|k| day_kind(shift(date, -k)) == DayKind::Holiday(Holiday::SpringFestival));
    if after_spring_festival {
        traffic *= 0.88;
    }
    if let Some(w) = w {
        traffic *= match w.rain_mm {
            0 => 1.0,
            1..10 => 0.98,
            10..25 => 0.93,
            25..50 => 0.86,
            _ => 0.8,
        };
        if w.temp_max_c >= 36 {
            traffic *= 0.94;
        }
        if w.temp_max_c <= 2 {
            traffic *= 0.95;
        }
    }
    // The store is still growing: a little busier at the end of the history.
    let progress = if days > 1 {
        index as f64 / (days - 1) as f64
    } else {
        1.0
    };
    traffic *= 0.95 + 0.1 * progress;

    let mut fest_ramp = [0.0; 7];
    for k in 0..=FEST_RUN_UP_DAYS {
        if let DayKind::Holiday(h) = day_kind(shift(date, k)) {
            let slot = &mut fest_ramp[h as usize];
            if *slot == 0.0 {
                *slot = 1.0 - k as f64 / (FEST_RUN_UP_DAYS + 1) as f64;
            }
        }
    }

    DayPlan {
        date,
        open: local_timestamp(date, STORE_OPEN),
        day_off,
        expected_sales: BASE_SALES_PER_DAY * traffic,
        rain,
        heat,
        cold,
        holiday_ramp,
        fest_ramp,
        slots: if day_off { &DAY_OFF_SLOTS } else { &WORKDAY_SLOTS },
    }
}

/// How much a product's demand is scaled on a day, relative to an ordinary day.
pub(crate) fn product_multiplier(p: &DemoProduct, t: &Traits, day: &DayPlan) -> f64 {
    let mut m = 1.0 + (p.rain_factor - 1.0) * day.rain;
    m *= 1.0 + (p.heat_factor - 1.0) * day.heat;
    m *= 1.0 + (p.cold_factor - 1.0) * day.cold;
    // Seasonal goods fade out of season: ice cream in January, hot pot in July.
    if t.tags & ICE != 0 {
        m *= 1.0 - 0.7 * day.cold;
    } else if t.tags & HOT != 0 {
        m *= 1.0 - 0.3 * day.cold;
    }
    if t.tags & COLD != 0 {
        m *= 1.0 - 0.45 * day.heat;
    }
    match t.fest {
        // A festival food sells at its ordinary rate all year and many times
        // more in the weeks before its own festival.
        Some(h) => m *= 1.0 + (p.holiday_factor - 1.0) * day.fest_ramp[h as usize],
        None => m *= 1.0 + (p.holiday_factor - 1.0) * day.holiday_ramp,
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn cfg(end: Date, days: u32) -> DemoConfig {
        DemoConfig {
            seed: 1,
            end_date: end,
            history_days: days,
        }
    }

    #[test]
    fn fixed_offset_agrees_with_the_tz_database() {
        for d in [date(2025, 1, 15), date(2025, 7, 15), date(2026, 3, 1)] {
            let ours = local_timestamp(d, STORE_OPEN).as_millisecond();
            assert_eq!(ours, linli_domain::time::at_local(d, STORE_OPEN));
        }
    }

    #[test]
    fn spring_festival_is_quiet_and_its_eve_is_busy() {
        let plans = day_plans(&cfg(date(2026, 3, 10), 60), &[]);
        let on = |d: Date| plans.iter().find(|p| p.date == d).expect("in range").expected_sales;
        // 2026-02-15 is the first day off; 2026-02-13 is a Friday two days before.
        assert!(on(date(2026, 2, 13)) > on(date(2026, 2, 11)));
        assert!(on(date(2026, 2, 17)) < 0.8 * on(date(2026, 2, 11)));
    }

    #[test]
    fn festival_foods_ramp_up_before_their_festival() {
        let plans = day_plans(&cfg(date(2026, 6, 19), 40), &[]);
        let qingming = Holiday::Qingming as usize;
        let dragon = Holiday::DragonBoat as usize;
        let last = plans.last().expect("forty days");
        assert_eq!(last.fest_ramp[dragon], 1.0);
        assert_eq!(last.fest_ramp[qingming], 0.0);
        let three_weeks_before = &plans[plans.len() - 23];
        assert_eq!(three_weeks_before.fest_ramp[dragon], 0.0);
    }

    #[test]
    fn slot_profiles_cover_opening_hours() {
        let open_secs = i64::from(STORE_CLOSE.hour() - STORE_OPEN.hour()) * 3600;
        assert_eq!(SLOTS as i64 * i64::from(SLOT_SECS), open_secs);
        assert_eq!(daypart(0), 0);
        assert_eq!(daypart(SLOTS - 1), 3);
    }
}
