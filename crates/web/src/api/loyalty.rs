//! 积分、储值、会员等级 Points, stored value, tiers: member lookup at the till, a
//! member's standing and statements, top-ups, point adjustments, the rules, and the
//! birthday-gift and expiry jobs run by hand. Wire types live here, beside their handlers.

use super::{Errors, JsonOut, List, PageQuery, R, list, paging};
use crate::extract::{Auth, Json};
use crate::{AppState, api::Query};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use linli_app::loyalty::{LoyaltySettingsInput, LoyaltyView, MemberFound, TierInput};
use linli_domain::ids::MemberId;
use linli_domain::loyalty::TierRule;
use linli_store::{LoyaltySettings, PointsStatementRow, StoredValueStatementRow, rounding_code};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

#[derive(OpenApi)]
#[openapi(tags((name = "loyalty", description = "会员积分、储值、等级 Members' points, stored value and tiers")))]
struct LoyaltyDoc;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(LoyaltyDoc::openapi())
        .routes(routes!(lookup_member))
        .routes(routes!(member_loyalty))
        .routes(routes!(points_statement))
        .routes(routes!(stored_value_statement))
        .routes(routes!(create_top_up))
        .routes(routes!(create_points_adjustment))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(run_birthday_gifts))
        .routes(routes!(run_expire_points))
}

// ---------------------------------------------------------------------------------------
// Wire types

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    /// An 11-digit mobile number or a member code such as `M000042`.
    pub q: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoyaltyTier {
    pub code: String,
    pub name_zh: String,
    /// Rolling twelve-month spend needed, in fen.
    pub min_spend_fen_12m: i64,
    /// Price factor in basis points: 9500 = 95折.
    pub discount_bp: i64,
    /// Points factor in basis points: 15000 = 1.5×.
    pub points_multiplier_bp: i64,
}

impl From<TierRule> for LoyaltyTier {
    fn from(t: TierRule) -> LoyaltyTier {
        LoyaltyTier {
            code: t.code,
            name_zh: t.name_zh,
            min_spend_fen_12m: t.min_spend_fen_12m,
            discount_bp: i64::from(t.discount_bp),
            points_multiplier_bp: i64::from(t.points_multiplier_bp),
        }
    }
}

/// A member found at the till.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberLookup {
    pub id: i64,
    /// Member code on cards and receipts.
    pub code: String,
    pub name: String,
    /// Whole when looked up by phone (the cashier typed it), else masked 138****5678.
    pub phone: String,
    pub tier: LoyaltyTier,
    pub points_available: i64,
    pub stored_value_fen: i64,
}

impl From<MemberFound> for MemberLookup {
    fn from(f: MemberFound) -> MemberLookup {
        MemberLookup {
            id: f.member.id.0,
            code: f.code,
            name: f.member.name,
            phone: f.member.phone,
            tier: f.tier.into(),
            points_available: f.points_available,
            stored_value_fen: f.stored_value_fen,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoyaltyNextTier {
    pub tier: LoyaltyTier,
    /// What is missing in the rolling twelve months to reach it.
    pub spend_needed_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointsSummary {
    pub balance: i64,
    /// Redeemable now (lapsed points not yet written off are not).
    pub available: i64,
    /// What the available points pay, by the redeem rule.
    pub value_fen: i64,
    /// Points lapsing within 30 days.
    pub expiring_soon: i64,
    /// When the next award lapses (unix ms) and how many points it still holds.
    pub next_expiry_at: Option<i64>,
    pub next_expiry_points: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StoredValueSummary {
    /// 本金: money the member paid in, refundable.
    pub principal_fen: i64,
    /// 赠送金: the store's bonus.
    pub bonus_fen: i64,
    pub balance_fen: i64,
}

/// A member's tier, points and stored value.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberLoyalty {
    pub member_id: i64,
    pub code: String,
    pub name: String,
    /// Always masked.
    pub phone: String,
    pub tier: LoyaltyTier,
    pub next_tier: Option<LoyaltyNextTier>,
    /// Completed orders in the rolling twelve months, in fen.
    pub rolling_spend_fen: i64,
    pub points: PointsSummary,
    pub stored_value: StoredValueSummary,
}

impl From<LoyaltyView> for MemberLoyalty {
    fn from(v: LoyaltyView) -> MemberLoyalty {
        MemberLoyalty {
            member_id: v.member.id.0,
            code: v.code,
            name: v.member.name,
            phone: v.member.phone,
            tier: v.tier.into(),
            next_tier: v.next_tier.map(|n| LoyaltyNextTier {
                tier: n.tier.into(),
                spend_needed_fen: n.spend_needed_fen,
            }),
            rolling_spend_fen: v.rolling_spend_fen,
            points: PointsSummary {
                balance: v.points_balance,
                available: v.points_available,
                value_fen: v.points_value_fen,
                expiring_soon: v.points_expiring_soon,
                next_expiry_at: v.next_expiry.map(|e| e.expires_at),
                next_expiry_points: v.next_expiry.map(|e| e.points),
            },
            stored_value: StoredValueSummary {
                principal_fen: v.principal_fen,
                bonus_fen: v.bonus_fen,
                balance_fen: v.principal_fen + v.bonus_fen,
            },
        }
    }
}

/// One line of a points statement.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsLine {
    pub entry_no: i64,
    /// earn 消费积分, redeem 积分抵现, reverse 退款冲回, expire 过期, adjust 人工调整.
    pub kind: String,
    pub points: i64,
    pub balance_after: i64,
    pub order_id: Option<i64>,
    pub order_number: Option<String>,
    /// When an earned award lapses (unix ms).
    pub expires_at: Option<i64>,
    pub reason: String,
    pub staff_name: Option<String>,
    pub at: i64,
}

impl From<PointsStatementRow> for PointsLine {
    fn from(r: PointsStatementRow) -> PointsLine {
        PointsLine {
            entry_no: r.entry_no,
            kind: r.kind,
            points: r.points,
            balance_after: r.balance_after,
            order_id: r.order_id.map(|o| o.0),
            order_number: r.order_number,
            expires_at: r.expires_at,
            reason: r.reason,
            staff_name: r.staff_name,
            at: r.at,
        }
    }
}

/// One line of a stored-value statement; amounts are signed.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoredValueLine {
    pub entry_no: i64,
    /// top_up 充值, spend 消费, refund 退回, withdraw 退卡, adjust 人工调整.
    pub kind: String,
    pub principal_fen: i64,
    pub bonus_fen: i64,
    pub amount_fen: i64,
    pub principal_after: i64,
    pub bonus_after: i64,
    pub order_id: Option<i64>,
    pub order_number: Option<String>,
    /// How a top-up was paid.
    pub tender: String,
    pub reason: String,
    pub staff_name: Option<String>,
    pub at: i64,
}

impl From<StoredValueStatementRow> for StoredValueLine {
    fn from(r: StoredValueStatementRow) -> StoredValueLine {
        StoredValueLine {
            entry_no: r.entry_no,
            kind: r.kind,
            amount_fen: r.principal_fen + r.bonus_fen,
            principal_fen: r.principal_fen,
            bonus_fen: r.bonus_fen,
            principal_after: r.principal_after,
            bonus_after: r.bonus_after,
            order_id: r.order_id.map(|o| o.0),
            order_number: r.order_number,
            tender: r.tender,
            reason: r.reason,
            staff_name: r.staff_name,
            at: r.at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopUpInput {
    /// What the member paid, in fen (becomes principal).
    pub paid_fen: i64,
    /// cash, wechat_qr, alipay_qr or card.
    pub tender: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopUp {
    pub entry_no: i64,
    pub paid_fen: i64,
    /// The bonus the top-up rules gave (充值赠送).
    pub bonus_fen: i64,
    pub principal_after: i64,
    pub bonus_after: i64,
    pub balance_fen: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsAdjustmentInput {
    /// Positive adds (never lapses), negative removes (earliest-expiring first).
    pub points: i64,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointsAdjustment {
    pub points: i64,
    pub balance_after: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopUpRuleBody {
    pub min_paid_fen: i64,
    pub bonus_fen: i64,
}

/// The organisation's member rules; an organisation that never saved any gets the defaults.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoyaltySettingsBody {
    /// Fen paid per point earned: 100 = 1 point per yuan.
    pub fen_per_point: i64,
    /// down, half_up or up.
    pub earn_rounding: String,
    /// Months an award is kept before it lapses (at the end of that day).
    pub expiry_months: i64,
    /// Points that pay one yuan.
    pub points_per_yuan: i64,
    /// The most of an order points may pay, in basis points (5000 = half).
    pub order_share_max_bp: i64,
    /// Points given in the birthday week (0 = none).
    pub birthday_gift_points: i64,
    /// Lowest first; the first starts at 0.
    pub tiers: Vec<LoyaltyTier>,
    pub top_up_rules: Vec<TopUpRuleBody>,
}

impl From<LoyaltySettings> for LoyaltySettingsBody {
    fn from(s: LoyaltySettings) -> LoyaltySettingsBody {
        LoyaltySettingsBody {
            fen_per_point: s.earn().fen_per_point(),
            earn_rounding: rounding_code(s.earn().rounding()).into(),
            expiry_months: i64::from(s.earn().expiry_months()),
            points_per_yuan: s.redeem().points_per_yuan(),
            order_share_max_bp: i64::from(s.redeem().order_share_max_bp()),
            birthday_gift_points: s.birthday_gift_points(),
            tiers: s.tiers().rules().iter().cloned().map(LoyaltyTier::from).collect(),
            top_up_rules: s
                .top_up_list()
                .iter()
                .map(|r| TopUpRuleBody {
                    min_paid_fen: r.min_paid_fen,
                    bonus_fen: r.bonus_fen,
                })
                .collect(),
        }
    }
}

impl From<LoyaltySettingsBody> for LoyaltySettingsInput {
    fn from(b: LoyaltySettingsBody) -> LoyaltySettingsInput {
        LoyaltySettingsInput {
            fen_per_point: b.fen_per_point,
            earn_rounding: b.earn_rounding,
            expiry_months: b.expiry_months,
            points_per_yuan: b.points_per_yuan,
            order_share_max_bp: b.order_share_max_bp,
            birthday_gift_points: b.birthday_gift_points,
            tiers: b
                .tiers
                .into_iter()
                .map(|t| TierInput {
                    code: t.code,
                    name_zh: t.name_zh,
                    min_spend_fen_12m: t.min_spend_fen_12m,
                    discount_bp: t.discount_bp,
                    points_multiplier_bp: t.points_multiplier_bp,
                })
                .collect(),
            top_up_rules: b
                .top_up_rules
                .into_iter()
                .map(|r| (r.min_paid_fen, r.bonus_fen))
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BirthdayGiftRun {
    /// Gifts issued by this run (0 when they were all issued before).
    pub issued: i64,
    pub points: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExpiryRun {
    /// Members whose lapsed points were written off.
    pub members: i64,
    pub points: i64,
}

// ---------------------------------------------------------------------------------------
// Handlers

/// Finds a member by mobile number or member code (收银台查会员).
#[utoipa::path(get, path = "/api/v1/members/lookup", tag = "loyalty", security(("bearer" = [])), params(LookupQuery),
    responses((status = 200, body = MemberLookup), Errors))]
async fn lookup_member(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<LookupQuery>,
) -> R<JsonOut<MemberLookup>> {
    Ok(axum::Json(s.app.member_lookup(&a.actor, &q.q).await?.into()))
}

/// A member's tier (discount, points multiplier), points, stored value, rolling spend and next tier.
#[utoipa::path(get, path = "/api/v1/members/{id}/loyalty", tag = "loyalty", security(("bearer" = [])),
    params(("id" = i64, Path)), responses((status = 200, body = MemberLoyalty), Errors))]
async fn member_loyalty(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<i64>) -> R<JsonOut<MemberLoyalty>> {
    Ok(axum::Json(s.app.member_loyalty(&a.actor, MemberId(id)).await?.into()))
}

/// The member's points statement (积分明细), newest first.
#[utoipa::path(get, path = "/api/v1/members/{id}/points", tag = "loyalty", security(("bearer" = [])),
    params(("id" = i64, Path), PageQuery), responses((status = 200, body = List<PointsLine>), Errors))]
async fn points_statement(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> R<JsonOut<List<PointsLine>>> {
    let p = paging(q.page, q.page_size)?;
    let page = s.app.points_statement(&a.actor, MemberId(id), p).await?;
    Ok(list(page, p, PointsLine::from))
}

/// The member's stored-value statement (储值明细), newest first.
#[utoipa::path(get, path = "/api/v1/members/{id}/stored-value", tag = "loyalty", security(("bearer" = [])),
    params(("id" = i64, Path), PageQuery), responses((status = 200, body = List<StoredValueLine>), Errors))]
async fn stored_value_statement(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> R<JsonOut<List<StoredValueLine>>> {
    let p = paging(q.page, q.page_size)?;
    let page = s.app.stored_value_statement(&a.actor, MemberId(id), p).await?;
    Ok(list(page, p, StoredValueLine::from))
}

/// Tops up stored value (储值充值); the bonus follows the top-up rules. Cashiers may.
#[utoipa::path(post, path = "/api/v1/members/{id}/top-ups", tag = "loyalty", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = TopUpInput, responses((status = 201, body = TopUp), Errors))]
async fn create_top_up(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Json(i): Json<TopUpInput>,
) -> R<impl IntoResponse> {
    let done = s.app.top_up(&a.actor, MemberId(id), i.paid_fen, &i.tender).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(TopUp {
            entry_no: done.entry_no,
            paid_fen: done.principal_fen,
            bonus_fen: done.bonus_fen,
            principal_after: done.principal_after,
            bonus_after: done.bonus_after,
            balance_fen: done.principal_after + done.bonus_after,
        }),
    ))
}

/// Adds or removes points by hand with a reason (owner and manager; audited).
#[utoipa::path(post, path = "/api/v1/members/{id}/points/adjustments", tag = "loyalty", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PointsAdjustmentInput, responses((status = 201, body = PointsAdjustment), Errors))]
async fn create_points_adjustment(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<i64>,
    Json(i): Json<PointsAdjustmentInput>,
) -> R<impl IntoResponse> {
    let balance_after = s.app.adjust_points(&a.actor, MemberId(id), i.points, &i.reason).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(PointsAdjustment {
            points: i.points,
            balance_after,
        }),
    ))
}

/// The member rules: points earning and redemption, top-up offers, tiers, birthday gift.
#[utoipa::path(get, path = "/api/v1/loyalty/settings", tag = "loyalty", security(("bearer" = [])),
    responses((status = 200, body = LoyaltySettingsBody), Errors))]
async fn get_settings(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<LoyaltySettingsBody>> {
    Ok(axum::Json(s.app.loyalty_settings(&a.actor).await?.into()))
}

/// Replaces the member rules (owner and manager; audited).
#[utoipa::path(put, path = "/api/v1/loyalty/settings", tag = "loyalty", security(("bearer" = [])),
    request_body = LoyaltySettingsBody, responses((status = 200, body = LoyaltySettingsBody), Errors))]
async fn put_settings(
    State(s): State<AppState>,
    Auth(a): Auth,
    Json(b): Json<LoyaltySettingsBody>,
) -> R<JsonOut<LoyaltySettingsBody>> {
    let input = LoyaltySettingsInput::from(b);
    Ok(axum::Json(s.app.set_loyalty_settings(&a.actor, &input).await?.into()))
}

/// Issues the birthday gifts due today now (also safe to run twice: once per member per year).
#[utoipa::path(post, path = "/api/v1/loyalty/jobs/birthday-gifts", tag = "loyalty", security(("bearer" = [])),
    responses((status = 200, body = BirthdayGiftRun), Errors))]
async fn run_birthday_gifts(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<BirthdayGiftRun>> {
    let r = s.app.run_birthday_gifts(&a.actor).await?;
    Ok(axum::Json(BirthdayGiftRun {
        issued: r.issued,
        points: r.points,
    }))
}

/// Writes off lapsed points now, oldest first.
#[utoipa::path(post, path = "/api/v1/loyalty/jobs/expire-points", tag = "loyalty", security(("bearer" = [])),
    responses((status = 200, body = ExpiryRun), Errors))]
async fn run_expire_points(State(s): State<AppState>, Auth(a): Auth) -> R<JsonOut<ExpiryRun>> {
    let r = s.app.run_expire_points(&a.actor).await?;
    Ok(axum::Json(ExpiryRun {
        members: r.members,
        points: r.points,
    }))
}
