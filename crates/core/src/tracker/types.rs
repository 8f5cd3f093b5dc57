//! Domain types of the experiment tracker, shared by the tracker, the search and every transport.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A named group of runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Experiment {
    pub id: String,
    pub name: String,
    pub description: String,
    pub tags: BTreeMap<String, String>,
    pub archived: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// Lifecycle of a run. A run is `running` from the moment it is started until it is ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Finished,
    Failed,
    Killed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Finished => "finished",
            RunStatus::Failed => "failed",
            RunStatus::Killed => "killed",
        }
    }

    pub fn parse(s: &str) -> Option<RunStatus> {
        match s {
            "running" => Some(RunStatus::Running),
            "finished" => Some(RunStatus::Finished),
            "failed" => Some(RunStatus::Failed),
            "killed" => Some(RunStatus::Killed),
            _ => None,
        }
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One run as stored (without its params, tags or metrics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Run {
    pub id: String,
    pub experiment_id: String,
    pub name: String,
    pub status: RunStatus,
    pub model_version_id: Option<String>,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub error: Option<String>,
    /// Process id and host that started the run, to tell a live run from an orphan.
    pub pid: Option<i64>,
    pub host: String,
}

/// One metric observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct MetricPoint {
    pub key: String,
    pub value: f64,
    pub step: i64,
    pub ts_ms: i64,
}

/// Aggregate of one metric of one run; `last` is the value at the greatest (step, timestamp).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct MetricSummary {
    pub key: String,
    pub last: f64,
    pub last_step: i64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub count: i64,
}

/// Who said a conversation message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "system" => Some(Role::System),
            "user" => Some(Role::User),
            "assistant" => Some(Role::Assistant),
            "tool" => Some(Role::Tool),
            _ => None,
        }
    }
}

/// Token usage by type, as providers report it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct TokenCounts {
    pub input: i64,
    pub output: i64,
    pub cache_read: i64,
    pub cache_write: i64,
    pub reasoning: i64,
}

/// One conversation message of an agent run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Message {
    pub role: Role,
    pub content: String,
    /// Tool calls as the provider returned them (a JSON list).
    #[serde(default)]
    pub tool_calls: serde_json::Value,
    #[serde(default)]
    pub tokens: TokenCounts,
    #[serde(default)]
    pub ts_ms: i64,
}

/// One browser action the agent took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Action {
    pub action_type: String,
    #[serde(default)]
    pub target: String,
    pub success: bool,
    pub duration_ms: i64,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub ts_ms: i64,
}
