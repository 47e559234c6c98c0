//! Stock pages: balances by location and lot with expiry colours, the movement ledger,
//! expiry and low-stock alerts, and stock counts (盘点).

use super::catalog::LotView;
use super::*;
use axum::body::Bytes;
use axum::extract::Path;
use linli_domain::ids::ProductId;
use linli_domain::stock::MovementKind;
use linli_store::LocationRow;
use std::collections::HashMap;

pub fn movement_kind(lang: Lang, k: MovementKind) -> &'static str {
    match lang {
        Lang::Zh => k.name_zh(),
        Lang::En => match k {
            MovementKind::Receipt => "Receipt",
            MovementKind::Sale => "Sale",
            MovementKind::Return => "Return",
            MovementKind::TransferOut => "Transfer out",
            MovementKind::TransferIn => "Transfer in",
            MovementKind::Adjustment => "Adjustment",
            MovementKind::Waste => "Write-off",
            MovementKind::CountCorrection => "Count correction",
        },
    }
}

fn location_label(lang: Lang, l: &LocationRow) -> String {
    product_name(lang, &l.name_zh, &l.name_en)
}

pub fn location_choices(lang: Lang, locations: &[LocationRow], current: &str, none_label: Option<&str>) -> Vec<Choice> {
    let mut out: Vec<Choice> = none_label.map(|n| Choice::new("", n, current)).into_iter().collect();
    out.extend(
        locations
            .iter()
            .map(|l| Choice::new(l.id.0, location_label(lang, l), current)),
    );
    out
}

/// Names and units of the products on one page of a list whose rows carry only ids.
/// At most one page of distinct products is looked up, so the cost stays bounded.
pub async fn product_labels(
    st: &AppState,
    a: &Actor,
    lang: Lang,
    ids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, (String, String)>, AppError> {
    let mut out = HashMap::new();
    for id in ids {
        if out.contains_key(&id) {
            continue;
        }
        let label = match st.app.product(a, ProductId(id)).await {
            Ok(p) => (product_name(lang, &p.name_zh, &p.name_en), p.unit_label),
            Err(AppError::NotFound) => (format!("#{id}"), String::new()),
            Err(e) => return Err(e),
        };
        out.insert(id, label);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Balances

#[derive(Template)]
#[template(path = "stock.html")]
struct BalancesPage {
    c: Ctx,
    q: String,
    locations: Vec<Choice>,
    rows: Vec<BalanceView>,
    pager: Pager,
}

#[derive(Debug)]
struct BalanceView {
    product_id: i64,
    product: String,
    sku: String,
    lot: LotView,
}

impl BalanceView {
    fn of(lang: Lang, b: &linli_store::BalanceRow, names: &HashMap<i64, String>, now: i64) -> BalanceView {
        BalanceView {
            product_id: b.product_id.0,
            product: product_name(lang, &b.product_name, &b.product_name_en),
            sku: b.sku.clone(),
            lot: LotView::of(b, names, now),
        }
    }
}

pub async fn balances(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    let c = s.ctx("nav.stock");
    let fail = |e| app_error(&c, e);
    let f = Fields::query(&uri);
    let q = f
        .get("q")
        .chars()
        .take(linli_app::catalog::SEARCH_CHARS_MAX)
        .collect::<String>();
    let location = f.id("location_id");
    let page = f.page("page");
    let a = s.actor();
    let locations = st.app.locations(a).await.map_err(fail)?;
    let result = st
        .app
        .balances(
            a,
            location,
            None,
            Some(q.clone()).filter(|q| !q.is_empty()),
            false,
            paging(page),
        )
        .await
        .map_err(fail)?;
    let now = st.app.now();
    let names: HashMap<i64, String> = locations.iter().map(|l| (l.id.0, location_label(s.lang, l))).collect();
    let rows = result
        .items
        .iter()
        .map(|b| BalanceView::of(s.lang, b, &names, now))
        .collect();
    let current = location.map(|l| l.to_string()).unwrap_or_default();
    let pager = Pager::new(
        "/stock",
        &[("q", q.clone()), ("location_id", current.clone())],
        "page",
        page,
        result.total,
    );
    ok(&BalancesPage {
        locations: location_choices(s.lang, &locations, &current, Some(c.t("stock.all_locations"))),
        c,
        q,
        rows,
        pager,
    })
}

// ---------------------------------------------------------------------------
// Movements

#[derive(Template)]
#[template(path = "movements.html")]
struct MovementsPage {
    c: Ctx,
    filter: String,
    rows: Vec<MovementView>,
    pager: Pager,
}

#[derive(Debug)]
struct MovementView {
    at: String,
    kind: String,
    tone: &'static str,
    product_id: i64,
    product: String,
    location: String,
    lot: String,
    delta: String,
    after: String,
    reason: String,
    reference: String,
}

pub async fn movements(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    let c = s.ctx("stock.movements");
    let fail = |e| app_error(&c, e);
    let f = Fields::query(&uri);
    let product = f.id("product_id");
    let lot = f.id("lot_id");
    let page = f.page("page");
    let a = s.actor();
    let locations = st.app.locations(a).await.map_err(fail)?;
    let result = st.app.movements(a, product, lot, paging(page)).await.map_err(fail)?;
    let labels = product_labels(&st, a, s.lang, result.items.iter().map(|m| m.product_id.0))
        .await
        .map_err(fail)?;
    let names: HashMap<i64, String> = locations.iter().map(|l| (l.id.0, location_label(s.lang, l))).collect();
    let rows = result
        .items
        .iter()
        .map(|m| {
            let (name, unit) = labels.get(&m.product_id.0).cloned().unwrap_or_default();
            MovementView {
                at: datetime(m.at),
                kind: movement_kind(s.lang, m.kind).to_string(),
                tone: if m.qty_delta < 0 { "out" } else { "in" },
                product_id: m.product_id.0,
                product: name,
                location: names.get(&m.location_id.0).cloned().unwrap_or_default(),
                lot: m.lot_code.clone(),
                delta: signed_qty(m.qty_delta, &unit),
                after: qty(m.balance_after, &unit),
                reason: m.reason.clone(),
                reference: match m.ref_id {
                    Some(id) => format!("{} #{id}", m.ref_type),
                    None => m.ref_type.clone(),
                },
            }
        })
        .collect();
    let filter = match product {
        Some(p) => labels.get(&p).map(|l| l.0.clone()).unwrap_or_default(),
        None => String::new(),
    };
    let keep = [
        ("product_id", product.map(|p| p.to_string()).unwrap_or_default()),
        ("lot_id", lot.map(|p| p.to_string()).unwrap_or_default()),
    ];
    let pager = Pager::new("/stock/movements", &keep, "page", page, result.total);
    ok(&MovementsPage { c, filter, rows, pager })
}

// ---------------------------------------------------------------------------
// Alerts

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    c: Ctx,
    expiring: Vec<BalanceView>,
    epager: Pager,
    low: Vec<LowView>,
    lpager: Pager,
    can_order: bool,
}

#[derive(Debug)]
struct LowView {
    product_id: i64,
    product: String,
    sku: String,
    on_hand: String,
    reorder_point: String,
}

pub async fn alerts(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    let c = s.ctx("nav.alerts");
    let fail = |e| app_error(&c, e);
    let f = Fields::query(&uri);
    let (epage, lpage) = (f.page("epage"), f.page("lpage"));
    let a = s.actor();
    let now = st.app.now();
    let locations = st.app.locations(a).await.map_err(fail)?;
    let names: HashMap<i64, String> = locations.iter().map(|l| (l.id.0, location_label(s.lang, l))).collect();
    let expiring = st.app.expiry_alerts(a, paging(epage)).await.map_err(fail)?;
    let low = st.app.low_stock(a, paging(lpage)).await.map_err(fail)?;
    let ek = [("lpage", if lpage > 1 { lpage.to_string() } else { String::new() })];
    let lk = [("epage", if epage > 1 { epage.to_string() } else { String::new() })];
    let epager = Pager::new("/alerts", &ek, "epage", epage, expiring.total);
    let lpager = Pager::new("/alerts", &lk, "lpage", lpage, low.total);
    let expiring = expiring
        .items
        .iter()
        .map(|b| BalanceView::of(s.lang, b, &names, now))
        .collect();
    let low = low
        .items
        .iter()
        .map(|l| LowView {
            product_id: l.product_id.0,
            product: l.product_name.clone(),
            sku: l.sku.clone(),
            on_hand: qty(l.qty_on_hand, &l.unit_label),
            reorder_point: qty(l.reorder_point, &l.unit_label),
        })
        .collect();
    ok(&AlertsPage {
        c,
        expiring,
        epager,
        low,
        lpager,
        can_order: s.may(Permission::ManagePurchasing),
    })
}

// ---------------------------------------------------------------------------
// Stock counts

#[derive(Template)]
#[template(path = "counts.html")]
struct CountsPage {
    c: Ctx,
    rows: Vec<CountView>,
    pager: Pager,
    locations: Vec<Choice>,
    note: String,
    problem: Problem,
}

#[derive(Debug)]
struct CountView {
    id: i64,
    location: String,
    open: bool,
    note: String,
    created: String,
    posted: String,
}

async fn counts_page(
    st: &AppState,
    s: &Session,
    page: i64,
    location: String,
    note: String,
    problem: Problem,
    status: StatusCode,
) -> Html {
    let c = s.ctx("nav.counts");
    let fail = |e| app_error(&c, e);
    let a = s.actor();
    let locations = st.app.locations(a).await.map_err(fail)?;
    let result = st.app.stock_counts(a, paging(page)).await.map_err(fail)?;
    let names: HashMap<i64, String> = locations.iter().map(|l| (l.id.0, location_label(s.lang, l))).collect();
    let rows = result
        .items
        .iter()
        .map(|k| CountView {
            id: k.id.0,
            location: names.get(&k.location_id.0).cloned().unwrap_or_default(),
            open: k.status == "open",
            note: k.note.clone(),
            created: datetime(k.created_at),
            posted: k.posted_at.map(datetime).unwrap_or_default(),
        })
        .collect();
    let pager = Pager::new("/counts", &[], "page", page, result.total);
    let page = CountsPage {
        locations: location_choices(s.lang, &locations, &location, None),
        c,
        rows,
        pager,
        note,
        problem,
    };
    Ok(render(status, &page))
}

pub async fn counts(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    let page = Fields::query(&uri).page("page");
    counts_page(
        &st,
        &s,
        page,
        String::new(),
        String::new(),
        Problem::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn open_count(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let location = f.get("location_id").to_string();
    let note = f.get("note").to_string();
    let result = match int_of(&location, "location_id") {
        Ok(Some(l)) => st.app.open_stock_count(s.actor(), l, Vec::new(), &note).await,
        Ok(None) => Err(AppError::invalid("location_id", "choose a location", "请选择库位")),
        Err(e) => Err(e),
    };
    match result {
        Ok(k) => Ok(see_other(&format!("/counts/{}", k.id.0))),
        Err(e) if is_form_error(&e) => {
            counts_page(&st, &s, 1, location, note, Problem::of(s.lang, &e), form_status(&e)).await
        }
        Err(e) => Err(app_error(&s.ctx("nav.counts"), e)),
    }
}

#[derive(Template)]
#[template(path = "count.html")]
struct CountPage {
    c: Ctx,
    id: i64,
    location: String,
    open: bool,
    note: String,
    created: String,
    posted: String,
    lines: Vec<CountLineView>,
    lines_total: usize,
    differing: usize,
    pager: Pager,
    page: i64,
    can_post: bool,
    problem: Problem,
    notice: String,
}

#[derive(Debug)]
struct CountLineView {
    /// The input's name: `counted_<lot id>`.
    field: String,
    product_id: i64,
    product: String,
    lot: String,
    unit: String,
    expected: String,
    counted: String,
    difference: String,
    differs: bool,
}

/// Typed counts shown again after a refused save: lot id → text.
type Typed = HashMap<i64, String>;

/// What the count page shows besides the count: a refused save, or a notice.
#[derive(Debug, Default)]
struct Shown {
    typed: Typed,
    problem: Problem,
    notice: String,
}

async fn count_page(st: &AppState, s: &Session, id: i64, page: i64, shown: Shown, status: StatusCode) -> Html {
    let Shown { typed, problem, notice } = shown;
    let mut c = s.ctx("nav.counts");
    let fail = |e| app_error(&s.ctx("nav.counts"), e);
    let a = s.actor();
    let count = st.app.stock_count(a, id).await.map_err(fail)?;
    let locations = st.app.locations(a).await.map_err(fail)?;
    let offset = usize::try_from((page - 1) * PAGE_SIZE).unwrap_or(usize::MAX);
    let on_page: Vec<_> = count.lines.iter().skip(offset).take(PAGE_SIZE as usize).collect();
    let labels = product_labels(st, a, s.lang, on_page.iter().map(|l| l.product_id.0))
        .await
        .map_err(fail)?;
    let lines = on_page
        .iter()
        .map(|l| {
            let (name, unit) = labels
                .get(&l.product_id.0)
                .cloned()
                .unwrap_or_else(|| (l.product_name.clone(), String::new()));
            let diff = l.counted - l.expected;
            CountLineView {
                field: format!("counted_{}", l.lot_id.0),
                product_id: l.product_id.0,
                product: name,
                lot: l.lot_code.clone(),
                expected: qty_number(l.expected, &unit),
                counted: typed
                    .get(&l.lot_id.0)
                    .cloned()
                    .unwrap_or_else(|| qty_number(l.counted, &unit)),
                difference: signed_qty(diff, &unit),
                differs: diff != 0,
                unit,
            }
        })
        .collect();
    c.title = format!("{} #{id}", c.t("counts.count"));
    let total = i64::try_from(count.lines.len()).unwrap_or(i64::MAX);
    let location = locations
        .iter()
        .find(|l| l.id == count.location_id)
        .map(|l| location_label(s.lang, l))
        .unwrap_or_default();
    let page_view = CountPage {
        c,
        id,
        location,
        open: count.status == "open",
        note: count.note.clone(),
        created: datetime(count.created_at),
        posted: count.posted_at.map(datetime).unwrap_or_default(),
        lines,
        lines_total: count.lines.len(),
        differing: count.lines.iter().filter(|l| l.counted != l.expected).count(),
        pager: Pager::new(&format!("/counts/{id}"), &[], "page", page, total),
        page,
        can_post: s.may(Permission::AdjustStock),
        problem,
        notice,
    };
    Ok(render(status, &page_view))
}

fn path_id(s: &Session, id: &str) -> Result<i64, Fail> {
    id.parse()
        .map_err(|_| app_error(&s.ctx("nav.counts"), AppError::NotFound))
}

pub async fn count(State(st): State<AppState>, s: Session, Path(id): Path<String>, uri: Uri) -> Html {
    let id = path_id(&s, &id)?;
    let f = Fields::query(&uri);
    let notice = match f.get("done") {
        "saved" => s.lang.pick("盘点数量已保存。", "Counted quantities saved."),
        "posted" => s.lang.pick(
            "盘点已过账，差异已计入库存流水。",
            "Count posted; differences are in the stock ledger.",
        ),
        _ => "",
    };
    let shown = Shown {
        notice: notice.to_string(),
        ..Shown::default()
    };
    count_page(&st, &s, id, f.page("page"), shown, StatusCode::OK).await
}

/// Saves the counted quantities of the lines on one page (fields `counted_<lot id>`).
pub async fn save_count(State(st): State<AppState>, s: Session, Path(id): Path<String>, body: Bytes) -> Html {
    let id = path_id(&s, &id)?;
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let page = f.page("page");
    let a = s.actor();
    let count = st
        .app
        .stock_count(a, id)
        .await
        .map_err(|e| app_error(&s.ctx("nav.counts"), e))?;
    let mut typed = Typed::new();
    let mut counted = Vec::new();
    let mut problem = None;
    let lots: Vec<(i64, i64)> = count.lines.iter().map(|l| (l.lot_id.0, l.product_id.0)).collect();
    let sent: Vec<(i64, i64, String)> = lots
        .iter()
        .filter_map(|(lot, product)| {
            let key = format!("counted_{lot}");
            f.has(&key).then(|| (*lot, *product, f.get(&key).to_string()))
        })
        .collect();
    let labels = product_labels(&st, a, s.lang, sent.iter().map(|(_, p, _)| *p))
        .await
        .map_err(|e| app_error(&s.ctx("nav.counts"), e))?;
    for (lot, product, text) in sent {
        let unit = labels.get(&product).map(|l| l.1.clone()).unwrap_or_default();
        let field = format!("counted_{lot}");
        match parse_qty(&text, &unit, &field) {
            Ok(Some(q)) if q >= 0 => counted.push((lot, q)),
            Ok(Some(_)) => {
                problem.get_or_insert(AppError::invalid(
                    &field,
                    "a counted quantity cannot be negative",
                    "盘点数量不能为负数",
                ));
            }
            Ok(None) => {
                problem.get_or_insert(AppError::invalid(
                    &field,
                    "enter the counted quantity",
                    "请填写实盘数量",
                ));
            }
            Err(e) => {
                problem.get_or_insert(e);
            }
        }
        typed.insert(lot, text);
    }
    let result = match problem {
        Some(e) => Err(e),
        None => st.app.record_counts(a, id, counted).await.map(|_| ()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/counts/{id}?done=saved{}",
            if page > 1 {
                format!("&page={page}")
            } else {
                String::new()
            }
        ))),
        Err(e) if is_form_error(&e) => {
            let shown = Shown {
                typed,
                problem: Problem::of(s.lang, &e),
                notice: String::new(),
            };
            count_page(&st, &s, id, page, shown, form_status(&e)).await
        }
        Err(e) => Err(app_error(&s.ctx("nav.counts"), e)),
    }
}

pub async fn post_count(State(st): State<AppState>, s: Session, Path(id): Path<String>, body: Bytes) -> Html {
    let id = path_id(&s, &id)?;
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    match st.app.post_stock_count(s.actor(), id).await {
        Ok(_) => Ok(see_other(&format!("/counts/{id}?done=posted"))),
        Err(e) if is_form_error(&e) => {
            let shown = Shown {
                problem: Problem::of(s.lang, &e),
                ..Shown::default()
            };
            count_page(&st, &s, id, 1, shown, form_status(&e)).await
        }
        Err(e) => Err(app_error(&s.ctx("nav.counts"), e)),
    }
}
