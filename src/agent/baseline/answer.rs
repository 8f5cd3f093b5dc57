//! Answering a question from page text for the baseline planner, by a few fixed strategies tried in order: a
//! "which X is <predicate>" question answered with the element named just before the predicate, a `Label: value`
//! pair whose label the question names, a number followed by the unit the question asks for ("how many GB"), an
//! error sentence for an error question, and the sentence sharing the most words with the question.

use std::sync::LazyLock;

use regex::Regex;

use super::pick::visible_text;
use super::text::{best_sentence, first_number, sentences, tokens, words};

static WHICH: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:which|who|what)\b.*?\b(?:is|are|was|were|has|have)\s+(?:currently\s+|now\s+|still\s+)?(.+?)\s*\?").ok()
});
static ELEMENT_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\[\d+\]<(?:a|h[1-6])\b[^>]*>([^<]+)</").ok());
static HOW_MANY: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?i)\bhow\s+(?:many|much)\s+(\w+)").ok());

/// Words that mark an error or validation message.
const ERROR_WORDS: &[&str] =
    &["invalid", "incorrect", "wrong", "error", "failed", "must", "required", "valid", "cannot", "missing"];

/// The extract action's output without its `Content of URL (for: …)` header.
pub fn strip_extract_header(output: &str) -> &str {
    if output.starts_with("Content of ") {
        output.split_once("\n\n").map(|(_, rest)| rest).unwrap_or("")
    } else {
        output
    }
}

/// For "Which product … is currently out of stock?": the predicate ("out of stock"), when the question wants a name.
pub fn which_predicate(question: &str) -> Option<String> {
    let c = WHICH.as_ref()?.captures(question)?;
    let p = c[1].trim().to_string();
    (!tokens(&p).is_empty()).then_some(p)
}

/// The text of the link or heading closest before the first line of the serialised page that contains `predicate`.
/// `None` when the predicate is not on the page (or nothing named precedes it).
pub fn name_before(serialized: &str, predicate: &str) -> Option<String> {
    let needle = predicate.to_lowercase();
    let lines: Vec<&str> = serialized.lines().collect();
    let at = lines.iter().position(|l| visible_text(l).to_lowercase().contains(&needle))?;
    let re = ELEMENT_LINE.as_ref()?;
    lines[..at].iter().rev().find_map(|l| re.captures(l).map(|c| c[1].trim().to_string())).filter(|s| !s.is_empty())
}

/// `Status: Out for delivery` → "Out for delivery" when the question names `status`. The value runs to the end of
/// the line or sentence; markdown emphasis is dropped.
pub fn labelled_value(text: &str, question: &[String]) -> Option<String> {
    for line in text.lines() {
        let clean = line.replace(['*', '_', '`'], "");
        let Some((label, value)) = clean.split_once(':') else { continue };
        let label_tokens = tokens(label);
        if label_tokens.is_empty() || label_tokens.len() > 4 || !label_tokens.iter().all(|t| question.contains(t)) {
            continue;
        }
        let value = value.split(". ").next().unwrap_or("").trim().trim_end_matches('.').trim();
        if !value.is_empty() && words(value).len() <= 12 {
            return Some(value.to_string());
        }
    }
    None
}

/// For "how many GB …": the first number directly followed by that unit (`38.2 GB of 100 GB` → 38.2).
pub fn unit_number(text: &str, question: &str) -> Option<String> {
    let unit = HOW_MANY.as_ref()?.captures(question)?[1].to_lowercase();
    let re = Regex::new(&format!(r"(?i)(\d[\d,]*(?:\.\d+)?)\s*{}\b", regex::escape(&unit))).ok()?;
    re.captures(text).map(|c| c[1].replace(',', ""))
}

/// The first sentence that reads like an error or validation message.
pub fn error_sentence(text: &str) -> Option<String> {
    sentences(text).into_iter().find(|s| words(s).iter().any(|w| ERROR_WORDS.contains(&w.as_str())))
}

/// The answer to `question` from `text` (page text or extract output), by the strategies above except the
/// element-based `name_before`. Numbers are returned bare when `want_number`.
pub fn from_text(question: &str, want_number: bool, text: &str) -> Option<String> {
    let text = strip_extract_header(text);
    let q_tokens = tokens(question);
    if want_number && let Some(n) = unit_number(text, question) {
        return Some(n);
    }
    if let Some(v) = labelled_value(text, &q_tokens) {
        return Some(if want_number { first_number(&v).unwrap_or(v) } else { v });
    }
    let q_words = words(question);
    if q_words.iter().any(|w| w == "error") && let Some(s) = error_sentence(text) {
        return Some(s);
    }
    let sentence = best_sentence(text, &q_tokens, want_number)
        .or_else(|| if want_number { None } else { best_sentence(text, &q_tokens, false) })?;
    Some(if want_number { first_number(&sentence).unwrap_or(sentence) } else { sentence })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        assert!(WHICH.is_some() && ELEMENT_LINE.is_some() && HOW_MANY.is_some());
    }

    #[test]
    fn which_questions_are_answered_with_the_name_before_the_predicate() {
        let q = "Which product in the Outdoor category is currently out of stock? Answer with the product name.";
        assert_eq!(which_predicate(q).as_deref(), Some("out of stock"));
        let page = "[3]<a href=\"p?id=1\">Camp Lantern</a>\n$36.50 In stock\n[4]<button>Add to cart</button>\n\
                    Outdoor\n[5]<a href=\"p?id=2\">Trail Stove</a>\n$20.00 Out of stock\n[6]<button>Add</button>";
        assert_eq!(name_before(page, "out of stock").as_deref(), Some("Trail Stove"));
        assert_eq!(name_before(page, "sold by weight"), None);
    }

    #[test]
    fn labels_units_and_errors() {
        let q = tokens("Track order BX-1 and tell me its delivery status.");
        assert_eq!(labelled_value("Order BX-1\nStatus: **Out for delivery**\nMore text.", &q).as_deref(), Some("Out for delivery"));
        let storage = "Plan: Team Pro\n## Storage used\n38.2 GB of 100 GB\nAPI calls 12,480 of 50,000";
        assert_eq!(unit_number(storage, "how many GB of storage is used?").as_deref(), Some("38.2"));
        assert_eq!(from_text("How many GB of storage does it use?", true, storage).as_deref(), Some("38.2"));
        let page = "Content of http://x/ (for: What error message is shown?)\n\nSign in. Invalid username or password.";
        assert_eq!(from_text("What error message is shown?", false, page).as_deref(), Some("Invalid username or password."));
    }
}
