//! The store conformance suite: every test runs once on SQLite (a temp file) and once
//! on PostgreSQL (a throwaway cluster the harness starts itself). A feature that works
//! on one backend only fails here.

/// Each suite file declares its tests: `on_both_backends!(suite: a, b)` inside `suite.rs`
/// makes `suite::backends::sqlite::a`, `suite::backends::postgres::a`, and so on.
macro_rules! on_both_backends {
    ($suite:ident: $($name:ident),* $(,)?) => {
        mod backends { mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let (_dir, url) = linli_testkit::temp_sqlite_url();
                    let store = linli_store::Store::connect(&url).await.expect("sqlite store opens");
                    crate::$suite::$name(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let url = linli_testkit::fresh_pg_url();
                    let store = linli_store::Store::connect(&url).await.expect("postgres store opens");
                    crate::$suite::$name(store).await;
                }
            )*
        } }
    };
}

mod analytics;
mod conformance;
mod demand;
mod fixtures;
mod integrity;
mod kiosk;
mod labels;
mod loyalty;
mod offers;
mod online;
mod sale_batch;
mod till;
mod till_catalog;
