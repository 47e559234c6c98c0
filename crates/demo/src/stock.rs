//! Stock for the demo: deliveries that feed the sales history, and today's lots.
//!
//! [`history_receipts`] replays what a careful store manager would have received
//! at 06:00 each delivery day: fresh goods daily, short-life goods every two or
//! three days, the rest weekly. Each delivery tops the sales floor up to the
//! forecast demand until the next delivery plus 40%, plus safety stock for the
//! lumpy demand of slow movers (1.5 σ of a Poisson count), where the forecast is the
//! demand model's expectation corrected by the last four weeks' actual sales and
//! the stock on hand counts only what will not expire first. The manager sees
//! their own stock, not the future, so a few lines still run out — as in a real
//! store — but far fewer than 2%.
//!
//! [`current_lots`] seeds the stock as of the end date on its own (it does not
//! continue the history): one to three lots per product across the sales floor,
//! backroom and front warehouse, with a few lots already expired, some inside the
//! category's expiry-alert horizon, and a handful of products below their reorder
//! point, so the alert and replenishment screens have something to show.

use std::collections::VecDeque;

use jiff::civil::Date;
use rand::Rng;

use crate::catalog::{DemoCategory, DemoProduct, DemoUnit};
use crate::places::{BACKROOM, FRONT_WAREHOUSE, SALES_FLOOR};
use crate::random::{Stream, rng, uniform};
use crate::residents::shift;
use crate::sales::SalesModel;
use crate::suppliers::{DemoSupplier, supplier_for};
use crate::{Demo, DemoConfig};

/// A lot in stock as of the end date.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoLot {
    /// Index into [`Demo::products`].
    pub product: usize,
    pub location_code: String,
    pub lot_code: String,
    /// Base units: pieces, or grams.
    pub qty: i64,
    pub expiry: Option<Date>,
    pub received: Date,
    pub supplier_code: String,
}

/// A delivery to the sales floor during the history, received at 06:00 local.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoReceipt {
    pub date: Date,
    /// Index into [`Demo::products`].
    pub product: usize,
    pub lot_code: String,
    /// Base units: pieces, or grams.
    pub qty: i64,
    /// `date + shelf_life_days`; sellable through that day.
    pub expiry: Option<Date>,
    pub supplier_code: String,
}

/// Deliveries cover forecast demand until the next one with this margin.
const SAFETY_MARGIN: f64 = 1.4;
/// Standard deviations of safety stock on top of the margin.
const SAFETY_Z: f64 = 1.5;
/// Days of actual sales the forecast correction looks back on.
const FORECAST_LOOKBACK_DAYS: usize = 28;
/// Products receiving a handful below their reorder point in [`current_lots`].
const BELOW_REORDER_PRODUCTS: usize = 8;

/// Days between deliveries of a product.
fn delivery_interval(p: &DemoProduct) -> usize {
    let fast = match p.unit {
        DemoUnit::Kg => p.base_daily_demand > 15_000.0,
        DemoUnit::Piece(_) => p.base_daily_demand > 15.0,
    };
    match p.shelf_life_days {
        Some(..=3) => 1,
        Some(..=7) => 2,
        Some(..=30) => 3,
        _ if fast => 3,
        _ => 7,
    }
}

/// What [`plan_receipts`] observed while simulating the floor, for tests.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct StockStats {
    pub demanded: i64,
    pub short: i64,
    pub wasted: i64,
}

/// Deliveries to the sales floor that let the sales of [`crate::sales`] be served.
pub fn history_receipts(demo: &Demo, cfg: &DemoConfig) -> Vec<DemoReceipt> {
    plan_receipts(demo, cfg).0
}

pub(crate) fn plan_receipts(demo: &Demo, cfg: &DemoConfig) -> (Vec<DemoReceipt>, StockStats) {
    let model = SalesModel::new(demo, cfg);
    let days = model.days();
    let n = demo.products.len();
    let mut actual = vec![0_i64; days * n];
    let mut expected = vec![0.0_f64; days * n];
    for d in 0..days {
        for sale in model.day_sales(d) {
            for line in &sale.lines {
                actual[d * n + line.product] += line.qty;
            }
        }
        expected[d * n..(d + 1) * n].copy_from_slice(&model.expected_units(d));
    }

    let mut receipts = Vec::new();
    let mut stats = StockStats::default();
    for (i, p) in demo.products.iter().enumerate() {
        let supplier = demo.supplier_of(i);
        let supplier_code = supplier.map_or_else(String::new, |s| s.code.clone());
        let interval = delivery_interval(p);
        let phase =
            supplier.map_or(0, |s| demo.suppliers.iter().position(|x| x.code == s.code).unwrap_or(0)) % interval;
        let is_delivery_day = |d: usize| d == 0 || (d + phase).is_multiple_of(interval);
        let weighed = p.unit == DemoUnit::Kg;
        let safety = if weighed { 300.0 } else { 1.0 };
        let digits = p.sku.trim_start_matches('P');

        // Lots on the floor, oldest expiry first: (last sellable day, qty).
        let mut lots: VecDeque<(usize, i64)> = VecDeque::new();
        for d in 0..days {
            while lots.front().is_some_and(|l| l.0 < d) {
                stats.wasted += lots.pop_front().map_or(0, |l| l.1);
            }
            if is_delivery_day(d) {
                let next = (d + 1..days).find(|&t| is_delivery_day(t)).unwrap_or(days);
                let lo = d.saturating_sub(FORECAST_LOOKBACK_DAYS);
                let seen: i64 = (lo..d).map(|t| actual[t * n + i]).sum();
                let thought: f64 = (lo..d).map(|t| expected[t * n + i]).sum();
                let prior: f64 = 7.0 * expected[d * n + i];
                let correction = ((seen as f64 + prior) / (thought + prior).max(1e-9)).clamp(0.5, 3.0);
                let forecast = |t: usize| expected[t * n + i] * correction;
                let need: f64 = (d..next).map(forecast).sum();
                let usable: f64 = lots
                    .iter()
                    .map(|&(last, qty)| {
                        let until = last.min(next - 1);
                        let sellable: f64 = (d..=until).map(forecast).sum();
                        (qty as f64).min(sellable * SAFETY_MARGIN)
                    })
                    .sum();
                // Slow movers sell in lumps: add safety stock for the Poisson
                // spread of the lines expected until the next delivery.
                let line_qty = model.traits[i].qty.mean();
                let spread = SAFETY_Z * (need / line_qty).sqrt() * line_qty;
                let target = need * SAFETY_MARGIN + spread + safety;
                let mut qty = (target - usable).ceil() as i64;
                if weighed {
                    qty = (qty + 99) / 100 * 100;
                }
                if qty > 0 {
                    let date = model.plans[d].date;
                    let last = p.shelf_life_days.map_or(usize::MAX, |s| d + s as usize);
                    let pos = lots.partition_point(|l| l.0 <= last);
                    lots.insert(pos, (last, qty));
                    receipts.push(DemoReceipt {
                        date,
                        product: i,
                        lot_code: format!("R{:04}{:02}{:02}-{digits}", date.year(), date.month(), date.day()),
                        qty,
                        expiry: p.shelf_life_days.map(|s| shift(date, s)),
                        supplier_code: supplier_code.clone(),
                    });
                }
            }
            let mut demand = actual[d * n + i];
            stats.demanded += demand;
            while demand > 0 {
                let Some(front) = lots.front_mut() else {
                    stats.short += demand;
                    break;
                };
                let take = front.1.min(demand);
                front.1 -= take;
                demand -= take;
                if front.1 == 0 {
                    lots.pop_front();
                }
            }
        }
    }
    receipts.sort_by_key(|r| (r.date, r.product));
    (receipts, stats)
}

/// The stock on hand as of `end`, lot by lot.
pub(crate) fn current_lots(
    seed: u64,
    end: Date,
    products: &[DemoProduct],
    categories: &[DemoCategory],
    suppliers: &[DemoSupplier],
) -> Vec<DemoLot> {
    let mut r = rng(seed, Stream::Lots, 0);
    let mut below = Vec::new();
    while below.len() < BELOW_REORDER_PRODUCTS.min(products.len()) {
        let i = r.random_range(0..products.len());
        if products[i].reorder_point >= 3 && !below.contains(&i) {
            below.push(i);
        }
    }
    let mut out = Vec::new();
    for (i, p) in products.iter().enumerate() {
        let weighed = p.unit == DemoUnit::Kg;
        let rp = p.reorder_point.max(1) as f64;
        let is_below = below.contains(&i);
        let total = if is_below {
            rp * uniform(&mut r, 0.2, 0.8)
        } else {
            rp * uniform(&mut r, 1.2, 3.0)
        };
        let lots = match r.random::<f64>() {
            // One lot keeps a product that is meant to be short from rounding up
            // to its reorder point.
            _ if is_below => 1,
            x if x < 0.45 => 1,
            x if x < 0.85 => 2,
            _ => 3,
        };
        let second_in_front_warehouse = r.random_bool(0.3);
        let alert_days = categories
            .iter()
            .find(|c| c.code == p.category)
            .map_or(30, |c| (c.expiry_alert_hours + 23) / 24);
        let supplier_code = supplier_for(suppliers, &p.category, p.brand.as_deref())
            .map_or_else(String::new, |s| suppliers[s].code.clone());
        let shares: &[f64] = match lots {
            1 => &[1.0],
            2 => &[0.6, 0.4],
            _ => &[0.5, 0.3, 0.2],
        };
        for (k, share) in shares.iter().enumerate() {
            let location = match (k, second_in_front_warehouse) {
                (0, _) => SALES_FLOOR,
                (1, true) | (2, false) => FRONT_WAREHOUSE,
                _ => BACKROOM,
            };
            let raw = total * share;
            let qty = if weighed {
                ((raw / 100.0).round() as i64 * 100).max(100)
            } else {
                (raw.round() as i64).max(1)
            };
            let (received, expiry) = match p.shelf_life_days {
                None => (shift(end, -r.random_range(0..=45)), None),
                Some(life) => {
                    let x: f64 = r.random();
                    if x < 0.04 {
                        let expiry = shift(end, -r.random_range(1..=3));
                        (shift(expiry, -life), Some(expiry))
                    } else if x < 0.16 {
                        let horizon = alert_days.min(life + 1).max(1);
                        let expiry = shift(end, r.random_range(0..horizon));
                        (shift(expiry, -life), Some(expiry))
                    } else {
                        let back = (life - alert_days).clamp(0, 30);
                        let received = shift(end, -r.random_range(0..=back));
                        (received, Some(shift(received, life)))
                    }
                }
            };
            out.push(DemoLot {
                product: i,
                location_code: location.into(),
                lot_code: format!(
                    "L{:04}{:02}{:02}-{}-{}",
                    received.year(),
                    received.month(),
                    received.day(),
                    p.sku.trim_start_matches('P'),
                    k + 1
                ),
                qty,
                expiry,
                received,
                supplier_code: supplier_code.clone(),
            });
        }
    }
    out
}
