//! 电子价签 The shelf-label page: every label of the store as a little e-paper tile
//! (name, big price, promotion line, price per 500 g or per piece, the version it shows
//! and whether it acknowledged it), the drift audit, binding and unbinding labels, and,
//! while the built-in simulator drives the labels, switches that take a simulated label
//! offline so drift can be seen. The page says plainly that these are simulated labels.
//!
//! The tiles are rendered here and kept live by a small script in the template that
//! follows `/api/v1/labels/events` (Server-Sent Events) and re-reads the list whenever the
//! stream (re)connects, so a price change reaches the tile within a second. A tile shows
//! what the label acknowledged showing, in Chinese as the shelf label does; the page's
//! own words follow the console language.

use super::*;
use axum::body::Bytes;
use axum::extract::Path;
use linli_app::labels::{DriftReason, LABEL_ACK_GRACE_MS, LabelInput, LabelView};
use linli_domain::catalog::UnitKind;
use linli_store::LabelFace;

#[derive(Template)]
#[template(path = "labels.html")]
struct LabelsPage {
    c: Ctx,
    can_manage: bool,
    simulated: bool,
    driver: String,
    notice: String,
    problem: Problem,
    form: BindForm,
    tiles: Vec<Tile>,
    drifted: Vec<DriftRow>,
    in_step: usize,
    drift_hint: String,
}

#[derive(Debug, Clone, Default)]
struct BindForm {
    code: String,
    sku: String,
    location: String,
}

/// One label as its tile shows it.
#[derive(Debug)]
struct Tile {
    id: i64,
    code: String,
    location: String,
    /// "ok", "pending", "failed", "unbound" or "waiting".
    state: &'static str,
    state_label: String,
    drift: bool,
    drift_title: String,
    name: String,
    promo: String,
    price: String,
    per: String,
    regular: String,
    unit_line: String,
    version: i64,
    acked_version: i64,
    offline: bool,
}

#[derive(Debug)]
struct DriftRow {
    id: i64,
    code: String,
    location: String,
    product: String,
    shown_price: String,
    till_price: String,
    reasons: String,
}

/// The words on a label's face (always Chinese, like the shelf label): price, its unit,
/// the regular price when a promotion lowers it, and the unit-price line.
struct FaceText {
    price: String,
    per: String,
    regular: String,
    unit_line: String,
}

fn face_text(f: &LabelFace) -> FaceText {
    let regular = if f.regular_price_fen != f.price_fen {
        money(f.regular_price_fen)
    } else {
        String::new()
    };
    match f.unit_kind {
        UnitKind::Weight => FaceText {
            price: money(f.price_fen),
            per: "/kg".into(),
            regular,
            unit_line: format!("每500g {}", money(f.unit_price_fen)),
        },
        UnitKind::Piece => FaceText {
            price: money(f.price_fen),
            per: format!("/{}", f.unit_label),
            regular,
            unit_line: format!("单价 {}/{}", money(f.unit_price_fen), f.unit_label),
        },
    }
}

fn state_of(v: &LabelView) -> &'static str {
    let r = &v.row;
    if r.product.is_none() {
        "unbound"
    } else if !r.push_error.is_empty() {
        "failed"
    } else if r.acked_version < r.version {
        "pending"
    } else if r.acked_version == 0 {
        "waiting"
    } else {
        "ok"
    }
}

fn reasons_text(c: &Ctx, drift: &[DriftReason]) -> String {
    drift
        .iter()
        .map(|d| c.t(&format!("labels.reason.{}", d.code())).to_string())
        .collect::<Vec<_>>()
        .join(c.pick("、", ", "))
}

fn tile(c: &Ctx, v: &LabelView, offline: bool) -> Tile {
    let r = &v.row;
    let state = state_of(v);
    let (name, promo, text) = match &r.shown {
        Some(f) => (f.name_zh.clone(), f.promo_zh.clone(), Some(face_text(f))),
        None => (String::new(), String::new(), None),
    };
    let text = text.unwrap_or(FaceText {
        price: "—".into(),
        per: String::new(),
        regular: String::new(),
        unit_line: String::new(),
    });
    let drift_title = if v.drift.is_empty() {
        String::new()
    } else {
        format!(
            "{}: {} {}",
            reasons_text(c, &v.drift),
            c.t("labels.till_price"),
            money(v.expected.price_fen)
        )
    };
    Tile {
        id: r.id.0,
        code: r.code.clone(),
        location: r.location.clone(),
        state,
        state_label: c.t(&format!("labels.state.{state}")).to_string(),
        drift: !v.drift.is_empty(),
        drift_title,
        name,
        promo,
        price: text.price,
        per: text.per,
        regular: text.regular,
        unit_line: text.unit_line,
        version: r.version,
        acked_version: r.acked_version,
        offline,
    }
}

async fn labels_page(
    st: &AppState,
    s: &Session,
    uri: &Uri,
    form: BindForm,
    problem: Problem,
    status: StatusCode,
) -> Html {
    let c = s.ctx("nav.labels");
    let a = s.actor();
    let views = st.app.all_labels(a).await.map_err(|e| app_error(&c, e))?;
    let sim = st.app.labels.simulator();
    let tiles: Vec<Tile> = views
        .iter()
        .map(|v| tile(&c, v, sim.is_some_and(|x| x.is_offline(a.org, &v.row.code))))
        .collect();
    let drifted: Vec<DriftRow> = views
        .iter()
        .filter(|v| !v.drift.is_empty())
        .map(|v| DriftRow {
            id: v.row.id.0,
            code: v.row.code.clone(),
            location: v.row.location.clone(),
            product: v.row.product.as_ref().map(|p| p.name_zh.clone()).unwrap_or_default(),
            shown_price: v.row.shown_price_fen.map(money).unwrap_or_else(|| "—".into()),
            till_price: money(v.expected.price_fen),
            reasons: reasons_text(&c, &v.drift),
        })
        .collect();
    let in_step = tiles.iter().filter(|t| t.state == "ok" && !t.drift).count();
    let q = Fields::query(uri);
    let notice = match q.get("done") {
        "sync" => c
            .t("labels.done.sync")
            .replace("{pushed}", &q.id("pushed").unwrap_or(0).to_string())
            .replace("{failed}", &q.id("failed").unwrap_or(0).to_string()),
        "bound" => c.t("labels.done.bound").into(),
        "unbound" => c.t("labels.done.unbound").into(),
        "simulated" => c.t("labels.done.simulated").into(),
        _ => String::new(),
    };
    let drift_hint = c
        .t("labels.drift_hint")
        .replace("{s}", &(LABEL_ACK_GRACE_MS / 1000).to_string());
    let page = LabelsPage {
        can_manage: s.may(Permission::EditCatalog),
        simulated: sim.is_some(),
        driver: st.app.labels.driver.label().to_string(),
        notice,
        problem,
        form,
        tiles,
        drifted,
        in_step,
        drift_hint,
        c,
    };
    Ok(render(status, &page))
}

pub async fn page(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    labels_page(&st, &s, &uri, BindForm::default(), Problem::default(), StatusCode::OK).await
}

/// Binds a label to the product a SKU names.
pub async fn bind(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let form = BindForm {
        code: f.get("code").into(),
        sku: f.get("sku").into(),
        location: f.get("location").into(),
    };
    let result = match product_by_sku(&st, &s, &form.sku).await {
        Ok(product_id) => st
            .app
            .bind_label(
                s.actor(),
                LabelInput {
                    code: form.code.clone(),
                    product_id,
                    location: Some(form.location.clone()),
                    store_id: None,
                },
            )
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other("/labels?done=bound")),
        Err(e) if is_form_error(&e) => {
            let mut p = Problem::of(s.lang, &e);
            if p.field == "product_id" {
                p.field = "sku".into();
            }
            labels_page(&st, &s, &Uri::from_static("/labels"), form, p, form_status(&e)).await
        }
        Err(e) => Err(app_error(&s.ctx("nav.labels"), e)),
    }
}

async fn product_by_sku(st: &AppState, s: &Session, sku: &str) -> Result<i64, AppError> {
    if sku.is_empty() {
        return Err(AppError::invalid("sku", "give the product's SKU", "请填写商品编码"));
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
        .ok_or_else(|| AppError::invalid("sku", "no product has this SKU", "没有该编码的商品"))
}

pub async fn unbind(State(st): State<AppState>, s: Session, Path(id): Path<i64>, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    match st.app.unbind_label(s.actor(), id).await {
        Ok(_) => Ok(see_other("/labels?done=unbound")),
        Err(e) => Err(app_error(&s.ctx("nav.labels"), e)),
    }
}

/// The simulator's switch: `offline=1` takes the label off the air, `offline=0` brings it back.
pub async fn simulate(State(st): State<AppState>, s: Session, Path(id): Path<i64>, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let offline = f.get("offline") == "1";
    match st.app.simulate_label(s.actor(), id, offline).await {
        Ok(_) => Ok(see_other(&format!("/labels?done=simulated#esl-{id}"))),
        Err(e) => Err(app_error(&s.ctx("nav.labels"), e)),
    }
}

/// Pushes now.
pub async fn sync(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    match st.app.sync_labels_for(s.actor()).await {
        Ok(r) => Ok(see_other(&format!(
            "/labels?done=sync&pushed={}&failed={}",
            r.pushed, r.failed
        ))),
        Err(e) => Err(app_error(&s.ctx("nav.labels"), e)),
    }
}
