//! `run …` commands: clap arguments → `api::runs` → text, tables or `--json`. `run search` and `run list` are
//! implemented in `run_search`; the hidden `run ingest-test` drives the metric writer for crash-safety tests.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

use crate::Output;
use crate::experiments::key_values;
use crate::output::{fields, num, table};
use browser_ai_mlops_core::api::runs::{self as api, KeyValueInput, RunKeyInput, RunRef};
use browser_ai_mlops_core::error::Error;
use browser_ai_mlops_core::tracker::{BatchReport, MetricSummary, RunComparison, RunStatus, RunSummary, validate};
use browser_ai_mlops_core::util::{fmt_duration_ms, fmt_ms};
use browser_ai_mlops_core::{Core, Result};

#[derive(Debug, Subcommand)]
pub enum RunCmd {
    /// Search runs with a filter expression
    Search(super::run_search::SearchArgs),
    /// List runs, newest first
    List(super::run_search::ListArgs),
    /// Start a run (stored right away as running); prints its id
    Start {
        /// Experiment id or name
        #[arg(long)]
        experiment: String,
        #[arg(long)]
        name: Option<String>,
        /// Registry model version id this run uses
        #[arg(long = "model-version", value_name = "VERSION_ID")]
        model_version: Option<String>,
        /// A param as KEY=VALUE (repeatable; params are immutable)
        #[arg(long = "param", value_name = "KEY=VALUE")]
        params: Vec<String>,
        /// A tag as KEY=VALUE (repeatable)
        #[arg(long = "tag", value_name = "KEY=VALUE")]
        tags: Vec<String>,
    },
    /// End a running run
    End {
        run_id: String,
        #[arg(long, value_enum, default_value_t = EndStatus::Finished)]
        status: EndStatus,
        /// Error message to record (typically with --status failed or killed)
        #[arg(long)]
        error: Option<String>,
    },
    /// Show a run's summary: params, tags, counts, tokens and metric aggregates
    Show { run_id: String },
    /// What the agent did, step by step: messages, actions with targets and outcomes, and for an evaluation
    /// attempt the check's evidence, answer and seed
    Steps {
        run_id: String,
        /// Print messages whole (default: the first 400 characters of each)
        #[arg(long)]
        full: bool,
    },
    /// Delete a run and everything logged to it
    Delete { run_id: String },
    /// Compare runs: params that differ and metric summaries side by side
    Compare {
        /// Two or more run ids
        #[arg(required = true, num_args = 2..)]
        run_ids: Vec<String>,
    },
    /// Log one metric point
    LogMetric {
        run_id: String,
        key: String,
        /// A finite number
        #[arg(allow_hyphen_values = true)]
        value: String,
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        step: i64,
        /// Milliseconds since the Unix epoch (default: now)
        #[arg(long = "timestamp-ms")]
        timestamp_ms: Option<i64>,
    },
    /// Log one param (immutable: a different value for a logged key is refused)
    LogParam { run_id: String, key: String, value: String },
    /// Set a tag (mutable)
    SetTag { run_id: String, key: String, value: String },
    /// Delete a tag
    DeleteTag { run_id: String, key: String },
    /// Print every point of one metric
    Metric { run_id: String, key: String },
    /// Log a JSONL file of metrics, params, tags, messages and actions, all or nothing; a batch already stored is not
    /// written again
    LogBatch {
        /// Run for lines without a "run" field
        run_id: Option<String>,
        /// The JSONL file (`-` reads stdin)
        #[arg(long)]
        file: PathBuf,
        /// Idempotency key (default: SHA-256 of the run and the content); resending a stored id writes nothing
        #[arg(long = "batch-id", value_name = "ID")]
        batch_id: Option<String>,
    },
    /// Log N points (value = step = i) through the writer, printing `flushed <count>` after every flush
    #[command(hide = true)]
    IngestTest {
        run_id: String,
        #[arg(long)]
        points: u64,
        #[arg(long = "flush-every")]
        flush_every: u64,
        #[arg(long, default_value = "ingest")]
        key: String,
    },
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EndStatus {
    Finished,
    Failed,
    Killed,
}

impl From<EndStatus> for RunStatus {
    fn from(s: EndStatus) -> RunStatus {
        match s {
            EndStatus::Finished => RunStatus::Finished,
            EndStatus::Failed => RunStatus::Failed,
            EndStatus::Killed => RunStatus::Killed,
        }
    }
}

pub async fn run(core: &Core, cmd: RunCmd, out: &Output) -> Result<i32> {
    match cmd {
        RunCmd::Search(args) => return super::run_search::search(core, args, out).await,
        RunCmd::List(args) => return super::run_search::list(core, args, out).await,
        RunCmd::Start { experiment, name, model_version, params, tags } => {
            let input = api::StartRunInput {
                experiment,
                name,
                model_version_id: model_version,
                params: key_values("--param", &params)?,
                tags: key_values("--tag", &tags)?,
            };
            let run = api::start(core, input).await?;
            out.emit(&run, |r| r.id.clone())?;
        }
        RunCmd::End { run_id, status, error } => {
            let run = api::end(core, api::EndRunInput { run_id, status: status.into(), error }).await?;
            out.emit(&run, |r| format!("run {} ended: {}", r.id, r.status))?;
        }
        RunCmd::Show { run_id } => {
            let summary = api::show(core, RunRef { run_id }).await?;
            out.emit(&summary, render_summary)?;
        }
        RunCmd::Steps { run_id, full } => {
            let timeline = api::timeline(core, RunRef { run_id }).await?;
            out.emit(&timeline, |t| crate::run_steps::render(t, full))?;
        }
        RunCmd::Delete { run_id } => {
            let run = api::delete(core, RunRef { run_id }).await?;
            out.emit(&run, |r| format!("deleted run {}", r.id))?;
        }
        RunCmd::Compare { run_ids } => {
            let cmp = api::compare(core, api::CompareRunsInput { run_ids }).await?;
            out.emit(&cmp, render_compare)?;
        }
        RunCmd::LogMetric { run_id, key, value, step, timestamp_ms } => {
            let value = parse_value(&key, &value)?;
            let input = api::LogMetricInput { run_id, key, value, step, ts_ms: timestamp_ms };
            let point = api::log_metric(core, input).await?;
            out.emit(&point, |p| format!("run {}: {} = {} at step {}", p.run_id, p.key, num(p.value), p.step))?;
        }
        RunCmd::LogParam { run_id, key, value } => {
            let logged = api::log_param(core, KeyValueInput { run_id, key, value }).await?;
            out.emit(&logged, |p| {
                let what = if p.stored { "stored" } else { "unchanged (same value already stored)" };
                format!("run {}: param {} = {} {what}", p.run_id, p.key, p.value)
            })?;
        }
        RunCmd::SetTag { run_id, key, value } => {
            let tag = api::set_tag(core, KeyValueInput { run_id, key, value }).await?;
            out.emit(&tag, |t| format!("run {}: tag {} = {}", t.run_id, t.key, t.value))?;
        }
        RunCmd::DeleteTag { run_id, key } => {
            let tag = api::delete_tag(core, RunKeyInput { run_id, key }).await?;
            out.emit(&tag, |t| format!("run {}: tag {} deleted", t.run_id, t.key))?;
        }
        RunCmd::Metric { run_id, key } => {
            let history = api::metric_history(core, RunKeyInput { run_id, key }).await?;
            out.emit(&history, |h| {
                if h.points.is_empty() {
                    return format!("run {} has no points for metric {:?}", h.run_id, h.key);
                }
                let rows = h.points.iter().map(|p| vec![p.step.to_string(), num(p.value), fmt_ms(Some(p.ts_ms))]);
                table(&["step", "value", "time"], rows)
            })?;
        }
        RunCmd::LogBatch { run_id, file, batch_id } => {
            let shown = if file.as_os_str() == "-" { "stdin".to_string() } else { file.display().to_string() };
            let spinner = crate::progress::spinner(out, format!("logging {shown}"));
            let report = if file.as_os_str() == "-" {
                let mut content = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut content)
                    .map_err(|e| Error::io("cannot read stdin", e))?;
                let input = api::LogBatchTextInput { run_id, content, batch_id, name: Some("stdin".to_string()) };
                api::log_batch_text(core, input).await
            } else {
                api::log_batch(core, api::LogBatchInput { run_id, file: file.clone(), batch_id }).await
            };
            spinner.finish_and_clear();
            let report = report?;
            out.emit(&report, |r| render_batch(&shown, r))?;
        }
        RunCmd::IngestTest { run_id, points, flush_every, key } => {
            ingest_test(core, &run_id, points, flush_every, &key).await?
        }
    }
    Ok(0)
}

fn render_batch(name: &str, r: &BatchReport) -> String {
    let counts = format!(
        "{} metric points, {} params ({} already stored), {} tags, {} messages, {} actions",
        r.metrics, r.params, r.params_unchanged, r.tags, r.messages, r.actions
    );
    if r.already_stored {
        format!(
            "{name}: already stored on {} UTC (batch id {}); nothing written. That batch had {counts}",
            fmt_ms(Some(r.stored_at_ms)),
            r.batch_id
        )
    } else {
        format!("{name}: ingested {counts} (batch id {})", r.batch_id)
    }
}

/// A metric value from the command line: any number Rust parses, then checked to be finite.
fn parse_value(key: &str, raw: &str) -> Result<f64> {
    let value: f64 = raw
        .trim()
        .parse()
        .map_err(|_| Error::Input(format!("metric {key:?}: VALUE {raw:?}: expected a finite number")))?;
    validate::metric(key, value)?;
    Ok(value)
}

/// Test driver for the metric writer (crash safety): drives the Rust API directly because it must report each
/// flush as it happens, which no request/response operation of the operation table can do.
async fn ingest_test(core: &Core, run_id: &str, points: u64, flush_every: u64, key: &str) -> Result<()> {
    if flush_every == 0 {
        return Err(Error::Input("--flush-every: expected a number of points >= 1".to_string()));
    }
    let tracker = core.tracker().await?;
    for i in 0..points {
        tracker.log_metric(run_id, key, i as f64, i as i64, None).await?;
        if (i + 1) % flush_every == 0 || i + 1 == points {
            tracker.flush().await?;
            crate::output::write_stdout(&format!("flushed {}\n", i + 1))?;
        }
    }
    Ok(())
}

fn render_summary(s: &RunSummary) -> String {
    let r = &s.run;
    let status = validate::status_label(r);
    let t = &s.totals;
    let mut pairs = vec![
        ("id", r.id.clone()),
        ("name", if r.name.is_empty() { "-".into() } else { r.name.clone() }),
        ("experiment", format!("{} ({})", s.experiment_name, r.experiment_id)),
        ("status", status),
        ("model version", r.model_version_id.clone().unwrap_or_else(|| "-".into())),
        ("started", fmt_ms(Some(r.start_ms))),
        ("ended", fmt_ms(r.end_ms)),
        ("duration", fmt_duration_ms(s.duration_ms.max(0))),
        ("process", format!("pid {} on {}", r.pid.map_or("-".to_string(), |p| p.to_string()), r.host)),
    ];
    if let Some(error) = &r.error {
        pairs.push(("error", error.clone()));
    }
    pairs.extend([
        ("params", kv_list(&s.params)),
        ("tags", kv_list(&s.tags)),
        ("metrics", format!("{} keys, {} points", t.metric_keys, t.metric_points)),
        ("messages", t.messages.to_string()),
        ("actions", t.actions.to_string()),
        (
            "tokens",
            format!(
                "input {}, output {}, cache read {}, cache write {}, reasoning {}",
                t.tokens.input, t.tokens.output, t.tokens.cache_read, t.tokens.cache_write, t.tokens.reasoning
            ),
        ),
    ]);
    let mut text = fields(&pairs);
    if !s.metrics.is_empty() {
        let rows = s.metrics.iter().map(|m| {
            vec![
                m.key.clone(),
                num(m.last),
                m.last_step.to_string(),
                num(m.min),
                num(m.max),
                num(m.mean),
                m.count.to_string(),
            ]
        });
        text.push_str("\n\n");
        text.push_str(&table(&["metric", "last", "step", "min", "max", "mean", "points"], rows));
    }
    text
}

fn kv_list(map: &std::collections::BTreeMap<String, String>) -> String {
    if map.is_empty() {
        return "-".to_string();
    }
    map.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

fn render_compare(c: &RunComparison) -> String {
    let numbers: Vec<String> = (1..=c.runs.len()).map(|i| format!("run {i}")).collect();
    let mut header: Vec<&str> = vec![""];
    header.extend(numbers.iter().map(String::as_str));
    let mut rows: Vec<Vec<String>> = Vec::new();
    rows.push(std::iter::once("id".to_string()).chain(c.runs.iter().map(|r| r.id.clone())).collect());
    rows.push(
        std::iter::once("name".to_string())
            .chain(c.runs.iter().map(|r| if r.name.is_empty() { "-".to_string() } else { r.name.clone() }))
            .collect(),
    );
    rows.push(std::iter::once("status".to_string()).chain(c.runs.iter().map(validate::status_label)).collect());
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".to_string());
    for p in &c.params_differ {
        rows.push(std::iter::once(format!("param {} (differs)", p.key)).chain(p.values.iter().map(opt)).collect());
    }
    for p in &c.params_equal {
        rows.push(std::iter::once(format!("param {}", p.key)).chain(p.values.iter().map(opt)).collect());
    }
    let metric = |m: &Option<MetricSummary>| match m {
        Some(m) => format!("{} (min {}, max {}, n {})", num(m.last), num(m.min), num(m.max), m.count),
        None => "(absent)".to_string(),
    };
    for m in &c.metrics {
        rows.push(std::iter::once(format!("metric {} (last)", m.key)).chain(m.values.iter().map(metric)).collect());
    }
    table(&header, rows)
}
