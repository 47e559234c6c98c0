//! One order model for every channel: till, self-checkout, resident shop, presale,
//! group-buy, subscription and imported food-delivery platform orders.
//!
//! A single status machine keeps reports, stock reservations and refunds the same
//! whatever the channel; what differs is the *fulfilment* (taken away now, pickup,
//! 2-hour delivery slot, presale ship date), and the fulfilment alone decides which
//! path an order takes:
//!
//! - immediate (till 收银台, self-checkout 自助结账): Created → Paid → Completed. The
//!   store records a till sale in one transaction by applying [`TILL_EVENTS`]; the goods
//!   leave with the customer, so Preparing and Ready are skipped.
//! - pickup 自提 and presale 预售: Paid → Preparing → Ready → Completed when the
//!   resident shows a verified pickup code (提货码). A presale is prepared no earlier
//!   than its ship date.
//! - delivery 配送: Paid → Preparing → OutForDelivery → Completed.
//!
//! Refunds are money, not fulfilment: a partial refund before completion (a line out
//! of stock, 缺货退款) leaves the order on its path, so PartlyRefunded only follows
//! Completed; a full refund ends the order. Platform orders (美团/饿了么) arrive paid:
//! the store imports them as Created and applies `Pay` in the same transaction.

use crate::ids::ProductId;
use crate::money::Money;
use crate::time;
use jiff::SignedDuration;
use jiff::civil::{Date, DateTime, Time};

/// Lines on one order; a community basket is far smaller, a bulk group-buy order fits.
pub const ORDER_LINES_MAX: usize = 200;
/// Characters (not bytes) in a resident's note to the store.
pub const NOTE_CHARS_MAX: usize = 200;
/// An unpaid order holds reserved stock for this long before the system cancels it.
pub const UNPAID_TIMEOUT_MS: i64 = 15 * 60 * 1000;
/// Wrong pickup codes typed for one order before it is locked (staff then check identity).
pub const PICKUP_ATTEMPTS_MAX: u32 = 5;
/// Digits in a pickup code.
pub const PICKUP_CODE_LEN: usize = 6;
/// A store delivers within this straight-line distance.
pub const DELIVERY_RADIUS_M: u32 = 3000;
/// The first delivery slot of a day starts at 08:00 …
pub const SLOT_FIRST_START_HOUR: i8 = 8;
/// … and the last at 20:00.
pub const SLOT_LAST_START_HOUR: i8 = 20;
/// Every delivery slot is this long.
pub const SLOT_HOURS: i8 = 2;
/// Residents may book a slot at most this many days after today.
pub const SLOT_DAYS_AHEAD_MAX: u8 = 7;
/// The longest lead time a store may set between ordering and a slot's start.
pub const SLOT_LEAD_MINUTES_MAX: i64 = 24 * 60;
/// Characters in a platform code other than the built-in ones.
pub const PLATFORM_CODE_CHARS_MAX: usize = 32;
/// Characters in an external platform's order id.
pub const EXTERNAL_ID_CHARS_MAX: usize = 64;

/// Mean Earth radius (IUGG), enough for a 3 km delivery radius.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Where an order came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    Till,
    SelfCheckout,
    Shop,
    Presale,
    GroupBuy,
    Subscription,
    Platform,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::Till,
        Channel::SelfCheckout,
        Channel::Shop,
        Channel::Presale,
        Channel::GroupBuy,
        Channel::Subscription,
        Channel::Platform,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Till => "till",
            Channel::SelfCheckout => "self_checkout",
            Channel::Shop => "shop",
            Channel::Presale => "presale",
            Channel::GroupBuy => "group_buy",
            Channel::Subscription => "subscription",
            Channel::Platform => "platform",
        }
    }

    pub fn from_code(code: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Channel::Till => "收银台",
            Channel::SelfCheckout => "自助结账",
            Channel::Shop => "社区商城",
            Channel::Presale => "预售",
            Channel::GroupBuy => "接龙团购",
            Channel::Subscription => "订阅",
            Channel::Platform => "外卖平台",
        }
    }

    /// Online orders are placed before the goods are taken, so they reserve stock.
    pub fn is_online(self) -> bool {
        !matches!(self, Channel::Till | Channel::SelfCheckout)
    }

    /// Which fulfilments a channel offers: in-store channels hand over at once,
    /// presale ships on its date, every other online channel picks up or delivers.
    pub fn accepts(self, fulfilment: Fulfilment) -> Result<(), OrderError> {
        let ok = match self {
            Channel::Till | Channel::SelfCheckout => matches!(fulfilment, Fulfilment::Immediate),
            Channel::Presale => matches!(fulfilment, Fulfilment::Presale { .. }),
            Channel::Shop | Channel::GroupBuy | Channel::Subscription | Channel::Platform => {
                matches!(fulfilment, Fulfilment::Pickup | Fulfilment::Delivery { .. })
            }
        };
        if ok {
            Ok(())
        } else {
            Err(OrderError::ChannelFulfilment {
                channel: self,
                fulfilment,
            })
        }
    }
}

/// How the goods reach the resident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fulfilment {
    /// Till or self-checkout: taken away now.
    Immediate,
    /// Collected at the store with a pickup code (自提).
    Pickup,
    /// Brought to the door in a 2-hour slot (配送).
    Delivery { slot: DeliverySlot },
    /// Collected at the store from the ship date on, like a pickup (预售).
    Presale { ship_date: Date },
}

impl Fulfilment {
    pub fn code(self) -> &'static str {
        match self {
            Fulfilment::Immediate => "immediate",
            Fulfilment::Pickup => "pickup",
            Fulfilment::Delivery { .. } => "delivery",
            Fulfilment::Presale { .. } => "presale",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Fulfilment::Immediate => "当场交付",
            Fulfilment::Pickup => "自提",
            Fulfilment::Delivery { .. } => "配送",
            Fulfilment::Presale { .. } => "预售",
        }
    }

    fn path(self) -> Path {
        match self {
            Fulfilment::Immediate => Path::Immediate,
            Fulfilment::Pickup | Fulfilment::Presale { .. } => Path::Pickup,
            Fulfilment::Delivery { .. } => Path::Delivery,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    Immediate,
    Pickup,
    Delivery,
}

impl Path {
    /// Statuses an order on this path can be in; a stored status off the path is refused.
    fn passes_through(self, status: OrderStatus) -> bool {
        match status {
            OrderStatus::Preparing => self != Path::Immediate,
            OrderStatus::Ready => self == Path::Pickup,
            OrderStatus::OutForDelivery => self == Path::Delivery,
            _ => true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    Created,
    Paid,
    Preparing,
    Ready,
    OutForDelivery,
    Completed,
    Cancelled,
    Refunded,
    PartlyRefunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 9] = [
        OrderStatus::Created,
        OrderStatus::Paid,
        OrderStatus::Preparing,
        OrderStatus::Ready,
        OrderStatus::OutForDelivery,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
        OrderStatus::PartlyRefunded,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrderStatus::Created => "created",
            OrderStatus::Paid => "paid",
            OrderStatus::Preparing => "preparing",
            OrderStatus::Ready => "ready",
            OrderStatus::OutForDelivery => "out_for_delivery",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
            OrderStatus::PartlyRefunded => "partly_refunded",
        }
    }

    pub fn from_code(code: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            OrderStatus::Created => "待支付",
            OrderStatus::Paid => "已支付",
            OrderStatus::Preparing => "备货中",
            OrderStatus::Ready => "待提货",
            OrderStatus::OutForDelivery => "配送中",
            OrderStatus::Completed => "已完成",
            OrderStatus::Cancelled => "已取消",
            OrderStatus::Refunded => "已退款",
            OrderStatus::PartlyRefunded => "部分退款",
        }
    }

    /// Paid and not yet handed over: the states a refund or a staff cancel can stop.
    fn in_progress(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid | OrderStatus::Preparing | OrderStatus::Ready | OrderStatus::OutForDelivery
        )
    }
}

/// Who cancels an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    Resident,
    Staff,
    /// Jobs and platform notices; it acts with staff authority.
    System,
}

impl Actor {
    pub const ALL: [Actor; 3] = [Actor::Resident, Actor::Staff, Actor::System];

    pub fn code(self) -> &'static str {
        match self {
            Actor::Resident => "resident",
            Actor::Staff => "staff",
            Actor::System => "system",
        }
    }

    pub fn from_code(code: &str) -> Option<Actor> {
        Actor::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Actor::Resident => "居民",
            Actor::Staff => "店员",
            Actor::System => "系统",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderEvent {
    Pay,
    StartPreparing,
    MarkReady,
    Dispatch,
    /// The goods reach the resident: at the door, or over the till counter.
    Deliver,
    /// The resident collects; `code_ok` says the pickup code was verified.
    PickUp {
        code_ok: bool,
    },
    Cancel {
        by: Actor,
    },
    /// The system closes an order left unpaid for [`UNPAID_TIMEOUT_MS`].
    Timeout,
    /// `full` when the refunds now add up to what was paid (see [`refund_is_full`]).
    Refund {
        full: bool,
    },
}

impl OrderEvent {
    pub fn code(self) -> &'static str {
        match self {
            OrderEvent::Pay => "pay",
            OrderEvent::StartPreparing => "start_preparing",
            OrderEvent::MarkReady => "mark_ready",
            OrderEvent::Dispatch => "dispatch",
            OrderEvent::Deliver => "deliver",
            OrderEvent::PickUp { .. } => "pick_up",
            OrderEvent::Cancel { .. } => "cancel",
            OrderEvent::Timeout => "timeout",
            OrderEvent::Refund { .. } => "refund",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            OrderEvent::Pay => "支付",
            OrderEvent::StartPreparing => "开始备货",
            OrderEvent::MarkReady => "备货完成",
            OrderEvent::Dispatch => "配送出发",
            OrderEvent::Deliver => "交付",
            OrderEvent::PickUp { .. } => "提货",
            OrderEvent::Cancel { .. } => "取消",
            OrderEvent::Timeout => "超时关闭",
            OrderEvent::Refund { .. } => "退款",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("a {fulfilment} order that is {from} cannot take '{event}'", fulfilment = fulfilment.code(), from = from.code(), event = event.code())]
    Transition {
        from: OrderStatus,
        event: OrderEvent,
        fulfilment: Fulfilment,
    },
    #[error("a resident cannot cancel an order that is {status}; the store can", status = status.code())]
    ResidentCancelTooLate { status: OrderStatus },
    #[error("the order is not yet unpaid for long enough to time out (at {expires_at_ms})")]
    NotExpired { expires_at_ms: i64 },
    #[error("a presale is prepared from its ship date {ship_date} on")]
    BeforeShipDate { ship_date: Date },
    #[error("the pickup code is wrong")]
    PickupCodeWrong,
    #[error("too many wrong pickup codes ({max}); staff must check the resident's identity")]
    PickupLocked { max: u32 },
    #[error("a pickup code is {len} digits")]
    PickupCodeFormat { len: usize },
    #[error("a delivery slot starts on an even hour from {first}:00 to {last}:00")]
    SlotInvalid { first: i8, last: i8 },
    #[error("the delivery slot starting {start} is too soon to book")]
    SlotTooSoon { start: DateTime },
    #[error("a delivery slot can be booked at most {max_days} days ahead")]
    SlotTooFar { max_days: u8 },
    #[error("a {channel} order cannot be fulfilled by {fulfilment}", channel = channel.code(), fulfilment = fulfilment.code())]
    ChannelFulfilment { channel: Channel, fulfilment: Fulfilment },
    #[error("quantity must be positive")]
    ZeroQuantity,
    #[error("the presale closed for orders")]
    PresaleClosed,
    #[error("a presale order may have at most {max}")]
    PresalePerOrder { max: u32 },
    #[error("the presale has only {remaining} left")]
    PresaleSoldOut { remaining: u32 },
    #[error("'{input}' is not a platform code")]
    PlatformCode { input: String },
    #[error("an external order id is 1 to {max} printable ASCII characters")]
    ExternalId { max: usize },
    #[error("an order needs at least one line")]
    NoLines,
    #[error("an order may have at most {max} lines")]
    TooManyLines { max: usize },
    #[error("a note may have at most {max} characters")]
    NoteTooLong { max: usize },
    #[error("a refund must be positive")]
    RefundAmount,
    #[error("at most {refundable_fen} fen is left to refund")]
    RefundTooLarge { refundable_fen: i64 },
}

impl OrderError {
    pub fn message_zh(&self) -> String {
        match self {
            OrderError::Transition {
                from,
                event,
                fulfilment,
            } => format!(
                "{}的{}订单不能{}",
                from.name_zh(),
                fulfilment.name_zh(),
                event.name_zh()
            ),
            OrderError::ResidentCancelTooLate { status } => {
                format!("订单{}，已不能自行取消，请联系门店", status.name_zh())
            }
            OrderError::NotExpired { .. } => "订单尚未超过支付时限".into(),
            OrderError::BeforeShipDate { ship_date } => format!("预售商品 {ship_date} 发货，之前不能备货"),
            OrderError::PickupCodeWrong => "提货码不正确".into(),
            OrderError::PickupLocked { max } => {
                format!("提货码已错误 {max} 次，订单已锁定，请到柜台核验身份")
            }
            OrderError::PickupCodeFormat { len } => format!("提货码应为 {len} 位数字"),
            OrderError::SlotInvalid { first, last } => {
                format!("配送时段须在 {first}:00 至 {last}:00 之间的双数整点开始")
            }
            OrderError::SlotTooSoon { start } => {
                format!(
                    "{} 的配送时段已截止预约，请选择更晚的时段",
                    start.strftime("%m-%d %H:%M")
                )
            }
            OrderError::SlotTooFar { max_days } => format!("最多只能预约 {max_days} 天内的配送时段"),
            OrderError::ChannelFulfilment { channel, fulfilment } => {
                format!("{}订单不支持{}", channel.name_zh(), fulfilment.name_zh())
            }
            OrderError::ZeroQuantity => "数量必须大于 0".into(),
            OrderError::PresaleClosed => "预售已截单".into(),
            OrderError::PresalePerOrder { max } => format!("每单最多预订 {max} 件"),
            OrderError::PresaleSoldOut { remaining } => format!("预售名额不足，仅剩 {remaining} 件"),
            OrderError::PlatformCode { input } => format!("“{input}”不是有效的平台代码"),
            OrderError::ExternalId { max } => format!("平台订单号应为 1 至 {max} 个可见字符"),
            OrderError::NoLines => "订单至少需要一件商品".into(),
            OrderError::TooManyLines { max } => format!("订单最多 {max} 行"),
            OrderError::NoteTooLong { max } => format!("备注最多 {max} 个字"),
            OrderError::RefundAmount => "退款金额必须大于 0".into(),
            OrderError::RefundTooLarge { refundable_fen } => {
                format!("退款金额超过可退金额 {}", Money::from_fen(*refundable_fen))
            }
        }
    }
}

/// The status after an event, or why the event is refused.
///
/// Cancelled and Refunded are final; Completed and PartlyRefunded accept only refunds.
/// Residents cancel only before preparing starts; staff and the system cancel any
/// order not yet handed over (a paid one is then refunded: [`refund_due_on_cancel`]).
/// A wrong pickup code is refused here; counting attempts is [`after_failed_pickup`].
pub fn transition(
    status: OrderStatus,
    fulfilment: Fulfilment,
    event: OrderEvent,
    now_ms: i64,
    created_at_ms: i64,
) -> Result<OrderStatus, OrderError> {
    use OrderEvent as E;
    use OrderStatus as S;
    let path = fulfilment.path();
    let refused = OrderError::Transition {
        from: status,
        event,
        fulfilment,
    };
    if !path.passes_through(status) {
        return Err(refused);
    }
    match (status, event) {
        // A payment that lands before the timeout job wins: money has moved.
        (S::Created, E::Pay) => Ok(S::Paid),
        (S::Created, E::Timeout) if unpaid_expired(created_at_ms, now_ms) => Ok(S::Cancelled),
        (S::Created, E::Timeout) => Err(OrderError::NotExpired {
            expires_at_ms: created_at_ms.saturating_add(UNPAID_TIMEOUT_MS),
        }),
        (S::Paid, E::Deliver) if path == Path::Immediate => Ok(S::Completed),
        (S::Paid, E::StartPreparing) if path != Path::Immediate => match fulfilment {
            Fulfilment::Presale { ship_date } if time::local_date(now_ms) < ship_date => {
                Err(OrderError::BeforeShipDate { ship_date })
            }
            _ => Ok(S::Preparing),
        },
        (S::Preparing, E::MarkReady) if path == Path::Pickup => Ok(S::Ready),
        (S::Ready, E::PickUp { code_ok: true }) if path == Path::Pickup => Ok(S::Completed),
        (S::Ready, E::PickUp { code_ok: false }) if path == Path::Pickup => Err(OrderError::PickupCodeWrong),
        (S::Preparing, E::Dispatch) if path == Path::Delivery => Ok(S::OutForDelivery),
        (S::OutForDelivery, E::Deliver) if path == Path::Delivery => Ok(S::Completed),
        (S::Created | S::Paid, E::Cancel { .. }) => Ok(S::Cancelled),
        (S::Preparing | S::Ready | S::OutForDelivery, E::Cancel { by: Actor::Resident }) => {
            Err(OrderError::ResidentCancelTooLate { status })
        }
        (S::Preparing | S::Ready | S::OutForDelivery, E::Cancel { .. }) => Ok(S::Cancelled),
        // A partial refund before hand-over (a line out of stock) keeps the order on its path.
        (s, E::Refund { full: false }) if s.in_progress() => Ok(s),
        (S::Completed | S::PartlyRefunded, E::Refund { full: false }) => Ok(S::PartlyRefunded),
        (s, E::Refund { full: true }) if s.in_progress() || matches!(s, S::Completed | S::PartlyRefunded) => {
            Ok(S::Refunded)
        }
        _ => Err(refused),
    }
}

/// The events a till or self-checkout sale goes through, in one store transaction.
pub const TILL_EVENTS: [OrderEvent; 2] = [OrderEvent::Pay, OrderEvent::Deliver];

/// Where a till sale ends: Created → Paid → Completed, skipping Preparing and Ready
/// because the goods leave with the customer.
pub fn till_completes() -> OrderStatus {
    TILL_EVENTS.into_iter().fold(OrderStatus::Created, |status, event| {
        transition(status, Fulfilment::Immediate, event, 0, 0).expect("the till path is always allowed")
    })
}

/// Whether a cancelled order had been paid, so a full refund is due with the cancel.
pub fn refund_due_on_cancel(from: OrderStatus) -> bool {
    from.in_progress()
}

/// Whether an order left unpaid since `created_at_ms` may be closed (at 15 minutes exactly).
pub fn unpaid_expired(created_at_ms: i64, now_ms: i64) -> bool {
    now_ms.saturating_sub(created_at_ms) >= UNPAID_TIMEOUT_MS
}

/// Whether an online order in this status holds reserved stock: from Created until it
/// is completed (the reservation becomes the sale), cancelled or refunded. A till sale
/// goes from Created to Completed in one transaction, so it never holds a reservation.
pub fn reserves_stock(status: OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Created
            | OrderStatus::Paid
            | OrderStatus::Preparing
            | OrderStatus::Ready
            | OrderStatus::OutForDelivery
    )
}

/// Whether a transition gives reserved stock back to the shelf. Completing consumes
/// the reservation instead; a refund after completion returns goods only if staff
/// book them back in, which is a stock movement of its own.
pub fn releases_reservation(from: OrderStatus, to: OrderStatus) -> bool {
    reserves_stock(from) && matches!(to, OrderStatus::Cancelled | OrderStatus::Refunded)
}

/// Whether this refund makes the order fully refunded; refuses refunding more than was paid.
pub fn refund_is_full(paid: Money, refunded_before: Money, amount: Money) -> Result<bool, OrderError> {
    if amount.fen() <= 0 {
        return Err(OrderError::RefundAmount);
    }
    let refundable_fen = paid.fen().saturating_sub(refunded_before.fen());
    if amount.fen() > refundable_fen {
        return Err(OrderError::RefundTooLarge { refundable_fen });
    }
    Ok(amount.fen() == refundable_fen)
}

/// A pickup code (提货码): always shown and typed as 6 digits, so 42 is "000042".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PickupCode(u32);

impl PickupCode {
    /// Exactly 6 ASCII digits, surrounding whitespace ignored.
    pub fn parse(input: &str) -> Result<PickupCode, OrderError> {
        let s = input.trim();
        if s.len() != PICKUP_CODE_LEN || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(OrderError::PickupCodeFormat { len: PICKUP_CODE_LEN });
        }
        let value = s.bytes().fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
        Ok(PickupCode(value))
    }

    pub fn value(self) -> u32 {
        self.0
    }

    fn digits(self) -> [u8; PICKUP_CODE_LEN] {
        let mut out = [b'0'; PICKUP_CODE_LEN];
        let mut n = self.0;
        for d in out.iter_mut().rev() {
            *d = b'0' + (n % 10) as u8;
            n /= 10;
        }
        out
    }
}

impl std::fmt::Display for PickupCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

/// A pickup code from caller-supplied randomness. The modulo bias (2^32 is not a
/// multiple of 10^6) is under one part in 4,000: irrelevant next to the attempt limit.
pub fn pickup_code_from(random_u32: u32) -> PickupCode {
    PickupCode(random_u32 % 1_000_000)
}

/// Whether `typed` is exactly the expected code. Every digit is compared whatever the
/// earlier ones were, so the time taken does not reveal how many digits were right.
pub fn verify(expected: PickupCode, typed: &str) -> bool {
    let typed = typed.as_bytes();
    let mut diff = u8::from(typed.len() != PICKUP_CODE_LEN);
    for (i, want) in expected.digits().iter().enumerate() {
        diff |= want ^ typed.get(i).copied().unwrap_or(0);
    }
    diff == 0
}

/// The attempt count after a wrong code, and whether the order is now locked.
pub fn after_failed_pickup(attempts: u32) -> (u32, bool) {
    let attempts = attempts.saturating_add(1);
    (attempts, pickup_locked(attempts))
}

/// Whether an order refuses further pickup codes until staff check identity.
pub fn pickup_locked(attempts: u32) -> bool {
    attempts >= PICKUP_ATTEMPTS_MAX
}

/// A 2-hour delivery slot (配送时段) starting on an even hour from 08:00 to 20:00.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeliverySlot {
    date: Date,
    start: Time,
}

impl DeliverySlot {
    pub fn new(date: Date, start: Time) -> Result<DeliverySlot, OrderError> {
        let hour = start.hour();
        let on_the_hour = start.minute() == 0 && start.second() == 0 && start.subsec_nanosecond() == 0;
        if !on_the_hour || hour % SLOT_HOURS != 0 || !(SLOT_FIRST_START_HOUR..=SLOT_LAST_START_HOUR).contains(&hour) {
            return Err(OrderError::SlotInvalid {
                first: SLOT_FIRST_START_HOUR,
                last: SLOT_LAST_START_HOUR,
            });
        }
        Ok(DeliverySlot { date, start })
    }

    pub fn date(self) -> Date {
        self.date
    }

    pub fn start(self) -> Time {
        self.start
    }

    pub fn end(self) -> Time {
        Time::constant(self.start.hour() + SLOT_HOURS, 0, 0, 0)
    }

    pub fn start_ms(self) -> i64 {
        time::at_local(self.date, self.start)
    }

    pub fn end_ms(self) -> i64 {
        time::at_local(self.date, self.end())
    }

    fn starts_at(self) -> DateTime {
        self.date.to_datetime(self.start)
    }
}

fn slots_of_day(date: Date) -> impl Iterator<Item = DeliverySlot> {
    (SLOT_FIRST_START_HOUR..=SLOT_LAST_START_HOUR)
        .step_by(SLOT_HOURS as usize)
        .map(move |h| DeliverySlot {
            date,
            start: Time::constant(h, 0, 0, 0),
        })
}

fn earliest_start(now_local: DateTime, lead_minutes: i64) -> DateTime {
    let lead = SignedDuration::from_mins(lead_minutes.clamp(0, SLOT_LEAD_MINUTES_MAX));
    now_local.checked_add(lead).expect("dates stay far inside jiff's range")
}

/// The bookable slots from today to `days_ahead` days later (at most
/// [`SLOT_DAYS_AHEAD_MAX`]), in order. A slot is bookable if it *starts* at least
/// `lead_minutes` after now (a negative lead counts as 0): at 09:10 with a 60-minute
/// lead the 10:00 slot is gone and 12:00 is the first.
pub fn slots_for(today_local_now: DateTime, days_ahead: u8, lead_minutes: i64) -> Vec<DeliverySlot> {
    let earliest = earliest_start(today_local_now, lead_minutes);
    let mut day = today_local_now.date();
    let mut slots = Vec::new();
    for i in 0..=days_ahead.min(SLOT_DAYS_AHEAD_MAX) {
        if i > 0 {
            day = day.tomorrow().expect("dates stay far inside jiff's range");
        }
        slots.extend(slots_of_day(day).filter(|s| s.starts_at() >= earliest));
    }
    slots
}

/// Whether a resident may still book `slot`: the same rule as [`slots_for`] with
/// [`SLOT_DAYS_AHEAD_MAX`] days.
pub fn slot_accepts(slot: DeliverySlot, now_ms: i64, lead_minutes: i64) -> Result<(), OrderError> {
    let now_local = time::zoned(now_ms).datetime();
    if slot.starts_at() < earliest_start(now_local, lead_minutes) {
        return Err(OrderError::SlotTooSoon {
            start: slot.starts_at(),
        });
    }
    let mut last_day = now_local.date();
    for _ in 0..SLOT_DAYS_AHEAD_MAX {
        last_day = last_day.tomorrow().expect("dates stay far inside jiff's range");
    }
    if slot.date > last_day {
        return Err(OrderError::SlotTooFar {
            max_days: SLOT_DAYS_AHEAD_MAX,
        });
    }
    Ok(())
}

/// Whether a slot with `booked` orders takes one more.
pub fn slot_has_room(booked: u32, capacity: u32) -> bool {
    booked < capacity
}

/// Great-circle (haversine) distance in metres between two (lat, lon) points in degrees.
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Whether `dest` is within `radius_m` of the store. Coordinates out of range or not
/// finite are outside: a bad geocode must not widen the area.
pub fn within_delivery_radius(store: (f64, f64), dest: (f64, f64), radius_m: u32) -> bool {
    let valid = |(lat, lon): (f64, f64)| (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon);
    valid(store) && valid(dest) && distance_m(store, dest) <= f64::from(radius_m)
}

/// A presale (预售) offer: sold until `order_by_ms` (exclusive), collected from `ship_date`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PresaleRule {
    pub product: ProductId,
    pub ship_date: Date,
    /// Units the supplier will deliver; the store never sells more.
    pub cap_total: u32,
    pub per_order_max: u32,
    pub order_by_ms: i64,
}

/// Whether a presale order of `qty` may be placed when `already_sold` units are taken.
/// The store calls this inside the transaction that records the order, so two
/// residents cannot both take the last units.
pub fn presale_accepts(rule: &PresaleRule, already_sold: u32, qty: u32, now_ms: i64) -> Result<(), OrderError> {
    if qty == 0 {
        return Err(OrderError::ZeroQuantity);
    }
    if now_ms >= rule.order_by_ms {
        return Err(OrderError::PresaleClosed);
    }
    if qty > rule.per_order_max {
        return Err(OrderError::PresalePerOrder {
            max: rule.per_order_max,
        });
    }
    if u64::from(already_sold) + u64::from(qty) > u64::from(rule.cap_total) {
        return Err(OrderError::PresaleSoldOut {
            remaining: rule.cap_total.saturating_sub(already_sold),
        });
    }
    Ok(())
}

/// A food-delivery platform that sends orders in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Platform {
    Meituan,
    Eleme,
    Other(PlatformCode),
}

/// The code of a platform without a variant of its own: 1 to 32 of `a-z`, `0-9`, `_`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PlatformCode(String);

impl PlatformCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Platform {
    pub fn code(&self) -> &str {
        match self {
            Platform::Meituan => "meituan",
            Platform::Eleme => "eleme",
            Platform::Other(code) => code.as_str(),
        }
    }

    /// "meituan" and "eleme" are the built-ins; any other well-formed code is `Other`.
    pub fn from_code(code: &str) -> Option<Platform> {
        match code {
            "meituan" => Some(Platform::Meituan),
            "eleme" => Some(Platform::Eleme),
            _ => {
                let well_formed = (1..=PLATFORM_CODE_CHARS_MAX).contains(&code.len())
                    && code
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                well_formed.then(|| Platform::Other(PlatformCode(code.to_string())))
            }
        }
    }

    pub fn name_zh(&self) -> &str {
        match self {
            Platform::Meituan => "美团",
            Platform::Eleme => "饿了么",
            Platform::Other(code) => code.as_str(),
        }
    }
}

/// An order's id on the platform it came from. `(platform, external_id)` is the
/// unique key the store uses to import each platform order exactly once (a replayed
/// webhook finds the existing order); making the import idempotent is the store's job.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExternalRef {
    platform: Platform,
    external_id: String,
}

impl ExternalRef {
    /// A platform code and an id of 1 to 64 printable ASCII characters (no spaces),
    /// both with surrounding whitespace ignored.
    pub fn parse(platform_code: &str, external_id: &str) -> Result<ExternalRef, OrderError> {
        let code = platform_code.trim();
        let platform = Platform::from_code(code).ok_or_else(|| OrderError::PlatformCode { input: code.into() })?;
        let id = external_id.trim();
        if !(1..=EXTERNAL_ID_CHARS_MAX).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(OrderError::ExternalId {
                max: EXTERNAL_ID_CHARS_MAX,
            });
        }
        Ok(ExternalRef {
            platform,
            external_id: id.to_string(),
        })
    }

    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    pub fn external_id(&self) -> &str {
        &self.external_id
    }
}

/// The number printed on receipts and said at the counter: "S1-20261125-00042" is
/// store S1's 42nd order of that Shanghai day. The store assigns `seq` from 1 per
/// store and day in the transaction that inserts the order; past 99999 it just widens.
pub fn order_number(store_code: &str, local_date: Date, seq: i64) -> String {
    assert!(seq > 0, "the store assigns order sequence numbers from 1");
    format!(
        "{store_code}-{:04}{:02}{:02}-{seq:05}",
        local_date.year(),
        local_date.month(),
        local_date.day()
    )
}

/// Checks an order's line count against [`ORDER_LINES_MAX`].
pub fn check_lines(count: usize) -> Result<(), OrderError> {
    match count {
        0 => Err(OrderError::NoLines),
        n if n > ORDER_LINES_MAX => Err(OrderError::TooManyLines { max: ORDER_LINES_MAX }),
        _ => Ok(()),
    }
}

/// A resident's note: trimmed, control characters other than line breaks dropped,
/// at most [`NOTE_CHARS_MAX`] characters; `None` when empty.
pub fn parse_note(input: &str) -> Result<Option<String>, OrderError> {
    let note: String = input.trim().chars().filter(|c| !c.is_control() || *c == '\n').collect();
    if note.chars().count() > NOTE_CHARS_MAX {
        return Err(OrderError::NoteTooLong { max: NOTE_CHARS_MAX });
    }
    Ok((!note.is_empty()).then_some(note))
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderEvent as E;
    use OrderStatus as S;
    use jiff::civil::{date, time as t};
    use proptest::prelude::*;

    const CREATED: i64 = 1_764_000_000_000;
    const NOW: i64 = CREATED + UNPAID_TIMEOUT_MS;

    fn today() -> Date {
        time::local_date(NOW)
    }

    fn slot() -> DeliverySlot {
        DeliverySlot::new(today(), t(18, 0, 0, 0)).unwrap()
    }

    fn fulfilments() -> [Fulfilment; 4] {
        [
            Fulfilment::Immediate,
            Fulfilment::Pickup,
            Fulfilment::Delivery { slot: slot() },
            Fulfilment::Presale { ship_date: today() },
        ]
    }

    const EVENTS: [OrderEvent; 13] = [
        E::Pay,
        E::StartPreparing,
        E::MarkReady,
        E::Dispatch,
        E::Deliver,
        E::PickUp { code_ok: true },
        E::PickUp { code_ok: false },
        E::Cancel { by: Actor::Resident },
        E::Cancel { by: Actor::Staff },
        E::Cancel { by: Actor::System },
        E::Timeout,
        E::Refund { full: false },
        E::Refund { full: true },
    ];

    fn check(from: OrderStatus, f: Fulfilment, event: OrderEvent, expected: Result<OrderStatus, OrderError>) {
        assert_eq!(
            transition(from, f, event, NOW, CREATED),
            expected,
            "{from:?} {f:?} {event:?}"
        );
    }

    /// Every allowed transition for a fulfilment; anything else is refused.
    fn allowed(f: Fulfilment) -> Vec<(OrderStatus, OrderEvent, OrderStatus)> {
        let cancels = |from: OrderStatus, actors: &[Actor]| {
            actors
                .iter()
                .map(move |&by| (from, E::Cancel { by }, S::Cancelled))
                .collect::<Vec<_>>()
        };
        let refunds = |from: OrderStatus, partial_to: OrderStatus| {
            vec![
                (from, E::Refund { full: false }, partial_to),
                (from, E::Refund { full: true }, S::Refunded),
            ]
        };
        let mut rows = vec![(S::Created, E::Pay, S::Paid), (S::Created, E::Timeout, S::Cancelled)];
        rows.extend(cancels(S::Created, &Actor::ALL));
        rows.extend(cancels(S::Paid, &Actor::ALL));
        rows.extend(refunds(S::Paid, S::Paid));
        rows.extend(refunds(S::Completed, S::PartlyRefunded));
        rows.extend(refunds(S::PartlyRefunded, S::PartlyRefunded));
        let staff = [Actor::Staff, Actor::System];
        match f {
            Fulfilment::Immediate => rows.push((S::Paid, E::Deliver, S::Completed)),
            Fulfilment::Pickup | Fulfilment::Presale { .. } => {
                rows.push((S::Paid, E::StartPreparing, S::Preparing));
                rows.push((S::Preparing, E::MarkReady, S::Ready));
                rows.push((S::Ready, E::PickUp { code_ok: true }, S::Completed));
                for s in [S::Preparing, S::Ready] {
                    rows.extend(cancels(s, &staff));
                    rows.extend(refunds(s, s));
                }
            }
            Fulfilment::Delivery { .. } => {
                rows.push((S::Paid, E::StartPreparing, S::Preparing));
                rows.push((S::Preparing, E::Dispatch, S::OutForDelivery));
                rows.push((S::OutForDelivery, E::Deliver, S::Completed));
                for s in [S::Preparing, S::OutForDelivery] {
                    rows.extend(cancels(s, &staff));
                    rows.extend(refunds(s, s));
                }
            }
        }
        rows
    }

    #[test]
    fn every_status_and_event_is_allowed_exactly_as_the_table_says() {
        for f in fulfilments() {
            let table = allowed(f);
            for from in S::ALL {
                for event in EVENTS {
                    match table.iter().find(|(s, e, _)| *s == from && *e == event) {
                        Some(&(_, _, to)) => check(from, f, event, Ok(to)),
                        None => assert!(
                            transition(from, f, event, NOW, CREATED).is_err(),
                            "{from:?} {f:?} {event:?} should be refused"
                        ),
                    }
                }
            }
        }
    }

    #[test]
    fn refusals_name_the_reason() {
        let f = Fulfilment::Pickup;
        check(
            S::Preparing,
            f,
            E::PickUp { code_ok: true },
            Err(OrderError::Transition {
                from: S::Preparing,
                event: E::PickUp { code_ok: true },
                fulfilment: f,
            }),
        );
        check(
            S::Ready,
            f,
            E::PickUp { code_ok: false },
            Err(OrderError::PickupCodeWrong),
        );
        let err = transition(S::Paid, f, E::Dispatch, NOW, CREATED).unwrap_err();
        assert_eq!(err.message_zh(), "已支付的自提订单不能配送出发");
    }

    #[test]
    fn resident_cannot_cancel_once_preparing_has_started() {
        for from in [S::Preparing, S::Ready] {
            check(
                from,
                Fulfilment::Pickup,
                E::Cancel { by: Actor::Resident },
                Err(OrderError::ResidentCancelTooLate { status: from }),
            );
        }
        let err = transition(
            S::Preparing,
            Fulfilment::Pickup,
            E::Cancel { by: Actor::Resident },
            NOW,
            CREATED,
        )
        .unwrap_err();
        assert_eq!(err.message_zh(), "订单备货中，已不能自行取消，请联系门店");
    }

    #[test]
    fn staff_cancel_of_a_paid_order_is_refunded() {
        assert!(!refund_due_on_cancel(S::Created));
        for from in [S::Paid, S::Preparing, S::Ready, S::OutForDelivery] {
            assert!(refund_due_on_cancel(from));
        }
    }

    #[test]
    fn till_sale_goes_from_created_to_completed_through_paid() {
        assert_eq!(till_completes(), S::Completed);
        check(S::Created, Fulfilment::Immediate, TILL_EVENTS[0], Ok(S::Paid));
        check(S::Paid, Fulfilment::Immediate, TILL_EVENTS[1], Ok(S::Completed));
    }

    #[test]
    fn unpaid_order_times_out_at_fifteen_minutes_exactly() {
        assert!(!unpaid_expired(CREATED, CREATED + UNPAID_TIMEOUT_MS - 1));
        assert!(unpaid_expired(CREATED, CREATED + UNPAID_TIMEOUT_MS));
        let early = transition(S::Created, Fulfilment::Pickup, E::Timeout, NOW - 1, CREATED);
        assert_eq!(early, Err(OrderError::NotExpired { expires_at_ms: NOW }));
        assert_eq!(
            transition(S::Created, Fulfilment::Pickup, E::Timeout, NOW, CREATED),
            Ok(S::Cancelled)
        );
        // The timeout never touches a paid order.
        assert!(transition(S::Paid, Fulfilment::Pickup, E::Timeout, NOW + 1, CREATED).is_err());
    }

    #[test]
    fn presale_is_prepared_from_its_ship_date_on() {
        let ship_date = today().tomorrow().unwrap();
        let f = Fulfilment::Presale { ship_date };
        check(
            S::Paid,
            f,
            E::StartPreparing,
            Err(OrderError::BeforeShipDate { ship_date }),
        );
        let on_ship_day = time::at_local(ship_date, t(0, 0, 0, 0));
        assert_eq!(
            transition(S::Paid, f, E::StartPreparing, on_ship_day, CREATED),
            Ok(S::Preparing)
        );
    }

    #[test]
    fn channels_offer_only_their_fulfilments() {
        assert_eq!(Channel::Till.accepts(Fulfilment::Immediate), Ok(()));
        assert!(Channel::Till.accepts(Fulfilment::Pickup).is_err());
        assert!(Channel::Shop.accepts(Fulfilment::Delivery { slot: slot() }).is_ok());
        assert!(Channel::Shop.accepts(Fulfilment::Immediate).is_err());
        assert!(Channel::Presale.accepts(Fulfilment::Pickup).is_err());
        assert!(Channel::Platform.accepts(Fulfilment::Pickup).is_ok());
        let err = Channel::SelfCheckout.accepts(Fulfilment::Pickup).unwrap_err();
        assert_eq!(err.message_zh(), "自助结账订单不支持自提");
        assert!(!Channel::Till.is_online() && Channel::GroupBuy.is_online());
    }

    #[test]
    fn codes_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::from_code(c.code()), Some(c));
        }
        for s in S::ALL {
            assert_eq!(S::from_code(s.code()), Some(s));
        }
        for a in Actor::ALL {
            assert_eq!(Actor::from_code(a.code()), Some(a));
        }
        assert_eq!(S::from_code("shipped"), None);
    }

    #[test]
    fn online_orders_reserve_stock_until_completed_or_cancelled() {
        for s in [S::Created, S::Paid, S::Preparing, S::Ready, S::OutForDelivery] {
            assert!(reserves_stock(s));
        }
        for s in [S::Completed, S::Cancelled, S::Refunded, S::PartlyRefunded] {
            assert!(!reserves_stock(s));
        }
        assert!(releases_reservation(S::Created, S::Cancelled));
        assert!(releases_reservation(S::Preparing, S::Refunded));
        assert!(
            !releases_reservation(S::OutForDelivery, S::Completed),
            "completion consumes it"
        );
        assert!(!releases_reservation(S::Completed, S::Refunded));
    }

    #[test]
    fn refunds_never_exceed_what_was_paid() {
        let m = Money::from_fen;
        assert_eq!(refund_is_full(m(1000), m(0), m(400)), Ok(false));
        assert_eq!(refund_is_full(m(1000), m(400), m(600)), Ok(true));
        assert_eq!(
            refund_is_full(m(1000), m(400), m(601)),
            Err(OrderError::RefundTooLarge { refundable_fen: 600 })
        );
        assert_eq!(refund_is_full(m(1000), m(0), m(0)), Err(OrderError::RefundAmount));
    }

    #[test]
    fn pickup_codes_are_always_six_digits() {
        assert_eq!(pickup_code_from(42).to_string(), "000042");
        assert_eq!(pickup_code_from(1_000_042).to_string(), "000042");
        assert_eq!(pickup_code_from(u32::MAX).to_string(), "967295");
        assert_eq!(PickupCode::parse(" 000042 "), Ok(pickup_code_from(42)));
        for bad in ["42", "0000420", "00004a", "", "００００４２"] {
            assert_eq!(
                PickupCode::parse(bad),
                Err(OrderError::PickupCodeFormat { len: 6 }),
                "{bad}"
            );
        }
    }

    #[test]
    fn verify_accepts_only_the_exact_code() {
        let code = pickup_code_from(42);
        assert!(verify(code, "000042"));
        for wrong in ["000043", "100042", "42", "0000420", "00004", "", "000042 "] {
            assert!(!verify(code, wrong), "{wrong}");
        }
        assert!(verify(pickup_code_from(0), "000000"));
        assert!(
            !verify(pickup_code_from(0), ""),
            "a short input is not padded with matches"
        );
    }

    #[test]
    fn fifth_wrong_pickup_code_locks_the_order() {
        let mut attempts = 0;
        for _ in 0..4 {
            let (next, locked) = after_failed_pickup(attempts);
            assert!(!locked);
            attempts = next;
        }
        assert_eq!(after_failed_pickup(attempts), (5, true));
        assert!(pickup_locked(5) && !pickup_locked(4));
        assert_eq!(after_failed_pickup(u32::MAX), (u32::MAX, true));
    }

    fn starts(slots: &[DeliverySlot]) -> Vec<(Date, i8)> {
        slots.iter().map(|s| (s.date(), s.start().hour())).collect()
    }

    #[test]
    fn first_slot_starts_at_least_the_lead_time_after_now() {
        let d = date(2026, 11, 25);
        let slots = slots_for(d.at(9, 10, 0, 0), 0, 60);
        assert_eq!(starts(&slots), [(d, 12), (d, 14), (d, 16), (d, 18), (d, 20)]);
        // Exactly the lead time before a start still books it.
        assert_eq!(starts(&slots_for(d.at(9, 0, 0, 0), 0, 60))[0], (d, 10));
    }

    #[test]
    fn no_slot_starts_after_twenty_hundred() {
        let d = date(2026, 11, 25);
        assert!(slots_for(d.at(19, 30, 0, 0), 0, 60).is_empty());
        let next = slots_for(d.at(19, 30, 0, 0), 1, 60);
        assert_eq!(starts(&next)[0], (d.tomorrow().unwrap(), 8));
        assert_eq!(next.len(), 7);
        assert_eq!(next[6].end(), t(22, 0, 0, 0));
        assert!(DeliverySlot::new(d, t(22, 0, 0, 0)).is_err());
        assert!(DeliverySlot::new(d, t(9, 0, 0, 0)).is_err());
        assert!(DeliverySlot::new(d, t(10, 30, 0, 0)).is_err());
        assert!(DeliverySlot::new(d, t(6, 0, 0, 0)).is_err());
    }

    #[test]
    fn slot_booking_checks_lead_time_and_horizon() {
        let d = date(2026, 11, 25);
        let now = time::at_local(d, t(9, 10, 0, 0));
        let ten = DeliverySlot::new(d, t(10, 0, 0, 0)).unwrap();
        let err = slot_accepts(ten, now, 60).unwrap_err();
        assert_eq!(err.message_zh(), "11-25 10:00 的配送时段已截止预约，请选择更晚的时段");
        assert_eq!(
            slot_accepts(DeliverySlot::new(d, t(12, 0, 0, 0)).unwrap(), now, 60),
            Ok(())
        );
        let far = DeliverySlot::new(date(2026, 12, 3), t(8, 0, 0, 0)).unwrap();
        assert_eq!(slot_accepts(far, now, 60), Err(OrderError::SlotTooFar { max_days: 7 }));
        assert_eq!(
            slot_accepts(DeliverySlot::new(date(2026, 12, 2), t(8, 0, 0, 0)).unwrap(), now, 60),
            Ok(())
        );
    }

    #[test]
    fn full_slot_takes_no_more_orders() {
        assert!(slot_has_room(0, 10));
        assert!(slot_has_room(9, 10));
        assert!(!slot_has_room(10, 10));
        assert!(!slot_has_room(0, 0));
    }

    #[test]
    fn delivery_radius_uses_the_real_distance() {
        // 人民广场 to 南京东路站: about 1.3 km.
        let peoples_square = (31.2317, 121.4726);
        let nanjing_road_east = (31.2380, 121.4840);
        let near = distance_m(peoples_square, nanjing_road_east);
        assert!((1_100.0..1_400.0).contains(&near), "{near}");
        assert!(within_delivery_radius(
            peoples_square,
            nanjing_road_east,
            DELIVERY_RADIUS_M
        ));
        // 徐家汇 to 新天地: about 4.5 km.
        let xujiahui = (31.1950, 121.4370);
        let xintiandi = (31.2196, 121.4750);
        let far = distance_m(xujiahui, xintiandi);
        assert!((4_000.0..5_000.0).contains(&far), "{far}");
        assert!(!within_delivery_radius(xujiahui, xintiandi, DELIVERY_RADIUS_M));
        assert!(!within_delivery_radius(xujiahui, (f64::NAN, 121.0), DELIVERY_RADIUS_M));
        assert!(!within_delivery_radius(xujiahui, (91.0, 121.0), u32::MAX));
    }

    fn rule() -> PresaleRule {
        PresaleRule {
            product: ProductId(7),
            ship_date: date(2026, 12, 1),
            cap_total: 100,
            per_order_max: 5,
            order_by_ms: NOW,
        }
    }

    #[test]
    fn presale_never_sells_past_its_cap() {
        assert_eq!(presale_accepts(&rule(), 95, 5, NOW - 1), Ok(()));
        assert_eq!(
            presale_accepts(&rule(), 97, 5, NOW - 1),
            Err(OrderError::PresaleSoldOut { remaining: 3 })
        );
        assert_eq!(
            presale_accepts(&rule(), 120, 1, NOW - 1),
            Err(OrderError::PresaleSoldOut { remaining: 0 })
        );
    }

    #[test]
    fn presale_refuses_after_its_deadline_and_above_the_per_order_limit() {
        assert_eq!(presale_accepts(&rule(), 0, 1, NOW), Err(OrderError::PresaleClosed));
        assert_eq!(
            presale_accepts(&rule(), 0, 6, NOW - 1),
            Err(OrderError::PresalePerOrder { max: 5 })
        );
        assert_eq!(presale_accepts(&rule(), 0, 0, NOW - 1), Err(OrderError::ZeroQuantity));
    }

    #[test]
    fn external_refs_parse_platform_and_id() {
        let r = ExternalRef::parse("meituan", " 2700123456789 ").unwrap();
        assert_eq!((r.platform(), r.external_id()), (&Platform::Meituan, "2700123456789"));
        assert_eq!(
            ExternalRef::parse("eleme", "E-1").unwrap().platform().name_zh(),
            "饿了么"
        );
        let other = ExternalRef::parse("jd_daojia", "x1").unwrap();
        assert_eq!(other.platform().code(), "jd_daojia");
        assert!(matches!(
            ExternalRef::parse("Meituan!", "1"),
            Err(OrderError::PlatformCode { .. })
        ));
        for bad in ["", "has space", "订单1", &"9".repeat(65)] {
            assert_eq!(
                ExternalRef::parse("meituan", bad),
                Err(OrderError::ExternalId { max: 64 }),
                "{bad}"
            );
        }
        assert!(ExternalRef::parse("meituan", &"9".repeat(64)).is_ok());
    }

    #[test]
    fn order_numbers_carry_store_day_and_sequence() {
        assert_eq!(order_number("S1", date(2026, 11, 25), 42), "S1-20261125-00042");
        assert_eq!(order_number("S1", date(2026, 1, 5), 123_456), "S1-20260105-123456");
    }

    #[test]
    fn orders_and_notes_have_limits() {
        assert_eq!(check_lines(0), Err(OrderError::NoLines));
        assert_eq!(check_lines(ORDER_LINES_MAX), Ok(()));
        assert_eq!(
            check_lines(ORDER_LINES_MAX + 1),
            Err(OrderError::TooManyLines { max: 200 })
        );
        assert_eq!(parse_note("  "), Ok(None));
        assert_eq!(parse_note(" 放门口\u{7}\n谢谢 "), Ok(Some("放门口\n谢谢".into())));
        assert_eq!(
            parse_note(&"字".repeat(200)).map(|n| n.map(|n| n.chars().count())),
            Ok(Some(200))
        );
        assert_eq!(parse_note(&"字".repeat(201)), Err(OrderError::NoteTooLong { max: 200 }));
    }

    /// The statuses an order of this fulfilment can ever be in.
    fn possible(f: Fulfilment, s: OrderStatus) -> bool {
        match s {
            S::Preparing => f != Fulfilment::Immediate,
            S::Ready => matches!(f, Fulfilment::Pickup | Fulfilment::Presale { .. }),
            S::OutForDelivery => matches!(f, Fulfilment::Delivery { .. }),
            _ => true,
        }
    }

    proptest! {
        /// Any events in any order keep an order in a status its fulfilment has;
        /// Cancelled and Refunded are final, Completed and PartlyRefunded only refund,
        /// and stock is released only by a cancel or a refund.
        #[test]
        fn any_event_sequence_stays_on_the_fulfilment_path(
            fi in 0usize..4,
            events in prop::collection::vec((prop::sample::select(EVENTS.to_vec()), 0i64..120_000), 0..40),
        ) {
            let f = fulfilments()[fi];
            let mut status = S::Created;
            let mut now = CREATED;
            for (event, step_ms) in events {
                now += step_ms;
                let result = transition(status, f, event, now, CREATED);
                if let Ok(to) = result {
                    prop_assert!(possible(f, to), "{status:?} -{event:?}-> {to:?}");
                    prop_assert!(!matches!(status, S::Cancelled | S::Refunded), "{status:?} is final");
                    if matches!(status, S::Completed | S::PartlyRefunded) {
                        prop_assert!(matches!(event, E::Refund { .. }), "{:?} after completion", event);
                        prop_assert!(matches!(to, S::PartlyRefunded | S::Refunded));
                    }
                    if reserves_stock(status) && !reserves_stock(to) {
                        prop_assert!(releases_reservation(status, to) || to == S::Completed);
                    }
                    prop_assert_eq!(releases_reservation(status, to), reserves_stock(status) && !reserves_stock(to) && to != S::Completed);
                    status = to;
                }
            }
        }

        /// `slot_accepts` agrees with the list `slots_for` offers, which is sorted and
        /// starts no earlier than now plus the lead time.
        #[test]
        fn offered_slots_are_exactly_the_accepted_ones(
            now_ms in CREATED..CREATED + 10 * time::MS_PER_DAY,
            lead in -30i64..300,
        ) {
            let local = time::zoned(now_ms).datetime();
            let offered = slots_for(local, SLOT_DAYS_AHEAD_MAX, lead);
            prop_assert!(offered.windows(2).all(|w| w[0] < w[1]));
            let mut day = local.date();
            for _ in 0..=SLOT_DAYS_AHEAD_MAX + 1 {
                for s in slots_of_day(day) {
                    prop_assert_eq!(slot_accepts(s, now_ms, lead).is_ok(), offered.contains(&s), "{:?}", s);
                }
                day = day.tomorrow().unwrap();
            }
            if let Some(first) = offered.first() {
                prop_assert!(first.start_ms() >= now_ms + lead.max(0) * 60_000);
            }
        }
    }
}
