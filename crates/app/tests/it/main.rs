//! Use-case tests that need a database: the demo community and first start.

mod demo;
mod planning;
