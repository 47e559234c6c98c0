//! The local network (本地网络): the neighbourhood on Uber's H3 hexagonal grid.
//!
//! A 15-minute life circle is about a kilometre across; at resolution 9 an H3 cell is
//! about 0.1 km² (edge ≈ 174 m), a few buildings of a compound, which is the grain
//! demand is mapped, stations placed and delivery orders allocated at. This crate is
//! pure: points in, cells and outlines out (grid stations, allocation, slots and rider
//! routes build on it in later steps).

use h3o::{CellIndex, LatLng, Resolution};

/// The grain of the neighbourhood map: about 0.1 km² a cell.
pub const MAP_RESOLUTION: u8 = 9;

/// Why a point or cell was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GridError {
    /// Latitude or longitude outside the globe (or not a number).
    Point,
    /// Not an H3 cell index.
    Cell,
    Resolution,
}

/// A hex cell: its H3 index as a number (and as the usual hex text via `text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cell(pub u64);

impl Cell {
    /// The H3 index as text, as every H3 tool writes it (such as 8931aa…fff).
    pub fn text(self) -> String {
        CellIndex::try_from(self.0).map_or_else(|_| String::new(), |c| c.to_string())
    }

    /// The cell's centre (latitude, longitude in degrees).
    pub fn centre(self) -> Result<(f64, f64), GridError> {
        let c = CellIndex::try_from(self.0).map_err(|_| GridError::Cell)?;
        let ll = LatLng::from(c);
        Ok((ll.lat(), ll.lng()))
    }

    /// The cell's outline: six (or five) vertices (latitude, longitude in degrees).
    pub fn outline(self) -> Result<Vec<(f64, f64)>, GridError> {
        let c = CellIndex::try_from(self.0).map_err(|_| GridError::Cell)?;
        Ok(c.boundary().iter().map(|ll| (ll.lat(), ll.lng())).collect())
    }

    /// Cells at most `k` steps away, this one included.
    pub fn disk(self, k: u32) -> Result<Vec<Cell>, GridError> {
        let c = CellIndex::try_from(self.0).map_err(|_| GridError::Cell)?;
        Ok(c.grid_disk::<Vec<_>>(k)
            .into_iter()
            .map(|c| Cell(u64::from(c)))
            .collect())
    }

    /// Steps between two cells of the same resolution (None when too far or across a
    /// pentagon).
    pub fn steps_to(self, other: Cell) -> Option<i32> {
        let a = CellIndex::try_from(self.0).ok()?;
        let b = CellIndex::try_from(other.0).ok()?;
        a.grid_distance(b).ok()
    }
}

/// The cell of a point at `resolution` (0–15).
pub fn cell_of(lat: f64, lon: f64, resolution: u8) -> Result<Cell, GridError> {
    let r = Resolution::try_from(resolution).map_err(|_| GridError::Resolution)?;
    let ll = LatLng::new(lat, lon).map_err(|_| GridError::Point)?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(GridError::Point);
    }
    Ok(Cell(u64::from(ll.to_cell(r))))
}

/// Great-circle distance in metres.
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    const R: f64 = 6_371_008.8;
    let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo store's corner of Shanghai (Xuhui).
    const STORE: (f64, f64) = (31.1880, 121.4370);

    #[test]
    fn a_point_falls_in_a_cell_whose_outline_surrounds_it() {
        let c = cell_of(STORE.0, STORE.1, MAP_RESOLUTION).unwrap();
        assert_eq!(c.text().len(), 15);
        assert!(
            c.text().starts_with("89"),
            "resolution 9 indexes start 89: {}",
            c.text()
        );
        let outline = c.outline().unwrap();
        assert_eq!(outline.len(), 6);
        let centre = c.centre().unwrap();
        // The centre is within a cell's reach of the point (edge ≈ 174 m).
        assert!(distance_m(centre, STORE) < 200.0, "{}", distance_m(centre, STORE));
        for v in &outline {
            let d = distance_m(*v, centre);
            assert!((120.0..260.0).contains(&d), "a vertex {d} m from the centre");
        }
        // The same point, the same cell; 500 m north, another about three steps away.
        assert_eq!(cell_of(STORE.0, STORE.1, MAP_RESOLUTION).unwrap(), c);
        let north = cell_of(STORE.0 + 0.0045, STORE.1, MAP_RESOLUTION).unwrap();
        let steps = c.steps_to(north).unwrap();
        assert!((1..=3).contains(&steps), "{steps}");
        assert_eq!(c.disk(1).unwrap().len(), 7);
        assert!(c.disk(1).unwrap().contains(&c));
    }

    #[test]
    fn bad_points_and_cells_are_refused() {
        assert_eq!(cell_of(91.0, 0.0, 9), Err(GridError::Point));
        assert_eq!(cell_of(f64::NAN, 0.0, 9), Err(GridError::Point));
        assert_eq!(cell_of(31.0, 121.0, 16), Err(GridError::Resolution));
        assert_eq!(Cell(0).outline(), Err(GridError::Cell));
        assert_eq!(Cell(12345).centre(), Err(GridError::Cell));
        assert_eq!(Cell(0).text(), "");
    }

    #[test]
    fn distances_are_great_circle() {
        // One degree of latitude is about 111.2 km.
        let d = distance_m((31.0, 121.0), (32.0, 121.0));
        assert!((d - 111_195.0).abs() < 50.0, "{d}");
        assert_eq!(distance_m(STORE, STORE), 0.0);
    }
}
