//! Anthropic Messages (`POST {base}/v1/messages`, `x-api-key`, `anthropic-version: 2023-06-01`): the system prompt
//! is a top-level field, `max_tokens` is required, answers are content blocks (`text`, `tool_use`).

use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};

use super::retry::{decode, parse_body, post_json};
use super::{ChatRequest, ChatResponse, Endpoint, LlmClient, LlmError, merge_extra};
use crate::tracker::{Role, TokenCounts};

pub const ANTHROPIC_VERSION: &str = "2023-06-01";
/// `max_tokens` sent when the version sets none (the API requires one).
pub const DEFAULT_MAX_TOKENS: i64 = 8192;

#[derive(Debug)]
pub struct AnthropicClient {
    ep: Endpoint,
}

impl AnthropicClient {
    pub fn new(ep: Endpoint) -> AnthropicClient {
        AnthropicClient { ep }
    }

    /// The request body for `req`: system messages joined into `system`, tool messages sent as user turns.
    pub fn body(&self, req: &ChatRequest) -> Value {
        let system: Vec<&str> =
            req.messages.iter().filter(|m| m.role == Role::System).map(|m| m.content.as_str()).collect();
        let messages: Vec<Value> = req
            .messages
            .iter()
            .filter(|m| m.role != Role::System)
            .map(|m| {
                let role = if m.role == Role::Assistant { "assistant" } else { "user" };
                let mut blocks = Vec::new();
                if let Some(png) = m.image_png_base64.as_ref().filter(|_| m.role == Role::User) {
                    blocks.push(
                        json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": png}}),
                    );
                }
                blocks.push(json!({"type": "text", "text": m.content}));
                json!({"role": role, "content": blocks})
            })
            .collect();
        let mut body = json!({
            "model": self.ep.model,
            "max_tokens": req.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
            "messages": messages,
            "temperature": req.temperature,
        });
        if let Some(obj) = body.as_object_mut() {
            if !system.is_empty() {
                obj.insert("system".into(), json!(system.join("\n\n")));
            }
            if let Some(p) = req.top_p {
                obj.insert("top_p".into(), json!(p));
            }
            if let Some(schema) = &req.schema {
                // Forced tool use: the answer arrives as the tool's input, held to the schema.
                let name = super::types::SCHEMA_NAME;
                obj.insert(
                    "tools".into(),
                    json!([{"name": name, "description": "Your answer for this step.", "input_schema": schema}]),
                );
                obj.insert("tool_choice".into(), json!({"type": "tool", "name": name}));
            }
        }
        merge_extra(&mut body, &self.ep.extra_params);
        body
    }

    async fn call(&self, req: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let key = self.ep.key.resolve()?;
        let mut headers = vec![("anthropic-version", ANTHROPIC_VERSION.to_string())];
        if let Some(k) = &key {
            headers.push(("x-api-key", k.expose().to_string()));
        }
        let url = format!("{}/v1/messages", self.ep.base_url);
        let ok = post_json(&self.ep, &url, &headers, &self.body(req), key.as_ref()).await?;
        let wire: Wire = decode(&self.ep.provider, parse_body(&self.ep.provider, &ok.body)?)?;
        let mut text = Vec::new();
        let mut tool_calls = Vec::new();
        for block in wire.content {
            match block.get("type").and_then(Value::as_str) {
                Some("text") => text.push(block.get("text").and_then(Value::as_str).unwrap_or_default().to_string()),
                Some("tool_use") => tool_calls.push(block),
                _ => {}
            }
        }
        let content = text.join("");
        let refusal = (wire.stop_reason.as_deref() == Some("refusal"))
            .then(|| if content.trim().is_empty() { "stop_reason refusal".to_string() } else { content.clone() });
        if content.trim().is_empty() && tool_calls.is_empty() && refusal.is_none() {
            let reason = wire.stop_reason.as_deref().map_or("no content".to_string(), |r| format!("stop_reason {r}"));
            return Err(LlmError::Empty { provider: self.ep.provider.clone(), reason });
        }
        let usage = wire.usage.counts();
        Ok(ChatResponse {
            content,
            tool_calls: Value::Array(tool_calls),
            cost_usd: self.ep.pricing.cost(&self.ep.provider, &self.ep.model, &usage),
            usage,
            latency_ms: ok.latency_ms,
            attempts: ok.attempts,
            provider: self.ep.provider.clone(),
            model: self.ep.model.clone(),
            finish_reason: wire.stop_reason,
            refusal,
        })
    }
}

impl LlmClient for AnthropicClient {
    fn provider(&self) -> &str {
        &self.ep.provider
    }

    fn model(&self) -> &str {
        &self.ep.model
    }

    fn complete<'a>(&'a self, req: &'a ChatRequest) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
        self.call(req).boxed()
    }
}

#[derive(Deserialize)]
struct Wire {
    content: Vec<Value>,
    #[serde(default)]
    stop_reason: Option<String>,
    usage: Usage,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    input_tokens: i64,
    #[serde(default)]
    output_tokens: i64,
    #[serde(default)]
    cache_creation_input_tokens: Option<i64>,
    #[serde(default)]
    cache_read_input_tokens: Option<i64>,
}

impl Usage {
    /// Anthropic's `input_tokens` already excludes cache reads and writes; thinking is not reported apart.
    fn counts(self) -> TokenCounts {
        TokenCounts {
            input: self.input_tokens.max(0),
            output: self.output_tokens.max(0),
            cache_read: self.cache_read_input_tokens.unwrap_or(0).max(0),
            cache_write: self.cache_creation_input_tokens.unwrap_or(0).max(0),
            reasoning: 0,
        }
    }
}
