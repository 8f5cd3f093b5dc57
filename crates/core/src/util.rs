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
}
