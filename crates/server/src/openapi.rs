//! The OpenAPI 3.1 document served at `GET /api/v1/openapi.json`, generated from the route table (every
//! `POST /api/v1/<domain>/<op>` with its input and output schemas) plus the fixed routes, so it cannot drift from
//! what the server really serves. Schemas come from the api types' `specta::Type` descriptions (`schema.rs`).

use serde_json::{Map, Value, json};
use specta::Types;

use super::auth::{Access, Auth};
use super::errors::ErrorBody;
use super::jobs::{JobInfo, LaunchOutput};
use super::routes::Route;
use super::schema::SchemaGen;
use browser_ai_mlops_core::evaluator::runner::{BenchmarkRequest, EvalEvent};

fn json_content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

struct Doc<'a> {
    schemas: SchemaGen,
    types: Types,
    auth: &'a Auth,
    paths: Map<String, Value>,
    error: Value,
}

impl Doc<'_> {
    fn schema_of(&mut self, definition: fn(&mut Types) -> specta::datatype::DataType) -> Value {
        let dt = definition(&mut self.types);
        self.schemas.schema(&dt, &self.types)
    }

    fn security(&self, access: Option<Access>) -> Value {
        match access {
            Some(access) if self.auth.required(access) => json!([{"bearer": []}]),
            _ => json!([]),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        method: &str,
        path: &str,
        id: &str,
        tag: &str,
        access: Option<Access>,
        request: Option<Value>,
        response: Value,
        summary: &str,
    ) {
        let mut op = json!({
            "operationId": id,
            "tags": [tag],
            "summary": summary,
            "security": self.security(access),
            "responses": {
                "200": {"description": "success", "content": response},
                "default": {"description": "error (one stable shape for every failure)", "content": json_content(self.error.clone())},
            },
        });
        if let Some(access) = access {
            op["x-access"] = json!(if access == Access::Read { "read" } else { "mutating" });
        }
        if let Some(schema) = request {
            op["requestBody"] = json!({"required": true, "content": json_content(schema)});
        }
        let entry = self.paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[method] = op;
    }
}

/// Build the document for `table` as this server is configured (`auth` decides each operation's `security`).
pub fn document(table: &[Route], auth: &Auth) -> Value {
    let mut doc =
        Doc { schemas: SchemaGen::default(), types: Types::default(), auth, paths: Map::new(), error: json!({}) };
    doc.error = doc.schema_of(<ErrorBody as specta::Type>::definition);
    for route in table {
        let input = doc.schema_of(route.input);
        let output = doc.schema_of(route.output);
        let id = format!("{}_{}", route.domain, route.op);
        let summary = format!("api::{}::{}", route.domain, route.op);
        doc.add(
            "post",
            &route.path(),
            &id,
            route.domain,
            Some(route.access),
            Some(input),
            json_content(output),
            &summary,
        );
    }
    let status = json!({"type": "object", "properties": {"status": {"type": "string"}}, "required": ["status"]});
    doc.add("get", "/healthz", "healthz", "server", None, None, json_content(status.clone()), "liveness");
    doc.add(
        "get",
        "/readyz",
        "readyz",
        "server",
        None,
        None,
        json_content(status),
        "readiness: store opens, schema current",
    );
    let text = json!({"text/plain": {"schema": {"type": "string"}}});
    doc.add("get", "/metrics", "metrics", "server", Some(Access::Read), None, text, "Prometheus exposition");
    doc.add(
        "get",
        "/api/v1/openapi.json",
        "openapi",
        "server",
        Some(Access::Read),
        None,
        json_content(json!({"type": "object"})),
        "this document",
    );
    let launch_in = doc.schema_of(<BenchmarkRequest as specta::Type>::definition);
    let launch_out = doc.schema_of(<LaunchOutput as specta::Type>::definition);
    doc.add(
        "post",
        "/api/v1/evals/launch",
        "evals_launch",
        "evals",
        Some(Access::Mutating),
        Some(launch_in),
        json_content(launch_out),
        "start api::evals::benchmark in the background",
    );
    let jobs = doc.schema_of(<Vec<JobInfo> as specta::Type>::definition);
    doc.add(
        "get",
        "/api/v1/evals/jobs",
        "evals_jobs",
        "evals",
        Some(Access::Read),
        None,
        json_content(jobs),
        "evaluation jobs of this server",
    );
    let event = doc.schema_of(<EvalEvent as specta::Type>::definition);
    let sse = json!({"text/event-stream": {"schema": {"type": "string", "description": "server-sent events: `event:` is the EvalEvent type (or `error`), `data:` its JSON", "x-event-schema": event}}});
    doc.add(
        "get",
        "/api/v1/evals/jobs/{job_id}/events",
        "evals_job_events",
        "evals",
        Some(Access::Read),
        None,
        sse,
        "the job's events so far, then live ones",
    );
    if let Some(op) = doc.paths.get_mut("/api/v1/evals/jobs/{job_id}/events").and_then(|p| p.get_mut("get")) {
        op["parameters"] = json!([{"name": "job_id", "in": "path", "required": true, "schema": {"type": "string"}}]);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Browser.AI MLOps",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The command table of browser-ai-mlops over HTTP: POST /api/v1/<domain>/<op> with the op's typed input as the JSON body.",
        },
        "paths": doc.paths,
        "components": {
            "schemas": doc.schemas.components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    })
}
