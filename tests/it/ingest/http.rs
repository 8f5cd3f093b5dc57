//! Over HTTP: a batch sent as JSONL text (`runs/log_batch_text`), and the `Idempotency-Key` header replaying stored
//! responses of mutating operations.

use serde_json::{Value, json};

use super::stored;
use crate::server::{Server, error_message, post};
use crate::tracker::sqlite_count;
use crate::util::Home;

const TOKEN: &str = "ingest-writer-9f3c2a7b51e84d06b2c4a8e7d1f0";

/// Run a blocking database check from the async test on a thread of its own (it starts its own runtime).
fn off<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

/// POST with an `Idempotency-Key`; returns the status, whether it was a replay, and the JSON body.
async fn post_keyed(server: &Server, path: &str, key: &str, body: &Value) -> (u16, bool, Value) {
    let resp = reqwest::Client::new()
        .post(server.url(path))
        .bearer_auth(TOKEN)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let replayed = resp.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
    (status, replayed, resp.json().await.unwrap())
}

fn batch_text(points: usize) -> String {
    let mut text = String::from(
        "{\"type\":\"param\",\"key\":\"lr\",\"value\":\"0.01\"}\n{\"type\":\"tag\",\"key\":\"site\",\"value\":\"shop\"}\n\
         {\"type\":\"message\",\"role\":\"user\",\"content\":\"hi\"}\n\
         {\"type\":\"action\",\"action_type\":\"click\",\"success\":true,\"duration_ms\":5}\n",
    );
    for i in 0..points {
        text.push_str(&format!("{{\"type\":\"metric\",\"key\":\"loss\",\"value\":{i},\"step\":{i}}}\n"));
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_replays_the_stored_response_once_written_and_refuses_another_body() {
    let h = Home::new();
    let server = Server::start(&h, &["--token", TOKEN]);
    let (status, exp) = post(&server, "/api/v1/experiments/create", Some(TOKEN), r#"{"name":"web"}"#).await;
    assert_eq!(status, 200, "{exp}");
    let (status, run) = post(&server, "/api/v1/runs/start", Some(TOKEN), r#"{"experiment":"web"}"#).await;
    assert_eq!(status, 200, "{run}");
    let run = run["id"].as_str().unwrap().to_string();

    // A batch over HTTP, keyed: the replay returns the first response and writes nothing.
    let body = json!({"run_id": run, "content": batch_text(500)});
    let (status, replayed, first) = post_keyed(&server, "/api/v1/runs/log_batch_text", "k-1", &body).await;
    assert_eq!((status, replayed), (200, false), "{first}");
    assert_eq!((first["metrics"].as_u64(), first["already_stored"].as_bool()), (Some(500), Some(false)));
    let (status, replayed, again) = post_keyed(&server, "/api/v1/runs/log_batch_text", "k-1", &body).await;
    assert_eq!((status, replayed), (200, true));
    assert_eq!(again, first);
    assert_eq!(off(|| stored(&h, &run)), [500, 500, 1, 1, 1, 1]);

    // The same key with another body is refused and does nothing.
    let other = json!({"run_id": run, "content": batch_text(7)});
    let (status, _, refused) = post_keyed(&server, "/api/v1/runs/log_batch_text", "k-1", &other).await;
    assert_eq!(status, 422, "{refused}");
    let message = error_message(&refused, "Input");
    assert!(message.contains("Idempotency-Key \"k-1\" was already used") && message.contains("different request body"));
    assert_eq!(off(|| stored(&h, &run)), [500, 500, 1, 1, 1, 1]);

    // Without the header the batch's own id still protects it: the resend says it was already stored.
    let (status, resent) = post(&server, "/api/v1/runs/log_batch_text", Some(TOKEN), &body.to_string()).await;
    assert_eq!(status, 200, "{resent}");
    assert_eq!((resent["already_stored"].as_bool(), &resent["batch_id"]), (Some(true), &first["batch_id"]));
    assert_eq!(off(|| stored(&h, &run)), [500, 500, 1, 1, 1, 1]);

    // Any mutating operation: a keyed create replayed returns the same experiment instead of a conflict.
    let create = json!({"name": "checkout"});
    let (status, replayed, made) = post_keyed(&server, "/api/v1/experiments/create", "k-2", &create).await;
    assert_eq!((status, replayed), (200, false), "{made}");
    let (status, replayed, again) = post_keyed(&server, "/api/v1/experiments/create", "k-2", &create).await;
    assert_eq!((status, replayed, &again["id"]), (200, true, &made["id"]));
    assert_eq!(off(|| sqlite_count(&h, "SELECT COUNT(*) FROM experiments WHERE name = 'checkout'")), 1);
    let (status, conflict) = post(&server, "/api/v1/experiments/create", Some(TOKEN), &create.to_string()).await;
    assert_eq!(status, 409, "without the key the second create runs and conflicts: {conflict}");

    // Bad batch content over HTTP: 422 naming the line, nothing stored, and nothing kept under the key.
    let bad = json!({"run_id": run, "content": "{\"type\":\"metric\",\"key\":\"x\",\"value\":1}\nnot json\n", "name": "upload"});
    let (status, _, err) = post_keyed(&server, "/api/v1/runs/log_batch_text", "k-3", &bad).await;
    assert_eq!(status, 422);
    assert!(error_message(&err, "Input").starts_with("upload:2: invalid JSON"), "{err}");
    assert_eq!(off(|| sqlite_count(&h, "SELECT COUNT(*) FROM http_idempotency WHERE idempotency_key = 'k-3'")), 0);
    assert_eq!(off(|| stored(&h, &run)), [500, 500, 1, 1, 1, 1]);
}
