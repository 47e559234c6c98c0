//! 营销 Offers: the promotions and coupons of the store with their status, forms for
//! the common kinds (满减, 立减 and 折扣 coupons; 第二件半价, 组合价 and 秒杀), end
//! buttons and issuing a coupon to members by phone number.
//!
//! Amounts are typed in yuan and dates in Shanghai time; they become the app's fen and
//! instants here, and an app error about `amount_fen` is shown next to the yuan field
//! it came from.

use super::*;
use axum::body::Bytes;
use axum::extract::Path;
use linli_app::offers::{CouponInput, IssueInput, PromotionInput, phase};
use linli_domain::pricing::{CouponKind, PromotionRule};
use linli_store::{CouponRow, PromotionRow};
use std::collections::HashMap;

/// The most phone numbers one console issue form takes.
const FORM_PHONES_MAX: usize = 500;

#[derive(Template)]
#[template(path = "offers.html")]
struct OffersPage {
    c: Ctx,
    can_manage: bool,
    notice: String,
    problem: Problem,
    promotions: Vec<PromotionView>,
    promo_pager: Pager,
    coupons: Vec<CouponView>,
    coupon_pager: Pager,
    coupon_form: CouponForm,
    coupon_problem: Problem,
    coupon_kinds: Vec<Choice>,
    audiences: Vec<Choice>,
    promo_form: PromoForm,
    promo_problem: Problem,
    promo_kinds: Vec<Choice>,
    /// The coupon whose issue form shows `issue_problem`, and the phones typed there.
    issue_id: i64,
    issue_phones: String,
    issue_problem: Problem,
}

#[derive(Debug)]
struct PromotionView {
    id: i64,
    name: String,
    kind: String,
    rule: String,
    window: String,
    status: String,
    badge: &'static str,
    flash: String,
    can_end: bool,
}

#[derive(Debug)]
struct CouponView {
    id: i64,
    name: String,
    kind: String,
    value: String,
    validity: String,
    audience: String,
    issued: i64,
    used: i64,
    total_limit: i64,
    per_member_limit: i64,
    status: String,
    badge: &'static str,
    can_end: bool,
    can_issue: bool,
}

#[derive(Debug, Clone)]
struct CouponForm {
    name_zh: String,
    kind: String,
    amount: String,
    threshold: String,
    percent_off: String,
    max_off: String,
    ends_on: String,
    valid_days: String,
    per_member_limit: String,
    total_limit: String,
    audience: String,
}

#[derive(Debug, Clone)]
struct PromoForm {
    name_zh: String,
    kind: String,
    sku: String,
    price: String,
    cap_per_order: String,
    flash_cap: String,
    starts: String,
    ends: String,
}

fn datetime_input(ms: i64) -> String {
    linli_domain::time::zoned(ms).strftime("%Y-%m-%dT%H:%M").to_string()
}

impl CouponForm {
    fn new(now: i64) -> CouponForm {
        CouponForm {
            name_zh: String::new(),
            kind: "threshold".into(),
            amount: String::new(),
            threshold: String::new(),
            percent_off: String::new(),
            max_off: String::new(),
            ends_on: linli_domain::time::local_date(now + 30 * linli_domain::time::MS_PER_DAY).to_string(),
            valid_days: String::new(),
            per_member_limit: "1".into(),
            total_limit: "100".into(),
            audience: "hand".into(),
        }
    }

    fn of(f: &Fields) -> CouponForm {
        CouponForm {
            name_zh: f.get("name_zh").into(),
            kind: f.get("kind").into(),
            amount: f.get("amount").into(),
            threshold: f.get("threshold").into(),
            percent_off: f.get("percent_off").into(),
            max_off: f.get("max_off").into(),
            ends_on: f.get("ends_on").into(),
            valid_days: f.get("valid_days").into(),
            per_member_limit: f.get("per_member_limit").into(),
            total_limit: f.get("total_limit").into(),
            audience: f.get("audience").into(),
        }
    }

    /// The app's input; `kind` threshold is a fixed coupon whose threshold is required.
    fn input(&self) -> Result<CouponInput, AppError> {
        let kind = match self.kind.as_str() {
            "threshold" => {
                if self.threshold.is_empty() {
                    return Err(AppError::invalid(
                        "threshold_fen",
                        "give the amount the order must reach",
                        "请填写满多少元可用",
                    ));
                }
                "fixed"
            }
            other => other,
        };
        let percent_off_bp = match int_of(&self.percent_off, "percent_off_bp")? {
            Some(p) if (1..=99).contains(&p) => Some(p * 100),
            Some(_) => {
                return Err(AppError::invalid(
                    "percent_off_bp",
                    "the percentage off must be between 1 and 99",
                    "减免比例须在 1 到 99 之间",
                ));
            }
            None => None,
        };
        let ends_at = match self.ends_on.as_str() {
            "" => None,
            v => Some(
                v.parse::<jiff::civil::Date>()
                    .map(linli_domain::time::end_of_local_day)
                    .map_err(|_| {
                        AppError::invalid(
                            "ends_at",
                            "the date must look like 2026-03-31",
                            "日期格式须为 2026-03-31",
                        )
                    })?,
            ),
        };
        Ok(CouponInput {
            name_zh: self.name_zh.clone(),
            kind: kind.into(),
            amount_fen: parse_yuan(&self.amount, "amount_fen")?,
            percent_off_bp,
            max_off_fen: parse_yuan(&self.max_off, "max_off_fen")?,
            category_id: None,
            product_id: None,
            threshold_fen: if kind == "fixed" {
                parse_yuan(&self.threshold, "threshold_fen")?
            } else {
                None
            },
            starts_at: None,
            ends_at,
            valid_days: int_of(&self.valid_days, "valid_days")?,
            per_member_limit: int_of(&self.per_member_limit, "per_member_limit")?,
            total_limit: int_of(&self.total_limit, "total_limit")?
                .ok_or_else(|| AppError::invalid("total_limit", "give how many uses in all", "请填写总共可用张数"))?,
            issue_limit: None,
            audience: Some(self.audience.clone()),
            note: None,
        })
    }
}

impl PromoForm {
    fn new(now: i64) -> PromoForm {
        PromoForm {
            name_zh: String::new(),
            kind: "second_item_half_price".into(),
            sku: String::new(),
            price: String::new(),
            cap_per_order: "1".into(),
            flash_cap: String::new(),
            starts: datetime_input(now),
            ends: datetime_input(now + 7 * linli_domain::time::MS_PER_DAY),
        }
    }

    fn of(f: &Fields) -> PromoForm {
        PromoForm {
            name_zh: f.get("name_zh").into(),
            kind: f.get("kind").into(),
            sku: f.get("sku").into(),
            price: f.get("price").into(),
            cap_per_order: f.get("cap_per_order").into(),
            flash_cap: f.get("flash_cap").into(),
            starts: f.get("starts").into(),
            ends: f.get("ends").into(),
        }
    }
}

/// "2026-03-02T10:00" (a datetime-local input) in Shanghai → unix ms.
fn parse_local(v: &str, field: &str) -> Result<i64, AppError> {
    let bad = || {
        AppError::invalid(
            field,
            "the time must look like 2026-03-02 10:00",
            "时间格式须为 2026-03-02 10:00",
        )
    };
    let dt: jiff::civil::DateTime = v.trim().replace(' ', "T").parse().map_err(|_| bad())?;
    if !(2000..=2099).contains(&dt.year()) {
        return Err(bad());
    }
    Ok(linli_domain::time::at_local(dt.date(), dt.time()))
}

/// Shows an app error about `from` next to the form field `to`.
fn remap(mut p: Problem, pairs: &[(&str, &str)]) -> Problem {
    for (from, to) in pairs {
        if p.field == *from || p.field.starts_with(&format!("{from}[")) {
            p.field = (*to).to_string();
            break;
        }
    }
    p
}

const COUPON_FIELDS: [(&str, &str); 6] = [
    ("amount_fen", "amount"),
    ("threshold_fen", "threshold"),
    ("percent_off_bp", "percent_off"),
    ("max_off_fen", "max_off"),
    ("ends_at", "ends_on"),
    ("starts_at", "ends_on"),
];

const PROMO_FIELDS: [(&str, &str); 6] = [
    ("product_ids", "sku"),
    ("product_id", "sku"),
    ("price_fen", "price"),
    ("starts_at", "starts"),
    ("ends_at", "ends"),
    ("flash_cap", "flash_cap"),
];

/// A Chinese discount rate from the share paid: 8000 → "8折", 8500 → "8.5折".
fn zhe(percent_off_bp: u32) -> String {
    let pay = 10_000 - percent_off_bp.min(10_000);
    if pay.is_multiple_of(1_000) {
        format!("{}折", pay / 1_000)
    } else if pay.is_multiple_of(100) {
        format!("{}.{}折", pay / 1_000, (pay % 1_000) / 100)
    } else {
        format!("减{}.{:02}%", percent_off_bp / 100, percent_off_bp % 100)
    }
}

fn coupon_value(
    lang: Lang,
    k: &CouponKind,
    threshold_fen: i64,
    category: &dyn Fn(i64) -> String,
    product: &dyn Fn(i64) -> String,
) -> String {
    if lang == Lang::En {
        let base = k.name_en(threshold_fen);
        return match k {
            CouponKind::CategoryFixed { category: c, .. } | CouponKind::CategoryPercent { category: c, .. } => {
                format!("{base} ({})", category(c.0))
            }
            CouponKind::FreeItem { product: p } => format!("{base}: {}", product(p.0)),
            _ => base,
        };
    }
    let cap = |m: &Option<i64>| m.map(|m| format!("，最多减{}", money(m))).unwrap_or_default();
    let what = match k {
        CouponKind::Fixed { amount_fen } | CouponKind::NewMember { amount_fen } if threshold_fen > 0 => {
            format!("满{}减{}", money(threshold_fen), money(*amount_fen))
        }
        CouponKind::Fixed { amount_fen } | CouponKind::NewMember { amount_fen } => {
            format!("立减{}", money(*amount_fen))
        }
        CouponKind::Percent {
            percent_off_bp,
            max_off_fen,
        } => format!("{}{}", zhe(*percent_off_bp), cap(max_off_fen)),
        CouponKind::CategoryFixed {
            category: c,
            amount_fen,
        } => format!("{}立减{}", category(c.0), money(*amount_fen)),
        CouponKind::CategoryPercent {
            category: c,
            percent_off_bp,
            max_off_fen,
        } => format!("{}{}{}", category(c.0), zhe(*percent_off_bp), cap(max_off_fen)),
        CouponKind::FreeItem { product: p } => format!("免费得{}一件", product(p.0)),
    };
    match k {
        CouponKind::Fixed { .. } | CouponKind::NewMember { .. } => what,
        _ if threshold_fen > 0 => format!("满{}可用，{what}", money(threshold_fen)),
        _ => what,
    }
}

fn coupon_kind_label(c: &Ctx, k: &CouponKind, threshold_fen: i64) -> String {
    let key = match k {
        CouponKind::Fixed { .. } if threshold_fen > 0 => "offers.kind.threshold",
        CouponKind::Fixed { .. } => "offers.kind.fixed",
        CouponKind::Percent { .. } => "offers.kind.percent",
        CouponKind::CategoryFixed { .. } | CouponKind::CategoryPercent { .. } => "offers.kind.category",
        CouponKind::NewMember { .. } => "offers.kind.new_member",
        CouponKind::FreeItem { .. } => "offers.kind.free_item",
    };
    c.t(key).to_string()
}

fn promotion_kind_label(c: &Ctx, rule: &PromotionRule) -> String {
    let key = match rule {
        PromotionRule::SecondItemHalfPrice { .. } => "offers.kind.second_half",
        PromotionRule::BundlePrice { .. } => "offers.kind.bundle",
        PromotionRule::BuyXGetY { .. } => "offers.kind.buy_get",
        PromotionRule::FlashSale { .. } => "offers.kind.flash",
        PromotionRule::CategoryPercent { .. } => "offers.kind.category_percent",
    };
    c.t(key).to_string()
}

fn promotion_rule_text(
    lang: Lang,
    rule: &PromotionRule,
    product: &dyn Fn(i64) -> String,
    category: &dyn Fn(i64) -> String,
) -> String {
    match (lang, rule) {
        (Lang::Zh, PromotionRule::SecondItemHalfPrice { product: p }) => format!("{}第二件半价", product(p.0)),
        (
            Lang::Zh,
            PromotionRule::BundlePrice {
                products,
                bundle_price_fen,
            },
        ) => format!(
            "{} 组合价 {}",
            products.iter().map(|p| product(p.0)).collect::<Vec<_>>().join(" + "),
            money(*bundle_price_fen)
        ),
        (Lang::Zh, PromotionRule::BuyXGetY { product: p, buy, free }) => format!("{} 买{buy}赠{free}", product(p.0)),
        (
            Lang::Zh,
            PromotionRule::FlashSale {
                product: p,
                price_fen,
                cap_per_order,
            },
        ) => format!(
            "{} 秒杀价 {}，每单限 {cap_per_order} 件",
            product(p.0),
            money(*price_fen)
        ),
        (
            Lang::Zh,
            PromotionRule::CategoryPercent {
                category: c,
                percent_off_bp,
            },
        ) => format!("{} {}", category(c.0), zhe(*percent_off_bp)),
        (Lang::En, PromotionRule::BundlePrice { products, .. }) => format!(
            "{}: {}",
            rule.name_en(),
            products.iter().map(|p| product(p.0)).collect::<Vec<_>>().join(" + ")
        ),
        (Lang::En, PromotionRule::CategoryPercent { category: c, .. }) => {
            format!("{} ({})", rule.name_en(), category(c.0))
        }
        (
            Lang::En,
            PromotionRule::SecondItemHalfPrice { product: p }
            | PromotionRule::BuyXGetY { product: p, .. }
            | PromotionRule::FlashSale { product: p, .. },
        ) => {
            let cap = match rule {
                PromotionRule::FlashSale { cap_per_order, .. } => format!(", {cap_per_order} per order"),
                _ => String::new(),
            };
            format!("{}: {}{cap}", rule.name_en(), product(p.0))
        }
    }
}

fn phase_label(c: &Ctx, phase: &str) -> (String, &'static str) {
    let (key, badge) = match phase {
        "upcoming" => ("offers.phase.upcoming", "warn"),
        "running" => ("offers.phase.running", "ok"),
        "over" => ("offers.phase.over", ""),
        _ => ("offers.phase.ended", "bad"),
    };
    (c.t(key).to_string(), badge)
}

fn choices(c: &Ctx, options: &[(&str, &str)], current: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|(v, key)| Choice::new(v, c.t(key), current))
        .collect()
}

/// What one render needs besides the lists.
struct Forms {
    notice: String,
    problem: Problem,
    coupon: CouponForm,
    coupon_problem: Problem,
    promo: PromoForm,
    promo_problem: Problem,
    issue_id: i64,
    issue_phones: String,
    issue_problem: Problem,
}

impl Forms {
    fn new(now: i64) -> Forms {
        Forms {
            notice: String::new(),
            problem: Problem::default(),
            coupon: CouponForm::new(now),
            coupon_problem: Problem::default(),
            promo: PromoForm::new(now),
            promo_problem: Problem::default(),
            issue_id: 0,
            issue_phones: String::new(),
            issue_problem: Problem::default(),
        }
    }
}

async fn offers_page(st: &AppState, s: &Session, uri: &Uri, forms: Forms, status: StatusCode) -> Html {
    let c = s.ctx("nav.offers");
    let a = s.actor();
    let fail = |e| app_error(&c, e);
    let now = st.app.now();
    let q = Fields::query(uri);
    let (pp, cp) = (q.page("pp"), q.page("cp"));
    let promos = st.app.promotions(a, None, paging(pp)).await.map_err(fail)?;
    let coupons = st.app.coupons(a, None, paging(cp)).await.map_err(fail)?;
    let can_manage = s.may(Permission::ManageOffers);

    // Names of the products and categories the rules mention, read once each.
    let mut product_ids: Vec<i64> = Vec::new();
    let mention = |rule: &PromotionRule, ids: &mut Vec<i64>| match rule {
        PromotionRule::SecondItemHalfPrice { product }
        | PromotionRule::BuyXGetY { product, .. }
        | PromotionRule::FlashSale { product, .. } => ids.push(product.0),
        PromotionRule::BundlePrice { products, .. } => ids.extend(products.iter().map(|p| p.0)),
        PromotionRule::CategoryPercent { .. } => {}
    };
    for p in &promos.items {
        mention(&p.rule, &mut product_ids);
    }
    for k in &coupons.items {
        if let CouponKind::FreeItem { product } = k.kind {
            product_ids.push(product.0);
        }
    }
    product_ids.sort_unstable();
    product_ids.dedup();
    let mut products: HashMap<i64, String> = HashMap::new();
    for id in product_ids {
        if let Ok(p) = st.app.product(a, linli_domain::ids::ProductId(id)).await {
            products.insert(id, product_name(s.lang, &p.name_zh, &p.name_en));
        }
    }
    let categories: HashMap<i64, String> = st
        .app
        .categories(a)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|k| (k.id.0, product_name(s.lang, &k.name_zh, &k.name_en)))
        .collect();
    let product = |id: i64| products.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    let category = |id: i64| categories.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));

    let promotions = promos
        .items
        .iter()
        .map(|p: &PromotionRow| {
            let ph = phase(p.status, p.starts_at, Some(p.ends_at), now);
            let (status, badge) = phase_label(&c, ph);
            PromotionView {
                id: p.id.0,
                name: p.name_zh.clone(),
                kind: promotion_kind_label(&c, &p.rule),
                rule: promotion_rule_text(s.lang, &p.rule, &product, &category),
                window: format!("{} – {}", datetime(p.starts_at), datetime(p.ends_at)),
                status,
                badge,
                flash: match (p.flash_sold, p.flash_cap) {
                    (Some(sold), Some(cap)) => format!("{sold} / {cap}"),
                    _ => String::new(),
                },
                can_end: can_manage && p.status == linli_store::OfferStatus::Active && ph != "over",
            }
        })
        .collect();
    let coupon_views = coupons
        .items
        .iter()
        .map(|k: &CouponRow| {
            let ph = phase(k.status, k.starts_at, k.ends_at, now);
            let (status, badge) = phase_label(&c, ph);
            let validity = match (k.ends_at, k.valid_days) {
                (Some(e), Some(d)) => format!(
                    "{} {d} {} · {} {}",
                    c.t("offers.valid_for"),
                    c.t("offers.days"),
                    c.t("offers.until"),
                    date(e - 1)
                ),
                (Some(e), None) => format!("{} – {}", date(k.starts_at), date(e - 1)),
                (None, Some(d)) => format!("{} {d} {}", c.t("offers.valid_for"), c.t("offers.days")),
                (None, None) => String::new(),
            };
            let audience = match k.audience {
                linli_store::CouponAudience::Hand => "offers.audience.hand",
                linli_store::CouponAudience::NewMember => "offers.audience.new_member",
                linli_store::CouponAudience::Birthday => "offers.audience.birthday",
            };
            let open = k.status == linli_store::OfferStatus::Active && ph != "over";
            CouponView {
                id: k.id.0,
                name: k.name_zh.clone(),
                kind: coupon_kind_label(&c, &k.kind, k.threshold_fen),
                value: coupon_value(s.lang, &k.kind, k.threshold_fen, &category, &product),
                validity,
                audience: c.t(audience).to_string(),
                issued: k.issued,
                used: k.used,
                total_limit: k.total_limit,
                per_member_limit: k.per_member_limit,
                status,
                badge,
                can_end: can_manage && open,
                can_issue: can_manage && open && k.audience == linli_store::CouponAudience::Hand,
            }
        })
        .collect();
    let coupon_kinds = choices(
        &c,
        &[
            ("threshold", "offers.kind.threshold"),
            ("fixed", "offers.kind.fixed"),
            ("percent", "offers.kind.percent"),
        ],
        &forms.coupon.kind,
    );
    let audiences = choices(
        &c,
        &[
            ("hand", "offers.audience.hand"),
            ("new_member", "offers.audience.new_member"),
            ("birthday", "offers.audience.birthday"),
        ],
        &forms.coupon.audience,
    );
    let promo_kinds = choices(
        &c,
        &[
            ("second_item_half_price", "offers.kind.second_half"),
            ("bundle_price", "offers.kind.bundle"),
            ("flash_sale", "offers.kind.flash"),
        ],
        &forms.promo.kind,
    );
    let keep = |other: &str, v: i64| (other.to_string(), if v > 1 { v.to_string() } else { String::new() });
    let (pk, pv) = keep("cp", cp);
    let (ck, cv) = keep("pp", pp);
    let promo_pager = Pager::new("/offers", &[(pk.as_str(), pv)], "pp", pp, promos.total);
    let coupon_pager = Pager::new("/offers", &[(ck.as_str(), cv)], "cp", cp, coupons.total);
    let notice = if forms.notice.is_empty() {
        notice_of(&c, &q)
    } else {
        forms.notice
    };
    let page = OffersPage {
        c,
        can_manage,
        notice,
        problem: forms.problem,
        promotions,
        promo_pager,
        coupons: coupon_views,
        coupon_pager,
        coupon_form: forms.coupon,
        coupon_problem: forms.coupon_problem,
        coupon_kinds,
        audiences,
        promo_form: forms.promo,
        promo_problem: forms.promo_problem,
        promo_kinds,
        issue_id: forms.issue_id,
        issue_phones: forms.issue_phones,
        issue_problem: forms.issue_problem,
    };
    Ok(render(status, &page))
}

/// The message after a redirect: `?done=coupon|promotion|ended|issued&n=…&skipped=…`.
fn notice_of(c: &Ctx, q: &Fields) -> String {
    match q.get("done") {
        "coupon" => c.t("offers.done.coupon").into(),
        "promotion" => c.t("offers.done.promotion").into(),
        "ended" => c.t("offers.done.ended").into(),
        "issued" => {
            let n = q.id("n").unwrap_or(0);
            let skipped = q.id("skipped").unwrap_or(0);
            let mut text = c.t("offers.done.issued").replace("{n}", &n.to_string());
            if skipped > 0 {
                text.push_str(&c.t("offers.done.skipped").replace("{n}", &skipped.to_string()));
            }
            text
        }
        _ => String::new(),
    }
}

pub async fn page(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    let now = st.app.now();
    offers_page(&st, &s, &uri, Forms::new(now), StatusCode::OK).await
}

fn back() -> Uri {
    Uri::from_static("/offers")
}

pub async fn create_coupon(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let form = CouponForm::of(&f);
    let result = match form.input() {
        Ok(input) => st.app.create_coupon(s.actor(), input).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other("/offers?done=coupon")),
        Err(e) if is_form_error(&e) => {
            let mut forms = Forms::new(st.app.now());
            forms.coupon = form;
            forms.coupon_problem = remap(Problem::of(s.lang, &e), &COUPON_FIELDS);
            offers_page(&st, &s, &back(), forms, form_status(&e)).await
        }
        Err(e) => Err(app_error(&s.ctx("nav.offers"), e)),
    }
}

/// The product a SKU names (exactly), for the promotion form.
async fn product_by_sku(st: &AppState, s: &Session, sku: &str, field: &str) -> Result<i64, AppError> {
    if sku.is_empty() {
        return Err(AppError::invalid(field, "give the product's SKU", "请填写商品编码"));
    }
    let found = st
        .app
        .products(
            s.actor(),
            Some(sku.to_string()),
            None,
            None,
            false,
            Paging { page: 1, page_size: 20 },
        )
        .await?;
    found
        .items
        .iter()
        .find(|p| p.sku.eq_ignore_ascii_case(sku))
        .map(|p| p.id.0)
        .ok_or_else(|| AppError::invalid(field, "no product has this SKU", "没有该编码的商品"))
}

async fn promotion_input(st: &AppState, s: &Session, form: &PromoForm) -> Result<PromotionInput, AppError> {
    let starts_at = parse_local(&form.starts, "starts_at")?;
    let ends_at = parse_local(&form.ends, "ends_at")?;
    let (product_id, product_ids) = if form.kind == "bundle_price" {
        let skus: Vec<&str> = form
            .sku
            .split([',', '，', ' ', '\n'])
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .collect();
        let mut ids = Vec::with_capacity(skus.len());
        for (i, sku) in skus
            .iter()
            .take(linli_domain::pricing::BUNDLE_PRODUCTS_MAX + 1)
            .enumerate()
        {
            ids.push(product_by_sku(st, s, sku, &format!("product_ids[{i}]")).await?);
        }
        (None, ids)
    } else {
        (Some(product_by_sku(st, s, &form.sku, "product_id").await?), Vec::new())
    };
    let flash = form.kind == "flash_sale";
    Ok(PromotionInput {
        name_zh: form.name_zh.clone(),
        kind: form.kind.clone(),
        product_id,
        product_ids,
        category_id: None,
        price_fen: parse_yuan(&form.price, "price_fen")?,
        buy: None,
        free: None,
        percent_off_bp: None,
        cap_per_order: if flash {
            int_of(&form.cap_per_order, "cap_per_order")?
        } else {
            None
        },
        flash_cap: if flash {
            int_of(&form.flash_cap, "flash_cap")?
        } else {
            None
        },
        starts_at,
        ends_at,
        priority: None,
        stackable: None,
        note: None,
    })
}

pub async fn create_promotion(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let form = PromoForm::of(&f);
    let result = match promotion_input(&st, &s, &form).await {
        Ok(input) => st.app.create_promotion(s.actor(), input).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other("/offers?done=promotion")),
        Err(e) if is_form_error(&e) => {
            let mut forms = Forms::new(st.app.now());
            forms.promo = form;
            forms.promo_problem = remap(Problem::of(s.lang, &e), &PROMO_FIELDS);
            offers_page(&st, &s, &back(), forms, form_status(&e)).await
        }
        Err(e) => Err(app_error(&s.ctx("nav.offers"), e)),
    }
}

/// A row action failed: the page again with the message on top.
async fn row_error(st: &AppState, s: &Session, e: AppError) -> Html {
    if !is_form_error(&e) {
        return Err(app_error(&s.ctx("nav.offers"), e));
    }
    let mut forms = Forms::new(st.app.now());
    forms.problem = Problem::of(s.lang, &e);
    offers_page(st, s, &back(), forms, form_status(&e)).await
}

fn path_id(s: &Session, id: &str) -> Result<i64, Fail> {
    id.parse()
        .map_err(|_| app_error(&s.ctx("nav.offers"), AppError::NotFound))
}

pub async fn end_coupon(State(st): State<AppState>, s: Session, Path(id): Path<String>, body: Bytes) -> Html {
    let id = path_id(&s, &id)?;
    s.check_csrf(&Fields::parse(&body))?;
    match st.app.end_coupon(s.actor(), id).await {
        Ok(_) => Ok(see_other("/offers?done=ended")),
        Err(e) => row_error(&st, &s, e).await,
    }
}

pub async fn end_promotion(State(st): State<AppState>, s: Session, Path(id): Path<String>, body: Bytes) -> Html {
    let id = path_id(&s, &id)?;
    s.check_csrf(&Fields::parse(&body))?;
    match st.app.end_promotion(s.actor(), id).await {
        Ok(_) => Ok(see_other("/offers?done=ended")),
        Err(e) => row_error(&st, &s, e).await,
    }
}

/// Issues a coupon to the members whose phone numbers are typed (one per line or comma-separated).
pub async fn issue_coupon(State(st): State<AppState>, s: Session, Path(id): Path<String>, body: Bytes) -> Html {
    let id = path_id(&s, &id)?;
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let typed = f.get("phones").to_string();
    let phones: Vec<String> = typed
        .split(['\n', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect();
    let result = if phones.len() > FORM_PHONES_MAX {
        Err(AppError::invalid(
            "phones",
            &format!("at most {FORM_PHONES_MAX} phone numbers at once"),
            &format!("一次最多 {FORM_PHONES_MAX} 个手机号"),
        ))
    } else {
        st.app
            .issue_coupon(
                s.actor(),
                id,
                IssueInput {
                    member_ids: Vec::new(),
                    phones,
                    ..IssueInput::default()
                },
            )
            .await
    };
    match result {
        Ok(out) => Ok(see_other(&format!(
            "/offers?done=issued&n={}&skipped={}",
            out.issued.len(),
            out.at_limit.len()
        ))),
        Err(e) if matches!(e, AppError::Invalid { .. }) => {
            let mut forms = Forms::new(st.app.now());
            forms.issue_id = id;
            forms.issue_phones = typed;
            let mut p = Problem::of(s.lang, &e);
            // "phones[2]" → "第 3 个手机号：" so the clerk finds the line.
            if let Some(i) = p
                .field
                .strip_prefix("phones[")
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|i| i.parse::<usize>().ok())
            {
                p.context = match s.lang {
                    Lang::Zh => format!("第 {} 个手机号：", i + 1),
                    Lang::En => format!("Phone number {}: ", i + 1),
                };
            }
            forms.issue_problem = p;
            offers_page(&st, &s, &back(), forms, form_status(&e)).await
        }
        Err(e) => row_error(&st, &s, e).await,
    }
}
