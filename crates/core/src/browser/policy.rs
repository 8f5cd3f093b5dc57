//! Which URLs the agent may open: only http(s) (plus `about:blank`), and when `allowed_domains` is set only hosts
//! in it. `127.0.0.1` / `localhost` / IP entries match exactly; a domain entry also allows its subdomains.
//!
//! - Empty `allowed_domains` allows every http(s) host. `file:`, `chrome:`, `javascript:` and `data:` are always
//!   refused for the agent.
//! - A click or key press that lands on a disallowed page is undone with history back and reported; a tab the page
//!   opens on a disallowed page is closed. `session.goto` (the harness's start page) is not checked against the policy.

use url::Url;

/// The agent's navigation policy, built from `BrowserOptions::allowed_domains`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainPolicy {
    allowed: Vec<String>,
}

impl DomainPolicy {
    /// Entries are normalised: lower-case, no scheme, no port, no path, no leading `*.` or `.`.
    pub fn new(allowed_domains: &[String]) -> DomainPolicy {
        let allowed = allowed_domains.iter().map(|d| normalise_entry(d)).filter(|d| !d.is_empty()).collect();
        DomainPolicy { allowed }
    }

    /// `Ok(())` when the agent may open `url`, otherwise the reason for the model.
    pub fn check(&self, url: &str) -> Result<(), String> {
        let trimmed = url.trim();
        if trimmed.eq_ignore_ascii_case("about:blank") {
            return Ok(());
        }
        let parsed =
            Url::parse(trimmed).map_err(|e| format!("refused: {trimmed:?} is not a valid absolute URL ({e})"))?;
        match parsed.scheme() {
            "http" | "https" => {}
            other => {
                return Err(format!(
                    "refused: {other}: URLs are not allowed (only http and https pages may be opened)"
                ));
            }
        }
        let host = parsed.host_str().unwrap_or("").trim_matches(['[', ']']).to_ascii_lowercase();
        if host.is_empty() {
            return Err(format!("refused: {trimmed:?} has no host"));
        }
        if self.allowed.is_empty() || self.allowed.iter().any(|entry| host_matches(&host, entry)) {
            Ok(())
        } else {
            Err(format!(
                "refused: host {host} is not in allowed_domains ({}); navigation was not performed",
                self.allowed.join(", ")
            ))
        }
    }

    pub fn allowed(&self) -> &[String] {
        &self.allowed
    }
}

fn normalise_entry(entry: &str) -> String {
    let mut e = entry.trim().to_ascii_lowercase();
    if let Some(pos) = e.find("://") {
        e = e[pos + 3..].to_string();
    }
    if let Some(pos) = e.find('/') {
        e.truncate(pos);
    }
    let e = e.trim_start_matches("*.").trim_start_matches('.');
    if e.starts_with('[') {
        e.split(']').next().unwrap_or("").trim_start_matches('[').to_string()
    } else if e.matches(':').count() == 1 {
        e.split(':').next().unwrap_or("").to_string()
    } else {
        e.to_string()
    }
}

fn is_exact_only(entry: &str) -> bool {
    entry == "localhost" || entry.parse::<std::net::IpAddr>().is_ok()
}

fn host_matches(host: &str, entry: &str) -> bool {
    if host == entry {
        return true;
    }
    !is_exact_only(entry) && host.len() > entry.len() + 1 && host.ends_with(entry) && {
        let cut = host.len() - entry.len() - 1;
        host.as_bytes().get(cut) == Some(&b'.')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(d: &[&str]) -> DomainPolicy {
        DomainPolicy::new(&d.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn empty_list_allows_any_http_host() {
        let p = policy(&[]);
        assert!(p.check("https://anything.test/x").is_ok());
        assert!(p.check("http://127.0.0.1:9/").is_ok());
        assert!(p.check("about:blank").is_ok());
    }

    #[test]
    fn dangerous_schemes_are_always_refused() {
        let p = policy(&[]);
        for url in ["file:///etc/passwd", "chrome://settings", "javascript:alert(1)", "data:text/html,x"] {
            let err = p.check(url).unwrap_err();
            assert!(err.starts_with("refused"), "{url}: {err}");
        }
        assert!(p.check("not a url").unwrap_err().contains("not a valid absolute URL"));
    }

    #[test]
    fn domains_allow_subdomains_but_ips_and_localhost_are_exact() {
        let p = policy(&["example.com", "127.0.0.1", "localhost:8080"]);
        assert!(p.check("https://example.com/").is_ok());
        assert!(p.check("https://shop.example.com/a").is_ok());
        assert!(p.check("https://badexample.com/").is_err(), "suffix without a dot boundary");
        assert!(p.check("https://example.com.evil.test/").is_err());
        assert!(p.check("http://127.0.0.1:4000/x").is_ok(), "ports do not matter");
        assert!(p.check("http://localhost/").is_ok());
        assert!(p.check("http://sub.localhost/").is_err());
        assert!(p.check("http://127.0.0.2/").is_err());
        let err = p.check("https://other.test/").unwrap_err();
        assert!(err.contains("other.test") && err.contains("example.com"), "{err}");
    }

    #[test]
    fn entries_are_normalised() {
        let p = policy(&["https://Example.COM/path", "*.corp.test"]);
        assert_eq!(p.allowed(), ["example.com", "corp.test"]);
        assert!(p.check("http://a.corp.test/").is_ok());
    }
}
