//! Operation table: system health and alerts — a fresh health reading, the stored history, the alert list, an alert
//! evaluation, and the snapshot `monitor watch` redraws. Thresholds come from the active environment's config.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::op::Sink;
use crate::Core;
use crate::config::{AlertThresholds, MonitoringConfig};
use crate::error::{Error, Result};
use crate::metrics::alerts::{self, Alert, AlertEvaluation, TaskCounts};
use crate::metrics::health::{self, HealthSample, HealthSampler, HealthStatus, SamplerHandle};
use crate::util::now_ms;

const HOUR_MS: i64 = 3_600_000;

fn monitoring(core: &Core) -> Result<MonitoringConfig> {
    Ok(crate::config::load(core.settings())?.config.monitoring)
}

fn hours_since(hours: Option<u32>, default: u32) -> Result<(u32, i64)> {
    let hours = hours.unwrap_or(default);
    if hours == 0 {
        return Err(Error::EmptyWindow);
    }
    Ok((hours, now_ms() - i64::from(hours) * HOUR_MS))
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, Default)]
pub struct HealthInput {}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct HealthOutput {
    /// Read now, over about one second (so CPU % and network rates are known).
    pub current: HealthSample,
    /// Why `current` is not healthy: one line per resource at warning or critical.
    pub reasons: Vec<String>,
    /// The newest sample stored by a running sampler (`serve`, `monitor watch`), if any.
    pub latest_stored: Option<HealthSample>,
    pub thresholds: AlertThresholds,
}

/// A fresh reading (two samples one second apart; the second is reported), the latest stored one and the status.
pub async fn health(core: &Core, _input: HealthInput) -> Result<HealthOutput> {
    let thresholds = monitoring(core)?.alerts;
    let data_dir = core.settings().data_dir.clone();
    let t = thresholds.clone();
    let current = tokio::task::spawn_blocking(move || -> Result<HealthSample> {
        let mut sampler = HealthSampler::new(&data_dir)?;
        sampler.sample(&t)?;
        std::thread::sleep(Duration::from_secs(1));
        Ok(sampler.sample(&t)?)
    })
    .await
    .map_err(|e| Error::Failed(format!("health sampling stopped: {e}")))??;
    let reasons = current.assess(&thresholds).1;
    let latest_stored = health::latest(core.store().await?).await?;
    Ok(HealthOutput { current, reasons, latest_stored, thresholds })
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, Default)]
pub struct HealthHistoryInput {
    /// How far back, in hours (default 24).
    pub hours: Option<u32>,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct HealthHistoryOutput {
    pub hours: u32,
    /// Oldest first.
    pub samples: Vec<HealthSample>,
}

/// Stored health samples of the last `hours`.
pub async fn health_history(core: &Core, input: HealthHistoryInput) -> Result<HealthHistoryOutput> {
    let (hours, since) = hours_since(input.hours, 24)?;
    let samples = health::history(core.store().await?, since).await?;
    Ok(HealthHistoryOutput { hours, samples })
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, Default)]
pub struct AlertsInput {
    /// Only alerts still open.
    pub open_only: bool,
    /// With `open_only` false: alerts fired in the last `hours` (plus any still open); `None` for all of them.
    pub hours: Option<u32>,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct AlertsOutput {
    /// Newest first.
    pub alerts: Vec<Alert>,
    pub open: u32,
}

/// The stored alerts.
pub async fn alerts(core: &Core, input: AlertsInput) -> Result<AlertsOutput> {
    let since = input.hours.map(|h| hours_since(Some(h), 24)).transpose()?.map(|(_, since)| since);
    let alerts = alerts::list(core.store().await?, input.open_only, since).await?;
    let open = alerts.iter().filter(|a| a.resolved_at_ms.is_none()).count() as u32;
    Ok(AlertsOutput { alerts, open })
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, Default)]
pub struct EvaluateAlertsInput {}

/// Evaluate every alert rule now: fire what is newly violated, resolve what cleared.
pub async fn evaluate_alerts(core: &Core, _input: EvaluateAlertsInput) -> Result<AlertEvaluation> {
    let thresholds = monitoring(core)?.alerts;
    Ok(alerts::evaluate(core.store().await?, &thresholds, now_ms()).await?)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, Default)]
pub struct WatchInput {}

/// What a live view shows: the newest sample, the open alerts and the last hour's tasks.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct WatchSnapshot {
    pub at_ms: i64,
    pub latest: Option<HealthSample>,
    pub status: Option<HealthStatus>,
    pub open_alerts: Vec<Alert>,
    /// Tasks that ended in the last hour by status, and those running now.
    pub tasks_last_hour: TaskCounts,
}

pub async fn snapshot(core: &Core, _input: WatchInput) -> Result<WatchSnapshot> {
    let store = core.store().await?;
    let at_ms = now_ms();
    let latest = health::latest(store).await?;
    let open_alerts = alerts::list(store, true, None).await?;
    let tasks_last_hour = alerts::task_counts(store, at_ms - HOUR_MS).await?;
    Ok(WatchSnapshot { at_ms, status: latest.as_ref().map(|s| s.status), latest, open_alerts, tasks_last_hour })
}

/// Start the background health sampler (sample, record, evaluate alerts, prune) for a transport that stays up
/// (`serve`, `monitor watch`). `interval` defaults to `monitoring.health_interval_secs`. Not a table operation: it
/// returns a handle, which stops the sampler when dropped.
pub async fn start_sampler(core: &Core, interval: Option<Duration>) -> Result<SamplerHandle> {
    let config = monitoring(core)?;
    let interval = interval.unwrap_or(Duration::from_secs(u64::from(config.health_interval_secs)));
    let store = core.store().await?.clone();
    Ok(health::spawn_sampler(store, &core.settings().data_dir, config, interval)?)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, Default)]
#[serde(default)]
pub struct LiveWatchInput {
    /// Milliseconds between snapshots (at least 200); default: `monitoring.health_interval_secs` when sampling,
    /// else 5,000.
    pub interval_ms: Option<u32>,
    /// Stop after this many snapshots (default: until the watcher goes away).
    pub count: Option<u32>,
    /// Take, store and check a health sample (alert rules included) before each snapshot, as `monitor watch` does.
    /// Leave it off where something already samples (a running `serve`).
    pub sample: bool,
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct WatchEnd {
    /// Snapshots sent.
    pub snapshots: u32,
}

/// The live view as a stream: a snapshot every interval (after each sample when sampling) until the watcher goes
/// away or `count` snapshots were sent.
pub async fn watch(core: &Core, input: LiveWatchInput, sink: Sink<WatchSnapshot>) -> Result<WatchEnd> {
    let default_ms = if input.sample { monitoring(core)?.health_interval_secs.saturating_mul(1000) } else { 5_000 };
    let interval = Duration::from_millis(u64::from(input.interval_ms.unwrap_or(default_ms).max(200)));
    let mut sampler = if input.sample { Some(start_sampler(core, Some(interval)).await?) } else { None };
    let mut snapshots = 0u32;
    loop {
        match sampler.as_mut() {
            Some(sampler) => {
                sampler.ticks.changed().await.map_err(|_| Error::Failed("the health sampler stopped".into()))?;
            }
            None if snapshots > 0 => tokio::time::sleep(interval).await,
            None => {}
        }
        if !sink.send(snapshot(core, WatchInput {}).await?) {
            break;
        }
        snapshots += 1;
        if input.count.is_some_and(|n| snapshots >= n) {
            break;
        }
    }
    Ok(WatchEnd { snapshots })
}
