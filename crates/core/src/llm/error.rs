//! `LlmError`: every way an LLM call can fail, worded for the person fixing it, never containing an API key, and
//! classified as transient (retrying the step may help) or fatal.

use crate::kind::ErrorKind;

#[derive(Debug, Clone, thiserror::Error)]
pub enum LlmError {
    /// The version uses the offline baseline agent, which has no LLM client.
    #[error("{reference} uses provider baseline, which is not an LLM: use the baseline planner for it")]
    NotAnLlm { reference: String },
    /// A configuration problem found before any request (bad base URL, unusable client settings).
    #[error("{0}")]
    Config(String),
    /// The key reference points at an unset environment variable.
    #[error("no API key for {provider}: environment variable {variable} is not set (referenced by env:{variable})")]
    MissingKey { provider: String, variable: String },
    /// The key reference cannot be resolved (bad syntax, keychain unavailable); the message never holds a secret.
    #[error("API key for {provider}: {detail}")]
    KeyReference { provider: String, detail: String },
    /// The key would go to a host it is not bound to (see `keys::KeyBinding`); nothing was sent.
    #[error(
        "refusing to send the {provider} key referenced by {key_ref} to {host}: that key may only go to {allowed}; \
         to allow {host}, add it to llm.key_hosts (or make it llm.base_url) in the environment's config"
    )]
    KeyHost { provider: String, key_ref: String, host: String, allowed: String },
    /// 401/403. The provider's message is dropped on purpose: some providers echo part of the key in it.
    #[error(
        "{provider} rejected the request with HTTP {status} (authentication failed): check the key referenced by {key_ref}"
    )]
    Auth { provider: String, status: u16, key_ref: String },
    /// 404: usually an unknown model id (or a wrong base URL).
    #[error("{provider} has no model {model:?} (HTTP 404 from {url}): {message}")]
    ModelNotFound { provider: String, model: String, url: String, message: String },
    /// Another 4xx: the provider refused the request; its message says why.
    #[error("{provider} refused the request (HTTP {status}): {message}")]
    BadRequest { provider: String, status: u16, message: String },
    /// 429 on every attempt.
    #[error("{provider} rate limit: still HTTP 429 after {attempts} attempt(s): {message}")]
    RateLimited { provider: String, attempts: u32, message: String },
    /// 5xx on every attempt.
    #[error("{provider} server error: HTTP {status} after {attempts} attempt(s): {message}")]
    Server { provider: String, status: u16, attempts: u32, message: String },
    /// No connection could be made on any attempt.
    #[error("cannot connect to {provider} at {url} after {attempts} attempt(s): {detail}")]
    Connect { provider: String, url: String, attempts: u32, detail: String },
    /// The request did not finish within the configured timeout.
    #[error("{provider} did not answer within {secs} s (llm.timeout_secs)")]
    Timeout { provider: String, secs: u64 },
    /// The body is not JSON, or not the JSON the provider documents.
    #[error("{provider} returned {detail}")]
    Malformed { provider: String, detail: String },
    /// The provider answered without any text or tool call.
    #[error("{provider} returned an empty answer ({reason})")]
    Empty { provider: String, reason: String },
    /// Any other transport failure.
    #[error("request to {provider} failed: {detail}")]
    Http { provider: String, detail: String },
    /// A pricing file that cannot be read or parsed.
    #[error("pricing {source_name}: {message}")]
    Pricing { source_name: String, message: String },
}

impl LlmError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            LlmError::NotAnLlm { .. }
            | LlmError::Config(_)
            | LlmError::MissingKey { .. }
            | LlmError::KeyReference { .. }
            | LlmError::KeyHost { .. }
            | LlmError::BadRequest { .. }
            | LlmError::Pricing { .. } => ErrorKind::Input,
            LlmError::ModelNotFound { .. } => ErrorKind::NotFound,
            LlmError::Auth { .. }
            | LlmError::RateLimited { .. }
            | LlmError::Server { .. }
            | LlmError::Connect { .. }
            | LlmError::Timeout { .. }
            | LlmError::Malformed { .. }
            | LlmError::Empty { .. }
            | LlmError::Http { .. } => ErrorKind::Failed,
        }
    }

    /// True when trying the same step again later may succeed (rate limits, server errors, timeouts, odd output);
    /// false when only a change of configuration helps (keys, model ids, bad requests).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            LlmError::RateLimited { .. }
                | LlmError::Server { .. }
                | LlmError::Connect { .. }
                | LlmError::Timeout { .. }
                | LlmError::Malformed { .. }
                | LlmError::Empty { .. }
                | LlmError::Http { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_and_fatal_are_told_apart() {
        let auth = LlmError::Auth { provider: "openai".into(), status: 401, key_ref: "env:OPENAI_API_KEY".into() };
        assert!(!auth.is_transient());
        assert!(auth.to_string().contains("check the key referenced by env:OPENAI_API_KEY"));
        let rl = LlmError::RateLimited { provider: "openai".into(), attempts: 3, message: "slow down".into() };
        assert!(rl.is_transient());
        assert_eq!(rl.kind(), ErrorKind::Failed);
        let missing = LlmError::MissingKey { provider: "gemini".into(), variable: "GEMINI_API_KEY".into() };
        assert!(missing.to_string().contains("GEMINI_API_KEY"));
        assert_eq!(missing.kind(), ErrorKind::Input);
    }
}
