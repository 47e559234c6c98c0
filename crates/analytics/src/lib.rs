//! Decisions from data: "bought together" rules ([`basket`]), customer lifetime value
//! ([`clv`]), and in later steps demand forecasts, segments and site selection.
//!
//! Pure and deterministic over plain values: no clock, no files, no database. Input
//! text comes in as bytes and is parsed here once ([`input`]), so that every error names
//! the line and column it found; the `linli analytics` commands and the app's nightly
//! jobs are the shells around it. Long work reports progress through a callback instead
//! of drawing anything itself.

pub mod basket;
pub mod clv;
pub mod forecast;
pub mod input;
pub mod optimize;
pub mod replenish;
pub mod segment;
pub mod site;
pub mod special;

/// Called with (done, total) as long work advances; the shell decides whether to draw a
/// progress bar.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);
