//! The DOM state the model sees: `dom.js` (injected per step) returns the indexed interactive elements and the text
//! between them; this side turns that into `ElementInfo`s and the compact serialisation
//! (`[12]<button aria-label="Search">Search</button>` lines) and hashes it.
//!
//! `session.state(StateOptions { screenshot })` lists the interactive elements of the viewport: `a[href]`, `button`,
//! `input`, `select`, `textarea`, `summary`, `details`; ARIA roles such as button, link, checkbox, tab, menuitem,
//! option, switch; `tabindex >= 0`; click handlers; `cursor: pointer`; contenteditable — inside open shadow roots and
//! same-origin iframes too. Hidden elements (`display:none`, `visibility:hidden`, `opacity:0`, zero size,
//! `aria-hidden`, `inert`) and elements covered by another one (hit test at the centre) are left out. The serialisation
//! of `tests/fixtures/pages/visibility.html` in a 1280×900 window (an `id` is shown only when nothing else names an
//! element):
//!
//! ```text
//! Intro text before the controls
//! [0]<button>Visible one</button>
//! [1]<a href="page2.html">Visible link</a>
//! Anchor without href
//! [2]<div>Clickable div</div>
//! [3]<span>Pointer span bold part</span>
//! [4]<div role="switch" aria-checked="false">Dark mode</div>
//! [5]<div>Focusable div</div>
//! Not focusable div Shadow label
//! [6]<button>Shadow button</button>
//! [7]<button>Frame button</button>
//! [8]<input placeholder="Frame input" value="" />
//! … 1940 px below
//! ```
//!
//! `dom_hash` is the hex SHA-256 of that text. Indexes are valid until the next `state()`; an action with an older
//! index answers `no element index on this page (it changed since the last state)…`.
//!
//! The collector runs every step and before and after every action (for `page_changed`), so it is built for speed:
//!
//! - **Installed once per document**: the first state evaluates `dom.js` and keeps it as a non-enumerable, read-only
//!   `window` property named after a hash of its source (`__bamDom_<12 hex>`, so a long-lived remote page never runs an
//!   older build's collector); later steps send only a short call. This lets V8 keep its optimised code (a fresh copy
//!   per call runs cold). A page that prevents the install (e.g. replaces `Object.defineProperty`) still gets a state,
//!   with the collector run cold each time.
//! - **Few style and layout reads**: one `checkVisibility({opacityProperty, visibilityProperty})` instead of reading
//!   `display`, `opacity` and `visibility` (those are read only when it says no, to tell a hidden subtree from a hidden
//!   element with visible children); `cursor` only where the cursor heuristic can still list something; `position` and
//!   `z-index` only for visible, sized elements, and `z-index` only where it has an effect (positioned elements, flex
//!   and grid items, including children of a `display: contents` item); contenteditable from the attribute.
//! - **One round trip, one string**: one `Runtime.evaluate` whose result is a single JSON string (text items as
//!   strings, elements as `[tag, role, text, [name, value, …], in_shadow_root, frame_path]`, the last two left out when
//!   `0` / `[]`), because CDP's by-value transfer of a thousand nested objects costs more than the walk. The tab list
//!   (`Target.getTargets`) is fetched concurrently.
//! - **Cheap Rust side**: a serde visitor reads the JSON straight into the items; the serialisation is written into one
//!   pre-sized `String`.
//! - Attributes are read in one pass over `el.attributes`; `el.labels` only in documents or shadow roots containing a
//!   `<label>`; hit tests (`elementFromPoint`) only for elements whose centre lies under a positioned element that is
//!   neither their ancestor nor their descendant.
//!
//! Tests (`tests/it/browser/state.rs`, fixture `layers.html`): a flex item, a `display: contents` child and a
//! positioned element with a `z-index` still hide the button they cover; a visible child of a `visibility: hidden`
//! parent is listed; contenteditable roots and disabled buttons are marked; content below the fold is counted and
//! listed once scrolled to; the collector is re-installed after navigation and works on a page that breaks
//! `Object.defineProperty`. Figures: `benchmarks/RESULTS.md` (DOM state and browser actions).

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;
use std::sync::LazyLock;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::types::{ElementInfo, PageState, TabInfo};

/// The page-side collector, a function expression taking `{mark, prof}`.
pub(crate) const DOM_JS: &str = include_str!("dom.js");

/// The `window` property the collector is installed under: versioned by a hash of its source, so a long-lived page
/// of a remote browser never runs a collector installed by an older build.
static INSTALLED_AS: LazyLock<String> = LazyLock::new(|| format!("__bamDom_{}", &hash(DOM_JS)[..12]));

fn options_literal(mark: bool, prof: bool) -> String {
    format!("{{mark: {mark}, prof: {prof}}}")
}

/// The per-step expression: calls the collector installed in this document, or returns `null` when there is none
/// yet (a new document), in which case [`install_expression`] is evaluated instead.
pub(crate) fn call_expression(mark: bool, prof: bool) -> String {
    let name = INSTALLED_AS.as_str();
    format!(
        "(function (o) {{ const f = window.{name}; return typeof f === 'function' ? f(o) : null; }})({})",
        options_literal(mark, prof)
    )
}

/// Installs the collector in the document (non-enumerable, read-only) and runs it. When the page does not let it
/// be defined, the collector still runs, just without being kept.
pub(crate) fn install_expression(mark: bool, prof: bool) -> String {
    let name = INSTALLED_AS.as_str();
    format!(
        "(function (o) {{ let f = window.{name}; if (typeof f !== 'function') {{ f = ({DOM_JS}); \
         try {{ Object.defineProperty(window, '{name}', {{ value: f }}); }} catch (e) {{ /* kept nowhere */ }} }} \
         return f(o); }})({})",
        options_literal(mark, prof)
    )
}

/// What `dom.js` returns (as one JSON string, parsed with [`parse_raw`]).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RawState {
    pub url: String,
    pub title: String,
    pub items: Vec<RawItem>,
    pub above: f64,
    pub below: f64,
    /// Phase timings, present only when the collector ran with `prof: true` (benchmarks).
    #[serde(default)]
    pub prof: Option<ScriptProfile>,
}

/// Where the collector's time went, in milliseconds measured in the page with `performance.now()`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ScriptProfile {
    /// Walking the tree: attribute scan, visibility, geometry and style reads, text gathering.
    pub walk: f64,
    /// Occlusion hit tests and the shown attributes of the listed elements.
    pub output: f64,
    /// Recording the index map (`WeakRef`s) for the following actions.
    pub mark: f64,
    /// The whole call, including the final `JSON.stringify`.
    pub total: f64,
}

/// One entry in document order: text between elements, or an element.
#[derive(Debug, Clone)]
pub(crate) enum RawItem {
    Text {
        t: String,
    },
    Element {
        tag: String,
        role: Option<String>,
        text: String,
        attrs: BTreeMap<String, String>,
        shadow: bool,
        frame: Vec<String>,
    },
}

/// The compact wire form of an item: a string for text, `[tag, role, text, [name, value, …], shadow 0|1, frame]`
/// for an element, where the last two may be left out (not in a shadow root, top document). Read straight from the
/// JSON by a visitor (no intermediate `Value` or untagged-enum buffering).
impl<'de> Deserialize<'de> for RawItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ItemVisitor)
    }
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = RawItem;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a text string or an element array [tag, role, text, [name, value, …], shadow, frame]")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawItem, E> {
        Ok(RawItem::Text { t: v.to_string() })
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<RawItem, E> {
        Ok(RawItem::Text { t: v })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawItem, A::Error> {
        let tag: String = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let role: Option<String> = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
        let text: String = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(2, &self))?;
        let attrs = seq.next_element::<AttrPairs>()?.ok_or_else(|| de::Error::invalid_length(3, &self))?.0;
        let shadow = seq.next_element::<u8>()?.unwrap_or(0) != 0;
        let frame: Vec<String> = seq.next_element()?.unwrap_or_default();
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(7, &self));
        }
        Ok(RawItem::Element { tag, role, text, attrs, shadow, frame })
    }
}

/// A flat `[name, value, name, value, …]` list read into a map.
struct AttrPairs(BTreeMap<String, String>);

impl<'de> Deserialize<'de> for AttrPairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = AttrPairs;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a flat list of attribute names and values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AttrPairs, A::Error> {
                let mut map = BTreeMap::new();
                while let Some(name) = seq.next_element::<String>()? {
                    let Some(value) = seq.next_element::<String>()? else {
                        return Err(de::Error::custom("attribute list of odd length"));
                    };
                    map.insert(name, value);
                }
                Ok(AttrPairs(map))
            }
        }
        d.deserialize_seq(PairsVisitor)
    }
}

/// Parses the collector's JSON text.
pub(crate) fn parse_raw(json: &str) -> Result<RawState, serde_json::Error> {
    serde_json::from_str(json)
}

/// Attributes shown in the serialisation, in this order (`id` only when nothing else names the element).
const SHOWN: [&str; 17] = [
    "role",
    "type",
    "name",
    "placeholder",
    "aria-label",
    "title",
    "label",
    "alt",
    "href",
    "value",
    "checked",
    "selected",
    "aria-checked",
    "aria-expanded",
    "aria-selected",
    "disabled",
    "contenteditable",
];

/// Appends ` key="value"` with double quotes turned into single ones and line breaks into spaces.
fn push_attr(out: &mut String, key: &str, v: &str) {
    out.push(' ');
    out.push_str(key);
    out.push_str("=\"");
    for c in v.chars() {
        out.push(match c {
            '"' => '\'',
            '\n' | '\r' => ' ',
            c => c,
        });
    }
    out.push('"');
}

/// Appends the element's line, `[12]<button aria-label="Search">Search</button>`, to `out`.
fn push_element_line(out: &mut String, el: &ElementInfo) {
    // Writing into a String cannot fail.
    let _ = write!(out, "[{}]<{}", el.index, el.tag);
    let mut named = !el.text.is_empty();
    for key in SHOWN {
        if let Some(v) = el.attributes.get(key) {
            if key == "role" && el.role.as_deref() == Some(v.as_str()) && implicit(&el.tag, v) {
                continue;
            }
            push_attr(out, key, v);
            named |= matches!(key, "aria-label" | "title" | "label" | "placeholder" | "alt" | "name");
        }
    }
    if !named && let Some(id) = el.attributes.get("id") {
        push_attr(out, "id", id);
    }
    if el.tag == "input" {
        out.push_str(" />");
    } else {
        out.push('>');
        out.push_str(&el.text);
        out.push_str("</");
        out.push_str(&el.tag);
        out.push('>');
    }
}

/// An explicit role that only repeats what the tag already says is not worth showing.
fn implicit(tag: &str, role: &str) -> bool {
    matches!((tag, role), ("button", "button") | ("a", "link"))
}

/// Builds the page state from the collector's output (without tabs and screenshot, which the session adds).
pub(crate) fn build_state(raw: RawState, tabs: Vec<TabInfo>) -> PageState {
    let mut elements = Vec::with_capacity(raw.items.len());
    let mut serialized = String::with_capacity(raw.items.len() * 64);
    let above = raw.above.max(0.0).round() as i64;
    let below = raw.below.max(0.0).round() as i64;
    // Lines joined by '\n': every line but the first starts with one.
    let mut first = true;
    let mut newline = |out: &mut String| {
        if !std::mem::take(&mut first) {
            out.push('\n');
        }
    };
    if above > 0 {
        newline(&mut serialized);
        let _ = write!(serialized, "… {above} px above");
    }
    for item in raw.items {
        newline(&mut serialized);
        match item {
            RawItem::Text { t } => serialized.push_str(&t),
            RawItem::Element { tag, role, text, attrs, shadow, frame } => {
                let info = ElementInfo {
                    index: elements.len() as u32,
                    tag,
                    role,
                    text,
                    attributes: attrs,
                    in_shadow_root: shadow,
                    frame_path: frame,
                };
                push_element_line(&mut serialized, &info);
                elements.push(info);
            }
        }
    }
    if below > 0 {
        newline(&mut serialized);
        let _ = write!(serialized, "… {below} px below");
    }
    let dom_hash = hash(&serialized);
    PageState {
        url: raw.url,
        title: raw.title,
        tabs,
        elements,
        serialized,
        pixels_above: above,
        pixels_below: below,
        dom_hash,
        screenshot_png: None,
    }
}

/// The page's structure without what the user types: the serialisation with each element line replaced by the
/// element's tag, role and attributes except `value`, `checked` and `selected`, and its text unless it is a field
/// (input, text area, select, editable element). The text between elements stays. Typing into a field or ticking a
/// box leaves it unchanged; an element appearing, disappearing or changing its text, or the page's text changing,
/// does not.
pub(crate) fn structure_hash(state: &PageState) -> String {
    let mut by_index = std::collections::HashMap::new();
    for el in &state.elements {
        let field =
            matches!(el.tag.as_str(), "input" | "textarea" | "select") || el.attributes.contains_key("contenteditable");
        let mut line = format!("[{}]{}|{:?}|", el.index, el.tag, el.role);
        if !field {
            line.push_str(&el.text);
        }
        for (k, v) in el.attributes.iter().filter(|(k, _)| !matches!(k.as_str(), "value" | "checked" | "selected")) {
            let _ = write!(line, "|{k}={v}");
        }
        by_index.insert(el.index, line);
    }
    let mut text = String::new();
    for line in state.serialized.lines() {
        let index = line.strip_prefix('[').and_then(|r| r.split_once(']')).and_then(|(n, _)| n.parse::<u32>().ok());
        match index.and_then(|i| by_index.get(&i)) {
            Some(element) => text.push_str(element),
            None => text.push_str(line),
        }
        text.push('\n');
    }
    hash(&text)
}

/// Hex SHA-256.
pub(crate) fn hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(tag: &str, text: &str, attrs: &[(&str, &str)]) -> RawItem {
        RawItem::Element {
            tag: tag.into(),
            role: None,
            text: text.into(),
            attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            shadow: false,
            frame: vec![],
        }
    }

    #[test]
    fn serialisation_indexes_elements_and_keeps_text_between() {
        let raw = RawState {
            url: "http://x/".into(),
            title: "T".into(),
            items: vec![
                RawItem::Text { t: "Welcome".into() },
                el("button", "Search", &[("aria-label", "Search box"), ("id", "go")]),
                el("input", "", &[("type", "email"), ("name", "email"), ("value", "a\"b")]),
                el("div", "", &[("id", "only-id")]),
            ],
            above: 0.0,
            below: 250.4,
            prof: None,
        };
        let state = build_state(raw, vec![]);
        assert_eq!(
            state.serialized,
            "Welcome\n[0]<button aria-label=\"Search box\">Search</button>\n\
             [1]<input type=\"email\" name=\"email\" value=\"a'b\" />\n[2]<div id=\"only-id\"></div>\n… 250 px below"
        );
        assert_eq!(state.elements.iter().map(|e| e.index).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(state.pixels_below, 250);
        assert_eq!(state.dom_hash, hash(&state.serialized));
        assert_eq!(state.dom_hash.len(), 64);
    }

    #[test]
    fn the_compact_wire_form_parses_into_items() {
        let json = r#"{"url":"http://x/","title":"T","above":0,"below":12.6,"items":["Intro",
            ["button",null,"Go",["id","go","aria-label","Start"],0,[]],
            ["input","textbox","",["name","q"],1,["iframe#pay"]]]}"#;
        let raw = parse_raw(json).unwrap();
        assert_eq!(raw.items.len(), 3);
        assert!(matches!(&raw.items[0], RawItem::Text { t } if t == "Intro"));
        let RawItem::Element { tag, role, text, attrs, shadow, frame } = &raw.items[2] else { panic!("element") };
        assert_eq!((tag.as_str(), role.as_deref(), text.as_str(), *shadow), ("input", Some("textbox"), "", true));
        assert_eq!(attrs.get("name").map(String::as_str), Some("q"));
        assert_eq!(frame, &vec!["iframe#pay".to_string()]);
        let state = build_state(raw, vec![]);
        assert_eq!(
            state.serialized,
            "Intro\n[0]<button aria-label=\"Start\">Go</button>\n[1]<input name=\"q\" />\n… 13 px below"
        );
        assert!(
            parse_raw(r#"{"url":"","title":"","above":0,"below":0,"items":[["a",null,"",["odd"],0,[]]]}"#).is_err()
        );
        assert!(parse_raw(r#"{"url":"","title":"","above":0,"below":0,"items":[{"k":"t"}]}"#).is_err());
    }

    #[test]
    fn the_trailing_defaults_of_an_element_may_be_left_out_and_nothing_else() {
        let json = r#"{"url":"u","title":"","above":0,"below":0,"items":[
            ["a","link","Home",["href","/"]],
            ["button",null,"In shadow",[],1],
            ["span","button","Framed",["id","s"],0,["iframe#f"]]]}"#;
        let raw = parse_raw(json).unwrap();
        let shape: Vec<(bool, usize)> = raw
            .items
            .iter()
            .map(|i| match i {
                RawItem::Element { shadow, frame, .. } => (*shadow, frame.len()),
                RawItem::Text { .. } => panic!("no text items here"),
            })
            .collect();
        assert_eq!(shape, vec![(false, 0), (true, 0), (false, 1)]);
        assert!(raw.prof.is_none());
        for bad in [
            r#"["a","link","Home"]"#,
            r#"["a","link"]"#,
            r#"["a","link","Home",["href","/"],0,[],"extra"]"#,
            r#"["a","link","Home",["href"]]"#,
            r#"["a",7,"Home",[]]"#,
            r#"3"#,
        ] {
            let json = format!(r#"{{"url":"","title":"","above":0,"below":0,"items":[{bad}]}}"#);
            assert!(parse_raw(&json).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn scroll_markers_frame_the_lines_and_escapes_are_parsed() {
        let json = r#"{"url":"u","title":"t","above":399.6,"below":0,"items":["Line \"one\"\n",
            ["input",null,"",["value","x\ny\"z"]]],"prof":{"walk":1.5,"output":0.5,"mark":0.1,"total":2.5}}"#;
        let raw = parse_raw(json).unwrap();
        assert_eq!(raw.prof.map(|p| p.total), Some(2.5));
        let state = build_state(raw, vec![]);
        assert_eq!(state.serialized, "… 400 px above\nLine \"one\"\n\n[0]<input value=\"x y'z\" />");
        assert_eq!((state.pixels_above, state.pixels_below), (400, 0));
        let empty =
            build_state(parse_raw(r#"{"url":"u","title":"t","above":0,"below":0,"items":[]}"#).unwrap(), vec![]);
        assert_eq!(empty.serialized, "");
        assert!(empty.elements.is_empty());
    }

    #[test]
    fn the_collector_is_installed_under_a_versioned_name_and_called_by_it() {
        let call = call_expression(true, false);
        let install = install_expression(false, true);
        let name = INSTALLED_AS.as_str();
        assert!(name.starts_with("__bamDom_") && name.len() == "__bamDom_".len() + 12, "{name}");
        assert!(call.contains(&format!("window.{name}")) && call.ends_with("({mark: true, prof: false})"), "{call}");
        assert!(!call.contains(DOM_JS), "the per-step call does not resend the collector");
        assert!(install.contains(DOM_JS) && install.contains(&format!("Object.defineProperty(window, '{name}'")));
        assert!(install.ends_with("({mark: false, prof: true})"), "{install}");
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
