//! Linli's storage: every table, every SQL statement, both databases.
//!
//! One SQL text serves SQLite (the embedded default for one store) and PostgreSQL
//! (a chain) through sqlx's `Any` driver: `$n` placeholders, `RETURNING` and
//! `ON CONFLICT` work on both, and columns use only the portable types (BIGINT for
//! ids, money, quantities, instants and flags; TEXT otherwise). Methods are coarse:
//! one business transaction each (`receive`, `allocate`, `record_sale`), so a
//! half-written change cannot happen. Only this crate knows SQL.

mod analytics;
mod audit;
mod cache;
mod catalog;
mod db;
mod demand;
mod error;
mod filter;
mod idempotency;
mod integrity;
mod kiosk;
mod labels;
mod loyalty;
mod members;
mod offers;
mod online;
mod orders;
mod org;
mod purchasing;
mod sale_batch;
mod shop;
mod staff;
mod stock;
mod till;
mod till_catalog;
mod writer;
mod writes;

pub use analytics::*;
pub use audit::*;
pub use catalog::*;
pub use db::{Backend, Store};
pub use demand::*;
pub use error::StoreError;
pub use idempotency::*;
pub use kiosk::*;
pub use labels::*;
pub use loyalty::*;
pub use members::*;
pub use offers::*;
pub use online::*;
pub use orders::*;
pub use org::*;
pub use purchasing::*;
pub use shop::*;
pub use staff::*;
pub use stock::*;
pub use till::*;
pub use till_catalog::*;
pub use writer::{GROUP_COMMIT_SALES_MAX, SaleWriter};

/// One page of a list, and the total it came from.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// Which slice of a list to read. `limit` is already bounded by the caller.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub offset: i64,
    pub limit: i64,
}
