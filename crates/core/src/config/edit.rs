//! In-place edits of a config file's text that keep its comments and layout: replace one value's text at the
//! position the parser reported, or insert a `key: value` line after the last entry of a block mapping. Returns
//! `None` when the shape of the file makes that unsafe; the caller re-parses the result and falls back to
//! re-serialising when it does not load back to the intended config.

use serde_json::Value as J;

use super::tree::{Node, Scalar, Style, Value, resolve_plain};

/// Render a value as single-line (flow) YAML.
pub fn render_flow(value: &J, in_flow: bool) -> String {
    match value {
        J::Null => "null".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => n.to_string(),
        J::String(s) => render_str(s, in_flow),
        J::Array(items) => format!("[{}]", items.iter().map(|v| render_flow(v, true)).collect::<Vec<_>>().join(", ")),
        J::Object(map) => {
            let entries: Vec<String> =
                map.iter().map(|(k, v)| format!("{}: {}", render_str(k, true), render_flow(v, true))).collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

/// A string as a plain scalar when that reads back as the same string, else double-quoted (JSON escapes are YAML's).
pub fn render_str(s: &str, in_flow: bool) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-./@+".contains(c) || (c == ':' && !in_flow);
    let plain = s.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '/')
        && s.chars().all(allowed)
        && !s.ends_with(':')
        && resolve_plain(s) == Scalar::Str(s);
    if plain { s.to_string() } else { serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}")) }
}

fn line_starts(chars: &[char]) -> Vec<usize> {
    std::iter::once(0).chain(chars.iter().enumerate().filter(|(_, c)| **c == '\n').map(|(i, _)| i + 1)).collect()
}

/// End (exclusive, before the newline) of 1-based `line`.
fn line_end(chars: &[char], starts: &[usize], line: usize) -> Option<usize> {
    let start = *starts.get(line.checked_sub(1)?)?;
    Some(chars[start..].iter().position(|c| *c == '\n').map_or(chars.len(), |p| start + p))
}

/// The char span of a single-line scalar's source text.
fn scalar_span(chars: &[char], node: &Node) -> Option<(usize, usize)> {
    let Value::Scalar { text, style } = &node.value else { return None };
    let start = node.pos.index;
    match (style, chars.get(start)) {
        (Style::Plain, _) if node.exact => {
            let end = start + text.chars().count();
            (chars.get(start..end)? == text.chars().collect::<Vec<_>>().as_slice()).then_some((start, end))
        }
        (Style::Quoted, Some(&q)) if q == '"' || q == '\'' => {
            let mut i = start + 1;
            while i < chars.len() && chars[i] != '\n' {
                match chars[i] {
                    '\\' if q == '"' => i += 1,
                    c if c == q && q == '\'' && chars.get(i + 1) == Some(&'\'') => i += 1,
                    c if c == q => return Some((start, i + 1)),
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => None,
    }
}

/// Where the value of a block-mapping entry starts: just after the `:` that follows its key.
fn after_colon(chars: &[char], key_index: usize, key_line_end: usize) -> Option<usize> {
    let colon =
        (key_index..key_line_end).find(|&i| chars[i] == ':' && chars.get(i + 1).is_none_or(|c| c.is_whitespace()))?;
    Some(colon + 1)
}

fn splice(chars: &[char], from: usize, to: usize, with: &str) -> String {
    let mut out: String = chars[..from].iter().collect();
    out.push_str(with);
    out.extend(&chars[to..]);
    out
}

/// Replace an existing node's text with `value`; `key_index` is the position of its key when it is a map entry.
fn replace(chars: &[char], node: &Node, key_index: Option<usize>, value: &J, in_flow: bool) -> Option<String> {
    let flow_text = render_flow(value, in_flow);
    if let Some((from, to)) = scalar_span(chars, node) {
        return Some(splice(chars, from, to, &flow_text));
    }
    if let Some(end) = &node.end {
        return Some(splice(chars, node.pos.index, end.index + 1, &flow_text));
    }
    let starts = line_starts(chars);
    let key_index = key_index?;
    let key_line = starts.iter().rposition(|s| *s <= key_index)? + 1;
    let from = after_colon(chars, key_index, line_end(chars, &starts, key_line)?)?;
    let to = line_end(chars, &starts, node.last_line()?.max(key_line))?;
    Some(splice(chars, from, to, &format!(" {flow_text}")))
}

/// Nested block lines for `rest: value` at `indent` spaces.
fn block_lines(rest: &[String], value: &J, indent: usize) -> String {
    let mut out = String::new();
    for (depth, key) in rest.iter().enumerate() {
        let pad = " ".repeat(indent + 2 * depth);
        out.push_str(&format!("{pad}{}:", render_str(key, false)));
        if depth + 1 == rest.len() {
            out.push_str(&format!(" {}\n", render_flow(value, false)));
        } else {
            out.push('\n');
        }
    }
    out
}

/// Set `path` to `value` in `text` (whose tree is `root`) without touching anything else, when possible.
pub fn set_in_place(text: &str, root: &Node, path: &[String], value: &J) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut node = root;
    let mut key_index = None;
    let mut in_flow = false;
    for (depth, seg) in path.iter().enumerate() {
        match node.child(seg) {
            Some((key, child)) => {
                in_flow |= node.end.is_some();
                key_index = key.map(|k| k.pos.index);
                node = child;
            }
            None => return insert(&chars, node, key_index, &path[depth..], value, in_flow),
        }
    }
    replace(&chars, node, key_index, value, in_flow)
}

/// Add the missing `rest` of a path under the existing `parent`.
fn insert(
    chars: &[char],
    parent: &Node,
    key_index: Option<usize>,
    rest: &[String],
    value: &J,
    in_flow: bool,
) -> Option<String> {
    let mut nested = value.clone();
    for key in rest.iter().rev() {
        nested = J::Object([(key.clone(), nested)].into_iter().collect());
    }
    match &parent.value {
        Value::Map(entries) if parent.end.is_some() || entries.is_empty() => {
            let mut merged = parent.to_json();
            merge(&mut merged, nested);
            replace(chars, parent, key_index, &merged, in_flow)
        }
        Value::Map(entries) => {
            let (_, last) = entries.last()?;
            let starts = line_starts(chars);
            let after = line_end(chars, &starts, last.last_line()?)?;
            let indent = parent.pos.col.checked_sub(1)?;
            let lines = block_lines(rest, value, indent);
            let (from, insertion) = match chars.get(after) {
                Some(_) => (after + 1, lines),
                None => (after, format!("\n{}", lines.trim_end_matches('\n'))),
            };
            Some(splice(chars, from, from, &insertion))
        }
        Value::Scalar { .. } if parent.is_null() => replace(chars, parent, key_index, &nested, in_flow),
        _ => None,
    }
}

fn merge(into: &mut J, from: J) {
    match (into, from) {
        (J::Object(a), J::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tree::{Origin, parse};
    use super::*;

    fn edit(text: &str, path: &str, value: J) -> String {
        let root = parse(text, Origin::File).unwrap().unwrap();
        let path: Vec<String> = path.split('.').map(String::from).collect();
        set_in_place(text, &root, &path, &value).unwrap()
    }

    #[test]
    fn replaces_scalars_and_keeps_comments() {
        let text = "# top\nllm:\n  temperature: 0.7  # warm\n  model: \"gpt\" # m\n";
        let out = edit(text, "llm.temperature", serde_json::json!(0.3));
        assert_eq!(out, "# top\nllm:\n  temperature: 0.3  # warm\n  model: \"gpt\" # m\n");
        let out = edit(text, "llm.model", serde_json::json!("a b"));
        assert_eq!(out, "# top\nllm:\n  temperature: 0.7  # warm\n  model: \"a b\" # m\n");
    }

    #[test]
    fn replaces_flow_and_block_lists() {
        let text = "b:\n  d: [x]\n  e:\n    - y\n    - z\n  f: 1\n";
        let out = edit(text, "b.d", serde_json::json!(["a", "b"]));
        assert_eq!(out, "b:\n  d: [a, b]\n  e:\n    - y\n    - z\n  f: 1\n");
        let out = edit(text, "b.e", serde_json::json!([]));
        assert_eq!(out, "b:\n  d: [x]\n  e: []\n  f: 1\n");
    }

    #[test]
    fn inserts_new_keys_after_the_last_entry() {
        let text = "flags:\n  a: true # keep\n  b:\n    - 1\nother: 2\n";
        let out = edit(text, "flags.new_ui", serde_json::json!(false));
        assert_eq!(out, "flags:\n  a: true # keep\n  b:\n    - 1\n  new_ui: false\nother: 2\n");
        let out = edit("x: 1\nflags: {}\n", "flags.n", serde_json::json!(true));
        assert_eq!(out, "x: 1\nflags: {n: true}\n");
        let out = edit("x: 1", "y", serde_json::json!("env:K"));
        assert_eq!(out, "x: 1\ny: env:K");
    }

    #[test]
    fn strings_are_quoted_when_plain_would_change_them() {
        assert_eq!(render_str("localhost", true), "localhost");
        assert_eq!(render_str("true", false), "\"true\"");
        assert_eq!(render_str("1.5", false), "\"1.5\"");
        assert_eq!(render_str("a: b", false), "\"a: b\"");
        assert_eq!(render_str("env:X", false), "env:X");
        assert_eq!(render_str("env:X", true), "\"env:X\"");
        assert_eq!(render_str("", false), "\"\"");
    }
}
