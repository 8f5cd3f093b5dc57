//! Layout of the report's operational sections (errors, system health, alerts, registry state, storage), whose data
//! `operational` collects, in the same section/table/cell model as `layout`, which places them among the evaluation
//! sections.

use serde_json::json;

use super::charts::Chart;
use super::data::ReportData;
use super::layout::{Cell, Section, Table, Unit, num};
use crate::util::fmt_ms;

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn plain(id: &'static str, title: &'static str) -> Section {
    Section { id, title, note: None, chart: None, tables: Vec::new(), empty: None }
}

pub fn errors(d: &ReportData, span: &str) -> Section {
    let mut s = plain("errors", "Errors");
    s.chart = Chart::Errors.has_data(d).then_some(Chart::Errors);
    let e = &d.errors;
    s.tables.push(Table {
        caption: None,
        headers: vec!["errors", "unresolved"],
        rows: vec![vec![
            num("errors.total".into(), "/errors/total".into(), json!(e.total), Unit::Count),
            num("errors.unresolved".into(), "/errors/unresolved".into(), json!(e.unresolved), Unit::Count),
        ]],
    });
    let rows = e
        .by_type
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let (key, ptr) = (format!("errors.type.{}", t.error_type), format!("/errors/by_type/{i}"));
            vec![
                text(&t.error_type),
                num(format!("{key}.count"), format!("{ptr}/count"), json!(t.count), Unit::Count),
                num(format!("{key}.unresolved"), format!("{ptr}/unresolved"), json!(t.unresolved), Unit::Count),
                text(&t.latest_message),
                text(fmt_ms(Some(t.latest_at_ms))),
            ]
        })
        .collect();
    let headers = vec!["type", "count", "unresolved", "most recent message", "last seen (UTC)"];
    s.tables.push(Table { caption: Some("By type".into()), headers, rows });
    let rows = e
        .by_severity
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let key = format!("errors.severity.{}.count", r.severity);
            vec![text(&r.severity), num(key, format!("/errors/by_severity/{i}/count"), json!(r.count), Unit::Count)]
        })
        .collect();
    s.tables.push(Table { caption: Some("By severity".into()), headers: vec!["severity", "count"], rows });
    s.empty = (e.total == 0).then(|| format!("No errors recorded {span} (the monitoring error log has no rows)."));
    s
}

pub fn health(d: &ReportData, span: &str) -> Section {
    let mut s = plain("health", "System health");
    s.chart = Chart::Health.has_data(d).then_some(Chart::Health);
    s.note = Some(format!("{}.", d.methods.health));
    let h = &d.health;
    let f = |field: &str, v: serde_json::Value, unit: Unit| {
        num(format!("health.{field}"), format!("/health/{field}"), v, unit)
    };
    s.tables.push(Table {
        caption: None,
        headers: vec!["samples", "CPU mean", "CPU max", "memory mean", "memory max", "latest status"],
        rows: vec![vec![
            f("samples", json!(h.samples), Unit::Count),
            f("cpu_mean_percent", json!(h.cpu_mean_percent), Unit::Percent),
            f("cpu_max_percent", json!(h.cpu_max_percent), Unit::Percent),
            f("memory_mean_percent", json!(h.memory_mean_percent), Unit::Percent),
            f("memory_max_percent", json!(h.memory_max_percent), Unit::Percent),
            text(h.latest_status.clone().unwrap_or_else(|| "—".into())),
        ]],
    });
    s.empty = (h.samples == 0).then(|| format!("No system health samples recorded {span}."));
    s
}

pub fn alerts(d: &ReportData, span: &str) -> Section {
    let mut s = plain("alerts", "Alerts");
    let rows = d
        .alerts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let (key, ptr) = (format!("alerts.{}.{}", a.rule, a.fired_at_ms), format!("/alerts/{i}"));
            vec![
                text(&a.rule),
                text(&a.severity),
                text(&a.message),
                num(format!("{key}.observed"), format!("{ptr}/observed"), json!(a.observed), Unit::Decimal),
                num(format!("{key}.threshold"), format!("{ptr}/threshold"), json!(a.threshold), Unit::Decimal),
                text(fmt_ms(Some(a.fired_at_ms))),
                text(a.resolved_at_ms.map(|t| fmt_ms(Some(t))).unwrap_or_else(|| "open".into())),
            ]
        })
        .collect();
    let headers = vec!["rule", "severity", "message", "observed", "threshold", "fired (UTC)", "resolved (UTC)"];
    s.tables.push(Table { caption: None, headers, rows });
    s.empty = d.alerts.is_empty().then(|| format!("No alert fired {span}."));
    s
}

pub fn registry(d: &ReportData) -> Section {
    let mut s = plain("registry", "Registry: what is deployed where");
    s.note = Some("Current state, whatever the window.".into());
    let models = d
        .registry
        .iter()
        .enumerate()
        .map(|(i, m)| {
            vec![
                text(&m.model),
                num(
                    format!("registry.{}.versions", m.model),
                    format!("/registry/{i}/versions"),
                    json!(m.versions),
                    Unit::Count,
                ),
            ]
        })
        .collect();
    s.tables.push(Table { caption: Some("Models".into()), headers: vec!["model", "versions"], rows: models });
    let mut aliases = Vec::new();
    let mut deployments = Vec::new();
    for (i, m) in d.registry.iter().enumerate() {
        for (j, a) in m.aliases.iter().enumerate() {
            aliases.push(vec![
                text(&m.model),
                text(&a.alias),
                num(
                    format!("registry.{}.alias.{}.version", m.model, a.alias),
                    format!("/registry/{i}/aliases/{j}/version"),
                    json!(a.version),
                    Unit::Count,
                ),
                text(fmt_ms(Some(a.updated_at_ms))),
            ]);
        }
        if let Some(dep) = &m.latest_deployment {
            let (key, ptr) = (format!("registry.{}.deployment", m.model), format!("/registry/{i}/latest_deployment"));
            deployments.push(vec![
                text(&m.model),
                text(&dep.target),
                text(&dep.action),
                num(format!("{key}.from_version"), format!("{ptr}/from_version"), json!(dep.from_version), Unit::Count),
                num(format!("{key}.to_version"), format!("{ptr}/to_version"), json!(dep.to_version), Unit::Count),
                text(&dep.by),
                text(fmt_ms(Some(dep.at_ms))),
                text(&dep.reason),
            ]);
        }
    }
    s.tables.push(Table {
        caption: Some("Aliases".into()),
        headers: vec!["model", "alias", "version", "since (UTC)"],
        rows: aliases,
    });
    let headers = vec!["model", "target", "action", "from", "to", "by", "when (UTC)", "reason"];
    s.tables.push(Table { caption: Some("Latest deployment per model".into()), headers, rows: deployments });
    s.empty = d.registry.is_empty().then(|| "No model is registered.".to_string());
    s
}

pub fn storage(d: &ReportData) -> Section {
    let mut s = plain("storage", "Storage");
    let st = &d.storage;
    let f =
        |field: &str, v: u64, unit: Unit| num(format!("storage.{field}"), format!("/storage/{field}"), json!(v), unit);
    s.tables.push(Table {
        caption: Some("Files and artifacts".into()),
        headers: vec!["database file", "write-ahead log", "artifacts", "compressed", "raw"],
        rows: vec![vec![
            f("db_bytes", st.db_bytes, Unit::Bytes),
            f("wal_bytes", st.wal_bytes, Unit::Bytes),
            f("artifacts", st.artifacts, Unit::Count),
            f("artifact_compressed_bytes", st.artifact_compressed_bytes, Unit::Bytes),
            f("artifact_raw_bytes", st.artifact_raw_bytes, Unit::Bytes),
        ]],
    });
    let rows = st
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            vec![
                Cell::Code(t.table.clone()),
                num(
                    format!("storage.rows.{}", t.table),
                    format!("/storage/tables/{i}/rows"),
                    json!(t.rows),
                    Unit::Count,
                ),
            ]
        })
        .collect();
    s.tables.push(Table { caption: Some("Rows per table".into()), headers: vec!["table", "rows"], rows });
    s
}
