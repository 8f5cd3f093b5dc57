//! Reports: collect one typed `ReportData` from the store for the last N days, then write it as a self-contained HTML
//! file with inline SVG charts, as Markdown with PNG charts beside it, or as JSON (the same numbers). Output is
//! validated before any work, and every file is written atomically (temporary file, then rename).

pub mod charts;
pub mod collect;
pub mod data;
pub mod html;
pub mod layout;
pub mod markdown;
mod operational;
mod operational_sections;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use data::ReportData;

use crate::kind::ErrorKind;
use crate::store::{Store, StoreError};

/// The longest window a report may cover.
pub const MAX_DAYS: u32 = 3650;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The output path, format or window is not usable.
    #[error("{0}")]
    Input(String),
    /// The time window is outside 1..=`MAX_DAYS` days.
    #[error("the report window must be between 1 and {MAX_DAYS} days, not {0}")]
    Days(u32),
    /// No format was chosen and the output file's extension names none.
    #[error(
        "{path}: cannot tell the report format from the extension {ext:?}: name the file *.html, *.md or *.json, or \
         choose the format (html, md or json)"
    )]
    UnknownFormat { path: String, ext: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot draw charts: no usable font ({0}); plotters finds fonts through fontconfig: install the Debian \
         packages fonts-dejavu-core and fontconfig (or any sans-serif font)"
    )]
    Font(String),
    #[error("cannot draw the {chart} chart: {message}")]
    Chart { chart: &'static str, message: String },
    #[error("cannot serialise the report as JSON: {0}")]
    Json(String),
    #[error("the report writer stopped unexpectedly: {0}")]
    Task(String),
}

impl ReportError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ReportError::Store(e) => e.kind(),
            ReportError::Input(_) | ReportError::Days(_) | ReportError::UnknownFormat { .. } => ErrorKind::Input,
            ReportError::Io { source, .. } => ErrorKind::of_user_path_io(source),
            _ => ErrorKind::Failed,
        }
    }
}

impl From<sqlx::Error> for ReportError {
    fn from(e: sqlx::Error) -> Self {
        ReportError::Store(StoreError::from(e))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io { path: path.to_path_buf(), source }
}

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    Html,
    Md,
    Json,
}

impl ReportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Md => "md",
            ReportFormat::Json => "json",
        }
    }

    /// A format name as typed (`html`, `md`/`markdown`, `json`).
    pub fn parse(s: &str) -> Option<ReportFormat> {
        match s.to_ascii_lowercase().as_str() {
            "html" | "htm" => Some(ReportFormat::Html),
            "md" | "markdown" => Some(ReportFormat::Md),
            "json" => Some(ReportFormat::Json),
            _ => None,
        }
    }
}

/// A validated request: where to write, what, over how many days.
#[derive(Debug, Clone)]
pub struct Plan {
    pub output: PathBuf,
    pub format: ReportFormat,
    pub days: u32,
}

/// Check the output path, the format (from `--format`, else the extension) and the window, before touching anything.
pub fn plan(output: &Path, format: Option<ReportFormat>, days: u32) -> Result<Plan, ReportError> {
    let shown = output.display();
    if days == 0 || days > MAX_DAYS {
        return Err(ReportError::Days(days));
    }
    let format = match format {
        Some(f) => f,
        None => {
            let ext = output.extension().and_then(|e| e.to_str()).unwrap_or("");
            ReportFormat::parse(ext)
                .ok_or_else(|| ReportError::UnknownFormat { path: shown.to_string(), ext: ext.to_string() })?
        }
    };
    if output.file_name().is_none() || output.as_os_str().to_string_lossy().ends_with('/') {
        return Err(ReportError::Input(format!("{shown}: expected a file path for the report, not a directory")));
    }
    if output.is_dir() {
        return Err(ReportError::Input(format!("{shown}: is a directory; expected a file path for the report")));
    }
    let parent = parent_of(output);
    if !parent.is_dir() {
        return Err(ReportError::Input(format!(
            "{shown}: the directory {} does not exist; create it first",
            parent.display()
        )));
    }
    Ok(Plan { output: output.to_path_buf(), format, days })
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    pub data: ReportData,
    /// Chart files written beside a Markdown report (empty for HTML, whose charts are inline, and JSON).
    pub chart_files: Vec<PathBuf>,
    /// Charts drawn (inline or as files).
    pub charts: Vec<&'static str>,
}

/// Collect the data for the plan's window ending now and write the report.
pub async fn generate(store: &Store, plan: &Plan) -> Result<Written, ReportError> {
    let data = collect::collect(store, plan.days, crate::util::now_ms()).await?;
    let plan = plan.clone();
    tokio::task::spawn_blocking(move || write(&plan, data)).await.map_err(|e| ReportError::Task(e.to_string()))?
}

fn write(plan: &Plan, data: ReportData) -> Result<Written, ReportError> {
    let charts: Vec<&'static str> = charts::available(&data).into_iter().map(|c| c.name()).collect();
    let mut chart_files = Vec::new();
    let text = match plan.format {
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&data).map_err(|e| ReportError::Json(e.to_string()))?;
            s.push('\n');
            s
        }
        ReportFormat::Html => html::render(&data)?,
        ReportFormat::Md => {
            let dir_name = chart_dir_name(&plan.output);
            chart_files = write_png_charts(&parent_of(&plan.output), &dir_name, &data)?;
            markdown::render(&data, &dir_name)
        }
    };
    write_atomic(&plan.output, text.as_bytes())?;
    let charts = if plan.format == ReportFormat::Json { Vec::new() } else { charts };
    Ok(Written { data, chart_files, charts })
}

/// `report-charts` for `report.md`.
pub fn chart_dir_name(output: &Path) -> String {
    let stem = output.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
    format!("{stem}-charts")
}

fn temp_name(name: &str) -> String {
    format!(".{name}.tmp-{}", crate::util::new_id())
}

/// Write `bytes` to a temporary file beside `path`, then rename it over `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = parent_of(path).join(temp_name(&name));
    if let Err(e) = std::fs::write(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(path)(e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(path)(e)
    })
}

/// Draw every chart with data into a fresh folder, then swap it in for `<dir>/<name>` (which may only hold PNGs
/// from an earlier report, never anything else).
fn write_png_charts(dir: &Path, name: &str, data: &ReportData) -> Result<Vec<PathBuf>, ReportError> {
    let target = dir.join(name);
    if target.exists() {
        let entries = std::fs::read_dir(&target).map_err(io(&target))?;
        for entry in entries {
            let path = entry.map_err(io(&target))?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("png") || !path.is_file() {
                return Err(ReportError::Input(format!(
                    "{}: the chart folder exists and holds {}, which is not a chart; move it away or choose another \
                     report name",
                    target.display(),
                    path.display()
                )));
            }
        }
    }
    let staging = dir.join(temp_name(name));
    std::fs::create_dir(&staging).map_err(io(&staging))?;
    let drawn = draw_pngs(&staging, data);
    let swapped = drawn.and_then(|names| {
        if target.exists() {
            std::fs::remove_dir_all(&target).map_err(io(&target))?;
        }
        std::fs::rename(&staging, &target).map_err(io(&target))?;
        Ok(names)
    });
    match swapped {
        Ok(names) => Ok(names.into_iter().map(|n| target.join(n)).collect()),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

fn draw_pngs(dir: &Path, data: &ReportData) -> Result<Vec<String>, ReportError> {
    let mut names = Vec::new();
    for chart in charts::available(data) {
        let file = format!("{}.png", chart.name());
        charts::png(chart, data, &dir.join(&file))?;
        names.push(file);
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_comes_from_the_extension_unless_given() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        assert_eq!(plan(&p("r.html"), None, 7).unwrap().format, ReportFormat::Html);
        assert_eq!(plan(&p("r.MD"), None, 7).unwrap().format, ReportFormat::Md);
        assert_eq!(plan(&p("r.txt"), Some(ReportFormat::Json), 7).unwrap().format, ReportFormat::Json);
        let e = plan(&p("r.txt"), None, 7).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Input);
        assert!(e.to_string().contains("choose the format (html, md or json)"), "{e}");
        let e = plan(&p("missing/r.html"), None, 7).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        assert_eq!(plan(&p("r.html"), None, 0).unwrap_err().kind(), ErrorKind::Input);
        assert_eq!(plan(dir.path(), Some(ReportFormat::Html), 7).unwrap_err().kind(), ErrorKind::Input);
    }

    #[test]
    fn atomic_write_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_atomic(&path, b"{}").unwrap();
        write_atomic(&path, b"{\"a\":1}").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"a\":1}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
