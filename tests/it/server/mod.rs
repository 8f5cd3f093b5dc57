//! Integration tests of `serve`: the real binary on 127.0.0.1 port 0, driven over real HTTP. Auth (401 / 200 /
//! `--public-read`), health and readiness, an api round trip that changes state, the JSON error shape (413, 400,
//! 404), refusing to start without a token, and the OpenAPI document against the route table.

mod exposure;
mod jobs;
mod metrics;
mod team;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::util::Home;

pub const TOKEN: &str = "test-token-0123456789abcdef-canary";

/// A running `serve` process; killed on drop unless waited for.
pub struct Server {
    pub child: Option<Child>,
    /// `http://127.0.0.1:PORT`, read from the first stdout line.
    pub base: String,
}

impl Server {
    /// Start `serve --bind 127.0.0.1:0 ARGS…` on `home`.
    pub fn start(home: &Home, args: &[&str]) -> Server {
        let mut all = vec!["serve", "--bind", "127.0.0.1:0"];
        all.extend_from_slice(args);
        Server::spawn(home.cmd(&all))
    }

    pub fn spawn(mut cmd: Command) -> Server {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("spawn serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let base = match line.trim().strip_prefix("listening on ") {
            Some(base) => base.to_string(),
            None => {
                let status = child.wait().unwrap();
                panic!("serve did not start ({status}); first stdout line: {line:?}");
            }
        };
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        Server { child: Some(child), base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// POST JSON with an optional token; returns the status and the JSON body.
pub async fn post(server: &Server, path: &str, token: Option<&str>, body: &str) -> (u16, Value) {
    let mut req =
        reqwest::Client::new().post(server.url(path)).header("content-type", "application/json").body(body.to_string());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("POST {path}: body is not JSON ({e}): {text}"));
    (status, json)
}

/// GET with an optional token; returns the status and the body text.
pub async fn get(server: &Server, path: &str, token: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(server.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Assert the stable error shape and return the message.
pub fn error_message(body: &Value, kind: &str) -> String {
    assert_eq!(body["kind"], kind, "{body}");
    let obj = body.as_object().unwrap();
    assert_eq!(obj.len(), 2, "only kind and detail: {body}");
    body["detail"]["message"].as_str().unwrap_or_else(|| panic!("detail.message missing: {body}")).to_string()
}

/// The newest migration version, read from the migration file names (what /readyz must report).
fn newest_migration() -> i64 {
    let dir = format!("{}/migrations/sqlite", concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().to_str()?.split('_').next()?.parse::<i64>().ok())
        .max()
        .unwrap()
}

#[tokio::test]
async fn token_protects_routes_errors_have_one_shape_and_state_round_trips() {
    let home = Home::new();
    let server = Server::start(&home, &["--token", TOKEN, "--max-body-bytes", "2048"]);

    let (status, body) = get(&server, "/healthz", None).await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    let (status, body) = get(&server, "/readyz", None).await;
    assert_eq!(status, 200, "{body}");
    let ready: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["schema_version"], newest_migration());

    // No token, a wrong token, a non-bearer scheme: 401 with the stable shape, on reads, writes and /metrics.
    for token in [None, Some("wrong-token-0123456789abcdef")] {
        let (status, body) = post(&server, "/api/v1/experiments/list", token, "{}").await;
        assert_eq!(status, 401);
        error_message(&body, "Unauthorized");
        let (status, body) = post(&server, "/api/v1/experiments/create", token, r#"{"name":"x"}"#).await;
        assert_eq!(status, 401);
        error_message(&body, "Unauthorized");
        let (status, body) = get(&server, "/metrics", token).await;
        assert_eq!(status, 401);
        error_message(&serde_json::from_str(&body).unwrap(), "Unauthorized");
    }

    // With the token: create, then list sees exactly what was created.
    let (status, created) =
        post(&server, "/api/v1/experiments/create", Some(TOKEN), r#"{"name":"web-1","tags":{"team":"qa"}}"#).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["name"], "web-1");
    let (status, listed) = post(&server, "/api/v1/experiments/list", Some(TOKEN), "").await;
    assert_eq!(status, 200, "{listed}");
    let names: Vec<&str> =
        listed.as_array().unwrap().iter().map(|e| e["experiment"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["web-1"], "{listed}");
    // The same data through the CLI's view of the store.
    let cli = home.json(&["experiment", "show", "web-1"]);
    assert_eq!(cli["experiment"]["tags"]["team"], "qa", "{cli}");

    // Domain errors keep their kind: a duplicate name is a conflict.
    let (status, body) = post(&server, "/api/v1/experiments/create", Some(TOKEN), r#"{"name":"web-1"}"#).await;
    assert_eq!(status, 409);
    assert!(error_message(&body, "Conflict").contains("web-1"));
    let (status, body) = post(&server, "/api/v1/models/show", Some(TOKEN), r#"{"name":"no-such-model"}"#).await;
    assert_eq!(status, 404, "{body}");
    error_message(&body, "NotFound");

    // Oversized body: 413 JSON, and nothing was created.
    let big = json!({"name": "big", "description": "x".repeat(4096)}).to_string();
    let (status, body) = post(&server, "/api/v1/experiments/create", Some(TOKEN), &big).await;
    assert_eq!(status, 413);
    assert!(error_message(&body, "PayloadTooLarge").contains("2048"));
    // Malformed JSON and wrong types: 400 with serde's message.
    let (status, body) = post(&server, "/api/v1/experiments/create", Some(TOKEN), r#"{"name": "#).await;
    assert_eq!(status, 400);
    assert!(error_message(&body, "BadRequest").contains("EOF"));
    let (status, body) = post(&server, "/api/v1/experiments/create", Some(TOKEN), r#"{"name": 7}"#).await;
    assert_eq!(status, 400);
    assert!(error_message(&body, "BadRequest").contains("invalid type"));
    let (status, body) = post(&server, "/api/v1/experiments/create", Some(TOKEN), r#"{}"#).await;
    assert_eq!(status, 400);
    assert!(error_message(&body, "BadRequest").contains("missing field `name`"));
    let (_, listed) = post(&server, "/api/v1/experiments/list", Some(TOKEN), "{}").await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "failed requests wrote nothing: {listed}");

    // Unknown routes and wrong methods.
    let (status, body) = post(&server, "/api/v1/experiments/no_such_op", Some(TOKEN), "{}").await;
    assert_eq!(status, 404);
    assert!(error_message(&body, "NotFound").contains("/api/v1/experiments/no_such_op"));
    let (status, body) = get(&server, "/api/v1/experiments/list", Some(TOKEN)).await;
    assert_eq!(status, 405);
    error_message(&serde_json::from_str(&body).unwrap(), "BadRequest");
    // A non-JSON content type is refused (no cross-site form posts).
    let resp = reqwest::Client::new()
        .post(server.url("/api/v1/experiments/create"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/plain")
        .body(r#"{"name":"form"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 415);
}

#[tokio::test]
async fn public_read_opens_reads_and_metrics_but_not_writes() {
    let home = Home::new();
    let server = Server::start(&home, &["--token", TOKEN, "--public-read"]);
    let (status, body) = post(&server, "/api/v1/models/list", None, "{}").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = get(&server, "/metrics", None).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(
        &server,
        "/api/v1/models/register",
        None,
        r#"{"name":"m","provider":"baseline","model_id":"label-matcher"}"#,
    )
    .await;
    assert_eq!(status, 401);
    error_message(&body, "Unauthorized");
    let (status, body) = post(&server, "/api/v1/models/list", None, "{}").await;
    assert_eq!((status, body["models"].as_array().map(Vec::len)), (200, Some(0)), "{body}");
}

#[tokio::test]
async fn refuses_to_start_without_a_token_unless_no_auth_on_loopback() {
    let home = Home::new();
    let err = home.fails(&["serve", "--bind", "127.0.0.1:0"], 2);
    assert!(err.contains("--token") && err.contains("BROWSER_AI_MLOPS_TOKEN"), "{err}");
    let err = home.fails(&["serve", "--bind", "0.0.0.0:0", "--no-auth"], 2);
    assert!(err.contains("loopback"), "{err}");
    let err = home.fails(&["serve", "--bind", "127.0.0.1:0", "--token", "short"], 2);
    assert!(err.contains("at least 32"), "{err}");
    let err = home.fails(&["serve", "--bind", "127.0.0.1:0", "--no-auth", "--cors-origin", "not an origin"], 2);
    assert!(err.contains("--cors-origin"), "{err}");

    // --no-auth on loopback serves everything without a token.
    let open = Server::start(&home, &["--no-auth"]);
    let (status, body) = post(&open, "/api/v1/experiments/create", None, r#"{"name":"open"}"#).await;
    assert_eq!(status, 200, "{body}");
    drop(open);

    // The token can come from the environment.
    let mut cmd = home.cmd(&["serve", "--bind", "127.0.0.1:0"]);
    cmd.env("BROWSER_AI_MLOPS_TOKEN", TOKEN);
    let server = Server::spawn(cmd);
    let (status, _) = post(&server, "/api/v1/experiments/list", None, "{}").await;
    assert_eq!(status, 401);
    let (status, body) = post(&server, "/api/v1/experiments/list", Some(TOKEN), "{}").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_array().unwrap().len(), 1);
}

/// Keys of `value` serialized (what the server really reads), for comparing with a schema's properties.
fn keys(value: impl serde::Serialize) -> Vec<String> {
    let mut k: Vec<String> = serde_json::to_value(value).unwrap().as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn every_declared_operation_is_reachable_over_http_unless_local() {
    use browser_ai_mlops_core::api;
    let home = Home::new();
    let server = Server::start(&home, &["--token", TOKEN]);
    for op in api::table() {
        let path = format!("/api/v1/{}", op.name);
        // A JSON string is never a valid input (every input is an object): a served operation is found and refuses
        // it before running, naming itself; a local-only one has no route at all.
        let resp = reqwest::Client::new()
            .post(server.url(&path))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(r#""not an input""#)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let refusal = format!("{}: invalid input", op.name);
        match (op.reach, op.shape()) {
            (api::Reach::Local, _) => assert_eq!(status, 404, "{path} must not be served: {text}"),
            (api::Reach::Everywhere, api::Shape::Unary) => {
                assert_eq!(status, 400, "{path}: {text}");
                let body: Value = serde_json::from_str(&text).unwrap();
                assert!(body["detail"]["message"].as_str().unwrap().starts_with(&refusal), "{text}");
            }
            (api::Reach::Everywhere, api::Shape::Streaming) => {
                // The event stream opens and carries the same refusal as its one message.
                assert_eq!(status, 200, "{path}: {text}");
                let data = text.lines().find_map(|l| l.strip_prefix("data:")).expect("one message");
                let message: Value = serde_json::from_str(data.trim()).unwrap();
                assert_eq!(message["type"], "error", "{text}");
                assert_eq!(message["data"]["kind"], "BadRequest", "{text}");
                assert!(message["data"]["detail"]["message"].as_str().unwrap().starts_with(&refusal), "{text}");
            }
        }
    }
}

#[tokio::test]
async fn openapi_lists_every_route_of_the_table_with_schemas_that_match_serde() {
    use browser_ai_mlops_core::api;
    let home = Home::new();
    let server = Server::start(&home, &["--token", TOKEN, "--public-read"]);
    let (status, text) = get(&server, "/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert!(api::table().len() >= 60);
    for declared in api::table() {
        let path = format!("/api/v1/{}", declared.name);
        if declared.reach == api::Reach::Local {
            assert!(paths.get(&path).is_none(), "{path} is local-only but documented");
            continue;
        }
        let op = &paths[&path]["post"];
        assert!(op.is_object(), "{path} missing from the document");
        let read = declared.access == api::Access::Read;
        assert_eq!(op["x-access"], if read { "read" } else { "mutating" });
        // With --public-read, only mutating operations declare the bearer requirement.
        assert_eq!(op["security"].as_array().unwrap().is_empty(), read, "{path}");
        assert!(op["requestBody"]["content"]["application/json"]["schema"].is_object());
        let answer = &op["responses"]["200"]["content"];
        match declared.shape() {
            api::Shape::Unary => assert!(answer["application/json"]["schema"].is_object(), "{path}"),
            api::Shape::Streaming => {
                let stream = &answer["text/event-stream"];
                assert!(stream["x-message-schema"]["oneOf"].is_array(), "{path}");
                // One SSE event (OpenAPI 3.2's itemSchema) and the stream as an array of them.
                assert_eq!(stream["schema"]["items"], stream["itemSchema"], "{path}");
                assert!(stream["itemSchema"]["properties"]["data"].is_object(), "{path}");
            }
        }
    }
    for (path, method) in [("/healthz", "get"), ("/readyz", "get"), ("/metrics", "get")] {
        assert!(paths[path][method].is_object(), "{method} {path}");
    }
    let schemas = &doc["components"]["schemas"];
    let props = |name: &str| -> Vec<String> {
        let mut k: Vec<String> = schemas[name]["properties"].as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let create = api::experiments::CreateExperimentInput {
        name: "n".into(),
        description: String::new(),
        tags: Default::default(),
    };
    assert_eq!(props("CreateExperimentInput"), keys(&create));
    assert_eq!(schemas["CreateExperimentInput"]["required"], json!(["name"]), "description and tags default");
    let metric = api::runs::LogMetricInput { run_id: "r".into(), key: "k".into(), value: 1.0, step: 0, ts_ms: None };
    assert_eq!(props("LogMetricInput"), keys(&metric));
    assert_eq!(schemas["LogMetricInput"]["properties"]["value"]["type"], "number");
    // The tagged event enum: each variant carries `type` with its snake_case name.
    let finished = browser_ai_mlops_core::evaluator::runner::EvalEvent::Finished { evaluation_id: "e".into() };
    let tag = serde_json::to_value(&finished).unwrap()["type"].clone();
    let variants = schemas["EvalEvent"]["oneOf"].as_array().unwrap();
    assert_eq!(variants.len(), 4);
    assert!(variants.iter().any(|v| v["properties"]["type"]["const"] == tag), "{}", schemas["EvalEvent"]);
}

#[tokio::test]
async fn ui_dir_is_served_with_an_index_fallback_and_cors_only_when_configured() {
    let home = Home::new();
    let ui = home.path().join("ui");
    std::fs::create_dir_all(ui.join("assets")).unwrap();
    std::fs::write(ui.join("index.html"), "<!doctype html><title>app</title>").unwrap();
    std::fs::write(ui.join("assets/app.js"), "console.log(1)").unwrap();
    let origin = "http://localhost:5173";
    let server = Server::start(&home, &["--token", TOKEN, "--ui-dir", ui.to_str().unwrap(), "--cors-origin", origin]);
    let client = reqwest::Client::new();
    for (path, body, mime) in [
        ("/", "<!doctype html><title>app</title>", "text/html"),
        ("/assets/app.js", "console.log(1)", "text/javascript"),
        ("/experiments/42", "<!doctype html><title>app</title>", "text/html"),
    ] {
        let resp = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with(mime), "{path}");
        assert_eq!(resp.text().await.unwrap(), body, "{path}");
    }
    // API paths never fall back to the UI.
    let (status, body) = get(&server, "/api/v1/nope", Some(TOKEN)).await;
    assert_eq!(status, 404);
    error_message(&serde_json::from_str(&body).unwrap(), "NotFound");
    // A preflight from the configured origin is allowed; another origin gets no CORS grant.
    for (from, allowed) in [(origin, true), ("http://evil.example", false)] {
        let resp = client
            .request(reqwest::Method::OPTIONS, server.url("/api/v1/experiments/create"))
            .header("origin", from)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization,content-type")
            .send()
            .await
            .unwrap();
        let granted = resp.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_string());
        assert_eq!(granted.as_deref(), allowed.then_some(from), "{from}");
    }
    drop(server);
    // Without --cors-origin there is no CORS at all.
    let plain = Server::start(&home, &["--token", TOKEN]);
    let resp = client.get(plain.url("/healthz")).header("origin", origin).send().await.unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    let err =
        home.fails(&["serve", "--bind", "127.0.0.1:0", "--no-auth", "--ui-dir", home.path().to_str().unwrap()], 2);
    assert!(err.contains("index.html"), "{err}");
}
