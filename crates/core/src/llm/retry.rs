//! The HTTP loop every provider uses: POST a JSON body, retry 429 / 5xx / connection failures with exponential
//! backoff and jitter (honouring `Retry-After`, capped), and turn every other outcome into a precise `LlmError`.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::keys::ApiKey;
use super::{Endpoint, LlmError};

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so at most `max_retries + 1` attempts).
    pub max_retries: u32,
    /// Limit for one attempt, from sending to the last byte of the body.
    pub timeout: Duration,
    pub backoff_base: Duration,
    /// Longest wait between attempts, also for a `Retry-After` asking for more.
    pub backoff_cap: Duration,
}

impl RetryPolicy {
    /// Wait before retry number `retry` (1-based): `base * 2^(retry-1)`, capped, then jittered into `[d/2, d]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let full = self.backoff_base.saturating_mul(factor).min(self.backoff_cap);
        let half = full / 2;
        let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = if spread == 0 { 0 } else { random_u64() % spread };
        half + Duration::from_nanos(jitter)
    }
}

/// A random number from the standard library's randomly seeded hasher (no extra dependency needed for jitter).
fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish()
}

/// A `Retry-After` (seconds, or an HTTP date) or `retry-after-ms` header as a wait from now.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers.get("retry-after-ms").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok()) {
        return Some(Duration::from_millis(ms));
    }
    let text = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(text).ok()?;
    let wait_ms = when.timestamp_millis() - chrono::Utc::now().timestamp_millis();
    Some(Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0)))
}

/// A successful exchange.
#[derive(Debug)]
pub(crate) struct HttpOk {
    pub body: String,
    pub attempts: u32,
    pub latency_ms: i64,
}

/// The last failure seen, reported if the attempts run out.
enum Retryable {
    RateLimited(String),
    Server(u16, String),
    Connect(String),
}

/// POST `body` to `url` with `headers` (auth included), retrying per the endpoint's policy.
pub(crate) async fn post_json(
    ep: &Endpoint,
    url: &str,
    headers: &[(&'static str, String)],
    body: &serde_json::Value,
    key: Option<&ApiKey>,
) -> Result<HttpOk, LlmError> {
    let policy = ep.retry;
    let provider = ep.provider.clone();
    let started = Instant::now();
    let max_attempts = policy.max_retries.saturating_add(1);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut req = ep.http.post(url).timeout(policy.timeout).json(body);
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        let (failure, wait) = match req.send().await {
            Err(e) if e.is_timeout() => return Err(timeout(&provider, policy)),
            Err(e) if e.is_connect() => (Retryable::Connect(error_chain(&e)), None),
            Err(e) => return Err(LlmError::Http { provider, detail: error_chain(&e) }),
            Ok(resp) => {
                let status = resp.status();
                let wait = retry_after(resp.headers());
                let text = match resp.text().await {
                    Ok(t) => t,
                    Err(e) if e.is_timeout() => return Err(timeout(&provider, policy)),
                    Err(e) => return Err(LlmError::Http { provider, detail: error_chain(&e) }),
                };
                if status.is_success() {
                    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
                    return Ok(HttpOk { body: text, attempts: attempt, latency_ms });
                }
                let message = provider_message(&text, key);
                if status == StatusCode::TOO_MANY_REQUESTS {
                    (Retryable::RateLimited(message), wait)
                } else if status.is_server_error() {
                    (Retryable::Server(status.as_u16(), message), wait)
                } else {
                    return Err(client_error(ep, url, status, &text, message));
                }
            }
        };
        if attempt >= max_attempts {
            return Err(match failure {
                Retryable::RateLimited(message) => LlmError::RateLimited { provider, attempts: attempt, message },
                Retryable::Server(status, message) => LlmError::Server { provider, status, attempts: attempt, message },
                Retryable::Connect(detail) => {
                    let url = crate::util::mask_url(&ep.base_url);
                    LlmError::Connect { provider, url, attempts: attempt, detail }
                }
            });
        }
        let delay = wait.unwrap_or_else(|| policy.backoff(attempt)).min(policy.backoff_cap);
        tokio::time::sleep(delay).await;
    }
}

fn timeout(provider: &str, policy: RetryPolicy) -> LlmError {
    LlmError::Timeout { provider: provider.to_string(), secs: policy.timeout.as_secs() }
}

/// A reqwest error with its causes (reqwest's own message is often just "error sending request").
fn error_chain(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        out.push_str(": ");
        out.push_str(&s.to_string());
        src = s.source();
    }
    crate::util::mask_urls_in(&out)
}

/// The provider's own error text (`error.message` in all three APIs), else the start of the body; key redacted.
fn provider_message(body: &str, key: Option<&ApiKey>) -> String {
    let parsed = serde_json::from_str::<serde_json::Value>(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| v.pointer("/error/message").or_else(|| v.get("message")))
        .and_then(|m| m.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| {
            let trimmed = body.trim();
            if trimmed.is_empty() { "(empty body)".to_string() } else { trimmed.chars().take(300).collect() }
        });
    match key {
        Some(k) => k.redact(&message),
        None => super::keys::redact_key_like(&message),
    }
}

/// Map a non-retryable 4xx. Gemini reports a bad key as 400 `API_KEY_INVALID`, so that is an auth failure too.
fn client_error(ep: &Endpoint, url: &str, status: StatusCode, body: &str, message: String) -> LlmError {
    let provider = ep.provider.clone();
    let bad_key = status == StatusCode::BAD_REQUEST && body.contains("API_KEY_INVALID");
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN || bad_key {
        return LlmError::Auth { provider, status: status.as_u16(), key_ref: ep.key.describe() };
    }
    if status == StatusCode::NOT_FOUND {
        return LlmError::ModelNotFound { provider, model: ep.model.clone(), url: crate::util::mask_url(url), message };
    }
    LlmError::BadRequest { provider, status: status.as_u16(), message }
}

/// Parse a success body as JSON, reporting where it breaks (`invalid JSON at line 1 column 17: …`).
pub(crate) fn parse_body(provider: &str, body: &str) -> Result<serde_json::Value, LlmError> {
    serde_json::from_str(body).map_err(|e| {
        let start: String = body.trim().chars().take(80).collect();
        LlmError::Malformed {
            provider: provider.to_string(),
            detail: format!(
                "invalid JSON at line {} column {}: {} (body starts with {start:?})",
                e.line(),
                e.column(),
                {
                    let full = e.to_string();
                    full.split(" at line ").next().unwrap_or(&full).to_string()
                }
            ),
        }
    })
}

/// Deserialize a parsed body into the provider's documented shape (`missing field `choices``).
pub(crate) fn decode<T: serde::de::DeserializeOwned>(provider: &str, value: serde_json::Value) -> Result<T, LlmError> {
    serde_json::from_value(value).map_err(|e| LlmError::Malformed {
        provider: provider.to_string(),
        detail: format!("a response that does not match its API: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn policy(base_ms: u64, cap_ms: u64) -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            timeout: Duration::from_secs(1),
            backoff_base: Duration::from_millis(base_ms),
            backoff_cap: Duration::from_millis(cap_ms),
        }
    }

    #[test]
    fn backoff_doubles_within_jitter_bounds_and_is_capped() {
        let p = policy(100, 1000);
        for retry in 1..=6u32 {
            let full = (100u64 << (retry - 1)).min(1000);
            let d = p.backoff(retry).as_millis() as u64;
            assert!(d >= full / 2 && d <= full, "retry {retry}: {d} ms not in [{}, {full}]", full / 2);
        }
    }

    #[test]
    fn retry_after_seconds_ms_and_dates() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let future = chrono::Utc::now() + chrono::Duration::seconds(120);
        let date = future.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        h.insert("retry-after", HeaderValue::from_str(&date).unwrap());
        let wait = retry_after(&h).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120), "{wait:?}");
        h.insert("retry-after", HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"));
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
    }

    #[test]
    fn invalid_json_names_the_position() {
        let err = parse_body("openai", "{\"choices\": [1,]}").unwrap_err().to_string();
        assert!(err.starts_with("openai returned invalid JSON at line 1 column 16:"), "{err}");
    }
}
