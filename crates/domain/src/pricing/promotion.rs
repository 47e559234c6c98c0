//! Promotions: which lines each automatic promotion touches and what it saves there.
//!
//! A line is touched by at most one non-stackable promotion. Choosing the best
//! assignment exactly is a set-packing problem, so the engine is greedy, which is
//! deterministic, explainable to a cashier and fast: it applies the promotion that saves
//! the most on the lines still free (ties to the lower id), takes those lines, re-prices
//! only the promotions that wanted them, and repeats. Stackable promotions then apply in
//! order of priority (higher first, then lower id) on what is left of every line.
//!
//! Rules counted in units (半价, 组合, 买赠, 秒杀) ignore weighed lines; a product's units
//! are pooled across its lines, so two scans of the same milk count as two units.
//! Unit rules price from the shelf price; a percentage applies to what is left of the
//! line. Either way a line's share is capped at what is left of it.

use super::{BP_MAX, Line, Promotion, PromotionRule, Shares, allocate};
use crate::money::{Money, Rounding};

/// One promotion as applied, in application order.
pub(super) struct Applied<'a> {
    pub promotion: &'a Promotion,
    pub shares: Shares,
}

/// What one promotion would do to a set of lines.
#[derive(Debug, Default)]
struct Effect {
    shares: Shares,
    /// Lines the promotion uses, discounted or not: the paid units of 买二赠一 are used
    /// by the deal as much as the free one.
    touched: Vec<usize>,
}

impl Effect {
    fn saving(&self) -> i64 {
        self.shares.iter().map(|&(_, d)| d).sum()
    }
}

/// Applies the active promotions (sorted by id) to `remaining`, line amounts left to pay.
pub(super) fn apply<'a>(lines: &[Line], active: &[&'a Promotion], remaining: &mut [i64]) -> Vec<Applied<'a>> {
    let mut applied = Vec::new();
    let candidates: Vec<Vec<usize>> = active
        .iter()
        .map(|p| (0..lines.len()).filter(|&i| matches(&p.rule, &lines[i])).collect())
        .collect();

    let mut claimed = vec![false; lines.len()];
    let mut effects: Vec<Option<Effect>> = active
        .iter()
        .zip(&candidates)
        .map(|(p, c)| (!p.stackable).then(|| evaluate(&p.rule, lines, c, remaining)))
        .collect();
    loop {
        let mut best: Option<(usize, i64)> = None;
        for (k, effect) in effects.iter().enumerate() {
            if let Some(e) = effect {
                let saving = e.saving();
                // Strictly greater: on a tie the earlier, lower id, stays.
                if saving > 0 && best.is_none_or(|(_, s)| saving > s) {
                    best = Some((k, saving));
                }
            }
        }
        let Some((k, _)) = best else { break };
        let effect = effects[k].take().expect("the best promotion was just evaluated");
        for &(i, d) in &effect.shares {
            remaining[i] -= d;
        }
        let mut just_claimed = vec![false; lines.len()];
        for &i in &effect.touched {
            claimed[i] = true;
            just_claimed[i] = true;
        }
        applied.push(Applied {
            promotion: active[k],
            shares: effect.shares,
        });
        for (q, slot) in effects.iter_mut().enumerate() {
            if slot.is_some() && candidates[q].iter().any(|&i| just_claimed[i]) {
                let free: Vec<usize> = candidates[q].iter().copied().filter(|&i| !claimed[i]).collect();
                *slot = Some(evaluate(&active[q].rule, lines, &free, remaining));
            }
        }
    }

    let mut stackable: Vec<usize> = (0..active.len()).filter(|&k| active[k].stackable).collect();
    stackable.sort_by_key(|&k| (std::cmp::Reverse(active[k].priority), active[k].id));
    for k in stackable {
        let effect = evaluate(&active[k].rule, lines, &candidates[k], remaining);
        if effect.saving() > 0 {
            for &(i, d) in &effect.shares {
                remaining[i] -= d;
            }
            applied.push(Applied {
                promotion: active[k],
                shares: effect.shares,
            });
        }
    }
    applied
}

fn matches(rule: &PromotionRule, line: &Line) -> bool {
    match rule {
        PromotionRule::SecondItemHalfPrice { product }
        | PromotionRule::BuyXGetY { product, .. }
        | PromotionRule::FlashSale { product, .. } => !line.weighed && line.product == *product,
        PromotionRule::BundlePrice { products, .. } => !line.weighed && products.contains(&line.product),
        PromotionRule::CategoryPercent { category, .. } => line.category == Some(*category),
    }
}

/// What `rule` saves on the lines `candidates` (ascending indices, all matching).
fn evaluate(rule: &PromotionRule, lines: &[Line], candidates: &[usize], remaining: &[i64]) -> Effect {
    let mut raw: Vec<(usize, i64)> = Vec::new();
    let mut touched: Vec<usize> = Vec::new();
    match rule {
        PromotionRule::SecondItemHalfPrice { .. } => {
            let units: i64 = candidates.iter().map(|&i| lines[i].qty).sum();
            raw = take_units(lines, candidates, units / 2, Cheapest, |line, n| {
                Money::from_fen(n * line.unit_price_fen)
                    .mul_ratio(1, 2, Rounding::Down)
                    .fen()
            });
            if units >= 2 {
                touched = candidates.to_vec();
            }
        }
        PromotionRule::BuyXGetY { buy, free, .. } => {
            let (buy, free) = (i64::from(*buy), i64::from(*free));
            let units: i64 = candidates.iter().map(|&i| lines[i].qty).sum();
            let group = buy + free;
            let free_units = units / group * free + (units % group - buy).max(0);
            raw = take_units(lines, candidates, free_units, Cheapest, |line, n| {
                n * line.unit_price_fen
            });
            if free_units > 0 {
                touched = candidates.to_vec();
            }
        }
        PromotionRule::FlashSale {
            price_fen,
            cap_per_order,
            ..
        } => {
            let cheaper: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&i| lines[i].unit_price_fen > *price_fen)
                .collect();
            raw = take_units(lines, &cheaper, i64::from(*cap_per_order), Dearest, |line, n| {
                n * (line.unit_price_fen - price_fen)
            });
            touched = raw.iter().map(|s| s.0).collect();
        }
        PromotionRule::BundlePrice {
            products,
            bundle_price_fen,
        } => {
            let of_product =
                |p| -> Vec<usize> { candidates.iter().copied().filter(|&i| lines[i].product == p).collect() };
            let bundles = products
                .iter()
                .map(|&p| of_product(p).iter().map(|&i| lines[i].qty).sum::<i64>())
                .min()
                .unwrap_or(0);
            if bundles > 0 {
                // The customer's best: the dearest units of each product go into bundles.
                let mut chosen: Vec<(usize, i64)> = products
                    .iter()
                    .flat_map(|&p| take_units(lines, &of_product(p), bundles, Dearest, |l, n| n * l.unit_price_fen))
                    .collect();
                chosen.sort_unstable_by_key(|c| c.0);
                let regular: i64 = chosen.iter().map(|c| c.1).sum();
                let saving = regular - bundles * bundle_price_fen;
                if saving > 0 {
                    let mut weights = vec![0; lines.len()];
                    let indices: Vec<usize> = chosen.iter().map(|c| c.0).collect();
                    for &(i, amount) in &chosen {
                        weights[i] = amount;
                    }
                    raw = allocate(saving, &indices, &weights);
                    touched = indices;
                }
            }
        }
        PromotionRule::CategoryPercent { percent_off_bp, .. } => {
            raw = candidates
                .iter()
                .map(|&i| {
                    let off = Money::from_fen(remaining[i])
                        .mul_ratio(i64::from(*percent_off_bp), i64::from(BP_MAX), Rounding::Down)
                        .fen();
                    (i, off)
                })
                .collect();
            touched = raw.iter().filter(|s| s.1 > 0).map(|s| s.0).collect();
        }
    }
    let mut shares: Shares = raw
        .into_iter()
        .map(|(i, d)| (i, d.min(remaining[i])))
        .filter(|s| s.1 > 0)
        .collect();
    shares.sort_unstable_by_key(|s| s.0);
    Effect { shares, touched }
}

#[derive(Clone, Copy)]
enum UnitOrder {
    Cheapest,
    Dearest,
}
use UnitOrder::{Cheapest, Dearest};

/// Takes `count` units from `candidates` in the given price order (ties to the lower
/// line number) and prices each line's taken units with `amount(line, units)`.
fn take_units(
    lines: &[Line],
    candidates: &[usize],
    count: i64,
    order: UnitOrder,
    amount: impl Fn(&Line, i64) -> i64,
) -> Vec<(usize, i64)> {
    if count <= 0 {
        return Vec::new();
    }
    let mut sorted = candidates.to_vec();
    sorted.sort_unstable_by_key(|&i| {
        let price = lines[i].unit_price_fen;
        let key = match order {
            Cheapest => price,
            Dearest => -price,
        };
        (key, lines[i].line_no)
    });
    let mut left = count;
    let mut taken = Vec::new();
    for i in sorted {
        if left == 0 {
            break;
        }
        let n = lines[i].qty.min(left);
        left -= n;
        taken.push((i, amount(&lines[i], n)));
    }
    taken
}
