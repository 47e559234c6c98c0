//! Basket rules: mlxtend 0.25's figures on Groceries, and FP-growth against brute force.

use crate::data::dataset;
use linli_analytics::basket::{self, Baskets, Itemset};
use proptest::prelude::*;
use std::collections::BTreeMap;

#[test]
fn groceries_gives_mlxtends_itemsets_and_rules() {
    let Some(bytes) = dataset("groceries-arules", "groceries.csv") else {
        return;
    };
    let b = Baskets::parse(&bytes).unwrap();
    assert_eq!(
        (b.baskets.len(), b.items.len()),
        (9_835, 169),
        "the trailing spaces of two items are kept"
    );
    for (support, itemsets) in [(0.01, 333), (0.006, 747), (0.005, 1_001), (0.001, 13_492)] {
        let sets = basket::frequent_itemsets(&b, support, None, &mut |_, _| {}).unwrap();
        assert_eq!(sets.len(), itemsets, "itemsets at support {support}");
    }
    let sets = basket::frequent_itemsets(&b, 0.006, None, &mut |_, _| {}).unwrap();
    let rules = basket::rules(&sets, b.baskets.len(), 0.25).unwrap();
    assert_eq!(
        rules.len(),
        463,
        "single-consequent rules at support 0.006, confidence 0.25"
    );
    // The strongest, as arules and mlxtend list it: {herbs} → {root vegetables}.
    let name = |i: u32| b.items[i as usize].as_str();
    assert_eq!(
        (
            rules[0].antecedent.iter().map(|&i| name(i)).collect::<Vec<_>>(),
            name(rules[0].consequent)
        ),
        (vec!["herbs"], "root vegetables")
    );
    assert!((rules[0].confidence - 0.43125).abs() < 1e-9);
    assert!((rules[0].lift - 3.956477).abs() < 1e-6);
    let milk = sets
        .iter()
        .find(|s| s.items.len() == 1 && name(s.items[0]) == "whole milk")
        .unwrap();
    assert_eq!(milk.count, 2_513);
}

/// Every itemset of the baskets with its count, by enumerating subsets of each basket.
fn brute_force(baskets: &[Vec<u32>], min: u64, max_len: usize) -> BTreeMap<Vec<u32>, u64> {
    let mut counts: BTreeMap<Vec<u32>, u64> = BTreeMap::new();
    for b in baskets {
        for mask in 1_u32..(1 << b.len()) {
            if mask.count_ones() as usize <= max_len {
                let set: Vec<u32> = (0..b.len()).filter(|k| mask & (1 << k) != 0).map(|k| b[k]).collect();
                *counts.entry(set).or_default() += 1;
            }
        }
    }
    counts.retain(|_, c| *c >= min);
    counts
}

fn baskets_strategy() -> impl Strategy<Value = Vec<Vec<u32>>> {
    prop::collection::vec(prop::collection::btree_set(0_u32..8, 1..6), 1..40)
        .prop_map(|v| v.into_iter().map(|s| s.into_iter().collect()).collect())
}

proptest! {
    #[test]
    fn fp_growth_finds_exactly_what_brute_force_counts(
        baskets in baskets_strategy(),
        support in 0.02_f64..0.6,
        max_len in 1_usize..6,
    ) {
        let text: String = baskets
            .iter()
            .map(|b| b.iter().map(|i| format!("i{i}")).collect::<Vec<_>>().join(",") + "\n")
            .collect();
        let parsed = Baskets::parse(text.as_bytes()).unwrap();
        let sets = basket::frequent_itemsets(&parsed, support, Some(max_len), &mut |_, _| {}).unwrap();
        // Back to the original item numbers to compare.
        let number = |id: u32| parsed.items[id as usize][1..].parse::<u32>().unwrap();
        let got: BTreeMap<Vec<u32>, u64> = sets
            .iter()
            .map(|s| {
                let mut v: Vec<u32> = s.items.iter().map(|&i| number(i)).collect();
                v.sort_unstable();
                (v, s.count)
            })
            .collect();
        prop_assert_eq!(got.len(), sets.len(), "no itemset twice");
        let min = basket::min_count(support, baskets.len());
        prop_assert_eq!(&got, &brute_force(&baskets, min, max_len));

        // Anti-monotone: every subset of a frequent itemset is frequent, with at least its count.
        for s in &sets {
            for k in 0..s.items.len() {
                if s.items.len() > 1 {
                    let sub: Vec<u32> = s.items.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, i)| *i).collect();
                    let parent = sets.iter().find(|t| t.items == sub);
                    prop_assert!(parent.is_some_and(|p: &Itemset| p.count >= s.count));
                }
            }
        }

        // Every rule meets its thresholds and its figures follow from the counts.
        let confidence = 0.3;
        let n = baskets.len() as f64;
        for r in basket::rules(&sets, baskets.len(), confidence).unwrap() {
            prop_assert!(r.confidence >= confidence && r.confidence <= 1.0 + 1e-12);
            prop_assert!(r.support * n + 1e-9 >= min as f64);
            let mut all = r.antecedent.clone();
            all.push(r.consequent);
            all.sort_unstable();
            let whole = sets.iter().find(|s| s.items == all).unwrap().count as f64;
            let a = sets.iter().find(|s| s.items == r.antecedent).unwrap().count as f64;
            let c = sets.iter().find(|s| s.items == vec![r.consequent]).unwrap().count as f64;
            prop_assert!((r.confidence - whole / a).abs() < 1e-12);
            prop_assert!((r.lift - (whole / a) / (c / n)).abs() < 1e-9);
        }
    }
}
