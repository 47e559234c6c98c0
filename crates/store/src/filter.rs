//! A WHERE clause built from the filters actually given, so each query the planner
//! sees can use its index (a `($2 = 0 OR col = $2)` trick hides the index from
//! SQLite). Still one SQL text per filter combination for both backends.

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    /// Adds a clause; each `?` in it becomes the next `$n`, bound to the given values in order.
    pub(crate) fn and(&mut self, clause: &str, values: impl IntoIterator<Item = Arg>) -> &mut Self {
        let mut out = String::with_capacity(clause.len() + 8);
        let mut values = values.into_iter();
        for ch in clause.chars() {
            if ch == '?' {
                let v = values.next().expect("one value per placeholder");
                self.args.push(v);
                out.push_str(&format!("${}", self.args.len()));
            } else {
                out.push(ch);
            }
        }
        assert!(values.next().is_none(), "one placeholder per value");
        self.clauses.push(out);
        self
    }

    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1 = 1".into()
        } else {
            self.clauses.join(" AND ")
        }
    }

    /// The next placeholder number, for LIMIT/OFFSET after the filters.
    pub(crate) fn next(&self, k: usize) -> String {
        format!("${}", self.args.len() + k)
    }

    pub(crate) fn bind<'q>(&self, mut q: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        for a in &self.args {
            q = match a {
                Arg::Int(i) => q.bind(*i),
                Arg::Text(s) => q.bind(s.clone()),
            };
        }
        q
    }
}

pub(crate) fn int(v: i64) -> Arg {
    Arg::Int(v)
}

pub(crate) fn text(v: impl Into<String>) -> Arg {
    Arg::Text(v.into())
}
