//! Self-checkout (自助结账): a kiosk is a device signed in with a staff account (a
//! cashier's), and its page runs under that session. These use cases are what the kiosk
//! needs beyond the till's: a member identifies with their phone and a one-time code (no
//! resident session is made: the kiosk puts the member's id on this one sale), the cart is
//! priced by the one pricing engine before paying (so points and the QR amount are
//! exact), the QR payment goes through the payment port, and weighed or restricted goods
//! wait for a staff member's password.
//!
//! Restricted goods: products have no "restricted" flag yet, so a product counts as
//! restricted when its category, or a category above it, has one of the configured codes
//! (default [`RESTRICTED_CATEGORY_CODES_DEFAULT`]: the demo's 酒水 `C3002`, and `jiu` 酒 /
//! `yan` 烟 for stores that code their categories in pinyin). Weighed goods always call
//! staff at a kiosk, label or not: a self-printed scale label is easily swapped between
//! bags, and a weighed item without one needs staff to weigh it.
//!
//! The sale itself is the till's `POST /api/v1/sales` (tender `wechat_qr` for the amount
//! the kiosk's QR payment was approved for). The store keeps which organisation asked
//! for each kiosk payment, and for how much (a day), so another organisation's kiosk
//! cannot read or settle it and a restart of the server forgets none.

use crate::orders::{OTP_ATTEMPTS_MAX, OTP_RESEND_MS, OTP_SENDS_PER_HOUR_MAX, OTP_TTL_MS};
use crate::ports::{IntentRequest, IntentStatus, Sms};
use crate::{Actor, App, AppError};
use linli_domain::auth::{Permission, Role};
use linli_domain::ids::{CategoryId, MemberId, OrgId, ProductId, StaffId};
use linli_domain::loyalty::TierRule;
use linli_domain::money::AMOUNT_FEN_MAX;
use linli_domain::phone::PhoneNumber;
use linli_domain::pricing::{self, Cart, CartLine, StackingPolicy};
use linli_domain::time;
use linli_store::{KioskCodeCheck, LocationRow, OtpLimits, SellableProduct, StoreRow, member_code};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Category codes whose goods need staff at a kiosk unless configured otherwise.
pub const RESTRICTED_CATEGORY_CODES_DEFAULT: [&str; 3] = ["C3002", "jiu", "yan"];
/// How many restricted category codes may be configured, and how long each may be.
pub const RESTRICTED_CATEGORY_CODES_MAX: usize = 50;
pub const CATEGORY_CODE_CHARS_MAX: usize = 32;
/// How far up the category tree a restriction is looked for.
const CATEGORY_DEPTH_MAX: usize = 8;
/// Characters of a username or password at the staff confirmation.
pub const CREDENTIAL_CHARS_MAX: usize = 128;
/// Characters of the note that says what staff confirmed.
pub const CONFIRM_NOTE_CHARS_MAX: usize = 200;

static RESTRICTED_CODES: OnceLock<Vec<String>> = OnceLock::new();

/// Sets the restricted category codes for this process (from the server's
/// configuration, once, before serving). Codes are compared without regard to case.
pub fn set_restricted_category_codes(codes: &[String]) -> Result<(), AppError> {
    let mut list = Vec::new();
    for c in codes {
        let c = c.trim();
        if c.is_empty() {
            continue;
        }
        if c.chars().count() > CATEGORY_CODE_CHARS_MAX || c.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "kiosk_restricted_categories",
                &format!("a category code has 1 to {CATEGORY_CODE_CHARS_MAX} visible characters"),
                &format!("分类编码须为 1 到 {CATEGORY_CODE_CHARS_MAX} 个可见字符"),
            ));
        }
        list.push(c.to_lowercase());
    }
    if list.len() > RESTRICTED_CATEGORY_CODES_MAX {
        return Err(AppError::invalid(
            "kiosk_restricted_categories",
            &format!("at most {RESTRICTED_CATEGORY_CODES_MAX} restricted category codes"),
            &format!("最多 {RESTRICTED_CATEGORY_CODES_MAX} 个限购分类编码"),
        ));
    }
    RESTRICTED_CODES
        .set(list)
        .map_err(|_| AppError::Internal("the kiosk's restricted categories are set once, before serving".into()))
}

/// The restricted category codes in force (lower case).
pub fn restricted_category_codes() -> Vec<String> {
    RESTRICTED_CODES.get().cloned().unwrap_or_else(|| {
        RESTRICTED_CATEGORY_CODES_DEFAULT
            .iter()
            .map(|c| c.to_lowercase())
            .collect()
    })
}

/// A kiosk code's hash: its own domain, so a kiosk code never signs into the resident
/// shop and a shop code never identifies a member at a kiosk.
fn kiosk_code_hash(org: OrgId, phone: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("kiosk:{}:{phone}:{code}", org.0).as_bytes()))
}

fn parse_phone(phone: &str) -> Result<PhoneNumber, AppError> {
    PhoneNumber::parse(phone).map_err(|e| AppError::invalid("phone", &e.to_string(), &e.message_zh()))
}

/// A name as a kiosk screen shows it to whoever stands there: the first character only.
fn masked_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => String::new(),
        Some(first) if chars.next().is_none() => first.to_string(),
        Some(first) => format!("{first}*"),
    }
}

// ---- answers ----

/// What the kiosk page needs to start: its store and the location goods leave from.
#[derive(Debug, Clone)]
pub struct KioskSetup {
    pub store: StoreRow,
    pub location: Option<LocationRow>,
    pub restricted_codes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct KioskCodeSent {
    pub phone_masked: String,
    pub expires_at: i64,
    pub resend_after: i64,
    /// "短信模拟器 / SMS simulator" when simulated.
    pub sender_label: &'static str,
    /// Only while the SMS simulator is the SMS port: the code it "sent", for the kiosk's
    /// labelled simulator box. Never with a real gateway.
    pub simulator_code: Option<String>,
}

/// The member identified at a kiosk, for this one sale.
#[derive(Debug, Clone)]
pub struct KioskMember {
    pub id: MemberId,
    pub code: String,
    /// First character only.
    pub name_masked: String,
    pub phone_masked: String,
    pub tier: TierRule,
    pub points_available: i64,
    /// What all available points would pay (before the order-share cap).
    pub points_value_fen: i64,
    pub points_per_yuan: i64,
    pub order_share_max_bp: u32,
}

#[derive(Debug, Clone, Copy)]
pub struct QuoteLineInput {
    pub product_id: i64,
    /// Pieces, or grams for weighed goods.
    pub qty: i64,
}

#[derive(Debug, Clone, Default)]
pub struct QuoteInput {
    pub lines: Vec<QuoteLineInput>,
    pub member_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct QuotedLine {
    pub product_id: ProductId,
    pub name_zh: String,
    pub qty: i64,
    pub weighed: bool,
    pub unit_price_fen: i64,
    pub total_fen: i64,
    /// Its category (or one above it) is restricted: staff must confirm.
    pub restricted: bool,
}

#[derive(Debug, Clone)]
pub struct QuotedDiscount {
    pub label_zh: String,
    pub label_en: String,
    pub amount_fen: i64,
}

/// How many points the member may use on this cart.
#[derive(Debug, Clone, Copy)]
pub struct QuotePoints {
    pub available: i64,
    /// Within the balance and the order-share cap.
    pub max_redeemable: i64,
    pub max_value_fen: i64,
    pub points_per_yuan: i64,
}

/// The cart priced as `POST /api/v1/sales` will price it now.
#[derive(Debug, Clone)]
pub struct KioskQuote {
    pub lines: Vec<QuotedLine>,
    pub subtotal_fen: i64,
    pub discount_fen: i64,
    pub total_fen: i64,
    pub discounts: Vec<QuotedDiscount>,
    pub points: Option<QuotePoints>,
}

#[derive(Debug, Clone)]
pub struct KioskPaymentView {
    pub provider_ref: String,
    pub amount_fen: i64,
    pub qr_payload: Option<String>,
    pub status: IntentStatus,
    /// "模拟支付 / payment simulator" for the simulator.
    pub provider_label: &'static str,
    pub simulator: bool,
}

#[derive(Debug, Clone)]
pub struct StaffConfirmed {
    pub staff: StaffId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub at: i64,
}

impl App {
    /// The kiosk's store and sales floor.
    pub async fn kiosk_setup(&self, actor: &Actor) -> Result<KioskSetup, AppError> {
        actor.require(Permission::Sell)?;
        let stores = self.store.stores(actor.org).await?;
        let store = actor
            .store
            .and_then(|id| stores.iter().find(|s| s.id == id))
            .or_else(|| stores.first())
            .cloned()
            .ok_or(AppError::NotFound)?;
        let locations: Vec<_> = self
            .store
            .locations(actor.org)
            .await?
            .into_iter()
            .filter(|l| l.store_id == store.id)
            .collect();
        let location = locations
            .iter()
            .find(|l| l.kind == linli_store::LocationKind::SalesFloor)
            .or_else(|| locations.first())
            .cloned();
        Ok(KioskSetup {
            store,
            location,
            restricted_codes: restricted_category_codes(),
        })
    }

    /// Texts a member a one-time code for this kiosk sale through the SMS port. Only a
    /// member of the organisation gets one; the per-phone limits are the resident
    /// sign-in's (one a minute, five an hour), shared with it.
    pub async fn kiosk_request_code(&self, actor: &Actor, phone: &str) -> Result<KioskCodeSent, AppError> {
        actor.require(Permission::Sell)?;
        let phone = parse_phone(phone)?;
        if self
            .store
            .member_by_phone_or_code(actor.org, phone.as_str())
            .await?
            .is_none()
        {
            return Err(AppError::invalid(
                "phone",
                "this phone is not a member here; the staff can sign you up at the till",
                "该手机号还不是本店会员，可到收银台请店员办理",
            ));
        }
        let now = self.now();
        let code = format!("{:06}", rand::rng().next_u32() % 1_000_000);
        let limits = OtpLimits {
            resend_after_ms: OTP_RESEND_MS,
            window_ms: time::MS_PER_HOUR,
            sends_per_window_max: OTP_SENDS_PER_HOUR_MAX,
        };
        let saved = self
            .store
            .save_resident_otp(
                actor.org,
                phone.as_str(),
                &kiosk_code_hash(actor.org, phone.as_str(), &code),
                now + OTP_TTL_MS,
                limits,
                now,
            )
            .await?;
        if !saved {
            return Err(AppError::conflict(
                "rate_limited",
                Some("phone"),
                "a code was sent to this phone moments ago; wait a minute (at most 5 an hour)".into(),
                "验证码发送过于频繁，请稍后再试（每分钟 1 次，每小时最多 5 次）".into(),
            ));
        }
        self.sms
            .send(Sms {
                org: actor.org,
                phone: phone.as_str().to_string(),
                text: format!(
                    "【邻里】您的自助结账验证码是 {code}，5 分钟内有效。Your Linli self-checkout code is {code} (valid 5 minutes)."
                ),
                code: Some(code.clone()),
                at: now,
            })
            .await
            .map_err(|e| AppError::Internal(format!("sms: {e}")))?;
        Ok(KioskCodeSent {
            phone_masked: phone.masked(),
            expires_at: now + OTP_TTL_MS,
            resend_after: now + OTP_RESEND_MS,
            sender_label: self.sms.label(),
            simulator_code: self.sms.simulator().map(|_| code),
        })
    }

    /// Checks the member's code and answers who they are, for this sale only: no session
    /// is made. A wrong code is counted; after five the code is void.
    pub async fn kiosk_verify_code(&self, actor: &Actor, phone: &str, code: &str) -> Result<KioskMember, AppError> {
        actor.require(Permission::Sell)?;
        let phone = parse_phone(phone)?;
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::invalid("code", "the code is 6 digits", "验证码为 6 位数字"));
        }
        let check = self
            .store
            .check_kiosk_code(
                actor.org,
                phone.as_str(),
                &kiosk_code_hash(actor.org, phone.as_str(), code),
                OTP_ATTEMPTS_MAX,
                self.now(),
            )
            .await?;
        match check {
            KioskCodeCheck::Verified => {}
            KioskCodeCheck::WrongCode { attempts_left } if attempts_left > 0 => {
                return Err(AppError::invalid(
                    "code",
                    &format!("the code is wrong; {attempts_left} attempts left"),
                    &format!("验证码不正确，还可尝试 {attempts_left} 次"),
                ));
            }
            KioskCodeCheck::WrongCode { .. } => {
                return Err(AppError::invalid(
                    "code",
                    "the code is wrong and now void: request a new one",
                    "验证码错误次数过多，已失效，请重新获取",
                ));
            }
            KioskCodeCheck::NoCode => {
                return Err(AppError::invalid(
                    "code",
                    "no valid code for this phone: request a new one",
                    "该手机号没有有效的验证码，请重新获取",
                ));
            }
        }
        let row = self
            .store
            .member_by_phone_or_code(actor.org, phone.as_str())
            .await?
            .ok_or(AppError::NotFound)?;
        let view = self.member_loyalty(actor, row.id).await?;
        let settings = self.store.loyalty_settings(actor.org).await?;
        Ok(KioskMember {
            id: row.id,
            code: member_code(row.id),
            name_masked: masked_name(&row.name),
            phone_masked: phone.masked(),
            tier: view.tier,
            points_available: view.points_available,
            points_value_fen: view.points_value_fen,
            points_per_yuan: settings.redeem().points_per_yuan(),
            order_share_max_bp: settings.redeem().order_share_max_bp(),
        })
    }

    /// Prices a kiosk cart as a sale will (promotions, the member's tier), flags the
    /// lines staff must confirm, and says how many points the member may use on it.
    pub async fn kiosk_quote(&self, actor: &Actor, input: &QuoteInput) -> Result<KioskQuote, AppError> {
        actor.require(Permission::Sell)?;
        if input.lines.is_empty() || input.lines.len() > linli_store::SALE_LINES_MAX {
            return Err(AppError::invalid(
                "lines",
                &format!("a sale has 1 to {} lines", linli_store::SALE_LINES_MAX),
                &format!("每单 1 到 {} 行", linli_store::SALE_LINES_MAX),
            ));
        }
        let ids: Vec<ProductId> = input.lines.iter().map(|l| ProductId(l.product_id)).collect();
        let products: HashMap<ProductId, SellableProduct> = self
            .store
            .sellable_products(actor.org, &ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let mut resolved: Vec<&SellableProduct> = Vec::with_capacity(input.lines.len());
        for (i, l) in input.lines.iter().enumerate() {
            let p = products
                .get(&ProductId(l.product_id))
                .filter(|p| p.active)
                .ok_or_else(|| AppError::invalid(&format!("lines[{i}].product_id"), "no such product", "商品不存在"))?;
            if l.qty <= 0 || l.qty > linli_domain::stock::MOVEMENT_QTY_MAX {
                return Err(AppError::invalid(
                    &format!("lines[{i}].qty"),
                    "quantity must be positive",
                    "数量必须大于 0",
                ));
            }
            resolved.push(p);
        }
        let member = match input.member_id {
            None => None,
            Some(id) => {
                if !self.store.member_in_org(actor.org, MemberId(id)).await? {
                    return Err(AppError::invalid("member_id", "no such member", "会员不存在"));
                }
                Some(self.member_standing(actor, MemberId(id)).await?)
            }
        };
        let now = self.now();
        let cart: Vec<CartLine> = input
            .lines
            .iter()
            .zip(&resolved)
            .enumerate()
            .map(|(i, (l, p))| CartLine {
                line_no: u32::try_from(i).expect("lines are bounded") + 1,
                product: p.id,
                category: p.category_id,
                qty: l.qty,
                weighed: p.weighed,
                unit_price_fen: p.price_fen,
            })
            .collect();
        let promotions = self.store.active_promotions(actor.org, now).await?;
        let priced = pricing::price(
            &Cart {
                lines: cart,
                member: member.as_ref().map(|s| pricing::MemberContext {
                    tier_discount_bp: s.tier.discount_bp,
                    is_new_member: s.rolling_spend_fen == 0,
                }),
            },
            &promotions,
            &[],
            &StackingPolicy::default(),
            now,
        )
        .map_err(|e| AppError::invalid(e.field(), &e.to_string(), &e.message_zh()))?;
        let restricted = self.restricted_categories(actor.org).await?;
        let lines = input
            .lines
            .iter()
            .zip(&resolved)
            .zip(&priced.lines)
            .map(|((l, p), priced_line)| QuotedLine {
                product_id: p.id,
                name_zh: p.name_zh.clone(),
                qty: l.qty,
                weighed: p.weighed,
                unit_price_fen: p.price_fen,
                total_fen: priced_line.total_fen,
                restricted: p.category_id.is_some_and(|c| restricted.contains(&c)),
            })
            .collect();
        let points = member.map(|s| {
            let rule = s.settings.redeem();
            let max_redeemable = rule.max_points(priced.total_fen, s.points_available);
            QuotePoints {
                available: s.points_available,
                max_redeemable,
                max_value_fen: if max_redeemable > 0 {
                    rule.value_fen(max_redeemable, priced.total_fen).unwrap_or(0)
                } else {
                    0
                },
                points_per_yuan: rule.points_per_yuan(),
            }
        });
        Ok(KioskQuote {
            lines,
            subtotal_fen: priced.subtotal_fen,
            discount_fen: priced.subtotal_fen - priced.total_fen,
            total_fen: priced.total_fen,
            discounts: priced
                .discounts
                .iter()
                .map(|d| QuotedDiscount {
                    label_zh: d.name_zh.clone(),
                    label_en: d.name_en.clone(),
                    amount_fen: d.amount_fen,
                })
                .collect(),
            points,
        })
    }

    /// The organisation's categories whose goods are restricted: those with a restricted
    /// code and every category below one.
    async fn restricted_categories(&self, org: OrgId) -> Result<Vec<CategoryId>, AppError> {
        let codes = restricted_category_codes();
        let categories = self.store.categories(org).await?;
        let by_id: HashMap<CategoryId, (Option<CategoryId>, String)> = categories
            .iter()
            .map(|c| (c.id, (c.parent_id, c.code.to_lowercase())))
            .collect();
        let mut out = Vec::new();
        for c in &categories {
            let mut at = Some(c.id);
            for _ in 0..CATEGORY_DEPTH_MAX {
                let Some((parent, code)) = at.and_then(|id| by_id.get(&id)) else {
                    break;
                };
                if codes.iter().any(|r| r == code) {
                    out.push(c.id);
                    break;
                }
                at = *parent;
            }
        }
        Ok(out)
    }

    /// Asks the payment port for a QR payment of `amount_fen` at this kiosk.
    pub async fn kiosk_start_payment(&self, actor: &Actor, amount_fen: i64) -> Result<KioskPaymentView, AppError> {
        actor.require(Permission::Sell)?;
        if !(1..=AMOUNT_FEN_MAX).contains(&amount_fen) {
            return Err(AppError::invalid(
                "amount_fen",
                &format!("amount_fen must be between 1 and {AMOUNT_FEN_MAX}"),
                &format!("金额须在 1 到 {AMOUNT_FEN_MAX} 分之间"),
            ));
        }
        let now = self.now();
        let reference = format!("K{}-{}-{now}", actor.org.0, actor.staff.0);
        let intent = self
            .payments
            .create_intent(IntentRequest {
                org: actor.org,
                reference: reference.clone(),
                amount_fen,
                description: format!("邻里自助结账 {reference}"),
            })
            .await
            .map_err(|e| {
                AppError::conflict("payment_unavailable", None, e.to_string(), format!("支付暂不可用：{e}"))
            })?;
        self.store
            .save_kiosk_payment(actor.org, self.payments.name(), &intent.provider_ref, amount_fen, now)
            .await?;
        Ok(KioskPaymentView {
            provider_ref: intent.provider_ref,
            amount_fen,
            qr_payload: Some(intent.qr_payload),
            status: IntentStatus::Pending,
            provider_label: self.payments.label(),
            simulator: self.payments.simulator().is_some(),
        })
    }

    /// The amount of a kiosk payment of `org`; another organisation's is not found.
    pub(crate) async fn kiosk_payment_of(&self, org: OrgId, provider_ref: &str) -> Result<i64, AppError> {
        self.store
            .kiosk_payment_amount(org, self.payments.name(), provider_ref)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// How a kiosk payment stands at the provider.
    pub async fn kiosk_payment(&self, actor: &Actor, provider_ref: &str) -> Result<KioskPaymentView, AppError> {
        actor.require(Permission::Sell)?;
        let amount_fen = self.kiosk_payment_of(actor.org, provider_ref).await?;
        let status = self.payments.status(provider_ref).await.map_err(|e| {
            AppError::conflict("payment_unavailable", None, e.to_string(), format!("支付暂不可用：{e}"))
        })?;
        Ok(KioskPaymentView {
            provider_ref: provider_ref.to_string(),
            amount_fen,
            qr_payload: None,
            status,
            provider_label: self.payments.label(),
            simulator: self.payments.simulator().is_some(),
        })
    }

    /// 模拟支付 / payment simulator: the payer's wallet approves or declines a kiosk
    /// payment. Only while the simulator is the payment port.
    pub async fn kiosk_simulate_payment(
        &self,
        actor: &Actor,
        provider_ref: &str,
        approve: bool,
    ) -> Result<KioskPaymentView, AppError> {
        actor.require(Permission::Sell)?;
        let amount_fen = self.kiosk_payment_of(actor.org, provider_ref).await?;
        let sim = self.payments.simulator().ok_or_else(|| {
            AppError::conflict(
                "simulator_inactive",
                None,
                "the payment simulator is not in use".into(),
                "未启用模拟支付".into(),
            )
        })?;
        let status = sim
            .simulate(provider_ref, approve)
            .map_err(|e| AppError::conflict("payment_unknown", None, e.to_string(), "支付平台没有这笔支付".into()))?;
        Ok(KioskPaymentView {
            provider_ref: provider_ref.to_string(),
            amount_fen,
            qr_payload: None,
            status,
            provider_label: self.payments.label(),
            simulator: true,
        })
    }

    /// A staff member confirms weighed or restricted goods at the kiosk with their
    /// password: the kiosk's own account or any manager (or owner) of the organisation.
    /// No session is made. A wrong password counts toward the account's lock, as a
    /// sign-in does; the confirmation is written to the audit log.
    pub async fn kiosk_staff_confirm(
        &self,
        actor: &Actor,
        username: &str,
        password: &str,
        note: &str,
    ) -> Result<StaffConfirmed, AppError> {
        actor.require(Permission::Sell)?;
        let username = username.trim().to_ascii_lowercase();
        if username.is_empty() || username.chars().count() > CREDENTIAL_CHARS_MAX {
            return Err(AppError::invalid(
                "username",
                "type the staff username",
                "请输入店员用户名",
            ));
        }
        if password.is_empty() || password.chars().count() > CREDENTIAL_CHARS_MAX {
            return Err(AppError::invalid(
                "password",
                "type the staff password",
                "请输入店员密码",
            ));
        }
        let note = crate::free_text(note, "note", CONFIRM_NOTE_CHARS_MAX)?;
        let now = self.now();
        let staff = self
            .store
            .staff_by_username(&username)
            .await?
            .filter(|s| s.org_id == actor.org);
        let Some(staff) = staff else {
            // Spend the same time as a real check so timing does not reveal usernames.
            let _ = crate::auth::verify_password(password, crate::auth::DUMMY_HASH);
            return Err(AppError::BadCredentials);
        };
        if let Some(until) = staff.locked_until
            && until > now
        {
            return Err(AppError::Locked { until_ms: until });
        }
        if !staff.active || !crate::auth::verify_password(password, &staff.password_hash) {
            let lock_until = now + linli_domain::auth::LOGIN_LOCK_MS;
            let (failures, locked_until) = self
                .store
                .record_login_failure(staff.id, linli_domain::auth::LOGIN_FAILURES_MAX, lock_until)
                .await?;
            let locked = locked_until.filter(|u| *u > now);
            tracing::info!(
                staff = staff.id.0,
                failures,
                locked = locked.is_some(),
                "failed kiosk staff confirmation"
            );
            return Err(match locked {
                Some(until_ms) => AppError::Locked { until_ms },
                None => AppError::BadCredentials,
            });
        }
        if staff.id != actor.staff && !matches!(staff.role, Role::Owner | Role::Manager) {
            return Err(AppError::invalid(
                "username",
                "only this kiosk's own account or a manager may confirm",
                "只有本机账号或店长可以确认",
            ));
        }
        self.store
            .record_kiosk_confirmation(actor.org, staff.id, actor.staff, note, now)
            .await?;
        Ok(StaffConfirmed {
            staff: staff.id,
            username: staff.username,
            display_name: staff.display_name,
            role: staff.role,
            at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kiosk_codes_are_hashed_apart_from_shop_codes() {
        let a = kiosk_code_hash(OrgId(1), "13800138000", "123456");
        assert_ne!(a, kiosk_code_hash(OrgId(2), "13800138000", "123456"));
        assert_ne!(a, kiosk_code_hash(OrgId(1), "13800138001", "123456"));
        let shop = hex::encode(Sha256::digest(b"1:13800138000:123456"));
        assert_ne!(a, shop, "a kiosk code is not a resident sign-in code");
    }

    #[test]
    fn names_show_their_first_character_only() {
        assert_eq!(masked_name("王阿姨"), "王*");
        assert_eq!(masked_name("李"), "李");
        assert_eq!(masked_name("  "), "");
    }

    #[test]
    fn the_default_restricted_categories_include_the_demo_drinks() {
        let codes = restricted_category_codes();
        assert!(codes.contains(&"c3002".to_string()), "{codes:?}");
        assert!(codes.contains(&"yan".to_string()) && codes.contains(&"jiu".to_string()));
    }
}
