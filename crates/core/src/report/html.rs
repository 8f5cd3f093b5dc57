//! The HTML report: one self-contained, well-formed (XHTML-compatible) file with inline CSS and inline SVG charts; no
//! scripts and no external resources. Numeric cells carry `data-key`, `data-json` (a JSON pointer into the JSON
//! report) and `data-value` (the exact number) so tools and tests can read them back.

use std::fmt::Write;

use super::ReportError;
use super::charts;
use super::data::ReportData;
use super::layout::{Cell, Section, Table, sections};
use crate::util::fmt_ms;

const STYLE: &str = "
:root { --ink: #1e293b; --muted: #64748b; --line: #e2e8f0; --bg: #f8fafc; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif; }
header { background: linear-gradient(120deg, #1e3a8a, #2563eb); color: #fff; padding: 28px 40px 22px; }
header h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; }
header p { margin: 0; opacity: .85; }
nav { padding: 10px 40px; background: #fff; border-bottom: 1px solid var(--line); font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; margin-right: 16px; }
main { max-width: 1120px; margin: 0 auto; padding: 8px 24px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px; margin: 22px 0; padding: 18px 22px;
  box-shadow: 0 1px 2px rgba(15, 23, 42, .04); }
h2 { margin: 0 0 6px; font-size: 19px; }
h3 { margin: 16px 0 6px; font-size: 15px; color: var(--muted); font-weight: 600; }
p.note { margin: 0 0 12px; color: var(--muted); font-size: 13px; }
p.empty { margin: 6px 0; padding: 14px 16px; border: 1px dashed #cbd5e1; border-radius: 8px; color: var(--muted);
  background: var(--bg); }
p.none { color: var(--muted); font-size: 13px; margin: 4px 0; }
figure { margin: 8px 0 14px; }
figure svg { width: 100%; height: auto; display: block; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--line); padding: 6px 10px;
  white-space: nowrap; }
td { border-bottom: 1px solid var(--line); padding: 6px 10px; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fbfdff; }
code { font: 12.5px 'DejaVu Sans Mono', monospace; }
footer { max-width: 1120px; margin: 0 auto; padding: 0 24px 40px; color: var(--muted); font-size: 13px; }
";

/// Escape text for HTML/XML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn cell(out: &mut String, c: &Cell) {
    match c {
        Cell::Text(t) => {
            let _ = write!(out, "<td>{}</td>", esc(t));
        }
        Cell::Code(t) => {
            let _ = write!(out, "<td><code>{}</code></td>", esc(t));
        }
        Cell::Num(n) => {
            let _ = write!(
                out,
                "<td class=\"num\" data-key=\"{}\" data-json=\"{}\" data-value=\"{}\" data-unit=\"{}\">{}</td>",
                esc(&n.key),
                esc(&n.pointer),
                esc(&n.value.to_string()),
                n.unit.name(),
                esc(&c.text())
            );
        }
    }
}

fn table(out: &mut String, t: &Table) {
    if let Some(caption) = &t.caption {
        let _ = write!(out, "<h3>{}</h3>", esc(caption));
    }
    if t.rows.is_empty() {
        out.push_str("<p class=\"none\">None.</p>\n");
        return;
    }
    out.push_str("<div class=\"table-wrap\"><table><thead><tr>");
    for h in &t.headers {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for c in row {
            cell(out, c);
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

fn section(out: &mut String, s: &Section, d: &ReportData) -> Result<(), ReportError> {
    let _ = write!(out, "<section id=\"{}\">\n<h2>{}</h2>\n", s.id, esc(s.title));
    if let Some(empty) = &s.empty {
        let _ = writeln!(out, "<p class=\"empty\" data-empty=\"{}\">{}</p>\n</section>", s.id, esc(empty));
        return Ok(());
    }
    if let Some(note) = &s.note {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(note));
    }
    if let Some(chart) = s.chart {
        let svg = charts::svg(chart, d)?;
        let _ = write!(
            out,
            "<figure data-chart=\"{}\" aria-label=\"{}\">\n{}\n</figure>\n",
            chart.name(),
            esc(chart.title()),
            svg.trim()
        );
    }
    for t in &s.tables {
        table(out, t);
    }
    out.push_str("</section>\n");
    Ok(())
}

/// Render the whole report as one HTML document.
pub fn render(d: &ReportData) -> Result<String, ReportError> {
    let sections = sections(d);
    let mut out = String::with_capacity(256 * 1024);
    let title =
        format!("Browser.AI MLOps report — last {} day{}", d.window.days, if d.window.days == 1 { "" } else { "s" });
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n\
         <p>{} to {} UTC · generated {} UTC</p>\n</header>\n<nav>",
        esc(&title),
        esc(&title),
        fmt_ms(Some(d.window.from_ms)),
        fmt_ms(Some(d.window.to_ms)),
        fmt_ms(Some(d.generated_at_ms)),
    );
    for s in &sections {
        let _ = write!(out, "<a href=\"#{}\">{}</a>", s.id, esc(s.title));
    }
    out.push_str("</nav>\n<main>\n");
    for s in &sections {
        section(&mut out, s, d)?;
    }
    out.push_str("</main>\n<footer>\n<h3>Methods</h3>\n<ul>\n");
    let m = &d.methods;
    for (name, text) in [
        ("Days", &m.day_buckets),
        ("Success interval", &m.success_interval),
        ("Percentiles", &m.percentiles),
        ("Cost", &m.cost),
        ("Health", &m.health),
    ] {
        let _ = writeln!(out, "<li><strong>{name}:</strong> {}</li>", esc(text));
    }
    out.push_str(
        "</ul>\n<p>Every number comes from the local store; the JSON report (format <code>json</code>) holds the \
         same values.</p>\n</footer>\n</body>\n</html>\n",
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(esc("tab\tok\u{7}"), "tab\tok ");
    }
}
