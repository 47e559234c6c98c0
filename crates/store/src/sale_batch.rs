//! The group commit's fast path: a whole batch of sales in a handful of statements.
//!
//! Writing a batch sale by sale costs about a dozen statements each (its lots, one
//! update per lot, the order, its lines, movements, payments, the key), and on SQLite
//! every statement is a round trip to the database thread: 0.5 ms a sale, which capped
//! a store near 1,300 sales/s whatever the disk did. Here a batch reads the lots of all
//! its sales at once (with the location check), allocates them by FEFO in memory, sale
//! by sale in arrival order, and writes each table with one multi-row statement: the
//! orders (their ids from the insert on SQLite, from the sequence on PostgreSQL), one
//! compare-and-set update of every lot touched, the members' ledgers and balances, the
//! movements, lines, payments, discounts and keys. Redemptions, coupons and flash-sale
//! caps still go sale by sale, since each reads its own state.
//!
//! The answer is the one the sale-by-sale path would give. Whatever this path cannot
//! settle by itself (two sales with one key, a key or a QR payment used before, stock
//! or a balance that changed under the batch on PostgreSQL, any database error) rolls
//! the batch's transaction back and hands the batch to the sale-by-sale path, which
//! decides each case as before. A sale refused for its money side (stored value short,
//! points short, a coupon used meanwhile) is set aside and the batch written again
//! without it, so its units go to the others.

use crate::db::{Backend, Store, Tx, opt_i64};
use crate::error::{Result, StoreError};
use crate::loyalty::stored_value_refused;
use crate::orders::AnyQuery;
use crate::orders::{
    Allocation, BatchLot, NewSale, ORDER_COLUMNS, PlacedSale, Recorded, SALE_LINES_MAX, allocate, apply_money_side,
    key_refusal, key_state, order_values, positional, push_orders_with_ids, push_sale_rows, read_lots,
};
use crate::writes::{Val, Writes, rows_json};
use linli_domain::ids::{LocationId, OrderId, OrgId, ProductId};
use linli_domain::loyalty::{POINTS_ENTRY_MAX, StoredValueBook};
use sqlx::pool::PoolConnection;
use sqlx::{Any, Row};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Times a batch is written again after setting aside a sale refused for its money
/// side, before handing the rest to the sale-by-sale path.
const SET_ASIDE_ROUNDS_MAX: usize = 4;

/// Sales a PostgreSQL batch writes in one statement; a larger one (a bulk load) goes in
/// a transaction.
const ONE_STATEMENT_SALES_MAX: usize = 64;

/// Lots per compare-and-set statement (three parameters each).
const LOTS_PER_UPDATE_MAX: usize = 2_000;

/// What one round decided.
enum Round {
    /// Written (in a transaction): the order id of each sale, or why it was refused.
    Written(Vec<std::result::Result<i64, StoreError>>),
    /// Ready to send as one statement (PostgreSQL): nothing written yet.
    Ready(Ready),
    /// Sale `.0` was refused for its money side: write the batch again without it.
    SetAside(usize, StoreError),
    /// Something only the sale-by-sale path settles.
    Fallback,
}

struct Ready {
    query: Statements,
    outcomes: Vec<std::result::Result<i64, StoreError>>,
    overlay: Overlay,
}

/// The rows a batch in flight leaves behind, as the batch after it must expect them:
/// each lot it takes from and each member balance it moves. The next batch reads the
/// database and puts these over what it read, so that it can be written before the
/// one in flight has committed. Nothing depends on them being right: every one is the
/// expected value of a compare-and-set, so if the batch in flight fails, the batch
/// after it fails too and is written again from what the database holds.
#[derive(Default)]
pub(crate) struct Overlay {
    /// (location, lot) → (on hand, free of reservations).
    lots: HashMap<(i64, i64), (i64, i64)>,
    balances: HashMap<i64, Balance>,
}

impl Overlay {
    /// The rows the batches in flight leave, oldest first (a later batch's row is the
    /// later state). `None` when nothing is in flight.
    pub(crate) fn over<'a>(in_flight: impl Iterator<Item = &'a Overlay>) -> Option<Overlay> {
        let mut all: Option<Overlay> = None;
        for o in in_flight {
            let all = all.get_or_insert_with(Overlay::default);
            all.lots.extend(o.lots.iter().map(|(k, v)| (*k, *v)));
            all.balances.extend(o.balances.iter().map(|(k, v)| (*k, v.clone())));
        }
        all
    }
}

/// Records a batch and commits it. `None`: nothing was written and the batch needs the
/// sale-by-sale path. On SQLite, and on PostgreSQL for a batch with redemptions,
/// coupons or flash sales, the batch is one transaction; a round that cannot finish
/// rolls it back whole (no savepoints: two statements fewer in every batch). Any
/// other batch on PostgreSQL is one statement (`writes`).
pub(crate) async fn record_fast(store: &Store, batch: &[(OrgId, &NewSale)]) -> Result<Option<Vec<Result<Recorded>>>> {
    if !batchable(batch) {
        return Ok(None);
    }
    if one_statement(store, batch) {
        let Some(mut prepared) = prepare(store, batch, None).await? else {
            return Ok(None);
        };
        let query = std::mem::replace(&mut prepared.query, Statements::One(None));
        if !send(store.clone(), query, None).await? {
            return Ok(None);
        }
        return Ok(Some(prepared.finish(store, batch).await?));
    }
    let mut aside: Vec<Option<StoreError>> = (0..batch.len()).map(|_| None).collect();
    for _ in 0..SET_ASIDE_ROUNDS_MAX {
        let mut db = Db::Tx(store.begin().await?);
        let round = write_round(&mut db, store, batch, &aside, None).await;
        match round {
            Ok(Round::Written(outcomes)) => {
                let results = answers(db.conn(), batch, outcomes, aside).await?;
                db.commit().await?;
                return Ok(Some(results));
            }
            Ok(Round::SetAside(i, e)) => {
                db.rollback().await?;
                aside[i] = Some(e);
            }
            Ok(Round::Fallback | Round::Ready(_)) => {
                db.rollback().await?;
                break;
            }
            Err(e) => {
                // The sale-by-sale path meets the same error if it lasts, and reports it.
                tracing::debug!(error = %e, "a sale batch failed; writing sale by sale");
                let _ = db.rollback().await;
                break;
            }
        }
    }
    Ok(None)
}

/// Whether the batch path can take the batch at all: bounded sales, and no key twice
/// (the sale-by-sale path answers the second as a replay).
fn batchable(batch: &[(OrgId, &NewSale)]) -> bool {
    let mut keys = HashSet::new();
    batch.iter().all(|(org, sale)| {
        sale.lines.len() <= SALE_LINES_MAX
            && sale
                .details
                .key
                .as_ref()
                .is_none_or(|k| keys.insert((org.0, k.principal.as_str(), k.key.as_str())))
    })
}

/// Whether the batch goes to PostgreSQL as one statement: its sales need nothing
/// beyond the batch's own reads.
pub(crate) fn one_statement(store: &Store, batch: &[(OrgId, &NewSale)]) -> bool {
    store.backend() == Backend::Postgres
        && batch.len() <= ONE_STATEMENT_SALES_MAX
        && batchable(batch)
        && batch
            .iter()
            .all(|(_, sale)| !sale.has_money_side() || member_effects_only(sale))
}

/// What a prepared batch sends (`None`: nothing to write, every sale refused).
pub(crate) enum Statements {
    /// One statement, its own transaction.
    One(Option<AnyQuery>),
    /// After a batch in flight: a transaction whose first statement writes the rows and
    /// whose second, sent once the batch in flight is done, makes the compare-and-set
    /// updates.
    AfterFlight(Option<AnyQuery>, Option<AnyQuery>),
}

/// A batch made into PostgreSQL statements, not yet sent.
pub(crate) struct Prepared {
    pub(crate) query: Statements,
    outcomes: Vec<std::result::Result<i64, StoreError>>,
    aside: Vec<Option<StoreError>>,
    pub(crate) overlay: Overlay,
}

/// Reads what a batch needs (putting `overlay`, the batch in flight, over it) and
/// makes its statement. Only for a batch that `one_statement` takes. `None`: the batch
/// needs the sale-by-sale path.
pub(crate) async fn prepare(
    store: &Store,
    batch: &[(OrgId, &NewSale)],
    overlay: Option<&Overlay>,
) -> Result<Option<Prepared>> {
    let mut aside: Vec<Option<StoreError>> = (0..batch.len()).map(|_| None).collect();
    for _ in 0..SET_ASIDE_ROUNDS_MAX {
        let mut db = Db::Conn(store.pool.acquire().await?);
        match write_round(&mut db, store, batch, &aside, overlay).await {
            Ok(Round::Ready(r)) => {
                return Ok(Some(Prepared {
                    query: r.query,
                    outcomes: r.outcomes,
                    aside,
                    overlay: r.overlay,
                }));
            }
            Ok(Round::SetAside(i, e)) => aside[i] = Some(e),
            Ok(Round::Fallback | Round::Written(_)) => break,
            Err(e) => {
                tracing::debug!(error = %e, "a sale batch failed; writing sale by sale");
                break;
            }
        }
    }
    Ok(None)
}

/// Sends a prepared batch on a connection of its own; `after` tells when the batch in
/// flight before it is done. `false`: it wrote nothing, and the batch must be written
/// again (stock, a balance or a key changed under it, the batch before it failed, or the
/// database refused it). An error: the connection failed and whether the batch was
/// committed is unknown, so it must not be written again.
pub(crate) async fn send(
    store: Store,
    query: Statements,
    after: Option<tokio::sync::watch::Receiver<Option<bool>>>,
) -> Result<bool> {
    let written = match query {
        Statements::One(None) => return Ok(true),
        Statements::One(Some(q)) => {
            let mut conn = store.pool.acquire().await?;
            crate::writes::run(&mut conn, q).await
        }
        Statements::AfterFlight(rows, cas) => {
            let mut tx = store.pool.begin().await?;
            let mut written = match rows {
                Some(q) => crate::writes::run(&mut tx, q).await,
                None => Ok(true),
            };
            if let Some(mut after) = after {
                // Its outcome shows in the rows the updates find.
                let _ = after.wait_for(Option::is_some).await;
            }
            if let (Ok(true), Some(q)) = (&written, cas) {
                written = crate::writes::run(&mut tx, q).await;
            }
            if let Ok(true) = written {
                tx.commit().await?;
            }
            written
        }
    };
    match written {
        Ok(true) => Ok(true),
        Ok(false) => {
            tracing::debug!("stock, a balance or a key changed under the batch; writing it again");
            Ok(false)
        }
        // PostgreSQL refused a statement: it wrote nothing, so the batch can go again.
        Err(StoreError::Db(sqlx::Error::Database(e))) => {
            tracing::debug!(error = %e, "a sale batch's statement failed; writing it again");
            Ok(false)
        }
        // The connection failed: whether it committed is unknown.
        Err(e) => Err(e),
    }
}

impl Prepared {
    /// What each sale of the sent batch came to.
    pub(crate) async fn finish(self, store: &Store, batch: &[(OrgId, &NewSale)]) -> Result<Vec<Result<Recorded>>> {
        let refused_with_key = self
            .outcomes
            .iter()
            .zip(&self.aside)
            .zip(batch)
            .any(|((o, a), (_, sale))| (o.is_err() || a.is_some()) && sale.details.key.is_some());
        if refused_with_key {
            let mut conn = store.pool.acquire().await?;
            answers(&mut conn, batch, self.outcomes, self.aside).await
        } else {
            Ok(self
                .outcomes
                .into_iter()
                .zip(self.aside)
                .map(|(o, a)| match (a, o) {
                    (Some(e), _) | (None, Err(e)) => Err(e),
                    (None, Ok(id)) => Ok(Recorded::New(OrderId(id))),
                })
                .collect())
        }
    }
}

/// Each sale's answer: its order, or why it was refused; a refused sale whose key was
/// used meanwhile answers as the key says.
async fn answers(
    conn: &mut sqlx::AnyConnection,
    batch: &[(OrgId, &NewSale)],
    outcomes: Vec<std::result::Result<i64, StoreError>>,
    aside: Vec<Option<StoreError>>,
) -> Result<Vec<Result<Recorded>>> {
    let mut results = Vec::with_capacity(batch.len());
    for ((outcome, aside), (org, sale)) in outcomes.into_iter().zip(aside).zip(batch) {
        let refusal = match (aside, outcome) {
            (Some(e), _) | (None, Err(e)) => e,
            (None, Ok(id)) => {
                results.push(Ok(Recorded::New(OrderId(id))));
                continue;
            }
        };
        if let Some(key) = &sale.details.key
            && let Some(answer) = key_refusal(key_state(conn, *org, key).await?)
        {
            results.push(answer);
        } else {
            results.push(Err(refusal));
        }
    }
    Ok(results)
}

/// Where a round writes: a transaction, or (PostgreSQL, one statement) a connection.
enum Db {
    Tx(Tx),
    Conn(PoolConnection<Any>),
}

impl Db {
    fn conn(&mut self) -> &mut sqlx::AnyConnection {
        match self {
            Db::Tx(tx) => tx,
            Db::Conn(conn) => conn,
        }
    }

    fn tx(&mut self) -> Option<&mut Tx> {
        match self {
            Db::Tx(tx) => Some(tx),
            Db::Conn(_) => None,
        }
    }

    /// Commits the transaction; a single statement committed itself.
    async fn commit(self) -> Result<()> {
        if let Db::Tx(tx) = self {
            tx.commit().await?;
        }
        Ok(())
    }

    async fn rollback(self) -> Result<()> {
        if let Db::Tx(tx) = self {
            tx.rollback().await?;
        }
        Ok(())
    }
}

fn is_refusal(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Stock(_) | StoreError::NotFound | StoreError::Refused { .. } | StoreError::State(_)
    )
}

async fn write_round(
    db: &mut Db,
    store: &Store,
    batch: &[(OrgId, &NewSale)],
    aside: &[Option<StoreError>],
    overlay: Option<&Overlay>,
) -> Result<Round> {
    let mut outcomes: Vec<std::result::Result<i64, StoreError>> = (0..batch.len()).map(|_| Ok(0)).collect();
    let live = |i: usize| aside[i].is_none();
    // Every (org, location) of the batch with the products its sales want.
    let mut places: BTreeMap<(i64, i64), BTreeSet<ProductId>> = BTreeMap::new();
    for (i, (org, sale)) in batch.iter().enumerate() {
        if live(i) {
            places
                .entry((org.0, sale.location.0))
                .or_default()
                .extend(sale.lines.iter().map(|l| l.product));
        }
    }
    let mut lots: BTreeMap<(i64, i64), Vec<BatchLot>> = BTreeMap::new();
    for ((org, location), products) in &places {
        let products: Vec<ProductId> = products.iter().copied().collect();
        if let Some(mut found) = read_lots(db.conn(), OrgId(*org), LocationId(*location), &products).await? {
            if let Some(overlay) = overlay {
                for l in &mut found {
                    if let Some(&(on_hand, free)) = overlay.lots.get(&(*location, l.lot.id.0)) {
                        (l.on_hand, l.free, l.read_on_hand) = (on_hand, free, on_hand);
                    }
                }
            }
            lots.insert((*org, *location), found);
        }
    }
    // Allocate sale by sale in arrival order, exactly as one sale at a time would.
    let mut placed: Vec<(usize, Allocation)> = Vec::new();
    for (i, (org, sale)) in batch.iter().enumerate() {
        if !live(i) {
            continue;
        }
        let Some(at_place) = lots.get_mut(&(org.0, sale.location.0)) else {
            outcomes[i] = Err(StoreError::NotFound);
            continue;
        };
        match allocate(at_place, sale) {
            Ok(allocation) => placed.push((i, allocation)),
            Err(e) => outcomes[i] = Err(e),
        }
    }
    let index: Vec<usize> = placed.iter().map(|(i, _)| *i).collect();
    let mut placed: Vec<PlacedSale> = placed
        .into_iter()
        .map(|(i, (taken, short))| PlacedSale {
            org: batch[i].0,
            id: 0,
            sale: batch[i].1,
            taken,
            short,
        })
        .collect();
    if let Err(e) = order_ids(db, store, &mut placed).await {
        tracing::debug!(error = %e, "batch orders refused; writing sale by sale");
        return Ok(Round::Fallback);
    }
    for (p, &i) in placed.iter().zip(&index) {
        outcomes[i] = Ok(p.id);
    }
    // Earned points and stored value spent from the members' cached balances, all at
    // once; redemptions, coupons and flash sales sale by sale below, in arrival order.
    // A member with a sale of the second kind in the batch has all of theirs written
    // sale by sale, so that their sales meet their balance in the order they came.
    let slow_members: HashSet<i64> = placed
        .iter()
        .filter(|p| p.sale.has_money_side() && !member_effects_only(p.sale))
        .filter_map(|p| p.sale.member.map(|m| m.0))
        .collect();
    let quick_sale =
        |p: &PlacedSale| member_effects_only(p.sale) && p.sale.member.is_some_and(|m| !slow_members.contains(&m.0));
    let slow: Vec<(usize, &PlacedSale)> = placed
        .iter()
        .zip(&index)
        .filter(|(p, _)| p.sale.has_money_side() && !quick_sale(p))
        .map(|(p, &i)| (i, p))
        .collect();
    let mut w = Writes::on(db.conn());
    if store.backend() == Backend::Postgres {
        push_orders_with_ids(&mut w, &placed);
        if !slow.is_empty() {
            // The money side below names the orders: they go in first.
            let first = std::mem::replace(&mut w, Writes::on(db.conn()));
            if let Err(e) = first.execute(db.conn()).await {
                tracing::debug!(error = %e, "batch orders refused; writing sale by sale");
                return Ok(Round::Fallback);
            }
        }
    }
    let quick: Vec<(usize, &PlacedSale)> = placed
        .iter()
        .zip(&index)
        .filter(|(p, _)| quick_sale(p))
        .map(|(p, &i)| (i, p))
        .collect();
    let balances = match member_effects(db.conn(), &mut w, &quick, overlay).await {
        Ok(Members::Written(balances)) => balances,
        Ok(Members::Refused(i, e)) => return Ok(Round::SetAside(i, e)),
        Err(e) => {
            tracing::debug!(error = %e, "batch member effects failed; writing sale by sale");
            return Ok(Round::Fallback);
        }
    };
    for (i, p) in slow {
        let Some(tx) = db.tx() else {
            return Ok(Round::Fallback);
        };
        match apply_money_side(tx, p.org, OrderId(p.id), p.sale).await {
            Ok(()) => {}
            Err(e) if is_refusal(&e) => return Ok(Round::SetAside(i, e)),
            Err(e) => {
                tracing::debug!(error = %e, "a batch sale's money side failed; writing sale by sale");
                return Ok(Round::Fallback);
            }
        }
    }
    push_sale_rows(&mut w, &placed);
    // Every key must still be free: one used by a sale committed since it was checked
    // sends the batch to the sale-by-sale path, which answers that sale as a replay.
    let keys = placed
        .iter()
        .filter_map(|p| p.sale.details.key.as_ref().map(|k| (p, k)))
        .map(|(p, k)| {
            vec![
                p.org.0.into(),
                k.principal.clone().into(),
                k.key.clone().into(),
                k.request_hash.clone().into(),
                201_i64.into(),
                p.sale.at.into(),
                p.id.into(),
            ]
        })
        .collect();
    w.insert(
        "idempotency_keys",
        &[
            "org_id",
            "principal",
            "idem_key",
            "request_hash",
            "status_code",
            "created_at",
            "order_id",
        ],
        " ON CONFLICT (org_id, principal, idem_key) DO NOTHING",
        keys,
        true,
    );
    // The compare-and-set updates come last. After a batch in flight (PostgreSQL)
    // they are a statement of their own, sent once that batch has committed: a
    // statement sees the rows as they were when it started.
    let mut cas = Writes::on(db.conn());
    update_balances(&mut cas, &balances);
    for ((org, location), at_place) in &lots {
        take_stock(&mut cas, *org, *location, at_place);
    }
    if matches!(db, Db::Conn(_)) {
        let query = if overlay.is_some() && !cas.is_empty() {
            if !w.fit_one_statement() || !cas.fit_one_statement() {
                return Ok(Round::Fallback);
            }
            Statements::AfterFlight(w.into_query(), cas.into_query())
        } else {
            w.extend(cas);
            if !w.fit_one_statement() {
                return Ok(Round::Fallback);
            }
            Statements::One(w.into_query())
        };
        let mut overlay = Overlay::default();
        for ((_, location), at_place) in &lots {
            for l in at_place.iter().filter(|l| l.taken > 0) {
                overlay.lots.insert((*location, l.lot.id.0), (l.on_hand, l.free));
            }
        }
        for (m, b) in balances {
            overlay.balances.insert(
                m,
                Balance {
                    version: b.version + 1,
                    ..b
                },
            );
        }
        return Ok(Round::Ready(Ready {
            query,
            outcomes,
            overlay,
        }));
    }
    w.extend(cas);
    match w.execute(db.conn()).await {
        Ok(true) => Ok(Round::Written(outcomes)),
        Ok(false) => {
            tracing::debug!("stock, a balance or a key changed under the batch; writing sale by sale");
            Ok(Round::Fallback)
        }
        Err(e) => {
            tracing::debug!(error = %e, "batch rows refused; writing sale by sale");
            Ok(Round::Fallback)
        }
    }
}

/// Whether a sale's money side is an award and a stored-value spend only, which the
/// batch writes from the members' cached balances without reading their ledgers.
fn member_effects_only(sale: &NewSale) -> bool {
    let d = &sale.details;
    d.coupon_issues.is_empty()
        && d.flash_takes.is_empty()
        && sale.member.is_some()
        && d.member_effects.as_ref().is_some_and(|e| {
            Some(e.member) == sale.member
                && e.redeem_points == 0
                && (0..=POINTS_ENTRY_MAX).contains(&e.earn_points)
                && e.stored_value_fen >= 0
        })
}

/// What writing the batch's member effects came to.
enum Members {
    /// The balance rows of the batch's members as the writes leave them (their
    /// versions as read, for the compare-and-set).
    Written(BTreeMap<i64, Balance>),
    /// Sale `.0` of the batch was refused (stored value short, an unknown member).
    Refused(usize, StoreError),
}

/// A member's cached balance row as the batch moves it on.
#[derive(Clone)]
struct Balance {
    org: i64,
    points: i64,
    principal_fen: i64,
    bonus_fen: i64,
    points_next_no: i64,
    stored_value_next_no: i64,
    next_expiry_at: Option<i64>,
    version: i64,
}

/// Adds to `w` the awards and stored-value spends of `sales` (batch index, sale) as
/// the sale-by-sale path would write them (`loyalty::apply_sale_effects_in`), each
/// member's in batch order: one read of the balance rows here, then one insert per
/// ledger and one compare-and-set update of every balance row, which fails the writes
/// if a balance changed since it was read.
async fn member_effects(
    conn: &mut sqlx::AnyConnection,
    w: &mut Writes,
    sales: &[(usize, &PlacedSale<'_>)],
    overlay: Option<&Overlay>,
) -> Result<Members> {
    if sales.is_empty() {
        return Ok(Members::Written(BTreeMap::new()));
    }
    let effects = |p: &PlacedSale<'_>| p.sale.details.member_effects.expect("member_effects_only");
    let members: BTreeSet<i64> = sales.iter().map(|(_, p)| effects(p).member.0).collect();
    let mut balances = read_balances(conn, &members).await?;
    if balances.len() < members.len() {
        // A member's first effect: the row starts at zero, as `lock_member` makes it.
        let missing: Vec<i64> = members.iter().copied().filter(|m| !balances.contains_key(m)).collect();
        let list: Vec<String> = (1..=missing.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO member_balances (member_id, org_id) SELECT id, org_id FROM members WHERE id IN ({}) \
             ON CONFLICT (member_id) DO NOTHING",
            list.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(positional(conn, sql)));
        for m in &missing {
            q = q.bind(*m);
        }
        q.execute(&mut *conn).await?;
        balances = read_balances(conn, &members).await?;
    }
    if let Some(overlay) = overlay {
        for m in &members {
            if let Some(b) = overlay.balances.get(m) {
                balances.insert(*m, b.clone());
            }
        }
    }
    let (mut points_rows, mut value_rows): (Vec<Vec<Val>>, Vec<Vec<Val>>) = (Vec::new(), Vec::new());
    for (i, p) in sales {
        let e = effects(p);
        let Some(b) = balances.get_mut(&e.member.0).filter(|b| b.org == p.org.0) else {
            return Ok(Members::Refused(*i, StoreError::NotFound));
        };
        if e.earn_points > 0 {
            b.points += e.earn_points;
            b.next_expiry_at = Some(b.next_expiry_at.map_or(e.earn_expires_at, |x| x.min(e.earn_expires_at)));
            points_rows.push(vec![
                p.org.0.into(),
                e.member.0.into(),
                b.points_next_no.into(),
                "earn".into(),
                e.earn_points.into(),
                b.points.into(),
                p.id.into(),
                e.earn_expires_at.into(),
                p.sale.at.into(),
            ]);
            b.points_next_no += 1;
        }
        if e.stored_value_fen > 0 {
            let entries = usize::try_from(b.stored_value_next_no).unwrap_or(usize::MAX);
            let entry = match StoredValueBook::spend_from_balance(
                b.principal_fen,
                b.bonus_fen,
                entries,
                OrderId(p.id),
                e.stored_value_fen,
                p.sale.at,
            ) {
                Ok(entry) => entry,
                Err(err) => return Ok(Members::Refused(*i, stored_value_refused(err, "payments"))),
            };
            b.principal_fen += entry.principal_fen;
            b.bonus_fen += entry.bonus_fen;
            value_rows.push(vec![
                p.org.0.into(),
                e.member.0.into(),
                b.stored_value_next_no.into(),
                "spend".into(),
                entry.principal_fen.into(),
                entry.bonus_fen.into(),
                b.principal_fen.into(),
                b.bonus_fen.into(),
                p.id.into(),
                "".into(),
                "".into(),
                p.sale.at.into(),
            ]);
            b.stored_value_next_no += 1;
        }
    }
    w.insert(
        "member_points",
        &[
            "org_id",
            "member_id",
            "entry_no",
            "kind",
            "points",
            "balance_after",
            "order_id",
            "expires_at",
            "at",
        ],
        "",
        points_rows,
        false,
    );
    w.insert(
        "member_stored_value",
        &[
            "org_id",
            "member_id",
            "entry_no",
            "kind",
            "principal_fen",
            "bonus_fen",
            "principal_after",
            "bonus_after",
            "order_id",
            "tender",
            "reason",
            "at",
        ],
        "",
        value_rows,
        false,
    );
    balances.retain(|m, _| members.contains(m));
    Ok(Members::Written(balances))
}

/// The compare-and-set update of the members' balance rows: each only if its version
/// is still the one read.
fn update_balances(w: &mut Writes, balances: &BTreeMap<i64, Balance>) {
    if balances.is_empty() {
        return;
    }
    if w.postgres() {
        // One statement text for any number of members (`Writes::insert` says why).
        let rows: Vec<Vec<Val>> = balances
            .iter()
            .map(|(m, b)| {
                vec![
                    (*m).into(),
                    b.points.into(),
                    b.principal_fen.into(),
                    b.bonus_fen.into(),
                    b.points_next_no.into(),
                    b.stored_value_next_no.into(),
                    b.next_expiry_at.into(),
                    b.version.into(),
                ]
            })
            .collect();
        let n = rows.len();
        let json = rows_json(
            &[
                "member_id",
                "points",
                "principal_fen",
                "bonus_fen",
                "points_next_no",
                "stored_value_next_no",
                "next_expiry_at",
                "version",
            ],
            &rows,
        );
        w.push(
            "UPDATE member_balances m SET points = v.points, principal_fen = v.principal_fen, \
             bonus_fen = v.bonus_fen, points_next_no = v.points_next_no, \
             stored_value_next_no = v.stored_value_next_no, next_expiry_at = v.next_expiry_at, \
             version = m.version + 1 \
             FROM json_to_recordset(CAST($1 AS json)) AS v(member_id BIGINT, points BIGINT, principal_fen BIGINT, \
             bonus_fen BIGINT, points_next_no BIGINT, stored_value_next_no BIGINT, next_expiry_at BIGINT, version BIGINT) \
             WHERE m.member_id = v.member_id AND m.version = v.version"
                .to_string(),
            1,
            Some(n as u64),
            move |q| q.bind(json),
        );
        return;
    }
    let rows: Vec<(&i64, &Balance)> = balances.iter().collect();
    for chunk in rows.chunks(BALANCES_PER_UPDATE_MAX) {
        let mut u = CaseUpdate::default();
        let column = |b: &Balance, c: usize| match c {
            0 => Some(b.points),
            1 => Some(b.principal_fen),
            2 => Some(b.bonus_fen),
            3 => Some(b.points_next_no),
            4 => Some(b.stored_value_next_no),
            _ => b.next_expiry_at,
        };
        let mut sql = String::from("UPDATE member_balances SET ");
        for (c, name) in [
            "points",
            "principal_fen",
            "bonus_fen",
            "points_next_no",
            "stored_value_next_no",
            "next_expiry_at",
        ]
        .iter()
        .enumerate()
        {
            sql.push_str(&format!(
                "{name} = {}, ",
                u.case("member_id", chunk.iter().map(|(m, b)| (**m, column(b, c))))
            ));
        }
        sql.push_str(&format!(
            "version = version + 1 WHERE member_id IN ({}) AND version = {}",
            u.list(chunk.iter().map(|(m, _)| **m)),
            u.case("member_id", chunk.iter().map(|(m, b)| (**m, Some(b.version))))
        ));
        u.push(w, sql, chunk.len());
    }
}

/// An UPDATE whose parameters are numbered in the order they appear and each used
/// once, so that SQLite gets them as plain `?` (`orders::positional`).
#[derive(Default)]
struct CaseUpdate {
    binds: Vec<Option<i64>>,
}

impl CaseUpdate {
    fn param(&mut self, value: Option<i64>) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    /// `CASE key WHEN $a THEN $b … END`.
    fn case(&mut self, key: &str, arms: impl Iterator<Item = (i64, Option<i64>)>) -> String {
        let mut out = format!("CASE {key}");
        for (k, v) in arms {
            let (k, v) = (self.param(Some(k)), self.param(v));
            out.push_str(&format!(" WHEN {k} THEN {v}"));
        }
        out.push_str(" END");
        out
    }

    fn list(&mut self, items: impl Iterator<Item = i64>) -> String {
        items.map(|i| self.param(Some(i))).collect::<Vec<_>>().join(", ")
    }

    /// Adds the update to `w`, which it fails unless it updates `rows` rows.
    fn push(self, w: &mut Writes, sql: String, rows: usize) {
        let binds = self.binds;
        w.push(sql, binds.len(), Some(rows as u64), move |mut q| {
            for b in binds {
                q = q.bind(b);
            }
            q
        });
    }
}

/// Balance rows per compare-and-set statement (eight parameters each).
const BALANCES_PER_UPDATE_MAX: usize = 1_000;

async fn read_balances(conn: &mut sqlx::AnyConnection, members: &BTreeSet<i64>) -> Result<BTreeMap<i64, Balance>> {
    let n = crate::db::in_list_len(members.len());
    let list: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT member_id, org_id, points, principal_fen, bonus_fen, points_next_no, stored_value_next_no, \
         next_expiry_at, version FROM member_balances WHERE member_id IN ({})",
        list.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(positional(conn, sql)));
    // Padded with the last member (`in_list_len`).
    let last = members.last().copied().unwrap_or(0);
    for m in members.iter().copied().chain(std::iter::repeat(last)).take(n) {
        q = q.bind(m);
    }
    Ok(q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            (
                r.get("member_id"),
                Balance {
                    org: r.get("org_id"),
                    points: r.get("points"),
                    principal_fen: r.get("principal_fen"),
                    bonus_fen: r.get("bonus_fen"),
                    points_next_no: r.get("points_next_no"),
                    stored_value_next_no: r.get("stored_value_next_no"),
                    next_expiry_at: opt_i64(r, "next_expiry_at"),
                    version: r.get("version"),
                },
            )
        })
        .collect())
}

/// Gives each placed sale its order id, so that the lines, movements and payments of
/// the whole batch can name them. PostgreSQL: ids drawn ahead from the table's sequence
/// (`Store::order_ids`); the orders go in with the batch's other writes. SQLite: the
/// orders are inserted here. The writer holds the write lock from `BEGIN IMMEDIATE`, so
/// the rows of one multi-row insert take the next ids in the order they are listed;
/// `RETURNING` gives them back (in no promised order, hence sorted), and anything but a
/// run of consecutive ids is refused.
async fn order_ids(db: &mut Db, store: &Store, placed: &mut [PlacedSale<'_>]) -> Result<()> {
    if placed.is_empty() {
        return Ok(());
    }
    match store.backend() {
        Backend::Postgres => {
            let ids = draw_order_ids(db.conn(), store, placed.len()).await?;
            for (p, id) in placed.iter_mut().zip(ids) {
                p.id = id;
            }
            Ok(())
        }
        Backend::Sqlite => {
            let conn = db.conn();
            for chunk in placed.chunks_mut(ORDERS_PER_INSERT_MAX) {
                let sql = format!(
                    "INSERT INTO orders ({ORDER_COLUMNS}) VALUES {} RETURNING id",
                    order_values(chunk.len(), 0)
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(positional(conn, sql)));
                for p in chunk.iter() {
                    q = p.bind_order(q);
                }
                let mut ids: Vec<i64> = q.fetch_all(&mut *conn).await?.iter().map(|r| r.get("id")).collect();
                ids.sort_unstable();
                let consecutive = ids.windows(2).all(|w| w[1] == w[0] + 1);
                if ids.len() != chunk.len() || !consecutive {
                    return Err(StoreError::State("order ids were not handed out in order"));
                }
                for (p, id) in chunk.iter_mut().zip(ids) {
                    p.id = id;
                }
            }
            Ok(())
        }
    }
}

/// Order ids drawn from PostgreSQL's sequence at a time: one query every few batches.
/// An id drawn and never used leaves a gap, as a rolled-back insert does.
const ORDER_IDS_AHEAD: usize = 256;

/// `n` order ids from the ones drawn ahead, drawing more when they run short.
async fn draw_order_ids(conn: &mut sqlx::AnyConnection, store: &Store, n: usize) -> Result<Vec<i64>> {
    let take = |ids: &mut std::collections::VecDeque<i64>| -> Option<Vec<i64>> {
        (ids.len() >= n).then(|| ids.drain(..n).collect())
    };
    if let Some(ids) = take(&mut store.order_ids.lock().expect("order ids lock")) {
        return Ok(ids);
    }
    let drawn: Vec<i64> = sqlx::query(
        "SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id FROM generate_series(1, $1) ORDER BY 1",
    )
    .bind(n.max(ORDER_IDS_AHEAD) as i64)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| r.get::<i64, _>("id"))
    .collect();
    let mut ids = store.order_ids.lock().expect("order ids lock");
    ids.extend(drawn);
    Ok(take(&mut ids).expect("at least n were drawn"))
}

/// Orders per multi-row insert (18 parameters each).
const ORDERS_PER_INSERT_MAX: usize = 1_000;

/// Takes what the batch allocated from every lot of one location in one statement,
/// each lot only if it still holds what was read (compare-and-set) and the units stay
/// free of reservations. A lot changed meanwhile fails the writes.
fn take_stock(w: &mut Writes, org: i64, location: i64, lots: &[BatchLot]) {
    let touched: Vec<&BatchLot> = lots.iter().filter(|l| l.taken > 0).collect();
    if touched.is_empty() {
        return;
    }
    if w.postgres() {
        let rows: Vec<Vec<Val>> = touched
            .iter()
            .map(|l| vec![l.lot.id.0.into(), l.taken.into(), l.read_on_hand.into()])
            .collect();
        let json = rows_json(&["lot_id", "taken", "read_on_hand"], &rows);
        w.push(
            "UPDATE stock_balances b SET qty_on_hand = b.qty_on_hand - v.taken \
             FROM json_to_recordset(CAST($1 AS json)) AS v(lot_id BIGINT, taken BIGINT, read_on_hand BIGINT) \
             WHERE b.org_id = $2 AND b.location_id = $3 AND b.lot_id = v.lot_id AND b.qty_on_hand = v.read_on_hand \
             AND b.qty_on_hand - b.qty_reserved >= v.taken"
                .to_string(),
            3,
            Some(touched.len() as u64),
            move |q| q.bind(json).bind(org).bind(location),
        );
        return;
    }
    for chunk in touched.chunks(LOTS_PER_UPDATE_MAX) {
        let mut u = CaseUpdate::default();
        let take = |u: &mut CaseUpdate| u.case("lot_id", chunk.iter().map(|l| (l.lot.id.0, Some(l.taken))));
        let sql = format!(
            "UPDATE stock_balances SET qty_on_hand = qty_on_hand - {} WHERE org_id = {} AND location_id = {} \
             AND lot_id IN ({}) AND qty_on_hand = {} AND qty_on_hand - qty_reserved >= {}",
            take(&mut u),
            u.param(Some(org)),
            u.param(Some(location)),
            u.list(chunk.iter().map(|l| l.lot.id.0)),
            u.case("lot_id", chunk.iter().map(|l| (l.lot.id.0, Some(l.read_on_hand)))),
            take(&mut u),
        );
        u.push(w, sql, chunk.len());
    }
}
