//! `linli`: runs the store (`linli serve`), fills the demo community and measures
//! itself (`linli bench`). The only crate that knows which database backend runs and
//! reads the environment.

mod analytics;
mod bench;

use anyhow::Context;
use clap::{Parser, Subcommand};
use linli_app::{App, SystemClock};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser, Debug)]
#[command(name = "linli", version, about = "邻里 Linli — the community store's service hub")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Debug, Clone)]
struct DbArgs {
    /// Where the embedded SQLite database lives.
    #[arg(long, env = "LINLI_STATE_DIR", default_value = "./linli-data")]
    data_dir: PathBuf,
    /// Use this database instead of embedded SQLite, e.g. postgres://user@host/linli.
    #[arg(long, env = "LINLI_DATABASE_URL")]
    database_url: Option<String>,
}

impl DbArgs {
    fn url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("could not create the data directory {}", self.data_dir.display()))?;
        Ok(format!(
            "sqlite://{}?mode=rwc",
            self.data_dir.join("linli.sqlite3").display()
        ))
    }
}

#[derive(clap::Args, Debug, Clone)]
struct DemoArgs {
    /// Seed of the demo community: the same seed gives the same store.
    #[arg(long, default_value_t = 20261125)]
    demo_seed: u64,
    /// Days of simulated sales history.
    #[arg(long, default_value_t = 180)]
    demo_days: u32,
    /// Last day of the history (default: yesterday in Asia/Shanghai).
    #[arg(long)]
    demo_end: Option<jiff::civil::Date>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the console and the API.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on.
        #[arg(long, env = "LINLI_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Fill an empty database with the demo community and show the demo accounts.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        demo_args: DemoArgs,
        /// Category codes whose goods need staff at a self-checkout kiosk (default: C3002,jiu,yan).
        #[arg(long, env = "LINLI_KIOSK_RESTRICTED_CATEGORIES", value_delimiter = ',')]
        kiosk_restricted_categories: Option<Vec<String>>,
    },
    /// Fill an empty database with the demo community, then exit.
    Demo {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        demo_args: DemoArgs,
    },
    /// The analytics engine over files: basket rules (more to come). JSON on stdout.
    Analytics {
        #[command(subcommand)]
        what: analytics::Analytics,
    },
    /// Measure Linli on this machine (figures go to docs/benchmarks.md).
    Bench {
        #[command(subcommand)]
        what: bench::Bench,
    },
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LINLI_LOG").unwrap_or_else(|_| "linli=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Command::Analytics { what } = cli.command {
        // Pure computation over files: no runtime, no database.
        return analytics::run(what);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the runtime")?;
    runtime.block_on(run(cli))
}

async fn open(db: &DbArgs) -> anyhow::Result<App> {
    let url = db.url()?;
    let store = linli_store::Store::connect(&url)
        .await
        .context("could not open the database")?;
    Ok(App::new(store, Arc::new(SystemClock)))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            db,
            listen,
            demo,
            demo_args,
            kiosk_restricted_categories,
        } => {
            if let Some(codes) = &kiosk_restricted_categories {
                linli_app::kiosk::set_restricted_category_codes(codes)
                    .map_err(|e| anyhow::anyhow!("--kiosk-restricted-categories: {}", e.message_en()))?;
            }
            let app = open(&db).await?;
            if demo {
                fill_demo(&db, &app, &demo_args).await?;
                print_demo_accounts();
            } else if let Some(password) = linli_app::seed::bootstrap(&app).await? {
                println!("新建门店 New store. 店主账号 Owner account: owner / {password}");
                println!("请登录后立即修改密码。Change this password after signing in.");
            }
            serve(app, listen, demo).await
        }
        Command::Demo { db, demo_args } => {
            let app = open(&db).await?;
            fill_demo(&db, &app, &demo_args).await?;
            print_demo_accounts();
            Ok(())
        }
        Command::Bench { what } => bench::run(what).await,
        Command::Analytics { .. } => unreachable!("handled before the runtime starts"),
    }
}

fn print_demo_accounts() {
    println!(
        "演示账号 Demo accounts (密码 password: {}):",
        linli_app::seed::DEMO_PASSWORD
    );
    for (user, role) in linli_app::seed::DEMO_ACCOUNTS {
        println!("  {user:<8} {role}");
    }
}

async fn fill_demo(db: &DbArgs, app: &App, args: &DemoArgs) -> anyhow::Result<()> {
    if !app.store.is_empty().await? {
        println!("数据库已有数据，跳过演示数据。The database is not empty; demo data is already there or not wanted.");
        return Ok(());
    }
    let end = match args.demo_end {
        Some(d) => d,
        None => linli_domain::time::local_date(app.now())
            .yesterday()
            .context("date out of range")?,
    };
    let bar = indicatif::ProgressBar::new(u64::from(args.demo_days));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} 天 days, {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message("生成演示社区 Filling the demo community");
    let started = std::time::Instant::now();
    anyhow::ensure!(
        (1..=3660).contains(&args.demo_days),
        "--demo-days must be between 1 and 3660"
    );
    // The demo is generated again from its seed if the machine dies meanwhile, so it
    // is written without flushing every commit to disk; real sales never are.
    let bulk = App::new(
        linli_store::Store::connect_for_bulk_load(&db.url()?)
            .await
            .context("could not open the database")?,
        app.clock.clone(),
    );
    let report = linli_app::demo_seed::seed_demo(&bulk, args.demo_seed, end, args.demo_days, &|day| {
        bar.set_position(u64::from(day))
    })
    .await
    .context("could not fill the demo community")?;
    bulk.store.close().await;
    bar.finish();
    println!(
        "演示数据完成 Demo ready in {:.1} s: {} products, {} members, {} sales ({} refused: out of stock), {} lots.",
        started.elapsed().as_secs_f64(),
        report.products,
        report.members,
        report.sales,
        report.refused_sales,
        report.lots
    );
    Ok(())
}

async fn serve(app: App, listen: SocketAddr, demo: bool) -> anyhow::Result<()> {
    let router = linli_web::router(linli_web::AppState::new(app.clone(), demo));
    // Keeps shelf labels in step with prices and promotion windows (every second).
    let label_sweeper = linli_app::labels::spawn_sweeper(app.clone());
    // Background work: unpaid online orders time out and give their stock back; refunds
    // a payment provider could not make yet are retried.
    let sweeper = app.spawn_order_sweeper(std::time::Duration::from_secs(60));
    // 数据中心: the analytics jobs, every night at 03:00 Asia/Shanghai.
    let nightly = linli_app::analytics::spawn_nightly_jobs(app.clone());
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("could not listen on {listen}"))?;
    let addr = listener.local_addr()?;
    println!("邻里 Linli is serving on http://{addr}/ (API docs: http://{addr}/api/docs)");
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await
        .context("the server stopped with an error")?;
    sweeper.abort();
    label_sweeper.abort();
    nightly.abort();
    app.store.close().await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
