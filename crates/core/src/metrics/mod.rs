//! Monitoring: the persistent metrics collector (tasks, actions, LLM calls, page loads, errors), summaries over a
//! time window, system health sampling, alerts from the config's thresholds and the Prometheus exposition.

pub mod alerts;
pub mod collector;
pub mod exposition;
pub mod health;
pub mod summary;
pub mod task;
