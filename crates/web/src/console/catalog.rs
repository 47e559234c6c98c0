//! Products: the searchable list, the new-product form, and a product's page with its
//! barcodes, zones, lots and recent stock movements, an edit form and the separate
//! (audited) price form.

use super::*;
use axum::body::Bytes;
use axum::extract::Path;
use linli_app::catalog::ProductInput;
use linli_domain::catalog::PIECE_UNITS;
use linli_domain::ids::ProductId;
use linli_store::{CategoryRow, ProductRow, ZoneRow};
use std::collections::HashMap;

/// Barcodes a product form accepts (the app's own limit is the same).
const GTINS_MAX: usize = linli_app::catalog::PRODUCT_GTINS_MAX;

/// A stored GTIN-14 the way it is printed on the pack: EAN-8, EAN-13 or GTIN-14.
pub fn gtin_display(g: &str) -> &str {
    if g.len() == 14 && g.starts_with("000000") {
        &g[6..]
    } else if g.len() == 14 && g.starts_with('0') {
        &g[1..]
    } else {
        g
    }
}

fn category_label(lang: Lang, c: &CategoryRow) -> String {
    product_name(lang, &c.name_zh, &c.name_en)
}

/// Categories as select options: each top-level category followed by its children.
pub fn category_choices(lang: Lang, cats: &[CategoryRow], current: &str, none_label: &str) -> Vec<Choice> {
    let mut out = vec![Choice::new("", none_label, current)];
    for root in cats.iter().filter(|c| c.parent_id.is_none()) {
        out.push(Choice::new(root.id.0, category_label(lang, root), current));
        for child in cats.iter().filter(|c| c.parent_id == Some(root.id)) {
            out.push(Choice::new(
                child.id.0,
                format!("　{}", category_label(lang, child)),
                current,
            ));
        }
    }
    // Deeper levels or orphans, so nothing is unreachable.
    for c in cats {
        if !out.iter().any(|o| o.value == c.id.0.to_string()) {
            out.push(Choice::new(c.id.0, category_label(lang, c), current));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// List

#[derive(Template)]
#[template(path = "products.html")]
struct ListPage {
    c: Ctx,
    q: String,
    categories: Vec<Choice>,
    rows: Vec<ListRow>,
    pager: Pager,
    can_create: bool,
}

#[derive(Debug)]
struct ListRow {
    id: i64,
    sku: String,
    name: String,
    other_name: String,
    category: String,
    unit: String,
    price: String,
    active: bool,
}

pub async fn list(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    let c = s.ctx("nav.products");
    let f = Fields::query(&uri);
    let q = f
        .get("q")
        .chars()
        .take(linli_app::catalog::SEARCH_CHARS_MAX)
        .collect::<String>();
    let category = f.id("category_id");
    let page = f.page("page");
    let a = s.actor();
    let cats = st.app.categories(a).await.map_err(|e| app_error(&c, e))?;
    let result = st
        .app
        .products(
            a,
            Some(q.clone()).filter(|q| !q.is_empty()),
            category,
            None,
            true,
            paging(page),
        )
        .await
        .map_err(|e| app_error(&c, e))?;
    let names: HashMap<i64, String> = cats.iter().map(|k| (k.id.0, category_label(s.lang, k))).collect();
    let rows = result
        .items
        .iter()
        .map(|p| ListRow {
            id: p.id.0,
            sku: p.sku.clone(),
            name: product_name(s.lang, &p.name_zh, &p.name_en),
            other_name: match s.lang {
                Lang::Zh => p.name_en.clone(),
                Lang::En if !p.name_en.is_empty() => p.name_zh.clone(),
                Lang::En => String::new(),
            },
            category: p.category_id.and_then(|k| names.get(&k.0).cloned()).unwrap_or_default(),
            unit: p.unit_label.clone(),
            price: money(p.price_fen),
            active: p.active,
        })
        .collect();
    let current = category.map(|k| k.to_string()).unwrap_or_default();
    let pager = Pager::new(
        "/products",
        &[("q", q.clone()), ("category_id", current.clone())],
        "page",
        page,
        result.total,
    );
    ok(&ListPage {
        categories: category_choices(s.lang, &cats, &current, c.t("products.all_categories")),
        c,
        q,
        rows,
        pager,
        can_create: s.may(Permission::EditCatalog),
    })
}

// ---------------------------------------------------------------------------
// The product form, shared by "new" and "edit"

/// What the form shows: the text as typed, so a refused form comes back unchanged.
#[derive(Debug, Clone, Default)]
pub struct ProductForm {
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    pub brand: String,
    pub category_id: String,
    pub unit: String,
    pub price: String,
    pub cost: String,
    pub tax_rate: String,
    pub shelf_life_days: String,
    pub plu: String,
    pub reorder_point: String,
    pub gtins: String,
    pub zone_ids: Vec<i64>,
    pub active: bool,
}

fn percent_of_bp(bp: i64) -> String {
    if bp % 100 == 0 {
        (bp / 100).to_string()
    } else {
        format!("{}.{:02}", bp / 100, bp % 100)
    }
}

impl ProductForm {
    fn blank() -> ProductForm {
        ProductForm {
            unit: "件".into(),
            tax_rate: "13".into(),
            active: true,
            ..ProductForm::default()
        }
    }

    fn of(p: &ProductRow) -> ProductForm {
        ProductForm {
            sku: p.sku.clone(),
            name_zh: p.name_zh.clone(),
            name_en: p.name_en.clone(),
            brand: p.brand.clone(),
            category_id: p.category_id.map(|c| c.0.to_string()).unwrap_or_default(),
            unit: p.unit_label.clone(),
            price: yuan_input(p.price_fen),
            cost: yuan_input(p.cost_fen),
            tax_rate: percent_of_bp(p.tax_rate_bp),
            shelf_life_days: p.shelf_life_days.map(|d| d.to_string()).unwrap_or_default(),
            plu: p.plu.map(|d| d.to_string()).unwrap_or_default(),
            reorder_point: qty_number(p.reorder_point, &p.unit_label),
            gtins: p.gtins.iter().map(|g| gtin_display(g)).collect::<Vec<_>>().join("\n"),
            zone_ids: p.zone_ids.iter().map(|z| z.0).collect(),
            active: p.active,
        }
    }

    fn read(f: &Fields) -> ProductForm {
        ProductForm {
            sku: f.get("sku").into(),
            name_zh: f.get("name_zh").into(),
            name_en: f.get("name_en").into(),
            brand: f.get("brand").into(),
            category_id: f.get("category_id").into(),
            unit: f.get("unit").into(),
            price: f.get("price").into(),
            cost: f.get("cost").into(),
            tax_rate: f.get("tax_rate").into(),
            shelf_life_days: f.get("shelf_life_days").into(),
            plu: f.get("plu").into(),
            reorder_point: f.get("reorder_point").into(),
            gtins: f.get("gtins").into(),
            zone_ids: f.all("zone_ids").iter().filter_map(|z| z.parse().ok()).collect(),
            active: f.checked("active"),
        }
    }

    /// The app's input; `price_fen` replaces the typed price when given (the edit form has none).
    fn input(&self, price_fen: Option<i64>) -> Result<ProductInput, AppError> {
        let price_fen = match price_fen {
            Some(p) => p,
            None => parse_yuan(&self.price, "price")?
                .ok_or_else(|| AppError::invalid("price", "enter a selling price", "请填写售价"))?,
        };
        let tax_rate_bp = match self.tax_rate.trim() {
            "" => None,
            t => Some(
                linli_domain::money::Money::parse_yuan(t.trim_end_matches('%'))
                    .map_err(|_| {
                        AppError::invalid(
                            "tax_rate",
                            "tax rate must be a percentage like 13",
                            "税率须为百分比数字，如 13",
                        )
                    })?
                    .fen(),
            ),
        };
        let gtins: Vec<String> = self
            .gtins
            .split(|ch: char| ch.is_whitespace() || ch == ',' || ch == '，')
            .filter(|g| !g.is_empty())
            .map(String::from)
            .collect();
        if gtins.len() > GTINS_MAX {
            return Err(AppError::invalid(
                "gtins",
                &format!("at most {GTINS_MAX} barcodes"),
                &format!("最多 {GTINS_MAX} 个条码"),
            ));
        }
        let category_id = match self.category_id.as_str() {
            "" => None,
            v => Some(
                v.parse()
                    .map_err(|_| AppError::invalid("category_id", "unknown category", "未知分类"))?,
            ),
        };
        Ok(ProductInput {
            sku: Some(self.sku.clone()),
            name_zh: self.name_zh.clone(),
            name_en: Some(self.name_en.clone()),
            brand: Some(self.brand.clone()),
            category_id,
            unit: self.unit.clone(),
            price_fen,
            cost_fen: parse_yuan(&self.cost, "cost")?,
            tax_rate_bp,
            shelf_life_days: int_of(&self.shelf_life_days, "shelf_life_days")?,
            plu: int_of(&self.plu, "plu")?,
            reorder_point: parse_qty(&self.reorder_point, self.unit.trim(), "reorder_point")?,
            active: Some(self.active),
            gtins,
            zone_ids: self.zone_ids.clone(),
        })
    }
}

/// The form's name for a field the app names in an error.
fn form_field(api_field: &str) -> &str {
    match api_field {
        "price_fen" => "price",
        "cost_fen" => "cost",
        "tax_rate_bp" => "tax_rate",
        f if f.starts_with("gtins") => "gtins",
        f => f,
    }
}

fn problem_of(lang: Lang, e: &AppError) -> Problem {
    let mut p = Problem::of(lang, e);
    p.field = form_field(&p.field).to_string();
    p
}

#[derive(Debug)]
pub struct ZoneChoice {
    id: i64,
    label: String,
    checked: bool,
}

/// The selects and checkboxes of the product form.
#[derive(Debug)]
pub struct FormOptions {
    categories: Vec<Choice>,
    units: Vec<Choice>,
    zones: Vec<ZoneChoice>,
}

fn form_options(lang: Lang, cats: &[CategoryRow], zones: &[ZoneRow], form: &ProductForm) -> FormOptions {
    let mut units: Vec<Choice> = PIECE_UNITS.iter().map(|u| Choice::new(u, *u, &form.unit)).collect();
    units.push(Choice::new("kg", lang.pick("kg（称重）", "kg (weighed)"), &form.unit));
    FormOptions {
        categories: category_choices(lang, cats, &form.category_id, crate::t(lang, "products.no_category")),
        units,
        zones: zones
            .iter()
            .map(|z| ZoneChoice {
                id: z.id.0,
                label: product_name(lang, &z.name_zh, &z.name_en),
                checked: form.zone_ids.contains(&z.id.0),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "product_new.html")]
struct NewPage {
    c: Ctx,
    form: ProductForm,
    opts: FormOptions,
    problem: Problem,
    editing: bool,
    action: String,
}

async fn new_page_of(st: &AppState, s: &Session, form: ProductForm, problem: Problem, status: StatusCode) -> Html {
    let c = s.ctx("products.new");
    let cats = st.app.categories(s.actor()).await.map_err(|e| app_error(&c, e))?;
    let zones = st.app.zones(s.actor()).await.map_err(|e| app_error(&c, e))?;
    let opts = form_options(s.lang, &cats, &zones, &form);
    let page = NewPage {
        c,
        form,
        opts,
        problem,
        editing: false,
        action: "/products/new".into(),
    };
    Ok(render(status, &page))
}

pub async fn new_page(State(st): State<AppState>, s: Session) -> Html {
    if !s.may(Permission::EditCatalog) {
        return Err(app_error(
            &s.ctx("products.new"),
            AppError::Forbidden {
                permission: "edit_catalog",
            },
        ));
    }
    new_page_of(&st, &s, ProductForm::blank(), Problem::default(), StatusCode::OK).await
}

pub async fn create(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let form = ProductForm::read(&f);
    let result = match form.input(None) {
        Ok(input) => st.app.create_product(s.actor(), input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(see_other(&format!("/products/{}", p.id.0))),
        Err(e) if is_form_error(&e) => new_page_of(&st, &s, form, problem_of(s.lang, &e), form_status(&e)).await,
        Err(e) => Err(app_error(&s.ctx("products.new"), e)),
    }
}

// ---------------------------------------------------------------------------
// A product's page

#[derive(Template)]
#[template(path = "product.html")]
struct DetailPage {
    c: Ctx,
    p: ProductView,
    lots: Vec<LotView>,
    lots_total: i64,
    moves: Vec<MoveView>,
    can_edit: bool,
    can_price: bool,
    form: ProductForm,
    opts: FormOptions,
    problem: Problem,
    price: String,
    price_problem: Problem,
    editing: bool,
    action: String,
    notice: String,
}

#[derive(Debug)]
struct ProductView {
    id: i64,
    name: String,
    name_zh: String,
    name_en: String,
    sku: String,
    brand: String,
    category: String,
    unit: String,
    weighed: bool,
    price: String,
    cost: String,
    tax: String,
    shelf_life_days: String,
    plu: String,
    reorder_point: String,
    active: bool,
    gtins: Vec<String>,
    zones: Vec<String>,
    updated: String,
}

#[derive(Debug)]
pub struct LotView {
    pub location: String,
    pub lot: String,
    pub expiry: String,
    pub status: &'static str,
    pub received: String,
    pub qty: String,
}

impl LotView {
    /// A lot's row as every stock page shows it; `names` are the locations in the
    /// page's language.
    pub fn of(b: &linli_store::BalanceRow, names: &HashMap<i64, String>, now: i64) -> LotView {
        LotView {
            location: names
                .get(&b.location_id.0)
                .cloned()
                .unwrap_or_else(|| b.location_name.clone()),
            lot: b.lot_code.clone(),
            expiry: b.expires_at.map(expiry_date).unwrap_or_default(),
            status: expiry_status(b.expires_at, now, b.expiry_alert_hours),
            received: date(b.received_at),
            qty: qty(b.qty_on_hand, &b.unit_label),
        }
    }
}

#[derive(Debug)]
struct MoveView {
    at: String,
    kind: String,
    location: String,
    lot: String,
    delta: String,
    after: String,
    reason: String,
}

/// What the detail page shows beside the product: the forms' state.
struct DetailState {
    form: Option<ProductForm>,
    problem: Problem,
    price: Option<String>,
    price_problem: Problem,
    notice: String,
}

async fn detail_page(st: &AppState, s: &Session, id: i64, d: DetailState, status: StatusCode) -> Html {
    let c = s.ctx("nav.products");
    let fail = |e| app_error(&c, e);
    let a = s.actor();
    let p = st.app.product(a, ProductId(id)).await.map_err(fail)?;
    let cats = st.app.categories(a).await.map_err(fail)?;
    let zones = st.app.zones(a).await.map_err(fail)?;
    let locations = st.app.locations(a).await.map_err(fail)?;
    let now = st.app.now();
    let lots = st
        .app
        .balances(a, None, Some(id), None, false, paging(1))
        .await
        .map_err(fail)?;
    let moves = st
        .app
        .movements(a, Some(id), None, Paging { page: 1, page_size: 20 })
        .await
        .map_err(fail)?;
    let lang = s.lang;
    let loc_names: HashMap<i64, String> = locations
        .iter()
        .map(|l| (l.id.0, product_name(lang, &l.name_zh, &l.name_en)))
        .collect();
    let unit = p.unit_label.clone();
    let view = ProductView {
        id: p.id.0,
        name: product_name(lang, &p.name_zh, &p.name_en),
        name_zh: p.name_zh.clone(),
        name_en: p.name_en.clone(),
        sku: p.sku.clone(),
        brand: p.brand.clone(),
        category: p
            .category_id
            .and_then(|k| cats.iter().find(|x| x.id == k))
            .map(|k| category_label(lang, k))
            .unwrap_or_default(),
        unit: unit.clone(),
        weighed: is_weight(&unit),
        price: money(p.price_fen),
        cost: money(p.cost_fen),
        tax: format!("{}%", percent_of_bp(p.tax_rate_bp)),
        shelf_life_days: p.shelf_life_days.map(|d| d.to_string()).unwrap_or_default(),
        plu: p.plu.map(|d| d.to_string()).unwrap_or_default(),
        reorder_point: qty(p.reorder_point, &unit),
        active: p.active,
        gtins: p.gtins.iter().map(|g| gtin_display(g).to_string()).collect(),
        zones: zones
            .iter()
            .filter(|z| p.zone_ids.contains(&z.id))
            .map(|z| product_name(lang, &z.name_zh, &z.name_en))
            .collect(),
        updated: datetime(p.updated_at),
    };
    let lot_views = lots.items.iter().map(|b| LotView::of(b, &loc_names, now)).collect();
    let move_views = moves
        .items
        .iter()
        .map(|m| MoveView {
            at: datetime(m.at),
            kind: super::stock::movement_kind(lang, m.kind).to_string(),
            location: loc_names.get(&m.location_id.0).cloned().unwrap_or_default(),
            lot: m.lot_code.clone(),
            delta: signed_qty(m.qty_delta, &unit),
            after: qty_number(m.balance_after, &unit),
            reason: m.reason.clone(),
        })
        .collect();
    let form = d.form.unwrap_or_else(|| ProductForm::of(&p));
    let opts = form_options(lang, &cats, &zones, &form);
    let page = DetailPage {
        c: c.clone(),
        p: view,
        lots: lot_views,
        lots_total: lots.total,
        moves: move_views,
        can_edit: s.may(Permission::EditCatalog),
        can_price: s.may(Permission::ChangePrice),
        form,
        opts,
        problem: d.problem,
        price: d.price.unwrap_or_else(|| yuan_input(p.price_fen)),
        price_problem: d.price_problem,
        editing: true,
        action: format!("/products/{id}"),
        notice: d.notice,
    };
    let mut page = page;
    page.c.title = page.p.name.clone();
    Ok(render(status, &page))
}

fn path_id(s: &Session, id: &str) -> Result<i64, Fail> {
    id.parse()
        .map_err(|_| app_error(&s.ctx("nav.products"), AppError::NotFound))
}

pub async fn detail(State(st): State<AppState>, s: Session, Path(id): Path<String>, uri: Uri) -> Html {
    let id = path_id(&s, &id)?;
    let notice = match Fields::query(&uri).get("saved") {
        "1" => s.lang.pick("已保存。", "Saved.").to_string(),
        "price" => s.lang.pick("售价已更新。", "Price updated.").to_string(),
        _ => String::new(),
    };
    let d = DetailState {
        form: None,
        problem: Problem::default(),
        price: None,
        price_problem: Problem::default(),
        notice,
    };
    detail_page(&st, &s, id, d, StatusCode::OK).await
}

pub async fn update(State(st): State<AppState>, s: Session, Path(id): Path<String>, body: Bytes) -> Html {
    let id = path_id(&s, &id)?;
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let form = ProductForm::read(&f);
    let c = s.ctx("nav.products");
    // The edit form has no price: keep the stored one (price changes go through their own form).
    let current = st
        .app
        .product(s.actor(), ProductId(id))
        .await
        .map_err(|e| app_error(&c, e))?;
    let result = match form.input(Some(current.price_fen)) {
        Ok(input) => st.app.update_product(s.actor(), ProductId(id), input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/products/{id}?saved=1"))),
        Err(e) if is_form_error(&e) => {
            let d = DetailState {
                form: Some(form),
                problem: problem_of(s.lang, &e),
                price: None,
                price_problem: Problem::default(),
                notice: String::new(),
            };
            detail_page(&st, &s, id, d, form_status(&e)).await
        }
        Err(e) => Err(app_error(&c, e)),
    }
}

pub async fn set_price(State(st): State<AppState>, s: Session, Path(id): Path<String>, body: Bytes) -> Html {
    let id = path_id(&s, &id)?;
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let typed = f.get("price").to_string();
    let result = match parse_yuan(&typed, "price") {
        Ok(Some(fen)) => st.app.set_price(s.actor(), ProductId(id), fen).await,
        Ok(None) => Err(AppError::invalid("price", "enter a selling price", "请填写售价")),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/products/{id}?saved=price"))),
        Err(e) if is_form_error(&e) => {
            let mut price_problem = problem_of(s.lang, &e);
            price_problem.field = "price".into();
            let d = DetailState {
                form: None,
                problem: Problem::default(),
                price: Some(typed),
                price_problem,
                notice: String::new(),
            };
            detail_page(&st, &s, id, d, form_status(&e)).await
        }
        Err(e) => Err(app_error(&s.ctx("nav.products"), e)),
    }
}
