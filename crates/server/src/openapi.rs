//! The OpenAPI 3.1 document served at `GET /api/v1/openapi.json`, generated from the core's operation table
//! (every served `POST /api/v1/<domain>/<verb>` with its input, output and event schemas) plus the fixed routes, so it cannot drift from
//! what the server really serves. Schemas come from the api types' `specta::Type` descriptions (`schema.rs`).

use serde_json::{Map, Value, json};
use specta::Types;

use super::auth::{Access, Auth};
use super::errors::ErrorBody;
use super::routes;
use super::schema::SchemaGen;
use browser_ai_mlops_core::api::Shape;

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

/// Build the document for the served operations as this server is configured (`auth` decides each `security`).
pub fn document(auth: &Auth) -> Value {
    let mut doc =
        Doc { schemas: SchemaGen::default(), types: Types::default(), auth, paths: Map::new(), error: json!({}) };
    doc.error = doc.schema_of(<ErrorBody as specta::Type>::definition);
    for op in routes::served() {
        let input = doc.schema_of(op.input);
        let output = doc.schema_of(op.output);
        let id = op.name.replace('/', "_");
        let response = match (op.shape(), op.event) {
            (Shape::Streaming, Some(event)) => {
                let event = doc.schema_of(event);
                let message = json!({
                    "description": "`data:` of each server-sent event: `{type: event, data: <event>}` any number of times, then `{type: done, data: <output>}` or `{type: error, data: <error>}`",
                    "oneOf": [
                        {"type": "object", "required": ["type", "data"], "properties": {"type": {"const": "event"}, "data": event}},
                        {"type": "object", "required": ["type", "data"], "properties": {"type": {"const": "done"}, "data": output}},
                        {"type": "object", "required": ["type", "data"], "properties": {"type": {"const": "error"}, "data": doc.error.clone()}},
                    ],
                });
                // OpenAPI 3.2's sequential form: `itemSchema` is one event (`event` the message's type, `data` the
                // message as JSON), `schema` the stream as an array of them (what schemathesis checks).
                let event = json!({
                    "type": "object",
                    "properties": {
                        "event": {"enum": ["event", "done", "error"]},
                        "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": message},
                    },
                    "required": ["data"],
                });
                json!({"text/event-stream": {
                    "schema": {"type": "array", "items": event},
                    "itemSchema": event,
                    "x-message-schema": message,
                }})
            }
            _ => json_content(output),
        };
        let summary = match op.shape() {
            Shape::Unary => op.name.to_string(),
            Shape::Streaming => format!("{} (streaming: server-sent events)", op.name),
        };
        doc.add("post", &routes::path(op), &id, op.domain(), Some(op.access), Some(input), response, &summary);
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
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Browser.AI MLOps",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The operation table of browser-ai-mlops over HTTP: POST /api/v1/<domain>/<verb> with the operation's typed input as the JSON body; streaming operations answer server-sent events.",
        },
        "paths": doc.paths,
        "components": {
            "schemas": doc.schemas.components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    })
}
