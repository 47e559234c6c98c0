//! Demand planning (需求计划): weather, daily demand forecasts, demand alerts,
//! replenishment and markdowns.
//!
//! **Weather** (天气) is typed or imported (CSV or the API; this machine has no
//! internet, so no weather service is called): per store and day, the high and low
//! temperature and the rain, observed for past days and a forecast for the days ahead.
//!
//! **Forecasts** (需求预测): the demand_forecast job reads `FORECAST_HISTORY_DAYS` days of
//! units sold less returned per location and product (the stock ledger) and forecasts
//! the next `FORECAST_HORIZON_DAYS` days with `linli_analytics::forecast` in its
//! two-stage form: a regression on the day's effects, and exponential smoothing of what
//! they leave. The effects: the Chinese holiday calendar (a holiday day off, the two
//! days before one, a 调休 working weekend day, a weekend day), and when the store has
//! weather for its history, the rain (mm), the heat (degrees of the high above 28 °C)
//! and the cold (degrees of the high under 12 °C). Days ahead without a weather outlook
//! count as dry and mild. The same model also forecasts the last `BACKTEST_DAYS` days
//! from the history before them (with the weather that came): the forecast-versus-
//! actual chart shows how far to trust it.
//!
//! **Demand alerts** (需求预警): per category and day of the next `ALERT_DAYS`, the expected
//! takings with the day's weather and holidays against the same without them; a change
//! of at least `ALERT_CHANGE_BP_MIN` worth at least `ALERT_VALUE_FEN_MIN` is an alert,
//! named after the effect (rain, heat, cold, holiday) that moves it most.
//!
//! **Replenishment** (补货建议) and **markdowns** (降价建议) are computed when asked, from
//! the stock and the latest forecasts: see [`linli_analytics::replenish`] and
//! [`linli_domain::markdown`]. Accepting them goes through the normal paths: a purchase
//! order sent to the supplier; a flash-sale promotion for piece goods (so the till, the
//! shop and the shelf labels follow, and it ends by itself), or the audited price change
//! of a weighed good's price per kg, put back by the order sweeper when the lot's day
//! ends (`App::restore_due_markdowns`).

use crate::purchasing::po_expected_delivery;
use crate::{Actor, App, AppError};
use linli_analytics::forecast::{self, Choice, Series};
use linli_analytics::replenish::{self, DayDemand};
use linli_domain::auth::Permission;
use linli_domain::ids::{CategoryId, LocationId, LotId, OrgId, ProductId, StoreId, SupplierId};
use linli_domain::markdown::{self, Ladder};
use linli_domain::money::Money;
use linli_domain::time;
use linli_store::{
    DemandAlert, DemandAlertRow, DemandForecast, MarkdownLadderRow, MarkdownRow, NewMarkdown, PoRow, StockPosition,
    SupplierRow, WeatherDay,
};
use std::collections::{BTreeMap, HashMap};

/// Days of sales a forecast reads.
pub const FORECAST_HISTORY_DAYS: i64 = 120;
/// Days ahead a forecast covers (today first).
pub const FORECAST_HORIZON_DAYS: usize = 14;
/// Days before today the model forecasts from the history before them.
pub const BACKTEST_DAYS: usize = 14;
/// Days with sales in the window a product needs at a location to be forecast.
pub const FORECAST_SALE_DAYS_MIN: usize = 5;
/// Days with sales a series needs before the weather and holidays are fitted to it: a
/// product sold now and then would find an effect in every coincidence.
pub const REGRESSION_SALE_DAYS_MIN: usize = 30;
/// Days ahead demand alerts look (today first).
pub const ALERT_DAYS: i64 = 3;
/// Least change of a category's expected takings that raises an alert (basis points).
pub const ALERT_CHANGE_BP_MIN: i64 = 1_500;
/// Least change of a category's expected takings that raises an alert (fen).
pub const ALERT_VALUE_FEN_MIN: i64 = 3_000;
/// The job's name in the run record.
pub const JOB_DEMAND_FORECAST: &str = "demand_forecast";
/// The service level replenishment aims at unless asked otherwise (basis points).
pub const SERVICE_LEVEL_BP_DEFAULT: i64 = 9_500;
/// Days between two orders to a supplier (daily ordering).
pub const REVIEW_DAYS: usize = 1;
/// Weighed goods are ordered by this many grams.
pub const WEIGHED_ORDER_UNIT_G: i64 = 500;
/// The ladder of a category without its own: −20% from three days before expiry, −50%
/// on the last two days, never under cost; stock for more than 60 days is slow: −30%.
pub const DEFAULT_LADDER: &str = "3:20,1:50";
pub const DEFAULT_FLOOR_COST_BP: i64 = 10_000;
pub const DEFAULT_SLOW_COVER_DAYS: i64 = 60;
pub const DEFAULT_SLOW_OFF_BP: i64 = 3_000;
/// A slow mover's clearance runs this many days and keeps this many days of demand
/// at the regular price.
pub const SLOW_CLEARANCE_DAYS: i64 = 14;
/// Days of outlook (from today) a forecast must still hold to be used for slow movers:
/// older, the nightly job has not run for days and the page says so.
pub const OUTLOOK_FRESH_DAYS_MIN: usize = FORECAST_HORIZON_DAYS - 2;
/// How a piece good's markdown is made: a flash sale capped at its units.
pub const METHOD_FLASH_SALE: &str = "flash_sale";
/// How a weighed good's markdown is made: its price per kg, put back when it ends.
pub const METHOD_PRICE: &str = "price";
/// Units one order may take at a markdown price.
pub const MARKDOWN_UNITS_PER_ORDER_MAX: i64 = 20;

/// Heat and cold thresholds of the day's high (°C).
const HEAT_FROM_C: f64 = 28.0;
const COLD_UNDER_C: f64 = 12.0;
/// Heavy rain (大雨) from 25 mm a day, in tenths.
const HEAVY_RAIN_DMM: i64 = 250;
const DAY_MS: i64 = 86_400_000;
/// Share of history days that may lack weather before weather is left out.
const WEATHER_MISSING_MAX: f64 = 0.1;

/// Days since 1970-01-01 of a local date.
pub fn day_number(date: jiff::civil::Date) -> i64 {
    (date - jiff::civil::date(1970, 1, 1)).get_days().into()
}

/// The local date of a day number.
pub fn date_of(day: i64) -> Option<jiff::civil::Date> {
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(day))
        .ok()
}

/// The Chinese calendar as regressors of a day (days since 1970-01-01): a holiday day
/// off, one of the two days before a holiday, a 调休 working weekend day, an ordinary
/// weekend day (linli_domain::calendar, maintained from the State Council notices).
pub fn calendar_effects(day: i64) -> [f64; 4] {
    use linli_domain::calendar::{DayKind, day_kind, days_until_next_holiday};
    let Some(date) = date_of(day) else {
        return [0.0; 4];
    };
    let kind = day_kind(date);
    let flag = |b: bool| f64::from(u8::from(b));
    let holiday = matches!(kind, DayKind::Holiday(_));
    let eve = matches!(days_until_next_holiday(date), Some((_, 1..=2)));
    [
        flag(holiday),
        flag(eve && !holiday),
        flag(kind == DayKind::AdjustedWorkday),
        flag(kind == DayKind::Weekend),
    ]
}

/// The weather as regressors: a rainy day (at least 0.1 mm), a day of heavy rain (大雨
/// or more: 25 mm), the heat and the cold (°C beyond the thresholds). Shoppers answer
/// rain more than its millimetres: the first drop changes the day, a downpour again.
fn weather_effects(w: Option<&WeatherDay>) -> [f64; 4] {
    w.map_or([0.0; 4], |w| {
        let high = w.temp_max_dc as f64 / 10.0;
        let flag = |b: bool| f64::from(u8::from(b));
        [
            flag(w.rain_dmm > 0),
            flag(w.rain_dmm >= HEAVY_RAIN_DMM),
            (high - HEAT_FROM_C).max(0.0),
            (COLD_UNDER_C - high).max(0.0),
        ]
    })
}

/// Which effects a variant of the outlook keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Full,
    NoRain,
    NoTemperature,
    NoHoliday,
    Baseline,
}

const VARIANTS: [Variant; 5] = [
    Variant::Full,
    Variant::NoRain,
    Variant::NoTemperature,
    Variant::NoHoliday,
    Variant::Baseline,
];

/// A day's regressors: calendar (4), then weather (4) when `with_weather`.
fn regressors(day: i64, weather: Option<&WeatherDay>, with_weather: bool, variant: Variant) -> Vec<f64> {
    let mut c = calendar_effects(day);
    if matches!(variant, Variant::NoHoliday | Variant::Baseline) {
        // The weekend stays: it is not news.
        c[0] = 0.0;
        c[1] = 0.0;
        c[2] = 0.0;
    }
    let mut out = c.to_vec();
    if with_weather {
        let mut w = weather_effects(weather);
        if matches!(variant, Variant::NoRain | Variant::Baseline) {
            w[0] = 0.0;
            w[1] = 0.0;
        }
        if matches!(variant, Variant::NoTemperature | Variant::Baseline) {
            w[2] = 0.0;
            w[3] = 0.0;
        }
        out.extend(w);
    }
    out
}

/// One location's daily sales of one product: (first day, units per day).
#[derive(Debug, Clone)]
pub struct SalesSeries {
    pub location: LocationId,
    pub product: ProductId,
    pub first_day: i64,
    pub units: Vec<f64>,
}

/// What the demand forecast of an organisation is made from (pure input of
/// [`demand_of`]).
#[derive(Debug, Clone, Default)]
pub struct DemandInput {
    /// Today (day number); series end the day before.
    pub today: i64,
    pub series: Vec<SalesSeries>,
    /// Weather per store, by day.
    pub weather: HashMap<StoreId, BTreeMap<i64, WeatherDay>>,
    pub store_of: HashMap<LocationId, StoreId>,
    /// Per product: category and value of one stock unit in thousandths of a fen.
    pub products: HashMap<ProductId, (Option<CategoryId>, i64)>,
}

/// The forecasts (outlook and backtest) and alerts of `input` (pure, for the job and
/// its tests).
pub fn demand_of(input: &DemandInput) -> (Vec<DemandForecast>, Vec<DemandAlert>) {
    let horizon = FORECAST_HORIZON_DAYS;
    let with_weather: HashMap<StoreId, bool> = input
        .weather
        .iter()
        .map(|(store, days)| {
            let first = input
                .series
                .iter()
                .filter(|s| input.store_of.get(&s.location) == Some(store))
                .map(|s| s.first_day)
                .min()
                .unwrap_or(input.today);
            let span = (input.today - first).max(1);
            let have = days.range(first..input.today).count() as i64;
            (*store, (span - have) as f64 / span as f64 <= WEATHER_MISSING_MAX)
        })
        .collect();
    let weather_of = |s: &SalesSeries, day: i64| {
        input
            .store_of
            .get(&s.location)
            .and_then(|st| input.weather.get(st))
            .and_then(|w| w.get(&day))
    };
    let uses_weather = |s: &SalesSeries| {
        input
            .store_of
            .get(&s.location)
            .and_then(|st| with_weather.get(st))
            .copied()
            .unwrap_or(false)
    };
    let build = |s: &SalesSeries, end: usize, future_days: std::ops::Range<i64>, variant: Variant| {
        let w = uses_weather(s);
        let days: Vec<i64> = (0..end as i64).map(|k| s.first_day + k).collect();
        if s.units[..end].iter().filter(|v| **v > 0.0).count() < REGRESSION_SALE_DAYS_MIN {
            return Series {
                id: String::new(),
                values: s.units[..end].iter().map(|v| Some(*v)).collect(),
                regressors: Vec::new(),
                future: Vec::new(),
                dates: Vec::new(),
                future_dates: Vec::new(),
            };
        }
        Series {
            id: String::new(),
            values: s.units[..end].iter().map(|v| Some(*v)).collect(),
            regressors: days
                .iter()
                .map(|d| regressors(*d, weather_of(s, *d), w, Variant::Full))
                .collect(),
            future: future_days
                .clone()
                .map(|d| regressors(d, weather_of(s, d), w, variant))
                .collect(),
            dates: days.iter().map(|d| *d as i32).collect(),
            future_dates: future_days.map(|d| d as i32).collect(),
        }
    };
    let mut quiet = |_: u64, _: u64| {};
    let mut outlooks: Vec<Vec<forecast::Forecast>> = Vec::new();
    for variant in VARIANTS {
        let series: Vec<Series> = input
            .series
            .iter()
            .map(|s| build(s, s.units.len(), input.today..input.today + horizon as i64, variant))
            .collect();
        let (f, _) = forecast::forecast_all(&series, Choice::Auto, horizon, 7, &mut quiet).unwrap_or_default();
        outlooks.push(f);
    }
    // The backtest: the last BACKTEST_DAYS days from the history before them.
    let backtest_from = input.today - BACKTEST_DAYS as i64;
    let tested: Vec<(usize, Series)> = input
        .series
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let end = usize::try_from(backtest_from - s.first_day).ok()?;
            (end >= BACKTEST_DAYS && end <= s.units.len())
                .then(|| (i, build(s, end, backtest_from..input.today, Variant::Full)))
        })
        .collect();
    let series: Vec<Series> = tested.iter().map(|(_, s)| s.clone()).collect();
    let (backtests, _) =
        forecast::forecast_all(&series, Choice::Auto, BACKTEST_DAYS, 7, &mut quiet).unwrap_or_default();

    let milli = |v: f64| (v * 1000.0).round() as i64;
    let mut rows = Vec::new();
    // forecast_all keeps the order of its series (every series here has a history).
    let full = &outlooks[0];
    let baseline = &outlooks[4];
    for (i, s) in input.series.iter().enumerate() {
        let (Some(f), Some(b)) = (full.get(i), baseline.get(i)) else {
            continue;
        };
        for (k, step) in f.steps.iter().enumerate() {
            rows.push(DemandForecast {
                location: s.location,
                product: s.product,
                day: input.today + k as i64,
                forecast_milli: milli(step.forecast),
                lo80_milli: milli(step.lo80),
                hi80_milli: milli(step.hi80),
                baseline_milli: milli(b.steps.get(k).map_or(step.forecast, |x| x.forecast)),
                backtest: false,
            });
        }
    }
    for ((i, _), f) in tested.iter().zip(&backtests) {
        let s = &input.series[*i];
        for (k, step) in f.steps.iter().enumerate() {
            rows.push(DemandForecast {
                location: s.location,
                product: s.product,
                day: backtest_from + k as i64,
                forecast_milli: milli(step.forecast),
                lo80_milli: milli(step.lo80),
                hi80_milli: milli(step.hi80),
                baseline_milli: milli(step.forecast),
                backtest: true,
            });
        }
    }

    // Alerts: expected takings per (store, category, day) in each variant.
    let mut value: BTreeMap<(StoreId, CategoryId, i64), [f64; 5]> = BTreeMap::new();
    for (v, outlook) in outlooks.iter().enumerate() {
        for (i, s) in input.series.iter().enumerate() {
            let (Some(store), Some((Some(category), unit_value))) =
                (input.store_of.get(&s.location), input.products.get(&s.product))
            else {
                continue;
            };
            let Some(f) = outlook.get(i) else { continue };
            for (k, step) in f.steps.iter().take(ALERT_DAYS as usize).enumerate() {
                let cell = value.entry((*store, *category, input.today + k as i64)).or_default();
                cell[v] += step.forecast * *unit_value as f64 / 1000.0;
            }
        }
    }
    let mut alerts = Vec::new();
    for ((store, category, day), v) in value {
        let (full, base) = (v[0], v[4]);
        if base <= 0.0 {
            continue;
        }
        let change_bp = ((full / base - 1.0) * 10_000.0).round() as i64;
        if change_bp.abs() < ALERT_CHANGE_BP_MIN || (full - base).abs() < ALERT_VALUE_FEN_MIN as f64 {
            continue;
        }
        let weather = input.weather.get(&store).and_then(|w| w.get(&day));
        let effects = [
            ("rain", full - v[1]),
            (
                if weather.is_some_and(|w| w.temp_max_dc as f64 / 10.0 > HEAT_FROM_C) {
                    "heat"
                } else {
                    "cold"
                },
                full - v[2],
            ),
            ("holiday", full - v[3]),
        ];
        let cause = effects
            .iter()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map_or("holiday", |e| e.0);
        alerts.push(DemandAlert {
            store,
            day,
            category,
            cause: cause.to_string(),
            expected_milli: full.round() as i64,
            baseline_milli: base.round() as i64,
            change_bp,
        });
    }
    (rows, alerts)
}

/// A weather day as typed or imported.
#[derive(Debug, Clone, Default)]
pub struct WeatherInput {
    /// YYYY-MM-DD.
    pub date: String,
    /// °C, one decimal at most.
    pub temp_max: f64,
    pub temp_min: f64,
    /// mm.
    pub rain_mm: f64,
    pub condition_zh: Option<String>,
}

/// A line of a replenishment suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplenishLine {
    pub product: ProductId,
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    pub weighed: bool,
    pub on_hand: i64,
    pub on_order: i64,
    pub lead_demand: f64,
    pub reorder_point: f64,
    pub order_up_to: f64,
    pub qty: i64,
    pub unit_cost_fen: i64,
    /// qty × cost (weighed goods: grams × cost per kg ÷ 1000, half up).
    pub cost_fen: i64,
}

/// A suggested purchase order.
#[derive(Debug, Clone)]
pub struct ReplenishOrder {
    pub supplier: SupplierRow,
    /// When an order sent now arrives.
    pub expected_at: i64,
    pub lead_days: i64,
    pub lines: Vec<ReplenishLine>,
    pub cost_fen: i64,
}

/// A suggested markdown.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkdownSuggestion {
    /// expiry or slow.
    pub kind: &'static str,
    pub product: ProductId,
    pub name_zh: String,
    pub name_en: String,
    pub lot: Option<(LotId, String, i64)>,
    pub days_left: Option<i64>,
    pub cover_days: Option<f64>,
    /// Units offered at the marked price (grams of a weighed good).
    pub units: i64,
    /// A weighed good: accepted as a change of its price per kg.
    pub weighed: bool,
    pub regular_price_fen: i64,
    pub price_fen: i64,
    pub off_bp: i64,
    pub floored: bool,
    /// The markdown's end if accepted now.
    pub ends_at: i64,
}

fn field_of(t: MarkdownTarget) -> &'static str {
    match t {
        MarkdownTarget::Lot(_) => "lot_id",
        MarkdownTarget::Product(_) => "product_id",
    }
}

/// What a markdown acceptance names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkdownTarget {
    Lot(i64),
    Product(i64),
}

fn value_milli_fen(p: &StockPosition) -> i64 {
    // A weighed product's price is per kilogram and its stock unit the gram.
    if p.weighed { p.price_fen } else { p.price_fen * 1000 }
}

fn cost_of(weighed: bool, qty: i64, unit_cost_fen: i64) -> i64 {
    if weighed {
        Money::for_weight(Money::from_fen(unit_cost_fen), qty).fen()
    } else {
        qty.saturating_mul(unit_cost_fen)
    }
}

fn service_level(bp: Option<i64>) -> Result<f64, AppError> {
    let bp = bp.unwrap_or(SERVICE_LEVEL_BP_DEFAULT);
    if !(5_000..=9_990).contains(&bp) {
        return Err(AppError::invalid(
            "service_level_bp",
            "the service level must be from 5000 (50%) to 9990 (99.9%) basis points",
            "服务水平须在 5000（50%）到 9990（99.9%）基点之间",
        ));
    }
    Ok(bp as f64 / 10_000.0)
}

impl App {
    /// Recomputes the organisation's demand forecasts and alerts, and records the run.
    /// `baskets` in the report counts series, `pairs` forecast rows written.
    pub async fn refresh_demand_forecast(&self, org: OrgId) -> Result<crate::analytics::JobReport, AppError> {
        self.recorded_run(org, JOB_DEMAND_FORECAST, async |started| {
            let input = self.demand_input(org, started).await?;
            let n = input.series.len();
            let (rows, alerts) = tokio::task::spawn_blocking(move || demand_of(&input))
                .await
                .map_err(|e| AppError::Internal(format!("the demand forecast stopped: {e}")))?;
            let written = self.store.replace_demand(org, &rows, &alerts, self.now()).await?;
            Ok((
                n,
                written,
                format!("{n} series, {written} forecast days, {} alerts", alerts.len()),
            ))
        })
        .await
    }

    async fn demand_input(&self, org: OrgId, now: i64) -> Result<DemandInput, AppError> {
        let today = day_number(time::local_date(now));
        let since_day = today - FORECAST_HISTORY_DAYS;
        let since = time::at_local(
            date_of(since_day).ok_or_else(|| AppError::Internal("date out of range".into()))?,
            jiff::civil::Time::midnight(),
        );
        // Whole days only: up to today's midnight.
        let until = time::at_local(time::local_date(now), jiff::civil::Time::midnight());
        let sales = self.store.daily_sales(org, since, until).await?;
        let mut by_series: BTreeMap<(LocationId, ProductId), BTreeMap<i64, i64>> = BTreeMap::new();
        for s in sales {
            by_series
                .entry((s.location, s.product))
                .or_default()
                .insert(s.day, s.qty);
        }
        let series = by_series
            .into_iter()
            .filter(|(_, days)| days.values().filter(|q| **q > 0).count() >= FORECAST_SALE_DAYS_MIN)
            .filter_map(|((location, product), days)| {
                let first_day = *days.keys().next()?;
                let units = (first_day..today)
                    .map(|d| days.get(&d).copied().unwrap_or(0).max(0) as f64)
                    .collect();
                Some(SalesSeries {
                    location,
                    product,
                    first_day,
                    units,
                })
            })
            .collect();
        let mut input = DemandInput {
            today,
            series,
            ..DemandInput::default()
        };
        for l in self.store.locations(org).await? {
            input.store_of.insert(l.id, l.store_id);
        }
        for st in self.store.stores(org).await? {
            let days = self
                .store
                .weather(org, st.id, since_day, today + FORECAST_HORIZON_DAYS as i64)
                .await?;
            if !days.is_empty() {
                input
                    .weather
                    .insert(st.id, days.into_iter().map(|d| (d.day, d)).collect());
            }
            for p in self.store.stock_positions(org, st.id, now).await? {
                input.products.insert(p.product, (p.category, value_milli_fen(&p)));
            }
        }
        Ok(input)
    }

    // -----------------------------------------------------------------------
    // Weather

    /// Writes weather days for the actor's store: days before today are observed, the
    /// rest a forecast.
    pub async fn put_weather(&self, actor: &Actor, days: Vec<WeatherInput>) -> Result<usize, AppError> {
        actor.require(Permission::EditCatalog)?;
        if days.is_empty() || days.len() > linli_store::WEATHER_DAYS_MAX {
            return Err(AppError::invalid(
                "days",
                &format!("give 1 to {} days", linli_store::WEATHER_DAYS_MAX),
                &format!("请提供 1 到 {} 天的天气", linli_store::WEATHER_DAYS_MAX),
            ));
        }
        let today = day_number(time::local_date(self.now()));
        let mut rows = Vec::with_capacity(days.len());
        for (i, d) in days.iter().enumerate() {
            rows.push(weather_row(d, today, &format!("days[{i}]"))?);
        }
        let store = self.actor_store(actor).await?;
        Ok(self.store.upsert_weather(actor.org, store, &rows, self.now()).await?)
    }

    /// Imports weather from CSV text: a header naming `date`, `temp_max`, `temp_min`,
    /// `rain_mm` and optionally `condition`, then one day per line. An error names the
    /// line and column.
    pub async fn import_weather_csv(&self, actor: &Actor, text: &str) -> Result<usize, AppError> {
        actor.require(Permission::EditCatalog)?;
        let days = parse_weather_csv(text, day_number(time::local_date(self.now())))?;
        self.put_weather(actor, days).await
    }

    /// The actor's store's weather from `from` for `days` days.
    pub async fn weather(&self, actor: &Actor, from: i64, days: i64) -> Result<Vec<WeatherDay>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        let store = self.actor_store(actor).await?;
        Ok(self
            .store
            .weather(actor.org, store, from, from + days.clamp(1, 366))
            .await?)
    }

    // -----------------------------------------------------------------------
    // Forecasts and alerts

    /// A product's forecasts at every location (or one), backtest and outlook.
    pub async fn product_forecast(
        &self,
        actor: &Actor,
        product: i64,
        location: Option<i64>,
    ) -> Result<Vec<DemandForecast>, AppError> {
        // Forecasts and sales per product are the store's business (as its takings).
        actor.require(Permission::ViewAudit)?;
        let p = self.store.product(actor.org, ProductId(product)).await?;
        Ok(self
            .store
            .demand_forecasts(actor.org, p.id, location.map(LocationId))
            .await?)
    }

    /// A product's units sold per day at every location, in [from, until) (day numbers).
    pub async fn product_daily_sales(
        &self,
        actor: &Actor,
        product: i64,
        from: i64,
        until: i64,
    ) -> Result<BTreeMap<i64, i64>, AppError> {
        actor.require(Permission::ViewAudit)?;
        let p = self.store.product(actor.org, ProductId(product)).await?;
        let at = |d: i64| date_of(d).map(|d| time::at_local(d, jiff::civil::Time::midnight()));
        let (Some(since), Some(until)) = (at(from), at(until)) else {
            return Err(AppError::invalid("from", "date out of range", "日期超出范围"));
        };
        let mut out = BTreeMap::new();
        for s in self.store.product_daily_sales(actor.org, p.id, since, until).await? {
            *out.entry(s.day).or_insert(0) += s.qty;
        }
        Ok(out)
    }

    /// The outlook of every product at the actor's store, from today.
    pub async fn store_outlook(&self, actor: &Actor) -> Result<Vec<DemandForecast>, AppError> {
        actor.require(Permission::ViewAudit)?;
        let store = self.actor_store(actor).await?;
        let today = day_number(time::local_date(self.now()));
        Ok(self.store.store_outlook(actor.org, store, today).await?)
    }

    /// Demand alerts from today on.
    pub async fn demand_alerts(&self, actor: &Actor) -> Result<Vec<DemandAlertRow>, AppError> {
        // They give takings.
        actor.require(Permission::ViewAudit)?;
        let today = day_number(time::local_date(self.now()));
        Ok(self.store.demand_alerts(actor.org, today).await?)
    }

    // -----------------------------------------------------------------------
    // Replenishment

    /// Suggested purchase orders for the actor's store, one per supplier.
    pub async fn replenishment(
        &self,
        actor: &Actor,
        service_level_bp: Option<i64>,
    ) -> Result<Vec<ReplenishOrder>, AppError> {
        actor.require(Permission::ManagePurchasing)?;
        let level = service_level(service_level_bp)?;
        let store = self.actor_store(actor).await?;
        let now = self.now();
        let today = day_number(time::local_date(now));
        let positions = self.store.stock_positions(actor.org, store, now).await?;
        let mut outlook: HashMap<ProductId, BTreeMap<i64, (f64, f64)>> = HashMap::new();
        for f in self.store.store_outlook(actor.org, store, today).await? {
            let day = outlook.entry(f.product).or_default().entry(f.day).or_default();
            day.0 += f.forecast_milli as f64 / 1000.0;
            // Locations add as independent: variances add.
            day.1 += ((f.hi80_milli - f.forecast_milli).max(0) as f64 / 1000.0).powi(2);
        }
        let suppliers: HashMap<SupplierId, SupplierRow> = self
            .store
            .suppliers(actor.org)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let mut orders: BTreeMap<SupplierId, ReplenishOrder> = BTreeMap::new();
        for p in positions {
            let (Some(days), Some(supplier)) = (outlook.get(&p.product), p.supplier.and_then(|s| suppliers.get(&s)))
            else {
                continue;
            };
            let expected_at = po_expected_delivery(supplier, now);
            let lead_days = (day_number(time::local_date(expected_at)) - today).max(1);
            let demand: Vec<DayDemand> = days
                .values()
                .map(|(mean, var)| DayDemand {
                    mean: *mean,
                    half80: var.sqrt(),
                })
                .collect();
            let policy = replenish::policy(&demand, lead_days as usize, REVIEW_DAYS, level);
            let unit = if p.weighed { WEIGHED_ORDER_UNIT_G } else { 1 };
            let qty = replenish::order_quantity(&policy, p.on_hand + p.on_order, unit);
            if qty <= 0 {
                continue;
            }
            let order = orders.entry(supplier.id).or_insert_with(|| ReplenishOrder {
                supplier: supplier.clone(),
                expected_at,
                lead_days,
                lines: Vec::new(),
                cost_fen: 0,
            });
            let cost_fen = cost_of(p.weighed, qty, p.cost_fen);
            order.cost_fen += cost_fen;
            order.lines.push(ReplenishLine {
                product: p.product,
                sku: p.sku,
                name_zh: p.name_zh,
                name_en: p.name_en,
                weighed: p.weighed,
                on_hand: p.on_hand,
                on_order: p.on_order,
                lead_demand: policy.lead_demand,
                reorder_point: policy.reorder_point,
                order_up_to: policy.order_up_to,
                qty,
                unit_cost_fen: p.cost_fen,
                cost_fen,
            });
        }
        let mut out: Vec<ReplenishOrder> = orders.into_values().collect();
        for o in &mut out {
            o.lines.truncate(linli_domain::purchasing::PO_LINES_MAX);
        }
        Ok(out)
    }

    /// Accepts a supplier's suggestion: the purchase order is created with the
    /// suggested lines (or `lines`: product, quantity, a subset edited by the manager)
    /// at the products' costs, and sent.
    pub async fn accept_replenishment(
        &self,
        actor: &Actor,
        supplier: i64,
        service_level_bp: Option<i64>,
        lines: Option<Vec<(i64, i64)>>,
    ) -> Result<PoRow, AppError> {
        actor.require(Permission::ManagePurchasing)?;
        if lines
            .as_ref()
            .is_some_and(|l| l.is_empty() || l.len() > linli_domain::purchasing::PO_LINES_MAX)
        {
            return Err(AppError::invalid(
                "lines",
                &format!("give 1 to {} lines", linli_domain::purchasing::PO_LINES_MAX),
                &format!("请提供 1 到 {} 行", linli_domain::purchasing::PO_LINES_MAX),
            ));
        }
        // One acceptance at a time: a double click never sends two purchase orders (the
        // second sees the first's units on order and finds nothing left to suggest).
        let _turn = self.planning_turns.lock().await;
        let suggestion = self
            .replenishment(actor, service_level_bp)
            .await?
            .into_iter()
            .find(|o| o.supplier.id == SupplierId(supplier));
        let lines: Vec<(i64, i64, i64)> = match (lines, &suggestion) {
            (Some(lines), _) => {
                let mut out = Vec::with_capacity(lines.len());
                for (i, (product, qty)) in lines.into_iter().enumerate() {
                    let p = self.store.product(actor.org, ProductId(product)).await.map_err(|_| {
                        AppError::invalid(&format!("lines[{i}].product_id"), "no such product", "没有这个商品")
                    })?;
                    out.push((p.id.0, qty, p.cost_fen));
                }
                out
            }
            (None, Some(s)) => s.lines.iter().map(|l| (l.product.0, l.qty, l.unit_cost_fen)).collect(),
            (None, None) => {
                return Err(AppError::invalid(
                    "supplier_id",
                    "nothing to order from this supplier now",
                    "该供应商目前没有补货建议",
                ));
            }
        };
        let level = service_level(service_level_bp)?;
        let po = self
            .create_po(
                actor,
                supplier,
                lines,
                &format!("补货建议 replenishment, service level {:.1}%", level * 100.0),
            )
            .await?;
        self.po_action(actor, po.id.0, "send").await
    }

    // -----------------------------------------------------------------------
    // Markdowns

    /// The ladders in force: the default, then each category's own.
    pub async fn markdown_ladders(&self, actor: &Actor) -> Result<Vec<MarkdownLadderRow>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        let mut rows = self.store.markdown_ladders(actor.org).await?;
        if !rows.iter().any(|r| r.category.is_none()) {
            rows.insert(0, default_ladder());
        }
        Ok(rows)
    }

    /// Sets the default ladder (`category` None) or a category's.
    pub async fn set_markdown_ladder(
        &self,
        actor: &Actor,
        category: Option<i64>,
        steps: &str,
        floor_cost_bp: i64,
        slow_cover_days: i64,
        slow_off_bp: i64,
    ) -> Result<MarkdownLadderRow, AppError> {
        actor.require(Permission::ManageOffers)?;
        let ladder = Ladder::parse(steps).map_err(|e| AppError::invalid("steps", &e.to_string(), &e.message_zh()))?;
        if !(0..=markdown::FLOOR_COST_BP_MAX).contains(&floor_cost_bp) {
            return Err(AppError::invalid(
                "floor_cost_bp",
                &format!(
                    "the floor must be from 0 to {} basis points of cost",
                    markdown::FLOOR_COST_BP_MAX
                ),
                &format!("底价须在进价的 0 到 {} 基点之间", markdown::FLOOR_COST_BP_MAX),
            ));
        }
        if !(7..=365).contains(&slow_cover_days) {
            return Err(AppError::invalid(
                "slow_cover_days",
                "slow movers are from 7 to 365 days of cover",
                "滞销天数须在 7 到 365 天之间",
            ));
        }
        if !(100..=9_000).contains(&slow_off_bp) {
            return Err(AppError::invalid(
                "slow_off_bp",
                "a clearance is from 100 to 9000 basis points off",
                "清仓折扣须在 100 到 9000 基点之间",
            ));
        }
        let row = MarkdownLadderRow {
            category: category.map(CategoryId),
            steps: ladder.text(),
            floor_cost_bp,
            slow_cover_days,
            slow_off_bp,
        };
        self.store
            .set_markdown_ladder(actor.org, &row, self.now())
            .await
            .map_err(|e| match e {
                linli_store::StoreError::NotFound => {
                    AppError::invalid("category_id", "no such category", "没有这个品类")
                }
                e => e.into(),
            })?;
        Ok(row)
    }

    /// Near-expiry lots on their ladder's step and slow movers, for the actor's store;
    /// a lot or product already marked down as far is left out.
    pub async fn markdown_suggestions(&self, actor: &Actor) -> Result<Vec<MarkdownSuggestion>, AppError> {
        actor.require(Permission::ManageOffers)?;
        let store = self.actor_store(actor).await?;
        let now = self.now();
        let today_date = time::local_date(now);
        let today = day_number(today_date);
        let ladders = self.markdown_ladders(actor).await?;
        let default = ladders
            .iter()
            .find(|l| l.category.is_none())
            .cloned()
            .unwrap_or_else(default_ladder);
        let ladder_of = |c: Option<CategoryId>| {
            c.and_then(|c| ladders.iter().find(|l| l.category == Some(c)))
                .unwrap_or(&default)
        };
        let positions: HashMap<ProductId, StockPosition> = self
            .store
            .stock_positions(actor.org, store, now)
            .await?
            .into_iter()
            .map(|p| (p.product, p))
            .collect();
        let active: Vec<MarkdownRow> = self
            .store
            .org_markdowns(actor.org, now, 1000)
            .await?
            .into_iter()
            .filter(|m| m.active)
            .collect();
        let reach = ladders
            .iter()
            .filter_map(|l| Ladder::parse(&l.steps).ok())
            .map(|l| l.reach_days())
            .max()
            .unwrap_or(0);
        // Lots whose expiry day is at most `reach` days away (their `expires_at` is the
        // first instant after it).
        let until = time::end_of_local_day(
            date_of(today + reach).ok_or_else(|| AppError::Internal("date out of range".into()))?,
        );
        let mut out = Vec::new();
        let mut on_markdown: std::collections::HashSet<ProductId> = std::collections::HashSet::new();
        for lot in self.store.expiring_lots(actor.org, store, until).await? {
            let Some(p) = positions.get(&lot.product) else {
                continue;
            };
            // A weighed good already marked down by price: its regular price is the one
            // before, and the ladder's steps are taken from it.
            let regular = active
                .iter()
                .find(|m| m.product == p.product && m.method == METHOD_PRICE)
                .map_or(p.price_fen, |m| m.regular_price_fen);
            // A lot is sellable until its expiry day ends: `expires_at` is the first
            // instant of the day after.
            let days_left = day_number(time::local_date(lot.expires_at - 1)) - today;
            let l = ladder_of(p.category);
            let Some(step) = Ladder::parse(&l.steps)
                .ok()
                .and_then(|ladder| ladder.step_for(days_left))
            else {
                continue;
            };
            let Some(marked) = markdown::mark_down(
                Money::from_fen(regular),
                Money::from_fen(p.cost_fen),
                step.off_bp,
                l.floor_cost_bp,
            ) else {
                continue;
            };
            on_markdown.insert(p.product);
            if p.weighed
                && active
                    .iter()
                    .any(|m| m.product == p.product && m.method == METHOD_PRICE && m.price_fen <= marked.price.fen())
            {
                // The product's price per kg is down this far already (for this lot or
                // another).
                continue;
            }
            if active
                .iter()
                .any(|m| m.lot == Some(lot.lot) && m.price_fen <= marked.price.fen())
            {
                continue;
            }
            out.push(MarkdownSuggestion {
                kind: "expiry",
                product: p.product,
                name_zh: p.name_zh.clone(),
                name_en: p.name_en.clone(),
                lot: Some((lot.lot, lot.lot_code.clone(), lot.expires_at)),
                days_left: Some(days_left),
                cover_days: None,
                units: lot.qty,
                weighed: p.weighed,
                regular_price_fen: regular,
                price_fen: marked.price.fen(),
                off_bp: marked.off_bp,
                floored: marked.floored,
                ends_at: lot.expires_at.max(now + 60_000),
            });
        }
        // Slow movers: days of cover at the forecast demand (the mean over the outlook's
        // days still ahead), only while the outlook is fresh.
        let outlook = self.store.store_outlook(actor.org, store, today).await?;
        let mut totals: HashMap<ProductId, (f64, std::collections::HashSet<i64>)> = HashMap::new();
        for f in &outlook {
            let e = totals.entry(f.product).or_default();
            e.0 += f.forecast_milli as f64 / 1000.0;
            e.1.insert(f.day);
        }
        let mean: HashMap<ProductId, f64> = totals
            .into_iter()
            .map(|(p, (sum, days))| (p, sum / days.len().max(1) as f64))
            .collect();
        if outlook_is_fresh(&outlook) {
            let mut slow: Vec<&StockPosition> = positions
                .values()
                .filter(|p| !p.weighed && p.on_hand > 0 && !on_markdown.contains(&p.product))
                .collect();
            slow.sort_by_key(|p| p.product);
            for p in slow {
                let l = ladder_of(p.category);
                let daily = mean.get(&p.product).copied().unwrap_or(0.0);
                let cover = if daily > 0.0 {
                    p.on_hand as f64 / daily
                } else {
                    f64::INFINITY
                };
                if cover <= l.slow_cover_days as f64 || active.iter().any(|m| m.product == p.product) {
                    continue;
                }
                let keep = (daily * SLOW_CLEARANCE_DAYS as f64).ceil() as i64;
                let units = (p.on_hand - keep).max(1);
                let Some(marked) = markdown::mark_down(
                    Money::from_fen(p.price_fen),
                    Money::from_fen(p.cost_fen),
                    l.slow_off_bp,
                    l.floor_cost_bp,
                ) else {
                    continue;
                };
                out.push(MarkdownSuggestion {
                    kind: "slow",
                    product: p.product,
                    name_zh: p.name_zh.clone(),
                    name_en: p.name_en.clone(),
                    lot: None,
                    days_left: None,
                    cover_days: cover.is_finite().then_some(cover),
                    units,
                    weighed: false,
                    regular_price_fen: p.price_fen,
                    price_fen: marked.price.fen(),
                    off_bp: marked.off_bp,
                    floored: marked.floored,
                    ends_at: now + SLOW_CLEARANCE_DAYS * DAY_MS,
                });
            }
        }
        Ok(out)
    }

    /// Accepts the current suggestion for a lot or a slow-moving product: a flash sale at
    /// the marked price for its units until it ends (a lot's expiry, or
    /// `SLOW_CLEARANCE_DAYS`), replacing a shallower markdown of the same lot. Refused
    /// when there is no such suggestion now.
    pub async fn accept_markdown(&self, actor: &Actor, target: MarkdownTarget) -> Result<MarkdownRow, AppError> {
        actor.require(Permission::ManageOffers)?;
        // One acceptance at a time: two clicks never make two flash sales of one lot.
        let _turn = self.planning_turns.lock().await;
        if self.store.stores(actor.org).await?.len() > 1 {
            // A promotion applies at every store of the organisation: one store's
            // near-expiry lot would mark the product down at all of them.
            return Err(AppError::invalid(
                field_of(target),
                "markdowns are promotions, which apply at every store of the organisation; with more than one store mark down by hand for now",
                "降价以促销实现，会作用于本组织所有门店；多门店组织暂请手动设置",
            ));
        }
        let suggestions = self.markdown_suggestions(actor).await?;
        let (field, found) = match target {
            MarkdownTarget::Lot(id) => (
                "lot_id",
                suggestions
                    .into_iter()
                    .find(|s| s.lot.as_ref().is_some_and(|l| l.0 == LotId(id))),
            ),
            MarkdownTarget::Product(id) => (
                "product_id",
                suggestions
                    .into_iter()
                    .find(|s| s.kind == "slow" && s.product == ProductId(id)),
            ),
        };
        let s = found.ok_or_else(|| {
            AppError::invalid(
                field,
                "there is no markdown to accept for it now (already marked down, or not due)",
                "目前没有可接受的降价建议（已降价或未到期）",
            )
        })?;
        let store = self.actor_store(actor).await?;
        let now = self.now();
        // The lot's (or product's) markdowns running now, to replace once the new runs.
        let replaced: Vec<MarkdownRow> = self
            .store
            .org_markdowns(actor.org, now, 1000)
            .await?
            .into_iter()
            .filter(|m| {
                m.active
                    && ((s.lot.is_some() && m.lot == s.lot.as_ref().map(|l| l.0))
                        || (s.weighed && m.product == s.product && m.method == METHOD_PRICE))
            })
            .collect();
        let (method, promotion) = if s.weighed {
            // A flash sale prices pieces: a weighed good's price per kg comes down, through
            // the normal price change (audited; the labels follow).
            actor.require(Permission::ChangePrice)?;
            self.set_price(actor, s.product, s.price_fen).await?;
            (METHOD_PRICE, None)
        } else {
            let (name, note) = match &s.lot {
                Some((_, code, _)) => (
                    format!("临期特价 {}", s.name_zh),
                    format!("markdown: lot {code}, {} days left", s.days_left.unwrap_or(0)),
                ),
                None => (format!("清仓特价 {}", s.name_zh), "markdown: slow mover".to_string()),
            };
            let promotion = self
                .create_promotion(
                    actor,
                    crate::offers::PromotionInput {
                        name_zh: name.chars().take(40).collect(),
                        kind: "flash_sale".into(),
                        product_id: Some(s.product.0),
                        price_fen: Some(s.price_fen),
                        cap_per_order: Some(s.units.clamp(1, MARKDOWN_UNITS_PER_ORDER_MAX)),
                        flash_cap: Some(s.units),
                        starts_at: now,
                        ends_at: s.ends_at,
                        note: Some(note),
                        ..Default::default()
                    },
                )
                .await?;
            (METHOD_FLASH_SALE, Some(promotion.id.0))
        };
        // A deeper step replaces the earlier markdown, once the new one runs (a replaced
        // price markdown is not put back: the new price stands).
        for m in replaced {
            if let Some(p) = m.promotion {
                self.end_promotion(actor, p).await?;
            }
            self.store.end_markdown(actor.org, m.id, now).await?;
        }
        let id = self
            .store
            .record_markdown(
                actor.org,
                &NewMarkdown {
                    store,
                    product: s.product,
                    lot: s.lot.as_ref().map(|l| l.0),
                    kind: s.kind,
                    off_bp: s.off_bp,
                    price_fen: s.price_fen,
                    units: s.units,
                    method,
                    regular_price_fen: s.regular_price_fen,
                    promotion,
                    ends_at: s.ends_at,
                    created_by: Some(actor.staff.0),
                },
                now,
            )
            .await?;
        Ok(self.store.markdown(actor.org, id, now).await?)
    }

    /// Ends a markdown now (undo a mistake): its flash sale ends, or a weighed good's
    /// price per kg is put back (unless it was changed again meanwhile); the labels follow.
    pub async fn end_markdown(&self, actor: &Actor, id: i64) -> Result<MarkdownRow, AppError> {
        actor.require(Permission::ManageOffers)?;
        let now = self.now();
        let m = self.store.markdown(actor.org, id, now).await?;
        if m.active {
            if let Some(p) = m.promotion {
                self.end_promotion(actor, p).await?;
            } else {
                actor.require(Permission::ChangePrice)?;
                let current = self.store.product(actor.org, m.product).await?.price_fen;
                if current == m.price_fen {
                    self.set_price(actor, m.product, m.regular_price_fen).await?;
                }
            }
            self.store.end_markdown(actor.org, id, now).await?;
        }
        Ok(self.store.markdown(actor.org, id, self.now()).await?)
    }

    /// Puts back the price of every weighed good whose markdown has ended by `now` (the
    /// lot's day is over), unless the price was changed again meanwhile; for the sweeper.
    /// Answers how many prices were put back.
    pub async fn restore_due_markdowns(&self, now: i64) -> Result<usize, AppError> {
        let mut restored = 0;
        for (org, id) in self.store.due_price_markdowns(now).await? {
            let m = self.store.markdown(org, id, now).await?;
            if !self.store.end_markdown(org, id, now).await? {
                continue;
            }
            let p = self.store.product(org, m.product).await?;
            let (Some(staff), true) = (m.created_by, p.price_fen == m.price_fen) else {
                continue;
            };
            let mut data = crate::catalog::to_data(&p);
            data.price_fen = m.regular_price_fen;
            // Recorded as the change of the manager who accepted the markdown.
            self.store
                .update_product(org, p.id, &data, linli_domain::ids::StaffId(staff), now)
                .await?;
            self.refresh_labels_for(org, p.id).await;
            restored += 1;
        }
        Ok(restored)
    }

    /// Markdowns accepted at the actor's store, newest first.
    pub async fn markdowns(&self, actor: &Actor, limit: i64) -> Result<Vec<MarkdownRow>, AppError> {
        actor.require(Permission::ManageOffers)?;
        let store = self.actor_store(actor).await?;
        Ok(self.store.markdowns(actor.org, store, self.now(), limit).await?)
    }
}

/// Whether an outlook still covers at least `OUTLOOK_FRESH_DAYS_MIN` days from today:
/// the demand_forecast job ran lately.
pub fn outlook_is_fresh(outlook: &[DemandForecast]) -> bool {
    outlook
        .iter()
        .map(|f| f.day)
        .collect::<std::collections::HashSet<_>>()
        .len()
        >= OUTLOOK_FRESH_DAYS_MIN
}

fn default_ladder() -> MarkdownLadderRow {
    MarkdownLadderRow {
        category: None,
        steps: DEFAULT_LADDER.into(),
        floor_cost_bp: DEFAULT_FLOOR_COST_BP,
        slow_cover_days: DEFAULT_SLOW_COVER_DAYS,
        slow_off_bp: DEFAULT_SLOW_OFF_BP,
    }
}

/// Tenths of a number given with at most one decimal (°C or mm).
fn tenths(v: f64, field: &str, min: f64, max: f64) -> Result<i64, AppError> {
    if !v.is_finite() || v < min || v > max {
        return Err(AppError::invalid(
            field,
            &format!("must be a number from {min} to {max}"),
            &format!("须为 {min} 到 {max} 之间的数"),
        ));
    }
    Ok((v * 10.0).round() as i64)
}

fn weather_row(d: &WeatherInput, today: i64, field: &str) -> Result<WeatherDay, AppError> {
    let date: jiff::civil::Date = d.date.trim().parse().map_err(|_| {
        AppError::invalid(
            &format!("{field}.date"),
            "write the date as YYYY-MM-DD",
            "日期格式须为 YYYY-MM-DD",
        )
    })?;
    let day = day_number(date);
    if (day - today).abs() > 3_660 {
        return Err(AppError::invalid(
            &format!("{field}.date"),
            "the date is more than ten years away",
            "日期距今超过十年",
        ));
    }
    let temp_max_dc = tenths(d.temp_max, &format!("{field}.temp_max"), -50.0, 60.0)?;
    let temp_min_dc = tenths(d.temp_min, &format!("{field}.temp_min"), -50.0, 60.0)?;
    if temp_min_dc > temp_max_dc {
        return Err(AppError::invalid(
            &format!("{field}.temp_min"),
            "the low is above the high",
            "最低气温高于最高气温",
        ));
    }
    let rain_dmm = tenths(d.rain_mm, &format!("{field}.rain_mm"), 0.0, 2_000.0)?;
    let condition_zh = crate::free_text(
        d.condition_zh.as_deref().unwrap_or(""),
        &format!("{field}.condition"),
        20,
    )?;
    Ok(WeatherDay {
        day,
        temp_max_dc,
        temp_min_dc,
        rain_dmm,
        condition_zh: if condition_zh.is_empty() {
            condition_of(rain_dmm).into()
        } else {
            condition_zh
        },
        kind: if day < today { "observed" } else { "forecast" }.into(),
    })
}

/// The China Meteorological Administration's daily rain grades.
pub fn condition_of(rain_dmm: i64) -> &'static str {
    match rain_dmm {
        0 => "晴",
        1..=99 => "小雨",
        100..=249 => "中雨",
        250..=499 => "大雨",
        _ => "暴雨",
    }
}

/// Parses weather CSV (see [`App::import_weather_csv`]).
pub fn parse_weather_csv(text: &str, today: i64) -> Result<Vec<WeatherInput>, AppError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(AppError::invalid("csv", "the file is empty", "文件是空的"));
    };
    let names: Vec<String> = header.split(',').map(|h| h.trim().to_ascii_lowercase()).collect();
    let col = |name: &str| names.iter().position(|n| n == name);
    let (Some(date), Some(high), Some(low), Some(rain)) =
        (col("date"), col("temp_max"), col("temp_min"), col("rain_mm"))
    else {
        return Err(AppError::invalid(
            "csv",
            "line 1: the header must name date, temp_max, temp_min and rain_mm",
            "第 1 行：表头须包含 date、temp_max、temp_min 和 rain_mm",
        ));
    };
    let condition = col("condition");
    let mut out = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != names.len() {
            return Err(AppError::invalid(
                "csv",
                &format!("line {n}: {} cells where the header has {}", cells.len(), names.len()),
                &format!("第 {n} 行：有 {} 列，表头有 {} 列", cells.len(), names.len()),
            ));
        }
        let number = |c: usize| {
            cells[c].parse::<f64>().map_err(|_| {
                AppError::invalid(
                    "csv",
                    &format!("line {n}, column {}: {} is not a number", c + 1, names[c]),
                    &format!("第 {n} 行第 {} 列：{} 不是数字", c + 1, names[c]),
                )
            })
        };
        let day = WeatherInput {
            date: cells[date].to_string(),
            temp_max: number(high)?,
            temp_min: number(low)?,
            rain_mm: number(rain)?,
            condition_zh: condition.map(|c| cells[c].to_string()),
        };
        // Checked here too, so the error names the line.
        weather_row(&day, today, "csv").map_err(|e| match e {
            AppError::Invalid {
                field,
                message_en,
                message_zh,
            } => AppError::Invalid {
                field: "csv".into(),
                message_en: format!("line {n}: {} {message_en}", field.trim_start_matches("csv.")),
                message_zh: format!("第 {n} 行：{} {message_zh}", field.trim_start_matches("csv.")),
            },
            e => e,
        })?;
        out.push(day);
    }
    if out.is_empty() {
        return Err(AppError::invalid("csv", "no days after the header", "表头之后没有数据"));
    }
    Ok(out)
}

/// A day number as 11月27日 (周五) and Nov 27 (Fri).
pub fn day_label(day: i64) -> (String, String) {
    let Some(d) = date_of(day) else {
        return (String::new(), String::new());
    };
    let zh = ["一", "二", "三", "四", "五", "六", "日"];
    let en = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let w = usize::from(d.weekday().to_monday_zero_offset().unsigned_abs());
    (
        format!("{}月{}日（周{}）", d.month(), d.day(), zh[w]),
        format!("{} {} ({})", d.strftime("%b"), d.day(), en[w]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store whose umbrellas sell 2 a day, 12 on a rainy day; 120 days, every third
    /// day rainy; tomorrow a downpour is forecast.
    fn rainy_store() -> DemandInput {
        let today = day_number(jiff::civil::date(2026, 11, 26));
        let (store, location, umbrella) = (StoreId(1), LocationId(1), ProductId(7));
        let first_day = today - FORECAST_HISTORY_DAYS;
        let rainy = |d: i64| d % 3 == 0;
        let mut weather = BTreeMap::new();
        for d in first_day..today + FORECAST_HORIZON_DAYS as i64 {
            let rain = if d == today + 1 {
                600
            } else if rainy(d) && d < today {
                80
            } else {
                0
            };
            weather.insert(
                d,
                WeatherDay {
                    day: d,
                    temp_max_dc: 180,
                    temp_min_dc: 100,
                    rain_dmm: rain,
                    condition_zh: condition_of(rain).into(),
                    kind: if d < today { "observed" } else { "forecast" }.into(),
                },
            );
        }
        DemandInput {
            today,
            series: vec![SalesSeries {
                location,
                product: umbrella,
                first_day,
                units: (first_day..today).map(|d| if rainy(d) { 12.0 } else { 2.0 }).collect(),
            }],
            weather: [(store, weather)].into_iter().collect(),
            store_of: [(location, store)].into_iter().collect(),
            // ¥25 an umbrella, in thousandths of a fen per unit.
            products: [(umbrella, (Some(CategoryId(3)), 2_500_000))].into_iter().collect(),
        }
    }

    #[test]
    fn rain_raises_the_forecast_and_an_alert_naming_it() {
        let input = rainy_store();
        let today = input.today;
        let (rows, alerts) = demand_of(&input);
        let day = |d: i64, backtest: bool| {
            rows.iter()
                .find(|r| r.day == d && r.backtest == backtest)
                .unwrap_or_else(|| panic!("day {d} backtest {backtest}"))
        };
        // Tomorrow rains: about 12, against about 2 without the rain.
        let rain = day(today + 1, false);
        assert!((rain.forecast_milli - 12_000).abs() < 1_500, "{rain:?}");
        assert!((rain.baseline_milli - 2_000).abs() < 1_000, "{rain:?}");
        assert!(rain.lo80_milli <= rain.forecast_milli && rain.forecast_milli <= rain.hi80_milli);
        // A dry day: about 2.
        let dry = day(today + 2, false);
        assert!((dry.forecast_milli - 2_000).abs() < 1_000, "{dry:?}");
        // The backtest covers the 14 days before today and follows the rain that came.
        let tested: Vec<_> = rows.iter().filter(|r| r.backtest).collect();
        assert_eq!(tested.len(), BACKTEST_DAYS);
        for r in tested {
            let want = if r.day % 3 == 0 { 12_000 } else { 2_000 };
            assert!((r.forecast_milli - want).abs() < 1_500, "{r:?}");
        }
        assert_eq!(rows.iter().filter(|r| !r.backtest).count(), FORECAST_HORIZON_DAYS);
        // One alert: tomorrow, rain, about +500%; today and the day after are dry.
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        let a = &alerts[0];
        assert_eq!(
            (a.day, a.cause.as_str(), a.category),
            (today + 1, "rain", CategoryId(3))
        );
        assert!(a.change_bp > 30_000, "{a:?}");
        assert!((a.expected_milli - 30_000).abs() < 4_000, "¥25 × 12 in fen: {a:?}");
    }

    #[test]
    fn without_weather_the_calendar_alone_is_used() {
        let mut input = rainy_store();
        input.weather.clear();
        let (rows, alerts) = demand_of(&input);
        assert_eq!(rows.iter().filter(|r| !r.backtest).count(), FORECAST_HORIZON_DAYS);
        assert!(alerts.is_empty(), "no weather, no weather alert: {alerts:?}");
        // The mean of the history (about 5.3 a day) rather than 12 tomorrow.
        let tomorrow = rows.iter().find(|r| r.day == input.today + 1 && !r.backtest).unwrap();
        assert!(tomorrow.forecast_milli < 9_000, "{tomorrow:?}");
    }

    #[test]
    fn a_sparse_series_is_forecast_without_regressors() {
        let mut input = rainy_store();
        // Ten sales days in 120: the weather is not fitted to it.
        input.series[0].units = (0..FORECAST_HISTORY_DAYS)
            .map(|k| if k % 12 == 0 { 3.0 } else { 0.0 })
            .collect();
        let (rows, alerts) = demand_of(&input);
        assert!(alerts.is_empty(), "{alerts:?}");
        for r in rows.iter().filter(|r| !r.backtest) {
            assert_eq!(r.forecast_milli, r.baseline_milli, "{r:?}");
            assert!(r.forecast_milli >= 0 && r.lo80_milli >= 0);
        }
    }

    #[test]
    fn weather_csv_errors_name_the_line_and_column() {
        let today = day_number(jiff::civil::date(2026, 11, 26));
        let ok = parse_weather_csv(
            "\u{feff}date,temp_max,temp_min,rain_mm,condition\n2026-11-27,14,8,32.5,暴雨\n",
            today,
        )
        .unwrap();
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].rain_mm, 32.5);
        let err = |text: &str| match parse_weather_csv(text, today) {
            Err(AppError::Invalid { message_en, .. }) => message_en,
            other => panic!("{other:?}"),
        };
        assert!(err("").contains("empty"));
        assert!(err("date,temp_max\n").contains("header"));
        assert!(err("date,temp_max,temp_min,rain_mm\n2026-11-27,14,8\n").starts_with("line 2: 3 cells"));
        assert!(
            err("date,temp_max,temp_min,rain_mm\n2026-11-27,14,8,1\n2026-11-28,x,8,1\n")
                .starts_with("line 3, column 2")
        );
        assert!(err("date,temp_max,temp_min,rain_mm\n2026-13-27,14,8,1\n").starts_with("line 2: date"));
        assert!(err("date,temp_max,temp_min,rain_mm\n2026-11-27,4,8,1\n").contains("low is above the high"));
        assert!(err("date,temp_max,temp_min,rain_mm\n2026-11-27,14,8,-1\n").contains("rain_mm"));
        assert!(err("date,temp_max,temp_min,rain_mm\n").contains("no days"));
    }

    #[test]
    fn rain_grades_and_day_labels() {
        assert_eq!(condition_of(0), "晴");
        assert_eq!(condition_of(50), "小雨");
        assert_eq!(condition_of(120), "中雨");
        assert_eq!(condition_of(300), "大雨");
        assert_eq!(condition_of(600), "暴雨");
        let d = day_number(jiff::civil::date(2026, 11, 27));
        assert_eq!(date_of(d), Some(jiff::civil::date(2026, 11, 27)));
        assert_eq!(
            day_label(d),
            ("11月27日（周五）".to_string(), "Nov 27 (Fri)".to_string())
        );
        // 国庆: a holiday day off; 2026-10-10 (Saturday) is a 调休 working day.
        assert_eq!(calendar_effects(day_number(jiff::civil::date(2026, 10, 2)))[0], 1.0);
        assert_eq!(calendar_effects(day_number(jiff::civil::date(2026, 10, 10)))[2], 1.0);
    }
}
