//! Choosing elements on a page for the baseline planner: the best match for a phrase among clickable elements, the
//! search box, the sign-in fields, an "add to cart" button for an item, the input for a form field; plus the page's
//! visible text without element markup.

use std::sync::LazyLock;

use regex::Regex;

use super::form::field_label;
use super::options::BaselineOptions;
use super::text::{score, tokens};
use crate::browser::types::{ElementInfo, PageState};

static MARKUP: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\[\d+\]<[^>]*>|</[A-Za-z0-9-]+>").ok());

/// The page text without the `[12]<button …>` markup of the serialisation.
pub fn visible_text(serialized: &str) -> String {
    match MARKUP.as_ref() {
        Some(r) => r.replace_all(serialized, " ").to_string(),
        None => serialized.to_string(),
    }
}

/// Generic words for parts of a page ("the Science section", "the Like button"): dropped from a target when other
/// words remain, since every section or button would share them.
const GENERIC: &[&str] = &["section", "link", "button", "tab", "result", "item", "entry", "article", "post", "story"];

/// A form field the baseline may fill.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub index: u32,
    pub label: String,
    /// `text`, `email`, `tel`, … (`select` for dropdowns).
    pub kind: String,
    /// The value it holds now (for a dropdown: the selected option's text).
    pub current: String,
}

/// One page as the baseline looks at it.
pub struct Page<'a> {
    state: &'a PageState,
    opts: &'a BaselineOptions,
    last_click: Option<&'a str>,
}

fn attr<'e>(el: &'e ElementInfo, key: &str) -> Option<&'e str> {
    el.attributes.get(key).map(String::as_str)
}

fn input_type(el: &ElementInfo) -> String {
    attr(el, "type").unwrap_or("text").to_lowercase()
}

/// An element one types into.
fn is_text_input(el: &ElementInfo) -> bool {
    match el.tag.as_str() {
        "textarea" => true,
        "input" => !matches!(
            input_type(el).as_str(),
            "button" | "submit" | "reset" | "checkbox" | "radio" | "image" | "file" | "hidden" | "range" | "color"
        ),
        _ => attr(el, "contenteditable").is_some_and(|v| v != "false"),
    }
}

fn is_disabled(el: &ElementInfo) -> bool {
    attr(el, "disabled").is_some_and(|v| v != "false")
}

fn is_clickable(el: &ElementInfo) -> bool {
    !is_text_input(el) && el.tag != "select" && !is_disabled(el)
}

impl<'a> Page<'a> {
    pub fn new(state: &'a PageState, opts: &'a BaselineOptions, last_click: Option<&'a str>) -> Page<'a> {
        Page { state, opts, last_click }
    }

    /// `url#index`, the identity used for "never click the same element twice in a row on the same page".
    pub fn click_key(&self, index: u32) -> String {
        format!("{}#{index}", self.state.url)
    }

    fn just_clicked(&self, el: &ElementInfo) -> bool {
        self.last_click.is_some_and(|k| k == self.click_key(el.index))
    }

    pub fn more_below(&self) -> bool {
        self.state.pixels_below > 0
    }

    /// The best element among `candidates` for `phrase`, if it reaches the threshold. Ties: higher score, then the
    /// element with fewer words (more specific), then page order.
    fn best<'e>(&self, phrase: &str, candidates: impl Iterator<Item = &'e ElementInfo>) -> Option<u32> {
        self.best_scored(phrase, candidates).map(|(i, _)| i)
    }

    /// The words of `phrase` that can tell this page's elements apart: without the words of the page title (the
    /// site's name says nothing about which link to take) and generic part names, unless nothing else is left.
    pub fn target_tokens(&self, phrase: &str) -> Vec<String> {
        let all = tokens(phrase);
        let title = tokens(&self.state.title);
        let narrowed: Vec<String> =
            all.iter().filter(|t| !title.contains(t) && !GENERIC.contains(&t.as_str())).cloned().collect();
        if !narrowed.is_empty() {
            return narrowed;
        }
        // Only stop words and part names ("button ONE", "the first one"): the words themselves, without part names
        // and articles, are the target.
        let raw: Vec<String> = super::text::words(phrase)
            .iter()
            .map(|w| super::text::stem(w))
            .filter(|w| !GENERIC.contains(&w.as_str()) && !["a", "an", "the", "on", "click"].contains(&w.as_str()))
            .collect();
        if raw.is_empty() { all } else { raw }
    }

    /// Like `best`, with the winning score.
    fn best_scored<'e>(&self, phrase: &str, candidates: impl Iterator<Item = &'e ElementInfo>) -> Option<(u32, f64)> {
        let target = self.target_tokens(phrase);
        let mut best: Option<(f64, usize, u32)> = None;
        for el in candidates {
            let s = score(&target, phrase, el);
            if s < self.opts.match_threshold || s <= 0.0 {
                continue;
            }
            let size = tokens(&el.text).len();
            let better = match best {
                None => true,
                Some((bs, bsize, _)) => s > bs || (s == bs && size < bsize),
            };
            if better {
                best = Some((s, size, el.index));
            }
        }
        best.map(|(s, _, i)| (i, s))
    }

    /// The clickable element best matching `phrase`, never the one clicked last on this page. With `links_only`,
    /// only links (`a` or role link) count.
    pub fn best_match(&self, phrase: &str, links_only: bool) -> Option<u32> {
        self.best_match_scored(phrase, links_only).map(|(i, _)| i)
    }

    /// `best_match` with its score.
    pub fn best_match_scored(&self, phrase: &str, links_only: bool) -> Option<(u32, f64)> {
        let els = self.state.elements.iter().filter(|el| {
            is_clickable(el)
                && !self.just_clicked(el)
                && (!links_only
                    || el.tag == "a"
                    || attr(el, "role") == Some("link")
                    || el.role.as_deref() == Some("link"))
        });
        self.best_scored(phrase, els)
    }

    /// The fillable fields (text inputs, text areas, dropdowns; not passwords), in page order.
    pub fn fields(&self) -> Vec<Field> {
        let els =
            self.state.elements.iter().filter(|el| {
                (is_text_input(el) || el.tag == "select") && !is_disabled(el) && input_type(el) != "password"
            });
        els.map(|el| {
            let select = el.tag == "select";
            Field {
                index: el.index,
                label: field_label(el),
                kind: if select { "select".into() } else { input_type(el) },
                current: if select { el.text.clone() } else { attr(el, "value").unwrap_or("").to_string() },
            }
        })
        .collect()
    }

    /// The dropdowns on the page: index and label.
    pub fn selects(&self) -> Vec<(u32, String)> {
        let els = self.state.elements.iter().filter(|el| el.tag == "select" && !is_disabled(el));
        els.map(|el| (el.index, field_label(el))).collect()
    }

    /// The button that submits the form: the best `form::submit_score` above 0, never the one clicked last.
    pub fn submit_button(&self, prompt_tokens: &[String]) -> Option<u32> {
        let mut best: Option<(f64, u32)> = None;
        for el in self.state.elements.iter().filter(|el| is_clickable(el) && !self.just_clicked(el)) {
            let s = super::form::submit_score(el, prompt_tokens);
            if s > 0.0 && best.is_none_or(|(b, _)| s > b) {
                best = Some((s, el.index));
            }
        }
        best.map(|(_, i)| i)
    }

    /// The link or button to page `n` of a paginated list: text exactly `n`, or a label naming "page n".
    pub fn page_link(&self, n: u32) -> Option<u32> {
        let want = n.to_string();
        let clickable = || self.state.elements.iter().filter(|el| is_clickable(el));
        clickable().find(|el| el.text.trim() == want).map(|el| el.index).or_else(|| {
            clickable()
                .find(|el| {
                    let t = tokens(&format!(
                        "{} {}",
                        attr(el, "aria-label").unwrap_or(""),
                        attr(el, "title").unwrap_or("")
                    ));
                    t.iter().any(|w| w == "page") && t.contains(&want)
                })
                .map(|el| el.index)
        })
    }

    /// The best clickable element for any of `phrases` (buttons like "Sign in" / "Log in").
    pub fn best_clickable(&self, phrases: &[&str]) -> Option<u32> {
        phrases.iter().find_map(|p| self.best_match(p, false))
    }

    pub fn password_input(&self) -> Option<u32> {
        self.state.elements.iter().find(|el| el.tag == "input" && input_type(el) == "password").map(|el| el.index)
    }

    pub fn user_input(&self) -> Option<u32> {
        let els = self.state.elements.iter().filter(|el| is_text_input(el) && input_type(el) != "password");
        self.best("username user email login", els.clone()).or_else(|| {
            let names: Vec<&ElementInfo> = els.collect();
            names
                .iter()
                .find(|el| {
                    tokens(&super::text::element_text(el))
                        .iter()
                        .any(|t| t == "user" || t == "username" || t == "email")
                })
                .map(|el| el.index)
        })
    }

    /// The search box: a text input named or labelled like a search, or the only text input on the page.
    pub fn search_input(&self) -> Option<u32> {
        let inputs: Vec<&ElementInfo> = self.state.elements.iter().filter(|el| is_text_input(el)).collect();
        let searchy = inputs.iter().find(|el| {
            input_type(el) == "search"
                || el.role.as_deref() == Some("searchbox")
                || attr(el, "name").is_some_and(|n| n == "q" || n == "query")
                || tokens(&super::text::element_text(el)).iter().any(|t| t == "search")
        });
        searchy.or(if inputs.len() == 1 { inputs.first() } else { None }).map(|el| el.index)
    }

    /// An "add to cart" button for `item`: one whose own label names the item, else (on the item's own page, whose
    /// title names it) the first add-to-cart button.
    pub fn add_to_cart_button(&self, item: &str) -> Option<u32> {
        let buttons: Vec<&ElementInfo> = self
            .state
            .elements
            .iter()
            .filter(|el| {
                let t = tokens(&super::text::element_text(el));
                is_clickable(el) && t.iter().any(|w| w == "add") && t.iter().any(|w| w == "cart")
            })
            .collect();
        if buttons.is_empty() {
            return None;
        }
        let target = tokens(item);
        let named = buttons.iter().copied().filter(|el| {
            let t = tokens(&el.attributes.get("aria-label").cloned().unwrap_or_default());
            let hits = target.iter().filter(|w| t.contains(w)).count();
            !target.is_empty() && hits as f64 / target.len() as f64 >= self.opts.match_threshold.max(0.5)
        });
        if let Some(i) = self.best(item, named) {
            return Some(i);
        }
        let title: Vec<String> = tokens(&self.state.title);
        let hits = target.iter().filter(|w| title.contains(w)).count();
        let on_item_page =
            !target.is_empty() && hits as f64 / target.len() as f64 >= self.opts.match_threshold.max(0.5);
        let unnamed = buttons.iter().find(|el| {
            !tokens(&el.attributes.get("aria-label").cloned().unwrap_or_default())
                .iter()
                .any(|w| w != "add" && w != "cart")
        });
        if on_item_page { unnamed.map(|el| el.index) } else { None }
    }

    /// The input (or select: `true`) whose label best matches a field description.
    pub fn input_for(&self, field: &str) -> Option<(u32, bool)> {
        let els = self.state.elements.iter().filter(|el| (is_text_input(el) || el.tag == "select") && !is_disabled(el));
        let i = self.best(field, els)?;
        let is_select = self.state.elements.iter().any(|el| el.index == i && el.tag == "select");
        Some((i, is_select))
    }

    /// A credential shown on the page as `Username: demo` / `Password: demo123`.
    pub fn credential(&self, kind: &str) -> Option<String> {
        let text = visible_text(&self.state.serialized);
        let pattern = format!(r"(?i)\b{kind}(?:name)?\s*:\s*([^\s·,;]+)");
        let re = Regex::new(&pattern).ok()?;
        re.captures(&text).map(|c| c[1].to_string())
    }

    /// The `n`-th (1-based; `u32::MAX` for the last) element of a kind, in page order: `input` (text fields),
    /// `button`, `link`, `checkbox`.
    pub fn nth(&self, kind: &str, n: u32) -> Option<u32> {
        let of_kind: Vec<&ElementInfo> = self
            .state
            .elements
            .iter()
            .filter(|el| match kind {
                "input" => is_text_input(el),
                "button" => {
                    el.tag == "button"
                        || (el.tag == "input" && matches!(input_type(el).as_str(), "button" | "submit" | "reset"))
                        || el.role.as_deref() == Some("button")
                }
                "link" => el.tag == "a" || el.role.as_deref() == Some("link"),
                "checkbox" => el.tag == "input" && input_type(el) == "checkbox",
                _ => false,
            })
            .collect();
        let i = if n == u32::MAX { of_kind.len().checked_sub(1)? } else { usize::try_from(n).ok()?.checked_sub(1)? };
        of_kind.get(i).map(|el| el.index)
    }

    /// The button that dismisses a cookie or consent banner, when the page shows one (its text speaks of cookies,
    /// consent or privacy): a "reject" / "necessary only" choice first, else "accept" / "agree" / "got it", else
    /// "close". With `any_overlay`, also a close / dismiss / "no thanks" button on a page without such words (an
    /// overlay that hides what the task needs).
    pub fn dismiss_button(&self, any_overlay: bool) -> Option<u32> {
        const REJECT: &[&str] =
            &["reject all", "reject", "decline", "necessary only", "only necessary", "essential only"];
        const ACCEPT: &[&str] = &["accept all", "accept", "i agree", "agree", "allow all", "got it", "ok", "okay"];
        const CLOSE: &[&str] = &["close", "dismiss", "no thanks", "not now", "maybe later", "skip", "\u{d7}", "x"];
        let text = visible_text(&self.state.serialized).to_lowercase();
        let consent = ["cookie", "consent", "privacy", "gdpr", "tracking"].iter().any(|w| text.contains(w));
        let labelled = |phrases: &[&str]| {
            self.state.elements.iter().filter(|el| is_clickable(el) && !self.just_clicked(el)).find(|el| {
                let label = format!("{} {}", el.text, attr(el, "aria-label").unwrap_or("")).to_lowercase();
                let words: Vec<&str> =
                    label.split(|c: char| !c.is_alphanumeric() && c != '\u{d7}').filter(|w| !w.is_empty()).collect();
                words.len() <= 4
                    && phrases.iter().any(|p| {
                        let pw: Vec<&str> = p.split(' ').collect();
                        words.windows(pw.len()).any(|w| w == pw.as_slice())
                    })
            })
        };
        let found =
            if consent { labelled(REJECT).or_else(|| labelled(ACCEPT)).or_else(|| labelled(CLOSE)) } else { None };
        found.or_else(|| if any_overlay { labelled(CLOSE) } else { None }).map(|el| el.index)
    }

    /// The link to follow to answer a question when the page itself does not name what is asked about: the link
    /// sharing most of the question's specific words (five letters or more, or with a digit) that this page's text
    /// outside its links lacks; ties go to the link with fewer words.
    pub fn link_for_question(&self, question: &str) -> Option<u32> {
        let q = self.target_tokens(question);
        let specific: Vec<&String> =
            q.iter().filter(|t| t.len() >= 5 || t.chars().any(|c| c.is_ascii_digit())).collect();
        if specific.is_empty() {
            return None;
        }
        let mut outside = visible_text(&self.state.serialized).to_lowercase();
        for el in self.state.elements.iter().filter(|el| el.tag == "a") {
            let t = el.text.to_lowercase();
            if !t.is_empty() {
                outside = outside.replace(&t, " ");
            }
        }
        let outside: std::collections::BTreeSet<String> = tokens(&outside).into_iter().collect();
        let missing: Vec<&&String> = specific.iter().filter(|t| !outside.contains(**t)).collect();
        if missing.is_empty() {
            return None;
        }
        let mut best: Option<(usize, usize, u32)> = None;
        for el in self.state.elements.iter().filter(|el| {
            is_clickable(el) && !self.just_clicked(el) && (el.tag == "a" || el.role.as_deref() == Some("link"))
        }) {
            let have: Vec<String> = tokens(&super::text::element_text(el));
            let hits = missing.iter().filter(|t| have.contains(t)).count();
            if hits == 0 {
                continue;
            }
            let size = tokens(&el.text).len();
            if best.is_none_or(|(h, s, _)| hits > h || (hits == h && size < s)) {
                best = Some((hits, size, el.index));
            }
        }
        best.map(|(_, _, i)| i)
    }
}
