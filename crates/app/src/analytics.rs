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
use linli_store::{BOUGHT_TOGETHER_PER_PRODUCT_MAX, BoughtTogether, JobRun};

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
/// Jobs a manager can run on demand.
pub const JOBS: [&str; 1] = [JOB_BOUGHT_TOGETHER];
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
        let started = self.now();
        let run = self.store.start_job_run(org, JOB_BOUGHT_TOGETHER, started).await?;
        let result = async {
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
            Ok::<_, AppError>((baskets.len(), written))
        }
        .await;
        let finished = self.now();
        match result {
            Ok((baskets, pairs)) => {
                let detail = format!("{baskets} baskets, {pairs} pairs");
                self.store.finish_job_run(org, run, true, &detail, finished).await?;
                Ok(JobReport {
                    run,
                    baskets,
                    pairs,
                    millis: finished - started,
                })
            }
            Err(e) => {
                tracing::warn!(org = org.0, error = %e, "bought-together job failed");
                self.store
                    .finish_job_run(org, run, false, &e.to_string(), finished)
                    .await?;
                Err(e)
            }
        }
    }

    /// Runs a job now for the actor's organisation (a manager's "run now").
    pub async fn run_job(&self, actor: &Actor, job: &str) -> Result<JobReport, AppError> {
        actor.require(Permission::EditCatalog)?;
        match job {
            JOB_BOUGHT_TOGETHER => self.refresh_bought_together(actor.org).await,
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
                        // Failures are recorded in the run and logged; the next org goes on.
                        let _ = app.refresh_bought_together(org).await;
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
