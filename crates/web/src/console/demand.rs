//! 需求计划 Demand planning pages: the forecast of a product against what sold, with the
//! weather and the demand alerts (`/data/forecast`); replenishment suggestions that
//! become purchase orders in one click (`/replenishment`); markdown suggestions that
//! become flash sales in one click, with the ladders and an undo (`/markdowns`).

use super::*;
use axum::body::Bytes;
use linli_app::demand::{self as plan, MarkdownTarget};
use linli_store::{DemandForecast, WeatherDay};
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "forecast.html")]
struct ForecastPage {
    c: Ctx,
    notice: String,
    problem: String,
    alerts: Vec<AlertView>,
    weather: Vec<WeatherView>,
    products: Vec<(i64, String, bool)>,
    product: Option<(i64, String)>,
    chart: String,
    /// Mean absolute error of the backtest, and what sold over those days.
    accuracy: String,
    can_edit: bool,
    csv: String,
}

#[derive(Debug)]
struct AlertView {
    day: String,
    category: String,
    cause: String,
    change: String,
    up: bool,
    expected: String,
    baseline: String,
}

#[derive(Debug)]
struct WeatherView {
    day: String,
    condition: String,
    temps: String,
    rain: String,
    forecast: bool,
}

fn cause_text(c: &Ctx, cause: &str) -> String {
    match cause {
        "rain" => c.pick("降雨", "rain"),
        "heat" => c.pick("高温", "heat"),
        "cold" => c.pick("降温", "cold"),
        _ => c.pick("节假日", "holiday"),
    }
    .to_string()
}

fn weather_view(c: &Ctx, w: &WeatherDay) -> WeatherView {
    let (zh, en) = plan::day_label(w.day);
    WeatherView {
        day: c.pick(&zh, &en).to_string(),
        condition: w.condition_zh.clone(),
        temps: format!(
            "{:.0}° / {:.0}°",
            w.temp_max_dc as f64 / 10.0,
            w.temp_min_dc as f64 / 10.0
        ),
        rain: if w.rain_dmm > 0 {
            format!("{:.1} mm", w.rain_dmm as f64 / 10.0)
        } else {
            String::new()
        },
        forecast: w.kind == "forecast",
    }
}

fn today(st: &AppState) -> i64 {
    plan::day_number(linli_domain::time::local_date(st.app.now()))
}

pub async fn forecast_page(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    let f = Fields::query(&uri);
    forecast_view(&st, &s, f.get("product"), f.get("done"), String::new(), String::new()).await
}

async fn forecast_view(st: &AppState, s: &Session, product: &str, done: &str, problem: String, csv: String) -> Html {
    let c = s.ctx("nav.forecast");
    let actor = s.actor();
    let today = today(st);
    let alerts = st
        .app
        .demand_alerts(actor)
        .await
        .map_err(|e| app_error(&c, e))?
        .into_iter()
        .map(|a| {
            let (zh, en) = plan::day_label(a.alert.day);
            AlertView {
                day: c.pick(&zh, &en).to_string(),
                category: c.pick(&a.category_zh, &a.category_en).to_string(),
                cause: cause_text(&c, &a.alert.cause),
                change: format!("{:+}%", (a.alert.change_bp as f64 / 100.0).round()),
                up: a.alert.change_bp > 0,
                expected: money(a.alert.expected_milli),
                baseline: money(a.alert.baseline_milli),
            }
        })
        .collect();
    let weather_days = st
        .app
        .weather(actor, today - plan::BACKTEST_DAYS as i64, 28)
        .await
        .map_err(|e| app_error(&c, e))?;
    let weather = weather_days
        .iter()
        .filter(|w| w.day >= today)
        .take(7)
        .map(|w| weather_view(&c, w))
        .collect();
    // The best sellers with a forecast, to pick from.
    let outlook = st.app.store_outlook(actor).await.map_err(|e| app_error(&c, e))?;
    let mut volume: BTreeMap<i64, f64> = BTreeMap::new();
    for r in &outlook {
        *volume.entry(r.product.0).or_default() += r.forecast_milli as f64;
    }
    let selected: Option<i64> = product
        .parse()
        .ok()
        .or_else(|| volume.iter().max_by(|a, b| a.1.total_cmp(b.1)).map(|(id, _)| *id));
    let mut top: Vec<(i64, f64)> = volume.into_iter().collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut products = Vec::new();
    for (id, _) in top.iter().take(24) {
        if let Ok(p) = st.app.store.product(actor.org, linli_domain::ids::ProductId(*id)).await {
            products.push((*id, c.pick(&p.name_zh, &p.name_en).to_string(), Some(*id) == selected));
        }
    }
    let (mut chart, mut accuracy, mut picked) = (String::new(), String::new(), None);
    if let Some(id) = selected {
        let p = st
            .app
            .store
            .product(actor.org, linli_domain::ids::ProductId(id))
            .await
            .map_err(|e| app_error(&c, e.into()))?;
        let rows = st
            .app
            .product_forecast(actor, id, None)
            .await
            .map_err(|e| app_error(&c, e))?;
        let from = rows.iter().map(|r| r.day).min().unwrap_or(today);
        let actual = st
            .app
            .product_daily_sales(actor, id, from, today)
            .await
            .map_err(|e| app_error(&c, e))?;
        let unit = p.unit_label.clone();
        chart = forecast_svg(&c, &rows, &actual, &weather_days, today, &unit);
        accuracy = accuracy_text(&c, &rows, &actual, &unit);
        picked = Some((id, c.pick(&p.name_zh, &p.name_en).to_string()));
    }
    let notice = match done {
        "" => String::new(),
        n => format!(
            "{} {n} {}",
            c.pick("已写入", "Wrote"),
            c.pick("天天气", "days of weather")
        ),
    };
    ok(&ForecastPage {
        can_edit: s.may(Permission::EditCatalog),
        c,
        notice,
        problem,
        alerts,
        weather,
        products,
        product: picked,
        chart,
        accuracy,
        csv,
    })
}

/// A day of a product's forecast, summed over its locations.
#[derive(Debug, Clone, Copy, Default)]
struct Day {
    forecast: f64,
    lo: f64,
    hi: f64,
    baseline: f64,
    backtest: bool,
}

fn by_day(rows: &[DemandForecast]) -> BTreeMap<i64, Day> {
    let mut out: BTreeMap<i64, Day> = BTreeMap::new();
    for r in rows {
        let e = out.entry(r.day).or_default();
        e.forecast += r.forecast_milli as f64 / 1000.0;
        e.lo += r.lo80_milli as f64 / 1000.0;
        e.hi += r.hi80_milli as f64 / 1000.0;
        e.baseline += r.baseline_milli as f64 / 1000.0;
        e.backtest = r.backtest;
    }
    out
}

/// Units as shown: pieces, or kg for weighed goods (stored in grams).
fn shown(v: f64, unit: &str) -> f64 {
    if is_weight(unit) { v / 1000.0 } else { v }
}

fn accuracy_text(c: &Ctx, rows: &[DemandForecast], actual: &BTreeMap<i64, i64>, unit: &str) -> String {
    let days = by_day(rows);
    let tested: Vec<(f64, f64)> = days
        .iter()
        .filter(|(_, v)| v.backtest)
        .map(|(d, v)| (v.forecast, actual.get(d).copied().unwrap_or(0) as f64))
        .collect();
    if tested.is_empty() {
        return String::new();
    }
    let n = tested.len() as f64;
    let mae = tested.iter().map(|(f, a)| (f - a).abs()).sum::<f64>() / n;
    let sold = tested.iter().map(|(_, a)| a).sum::<f64>();
    let forecast = tested.iter().map(|(f, _)| f).sum::<f64>();
    format!(
        "{} {} {}: {} {:.1} {unit}, {} {:.1} {unit} ({} {:.2} {unit}/{})",
        c.pick("回测：近", "Backtest, last"),
        tested.len(),
        c.pick("天", "days"),
        c.pick("预测", "forecast"),
        shown(forecast, unit),
        c.pick("实际", "sold"),
        shown(sold, unit),
        c.pick("日均绝对误差", "mean absolute error"),
        shown(mae, unit),
        c.pick("天", "day"),
    )
}

/// Actual sales as bars, the backtest and the outlook as lines, the 80% interval as a
/// band and the forecast without weather and holidays dotted; rain marked under the axis.
fn forecast_svg(
    c: &Ctx,
    rows: &[DemandForecast],
    actual: &BTreeMap<i64, i64>,
    weather: &[WeatherDay],
    today: i64,
    unit: &str,
) -> String {
    let days = by_day(rows);
    let (Some(first), Some(last)) = (days.keys().next().copied(), days.keys().last().copied()) else {
        return String::new();
    };
    let n = (last - first + 1) as usize;
    let (left, top, w, h) = (44.0, 12.0, 22.0, 180.0);
    let max = days
        .values()
        .map(|v| v.hi.max(v.forecast))
        .chain(actual.values().map(|a| *a as f64))
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let x = |d: i64| left + (d - first) as f64 * w + w / 2.0;
    let y = |v: f64| top + h - v / max * h;
    let width = left + n as f64 * w + 8.0;
    let height = top + h + 40.0;
    let mut out = format!(
        r#"<svg class="chart" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        xml(c.pick("预测与实际销量", "Forecast and actual sales"))
    );
    for k in 0..=4 {
        let v = max * k as f64 / 4.0;
        out.push_str(&format!(
            r#"<line x1="{left}" x2="{:.0}" y1="{:.1}" y2="{:.1}" class="grid"/><text x="0" y="{:.1}" class="axis">{}</text>"#,
            width - 8.0,
            y(v),
            y(v),
            y(v) + 4.0,
            trim_number(shown(v, unit))
        ));
    }
    // The 80% band of the outlook.
    let future: Vec<(i64, Day)> = days
        .iter()
        .filter(|(_, v)| !v.backtest)
        .map(|(d, v)| (*d, *v))
        .collect();
    if !future.is_empty() {
        let mut pts: Vec<String> = future
            .iter()
            .map(|(d, v)| format!("{:.1},{:.1}", x(*d), y(v.hi)))
            .collect();
        pts.extend(future.iter().rev().map(|(d, v)| format!("{:.1},{:.1}", x(*d), y(v.lo))));
        out.push_str(&format!(r#"<polygon points="{}" class="band"/>"#, pts.join(" ")));
    }
    for (d, a) in actual {
        if *d < first {
            continue;
        }
        let v = *a as f64;
        out.push_str(&format!(
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" class="actual"><title>{} · {} {}</title></rect>"#,
            x(*d) - w * 0.35,
            y(v),
            w * 0.7,
            (top + h - y(v)).max(0.0),
            day_text(c, *d),
            c.pick("实际", "sold"),
            trim_number(shown(v, unit))
        ));
    }
    let line = |filter: &dyn Fn(&Day) -> bool, pick: &dyn Fn(&Day) -> f64| {
        days.iter()
            .filter(|(_, v)| filter(v))
            .map(|(d, v)| format!("{:.1},{:.1}", x(*d), y(pick(v))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    out.push_str(&format!(
        r#"<polyline points="{}" class="backtest"/>"#,
        line(&|v| v.backtest, &|v| v.forecast)
    ));
    out.push_str(&format!(
        r#"<polyline points="{}" class="baseline"/>"#,
        line(&|v| !v.backtest, &|v| v.baseline)
    ));
    out.push_str(&format!(
        r#"<polyline points="{}" class="outlook"/>"#,
        line(&|v| !v.backtest, &|v| v.forecast)
    ));
    for (d, v) in &days {
        out.push_str(&format!(
            r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" class="{}"><title>{} · {} {} ({}–{})</title></circle>"#,
            x(*d),
            y(v.forecast),
            if v.backtest { "backtest" } else { "outlook" },
            day_text(c, *d),
            c.pick("预测", "forecast"),
            trim_number(shown(v.forecast, unit)),
            trim_number(shown(v.lo, unit)),
            trim_number(shown(v.hi, unit)),
        ));
    }
    out.push_str(&format!(
        r#"<line x1="{:.1}" x2="{:.1}" y1="{top}" y2="{:.1}" class="today"/>"#,
        x(today) - w / 2.0,
        x(today) - w / 2.0,
        top + h
    ));
    for d in (first..=last).step_by(2) {
        let label = plan::date_of(d).map_or_else(String::new, |x| format!("{}/{}", x.month(), x.day()));
        out.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}" class="axis" text-anchor="middle">{label}</text>"#,
            x(d),
            top + h + 14.0
        ));
    }
    for wd in weather
        .iter()
        .filter(|w| w.day >= first && w.day <= last && w.rain_dmm > 0)
    {
        out.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}" class="rain" text-anchor="middle">☂<title>{} {:.1} mm</title></text>"#,
            x(wd.day),
            top + h + 30.0,
            xml(&wd.condition_zh),
            wd.rain_dmm as f64 / 10.0
        ));
    }
    out.push_str("</svg>");
    out
}

fn trim_number(v: f64) -> String {
    if (v - v.round()).abs() < 0.05 {
        format!("{:.0}", v)
    } else {
        format!("{v:.1}")
    }
}

fn day_text(c: &Ctx, d: i64) -> String {
    let (zh, en) = plan::day_label(d);
    c.pick(&zh, &en).to_string()
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub async fn import_weather(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let csv = f.raw("csv").to_string();
    match st.app.import_weather_csv(s.actor(), &csv).await {
        Ok(n) => Ok(see_other(&format!("/data/forecast?done={n}"))),
        Err(e @ AppError::Invalid { .. }) => {
            let msg = message_of(s.lang, &e);
            forecast_view(&st, &s, "", "", msg, csv).await
        }
        Err(e) => Err(app_error(&s.ctx("nav.forecast"), e)),
    }
}

// ---------------------------------------------------------------------------
// Replenishment

#[derive(Template)]
#[template(path = "replenishment.html")]
struct ReplenishPage {
    c: Ctx,
    levels: Vec<(i64, String, bool)>,
    level: i64,
    orders: Vec<OrderView>,
    forecast_ran: bool,
    /// The outlook still covers the days ahead (the job ran lately).
    fresh: bool,
}

#[derive(Debug)]
struct OrderView {
    supplier_id: i64,
    supplier: String,
    expected: String,
    lead_days: i64,
    cost: String,
    lines: Vec<LineView>,
}

#[derive(Debug)]
struct LineView {
    product_id: i64,
    name: String,
    on_hand: String,
    on_order: String,
    lead_demand: String,
    reorder_point: String,
    order_up_to: String,
    qty: String,
    cost: String,
}

const LEVELS: [i64; 5] = [9_000, 9_500, 9_750, 9_900, 9_950];

pub async fn replenishment_page(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    let c = s.ctx("nav.replenishment");
    let f = Fields::query(&uri);
    let level = f.get("level").parse().unwrap_or(plan::SERVICE_LEVEL_BP_DEFAULT);
    let orders = st
        .app
        .replenishment(s.actor(), Some(level))
        .await
        .map_err(|e| app_error(&c, e))?;
    let forecast_ran = st
        .app
        .job_runs(s.actor(), 50)
        .await
        .map_err(|e| app_error(&c, e))?
        .iter()
        .any(|r| r.job == plan::JOB_DEMAND_FORECAST && r.status == "done");
    let fresh = st
        .app
        .store_outlook(s.actor())
        .await
        .map_or(true, |o| plan::outlook_is_fresh(&o));
    let orders = orders
        .into_iter()
        .map(|o| OrderView {
            supplier_id: o.supplier.id.0,
            supplier: o.supplier.name_zh,
            expected: datetime(o.expected_at),
            lead_days: o.lead_days,
            cost: money(o.cost_fen),
            lines: o
                .lines
                .into_iter()
                .map(|l| {
                    let unit = if l.weighed { "kg" } else { "" };
                    let number = |v: f64| format!("{} {unit}", trim_number(shown(v, unit))).trim().to_string();
                    LineView {
                        product_id: l.product.0,
                        name: c.pick(&l.name_zh, &l.name_en).to_string(),
                        on_hand: qty(l.on_hand, unit).trim().to_string(),
                        on_order: qty(l.on_order, unit).trim().to_string(),
                        lead_demand: number(l.lead_demand),
                        reorder_point: number(l.reorder_point),
                        order_up_to: number(l.order_up_to),
                        qty: qty(l.qty, unit).trim().to_string(),
                        cost: money(l.cost_fen),
                    }
                })
                .collect(),
        })
        .collect();
    let levels = LEVELS
        .iter()
        .map(|l| (*l, format!("{}%", *l as f64 / 100.0), *l == level))
        .collect();
    ok(&ReplenishPage {
        c,
        levels,
        level,
        orders,
        forecast_ran,
        fresh,
    })
}

pub async fn accept_replenishment(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let c = s.ctx("nav.replenishment");
    let supplier: i64 = f.get("supplier_id").parse().unwrap_or(0);
    let level: Option<i64> = f.get("level").parse().ok();
    let po = st
        .app
        .accept_replenishment(s.actor(), supplier, level, None)
        .await
        .map_err(|e| app_error(&c, e))?;
    Ok(see_other(&format!("/purchase-orders/{}", po.id.0)))
}

// ---------------------------------------------------------------------------
// Markdowns

#[derive(Template)]
#[template(path = "markdowns.html")]
struct MarkdownPage {
    c: Ctx,
    notice: String,
    problem: String,
    suggestions: Vec<SuggestionView>,
    history: Vec<HistoryView>,
    ladder: (String, String, String, String),
}

#[derive(Debug)]
struct SuggestionView {
    kind: String,
    target: String,
    target_id: i64,
    name: String,
    product_id: i64,
    why: String,
    units: String,
    regular: String,
    price: String,
    off: String,
    floored: bool,
    until: String,
}

#[derive(Debug)]
struct HistoryView {
    id: i64,
    name: String,
    kind: String,
    price: String,
    off: String,
    units: String,
    until: String,
    active: bool,
    created: String,
}

pub async fn markdowns_page(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    let f = Fields::query(&uri);
    let notice = match f.get("done") {
        "accepted" => s
            .ctx("nav.markdowns")
            .pick("已降价，价签随之更新", "Marked down; the shelf labels follow")
            .to_string(),
        "ended" => s
            .ctx("nav.markdowns")
            .pick("已撤销，恢复原价", "Ended; the regular price is back")
            .to_string(),
        "ladder" => s
            .ctx("nav.markdowns")
            .pick("降价阶梯已保存", "Ladder saved")
            .to_string(),
        _ => String::new(),
    };
    markdowns_view(&st, &s, notice, String::new()).await
}

async fn markdowns_view(st: &AppState, s: &Session, notice: String, problem: String) -> Html {
    let c = s.ctx("nav.markdowns");
    let actor = s.actor();
    let suggestions = st
        .app
        .markdown_suggestions(actor)
        .await
        .map_err(|e| app_error(&c, e))?
        .into_iter()
        .map(|m| {
            let (target, target_id) = match &m.lot {
                Some(l) => ("lot_id".to_string(), l.0.0),
                None => ("product_id".to_string(), m.product.0),
            };
            let why = match (&m.lot, m.days_left, m.cover_days) {
                (Some(l), Some(d), _) => format!(
                    "{} {} · {}",
                    c.pick("批次", "lot"),
                    l.1,
                    match d {
                        0 => c.pick("今天到期", "expires today").to_string(),
                        d => format!("{} {d} {}", c.pick("还剩", "expires in"), c.pick("天", "days")),
                    }
                ),
                (_, _, Some(cover)) => format!(
                    "{} {:.0} {}",
                    c.pick("库存可售", "stock for"),
                    cover,
                    c.pick("天", "days")
                ),
                _ => c.pick("无销量预测", "no demand forecast").to_string(),
            };
            SuggestionView {
                kind: if m.kind == "expiry" {
                    c.pick("临期", "near expiry")
                } else {
                    c.pick("滞销", "slow mover")
                }
                .to_string(),
                target,
                target_id,
                name: c.pick(&m.name_zh, &m.name_en).to_string(),
                product_id: m.product.0,
                why,
                units: if m.weighed {
                    qty(m.units, "kg")
                } else {
                    m.units.to_string()
                },
                regular: money(m.regular_price_fen),
                price: money(m.price_fen),
                off: format!("-{:.0}%", m.off_bp as f64 / 100.0),
                floored: m.floored,
                until: datetime(m.ends_at),
            }
        })
        .collect();
    let history = st
        .app
        .markdowns(actor, 50)
        .await
        .map_err(|e| app_error(&c, e))?
        .into_iter()
        .map(|m| HistoryView {
            id: m.id,
            name: m.product_zh,
            kind: if m.kind == "expiry" {
                c.pick("临期", "near expiry")
            } else {
                c.pick("滞销", "slow mover")
            }
            .to_string(),
            price: money(m.price_fen),
            off: format!("-{:.0}%", m.off_bp as f64 / 100.0),
            units: if m.method == plan::METHOD_PRICE {
                qty(m.units, "kg")
            } else {
                m.units.to_string()
            },
            until: datetime(m.ends_at),
            active: m.active,
            created: datetime(m.created_at),
        })
        .collect();
    let ladders = st.app.markdown_ladders(actor).await.map_err(|e| app_error(&c, e))?;
    let d = ladders
        .iter()
        .find(|l| l.category.is_none())
        .cloned()
        .unwrap_or(linli_store::MarkdownLadderRow {
            category: None,
            steps: plan::DEFAULT_LADDER.into(),
            floor_cost_bp: plan::DEFAULT_FLOOR_COST_BP,
            slow_cover_days: plan::DEFAULT_SLOW_COVER_DAYS,
            slow_off_bp: plan::DEFAULT_SLOW_OFF_BP,
        });
    ok(&MarkdownPage {
        c,
        notice,
        problem,
        suggestions,
        history,
        ladder: (
            d.steps,
            format!("{}", d.floor_cost_bp as f64 / 100.0),
            d.slow_cover_days.to_string(),
            format!("{}", d.slow_off_bp as f64 / 100.0),
        ),
    })
}

pub async fn accept_markdown(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let id: i64 = f.get("id").parse().unwrap_or(0);
    let target = if f.get("target") == "lot_id" {
        MarkdownTarget::Lot(id)
    } else {
        MarkdownTarget::Product(id)
    };
    match st.app.accept_markdown(s.actor(), target).await {
        Ok(_) => Ok(see_other("/markdowns?done=accepted")),
        Err(e @ AppError::Invalid { .. }) => {
            let msg = message_of(s.lang, &e);
            markdowns_view(&st, &s, String::new(), msg).await
        }
        Err(e) => Err(app_error(&s.ctx("nav.markdowns"), e)),
    }
}

pub async fn end_markdown(
    State(st): State<AppState>,
    s: Session,
    axum::extract::Path(id): axum::extract::Path<i64>,
    body: Bytes,
) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    st.app
        .end_markdown(s.actor(), id)
        .await
        .map_err(|e| app_error(&s.ctx("nav.markdowns"), e))?;
    Ok(see_other("/markdowns?done=ended"))
}

pub async fn save_ladder(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    let percent = |k: &str| {
        f.get(k)
            .trim()
            .parse::<f64>()
            .map(|v| (v * 100.0).round() as i64)
            .unwrap_or(-1)
    };
    let result = st
        .app
        .set_markdown_ladder(
            s.actor(),
            None,
            f.get("steps"),
            percent("floor_cost_pct"),
            f.get("slow_cover_days").trim().parse().unwrap_or(-1),
            percent("slow_off_pct"),
        )
        .await;
    match result {
        Ok(_) => Ok(see_other("/markdowns?done=ladder")),
        Err(e @ AppError::Invalid { .. }) => {
            let msg = message_of(s.lang, &e);
            markdowns_view(&st, &s, String::new(), msg).await
        }
        Err(e) => Err(app_error(&s.ctx("nav.markdowns"), e)),
    }
}
