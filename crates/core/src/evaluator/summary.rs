//! What an evaluation amounts to, computed from its stored rows only: success rate with a Wilson 95 % interval (over
//! attempts), per category and difficulty, pass^k, steps, tokens, cost, duration percentiles and error counts; and
//! the paired comparison of two evaluations of the same suite with an exact McNemar test.
//!
//! Paired outcome of a task in `compare`: the majority over its attempts (passes > attempts / 2; a tie is a fail),
//! which for single-attempt evaluations is just that attempt. Only tasks present in both evaluations are paired.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::EvalError;
use super::results::{Evaluation, Results, TaskResult};
use crate::stats::bootstrap::{self, Difference, paired_bootstrap};
use crate::stats::{self, Interval};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct GroupStats {
    pub name: String,
    pub attempts: u64,
    pub successes: u64,
    /// Success rate over attempts with its Wilson 95 % interval; `None` without attempts.
    pub success_rate: Option<Interval>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PassK {
    pub k: u32,
    /// Fraction of tasks (with ≥ k attempts) whose attempts 1..=k all passed.
    pub all_of_first_k: Option<f64>,
    /// Unbiased estimator: mean over tasks of C(passes, k) / C(attempts, k).
    pub unbiased: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ErrorCount {
    pub error: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct EvaluationSummary {
    pub evaluation: Evaluation,
    /// Distinct tasks with at least one recorded attempt.
    pub tasks: u64,
    pub attempts: u64,
    pub successes: u64,
    pub success_rate: Option<Interval>,
    pub mean_score: Option<f64>,
    pub by_category: Vec<GroupStats>,
    pub by_difficulty: Vec<GroupStats>,
    /// For k = 1 ..= the largest number of attempts any task has.
    pub pass_k: Vec<PassK>,
    pub mean_steps: Option<f64>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    /// Sum of attempt costs; `None` when any attempt's cost is unknown.
    pub cost_usd: Option<f64>,
    /// `cost_usd` divided by the number of tasks.
    pub cost_per_task_usd: Option<f64>,
    pub p50_duration_ms: Option<f64>,
    pub p95_duration_ms: Option<f64>,
    /// Attempts that ended with an error (any outcome).
    pub errors: u64,
    /// Attempts per distinct error message, most frequent first.
    pub error_counts: Vec<ErrorCount>,
}

fn group(name: &str, rows: &[&TaskResult]) -> GroupStats {
    let attempts = rows.len() as u64;
    let successes = rows.iter().filter(|r| r.result.success).count() as u64;
    GroupStats { name: name.to_string(), attempts, successes, success_rate: stats::wilson(successes, attempts) }
}

fn groups(rows: &[TaskResult], key: impl Fn(&TaskResult) -> &str) -> Vec<GroupStats> {
    let mut by: BTreeMap<&str, Vec<&TaskResult>> = BTreeMap::new();
    for r in rows {
        by.entry(key(r)).or_default().push(r);
    }
    by.into_iter().map(|(name, rs)| group(name, &rs)).collect()
}

/// Per task id, the attempt outcomes in attempt order.
fn outcomes_by_task(rows: &[TaskResult]) -> BTreeMap<&str, Vec<bool>> {
    let mut by: BTreeMap<&str, Vec<(u32, bool)>> = BTreeMap::new();
    for r in rows {
        by.entry(r.result.task_id.as_str()).or_default().push((r.result.attempt, r.result.success));
    }
    by.into_iter()
        .map(|(t, mut v)| {
            v.sort_by_key(|(a, _)| *a);
            (t, v.into_iter().map(|(_, s)| s).collect())
        })
        .collect()
}

/// Summarise stored rows (pure; `Results::summary` loads them).
pub fn summarize(evaluation: Evaluation, rows: &[TaskResult]) -> EvaluationSummary {
    let attempts = rows.len() as u64;
    let successes = rows.iter().filter(|r| r.result.success).count() as u64;
    let per_task = outcomes_by_task(rows);
    let tasks = per_task.len() as u64;
    let max_attempts = per_task.values().map(Vec::len).max().unwrap_or(0);
    let outcome_lists: Vec<Vec<bool>> = per_task.values().cloned().collect();
    let counts: Vec<stats::TaskAttempts> =
        outcome_lists.iter().map(|o| (o.iter().filter(|p| **p).count() as u64, o.len() as u64)).collect();
    let pass_k = (1..=max_attempts)
        .map(|k| PassK {
            k: k as u32,
            all_of_first_k: stats::pass_all_k(&outcome_lists, k),
            unbiased: stats::pass_hat_k(&counts, k as u64),
        })
        .collect();
    let scores: Vec<f64> = rows.iter().map(|r| r.result.score).collect();
    let steps: Vec<f64> = rows.iter().map(|r| f64::from(r.result.steps)).collect();
    let durations: Vec<f64> = rows.iter().map(|r| r.result.duration_ms as f64).collect();
    let costs: Option<Vec<f64>> = rows.iter().map(|r| r.result.cost_usd).collect();
    let cost_usd = costs.filter(|c| !c.is_empty()).map(|c| c.iter().sum::<f64>());
    let mut errors: BTreeMap<&str, u64> = BTreeMap::new();
    for e in rows.iter().filter_map(|r| r.result.error.as_deref()) {
        *errors.entry(e).or_default() += 1;
    }
    let mut error_counts: Vec<ErrorCount> =
        errors.into_iter().map(|(e, count)| ErrorCount { error: e.to_string(), count }).collect();
    error_counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.error.cmp(&b.error)));
    EvaluationSummary {
        evaluation,
        tasks,
        attempts,
        successes,
        success_rate: stats::wilson(successes, attempts),
        mean_score: stats::mean(&scores),
        by_category: groups(rows, |r| &r.result.category),
        // Unrated tasks (no difficulty) form no difficulty group.
        by_difficulty: groups(rows, |r| &r.result.difficulty).into_iter().filter(|g| !g.name.is_empty()).collect(),
        pass_k,
        mean_steps: stats::mean(&steps),
        input_tokens: rows.iter().map(|r| r.result.input_tokens).sum(),
        output_tokens: rows.iter().map(|r| r.result.output_tokens).sum(),
        cost_usd,
        cost_per_task_usd: cost_usd.filter(|_| tasks > 0).map(|c| c / tasks as f64),
        p50_duration_ms: stats::percentile(&durations, 0.5),
        p95_duration_ms: stats::percentile(&durations, 0.95),
        errors: error_counts.iter().map(|e| e.count).sum(),
        error_counts,
    }
}

/// One task in a paired comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PairedTask {
    pub task_id: String,
    /// Majority outcome in A and B.
    pub a: bool,
    pub b: bool,
    pub a_passes: u32,
    pub a_attempts: u32,
    pub b_passes: u32,
    pub b_attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct EvaluationComparison {
    pub a: Evaluation,
    pub b: Evaluation,
    /// True when the two evaluations used different versions (hashes) of the suite file.
    pub suite_changed: bool,
    pub tasks: Vec<PairedTask>,
    /// Tasks only one of the two evaluations has (not paired).
    pub unpaired: Vec<String>,
    pub both_pass: u64,
    /// Discordant: A passed, B failed.
    pub only_a: u64,
    /// Discordant: B passed, A failed.
    pub only_b: u64,
    pub neither: u64,
    /// Exact two-sided McNemar p-value from `only_a` and `only_b`.
    pub p_value: f64,
    /// Paired success rates (majority outcome per task, what McNemar tests) and B − A.
    pub success_rate_a: Option<f64>,
    pub success_rate_b: Option<f64>,
    pub difference: Option<f64>,
    /// Mean over paired tasks of each task's pass rate (passes / attempts), for A and for B.
    pub pass_rate_a: Option<f64>,
    pub pass_rate_b: Option<f64>,
    /// The paired difference B − A: mean over paired tasks of (B's pass rate − A's pass rate), with its 95 % paired
    /// bootstrap interval (tasks resampled; `stats::bootstrap`). With one attempt per task it is `difference`.
    pub paired_difference: Option<Difference>,
}

/// Majority outcome: (passed, passes, attempts).
fn majority(outcomes: &[bool]) -> (bool, u32, u32) {
    let passes = outcomes.iter().filter(|p| **p).count() as u32;
    let attempts = outcomes.len() as u32;
    (passes * 2 > attempts, passes, attempts)
}

/// Pair two evaluations' stored rows (pure; `Results::compare` loads them).
pub fn pair(a: Evaluation, rows_a: &[TaskResult], b: Evaluation, rows_b: &[TaskResult]) -> EvaluationComparison {
    let (by_a, by_b) = (outcomes_by_task(rows_a), outcomes_by_task(rows_b));
    let mut tasks = Vec::new();
    let mut unpaired: Vec<String> = by_b.keys().filter(|t| !by_a.contains_key(*t)).map(|t| t.to_string()).collect();
    for (task, oa) in &by_a {
        let Some(ob) = by_b.get(task) else {
            unpaired.push(task.to_string());
            continue;
        };
        let ((pa, a_passes, a_attempts), (pb, b_passes, b_attempts)) = (majority(oa), majority(ob));
        tasks.push(PairedTask { task_id: task.to_string(), a: pa, b: pb, a_passes, a_attempts, b_passes, b_attempts });
    }
    unpaired.sort();
    let count = |f: &dyn Fn(&PairedTask) -> bool| tasks.iter().filter(|t| f(t)).count() as u64;
    let (both_pass, only_a) = (count(&|t| t.a && t.b), count(&|t| t.a && !t.b));
    let (only_b, neither) = (count(&|t| !t.a && t.b), count(&|t| !t.a && !t.b));
    let n = tasks.len() as f64;
    let rate = |passes: u32, attempts: u32| f64::from(passes) / f64::from(attempts.max(1));
    let rates_a: Vec<f64> = tasks.iter().map(|t| rate(t.a_passes, t.a_attempts)).collect();
    let rates_b: Vec<f64> = tasks.iter().map(|t| rate(t.b_passes, t.b_attempts)).collect();
    let diffs: Vec<f64> = rates_a.iter().zip(&rates_b).map(|(x, y)| y - x).collect();
    let success_rate_a = (n > 0.0).then(|| (both_pass + only_a) as f64 / n);
    let success_rate_b = (n > 0.0).then(|| (both_pass + only_b) as f64 / n);
    EvaluationComparison {
        suite_changed: a.suite_hash != b.suite_hash,
        a,
        b,
        tasks,
        unpaired,
        both_pass,
        only_a,
        only_b,
        neither,
        p_value: stats::mcnemar_exact(only_a, only_b),
        success_rate_a,
        success_rate_b,
        difference: success_rate_a.zip(success_rate_b).map(|(x, y)| y - x),
        pass_rate_a: stats::mean(&rates_a),
        pass_rate_b: stats::mean(&rates_b),
        paired_difference: paired_bootstrap(&diffs, bootstrap::RESAMPLES, bootstrap::SEED),
    }
}

impl Results {
    /// The summary of one evaluation, from its stored rows.
    pub async fn summary(&self, evaluation_id: &str) -> Result<EvaluationSummary, EvalError> {
        let evaluation = self.get(evaluation_id).await?;
        let rows = self.results(&evaluation.id).await?;
        Ok(summarize(evaluation, &rows))
    }

    /// Paired comparison of two evaluations of the same suite.
    pub async fn compare(&self, a: &str, b: &str) -> Result<EvaluationComparison, EvalError> {
        let (ea, eb) = (self.get(a).await?, self.get(b).await?);
        if ea.suite != eb.suite {
            return Err(EvalError::SuiteMismatch { a: ea.id, suite_a: ea.suite, b: eb.id, suite_b: eb.suite });
        }
        if ea.id == eb.id {
            return Err(EvalError::Invalid(format!("{a:?} and {b:?} are the same evaluation; compare two")));
        }
        let (ra, rb) = (self.results(&ea.id).await?, self.results(&eb.id).await?);
        Ok(pair(ea, &ra, eb, &rb))
    }
}
