//! Demand forecasts per series: the models of [`models`], `auto` choosing per series by
//! backtesting on its own history, forecasts with 80% intervals, and the holdout
//! evaluation (MAE, RMSE, MASE) that measures them against published figures.
//!
//! Input is wide: the series id, then one column per period, an empty cell missing (as
//! `carparts.csv`). Trailing empty cells end a series early; a series with a gap inside
//! is left out and counted.
//!
//! Or long: `series_id,date,value` and any further columns as regressors (numbers or
//! true/false) whose future values are known, such as temperature, rain or a holiday.
//! Rows after a series' last value, with the value empty, carry the regressors of the
//! periods to forecast. With regressors a series is forecast in two stages: least
//! squares of the value on the regressors (and a constant), then the chosen model on
//! what the regressors leave (simple exponential smoothing in place of `auto` and the
//! intermittent-demand models, which read only values above zero as demand); the
//! forecast adds the two back. A series shorter than
//! `REGRESSION_MIN_PER_COEFFICIENT` values per coefficient, or without a future row for
//! every step asked, is forecast without its regressors.

pub mod ets;
pub mod models;

use crate::Progress;
use crate::input::{InputError, lines};
pub use models::Model;
use std::collections::BTreeMap;

/// Series a file may hold.
pub const SERIES_MAX: usize = 1_000_000;
/// Periods a series may have.
pub const PERIODS_MAX: usize = 100_000;
/// Steps a forecast may look ahead.
pub const HORIZON_MAX: usize = 10_000;

/// z for a two-sided 80% interval.
const Z80: f64 = 1.281_551_565_544_600_5;

/// A series as read: its id and its values (`None` missing).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub id: String,
    pub values: Vec<Option<f64>>,
    /// Long format only: the regressors of each period of `values`, and of the future
    /// periods after them (rows whose value is empty). Empty without regressors.
    pub regressors: Vec<Vec<f64>>,
    pub future: Vec<Vec<f64>>,
    /// Long format only: the day (since 1970-01-01) of each period of `values`, and of
    /// each future row.
    pub dates: Vec<i32>,
    pub future_dates: Vec<i32>,
}

/// Why calendar regressors could not be added.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar effects need the long format (series_id,date,value): series {0} has no dates")]
    NoDates(String),
    #[error("calendar effects need daily dates: series {0} steps by {1} days")]
    NotDaily(String, i32),
}

/// Adds `names.len()` regressors computed from each period's day by `effects` (a
/// holiday calendar, say) to every series, history and future. A series without future
/// rows gets `horizon` daily ones.
pub fn add_day_regressors(
    series: &mut [Series],
    horizon: usize,
    effects: &dyn Fn(i32) -> Vec<f64>,
) -> Result<(), CalendarError> {
    for s in series.iter_mut() {
        if s.dates.is_empty() && s.future_dates.is_empty() {
            return Err(CalendarError::NoDates(s.id.clone()));
        }
        if let Some(w) = s.dates.windows(2).find(|w| w[1] - w[0] != 1) {
            return Err(CalendarError::NotDaily(s.id.clone(), w[1] - w[0]));
        }
        let last = *s.future_dates.last().or(s.dates.last()).expect("dates are not empty");
        let missing = horizon.saturating_sub(s.future_dates.len());
        let had_regressors = !s.regressors.is_empty();
        // Without known values for the file's own regressors the added rows cannot carry
        // them: such a series keeps fewer future rows than steps and goes without.
        for k in 1..=missing as i32 {
            s.future_dates.push(last + k);
        }
        if !had_regressors {
            // The file's own future rows (values empty) carried no regressors either.
            s.regressors = vec![Vec::new(); s.dates.len()];
            s.future = vec![Vec::new(); s.future_dates.len()];
        }
        for (row, day) in s.regressors.iter_mut().zip(&s.dates) {
            row.extend(effects(*day));
        }
        for (row, day) in s.future.iter_mut().zip(&s.future_dates) {
            row.extend(effects(*day));
        }
    }
    Ok(())
}

impl Series {
    /// The values up to the last one present, if none is missing before it.
    pub fn history(&self) -> Option<Vec<f64>> {
        let end = self.values.iter().rposition(Option::is_some)? + 1;
        self.values[..end].iter().copied().collect()
    }

    /// Every period present.
    pub fn is_complete(&self) -> bool {
        self.values.iter().all(Option::is_some)
    }
}

/// The model for what the regressors leave, which is centred on zero: the
/// intermittent-demand models count only values above zero as demand, so they and
/// `auto` give way to simple exponential smoothing there; the others are kept.
fn residual_model(choice: Choice) -> Model {
    match choice {
        Choice::One(m @ (Model::Naive | Model::SeasonalNaive | Model::Ses | Model::Ets)) => m,
        _ => Model::Ses,
    }
}

/// Values per regression coefficient a series needs before its regressors are used.
pub const REGRESSION_MIN_PER_COEFFICIENT: usize = 3;

/// Parses either format: long when the header starts `series_id,date,value`.
pub fn parse(bytes: &[u8]) -> Result<Vec<Series>, InputError> {
    let first = lines(bytes).next().transpose()?.map(|(_, t)| t.to_ascii_lowercase());
    match first {
        Some(h) if h.replace(' ', "").starts_with("series_id,date,value") => parse_long(bytes),
        _ => parse_wide(bytes),
    }
}

/// A regressor cell: a number, or true/false (1/0).
fn regressor(cell: &str, line: usize, column: usize, name: &str) -> Result<f64, InputError> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(1.0),
        "false" => Ok(0.0),
        t => t
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| InputError::at(line, column, format!("{name} is not a number or true/false: {cell:?}"))),
    }
}

/// Parses the long format (see the module documentation). Each series' dates must go
/// forward one step at a time: a fixed number of days, or one month.
pub fn parse_long(bytes: &[u8]) -> Result<Vec<Series>, InputError> {
    let mut names: Vec<String> = Vec::new();
    let mut order: Vec<String> = Vec::new();
    // Per series: (date, line, value, regressors).
    type Row = (i32, usize, usize, Option<f64>, Vec<f64>);
    let mut rows: std::collections::HashMap<String, Vec<Row>> = std::collections::HashMap::new();
    for line in lines(bytes) {
        let (n, text) = line?;
        if n == 1 {
            names = text.split(',').skip(3).map(|h| h.trim().to_string()).collect();
            continue;
        }
        let cells = crate::input::cells(text, n, 3 + names.len())?;
        let (id, id_col) = cells[0];
        let id = id.trim();
        if id.is_empty() {
            return Err(InputError::at(n, id_col, "empty series_id"));
        }
        let (date, date_col) = cells[1];
        let day = crate::input::parse_date(date.trim()).map_err(|m| InputError::at(n, date_col, m))?;
        let (value, value_col) = cells[2];
        let value = if value.trim().is_empty() {
            None
        } else {
            match value.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    return Err(InputError::at(
                        n,
                        value_col,
                        format!("value is not a number: {value:?}"),
                    ));
                }
            }
        };
        let mut x = Vec::with_capacity(names.len());
        for (k, name) in names.iter().enumerate() {
            let (cell, col) = cells[3 + k];
            x.push(regressor(cell, n, col, name)?);
        }
        if !rows.contains_key(id) {
            if order.len() == SERIES_MAX {
                return Err(InputError::at(n, id_col, format!("more than {SERIES_MAX} series")));
            }
            order.push(id.to_string());
        }
        let list = rows.entry(id.to_string()).or_default();
        if list.len() == PERIODS_MAX {
            return Err(InputError::at(n, date_col, format!("more than {PERIODS_MAX} periods")));
        }
        list.push((day, n, date_col, value, x));
    }
    if order.is_empty() {
        return Err(InputError::at(1, 1, "no series: the file has no rows under its header"));
    }
    let mut series = Vec::with_capacity(order.len());
    for id in order {
        let mut list = rows.remove(&id).expect("every id has rows");
        list.sort_by_key(|r| r.0);
        for w in list.windows(2) {
            if w[0].0 == w[1].0 {
                return Err(InputError::at(
                    w[1].1,
                    w[1].2,
                    format!("series {id} has this date twice"),
                ));
            }
        }
        if list.len() >= 3 {
            let step = |a: i32, b: i32| b - a;
            let monthly = |a: i32, b: i32| {
                let (fa, fb) = (crate::input::format_date(a), crate::input::format_date(b));
                let (ya, ma): (i32, i32) = (fa[..4].parse().expect("digits"), fa[5..7].parse().expect("digits"));
                let (yb, mb): (i32, i32) = (fb[..4].parse().expect("digits"), fb[5..7].parse().expect("digits"));
                // The last day of both months counts too (31 Jan, 28 Feb, 31 Mar).
                let month_end = |d: i32| crate::input::format_date(d + 1)[8..] == *"01";
                (yb * 12 + mb) - (ya * 12 + ma) == 1 && (fa[8..] == fb[8..] || (month_end(a) && month_end(b)))
            };
            let first_step = step(list[0].0, list[1].0);
            let is_monthly = monthly(list[0].0, list[1].0);
            for w in list.windows(2) {
                let regular = if is_monthly {
                    monthly(w[0].0, w[1].0)
                } else {
                    step(w[0].0, w[1].0) == first_step
                };
                if !regular {
                    return Err(InputError::at(
                        w[1].1,
                        w[1].2,
                        format!(
                            "series {id} skips a period here: its dates go forward by a fixed step (missing values are empty cells)"
                        ),
                    ));
                }
            }
        }
        let last_value = list.iter().rposition(|r| r.3.is_some());
        let (history, future) = match last_value {
            Some(k) => list.split_at(k + 1),
            None => list.split_at(0),
        };
        series.push(Series {
            id,
            values: history.iter().map(|r| r.3).collect(),
            regressors: if names.is_empty() {
                Vec::new()
            } else {
                history.iter().map(|r| r.4.clone()).collect()
            },
            future: if names.is_empty() {
                Vec::new()
            } else {
                future.iter().map(|r| r.4.clone()).collect()
            },
            dates: history.iter().map(|r| r.0).collect(),
            future_dates: future.iter().map(|r| r.0).collect(),
        });
    }
    Ok(series)
}

/// Least squares of `y` on a constant and the columns of `x` (rows of equal length);
/// `None` when singular.
fn least_squares(y: &[f64], x: &[Vec<f64>]) -> Option<Vec<f64>> {
    let k = x[0].len() + 1;
    let mut a = vec![vec![0.0; k]; k];
    let mut b = vec![0.0; k];
    for (row, v) in x.iter().zip(y) {
        let full: Vec<f64> = std::iter::once(1.0).chain(row.iter().copied()).collect();
        for i in 0..k {
            b[i] += full[i] * v;
            for j in 0..k {
                a[i][j] += full[i] * full[j];
            }
        }
    }
    ets::solve(a, b)
}

fn fitted(beta: &[f64], row: &[f64]) -> f64 {
    beta[0] + row.iter().zip(&beta[1..]).map(|(x, b)| x * b).sum::<f64>()
}

/// The regression stage for a history with regressors `x` (one row per value) and the
/// future rows: (what is left to the model, the regression part of each future step).
/// `None` when there are no regressors or too few values for them.
fn regression_stage(y: &[f64], x: &[Vec<f64>], future: &[Vec<f64>]) -> Option<(Vec<f64>, Vec<f64>)> {
    let first = x.first()?;
    // Only the columns that vary in the history can be estimated (a holiday flag in a
    // stretch without holidays cannot).
    let keep: Vec<usize> = (0..first.len())
        .filter(|&j| x.iter().any(|row| row[j] != first[j]))
        .collect();
    let k = keep.len() + 1;
    if keep.is_empty() || x.len() != y.len() || y.len() < REGRESSION_MIN_PER_COEFFICIENT * k {
        return None;
    }
    let pick = |rows: &[Vec<f64>]| -> Vec<Vec<f64>> {
        rows.iter().map(|row| keep.iter().map(|&j| row[j]).collect()).collect()
    };
    let (x, future) = (pick(x), pick(future));
    let beta = least_squares(y, &x)?;
    let residual = y.iter().zip(&x).map(|(v, row)| v - fitted(&beta, row)).collect();
    Some((residual, future.iter().map(|row| fitted(&beta, row)).collect()))
}

/// Parses the wide format. A first line whose period cells are not all numbers (or
/// empty) is the header.
pub fn parse_wide(bytes: &[u8]) -> Result<Vec<Series>, InputError> {
    let mut series = Vec::new();
    let mut width: Option<usize> = None;
    for line in lines(bytes) {
        let (n, text) = line?;
        if text.trim().is_empty() {
            return Err(InputError::at(n, 1, "empty line"));
        }
        let cells: Vec<&str> = text.split(',').collect();
        let period_cell = |c: &str| {
            let c = c.trim();
            c.is_empty() || c.eq_ignore_ascii_case("na") || c.parse::<f64>().is_ok()
        };
        if n == 1 && !cells[1..].iter().all(|c| period_cell(c)) {
            width = Some(cells.len());
            continue;
        }
        let expected = *width.get_or_insert(cells.len());
        let at = |k: usize| cells[..k].iter().map(|c| c.chars().count() + 1).sum::<usize>() + 1;
        if cells.len() != expected {
            // Where the missing cell would start, or where the first extra one does.
            let column = if cells.len() < expected {
                text.chars().count() + 1
            } else {
                at(expected)
            };
            return Err(InputError::at(
                n,
                column,
                format!("{} cells where {expected} were expected", cells.len()),
            ));
        }
        if cells.len() < 2 {
            return Err(InputError::at(n, 1, "a series needs an id and at least one period"));
        }
        if cells.len() - 1 > PERIODS_MAX {
            return Err(InputError::at(
                n,
                at(PERIODS_MAX + 1),
                format!("more than {PERIODS_MAX} periods"),
            ));
        }
        if series.len() == SERIES_MAX {
            return Err(InputError::at(n, 1, format!("more than {SERIES_MAX} series")));
        }
        let id = cells[0].trim();
        if id.is_empty() {
            return Err(InputError::at(n, 1, "empty series id"));
        }
        let mut values = Vec::with_capacity(cells.len() - 1);
        for (k, cell) in cells.iter().enumerate().skip(1) {
            let cell = cell.trim();
            if cell.is_empty() || cell.eq_ignore_ascii_case("na") {
                values.push(None);
                continue;
            }
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => values.push(Some(v)),
                _ => return Err(InputError::at(n, at(k), format!("not a number: {cell:?}"))),
            }
        }
        series.push(Series {
            id: id.to_string(),
            values,
            regressors: Vec::new(),
            future: Vec::new(),
            dates: Vec::new(),
            future_dates: Vec::new(),
        });
    }
    if series.is_empty() {
        return Err(InputError::at(1, 1, "no series: the file is empty"));
    }
    Ok(series)
}

/// What `--model` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    One(Model),
    /// Per series, the model with the least error when its own history is backtested.
    Auto,
}

impl Choice {
    pub fn parse(name: &str) -> Option<Choice> {
        if name == "auto" {
            Some(Choice::Auto)
        } else {
            Model::parse(name).map(Choice::One)
        }
    }

    /// The model for this history.
    pub fn pick(self, y: &[f64], horizon: usize, season: usize) -> Model {
        match self {
            Choice::One(m) => m,
            Choice::Auto => backtest_pick(y, horizon, season),
        }
    }
}

/// The models `auto` chooses among. Not the naive ones: on intermittent demand the last
/// value is a gamble on whether the last period happened to sell.
pub const AUTO_CANDIDATES: [Model; 6] = [
    Model::Adida,
    Model::Imapa,
    Model::Ses,
    Model::Sba,
    Model::Tsb,
    Model::Croston,
];

/// Least history a backtest origin fits on.
const BACKTEST_MIN_HISTORY: usize = 3;

/// Rolling-origin backtest on `y`'s own history: from each of its last `horizon` periods
/// (as far as at least `BACKTEST_MIN_HISTORY` values stay before it), every candidate
/// forecasts that period from the values before it; the candidate with the least total
/// absolute error wins (the first listed on a tie). One-step errors over many origins
/// judge the level these flat forecasts hold better than one window of `horizon` steps
/// would; on car parts the choice scores MASE 1.088–1.093 whether 12, 18, 24 or 30
/// origins are used. ADIDA when the history is too short for any origin.
fn backtest_pick(y: &[f64], horizon: usize, _season: usize) -> Model {
    let first = y.len().saturating_sub(horizon).max(BACKTEST_MIN_HISTORY);
    if first >= y.len() {
        return Model::Adida;
    }
    let mut best = (f64::INFINITY, Model::Adida);
    for m in AUTO_CANDIDATES {
        let error: f64 = (first..y.len())
            .map(|t| (m.forecast(&y[..t], 1, 1)[0] - y[t]).abs())
            .sum();
        if error < best.0 {
            best = (error, m);
        }
    }
    best.1
}

/// One step of a forecast with its 80% interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub step: usize,
    pub forecast: f64,
    pub lo80: f64,
    pub hi80: f64,
}

/// A series' forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub series: String,
    pub model: Model,
    pub steps: Vec<Step>,
}

/// Forecasts `horizon` steps for `y`. The interval is the forecast ± z·σ·spread(k), σ
/// the root mean square of the model's in-sample one-step errors (refitting on each
/// prefix from the third value), clipped at zero for a series that never went below it.
pub fn forecast_one(y: &[f64], model: Model, horizon: usize, season: usize) -> Vec<Step> {
    bounded_steps(y, raw_steps(y, model, horizon, season))
}

/// (forecast, half width of the 80% interval) per step, before any floor.
fn raw_steps(y: &[f64], model: Model, horizon: usize, season: usize) -> Vec<(f64, f64)> {
    if model == Model::Ets
        && let Some(fit) = ets::auto(y, season)
    {
        // The model's own variance: σ² of its one-step errors (relative ones for a
        // multiplicative error, so the interval scales with the forecast).
        let sigma = fit.sigma2.sqrt();
        let relative = fit.form.error == ets::Kind::Multiplicative;
        return fit
            .forecast(horizon)
            .into_iter()
            .enumerate()
            .map(|(k, f)| {
                (
                    f,
                    Z80 * sigma * fit.spread(k + 1) * if relative { f.abs() } else { 1.0 },
                )
            })
            .collect();
    }
    let point = model.forecast(y, horizon, season);
    let start = 2.min(y.len());
    let errors: Vec<f64> = (start..y.len())
        .map(|i| y[i] - model.forecast(&y[..i], 1, season)[0])
        .collect();
    let sigma = if errors.is_empty() {
        0.0
    } else {
        (errors.iter().map(|e| e * e).sum::<f64>() / errors.len() as f64).sqrt()
    };
    point
        .into_iter()
        .enumerate()
        .map(|(k, f)| (f, Z80 * sigma * model.spread(y, k + 1, season)))
        .collect()
}

/// Steps from (forecast, half width). For a series that never went below zero (demand),
/// the forecast and its lower bound are not either: a trend can point below zero, sales
/// cannot. (The holdout scores use the models' own forecasts, as their peers do.)
fn bounded_steps(y: &[f64], points: Vec<(f64, f64)>) -> Vec<Step> {
    let non_negative = y.iter().all(|v| *v >= 0.0);
    let floor = |v: f64| if non_negative { v.max(0.0) } else { v };
    points
        .into_iter()
        .enumerate()
        .map(|(k, (f, half))| Step {
            step: k + 1,
            forecast: floor(f),
            lo80: floor(f - half),
            hi80: floor(f + half),
        })
        .collect()
}

/// Why a run was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    #[error("horizon must be from 1 to {HORIZON_MAX}")]
    Horizon,
    #[error("holdout must be from 1 to {HORIZON_MAX}")]
    HoldoutRange,
    #[error("season length must be at least 1")]
    Season,
    #[error("holdout {holdout} leaves no history: the longest complete series has {periods} periods")]
    Holdout { holdout: usize, periods: usize },
    #[error("no complete series to evaluate")]
    NoCompleteSeries,
}

/// Forecasts every series with a usable history; returns them and how many were left out.
pub fn forecast_all(
    series: &[Series],
    choice: Choice,
    horizon: usize,
    season: usize,
    progress: Progress<'_>,
) -> Result<(Vec<Forecast>, usize), ForecastError> {
    check(horizon, season)?;
    let results = parallel_map(series, progress, |s| {
        s.history().map(|y| {
            let stage = (s.future.len() >= horizon)
                .then(|| regression_stage(&y, &s.regressors, &s.future[..horizon]))
                .flatten();
            let steps = match stage {
                Some((residual, part)) => {
                    let model = residual_model(choice);
                    let raw = raw_steps(&residual, model, horizon, season);
                    let steps = raw.into_iter().zip(part).map(|((f, half), r)| (f + r, half)).collect();
                    (model, bounded_steps(&y, steps))
                }
                None => {
                    let model = choice.pick(&y, horizon, season);
                    (model, forecast_one(&y, model, horizon, season))
                }
            };
            Forecast {
                series: s.id.clone(),
                model: steps.0,
                steps: steps.1,
            }
        })
    });
    let skipped = results.iter().filter(|r| r.is_none()).count();
    Ok((results.into_iter().flatten().collect(), skipped))
}

/// `f` over `items` on every core, results in the order of `items`. Progress is reported
/// from this thread as the workers advance.
fn parallel_map<T: Sync, R: Send>(items: &[T], progress: Progress<'_>, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Items are taken a few at a time from a shared counter, so a core whose items were
    // cheap takes more rather than idling while another finishes dear ones.
    const BATCH: usize = 8;
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len())
        .max(1);
    let (next, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let total = items.len() as u64;
    let mut parts: Vec<Vec<(usize, R)>> = Vec::with_capacity(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (f, next, done) = (&f, &next, &done);
                scope.spawn(move || {
                    let mut out = Vec::new();
                    loop {
                        let from = next.fetch_add(BATCH, Ordering::Relaxed);
                        if from >= items.len() {
                            break;
                        }
                        for (i, item) in items.iter().enumerate().skip(from).take(BATCH) {
                            out.push((i, f(item)));
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    out
                })
            })
            .collect();
        while handles.iter().any(|h| !h.is_finished()) {
            progress(done.load(Ordering::Relaxed) as u64, total);
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        for h in handles {
            parts.push(h.join().expect("a forecasting worker does not panic"));
        }
    });
    progress(total, total);
    // Back in the order of `items`.
    let mut all: Vec<(usize, R)> = parts.into_iter().flatten().collect();
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

/// Errors of a holdout evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub series: usize,
    /// Mean absolute error over every held-out value.
    pub mae: f64,
    /// Root mean squared error over every held-out value.
    pub rmse: f64,
    /// Mean over series (with a non-zero scale) of MAE over the in-sample one-step
    /// naive MAE.
    pub mase: f64,
    pub models: BTreeMap<&'static str, usize>,
}

/// Hides the last `holdout` values of every complete series, forecasts them from the
/// rest and scores the forecasts.
pub fn evaluate(
    series: &[Series],
    choice: Choice,
    holdout: usize,
    season: usize,
    progress: Progress<'_>,
) -> Result<Evaluation, ForecastError> {
    if holdout == 0 || holdout > HORIZON_MAX {
        return Err(ForecastError::HoldoutRange);
    }
    check(holdout, season)?;
    let complete: Vec<&Series> = series.iter().filter(|s| s.is_complete()).collect();
    if complete.is_empty() {
        return Err(ForecastError::NoCompleteSeries);
    }
    let longest = complete.iter().map(|s| s.values.len()).max().expect("not empty");
    if holdout + 2 > longest {
        return Err(ForecastError::Holdout {
            holdout,
            periods: longest,
        });
    }
    // Per series: (model, absolute error sum, squared error sum, MASE term if scaled).
    let scored = parallel_map(&complete, progress, |s| {
        let y: Vec<f64> = s.values.iter().map(|v| v.expect("complete")).collect();
        if y.len() < holdout + 2 {
            return None;
        }
        let (train, test) = y.split_at(y.len() - holdout);
        // The hidden periods' regressors are known; their values are not.
        let stage = (!s.regressors.is_empty())
            .then(|| {
                let (x_train, x_test) = s.regressors.split_at(y.len() - holdout);
                regression_stage(train, x_train, x_test)
            })
            .flatten();
        let (model, f) = match stage {
            Some((residual, part)) => {
                let model = residual_model(choice);
                let f = model
                    .forecast(&residual, holdout, season)
                    .into_iter()
                    .zip(part)
                    .map(|(a, b)| a + b)
                    .collect::<Vec<f64>>();
                (model, f)
            }
            None => {
                let model = choice.pick(train, holdout, season);
                (model, model.forecast(train, holdout, season))
            }
        };
        let abs: f64 = f.iter().zip(test).map(|(a, b)| (a - b).abs()).sum();
        let sq: f64 = f.iter().zip(test).map(|(a, b)| (a - b) * (a - b)).sum();
        let scale = train.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (train.len() - 1) as f64;
        let mase = (scale > 0.0).then(|| abs / holdout as f64 / scale);
        Some((model, abs, sq, mase))
    });
    let (mut abs, mut sq, mut points) = (0.0, 0.0, 0usize);
    let (mut mase_sum, mut mase_n) = (0.0, 0usize);
    let mut models = BTreeMap::new();
    let mut evaluated = 0;
    for (model, a, q, mase) in scored.into_iter().flatten() {
        *models.entry(model.name()).or_insert(0) += 1;
        abs += a;
        sq += q;
        points += holdout;
        if let Some(m) = mase {
            mase_sum += m;
            mase_n += 1;
        }
        evaluated += 1;
    }
    Ok(Evaluation {
        series: evaluated,
        mae: abs / points as f64,
        rmse: (sq / points as f64).sqrt(),
        mase: if mase_n > 0 { mase_sum / mase_n as f64 } else { f64::NAN },
        models,
    })
}

fn check(horizon: usize, season: usize) -> Result<(), ForecastError> {
    if horizon == 0 || horizon > HORIZON_MAX {
        return Err(ForecastError::Horizon);
    }
    if season == 0 {
        return Err(ForecastError::Season);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_input_with_a_header_trailing_gaps_and_errors() {
        let s = parse_wide(b"Part,Jan,Feb,Mar\na,1,0,2\nb,0,3,\nc,1,,2\n").unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[1].history(), Some(vec![0.0, 3.0]));
        assert_eq!(s[2].history(), None, "a gap inside");
        assert!(s[0].is_complete() && !s[1].is_complete());
        assert_eq!(
            parse_wide(b"a,1,2\nb,1,x\n"),
            Err(InputError::at(2, 5, "not a number: \"x\""))
        );
        assert_eq!(
            parse_wide(b"a,1,2\nb,1\n"),
            Err(InputError::at(2, 4, "2 cells where 3 were expected"))
        );
        assert_eq!(
            parse_wide(b"a,1,2\nb,1,2,3\n"),
            Err(InputError::at(2, 7, "4 cells where 3 were expected"))
        );
        assert_eq!(
            parse_wide(b""),
            Err(InputError::at(1, 1, "no series: the file is empty"))
        );
    }

    #[test]
    fn long_input_with_regressors_future_rows_and_errors() {
        let text = "series_id,date,value,rain,holiday\n\
                    a,2026-06-01,10,0,false\na,2026-06-02,30,1,false\na,2026-06-03,,0,true\n\
                    b,2026-06-01,5,0,false\na,2026-06-04,,1,false\n";
        let s = parse(text.as_bytes()).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].values, vec![Some(10.0), Some(30.0)]);
        assert_eq!(s[0].regressors, vec![vec![0.0, 0.0], vec![1.0, 0.0]]);
        assert_eq!(s[0].future, vec![vec![0.0, 1.0], vec![1.0, 0.0]]);
        assert_eq!(s[1].future, Vec::<Vec<f64>>::new());
        let check = |t: &str| parse(t.as_bytes()).unwrap_err();
        assert_eq!(
            check("series_id,date,value,rain\na,2026-06-01,1,maybe\n"),
            InputError::at(2, 16, "rain is not a number or true/false: \"maybe\"")
        );
        assert_eq!(
            check("series_id,date,value\na,2026-06-01,1\na,2026-06-02,1\na,2026-06-04,1\n").message,
            "series a skips a period here: its dates go forward by a fixed step (missing values are empty cells)"
        );
        assert_eq!(check("series_id,date,value\na,2026-06-01,1\na,2026-06-01,2\n").line, 3);
        // Monthly steps are regular though months differ in length.
        assert!(
            parse(b"series_id,date,value\na,2026-01-31,1\na,2026-02-28,2\na,2026-03-31,3\na,2026-04-30,4\n").is_ok()
        );
        assert!(parse(b"series_id,date,value\na,2026-01-15,1\na,2026-02-15,2\na,2026-03-20,3\n").is_err());
        // A wide first row with NA is data, not a header.
        assert_eq!(parse(b"a,1,NA,3\nb,4,5,6\n").unwrap().len(), 2);
        assert!(parse(b"series_id,date,value\na,2026-01-15,1\na,2026-02-15,2\na,2026-03-15,3\n").is_ok());
    }

    #[test]
    fn a_known_regressor_moves_the_forecast_and_lowers_the_holdout_error() {
        // 60 days of sales: 20 a day, 15 more on rainy days (every third), small noise.
        let rain = |d: usize| d.is_multiple_of(3);
        let mut with = String::from("series_id,date,value,rain\n");
        let mut without = String::from("series_id,date,value\n");
        for d in 0..60 {
            let noise = [0.4, -0.3, 0.1, -0.2, 0.3][d % 5];
            let v = 20.0 + if rain(d) { 15.0 } else { 0.0 } + noise;
            let date = crate::input::format_date(20_600 + d as i32);
            with.push_str(&format!("umbrella,{date},{v},{}\n", rain(d)));
            without.push_str(&format!("umbrella,{date},{v}\n"));
        }
        for d in 60..63 {
            with.push_str(&format!(
                "umbrella,{},,{}\n",
                crate::input::format_date(20_600 + d as i32),
                rain(d)
            ));
        }
        let (f, _) = forecast_all(
            &parse(with.as_bytes()).unwrap(),
            Choice::One(Model::Ses),
            3,
            7,
            &mut |_, _| {},
        )
        .unwrap();
        // Day 60 is rainy, 61 and 62 are not.
        let p: Vec<f64> = f[0].steps.iter().map(|s| s.forecast).collect();
        assert!(
            (p[0] - 35.0).abs() < 1.0 && (p[1] - 20.0).abs() < 1.0 && (p[2] - 20.0).abs() < 1.0,
            "{p:?}"
        );
        let score = |text: &str| {
            evaluate(
                &parse(text.as_bytes()).unwrap(),
                Choice::One(Model::Ses),
                12,
                7,
                &mut |_, _| {},
            )
            .unwrap()
            .mae
        };
        let with_history: String = with
            .lines()
            .filter(|l| !l.contains(",,"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(
            score(&with_history) < score(&without) / 3.0,
            "{} against {}",
            score(&with_history),
            score(&without)
        );
    }

    #[test]
    fn day_regressors_extend_history_and_future_and_need_daily_dates() {
        let mut s = parse(b"series_id,date,value\na,2026-06-01,1\na,2026-06-02,2\n").unwrap();
        add_day_regressors(&mut s, 2, &|d| vec![f64::from(d % 7)]).unwrap();
        let d0 = crate::input::parse_date("2026-06-01").unwrap();
        assert_eq!(
            s[0].regressors,
            vec![vec![f64::from(d0 % 7)], vec![f64::from((d0 + 1) % 7)]]
        );
        assert_eq!(s[0].future_dates, vec![d0 + 2, d0 + 3]);
        assert_eq!(s[0].future.len(), 2);
        // A file's own future row without regressor columns: it gets the calendar too,
        // in date order with the added one.
        let mut s = parse(b"series_id,date,value\na,2026-06-01,1\na,2026-06-02,2\na,2026-06-03,\n").unwrap();
        add_day_regressors(&mut s, 2, &|d| vec![f64::from(d)]).unwrap();
        assert_eq!(s[0].future, vec![vec![f64::from(d0 + 2)], vec![f64::from(d0 + 3)]]);
        let mut weekly = parse(b"series_id,date,value\na,2026-06-01,1\na,2026-06-08,2\n").unwrap();
        assert_eq!(
            add_day_regressors(&mut weekly, 2, &|_| vec![0.0]),
            Err(CalendarError::NotDaily("a".into(), 7))
        );
        let mut wide = parse(b"a,1,2\n").unwrap();
        assert_eq!(
            add_day_regressors(&mut wide, 1, &|_| vec![0.0]),
            Err(CalendarError::NoDates("a".into()))
        );
    }

    #[test]
    fn intervals_are_ordered_and_widen() {
        let y = [3.0, 0.0, 5.0, 2.0, 0.0, 4.0, 6.0, 0.0, 1.0, 3.0];
        for m in Model::ALL {
            let steps = forecast_one(&y, m, 6, 4);
            for w in steps.windows(2) {
                // The half width above the forecast (below, zero may clip it).
                assert!(
                    w[1].hi80 - w[1].forecast >= w[0].hi80 - w[0].forecast - 1e-12,
                    "{}",
                    m.name()
                );
            }
            for s in &steps {
                assert!(
                    s.lo80 <= s.forecast && s.forecast <= s.hi80 && s.lo80 >= 0.0,
                    "{}: {s:?}",
                    m.name()
                );
            }
        }
    }

    #[test]
    fn holdout_scores_by_hand() {
        // Naive on [1, 2, 4] with the last 1 held out... needs 2 + holdout values.
        let s = parse_wide(b"a,1,3,2,6\n").unwrap();
        let e = evaluate(&s, Choice::One(Model::Naive), 1, 1, &mut |_, _| {}).unwrap();
        // Forecast 2 for 6: error 4; scale = (2 + 1) / 2 = 1.5.
        assert_eq!((e.series, e.mae, e.rmse), (1, 4.0, 4.0));
        assert!((e.mase - 4.0 / 1.5).abs() < 1e-12);
        assert_eq!(
            evaluate(&s, Choice::Auto, 3, 1, &mut |_, _| {}),
            Err(ForecastError::Holdout { holdout: 3, periods: 4 })
        );
    }
}
