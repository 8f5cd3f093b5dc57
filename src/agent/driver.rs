//! The seam between the agent loop and a browser: the `BrowserDriver` trait (implemented by the browser engine's
//! session at integration, and by scripted fakes in tests) and `parse_action`, which turns a model's raw action JSON
//! into a typed `BrowserAction` with precise error messages meant to be fed back to the model.

use futures::future::BoxFuture;
use serde_json::{Map, Value};

use crate::browser::types::{ActionOutcome, BrowserAction, PageState, ScrollDirection};

/// A browser the agent loop can drive.
pub trait BrowserDriver: Send + Sync {
    /// The page as the model sees it now; `screenshot` asks for a PNG of the viewport too.
    fn state<'a>(&'a self, screenshot: bool) -> BoxFuture<'a, Result<PageState, DriverError>>;
    /// Run one action. An action that fails in the page (no such element…) is an `Ok` outcome with `success: false`;
    /// `Err` is for a failure of the browser itself.
    fn execute<'a>(&'a self, action: &'a BrowserAction) -> BoxFuture<'a, Result<ActionOutcome, DriverError>>;
}

/// The browser could not do what was asked. `browser_crashed` means the session is gone and the episode must stop.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DriverError {
    pub message: String,
    pub browser_crashed: bool,
}

impl DriverError {
    /// A failure the episode can continue after.
    pub fn new(message: impl Into<String>) -> DriverError {
        DriverError { message: message.into(), browser_crashed: false }
    }

    /// The browser is gone.
    pub fn crashed(message: impl Into<String>) -> DriverError {
        DriverError { message: message.into(), browser_crashed: true }
    }
}

/// Every action name a model may use, in the order they are documented.
pub const ACTION_NAMES: [&str; 15] = [
    "navigate",
    "go_back",
    "click",
    "input_text",
    "send_keys",
    "scroll",
    "scroll_to_text",
    "get_dropdown_options",
    "select_option",
    "open_tab",
    "switch_tab",
    "close_tab",
    "extract",
    "wait",
    "done",
];

/// Parse one raw action (`{"click": {"index": 3}}`) into a `BrowserAction`. The error names what is wrong: an
/// unknown action (listing the valid ones), a missing argument or one of the wrong type (with the expected type).
pub fn parse_action(v: &Value) -> Result<BrowserAction, String> {
    let obj = v.as_object().ok_or_else(|| {
        format!("an action must be a JSON object with one key, the action name (e.g. {{\"click\": {{\"index\": 3}}}}), got {}", kind_of(v))
    })?;
    let mut entries = obj.iter();
    let (name, args) = match (entries.next(), entries.next()) {
        (Some(entry), None) => entry,
        (None, _) => return Err("an action must have exactly one key, the action name; got an empty object".into()),
        (Some(_), Some(_)) => {
            let keys = obj.keys().map(String::as_str).collect::<Vec<_>>().join(", ");
            return Err(format!("an action must have exactly one key, the action name; got several: {keys}"));
        }
    };
    let empty = Map::new();
    let args = match args {
        Value::Object(m) => m,
        Value::Null => &empty,
        other => return Err(format!("action {name:?}: arguments must be a JSON object, got {}", kind_of(other))),
    };
    let a = Args { action: name, map: args };
    let action = match name.as_str() {
        "navigate" => BrowserAction::Navigate { url: a.string("url")? },
        "go_back" => BrowserAction::GoBack {},
        "click" => BrowserAction::Click { index: a.index("index")? },
        "input_text" => BrowserAction::InputText { index: a.index("index")?, text: a.string("text")? },
        "send_keys" => BrowserAction::SendKeys { keys: a.string("keys")? },
        "scroll" => BrowserAction::Scroll { direction: a.direction("direction")?, amount: a.opt_int("amount")? },
        "scroll_to_text" => BrowserAction::ScrollToText { text: a.string("text")? },
        "get_dropdown_options" => BrowserAction::GetDropdownOptions { index: a.index("index")? },
        "select_option" => BrowserAction::SelectOption { index: a.index("index")?, text: a.string("text")? },
        "open_tab" => BrowserAction::OpenTab { url: a.string("url")? },
        "switch_tab" => BrowserAction::SwitchTab { tab: a.index("tab")? },
        "close_tab" => BrowserAction::CloseTab { tab: a.index("tab")? },
        "extract" => BrowserAction::Extract { goal: a.string("goal")? },
        "wait" => BrowserAction::Wait { ms: a.uint("ms")? },
        "done" => BrowserAction::Done { success: a.boolean("success")?, text: a.string("text")? },
        other => {
            return Err(format!("unknown action {other:?}; valid actions are: {}", ACTION_NAMES.join(", ")));
        }
    };
    Ok(action)
}

/// The arguments of one action, with typed getters whose errors name the action, the argument and the type.
struct Args<'a> {
    action: &'a str,
    map: &'a Map<String, Value>,
}

impl Args<'_> {
    fn get(&self, key: &str, expected: &str) -> Result<&Value, String> {
        match self.map.get(key) {
            Some(Value::Null) | None => {
                Err(format!("action {:?}: missing argument {key:?} (expected {expected})", self.action))
            }
            Some(v) => Ok(v),
        }
    }

    fn wrong(&self, key: &str, expected: &str, got: &Value) -> String {
        format!("action {:?}: argument {key:?} must be {expected}, got {}", self.action, describe(got))
    }

    fn string(&self, key: &str) -> Result<String, String> {
        let expected = "a string";
        let v = self.get(key, expected)?;
        v.as_str().map(str::to_string).ok_or_else(|| self.wrong(key, expected, v))
    }

    fn uint(&self, key: &str) -> Result<u64, String> {
        let expected = "a whole number >= 0";
        let v = self.get(key, expected)?;
        v.as_u64().ok_or_else(|| self.wrong(key, expected, v))
    }

    fn index(&self, key: &str) -> Result<u32, String> {
        let expected = "a whole number >= 0";
        let v = self.get(key, expected)?;
        v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| self.wrong(key, expected, v))
    }

    fn opt_int(&self, key: &str) -> Result<Option<i64>, String> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| self.wrong(key, "a whole number (pixels)", v)),
        }
    }

    fn boolean(&self, key: &str) -> Result<bool, String> {
        let expected = "true or false";
        let v = self.get(key, expected)?;
        v.as_bool().ok_or_else(|| self.wrong(key, expected, v))
    }

    fn direction(&self, key: &str) -> Result<ScrollDirection, String> {
        let expected = "\"up\" or \"down\"";
        let v = self.get(key, expected)?;
        match v.as_str() {
            Some("up") => Ok(ScrollDirection::Up),
            Some("down") => Ok(ScrollDirection::Down),
            _ => Err(self.wrong(key, expected, v)),
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// `a string ("abc")`: the kind and a short rendering of the value.
fn describe(v: &Value) -> String {
    let mut shown = v.to_string();
    if shown.chars().count() > 40 {
        shown = shown.chars().take(40).collect::<String>() + "…";
    }
    format!("{} ({shown})", kind_of(v))
}

/// The raw JSON form of an action (`{"click": {"index": 3}}`), the inverse of `parse_action`.
pub fn action_json(action: &BrowserAction) -> Value {
    serde_json::to_value(action).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_action_parses_and_round_trips() {
        let cases = [
            json!({"navigate": {"url": "http://127.0.0.1:1/"}}),
            json!({"go_back": {}}),
            json!({"click": {"index": 3}}),
            json!({"input_text": {"index": 1, "text": "hi"}}),
            json!({"send_keys": {"keys": "Enter"}}),
            json!({"scroll": {"direction": "down", "amount": 400}}),
            json!({"scroll_to_text": {"text": "Related"}}),
            json!({"get_dropdown_options": {"index": 2}}),
            json!({"select_option": {"index": 2, "text": "Germany"}}),
            json!({"open_tab": {"url": "http://127.0.0.1:1/x"}}),
            json!({"switch_tab": {"tab": 1}}),
            json!({"close_tab": {"tab": 1}}),
            json!({"extract": {"goal": "price"}}),
            json!({"wait": {"ms": 500}}),
            json!({"done": {"success": true, "text": "42"}}),
        ];
        assert_eq!(cases.len(), ACTION_NAMES.len());
        for (case, name) in cases.iter().zip(ACTION_NAMES) {
            let action = parse_action(case).unwrap_or_else(|e| panic!("{case}: {e}"));
            assert_eq!(action.name(), name);
            assert_eq!(&action_json(&action), case, "round trip of {name}");
        }
    }

    #[test]
    fn go_back_accepts_empty_and_null_arguments() {
        assert_eq!(parse_action(&json!({"go_back": {}})), Ok(BrowserAction::GoBack {}));
        assert_eq!(parse_action(&json!({"go_back": null})), Ok(BrowserAction::GoBack {}));
        assert_eq!(
            parse_action(&json!({"scroll": {"direction": "up"}})),
            Ok(BrowserAction::Scroll { direction: ScrollDirection::Up, amount: None })
        );
    }

    #[test]
    fn unknown_action_lists_the_valid_ones() {
        let err = parse_action(&json!({"tap": {"index": 1}})).unwrap_err();
        assert!(err.contains("unknown action \"tap\""), "{err}");
        for name in ACTION_NAMES {
            assert!(err.contains(name), "{err} should list {name}");
        }
    }

    #[test]
    fn missing_and_mistyped_arguments_are_named_with_the_expected_type() {
        let err = parse_action(&json!({"click": {}})).unwrap_err();
        assert!(err.contains("missing argument \"index\"") && err.contains("whole number"), "{err}");
        let err = parse_action(&json!({"click": {"index": "3"}})).unwrap_err();
        assert!(err.contains("argument \"index\" must be a whole number >= 0, got a string (\"3\")"), "{err}");
        let err = parse_action(&json!({"click": {"index": -1}})).unwrap_err();
        assert!(err.contains("\"index\"") && err.contains("a number (-1)"), "{err}");
        let err = parse_action(&json!({"input_text": {"index": 2, "text": 5}})).unwrap_err();
        assert!(err.contains("argument \"text\" must be a string, got a number (5)"), "{err}");
        let err = parse_action(&json!({"done": {"text": "x"}})).unwrap_err();
        assert!(err.contains("missing argument \"success\" (expected true or false)"), "{err}");
        let err = parse_action(&json!({"scroll": {"direction": "left"}})).unwrap_err();
        assert!(err.contains("\"up\" or \"down\""), "{err}");
    }

    #[test]
    fn malformed_shapes_are_explained() {
        assert!(parse_action(&json!("click")).unwrap_err().contains("got a string"));
        assert!(parse_action(&json!({})).unwrap_err().contains("empty object"));
        let err = parse_action(&json!({"click": {"index": 1}, "done": {}})).unwrap_err();
        assert!(err.contains("several: click, done"), "{err}");
        assert!(parse_action(&json!({"click": [1]})).unwrap_err().contains("arguments must be a JSON object"));
    }
}
