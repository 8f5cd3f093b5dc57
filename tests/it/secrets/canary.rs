//! The canary: a key stored in the real keychain, used by a real `agent run` (real Chromium, a bundled site) whose
//! LLM provider is the local fake OpenAI server, then searched for in everything the product writes or prints — the
//! whole data dir (SQLite file, -wal, -shm, artifacts), every command's stdout and stderr, an HTML and a JSON report,
//! a model export, `config show` and `secrets status --json`. The provider must have received it (else the search
//! proves nothing). Also: the server serves `secrets/status` but has no `secrets/set` or `secrets/delete`.

use std::path::Path;

use serde_json::json;

use super::{run_with_stdin, unique};
use crate::llm::fake::{FakeServer, Reply, fixture};
use crate::server::{Server, TOKEN, post};
use crate::util::Home;

/// One OpenAI chat completion whose content is a plan that finishes at once.
fn finish_plan() -> serde_json::Value {
    let mut body = fixture("openai", "usage.json")["response"].clone();
    let plan = json!({
        "evaluation_previous_goal": "start",
        "memory": "nothing to do",
        "next_goal": "finish",
        "actions": [{"done": {"success": true, "text": "finished"}}]
    });
    body["choices"][0]["message"]["content"] = json!(plan.to_string());
    body
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    hits.push(path.display().to_string());
                }
            }
        }
    }
    hits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keychain_canary_used_by_an_agent_run_is_stored_nowhere_else() {
    let home = Home::new();
    let name = unique("canary");
    let canary = format!("sk-canary-{}-DO-NOT-LEAK", uuid::Uuid::now_v7().simple());
    let reference = format!("keychain:{name}");
    let server = FakeServer::start(vec![Reply::json(200, &finish_plan())]).await;
    let base_url = format!("{}/v1", server.base);

    let mut printed = String::new();
    let (code, out, err) = run_with_stdin(&home, &["secrets", "set", &name], &canary);
    assert_eq!(code, 0, "{err}");
    printed.push_str(&format!("{out}\n{err}\n"));
    let home_ref = &home;
    let mut run = |args: &[&str]| {
        let out = home_ref.run(args);
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{args:?}: {stdout}\n{stderr}");
        printed.push_str(&format!("{stdout}\n{stderr}\n"));
        stdout.into_owned()
    };
    let steps = tokio::task::block_in_place(|| {
        run(&["config", "set", "llm.api_key", &reference]);
        run(&["config", "set", "llm.provider", "openai"]);
        run(&["config", "set", "llm.base_url", &base_url]);
        run(&["config", "set", "agent.step_delay_ms", "0"]);
        run(&["model", "register", "canary", "openai", "gpt-4o", "--base-url", &base_url]);
        let agent =
            run(&["--json", "agent", "run", "Finish at once", "--model", "canary:1", "--start-url", "site://news/"]);
        let agent: serde_json::Value = serde_json::from_str(&agent).unwrap();
        let reports = home_ref.path().join("reports");
        std::fs::create_dir_all(&reports).unwrap();
        for (file, format) in [("r.html", "html"), ("r.json", "json")] {
            let path = reports.join(file);
            run(&["report", "generate", path.to_str().unwrap(), "--format", format]);
        }
        let export = reports.join("canary.yaml");
        run(&["model", "export", "canary:1", "--output", export.to_str().unwrap()]);
        run(&["--json", "secrets", "status"]);
        run(&["--json", "config", "show"]);
        run(&["run", "show", agent["run_id"].as_str().unwrap()]);
        agent["outcome"]["steps"].as_u64().unwrap()
    });
    assert!(steps >= 1);
    let status = run(&["--json", "secrets", "status"]);
    assert!(status.contains("\"set\"") && !status.contains(&canary), "{status}");

    // The key did its job: the provider got it in the auth header of every call.
    let seen = server.seen();
    assert!(!seen.is_empty(), "the agent called the provider");
    for s in &seen {
        assert_eq!(s.headers.get("authorization"), Some(&format!("Bearer {canary}")));
    }

    // …and it is nowhere else.
    assert!(!printed.contains(&canary), "printed by a command:\n{printed}");
    let db = home.db_path();
    assert!(db.exists(), "the run was stored in {}", db.display());
    // Control: the search does read the stored bytes (the task text is in the database or its WAL).
    assert!(!files_containing(&home.data_dir(), b"Finish at once").is_empty(), "the search sees the run");
    let hits = files_containing(home.path(), canary.as_bytes());
    assert!(hits.is_empty(), "the canary is in {hits:?}");
    for report in ["r.html", "r.json"] {
        let len = std::fs::metadata(home.path().join("reports").join(report)).unwrap().len();
        assert!(len > 0, "{report} was written");
    }

    // Over HTTP: status is served (without the value); set and delete do not exist.
    let served = Server::start(&home, &["--token", TOKEN]);
    let (code, body) = post(&served, "/api/v1/secrets/status", Some(TOKEN), "{}").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["references"][0]["reference"], reference.as_str());
    assert_eq!(body["references"][0]["state"], "set");
    assert!(!body.to_string().contains(&canary));
    for op in ["set", "delete"] {
        let resp = reqwest::Client::new()
            .post(served.url(&format!("/api/v1/secrets/{op}")))
            .bearer_auth(TOKEN)
            .json(&json!({"name": name, "value": "sk-from-the-network"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 404, "secrets/{op} must not be served");
    }
    drop(served);
    let after = home.json(&["secrets", "status", &reference]);
    assert_eq!(after["references"][0]["state"], "set", "the HTTP attempts changed nothing");
    home.ok(&["secrets", "delete", &name]);
}
