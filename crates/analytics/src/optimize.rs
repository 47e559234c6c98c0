//! Minimisation without derivatives: Nelder–Mead with the adaptive coefficients of Gao
//! & Han (2012), restarted from its best point until a restart no longer improves. The
//! models fit a handful of parameters on a log scale, where this is robust and, with the
//! likelihoods written to be cheap, fast enough (docs/benchmarks.md).

/// Evaluations a minimisation may spend.
pub const EVALS_MAX: usize = 20_000;

/// The best point found and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub evals: usize,
}

/// Minimises `f` from `start`, with a first simplex of `step` along each axis. Stops when
/// the simplex's values differ by less than `tolerance` (absolute) and its points by less
/// than `tolerance` too, and a restart gains nothing.
pub fn nelder_mead(f: &mut dyn FnMut(&[f64]) -> f64, start: &[f64], step: f64, tolerance: f64) -> Minimum {
    let mut best = Minimum {
        x: start.to_vec(),
        value: f64::INFINITY,
        evals: 0,
    };
    let mut step = step;
    loop {
        let found = simplex_run(f, &best.x, step, tolerance, EVALS_MAX.saturating_sub(best.evals));
        let evals = best.evals + found.evals;
        let improved = best.value - found.value > tolerance;
        best = Minimum {
            x: found.x,
            value: found.value,
            evals,
        };
        if !improved || best.evals >= EVALS_MAX {
            return best;
        }
        step = step.min(0.1);
    }
}

fn simplex_run(f: &mut dyn FnMut(&[f64]) -> f64, start: &[f64], step: f64, tolerance: f64, budget: usize) -> Minimum {
    let n = start.len();
    let nf = n as f64;
    // Gao & Han's coefficients for dimension n.
    let (reflect, expand, contract, shrink) = (1.0, 1.0 + 2.0 / nf, 0.75 - 1.0 / (2.0 * nf), 1.0 - 1.0 / nf);
    let mut evals = 0;
    let mut eval = |x: &[f64], evals: &mut usize| {
        *evals += 1;
        let v = f(x);
        if v.is_nan() { f64::INFINITY } else { v }
    };
    let mut points: Vec<Vec<f64>> = (0..=n)
        .map(|i| {
            let mut p = start.to_vec();
            if i > 0 {
                p[i - 1] += step;
            }
            p
        })
        .collect();
    let mut values: Vec<f64> = points.iter().map(|p| eval(p, &mut evals)).collect();
    loop {
        // Order best first.
        let mut order: Vec<usize> = (0..=n).collect();
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        points = order.iter().map(|&i| points[i].clone()).collect();
        values = order.iter().map(|&i| values[i]).collect();
        let spread = values[n] - values[0];
        let size = points[1..]
            .iter()
            .flat_map(|p| p.iter().zip(&points[0]).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        if (spread.abs() < tolerance && size < tolerance) || evals >= budget {
            return Minimum {
                x: points[0].clone(),
                value: values[0],
                evals,
            };
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| points[..n].iter().map(|p| p[j]).sum::<f64>() / nf)
            .collect();
        let towards = |t: f64| -> Vec<f64> { (0..n).map(|j| centroid[j] + t * (points[n][j] - centroid[j])).collect() };
        let reflected = towards(-reflect);
        let fr = eval(&reflected, &mut evals);
        if fr < values[0] {
            let expanded = towards(-expand);
            let fe = eval(&expanded, &mut evals);
            (points[n], values[n]) = if fe < fr { (expanded, fe) } else { (reflected, fr) };
        } else if fr < values[n - 1] {
            (points[n], values[n]) = (reflected, fr);
        } else {
            let (candidate, fc) = if fr < values[n] {
                let c = towards(-contract);
                let fc = eval(&c, &mut evals);
                (c, fc)
            } else {
                let c = towards(contract);
                let fc = eval(&c, &mut evals);
                (c, fc)
            };
            if fc < values[n].min(fr) {
                (points[n], values[n]) = (candidate, fc);
            } else {
                for i in 1..=n {
                    points[i] = (0..n)
                        .map(|j| points[0][j] + shrink * (points[i][j] - points[0][j]))
                        .collect();
                    values[i] = eval(&points[i], &mut evals);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_rosenbrocks_valley() {
        let mut f = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let m = nelder_mead(&mut f, &[-1.2, 1.0], 0.5, 1e-12);
        assert!((m.x[0] - 1.0).abs() < 1e-5 && (m.x[1] - 1.0).abs() < 1e-5, "{m:?}");
    }

    #[test]
    fn a_quadratic_in_four_dimensions() {
        let target = [0.3, -2.0, 1.5, 4.0];
        let mut f = |x: &[f64]| {
            x.iter()
                .zip(&target)
                .enumerate()
                .map(|(i, (a, b))| (i + 1) as f64 * (a - b).powi(2))
                .sum()
        };
        let m = nelder_mead(&mut f, &[0.0; 4], 1.0, 1e-12);
        for (a, b) in m.x.iter().zip(&target) {
            assert!((a - b).abs() < 1e-5, "{m:?}");
        }
    }
}
