//! 数据中心 Data centre: the analytics jobs over the store's history — when each last
//! ran, how long it took, how it ended — with a button to run one now.

use super::*;
use axum::body::Bytes;
use axum::extract::Path;
use linli_app::analytics::JOBS;

#[derive(Template)]
#[template(path = "data.html")]
struct DataPage {
    c: Ctx,
    jobs: Vec<JobView>,
    runs: Vec<RunView>,
    notice: String,
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
            detail: r.detail,
        })
        .collect();
    ok(&DataPage { c, jobs, runs, notice })
}

pub async fn run(State(st): State<AppState>, s: Session, Path(job): Path<String>, body: Bytes) -> Html {
    let f = Fields::parse(&body);
    s.check_csrf(&f)?;
    match st.app.run_job(s.actor(), &job).await {
        Ok(_) => Ok(see_other(&format!("/data?done={job}"))),
        Err(e) => Err(app_error(&s.ctx("nav.data"), e)),
    }
}
