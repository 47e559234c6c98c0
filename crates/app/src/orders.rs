//! Online orders: residents sign in with a one-time code, order for pickup (提货码),
//! delivery in a 2-hour slot or presale, pay by QR through the payment port; staff
//! prepare, hand over (核销 with the pickup code) or deliver, cancel, and import
//! food-delivery platform orders (美团/饿了么) idempotently.
//!
//! Rules come from `linli_domain::orders` (status machine, reservations, timeout, pickup
//! codes, slots, radius, presale caps, platform keys) and prices from the one pricing
//! engine; each decision is one store transaction. Money owed back after a cancel is
//! refunded through the port after the cancel commits; a refund the port could not make
//! stays `refund_pending` and is retried (`settle_refunds`).

use crate::ports::{IntentRequest, IntentStatus, Sms};
use crate::{Actor, App, AppError, Page, Paging};
use linli_domain::auth::Permission;
use linli_domain::catalog::UnitKind;
use linli_domain::ids::{BuildingId, LocationId, MemberId, OrderId, OrgId, ProductId, StoreId};
use linli_domain::orders::{
    self as rules, Actor as OrderActorKind, Channel, DeliverySlot, ExternalRef, Fulfilment, OrderError, OrderEvent,
    OrderStatus,
};
use linli_domain::phone::PhoneNumber;
use linli_domain::pricing::{self, Cart, CartLine, Coupon, MemberContext, Promotion, StackingPolicy};
use linli_domain::time;
use linli_store::{
    DeliveryTo, ExternalOrder, NewOnlineOrder, NewPresale, OnlineLine, OnlineOrderFilter, OnlineOrderRow, OrderActor,
    OtpLimits, PaymentIntentRow, PickRow, PickupOutcome, Placed, PresaleRow, Refusal, ResidentLogin, Settled,
};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Orders a delivery slot takes unless staff set another capacity for it.
pub const SLOT_CAPACITY_DEFAULT: i64 = 20;
/// The most a staff member may set a slot's capacity to.
pub const SLOT_CAPACITY_MAX: i64 = 1_000;
/// How long before a slot starts it stops taking orders.
pub const SLOT_LEAD_MINUTES: i64 = 60;
/// A resident stays signed in on their phone this long.
pub const RESIDENT_SESSION_TTL_MS: i64 = 30 * time::MS_PER_DAY;
/// Resident tokens carry this prefix, so a request's kind of caller is known before any lookup.
pub const RESIDENT_TOKEN_PREFIX: &str = "res_";
/// A sign-in code is valid this long …
pub const OTP_TTL_MS: i64 = 5 * 60 * 1000;
/// … may be re-sent after this long …
pub const OTP_RESEND_MS: i64 = 60 * 1000;
/// … at most this often per hour to one phone …
pub const OTP_SENDS_PER_HOUR_MAX: i64 = 5;
/// … and is burnt after this many wrong tries.
pub const OTP_ATTEMPTS_MAX: i64 = 5;
/// Characters in a unit or room number.
pub const ADDRESS_PART_CHARS_MAX: usize = 20;
/// Orders one expiry sweep closes per organisation (the rest wait for the next run).
pub const EXPIRE_BATCH_MAX: i64 = 500;
/// Units one presale may cap.
pub const PRESALE_CAP_MAX: i64 = 1_000_000;
/// How far ahead a presale may ship.
pub const PRESALE_DAYS_AHEAD_MAX: i64 = 180;

/// A signed-in resident (居民), member of one organisation.
#[derive(Debug, Clone)]
pub struct Resident {
    pub org: OrgId,
    pub member: MemberId,
    pub phone: String,
}

impl Resident {
    /// The idempotency principal: keys are per member.
    pub fn principal(&self) -> String {
        format!("member:{}", self.member.0)
    }

    fn order_actor(&self) -> OrderActor {
        OrderActor {
            actor: OrderActorKind::Resident,
            staff: None,
            member: Some(self.member),
        }
    }
}

#[derive(Debug, Clone)]
pub struct OtpSent {
    pub expires_at: i64,
    pub resend_after: i64,
    /// Which SMS gateway sent it (the simulator says so).
    pub sender_label: &'static str,
}

#[derive(Debug, Clone)]
pub struct ResidentSignedIn {
    pub token: String,
    pub expires_at: i64,
    pub resident: Resident,
    pub new_member: bool,
}

#[derive(Debug, Clone)]
pub struct LineInput {
    pub product_id: i64,
    pub qty: i64,
}

/// A resident's order as the phone sends it.
#[derive(Debug, Clone, Default)]
pub struct PlaceInput {
    pub location_id: i64,
    pub lines: Vec<LineInput>,
    /// pickup, delivery or presale.
    pub fulfilment: String,
    /// Delivery: the slot's start (unix ms).
    pub slot_start: Option<i64>,
    /// Delivery: defaults to the member's own building, unit and room.
    pub building_id: Option<i64>,
    pub unit: Option<String>,
    pub room: Option<String>,
    /// Presale: the ship date (ISO); defaults to the earliest open presale of the products.
    pub presale_date: Option<String>,
    pub note: Option<String>,
    /// The resident's coupons (issue ids) to use; the price takes those that apply.
    pub coupon_ids: Vec<i64>,
}

/// Reordering a past order: how this one is fulfilled (pickup unless said otherwise).
#[derive(Debug, Clone, Default)]
pub struct ReorderInput {
    pub fulfilment: Option<String>,
    pub slot_start: Option<i64>,
    pub building_id: Option<i64>,
    pub unit: Option<String>,
    pub room: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ImportLineInput {
    pub product_id: i64,
    pub qty: i64,
    /// The platform's price; the store's list price when absent.
    pub unit_price_fen: Option<i64>,
}

/// A platform order (美团/饿了么 style). It arrives paid and is collected at the store
/// by the platform's rider or the customer.
#[derive(Debug, Clone)]
pub struct ImportInput {
    pub platform: String,
    pub external_id: String,
    pub location_id: i64,
    pub lines: Vec<ImportLineInput>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PaymentStarted {
    pub intent: PaymentIntentRow,
    /// "模拟支付 / payment simulator" for the simulator.
    pub provider_label: &'static str,
    /// The order is paid already (nothing to pay: a free order).
    pub order: OnlineOrderRow,
}

#[derive(Debug, Clone)]
pub struct PaymentSimulated {
    /// pending, approved, declined, refunded, as the provider now says.
    pub provider_status: &'static str,
    pub provider_label: &'static str,
    pub order: OnlineOrderRow,
}

#[derive(Debug, Clone)]
pub struct SlotView {
    pub start: i64,
    pub end: i64,
    pub capacity: i64,
    pub booked: i64,
    pub remaining: i64,
}

#[derive(Debug, Clone)]
pub struct PresaleInput {
    pub product_id: i64,
    pub ship_date: String,
    pub cap_total: i64,
    pub per_order_max: i64,
    pub order_by: i64,
}

/// Who asks the payment simulator to settle: the resident whose order it is, or staff
/// of the organisation (a till's customer paying by QR).
#[derive(Debug, Clone)]
pub enum PaymentCaller {
    Resident(Resident),
    Staff(Actor),
}

/// What the pricing engine gets besides the cart.
///
/// The store's promotions, the member's tier and their coupons (`online_offers`); a
/// platform order pays the prices it arrives with (`no_offers`).
struct OnlineOffers {
    promotions: Vec<Promotion>,
    coupons: Vec<Coupon>,
    member: Option<MemberContext>,
    policy: StackingPolicy,
}

fn order_err(e: &OrderError, field: &str) -> AppError {
    AppError::invalid(field, &e.to_string(), &e.message_zh())
}

fn refusal(r: Refusal) -> AppError {
    AppError::conflict(r.code, Some(&r.field), r.en, r.zh)
}

fn code_hash(org: OrgId, phone: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{}:{phone}:{code}", org.0).as_bytes()))
}

fn parse_phone(phone: &str) -> Result<PhoneNumber, AppError> {
    PhoneNumber::parse(phone).map_err(|e| AppError::invalid("phone", &e.to_string(), &e.message_zh()))
}

fn address_part(v: Option<&str>, field: &str) -> Result<Option<String>, AppError> {
    v.map(|s| crate::free_text(s, field, ADDRESS_PART_CHARS_MAX))
        .transpose()
}

fn parse_date(s: &str, field: &str) -> Result<jiff::civil::Date, AppError> {
    s.trim()
        .parse()
        .map_err(|_| AppError::invalid(field, "a date looks like 2026-12-01", "日期格式应为 2026-12-01"))
}

/// The staff action names of `POST /api/v1/orders/{id}/actions`.
pub const STAFF_ACTIONS: [&str; 6] = ["prepare", "ready", "dispatch", "deliver", "complete", "cancel"];

impl App {
    // ---- residents: signing in ----

    /// Texts a one-time sign-in code to a phone through the SMS port. A phone gets a
    /// new code at most once a minute and five times an hour.
    pub async fn request_resident_code(&self, org_id: i64, phone: &str) -> Result<OtpSent, AppError> {
        let org = OrgId(org_id);
        self.store
            .org_name(org)
            .await
            .map_err(|_| AppError::invalid("org_id", "no such organisation", "没有这个商户"))?;
        let phone = parse_phone(phone)?;
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
                org,
                phone.as_str(),
                &code_hash(org, phone.as_str(), &code),
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
                org,
                phone: phone.as_str().to_string(),
                text: format!(
                    "【邻里】您的登录验证码是 {code}，5 分钟内有效。Your Linli sign-in code is {code} (valid 5 minutes)."
                ),
                code: Some(code),
                at: now,
            })
            .await
            .map_err(|e| AppError::Internal(format!("sms: {e}")))?;
        Ok(OtpSent {
            expires_at: now + OTP_TTL_MS,
            resend_after: now + OTP_RESEND_MS,
            sender_label: self.sms.label(),
        })
    }

    /// Signs a resident in with the code texted to their phone; a phone that is not yet
    /// a member of the organisation becomes one.
    pub async fn resident_login(&self, org_id: i64, phone: &str, code: &str) -> Result<ResidentSignedIn, AppError> {
        let org = OrgId(org_id);
        let phone = parse_phone(phone)?;
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::invalid("code", "the code is 6 digits", "验证码为 6 位数字"));
        }
        let now = self.now();
        let token = format!("{RESIDENT_TOKEN_PREFIX}{}", crate::auth::random_token());
        let expires_at = now + RESIDENT_SESSION_TTL_MS;
        let outcome = self
            .store
            .resident_login(
                org,
                phone.as_str(),
                &code_hash(org, phone.as_str(), code),
                &crate::auth::token_hash(&token),
                OTP_ATTEMPTS_MAX,
                expires_at,
                now,
            )
            .await?;
        match outcome {
            ResidentLogin::SignedIn { member, new_member } => Ok(ResidentSignedIn {
                token,
                expires_at,
                resident: Resident {
                    org,
                    member,
                    phone: phone.as_str().to_string(),
                },
                new_member,
            }),
            ResidentLogin::WrongCode { attempts_left } => Err(AppError::invalid(
                "code",
                &format!("the code is wrong; {attempts_left} attempts left"),
                &format!("验证码不正确，还可尝试 {attempts_left} 次"),
            )),
            ResidentLogin::NoCode => Err(AppError::invalid(
                "code",
                "no valid code for this phone: request a new one",
                "该手机号没有有效的验证码，请重新获取",
            )),
        }
    }

    /// The resident behind a resident token. Staff tokens are not resident tokens.
    pub async fn authenticate_resident(&self, token: &str) -> Result<Resident, AppError> {
        if !token.starts_with(RESIDENT_TOKEN_PREFIX) {
            return Err(AppError::Unauthenticated);
        }
        let s = self
            .store
            .resident_session(&crate::auth::token_hash(token), self.now())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok(Resident {
            org: s.org_id,
            member: s.member_id,
            phone: s.phone,
        })
    }

    pub async fn resident_logout(&self, token: &str) -> Result<(), AppError> {
        self.store
            .delete_resident_session(&crate::auth::token_hash(token))
            .await?;
        Ok(())
    }

    // ---- residents: orders ----

    /// A resident's own orders, newest first.
    pub async fn my_orders(
        &self,
        r: &Resident,
        status: Option<&str>,
        paging: Paging,
    ) -> Result<Page<OnlineOrderRow>, AppError> {
        let filter = OnlineOrderFilter {
            status: status.map(parse_status).transpose()?,
            member: Some(r.member),
            ..OnlineOrderFilter::default()
        };
        Ok(self.store.online_orders(r.org, &filter, paging.request()).await?)
    }

    /// One of the resident's own orders (another resident's is not found).
    pub async fn my_order(&self, r: &Resident, id: OrderId) -> Result<OnlineOrderRow, AppError> {
        Ok(self.store.online_order(r.org, id, Some(r.member)).await?)
    }

    /// Places a resident's order: validated, priced, stock reserved (or the presale cap
    /// taken), a delivery slot booked, a pickup code drawn, in one transaction. Expired
    /// unpaid orders of the organisation are closed first so their holds are free.
    pub async fn place_order(&self, r: &Resident, input: PlaceInput) -> Result<OnlineOrderRow, AppError> {
        let _ = self.expire_unpaid(r.org, self.now()).await;
        let order = self.prepare_order(r, input).await?;
        let placed = self.store.place_online_order(r.org, &order).await?.map_err(refusal)?;
        Ok(self.store.online_order(r.org, placed.order(), Some(r.member)).await?)
    }

    /// Copies the lines of one of the resident's past orders into a new order.
    pub async fn reorder(&self, r: &Resident, id: OrderId, input: ReorderInput) -> Result<OnlineOrderRow, AppError> {
        let past = self.my_order(r, id).await?;
        let place = PlaceInput {
            location_id: past.location_id.0,
            lines: past
                .lines
                .iter()
                .map(|l| LineInput {
                    product_id: l.product_id.0,
                    qty: l.qty,
                })
                .collect(),
            fulfilment: input.fulfilment.unwrap_or_else(|| "pickup".into()),
            slot_start: input.slot_start,
            building_id: input.building_id,
            unit: input.unit,
            room: input.room,
            presale_date: None,
            note: input.note,
            coupon_ids: Vec::new(),
        };
        self.place_order(r, place).await
    }

    /// Cancels one of the resident's orders before preparation starts; a paid order is
    /// refunded through the payment port.
    pub async fn cancel_my_order(&self, r: &Resident, id: OrderId) -> Result<OnlineOrderRow, AppError> {
        let changed = self
            .store
            .change_order(
                r.org,
                id,
                OrderEvent::Cancel {
                    by: OrderActorKind::Resident,
                },
                r.order_actor(),
                self.now(),
            )
            .await?;
        if changed.refund_due {
            self.settle_refunds(r.org, Some(id)).await?;
        }
        self.my_order(r, id).await
    }

    /// Starts paying one of the resident's unpaid orders: a QR payment intent from the
    /// payment port. Each call makes a new intent; one that is approved after the order
    /// was paid by another is refunded.
    pub async fn pay_order(&self, r: &Resident, id: OrderId) -> Result<PaymentStarted, AppError> {
        let order = self.my_order(r, id).await?;
        if order.status != OrderStatus::Created {
            let e = OrderError::Transition {
                from: order.status,
                event: OrderEvent::Pay,
                fulfilment: order.fulfilment,
            };
            return Err(AppError::conflict(
                "order_state",
                Some("status"),
                e.to_string(),
                e.message_zh(),
            ));
        }
        if order.total_fen <= 0 {
            return Err(AppError::conflict(
                "nothing_to_pay",
                Some("total_fen"),
                "this order costs nothing".into(),
                "此订单无需支付".into(),
            ));
        }
        let intent = self
            .payments
            .create_intent(IntentRequest {
                org: r.org,
                reference: order.number.clone(),
                amount_fen: order.total_fen,
                description: format!("邻里订单 {}", order.number),
            })
            .await
            .map_err(|e| {
                AppError::conflict("payment_unavailable", None, e.to_string(), format!("支付暂不可用：{e}"))
            })?;
        let row = self
            .store
            .create_payment_intent(
                r.org,
                id,
                Some(r.member),
                self.payments.name(),
                &intent.provider_ref,
                order.total_fen,
                &intent.qr_payload,
                self.now(),
            )
            .await?;
        Ok(PaymentStarted {
            intent: row,
            provider_label: self.payments.label(),
            order,
        })
    }

    /// The payment simulator's approve/decline, then the same confirmation a real
    /// provider's notice would cause. Only while the simulator is the payment port.
    pub async fn simulate_payment(
        &self,
        caller: &PaymentCaller,
        provider_ref: &str,
        approve: bool,
    ) -> Result<PaymentSimulated, AppError> {
        let (org, member) = match caller {
            PaymentCaller::Resident(r) => (r.org, Some(r.member)),
            PaymentCaller::Staff(a) => {
                a.require(Permission::FulfilOrders)?;
                (a.org, None)
            }
        };
        let intent = self
            .store
            .payment_intent(org, self.payments.name(), provider_ref)
            .await?;
        if member.is_some() && intent.member_id != member {
            return Err(AppError::NotFound);
        }
        let sim = self.payments.simulator().ok_or_else(|| {
            AppError::conflict(
                "simulator_inactive",
                None,
                "the payment simulator is not in use".into(),
                "未启用模拟支付".into(),
            )
        })?;
        sim.simulate(provider_ref, approve)
            .map_err(|e| AppError::conflict("payment_unknown", None, e.to_string(), "支付平台没有这笔支付".into()))?;
        let status = self.confirm_payment(org, provider_ref).await?;
        Ok(PaymentSimulated {
            provider_status: status.code(),
            provider_label: self.payments.label(),
            order: self.store.online_order(org, intent.order_id, None).await?,
        })
    }

    /// Asks the provider how an intent stands and applies the answer once: approval pays
    /// the order (or, if it came too late, is refunded), a decline is recorded.
    pub async fn confirm_payment(&self, org: OrgId, provider_ref: &str) -> Result<IntentStatus, AppError> {
        let status = self.payments.status(provider_ref).await.map_err(|e| {
            AppError::conflict("payment_unavailable", None, e.to_string(), format!("支付暂不可用：{e}"))
        })?;
        let settled = match status {
            IntentStatus::Approved => Some(
                self.store
                    .settle_payment_intent(org, self.payments.name(), provider_ref, true, self.now())
                    .await?,
            ),
            IntentStatus::Declined => Some(
                self.store
                    .settle_payment_intent(org, self.payments.name(), provider_ref, false, self.now())
                    .await?,
            ),
            IntentStatus::Pending | IntentStatus::Refunded => None,
        };
        if let Some(Settled::RefundDue(order)) = settled {
            self.settle_refunds(org, Some(order)).await?;
        }
        Ok(status)
    }

    /// Refunds through the port whatever is owed back (optionally for one order); a
    /// refund the port cannot make now stays pending for the next call. Returns how
    /// many were refunded.
    pub async fn settle_refunds(&self, org: OrgId, order: Option<OrderId>) -> Result<usize, AppError> {
        let mut done = 0;
        for intent in self.store.refunds_due(org, order).await? {
            if intent.provider != self.payments.name() {
                continue;
            }
            let refund_id = format!("intent-{}", intent.id);
            match self
                .payments
                .refund(&intent.provider_ref, intent.amount_fen, &refund_id)
                .await
            {
                Ok(()) => {
                    if self.store.finish_refund(org, intent.id, self.now()).await? {
                        done += 1;
                    }
                }
                Err(e) => tracing::warn!(intent = intent.id, error = %e, "refund not made; it stays pending"),
            }
        }
        Ok(done)
    }

    /// Bookable delivery slots of a date at a location's store, with what is left of each.
    pub async fn delivery_slots(&self, r: &Resident, location_id: i64, date: &str) -> Result<Vec<SlotView>, AppError> {
        let (store, _) = self.store_of(r.org, location_id).await?;
        let date = parse_date(date, "date")?;
        let now = self.now();
        let today = time::local_date(now);
        let last = today
            .checked_add(jiff::Span::new().days(i64::from(rules::SLOT_DAYS_AHEAD_MAX)))
            .expect("a week ahead is a valid date");
        if date < today || date > last {
            return Ok(Vec::new());
        }
        let offered: Vec<DeliverySlot> = rules::slots_for(
            time::zoned(now).datetime(),
            rules::SLOT_DAYS_AHEAD_MAX,
            SLOT_LEAD_MINUTES,
        )
        .into_iter()
        .filter(|s| s.date() == date)
        .collect();
        let day_start = time::at_local(date, jiff::civil::Time::midnight());
        let booked = self
            .store
            .delivery_slots(r.org, store, day_start, time::end_of_local_day(date))
            .await?;
        Ok(offered
            .into_iter()
            .map(|s| {
                let row = booked.iter().find(|b| b.slot_start == s.start_ms());
                let capacity = row.map_or(SLOT_CAPACITY_DEFAULT, |b| b.capacity);
                let booked = row.map_or(0, |b| b.booked);
                let room = rules::slot_has_room(
                    u32::try_from(booked).unwrap_or(u32::MAX),
                    u32::try_from(capacity.max(0)).unwrap_or(u32::MAX),
                );
                SlotView {
                    start: s.start_ms(),
                    end: s.end_ms(),
                    capacity,
                    booked,
                    remaining: if room { capacity - booked } else { 0 },
                }
            })
            .collect())
    }

    /// Presales still taking orders.
    pub async fn open_presales(&self, r: &Resident) -> Result<Vec<PresaleRow>, AppError> {
        Ok(self.store.presales(r.org, Some(self.now())).await?)
    }

    // ---- staff ----

    pub async fn online_orders(
        &self,
        actor: &Actor,
        status: Option<&str>,
        fulfilment: Option<&str>,
        location_id: Option<i64>,
        paging: Paging,
    ) -> Result<Page<OnlineOrderRow>, AppError> {
        actor.require(Permission::FulfilOrders)?;
        let fulfilment = match fulfilment.map(str::trim).filter(|f| !f.is_empty()) {
            None => None,
            Some(f @ ("pickup" | "delivery" | "presale")) => Some(f.to_string()),
            Some(_) => {
                return Err(AppError::invalid(
                    "fulfilment",
                    "fulfilment must be pickup, delivery or presale",
                    "履约方式须为 pickup（自提）、delivery（配送）或 presale（预售）",
                ));
            }
        };
        let filter = OnlineOrderFilter {
            status: status
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(parse_status)
                .transpose()?,
            fulfilment,
            member: None,
            location: location_id.map(LocationId),
        };
        Ok(self.store.online_orders(actor.org, &filter, paging.request()).await?)
    }

    pub async fn online_order(&self, actor: &Actor, id: OrderId) -> Result<OnlineOrderRow, AppError> {
        actor.require(Permission::FulfilOrders)?;
        Ok(self.store.online_order(actor.org, id, None).await?)
    }

    /// A staff action on an order: prepare, ready, dispatch, deliver, complete (a pickup
    /// needs the resident's `code`), cancel (a paid order also needs the refund
    /// permission, and is refunded through the port).
    pub async fn order_action(
        &self,
        actor: &Actor,
        id: OrderId,
        action: &str,
        code: Option<&str>,
    ) -> Result<OnlineOrderRow, AppError> {
        actor.require(Permission::FulfilOrders)?;
        let order = self.store.online_order(actor.org, id, None).await?;
        let pickup_path = matches!(order.fulfilment, Fulfilment::Pickup | Fulfilment::Presale { .. });
        let event = match action.trim() {
            "prepare" => OrderEvent::StartPreparing,
            "ready" => OrderEvent::MarkReady,
            "dispatch" => OrderEvent::Dispatch,
            "deliver" => OrderEvent::Deliver,
            "complete" if !pickup_path => OrderEvent::Deliver,
            // A platform's rider collects with the platform's own check; ours has no code.
            "complete" if order.channel == Channel::Platform && order.pickup_code.is_none() => {
                OrderEvent::PickUp { code_ok: true }
            }
            "complete" => {
                let code = code.filter(|c| !c.trim().is_empty()).ok_or_else(|| {
                    AppError::invalid(
                        "code",
                        "type the resident's pickup code to hand the order over",
                        "请输入居民的提货码后再交付",
                    )
                })?;
                return self.verify_pickup(actor, id, code).await;
            }
            "cancel" => {
                if order.payment_status == "paid" {
                    actor.require(Permission::Refund)?;
                }
                OrderEvent::Cancel {
                    by: OrderActorKind::Staff,
                }
            }
            _ => {
                return Err(AppError::invalid(
                    "action",
                    &format!("action must be one of {}", STAFF_ACTIONS.join(", ")),
                    "操作须为 prepare（备货）、ready（备好）、dispatch（出发配送）、deliver（送达）、complete（完成）或 cancel（取消）",
                ));
            }
        };
        let who = OrderActor {
            actor: OrderActorKind::Staff,
            staff: Some(actor.staff),
            member: None,
        };
        let changed = self
            .store
            .change_order(actor.org, id, event, who, self.now())
            .await
            .map_err(|e| match e {
                linli_store::StoreError::Stock(s) => AppError::stock(s, "lines"),
                other => other.into(),
            })?;
        if changed.refund_due {
            self.settle_refunds(actor.org, Some(id)).await?;
        }
        Ok(self.store.online_order(actor.org, id, None).await?)
    }

    /// 核销: the counter types the resident's pickup code. The right code completes the
    /// order; a wrong one is counted, and the fifth locks the order for an identity check.
    pub async fn verify_pickup(&self, actor: &Actor, id: OrderId, code: &str) -> Result<OnlineOrderRow, AppError> {
        actor.require(Permission::FulfilOrders)?;
        let code = code.trim();
        rules::PickupCode::parse(code).map_err(|e| order_err(&e, "code"))?;
        let who = OrderActor {
            actor: OrderActorKind::Staff,
            staff: Some(actor.staff),
            member: None,
        };
        match self.store.verify_pickup(actor.org, id, code, who, self.now()).await? {
            PickupOutcome::Completed => Ok(self.store.online_order(actor.org, id, None).await?),
            PickupOutcome::Wrong { attempts, locked } => {
                let left = rules::PICKUP_ATTEMPTS_MAX.saturating_sub(attempts);
                if locked {
                    let e = OrderError::PickupLocked {
                        max: rules::PICKUP_ATTEMPTS_MAX,
                    };
                    Err(AppError::conflict(
                        "pickup_locked",
                        Some("code"),
                        e.to_string(),
                        e.message_zh(),
                    ))
                } else {
                    Err(AppError::conflict(
                        "pickup_code_wrong",
                        Some("code"),
                        format!("the pickup code is wrong; {left} attempts left"),
                        format!("提货码不正确，还可尝试 {left} 次"),
                    ))
                }
            }
        }
    }

    /// What to pick at a location for the orders being prepared.
    pub async fn pick_list(&self, actor: &Actor, location_id: i64) -> Result<Vec<PickRow>, AppError> {
        actor.require(Permission::FulfilOrders)?;
        self.store_of(actor.org, location_id).await?;
        Ok(self.store.pick_list(actor.org, LocationId(location_id)).await?)
    }

    /// Imports a platform order, once: the same (platform, external id) with the same
    /// content answers the first order (`false`: not new); other content is a conflict.
    pub async fn import_order(&self, actor: &Actor, input: ImportInput) -> Result<(OnlineOrderRow, bool), AppError> {
        actor.require(Permission::ImportOrders)?;
        let key = ExternalRef::parse(&input.platform, &input.external_id).map_err(|e| {
            let field = if matches!(e, OrderError::PlatformCode { .. }) {
                "platform"
            } else {
                "external_id"
            };
            order_err(&e, field)
        })?;
        rules::check_lines(input.lines.len()).map_err(|e| order_err(&e, "lines"))?;
        let note = rules::parse_note(input.note.as_deref().unwrap_or(""))
            .map_err(|e| order_err(&e, "note"))?
            .unwrap_or_default();
        let (store, store_code) = self.store_of(actor.org, input.location_id).await?;
        let mut lines = Vec::with_capacity(input.lines.len());
        for (i, l) in input.lines.iter().enumerate() {
            let product = self.product_for_line(actor.org, i, l.product_id, l.qty).await?;
            let unit_price_fen = match l.unit_price_fen {
                Some(p) if !(0..=linli_domain::money::AMOUNT_FEN_MAX).contains(&p) => {
                    return Err(AppError::invalid(
                        &format!("lines[{i}].unit_price_fen"),
                        "the price must be between 0 and 10,000,000 yuan",
                        "价格须在 0 到 1000 万元之间",
                    ));
                }
                Some(p) => p,
                None => product.price_fen,
            };
            lines.push((product, l.qty, unit_price_fen));
        }
        let priced = price_lines(&lines, &no_offers(), self.now())?;
        // What identifies the content: the lines in order, location and note.
        let mut h = Sha256::new();
        h.update(format!("{}|{}|", input.location_id, note).as_bytes());
        for (p, qty, price) in &lines {
            h.update(format!("{}:{qty}:{price};", p.id.0).as_bytes());
        }
        let order = NewOnlineOrder {
            store,
            store_code,
            location: LocationId(input.location_id),
            channel: Channel::Platform,
            fulfilment: Fulfilment::Pickup,
            member: None,
            staff: Some(actor.staff),
            lines: priced.lines,
            subtotal_fen: priced.subtotal_fen,
            discount_fen: priced.discount_fen,
            total_fen: priced.total_fen,
            pickup_code: None,
            delivery: None,
            slot_capacity: SLOT_CAPACITY_DEFAULT,
            external: Some(ExternalOrder {
                platform: key.platform().code().to_string(),
                external_id: key.external_id().to_string(),
                content_hash: hex::encode(h.finalize()),
            }),
            coupon_issues: Vec::new(),
            discounts: Vec::new(),
            paid: true,
            note,
            at: self.now(),
        };
        let placed = self
            .store
            .place_online_order(actor.org, &order)
            .await?
            .map_err(refusal)?;
        let row = self.store.online_order(actor.org, placed.order(), None).await?;
        Ok((row, matches!(placed, Placed::New(_))))
    }

    /// Closes online orders left unpaid for `UNPAID_TIMEOUT_MS` and releases what they
    /// held. Returns how many were closed.
    pub async fn expire_unpaid(&self, org: OrgId, now: i64) -> Result<usize, AppError> {
        let ids = self
            .store
            .unpaid_orders(org, now - rules::UNPAID_TIMEOUT_MS, EXPIRE_BATCH_MAX)
            .await?;
        let who = OrderActor {
            actor: OrderActorKind::System,
            staff: None,
            member: None,
        };
        let mut closed = 0;
        for id in ids {
            match self.store.change_order(org, id, OrderEvent::Timeout, who, now).await {
                Ok(_) => closed += 1,
                // Paid or cancelled since it was listed: nothing to close.
                Err(linli_store::StoreError::Refused { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(closed)
    }

    /// The staff trigger of the expiry sweep for their organisation.
    pub async fn expire_unpaid_now(&self, actor: &Actor) -> Result<usize, AppError> {
        actor.require(Permission::FulfilOrders)?;
        self.expire_unpaid(actor.org, self.now()).await
    }

    /// Every `every`, for the server's lifetime: closes expired unpaid orders of every
    /// organisation and retries refunds the payment port could not make before.
    pub fn spawn_order_sweeper(&self, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let now = app.now();
                match app.store.orgs_with_unpaid_orders(now - rules::UNPAID_TIMEOUT_MS).await {
                    Ok(orgs) => {
                        for org in orgs {
                            if let Err(e) = app.expire_unpaid(org, now).await {
                                tracing::warn!(org = org.0, error = %e, "expiring unpaid orders failed");
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "listing unpaid orders failed"),
                }
                match app.store.orgs_with_refunds_due().await {
                    Ok(orgs) => {
                        for org in orgs {
                            if let Err(e) = app.settle_refunds(org, None).await {
                                tracing::warn!(org = org.0, error = %e, "retrying refunds failed");
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "listing refunds due failed"),
                }
                // Weighed goods marked down by price get it back when the lot's day ends.
                if let Err(e) = app.restore_due_markdowns(now).await {
                    tracing::warn!(error = %e, "putting back marked-down prices failed");
                }
            }
        })
    }

    /// Opens a presale (预售) of a product: cap, per-order limit, order deadline, ship date.
    pub async fn create_presale(&self, actor: &Actor, input: PresaleInput) -> Result<PresaleRow, AppError> {
        actor.require(Permission::ManageOffers)?;
        let ship_date = parse_date(&input.ship_date, "ship_date")?;
        if !(1..=PRESALE_CAP_MAX).contains(&input.cap_total) {
            return Err(AppError::invalid(
                "cap_total",
                &format!("cap_total must be between 1 and {PRESALE_CAP_MAX}"),
                &format!("预售总量须在 1 到 {PRESALE_CAP_MAX} 之间"),
            ));
        }
        if !(1..=input.cap_total).contains(&input.per_order_max) {
            return Err(AppError::invalid(
                "per_order_max",
                "per_order_max must be between 1 and cap_total",
                "每单限购须在 1 到预售总量之间",
            ));
        }
        let now = self.now();
        let horizon = now + PRESALE_DAYS_AHEAD_MAX * time::MS_PER_DAY;
        let today = time::local_date(now);
        if ship_date < today || ship_date > time::local_date(horizon) {
            return Err(AppError::invalid(
                "ship_date",
                &format!("the ship date must be from today to {PRESALE_DAYS_AHEAD_MAX} days ahead"),
                &format!("发货日须在今天到 {PRESALE_DAYS_AHEAD_MAX} 天之内"),
            ));
        }
        if input.order_by <= now || input.order_by > horizon || time::local_date(input.order_by) > ship_date {
            return Err(AppError::invalid(
                "order_by",
                "the order deadline must be in the future and no later than the ship date",
                "截单时间须晚于现在且不晚于发货日",
            ));
        }
        let product = self
            .store
            .product(actor.org, ProductId(input.product_id))
            .await
            .map_err(|_| AppError::invalid("product_id", "no such product", "商品不存在"))?;
        Ok(self
            .store
            .create_presale(
                actor.org,
                &NewPresale {
                    product: product.id,
                    ship_date: ship_date.to_string(),
                    cap_total: input.cap_total,
                    per_order_max: input.per_order_max,
                    order_by: input.order_by,
                    staff: Some(actor.staff),
                    at: now,
                },
            )
            .await?)
    }

    /// Sets how many orders a delivery slot of a location's store takes.
    pub async fn set_slot_capacity(
        &self,
        actor: &Actor,
        location_id: i64,
        slot_start: i64,
        capacity: i64,
    ) -> Result<SlotView, AppError> {
        actor.require(Permission::FulfilOrders)?;
        let (store, _) = self.store_of(actor.org, location_id).await?;
        let slot = slot_of(slot_start)?;
        if !(0..=SLOT_CAPACITY_MAX).contains(&capacity) {
            return Err(AppError::invalid(
                "capacity",
                &format!("capacity must be between 0 and {SLOT_CAPACITY_MAX}"),
                &format!("容量须在 0 到 {SLOT_CAPACITY_MAX} 之间"),
            ));
        }
        self.store
            .set_slot_capacity(actor.org, store, slot.start_ms(), slot.end_ms(), capacity)
            .await?;
        let booked = self
            .store
            .delivery_slots(actor.org, store, slot.start_ms(), slot.start_ms() + 1)
            .await?
            .first()
            .map_or(0, |b| b.booked);
        Ok(SlotView {
            start: slot.start_ms(),
            end: slot.end_ms(),
            capacity,
            booked,
            remaining: (capacity - booked).max(0),
        })
    }

    /// The SMS simulator's outbox for the staff member's organisation (owner and manager
    /// only, and only while the simulator is the SMS port).
    pub fn sms_outbox(&self, actor: &Actor, phone: Option<&str>) -> Result<Vec<Sms>, AppError> {
        actor.require(Permission::ManageMembers)?;
        let sim = self.sms.simulator().ok_or_else(|| {
            AppError::conflict(
                "simulator_inactive",
                None,
                "the SMS simulator is not in use".into(),
                "未启用短信模拟器".into(),
            )
        })?;
        let phone = phone.map(parse_phone).transpose()?;
        Ok(sim.outbox(actor.org, phone.as_ref().map(|p| p.as_str())))
    }

    // ---- helpers ----

    /// The store and store code of a location of the organisation.
    async fn store_of(&self, org: OrgId, location_id: i64) -> Result<(StoreId, String), AppError> {
        let location = self
            .store
            .location(org, LocationId(location_id))
            .await
            .map_err(|_| AppError::invalid("location_id", "no such location", "库位不存在"))?;
        let store = self
            .store
            .stores(org)
            .await?
            .into_iter()
            .find(|s| s.id == location.store_id)
            .ok_or(AppError::NotFound)?;
        Ok((store.id, store.code))
    }

    async fn product_for_line(
        &self,
        org: OrgId,
        i: usize,
        product_id: i64,
        qty: i64,
    ) -> Result<linli_store::ProductRow, AppError> {
        let product = self
            .store
            .product(org, ProductId(product_id))
            .await
            .map_err(|_| AppError::invalid(&format!("lines[{i}].product_id"), "no such product", "商品不存在"))?;
        if !product.active {
            return Err(AppError::invalid(
                &format!("lines[{i}].product_id"),
                "this product is no longer sold",
                "该商品已下架",
            ));
        }
        if !(1..=pricing::LINE_QTY_MAX).contains(&qty) {
            return Err(AppError::invalid(
                &format!("lines[{i}].qty"),
                &format!("qty must be between 1 and {}", pricing::LINE_QTY_MAX),
                &format!("数量须在 1 到 {} 之间", pricing::LINE_QTY_MAX),
            ));
        }
        Ok(product)
    }

    /// Prices and validates a resident's order into what the store records.
    async fn prepare_order(&self, r: &Resident, input: PlaceInput) -> Result<NewOnlineOrder, AppError> {
        rules::check_lines(input.lines.len()).map_err(|e| order_err(&e, "lines"))?;
        let note = rules::parse_note(input.note.as_deref().unwrap_or(""))
            .map_err(|e| order_err(&e, "note"))?
            .unwrap_or_default();
        let (store, store_code) = self.store_of(r.org, input.location_id).await?;
        let now = self.now();
        let mut products = Vec::with_capacity(input.lines.len());
        for (i, l) in input.lines.iter().enumerate() {
            let p = self.product_for_line(r.org, i, l.product_id, l.qty).await?;
            let price = p.price_fen;
            products.push((p, l.qty, price));
        }
        let (channel, fulfilment, delivery) = match input.fulfilment.trim() {
            "pickup" => (Channel::Shop, Fulfilment::Pickup, None),
            "delivery" => {
                let slot = slot_of(
                    input
                        .slot_start
                        .ok_or_else(|| AppError::invalid("slot_start", "choose a delivery slot", "请选择配送时段"))?,
                )?;
                rules::slot_accepts(slot, now, SLOT_LEAD_MINUTES).map_err(|e| order_err(&e, "slot_start"))?;
                let to = self.delivery_to(r, store, &input).await?;
                (Channel::Shop, Fulfilment::Delivery { slot }, Some(to))
            }
            "presale" => {
                let ship_date = self.presale_date(r.org, &input, now).await?;
                (Channel::Presale, Fulfilment::Presale { ship_date }, None)
            }
            _ => {
                return Err(AppError::invalid(
                    "fulfilment",
                    "fulfilment must be pickup, delivery or presale",
                    "履约方式须为 pickup（自提）、delivery（配送）或 presale（预售）",
                ));
            }
        };
        channel.accepts(fulfilment).map_err(|e| order_err(&e, "fulfilment"))?;
        let offers = self.online_offers(r, &input.coupon_ids).await?;
        let priced = price_lines(&products, &offers, now)?;
        let pickup_code = matches!(fulfilment, Fulfilment::Pickup | Fulfilment::Presale { .. })
            .then(|| rules::pickup_code_from(rand::rng().next_u32()));
        Ok(NewOnlineOrder {
            store,
            store_code,
            location: LocationId(input.location_id),
            channel,
            fulfilment,
            member: Some(r.member),
            staff: None,
            lines: priced.lines,
            subtotal_fen: priced.subtotal_fen,
            discount_fen: priced.discount_fen,
            total_fen: priced.total_fen,
            pickup_code,
            delivery,
            slot_capacity: SLOT_CAPACITY_DEFAULT,
            external: None,
            coupon_issues: priced.coupon_issues,
            discounts: priced.discounts,
            paid: false,
            note,
            at: now,
        })
    }

    /// What prices an online order besides the shelf: the store's running promotions
    /// (a flash sale's cap is taken when the order is placed), the member's tier and the
    /// coupons they present, as at the till.
    async fn online_offers(&self, r: &Resident, coupon_ids: &[i64]) -> Result<OnlineOffers, AppError> {
        let now = self.now();
        let ids = crate::offers::coupon_ids_checked(coupon_ids)?;
        let promotions = self.store.active_promotions(r.org, now).await?;
        let settings = self.store.loyalty_settings(r.org).await?;
        let spend = self.store.rolling_spend(r.org, r.member, now).await?;
        let tier = settings.tiers().tier_for(spend);
        let coupons = if ids.is_empty() {
            Vec::new()
        } else {
            self.store
                .usable_coupons(r.org, r.member, &ids, now)
                .await
                .map_err(crate::offers::coupon_refusal)?
        };
        let is_new_member = !coupons.is_empty() && self.store.is_new_member(r.org, r.member).await?;
        Ok(OnlineOffers {
            promotions,
            coupons,
            member: Some(MemberContext {
                tier_discount_bp: tier.discount_bp.min(pricing::BP_MAX),
                is_new_member,
            }),
            policy: StackingPolicy::default(),
        })
    }

    /// The delivery address: the building given or the member's own, inside the store's
    /// delivery radius when both places are on the map.
    async fn delivery_to(&self, r: &Resident, store: StoreId, input: &PlaceInput) -> Result<DeliveryTo, AppError> {
        let home = self.store.member_home(r.org, r.member).await?;
        let building =
            input.building_id.map(BuildingId).or(home.building).ok_or_else(|| {
                AppError::invalid("building_id", "choose the building to deliver to", "请选择配送楼栋")
            })?;
        let place = self
            .store
            .building_place(r.org, building)
            .await
            .map_err(|_| AppError::invalid("building_id", "no such building", "楼栋不存在"))?;
        if place.store_id != store {
            return Err(AppError::invalid(
                "building_id",
                "this store does not deliver to that building",
                "该门店不配送到这个楼栋",
            ));
        }
        let shop = self.store.stores(r.org).await?.into_iter().find(|s| s.id == store);
        if let (Some(shop), Some(lat), Some(lon)) = (shop, place.lat_e6, place.lon_e6)
            && let (Some(slat), Some(slon)) = (shop.lat_e6, shop.lon_e6)
        {
            let deg = |v: i64| v as f64 / 1e6;
            if !rules::within_delivery_radius((deg(slat), deg(slon)), (deg(lat), deg(lon)), rules::DELIVERY_RADIUS_M) {
                return Err(AppError::invalid(
                    "building_id",
                    &format!(
                        "the building is outside the {} m delivery area",
                        rules::DELIVERY_RADIUS_M
                    ),
                    &format!("该楼栋超出 {} 米配送范围", rules::DELIVERY_RADIUS_M),
                ));
            }
        }
        let same_building = input.building_id.is_none() || home.building == Some(building);
        let unit = address_part(input.unit.as_deref(), "unit")?
            .or_else(|| same_building.then(|| home.unit.clone()))
            .unwrap_or_default();
        let room = address_part(input.room.as_deref(), "room")?
            .or_else(|| same_building.then(|| home.room.clone()))
            .unwrap_or_default();
        Ok(DeliveryTo { building, unit, room })
    }

    /// The ship date of a presale order: the one asked for, else the earliest open
    /// presale of the first product; every product must be on presale for it.
    async fn presale_date(&self, org: OrgId, input: &PlaceInput, now: i64) -> Result<jiff::civil::Date, AppError> {
        let open = self.store.presales(org, Some(now)).await?;
        let date = match input.presale_date.as_deref() {
            Some(d) => parse_date(d, "presale_date")?.to_string(),
            None => input
                .lines
                .first()
                .and_then(|l| open.iter().find(|p| p.product_id.0 == l.product_id))
                .map(|p| p.ship_date.clone())
                .ok_or_else(|| {
                    AppError::invalid(
                        "lines[0].product_id",
                        "this product is not on presale",
                        "该商品没有预售",
                    )
                })?,
        };
        for (i, l) in input.lines.iter().enumerate() {
            if !open
                .iter()
                .any(|p| p.product_id.0 == l.product_id && p.ship_date == date)
            {
                return Err(AppError::invalid(
                    &format!("lines[{i}].product_id"),
                    &format!("this product is not on presale for {date}"),
                    &format!("该商品没有 {date} 的预售"),
                ));
            }
        }
        parse_date(&date, "presale_date")
    }
}

fn no_offers() -> OnlineOffers {
    OnlineOffers {
        promotions: Vec::new(),
        coupons: Vec::new(),
        member: None,
        policy: StackingPolicy::default(),
    }
}

struct PricedOrder {
    lines: Vec<OnlineLine>,
    subtotal_fen: i64,
    discount_fen: i64,
    total_fen: i64,
    /// The coupons the price counts on (issue ids).
    coupon_issues: Vec<i64>,
    /// Each discount explained, with the units a flash sale takes from its cap.
    discounts: Vec<linli_store::SaleDiscount>,
}

/// Prices (product, qty, unit price) lines with the one pricing engine.
fn price_lines(
    lines: &[(linli_store::ProductRow, i64, i64)],
    offers: &OnlineOffers,
    now: i64,
) -> Result<PricedOrder, AppError> {
    let cart = Cart {
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, (p, qty, price))| CartLine {
                line_no: u32::try_from(i).expect("lines are bounded") + 1,
                product: p.id,
                category: p.category_id,
                qty: *qty,
                weighed: p.unit_kind == UnitKind::Weight,
                unit_price_fen: *price,
            })
            .collect(),
        member: offers.member,
    };
    let priced = pricing::price(&cart, &offers.promotions, &offers.coupons, &offers.policy, now)
        .map_err(|e| AppError::invalid(e.field(), &e.to_string(), &e.message_zh()))?;
    let (discounts, _) = crate::selling::recorded_discounts(&priced, &offers.promotions, &cart.lines);
    Ok(PricedOrder {
        lines: cart
            .lines
            .iter()
            .zip(&priced.lines)
            .map(|(c, p)| OnlineLine {
                product: c.product,
                qty: c.qty,
                unit_price_fen: c.unit_price_fen,
                line_total_fen: p.total_fen,
            })
            .collect(),
        subtotal_fen: priced.subtotal_fen,
        discount_fen: priced.subtotal_fen - priced.total_fen,
        total_fen: priced.total_fen,
        coupon_issues: priced.coupons_used.iter().map(|c| c.0).collect(),
        discounts,
    })
}

fn parse_status(code: &str) -> Result<OrderStatus, AppError> {
    OrderStatus::from_code(code.trim()).ok_or_else(|| {
        AppError::invalid(
            "status",
            "status must be created, paid, preparing, ready, out_for_delivery, completed, cancelled, refunded or partly_refunded",
            "状态须为 created、paid、preparing、ready、out_for_delivery、completed、cancelled、refunded 或 partly_refunded",
        )
    })
}

/// A delivery slot from its start instant.
fn slot_of(start_ms: i64) -> Result<DeliverySlot, AppError> {
    let bad = || {
        let e = OrderError::SlotInvalid {
            first: rules::SLOT_FIRST_START_HOUR,
            last: rules::SLOT_LAST_START_HOUR,
        };
        AppError::invalid("slot_start", &e.to_string(), &e.message_zh())
    };
    if !(0..=4_102_444_800_000).contains(&start_ms) {
        return Err(bad());
    }
    let z = time::zoned(start_ms);
    if z.timestamp().as_millisecond() % 1000 != 0 {
        return Err(bad());
    }
    DeliverySlot::new(z.date(), z.time()).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FixedClock;
    use crate::ports::{Intent, PaymentProvider, PortError, PortFuture, SimulatedPayments};
    use linli_store::{LocationKind, NewLocation, NewMember, ProductData, ReceiveLine, Store};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// The simulator, but refunds fail while `down` is set (a provider outage).
    #[derive(Debug, Default)]
    struct Flaky {
        sim: SimulatedPayments,
        down: AtomicBool,
    }

    impl PaymentProvider for Flaky {
        fn name(&self) -> &'static str {
            self.sim.name()
        }
        fn label(&self) -> &'static str {
            self.sim.label()
        }
        fn create_intent(&self, request: IntentRequest) -> PortFuture<'_, Intent> {
            self.sim.create_intent(request)
        }
        fn status<'a>(&'a self, provider_ref: &'a str) -> PortFuture<'a, IntentStatus> {
            self.sim.status(provider_ref)
        }
        fn refund<'a>(&'a self, provider_ref: &'a str, amount_fen: i64, refund_id: &'a str) -> PortFuture<'a, ()> {
            if self.down.load(Ordering::SeqCst) {
                return Box::pin(async { Err(PortError::Unavailable("down".into())) });
            }
            self.sim.refund(provider_ref, amount_fen, refund_id)
        }
        fn simulator(&self) -> Option<&SimulatedPayments> {
            Some(&self.sim)
        }
    }

    const NOW: i64 = 1_795_572_000_000;

    async fn sweeper_closes_expired_orders_and_retries_refunds(url: &str) {
        let store = Store::connect(url).await.unwrap();
        let clock = Arc::new(FixedClock::new(NOW));
        let payments = Arc::new(Flaky::default());
        let mut app = App::new(store.clone(), clock.clone());
        app.payments = payments.clone();
        let org = store.create_org("a", NOW).await.unwrap();
        let shop = store.create_store(org, "S1", "店", "", None, NOW).await.unwrap();
        let floor = store
            .create_location(
                org,
                shop,
                &NewLocation {
                    code: "F",
                    name_zh: "门店",
                    name_en: "",
                    kind: LocationKind::SalesFloor,
                    lat_e6: None,
                    lon_e6: None,
                },
            )
            .await
            .unwrap();
        let (pinyin_full, pinyin_initials) = linli_domain::catalog::pinyin_of("牛奶");
        let milk = store
            .create_product(
                org,
                &ProductData {
                    sku: "M".into(),
                    name_zh: "牛奶".into(),
                    name_en: String::new(),
                    pinyin_full,
                    pinyin_initials,
                    brand: String::new(),
                    category_id: None,
                    unit_kind: UnitKind::Piece,
                    unit_label: "瓶".into(),
                    price_fen: 500,
                    cost_fen: 300,
                    tax_rate_bp: 1300,
                    shelf_life_days: None,
                    plu: None,
                    reorder_point: 0,
                    active: true,
                    gtins: Vec::new(),
                    zone_ids: Vec::new(),
                },
                None,
                NOW,
            )
            .await
            .unwrap();
        store
            .receive(
                org,
                floor,
                None,
                None,
                &[ReceiveLine {
                    product: milk,
                    lot_code: "L".into(),
                    expires_at: None,
                    qty: 10,
                    unit_cost_fen: None,
                }],
                "",
                None,
                NOW,
            )
            .await
            .unwrap()
            .unwrap();
        let member = store
            .create_member(
                org,
                &NewMember {
                    phone: "13800000000",
                    name: "",
                    building: None,
                    unit_no: "",
                    room: "",
                    birthday: None,
                    joined_at: NOW,
                },
            )
            .await
            .unwrap();
        let r = Resident {
            org,
            member,
            phone: "13800000000".into(),
        };
        let input = || PlaceInput {
            location_id: floor.0,
            lines: vec![LineInput {
                product_id: milk.0,
                qty: 3,
            }],
            fulfilment: "pickup".into(),
            ..PlaceInput::default()
        };
        let unpaid = app.place_order(&r, input()).await.unwrap();
        let paid = app.place_order(&r, input()).await.unwrap();
        let started = app.pay_order(&r, paid.id).await.unwrap();
        assert_eq!(started.provider_label, "模拟支付 / payment simulator");
        let done = app
            .simulate_payment(&PaymentCaller::Resident(r.clone()), &started.intent.provider_ref, true)
            .await
            .unwrap();
        assert_eq!(done.order.payment_status, "paid");
        payments.down.store(true, Ordering::SeqCst);
        let cancelled = app.cancel_my_order(&r, paid.id).await.unwrap();
        assert_eq!(
            (cancelled.status, cancelled.payment_status.as_str()),
            (OrderStatus::Cancelled, "refund_pending"),
            "the refund waits for the provider"
        );
        assert_eq!(
            store.reserved(org, milk, None).await.unwrap(),
            3,
            "the unpaid order still holds"
        );
        payments.down.store(false, Ordering::SeqCst);
        clock.advance(rules::UNPAID_TIMEOUT_MS);
        let sweeper = app.spawn_order_sweeper(std::time::Duration::from_millis(20));
        let mut settled = false;
        for _ in 0..200 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let a = store.online_order(org, unpaid.id, None).await.unwrap();
            let b = store.online_order(org, paid.id, None).await.unwrap();
            if a.status == OrderStatus::Cancelled && b.payment_status == "refunded" {
                settled = true;
                break;
            }
        }
        sweeper.abort();
        assert!(settled, "the sweeper closed the unpaid order and made the refund");
        assert_eq!(store.reserved(org, milk, None).await.unwrap(), 0);
        assert_eq!(
            payments.sim.status(&started.intent.provider_ref).await,
            Ok(IntentStatus::Refunded)
        );
        assert!(store.refunds_due(org, None).await.unwrap().is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sweeper_closes_expired_orders_and_retries_refunds_on_sqlite() {
        let (_dir, url) = linli_testkit::temp_sqlite_url();
        sweeper_closes_expired_orders_and_retries_refunds(&url).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sweeper_closes_expired_orders_and_retries_refunds_on_postgres() {
        sweeper_closes_expired_orders_and_retries_refunds(&linli_testkit::fresh_pg_url()).await;
    }

    #[test]
    fn slots_are_read_from_even_hour_instants_only() {
        let ten = time::at_local(jiff::civil::date(2026, 11, 25), jiff::civil::time(10, 0, 0, 0));
        assert_eq!(slot_of(ten).unwrap().start().hour(), 10);
        for bad in [ten + 1, ten + 60_000, ten - time::MS_PER_HOUR, -1, i64::MAX] {
            assert!(slot_of(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sign_in_codes_are_hashed_per_org_and_phone() {
        let a = code_hash(OrgId(1), "13800000000", "123456");
        assert_eq!(a.len(), 64);
        assert_ne!(a, code_hash(OrgId(2), "13800000000", "123456"));
        assert_ne!(a, code_hash(OrgId(1), "13800000001", "123456"));
    }
}
