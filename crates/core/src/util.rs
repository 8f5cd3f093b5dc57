//! Small shared helpers: ids, clocks, the OS user, time formatting.

/// A new UUIDv7 id as a lowercase hyphenated string (sortable by creation time).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Milliseconds since the Unix epoch, UTC.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The OS user running this process, for audit records: `USER`/`USERNAME`/`LOGNAME`, else (on Unix) the passwd
/// entry of the process's uid, else `uid:N`, else `unknown`.
pub fn os_user() -> String {
    if let Some(name) =
        ["USER", "USERNAME", "LOGNAME"].iter().find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    {
        return name;
    }
    unix_user().unwrap_or_else(|| "unknown".to_string())
}

#[cfg(unix)]
fn unix_user() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = passwd.lines().find_map(|line| {
        let mut parts = line.split(':');
        let name = parts.next()?;
        let id = parts.nth(1)?;
        (id.parse::<u32>().ok()? == uid).then(|| name.to_string())
    });
    Some(name.unwrap_or_else(|| format!("uid:{uid}")))
}

#[cfg(not(unix))]
fn unix_user() -> Option<String> {
    None
}

/// This machine's host name, best effort (for telling which process owns a run).
pub fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_default()
}

/// `2026-11-26 05:55:53` (UTC) for a millisecond timestamp; `-` when absent.
pub fn fmt_ms(ms: Option<i64>) -> String {
    match ms.and_then(chrono::DateTime::from_timestamp_millis) {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => "-".to_string(),
    }
}

/// A duration in milliseconds as `1h02m`, `3m05s`, `4.21s` or `350ms`.
pub fn fmt_duration_ms(ms: i64) -> String {
    if ms < 1_000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.2}s", ms as f64 / 1000.0)
    } else if ms < 3_600_000 {
        format!("{}m{:02}s", ms / 60_000, (ms % 60_000) / 1000)
    } else {
        format!("{}h{:02}m", ms / 3_600_000, (ms % 3_600_000) / 60_000)
    }
}

/// Query parameters whose values are credentials (compared case-insensitively, `-` and `_` alike).
const SECRET_PARAMS: [&str; 14] = [
    "token",
    "key",
    "api_key",
    "apikey",
    "access_token",
    "refresh_token",
    "auth",
    "sig",
    "signature",
    "password",
    "secret",
    "client_secret",
    "x_api_key",
    "code",
];

/// `url` as it may be shown: a userinfo password (or a lone username, usually a token) and the values of
/// credential query parameters (`token`, `key`, `api_key`, `access_token`, `sig`, …) become `***`. Works for URLs
/// without a scheme too (`user:pass@proxy:8080`). The one masking function for every URL the product prints, stores
/// in a report or logs.
pub fn mask_url(url: &str) -> String {
    let (parse_text, prefix) = if url.contains("://") { (url.to_string(), "") } else { (format!("x://{url}"), "x://") };
    let Ok(mut parsed) = url::Url::parse(&parse_text) else { return mask_unparsed(url) };
    let mut changed = false;
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
        changed = true;
    } else if !parsed.username().is_empty() {
        let _ = parsed.set_username("***");
        changed = true;
    }
    if parsed.query().is_some() {
        let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        if pairs.iter().any(|(k, _)| secret_param(k)) {
            let masked: Vec<String> = pairs
                .iter()
                .map(|(k, v)| {
                    let v = if secret_param(k) { "***".to_string() } else { v.clone() };
                    format!("{}={}", enc(k), if v == "***" { v } else { enc(&v) })
                })
                .collect();
            parsed.set_query(Some(&masked.join("&")));
            changed = true;
        }
    }
    if !changed {
        return url.to_string();
    }
    let out = parsed.to_string().replace("%2A%2A%2A", "***");
    out.strip_prefix(prefix).unwrap_or(&out).to_string()
}

fn secret_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    SECRET_PARAMS.contains(&n.as_str()) || n.ends_with("_token") || n.ends_with("_key") || n.ends_with("_secret")
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A string that does not parse as a URL: everything between `://` (or the start) and an `@` is masked.
fn mask_unparsed(text: &str) -> String {
    match text.rfind('@') {
        Some(at) => {
            let start = text.find("://").map(|i| i + 3).unwrap_or(0).min(at);
            format!("{}***{}", &text[..start], &text[at..])
        }
        None => text.to_string(),
    }
}

/// `text` with every URL in it (a word containing `://`) passed through [`mask_url`]: for error messages and logs.
pub fn mask_urls_in(text: &str) -> String {
    if !text.contains("://") && !text.contains('@') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let core = word.trim_matches(|c: char| "\"'()<>,;".contains(c)).trim_end_matches(['.', ':']);
        if core.contains("://") {
            out.push_str(&word.replacen(core, &mask_url(core), 1));
        } else {
            out.push_str(word);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_time_ordered() {
        let a = new_id();
        let b = new_id();
        assert_ne!(a, b);
        assert!(a < b, "UUIDv7 strings sort by creation time: {a} !< {b}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn os_user_fallback_agrees_with_id_un() {
        let out = std::process::Command::new("id").arg("-un").output().unwrap();
        let expected = String::from_utf8(out.stdout).unwrap().trim().to_string();
        assert_eq!(unix_user().unwrap(), expected);
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(fmt_duration_ms(350), "350ms");
        assert_eq!(fmt_duration_ms(4_210), "4.21s");
        assert_eq!(fmt_duration_ms(185_000), "3m05s");
        assert_eq!(fmt_duration_ms(3_720_000), "1h02m");
    }

    #[test]
    fn credentials_in_urls_are_masked() {
        let c = "CANARY42";
        for (url, want) in [
            (
                format!("ws://127.0.0.1:9222/devtools/browser/x?token={c}"),
                "ws://127.0.0.1:9222/devtools/browser/x?token=***",
            ),
            (format!("http://user:{c}@proxy.test:8080"), "http://user:***@proxy.test:8080/"),
            (format!("user:{c}@proxy.test:8080"), "user:***@proxy.test:8080"),
            (format!("https://h.test/v1?api-version=2&api_key={c}"), "https://h.test/v1?api-version=2&api_key=***"),
            (format!("https://{c}@h.test/v1"), "https://***@h.test/v1"),
            (format!("https://h.test/v1?Access_Token={c}&sig={c}"), "https://h.test/v1?Access_Token=***&sig=***"),
        ] {
            assert_eq!(mask_url(&url), want, "{url}");
        }
        assert_eq!(mask_url("https://api.openai.com/v1"), "https://api.openai.com/v1", "clean URLs are untouched");
        assert_eq!(mask_url("ws://a/b?page=2"), "ws://a/b?page=2");
        let text = format!("could not connect to ws://h:1/x?token={c}: refused");
        assert_eq!(mask_urls_in(&text), "could not connect to ws://h:1/x?token=***: refused");
    }
}
