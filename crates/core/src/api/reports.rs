//! Operation table: reports (`reports/generate`, the CLI's `report generate`). Collects the window's numbers from the store and writes an HTML,
//! Markdown or JSON report; the output path and format are checked before the database is opened.

use serde::{Deserialize, Serialize};

use crate::report::{self, ReportFormat};
use crate::{Core, Result};

/// Days a report covers when none is given.
pub const DEFAULT_DAYS: u32 = 7;

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct GenerateReportInput {
    /// Where to write the report; its directory must exist.
    pub output: String,
    /// The window: the last N days (default 7).
    #[serde(default)]
    pub days: Option<u32>,
    /// Taken from the output's extension (.html, .md, .json) when absent.
    #[serde(default)]
    pub format: Option<ReportFormat>,
}

/// How many rows (or entries) one section of the report holds; 0 means it shows an empty state.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct SectionSummary {
    pub name: String,
    pub items: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct GenerateReportOutput {
    pub path: String,
    pub format: ReportFormat,
    pub days: u32,
    pub from_ms: i64,
    pub to_ms: i64,
    /// Charts drawn (inline in HTML, as PNG files for Markdown; none for JSON).
    pub charts: Vec<String>,
    /// PNG files written beside a Markdown report.
    pub chart_files: Vec<String>,
    pub sections: Vec<SectionSummary>,
}

/// Write a report of the last `days` days to `output`.
pub async fn generate(core: &Core, input: GenerateReportInput) -> Result<GenerateReportOutput> {
    let plan = report::plan(std::path::Path::new(&input.output), input.format, input.days.unwrap_or(DEFAULT_DAYS))?;
    let store = core.store().await?;
    let written = report::generate(store, &plan).await?;
    let d = &written.data;
    Ok(GenerateReportOutput {
        path: plan.output.display().to_string(),
        format: plan.format,
        days: plan.days,
        from_ms: d.window.from_ms,
        to_ms: d.window.to_ms,
        charts: written.charts.iter().map(|c| c.to_string()).collect(),
        chart_files: written.chart_files.iter().map(|p| p.display().to_string()).collect(),
        sections: d
            .sections()
            .into_iter()
            .map(|(name, n)| SectionSummary { name: name.to_string(), items: u32::try_from(n).unwrap_or(u32::MAX) })
            .collect(),
    })
}
