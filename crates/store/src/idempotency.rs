//! Idempotency-Key records for state-changing requests.
//!
//! A request claims its key before it runs (a committed insert, so a concurrent
//! duplicate sees the claim) and stores its response after. A replay with the same
//! body gets the stored response; the same key with another body is refused.

use crate::db::{Store, opt_i64};
use crate::error::Result;
use linli_domain::ids::OrgId;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First time: run the request, then `finish_idempotent`.
    New,
    /// Done before with the same body: return this.
    Replay { status: i64, body: String },
    /// Same key, different request.
    Mismatch,
    /// Same key still running (or its process died before answering).
    InProgress,
}

impl Store {
    pub async fn claim_idempotency_key(
        &self,
        org: OrgId,
        principal: &str,
        key: &str,
        request_hash: &str,
        at: i64,
    ) -> Result<Claim> {
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (org_id, principal, idem_key, request_hash, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_id, principal, idem_key) DO NOTHING",
        )
        .bind(org.0)
        .bind(principal)
        .bind(key)
        .bind(request_hash)
        .bind(at)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(Claim::New);
        }
        let row = sqlx::query(
            "SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE org_id = $1 AND principal = $2 AND idem_key = $3",
        )
        .bind(org.0)
        .bind(principal)
        .bind(key)
        .fetch_one(&self.pool)
        .await?;
        if row.get::<String, _>("request_hash") != request_hash {
            return Ok(Claim::Mismatch);
        }
        match (
            opt_i64(&row, "status_code"),
            row.try_get::<Option<String>, _>("response_body").ok().flatten(),
        ) {
            (Some(status), Some(body)) => Ok(Claim::Replay { status, body }),
            _ => Ok(Claim::InProgress),
        }
    }

    pub async fn finish_idempotent(
        &self,
        org: OrgId,
        principal: &str,
        key: &str,
        status: i64,
        body: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE idempotency_keys SET status_code = $1, response_body = $2 WHERE org_id = $3 AND principal = $4 AND idem_key = $5",
        )
        .bind(status)
        .bind(body)
        .bind(org.0)
        .bind(principal)
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets a claim whose request failed without changing anything, so it may be retried.
    pub async fn release_idempotency_key(&self, org: OrgId, principal: &str, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE org_id = $1 AND principal = $2 AND idem_key = $3 AND status_code IS NULL")
            .bind(org.0)
            .bind(principal)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
