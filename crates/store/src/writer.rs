//! Group commit for sales: many tills, one fsync.
//!
//! A durable commit costs a disk flush (about 4 ms here), so committing each sale on
//! its own caps a store at a few hundred sales a second. The `SaleWriter` is a task per
//! lane that takes whatever sales have queued up while the previous batch was being
//! written and records them with one commit (`sale_batch`; a refused sale is refused
//! alone). Nobody waits for a timer: under light load a batch holds one sale, under
//! heavy load it holds many. A caller hears back only after the commit, so an
//! acknowledged sale is on disk. On SQLite one batch is written at a time; on
//! PostgreSQL the next batch is read and sent while the one before it is written
//! (`pipelined_lane`).

use crate::db::{Backend, Store};
use crate::error::{Result, StoreError};
use crate::orders::{NewSale, Recorded};
use crate::sale_batch::{Overlay, Prepared, Statements, one_statement, prepare, send};
use linli_domain::ids::OrgId;
use std::collections::VecDeque;
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
            let (jobs, queue) = mpsc::channel::<Job>(QUEUE_MAX);
            lanes.push(jobs);
            let store = self.clone();
            let task_stats = stats.clone();
            tokio::spawn(async move {
                match store.backend() {
                    Backend::Sqlite => serial_lane(&store, &task_stats, queue).await,
                    Backend::Postgres => pipelined_lane(&store, &task_stats, queue).await,
                }
            });
        }
        SaleWriter {
            lanes: Arc::new(lanes),
            stats,
        }
    }
}

/// Takes whatever has queued up behind `first`.
fn gather(queue: &mut mpsc::Receiver<Job>, first: Job) -> Vec<Job> {
    let mut batch = Vec::with_capacity(GROUP_COMMIT_SALES_MAX);
    batch.push(first);
    while batch.len() < GROUP_COMMIT_SALES_MAX {
        match queue.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    batch
}

/// One batch at a time: whatever queued up while the previous one was written.
async fn serial_lane(store: &Store, stats: &Stats, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut batch = gather(&mut queue, first);
        write_batch(store, stats, &mut batch).await;
    }
}

/// A batch sent to PostgreSQL as one statement, not yet answered.
struct Flight {
    jobs: Vec<Job>,
    prepared: Prepared,
    sent: Option<tokio::task::JoinHandle<Result<bool>>>,
    done: Option<Sent>,
    /// Tells the batch sent after this one when this one is done.
    over: tokio::sync::watch::Receiver<Option<bool>>,
}

/// What came of a batch sent in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    Written,
    /// Nothing was written (PostgreSQL said so): write the batch again.
    NotWritten,
    /// The connection failed with the outcome unknown: the callers hear so, and a sale
    /// with an Idempotency-Key tried again answers as what was committed. Writing it
    /// again here could count a sale without a key twice.
    Unknown,
}

impl Flight {
    /// What came of the batch's statements; waits for them once. Safe to drop while
    /// waiting: they go on, and a later call waits again.
    async fn sent(&mut self) -> Sent {
        if let Some(done) = self.done {
            return done;
        }
        let sent = self.sent.as_mut().expect("sent until done");
        let done = match sent.await {
            Ok(Ok(true)) => Sent::Written,
            Ok(Ok(false)) => Sent::NotWritten,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "a sale batch's outcome is unknown");
                Sent::Unknown
            }
            Err(e) => {
                tracing::error!(error = %e, "a sale batch's task ended early");
                Sent::Unknown
            }
        };
        self.sent = None;
        self.done = Some(done);
        done
    }

    async fn written(&mut self) -> bool {
        self.sent().await == Sent::Written
    }
}

/// Batches in flight at once on PostgreSQL, each on a connection of its own.
const IN_FLIGHT_MAX: usize = 2;

/// Several batches in flight (PostgreSQL). A batch written as one statement that
/// commits itself (`sale_batch`) is about 5 ms of work in one backend, most of it
/// foreign-key checks, and reading and building the next batch's statement took
/// almost as long again: the writer stood idle half the time with the other core
/// free. Here the next batch is read and sent while the ones before it are still being
/// written. It reads the database and puts over it the rows the batches in flight will
/// leave (`Overlay`); it writes its orders, lines, movements and ledgers meanwhile, and
/// its compare-and-set updates wait until the batch before it is done. If a batch in
/// flight fails, every batch after it finishes first (each fails too if it counted on
/// the same rows), and then each that failed is written again from what the database
/// holds, in the order they came.
async fn pipelined_lane(store: &Store, stats: &Stats, mut queue: mpsc::Receiver<Job>) {
    let mut flights: VecDeque<Flight> = VecDeque::new();
    loop {
        let first = match flights.front_mut() {
            None => queue.recv().await,
            Some(f) => {
                tokio::select! {
                    biased;
                    _ = f.written() => {
                        land_front(store, stats, &mut flights).await;
                        continue;
                    }
                    job = queue.recv() => job,
                }
            }
        };
        let Some(first) = first else {
            break;
        };
        let mut batch = gather(&mut queue, first);
        let sales: Vec<(OrgId, &NewSale)> = batch.iter().map(|j| (j.org, &j.sale)).collect();
        let prepared = if one_statement(store, &sales) {
            let overlay = Overlay::over(flights.iter().map(|f| &f.prepared.overlay));
            prepare(store, &sales, overlay.as_ref()).await.ok().flatten()
        } else {
            None
        };
        drop(sales);
        let Some(mut prepared) = prepared else {
            while !flights.is_empty() {
                land_front(store, stats, &mut flights).await;
            }
            write_batch(store, stats, &mut batch).await;
            continue;
        };
        let query = std::mem::replace(&mut prepared.query, Statements::One(None));
        let after = flights.back().map(|f| f.over.clone());
        let (tell, over) = tokio::sync::watch::channel(None);
        let task_store = store.clone();
        let sent = tokio::spawn(async move {
            let written = send(task_store, query, after).await;
            let _ = tell.send(Some(matches!(written, Ok(true))));
            written
        });
        flights.push_back(Flight {
            jobs: batch,
            prepared,
            sent: Some(sent),
            done: None,
            over,
        });
        if flights.len() >= IN_FLIGHT_MAX {
            land_front(store, stats, &mut flights).await;
        }
    }
    while !flights.is_empty() {
        land_front(store, stats, &mut flights).await;
    }
}

/// Lands the oldest batch in flight. If it failed, lets every later one finish and
/// lands them all: a batch prepared now would count on rows that are not there.
async fn land_front(store: &Store, stats: &Stats, flights: &mut VecDeque<Flight>) {
    let Some(mut front) = flights.pop_front() else {
        return;
    };
    if front.written().await {
        land(store, stats, front).await;
        return;
    }
    for f in flights.iter_mut() {
        f.written().await;
    }
    land(store, stats, front).await;
    while let Some(f) = flights.pop_front() {
        land(store, stats, f).await;
    }
}

/// Answers a batch whose statement is done, or writes it again if it wrote nothing.
async fn land(store: &Store, stats: &Stats, mut f: Flight) {
    match f.sent().await {
        Sent::Written => {}
        Sent::NotWritten => {
            write_batch(store, stats, &mut f.jobs).await;
            return;
        }
        Sent::Unknown => {
            reply(
                stats,
                &mut f.jobs,
                Err(StoreError::State("the sale batch's outcome is unknown")),
            );
            return;
        }
    }
    stats.commits.fetch_add(1, Ordering::Relaxed);
    let sales: Vec<(OrgId, &NewSale)> = f.jobs.iter().map(|j| (j.org, &j.sale)).collect();
    let results = f.prepared.finish(store, &sales).await;
    drop(sales);
    reply(stats, &mut f.jobs, results);
}

async fn write_batch(store: &Store, stats: &Stats, batch: &mut Vec<Job>) {
    let sales: Vec<(OrgId, &NewSale)> = batch.iter().map(|j| (j.org, &j.sale)).collect();
    let outcome = store.record_batch(&sales).await;
    drop(sales);
    stats.commits.fetch_add(1, Ordering::Relaxed);
    reply(stats, batch, outcome);
}

fn reply(stats: &Stats, batch: &mut Vec<Job>, outcome: Result<Vec<Result<Recorded>>>) {
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
