//! Sync under faults, each ending with exact counts on the server: a 100k-point push through a proxy that cuts the
//! connection at random points, 20 times in a row, then completes; the server killed with SIGKILL mid-push 5 times
//! and restarted; three hosts pushing at once. Every point is held exactly once and every summary adds up.

use std::time::Duration;

use sqlx::PgPool;

use super::proxy::Proxy;
use super::{Team, cluster, log_points, sync_ok};
use crate::server::{Server, TOKEN};
use crate::util::Home;

/// Deterministic pseudo-random numbers (SplitMix64), so a failing sequence of cuts can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

/// (points, summed counts of the run summaries) the server holds for `run`.
async fn held(pool: &PgPool, run: &str) -> (i64, i64) {
    let points: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM metric_values v JOIN metric_series s ON s.id = v.series_id WHERE s.run_id = $1",
    )
    .bind(run)
    .fetch_one(pool)
    .await
    .unwrap();
    let distinct: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT (v.series_id, v.origin_seq)) FROM metric_values v \
         JOIN metric_series s ON s.id = v.series_id WHERE s.run_id = $1",
    )
    .bind(run)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(points, distinct, "a point is held twice");
    let summed: i64 =
        sqlx::query_scalar("SELECT COALESCE(SUM(count), 0)::BIGINT FROM run_metric_summary WHERE run_id = $1")
            .bind(run)
            .fetch_one(pool)
            .await
            .unwrap();
    (points, summed)
}

/// A host with one run of `n` points in experiment `exp`.
fn host_with_points(exp: &str, n: u32) -> (Home, String) {
    let home = Home::new();
    home.ok(&["experiment", "create", exp]);
    let run = home.ok(&["run", "start", "--experiment", exp]).trim().to_string();
    log_points(&home, &run, "loss", n);
    (home, run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_cut_at_random_points_twenty_times_resumes_and_holds_every_point_once() {
    let pg = cluster().await;
    let team = Team::start(&pg, "cuts");
    let proxy = Proxy::start(team.server.base.trim_start_matches("http://").parse().unwrap()).await;
    let (a, run) = host_with_points("cut", 100_000);
    sync_ok(&a, &team.ana, &["sync", "connect", &proxy.url(), "--host", "cut-host"]);
    let mut rng = Rng(20261206);
    let mut failed = 0;
    for _ in 0..20 {
        // A budget somewhere within the next page or so (a page of 10k points is ~470 kB), in a request or its
        // answer: every one of the 20 pushes is cut before the 4.7 MB transfer can finish.
        proxy.set_budget(1 + rng.below(600_000));
        let mut push = a.cmd(&["sync", "push"]);
        push.env("BROWSER_AI_MLOPS_SYNC_TOKEN", &team.ana);
        let out = tokio::task::spawn_blocking(move || push.output()).await.unwrap().unwrap();
        failed += usize::from(!out.status.success());
    }
    assert!(failed == 20 && proxy.cuts() >= 20, "the proxy cut too few pushes: {failed} failed, {} cuts", proxy.cuts());
    let pool = team.pool().await;
    let (partial, _) = held(&pool, &run).await;
    assert!(partial < 100_000, "the cut pushes already held everything: {partial}");
    proxy.set_budget(0);
    let done = sync_ok(&a, &team.ana, &["sync", "push"]);
    let status = sync_ok(&a, &team.ana, &["sync", "status"]);
    assert_eq!(status["pending_points"], 0, "{status} after {done}");
    assert_eq!(held(&pool, &run).await, (100_000, 100_000));
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_push_five_times_loses_and_doubles_nothing() {
    let pg = cluster().await;
    let mut team = Team::start(&pg, "kills");
    let proxy = Proxy::start(team.server.base.trim_start_matches("http://").parse().unwrap()).await;
    let (a, run) = host_with_points("kill", 60_000);
    sync_ok(&a, &team.ana, &["sync", "connect", &proxy.url(), "--host", "kill-host"]);
    let mut rng = Rng(5);
    let mut cut_short = 0;
    for _ in 0..5 {
        let mut push = a.cmd(&["sync", "push"]);
        push.env("BROWSER_AI_MLOPS_SYNC_TOKEN", &team.ana);
        let child = push.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
        tokio::time::sleep(Duration::from_millis(50 + rng.below(400))).await;
        let mut server = team.server.child.take().unwrap();
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        let out = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
        cut_short += usize::from(!out.status.success());
        team.server = Server::start(&team.home, &["--token", TOKEN, "--database", &team.url]);
        proxy.set_upstream(team.server.base.trim_start_matches("http://").parse().unwrap());
    }
    // The kills landed mid-push (the push failed), not before or after it.
    assert!(cut_short >= 3, "only {cut_short} of 5 pushes were cut by the kill");
    sync_ok(&a, &team.ana, &["sync", "push"]);
    let pool = team.pool().await;
    assert_eq!(held(&pool, &run).await, (60_000, 60_000));
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hosts_pushing_at_once_each_land_every_point_once() {
    let pg = cluster().await;
    let team = Team::start(&pg, "three");
    let hosts: Vec<(Home, String)> = (0..3).map(|i| host_with_points(&format!("exp-{i}"), 30_000)).collect();
    for (i, (home, _)) in hosts.iter().enumerate() {
        sync_ok(home, &team.ana, &["sync", "connect", &team.server.base, "--host", &format!("host-{i}")]);
    }
    let children: Vec<_> = hosts
        .iter()
        .map(|(home, _)| {
            let mut push = home.cmd(&["sync", "push"]);
            push.env("BROWSER_AI_MLOPS_SYNC_TOKEN", &team.ana);
            push.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let pool = team.pool().await;
    for (_, run) in &hosts {
        assert_eq!(held(&pool, run).await, (30_000, 30_000));
    }
    // Each host then pulls the other two hosts' points and no more.
    let pulled = sync_ok(&hosts[0].0, &team.ana, &["sync", "pull"]);
    assert_eq!(pulled["points"], 60_000, "{pulled}");
    pool.close().await;
}
