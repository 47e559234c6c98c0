//! `linli analytics …`: the analytics engine over files, JSON on stdout. Bad input is
//! reported on stderr naming the file, line and column, with exit code 2; work that runs
//! longer than a second draws a progress bar on stderr.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use linli_analytics::basket::{self, Baskets};
use linli_analytics::input::InputError;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(clap::Subcommand, Debug)]
pub enum Analytics {
    /// Frequent itemsets (FP-growth) and single-consequent association rules over
    /// baskets: one basket per line, items separated by commas.
    Basket {
        #[arg(long)]
        input: PathBuf,
        /// Least share of baskets an itemset must be in (0 < S <= 1).
        #[arg(long)]
        min_support: f64,
        /// Least confidence a rule must have (0 to 1).
        #[arg(long, default_value_t = 0.8)]
        min_confidence: f64,
        /// Most items in an itemset.
        #[arg(long)]
        max_len: Option<usize>,
    },
    /// Customer lifetime value: BG/NBD and Gamma-Gamma fitted on purchases (CSV
    /// `customer_id,date,amount`) up to the calibration end.
    Clv {
        #[arg(long)]
        input: PathBuf,
        /// Last day of the calibration period (YYYY-MM-DD), inclusive.
        #[arg(long)]
        calibration_end: String,
        /// Write per customer the expected purchases in the next 52 weeks, the chance
        /// they are still active and the expected value (CSV).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Demand forecasts per series: wide CSV (id, then one column per period) or long
    /// (`series_id,date,value` and regressor columns, future rows with the value empty).
    /// With `--holdout H` it scores forecasts of each complete series' last H periods.
    Forecast {
        #[arg(long)]
        input: PathBuf,
        /// Steps to forecast.
        #[arg(long, default_value_t = 12)]
        horizon: usize,
        /// auto, naive, seasonal-naive, ses, croston, sba, tsb, adida, imapa or ets.
        #[arg(long, default_value = "auto")]
        model: String,
        #[arg(long, default_value_t = 12)]
        season_length: usize,
        /// Hide the last H periods of every complete series and score their forecasts.
        #[arg(long)]
        holdout: Option<usize>,
        /// Write the forecasts here (CSV `series_id,step,forecast,lo80,hi80`) instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Add the Chinese public holiday calendar's effects as regressors (daily long
        /// format): a holiday day off, the two days before one, a 调休 working weekend
        /// day, and an ordinary weekend day.
        #[arg(long, value_parser = ["cn"])]
        calendar: Option<String>,
    },
    /// Customer segments (CSV `customer_id,date,amount`): RFM quintiles and named
    /// k-means clusters (高价值, 品质导向, 价格敏感, 新客, 一般, 沉睡).
    Segment {
        #[arg(long)]
        input: PathBuf,
        /// k-means clusters.
        #[arg(long, default_value_t = linli_analytics::segment::CLUSTERS_DEFAULT)]
        clusters: usize,
        /// Write each customer's scores, cluster and segment here (CSV).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Site selection: a Huff gravity model (fitted to the stores' sales when given) and
    /// a regression of sales per m² predict each candidate site. CSV files with headers:
    /// stores and candidates `id,lat,lon,area_m2[,sales][,density,income,competitors]`,
    /// demand `id,lat,lon,demand`.
    Site {
        #[arg(long)]
        stores: PathBuf,
        #[arg(long)]
        demand: PathBuf,
        #[arg(long)]
        candidates: PathBuf,
    },
}

/// Weeks ahead the per-customer predictions look.
const CLV_WEEKS: f64 = 52.0;

/// Like `println!`, but a reader that went away (`| head`) ends the program quietly
/// instead of a panic.
macro_rules! out {
    ($($t:tt)*) => {
        emit(&format!($($t)*))
    };
}

fn emit(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: could not write the result: {e}");
        std::process::exit(1);
    }
}

/// Exit code for input or arguments the engine cannot use.
const BAD_INPUT: i32 = 2;

pub fn run(what: Analytics) -> anyhow::Result<()> {
    match what {
        Analytics::Basket {
            input,
            min_support,
            min_confidence,
            max_len,
        } => {
            let bytes = read(&input)?;
            let baskets = Baskets::parse(&bytes).unwrap_or_else(|e| bad_input(&input, &e));
            let mut bar = Bar::new("itemsets");
            let sets = basket::frequent_itemsets(&baskets, min_support, max_len, &mut |d, t| bar.at(d, t))
                .unwrap_or_else(|e| refuse(&e));
            bar.finish();
            let rules = basket::rules(&sets, baskets.baskets.len(), min_confidence).unwrap_or_else(|e| refuse(&e));
            let n = baskets.baskets.len() as f64;
            let names = |ids: &[u32]| {
                let mut v: Vec<&str> = ids.iter().map(|&i| baskets.items[i as usize].as_str()).collect();
                v.sort_unstable();
                v
            };
            let out = json!({
                "transactions": baskets.baskets.len(),
                "items": baskets.items.len(),
                "itemsets": sets.iter().map(|s| json!({
                    "items": names(&s.items),
                    "support": s.count as f64 / n,
                    "count": s.count,
                })).collect::<Vec<_>>(),
                "rules": rules.iter().map(|r| json!({
                    "antecedent": names(&r.antecedent),
                    "consequent": [baskets.items[r.consequent as usize].as_str()],
                    "support": r.support,
                    "confidence": r.confidence,
                    "lift": r.lift,
                })).collect::<Vec<_>>(),
            });
            out!("{out}");
            Ok(())
        }
        Analytics::Clv {
            input,
            calibration_end,
            output,
        } => clv(&input, &calibration_end, output.as_deref()),
        Analytics::Forecast {
            input,
            horizon,
            model,
            season_length,
            holdout,
            output,
            calendar,
        } => forecast(
            &input,
            horizon,
            &model,
            season_length,
            holdout,
            output.as_deref(),
            calendar.is_some(),
        ),
        Analytics::Segment {
            input,
            clusters,
            output,
        } => segment(&input, clusters, output.as_deref()),
        Analytics::Site {
            stores,
            demand,
            candidates,
        } => site(&stores, &demand, &candidates),
    }
}

fn site(stores_path: &Path, demand_path: &Path, candidates_path: &Path) -> anyhow::Result<()> {
    use linli_analytics::site;
    let stores = site::parse_sites(&read(stores_path)?).unwrap_or_else(|e| bad_input(stores_path, &e));
    let zones = site::parse_zones(&read(demand_path)?).unwrap_or_else(|e| bad_input(demand_path, &e));
    let candidates = site::parse_sites(&read(candidates_path)?).unwrap_or_else(|e| bad_input(candidates_path, &e));
    let started = Instant::now();
    let (huff, regression, predictions) = site::evaluate(&stores, &zones, &candidates);
    let mut ranked: Vec<_> = predictions.iter().collect();
    ranked.sort_by_key(|p| p.rank);
    out!(
        "{}",
        json!({
            "stores": stores.len(),
            "zones": zones.len(),
            "huff": {"alpha": huff.alpha, "beta": huff.beta, "fitted": huff.fitted, "rmse_log": huff.rmse_log},
            "regression": regression.map(|r| json!({
                "intercept": r.coefficients[0],
                "density": r.coefficients[1],
                "income": r.coefficients[2],
                "competitors": r.coefficients[3],
                "r2": r.r2,
            })),
            "candidates": ranked.iter().map(|p| json!({
                "id": p.id,
                "rank": p.rank,
                "captured_demand": p.captured_demand,
                "huff_sales_per_m2": p.huff_sales_per_m2,
                "regression_sales_per_m2": p.regression_sales_per_m2,
            })).collect::<Vec<_>>(),
            "seconds": started.elapsed().as_secs_f64(),
        })
    );
    Ok(())
}

fn segment(input: &Path, clusters: usize, output: Option<&Path>) -> anyhow::Result<()> {
    use linli_analytics::clv::Purchases;
    use linli_analytics::segment::{self, Segment};
    let bytes = read(input)?;
    let purchases = Purchases::parse(&bytes).unwrap_or_else(|e| bad_input(input, &e));
    let started = Instant::now();
    let customers = segment::segment(&purchases, clusters).unwrap_or_else(|e| refuse(&e));
    let seconds = started.elapsed().as_secs_f64();
    let mut by_name: std::collections::BTreeMap<Segment, Vec<&segment::Customer>> = Default::default();
    for c in &customers {
        by_name.entry(c.segment).or_default().push(c);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let n = customers.len() as f64;
    let segments: Vec<_> = by_name
        .iter()
        .map(|(s, members)| {
            json!({
                "name": s.name_zh(),
                "name_en": s.name_en(),
                "customers": members.len(),
                "share": members.len() as f64 / n,
                "median_recency_days": median(members.iter().map(|c| f64::from(c.recency_days)).collect()),
                "median_frequency": median(members.iter().map(|c| f64::from(c.frequency)).collect()),
                "median_monetary": median(members.iter().map(|c| c.monetary).collect()),
            })
        })
        .collect();
    if let Some(path) = output {
        use std::io::Write;
        let file = std::fs::File::create(path).with_context(|| format!("could not create {}", path.display()))?;
        let mut w = std::io::BufWriter::new(file);
        writeln!(w, "customer_id,recency_days,frequency,monetary,r,f,m,cluster,segment")?;
        for c in &customers {
            writeln!(
                w,
                "{},{},{},{:.2},{},{},{},{},{}",
                purchases.customers[c.customer as usize],
                c.recency_days,
                c.frequency,
                c.monetary,
                c.r,
                c.f,
                c.m,
                c.cluster,
                c.segment.name_zh()
            )?;
        }
        w.flush()?;
    }
    out!(
        "{}",
        json!({"customers": customers.len(), "clusters": clusters, "segments": segments, "seconds": seconds})
    );
    Ok(())
}

fn forecast(
    input: &Path,
    horizon: usize,
    model: &str,
    season: usize,
    holdout: Option<usize>,
    output: Option<&Path>,
    calendar: bool,
) -> anyhow::Result<()> {
    use linli_analytics::forecast::{self, Choice, Model};
    let choice = Choice::parse(model).unwrap_or_else(|| {
        let names: Vec<&str> = Model::ALL.iter().map(|m| m.name()).collect();
        refuse(&format!(
            "--model: unknown model {model:?}; use auto or one of {}",
            names.join(", ")
        ))
    });
    let bytes = read(input)?;
    let mut series = forecast::parse(&bytes).unwrap_or_else(|e| bad_input(input, &e));
    if calendar {
        forecast::add_day_regressors(&mut series, holdout.unwrap_or(horizon), &holiday_effects)
            .unwrap_or_else(|e| refuse(&format!("--calendar: {e}")));
    }
    let started = Instant::now();
    let mut bar = Bar::new("series");
    if let Some(holdout) = holdout {
        let e = forecast::evaluate(&series, choice, holdout, season, &mut |d, t| bar.at(d, t))
            .unwrap_or_else(|e| refuse(&e));
        bar.finish();
        out!(
            "{}",
            json!({
                "series": e.series,
                "mae": e.mae,
                "rmse": e.rmse,
                "mase": e.mase,
                "seconds": started.elapsed().as_secs_f64(),
                "models": e.models,
            })
        );
        return Ok(());
    }
    let (forecasts, skipped) = forecast::forecast_all(&series, choice, horizon, season, &mut |d, t| bar.at(d, t))
        .unwrap_or_else(|e| refuse(&e));
    bar.finish();
    if skipped > 0 {
        eprintln!("{skipped} series left out: a value is missing before their last one");
    }
    use std::io::Write;
    let mut w: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("could not create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut written = || -> std::io::Result<()> {
        writeln!(w, "series_id,step,forecast,lo80,hi80")?;
        for f in &forecasts {
            for s in &f.steps {
                writeln!(
                    w,
                    "{},{},{:.6},{:.6},{:.6}",
                    f.series, s.step, s.forecast, s.lo80, s.hi80
                )?;
            }
        }
        w.flush()
    };
    match written() {
        // A reader that went away (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn clv(input: &Path, calibration_end: &str, output: Option<&Path>) -> anyhow::Result<()> {
    use linli_analytics::clv::{self, Purchases};
    let end = linli_analytics::input::parse_date(calibration_end)
        .unwrap_or_else(|m| refuse(&format!("--calibration-end: {m}")));
    let bytes = read(input)?;
    let purchases = Purchases::parse(&bytes).unwrap_or_else(|e| bad_input(input, &e));
    let started = Instant::now();
    let summaries = clv::summarize(&purchases, end).unwrap_or_else(|e| refuse(&e));
    let bg = clv::fit_bgnbd(&summaries);
    let gg = clv::fit_gamma_gamma(&summaries).unwrap_or_else(|e| refuse(&e));
    let seconds = started.elapsed().as_secs_f64();
    if let Some(path) = output {
        use std::io::Write;
        let file = std::fs::File::create(path).with_context(|| format!("could not create {}", path.display()))?;
        let mut w = std::io::BufWriter::new(file);
        writeln!(w, "customer_id,expected_purchases_52w,p_alive,expected_value")?;
        for s in &summaries {
            let expected = bg.expected_purchases(s.x, s.t_x, s.age, CLV_WEEKS);
            let value = expected * gg.expected_spend(s.x, s.mean_repeat);
            writeln!(
                w,
                "{},{expected:.6},{:.6},{value:.4}",
                purchases.customers[s.customer as usize],
                bg.p_alive(s.x, s.t_x, s.age)
            )?;
        }
        w.flush()?;
    }
    out!(
        "{}",
        json!({
            "customers": summaries.len(),
            "bgnbd": {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b, "log_likelihood": bg.log_likelihood},
            "gamma_gamma": {"p": gg.p, "q": gg.q, "gamma": gg.gamma},
            "seconds": seconds,
        })
    );
    Ok(())
}

/// The Chinese calendar as regressors of a day (days since 1970-01-01): a holiday day
/// off, one of the two days before a holiday, a 调休 working weekend day, an ordinary
/// weekend day (linli_domain::calendar, maintained from the State Council notices).
fn holiday_effects(day: i32) -> Vec<f64> {
    use linli_domain::calendar::{DayKind, day_kind, days_until_next_holiday};
    let text = linli_analytics::input::format_date(day);
    let Ok(date) = text.parse::<jiff::civil::Date>() else {
        return vec![0.0; 4];
    };
    let kind = day_kind(date);
    let flag = |b: bool| f64::from(u8::from(b));
    let eve = matches!(days_until_next_holiday(date), Some((_, 1..=2)));
    vec![
        flag(matches!(kind, DayKind::Holiday(_))),
        flag(eve && !matches!(kind, DayKind::Holiday(_))),
        flag(kind == DayKind::AdjustedWorkday),
        flag(kind == DayKind::Weekend),
    ]
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("could not read {}", path.display()))
}

fn bad_input(path: &Path, e: &InputError) -> ! {
    eprintln!("{}:{}:{}: {}", path.display(), e.line, e.column, e.message);
    std::process::exit(BAD_INPUT)
}

fn refuse(e: &dyn std::fmt::Display) -> ! {
    eprintln!("error: {e}");
    std::process::exit(BAD_INPUT)
}

/// A progress bar on stderr that appears only once the work has taken a second.
struct Bar {
    what: &'static str,
    started: Instant,
    bar: Option<ProgressBar>,
}

impl Bar {
    const AFTER: Duration = Duration::from_secs(1);

    fn new(what: &'static str) -> Bar {
        Bar {
            what,
            started: Instant::now(),
            bar: None,
        }
    }

    fn at(&mut self, done: u64, total: u64) {
        if self.bar.is_none() && self.started.elapsed() >= Self::AFTER {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {elapsed}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar.set_message(self.what);
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
