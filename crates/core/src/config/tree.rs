//! A YAML document as a tree of nodes that remember where they came from: a file position (line, column, char
//! index) for nodes parsed from a config file, or the environment variable / `--set` flag that supplied them.
//! Built from yaml-rust2's event parser, which reports a marker for every event.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Where a node's text came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    File,
    /// An environment variable, by name.
    Env(String),
    /// A `--set` override or a `config set` value, described by the flag text (never the value).
    Arg(String),
}

/// A position: origin plus 1-based line and column and the 0-based char index (meaningful for `Origin::File`).
#[derive(Debug, Clone, PartialEq)]
pub struct Pos {
    pub origin: Origin,
    pub line: usize,
    pub col: usize,
    pub index: usize,
}

impl Pos {
    fn from_marker(m: Marker, origin: &Origin) -> Pos {
        Pos { origin: origin.clone(), line: m.line(), col: m.col() + 1, index: m.index() }
    }

    pub fn start(origin: &Origin) -> Pos {
        Pos { origin: origin.clone(), line: 1, col: 1, index: 0 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Style {
    Plain,
    Quoted,
    Block,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar { text: String, style: Style },
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// One node; `end` is the closing bracket's position for flow collections, `None` otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
    pub end: Option<Pos>,
    /// False for nodes whose position is a guess (empty scalars, synthesized maps).
    pub exact: bool,
}

/// A scalar resolved with the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

/// A parse failure: message and 1-based line/column.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub pos: Pos,
}

impl Node {
    pub fn scalar(text: &str, style: Style, pos: Pos) -> Node {
        Node { value: Value::Scalar { text: text.to_string(), style }, pos, end: None, exact: true }
    }

    pub fn map(entries: Vec<(Key, Node)>, pos: Pos) -> Node {
        Node { value: Value::Map(entries), pos, end: None, exact: false }
    }

    /// The child of a mapping by key, with the key.
    pub fn entry(&self, name: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == name).map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The child at one path segment: a key of a map, or an index into a sequence.
    pub fn child(&self, seg: &str) -> Option<(Option<&Key>, &Node)> {
        match &self.value {
            Value::Map(_) => self.entry(seg).map(|(k, v)| (Some(k), v)),
            Value::Seq(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)).map(|n| (None, n)),
            Value::Scalar { .. } => None,
        }
    }

    /// The scalar resolved to its YAML type; `None` for collections.
    pub fn resolve(&self) -> Option<Scalar<'_>> {
        match &self.value {
            Value::Scalar { text, style: Style::Plain } => Some(resolve_plain(text)),
            Value::Scalar { text, .. } => Some(Scalar::Str(text)),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.resolve(), Some(Scalar::Null))
    }

    /// Set the node at `path` (creating maps on the way, replacing null scalars by maps), keeping everything else.
    pub fn set_path(&mut self, path: &[String], new: Node) -> Result<(), String> {
        let Some((first, rest)) = path.split_first() else {
            *self = new;
            return Ok(());
        };
        if self.is_null() {
            *self = Node::map(Vec::new(), new.pos.clone());
        }
        match &mut self.value {
            Value::Map(entries) => {
                if let Some((_, child)) = entries.iter_mut().find(|(k, _)| &k.name == first) {
                    return child.set_path(rest, new);
                }
                let mut child = Node::map(Vec::new(), new.pos.clone());
                child.set_path(rest, new.clone())?;
                entries.push((Key { name: first.clone(), pos: new.pos }, child));
                Ok(())
            }
            Value::Seq(items) => {
                let len = items.len();
                let child = first
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get_mut(i))
                    .ok_or_else(|| format!("`{first}` is not an index of this list of {len} items"))?;
                child.set_path(rest, new)
            }
            Value::Scalar { .. } => Err(format!("cannot set `{first}` inside a plain value")),
        }
    }

    /// The node as JSON (scalars resolved with the core schema), for comparisons and display.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(entries.iter().map(|(k, v)| (k.name.clone(), v.to_json())).collect()),
            Value::Scalar { .. } => match self.resolve() {
                Some(Scalar::Bool(b)) => J::Bool(b),
                Some(Scalar::Int(i)) => J::from(i),
                Some(Scalar::Float(f)) => serde_json::Number::from_f64(f).map(J::Number).unwrap_or(J::Null),
                Some(Scalar::Str(s)) => J::String(s.to_string()),
                Some(Scalar::Null) | None => J::Null,
            },
        }
    }

    /// The last source line this node occupies, when it is known (false for multi-line scalars).
    pub fn last_line(&self) -> Option<usize> {
        if self.pos.origin != Origin::File || !self.exact {
            return None;
        }
        if let Some(end) = &self.end {
            return Some(end.line);
        }
        match &self.value {
            Value::Scalar { text, style } => (*style != Style::Block && !text.contains('\n')).then_some(self.pos.line),
            Value::Seq(items) => items.last().and_then(Node::last_line),
            Value::Map(entries) => entries.last().and_then(|(_, v)| v.last_line()),
        }
    }
}

/// Resolve a plain scalar: null, bool, int, float (core schema), else a string.
pub fn resolve_plain(text: &str) -> Scalar<'_> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "true" | "True" | "TRUE" => return Scalar::Bool(true),
        "false" | "False" | "FALSE" => return Scalar::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Scalar::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Scalar::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Scalar::Float(f64::NAN),
        _ => {}
    }
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if let Some(hex) = text.strip_prefix("0x").filter(|s| digits(s, 16)) {
        return i64::from_str_radix(hex, 16).map(Scalar::Int).unwrap_or(Scalar::Str(text));
    }
    if let Some(oct) = text.strip_prefix("0o").filter(|s| digits(s, 8)) {
        return i64::from_str_radix(oct, 8).map(Scalar::Int).unwrap_or(Scalar::Str(text));
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits(unsigned, 10) {
        return match text.parse::<i64>() {
            Ok(i) => Scalar::Int(i),
            Err(_) => text.parse::<f64>().map(Scalar::Float).unwrap_or(Scalar::Str(text)),
        };
    }
    if is_float_syntax(unsigned)
        && let Ok(f) = text.parse::<f64>()
    {
        return Scalar::Float(f);
    }
    Scalar::Str(text)
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` without a sign.
fn is_float_syntax(s: &str) -> bool {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = match frac {
        Some(f) => all_digits(int) && all_digits(f) && !(int.is_empty() && f.is_empty()),
        None => !int.is_empty() && all_digits(int),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exp_ok
}

enum Frame {
    Seq(Pos, Vec<Node>),
    Map(Pos, Vec<(Key, Node)>, Option<Key>),
}

struct Builder {
    origin: Origin,
    stack: Vec<Frame>,
    root: Option<Node>,
    error: Option<SyntaxError>,
}

impl Builder {
    fn fail(&mut self, message: String, pos: Pos) {
        if self.error.is_none() {
            self.error = Some(SyntaxError { message, pos });
        }
    }

    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq(_, items)) => items.push(node),
            Some(Frame::Map(_, entries, pending)) => match pending.take() {
                Some(key) => {
                    if entries.iter().any(|(k, _)| k.name == key.name) {
                        let (msg, pos) = (format!("duplicate key `{}`", key.name), key.pos.clone());
                        entries.push((key, node));
                        self.fail(msg, pos);
                    } else {
                        entries.push((key, node));
                    }
                }
                None => match node.value {
                    Value::Scalar { text, .. } => *pending = Some(Key { name: text, pos: node.pos }),
                    _ => {
                        let pos = node.pos.clone();
                        self.fail("a key must be a plain value, not a list or mapping".to_string(), pos);
                    }
                },
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = Pos::from_marker(mark, &self.origin);
        match ev {
            Event::Scalar(text, style, _, _) => {
                let style = match style {
                    TScalarStyle::Plain => Style::Plain,
                    TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => Style::Quoted,
                    TScalarStyle::Literal | TScalarStyle::Folded => Style::Block,
                };
                let exact = !(text.is_empty() && style == Style::Plain);
                self.push(Node { value: Value::Scalar { text, style }, pos, end: None, exact });
            }
            Event::SequenceStart(..) => self.stack.push(Frame::Seq(pos, Vec::new())),
            Event::MappingStart(..) => self.stack.push(Frame::Map(pos, Vec::new(), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else { return };
                let (start, value) = match frame {
                    Frame::Seq(start, items) => (start, Value::Seq(items)),
                    Frame::Map(start, entries, _) => (start, Value::Map(entries)),
                };
                let node = finish_collection(start, value);
                self.push(node);
            }
            Event::Alias(_) => self.fail("aliases (*name) are not supported in config files".to_string(), pos),
            _ => {}
        }
    }
}

/// A block mapping's start marker is unreliable (it points past the first key), so a mapping takes its first key's
/// position when that comes earlier; flow collections keep their opening bracket's position.
fn finish_collection(start: Pos, value: Value) -> Node {
    let first_key = match &value {
        Value::Map(entries) => entries.first().map(|(k, _)| k.pos.clone()),
        _ => None,
    };
    let pos = match first_key {
        Some(k) if k.index < start.index => k,
        _ => start,
    };
    Node { value, pos, end: None, exact: true }
}

/// Parse one YAML document into a tree; `None` for an empty document.
pub fn parse(text: &str, origin: Origin) -> Result<Option<Node>, SyntaxError> {
    let mut builder = Builder { origin: origin.clone(), stack: Vec::new(), root: None, error: None };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, false) {
        return Err(SyntaxError { message: e.info().to_string(), pos: Pos::from_marker(*e.marker(), &origin) });
    }
    if let Some(err) = builder.error {
        return Err(err);
    }
    let mut root = builder.root;
    if let Some(node) = root.as_mut() {
        mark_flow(node, &text.chars().collect::<Vec<char>>());
    }
    Ok(root)
}

/// Recover flow collections' end positions: a collection is flow when its start char is `[` or `{`.
fn mark_flow(node: &mut Node, chars: &[char]) {
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| mark_flow(n, chars)),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, n)| mark_flow(n, chars)),
        Value::Scalar { .. } => return,
    }
    if node.pos.origin != Origin::File {
        return;
    }
    let open = chars.get(node.pos.index).copied();
    let close = match open {
        Some('[') => ']',
        Some('{') => '}',
        _ => return,
    };
    node.end = find_close(chars, node.pos.index, close).map(|index| {
        let line = node.pos.line + chars[node.pos.index..index].iter().filter(|c| **c == '\n').count();
        let line_start = chars[..index].iter().rposition(|c| *c == '\n').map(|i| i + 1).unwrap_or(0);
        Pos { origin: Origin::File, line, col: index - line_start + 1, index }
    });
}

/// The index of the bracket closing the one at `open`, skipping quoted strings and nested brackets.
fn find_close(chars: &[char], open: usize, close: char) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut i = open;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some('"') if c == '\\' => i += 1,
            Some(q) if c == q => {
                if q == '\'' && chars.get(i + 1) == Some(&'\'') {
                    i += 1;
                } else {
                    quote = None;
                }
            }
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '[' | '{' => depth += 1,
                ']' | '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return (c == close).then_some(i);
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_core_schema_scalars() {
        assert_eq!(resolve_plain("~"), Scalar::Null);
        assert_eq!(resolve_plain("True"), Scalar::Bool(true));
        assert_eq!(resolve_plain("-12"), Scalar::Int(-12));
        assert_eq!(resolve_plain("0x1f"), Scalar::Int(31));
        assert_eq!(resolve_plain("0.5"), Scalar::Float(0.5));
        assert_eq!(resolve_plain("1e3"), Scalar::Float(1000.0));
        assert_eq!(resolve_plain("yes"), Scalar::Str("yes"));
        assert_eq!(resolve_plain("1.2.3"), Scalar::Str("1.2.3"));
        assert_eq!(resolve_plain("inf"), Scalar::Str("inf"));
    }

    #[test]
    fn positions_are_one_based_and_flow_ends_found() {
        let text = "# c\nllm:\n  model: \"x\"\n  list: [a, \"]\", c]\n  deep:\n    k: 1\n";
        let root = parse(text, Origin::File).unwrap().unwrap();
        let (key, llm) = root.entry("llm").unwrap();
        assert_eq!((key.pos.line, key.pos.col), (2, 1));
        assert_eq!((llm.pos.line, llm.pos.col), (3, 3));
        let (_, model) = llm.entry("model").unwrap();
        assert_eq!((model.pos.line, model.pos.col), (3, 10));
        let (_, list) = llm.entry("list").unwrap();
        let end = list.end.clone().unwrap();
        assert_eq!((list.pos.col, end.line, end.col), (9, 4, 19));
        assert_eq!(llm.last_line(), Some(6));
    }

    #[test]
    fn syntax_errors_and_duplicates_have_positions() {
        let err = parse("a: [1, 2\nb: 3\n", Origin::File).unwrap_err();
        assert_eq!(err.pos.line, 2);
        let dup = parse("a: 1\nb: 2\na: 3\n", Origin::File).unwrap_err();
        assert_eq!((dup.pos.line, dup.pos.col), (3, 1));
        assert!(dup.message.contains("duplicate key `a`"));
    }

    #[test]
    fn set_path_creates_and_replaces() {
        let mut root = parse("a:\n  b: 1\nflags:\n", Origin::File).unwrap().unwrap();
        let p = Pos::start(&Origin::Arg("test".into()));
        root.set_path(&["a".into(), "b".into()], Node::scalar("2", Style::Plain, p.clone())).unwrap();
        root.set_path(&["flags".into(), "x".into()], Node::scalar("true", Style::Plain, p)).unwrap();
        assert_eq!(root.to_json(), serde_json::json!({"a": {"b": 2}, "flags": {"x": true}}));
    }
}
