//! Group commit for sales: many tills, one fsync.
//!
//! A durable commit costs a disk flush (about 4 ms here), so committing each sale on
//! its own caps a store at a few hundred sales a second. The `SaleWriter` is a single
//! task that takes whatever sales have queued up while the previous batch was being
//! written, records them in one transaction (each in its own savepoint, so a refused
//! sale is rolled back alone) and commits once. Nobody waits for a timer: under light
//! load a batch holds one sale, under heavy load it holds many. A caller hears back
//! only after the commit, so an acknowledged sale is on disk.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::orders::{NewSale, Recorded};
use linli_domain::ids::OrgId;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// The most sales one commit carries.
pub const GROUP_COMMIT_SALES_MAX: usize = 256;
/// Sales waiting for the writer before callers are pushed back.
const QUEUE_MAX: usize = 4096;

struct Job {
    org: OrgId,
    sale: NewSale,
    reply: oneshot::Sender<Result<Recorded>>,
}

/// A handle to the group-commit writer. Cheap to clone; the writer task ends when
/// the last handle is dropped.
#[derive(Clone, Debug)]
pub struct SaleWriter {
    lanes: Arc<Vec<mpsc::Sender<Job>>>,
    stats: Arc<Stats>,
}

#[derive(Debug, Default)]
struct Stats {
    commits: AtomicU64,
    sales: AtomicU64,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Job({}, {} lines)", self.org, self.sale.lines.len())
    }
}

/// Writer tasks per backend. SQLite has one writer at a time whatever we do. On
/// PostgreSQL each writer owns the sales of some locations (a sale goes to the writer
/// of `location % writers`): sales of one location take the same stock rows and are
/// written one batch at a time, so their locks never cross; different locations write
/// in parallel, each batch waiting for its own flush.
const fn writers_for(backend: crate::db::Backend) -> usize {
    match backend {
        crate::db::Backend::Sqlite => 1,
        crate::db::Backend::Postgres => 4,
    }
}

impl Store {
    /// Starts the group-commit writer for sales on the current tokio runtime.
    pub fn sale_writer(&self) -> SaleWriter {
        let stats = Arc::new(Stats::default());
        let mut lanes = Vec::new();
        for _ in 0..writers_for(self.backend()) {
            let (jobs, mut queue) = mpsc::channel::<Job>(QUEUE_MAX);
            lanes.push(jobs);
            let store = self.clone();
            let task_stats = stats.clone();
            tokio::spawn(async move {
                let mut batch: Vec<Job> = Vec::with_capacity(GROUP_COMMIT_SALES_MAX);
                // Take whatever has queued up while the previous batch was written.
                while let Some(first) = queue.recv().await {
                    batch.push(first);
                    while batch.len() < GROUP_COMMIT_SALES_MAX {
                        match queue.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    write_batch(&store, &task_stats, &mut batch).await;
                }
            });
        }
        SaleWriter {
            lanes: Arc::new(lanes),
            stats,
        }
    }
}

async fn write_batch(store: &Store, stats: &Stats, batch: &mut Vec<Job>) {
    let sales: Vec<(OrgId, &NewSale)> = batch.iter().map(|j| (j.org, &j.sale)).collect();
    let outcome = store.record_batch(&sales).await;
    stats.commits.fetch_add(1, Ordering::Relaxed);
    match outcome {
        Ok(results) => {
            stats
                .sales
                .fetch_add(results.iter().filter(|r| r.is_ok()).count() as u64, Ordering::Relaxed);
            for (job, result) in batch.drain(..).zip(results) {
                // A caller that gave up waiting is no reason to stop.
                let _ = job.reply.send(result);
            }
        }
        Err(e) => {
            // Nothing of this batch was committed: every caller hears so and may retry.
            let message = e.to_string();
            tracing::error!(error = %message, sales = batch.len(), "group commit failed");
            for job in batch.drain(..) {
                let _ = job
                    .reply
                    .send(Err(StoreError::State("the sale was not saved; try again")));
            }
        }
    }
}

impl SaleWriter {
    /// Records one sale; returns once it is committed (or refused).
    pub async fn record(&self, org: OrgId, sale: NewSale) -> Result<Recorded> {
        let (reply, answer) = oneshot::channel();
        let lane = usize::try_from(sale.location.0.unsigned_abs()).unwrap_or(0) % self.lanes.len();
        self.lanes[lane]
            .send(Job { org, sale, reply })
            .await
            .map_err(|_| StoreError::State("the sale writer has stopped"))?;
        answer
            .await
            .map_err(|_| StoreError::State("the sale writer has stopped"))?
    }

    /// Commits made so far (each carries one or more sales).
    pub fn commits(&self) -> u64 {
        self.stats.commits.load(Ordering::Relaxed)
    }

    /// Sales committed so far.
    pub fn sales(&self) -> u64 {
        self.stats.sales.load(Ordering::Relaxed)
    }
}
