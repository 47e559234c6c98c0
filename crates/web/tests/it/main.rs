//! The web crate's integration tests: the API in-process through `Router::oneshot`.

/// Declares each test twice, on SQLite and on PostgreSQL: `on_both_backends!(suite: a, b)`
/// makes `suite_backends::sqlite::a` and `suite_backends::postgres::a` calling `suite::a`.
macro_rules! on_both_backends {
    ($suite:ident: $($name:ident),* $(,)?) => {
        mod backends {
            mod sqlite {
                $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                   async fn $name() { crate::$suite::$name(crate::support::TestApp::new(crate::support::Backend::Sqlite).await).await } )*
            }
            mod postgres {
                $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                   async fn $name() { crate::$suite::$name(crate::support::TestApp::new(crate::support::Backend::Postgres).await).await } )*
            }
        }
    };
}

mod analytics;
mod api;
mod console;
mod demand;
mod kiosk;
mod labels;
mod loyalty;
mod offers;
mod orders;
mod shop;
mod support;
mod till;
mod till_console;
