//! Connecting, migrating and starting transactions on either backend.

use crate::error::Result;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Row, Transaction};
use std::time::Duration;

/// How hard each commit is pushed to disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Durability {
    Full,
    Relaxed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The handle every use case goes through. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    /// Sale batches the fast path handed to the sale-by-sale path.
    pub(crate) batch_fallbacks: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Copies of the rules every sale reads (`cache`).
    pub(crate) caches: std::sync::Arc<Caches>,
    /// Order ids drawn ahead from PostgreSQL's sequence for the sale batches, so that a
    /// batch need not ask for its own (`sale_batch`).
    pub(crate) order_ids: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<i64>>>,
}

#[derive(Debug, Default)]
pub(crate) struct Caches {
    pub(crate) loyalty: crate::cache::OrgCache<crate::loyalty::LoyaltySettings>,
    pub(crate) promotions: crate::cache::OrgCache<crate::offers::PromotionsCopy>,
    /// Signed-in sessions by token hash; any session or staff change drops them all.
    pub(crate) sessions: crate::cache::Copies<String, crate::staff::SessionRow>,
    /// Each cashier's open shift id (`None`: no shift open).
    pub(crate) open_shifts: crate::cache::Copies<(linli_domain::ids::OrgId, linli_domain::ids::StaffId), Option<i64>>,
    /// What the till prices a line with, per product (`Store::sellable_products`).
    pub(crate) sellable:
        crate::cache::Copies<(linli_domain::ids::OrgId, linli_domain::ids::ProductId), crate::till::SellableProduct>,
}

/// How many placeholders an `IN (…)` list of `n` values gets: the next power of two, the
/// last value repeated to fill it. So a query has a handful of texts instead of one per
/// length, and PostgreSQL plans each text once per connection instead of every call.
pub(crate) fn in_list_len(n: usize) -> usize {
    n.max(1).next_power_of_two()
}

pub(crate) type Tx = Transaction<'static, Any>;

/// A pooled connection idle this long is pinged before it is used again.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// Migrations in order. Each backend has its own SQL file; both describe the same
/// tables and columns.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "loyalty",
        sqlite: include_str!("../migrations/sqlite/0002_loyalty.sql"),
        postgres: include_str!("../migrations/postgres/0002_loyalty.sql"),
    },
    Migration {
        version: 3,
        name: "offers",
        sqlite: include_str!("../migrations/sqlite/0003_offers.sql"),
        postgres: include_str!("../migrations/postgres/0003_offers.sql"),
    },
    Migration {
        version: 4,
        name: "online_orders",
        sqlite: include_str!("../migrations/sqlite/0004_online_orders.sql"),
        postgres: include_str!("../migrations/postgres/0004_online_orders.sql"),
    },
    Migration {
        version: 5,
        name: "till",
        sqlite: include_str!("../migrations/sqlite/0005_till.sql"),
        postgres: include_str!("../migrations/postgres/0005_till.sql"),
    },
    Migration {
        version: 6,
        name: "labels",
        sqlite: include_str!("../migrations/sqlite/0006_labels.sql"),
        postgres: include_str!("../migrations/postgres/0006_labels.sql"),
    },
    Migration {
        version: 7,
        name: "hot_balances",
        sqlite: include_str!("../migrations/sqlite/0007_hot_balances.sql"),
        postgres: include_str!("../migrations/postgres/0007_hot_balances.sql"),
    },
    Migration {
        version: 8,
        name: "lean_sale_keys",
        sqlite: include_str!("../migrations/sqlite/0008_lean_sale_keys.sql"),
        postgres: include_str!("../migrations/postgres/0008_lean_sale_keys.sql"),
    },
    Migration {
        version: 9,
        name: "order_indexes",
        sqlite: include_str!("../migrations/sqlite/0009_order_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0009_order_indexes.sql"),
    },
    Migration {
        version: 10,
        name: "kiosk_payments",
        sqlite: include_str!("../migrations/sqlite/0010_kiosk_payments.sql"),
        postgres: include_str!("../migrations/postgres/0010_kiosk_payments.sql"),
    },
    Migration {
        version: 11,
        name: "sale_row_parents",
        sqlite: include_str!("../migrations/sqlite/0011_sale_row_parents.sql"),
        postgres: include_str!("../migrations/postgres/0011_sale_row_parents.sql"),
    },
    Migration {
        version: 12,
        name: "analytics",
        sqlite: include_str!("../migrations/sqlite/0012_analytics.sql"),
        postgres: include_str!("../migrations/postgres/0012_analytics.sql"),
    },
    Migration {
        version: 13,
        name: "member_insights",
        sqlite: include_str!("../migrations/sqlite/0013_member_insights.sql"),
        postgres: include_str!("../migrations/postgres/0013_member_insights.sql"),
    },
    Migration {
        version: 14,
        name: "demand",
        sqlite: include_str!("../migrations/sqlite/0014_demand.sql"),
        postgres: include_str!("../migrations/postgres/0014_demand.sql"),
    },
];

impl Store {
    /// Connects to `sqlite://path?mode=rwc` or `postgres://...` and applies pending migrations.
    /// Every commit is durable: an acknowledged change survives a crash and power loss.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::open(url, Durability::Full).await
    }

    /// Connects for a one-off bulk load that can simply be run again if the machine
    /// dies meanwhile (the demo community): commits are not flushed to disk one by
    /// one. Never use it for real sales.
    pub async fn connect_for_bulk_load(url: &str) -> Result<Store> {
        Store::open(url, Durability::Relaxed).await
    }

    async fn open(url: &str, durability: Durability) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        // sqlx pings every connection it hands out: a round trip before each query, on the
        // path of every sale. A connection idle for a while is still checked; one in
        // steady use is not (a broken one is closed on its first error all the same).
        let options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(30))
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > IDLE_BEFORE_PING {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            });
        let pool = match backend {
            // SQLite has one writer; a handful of connections serve readers while
            // writers queue on BEGIN IMMEDIATE with a busy timeout.
            Backend::Sqlite => {
                options
                    .max_connections(8)
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            // WAL lets readers run beside the writer; synchronous=FULL makes an
                            // acknowledged sale survive power loss, not just a process kill.
                            let sql = match durability {
                                Durability::Full => {
                                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
                                     PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
                                }
                                Durability::Relaxed => {
                                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; \
                                     PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
                                }
                            };
                            sqlx::raw_sql(sql).execute(conn).await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
            Backend::Postgres => {
                options
                    .max_connections(32)
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            if durability == Durability::Relaxed {
                                // Loses at most the last commits on a crash, never corrupts.
                                sqlx::raw_sql("SET synchronous_commit = off").execute(conn).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?
            }
        };
        let store = Store {
            pool,
            backend,
            batch_fallbacks: Default::default(),
            caches: Default::default(),
            order_ids: Default::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Sale batches written sale by sale because the batch path could not settle them
    /// (a key used twice, a QR payment used before, stock changed under the batch).
    pub fn sale_batch_fallbacks(&self) -> u64 {
        self.batch_fallbacks.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether the database answers (for /healthz).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A write transaction. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so two writers never deadlock upgrading a read lock.
    pub(crate) async fn begin(&self) -> Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS linli_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        for m in MIGRATIONS {
            let mut tx = self.begin().await?;
            let done: Option<AnyRow> = sqlx::query("SELECT version FROM linli_migrations WHERE version = $1")
                .bind(m.version)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_some() {
                continue;
            }
            let sql = match self.backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO linli_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(m.version)
                .bind(m.name)
                .bind(0_i64)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version = m.version, name = m.name, "applied migration");
        }
        Ok(())
    }

    /// Names of the tables the migrations of this backend create, in order of name, plus
    /// `linli_migrations` (for the backend-parity test).
    pub fn expected_tables(&self) -> Vec<String> {
        tables_created(self.backend)
    }

    /// Names of the tables the database holds (for the backend-parity test).
    pub async fn table_names(&self) -> Result<Vec<String>> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
            }
        };
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(|r| r.get::<String, _>("name")).collect())
    }
}

/// How often a transaction that lost a deadlock or serialization race is run again.
pub(crate) const RETRIES_MAX: u32 = 5;

/// PostgreSQL's deadlock (40P01) and serialization failure (40001), and SQLite's
/// SQLITE_BUSY (5) and BUSY_SNAPSHOT (517) after the busy timeout: the transaction
/// changed nothing and may simply run again.
pub(crate) fn is_retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("40P01" | "40001" | "5" | "517")),
        _ => false,
    }
}

/// Optional BIGINT columns come back as `Option<i64>` on both backends.
pub(crate) fn opt_i64(row: &AnyRow, col: &str) -> Option<i64> {
    row.try_get::<Option<i64>, _>(col).ok().flatten()
}

fn tables_created(backend: Backend) -> Vec<String> {
    let mut names: Vec<String> = MIGRATIONS
        .iter()
        .flat_map(|m| {
            let sql = match backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            sql.lines()
                .filter_map(|l| l.trim().strip_prefix("CREATE TABLE "))
                .map(|rest| {
                    rest.trim_start_matches("IF NOT EXISTS ")
                        .split([' ', '('])
                        .next()
                        .unwrap_or_default()
                        .to_string()
                })
        })
        .chain(["linli_migrations".to_string()])
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_create_the_same_tables() {
        let sqlite = tables_created(Backend::Sqlite);
        assert!(sqlite.len() > 20 && sqlite.iter().any(|t| t == "orders"), "{sqlite:?}");
        assert_eq!(sqlite, tables_created(Backend::Postgres));
    }
}
