//! `Recorder`: what the agent loop writes to the tracker for one run — actions, planner messages, per-step and final
//! metrics, and (per the capture settings) screenshots and DOM snapshots as deduplicated artifacts.

use serde::{Deserialize, Serialize};

use super::AgentError;
use super::artifacts::{self, KIND_DOM_SNAPSHOT, KIND_SCREENSHOT};
use crate::browser::types::ActionOutcome;
use crate::config::ExperimentsConfig;
use crate::metrics::task::TaskMonitor;
use crate::tracker::{Action, Message, TokenCounts, Tracker};

/// What to capture besides actions and metrics (from `config.experiments`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CaptureSettings {
    pub conversations: bool,
    pub screenshots: bool,
    pub dom_snapshots: bool,
}

impl From<&ExperimentsConfig> for CaptureSettings {
    fn from(c: &ExperimentsConfig) -> Self {
        CaptureSettings {
            conversations: c.auto_log_conversations,
            screenshots: c.auto_log_screenshots,
            dom_snapshots: c.auto_log_dom_snapshots,
        }
    }
}

/// Writes one run's episode to the tracker (and, with a monitor, reports it to the metrics collector).
pub struct Recorder<'a> {
    tracker: &'a Tracker,
    run_id: String,
    capture: CaptureSettings,
    monitor: Option<TaskMonitor>,
}

impl<'a> Recorder<'a> {
    /// The run must exist and be running.
    pub fn new(tracker: &'a Tracker, run_id: impl Into<String>, capture: CaptureSettings) -> Recorder<'a> {
        Recorder { tracker, run_id: run_id.into(), capture, monitor: None }
    }

    /// Also report actions, LLM calls, page loads and errors of this episode to the metrics collector.
    pub fn with_monitor(mut self, monitor: Option<TaskMonitor>) -> Recorder<'a> {
        self.monitor = monitor;
        self
    }

    pub fn monitor(&self) -> Option<&TaskMonitor> {
        self.monitor.as_ref()
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    pub fn capture(&self) -> CaptureSettings {
        self.capture
    }

    /// Record the planner's messages (already masked) when conversations are captured.
    pub async fn messages(&self, messages: &[Message]) -> Result<(), AgentError> {
        if self.capture.conversations && !messages.is_empty() {
            self.tracker.log_conversation(&self.run_id, messages).await?;
        }
        Ok(())
    }

    /// Record one action as it happened.
    pub async fn action(&self, outcome: &ActionOutcome) -> Result<(), AgentError> {
        let action = Action {
            action_type: outcome.action.clone(),
            target: outcome.target.clone(),
            success: outcome.success,
            duration_ms: outcome.duration_ms.max(0),
            error: outcome.error.clone(),
            ts_ms: 0,
        };
        self.tracker.log_action(&self.run_id, &action).await?;
        if let Some(m) = &self.monitor {
            m.action(&action.action_type, action.success, action.duration_ms).await;
        }
        Ok(())
    }

    pub async fn metric(&self, key: &str, value: f64, step: i64) -> Result<(), AgentError> {
        self.tracker.log_metric(&self.run_id, key, value, step, None).await?;
        Ok(())
    }

    /// Per-step metrics: wall time, LLM latency and this step's tokens.
    pub async fn step_metrics(
        &self,
        step: u32,
        duration_ms: i64,
        latency_ms: i64,
        usage: &TokenCounts,
    ) -> Result<(), AgentError> {
        let s = i64::from(step);
        self.metric("step_duration_ms", duration_ms as f64, s).await?;
        self.metric("llm_latency_ms", latency_ms as f64, s).await?;
        self.metric("step_input_tokens", usage.input as f64, s).await?;
        self.metric("step_output_tokens", usage.output as f64, s).await?;
        Ok(())
    }

    /// Store the screenshot (PNG) of a step when screenshots are captured.
    pub async fn screenshot(&self, step: u32, png: &[u8]) -> Result<Option<String>, AgentError> {
        if !self.capture.screenshots {
            return Ok(None);
        }
        self.artifact(step, KIND_SCREENSHOT, "image/png", png).await.map(Some)
    }

    /// Store the serialised page state of a step when DOM snapshots are captured.
    pub async fn dom_snapshot(&self, step: u32, serialized: &str) -> Result<Option<String>, AgentError> {
        if !self.capture.dom_snapshots {
            return Ok(None);
        }
        self.artifact(step, KIND_DOM_SNAPSHOT, "text/plain; charset=utf-8", serialized.as_bytes()).await.map(Some)
    }

    async fn artifact(&self, step: u32, kind: &str, mime: &str, bytes: &[u8]) -> Result<String, AgentError> {
        let store = self.tracker.store();
        let hash = artifacts::store_artifact(store, kind, mime, bytes).await?;
        artifacts::link_artifact(store, &self.run_id, i64::from(step), kind, &hash).await?;
        Ok(hash)
    }

    /// Wait until every metric logged so far is durable.
    pub async fn flush(&self) -> Result<(), AgentError> {
        self.tracker.flush().await?;
        Ok(())
    }
}
