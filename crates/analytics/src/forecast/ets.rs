//! Exponential smoothing state space models (ETS; Hyndman, Koehler, Ord & Snyder 2008),
//! chosen per series by AICc as R's `forecast::ets` and statsforecast's `AutoETS` do.
//!
//! The same recipe as statsforecast 2.1, so that the same data gives about the same
//! forecasts (car parts: MASE within 1% of AutoETS's, docs/benchmarks.md):
//! - candidates: additive or multiplicative error, no or additive trend (damped or not),
//!   no, additive or multiplicative season; multiplicative parts only for positive data,
//!   and never an additive error with a multiplicative season; a season only when the
//!   series is longer than one;
//! - start values: α = 0.2 / m (0.2 without a season), β = 0.1·α, γ = 0.05·(1 − α),
//!   φ = 0.98·…; initial states from a classical decomposition (a Fourier regression
//!   below three seasons) and a regression on the first max(10, 2m) values;
//! - the fit minimises n·log(Σe²) (plus 2·Σlog|ŷ| for a multiplicative error) by
//!   bounded Nelder–Mead with adaptive coefficients, a first step of 5% of each start
//!   value, until the simplex's values spread less than 1e-4, at most 1,000 iterations;
//!   α, β, γ in [0.0001, 0.9999] and φ in [0.8, 0.98];
//! - AICc counts the parameters and initial states plus one for the variance.
//!
//! Written to be cheap: the seasonal states are a ring, and a fit computes only the
//! one-step errors the likelihood needs.

/// How a component enters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    None,
    Additive,
    Multiplicative,
}

/// An ETS model's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Form {
    pub error: Kind,
    pub trend: Kind,
    pub damped: bool,
    pub season: Kind,
}

impl Form {
    /// "ETS(A,Ad,N)" style.
    pub fn name(&self) -> String {
        let k = |k: Kind| match k {
            Kind::None => "N",
            Kind::Additive => "A",
            Kind::Multiplicative => "M",
        };
        format!(
            "ETS({},{}{},{})",
            k(self.error),
            k(self.trend),
            if self.damped { "d" } else { "" },
            k(self.season)
        )
    }
}

/// A fitted model: its form, parameters, the states after the last value, and fit
/// statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub form: Form,
    pub alpha: f64,
    pub beta: f64,
    pub gamma: f64,
    pub phi: f64,
    /// Season length used (1 without a season).
    pub m: usize,
    pub level: f64,
    pub slope: f64,
    /// Seasonal states, newest first (`season[m - 1]` is the next period's).
    pub season: Vec<f64>,
    pub aicc: f64,
    /// Variance of the one-step errors (relative errors for a multiplicative error).
    pub sigma2: f64,
}

const LOWER: f64 = 1e-4;
const UPPER: f64 = 0.9999;
const PHI_LOWER: f64 = 0.8;
const PHI_UPPER: f64 = 0.98;
const TOL: f64 = 1e-10;
const HUGE: f64 = 1e10;
const NM_MAX_ITER: usize = 1_000;
const NM_TOL_STD: f64 = 1e-4;
const NM_INIT_STEP: f64 = 0.05;
const NM_ZERO_PERT: f64 = 1e-4;

/// The best model of `y` by AICc, or `None` when `y` is too short for any.
pub fn auto(y: &[f64], season_length: usize) -> Option<Fit> {
    let n = y.len();
    if n < 2 {
        return None;
    }
    if y.iter().all(|v| *v == y[0]) {
        // A constant series: simple exponential smoothing with α at its upper bound.
        return fit(
            y,
            1,
            Form {
                error: Kind::Additive,
                trend: Kind::None,
                damped: false,
                season: Kind::None,
            },
            Some(UPPER),
        );
    }
    if n <= 6 {
        return None;
    }
    let positive = y.iter().all(|v| *v > 0.0);
    let m = if season_length > 1 && n > season_length {
        season_length
    } else {
        1
    };
    let mut best: Option<Fit> = None;
    for error in [Kind::Additive, Kind::Multiplicative] {
        for (trend, damped) in [(Kind::None, false), (Kind::Additive, true), (Kind::Additive, false)] {
            for season in [Kind::None, Kind::Additive, Kind::Multiplicative] {
                if (error == Kind::Multiplicative || season == Kind::Multiplicative) && !positive {
                    continue;
                }
                if error == Kind::Additive && season == Kind::Multiplicative {
                    continue;
                }
                if season != Kind::None && m == 1 {
                    continue;
                }
                let form = Form {
                    error,
                    trend,
                    damped,
                    season,
                };
                if let Some(f) = fit(y, m, form, None)
                    && f.aicc.is_finite()
                    && best.as_ref().is_none_or(|b| f.aicc < b.aicc)
                {
                    best = Some(f);
                }
            }
        }
    }
    best
}

/// Fits one form (with `alpha` fixed when given).
pub fn fit(y: &[f64], m: usize, form: Form, alpha_fixed: Option<f64>) -> Option<Fit> {
    let m = if form.season == Kind::None { 1 } else { m };
    let has_trend = form.trend != Kind::None;
    let has_season = form.season != Kind::None;
    // Start values of the smoothing parameters (statsforecast's initparam).
    let alpha0 = alpha_fixed.unwrap_or(LOWER + 0.2 * (UPPER - LOWER) / m as f64);
    let mut names = Vec::new();
    let mut x0 = Vec::new();
    let (mut lower, mut upper) = (Vec::new(), Vec::new());
    if alpha_fixed.is_none() {
        names.push('a');
        x0.push(alpha0);
        lower.push(LOWER);
        upper.push(UPPER);
    }
    if has_trend {
        let top = UPPER.min(alpha0);
        let mut beta = LOWER + 0.1 * (top - LOWER);
        if beta < 0.0 || beta > alpha0 {
            beta = alpha0 - 1e-3;
        }
        names.push('b');
        x0.push(beta);
        lower.push(LOWER);
        upper.push(UPPER);
    }
    if has_season {
        let top = UPPER.min(1.0 - alpha0);
        let mut gamma = LOWER + 0.05 * (top - LOWER);
        if gamma < 0.0 || gamma > 1.0 - alpha0 {
            gamma = 1.0 - alpha0 - 1e-3;
        }
        names.push('g');
        x0.push(gamma);
        lower.push(LOWER);
        upper.push(UPPER);
    }
    if form.damped {
        names.push('p');
        x0.push(PHI_LOWER + 0.99 * (PHI_UPPER - PHI_LOWER));
        lower.push(PHI_LOWER);
        upper.push(PHI_UPPER);
    }
    let states = initial_states(y, m, form.trend, form.season)?;
    let n_states = states.len();
    x0.extend_from_slice(&states);
    lower.extend(std::iter::repeat_n(f64::NEG_INFINITY, n_states));
    upper.extend(std::iter::repeat_n(f64::INFINITY, n_states));
    let n_params = x0.len();
    if n_params >= y.len() - 1 {
        return None;
    }

    // Where each smoothing parameter sits in the vector being fitted, if it is fitted.
    let at = |c: char| names.iter().position(|n| *n == c);
    let (ia, ib, ig, ip) = (at('a'), at('b'), at('g'), at('p'));
    let unpack = |x: &[f64]| {
        let get = |i: Option<usize>, default: f64| i.map_or(default, |i| x[i]);
        (get(ia, alpha0), get(ib, 0.0), get(ig, 0.0), get(ip, 1.0))
    };
    let params_len = names.len();
    let mut season_buf = vec![0.0; m];
    let mut objective = |x: &[f64]| {
        let (alpha, beta, gamma, phi) = unpack(x);
        if !seasonal_start(&x[params_len..], m, form, &mut season_buf) {
            return f64::INFINITY;
        }
        let (level, slope) = (x[params_len], if has_trend { x[params_len + 1] } else { 0.0 });
        let lik = run(
            y,
            form,
            m,
            [alpha, beta, gamma, phi, level, slope],
            &mut season_buf,
            None,
        )
        .0;
        if lik.is_nan() { f64::INFINITY } else { lik.max(-1e10) }
    };
    let best = nelder_mead_bounded(&mut objective, &x0, &lower, &upper);

    let (alpha, beta, gamma, phi) = unpack(&best);
    let mut season = vec![0.0; m];
    if !seasonal_start(&best[params_len..], m, form, &mut season) {
        return None;
    }
    let (level, slope) = (best[params_len], if has_trend { best[params_len + 1] } else { 0.0 });
    let mut errors = Vec::with_capacity(y.len());
    let (lik, level, slope) = run(
        y,
        form,
        m,
        [alpha, beta, gamma, phi, level, slope],
        &mut season,
        Some(&mut errors),
    );
    if !lik.is_finite() {
        return None;
    }
    let n = y.len() as f64;
    let k = (n_params + 1) as f64;
    let aic = lik + 2.0 * k;
    let aicc = if n - k - 1.0 != 0.0 {
        aic + 2.0 * k * (k + 1.0) / (n - k - 1.0)
    } else {
        f64::INFINITY
    };
    let sigma2 = errors.iter().map(|e| e * e).sum::<f64>() / (n - k - 1.0).max(1.0);
    Some(Fit {
        form,
        alpha,
        beta,
        gamma,
        phi,
        m,
        level,
        slope,
        season: ring_to_newest_first(&season, y.len(), m),
        aicc,
        sigma2,
    })
}

/// The full set of m seasonal start states from the m − 1 free ones (the last makes
/// them sum to 0, or to m for a multiplicative season), in ring order (index t mod m is
/// the state for period t). False when a multiplicative season would go negative.
fn seasonal_start(states: &[f64], m: usize, form: Form, ring: &mut [f64]) -> bool {
    if form.season == Kind::None {
        return true;
    }
    let free = &states[1 + usize::from(form.trend != Kind::None)..];
    // Free states are newest first: free[0] is period m − 1's, free[m − 2] period 1's.
    let total: f64 = free.iter().sum();
    let target = if form.season == Kind::Multiplicative {
        m as f64
    } else {
        0.0
    };
    ring[0] = target - total;
    for (k, v) in free.iter().enumerate() {
        ring[m - 1 - k] = *v;
    }
    !(form.season == Kind::Multiplicative && ring.iter().any(|v| *v < 0.0))
}

/// After `n` periods the ring's slot `n mod m` holds the next period's state; newest
/// first means the one just updated (slot (n − 1) mod m) first.
fn ring_to_newest_first(ring: &[f64], n: usize, m: usize) -> Vec<f64> {
    (0..m).map(|k| ring[(n + m - 1 - k) % m]).collect()
}

/// Runs the model over `y` from the given start, updating `ring` in place. Returns the
/// likelihood term n·log(Σe²) (+ 2Σlog|ŷ| for a multiplicative error) and the final
/// level and slope; pushes the errors when asked. Dispatches to a copy of the
/// loop made for the form, so that the loop tests no component (this is most of a
/// fit's time). `values` is α, β, γ, φ, the start level and the start slope.
fn run(
    y: &[f64],
    form: Form,
    m: usize,
    values: [f64; 6],
    ring: &mut [f64],
    errors: Option<&mut Vec<f64>>,
) -> (f64, f64, f64) {
    const N: u8 = 0;
    const A: u8 = 1;
    const M: u8 = 2;
    let code = |k: Kind| match k {
        Kind::None => N,
        Kind::Additive => A,
        Kind::Multiplicative => M,
    };
    let [alpha, beta, gamma, phi, level, slope] = values;
    let p = Params {
        m,
        alpha,
        beta,
        gamma,
        phi,
        level,
        slope,
    };
    match (code(form.error), code(form.trend), code(form.season)) {
        (M, N, N) => run_form::<M, N, N>(y, p, ring, errors),
        (M, N, A) => run_form::<M, N, A>(y, p, ring, errors),
        (M, N, M) => run_form::<M, N, M>(y, p, ring, errors),
        (M, _, N) => run_form::<M, A, N>(y, p, ring, errors),
        (M, _, A) => run_form::<M, A, A>(y, p, ring, errors),
        (M, _, _) => run_form::<M, A, M>(y, p, ring, errors),
        (_, N, N) => run_form::<A, N, N>(y, p, ring, errors),
        (_, N, A) => run_form::<A, N, A>(y, p, ring, errors),
        (_, N, _) => run_form::<A, N, M>(y, p, ring, errors),
        (_, _, N) => run_form::<A, A, N>(y, p, ring, errors),
        (_, _, A) => run_form::<A, A, A>(y, p, ring, errors),
        (_, _, _) => run_form::<A, A, M>(y, p, ring, errors),
    }
}

#[derive(Clone, Copy)]
struct Params {
    m: usize,
    alpha: f64,
    beta: f64,
    gamma: f64,
    phi: f64,
    level: f64,
    slope: f64,
}

/// The loop of [`run`] for one form: ERROR, TREND and SEASON are 0 (none), 1 (additive)
/// or 2 (multiplicative); statsforecast's Update with q the trend part.
fn run_form<const ERROR: u8, const TREND: u8, const SEASON: u8>(
    y: &[f64],
    p: Params,
    ring: &mut [f64],
    mut errors: Option<&mut Vec<f64>>,
) -> (f64, f64, f64) {
    let Params {
        m,
        alpha,
        beta,
        gamma,
        phi,
        mut level,
        mut slope,
    } = p;
    let (mut sse, mut log_f) = (0.0, 0.0);
    let beta_over_alpha = beta / alpha;
    let keep = 1.0 - alpha;
    let slope_keep = 1.0 - beta_over_alpha;
    let mut slot = 0;
    for &v in y {
        let s = if SEASON != 0 { ring[slot] } else { 0.0 };
        let q = if TREND != 0 { level + phi * slope } else { level };
        let f = match SEASON {
            0 => q,
            1 => q + s,
            _ => q * s,
        };
        let e = if ERROR == 2 {
            (v - f) / if f.abs() < TOL { f + TOL } else { f }
        } else {
            v - f
        };
        if let Some(errors) = errors.as_deref_mut() {
            errors.push(e);
        }
        sse += e * e;
        if ERROR == 2 {
            let af = f.abs();
            log_f += if af > 0.0 { af.ln() } else { (af + 1e-8).ln() };
        }
        let deseasoned = match SEASON {
            0 => v,
            1 => v - s,
            _ => {
                if s.abs() < TOL {
                    HUGE
                } else {
                    v / s
                }
            }
        };
        let old_level = level;
        // q + α(d − q) written so that only (1 − α)·q waits on the previous step.
        level = keep * q + alpha * deseasoned;
        if TREND != 0 {
            let phi_b = phi * slope;
            slope = slope_keep * phi_b + beta_over_alpha * (level - old_level);
        }
        if SEASON != 0 {
            let target = if SEASON == 1 {
                v - q
            } else if q.abs() < TOL {
                HUGE
            } else {
                v / q
            };
            ring[slot] = s + gamma * (target - s);
            slot += 1;
            if slot == m {
                slot = 0;
            }
        }
    }
    let n = y.len() as f64;
    let mut lik = if sse > 0.0 { n * sse.ln() } else { n * (sse + 1e-8).ln() };
    if ERROR == 2 {
        lik += 2.0 * log_f;
    }
    (lik, level, slope)
}

impl Fit {
    /// Point forecasts for `h` steps.
    pub fn forecast(&self, h: usize) -> Vec<f64> {
        let mut phistar = self.phi;
        (0..h)
            .map(|i| {
                let mut f = match self.form.trend {
                    Kind::None => self.level,
                    _ => self.level + phistar * self.slope,
                };
                // season[m − 1] is the next period's state, then m − 2, ...
                let j = (self.m - 1) as isize - (i % self.m) as isize;
                let s = self.season[j.rem_euclid(self.m as isize) as usize];
                match self.form.season {
                    Kind::Additive => f += s,
                    Kind::Multiplicative => f *= s,
                    Kind::None => {}
                }
                if (self.phi - 1.0).abs() < TOL {
                    phistar += 1.0;
                } else {
                    phistar += self.phi.powi(i as i32 + 2);
                }
                f
            })
            .collect()
    }

    /// The k-step forecast variance's growth for an additive error (class 1 models):
    /// 1 + Σ_{j<k} c_j², c_j = α + β·Σφ^i + γ·[j mod m = 0]; used as a ratio for the
    /// multiplicative ones too.
    pub fn spread(&self, k: usize) -> f64 {
        let mut total = 1.0;
        let mut damp_sum = 0.0;
        for j in 1..k {
            damp_sum += self.phi.powi(j as i32);
            let mut c = self.alpha;
            if self.form.trend != Kind::None {
                c += self.beta * if self.form.damped { damp_sum } else { j as f64 };
            }
            if self.form.season != Kind::None && j % self.m == 0 {
                c += self.gamma;
            }
            total += c * c;
        }
        total.sqrt()
    }
}

/// statsforecast's initial states: level (and slope), then m − 1 seasonal states newest
/// first.
fn initial_states(y: &[f64], m: usize, trend: Kind, season: Kind) -> Option<Vec<f64>> {
    let n = y.len();
    let mut states = Vec::new();
    let adjusted: Vec<f64>;
    let mut seasonal_init = Vec::new();
    if season != Kind::None {
        if n < 4 {
            return None;
        }
        let seasonal = if n < 3 * m {
            fourier_seasonal(y, m, season)?
        } else {
            decompose_seasonal(y, m, season)?
        };
        // seasonal[1..m] reversed.
        seasonal_init = seasonal[1..m].iter().rev().copied().collect();
        if season == Kind::Additive {
            adjusted = y.iter().zip(&seasonal).map(|(v, s)| v - s).collect();
        } else {
            for v in &mut seasonal_init {
                *v = v.max(1e-2);
            }
            let total: f64 = seasonal_init.iter().sum();
            if total > m as f64 {
                let denominator: f64 = seasonal_init.iter().map(|v| v + 1e-2).sum();
                for v in &mut seasonal_init {
                    *v /= denominator;
                }
            }
            adjusted = y.iter().zip(&seasonal).map(|(v, s)| v / s.max(1e-2)).collect();
        }
    } else {
        adjusted = y.to_vec();
    }
    let m_eff = if season == Kind::None { 1 } else { m };
    let maxn = (2 * m_eff).max(10).min(adjusted.len());
    if trend == Kind::None {
        states.push(adjusted[..maxn].iter().sum::<f64>() / maxn as f64);
    } else {
        let (intercept, slope) = line_fit(&adjusted[..maxn]);
        let (mut l0, mut b0) = (intercept, slope);
        if (l0 + b0).abs() < 1e-8 {
            l0 *= 1.0 + 1e-3;
            b0 *= 1.0 - 1e-3;
        }
        states.push(l0);
        states.push(b0);
    }
    states.extend(seasonal_init);
    Some(states)
}

/// Least squares of `v` on 1..=len: (intercept, slope).
fn line_fit(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    if v.len() < 2 {
        return (v[0], 0.0);
    }
    let mean_t = (n + 1.0) / 2.0;
    let mean_v = v.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in v.iter().enumerate() {
        let dt = (i + 1) as f64 - mean_t;
        sxy += dt * (y - mean_v);
        sxx += dt * dt;
    }
    let slope = sxy / sxx;
    (mean_v - slope * mean_t, slope)
}

/// Classical decomposition's seasonal component (statsmodels' `seasonal_decompose`):
/// a centred moving average of length m as trend, period means of the detrended values,
/// centred to sum 0 (additive) or to average 1 (multiplicative).
fn decompose_seasonal(y: &[f64], m: usize, season: Kind) -> Option<Vec<f64>> {
    let n = y.len();
    let weights: Vec<f64> = if m.is_multiple_of(2) {
        let mut w = vec![1.0 / m as f64; m + 1];
        w[0] = 0.5 / m as f64;
        w[m] = 0.5 / m as f64;
        w
    } else {
        vec![1.0 / m as f64; m]
    };
    let half = weights.len() / 2;
    let mut detrended = vec![f64::NAN; n];
    for t in half..n.saturating_sub(half) {
        let trend: f64 = weights.iter().enumerate().map(|(k, w)| w * y[t + k - half]).sum();
        detrended[t] = if season == Kind::Additive {
            y[t] - trend
        } else {
            y[t] / trend
        };
    }
    let mut means = vec![0.0; m];
    for (i, mean) in means.iter_mut().enumerate() {
        let vals: Vec<f64> = detrended
            .iter()
            .skip(i)
            .step_by(m)
            .copied()
            .filter(|v| !v.is_nan())
            .collect();
        if vals.is_empty() {
            return None;
        }
        *mean = vals.iter().sum::<f64>() / vals.len() as f64;
    }
    let centre = means.iter().sum::<f64>() / m as f64;
    for v in &mut means {
        if season == Kind::Additive {
            *v -= centre;
        } else {
            *v /= centre;
        }
    }
    Some((0..n).map(|t| means[t % m]).collect())
}

/// Below three seasons: y on 1, t and one Fourier pair (sin, cos of 2πt/m); the seasonal
/// part is y less the line (or over it, for a multiplicative season).
fn fourier_seasonal(y: &[f64], m: usize, season: Kind) -> Option<Vec<f64>> {
    let n = y.len();
    let cols = |t: usize| {
        let tt = (t + 1) as f64;
        let angle = 2.0 * std::f64::consts::PI * tt / m as f64;
        // sin is left out when it is 0 at every t (m = 2).
        if m == 2 {
            vec![1.0, tt, angle.cos()]
        } else {
            vec![1.0, tt, angle.sin(), angle.cos()]
        }
    };
    let k = cols(0).len();
    // Normal equations.
    let mut a = vec![vec![0.0; k]; k];
    let mut b = vec![0.0; k];
    for (t, v) in y.iter().enumerate() {
        let x = cols(t);
        for i in 0..k {
            b[i] += x[i] * v;
            for j in 0..k {
                a[i][j] += x[i] * x[j];
            }
        }
    }
    let coef = solve(a, b)?;
    Some(
        (0..n)
            .map(|t| {
                let line = coef[0] + coef[1] * (t + 1) as f64;
                if season == Kind::Additive {
                    y[t] - line
                } else {
                    y[t] / line
                }
            })
            .collect(),
    )
}

/// Gaussian elimination with partial pivoting; `None` when singular.
pub(crate) fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let k = b.len();
    for col in 0..k {
        let pivot = (col..k).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (top, rest) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for (offset, row) in rest.iter_mut().enumerate() {
            let factor = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= factor * p;
            }
            b[col + 1 + offset] -= factor * b[col];
        }
    }
    let mut x = vec![0.0; k];
    for row in (0..k).rev() {
        let s: f64 = (row + 1..k).map(|j| a[row][j] * x[j]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// Bounded Nelder–Mead as statsforecast runs it: every point clamped into the box,
/// adaptive coefficients, the first simplex 5% off the start along each axis (1e-4 where
/// the start is 0), stopping when the values' standard deviation is below 1e-4.
fn nelder_mead_bounded(f: &mut dyn FnMut(&[f64]) -> f64, x0: &[f64], lower: &[f64], upper: &[f64]) -> Vec<f64> {
    let n = x0.len();
    let nf = n as f64;
    let (alpha, gamma, rho, sigma) = (1.0, 1.0 + 2.0 / nf, 0.75 - 1.0 / (2.0 * nf), 1.0 - 1.0 / nf);
    let clamp = |p: &mut [f64]| {
        for (i, v) in p.iter_mut().enumerate() {
            *v = v.clamp(lower[i], upper[i]);
        }
    };
    // Points in one buffer, row i at i·n.
    let mut points = vec![0.0; (n + 1) * n];
    for i in 0..=n {
        let row = &mut points[i * n..(i + 1) * n];
        row.copy_from_slice(x0);
        clamp(row);
        if i > 0 {
            let v = row[i - 1];
            row[i - 1] = if v != 0.0 {
                v * (1.0 + NM_INIT_STEP)
            } else {
                NM_ZERO_PERT
            };
            clamp(row);
        }
    }
    let mut values: Vec<f64> = (0..=n).map(|i| f(&points[i * n..(i + 1) * n])).collect();
    // `order` is kept sorted by value (best first): after a step only the worst point
    // changes, and it is moved to its place; a shrink sorts again. `sum` is the sum of
    // all points, so the centroid of all but the worst is (sum − worst) / n.
    let mut order: Vec<usize> = (0..=n).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut sum = vec![0.0; n];
    let add_rows = |sum: &mut [f64], points: &[f64]| {
        sum.iter_mut().for_each(|c| *c = 0.0);
        for row in points.chunks(n) {
            for (c, v) in sum.iter_mut().zip(row) {
                *c += v;
            }
        }
    };
    add_rows(&mut sum, &points);
    let (mut centroid, mut reflected, mut trial) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    for _ in 0..NM_MAX_ITER {
        let (best, second_worst, worst) = (order[0], order[n - 1], order[n]);
        let mean = values.iter().sum::<f64>() / (nf + 1.0);
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (nf + 1.0);
        // The standard deviation against the tolerance, squared on both sides.
        if var.is_nan() || var < NM_TOL_STD * NM_TOL_STD {
            break;
        }
        let worst_row = worst * n;
        for j in 0..n {
            centroid[j] = (sum[j] - points[worst_row + j]) / nf;
            reflected[j] = centroid[j] - alpha * (points[worst_row + j] - centroid[j]);
        }
        clamp(&mut reflected);
        let fr = f(&reflected);
        // The point that replaces the worst, if any.
        let mut replace: Option<(bool, f64)> = None; // (from `trial`?, value)
        if fr < values[best] {
            for j in 0..n {
                trial[j] = centroid[j] + gamma * (reflected[j] - centroid[j]);
            }
            clamp(&mut trial);
            let fe = f(&trial);
            replace = Some(if fe < fr { (true, fe) } else { (false, fr) });
        } else if fr < values[second_worst] {
            replace = Some((false, fr));
        } else {
            let limit = if fr < values[worst] {
                for j in 0..n {
                    trial[j] = centroid[j] + rho * (reflected[j] - centroid[j]);
                }
                fr
            } else {
                for j in 0..n {
                    trial[j] = centroid[j] + rho * (points[worst_row + j] - centroid[j]);
                }
                values[worst]
            };
            clamp(&mut trial);
            let fc = f(&trial);
            if fc < limit {
                replace = Some((true, fc));
            }
        }
        match replace {
            Some((from_trial, value)) => {
                let new = if from_trial { &trial } else { &reflected };
                for j in 0..n {
                    sum[j] += new[j] - points[worst_row + j];
                }
                points[worst_row..worst_row + n].copy_from_slice(new);
                values[worst] = value;
                // Move the replaced point to its place.
                let mut k = n;
                while k > 0 && values[order[k - 1]] > value {
                    order[k] = order[k - 1];
                    k -= 1;
                }
                order[k] = worst;
            }
            None => {
                let best_row = best * n;
                for &i in &order[1..] {
                    for j in 0..n {
                        let a = points[best_row + j];
                        trial[j] = a + sigma * (points[i * n + j] - a);
                    }
                    clamp(&mut trial);
                    points[i * n..(i + 1) * n].copy_from_slice(&trial);
                    values[i] = f(&trial);
                }
                add_rows(&mut sum, &points);
                order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
            }
        }
    }
    let best = (0..=n)
        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
        .expect("a simplex");
    points[best * n..(best + 1) * n].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_series_is_fitted_as_simple_smoothing_close_to_its_level() {
        let y: Vec<f64> = (0..40).map(|t| 10.0 + if t % 2 == 0 { 0.5 } else { -0.5 }).collect();
        let fit = auto(&y, 1).unwrap();
        assert_eq!(fit.form.trend, Kind::None);
        let f = fit.forecast(3);
        assert!(f.iter().all(|v| (v - 10.0).abs() < 0.6), "{f:?}");
    }

    #[test]
    fn a_trend_is_followed() {
        let y: Vec<f64> = (0..40)
            .map(|t| 5.0 + 2.0 * t as f64 + if t % 3 == 0 { 0.3 } else { -0.15 })
            .collect();
        let fit = auto(&y, 1).unwrap();
        assert_eq!(fit.form.trend, Kind::Additive, "{}", fit.form.name());
        let f = fit.forecast(2);
        assert!((f[0] - 85.0).abs() < 2.0 && (f[1] - 87.0).abs() < 2.5, "{f:?}");
    }

    #[test]
    fn a_season_is_found_and_repeated() {
        let pattern = [5.0, 9.0, 14.0, 7.0];
        let y: Vec<f64> = (0..48)
            .map(|t| 20.0 + pattern[t % 4] + if t % 5 == 0 { 0.2 } else { -0.05 })
            .collect();
        let fit = auto(&y, 4).unwrap();
        assert_ne!(fit.form.season, Kind::None, "{}", fit.form.name());
        let f = fit.forecast(8);
        for (k, v) in f.iter().enumerate() {
            assert!((v - (20.0 + pattern[(48 + k) % 4])).abs() < 1.0, "{f:?}");
        }
        assert!(fit.spread(5) > fit.spread(1));
    }

    #[test]
    fn a_constant_series_forecasts_itself() {
        let fit = auto(&[3.0; 10], 12).unwrap();
        assert!(fit.forecast(4).iter().all(|v| (v - 3.0).abs() < 1e-9));
    }
}
