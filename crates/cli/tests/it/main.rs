//! Tests of the real `linli` binary: it starts, serves, and keeps every acknowledged
//! stock movement across `kill -9`.

mod analytics;
mod crash;
mod server;
mod smoke;
mod tidy;
