//! 线上订单 The counter's page for online orders: residents' shop orders, presales and
//! platform imports, filtered by status and fulfilment, each with the buttons its status
//! allows — prepare (备货), ready (备好待提), verify the pickup code (核销), dispatch
//! (出发配送), delivered (送达), cancel — and the pick list (拣货单) of a location.
//!
//! Staff never see a pickup code: they type the one the resident shows, and five wrong
//! codes lock the order (the use case counts them). Every button is a plain form with
//! the session's CSRF token; the answer is the list again with a notice, or with the
//! refusal explained next to the order it is about.

use super::*;
use axum::body::Bytes;
use axum::extract::Path;
use linli_domain::orders::{Fulfilment, OrderStatus};
use linli_store::{LocationKind, OnlineOrderRow};

/// Orders per page: each row shows its lines, read one order at a time.
const ORDERS_PAGE_SIZE: i64 = 20;

/// The status filters offered, in the order an order moves.
const STATUS_FILTERS: [&str; 8] = [
    "created",
    "paid",
    "preparing",
    "ready",
    "out_for_delivery",
    "completed",
    "cancelled",
    "refunded",
];

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage {
    c: Ctx,
    status: String,
    fulfilment: String,
    statuses: Vec<Choice>,
    fulfilments: Vec<Choice>,
    locations: Vec<Choice>,
    location_id: i64,
    rows: Vec<Row>,
    picks: Vec<PickLine>,
    pager: Pager,
    notice: String,
    problem: Problem,
    /// The order the problem is about.
    problem_order: i64,
    back: String,
}

#[derive(Debug)]
struct Row {
    id: i64,
    number: String,
    created: String,
    status: &'static str,
    status_label: String,
    fulfilment: String,
    where_when: String,
    member: String,
    lines: Vec<String>,
    total: String,
    payment: String,
    note: String,
    locked: bool,
    /// Buttons: (action, label, danger).
    actions: Vec<(&'static str, String, bool)>,
    /// Whether the row takes a pickup code (核销).
    verify: bool,
}

#[derive(Debug)]
struct PickLine {
    number: String,
    product: String,
    lot: String,
    expiry: String,
    qty: String,
    to: String,
}

fn status_label(c: &Ctx, code: &str) -> String {
    c.t(&format!("orders.status.{code}")).to_string()
}

fn row_of(c: &Ctx, o: &OnlineOrderRow, may_refund: bool) -> Row {
    let status = o.status.code();
    let pickup_path = matches!(o.fulfilment, Fulfilment::Pickup | Fulfilment::Presale { .. });
    let (fulfilment, where_when) = match o.fulfilment {
        Fulfilment::Delivery { .. } => (
            c.t("orders.fulfil.delivery").to_string(),
            format!(
                "{} {}–{} · {} {} {}",
                o.slot_start.map(date).unwrap_or_default(),
                o.slot_start.map(hm).unwrap_or_default(),
                o.slot_end.map(hm).unwrap_or_default(),
                o.delivery_building_name.clone().unwrap_or_default(),
                o.delivery_unit,
                o.delivery_room
            )
            .trim()
            .to_string(),
        ),
        Fulfilment::Presale { ship_date } => (
            c.t("orders.fulfil.presale").to_string(),
            format!("{} {ship_date}", c.t("orders.ships")),
        ),
        _ => match &o.external_platform {
            Some(p) => (
                c.t("orders.fulfil.platform").to_string(),
                format!("{p} {}", o.external_id.clone().unwrap_or_default()),
            ),
            None => (c.t("orders.fulfil.pickup").to_string(), String::new()),
        },
    };
    let mut actions: Vec<(&'static str, String, bool)> = Vec::new();
    let mut verify = false;
    match o.status {
        OrderStatus::Paid => actions.push(("prepare", c.t("orders.act.prepare").into(), false)),
        OrderStatus::Preparing if pickup_path => actions.push(("ready", c.t("orders.act.ready").into(), false)),
        OrderStatus::Preparing => actions.push(("dispatch", c.t("orders.act.dispatch").into(), false)),
        OrderStatus::Ready => verify = true,
        OrderStatus::OutForDelivery => actions.push(("deliver", c.t("orders.act.deliver").into(), false)),
        _ => {}
    }
    // A platform order has no code of ours: its rider collects with the platform's check.
    if verify && o.pickup_code.is_none() {
        verify = false;
        actions.push(("complete", c.t("orders.act.complete").into(), false));
    }
    let cancellable = matches!(
        o.status,
        OrderStatus::Created
            | OrderStatus::Paid
            | OrderStatus::Preparing
            | OrderStatus::Ready
            | OrderStatus::OutForDelivery
    );
    if cancellable && (o.payment_status != "paid" || may_refund) {
        actions.push(("cancel", c.t("orders.act.cancel").into(), true));
    }
    Row {
        id: o.id.0,
        number: o.number.clone(),
        created: datetime(o.created_at),
        status,
        status_label: status_label(c, status),
        fulfilment,
        where_when,
        member: o
            .member_phone
            .as_deref()
            .map(linli_domain::phone::mask_any)
            .unwrap_or_default(),
        lines: o
            .lines
            .iter()
            .map(|l| format!("{} × {}", l.product_name, qty(l.qty, &l.unit_label)))
            .collect(),
        total: money(o.total_fen),
        payment: c.t(&format!("orders.payment.{}", o.payment_status)).to_string(),
        note: o.note.clone(),
        locked: linli_domain::orders::pickup_locked(o.pickup_attempts),
        actions,
        verify,
    }
}

fn hm(ms: i64) -> String {
    linli_domain::time::zoned(ms).strftime("%H:%M").to_string()
}

/// The list's own URL with its filters, where every button comes back to.
fn list_url(status: &str, fulfilment: &str, location: i64, page: i64) -> String {
    url(
        "/orders",
        &[
            ("status", status.to_string()),
            ("fulfilment", fulfilment.to_string()),
            ("location_id", location.to_string()),
            ("page", if page > 1 { page.to_string() } else { String::new() }),
        ],
    )
}

async fn orders_page(st: &AppState, s: &Session, q: &Fields, problem: Problem, problem_order: i64) -> Html {
    let c = s.ctx("nav.orders");
    let a = s.actor();
    let fail = |e| app_error(&c, e);
    let status = Some(q.get("status"))
        .filter(|v| STATUS_FILTERS.contains(v))
        .unwrap_or("")
        .to_string();
    let fulfilment = Some(q.get("fulfilment"))
        .filter(|v| ["pickup", "delivery", "presale"].contains(v))
        .unwrap_or("")
        .to_string();
    let page = q.page("page");
    let all_locations = st.app.locations(a).await.map_err(fail)?;
    let mine: Vec<_> = all_locations
        .iter()
        .filter(|l| a.store.is_none_or(|s| s == l.store_id))
        .collect();
    let default_location = mine
        .iter()
        .find(|l| l.kind == LocationKind::SalesFloor)
        .or_else(|| mine.first())
        .map_or(0, |l| l.id.0);
    let location_id = q
        .id("location_id")
        .filter(|id| mine.iter().any(|l| l.id.0 == *id))
        .unwrap_or(default_location);
    let paging = Paging {
        page,
        page_size: ORDERS_PAGE_SIZE,
    };
    let list = st
        .app
        .online_orders(
            a,
            Some(status.as_str()).filter(|v| !v.is_empty()),
            Some(fulfilment.as_str()).filter(|v| !v.is_empty()),
            None,
            paging,
        )
        .await
        .map_err(fail)?;
    let may_refund = s.may(Permission::Refund);
    let mut rows = Vec::with_capacity(list.items.len());
    for o in &list.items {
        // Lists carry no lines; the counter needs them on every row.
        let full = st.app.online_order(a, o.id).await.map_err(fail)?;
        rows.push(row_of(&c, &full, may_refund));
    }
    let picks = if location_id > 0 {
        st.app
            .pick_list(a, location_id)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|p| PickLine {
                number: p.number,
                product: p.product_name,
                lot: p.lot_code,
                expiry: p.expires_at.map(expiry_date).unwrap_or_default(),
                qty: qty(p.qty, &p.unit_label),
                to: match p.slot_start {
                    Some(s) => format!(
                        "{} {} {} {}",
                        datetime(s),
                        p.building_name.unwrap_or_default(),
                        p.delivery_unit,
                        p.delivery_room
                    )
                    .trim()
                    .to_string(),
                    None => c.t("orders.fulfil.pickup").to_string(),
                },
            })
            .collect()
    } else {
        Vec::new()
    };
    let notice = match q.get("done") {
        "" => String::new(),
        done => {
            let key = format!("orders.done.{done}");
            let text = c.t(&key);
            if text == key {
                String::new()
            } else {
                text.replace("{n}", q.get("n"))
            }
        }
    };
    let statuses = std::iter::once(Choice::new("", c.t("orders.all"), &status))
        .chain(
            STATUS_FILTERS
                .iter()
                .map(|code| Choice::new(code, status_label(&c, code), &status)),
        )
        .collect();
    let fulfilments = [
        ("", "orders.all"),
        ("pickup", "orders.fulfil.pickup"),
        ("delivery", "orders.fulfil.delivery"),
        ("presale", "orders.fulfil.presale"),
    ]
    .into_iter()
    .map(|(v, k)| Choice::new(v, c.t(k), &fulfilment))
    .collect();
    let locations = mine
        .iter()
        .map(|l| {
            Choice::new(
                l.id.0,
                product_name(s.lang, &l.name_zh, &l.name_en),
                &location_id.to_string(),
            )
        })
        .collect();
    // The console's `Pager::new` counts pages of its own size; this list's pages are smaller.
    let pages = ((list.total + ORDERS_PAGE_SIZE - 1) / ORDERS_PAGE_SIZE).max(1);
    let pager = Pager {
        page,
        pages,
        total: list.total,
        prev: (page > 1).then(|| list_url(&status, &fulfilment, location_id, (page - 1).min(pages))),
        next: (page < pages).then(|| list_url(&status, &fulfilment, location_id, page + 1)),
    };
    let status_code = if problem.any() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let back = list_url(&status, &fulfilment, location_id, page);
    Ok(render(
        status_code,
        &OrdersPage {
            c,
            status,
            fulfilment,
            statuses,
            fulfilments,
            locations,
            location_id,
            rows,
            picks,
            pager,
            notice,
            problem,
            problem_order,
            back,
        },
    ))
}

/// `GET /orders`: online orders with their buttons, and the pick list.
pub async fn page(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    orders_page(&st, &s, &Fields::query(&uri), Problem::default(), 0).await
}

/// Where a button's answer goes back to: the list as it was (only `/orders` URLs).
fn back_of(f: &Fields) -> String {
    let back = f.get("back");
    if back == "/orders" || back.starts_with("/orders?") {
        back.to_string()
    } else {
        "/orders".to_string()
    }
}

fn with_done(back: &str, done: &str, number: &str) -> String {
    let sep = if back.contains('?') { '&' } else { '?' };
    format!("{back}{sep}done={done}&n={}", encode(number))
}

/// The list again with a refusal shown next to the order it is about.
async fn refused(st: &AppState, s: &Session, back: &str, id: i64, e: AppError) -> Html {
    if !is_form_error(&e) {
        return Err(app_error(&s.ctx("nav.orders"), e));
    }
    let q = Fields::parse(back.split_once('?').map_or("", |(_, q)| q).as_bytes());
    orders_page(st, s, &q, Problem::of(s.lang, &e), id).await
}

/// `POST /orders/{id}/action`: prepare, ready, dispatch, deliver, complete or cancel.
pub async fn action(State(st): State<AppState>, s: Session, Path(id): Path<i64>, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let back = back_of(&f);
    let act = f.get("action").to_string();
    match st
        .app
        .order_action(s.actor(), linli_domain::ids::OrderId(id), &act, None)
        .await
    {
        Ok(o) => Ok(see_other(&with_done(&back, &act, &o.number))),
        Err(e) => refused(&st, &s, &back, id, e).await,
    }
}

/// `POST /orders/{id}/verify`: 核销 — the code the resident shows hands the order over.
pub async fn verify(State(st): State<AppState>, s: Session, Path(id): Path<i64>, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let back = back_of(&f);
    let code: String = f.get("code").chars().filter(|c| !c.is_whitespace()).collect();
    match st
        .app
        .verify_pickup(s.actor(), linli_domain::ids::OrderId(id), &code)
        .await
    {
        Ok(o) => Ok(see_other(&with_done(&back, "verified", &o.number))),
        Err(e) => refused(&st, &s, &back, id, e).await,
    }
}
