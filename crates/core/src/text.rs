//! Plain-text rendering shared by everything that prints for people: aligned tables, `key: value` fields,
//! numbers without trailing zeros (the CLI's human output and the demo's narrative), and the escaping of control
//! characters in user data so a stored name or value can never move the cursor, clear the screen or ring the bell.

use std::borrow::Cow;
use std::fmt::Write;

use comfy_table::{ContentArrangement, Table, presets};

/// `s` with every control character (Unicode category Cc) written as an escape: `\n`, `\r`, `\t`, or `\u{1b}`
/// for the others. For one cell or one value: the result is a single line.
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_except(s, None)
}

/// [`escape`] for a whole block of text: line breaks are kept, every other control character is escaped.
pub fn escape_lines(s: &str) -> Cow<'_, str> {
    escape_except(s, Some('\n'))
}

fn escape_except(s: &str, keep: Option<char>) -> Cow<'_, str> {
    let needs = |c: char| c.is_control() && Some(c) != keep;
    if !s.chars().any(needs) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            c if !needs(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// A plain table: a header row and left-aligned cells, no borders, wrapped to the terminal if needed.
pub fn table<S: AsRef<str>>(header: &[&str], rows: impl IntoIterator<Item = Vec<S>>) -> String {
    let header: Vec<String> = header.iter().map(|h| h.to_uppercase()).collect();
    table_as_is(&header, rows)
}

/// [`table`] with the header cells exactly as given (for headers whose case matters, like version references).
pub fn table_as_is<S: AsRef<str>>(header: &[String], rows: impl IntoIterator<Item = Vec<S>>) -> String {
    let mut t = Table::new();
    t.load_preset(presets::NOTHING).set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(header.iter().map(|h| escape(h).into_owned()));
    for row in rows {
        t.add_row(row.iter().map(|c| escape(c.as_ref()).into_owned()));
    }
    t.lines().map(|l| l.trim_end().to_string()).collect::<Vec<_>>().join("\n")
}

/// `key: value` lines with the keys padded to one width.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    pairs.iter().map(|(k, v)| format!("{k:width$}  {}", escape(v))).collect::<Vec<_>>().join("\n")
}

/// A float for people, one rule for every table, field and summary: magnitudes from 1e-4 to below 1e15 in fixed
/// notation rounded to 6 decimals with trailing zeros dropped (`0.5`, `3`, `0.123457`); smaller or larger ones in
/// scientific notation, shortest round-trip form up to 7 significant digits (`1e308`, `5e-324`, `1.234568e20`), so no
/// value prints as hundreds of digits or as a misleading 0; `NaN`, `inf` and `-inf` as such. JSON output keeps full
/// precision.
pub fn num(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".to_string() } else { "-inf".to_string() };
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let trim = |s: &str| s.trim_end_matches('0').trim_end_matches('.').to_string();
    if (1e-4..1e15).contains(&v.abs()) {
        let fixed = format!("{v:.6}");
        let fixed = trim(&fixed);
        // A value that rounds to a fixed-notation integer never keeps a sign of zero ("-0").
        return if fixed == "-0" { "0".to_string() } else { fixed };
    }
    // The shortest representation that reads back as `v` when it has at most 7 significant digits (`5e-324`, not
    // the denormal's exact `4.940656e-324`), else `v` rounded to 7 significant digits.
    let shortest = format!("{v:e}");
    let digits = shortest.split('e').next().unwrap_or_default().chars().filter(char::is_ascii_digit).count();
    if digits <= 7 {
        return shortest;
    }
    let rounded = format!("{v:.6e}");
    match rounded.split_once('e') {
        Some((mantissa, exponent)) => format!("{}e{exponent}", trim(mantissa)),
        None => rounded,
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
    fn control_characters_in_cells_and_values_are_escaped() {
        let t = table(&["name"], vec![vec!["evil\u{1b}[2J\u{7}\r\nname\tx\u{9b}"]]);
        assert_eq!(t.lines().nth(1).map(str::trim), Some("evil\\u{1b}[2J\\u{7}\\r\\nname\\tx\\u{9b}"));
        assert!(!t.chars().any(|c| c.is_control() && c != '\n'), "{t:?}");
        let f = fields(&[("name", "a\nb\u{1b}c".to_string())]);
        assert_eq!(f, "name  a\\nb\\u{1b}c");
        assert_eq!(escape_lines("line one\nbell\u{7}"), "line one\nbell\\u{7}");
        assert!(matches!(escape("plain — été"), Cow::Borrowed("plain — été")));
    }

    #[test]
    fn numbers_drop_trailing_zeros() {
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(3.0), "3");
        assert_eq!(num(0.123456789), "0.123457");
    }

    #[test]
    fn extreme_numbers_print_in_scientific_notation_and_never_as_zero_or_hundreds_of_digits() {
        assert_eq!(num(1e308), "1e308");
        assert_eq!(num(f64::MAX), "1.797693e308");
        assert_eq!(num(5e-324), "5e-324");
        assert_eq!(num(-2.5e-7), "-2.5e-7");
        assert_eq!(num(1e15), "1e15");
        assert_eq!(num(999_999_999_999_999.0), "999999999999999");
        assert_eq!(num(0.0001), "0.0001");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(f64::NEG_INFINITY), "-inf");
        assert_eq!(num(f64::NAN), "NaN");
    }
}
