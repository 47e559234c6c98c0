//! Replenishment (补货): when to order and how much, from a daily demand forecast with
//! its uncertainty, the supplier's lead time and a target service level.
//!
//! The policy is the periodic-review (s, S) policy a store that can order every day
//! runs: demand over the protection interval is the sum of the daily forecasts, its
//! variance the sum of the days' variances (days taken as independent), each day's σ
//! read from its 80% interval (half width ÷ z₀.₉₀). With z the standard normal quantile
//! of the service level (the chance of not running out before the next delivery):
//!
//! - reorder point s = demand over the lead time + z · σ over the lead time;
//! - order-up-to level S = demand over lead time + review period + z · σ over it;
//! - when the inventory position (on hand + on order) is at or below s, order S − position,
//!   rounded up to the ordering unit.

/// z of the 80% interval's upper bound (the 90th percentile).
const Z90: f64 = 1.281_551_565_544_600_5;

/// A day's forecast demand: the mean and the 80% interval's half width.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayDemand {
    pub mean: f64,
    pub half80: f64,
}

impl DayDemand {
    pub fn sigma(self) -> f64 {
        (self.half80 / Z90).max(0.0)
    }
}

/// The levels of the policy for one product.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Expected demand over the lead time.
    pub lead_demand: f64,
    pub reorder_point: f64,
    pub order_up_to: f64,
}

/// The standard normal quantile (Acklam's rational approximation, relative error below
/// 1.2e-9), for 0 < p < 1.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// The policy over `days` (from today on): the first `lead_days` are the lead time, the
/// next `review_days` the review period. Days beyond the forecast count as its last day.
pub fn policy(days: &[DayDemand], lead_days: usize, review_days: usize, service_level: f64) -> Policy {
    let z = normal_quantile(service_level);
    let day = |k: usize| {
        days.get(k)
            .or(days.last())
            .copied()
            .unwrap_or(DayDemand { mean: 0.0, half80: 0.0 })
    };
    let over = |n: usize| {
        let (mut mean, mut var) = (0.0, 0.0);
        for k in 0..n {
            let d = day(k);
            mean += d.mean.max(0.0);
            var += d.sigma().powi(2);
        }
        (mean, var.sqrt())
    };
    let (lead_mean, lead_sigma) = over(lead_days);
    let (cover_mean, cover_sigma) = over(lead_days + review_days);
    let reorder_point = lead_mean + z * lead_sigma;
    Policy {
        lead_demand: lead_mean,
        reorder_point,
        order_up_to: (cover_mean + z * cover_sigma).max(reorder_point),
    }
}

/// What to order at inventory position `position`: nothing above the reorder point (or
/// without demand), else up to the order-up-to level, rounded up to a multiple of `unit`.
pub fn order_quantity(p: &Policy, position: i64, unit: i64) -> i64 {
    let unit = unit.max(1);
    if p.order_up_to <= 0.0 || position as f64 > p.reorder_point {
        return 0;
    }
    let need = (p.order_up_to - position as f64).ceil().max(0.0) as i64;
    (need + unit - 1) / unit * unit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_quantile_matches_tables() {
        for (p, z) in [
            (0.5, 0.0),
            (0.9, 1.281_551_565_5),
            (0.95, 1.644_853_627),
            (0.975, 1.959_963_985),
            (0.99, 2.326_347_874),
            (0.01, -2.326_347_874),
            (0.001, -3.090_232_306),
        ] {
            assert!((normal_quantile(p) - z).abs() < 1e-8, "{p}: {}", normal_quantile(p));
        }
    }

    #[test]
    fn a_hand_computed_policy() {
        // 10 a day, σ 2 a day (80% half width 2 × 1.2816); lead 2 days, review 1, 95%.
        let d = DayDemand {
            mean: 10.0,
            half80: 2.0 * Z90,
        };
        let p = policy(&[d; 5], 2, 1, 0.95);
        let z = 1.644_853_627;
        assert!((p.lead_demand - 20.0).abs() < 1e-9);
        assert!((p.reorder_point - (20.0 + z * 8f64.sqrt())).abs() < 1e-6);
        assert!((p.order_up_to - (30.0 + z * 12f64.sqrt())).abs() < 1e-6);
        // s = 24.65, S = 35.70: at 25 nothing, at 24 order 12, at 0 order 36.
        assert_eq!(order_quantity(&p, 25, 1), 0);
        assert_eq!(order_quantity(&p, 24, 1), 12);
        assert_eq!(order_quantity(&p, 0, 1), 36);
        // Weighed goods ordered by the 500 g: 12 → 500.
        assert_eq!(order_quantity(&p, 24, 500), 500);
    }

    #[test]
    fn no_demand_orders_nothing_and_short_forecasts_repeat_their_last_day() {
        let p = policy(&[], 3, 1, 0.95);
        assert_eq!(order_quantity(&p, 0, 1), 0);
        let d = DayDemand { mean: 4.0, half80: 0.0 };
        let p = policy(&[d], 3, 1, 0.95);
        assert!((p.order_up_to - 16.0).abs() < 1e-9);
        assert_eq!(order_quantity(&p, 0, 1), 16);
    }
}
