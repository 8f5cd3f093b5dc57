//! The Markdown report: the same sections and numbers as the HTML one, with each chart as a PNG file in a folder
//! beside the report (`<stem>-charts/`), linked relatively.

use std::fmt::Write;

use super::data::ReportData;
use super::layout::{Section, Table, sections};
use crate::util::fmt_ms;

/// Escape table-cell text: pipes and line breaks would break the table.
fn cell_text(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn table(out: &mut String, t: &Table) {
    if let Some(caption) = &t.caption {
        let _ = writeln!(out, "**{}**\n", cell_text(caption));
    }
    if t.rows.is_empty() {
        out.push_str("_None._\n\n");
        return;
    }
    let _ = writeln!(out, "| {} |", t.headers.iter().map(|h| cell_text(h)).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(out, "|{}", t.headers.iter().map(|_| " --- |").collect::<String>());
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                super::layout::Cell::Code(t) => format!("`{}`", t.replace('`', "'")),
                other => cell_text(&other.text()),
            })
            .collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

fn section(out: &mut String, s: &Section, chart_dir: &str) {
    let _ = writeln!(out, "## {}\n", s.title);
    if let Some(empty) = &s.empty {
        let _ = writeln!(out, "> _{}_\n", empty);
        return;
    }
    if let Some(note) = &s.note {
        let _ = writeln!(out, "_{}_\n", note);
    }
    if let Some(chart) = s.chart {
        let _ = writeln!(out, "![{}]({}/{}.png)\n", chart.title(), chart_dir, chart.name());
    }
    for t in &s.tables {
        table(out, t);
    }
}

/// Render the report; `chart_dir` is the charts folder's name relative to the report file.
pub fn render(d: &ReportData, chart_dir: &str) -> String {
    let mut out = String::new();
    let plural = if d.window.days == 1 { "" } else { "s" };
    let _ = writeln!(out, "# Browser.AI MLOps report — last {} day{plural}\n", d.window.days);
    let _ = writeln!(
        out,
        "{} to {} UTC · generated {} UTC\n",
        fmt_ms(Some(d.window.from_ms)),
        fmt_ms(Some(d.window.to_ms)),
        fmt_ms(Some(d.generated_at_ms))
    );
    for s in sections(d) {
        section(&mut out, &s, chart_dir);
    }
    let m = &d.methods;
    let _ = writeln!(out, "## Methods\n");
    for (name, text) in [
        ("Days", &m.day_buckets),
        ("Success interval", &m.success_interval),
        ("Percentiles", &m.percentiles),
        ("Cost", &m.cost),
        ("Health", &m.health),
    ] {
        let _ = writeln!(out, "- **{name}:** {text}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cell_text;

    #[test]
    fn pipes_and_newlines_cannot_break_a_table() {
        assert_eq!(cell_text("a|b\nc"), "a\\|b c");
    }
}
