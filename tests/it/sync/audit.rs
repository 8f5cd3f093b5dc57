//! The team server's audit log: each change a signed-in user makes through the server's operations is recorded with
//! the user, role, operation, what it named and how it ended — reads are not, and values never are — and both
//! `server audit` (on the team database) and `audit/list` over HTTP show it.

use serde_json::{Value, json};

use super::{Team, cluster, sync_ok};
use crate::server::post;
use crate::util::Home;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_names_its_user_and_reads_leave_no_trace() {
    let pg = cluster().await;
    let team = Team::start(&pg, "audit");
    let call = |token: String, op: &'static str, body: Value| {
        let server = &team.server;
        async move { post(server, &format!("/api/v1/{op}"), Some(&token), &body.to_string()).await }
    };
    let (status, _) = call(team.bo.clone(), "experiments/create", json!({"name": "web"})).await;
    assert_eq!(status, 200);
    let (_, run) = call(team.bo.clone(), "runs/start", json!({"experiment": "web", "name": "r"})).await;
    let run = run["id"].as_str().unwrap().to_string();
    let secret_value = "value-that-must-not-be-logged";
    let (status, _) =
        call(team.ana.clone(), "runs/log_param", json!({"run_id": run, "key": "lr", "value": secret_value})).await;
    assert_eq!(status, 200);
    // A change that fails is recorded with its error's kind; reads are not recorded at all.
    let (status, _) = call(team.ana.clone(), "runs/end", json!({"run_id": "no-such-run", "status": "finished"})).await;
    assert_eq!(status, 404);
    for _ in 0..3 {
        let (status, _) = call(team.vi.clone(), "runs/search", json!({})).await;
        assert_eq!(status, 200);
    }
    // A host's push is recorded under its user, naming the host.
    let laptop = Home::new();
    laptop.ok(&["experiment", "create", "offline"]);
    sync_ok(&laptop, &team.ana, &["sync", "connect", &team.server.base, "--host", "laptop-a"]);
    sync_ok(&laptop, &team.ana, &["sync", "push"]);

    let listed = team.home.json(&["server", "--database", &team.url, "audit"]);
    let rows: Vec<(String, String, String, String, String)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap().to_string();
            (s("user_name"), s("role"), s("operation"), s("subject"), s("outcome"))
        })
        .collect();
    let entry = |u: &str, role: &str, op: &str, subject: &str, outcome: &str| {
        (u.to_string(), role.to_string(), op.to_string(), subject.to_string(), outcome.to_string())
    };
    let expected_tail = vec![
        entry("ana", "editor", "runs/end", "run_id=no-such-run", "NotFound"),
        entry("ana", "editor", "runs/log_param", &format!("run_id={run} key=lr"), "ok"),
        entry("bo", "editor", "runs/start", "experiment=web name=r", "ok"),
        entry("bo", "editor", "experiments/create", "name=web", "ok"),
    ];
    assert!(rows.len() > expected_tail.len(), "{rows:#?}");
    let pushes = &rows[..rows.len() - expected_tail.len()];
    assert_eq!(&rows[pushes.len()..], expected_tail.as_slice(), "newest first: {rows:#?}");
    assert!(
        pushes.iter().all(|r| r.0 == "ana" && r.2 == "sync/receive" && r.3 == "host=laptop-a" && r.4 == "ok"),
        "{pushes:#?}"
    );
    assert!(!rows.iter().any(|r| r.2 == "runs/search"), "reads are not audited");
    assert!(!listed.to_string().contains(secret_value), "values are never logged");

    // The same over HTTP, filtered.
    let (status, theirs) = call(team.vi.clone(), "audit/list", json!({"user": "bo"})).await;
    assert_eq!(status, 200, "{theirs}");
    let ops: Vec<&str> = theirs.as_array().unwrap().iter().map(|e| e["operation"].as_str().unwrap()).collect();
    assert_eq!(ops, ["runs/start", "experiments/create"]);
}
