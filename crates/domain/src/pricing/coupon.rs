//! Coupons: which of the presented coupons to use, and what each saves.
//!
//! Coupons apply after promotions and the tier discount. Each coupon is first checked on
//! its own (window, new member, eligible lines, threshold on the amount before any
//! coupon), so whether a coupon qualifies never depends on which others were presented.
//! Then every combination of at most `coupons_per_order_max` qualifying coupons is tried
//! (at most 10 coupons: 1,023 combinations, sharing work along a depth-first walk) and
//! the cheapest for the customer wins; ties go to fewer coupons, then the lower ids, so
//! the customer keeps what is not needed. Within a combination coupons apply in a fixed
//! order: item and category coupons before order coupons, percentages before fixed
//! amounts, each on what the previous ones left.

use super::{BP_MAX, Coupon, CouponId, CouponKind, CouponRefusal, Line, Shares, allocate};
use crate::money::{Money, Rounding};

pub(super) struct Outcome<'a> {
    /// In application order.
    pub used: Vec<(&'a Coupon, Shares)>,
    /// Sorted by coupon id.
    pub rejected: Vec<(CouponId, CouponRefusal)>,
    /// What the customer pays with `used` applied.
    pub total_fen: i64,
}

impl Outcome<'_> {
    /// The same presented coupons when the tier discount wins instead of them.
    pub fn member_tier_chosen(self) -> Self {
        let mut rejected = self.rejected;
        rejected.extend(self.used.iter().map(|(c, _)| (c.id, CouponRefusal::MemberTierChosen)));
        rejected.sort_by_key(|r| r.0);
        Outcome {
            used: Vec::new(),
            rejected,
            total_fen: self.total_fen,
        }
    }
}

struct Candidate<'a> {
    coupon: &'a Coupon,
    /// The lines the coupon may discount, ascending.
    scope: Vec<usize>,
}

struct Best {
    total_fen: i64,
    ids: Vec<CouponId>,
    path: Vec<(usize, Shares)>,
}

/// Chooses the coupons (sorted by id) to use on `remaining`, the line amounts left to pay.
/// `allowed[i]` is false for a line no coupon may touch.
pub(super) fn choose<'a>(
    lines: &[Line],
    coupons: &[&'a Coupon],
    is_new_member: bool,
    remaining: &[i64],
    allowed: &[bool],
    coupons_per_order_max: u32,
    now_ms: i64,
) -> Outcome<'a> {
    let mut rejected = Vec::new();
    let mut candidates = Vec::new();
    for &coupon in coupons {
        match qualify(coupon, lines, is_new_member, remaining, allowed, now_ms) {
            Ok(scope) => candidates.push(Candidate { coupon, scope }),
            Err(refusal) => rejected.push((coupon.id, refusal)),
        }
    }
    candidates.sort_by_key(|c| (rank(&c.coupon.kind), c.coupon.id));

    let max = usize::try_from(coupons_per_order_max).unwrap_or(usize::MAX);
    let mut best = Best {
        total_fen: remaining.iter().sum(),
        ids: Vec::new(),
        path: Vec::new(),
    };
    if max > 0 {
        search(lines, &candidates, 0, remaining, &mut Vec::new(), max, &mut best);
    }

    let used_ids: Vec<usize> = best.path.iter().map(|p| p.0).collect();
    for (k, c) in candidates.iter().enumerate() {
        if !used_ids.contains(&k) {
            let refusal = if best.path.len() >= max {
                CouponRefusal::LimitReached {
                    max: coupons_per_order_max,
                }
            } else {
                CouponRefusal::NoExtraSaving
            };
            rejected.push((c.coupon.id, refusal));
        }
    }
    rejected.sort_by_key(|r| r.0);
    Outcome {
        used: best
            .path
            .into_iter()
            .map(|(k, shares)| (candidates[k].coupon, shares))
            .collect(),
        rejected,
        total_fen: best.total_fen,
    }
}

/// Depth-first over combinations in canonical order: a child applies one more coupon on
/// its parent's result, so each combination costs one coupon application.
fn search(
    lines: &[Line],
    candidates: &[Candidate<'_>],
    start: usize,
    remaining: &[i64],
    path: &mut Vec<(usize, Shares)>,
    max: usize,
    best: &mut Best,
) {
    for k in start..candidates.len() {
        let shares = apply(&candidates[k], lines, remaining);
        let mut next = remaining.to_vec();
        for &(i, d) in &shares {
            next[i] -= d;
        }
        path.push((k, shares));
        let total_fen: i64 = next.iter().sum();
        let mut ids: Vec<CouponId> = path.iter().map(|p| candidates[p.0].coupon.id).collect();
        ids.sort_unstable();
        if (total_fen, ids.len(), &ids) < (best.total_fen, best.ids.len(), &best.ids) {
            *best = Best {
                total_fen,
                ids,
                path: path.clone(),
            };
        }
        if path.len() < max {
            search(lines, candidates, k + 1, &next, path, max, best);
        }
        path.pop();
    }
}

/// Application order within a combination: narrower scope first, percentages before
/// fixed amounts (which is the customer's better order).
fn rank(kind: &CouponKind) -> u8 {
    match kind {
        CouponKind::FreeItem { .. } => 0,
        CouponKind::CategoryPercent { .. } => 1,
        CouponKind::CategoryFixed { .. } => 2,
        CouponKind::Percent { .. } => 3,
        CouponKind::Fixed { .. } => 4,
        CouponKind::NewMember { .. } => 5,
    }
}

/// Checks one coupon on its own; on success, the lines it may discount.
fn qualify(
    coupon: &Coupon,
    lines: &[Line],
    is_new_member: bool,
    remaining: &[i64],
    allowed: &[bool],
    now_ms: i64,
) -> Result<Vec<usize>, CouponRefusal> {
    if now_ms < coupon.starts_at_ms {
        return Err(CouponRefusal::NotYetValid {
            starts_at_ms: coupon.starts_at_ms,
        });
    }
    if now_ms >= coupon.ends_at_ms {
        return Err(CouponRefusal::Expired {
            ends_at_ms: coupon.ends_at_ms,
        });
    }
    if matches!(coupon.kind, CouponKind::NewMember { .. }) && !is_new_member {
        return Err(CouponRefusal::NotNewMember);
    }
    let in_scope: Vec<usize> = (0..lines.len())
        .filter(|&i| in_scope(&coupon.kind, &lines[i]) && remaining[i] > 0)
        .collect();
    if in_scope.is_empty() {
        return Err(CouponRefusal::NoEligibleLine);
    }
    let scope: Vec<usize> = in_scope.into_iter().filter(|&i| allowed[i]).collect();
    if scope.is_empty() {
        return Err(CouponRefusal::PromotedLinesExcluded);
    }
    let eligible_fen: i64 = scope.iter().map(|&i| remaining[i]).sum();
    if eligible_fen < coupon.threshold_fen {
        return Err(CouponRefusal::BelowThreshold {
            threshold_fen: coupon.threshold_fen,
            eligible_fen,
        });
    }
    Ok(scope)
}

fn in_scope(kind: &CouponKind, line: &Line) -> bool {
    match kind {
        CouponKind::Fixed { .. } | CouponKind::Percent { .. } | CouponKind::NewMember { .. } => true,
        CouponKind::CategoryFixed { category, .. } | CouponKind::CategoryPercent { category, .. } => {
            line.category == Some(*category)
        }
        CouponKind::FreeItem { product } => !line.weighed && line.product == *product,
    }
}

/// What one coupon takes off `remaining`, spread over its scope.
fn apply(candidate: &Candidate<'_>, lines: &[Line], remaining: &[i64]) -> Shares {
    let scope = &candidate.scope;
    let eligible_fen: i64 = scope.iter().map(|&i| remaining[i]).sum();
    let off = match candidate.coupon.kind {
        CouponKind::Fixed { amount_fen }
        | CouponKind::CategoryFixed { amount_fen, .. }
        | CouponKind::NewMember { amount_fen } => amount_fen.min(eligible_fen),
        CouponKind::Percent {
            percent_off_bp,
            max_off_fen,
        }
        | CouponKind::CategoryPercent {
            percent_off_bp,
            max_off_fen,
            ..
        } => {
            let off = Money::from_fen(eligible_fen)
                .mul_ratio(i64::from(percent_off_bp), i64::from(BP_MAX), Rounding::Down)
                .fen();
            max_off_fen.map_or(off, |m| off.min(m))
        }
        CouponKind::FreeItem { .. } => {
            // One unit of the line where it is worth the most (ties to the lower index).
            let mut best: Option<(usize, i64)> = None;
            for &i in scope {
                let worth = lines[i].unit_price_fen.min(remaining[i]);
                if worth > 0 && best.is_none_or(|(_, w)| worth > w) {
                    best = Some((i, worth));
                }
            }
            return best.into_iter().collect();
        }
    };
    allocate(off, scope, remaining)
}
