//! The sales history: every till receipt of the demo store, generated lazily.
//!
//! Each day is generated on its own from its own random stream, so iteration is
//! lazy and any day can be reproduced alone. A day draws its number of customers
//! from the [`crate::demand`] plan, spreads them over the opening hours (breakfast
//! rush, lunch bump, evening peak, late-night snacks) and fills each basket:
//! products are drawn by popularity, day part, weather and holiday, then related
//! products join (bread brings milk, instant noodles bring 火腿肠, beer brings
//! peanuts, vegetables bring meat) so that basket analysis finds real rules.
//! Members come back for their favourites: young families for milk and nappies,
//! the elderly early in the morning for vegetables and eggs.

use jiff::Timestamp;
use rand::Rng;

use crate::catalog::{FEW_QTY, MULTI_QTY, QtyModel, Traits, WEIGHED_LINE_G_MAX, WEIGHED_LINE_G_MIN};
use crate::catalog_data::{B, BABY_LEAF, G, LEAVES, N, PET_LEAF, Role};
use crate::demand::{
    BASE_SALES_PER_DAY, DayPlan, SALES_PER_DAY_MAX, SALES_PER_DAY_MIN, SLOT_SECS, SLOTS, day_plans, daypart,
    product_multiplier, start_date,
};
use crate::random::{DemoRng, Stream, cumulative, cumulative_into, gauss, pick, rng};
use crate::residents::ResidentKind;
use crate::{Demo, DemoConfig};

/// One till receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSale {
    pub at: Timestamp,
    /// 1 to [`BASKET_LINES_MAX`] lines, each a different product.
    pub lines: Vec<DemoSaleLine>,
    /// Index into [`Demo::residents`]; the member had joined by the sale's date.
    pub member: Option<usize>,
    pub payment: DemoPayment,
    /// A member who asks to pay part with points (积分抵现) when they have enough.
    pub redeems_points: bool,
    /// A member who shows the coupons they hold (优惠券), if any applies.
    pub presents_coupon: bool,
}

/// One line of a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSaleLine {
    /// Index into [`Demo::products`].
    pub product: usize,
    /// Pieces, or grams for weighed products.
    pub qty: i64,
}

/// How a receipt was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DemoPayment {
    Cash,
    WechatQr,
    AlipayQr,
    /// The member's prepaid balance (储值).
    StoredValue,
    /// Bank card (银联).
    Card,
}

/// Most lines on one receipt.
pub const BASKET_LINES_MAX: usize = 8;

/// Basket size weights (1..=8 lines) by day part: quick breakfasts, bigger
/// evening shops, one or two items late at night.
const BASKET_SIZE_WEIGHTS: [[f64; BASKET_LINES_MAX]; 4] = [
    [35.0, 30.0, 18.0, 9.0, 4.0, 2.0, 1.0, 1.0],
    [30.0, 26.0, 18.0, 11.0, 7.0, 4.0, 2.5, 1.5],
    [22.0, 22.0, 19.0, 14.0, 10.0, 7.0, 3.5, 2.5],
    [45.0, 28.0, 14.0, 7.0, 3.0, 2.0, 0.6, 0.4],
];

/// Co-purchase rules: a line of the first role brings a line of the second with
/// this probability (when the basket has room).
const RULES: [(Role, Role, f64); 19] = [
    (Role::Bread, Role::Milk, 0.45),
    (Role::Milk, Role::Bread, 0.20),
    (Role::Cereal, Role::Milk, 0.40),
    (Role::Noodle, Role::NoodleSide, 0.40),
    (Role::NoodleSide, Role::Noodle, 0.25),
    (Role::Beer, Role::BeerSnack, 0.40),
    (Role::BeerSnack, Role::Beer, 0.35),
    (Role::Veg, Role::Meat, 0.30),
    (Role::Meat, Role::Veg, 0.50),
    (Role::Tomato, Role::Egg, 0.35),
    (Role::Egg, Role::Tomato, 0.15),
    (Role::Chips, Role::Cola, 0.30),
    (Role::Diaper, Role::Wipes, 0.45),
    (Role::HotpotBase, Role::HotpotItem, 0.70),
    (Role::HotpotBase, Role::HotpotItem, 0.50),
    (Role::HotpotItem, Role::HotpotBase, 0.15),
    (Role::Dumpling, Role::Vinegar, 0.25),
    (Role::PetFood, Role::PetSnack, 0.30),
    (Role::Meat, Role::Meat, 0.10),
];

/// How the kinds of member spread over the day parts, in [`ResidentKind::ALL`]
/// order: the elderly come in the morning, young professionals in the evening
/// and late.
const KIND_DAYPART: [[f64; 4]; 5] = [
    [0.8, 0.8, 1.5, 0.5],
    [3.0, 1.2, 0.6, 0.1],
    [1.0, 0.3, 1.5, 1.8],
    [0.6, 0.8, 1.0, 2.0],
    [1.0, 0.9, 1.4, 0.6],
];

/// How often each kind of member shops, relative to each other.
const KIND_ACTIVITY: [f64; 5] = [1.3, 1.6, 0.8, 0.7, 1.1];

/// Day-part demand multipliers of the breakfast and late-night zones.
const BREAKFAST_DAYPART: [f64; 4] = [2.2, 0.7, 0.6, 0.5];
const LATE_NIGHT_DAYPART: [f64; 4] = [0.5, 0.8, 1.0, 2.5];

/// Chance that a member's first item is one of their favourites, and that a
/// later item is.
const FAVOURITE_FIRST: f64 = 0.5;
const FAVOURITE_LATER: f64 = 0.2;
/// The store's most loyal households: each does this share of all members' shopping
/// (at least), so the demo shows what 金卡 and 钻石 members look like.
const LOYAL_SHARES: [f64; 2] = [0.012, 0.0105];
/// Chance that a loyal household's basket has one more line (other families: 0.25).
const LOYAL_BIGGER_BASKET: f64 = 0.6;
/// Chance that a member asks to pay part with points, and that they show their coupons.
const POINTS_ASK_SHARE: f64 = 0.04;
const COUPON_SHOW_SHARE: f64 = 0.6;
/// Share of members with a cat or dog.
const PET_OWNER_SHARE: f64 = 0.2;
/// Share of sales by a member, on average over the history.
const MEMBER_SHARE: f64 = 0.62;
/// Mean lines per receipt, over the day parts.
const MEAN_BASKET_LINES: f64 = 2.8;
/// Share of lines that sit in a basket with room for one more.
const ROOM_FOR_MORE: f64 = 0.6;
/// Random draws keep at least this share of a product's rate, so every product
/// can still be picked by anyone.
const DRAW_WEIGHT_FLOOR: f64 = 0.1;

struct Member {
    kind: ResidentKind,
    activity: f64,
    favourites: Vec<usize>,
    /// Running sums of the favourites' popularity: a favourite milk is bought
    /// more often than a favourite bottle of soy sauce.
    favourite_cum: Vec<f64>,
    /// Day index (relative to the first history day) on which they joined.
    joined_day: i64,
    /// One of the store's most loyal households ([`LOYAL_SHARES`]).
    loyal: bool,
}

/// Everything needed to generate any day of the history.
pub(crate) struct SalesModel<'a> {
    demo: &'a Demo,
    seed: u64,
    pub(crate) plans: Vec<DayPlan>,
    pub(crate) traits: Vec<Traits>,
    /// Sale lines per ordinary day each product should get, from its
    /// `base_daily_demand`.
    intended: Vec<f64>,
    /// What is left of `intended` for random draws once co-purchases and
    /// members' favourites have taken their expected share.
    draw_weight: Vec<f64>,
    /// Per role: the products and running sums of their weights.
    role_products: Vec<(Vec<usize>, Vec<f64>)>,
    /// Per role: (partner role, probability).
    rules: Vec<Vec<(usize, f64)>>,
    members: Vec<Member>,
    size_cum: [Vec<f64>; 4],
}

/// Per-day tables, built once per day.
struct DayTables {
    /// Per day part, for customers who are not members.
    product_cum: [Vec<f64>; 4],
    /// Per kind of member and day part: the same weighted by how much the kind
    /// likes each category, so young families reach for nappies and students
    /// for noodles even outside their favourites.
    kind_cum: [[Vec<f64>; 4]; 5],
    member_cum: [Vec<f64>; 4],
    member_share: f64,
}

impl<'a> SalesModel<'a> {
    pub(crate) fn new(demo: &'a Demo, cfg: &DemoConfig) -> SalesModel<'a> {
        let plans = day_plans(cfg, &demo.weather);
        let traits = crate::catalog::traits(&demo.products);
        let intended: Vec<f64> = demo
            .products
            .iter()
            .zip(&traits)
            .map(|(p, t)| (p.base_daily_demand / t.qty.mean()).max(0.0))
            .collect();

        let mut role_lines = [0.0_f64; Role::COUNT];
        for (t, w) in traits.iter().zip(&intended) {
            role_lines[t.role.index()] += w;
        }
        let mut rules = vec![Vec::new(); Role::COUNT];
        // Lines co-purchases will add, per role. Only about 60% of lines sit in a
        // basket with room for another, hence the discount.
        let mut boost = [0.0_f64; Role::COUNT];
        for &(from, to, p) in &RULES {
            rules[from.index()].push((to.index(), p));
            boost[to.index()] += ROOM_FOR_MORE * p * role_lines[from.index()];
        }
        let role_products = (0..Role::COUNT)
            .map(|r| {
                let idx: Vec<usize> = (0..traits.len()).filter(|&i| traits[i].role.index() == r).collect();
                let cum = cumulative(idx.iter().map(|&i| intended[i]));
                (idx, cum)
            })
            .collect();

        let start = start_date(cfg);
        let mut members: Vec<Member> = demo
            .residents
            .iter()
            .enumerate()
            .map(|(i, res)| {
                let mut r = rng(cfg.seed, Stream::Habits, i as u64);
                let activity = KIND_ACTIVITY[res.kind.index()] * (0.7 * gauss(&mut r)).exp();
                let favourites = favourites(&mut r, res.kind, &traits, &intended);
                let favourite_cum = cumulative(favourites.iter().map(|&f| intended[f]));
                Member {
                    kind: res.kind,
                    activity,
                    favourites,
                    favourite_cum,
                    joined_day: (res.joined - start).get_days().into(),
                    loyal: false,
                }
            })
            .collect();
        mark_loyal(&mut members);

        // Lines members' favourites will add, per product.
        let mut favourite_lines = vec![0.0; traits.len()];
        let total_activity: f64 = members.iter().map(|m| m.activity).sum();
        if total_activity > 0.0 {
            let per_visit = FAVOURITE_FIRST + FAVOURITE_LATER * (MEAN_BASKET_LINES - 1.0) * ROOM_FOR_MORE;
            let member_sales = MEMBER_SHARE * BASE_SALES_PER_DAY;
            for m in &members {
                let total = m.favourite_cum.last().copied().unwrap_or(0.0);
                if total <= 0.0 {
                    continue;
                }
                let lines = member_sales * m.activity / total_activity * per_visit;
                for &f in &m.favourites {
                    favourite_lines[f] += lines * intended[f] / total;
                }
            }
        }
        let mut draw_weight: Vec<f64> = traits
            .iter()
            .zip(&intended)
            .zip(&favourite_lines)
            .map(|((t, w), fav)| {
                let r = t.role.index();
                let co = if t.role == Role::None || role_lines[r] <= 0.0 {
                    0.0
                } else {
                    w * (boost[r] / role_lines[r])
                };
                (w - co - fav).max(DRAW_WEIGHT_FLOOR * w)
            })
            .collect();
        // Members draw by their kind's taste (see `DayTables::kind_cum`); divide
        // that bias out so each product still sells at its intended rate overall.
        let mut kind_share = [0.0; 5];
        for m in &members {
            kind_share[m.kind.index()] += m.activity;
        }
        let total_draw: f64 = draw_weight.iter().sum();
        if total_activity > 0.0 && total_draw > 0.0 {
            let norm: [f64; 5] = std::array::from_fn(|k| {
                draw_weight
                    .iter()
                    .zip(&traits)
                    .map(|(w, t)| w * LEAVES[t.leaf].personas[k])
                    .sum::<f64>()
                    / total_draw
            });
            for (w, t) in draw_weight.iter_mut().zip(&traits) {
                let member_bias: f64 = (0..5)
                    .filter(|&k| norm[k] > 0.0)
                    .map(|k| kind_share[k] / total_activity * LEAVES[t.leaf].personas[k] / norm[k])
                    .sum();
                *w /= (1.0 - MEMBER_SHARE) + MEMBER_SHARE * member_bias;
            }
        }

        SalesModel {
            demo,
            seed: cfg.seed,
            plans,
            traits,
            intended,
            draw_weight,
            role_products,
            rules,
            members,
            size_cum: BASKET_SIZE_WEIGHTS.map(cumulative),
        }
    }

    /// Each product's weight in each day part of a day (not normalised), from
    /// per-product rates `rates` on an ordinary day.
    fn product_weights(&self, day: usize, rates: &[f64]) -> [Vec<f64>; 4] {
        let plan = &self.plans[day];
        let base: Vec<f64> = self
            .demo
            .products
            .iter()
            .zip(&self.traits)
            .zip(rates)
            .map(|((p, t), w)| w * product_multiplier(p, t, plan))
            .collect();
        std::array::from_fn(|dp| {
            base.iter()
                .zip(&self.traits)
                .map(|(b, t)| {
                    let mut w = b * LEAVES[t.leaf].daypart[dp];
                    if t.tags & B != 0 {
                        w *= BREAKFAST_DAYPART[dp];
                    }
                    if t.tags & N != 0 {
                        w *= LATE_NIGHT_DAYPART[dp];
                    }
                    w
                })
                .collect()
        })
    }

    fn tables(&self, day: usize) -> DayTables {
        let plan = &self.plans[day];
        let weights = self.product_weights(day, &self.draw_weight);
        let kind_cum = std::array::from_fn(|k| {
            std::array::from_fn(|dp| {
                cumulative(
                    weights[dp]
                        .iter()
                        .zip(&self.traits)
                        .map(|(w, t)| w * LEAVES[t.leaf].personas[k]),
                )
            })
        });
        let product_cum = weights.map(cumulative);
        let eligible = |m: &Member| m.joined_day <= day as i64;
        let member_cum = std::array::from_fn(|dp| {
            let mut cum = Vec::with_capacity(self.members.len());
            cumulative_into(
                &mut cum,
                self.members.iter().map(|m| {
                    if !eligible(m) {
                        return 0.0;
                    }
                    let mut w = m.activity * KIND_DAYPART[m.kind.index()][dp];
                    // On a day off, working people shop during the day too.
                    if plan.day_off && dp < 2 && m.kind != ResidentKind::Elderly {
                        w *= 1.6;
                    }
                    w
                }),
            );
            cum
        });
        let joined = self.members.iter().filter(|m| eligible(m)).count();
        let member_share = if self.members.is_empty() {
            0.0
        } else {
            0.5 + 0.16 * joined as f64 / self.members.len() as f64
        };
        DayTables {
            product_cum,
            kind_cum,
            member_cum,
            member_share,
        }
    }

    /// Expected units (pieces or grams) of each product sold on a day: the
    /// store's forecast. Co-purchases and favourites are assumed to follow the
    /// same mix as the rest.
    pub(crate) fn expected_units(&self, day: usize) -> Vec<f64> {
        let plan = &self.plans[day];
        let weights = self.product_weights(day, &self.intended);
        let slot_total: f64 = plan.slots.iter().sum();
        let mut lines_by_dp = [0.0; 4];
        for (slot, w) in plan.slots.iter().enumerate() {
            lines_by_dp[daypart(slot)] += plan.expected_sales * w / slot_total;
        }
        for (dp, lines) in lines_by_dp.iter_mut().enumerate() {
            let sizes = &BASKET_SIZE_WEIGHTS[dp];
            let mean_size =
                sizes.iter().enumerate().map(|(k, w)| (k + 1) as f64 * w).sum::<f64>() / sizes.iter().sum::<f64>();
            *lines *= mean_size;
        }
        let totals: [f64; 4] = std::array::from_fn(|dp| weights[dp].iter().sum());
        (0..self.traits.len())
            .map(|i| {
                let lines: f64 = (0..4)
                    .filter(|&dp| totals[dp] > 0.0)
                    .map(|dp| lines_by_dp[dp] * weights[dp][i] / totals[dp])
                    .sum();
                lines * self.traits[i].qty.mean()
            })
            .collect()
    }

    pub(crate) fn days(&self) -> usize {
        self.plans.len()
    }

    /// All sales of one day, in time order.
    pub(crate) fn day_sales(&self, day: usize) -> Vec<DemoSale> {
        let plan = &self.plans[day];
        let tables = self.tables(day);
        let mut r = rng(self.seed, Stream::SalesDay, day as u64);
        let noisy = plan.expected_sales * (0.05 * gauss(&mut r)).exp();
        let count = (noisy.round() as u32).clamp(SALES_PER_DAY_MIN, SALES_PER_DAY_MAX);
        let slot_cum = cumulative(plan.slots.iter().copied());
        let mut secs: Vec<u32> = (0..count)
            .map(|_| {
                let slot = pick(&slot_cum, &mut r).expect("slot weights are positive") as u32;
                slot * SLOT_SECS + r.random_range(0..SLOT_SECS)
            })
            .collect();
        secs.sort_unstable();
        // What members do at the till draws from its own stream, so the baskets stay
        // the same whatever is decided here.
        let mut till = rng(self.seed, Stream::Checkout, day as u64);
        secs.into_iter()
            .map(|s| {
                let mut sale = self.sale(plan, &tables, s, &mut r);
                if sale.member.is_some() {
                    sale.redeems_points = till.random_bool(POINTS_ASK_SHARE);
                    sale.presents_coupon = till.random_bool(COUPON_SHOW_SHARE);
                }
                sale
            })
            .collect()
    }

    fn sale(&self, plan: &DayPlan, tables: &DayTables, secs: u32, r: &mut DemoRng) -> DemoSale {
        let slot = (secs / SLOT_SECS) as usize;
        debug_assert!(slot < SLOTS);
        let dp = daypart(slot);
        let member = if r.random_bool(tables.member_share) {
            pick(&tables.member_cum[dp], r)
        } else {
            None
        };
        let m = member.map(|i| &self.members[i]);
        let mut size = pick(&self.size_cum[dp], r).expect("size weights are positive") + 1;
        if let Some(m) = m
            && matches!(m.kind, ResidentKind::YoungFamily | ResidentKind::Family)
            && r.random_bool(if m.loyal { LOYAL_BIGGER_BASKET } else { 0.25 })
        {
            size = (size + 1).min(BASKET_LINES_MAX);
        }

        let draws = match m {
            Some(m) => &tables.kind_cum[m.kind.index()][dp],
            None => &tables.product_cum[dp],
        };
        let mut lines: Vec<DemoSaleLine> = Vec::with_capacity(size);
        let favourite = |r: &mut DemoRng, p: f64| {
            m.filter(|m| !m.favourites.is_empty() && r.random_bool(p))
                .and_then(|m| pick(&m.favourite_cum, r).map(|k| m.favourites[k]))
        };
        let first = favourite(r, FAVOURITE_FIRST).or_else(|| pick(draws, r));
        if let Some(p) = first {
            self.push(&mut lines, p, r);
        }
        let mut cursor = 0;
        let mut attempts = 0;
        while lines.len() < size && attempts < 4 * BASKET_LINES_MAX {
            attempts += 1;
            if cursor < lines.len() {
                let role = self.traits[lines[cursor].product].role.index();
                cursor += 1;
                for &(to, p) in &self.rules[role] {
                    if lines.len() < size && r.random_bool(p) {
                        let (idx, cum) = &self.role_products[to];
                        if let Some(k) = pick(cum, r) {
                            self.push(&mut lines, idx[k], r);
                        }
                    }
                }
                continue;
            }
            let next = favourite(r, FAVOURITE_LATER).or_else(|| pick(draws, r));
            match next {
                Some(p) => self.push(&mut lines, p, r),
                None => break,
            }
        }
        if lines.is_empty() {
            // Only when every product has zero weight: sell the first product
            // rather than emit an empty receipt.
            self.push(&mut lines, 0, r);
        }

        let kind = m.map(|m| m.kind);
        DemoSale {
            at: Timestamp::from_second(plan.open.as_second() + i64::from(secs)).expect("sale times are within the day"),
            lines,
            member,
            payment: payment(kind, r),
            redeems_points: false,
            presents_coupon: false,
        }
    }

    /// Adds a line for `product` unless the basket already has it.
    fn push(&self, lines: &mut Vec<DemoSaleLine>, product: usize, r: &mut DemoRng) {
        if product >= self.traits.len() || lines.iter().any(|l| l.product == product) {
            return;
        }
        let qty = quantity(self.traits[product].qty, r);
        lines.push(DemoSaleLine { product, qty });
    }
}

fn quantity(model: QtyModel, r: &mut DemoRng) -> i64 {
    let from_table = |table: &[(i64, f64)], r: &mut DemoRng| {
        let mut x: f64 = r.random();
        for &(q, p) in table {
            if x < p {
                return q;
            }
            x -= p;
        }
        1
    };
    match model {
        QtyModel::Single => 1,
        QtyModel::Few => from_table(&FEW_QTY, r),
        QtyModel::Multi => from_table(&MULTI_QTY, r),
        QtyModel::Grams(g) => {
            // Scales print whole grams; the spread is a log-normal around the
            // typical weight (σ ≈ 30%).
            let grams = g as f64 * (0.3 * gauss(r) - 0.045).exp();
            (grams.round() as i64).clamp(WEIGHED_LINE_G_MIN, WEIGHED_LINE_G_MAX)
        }
    }
}

/// Payment mix: QR codes dominate, the elderly still pay cash, members use their
/// stored value.
fn payment(kind: Option<ResidentKind>, r: &mut DemoRng) -> DemoPayment {
    use DemoPayment::{AlipayQr, Card, Cash, StoredValue, WechatQr};
    let table: &[(DemoPayment, f64)] = match kind {
        None => &[(WechatQr, 0.58), (AlipayQr, 0.27), (Cash, 0.13), (Card, 0.02)],
        Some(ResidentKind::Elderly) => &[
            (WechatQr, 0.42),
            (AlipayQr, 0.14),
            (StoredValue, 0.14),
            (Cash, 0.28),
            (Card, 0.02),
        ],
        Some(_) => &[
            (WechatQr, 0.52),
            (AlipayQr, 0.27),
            (StoredValue, 0.10),
            (Cash, 0.09),
            (Card, 0.02),
        ],
    };
    let mut x: f64 = r.random();
    for &(p, share) in table {
        if x < share {
            return p;
        }
        x -= share;
    }
    WechatQr
}

/// Marks the most active long-standing families as the store's loyal households and
/// raises their activity to at least their [`LOYAL_SHARES`] of everyone's.
fn mark_loyal(members: &mut [Member]) {
    let total: f64 = members.iter().map(|m| m.activity).sum();
    let mut families: Vec<usize> = (0..members.len())
        .filter(|&i| {
            matches!(members[i].kind, ResidentKind::YoungFamily | ResidentKind::Family) && members[i].joined_day <= 0
        })
        .collect();
    families.sort_by(|a, b| members[*b].activity.total_cmp(&members[*a].activity).then(a.cmp(b)));
    for (&i, share) in families.iter().zip(LOYAL_SHARES) {
        members[i].activity = members[i].activity.max(share * total);
        members[i].loyal = true;
    }
}

/// A member's favourite products: drawn by popularity (flattened, so tastes
/// differ) and by how much their kind likes each category; young families always
/// have baby goods among them and pet owners pet food.
fn favourites(r: &mut DemoRng, kind: ResidentKind, traits: &[Traits], intended: &[f64]) -> Vec<usize> {
    let k = kind.index();
    // Festival foods and gift boxes are occasions, not habits.
    let cum = cumulative(traits.iter().zip(intended).map(|(t, w)| {
        if t.fest.is_some() || t.tags & G != 0 {
            0.0
        } else {
            w.powf(0.6) * LEAVES[t.leaf].personas[k]
        }
    }));
    let mut out: Vec<usize> = Vec::new();
    let count = r.random_range(4..=10);
    add_distinct(&cum, count, &mut out, r);
    let leaf_cum = |leaf: usize| {
        cumulative(
            traits
                .iter()
                .zip(intended)
                .map(|(t, w)| if t.leaf == leaf { *w } else { 0.0 }),
        )
    };
    if kind == ResidentKind::YoungFamily {
        let target = out.len() + 2;
        add_distinct(&leaf_cum(BABY_LEAF), target, &mut out, r);
    }
    if r.random_bool(PET_OWNER_SHARE) {
        let target = out.len() + r.random_range(1..=2);
        add_distinct(&leaf_cum(PET_LEAF), target, &mut out, r);
    }
    out
}

/// Draws from `cum` until `out` holds `target` distinct products (or gives up
/// after a few tries when there are not enough).
fn add_distinct(cum: &[f64], target: usize, out: &mut Vec<usize>, r: &mut DemoRng) {
    for _ in 0..target * 4 {
        if out.len() >= target {
            break;
        }
        if let Some(i) = pick(cum, r)
            && !out.contains(&i)
        {
            out.push(i);
        }
    }
}

/// The sales of the whole history, lazily, in time order.
pub(crate) fn sales<'a>(demo: &'a Demo, cfg: &DemoConfig) -> impl Iterator<Item = DemoSale> + use<'a> {
    let model = SalesModel::new(demo, cfg);
    (0..model.days()).flat_map(move |d| model.day_sales(d))
}
