//! Linli's use cases: the one place that decides who may do what, turns raw input
//! into domain types, and calls one store transaction per decision.
//!
//! Everything here is plain Rust (no HTTP, no JSON): the `web` crate maps requests
//! to these calls and `AppError` to status codes. Time comes from a `Clock`, so tests
//! pick "now".

pub mod analytics;
pub mod auth;
pub mod catalog;
pub mod demand;
pub mod demo_seed;
mod error;
pub mod kiosk;
pub mod labels;
pub mod loyalty;
pub mod offers;
pub mod orders;
pub mod people;
pub mod ports;
pub mod purchasing;
pub mod seed;
pub mod selling;
pub mod shop;
pub mod sites;
pub mod stock;

pub use error::AppError;
pub use linli_store::{Backend, Page, Store};

use linli_domain::auth::{Permission, Role, allows};
use linli_domain::ids::{OrgId, StaffId, StoreId};
use std::sync::Arc;

/// The largest page any list returns; `page_size` above it is refused.
pub const PAGE_SIZE_MAX: i64 = 200;
pub const PAGE_SIZE_DEFAULT: i64 = 50;

/// Free text typed by staff (notes, search boxes) is bounded and has no control
/// characters (PostgreSQL refuses a NUL byte in text; a note needs no escape codes).
pub const NOTE_CHARS_MAX: usize = 200;

pub(crate) fn free_text(value: &str, field: &str, max: usize) -> Result<String, AppError> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(AppError::invalid(
            field,
            &format!("{field} is longer than {max} characters"),
            &format!("{field} 不能超过 {max} 个字符"),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::invalid(
            field,
            &format!("{field} contains control characters"),
            &format!("{field} 含有控制字符"),
        ));
    }
    Ok(v.to_string())
}

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now_ms(&self) -> i64;
}

/// The wall clock.
#[derive(Debug)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        #[expect(clippy::disallowed_methods, reason = "the one place that reads the wall clock")]
        let now = std::time::SystemTime::now();
        let since = now
            .duration_since(std::time::UNIX_EPOCH)
            .expect("the clock is after 1970");
        i64::try_from(since.as_millis()).expect("milliseconds fit i64 until year 292 million")
    }
}

/// A clock a test sets by hand.
#[derive(Debug)]
pub struct FixedClock(pub std::sync::atomic::AtomicI64);

impl FixedClock {
    pub fn new(at_ms: i64) -> FixedClock {
        FixedClock(std::sync::atomic::AtomicI64::new(at_ms))
    }

    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The signed-in staff member a use case acts for.
#[derive(Debug, Clone)]
pub struct Actor {
    pub org: OrgId,
    pub staff: StaffId,
    pub store: Option<StoreId>,
    pub role: Role,
    pub username: String,
    pub display_name: String,
}

impl Actor {
    pub fn require(&self, p: Permission) -> Result<(), AppError> {
        if allows(self.role, p) {
            Ok(())
        } else {
            Err(AppError::Forbidden { permission: p.code() })
        }
    }

    /// The idempotency principal: keys are per staff member.
    pub fn principal(&self) -> String {
        format!("staff:{}", self.staff.0)
    }
}

/// A page request as the user typed it: 1-based page, bounded size.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: i64,
    pub page_size: i64,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            page: 1,
            page_size: PAGE_SIZE_DEFAULT,
        }
    }
}

impl Paging {
    pub fn new(page: Option<i64>, page_size: Option<i64>) -> Result<Paging, AppError> {
        let page = page.unwrap_or(1);
        let page_size = page_size.unwrap_or(PAGE_SIZE_DEFAULT);
        if !(1..=1_000_000).contains(&page) {
            return Err(AppError::invalid("page", "page must be 1 or more", "页码必须从 1 开始"));
        }
        if !(1..=PAGE_SIZE_MAX).contains(&page_size) {
            return Err(AppError::invalid(
                "page_size",
                &format!("page_size must be between 1 and {PAGE_SIZE_MAX}"),
                &format!("每页条数必须在 1 到 {PAGE_SIZE_MAX} 之间"),
            ));
        }
        Ok(Paging { page, page_size })
    }

    pub(crate) fn request(self) -> linli_store::PageRequest {
        linli_store::PageRequest {
            offset: (self.page - 1) * self.page_size,
            limit: self.page_size,
        }
    }
}

/// The application: a store and a clock. Cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// Group commit for sales: many tills, one flush (see `linli_store::SaleWriter`).
    pub sales: linli_store::SaleWriter,
    /// QR payments (the built-in simulator unless a real driver is given).
    pub payments: Arc<dyn ports::PaymentProvider>,
    /// Text messages (the built-in simulator unless a real driver is given).
    pub sms: Arc<dyn ports::SmsSender>,
    /// Electronic shelf labels: the driver (the built-in simulator unless a real one is
    /// given), live events and the push lock.
    pub labels: labels::Labels,
    /// Markdowns and replenishment orders are accepted one at a time (see
    /// `App::accept_markdown`, `App::accept_replenishment`).
    pub(crate) planning_turns: Arc<tokio::sync::Mutex<()>>,
}

impl App {
    /// Must be called inside a tokio runtime: it starts the sale writer.
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> App {
        let sales = store.sale_writer();
        App {
            store,
            clock,
            sales,
            payments: Arc::new(ports::SimulatedPayments::new()),
            sms: Arc::new(ports::SimulatedSms::new()),
            labels: labels::Labels::simulated(),
            planning_turns: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// The store the actor works in: their own, or the organisation's first.
    pub async fn actor_store(&self, actor: &Actor) -> Result<StoreId, AppError> {
        match actor.store {
            Some(s) => Ok(s),
            None => self
                .store
                .stores(actor.org)
                .await?
                .first()
                .map(|s| s.id)
                .ok_or(AppError::NotFound),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}
