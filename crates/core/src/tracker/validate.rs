//! Input checks shared by every way of logging to the tracker (Rust API, CLI, batch files): keys, metric values,
//! `KEY=VALUE` pairs, and the "is the process that started this run still alive" check.

use super::{Run, RunStatus, TrackerError};

/// Longest key accepted for params, tags and metrics (MLflow's limit).
pub const MAX_KEY_LEN: usize = 250;

/// Why `key` is not acceptable as a key, or `None` when it is.
pub fn key_problem(key: &str) -> Option<String> {
    if key.trim().is_empty() {
        Some("expected a non-empty key".to_string())
    } else if key.chars().count() > MAX_KEY_LEN {
        Some(format!("expected a key of at most {MAX_KEY_LEN} characters, got {}", key.chars().count()))
    } else {
        None
    }
}

/// Check a key of the given kind ("metric", "param", "tag").
pub fn key(kind: &str, key: &str) -> Result<(), TrackerError> {
    match key_problem(key) {
        Some(problem) => Err(TrackerError::Invalid(format!("{kind} key {key:?}: {problem}"))),
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
        _ => Err(TrackerError::Invalid(format!("{flag} {raw:?}: expected KEY=VALUE with a non-empty KEY"))),
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
        assert!(key("tag", &long).unwrap_err().to_string().contains("at most 250"));
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
