//! `serve` reviewed as an attacker on the same machine or a web page in its user's browser would: DNS rebinding
//! (a forged `Host`), files outside the suites directory, probing secrets and writing config through public reads,
//! trickling requests, too many connections, weak or visible tokens, and the headers of the served UI.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Server, TOKEN, error_message, post};
use crate::util::Home;

/// `host:port` of a server.
fn addr(server: &Server) -> String {
    server.base.trim_start_matches("http://").to_string()
}

/// Send a raw request and read the whole answer (the request asks the server to close the connection).
fn raw(server: &Server, request: &str) -> String {
    let mut conn = TcpStream::connect(addr(server)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    conn.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

fn post_with_host(server: &Server, host: &str, path: &str, body: &str) -> String {
    raw(
        server,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// The status code and JSON body of a raw HTTP answer.
fn parse(answer: &str) -> (u16, Value) {
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{answer}"));
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_rebound_host_is_refused_and_loopback_names_pass() {
    let home = Home::new();
    let server = Server::start(&home, &["--no-auth"]);
    let port = addr(&server).rsplit_once(':').unwrap().1.to_string();
    let create = r#"{"name":"rebound"}"#;
    for host in ["attacker.example", &format!("attacker.example:{port}"), "127.0.0.1.attacker.example"] {
        let (status, body) = parse(&post_with_host(&server, host, "/api/v1/experiments/create", create));
        assert_eq!(status, 421, "{host}: {body}");
        assert!(error_message(&body, "BadRequest").contains("--public-host"), "{body}");
    }
    let (status, listed) = post(&server, "/api/v1/experiments/list", None, "{}").await;
    assert_eq!((status, listed.as_array().map(Vec::len)), (200, Some(0)), "a refused request changed state: {listed}");
    for (i, host) in
        [format!("localhost:{port}"), format!("127.0.0.1:{port}"), "localhost".to_string()].iter().enumerate()
    {
        let (status, body) =
            parse(&post_with_host(&server, host, "/api/v1/experiments/create", &format!(r#"{{"name":"ok-{i}"}}"#)));
        assert_eq!(status, 200, "{host}: {body}");
    }
    drop(server);

    // A name given with --public-host is answered too (behind a reverse proxy); others still are not.
    let named = Server::start(&home, &["--no-auth", "--public-host", "mlops.example.com"]);
    let (status, body) = parse(&post_with_host(&named, "mlops.example.com", "/api/v1/experiments/list", "{}"));
    assert_eq!(status, 200, "{body}");
    let (status, _) = parse(&post_with_host(&named, "evil.example.com", "/api/v1/experiments/list", "{}"));
    assert_eq!(status, 421);
}

#[tokio::test]
async fn the_ui_and_the_api_send_security_headers() {
    let home = Home::new();
    let ui = home.path().join("ui");
    std::fs::create_dir_all(&ui).unwrap();
    std::fs::write(ui.join("index.html"), "<!doctype html><title>ui</title>").unwrap();
    let server = Server::start(&home, &["--token", TOKEN, "--ui-dir", ui.to_str().unwrap()]);
    let client = reqwest::Client::new();
    let index = client.get(server.url("/")).send().await.unwrap();
    let api = client
        .post(server.url("/api/v1/experiments/list"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let denied = client.post(server.url("/api/v1/experiments/list")).body("{}").send().await.unwrap();
    for (what, response) in [("index", &index), ("api", &api), ("401", &denied)] {
        let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_string());
        let csp = header("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP"));
        for directive in ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "connect-src 'self'"] {
            assert!(csp.contains(directive), "{what}: {csp}");
        }
        assert_eq!(header("x-frame-options").as_deref(), Some("DENY"), "{what}");
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"), "{what}");
        assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"), "{what}");
    }
    assert_eq!(index.status(), 200);
    assert_eq!(api.status(), 200);
}

#[tokio::test]
async fn suites_outside_the_suites_dir_are_refused_over_http() {
    let home = Home::new();
    let canary = home.path().join("canary.yaml");
    std::fs::write(&canary, "secret-line: canary-41c7\n").unwrap();
    let fixture = format!("{}/tests/fixtures/suites/runner-smoke.yaml", concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    std::fs::create_dir_all(home.config_dir().join("suites")).unwrap();
    std::fs::copy(fixture, home.config_dir().join("suites/runner-smoke.yaml")).unwrap();
    home.ok(&["model", "register", "smoke", "baseline", "label-matcher"]);
    let server = Server::start(&home, &["--no-auth"]);

    for suite in [canary.to_str().unwrap(), "../canary.yaml", "/etc/passwd"] {
        let (status, body) = post(&server, "/api/v1/evals/tasks", None, &json!({ "suite": suite }).to_string()).await;
        assert_eq!(status, 422, "{suite}: {body}");
        let message = error_message(&body, "Input");
        assert!(!message.contains("canary-41c7") && !message.contains("root:"), "{message}");
        assert!(message.contains("suites"), "{message}");
    }
    // A launched evaluation fails the same way, and its stored error does not hold the file either.
    let request = json!({
        "model": "smoke:1", "suite": canary.to_str().unwrap(), "filter": {}, "repeats": 1, "concurrency": 1,
        "resume": null, "miniwob_dir": null, "headful": false,
    });
    let (status, launched) = post(&server, "/api/v1/evals/launch", None, &request.to_string()).await;
    assert_eq!(status, 200, "{launched}");
    let mut job = Value::Null;
    for _ in 0..200 {
        let (_, jobs) = post(&server, "/api/v1/evals/jobs", None, "{}").await;
        job = jobs.as_array().unwrap()[0].clone();
        if job["state"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(job["state"], "failed", "{job}");
    assert!(!job.to_string().contains("canary-41c7"), "{job}");
    // Nor can a caller point the runner at a directory of the server's machine.
    let mut request = request;
    request["suite"] = json!("runner-smoke");
    request["miniwob_dir"] = json!(home.path().to_str().unwrap());
    let (status, body) = post(&server, "/api/v1/evals/launch", None, &request.to_string()).await;
    assert_eq!(status, 422, "{body}");
    assert!(error_message(&body, "Input").contains("miniwob_dir"), "{body}");

    // Built-in names and files in the suites directory work.
    for suite in ["builtin", "runner-smoke", "runner-smoke.yaml"] {
        let (status, body) = post(&server, "/api/v1/evals/tasks", None, &json!({ "suite": suite }).to_string()).await;
        assert_eq!(status, 200, "{suite}: {body}");
    }
    // The command line still reads any path its user names, without quoting the file in the error.
    let err = home.fails(&["eval", "list-tasks", "--suite", canary.to_str().unwrap()], 2);
    assert!(err.contains("canary.yaml") && !err.contains("canary-41c7"), "{err}");
}

#[tokio::test]
async fn public_reads_neither_probe_secrets_nor_write_config() {
    let home = Home::new();
    let mut cmd = home.cmd(&["serve", "--bind", "127.0.0.1:0", "--token", TOKEN, "--public-read"]);
    cmd.env("BAM_PROBE_CANARY", "canary-value-93b1");
    let server = Server::spawn(cmd);

    let probe = json!({ "names": ["env:BAM_PROBE_CANARY", "keychain:some-entry"] }).to_string();
    let (status, body) = post(&server, "/api/v1/secrets/status", None, &probe).await;
    assert_eq!(status, 200, "{body}");
    for reference in body["references"].as_array().unwrap() {
        assert_eq!(reference["state"], "invalid", "an unused reference was looked up: {body}");
    }
    assert!(!body.to_string().contains("canary-value-93b1"));
    let (status, body) = post(&server, "/api/v1/secrets/status", None, "{}").await;
    assert_eq!(status, 200, "the configured references are still reported: {body}");

    for op in ["config/list_envs", "config/load", "config/show", "config/validate"] {
        let (status, body) = post(&server, &format!("/api/v1/{op}"), None, "{}").await;
        assert_eq!(status, 200, "{op}: {body}");
    }
    let written = std::fs::read_dir(home.config_dir()).map(|d| d.count()).unwrap_or(0);
    assert_eq!(written, 0, "a read wrote into the config directory");
}

/// Write `bytes` one at a time, 50 ms apart, until the server closes the connection; returns what it answered.
fn trickle_until_closed(conn: &mut TcpStream, bytes: &[u8]) -> String {
    conn.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let mut answer = Vec::new();
    for &b in bytes.iter().cycle().take(1200) {
        if conn.write_all(&[b]).is_err() {
            return String::from_utf8_lossy(&answer).into_owned();
        }
        let mut buf = [0u8; 1024];
        match conn.read(&mut buf) {
            Ok(0) => return String::from_utf8_lossy(&answer).into_owned(),
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return String::from_utf8_lossy(&answer).into_owned(),
        }
    }
    panic!("the server kept a trickling connection open; it answered {:?}", String::from_utf8_lossy(&answer));
}

#[test]
fn trickling_clients_are_cut_off_after_the_configured_timeouts() {
    let home = Home::new();
    let server = Server::start(&home, &["--no-auth", "--header-timeout", "1", "--request-timeout", "1"]);
    let host = addr(&server);

    // Headers that never end.
    let mut conn = TcpStream::connect(&host).unwrap();
    conn.write_all(format!("POST /api/v1/experiments/list HTTP/1.1\r\nHost: {host}\r\n").as_bytes()).unwrap();
    let answer = trickle_until_closed(&mut conn, b"X-Slow: 1\r\n");
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");

    // A body that never completes: 408, then the connection is closed.
    let mut conn = TcpStream::connect(&host).unwrap();
    let head = format!(
        "POST /api/v1/experiments/create HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: 100000\r\n\r\n"
    );
    conn.write_all(head.as_bytes()).unwrap();
    let answer = trickle_until_closed(&mut conn, b" ");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("--request-timeout"), "{answer}");

    // An idle kept-alive connection is closed too.
    let mut idle = TcpStream::connect(&host).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut rest = Vec::new();
    assert!(idle.read_to_end(&mut rest).is_ok(), "the idle connection was not closed");
}

#[tokio::test]
async fn connections_beyond_the_limit_are_answered_503() {
    let home = Home::new();
    let server = Server::start(&home, &["--no-auth", "--max-connections", "1"]);
    let host = addr(&server);
    // One connection holds the only slot with a request in progress.
    let mut holder = TcpStream::connect(&host).unwrap();
    holder.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n").as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let answer = raw(&server, &format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
    let (status, body) = parse(&answer);
    assert_eq!(status, 503, "{answer}");
    assert!(error_message(&body, "Unavailable").contains("--max-connections"), "{body}");

    // Once the holder is gone, the slot is free again.
    drop(holder);
    let mut served = 0;
    for _ in 0..100 {
        let answer = raw(&server, &format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));
        served = parse(&answer).0;
        if served == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(served, 200);
}

#[tokio::test]
async fn the_token_comes_from_a_file_or_the_environment_and_weak_ones_are_refused() {
    let home = Home::new();
    let file = home.path().join("token");
    std::fs::write(&file, format!("{TOKEN}\n")).unwrap();
    let server = Server::start(&home, &["--token-file", file.to_str().unwrap()]);
    let (status, _) = post(&server, "/api/v1/experiments/list", None, "{}").await;
    assert_eq!(status, 401);
    let (status, body) = post(&server, "/api/v1/experiments/list", Some(TOKEN), "{}").await;
    assert_eq!(status, 200, "{body}");
    drop(server);

    for weak in ["a".repeat(40), "0123456789abcdef".repeat(2), "short-token".to_string()] {
        let err = home.fails(&["serve", "--bind", "127.0.0.1:0", "--token", &weak], 2);
        assert!(err.contains("too weak") && err.contains("openssl rand -hex 32"), "{err}");
        assert!(err.contains("process list"), "--token is not warned about: {err}");
        let mut cmd = home.cmd(&["serve", "--bind", "127.0.0.1:0"]);
        let out = cmd.env("BROWSER_AI_MLOPS_TOKEN", &weak).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{weak}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("too weak") && !err.contains("process list"), "{err}");
    }
    let empty = home.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let err = home.fails(&["serve", "--bind", "127.0.0.1:0", "--token-file", empty.to_str().unwrap()], 2);
    assert!(err.contains("--token-file"), "{err}");
}

#[tokio::test]
async fn keys_that_route_api_keys_cannot_be_set_over_the_server() {
    let home = Home::new();
    let server = Server::start(&home, &["--no-auth"]);
    for key in ["llm.base_url", "llm.key_hosts", "llm.api_key"] {
        let body = json!({ "env": "development", "key": key, "value": "https://collector.example/v1" }).to_string();
        let (status, answer) = post(&server, "/api/v1/config/set", None, &body).await;
        assert_eq!(status, 422, "{key}: {answer}");
        assert!(error_message(&answer, "Input").contains("only be set at this machine"), "{answer}");
    }
    let (status, shown) = post(&server, "/api/v1/config/show", None, r#"{"env":"development"}"#).await;
    assert_eq!(status, 200, "{shown}");
    assert!(!shown.to_string().contains("collector.example"), "a refused set changed the config: {shown}");
    // Other keys are still the server's to set.
    let body = json!({ "env": "development", "key": "llm.temperature", "value": "0.4" }).to_string();
    let (status, answer) = post(&server, "/api/v1/config/set", None, &body).await;
    assert_eq!(status, 200, "{answer}");
}
