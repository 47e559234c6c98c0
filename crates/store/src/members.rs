//! Buildings of the neighbourhood and the residents who are members (会员).
//!
//! Phone numbers are stored whole (a member logs in with theirs) and masked by
//! every caller that lists them.

use crate::db::{Store, opt_i64};
use crate::error::{Result, StoreError};
use crate::{Page, PageRequest};
use linli_domain::ids::{BuildingId, MemberId, OrgId, StoreId};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct NewBuilding<'a> {
    pub code: &'a str,
    pub name_zh: &'a str,
    pub compound_zh: &'a str,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
    pub households: i64,
}

#[derive(Debug, Clone)]
pub struct BuildingRow {
    pub id: BuildingId,
    pub code: String,
    pub name_zh: String,
    pub compound_zh: String,
    pub households: i64,
    pub members: i64,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewMember<'a> {
    pub phone: &'a str,
    pub name: &'a str,
    pub building: Option<BuildingId>,
    pub unit_no: &'a str,
    pub room: &'a str,
    /// ISO date.
    pub birthday: Option<String>,
    pub joined_at: i64,
}

#[derive(Debug, Clone)]
pub struct MemberRow {
    pub id: MemberId,
    pub phone: String,
    pub name: String,
    pub building_id: Option<BuildingId>,
    pub building_name: Option<String>,
    pub unit_no: String,
    pub room: String,
    pub birthday: Option<String>,
    pub joined_at: i64,
}

fn member_row(r: &AnyRow) -> MemberRow {
    MemberRow {
        id: MemberId(r.get("id")),
        phone: r.get("phone"),
        name: r.get("name"),
        building_id: opt_i64(r, "building_id").map(BuildingId),
        building_name: r.try_get::<Option<String>, _>("building_name").ok().flatten(),
        unit_no: r.get("unit_no"),
        room: r.get("room"),
        birthday: r.try_get::<Option<String>, _>("birthday").ok().flatten(),
        joined_at: r.get("joined_at"),
    }
}

impl Store {
    pub async fn create_building(&self, org: OrgId, store: StoreId, b: &NewBuilding<'_>) -> Result<BuildingId> {
        let row = sqlx::query(
            "INSERT INTO buildings (org_id, store_id, code, name_zh, compound_zh, lat_e6, lon_e6, households) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(org.0)
        .bind(store.0)
        .bind(b.code)
        .bind(b.name_zh)
        .bind(b.compound_zh)
        .bind(b.lat_e6)
        .bind(b.lon_e6)
        .bind(b.households)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| StoreError::unique(e, &["code"]))?;
        Ok(BuildingId(row.get("id")))
    }

    pub async fn buildings(&self, org: OrgId) -> Result<Vec<BuildingRow>> {
        let rows = sqlx::query(
            "SELECT b.id, b.code, b.name_zh, b.compound_zh, b.households, b.lat_e6, b.lon_e6, \
             (SELECT COUNT(*) FROM members m WHERE m.building_id = b.id) AS members \
             FROM buildings b WHERE b.org_id = $1 ORDER BY b.id",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| BuildingRow {
                id: BuildingId(r.get("id")),
                code: r.get("code"),
                name_zh: r.get("name_zh"),
                compound_zh: r.get("compound_zh"),
                households: r.get("households"),
                members: r.get("members"),
                lat_e6: crate::db::opt_i64(r, "lat_e6"),
                lon_e6: crate::db::opt_i64(r, "lon_e6"),
            })
            .collect())
    }

    pub async fn create_member(&self, org: OrgId, m: &NewMember<'_>) -> Result<MemberId> {
        let row = sqlx::query(
            "INSERT INTO members (org_id, phone, name, building_id, unit_no, room, birthday, joined_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(org.0)
        .bind(m.phone)
        .bind(m.name)
        .bind(m.building.map(|b| b.0))
        .bind(m.unit_no)
        .bind(m.room)
        .bind(m.birthday.as_deref())
        .bind(m.joined_at)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| StoreError::unique(e, &["phone"]))?;
        Ok(MemberId(row.get("id")))
    }

    /// Members, newest first; `q` matches name, phone digits or room.
    pub async fn members(&self, org: OrgId, q: Option<&str>, page: PageRequest) -> Result<Page<MemberRow>> {
        let q = q
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(crate::catalog::like_contains);
        let where_sql = "m.org_id = $1 AND ($2 = '' OR m.name LIKE $2 ESCAPE '\\' OR m.phone LIKE $2 ESCAPE '\\' OR m.room LIKE $2 ESCAPE '\\')";
        let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM members m WHERE {where_sql}"
        )))
        .bind(org.0)
        .bind(q.as_deref().unwrap_or(""))
        .fetch_one(&self.pool)
        .await?
        .get("n");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT m.id, m.phone, m.name, m.building_id, b.name_zh AS building_name, m.unit_no, m.room, m.birthday, m.joined_at \
             FROM members m LEFT JOIN buildings b ON b.id = m.building_id WHERE {where_sql} ORDER BY m.id DESC LIMIT $3 OFFSET $4"
        )))
        .bind(org.0)
        .bind(q.as_deref().unwrap_or(""))
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(Page {
            items: rows.iter().map(member_row).collect(),
            total,
        })
    }

    pub async fn member_ids(&self, org: OrgId) -> Result<Vec<MemberId>> {
        let rows = sqlx::query("SELECT id FROM members WHERE org_id = $1 ORDER BY id")
            .bind(org.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| MemberId(r.get("id"))).collect())
    }
}
