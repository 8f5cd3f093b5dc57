//! Evaluation jobs over HTTP (launch on real Chromium, follow the server-sent events to `finished`, replay for a late
//! subscriber, the job list) and graceful shutdown (SIGTERM while a request is in flight: it completes, exit 0).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Server, TOKEN, get, post};
use crate::util::Home;

/// Watch a job (`evals/watch`, a streaming operation) to the end: its evaluator events as (type, JSON) pairs, and the
/// stream's last message (`done` with the job's final info, or `error`).
async fn read_events(server: &Server, job_id: &str) -> (Vec<(String, Value)>, Value) {
    let messages = read_stream(server, "evals/watch", json!({ "job_id": job_id })).await;
    let (last, events) = messages.split_last().expect("at least the closing message");
    let events = events
        .iter()
        .map(|m| {
            assert_eq!(m["type"], "event", "{m}");
            (m["data"]["type"].as_str().unwrap().to_string(), m["data"].clone())
        })
        .collect();
    (events, last.clone())
}

/// Read a whole SSE response of a streaming operation into its messages (the `data:` JSON), checking each `event:`
/// names the message's type, skipping keep-alive comments.
async fn read_stream(server: &Server, op: &str, input: Value) -> Vec<Value> {
    let url = server.url(&format!("/api/v1/{op}"));
    let mut resp = reqwest::Client::new().post(url).bearer_auth(TOKEN).json(&input).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut text = String::new();
    // A guard against hanging forever, not a timing assertion.
    let read = async {
        while let Some(chunk) = resp.chunk().await.unwrap() {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(Duration::from_secs(300), read).await.expect("the event stream ended");
    text.split("\n\n")
        .filter_map(|block| {
            let mut name = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = Some(v.trim().to_string());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data = Some(serde_json::from_str::<Value>(v.trim()).unwrap());
                }
            }
            let (name, data): (String, Value) = (name?, data?);
            assert_eq!(data["type"], name.as_str(), "the SSE event name is the message type");
            Some(data)
        })
        .collect()
}

#[tokio::test]
async fn a_launched_evaluation_streams_its_events_to_finished() {
    let home = Home::new();
    home.ok(&["model", "register", "smoke", "baseline", "label-matcher"]);
    let server = Server::start(&home, &["--token", TOKEN]);
    // Over HTTP a suite file is named inside the suites directory.
    let fixture = format!("{}/tests/fixtures/suites/runner-smoke.yaml", concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    std::fs::create_dir_all(home.config_dir().join("suites")).unwrap();
    std::fs::copy(fixture, home.config_dir().join("suites/runner-smoke.yaml")).unwrap();
    let request = json!({
        "model": "smoke:1", "suite": "runner-smoke", "filter": {}, "repeats": 1, "concurrency": 1,
        "resume": null, "miniwob_dir": null, "headful": false,
    });
    let (status, launched) = post(&server, "/api/v1/evals/launch", None, &request.to_string()).await;
    assert_eq!(status, 401, "launching needs the token: {launched}");
    let (status, launched) = post(&server, "/api/v1/evals/launch", Some(TOKEN), &request.to_string()).await;
    assert_eq!(status, 200, "{launched}");
    let job_id = launched["job_id"].as_str().unwrap().to_string();

    let (events, last) = read_events(&server, &job_id).await;
    assert_eq!(last["type"], "done", "{last}");
    assert_eq!(last["data"]["state"], "finished", "{last}");
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"started"), "{names:?}");
    assert_eq!(names.last(), Some(&"finished"), "{names:?}");
    let started = &events[0].1;
    let evaluation_id = started["evaluation_id"].as_str().unwrap();
    assert_eq!(events.last().unwrap().1["evaluation_id"], evaluation_id);
    // The fixture has two tasks: `stays-on-news` always passes, `impossible` never does.
    let finished: Vec<&Value> = events.iter().filter(|(n, _)| n == "attempt_finished").map(|(_, d)| d).collect();
    assert_eq!(finished.len() as u64, started["attempts"].as_u64().unwrap());
    assert_eq!(finished.len(), 2);
    for f in &finished {
        assert_eq!(f["type"], "attempt_finished");
        assert_eq!(f["success"].as_bool().unwrap(), f["task_id"] == "stays-on-news", "{f}");
    }

    // A late subscriber replays the same events, then the stream ends.
    let (replay, _) = read_events(&server, &job_id).await;
    assert_eq!(replay, events);

    let (status, jobs) = post(&server, "/api/v1/evals/jobs", Some(TOKEN), "{}").await;
    assert_eq!(status, 200);
    let job = &jobs.as_array().unwrap()[0];
    assert_eq!(job["job_id"], job_id.as_str());
    assert_eq!(job["state"], "finished", "{job}");
    assert_eq!(job["evaluation_id"], evaluation_id);
    assert_eq!(job["attempts_done"], 2);
    assert_eq!(job["successes"].as_u64().unwrap(), finished.iter().filter(|f| f["success"] == true).count() as u64);

    // The stored evaluation agrees with the stream.
    let (status, results) =
        post(&server, "/api/v1/evals/results", Some(TOKEN), &json!({"id": evaluation_id}).to_string()).await;
    assert_eq!(status, 200, "{results}");
    assert_eq!(results["summary"]["attempts"], 2);
    assert_eq!(results["summary"]["successes"], 1);

    // /metrics agrees with the store after the evaluation: no evaluation running, one ended task per attempt (the
    // collector recorded each), succeeded tasks equal the evaluation's successes, and the action counters equal the
    // tracker's recorded actions for the evaluation's runs.
    let (status, text) = get(&server, "/metrics", Some(TOKEN)).await;
    assert_eq!(status, 200);
    let series = super::metrics::parse(&text);
    let total = |name: &str| -> f64 { series.iter().filter(|((n, _), _)| n == name).map(|(_, v)| v).sum() };
    let with_label = |name: &str, key: &str, value: &str| -> f64 {
        series
            .iter()
            .filter(|((n, l), _)| n == name && l.get(key).map(String::as_str) == Some(value))
            .map(|(_, v)| v)
            .sum()
    };
    assert_eq!(total("browser_ai_evaluations_running"), 0.0);
    let url = format!("sqlite://{}?mode=ro", home.db_path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let ended: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM mon_tasks WHERE status <> 'running'").fetch_one(&pool).await.unwrap();
    let actions: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM run_actions WHERE run_id IN (SELECT run_id FROM task_results WHERE evaluation_id = ?)",
    )
    .bind(evaluation_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(ended, 2, "one monitored task per attempt");
    assert_eq!(total("browser_ai_tasks_total"), 2.0, "{text}");
    assert_eq!(with_label("browser_ai_tasks_total", "status", "succeeded"), 1.0, "{text}");
    assert!(actions > 0);
    assert_eq!(total("browser_ai_actions_total"), actions as f64, "{text}");
    assert_eq!(total("browser_ai_task_duration_seconds_count"), 2.0, "{text}");

    // An unknown job: the stream carries one `error` message with the edge error.
    let messages = read_stream(&server, "evals/watch", json!({"job_id": "no-such-job"})).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["type"], "error");
    assert_eq!(messages[0]["data"]["kind"], "NotFound", "{messages:?}");
    let (status, body) = post(&server, "/api/v1/evals/launch", Some(TOKEN), r#"{"model": "smoke:1"}"#).await;
    assert_eq!(status, 400, "{body}");
}

#[test]
fn sigterm_lets_an_in_flight_request_finish_and_exits_zero() {
    let home = Home::new();
    let server = Server::start(&home, &["--token", TOKEN]);
    let addr = server.base.trim_start_matches("http://").to_string();
    let body = r#"{"name":"in-flight"}"#;
    let mut conn = TcpStream::connect(&addr).unwrap();
    let head = format!(
        "POST /api/v1/experiments/create HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // The head and half the body: the request is in flight.
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(&body.as_bytes()[..8]).unwrap();
    conn.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let status = std::process::Command::new("kill").args(["-TERM", &server.pid().to_string()]).status().unwrap();
    assert!(status.success());
    // Shutdown has begun once new connections are refused.
    let mut refused = false;
    for _ in 0..100 {
        if TcpStream::connect(&addr).is_err() {
            refused = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(refused, "the server kept accepting connections after SIGTERM");

    conn.write_all(&body.as_bytes()[8..]).unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"name\":\"in-flight\""), "{response}");

    let mut server = server;
    let exit = server.child.take().unwrap().wait().unwrap();
    assert_eq!(exit.code(), Some(0));
    // The write is durable: a fresh process sees it.
    let shown = home.json(&["experiment", "show", "in-flight"]);
    assert_eq!(shown["experiment"]["name"], "in-flight");
}

/// `serve` samples system health while it runs: rows appear in health_samples, the first without a CPU figure (no
/// fake zero) and later ones with one, and /metrics exports the newest sample.
#[tokio::test]
async fn serve_records_health_samples_while_it_runs() {
    let home = Home::new();
    let server = Server::start(&home, &["--token", TOKEN, "--health-interval", "1"]);
    let url = format!("sqlite://{}?mode=ro", home.db_path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let mut rows: Vec<(Option<f64>, i64)> = Vec::new();
    for _ in 0..120 {
        rows = sqlx::query_as("SELECT cpu_percent, memory_total_bytes FROM health_samples ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
        if rows.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    pool.close().await;
    assert!(rows.len() >= 2, "the sampler recorded {} samples", rows.len());
    assert!(rows[0].0.is_none(), "the first sample has no CPU rate");
    let cpu = rows[1].0.expect("the second sample has a CPU rate");
    assert!((0.0..=100.0).contains(&cpu));
    assert!(rows.iter().all(|r| r.1 > 0));
    let (status, text) = get(&server, "/metrics", Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert!(text.lines().any(|l| l.starts_with("browser_ai_system_memory_total_bytes ")), "{text}");
}
