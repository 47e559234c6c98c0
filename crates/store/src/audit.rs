//! The audit log (操作日志): who changed a price, adjusted stock, posted a count or
//! changed a role, and when. Written in the same transaction as the change it records.

use crate::db::{Store, Tx, opt_i64};
use crate::error::Result;
use crate::{Page, PageRequest};
use linli_domain::ids::{OrgId, StaffId};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub org: OrgId,
    pub staff: Option<StaffId>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<i64>,
    pub detail: String,
    pub at: i64,
}

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub staff_id: Option<StaffId>,
    pub staff_name: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<i64>,
    pub detail: String,
    pub at: i64,
}

pub(crate) async fn write_audit(tx: &mut Tx, e: &AuditEntry<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (org_id, staff_id, action, object_type, object_id, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(e.org.0)
    .bind(e.staff.map(|s| s.0))
    .bind(e.action)
    .bind(e.object_type)
    .bind(e.object_id)
    .bind(e.detail.as_str())
    .bind(e.at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    pub async fn audit(&self, entry: &AuditEntry<'_>) -> Result<()> {
        let mut tx = self.begin().await?;
        write_audit(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Newest first; `action` filters by a prefix such as "product." or "stock.".
    pub async fn audit_log(&self, org: OrgId, action: Option<&str>, page: PageRequest) -> Result<Page<AuditRow>> {
        let pattern = format!("{}%", action.unwrap_or(""));
        let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE org_id = $1 AND action LIKE $2")
            .bind(org.0)
            .bind(pattern.as_str())
            .fetch_one(&self.pool)
            .await?
            .get("n");
        let rows = sqlx::query(
            "SELECT a.id, a.staff_id, s.display_name, a.action, a.object_type, a.object_id, a.detail, a.at \
             FROM audit_log a LEFT JOIN staff s ON s.id = a.staff_id \
             WHERE a.org_id = $1 AND a.action LIKE $2 ORDER BY a.id DESC LIMIT $3 OFFSET $4",
        )
        .bind(org.0)
        .bind(pattern.as_str())
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(|r| AuditRow {
                id: r.get("id"),
                staff_id: opt_i64(r, "staff_id").map(StaffId),
                staff_name: r.try_get::<Option<String>, _>("display_name").ok().flatten(),
                action: r.get("action"),
                object_type: r.get("object_type"),
                object_id: opt_i64(r, "object_id"),
                detail: r.get("detail"),
                at: r.get("at"),
            })
            .collect();
        Ok(Page { items, total })
    }
}
