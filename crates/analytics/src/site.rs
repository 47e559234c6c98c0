//! Site selection: where the next store should open.
//!
//! **Huff gravity model** (Huff 1963). A neighbourhood i with spending `D_i` splits it
//! among the stores j in proportion to their utility `U_ij = A_j^α · d_ij^(−β)`, `A_j`
//! the floor area (m²) and `d_ij` the distance (km, great circle, at least
//! `DISTANCE_FLOOR_KM` so that a store on top of a neighbourhood does not take all of
//! it):
//!
//! `P_ij = U_ij / Σ_k U_ik`, and a store captures `C_j = Σ_i D_i P_ij`.
//!
//! Captured demand is in the demand file's units; with observed sales it is turned into
//! sales by the stores' sales per unit of captured demand (one factor for all).
//!
//! A candidate site is added to the existing stores (each candidate on its own), so its
//! captured demand is what it would draw from them; its predicted sales per m² are
//! `C_j / A_j`. Assumptions: every neighbourhood spends all of `D_i` at the stores
//! listed (no outside option), stores differ only by size and distance, and the data's
//! stores compete with the candidate.
//!
//! **Fitting α and β.** When the stores' observed sales are given, α and β are those
//! that minimise the squared difference of the log predicted and log observed *shares*
//! of the stores' total (the total is fixed by the demand, and the units may differ),
//! by Nelder–Mead on log α, log β from α = 1, β = 2, the textbook values.
//! Without sales the textbook values are used.
//!
//! **Regression.** When the stores come with population density, income and the number
//! of competitors nearby, sales per m² is regressed on them (ordinary least squares with
//! an intercept), and each candidate gets the regression's prediction too; candidates
//! are ranked by the mean of their two ranks (by Huff's alone without a regression).

use crate::input::{InputError, cells, lines};
use crate::optimize::nelder_mead;

/// Rows any of the three files may hold.
pub const ROWS_MAX: usize = 100_000;
/// Distances below this count as this (km).
pub const DISTANCE_FLOOR_KM: f64 = 0.05;
/// Textbook attractiveness and distance-decay exponents, used without observed sales.
pub const ALPHA_DEFAULT: f64 = 1.0;
pub const BETA_DEFAULT: f64 = 2.0;

/// A store or a candidate site.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: String,
    pub lat: f64,
    pub lon: f64,
    pub area_m2: f64,
    /// Observed sales over the period (stores only, optional).
    pub sales: Option<f64>,
    /// Population density, income, competitors nearby (optional, all or none).
    pub features: Option<[f64; 3]>,
}

/// A neighbourhood's spending.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub id: String,
    pub lat: f64,
    pub lon: f64,
    pub demand: f64,
}

fn number(cell: &str, line: usize, column: usize, what: &str) -> Result<f64, InputError> {
    cell.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| InputError::at(line, column, format!("{what} is not a number: {cell:?}")))
}

fn coordinate(cell: &str, line: usize, column: usize, what: &str, limit: f64) -> Result<f64, InputError> {
    let v = number(cell, line, column, what)?;
    if v.abs() > limit {
        return Err(InputError::at(line, column, format!("{what} must be within ±{limit}")));
    }
    Ok(v)
}

/// A row's line and its cells (text, column) in the order asked, `None` for an optional
/// column the header lacks.
type Row<'a> = (usize, Vec<Option<(&'a str, usize)>>);

/// Rows of a CSV with a header naming its columns; `required` must all be there. Each
/// row comes back as (line, cells by column name order of `wanted`, Option when absent).
fn table<'a>(bytes: &'a [u8], required: &[&str], optional: &[&str]) -> Result<Vec<Row<'a>>, InputError> {
    let mut rows = Vec::new();
    let mut columns: Vec<Option<usize>> = Vec::new();
    let mut width = 0;
    for line in lines(bytes) {
        let (n, text) = line?;
        if n == 1 {
            let header: Vec<&str> = text.split(',').map(str::trim).collect();
            width = header.len();
            for name in required {
                let Some(k) = header.iter().position(|h| h == name) else {
                    return Err(InputError::at(1, 1, format!("the header has no {name} column")));
                };
                columns.push(Some(k));
            }
            for name in optional {
                columns.push(header.iter().position(|h| h == name));
            }
            continue;
        }
        if rows.len() == ROWS_MAX {
            return Err(InputError::at(n, 1, format!("more than {ROWS_MAX} rows")));
        }
        let cells = cells(text, n, width)?;
        rows.push((n, columns.iter().map(|c| c.map(|k| cells[k])).collect()));
    }
    if rows.is_empty() {
        return Err(InputError::at(1, 1, "no rows under the header"));
    }
    Ok(rows)
}

/// Stores or candidates: `id,lat,lon,area_m2` and optionally `sales` and
/// `density,income,competitors`.
pub fn parse_sites(bytes: &[u8]) -> Result<Vec<Site>, InputError> {
    let rows = table(
        bytes,
        &["id", "lat", "lon", "area_m2"],
        &["sales", "density", "income", "competitors"],
    )?;
    rows.into_iter()
        .map(|(n, c)| {
            let cell = |k: usize| c[k].expect("required");
            let (id, _) = cell(0);
            let lat = coordinate(cell(1).0, n, cell(1).1, "lat", 90.0)?;
            let lon = coordinate(cell(2).0, n, cell(2).1, "lon", 180.0)?;
            let area_m2 = number(cell(3).0, n, cell(3).1, "area_m2")?;
            if area_m2 <= 0.0 {
                return Err(InputError::at(n, cell(3).1, "area_m2 must be above 0"));
            }
            let sales = match c[4] {
                Some((v, col)) if !v.trim().is_empty() => {
                    let s = number(v, n, col, "sales")?;
                    if s <= 0.0 {
                        return Err(InputError::at(n, col, "sales must be above 0"));
                    }
                    Some(s)
                }
                _ => None,
            };
            // All three features or none.
            let features = match (c[5], c[6], c[7]) {
                (Some(a), Some(b), Some(d)) => match [a, b, d].iter().filter(|x| !x.0.trim().is_empty()).count() {
                    0 => None,
                    3 => Some([
                        number(a.0, n, a.1, "density")?,
                        number(b.0, n, b.1, "income")?,
                        number(d.0, n, d.1, "competitors")?,
                    ]),
                    _ => {
                        let empty = [a, b, d]
                            .into_iter()
                            .find(|x| x.0.trim().is_empty())
                            .expect("one is empty");
                        return Err(InputError::at(
                            n,
                            empty.1,
                            "give density, income and competitors together, or none",
                        ));
                    }
                },
                _ => None,
            };
            Ok(Site {
                id: id.trim().to_string(),
                lat,
                lon,
                area_m2,
                sales,
                features,
            })
        })
        .collect()
}

/// Neighbourhoods: `id,lat,lon,demand`.
pub fn parse_zones(bytes: &[u8]) -> Result<Vec<Zone>, InputError> {
    let rows = table(bytes, &["id", "lat", "lon", "demand"], &[])?;
    rows.into_iter()
        .map(|(n, c)| {
            let cell = |k: usize| c[k].expect("required");
            let demand = number(cell(3).0, n, cell(3).1, "demand")?;
            if demand < 0.0 {
                return Err(InputError::at(n, cell(3).1, "demand must not be negative"));
            }
            Ok(Zone {
                id: cell(0).0.trim().to_string(),
                lat: coordinate(cell(1).0, n, cell(1).1, "lat", 90.0)?,
                lon: coordinate(cell(2).0, n, cell(2).1, "lon", 180.0)?,
                demand,
            })
        })
        .collect()
}

/// Great-circle distance in km.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_KM: f64 = 6_371.0;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_KM * a.sqrt().asin()
}

/// Captured demand of each of `sites` with exponents α, β.
pub fn captured(sites: &[Site], zones: &[Zone], alpha: f64, beta: f64) -> Vec<f64> {
    captured_with_outside(sites, zones, alpha, beta, 0.0)
}

/// Captured demand with an outside option of attraction `outside` in every zone: the
/// share of a neighbourhood's spending that goes to none of the sites (shops elsewhere,
/// online, not shopping). With it, a store far from a neighbourhood captures little of
/// it instead of its share of whatever is left; 0 is the classic model.
pub fn captured_with_outside(sites: &[Site], zones: &[Zone], alpha: f64, beta: f64, outside: f64) -> Vec<f64> {
    let mut out = vec![0.0; sites.len()];
    let mut utility = vec![0.0; sites.len()];
    for z in zones {
        for (u, s) in utility.iter_mut().zip(sites) {
            let d = distance_km(z.lat, z.lon, s.lat, s.lon).max(DISTANCE_FLOOR_KM);
            *u = s.area_m2.powf(alpha) * d.powf(-beta);
        }
        let total: f64 = utility.iter().sum::<f64>() + outside.max(0.0);
        if total > 0.0 {
            for (o, u) in out.iter_mut().zip(&utility) {
                *o += z.demand * u / total;
            }
        }
    }
    out
}

/// The fitted (or textbook) Huff exponents.
#[derive(Debug, Clone, PartialEq)]
pub struct Huff {
    pub alpha: f64,
    pub beta: f64,
    /// Whether α and β were fitted to observed sales.
    pub fitted: bool,
    /// Root mean square of log(predicted share / observed share) over the stores.
    pub rmse_log: Option<f64>,
    /// Observed sales per unit of captured demand (all stores together): turns captured
    /// demand into predicted sales. 1 without sales.
    pub sales_per_demand: f64,
}

/// Fits α and β to the stores' observed sales (all stores must have them), else the
/// textbook values.
pub fn fit_huff(stores: &[Site], zones: &[Zone]) -> Huff {
    let observed: Option<Vec<f64>> = stores.iter().map(|s| s.sales).collect();
    let Some(observed) = observed.filter(|o| o.len() >= 3) else {
        return Huff {
            alpha: ALPHA_DEFAULT,
            beta: BETA_DEFAULT,
            fitted: false,
            rmse_log: None,
            sales_per_demand: 1.0,
        };
    };
    // Shares, not amounts: the stores always capture all of the zones' demand between
    // them, whatever α and β, so only how it is split can be fitted, and sales and demand
    // may be in different units (a month's sales against a year's spending).
    let total_obs: f64 = observed.iter().sum();
    let log_obs: Vec<f64> = observed.iter().map(|v| (v / total_obs).ln()).collect();
    let loss = |alpha: f64, beta: f64| {
        let c = captured(stores, zones, alpha, beta);
        let total: f64 = c.iter().sum();
        c.iter()
            .zip(&log_obs)
            .map(|(c, o)| ((c / total).max(1e-12).ln() - o).powi(2))
            .sum::<f64>()
            / log_obs.len() as f64
    };
    let mut f = |p: &[f64]| loss(p[0].exp(), p[1].exp());
    let m = nelder_mead(&mut f, &[ALPHA_DEFAULT.ln(), BETA_DEFAULT.ln()], 0.5, 1e-10);
    let (alpha, beta) = (m.x[0].exp(), m.x[1].exp());
    let captured_total: f64 = captured(stores, zones, alpha, beta).iter().sum();
    Huff {
        alpha,
        beta,
        fitted: true,
        rmse_log: Some(m.value.sqrt()),
        sales_per_demand: if captured_total > 0.0 {
            total_obs / captured_total
        } else {
            1.0
        },
    }
}

/// Sales per m² on (1, density, income, competitors) by least squares, when every
/// store has sales and the three features and there are more stores than coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct Regression {
    /// Intercept, density, income, competitors.
    pub coefficients: [f64; 4],
    pub r2: f64,
}

pub fn fit_regression(stores: &[Site]) -> Option<Regression> {
    let rows: Option<Vec<([f64; 3], f64)>> = stores
        .iter()
        .map(|s| Some((s.features?, s.sales? / s.area_m2)))
        .collect();
    let rows = rows?;
    if rows.len() <= 4 {
        return None;
    }
    let mut a = [[0.0; 4]; 4];
    let mut b = [0.0; 4];
    for (x, y) in &rows {
        let v = [1.0, x[0], x[1], x[2]];
        for i in 0..4 {
            b[i] += v[i] * y;
            for j in 0..4 {
                a[i][j] += v[i] * v[j];
            }
        }
    }
    let coefficients = solve4(a, b)?;
    let mean = rows.iter().map(|r| r.1).sum::<f64>() / rows.len() as f64;
    let (mut ss_res, mut ss_tot) = (0.0, 0.0);
    for (x, y) in &rows {
        let p = predict(&coefficients, x);
        ss_res += (y - p).powi(2);
        ss_tot += (y - mean).powi(2);
    }
    Some(Regression {
        coefficients,
        r2: if ss_tot > 0.0 { 1.0 - ss_res / ss_tot } else { 1.0 },
    })
}

pub fn predict(c: &[f64; 4], x: &[f64; 3]) -> f64 {
    c[0] + c[1] * x[0] + c[2] * x[1] + c[3] * x[2]
}

fn solve4(mut a: [[f64; 4]; 4], mut b: [f64; 4]) -> Option<[f64; 4]> {
    for col in 0..4 {
        let pivot = (col..4).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..4 {
            let factor = a[row][col] / a[col][col];
            let pivot_row = a[col];
            for (x, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                *x -= factor * p;
            }
            b[row] -= factor * b[col];
        }
    }
    let mut x = [0.0; 4];
    for row in (0..4).rev() {
        let s: f64 = (row + 1..4).map(|j| a[row][j] * x[j]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// A candidate's predictions.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub id: String,
    pub captured_demand: f64,
    pub huff_sales_per_m2: f64,
    pub regression_sales_per_m2: Option<f64>,
    /// 1 = best.
    pub rank: usize,
}

/// Each candidate added to the stores on its own, ranked.
pub fn evaluate(stores: &[Site], zones: &[Zone], candidates: &[Site]) -> (Huff, Option<Regression>, Vec<Prediction>) {
    let huff = fit_huff(stores, zones);
    let regression = fit_regression(stores);
    let mut with: Vec<Site> = stores.to_vec();
    let mut predictions: Vec<Prediction> = candidates
        .iter()
        .map(|c| {
            with.push(c.clone());
            let captured_demand = *captured(&with, zones, huff.alpha, huff.beta)
                .last()
                .expect("the candidate");
            with.pop();
            Prediction {
                id: c.id.clone(),
                captured_demand,
                huff_sales_per_m2: captured_demand * huff.sales_per_demand / c.area_m2,
                regression_sales_per_m2: regression
                    .as_ref()
                    .zip(c.features)
                    .map(|(r, x)| predict(&r.coefficients, &x)),
                rank: 0,
            }
        })
        .collect();
    rank_predictions(&mut predictions, regression.is_some());
    (huff, regression, predictions)
}

/// Ranks candidates (1 = best) by the mean of their Huff rank and regression rank, so
/// that the two models' units never mix; by Huff's alone without a regression. Ties go
/// to the candidate listed first.
fn rank_predictions(predictions: &mut [Prediction], with_regression: bool) {
    let rank_by = |value: &dyn Fn(&Prediction) -> f64| -> Vec<f64> {
        let mut idx: Vec<usize> = (0..predictions.len()).collect();
        idx.sort_by(|&a, &b| {
            value(&predictions[b])
                .total_cmp(&value(&predictions[a]))
                .then(a.cmp(&b))
        });
        let mut rank = vec![0.0; predictions.len()];
        for (r, i) in idx.into_iter().enumerate() {
            rank[i] = r as f64;
        }
        rank
    };
    let mut score = rank_by(&|p| p.huff_sales_per_m2);
    if with_regression && predictions.iter().all(|p| p.regression_sales_per_m2.is_some()) {
        let by_regression = rank_by(&|p| p.regression_sales_per_m2.unwrap_or(f64::NEG_INFINITY));
        for (s, r) in score.iter_mut().zip(by_regression) {
            *s = (*s + r) / 2.0;
        }
    }
    let mut order: Vec<usize> = (0..predictions.len()).collect();
    order.sort_by(|&a, &b| score[a].total_cmp(&score[b]).then(a.cmp(&b)));
    for (rank, i) in order.into_iter().enumerate() {
        predictions[i].rank = rank + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(id: &str, lat: f64, lon: f64, area: f64) -> Site {
        Site {
            id: id.into(),
            lat,
            lon,
            area_m2: area,
            sales: None,
            features: None,
        }
    }

    #[test]
    fn demand_is_shared_in_full_and_the_nearer_or_bigger_store_takes_more() {
        let zones = vec![Zone {
            id: "z".into(),
            lat: 31.0,
            lon: 121.0,
            demand: 1000.0,
        }];
        let stores = vec![site("near", 31.001, 121.0, 100.0), site("far", 31.01, 121.0, 100.0)];
        let c = captured(&stores, &zones, 1.0, 2.0);
        assert!((c.iter().sum::<f64>() - 1000.0).abs() < 1e-9);
        // 0.111 km against 1.11 km, β = 2: 100 times the utility.
        assert!((c[0] / c[1] - 100.0).abs() < 0.5, "{c:?}");
        let bigger = vec![site("a", 31.001, 121.0, 300.0), site("b", 30.999, 121.0, 100.0)];
        let c = captured(&bigger, &zones, 1.0, 2.0);
        assert!((c[0] / c[1] - 3.0).abs() < 1e-6);
    }

    #[test]
    fn fitting_recovers_the_exponents_that_made_the_sales() {
        let mut zones = Vec::new();
        for i in 0..8 {
            for j in 0..8 {
                zones.push(Zone {
                    id: format!("z{i}{j}"),
                    lat: 31.0 + 0.004 * i as f64,
                    lon: 121.0 + 0.004 * j as f64,
                    demand: 100.0 + 10.0 * ((i * j) % 5) as f64,
                });
            }
        }
        let mut stores: Vec<Site> = [
            (0.005, 0.006, 120.0),
            (0.02, 0.01, 300.0),
            (0.012, 0.025, 80.0),
            (0.027, 0.027, 200.0),
            (0.0, 0.02, 150.0),
        ]
        .iter()
        .enumerate()
        .map(|(k, (a, b, area))| site(&format!("s{k}"), 31.0 + a, 121.0 + b, *area))
        .collect();
        let truth = captured(&stores, &zones, 0.8, 1.6);
        // A month's sales against a year's spending: another unit, the same split.
        for (s, t) in stores.iter_mut().zip(truth) {
            s.sales = Some(t / 12.0);
        }
        let huff = fit_huff(&stores, &zones);
        assert!(huff.fitted);
        assert!(
            (huff.alpha - 0.8).abs() < 0.01 && (huff.beta - 1.6).abs() < 0.01,
            "{huff:?}"
        );
    }

    #[test]
    fn the_regression_recovers_its_coefficients_and_candidates_are_ranked() {
        let zones = vec![Zone {
            id: "z".into(),
            lat: 31.0,
            lon: 121.0,
            demand: 1000.0,
        }];
        let stores: Vec<Site> = (0..8)
            .map(|k| {
                let x = [1.0 + k as f64, 3.0 + (k * k % 7) as f64, (k % 3) as f64];
                let per_m2 = 5.0 + 2.0 * x[0] + 0.1 * x[1] - 0.5 * x[2];
                Site {
                    features: Some(x),
                    sales: Some(per_m2 * 100.0),
                    ..site(&format!("s{k}"), 31.0 + 0.01 * k as f64, 121.01, 100.0)
                }
            })
            .collect();
        let r = fit_regression(&stores).unwrap();
        for (got, want) in r.coefficients.iter().zip([5.0, 2.0, 0.1, -0.5]) {
            assert!((got - want).abs() < 1e-9, "{r:?}");
        }
        assert!((r.r2 - 1.0).abs() < 1e-12);
        let candidates = vec![
            Site {
                features: Some([1.0, 3.0, 2.0]),
                ..site("quiet", 31.2, 121.2, 100.0)
            },
            Site {
                features: Some([9.0, 3.0, 0.0]),
                ..site("busy", 31.0005, 121.0, 100.0)
            },
        ];
        let (_, _, p) = evaluate(&stores, &zones, &candidates);
        assert!((p[1].regression_sales_per_m2.unwrap() - 23.3).abs() < 1e-9);
    }

    #[test]
    fn candidates_rank_by_the_mean_of_their_two_ranks() {
        let p = |id: &str, huff: f64, reg: f64| Prediction {
            id: id.into(),
            captured_demand: 0.0,
            huff_sales_per_m2: huff,
            regression_sales_per_m2: Some(reg),
            rank: 0,
        };
        // Sales per m2 in different units: only the order within each model counts.
        let mut v = vec![p("b", 20.0, 5.0), p("a", 30.0, 3_000.0), p("c", 10.0, 2_000.0)];
        rank_predictions(&mut v, true);
        assert_eq!(
            v.iter().map(|x| (x.id.as_str(), x.rank)).collect::<Vec<_>>(),
            vec![("b", 2), ("a", 1), ("c", 3)]
        );
        rank_predictions(&mut v, false);
        assert_eq!(v.iter().map(|x| x.rank).collect::<Vec<_>>(), vec![2, 1, 3]);
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        assert_eq!(
            parse_sites(b"id,lat,lon,area_m2\na,31.2,121.4,x\n"),
            Err(InputError::at(2, 14, "area_m2 is not a number: \"x\""))
        );
        assert_eq!(
            parse_sites(b"id,lat,lon\na,1,2\n"),
            Err(InputError::at(1, 1, "the header has no area_m2 column"))
        );
        assert_eq!(
            parse_sites(b"id,lat,lon,area_m2,density,income,competitors\na,31.2,121.4,80,900,,2\n"),
            Err(InputError::at(
                2,
                21,
                "give density, income and competitors together, or none"
            ))
        );
        assert_eq!(
            parse_zones(b"id,lat,lon,demand\nz,95,121,3\n"),
            Err(InputError::at(2, 3, "lat must be within ±90"))
        );
    }
}
