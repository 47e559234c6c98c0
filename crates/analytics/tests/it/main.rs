//! The analytics engine against published figures on real data, and properties on
//! random input.

mod basket;
mod clv;
mod data;
mod forecast;
mod segment;
