//! Linli's business rules as pure functions over plain values.
//!
//! Nothing here does IO, reads a clock or knows about SQL or HTTP: "now" is passed
//! in, and every input arrives already parsed into the types defined here
//! (parse, don't validate). The `store`, `app` and `web` crates build on this.

pub mod auth;
pub mod barcode;
pub mod calendar;
pub mod catalog;
pub mod ids;
pub mod loyalty;
pub mod markdown;
pub mod money;
pub mod orders;
pub mod phone;
pub mod pricing;
pub mod purchasing;
pub mod stock;
pub mod till;
pub mod time;
