//! OpenAI Chat Completions (`POST {base}/chat/completions`), also used for every OpenAI-compatible server: Ollama
//! (`http://127.0.0.1:11434/v1`, no key), vLLM, LM Studio.

use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};

use super::retry::{decode, parse_body, post_json};
use super::{ChatRequest, ChatResponse, Endpoint, LlmClient, LlmError, merge_extra};
use crate::tracker::{Role, TokenCounts};

/// A Chat Completions client.
#[derive(Debug)]
pub struct OpenAiClient {
    ep: Endpoint,
    /// api.openai.com wants `max_completion_tokens`; compatible servers know `max_tokens`.
    official: bool,
}

impl OpenAiClient {
    pub fn new(ep: Endpoint, official: bool) -> OpenAiClient {
        OpenAiClient { ep, official }
    }

    /// The request body for `req` (public for tests and debugging; it holds no key).
    pub fn body(&self, req: &ChatRequest) -> Value {
        let messages: Vec<Value> = req
            .messages
            .iter()
            .map(|m| match &m.image_png_base64 {
                Some(png) if m.role == Role::User => json!({
                    "role": m.role.as_str(),
                    "content": [
                        {"type": "text", "text": m.content},
                        {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{png}")}},
                    ],
                }),
                _ => json!({"role": m.role.as_str(), "content": m.content}),
            })
            .collect();
        let mut body = json!({"model": self.ep.model, "messages": messages});
        let sampling = accepts_sampling(&self.ep.model);
        if let Some(obj) = body.as_object_mut() {
            if sampling {
                obj.insert("temperature".into(), json!(req.temperature));
            }
            if let Some(n) = req.max_tokens {
                let field = if self.official { "max_completion_tokens" } else { "max_tokens" };
                obj.insert(field.into(), json!(n));
            }
            if let Some(p) = req.top_p.filter(|_| sampling) {
                obj.insert("top_p".into(), json!(p));
            }
            if req.json_output {
                let format = match (&req.schema, self.official) {
                    (Some(schema), true) => json!({"type": "json_schema", "json_schema": {
                        "name": super::types::SCHEMA_NAME, "strict": true, "schema": schema}}),
                    _ => json!({"type": "json_object"}),
                };
                obj.insert("response_format".into(), format);
            }
        }
        merge_extra(&mut body, &self.ep.extra_params);
        body
    }

    async fn call(&self, req: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let key = self.ep.key.resolve()?;
        let mut headers = Vec::new();
        if let Some(k) = &key {
            headers.push(("authorization", format!("Bearer {}", k.expose())));
        }
        let url = format!("{}/chat/completions", self.ep.base_url);
        let ok = post_json(&self.ep, &url, &headers, &self.body(req), key.as_ref()).await?;
        let wire: Wire = decode(&self.ep.provider, parse_body(&self.ep.provider, &ok.body)?)?;
        let usage = wire.usage.map(Usage::counts).unwrap_or_default();
        let choice = wire
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| LlmError::Empty { provider: self.ep.provider.clone(), reason: "no choices".into() })?;
        let content = choice.message.content.unwrap_or_default();
        let tool_calls = match choice.message.tool_calls {
            Some(Value::Array(calls)) => Value::Array(calls),
            _ => Value::Array(Vec::new()),
        };
        let no_tools = tool_calls.as_array().is_none_or(|a| a.is_empty());
        let refusal =
            choice.message.refusal.filter(|r| !r.trim().is_empty()).or_else(|| {
                (choice.finish_reason.as_deref() == Some("content_filter")).then(|| "content_filter".into())
            });
        if content.trim().is_empty() && no_tools && refusal.is_none() {
            let reason = match &choice.finish_reason {
                Some(f) => format!("finish_reason {f}"),
                None => "no content".into(),
            };
            return Err(LlmError::Empty { provider: self.ep.provider.clone(), reason });
        }
        Ok(ChatResponse {
            content,
            tool_calls,
            cost_usd: self.ep.pricing.cost(&self.ep.provider, &self.ep.model, &usage),
            usage,
            latency_ms: ok.latency_ms,
            attempts: ok.attempts,
            provider: self.ep.provider.clone(),
            model: self.ep.model.clone(),
            finish_reason: choice.finish_reason,
            refusal,
        })
    }
}

/// Whether a model takes `temperature` and `top_p`: OpenAI's reasoning models (o1, o3, o4-mini, the gpt-5 family)
/// accept only their default and answer 400 to any other value, so nothing is sent for them.
pub fn accepts_sampling(model: &str) -> bool {
    let m = model.rsplit('/').next().unwrap_or(model).to_ascii_lowercase();
    let reasoning = ["o1", "o3", "o4", "gpt-5"].iter().any(|p| m == *p || m.starts_with(&format!("{p}-")));
    !reasoning || m.starts_with("gpt-5-chat")
}

impl LlmClient for OpenAiClient {
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
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: WireMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Option<Value>,
    #[serde(default)]
    refusal: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: i64,
    #[serde(default)]
    completion_tokens: i64,
    #[serde(default)]
    prompt_tokens_details: Option<PromptDetails>,
    #[serde(default)]
    completion_tokens_details: Option<CompletionDetails>,
}

#[derive(Deserialize)]
struct PromptDetails {
    #[serde(default)]
    cached_tokens: Option<i64>,
}

#[derive(Deserialize)]
struct CompletionDetails {
    #[serde(default)]
    reasoning_tokens: Option<i64>,
}

impl Usage {
    /// `prompt_tokens` includes the cached ones and `completion_tokens` the reasoning ones: split them so that the
    /// token types do not overlap.
    fn counts(self) -> TokenCounts {
        let cached = self.prompt_tokens_details.and_then(|d| d.cached_tokens).unwrap_or(0).max(0);
        let reasoning = self.completion_tokens_details.and_then(|d| d.reasoning_tokens).unwrap_or(0).max(0);
        TokenCounts {
            input: (self.prompt_tokens - cached).max(0),
            output: (self.completion_tokens - reasoning).max(0),
            cache_read: cached,
            cache_write: 0,
            reasoning,
        }
    }
}
