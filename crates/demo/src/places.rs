//! The store, its stock locations and the residential buildings around it.
//!
//! The demo community is a residential corner of Putuo district, Shanghai: the
//! store sits at the south gate of the 幸福里 compound (old six-storey 新村 blocks
//! and newer high-rises), the 锦绣苑 compound lies a few hundred metres east, a
//! front warehouse (前置仓) about a kilometre away serves delivery orders, and six
//! grid stations (网格站) in nearby compounds take parcels and group-buy pickups.
//! Positions are fixed so maps and service areas look the same for every seed.

/// Degrees of latitude per kilometre.
const LAT_PER_KM: f64 = 1.0 / 111.0;
/// Degrees of longitude per kilometre at Shanghai's latitude (cos 31.24° × 111 km).
const LON_PER_KM: f64 = 1.0 / 94.9;

pub(crate) const STORE_LAT: f64 = 31.244_5;
pub(crate) const STORE_LON: f64 = 121.415_0;

/// The store the demo is about.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoStore {
    pub code: String,
    pub name_zh: String,
    pub address_zh: String,
    pub lat: f64,
    pub lon: f64,
}

/// What a stock location is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LocationKind {
    /// 门店: the shop floor the till sells from.
    SalesFloor,
    /// 后仓: the stock room behind the shop.
    Backroom,
    /// 前置仓: a small warehouse that serves delivery orders.
    FrontWarehouse,
    /// 网格站: a pickup point in a nearby compound.
    GridStation,
}

/// A place that holds stock.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoLocation {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: LocationKind,
    pub lat: f64,
    pub lon: f64,
}

/// A residential building.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoBuilding {
    pub code: String,
    pub name_zh: String,
    pub compound_zh: String,
    pub lat: f64,
    pub lon: f64,
    pub households: u32,
}

/// How a building is laid out, for rooms and for who lives there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    pub units: u8,
    pub floors: u8,
    pub rooms_per_floor: u8,
    /// An old walk-up (老新村), where more elderly residents live.
    pub walk_up: bool,
}

impl Layout {
    pub(crate) fn households(self) -> u32 {
        u32::from(self.units) * u32::from(self.floors) * u32::from(self.rooms_per_floor)
    }
}

pub(crate) const SALES_FLOOR: &str = "SF01";
pub(crate) const BACKROOM: &str = "BR01";
pub(crate) const FRONT_WAREHOUSE: &str = "FW01";

pub(crate) fn store() -> DemoStore {
    DemoStore {
        code: "SH-PT-001".into(),
        name_zh: "邻里便利·幸福里店".into(),
        address_zh: "上海市普陀区枣阳路318弄幸福里小区南门1号商铺".into(),
        lat: STORE_LAT,
        lon: STORE_LON,
    }
}

/// A point `east_km` and `north_km` from the store.
fn offset(east_km: f64, north_km: f64) -> (f64, f64) {
    (STORE_LAT + north_km * LAT_PER_KM, STORE_LON + east_km * LON_PER_KM)
}

/// Grid stations: name, English name, and position relative to the store (km east,
/// km north). Spread around the compass at 0.9–2.8 km.
const GRID_STATIONS: [(&str, &str, f64, f64); 6] = [
    ("曹杨新村网格站", "Caoyang Xincun grid station", 0.8, 0.5),
    ("枣阳小区网格站", "Zaoyang compound grid station", -1.2, 0.9),
    ("梅岭苑网格站", "Meilingyuan grid station", 1.5, -1.3),
    ("金沙雅苑网格站", "Jinsha Yayuan grid station", -0.6, -2.1),
    ("真如花园网格站", "Zhenru Garden grid station", 2.6, 0.9),
    ("兰溪路网格站", "Lanxi Road grid station", -2.2, -1.0),
];

pub(crate) fn locations() -> Vec<DemoLocation> {
    let mut out = vec![
        DemoLocation {
            code: SALES_FLOOR.into(),
            name_zh: "幸福里店门店".into(),
            name_en: "Xingfuli store sales floor".into(),
            kind: LocationKind::SalesFloor,
            lat: STORE_LAT,
            lon: STORE_LON,
        },
        DemoLocation {
            code: BACKROOM.into(),
            name_zh: "幸福里店后仓".into(),
            name_en: "Xingfuli store backroom".into(),
            kind: LocationKind::Backroom,
            lat: STORE_LAT + 0.000_1,
            lon: STORE_LON,
        },
    ];
    let (lat, lon) = offset(0.72, 0.70);
    out.push(DemoLocation {
        code: FRONT_WAREHOUSE.into(),
        name_zh: "铜川路前置仓".into(),
        name_en: "Tongchuan Road front warehouse".into(),
        kind: LocationKind::FrontWarehouse,
        lat,
        lon,
    });
    for (i, (zh, en, east, north)) in GRID_STATIONS.iter().enumerate() {
        let (lat, lon) = offset(*east, *north);
        out.push(DemoLocation {
            code: format!("GS{:02}", i + 1),
            name_zh: (*zh).into(),
            name_en: (*en).into(),
            kind: LocationKind::GridStation,
            lat,
            lon,
        });
    }
    out
}

/// The buildings with their layouts: 幸福里 1–6 号楼 are six-storey walk-ups,
/// 7–10 号楼 18-storey towers, 锦绣苑 1–4 号楼 eleven-storey slabs.
pub(crate) fn buildings() -> Vec<(DemoBuilding, Layout)> {
    let mut out = Vec::new();
    for n in 1..=10_u8 {
        let layout = if n <= 6 {
            Layout {
                units: 3,
                floors: 6,
                rooms_per_floor: 2,
                walk_up: true,
            }
        } else {
            Layout {
                units: 2,
                floors: 18,
                rooms_per_floor: 4,
                walk_up: false,
            }
        };
        // Two rows of five behind the store, 90 m apart.
        let row = f64::from((n - 1) / 5);
        let col = f64::from((n - 1) % 5);
        let (lat, lon) = offset(-0.18 + 0.09 * col, 0.08 + 0.11 * row);
        out.push((
            DemoBuilding {
                code: format!("XFL-{n:02}"),
                name_zh: format!("幸福里{n}号楼"),
                compound_zh: "幸福里".into(),
                lat,
                lon,
                households: layout.households(),
            },
            layout,
        ));
    }
    for n in 1..=4_u8 {
        let layout = Layout {
            units: 2,
            floors: 11,
            rooms_per_floor: 2,
            walk_up: false,
        };
        let (lat, lon) = offset(0.62 + 0.08 * f64::from(n - 1), 0.05 + 0.03 * f64::from(n % 2));
        out.push((
            DemoBuilding {
                code: format!("JXY-{n:02}"),
                name_zh: format!("锦绣苑{n}号楼"),
                compound_zh: "锦绣苑".into(),
                lat,
                lon,
                households: layout.households(),
            },
            layout,
        ));
    }
    out
}

/// Great-circle distance in km (haversine), for tests.
#[cfg(test)]
pub(crate) fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_warehouse_is_about_a_kilometre_away() {
        let fw = locations()
            .into_iter()
            .find(|l| l.kind == LocationKind::FrontWarehouse)
            .expect("there is a front warehouse");
        let d = distance_km(STORE_LAT, STORE_LON, fw.lat, fw.lon);
        assert!((0.8..1.2).contains(&d), "{d} km");
    }

    #[test]
    fn grid_stations_are_spread_within_three_kilometres() {
        let stations: Vec<DemoLocation> = locations()
            .into_iter()
            .filter(|l| l.kind == LocationKind::GridStation)
            .collect();
        assert_eq!(stations.len(), 6);
        for s in &stations {
            let d = distance_km(STORE_LAT, STORE_LON, s.lat, s.lon);
            assert!((0.5..3.0).contains(&d), "{} at {d} km", s.name_zh);
        }
        for (i, a) in stations.iter().enumerate() {
            for b in &stations[i + 1..] {
                assert!(
                    distance_km(a.lat, a.lon, b.lat, b.lon) > 0.8,
                    "{} and {}",
                    a.name_zh,
                    b.name_zh
                );
            }
        }
    }

    #[test]
    fn buildings_are_next_to_the_store() {
        for (b, _) in buildings() {
            let d = distance_km(STORE_LAT, STORE_LON, b.lat, b.lon);
            assert!(d < 1.0, "{} at {d} km", b.name_zh);
        }
    }
}
