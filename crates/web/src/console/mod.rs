//! The console (控制台): server-rendered pages for store staff, in zh-CN first and
//! English second.
//!
//! Plain HTML forms over the same use cases the JSON API calls, so every page works
//! without JavaScript; `static/app.js` only adds conveniences (scan-to-fill on the
//! receiving form). A page needs a live cookie session, else it redirects to
//! `/login?next=…`; every POST form carries the session's CSRF token in `_csrf`.
//! Bad input never becomes a 500: forms are parsed here by hand into the app's input
//! types, and an `AppError` becomes a 403/404 page or the form again with the message
//! next to its field.

mod auth;
mod catalog;
mod data;
mod demand;
mod kiosk;
mod labels;
mod offers;
mod orders;
mod people;
mod purchasing;
mod sites;
mod stock;
mod till;

use crate::extract::{SESSION_COOKIE, constant_time_eq, cookie};
use crate::{AppState, Lang};
use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use linli_app::auth::Authenticated;
use linli_app::{Actor, AppError, Paging};
use linli_domain::auth::{Permission, Role, allows};
use linli_domain::money::Money;

/// Rows per page on every list.
pub const PAGE_SIZE: i64 = 50;

/// What a console handler returns: a page, or an error page / redirect.
type Html = Result<Response, Fail>;

/// An error page or redirect that ends a handler early (boxed: a `Response` is large).
#[derive(Debug)]
pub struct Fail(Box<Response>);

impl From<Response> for Fail {
    fn from(r: Response) -> Fail {
        Fail(Box::new(r))
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// Bumped with the crate so a new release's CSS and JS are fetched despite caching.
const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");
const APP_CSS: &str = include_str!("../../static/app.css");
const APP_JS: &str = include_str!("../../static/app.js");

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/static/app.css",
            get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }),
        )
        .route(
            "/static/app.js",
            get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/lang/{lang}", get(auth::set_lang))
        .route("/password", get(auth::password_page).post(auth::change_password))
        .route("/", get(overview))
        .route("/products", get(catalog::list))
        .route("/products/new", get(catalog::new_page).post(catalog::create))
        .route("/products/{id}", get(catalog::detail).post(catalog::update))
        .route("/products/{id}/price", post(catalog::set_price))
        .route("/stock", get(stock::balances))
        .route("/stock/movements", get(stock::movements))
        .route("/alerts", get(stock::alerts))
        .route("/counts", get(stock::counts).post(stock::open_count))
        .route("/counts/{id}", get(stock::count).post(stock::save_count))
        .route("/counts/{id}/post", post(stock::post_count))
        .route("/receive", get(purchasing::receive_page).post(purchasing::receive))
        .route("/purchase-orders", get(purchasing::list))
        .route(
            "/purchase-orders/new",
            get(purchasing::new_page).post(purchasing::create),
        )
        .route("/purchase-orders/{id}", get(purchasing::detail))
        .route("/purchase-orders/{id}/action", post(purchasing::action))
        .route("/labels", get(labels::page).post(labels::bind))
        .route("/labels/sync", post(labels::sync))
        .route("/labels/{id}/simulate", post(labels::simulate))
        .route("/labels/{id}/unbind", post(labels::unbind))
        .route("/offers", get(offers::page))
        .route("/offers/coupons", post(offers::create_coupon))
        .route("/offers/coupons/{id}/end", post(offers::end_coupon))
        .route("/offers/coupons/{id}/issue", post(offers::issue_coupon))
        .route("/offers/promotions", post(offers::create_promotion))
        .route("/offers/promotions/{id}/end", post(offers::end_promotion))
        .route("/orders", get(orders::page))
        .route("/orders/{id}/action", post(orders::action))
        .route("/orders/{id}/verify", post(orders::verify))
        .route("/members", get(people::members))
        .route("/members/{id}", get(people::member))
        .route("/staff", get(people::staff).post(people::create_staff))
        .route("/staff/{id}", post(people::update_staff))
        .route("/audit", get(people::audit))
        .route("/till", get(till::page))
        .route("/till/catalog.json", get(till::catalog))
        .route("/till-sw.js", get(till::service_worker))
        .route("/static/till.js", get(till::script))
        .route("/static/till.css", get(till::style))
        .route("/kiosk", get(kiosk::page))
        .route("/static/kiosk.js", get(kiosk::script))
        .route("/static/kiosk.css", get(kiosk::style))
        .route(
            "/services",
            get(|s: Session| async move { placeholder(s, "nav.services") }),
        )
        .route(
            "/community",
            get(|s: Session| async move { placeholder(s, "nav.community") }),
        )
        .route("/data", get(data::page))
        .route("/data/jobs/{job}/run", post(data::run))
        .route("/data/forecast", get(demand::forecast_page))
        .route("/data/sites", get(sites::page).post(sites::evaluate))
        .route("/data/weather", post(demand::import_weather))
        .route("/replenishment", get(demand::replenishment_page))
        .route("/replenishment/accept", post(demand::accept_replenishment))
        .route("/markdowns", get(demand::markdowns_page))
        .route("/markdowns/accept", post(demand::accept_markdown))
        .route("/markdowns/ladder", post(demand::save_ladder))
        .route("/markdowns/{id}/end", post(demand::end_markdown))
        .route(
            "/network",
            get(|s: Session| async move { placeholder(s, "nav.network") }),
        )
        .route("/open", get(|s: Session| async move { placeholder(s, "nav.open") }))
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

// ---------------------------------------------------------------------------
// Session and page context

/// A signed-in staff member on a console page. Without a live session cookie the
/// request is redirected to the sign-in page, which sends them back afterwards.
#[derive(Debug, Clone)]
pub struct Session {
    pub auth: Authenticated,
    pub token: String,
    pub lang: Lang,
    /// The request path, to mark the current navigation item.
    pub path: String,
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Fail;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_parts(parts);
        let path = parts.uri.path().to_string();
        let back = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
        let to_login = || Fail::from(see_other(&format!("/login?next={}", encode(&back))));
        let Some(token) = cookie(parts, SESSION_COOKIE).filter(|t| !t.is_empty()) else {
            return Err(to_login());
        };
        match state.app.authenticate(&token).await {
            Ok(auth) => Ok(Session {
                auth,
                token,
                lang,
                path,
            }),
            Err(AppError::Unauthenticated) => Err(to_login()),
            Err(e) => Err(app_error(&Ctx::anonymous(lang, "error.internal"), e)),
        }
    }
}

impl Session {
    pub fn actor(&self) -> &Actor {
        &self.auth.actor
    }

    pub fn may(&self, p: Permission) -> bool {
        allows(self.auth.actor.role, p)
    }

    /// The page context; `title_key` is an i18n key.
    pub fn ctx(&self, title_key: &str) -> Ctx {
        let lang = self.lang;
        let role = self.auth.actor.role;
        Ctx {
            lang,
            title: crate::t(lang, title_key).to_string(),
            csrf: self.auth.csrf_token.clone(),
            user: Some(UserBox {
                name: self.auth.actor.display_name.clone(),
                role: role_name(lang, role).to_string(),
            }),
            nav: nav(lang, role, &self.path),
            asset_v: ASSET_VERSION,
        }
    }

    /// Checks the form's `_csrf` against the session's token.
    pub fn check_csrf(&self, f: &Fields) -> Result<(), Fail> {
        if constant_time_eq(f.raw("_csrf").as_bytes(), self.auth.csrf_token.as_bytes()) {
            Ok(())
        } else {
            let c = self.ctx("error.csrf");
            let msg = crate::t(self.lang, "error.csrf_detail").to_string();
            Err(error_page(c, StatusCode::FORBIDDEN, msg).into())
        }
    }
}

pub fn role_name(lang: Lang, role: Role) -> &'static str {
    match lang {
        Lang::Zh => role.name_zh(),
        Lang::En => match role {
            Role::Owner => "Owner",
            Role::Manager => "Manager",
            Role::Cashier => "Cashier",
            Role::Rider => "Rider",
        },
    }
}

/// What the shared layout needs.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub title: String,
    pub csrf: String,
    pub user: Option<UserBox>,
    pub nav: Vec<NavGroup>,
    pub asset_v: &'static str,
}

#[derive(Debug, Clone)]
pub struct UserBox {
    pub name: String,
    pub role: String,
}

#[derive(Debug, Clone)]
pub struct NavGroup {
    pub label: &'static str,
    pub items: Vec<NavItem>,
}

#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
    pub soon: bool,
}

impl Ctx {
    /// The context of a page shown before signing in.
    pub fn anonymous(lang: Lang, title_key: &str) -> Ctx {
        Ctx {
            lang,
            title: crate::t(lang, title_key).to_string(),
            csrf: String::new(),
            user: None,
            nav: Vec::new(),
            asset_v: ASSET_VERSION,
        }
    }

    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        crate::t(self.lang, key)
    }

    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(zh, en)
    }

    /// The link that switches to the other language.
    pub fn other_lang_href(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "/lang/en",
            Lang::En => "/lang/zh",
        }
    }

    pub fn other_lang_label(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "English",
            Lang::En => "中文",
        }
    }
}

/// The navigation, without what the role may not use.
fn nav(lang: Lang, role: Role, path: &str) -> Vec<NavGroup> {
    use Permission::*;
    let item = |href: &'static str, key: &'static str, soon: bool| {
        let active = if href == "/" {
            path == "/"
        } else {
            path == href || path.starts_with(&format!("{href}/"))
        };
        NavItem {
            href,
            label: crate::t(lang, key),
            active,
            soon,
        }
    };
    let may = |p: Permission| allows(role, p);
    let mut store = vec![item("/", "nav.home", false)];
    for (href, key, p) in [
        ("/products", "nav.products", ViewCatalog),
        ("/stock", "nav.stock", ViewCatalog),
        ("/receive", "nav.receive", ReceiveGoods),
        ("/purchase-orders", "nav.purchase_orders", ReceiveGoods),
        ("/counts", "nav.counts", CountStock),
        ("/alerts", "nav.alerts", ViewCatalog),
        ("/orders", "nav.orders", FulfilOrders),
        ("/offers", "nav.offers", ViewCatalog),
        ("/labels", "nav.labels", ViewCatalog),
        ("/replenishment", "nav.replenishment", ManagePurchasing),
        ("/markdowns", "nav.markdowns", ManageOffers),
    ] {
        if may(p) {
            store.push(item(href, key, false));
        }
    }
    let mut people = Vec::new();
    for (href, key, p) in [
        ("/members", "nav.members", ViewMembers),
        ("/staff", "nav.staff", ManageStaff),
        ("/audit", "nav.audit", ViewAudit),
    ] {
        if may(p) {
            people.push(item(href, key, false));
        }
    }
    let mut later = Vec::new();
    for (href, key, p) in [
        ("/till", "nav.till", Sell),
        ("/shop", "nav.shop", ViewCatalog),
        ("/services", "nav.services", ViewCatalog),
        ("/community", "nav.community", ViewMembers),
        ("/data", "nav.data", ViewAudit),
        ("/network", "nav.network", ViewCatalog),
        ("/open", "nav.open", ManageStaff),
    ] {
        if may(p) {
            later.push(item(href, key, !matches!(href, "/till" | "/shop" | "/data")));
        }
    }
    later.push(NavItem {
        href: "/api/docs",
        label: crate::t(lang, "nav.api_docs"),
        active: false,
        soon: false,
    });
    let mut groups = vec![NavGroup {
        label: crate::t(lang, "navgroup.store"),
        items: store,
    }];
    if !people.is_empty() {
        groups.push(NavGroup {
            label: crate::t(lang, "navgroup.people"),
            items: people,
        });
    }
    groups.push(NavGroup {
        label: crate::t(lang, "navgroup.more"),
        items: later,
    });
    groups
}

// ---------------------------------------------------------------------------
// Rendering and errors

/// Renders a template with a status; a template failure is logged and answered generically.
pub fn render(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
                (header::X_FRAME_OPTIONS, "DENY"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            html,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "console template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

pub fn ok(t: &impl Template) -> Html {
    Ok(render(StatusCode::OK, t))
}

pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Ctx,
    status: u16,
    message: String,
}

/// A status page (403, 404, …) in the console's look.
pub fn error_page(c: Ctx, status: StatusCode, message: String) -> Response {
    render(
        status,
        &ErrorPage {
            c,
            status: status.as_u16(),
            message,
        },
    )
}

/// The page an `AppError` deserves when there is no form to show it on.
pub fn app_error(c: &Ctx, e: AppError) -> Fail {
    let (status, title) = match &e {
        AppError::NotFound => (StatusCode::NOT_FOUND, "error.not_found"),
        AppError::Forbidden { .. } => (StatusCode::FORBIDDEN, "error.forbidden"),
        AppError::Invalid { .. } | AppError::Rejected { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "error.invalid"),
        AppError::Conflict { .. } => (StatusCode::CONFLICT, "error.conflict"),
        AppError::Unauthenticated => return see_other("/login").into(),
        AppError::BadCredentials => (StatusCode::UNAUTHORIZED, "error.invalid"),
        AppError::Locked { .. } => (StatusCode::TOO_MANY_REQUESTS, "error.invalid"),
        AppError::Internal(cause) => {
            tracing::error!(%cause, "internal error on a console page");
            (StatusCode::INTERNAL_SERVER_ERROR, "error.internal")
        }
    };
    let mut c = c.clone();
    c.title = c.t(title).to_string();
    let message = message_of(c.lang, &e);
    error_page(c, status, message).into()
}

pub fn message_of(lang: Lang, e: &AppError) -> String {
    match lang {
        Lang::Zh => e.message_zh(),
        Lang::En => e.message_en(),
    }
}

/// The status a form shown again with an error gets.
pub fn form_status(e: &AppError) -> StatusCode {
    match e {
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// Whether a form should be shown again with the error, or an error page shown instead.
pub fn is_form_error(e: &AppError) -> bool {
    matches!(e, AppError::Invalid { .. } | AppError::Conflict { .. })
}

/// An error to show on a form: the message, and the field it is about.
#[derive(Debug, Clone, Default)]
pub struct Problem {
    pub field: String,
    pub message: String,
    /// Where the field is, when the banner needs to say it ("第 2 行：").
    pub context: String,
}

impl Problem {
    pub fn of(lang: Lang, e: &AppError) -> Problem {
        Problem {
            field: e.field().unwrap_or("").to_string(),
            message: message_of(lang, e),
            context: String::new(),
        }
    }

    /// Whether there is an error at all.
    pub fn any(&self) -> bool {
        !self.message.is_empty()
    }

    /// Whether the error is about `field`.
    pub fn at(&self, field: &str) -> bool {
        self.any() && self.field == field
    }
}

// ---------------------------------------------------------------------------
// Forms and query strings

/// The fields of a form body or query string, in order (repeated names allowed).
#[derive(Debug, Clone, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(bytes: &[u8]) -> Fields {
        Fields(
            form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn query(uri: &Uri) -> Fields {
        Fields::parse(uri.query().unwrap_or("").as_bytes())
    }

    /// The value as sent (passwords keep their spaces).
    pub fn raw(&self, key: &str) -> &str {
        self.0.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
    }

    /// The value, trimmed; "" when absent.
    pub fn get(&self, key: &str) -> &str {
        self.raw(key).trim()
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.trim()).collect()
    }

    /// A non-empty value.
    pub fn opt(&self, key: &str) -> Option<String> {
        Some(self.get(key)).filter(|v| !v.is_empty()).map(String::from)
    }

    /// An id filter in a query string: absent, empty or malformed means no filter.
    pub fn id(&self, key: &str) -> Option<i64> {
        self.get(key).parse().ok().filter(|v| *v > 0)
    }

    /// A whole number typed into a form; `field` names it in the error.
    pub fn int(&self, key: &str, field: &str) -> Result<Option<i64>, AppError> {
        int_of(self.get(key), field)
    }

    /// The page number in a query string (1 when absent or malformed).
    pub fn page(&self, key: &str) -> i64 {
        self.get(key)
            .parse()
            .ok()
            .filter(|p| (1..=1_000_000).contains(p))
            .unwrap_or(1)
    }

    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    pub fn checked(&self, key: &str) -> bool {
        !self.get(key).is_empty()
    }
}

pub fn int_of(v: &str, field: &str) -> Result<Option<i64>, AppError> {
    if v.is_empty() {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .map_err(|_| AppError::invalid(field, "must be a whole number", "须为整数"))
}

/// A page of `PAGE_SIZE` rows.
pub fn paging(page: i64) -> Paging {
    Paging {
        page,
        page_size: PAGE_SIZE,
    }
}

/// Enough to read a list's total.
pub fn count_only() -> Paging {
    Paging { page: 1, page_size: 1 }
}

/// Percent-encodes a query value.
pub fn encode(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// `path?k=v&…` with empty values left out.
pub fn url(path: &str, params: &[(&str, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
        s.append_pair(k, v);
    }
    let q = s.finish();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

/// Previous/next links of a list.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `params` are the list's other filters, kept in the links.
    pub fn new(path: &str, params: &[(&str, String)], page_key: &str, page: i64, total: i64) -> Pager {
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let link = |p: i64| {
            let mut all: Vec<(&str, String)> = params.to_vec();
            all.push((page_key, if p == 1 { String::new() } else { p.to_string() }));
            url(path, &all)
        };
        Pager {
            page,
            pages,
            total,
            prev: (page > 1).then(|| link((page - 1).min(pages))),
            next: (page < pages).then(|| link(page + 1)),
        }
    }
}

/// An option of a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl ToString, label: impl Into<String>, current: &str) -> Choice {
        let value = value.to_string();
        let selected = value == current;
        Choice {
            value,
            label: label.into(),
            selected,
        }
    }
}

// ---------------------------------------------------------------------------
// Display formats

pub fn money(fen: i64) -> String {
    Money::from_fen(fen).to_string()
}

/// "2026-03-01 08:30" in Asia/Shanghai.
pub fn datetime(ms: i64) -> String {
    linli_domain::time::zoned(ms).strftime("%Y-%m-%d %H:%M").to_string()
}

pub fn date(ms: i64) -> String {
    linli_domain::time::local_date(ms).to_string()
}

/// The day printed on the label: a lot may be sold until the end of it, so the stored
/// instant is the first moment of the next day.
pub fn expiry_date(expires_at: i64) -> String {
    linli_domain::time::local_date(expires_at - 1).to_string()
}

pub fn is_weight(unit: &str) -> bool {
    unit == "kg"
}

/// A quantity as a number a person reads or types: pieces, or kg with 3 decimals for
/// weighed goods (stored in grams).
pub fn qty_number(q: i64, unit: &str) -> String {
    if is_weight(unit) {
        let sign = if q < 0 { "-" } else { "" };
        let a = q.unsigned_abs();
        format!("{sign}{}.{:03}", a / 1000, a % 1000)
    } else {
        q.to_string()
    }
}

/// A quantity with its unit: "12 瓶", "1.250 kg".
pub fn qty(q: i64, unit: &str) -> String {
    format!("{} {unit}", qty_number(q, unit))
}

/// A change of quantity with its sign: "+12", "-0.500".
pub fn signed_qty(q: i64, unit: &str) -> String {
    if q > 0 {
        format!("+{}", qty_number(q, unit))
    } else {
        qty_number(q, unit)
    }
}

/// Reads a quantity typed by staff: whole pieces, or kg with up to 3 decimals (→ grams).
pub fn parse_qty(v: &str, unit: &str, field: &str) -> Result<Option<i64>, AppError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if !is_weight(unit) {
        return v
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(field, "must be a whole number", "须为整数"));
    }
    let bad = || AppError::invalid(field, "must be a weight in kg like 1.25", "须为以千克计的重量，如 1.25");
    let (neg, body) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty() || int.len() > 9 || frac.len() > 3 {
        return Err(bad());
    }
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let kg: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad())?
    };
    let frac_g: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<3}").parse().map_err(|_| bad())?
    };
    let g = kg * 1000 + frac_g;
    Ok(Some(if neg { -g } else { g }))
}

/// An amount typed in yuan ("12.50") → fen.
pub fn parse_yuan(v: &str, field: &str) -> Result<Option<i64>, AppError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    Money::parse_yuan(v)
        .map(|m| Some(m.fen()))
        .map_err(|e| AppError::invalid(field, &e.to_string(), &e.message_zh()))
}

/// Fen as typed in a form: "12.50".
pub fn yuan_input(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// The product name in the page's language (the Chinese name when there is no English one).
pub fn product_name(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::En if !en.is_empty() => en.to_string(),
        _ => zh.to_string(),
    }
}

/// An expiry status: "expired", "soon" or "ok" (the rule of the API's `balance()`).
pub fn expiry_status(expires_at: Option<i64>, now: i64, alert_hours: i64) -> &'static str {
    match expires_at {
        Some(e) if e <= now => "expired",
        Some(e) if linli_domain::stock::expiry_alert(Some(e), now, alert_hours) => "soon",
        _ => "ok",
    }
}

// ---------------------------------------------------------------------------
// Overview and the modules still to come

#[derive(Template)]
#[template(path = "overview.html")]
struct Overview {
    c: Ctx,
    cards: Vec<Card>,
}

#[derive(Debug)]
struct Card {
    label: String,
    value: i64,
    href: &'static str,
    tone: &'static str,
}

async fn overview(State(st): State<AppState>, s: Session) -> Html {
    let c = s.ctx("nav.home");
    let a = s.actor();
    let fail = |e| app_error(&c, e);
    let mut cards = Vec::new();
    if s.may(Permission::ViewCatalog) {
        let products = st
            .app
            .products(a, None, None, None, false, count_only())
            .await
            .map_err(fail)?
            .total;
        let expiring = st.app.expiry_alerts(a, count_only()).await.map_err(fail)?.total;
        let low = st.app.low_stock(a, count_only()).await.map_err(fail)?.total;
        cards.push(Card {
            label: c.t("overview.products").into(),
            value: products,
            href: "/products",
            tone: "",
        });
        cards.push(Card {
            label: c.t("overview.expiry").into(),
            value: expiring,
            href: "/alerts#expiry",
            tone: if expiring > 0 { "warn" } else { "" },
        });
        cards.push(Card {
            label: c.t("overview.low_stock").into(),
            value: low,
            href: "/alerts#low",
            tone: if low > 0 { "warn" } else { "" },
        });
    }
    if s.may(Permission::ReceiveGoods) {
        let sent = st.app.pos(a, Some("sent"), count_only()).await.map_err(fail)?.total;
        let partly = st
            .app
            .pos(a, Some("partly_received"), count_only())
            .await
            .map_err(fail)?
            .total;
        let draft = st.app.pos(a, Some("draft"), count_only()).await.map_err(fail)?.total;
        cards.push(Card {
            label: c.t("overview.open_pos").into(),
            value: sent + partly + draft,
            href: "/purchase-orders",
            tone: "",
        });
    }
    ok(&Overview { c, cards })
}

#[derive(Template)]
#[template(path = "placeholder.html")]
struct Placeholder {
    c: Ctx,
}

fn placeholder(s: Session, title_key: &str) -> Response {
    render(StatusCode::OK, &Placeholder { c: s.ctx(title_key) })
}

/// A fallback for paths nothing else answers: the API's JSON 404 under `/api/`, else
/// the console's 404 page (with the navigation when signed in). For `Router::fallback`.
pub async fn not_found(State(st): State<AppState>, mut parts: Parts) -> Response {
    if parts.uri.path().starts_with("/api/") {
        return crate::ApiError::from(AppError::NotFound).into_response();
    }
    let c = match Session::from_request_parts(&mut parts, &st).await {
        Ok(s) => s.ctx("error.not_found"),
        Err(_) => Ctx::anonymous(Lang::from_parts(&parts), "error.not_found"),
    };
    let message = message_of(c.lang, &AppError::NotFound);
    error_page(c, StatusCode::NOT_FOUND, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighed_quantities_read_and_print_as_kilograms() {
        assert_eq!(qty(1250, "kg"), "1.250 kg");
        assert_eq!(qty(-5, "kg"), "-0.005 kg");
        assert_eq!(qty(12, "瓶"), "12 瓶");
        assert_eq!(parse_qty("1.25", "kg", "q").ok().flatten(), Some(1250));
        assert_eq!(parse_qty(".5", "kg", "q").ok().flatten(), Some(500));
        assert_eq!(parse_qty("2", "kg", "q").ok().flatten(), Some(2000));
        assert!(parse_qty("1.2345", "kg", "q").is_err());
        assert!(parse_qty("1.5", "瓶", "q").is_err());
        assert_eq!(parse_qty("", "瓶", "q").ok().flatten(), None);
    }

    #[test]
    fn pager_keeps_filters_and_stops_at_the_ends() {
        let p = Pager::new(
            "/products",
            &[("q", "nn".into()), ("category_id", String::new())],
            "page",
            1,
            120,
        );
        assert_eq!(p.pages, 3);
        assert_eq!(p.prev, None);
        assert_eq!(p.next.as_deref(), Some("/products?q=nn&page=2"));
        let last = Pager::new("/products", &[], "page", 3, 120);
        assert_eq!(last.prev.as_deref(), Some("/products?page=2"));
        assert_eq!(last.next, None);
    }

    #[test]
    fn expiry_prints_the_label_day() {
        let end = linli_domain::time::end_of_local_day(jiff::civil::date(2026, 1, 31));
        assert_eq!(expiry_date(end), "2026-01-31");
    }
}
