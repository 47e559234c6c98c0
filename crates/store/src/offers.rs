//! Coupons (优惠券) and promotions (促销), with limits that hold under concurrency.
//!
//! A coupon is a definition (`coupons`: what it gives, its validity, its limits) and the
//! copies given to members (`coupon_issues`). The pricing engine sees one
//! `pricing::Coupon` per issue: its id is the issue's id, which is what a customer
//! presents at the till. Promotions are stored rule by rule in columns and come back as
//! exactly the `pricing::Promotion` they were created from.
//!
//! Every limit is a conditional update on a counter row, never read-then-write:
//! - total uses: `UPDATE coupons SET used = used + 1 WHERE used < total_limit`;
//! - copies given out: `issued + n <= issue_limit`;
//! - per member: an upsert on `coupon_holders` that only counts up `WHERE issued < limit`;
//! - flash-sale cap: `UPDATE flash_sale_quotas SET sold = sold + n WHERE sold + n <= cap`.
//!
//! Rows are locked in one order (holder rows by member id, then issue rows, then the
//! coupon row) so concurrent writers queue instead of deadlocking on PostgreSQL; a
//! transaction that still loses a race is run again, as `record_sale` does.

use crate::audit::{AuditEntry, write_audit};
use crate::db::{RETRIES_MAX, Store, Tx, is_retryable, opt_i64};
use crate::error::{Result, StoreError};
use crate::{Page, PageRequest};
use linli_domain::ids::{CategoryId, MemberId, OrderId, OrgId, ProductId, StaffId};
use linli_domain::pricing::{Coupon, CouponId, CouponKind, PROMOTIONS_MAX, Promotion, PromotionId, PromotionRule};
use linli_domain::time::MS_PER_DAY;
use sqlx::Row;
use sqlx::any::AnyRow;

/// The most members one `issue_coupon` call may name.
pub const ISSUE_MEMBERS_MAX: usize = 5_000;
/// The most coupons `member_coupons` lists (newest first).
pub const MEMBER_COUPONS_MAX: i64 = 200;
/// The most event coupons one event issues.
const EVENT_COUPONS_MAX: i64 = 50;
/// Members per multi-row statement: far below either backend's bind-parameter limit.
const CHUNK: usize = 500;

/// A coupon definition (券): what each issued copy gives, its validity and its limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CouponDefId(pub i64);

impl std::fmt::Display for CouponDefId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Whether a coupon or promotion may still be used (`Active`) or was ended by staff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfferStatus {
    Active,
    Ended,
}

impl OfferStatus {
    pub fn code(self) -> &'static str {
        match self {
            OfferStatus::Active => "active",
            OfferStatus::Ended => "ended",
        }
    }

    pub fn from_code(code: &str) -> Option<OfferStatus> {
        match code {
            "active" => Some(OfferStatus::Active),
            "ended" => Some(OfferStatus::Ended),
            _ => None,
        }
    }
}

/// Who a coupon is for: given by hand (or to a list), or issued automatically on an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CouponAudience {
    Hand,
    NewMember,
    Birthday,
}

impl CouponAudience {
    pub const ALL: [CouponAudience; 3] = [
        CouponAudience::Hand,
        CouponAudience::NewMember,
        CouponAudience::Birthday,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CouponAudience::Hand => "hand",
            CouponAudience::NewMember => "new_member",
            CouponAudience::Birthday => "birthday",
        }
    }

    pub fn from_code(code: &str) -> Option<CouponAudience> {
        CouponAudience::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// An event that issues the coupons whose audience it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CouponEvent {
    NewMember,
    Birthday,
}

impl CouponEvent {
    pub fn code(self) -> &'static str {
        self.audience().code()
    }

    pub fn from_code(code: &str) -> Option<CouponEvent> {
        match code {
            "new_member" => Some(CouponEvent::NewMember),
            "birthday" => Some(CouponEvent::Birthday),
            _ => None,
        }
    }

    fn audience(self) -> CouponAudience {
        match self {
            CouponEvent::NewMember => CouponAudience::NewMember,
            CouponEvent::Birthday => CouponAudience::Birthday,
        }
    }
}

/// How a copy reached the member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssueSource {
    /// One member, by hand at the counter.
    Hand,
    /// A list of members at once.
    List,
    /// Automatically, on an event (new member, birthday).
    Event,
}

impl IssueSource {
    pub fn code(self) -> &'static str {
        match self {
            IssueSource::Hand => "hand",
            IssueSource::List => "list",
            IssueSource::Event => "event",
        }
    }

    fn from_code(code: &str) -> Option<IssueSource> {
        match code {
            "hand" => Some(IssueSource::Hand),
            "list" => Some(IssueSource::List),
            "event" => Some(IssueSource::Event),
            _ => None,
        }
    }
}

/// Where one issued copy stands. `Issued` past its expiry reads as `Expired`
/// ([`MemberCouponRow::status_at`]); the row itself turns `Expired` when a refund gives
/// back a coupon that has run out meanwhile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssueStatus {
    Issued,
    Used,
    Expired,
    Voided,
}

impl IssueStatus {
    pub fn code(self) -> &'static str {
        match self {
            IssueStatus::Issued => "issued",
            IssueStatus::Used => "used",
            IssueStatus::Expired => "expired",
            IssueStatus::Voided => "voided",
        }
    }

    fn from_code(code: &str) -> Option<IssueStatus> {
        match code {
            "issued" => Some(IssueStatus::Issued),
            "used" => Some(IssueStatus::Used),
            "expired" => Some(IssueStatus::Expired),
            "voided" => Some(IssueStatus::Voided),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewCoupon<'a> {
    pub name_zh: &'a str,
    pub kind: CouponKind,
    /// 满 threshold 可用; 0 = none.
    pub threshold_fen: i64,
    pub starts_at: i64,
    /// The last instant (exclusive) any copy may be used, if the coupon has a fixed window.
    pub ends_at: Option<i64>,
    /// Each copy is valid this many days after it is issued (whichever ends first with `ends_at`).
    pub valid_days: Option<i64>,
    pub per_member_limit: i64,
    /// Uses across all members.
    pub total_limit: i64,
    /// Copies that may be given out; None = no cap.
    pub issue_limit: Option<i64>,
    pub audience: CouponAudience,
    pub note: &'a str,
    pub created_by: Option<StaffId>,
}

#[derive(Debug, Clone)]
pub struct CouponRow {
    pub id: CouponDefId,
    pub name_zh: String,
    pub kind: CouponKind,
    pub threshold_fen: i64,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub valid_days: Option<i64>,
    pub per_member_limit: i64,
    pub total_limit: i64,
    pub issue_limit: Option<i64>,
    pub issued: i64,
    pub used: i64,
    pub status: OfferStatus,
    pub audience: CouponAudience,
    pub note: String,
    pub created_by: Option<StaffId>,
    pub created_at: i64,
    pub ended_at: Option<i64>,
}

impl CouponRow {
    /// The window `[starts, expires)` of a copy issued at `at`; None when it would be empty
    /// (the coupon's window is over).
    pub fn issue_window(&self, at: i64) -> Option<(i64, i64)> {
        let (starts, expires) = match (self.ends_at, self.valid_days) {
            (Some(end), None) => (self.starts_at, end),
            (end, Some(days)) => {
                let starts = self.starts_at.max(at);
                let by_days = starts.saturating_add(days.saturating_mul(MS_PER_DAY));
                (starts, end.map_or(by_days, |e| e.min(by_days)))
            }
            (None, None) => return None,
        };
        (expires > starts && expires > at).then_some((starts, expires))
    }
}

/// What one `issue_coupon` call did.
#[derive(Debug, Clone, Default)]
pub struct IssueOutcome {
    /// Members who got a copy, with the copy's id (the id the till and the engine use).
    pub issued: Vec<(MemberId, CouponId)>,
    /// Members who already hold as many copies as the per-member limit allows.
    pub at_limit: Vec<MemberId>,
}

/// One copy a member holds, with what its coupon gives.
#[derive(Debug, Clone)]
pub struct MemberCouponRow {
    pub issue_id: CouponId,
    pub coupon_id: CouponDefId,
    pub member_id: MemberId,
    pub name_zh: String,
    pub kind: CouponKind,
    pub threshold_fen: i64,
    pub status: IssueStatus,
    pub source: IssueSource,
    pub issued_at: i64,
    pub starts_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub used_order_id: Option<OrderId>,
}

impl MemberCouponRow {
    /// The status as the member sees it at `now`: an unused copy past its expiry is expired.
    pub fn status_at(&self, now: i64) -> IssueStatus {
        if self.status == IssueStatus::Issued && self.expires_at <= now {
            IssueStatus::Expired
        } else {
            self.status
        }
    }

    /// The coupon as the pricing engine takes it.
    pub fn to_pricing(&self) -> Coupon {
        Coupon {
            id: self.issue_id,
            name_zh: self.name_zh.clone(),
            starts_at_ms: self.starts_at,
            ends_at_ms: self.expires_at,
            threshold_fen: self.threshold_fen,
            kind: self.kind.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewPromotion<'a> {
    pub name_zh: &'a str,
    pub rule: PromotionRule,
    pub starts_at: i64,
    pub ends_at: i64,
    pub priority: i32,
    pub stackable: bool,
    /// The flash sale's cap across all orders (required for a flash sale, else ignored).
    pub flash_cap: Option<i64>,
    pub note: &'a str,
    pub created_by: Option<StaffId>,
}

#[derive(Debug, Clone)]
pub struct PromotionRow {
    pub id: PromotionId,
    pub name_zh: String,
    pub rule: PromotionRule,
    pub starts_at: i64,
    pub ends_at: i64,
    pub priority: i32,
    pub stackable: bool,
    pub status: OfferStatus,
    /// A flash sale's cap across orders and how much of it is sold.
    pub flash_cap: Option<i64>,
    pub flash_sold: Option<i64>,
    pub note: String,
    pub created_by: Option<StaffId>,
    pub created_at: i64,
    pub ended_at: Option<i64>,
}

impl PromotionRow {
    /// The promotion as the pricing engine takes it.
    pub fn to_pricing(&self) -> Promotion {
        Promotion {
            id: self.id,
            name_zh: self.name_zh.clone(),
            starts_at_ms: self.starts_at,
            ends_at_ms: self.ends_at,
            priority: self.priority,
            stackable: self.stackable,
            rule: self.rule.clone(),
        }
    }
}

// ---------------------------------------------------------------------------
// Rules to columns and back

/// A coupon kind spread over its columns.
struct CouponCols {
    kind: &'static str,
    amount_fen: Option<i64>,
    percent_off_bp: Option<i64>,
    max_off_fen: Option<i64>,
    category_id: Option<i64>,
    product_id: Option<i64>,
}

fn coupon_cols(k: &CouponKind) -> CouponCols {
    let none = CouponCols {
        kind: "",
        amount_fen: None,
        percent_off_bp: None,
        max_off_fen: None,
        category_id: None,
        product_id: None,
    };
    match k {
        CouponKind::Fixed { amount_fen } => CouponCols {
            kind: "fixed",
            amount_fen: Some(*amount_fen),
            ..none
        },
        CouponKind::Percent {
            percent_off_bp,
            max_off_fen,
        } => CouponCols {
            kind: "percent",
            percent_off_bp: Some(i64::from(*percent_off_bp)),
            max_off_fen: *max_off_fen,
            ..none
        },
        CouponKind::CategoryFixed { category, amount_fen } => CouponCols {
            kind: "category_fixed",
            amount_fen: Some(*amount_fen),
            category_id: Some(category.0),
            ..none
        },
        CouponKind::CategoryPercent {
            category,
            percent_off_bp,
            max_off_fen,
        } => CouponCols {
            kind: "category_percent",
            percent_off_bp: Some(i64::from(*percent_off_bp)),
            max_off_fen: *max_off_fen,
            category_id: Some(category.0),
            ..none
        },
        CouponKind::NewMember { amount_fen } => CouponCols {
            kind: "new_member",
            amount_fen: Some(*amount_fen),
            ..none
        },
        CouponKind::FreeItem { product } => CouponCols {
            kind: "free_item",
            product_id: Some(product.0),
            ..none
        },
    }
}

/// A stored row that does not decode is corrupt data: an internal error, never a guess.
fn corrupt(what: &str) -> StoreError {
    StoreError::Db(sqlx::Error::Decode(format!("corrupt {what} row").into()))
}

fn need(r: &AnyRow, col: &str) -> Result<i64> {
    opt_i64(r, col).ok_or_else(|| corrupt(col))
}

fn bp(r: &AnyRow, col: &str) -> Result<u32> {
    u32::try_from(need(r, col)?).map_err(|_| corrupt(col))
}

fn qty_u32(r: &AnyRow, col: &str) -> Result<u32> {
    u32::try_from(need(r, col)?).map_err(|_| corrupt(col))
}

fn coupon_kind(r: &AnyRow) -> Result<CouponKind> {
    let kind: String = r.get("kind");
    Ok(match kind.as_str() {
        "fixed" => CouponKind::Fixed {
            amount_fen: need(r, "amount_fen")?,
        },
        "percent" => CouponKind::Percent {
            percent_off_bp: bp(r, "percent_off_bp")?,
            max_off_fen: opt_i64(r, "max_off_fen"),
        },
        "category_fixed" => CouponKind::CategoryFixed {
            category: CategoryId(need(r, "category_id")?),
            amount_fen: need(r, "amount_fen")?,
        },
        "category_percent" => CouponKind::CategoryPercent {
            category: CategoryId(need(r, "category_id")?),
            percent_off_bp: bp(r, "percent_off_bp")?,
            max_off_fen: opt_i64(r, "max_off_fen"),
        },
        "new_member" => CouponKind::NewMember {
            amount_fen: need(r, "amount_fen")?,
        },
        "free_item" => CouponKind::FreeItem {
            product: ProductId(need(r, "product_id")?),
        },
        _ => return Err(corrupt("coupon kind")),
    })
}

/// A promotion rule spread over its columns.
struct RuleCols {
    kind: &'static str,
    product_id: Option<i64>,
    category_id: Option<i64>,
    bundle_products: String,
    price_fen: Option<i64>,
    buy_qty: Option<i64>,
    free_qty: Option<i64>,
    percent_off_bp: Option<i64>,
    cap_per_order: Option<i64>,
}

fn rule_cols(rule: &PromotionRule) -> RuleCols {
    let none = RuleCols {
        kind: "",
        product_id: None,
        category_id: None,
        bundle_products: String::new(),
        price_fen: None,
        buy_qty: None,
        free_qty: None,
        percent_off_bp: None,
        cap_per_order: None,
    };
    match rule {
        PromotionRule::SecondItemHalfPrice { product } => RuleCols {
            kind: "second_item_half_price",
            product_id: Some(product.0),
            ..none
        },
        PromotionRule::BundlePrice {
            products,
            bundle_price_fen,
        } => RuleCols {
            kind: "bundle_price",
            // Kept in the order given: the engine's answer does not depend on it, but a
            // round trip gives back exactly what was stored.
            bundle_products: products.iter().map(|p| p.0.to_string()).collect::<Vec<_>>().join(","),
            price_fen: Some(*bundle_price_fen),
            ..none
        },
        PromotionRule::BuyXGetY { product, buy, free } => RuleCols {
            kind: "buy_x_get_y",
            product_id: Some(product.0),
            buy_qty: Some(i64::from(*buy)),
            free_qty: Some(i64::from(*free)),
            ..none
        },
        PromotionRule::FlashSale {
            product,
            price_fen,
            cap_per_order,
        } => RuleCols {
            kind: "flash_sale",
            product_id: Some(product.0),
            price_fen: Some(*price_fen),
            cap_per_order: Some(i64::from(*cap_per_order)),
            ..none
        },
        PromotionRule::CategoryPercent {
            category,
            percent_off_bp,
        } => RuleCols {
            kind: "category_percent",
            category_id: Some(category.0),
            percent_off_bp: Some(i64::from(*percent_off_bp)),
            ..none
        },
    }
}

fn promotion_rule(r: &AnyRow) -> Result<PromotionRule> {
    let kind: String = r.get("kind");
    Ok(match kind.as_str() {
        "second_item_half_price" => PromotionRule::SecondItemHalfPrice {
            product: ProductId(need(r, "product_id")?),
        },
        "bundle_price" => {
            let text: String = r.get("bundle_products");
            let products = text
                .split(',')
                .map(|p| p.parse().map(ProductId).map_err(|_| corrupt("bundle")))
                .collect::<Result<Vec<_>>>()?;
            PromotionRule::BundlePrice {
                products,
                bundle_price_fen: need(r, "price_fen")?,
            }
        }
        "buy_x_get_y" => PromotionRule::BuyXGetY {
            product: ProductId(need(r, "product_id")?),
            buy: qty_u32(r, "buy_qty")?,
            free: qty_u32(r, "free_qty")?,
        },
        "flash_sale" => PromotionRule::FlashSale {
            product: ProductId(need(r, "product_id")?),
            price_fen: need(r, "price_fen")?,
            cap_per_order: qty_u32(r, "cap_per_order")?,
        },
        "category_percent" => PromotionRule::CategoryPercent {
            category: CategoryId(need(r, "category_id")?),
            percent_off_bp: bp(r, "percent_off_bp")?,
        },
        _ => return Err(corrupt("promotion kind")),
    })
}

/// Products and categories a rule names, to check they are the organisation's.
fn coupon_refs(k: &CouponKind) -> (Vec<ProductId>, Option<CategoryId>) {
    match k {
        CouponKind::CategoryFixed { category, .. } | CouponKind::CategoryPercent { category, .. } => {
            (Vec::new(), Some(*category))
        }
        CouponKind::FreeItem { product } => (vec![*product], None),
        _ => (Vec::new(), None),
    }
}

fn rule_refs(rule: &PromotionRule) -> (Vec<ProductId>, Option<CategoryId>) {
    match rule {
        PromotionRule::SecondItemHalfPrice { product }
        | PromotionRule::BuyXGetY { product, .. }
        | PromotionRule::FlashSale { product, .. } => (vec![*product], None),
        PromotionRule::BundlePrice { products, .. } => (products.clone(), None),
        PromotionRule::CategoryPercent { category, .. } => (Vec::new(), Some(*category)),
    }
}

const COUPON_COLS: &str = "id, name_zh, kind, amount_fen, percent_off_bp, max_off_fen, category_id, product_id, \
     threshold_fen, starts_at, ends_at, valid_days, per_member_limit, total_limit, issue_limit, issued, used, status, \
     audience, note, created_by, created_at, ended_at";

fn coupon_row(r: &AnyRow) -> Result<CouponRow> {
    let status: String = r.get("status");
    let audience: String = r.get("audience");
    Ok(CouponRow {
        id: CouponDefId(r.get("id")),
        name_zh: r.get("name_zh"),
        kind: coupon_kind(r)?,
        threshold_fen: r.get("threshold_fen"),
        starts_at: r.get("starts_at"),
        ends_at: opt_i64(r, "ends_at"),
        valid_days: opt_i64(r, "valid_days"),
        per_member_limit: r.get("per_member_limit"),
        total_limit: r.get("total_limit"),
        issue_limit: opt_i64(r, "issue_limit"),
        issued: r.get("issued"),
        used: r.get("used"),
        status: OfferStatus::from_code(&status).ok_or_else(|| corrupt("coupon status"))?,
        audience: CouponAudience::from_code(&audience).ok_or_else(|| corrupt("coupon audience"))?,
        note: r.get("note"),
        created_by: opt_i64(r, "created_by").map(StaffId),
        created_at: r.get("created_at"),
        ended_at: opt_i64(r, "ended_at"),
    })
}

const ISSUE_COLS: &str = "i.id AS issue_id, i.coupon_id, i.member_id, i.status AS issue_status, i.source, i.issued_at, \
     i.starts_at AS issue_starts_at, i.expires_at, i.used_at, i.used_order_id, c.name_zh, c.kind, c.amount_fen, \
     c.percent_off_bp, c.max_off_fen, c.category_id, c.product_id, c.threshold_fen";

fn member_coupon_row(r: &AnyRow) -> Result<MemberCouponRow> {
    let status: String = r.get("issue_status");
    let source: String = r.get("source");
    Ok(MemberCouponRow {
        issue_id: CouponId(r.get("issue_id")),
        coupon_id: CouponDefId(r.get("coupon_id")),
        member_id: MemberId(r.get("member_id")),
        name_zh: r.get("name_zh"),
        kind: coupon_kind(r)?,
        threshold_fen: r.get("threshold_fen"),
        status: IssueStatus::from_code(&status).ok_or_else(|| corrupt("issue status"))?,
        source: IssueSource::from_code(&source).ok_or_else(|| corrupt("issue source"))?,
        issued_at: r.get("issued_at"),
        starts_at: r.get("issue_starts_at"),
        expires_at: r.get("expires_at"),
        used_at: opt_i64(r, "used_at"),
        used_order_id: opt_i64(r, "used_order_id").map(OrderId),
    })
}

/// The promotions live at `at` from those read for a window around it, as many as
/// pricing takes, in priority order: a flash sale with no units left is skipped and its
/// per-order cap lowered to the units left (`left`: the cap less units sold).
fn in_window(read: impl Iterator<Item = (Promotion, Option<i64>)>, at: i64) -> Vec<Promotion> {
    let mut out = Vec::new();
    for (mut promotion, left) in read
        .filter(|(p, _)| p.starts_at_ms <= at && p.ends_at_ms > at)
        .take(PROMOTIONS_MAX)
    {
        if let PromotionRule::FlashSale { cap_per_order, .. } = &mut promotion.rule {
            let left = left.unwrap_or(0);
            if left <= 0 {
                continue;
            }
            *cap_per_order = (*cap_per_order).min(u32::try_from(left).unwrap_or(u32::MAX));
        }
        out.push(promotion);
    }
    out
}

/// An organisation's promotions read at `loaded_at` for the next `RULES_TTL`, none of
/// them a flash sale.
#[derive(Debug, Clone)]
pub(crate) struct PromotionsCopy {
    loaded_at: i64,
    list: Vec<Promotion>,
}

const PROMOTION_COLS: &str = "p.id, p.name_zh, p.kind, p.product_id, p.category_id, p.bundle_products, p.price_fen, \
     p.buy_qty, p.free_qty, p.percent_off_bp, p.cap_per_order, p.starts_at, p.ends_at, p.priority, p.stackable, \
     p.status, p.note, p.created_by, p.created_at, p.ended_at, q.cap AS flash_cap, q.sold AS flash_sold";

const PROMOTION_FROM: &str =
    "promotions p LEFT JOIN flash_sale_quotas q ON q.promotion_id = p.id AND q.org_id = p.org_id";

fn promotion_row(r: &AnyRow) -> Result<PromotionRow> {
    let status: String = r.get("status");
    Ok(PromotionRow {
        id: PromotionId(r.get("id")),
        name_zh: r.get("name_zh"),
        rule: promotion_rule(r)?,
        starts_at: r.get("starts_at"),
        ends_at: r.get("ends_at"),
        priority: i32::try_from(r.get::<i64, _>("priority")).map_err(|_| corrupt("priority"))?,
        stackable: r.get::<i64, _>("stackable") != 0,
        status: OfferStatus::from_code(&status).ok_or_else(|| corrupt("promotion status"))?,
        flash_cap: opt_i64(r, "flash_cap"),
        flash_sold: opt_i64(r, "flash_sold"),
        note: r.get("note"),
        created_by: opt_i64(r, "created_by").map(StaffId),
        created_at: r.get("created_at"),
        ended_at: opt_i64(r, "ended_at"),
    })
}

// ---------------------------------------------------------------------------
// Statements shared by the public methods and the till's savepoint

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|k| format!("${k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn refused(code: &'static str, field: &'static str, en: impl Into<String>, zh: impl Into<String>) -> StoreError {
    StoreError::Refused {
        code,
        field,
        en: en.into(),
        zh: zh.into(),
    }
}

/// Checks the products and category a rule names are the organisation's.
async fn check_refs(tx: &mut Tx, org: OrgId, products: &[ProductId], category: Option<CategoryId>) -> Result<()> {
    let mut ids: Vec<i64> = products.iter().map(|p| p.0).collect();
    ids.sort_unstable();
    ids.dedup();
    if !ids.is_empty() {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM products WHERE org_id = $1 AND id IN ({})",
            placeholders(2, ids.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.0);
        for id in &ids {
            q = q.bind(*id);
        }
        let n: i64 = q.fetch_one(&mut **tx).await?.get("n");
        if usize::try_from(n).ok() != Some(ids.len()) {
            return Err(StoreError::NotFound);
        }
    }
    if let Some(c) = category {
        sqlx::query("SELECT id FROM categories WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(c.0)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
    }
    Ok(())
}

async fn check_member(tx: &mut Tx, org: OrgId, member: MemberId) -> Result<()> {
    sqlx::query("SELECT id FROM members WHERE org_id = $1 AND id = $2")
        .bind(org.0)
        .bind(member.0)
        .fetch_optional(&mut **tx)
        .await?
        .map(|_| ())
        .ok_or(StoreError::NotFound)
}

async fn coupon_in(tx: &mut Tx, org: OrgId, id: CouponDefId) -> Result<CouponRow> {
    let sql = format!("SELECT {COUPON_COLS} FROM coupons WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    coupon_row(&row)
}

fn coupon_ended() -> StoreError {
    refused(
        "coupon_ended",
        "id",
        "the coupon has ended and can no longer be issued",
        "该优惠券已结束，不能再发放",
    )
}

/// Inserts copies for `members` (each already counted against the per-member limit)
/// and returns their ids by member, in the order given.
async fn insert_issues(
    tx: &mut Tx,
    org: OrgId,
    coupon: CouponDefId,
    members: &[MemberId],
    source: IssueSource,
    by: Option<StaffId>,
    at: i64,
    window: (i64, i64),
) -> Result<Vec<(MemberId, CouponId)>> {
    let mut out = Vec::with_capacity(members.len());
    for chunk in members.chunks(CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|k| format!("($1, $2, ${}, 'issued', $3, $4, $5, $6, $7)", k + 8))
            .collect();
        let sql = format!(
            "INSERT INTO coupon_issues (org_id, coupon_id, member_id, status, source, issued_by, issued_at, starts_at, \
             expires_at) VALUES {} RETURNING id, member_id",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .bind(coupon.0)
            .bind(source.code())
            .bind(by.map(|s| s.0))
            .bind(at)
            .bind(window.0)
            .bind(window.1);
        for m in chunk {
            q = q.bind(m.0);
        }
        for r in q.fetch_all(&mut **tx).await? {
            out.push((MemberId(r.get("member_id")), CouponId(r.get("id"))));
        }
    }
    out.sort_by_key(|(m, _)| *m);
    Ok(out)
}

/// Counts `n` more copies of the coupon as given out, if its issue limit allows.
async fn count_issued(tx: &mut Tx, org: OrgId, coupon: &CouponRow, n: i64) -> Result<bool> {
    let row = sqlx::query(
        "UPDATE coupons SET issued = issued + $3 WHERE org_id = $1 AND id = $2 AND status = 'active' \
         AND (issue_limit IS NULL OR issued + $3 <= issue_limit) RETURNING issued",
    )
    .bind(org.0)
    .bind(coupon.id.0)
    .bind(n)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.is_some())
}

async fn issue_in(
    tx: &mut Tx,
    org: OrgId,
    id: CouponDefId,
    members: &[MemberId],
    source: IssueSource,
    by: Option<StaffId>,
    at: i64,
) -> Result<IssueOutcome> {
    let coupon = coupon_in(tx, org, id).await?;
    if coupon.status == OfferStatus::Ended {
        return Err(coupon_ended());
    }
    let window = coupon.issue_window(at).ok_or_else(|| {
        refused(
            "coupon_expired",
            "id",
            "the coupon's validity window is over; nothing can be issued",
            "该优惠券的有效期已过，不能再发放",
        )
    })?;
    // Sorted, so concurrent issuers lock holder rows in the same order.
    let mut members = members.to_vec();
    members.sort_unstable();
    members.dedup();
    for chunk in members.chunks(CHUNK) {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM members WHERE org_id = $1 AND id IN ({})",
            placeholders(2, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.0);
        for m in chunk {
            q = q.bind(m.0);
        }
        let n: i64 = q.fetch_one(&mut **tx).await?.get("n");
        if usize::try_from(n).ok() != Some(chunk.len()) {
            return Err(StoreError::NotFound);
        }
    }
    // The per-member limit: a member's holder row counts up only while below the limit.
    let mut granted = Vec::with_capacity(members.len());
    for chunk in members.chunks(CHUNK) {
        let values: Vec<String> = (0..chunk.len()).map(|k| format!("($1, $2, ${}, 1)", k + 4)).collect();
        let sql = format!(
            "INSERT INTO coupon_holders (org_id, coupon_id, member_id, issued) VALUES {} \
             ON CONFLICT (coupon_id, member_id) DO UPDATE SET issued = coupon_holders.issued + 1 \
             WHERE coupon_holders.issued < $3 RETURNING member_id",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .bind(coupon.id.0)
            .bind(coupon.per_member_limit);
        for m in chunk {
            q = q.bind(m.0);
        }
        for r in q.fetch_all(&mut **tx).await? {
            granted.push(MemberId(r.get("member_id")));
        }
    }
    granted.sort_unstable();
    let at_limit: Vec<MemberId> = members
        .iter()
        .copied()
        .filter(|m| granted.binary_search(m).is_err())
        .collect();
    if granted.is_empty() {
        return Ok(IssueOutcome {
            issued: Vec::new(),
            at_limit,
        });
    }
    let issued = insert_issues(tx, org, coupon.id, &granted, source, by, at, window).await?;
    let n = i64::try_from(issued.len()).expect("bounded by ISSUE_MEMBERS_MAX");
    if !count_issued(tx, org, &coupon, n).await? {
        let now = coupon_in(tx, org, id).await?;
        if now.status == OfferStatus::Ended {
            return Err(coupon_ended());
        }
        let left = now.issue_limit.map_or(0, |l| (l - now.issued).max(0));
        return Err(refused(
            "coupon_issue_limit",
            "member_ids",
            format!("only {left} more copies of this coupon may be issued, {n} were asked for"),
            format!("该优惠券仅剩 {left} 张可发放，本次需要 {n} 张"),
        ));
    }
    write_audit(
        tx,
        &AuditEntry {
            org,
            staff: by,
            action: "coupon.issue",
            object_type: "coupon",
            object_id: Some(id.0),
            detail: format!("{} issued ({}), {} at their limit", n, source.code(), at_limit.len()),
            at,
        },
    )
    .await?;
    Ok(IssueOutcome { issued, at_limit })
}

/// Uses one copy a member holds for `order`: the copy turns `used` and the coupon's use
/// counter goes up, both conditionally. Composable: the till calls it inside the sale's
/// savepoint. Another member's or organisation's copy is `NotFound`; a used, voided or
/// expired copy is refused with `coupon_used`; the coupon's total limit with `coupon_limit`.
pub(crate) async fn use_coupon_in(
    tx: &mut Tx,
    org: OrgId,
    member: MemberId,
    issue: i64,
    order: OrderId,
    at: i64,
) -> Result<()> {
    let row = sqlx::query(
        "UPDATE coupon_issues SET status = 'used', used_at = $5, used_order_id = $4 \
         WHERE org_id = $1 AND id = $2 AND member_id = $3 AND status = 'issued' AND starts_at <= $5 AND expires_at > $5 \
         RETURNING coupon_id",
    )
    .bind(org.0)
    .bind(issue)
    .bind(member.0)
    .bind(order.0)
    .bind(at)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        let found = sqlx::query(
            "SELECT status, starts_at, expires_at FROM coupon_issues WHERE org_id = $1 AND id = $2 AND member_id = $3",
        )
        .bind(org.0)
        .bind(issue)
        .bind(member.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let status: String = found.get("status");
        let (en, zh) = match status.as_str() {
            "used" => ("the coupon has already been used", "该优惠券已使用"),
            "voided" => ("the coupon has been voided", "该优惠券已作废"),
            _ if found.get::<i64, _>("starts_at") > at => ("the coupon is not valid yet", "该优惠券尚未生效"),
            _ => ("the coupon has expired", "该优惠券已过期"),
        };
        return Err(refused("coupon_used", "coupon_ids", en, zh));
    };
    let coupon: i64 = row.get("coupon_id");
    let counted = sqlx::query(
        "UPDATE coupons SET used = used + 1 WHERE org_id = $1 AND id = $2 AND used < total_limit RETURNING used",
    )
    .bind(org.0)
    .bind(coupon)
    .fetch_optional(&mut **tx)
    .await?;
    if counted.is_none() {
        return Err(refused(
            "coupon_limit",
            "coupon_ids",
            "this coupon has reached its total number of uses",
            "该优惠券的使用总量已达上限",
        ));
    }
    Ok(())
}

/// Gives back every coupon `order` used (a whole refund): each copy is usable again if
/// still inside its window, else it turns `expired`; either way the use no longer counts.
/// Exactly once: a second call finds nothing used by the order.
pub(crate) async fn release_coupon_in(tx: &mut Tx, org: OrgId, order: OrderId, at: i64) -> Result<Vec<CouponId>> {
    let rows = sqlx::query(
        "UPDATE coupon_issues SET status = CASE WHEN expires_at > $3 THEN 'issued' ELSE 'expired' END, \
         used_at = NULL, used_order_id = NULL \
         WHERE org_id = $1 AND used_order_id = $2 AND status = 'used' RETURNING id, coupon_id",
    )
    .bind(org.0)
    .bind(order.0)
    .bind(at)
    .fetch_all(&mut **tx)
    .await?;
    let mut released = Vec::with_capacity(rows.len());
    let mut coupons: Vec<i64> = Vec::with_capacity(rows.len());
    for r in &rows {
        released.push(CouponId(r.get("id")));
        coupons.push(r.get("coupon_id"));
    }
    coupons.sort_unstable();
    for c in coupons {
        sqlx::query("UPDATE coupons SET used = used - 1 WHERE org_id = $1 AND id = $2 AND used > 0")
            .bind(org.0)
            .bind(c)
            .execute(&mut **tx)
            .await?;
    }
    released.sort_unstable();
    Ok(released)
}

/// Takes `qty` units of a flash sale's cap across orders, or refuses with
/// `flash_sale_sold_out`. Composable like `use_coupon_in`.
pub(crate) async fn take_flash_quota_in(tx: &mut Tx, org: OrgId, promotion: i64, qty: i64) -> Result<()> {
    if qty == 0 {
        return Ok(());
    }
    if qty < 0 {
        return Err(StoreError::State("a flash-sale quantity is never negative"));
    }
    let row = sqlx::query(
        "UPDATE flash_sale_quotas SET sold = sold + $3 WHERE org_id = $1 AND promotion_id = $2 AND sold + $3 <= cap \
         RETURNING sold",
    )
    .bind(org.0)
    .bind(promotion)
    .bind(qty)
    .fetch_optional(&mut **tx)
    .await?;
    if row.is_some() {
        return Ok(());
    }
    let quota = sqlx::query("SELECT cap, sold FROM flash_sale_quotas WHERE org_id = $1 AND promotion_id = $2")
        .bind(org.0)
        .bind(promotion)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let left = (quota.get::<i64, _>("cap") - quota.get::<i64, _>("sold")).max(0);
    Err(refused(
        "flash_sale_sold_out",
        "lines",
        format!("the flash sale has {left} left, {qty} asked for"),
        format!("秒杀商品仅剩 {left} 件，本单需要 {qty} 件"),
    ))
}

/// Puts `qty` units back into a flash sale's cap (a refund of flash-sale units).
pub(crate) async fn return_flash_quota_in(tx: &mut Tx, org: OrgId, promotion: i64, qty: i64) -> Result<()> {
    if qty == 0 {
        return Ok(());
    }
    if qty < 0 {
        return Err(StoreError::State("a flash-sale quantity is never negative"));
    }
    sqlx::query(
        "UPDATE flash_sale_quotas SET sold = sold - $3 WHERE org_id = $1 AND promotion_id = $2 AND sold >= $3 \
         RETURNING sold",
    )
    .bind(org.0)
    .bind(promotion)
    .bind(qty)
    .fetch_optional(&mut **tx)
    .await?
    .map(|_| ())
    .ok_or(StoreError::NotFound)
}

/// Runs `$body` (which uses `$tx`) in a write transaction and commits; a transaction that
/// lost a deadlock or serialization race is run again, as `record_sale` does.
macro_rules! in_tx {
    ($store:expr, |$tx:ident| $body:block) => {{
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome: Result<_> = async {
                let mut $tx = $store.begin().await?;
                let value = $body;
                $tx.commit().await?;
                Ok(value)
            }
            .await;
            match outcome {
                Err(StoreError::Db(e)) if is_retryable(&e) && attempt < RETRIES_MAX => {
                    tracing::debug!(attempt, error = %e, "retrying an offers transaction after a transient conflict");
                }
                other => break other,
            }
        }
    }};
}

impl Store {
    // -----------------------------------------------------------------------
    // Coupons

    pub async fn create_coupon(&self, org: OrgId, c: &NewCoupon<'_>, at: i64) -> Result<CouponDefId> {
        let cols = coupon_cols(&c.kind);
        let (products, category) = coupon_refs(&c.kind);
        in_tx!(self, |tx| {
            check_refs(&mut tx, org, &products, category).await?;
            let id: i64 = sqlx::query(
                "INSERT INTO coupons (org_id, name_zh, kind, amount_fen, percent_off_bp, max_off_fen, category_id, \
                 product_id, threshold_fen, starts_at, ends_at, valid_days, per_member_limit, total_limit, issue_limit, \
                 audience, note, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
            )
            .bind(org.0)
            .bind(c.name_zh)
            .bind(cols.kind)
            .bind(cols.amount_fen)
            .bind(cols.percent_off_bp)
            .bind(cols.max_off_fen)
            .bind(cols.category_id)
            .bind(cols.product_id)
            .bind(c.threshold_fen)
            .bind(c.starts_at)
            .bind(c.ends_at)
            .bind(c.valid_days)
            .bind(c.per_member_limit)
            .bind(c.total_limit)
            .bind(c.issue_limit)
            .bind(c.audience.code())
            .bind(c.note)
            .bind(c.created_by.map(|s| s.0))
            .bind(at)
            .fetch_one(&mut *tx)
            .await?
            .get("id");
            write_audit(
                &mut tx,
                &AuditEntry {
                    org,
                    staff: c.created_by,
                    action: "coupon.create",
                    object_type: "coupon",
                    object_id: Some(id),
                    detail: format!("{} ({})", c.name_zh, cols.kind),
                    at,
                },
            )
            .await?;
            CouponDefId(id)
        })
    }

    /// Coupons, newest first; `status` filters.
    pub async fn coupons(&self, org: OrgId, status: Option<OfferStatus>, page: PageRequest) -> Result<Page<CouponRow>> {
        let filter = if status.is_some() { " AND status = $2" } else { "" };
        let (limit, offset) = if status.is_some() { ("$3", "$4") } else { ("$2", "$3") };
        let count_sql = format!("SELECT COUNT(*) AS n FROM coupons WHERE org_id = $1{filter}");
        let list_sql = format!(
            "SELECT {COUPON_COLS} FROM coupons WHERE org_id = $1{filter} ORDER BY id DESC LIMIT {limit} OFFSET {offset}"
        );
        let mut count = sqlx::query(sqlx::AssertSqlSafe(count_sql)).bind(org.0);
        let mut list = sqlx::query(sqlx::AssertSqlSafe(list_sql)).bind(org.0);
        if let Some(s) = status {
            count = count.bind(s.code());
            list = list.bind(s.code());
        }
        let total: i64 = count.fetch_one(&self.pool).await?.get("n");
        let rows = list.bind(page.limit).bind(page.offset).fetch_all(&self.pool).await?;
        Ok(Page {
            items: rows.iter().map(coupon_row).collect::<Result<_>>()?,
            total,
        })
    }

    pub async fn coupon(&self, org: OrgId, id: CouponDefId) -> Result<CouponRow> {
        let sql = format!("SELECT {COUPON_COLS} FROM coupons WHERE org_id = $1 AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        coupon_row(&row)
    }

    /// Ends a coupon: no more copies are issued. Copies already given out stay usable
    /// until they expire (a coupon in a customer's hand is a promise).
    pub async fn end_coupon(&self, org: OrgId, id: CouponDefId, by: Option<StaffId>, at: i64) -> Result<()> {
        in_tx!(self, |tx| {
            let ended = sqlx::query(
                "UPDATE coupons SET status = 'ended', ended_at = $3 WHERE org_id = $1 AND id = $2 AND status = 'active' \
                 RETURNING id",
            )
            .bind(org.0)
            .bind(id.0)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            if ended.is_none() {
                coupon_in(&mut tx, org, id).await?;
                return Err(refused(
                    "already_ended",
                    "id",
                    "the coupon has already ended",
                    "该优惠券已经结束",
                ));
            }
            write_audit(
                &mut tx,
                &AuditEntry {
                    org,
                    staff: by,
                    action: "coupon.end",
                    object_type: "coupon",
                    object_id: Some(id.0),
                    detail: String::new(),
                    at,
                },
            )
            .await?;
        })
    }

    /// Gives one copy of the coupon to each member (duplicates count once), in one
    /// transaction: members already holding `per_member_limit` copies are skipped and
    /// reported; if the copies left under `issue_limit` are fewer than those to give,
    /// nothing is issued (`coupon_issue_limit`). A member of another organisation is
    /// `NotFound`.
    pub async fn issue_coupon(
        &self,
        org: OrgId,
        coupon: CouponDefId,
        members: &[MemberId],
        source: IssueSource,
        by: Option<StaffId>,
        at: i64,
    ) -> Result<IssueOutcome> {
        assert!(
            members.len() <= ISSUE_MEMBERS_MAX,
            "the app bounds the members of one issue"
        );
        in_tx!(self, |tx| {
            issue_in(&mut tx, org, coupon, members, source, by, at).await?
        })
    }

    /// Issues every active coupon whose audience is `event` to the member, once per member
    /// per coupon (a member who already holds the coupon gets no second copy). A coupon
    /// whose issue limit is reached is skipped: the event itself never fails for it.
    pub async fn issue_on_event(
        &self,
        org: OrgId,
        member: MemberId,
        event: CouponEvent,
        at: i64,
    ) -> Result<Vec<CouponId>> {
        in_tx!(self, |tx| {
            check_member(&mut tx, org, member).await?;
            let sql = format!(
                "SELECT {COUPON_COLS} FROM coupons WHERE org_id = $1 AND audience = $2 AND status = 'active' \
                 AND (ends_at IS NULL OR ends_at > $3) ORDER BY id LIMIT {EVENT_COUPONS_MAX}"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(org.0)
                .bind(event.audience().code())
                .bind(at)
                .fetch_all(&mut *tx)
                .await?;
            let mut issued = Vec::new();
            for r in &rows {
                let coupon = coupon_row(r)?;
                let Some(window) = coupon.issue_window(at) else {
                    continue;
                };
                let first = sqlx::query(
                    "INSERT INTO coupon_holders (org_id, coupon_id, member_id, issued) VALUES ($1, $2, $3, 1) \
                     ON CONFLICT (coupon_id, member_id) DO NOTHING RETURNING member_id",
                )
                .bind(org.0)
                .bind(coupon.id.0)
                .bind(member.0)
                .fetch_optional(&mut *tx)
                .await?;
                if first.is_none() {
                    continue;
                }
                if !count_issued(&mut tx, org, &coupon, 1).await? {
                    sqlx::query("DELETE FROM coupon_holders WHERE coupon_id = $1 AND member_id = $2")
                        .bind(coupon.id.0)
                        .bind(member.0)
                        .execute(&mut *tx)
                        .await?;
                    continue;
                }
                let got =
                    insert_issues(&mut tx, org, coupon.id, &[member], IssueSource::Event, None, at, window).await?;
                issued.extend(got.into_iter().map(|(_, id)| id));
            }
            issued
        })
    }

    /// A member's coupons, newest first (at most `MEMBER_COUPONS_MAX`); with `usable_at`,
    /// only copies that can be used at that instant.
    pub async fn member_coupons(
        &self,
        org: OrgId,
        member: MemberId,
        usable_at: Option<i64>,
    ) -> Result<Vec<MemberCouponRow>> {
        sqlx::query("SELECT id FROM members WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(member.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let usable = if usable_at.is_some() {
            " AND i.status = 'issued' AND i.starts_at <= $3 AND i.expires_at > $3"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {ISSUE_COLS} FROM coupon_issues i JOIN coupons c ON c.id = i.coupon_id \
             WHERE i.org_id = $1 AND i.member_id = $2{usable} ORDER BY i.id DESC LIMIT {MEMBER_COUPONS_MAX}"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.0).bind(member.0);
        if let Some(at) = usable_at {
            q = q.bind(at);
        }
        q.fetch_all(&self.pool).await?.iter().map(member_coupon_row).collect()
    }

    /// The copies a customer presents, as the pricing engine takes them (in the order
    /// given). A copy that is not this member's in this organisation is `NotFound`; a
    /// used or voided one is refused with `coupon_used`. Expiry is left to the engine,
    /// which explains it.
    pub async fn usable_coupons(
        &self,
        org: OrgId,
        member: MemberId,
        issue_ids: &[CouponId],
        at: i64,
    ) -> Result<Vec<Coupon>> {
        assert!(
            issue_ids.len() <= linli_domain::pricing::COUPONS_MAX,
            "the app bounds the coupons of one order"
        );
        if issue_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ISSUE_COLS} FROM coupon_issues i JOIN coupons c ON c.id = i.coupon_id \
             WHERE i.org_id = $1 AND i.member_id = $2 AND i.id IN ({})",
            placeholders(3, issue_ids.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.0).bind(member.0);
        for id in issue_ids {
            q = q.bind(id.0);
        }
        let rows: Vec<MemberCouponRow> = q
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(member_coupon_row)
            .collect::<Result<_>>()?;
        issue_ids
            .iter()
            .map(|id| {
                let row = rows.iter().find(|r| r.issue_id == *id).ok_or(StoreError::NotFound)?;
                match row.status_at(at) {
                    IssueStatus::Used => Err(refused(
                        "coupon_used",
                        "coupon_ids",
                        "the coupon has already been used",
                        "该优惠券已使用",
                    )),
                    IssueStatus::Voided => Err(refused(
                        "coupon_used",
                        "coupon_ids",
                        "the coupon has been voided",
                        "该优惠券已作废",
                    )),
                    IssueStatus::Issued | IssueStatus::Expired => Ok(row.to_pricing()),
                }
            })
            .collect()
    }

    /// Uses one copy for an order in its own transaction (see `use_coupon_in`); the till
    /// composes `use_coupon_in` into the sale's savepoint instead.
    pub async fn redeem_coupon(
        &self,
        org: OrgId,
        member: MemberId,
        issue: CouponId,
        order: OrderId,
        at: i64,
    ) -> Result<()> {
        in_tx!(self, |tx| {
            sqlx::query("SELECT id FROM orders WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(order.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            use_coupon_in(&mut tx, org, member, issue.0, order, at).await?;
        })
    }

    /// Gives back the coupons a wholly refunded order used (see `release_coupon_in`).
    pub async fn release_coupons(&self, org: OrgId, order: OrderId, at: i64) -> Result<Vec<CouponId>> {
        in_tx!(self, |tx| { release_coupon_in(&mut tx, org, order, at).await? })
    }

    // -----------------------------------------------------------------------
    // Promotions

    /// Creates a promotion (and the quota row of a flash sale). Refused with
    /// `too_many_promotions` when `PROMOTIONS_MAX` active ones already overlap its window,
    /// so the pricing engine never gets more than it takes.
    pub async fn create_promotion(&self, org: OrgId, p: &NewPromotion<'_>, at: i64) -> Result<PromotionId> {
        let cols = rule_cols(&p.rule);
        let (products, category) = rule_refs(&p.rule);
        let flash_cap = match p.rule {
            PromotionRule::FlashSale { .. } => Some(p.flash_cap.expect("the app requires a flash sale's cap")),
            _ => None,
        };
        let out = in_tx!(self, |tx| {
            check_refs(&mut tx, org, &products, category).await?;
            let overlapping: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM promotions WHERE org_id = $1 AND status = 'active' AND starts_at < $3 \
                 AND ends_at > $2",
            )
            .bind(org.0)
            .bind(p.starts_at)
            .bind(p.ends_at)
            .fetch_one(&mut *tx)
            .await?
            .get("n");
            let max = i64::try_from(PROMOTIONS_MAX).expect("small");
            if overlapping >= max {
                return Err(refused(
                    "too_many_promotions",
                    "starts_at",
                    format!("at most {max} promotions may run at the same time; end one first"),
                    format!("同一时间最多进行 {max} 个促销活动，请先结束一个"),
                ));
            }
            let id: i64 = sqlx::query(
                "INSERT INTO promotions (org_id, name_zh, kind, product_id, category_id, bundle_products, price_fen, \
                 buy_qty, free_qty, percent_off_bp, cap_per_order, starts_at, ends_at, priority, stackable, note, \
                 created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
            )
            .bind(org.0)
            .bind(p.name_zh)
            .bind(cols.kind)
            .bind(cols.product_id)
            .bind(cols.category_id)
            .bind(cols.bundle_products.as_str())
            .bind(cols.price_fen)
            .bind(cols.buy_qty)
            .bind(cols.free_qty)
            .bind(cols.percent_off_bp)
            .bind(cols.cap_per_order)
            .bind(p.starts_at)
            .bind(p.ends_at)
            .bind(i64::from(p.priority))
            .bind(i64::from(p.stackable))
            .bind(p.note)
            .bind(p.created_by.map(|s| s.0))
            .bind(at)
            .fetch_one(&mut *tx)
            .await?
            .get("id");
            if let Some(cap) = flash_cap {
                sqlx::query("INSERT INTO flash_sale_quotas (org_id, promotion_id, cap, sold) VALUES ($1, $2, $3, 0)")
                    .bind(org.0)
                    .bind(id)
                    .bind(cap)
                    .execute(&mut *tx)
                    .await?;
            }
            write_audit(
                &mut tx,
                &AuditEntry {
                    org,
                    staff: p.created_by,
                    action: "promotion.create",
                    object_type: "promotion",
                    object_id: Some(id),
                    detail: format!("{} ({})", p.name_zh, cols.kind),
                    at,
                },
            )
            .await?;
            PromotionId(id)
        });
        self.caches.promotions.drop_key(&org);
        out
    }

    /// Promotions, newest first; `status` filters.
    pub async fn promotions(
        &self,
        org: OrgId,
        status: Option<OfferStatus>,
        page: PageRequest,
    ) -> Result<Page<PromotionRow>> {
        let filter = if status.is_some() { " AND p.status = $2" } else { "" };
        let (limit, offset) = if status.is_some() { ("$3", "$4") } else { ("$2", "$3") };
        let count_sql = format!("SELECT COUNT(*) AS n FROM promotions p WHERE p.org_id = $1{filter}");
        let list_sql = format!(
            "SELECT {PROMOTION_COLS} FROM {PROMOTION_FROM} WHERE p.org_id = $1{filter} ORDER BY p.id DESC \
             LIMIT {limit} OFFSET {offset}"
        );
        let mut count = sqlx::query(sqlx::AssertSqlSafe(count_sql)).bind(org.0);
        let mut list = sqlx::query(sqlx::AssertSqlSafe(list_sql)).bind(org.0);
        if let Some(s) = status {
            count = count.bind(s.code());
            list = list.bind(s.code());
        }
        let total: i64 = count.fetch_one(&self.pool).await?.get("n");
        let rows = list.bind(page.limit).bind(page.offset).fetch_all(&self.pool).await?;
        Ok(Page {
            items: rows.iter().map(promotion_row).collect::<Result<_>>()?,
            total,
        })
    }

    pub async fn promotion(&self, org: OrgId, id: PromotionId) -> Result<PromotionRow> {
        let sql = format!("SELECT {PROMOTION_COLS} FROM {PROMOTION_FROM} WHERE p.org_id = $1 AND p.id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        promotion_row(&row)
    }

    /// Ends a promotion now: from this instant no price includes it.
    pub async fn end_promotion(&self, org: OrgId, id: PromotionId, by: Option<StaffId>, at: i64) -> Result<()> {
        let out = in_tx!(self, |tx| {
            let ended = sqlx::query(
                "UPDATE promotions SET status = 'ended', ended_at = $3 WHERE org_id = $1 AND id = $2 \
                 AND status = 'active' RETURNING id",
            )
            .bind(org.0)
            .bind(id.0)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            if ended.is_none() {
                sqlx::query("SELECT id FROM promotions WHERE org_id = $1 AND id = $2")
                    .bind(org.0)
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                return Err(refused(
                    "already_ended",
                    "id",
                    "the promotion has already ended",
                    "该促销活动已经结束",
                ));
            }
            write_audit(
                &mut tx,
                &AuditEntry {
                    org,
                    staff: by,
                    action: "promotion.end",
                    object_type: "promotion",
                    object_id: Some(id.0),
                    detail: String::new(),
                    at,
                },
            )
            .await?;
        });
        self.caches.promotions.drop_key(&org);
        out
    }

    /// The promotions running at `at`, ready for the pricing engine (at most
    /// `PROMOTIONS_MAX`, highest priority first). A flash sale's per-order cap is cut to
    /// what is left of its cap across orders, and a sold-out flash sale is left out, so a
    /// quote never promises units the till then cannot take.
    pub async fn active_promotions(&self, org: OrgId, at: i64) -> Result<Vec<Promotion>> {
        let ttl_ms = i64::try_from(crate::cache::RULES_TTL.as_millis()).expect("a short TTL");
        if let Some(copy) = self.caches.promotions.get(&org)
            && (copy.loaded_at..copy.loaded_at + ttl_ms).contains(&at)
        {
            return Ok(in_window(copy.list.iter().map(|p| (p.clone(), None)), at));
        }
        // Every promotion live at some instant of the next `RULES_TTL`, so that a copy
        // answers any instant of it exactly as a fresh read would.
        let generation = self.caches.promotions.generation();
        let read_max = 4 * PROMOTIONS_MAX;
        let sql = format!(
            "SELECT {PROMOTION_COLS} FROM {PROMOTION_FROM} WHERE p.org_id = $1 AND p.status = 'active' \
             AND p.starts_at < $3 AND p.ends_at > $2 ORDER BY p.priority DESC, p.id LIMIT {read_max}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .bind(at)
            .bind(at + ttl_ms)
            .fetch_all(&self.pool)
            .await?;
        let mut read = Vec::with_capacity(rows.len());
        for r in &rows {
            let row = promotion_row(r)?;
            let left = row.flash_cap.map(|cap| cap - row.flash_sold.unwrap_or(0));
            read.push((row.to_pricing(), left));
        }
        let flash = read
            .iter()
            .any(|(p, _)| matches!(p.rule, PromotionRule::FlashSale { .. }));
        let answer = in_window(read.iter().cloned(), at);
        if !flash && read.len() < read_max {
            let list = read.into_iter().map(|(p, _)| p).collect();
            self.caches
                .promotions
                .keep(org, generation, PromotionsCopy { loaded_at: at, list });
        }
        Ok(answer)
    }

    /// Takes `qty` units of a flash sale's cap in its own transaction (see `take_flash_quota_in`).
    pub async fn take_flash_quota(&self, org: OrgId, promotion: PromotionId, qty: i64) -> Result<()> {
        in_tx!(self, |tx| {
            take_flash_quota_in(&mut tx, org, promotion.0, qty).await?
        })
    }

    /// Puts `qty` units back into a flash sale's cap in its own transaction.
    pub async fn return_flash_quota(&self, org: OrgId, promotion: PromotionId, qty: i64) -> Result<()> {
        in_tx!(self, |tx| {
            return_flash_quota_in(&mut tx, org, promotion.0, qty).await?
        })
    }

    // -----------------------------------------------------------------------
    // Members, as offers see them

    /// The members with these phone numbers (as stored: 11 digits), one answer per phone.
    pub async fn members_by_phone(&self, org: OrgId, phones: &[String]) -> Result<Vec<Option<MemberId>>> {
        let mut found: Vec<(String, MemberId)> = Vec::with_capacity(phones.len());
        for chunk in phones.chunks(CHUNK) {
            let sql = format!(
                "SELECT id, phone FROM members WHERE org_id = $1 AND phone IN ({})",
                placeholders(2, chunk.len())
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.0);
            for p in chunk {
                q = q.bind(p.as_str());
            }
            for r in q.fetch_all(&self.pool).await? {
                found.push((r.get("phone"), MemberId(r.get("id"))));
            }
        }
        Ok(phones
            .iter()
            .map(|p| found.iter().find(|(f, _)| f == p).map(|(_, m)| *m))
            .collect())
    }

    /// Whether the member has not completed an order yet (新人: new-member coupons apply).
    pub async fn is_new_member(&self, org: OrgId, member: MemberId) -> Result<bool> {
        sqlx::query("SELECT id FROM members WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(member.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let first =
            sqlx::query("SELECT id FROM orders WHERE org_id = $1 AND member_id = $2 AND status = 'completed' LIMIT 1")
                .bind(org.0)
                .bind(member.0)
                .fetch_optional(&self.pool)
                .await?;
        Ok(first.is_none())
    }
}
