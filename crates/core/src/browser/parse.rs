//! Parsing the actions a model wrote (`{"click": {"index": 12}}`) into `BrowserAction`s, with messages precise enough
//! for the model to fix its next answer: unknown action (listing the valid ones), missing or wrongly typed argument
//! (naming it, the expected type and what was given), unexpected argument. The one parser of the project: the agent
//! loop (`agent::driver`) re-exports it.

use serde_json::{Map, Value};

use super::types::{BrowserAction, ScrollDirection};

/// Every action name, in the order the prompt lists them.
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

/// The arguments each action takes.
fn expected_args(name: &str) -> &'static [&'static str] {
    match name {
        "navigate" | "open_tab" => &["url"],
        "click" | "get_dropdown_options" => &["index"],
        "input_text" | "select_option" => &["index", "text"],
        "send_keys" => &["keys"],
        "scroll" => &["direction", "amount"],
        "scroll_to_text" => &["text"],
        "switch_tab" | "close_tab" => &["tab"],
        "extract" => &["goal"],
        "wait" => &["ms"],
        "done" => &["success", "text"],
        _ => &[],
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

/// `a string ("abc")`: the kind of a value and a short rendering of it.
fn describe(v: &Value) -> String {
    let s = v.to_string();
    let shown = if s.chars().count() > 60 { format!("{}…", s.chars().take(60).collect::<String>()) } else { s };
    format!("{} ({shown})", kind_of(v))
}

struct Args<'a> {
    action: &'a str,
    map: Map<String, Value>,
}

impl Args<'_> {
    fn missing(&self, key: &str, ty: &str) -> String {
        format!("{}: missing argument \"{key}\" ({ty})", self.action)
    }

    fn wrong(&self, key: &str, ty: &str, got: &Value) -> String {
        format!("{}: argument \"{key}\" must be {ty}, got {}", self.action, describe(got))
    }

    fn uint(&self, key: &str) -> Result<u64, String> {
        const TY: &str = "a whole number >= 0";
        let v = self.map.get(key).filter(|v| !v.is_null()).ok_or_else(|| self.missing(key, TY))?;
        let parsed = match v {
            Value::Number(n) => {
                n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64))
            }
            // Models often quote numbers ("3"); a string holding a whole number is read as one.
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        parsed.ok_or_else(|| self.wrong(key, TY, v))
    }

    fn index(&self, key: &str) -> Result<u32, String> {
        let n = self.uint(key)?;
        u32::try_from(n).map_err(|_| format!("{}: argument \"{key}\" is too large ({n})", self.action))
    }

    fn string(&self, key: &str) -> Result<String, String> {
        const TY: &str = "a string";
        match self.map.get(key) {
            None | Some(Value::Null) => Err(self.missing(key, TY)),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(self.wrong(key, TY, other)),
        }
    }

    fn boolean(&self, key: &str) -> Result<bool, String> {
        const TY: &str = "true or false";
        match self.map.get(key) {
            None | Some(Value::Null) => Err(self.missing(key, TY)),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(self.wrong(key, TY, other)),
        }
    }
}

/// Parses one action object. `Err` is a message for the model.
pub fn parse_action(v: &Value) -> Result<BrowserAction, String> {
    let obj = v.as_object().ok_or_else(|| {
        format!(
            "an action must be a JSON object with one key, the action name, e.g. {{\"click\": {{\"index\": 3}}}}; got {}",
            describe(v)
        )
    })?;
    if obj.is_empty() {
        return Err("an action must have exactly one key, the action name; got an empty object".into());
    }
    if obj.len() > 1 {
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        return Err(format!("an action must have exactly one key, the action name; got several: {}", keys.join(", ")));
    }
    let Some((name, raw_args)) = obj.iter().next() else {
        return Err("an action must have exactly one key, the action name".into());
    };
    let action = ACTION_NAMES
        .iter()
        .find(|n| **n == name.as_str())
        .copied()
        .ok_or_else(|| format!("unknown action \"{name}\"; valid actions are: {}", ACTION_NAMES.join(", ")))?;
    let map = match raw_args {
        Value::Object(m) => m.clone(),
        Value::Null => Map::new(),
        other => {
            return Err(format!(
                "{action}: arguments must be a JSON object like {{{}}}, got {}",
                expected_args(action).iter().map(|a| format!("\"{a}\": …")).collect::<Vec<_>>().join(", "),
                describe(other)
            ));
        }
    };
    let expected = expected_args(action);
    if let Some(extra) = map.keys().find(|k| !expected.contains(&k.as_str())) {
        return Err(if expected.is_empty() {
            format!("{action}: takes no arguments, got \"{extra}\"")
        } else {
            format!("{action}: unknown argument \"{extra}\"; expected: {}", expected.join(", "))
        });
    }
    let a = Args { action, map };
    Ok(match action {
        "navigate" => BrowserAction::Navigate { url: a.string("url")? },
        "go_back" => BrowserAction::GoBack {},
        "click" => BrowserAction::Click { index: a.index("index")? },
        "input_text" => BrowserAction::InputText { index: a.index("index")?, text: a.string("text")? },
        "send_keys" => BrowserAction::SendKeys { keys: a.string("keys")? },
        "scroll" => {
            let direction = match a.map.get("direction") {
                None | Some(Value::Null) => return Err(a.missing("direction", "\"up\" or \"down\"")),
                Some(Value::String(s)) if s.eq_ignore_ascii_case("up") => ScrollDirection::Up,
                Some(Value::String(s)) if s.eq_ignore_ascii_case("down") => ScrollDirection::Down,
                Some(other) => return Err(a.wrong("direction", "\"up\" or \"down\"", other)),
            };
            let amount = match a.map.get("amount") {
                None | Some(Value::Null) => None,
                Some(_) => {
                    Some(i64::try_from(a.uint("amount")?).map_err(|_| "scroll: amount is too large".to_string())?)
                }
            };
            BrowserAction::Scroll { direction, amount }
        }
        "scroll_to_text" => BrowserAction::ScrollToText { text: a.string("text")? },
        "get_dropdown_options" => BrowserAction::GetDropdownOptions { index: a.index("index")? },
        "select_option" => BrowserAction::SelectOption { index: a.index("index")?, text: a.string("text")? },
        "open_tab" => BrowserAction::OpenTab { url: a.string("url")? },
        "switch_tab" => BrowserAction::SwitchTab { tab: a.index("tab")? },
        "close_tab" => BrowserAction::CloseTab { tab: a.index("tab")? },
        "extract" => BrowserAction::Extract { goal: a.string("goal")? },
        "wait" => BrowserAction::Wait { ms: a.uint("ms")? },
        _ => BrowserAction::Done { success: a.boolean("success")?, text: a.string("text")? },
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_action_parses_and_round_trips_through_serde() {
        let cases = vec![
            json!({"navigate": {"url": "http://127.0.0.1/"}}),
            json!({"go_back": {}}),
            json!({"click": {"index": 3}}),
            json!({"input_text": {"index": 1, "text": "hi"}}),
            json!({"send_keys": {"keys": "Enter"}}),
            json!({"scroll": {"direction": "down", "amount": 300}}),
            json!({"scroll_to_text": {"text": "Footer"}}),
            json!({"get_dropdown_options": {"index": 2}}),
            json!({"select_option": {"index": 2, "text": "Germany"}}),
            json!({"open_tab": {"url": "http://127.0.0.1/x"}}),
            json!({"switch_tab": {"tab": 1}}),
            json!({"close_tab": {"tab": 1}}),
            json!({"extract": {"goal": "prices"}}),
            json!({"wait": {"ms": 500}}),
            json!({"done": {"success": true, "text": "42"}}),
        ];
        assert_eq!(cases.len(), ACTION_NAMES.len());
        for (case, name) in cases.iter().zip(ACTION_NAMES) {
            let parsed = parse_action(case).unwrap_or_else(|e| panic!("{case}: {e}"));
            assert_eq!(parsed.name(), name);
            let via_serde: BrowserAction = serde_json::from_value(case.clone()).unwrap();
            assert_eq!(parsed, via_serde, "{case}");
        }
    }

    #[test]
    fn lenient_forms() {
        assert_eq!(parse_action(&json!({"go_back": null})).unwrap(), BrowserAction::GoBack {});
        assert_eq!(parse_action(&json!({"click": {"index": 7.0}})).unwrap(), BrowserAction::Click { index: 7 });
        assert_eq!(
            parse_action(&json!({"scroll": {"direction": "UP"}})).unwrap(),
            BrowserAction::Scroll { direction: ScrollDirection::Up, amount: None }
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let err = parse_action(&json!({"tap": {"index": 1}})).unwrap_err();
        assert!(err.starts_with("unknown action \"tap\"; valid actions are: navigate, go_back, click"), "{err}");
        for name in ACTION_NAMES {
            assert!(err.contains(name), "{err} should list {name}");
        }
        assert_eq!(
            parse_action(&json!({"click": {}})).unwrap_err(),
            "click: missing argument \"index\" (a whole number >= 0)"
        );
        assert_eq!(parse_action(&json!({"click": {"index": "3"}})).unwrap(), BrowserAction::Click { index: 3 });
        assert_eq!(
            parse_action(&json!({"click": {"index": "third"}})).unwrap_err(),
            "click: argument \"index\" must be a whole number >= 0, got a string (\"third\")"
        );
        assert_eq!(
            parse_action(&json!({"click": {"index": -1}})).unwrap_err(),
            "click: argument \"index\" must be a whole number >= 0, got a number (-1)"
        );
        assert_eq!(
            parse_action(&json!({"click": {"index": 1.5}})).unwrap_err(),
            "click: argument \"index\" must be a whole number >= 0, got a number (1.5)"
        );
        assert_eq!(
            parse_action(&json!({"input_text": {"index": 1, "text": 5}})).unwrap_err(),
            "input_text: argument \"text\" must be a string, got a number (5)"
        );
        assert_eq!(
            parse_action(&json!({"done": {"text": "x"}})).unwrap_err(),
            "done: missing argument \"success\" (true or false)"
        );
        assert_eq!(
            parse_action(&json!({"click": {"idx": 1}})).unwrap_err(),
            "click: unknown argument \"idx\"; expected: index"
        );
        assert_eq!(parse_action(&json!({"go_back": {"x": 1}})).unwrap_err(), "go_back: takes no arguments, got \"x\"");
        assert!(parse_action(&json!({"scroll": {"direction": "left"}})).unwrap_err().contains("\"up\" or \"down\""));
    }

    #[test]
    fn malformed_shapes_are_explained() {
        let err = parse_action(&json!("click")).unwrap_err();
        assert!(
            err.starts_with("an action must be a JSON object with one key")
                && err.ends_with("got a string (\"click\")")
        );
        assert!(parse_action(&json!({})).unwrap_err().ends_with("got an empty object"));
        let err = parse_action(&json!({"click": {"index": 1}, "done": {}})).unwrap_err();
        assert!(err.contains("exactly one key") && err.ends_with("got several: click, done"), "{err}");
        let err = parse_action(&json!({"click": [1]})).unwrap_err();
        assert_eq!(err, "click: arguments must be a JSON object like {\"index\": …}, got a list ([1])");
    }
}
