//! Daily Shanghai weather for the history: seasonal, persistent and seeded.
//!
//! Demand in the demo reacts to the weather (umbrellas and instant noodles on
//! rainy days, ice cream in the heat, hot pot in the cold), so the weather has to
//! look like Shanghai's: cold damp winters, the plum rains (梅雨) from mid-June to
//! early July, hot summers with typhoon downpours in August and September, and
//! spells of weather rather than independent days. Temperatures follow monthly
//! climate normals plus an AR(1) anomaly; rain follows a two-state Markov chain
//! whose long-run frequency is the month's share of rainy days.

use jiff::civil::Date;
use rand::Rng;

use crate::random::{DemoRng, Stream, gauss, rng, uniform};

/// One day of weather.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoWeather {
    pub date: Date,
    pub temp_max_c: i32,
    pub temp_min_c: i32,
    /// Daily precipitation; 0 exactly when it did not rain or snow.
    pub rain_mm: u32,
    /// 晴/多云/阴/小雨/中雨/大雨/暴雨/雪
    pub condition_zh: String,
}

/// Mean daily maximum and minimum (°C) by month, Shanghai (Xujiahui) normals.
const TMAX: [f64; 12] = [8.4, 10.2, 14.2, 20.0, 25.2, 28.3, 32.6, 32.3, 28.1, 23.2, 17.6, 11.1];
const TMIN: [f64; 12] = [1.4, 3.3, 6.8, 11.9, 17.3, 21.6, 25.7, 25.6, 21.7, 16.2, 10.0, 3.5];
/// Share of days with measurable precipitation, by month.
const RAIN_SHARE: [f64; 12] = [0.33, 0.33, 0.40, 0.38, 0.37, 0.45, 0.38, 0.36, 0.32, 0.22, 0.27, 0.25];
/// Mean precipitation on a rainy day (mm), by month.
const RAIN_MEAN_MM: [f64; 12] = [6.0, 7.0, 8.0, 9.0, 10.0, 14.0, 13.0, 14.0, 10.0, 8.0, 7.0, 6.0];

/// How strongly today's rain depends on yesterday's (0: independent days).
const RAIN_PERSISTENCE: f64 = 0.4;
/// Day-to-day persistence of the temperature anomaly.
const ANOMALY_PERSISTENCE: f64 = 0.75;

/// The weather of `days` consecutive days starting at `start`.
pub(crate) fn generate(seed: u64, start: Date, days: u32) -> Vec<DemoWeather> {
    let mut r = rng(seed, Stream::Weather, 0);
    let mut out = Vec::with_capacity(days as usize);
    let mut anomaly = gauss(&mut r) * 2.0;
    let mut rained = false;
    let mut typhoon_days_left = 0_u32;
    let mut date = start;
    for _ in 0..days {
        let (tmax_norm, tmin_norm) = normals(date);
        let month = usize::from(date.month().unsigned_abs()) - 1;
        let winter = matches!(month, 0 | 1 | 11);
        let spread = if winter { 2.8 } else { 2.0 };
        anomaly = ANOMALY_PERSISTENCE * anomaly + gauss(&mut r) * spread;

        let plum = is_plum_rain_season(date);
        let typhoon_season = matches!(month, 7 | 8);
        if typhoon_days_left == 0 && typhoon_season && r.random_bool(0.025) {
            typhoon_days_left = r.random_range(2..=3);
        }
        let (p, mean_mm) = if plum {
            (0.65, 16.0)
        } else {
            (RAIN_SHARE[month], RAIN_MEAN_MM[month])
        };
        let persistence = if plum { 0.55 } else { RAIN_PERSISTENCE };
        let p_today = if rained {
            p + persistence * (1.0 - p)
        } else {
            p * (1.0 - persistence)
        };
        let rain_mm = if typhoon_days_left > 0 {
            typhoon_days_left -= 1;
            uniform(&mut r, 40.0, 150.0)
        } else if r.random_bool(p_today.clamp(0.0, 1.0)) {
            // Exponential amounts: mostly light rain, now and then a downpour.
            let u: f64 = 1.0 - r.random::<f64>();
            (-u.ln() * mean_mm).max(0.5)
        } else {
            0.0
        };
        let rainy = rain_mm > 0.0;

        // Rainy days are cooler and dry days warmer, balanced so the month
        // still averages its normal.
        let cooling = if rainy { 2.5 * (1.0 - p) } else { -2.5 * p };
        let mut tmax = (tmax_norm + anomaly - cooling).round() as i32;
        let mut tmin = (tmin_norm + 0.8 * anomaly + if rainy { 0.5 } else { -0.5 }).round() as i32;
        tmax = tmax.clamp(-6, 40);
        if tmin > tmax - 2 {
            tmin = tmax - 2;
        }
        tmin = tmin.max(-9);

        let rain_mm_u = if rainy { (rain_mm.round() as u32).max(1) } else { 0 };
        let condition = condition(&mut r, rain_mm_u, tmax, tmin, rained);
        out.push(DemoWeather {
            date,
            temp_max_c: tmax,
            temp_min_c: tmin,
            rain_mm: rain_mm_u,
            condition_zh: condition.to_string(),
        });
        rained = rainy;
        date = date.tomorrow().expect("history dates stay far inside jiff's range");
    }
    out
}

/// The climate normals of a date, interpolated between mid-month values.
fn normals(date: Date) -> (f64, f64) {
    let month = f64::from(date.month() - 1);
    let pos = month + (f64::from(date.day()) - 15.0) / 30.5;
    let lo = pos.floor();
    let frac = pos - lo;
    let i = (lo as i64).rem_euclid(12) as usize;
    let j = (i + 1) % 12;
    let lerp = |t: &[f64; 12]| t[i] * (1.0 - frac) + t[j] * frac;
    (lerp(&TMAX), lerp(&TMIN))
}

/// 梅雨: roughly June 15 to July 12 in the Yangtze delta.
fn is_plum_rain_season(date: Date) -> bool {
    matches!((date.month(), date.day()), (6, 15..=30) | (7, 1..=12))
}

fn condition(r: &mut DemoRng, rain_mm: u32, tmax: i32, tmin: i32, rained_before: bool) -> &'static str {
    if rain_mm > 0 {
        if tmax <= 3 && tmin <= 0 {
            return "雪";
        }
        return match rain_mm {
            0..10 => "小雨",
            10..25 => "中雨",
            25..50 => "大雨",
            _ => "暴雨",
        };
    }
    let x: f64 = r.random();
    let (sunny, cloudy) = if rained_before { (0.2, 0.6) } else { (0.45, 0.85) };
    if x < sunny {
        "晴"
    } else if x < cloudy {
        "多云"
    } else {
        "阴"
    }
}

/// How rainy a day is for shoppers, 0 (dry) to 1 (heavy rain).
pub(crate) fn rain_intensity(w: &DemoWeather) -> f64 {
    match w.rain_mm {
        0 => 0.0,
        1..10 => 0.5,
        10..25 => 0.8,
        _ => 1.0,
    }
}

/// How hot a day is for shoppers, 0 (27 °C or less) to 1 (34 °C and more).
pub(crate) fn heat_intensity(w: &DemoWeather) -> f64 {
    ((f64::from(w.temp_max_c) - 27.0) / 7.0).clamp(0.0, 1.0)
}

/// How cold a day is for shoppers, 0 (12 °C or more) to 1 (4 °C and less).
pub(crate) fn cold_intensity(w: &DemoWeather) -> f64 {
    ((12.0 - f64::from(w.temp_max_c)) / 8.0).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn year(seed: u64) -> Vec<DemoWeather> {
        generate(seed, date(2025, 1, 1), 365)
    }

    fn mean_of(days: &[DemoWeather], month: i8, f: impl Fn(&DemoWeather) -> f64) -> f64 {
        let xs: Vec<f64> = days.iter().filter(|w| w.date.month() == month).map(f).collect();
        xs.iter().sum::<f64>() / xs.len() as f64
    }

    #[test]
    fn summers_are_hot_and_winters_cold() {
        let days = year(11);
        let jan = mean_of(&days, 1, |w| f64::from(w.temp_max_c));
        let jul = mean_of(&days, 7, |w| f64::from(w.temp_max_c));
        assert!((3.0..13.0).contains(&jan), "January {jan}");
        assert!((28.0..36.0).contains(&jul), "July {jul}");
        assert!(days.iter().all(|w| w.temp_min_c < w.temp_max_c));
    }

    #[test]
    fn plum_rain_season_is_the_rainiest_time() {
        let mut plum = 0.0;
        let mut autumn = 0.0;
        for seed in 0..8 {
            let days = year(seed);
            plum += days
                .iter()
                .filter(|w| is_plum_rain_season(w.date) && w.rain_mm > 0)
                .count() as f64
                / 28.0;
            autumn += days.iter().filter(|w| w.date.month() == 10 && w.rain_mm > 0).count() as f64 / 31.0;
        }
        assert!(plum > 1.8 * autumn, "plum {plum} october {autumn}");
    }

    #[test]
    fn rain_comes_in_spells() {
        let days = year(5);
        let rainy = days.iter().filter(|w| w.rain_mm > 0).count() as f64 / days.len() as f64;
        let after_rain: Vec<bool> = days
            .windows(2)
            .filter(|p| p[0].rain_mm > 0)
            .map(|p| p[1].rain_mm > 0)
            .collect();
        let p = after_rain.iter().filter(|&&b| b).count() as f64 / after_rain.len() as f64;
        assert!(p > rainy + 0.1, "P(rain | rain) {p} vs share {rainy}");
    }

    #[test]
    fn conditions_agree_with_rainfall() {
        for w in year(2) {
            let dry = matches!(w.condition_zh.as_str(), "晴" | "多云" | "阴");
            assert_eq!(dry, w.rain_mm == 0, "{w:?}");
            if w.rain_mm >= 50 && w.condition_zh != "雪" {
                assert_eq!(w.condition_zh, "暴雨");
            }
        }
    }
}
