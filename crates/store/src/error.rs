//! What can go wrong in storage, in the three kinds the app distinguishes.

use linli_domain::stock::StockError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique key is taken; `field` names the input field it belongs to.
    #[error("conflict on {field}")]
    Conflict { field: &'static str },
    /// The stock ledger refused: the change would make a lot negative.
    #[error("stock refused: {0}")]
    Stock(StockError),
    /// The stored state does not allow this (e.g. a posted count edited again).
    #[error("state: {0}")]
    State(&'static str),
    /// A business rule refused against stored state (points short, a coupon's limit
    /// reached, a flash sale sold out): answered as 409 with `code`, naming `field`.
    #[error("{code}: {en}")]
    Refused {
        code: &'static str,
        field: &'static str,
        en: String,
        zh: String,
    },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl StoreError {
    /// Maps a unique violation to the first of `fields` that its message or constraint names.
    pub(crate) fn unique(err: sqlx::Error, fields: &[&'static str]) -> StoreError {
        if let sqlx::Error::Database(db) = &err
            && db.is_unique_violation()
        {
            let text = format!("{} {}", db.message(), db.constraint().unwrap_or(""));
            for f in fields {
                if text.contains(f) {
                    return StoreError::Conflict { field: f };
                }
            }
            return StoreError::Conflict {
                field: fields.first().copied().unwrap_or("id"),
            };
        }
        StoreError::Db(err)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
