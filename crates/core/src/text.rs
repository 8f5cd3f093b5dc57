//! Plain-text rendering shared by everything that prints for people: aligned tables, `key: value` fields and
//! numbers without trailing zeros (the CLI's human output and the demo's narrative).

use comfy_table::{ContentArrangement, Table, presets};

/// A plain table: a header row and left-aligned cells, no borders, wrapped to the terminal if needed.
pub fn table<S: AsRef<str>>(header: &[&str], rows: impl IntoIterator<Item = Vec<S>>) -> String {
    let header: Vec<String> = header.iter().map(|h| h.to_uppercase()).collect();
    table_as_is(&header, rows)
}

/// [`table`] with the header cells exactly as given (for headers whose case matters, like version references).
pub fn table_as_is<S: AsRef<str>>(header: &[String], rows: impl IntoIterator<Item = Vec<S>>) -> String {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING).set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(header);
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
