//! Users' tokens on a running `serve`: a viewer's token reads and gets 403 on every kind of write (nothing written),
//! an editor's token writes, a revoked or unknown token gets 401, and the server's own token keeps working.

use super::{Server, TOKEN, error_message, post};
use crate::util::Home;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewer_tokens_read_editor_tokens_write_and_revoked_tokens_stop() {
    let home = Home::new();
    home.ok(&["server", "user", "add", "ana", "--role", "viewer"]);
    home.ok(&["server", "user", "add", "bo", "--role", "editor"]);
    let err = home.fails(&["server", "user", "add", "cy", "--role", "owner"], 2);
    assert!(err.contains("viewer, editor or admin"), "{err}");
    let viewer = home.json(&["server", "token", "create", "ana", "--label", "laptop"]);
    let editor = home.json(&["server", "token", "create", "bo"]);
    let (vt, et) = (viewer["token"].as_str().unwrap(), editor["token"].as_str().unwrap());
    let listed = home.ok(&["server", "token", "list", "--json"]);
    assert!(!listed.contains(&vt[4..]) && !listed.contains(&et[4..]), "token text listed: {listed}");

    let server = Server::start(&home, &["--token", TOKEN]);
    let (status, body) = post(&server, "/api/v1/experiments/list", Some(vt), "{}").await;
    assert_eq!(status, 200, "{body}");
    for (path, body) in [
        ("/api/v1/experiments/create", r#"{"name":"from-viewer"}"#),
        ("/api/v1/models/register", r#"{"name":"m","provider":"baseline","model_id":"label-matcher"}"#),
        ("/api/v1/config/set", r#"{"key":"llm.temperature","value":"0.5"}"#),
    ] {
        let (status, reply) = post(&server, path, Some(vt), body).await;
        assert_eq!(status, 403, "{path}: {reply}");
        assert!(error_message(&reply, "Forbidden").contains("ana"), "{reply}");
    }
    let (_, listed) = post(&server, "/api/v1/experiments/list", Some(TOKEN), "{}").await;
    assert_eq!(listed.as_array().unwrap().len(), 0, "the viewer wrote something: {listed}");
    let (status, created) = post(&server, "/api/v1/experiments/create", Some(et), r#"{"name":"from-editor"}"#).await;
    assert_eq!(status, 200, "{created}");

    home.ok(&["server", "token", "revoke", viewer["info"]["id"].as_str().unwrap()]);
    let (status, body) = post(&server, "/api/v1/experiments/list", Some(vt), "{}").await;
    assert_eq!(status, 401, "{body}");
    error_message(&body, "Unauthorized");
    let (status, _) =
        post(&server, "/api/v1/experiments/list", Some("bam_0000000000000000000000000000000000"), "{}").await;
    assert_eq!(status, 401);
    let (status, _) = post(&server, "/api/v1/experiments/list", Some(TOKEN), "{}").await;
    assert_eq!(status, 200);
    let tokens = home.json(&["server", "token", "list"]);
    let states: Vec<bool> = tokens.as_array().unwrap().iter().map(|t| t["revoked_at_ms"].is_null()).collect();
    assert_eq!(states, [false, true], "{tokens}");
}
