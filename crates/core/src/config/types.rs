//! The typed configuration: one struct per section, each rejecting unknown keys. Optional values serialise as
//! `null` so that every key a section knows shows up in `config show` and in the schema derived from `sample()`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Top-level sections in file order; the first six are required, `sync` defaults to off, `feature_flags` and
/// `ab_tests` to empty.
pub const SECTIONS: [&str; 9] =
    ["llm", "agent", "browser", "monitoring", "experiments", "deployment", "sync", "feature_flags", "ab_tests"];
pub const REQUIRED_SECTIONS: usize = 6;

/// One environment's whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub llm: LlmConfig,
    pub agent: AgentConfig,
    pub browser: BrowserConfig,
    pub monitoring: MonitoringConfig,
    pub experiments: ExperimentsConfig,
    pub deployment: DeploymentConfig,
    /// Background sync with a team server (the desktop app and `serve`).
    #[serde(default)]
    pub sync: SyncConfig,
    #[serde(default)]
    pub feature_flags: BTreeMap<String, bool>,
    #[serde(default)]
    pub ab_tests: Vec<AbTestConfig>,
}

/// LLM providers: the registry's enum, so a config and a model version always name providers alike.
pub use crate::registry::Provider;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    pub provider: Provider,
    pub model: String,
    pub temperature: f64,
    pub max_tokens: u32,
    /// A secret reference (`env:VAR_NAME` or `keychain:NAME`), never the key itself.
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
    pub timeout_secs: u32,
    pub max_retries: u32,
    /// Hosts (`name`, `name:port` or a URL) the key of this section may be sent to besides its provider's official
    /// API host and the host of `base_url`. A model version's own `base_url` must be one of them to get the key.
    #[serde(default)]
    pub key_hosts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub max_steps: u32,
    pub max_failures: u32,
    pub step_delay_ms: u32,
    pub use_vision: bool,
    pub max_actions_per_step: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct BrowserConfig {
    pub headless: bool,
    pub window_width: u32,
    pub window_height: u32,
    #[serde(default)]
    pub user_agent: Option<String>,
    #[serde(default)]
    pub proxy: Option<String>,
    pub timeout_secs: u32,
    /// Domains the agent may visit; empty means no restriction.
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    /// A local Chromium binary; exclusive with `cdp_url`.
    #[serde(default)]
    pub executable_path: Option<String>,
    /// A remote Chromium's DevTools endpoint (`ws://…`); exclusive with `executable_path`.
    #[serde(default)]
    pub cdp_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct MonitoringConfig {
    /// Health samples and resolved alerts older than this are deleted by the sampler.
    pub retention_days: u32,
    pub log_level: LogLevel,
    /// Seconds between health samples (and scheduled alert evaluations) in `serve` and `monitor watch`.
    #[serde(default = "default_health_interval_secs")]
    pub health_interval_secs: u32,
    pub alerts: AlertThresholds,
}

fn default_health_interval_secs() -> u32 {
    60
}

/// Alert when a value crosses its threshold (rules in `metrics::alerts`; task rules cover the last hour). The
/// percent thresholds also set the health status: critical at/above, warning within 10 points below.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct AlertThresholds {
    /// Fraction (0–1) of ended tasks that ended in error (status `error`, not a plain failure) above which to alert.
    pub error_rate: f64,
    /// p95 of task duration in seconds above which to alert.
    pub p95_task_duration_secs: f64,
    /// Fraction of successful tasks (0–1) below which to alert (judged over at least 10 ended tasks).
    pub min_success_rate: f64,
    /// Whole-machine CPU %, memory % and data-dir disk % at/above which to alert.
    pub cpu_percent: f64,
    pub memory_percent: f64,
    pub disk_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct ExperimentsConfig {
    pub auto_log_conversations: bool,
    pub auto_log_screenshots: bool,
    pub auto_log_dom_snapshots: bool,
    /// MiniWoB++ `html/` folder for `miniwob:<task>` ids (relative paths: from the config file's folder); the
    /// `--miniwob-dir` flag takes precedence.
    #[serde(default)]
    pub miniwob_dir: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct DeploymentConfig {
    pub replicas: u32,
    pub resources: Resources,
    pub autoscaling: Autoscaling,
    /// Deployment targets only a team server's admins may deploy to or roll back (default: `production`).
    #[serde(default = "default_protected_targets")]
    pub protected_targets: Vec<String>,
}

/// Background sync of this machine's store with the team server it is connected to (`sync connect`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    /// Push and pull in the background while the desktop app or `serve` runs.
    #[serde(default)]
    pub auto: bool,
    /// Seconds between background transfers (at least 5).
    #[serde(default = "default_sync_interval")]
    pub interval_secs: u64,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig { auto: false, interval_secs: default_sync_interval() }
    }
}

fn default_sync_interval() -> u64 {
    60
}

fn default_protected_targets() -> Vec<String> {
    vec!["production".to_string()]
}

/// Per-replica resources in Kubernetes notation (`500m`, `2`; `512Mi`, `2Gi`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    pub cpu: String,
    pub memory: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Autoscaling {
    pub enabled: bool,
    pub min_replicas: u32,
    pub max_replicas: u32,
    pub target_cpu_percent: u32,
}

/// An A/B test definition (validated here, run by the A/B testing module).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct AbTestConfig {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub metric: String,
    pub variants: Vec<AbVariant>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct AbVariant {
    pub name: String,
    /// A model registry version reference, e.g. `checkout-agent@production` or `checkout-agent@3`.
    pub model: String,
    #[serde(default)]
    pub system_prompt: Option<String>,
    /// Share of traffic (0–1); a test's variants sum to 1.
    pub traffic: f64,
}

impl Config {
    /// The config as read routes show it: credentials inside `llm.base_url`, `llm.key_hosts`, `browser.proxy` and
    /// `browser.cdp_url` masked with `crate::util::mask_url` (the file keeps them).
    pub fn masked(mut self) -> Config {
        let mask = |u: &mut Option<String>| *u = u.as_deref().map(crate::util::mask_url);
        mask(&mut self.llm.base_url);
        mask(&mut self.browser.proxy);
        mask(&mut self.browser.cdp_url);
        self.llm.key_hosts = self.llm.key_hosts.iter().map(|h| crate::util::mask_url(h)).collect();
        self
    }

    /// A config with every optional value present and one A/B test: its serialised form lists every key the schema
    /// knows, which is how unknown keys are found.
    pub fn sample() -> Config {
        let some = |s: &str| Some(s.to_string());
        Config {
            llm: LlmConfig {
                provider: Provider::Baseline,
                model: "baseline".into(),
                temperature: 0.0,
                max_tokens: 1,
                api_key: some("env:X"),
                base_url: some("http://x"),
                timeout_secs: 1,
                max_retries: 0,
                key_hosts: vec!["x".into()],
            },
            agent: AgentConfig {
                max_steps: 1,
                max_failures: 1,
                step_delay_ms: 0,
                use_vision: false,
                max_actions_per_step: 1,
            },
            browser: BrowserConfig {
                headless: true,
                window_width: 1,
                window_height: 1,
                user_agent: some("x"),
                proxy: some("x"),
                timeout_secs: 1,
                allowed_domains: vec!["x".into()],
                executable_path: some("x"),
                cdp_url: some("x"),
            },
            monitoring: MonitoringConfig {
                retention_days: 1,
                log_level: LogLevel::Info,
                health_interval_secs: 1,
                alerts: AlertThresholds {
                    error_rate: 0.0,
                    p95_task_duration_secs: 0.0,
                    min_success_rate: 0.0,
                    cpu_percent: 0.0,
                    memory_percent: 0.0,
                    disk_percent: 0.0,
                },
            },
            experiments: ExperimentsConfig {
                auto_log_conversations: true,
                auto_log_screenshots: true,
                auto_log_dom_snapshots: true,
                miniwob_dir: some("x"),
            },
            deployment: DeploymentConfig {
                replicas: 1,
                resources: Resources { cpu: "1".into(), memory: "1Gi".into() },
                autoscaling: Autoscaling { enabled: false, min_replicas: 1, max_replicas: 1, target_cpu_percent: 1 },
                protected_targets: vec!["x".into()],
            },
            sync: SyncConfig { auto: true, interval_secs: 5 },
            feature_flags: BTreeMap::new(),
            ab_tests: vec![AbTestConfig {
                name: "x".into(),
                description: "x".into(),
                metric: "x".into(),
                variants: vec![AbVariant {
                    name: "x".into(),
                    model: "x".into(),
                    system_prompt: some("x"),
                    traffic: 1.0,
                }],
            }],
        }
    }

    /// The schema as JSON: maps list their keys; `feature_flags` is free-form; a list holds one sample item.
    pub fn schema() -> serde_json::Value {
        serde_json::to_value(Config::sample()).unwrap_or(serde_json::Value::Null)
    }
}
