//! Types the browser engine shares with the agent, the planners and the evaluator: what the model sees of a page
//! (`PageState`), what it may do (`BrowserAction`) and what happened (`ActionOutcome`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One interactive, visible, top-most element, as indexed by the injected DOM script for this step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ElementInfo {
    /// The index the model uses in actions (`click(index)`), stable only within one `PageState`.
    pub index: u32,
    /// Lower-case tag name (`button`, `a`, `input`, …).
    pub tag: String,
    /// Explicit or implicit ARIA role, if any.
    pub role: Option<String>,
    /// Visible text (trimmed, collapsed whitespace, truncated to 150 characters with a trailing `…`).
    pub text: String,
    /// The attributes worth showing: id, name, type, placeholder, aria-label, title, href, value, alt, label (the text
    /// of an associated `<label>`), checked, selected, disabled, role, contenteditable.
    pub attributes: BTreeMap<String, String>,
    /// True when the element lives inside an open shadow root.
    pub in_shadow_root: bool,
    /// Path of same-origin iframes containing it (empty for the top document), e.g. `["iframe#pay"]`.
    pub frame_path: Vec<String>,
}

/// One open tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct TabInfo {
    /// Position in the session's tab list (what `switch_tab` / `close_tab` take).
    pub index: u32,
    pub url: String,
    pub title: String,
    pub active: bool,
}

/// The page as the model sees it at one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct PageState {
    pub url: String,
    pub title: String,
    pub tabs: Vec<TabInfo>,
    pub elements: Vec<ElementInfo>,
    /// Compact serialisation: `[12]<button aria-label="Search">Search</button>` lines with the visible text between
    /// elements, and `… N px above` / `… N px below` markers for content outside the viewport.
    pub serialized: String,
    pub pixels_above: i64,
    pub pixels_below: i64,
    /// Hash of the serialisation (hex SHA-256), for stagnation detection and DOM-snapshot dedup.
    pub dom_hash: String,
    /// PNG screenshot of the viewport when requested (vision models, artifact logging).
    #[serde(skip)]
    #[specta(skip)]
    pub screenshot_png: Option<Vec<u8>>,
}

/// Scroll direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ScrollDirection {
    Up,
    Down,
}

/// Everything the agent can ask the browser to do. Serialised the way models write it: an object with one key, the
/// action name, whose value holds the arguments, e.g. `{"click": {"index": 12}}`, `{"go_back": {}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum BrowserAction {
    Navigate { url: String },
    GoBack {},
    Click { index: u32 },
    InputText { index: u32, text: String },
    SendKeys { keys: String },
    Scroll { direction: ScrollDirection, amount: Option<i64> },
    ScrollToText { text: String },
    GetDropdownOptions { index: u32 },
    SelectOption { index: u32, text: String },
    OpenTab { url: String },
    SwitchTab { tab: u32 },
    CloseTab { tab: u32 },
    Extract { goal: String },
    Wait { ms: u64 },
    Done { success: bool, text: String },
}

impl BrowserAction {
    /// The action's name as the model writes it (`click`, `input_text`, …).
    pub fn name(&self) -> &'static str {
        match self {
            BrowserAction::Navigate { .. } => "navigate",
            BrowserAction::GoBack {} => "go_back",
            BrowserAction::Click { .. } => "click",
            BrowserAction::InputText { .. } => "input_text",
            BrowserAction::SendKeys { .. } => "send_keys",
            BrowserAction::Scroll { .. } => "scroll",
            BrowserAction::ScrollToText { .. } => "scroll_to_text",
            BrowserAction::GetDropdownOptions { .. } => "get_dropdown_options",
            BrowserAction::SelectOption { .. } => "select_option",
            BrowserAction::OpenTab { .. } => "open_tab",
            BrowserAction::SwitchTab { .. } => "switch_tab",
            BrowserAction::CloseTab { .. } => "close_tab",
            BrowserAction::Extract { .. } => "extract",
            BrowserAction::Wait { .. } => "wait",
            BrowserAction::Done { .. } => "done",
        }
    }
}

/// What one action did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ActionOutcome {
    pub action: String,
    /// Human-readable target, e.g. `[12] button "Search"` or a URL.
    pub target: String,
    pub success: bool,
    /// Precise error for the model (e.g. `no element with index 40; valid indexes are 0..=31`).
    pub error: Option<String>,
    /// Text the action produced for the model: dropdown options, extracted content, a note like "opened tab 2".
    pub output: Option<String>,
    pub duration_ms: i64,
    /// The URL or the document changed because of this action (the loop stops running queued actions then).
    pub page_changed: bool,
}
