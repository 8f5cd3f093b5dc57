//! Provider-neutral chat types: what the agent sends to any LLM provider and what comes back, with usage by token
//! type, cost and latency.

use serde::{Deserialize, Serialize};

use crate::tracker::{Role, TokenCounts};

/// One message of a chat request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
    /// Optional PNG image (base64, no data: prefix) attached to a user message, for vision models.
    pub image_png_base64: Option<String>,
}

/// The name under which a request's `schema` is sent: OpenAI's `json_schema.name`, Anthropic's answer tool.
pub const SCHEMA_NAME: &str = "agent_output";

/// A provider-neutral chat completion request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ChatRequest {
    pub messages: Vec<ChatMessage>,
    pub temperature: f64,
    pub max_tokens: Option<i64>,
    pub top_p: Option<f64>,
    /// Ask for a JSON object as output (OpenAI `response_format`, Gemini `responseMimeType`, Anthropic: prompt only).
    pub json_output: bool,
    /// A JSON Schema the answer must follow, for providers that enforce one: OpenAI's strict `json_schema` response
    /// format (api.openai.com), Anthropic's forced tool call (the answer then arrives as that tool's input).
    #[serde(default)]
    pub schema: Option<serde_json::Value>,
}

/// A provider's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ChatResponse {
    /// The assistant's text (for JSON output: the JSON text).
    pub content: String,
    /// Tool calls as the provider returned them (a JSON list; empty when none).
    pub tool_calls: serde_json::Value,
    pub usage: TokenCounts,
    /// Cost in USD from config/pricing.yaml; `None` when the model has no price entry.
    pub cost_usd: Option<f64>,
    /// Wall time of the successful attempt plus retries, in ms.
    pub latency_ms: i64,
    /// Attempts made (1 = no retry).
    pub attempts: u32,
    pub provider: String,
    pub model: String,
    pub finish_reason: Option<String>,
    /// The model declined to answer (OpenAI `refusal`, Anthropic `stop_reason: refusal`, Gemini a safety stop):
    /// its explanation, or the stop reason when it gave none.
    #[serde(default)]
    pub refusal: Option<String>,
}
