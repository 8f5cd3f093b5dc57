//! The persistent metrics collector: a cheap-to-clone handle over the `Store` that records agent tasks (start and
//! end), executed actions, LLM calls, page loads and errors as rows of the `mon_*` tables. Writes are direct inserts
//! (a few per agent step). The agent and the evaluator report through `task::TaskMonitor`, which never fails them.
//!
//! User view: `docs/guide/monitoring.md`.
//!
//! - Tables `mon_tasks`, `mon_actions`, `mon_llm_calls`, `mon_page_loads`, `mon_errors`. A failed write through the
//!   `TaskMonitor` prints one warning to stderr and the task goes on.
//! - A task's `mon_actions` rows equal its run's `run_actions` rows (`tests/it/monitor/mod.rs`).
//! - `summary` computes `monitor performance` with nearest-rank percentiles (rank ⌈p·n/100⌉).

use serde::{Deserialize, Serialize};

use crate::kind::ErrorKind;
use crate::store::{Store, StoreError};
use crate::tracker::TokenCounts;

/// Errors of the metrics module.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("monitored task {0} not found")]
    TaskNotFound(String),
    #[error("monitored task {id} already ended with status {status}")]
    TaskAlreadyEnded { id: String, status: String },
    #[error("error record {0} not found (give the id of a recorded error)")]
    ErrorNotFound(String),
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
}

impl MetricsError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            MetricsError::Store(e) => e.kind(),
            MetricsError::TaskNotFound(_) | MetricsError::ErrorNotFound(_) => ErrorKind::NotFound,
            MetricsError::TaskAlreadyEnded { .. } => ErrorKind::Conflict,
            MetricsError::Invalid { .. } => ErrorKind::Input,
        }
    }

    fn invalid(field: &str, problem: impl Into<String>) -> MetricsError {
        MetricsError::Invalid { field: field.to_string(), problem: problem.into() }
    }
}

impl From<sqlx::Error> for MetricsError {
    fn from(e: sqlx::Error) -> Self {
        MetricsError::Store(StoreError::from(e))
    }
}

/// How a monitored task ended (or that it is still running).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Running,
    /// The task's check passed (evaluation) or the agent reported success (ad-hoc run).
    Succeeded,
    /// The task ran to its end without an error but did not succeed.
    Failed,
    /// The task was cut short by an error: timeout, crashed browser, planner failure, an exception.
    Error,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Running => "running",
            TaskStatus::Succeeded => "succeeded",
            TaskStatus::Failed => "failed",
            TaskStatus::Error => "error",
        }
    }
}

/// ErrorSeverity of a recorded error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorSeverity {
    Low,
    Medium,
    High,
    Critical,
}

impl ErrorSeverity {
    pub const ALL: [ErrorSeverity; 4] =
        [ErrorSeverity::Low, ErrorSeverity::Medium, ErrorSeverity::High, ErrorSeverity::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorSeverity::Low => "low",
            ErrorSeverity::Medium => "medium",
            ErrorSeverity::High => "high",
            ErrorSeverity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<ErrorSeverity> {
        ErrorSeverity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A task about to start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct TaskStart {
    /// The tracker run recording this task.
    pub run_id: Option<String>,
    pub evaluation_id: Option<String>,
    /// The suite's task id; `None` for an ad-hoc task.
    pub task_id: Option<String>,
    /// `name:version` for a registered version, else a descriptive label (e.g. `baseline`).
    pub model: String,
    pub provider: String,
    pub started_at_ms: i64,
}

/// One executed action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ActionSample {
    pub action_type: String,
    pub success: bool,
    pub duration_ms: f64,
    pub at_ms: i64,
}

/// One LLM request (retries of one request included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct LlmCallSample {
    pub provider: String,
    pub model: String,
    pub tokens: TokenCounts,
    /// `None` when the model has no price.
    pub cost_usd: Option<f64>,
    pub latency_ms: f64,
    pub success: bool,
    pub at_ms: i64,
}

/// One page load the agent waited for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PageLoadSample {
    pub url: String,
    pub load_ms: f64,
    /// Interactive elements the state extraction indexed on the loaded page.
    pub dom_elements: Option<i64>,
    pub at_ms: i64,
}

/// One error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ErrorSample {
    pub error_type: String,
    pub message: String,
    /// A JSON object with whatever helps to find the cause (run id, task id, URL…). Never a secret.
    pub context: serde_json::Value,
    pub severity: ErrorSeverity,
    pub at_ms: i64,
}

/// A stored error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ErrorRecord {
    pub id: String,
    pub task_ref: Option<String>,
    pub error_type: String,
    pub message: String,
    pub context: serde_json::Value,
    pub severity: ErrorSeverity,
    pub resolved: bool,
    pub resolved_at_ms: Option<i64>,
    pub at_ms: i64,
}

/// What `resolve_error` did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ResolvedError {
    pub error: ErrorRecord,
    /// The error was resolved before this call (nothing changed).
    pub was_already_resolved: bool,
}

/// Writes monitoring rows to the store; cheap to clone.
#[derive(Debug, Clone)]
pub struct Collector {
    store: Store,
}

impl Collector {
    pub fn new(store: Store) -> Collector {
        Collector { store }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Record a task as running; returns its reference id (UUIDv7).
    pub async fn start_task(&self, task: &TaskStart) -> Result<String, MetricsError> {
        non_empty("model", &task.model)?;
        non_empty("provider", &task.provider)?;
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO mon_tasks (id, run_id, evaluation_id, task_id, model, provider, status, steps, started_at_ms) \
             VALUES (?, ?, ?, ?, ?, ?, 'running', 0, ?)",
        )
        .bind(&id)
        .bind(&task.run_id)
        .bind(&task.evaluation_id)
        .bind(&task.task_id)
        .bind(&task.model)
        .bind(&task.provider)
        .bind(task.started_at_ms)
        .execute(self.store.pool())
        .await?;
        Ok(id)
    }

    /// Record how a running task ended. An end time before the start (a clock step back) is stored as the start.
    pub async fn end_task(
        &self,
        id: &str,
        status: TaskStatus,
        steps: u32,
        ended_at_ms: i64,
    ) -> Result<(), MetricsError> {
        if status == TaskStatus::Running {
            return Err(MetricsError::invalid("status", "a task ends as succeeded, failed or error, not running"));
        }
        let done = sqlx::query(
            "UPDATE mon_tasks SET status = ?, steps = ?, ended_at_ms = MAX(?, started_at_ms) \
             WHERE id = ? AND status = 'running'",
        )
        .bind(status.as_str())
        .bind(i64::from(steps))
        .bind(ended_at_ms)
        .bind(id)
        .execute(self.store.pool())
        .await?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let current: Option<String> = sqlx::query_scalar("SELECT status FROM mon_tasks WHERE id = ?")
            .bind(id)
            .fetch_optional(self.store.pool())
            .await?;
        match current {
            Some(status) => Err(MetricsError::TaskAlreadyEnded { id: id.to_string(), status }),
            None => Err(MetricsError::TaskNotFound(id.to_string())),
        }
    }

    pub async fn action(&self, task_ref: Option<&str>, a: &ActionSample) -> Result<(), MetricsError> {
        non_empty("action_type", &a.action_type)?;
        non_negative("duration_ms", a.duration_ms)?;
        sqlx::query(
            "INSERT INTO mon_actions (task_ref, action_type, success, duration_ms, at_ms) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(task_ref)
        .bind(&a.action_type)
        .bind(a.success)
        .bind(a.duration_ms)
        .bind(a.at_ms)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    pub async fn llm_call(&self, task_ref: Option<&str>, c: &LlmCallSample) -> Result<(), MetricsError> {
        non_empty("provider", &c.provider)?;
        non_empty("model", &c.model)?;
        non_negative("latency_ms", c.latency_ms)?;
        if let Some(cost) = c.cost_usd {
            non_negative("cost_usd", cost)?;
        }
        let t = &c.tokens;
        for (field, n) in [
            ("input_tokens", t.input),
            ("output_tokens", t.output),
            ("cache_read_tokens", t.cache_read),
            ("cache_write_tokens", t.cache_write),
            ("reasoning_tokens", t.reasoning),
        ] {
            if n < 0 {
                return Err(MetricsError::invalid(field, format!("expected a count >= 0, got {n}")));
            }
        }
        sqlx::query(
            "INSERT INTO mon_llm_calls (task_ref, provider, model, input_tokens, output_tokens, cache_read_tokens, \
             cache_write_tokens, reasoning_tokens, cost_usd, latency_ms, success, at_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(task_ref)
        .bind(&c.provider)
        .bind(&c.model)
        .bind(t.input)
        .bind(t.output)
        .bind(t.cache_read)
        .bind(t.cache_write)
        .bind(t.reasoning)
        .bind(c.cost_usd)
        .bind(c.latency_ms)
        .bind(c.success)
        .bind(c.at_ms)
        .execute(self.store.pool())
        .await?;
        Ok(())
    }

    pub async fn page_load(&self, task_ref: Option<&str>, p: &PageLoadSample) -> Result<(), MetricsError> {
        non_negative("load_ms", p.load_ms)?;
        if let Some(n) = p.dom_elements.filter(|n| *n < 0) {
            return Err(MetricsError::invalid("dom_elements", format!("expected a count >= 0, got {n}")));
        }
        sqlx::query("INSERT INTO mon_page_loads (task_ref, url, load_ms, dom_elements, at_ms) VALUES (?, ?, ?, ?, ?)")
            .bind(task_ref)
            .bind(&p.url)
            .bind(p.load_ms)
            .bind(p.dom_elements)
            .bind(p.at_ms)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    /// Record an error; returns its id (UUIDv7).
    pub async fn error(&self, task_ref: Option<&str>, e: &ErrorSample) -> Result<String, MetricsError> {
        non_empty("error_type", &e.error_type)?;
        if !e.context.is_object() {
            return Err(MetricsError::invalid("context", "expected a JSON object"));
        }
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO mon_errors (id, task_ref, error_type, message, context, severity, at_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(task_ref)
        .bind(&e.error_type)
        .bind(&e.message)
        .bind(e.context.to_string())
        .bind(e.severity.as_str())
        .bind(e.at_ms)
        .execute(self.store.pool())
        .await?;
        Ok(id)
    }

    /// Mark an error resolved (idempotent: resolving it again changes nothing).
    pub async fn resolve_error(&self, id: &str, at_ms: i64) -> Result<ResolvedError, MetricsError> {
        let before = self.get_error(id).await?;
        if before.resolved {
            return Ok(ResolvedError { error: before, was_already_resolved: true });
        }
        sqlx::query("UPDATE mon_errors SET resolved = 1, resolved_at_ms = ? WHERE id = ? AND resolved = 0")
            .bind(at_ms)
            .bind(id)
            .execute(self.store.pool())
            .await?;
        Ok(ResolvedError { error: self.get_error(id).await?, was_already_resolved: false })
    }

    pub async fn get_error(&self, id: &str) -> Result<ErrorRecord, MetricsError> {
        let sql = format!("SELECT {ERROR_COLUMNS} FROM mon_errors WHERE id = ?");
        let row: Option<ErrorRow> = sqlx::query_as(&sql).bind(id).fetch_optional(self.store.pool()).await?;
        row.map(error_record).ok_or_else(|| MetricsError::ErrorNotFound(id.to_string()))
    }
}

/// The columns `ErrorRow` reads, in order.
pub(crate) const ERROR_COLUMNS: &str =
    "id, task_ref, error_type, message, context, severity, resolved, resolved_at_ms, at_ms";

pub(crate) type ErrorRow = (String, Option<String>, String, String, String, String, bool, Option<i64>, i64);

pub(crate) fn error_record(r: ErrorRow) -> ErrorRecord {
    let (id, task_ref, error_type, message, context, severity, resolved, resolved_at_ms, at_ms) = r;
    ErrorRecord {
        id,
        task_ref,
        error_type,
        message,
        // The schema's CHECKs and `error()` only store JSON objects and known severities; anything else would be a
        // row written by hand, shown as-is rather than failing the whole listing.
        context: serde_json::from_str(&context).unwrap_or(serde_json::Value::String(context)),
        severity: ErrorSeverity::parse(&severity).unwrap_or(ErrorSeverity::Critical),
        resolved,
        resolved_at_ms,
        at_ms,
    }
}

fn non_empty(field: &str, value: &str) -> Result<(), MetricsError> {
    if value.trim().is_empty() { Err(MetricsError::invalid(field, "expected a non-empty text")) } else { Ok(()) }
}

fn non_negative(field: &str, value: f64) -> Result<(), MetricsError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(MetricsError::invalid(field, format!("expected a finite number >= 0, got {value}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collector() -> (tempfile::TempDir, Collector) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        (dir, Collector::new(store))
    }

    fn start(at: i64) -> TaskStart {
        TaskStart {
            run_id: None,
            evaluation_id: None,
            task_id: Some("t1".into()),
            model: "m:1".into(),
            provider: "baseline".into(),
            started_at_ms: at,
        }
    }

    #[tokio::test]
    async fn a_task_ends_once_and_unknown_ids_are_named() {
        let (_dir, c) = collector().await;
        let id = c.start_task(&start(1_000)).await.unwrap();
        c.end_task(&id, TaskStatus::Succeeded, 4, 900).await.unwrap();
        let (status, steps, ended): (String, i64, i64) =
            sqlx::query_as("SELECT status, steps, ended_at_ms FROM mon_tasks WHERE id = ?")
                .bind(&id)
                .fetch_one(c.store().pool())
                .await
                .unwrap();
        assert_eq!((status.as_str(), steps, ended), ("succeeded", 4, 1_000), "an end before the start is clamped");
        let again = c.end_task(&id, TaskStatus::Failed, 1, 2_000).await.unwrap_err();
        assert!(matches!(again, MetricsError::TaskAlreadyEnded { .. }), "{again}");
        let missing = c.end_task("nope", TaskStatus::Failed, 1, 2_000).await.unwrap_err();
        assert!(missing.to_string().contains("nope") && missing.kind() == ErrorKind::NotFound, "{missing}");
        let running = c.end_task(&id, TaskStatus::Running, 1, 2_000).await.unwrap_err();
        assert_eq!(running.kind(), ErrorKind::Input);
    }

    #[tokio::test]
    async fn bad_samples_are_refused_naming_the_field_and_nothing_is_written() {
        let (_dir, c) = collector().await;
        let bad = ActionSample { action_type: "click".into(), success: true, duration_ms: f64::NAN, at_ms: 0 };
        let err = c.action(None, &bad).await.unwrap_err();
        assert!(err.to_string().starts_with("duration_ms:"), "{err}");
        let err = c
            .error(
                None,
                &ErrorSample {
                    error_type: "x".into(),
                    message: "m".into(),
                    context: serde_json::json!([1]),
                    severity: ErrorSeverity::Low,
                    at_ms: 0,
                },
            )
            .await
            .unwrap_err();
        assert!(err.to_string().starts_with("context:"), "{err}");
        let mut call = LlmCallSample {
            provider: "openai".into(),
            model: "gpt".into(),
            tokens: TokenCounts { input: -1, ..TokenCounts::default() },
            cost_usd: None,
            latency_ms: 1.0,
            success: true,
            at_ms: 0,
        };
        assert!(c.llm_call(None, &call).await.unwrap_err().to_string().starts_with("input_tokens:"));
        call.tokens.input = 1;
        call.cost_usd = Some(-0.5);
        assert!(c.llm_call(None, &call).await.unwrap_err().to_string().starts_with("cost_usd:"));
        for table in ["mon_actions", "mon_errors", "mon_llm_calls"] {
            let n: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(c.store().pool()).await.unwrap();
            assert_eq!(n, 0, "{table}");
        }
    }

    #[tokio::test]
    async fn resolving_is_idempotent_and_keeps_the_first_time() {
        let (_dir, c) = collector().await;
        let sample = ErrorSample {
            error_type: "timeout".into(),
            message: "slow".into(),
            context: serde_json::json!({"url": "http://127.0.0.1/"}),
            severity: ErrorSeverity::Medium,
            at_ms: 5,
        };
        let id = c.error(None, &sample).await.unwrap();
        let first = c.resolve_error(&id, 10).await.unwrap();
        assert!(!first.was_already_resolved && first.error.resolved);
        assert_eq!(first.error.resolved_at_ms, Some(10));
        assert_eq!(first.error.context, sample.context);
        let second = c.resolve_error(&id, 20).await.unwrap();
        assert!(second.was_already_resolved);
        assert_eq!(second.error.resolved_at_ms, Some(10));
        assert_eq!(c.resolve_error("nope", 1).await.unwrap_err().kind(), ErrorKind::NotFound);
    }
}
