//! Customer segments from purchases: RFM quintile scores, and k-means clusters on
//! log-scaled behaviour, each cluster named by rules a store manager can read.
//!
//! Per customer, as of the day after the last purchase in the data: recency (days since
//! their last purchase day), frequency (purchase days), monetary (total spend), average
//! spend per purchase day, and tenure (days since their first purchase).
//!
//! RFM: each of recency (fewer days is better), frequency and monetary scored 1–5 by
//! quintile of rank (ties broken by customer order in the file, as `ntile` does).
//!
//! Clusters: k-means (k-means++ seeding from a fixed seed, so runs repeat; best of
//! several starts by within-cluster sum of squares) on z-scores of log(1 + x) of
//! recency, frequency, monetary and average spend. A cluster's name comes from its
//! centroid's z-scores and its members' median tenure, the first rule that holds:
//! 1. 沉睡 dormant: the members' median recency is over `DORMANT_DAYS` (an absolute
//!    rule: in a data set of mostly lapsed customers a relative one would call none so);
//! 2. 新客 new: median tenure at most 30 days;
//! 3. 高价值 high value: frequency z > 0.5 and monetary z > 0.5;
//! 4. 品质导向 quality-minded: average spend z > 0.5 (few, large baskets);
//! 5. 价格敏感 price-sensitive: average spend z < −0.5 and frequency z ≥ 0 (often, small
//!    baskets; a proxy until coupon and promotion use feed the segments);
//! 6. 一般 regular: otherwise.
//!    Two clusters may get the same name; the sizes are reported per name.

use crate::clv::Purchases;
use std::collections::BTreeMap;

/// Days without a purchase after which a cluster is dormant.
pub const DORMANT_DAYS: i32 = 90;
/// Clusters asked of k-means when not given.
pub const CLUSTERS_DEFAULT: usize = 6;
/// Clusters a run may ask for.
pub const CLUSTERS_MAX: usize = 20;
/// k-means starts; the one with the least within-cluster sum of squares is kept.
const STARTS: u64 = 8;
/// Lloyd iterations per start.
const ITERATIONS_MAX: usize = 100;

/// One customer's behaviour and scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub customer: u32,
    pub recency_days: i32,
    pub frequency: u32,
    pub monetary: f64,
    pub average: f64,
    pub tenure_days: i32,
    /// Quintile scores 1–5.
    pub r: u8,
    pub f: u8,
    pub m: u8,
    pub cluster: usize,
    pub segment: Segment,
}

/// The named segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    HighValue,
    QualityMinded,
    PriceSensitive,
    New,
    Regular,
    Dormant,
}

impl Segment {
    pub fn name_zh(self) -> &'static str {
        match self {
            Segment::HighValue => "高价值",
            Segment::QualityMinded => "品质导向",
            Segment::PriceSensitive => "价格敏感",
            Segment::New => "新客",
            Segment::Regular => "一般",
            Segment::Dormant => "沉睡",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Segment::HighValue => "high value",
            Segment::QualityMinded => "quality-minded",
            Segment::PriceSensitive => "price-sensitive",
            Segment::New => "new",
            Segment::Regular => "regular",
            Segment::Dormant => "dormant",
        }
    }
}

/// Why segmenting was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SegmentError {
    #[error("clusters must be from 1 to {CLUSTERS_MAX}")]
    Clusters,
}

/// Every customer of `purchases` with their scores, cluster and segment, in the order
/// customers first appear in the file.
pub fn segment(purchases: &Purchases, clusters: usize) -> Result<Vec<Customer>, SegmentError> {
    if clusters == 0 || clusters > CLUSTERS_MAX {
        return Err(SegmentError::Clusters);
    }
    let as_of = purchases
        .rows
        .iter()
        .map(|p| p.day)
        .max()
        .expect("parse refuses an empty file")
        + 1;
    let mut days: Vec<BTreeMap<i32, f64>> = vec![BTreeMap::new(); purchases.customers.len()];
    for p in &purchases.rows {
        *days[p.customer as usize].entry(p.day).or_default() += p.amount;
    }
    let mut customers: Vec<Customer> = days
        .iter()
        .enumerate()
        .map(|(i, by_day)| {
            let first = *by_day.keys().next().expect("every customer has a purchase");
            let last = *by_day.keys().next_back().expect("every customer has a purchase");
            let monetary: f64 = by_day.values().sum();
            let frequency = by_day.len() as u32;
            Customer {
                customer: i as u32,
                recency_days: as_of - last,
                frequency,
                monetary,
                average: monetary / f64::from(frequency),
                tenure_days: as_of - first,
                r: 0,
                f: 0,
                m: 0,
                cluster: 0,
                segment: Segment::Regular,
            }
        })
        .collect();

    // Quintiles: fewer recency days score higher.
    let scores = |key: &dyn Fn(&Customer) -> f64| -> Vec<u8> {
        let mut idx: Vec<usize> = (0..customers.len()).collect();
        idx.sort_by(|&a, &b| key(&customers[a]).total_cmp(&key(&customers[b])).then(a.cmp(&b)));
        let n = idx.len();
        let mut out = vec![0; n];
        for (rank, &i) in idx.iter().enumerate() {
            out[i] = (rank * 5 / n) as u8 + 1;
        }
        out
    };
    let r = scores(&|c| -f64::from(c.recency_days));
    let f = scores(&|c| f64::from(c.frequency));
    let m = scores(&|c| c.monetary);
    for (i, c) in customers.iter_mut().enumerate() {
        (c.r, c.f, c.m) = (r[i], f[i], m[i]);
    }

    // Clusters on z-scores of log(1 + x).
    let raw: Vec<[f64; 4]> = customers
        .iter()
        .map(|c| {
            [
                f64::from(c.recency_days).ln_1p(),
                f64::from(c.frequency).ln_1p(),
                c.monetary.max(0.0).ln_1p(),
                c.average.max(0.0).ln_1p(),
            ]
        })
        .collect();
    let z = standardise(&raw);
    let k = clusters.min(customers.len());
    let (assignment, centroids) = kmeans(&z, k);
    let mut members: Vec<(Vec<i32>, Vec<i32>)> = vec![(Vec::new(), Vec::new()); k];
    for (c, &a) in customers.iter().zip(&assignment) {
        members[a].0.push(c.tenure_days);
        members[a].1.push(c.recency_days);
    }
    let median = |v: &mut Vec<i32>| {
        v.sort_unstable();
        v.get(v.len() / 2).copied()
    };
    let names: Vec<Segment> = centroids
        .iter()
        .zip(&mut members)
        .map(|(centre, (tenure, recency))| {
            name(centre, median(tenure).unwrap_or(i32::MAX), median(recency).unwrap_or(0))
        })
        .collect();
    for (c, &a) in customers.iter_mut().zip(&assignment) {
        c.cluster = a;
        c.segment = names[a];
    }
    Ok(customers)
}

/// The naming rules of the module documentation, in order (the centroid's recency
/// z-score is not used: dormancy is absolute).
fn name(centre: &[f64; 4], median_tenure_days: i32, median_recency_days: i32) -> Segment {
    let [_, frequency, monetary, average] = *centre;
    if median_recency_days > DORMANT_DAYS {
        Segment::Dormant
    } else if median_tenure_days <= 30 {
        Segment::New
    } else if frequency > 0.5 && monetary > 0.5 {
        Segment::HighValue
    } else if average > 0.5 {
        Segment::QualityMinded
    } else if average < -0.5 && frequency >= 0.0 {
        Segment::PriceSensitive
    } else {
        Segment::Regular
    }
}

/// Each column to mean 0 and standard deviation 1 (a constant column to 0).
fn standardise(rows: &[[f64; 4]]) -> Vec<[f64; 4]> {
    let n = rows.len() as f64;
    let mut mean = [0.0; 4];
    let mut sd = [0.0; 4];
    for row in rows {
        for j in 0..4 {
            mean[j] += row[j] / n;
        }
    }
    for row in rows {
        for j in 0..4 {
            sd[j] += (row[j] - mean[j]).powi(2) / n;
        }
    }
    rows.iter()
        .map(|row| {
            let mut z = [0.0; 4];
            for j in 0..4 {
                z[j] = if sd[j] > 0.0 {
                    (row[j] - mean[j]) / sd[j].sqrt()
                } else {
                    0.0
                };
            }
            z
        })
        .collect()
}

fn distance2(a: &[f64; 4], b: &[f64; 4]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// A small deterministic generator (SplitMix64) for the seeding.
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1_u64 << 53) as f64
    }
}

/// k-means with k-means++ seeding, best of `STARTS` seeded starts: (assignment,
/// centroids).
fn kmeans(points: &[[f64; 4]], k: usize) -> (Vec<usize>, Vec<[f64; 4]>) {
    let mut best: Option<(f64, Vec<usize>, Vec<[f64; 4]>)> = None;
    for start in 0..STARTS {
        let mut rng = SplitMix(0x5EED_0000 + start);
        // k-means++: the first centre at random, each next one with probability
        // proportional to its squared distance from the nearest chosen.
        let mut centres = vec![points[(rng.next_f64() * points.len() as f64) as usize % points.len()]];
        let mut nearest: Vec<f64> = points.iter().map(|p| distance2(p, &centres[0])).collect();
        while centres.len() < k {
            let total: f64 = nearest.iter().sum();
            let pick = if total > 0.0 {
                let mut target = rng.next_f64() * total;
                let mut chosen = points.len() - 1;
                for (i, d) in nearest.iter().enumerate() {
                    if target < *d {
                        chosen = i;
                        break;
                    }
                    target -= d;
                }
                chosen
            } else {
                centres.len() % points.len()
            };
            centres.push(points[pick]);
            for (d, p) in nearest.iter_mut().zip(points) {
                *d = d.min(distance2(p, &points[pick]));
            }
        }
        let mut assignment = vec![usize::MAX; points.len()];
        for _ in 0..ITERATIONS_MAX {
            let mut changed = false;
            for (a, p) in assignment.iter_mut().zip(points) {
                let closest = (0..k)
                    .min_by(|&i, &j| distance2(p, &centres[i]).total_cmp(&distance2(p, &centres[j])))
                    .expect("k ≥ 1");
                if *a != closest {
                    *a = closest;
                    changed = true;
                }
            }
            let mut sums = vec![[0.0; 4]; k];
            let mut counts = vec![0usize; k];
            for (a, p) in assignment.iter().zip(points) {
                counts[*a] += 1;
                for j in 0..4 {
                    sums[*a][j] += p[j];
                }
            }
            for c in 0..k {
                if counts[c] > 0 {
                    for j in 0..4 {
                        centres[c][j] = sums[c][j] / counts[c] as f64;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let inertia: f64 = assignment
            .iter()
            .zip(points)
            .map(|(a, p)| distance2(p, &centres[*a]))
            .sum();
        if best.as_ref().is_none_or(|b| inertia < b.0) {
            best = Some((inertia, assignment, centres));
        }
    }
    let (_, assignment, centres) = best.expect("at least one start");
    (assignment, centres)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming_rules_apply_in_order() {
        assert_eq!(name(&[1.0, 2.0, 2.0, 2.0], 400, 91), Segment::Dormant);
        assert_eq!(name(&[-1.0, 2.0, 2.0, 2.0], 10, 3), Segment::New);
        assert_eq!(name(&[-1.0, 0.6, 0.6, 0.0], 400, 90), Segment::HighValue);
        assert_eq!(name(&[-1.0, 0.0, 0.2, 0.9], 400, 20), Segment::QualityMinded);
        assert_eq!(name(&[-1.0, 0.1, -0.2, -0.9], 400, 20), Segment::PriceSensitive);
        assert_eq!(name(&[0.0, 0.0, 0.0, 0.0], 400, 20), Segment::Regular);
    }

    #[test]
    fn rfm_quintiles_and_clusters_on_a_small_store() {
        // c1 buys weekly and much; c2 once long ago; c3 once, yesterday.
        let mut text = String::new();
        for w in 0..20 {
            text.push_str(&format!("c1,{},50\n", crate::input::format_date(10_000 + 7 * w)));
        }
        text.push_str(&format!("c2,{},5\n", crate::input::format_date(10_000)));
        text.push_str(&format!("c3,{},20\n", crate::input::format_date(10_000 + 7 * 19)));
        let p = Purchases::parse(text.as_bytes()).unwrap();
        let c = segment(&p, 3).unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!((c[0].frequency, c[0].recency_days, c[0].tenure_days), (20, 1, 134));
        assert!(c[0].f > c[1].f && c[0].m > c[1].m && c[2].r > c[1].r);
        // Three customers, three clusters: each its own.
        let clusters: std::collections::BTreeSet<usize> = c.iter().map(|x| x.cluster).collect();
        assert_eq!(clusters.len(), 3);
        assert_eq!(c[1].segment, Segment::Dormant);
        assert_eq!(segment(&p, 0), Err(SegmentError::Clusters));
    }
}
