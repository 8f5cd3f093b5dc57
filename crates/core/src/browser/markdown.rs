//! Page → compact Markdown for the `extract` action and `Session::page_markdown`: `markdown.js` walks the rendered
//! document in the page; this side tidies the whitespace and truncates at a line boundary.

/// The page-side converter, evaluated as `(<script>)()`.
pub(crate) const MARKDOWN_JS: &str = include_str!("markdown.js");

/// Default size limit for extracted Markdown (characters), enough for a long article or a 100-row table.
pub const DEFAULT_MAX_CHARS: usize = 24_000;

/// Normalises whitespace (single spaces inside lines, no trailing spaces, at most one blank line in a row) and
/// truncates to `max_chars` characters at a line boundary, saying how much was left out.
pub fn tidy(raw: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(raw.len().min(max_chars + 64));
    let mut blank_run = 0usize;
    let mut in_code = false;
    for line in raw.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_code = !in_code;
        }
        let cleaned: String = if in_code {
            line.trim_end().to_string()
        } else {
            trimmed.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        if cleaned.is_empty() {
            blank_run += 1;
            if blank_run > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(&cleaned);
        out.push('\n');
    }
    let out = out.trim_end().to_string();
    truncate(out, max_chars)
}

fn truncate(text: String, max_chars: usize) -> String {
    let total = text.chars().count();
    if total <= max_chars {
        return text;
    }
    let cut_byte = text.char_indices().nth(max_chars).map(|(i, _)| i).unwrap_or(text.len());
    let head = &text[..cut_byte];
    let head = match head.rfind('\n') {
        Some(pos) if pos > cut_byte / 2 => &head[..pos],
        _ => head,
    };
    let left = total - head.chars().count();
    format!("{head}\n\n… [truncated: {left} more characters]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_is_normalised_and_blank_lines_collapse() {
        let raw = "\n\n#  Title  \n\n\n\nSome   text\n  more\n\n\n- a\n";
        assert_eq!(tidy(raw, 1000), "# Title\n\nSome text\nmore\n\n- a");
    }

    #[test]
    fn code_blocks_keep_indentation() {
        let raw = "```\n  indented  x\n```\n";
        assert_eq!(tidy(raw, 1000), "```\n  indented  x\n```");
    }

    #[test]
    fn truncation_cuts_at_a_line_and_reports_the_rest() {
        let lines: Vec<String> = (0..100).map(|i| format!("line {i:03}")).collect();
        let raw = lines.join("\n");
        let out = tidy(&raw, 50);
        let kept: Vec<&str> = out.lines().take_while(|l| l.starts_with("line")).collect();
        // Each line is 8 chars + newline: 5 full lines fit in 50 characters.
        assert_eq!(kept, lines[..5].iter().map(String::as_str).collect::<Vec<_>>());
        let left = raw.chars().count() - kept.join("\n").chars().count();
        assert!(out.ends_with(&format!("[truncated: {left} more characters]")), "{out}");
    }
}
