//! Google Gemini (`POST {base}/v1beta/models/{model}:generateContent`): the key travels in the `x-goog-api-key`
//! header (never in the URL, so it cannot end up in logs), the system prompt in `systemInstruction`, turns in
//! `contents` with roles `user` / `model`, sampling in `generationConfig`.

use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};

use super::retry::{decode, parse_body, post_json};
use super::{ChatRequest, ChatResponse, Endpoint, LlmClient, LlmError, merge_extra};
use crate::tracker::{Role, TokenCounts};

#[derive(Debug)]
pub struct GeminiClient {
    ep: Endpoint,
}

impl GeminiClient {
    pub fn new(ep: Endpoint) -> GeminiClient {
        GeminiClient { ep }
    }

    /// The request body for `req`.
    pub fn body(&self, req: &ChatRequest) -> Value {
        let system: Vec<Value> =
            req.messages.iter().filter(|m| m.role == Role::System).map(|m| json!({"text": m.content})).collect();
        let contents: Vec<Value> = req
            .messages
            .iter()
            .filter(|m| m.role != Role::System)
            .map(|m| {
                let role = if m.role == Role::Assistant { "model" } else { "user" };
                let mut parts = vec![json!({"text": m.content})];
                if let Some(png) = m.image_png_base64.as_ref().filter(|_| m.role == Role::User) {
                    parts.push(json!({"inlineData": {"mimeType": "image/png", "data": png}}));
                }
                json!({"role": role, "parts": parts})
            })
            .collect();
        let mut config = serde_json::Map::new();
        config.insert("temperature".into(), json!(req.temperature));
        if let Some(p) = req.top_p {
            config.insert("topP".into(), json!(p));
        }
        if let Some(n) = req.max_tokens {
            config.insert("maxOutputTokens".into(), json!(n));
        }
        if req.json_output {
            config.insert("responseMimeType".into(), json!("application/json"));
        }
        let mut body = json!({"contents": contents, "generationConfig": config});
        if let (false, Some(obj)) = (system.is_empty(), body.as_object_mut()) {
            obj.insert("systemInstruction".into(), json!({"parts": system}));
        }
        merge_extra(&mut body, &self.ep.extra_params);
        body
    }

    async fn call(&self, req: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let key = self.ep.key.resolve()?;
        let mut headers = Vec::new();
        if let Some(k) = &key {
            headers.push(("x-goog-api-key", k.expose().to_string()));
        }
        let url = format!("{}/v1beta/models/{}:generateContent", self.ep.base_url, self.ep.model);
        let ok = post_json(&self.ep, &url, &headers, &self.body(req), key.as_ref()).await?;
        let wire: Wire = decode(&self.ep.provider, parse_body(&self.ep.provider, &ok.body)?)?;
        let usage = wire.usage_metadata.map(Usage::counts).unwrap_or_default();
        let provider = self.ep.provider.clone();
        let Some(candidate) = wire.candidates.into_iter().next() else {
            let reason = wire
                .prompt_feedback
                .and_then(|f| f.get("blockReason").and_then(Value::as_str).map(|r| format!("prompt blocked: {r}")))
                .unwrap_or_else(|| "no candidates".into());
            return Err(LlmError::Empty { provider, reason });
        };
        let mut text = Vec::new();
        let mut tool_calls = Vec::new();
        for part in candidate.content.map(|c| c.parts).unwrap_or_default() {
            let thought = part.get("thought").and_then(Value::as_bool).unwrap_or(false);
            if let Some(call) = part.get("functionCall") {
                tool_calls.push(call.clone());
            } else if let (false, Some(t)) = (thought, part.get("text").and_then(Value::as_str)) {
                text.push(t.to_string());
            }
        }
        let content = text.join("");
        let safety = ["SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION"];
        let refusal = candidate
            .finish_reason
            .as_deref()
            .filter(|r| safety.contains(r) && content.trim().is_empty() && tool_calls.is_empty())
            .map(|r| format!("finishReason {r}"));
        if content.trim().is_empty() && tool_calls.is_empty() && refusal.is_none() {
            let reason =
                candidate.finish_reason.as_deref().map_or("no content".into(), |r| format!("finishReason {r}"));
            return Err(LlmError::Empty { provider, reason });
        }
        Ok(ChatResponse {
            content,
            tool_calls: Value::Array(tool_calls),
            cost_usd: self.ep.pricing.cost(&self.ep.provider, &self.ep.model, &usage),
            usage,
            latency_ms: ok.latency_ms,
            attempts: ok.attempts,
            provider,
            model: self.ep.model.clone(),
            finish_reason: candidate.finish_reason,
            refusal,
        })
    }
}

impl LlmClient for GeminiClient {
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
#[serde(rename_all = "camelCase")]
struct Wire {
    #[serde(default)]
    candidates: Vec<Candidate>,
    #[serde(default)]
    usage_metadata: Option<Usage>,
    #[serde(default)]
    prompt_feedback: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    #[serde(default)]
    content: Option<Content>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    #[serde(default)]
    parts: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Usage {
    #[serde(default)]
    prompt_token_count: i64,
    #[serde(default)]
    candidates_token_count: i64,
    #[serde(default)]
    cached_content_token_count: i64,
    #[serde(default)]
    thoughts_token_count: i64,
}

impl Usage {
    /// `promptTokenCount` includes the cached content; `candidatesTokenCount` excludes thoughts.
    fn counts(self) -> TokenCounts {
        let cached = self.cached_content_token_count.max(0);
        TokenCounts {
            input: (self.prompt_token_count - cached).max(0),
            output: self.candidates_token_count.max(0),
            cache_read: cached,
            cache_write: 0,
            reasoning: self.thoughts_token_count.max(0),
        }
    }
}
