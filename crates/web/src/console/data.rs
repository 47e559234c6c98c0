//! 数据中心 Data centre: the analytics jobs over the store's history — when each last
//! ran, how long it took, how it ended — with a button to run one now.

use super::*;
use axum::body::Bytes;
use axum::extract::Path;
use linli_app::analytics::{HEAT_WEEKS, HeatMaps, JOBS};

#[derive(Template)]
#[template(path = "data.html")]
struct DataPage {
    c: Ctx,
    jobs: Vec<JobView>,
    runs: Vec<RunView>,
    notice: String,
    /// The two heat maps as SVG, for those who may see takings.
    hour_map: String,
    category_map: String,
    /// Orders on the H3 grid around the store, as SVG.
    order_map: String,
    heat_weeks: i64,
    /// Members per segment, and those likeliest to lapse (for who may see members).
    segments: Vec<(String, i64)>,
    lapsing: Vec<LapseView>,
}

#[derive(Debug)]
struct LapseView {
    name: String,
    segment: String,
    p_alive: String,
    spend: String,
    recency_days: i64,
}

#[derive(Debug)]
struct JobView {
    job: &'static str,
    name: String,
    about: String,
    last: String,
}

#[derive(Debug)]
struct RunView {
    name: String,
    started: String,
    duration: String,
    status: String,
    failed: bool,
    detail: String,
}

/// A run's detail in the page's language: the jobs record "N baskets, M pairs" and
/// "N members, M written"; anything else (a failure's message) is shown as recorded.
fn detail_text(c: &Ctx, job: &str, status: &str, detail: &str) -> String {
    let numbers: Vec<i64> = detail
        .split(", ")
        .filter_map(|part| part.split(' ').next()?.parse().ok())
        .collect();
    match (status, job, numbers.as_slice()) {
        ("done", "bought_together", [baskets, pairs]) => {
            format!(
                "{baskets} {} · {pairs} {}",
                c.pick("个购物篮", "baskets"),
                c.pick("组常一起买", "pairs")
            )
        }
        ("done", "member_segments", [members, _]) => format!("{members} {}", c.pick("位会员", "members")),
        ("done", "demand_forecast", [series, days, alerts]) => format!(
            "{series} {} · {days} {} · {alerts} {}",
            c.pick("个商品×地点", "product × location series"),
            c.pick("天预测", "forecast days"),
            c.pick("条预警", "alerts")
        ),
        _ => detail.to_string(),
    }
}

fn duration(ms: Option<i64>) -> String {
    match ms {
        None => "—".into(),
        Some(ms) if ms < 1_000 => format!("{ms} ms"),
        Some(ms) => format!("{:.1} s", ms as f64 / 1_000.0),
    }
}

pub async fn page(State(st): State<AppState>, s: Session, uri: Uri) -> Html {
    let c = s.ctx("nav.data");
    let runs = st.app.job_runs(s.actor(), 50).await.map_err(|e| app_error(&c, e))?;
    let f = Fields::query(&uri);
    let notice = match f.get("done") {
        "" => String::new(),
        job => format!("{} · {}", c.t(&format!("data.job.{job}")), c.t("data.ran")),
    };
    let jobs = JOBS
        .iter()
        .map(|job| JobView {
            job,
            name: c.t(&format!("data.job.{job}")).to_string(),
            about: c.t(&format!("data.about.{job}")).to_string(),
            last: runs
                .iter()
                .find(|r| r.job == *job)
                .map_or_else(|| c.t("data.never").to_string(), |r| datetime(r.started_at)),
        })
        .collect();
    let runs = runs
        .into_iter()
        .map(|r| RunView {
            name: c.t(&format!("data.job.{}", r.job)).to_string(),
            started: datetime(r.started_at),
            duration: duration(r.finished_at.map(|f| f - r.started_at)),
            status: c.t(&format!("data.status.{}", r.status)).to_string(),
            failed: r.status == "failed",
            detail: detail_text(&c, &r.job, &r.status, &r.detail),
        })
        .collect();
    // Takings are for owners and managers; others see the jobs only.
    let (hour_map, category_map) = match st.app.heat_maps(s.actor()).await {
        Ok(h) => (hour_svg(&c, &h), category_svg(&c, &h)),
        Err(_) => (String::new(), String::new()),
    };
    let order_map = match st.app.order_map(s.actor()).await {
        Ok(m) => map_svg(&c, &m),
        Err(_) => String::new(),
    };
    let segments = st.app.segment_sizes(s.actor()).await.unwrap_or_default();
    let lapsing = st
        .app
        .member_insights(s.actor(), None, true, 10)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| LapseView {
            name: if r.name.is_empty() {
                format!("#{}", r.insight.member.0)
            } else {
                r.name
            },
            segment: r.insight.segment,
            p_alive: r
                .insight
                .p_alive_bp
                .map_or("—".into(), |bp| format!("{}%", (bp + 50) / 100)),
            spend: money(r.insight.spend_fen),
            recency_days: r.insight.recency_days,
        })
        .collect();
    ok(&DataPage {
        c,
        jobs,
        runs,
        notice,
        hour_map,
        category_map,
        order_map,
        heat_weeks: HEAT_WEEKS,
        segments,
        lapsing,
    })
}

/// A colour from pale to deep blue for `value` out of `max`.
fn shade(value: i64, max: i64) -> String {
    if value <= 0 || max <= 0 {
        return "#f1f4f9".into();
    }
    let t = (value as f64 / max as f64).clamp(0.0, 1.0).sqrt();
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(219.0, 29.0),
        mix(234.0, 78.0),
        mix(254.0, 216.0)
    )
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const WEEKDAYS_ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Orders by weekday (rows) and hour (columns); each cell's title gives the figures.
fn hour_svg(c: &Ctx, h: &HeatMaps) -> String {
    let (left, top, w, ht) = (40, 18, 22, 20);
    let max = h.by_hour.iter().flatten().map(|x| x.0).max().unwrap_or(0);
    if max == 0 {
        return String::new();
    }
    let width = left + 24 * w;
    let height = top + 7 * ht;
    let mut out = format!(
        r#"<svg class="heat" viewBox="0 0 {width} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        xml(c.pick("按星期与小时的订单数", "Orders by weekday and hour"))
    );
    for hour in (0..24).step_by(3) {
        out.push_str(&format!(
            r#"<text x="{}" y="12" class="axis">{hour}</text>"#,
            left + hour * w + 4
        ));
    }
    for (d, row) in h.by_hour.iter().enumerate() {
        let name = c.pick(WEEKDAYS_ZH[d], WEEKDAYS_EN[d]);
        let y = top + d * ht;
        out.push_str(&format!(r#"<text x="0" y="{}" class="axis">{name}</text>"#, y + 14));
        for (hour, (orders, fen)) in row.iter().enumerate() {
            let title = format!(
                "{name} {hour:02}:00–{:02}:00 · {orders} {} · {}",
                hour + 1,
                c.pick("单", "orders"),
                money(*fen)
            );
            out.push_str(&format!(
                r#"<rect x="{}" y="{y}" width="{}" height="{}" fill="{}" data-orders="{orders}"><title>{}</title></rect>"#,
                left + hour * w,
                w - 2,
                ht - 2,
                shade(*orders, max),
                xml(&title)
            ));
        }
    }
    out.push_str("</svg>");
    out
}

/// Takings by category (rows) and week (columns).
fn category_svg(c: &Ctx, h: &HeatMaps) -> String {
    if h.categories.is_empty() {
        return String::new();
    }
    let (left, top, w, ht) = (96, 18, 38, 20);
    let max = h.categories.iter().flat_map(|x| x.2.iter()).copied().max().unwrap_or(0);
    let width = left + h.week_starts.len() * w;
    let height = top + h.categories.len() * ht;
    let mut out = format!(
        r#"<svg class="heat" viewBox="0 0 {width} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        xml(c.pick("按品类与周的销售额", "Takings by category and week"))
    );
    let label = |day: i64| {
        jiff::civil::date(1970, 1, 1)
            .checked_add(jiff::Span::new().days(day))
            .map_or_else(|_| String::new(), |d| format!("{}/{}", d.month(), d.day()))
    };
    for (k, day) in h.week_starts.iter().enumerate() {
        if k % 2 == 0 {
            out.push_str(&format!(
                r#"<text x="{}" y="12" class="axis">{}</text>"#,
                left + k * w + 2,
                label(*day)
            ));
        }
    }
    for (row, (zh, en, weeks)) in h.categories.iter().enumerate() {
        let name = if c.lang == Lang::En && !en.is_empty() { en } else { zh };
        let y = top + row * ht;
        out.push_str(&format!(
            r#"<text x="0" y="{}" class="axis">{}</text>"#,
            y + 14,
            xml(name)
        ));
        for (k, fen) in weeks.iter().enumerate() {
            let title = format!(
                "{name} · {} {} · {}",
                c.pick("周起", "week of"),
                label(h.week_starts[k]),
                money(*fen)
            );
            out.push_str(&format!(
                r#"<rect x="{}" y="{y}" width="{}" height="{}" fill="{}"><title>{}</title></rect>"#,
                left + k * w,
                w - 2,
                ht - 2,
                shade(*fen, max),
                xml(&title)
            ));
        }
    }
    out.push_str("</svg>");
    out
}

pub async fn run(State(st): State<AppState>, s: Session, Path(job): Path<String>, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    match st.app.run_job(s.actor(), &job).await {
        Ok(_) => Ok(see_other(&format!("/data?done={job}"))),
        Err(e) => Err(app_error(&s.ctx("nav.data"), e)),
    }
}

/// The orders' H3 cells around the store: shaded by orders, outlined in orange where
/// deliveries went, the store a dark dot with its 1 km ring (the 15-minute circle on
/// foot), and a 200 m scale. A local flat projection: at this size the earth is flat.
fn map_svg(c: &Ctx, m: &linli_app::analytics::OrderMap) -> String {
    if m.cells.is_empty() {
        return String::new();
    }
    let mut pts: Vec<(f64, f64)> = m.cells.iter().flat_map(|x| x.outline.iter().copied()).collect();
    if let Some(s) = m.store {
        pts.push(s);
    }
    let lat0 = pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64;
    let k = lat0.to_radians().cos();
    // Metres per degree of latitude.
    const M: f64 = 111_195.0;
    let xy = |p: (f64, f64)| (p.1 * k * M, -p.0 * M);
    let proj: Vec<(f64, f64)> = pts.iter().map(|p| xy(*p)).collect();
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in &proj {
        x0 = x0.min(*x);
        y0 = y0.min(*y);
        x1 = x1.max(*x);
        y1 = y1.max(*y);
    }
    if let Some(s) = m.store {
        // Room for the 1 km ring.
        let (sx, sy) = xy(s);
        x0 = x0.min(sx - 1000.0);
        x1 = x1.max(sx + 1000.0);
        y0 = y0.min(sy - 1000.0);
        y1 = y1.max(sy + 1000.0);
    }
    let pad = 40.0;
    let width = 560.0;
    let scale = (width - 2.0 * pad) / (x1 - x0).max(1.0);
    let height = (y1 - y0) * scale + 2.0 * pad;
    let at = |p: (f64, f64)| {
        let (x, y) = xy(p);
        ((x - x0) * scale + pad, (y - y0) * scale + pad)
    };
    let max = m.cells.iter().map(|x| x.orders).max().unwrap_or(1);
    let mut out = format!(
        r#"<svg class="map" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        xml(c.pick("订单来源（H3 网格）", "Where orders come from (H3 grid)"))
    );
    out.push_str(&format!(
        r##"<rect width="{width:.0}" height="{height:.0}" fill="#f8fafc"/>"##
    ));
    for cell in &m.cells {
        let points: Vec<String> = cell
            .outline
            .iter()
            .map(|p| {
                let (x, y) = at(*p);
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let title = format!(
            "{} · {} {} · {} {} · {} · {} {} · {:.0} m",
            cell.cell.text(),
            cell.orders,
            c.pick("单", "orders"),
            cell.deliveries,
            c.pick("单配送", "delivered"),
            money(cell.takings_fen),
            cell.buildings,
            c.pick("栋楼", "buildings"),
            cell.distance_m
        );
        out.push_str(&format!(
            r#"<polygon points="{}" fill="{}" class="{}" data-orders="{}"><title>{}</title></polygon>"#,
            points.join(" "),
            shade(cell.orders, max),
            if cell.deliveries > 0 { "cell delivered" } else { "cell" },
            cell.orders,
            xml(&title)
        ));
    }
    if let Some(s) = m.store {
        let (sx, sy) = at(s);
        out.push_str(&format!(
            r#"<circle cx="{sx:.1}" cy="{sy:.1}" r="{:.1}" class="ring"/><circle cx="{sx:.1}" cy="{sy:.1}" r="6" class="store"><title>{}</title></circle>"#,
            1000.0 * scale,
            xml(c.pick("本店", "The store"))
        ));
        out.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}" class="axis">{}</text>"#,
            sx + 8.0,
            sy - 8.0,
            xml(c.pick("本店 · 1 公里", "store · 1 km"))
        ));
    }
    let bar = 200.0 * scale;
    out.push_str(&format!(
        r#"<line x1="{pad}" x2="{:.1}" y1="{:.1}" y2="{:.1}" class="scale"/><text x="{pad}" y="{:.1}" class="axis">200 m</text>"#,
        pad + bar,
        height - 14.0,
        height - 14.0,
        height - 18.0
    ));
    out.push_str("</svg>");
    out
}
