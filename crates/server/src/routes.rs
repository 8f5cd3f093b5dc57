//! The command table over HTTP: one line per `api::` operation, `POST /api/v1/<domain>/<op>` with the op's typed
//! input as the JSON body and its typed output as the JSON response. Each entry says whether it only reads or
//! changes state (which decides whether `--public-read` opens it); the OpenAPI document is generated from this table.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use specta::Types;
use specta::datatype::DataType;

use super::auth::Access;
use super::errors::ApiError;
use browser_ai_mlops_core::{Core, api};

type CallFuture = Pin<Box<dyn Future<Output = Result<serde_json::Value, ApiError>> + Send>>;
type Call = Box<dyn Fn(Arc<Core>, Bytes) -> CallFuture + Send + Sync>;

/// One operation of the command table as served over HTTP.
pub struct Route {
    pub domain: &'static str,
    pub op: &'static str,
    pub access: Access,
    pub call: Call,
    /// specta descriptions of the input and output types (for the OpenAPI document).
    pub input: fn(&mut Types) -> DataType,
    pub output: fn(&mut Types) -> DataType,
}

impl Route {
    pub fn path(&self) -> String {
        format!("/api/v1/{}/{}", self.domain, self.op)
    }
}

/// An `async fn(&Core, I) -> Result<O>` from `api::`, with the borrow of `Core` tied to the returned future.
pub trait ApiFn<'a, I, O>: Send + Sync + 'static {
    type Fut: Future<Output = browser_ai_mlops_core::Result<O>> + Send + 'a;
    fn call(&self, core: &'a Core, input: I) -> Self::Fut;
}

impl<'a, F, I, O, Fut> ApiFn<'a, I, O> for F
where
    F: Fn(&'a Core, I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = browser_ai_mlops_core::Result<O>> + Send + 'a,
{
    type Fut = Fut;
    fn call(&self, core: &'a Core, input: I) -> Fut {
        self(core, input)
    }
}

/// Parse a JSON body as `I`; an empty body counts as `{}` (for inputs whose fields all have defaults).
pub fn parse_body<I: DeserializeOwned>(body: &[u8]) -> Result<I, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { body };
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
}

fn route<I, O, F>(domain: &'static str, op: &'static str, access: Access, f: F) -> Route
where
    I: DeserializeOwned + specta::Type + Send + 'static,
    O: Serialize + specta::Type + 'static,
    F: for<'a> ApiFn<'a, I, O>,
{
    let f = Arc::new(f);
    let call: Call = Box::new(move |core: Arc<Core>, body: Bytes| {
        let f = Arc::clone(&f);
        Box::pin(async move {
            let input: I = parse_body(&body)?;
            let output = f.call(&core, input).await?;
            serde_json::to_value(&output).map_err(|e| ApiError::failed(format!("cannot encode the response: {e}")))
        })
    });
    Route { domain, op, access, call, input: I::definition, output: O::definition }
}

use Access::{Mutating as M, Read as R};

/// THE table. Adding an `api::` operation to the server is one line here. Operations that read or write files on
/// the server's disk by path (`runs/log_batch`, `models/export`, `models/import`) stay CLI-only; `evals/list_tasks`
/// takes a suite path, so it needs the token even with `--public-read`.
pub fn table() -> Vec<Route> {
    vec![
        route("config", "list_envs", R, api::config::list_envs),
        route("config", "load", R, api::config::load),
        route("config", "show", R, api::config::show),
        route("config", "validate", R, api::config::validate),
        route("config", "set", M, api::config::set),
        route("config", "set_feature_flag", M, api::config::set_feature_flag),
        route("config", "clone", M, api::config::clone),
        route("secrets", "status", R, api::secrets::status),
        route("experiments", "create_experiment", M, api::experiments::create_experiment),
        route("experiments", "list_experiments", R, api::experiments::list_experiments),
        route("experiments", "show_experiment", R, api::experiments::show_experiment),
        route("experiments", "rename_experiment", M, api::experiments::rename_experiment),
        route("experiments", "archive_experiment", M, api::experiments::archive_experiment),
        route("experiments", "restore_experiment", M, api::experiments::restore_experiment),
        route("experiments", "set_experiment_tag", M, api::experiments::set_experiment_tag),
        route("experiments", "describe_experiment", M, api::experiments::describe_experiment),
        route("experiments", "compare_experiments", R, api::experiments::compare_experiments),
        route("runs", "start_run", M, api::runs::start_run),
        route("runs", "end_run", M, api::runs::end_run),
        route("runs", "show_run", R, api::runs::show_run),
        route("runs", "delete_run", M, api::runs::delete_run),
        route("runs", "compare_runs", R, api::runs::compare_runs),
        route("runs", "log_metric", M, api::runs::log_metric),
        route("runs", "log_param", M, api::runs::log_param),
        route("runs", "set_tag", M, api::runs::set_tag),
        route("runs", "delete_tag", M, api::runs::delete_tag),
        route("runs", "metric_history", R, api::runs::metric_history),
        route("runs", "timeline", R, api::runs::timeline),
        route("runs", "artifact", R, api::runs::artifact),
        route("run_search", "search", R, api::run_search::search),
        route("run_search", "list", R, api::run_search::list),
        route("models", "register", M, api::models::register),
        route("models", "create_version", M, api::models::create_version),
        route("models", "list", R, api::models::list),
        route("models", "show", R, api::models::show),
        route("models", "versions", R, api::models::versions),
        route("models", "version_show", R, api::models::version_show),
        route("models", "compare", R, api::models::compare),
        route("models", "deploy", M, api::models::deploy),
        route("models", "rollback", M, api::models::rollback),
        route("models", "history", R, api::models::history),
        route("models", "archive", M, api::models::archive),
        route("evals", "list_tasks", M, api::evals::list_tasks),
        route("evals", "results", R, api::evals::results),
        route("evals", "compare", R, api::evals::compare),
        route("evals", "list", R, api::evals::list),
        route("monitor", "performance", R, api::monitor::performance),
        route("monitor", "errors", R, api::monitor::errors),
        route("monitor", "resolve_error", M, api::monitor::resolve_error),
        route("health", "health", R, api::health::health),
        route("health", "health_history", R, api::health::health_history),
        route("health", "alerts", R, api::health::alerts),
        route("health", "evaluate_alerts", M, api::health::evaluate_alerts),
        route("health", "watch_snapshot", R, api::health::watch_snapshot),
        route("demo", "status", R, api::demo::status),
        route("demo", "load", M, api::demo::load),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_unique_and_named_like_paths() {
        let table = table();
        let mut paths: Vec<String> = table.iter().map(Route::path).collect();
        let n = paths.len();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), n, "duplicate route");
        let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        assert!(table.iter().all(|r| ok(r.domain) && ok(r.op)));
    }

    #[test]
    fn an_empty_body_is_an_empty_object_and_bad_json_names_the_problem() {
        let input: api::experiments::ListExperimentsInput = parse_body(b"  ").unwrap();
        assert!(!input.all);
        let err = parse_body::<api::experiments::CreateExperimentInput>(br#"{"name": 5}"#).unwrap_err();
        assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
        assert!(err.message.contains("invalid type"), "{}", err.message);
    }
}
