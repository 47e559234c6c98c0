//! The forecasting models, each a pure function from a series' history to a flat
//! forecast (the mean for every future step) or a seasonal one, with the in-sample
//! one-step errors the intervals are built from.
//!
//! The intermittent-demand models follow statsforecast 2.1's definitions, so that the
//! same data gives the same forecasts (ADIDA's MASE on car parts is the check):
//! simple exponential smoothing starts at the first value; its optimised form picks α by
//! golden-section search on the in-sample squared one-step errors (in [0.01, 0.99] for
//! SES, [0.1, 0.3] inside ADIDA and IMAPA); Croston smooths demand sizes and intervals
//! with α = 0.1; SBA is Croston times 1 − α/2; ADIDA sums non-overlapping buckets as long
//! as the mean interval between demands (dropping the oldest remainder), forecasts the
//! sums and divides; IMAPA averages that over every bucket length up to the mean
//! interval.

/// The models `--model` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Model {
    Naive,
    SeasonalNaive,
    Ses,
    Croston,
    Sba,
    Tsb,
    Adida,
    Imapa,
    /// Exponential smoothing state space models chosen by AICc ([`super::ets`]).
    Ets,
}

impl Model {
    pub const ALL: [Model; 9] = [
        Model::Naive,
        Model::SeasonalNaive,
        Model::Ses,
        Model::Croston,
        Model::Sba,
        Model::Tsb,
        Model::Adida,
        Model::Imapa,
        Model::Ets,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Model::Naive => "naive",
            Model::SeasonalNaive => "seasonal-naive",
            Model::Ses => "ses",
            Model::Croston => "croston",
            Model::Sba => "sba",
            Model::Tsb => "tsb",
            Model::Adida => "adida",
            Model::Imapa => "imapa",
            Model::Ets => "ets",
        }
    }

    pub fn parse(name: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Point forecasts for `horizon` steps after `y` (`season` is the season length).
    pub fn forecast(self, y: &[f64], horizon: usize, season: usize) -> Vec<f64> {
        assert!(!y.is_empty(), "a model needs at least one value");
        let flat = |v: f64| vec![v; horizon];
        match self {
            Model::Naive => flat(*y.last().expect("not empty")),
            Model::SeasonalNaive => {
                let season = season.max(1);
                if y.len() < season {
                    return flat(*y.last().expect("not empty"));
                }
                let last = &y[y.len() - season..];
                (0..horizon).map(|k| last[k % season]).collect()
            }
            Model::Ses => flat(ses_optimized(y, 0.01, 0.99)),
            Model::Croston => flat(croston(y)),
            Model::Sba => flat(croston(y) * (1.0 - CROSTON_ALPHA / 2.0)),
            Model::Tsb => flat(tsb(y)),
            Model::Adida => flat(adida(y)),
            Model::Imapa => flat(imapa(y)),
            // Too short for any ETS model: optimised simple exponential smoothing.
            Model::Ets => match super::ets::auto(y, season) {
                Some(fit) => fit.forecast(horizon),
                None => flat(ses_optimized(y, 0.01, 0.99)),
            },
        }
    }

    /// How the error grows with the step, for the intervals: the standard deviation of
    /// the k-step error over the one-step one (k from 1).
    pub fn spread(self, y: &[f64], k: usize, season: usize) -> f64 {
        let k = k as f64;
        match self {
            Model::Naive => k.sqrt(),
            Model::SeasonalNaive => (((k - 1.0) / season.max(1) as f64).floor() + 1.0).sqrt(),
            // Simple exponential smoothing's k-step variance: 1 + (k − 1) α².
            Model::Ses => {
                let alpha = golden_section(y, 0.01, 0.99);
                (1.0 + (k - 1.0) * alpha * alpha).sqrt()
            }
            // The smoothed rate models: α of about 0.1–0.3.
            Model::Ets => match super::ets::auto(y, season) {
                Some(fit) => fit.spread(k as usize),
                None => Model::Ses.spread(y, k as usize, season),
            },
            Model::Croston | Model::Sba | Model::Tsb | Model::Adida | Model::Imapa => {
                (1.0 + (k - 1.0) * CROSTON_ALPHA * CROSTON_ALPHA).sqrt()
            }
        }
    }
}

/// Croston's (and TSB's) smoothing constant.
pub const CROSTON_ALPHA: f64 = 0.1;

/// The one-step forecast after `x` with smoothing `alpha`, starting at `x[0]`.
pub fn ses(x: &[f64], alpha: f64) -> f64 {
    let mut f = x[0];
    for &v in x {
        f = alpha * v + (1.0 - alpha) * f;
    }
    // The loop's first step folds x[0] into itself, which leaves f = x[0].
    f
}

/// In-sample sum of squared one-step errors of `ses` from the second value on.
fn ses_sse(x: &[f64], alpha: f64) -> f64 {
    let mut f = x[0];
    let mut sse = 0.0;
    for i in 1..x.len() {
        f = alpha * x[i - 1] + (1.0 - alpha) * f;
        let e = x[i] - f;
        sse += e * e;
    }
    sse
}

/// α in [lo, hi] minimising `ses_sse`, by golden-section search to 1e-12 (a tie ends it).
pub fn golden_section(x: &[f64], lo: f64, hi: f64) -> f64 {
    let ratio = (5.0_f64.sqrt() + 1.0) / 2.0;
    let (mut a, mut b) = (lo, hi);
    let mut c = b - (b - a) / ratio;
    let mut d = a + (b - a) / ratio;
    let (mut fc, mut fd) = (ses_sse(x, c), ses_sse(x, d));
    while (b - a).abs() >= 1e-12 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - (b - a) / ratio;
            fc = ses_sse(x, c);
        } else if fd < fc {
            a = c;
            c = d;
            fc = fd;
            d = a + (b - a) / ratio;
            fd = ses_sse(x, d);
        } else {
            break;
        }
    }
    (a + b) / 2.0
}

/// SES with α chosen in [lo, hi].
pub fn ses_optimized(x: &[f64], lo: f64, hi: f64) -> f64 {
    ses(x, golden_section(x, lo, hi))
}

/// The gaps between demands: for each non-zero value, the steps since the previous
/// one (the first counted from before the series).
fn intervals(y: &[f64]) -> Vec<f64> {
    let mut out = Vec::new();
    let mut previous = 0;
    for (i, &v) in y.iter().enumerate() {
        if v != 0.0 {
            out.push((i + 1 - previous) as f64);
            previous = i + 1;
        }
    }
    out
}

fn croston(y: &[f64]) -> f64 {
    let demands: Vec<f64> = y.iter().copied().filter(|v| *v > 0.0).collect();
    if demands.is_empty() {
        return *y.last().expect("not empty");
    }
    let size = ses(&demands, CROSTON_ALPHA);
    let interval = ses(&intervals(y), CROSTON_ALPHA);
    if interval != 0.0 { size / interval } else { size }
}

/// Teunter–Syntetos–Babai: the smoothed chance of a demand times the smoothed size.
fn tsb(y: &[f64]) -> f64 {
    let demands: Vec<f64> = y.iter().copied().filter(|v| *v > 0.0).collect();
    if demands.is_empty() {
        return 0.0;
    }
    let occurs: Vec<f64> = y.iter().map(|v| f64::from(u8::from(*v != 0.0))).collect();
    ses(&occurs, CROSTON_ALPHA) * ses(&demands, CROSTON_ALPHA)
}

/// The mean interval between demands rounded half to even (as numpy rounds), at least 1.
fn mean_interval(y: &[f64]) -> usize {
    let gaps = intervals(y);
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    (mean.round_ties_even() as usize).max(1)
}

/// The SES forecast of the sums of `level`-long buckets, the oldest remainder dropped.
fn bucket_forecast(y: &[f64], level: usize) -> f64 {
    let lost = y.len() % level;
    let sums: Vec<f64> = y[lost..].chunks(level).map(|c| c.iter().sum()).collect();
    match sums.len() {
        0 => *y.last().expect("not empty"),
        1 => sums[0],
        _ => ses_optimized(&sums, 0.1, 0.3),
    }
}

fn adida(y: &[f64]) -> f64 {
    if y.iter().all(|v| *v == 0.0) {
        return 0.0;
    }
    let level = mean_interval(y);
    bucket_forecast(y, level) / level as f64
}

fn imapa(y: &[f64]) -> f64 {
    if y.iter().all(|v| *v == 0.0) {
        return 0.0;
    }
    let top = mean_interval(y);
    let total: f64 = (1..=top)
        .map(|level| {
            let lost = y.len() % level;
            let sums: Vec<f64> = y[lost..].chunks(level).map(|c| c.iter().sum()).collect();
            let forecast = if sums.is_empty() {
                0.0
            } else {
                ses_optimized(&sums, 0.1, 0.3)
            };
            forecast / level as f64
        })
        .sum();
    total / top as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(model: Model, y: &[f64], expected: f64) {
        let got = model.forecast(y, 3, 4);
        assert!(
            got.iter().all(|v| (v - expected).abs() < 1e-9),
            "{}: {got:?}, expected {expected}",
            model.name()
        );
    }

    #[test]
    fn known_cases_by_hand() {
        let y = [0.0, 2.0, 0.0, 0.0, 4.0, 0.0];
        check(Model::Naive, &y, 0.0);
        // Croston: sizes 2, 4 → 2 then 0.1·4 + 0.9·2 = 2.2; intervals 2, 3 → 2.1.
        check(Model::Croston, &y, 2.2 / 2.1);
        check(Model::Sba, &y, 0.95 * 2.2 / 2.1);
        // TSB: occurrences 0,1,0,0,1,0 smoothed from 0; sizes 2.2 as above.
        let p = {
            let mut f = 0.0;
            for v in [0.0, 1.0, 0.0, 0.0, 1.0, 0.0] {
                f = 0.1 * v + 0.9 * f;
            }
            f
        };
        check(Model::Tsb, &y, p * 2.2);
        // ADIDA: mean interval 2.5 rounds (half to even) to 2; sums 2, 0, 4 → SES in [0.1, 0.3].
        let sums = [2.0, 0.0, 4.0];
        check(Model::Adida, &y, ses(&sums, golden_section(&sums, 0.1, 0.3)) / 2.0);
        assert_eq!(
            Model::SeasonalNaive.forecast(&[1.0, 2.0, 3.0, 4.0, 5.0], 6, 4),
            vec![2.0, 3.0, 4.0, 5.0, 2.0, 3.0]
        );
        check(Model::Adida, &[0.0, 0.0], 0.0);
        check(Model::Croston, &[0.0, 0.0], 0.0);
    }

    #[test]
    fn ses_starts_at_the_first_value_and_golden_section_finds_the_best_alpha() {
        assert_eq!(ses(&[5.0], 0.3), 5.0);
        assert!((ses(&[1.0, 3.0], 0.5) - 2.0).abs() < 1e-12);
        let x = [3.0, 5.0, 4.0, 6.0, 5.0, 7.0, 6.0];
        let best = golden_section(&x, 0.01, 0.99);
        for a in [0.01, 0.2, 0.5, 0.8, 0.99] {
            assert!(ses_sse(&x, best) <= ses_sse(&x, a) + 1e-12);
        }
    }
}
