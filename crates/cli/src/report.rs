//! The `report` command group: `report generate OUTPUT [--days N] [--format html|md|json]` (also the hidden
//! top-level `generate-report`, its former spelling): arguments → `api::reports::generate` → a short summary of what
//! was written (or the output as JSON with `--json`).

use clap::{Args, Subcommand};

use crate::Output;
use browser_ai_mlops_core::api::reports::{self, GenerateReportInput, GenerateReportOutput};
use browser_ai_mlops_core::report::ReportFormat;
use browser_ai_mlops_core::util::fmt_ms;
use browser_ai_mlops_core::{Core, Error, Result};

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Write a report of the last N days: HTML with inline charts, Markdown with PNG charts, or JSON
    Generate(ReportArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The report file: .html (self-contained, inline charts), .md (PNG charts in OUTPUT_STEM-charts/) or .json
    #[arg(value_name = "OUTPUT")]
    pub output: String,
    /// Cover the last N days
    #[arg(long, default_value_t = reports::DEFAULT_DAYS, value_name = "N")]
    pub days: u32,
    /// html, md or json (default: from OUTPUT's extension)
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

pub async fn generate(core: &Core, args: ReportArgs, out: &Output) -> Result<i32> {
    let format = args
        .format
        .map(|f| {
            ReportFormat::parse(&f).ok_or_else(|| Error::Input(format!("--format {f:?}: expected html, md or json")))
        })
        .transpose()?;
    let input = GenerateReportInput { output: args.output, days: Some(args.days), format };
    let written = reports::generate(core, input).await?;
    out.emit(&written, human)?;
    Ok(0)
}

fn human(w: &GenerateReportOutput) -> String {
    let empty: Vec<&str> = w.sections.iter().filter(|s| s.items == 0).map(|s| s.name.as_str()).collect();
    let mut lines = vec![format!(
        "wrote {} report {} ({} to {} UTC, {} day{})",
        w.format.as_str(),
        w.path,
        fmt_ms(Some(w.from_ms)),
        fmt_ms(Some(w.to_ms)),
        w.days,
        if w.days == 1 { "" } else { "s" }
    )];
    if !w.charts.is_empty() {
        lines.push(format!("charts: {}", w.charts.join(", ")));
    }
    for f in &w.chart_files {
        lines.push(format!("  {f}"));
    }
    if !empty.is_empty() {
        lines.push(format!("no data in this window for: {}", empty.join(", ")));
    }
    lines.join("\n")
}
