//! `bench sync`: metric points pushed from a host's SQLite file to a team server on PostgreSQL and pulled into a
//! second host, over HTTP on 127.0.0.1 — the real pages, acknowledgements and cursors. The database is the one given
//! (`--database`) or a throw-away PostgreSQL cluster started for the run. Prints points per second each way and
//! checks the counts on all three stores (exit 1 on a mismatch).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use browser_ai_mlops_core::store::Store;
use browser_ai_mlops_core::store::db::Db;
use browser_ai_mlops_core::store::postgres::PgStore;
use browser_ai_mlops_core::sync::{client, local};
use browser_ai_mlops_core::team::{Role, Team};
use browser_ai_mlops_core::{Core, Error, Result, Settings};
use browser_ai_mlops_server::{self as server, ServeOptions};

#[derive(Debug, Serialize)]
pub struct SyncBench {
    pub points: usize,
    pub push_secs: f64,
    pub push_points_per_sec: f64,
    pub push_pages: u64,
    pub pull_secs: f64,
    pub pull_points_per_sec: f64,
    pub pull_pages: u64,
    pub server_points: i64,
    pub pulled_points: i64,
}

pub(crate) fn failed(what: &str) -> impl Fn(String) -> Error + '_ {
    move |e| Error::Failed(format!("{what}: {e}"))
}

/// The PostgreSQL database a benchmark uses: `database`, or a fresh one in a throw-away cluster started now (the
/// returned cluster keeps it alive; dropping it stops the cluster and removes its directory).
pub(crate) async fn team_database(
    database: Option<String>,
    progress: &dyn Fn(&str),
) -> Result<(Option<browser_ai_mlops_testkit::pg::PgCluster>, PgStore)> {
    let (cluster, url) = match database {
        Some(url) => (None, url),
        None => {
            progress("starting a throw-away PostgreSQL cluster");
            let cluster = tokio::task::spawn_blocking(browser_ai_mlops_testkit::pg::PgCluster::start)
                .await
                .map_err(|e| Error::Failed(e.to_string()))?
                .map_err(failed("PostgreSQL"))?;
            let url = cluster.create_database("bench").map_err(failed("PostgreSQL"))?;
            (Some(cluster), url)
        }
    };
    let pg = PgStore::open(&url).await.map_err(|e| Error::Failed(e.to_string()))?;
    Ok((cluster, pg))
}

pub async fn run(points: usize, database: Option<String>, progress: &dyn Fn(&str)) -> Result<SyncBench> {
    let work = tempdir()?;
    let (_cluster, pg) = team_database(database, progress).await?;
    let core = Core::new(Settings::in_dir(&work.join("server")));
    core.attach_team_database(pg.clone());
    let team = Team::new(Db::Pg(pg.clone()));
    team.add_user("bench", Role::Editor).await?;
    let token = team.create_token("bench", "bench").await?.token;
    let (addr_tx, addr_rx) = tokio::sync::oneshot::channel::<SocketAddr>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let opts = ServeOptions {
        bind: "127.0.0.1:0".parse().expect("a socket address"),
        token: None,
        no_auth: true,
        public_read: false,
        max_body_bytes: server::DEFAULT_MAX_BODY_BYTES,
        cors_origins: Vec::new(),
        ui_dir: None,
        health_interval: Some(std::time::Duration::ZERO),
        public_hosts: Vec::new(),
        limits: server::Limits::default(),
    };
    let serving = tokio::spawn(server::serve(
        Arc::new(core),
        opts,
        move |a| {
            let _ = addr_tx.send(a);
        },
        async move {
            let _ = stop_rx.await;
        },
    ));
    let base = format!("http://{}", addr_rx.await.map_err(|e| Error::Failed(e.to_string()))?);
    let remote = client::remote(&base, &token)?;

    progress("writing the points on the first host");
    let a_path = work.join("a.db");
    browser_ai_mlops_core::tracker::synthetic::raw_insert_rate(&a_path, points).await?;
    let a = Store::open(&a_path).await?;
    let state = local::connect(&a, &base, "env:UNUSED", "bench-a").await?;
    progress("pushing");
    let started = Instant::now();
    let pushed = client::push_with(&a, &state, &remote).await?;
    let push_secs = started.elapsed().as_secs_f64();

    let b = Store::open(&work.join("b.db")).await?;
    let state = local::connect(&b, &base, "env:UNUSED", "bench-b").await?;
    progress("pulling");
    let started = Instant::now();
    let pulled = client::pull_with(&b, &state, &remote).await?;
    let pull_secs = started.elapsed().as_secs_f64();

    let server_points: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM metric_values").fetch_one(pg.pool()).await.map_err(Error::from)?;
    let pulled_points: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM metric_values").fetch_one(b.pool()).await.map_err(Error::from)?;
    let _ = stop_tx.send(());
    let _ = serving.await;
    a.close().await;
    b.close().await;
    pg.close().await;
    let _ = std::fs::remove_dir_all(&work);
    let rate = |n: usize, secs: f64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
    Ok(SyncBench {
        points,
        push_secs,
        push_points_per_sec: rate(points, push_secs),
        push_pages: pushed.pages,
        pull_secs,
        pull_points_per_sec: rate(points, pull_secs),
        pull_pages: pulled.pages,
        server_points,
        pulled_points,
    })
}

pub(crate) fn tempdir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("browser-ai-mlops-bench-{}", browser_ai_mlops_core::util::new_id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(format!("{}", dir.display()), e))?;
    Ok(dir)
}

pub fn render(r: &SyncBench) -> String {
    format!(
        "sync of {} metric points over HTTP to PostgreSQL on 127.0.0.1\n\
         push  {:>8.2} s  {:>10.0} points/s  ({} pages)\n\
         pull  {:>8.2} s  {:>10.0} points/s  ({} pages)\n\
         held: server {}, second host {}",
        r.points,
        r.push_secs,
        r.push_points_per_sec,
        r.push_pages,
        r.pull_secs,
        r.pull_points_per_sec,
        r.pull_pages,
        r.server_points,
        r.pulled_points
    )
}
