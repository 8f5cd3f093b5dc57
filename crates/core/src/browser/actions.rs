//! Running one `BrowserAction` on a session. Problems the model caused (bad index, refused URL, unknown option,
//! a page that does not finish loading) become an unsuccessful `ActionOutcome` with a precise message; only a failure
//! of the browser itself is an `Err`.
//!
//! - `session.execute(&action)` never returns `Err` for the model's mistakes: they come back as `success: false` with a
//!   message, e.g. `no element with index 999; valid indexes are 0..=17`,
//!   `element 5 has no option "Spain"; options are: …`,
//!   `refused: host other.test is not in allowed_domains (127.0.0.1); navigation was not performed`.
//! - Actions: `navigate`, `go_back`, `click` (real mouse events at the element's centre; a tab the page opens becomes
//!   active), `input_text` (clear, type, `input`/`change` events), `send_keys` (`Enter`, `Tab`, `Escape`, `Control+a`,
//!   space-separated sequences; `keys`), `scroll` (pixels or 90 % of the viewport), `scroll_to_text`,
//!   `get_dropdown_options`, `select_option`, `open_tab`, `switch_tab`, `close_tab`, `extract` (the page as Markdown,
//!   at most about 24,000 characters, via `markdown.js` and `markdown`), `wait` (at most 10 s), `done`. The page-side
//!   helpers are in `actions.js`.
//! - `page_changed` is true when the URL, the page's structure (`dom::structure_hash`: elements, their text and
//!   attributes, not the values typed into fields) or the tab list changed.
//! - `parse_action(&json)` (`parse`) turns `{"click": {"index": 3}}` into a `BrowserAction`, with errors such as
//!   `unknown action "tap"; valid actions are: navigate, go_back, …` or
//!   `click: argument "index" must be a whole number >= 0, got a string ("abc")`. It is the only action parser; the
//!   agent re-exports it from `agent::driver`.

use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::input::{
    DispatchKeyEventParams, DispatchKeyEventType, DispatchMouseEventParams, DispatchMouseEventType, InsertTextParams,
    MouseButton,
};
use chromiumoxide::cdp::browser_protocol::page::{GetNavigationHistoryParams, NavigateToHistoryEntryParams};
use serde_json::{Value, json};

pub use super::parse::{ACTION_NAMES, parse_action};

use super::cdp::guarded;
use super::keys::{Chord, parse_keys};
use super::session::Session;
use super::types::{ActionOutcome, BrowserAction, ScrollDirection};
use super::{BrowserError, Result};

/// The page-side helpers, evaluated as `(<script>)(op, index, arg)`.
const ACTIONS_JS: &str = include_str!("actions.js");

/// Longest `wait` the model may ask for.
pub const MAX_WAIT_MS: u64 = 10_000;

/// How long to give a click or key press to start a navigation before waiting for the load.
const NAV_GRACE: Duration = Duration::from_millis(120);

/// How long a tab the page opened may stay on its initial `about:blank` before it is taken as a blank tab.
const NEW_TAB_BLANK: Duration = Duration::from_secs(3);

/// What an action did, before timing and change detection are added.
struct Step {
    target: String,
    result: std::result::Result<Option<String>, String>,
    tabs_changed: bool,
}

impl Step {
    fn ok(target: impl Into<String>, output: Option<String>) -> Step {
        Step { target: target.into(), result: Ok(output), tabs_changed: false }
    }
    fn fail(target: impl Into<String>, error: impl Into<String>) -> Step {
        Step { target: target.into(), result: Err(error.into()), tabs_changed: false }
    }
}

/// A browser failure stays an `Err`; anything else becomes a message for the model.
fn soft(e: BrowserError) -> Result<String> {
    if e.is_crash() { Err(e) } else { Ok(e.to_string()) }
}

impl Session {
    /// Runs one action on the active tab and reports what happened.
    pub async fn execute(&mut self, action: &BrowserAction) -> Result<ActionOutcome> {
        let started = Instant::now();
        let watch = !matches!(
            action,
            BrowserAction::Done { .. } | BrowserAction::Extract { .. } | BrowserAction::GetDropdownOptions { .. }
        );
        let before = if watch { self.soft_fingerprint().await? } else { None };
        let step = self.run(action).await?;
        let after = if watch { self.soft_fingerprint().await? } else { None };
        let (success, error, output) = match step.result {
            Ok(out) => (true, None, out),
            Err(msg) => (false, Some(msg), None),
        };
        Ok(ActionOutcome {
            action: action.name().to_string(),
            target: step.target,
            success,
            error,
            output,
            duration_ms: started.elapsed().as_millis() as i64,
            page_changed: step.tabs_changed || (watch && before != after),
        })
    }

    async fn soft_fingerprint(&self) -> Result<Option<(String, String)>> {
        match self.fingerprint().await {
            Ok(f) => Ok(Some(f)),
            Err(e) if e.is_crash() => Err(e),
            Err(_) => Ok(None),
        }
    }

    /// Calls one helper of `actions.js` on the active tab.
    async fn helper(&self, op: &str, index: u32, arg: Value) -> Result<Value> {
        let expr = format!("({ACTIONS_JS})({}, {index}, {})", json!(op), arg);
        self.eval_internal(op, expr).await
    }

    async fn run(&mut self, action: &BrowserAction) -> Result<Step> {
        match action {
            BrowserAction::Navigate { url } => self.do_navigate(url).await,
            BrowserAction::GoBack {} => self.do_go_back().await,
            BrowserAction::Click { index } => self.do_click(*index).await,
            BrowserAction::InputText { index, text } => self.do_input(*index, text).await,
            BrowserAction::SendKeys { keys } => self.do_keys(keys).await,
            BrowserAction::Scroll { direction, amount } => {
                let sign = if *direction == ScrollDirection::Down { 1 } else { -1 };
                let word = if sign > 0 { "down" } else { "up" };
                let v = self.helper("scroll", 0, json!({"px": amount, "sign": sign})).await?;
                let moved = v.get("moved").and_then(Value::as_i64).unwrap_or(0);
                let out = if moved == 0 {
                    format!("could not scroll {word}: already at the {}", if sign > 0 { "bottom" } else { "top" })
                } else {
                    format!("scrolled {word} {} px", moved.abs())
                };
                Ok(Step::ok(word, Some(out)))
            }
            BrowserAction::ScrollToText { text } => {
                let v = self.helper("scroll_to_text", 0, json!(text)).await?;
                if v.get("found").and_then(Value::as_bool) == Some(true) {
                    Ok(Step::ok(text.clone(), Some(format!("scrolled to \"{text}\""))))
                } else {
                    Ok(Step::fail(text.clone(), format!("text \"{text}\" was not found on the page")))
                }
            }
            BrowserAction::GetDropdownOptions { index } => {
                let v = self.helper("options", *index, Value::Null).await?;
                if let Some(err) = v.get("error").and_then(Value::as_str) {
                    return Ok(Step::fail(format!("[{index}]"), err));
                }
                let mut lines = Vec::new();
                for o in v.get("options").and_then(Value::as_array).into_iter().flatten() {
                    let text = o.get("text").and_then(Value::as_str).unwrap_or_default();
                    let mut line = format!("{}: {text}", o.get("i").and_then(Value::as_i64).unwrap_or(0));
                    if o.get("selected").and_then(Value::as_bool) == Some(true) {
                        line.push_str(" (selected)");
                    }
                    if o.get("disabled").and_then(Value::as_bool) == Some(true) {
                        line.push_str(" (disabled)");
                    }
                    lines.push(line);
                }
                let target = v.get("desc").and_then(Value::as_str).unwrap_or_default().to_string();
                let out = format!("{}\nUse select_option with the exact option text.", lines.join("\n"));
                Ok(Step::ok(target, Some(out)))
            }
            BrowserAction::SelectOption { index, text } => {
                let v = self.helper("select", *index, json!(text)).await?;
                if let Some(err) = v.get("error").and_then(Value::as_str) {
                    return Ok(Step::fail(format!("[{index}]"), err));
                }
                let target = v.get("desc").and_then(Value::as_str).unwrap_or_default().to_string();
                let chosen = v.get("text").and_then(Value::as_str).unwrap_or(text);
                Ok(Step::ok(target, Some(format!("selected \"{chosen}\""))))
            }
            BrowserAction::OpenTab { url } => {
                if let Err(reason) = self.policy.check(url) {
                    return Ok(Step::fail(url.clone(), reason));
                }
                let mut step = match self.open_tab(url).await {
                    Ok(i) => Step::ok(url.clone(), Some(format!("opened tab {i}; it is now the active tab"))),
                    Err(e) => Step::fail(url.clone(), soft(e)?),
                };
                step.tabs_changed = true;
                Ok(step)
            }
            BrowserAction::SwitchTab { tab } => {
                self.refresh_tabs().await?;
                let i = *tab as usize;
                if i >= self.tabs.len() {
                    return Ok(Step::fail(format!("tab {tab}"), self.no_tab(*tab)));
                }
                self.switch_to(i).await?;
                let url = self.tabs[i].url.clone();
                let mut step = Step::ok(format!("tab {tab}"), Some(format!("switched to tab {tab} ({url})")));
                step.tabs_changed = true;
                Ok(step)
            }
            BrowserAction::CloseTab { tab } => {
                self.refresh_tabs().await?;
                let i = *tab as usize;
                if i >= self.tabs.len() {
                    return Ok(Step::fail(format!("tab {tab}"), self.no_tab(*tab)));
                }
                if self.tabs.len() == 1 {
                    return Ok(Step::fail(format!("tab {tab}"), "cannot close the only open tab; navigate instead"));
                }
                self.close_tab_at(i).await?;
                let mut step =
                    Step::ok(format!("tab {tab}"), Some(format!("closed tab {tab}; tab {} is active", self.active)));
                step.tabs_changed = true;
                Ok(step)
            }
            BrowserAction::Extract { goal } => {
                let url = self.current_url().await?;
                let md = self.page_markdown().await?;
                Ok(Step::ok(url.clone(), Some(format!("Content of {url} (for: {goal})\n\n{md}"))))
            }
            BrowserAction::Wait { ms } => {
                let capped = (*ms).min(MAX_WAIT_MS);
                tokio::time::sleep(Duration::from_millis(capped)).await;
                let note = if capped < *ms { format!(" (capped from {ms} ms)") } else { String::new() };
                Ok(Step::ok(format!("{capped} ms"), Some(format!("waited {capped} ms{note}"))))
            }
            BrowserAction::Done { .. } => Ok(Step::ok("", None)),
        }
    }

    /// Waits for a tab the page just opened: its first document is an empty `about:blank` that reads as loaded
    /// before the page it was opened for has even started, so wait until it has left `about:blank` (a tab opened
    /// for `about:blank` itself is taken as it is after `NEW_TAB_BLANK`) and finished loading.
    async fn wait_new_tab(&self) -> Result<()> {
        let started = Instant::now();
        let deadline = started + self.op_timeout();
        loop {
            let probe = self.eval_internal("loading the new tab", "[location.href, document.readyState]".into()).await;
            if let Ok(v) = &probe {
                let blank = v[0].as_str() == Some("about:blank");
                if v[1].as_str() == Some("complete") && (!blank || started.elapsed() >= NEW_TAB_BLANK) {
                    return Ok(());
                }
            }
            if let Err(e @ (BrowserError::Crashed { .. } | BrowserError::Timeout { .. })) = probe {
                return Err(e);
            }
            if Instant::now() >= deadline {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    fn no_tab(&self, tab: u32) -> String {
        format!("no tab {tab}; open tabs are 0..={}", self.tabs.len().saturating_sub(1))
    }

    async fn do_navigate(&mut self, url: &str) -> Result<Step> {
        if let Err(reason) = self.policy.check(url) {
            return Ok(Step::fail(url, reason));
        }
        match self.navigate_active(url).await {
            Ok(()) => Ok(Step::ok(url, None)),
            Err(e) => Ok(Step::fail(url, soft(e)?)),
        }
    }

    async fn do_go_back(&mut self) -> Result<Step> {
        let page = self.page()?.clone();
        let history =
            guarded(&self.handle, "go back", self.op_timeout, page.execute(GetNavigationHistoryParams::default()))
                .await?;
        let idx = history.result.current_index;
        let previous = (idx > 0).then(|| history.result.entries.get((idx - 1) as usize)).flatten();
        // The blank page every tab starts on does not count as a page to go back to.
        let Some(entry) = previous.filter(|e| !(idx == 1 && e.url == "about:blank")) else {
            return Ok(Step::fail("", "there is no previous page in this tab's history"));
        };
        let url = entry.url.clone();
        guarded(&self.handle, "go back", self.op_timeout, page.execute(NavigateToHistoryEntryParams::new(entry.id)))
            .await?;
        match self.wait_loaded("going back", NAV_GRACE).await {
            Ok(()) => Ok(Step::ok(url, None)),
            Err(e) => Ok(Step::fail(url, soft(e)?)),
        }
    }

    /// The URL of the active tab's current history entry: the address asked for, even when it failed to load and
    /// the tab shows an error page.
    async fn entry_url(&self) -> Result<String> {
        let page = self.page()?.clone();
        let history = guarded(
            &self.handle,
            "reading history",
            self.op_timeout,
            page.execute(GetNavigationHistoryParams::default()),
        )
        .await?;
        let idx = usize::try_from(history.result.current_index).unwrap_or(0);
        match history.result.entries.get(idx) {
            Some(entry) => Ok(entry.url.clone()),
            None => self.current_url().await,
        }
    }

    async fn do_click(&mut self, index: u32) -> Result<Step> {
        let v = self.helper("point", index, Value::Null).await?;
        if let Some(err) = v.get("error").and_then(Value::as_str) {
            return Ok(Step::fail(format!("[{index}]"), err));
        }
        let target = v.get("desc").and_then(Value::as_str).unwrap_or_default().to_string();
        let (x, y) =
            (v.get("x").and_then(Value::as_f64).unwrap_or(0.0), v.get("y").and_then(Value::as_f64).unwrap_or(0.0));
        let page = self.page()?.clone();
        for kind in [
            DispatchMouseEventType::MouseMoved,
            DispatchMouseEventType::MousePressed,
            DispatchMouseEventType::MouseReleased,
        ] {
            let mut ev = DispatchMouseEventParams::new(kind.clone(), x, y);
            if kind != DispatchMouseEventType::MouseMoved {
                ev.button = Some(MouseButton::Left);
                ev.click_count = Some(1);
                ev.buttons = Some(if kind == DispatchMouseEventType::MousePressed { 1 } else { 0 });
            }
            guarded(&self.handle, "click", self.op_timeout, page.execute(ev)).await?;
        }
        self.after_interaction(target, "click").await
    }

    /// After a click or key press: wait for a navigation it started, pick up tabs it opened, enforce the policy.
    async fn after_interaction(&mut self, target: String, what: &str) -> Result<Step> {
        let mut notes = Vec::new();
        if let Err(e) = self.wait_loaded(what, NAV_GRACE).await {
            notes.push(format!("the page is still loading ({})", soft(e)?));
        }
        let added = self.refresh_tabs().await?;
        let mut tabs_changed = false;
        for pos in added.into_iter().rev() {
            tabs_changed = true;
            self.active = pos;
            let _ = self.wait_new_tab().await;
            let url = self.entry_url().await?;
            if let Err(reason) = self.policy.check(&url) {
                self.close_tab_at(pos).await?;
                return Ok(Step {
                    target,
                    result: Err(format!(
                        "the {what} opened a tab with a disallowed page ({reason}); the tab was closed"
                    )),
                    tabs_changed,
                });
            }
            self.switch_to(pos).await?;
            notes.push(format!("opened new tab {pos} ({url}); it is now the active tab"));
        }
        let url = self.entry_url().await?;
        if let Err(reason) = self.policy.check(&url) {
            let back = self.do_go_back().await?;
            let went = if back.result.is_ok() { "went back" } else { "could not go back" };
            return Ok(Step {
                target,
                result: Err(format!("the {what} led to a disallowed page ({reason}); {went}")),
                tabs_changed,
            });
        }
        let output = (!notes.is_empty()).then(|| notes.join("; "));
        Ok(Step { target, result: Ok(output), tabs_changed })
    }

    async fn do_input(&mut self, index: u32, text: &str) -> Result<Step> {
        let v = self.helper("focus_clear", index, Value::Null).await?;
        if let Some(err) = v.get("error").and_then(Value::as_str) {
            return Ok(Step::fail(format!("[{index}]"), err));
        }
        let target = v.get("desc").and_then(Value::as_str).unwrap_or_default().to_string();
        if !text.is_empty() {
            let page = self.page()?.clone();
            guarded(&self.handle, "typing", self.op_timeout, page.execute(InsertTextParams::new(text))).await?;
        }
        let after = self.helper("after_input", index, Value::Null).await?;
        if let Some(err) = after.get("error").and_then(Value::as_str) {
            return Ok(Step::fail(target, err));
        }
        Ok(Step::ok(target, None))
    }

    async fn do_keys(&mut self, keys: &str) -> Result<Step> {
        let chords = match parse_keys(keys) {
            Ok(c) => c,
            Err(msg) => return Ok(Step::fail(keys, format!("send_keys: {msg}"))),
        };
        for chord in &chords {
            self.press(chord).await?;
        }
        self.after_interaction(keys.to_string(), "key press").await
    }

    async fn press(&self, chord: &Chord) -> Result<()> {
        let page = self.page()?.clone();
        let mut held = 0;
        let key_event = |kind: DispatchKeyEventType, key: &super::keys::Key, modifiers: i64, text: Option<String>| {
            let mut ev = DispatchKeyEventParams::new(kind);
            ev.key = Some(key.key.clone());
            ev.code = Some(key.code.clone());
            ev.windows_virtual_key_code = Some(key.key_code);
            ev.native_virtual_key_code = Some(key.key_code);
            ev.modifiers = Some(modifiers);
            ev.unmodified_text = text.clone();
            ev.text = text;
            ev
        };
        for m in &chord.modifiers {
            held |= m.bit;
            let ev = key_event(DispatchKeyEventType::RawKeyDown, &m.key, held, None);
            guarded(&self.handle, "send_keys", self.op_timeout, page.execute(ev)).await?;
        }
        let kind =
            if chord.key.text.is_some() { DispatchKeyEventType::KeyDown } else { DispatchKeyEventType::RawKeyDown };
        let mut down = key_event(kind, &chord.key, held, chord.key.text.clone());
        if !chord.commands.is_empty() {
            down.commands = Some(chord.commands.clone());
        }
        guarded(&self.handle, "send_keys", self.op_timeout, page.execute(down)).await?;
        let up = key_event(DispatchKeyEventType::KeyUp, &chord.key, held, None);
        guarded(&self.handle, "send_keys", self.op_timeout, page.execute(up)).await?;
        for m in chord.modifiers.iter().rev() {
            held &= !m.bit;
            let ev = key_event(DispatchKeyEventType::KeyUp, &m.key, held, None);
            guarded(&self.handle, "send_keys", self.op_timeout, page.execute(ev)).await?;
        }
        Ok(())
    }
}
