//! Secrets in an episode: masking every secret VALUE in what the model sees or what gets recorded (replaced by
//! `<secret>name</secret>`), and substituting placeholders in action arguments with the real value at execution
//! only.

use std::collections::BTreeMap;

use crate::browser::types::{ActionOutcome, BrowserAction, PageState};
use crate::tracker::Message;

const OPEN: &str = "<secret>";
const CLOSE: &str = "</secret>";

/// The secrets of one task: name → value.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// (value, name) pairs, longest value first so a secret containing another one is masked whole.
    by_value: Vec<(String, String)>,
    by_name: BTreeMap<String, String>,
}

impl Secrets {
    pub fn new(secrets: &BTreeMap<String, String>) -> Secrets {
        let mut by_value: Vec<(String, String)> =
            secrets.iter().filter(|(_, v)| !v.is_empty()).map(|(n, v)| (v.clone(), n.clone())).collect();
        by_value.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Secrets { by_value, by_name: secrets.clone() }
    }

    pub fn names(&self) -> Vec<String> {
        self.by_name.keys().cloned().collect()
    }

    pub fn is_empty(&self) -> bool {
        self.by_value.is_empty()
    }

    /// `text` with every secret value replaced by its placeholder.
    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (value, name) in &self.by_value {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), &placeholder(name));
            }
        }
        out
    }

    fn mask_in_place(&self, text: &mut String) {
        if !self.is_empty() {
            *text = self.mask(text);
        }
    }

    /// Mask every text of a page state (URL, title, tabs, elements, serialisation). The screenshot is left alone.
    pub fn mask_state(&self, state: &mut PageState) {
        if self.is_empty() {
            return;
        }
        self.mask_in_place(&mut state.url);
        self.mask_in_place(&mut state.title);
        self.mask_in_place(&mut state.serialized);
        for tab in &mut state.tabs {
            self.mask_in_place(&mut tab.url);
            self.mask_in_place(&mut tab.title);
        }
        for el in &mut state.elements {
            self.mask_in_place(&mut el.text);
            for v in el.attributes.values_mut() {
                self.mask_in_place(v);
            }
        }
    }

    pub fn mask_outcome(&self, outcome: &mut ActionOutcome) {
        self.mask_in_place(&mut outcome.target);
        if let Some(e) = &mut outcome.error {
            self.mask_in_place(e);
        }
        if let Some(o) = &mut outcome.output {
            self.mask_in_place(o);
        }
    }

    pub fn mask_message(&self, message: &mut Message) {
        self.mask_in_place(&mut message.content);
        if !self.is_empty() && !message.tool_calls.is_null() {
            let text = message.tool_calls.to_string();
            let masked = self.mask(&text);
            if masked != text {
                message.tool_calls = serde_json::from_str(&masked).unwrap_or(serde_json::Value::String(masked));
            }
        }
    }

    /// Mask a JSON value (an action as the model wrote it) by masking its text form.
    pub fn mask_json(&self, v: &serde_json::Value) -> serde_json::Value {
        if self.is_empty() {
            return v.clone();
        }
        let text = v.to_string();
        let masked = self.mask(&text);
        if masked == text {
            v.clone()
        } else {
            serde_json::from_str(&masked).unwrap_or(serde_json::Value::String(masked))
        }
    }

    /// `text` with every `<secret>name</secret>` replaced by the secret's value; an unknown name is an error that
    /// lists the known names.
    pub fn substitute(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find(OPEN) {
            let after = &rest[start + OPEN.len()..];
            let Some(end) = after.find(CLOSE) else { break };
            let name = &after[..end];
            let value = self.by_name.get(name).ok_or_else(|| {
                let known = self.names();
                if known.is_empty() {
                    format!("unknown secret {name:?}: this task has no secrets")
                } else {
                    format!("unknown secret {name:?}; known secrets: {}", known.join(", "))
                }
            })?;
            out.push_str(&rest[..start]);
            out.push_str(value);
            rest = &after[end + CLOSE.len()..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The action with placeholders in its string arguments replaced by the real values.
    pub fn substitute_action(&self, action: &BrowserAction) -> Result<BrowserAction, String> {
        let s = |t: &String| self.substitute(t);
        Ok(match action {
            BrowserAction::Navigate { url } => BrowserAction::Navigate { url: s(url)? },
            BrowserAction::InputText { index, text } => BrowserAction::InputText { index: *index, text: s(text)? },
            BrowserAction::SendKeys { keys } => BrowserAction::SendKeys { keys: s(keys)? },
            BrowserAction::ScrollToText { text } => BrowserAction::ScrollToText { text: s(text)? },
            BrowserAction::SelectOption { index, text } => {
                BrowserAction::SelectOption { index: *index, text: s(text)? }
            }
            BrowserAction::OpenTab { url } => BrowserAction::OpenTab { url: s(url)? },
            other => other.clone(),
        })
    }
}

/// `<secret>name</secret>`.
pub fn placeholder(name: &str) -> String {
    format!("{OPEN}{name}{CLOSE}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets::new(&BTreeMap::from([
            ("pw".to_string(), "hunter2".to_string()),
            ("long".to_string(), "hunter2hunter2".to_string()),
            ("empty".to_string(), String::new()),
        ]))
    }

    #[test]
    fn masks_values_longest_first_and_ignores_empty_values() {
        let s = secrets();
        assert_eq!(s.mask("a hunter2hunter2 b hunter2"), "a <secret>long</secret> b <secret>pw</secret>");
        assert_eq!(s.mask("nothing here"), "nothing here");
    }

    #[test]
    fn substitutes_known_placeholders_and_names_unknown_ones() {
        let s = secrets();
        assert_eq!(s.substitute("x <secret>pw</secret> y").unwrap(), "x hunter2 y");
        let err = s.substitute("<secret>nope</secret>").unwrap_err();
        assert!(err.contains("\"nope\"") && err.contains("empty, long, pw"), "{err}");
        assert_eq!(s.substitute("unterminated <secret>pw").unwrap(), "unterminated <secret>pw");
        let a = BrowserAction::InputText { index: 2, text: "<secret>pw</secret>".into() };
        assert_eq!(s.substitute_action(&a).unwrap(), BrowserAction::InputText { index: 2, text: "hunter2".into() });
    }
}
