//! Members' points and stored-value ledgers (积分, 储值), tiers and birthday gifts.
//!
//! Both ledgers are append-only tables (`member_points`, `member_stored_value`) whose
//! fold is cached in `member_balances`, updated in the same transaction. Every writer
//! first locks the member's balance row with a portable
//! `UPDATE member_balances SET version = version + 1 ... RETURNING` (creating the row
//! when missing), then reads the member's ledger, folds it with the domain book
//! (`loyalty::PointsBook`, `loyalty::StoredValueBook`), lets the book propose the new
//! entries and appends them. So the domain is the one place that decides what a ledger
//! may contain, two tills charging one member queue on the lock instead of both
//! spending the same points, and `(member_id, entry_no)` would refuse a forked ledger
//! even if the lock were forgotten.
//!
//! `apply_sale_effects_in` and `reverse_sale_effects_in` work inside a caller's
//! transaction (the till sale's savepoint); every public `Store` method here is one
//! transaction of its own, run again when it lost a deadlock or serialization race.

use crate::audit::{AuditEntry, write_audit};
use crate::db::{RETRIES_MAX, Store, Tx, is_retryable, opt_i64};
use crate::error::{Result, StoreError};
use crate::members::MemberRow;
use crate::{Page, PageRequest};
use jiff::civil::Date;
use linli_domain::ids::{BuildingId, MemberId, OrderId, OrgId, StaffId};
use linli_domain::loyalty::{
    EarnRule, EntryNo, POINTS_ENTRY_MAX, PointsBook, PointsEntry, PointsError, PointsKind, RedeemRule, RefundPortion,
    RuleError, StoredValueBook, StoredValueEntry, StoredValueError, StoredValueKind, TierRule, TierTable, TopUpRule,
    TopUpRules, birthday_week_year, rolling_window_start,
};
use linli_domain::money::Rounding;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashSet;

/// The most members one expiry sweep call works through before it returns; the job
/// runs again the next day (or the caller calls again) for the rest.
pub const EXPIRY_SWEEP_MEMBERS_MAX: i64 = 10_000;

/// Runs `$body` in a write transaction bound to `$tx`, commits at its end, and runs it
/// again when it lost a deadlock or serialization race (it changed nothing then).
macro_rules! in_write_tx {
    ($store:expr, $tx:ident => $body:expr) => {{
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
                    tracing::debug!(attempt, error = %e, "retrying a loyalty change after a transient conflict");
                }
                other => break other,
            }
        }
    }};
}

// ---------------------------------------------------------------------------------------
// Settings

/// An organisation's member rules: how points are earned and redeemed, the top-up
/// offers, the tier table and the birthday gift. Built only from rules the domain accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoyaltySettings {
    earn: EarnRule,
    redeem: RedeemRule,
    top_up_list: Vec<TopUpRule>,
    top_ups: TopUpRules,
    tiers: TierTable,
    birthday_gift_points: i64,
}

impl LoyaltySettings {
    /// `birthday_gift_points` is bounded by the caller (0 = no gift).
    pub fn new(
        earn: EarnRule,
        redeem: RedeemRule,
        mut top_up_list: Vec<TopUpRule>,
        tiers: TierTable,
        birthday_gift_points: i64,
    ) -> Result<LoyaltySettings, RuleError> {
        top_up_list.sort_by_key(|r| r.min_paid_fen);
        let top_ups = TopUpRules::new(top_up_list.clone())?;
        Ok(LoyaltySettings {
            earn,
            redeem,
            top_up_list,
            top_ups,
            tiers,
            birthday_gift_points,
        })
    }

    /// What an organisation that never saved its own rules gets: 1 point per yuan, kept 12
    /// months; 100 points pay ¥1, at most half an order; 充500送50, 充1000送120; tiers
    /// 普通/银卡/金卡/钻石 by rolling 12-month spend; 200 points on the birthday week.
    pub fn defaults() -> LoyaltySettings {
        let tier = |code: &str, name_zh: &str, min_spend_fen_12m, discount_bp, points_multiplier_bp| TierRule {
            code: code.into(),
            name_zh: name_zh.into(),
            min_spend_fen_12m,
            discount_bp,
            points_multiplier_bp,
        };
        LoyaltySettings::new(
            EarnRule::new(100, Rounding::Down, 12).expect("default earn rule is valid"),
            RedeemRule::new(100, 5_000).expect("default redeem rule is valid"),
            vec![
                TopUpRule {
                    min_paid_fen: 50_000,
                    bonus_fen: 5_000,
                },
                TopUpRule {
                    min_paid_fen: 100_000,
                    bonus_fen: 12_000,
                },
            ],
            TierTable::new(vec![
                tier("normal", "普通会员", 0, 10_000, 10_000),
                tier("silver", "银卡会员", 100_000, 9_800, 12_000),
                tier("gold", "金卡会员", 500_000, 9_500, 15_000),
                tier("diamond", "钻石会员", 2_000_000, 9_000, 20_000),
            ])
            .expect("default tiers are valid"),
            200,
        )
        .expect("default top-up rules are valid")
    }

    pub fn earn(&self) -> &EarnRule {
        &self.earn
    }

    pub fn redeem(&self) -> &RedeemRule {
        &self.redeem
    }

    /// The top-up offers, lowest threshold first.
    pub fn top_up_list(&self) -> &[TopUpRule] {
        &self.top_up_list
    }

    pub fn top_ups(&self) -> &TopUpRules {
        &self.top_ups
    }

    pub fn tiers(&self) -> &TierTable {
        &self.tiers
    }

    pub fn birthday_gift_points(&self) -> i64 {
        self.birthday_gift_points
    }
}

/// `down`, `half_up` or `up`: how a part of a point is resolved when earning.
pub fn rounding_code(r: Rounding) -> &'static str {
    match r {
        Rounding::Down => "down",
        Rounding::HalfUp => "half_up",
        Rounding::Up => "up",
    }
}

pub fn rounding_from_code(code: &str) -> Option<Rounding> {
    match code {
        "down" => Some(Rounding::Down),
        "half_up" => Some(Rounding::HalfUp),
        "up" => Some(Rounding::Up),
        _ => None,
    }
}

fn stored_rules_broken(e: impl std::fmt::Display) -> StoreError {
    tracing::error!(error = %e, "stored loyalty settings no longer pass the rules");
    StoreError::State("the stored loyalty settings are not valid")
}

fn small(v: i64) -> Result<u32> {
    u32::try_from(v).map_err(stored_rules_broken)
}

/// The organisation's rules, or the defaults when it has none.
pub(crate) async fn settings_in(conn: &mut AnyConnection, org: OrgId) -> Result<LoyaltySettings> {
    let row = sqlx::query(
        "SELECT fen_per_point, earn_rounding, expiry_months, points_per_yuan, order_share_max_bp, birthday_gift_points \
         FROM loyalty_settings WHERE org_id = $1",
    )
    .bind(org.0)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(LoyaltySettings::defaults());
    };
    let rounding = rounding_from_code(&row.get::<String, _>("earn_rounding"))
        .ok_or_else(|| stored_rules_broken("unknown rounding"))?;
    let earn = EarnRule::new(row.get("fen_per_point"), rounding, small(row.get("expiry_months"))?)
        .map_err(stored_rules_broken)?;
    let redeem = RedeemRule::new(row.get("points_per_yuan"), small(row.get("order_share_max_bp"))?)
        .map_err(stored_rules_broken)?;
    let tiers = sqlx::query(
        "SELECT code, name_zh, min_spend_fen_12m, discount_bp, points_multiplier_bp FROM loyalty_tiers \
         WHERE org_id = $1 ORDER BY position",
    )
    .bind(org.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(TierRule {
            code: r.get("code"),
            name_zh: r.get("name_zh"),
            min_spend_fen_12m: r.get("min_spend_fen_12m"),
            discount_bp: small(r.get("discount_bp"))?,
            points_multiplier_bp: small(r.get("points_multiplier_bp"))?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let top_ups =
        sqlx::query("SELECT min_paid_fen, bonus_fen FROM top_up_rules WHERE org_id = $1 ORDER BY min_paid_fen")
            .bind(org.0)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| TopUpRule {
                min_paid_fen: r.get("min_paid_fen"),
                bonus_fen: r.get("bonus_fen"),
            })
            .collect();
    LoyaltySettings::new(
        earn,
        redeem,
        top_ups,
        TierTable::new(tiers).map_err(stored_rules_broken)?,
        row.get("birthday_gift_points"),
    )
    .map_err(stored_rules_broken)
}

// ---------------------------------------------------------------------------------------
// Sale effects (composed into the till sale's transaction)

/// What a sale does to its member's ledgers, decided by the app before the sale is
/// written (`linli_app::loyalty::sale_effects`). Zero means "nothing of that kind".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaleMemberEffects {
    pub member: MemberId,
    /// Points redeemed as payment (积分抵现).
    pub redeem_points: i64,
    /// Stored value spent as payment (储值支付).
    pub stored_value_fen: i64,
    /// Points the sale earns (消费积分), with the tier multiplier already applied.
    pub earn_points: i64,
    /// When the earned points lapse (`loyalty::award_expires_at_ms`).
    pub earn_expires_at: i64,
}

/// What a refund gave back and took back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReversedEffects {
    /// Redeemed points restored to the member.
    pub points_returned: i64,
    /// Earned points taken back (never more than the member still had of that award).
    pub points_clawed_back: i64,
    /// Stored value (principal + bonus) returned to the card.
    pub stored_value_returned_fen: i64,
}

fn invalid_effect(field: &'static str, en: &str, zh: &str) -> StoreError {
    StoreError::Refused {
        code: "invalid",
        field,
        en: en.into(),
        zh: zh.into(),
    }
}

fn points_refused(e: PointsError, field: &'static str) -> StoreError {
    let code = match e {
        PointsError::Insufficient { .. } => "points_short",
        PointsError::AlreadyReversed { .. } => "already_reversed",
        _ => "points_refused",
    };
    StoreError::Refused {
        code,
        field,
        en: e.to_string(),
        zh: e.message_zh(),
    }
}

pub(crate) fn stored_value_refused(e: StoredValueError, field: &'static str) -> StoreError {
    let code = match e {
        StoredValueError::Insufficient { .. } => "stored_value_short",
        StoredValueError::BalanceLimit { .. } => "stored_value_limit",
        StoredValueError::AlreadyReversed { .. } => "already_reversed",
        _ => "stored_value_refused",
    };
    StoreError::Refused {
        code,
        field,
        en: e.to_string(),
        zh: e.message_zh(),
    }
}

/// Appends a sale's redemption, stored-value spend and award for `order`, in that order,
/// inside the caller's transaction. Points or stored value short → `Refused`
/// (`points_short` on `redeem_points`, `stored_value_short` on `payments`); a member of
/// another organisation → `NotFound`; a second call for the same order is refused by
/// the books (an order redeems, spends and earns at most once).
pub(crate) async fn apply_sale_effects_in(
    tx: &mut Tx,
    org: OrgId,
    order: OrderId,
    e: &SaleMemberEffects,
    at: i64,
) -> Result<()> {
    if e.redeem_points < 0 {
        return Err(invalid_effect(
            "redeem_points",
            "redeemed points cannot be negative",
            "抵扣积分不能为负数",
        ));
    }
    if e.stored_value_fen < 0 {
        return Err(invalid_effect(
            "payments",
            "a stored-value payment cannot be negative",
            "储值支付金额不能为负数",
        ));
    }
    if e.earn_points < 0 {
        return Err(invalid_effect(
            "earn_points",
            "earned points cannot be negative",
            "获得积分不能为负数",
        ));
    }
    // Whether the order earned already: an order earns once, and the award below skips the book.
    let found = sqlx::query(
        "SELECT o.id, (SELECT COUNT(*) FROM member_points p WHERE p.org_id = o.org_id AND p.order_id = o.id \
         AND p.kind = 'earn') AS earned FROM orders o WHERE o.org_id = $1 AND o.id = $2",
    )
    .bind(org.0)
    .bind(order.0)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(found) = found else {
        return Err(StoreError::NotFound);
    };
    lock_member(tx, org, e.member).await?;
    if e.redeem_points == 0 && e.earn_points > 0 {
        if found.get::<i64, _>("earned") > 0 {
            return Err(points_refused(
                PointsError::DuplicateOrder { order, kind: "earn" },
                "points",
            ));
        }
        append_award_in(tx, org, e.member, order, e.earn_points, e.earn_expires_at, at).await?;
    } else if e.redeem_points > 0 || e.earn_points > 0 {
        let mut ledger = PointsLedger::load(tx, org, e.member).await?;
        if e.redeem_points > 0 {
            let entry = ledger
                .book
                .redeem(order, e.redeem_points, at)
                .map_err(|err| points_refused(err, "redeem_points"))?;
            ledger.append(tx, org, e.member, entry, None).await?;
        }
        if e.earn_points > 0 {
            let entry = PointsEntry {
                kind: PointsKind::Earn {
                    order,
                    expires_at_ms: e.earn_expires_at,
                },
                points: e.earn_points,
                at_ms: at,
            };
            ledger.append(tx, org, e.member, entry, None).await?;
        }
        ledger.save_balance(tx, org, e.member).await?;
    }
    if e.stored_value_fen > 0 {
        let mut ledger = StoredValueLedger::load(tx, org, e.member).await?;
        let entry = ledger
            .book
            .spend(order, e.stored_value_fen, at)
            .map_err(|err| stored_value_refused(err, "payments"))?;
        ledger.append(tx, org, e.member, entry, "", None).await?;
        ledger.save_balance(tx, org, e.member).await?;
    }
    Ok(())
}

/// Appends a sale's award (an `Earn` entry) from the member's locked balance row, without
/// reading and folding the whole ledger: the award of a new order needs nothing but the
/// next entry number and the balance, which that row caches (proven equal to the fold by
/// `loyalty_mismatches`), and the earliest expiry, which an award lapsing last leaves
/// unchanged unless nothing held points. So a regular's sale costs the same on their
/// thousandth visit as on their first (the demo history's loyal households, busy tills).
async fn append_award_in(
    tx: &mut Tx,
    org: OrgId,
    member: MemberId,
    order: OrderId,
    points: i64,
    expires_at: i64,
    at: i64,
) -> Result<()> {
    if points > POINTS_ENTRY_MAX {
        return Err(points_refused(
            PointsError::TooLarge {
                points,
                max: POINTS_ENTRY_MAX,
            },
            "points",
        ));
    }
    let row = sqlx::query(
        "UPDATE member_balances SET points = points + $3, points_next_no = points_next_no + 1, \
         next_expiry_at = CASE WHEN next_expiry_at IS NULL OR next_expiry_at > $4 THEN $4 ELSE next_expiry_at END \
         WHERE org_id = $1 AND member_id = $2 RETURNING points, points_next_no",
    )
    .bind(org.0)
    .bind(member.0)
    .bind(points)
    .bind(expires_at)
    .fetch_one(&mut **tx)
    .await?;
    let balance: i64 = row.get("points");
    let entry_no: i64 = row.get::<i64, _>("points_next_no") - 1;
    sqlx::query(
        "INSERT INTO member_points (org_id, member_id, entry_no, kind, points, balance_after, order_id, expires_at, at) \
         VALUES ($1, $2, $3, 'earn', $4, $5, $6, $7, $8)",
    )
    .bind(org.0)
    .bind(member.0)
    .bind(entry_no)
    .bind(points)
    .bind(balance)
    .bind(order.0)
    .bind(expires_at)
    .bind(at)
    .execute(&mut **tx)
    .await
    .map_err(|e| StoreError::unique(e, &["entry_no"]))?;
    Ok(())
}

/// Reverses a sale's member effects up to the cumulative refunded `portion`, inside the
/// caller's transaction: restores redeemed points, takes back earned points (only what
/// the member still has of that award) and returns the stored-value spend, each by the
/// domain's refund rules. Each portion is reversed once: calling again with a portion
/// not larger than the last one is refused (`already_reversed`) and writes nothing. An
/// order that neither used nor earned anything for this member answers all zeros.
pub(crate) async fn reverse_sale_effects_in(
    tx: &mut Tx,
    org: OrgId,
    member: MemberId,
    order: OrderId,
    portion: RefundPortion,
    at: i64,
) -> Result<ReversedEffects> {
    lock_member(tx, org, member).await?;
    let mut done = ReversedEffects::default();
    // Whether the order used or earned anything here, and whether this call changed anything.
    let (mut involved, mut changed) = (false, false);
    let mut points = PointsLedger::load(tx, org, member).await?;
    match points.book.refund(order, portion, at) {
        Ok(entries) => {
            (involved, changed) = (true, true);
            for entry in entries {
                if let PointsKind::Reverse { of_entry, .. } = entry.kind {
                    match points.entries[of_entry.0 as usize].kind {
                        PointsKind::Redeem { .. } => done.points_returned += entry.points,
                        _ => done.points_clawed_back -= entry.points,
                    }
                }
                points.append(tx, org, member, entry, None).await?;
            }
            points.save_balance(tx, org, member).await?;
        }
        Err(PointsError::NoSuchOrder { .. }) => {}
        Err(PointsError::AlreadyReversed { .. }) => involved = true,
        Err(err) => return Err(points_refused(err, "order_id")),
    }
    let mut stored = StoredValueLedger::load(tx, org, member).await?;
    match stored.book.refund(order, portion, at) {
        Ok(entry) => {
            (involved, changed) = (true, true);
            done.stored_value_returned_fen = entry.amount_fen();
            stored.append(tx, org, member, entry, "", None).await?;
            stored.save_balance(tx, org, member).await?;
        }
        Err(StoredValueError::NoSuchOrder { .. }) => {}
        Err(StoredValueError::AlreadyReversed { .. }) => involved = true,
        Err(err) => return Err(stored_value_refused(err, "order_id")),
    }
    if involved && !changed {
        return Err(StoreError::Refused {
            code: "already_reversed",
            field: "order_id",
            en: format!("the member effects of order {order} are already reversed for this refund"),
            zh: format!("订单 {order} 的会员积分与储值已按本次退款退回"),
        });
    }
    Ok(done)
}

// ---------------------------------------------------------------------------------------
// The per-member lock and the ledgers in memory

/// Locks the member's balance row for the rest of the transaction (creating it when
/// missing). Another organisation's member is `NotFound`.
pub(crate) async fn lock_member(tx: &mut Tx, org: OrgId, member: MemberId) -> Result<()> {
    const LOCK: &str =
        "UPDATE member_balances SET version = version + 1 WHERE org_id = $1 AND member_id = $2 RETURNING version";
    let locked = sqlx::query(LOCK)
        .bind(org.0)
        .bind(member.0)
        .fetch_optional(&mut **tx)
        .await?;
    if locked.is_some() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO member_balances (member_id, org_id) SELECT id, org_id FROM members WHERE org_id = $1 AND id = $2 \
         ON CONFLICT (member_id) DO NOTHING",
    )
    .bind(org.0)
    .bind(member.0)
    .execute(&mut **tx)
    .await?;
    sqlx::query(LOCK)
        .bind(org.0)
        .bind(member.0)
        .fetch_optional(&mut **tx)
        .await?
        .map(|_| ())
        .ok_or(StoreError::NotFound)
}

fn corrupt(what: &'static str) -> StoreError {
    tracing::error!(what, "a stored member ledger does not fold");
    StoreError::State("a member's ledger is inconsistent; nothing was changed")
}

fn entry_no_of(v: Option<i64>) -> Result<EntryNo> {
    v.and_then(|n| u32::try_from(n).ok())
        .map(EntryNo)
        .ok_or_else(|| corrupt("entry number"))
}

fn portion_of(r: &AnyRow) -> Result<RefundPortion> {
    match (opt_i64(r, "refunded_fen"), opt_i64(r, "total_fen")) {
        (Some(refunded), Some(total)) => RefundPortion::new(refunded, total).map_err(|_| corrupt("refund portion")),
        _ => Err(corrupt("refund portion")),
    }
}

fn points_entry(r: &AnyRow) -> Result<PointsEntry> {
    let order = opt_i64(r, "order_id").map(OrderId);
    let kind = match r.get::<String, _>("kind").as_str() {
        "earn" => PointsKind::Earn {
            order: order.ok_or_else(|| corrupt("earn without order"))?,
            expires_at_ms: opt_i64(r, "expires_at").ok_or_else(|| corrupt("earn without expiry"))?,
        },
        "redeem" => PointsKind::Redeem {
            order: order.ok_or_else(|| corrupt("redeem without order"))?,
        },
        "reverse" => PointsKind::Reverse {
            of_entry: entry_no_of(opt_i64(r, "of_entry"))?,
            portion: portion_of(r)?,
        },
        "expire" => PointsKind::Expire,
        "adjust" => PointsKind::Adjust {
            reason: r.get("reason"),
        },
        _ => return Err(corrupt("points kind")),
    };
    Ok(PointsEntry {
        kind,
        points: r.get("points"),
        at_ms: r.get("at"),
    })
}

fn stored_value_entry(r: &AnyRow) -> Result<StoredValueEntry> {
    let kind = match r.get::<String, _>("kind").as_str() {
        "top_up" => StoredValueKind::TopUp,
        "spend" => StoredValueKind::Spend {
            order: opt_i64(r, "order_id")
                .map(OrderId)
                .ok_or_else(|| corrupt("spend without order"))?,
        },
        "refund" => StoredValueKind::Refund {
            of_entry: entry_no_of(opt_i64(r, "of_entry"))?,
            portion: portion_of(r)?,
        },
        "withdraw" => StoredValueKind::Withdraw {
            reason: r.get("reason"),
        },
        "adjust" => StoredValueKind::Adjust {
            reason: r.get("reason"),
        },
        _ => return Err(corrupt("stored-value kind")),
    };
    Ok(StoredValueEntry {
        kind,
        principal_fen: r.get("principal_fen"),
        bonus_fen: r.get("bonus_fen"),
        at_ms: r.get("at"),
    })
}

async fn read_points(conn: &mut AnyConnection, org: OrgId, member: MemberId) -> Result<Vec<PointsEntry>> {
    sqlx::query(
        "SELECT kind, points, order_id, expires_at, of_entry, refunded_fen, total_fen, reason, at \
         FROM member_points WHERE org_id = $1 AND member_id = $2 ORDER BY entry_no",
    )
    .bind(org.0)
    .bind(member.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(points_entry)
    .collect()
}

async fn read_stored_value(conn: &mut AnyConnection, org: OrgId, member: MemberId) -> Result<Vec<StoredValueEntry>> {
    sqlx::query(
        "SELECT kind, principal_fen, bonus_fen, order_id, of_entry, refunded_fen, total_fen, reason, at \
         FROM member_stored_value WHERE org_id = $1 AND member_id = $2 ORDER BY entry_no",
    )
    .bind(org.0)
    .bind(member.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(stored_value_entry)
    .collect()
}

/// The earliest expiry among awards that still hold points: when the sweep is next due.
fn next_expiry(book: &PointsBook) -> Option<i64> {
    book.awards()
        .iter()
        .filter(|a| a.remaining > 0)
        .filter_map(|a| a.expires_at_ms)
        .min()
}

/// A member's points ledger read under the member's lock.
struct PointsLedger {
    entries: Vec<PointsEntry>,
    book: PointsBook,
}

impl PointsLedger {
    async fn load(tx: &mut Tx, org: OrgId, member: MemberId) -> Result<PointsLedger> {
        let entries = read_points(tx, org, member).await?;
        let book = PointsBook::fold(&entries).map_err(|_| corrupt("points"))?;
        Ok(PointsLedger { entries, book })
    }

    /// The order an entry is about: its own, or for a reversal the reversed entry's.
    fn order_of(&self, kind: &PointsKind) -> Option<OrderId> {
        match kind {
            PointsKind::Earn { order, .. } | PointsKind::Redeem { order } => Some(*order),
            PointsKind::Reverse { of_entry, .. } => self
                .entries
                .get(of_entry.0 as usize)
                .and_then(|e| self.order_of(&e.kind)),
            PointsKind::Expire | PointsKind::Adjust { .. } => None,
        }
    }

    /// Checks the entry with the book and inserts it.
    async fn append(
        &mut self,
        tx: &mut Tx,
        org: OrgId,
        member: MemberId,
        entry: PointsEntry,
        staff: Option<StaffId>,
    ) -> Result<EntryNo> {
        let no = self.book.next_entry();
        self.book.apply(&entry).map_err(|e| points_refused(e, "points"))?;
        let (expires_at, of_entry, portion, reason) = match &entry.kind {
            PointsKind::Earn { expires_at_ms, .. } => (Some(*expires_at_ms), None, None, ""),
            PointsKind::Reverse { of_entry, portion } => (None, Some(i64::from(of_entry.0)), Some(*portion), ""),
            PointsKind::Adjust { reason } => (None, None, None, reason.as_str()),
            PointsKind::Redeem { .. } | PointsKind::Expire => (None, None, None, ""),
        };
        sqlx::query(
            "INSERT INTO member_points (org_id, member_id, entry_no, kind, points, balance_after, order_id, expires_at, \
             of_entry, refunded_fen, total_fen, reason, staff_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(org.0)
        .bind(member.0)
        .bind(i64::from(no.0))
        .bind(entry.kind.code())
        .bind(entry.points)
        .bind(self.book.balance())
        .bind(self.order_of(&entry.kind).map(|o| o.0))
        .bind(expires_at)
        .bind(of_entry)
        .bind(portion.map(RefundPortion::refunded_fen))
        .bind(portion.map(RefundPortion::total_fen))
        .bind(reason)
        .bind(staff.map(|s| s.0))
        .bind(entry.at_ms)
        .execute(&mut **tx)
        .await
        .map_err(|e| StoreError::unique(e, &["entry_no"]))?;
        self.entries.push(entry);
        Ok(no)
    }

    async fn save_balance(&self, tx: &mut Tx, org: OrgId, member: MemberId) -> Result<()> {
        sqlx::query(
            "UPDATE member_balances SET points = $3, points_next_no = $4, next_expiry_at = $5 \
             WHERE org_id = $1 AND member_id = $2",
        )
        .bind(org.0)
        .bind(member.0)
        .bind(self.book.balance())
        .bind(i64::from(self.book.next_entry().0))
        .bind(next_expiry(&self.book))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

/// A member's stored-value ledger read under the member's lock.
struct StoredValueLedger {
    entries: Vec<StoredValueEntry>,
    book: StoredValueBook,
}

impl StoredValueLedger {
    async fn load(tx: &mut Tx, org: OrgId, member: MemberId) -> Result<StoredValueLedger> {
        let entries = read_stored_value(tx, org, member).await?;
        let book = StoredValueBook::fold(&entries).map_err(|_| corrupt("stored value"))?;
        Ok(StoredValueLedger { entries, book })
    }

    fn order_of(&self, kind: &StoredValueKind) -> Option<OrderId> {
        match kind {
            StoredValueKind::Spend { order } => Some(*order),
            StoredValueKind::Refund { of_entry, .. } => self
                .entries
                .get(of_entry.0 as usize)
                .and_then(|e| self.order_of(&e.kind)),
            _ => None,
        }
    }

    async fn append(
        &mut self,
        tx: &mut Tx,
        org: OrgId,
        member: MemberId,
        entry: StoredValueEntry,
        tender: &str,
        staff: Option<StaffId>,
    ) -> Result<EntryNo> {
        let no = self.book.next_entry();
        self.book
            .apply(&entry)
            .map_err(|e| stored_value_refused(e, "amount_fen"))?;
        let (of_entry, portion, reason) = match &entry.kind {
            StoredValueKind::Refund { of_entry, portion } => (Some(i64::from(of_entry.0)), Some(*portion), ""),
            StoredValueKind::Withdraw { reason } | StoredValueKind::Adjust { reason } => (None, None, reason.as_str()),
            StoredValueKind::TopUp | StoredValueKind::Spend { .. } => (None, None, ""),
        };
        sqlx::query(
            "INSERT INTO member_stored_value (org_id, member_id, entry_no, kind, principal_fen, bonus_fen, principal_after, \
             bonus_after, order_id, of_entry, refunded_fen, total_fen, tender, reason, staff_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(org.0)
        .bind(member.0)
        .bind(i64::from(no.0))
        .bind(entry.kind.code())
        .bind(entry.principal_fen)
        .bind(entry.bonus_fen)
        .bind(self.book.principal_fen())
        .bind(self.book.bonus_fen())
        .bind(self.order_of(&entry.kind).map(|o| o.0))
        .bind(of_entry)
        .bind(portion.map(RefundPortion::refunded_fen))
        .bind(portion.map(RefundPortion::total_fen))
        .bind(tender)
        .bind(reason)
        .bind(staff.map(|s| s.0))
        .bind(entry.at_ms)
        .execute(&mut **tx)
        .await
        .map_err(|e| StoreError::unique(e, &["entry_no"]))?;
        self.entries.push(entry);
        Ok(no)
    }

    async fn save_balance(&self, tx: &mut Tx, org: OrgId, member: MemberId) -> Result<()> {
        sqlx::query(
            "UPDATE member_balances SET principal_fen = $3, bonus_fen = $4, stored_value_next_no = $5 \
             WHERE org_id = $1 AND member_id = $2",
        )
        .bind(org.0)
        .bind(member.0)
        .bind(self.book.principal_fen())
        .bind(self.book.bonus_fen())
        .bind(i64::from(self.book.next_entry().0))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Rows the public methods return

/// The cached fold of a member's ledgers (zeros for a member who never had an entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberBalance {
    pub member: MemberId,
    pub points: i64,
    pub principal_fen: i64,
    pub bonus_fen: i64,
    pub points_next_no: i64,
    pub stored_value_next_no: i64,
    pub next_expiry_at: Option<i64>,
    pub version: i64,
}

/// Points of one award that are still usable, and when they lapse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiringPoints {
    pub expires_at: i64,
    pub points: i64,
}

/// A member's balances and what their tier is decided from.
#[derive(Debug, Clone)]
pub struct MemberLoyalty {
    pub member: MemberRow,
    pub points_balance: i64,
    /// Redeemable now: the balance without lapsed awards not yet swept.
    pub points_available: i64,
    /// Live awards with points left that lapse some day, soonest first.
    pub expiring: Vec<ExpiringPoints>,
    pub principal_fen: i64,
    pub bonus_fen: i64,
    /// Completed orders of the member since `rolling_window_start(now)`.
    pub rolling_spend_fen: i64,
}

#[derive(Debug, Clone)]
pub struct PointsStatementRow {
    pub entry_no: i64,
    /// earn, redeem, reverse, expire or adjust.
    pub kind: String,
    pub points: i64,
    pub balance_after: i64,
    pub order_id: Option<OrderId>,
    pub order_number: Option<String>,
    pub expires_at: Option<i64>,
    pub reason: String,
    pub staff_name: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone)]
pub struct StoredValueStatementRow {
    pub entry_no: i64,
    /// top_up, spend, refund, withdraw or adjust.
    pub kind: String,
    pub principal_fen: i64,
    pub bonus_fen: i64,
    pub principal_after: i64,
    pub bonus_after: i64,
    pub order_id: Option<OrderId>,
    pub order_number: Option<String>,
    pub tender: String,
    pub reason: String,
    pub staff_name: Option<String>,
    pub at: i64,
}

/// A top-up as written: what was paid (principal), the bonus the rules gave, and the
/// card afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopUpDone {
    pub entry_no: i64,
    pub principal_fen: i64,
    pub bonus_fen: i64,
    pub principal_after: i64,
    pub bonus_after: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpirySweep {
    /// Members whose lapsed points were written off.
    pub members: i64,
    pub points: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BirthdaySweep {
    /// Gifts issued by this run (0 when every due gift was already issued).
    pub issued: i64,
    pub points: i64,
}

/// A member's code on cards and receipts: `M` and the id, at least six digits.
pub fn member_code(id: MemberId) -> String {
    format!("M{:06}", id.0)
}

/// `M000042` or `m42` → member 42.
pub fn parse_member_code(q: &str) -> Option<MemberId> {
    let digits = q.trim().strip_prefix(['M', 'm'])?;
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(MemberId)
}

const MEMBER_COLUMNS: &str = "m.id, m.phone, m.name, m.building_id, b.name_zh AS building_name, m.unit_no, m.room, \
                              m.birthday, m.joined_at";

fn member_of(r: &AnyRow) -> MemberRow {
    MemberRow {
        id: MemberId(r.get("id")),
        phone: r.get("phone"),
        name: r.get("name"),
        building_id: opt_i64(r, "building_id").map(BuildingId),
        building_name: r.try_get::<Option<String>, _>("building_name").ok().flatten(),
        unit_no: r.get("unit_no"),
        room: r.get("room"),
        birthday: r.try_get::<Option<String>, _>("birthday").ok().flatten(),
        joined_at: r.get("joined_at"),
    }
}

async fn member_in(conn: &mut AnyConnection, org: OrgId, member: MemberId) -> Result<MemberRow> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MEMBER_COLUMNS} FROM members m LEFT JOIN buildings b ON b.id = m.building_id \
         WHERE m.org_id = $1 AND m.id = $2"
    )))
    .bind(org.0)
    .bind(member.0)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(member_of)
    .ok_or(StoreError::NotFound)
}

fn audit_detail_points(points: i64, reason: &str) -> String {
    format!("points={points:+} reason={reason}")
}

impl Store {
    /// The organisation's member rules (the defaults until it saves its own).
    pub async fn loyalty_settings(&self, org: OrgId) -> Result<LoyaltySettings> {
        if let Some(settings) = self.caches.loyalty.get(&org) {
            return Ok(settings);
        }
        let generation = self.caches.loyalty.generation();
        let mut conn = self.pool.acquire().await?;
        let settings = settings_in(&mut conn, org).await?;
        self.caches.loyalty.keep(org, generation, settings.clone());
        Ok(settings)
    }

    /// Replaces the organisation's member rules (audited as `loyalty.settings`).
    pub async fn set_loyalty_settings(
        &self,
        org: OrgId,
        settings: &LoyaltySettings,
        staff: Option<StaffId>,
        at: i64,
    ) -> Result<()> {
        let out = in_write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO loyalty_settings (org_id, fen_per_point, earn_rounding, expiry_months, points_per_yuan, \
                 order_share_max_bp, birthday_gift_points, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (org_id) DO UPDATE SET fen_per_point = excluded.fen_per_point, \
                 earn_rounding = excluded.earn_rounding, expiry_months = excluded.expiry_months, \
                 points_per_yuan = excluded.points_per_yuan, order_share_max_bp = excluded.order_share_max_bp, \
                 birthday_gift_points = excluded.birthday_gift_points, updated_by = excluded.updated_by, \
                 updated_at = excluded.updated_at",
            )
            .bind(org.0)
            .bind(settings.earn.fen_per_point())
            .bind(rounding_code(settings.earn.rounding()))
            .bind(i64::from(settings.earn.expiry_months()))
            .bind(settings.redeem.points_per_yuan())
            .bind(i64::from(settings.redeem.order_share_max_bp()))
            .bind(settings.birthday_gift_points)
            .bind(staff.map(|s| s.0))
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM loyalty_tiers WHERE org_id = $1").bind(org.0).execute(&mut *tx).await?;
            for (position, t) in (0_i64..).zip(settings.tiers.rules()) {
                sqlx::query(
                    "INSERT INTO loyalty_tiers (org_id, position, code, name_zh, min_spend_fen_12m, discount_bp, \
                     points_multiplier_bp) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(org.0)
                .bind(position)
                .bind(t.code.as_str())
                .bind(t.name_zh.as_str())
                .bind(t.min_spend_fen_12m)
                .bind(i64::from(t.discount_bp))
                .bind(i64::from(t.points_multiplier_bp))
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("DELETE FROM top_up_rules WHERE org_id = $1").bind(org.0).execute(&mut *tx).await?;
            for r in &settings.top_up_list {
                sqlx::query("INSERT INTO top_up_rules (org_id, min_paid_fen, bonus_fen) VALUES ($1, $2, $3)")
                    .bind(org.0)
                    .bind(r.min_paid_fen)
                    .bind(r.bonus_fen)
                    .execute(&mut *tx)
                    .await?;
            }
            let detail = format!(
                "fen_per_point={} expiry_months={} points_per_yuan={} order_share_max_bp={} tiers={} top_ups={} birthday={}",
                settings.earn.fen_per_point(),
                settings.earn.expiry_months(),
                settings.redeem.points_per_yuan(),
                settings.redeem.order_share_max_bp(),
                settings.tiers.rules().iter().map(|t| t.code.as_str()).collect::<Vec<_>>().join("/"),
                settings.top_up_list.len(),
                settings.birthday_gift_points,
            );
            write_audit(
                &mut tx,
                &AuditEntry {
                    org,
                    staff,
                    action: "loyalty.settings",
                    object_type: "org",
                    object_id: Some(org.0),
                    detail,
                    at,
                },
            )
            .await?;
        });
        self.caches.loyalty.drop_key(&org);
        out
    }

    /// One member of the organisation.
    pub async fn member_by_id(&self, org: OrgId, member: MemberId) -> Result<MemberRow> {
        let mut conn = self.pool.acquire().await?;
        member_in(&mut conn, org, member).await
    }

    /// The member with this phone number (already normalised to 11 digits) or member
    /// code (`M000042`), if any.
    pub async fn member_by_phone_or_code(&self, org: OrgId, q: &str) -> Result<Option<MemberRow>> {
        let q = q.trim();
        let code = parse_member_code(q).map_or(-1, |m| m.0);
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEMBER_COLUMNS} FROM members m LEFT JOIN buildings b ON b.id = m.building_id \
             WHERE m.org_id = $1 AND (m.phone = $2 OR m.id = $3) ORDER BY m.id LIMIT 1"
        )))
        .bind(org.0)
        .bind(q)
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(member_of))
    }

    /// Completed orders of the member since the start of the rolling twelve-month window
    /// at `now` (what the tier is decided from).
    /// A member's rolling 12-month spend, or `None` when the organisation has no such
    /// member: the till's member check and tier in one read.
    pub async fn member_rolling_spend(&self, org: OrgId, member: MemberId, now: i64) -> Result<Option<i64>> {
        let row = sqlx::query(ROLLING_SPEND)
            .bind(org.0)
            .bind(member.0)
            .bind(rolling_window_start(now))
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get("spend")))
    }

    pub async fn rolling_spend(&self, org: OrgId, member: MemberId, now: i64) -> Result<i64> {
        let mut conn = self.pool.acquire().await?;
        rolling_spend_in(&mut conn, org, member, now).await
    }

    /// The cached balances (zeros when the member never had an entry).
    pub async fn member_balance(&self, org: OrgId, member: MemberId) -> Result<MemberBalance> {
        let mut conn = self.pool.acquire().await?;
        member_in(&mut conn, org, member).await?;
        let row = sqlx::query(
            "SELECT points, principal_fen, bonus_fen, points_next_no, stored_value_next_no, next_expiry_at, version \
             FROM member_balances WHERE org_id = $1 AND member_id = $2",
        )
        .bind(org.0)
        .bind(member.0)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(match row {
            Some(r) => MemberBalance {
                member,
                points: r.get("points"),
                principal_fen: r.get("principal_fen"),
                bonus_fen: r.get("bonus_fen"),
                points_next_no: r.get("points_next_no"),
                stored_value_next_no: r.get("stored_value_next_no"),
                next_expiry_at: opt_i64(&r, "next_expiry_at"),
                version: r.get("version"),
            },
            None => MemberBalance {
                member,
                points: 0,
                principal_fen: 0,
                bonus_fen: 0,
                points_next_no: 0,
                stored_value_next_no: 0,
                next_expiry_at: None,
                version: 0,
            },
        })
    }

    /// Every points entry of the member in ledger order, as the domain reads them (for
    /// folding: the cached balance must equal `PointsBook::fold` of these).
    pub async fn points_entries(&self, org: OrgId, member: MemberId) -> Result<Vec<PointsEntry>> {
        let mut conn = self.pool.acquire().await?;
        member_in(&mut conn, org, member).await?;
        read_points(&mut conn, org, member).await
    }

    /// Every stored-value entry of the member in ledger order.
    pub async fn stored_value_entries(&self, org: OrgId, member: MemberId) -> Result<Vec<StoredValueEntry>> {
        let mut conn = self.pool.acquire().await?;
        member_in(&mut conn, org, member).await?;
        read_stored_value(&mut conn, org, member).await
    }

    /// Balances and tier inputs of one member at `now`.
    pub async fn member_loyalty(&self, org: OrgId, member: MemberId, now: i64) -> Result<MemberLoyalty> {
        let mut conn = self.pool.acquire().await?;
        let row = member_in(&mut conn, org, member).await?;
        let points = PointsBook::fold(&read_points(&mut conn, org, member).await?).map_err(|_| corrupt("points"))?;
        let stored = StoredValueBook::fold(&read_stored_value(&mut conn, org, member).await?)
            .map_err(|_| corrupt("stored value"))?;
        let mut expiring: Vec<ExpiringPoints> = points
            .awards()
            .iter()
            .filter(|a| a.remaining > 0 && a.is_live(now))
            .filter_map(|a| {
                a.expires_at_ms.map(|expires_at| ExpiringPoints {
                    expires_at,
                    points: a.remaining,
                })
            })
            .collect();
        expiring.sort_by_key(|e| e.expires_at);
        let rolling_spend_fen = rolling_spend_in(&mut conn, org, member, now).await?;
        Ok(MemberLoyalty {
            member: row,
            points_balance: points.balance(),
            points_available: points.available(now),
            expiring,
            principal_fen: stored.principal_fen(),
            bonus_fen: stored.bonus_fen(),
            rolling_spend_fen,
        })
    }

    /// The member's points entries, newest first.
    pub async fn points_statement(
        &self,
        org: OrgId,
        member: MemberId,
        page: PageRequest,
    ) -> Result<Page<PointsStatementRow>> {
        let mut conn = self.pool.acquire().await?;
        member_in(&mut conn, org, member).await?;
        let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM member_points WHERE org_id = $1 AND member_id = $2")
            .bind(org.0)
            .bind(member.0)
            .fetch_one(&mut *conn)
            .await?
            .get("n");
        let rows = sqlx::query(
            "SELECT p.entry_no, p.kind, p.points, p.balance_after, p.order_id, o.number, p.expires_at, p.reason, \
             s.display_name, p.at FROM member_points p \
             LEFT JOIN orders o ON o.id = p.order_id LEFT JOIN staff s ON s.id = p.staff_id \
             WHERE p.org_id = $1 AND p.member_id = $2 ORDER BY p.entry_no DESC LIMIT $3 OFFSET $4",
        )
        .bind(org.0)
        .bind(member.0)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut *conn)
        .await?;
        let items = rows
            .iter()
            .map(|r| PointsStatementRow {
                entry_no: r.get("entry_no"),
                kind: r.get("kind"),
                points: r.get("points"),
                balance_after: r.get("balance_after"),
                order_id: opt_i64(r, "order_id").map(OrderId),
                order_number: r.try_get::<Option<String>, _>("number").ok().flatten(),
                expires_at: opt_i64(r, "expires_at"),
                reason: r.get("reason"),
                staff_name: r.try_get::<Option<String>, _>("display_name").ok().flatten(),
                at: r.get("at"),
            })
            .collect();
        Ok(Page { items, total })
    }

    /// The member's stored-value entries, newest first.
    pub async fn stored_value_statement(
        &self,
        org: OrgId,
        member: MemberId,
        page: PageRequest,
    ) -> Result<Page<StoredValueStatementRow>> {
        let mut conn = self.pool.acquire().await?;
        member_in(&mut conn, org, member).await?;
        let total: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM member_stored_value WHERE org_id = $1 AND member_id = $2")
                .bind(org.0)
                .bind(member.0)
                .fetch_one(&mut *conn)
                .await?
                .get("n");
        let rows = sqlx::query(
            "SELECT v.entry_no, v.kind, v.principal_fen, v.bonus_fen, v.principal_after, v.bonus_after, v.order_id, \
             o.number, v.tender, v.reason, s.display_name, v.at FROM member_stored_value v \
             LEFT JOIN orders o ON o.id = v.order_id LEFT JOIN staff s ON s.id = v.staff_id \
             WHERE v.org_id = $1 AND v.member_id = $2 ORDER BY v.entry_no DESC LIMIT $3 OFFSET $4",
        )
        .bind(org.0)
        .bind(member.0)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&mut *conn)
        .await?;
        let items = rows
            .iter()
            .map(|r| StoredValueStatementRow {
                entry_no: r.get("entry_no"),
                kind: r.get("kind"),
                principal_fen: r.get("principal_fen"),
                bonus_fen: r.get("bonus_fen"),
                principal_after: r.get("principal_after"),
                bonus_after: r.get("bonus_after"),
                order_id: opt_i64(r, "order_id").map(OrderId),
                order_number: r.try_get::<Option<String>, _>("number").ok().flatten(),
                tender: r.get("tender"),
                reason: r.get("reason"),
                staff_name: r.try_get::<Option<String>, _>("display_name").ok().flatten(),
                at: r.get("at"),
            })
            .collect();
        Ok(Page { items, total })
    }

    /// 储值充值: `paid_fen` paid by `tender` becomes principal, the best top-up rule adds
    /// its bonus. Refused (`stored_value_limit` on `paid_fen`) beyond the card limit.
    pub async fn top_up(
        &self,
        org: OrgId,
        member: MemberId,
        paid_fen: i64,
        tender: &str,
        staff: Option<StaffId>,
        at: i64,
    ) -> Result<TopUpDone> {
        in_write_tx!(self, tx => {
            lock_member(&mut tx, org, member).await?;
            let settings = settings_in(&mut tx, org).await?;
            let mut ledger = StoredValueLedger::load(&mut tx, org, member).await?;
            let entry = ledger
                .book
                .top_up(paid_fen, settings.top_ups(), at)
                .map_err(|e| stored_value_refused(e, "paid_fen"))?;
            let (principal_fen, bonus_fen) = (entry.principal_fen, entry.bonus_fen);
            let no = ledger.append(&mut tx, org, member, entry, tender, staff).await?;
            ledger.save_balance(&mut tx, org, member).await?;
            write_audit(
                &mut tx,
                &AuditEntry {
                    org,
                    staff,
                    action: "member.top_up",
                    object_type: "member",
                    object_id: Some(member.0),
                    detail: format!("paid_fen={principal_fen} bonus_fen={bonus_fen} tender={tender}"),
                    at,
                },
            )
            .await?;
            TopUpDone {
                entry_no: i64::from(no.0),
                principal_fen,
                bonus_fen,
                principal_after: ledger.book.principal_fen(),
                bonus_after: ledger.book.bonus_fen(),
            }
        })
    }

    /// A staff adjustment of points with a reason (audited as `member.points_adjust`).
    /// A positive adjustment never lapses; a negative one takes the earliest-expiring
    /// points first and is refused (`points_short`) beyond what is available.
    /// Returns the balance after it.
    pub async fn adjust_points(
        &self,
        org: OrgId,
        member: MemberId,
        points: i64,
        reason: &str,
        staff: Option<StaffId>,
        at: i64,
    ) -> Result<i64> {
        in_write_tx!(self, tx => {
            lock_member(&mut tx, org, member).await?;
            let mut ledger = PointsLedger::load(&mut tx, org, member).await?;
            let entry = ledger.book.adjust(points, reason, at).map_err(|e| points_refused(e, "points"))?;
            ledger.append(&mut tx, org, member, entry, staff).await?;
            ledger.save_balance(&mut tx, org, member).await?;
            write_audit(
                &mut tx,
                &AuditEntry {
                    org,
                    staff,
                    action: "member.points_adjust",
                    object_type: "member",
                    object_id: Some(member.0),
                    detail: audit_detail_points(points, reason),
                    at,
                },
            )
            .await?;
            ledger.book.balance()
        })
    }

    /// Writes off every lapsed award's unspent points, members whose points lapsed
    /// earliest first, one transaction per member (so a long sweep never holds many locks).
    pub async fn expire_points(&self, org: OrgId, at: i64) -> Result<ExpirySweep> {
        let due: Vec<MemberId> = sqlx::query(
            "SELECT member_id FROM member_balances WHERE org_id = $1 AND next_expiry_at <= $2 \
             ORDER BY next_expiry_at, member_id LIMIT $3",
        )
        .bind(org.0)
        .bind(at)
        .bind(EXPIRY_SWEEP_MEMBERS_MAX)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| MemberId(r.get("member_id")))
        .collect();
        let mut sweep = ExpirySweep::default();
        for member in due {
            let expired: i64 = in_write_tx!(self, tx => {
                lock_member(&mut tx, org, member).await?;
                let mut ledger = PointsLedger::load(&mut tx, org, member).await?;
                let mut expired = 0;
                if let Some(entry) = ledger.book.expire_due(at) {
                    expired = -entry.points;
                    ledger.append(&mut tx, org, member, entry, None).await?;
                }
                // Also refreshes next_expiry_at when another sweep got here first.
                ledger.save_balance(&mut tx, org, member).await?;
                expired
            })?;
            if expired > 0 {
                sweep.members += 1;
                sweep.points += expired;
            }
        }
        Ok(sweep)
    }

    /// Issues the birthday gift (the settings' points, as a never-lapsing adjustment) to
    /// every member whose birthday week contains `today`, once per member and birthday
    /// year however often or concurrently the job runs (`birthday_gifts` is keyed by
    /// member and year, claimed in the same transaction as the points).
    pub async fn issue_birthday_gifts(&self, org: OrgId, today: Date, at: i64) -> Result<BirthdaySweep> {
        let settings = self.loyalty_settings(org).await?;
        let points = settings.birthday_gift_points();
        if points <= 0 {
            return Ok(BirthdaySweep::default());
        }
        let given: HashSet<(i64, i64)> =
            sqlx::query("SELECT member_id, year FROM birthday_gifts WHERE org_id = $1 AND year >= $2")
                .bind(org.0)
                .bind(i64::from(today.year()) - 1)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| (r.get("member_id"), r.get("year")))
                .collect();
        let candidates: Vec<(MemberId, i64)> = sqlx::query(
            "SELECT id, birthday FROM members WHERE org_id = $1 AND birthday IS NOT NULL AND birthday <> '' ORDER BY id",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .filter_map(|r| {
            let born: Date = r.get::<String, _>("birthday").parse().ok()?;
            let year = i64::from(birthday_week_year(born, today)?);
            Some((MemberId(r.get("id")), year))
        })
        .filter(|(m, year)| !given.contains(&(m.0, *year)))
        .collect();
        let mut sweep = BirthdaySweep::default();
        for (member, year) in candidates {
            let issued: bool = in_write_tx!(self, tx => {
                lock_member(&mut tx, org, member).await?;
                let mut ledger = PointsLedger::load(&mut tx, org, member).await?;
                let no = ledger.book.next_entry();
                let claimed = sqlx::query(
                    "INSERT INTO birthday_gifts (org_id, member_id, year, points, entry_no, issued_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (member_id, year) DO NOTHING RETURNING member_id",
                )
                .bind(org.0)
                .bind(member.0)
                .bind(year)
                .bind(points)
                .bind(i64::from(no.0))
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
                if claimed {
                    let entry = ledger
                        .book
                        .adjust(points, &format!("生日礼 {year}"), at)
                        .map_err(|e| points_refused(e, "points"))?;
                    ledger.append(&mut tx, org, member, entry, None).await?;
                    ledger.save_balance(&mut tx, org, member).await?;
                }
                claimed
            })?;
            if issued {
                sweep.issued += 1;
                sweep.points += points;
            }
        }
        Ok(sweep)
    }

    /// `apply_sale_effects_in` in a transaction of its own (tests, and callers that record
    /// a sale's member effects apart from the sale).
    pub async fn apply_sale_effects(
        &self,
        org: OrgId,
        order: OrderId,
        effects: &SaleMemberEffects,
        at: i64,
    ) -> Result<()> {
        in_write_tx!(self, tx => {
            apply_sale_effects_in(&mut tx, org, order, effects, at).await?;
        })
    }

    /// `reverse_sale_effects_in` in a transaction of its own.
    pub async fn reverse_sale_effects(
        &self,
        org: OrgId,
        member: MemberId,
        order: OrderId,
        portion: RefundPortion,
        at: i64,
    ) -> Result<ReversedEffects> {
        in_write_tx!(self, tx => {
            reverse_sale_effects_in(&mut tx, org, member, order, portion, at).await?
        })
    }

    /// Members whose cached balance differs from the fold of their ledgers:
    /// (member, cached (points, principal, bonus), folded). Empty when all agree.
    pub async fn loyalty_mismatches(&self, org: OrgId) -> Result<Vec<(MemberId, (i64, i64, i64), (i64, i64, i64))>> {
        let rows = sqlx::query(
            "SELECT member_id, points, principal_fen, bonus_fen FROM member_balances WHERE org_id = $1 ORDER BY member_id",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        let mut conn = self.pool.acquire().await?;
        let mut out = Vec::new();
        for r in &rows {
            let member = MemberId(r.get("member_id"));
            let cached = (r.get("points"), r.get("principal_fen"), r.get("bonus_fen"));
            let points =
                PointsBook::fold(&read_points(&mut conn, org, member).await?).map_err(|_| corrupt("points"))?;
            let stored = StoredValueBook::fold(&read_stored_value(&mut conn, org, member).await?)
                .map_err(|_| corrupt("stored value"))?;
            let folded = (points.balance(), stored.principal_fen(), stored.bonus_fen());
            if cached != folded {
                out.push((member, cached, folded));
            }
        }
        Ok(out)
    }
}

async fn rolling_spend_in(conn: &mut AnyConnection, org: OrgId, member: MemberId, now: i64) -> Result<i64> {
    let row = sqlx::query(ROLLING_SPEND)
        .bind(org.0)
        .bind(member.0)
        .bind(rolling_window_start(now))
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map_or(0, |r| r.get("spend")))
}

/// A member of the organisation (`$1`, `$2`) with their spend from `$3` to `$4`; no row
/// when the member is not the organisation's. The orders are found by member alone
/// (a member's orders are all of their organisation): with `org_id` there too,
/// PostgreSQL could plan the sum over any index that starts with `org_id` while it
/// has no statistics of the table yet (a new store) and keep that plan, reading every
/// order of the store for each sale.
const ROLLING_SPEND: &str = "SELECT m.id, (SELECT CAST(COALESCE(SUM(o.total_fen - o.refunded_fen), 0) AS BIGINT) \
     FROM orders o WHERE o.member_id = m.id AND o.status IN ('completed', 'refunded') \
     AND o.created_at >= $3 AND o.created_at <= $4) AS spend FROM members m WHERE m.org_id = $1 AND m.id = $2";
