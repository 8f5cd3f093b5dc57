//! The operation table over Tauri's IPC with the mock runtime (no display): real operations through the app's `call`
//! and `stream` commands against a real SQLite file in a temp data dir, results as JSON, failures crossing as the
//! tagged edge error (`{kind, detail: {message}}`), and every declared operation reachable.

use std::sync::Arc;

use browser_ai_mlops_core::{Core, Settings, api};
use browser_ai_mlops_desktop::configure;
use serde_json::{Value, json};
use tauri::test::{INVOKE_KEY, MockRuntime, mock_builder, mock_context, noop_assets};
use tauri::webview::{InvokeRequest, WebviewWindow, WebviewWindowBuilder};

struct App {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

fn app(settings: Settings) -> App {
    let core = Arc::new(Core::new(settings));
    let app = configure(mock_builder(), core).build(mock_context(noop_assets())).expect("build the mock app");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("mock window");
    App { _app: app, window }
}

/// Run operation `op` through the app's `call` command; Ok(output JSON) or Err(error JSON).
fn call(app: &App, op: &str, input: Value) -> Result<Value, Value> {
    invoke(app, "call", json!({ "op": op, "input": input }))
}

/// Invoke an app command with `body` as its arguments.
fn invoke(app: &App, cmd: &str, body: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: "tauri://localhost".parse().expect("url"),
        body: tauri::ipc::InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    tauri::test::get_ipc_response(&app.window, request).map(|body| body.deserialize::<Value>().expect("JSON body"))
}

#[test]
fn commands_write_the_shared_sqlite_file_and_errors_cross_as_the_tagged_enum() {
    let home = tempfile::tempdir().expect("temp dir");
    let settings = Settings::in_dir(home.path());
    let app = app(settings.clone());

    let created = call(&app, "experiments/create", json!({"name": "checkout", "description": "d"})).expect("create");
    assert_eq!(created["name"], "checkout");
    let id = created["id"].as_str().expect("id").to_string();

    let listed = call(&app, "experiments/list", json!({})).expect("list");
    let names: Vec<&str> =
        listed.as_array().expect("array").iter().filter_map(|e| e["experiment"]["name"].as_str()).collect();
    assert_eq!(names, ["checkout"]);

    // A duplicate name: the core's Conflict, carried as the edge error the HTTP server also sends.
    let err = call(&app, "experiments/create", json!({"name": "checkout"})).expect_err("duplicate");
    assert_eq!(err["kind"], "Conflict", "{err}");
    assert!(err["detail"]["message"].as_str().expect("message").contains("checkout"), "{err}");
    let typed: api::edge::EdgeError = serde_json::from_value(err).expect("the error parses as EdgeError");
    assert_eq!(typed.kind(), api::edge::EdgeErrorKind::Conflict);

    let err = call(&app, "models/show", json!({"name": "no-such-model"})).expect_err("unknown model");
    assert_eq!(err["kind"], "NotFound", "{err}");

    let err = call(&app, "no/such_operation", json!({})).expect_err("unknown operation");
    assert_eq!(err["kind"], "NotFound", "{err}");

    // The app wrote the same SQLite file the CLI reads: a second core on the data dir sees the experiment.
    assert!(settings.db_path().is_file(), "{} missing", settings.db_path().display());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let other = Core::new(settings);
    let seen = rt.block_on(async {
        let input = api::experiments::ExperimentRef { experiment: id.clone() };
        let info = api::experiments::show(&other, input).await.expect("show from a second core");
        other.shutdown().await.expect("shutdown");
        info
    });
    assert_eq!(seen.experiment.name, "checkout");
}

#[test]
fn a_malformed_input_is_rejected_before_any_command_runs() {
    let home = tempfile::tempdir().expect("temp dir");
    let app = app(Settings::in_dir(home.path()));
    // `name` must be a string: the input is refused as a bad request naming the operation, and nothing is created.
    let err = call(&app, "experiments/create", json!({"name": 5})).expect_err("bad input");
    assert_eq!(err["kind"], "BadRequest", "{err}");
    assert!(err["detail"]["message"].as_str().unwrap_or("").contains("experiments/create: invalid input"), "{err}");
    let listed = call(&app, "experiments/list", json!({})).expect("list");
    assert_eq!(listed, json!([]));
}

#[test]
fn every_declared_operation_is_reachable_from_the_desktop() {
    let home = tempfile::tempdir().expect("temp dir");
    let app = app(Settings::in_dir(home.path()));
    for op in api::table() {
        match op.shape() {
            // A string is never a valid input (every input is an object), so the operation is found and its input
            // refused before it runs: the answer names the operation.
            api::Shape::Unary => {
                let err = call(&app, op.name, json!("not an input")).expect_err(op.name);
                assert_eq!(err["kind"], "BadRequest", "{}: {err}", op.name);
                let message = err["detail"]["message"].as_str().unwrap_or("");
                assert!(message.starts_with(&format!("{}: invalid input", op.name)), "{}: {err}", op.name);
            }
            // The stream starts (its input error travels on the channel); an unknown name is refused at once.
            api::Shape::Streaming => {
                let body = json!({"op": op.name, "input": "not an input", "channel": "__CHANNEL__:1"});
                invoke(&app, "stream", body).unwrap_or_else(|e| panic!("{}: {e}", op.name));
            }
        }
    }
    let err = invoke(&app, "stream", json!({"op": "no/such", "input": {}, "channel": "__CHANNEL__:1"}))
        .expect_err("unknown streaming operation");
    assert_eq!(err["kind"], "NotFound", "{err}");
    let err = call(&app, "monitor/watch", json!({})).expect_err("a streaming operation through call");
    assert_eq!(err["kind"], "BadRequest", "{err}");
}
