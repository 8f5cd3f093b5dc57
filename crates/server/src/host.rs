//! The `Host` allow-list, against DNS rebinding: a web page whose name is re-pointed at 127.0.0.1 reaches the
//! server from the visitor's browser with its own name in `Host`, so every request whose `Host` (port ignored) is not
//! a name the server answers to is refused with 421 before any route runs.
//!
//! Bound to a loopback address the server answers to `localhost`, any `127.x.y.z` and `[::1]`. Bound to another
//! address it answers to that address; bound to an unspecified address (`0.0.0.0`, `[::]`) to any IP address literal
//! and `localhost` (a rebound page always sends a name, never an address). `--public-host NAME` adds the names a
//! reverse proxy or DNS gives the server, in either case.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::{ApiError, ApiErrorKind};

/// Which `Host` values the server answers to.
#[derive(Debug, Clone)]
pub struct HostPolicy {
    bind: IpAddr,
    /// Lowercase names from `--public-host`, without a port.
    public: Vec<String>,
}

/// A `--public-host` value that is not a host name or address.
#[derive(Debug, thiserror::Error)]
#[error("--public-host {0:?}: expected a host name like mlops.example.com (no scheme, path or port)")]
pub struct BadPublicHost(pub String);

impl HostPolicy {
    pub fn new(bind: SocketAddr, public_hosts: &[String]) -> Result<HostPolicy, BadPublicHost> {
        let mut public = Vec::new();
        for name in public_hosts {
            let valid = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
                && url::Host::parse(name).is_ok()
                && (!name.contains(':') || name.starts_with('['));
            if !valid {
                return Err(BadPublicHost(name.clone()));
            }
            public.push(name.to_ascii_lowercase());
        }
        Ok(HostPolicy { bind: bind.ip(), public })
    }

    /// Whether a request carrying this `Host` header value is for this server.
    pub fn allows(&self, host: &str) -> bool {
        let name = strip_port(host).to_ascii_lowercase();
        if name.is_empty() {
            return false;
        }
        if self.public.contains(&name) {
            return true;
        }
        let ip = name.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok();
        let localhost = name == "localhost" || name == "localhost.";
        if self.bind.is_loopback() {
            localhost || ip.is_some_and(|ip| ip.is_loopback())
        } else if self.bind.is_unspecified() {
            localhost || ip.is_some()
        } else {
            ip == Some(self.bind)
        }
    }
}

/// `name:port` → `name`; `[v6]:port` → `[v6]`; a bare IPv6 address (no brackets) is left whole.
fn strip_port(host: &str) -> &str {
    let host = host.trim();
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// Middleware: refuse requests for any other host with 421 (the edge error shape, kind `BadRequest`).
pub(crate) async fn check(State(policy): State<std::sync::Arc<HostPolicy>>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_string()));
    match host {
        Some(host) if policy.allows(&host) => next.run(request).await,
        Some(host) => ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            ApiErrorKind::BadRequest,
            format!(
                "this server does not answer to the host {:?}; to reach it under that name start it with --public-host {}",
                host.chars().take(100).collect::<String>(),
                strip_port(&host).chars().take(100).collect::<String>()
            ),
        )
        .into_response(),
        None => ApiError::new(StatusCode::MISDIRECTED_REQUEST, ApiErrorKind::BadRequest, "the request has no Host header")
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(bind: &str, public: &[&str]) -> HostPolicy {
        let public: Vec<String> = public.iter().map(|s| s.to_string()).collect();
        HostPolicy::new(bind.parse().unwrap(), &public).unwrap()
    }

    #[test]
    fn a_loopback_server_answers_to_loopback_names_only() {
        let p = policy("127.0.0.1:8080", &[]);
        for ok in [
            "localhost",
            "localhost:8080",
            "LOCALHOST",
            "127.0.0.1",
            "127.0.0.1:8080",
            "127.1.2.3:1",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(p.allows(ok), "{ok}");
        }
        for refused in [
            "attacker.example",
            "attacker.example:8080",
            "localhost.attacker.example",
            "10.0.0.1",
            "",
            "127.0.0.1.nip.io",
        ] {
            assert!(!p.allows(refused), "{refused}");
        }
        let p = policy("127.0.0.1:8080", &["mlops.example.com"]);
        assert!(p.allows("mlops.example.com:443") && p.allows("MLOps.Example.com"));
    }

    #[test]
    fn other_binds_answer_to_their_address_and_public_names() {
        let p = policy("192.168.1.5:8080", &["mlops.internal"]);
        assert!(p.allows("192.168.1.5:8080") && p.allows("mlops.internal"));
        assert!(!p.allows("192.168.1.6") && !p.allows("localhost") && !p.allows("evil.example"));
        let any = policy("0.0.0.0:8080", &[]);
        assert!(any.allows("10.1.2.3:8080") && any.allows("localhost") && any.allows("[fe80::1]:80"));
        assert!(!any.allows("evil.example"));
    }

    #[test]
    fn public_hosts_must_be_bare_names() {
        for bad in ["https://x.example", "x.example/path", "x.example:443", "", "a b"] {
            assert!(HostPolicy::new("127.0.0.1:1".parse().unwrap(), &[bad.to_string()]).is_err(), "{bad}");
        }
        assert!(HostPolicy::new("127.0.0.1:1".parse().unwrap(), &["[::1]".to_string()]).is_ok());
    }
}
