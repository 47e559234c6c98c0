//! Test support shared by every crate's tests: a throwaway PostgreSQL cluster and temporary
//! SQLite databases, so that each storage test runs on both backends without Docker or a
//! system service.
//!
//! A test asks for a database URL and nothing else: [`temp_sqlite_url`] for SQLite,
//! [`fresh_pg_url`] for PostgreSQL. PostgreSQL databases live in one cluster per test process
//! ([`shared_pg`]), because `initdb` takes a second or two while `CREATE DATABASE` takes
//! milliseconds. When the server binaries are missing, the PostgreSQL helpers panic with the
//! install command: a storage test that skips itself silently would be a test that cannot fail.

#![forbid(unsafe_code)]

mod pg;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

pub use pg::PgCluster;

/// The cluster of this test process; a failed start is kept so every later test fails fast
/// with the same message instead of running `initdb` again.
static SHARED_PG: OnceLock<Result<PgCluster, String>> = OnceLock::new();

/// Numbers the databases [`fresh_pg_url`] creates in this process.
static NEXT_DATABASE: AtomicU64 = AtomicU64::new(0);

/// The PostgreSQL cluster shared by every test of this process, started on first use.
///
/// Statics are never dropped, so the cluster's watchdog stops the server and removes its data
/// directory once this process has exited, however it exits.
///
/// # Panics
///
/// When the PostgreSQL server binaries are missing or the cluster does not start.
pub fn shared_pg() -> &'static PgCluster {
    let cluster = SHARED_PG.get_or_init(|| PgCluster::start().map_err(|e| format!("{e:#}")));
    match cluster {
        Ok(cluster) => cluster,
        Err(e) => panic!("could not start the shared PostgreSQL test cluster: {e}"),
    }
}

/// Creates an empty database in the shared cluster and returns its URL
/// (`postgres://linli@127.0.0.1:<port>/<name>`); every call gives a new database.
///
/// # Panics
///
/// As [`shared_pg`], and when `CREATE DATABASE` fails.
pub fn fresh_pg_url() -> String {
    let cluster = shared_pg();
    let number = NEXT_DATABASE.fetch_add(1, Ordering::Relaxed);
    let name = format!("linli_test_{}_{number}", std::process::id());
    match cluster.create_database(&name) {
        Ok(url) => url,
        Err(e) => panic!("could not create the test database {name}: {e:#}"),
    }
}

/// A `sqlite://<path>?mode=rwc` URL for a database file in a new temporary directory.
///
/// Keep the returned directory alive for as long as the database is used: dropping it removes
/// the file.
///
/// # Panics
///
/// When the system temporary directory is not writable.
pub fn temp_sqlite_url() -> (tempfile::TempDir, String) {
    let dir = tempfile::Builder::new()
        .prefix("linli-sqlite-")
        .tempdir()
        .unwrap_or_else(|e| panic!("could not create a temporary directory for SQLite: {e}"));
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("linli.sqlite3").display());
    (dir, url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_sqlite_url_names_a_file_inside_its_directory() {
        let (dir, url) = temp_sqlite_url();
        let path = url
            .strip_prefix("sqlite://")
            .and_then(|rest| rest.strip_suffix("?mode=rwc"))
            .expect("the URL has the sqlite scheme and mode=rwc");
        assert!(std::path::Path::new(path).starts_with(dir.path()), "{url}");
        assert!(dir.path().is_dir());
        std::fs::write(path, b"").expect("the database file can be created");
    }

    #[test]
    fn two_temp_sqlite_urls_differ() {
        let (_a_dir, a) = temp_sqlite_url();
        let (_b_dir, b) = temp_sqlite_url();
        assert_ne!(a, b);
    }
}
