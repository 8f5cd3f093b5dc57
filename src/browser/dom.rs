//! The DOM state the model sees: `dom.js` (injected per step) returns the indexed interactive elements and the text
//! between them; this side turns that into `ElementInfo`s and the compact serialisation
//! (`[12]<button aria-label="Search">Search</button>` lines) and hashes it.

use std::collections::BTreeMap;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::types::{ElementInfo, PageState, TabInfo};

/// The page-side collector, evaluated as `(<script>)({mark: bool})`.
pub(crate) const DOM_JS: &str = include_str!("dom.js");

/// The expression that runs the collector; `mark` records the index map for actions.
pub(crate) fn collect_expression(mark: bool) -> String {
    format!("({DOM_JS})({{mark: {mark}}})")
}

/// What `dom.js` returns.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RawState {
    pub url: String,
    pub title: String,
    pub items: Vec<RawItem>,
    pub above: f64,
    pub below: f64,
}

/// One entry in document order: text between elements, or an element.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "k")]
pub(crate) enum RawItem {
    #[serde(rename = "t")]
    Text { t: String },
    #[serde(rename = "e")]
    Element {
        tag: String,
        role: Option<String>,
        text: String,
        #[serde(default)]
        attrs: BTreeMap<String, String>,
        shadow: bool,
        frame: Vec<String>,
    },
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

fn quote(v: &str) -> String {
    v.replace('"', "'").replace(['\n', '\r'], " ")
}

fn element_line(el: &ElementInfo) -> String {
    let mut s = format!("[{}]<{}", el.index, el.tag);
    let mut named = !el.text.is_empty();
    for key in SHOWN {
        if let Some(v) = el.attributes.get(key) {
            if key == "role" && el.role.as_deref() == Some(v.as_str()) && implicit(&el.tag, v) {
                continue;
            }
            s.push_str(&format!(" {key}=\"{}\"", quote(v)));
            named |= matches!(key, "aria-label" | "title" | "label" | "placeholder" | "alt" | "name");
        }
    }
    if !named && let Some(id) = el.attributes.get("id") {
        s.push_str(&format!(" id=\"{}\"", quote(id)));
    }
    if el.tag == "input" {
        s.push_str(" />");
    } else {
        s.push('>');
        s.push_str(&el.text);
        s.push_str(&format!("</{}>", el.tag));
    }
    s
}

/// An explicit role that only repeats what the tag already says is not worth showing.
fn implicit(tag: &str, role: &str) -> bool {
    matches!((tag, role), ("button", "button") | ("a", "link"))
}

/// Builds the page state from the collector's output (without tabs and screenshot, which the session adds).
pub(crate) fn build_state(raw: RawState, tabs: Vec<TabInfo>) -> PageState {
    let mut elements = Vec::new();
    let mut lines = Vec::new();
    let above = raw.above.max(0.0).round() as i64;
    let below = raw.below.max(0.0).round() as i64;
    if above > 0 {
        lines.push(format!("… {above} px above"));
    }
    for item in raw.items {
        match item {
            RawItem::Text { t } => lines.push(t),
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
                lines.push(element_line(&info));
                elements.push(info);
            }
        }
    }
    if below > 0 {
        lines.push(format!("… {below} px below"));
    }
    let serialized = lines.join("\n");
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

/// Hex SHA-256.
pub(crate) fn hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
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
    fn hash_is_sha256_hex() {
        assert_eq!(hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
