//! A run's timeline through the command table, on a real SQLite file: the conversation and actions in logged order,
//! linked artifacts, and one artifact's bytes read back by hash.

use base64::Engine;
use browser_ai_mlops_core::agent::artifacts::{link_artifact, sha256_hex, store_artifact};
use browser_ai_mlops_core::api::runs::{ArtifactInput, RunRef, StartRunInput, artifact, start, timeline};
use browser_ai_mlops_core::tracker::{Action, Message, Role, TokenCounts};
use browser_ai_mlops_core::{Core, ErrorKind};

use crate::util::Home;

/// 2026-01-01T00:00:00Z: timestamps are accepted from 2000 to 2200.
const T0: i64 = 1_767_225_600_000;

fn message(role: Role, content: &str, ts_ms: i64) -> Message {
    Message {
        role,
        content: content.into(),
        tool_calls: serde_json::Value::Null,
        tokens: TokenCounts { input: 7, output: 3, ..TokenCounts::default() },
        ts_ms,
    }
}

#[tokio::test]
async fn timeline_returns_the_logged_conversation_and_actions_in_order() {
    let home = Home::new();
    let core = Core::open(home.settings()).await.unwrap();
    let input = StartRunInput {
        experiment: "ui".into(),
        name: Some("r1".into()),
        model_version_id: None,
        params: Default::default(),
        tags: Default::default(),
    };
    let tracker = core.tracker().await.unwrap();
    tracker.create_experiment("ui", "", &Default::default()).await.unwrap();
    let run = start(&core, input).await.unwrap();
    let messages =
        vec![message(Role::User, "find the cart", T0 + 1_000), message(Role::Assistant, "clicking #cart", T0 + 2_000)];
    tracker.log_conversation(&run.id, &messages).await.unwrap();
    for (i, (kind, ok)) in [("click", true), ("type", false)].into_iter().enumerate() {
        let action = Action {
            action_type: kind.into(),
            target: format!("#el{i}"),
            success: ok,
            duration_ms: 40 + i as i64,
            error: (!ok).then(|| "element detached".to_string()),
            ts_ms: T0 + 1_500 + i as i64,
        };
        tracker.log_action(&run.id, &action).await.unwrap();
    }

    let t = timeline(&core, RunRef { run_id: run.id.clone() }).await.unwrap();
    assert_eq!(t.run_id, run.id);
    let texts: Vec<(&str, i64)> = t.messages.iter().map(|m| (m.content.as_str(), m.ts_ms)).collect();
    assert_eq!(texts, [("find the cart", T0 + 1_000), ("clicking #cart", T0 + 2_000)]);
    assert_eq!(t.messages[0].role, Role::User);
    let actions: Vec<(&str, bool, Option<&str>)> =
        t.actions.iter().map(|a| (a.action_type.as_str(), a.success, a.error.as_deref())).collect();
    assert_eq!(actions, [("click", true, None), ("type", false, Some("element detached"))]);

    let missing = timeline(&core, RunRef { run_id: "no-such-run".into() }).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    core.shutdown().await.unwrap();
}

#[tokio::test]
async fn artifacts_are_listed_in_the_timeline_and_read_back_by_hash() {
    let home = Home::new();
    let core = Core::open(home.settings()).await.unwrap();
    let tracker = core.tracker().await.unwrap();
    tracker.create_experiment("ui", "", &Default::default()).await.unwrap();
    let input = StartRunInput {
        experiment: "ui".into(),
        name: None,
        model_version_id: None,
        params: Default::default(),
        tags: Default::default(),
    };
    let run = start(&core, input).await.unwrap();
    let store = core.store().await.unwrap();
    // Two different contents, and the first one linked twice: stored once, listed per link.
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n".iter().copied().chain((0..4096u32).map(|i| (i * 7 % 251) as u8)).collect();
    let dom = "<button id=buy>Buy</button>".repeat(50).into_bytes();
    let png_hash = store_artifact(store, "screenshot", "image/png", &png).await.unwrap();
    let dom_hash = store_artifact(store, "dom_snapshot", "text/plain", &dom).await.unwrap();
    link_artifact(store, &run.id, 2, "screenshot", &png_hash).await.unwrap();
    link_artifact(store, &run.id, 1, "dom_snapshot", &dom_hash).await.unwrap();
    link_artifact(store, &run.id, 3, "final_screenshot", &png_hash).await.unwrap();

    let t = timeline(&core, RunRef { run_id: run.id.clone() }).await.unwrap();
    let listed: Vec<(i64, &str, &str, &str, i64)> =
        t.artifacts.iter().map(|a| (a.step, a.kind.as_str(), a.hash.as_str(), a.mime.as_str(), a.size_bytes)).collect();
    assert_eq!(
        listed,
        [
            (1, "dom_snapshot", dom_hash.as_str(), "text/plain", dom.len() as i64),
            (2, "screenshot", png_hash.as_str(), "image/png", png.len() as i64),
            (3, "final_screenshot", png_hash.as_str(), "image/png", png.len() as i64),
        ]
    );

    let got = artifact(&core, ArtifactInput { hash: png_hash.clone() }).await.unwrap();
    assert_eq!(
        (got.hash.as_str(), got.kind.as_str(), got.mime.as_str()),
        (png_hash.as_str(), "screenshot", "image/png")
    );
    assert_eq!(got.size_bytes, png.len() as i64);
    let decoded = base64::engine::general_purpose::STANDARD.decode(&got.base64).unwrap();
    assert_eq!(decoded, png);
    assert_eq!(sha256_hex(&decoded), png_hash);
    let text = artifact(&core, ArtifactInput { hash: dom_hash.clone() }).await.unwrap();
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(&text.base64).unwrap(), dom);

    let unknown = sha256_hex(b"never stored");
    let missing = artifact(&core, ArtifactInput { hash: unknown.clone() }).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert!(missing.to_string().contains(&unknown), "{missing}");
    for bad in ["", "../etc/passwd", &png_hash.to_uppercase(), &png_hash[..63]] {
        let err = artifact(&core, ArtifactInput { hash: bad.to_string() }).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Input, "{bad:?}: {err}");
        assert!(err.to_string().contains("64 lowercase hex digits"), "{err}");
    }
    core.shutdown().await.unwrap();
}
