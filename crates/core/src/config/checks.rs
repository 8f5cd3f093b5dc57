//! Semantic checks on a typed config: ranges, formats, exclusive options, A/B traffic splits, secret reference
//! syntax, and the warnings that depend on the environment (production logging, headful browsers, replicas).

use std::collections::{BTreeMap, HashSet};

use super::types::{
    AbTestConfig, AgentConfig, BrowserConfig, DeploymentConfig, LlmConfig, LogLevel, MonitoringConfig, Provider,
    SyncConfig,
};
use super::validate::Severity;
use crate::limits;
use crate::secrets::SecretRef;

/// One finding before it is given a position.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub severity: Severity,
    pub path: String,
    pub message: String,
}

const TRAFFIC_TOLERANCE: f64 = 1e-9;

/// What is wrong with a secret reference, without ever repeating it; `None` when it is well formed.
pub fn reference_problem(reference: &str) -> Option<String> {
    SecretRef::parse(reference).err().map(|e| e.to_string())
}

/// The sections that deserialised; checks run on each one present, so one broken section hides nothing else.
#[derive(Debug, Clone, Default)]
pub struct Sections {
    pub llm: Option<LlmConfig>,
    pub agent: Option<AgentConfig>,
    pub browser: Option<BrowserConfig>,
    pub monitoring: Option<MonitoringConfig>,
    pub deployment: Option<DeploymentConfig>,
    pub sync: Option<SyncConfig>,
    pub feature_flags: Option<BTreeMap<String, bool>>,
    pub ab_tests: Option<Vec<AbTestConfig>>,
}

/// Every problem in the given sections for the environment named `env`.
pub fn check(s: &Sections, env: &str) -> Vec<Finding> {
    let mut out = Checks(Vec::new());
    if let Some(l) = &s.llm {
        llm(l, &mut out);
    }
    if let Some(a) = &s.agent {
        agent(a, &mut out);
    }
    if let Some(b) = &s.browser {
        browser(b, &mut out);
    }
    if let Some(m) = &s.monitoring {
        monitoring(m, &mut out);
    }
    if let Some(d) = &s.deployment {
        deployment(d, &mut out);
    }
    if let Some(sync) = &s.sync
        && sync.interval_secs < 5
    {
        out.error("sync.interval_secs", format!("must be at least 5 (seconds), got {}", sync.interval_secs));
    }
    if let Some(f) = &s.feature_flags {
        flags(f, &mut out);
    }
    if let Some(t) = &s.ab_tests {
        ab_tests(t, &mut out);
    }
    if env == "production" {
        production(s, &mut out);
    }
    out.0
}

struct Checks(Vec<Finding>);

impl Checks {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.0.push(Finding { severity: Severity::Error, path: path.into(), message: message.into() });
    }

    fn warn(&mut self, path: &str, message: impl Into<String>) {
        self.0.push(Finding { severity: Severity::Warning, path: path.into(), message: message.into() });
    }

    /// A name (or model id): no control characters, at most `max` characters. Emptiness is checked by the caller.
    fn name(&mut self, path: &str, value: &str, max: usize) {
        if let Some(problem) = limits::name_problem(value, max).filter(|_| !value.trim().is_empty()) {
            self.error(path, problem);
        }
    }

    fn range(&mut self, path: &str, value: f64, lo: f64, hi: f64) {
        if !(value.is_finite() && value >= lo && value <= hi) {
            self.error(path, format!("must be between {} and {}, got {}", fmt_num(lo), fmt_num(hi), fmt_num(value)));
        }
    }

    fn at_least(&mut self, path: &str, value: u32, lo: u32) {
        if value < lo {
            self.error(path, format!("must be at least {lo}, got {value}"));
        }
    }

    fn url(&mut self, path: &str, value: &str, schemes: &[&str]) {
        let ok = schemes.iter().any(|s| value.strip_prefix(s).is_some_and(|rest| !rest.trim().is_empty()));
        if !ok || value.chars().any(char::is_whitespace) {
            self.error(path, format!("must be a URL starting with {}", schemes.join(" or ")));
        }
    }
}

/// A number without float noise: up to 9 decimals, trailing zeros dropped.
pub fn fmt_num(v: f64) -> String {
    let s = format!("{v:.9}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if s == "-0" { "0".into() } else { s }
}

fn llm(l: &LlmConfig, out: &mut Checks) {
    if l.model.trim().is_empty() {
        out.error("llm.model", "must not be empty");
    }
    out.name("llm.model", &l.model, limits::MAX_MODEL_ID_CHARS);
    out.range("llm.temperature", l.temperature, 0.0, 2.0);
    out.at_least("llm.max_tokens", l.max_tokens, 1);
    out.at_least("llm.timeout_secs", l.timeout_secs, 1);
    if l.max_retries > 10 {
        out.error("llm.max_retries", format!("must be at most 10, got {}", l.max_retries));
    }
    match &l.api_key {
        Some(reference) => match reference_problem(reference) {
            Some(problem) => out.error("llm.api_key", problem),
            None => {
                if let Ok(SecretRef::Env(var)) = SecretRef::parse(reference)
                    && std::env::var_os(&var).is_none_or(|v| v.is_empty())
                {
                    out.warn("llm.api_key", format!("environment variable {var} is not set"));
                }
            }
        },
        None if l.provider.needs_api_key() => out.error(
            "llm.api_key",
            format!("provider {} needs an api_key reference (env:NAME or keychain:NAME)", l.provider.as_str()),
        ),
        None => {}
    }
    match &l.base_url {
        Some(url) => out.url("llm.base_url", url, &["http://", "https://"]),
        None if l.provider == Provider::OpenaiCompatible => {
            out.error("llm.base_url", "provider openai-compatible needs a base_url")
        }
        None => {}
    }
}

fn agent(a: &AgentConfig, out: &mut Checks) {
    out.at_least("agent.max_steps", a.max_steps, 1);
    out.at_least("agent.max_failures", a.max_failures, 1);
    out.at_least("agent.max_actions_per_step", a.max_actions_per_step, 1);
    if a.max_failures > a.max_steps && a.max_steps > 0 {
        out.warn("agent.max_failures", "is larger than agent.max_steps, so it never stops a task");
    }
}

fn browser(b: &BrowserConfig, out: &mut Checks) {
    for (path, v) in [("browser.window_width", b.window_width), ("browser.window_height", b.window_height)] {
        if !(100..=16384).contains(&v) {
            out.error(path, format!("must be between 100 and 16384 pixels, got {v}"));
        }
    }
    out.at_least("browser.timeout_secs", b.timeout_secs, 1);
    if b.user_agent.as_deref().is_some_and(|u| u.trim().is_empty()) {
        out.error("browser.user_agent", "must not be empty (use null for the browser's own)");
    }
    if let Some(proxy) = &b.proxy {
        out.url("browser.proxy", proxy, &["http://", "https://", "socks5://", "socks4://"]);
    }
    if let Some(cdp) = &b.cdp_url {
        out.url("browser.cdp_url", cdp, &["ws://", "wss://", "http://", "https://"]);
    }
    if b.executable_path.as_deref().is_some_and(|p| p.trim().is_empty()) {
        out.error("browser.executable_path", "must not be empty (use null to search CHROME and PATH)");
    }
    if b.executable_path.is_some() && b.cdp_url.is_some() {
        out.error("browser.cdp_url", "set either browser.executable_path or browser.cdp_url, not both");
    }
    let mut seen = HashSet::new();
    for (i, d) in b.allowed_domains.iter().enumerate() {
        let path = format!("browser.allowed_domains.{i}");
        if d.is_empty() || d.contains("://") || d.contains('/') || d.chars().any(char::is_whitespace) {
            out.error(&path, "must be a bare domain or IP address such as example.com or 127.0.0.1");
        } else if !seen.insert(d.to_ascii_lowercase()) {
            out.warn(&path, format!("domain {d} is listed twice"));
        }
    }
}

fn monitoring(m: &MonitoringConfig, out: &mut Checks) {
    out.at_least("monitoring.retention_days", m.retention_days, 1);
    out.at_least("monitoring.health_interval_secs", m.health_interval_secs, 1);
    if m.health_interval_secs > 86_400 {
        out.error(
            "monitoring.health_interval_secs",
            format!("must be at most 86400 (a day), got {}", m.health_interval_secs),
        );
    }
    let a = &m.alerts;
    out.range("monitoring.alerts.error_rate", a.error_rate, 0.0, 1.0);
    out.range("monitoring.alerts.min_success_rate", a.min_success_rate, 0.0, 1.0);
    if !(a.p95_task_duration_secs.is_finite() && a.p95_task_duration_secs > 0.0) {
        out.error("monitoring.alerts.p95_task_duration_secs", "must be a positive number of seconds");
    }
    for (key, v) in
        [("cpu_percent", a.cpu_percent), ("memory_percent", a.memory_percent), ("disk_percent", a.disk_percent)]
    {
        if !(v.is_finite() && v > 0.0 && v <= 100.0) {
            out.error(
                &format!("monitoring.alerts.{key}"),
                format!("must be above 0 and at most 100, got {}", fmt_num(v)),
            );
        }
    }
}

fn quantity(value: &str, suffixes: &[&str]) -> bool {
    let number = suffixes.iter().find_map(|s| value.strip_suffix(s)).unwrap_or(value);
    let (int, frac) = number.split_once('.').unwrap_or((number, "0"));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    digits(int) && digits(frac) && number.parse::<f64>().is_ok_and(|v| v > 0.0)
}

fn deployment(d: &DeploymentConfig, out: &mut Checks) {
    out.at_least("deployment.replicas", d.replicas, 1);
    if !quantity(&d.resources.cpu, &["m"]) {
        out.error("deployment.resources.cpu", "must be a CPU quantity such as 500m or 2");
    }
    if !quantity(&d.resources.memory, &["Ki", "Mi", "Gi", "Ti", "K", "M", "G", "T"]) {
        out.error("deployment.resources.memory", "must be a memory quantity such as 512Mi or 2Gi");
    }
    let a = &d.autoscaling;
    if a.enabled {
        out.at_least("deployment.autoscaling.min_replicas", a.min_replicas, 1);
        if a.max_replicas < a.min_replicas {
            out.error("deployment.autoscaling.max_replicas", "must not be below deployment.autoscaling.min_replicas");
        }
        if !(1..=100).contains(&a.target_cpu_percent) {
            out.error("deployment.autoscaling.target_cpu_percent", "must be between 1 and 100");
        }
        if d.replicas < a.min_replicas || d.replicas > a.max_replicas {
            out.warn("deployment.replicas", "is outside the autoscaling range and will be adjusted by the autoscaler");
        }
    }
}

fn snake_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.ends_with('_')
        && !name.contains("__")
}

fn flags(flags: &BTreeMap<String, bool>, out: &mut Checks) {
    for name in flags.keys() {
        if let Some(problem) = limits::name_problem(name, limits::MAX_NAME_CHARS) {
            out.error(&format!("feature_flags.{name}"), format!("feature flag name: {problem}"));
        } else if !snake_case(name) {
            out.warn(&format!("feature_flags.{name}"), "feature flag names should be snake_case");
        }
    }
}

fn ab_tests(tests: &[AbTestConfig], out: &mut Checks) {
    let mut names = HashSet::new();
    for (i, t) in tests.iter().enumerate() {
        let base = format!("ab_tests.{i}");
        out.name(&format!("{base}.name"), &t.name, limits::MAX_NAME_CHARS);
        if t.name.trim().is_empty() {
            out.error(&format!("{base}.name"), "must not be empty");
        } else if !names.insert(t.name.as_str()) {
            out.error(&format!("{base}.name"), format!("A/B test name {} is used twice", t.name));
        }
        if t.metric.trim().is_empty() {
            out.error(&format!("{base}.metric"), "must not be empty");
        }
        if t.variants.len() < 2 {
            out.error(&format!("{base}.variants"), format!("needs at least 2 variants, got {}", t.variants.len()));
        }
        let mut variant_names = HashSet::new();
        for (j, v) in t.variants.iter().enumerate() {
            let vbase = format!("{base}.variants.{j}");
            out.name(&format!("{vbase}.name"), &v.name, limits::MAX_NAME_CHARS);
            if let Some(problem) =
                v.system_prompt.as_deref().and_then(|p| limits::bytes_problem(p, limits::MAX_PROMPT_BYTES))
            {
                out.error(&format!("{vbase}.system_prompt"), problem);
            }
            if v.name.trim().is_empty() {
                out.error(&format!("{vbase}.name"), "must not be empty");
            } else if !variant_names.insert(v.name.as_str()) {
                out.error(&format!("{vbase}.name"), format!("variant name {} is used twice in this test", v.name));
            }
            if v.model.trim().is_empty() || v.model.chars().any(char::is_whitespace) {
                out.error(&format!("{vbase}.model"), "must be a model registry reference such as agent@production");
            }
            out.range(&format!("{vbase}.traffic"), v.traffic, 0.0, 1.0);
        }
        let sum: f64 = t.variants.iter().map(|v| v.traffic).sum();
        if !t.variants.is_empty() && sum.is_finite() && (sum - 1.0).abs() > TRAFFIC_TOLERANCE {
            out.error(&format!("{base}.variants"), format!("traffic split sums to {}, expected 1", fmt_num(sum)));
        }
    }
}

fn production(s: &Sections, out: &mut Checks) {
    if let Some(m) = s.monitoring.as_ref().filter(|m| matches!(m.log_level, LogLevel::Debug | LogLevel::Trace)) {
        out.warn(
            "monitoring.log_level",
            format!("{} logging in production is verbose and may record page content", m.log_level.as_str()),
        );
    }
    if s.browser.as_ref().is_some_and(|b| !b.headless) {
        out.warn("browser.headless", "a headful browser in production needs a display; use headless: true");
    }
    if let Some(d) = &s.deployment {
        if d.replicas < 2 {
            out.warn("deployment.replicas", "fewer than 2 replicas in production means no redundancy");
        }
        if d.autoscaling.enabled && d.autoscaling.min_replicas < 2 {
            out.warn("deployment.autoscaling.min_replicas", "fewer than 2 replicas in production means no redundancy");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_checked_without_echoing() {
        assert_eq!(reference_problem("env:OPENAI_API_KEY"), None);
        assert_eq!(reference_problem("keychain:openai"), None);
        let literal = reference_problem("sk-live-123456").unwrap();
        assert!(literal.contains("looks like a literal secret") && !literal.contains("sk-live"));
        assert!(reference_problem("env:1BAD").is_some());
        assert!(reference_problem("keychain:").is_some());
    }

    #[test]
    fn quantities_and_names() {
        assert!(quantity("500m", &["m"]) && quantity("2", &["m"]) && quantity("0.5", &["m"]));
        assert!(!quantity("two", &["m"]) && !quantity("0", &["m"]) && !quantity("1.", &["m"]));
        assert!(quantity("2Gi", &["Gi"]) && !quantity("Gi", &["Gi"]));
        assert!(snake_case("new_ui") && snake_case("v2_flow"));
        assert!(!snake_case("NewUI") && !snake_case("new-ui") && !snake_case("_x") && !snake_case("a__b"));
        assert_eq!(fmt_num(0.3 + 0.3 + 0.3), "0.9");
        assert_eq!(fmt_num(2.0), "2");
    }

    #[test]
    fn flag_and_ab_test_names_refuse_control_characters_and_length() {
        use super::super::types::AbVariant;
        let variant = |name: &str| AbVariant {
            name: name.into(),
            model: "agent@production".into(),
            system_prompt: None,
            traffic: 0.5,
        };
        let sections = Sections {
            feature_flags: Some(BTreeMap::from([("new\u{1b}[2J".to_string(), true), ("fine_flag".to_string(), true)])),
            ab_tests: Some(vec![AbTestConfig {
                name: "prompt\rtest".into(),
                description: String::new(),
                metric: "success_rate".into(),
                variants: vec![variant("a"), variant(&"v".repeat(251))],
            }]),
            ..Sections::default()
        };
        let errors: Vec<(String, String)> = check(&sections, "development")
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| (f.path, f.message))
            .collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].0.starts_with("feature_flags.new") && errors[0].1.contains("U+001B"), "{errors:?}");
        assert_eq!(errors[1].0, "ab_tests.0.name");
        assert!(errors[1].1.contains("U+000D"), "{errors:?}");
        assert_eq!(errors[2], ("ab_tests.0.variants.1.name".into(), "expected at most 250 characters, got 251".into()));
    }
}
