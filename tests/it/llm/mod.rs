//! Integration tests: the LLM provider clients against a local fake of each provider's HTTP API (fixtures in
//! `tests/fixtures/llm/`): the exact request on the wire, answers, tool calls, usage and cost, retries, and errors
//! that never reveal the key. The LLM planner's tests are in `llm/planner.rs`.

mod answers;
pub(crate) mod fake;
mod planner;

use serde_json::{Value, json};

use browser_ai_mlops_core::llm::{self, ChatMessage, ChatRequest, LlmError, Price};
use browser_ai_mlops_core::registry::Provider;
use browser_ai_mlops_core::tracker::{Role, TokenCounts};

use fake::{CANARY, CANARY_VAR, FakeServer, Reply, client, error_reply, fixture};

const PROVIDERS: [&str; 3] = ["openai", "anthropic", "gemini"];

fn standard_request() -> ChatRequest {
    ChatRequest {
        messages: vec![
            ChatMessage { role: Role::System, content: "You are terse.".into(), image_png_base64: None },
            ChatMessage { role: Role::User, content: "Say hi as JSON.".into(), image_png_base64: None },
        ],
        temperature: 0.3,
        max_tokens: Some(300),
        top_p: Some(0.9),
        json_output: true,
        schema: None,
    }
}

/// Check the one request `server` received against the provider's `request.json`.
fn assert_standard_request(provider: &str, server: &FakeServer) {
    let seen = server.seen();
    assert_eq!(seen.len(), 1, "{provider}: expected exactly one request");
    let got = &seen[0];
    let want = fixture(provider, "request.json");
    assert_eq!(got.method, want["method"], "{provider}: method");
    assert_eq!(got.path, want["path"].as_str().unwrap(), "{provider}: path");
    assert_eq!(got.query, None, "{provider}: nothing (least of all a key) may travel in the URL");
    for (name, value) in want["headers"].as_object().unwrap() {
        let actual = got.headers.get(name).map(String::as_str);
        assert_eq!(actual, value.as_str(), "{provider}: header {name}");
    }
    for (field, value) in want["body"].as_object().unwrap() {
        assert_eq!(got.body.get(field), Some(value), "{provider}: body field {field} in {}", got.body);
    }
    for field in want["absent"].as_array().unwrap() {
        assert!(got.body.get(field.as_str().unwrap()).is_none(), "{provider}: body must not have {field}");
    }
}

/// The answer text of a provider response body, read the way each API documents it.
fn answer_text(provider: &str, body: &Value) -> String {
    let v = match provider {
        "openai" => &body["choices"][0]["message"]["content"],
        "anthropic" => &body["content"][0]["text"],
        _ => &body["candidates"][0]["content"]["parts"][0]["text"],
    };
    v.as_str().unwrap().to_string()
}

/// Usage by token type per each API's documented meaning: OpenAI's prompt_tokens include cached tokens and its
/// completion_tokens include reasoning; Gemini's promptTokenCount includes cached content and candidatesTokenCount
/// excludes thoughts; Anthropic's input_tokens exclude cache reads and writes.
fn expected_usage(provider: &str, body: &Value) -> TokenCounts {
    let n = |v: &Value| v.as_i64().unwrap_or(0);
    match provider {
        "openai" => {
            let u = &body["usage"];
            let cached = n(&u["prompt_tokens_details"]["cached_tokens"]);
            let reasoning = n(&u["completion_tokens_details"]["reasoning_tokens"]);
            TokenCounts {
                input: n(&u["prompt_tokens"]) - cached,
                output: n(&u["completion_tokens"]) - reasoning,
                cache_read: cached,
                cache_write: 0,
                reasoning,
            }
        }
        "anthropic" => {
            let u = &body["usage"];
            TokenCounts {
                input: n(&u["input_tokens"]),
                output: n(&u["output_tokens"]),
                cache_read: n(&u["cache_read_input_tokens"]),
                cache_write: n(&u["cache_creation_input_tokens"]),
                reasoning: 0,
            }
        }
        _ => {
            let u = &body["usageMetadata"];
            let cached = n(&u["cachedContentTokenCount"]);
            TokenCounts {
                input: n(&u["promptTokenCount"]) - cached,
                output: n(&u["candidatesTokenCount"]),
                cache_read: cached,
                cache_write: 0,
                reasoning: n(&u["thoughtsTokenCount"]),
            }
        }
    }
}

#[tokio::test]
async fn each_provider_sends_its_wire_format_and_reads_the_answer() {
    for provider in PROVIDERS {
        let body = fixture(provider, "text.json");
        let server = FakeServer::start(vec![Reply::json(200, &body)]).await;
        let resp = client(provider, &server, 2, None).complete(&standard_request()).await.unwrap();
        assert_standard_request(provider, &server);
        assert_eq!(resp.content, answer_text(provider, &body), "{provider}");
        assert_eq!(resp.attempts, 1, "{provider}");
        assert_eq!(resp.usage, expected_usage(provider, &body), "{provider}");
        assert_eq!(resp.tool_calls, json!([]), "{provider}");
        assert_eq!(resp.cost_usd, None, "{provider}: no price entry, so no cost");
        assert_eq!((resp.provider.as_str(), resp.model.as_str()), (provider, fake::model_of(provider)));
        assert!(resp.finish_reason.is_some(), "{provider}");
    }
}

#[tokio::test]
async fn tool_calls_are_passed_through() {
    for provider in PROVIDERS {
        let body = fixture(provider, "tool_call.json");
        let server = FakeServer::start(vec![Reply::json(200, &body)]).await;
        let resp = client(provider, &server, 0, None).complete(&standard_request()).await.unwrap();
        let expected = match provider {
            "openai" => body["choices"][0]["message"]["tool_calls"].clone(),
            "anthropic" => json!([body["content"][1].clone()]),
            _ => json!([body["candidates"][0]["content"]["parts"][0]["functionCall"].clone()]),
        };
        assert_eq!(resp.tool_calls, expected, "{provider}");
        if provider == "anthropic" {
            assert_eq!(resp.content, body["content"][0]["text"].as_str().unwrap());
        }
    }
}

#[tokio::test]
async fn usage_maps_cached_and_reasoning_tokens_and_is_priced() {
    for provider in PROVIDERS {
        let fx = fixture(provider, "usage.json");
        let price: Price = serde_json::from_value(fx["price"].clone()).unwrap();
        let server = FakeServer::start(vec![Reply::json(200, &fx["response"])]).await;
        let resp = client(provider, &server, 0, Some(price)).complete(&standard_request()).await.unwrap();
        let want = expected_usage(provider, &fx["response"]);
        assert_eq!(resp.usage, want, "{provider}");
        assert!(want.cache_read > 0, "{provider}: the fixture must exercise cached tokens");
        let per_m = |tokens: i64, price: Option<f64>, fallback: f64| tokens as f64 * price.unwrap_or(fallback) / 1e6;
        let cost = per_m(want.input, Some(price.input), 0.0)
            + per_m(want.output, Some(price.output), 0.0)
            + per_m(want.cache_read, price.cache_read, price.input)
            + per_m(want.cache_write, price.cache_write, price.input)
            + per_m(want.reasoning, price.reasoning, price.output);
        let got = resp.cost_usd.expect("priced model has a cost");
        assert!((got - cost).abs() < 1e-12, "{provider}: cost {got} != {cost}");
    }
}

#[tokio::test]
async fn rate_limit_with_retry_after_then_success() {
    for provider in PROVIDERS {
        let replies = vec![
            error_reply(provider, "rate_limit").header("retry-after", "1"),
            Reply::json(200, &fixture(provider, "text.json")),
        ];
        let server = FakeServer::start(replies).await;
        let resp = client(provider, &server, 2, None).complete(&standard_request()).await.unwrap();
        assert_eq!(resp.attempts, 2, "{provider}");
        assert_eq!(server.seen().len(), 2, "{provider}");
    }
}

#[tokio::test]
async fn server_errors_twice_then_success() {
    for provider in PROVIDERS {
        let replies = vec![
            error_reply(provider, "server"),
            error_reply(provider, "server"),
            Reply::json(200, &fixture(provider, "text.json")),
        ];
        let server = FakeServer::start(replies).await;
        let resp = client(provider, &server, 3, None).complete(&standard_request()).await.unwrap();
        assert_eq!(resp.attempts, 3, "{provider}");
        assert_eq!(server.seen().len(), 3, "{provider}");
    }
}

#[tokio::test]
async fn server_errors_forever_fail_after_max_retries_plus_one_attempts() {
    for provider in PROVIDERS {
        let reply = error_reply(provider, "server");
        let status = reply.status;
        let server = FakeServer::start(vec![reply]).await;
        let err = client(provider, &server, 2, None).complete(&standard_request()).await.unwrap_err();
        assert_eq!(server.seen().len(), 3, "{provider}");
        assert!(matches!(&err, LlmError::Server { attempts: 3, status: s, .. } if *s == status), "{provider}: {err:?}");
        assert!(err.is_transient());
        assert!(err.to_string().contains(&format!("HTTP {status} after 3 attempt(s)")), "{err}");
    }
}

#[tokio::test]
async fn malformed_bodies_are_clear_errors() {
    for provider in PROVIDERS {
        let server = FakeServer::start(vec![Reply::raw(200, "{\"choices\": [oops")]).await;
        let err = client(provider, &server, 0, None).complete(&standard_request()).await.unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("{provider} returned invalid JSON at line 1 column 14:")), "{msg}");
        assert!(err.is_transient());
    }
    for (provider, field) in [("openai", "choices"), ("anthropic", "content")] {
        let server = FakeServer::start(vec![Reply::raw(200, "{\"id\": \"x\"}")]).await;
        let err = client(provider, &server, 0, None).complete(&standard_request()).await.unwrap_err();
        assert!(err.to_string().contains(&format!("missing field `{field}`")), "{err}");
    }
    let server = FakeServer::start(vec![Reply::raw(200, "{\"candidates\": []}")]).await;
    let err = client("gemini", &server, 0, None).complete(&standard_request()).await.unwrap_err();
    assert!(matches!(&err, LlmError::Empty { .. }), "{err:?}");
}

#[tokio::test]
async fn auth_failure_names_the_reference_never_the_key() {
    for provider in PROVIDERS {
        let server = FakeServer::start(vec![error_reply(provider, "auth")]).await;
        let err = client(provider, &server, 3, None).complete(&standard_request()).await.unwrap_err();
        let (msg, debug) = (err.to_string(), format!("{err:?}"));
        assert!(matches!(err, LlmError::Auth { .. }), "{provider}: {debug}");
        assert!(msg.contains(&format!("check the key referenced by env:{CANARY_VAR}")), "{msg}");
        assert!(!msg.contains(CANARY) && !debug.contains(CANARY), "{provider} leaked the key: {msg}");
        assert_eq!(server.seen().len(), 1, "{provider}: an auth failure is not retried");
        assert!(!err.is_transient());
    }
}

#[tokio::test]
async fn not_found_and_bad_request_carry_the_provider_message() {
    for provider in PROVIDERS {
        let errors = fixture(provider, "errors.json");
        let server = FakeServer::start(vec![error_reply(provider, "not_found")]).await;
        let err = client(provider, &server, 2, None).complete(&standard_request()).await.unwrap_err();
        assert!(matches!(err, LlmError::ModelNotFound { .. }), "{err:?}");
        assert_eq!(err.kind(), browser_ai_mlops_core::ErrorKind::NotFound);
        let server = FakeServer::start(vec![error_reply(provider, "bad_request")]).await;
        let err = client(provider, &server, 2, None).complete(&standard_request()).await.unwrap_err();
        let provider_msg = errors["bad_request"]["body"]["error"]["message"].as_str().unwrap();
        assert!(err.to_string().contains(provider_msg), "{provider}: {err}");
        assert_eq!(server.seen().len(), 1, "{provider}: a 400 is not retried");
    }
}

#[tokio::test]
async fn missing_key_variable_is_named_and_nothing_is_sent() {
    for provider in PROVIDERS {
        let server = FakeServer::start(vec![Reply::json(200, &fixture(provider, "text.json"))]).await;
        let (p, cp) = fake::provider_of(provider);
        let version = fake::version(p, fake::model_of(provider), Some(server.base.clone()));
        let mut cfg = fake::llm_config(cp, Some("env:LLM_IT_SURELY_UNSET_API_KEY"), 0);
        cfg.key_hosts = vec![server.base.clone()];
        let err = llm::client_for(&version, &cfg).unwrap().complete(&standard_request()).await.unwrap_err();
        assert!(err.to_string().contains("LLM_IT_SURELY_UNSET_API_KEY"), "{err}");
        assert!(server.seen().is_empty(), "{provider}: no request without a key");
    }
}

#[tokio::test]
async fn ollama_sends_no_key_and_local_models_cost_nothing() {
    let body = fixture("openai", "text.json");
    let server = FakeServer::start(vec![Reply::json(200, &body)]).await;
    let version = fake::version(Provider::Ollama, "llama3.1:8b", Some(server.base.clone()));
    let cfg = fake::llm_config(browser_ai_mlops_core::config::Provider::Ollama, None, 0);
    let resp = llm::client_for(&version, &cfg).unwrap().complete(&standard_request()).await.unwrap();
    let seen = &server.seen()[0];
    assert_eq!(seen.path, "/v1/chat/completions", "a bare Ollama address gets /v1");
    assert!(!seen.headers.contains_key("authorization"));
    assert_eq!(seen.body["max_tokens"], json!(300));
    assert!(seen.body.get("max_completion_tokens").is_none());
    assert_eq!(resp.cost_usd, Some(0.0), "the embedded table prices every ollama model at 0");
}

#[tokio::test]
async fn screenshots_travel_in_each_provider_image_format() {
    let mut req = standard_request();
    req.messages[1].image_png_base64 = Some("iVBORw0KGgo=".into());
    for provider in PROVIDERS {
        let server = FakeServer::start(vec![Reply::json(200, &fixture(provider, "text.json"))]).await;
        client(provider, &server, 0, None).complete(&req).await.unwrap();
        let body = &server.seen()[0].body;
        let image = match provider {
            "openai" => body["messages"][1]["content"][1].clone(),
            "anthropic" => body["messages"][0]["content"][0].clone(),
            _ => body["contents"][0]["parts"][1].clone(),
        };
        let want = match provider {
            "openai" => json!({"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}),
            "anthropic" => {
                json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}})
            }
            _ => json!({"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}),
        };
        assert_eq!(image, want, "{provider}");
    }
}

#[tokio::test]
async fn refused_connections_are_retried_then_reported() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let server = FakeServer::start(vec![]).await.with_base(format!("http://127.0.0.1:{port}"));
    let err = client("anthropic", &server, 1, None).complete(&standard_request()).await.unwrap_err();
    assert!(matches!(&err, LlmError::Connect { attempts: 2, .. }), "{err:?}");
    assert!(err.to_string().contains(&format!("127.0.0.1:{port}")), "{err}");
}

#[test]
fn baseline_versions_have_no_llm_client() {
    let version = fake::version(Provider::Baseline, "baseline", None);
    let cfg = fake::llm_config(browser_ai_mlops_core::config::Provider::Baseline, None, 0);
    let err = llm::client_for(&version, &cfg).err().expect("baseline must be refused");
    assert!(err.to_string().contains("baseline, which is not an LLM"), "{err}");
}

/// A version's `base_url` is the caller's choice: the key goes only to hosts the environment's config binds it to.
#[tokio::test]
async fn a_key_goes_only_to_the_hosts_it_is_bound_to() {
    fake::set_canary();
    for provider in PROVIDERS {
        let body = fixture(provider, "text.json");
        let allowed = FakeServer::start(vec![Reply::json(200, &body)]).await;
        let other = FakeServer::start_on("127.0.0.2", vec![Reply::json(200, &body)]).await;
        let (p, cp) = fake::provider_of(provider);
        let mut cfg = fake::llm_config(cp, Some(&format!("env:{CANARY_VAR}")), 0);
        cfg.key_hosts = vec![allowed.base.clone()];

        let elsewhere = fake::version(p, fake::model_of(provider), Some(format!("{}/v1", other.base)));
        let err = llm::client_for(&elsewhere, &cfg).err().expect("the other host must be refused");
        let msg = err.to_string();
        let host = other.base.trim_start_matches("http://");
        assert!(matches!(err, LlmError::KeyHost { .. }), "{provider}: {msg}");
        assert!(msg.contains(host) && msg.contains("llm.key_hosts") && !msg.contains(CANARY), "{msg}");
        assert_eq!(err.kind(), browser_ai_mlops_core::ErrorKind::Input);
        assert!(other.seen().is_empty(), "{provider}: the other host got a request");

        // The provider's own default key is bound to its official host only, whatever the version says.
        let mut other_provider = fake::llm_config(browser_ai_mlops_core::config::Provider::Ollama, None, 0);
        other_provider.key_hosts = vec![other.base.clone()];
        assert!(
            matches!(llm::client_for(&elsewhere, &other_provider).err(), Some(LlmError::KeyHost { .. })),
            "{provider}: key_hosts of another provider's section do not apply"
        );
        assert!(other.seen().is_empty());

        let bound = fake::version(p, fake::model_of(provider), Some(format!("{}/v1", allowed.base)));
        llm::client_for(&bound, &cfg).unwrap().complete(&standard_request()).await.unwrap();
        let seen = allowed.seen();
        assert_eq!(seen.len(), 1);
        let auth = ["authorization", "x-api-key", "x-goog-api-key"].iter().filter_map(|h| seen[0].headers.get(*h));
        assert!(auth.into_iter().any(|v| v.contains(CANARY)), "{provider}: the allowed host gets the key");
    }
}

/// Only `*_API_KEY` variables are keys: a reference cannot send another variable, even to an allowed host.
#[tokio::test]
async fn other_environment_variables_are_never_sent_as_keys() {
    let server = FakeServer::start(vec![Reply::json(200, &fixture("openai", "text.json"))]).await;
    let version = fake::version(Provider::Openai, "gpt-4o", Some(format!("{}/v1", server.base)));
    let mut cfg = fake::llm_config(browser_ai_mlops_core::config::Provider::Openai, Some("env:PATH"), 0);
    cfg.key_hosts = vec![server.base.clone()];
    let err = llm::client_for(&version, &cfg).unwrap().complete(&standard_request()).await.unwrap_err();
    assert!(err.to_string().contains("env:PATH is not an API key variable"), "{err}");
    assert!(server.seen().is_empty(), "nothing is sent");
}

/// Providers echo part of a rejected key in 4xx texts (`Incorrect API key provided: sk-abc***xyz`); no fragment of
/// the key survives into the error (which is what `runs.error` stores).
#[tokio::test]
async fn provider_messages_lose_every_fragment_of_the_key() {
    let head = &CANARY[..8];
    let tail = &CANARY[CANARY.len() - 6..];
    let echo = format!("Incorrect API key provided: {head}***{tail}. Also tried key ending {tail}.");
    let server = FakeServer::start(vec![Reply::json(400, &json!({"error": {"message": echo}}))]).await;
    let err = client("openai", &server, 0, None).complete(&standard_request()).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, LlmError::BadRequest { .. }), "{msg}");
    assert!(msg.contains("Incorrect API key provided"), "the provider's words stay: {msg}");
    for fragment in [&CANARY[..4], &CANARY[CANARY.len() - 4..], head, tail] {
        assert!(!msg.contains(fragment), "{fragment:?} survived in {msg}");
    }
}

/// Reasoning models take no sampling parameters (any temperature but the default is a 400); others get them.
#[tokio::test]
async fn reasoning_models_are_sent_no_temperature_and_anthropic_gets_room_to_answer() {
    use browser_ai_mlops_core::llm::openai::accepts_sampling;
    for model in ["o1", "o3-mini", "o4-mini-2025-04-16", "gpt-5", "gpt-5-mini", "openai/o3"] {
        assert!(!accepts_sampling(model), "{model}");
    }
    for model in ["gpt-4o", "gpt-4.1-mini", "gpt-5-chat-latest", "llama3.1", "o1x-custom"] {
        assert!(accepts_sampling(model), "{model}");
    }
    for (model, sampled) in [("o3-mini", false), ("gpt-4o", true)] {
        let server = FakeServer::start(vec![Reply::json(200, &fixture("openai", "text.json"))]).await;
        fake::client_of_model("openai", model, &server, 0, None).complete(&standard_request()).await.unwrap();
        let body = &server.seen()[0].body;
        assert_eq!(body.get("temperature").is_some(), sampled, "{model}: {body}");
        assert_eq!(body.get("top_p").is_some(), sampled, "{model}: {body}");
    }

    // Anthropic requires max_tokens: without one on the version, the default leaves room for a whole answer.
    let server = FakeServer::start(vec![Reply::json(200, &fixture("anthropic", "text.json"))]).await;
    let mut req = standard_request();
    req.max_tokens = None;
    client("anthropic", &server, 0, None).complete(&req).await.unwrap();
    assert_eq!(server.seen()[0].body["max_tokens"], 8192);
}
