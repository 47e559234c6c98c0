//! Members' points (积分), stored value (储值), tiers (会员等级) and birthday gifts: who
//! may read and change them, input checked once at this edge, one store transaction per
//! decision.
//!
//! Reading needs `ViewMembers` (cashiers included), topping up `TopUp`, and adjusting
//! points, changing the rules or running the jobs by hand `ManageMembers`. The till does
//! not go through these use cases for a sale: it calls the pure [`sale_effects`] before
//! the sale and hands the result to the sale's own transaction.

use crate::{Actor, App, AppError, Page, Paging};
use linli_domain::auth::Permission;
use linli_domain::ids::MemberId;
use linli_domain::loyalty::{
    BALANCE_FEN_MAX, EarnRule, POINTS_ENTRY_MAX, RedeemRule, RuleError, TierRule, TierTable, TopUpRule,
    award_expires_at_ms, points_earned, points_value_fen,
};
use linli_domain::phone::{self, PhoneNumber};
use linli_domain::time::{MS_PER_DAY, local_date};
use linli_store::{
    BirthdaySweep, ExpiringPoints, ExpirySweep, LoyaltySettings, MemberRow, PointsStatementRow, SaleMemberEffects,
    StoredValueStatementRow, TopUpDone, member_code, parse_member_code, rounding_from_code,
};

/// How a member may pay for a top-up (not with stored value or points).
pub const TOP_UP_TENDERS: [&str; 4] = ["cash", "wechat_qr", "alipay_qr", "card"];
/// Points lapsing within this many days count as "expiring soon".
pub const EXPIRING_SOON_DAYS: i64 = 30;
/// The largest birthday gift a store may configure.
pub const BIRTHDAY_GIFT_POINTS_MAX: i64 = 100_000;
/// An adjustment's reason is bounded like any note.
pub const REASON_CHARS_MAX: usize = 100;
/// A lookup is a phone number or a member code, never a long text.
pub const LOOKUP_CHARS_MAX: usize = 32;

/// One tier as staff typed it.
#[derive(Debug, Clone)]
pub struct TierInput {
    pub code: String,
    pub name_zh: String,
    pub min_spend_fen_12m: i64,
    pub discount_bp: i64,
    pub points_multiplier_bp: i64,
}

/// The member rules as staff typed them.
#[derive(Debug, Clone)]
pub struct LoyaltySettingsInput {
    pub fen_per_point: i64,
    /// down, half_up or up.
    pub earn_rounding: String,
    pub expiry_months: i64,
    pub points_per_yuan: i64,
    pub order_share_max_bp: i64,
    pub birthday_gift_points: i64,
    pub tiers: Vec<TierInput>,
    /// (min_paid_fen, bonus_fen): 充 min 送 bonus.
    pub top_up_rules: Vec<(i64, i64)>,
}

/// A member found at the till: the phone is shown whole only when staff typed it.
#[derive(Debug, Clone)]
pub struct MemberFound {
    pub member: MemberRow,
    pub code: String,
    pub tier: TierRule,
    pub points_available: i64,
    pub stored_value_fen: i64,
}

/// The tier above a member's and what is missing to reach it.
#[derive(Debug, Clone)]
pub struct NextTier {
    pub tier: TierRule,
    pub spend_needed_fen: i64,
}

/// A member's standing: tier, points and stored value, phone masked.
#[derive(Debug, Clone)]
pub struct LoyaltyView {
    pub member: MemberRow,
    pub code: String,
    pub tier: TierRule,
    pub next_tier: Option<NextTier>,
    pub rolling_spend_fen: i64,
    pub points_balance: i64,
    pub points_available: i64,
    /// What the available points would pay, by the redeem rule.
    pub points_value_fen: i64,
    /// Points lapsing within [`EXPIRING_SOON_DAYS`].
    pub points_expiring_soon: i64,
    /// The next award to lapse, if any.
    pub next_expiry: Option<ExpiringPoints>,
    pub principal_fen: i64,
    pub bonus_fen: i64,
}

/// What a till sale will do to its member's ledgers, from [`sale_effects`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaleLoyalty {
    /// Pass to the sale's transaction (`apply_sale_effects_in`).
    pub effects: SaleMemberEffects,
    /// What the redeemed points pay of the order (a tender of the settlement).
    pub points_value_fen: i64,
}

/// What a till sale does to a member's points and stored value, decided before the sale
/// is written. Pure: the till reads the settings and the member's tier first
/// ([`App::member_standing`]), calls this, and hands `effects` to the sale's transaction,
/// where the balances are checked under the member's lock.
///
/// - `redeem_points` pay `points_value_fen` (rounded down) and may pay at most the redeem
///   rule's share of `order_total_fen`; beyond it → invalid `redeem_points`.
/// - `paid_fen_eligible` is the money the member paid that earns points (the till decides;
///   usually the amount due less what points paid: cash, QR, card and stored value all
///   earn). It earns `points_earned(paid, earn rule, multiplier_bp)` points, lapsing at the
///   end of the day `expiry_months` after `now`.
/// - `stored_value_fen` is passed through; the card balance is checked in the transaction.
pub fn sale_effects(
    settings: &LoyaltySettings,
    member: MemberId,
    multiplier_bp: u32,
    order_total_fen: i64,
    paid_fen_eligible: i64,
    redeem_points: i64,
    stored_value_fen: i64,
    now: i64,
) -> Result<SaleLoyalty, AppError> {
    if !(0..=POINTS_ENTRY_MAX).contains(&redeem_points) {
        return Err(AppError::invalid(
            "redeem_points",
            &format!("redeem_points must be between 0 and {POINTS_ENTRY_MAX}"),
            &format!("抵扣积分须在 0 到 {POINTS_ENTRY_MAX} 之间"),
        ));
    }
    if stored_value_fen < 0 || paid_fen_eligible < 0 || order_total_fen < 0 {
        return Err(AppError::invalid(
            "payments",
            "payments cannot be negative",
            "支付金额不能为负数",
        ));
    }
    let points_value = if redeem_points > 0 {
        settings
            .redeem()
            .value_fen(redeem_points, order_total_fen)
            .map_err(|e| AppError::invalid("redeem_points", &e.to_string(), &e.message_zh()))?
    } else {
        0
    };
    let earn_points = points_earned(paid_fen_eligible, settings.earn(), multiplier_bp);
    Ok(SaleLoyalty {
        effects: SaleMemberEffects {
            member,
            redeem_points,
            stored_value_fen,
            earn_points,
            earn_expires_at: award_expires_at_ms(now, settings.earn().expiry_months()),
        },
        points_value_fen: points_value,
    })
}

/// The input field a rule refusal is about.
fn rule_field(e: &RuleError) -> String {
    match e {
        RuleError::FenPerPointOutOfRange { .. } => "fen_per_point".into(),
        RuleError::ExpiryMonthsOutOfRange { .. } => "expiry_months".into(),
        RuleError::PointsPerYuanOutOfRange { .. } => "points_per_yuan".into(),
        RuleError::OrderShareOutOfRange { .. } => "order_share_max_bp".into(),
        RuleError::TopUpThresholdNotPositive { .. }
        | RuleError::TopUpBonusOutOfRange { .. }
        | RuleError::DuplicateTopUpThreshold { .. } => "top_up_rules".into(),
        RuleError::TooMany { what, .. } if what.contains("充值") => "top_up_rules".into(),
        RuleError::RefundPortionOutOfRange { .. } => "refund".into(),
        _ => "tiers".into(),
    }
}

fn rule_invalid(e: RuleError) -> AppError {
    AppError::invalid(&rule_field(&e), &e.to_string(), &e.message_zh())
}

fn small(value: i64, field: &str) -> Result<u32, AppError> {
    u32::try_from(value).map_err(|_| {
        AppError::invalid(
            field,
            &format!("{field} must be between 0 and {}", u32::MAX),
            &format!("{field} 超出范围"),
        )
    })
}

/// Turns typed rules into settings the domain accepted, naming the field of the first
/// problem (`tiers[1].discount_bp`, `top_up_rules`, `expiry_months`, ...).
pub fn settings_from_input(input: &LoyaltySettingsInput) -> Result<LoyaltySettings, AppError> {
    let rounding = rounding_from_code(input.earn_rounding.trim()).ok_or_else(|| {
        AppError::invalid(
            "earn_rounding",
            "earn_rounding must be down, half_up or up",
            "积分取整方式须为 down（舍去）、half_up（四舍五入）或 up（进一）",
        )
    })?;
    let earn = EarnRule::new(
        input.fen_per_point,
        rounding,
        small(input.expiry_months, "expiry_months")?,
    )
    .map_err(rule_invalid)?;
    let redeem = RedeemRule::new(
        input.points_per_yuan,
        small(input.order_share_max_bp, "order_share_max_bp")?,
    )
    .map_err(rule_invalid)?;
    if !(0..=BIRTHDAY_GIFT_POINTS_MAX).contains(&input.birthday_gift_points) {
        return Err(AppError::invalid(
            "birthday_gift_points",
            &format!("birthday_gift_points must be between 0 and {BIRTHDAY_GIFT_POINTS_MAX}"),
            &format!("生日礼积分须在 0 到 {BIRTHDAY_GIFT_POINTS_MAX} 之间"),
        ));
    }
    let mut tiers = Vec::with_capacity(input.tiers.len());
    for (i, t) in input.tiers.iter().enumerate() {
        let field = |f: &str| format!("tiers[{i}].{f}");
        let code = crate::free_text(&t.code, &field("code"), 32)?;
        let name_zh = crate::free_text(&t.name_zh, &field("name_zh"), 32)?;
        if name_zh.is_empty() {
            return Err(AppError::invalid(
                &field("name_zh"),
                "a tier needs a name",
                "会员等级必须有名称",
            ));
        }
        if !(0..=linli_domain::money::AMOUNT_FEN_MAX).contains(&t.min_spend_fen_12m) {
            return Err(AppError::invalid(
                &field("min_spend_fen_12m"),
                "min_spend_fen_12m must not be negative",
                "消费门槛不能为负数",
            ));
        }
        tiers.push(TierRule {
            code,
            name_zh,
            min_spend_fen_12m: t.min_spend_fen_12m,
            discount_bp: small(t.discount_bp, &field("discount_bp"))?,
            points_multiplier_bp: small(t.points_multiplier_bp, &field("points_multiplier_bp"))?,
        });
    }
    let tiers = TierTable::new(tiers.clone()).map_err(|e| {
        // Name the tier the refusal is about when it names one.
        let at = match &e {
            RuleError::EmptyTierCode => tiers.iter().position(|t| t.code.is_empty()).map(|i| (i, "code")),
            RuleError::DuplicateTierCode { code } => tiers.iter().rposition(|t| &t.code == code).map(|i| (i, "code")),
            RuleError::FirstTierNotZero { .. } => Some((0, "min_spend_fen_12m")),
            RuleError::TiersNotAscending { code } => tiers
                .iter()
                .position(|t| &t.code == code)
                .map(|i| (i, "min_spend_fen_12m")),
            RuleError::DiscountOutOfRange { code, .. } => {
                tiers.iter().position(|t| &t.code == code).map(|i| (i, "discount_bp"))
            }
            RuleError::MultiplierOutOfRange { code, .. } => tiers
                .iter()
                .position(|t| &t.code == code)
                .map(|i| (i, "points_multiplier_bp")),
            _ => None,
        };
        let field = at.map_or_else(|| "tiers".to_string(), |(i, f)| format!("tiers[{i}].{f}"));
        AppError::invalid(&field, &e.to_string(), &e.message_zh())
    })?;
    let top_ups = input
        .top_up_rules
        .iter()
        .map(|&(min_paid_fen, bonus_fen)| TopUpRule {
            min_paid_fen,
            bonus_fen,
        })
        .collect();
    LoyaltySettings::new(earn, redeem, top_ups, tiers, input.birthday_gift_points).map_err(rule_invalid)
}

fn next_tier(tiers: &TierTable, spend: i64) -> Option<NextTier> {
    tiers
        .rules()
        .iter()
        .find(|t| t.min_spend_fen_12m > spend)
        .map(|t| NextTier {
            tier: t.clone(),
            spend_needed_fen: t.min_spend_fen_12m - spend,
        })
}

fn tender(code: &str) -> Result<&'static str, AppError> {
    TOP_UP_TENDERS.into_iter().find(|t| *t == code.trim()).ok_or_else(|| {
        AppError::invalid(
            "tender",
            "tender must be cash, wechat_qr, alipay_qr or card",
            "充值支付方式须为 cash（现金）、wechat_qr（微信）、alipay_qr（支付宝）或 card（银行卡）",
        )
    })
}

/// A member's standing for the till: the rules, the tier and what can be spent now.
#[derive(Debug, Clone)]
pub struct MemberStanding {
    pub settings: LoyaltySettings,
    pub tier: TierRule,
    pub rolling_spend_fen: i64,
    pub points_available: i64,
    pub stored_value_fen: i64,
}

impl App {
    /// The organisation's member rules (defaults until saved).
    pub async fn loyalty_settings(&self, actor: &Actor) -> Result<LoyaltySettings, AppError> {
        actor.require(Permission::ViewMembers)?;
        Ok(self.store.loyalty_settings(actor.org).await?)
    }

    /// Replaces the member rules (audited).
    pub async fn set_loyalty_settings(
        &self,
        actor: &Actor,
        input: &LoyaltySettingsInput,
    ) -> Result<LoyaltySettings, AppError> {
        actor.require(Permission::ManageMembers)?;
        let settings = settings_from_input(input)?;
        self.store
            .set_loyalty_settings(actor.org, &settings, Some(actor.staff), self.now())
            .await?;
        Ok(self.store.loyalty_settings(actor.org).await?)
    }

    /// Finds a member by phone number or member code (`M000042`). The phone is shown
    /// whole only when staff typed it; found by code it stays masked.
    pub async fn member_lookup(&self, actor: &Actor, q: &str) -> Result<MemberFound, AppError> {
        actor.require(Permission::ViewMembers)?;
        let q = crate::free_text(q, "q", LOOKUP_CHARS_MAX)?;
        let (key, typed_phone) = if let Ok(p) = PhoneNumber::parse(&q) {
            (p.as_str().to_string(), true)
        } else if parse_member_code(&q).is_some() {
            (q.clone(), false)
        } else {
            return Err(AppError::invalid(
                "q",
                "type a mobile number (11 digits) or a member code such as M000042",
                "请输入 11 位手机号或会员码（如 M000042）",
            ));
        };
        let Some(row) = self.store.member_by_phone_or_code(actor.org, &key).await? else {
            return Err(AppError::NotFound);
        };
        let standing = self.standing_of(actor, row.id).await?;
        let mut member = standing.1;
        if !typed_phone {
            member.phone = phone::mask_any(&member.phone);
        }
        let s = standing.0;
        Ok(MemberFound {
            code: member_code(member.id),
            member,
            tier: s.tier,
            points_available: s.points_available,
            stored_value_fen: s.stored_value_fen,
        })
    }

    /// The rules, tier and spendable balances of a member, for the till before a sale.
    pub async fn member_standing(&self, actor: &Actor, member: MemberId) -> Result<MemberStanding, AppError> {
        actor.require(Permission::ViewMembers)?;
        Ok(self.standing_of(actor, member).await?.0)
    }

    async fn standing_of(&self, actor: &Actor, member: MemberId) -> Result<(MemberStanding, MemberRow), AppError> {
        let now = self.now();
        let settings = self.store.loyalty_settings(actor.org).await?;
        let l = self.store.member_loyalty(actor.org, member, now).await?;
        let tier = settings.tiers().tier_for(l.rolling_spend_fen).clone();
        Ok((
            MemberStanding {
                settings,
                tier,
                rolling_spend_fen: l.rolling_spend_fen,
                points_available: l.points_available,
                stored_value_fen: l.principal_fen + l.bonus_fen,
            },
            l.member,
        ))
    }

    /// Tier, discount, multiplier, points and stored value of a member (phone masked).
    pub async fn member_loyalty(&self, actor: &Actor, member: MemberId) -> Result<LoyaltyView, AppError> {
        actor.require(Permission::ViewMembers)?;
        let now = self.now();
        let settings = self.store.loyalty_settings(actor.org).await?;
        let mut l = self.store.member_loyalty(actor.org, member, now).await?;
        l.member.phone = phone::mask_any(&l.member.phone);
        let tier = settings.tiers().tier_for(l.rolling_spend_fen).clone();
        let soon = now + EXPIRING_SOON_DAYS * MS_PER_DAY;
        Ok(LoyaltyView {
            code: member_code(l.member.id),
            member: l.member,
            next_tier: next_tier(settings.tiers(), l.rolling_spend_fen),
            tier,
            rolling_spend_fen: l.rolling_spend_fen,
            points_balance: l.points_balance,
            points_available: l.points_available,
            points_value_fen: points_value_fen(l.points_available.max(0), settings.redeem()),
            points_expiring_soon: l
                .expiring
                .iter()
                .filter(|e| e.expires_at <= soon)
                .map(|e| e.points)
                .sum(),
            next_expiry: l.expiring.first().copied(),
            principal_fen: l.principal_fen,
            bonus_fen: l.bonus_fen,
        })
    }

    /// The member's points entries, newest first.
    pub async fn points_statement(
        &self,
        actor: &Actor,
        member: MemberId,
        paging: Paging,
    ) -> Result<Page<PointsStatementRow>, AppError> {
        actor.require(Permission::ViewMembers)?;
        Ok(self.store.points_statement(actor.org, member, paging.request()).await?)
    }

    /// The member's stored-value entries, newest first.
    pub async fn stored_value_statement(
        &self,
        actor: &Actor,
        member: MemberId,
        paging: Paging,
    ) -> Result<Page<StoredValueStatementRow>, AppError> {
        actor.require(Permission::ViewMembers)?;
        Ok(self
            .store
            .stored_value_statement(actor.org, member, paging.request())
            .await?)
    }

    /// 储值充值 at the till: principal as paid, bonus by the top-up rules.
    pub async fn top_up(
        &self,
        actor: &Actor,
        member: MemberId,
        paid_fen: i64,
        tender_code: &str,
    ) -> Result<TopUpDone, AppError> {
        actor.require(Permission::TopUp)?;
        if !(1..=BALANCE_FEN_MAX).contains(&paid_fen) {
            return Err(AppError::invalid(
                "paid_fen",
                &format!("paid_fen must be between 1 and {BALANCE_FEN_MAX} fen"),
                &format!("充值金额须在 1 到 {BALANCE_FEN_MAX} 分之间"),
            ));
        }
        let tender = tender(tender_code)?;
        Ok(self
            .store
            .top_up(actor.org, member, paid_fen, tender, Some(actor.staff), self.now())
            .await?)
    }

    /// Adds (or with a negative number removes) points by hand, with a reason; audited.
    /// Returns the balance after it.
    pub async fn adjust_points(
        &self,
        actor: &Actor,
        member: MemberId,
        points: i64,
        reason: &str,
    ) -> Result<i64, AppError> {
        actor.require(Permission::ManageMembers)?;
        if points == 0 || points.unsigned_abs() > POINTS_ENTRY_MAX.unsigned_abs() {
            return Err(AppError::invalid(
                "points",
                &format!("points must be non-zero and at most {POINTS_ENTRY_MAX} either way"),
                &format!("调整积分不能为 0，且绝对值不超过 {POINTS_ENTRY_MAX}"),
            ));
        }
        let reason = crate::free_text(reason, "reason", REASON_CHARS_MAX)?;
        if reason.is_empty() {
            return Err(AppError::invalid(
                "reason",
                "an adjustment needs a reason",
                "积分调整必须填写原因",
            ));
        }
        Ok(self
            .store
            .adjust_points(actor.org, member, points, &reason, Some(actor.staff), self.now())
            .await?)
    }

    /// Issues the birthday gifts due today (Shanghai date) now; safe to run any number of times.
    pub async fn run_birthday_gifts(&self, actor: &Actor) -> Result<BirthdaySweep, AppError> {
        actor.require(Permission::ManageMembers)?;
        let now = self.now();
        Ok(self.store.issue_birthday_gifts(actor.org, local_date(now), now).await?)
    }

    /// Writes off lapsed points now; safe to run any number of times.
    pub async fn run_expire_points(&self, actor: &Actor) -> Result<ExpirySweep, AppError> {
        actor.require(Permission::ManageMembers)?;
        Ok(self.store.expire_points(actor.org, self.now()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> LoyaltySettingsInput {
        LoyaltySettingsInput {
            fen_per_point: 100,
            earn_rounding: "down".into(),
            expiry_months: 12,
            points_per_yuan: 100,
            order_share_max_bp: 5_000,
            birthday_gift_points: 200,
            tiers: vec![
                TierInput {
                    code: "normal".into(),
                    name_zh: "普通".into(),
                    min_spend_fen_12m: 0,
                    discount_bp: 10_000,
                    points_multiplier_bp: 10_000,
                },
                TierInput {
                    code: "gold".into(),
                    name_zh: "金卡".into(),
                    min_spend_fen_12m: 100_000,
                    discount_bp: 9_500,
                    points_multiplier_bp: 15_000,
                },
            ],
            top_up_rules: vec![(50_000, 5_000)],
        }
    }

    fn field_of(i: &LoyaltySettingsInput) -> String {
        match settings_from_input(i) {
            Err(AppError::Invalid { field, message_zh, .. }) => {
                assert!(!message_zh.is_empty());
                field
            }
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn settings_input_is_checked_and_names_the_field() {
        assert!(settings_from_input(&input()).is_ok());
        let mut i = input();
        i.earn_rounding = "nearest".into();
        assert_eq!(field_of(&i), "earn_rounding");
        let mut i = input();
        i.expiry_months = 0;
        assert_eq!(field_of(&i), "expiry_months");
        let mut i = input();
        i.order_share_max_bp = -1;
        assert_eq!(field_of(&i), "order_share_max_bp");
        let mut i = input();
        i.tiers[1].discount_bp = 12_000;
        assert_eq!(field_of(&i), "tiers[1].discount_bp");
        let mut i = input();
        i.tiers[1].min_spend_fen_12m = 0;
        assert_eq!(field_of(&i), "tiers[1].min_spend_fen_12m");
        let mut i = input();
        i.tiers.clear();
        assert_eq!(field_of(&i), "tiers");
        let mut i = input();
        i.top_up_rules.push((50_000, 1));
        assert_eq!(field_of(&i), "top_up_rules");
        let mut i = input();
        i.birthday_gift_points = -5;
        assert_eq!(field_of(&i), "birthday_gift_points");
    }

    #[test]
    fn a_sale_earns_by_tier_and_redeems_within_the_order_share() {
        let settings = LoyaltySettings::defaults();
        let m = MemberId(7);
        // ¥123.45 paid at a 1.5× tier: 185 points; 300 points pay ¥3.00.
        let s = sale_effects(&settings, m, 15_000, 20_000, 12_345, 300, 1_000, 0).unwrap();
        assert_eq!(s.effects.earn_points, 185);
        assert_eq!(s.effects.redeem_points, 300);
        assert_eq!(s.effects.stored_value_fen, 1_000);
        assert_eq!(s.points_value_fen, 300);
        assert!(s.effects.earn_expires_at > 360 * MS_PER_DAY);
        // At most half of a ¥9.99 order: 499 points.
        assert!(sale_effects(&settings, m, 10_000, 999, 999, 499, 0, 0).is_ok());
        match sale_effects(&settings, m, 10_000, 999, 999, 500, 0, 0) {
            Err(AppError::Invalid { field, .. }) => assert_eq!(field, "redeem_points"),
            other => panic!("{other:?}"),
        }
        match sale_effects(&settings, m, 10_000, 999, 999, 0, -1, 0) {
            Err(AppError::Invalid { field, .. }) => assert_eq!(field, "payments"),
            other => panic!("{other:?}"),
        }
    }
}
