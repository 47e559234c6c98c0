//! Seeded randomness: one independent ChaCha stream per purpose and index.
//!
//! Every part of the demo (catalogue, residents, weather, each day of sales) draws
//! from its own stream derived from the seed, so the parts stay deterministic on
//! their own: adding a resident does not change the weather, and the sales of day
//! 17 can be generated without replaying days 0–16. ChaCha8 is portable and
//! stable across platforms, which a demo shared in bug reports needs.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub(crate) type DemoRng = ChaCha8Rng;

/// What a stream is used for; the discriminant separates the streams.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Catalog = 1,
    Residents = 4,
    Weather = 5,
    Lots = 6,
    Habits = 7,
    SalesDay = 8,
    Checkout = 9,
    Offers = 10,
}

/// The stream for `purpose` and `index` (a day, a resident, ...) under `seed`.
pub(crate) fn rng(seed: u64, purpose: Stream, index: u64) -> DemoRng {
    let key = splitmix(seed ^ splitmix(((purpose as u64) << 40) ^ index));
    ChaCha8Rng::seed_from_u64(key)
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A standard normal draw (Box–Muller); `rand_distr` is not worth a dependency
/// for one function.
pub(crate) fn gauss(rng: &mut DemoRng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1], so ln is finite
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A uniform draw in `[lo, hi)`.
pub(crate) fn uniform(rng: &mut DemoRng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// Running sums of `weights`, for [`pick`].
pub(crate) fn cumulative(weights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    weights
        .into_iter()
        .map(|w| {
            total += w.max(0.0);
            total
        })
        .collect()
}

/// Fills `cum` with the running sums of `weights`, reusing its allocation.
pub(crate) fn cumulative_into(cum: &mut Vec<f64>, weights: impl IntoIterator<Item = f64>) {
    cum.clear();
    let mut total = 0.0;
    for w in weights {
        total += w.max(0.0);
        cum.push(total);
    }
}

/// An index drawn in proportion to its weight, from running sums made by
/// [`cumulative`]; `None` when every weight is zero.
pub(crate) fn pick(cum: &[f64], rng: &mut DemoRng) -> Option<usize> {
    let total = *cum.last()?;
    if total <= 0.0 {
        return None;
    }
    let x = rng.random::<f64>() * total;
    Some(cum.partition_point(|&c| c <= x).min(cum.len() - 1))
}

/// An element of a non-empty slice, uniformly.
pub(crate) fn choose<'a, T>(items: &'a [T], rng: &mut DemoRng) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_purpose_and_index() {
        let a: u64 = rng(1, Stream::Weather, 0).random();
        let b: u64 = rng(1, Stream::Weather, 1).random();
        let c: u64 = rng(1, Stream::Residents, 0).random();
        let again: u64 = rng(1, Stream::Weather, 0).random();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, again);
    }

    #[test]
    fn pick_follows_the_weights_and_skips_zero_weights() {
        let cum = cumulative([0.0, 1.0, 0.0, 3.0]);
        let mut r = rng(7, Stream::Catalog, 0);
        let mut counts = [0_u32; 4];
        for _ in 0..4000 {
            counts[pick(&cum, &mut r).expect("weights are positive")] += 1;
        }
        assert_eq!(counts[0], 0);
        assert_eq!(counts[2], 0);
        assert!(counts[3] > 2 * counts[1], "{counts:?}");
        assert_eq!(pick(&cumulative([0.0, 0.0]), &mut r), None);
    }

    #[test]
    fn gauss_has_mean_zero_and_unit_spread() {
        let mut r = rng(3, Stream::Weather, 9);
        let draws: Vec<f64> = (0..20_000).map(|_| gauss(&mut r)).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!(mean.abs() < 0.03, "{mean}");
        assert!((var - 1.0).abs() < 0.05, "{var}");
    }
}
