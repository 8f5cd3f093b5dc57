//! Input checks shared by every way of logging to the tracker (Rust API, CLI, batch files): keys, metric values,
//! `KEY=VALUE` pairs, names, values and timestamps against the limits of `crate::limits`, and the "is the process
//! that started this run still alive" check.

use super::{Run, RunStatus, TrackerError};
use crate::limits;

/// Longest key accepted for params, tags and metrics (MLflow's limit).
pub const MAX_KEY_LEN: usize = limits::MAX_KEY_CHARS;

/// Why `key` is not acceptable as a key, or `None` when it is.
pub fn key_problem(key: &str) -> Option<String> {
    if key.trim().is_empty() {
        Some("expected a non-empty key".to_string())
    } else {
        limits::name_problem(key, MAX_KEY_LEN)
    }
}

/// Check a name (what: "experiment name", "run name").
pub fn name(what: &str, name: &str) -> Result<(), TrackerError> {
    match limits::name_problem(name, limits::MAX_NAME_CHARS) {
        Some(problem) => Err(TrackerError::Invalid(format!("{what} {:?}: {problem}", clip(name)))),
        None => Ok(()),
    }
}

/// Check a param value against MLflow's limit.
pub fn param_value(key: &str, value: &str) -> Result<(), TrackerError> {
    text(&format!("param {:?} value", clip(key)), value, limits::MAX_PARAM_VALUE_CHARS)
}

/// Check a tag value against MLflow's limit.
pub fn tag_value(key: &str, value: &str) -> Result<(), TrackerError> {
    text(&format!("tag {:?} value", clip(key)), value, limits::MAX_TAG_VALUE_CHARS)
}

/// Check a params map (keys and values).
pub fn params<'a>(params: impl IntoIterator<Item = (&'a String, &'a String)>) -> Result<(), TrackerError> {
    for (k, v) in params {
        key("param", k)?;
        param_value(k, v)?;
    }
    Ok(())
}

/// Check a tags map (keys and values).
pub fn tags<'a>(tags: impl IntoIterator<Item = (&'a String, &'a String)>) -> Result<(), TrackerError> {
    for (k, v) in tags {
        key("tag", k)?;
        tag_value(k, v)?;
    }
    Ok(())
}

/// Check free text of at most `max` characters; `what` names the field.
pub fn text(what: &str, value: &str, max: usize) -> Result<(), TrackerError> {
    match limits::text_problem(value, max) {
        Some(problem) => Err(TrackerError::Invalid(format!("{what}: {problem}"))),
        None => Ok(()),
    }
}

/// Check a metric point's timestamp; the message (naming the key) is built only when the check fails, since this runs
/// for every logged point.
pub fn metric_timestamp(key: &str, ms: i64) -> Result<(), TrackerError> {
    match limits::timestamp_problem(ms) {
        Some(problem) => Err(TrackerError::Invalid(format!("metric {:?} timestamp: {problem}", clip(key)))),
        None => Ok(()),
    }
}

/// A value shortened for an error message (an error about a 1 MB value does not repeat it).
pub fn clip(s: &str) -> String {
    const SHOWN: usize = 60;
    match s.char_indices().nth(SHOWN) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// Check a key of the given kind ("metric", "param", "tag").
pub fn key(kind: &str, key: &str) -> Result<(), TrackerError> {
    match key_problem(key) {
        Some(problem) => Err(TrackerError::Invalid(format!("{kind} key {:?}: {problem}", clip(key)))),
        None => Ok(()),
    }
}

/// Check a metric's key and value (finite).
pub fn metric(name: &str, value: f64) -> Result<(), TrackerError> {
    key("metric", name)?;
    if value.is_finite() {
        Ok(())
    } else {
        Err(TrackerError::Invalid(format!("metric {name:?}: expected a finite number, got {}", show_float(value))))
    }
}

/// `NaN`, `Infinity` or `-Infinity` as JSON users write them; plain numbers otherwise.
pub fn show_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity".to_string() } else { "-Infinity".to_string() }
    } else {
        v.to_string()
    }
}

/// Split `KEY=VALUE` (the first `=` separates); `flag` names the option in the error.
pub fn key_value(flag: &str, raw: &str) -> Result<(String, String), TrackerError> {
    match raw.split_once('=') {
        Some((k, v)) if key_problem(k).is_none() => Ok((k.to_string(), v.to_string())),
        Some((k, _)) if !k.trim().is_empty() => {
            Err(TrackerError::Invalid(format!("{flag} {:?}: key: {}", clip(raw), key_problem(k).unwrap_or_default())))
        }
        _ => Err(TrackerError::Invalid(format!("{flag} {:?}: expected KEY=VALUE with a non-empty KEY", clip(raw)))),
    }
}

/// True when `run` claims to be running, was started on this host, and its process no longer exists (Linux only:
/// `/proc/<pid>` is missing). Such a run will never end by itself; the user should end it as `killed`.
pub fn process_gone(run: &Run) -> bool {
    if run.status != RunStatus::Running || !cfg!(target_os = "linux") {
        return false;
    }
    match run.pid {
        Some(pid) if pid > 0 && run.host == crate::util::host_name() => {
            !std::path::Path::new(&format!("/proc/{pid}")).exists()
        }
        _ => false,
    }
}

/// How a run's status should be shown to a person: `running (process gone)` for an orphaned run.
pub fn status_label(run: &Run) -> String {
    if process_gone(run) { "running (process gone)".to_string() } else { run.status.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pid: Option<i64>, host: String) -> Run {
        Run {
            id: "r".into(),
            experiment_id: "e".into(),
            name: String::new(),
            status: RunStatus::Running,
            model_version_id: None,
            start_ms: 0,
            end_ms: None,
            error: None,
            pid,
            host,
        }
    }

    #[test]
    fn keys_must_be_non_empty_and_short() {
        assert!(key("param", "lr").is_ok());
        assert!(key("param", " ").unwrap_err().to_string().contains("non-empty"));
        let long = "k".repeat(MAX_KEY_LEN + 1);
        assert!(key("tag", &long).unwrap_err().to_string().contains("at most 250 characters, got 251"));
        assert!(key("metric", "lo\u{1b}ss").unwrap_err().to_string().contains("U+001B"));
        assert!(key("tag", &"k".repeat(MAX_KEY_LEN)).is_ok());
    }

    #[test]
    fn non_finite_metrics_are_named() {
        assert!(metric("loss", 0.5).is_ok());
        assert!(metric("loss", f64::NAN).unwrap_err().to_string().contains("got NaN"));
        assert!(metric("loss", f64::NEG_INFINITY).unwrap_err().to_string().contains("got -Infinity"));
    }

    #[test]
    fn key_value_splits_on_first_equals() {
        assert_eq!(key_value("--tag", "a=b=c").unwrap(), ("a".to_string(), "b=c".to_string()));
        assert!(key_value("--tag", "novalue").unwrap_err().to_string().contains("--tag"));
        assert!(key_value("--tag", "=v").is_err());
    }

    #[test]
    fn a_dead_local_process_is_detected() {
        let here = crate::util::host_name();
        let me = run(Some(std::process::id() as i64), here.clone());
        assert!(!process_gone(&me));
        // pid_max on Linux is at most 2^22, so this pid cannot exist.
        let dead = run(Some(4_194_304 + 17), here);
        assert_eq!(process_gone(&dead), cfg!(target_os = "linux"));
        assert_eq!(status_label(&dead) == "running (process gone)", cfg!(target_os = "linux"));
        let elsewhere = run(Some(4_194_304 + 17), "some-other-host.invalid".into());
        assert!(!process_gone(&elsewhere));
    }
}
