//! The results store: evaluations (a model version over a suite) and one row per task attempt. Recording is
//! idempotent per (evaluation, task, attempt): recording the same attempt again replaces its outcome, keeping the
//! row id. `finished_attempts` lists what is already recorded, so an interrupted evaluation can resume.
//!
//! `Results::new(store)`: `create(&NewEvaluation)` (status `running`); `record(eval_id, &NewTaskResult)` (attempts are
//! 1-based; a score outside [0, 1], or a failed attempt with score 1, is refused, also by CHECK constraints);
//! `finished_attempts(eval_id)` for `--resume`; `finish(eval_id, Finished|Failed, error)`; `reopen(eval_id)`; and, in
//! `summary`, `summary(eval_id)` and `compare(a, b)`. Every summary figure is computed from the stored rows.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use super::EvalError;
use super::checks::Evidence;
use super::suite::TaskFilter;
use crate::store::Store;
use crate::util::{new_id, now_ms};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum EvalStatus {
    Running,
    Finished,
    Failed,
}

impl EvalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EvalStatus::Running => "running",
            EvalStatus::Finished => "finished",
            EvalStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<EvalStatus> {
        [EvalStatus::Running, EvalStatus::Finished, EvalStatus::Failed].into_iter().find(|v| v.as_str() == s)
    }
}

/// How an evaluation was run (stored as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct EvalConfig {
    /// Attempts per task.
    pub repeats: u32,
    #[serde(default)]
    pub filter: TaskFilter,
    /// Attempts run at the same time.
    pub concurrency: u32,
    /// The base seed every attempt's seed is derived from (see `runner::attempt_seed`); absent in evaluations
    /// stored before seeds were recorded.
    #[serde(default)]
    pub seed: Option<u32>,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig { repeats: 1, filter: TaskFilter::default(), concurrency: 1, seed: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Evaluation {
    pub id: String,
    pub model_version_id: Option<String>,
    pub suite: String,
    pub suite_hash: String,
    pub config: EvalConfig,
    pub status: EvalStatus,
    pub error: Option<String>,
    pub started_at_ms: i64,
    pub ended_at_ms: Option<i64>,
}

/// What to create an evaluation with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct NewEvaluation {
    pub model_version_id: Option<String>,
    pub suite: String,
    pub suite_hash: String,
    pub config: EvalConfig,
}

/// The outcome of one attempt, as the runner reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct NewTaskResult {
    pub task_id: String,
    /// 1-based repeat number.
    pub attempt: u32,
    pub run_id: Option<String>,
    pub category: String,
    /// `easy`, `medium` or `hard` as the suite rates the task; empty when it has no rating (MiniWoB++ tasks).
    pub difficulty: String,
    /// The attempt's seed (MiniWoB++ pages seed their random generator with it); `None` for attempts stored before
    /// seeds were recorded.
    #[serde(default)]
    pub seed: Option<u32>,
    pub success: bool,
    pub score: f64,
    pub steps: u32,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: Option<f64>,
    pub duration_ms: i64,
    pub final_url: String,
    pub answer: Option<String>,
    pub evidence: Vec<Evidence>,
    pub error: Option<String>,
    pub screenshot_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct TaskResult {
    pub id: String,
    pub evaluation_id: String,
    #[serde(flatten)]
    pub result: NewTaskResult,
    pub created_at_ms: i64,
}

#[derive(FromRow)]
struct EvalRow {
    id: String,
    model_version_id: Option<String>,
    suite: String,
    suite_hash: String,
    config: String,
    status: String,
    error: Option<String>,
    started_at_ms: i64,
    ended_at_ms: Option<i64>,
}

impl EvalRow {
    fn into_evaluation(self) -> Result<Evaluation, EvalError> {
        let status = EvalStatus::parse(&self.status)
            .ok_or_else(|| EvalError::Invalid(format!("evaluation {}: unknown status {:?}", self.id, self.status)))?;
        let config = serde_json::from_str(&self.config)
            .map_err(|e| EvalError::Invalid(format!("evaluation {}: unreadable config: {e}", self.id)))?;
        Ok(Evaluation {
            id: self.id,
            model_version_id: self.model_version_id,
            suite: self.suite,
            suite_hash: self.suite_hash,
            config,
            status,
            error: self.error,
            started_at_ms: self.started_at_ms,
            ended_at_ms: self.ended_at_ms,
        })
    }
}

const EVAL_COLUMNS: &str = "id, model_version_id, suite, suite_hash, config, status, error, started_at_ms, ended_at_ms";

#[derive(FromRow)]
struct ResultRow {
    id: String,
    evaluation_id: String,
    task_id: String,
    attempt: i64,
    run_id: Option<String>,
    category: String,
    difficulty: String,
    seed: Option<i64>,
    success: bool,
    score: f64,
    steps: i64,
    input_tokens: i64,
    output_tokens: i64,
    cost_usd: Option<f64>,
    duration_ms: i64,
    final_url: String,
    answer: Option<String>,
    evidence: String,
    error: Option<String>,
    screenshot_hash: Option<String>,
    created_at_ms: i64,
}

const RESULT_COLUMNS: &str = "id, evaluation_id, task_id, attempt, run_id, category, difficulty, seed, success, score, \
     steps, input_tokens, output_tokens, cost_usd, duration_ms, final_url, answer, evidence, error, screenshot_hash, \
     created_at_ms";

impl ResultRow {
    fn into_result(self) -> Result<TaskResult, EvalError> {
        let evidence = serde_json::from_str(&self.evidence)
            .map_err(|e| EvalError::Invalid(format!("task result {}: unreadable evidence: {e}", self.id)))?;
        Ok(TaskResult {
            id: self.id,
            evaluation_id: self.evaluation_id,
            result: NewTaskResult {
                task_id: self.task_id,
                attempt: u32::try_from(self.attempt).unwrap_or(0),
                run_id: self.run_id,
                category: self.category,
                difficulty: self.difficulty,
                seed: self.seed.and_then(|s| u32::try_from(s).ok()),
                success: self.success,
                score: self.score,
                steps: u32::try_from(self.steps).unwrap_or(0),
                input_tokens: self.input_tokens,
                output_tokens: self.output_tokens,
                cost_usd: self.cost_usd,
                duration_ms: self.duration_ms,
                final_url: self.final_url,
                answer: self.answer,
                evidence,
                error: self.error,
                screenshot_hash: self.screenshot_hash,
            },
            created_at_ms: self.created_at_ms,
        })
    }
}

/// Evaluation results over the store (cheap to clone).
#[derive(Clone)]
pub struct Results {
    store: Store,
}

impl Results {
    pub fn new(store: Store) -> Results {
        Results { store }
    }

    /// Start a new evaluation (status `running`).
    pub async fn create(&self, new: &NewEvaluation) -> Result<Evaluation, EvalError> {
        if new.config.repeats == 0 || new.config.concurrency == 0 {
            return Err(EvalError::Invalid("repeats and concurrency must be at least 1".to_string()));
        }
        let mut tx = self.store.begin_write().await?;
        if let Some(v) = &new.model_version_id {
            let found: Option<String> = sqlx::query_scalar("SELECT id FROM model_versions WHERE id = ?")
                .bind(v)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(EvalError::ModelVersionNotFound(v.clone()));
            }
        }
        let id = new_id();
        let now = now_ms();
        let config = serde_json::to_string(&new.config)
            .map_err(|e| EvalError::Invalid(format!("cannot serialise the evaluation config: {e}")))?;
        sqlx::query(
            "INSERT INTO evaluations (id, model_version_id, suite, suite_hash, config, status, started_at_ms, \
             updated_at_ms) VALUES (?, ?, ?, ?, ?, 'running', ?, ?)",
        )
        .bind(&id)
        .bind(&new.model_version_id)
        .bind(&new.suite)
        .bind(&new.suite_hash)
        .bind(config)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.get(&id).await
    }

    /// One evaluation by id or unique id prefix (at least 4 characters); a prefix several ids share is an input error
    /// listing them.
    pub async fn get(&self, id: &str) -> Result<Evaluation, EvalError> {
        let sql = format!("SELECT {EVAL_COLUMNS} FROM evaluations WHERE id = ?");
        if let Some(row) = sqlx::query_as::<_, EvalRow>(&sql).bind(id).fetch_optional(self.store.pool()).await? {
            return row.into_evaluation();
        }
        if id.len() >= 4 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            let sql = format!("SELECT {EVAL_COLUMNS} FROM evaluations WHERE id LIKE ? || '%' ORDER BY id");
            let mut rows = sqlx::query_as::<_, EvalRow>(&sql).bind(id).fetch_all(self.store.pool()).await?;
            if rows.len() == 1
                && let Some(row) = rows.pop()
            {
                return row.into_evaluation();
            }
            if rows.len() > 1 {
                let mut shown: Vec<String> = rows.iter().take(10).map(|r| r.id.clone()).collect();
                if rows.len() > 10 {
                    shown.push(format!("and {} more", rows.len() - 10));
                }
                return Err(EvalError::AmbiguousEvaluation {
                    prefix: id.to_string(),
                    count: rows.len(),
                    matches: shown.join(", "),
                });
            }
        }
        Err(EvalError::EvaluationNotFound(id.to_string()))
    }

    /// The evaluation attempt a tracker run recorded, if the run was one.
    pub async fn by_run(&self, run_id: &str) -> Result<Option<TaskResult>, EvalError> {
        let sql = format!("SELECT {RESULT_COLUMNS} FROM task_results WHERE run_id = ? ORDER BY created_at_ms LIMIT 1");
        let row = sqlx::query_as::<_, ResultRow>(&sql).bind(run_id).fetch_optional(self.store.pool()).await?;
        row.map(ResultRow::into_result).transpose()
    }

    /// Evaluations, newest first, optionally of one model version.
    pub async fn list(&self, model_version_id: Option<&str>) -> Result<Vec<Evaluation>, EvalError> {
        let sql = format!(
            "SELECT {EVAL_COLUMNS} FROM evaluations WHERE (? IS NULL OR model_version_id = ?) \
             ORDER BY started_at_ms DESC, id DESC"
        );
        let rows = sqlx::query_as::<_, EvalRow>(&sql)
            .bind(model_version_id)
            .bind(model_version_id)
            .fetch_all(self.store.pool())
            .await?;
        rows.into_iter().map(EvalRow::into_evaluation).collect()
    }

    /// Record one attempt's outcome; recording the same (task, attempt) again replaces the earlier outcome.
    pub async fn record(&self, evaluation_id: &str, r: &NewTaskResult) -> Result<TaskResult, EvalError> {
        if r.attempt == 0 {
            return Err(EvalError::Invalid(format!("task {}: attempts are numbered from 1", r.task_id)));
        }
        if !r.score.is_finite() || !(0.0..=1.0).contains(&r.score) || (!r.success && r.score >= 1.0) {
            return Err(EvalError::Invalid(format!(
                "task {} attempt {}: score {} must be in [0, 1] and below 1 for a failed attempt",
                r.task_id, r.attempt, r.score
            )));
        }
        let evidence = serde_json::to_string(&r.evidence)
            .map_err(|e| EvalError::Invalid(format!("cannot serialise evidence: {e}")))?;
        let mut tx = self.store.begin_write().await?;
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM evaluations WHERE id = ?")
            .bind(evaluation_id)
            .fetch_optional(&mut *tx)
            .await?;
        match status.as_deref() {
            None => return Err(EvalError::EvaluationNotFound(evaluation_id.to_string())),
            Some("running") => {}
            Some(other) => {
                return Err(EvalError::WrongStatus {
                    id: evaluation_id.to_string(),
                    status: other.to_string(),
                    what: "results can only be recorded while it is running".to_string(),
                });
            }
        }
        let now = now_ms();
        sqlx::query(
            "INSERT INTO task_results (id, evaluation_id, task_id, attempt, run_id, category, difficulty, seed, \
             success, score, steps, input_tokens, output_tokens, cost_usd, duration_ms, final_url, answer, evidence, \
             error, screenshot_hash, created_at_ms, updated_at_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (evaluation_id, task_id, attempt) DO UPDATE SET run_id = excluded.run_id, \
             category = excluded.category, difficulty = excluded.difficulty, seed = excluded.seed, \
             success = excluded.success, \
             score = excluded.score, steps = excluded.steps, input_tokens = excluded.input_tokens, \
             output_tokens = excluded.output_tokens, cost_usd = excluded.cost_usd, \
             duration_ms = excluded.duration_ms, final_url = excluded.final_url, answer = excluded.answer, \
             evidence = excluded.evidence, error = excluded.error, screenshot_hash = excluded.screenshot_hash, \
             updated_at_ms = excluded.updated_at_ms",
        )
        .bind(new_id())
        .bind(evaluation_id)
        .bind(&r.task_id)
        .bind(i64::from(r.attempt))
        .bind(&r.run_id)
        .bind(&r.category)
        .bind(&r.difficulty)
        .bind(r.seed.map(i64::from))
        .bind(r.success)
        .bind(r.score)
        .bind(i64::from(r.steps))
        .bind(r.input_tokens.max(0))
        .bind(r.output_tokens.max(0))
        .bind(r.cost_usd)
        .bind(r.duration_ms.max(0))
        .bind(&r.final_url)
        .bind(&r.answer)
        .bind(evidence)
        .bind(&r.error)
        .bind(&r.screenshot_hash)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE evaluations SET updated_at_ms = ? WHERE id = ?")
            .bind(now)
            .bind(evaluation_id)
            .execute(&mut *tx)
            .await?;
        let sql = format!(
            "SELECT {RESULT_COLUMNS} FROM task_results WHERE evaluation_id = ? AND task_id = ? AND attempt = ?"
        );
        let row = sqlx::query_as::<_, ResultRow>(&sql)
            .bind(evaluation_id)
            .bind(&r.task_id)
            .bind(i64::from(r.attempt))
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_result()
    }

    /// All results of an evaluation, by task id then attempt.
    pub async fn results(&self, evaluation_id: &str) -> Result<Vec<TaskResult>, EvalError> {
        let sql =
            format!("SELECT {RESULT_COLUMNS} FROM task_results WHERE evaluation_id = ? ORDER BY task_id, attempt");
        let rows = sqlx::query_as::<_, ResultRow>(&sql).bind(evaluation_id).fetch_all(self.store.pool()).await?;
        rows.into_iter().map(ResultRow::into_result).collect()
    }

    /// The (task id, attempt) pairs already recorded, for `--resume`.
    pub async fn finished_attempts(&self, evaluation_id: &str) -> Result<Vec<(String, u32)>, EvalError> {
        self.get(evaluation_id).await?;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT task_id, attempt FROM task_results WHERE evaluation_id = ? ORDER BY task_id, attempt",
        )
        .bind(evaluation_id)
        .fetch_all(self.store.pool())
        .await?;
        Ok(rows.into_iter().map(|(t, a)| (t, u32::try_from(a).unwrap_or(0))).collect())
    }

    /// End a running evaluation as `finished` or `failed` (with the reason).
    pub async fn finish(
        &self,
        evaluation_id: &str,
        status: EvalStatus,
        error: Option<&str>,
    ) -> Result<Evaluation, EvalError> {
        if status == EvalStatus::Running {
            return Err(EvalError::Invalid("finish needs status finished or failed".to_string()));
        }
        self.set_status(evaluation_id, EvalStatus::Running, status, error).await
    }

    /// Put a finished or failed evaluation back to `running`, to resume it.
    pub async fn reopen(&self, evaluation_id: &str) -> Result<Evaluation, EvalError> {
        let current = self.get(evaluation_id).await?;
        if current.status == EvalStatus::Running {
            return Ok(current);
        }
        self.set_status(&current.id, current.status, EvalStatus::Running, None).await
    }

    async fn set_status(
        &self,
        evaluation_id: &str,
        from: EvalStatus,
        to: EvalStatus,
        error: Option<&str>,
    ) -> Result<Evaluation, EvalError> {
        let current = self.get(evaluation_id).await?;
        let now = now_ms();
        let ended = (to != EvalStatus::Running).then_some(now);
        let done = sqlx::query(
            "UPDATE evaluations SET status = ?, error = ?, ended_at_ms = ?, updated_at_ms = ? \
             WHERE id = ? AND status = ?",
        )
        .bind(to.as_str())
        .bind(error)
        .bind(ended)
        .bind(now)
        .bind(&current.id)
        .bind(from.as_str())
        .execute(self.store.pool())
        .await?;
        if done.rows_affected() == 0 {
            return Err(EvalError::WrongStatus {
                id: current.id,
                status: current.status.as_str().to_string(),
                what: format!("it must be {} to become {}", from.as_str(), to.as_str()),
            });
        }
        self.get(&current.id).await
    }
}
