//! Customer lifetime value: how often each customer will buy (BG/NBD, Fader, Hardie & Lee
//! 2005, "Counting your customers the easy way") and how much they spend when they do
//! (Gamma-Gamma, Fader, Hardie & Lee 2005, "RFM and CLV"), both fitted by maximum
//! likelihood.
//!
//! Time is in weeks counted from days, as published: a customer's repeat purchases `x`
//! are their distinct purchase days after the first, up to the calibration end; `t_x` is
//! the week of the last of them after the first purchase and `T` the weeks from the first
//! purchase to the calibration end. Purchases on one day count as one, their amounts
//! summed; the Gamma-Gamma model sees the mean of the repeat days' amounts (the first
//! purchase left out). On the CDNOW sample this gives the published parameters
//! (known-answer test in `tests/it/clv.rs`).
//!
//! The likelihoods are written to be cheap: customers with the same `(x, t_x, T)` are
//! counted once with a weight, and every term that depends only on `x`, on `T` or on
//! `t_x` is computed once per evaluation, so a fit of the 2,357 CDNOW customers takes a
//! few milliseconds (docs/benchmarks.md).

use crate::input::{InputError, lines};
use crate::optimize::nelder_mead;
use crate::special::{hyp2f1, ln_gamma};
use std::collections::{BTreeMap, HashMap};

/// Purchase rows a file may hold.
pub const PURCHASES_MAX: usize = 50_000_000;
/// Characters a customer id may have.
pub const CUSTOMER_ID_CHARS_MAX: usize = 100;

/// One purchase: who, which day (days since 1970-01-01), how much.
#[derive(Debug, Clone, PartialEq)]
pub struct Purchase {
    pub customer: u32,
    pub day: i32,
    pub amount: f64,
}

/// Purchases with customers as small ids (`customers[id]` is the id in the file).
#[derive(Debug, Clone, PartialEq)]
pub struct Purchases {
    pub customers: Vec<String>,
    pub rows: Vec<Purchase>,
}

impl Purchases {
    /// CSV `customer_id,date,amount`, one row per purchase, with or without that header;
    /// dates as `YYYY-MM-DD`; amounts non-negative numbers.
    pub fn parse(bytes: &[u8]) -> Result<Purchases, InputError> {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut customers = Vec::new();
        let mut rows = Vec::new();
        let mut header = false;
        for line in lines(bytes) {
            let (n, text) = line?;
            if n == 1 && text.trim().eq_ignore_ascii_case("customer_id,date,amount") {
                header = true;
                continue;
            }
            if text.trim().is_empty() {
                return Err(InputError::at(n, 1, "empty line"));
            }
            if rows.len() == PURCHASES_MAX {
                return Err(InputError::at(n, 1, format!("more than {PURCHASES_MAX} purchases")));
            }
            let cells = crate::input::cells(text, n, 3)?;
            let (id, col_id) = cells[0];
            let (date, col_date) = cells[1];
            let (amount, col_amount) = cells[2];
            if id.is_empty() {
                return Err(InputError::at(n, col_id, "empty customer_id"));
            }
            if id.chars().count() > CUSTOMER_ID_CHARS_MAX {
                return Err(InputError::at(
                    n,
                    col_id,
                    format!("customer_id longer than {CUSTOMER_ID_CHARS_MAX} characters"),
                ));
            }
            let day = crate::input::parse_date(date).map_err(|m| InputError::at(n, col_date, m))?;
            let amount: f64 = amount
                .parse()
                .ok()
                .filter(|a: &f64| a.is_finite())
                .ok_or_else(|| InputError::at(n, col_amount, format!("amount is not a number: {amount:?}")))?;
            if amount < 0.0 {
                return Err(InputError::at(
                    n,
                    col_amount,
                    "amount is negative (returns are not purchases)",
                ));
            }
            let customer = match ids.get(id) {
                Some(c) => *c,
                None => {
                    let c = u32::try_from(customers.len()).expect("fewer customers than rows");
                    ids.insert(id.to_string(), c);
                    customers.push(id.to_string());
                    c
                }
            };
            rows.push(Purchase { customer, day, amount });
        }
        if rows.is_empty() {
            let what = if header {
                "no purchases under the header"
            } else {
                "no purchases: the file is empty"
            };
            return Err(InputError::at(1, 1, what));
        }
        Ok(Purchases { customers, rows })
    }
}

/// A customer's calibration summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub customer: u32,
    /// Repeat purchase days.
    pub x: u32,
    /// Weeks from the first purchase to the last repeat one (0 without repeats).
    pub t_x: f64,
    /// Weeks from the first purchase to the calibration end.
    pub age: f64,
    /// Mean amount of the repeat days (0 without repeats).
    pub mean_repeat: f64,
    /// Whole days, for grouping equal customers.
    t_x_days: i32,
    age_days: i32,
}

/// Why a fit was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClvError {
    #[error("the calibration end {end} is after the last purchase ({last}): there is no data to hold it")]
    EndAfterData { end: String, last: String },
    #[error("no customer bought before the calibration end {0}")]
    NoCustomers(String),
    #[error("the Gamma-Gamma model needs customers with repeat purchases of some value")]
    NoRepeatBuyers,
}

/// Summaries of every customer whose first purchase is on or before `end_day`.
pub fn summarize(purchases: &Purchases, end_day: i32) -> Result<Vec<Summary>, ClvError> {
    let last = purchases
        .rows
        .iter()
        .map(|p| p.day)
        .max()
        .expect("parse refuses an empty file");
    if end_day > last {
        return Err(ClvError::EndAfterData {
            end: crate::input::format_date(end_day),
            last: crate::input::format_date(last),
        });
    }
    // Per customer: amount per day, for days up to the end.
    let mut days: BTreeMap<u32, BTreeMap<i32, f64>> = BTreeMap::new();
    for p in purchases.rows.iter().filter(|p| p.day <= end_day) {
        *days.entry(p.customer).or_default().entry(p.day).or_default() += p.amount;
    }
    if days.is_empty() {
        return Err(ClvError::NoCustomers(crate::input::format_date(end_day)));
    }
    Ok(days
        .into_iter()
        .map(|(customer, by_day)| {
            let first = *by_day.keys().next().expect("a customer has a purchase");
            let last = *by_day.keys().next_back().expect("a customer has a purchase");
            let x = (by_day.len() - 1) as u32;
            let repeat_total: f64 = by_day.values().skip(1).sum();
            Summary {
                customer,
                x,
                t_x: f64::from(last - first) / 7.0,
                age: f64::from(end_day - first) / 7.0,
                mean_repeat: if x > 0 { repeat_total / f64::from(x) } else { 0.0 },
                t_x_days: last - first,
                age_days: end_day - first,
            }
        })
        .collect())
}

/// BG/NBD parameters and the log-likelihood at them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
    pub log_likelihood: f64,
    /// Likelihood evaluations the fit took.
    pub evals: usize,
}

/// Gamma-Gamma parameters and the log-likelihood at them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
    pub log_likelihood: f64,
    /// Likelihood evaluations the fit took.
    pub evals: usize,
}

/// Tolerance of the fits, on the log-likelihood and on the log-parameters.
const FIT_TOLERANCE: f64 = 1e-7;

/// Distinct `(x, t_x, T)` with how many customers share them, and the tables the
/// likelihood indexes.
struct Groups {
    /// (x, index into `t_x_weeks`, index into `age_weeks`, customers).
    rows: Vec<(u32, usize, usize, f64)>,
    t_x_weeks: Vec<f64>,
    age_weeks: Vec<f64>,
    x_max: u32,
}

impl Groups {
    fn of(summaries: &[Summary]) -> Groups {
        let mut counts: BTreeMap<(u32, i32, i32), f64> = BTreeMap::new();
        for s in summaries {
            *counts.entry((s.x, s.t_x_days, s.age_days)).or_default() += 1.0;
        }
        let mut t_x_index: BTreeMap<i32, usize> = BTreeMap::new();
        let mut age_index: BTreeMap<i32, usize> = BTreeMap::new();
        for &(_, t, age) in counts.keys() {
            let n = t_x_index.len();
            t_x_index.entry(t).or_insert(n);
            let n = age_index.len();
            age_index.entry(age).or_insert(n);
        }
        let weeks = |index: &BTreeMap<i32, usize>| {
            let mut v = vec![0.0; index.len()];
            for (&days, &i) in index {
                v[i] = f64::from(days) / 7.0;
            }
            v
        };
        Groups {
            rows: counts
                .iter()
                .map(|(&(x, t, age), &n)| (x, t_x_index[&t], age_index[&age], n))
                .collect(),
            t_x_weeks: weeks(&t_x_index),
            age_weeks: weeks(&age_index),
            x_max: counts.keys().map(|k| k.0).max().unwrap_or(0),
        }
    }

    /// The BG/NBD log-likelihood of every customer at (r, α, a, b).
    fn bgnbd_ll(&self, r: f64, alpha: f64, a: f64, b: f64) -> f64 {
        let x_max = self.x_max as usize;
        // Per x: ln Γ(r+x) − ln Γ(r) + ln B(a, b+x) − ln B(a, b), and ln(b + x − 1).
        let mut by_x = vec![0.0; x_max + 1];
        for x in 1..=x_max {
            let k = (x - 1) as f64;
            by_x[x] = by_x[x - 1] + (r + k).ln() + (b + k).ln() - (a + b + k).ln();
        }
        let ln_b_x_1: Vec<f64> = (0..=x_max).map(|x| (b + x as f64 - 1.0).ln()).collect();
        let ln_alpha_age: Vec<f64> = self.age_weeks.iter().map(|t| (alpha + t).ln()).collect();
        let ln_alpha_t_x: Vec<f64> = self.t_x_weeks.iter().map(|t| (alpha + t).ln()).collect();
        let (ln_alpha, ln_a) = (alpha.ln(), a.ln());
        let mut ll = 0.0;
        for &(x, t, age, n) in &self.rows {
            let rx = r + f64::from(x);
            let a3 = -rx * ln_alpha_age[age];
            let tail = if x > 0 {
                let a4 = ln_a - ln_b_x_1[x as usize] - rx * ln_alpha_t_x[t];
                let (hi, lo) = if a3 > a4 { (a3, a4) } else { (a4, a3) };
                hi + (lo - hi).exp().ln_1p()
            } else {
                a3
            };
            ll += n * (by_x[x as usize] + r * ln_alpha + tail);
        }
        ll
    }
}

/// Fits BG/NBD to the summaries by maximum likelihood.
pub fn fit_bgnbd(summaries: &[Summary]) -> BgNbd {
    let groups = Groups::of(summaries);
    let mut f = |p: &[f64]| -groups.bgnbd_ll(p[0].exp(), p[1].exp(), p[2].exp(), p[3].exp());
    let m = nelder_mead(&mut f, &[0.0; 4], 1.0, FIT_TOLERANCE);
    BgNbd {
        r: m.x[0].exp(),
        alpha: m.x[1].exp(),
        a: m.x[2].exp(),
        b: m.x[3].exp(),
        log_likelihood: -m.value,
        evals: m.evals,
    }
}

/// Fits Gamma-Gamma to the customers with repeat purchases of some value.
pub fn fit_gamma_gamma(summaries: &[Summary]) -> Result<GammaGamma, ClvError> {
    let buyers: Vec<(u32, f64)> = summaries
        .iter()
        .filter(|s| s.x > 0 && s.mean_repeat > 0.0)
        .map(|s| (s.x, s.mean_repeat))
        .collect();
    if buyers.is_empty() {
        return Err(ClvError::NoRepeatBuyers);
    }
    let x_max = buyers.iter().map(|b| b.0).max().expect("not empty") as usize;
    let mut x_count = vec![0.0; x_max + 1];
    for b in &buyers {
        x_count[b.0 as usize] += 1.0;
    }
    let ln_m: Vec<f64> = buyers.iter().map(|b| b.1.ln()).collect();
    let ll = |p: f64, q: f64, gamma: f64| {
        // Per x: ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + px ln x, times the customers.
        let (ln_gamma_q, ln_g) = (ln_gamma(q), gamma.ln());
        let mut total = 0.0;
        for (x, &n) in x_count.iter().enumerate().filter(|(_, n)| **n > 0.0) {
            let px = p * x as f64;
            total += n * (ln_gamma(px + q) - ln_gamma(px) - ln_gamma_q + q * ln_g + px * (x as f64).ln());
        }
        for (&(x, m), &lm) in buyers.iter().zip(&ln_m) {
            let px = p * f64::from(x);
            total += (px - 1.0) * lm - (px + q) * (gamma + f64::from(x) * m).ln();
        }
        total
    };
    let mut f = |v: &[f64]| -ll(v[0].exp(), v[1].exp(), v[2].exp());
    let m = nelder_mead(&mut f, &[0.0; 3], 1.0, FIT_TOLERANCE);
    Ok(GammaGamma {
        p: m.x[0].exp(),
        q: m.x[1].exp(),
        gamma: m.x[2].exp(),
        log_likelihood: -m.value,
        evals: m.evals,
    })
}

impl BgNbd {
    /// The chance the customer is still active at the calibration end.
    pub fn p_alive(&self, x: u32, t_x: f64, age: f64) -> f64 {
        if x == 0 {
            return 1.0;
        }
        let rx = self.r + f64::from(x);
        let odds = self.a / (self.b + f64::from(x) - 1.0) * ((self.alpha + age) / (self.alpha + t_x)).powf(rx);
        1.0 / (1.0 + odds)
    }

    /// Expected purchases in the `weeks` after the calibration end.
    pub fn expected_purchases(&self, x: u32, t_x: f64, age: f64, weeks: f64) -> f64 {
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let xf = f64::from(x);
        let z = weeks / (alpha + age + weeks);
        let front = (a + b + xf - 1.0) / (a - 1.0);
        let hyp = hyp2f1(r + xf, b + xf, a + b + xf - 1.0, z);
        let inner = 1.0 - ((alpha + age) / (alpha + age + weeks)).powf(r + xf) * hyp;
        // The bracket over 1 + (a / (b + x − 1)) ((α + T) / (α + t_x))^(r + x), which is
        // the chance the customer is alive.
        front * inner * self.p_alive(x, t_x, age)
    }
}

impl GammaGamma {
    /// Expected spend per purchase of a customer with `x` repeat purchases of mean `m`
    /// (the population mean for a customer without repeats).
    pub fn expected_spend(&self, x: u32, mean_repeat: f64) -> f64 {
        if x == 0 {
            return self.p * self.gamma / (self.q - 1.0);
        }
        let xf = f64::from(x);
        self.p * (self.gamma + xf * mean_repeat) / (self.p * xf + self.q - 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_count_distinct_days_after_the_first() {
        let p = Purchases::parse(
            b"customer_id,date,amount\nc1,1997-01-01,10\nc1,1997-01-01,5\nc1,1997-01-08,20\nc1,1997-01-22,40\nc2,1997-01-15,7\nc1,1997-02-01,99\nc3,1997-02-01,1\n",
        )
        .unwrap();
        let s = summarize(&p, crate::input::parse_date("1997-01-29").unwrap()).unwrap();
        // c3 first bought after the end: not a customer of the calibration period.
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].x, s[0].t_x, s[0].age, s[0].mean_repeat), (2, 3.0, 4.0, 30.0));
        assert_eq!((s[1].x, s[1].t_x, s[1].age, s[1].mean_repeat), (0, 0.0, 2.0, 0.0));
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        let check = |text: &str| Purchases::parse(text.as_bytes()).unwrap_err();
        assert_eq!(
            check("a,1997-01-01,1\nb,1997-13-01,2\n"),
            InputError::at(2, 3, "not a date (YYYY-MM-DD): \"1997-13-01\"")
        );
        assert_eq!(
            check("a,1997-01-01,x\n"),
            InputError::at(1, 14, "amount is not a number: \"x\"")
        );
        assert_eq!(
            check("a,1997-01-01\n"),
            InputError::at(1, 13, "2 cells where 3 were expected")
        );
        assert_eq!(
            check("a,1997-01-01,1,2\n"),
            InputError::at(1, 16, "4 cells where 3 were expected")
        );
        assert_eq!(check(""), InputError::at(1, 1, "no purchases: the file is empty"));
        assert_eq!(
            check("a,1997-01-01,-3\n"),
            InputError::at(1, 14, "amount is negative (returns are not purchases)")
        );
    }

    #[test]
    fn an_end_after_the_data_is_refused() {
        let p = Purchases::parse(b"a,1997-01-01,1\n").unwrap();
        assert_eq!(
            summarize(&p, crate::input::parse_date("1998-01-01").unwrap()),
            Err(ClvError::EndAfterData {
                end: "1998-01-01".into(),
                last: "1997-01-01".into()
            })
        );
    }
}
