//! `TaskMonitor`: the handle one agent task (an evaluation attempt or an ad-hoc run) reports through — its end,
//! actions, LLM calls, page loads and errors. Every method swallows failures (one line on stderr): monitoring must
//! never make an agent task fail.

use std::sync::{Arc, Mutex};

use super::collector::{
    ActionSample, Collector, ErrorSample, ErrorSeverity, LlmCallSample, MetricsError, PageLoadSample, TaskStart,
    TaskStatus,
};
use crate::tracker::TokenCounts;

/// A page load waiting for the next page state (which tells its URL and element count).
#[derive(Debug, Clone)]
struct PendingLoad {
    load_ms: f64,
    /// Only record it if the URL differs from this one (a click that may or may not have navigated).
    unless_url: Option<String>,
}

/// How one LLM request of the planner went.
#[derive(Debug, Clone)]
pub enum LlmRequest {
    Answered {
        tokens: TokenCounts,
        cost_usd: Option<f64>,
        latency_ms: i64,
    },
    /// `message` must already have secrets masked; `fatal`: retrying is pointless.
    Failed {
        message: String,
        fatal: bool,
        elapsed_ms: i64,
    },
}

/// The monitoring handle of one running task; cheap to clone.
#[derive(Debug, Clone)]
pub struct TaskMonitor {
    collector: Collector,
    task_ref: String,
    pending: Arc<Mutex<Option<PendingLoad>>>,
}

impl TaskMonitor {
    /// Start monitoring a task; `None` (after a note on stderr) when even that cannot be recorded.
    pub async fn start(collector: &Collector, task: &TaskStart) -> Option<TaskMonitor> {
        match collector.start_task(task).await {
            Ok(task_ref) => {
                Some(TaskMonitor { collector: collector.clone(), task_ref, pending: Arc::new(Mutex::new(None)) })
            }
            Err(e) => {
                report_failure("task start", &e);
                None
            }
        }
    }

    pub fn task_ref(&self) -> &str {
        &self.task_ref
    }

    pub async fn end(&self, status: TaskStatus, steps: u32) {
        if let Err(e) = self.collector.end_task(&self.task_ref, status, steps, crate::util::now_ms()).await {
            report_failure("task end", &e);
        }
    }

    pub async fn action(&self, action_type: &str, success: bool, duration_ms: i64) {
        let sample = ActionSample {
            action_type: action_type.to_string(),
            success,
            duration_ms: duration_ms.max(0) as f64,
            at_ms: crate::util::now_ms(),
        };
        if let Err(e) = self.collector.action(Some(&self.task_ref), &sample).await {
            report_failure("action", &e);
        }
    }

    pub async fn llm_call(&self, sample: &LlmCallSample) {
        if let Err(e) = self.collector.llm_call(Some(&self.task_ref), sample).await {
            report_failure("LLM call", &e);
        }
    }

    pub async fn error(&self, error_type: &str, message: &str, severity: ErrorSeverity, context: serde_json::Value) {
        let sample = ErrorSample {
            error_type: error_type.to_string(),
            message: message.to_string(),
            context,
            severity,
            at_ms: crate::util::now_ms(),
        };
        if let Err(e) = self.collector.error(Some(&self.task_ref), &sample).await {
            report_failure("error", &e);
        }
    }

    /// One LLM request of the planner at `step`. A failed one is also recorded as an `llm_call` error (high when
    /// retrying is pointless, else medium).
    pub async fn llm_request(&self, step: u32, provider: &str, model: &str, result: LlmRequest) {
        let (tokens, cost_usd, latency_ms, success) = match &result {
            LlmRequest::Answered { tokens, cost_usd, latency_ms } => (*tokens, *cost_usd, *latency_ms, true),
            LlmRequest::Failed { elapsed_ms, .. } => (TokenCounts::default(), None, *elapsed_ms, false),
        };
        let sample = LlmCallSample {
            provider: provider.to_string(),
            model: model.to_string(),
            tokens,
            cost_usd,
            latency_ms: latency_ms.max(0) as f64,
            success,
            at_ms: crate::util::now_ms(),
        };
        self.llm_call(&sample).await;
        if let LlmRequest::Failed { message, fatal, .. } = result {
            let severity = if fatal { ErrorSeverity::High } else { ErrorSeverity::Medium };
            let context = serde_json::json!({"step": step, "provider": provider, "model": model});
            self.error("llm_call", &message, severity, context).await;
        }
    }

    /// A page load of `load_ms` just finished; it is recorded with the next page state read. With `unless_url`, only
    /// if that state's URL differs from it (an action that changed the page may not have navigated).
    pub fn page_load_pending(&self, load_ms: i64, unless_url: Option<String>) {
        if let Ok(mut p) = self.pending.lock() {
            *p = Some(PendingLoad { load_ms: load_ms.max(0) as f64, unless_url });
        }
    }

    /// A page state was read: record the pending page load (if any) with its URL and element count.
    pub async fn page_state_read(&self, url: &str, dom_elements: usize) {
        let pending = self.pending.lock().ok().and_then(|mut p| p.take());
        let Some(load) = pending else { return };
        if load.unless_url.as_deref() == Some(url) {
            return;
        }
        let sample = PageLoadSample {
            url: url.to_string(),
            load_ms: load.load_ms,
            dom_elements: i64::try_from(dom_elements).ok(),
            at_ms: crate::util::now_ms(),
        };
        if let Err(e) = self.collector.page_load(Some(&self.task_ref), &sample).await {
            report_failure("page load", &e);
        }
    }
}

fn report_failure(what: &str, e: &MetricsError) {
    eprintln!("warning: monitoring could not record the {what} ({e}); the task goes on");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[tokio::test]
    async fn a_pending_page_load_is_recorded_once_and_only_if_the_url_changed() {
        let dir = tempfile::tempdir().unwrap();
        let c = Collector::new(Store::open(&dir.path().join("t.db")).await.unwrap());
        let start = TaskStart {
            run_id: None,
            evaluation_id: None,
            task_id: None,
            model: "baseline".into(),
            provider: "baseline".into(),
            started_at_ms: 0,
        };
        let m = TaskMonitor::start(&c, &start).await.unwrap();
        m.page_load_pending(120, None);
        m.page_state_read("http://127.0.0.1/a", 7).await;
        m.page_state_read("http://127.0.0.1/a", 7).await;
        m.page_load_pending(30, Some("http://127.0.0.1/a".into()));
        m.page_state_read("http://127.0.0.1/a", 9).await;
        m.page_load_pending(40, Some("http://127.0.0.1/a".into()));
        m.page_state_read("http://127.0.0.1/b", 3).await;
        let rows: Vec<(String, f64, i64)> =
            sqlx::query_as("SELECT url, load_ms, dom_elements FROM mon_page_loads WHERE task_ref = ? ORDER BY id")
                .bind(m.task_ref())
                .fetch_all(c.store().pool())
                .await
                .unwrap();
        assert_eq!(rows, vec![("http://127.0.0.1/a".into(), 120.0, 7), ("http://127.0.0.1/b".into(), 40.0, 3)]);
    }
}
