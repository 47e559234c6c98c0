//! Segments: every customer in exactly one, quintiles balanced, the same answer twice.

use crate::data::dataset;
use linli_analytics::clv::Purchases;
use linli_analytics::input::format_date;
use linli_analytics::segment::{self, Segment};
use proptest::prelude::*;

proptest! {
    #[test]
    fn every_customer_gets_one_segment_and_balanced_quintiles(
        rows in prop::collection::vec((0_u32..60, 0_i32..400, 1_u32..20_000), 1..300),
        clusters in 1_usize..8,
    ) {
        let text: String = rows
            .iter()
            .map(|(c, d, cents)| format!("c{c},{},{}.{:02}\n", format_date(10_000 + d), cents / 100, cents % 100))
            .collect();
        let p = Purchases::parse(text.as_bytes()).unwrap();
        let customers = segment::segment(&p, clusters).unwrap();
        prop_assert_eq!(customers.len(), p.customers.len());
        let mut seen: Vec<u32> = customers.iter().map(|c| c.customer).collect();
        seen.sort_unstable();
        seen.dedup();
        prop_assert_eq!(seen.len(), p.customers.len(), "each customer once");
        let n = customers.len();
        for score in 1..=5_u8 {
            for count in [
                customers.iter().filter(|c| c.r == score).count(),
                customers.iter().filter(|c| c.f == score).count(),
                customers.iter().filter(|c| c.m == score).count(),
            ] {
                // ntile: each quintile holds ⌊n/5⌋ or ⌈n/5⌉ customers.
                prop_assert!(count == n / 5 || count == n.div_ceil(5), "{count} of {n}");
            }
        }
        prop_assert!(customers.iter().all(|c| c.cluster < clusters && c.recency_days >= 1 && c.frequency >= 1));
        prop_assert_eq!(segment::segment(&p, clusters).unwrap(), customers, "deterministic");
    }
}

#[test]
fn cdnow_is_mostly_lapsed_with_a_core_of_high_value_buyers() {
    let Some(bytes) = dataset("cdnow-sample", "CDNOW_sample.txt") else {
        return;
    };
    let text = std::str::from_utf8(&bytes).unwrap();
    let csv: String = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            format!("{},{}-{}-{},{}\n", f[0], &f[2][..4], &f[2][4..6], &f[2][6..], f[4])
        })
        .collect();
    let p = Purchases::parse(csv.as_bytes()).unwrap();
    let customers = segment::segment(&p, segment::CLUSTERS_DEFAULT).unwrap();
    assert_eq!(customers.len(), 2_357);
    let count = |s: Segment| customers.iter().filter(|c| c.segment == s).count();
    // The cohort bought first in early 1997 and the data runs to mid 1998: most lapsed.
    assert!(count(Segment::Dormant) > 2_357 / 2, "{}", count(Segment::Dormant));
    let high: Vec<_> = customers.iter().filter(|c| c.segment == Segment::HighValue).collect();
    assert!(!high.is_empty());
    assert!(high.iter().all(|c| c.frequency >= 2), "high value buyers come back");
}
