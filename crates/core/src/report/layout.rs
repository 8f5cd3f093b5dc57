//! The report's layout, shared by the HTML and Markdown renderers: sections in order, each with an optional chart,
//! tables and an explicit empty state. Every numeric cell carries the JSON pointer of the `ReportData` field it shows,
//! so the HTML can be checked against the JSON report cell by cell.

use serde_json::{Value, json};

use super::charts::Chart;
use super::data::ReportData;
use crate::util::fmt_ms;

/// How a number is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A fraction in [0, 1], shown as a percentage.
    Ratio,
    /// Already a percentage.
    Percent,
    Usd,
    Ms,
    Count,
    Bytes,
    /// A mean, shown with two decimals.
    Decimal,
}

impl Unit {
    pub fn name(self) -> &'static str {
        match self {
            Unit::Ratio => "ratio",
            Unit::Percent => "percent",
            Unit::Usd => "usd",
            Unit::Ms => "ms",
            Unit::Count => "count",
            Unit::Bytes => "bytes",
            Unit::Decimal => "decimal",
        }
    }

    fn show(self, v: f64) -> String {
        match self {
            Unit::Ratio => format!("{:.1} %", v * 100.0),
            Unit::Percent => format!("{v:.1} %"),
            Unit::Usd => format!("${v:.4}"),
            Unit::Ms if v >= 1000.0 => format!("{:.2} s", v / 1000.0),
            Unit::Ms => format!("{v:.0} ms"),
            Unit::Count => format!("{v:.0}"),
            Unit::Bytes => bytes(v),
            Unit::Decimal => format!("{v:.2}"),
        }
    }
}

fn bytes(v: f64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if v < 1024.0 {
        return format!("{v:.0} B");
    }
    let mut x = v / 1024.0;
    let mut i = 0;
    while x >= 1024.0 && i + 1 < UNITS.len() {
        x /= 1024.0;
        i += 1;
    }
    format!("{x:.1} {}", UNITS[i])
}

/// A number bound to its place in `ReportData`.
#[derive(Debug, Clone, PartialEq)]
pub struct Num {
    /// Human-readable key, e.g. `leaderboard.agent:2.success_rate`.
    pub key: String,
    /// JSON pointer into the serialised `ReportData`, e.g. `/leaderboard/0/success_rate`.
    pub pointer: String,
    /// The exact value (a number or null).
    pub value: Value,
    pub unit: Unit,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Monospace text (ids).
    Code(String),
    Num(Num),
}

impl Cell {
    /// What a person reads in the cell; `—` for a missing value.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) | Cell::Code(t) => t.clone(),
            Cell::Num(n) => n.value.as_f64().map(|v| n.unit.show(v)).unwrap_or_else(|| "—".to_string()),
        }
    }
}

pub struct Table {
    pub caption: Option<String>,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    pub note: Option<String>,
    pub chart: Option<Chart>,
    pub tables: Vec<Table>,
    /// Shown instead of chart and tables when the section has no data.
    pub empty: Option<String>,
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

/// Builds numeric cells under one key prefix and JSON pointer prefix.
struct At {
    key: String,
    pointer: String,
}

impl At {
    fn new(key: impl Into<String>, pointer: impl Into<String>) -> At {
        At { key: key.into(), pointer: pointer.into() }
    }

    fn num(&self, field: &str, value: Value, unit: Unit) -> Cell {
        Cell::Num(Num {
            key: format!("{}.{field}", self.key),
            pointer: format!("{}/{field}", self.pointer),
            value,
            unit,
        })
    }
}

fn section(id: &'static str, title: &'static str, d: &ReportData, chart: Chart) -> Section {
    Section { id, title, note: None, chart: chart.has_data(d).then_some(chart), tables: Vec::new(), empty: None }
}

/// The report's sections, in order.
pub fn sections(d: &ReportData) -> Vec<Section> {
    let span = format!("between {} and {} UTC", fmt_ms(Some(d.window.from_ms)), fmt_ms(Some(d.window.to_ms)));
    let no_tasks = format!("No task results: no evaluation with results started {span}.");
    let mut out = Vec::new();

    let mut s = section("leaderboard", "Leaderboard", d, Chart::Leaderboard);
    s.note = Some(format!(
        "Sorted by the lower bound of the {}. Durations: {}.",
        d.methods.success_interval, d.methods.percentiles
    ));
    s.tables.push(Table {
        caption: None,
        headers: vec![
            "#",
            "version",
            "attempts",
            "successes",
            "success rate",
            "CI low",
            "CI high",
            "mean steps",
            "mean cost",
            "p50",
            "p95",
        ],
        rows: d
            .leaderboard
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let at = At::new(format!("leaderboard.{}", r.version), format!("/leaderboard/{i}"));
                vec![
                    text((i + 1).to_string()),
                    text(&r.version),
                    at.num("attempts", json!(r.attempts), Unit::Count),
                    at.num("successes", json!(r.successes), Unit::Count),
                    at.num("success_rate", json!(r.success_rate), Unit::Ratio),
                    at.num("ci_low", json!(r.ci_low), Unit::Ratio),
                    at.num("ci_high", json!(r.ci_high), Unit::Ratio),
                    at.num("mean_steps", json!(r.mean_steps), Unit::Decimal),
                    at.num("mean_cost_usd", json!(r.mean_cost_usd), Unit::Usd),
                    at.num("p50_ms", json!(r.p50_ms), Unit::Ms),
                    at.num("p95_ms", json!(r.p95_ms), Unit::Ms),
                ]
            })
            .collect(),
    });
    s.empty = d.leaderboard.is_empty().then(|| no_tasks.clone());
    out.push(s);

    let mut s = section("success", "Success rate over time", d, Chart::SuccessRate);
    s.note = Some(format!("{}; interval: {}.", d.methods.day_buckets, d.methods.success_interval));
    let mut rows = Vec::new();
    for (i, series) in d.success_by_day.iter().enumerate() {
        for (j, p) in series.points.iter().enumerate() {
            let at =
                At::new(format!("success.{}.{}", series.version, p.day), format!("/success_by_day/{i}/points/{j}"));
            rows.push(vec![
                text(&p.day),
                text(&series.version),
                at.num("attempts", json!(p.attempts), Unit::Count),
                at.num("successes", json!(p.successes), Unit::Count),
                at.num("success_rate", json!(p.success_rate), Unit::Ratio),
                at.num("ci_low", json!(p.ci_low), Unit::Ratio),
                at.num("ci_high", json!(p.ci_high), Unit::Ratio),
            ]);
        }
    }
    let headers = vec!["day", "version", "attempts", "successes", "success rate", "CI low", "CI high"];
    s.tables.push(Table { caption: None, headers, rows });
    s.empty = d.success_by_day.is_empty().then(|| no_tasks.clone());
    out.push(s);

    let mut s = section("cost", "Cost per day", d, Chart::Cost);
    s.note = Some(format!("{}. A dash means nothing recorded that day had a price.", d.methods.cost));
    let rows = d
        .cost_by_day
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let at = At::new(format!("cost.{}", c.day), format!("/cost_by_day/{i}"));
            vec![
                text(&c.day),
                at.num("task_results", json!(c.task_results), Unit::Count),
                at.num("priced_results", json!(c.priced_results), Unit::Count),
                at.num("task_cost_usd", json!(c.task_cost_usd), Unit::Usd),
                at.num("llm_calls", json!(c.llm_calls), Unit::Count),
                at.num("llm_cost_usd", json!(c.llm_cost_usd), Unit::Usd),
            ]
        })
        .collect();
    let headers = vec!["day", "task results", "priced", "task cost", "LLM calls", "LLM-call cost"];
    s.tables.push(Table { caption: None, headers, rows });
    s.empty = d.cost_by_day.is_empty().then(|| format!("No task results and no LLM calls recorded {span}."));
    out.push(s);

    let mut s = section("duration", "Task duration", d, Chart::Duration);
    s.note = Some(format!("Percentiles: {}.", d.methods.percentiles));
    let rows = d
        .duration_by_day
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let at = At::new(format!("duration.{}", r.day), format!("/duration_by_day/{i}"));
            vec![
                text(&r.day),
                at.num("tasks", json!(r.tasks), Unit::Count),
                at.num("p50_ms", json!(r.p50_ms), Unit::Ms),
                at.num("p95_ms", json!(r.p95_ms), Unit::Ms),
            ]
        })
        .collect();
    s.tables.push(Table { caption: None, headers: vec!["day", "tasks", "p50", "p95"], rows });
    s.empty = d.duration_by_day.is_empty().then(|| no_tasks.clone());
    out.push(s);

    out.push(super::operational_sections::errors(d, &span));
    out.push(super::operational_sections::health(d, &span));
    out.push(super::operational_sections::alerts(d, &span));
    out.push(super::operational_sections::registry(d));

    let mut s = Section {
        id: "evaluations",
        title: "Recent evaluations",
        note: None,
        chart: None,
        tables: Vec::new(),
        empty: None,
    };
    let rows = d
        .recent_evaluations
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let at = At::new(format!("evaluations.{}", e.id), format!("/recent_evaluations/{i}"));
            vec![
                Cell::Code(e.id.clone()),
                text(&e.version),
                text(&e.suite),
                text(&e.status),
                at.num("attempts", json!(e.attempts), Unit::Count),
                at.num("successes", json!(e.successes), Unit::Count),
                at.num("success_rate", json!(e.success_rate), Unit::Ratio),
                text(fmt_ms(Some(e.started_at_ms))),
            ]
        })
        .collect();
    let headers = vec!["id", "version", "suite", "status", "attempts", "successes", "success rate", "started (UTC)"];
    s.tables.push(Table { caption: None, headers, rows });
    s.empty = d.recent_evaluations.is_empty().then(|| format!("No evaluation started {span}."));
    out.push(s);

    out.push(super::operational_sections::storage(d));
    out
}

/// Numeric cells for the operational sections (errors, health, registry, storage) use the same builder.
pub(super) fn num(key: String, pointer: String, value: Value, unit: Unit) -> Cell {
    Cell::Num(Num { key, pointer, value, unit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_render_readably() {
        assert_eq!(Unit::Ratio.show(0.8333), "83.3 %");
        assert_eq!(Unit::Ms.show(850.0), "850 ms");
        assert_eq!(Unit::Ms.show(1250.0), "1.25 s");
        assert_eq!(Unit::Usd.show(0.25), "$0.2500");
        assert_eq!(Unit::Bytes.show(512.0), "512 B");
        assert_eq!(Unit::Bytes.show(1536.0), "1.5 KiB");
        let missing = Cell::Num(Num { key: "k".into(), pointer: "/k".into(), value: Value::Null, unit: Unit::Usd });
        assert_eq!(missing.text(), "—");
    }
}
