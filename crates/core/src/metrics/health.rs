//! System health: CPU, memory, the disk holding the data dir, network rates and this process's RSS, read with
//! `sysinfo` by a `HealthSampler` that keeps its state between samples (CPU % and network rates are differences
//! over the interval since the previous sample, so a sampler's first sample has them NULL, never a fake zero).
//! Samples get a status from the config's thresholds, are stored in `health_samples`, pruned after
//! `monitoring.retention_days`, and taken on an interval by `spawn_sampler` (which also evaluates the alert rules).
//!
//! - `HealthSampler` uses sysinfo 0.40. A CPU reading less than sysinfo's minimum update interval
//!   (`MINIMUM_CPU_UPDATE_INTERVAL`) after the previous one is stored as NULL, like the first one. The disk is the
//!   mount point that is the longest prefix of the data directory (or of its nearest existing parent).
//! - `spawn_sampler` (started by `api::health::start_sampler`) ticks every `monitoring.health_interval_secs` (unless
//!   given another interval): sample, store, evaluate the alert rules, prune. Tables `health_samples` and `alerts`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sysinfo::{CpuRefreshKind, Disks, MemoryRefreshKind, Networks, Pid, ProcessRefreshKind, ProcessesToUpdate, System};

use crate::config::{AlertThresholds, MonitoringConfig};
use crate::kind::ErrorKind;
use crate::store::Store;

/// Below a threshold by at most this many percentage points is `warning`; at or above it is `critical`.
pub const WARNING_BAND_POINTS: f64 = 10.0;

#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error("cannot read system information ({what}): {detail}")]
    Sysinfo { what: &'static str, detail: String },
    #[error("no mounted disk holds the data dir {path}")]
    NoDisk { path: PathBuf },
    #[error("health store: {0}")]
    Sqlx(#[from] sqlx::Error),
}

impl HealthError {
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Failed
    }
}

/// healthy < warning < critical (ordered, so the worst of several checks is their maximum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    Healthy,
    Warning,
    Critical,
}

impl HealthStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "healthy",
            HealthStatus::Warning => "warning",
            HealthStatus::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<HealthStatus> {
        match s {
            "healthy" => Some(HealthStatus::Healthy),
            "warning" => Some(HealthStatus::Warning),
            "critical" => Some(HealthStatus::Critical),
            _ => None,
        }
    }

    /// The status of `value` against `threshold`: critical at/above it, warning within `WARNING_BAND_POINTS` below.
    pub fn of(value: f64, threshold: f64) -> HealthStatus {
        if value >= threshold {
            HealthStatus::Critical
        } else if value >= threshold - WARNING_BAND_POINTS {
            HealthStatus::Warning
        } else {
            HealthStatus::Healthy
        }
    }
}

/// One health reading. Byte counts are i64 (what SQLite stores); rates are per second.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct HealthSample {
    pub at_ms: i64,
    /// Whole machine, 0–100; `None` on a sampler's first sample (there is no previous reading to diff against).
    pub cpu_percent: Option<f64>,
    pub cpu_count: u32,
    pub memory_used_bytes: i64,
    pub memory_total_bytes: i64,
    /// Mount point of the disk holding the data dir.
    pub disk_path: String,
    pub disk_used_bytes: i64,
    pub disk_total_bytes: i64,
    /// All interfaces but loopback; `None` on a sampler's first sample.
    pub net_rx_bytes_per_sec: Option<f64>,
    pub net_tx_bytes_per_sec: Option<f64>,
    pub process_rss_bytes: i64,
    pub status: HealthStatus,
}

impl HealthSample {
    pub fn memory_percent(&self) -> f64 {
        percent(self.memory_used_bytes, self.memory_total_bytes)
    }

    pub fn disk_percent(&self) -> f64 {
        percent(self.disk_used_bytes, self.disk_total_bytes)
    }

    /// The status from `thresholds` and a reason for every resource that is not healthy (CPU only when known).
    pub fn assess(&self, thresholds: &AlertThresholds) -> (HealthStatus, Vec<String>) {
        let mut checks = vec![
            ("memory", self.memory_percent(), thresholds.memory_percent),
            ("disk", self.disk_percent(), thresholds.disk_percent),
        ];
        if let Some(cpu) = self.cpu_percent {
            checks.insert(0, ("cpu", cpu, thresholds.cpu_percent));
        }
        let mut worst = HealthStatus::Healthy;
        let mut reasons = Vec::new();
        for (name, value, threshold) in checks {
            let status = HealthStatus::of(value, threshold);
            if status != HealthStatus::Healthy {
                reasons.push(format!("{name} {value:.1}% ({} at {threshold}%)", status.as_str()));
            }
            worst = worst.max(status);
        }
        (worst, reasons)
    }
}

fn percent(used: i64, total: i64) -> f64 {
    if total > 0 { used as f64 * 100.0 / total as f64 } else { 0.0 }
}

fn sysinfo_err(what: &'static str) -> impl FnOnce(sysinfo::Error) -> HealthError {
    move |e| HealthError::Sysinfo { what, detail: e.to_string() }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Keeps sysinfo's state between samples so CPU % and network rates cover the time since the previous sample.
pub struct HealthSampler {
    system: System,
    networks: Networks,
    disks: Disks,
    data_dir: PathBuf,
    pid: Option<Pid>,
    last_cpu: Option<Instant>,
    last_net: Option<(Instant, u64, u64)>,
}

impl HealthSampler {
    /// A sampler for the machine holding `data_dir`. Takes the baseline readings right away, so the first
    /// `sample()` (still without CPU and rates) and a second one an interval later (with them) behave as documented.
    pub fn new(data_dir: &Path) -> Result<HealthSampler, HealthError> {
        let system = System::new().map_err(sysinfo_err("system"))?;
        let networks = Networks::new().map_err(sysinfo_err("network interfaces"))?;
        let disks = Disks::new().map_err(sysinfo_err("disks"))?;
        let pid = sysinfo::get_current_pid().ok();
        Ok(HealthSampler {
            system,
            networks,
            disks,
            data_dir: data_dir.to_path_buf(),
            pid,
            last_cpu: None,
            last_net: None,
        })
    }

    /// Read everything now and give it a status from `thresholds`.
    pub fn sample(&mut self, thresholds: &AlertThresholds) -> Result<HealthSample, HealthError> {
        let now = Instant::now();
        let at_ms = crate::util::now_ms();

        self.system.refresh_cpu_specifics(CpuRefreshKind::nothing().with_usage());
        // sysinfo needs two refreshes at least MINIMUM_CPU_UPDATE_INTERVAL apart for a meaningful figure.
        let cpu_percent = match self.last_cpu {
            Some(prev) if now.duration_since(prev) >= sysinfo::MINIMUM_CPU_UPDATE_INTERVAL => {
                Some(f64::from(self.system.global_cpu_usage()).clamp(0.0, 100.0))
            }
            _ => None,
        };
        if cpu_percent.is_some() || self.last_cpu.is_none() {
            self.last_cpu = Some(now);
        }
        let cpu_count = match self.system.cpus().len() {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };

        self.system.refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
        let memory_total = self.system.total_memory();
        if memory_total == 0 {
            return Err(HealthError::Sysinfo { what: "memory", detail: "total memory reads as 0".into() });
        }
        let memory_used = self.system.used_memory().min(memory_total);

        let (disk_path, disk_used, disk_total) = self.disk()?;

        self.networks.refresh(true);
        let (rx, tx) = self
            .networks
            .iter()
            .filter(|(name, _)| name.to_str() != Some("lo"))
            .fold((0u64, 0u64), |(rx, tx), (_, d)| (rx + d.total_received(), tx + d.total_transmitted()));
        let rates = self.last_net.and_then(|(prev, prx, ptx)| {
            let secs = now.duration_since(prev).as_secs_f64();
            (secs > 0.0).then(|| (rx.saturating_sub(prx) as f64 / secs, tx.saturating_sub(ptx) as f64 / secs))
        });
        self.last_net = Some((now, rx, tx));

        let rss = self.pid.map_or(0, |pid| {
            self.system.refresh_processes_specifics(
                ProcessesToUpdate::Some(&[pid]),
                false,
                ProcessRefreshKind::nothing().with_memory(),
            );
            self.system.process(pid).map_or(0, |p| p.memory())
        });

        let mut sample = HealthSample {
            at_ms,
            cpu_percent,
            cpu_count: u32::try_from(cpu_count).unwrap_or(u32::MAX),
            memory_used_bytes: to_i64(memory_used),
            memory_total_bytes: to_i64(memory_total),
            disk_path,
            disk_used_bytes: to_i64(disk_used),
            disk_total_bytes: to_i64(disk_total),
            net_rx_bytes_per_sec: rates.map(|r| r.0),
            net_tx_bytes_per_sec: rates.map(|r| r.1),
            process_rss_bytes: to_i64(rss),
            status: HealthStatus::Healthy,
        };
        sample.status = sample.assess(thresholds).0;
        Ok(sample)
    }

    /// (mount point, used, total) of the disk whose mount point is the longest prefix of the data dir.
    fn disk(&mut self) -> Result<(String, u64, u64), HealthError> {
        self.disks.refresh(true);
        let dir = existing_ancestor(&self.data_dir);
        let best = self
            .disks
            .iter()
            .filter(|d| dir.starts_with(d.mount_point()))
            .max_by_key(|d| d.mount_point().components().count())
            .ok_or_else(|| HealthError::NoDisk { path: self.data_dir.clone() })?;
        let total = best.total_space();
        let used = total.saturating_sub(best.available_space());
        Ok((best.mount_point().display().to_string(), used, total))
    }
}

/// The data dir (or, before it is created, its nearest existing ancestor) with symlinks resolved.
fn existing_ancestor(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    absolute.ancestors().find_map(|p| p.canonicalize().ok()).unwrap_or(absolute)
}

const COLUMNS: &str = "at_ms, cpu_percent, cpu_count, memory_used_bytes, memory_total_bytes, disk_path, \
     disk_used_bytes, disk_total_bytes, net_rx_bytes_per_sec, net_tx_bytes_per_sec, process_rss_bytes, status";

/// Store one sample; returns its row id.
pub async fn record(store: &Store, s: &HealthSample) -> Result<i64, HealthError> {
    let sql = format!("INSERT INTO health_samples ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    let done = sqlx::query(&sql)
        .bind(s.at_ms)
        .bind(s.cpu_percent)
        .bind(i64::from(s.cpu_count))
        .bind(s.memory_used_bytes)
        .bind(s.memory_total_bytes)
        .bind(&s.disk_path)
        .bind(s.disk_used_bytes)
        .bind(s.disk_total_bytes)
        .bind(s.net_rx_bytes_per_sec)
        .bind(s.net_tx_bytes_per_sec)
        .bind(s.process_rss_bytes)
        .bind(s.status.as_str())
        .execute(store.pool())
        .await?;
    Ok(done.last_insert_rowid())
}

fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<HealthSample, HealthError> {
    let status: String = row.try_get("status")?;
    let cpu_count: i64 = row.try_get("cpu_count")?;
    Ok(HealthSample {
        at_ms: row.try_get("at_ms")?,
        cpu_percent: row.try_get("cpu_percent")?,
        cpu_count: u32::try_from(cpu_count).unwrap_or(1),
        memory_used_bytes: row.try_get("memory_used_bytes")?,
        memory_total_bytes: row.try_get("memory_total_bytes")?,
        disk_path: row.try_get("disk_path")?,
        disk_used_bytes: row.try_get("disk_used_bytes")?,
        disk_total_bytes: row.try_get("disk_total_bytes")?,
        net_rx_bytes_per_sec: row.try_get("net_rx_bytes_per_sec")?,
        net_tx_bytes_per_sec: row.try_get("net_tx_bytes_per_sec")?,
        process_rss_bytes: row.try_get("process_rss_bytes")?,
        // The table's CHECK admits only these three words.
        status: HealthStatus::parse(&status).unwrap_or(HealthStatus::Critical),
    })
}

/// The newest stored sample.
pub async fn latest(store: &Store) -> Result<Option<HealthSample>, HealthError> {
    let sql = format!("SELECT {COLUMNS} FROM health_samples ORDER BY at_ms DESC, id DESC LIMIT 1");
    let row = sqlx::query(&sql).fetch_optional(store.pool()).await?;
    row.as_ref().map(from_row).transpose()
}

/// Samples taken at or after `since_ms`, oldest first.
pub async fn history(store: &Store, since_ms: i64) -> Result<Vec<HealthSample>, HealthError> {
    let sql = format!("SELECT {COLUMNS} FROM health_samples WHERE at_ms >= ? ORDER BY at_ms, id");
    let rows = sqlx::query(&sql).bind(since_ms).fetch_all(store.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// How many rows retention removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Pruned {
    pub health_samples: u32,
    pub resolved_alerts: u32,
}

/// Delete samples older than `retention_days` before `now_ms`, and resolved alerts resolved before then.
/// Open alerts are kept whatever their age.
pub async fn prune(store: &Store, retention_days: u32, now_ms: i64) -> Result<Pruned, HealthError> {
    let cutoff = now_ms.saturating_sub(i64::from(retention_days) * 86_400_000);
    let samples = sqlx::query("DELETE FROM health_samples WHERE at_ms < ?").bind(cutoff).execute(store.pool()).await?;
    let alerts = sqlx::query("DELETE FROM alerts WHERE resolved_at_ms IS NOT NULL AND resolved_at_ms < ?")
        .bind(cutoff)
        .execute(store.pool())
        .await?;
    let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(Pruned { health_samples: count(samples.rows_affected()), resolved_alerts: count(alerts.rows_affected()) })
}

/// A running background sampler; stops when dropped or on `stop()`.
pub struct SamplerHandle {
    task: tokio::task::JoinHandle<()>,
    /// Incremented after each tick (sample recorded, alerts evaluated, old rows pruned) — for live views.
    pub ticks: tokio::sync::watch::Receiver<u64>,
}

impl SamplerHandle {
    pub fn stop(self) {
        self.task.abort();
    }
}

impl Drop for SamplerHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Sample, record, evaluate the alert rules and prune, every `interval` (the first tick right away). A failed tick
/// is reported on stderr and the next one tries again.
pub fn spawn_sampler(
    store: Store,
    data_dir: &Path,
    monitoring: MonitoringConfig,
    interval: Duration,
) -> Result<SamplerHandle, HealthError> {
    let mut sampler = HealthSampler::new(data_dir)?;
    let (tx, ticks) = tokio::sync::watch::channel(0u64);
    let monitoring = Arc::new(monitoring);
    let task = tokio::spawn(async move {
        let mut timer = tokio::time::interval(interval.max(Duration::from_millis(200)));
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut n = 0u64;
        loop {
            timer.tick().await;
            if let Err(e) = tick(&store, &mut sampler, &monitoring).await {
                eprintln!("health sampler: {e}");
            }
            n += 1;
            tx.send_replace(n);
        }
    });
    Ok(SamplerHandle { task, ticks })
}

async fn tick(
    store: &Store,
    sampler: &mut HealthSampler,
    m: &MonitoringConfig,
) -> Result<(), super::alerts::AlertError> {
    let sample = sampler.sample(&m.alerts)?;
    record(store, &sample).await?;
    let now = crate::util::now_ms();
    super::alerts::evaluate(store, &m.alerts, now).await?;
    prune(store, m.retention_days, now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thresholds() -> AlertThresholds {
        AlertThresholds {
            error_rate: 0.1,
            p95_task_duration_secs: 60.0,
            min_success_rate: 0.8,
            cpu_percent: 80.0,
            memory_percent: 90.0,
            disk_percent: 50.0,
        }
    }

    /// Memory and disk are given as percent of a 1000-byte total.
    fn sample(cpu: Option<f64>, memory: i64, disk: i64) -> HealthSample {
        HealthSample {
            at_ms: 0,
            cpu_percent: cpu,
            cpu_count: 2,
            memory_used_bytes: memory * 10,
            memory_total_bytes: 1000,
            disk_path: "/".into(),
            disk_used_bytes: disk * 10,
            disk_total_bytes: 1000,
            net_rx_bytes_per_sec: None,
            net_tx_bytes_per_sec: None,
            process_rss_bytes: 1,
            status: HealthStatus::Healthy,
        }
    }

    #[test]
    fn status_bands_are_critical_at_threshold_and_warning_ten_points_below() {
        assert_eq!(HealthStatus::of(80.0, 80.0), HealthStatus::Critical);
        assert_eq!(HealthStatus::of(95.0, 80.0), HealthStatus::Critical);
        assert_eq!(HealthStatus::of(79.9, 80.0), HealthStatus::Warning);
        assert_eq!(HealthStatus::of(70.0, 80.0), HealthStatus::Warning);
        assert_eq!(HealthStatus::of(69.9, 80.0), HealthStatus::Healthy);
    }

    #[test]
    fn worst_resource_decides_and_each_unhealthy_one_is_named() {
        let t = thresholds();
        assert_eq!(sample(Some(10.0), 10, 10).assess(&t), (HealthStatus::Healthy, vec![]));
        let (status, reasons) = sample(Some(75.0), 10, 10).assess(&t);
        assert_eq!(status, HealthStatus::Warning);
        assert_eq!(reasons.len(), 1);
        assert!(reasons[0].starts_with("cpu 75.0%"), "{reasons:?}");
        // Disk alone at its (low) threshold makes the whole machine critical.
        let (status, reasons) = sample(Some(75.0), 85, 50).assess(&t);
        assert_eq!(status, HealthStatus::Critical);
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons[2].starts_with("disk 50.0% (critical"), "{reasons:?}");
    }

    #[test]
    fn unknown_cpu_is_not_counted() {
        let t = thresholds();
        assert_eq!(sample(None, 10, 10).assess(&t).0, HealthStatus::Healthy);
        assert_eq!(sample(None, 95, 10).assess(&t).0, HealthStatus::Critical);
    }

    #[test]
    fn real_readings_are_plausible_and_the_first_has_no_cpu_or_rates() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = HealthSampler::new(&dir.path().join("not-yet-created")).unwrap();
        let first = s.sample(&thresholds()).unwrap();
        assert_eq!(first.cpu_percent, None);
        assert_eq!(first.net_rx_bytes_per_sec, None);
        assert_eq!(first.net_tx_bytes_per_sec, None);
        assert!(first.memory_total_bytes > 0);
        assert!(first.memory_used_bytes <= first.memory_total_bytes);
        assert!(first.disk_total_bytes > 0);
        assert!(first.disk_used_bytes <= first.disk_total_bytes);
        assert!(first.cpu_count >= 1);
        assert!(first.process_rss_bytes > 0);
        assert!(dir.path().canonicalize().unwrap().starts_with(&first.disk_path));
        std::thread::sleep(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL + Duration::from_millis(100));
        let second = s.sample(&thresholds()).unwrap();
        let cpu = second.cpu_percent.expect("second sample has CPU");
        assert!((0.0..=100.0).contains(&cpu), "{cpu}");
        assert!(second.net_rx_bytes_per_sec.is_some_and(|r| r >= 0.0));
        assert!(second.net_tx_bytes_per_sec.is_some_and(|r| r >= 0.0));
    }
}
