//! Where each node of a YAML document starts, by display path (`tasks[3].check.all[0].url_matches`), so errors
//! found after parsing (duplicate ids, bad regexes, unknown sites) can still point at file:line:column.
//! Built from yaml-rust2's event parser, which reports a marker for every event. Map values are located at their key.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

enum Frame {
    Seq { path: String, index: usize },
    Map { path: String, key: Option<String> },
}

/// Line and column (both 1-based) of every node, by path.
#[derive(Default)]
pub struct Positions {
    at: HashMap<String, (usize, usize)>,
}

struct Walker {
    stack: Vec<Frame>,
    positions: Positions,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

impl Walker {
    fn record(&mut self, path: &str, mark: Marker) {
        self.positions.at.entry(path.to_string()).or_insert((mark.line(), mark.col() + 1));
    }

    /// The path of a node starting now, or `None` when the node is a mapping key (recorded here).
    fn begin(&mut self, key_text: Option<&str>, mark: Marker) -> Option<String> {
        let (path, record_key) = match self.stack.last_mut() {
            None => (String::new(), None),
            Some(Frame::Seq { path, index }) => {
                let p = format!("{path}[{index}]");
                *index += 1;
                (p, None)
            }
            Some(Frame::Map { path, key }) => match key.take() {
                Some(k) => return Some(join(path, &k)),
                None => {
                    let k = key_text.unwrap_or("?").to_string();
                    let p = join(path, &k);
                    *key = Some(k);
                    (p, Some(()))
                }
            },
        };
        self.record(&path, mark);
        if record_key.is_some() { None } else { Some(path) }
    }
}

impl MarkedEventReceiver for Walker {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(text, ..) => {
                self.begin(Some(&text), mark);
            }
            Event::SequenceStart(..) => {
                let path = self.begin(None, mark).unwrap_or_else(|| "?".into());
                self.stack.push(Frame::Seq { path, index: 0 });
            }
            Event::MappingStart(..) => {
                let path = self.begin(None, mark).unwrap_or_else(|| "?".into());
                self.stack.push(Frame::Map { path, key: None });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

impl Positions {
    /// Index a document; an unparsable document yields an empty index (serde reports its syntax error anyway).
    pub fn of(text: &str) -> Positions {
        let mut walker = Walker { stack: Vec::new(), positions: Positions::default() };
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut walker, false).is_err() {
            return Positions::default();
        }
        walker.positions
    }

    /// Line and column of the node at `path`, or of its closest located ancestor.
    pub fn find(&self, path: &str) -> Option<(usize, usize)> {
        let mut p = path;
        loop {
            if let Some(found) = self.at.get(p) {
                return Some(*found);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_keys_and_items() {
        let text =
            "suite: x\ntasks:\n  - id: a\n    check:\n      all:\n        - js: 'true'\n        - url_matches: 'y'\n";
        let p = Positions::of(text);
        assert_eq!(p.find("suite"), Some((1, 1)));
        assert_eq!(p.find("tasks[0].id"), Some((3, 5)));
        assert_eq!(p.find("tasks[0].check.all[1].url_matches"), Some((7, 11)));
        assert_eq!(p.find("tasks[0].check.all[1].url_matches.nothing"), Some((7, 11)));
    }
}
