//! What travels between a host and the team server: a push page (records changed on the host, tombstones, metric
//! points in columns) and its acknowledgement, a pull request and the pull page. Records carry their ids and the
//! host they were created on (`origin`); on the wire a host's own records name it, never `local`. No field of any of
//! these types holds a secret: a version's configuration holds references (`env:`/`keychain:`), never keys.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExperimentRec {
    pub id: String,
    pub name: String,
    pub description: String,
    /// JSON object, as stored.
    pub tags: String,
    pub archived: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub origin: String,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ModelRec {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub origin: String,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VersionRec {
    pub id: String,
    pub model_id: String,
    /// The number the sender knows it by: pending (a proposal) when pushed, confirmed when pulled.
    pub version: i64,
    pub provider: String,
    pub model: String,
    pub base_url: Option<String>,
    pub temperature: f64,
    pub max_tokens: Option<i64>,
    pub top_p: Option<f64>,
    pub system_prompt: String,
    pub extra_params: String,
    pub description: String,
    pub changelog: String,
    pub parent_version_id: Option<String>,
    pub config_diff: String,
    pub created_by: String,
    pub archived_at_ms: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub origin: String,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TagRec {
    pub key: String,
    pub value: String,
    pub updated_at_ms: i64,
}

/// A run with its params (immutable) and tags (last writer wins, per tag).
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RunRec {
    pub id: String,
    pub experiment_id: String,
    pub name: String,
    pub status: String,
    pub model_version_id: Option<String>,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub error: Option<String>,
    pub pid: Option<i64>,
    pub host: String,
    pub updated_at_ms: i64,
    pub origin: String,
    #[sqlx(skip)]
    pub params: Vec<(String, String)>,
    #[sqlx(skip)]
    pub tags: Vec<TagRec>,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeploymentRec {
    pub id: String,
    pub model_id: String,
    pub target: String,
    pub action: String,
    pub from_version_id: Option<String>,
    pub to_version_id: String,
    pub os_user: String,
    pub reason: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub origin: String,
}

/// One attempt of an evaluation (immutable once written).
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TaskResultRec {
    pub id: String,
    pub task_id: String,
    pub attempt: i64,
    pub run_id: Option<String>,
    pub category: String,
    pub difficulty: String,
    pub seed: Option<i64>,
    pub success: bool,
    pub score: f64,
    pub steps: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: Option<f64>,
    pub duration_ms: i64,
    pub final_url: String,
    pub answer: Option<String>,
    pub evidence: String,
    pub error: Option<String>,
    pub screenshot_hash: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub origin: String,
}

/// An evaluation with its task results (status, end and error: the newer write wins; results are insert-only).
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EvaluationRec {
    pub id: String,
    pub model_version_id: Option<String>,
    pub suite: String,
    pub suite_hash: String,
    pub config: String,
    pub status: String,
    pub error: Option<String>,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub updated_at_ms: i64,
    pub origin: String,
    #[sqlx(skip)]
    pub results: Vec<TaskResultRec>,
}

/// Where a deployment target points on the server (the server orders deploys: the last one to reach it wins).
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AliasRec {
    pub model_id: String,
    pub alias: String,
    pub version_id: String,
    pub updated_at_ms: i64,
    pub origin: String,
}

/// A deletion: `runs` (key = run id) or `run_tag` (key = run id, TAB, tag key).
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq)]
pub struct Tombstone {
    pub table: String,
    pub key: String,
    pub deleted_at_ms: i64,
    pub origin: String,
}

/// Points of one series (run, key) in columns; `seq` is each point's id on the sending side (the origin host's id
/// when pushed, the server's when pulled), increasing.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, Default)]
pub struct SeriesPoints {
    pub run_id: String,
    pub key: String,
    pub seq: Vec<i64>,
    pub step: Vec<i64>,
    pub ts_ms: Vec<i64>,
    pub value: Vec<f64>,
}

impl SeriesPoints {
    pub fn len(&self) -> usize {
        self.seq.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seq.is_empty()
    }

    /// Whether every column has one entry per point.
    pub fn is_well_formed(&self) -> bool {
        let n = self.seq.len();
        self.step.len() == n && self.ts_ms.len() == n && self.value.len() == n
    }
}

/// Records of every kind, in the order they are applied (parents first).
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, Default)]
pub struct Records {
    #[serde(default)]
    pub experiments: Vec<ExperimentRec>,
    #[serde(default)]
    pub models: Vec<ModelRec>,
    #[serde(default)]
    pub versions: Vec<VersionRec>,
    #[serde(default)]
    pub runs: Vec<RunRec>,
    #[serde(default)]
    pub deployments: Vec<DeploymentRec>,
    #[serde(default)]
    pub evaluations: Vec<EvaluationRec>,
    #[serde(default)]
    pub aliases: Vec<AliasRec>,
    #[serde(default)]
    pub tombstones: Vec<Tombstone>,
    #[serde(default)]
    pub points: Vec<SeriesPoints>,
    /// Conversation messages and browser actions of runs.
    #[serde(default)]
    pub logs: super::logs::LogEntries,
}

impl Records {
    pub fn is_empty(&self) -> bool {
        self.record_count() == 0 && self.point_count() == 0 && self.logs.is_empty()
    }

    pub fn record_count(&self) -> usize {
        self.experiments.len()
            + self.models.len()
            + self.versions.len()
            + self.runs.len()
            + self.deployments.len()
            + self.evaluations.len()
            + self.aliases.len()
            + self.tombstones.len()
    }

    pub fn point_count(&self) -> usize {
        self.points.iter().map(SeriesPoints::len).sum()
    }
}

/// One push: the sending host's name and its records.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, Default)]
pub struct PushPage {
    pub host: String,
    #[serde(flatten)]
    pub records: Records,
}

/// An experiment the server already had under the same name with another id: the host merges its own into it.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq)]
pub struct Remap {
    pub from: String,
    pub to: String,
}

/// The number the server gave a version.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq)]
pub struct VersionNumber {
    pub id: String,
    pub version: i64,
}

/// What the server did with a push page (replaying the page yields the same numbers and remaps, and changes nothing).
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, Default)]
pub struct PushAck {
    pub experiments_merged: Vec<Remap>,
    pub version_numbers: Vec<VersionNumber>,
    /// Records the page changed on the server (0 for a replay).
    pub records_changed: u64,
    pub points_inserted: u64,
    /// Points the server already held (a replay) — not inserted again.
    pub points_already_held: u64,
    /// Messages and actions inserted, and those already held.
    #[serde(default)]
    pub entries_inserted: u64,
    #[serde(default)]
    pub entries_already_held: u64,
    /// Records the server would not take from this user (e.g. a deploy to a protected target without the admin
    /// role), each with the reason; they stay on the host only.
    #[serde(default)]
    pub refused: Vec<String>,
    /// Blobs the page's artifacts refer to that the server lacks: the host sends them, then the page again.
    #[serde(default)]
    pub missing_blobs: Vec<String>,
}

/// Ask the server for what changed after the host's cursors.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, Default)]
pub struct PullRequest {
    pub host: String,
    /// The last change-feed position the host applied.
    pub feed_after: i64,
    /// The last server point id the host applied.
    pub points_after: i64,
    /// Serve points up to this id only (the first page's `points_high`), so every point's run came with the feed.
    #[serde(default)]
    pub points_high: Option<i64>,
    /// Most records (feed entries) or points in the page; the server caps it.
    #[serde(default)]
    pub limit: Option<u32>,
    /// The last server message and action ids the host applied, and the high marks of the first page.
    #[serde(default)]
    pub messages_after: i64,
    #[serde(default)]
    pub actions_after: i64,
    #[serde(default)]
    pub messages_high: Option<i64>,
    #[serde(default)]
    pub actions_high: Option<i64>,
    #[serde(default)]
    pub artifacts_after: i64,
    #[serde(default)]
    pub artifacts_high: Option<i64>,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq, Default)]
pub struct PullPage {
    #[serde(flatten)]
    pub records: Records,
    /// The feed position after this page's records.
    pub feed_next: i64,
    /// The server point id after this page's points.
    pub points_next: i64,
    /// The newest server point id when the feed was read (points above it wait for the next pull).
    pub points_high: i64,
    /// Whether the feed has more after `feed_next` (points are asked for once it has not).
    pub feed_more: bool,
    pub points_more: bool,
    pub messages_next: i64,
    pub actions_next: i64,
    pub messages_high: i64,
    pub actions_high: i64,
    #[serde(default)]
    pub artifacts_next: i64,
    #[serde(default)]
    pub artifacts_high: i64,
    /// Whether messages, actions or artifacts may follow.
    pub logs_more: bool,
}

impl Records {
    /// Rewrite every record's origin (a host's own records are `local` in its store and named on the wire).
    pub fn with_origin(&mut self, f: impl Fn(&str) -> String) {
        self.experiments.iter_mut().for_each(|r| r.origin = f(&r.origin));
        self.models.iter_mut().for_each(|r| r.origin = f(&r.origin));
        self.versions.iter_mut().for_each(|r| r.origin = f(&r.origin));
        self.runs.iter_mut().for_each(|r| r.origin = f(&r.origin));
        self.deployments.iter_mut().for_each(|r| r.origin = f(&r.origin));
        for e in &mut self.evaluations {
            e.origin = f(&e.origin);
            e.results.iter_mut().for_each(|r| r.origin = f(&r.origin));
        }
        self.aliases.iter_mut().for_each(|r| r.origin = f(&r.origin));
        self.tombstones.iter_mut().for_each(|r| r.origin = f(&r.origin));
    }
}
