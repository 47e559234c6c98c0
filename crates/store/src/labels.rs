//! Electronic shelf labels (电子价签): which label hangs where and shows which product,
//! every version of its content, and what each label acknowledged showing.
//!
//! The content itself is computed by the app (product, running promotions, the pricing
//! engine); this module only keeps it. A new content is a new version, made by a
//! compare-and-set on the label's version (`UPDATE … WHERE version = $expected`), so two
//! writers never both make "version 5". An acknowledgement only ever moves forward
//! (`WHERE acked_version < $v AND $v <= version`): a late ack of an old version cannot
//! undo a newer one. Version contents are kept in `label_versions`, the newest
//! `LABEL_VERSIONS_KEPT` per label and always the acknowledged one, so a list can show
//! both what a label should show and what it does show.

use crate::audit::{AuditEntry, write_audit};
use crate::db::{RETRIES_MAX, Store, Tx, is_retryable, opt_i64};
use crate::error::{Result, StoreError};
use crate::{Page, PageRequest};
use linli_domain::catalog::UnitKind;
use linli_domain::ids::{CategoryId, OrgId, ProductId, StaffId, StoreId};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The most labels one organisation may register (a large supermarket has a few thousand).
pub const LABELS_MAX: i64 = 10_000;
/// Versions kept per label besides the acknowledged one.
pub const LABEL_VERSIONS_KEPT: i64 = 20;

/// A shelf label (its row id; the device is known by its `code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LabelId(pub i64);

impl std::fmt::Display for LabelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a label displays. For weighed goods `price_fen` and `regular_price_fen` are per
/// kg and `unit_price_fen` per 500 g; for pieces all three are per piece.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelFace {
    pub product_id: Option<ProductId>,
    pub name_zh: String,
    pub unit_kind: UnitKind,
    pub unit_label: String,
    /// The product's own price.
    pub regular_price_fen: i64,
    /// What the till charges for one unit (piece or kg) now, promotions included.
    pub price_fen: i64,
    pub unit_price_fen: i64,
    /// The promotions running on the product, in short Chinese ("秒杀 ¥3.90 · 第二件半价").
    pub promo_zh: String,
}

impl LabelFace {
    /// The face of a label bound to nothing.
    pub fn blank() -> LabelFace {
        LabelFace {
            product_id: None,
            name_zh: String::new(),
            unit_kind: UnitKind::Piece,
            unit_label: String::new(),
            regular_price_fen: 0,
            price_fen: 0,
            unit_price_fen: 0,
            promo_zh: String::new(),
        }
    }
}

/// The product a label is bound to, as the label's content needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelProduct {
    pub id: ProductId,
    pub name_zh: String,
    pub unit_kind: UnitKind,
    pub unit_label: String,
    pub price_fen: i64,
    pub category_id: Option<CategoryId>,
    pub active: bool,
}

#[derive(Clone, Debug)]
pub struct LabelRow {
    pub id: LabelId,
    pub store_id: StoreId,
    pub code: String,
    pub location: String,
    pub created_at: i64,
    /// None once unbound.
    pub product: Option<LabelProduct>,
    /// The newest content version (0 = none yet) and when it was made.
    pub version: i64,
    pub version_at: Option<i64>,
    /// The last push of the newest version, whether the driver took it or not.
    pub attempted_at: Option<i64>,
    /// The last time the driver took the newest version, and its last refusal ("" = none).
    pub pushed_at: Option<i64>,
    pub push_error: String,
    pub acked_version: i64,
    pub acked_at: Option<i64>,
    /// The price the label reported on its face with its acknowledgement.
    pub shown_price_fen: Option<i64>,
    /// The content of the newest version.
    pub face: Option<LabelFace>,
    /// The content of the acknowledged version: what the label shows.
    pub shown: Option<LabelFace>,
}

#[derive(Clone, Debug)]
pub struct NewLabel<'a> {
    pub store: StoreId,
    pub code: &'a str,
    pub product: ProductId,
    pub location: &'a str,
    pub by: Option<StaffId>,
}

/// What an acknowledgement did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckOutcome {
    /// The label now counts as showing this version.
    Recorded,
    /// The label had already acknowledged this version or a newer one: nothing changed.
    AlreadyAcked,
}

const LABEL_COLS: &str = "l.id, l.store_id, l.code, l.location, l.created_at, l.version, l.version_at, \
     l.attempted_at, l.pushed_at, l.push_error, l.acked_version, l.acked_at, l.shown_price_fen, \
     p.id AS p_id, p.name_zh AS p_name_zh, p.unit_kind AS p_unit_kind, p.unit_label AS p_unit_label, \
     p.price_fen AS p_price_fen, p.category_id AS p_category_id, p.active AS p_active, \
     c.version AS c_version, c.product_id AS c_product_id, c.name_zh AS c_name_zh, c.unit_kind AS c_unit_kind, \
     c.unit_label AS c_unit_label, c.regular_price_fen AS c_regular_price_fen, c.price_fen AS c_price_fen, \
     c.unit_price_fen AS c_unit_price_fen, c.promo_zh AS c_promo_zh, \
     s.version AS s_version, s.product_id AS s_product_id, s.name_zh AS s_name_zh, s.unit_kind AS s_unit_kind, \
     s.unit_label AS s_unit_label, s.regular_price_fen AS s_regular_price_fen, s.price_fen AS s_price_fen, \
     s.unit_price_fen AS s_unit_price_fen, s.promo_zh AS s_promo_zh";

const LABEL_FROM: &str = "shelf_labels l \
     LEFT JOIN products p ON p.id = l.product_id AND p.org_id = l.org_id \
     LEFT JOIN label_versions c ON c.label_id = l.id AND c.version = l.version \
     LEFT JOIN label_versions s ON s.label_id = l.id AND s.version = l.acked_version";

fn opt_text(r: &AnyRow, col: &str) -> Option<String> {
    r.try_get::<Option<String>, _>(col).ok().flatten()
}

/// The face stored under `prefix` (`c_` newest, `s_` acknowledged), if that version is kept.
fn face_of(r: &AnyRow, prefix: &str) -> Option<LabelFace> {
    let col = |name: &str| format!("{prefix}{name}");
    opt_i64(r, &col("version"))?;
    Some(LabelFace {
        product_id: opt_i64(r, &col("product_id")).map(ProductId),
        name_zh: opt_text(r, &col("name_zh")).unwrap_or_default(),
        unit_kind: opt_text(r, &col("unit_kind"))
            .and_then(|k| UnitKind::from_code(&k))
            .unwrap_or(UnitKind::Piece),
        unit_label: opt_text(r, &col("unit_label")).unwrap_or_default(),
        regular_price_fen: opt_i64(r, &col("regular_price_fen")).unwrap_or(0),
        price_fen: opt_i64(r, &col("price_fen")).unwrap_or(0),
        unit_price_fen: opt_i64(r, &col("unit_price_fen")).unwrap_or(0),
        promo_zh: opt_text(r, &col("promo_zh")).unwrap_or_default(),
    })
}

fn label_row(r: &AnyRow) -> LabelRow {
    let product = opt_i64(r, "p_id").map(|id| LabelProduct {
        id: ProductId(id),
        name_zh: opt_text(r, "p_name_zh").unwrap_or_default(),
        unit_kind: opt_text(r, "p_unit_kind")
            .and_then(|k| UnitKind::from_code(&k))
            .unwrap_or(UnitKind::Piece),
        unit_label: opt_text(r, "p_unit_label").unwrap_or_default(),
        price_fen: opt_i64(r, "p_price_fen").unwrap_or(0),
        category_id: opt_i64(r, "p_category_id").map(CategoryId),
        active: opt_i64(r, "p_active").unwrap_or(1) != 0,
    });
    LabelRow {
        id: LabelId(r.get("id")),
        store_id: StoreId(r.get("store_id")),
        code: r.get("code"),
        location: r.get("location"),
        created_at: r.get("created_at"),
        product,
        version: r.get("version"),
        version_at: opt_i64(r, "version_at"),
        attempted_at: opt_i64(r, "attempted_at"),
        pushed_at: opt_i64(r, "pushed_at"),
        push_error: r.get("push_error"),
        acked_version: r.get("acked_version"),
        acked_at: opt_i64(r, "acked_at"),
        shown_price_fen: opt_i64(r, "shown_price_fen"),
        face: face_of(r, "c_"),
        shown: face_of(r, "s_"),
    }
}

fn refused(code: &'static str, field: &'static str, en: impl Into<String>, zh: impl Into<String>) -> StoreError {
    StoreError::Refused {
        code,
        field,
        en: en.into(),
        zh: zh.into(),
    }
}

/// Runs `$body` in a write transaction, again after a deadlock or serialization failure.
macro_rules! label_tx {
    ($store:expr, |$tx:ident| $body:block) => {{
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome: Result<_> = async {
                let mut $tx: Tx = $store.begin().await?;
                let value = $body;
                $tx.commit().await?;
                Ok(value)
            }
            .await;
            match outcome {
                Err(StoreError::Db(e)) if is_retryable(&e) && attempt < RETRIES_MAX => {
                    tracing::debug!(attempt, error = %e, "retrying a label transaction after a transient conflict");
                }
                other => break other,
            }
        }
    }};
}

impl Store {
    /// Binds the label `code` to a product: registers a new label, or binds a known label
    /// that is unbound now (its versions go on). Refused with `label_bound` when the label
    /// is bound already (unbind it first) and `too_many_labels` past `LABELS_MAX`.
    pub async fn bind_label(&self, org: OrgId, new: &NewLabel<'_>, at: i64) -> Result<LabelId> {
        label_tx!(self, |tx| {
            let product: Option<AnyRow> = sqlx::query("SELECT name_zh FROM products WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(new.product.0)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(product) = product else {
                return Err(refused(
                    "no_such_product",
                    "product_id",
                    "no such product",
                    "商品不存在",
                ));
            };
            let store: Option<AnyRow> = sqlx::query("SELECT id FROM stores WHERE org_id = $1 AND id = $2")
                .bind(org.0)
                .bind(new.store.0)
                .fetch_optional(&mut *tx)
                .await?;
            if store.is_none() {
                return Err(refused("no_such_store", "store_id", "no such store", "门店不存在"));
            }
            // A sanity bound, not a business limit: a rare overshoot under concurrency is harmless.
            let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM shelf_labels WHERE org_id = $1")
                .bind(org.0)
                .fetch_one(&mut *tx)
                .await?
                .get("n");
            let id: Option<AnyRow> = sqlx::query(
                "INSERT INTO shelf_labels (org_id, store_id, code, product_id, location, created_at) \
                 SELECT $1, $2, $3, $4, $5, $6 WHERE $7 < $8 \
                 ON CONFLICT (org_id, code) DO UPDATE SET product_id = excluded.product_id, \
                 store_id = excluded.store_id, location = excluded.location \
                 WHERE shelf_labels.product_id IS NULL RETURNING id",
            )
            .bind(org.0)
            .bind(new.store.0)
            .bind(new.code)
            .bind(new.product.0)
            .bind(new.location)
            .bind(at)
            .bind(count)
            .bind(LABELS_MAX)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                let known: Option<AnyRow> = sqlx::query("SELECT id FROM shelf_labels WHERE org_id = $1 AND code = $2")
                    .bind(org.0)
                    .bind(new.code)
                    .fetch_optional(&mut *tx)
                    .await?;
                return Err(if known.is_some() {
                    refused(
                        "label_bound",
                        "code",
                        "this label is bound to a product already; unbind it first",
                        "该价签已绑定商品，请先解绑",
                    )
                } else {
                    refused(
                        "too_many_labels",
                        "code",
                        format!("at most {LABELS_MAX} labels per organisation"),
                        format!("每个企业最多 {LABELS_MAX} 个价签"),
                    )
                });
            };
            let id: i64 = id.get("id");
            let name: String = product.get("name_zh");
            write_audit(
                &mut tx,
                &AuditEntry {
                    org,
                    staff: new.by,
                    action: "label.bind",
                    object_type: "label",
                    object_id: Some(id),
                    detail: format!("{} → {name} ({})", new.code, new.product.0),
                    at,
                },
            )
            .await?;
            LabelId(id)
        })
    }

    /// Unbinds a label from its product (it stays known and shows a blank face once
    /// pushed). Unbinding an unbound label changes nothing.
    pub async fn unbind_label(&self, org: OrgId, id: LabelId, by: Option<StaffId>, at: i64) -> Result<()> {
        label_tx!(self, |tx| {
            let done: Option<AnyRow> = sqlx::query(
                "UPDATE shelf_labels SET product_id = NULL WHERE org_id = $1 AND id = $2 AND product_id IS NOT NULL \
                 RETURNING code",
            )
            .bind(org.0)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
            match done {
                Some(row) => {
                    let code: String = row.get("code");
                    write_audit(
                        &mut tx,
                        &AuditEntry {
                            org,
                            staff: by,
                            action: "label.unbind",
                            object_type: "label",
                            object_id: Some(id.0),
                            detail: code,
                            at,
                        },
                    )
                    .await?;
                }
                None => {
                    sqlx::query("SELECT id FROM shelf_labels WHERE org_id = $1 AND id = $2")
                        .bind(org.0)
                        .bind(id.0)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                }
            }
        })
    }

    pub async fn label(&self, org: OrgId, id: LabelId) -> Result<LabelRow> {
        let sql = format!("SELECT {LABEL_COLS} FROM {LABEL_FROM} WHERE l.org_id = $1 AND l.id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(label_row(&row))
    }

    /// Labels by code; `product` keeps the labels of one product.
    pub async fn labels(&self, org: OrgId, product: Option<ProductId>, page: PageRequest) -> Result<Page<LabelRow>> {
        let product = product.map_or(0, |p| p.0);
        let total: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM shelf_labels l WHERE l.org_id = $1 AND ($2 = 0 OR l.product_id = $2)",
        )
        .bind(org.0)
        .bind(product)
        .fetch_one(&self.pool)
        .await?
        .get("n");
        let sql = format!(
            "SELECT {LABEL_COLS} FROM {LABEL_FROM} WHERE l.org_id = $1 AND ($2 = 0 OR l.product_id = $2) \
             ORDER BY l.code, l.id LIMIT $3 OFFSET $4"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .bind(product)
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(&self.pool)
            .await?;
        Ok(Page {
            items: rows.iter().map(label_row).collect(),
            total,
        })
    }

    /// Every label of the organisation (at most `LABELS_MAX`), or those of one product, by code.
    pub async fn all_labels(&self, org: OrgId, product: Option<ProductId>) -> Result<Vec<LabelRow>> {
        let sql = format!(
            "SELECT {LABEL_COLS} FROM {LABEL_FROM} WHERE l.org_id = $1 AND ($2 = 0 OR l.product_id = $2) \
             ORDER BY l.code, l.id LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.0)
            .bind(product.map_or(0, |p| p.0))
            .bind(LABELS_MAX)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(label_row).collect())
    }

    /// The organisations that have labels, for the background sweep that keeps them in step
    /// with prices and promotion windows (the one label query not scoped to an organisation).
    pub async fn label_orgs(&self) -> Result<Vec<OrgId>> {
        let rows = sqlx::query("SELECT DISTINCT org_id FROM shelf_labels ORDER BY org_id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| OrgId(r.get("org_id"))).collect())
    }

    /// Makes `face` the label's next version if its version is still `expected`; answers
    /// the new version, or None when another writer made a version meanwhile (then the
    /// caller reads the label again). Old versions beyond `LABEL_VERSIONS_KEPT` are dropped,
    /// never the acknowledged one.
    pub async fn stage_label(
        &self,
        org: OrgId,
        id: LabelId,
        expected: i64,
        face: &LabelFace,
        at: i64,
    ) -> Result<Option<i64>> {
        label_tx!(self, |tx| {
            let row: Option<AnyRow> = sqlx::query(
                "UPDATE shelf_labels SET version = version + 1, version_at = $4, attempted_at = NULL, \
                 pushed_at = NULL, push_error = '' \
                 WHERE org_id = $1 AND id = $2 AND version = $3 RETURNING version, acked_version",
            )
            .bind(org.0)
            .bind(id.0)
            .bind(expected)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                None => {
                    sqlx::query("SELECT id FROM shelf_labels WHERE org_id = $1 AND id = $2")
                        .bind(org.0)
                        .bind(id.0)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                    None
                }
                Some(row) => {
                    let version: i64 = row.get("version");
                    let acked: i64 = row.get("acked_version");
                    sqlx::query(
                        "INSERT INTO label_versions (org_id, label_id, version, product_id, name_zh, unit_kind, \
                         unit_label, regular_price_fen, price_fen, unit_price_fen, promo_zh, made_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(org.0)
                    .bind(id.0)
                    .bind(version)
                    .bind(face.product_id.map(|p| p.0))
                    .bind(face.name_zh.as_str())
                    .bind(face.unit_kind.code())
                    .bind(face.unit_label.as_str())
                    .bind(face.regular_price_fen)
                    .bind(face.price_fen)
                    .bind(face.unit_price_fen)
                    .bind(face.promo_zh.as_str())
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(
                        "DELETE FROM label_versions WHERE org_id = $1 AND label_id = $2 AND version <= $3 \
                         AND version <> $4",
                    )
                    .bind(org.0)
                    .bind(id.0)
                    .bind(version - LABEL_VERSIONS_KEPT)
                    .bind(acked)
                    .execute(&mut *tx)
                    .await?;
                    Some(version)
                }
            }
        })
    }

    /// Records how pushing `version` to the label went: `error` None means the driver took
    /// it. Nothing changes when the label has a newer version meanwhile.
    pub async fn label_pushed(
        &self,
        org: OrgId,
        id: LabelId,
        version: i64,
        error: Option<&str>,
        at: i64,
    ) -> Result<()> {
        label_tx!(self, |tx| {
            let q = match error {
                None => sqlx::query(
                    "UPDATE shelf_labels SET attempted_at = $4, pushed_at = $4, push_error = '' \
                     WHERE org_id = $1 AND id = $2 AND version = $3",
                )
                .bind(org.0)
                .bind(id.0)
                .bind(version)
                .bind(at),
                Some(e) => sqlx::query(
                    "UPDATE shelf_labels SET attempted_at = $4, push_error = $5 WHERE org_id = $1 AND id = $2 \
                     AND version = $3",
                )
                .bind(org.0)
                .bind(id.0)
                .bind(version)
                .bind(at)
                .bind(e),
            };
            q.execute(&mut *tx).await?;
        })
    }

    /// The label says it shows `version` with `shown_price_fen` on its face. Acks only move
    /// forward: an ack of a version at or below the acknowledged one changes nothing
    /// (`AlreadyAcked`); a version the label was never given is refused (`unknown_version`).
    pub async fn ack_label(
        &self,
        org: OrgId,
        id: LabelId,
        version: i64,
        shown_price_fen: i64,
        at: i64,
    ) -> Result<AckOutcome> {
        label_tx!(self, |tx| {
            let done: Option<AnyRow> = sqlx::query(
                "UPDATE shelf_labels SET acked_version = $3, acked_at = $5, shown_price_fen = $4, push_error = '' \
                 WHERE org_id = $1 AND id = $2 AND acked_version < $3 AND version >= $3 RETURNING id",
            )
            .bind(org.0)
            .bind(id.0)
            .bind(version)
            .bind(shown_price_fen)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            if done.is_some() {
                AckOutcome::Recorded
            } else {
                let row = sqlx::query("SELECT version, acked_version FROM shelf_labels WHERE org_id = $1 AND id = $2")
                    .bind(org.0)
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let current: i64 = row.get("version");
                if version > current || version < 1 {
                    return Err(refused(
                        "unknown_version",
                        "version",
                        format!("the label was never given version {version} (newest: {current})"),
                        format!("该价签没有版本 {version}（最新为 {current}）"),
                    ));
                }
                AckOutcome::AlreadyAcked
            }
        })
    }
}
