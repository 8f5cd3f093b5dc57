//! `monitor health`, `monitor alerts` and `monitor watch`: system health, the alert list and a live view that
//! redraws in place (ANSI cursor movement) while a background sampler records health and evaluates alerts.
//!
//! `monitor watch` redraws by moving the cursor up over the previous frame (`ESC[nF ESC[J`).

use clap::Args;

use crate::output::{Output, fields, table, write_stdout};
use browser_ai_mlops_core::api::Sink;
use browser_ai_mlops_core::api::health::{
    self as api, AlertsInput, HealthInput, HealthOutput, LiveWatchInput, WatchSnapshot,
};
use browser_ai_mlops_core::core::Core;
use browser_ai_mlops_core::error::Result;
use browser_ai_mlops_core::metrics::alerts::Alert;
use browser_ai_mlops_core::metrics::health::HealthSample;

#[derive(Debug, Args)]
pub struct HealthArgs {}

#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// Also resolved alerts
    #[arg(long)]
    pub all: bool,
    /// With --all: only alerts fired in the last HOURS (plus open ones)
    #[arg(long, value_name = "HOURS", requires = "all")]
    pub hours: Option<u32>,
    /// Evaluate the rules first (fire / resolve), then list
    #[arg(long)]
    pub evaluate: bool,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Seconds between refreshes (default: monitoring.health_interval_secs)
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub interval: Option<u32>,
    /// Stop after N refreshes (default: until Ctrl-C)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub iterations: Option<u32>,
}

/// `monitor health`: one sample now, with its status from the thresholds.
pub async fn health(core: &Core, out: &Output) -> Result<i32> {
    let report = api::health(core, HealthInput {}).await?;
    out.emit(&report, render_health)?;
    Ok(0)
}

/// `monitor alerts`: open alerts (or all with `--all`), after evaluating the rules with `--evaluate`.
pub async fn alerts(core: &Core, out: &Output, args: AlertsArgs) -> Result<i32> {
    if args.evaluate {
        api::evaluate_alerts(core, Default::default()).await?;
    }
    let list = api::alerts(core, AlertsInput { open_only: !args.all, hours: args.hours }).await?;
    out.emit(&list, |l| {
        if l.alerts.is_empty() {
            if args.all { "no alerts".into() } else { "no open alerts".into() }
        } else {
            render_alerts(&l.alerts)
        }
    })?;
    Ok(0)
}

fn pct(v: f64) -> String {
    format!("{v:.1}%")
}

fn bytes(v: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = v as f64;
    let mut unit = 0;
    while x >= 1024.0 && unit + 1 < UNITS.len() {
        x /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{v} B") } else { format!("{x:.1} {}", UNITS[unit]) }
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a (first sample)".into(), |r| format!("{}/s", bytes(r.round() as i64)))
}

fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(|| ms.to_string(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

fn sample_fields(s: &HealthSample) -> Vec<(&'static str, String)> {
    vec![
        ("status", s.status.as_str().to_string()),
        ("at", time(s.at_ms)),
        ("cpu", format!("{} of {} cores", s.cpu_percent.map_or_else(|| "n/a".into(), pct), s.cpu_count)),
        (
            "memory",
            format!(
                "{} used of {} ({})",
                bytes(s.memory_used_bytes),
                bytes(s.memory_total_bytes),
                pct(s.memory_percent())
            ),
        ),
        (
            "disk",
            format!(
                "{} used of {} ({}) on {}",
                bytes(s.disk_used_bytes),
                bytes(s.disk_total_bytes),
                pct(s.disk_percent()),
                s.disk_path
            ),
        ),
        ("network", format!("rx {}, tx {}", rate(s.net_rx_bytes_per_sec), rate(s.net_tx_bytes_per_sec))),
        ("process rss", bytes(s.process_rss_bytes)),
    ]
}

fn render_health(r: &HealthOutput) -> String {
    let mut text = fields(&sample_fields(&r.current));
    for reason in &r.reasons {
        text.push_str(&format!("\n  ! {reason}"));
    }
    let t = &r.thresholds;
    text.push_str(&format!(
        "\nthresholds   cpu {}%, memory {}%, disk {}% (critical at, warning within 10 points below)",
        t.cpu_percent, t.memory_percent, t.disk_percent
    ));
    match &r.latest_stored {
        Some(s) => text.push_str(&format!("\nlast stored  {} ({})", time(s.at_ms), s.status.as_str())),
        None => text.push_str("\nlast stored  none (samples are stored by `serve` and `monitor watch`)"),
    }
    text
}

fn render_alerts(alerts: &[Alert]) -> String {
    table(
        &["fired", "rule", "severity", "observed", "threshold", "resolved", "message"],
        alerts.iter().map(|a| {
            vec![
                time(a.fired_at_ms),
                a.rule.clone(),
                a.severity.clone(),
                crate::output::num(a.observed),
                crate::output::num(a.threshold),
                a.resolved_at_ms.map_or_else(|| "open".into(), time),
                a.message.clone(),
            ]
        }),
    )
}

fn render_frame(s: &WatchSnapshot, interval: u32) -> String {
    let mut text =
        format!("browser-ai-mlops monitor watch — every {interval}s, Ctrl-C to stop — {}\n\n", time(s.at_ms));
    match &s.latest {
        Some(sample) => text.push_str(&fields(&sample_fields(sample))),
        None => text.push_str("no health sample yet"),
    }
    let t = &s.tasks_last_hour;
    text.push_str(&format!(
        "\n\ntasks (last hour): {} succeeded, {} failed, {} error; {} running now\n",
        t.succeeded, t.failed, t.error, t.running
    ));
    if s.open_alerts.is_empty() {
        text.push_str("\nno open alerts");
    } else {
        text.push_str(&format!("\nopen alerts ({}):\n", s.open_alerts.len()));
        text.push_str(&render_alerts(&s.open_alerts));
    }
    text
}

/// Follow the streaming operation `monitor/watch` with sampling on: after each sample, redraw the snapshot in place
/// on a terminal (print it after the last one otherwise, or one JSON line per sample), until `--iterations` or
/// Ctrl-C.
pub async fn watch(core: &Core, out: &Output, args: WatchArgs) -> Result<i32> {
    let interval = match args.interval {
        Some(s) => s,
        None => browser_ai_mlops_core::config::load(core.settings())?.config.monitoring.health_interval_secs,
    };
    let json = out.json;
    let drawn_lines = std::sync::Mutex::new(0usize);
    let redraw = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let draw = Sink::new(move |snapshot: WatchSnapshot| {
        let text = if json {
            match serde_json::to_string(&snapshot) {
                Ok(line) => format!("{line}\n"),
                Err(_) => return false,
            }
        } else {
            let frame = render_frame(&snapshot, interval);
            let mut drawn = drawn_lines.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let before = match (*drawn, redraw) {
                (0, _) => String::new(),
                // On a terminal: move up over the previous frame and clear from there down, then draw the new one.
                (lines, true) => format!("\x1b[{lines}F\x1b[J"),
                // Into a pipe or a file: frames one after another, separated by a blank line, no terminal codes.
                (_, false) => "\n".to_string(),
            };
            *drawn = frame.lines().count();
            format!("{before}{frame}\n")
        };
        write_stdout(&text).is_ok()
    });
    let input =
        LiveWatchInput { interval_ms: Some(interval.saturating_mul(1000)), count: args.iterations, sample: true };
    // Ctrl-C ends the watch (and its sampler) between two frames.
    tokio::select! {
        ended = api::watch(core, input, draw) => { ended?; }
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(0)
}
