//! Writes that go to the database together.
//!
//! A sale batch writes a handful of multi-row statements: orders, lines, movements,
//! payments, the members' ledgers, compare-and-set updates of lots and balances, the
//! keys. On SQLite each is a call into the database thread of the same process and
//! costs next to nothing beyond its work. On PostgreSQL each is a round trip to another
//! process, and with 32 tills on two cores a round trip waits its turn for a core:
//! about 1 ms, a dozen of them per batch. So on PostgreSQL the writes go as one
//! statement, each a data-modifying `WITH` query, and the statement checks what each
//! write must come to (every lot still holding what was read, every key still free)
//! and fails, undoing all of it, when one does not. Outside an explicit transaction
//! that one statement is also the whole transaction: its commit is its own.
//!
//! The sub-statements of one PostgreSQL statement see the same snapshot and not one
//! another's rows; foreign keys are checked at its end, when every row is in. No two
//! writes here touch the same row.

use crate::error::Result;
use crate::orders::{AnyQuery, positional, values_placeholders};
use std::sync::Arc;

/// Parameters in one statement: under SQLite's 32,766 and PostgreSQL's 65,535.
pub(crate) const PARAMS_PER_STATEMENT_MAX: usize = 30_000;

/// Parameters of all the writes together that PostgreSQL still takes as one statement.
const STATEMENT_PARAMS_MAX: usize = 60_000;

/// SQLSTATE of the division by zero a PostgreSQL statement makes when a write did not
/// come to what it had to.
const UNMET: &str = "22012";

type Binder<'a> = Box<dyn FnOnce(AnyQuery) -> AnyQuery + Send + 'a>;

struct Part<'a> {
    /// One statement, its parameters written `$1, $2, …` in order, each once.
    sql: String,
    params: usize,
    bind: Binder<'a>,
    /// The rows it must affect; `None`: any number.
    expect: Option<u64>,
}

/// Statements to run in order, each with what it must come to.
#[derive(Default)]
pub(crate) struct Writes<'a> {
    parts: Vec<Part<'a>>,
}

impl<'a> Writes<'a> {
    /// Adds a statement with `params` parameters, bound by `bind`.
    pub(crate) fn push(
        &mut self,
        sql: String,
        params: usize,
        expect: Option<u64>,
        bind: impl FnOnce(AnyQuery) -> AnyQuery + Send + 'a,
    ) {
        self.parts.push(Part {
            sql,
            params,
            bind: Box::new(bind),
            expect,
        });
    }

    /// `head VALUES (…), (…) tail` for `rows`, in as many statements as the parameter
    /// limit needs. `all`: every row must be written (an `ON CONFLICT DO NOTHING` that
    /// skips one fails the writes).
    pub(crate) fn insert_many<T: Send + Sync + 'a>(
        &mut self,
        head: &str,
        tail: &str,
        cols: usize,
        rows: Vec<T>,
        all: bool,
        bind: impl Fn(AnyQuery, &T) -> AnyQuery + Send + Sync + 'a,
    ) {
        let bind = Arc::new(bind);
        let per = (PARAMS_PER_STATEMENT_MAX / cols).max(1);
        let mut rows = rows;
        while !rows.is_empty() {
            let rest = rows.split_off(per.min(rows.len()));
            let chunk = std::mem::replace(&mut rows, rest);
            let sql = format!("{head} VALUES {}{tail}", values_placeholders(chunk.len(), cols));
            let bind = Arc::clone(&bind);
            let n = chunk.len();
            self.push(sql, n * cols, all.then_some(n as u64), move |mut q| {
                for row in &chunk {
                    q = bind(q, row);
                }
                q
            });
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Adds `later`'s writes after these.
    pub(crate) fn extend(&mut self, later: Writes<'a>) {
        self.parts.extend(later.parts);
    }

    /// Whether PostgreSQL gets them as one statement (and so as one transaction).
    pub(crate) fn fit_one_statement(&self) -> bool {
        self.parts.iter().map(|p| p.params).sum::<usize>() <= STATEMENT_PARAMS_MAX
    }

    /// Runs the writes. `false`: one did not come to what it had to, and on PostgreSQL
    /// nothing of them was written (inside a transaction, the transaction is then
    /// aborted and must be rolled back); on SQLite the writes stop at that one, and the
    /// caller rolls its transaction back.
    pub(crate) async fn execute(self, conn: &mut sqlx::AnyConnection) -> Result<bool> {
        if self.parts.is_empty() {
            return Ok(true);
        }
        if conn.backend_name() == "SQLite" || !self.fit_one_statement() {
            // SQLite, or too many parameters for one PostgreSQL statement (a bulk load,
            // inside its transaction): one statement at a time, in order.
            for part in self.parts {
                let q = (part.bind)(sqlx::query(sqlx::AssertSqlSafe(positional(conn, part.sql))));
                let affected = q.execute(&mut *conn).await?.rows_affected();
                if part.expect.is_some_and(|n| n != affected) {
                    return Ok(false);
                }
            }
            return Ok(true);
        }
        match self.into_query() {
            Some(q) => run(conn, q).await,
            None => Ok(true),
        }
    }

    /// The writes as one PostgreSQL statement, bound and ready to send (`run`).
    pub(crate) fn into_query(self) -> Option<AnyQuery> {
        if self.parts.is_empty() {
            return None;
        }
        let (sql, binders) = combine(self.parts);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for bind in binders {
            q = bind(q);
        }
        Some(q)
    }
}

/// Sends a statement of `Writes::into_query`. `false`: a write did not come to what it
/// had to, and nothing was written.
pub(crate) async fn run(conn: &mut sqlx::AnyConnection, q: AnyQuery) -> Result<bool> {
    match q.execute(&mut *conn).await {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(UNMET) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// One PostgreSQL statement for `parts`: `WITH w0 AS (…), w1 AS (…) SELECT …`, whose
/// final select divides by zero unless every write affected the rows it had to. The
/// divisor is not a constant, so the planner cannot fold the division in advance. The
/// final select reads the writes in order, and so runs them in order: a later write
/// that waits for a row lock (a compare-and-set) waits after the earlier ones are done.
fn combine(parts: Vec<Part<'_>>) -> (String, Vec<Binder<'_>>) {
    let mut sql = String::from("WITH ");
    let mut checks = Vec::new();
    let mut offset = 0;
    let mut binders = Vec::with_capacity(parts.len());
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("w{i} AS ("));
        sql.push_str(&renumber(&part.sql, offset));
        sql.push_str(" RETURNING 1)");
        checks.push(match part.expect {
            Some(n) => format!("(SELECT count(*) FROM w{i}) = {n}"),
            None => format!("(SELECT count(*) FROM w{i}) >= 0"),
        });
        offset += part.params;
        binders.push(part.bind);
    }
    sql.push_str(&format!(
        " SELECT 1 / (CASE WHEN {} THEN 1 ELSE 0 END)",
        checks.join(" AND ")
    ));
    (sql, binders)
}

/// `sql` with every `$N` moved on by `offset`.
fn renumber(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut n = 0_usize;
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                n = n * 10 + d as usize;
                chars.next();
            }
            out.push_str(&(n + offset).to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renumber_moves_every_parameter_on() {
        assert_eq!(renumber("a = $1 AND b IN ($2, $10)", 5), "a = $6 AND b IN ($7, $15)");
        assert_eq!(renumber("x = $1", 0), "x = $1");
        assert_eq!(renumber("price $ 5 and $", 3), "price $ 5 and $");
    }

    #[test]
    fn one_statement_checks_what_each_write_must_come_to() {
        let mut w = Writes::default();
        w.push("INSERT INTO t (a) VALUES ($1)".into(), 1, None, |q| q);
        w.push("UPDATE u SET b = $1 WHERE c = $2".into(), 2, Some(3), |q| q);
        let (sql, binders) = combine(w.parts);
        assert_eq!(binders.len(), 2);
        assert_eq!(
            sql,
            "WITH w0 AS (INSERT INTO t (a) VALUES ($1) RETURNING 1), \
             w1 AS (UPDATE u SET b = $2 WHERE c = $3 RETURNING 1) \
             SELECT 1 / (CASE WHEN (SELECT count(*) FROM w0) >= 0 AND (SELECT count(*) FROM w1) = 3 THEN 1 ELSE 0 END)"
        );
    }
}
