//! 选址 Site selection: where the next store should open.
//!
//! The store's own neighbourhood is the demand: every building the organisation knows
//! with its households, placed by its coordinates. The organisation's stores (at the
//! floor area the manager gives) and the competitors the manager lists take their share
//! of it by the Huff gravity model (`linli_analytics::site`: attractiveness area^α,
//! distance decay distance^−β, the textbook α = 1, β = 2 unless three or more stores
//! with sales let them be fitted). Each candidate is added on its own; what it captures
//! becomes takings per m² a day at the rate the organisation's stores turn captured
//! households into takings (their last `SITE_SALES_DAYS` days of completed orders), so
//! the figure is in yuan, not in households. Every neighbourhood also has an outside
//! option (`OUTSIDE_KM`), so a far store takes little of it. Candidates are ranked by
//! what the organisation gains per m² (what the candidate captures less what it takes
//! from the organisation's own stores); with density, income and competitors for every
//! candidate and enough stores, the regression's rank is averaged in.

use crate::{Actor, App, AppError};
use linli_analytics::site::{self, Site, Zone};
use linli_domain::auth::Permission;

/// Days of takings that price a captured household.
pub const SITE_SALES_DAYS: i64 = 90;
/// The walk of the 15-minute life circle: a store of the organisation's floor area this
/// far from a neighbourhood is as attractive to it as everything outside the model
/// (shops elsewhere, online, not going out), so a store far away takes little of it.
pub const OUTSIDE_KM: f64 = 1.0;
/// Candidates and competitors one evaluation takes at most.
pub const SITES_MAX: usize = 200;
/// Buildings one evaluation takes at most.
pub const ZONES_MAX: usize = 5_000;

/// A candidate's prediction, for display.
#[derive(Debug, Clone, PartialEq)]
pub struct SitePrediction {
    pub id: String,
    pub lat: f64,
    pub lon: f64,
    pub area_m2: f64,
    /// Households it would capture (of the buildings known).
    pub captured_households: f64,
    /// Predicted takings per m² a day, fen.
    pub sales_per_m2_fen: i64,
    /// Households the organisation gains in all: what the candidate captures less what
    /// it takes from the organisation's own stores.
    pub net_households: f64,
    /// Takings a day the organisation gains in all, fen.
    pub net_fen_per_day: i64,
    pub regression_sales_per_m2: Option<f64>,
    pub rank: usize,
    /// Metres to the nearest store of the organisation.
    pub nearest_store_m: f64,
}

/// What an evaluation found and what it was made from (for the map).
#[derive(Debug, Clone, PartialEq)]
pub struct SiteReport {
    pub alpha: f64,
    pub beta: f64,
    pub fitted: bool,
    /// Takings a day (fen) per captured household, from the stores' own sales.
    pub fen_per_household: f64,
    pub stores: Vec<Site>,
    pub competitors: Vec<Site>,
    pub zones: Vec<Zone>,
    pub predictions: Vec<SitePrediction>,
}

fn csv_error(field: &str, e: &linli_analytics::input::InputError) -> AppError {
    AppError::invalid(
        field,
        &format!("line {}, column {}: {}", e.line, e.column, e.message),
        &format!("第 {} 行第 {} 列：{}", e.line, e.column, e.message),
    )
}

impl App {
    /// Ranks `candidates` (CSV `id,lat,lon,area_m2[,density,income,competitors]`) against
    /// the organisation's stores of `store_area_m2` each and the `competitors` (CSV
    /// `id,lat,lon,area_m2`, may be empty), over the buildings the organisation knows.
    pub async fn site_selection(
        &self,
        actor: &Actor,
        store_area_m2: f64,
        competitors: &str,
        candidates: &str,
    ) -> Result<SiteReport, AppError> {
        actor.require(Permission::ViewAudit)?;
        if !(10.0..=100_000.0).contains(&store_area_m2) {
            return Err(AppError::invalid(
                "store_area_m2",
                "the store's floor area must be from 10 to 100000 m²",
                "门店面积须在 10 到 100000 平方米之间",
            ));
        }
        let candidates = site::parse_sites(candidates.as_bytes()).map_err(|e| csv_error("candidates", &e))?;
        let competitors = if competitors.trim().is_empty() {
            Vec::new()
        } else {
            site::parse_sites(competitors.as_bytes()).map_err(|e| csv_error("competitors", &e))?
        };
        if candidates.len() > SITES_MAX || competitors.len() > SITES_MAX {
            return Err(AppError::invalid(
                "candidates",
                &format!("at most {SITES_MAX} rows"),
                &format!("最多 {SITES_MAX} 行"),
            ));
        }
        let now = self.now();
        let since = now - SITE_SALES_DAYS * 86_400_000;
        let mut stores = Vec::new();
        for s in self.store.stores(actor.org).await? {
            let (Some(lat), Some(lon)) = (s.lat_e6, s.lon_e6) else {
                continue;
            };
            let takings = self.store.store_takings(actor.org, s.id, since, now + 1).await?;
            stores.push(Site {
                id: s.name.clone(),
                lat: lat as f64 / 1e6,
                lon: lon as f64 / 1e6,
                area_m2: store_area_m2,
                sales: (takings > 0).then(|| takings as f64 / SITE_SALES_DAYS as f64),
                features: None,
            });
        }
        if stores.is_empty() {
            return Err(AppError::invalid(
                "store_area_m2",
                "no store of the organisation has a position to compare with",
                "本组织没有带坐标的门店可供比较",
            ));
        }
        let zones: Vec<Zone> = self
            .store
            .buildings(actor.org)
            .await?
            .into_iter()
            .filter_map(|b| {
                Some(Zone {
                    id: b.name_zh.clone(),
                    lat: b.lat_e6? as f64 / 1e6,
                    lon: b.lon_e6? as f64 / 1e6,
                    demand: b.households.max(0) as f64,
                })
            })
            .filter(|z| z.demand > 0.0)
            .collect();
        if zones.is_empty() {
            return Err(AppError::invalid(
                "candidates",
                "no buildings with households and coordinates to take demand from",
                "没有带户数和坐标的楼栋，无法估算需求",
            ));
        }
        if zones.len() > ZONES_MAX {
            return Err(AppError::invalid(
                "candidates",
                &format!("more than {ZONES_MAX} buildings: evaluate a district at a time"),
                &format!("楼栋超过 {ZONES_MAX} 栋，请分片区评估"),
            ));
        }
        // Up to 200 × 400 × 5,000 model terms: off the async workers.
        tokio::task::spawn_blocking(move || report_of(stores, competitors, zones, candidates))
            .await
            .map_err(|e| AppError::Internal(format!("the site evaluation stopped: {e}")))
    }
}

/// The evaluation itself (pure, for the page and its tests).
pub fn report_of(stores: Vec<Site>, competitors: Vec<Site>, zones: Vec<Zone>, candidates: Vec<Site>) -> SiteReport {
    // Competitors take their share but have no sales to fit to.
    let everyone: Vec<Site> = stores
        .iter()
        .cloned()
        .chain(competitors.iter().map(|c| Site {
            sales: None,
            features: None,
            ..c.clone()
        }))
        .collect();
    let fit_on: Vec<Site> = if competitors.is_empty() {
        stores.clone()
    } else {
        everyone.clone()
    };
    let huff = site::fit_huff(&fit_on, &zones);
    let reference_area = stores.iter().map(|s| s.area_m2).sum::<f64>() / stores.len().max(1) as f64;
    let outside = reference_area.powf(huff.alpha) * OUTSIDE_KM.powf(-huff.beta);
    let capture = |sites: &[Site]| site::captured_with_outside(sites, &zones, huff.alpha, huff.beta, outside);
    // The rate at which the organisation's own stores turn captured households into
    // takings a day.
    let captured = capture(&everyone);
    let own_before: f64 = captured[..stores.len()].iter().sum();
    let own_sales: f64 = stores.iter().filter_map(|s| s.sales).sum();
    let own_captured: f64 = captured[..stores.len()].iter().sum();
    let fen_per_household = if own_captured > 0.0 {
        own_sales / own_captured
    } else {
        0.0
    };
    let regression = site::fit_regression(&fit_on);
    let mut with = everyone.clone();
    let mut predictions: Vec<SitePrediction> = candidates
        .iter()
        .map(|c| {
            with.push(c.clone());
            let after = capture(&with);
            with.pop();
            let households = *after.last().expect("the candidate");
            let net_households = households + after[..stores.len()].iter().sum::<f64>() - own_before;
            SitePrediction {
                id: c.id.clone(),
                lat: c.lat,
                lon: c.lon,
                area_m2: c.area_m2,
                captured_households: households,
                sales_per_m2_fen: (households * fen_per_household / c.area_m2).round() as i64,
                net_households,
                net_fen_per_day: (net_households * fen_per_household).round() as i64,
                regression_sales_per_m2: regression
                    .as_ref()
                    .zip(c.features)
                    .map(|(r, x)| site::predict(&r.coefficients, &x)),
                rank: 0,
                nearest_store_m: stores
                    .iter()
                    .map(|s| site::distance_km(s.lat, s.lon, c.lat, c.lon) * 1000.0)
                    .fold(f64::INFINITY, f64::min),
            }
        })
        .collect();
    // Best first by what the organisation gains per m² (a site that only takes from the
    // organisation's own store gains little), averaged with the regression's rank when
    // every candidate has one (ties: the one listed first).
    let rank_by = |value: &dyn Fn(&SitePrediction) -> f64| -> Vec<usize> {
        let mut order: Vec<usize> = (0..predictions.len()).collect();
        order.sort_by(|&a, &b| {
            value(&predictions[b])
                .total_cmp(&value(&predictions[a]))
                .then(a.cmp(&b))
        });
        let mut rank = vec![0; predictions.len()];
        for (r, i) in order.into_iter().enumerate() {
            rank[i] = r;
        }
        rank
    };
    let mut score = rank_by(&|p| p.net_households / p.area_m2);
    if predictions.iter().all(|p| p.regression_sales_per_m2.is_some()) {
        let by_regression = rank_by(&|p| p.regression_sales_per_m2.unwrap_or(f64::NEG_INFINITY));
        for (s, r) in score.iter_mut().zip(by_regression) {
            *s += r;
        }
    }
    let mut order: Vec<usize> = (0..predictions.len()).collect();
    order.sort_by_key(|&i| (score[i], i));
    for (r, i) in order.into_iter().enumerate() {
        predictions[i].rank = r + 1;
    }
    SiteReport {
        alpha: huff.alpha,
        beta: huff.beta,
        fitted: huff.fitted,
        fen_per_household,
        stores,
        competitors,
        zones,
        predictions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(id: &str, lat: f64, lon: f64, area: f64, sales: Option<f64>) -> Site {
        Site {
            id: id.into(),
            lat,
            lon,
            area_m2: area,
            sales,
            features: None,
        }
    }

    #[test]
    fn a_candidate_among_unserved_households_beats_one_beside_the_store() {
        // The store at the origin serves a compound beside it; a second compound 2 km
        // east has nobody near.
        let store = site("本店", 31.0, 121.0, 100.0, Some(50_000.0));
        let zones = vec![
            Zone {
                id: "近".into(),
                lat: 31.0,
                lon: 121.002,
                demand: 500.0,
            },
            Zone {
                id: "远".into(),
                lat: 31.0,
                lon: 121.021,
                demand: 500.0,
            },
        ];
        let candidates = vec![
            site("隔壁", 31.0, 121.001, 100.0, None),
            site("东边", 31.0, 121.020, 100.0, None),
        ];
        let r = report_of(vec![store], Vec::new(), zones, candidates);
        assert!(!r.fitted, "one store: the textbook exponents");
        assert_eq!((r.alpha, r.beta), (1.0, 2.0));
        let by_id = |id: &str| r.predictions.iter().find(|p| p.id == id).unwrap();
        assert_eq!(by_id("东边").rank, 1);
        assert_eq!(by_id("隔壁").rank, 2);
        // 隔壁 captures almost as much, but mostly from the store beside it.
        assert!(
            by_id("东边").net_fen_per_day > 3 * by_id("隔壁").net_fen_per_day,
            "{:?}",
            r.predictions
        );
        assert!(by_id("隔壁").net_households < by_id("隔壁").captured_households / 3.0);
        // The store captures the near compound (190 m: 100/0.19² against the outside's
        // 100/1²: 96.5%) and little of the far one (2 km: 20%): ¥500 a day over those.
        let near = 500.0 * (100.0 / 0.19_f64.powi(2)) / (100.0 / 0.19_f64.powi(2) + 100.0);
        assert!(
            (r.fen_per_household * (near + 100.0) - 50_000.0).abs() < 300.0,
            "{}",
            r.fen_per_household
        );
        // 东边 takes most of the far compound, little of the near one.
        let east = by_id("东边");
        assert!(
            east.captured_households > 450.0 && east.captured_households < 520.0,
            "{east:?}"
        );
        assert_eq!(
            east.sales_per_m2_fen,
            (east.captured_households * r.fen_per_household / 100.0).round() as i64
        );
        assert!((east.nearest_store_m - 1_906.0).abs() < 5.0, "{}", east.nearest_store_m);
    }

    #[test]
    fn a_competitor_takes_its_share() {
        let store = site("本店", 31.0, 121.0, 100.0, Some(50_000.0));
        let zones = vec![Zone {
            id: "远".into(),
            lat: 31.0,
            lon: 121.021,
            demand: 500.0,
        }];
        let candidate = vec![site("东边", 31.0, 121.020, 100.0, None)];
        let alone = report_of(vec![store.clone()], Vec::new(), zones.clone(), candidate.clone());
        let rival = site("对手", 31.0, 121.0205, 300.0, None);
        let contested = report_of(vec![store], vec![rival], zones, candidate);
        assert!(contested.predictions[0].captured_households < alone.predictions[0].captured_households * 0.6);
    }
}
