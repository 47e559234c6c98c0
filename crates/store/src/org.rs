//! Organisations, stores and their locations (门店、后仓、前置仓、网格站).

use crate::db::{Store, opt_i64};
use crate::error::{Result, StoreError};
use linli_domain::ids::{LocationId, OrgId, StoreId};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationKind {
    SalesFloor,
    Backroom,
    FrontWarehouse,
    GridStation,
}

impl LocationKind {
    pub const ALL: [LocationKind; 4] = [
        LocationKind::SalesFloor,
        LocationKind::Backroom,
        LocationKind::FrontWarehouse,
        LocationKind::GridStation,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LocationKind::SalesFloor => "sales_floor",
            LocationKind::Backroom => "backroom",
            LocationKind::FrontWarehouse => "front_warehouse",
            LocationKind::GridStation => "grid_station",
        }
    }

    pub fn from_code(code: &str) -> Option<LocationKind> {
        LocationKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            LocationKind::SalesFloor => "门店卖场",
            LocationKind::Backroom => "后仓",
            LocationKind::FrontWarehouse => "前置仓",
            LocationKind::GridStation => "网格站",
        }
    }
}

#[derive(Debug, Clone)]
pub struct StoreRow {
    pub id: StoreId,
    pub org_id: OrgId,
    pub code: String,
    pub name: String,
    pub address: String,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct LocationRow {
    pub id: LocationId,
    pub store_id: StoreId,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: LocationKind,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewLocation<'a> {
    pub code: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub kind: LocationKind,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
}

fn location_row(r: &AnyRow) -> LocationRow {
    LocationRow {
        id: LocationId(r.get("id")),
        store_id: StoreId(r.get("store_id")),
        code: r.get("code"),
        name_zh: r.get("name_zh"),
        name_en: r.get("name_en"),
        kind: LocationKind::from_code(&r.get::<String, _>("kind")).unwrap_or(LocationKind::Backroom),
        lat_e6: opt_i64(r, "lat_e6"),
        lon_e6: opt_i64(r, "lon_e6"),
    }
}

impl Store {
    pub async fn create_org(&self, name: &str, at: i64) -> Result<OrgId> {
        let row = sqlx::query("INSERT INTO orgs (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(at)
            .fetch_one(&self.pool)
            .await?;
        Ok(OrgId(row.get("id")))
    }

    pub async fn org_name(&self, org: OrgId) -> Result<String> {
        let row = sqlx::query("SELECT name FROM orgs WHERE id = $1")
            .bind(org.0)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.get("name")).ok_or(StoreError::NotFound)
    }

    /// Whether any organisation exists (the demo refuses to fill a used database).
    pub async fn is_empty(&self) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM orgs")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<i64, _>("n") == 0)
    }

    pub async fn create_store(
        &self,
        org: OrgId,
        code: &str,
        name: &str,
        address: &str,
        lat_lon_e6: Option<(i64, i64)>,
        at: i64,
    ) -> Result<StoreId> {
        let row = sqlx::query(
            "INSERT INTO stores (org_id, code, name, address, lat_e6, lon_e6, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(org.0)
        .bind(code)
        .bind(name)
        .bind(address)
        .bind(lat_lon_e6.map(|p| p.0))
        .bind(lat_lon_e6.map(|p| p.1))
        .bind(at)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| StoreError::unique(e, &["code"]))?;
        Ok(StoreId(row.get("id")))
    }

    pub async fn stores(&self, org: OrgId) -> Result<Vec<StoreRow>> {
        let rows = sqlx::query(
            "SELECT id, org_id, code, name, address, lat_e6, lon_e6 FROM stores WHERE org_id = $1 ORDER BY id",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| StoreRow {
                id: StoreId(r.get("id")),
                org_id: OrgId(r.get("org_id")),
                code: r.get("code"),
                name: r.get("name"),
                address: r.get("address"),
                lat_e6: opt_i64(r, "lat_e6"),
                lon_e6: opt_i64(r, "lon_e6"),
            })
            .collect())
    }

    pub async fn create_location(&self, org: OrgId, store: StoreId, new: &NewLocation<'_>) -> Result<LocationId> {
        let row = sqlx::query(
            "INSERT INTO locations (org_id, store_id, code, name_zh, name_en, kind, lat_e6, lon_e6) \
             SELECT $1, id, $3, $4, $5, $6, $7, $8 FROM stores WHERE id = $2 AND org_id = $1 RETURNING id",
        )
        .bind(org.0)
        .bind(store.0)
        .bind(new.code)
        .bind(new.name_zh)
        .bind(new.name_en)
        .bind(new.kind.code())
        .bind(new.lat_e6)
        .bind(new.lon_e6)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| StoreError::unique(e, &["code"]))?;
        row.map(|r| LocationId(r.get("id"))).ok_or(StoreError::NotFound)
    }

    pub async fn locations(&self, org: OrgId) -> Result<Vec<LocationRow>> {
        let rows = sqlx::query(
            "SELECT id, store_id, code, name_zh, name_en, kind, lat_e6, lon_e6 FROM locations \
             WHERE org_id = $1 ORDER BY id",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(location_row).collect())
    }

    pub async fn location(&self, org: OrgId, id: LocationId) -> Result<LocationRow> {
        let row = sqlx::query(
            "SELECT id, store_id, code, name_zh, name_en, kind, lat_e6, lon_e6 FROM locations \
             WHERE org_id = $1 AND id = $2",
        )
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(location_row).ok_or(StoreError::NotFound)
    }
}
