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

/// What `dom.js` returns (as one JSON string, parsed with [`parse_raw`]).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RawState {
    pub url: String,
    pub title: String,
    pub items: Vec<RawItem>,
    pub above: f64,
    pub below: f64,
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

/// The compact wire form of an item: a string for text, `[tag, role, text, [name, value, …], shadow 0|1, frame]` for
/// an element.
#[derive(Deserialize)]
#[serde(untagged)]
enum WireItem {
    Text(String),
    Element(String, Option<String>, String, Vec<String>, u8, Vec<String>),
}

impl<'de> Deserialize<'de> for RawItem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match WireItem::deserialize(d)? {
            WireItem::Text(t) => RawItem::Text { t },
            WireItem::Element(tag, role, text, flat, shadow, frame) => {
                if flat.len() % 2 != 0 {
                    return Err(serde::de::Error::custom("attribute list of odd length"));
                }
                let mut attrs = BTreeMap::new();
                let mut pairs = flat.into_iter();
                while let (Some(k), Some(v)) = (pairs.next(), pairs.next()) {
                    attrs.insert(k, v);
                }
                RawItem::Element { tag, role, text, attrs, shadow: shadow != 0, frame }
            }
        })
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
    fn hash_is_sha256_hex() {
        assert_eq!(hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
