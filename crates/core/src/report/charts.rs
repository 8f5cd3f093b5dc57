//! The report's charts, drawn with plotters from `ReportData` only: as inline SVG for HTML and as PNG files for
//! Markdown. A chart exists only when its section has data; otherwise the renderers show an explicit empty state.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::DrawingErrorKind;

use super::ReportError;
use super::collect::day_of;
use super::data::{DayCost, DayDuration, ReportData};

const SIZE: (u32, u32) = (860, 360);
const FONT: &str = "sans-serif";
const PALETTE: [RGBColor; 6] = [
    RGBColor(37, 99, 235),
    RGBColor(234, 88, 12),
    RGBColor(22, 163, 74),
    RGBColor(147, 51, 234),
    RGBColor(220, 38, 38),
    RGBColor(8, 145, 178),
];
const GRID: RGBColor = RGBColor(226, 232, 240);
const INK: RGBColor = RGBColor(51, 65, 85);

/// One of the report's charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    SuccessRate,
    Cost,
    Duration,
    Errors,
    Health,
    Leaderboard,
}

impl Chart {
    /// File name stem (for PNGs) and id (for SVGs).
    pub fn name(self) -> &'static str {
        match self {
            Chart::SuccessRate => "success-rate",
            Chart::Cost => "cost",
            Chart::Duration => "duration",
            Chart::Errors => "errors",
            Chart::Health => "health",
            Chart::Leaderboard => "leaderboard",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Chart::SuccessRate => "Success rate per day and model version (Wilson 95 % band)",
            Chart::Cost => "Cost per day (USD)",
            Chart::Duration => "Task duration per day, p50 and p95 (seconds, nearest-rank)",
            Chart::Errors => "Errors by type and severity",
            Chart::Health => "System health: CPU % and memory %",
            Chart::Leaderboard => "Success rate per model version with Wilson 95 % interval",
        }
    }

    /// Whether the data has anything for this chart to show.
    pub fn has_data(self, d: &ReportData) -> bool {
        match self {
            Chart::SuccessRate => !d.success_by_day.is_empty(),
            Chart::Cost => d.cost_by_day.iter().any(|c| c.task_cost_usd.is_some() || c.llm_cost_usd.is_some()),
            Chart::Duration => !d.duration_by_day.is_empty(),
            Chart::Errors => d.errors.total > 0,
            Chart::Health => !d.health.series.is_empty(),
            Chart::Leaderboard => !d.leaderboard.is_empty(),
        }
    }

    fn draw<DB: DrawingBackend>(self, root: &DrawingArea<DB, Shift>, d: &ReportData) -> Drawn<DB> {
        root.fill(&WHITE)?;
        match self {
            Chart::SuccessRate => success_rate(root, d),
            Chart::Cost => cost(root, d),
            Chart::Duration => duration(root, d),
            Chart::Errors => errors(root, d),
            Chart::Health => health(root, d),
            Chart::Leaderboard => leaderboard(root, d),
        }?;
        root.present()
    }
}

type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Turn a plotters error into the report's: a missing font names the packages that provide one.
fn chart_error<E: std::error::Error + Send + Sync>(chart: Chart, e: DrawingAreaErrorKind<E>) -> ReportError {
    match e {
        DrawingAreaErrorKind::BackendError(DrawingErrorKind::FontError(f)) => ReportError::Font(f.to_string()),
        other => ReportError::Chart { chart: chart.name(), message: other.to_string() },
    }
}

/// The chart as an SVG document (without the XML namespace attribute, for inlining in HTML).
pub fn svg(chart: Chart, d: &ReportData) -> Result<String, ReportError> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, SIZE).into_drawing_area();
        chart.draw(&root, d).map_err(|e| chart_error(chart, e))?;
    }
    Ok(buf.replacen(r#" xmlns="http://www.w3.org/2000/svg""#, "", 1))
}

/// Draw the chart into a PNG file at `path` (whose name must end in `.png`).
pub fn png(chart: Chart, d: &ReportData, path: &Path) -> Result<(), ReportError> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    chart.draw(&root, d).map_err(|e| chart_error(chart, e))
}

/// Every UTC day the window touches, oldest first.
pub fn window_days(d: &ReportData) -> Vec<String> {
    let mut days = Vec::new();
    let mut t = d.window.from_ms - d.window.from_ms.rem_euclid(86_400_000);
    while t <= d.window.to_ms {
        days.push(day_of(t));
        t += 86_400_000;
    }
    days
}

fn day_axis(days: &[String]) -> impl Fn(&f64) -> String + '_ {
    move |x: &f64| {
        let i = x.round();
        if (x - i).abs() > 1e-6 || i < 0.0 {
            return String::new();
        }
        days.get(i as usize).map(|d| d.get(5..).unwrap_or(d).to_string()).unwrap_or_default()
    }
}

/// Labels for a categorical axis: the name at each whole-number position.
fn name_axis(names: &[String]) -> impl Fn(&f64) -> String + '_ {
    move |x: &f64| {
        let i = x.round();
        if (x - i).abs() > 1e-6 || i < 0.0 {
            return String::new();
        }
        names.get(i as usize).cloned().unwrap_or_default()
    }
}

/// Whole-number ticks only (counts have no halves).
fn count_label(v: &f64) -> String {
    if v.fract().abs() < 1e-9 { format!("{v:.0}") } else { String::new() }
}

fn percent_label(v: &f64) -> String {
    format!("{v:.0}")
}

fn day_index(days: &[String], day: &str) -> Option<f64> {
    days.iter().position(|d| d == day).map(|i| i as f64)
}

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
) -> Drawn<DB> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(GRID)
        .label_font((FONT, 13).into_font().color(&INK))
        .draw()
}

fn success_rate<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ReportData) -> Drawn<DB> {
    let days = window_days(d);
    let mut chart = ChartBuilder::on(root)
        .caption(Chart::SuccessRate.title(), (FONT, 17).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(48)
        .build_cartesian_2d(-0.5f64..(days.len() as f64 - 0.5), 0f64..100f64)?;
    let fmt = day_axis(&days);
    chart
        .configure_mesh()
        .light_line_style(GRID.mix(0.5))
        .bold_line_style(GRID)
        .x_labels(days.len().min(16))
        .x_label_formatter(&fmt)
        .y_label_formatter(&percent_label)
        .y_desc("success %")
        .draw()?;
    for (i, series) in d.success_by_day.iter().enumerate() {
        let c = color(i);
        let pts: Vec<(f64, f64, f64, f64)> = series
            .points
            .iter()
            .filter_map(|p| {
                Some((day_index(&days, &p.day)?, p.success_rate * 100.0, p.ci_low * 100.0, p.ci_high * 100.0))
            })
            .collect();
        let mut band: Vec<(f64, f64)> = pts.iter().flat_map(|p| [(p.0 - 0.08, p.2), (p.0 + 0.08, p.2)]).collect();
        band.extend(pts.iter().rev().flat_map(|p| [(p.0 + 0.08, p.3), (p.0 - 0.08, p.3)]));
        chart.draw_series(std::iter::once(Polygon::new(band, c.mix(0.16))))?;
        chart
            .draw_series(LineSeries::new(pts.iter().map(|p| (p.0, p.1)), c.stroke_width(2)))?
            .label(series.version.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3)));
        chart.draw_series(pts.iter().map(|p| Circle::new((p.0, p.1), 4, c.filled())))?;
    }
    legend(&mut chart)
}

/// A bar series of the cost chart: label, value of a day, bar offset from the day's centre.
type CostSeries = (&'static str, fn(&DayCost) -> Option<f64>, f64);
/// A line of the duration chart: label, value of a day.
type DurationSeries = (&'static str, fn(&DayDuration) -> i64);

fn cost<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ReportData) -> Drawn<DB> {
    let days = window_days(d);
    let max = d.cost_by_day.iter().flat_map(|c| [c.task_cost_usd, c.llm_cost_usd]).flatten().fold(0.0, f64::max);
    let mut chart = ChartBuilder::on(root)
        .caption(Chart::Cost.title(), (FONT, 17).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..(days.len() as f64 - 0.5), 0f64..(max * 1.2).max(1e-6))?;
    let fmt = day_axis(&days);
    chart
        .configure_mesh()
        .light_line_style(GRID.mix(0.5))
        .bold_line_style(GRID)
        .x_labels(days.len().min(16))
        .x_label_formatter(&fmt)
        .y_desc("USD")
        .draw()?;
    let series: [CostSeries; 2] = [
        ("task results (task_results.cost_usd)", |c| c.task_cost_usd, -0.2),
        ("LLM calls (mon_llm_calls.cost_usd)", |c| c.llm_cost_usd, 0.2),
    ];
    for (i, (label, get, offset)) in series.into_iter().enumerate() {
        let c = color(i);
        let bars: Vec<(f64, f64)> =
            d.cost_by_day.iter().filter_map(|row| Some((day_index(&days, &row.day)? + offset, get(row)?))).collect();
        chart
            .draw_series(bars.iter().map(|(x, y)| Rectangle::new([(x - 0.18, 0.0), (x + 0.18, *y)], c.filled())))?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
    }
    legend(&mut chart)
}

fn duration<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ReportData) -> Drawn<DB> {
    let days = window_days(d);
    let max = d.duration_by_day.iter().map(|r| r.p95_ms).max().unwrap_or(0) as f64 / 1000.0;
    let mut chart = ChartBuilder::on(root)
        .caption(Chart::Duration.title(), (FONT, 17).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(56)
        .build_cartesian_2d(-0.5f64..(days.len() as f64 - 0.5), 0f64..(max * 1.2).max(0.001))?;
    let fmt = day_axis(&days);
    chart
        .configure_mesh()
        .light_line_style(GRID.mix(0.5))
        .bold_line_style(GRID)
        .x_labels(days.len().min(16))
        .x_label_formatter(&fmt)
        .y_desc("seconds")
        .draw()?;
    let series: [DurationSeries; 2] = [("p50", |r| r.p50_ms), ("p95", |r| r.p95_ms)];
    for (i, (label, get)) in series.into_iter().enumerate() {
        let c = color(i);
        let pts: Vec<(f64, f64)> = d
            .duration_by_day
            .iter()
            .filter_map(|r| Some((day_index(&days, &r.day)?, get(r) as f64 / 1000.0)))
            .collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3)));
        chart.draw_series(pts.iter().map(|p| Circle::new(*p, 4, c.filled())))?;
    }
    legend(&mut chart)
}

fn bars<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, title: &str, rows: &[(String, u64, RGBColor)]) -> Drawn<DB> {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1) as f64;
    let names: Vec<String> = rows.iter().map(|r| r.0.chars().take(16).collect()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 15).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(44)
        .build_cartesian_2d(-0.5f64..(rows.len() as f64 - 0.5), 0f64..(max * 1.2))?;
    let fmt = name_axis(&names);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(GRID.mix(0.5))
        .bold_line_style(GRID)
        .x_labels(rows.len())
        .x_label_formatter(&fmt)
        .y_label_formatter(&count_label)
        .y_desc("errors")
        .draw()?;
    chart.draw_series(
        rows.iter()
            .enumerate()
            .map(|(i, (_, n, c))| Rectangle::new([(i as f64 - 0.3, 0.0), (i as f64 + 0.3, *n as f64)], c.filled())),
    )?;
    Ok(())
}

fn errors<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ReportData) -> Drawn<DB> {
    let (left, right) = root.split_horizontally(SIZE.0 * 3 / 5);
    let types: Vec<(String, u64, RGBColor)> =
        d.errors.by_type.iter().take(8).map(|t| (t.error_type.clone(), t.count, color(0))).collect();
    bars(&left, "by type (top 8)", &types)?;
    let sev_color = |s: &str| match s {
        "critical" => RGBColor(127, 29, 29),
        "high" => RGBColor(220, 38, 38),
        "medium" => RGBColor(234, 88, 12),
        _ => RGBColor(202, 138, 4),
    };
    let sev: Vec<(String, u64, RGBColor)> =
        d.errors.by_severity.iter().map(|s| (s.severity.clone(), s.count, sev_color(&s.severity))).collect();
    bars(&right, "by severity", &sev)
}

fn health<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ReportData) -> Drawn<DB> {
    let mut chart = ChartBuilder::on(root)
        .caption(Chart::Health.title(), (FONT, 17).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(48)
        .build_cartesian_2d(d.window.from_ms..d.window.to_ms, 0f64..100f64)?;
    let fmt = |ms: &i64| {
        chrono::DateTime::from_timestamp_millis(*ms).map(|t| t.format("%m-%d %H:%M").to_string()).unwrap_or_default()
    };
    chart
        .configure_mesh()
        .light_line_style(GRID.mix(0.5))
        .bold_line_style(GRID)
        .x_labels(8)
        .x_label_formatter(&fmt)
        .y_label_formatter(&percent_label)
        .y_desc("percent")
        .draw()?;
    let cpu: Vec<(i64, f64)> = d.health.series.iter().filter_map(|b| Some((b.start_ms, b.cpu_percent?))).collect();
    let mem: Vec<(i64, f64)> = d.health.series.iter().map(|b| (b.start_ms, b.memory_percent)).collect();
    for (i, (label, pts)) in [("CPU %", cpu), ("memory %", mem)].into_iter().enumerate() {
        let c = color(i);
        chart
            .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3)));
        chart.draw_series(pts.iter().map(|p| Circle::new(*p, 2, c.filled())))?;
    }
    legend(&mut chart)
}

fn leaderboard<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ReportData) -> Drawn<DB> {
    let rows: Vec<_> = d.leaderboard.iter().take(12).collect();
    let names: Vec<String> = rows.iter().map(|r| r.version.chars().take(20).collect()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(Chart::Leaderboard.title(), (FONT, 17).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(48)
        .build_cartesian_2d(-0.5f64..(rows.len() as f64 - 0.5), 0f64..100f64)?;
    let fmt = name_axis(&names);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(GRID.mix(0.5))
        .bold_line_style(GRID)
        .x_labels(rows.len())
        .x_label_formatter(&fmt)
        .y_label_formatter(&percent_label)
        .y_desc("success %")
        .draw()?;
    chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
        ErrorBar::new_vertical(
            i as f64,
            r.ci_low * 100.0,
            r.success_rate * 100.0,
            r.ci_high * 100.0,
            color(i).stroke_width(2),
            14,
        )
    }))?;
    chart.draw_series(
        rows.iter().enumerate().map(|(i, r)| Circle::new((i as f64, r.success_rate * 100.0), 5, color(i).filled())),
    )?;
    Ok(())
}

/// The charts that have data, in the order the report shows them.
pub fn available(d: &ReportData) -> Vec<Chart> {
    [Chart::SuccessRate, Chart::Leaderboard, Chart::Cost, Chart::Duration, Chart::Errors, Chart::Health]
        .into_iter()
        .filter(|c| c.has_data(d))
        .collect()
}
