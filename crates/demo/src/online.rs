//! Today's open orders from the resident shop: placed on residents' phones over the
//! last hours, some still waiting to be paid, others paid, being prepared, waiting at
//! the counter with their pickup code or out with the rider, plus a presale and two
//! orders already collected. The console's order pages and pick lists open on them.
//!
//! Orders are placed "minutes before now" because the demo is seeded at whatever time
//! it is; their products come from today's lots on the sales floor, never more than
//! half of a product's floor stock across all orders, so every order can be reserved.

use std::collections::HashMap;

use rand::Rng;

use crate::catalog::DemoUnit;
use crate::places::SALES_FLOOR;
use crate::random::{Stream, cumulative, pick, rng};
use crate::residents::{ResidentKind, shift};
use crate::sales::DemoSaleLine;
use crate::{Demo, DemoConfig};

/// How a shop order is fulfilled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoFulfilment {
    /// 到店自提, with a pickup code.
    Pickup,
    /// 送货上门 to the resident's building in the first slot they could book.
    Delivery,
    /// 预售: the presale product, shipped on the presale's date.
    Presale,
}

/// Where an order stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoOrderState {
    /// 待支付: placed minutes ago, not paid yet.
    AwaitingPayment,
    /// 已支付.
    Paid,
    /// 备货中.
    Preparing,
    /// 待取货: ready at the counter.
    Ready,
    /// 配送中.
    OutForDelivery,
    /// 已完成: collected with the pickup code (核销).
    Completed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoOnlineOrder {
    /// Index into [`crate::Demo::residents`].
    pub resident: usize,
    /// Pieces of packaged goods.
    pub lines: Vec<DemoSaleLine>,
    pub fulfilment: DemoFulfilment,
    pub state: DemoOrderState,
    /// When the resident placed it, in minutes before the demo is seeded.
    pub placed_minutes_ago: i64,
}

/// The presale the shop runs today (预售).
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPresale {
    /// Index into [`crate::Demo::products`].
    pub product: usize,
    /// Days after today it ships.
    pub ships_in_days: i64,
    pub cap_total: i64,
    pub per_order_max: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoShop {
    pub presale: DemoPresale,
    /// Oldest first.
    pub orders: Vec<DemoOnlineOrder>,
}

/// (state, fulfilment, how many, placed between these minutes ago).
const PLAN: [(DemoOrderState, DemoFulfilment, usize, i64, i64); 10] = [
    (DemoOrderState::Completed, DemoFulfilment::Pickup, 2, 200, 240),
    (DemoOrderState::OutForDelivery, DemoFulfilment::Delivery, 3, 120, 180),
    (DemoOrderState::Ready, DemoFulfilment::Pickup, 4, 90, 150),
    (DemoOrderState::Paid, DemoFulfilment::Presale, 3, 30, 300),
    (DemoOrderState::Preparing, DemoFulfilment::Pickup, 2, 40, 90),
    (DemoOrderState::Preparing, DemoFulfilment::Delivery, 2, 40, 90),
    (DemoOrderState::Paid, DemoFulfilment::Pickup, 2, 15, 40),
    (DemoOrderState::Paid, DemoFulfilment::Delivery, 2, 15, 40),
    (DemoOrderState::AwaitingPayment, DemoFulfilment::Pickup, 1, 9, 9),
    (DemoOrderState::AwaitingPayment, DemoFulfilment::Pickup, 1, 4, 4),
];
/// Lines of one shop order, and units of one line.
const ORDER_LINES_MAX: usize = 4;
const LINE_QTY_MAX: i64 = 3;

/// The presale product: a premium fruit box, ordered ahead.
const PRESALE_PRODUCT: &str = "精品水果礼盒";

/// Today's shop orders.
pub(crate) fn shop(demo: &Demo, cfg: &DemoConfig) -> DemoShop {
    let today = shift(cfg.end_date, 1);
    let mut r = rng(cfg.seed, Stream::Offers, 1);
    let presale = DemoPresale {
        product: demo
            .products
            .iter()
            .position(|p| p.name_zh == PRESALE_PRODUCT)
            .unwrap_or_else(|| panic!("{PRESALE_PRODUCT} is in the demo catalogue")),
        ships_in_days: 3,
        cap_total: 30,
        per_order_max: 2,
    };
    // Packaged goods on the floor today that stay sellable beyond today, by popularity;
    // at most half of each one's floor stock is promised.
    let mut room: HashMap<usize, i64> = HashMap::new();
    for lot in &demo.lots {
        let p = &demo.products[lot.product];
        if lot.location_code == SALES_FLOOR
            && matches!(p.unit, DemoUnit::Piece(_))
            && lot.expiry.is_none_or(|e| e > today)
            && lot.product != presale.product
        {
            *room.entry(lot.product).or_insert(0) += lot.qty;
        }
    }
    let mut candidates: Vec<usize> = room.keys().copied().filter(|&p| room[&p] >= 4).collect();
    candidates.sort_unstable();
    for p in &candidates {
        if let Some(q) = room.get_mut(p) {
            *q /= 2;
        }
    }
    let cum = cumulative(candidates.iter().map(|&p| demo.products[p].base_daily_demand.sqrt()));
    // Residents who order online: anyone but the elderly, mostly; each orders once.
    let shoppers: Vec<usize> = (0..demo.residents.len())
        .filter(|&i| demo.residents[i].joined <= cfg.end_date)
        .collect();
    let shopper_cum = cumulative(shoppers.iter().map(|&i| match demo.residents[i].kind {
        ResidentKind::Elderly => 0.2,
        ResidentKind::YoungProfessional | ResidentKind::YoungFamily => 2.0,
        _ => 1.0,
    }));
    let mut used: Vec<usize> = Vec::new();
    let mut orders = Vec::new();
    for &(state, fulfilment, count, from, to) in &PLAN {
        for _ in 0..count {
            let resident = loop {
                let i = shoppers[pick(&shopper_cum, &mut r).expect("there are residents")];
                if !used.contains(&i) {
                    used.push(i);
                    break i;
                }
            };
            let lines = if fulfilment == DemoFulfilment::Presale {
                vec![DemoSaleLine {
                    product: presale.product,
                    qty: r.random_range(1..=presale.per_order_max),
                }]
            } else {
                let mut lines: Vec<DemoSaleLine> = Vec::new();
                let want = r.random_range(1..=ORDER_LINES_MAX);
                for _ in 0..want * 4 {
                    if lines.len() >= want {
                        break;
                    }
                    let Some(k) = pick(&cum, &mut r) else { break };
                    let product = candidates[k];
                    let left = room.get(&product).copied().unwrap_or(0);
                    let qty = r.random_range(1..=LINE_QTY_MAX).min(left);
                    if qty == 0 || lines.iter().any(|l| l.product == product) {
                        continue;
                    }
                    room.insert(product, left - qty);
                    lines.push(DemoSaleLine { product, qty });
                }
                lines
            };
            if lines.is_empty() {
                continue;
            }
            orders.push(DemoOnlineOrder {
                resident,
                lines,
                fulfilment,
                state,
                placed_minutes_ago: r.random_range(from..=to),
            });
        }
    }
    orders.sort_by_key(|o| std::cmp::Reverse(o.placed_minutes_ago));
    DemoShop { presale, orders }
}
