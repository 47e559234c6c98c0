//! Wire types of the JSON API: what goes over HTTP, with OpenAPI schemas.
//! Requests reject unknown fields; responses are built from app/store rows.

use linli_domain::phone;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Paging for every list: `page` from 1, `page_size` up to 200 (default 50).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct List<T: ToSchema> {
    pub items: Vec<T>,
    pub page: i64,
    pub page_size: i64,
    pub total: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Unix milliseconds.
    pub expires_at: i64,
    pub staff: Me,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub old_password: String,
    pub new_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub org_id: i64,
    pub username: String,
    pub display_name: String,
    /// owner, manager, cashier or rider.
    pub role: String,
    /// Permission codes this role has.
    pub permissions: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ok {
    pub ok: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// Generated when empty.
    pub sku: Option<String>,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub brand: Option<String>,
    pub category_id: Option<i64>,
    /// 件/个/瓶/包/盒/袋/罐/桶/箱/支/只/把, or kg for weighed goods.
    pub unit: String,
    /// Per piece, or per kg for weighed goods.
    pub price_fen: i64,
    pub cost_fen: Option<i64>,
    /// Basis points: 1300 = 13%.
    pub tax_rate_bp: Option<i64>,
    pub shelf_life_days: Option<i64>,
    /// 1–99999, for scale barcodes and typing at the till.
    pub plu: Option<i64>,
    pub reorder_point: Option<i64>,
    pub active: Option<bool>,
    /// EAN-13, EAN-8, UPC-A or GTIN-14; stored as GTIN-14.
    #[serde(default)]
    pub gtins: Vec<String>,
    #[serde(default)]
    pub zone_ids: Vec<i64>,
}

impl From<ProductInput> for linli_app::catalog::ProductInput {
    fn from(p: ProductInput) -> Self {
        linli_app::catalog::ProductInput {
            sku: p.sku,
            name_zh: p.name_zh,
            name_en: p.name_en,
            brand: p.brand,
            category_id: p.category_id,
            unit: p.unit,
            price_fen: p.price_fen,
            cost_fen: p.cost_fen,
            tax_rate_bp: p.tax_rate_bp,
            shelf_life_days: p.shelf_life_days,
            plu: p.plu,
            reorder_point: p.reorder_point,
            active: p.active,
            gtins: p.gtins,
            zone_ids: p.zone_ids,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceChange {
    pub price_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Product {
    pub id: i64,
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    pub pinyin: String,
    pub pinyin_initials: String,
    pub brand: String,
    pub category_id: Option<i64>,
    /// piece or weight.
    pub unit_kind: String,
    pub unit: String,
    pub price_fen: i64,
    pub cost_fen: i64,
    pub tax_rate_bp: i64,
    pub shelf_life_days: Option<i64>,
    pub plu: Option<i64>,
    pub reorder_point: i64,
    pub active: bool,
    pub gtins: Vec<String>,
    pub zone_ids: Vec<i64>,
    pub updated_at: i64,
}

impl From<linli_store::ProductRow> for Product {
    fn from(p: linli_store::ProductRow) -> Self {
        Product {
            id: p.id.0,
            sku: p.sku,
            name_zh: p.name_zh,
            name_en: p.name_en,
            pinyin: p.pinyin_full,
            pinyin_initials: p.pinyin_initials,
            brand: p.brand,
            category_id: p.category_id.map(|c| c.0),
            unit_kind: p.unit_kind.code().into(),
            unit: p.unit_label,
            price_fen: p.price_fen,
            cost_fen: p.cost_fen,
            tax_rate_bp: p.tax_rate_bp,
            shelf_life_days: p.shelf_life_days,
            plu: p.plu,
            reorder_point: p.reorder_point,
            active: p.active,
            gtins: p.gtins,
            zone_ids: p.zone_ids.into_iter().map(|z| z.0).collect(),
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProductQuery {
    /// Name, pinyin initials ("nn" finds 牛奶), full pinyin, SKU or barcode.
    pub q: Option<String>,
    pub category_id: Option<i64>,
    pub zone_id: Option<i64>,
    pub include_inactive: Option<bool>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Category {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub expiry_alert_hours: i64,
}

impl From<linli_store::CategoryRow> for Category {
    fn from(c: linli_store::CategoryRow) -> Self {
        Category {
            id: c.id.0,
            parent_id: c.parent_id.map(|p| p.0),
            code: c.code,
            name_zh: c.name_zh,
            name_en: c.name_en,
            expiry_alert_hours: c.expiry_alert_hours,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    pub parent_id: Option<i64>,
    pub code: String,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub expiry_alert_hours: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Zone {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ScanQuery {
    /// What the scanner read: EAN-13/8, UPC-A, a scale barcode, a GS1 element string
    /// (GS as %1D, or the bracketed form) or a PLU.
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScanResult {
    /// gtin, scale, gs1 or plu.
    pub kind: String,
    pub product: Option<Product>,
    pub gtin: Option<String>,
    pub lot: Option<String>,
    pub serial: Option<String>,
    /// ISO date.
    pub expiry: Option<String>,
    pub best_before: Option<String>,
    pub weight_g: Option<i64>,
    pub price_fen: Option<i64>,
}

impl From<linli_app::catalog::ScanResult> for ScanResult {
    fn from(s: linli_app::catalog::ScanResult) -> Self {
        ScanResult {
            kind: s.kind.into(),
            product: s.product.map(Product::from),
            gtin: s.gtin,
            lot: s.lot,
            serial: s.serial,
            expiry: s.expiry,
            best_before: s.best_before,
            weight_g: s.weight_g,
            price_fen: s.price_fen,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Location {
    pub id: i64,
    pub store_id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// sales_floor, backroom, front_warehouse or grid_station.
    pub kind: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

impl From<linli_store::LocationRow> for Location {
    fn from(l: linli_store::LocationRow) -> Self {
        let deg = |e6: Option<i64>| e6.map(|v| v as f64 / 1e6);
        Location {
            id: l.id.0,
            store_id: l.store_id.0,
            code: l.code,
            name_zh: l.name_zh,
            name_en: l.name_en,
            kind: l.kind.code().into(),
            lat: deg(l.lat_e6),
            lon: deg(l.lon_e6),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BalanceQuery {
    pub location_id: Option<i64>,
    pub product_id: Option<i64>,
    pub q: Option<String>,
    pub include_empty: Option<bool>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Balance {
    pub location_id: i64,
    pub location_name: String,
    pub product_id: i64,
    pub product_name: String,
    pub product_name_en: String,
    pub sku: String,
    pub unit: String,
    pub lot_id: i64,
    pub lot_code: String,
    pub expires_at: Option<i64>,
    pub received_at: i64,
    /// Pieces, or grams for weighed goods.
    pub qty_on_hand: i64,
    /// ok, soon (within the category's alert horizon) or expired.
    pub expiry_status: String,
}

pub fn balance(b: linli_store::BalanceRow, now: i64) -> Balance {
    let status = match b.expires_at {
        Some(e) if e <= now => "expired",
        Some(e) if linli_domain::stock::expiry_alert(Some(e), now, b.expiry_alert_hours) => "soon",
        _ => "ok",
    };
    Balance {
        location_id: b.location_id.0,
        location_name: b.location_name,
        product_id: b.product_id.0,
        product_name: b.product_name,
        product_name_en: b.product_name_en,
        sku: b.sku,
        unit: b.unit_label,
        lot_id: b.lot_id.0,
        lot_code: b.lot_code,
        expires_at: b.expires_at,
        received_at: b.received_at,
        qty_on_hand: b.qty_on_hand,
        expiry_status: status.into(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MovementQuery {
    pub product_id: Option<i64>,
    pub lot_id: Option<i64>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Movement {
    pub id: i64,
    pub location_id: i64,
    pub product_id: i64,
    pub lot_id: i64,
    pub lot_code: String,
    /// receipt, sale, return, transfer_out, transfer_in, adjustment, waste, count_correction.
    pub kind: String,
    pub qty_delta: i64,
    pub balance_after: i64,
    pub reason: String,
    pub ref_type: String,
    pub ref_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub at: i64,
}

impl From<linli_store::MovementRow> for Movement {
    fn from(m: linli_store::MovementRow) -> Self {
        Movement {
            id: m.id.0,
            location_id: m.location_id.0,
            product_id: m.product_id.0,
            lot_id: m.lot_id.0,
            lot_code: m.lot_code,
            kind: m.kind.code().into(),
            qty_delta: m.qty_delta,
            balance_after: m.balance_after,
            reason: m.reason,
            ref_type: m.ref_type,
            ref_id: m.ref_id,
            staff_id: m.staff_id.map(|s| s.0),
            at: m.at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentInput {
    pub location_id: i64,
    pub product_id: i64,
    pub lot_code: String,
    /// adjustment (either sign) or waste (negative).
    pub kind: String,
    pub qty_delta: i64,
    pub reason: String,
    /// ISO date, for a lot that is new here.
    pub expiry: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    pub from_location_id: i64,
    pub to_location_id: i64,
    pub product_id: i64,
    pub qty: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LotTake {
    pub lot_id: i64,
    pub lot_code: String,
    pub qty: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LowStock {
    pub product_id: i64,
    pub product_name: String,
    pub sku: String,
    pub unit: String,
    pub reorder_point: i64,
    pub qty_on_hand: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockCountInput {
    pub location_id: i64,
    /// Count only these products; all lots at the location when empty.
    #[serde(default)]
    pub product_ids: Vec<i64>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountedLines {
    pub lines: Vec<CountedLine>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountedLine {
    pub lot_id: i64,
    pub counted: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockCount {
    pub id: i64,
    pub location_id: i64,
    /// open or posted.
    pub status: String,
    pub note: String,
    pub created_at: i64,
    pub posted_at: Option<i64>,
    pub lines: Vec<StockCountLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StockCountLine {
    pub product_id: i64,
    pub product_name: String,
    pub lot_id: i64,
    pub lot_code: String,
    pub expected: i64,
    pub counted: i64,
    pub difference: i64,
}

impl From<linli_store::StockCountRow> for StockCount {
    fn from(c: linli_store::StockCountRow) -> Self {
        StockCount {
            id: c.id.0,
            location_id: c.location_id.0,
            status: c.status,
            note: c.note,
            created_at: c.created_at,
            posted_at: c.posted_at,
            lines: c
                .lines
                .into_iter()
                .map(|l| StockCountLine {
                    product_id: l.product_id.0,
                    product_name: l.product_name,
                    lot_id: l.lot_id.0,
                    lot_code: l.lot_code,
                    expected: l.expected,
                    counted: l.counted,
                    difference: l.counted - l.expected,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Supplier {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    /// farm, factory or distributor.
    pub kind: String,
    /// Masked.
    pub contact_phone: String,
    pub lead_time_hours: i64,
    /// HH:MM local time: orders after it count as the next day's.
    pub order_cutoff: String,
    pub delivery_time: String,
}

fn hhmm(min: i64) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

impl From<linli_store::SupplierRow> for Supplier {
    fn from(s: linli_store::SupplierRow) -> Self {
        Supplier {
            id: s.id.0,
            code: s.code,
            name_zh: s.name_zh,
            kind: s.kind,
            contact_phone: if s.contact_phone.is_empty() {
                String::new()
            } else {
                phone::mask_any(&s.contact_phone)
            },
            lead_time_hours: s.lead_time_hours,
            order_cutoff: hhmm(s.order_cutoff_min),
            delivery_time: hhmm(s.delivery_time_min),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierInput {
    pub code: String,
    pub name_zh: String,
    pub kind: String,
    pub contact_phone: Option<String>,
    pub lead_time_hours: i64,
    /// HH:MM
    pub order_cutoff: String,
    /// HH:MM
    pub delivery_time: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoInput {
    pub supplier_id: i64,
    pub note: Option<String>,
    pub lines: Vec<PoLineInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoLineInput {
    pub product_id: i64,
    pub qty: i64,
    #[serde(default)]
    pub unit_cost_fen: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoActionInput {
    /// send, close or cancel.
    pub action: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PoQuery {
    /// draft, sent, partly_received, received, closed or cancelled.
    pub status: Option<String>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseOrder {
    pub id: i64,
    pub number: String,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub status: String,
    pub note: String,
    pub expected_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub total_cost_fen: i64,
    pub lines: Vec<PoLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PoLine {
    pub product_id: i64,
    pub product_name: String,
    pub unit: String,
    pub qty_ordered: i64,
    pub qty_received: i64,
    pub unit_cost_fen: i64,
}

impl From<linli_store::PoRow> for PurchaseOrder {
    fn from(p: linli_store::PoRow) -> Self {
        PurchaseOrder {
            id: p.id.0,
            number: p.number,
            supplier_id: p.supplier_id.0,
            supplier_name: p.supplier_name,
            status: p.status.code().into(),
            note: p.note,
            expected_at: p.expected_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
            // Weighed goods are ordered in grams at a cost per kg.
            total_cost_fen: p
                .lines
                .iter()
                .map(|l| {
                    if l.unit_label == "kg" {
                        linli_domain::money::Money::for_weight(
                            linli_domain::money::Money::from_fen(l.unit_cost_fen),
                            l.qty_ordered,
                        )
                        .fen()
                    } else {
                        l.qty_ordered * l.unit_cost_fen
                    }
                })
                .sum(),
            lines: p
                .lines
                .into_iter()
                .map(|l| PoLine {
                    product_id: l.product_id.0,
                    product_name: l.product_name,
                    unit: l.unit_label,
                    qty_ordered: l.qty_ordered,
                    qty_received: l.qty_received,
                    unit_cost_fen: l.unit_cost_fen,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptInput {
    pub location_id: i64,
    /// Receive against this purchase order; omit for a walk-in delivery.
    pub po_id: Option<i64>,
    pub supplier_id: Option<i64>,
    pub note: Option<String>,
    pub lines: Vec<ReceiptLineInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLineInput {
    pub product_id: Option<i64>,
    /// A scanned code (EAN, or GS1 with lot and expiry) naming the product.
    pub code: Option<String>,
    pub lot_code: Option<String>,
    /// ISO date; taken from a GS1 code when omitted.
    pub expiry: Option<String>,
    pub qty: i64,
    pub unit_cost_fen: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    pub id: i64,
    pub po_status: Option<String>,
    pub lines: Vec<ReceiptLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptLine {
    pub product_id: i64,
    pub lot_id: i64,
    pub lot_code: String,
    pub qty: i64,
    /// Empty, short, over or unexpected (against what was still open on the PO).
    pub discrepancy: String,
    pub discrepancy_qty: i64,
}

impl From<linli_store::ReceiptResult> for Receipt {
    fn from(r: linli_store::ReceiptResult) -> Self {
        Receipt {
            id: r.id.0,
            po_status: r.po_status.map(|s| s.code().to_string()),
            lines: r
                .lines
                .into_iter()
                .map(|l| ReceiptLine {
                    product_id: l.product_id.0,
                    lot_id: l.lot_id.0,
                    lot_code: l.lot_code,
                    qty: l.qty,
                    discrepancy: l.discrepancy,
                    discrepancy_qty: l.discrepancy_qty,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Staff {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
    pub created_at: i64,
}

impl From<linli_store::StaffRow> for Staff {
    fn from(s: linli_store::StaffRow) -> Self {
        Staff {
            id: s.id.0,
            username: s.username,
            display_name: s.display_name,
            role: s.role.code().into(),
            active: s.active,
            created_at: s.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffInput {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffUpdate {
    pub role: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MemberQuery {
    /// Name, phone digits or room.
    pub q: Option<String>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    pub id: i64,
    /// Always masked: 138****5678.
    pub phone: String,
    pub name: String,
    pub building_id: Option<i64>,
    pub building_name: Option<String>,
    pub unit_no: String,
    pub room: String,
    pub joined_at: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// Mainland mobile number, 11 digits.
    pub phone: String,
    pub name: Option<String>,
    pub building_id: Option<i64>,
    pub unit_no: Option<String>,
    pub room: Option<String>,
    /// ISO date, e.g. 1968-03-12 (birthday gifts come in the birthday week).
    pub birthday: Option<String>,
}

impl From<linli_store::MemberRow> for Member {
    fn from(m: linli_store::MemberRow) -> Self {
        Member {
            id: m.id.0,
            phone: phone::mask_any(&m.phone),
            name: m.name,
            building_id: m.building_id.map(|b| b.0),
            building_name: m.building_name,
            unit_no: m.unit_no,
            room: m.room,
            joined_at: m.joined_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Building {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub compound_zh: String,
    pub households: i64,
    pub members: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Action prefix, e.g. `product.` or `stock.`.
    pub action: Option<String>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub staff_id: Option<i64>,
    pub staff_name: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<i64>,
    pub detail: String,
    pub at: i64,
}

impl From<linli_store::AuditRow> for AuditEntry {
    fn from(a: linli_store::AuditRow) -> Self {
        AuditEntry {
            id: a.id,
            staff_id: a.staff_id.map(|s| s.0),
            staff_name: a.staff_name,
            action: a.action,
            object_type: a.object_type,
            object_id: a.object_id,
            detail: a.detail,
            at: a.at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneInput {
    pub code: String,
    pub name_zh: String,
    pub name_en: Option<String>,
}

/// An in-store scale barcode layout: 13 digits = prefix (2, starting with 2) + PLU +
/// value (weight in grams or price in fen) + EAN check digit.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScaleTemplate {
    /// Two digits, "20" to "29".
    pub prefix: String,
    pub plu_digits: u8,
    /// weight_g or price_fen.
    pub value_kind: String,
    pub value_digits: u8,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteOffInput {
    pub location_id: i64,
}
