//! The self-checkout kiosk's storage (自助结账): checking a member's one-time code
//! without signing anyone in, and recording a staff confirmation at the kiosk.
//!
//! The kiosk's codes live in the same `resident_otps` row as the resident shop's (one
//! row per organisation and phone, written by `save_resident_otp`), so the per-phone
//! send limits hold across both; the app hashes kiosk codes in their own domain, so a
//! code texted for the kiosk never signs anyone into the shop, and the reverse.

use crate::audit::{AuditEntry, write_audit};
use crate::db::{RETRIES_MAX, Store, is_retryable};
use crate::error::Result;
use linli_domain::ids::{OrgId, StaffId};
use sqlx::Row;

/// What checking a kiosk code found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KioskCodeCheck {
    /// The code was right and is now used up.
    Verified,
    /// Wrong code (counted); the code is burnt when no attempts are left.
    WrongCode { attempts_left: i64 },
    /// No live code for this phone: never sent, used, expired or burnt.
    NoCode,
}

/// How long a kiosk's payment is remembered.
pub const KIOSK_PAYMENT_KEPT_MS: i64 = 24 * 3_600_000;

impl Store {
    /// Remembers a QR payment a kiosk of `org` asked `provider` for, and forgets the
    /// ones older than `KIOSK_PAYMENT_KEPT_MS`.
    pub async fn save_kiosk_payment(
        &self,
        org: OrgId,
        provider: &str,
        provider_ref: &str,
        amount_fen: i64,
        at: i64,
    ) -> Result<()> {
        sqlx::query("DELETE FROM kiosk_payments WHERE created_at < $1")
            .bind(at - KIOSK_PAYMENT_KEPT_MS)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO kiosk_payments (provider, provider_ref, org_id, amount_fen, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(provider)
        .bind(provider_ref)
        .bind(org.0)
        .bind(amount_fen)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(|e| crate::StoreError::unique(e, &["provider_ref"]))?;
        Ok(())
    }

    /// The amount of a kiosk payment `org` asked for; another organisation's is `None`.
    pub async fn kiosk_payment_amount(&self, org: OrgId, provider: &str, provider_ref: &str) -> Result<Option<i64>> {
        Ok(sqlx::query(
            "SELECT amount_fen FROM kiosk_payments WHERE provider = $1 AND provider_ref = $2 AND org_id = $3",
        )
        .bind(provider)
        .bind(provider_ref)
        .bind(org.0)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| r.get("amount_fen")))
    }

    /// Checks a kiosk code for a phone, once: the right code is deleted (it cannot be used
    /// again); a wrong one is counted with a conditional update, so concurrent guesses
    /// cannot lose a count, and at `attempts_max` the code is dead.
    pub async fn check_kiosk_code(
        &self,
        org: OrgId,
        phone: &str,
        code_hash: &str,
        attempts_max: i64,
        at: i64,
    ) -> Result<KioskCodeCheck> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .check_kiosk_code_once(org, phone, code_hash, attempts_max, at)
                .await
            {
                Err(crate::StoreError::Db(e)) if is_retryable(&e) && attempt < RETRIES_MAX * 2 => {
                    tracing::debug!(attempt, error = %e, "retrying a kiosk code check");
                }
                other => return other,
            }
        }
    }

    async fn check_kiosk_code_once(
        &self,
        org: OrgId,
        phone: &str,
        code_hash: &str,
        attempts_max: i64,
        at: i64,
    ) -> Result<KioskCodeCheck> {
        let mut tx = self.begin().await?;
        let used = sqlx::query(
            "DELETE FROM resident_otps WHERE org_id = $1 AND phone = $2 AND code_hash = $3 AND expires_at > $4 \
             AND attempts < $5",
        )
        .bind(org.0)
        .bind(phone)
        .bind(code_hash)
        .bind(at)
        .bind(attempts_max)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let outcome = if used == 1 {
            KioskCodeCheck::Verified
        } else {
            let counted = sqlx::query(
                "UPDATE resident_otps SET attempts = attempts + 1 WHERE org_id = $1 AND phone = $2 \
                 AND expires_at > $3 AND attempts < $4 RETURNING attempts",
            )
            .bind(org.0)
            .bind(phone)
            .bind(at)
            .bind(attempts_max)
            .fetch_optional(&mut *tx)
            .await?;
            match counted {
                Some(r) => KioskCodeCheck::WrongCode {
                    attempts_left: attempts_max - r.get::<i64, _>("attempts"),
                },
                None => KioskCodeCheck::NoCode,
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Records a staff confirmation at a kiosk (weighed or restricted goods checked), in
    /// one transaction: the confirming account's failed sign-ins start again (its password
    /// was right, as after a sign-in) and the audit log says who confirmed at which kiosk.
    pub async fn record_kiosk_confirmation(
        &self,
        org: OrgId,
        confirmed_by: StaffId,
        kiosk: StaffId,
        detail: String,
        at: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(confirmed_by.0)
            .execute(&mut *tx)
            .await?;
        write_audit(
            &mut tx,
            &AuditEntry {
                org,
                staff: Some(confirmed_by),
                action: "kiosk.staff_confirm",
                object_type: "staff",
                object_id: Some(kiosk.0),
                detail,
                at,
            },
        )
        .await?;
        tx.commit().await?;
        self.caches.sessions.drop_all();
        Ok(())
    }
}
