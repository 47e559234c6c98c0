//! The web crate's integration tests: the API in-process through `Router::oneshot`.

mod api;
mod console;
mod support;
