//! The demo community: `linli-demo` generates it, this writes it through the same
//! store methods and use cases the product uses.
//!
//! The simulated sales history goes through the selling rules and `Store::record_sales`,
//! the path every sale takes: stock is received at 06:00 each morning and sold by FEFO
//! through the day; each basket is priced by the pricing engine with the member's tier
//! (from their rolling twelve-month spend), the promotions running and the coupons they
//! show; members earn points by the organisation's rules, now and then pay part with
//! points, and pay by stored value that they top up at the counter (充500送50) when it
//! runs short. What the till needs to know of each member (spend, points, stored value,
//! coupons) is tracked in memory as the history runs, so no sale is refused for money.
//! The offers of the last days are made through the offer use cases with the clock set
//! back to when the manager made them; today's flash sale, presale and open shop orders
//! go through the order use cases (stock reserved, the payment simulator, pickup codes).

use crate::auth::hash_password;
use crate::offers::{CouponInput, IssueInput, PromotionInput};
use crate::orders::{LineInput, PaymentCaller, PlaceInput, PresaleInput, Resident};
use crate::seed::{DEMO_PASSWORD, SeedReport};
use crate::{Actor, App, AppError, FixedClock};
use linli_demo::{
    Demo, DemoAudience, DemoConfig, DemoCouponKind, DemoFulfilment, DemoOffers, DemoOrderState, DemoPayment,
    DemoPromotion, DemoPromotionRule, DemoSale, DemoUnit, DemoWindow,
};
use linli_domain::auth::Role;
use linli_domain::catalog::{UnitKind, pinyin_of};
use linli_domain::ids::{
    BuildingId, CategoryId, LocationId, MemberId, OrderId, OrgId, ProductId, StoreId, SupplierId, ZoneId,
};
use linli_domain::loyalty::{PointsBook, PointsEntry, PointsKind, rolling_window_start};
use linli_domain::orders as order_rules;
use linli_domain::pricing::{
    self, Cart, CartLine, Coupon, CouponId, DiscountSource, MemberContext, Promotion, StackingPolicy,
};
use linli_domain::till::{self, CashRounding, Payment, Tender};
use linli_domain::time;
use linli_store::{
    CouponEvent, ISSUE_MEMBERS_MAX, LocationKind, LoyaltySettings, NewBuilding, NewLocation, NewMember, NewPoLine,
    NewSale, NewStaff, NewSupplier, ProductData, ReceiveLine, SaleDetails, SaleDiscount, SaleLine, SalePayment,
    StoreError,
};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

fn e6(deg: f64) -> i64 {
    (deg * 1e6).round() as i64
}

/// Fills an empty database with the demo community. `progress` is called with the
/// number of history days written so far.
pub async fn seed_demo(
    app: &App,
    seed: u64,
    end_date: jiff::civil::Date,
    history_days: u32,
    progress: &(dyn Fn(u32) + Sync),
) -> Result<SeedReport, AppError> {
    let cfg = DemoConfig {
        seed,
        end_date,
        history_days,
    };
    let demo = linli_demo::generate(&cfg);
    let s = &app.store;
    let history_start = time::at_local(
        end_date
            .checked_sub(jiff::Span::new().days(i64::from(history_days)))
            .map_err(|e| AppError::Internal(e.to_string()))?,
        jiff::civil::Time::midnight(),
    );
    let org = s.create_org(&demo.org_name_zh, history_start).await?;
    let store = s
        .create_store(
            org,
            &demo.store.code,
            &demo.store.name_zh,
            &demo.store.address_zh,
            Some((e6(demo.store.lat), e6(demo.store.lon))),
            history_start,
        )
        .await?;
    let mut locations: HashMap<String, LocationId> = HashMap::new();
    for l in &demo.locations {
        let kind = match l.kind {
            linli_demo::LocationKind::SalesFloor => LocationKind::SalesFloor,
            linli_demo::LocationKind::Backroom => LocationKind::Backroom,
            linli_demo::LocationKind::FrontWarehouse => LocationKind::FrontWarehouse,
            linli_demo::LocationKind::GridStation => LocationKind::GridStation,
        };
        let new = NewLocation {
            code: &l.code,
            name_zh: &l.name_zh,
            name_en: &l.name_en,
            kind,
            lat_e6: Some(e6(l.lat)),
            lon_e6: Some(e6(l.lon)),
        };
        locations.insert(l.code.clone(), s.create_location(org, store, &new).await?);
    }
    let floor = demo
        .locations
        .iter()
        .find(|l| matches!(l.kind, linli_demo::LocationKind::SalesFloor))
        .and_then(|l| locations.get(&l.code).copied())
        .ok_or_else(|| AppError::Internal("the demo has a sales floor".into()))?;
    let hash = hash_password(DEMO_PASSWORD)?;
    let mut manager = None;
    for (username, role, name) in [
        ("owner", Role::Owner, "王店主"),
        ("manager", Role::Manager, "李店长"),
        ("cashier", Role::Cashier, "张收银"),
        ("rider", Role::Rider, "刘骑手"),
    ] {
        let new = NewStaff {
            store: Some(store),
            username,
            display_name: name,
            role,
            password_hash: &hash,
        };
        let id = s.create_staff(org, &new, None, history_start).await?;
        if role == Role::Manager {
            manager = Some(id);
        }
    }
    let categories = seed_catalog_tree(app, org, &demo).await?;
    let mut zones: HashMap<String, ZoneId> = HashMap::new();
    for z in &demo.zones {
        zones.insert(
            z.code.clone(),
            s.create_zone(org, &z.code, &z.name_zh, &z.name_en).await?,
        );
    }
    let mut products: Vec<ProductId> = Vec::with_capacity(demo.products.len());
    for p in &demo.products {
        let (pinyin_full, pinyin_initials) = pinyin_of(&p.name_zh);
        let (unit_kind, unit_label) = match p.unit {
            DemoUnit::Piece(label) => (UnitKind::Piece, label.to_string()),
            DemoUnit::Kg => (UnitKind::Weight, "kg".to_string()),
        };
        let gtins = match &p.gtin {
            Some(g) => vec![
                linli_domain::barcode::gtin::Gtin::parse(g)
                    .map_err(|e| AppError::Internal(e.to_string()))?
                    .normalized(),
            ],
            None => Vec::new(),
        };
        let data = ProductData {
            sku: p.sku.clone(),
            name_zh: p.name_zh.clone(),
            name_en: p.name_en.clone().unwrap_or_default(),
            pinyin_full,
            pinyin_initials,
            brand: p.brand.clone().unwrap_or_default(),
            category_id: categories.get(&p.category).copied(),
            unit_kind,
            unit_label,
            price_fen: p.price_fen,
            cost_fen: p.cost_fen,
            tax_rate_bp: i64::from(p.tax_rate_bp),
            shelf_life_days: p.shelf_life_days,
            plu: p.plu.map(i64::from),
            reorder_point: p.reorder_point,
            active: true,
            gtins,
            zone_ids: p.zones.iter().filter_map(|z| zones.get(z).copied()).collect(),
        };
        products.push(s.create_product(org, &data, None, history_start).await?);
    }
    let mut suppliers: HashMap<String, SupplierId> = HashMap::new();
    for sup in &demo.suppliers {
        let kind = match sup.kind {
            linli_demo::SupplierKind::Farm => "farm",
            linli_demo::SupplierKind::Factory => "factory",
            linli_demo::SupplierKind::Distributor => "distributor",
        };
        let minutes = |t: jiff::civil::Time| i64::from(t.hour()) * 60 + i64::from(t.minute());
        let new = NewSupplier {
            code: &sup.code,
            name_zh: &sup.name_zh,
            kind,
            contact_phone: &sup.contact_phone,
            lead_time_hours: sup.lead_time_hours,
            order_cutoff_min: minutes(sup.order_cutoff),
            delivery_time_min: minutes(sup.delivery_time),
        };
        suppliers.insert(sup.code.clone(), s.create_supplier(org, &new, history_start).await?);
    }
    let members = seed_people(app, org, store, &demo).await?;
    let manager = Actor {
        org,
        staff: manager.ok_or_else(|| AppError::Internal("the demo has a manager".into()))?,
        store: Some(store),
        role: Role::Manager,
        username: "manager".into(),
        display_name: "李店长".into(),
    };
    let product_categories: Vec<Option<CategoryId>> = demo
        .products
        .iter()
        .map(|p| categories.get(&p.category).copied())
        .collect();

    // The offers of the last days exist before the history reaches them, so the till
    // prices those days with them.
    let offers = linli_demo::offers(&demo, &cfg);
    let mut till = HistoryTill {
        demo: &demo,
        store,
        floor,
        products: &products,
        categories: product_categories,
        settings: s.loyalty_settings(org).await?,
        promotions: Vec::new(),
        books: (0..members.len()).map(|_| MemberBook::default()).collect(),
        orders_folded: 0,
    };
    seed_offers(
        app,
        &manager,
        &demo,
        &offers,
        &members,
        &products,
        &categories,
        &mut till,
    )
    .await?;

    // History: receipts at 06:00, then that day's sales, day by day.
    let receipts = linli_demo::history_receipts(&demo, &cfg);
    // The products the demo leaves below their reorder point missed their last week
    // of deliveries (a supplier let the store down), so the shelf really ran low.
    let mut demo_stock = vec![0i64; demo.products.len()];
    for lot in &demo.lots {
        demo_stock[lot.product] += lot.qty;
    }
    let short_since = end_date
        .checked_sub(jiff::Span::new().days(7))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let missed = |r: &linli_demo::DemoReceipt| {
        demo_stock[r.product] < demo.products[r.product].reorder_point && r.date > short_since
    };
    let mut receipts_by_day: HashMap<jiff::civil::Date, Vec<&linli_demo::DemoReceipt>> = HashMap::new();
    for r in receipts.iter().filter(|r| !missed(r)) {
        receipts_by_day.entry(r.date).or_default().push(r);
    }
    let mut report = SeedReport {
        products: products.len(),
        members: members.len(),
        ..SeedReport::default()
    };
    let mut day_sales: Vec<DemoSale> = Vec::new();
    let mut current_day: Option<jiff::civil::Date> = None;
    let mut days_done = 0u32;
    for sale in linli_demo::sales(&demo, &cfg) {
        let day = time::local_date(sale.at.as_millisecond());
        if current_day != Some(day) {
            if !day_sales.is_empty() {
                write_day(app, org, &members, &mut till, &day_sales, &mut report).await?;
                day_sales.clear();
                days_done += 1;
                progress(days_done);
            }
            // Closing the day: whatever expired by midnight comes off the shelf (报损).
            if current_day.is_some() {
                app.store
                    .write_off_expired(org, floor, None, time::at_local(day, jiff::civil::Time::midnight()))
                    .await?;
            }
            current_day = Some(day);
            if let Some(rs) = receipts_by_day.get(&day) {
                receive_day(app, org, floor, day, rs, &products, &suppliers).await?;
            }
        }
        day_sales.push(sale);
    }
    if !day_sales.is_empty() {
        write_day(app, org, &members, &mut till, &day_sales, &mut report).await?;
        days_done += 1;
        progress(days_done);
    }

    // Today's stock on top of what the history left, with spread-out expiries.
    let now = app.now().max(time::end_of_local_day(end_date));
    // The nightly jobs of the last night: lapsed points written off, birthday gifts.
    s.expire_points(org, now).await?;
    s.issue_birthday_gifts(org, time::local_date(now), now).await?;
    for lot in &demo.lots {
        let Some(&loc) = locations.get(&lot.location_code) else {
            continue;
        };
        let line = ReceiveLine {
            product: products[lot.product],
            lot_code: lot.lot_code.clone(),
            expires_at: lot.expiry.map(time::end_of_local_day),
            qty: lot.qty,
            unit_cost_fen: Some(demo.products[lot.product].cost_fen),
        };
        let supplier = suppliers.get(&lot.supplier_code).copied();
        let at = time::at_local(lot.received, jiff::civil::Time::constant(7, 0, 0, 0));
        s.receive(org, loc, None, supplier, &[line], "演示库存", None, at)
            .await?
            .map_err(|e| AppError::Internal(e.to_string()))?;
        report.lots += 1;
    }
    // Today's flash sale, around now, and the resident shop's open orders.
    for p in &offers.promotions {
        if let DemoWindow::AroundNow {
            minutes_before,
            minutes_after,
        } = p.window
        {
            let starts = now - minutes_before * MS_PER_MINUTE;
            create_promotion(app, &manager, p, &products, starts, now + minutes_after * MS_PER_MINUTE).await?;
        }
    }
    seed_shop(app, &manager, &demo, &cfg, &members, &products, floor, now).await?;
    seed_purchase_orders(app, org, store, &demo, &products, &suppliers, floor, now).await?;
    // Shelf labels (电子价签) on the best sellers, pushed to the label simulator.
    crate::labels::seed_demo_labels(app, org, store, &demo, &products, crate::labels::DEMO_LABELS, now).await?;
    // The weather the history had, and the week's outlook (as imported from a service).
    let weather: Vec<linli_store::WeatherDay> = demo
        .weather
        .iter()
        .map(|w| (w, "observed"))
        .chain(
            linli_demo::weather_outlook(&cfg, DEMO_WEATHER_OUTLOOK_DAYS)
                .iter()
                .map(|w| (w, "forecast"))
                .collect::<Vec<_>>(),
        )
        .map(|(w, kind)| linli_store::WeatherDay {
            day: crate::demand::day_number(w.date),
            temp_max_dc: i64::from(w.temp_max_c) * 10,
            temp_min_dc: i64::from(w.temp_min_c) * 10,
            rain_dmm: i64::from(w.rain_mm) * 10,
            condition_zh: w.condition_zh.clone(),
            kind: kind.into(),
        })
        .collect();
    s.upsert_weather(org, store, &weather, now).await?;
    // 数据中心: the nightly jobs, run once over the history just made.
    app.refresh_bought_together(org).await?;
    app.refresh_member_segments(org).await?;
    app.refresh_demand_forecast(org).await?;
    Ok(report)
}

/// Days of weather outlook the demo imports.
const DEMO_WEATHER_OUTLOOK_DAYS: u32 = 7;

/// The demo store gives away the fen of cash payments (抹分), as many stores do.
const CASH_ROUNDING: CashRounding = CashRounding::DropFen;
/// A member who asks to pay with points does so once they hold at least this many.
const REDEEM_POINTS_MIN: i64 = 500;
/// Top-ups (储值充值) at the counter: ¥500 (充500送50), or ¥1,000 for a bigger need.
const TOP_UP_FEN: i64 = 50_000;
const TOP_UP_LARGE_FEN: i64 = 100_000;
/// A top-up happens at the counter just before the purchase that needs it.
const TOP_UP_BEFORE_MS: i64 = 2 * MS_PER_MINUTE;
const MS_PER_MINUTE: i64 = 60_000;

/// The app as it was at `at`: the demo writes its past through the use cases, with
/// their clock set back.
fn app_at(app: &App, at: i64) -> App {
    App {
        clock: Arc::new(FixedClock::new(at)),
        ..app.clone()
    }
}

/// One member as the demo's till knows them while the history is written: their spend
/// in the rolling twelve months (their tier), their points as the ledger folds them
/// (sales already committed only), their stored value and the coupons they hold.
#[derive(Default)]
struct MemberBook {
    window: VecDeque<(i64, i64)>,
    spend_fen: i64,
    points: PointsBook,
    stored_value_fen: i64,
    coupons: Vec<Coupon>,
}

/// What one rung-up sale does to its member, kept until the day's batch commits.
struct Rung {
    member: usize,
    at: i64,
    total_fen: i64,
    stored_value_fen: i64,
    redeem_points: i64,
    earn_points: i64,
    earn_expires_at: i64,
}

/// The till of the demo history: prices each basket with the pricing engine (tier
/// discount, promotions, the coupons a member shows), lets members pay part with points
/// and by stored value, and settles the payments, as `App::sell` does, but from what it
/// tracks in memory instead of asking the database before every sale.
struct HistoryTill<'a> {
    demo: &'a Demo,
    store: StoreId,
    floor: LocationId,
    products: &'a [ProductId],
    /// Each demo product's category.
    categories: Vec<Option<CategoryId>>,
    settings: LoyaltySettings,
    promotions: Vec<Promotion>,
    books: Vec<MemberBook>,
    /// Orders folded into the in-memory points books (their ids there).
    orders_folded: i64,
}

impl HistoryTill<'_> {
    fn ring_up(
        &mut self,
        sale: &DemoSale,
        member_id: Option<MemberId>,
        redeemed_today: &mut BTreeMap<usize, i64>,
    ) -> Result<(NewSale, Option<Rung>), AppError> {
        let at = sale.at.as_millisecond();
        let cart: Vec<CartLine> = sale
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let p = &self.demo.products[l.product];
                CartLine {
                    line_no: u32::try_from(i).expect("baskets are small") + 1,
                    product: self.products[l.product],
                    category: self.categories[l.product],
                    qty: l.qty,
                    weighed: p.unit == DemoUnit::Kg,
                    unit_price_fen: p.price_fen,
                }
            })
            .collect();
        // The tier follows the spend of the rolling twelve months, as `rolling_spend` reads it.
        let standing = match sale.member {
            Some(m) => {
                let book = &mut self.books[m];
                let from = rolling_window_start(at);
                while let Some(&(t, fen)) = book.window.front() {
                    if t >= from {
                        break;
                    }
                    book.spend_fen -= fen;
                    book.window.pop_front();
                }
                Some((
                    m,
                    self.settings.tiers().tier_for(book.spend_fen).clone(),
                    book.spend_fen,
                ))
            }
            None => None,
        };
        let coupons: Vec<Coupon> = match sale.member {
            Some(m) if sale.presents_coupon => self.books[m]
                .coupons
                .iter()
                .filter(|c| c.starts_at_ms <= at && at < c.ends_at_ms)
                .take(pricing::COUPONS_MAX)
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        let priced = pricing::price(
            &Cart {
                lines: cart.clone(),
                member: standing.as_ref().map(|(_, tier, spend)| MemberContext {
                    tier_discount_bp: tier.discount_bp,
                    is_new_member: *spend == 0,
                }),
            },
            &self.promotions,
            &coupons,
            &StackingPolicy::default(),
            at,
        )
        .map_err(|e| AppError::Internal(format!("a demo basket could not be priced: {e}")))?;
        let tender = tender_of(sale.payment);
        // Points pay part when the member asks and holds enough: whole yuan, within the
        // redeem rule's share, from points of sales already committed.
        let mut redeem_points = 0;
        if let Some((m, ..)) = &standing
            && sale.redeems_points
        {
            let held = self.books[*m].points.available(at) - redeemed_today.get(m).copied().unwrap_or(0);
            if held >= REDEEM_POINTS_MIN {
                let most = self.settings.redeem().max_points(priced.total_fen, held);
                redeem_points = most - most % self.settings.redeem().points_per_yuan();
            }
        }
        let loyalty = match (&standing, member_id) {
            (Some((_, tier, _)), Some(id)) => {
                let worth = crate::loyalty::sale_effects(
                    &self.settings,
                    id,
                    tier.points_multiplier_bp,
                    priced.total_fen,
                    0,
                    redeem_points,
                    0,
                    at,
                )?
                .points_value_fen;
                let rest = priced.total_fen - worth;
                let stored_value = if tender == Tender::StoredValue { rest } else { 0 };
                // Money the member paid earns points; what points paid does not.
                Some(crate::loyalty::sale_effects(
                    &self.settings,
                    id,
                    tier.points_multiplier_bp,
                    priced.total_fen,
                    rest.max(0),
                    redeem_points,
                    stored_value,
                    at,
                )?)
            }
            _ => None,
        };
        let points_value = loyalty.as_ref().map_or(0, |l| l.points_value_fen);
        let mut payments = Vec::with_capacity(2);
        if redeem_points > 0 {
            payments.push(Payment {
                tender: Tender::Points { points: redeem_points },
                amount_fen: points_value,
            });
        }
        let rest = priced.total_fen - points_value;
        if rest > 0 {
            let (cash_due, _) = till::cash_due(rest, CASH_ROUNDING);
            let payment = match tender {
                Tender::Cash if cash_due > 0 => Payment {
                    tender,
                    amount_fen: cash_tendered(cash_due),
                },
                // Too little for a coin: the customer scans instead.
                Tender::Cash => Payment {
                    tender: Tender::WechatQr,
                    amount_fen: rest,
                },
                _ => Payment {
                    tender,
                    amount_fen: rest,
                },
            };
            payments.push(payment);
        }
        let settlement = till::settle(priced.total_fen, &payments, CASH_ROUNDING)
            .map_err(|e| AppError::Internal(format!("a demo sale does not settle: {e}")))?;
        let flash = crate::offers::flash_sale_units(&cart, &self.promotions, &priced);
        let discounts = receipt_discounts(&priced, &flash);
        let effects = loyalty.map(|l| l.effects);
        let new = NewSale {
            store: self.store,
            location: self.floor,
            channel: "till",
            member: member_id,
            staff: None,
            lines: cart
                .iter()
                .zip(&priced.lines)
                .map(|(c, p)| SaleLine {
                    product: c.product,
                    qty: c.qty,
                    unit_price_fen: c.unit_price_fen,
                    line_total_fen: p.total_fen,
                })
                .collect(),
            payments: settlement
                .lines
                .iter()
                .map(|p| SalePayment {
                    method: p.tender.code(),
                    amount_fen: p.amount_fen,
                    points: match p.tender {
                        Tender::Points { points } => points,
                        _ => 0,
                    },
                })
                .collect(),
            at,
            details: SaleDetails {
                subtotal_fen: priced.subtotal_fen,
                discount_fen: priced.subtotal_fen - priced.total_fen,
                rounding_fen: settlement.rounding_fen,
                change_fen: settlement.change_fen,
                points_earned: effects.map_or(0, |e| e.earn_points),
                points_redeemed: redeem_points,
                discounts,
                member_effects: effects,
                coupon_issues: priced.coupons_used.iter().map(|c| c.0).collect(),
                flash_takes: flash.iter().map(|(p, units)| (p.0, *units)).collect(),
                ..SaleDetails::default()
            },
        };
        let rung = match (standing, effects) {
            (Some((m, ..)), Some(e)) => {
                // Counted now, so the member's next basket sees it; undone if the sale is refused.
                let total_fen = priced.total_fen + settlement.rounding_fen;
                let book = &mut self.books[m];
                book.window.push_back((at, total_fen));
                book.spend_fen += total_fen;
                book.stored_value_fen -= e.stored_value_fen;
                book.coupons.retain(|c| !priced.coupons_used.contains(&c.id));
                *redeemed_today.entry(m).or_default() += e.redeem_points;
                Some(Rung {
                    member: m,
                    at,
                    total_fen,
                    stored_value_fen: e.stored_value_fen,
                    redeem_points: e.redeem_points,
                    earn_points: e.earn_points,
                    earn_expires_at: e.earn_expires_at,
                })
            }
            _ => None,
        };
        Ok((new, rung))
    }

    /// A committed sale's points, folded as its ledger did: redemption first, then the award.
    fn confirm(&mut self, r: &Rung) -> Result<(), AppError> {
        self.orders_folded += 1;
        let order = OrderId(self.orders_folded);
        let book = &mut self.books[r.member].points;
        let broken = |e: linli_domain::loyalty::PointsError| {
            AppError::Internal(format!("the demo's points book parted from the ledger: {e}"))
        };
        if r.redeem_points > 0 {
            book.apply(&PointsEntry {
                kind: PointsKind::Redeem { order },
                points: -r.redeem_points,
                at_ms: r.at,
            })
            .map_err(broken)?;
        }
        if r.earn_points > 0 {
            book.apply(&PointsEntry {
                kind: PointsKind::Earn {
                    order,
                    expires_at_ms: r.earn_expires_at,
                },
                points: r.earn_points,
                at_ms: r.at,
            })
            .map_err(broken)?;
        }
        Ok(())
    }

    /// A sale refused for stock did not happen: its spend and stored value come back.
    fn undo(&mut self, r: &Rung) {
        let book = &mut self.books[r.member];
        if let Some(i) = book
            .window
            .iter()
            .rposition(|&(t, fen)| t == r.at && fen == r.total_fen)
        {
            book.window.remove(i);
            book.spend_fen -= r.total_fen;
        }
        book.stored_value_fen += r.stored_value_fen;
    }

    /// Tops the member's card up at the counter (充500送50) until it covers the day's
    /// stored-value purchases, just before the first of them.
    async fn top_up(&mut self, app: &App, org: OrgId, member: (usize, MemberId), at: i64) -> Result<(), AppError> {
        let book = &mut self.books[member.0];
        while book.stored_value_fen < 0 {
            let paid = if -book.stored_value_fen > TOP_UP_FEN + self.settings.top_ups().bonus_for(TOP_UP_FEN) {
                TOP_UP_LARGE_FEN
            } else {
                TOP_UP_FEN
            };
            let done = app.store.top_up(org, member.1, paid, "cash", None, at).await?;
            book.stored_value_fen += done.principal_fen + done.bonus_fen;
        }
        Ok(())
    }
}

/// The tender code a demo payment is made with.
fn tender_of(payment: DemoPayment) -> Tender {
    match payment {
        DemoPayment::Cash => Tender::Cash,
        DemoPayment::WechatQr => Tender::WechatQr,
        DemoPayment::AlipayQr => Tender::AlipayQr,
        DemoPayment::StoredValue => Tender::StoredValue,
        DemoPayment::Card => Tender::Card,
    }
}

/// The discounts as the receipt explains them, with the units a flash sale took.
fn receipt_discounts(priced: &pricing::Priced, flash: &[(pricing::PromotionId, i64)]) -> Vec<SaleDiscount> {
    priced
        .discounts
        .iter()
        .map(|d| {
            let (source, source_id, qty) = match d.source {
                DiscountSource::Promotion(id) => match flash.iter().find(|(f, _)| *f == id) {
                    Some((_, units)) => ("flash_sale", Some(id.0), *units),
                    None => ("promotion", Some(id.0), 0),
                },
                DiscountSource::Coupon(id) => ("coupon", Some(id.0), 0),
                DiscountSource::MemberTier => ("member_tier", None, 0),
            };
            SaleDiscount {
                source,
                source_id,
                label_zh: d.name_zh.clone(),
                label_en: d.name_en.clone(),
                amount_fen: d.amount_fen,
                qty,
            }
        })
        .collect()
}

/// The note a customer hands over for `due_fen` in cash: the smallest of ¥10, ¥20, ¥50
/// and ¥100 that covers it, else whole ¥100 notes.
fn cash_tendered(due_fen: i64) -> i64 {
    [1_000, 2_000, 5_000, 10_000]
        .into_iter()
        .find(|&note| due_fen <= note)
        .unwrap_or_else(|| (due_fen + 9_999) / 10_000 * 10_000)
}

/// Rings up one day of the history, tops up the cards that need it, and writes the day
/// through `Store::record_sales`. A sale refused for stock is counted (the demo lets a
/// few products run out); any other refusal is a bug in the demo and stops it.
async fn write_day(
    app: &App,
    org: OrgId,
    members: &[MemberId],
    till: &mut HistoryTill<'_>,
    day: &[DemoSale],
    report: &mut SeedReport,
) -> Result<(), AppError> {
    let mut redeemed_today = BTreeMap::new();
    let mut sales = Vec::with_capacity(day.len());
    let mut rungs = Vec::with_capacity(day.len());
    let mut first_stored_value: BTreeMap<usize, i64> = BTreeMap::new();
    for sale in day {
        let (new, rung) = till.ring_up(sale, sale.member.map(|m| members[m]), &mut redeemed_today)?;
        if let Some(r) = &rung
            && r.stored_value_fen > 0
        {
            first_stored_value.entry(r.member).or_insert(r.at);
        }
        sales.push(new);
        rungs.push(rung);
    }
    for (m, first) in first_stored_value {
        till.top_up(app, org, (m, members[m]), first - TOP_UP_BEFORE_MS).await?;
    }
    let results = app.store.record_sales(org, &sales).await?;
    for (result, rung) in results.iter().zip(&rungs) {
        match result {
            Ok(_) => {
                report.sales += 1;
                if let Some(r) = rung {
                    till.confirm(r)?;
                }
            }
            Err(StoreError::Stock(_)) => {
                report.refused_sales += 1;
                if let Some(r) = rung {
                    till.undo(r);
                }
            }
            Err(e) => {
                return Err(AppError::Internal(format!(
                    "a demo sale was refused for something else than stock: {e}"
                )));
            }
        }
    }
    Ok(())
}

/// Creates a promotion through the use case, as the manager did an hour before it starts.
async fn create_promotion(
    app: &App,
    manager: &Actor,
    p: &DemoPromotion,
    products: &[ProductId],
    starts_at: i64,
    ends_at: i64,
) -> Result<Promotion, AppError> {
    let mut input = PromotionInput {
        name_zh: p.name_zh.clone(),
        starts_at,
        ends_at,
        note: Some("演示促销".into()),
        ..PromotionInput::default()
    };
    match &p.rule {
        DemoPromotionRule::SecondItemHalfPrice { product } => {
            input.kind = "second_item_half_price".into();
            input.product_id = Some(products[*product].0);
        }
        DemoPromotionRule::Bundle {
            products: items,
            price_fen,
        } => {
            input.kind = "bundle_price".into();
            input.product_ids = items.iter().map(|&i| products[i].0).collect();
            input.price_fen = Some(*price_fen);
        }
        DemoPromotionRule::BuyXGetY { product, buy, free } => {
            input.kind = "buy_x_get_y".into();
            input.product_id = Some(products[*product].0);
            input.buy = Some(*buy);
            input.free = Some(*free);
        }
        DemoPromotionRule::FlashSale {
            product,
            price_fen,
            cap_per_order,
            cap_total,
        } => {
            input.kind = "flash_sale".into();
            input.product_id = Some(products[*product].0);
            input.price_fen = Some(*price_fen);
            input.cap_per_order = Some(*cap_per_order);
            input.flash_cap = Some(*cap_total);
        }
    }
    let created = (starts_at - time::MS_PER_HOUR).min(app.now());
    Ok(app_at(app, created)
        .create_promotion(manager, input)
        .await?
        .to_pricing())
}

/// The coupons and promotions of the last days, written through the use cases at the
/// times the manager made them; the till of the history learns them too.
async fn seed_offers(
    app: &App,
    manager: &Actor,
    demo: &Demo,
    offers: &DemoOffers,
    members: &[MemberId],
    products: &[ProductId],
    categories: &HashMap<String, CategoryId>,
    till: &mut HistoryTill<'_>,
) -> Result<(), AppError> {
    let index: HashMap<MemberId, usize> = members.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    for c in &offers.coupons {
        let at = time::at_local(c.starts, jiff::civil::Time::constant(8, 0, 0, 0));
        let mut input = CouponInput {
            name_zh: c.name_zh.clone(),
            threshold_fen: Some(c.threshold_fen),
            starts_at: Some(at),
            valid_days: Some(c.valid_days),
            per_member_limit: Some(c.per_member_limit),
            total_limit: c.total_limit,
            audience: Some(
                match c.audience {
                    DemoAudience::Hand => "hand",
                    DemoAudience::NewMember => "new_member",
                }
                .into(),
            ),
            note: Some("演示优惠券".into()),
            ..CouponInput::default()
        };
        match &c.kind {
            DemoCouponKind::Fixed { amount_fen } => {
                input.kind = "fixed".into();
                input.amount_fen = Some(*amount_fen);
            }
            DemoCouponKind::Percent {
                percent_off_bp,
                max_off_fen,
            } => {
                input.kind = "percent".into();
                input.percent_off_bp = Some(*percent_off_bp);
                input.max_off_fen = Some(*max_off_fen);
            }
            DemoCouponKind::CategoryFixed { category, amount_fen } => {
                input.kind = "category_fixed".into();
                input.category_id = Some(
                    categories
                        .get(category)
                        .ok_or_else(|| AppError::Internal(format!("demo category {category} exists")))?
                        .0,
                );
                input.amount_fen = Some(*amount_fen);
            }
            DemoCouponKind::NewMember { amount_fen } => {
                input.kind = "new_member".into();
                input.amount_fen = Some(*amount_fen);
            }
        }
        let then = app_at(app, at);
        let row = then.create_coupon(manager, input).await?;
        let mut given: Vec<(MemberId, CouponId, i64)> = Vec::new();
        match c.audience {
            DemoAudience::Hand => {
                for chunk in c.members.chunks(ISSUE_MEMBERS_MAX) {
                    let ids = chunk.iter().map(|&m| members[m].0).collect();
                    let outcome = then
                        .issue_coupon(
                            manager,
                            row.id.0,
                            IssueInput {
                                member_ids: ids,
                                ..IssueInput::default()
                            },
                        )
                        .await?;
                    given.extend(outcome.issued.into_iter().map(|(m, id)| (m, id, at)));
                }
            }
            // Each resident who joined while it ran got it on joining.
            DemoAudience::NewMember => {
                for (i, r) in demo.residents.iter().enumerate() {
                    let joined = time::at_local(r.joined, jiff::civil::Time::constant(10, 0, 0, 0));
                    if joined < at {
                        continue;
                    }
                    for id in app_at(app, joined)
                        .coupons_on_event(manager.org, members[i], CouponEvent::NewMember)
                        .await?
                    {
                        given.push((members[i], id, joined));
                    }
                }
            }
        }
        for (m, id, issued_at) in given {
            let (Some(&i), Some((starts, ends))) = (index.get(&m), row.issue_window(issued_at)) else {
                continue;
            };
            till.books[i].coupons.push(Coupon {
                id,
                name_zh: row.name_zh.clone(),
                starts_at_ms: starts,
                ends_at_ms: ends,
                threshold_fen: row.threshold_fen,
                kind: row.kind.clone(),
            });
        }
    }
    for p in &offers.promotions {
        if let DemoWindow::Days { from, to } = p.window {
            let starts = time::at_local(from, jiff::civil::Time::midnight());
            let promotion = create_promotion(app, manager, p, products, starts, time::end_of_local_day(to)).await?;
            till.promotions.push(promotion);
        }
    }
    Ok(())
}

/// The resident shop today: a presale, and orders placed on residents' phones over
/// the last hours through the real order path (stock reserved, slots booked, paid
/// through the payment simulator), moved on by the manager to where they stand now.
async fn seed_shop(
    app: &App,
    manager: &Actor,
    demo: &Demo,
    cfg: &DemoConfig,
    members: &[MemberId],
    products: &[ProductId],
    floor: LocationId,
    now: i64,
) -> Result<(), AppError> {
    let shop = linli_demo::shop(demo, cfg);
    let first = now - shop.orders.first().map_or(0, |o| o.placed_minutes_ago + 60) * MS_PER_MINUTE;
    let ship_date = time::local_date(now)
        .checked_add(jiff::Span::new().days(shop.presale.ships_in_days))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let order_by = time::at_local(
        ship_date.yesterday().map_err(|e| AppError::Internal(e.to_string()))?,
        jiff::civil::Time::constant(20, 0, 0, 0),
    );
    app_at(app, first)
        .create_presale(
            manager,
            PresaleInput {
                product_id: products[shop.presale.product].0,
                ship_date: ship_date.to_string(),
                cap_total: shop.presale.cap_total,
                per_order_max: shop.presale.per_order_max,
                order_by,
            },
        )
        .await?;
    for o in &shop.orders {
        let placed = now - o.placed_minutes_ago * MS_PER_MINUTE;
        let resident = Resident {
            org: manager.org,
            member: members[o.resident],
            phone: demo.residents[o.resident].phone.clone(),
        };
        let (fulfilment, slot_start) = match o.fulfilment {
            DemoFulfilment::Pickup => ("pickup", None),
            DemoFulfilment::Presale => ("presale", None),
            // The first slot the resident could book when ordering.
            DemoFulfilment::Delivery => (
                "delivery",
                order_rules::slots_for(
                    time::zoned(placed).datetime(),
                    order_rules::SLOT_DAYS_AHEAD_MAX,
                    crate::orders::SLOT_LEAD_MINUTES,
                )
                .first()
                .map(|s| s.start_ms()),
            ),
        };
        let input = PlaceInput {
            location_id: floor.0,
            lines: o
                .lines
                .iter()
                .map(|l| LineInput {
                    product_id: products[l.product].0,
                    qty: l.qty,
                })
                .collect(),
            fulfilment: fulfilment.into(),
            slot_start,
            ..PlaceInput::default()
        };
        let order = app_at(app, placed).place_order(&resident, input).await?;
        if o.state == DemoOrderState::AwaitingPayment {
            continue;
        }
        let paying = app_at(app, placed + MS_PER_MINUTE);
        let started = paying.pay_order(&resident, order.id).await?;
        paying
            .simulate_payment(
                &PaymentCaller::Resident(resident.clone()),
                &started.intent.provider_ref,
                true,
            )
            .await?;
        let steps: &[(&str, i64)] = match (o.state, o.fulfilment) {
            (DemoOrderState::Preparing, _) => &[("prepare", 10)],
            (DemoOrderState::Ready, _) => &[("prepare", 10), ("ready", 25)],
            (DemoOrderState::OutForDelivery, _) => &[("prepare", 10), ("dispatch", 40)],
            (DemoOrderState::Completed, _) => &[("prepare", 10), ("ready", 25), ("complete", 60)],
            _ => &[],
        };
        let code = order.pickup_code.map(|c| c.to_string());
        for &(action, minutes) in steps {
            app_at(app, placed + minutes * MS_PER_MINUTE)
                .order_action(manager, order.id, action, code.as_deref())
                .await?;
        }
    }
    Ok(())
}

async fn receive_day(
    app: &App,
    org: OrgId,
    floor: LocationId,
    day: jiff::civil::Date,
    receipts: &[&linli_demo::DemoReceipt],
    products: &[ProductId],
    suppliers: &HashMap<String, SupplierId>,
) -> Result<(), AppError> {
    let at = time::at_local(day, jiff::civil::Time::constant(6, 0, 0, 0));
    // One receipt per supplier per morning, as the deliveries arrive.
    let mut by_supplier: HashMap<&str, Vec<ReceiveLine>> = HashMap::new();
    for r in receipts {
        by_supplier
            .entry(r.supplier_code.as_str())
            .or_default()
            .push(ReceiveLine {
                product: products[r.product],
                lot_code: r.lot_code.clone(),
                expires_at: r.expiry.map(time::end_of_local_day),
                qty: r.qty,
                unit_cost_fen: None,
            });
    }
    let mut codes: Vec<&&str> = by_supplier.keys().collect();
    codes.sort();
    for code in codes {
        let lines = &by_supplier[*code];
        app.store
            .receive(org, floor, None, suppliers.get(*code).copied(), lines, "", None, at)
            .await?
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(())
}

async fn seed_catalog_tree(app: &App, org: OrgId, demo: &Demo) -> Result<HashMap<String, CategoryId>, AppError> {
    let mut ids: HashMap<String, CategoryId> = HashMap::new();
    // Parents first: a category is written once its parent has an id.
    let mut pending: Vec<&linli_demo::DemoCategory> = demo.categories.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for c in pending {
            let parent = match &c.parent {
                None => None,
                Some(p) => match ids.get(p) {
                    Some(id) => Some(*id),
                    None => {
                        rest.push(c);
                        continue;
                    }
                },
            };
            let id = app
                .store
                .create_category(org, parent, &c.code, &c.name_zh, &c.name_en, c.expiry_alert_hours)
                .await?;
            ids.insert(c.code.clone(), id);
        }
        if rest.len() == before {
            return Err(AppError::Internal(
                "demo categories have a parent that does not exist".into(),
            ));
        }
        pending = rest;
    }
    Ok(ids)
}

async fn seed_people(app: &App, org: OrgId, store: StoreId, demo: &Demo) -> Result<Vec<MemberId>, AppError> {
    let mut buildings: HashMap<String, BuildingId> = HashMap::new();
    for b in &demo.buildings {
        let new = NewBuilding {
            code: &b.code,
            name_zh: &b.name_zh,
            compound_zh: &b.compound_zh,
            lat_e6: Some(e6(b.lat)),
            lon_e6: Some(e6(b.lon)),
            households: i64::from(b.households),
        };
        buildings.insert(b.code.clone(), app.store.create_building(org, store, &new).await?);
    }
    let mut members = Vec::with_capacity(demo.residents.len());
    for r in &demo.residents {
        let new = NewMember {
            phone: &r.phone,
            name: &r.name_zh,
            building: buildings.get(&r.building).copied(),
            unit_no: &r.unit.to_string(),
            room: &r.room,
            birthday: r.birthday.map(|d| d.to_string()),
            joined_at: time::at_local(r.joined, jiff::civil::Time::constant(10, 0, 0, 0)),
        };
        members.push(app.store.create_member(org, &new).await?);
    }
    Ok(members)
}

/// A few purchase orders in every state, so the purchasing pages have something to show.
async fn seed_purchase_orders(
    app: &App,
    org: OrgId,
    store: StoreId,
    demo: &Demo,
    products: &[ProductId],
    suppliers: &HashMap<String, SupplierId>,
    floor: LocationId,
    now: i64,
) -> Result<(), AppError> {
    let s = &app.store;
    let staff = s.staff_by_username("manager").await?.map(|m| m.id);
    let Some(staff) = staff else { return Ok(()) };
    for (i, sup) in demo.suppliers.iter().take(4).enumerate() {
        let Some(&sup_id) = suppliers.get(&sup.code) else {
            continue;
        };
        let lines: Vec<NewPoLine> = demo
            .products
            .iter()
            .enumerate()
            .filter(|(_, p)| sup.categories.contains(&p.category))
            .take(5)
            .map(|(idx, p)| NewPoLine {
                product: products[idx],
                qty: (p.reorder_point.max(6) * 2).min(200),
                unit_cost_fen: p.cost_fen,
            })
            .collect();
        if lines.is_empty() {
            continue;
        }
        let prefix = format!("PO{}", time::local_date(now).strftime("%Y%m%d"));
        let po = s
            .create_po(org, store, sup_id, &prefix, &lines, "演示采购单", Some(staff), now)
            .await?;
        if i == 0 {
            continue; // stays a draft
        }
        s.po_action(org, po, linli_domain::purchasing::PoAction::Send, None, staff, now)
            .await?
            .map_err(|e| AppError::Internal(e.to_string()))?;
        if i == 3 {
            // Partly received: half of the first line arrived.
            let first = &lines[0];
            let line = ReceiveLine {
                product: first.product,
                lot_code: format!("PO{}-A", po.0),
                expires_at: None,
                qty: (first.qty / 2).max(1),
                unit_cost_fen: None,
            };
            s.receive(org, floor, Some(po), None, &[line], "", Some(staff), now)
                .await?
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
    }
    Ok(())
}
