//! Rendering for the CLI: `--json` prints the api output as stable JSON, otherwise a human table or text.

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use crate::error::{Error, Result};

/// How the user asked to see results.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// Print `value` as pretty JSON with `--json`, else print what `human` renders.
    pub fn emit<T: Serialize>(&self, value: &T, human: impl FnOnce(&T) -> String) -> Result<()> {
        if self.json {
            let text = serde_json::to_string_pretty(value)
                .map_err(|e| Error::Failed(format!("cannot render JSON output: {e}")))?;
            write_stdout(&format!("{text}\n"))
        } else {
            let text = human(value);
            if text.is_empty() { Ok(()) } else { write_stdout(&format!("{}\n", text.trim_end_matches('\n'))) }
        }
    }
}

/// Write to stdout; a closed pipe (`… | head`) ends output quietly instead of panicking like `println!`.
pub fn write_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("cannot write to standard output", e)),
    }
}

/// A plain table: a header row and left-aligned cells, no borders, wrapped to the terminal if needed.
pub fn table<S: AsRef<str>>(header: &[&str], rows: impl IntoIterator<Item = Vec<S>>) -> String {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING).set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(header.iter().map(|h| h.to_uppercase()));
    for row in rows {
        t.add_row(row.iter().map(|c| c.as_ref().to_string()));
    }
    t.lines().map(|l| l.trim_end().to_string()).collect::<Vec<_>>().join("\n")
}

/// `key: value` lines with the keys padded to one width.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    pairs.iter().map(|(k, v)| format!("{k:width$}  {v}")).collect::<Vec<_>>().join("\n")
}

/// A float shown with up to 6 significant decimals and no trailing zeros.
pub fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_header_and_rows_aligned() {
        let t = table(&["id", "name"], vec![vec!["1", "alpha"], vec!["22", "b"]]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].contains("ID") && lines[0].contains("NAME"));
        let col = lines[0].find("NAME").unwrap();
        assert_eq!(lines[1].find("alpha"), Some(col));
    }

    #[test]
    fn numbers_drop_trailing_zeros() {
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(3.0), "3");
        assert_eq!(num(0.123456789), "0.123457");
    }
}
