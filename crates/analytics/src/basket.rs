//! "Bought together": frequent itemsets by FP-growth and association rules with one
//! item as the consequent, as R's arules makes them.
//!
//! The results match mlxtend 0.25 exactly on the Groceries data (itemset counts at four
//! supports and the rules at one; tests in `tests/it/basket.rs`): an itemset is frequent
//! when `count / baskets >= min_support`, and a rule's confidence is computed from the
//! two supports as mlxtend does (`support(A ∪ C) / support(A)`), so the same floating
//! point decides a rule that sits exactly on the threshold.
//!
//! FP-growth (Han, Pei & Yin 2000) compresses the baskets into a prefix tree of items in
//! descending frequency and mines it recursively through conditional trees, so it reads
//! the baskets twice and never enumerates candidates that do not occur.

use crate::Progress;
use crate::input::{InputError, lines};
use std::collections::HashMap;

/// Baskets a file may hold.
pub const BASKETS_MAX: usize = 10_000_000;
/// Distinct items a file may name.
pub const ITEMS_MAX: usize = 1_000_000;
/// Characters an item's name may have.
pub const ITEM_CHARS_MAX: usize = 200;
/// Distinct items one basket may hold (the tree's depth and memory grow with it).
pub const BASKET_ITEMS_MAX: usize = 1_000;
/// Frequent itemsets a run may produce before it stops and asks for a higher support.
pub const ITEMSETS_MAX: usize = 5_000_000;

/// Baskets with their items as small ids (`items[id]` is the name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baskets {
    pub items: Vec<String>,
    /// Each basket's distinct item ids, ascending.
    pub baskets: Vec<Vec<u32>>,
}

impl Baskets {
    /// One basket per line, items separated by commas. Only the line ending is removed:
    /// an item's name may end in a space ("cream cheese " in Groceries). An item named
    /// twice in a basket counts once.
    pub fn parse(bytes: &[u8]) -> Result<Baskets, InputError> {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut items = Vec::new();
        let mut baskets = Vec::new();
        for line in lines(bytes) {
            let (n, text) = line?;
            if text.is_empty() {
                return Err(InputError::at(n, 1, "empty line: a basket needs at least one item"));
            }
            if baskets.len() == BASKETS_MAX {
                return Err(InputError::at(n, 1, format!("more than {BASKETS_MAX} baskets")));
            }
            let mut basket = Vec::new();
            let mut column = 1;
            for name in text.split(',') {
                let chars = name.chars().count();
                if name.is_empty() {
                    return Err(InputError::at(
                        n,
                        column,
                        "empty item (two commas in a row, or a comma at an end)",
                    ));
                }
                if chars > ITEM_CHARS_MAX {
                    return Err(InputError::at(
                        n,
                        column,
                        format!("item longer than {ITEM_CHARS_MAX} characters"),
                    ));
                }
                let id = match ids.get(name) {
                    Some(id) => *id,
                    None => {
                        if items.len() == ITEMS_MAX {
                            return Err(InputError::at(
                                n,
                                column,
                                format!("more than {ITEMS_MAX} distinct items"),
                            ));
                        }
                        let id = u32::try_from(items.len()).expect("ITEMS_MAX fits in u32");
                        ids.insert(name.to_string(), id);
                        items.push(name.to_string());
                        id
                    }
                };
                basket.push(id);
                column += chars + 1;
            }
            basket.sort_unstable();
            basket.dedup();
            if basket.len() > BASKET_ITEMS_MAX {
                return Err(InputError::at(
                    n,
                    1,
                    format!("a basket with more than {BASKET_ITEMS_MAX} distinct items"),
                ));
            }
            baskets.push(basket);
        }
        if baskets.is_empty() {
            return Err(InputError::at(1, 1, "no baskets: the file is empty"));
        }
        Ok(Baskets { items, baskets })
    }
}

/// Why a mining run was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BasketError {
    #[error("min_support must be above 0 and at most 1 (got {0})")]
    Support(f64),
    #[error("min_confidence must be from 0 to 1 (got {0})")]
    Confidence(f64),
    #[error("max_len must be at least 1")]
    MaxLen,
    #[error("more than {ITEMSETS_MAX} frequent itemsets: raise min_support or set max_len")]
    TooMany,
}

/// A frequent itemset: item ids ascending, and the baskets that hold all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Itemset {
    pub items: Vec<u32>,
    pub count: u64,
}

/// `antecedent → consequent` with its support, confidence and lift.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub antecedent: Vec<u32>,
    pub consequent: u32,
    pub support: f64,
    pub confidence: f64,
    pub lift: f64,
}

/// The smallest count whose support (`count / n`, as floating point) reaches
/// `min_support`, the way mlxtend compares.
pub fn min_count(min_support: f64, n: usize) -> u64 {
    let n_f = n as f64;
    let mut c = (min_support * n_f).ceil().max(1.0) as u64;
    while c > 1 && (c - 1) as f64 / n_f >= min_support {
        c -= 1;
    }
    while (c as f64) / n_f < min_support {
        c += 1;
    }
    c
}

/// Every itemset of at most `max_len` items held by at least `min_support` of the
/// baskets, ordered by length, then count (descending), then item ids.
pub fn frequent_itemsets(
    baskets: &Baskets,
    min_support: f64,
    max_len: Option<usize>,
    progress: Progress<'_>,
) -> Result<Vec<Itemset>, BasketError> {
    if !(min_support > 0.0 && min_support <= 1.0) {
        return Err(BasketError::Support(min_support));
    }
    let max_len = max_len.unwrap_or(usize::MAX);
    if max_len == 0 {
        return Err(BasketError::MaxLen);
    }
    let min = min_count(min_support, baskets.baskets.len());

    // Ranks: frequent items by descending count (ties by id), rank 0 the most frequent.
    let mut counts = vec![0_u64; baskets.items.len()];
    for b in &baskets.baskets {
        for &i in b {
            counts[i as usize] += 1;
        }
    }
    let mut frequent: Vec<u32> = (0..baskets.items.len() as u32)
        .filter(|&i| counts[i as usize] >= min)
        .collect();
    frequent.sort_by_key(|&i| (std::cmp::Reverse(counts[i as usize]), i));
    let mut rank_of = vec![u32::MAX; baskets.items.len()];
    for (r, &i) in frequent.iter().enumerate() {
        rank_of[i as usize] = r as u32;
    }

    let mut tree = Tree::new(frequent.len());
    let mut path = Vec::new();
    for b in &baskets.baskets {
        path.clear();
        path.extend(b.iter().map(|&i| rank_of[i as usize]).filter(|&r| r != u32::MAX));
        path.sort_unstable();
        tree.insert(&path, 1);
    }

    let mut out = Vec::new();
    let mut prefix = Vec::new();
    let total = frequent.len() as u64;
    let mut mined = Miner {
        min,
        max_len,
        out: &mut out,
    };
    for (done, rank) in (0..frequent.len() as u32).rev().enumerate() {
        mined.mine_rank(&tree, rank, &mut prefix)?;
        progress(done as u64 + 1, total);
    }

    for set in &mut out {
        for r in &mut set.items {
            *r = frequent[*r as usize];
        }
        set.items.sort_unstable();
    }
    out.sort_by(|a, b| {
        (a.items.len(), std::cmp::Reverse(a.count), &a.items).cmp(&(
            b.items.len(),
            std::cmp::Reverse(b.count),
            &b.items,
        ))
    });
    Ok(out)
}

/// Rules with one item as the consequent from every frequent itemset of two or more
/// items, keeping those whose confidence reaches `min_confidence`; ordered by lift
/// (descending), then confidence, then items. `itemsets` must be everything
/// [`frequent_itemsets`] returned (every antecedent is among them).
pub fn rules(itemsets: &[Itemset], baskets: usize, min_confidence: f64) -> Result<Vec<Rule>, BasketError> {
    if !(0.0..=1.0).contains(&min_confidence) {
        return Err(BasketError::Confidence(min_confidence));
    }
    let n = baskets as f64;
    let count_of: HashMap<&[u32], u64> = itemsets.iter().map(|s| (s.items.as_slice(), s.count)).collect();
    let mut out = Vec::new();
    let mut antecedent = Vec::new();
    for set in itemsets.iter().filter(|s| s.items.len() >= 2) {
        let support = set.count as f64 / n;
        for (k, &consequent) in set.items.iter().enumerate() {
            antecedent.clear();
            antecedent.extend(set.items.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, i)| *i));
            let a = *count_of
                .get(antecedent.as_slice())
                .expect("every subset of a frequent itemset is frequent");
            let c = *count_of
                .get([consequent].as_slice())
                .expect("every item of a frequent itemset is frequent");
            let confidence = support / (a as f64 / n);
            if confidence >= min_confidence {
                out.push(Rule {
                    antecedent: antecedent.clone(),
                    consequent,
                    support,
                    confidence,
                    lift: confidence / (c as f64 / n),
                });
            }
        }
    }
    out.sort_by(|a, b| {
        b.lift
            .total_cmp(&a.lift)
            .then(b.confidence.total_cmp(&a.confidence))
            .then_with(|| (&a.antecedent, a.consequent).cmp(&(&b.antecedent, b.consequent)))
    });
    Ok(out)
}

const NONE: u32 = u32::MAX;

/// An FP-tree over ranks. Node 0 is the root.
struct Tree {
    nodes: Vec<Node>,
    /// Per rank: the nodes of that rank.
    heads: Vec<Vec<u32>>,
    /// Per rank: the sum of those nodes' counts.
    totals: Vec<u64>,
}

struct Node {
    rank: u32,
    count: u64,
    parent: u32,
    first_child: u32,
    next_sibling: u32,
}

impl Tree {
    fn new(ranks: usize) -> Tree {
        Tree {
            nodes: vec![Node {
                rank: NONE,
                count: 0,
                parent: NONE,
                first_child: NONE,
                next_sibling: NONE,
            }],
            heads: vec![Vec::new(); ranks],
            totals: vec![0; ranks],
        }
    }

    /// Adds a path of ranks (ascending) with a weight.
    fn insert(&mut self, path: &[u32], weight: u64) {
        let mut at = 0_u32;
        for &rank in path {
            let mut child = self.nodes[at as usize].first_child;
            while child != NONE && self.nodes[child as usize].rank != rank {
                child = self.nodes[child as usize].next_sibling;
            }
            if child == NONE {
                child = u32::try_from(self.nodes.len()).expect("a tree of fewer than 4 billion nodes");
                let sibling = self.nodes[at as usize].first_child;
                self.nodes.push(Node {
                    rank,
                    count: 0,
                    parent: at,
                    first_child: NONE,
                    next_sibling: sibling,
                });
                self.nodes[at as usize].first_child = child;
                self.heads[rank as usize].push(child);
            }
            self.nodes[child as usize].count += weight;
            self.totals[rank as usize] += weight;
            at = child;
        }
    }
}

struct Miner<'a> {
    min: u64,
    max_len: usize,
    out: &'a mut Vec<Itemset>,
}

impl Miner<'_> {
    /// Emits `prefix + rank` and everything that extends it within `tree`.
    fn mine_rank(&mut self, tree: &Tree, rank: u32, prefix: &mut Vec<u32>) -> Result<(), BasketError> {
        let count = tree.totals[rank as usize];
        if count < self.min {
            return Ok(());
        }
        if self.out.len() == ITEMSETS_MAX {
            return Err(BasketError::TooMany);
        }
        prefix.push(rank);
        self.out.push(Itemset {
            items: prefix.clone(),
            count,
        });
        if prefix.len() < self.max_len && rank > 0 {
            let conditional = self.conditional(tree, rank);
            for r in (0..rank).rev() {
                self.mine_rank(&conditional, r, prefix)?;
            }
        }
        prefix.pop();
        Ok(())
    }

    /// The tree of the paths above every node of `rank`, each weighted by that node's
    /// count, keeping only ranks frequent among them.
    fn conditional(&self, tree: &Tree, rank: u32) -> Tree {
        let mut base_counts = vec![0_u64; rank as usize];
        for &node in &tree.heads[rank as usize] {
            let weight = tree.nodes[node as usize].count;
            let mut up = tree.nodes[node as usize].parent;
            while up != 0 {
                base_counts[tree.nodes[up as usize].rank as usize] += weight;
                up = tree.nodes[up as usize].parent;
            }
        }
        let mut conditional = Tree::new(rank as usize);
        let mut path = Vec::new();
        for &node in &tree.heads[rank as usize] {
            let weight = tree.nodes[node as usize].count;
            path.clear();
            let mut up = tree.nodes[node as usize].parent;
            while up != 0 {
                let r = tree.nodes[up as usize].rank;
                if base_counts[r as usize] >= self.min {
                    path.push(r);
                }
                up = tree.nodes[up as usize].parent;
            }
            path.reverse();
            conditional.insert(&path, weight);
        }
        conditional
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baskets(text: &str) -> Baskets {
        Baskets::parse(text.as_bytes()).unwrap()
    }

    /// Itemsets as sorted names with counts.
    fn check(text: &str, min_support: f64, max_len: Option<usize>) -> Vec<(String, u64)> {
        let b = baskets(text);
        let sets = frequent_itemsets(&b, min_support, max_len, &mut |_, _| {}).unwrap();
        sets.iter()
            .map(|s| {
                let mut names: Vec<&str> = s.items.iter().map(|&i| b.items[i as usize].as_str()).collect();
                names.sort();
                (names.join("+"), s.count)
            })
            .collect()
    }

    #[test]
    fn a_small_known_case_by_hand() {
        // Ids in first-seen order: milk 0, bread 1, eggs 2. At 40% of 5 baskets an itemset
        // needs 2; milk+eggs (1) is out.
        let text = "milk,bread\nmilk,bread,eggs\nmilk\nbread,eggs\nmilk,bread\n";
        let expected: Vec<(String, u64)> = [
            ("milk", 4),
            ("bread", 4),
            ("eggs", 2),
            ("bread+milk", 3),
            ("bread+eggs", 2),
        ]
        .iter()
        .map(|(s, c)| (s.to_string(), *c))
        .collect();
        assert_eq!(check(text, 0.4, None), expected);
        assert_eq!(check(text, 0.4, Some(1)), expected[..3].to_vec());
        assert_eq!(
            check(text, 0.6, None),
            vec![expected[0].clone(), expected[1].clone(), expected[3].clone()]
        );
    }

    #[test]
    fn min_count_compares_supports_as_floating_point() {
        assert_eq!(min_count(0.01, 9835), 99);
        assert_eq!(min_count(0.001, 9835), 10);
        assert_eq!(min_count(0.1, 30), 3);
        assert_eq!(min_count(1.0, 7), 7);
        assert_eq!(min_count(1e-9, 7), 1);
    }

    #[test]
    fn rules_have_one_consequent_and_meet_the_confidence() {
        let b = baskets("milk,bread\nmilk,bread,eggs\nmilk\nbread,eggs\nmilk,bread\n");
        let sets = frequent_itemsets(&b, 0.4, None, &mut |_, _| {}).unwrap();
        let r = rules(&sets, 5, 0.7).unwrap();
        let named: Vec<(String, String, String)> = r
            .iter()
            .map(|r| {
                (
                    r.antecedent
                        .iter()
                        .map(|&i| b.items[i as usize].clone())
                        .collect::<Vec<_>>()
                        .join("+"),
                    b.items[r.consequent as usize].clone(),
                    format!("{:.4}", r.confidence),
                )
            })
            .collect();
        // eggs → bread: 2/2; milk → bread and bread → milk: 3/4 (same lift, in id order);
        // bread → eggs (2/4) is below 0.7.
        let expected: Vec<(String, String, String)> = [
            ("eggs", "bread", "1.0000"),
            ("milk", "bread", "0.7500"),
            ("bread", "milk", "0.7500"),
        ]
        .iter()
        .map(|(a, c, f)| (a.to_string(), c.to_string(), f.to_string()))
        .collect();
        assert_eq!(named, expected);
        assert!((r[0].lift - 1.0 / 0.8).abs() < 1e-12);
    }

    #[test]
    fn bad_input_names_line_and_column() {
        assert_eq!(
            Baskets::parse(b"a,b\na,,c\n"),
            Err(InputError::at(
                2,
                3,
                "empty item (two commas in a row, or a comma at an end)"
            ))
        );
        assert_eq!(
            Baskets::parse(b"a\n\nb\n"),
            Err(InputError::at(2, 1, "empty line: a basket needs at least one item"))
        );
        assert_eq!(
            Baskets::parse(b""),
            Err(InputError::at(1, 1, "no baskets: the file is empty"))
        );
        assert_eq!(
            Baskets::parse("奶,蛋,".as_bytes()),
            Err(InputError::at(
                1,
                5,
                "empty item (two commas in a row, or a comma at an end)"
            ))
        );
    }

    #[test]
    fn a_basket_of_too_many_items_is_named() {
        let wide: String = (0..=BASKET_ITEMS_MAX)
            .map(|i| format!("i{i}"))
            .collect::<Vec<_>>()
            .join(",");
        let text = format!("a,b\n{wide}\n");
        assert_eq!(
            Baskets::parse(text.as_bytes()),
            Err(InputError::at(
                2,
                1,
                format!("a basket with more than {BASKET_ITEMS_MAX} distinct items")
            ))
        );
    }

    #[test]
    fn bad_thresholds_are_refused() {
        let b = baskets("a\n");
        for s in [0.0, -0.1, 1.5, f64::NAN] {
            assert!(frequent_itemsets(&b, s, None, &mut |_, _| {}).is_err());
        }
        assert_eq!(
            frequent_itemsets(&b, 0.5, Some(0), &mut |_, _| {}),
            Err(BasketError::MaxLen)
        );
        assert_eq!(rules(&[], 1, 1.5), Err(BasketError::Confidence(1.5)));
    }
}
