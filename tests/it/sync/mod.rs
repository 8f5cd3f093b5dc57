//! Sync between hosts' SQLite files and a team server on a real PostgreSQL the test starts itself: two hosts
//! working offline converge (runs, params, tags, metric points, experiments of the same name, model versions of
//! the same model, deployments to the same target) by the documented rules; replaying a push or a pull changes
//! nothing; tombstones delete everywhere; a viewer's token may not push; secrets travel nowhere.

mod artifacts;
mod audit;
mod faults;
mod large;
mod proxy;
mod search;

use std::process::Output;

use browser_ai_mlops_testkit::pg::PgCluster;
use serde_json::Value;
use sqlx::PgPool;

use crate::server::{Server, TOKEN};
use crate::util::Home;

pub async fn cluster() -> PgCluster {
    tokio::task::spawn_blocking(PgCluster::start).await.unwrap().unwrap_or_else(|e| panic!("PostgreSQL: {e}"))
}

/// A team server on a fresh database of `pg`, with users `ana` and `bo` (editors) and `vi` (viewer); returns the
/// server, its database URL and the tokens (and `root`, an admin).
pub struct Team {
    /// The serving machine's own directories.
    pub home: Home,
    pub server: Server,
    pub url: String,
    pub ana: String,
    pub bo: String,
    pub vi: String,
    pub root: String,
}

impl Team {
    pub fn start(pg: &PgCluster, db: &str) -> Team {
        let url = pg.create_database(db).unwrap();
        let home = Home::new();
        let token = |user: &str, role: &str| {
            home.ok(&["server", "--database", &url, "user", "add", user, "--role", role]);
            home.json(&["server", "--database", &url, "token", "create", user])["token"].as_str().unwrap().to_string()
        };
        let (ana, bo, vi) = (token("ana", "editor"), token("bo", "editor"), token("vi", "viewer"));
        let root = token("root", "admin");
        let server = Server::start(&home, &["--token", TOKEN, "--database", &url]);
        Team { home, server, url, ana, bo, vi, root }
    }

    pub async fn pool(&self) -> PgPool {
        PgPool::connect(&self.url).await.unwrap()
    }
}

/// Run the binary on `home` with `token` as the sync token (the default `env:` reference).
pub const CANARY: &str = "sk-canary-7f3a9c2e41d8b6055e1f";

pub fn with_token(home: &Home, token: &str, args: &[&str]) -> Output {
    // A provider key in the environment too: nothing a host syncs may carry it.
    home.cmd(args).env("BROWSER_AI_MLOPS_SYNC_TOKEN", token).env("OPENAI_API_KEY", CANARY).output().unwrap()
}

pub fn sync_ok(home: &Home, token: &str, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = with_token(home, token, &all);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `(run, key) -> (count, sum, last value)` of every run's metric summary on a host, from its SQLite file.
async fn summaries(home: &Home) -> Vec<(String, String, i64, f64, f64)> {
    let store = browser_ai_mlops_core::store::Store::open(&home.db_path()).await.unwrap();
    let rows =
        sqlx::query_as("SELECT run_id, key, count, sum_value, last_value FROM run_metric_summary ORDER BY run_id, key")
            .fetch_all(store.pool())
            .await
            .unwrap();
    store.close().await;
    rows
}

/// `(result id, evaluation status, success, run id)` of every task result on a host, from its SQLite file.
async fn evaluations(home: &Home) -> Vec<(String, String, bool, Option<String>)> {
    let store = browser_ai_mlops_core::store::Store::open(&home.db_path()).await.unwrap();
    let rows = sqlx::query_as(
        "SELECT r.id, e.status, r.success, r.run_id FROM task_results r JOIN evaluations e ON e.id = r.evaluation_id \
         ORDER BY r.id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    store.close().await;
    rows
}

/// Log `n` points of `key` (value 1/(step+1)) through one batch file.
pub fn log_points(home: &Home, run: &str, key: &str, n: u32) {
    let lines: String = (0..n)
        .map(|step| {
            format!(
                "{{\"type\":\"metric\",\"key\":\"{key}\",\"value\":{},\"step\":{step}}}\n",
                1.0 / f64::from(step + 1)
            )
        })
        .collect();
    let file = home.path().join(format!("{key}-{n}.jsonl"));
    std::fs::write(&file, lines).unwrap();
    home.ok(&["run", "log-batch", run, "--file", file.to_str().unwrap()]);
}

/// The ids of a `run list --json` answer, sorted.
fn ids(v: &Value) -> Vec<String> {
    let runs = v["runs"].as_array().unwrap();
    let mut out: Vec<String> = runs.iter().map(|r| r["run"]["id"].as_str().unwrap().to_string()).collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hosts_working_offline_converge_through_the_team_server() {
    let pg = cluster().await;
    let team = Team::start(&pg, "converge");
    let (a, b) = (Home::new(), Home::new());

    // Host A: a model with one version deployed to staging, an experiment with a run, params, tags and points.
    a.ok(&["model", "register", "agent", "baseline", "label-matcher"]);
    a.ok(&["model", "deploy", "agent:1", "staging"]);
    a.ok(&["experiment", "create", "shared"]);
    let run_a = a.ok(&["run", "start", "--experiment", "shared", "--param", "lr=0.1", "--tag", "team=web"]);
    let run_a = run_a.trim();
    log_points(&a, run_a, "loss", 300);
    let conversation = a.path().join("conversation.jsonl");
    std::fs::write(
        &conversation,
        concat!(
            "{\"type\":\"message\",\"role\":\"user\",\"content\":\"Buy the red mug\"}\n",
            "{\"type\":\"message\",\"role\":\"assistant\",\"content\":\"Clicking Buy\",\"tokens\":{\"input\":812,\"output\":41}}\n",
            "{\"type\":\"action\",\"action_type\":\"click\",\"target\":\"text=Buy\",\"success\":true,\"duration_ms\":184}\n",
            "{\"type\":\"message\",\"role\":\"assistant\",\"content\":\"Done\"}\n",
            "{\"type\":\"action\",\"action_type\":\"type\",\"target\":\"#q\",\"success\":false,\"duration_ms\":90}\n",
        ),
    )
    .unwrap();
    a.ok(&["run", "log-batch", run_a, "--file", conversation.to_str().unwrap()]);
    let url = &team.server.base;
    sync_ok(&a, &team.ana, &["sync", "connect", url, "--host", "laptop-a"]);
    let pushed = sync_ok(&a, &team.ana, &["sync", "push"]);
    assert_eq!(pushed["points"], 300, "{pushed}");

    // Host B connects and pulls everything A pushed.
    sync_ok(&b, &team.bo, &["sync", "connect", url, "--host", "laptop-b"]);
    let pulled = sync_ok(&b, &team.bo, &["sync", "pull"]);
    assert_eq!(pulled["points"], 300, "{pulled}");
    assert_eq!(pulled["entries"], 5, "{pulled}");
    for home in [&a, &b] {
        let timeline = home.json(&["run", "show", run_a]);
        let totals = &timeline["totals"];
        assert_eq!((totals["messages"].as_i64(), totals["actions"].as_i64()), (Some(3), Some(2)), "{totals}");
        assert_eq!(totals["tokens"]["input"], 812, "{totals}");
    }
    assert_eq!(summaries(&a).await, summaries(&b).await);

    // Offline: each registers version 2 of the same model and deploys it to staging; each creates the experiment
    // `offline` (same name, different ids) with a run; A deletes a tag B still has; B tags A's run.
    let v_a = a.json(&["model", "version", "create", "agent", "--from", "agent:1", "--temperature", "0.3"]);
    let v_b = b.json(&["model", "version", "create", "agent", "--from", "agent:1", "--temperature", "0.7"]);
    assert_eq!((v_a["version"].as_i64(), v_b["version"].as_i64()), (Some(2), Some(2)));
    a.ok(&["model", "deploy", "agent:2", "staging", "--reason", "a's tuning"]);
    b.ok(&["model", "deploy", "agent:2", "staging", "--reason", "b's tuning"]);
    a.ok(&["experiment", "create", "offline"]);
    b.ok(&["experiment", "create", "offline"]);
    let off_a = a.ok(&["run", "start", "--experiment", "offline", "--name", "from-a"]).trim().to_string();
    let off_b = b.ok(&["run", "start", "--experiment", "offline", "--name", "from-b"]).trim().to_string();
    b.ok(&["run", "log-metric", &off_b, "reward", "1.5", "--step", "1"]);
    a.ok(&["run", "delete-tag", run_a, "team"]);
    b.ok(&["run", "set-tag", run_a, "reviewed", "yes"]);
    // An evaluation on A (as the evaluator writes it: the evaluation, then a result per attempt, one with its run).
    let store = browser_ai_mlops_core::store::Store::open(&a.db_path()).await.unwrap();
    for sql in [
        "INSERT INTO evaluations (id, model_version_id, suite, suite_hash, status, started_at_ms, updated_at_ms) \
         SELECT 'eval-1', id, 'builtin', 'abc', 'running', 1, 1 FROM model_versions WHERE version = 1",
        "INSERT INTO task_results (id, evaluation_id, task_id, attempt, run_id, category, difficulty, success, score, \
         steps, duration_ms, created_at_ms, updated_at_ms) VALUES \
         ('tr-1', 'eval-1', 'search', 1, (SELECT id FROM runs WHERE name = 'from-a'), 'search', 'easy', 1, 1.0, 3, 900, 2, 2), \
         ('tr-2', 'eval-1', 'search', 2, NULL, 'search', 'easy', 0, 0.0, 7, 1500, 3, 3)",
        "UPDATE evaluations SET status = 'finished', ended_at_ms = 4, updated_at_ms = 4 WHERE id = 'eval-1'",
    ] {
        sqlx::query(sql).execute(store.pool()).await.unwrap();
    }
    store.close().await;

    // A status shows what waits; then both sync (A first: B's version is the one renumbered).
    let status = sync_ok(&a, &team.ana, &["sync", "status"]);
    assert!(status["pending_records"].as_i64().unwrap() >= 4, "{status}");
    sync_ok(&a, &team.ana, &["sync", "push"]);
    let b_push = sync_ok(&b, &team.bo, &["sync", "push"]);
    let renumbered = b_push["versions_renumbered"].as_array().unwrap();
    assert_eq!(renumbered.len(), 1, "{b_push}");
    assert_eq!(renumbered[0], serde_json::json!([v_b["id"], 2, 3]));
    assert_eq!(b_push["experiments_merged"], 1, "{b_push}");
    sync_ok(&b, &team.bo, &["sync", "pull"]);
    sync_ok(&a, &team.ana, &["sync", "pull"]);

    // Same versions (both kept; A's is 2, B's is 3), same staging target (B's deploy reached the server last), the
    // same history with both deploys, their users and hosts, on both hosts.
    for host in [&a, &b] {
        let versions = host.json(&["model", "versions", "agent"]);
        let numbered: Vec<(String, i64)> = versions["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["id"].as_str().unwrap().to_string(), v["version"].as_i64().unwrap()))
            .collect();
        assert!(numbered.contains(&(v_a["id"].as_str().unwrap().to_string(), 2)), "{versions}");
        assert!(numbered.contains(&(v_b["id"].as_str().unwrap().to_string(), 3)), "{versions}");
        assert_eq!(numbered.len(), 3, "{versions}");
        let staging = host.json(&["model", "version", "show", "agent@staging"]);
        assert_eq!(staging["id"], v_b["id"], "{staging}");
        let history = host.json(&["model", "history", "agent", "--target", "staging"]);
        let made: Vec<(String, String)> = history["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["host"].as_str().unwrap().to_string(), d["reason"].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(made.len(), 3, "{history}");
        for expected in [("laptop-a", "a's tuning"), ("laptop-b", "b's tuning")] {
            assert!(made.contains(&(expected.0.into(), expected.1.into())), "{expected:?} in {history}");
        }
        // One experiment `offline` holding both runs; A's deleted tag gone and B's new tag there.
        let runs = host.json(&["run", "list", "--experiment", "offline"]);
        assert_eq!(
            ids(&runs),
            {
                let mut v = vec![off_a.clone(), off_b.clone()];
                v.sort();
                v
            },
            "{runs}"
        );
        let shown = host.json(&["run", "show", run_a]);
        assert_eq!(shown["tags"].get("team"), None, "{shown}");
        assert_eq!(shown["tags"]["reviewed"], "yes", "{shown}");
        assert_eq!(shown["params"]["lr"], "0.1", "{shown}");
    }
    assert_eq!(summaries(&a).await, summaries(&b).await);
    assert_eq!(evaluations(&a).await, evaluations(&b).await);
    let on_b = evaluations(&b).await;
    assert_eq!(on_b.len(), 2, "{on_b:?}");
    assert!(on_b.iter().all(|r| r.1 == "finished"), "{on_b:?}");
    assert_eq!(on_b[0].3.as_deref(), Some(off_a.as_str()), "the result keeps its run: {on_b:?}");

    // The server holds each point once, and its feed names the user whose push changed each record.
    let pool = team.pool().await;
    let points: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_values").fetch_one(&pool).await.unwrap();
    assert_eq!(points, 301);
    let users: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT by_user FROM sync_feed ORDER BY 1").fetch_all(&pool).await.unwrap();
    assert_eq!(users, ["ana", "bo"]);

    // Replays change nothing: a push with nothing pending sends nothing; re-sending a page already applied
    // (the cursor moved back) inserts no point twice; a pull finds nothing new.
    let again = sync_ok(&a, &team.ana, &["sync", "push"]);
    assert_eq!((again["records"].as_u64(), again["points"].as_u64()), (Some(0), Some(0)), "{again}");
    let store = browser_ai_mlops_core::store::Store::open(&a.db_path()).await.unwrap();
    sqlx::query("UPDATE sync_state SET points_acked = 0").execute(store.pool()).await.unwrap();
    store.close().await;
    let replay = sync_ok(&a, &team.ana, &["sync", "push"]);
    assert_eq!((replay["points"].as_u64(), replay["points_already_held"].as_u64()), (Some(0), Some(300)), "{replay}");
    let points_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_values").fetch_one(&pool).await.unwrap();
    assert_eq!(points_after, 301);
    let store = browser_ai_mlops_core::store::Store::open(&a.db_path()).await.unwrap();
    sqlx::query("UPDATE sync_state SET messages_acked = 0, actions_acked = 0").execute(store.pool()).await.unwrap();
    store.close().await;
    let replay = sync_ok(&a, &team.ana, &["sync", "push"]);
    assert_eq!(replay["entries"], 0, "{replay}");
    let entries: (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM run_messages), (SELECT COUNT(*) FROM run_actions)")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(entries, (3, 2));
    let nothing = sync_ok(&b, &team.bo, &["sync", "pull"]);
    assert_eq!((nothing["records"].as_u64(), nothing["points"].as_u64()), (Some(0), Some(0)), "{nothing}");

    // A deleted run is deleted everywhere and a stale copy cannot bring it back.
    a.ok(&["run", "delete", &off_a]);
    sync_ok(&a, &team.ana, &["sync", "push"]);
    sync_ok(&b, &team.bo, &["sync", "pull"]);
    let left = b.json(&["run", "list", "--experiment", "offline"]);
    assert_eq!(ids(&left), std::slice::from_ref(&off_b), "{left}");

    // A host name belongs to the user whose machine used it first: another user's machine under it is refused.
    let twin = Home::new();
    twin.ok(&["experiment", "create", "twin"]);
    sync_ok(&twin, &team.bo, &["sync", "connect", url, "--host", "laptop-a"]);
    let refused = with_token(&twin, &team.bo, &["sync", "push"]);
    assert_eq!(refused.status.code(), Some(2), "{}", String::from_utf8_lossy(&refused.stderr));
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("409") && why.contains("laptop-a") && why.contains("ana"), "{why}");

    // A viewer may not push: 403, nothing written.
    let feed_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_feed").fetch_one(&pool).await.unwrap();
    let c = Home::new();
    c.ok(&["experiment", "create", "from-viewer"]);
    sync_ok(&c, &team.vi, &["sync", "connect", url, "--host", "kiosk"]);
    let refused = with_token(&c, &team.vi, &["sync", "push"]);
    assert_eq!(refused.status.code(), Some(2), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("403"), "{}", String::from_utf8_lossy(&refused.stderr));
    let feed_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_feed").fetch_one(&pool).await.unwrap();
    assert_eq!(feed_before, feed_after);
    let status = sync_ok(&c, &team.vi, &["sync", "status"]);
    assert!(status["connection"]["last_error"].as_str().unwrap().contains("403"), "{status}");

    // Secrets never travel: the sync tokens and a provider key in the hosts' environment appear nowhere on the
    // server's database, and no host stored a token.
    let dump: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT string_agg(t::text, ' ') FROM (SELECT * FROM experiments) t UNION ALL \
         SELECT string_agg(t::text, ' ') FROM (SELECT * FROM runs) t UNION ALL \
         SELECT string_agg(t::text, ' ') FROM (SELECT * FROM run_params) t UNION ALL \
         SELECT string_agg(t::text, ' ') FROM (SELECT * FROM run_tags) t UNION ALL \
         SELECT string_agg(t::text, ' ') FROM (SELECT * FROM model_versions) t UNION ALL \
         SELECT string_agg(t::text, ' ') FROM (SELECT * FROM deployments) t UNION ALL \
         SELECT string_agg(t::text, ' ') FROM (SELECT * FROM sync_feed) t",
    )
    .fetch_all(&pool)
    .await
    .unwrap_or_default();
    let dump = dump.into_iter().flatten().collect::<Vec<_>>().join(" ");
    assert!(dump.contains("laptop-a"), "the dump is empty: {dump}");
    for secret in [CANARY, team.ana.as_str(), team.bo.as_str()] {
        assert!(!dump.contains(secret), "a secret reached the server's tables");
    }
    for host in [&a, &b] {
        let bytes = std::fs::read(host.db_path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&team.ana[4..]) && !text.contains(&team.bo[4..]), "a token was stored on a host");
    }
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_move_protected_targets_over_http_or_by_sync() {
    let pg = cluster().await;
    let team = Team::start(&pg, "protected");
    let a = Home::new();
    a.ok(&["model", "register", "agent", "baseline", "label-matcher"]);
    sync_ok(&a, &team.ana, &["sync", "connect", &team.server.base, "--host", "laptop-a"]);
    sync_ok(&a, &team.ana, &["sync", "push"]);
    // The server's own store mirrors its database: the pushed model is there for its operations.
    let mut shown = 0;
    for _ in 0..300 {
        let (status, _) =
            crate::server::post(&team.server, "/api/v1/models/show", Some(&team.bo), r#"{"name":"agent"}"#).await;
        shown = status;
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(shown, 200, "the pushed model never reached the server's operations");

    // Over HTTP: an editor may deploy to staging, not to production (403, nothing written); an admin may.
    let deploy = |target: &str| format!(r#"{{"reference":"agent:1","target":"{target}"}}"#);
    let (status, body) =
        crate::server::post(&team.server, "/api/v1/models/deploy", Some(&team.bo), &deploy("production")).await;
    assert_eq!(status, 403, "{body}");
    assert!(crate::server::error_message(&body, "Forbidden").contains("protected"), "{body}");
    let (status, body) =
        crate::server::post(&team.server, "/api/v1/models/deploy", Some(&team.bo), &deploy("staging")).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) =
        crate::server::post(&team.server, "/api/v1/models/deploy", Some(&team.root), &deploy("production")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["os_user"], "root", "the deploy names the signed-in user: {body}");

    // By sync: an editor's local deploy to production is refused by the server and stays on the host; staging goes.
    a.ok(&["model", "deploy", "agent:1", "production"]);
    a.ok(&["model", "deploy", "agent:1", "canary"]);
    let pushed = sync_ok(&a, &team.ana, &["sync", "push"]);
    let refused = pushed["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{pushed}");
    assert!(refused[0].as_str().unwrap().contains("production"), "{pushed}");
    let pool = team.pool().await;
    let from_a: Vec<String> =
        sqlx::query_scalar("SELECT target FROM deployments WHERE origin = 'laptop-a'").fetch_all(&pool).await.unwrap();
    assert_eq!(from_a, ["canary"], "sync wrote only the allowed deploy");
    // The deploys made over HTTP reach the team database too, in their users' names.
    let mut over_http = Vec::new();
    for _ in 0..300 {
        over_http = sqlx::query_as::<_, (String, String)>(
            "SELECT target, os_user FROM deployments WHERE origin <> 'laptop-a' ORDER BY target",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        if over_http.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(over_http, [("production".to_string(), "root".to_string()), ("staging".to_string(), "bo".to_string())]);
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_sync_auto_a_running_serve_pushes_and_pulls_in_the_background() {
    let pg = cluster().await;
    let team = Team::start(&pg, "auto");
    let a = Home::new();
    a.ok(&["config", "set", "sync.auto", "true"]);
    a.ok(&["config", "set", "sync.interval_secs", "5"]);
    sync_ok(&a, &team.ana, &["sync", "connect", &team.server.base, "--host", "auto-host"]);
    a.ok(&["experiment", "create", "background"]);
    let run = a.ok(&["run", "start", "--experiment", "background"]).trim().to_string();
    let mut serve = a.cmd(&["serve", "--bind", "127.0.0.1:0", "--no-auth"]);
    serve.env("BROWSER_AI_MLOPS_SYNC_TOKEN", &team.ana);
    let _host_server = Server::spawn(serve);
    let pool = team.pool().await;
    let mut arrived = false;
    for _ in 0..600 {
        arrived = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1 AND origin = 'auto-host')")
            .bind(&run)
            .fetch_one(&pool)
            .await
            .unwrap();
        if arrived {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(arrived, "the background sync never pushed the run");
    let mut status = Value::Null;
    for _ in 0..600 {
        status = a.json(&["sync", "status"]);
        if status["connection"]["last_pull_ms"].is_i64() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(status["connection"]["last_pull_ms"].is_i64(), "the background sync did not pull: {status}");
    assert_eq!(status["pending_records"], 0, "{status}");
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn points_logged_after_deleting_the_newest_run_are_still_pushed() {
    let pg = cluster().await;
    let team = Team::start(&pg, "reuse");
    let a = Home::new();
    a.ok(&["experiment", "create", "x"]);
    let keep = a.ok(&["run", "start", "--experiment", "x"]).trim().to_string();
    log_points(&a, &keep, "loss", 100);
    let newest = a.ok(&["run", "start", "--experiment", "x"]).trim().to_string();
    log_points(&a, &newest, "loss", 50);
    sync_ok(&a, &team.ana, &["sync", "connect", &team.server.base, "--host", "reuse-host"]);
    sync_ok(&a, &team.ana, &["sync", "push"]);
    // Deleting the run with the highest point ids frees them; the next points of another run take them again.
    a.ok(&["run", "delete", &newest]);
    let later = a.ok(&["run", "start", "--experiment", "x"]).trim().to_string();
    log_points(&a, &later, "reward", 30);
    let pushed = sync_ok(&a, &team.ana, &["sync", "push"]);
    assert_eq!(pushed["points"], 30, "{pushed}");
    let pool = team.pool().await;
    let held: Vec<(String, i64)> = sqlx::query_as(
        "SELECT s.run_id, COUNT(*) FROM metric_values v JOIN metric_series s ON s.id = v.series_id \
         GROUP BY s.run_id ORDER BY 2 DESC",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(held, [(keep, 100), (later, 30)]);
    pool.close().await;
}
