//! The Prometheus exposition behind `GET /metrics`, computed at scrape time FROM THE STORE (the monitoring tables,
//! health samples, alerts and evaluations) so every counter equals what the store holds and survives restarts.
//! All queries run in one read transaction (one consistent snapshot). Counters and gauges go through the
//! `prometheus` crate's vectors and registry; histograms are exact: each bucket's cumulative count is computed by SQL
//! (`SUM(value <= bound)`) over every stored value, then emitted as the crate's histogram families.
//!
//! The histogram bucket bounds are the `*_BUCKETS_MS` constants of this file.

use prometheus::proto::{Bucket, Histogram, LabelPair, Metric, MetricFamily, MetricType};
use prometheus::{Encoder, Gauge, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};
use sqlx::{Row, Sqlite, Transaction};

use crate::kind::ErrorKind;
use crate::store::Store;

#[derive(Debug, thiserror::Error)]
pub enum ExpositionError {
    #[error("cannot read metrics from the store: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("cannot build the Prometheus exposition: {0}")]
    Prometheus(#[from] prometheus::Error),
}

impl ExpositionError {
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Failed
    }
}

/// Histogram bucket upper bounds, in milliseconds (exposed in seconds).
pub const TASK_BUCKETS_MS: [f64; 10] = [1e3, 2e3, 5e3, 1e4, 2e4, 3e4, 6e4, 1.2e5, 3e5, 6e5];
pub const ACTION_BUCKETS_MS: [f64; 10] = [10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1e3, 2.5e3, 5e3, 1e4];
pub const LLM_BUCKETS_MS: [f64; 10] = [100.0, 250.0, 500.0, 1e3, 2e3, 5e3, 1e4, 2e4, 3e4, 6e4];
pub const PAGE_LOAD_BUCKETS_MS: [f64; 9] = [50.0, 100.0, 250.0, 500.0, 1e3, 2e3, 5e3, 1e4, 3e4];

/// Token types of `browser_ai_llm_tokens_total{type}`, with their `mon_llm_calls` column.
const TOKEN_COLUMNS: [(&str, &str); 5] = [
    ("input", "input_tokens"),
    ("output", "output_tokens"),
    ("cache_read", "cache_read_tokens"),
    ("cache_write", "cache_write_tokens"),
    ("reasoning", "reasoning_tokens"),
];

const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];

/// The text exposition (format 0.0.4) of everything the store holds.
pub async fn render(store: &Store) -> Result<String, ExpositionError> {
    let families = gather(store).await?;
    let mut out = Vec::new();
    prometheus::TextEncoder::new().encode(&families, &mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Every metric family, sorted by name; families with no series (e.g. no LLM call yet) are left out.
pub async fn gather(store: &Store) -> Result<Vec<MetricFamily>, ExpositionError> {
    let mut tx = store.pool().begin().await?;
    let registry = Registry::new();
    counters(&mut tx, &registry).await?;
    gauges(&mut tx, &registry).await?;
    let mut families = registry.gather();
    families.extend(histograms(&mut tx).await?);
    tx.commit().await?;
    families.sort_by(|a, b| a.name().cmp(b.name()));
    Ok(families)
}

fn int_counter_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> prometheus::Result<IntCounterVec> {
    let v = IntCounterVec::new(Opts::new(name, help), labels)?;
    registry.register(Box::new(v.clone()))?;
    Ok(v)
}

fn int_gauge_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> prometheus::Result<IntGaugeVec> {
    let v = IntGaugeVec::new(Opts::new(name, help), labels)?;
    registry.register(Box::new(v.clone()))?;
    Ok(v)
}

fn int_gauge(registry: &Registry, name: &str, help: &str, value: i64) -> prometheus::Result<()> {
    let g = IntGauge::new(name, help)?;
    g.set(value);
    registry.register(Box::new(g))
}

fn gauge(registry: &Registry, name: &str, help: &str, value: f64) -> prometheus::Result<()> {
    let g = Gauge::new(name, help)?;
    g.set(value);
    registry.register(Box::new(g))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

async fn counters(tx: &mut Transaction<'static, Sqlite>, registry: &Registry) -> Result<(), ExpositionError> {
    let tasks = int_counter_vec(
        registry,
        "browser_ai_tasks_total",
        "Agent tasks that ended, by outcome and model.",
        &["status", "model"],
    )?;
    let rows =
        sqlx::query("SELECT status, model, COUNT(*) FROM mon_tasks WHERE status <> 'running' GROUP BY status, model")
            .fetch_all(&mut **tx)
            .await?;
    for r in rows {
        tasks.with_label_values(&[r.get::<String, _>(0), r.get(1)]).inc_by(count(r.get(2)));
    }

    let actions = int_counter_vec(
        registry,
        "browser_ai_actions_total",
        "Browser actions executed, by type and success.",
        &["type", "success"],
    )?;
    let rows = sqlx::query("SELECT action_type, success, COUNT(*) FROM mon_actions GROUP BY action_type, success")
        .fetch_all(&mut **tx)
        .await?;
    for r in rows {
        let success = if r.get::<i64, _>(1) == 1 { "true" } else { "false" };
        actions.with_label_values(&[r.get::<String, _>(0).as_str(), success]).inc_by(count(r.get(2)));
    }

    let requests = int_counter_vec(
        registry,
        "browser_ai_llm_requests_total",
        "LLM requests, by provider, model and success.",
        &["provider", "model", "success"],
    )?;
    let rows =
        sqlx::query("SELECT provider, model, success, COUNT(*) FROM mon_llm_calls GROUP BY provider, model, success")
            .fetch_all(&mut **tx)
            .await?;
    for r in rows {
        let success = if r.get::<i64, _>(2) == 1 { "true" } else { "false" };
        requests
            .with_label_values(&[r.get::<String, _>(0).as_str(), r.get::<String, _>(1).as_str(), success])
            .inc_by(count(r.get(3)));
    }

    let tokens = int_counter_vec(
        registry,
        "browser_ai_llm_tokens_total",
        "LLM tokens, by token type, provider and model.",
        &["type", "provider", "model"],
    )?;
    let cost = prometheus::CounterVec::new(
        Opts::new(
            "browser_ai_llm_cost_usd_total",
            "LLM cost in US dollars (priced calls only), by provider and model.",
        ),
        &["provider", "model"],
    )?;
    registry.register(Box::new(cost.clone()))?;
    let sums: Vec<String> = TOKEN_COLUMNS.iter().map(|(_, col)| format!("COALESCE(SUM({col}), 0)")).collect();
    let sql = format!(
        "SELECT provider, model, TOTAL(cost_usd), {} FROM mon_llm_calls GROUP BY provider, model",
        sums.join(", ")
    );
    for r in sqlx::query(&sql).fetch_all(&mut **tx).await? {
        let (provider, model): (String, String) = (r.get(0), r.get(1));
        cost.with_label_values(&[&provider, &model]).inc_by(r.get::<f64, _>(2).max(0.0));
        for (i, (kind, _)) in TOKEN_COLUMNS.iter().enumerate() {
            tokens.with_label_values(&[*kind, provider.as_str(), model.as_str()]).inc_by(count(r.get(3 + i)));
        }
    }

    let loads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mon_page_loads").fetch_one(&mut **tx).await?;
    let page_loads = IntCounter::new("browser_ai_page_loads_total", "Page loads the agent waited for.")?;
    page_loads.inc_by(count(loads));
    registry.register(Box::new(page_loads))?;

    let errors = int_counter_vec(registry, "browser_ai_errors_total", "Recorded errors, by severity.", &["severity"])?;
    for severity in SEVERITIES {
        errors.with_label_values(&[severity]).inc_by(0);
    }
    for r in sqlx::query("SELECT severity, COUNT(*) FROM mon_errors GROUP BY severity").fetch_all(&mut **tx).await? {
        errors.with_label_values(&[r.get::<String, _>(0)]).inc_by(count(r.get(1)));
    }
    Ok(())
}

async fn gauges(tx: &mut Transaction<'static, Sqlite>, registry: &Registry) -> Result<(), ExpositionError> {
    let running: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM mon_tasks WHERE status = 'running'").fetch_one(&mut **tx).await?;
    int_gauge(registry, "browser_ai_tasks_running", "Agent tasks started and not yet ended.", running)?;
    let unresolved: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM mon_errors WHERE resolved = 0").fetch_one(&mut **tx).await?;
    int_gauge(registry, "browser_ai_errors_unresolved", "Recorded errors not yet marked resolved.", unresolved)?;

    let firing = int_gauge_vec(
        registry,
        "browser_ai_alerts_firing",
        "1 while an alert of the rule is open, else 0.",
        &["rule"],
    )?;
    for r in
        sqlx::query("SELECT rule, MAX(resolved_at_ms IS NULL) FROM alerts GROUP BY rule").fetch_all(&mut **tx).await?
    {
        firing.with_label_values(&[r.get::<String, _>(0)]).set(r.get(1));
    }

    let evaluations: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM evaluations WHERE status = 'running'").fetch_one(&mut **tx).await?;
    int_gauge(registry, "browser_ai_evaluations_running", "Evaluations currently running.", evaluations)?;
    let done = int_gauge_vec(
        registry,
        "browser_ai_evaluation_attempts_done",
        "Task attempts stored so far for each running evaluation.",
        &["evaluation"],
    )?;
    let rows = sqlx::query(
        "SELECT e.id, COUNT(r.id) FROM evaluations e LEFT JOIN task_results r ON r.evaluation_id = e.id \
         WHERE e.status = 'running' GROUP BY e.id",
    )
    .fetch_all(&mut **tx)
    .await?;
    for r in rows {
        done.with_label_values(&[r.get::<String, _>(0)]).set(r.get(1));
    }

    let latest = sqlx::query(
        "SELECT cpu_percent, memory_used_bytes, memory_total_bytes, disk_used_bytes, disk_total_bytes, \
         net_rx_bytes_per_sec, net_tx_bytes_per_sec, process_rss_bytes FROM health_samples ORDER BY at_ms DESC, id DESC LIMIT 1",
    )
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(r) = latest {
        if let Some(cpu) = r.get::<Option<f64>, _>(0) {
            gauge(
                registry,
                "browser_ai_system_cpu_usage_ratio",
                "Whole-machine CPU usage, 0 to 1 (latest health sample).",
                cpu / 100.0,
            )?;
        }
        let bytes: [(&str, &str, usize); 5] = [
            ("browser_ai_system_memory_used_bytes", "Memory in use (latest health sample).", 1),
            ("browser_ai_system_memory_total_bytes", "Total memory (latest health sample).", 2),
            (
                "browser_ai_system_disk_used_bytes",
                "Used space on the disk holding the data dir (latest health sample).",
                3,
            ),
            ("browser_ai_system_disk_total_bytes", "Size of the disk holding the data dir (latest health sample).", 4),
            (
                "browser_ai_process_resident_memory_bytes",
                "Resident memory of the sampling process (latest health sample).",
                7,
            ),
        ];
        for (name, help, col) in bytes {
            int_gauge(registry, name, help, r.get(col))?;
        }
        let rates = [
            ("browser_ai_system_network_receive_bytes_per_second", "Network receive rate (latest health sample).", 5),
            ("browser_ai_system_network_transmit_bytes_per_second", "Network transmit rate (latest health sample).", 6),
        ];
        for (name, help, col) in rates {
            if let Some(v) = r.get::<Option<f64>, _>(col) {
                gauge(registry, name, help, v)?;
            }
        }
    }
    Ok(())
}

/// One histogram family: `value_ms` over `from`, grouped by `labels` (SQL expressions named by `names`).
struct HistogramSpec<'a> {
    name: &'a str,
    help: &'a str,
    names: &'a [&'a str],
    labels: &'a [&'a str],
    value_ms: &'a str,
    from: &'a str,
    bounds_ms: &'a [f64],
}

async fn histogram(
    tx: &mut Transaction<'static, Sqlite>,
    spec: &HistogramSpec<'_>,
) -> Result<Option<MetricFamily>, ExpositionError> {
    let buckets: Vec<String> =
        (1..=spec.bounds_ms.len()).map(|i| format!("COALESCE(SUM({} <= ?{i}), 0)", spec.value_ms)).collect();
    let mut select: Vec<String> = spec.labels.iter().map(|l| l.to_string()).collect();
    select.push("COUNT(*)".into());
    select.push(format!("TOTAL({})", spec.value_ms));
    select.extend(buckets);
    let group = if spec.labels.is_empty() { String::new() } else { format!(" GROUP BY {}", spec.labels.join(", ")) };
    let sql = format!("SELECT {} FROM {}{group}", select.join(", "), spec.from);
    let mut query = sqlx::query(&sql);
    for bound in spec.bounds_ms {
        query = query.bind(*bound);
    }
    let mut metrics = Vec::new();
    for r in query.fetch_all(&mut **tx).await? {
        let n = spec.labels.len();
        let samples = count(r.get(n));
        if samples == 0 {
            continue;
        }
        let mut h = Histogram::default();
        h.set_sample_count(samples);
        h.set_sample_sum(r.get::<f64, _>(n + 1) / 1000.0);
        let buckets = spec
            .bounds_ms
            .iter()
            .enumerate()
            .map(|(i, bound)| {
                let mut b = Bucket::default();
                b.set_upper_bound(bound / 1000.0);
                b.set_cumulative_count(count(r.get(n + 2 + i)));
                b
            })
            .collect();
        h.set_bucket(buckets);
        let labels = spec
            .names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mut l = LabelPair::default();
                l.set_name(name.to_string());
                l.set_value(r.get::<String, _>(i));
                l
            })
            .collect();
        let mut m = Metric::from_label(labels);
        m.set_histogram(h);
        metrics.push(m);
    }
    if metrics.is_empty() {
        return Ok(None);
    }
    let mut family = MetricFamily::default();
    family.set_name(spec.name.to_string());
    family.set_help(spec.help.to_string());
    family.set_field_type(MetricType::HISTOGRAM);
    family.set_metric(metrics);
    Ok(Some(family))
}

async fn histograms(tx: &mut Transaction<'static, Sqlite>) -> Result<Vec<MetricFamily>, ExpositionError> {
    let specs = [
        HistogramSpec {
            name: "browser_ai_task_duration_seconds",
            help: "Duration of ended agent tasks, by model.",
            names: &["model"],
            labels: &["model"],
            value_ms: "(ended_at_ms - started_at_ms)",
            from: "mon_tasks WHERE status <> 'running'",
            bounds_ms: &TASK_BUCKETS_MS,
        },
        HistogramSpec {
            name: "browser_ai_action_duration_seconds",
            help: "Duration of browser actions, by type.",
            names: &["type"],
            labels: &["action_type"],
            value_ms: "duration_ms",
            from: "mon_actions",
            bounds_ms: &ACTION_BUCKETS_MS,
        },
        HistogramSpec {
            name: "browser_ai_llm_request_duration_seconds",
            help: "Latency of LLM requests, by provider and model.",
            names: &["provider", "model"],
            labels: &["provider", "model"],
            value_ms: "latency_ms",
            from: "mon_llm_calls",
            bounds_ms: &LLM_BUCKETS_MS,
        },
        HistogramSpec {
            name: "browser_ai_page_load_duration_seconds",
            help: "Time the agent waited for pages to load.",
            names: &[],
            labels: &[],
            value_ms: "load_ms",
            from: "mon_page_loads",
            bounds_ms: &PAGE_LOAD_BUCKETS_MS,
        },
    ];
    let mut families = Vec::new();
    for spec in &specs {
        families.extend(histogram(tx, spec).await?);
    }
    Ok(families)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_empty_store_exposes_zero_counts_and_no_empty_families() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        let text = render(&store).await.unwrap();
        assert!(text.contains("browser_ai_page_loads_total 0\n"), "{text}");
        assert!(text.contains("browser_ai_errors_total{severity=\"critical\"} 0\n"), "{text}");
        assert!(text.contains("browser_ai_tasks_running 0\n"), "{text}");
        assert!(!text.contains("browser_ai_task_duration_seconds"), "no tasks, no histogram series: {text}");
        assert!(!text.contains("browser_ai_system_cpu_usage_ratio"), "no health sample yet: {text}");
    }
}
