//! The seam between the agent loop and a browser: the `BrowserDriver` trait (implemented by the browser engine's
//! session at integration, and by scripted fakes in tests), `parse_action` (re-exported from the browser engine: one
//! parser for the whole project) and its inverse `action_json`.

use futures::future::BoxFuture;
use serde_json::Value;

use crate::browser::types::{ActionOutcome, BrowserAction, PageState};

/// A browser the agent loop can drive.
pub trait BrowserDriver: Send + Sync {
    /// The page as the model sees it now; `screenshot` asks for a PNG of the viewport too.
    fn state<'a>(&'a self, screenshot: bool) -> BoxFuture<'a, Result<PageState, DriverError>>;
    /// The page with a screenshot on which every listed element is outlined and labelled with its index (what a
    /// vision model is shown). Drivers that cannot draw give the plain screenshot.
    fn state_marked<'a>(&'a self) -> BoxFuture<'a, Result<PageState, DriverError>> {
        self.state(true)
    }
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

/// The one action parser (in the browser engine): unknown action, missing or mistyped argument and unexpected
/// argument each get a message meant to be fed back to the model.
pub use crate::browser::{ACTION_NAMES, parse_action};

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
}
