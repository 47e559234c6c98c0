//! Staff accounts and their sessions (console cookies and API bearer tokens).
//!
//! Passwords arrive here already hashed (argon2id, in `app`); session tokens arrive
//! as their SHA-256, so a stolen database holds neither.

use crate::audit::{AuditEntry, write_audit};
use crate::db::{Store, opt_i64};
use crate::error::{Result, StoreError};
use linli_domain::auth::Role;
use linli_domain::ids::{OrgId, StaffId, StoreId};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct StaffRow {
    pub id: StaffId,
    pub org_id: OrgId,
    pub store_id: Option<StoreId>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub active: bool,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewStaff<'a> {
    pub store: Option<StoreId>,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub org_id: OrgId,
    pub staff: StaffRow,
    pub kind: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

const STAFF_COLS: &str = "s.id, s.org_id, s.store_id, s.username, s.display_name, s.role, s.password_hash, \
                          s.active, s.failed_logins, s.locked_until, s.created_at";

fn staff_row(r: &AnyRow) -> StaffRow {
    StaffRow {
        id: StaffId(r.get("id")),
        org_id: OrgId(r.get("org_id")),
        store_id: opt_i64(r, "store_id").map(StoreId),
        username: r.get("username"),
        display_name: r.get("display_name"),
        role: Role::from_code(&r.get::<String, _>("role")).unwrap_or(Role::Rider),
        password_hash: r.get("password_hash"),
        active: r.get::<i64, _>("active") != 0,
        failed_logins: r.get("failed_logins"),
        locked_until: opt_i64(r, "locked_until"),
        created_at: r.get("created_at"),
    }
}

impl Store {
    pub async fn create_staff(&self, org: OrgId, new: &NewStaff<'_>, by: Option<StaffId>, at: i64) -> Result<StaffId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO staff (org_id, store_id, username, display_name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(org.0)
        .bind(new.store.map(|s| s.0))
        .bind(new.username)
        .bind(new.display_name)
        .bind(new.role.code())
        .bind(new.password_hash)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, &["username"]))?;
        let id = StaffId(row.get("id"));
        write_audit(
            &mut tx,
            &AuditEntry {
                org,
                staff: by,
                action: "staff.create",
                object_type: "staff",
                object_id: Some(id.0),
                detail: format!("{} role={}", new.username, new.role.code()),
                at,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Looks a login name up across organisations (usernames are globally unique).
    pub async fn staff_by_username(&self, username: &str) -> Result<Option<StaffRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {STAFF_COLS} FROM staff s WHERE s.username = $1"
        )))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(staff_row))
    }

    pub async fn staff(&self, org: OrgId, id: StaffId) -> Result<StaffRow> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {STAFF_COLS} FROM staff s WHERE s.org_id = $1 AND s.id = $2"
        )))
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(staff_row).ok_or(StoreError::NotFound)
    }

    pub async fn staff_list(&self, org: OrgId) -> Result<Vec<StaffRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {STAFF_COLS} FROM staff s WHERE s.org_id = $1 ORDER BY s.id"
        )))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(staff_row).collect())
    }

    /// Changes role and/or active flag, audited. Deactivating ends the person's sessions.
    pub async fn update_staff(
        &self,
        org: OrgId,
        id: StaffId,
        role: Option<Role>,
        active: Option<bool>,
        by: StaffId,
        at: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let old = sqlx::query("SELECT role, active FROM staff WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let old_role: String = old.get("role");
        if let Some(role) = role {
            sqlx::query("UPDATE staff SET role = $1 WHERE org_id = $2 AND id = $3")
                .bind(role.code())
                .bind(org.0)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            if role.code() != old_role {
                write_audit(
                    &mut tx,
                    &AuditEntry {
                        org,
                        staff: Some(by),
                        action: "staff.role",
                        object_type: "staff",
                        object_id: Some(id.0),
                        detail: format!("{old_role} → {}", role.code()),
                        at,
                    },
                )
                .await?;
            }
        }
        if let Some(active) = active {
            sqlx::query("UPDATE staff SET active = $1 WHERE org_id = $2 AND id = $3")
                .bind(i64::from(active))
                .bind(org.0)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            if !active {
                sqlx::query("DELETE FROM sessions WHERE staff_id = $1")
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
            }
            write_audit(
                &mut tx,
                &AuditEntry {
                    org,
                    staff: Some(by),
                    action: if active { "staff.activate" } else { "staff.deactivate" },
                    object_type: "staff",
                    object_id: Some(id.0),
                    detail: String::new(),
                    at,
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.caches.sessions.drop_all();
        Ok(())
    }

    /// Replaces a password hash and ends every other session of that person.
    pub async fn set_password(&self, org: OrgId, id: StaffId, hash: &str, keep_session: Option<&str>) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE staff SET password_hash = $1 WHERE org_id = $2 AND id = $3")
            .bind(hash)
            .bind(org.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM sessions WHERE staff_id = $1 AND token_hash <> $2")
            .bind(id.0)
            .bind(keep_session.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.caches.sessions.drop_all();
        Ok(())
    }

    /// Counts one failed sign-in atomically (concurrent guesses cannot overwrite each
    /// other's count); at `max` failures the account locks until `locked_until` and the
    /// count starts again. Returns (failures, locked_until).
    pub async fn record_login_failure(&self, id: StaffId, max: i64, locked_until: i64) -> Result<(i64, Option<i64>)> {
        let row = sqlx::query(
            "UPDATE staff SET \
             locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END, \
             failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END \
             WHERE id = $1 RETURNING failed_logins, locked_until",
        )
        .bind(id.0)
        .bind(max)
        .bind(locked_until)
        .fetch_one(&self.pool)
        .await?;
        self.caches.sessions.drop_all();
        Ok((row.get("failed_logins"), opt_i64(&row, "locked_until")))
    }

    pub async fn create_session(
        &self,
        staff: &StaffRow,
        token_hash: &str,
        kind: &str,
        csrf_token: &str,
        at: i64,
        expires_at: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(staff.id.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, org_id, staff_id, kind, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(token_hash)
        .bind(staff.org_id.0)
        .bind(staff.id.0)
        .bind(kind)
        .bind(csrf_token)
        .bind(at)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.caches.sessions.drop_all();
        Ok(())
    }

    /// A live session of an active staff member, if the token is known and not expired.
    pub async fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRow>> {
        if let Some(copy) = self.caches.sessions.get(token_hash) {
            return Ok(Some(copy).filter(|s| s.expires_at > now));
        }
        let generation = self.caches.sessions.generation();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {STAFF_COLS}, x.kind, x.csrf_token, x.expires_at FROM sessions x \
             JOIN staff s ON s.id = x.staff_id WHERE x.token_hash = $1 AND x.expires_at > $2 AND s.active = 1"
        )))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let session = row.map(|r| {
            let staff = staff_row(&r);
            SessionRow {
                org_id: staff.org_id,
                staff,
                kind: r.get("kind"),
                csrf_token: r.get("csrf_token"),
                expires_at: r.get("expires_at"),
            }
        });
        if let Some(s) = &session {
            self.caches.sessions.keep(token_hash.to_string(), generation, s.clone());
        }
        Ok(session)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        self.caches.sessions.drop_all();
        Ok(())
    }
}
