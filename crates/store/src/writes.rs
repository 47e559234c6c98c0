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

/// Parameters in one statement: under SQLite's 32,766 and PostgreSQL's 65,535.
pub(crate) const PARAMS_PER_STATEMENT_MAX: usize = 30_000;

/// Parameters of all the writes together that PostgreSQL still takes as one statement.
const STATEMENT_PARAMS_MAX: usize = 60_000;

/// SQLSTATE of the division by zero a PostgreSQL statement makes when a write did not
/// come to what it had to.
const UNMET: &str = "22012";

type Binder = Box<dyn FnOnce(AnyQuery) -> AnyQuery + Send>;

struct Part {
    /// One statement, its parameters written `$1, $2, …` in order, each once.
    sql: String,
    params: usize,
    bind: Binder,
    /// The rows it must affect; `None`: any number.
    expect: Option<u64>,
}

/// Statements to run in order, each with what it must come to.
pub(crate) struct Writes {
    parts: Vec<Part>,
    postgres: bool,
}

/// One column value of a row to write.
pub(crate) enum Val {
    Int(i64),
    Text(String),
    /// PostgreSQL checks a parameter's type even when it is NULL.
    NullInt,
    NullText,
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}

impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        v.map_or(Val::NullInt, Val::Int)
    }
}

impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_string())
    }
}

impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}

impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        v.map_or(Val::NullText, Val::Text)
    }
}

impl From<Option<&str>> for Val {
    fn from(v: Option<&str>) -> Val {
        v.map_or(Val::NullText, Val::from)
    }
}

impl Val {
    pub(crate) fn bind(self, q: AnyQuery) -> AnyQuery {
        match self {
            Val::Int(v) => q.bind(v),
            Val::Text(v) => q.bind(v),
            Val::NullInt => q.bind(None::<i64>),
            Val::NullText => q.bind(None::<String>),
        }
    }
}

/// `[{"col": value, …}, …]`.
pub(crate) fn rows_json(columns: &[&str], rows: &[Vec<Val>]) -> String {
    let mut out = String::with_capacity(rows.len() * columns.len() * 16);
    out.push('[');
    for (r, row) in rows.iter().enumerate() {
        if r > 0 {
            out.push(',');
        }
        out.push('{');
        for (c, (name, v)) in columns.iter().zip(row).enumerate() {
            if c > 0 {
                out.push(',');
            }
            out.push('"');
            out.push_str(name);
            out.push_str("\":");
            match v {
                Val::Int(i) => out.push_str(&i.to_string()),
                Val::Text(t) => out.push_str(&serde_json::to_string(t).expect("a string always serialises")),
                Val::NullInt | Val::NullText => out.push_str("null"),
            }
        }
        out.push('}');
    }
    out.push(']');
    out
}

impl Writes {
    /// Writes for the database behind `conn`.
    pub(crate) fn on(conn: &sqlx::AnyConnection) -> Writes {
        Writes {
            parts: Vec::new(),
            postgres: conn.backend_name() != "SQLite",
        }
    }

    /// Adds a statement with `params` parameters, bound by `bind`.
    pub(crate) fn push(
        &mut self,
        sql: String,
        params: usize,
        expect: Option<u64>,
        bind: impl FnOnce(AnyQuery) -> AnyQuery + Send + 'static,
    ) {
        self.parts.push(Part {
            sql,
            params,
            bind: Box::new(bind),
            expect,
        });
    }

    /// Inserts `rows` (values in the order of `columns`) into `table`, then `tail` (an
    /// `ON CONFLICT` clause). `all`: every row must be written (an `ON CONFLICT DO
    /// NOTHING` that skips one fails the writes). SQLite: multi-row `VALUES`, in as many
    /// statements as the parameter limit needs. PostgreSQL: the rows as one JSON
    /// parameter (`json_populate_recordset`), so the statement's text is the same for
    /// any number of rows and PostgreSQL parses and plans it once per connection
    /// instead of once per batch (a batch's `VALUES` lists had thousands of
    /// parameters, and parsing and planning them cost about a third of the statement).
    pub(crate) fn insert(&mut self, table: &str, columns: &[&str], tail: &str, rows: Vec<Vec<Val>>, all: bool) {
        if rows.is_empty() {
            return;
        }
        let cols = columns.join(", ");
        if self.postgres {
            let n = rows.len();
            let json = rows_json(columns, &rows);
            let sql = format!(
                "INSERT INTO {table} ({cols}) SELECT {cols} FROM json_populate_recordset(NULL::{table}, CAST($1 AS json)){tail}"
            );
            self.push(sql, 1, all.then_some(n as u64), move |q| q.bind(json));
            return;
        }
        let per = (PARAMS_PER_STATEMENT_MAX / columns.len()).max(1);
        let mut rows = rows;
        while !rows.is_empty() {
            let rest = rows.split_off(per.min(rows.len()));
            let chunk = std::mem::replace(&mut rows, rest);
            let n = chunk.len();
            let sql = format!(
                "INSERT INTO {table} ({cols}) VALUES {}{tail}",
                values_placeholders(n, columns.len())
            );
            self.push(sql, n * columns.len(), all.then_some(n as u64), move |mut q| {
                for v in chunk.into_iter().flatten() {
                    q = v.bind(q);
                }
                q
            });
        }
    }

    /// Whether the writes go to PostgreSQL.
    pub(crate) fn postgres(&self) -> bool {
        self.postgres
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Adds `later`'s writes after these.
    pub(crate) fn extend(&mut self, later: Writes) {
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
fn combine(parts: Vec<Part>) -> (String, Vec<Binder>) {
    let mut sql = String::from("WITH ");
    let mut offset: usize = parts.iter().map(|p| p.params).sum();
    let mut checks = Vec::new();
    let mut expected: Vec<i64> = Vec::new();
    let mut binders = Vec::with_capacity(parts.len() + 1);
    let mut at = 0;
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("w{i} AS ("));
        sql.push_str(&renumber(&part.sql, at));
        sql.push_str(" RETURNING 1)");
        // The counts are parameters too: the statement's text stays the same for every
        // batch of the same shape, and PostgreSQL keeps its plan.
        checks.push(match part.expect {
            Some(n) => {
                offset += 1;
                expected.push(i64::try_from(n).unwrap_or(i64::MAX));
                format!("(SELECT count(*) FROM w{i}) = ${offset}")
            }
            None => format!("(SELECT count(*) FROM w{i}) >= 0"),
        });
        at += part.params;
        binders.push(part.bind);
    }
    sql.push_str(&format!(
        " SELECT 1 / (CASE WHEN {} THEN 1 ELSE 0 END)",
        checks.join(" AND ")
    ));
    binders.push(Box::new(move |mut q| {
        for n in expected {
            q = q.bind(n);
        }
        q
    }));
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
    fn rows_go_to_postgres_as_json_whatever_their_text_holds() {
        let rows = vec![
            vec![Val::Int(-3), Val::Text("王\"阿姨\\\n".into()), Val::NullText],
            vec![Val::Int(7), Val::Text(String::new()), Val::Int(0)],
        ];
        let json = rows_json(&["a", "b", "c"], &rows);
        assert_eq!(json, r#"[{"a":-3,"b":"王\"阿姨\\\n","c":null},{"a":7,"b":"","c":0}]"#);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed[0]["b"], "王\"阿姨\\\n");
    }

    #[test]
    fn one_statement_checks_what_each_write_must_come_to() {
        let mut w = Writes {
            parts: Vec::new(),
            postgres: true,
        };
        w.push("INSERT INTO t (a) VALUES ($1)".into(), 1, None, |q| q);
        w.push("UPDATE u SET b = $1 WHERE c = $2".into(), 2, Some(3), |q| q);
        let (sql, binders) = combine(w.parts);
        assert_eq!(binders.len(), 3, "one per write and one for the counts");
        assert_eq!(
            sql,
            "WITH w0 AS (INSERT INTO t (a) VALUES ($1) RETURNING 1), \
             w1 AS (UPDATE u SET b = $2 WHERE c = $3 RETURNING 1) \
             SELECT 1 / (CASE WHEN (SELECT count(*) FROM w0) >= 0 AND (SELECT count(*) FROM w1) = $4 THEN 1 ELSE 0 END)"
        );
    }
}
