//! Monitoring: the persistent metrics collector (tasks, actions, LLM calls, page loads, errors), summaries over a
//! time window, system health sampling, alerts from the config's thresholds and the Prometheus exposition. `window`
//! reads the monitoring tables over a time window for other domains (the report).

pub mod alerts;
pub mod collector;
pub mod exposition;
pub mod health;
pub mod summary;
pub mod task;
pub mod window;
