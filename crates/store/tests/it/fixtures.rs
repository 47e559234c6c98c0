//! A small organisation to test against.

use linli_domain::catalog::{UnitKind, pinyin_of};
use linli_domain::ids::{CategoryId, LocationId, OrgId, ProductId, StaffId, StoreId};
use linli_store::*;

pub const T0: i64 = 1_764_000_000_000;
pub const HOUR: i64 = 3_600_000;

pub struct Org {
    pub org: OrgId,
    pub store: StoreId,
    pub floor: LocationId,
    pub backroom: LocationId,
    pub dairy: CategoryId,
    pub staff: StaffId,
}

pub async fn org(s: &Store, name: &str) -> Org {
    let org = s.create_org(name, T0).await.unwrap();
    let store = s
        .create_store(org, "S1", "幸福里店", "", Some((31_200_000, 121_400_000)), T0)
        .await
        .unwrap();
    let floor = s
        .create_location(
            org,
            store,
            &NewLocation {
                code: &format!("{name}-F"),
                name_zh: "门店",
                name_en: "Floor",
                kind: LocationKind::SalesFloor,
                lat_e6: None,
                lon_e6: None,
            },
        )
        .await
        .unwrap();
    let backroom = s
        .create_location(
            org,
            store,
            &NewLocation {
                code: &format!("{name}-B"),
                name_zh: "后仓",
                name_en: "Backroom",
                kind: LocationKind::Backroom,
                lat_e6: None,
                lon_e6: None,
            },
        )
        .await
        .unwrap();
    let dairy = s
        .create_category(org, None, "dairy", "乳制品", "Dairy", 72)
        .await
        .unwrap();
    let staff = s
        .create_staff(
            org,
            &NewStaff {
                store: Some(store),
                username: &format!("{name}-mgr"),
                display_name: "店长",
                role: linli_domain::auth::Role::Manager,
                password_hash: "x",
            },
            None,
            T0,
        )
        .await
        .unwrap();
    Org {
        org,
        store,
        floor,
        backroom,
        dairy,
        staff,
    }
}

pub fn product_data(sku: &str, name: &str, price_fen: i64, category: Option<CategoryId>) -> ProductData {
    let (pinyin_full, pinyin_initials) = pinyin_of(name);
    ProductData {
        sku: sku.into(),
        name_zh: name.into(),
        name_en: String::new(),
        pinyin_full,
        pinyin_initials,
        brand: String::new(),
        category_id: category,
        unit_kind: UnitKind::Piece,
        unit_label: "瓶".into(),
        price_fen,
        cost_fen: price_fen * 7 / 10,
        tax_rate_bp: 1300,
        shelf_life_days: Some(7),
        plu: None,
        reorder_point: 0,
        active: true,
        gtins: Vec::new(),
        zone_ids: Vec::new(),
    }
}

pub async fn new_member(s: &Store, o: &Org, phone: &str, name: &str) -> linli_domain::ids::MemberId {
    s.create_member(
        o.org,
        &NewMember {
            phone,
            name,
            building: None,
            unit_no: "",
            room: "",
            birthday: None,
            joined_at: T0,
        },
    )
    .await
    .unwrap()
}

pub async fn product(s: &Store, o: &Org, sku: &str, name: &str) -> ProductId {
    s.create_product(o.org, &product_data(sku, name, 500, Some(o.dairy)), None, T0)
        .await
        .unwrap()
}

pub fn page(limit: i64) -> PageRequest {
    PageRequest { offset: 0, limit }
}

/// Puts `qty` of a lot at a location with a receipt movement.
pub async fn stock(s: &Store, o: &Org, loc: LocationId, p: ProductId, lot: &str, expires: Option<i64>, qty: i64) {
    s.receive(
        o.org,
        loc,
        None,
        None,
        &[ReceiveLine {
            product: p,
            lot_code: lot.into(),
            expires_at: expires,
            qty,
            unit_cost_fen: None,
        }],
        "",
        None,
        T0,
    )
    .await
    .unwrap()
    .unwrap();
}
