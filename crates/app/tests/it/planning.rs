//! Demand planning on the demo community: replenishment and markdown suggestions are
//! checked against figures computed here by hand from what the store holds, and
//! accepting them changes purchase orders and prices through the normal paths.

use linli_app::demand::{self as plan, MarkdownTarget};
use linli_app::{Actor, App};
use linli_domain::ids::ProductId;
use linli_domain::purchasing::PoStatus;
use linli_domain::time;
use std::collections::BTreeMap;

/// z of the 80% interval's bound, and of a 95% service level.
const Z90: f64 = 1.281_551_565_544_600_5;
const Z95: f64 = 1.644_853_626_951_472_2;

pub async fn check_planning(app: &App, manager: &Actor) {
    let org = manager.org;
    let runs = app.store.job_runs(org, 10).await.unwrap();
    let run = runs
        .iter()
        .find(|r| r.job == plan::JOB_DEMAND_FORECAST)
        .expect("the demo ran the demand forecast");
    assert_eq!(run.status, "done", "{}", run.detail);
    check_replenishment(app, manager).await;
    check_markdowns(app, manager).await;
}

async fn check_replenishment(app: &App, manager: &Actor) {
    let org = manager.org;
    let store = app.actor_store(manager).await.unwrap();
    let today = plan::day_number(time::local_date(app.now()));
    let orders = app.replenishment(manager, None).await.unwrap();
    assert!(!orders.is_empty(), "the demo lets some products run low");
    // By hand: the product's outlook at the store, summed over its locations.
    let outlook = app.store.store_outlook(org, store, today).await.unwrap();
    let positions = app.store.stock_positions(org, store, app.now()).await.unwrap();
    let mut checked = 0;
    for o in &orders {
        assert_eq!(o.cost_fen, o.lines.iter().map(|l| l.cost_fen).sum::<i64>());
        for l in &o.lines {
            let mut days: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
            for f in outlook.iter().filter(|f| f.product == l.product) {
                let d = days.entry(f.day).or_default();
                d.0 += f.forecast_milli as f64 / 1000.0;
                d.1 += ((f.hi80_milli - f.forecast_milli) as f64 / 1000.0 / Z90).powi(2);
            }
            let days: Vec<(f64, f64)> = days.into_values().collect();
            let lead = o.lead_days as usize;
            let sum = |n: usize| {
                let (mut m, mut v) = (0.0, 0.0);
                for k in 0..n {
                    let d = days.get(k).or(days.last()).unwrap();
                    m += d.0;
                    v += d.1;
                }
                (m, v.sqrt())
            };
            let (lead_mean, lead_sigma) = sum(lead);
            let (cover_mean, cover_sigma) = sum(lead + 1);
            let reorder_point = lead_mean + Z95 * lead_sigma;
            let order_up_to = cover_mean + Z95 * cover_sigma;
            assert!((l.reorder_point - reorder_point).abs() < 1e-4, "{l:?}: {reorder_point}");
            assert!((l.order_up_to - order_up_to).abs() < 1e-4, "{l:?}: {order_up_to}");
            let p = positions.iter().find(|p| p.product == l.product).unwrap();
            assert_eq!((l.on_hand, l.on_order), (p.on_hand, p.on_order));
            let position = p.on_hand + p.on_order;
            assert!(position as f64 <= reorder_point, "{l:?}");
            let unit = if p.weighed { plan::WEIGHED_ORDER_UNIT_G } else { 1 };
            let need = (order_up_to - position as f64).ceil() as i64;
            assert_eq!(l.qty, (need + unit - 1) / unit * unit, "{l:?}");
            checked += 1;
        }
    }
    assert!(checked > 0);
    // Products above their reorder point are not suggested: every one with a forecast
    // and a supplier that is missing has stock beyond it.
    // Accepting the first supplier's suggestion sends a PO with exactly its lines, and
    // the suggestion is gone (the units are on order now).
    let first = &orders[0];
    let po = app
        .accept_replenishment(manager, first.supplier.id.0, None, None)
        .await
        .unwrap();
    assert_eq!(po.status, PoStatus::Sent);
    assert!(po.expected_at.is_some());
    let mut want: Vec<(ProductId, i64, i64)> = first
        .lines
        .iter()
        .map(|l| (l.product, l.qty, l.unit_cost_fen))
        .collect();
    let mut got: Vec<(ProductId, i64, i64)> = po
        .lines
        .iter()
        .map(|l| (l.product_id, l.qty_ordered, l.unit_cost_fen))
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let after = app.replenishment(manager, None).await.unwrap();
    assert!(
        !after.iter().any(|o| o.supplier.id == first.supplier.id),
        "ordered: nothing more to suggest from that supplier"
    );
    let e = app
        .accept_replenishment(manager, first.supplier.id.0, None, None)
        .await
        .unwrap_err();
    assert!(
        matches!(e, linli_app::AppError::Invalid { ref field, .. } if field == "supplier_id"),
        "{e:?}"
    );
    // A higher service level never asks for less.
    let strict = app.replenishment(manager, Some(9_900)).await.unwrap();
    let lines = |v: &[plan::ReplenishOrder]| v.iter().map(|o| o.lines.len()).sum::<usize>();
    assert!(lines(&strict) >= lines(&after));
}

async fn check_markdowns(app: &App, manager: &Actor) {
    let now = app.now();
    let today = plan::day_number(time::local_date(now));
    let suggestions = app.markdown_suggestions(manager).await.unwrap();
    let expiry: Vec<_> = suggestions.iter().filter(|s| s.kind == "expiry").collect();
    assert!(!expiry.is_empty(), "the demo has lots near their expiry");
    for s in &expiry {
        // By hand: the default ladder, −20% from 3 days left, −50% from 1; rounded down to
        // the fen; never under cost.
        let (_, _, expires_at) = s.lot.clone().unwrap();
        let days_left = plan::day_number(time::local_date(expires_at - 1)) - today;
        assert_eq!(s.days_left, Some(days_left));
        let off = match days_left {
            0..=1 => 5_000,
            2..=3 => 2_000,
            d => panic!("{d} days left is off the ladder"),
        };
        let p = app.store.product(manager.org, s.product).await.unwrap();
        let wanted = p.price_fen * (10_000 - off) / 10_000;
        let price = wanted.max(p.cost_fen);
        assert_eq!(s.price_fen, price, "{s:?} cost {}", p.cost_fen);
        assert_eq!(s.floored, wanted < p.cost_fen);
        assert!(s.price_fen < s.regular_price_fen);
        assert_eq!(s.ends_at, expires_at);
    }
    // Every lot within the ladder's reach (its expiry day at most 3 days away, the first
    // step included) is suggested, unless the floor leaves nothing off.
    let org = manager.org;
    let store = app.actor_store(manager).await.unwrap();
    let until = time::end_of_local_day(plan::date_of(today + 3).unwrap());
    let positions = app.store.stock_positions(org, store, now).await.unwrap();
    let mut on_first_step = 0;
    for lot in app.store.expiring_lots(org, store, until).await.unwrap() {
        let p = positions.iter().find(|p| p.product == lot.product).unwrap();
        let days_left = plan::day_number(time::local_date(lot.expires_at - 1)) - today;
        if days_left < 0 {
            // Expired and still on the books: for the write-off, not a markdown.
            assert!(!expiry.iter().any(|s| s.lot.as_ref().is_some_and(|l| l.0 == lot.lot)));
            continue;
        }
        let off = if days_left <= 1 { 5_000 } else { 2_000 };
        let marked = linli_domain::markdown::mark_down(
            linli_domain::money::Money::from_fen(p.price_fen),
            linli_domain::money::Money::from_fen(p.cost_fen),
            off,
            10_000,
        );
        let suggested = expiry.iter().any(|s| s.lot.as_ref().is_some_and(|l| l.0 == lot.lot));
        assert_eq!(suggested, marked.is_some(), "{lot:?} {p:?}");
        on_first_step += usize::from(suggested && days_left == 3);
    }
    assert!(
        on_first_step > 0,
        "lots three days from expiry are on the ladder's first step"
    );
    // Accepting: the till's price for the product is the marked one, for the lot's units
    // and no more; ending it brings the regular price back.
    let s = expiry[0];
    let lot = s.lot.as_ref().unwrap().0;
    let quote = |qty: i64| {
        app.quote(
            manager,
            linli_app::offers::QuoteInput {
                lines: vec![(s.product.0, qty)],
                ..Default::default()
            },
        )
    };
    let before = quote(1).await.unwrap();
    assert_eq!(before.lines[0].total_fen, s.regular_price_fen);
    let m = app.accept_markdown(manager, MarkdownTarget::Lot(lot.0)).await.unwrap();
    assert!(m.active);
    assert_eq!((m.price_fen, m.units, m.lot), (s.price_fen, s.units, Some(lot)));
    let marked = quote(1).await.unwrap();
    assert_eq!(marked.lines[0].total_fen, s.price_fen);
    let promo = app
        .promotion(manager, m.promotion.expect("a flash sale"))
        .await
        .unwrap();
    assert_eq!(promo.flash_cap, Some(s.units));
    // The same suggestion cannot be accepted twice.
    let e = app
        .accept_markdown(manager, MarkdownTarget::Lot(lot.0))
        .await
        .unwrap_err();
    assert!(
        matches!(e, linli_app::AppError::Invalid { ref field, .. } if field == "lot_id"),
        "{e:?}"
    );
    assert!(
        !app.markdown_suggestions(manager)
            .await
            .unwrap()
            .iter()
            .any(|x| x.lot.as_ref().is_some_and(|l| l.0 == lot)),
        "an accepted lot is no longer suggested"
    );
    let ended = app.end_markdown(manager, m.id).await.unwrap();
    assert!(!ended.active);
    assert_eq!(quote(1).await.unwrap().lines[0].total_fen, s.regular_price_fen);
    // A weighed good's markdown lowers its price per kg; the sweeper puts it back when
    // the lot's day is over.
    if let Some(w) = expiry.iter().find(|s| s.weighed) {
        let lot = w.lot.as_ref().unwrap();
        let m = app
            .accept_markdown(manager, MarkdownTarget::Lot(lot.0.0))
            .await
            .unwrap();
        assert_eq!((m.method.as_str(), m.promotion), ("price", None));
        let price = || async { app.store.product(manager.org, w.product).await.unwrap().price_fen };
        assert_eq!(price().await, w.price_fen);
        assert_eq!(app.restore_due_markdowns(now).await.unwrap(), 0, "not due yet");
        assert_eq!(price().await, w.price_fen);
        assert!(app.restore_due_markdowns(lot.2).await.unwrap() >= 1);
        assert_eq!(
            price().await,
            w.regular_price_fen,
            "put back when the lot's day is over"
        );
        assert!(!app.store.markdown(manager.org, m.id, lot.2).await.unwrap().active);
    } else {
        panic!("the demo has weighed goods near their expiry");
    }
    // A ladder of the lot's category changes what is suggested for it.
    let category = app.store.product(manager.org, s.product).await.unwrap().category_id;
    if let Some(category) = category {
        app.set_markdown_ladder(manager, Some(category.0), "5:10", 0, 60, 3_000)
            .await
            .unwrap();
        let again = app.markdown_suggestions(manager).await.unwrap();
        let x = again
            .iter()
            .find(|x| x.lot.as_ref().is_some_and(|l| l.0 == lot))
            .expect("the ended markdown's lot is suggested again");
        let p = app.store.product(manager.org, s.product).await.unwrap();
        assert_eq!(x.price_fen, p.price_fen * 9_000 / 10_000);
    }
    let e = app
        .set_markdown_ladder(manager, None, "3:20,1:10", 10_000, 60, 3_000)
        .await
        .unwrap_err();
    assert!(
        matches!(e, linli_app::AppError::Invalid { ref field, .. } if field == "steps"),
        "{e:?}"
    );
}
