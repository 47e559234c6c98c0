//! 选址 Site selection (`/data/sites`): candidate sites typed or pasted as CSV, ranked by
//! the Huff model over the buildings the store knows, on a map with their predicted
//! takings per m².

use super::*;
use axum::body::Bytes;
use linli_app::sites::SiteReport;

#[derive(Template)]
#[template(path = "sites.html")]
struct SitesPage {
    c: Ctx,
    problem: String,
    area: String,
    competitors: String,
    candidates: String,
    rows: Vec<RowView>,
    map: String,
    model: String,
}

#[derive(Debug)]
struct RowView {
    rank: usize,
    id: String,
    area: String,
    households: String,
    per_m2: String,
    net: String,
    nearest: String,
}

/// Example candidates around the store (north-east, south, west, far east), for a first
/// look before the manager types real addresses.
fn example_candidates(store: Option<(f64, f64)>) -> String {
    let Some((lat, lon)) = store else {
        return "id,lat,lon,area_m2\n".into();
    };
    let at = |dn_m: f64, de_m: f64| {
        (
            lat + dn_m / 111_195.0,
            lon + de_m / (111_195.0 * lat.to_radians().cos()),
        )
    };
    let mut out = String::from("id,lat,lon,area_m2\n");
    for (name, dn, de, area) in [
        ("示例A 东北 800m", 560.0, 560.0, 80.0),
        ("示例B 南 1.2km", -1_200.0, 0.0, 120.0),
        ("示例C 西 600m", 0.0, -600.0, 60.0),
        ("示例D 东 2km", 0.0, 2_000.0, 150.0),
    ] {
        let (a, b) = at(dn, de);
        out.push_str(&format!("{name},{a:.6},{b:.6},{area}\n"));
    }
    out
}

async fn store_position(st: &AppState, s: &Session) -> Option<(f64, f64)> {
    st.app.order_map(s.actor()).await.ok().and_then(|m| m.store)
}

pub async fn page(State(st): State<AppState>, s: Session) -> Html {
    let c = s.ctx("nav.sites");
    if !s.may(Permission::ViewAudit) {
        return Err(app_error(
            &c,
            AppError::Forbidden {
                permission: Permission::ViewAudit.code(),
            },
        ));
    }
    let candidates = example_candidates(store_position(&st, &s).await);
    view(&st, &s, "120".into(), String::new(), candidates, String::new()).await
}

pub async fn evaluate(State(st): State<AppState>, s: Session, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    view(
        &st,
        &s,
        f.get("store_area_m2").to_string(),
        f.raw("competitors").to_string(),
        f.raw("candidates").to_string(),
        String::new(),
    )
    .await
}

async fn view(
    st: &AppState,
    s: &Session,
    area: String,
    competitors: String,
    candidates: String,
    problem: String,
) -> Html {
    let c = s.ctx("nav.sites");
    let mut page = SitesPage {
        c: c.clone(),
        problem,
        area: area.clone(),
        competitors: competitors.clone(),
        candidates: candidates.clone(),
        rows: Vec::new(),
        map: String::new(),
        model: String::new(),
    };
    let Ok(area_m2) = area.trim().parse::<f64>() else {
        page.problem = c
            .pick("门店面积须为数字", "The store's floor area must be a number")
            .into();
        return ok(&page);
    };
    match st
        .app
        .site_selection(s.actor(), area_m2, &competitors, &candidates)
        .await
    {
        Ok(r) => {
            page.rows = r
                .predictions
                .iter()
                .map(|p| RowView {
                    rank: p.rank,
                    id: p.id.clone(),
                    area: format!("{:.0}", p.area_m2),
                    households: format!("{:.0}", p.captured_households),
                    per_m2: money(p.sales_per_m2_fen),
                    net: money(p.net_fen_per_day),
                    nearest: format!("{:.0} m", p.nearest_store_m),
                })
                .collect();
            let mut rows = page.rows.split_off(0);
            rows.sort_by_key(|r| r.rank);
            page.rows = rows;
            page.map = map_svg(&c, &r);
            page.model = format!(
                "Huff α = {:.2}, β = {:.2} ({}); {} {} · {} {}",
                r.alpha,
                r.beta,
                if r.fitted {
                    c.pick("按门店销售拟合", "fitted to the stores' sales")
                } else {
                    c.pick("教科书取值", "textbook values")
                },
                c.pick("每户每天贡献", "takings a day per captured household:"),
                money(r.fen_per_household.round() as i64),
                r.zones.len(),
                c.pick("栋楼作为需求", "buildings as the demand"),
            );
            ok(&page)
        }
        Err(e @ AppError::Invalid { .. }) => {
            page.problem = message_of(s.lang, &e);
            ok(&page)
        }
        Err(e) => Err(app_error(&c, e)),
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Buildings as dots sized by households, the stores dark, competitors grey squares,
/// candidates numbered by rank and coloured by predicted takings per m².
fn map_svg(c: &Ctx, r: &SiteReport) -> String {
    let mut pts: Vec<(f64, f64)> = r.zones.iter().map(|z| (z.lat, z.lon)).collect();
    pts.extend(r.stores.iter().map(|s| (s.lat, s.lon)));
    pts.extend(r.competitors.iter().map(|s| (s.lat, s.lon)));
    pts.extend(r.predictions.iter().map(|p| (p.lat, p.lon)));
    if pts.is_empty() {
        return String::new();
    }
    let lat0 = pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64;
    let k = lat0.to_radians().cos();
    const M: f64 = 111_195.0;
    let xy = |p: (f64, f64)| (p.1 * k * M, -p.0 * M);
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in &pts {
        let (x, y) = xy(*p);
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let (pad, width) = (36.0, 640.0);
    let scale = (width - 2.0 * pad) / (x1 - x0).max(200.0);
    let height = ((y1 - y0) * scale + 2.0 * pad).max(160.0);
    let at = |p: (f64, f64)| {
        let (x, y) = xy(p);
        ((x - x0) * scale + pad, (y - y0) * scale + pad)
    };
    let mut out = format!(
        r##"<svg class="map" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><rect width="{width:.0}" height="{height:.0}" fill="#f8fafc"/>"##,
        xml(c.pick("候选地址地图", "Candidate sites on a map"))
    );
    let most = r.zones.iter().map(|z| z.demand).fold(1.0_f64, f64::max);
    for z in &r.zones {
        let (x, y) = at((z.lat, z.lon));
        out.push_str(&format!(
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="{:.1}" class="zone"><title>{} · {:.0} {}</title></circle>"#,
            2.0 + 5.0 * (z.demand / most).sqrt(),
            xml(&z.id),
            z.demand,
            c.pick("户", "households")
        ));
    }
    for s in &r.competitors {
        let (x, y) = at((s.lat, s.lon));
        out.push_str(&format!(
            r#"<rect x="{:.1}" y="{:.1}" width="10" height="10" class="rival"><title>{} · {:.0} m²</title></rect>"#,
            x - 5.0,
            y - 5.0,
            xml(&s.id),
            s.area_m2
        ));
    }
    for s in &r.stores {
        let (x, y) = at((s.lat, s.lon));
        out.push_str(&format!(
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="7" class="store"><title>{}</title></circle>"#,
            xml(&s.id)
        ));
    }
    let best = r
        .predictions
        .iter()
        .map(|p| p.sales_per_m2_fen)
        .max()
        .unwrap_or(1)
        .max(1);
    for p in &r.predictions {
        let (x, y) = at((p.lat, p.lon));
        let t = (p.sales_per_m2_fen as f64 / best as f64).clamp(0.0, 1.0);
        let fill = format!(
            "#{:02x}{:02x}{:02x}",
            (254.0 - 20.0 * t) as u8,
            (215.0 - 130.0 * t) as u8,
            (170.0 - 150.0 * t) as u8
        );
        out.push_str(&format!(
            r#"<g class="candidate" data-rank="{}"><circle cx="{x:.1}" cy="{y:.1}" r="11" fill="{fill}"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" class="rank">{}</text><title>{} · {}/m² · {}</title></g>"#,
            p.rank,
            y + 4.0,
            p.rank,
            xml(&p.id),
            money(p.sales_per_m2_fen),
            c.pick("每天", "a day")
        ));
    }
    let bar = 500.0 * scale;
    out.push_str(&format!(
        r#"<line x1="{pad}" x2="{:.1}" y1="{:.1}" y2="{:.1}" class="scale"/><text x="{pad}" y="{:.1}" class="axis">500 m</text></svg>"#,
        pad + bar,
        height - 12.0,
        height - 12.0,
        height - 16.0
    ));
    out
}
