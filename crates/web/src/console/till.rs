//! The till (收银台): one page driven by the keyboard and a barcode scanner, which
//! sells through the JSON API (`POST /api/v1/sales` with an `Idempotency-Key` made on
//! the till) and keeps selling when the server is unreachable.
//!
//! The page itself is plain HTML; `static/till.js` does the work. For offline use a
//! service worker (`/till-sw.js`, scope `/till`) caches the page and its assets, and the
//! script keeps a copy of the catalog (`/till/catalog.json`) in IndexedDB, prices sales
//! from it while offline and queues them with their keys until the server answers.
//! Assets are versioned by a hash of their contents, so a changed script reaches tills
//! whose service worker still holds the old one.

use super::*;
use crate::extract::Auth;
use linli_domain::barcode::scale::ScaleValue;
use linli_domain::till::CashRounding;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const TILL_JS: &str = include_str!("../../static/till.js");
const TILL_CSS: &str = include_str!("../../static/till.css");
const TILL_SW: &str = include_str!("../../static/till-sw.js");

/// A hash of everything the till caches, so each change gets new URLs and a new worker.
static TILL_ASSET_V: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    for part in [TILL_JS, TILL_CSS, TILL_SW, APP_CSS, ASSET_VERSION] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())[..12].to_string()
});

/// The service worker with the asset version filled in.
static TILL_SW_BODY: LazyLock<String> = LazyLock::new(|| {
    TILL_SW
        .replace("__TILL_V__", &TILL_ASSET_V)
        .replace("__APP_V__", ASSET_VERSION)
});

/// Texts the script shows, by i18n key (sent to the page in its language).
const SCRIPT_TEXTS: &[&str] = &[
    "till.bad_check_digit",
    "till.catalog_info",
    "till.catalog_none",
    "till.cleared",
    "till.confirm_clear",
    "till.grams_bad",
    "till.items",
    "till.key.void",
    "till.line_voided",
    "till.member.remove",
    "till.member_none",
    "till.member_not_found",
    "till.member_offline",
    "till.member_points",
    "till.member_stored",
    "till.member_unavailable",
    "till.no_lines",
    "till.no_location",
    "till.no_match",
    "till.not_found",
    "till.nothing_suspended",
    "till.offline",
    "till.online",
    "till.pay_amount_bad",
    "till.pay_cash_due",
    "till.pay_cash_not_needed",
    "till.pay_done",
    "till.pay_failed",
    "till.pay_non_cash_over",
    "till.pay_offline_saved",
    "till.pay_remaining",
    "till.pay_sending",
    "till.points_over",
    "till.points_value_unknown",
    "till.qty_bad",
    "till.qty_prompt",
    "till.queue_empty",
    "till.queue_error",
    "till.queue_flagged",
    "till.queue_other_staff",
    "till.queue_pending",
    "till.queue_retry",
    "till.receipt_cashier",
    "till.receipt_change",
    "till.receipt_discount",
    "till.receipt_due",
    "till.receipt_flagged",
    "till.receipt_member",
    "till.receipt_no",
    "till.receipt_offline",
    "till.receipt_points_earned",
    "till.receipt_points_used",
    "till.receipt_rounding",
    "till.receipt_subtotal",
    "till.receipt_thanks",
    "till.receipt_time",
    "till.resume.delete",
    "till.resume.pick",
    "till.resumed",
    "till.scale_label",
    "till.scan_hint",
    "till.searching",
    "till.session_expired",
    "till.stored_over",
    "till.suspend_full",
    "till.suspended",
    "till.tender.alipay_qr",
    "till.tender.card",
    "till.tender.cash",
    "till.tender.points",
    "till.tender.stored_value",
    "till.tender.wechat_qr",
    "till.unknown_code",
    "till.weighed_needs_grams",
    "till.weight_prompt",
];

#[derive(Template)]
#[template(path = "till.html")]
struct TillPage {
    c: Ctx,
    v: String,
    store_name: String,
    location_name: String,
    has_location: bool,
    config_json: String,
}

/// `GET /till`: the till page (cashiers, managers, owners).
pub async fn page(State(st): State<AppState>, s: Session) -> Html {
    let c = s.ctx("nav.till");
    if !s.may(Permission::Sell) {
        let msg = message_of(
            s.lang,
            &AppError::Forbidden {
                permission: Permission::Sell.code(),
            },
        );
        let mut c = c;
        c.title = c.t("error.forbidden").to_string();
        return Err(error_page(c, StatusCode::FORBIDDEN, msg).into());
    }
    let snap = st.app.till_snapshot(s.actor()).await.map_err(|e| app_error(&c, e))?;
    let lang = s.lang;
    let location_name = snap
        .location
        .as_ref()
        .map(|l| product_name(lang, &l.name_zh, &l.name_en))
        .unwrap_or_default();
    let texts: serde_json::Map<String, Value> = SCRIPT_TEXTS
        .iter()
        .map(|k| ((*k).to_string(), Value::String(crate::t(lang, k).to_string())))
        .collect();
    let role = s.actor().role;
    let config = json!({
        "lang": lang.code(),
        "user": {
            "username": s.actor().username,
            "name": s.actor().display_name,
            "role": role.code(),
        },
        "store": {"id": snap.store.id.0, "name": snap.store.name},
        "location": snap.location.as_ref().map(|l| json!({"id": l.id.0, "name": location_name})),
        "rounding": CashRounding::ALL.iter().map(|r| json!({
            "code": r.code(),
            "name": crate::t(lang, &format!("till.rounding.{}", r.code())),
        })).collect::<Vec<_>>(),
        "texts": texts,
        "catalog_url": "/till/catalog.json",
        "sw_url": "/till-sw.js",
        "sw_scope": "/till",
    });
    // Safe inside <script>: no "</script>" or "<!--" can be formed without "<".
    let config_json = config.to_string().replace('<', "\\u003c");
    ok(&TillPage {
        c,
        v: TILL_ASSET_V.clone(),
        store_name: snap.store.name.clone(),
        has_location: snap.location.is_some(),
        location_name,
        config_json,
    })
}

/// `GET /till/catalog.json`: the till's copy of the catalog, for IndexedDB. Signed in by
/// the console cookie (or a bearer token); needs the sell permission.
pub async fn catalog(State(st): State<AppState>, Auth(a): Auth) -> Result<Response, crate::ApiError> {
    let snap = st.app.till_snapshot(&a.actor).await?;
    let templates: Vec<Value> = snap
        .templates
        .iter()
        .map(|t| {
            json!({
                "prefix": t.prefix,
                "plu_digits": t.plu_digits,
                "value_kind": match t.value_kind {
                    ScaleValue::WeightGrams => "weight_g",
                    ScaleValue::PriceFen => "price_fen",
                },
                "value_digits": t.value_digits,
                "has_value_check": t.has_value_check,
            })
        })
        .collect();
    let products: Vec<Value> = snap
        .catalog
        .items
        .iter()
        .map(|p| {
            json!({
                "id": p.id.0,
                "sku": p.sku,
                "name_zh": p.name_zh,
                "name_en": p.name_en,
                "pinyin": p.pinyin_full,
                "pinyin_initials": p.pinyin_initials,
                "unit_kind": p.unit_kind.code(),
                "unit": p.unit_label,
                "price_fen": p.price_fen,
                "plu": p.plu,
                "gtins": p.gtins,
            })
        })
        .collect();
    let version = snap.catalog.items.iter().map(|p| p.updated_at).max().unwrap_or(0);
    let body = json!({
        "generated_at": st.app.now(),
        "version": format!("{}-{}", snap.catalog.items.len(), version),
        "store": {"id": snap.store.id.0, "name": snap.store.name},
        "location": snap.location.as_ref().map(|l| json!({
            "id": l.id.0, "name_zh": l.name_zh, "name_en": l.name_en,
        })),
        "scale_templates": templates,
        "truncated": snap.catalog.truncated,
        "products": products,
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response())
}

/// `GET /till-sw.js`: the till's service worker. Served from the root (its scope is
/// `/till`) and never cached by HTTP, so a new version is found on the next visit.
pub async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        TILL_SW_BODY.as_str(),
    )
        .into_response()
}

pub async fn script() -> Response {
    asset(TILL_JS, "text/javascript; charset=utf-8")
}

pub async fn style() -> Response {
    asset(TILL_CSS, "text/css; charset=utf-8")
}
