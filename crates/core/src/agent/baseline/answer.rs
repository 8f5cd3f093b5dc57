//! Answering a question from page text for the baseline planner, by a few fixed strategies tried in order: a
//! "which X is <predicate>" question answered with the element named just before the predicate, a `Label: value`
//! pair whose label the question names, a number followed by the unit the question asks for ("how many GB"), an
//! error sentence for an error question, and the sentence sharing the most words with the question.

use std::sync::LazyLock;

use regex::Regex;

use super::pick::visible_text;
use super::text::{best_sentence, first_number, sentences, tokens, words};

static WHICH: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:which|who|what)\b.*?\b(?:is|are|was|were|has|have)\s+(?:currently\s+|now\s+|still\s+)?(.+?)\s*\?",
    )
    .ok()
});
static ELEMENT_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\[\d+\]<(?:a|h[1-6])\b[^>]*>([^<]+)</").ok());
static HOW_MANY: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?i)\bhow\s+(?:many|much)\s+(\w+)").ok());
static URL: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\]\([^)\s]*\)|\b\w+://\S+").ok());
static MONEY: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"[$€£]\s?(\d[\d,]*(?:\.\d+)?)").ok());

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

/// The text without link targets and URLs (`[Title](http://…)` keeps `[Title`; a URL's digits are no answer).
pub fn without_urls(text: &str) -> String {
    match URL.as_ref() {
        Some(r) => r.replace_all(text, " ").to_string(),
        None => text.to_string(),
    }
}

/// For "the cheapest …" / "the most expensive …": the lowest or highest money amount in the text.
pub fn extreme_price(text: &str, question: &str) -> Option<String> {
    let q = words(question).join(" ");
    let low = ["cheapest", "lowest price", "least expensive"].iter().any(|w| q.contains(w));
    let high = ["most expensive", "highest price", "priciest"].iter().any(|w| q.contains(w));
    if !low && !high {
        return None;
    }
    let amounts = MONEY.as_ref()?.captures_iter(text).filter_map(|c| {
        let raw = c[1].replace(',', "");
        raw.parse::<f64>().ok().map(|v| (v, raw))
    });
    let pick =
        if low { amounts.min_by(|a, b| a.0.total_cmp(&b.0)) } else { amounts.max_by(|a, b| a.0.total_cmp(&b.0)) };
    pick.map(|(_, raw)| raw)
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
    labelled_value_for(text, question, None)
}

/// The attribute a "what X" / "which X" question asks for: the first content word after "what" or "which"
/// ("At what depth does …" → `depth`, "What is the status …" → `status`).
pub fn asked_attribute(question: &str) -> Option<String> {
    let w = words(question);
    let at = w.iter().position(|x| x == "what" || x == "which")?;
    w[at + 1..].iter().find(|x| !super::text::is_stop_word(x)).map(|x| super::text::stem(x))
}

/// `labelled_value`, and when the question asks for an attribute, only a label naming it ("The anglerfish: a
/// lantern in the dark" does not answer "at what depth does the anglerfish hunt?").
fn labelled_value_for(text: &str, question: &[String], asked: Option<&str>) -> Option<String> {
    for line in text.lines() {
        let clean = line.replace(['*', '_', '`'], "");
        let cells: Vec<&str> = clean.split('|').map(str::trim).filter(|c| !c.is_empty()).collect();
        let pair = if clean.trim_start().starts_with('|') && cells.len() >= 2 {
            Some((cells[0], cells[1]))
        } else {
            clean.split_once(':')
        };
        let Some((label, value)) = pair else { continue };
        let label_tokens = tokens(label);
        if label_tokens.is_empty() || label_tokens.len() > 4 || !label_tokens.iter().all(|t| question.contains(t)) {
            continue;
        }
        if asked.is_some_and(|a| !label_tokens.iter().any(|t| t == a)) {
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

/// The sentence that reads like an error or validation message and shares the most words with the question (ties:
/// the first).
pub fn error_sentence(text: &str, question: &[String]) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for s in sentences(text).into_iter().filter(|s| words(s).iter().any(|w| ERROR_WORDS.contains(&w.as_str()))) {
        let hits = tokens(&s).iter().filter(|t| question.contains(t)).count();
        if best.as_ref().is_none_or(|(b, _)| hits > *b) {
            best = Some((hits, s));
        }
    }
    best.map(|(_, s)| s)
}

/// The answer to `question` from `text` (page text or extract output), by the strategies above except the
/// element-based `name_before`. Numbers are returned bare when `want_number`.
pub fn from_text(question: &str, want_number: bool, text: &str) -> Option<String> {
    let text = without_urls(strip_extract_header(text));
    let text = text.as_str();
    let q_tokens = tokens(question);
    if let Some(p) = extreme_price(text, question) {
        return Some(p);
    }
    if want_number && let Some(n) = unit_number(text, question) {
        return Some(n);
    }
    if let Some(v) = labelled_value_for(text, &q_tokens, asked_attribute(question).as_deref()) {
        return Some(if want_number { first_number(&v).unwrap_or(v) } else { v });
    }
    let q_words = words(question);
    if q_words.iter().any(|w| w == "error")
        && let Some(s) = error_sentence(text, &q_tokens)
    {
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
        assert!(WHICH.is_some() && ELEMENT_LINE.is_some() && HOW_MANY.is_some() && URL.is_some() && MONEY.is_some());
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
        assert_eq!(
            labelled_value("Order BX-1\nStatus: **Out for delivery**\nMore text.", &q).as_deref(),
            Some("Out for delivery")
        );
        // A heading-like "Name: tagline" line does not answer a question about another attribute of that name.
        let article = "The anglerfish: a lantern in the dark\nThe anglerfish hunts at a depth of about 2,400 metres.";
        let q = "At what depth does the anglerfish hunt?";
        assert_eq!(asked_attribute(q).as_deref(), Some("depth"));
        assert_eq!(
            from_text(q, false, article).as_deref(),
            Some("The anglerfish hunts at a depth of about 2,400 metres.")
        );
        assert_eq!(asked_attribute("What is the status of BX-1?").as_deref(), Some("status"));
        let storage = "Plan: Team Pro\n## Storage used\n38.2 GB of 100 GB\nAPI calls 12,480 of 50,000";
        assert_eq!(unit_number(storage, "how many GB of storage is used?").as_deref(), Some("38.2"));
        assert_eq!(from_text("How many GB of storage does it use?", true, storage).as_deref(), Some("38.2"));
        let form = "First name is required. Enter a valid email address. Next";
        let q = "What error message is shown for the email field?";
        assert_eq!(from_text(q, false, form).as_deref(), Some("Enter a valid email address."));
        let row = "# Hannah Vogel\n| Office | Berlin |\n| Email | hannah@example.com |";
        assert_eq!(from_text("What is the email of Hannah Vogel?", false, row).as_deref(), Some("hannah@example.com"));
        let links = "[Rivers](http://127.0.0.1:4/a.html) is long. The Vellen river is 412 km long.";
        assert_eq!(from_text("How long is the Vellen river?", true, links).as_deref(), Some("412"));
        let prices = "Mug $12.00\nBoard $18.50\nKnife $9.75";
        assert_eq!(from_text("What is the price of the cheapest product?", true, prices).as_deref(), Some("9.75"));
        let page = "Content of http://x/ (for: What error message is shown?)\n\nSign in. Invalid username or password.";
        assert_eq!(
            from_text("What error message is shown?", false, page).as_deref(),
            Some("Invalid username or password.")
        );
    }
}
