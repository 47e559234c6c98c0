//! Decisions from the store's own data: the jobs that run the analytics engine
//! (`linli-analytics`) over the store's history and keep what they find, nightly and on
//! demand, with every run recorded (when, how long, how it ended).
//!
//! "Bought together" (常一起买): the completed orders of the last
//! `BASKET_WINDOW_DAYS` days as baskets, pairs of products held together by at least
//! `PAIR_BASKETS_MIN` baskets (FP-growth, itemsets of two), kept when the second is
//! likelier than chance with the first (lift above 1) and bought with it in at least
//! `CONFIDENCE_MIN` of its baskets; per product the `BOUGHT_TOGETHER_PER_PRODUCT_MAX`
//! with the highest lift. Shown with a product to staff and residents.

use crate::{Actor, App, AppError};
use linli_analytics::basket::{self, Baskets};
use linli_domain::auth::Permission;
use linli_domain::ids::{OrgId, ProductId};
use linli_store::{BOUGHT_TOGETHER_PER_PRODUCT_MAX, BoughtTogether, JobRun, MemberInsight, MemberInsightRow};

/// Weeks the heat maps look back.
pub const HEAT_WEEKS: i64 = 12;
/// Categories the category × week map shows (the best selling).
pub const HEAT_CATEGORIES_MAX: usize = 10;

/// When the store sells (Asia/Shanghai): orders and takings by weekday (Monday first) and
/// hour, and takings by category and week.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatMaps {
    /// [weekday][hour] = (orders, takings in fen).
    pub by_hour: [[(i64, i64); 24]; 7],
    /// The first day (days since 1970-01-01, a Monday) of each week shown, oldest first.
    pub week_starts: Vec<i64>,
    /// The best-selling categories: name (zh, en) and takings per week of `week_starts`.
    pub categories: Vec<(String, String, Vec<i64>)>,
}
use std::collections::{BTreeMap, HashMap};

/// Days of orders a basket analysis reads.
pub const BASKET_WINDOW_DAYS: i64 = 90;
/// Baskets that must hold a pair before it is suggested.
pub const PAIR_BASKETS_MIN: u64 = 3;
/// Least share of a product's baskets that must hold the other.
pub const CONFIDENCE_MIN: f64 = 0.05;
/// The job's name in the run record.
pub const JOB_BOUGHT_TOGETHER: &str = "bought_together";
/// The member segments job's name in the run record.
pub const JOB_MEMBER_SEGMENTS: &str = "member_segments";
/// Jobs a manager can run on demand (and the nightly run runs), in order.
pub const JOBS: [&str; 3] = [
    JOB_BOUGHT_TOGETHER,
    JOB_MEMBER_SEGMENTS,
    crate::demand::JOB_DEMAND_FORECAST,
];
/// Days of a member's orders the segments and lifetime value read.
pub const MEMBER_WINDOW_DAYS: i64 = 365;
/// Weeks ahead a member's expected purchases and value look.
pub const MEMBER_OUTLOOK_WEEKS: f64 = 52.0;
/// Hour of the day (Asia/Shanghai) the nightly jobs run.
pub const NIGHTLY_HOUR: i8 = 3;

const DAY_MS: i64 = 86_400_000;

/// What a run found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobReport {
    pub run: i64,
    pub baskets: usize,
    pub pairs: usize,
    pub millis: i64,
}

/// A product bought with another, for display.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub product: ProductId,
    pub name_zh: String,
    pub name_en: String,
    pub price_fen: i64,
    pub baskets: i64,
    pub confidence_bp: i64,
    pub lift_milli: i64,
}

/// Orders of one H3 cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellOrders {
    pub cell: linli_delivery::Cell,
    /// (latitude, longitude) of its corners.
    pub outline: Vec<(f64, f64)>,
    pub buildings: usize,
    pub orders: i64,
    pub deliveries: i64,
    pub takings_fen: i64,
    /// Metres from the store to the cell's centre.
    pub distance_m: f64,
}

/// The order map: cells with orders, busiest first, and where the store is.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderMap {
    pub store: Option<(f64, f64)>,
    pub cells: Vec<CellOrders>,
}

/// The cells of `rows` (pure, for the map and its tests).
pub fn order_map_of(rows: &[linli_store::BuildingOrders], store: Option<(f64, f64)>) -> OrderMap {
    let mut cells: BTreeMap<linli_delivery::Cell, CellOrders> = BTreeMap::new();
    for r in rows {
        let (lat, lon) = (r.lat_e6 as f64 / 1e6, r.lon_e6 as f64 / 1e6);
        let Ok(cell) = linli_delivery::cell_of(lat, lon, linli_delivery::MAP_RESOLUTION) else {
            continue;
        };
        let e = cells.entry(cell).or_insert_with(|| CellOrders {
            cell,
            outline: cell.outline().unwrap_or_default(),
            buildings: 0,
            orders: 0,
            deliveries: 0,
            takings_fen: 0,
            distance_m: match (store, cell.centre()) {
                (Some(s), Ok(c)) => linli_delivery::distance_m(s, c),
                _ => 0.0,
            },
        });
        e.buildings += 1;
        e.orders += r.orders;
        e.deliveries += r.deliveries;
        e.takings_fen += r.takings_fen;
    }
    let mut cells: Vec<CellOrders> = cells.into_values().collect();
    cells.sort_by(|a, b| b.orders.cmp(&a.orders).then(a.cell.cmp(&b.cell)));
    OrderMap { store, cells }
}

/// The pairs of `baskets` as the module documentation says (pure, for the job and its
/// tests).
pub fn pairs_of(baskets: &[Vec<ProductId>]) -> Vec<BoughtTogether> {
    if baskets.is_empty() {
        return Vec::new();
    }
    let mut index: HashMap<ProductId, u32> = HashMap::new();
    let mut ids: Vec<ProductId> = Vec::new();
    let coded: Vec<Vec<u32>> = baskets
        .iter()
        .map(|b| {
            let mut v: Vec<u32> = b
                .iter()
                .map(|p| {
                    *index.entry(*p).or_insert_with(|| {
                        ids.push(*p);
                        (ids.len() - 1) as u32
                    })
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    let data = Baskets {
        items: ids.iter().map(|p| p.0.to_string()).collect(),
        baskets: coded,
    };
    let n = data.baskets.len();
    let support = PAIR_BASKETS_MIN as f64 / n as f64;
    if support > 1.0 {
        return Vec::new();
    }
    let Ok(sets) = basket::frequent_itemsets(&data, support, Some(2), &mut |_, _| {}) else {
        return Vec::new();
    };
    let Ok(rules) = basket::rules(&sets, n, CONFIDENCE_MIN) else {
        return Vec::new();
    };
    let count: HashMap<(u32, u32), u64> = sets
        .iter()
        .filter(|s| s.items.len() == 2)
        .map(|s| ((s.items[0], s.items[1]), s.count))
        .collect();
    let mut per_product: BTreeMap<ProductId, Vec<BoughtTogether>> = BTreeMap::new();
    for r in rules.iter().filter(|r| r.lift > 1.0) {
        let (a, c) = (r.antecedent[0], r.consequent);
        let key = (a.min(c), a.max(c));
        per_product.entry(ids[a as usize]).or_default().push(BoughtTogether {
            product: ids[a as usize],
            other: ids[c as usize],
            baskets: count.get(&key).copied().unwrap_or(0) as i64,
            confidence_bp: (r.confidence * 10_000.0).round() as i64,
            lift_milli: (r.lift * 1_000.0).round() as i64,
        });
    }
    per_product
        .into_values()
        .flat_map(|mut v| {
            // `rules` come by lift already; keep the likeliest.
            v.truncate(BOUGHT_TOGETHER_PER_PRODUCT_MAX);
            v
        })
        .collect()
}

impl App {
    /// Recomputes an organisation's "bought together" pairs and records the run.
    pub async fn refresh_bought_together(&self, org: OrgId) -> Result<JobReport, AppError> {
        self.recorded_run(org, JOB_BOUGHT_TOGETHER, async |started| {
            let baskets = self
                .store
                .order_baskets(org, started - BASKET_WINDOW_DAYS * DAY_MS)
                .await?;
            // Up to half a million baskets: mined off the async workers.
            let (baskets, pairs) = tokio::task::spawn_blocking(move || {
                let pairs = pairs_of(&baskets);
                (baskets, pairs)
            })
            .await
            .map_err(|e| AppError::Internal(format!("the basket analysis stopped: {e}")))?;
            let written = self.store.replace_bought_together(org, &pairs, self.now()).await?;
            Ok((
                baskets.len(),
                written,
                format!("{} baskets, {written} pairs", baskets.len()),
            ))
        })
        .await
    }

    /// Recomputes every member's segment and lifetime value from their completed orders
    /// of the last `MEMBER_WINDOW_DAYS` days, and records the run. `baskets` in the report
    /// counts members, `pairs` the members written.
    pub async fn refresh_member_segments(&self, org: OrgId) -> Result<JobReport, AppError> {
        self.recorded_run(org, JOB_MEMBER_SEGMENTS, async |started| {
            let rows = self
                .store
                .member_purchases(org, started - MEMBER_WINDOW_DAYS * DAY_MS)
                .await?;
            let insights = tokio::task::spawn_blocking(move || member_insights_of(&rows))
                .await
                .map_err(|e| AppError::Internal(format!("the member analysis stopped: {e}")))?;
            let written = self.store.replace_member_insights(org, &insights, self.now()).await?;
            Ok((
                insights.len(),
                written,
                format!("{} members, {written} written", insights.len()),
            ))
        })
        .await
    }

    /// Runs a job's `work` (given its start time; it answers what it read, what it
    /// wrote and a line of detail) with the run recorded: started, then done with the
    /// detail or failed with the error, and the failure logged.
    pub(crate) async fn recorded_run(
        &self,
        org: OrgId,
        job: &str,
        work: impl AsyncFnOnce(i64) -> Result<(usize, usize, String), AppError>,
    ) -> Result<JobReport, AppError> {
        let started = self.now();
        let run = self.store.start_job_run(org, job, started).await?;
        let result = work(started).await;
        let finished = self.now();
        match result {
            Ok((read, written, detail)) => {
                self.store.finish_job_run(org, run, true, &detail, finished).await?;
                Ok(JobReport {
                    run,
                    baskets: read,
                    pairs: written,
                    millis: finished - started,
                })
            }
            Err(e) => {
                tracing::warn!(org = org.0, job, error = %e, "analytics job failed");
                self.store
                    .finish_job_run(org, run, false, &e.to_string(), finished)
                    .await?;
                Err(e)
            }
        }
    }

    /// Members per segment, largest first.
    pub async fn segment_sizes(&self, actor: &Actor) -> Result<Vec<(String, i64)>, AppError> {
        actor.require(Permission::ViewMembers)?;
        Ok(self.store.segment_sizes(actor.org).await?)
    }

    /// Members of a segment (or all), by expected value; or with `lapsing` the members
    /// least likely to still shop here first (流失预警).
    pub async fn member_insights(
        &self,
        actor: &Actor,
        segment: Option<&str>,
        lapsing: bool,
        limit: i64,
    ) -> Result<Vec<MemberInsightRow>, AppError> {
        actor.require(Permission::ViewMembers)?;
        Ok(self.store.member_insights(actor.org, segment, lapsing, limit).await?)
    }

    /// Runs a job now for the actor's organisation (a manager's "run now").
    pub async fn run_job(&self, actor: &Actor, job: &str) -> Result<JobReport, AppError> {
        actor.require(Permission::EditCatalog)?;
        match job {
            JOB_BOUGHT_TOGETHER => self.refresh_bought_together(actor.org).await,
            JOB_MEMBER_SEGMENTS => self.refresh_member_segments(actor.org).await,
            crate::demand::JOB_DEMAND_FORECAST => self.refresh_demand_forecast(actor.org).await,
            _ => Err(AppError::invalid(
                "job",
                &format!("unknown job; one of: {}", JOBS.join(", ")),
                &format!("没有这个任务，可选：{}", JOBS.join("、")),
            )),
        }
    }

    /// The organisation's job runs, newest first.
    pub async fn job_runs(&self, actor: &Actor, limit: i64) -> Result<Vec<JobRun>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        Ok(self.store.job_runs(actor.org, limit).await?)
    }

    /// Where the orders of the last `HEAT_WEEKS` weeks come from, on the H3 grid at
    /// `linli_delivery::MAP_RESOLUTION`: per cell the orders (by delivery address, else
    /// the member's home building), how many were delivered, and the takings; with the
    /// store's own position (owners and managers).
    pub async fn order_map(&self, actor: &Actor) -> Result<OrderMap, AppError> {
        actor.require(Permission::ViewAudit)?;
        // Up to and including this millisecond.
        let until = self.now() + 1;
        let since = until - HEAT_WEEKS * 7 * DAY_MS;
        let rows = self.store.orders_by_building(actor.org, since, until).await?;
        Ok(order_map_of(&rows, self.store_position(actor).await?))
    }

    async fn store_position(&self, actor: &Actor) -> Result<Option<(f64, f64)>, AppError> {
        let store = self.actor_store(actor).await?;
        Ok(self
            .store
            .stores(actor.org)
            .await?
            .into_iter()
            .find(|s| s.id == store)
            .and_then(|s| Some((s.lat_e6? as f64 / 1e6, s.lon_e6? as f64 / 1e6))))
    }

    /// The store's heat maps over the last `HEAT_WEEKS` weeks (owners and managers: they
    /// show takings).
    pub async fn heat_maps(&self, actor: &Actor) -> Result<HeatMaps, AppError> {
        actor.require(Permission::ViewAudit)?;
        let now = self.now();
        // From the Monday `HEAT_WEEKS - 1` weeks before this week's, 00:00 Shanghai, so
        // every week but the current one is whole.
        let local_day = (now + 8 * 3_600_000).div_euclid(DAY_MS);
        let this_monday = 4 + 7 * (local_day - 4).div_euclid(7);
        let since = (this_monday - 7 * (HEAT_WEEKS - 1)) * DAY_MS - 8 * 3_600_000;
        let mut by_hour = [[(0, 0); 24]; 7];
        for c in self.store.sales_by_hour(actor.org, since, now + 1).await? {
            if let (Ok(d), Ok(h)) = (usize::try_from(c.weekday), usize::try_from(c.hour))
                && d < 7
                && h < 24
            {
                by_hour[d][h] = (c.orders, c.revenue_fen);
            }
        }
        let rows = self.store.sales_by_category_week(actor.org, since, now + 1).await?;
        // Monday-based weeks since 1970-01-05 (day 4), as the store counts them.
        let day = |ms: i64| (ms + 8 * 3_600_000).div_euclid(DAY_MS);
        let (first, last) = ((day(since) - 4).div_euclid(7), (day(now) - 4).div_euclid(7));
        let week_starts: Vec<i64> = (first..=last).map(|w| 4 + 7 * w).collect();
        let names = self.store.categories(actor.org).await?;
        let mut totals: BTreeMap<Option<i64>, Vec<i64>> = BTreeMap::new();
        for r in rows {
            if (first..=last).contains(&r.week) {
                totals.entry(r.category).or_insert_with(|| vec![0; week_starts.len()])[(r.week - first) as usize] +=
                    r.revenue_fen;
            }
        }
        let mut ranked: Vec<(Option<i64>, Vec<i64>)> = totals.into_iter().collect();
        ranked.sort_by_key(|(c, v)| (std::cmp::Reverse(v.iter().sum::<i64>()), *c));
        ranked.truncate(HEAT_CATEGORIES_MAX);
        let categories = ranked
            .into_iter()
            .map(|(c, v)| {
                let named = c.and_then(|id| names.iter().find(|n| n.id.0 == id));
                match named {
                    Some(n) => (n.name_zh.clone(), n.name_en.clone(), v),
                    None => ("未分类".to_string(), "Uncategorised".to_string(), v),
                }
            })
            .collect();
        Ok(HeatMaps {
            by_hour,
            week_starts,
            categories,
        })
    }

    /// What staff see bought with a product.
    pub async fn bought_with(
        &self,
        actor: &Actor,
        product: ProductId,
        limit: i64,
    ) -> Result<Vec<Suggestion>, AppError> {
        actor.require(Permission::ViewCatalog)?;
        self.store.product(actor.org, product).await?;
        self.suggestions(actor.org, product, limit, false).await
    }

    /// What a resident sees bought with a product: only what the shop sells.
    pub async fn shop_bought_with(
        &self,
        r: &crate::orders::Resident,
        product: ProductId,
        limit: i64,
    ) -> Result<Vec<Suggestion>, AppError> {
        let p = self.store.product(r.org, product).await?;
        if !p.active {
            return Err(AppError::NotFound);
        }
        self.suggestions(r.org, product, limit, true).await
    }

    async fn suggestions(
        &self,
        org: OrgId,
        product: ProductId,
        limit: i64,
        active_only: bool,
    ) -> Result<Vec<Suggestion>, AppError> {
        let pairs = self.store.bought_together(org, product, limit).await?;
        let mut out = Vec::with_capacity(pairs.len());
        for p in pairs {
            let other = self.store.product(org, p.other).await?;
            if active_only && !other.active {
                continue;
            }
            out.push(Suggestion {
                product: other.id,
                name_zh: other.name_zh,
                name_en: other.name_en,
                price_fen: other.price_fen,
                baskets: p.baskets,
                confidence_bp: p.confidence_bp,
                lift_milli: p.lift_milli,
            });
        }
        Ok(out)
    }
}

/// Segments and lifetime value of members from (member, created_at, takings in fen)
/// rows (pure, for the job and its tests). Days are Asia/Shanghai days; amounts go to
/// the models in yuan and come back as fen, rounded half up.
pub fn member_insights_of(rows: &[(linli_domain::ids::MemberId, i64, i64)]) -> Vec<MemberInsight> {
    use linli_analytics::clv::{self, Purchase, Purchases};
    use linli_analytics::segment;
    if rows.is_empty() {
        return Vec::new();
    }
    let mut index: HashMap<linli_domain::ids::MemberId, u32> = HashMap::new();
    let mut members = Vec::new();
    let bought: Vec<Purchase> = rows
        .iter()
        .map(|(m, at, fen)| {
            let customer = *index.entry(*m).or_insert_with(|| {
                members.push(*m);
                (members.len() - 1) as u32
            });
            Purchase {
                customer,
                day: i32::try_from((at + 8 * 3_600_000).div_euclid(DAY_MS)).unwrap_or(0),
                amount: (*fen).max(0) as f64 / 100.0,
            }
        })
        .collect();
    let purchases = Purchases {
        customers: members.iter().map(|m| m.0.to_string()).collect(),
        rows: bought,
    };
    let Ok(segmented) = segment::segment(&purchases, segment::CLUSTERS_DEFAULT) else {
        return Vec::new();
    };
    // Lifetime value as of the last purchase day; without enough repeat buyers, none.
    let last_day = purchases.rows.iter().map(|p| p.day).max().unwrap_or(0);
    let summaries = clv::summarize(&purchases, last_day).unwrap_or_default();
    let fitted = (summaries.iter().filter(|s| s.x > 0).count() >= 10)
        .then(|| {
            let bg = clv::fit_bgnbd(&summaries);
            clv::fit_gamma_gamma(&summaries).ok().map(|gg| (bg, gg))
        })
        .flatten();
    let by_customer: HashMap<u32, &clv::Summary> = summaries.iter().map(|s| (s.customer, s)).collect();
    segmented
        .iter()
        .map(|c| {
            let clv = fitted.as_ref().zip(by_customer.get(&c.customer)).map(|((bg, gg), s)| {
                let expected = bg.expected_purchases(s.x, s.t_x, s.age, MEMBER_OUTLOOK_WEEKS);
                (
                    (bg.p_alive(s.x, s.t_x, s.age) * 10_000.0).round() as i64,
                    (expected * 1_000.0).round() as i64,
                    (expected * gg.expected_spend(s.x, s.mean_repeat) * 100.0).round() as i64,
                )
            });
            MemberInsight {
                member: members[c.customer as usize],
                segment: c.segment.name_zh().to_string(),
                r_score: i64::from(c.r),
                f_score: i64::from(c.f),
                m_score: i64::from(c.m),
                recency_days: i64::from(c.recency_days),
                purchase_days: i64::from(c.frequency),
                spend_fen: (c.monetary * 100.0).round() as i64,
                p_alive_bp: clv.map(|v| v.0),
                expected_purchases_milli: clv.map(|v| v.1),
                expected_value_fen: clv.map(|v| v.2),
            }
        })
        .collect()
}

/// Runs every organisation's nightly jobs at `NIGHTLY_HOUR` Asia/Shanghai until the
/// runtime stops. Started by `linli serve`.
pub fn spawn_nightly_jobs(app: App) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let wait = until_next_run(app.now());
            tokio::time::sleep(std::time::Duration::from_millis(wait.max(1_000) as u64)).await;
            match app.store.org_ids().await {
                Ok(orgs) => {
                    for org in orgs {
                        // Failures are recorded in the run and logged; the next job goes on.
                        let _ = app.refresh_bought_together(org).await;
                        let _ = app.refresh_member_segments(org).await;
                        let _ = app.refresh_demand_forecast(org).await;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "nightly jobs could not list organisations"),
            }
        }
    })
}

/// Milliseconds from `now` to the next `NIGHTLY_HOUR`:00 in Asia/Shanghai.
pub fn until_next_run(now: i64) -> i64 {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("the bundled time zone database has Asia/Shanghai");
    let Ok(ts) = jiff::Timestamp::from_millisecond(now) else {
        return DAY_MS;
    };
    let local = ts.to_zoned(tz.clone());
    let today = local.date().at(NIGHTLY_HOUR, 0, 0, 0);
    let next = match today.to_zoned(tz.clone()) {
        Ok(t) if t.timestamp() > ts => t,
        _ => match today
            .checked_add(jiff::Span::new().days(1))
            .and_then(|d| d.to_zoned(tz))
        {
            Ok(t) => t,
            Err(_) => return DAY_MS,
        },
    };
    next.timestamp().as_millisecond() - now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_need_three_baskets_and_a_lift_above_one() {
        let (milk, bread, eggs, salt) = (ProductId(1), ProductId(2), ProductId(3), ProductId(4));
        let mut baskets = vec![vec![milk, bread]; 4];
        baskets.extend(vec![vec![eggs]; 4]);
        baskets.push(vec![milk, eggs]);
        baskets.push(vec![salt, bread]);
        baskets.push(vec![salt]);
        let pairs = pairs_of(&baskets);
        let has = |a: ProductId, b: ProductId| pairs.iter().any(|p| p.product == a && p.other == b);
        assert!(has(milk, bread) && has(bread, milk));
        // milk+eggs once, salt+bread once: under three baskets.
        assert!(!has(milk, eggs) && !has(salt, bread));
        let mb = pairs.iter().find(|p| p.product == milk && p.other == bread).unwrap();
        // milk in 5 baskets, with bread in 4: 80%; bread in 5 of 11, lift 0.8 / (5/11).
        assert_eq!((mb.baskets, mb.confidence_bp), (4, 8_000));
        assert_eq!(mb.lift_milli, (0.8_f64 / (5.0 / 11.0) * 1000.0).round() as i64);
        assert!(pairs_of(&[]).is_empty());
        assert!(pairs_of(&[vec![milk, bread]]).is_empty(), "under three baskets in all");
    }

    #[test]
    fn members_get_one_segment_each_and_a_lifetime_value_once_enough_come_back() {
        use linli_domain::ids::MemberId;
        let day = DAY_MS;
        let mut rows = Vec::new();
        // 20 regulars every week for half a year; 20 who came twice early on; 20 once.
        for m in 0..20 {
            for w in 0..26 {
                rows.push((
                    MemberId(m),
                    1_770_000_000_000 + w * 7 * day + m * 3_600_000,
                    5_000 + 100 * m,
                ));
            }
        }
        for m in 20..40 {
            rows.push((MemberId(m), 1_770_000_000_000 + m * day, 2_000));
            rows.push((MemberId(m), 1_770_000_000_000 + (m + 10) * day, 2_500));
        }
        for m in 40..60 {
            rows.push((MemberId(m), 1_770_000_000_000 + 150 * day, 1_000));
        }
        let insights = member_insights_of(&rows);
        assert_eq!(insights.len(), 60, "every member once");
        let of = |m: i64| insights.iter().find(|i| i.member.0 == m).unwrap();
        assert_eq!(of(0).purchase_days, 26);
        assert_eq!(of(0).spend_fen, 26 * 5_000);
        // The weekly regulars are likelier to still shop here than the early pair.
        let (regular, early) = (of(5).p_alive_bp.unwrap(), of(25).p_alive_bp.unwrap());
        assert!(regular > early, "{regular} against {early}");
        assert!(
            insights
                .iter()
                .all(|i| i.p_alive_bp.is_some_and(|p| (0..=10_000).contains(&p)))
        );
        assert!(of(5).expected_value_fen.unwrap() > of(45).expected_value_fen.unwrap());
        assert!(member_insights_of(&[]).is_empty());
    }

    #[test]
    fn the_nightly_run_is_at_three_in_shanghai() {
        // 2026-11-26 02:00 in Shanghai is 2026-11-25 18:00 UTC: one hour to wait.
        let t = "2026-11-25T18:00:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond();
        assert_eq!(until_next_run(t), 3_600_000);
        // Just after three: nearly a day.
        assert_eq!(until_next_run(t + 3_600_000 + 1), DAY_MS - 1);
    }
}
