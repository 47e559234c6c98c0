//! Receiving goods (收货) and purchase orders (采购单).
//!
//! A receiving line names its product by a scanned or typed code (barcode, GS1 string
//! with lot and expiry, SKU or a name precise enough to match one product) or, when
//! prefilled from a purchase order, by the product's id. Quantities of weighed goods
//! are typed in kg; unit costs are per piece, or per kg for weighed goods (as prices are).

use super::*;
use axum::body::Bytes;
use axum::extract::Path;
use linli_app::purchasing::{ReceiveInput, ReceiveLineInput};
use linli_domain::ids::ProductId;
use linli_domain::purchasing::{PoAction, PoStatus, transition};
use linli_store::{PoRow, ProductRow};
use std::collections::BTreeMap;

/// Blank lines a receiving or purchase-order form offers.
const FORM_LINES_BLANK: usize = 10;
/// The most lines one form may send; more are refused, not silently dropped.
const FORM_LINES_MAX: usize = 200;

pub fn po_status(lang: Lang, s: PoStatus) -> &'static str {
    match lang {
        Lang::Zh => s.name_zh(),
        Lang::En => match s {
            PoStatus::Draft => "Draft",
            PoStatus::Sent => "Sent",
            PoStatus::PartlyReceived => "Partly received",
            PoStatus::Received => "Received",
            PoStatus::Closed => "Closed",
            PoStatus::Cancelled => "Cancelled",
        },
    }
}

/// Line total: quantity × unit cost, where weighed goods count grams against a per-kg cost.
fn line_cost(qty: i64, unit_cost_fen: i64, unit: &str) -> i64 {
    if is_weight(unit) {
        Money::for_weight(Money::from_fen(unit_cost_fen), qty).fen()
    } else {
        qty.saturating_mul(unit_cost_fen)
    }
}

/// The texts of one form line, by field name (`lines[3][qty]` → line 3, "qty").
type LineTexts = BTreeMap<String, String>;

/// Reads `lines[i][field]` fields into lines by index. Too many lines is an error.
fn form_lines(f: &Fields) -> Result<BTreeMap<usize, LineTexts>, AppError> {
    let mut out: BTreeMap<usize, LineTexts> = BTreeMap::new();
    for (k, v) in f.pairs() {
        let Some(rest) = k.strip_prefix("lines[") else {
            continue;
        };
        let Some((idx, field)) = rest.split_once("][") else {
            continue;
        };
        let (Ok(idx), Some(field)) = (idx.parse::<usize>(), field.strip_suffix(']')) else {
            continue;
        };
        if idx >= FORM_LINES_MAX {
            return Err(AppError::invalid("lines", "too many lines", "行数过多"));
        }
        out.entry(idx)
            .or_default()
            .insert(field.to_string(), v.trim().to_string());
    }
    Ok(out)
}

fn text<'a>(l: &'a LineTexts, k: &str) -> &'a str {
    l.get(k).map_or("", String::as_str)
}

/// Rewrites the app's `lines[k].x` (k counts only the lines sent) to the form's line number.
fn form_problem(lang: Lang, e: &AppError, form_index: &[usize]) -> Problem {
    let mut p = Problem::of(lang, e);
    if let Some(rest) = p.field.strip_prefix("lines[")
        && let Some((k, tail)) = rest.split_once(']')
        && let Ok(k) = k.parse::<usize>()
        && let Some(i) = form_index.get(k)
    {
        p.field = format!("lines[{i}]{tail}");
    }
    // A line's error also names its line in the banner at the top.
    if let Some(rest) = p.field.strip_prefix("lines[")
        && let Some((i, _)) = rest.split_once(']')
        && let Ok(i) = i.parse::<usize>()
    {
        p.context = match lang {
            Lang::Zh => format!("第 {} 行：", i + 1),
            Lang::En => format!("Line {}: ", i + 1),
        };
    }
    p
}

/// What a typed or scanned code names.
enum Resolved {
    /// A barcode the scanner resolver knows: pass the code on (a GS1 string carries lot and expiry).
    Scanned(ProductRow),
    /// A SKU or name that matched exactly one product.
    Found(ProductRow),
}

impl Resolved {
    fn product(&self) -> &ProductRow {
        match self {
            Resolved::Scanned(p) | Resolved::Found(p) => p,
        }
    }
}

async fn resolve_code(st: &AppState, a: &Actor, code: &str, field: &str) -> Result<Resolved, AppError> {
    match st.app.scan(a, code).await {
        Ok(r) => {
            if let Some(p) = r.product {
                return Ok(Resolved::Scanned(p));
            }
        }
        Err(AppError::Invalid { .. }) => {}
        Err(e) => return Err(e),
    }
    let found = st
        .app
        .products(
            a,
            Some(code.to_string()),
            None,
            None,
            false,
            Paging { page: 1, page_size: 2 },
        )
        .await?;
    match found.items.len() {
        1 => Ok(found
            .items
            .into_iter()
            .next()
            .map(Resolved::Found)
            .ok_or(AppError::NotFound)?),
        0 => Err(AppError::invalid(
            field,
            "no product matches this code",
            "没有商品匹配此编码",
        )),
        _ => Err(AppError::invalid(
            field,
            "several products match; scan the barcode or type the SKU",
            "匹配到多个商品，请扫描条码或输入商品编码",
        )),
    }
}

// ---------------------------------------------------------------------------
// Receiving

#[derive(Template)]
#[template(path = "receive.html")]
struct ReceivePage {
    c: Ctx,
    locations: Vec<Choice>,
    pos: Vec<Choice>,
    suppliers: Vec<Choice>,
    po: Option<PoHead>,
    po_id: String,
    location_id: String,
    note: String,
    lines: Vec<LineForm>,
    problem: Problem,
}

#[derive(Debug)]
struct PoHead {
    id: i64,
    number: String,
    supplier: String,
    status: String,
}

/// One line of the receiving or purchase-order form.
#[derive(Debug, Clone, Default)]
struct LineForm {
    idx: usize,
    product_id: String,
    product: String,
    unit: String,
    code: String,
    lot: String,
    expiry: String,
    qty: String,
    cost: String,
    hint: String,
    error: String,
    error_field: String,
}

impl LineForm {
    fn of(idx: usize, l: &LineTexts) -> LineForm {
        LineForm {
            idx,
            product_id: text(l, "product_id").into(),
            product: text(l, "product").into(),
            unit: text(l, "unit").into(),
            code: text(l, "code").into(),
            lot: text(l, "lot").into(),
            expiry: text(l, "expiry").into(),
            qty: text(l, "qty").into(),
            cost: text(l, "cost").into(),
            hint: text(l, "hint").into(),
            ..LineForm::default()
        }
    }

    /// Marks the error of the app's `lines[i].field` on its line.
    fn mark(lines: &mut [LineForm], p: &Problem) {
        let Some(rest) = p.field.strip_prefix("lines[") else {
            return;
        };
        let Some((i, tail)) = rest.split_once(']') else {
            return;
        };
        let Ok(i) = i.parse::<usize>() else { return };
        if let Some(l) = lines.iter_mut().find(|l| l.idx == i) {
            l.error = p.message.clone();
            l.error_field = match tail.trim_start_matches('.') {
                "product_id" => "code",
                "lot_code" => "lot",
                "unit_cost_fen" => "cost",
                other => other,
            }
            .to_string();
        }
    }
}

fn blank_lines(from: usize, n: usize) -> impl Iterator<Item = LineForm> {
    (from..from + n).map(|idx| LineForm {
        idx,
        ..LineForm::default()
    })
}

async fn open_pos(st: &AppState, a: &Actor) -> Result<Vec<PoRow>, AppError> {
    let mut out = st.app.pos(a, Some("sent"), paging(1)).await?.items;
    out.extend(st.app.pos(a, Some("partly_received"), paging(1)).await?.items);
    Ok(out)
}

struct ReceiveState {
    po_id: Option<i64>,
    location_id: String,
    supplier_id: String,
    note: String,
    lines: Option<Vec<LineForm>>,
    problem: Problem,
}

async fn receive_page_of(st: &AppState, s: &Session, r: ReceiveState, status: StatusCode) -> Html {
    let c = s.ctx("nav.receive");
    let fail = |e| app_error(&c, e);
    let a = s.actor();
    let lang = s.lang;
    let locations = st.app.locations(a).await.map_err(fail)?;
    let suppliers = st.app.suppliers(a).await.map_err(fail)?;
    let open = open_pos(st, a).await.map_err(fail)?;
    let po = match r.po_id {
        Some(id) => Some(st.app.po(a, id).await.map_err(fail)?),
        None => None,
    };
    let lines = match (r.lines, &po) {
        (Some(lines), _) => lines,
        (None, Some(po)) => {
            let mut lines: Vec<LineForm> = po
                .lines
                .iter()
                .filter(|l| l.qty_ordered > l.qty_received)
                .enumerate()
                .map(|(idx, l)| LineForm {
                    idx,
                    product_id: l.product_id.0.to_string(),
                    product: l.product_name.clone(),
                    unit: l.unit_label.clone(),
                    qty: qty_number(l.qty_ordered - l.qty_received, &l.unit_label),
                    hint: format!(
                        "{} {} / {} {}",
                        crate::t(lang, "po.ordered"),
                        qty(l.qty_ordered, &l.unit_label),
                        crate::t(lang, "po.received"),
                        qty_number(l.qty_received, &l.unit_label)
                    ),
                    ..LineForm::default()
                })
                .collect();
            let n = lines.len();
            lines.extend(blank_lines(n, 3));
            lines
        }
        (None, None) => blank_lines(0, FORM_LINES_BLANK).collect(),
    };
    let location_id = if r.location_id.is_empty() {
        locations.first().map(|l| l.id.0.to_string()).unwrap_or_default()
    } else {
        r.location_id
    };
    let po_id = r.po_id.map(|p| p.to_string()).unwrap_or_default();
    let mut pos = vec![Choice::new("", crate::t(lang, "receive.no_po"), &po_id)];
    pos.extend(open.iter().map(|p| {
        Choice::new(
            p.id.0,
            format!("{} · {} · {}", p.number, p.supplier_name, po_status(lang, p.status)),
            &po_id,
        )
    }));
    let mut supplier_choices = vec![Choice::new("", crate::t(lang, "receive.no_supplier"), &r.supplier_id)];
    supplier_choices.extend(
        suppliers
            .iter()
            .map(|x| Choice::new(x.id.0, x.name_zh.clone(), &r.supplier_id)),
    );
    let mut page = ReceivePage {
        locations: super::stock::location_choices(lang, &locations, &location_id, None),
        c: c.clone(),
        pos,
        suppliers: supplier_choices,
        po: po.map(|p| PoHead {
            id: p.id.0,
            number: p.number,
            supplier: p.supplier_name,
            status: po_status(lang, p.status).into(),
        }),
        po_id,
        location_id,
        note: r.note,
        lines,
        problem: r.problem,
    };
    LineForm::mark(&mut page.lines, &page.problem);
    Ok(render(status, &page))
}

pub async fn receive_page(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    if !s.may(Permission::ReceiveGoods) {
        return Err(app_error(
            &s.ctx("nav.receive"),
            AppError::Forbidden {
                permission: "receive_goods",
            },
        ));
    }
    let f = Fields::query(&uri);
    let r = ReceiveState {
        po_id: f.id("po_id"),
        location_id: f.id("location_id").map(|l| l.to_string()).unwrap_or_default(),
        supplier_id: f.id("supplier_id").map(|l| l.to_string()).unwrap_or_default(),
        note: String::new(),
        lines: None,
        problem: Problem::default(),
    };
    receive_page_of(&st, &s, r, StatusCode::OK).await
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    c: Ctx,
    id: i64,
    location_id: String,
    po_status: String,
    po_id: String,
    lines: Vec<ReceiptLineView>,
}

#[derive(Debug)]
struct ReceiptLineView {
    product_id: i64,
    product: String,
    lot: String,
    qty: String,
    discrepancy: String,
}

pub async fn receive(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let a = s.actor();
    let lang = s.lang;
    let po_id = f.id("po_id");
    let location_text = f.get("location_id").to_string();
    let supplier_text = f.get("supplier_id").to_string();
    let note = f.get("note").to_string();
    let texts = form_lines(&f);
    let mut forms: Vec<LineForm> = match &texts {
        Ok(t) => t.iter().map(|(i, l)| LineForm::of(*i, l)).collect(),
        Err(_) => Vec::new(),
    };
    let mut names: Vec<(String, String)> = Vec::new();
    let mut form_index = Vec::new();
    let result: Result<_, AppError> = async {
        let texts = texts?;
        let location_id = int_of(&location_text, "location_id")?
            .ok_or_else(|| AppError::invalid("location_id", "choose where the goods go", "请选择收货库位"))?;
        let supplier_id = int_of(&supplier_text, "supplier_id")?;
        let mut lines = Vec::new();
        for (i, l) in &texts {
            let (code, product_id, qty_text) = (text(l, "code"), text(l, "product_id"), text(l, "qty"));
            if code.is_empty() && (qty_text.is_empty() || qty_text == "0") {
                continue;
            }
            let field = |x: &str| format!("lines[{i}].{x}");
            let (product, code) = if !code.is_empty() {
                match resolve_code(&st, a, code, &field("code")).await? {
                    Resolved::Scanned(p) => (p, Some(code.to_string())),
                    Resolved::Found(p) => (p, None),
                }
            } else {
                let id = int_of(product_id, &field("code"))?
                    .ok_or_else(|| AppError::invalid(&field("code"), "scan or type the product", "请扫描或输入商品"))?;
                (st.app.product(a, ProductId(id)).await?, None)
            };
            let qty = parse_qty(qty_text, &product.unit_label, &field("qty"))?
                .ok_or_else(|| AppError::invalid(&field("qty"), "enter the quantity received", "请填写收货数量"))?;
            names.push((
                product_name(lang, &product.name_zh, &product.name_en),
                product.unit_label.clone(),
            ));
            form_index.push(*i);
            lines.push(ReceiveLineInput {
                product_id: code.is_none().then_some(product.id.0),
                code,
                lot_code: Some(text(l, "lot").to_string()).filter(|v| !v.is_empty()),
                expiry: Some(text(l, "expiry").to_string()).filter(|v| !v.is_empty()),
                qty,
                unit_cost_fen: None,
            });
        }
        if lines.is_empty() {
            return Err(AppError::invalid(
                "lines",
                "nothing to receive: fill in at least one line",
                "没有要收货的商品，请至少填写一行",
            ));
        }
        let input = ReceiveInput {
            location_id,
            po_id,
            supplier_id,
            note: Some(note.clone()),
            lines,
        };
        st.app.receive(a, input).await
    }
    .await;
    match result {
        Ok(r) => {
            let lines = r
                .lines
                .iter()
                .zip(names.iter())
                .map(|(l, (name, unit))| ReceiptLineView {
                    product_id: l.product_id.0,
                    product: name.clone(),
                    lot: l.lot_code.clone(),
                    qty: qty(l.qty, unit),
                    discrepancy: match l.discrepancy.as_str() {
                        "" => String::new(),
                        d => format!(
                            "{} {}",
                            crate::t(lang, &format!("receive.{d}")),
                            qty_number(l.discrepancy_qty, unit)
                        ),
                    },
                })
                .collect();
            let page = ReceiptPage {
                c: s.ctx("receive.done"),
                id: r.id.0,
                location_id: location_text,
                po_status: r.po_status.map(|p| po_status(lang, p).to_string()).unwrap_or_default(),
                po_id: po_id.map(|p| p.to_string()).unwrap_or_default(),
                lines,
            };
            ok(&page)
        }
        Err(e) if is_form_error(&e) || matches!(e, AppError::NotFound) => {
            let problem = form_problem(lang, &e, &form_index);
            // Keep the form's lines, plus blanks to reach the usual count.
            let n = forms.last().map_or(0, |l| l.idx + 1);
            if n < FORM_LINES_BLANK {
                forms.extend(blank_lines(n, FORM_LINES_BLANK - n));
            }
            let r = ReceiveState {
                po_id,
                location_id: location_text,
                supplier_id: supplier_text,
                note,
                lines: Some(forms),
                problem,
            };
            let status = if matches!(e, AppError::NotFound) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                form_status(&e)
            };
            receive_page_of(&st, &s, r, status).await
        }
        Err(e) => Err(app_error(&s.ctx("nav.receive"), e)),
    }
}

// ---------------------------------------------------------------------------
// Purchase orders

#[derive(Template)]
#[template(path = "pos.html")]
struct PosPage {
    c: Ctx,
    statuses: Vec<Choice>,
    rows: Vec<PoView>,
    pager: Pager,
    can_create: bool,
}

#[derive(Debug)]
struct PoView {
    id: i64,
    number: String,
    supplier: String,
    status: String,
    status_code: &'static str,
    expected: String,
    created: String,
    lines: usize,
    total: String,
}

fn po_total(p: &PoRow) -> i64 {
    p.lines
        .iter()
        .map(|l| line_cost(l.qty_ordered, l.unit_cost_fen, &l.unit_label))
        .sum()
}

pub async fn list(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    let c = s.ctx("nav.purchase_orders");
    let f = Fields::query(&uri);
    let status = Some(f.get("status"))
        .filter(|v| PoStatus::from_code(v).is_some())
        .unwrap_or("")
        .to_string();
    let page = f.page("page");
    let result = st
        .app
        .pos(s.actor(), Some(status.as_str()).filter(|v| !v.is_empty()), paging(page))
        .await
        .map_err(|e| app_error(&c, e))?;
    let rows = result
        .items
        .iter()
        .map(|p| PoView {
            id: p.id.0,
            number: p.number.clone(),
            supplier: p.supplier_name.clone(),
            status: po_status(s.lang, p.status).into(),
            status_code: p.status.code(),
            expected: p.expected_at.map(datetime).unwrap_or_default(),
            created: datetime(p.created_at),
            lines: p.lines.len(),
            total: money(po_total(p)),
        })
        .collect();
    let mut statuses = vec![Choice::new("", c.t("po.all_statuses"), &status)];
    statuses.extend(
        PoStatus::ALL
            .iter()
            .map(|p| Choice::new(p.code(), po_status(s.lang, *p), &status)),
    );
    let pager = Pager::new(
        "/purchase-orders",
        &[("status", status.clone())],
        "page",
        page,
        result.total,
    );
    ok(&PosPage {
        c,
        statuses,
        rows,
        pager,
        can_create: s.may(Permission::ManagePurchasing),
    })
}

#[derive(Template)]
#[template(path = "po_new.html")]
struct NewPoPage {
    c: Ctx,
    suppliers: Vec<Choice>,
    note: String,
    lines: Vec<LineForm>,
    problem: Problem,
}

async fn new_po_page(
    st: &AppState,
    s: &Session,
    supplier: &str,
    note: String,
    lines: Vec<LineForm>,
    problem: (Problem, StatusCode),
) -> Html {
    let (problem, status) = problem;
    let c = s.ctx("po.new");
    let suppliers = st.app.suppliers(s.actor()).await.map_err(|e| app_error(&c, e))?;
    let mut choices = vec![Choice::new("", c.t("po.choose_supplier"), supplier)];
    choices.extend(
        suppliers
            .iter()
            .map(|x| Choice::new(x.id.0, format!("{} · {}", x.name_zh, x.code), supplier)),
    );
    let mut page = NewPoPage {
        c,
        suppliers: choices,
        note,
        lines,
        problem,
    };
    LineForm::mark(&mut page.lines, &page.problem);
    Ok(render(status, &page))
}

pub async fn new_page(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    if !s.may(Permission::ManagePurchasing) {
        return Err(app_error(
            &s.ctx("po.new"),
            AppError::Forbidden {
                permission: "manage_purchasing",
            },
        ));
    }
    let f = Fields::query(&uri);
    let mut lines: Vec<LineForm> = blank_lines(0, FORM_LINES_BLANK).collect();
    // "Order more" from the low-stock list names the product.
    if let Some(pid) = f.id("product_id")
        && let Ok(p) = st.app.product(s.actor(), ProductId(pid)).await
        && let Some(first) = lines.first_mut()
    {
        first.code = p.sku.clone();
        first.product = product_name(s.lang, &p.name_zh, &p.name_en);
        first.unit = p.unit_label.clone();
        first.cost = yuan_input(p.cost_fen);
    }
    new_po_page(
        &st,
        &s,
        f.get("supplier_id"),
        String::new(),
        lines,
        (Problem::default(), StatusCode::OK),
    )
    .await
}

pub async fn create(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let a = s.actor();
    let supplier_text = f.get("supplier_id").to_string();
    let note = f.get("note").to_string();
    let texts = form_lines(&f);
    let mut forms: Vec<LineForm> = match &texts {
        Ok(t) => t.iter().map(|(i, l)| LineForm::of(*i, l)).collect(),
        Err(_) => Vec::new(),
    };
    let mut form_index = Vec::new();
    let result: Result<PoRow, AppError> = async {
        let texts = texts?;
        let supplier = int_of(&supplier_text, "supplier_id")?
            .ok_or_else(|| AppError::invalid("supplier_id", "choose a supplier", "请选择供应商"))?;
        let mut lines = Vec::new();
        for (i, l) in &texts {
            let (code, qty_text) = (text(l, "code"), text(l, "qty"));
            if code.is_empty() && qty_text.is_empty() {
                continue;
            }
            let field = |x: &str| format!("lines[{i}].{x}");
            if code.is_empty() {
                return Err(AppError::invalid(
                    &field("code"),
                    "scan or type the product",
                    "请扫描或输入商品",
                ));
            }
            let resolved = resolve_code(&st, a, code, &field("code")).await?;
            let p = resolved.product();
            let qty = parse_qty(qty_text, &p.unit_label, &field("qty"))?
                .ok_or_else(|| AppError::invalid(&field("qty"), "enter the quantity to order", "请填写采购数量"))?;
            let cost = parse_yuan(text(l, "cost"), &field("unit_cost_fen"))?.unwrap_or(p.cost_fen);
            form_index.push(*i);
            lines.push((p.id.0, qty, cost));
        }
        st.app.create_po(a, supplier, lines, &note).await
    }
    .await;
    match result {
        Ok(po) => Ok(see_other(&format!("/purchase-orders/{}", po.id.0))),
        Err(e) if is_form_error(&e) || matches!(e, AppError::NotFound) => {
            let problem = form_problem(s.lang, &e, &form_index);
            let n = forms.last().map_or(0, |l| l.idx + 1);
            if n < FORM_LINES_BLANK {
                forms.extend(blank_lines(n, FORM_LINES_BLANK - n));
            }
            let status = if matches!(e, AppError::NotFound) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                form_status(&e)
            };
            new_po_page(&st, &s, &supplier_text, note, forms, (problem, status)).await
        }
        Err(e) => Err(app_error(&s.ctx("po.new"), e)),
    }
}

#[derive(Template)]
#[template(path = "po.html")]
struct PoPage {
    c: Ctx,
    po: PoView,
    note: String,
    lines: Vec<PoLineView>,
    actions: Vec<ActionButton>,
    can_receive: bool,
    problem: Problem,
}

#[derive(Debug)]
struct ActionButton {
    code: &'static str,
    label: &'static str,
    danger: bool,
}

#[derive(Debug)]
struct PoLineView {
    product_id: i64,
    product: String,
    ordered: String,
    received: String,
    open: String,
    unit_cost: String,
    total: String,
}

fn po_id_of(s: &Session, id: &str) -> Result<i64, Fail> {
    id.parse()
        .map_err(|_| app_error(&s.ctx("nav.purchase_orders"), AppError::NotFound))
}

async fn po_page(st: &AppState, s: &Session, id: i64, problem: Problem, status: StatusCode) -> Html {
    let mut c = s.ctx("nav.purchase_orders");
    let p = st.app.po(s.actor(), id).await.map_err(|e| app_error(&c, e))?;
    let lang = s.lang;
    let lines = p
        .lines
        .iter()
        .map(|l| PoLineView {
            product_id: l.product_id.0,
            product: l.product_name.clone(),
            ordered: qty(l.qty_ordered, &l.unit_label),
            received: qty_number(l.qty_received, &l.unit_label),
            open: qty_number((l.qty_ordered - l.qty_received).max(0), &l.unit_label),
            unit_cost: if is_weight(&l.unit_label) {
                format!("{}/kg", money(l.unit_cost_fen))
            } else {
                money(l.unit_cost_fen)
            },
            total: money(line_cost(l.qty_ordered, l.unit_cost_fen, &l.unit_label)),
        })
        .collect();
    let manage = s.may(Permission::ManagePurchasing);
    let actions = [
        (PoAction::Send, "send", "po.send", false),
        (PoAction::Close, "close", "po.close", true),
        (PoAction::Cancel, "cancel", "po.cancel", true),
    ]
    .into_iter()
    .filter(|(a, ..)| manage && transition(p.status, *a, p.lines.len()).is_ok())
    .map(|(_, code, key, danger)| ActionButton {
        code,
        label: crate::t(lang, key),
        danger,
    })
    .collect();
    c.title = format!("{} {}", c.t("po.title"), p.number);
    let page = PoPage {
        po: PoView {
            id: p.id.0,
            number: p.number.clone(),
            supplier: p.supplier_name.clone(),
            status: po_status(lang, p.status).into(),
            status_code: p.status.code(),
            expected: p.expected_at.map(datetime).unwrap_or_default(),
            created: datetime(p.created_at),
            lines: p.lines.len(),
            total: money(po_total(&p)),
        },
        c,
        note: p.note.clone(),
        lines,
        actions,
        can_receive: p.status.accepts_receipts() && s.may(Permission::ReceiveGoods),
        problem,
    };
    Ok(render(status, &page))
}

pub async fn detail(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Html {
    let id = po_id_of(&s, &id)?;
    po_page(&st, &s, id, Problem::default(), StatusCode::OK).await
}

pub async fn action(State(st): State<AppState>, s: Session, Path(id): Path<String>, body: Bytes) -> Html {
    let id = po_id_of(&s, &id)?;
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    match st.app.po_action(s.actor(), id, f.get("action")).await {
        Ok(_) => Ok(see_other(&format!("/purchase-orders/{id}"))),
        Err(e) if is_form_error(&e) => po_page(&st, &s, id, Problem::of(s.lang, &e), form_status(&e)).await,
        Err(e) => Err(app_error(&s.ctx("nav.purchase_orders"), e)),
    }
}
