//! Word-level text helpers of the baseline planner: tokenising (lower-case, stop words dropped, a crude plural
//! stem), quoted phrases, element scoring by token overlap, and picking the sentence that best answers a question.

use std::collections::BTreeSet;

use crate::browser::types::ElementInfo;

/// Words that carry no meaning for matching an instruction to a page.
const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "and",
    "or",
    "of",
    "to",
    "in",
    "on",
    "for",
    "with",
    "at",
    "by",
    "from",
    "as",
    "is",
    "are",
    "was",
    "be",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "me",
    "my",
    "i",
    "you",
    "your",
    "then",
    "there",
    "their",
    "into",
    "onto",
    "up",
    "out",
    "only",
    "all",
    "any",
    "some",
    "please",
    "page",
    "also",
    "again",
    "do",
    "does",
    "did",
    "what",
    "which",
    "who",
    "whom",
    "whose",
    "how",
    "when",
    "where",
    "why",
    "many",
    "much",
    "tell",
    "answer",
    "find",
    "use",
    "using",
    "show",
    "shown",
    "open",
    "go",
    "click",
    "read",
    "visit",
    "press",
    "select",
    "choose",
    "navigate",
    "about",
    "has",
    "have",
    "had",
    "so",
    "if",
    "than",
    "more",
    "most",
    "one",
    "once",
    "just",
    "will",
    "can",
    "should",
    "would",
    "could",
    "sure",
    "make",
    "let",
    "get",
    "give",
    "there",
    "here",
    "them",
    "they",
    "he",
    "she",
    "his",
    "her",
    "number",
    "name",
    "full",
    "same",
    "currently",
    "out",
];

pub fn is_stop_word(w: &str) -> bool {
    STOP_WORDS.contains(&w)
}

/// Lower-case alphanumeric words, in order (no filtering).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Crude English plural stemming: `shoes` → `shoe`, `categories` → `category`; short words are left alone.
pub fn stem(w: &str) -> String {
    if w.len() > 4 && w.ends_with("ies") {
        format!("{}y", &w[..w.len() - 3])
    } else if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        w[..w.len() - 1].to_string()
    } else {
        w.to_string()
    }
}

/// Content tokens: words without stop words, stemmed, in order, without duplicates.
pub fn tokens(text: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    words(text).into_iter().filter(|w| !is_stop_word(w)).map(|w| stem(&w)).filter(|w| seen.insert(w.clone())).collect()
}

/// Phrases in single or double quotes (straight or curly). An apostrophe inside a word (`men's`) is not a quote.
pub fn quoted_phrases(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let close = match c {
            '"' => Some('"'),
            '\'' => Some('\''),
            '\u{2018}' => Some('\u{2019}'),
            '\u{201c}' => Some('\u{201d}'),
            _ => None,
        };
        let opens = close.is_some() && (i == 0 || !chars[i - 1].is_alphanumeric());
        if let (Some(close), true) = (close, opens) {
            let end = (i + 1..chars.len())
                .find(|&j| chars[j] == close && (j + 1 == chars.len() || !chars[j + 1].is_alphanumeric()) && j > i + 1);
            if let Some(j) = end {
                out.push(chars[i + 1..j].iter().collect::<String>().trim().to_string());
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Everything an element shows or is named by, as one text (label, aria-label, placeholder, text, name, id, title,
/// alt, value and the words of its href).
pub fn element_text(el: &ElementInfo) -> String {
    let mut parts = vec![el.text.clone()];
    for key in ["label", "aria-label", "placeholder", "name", "id", "title", "alt", "value", "href"] {
        if let Some(v) = el.attributes.get(key) {
            parts.push(v.clone());
        }
    }
    parts.join(" ")
}

/// How well an element matches target tokens: the fraction of target tokens found among the element's tokens, plus
/// 0.5 when the element's visible text or label contains the whole phrase.
pub fn score(target: &[String], phrase: &str, el: &ElementInfo) -> f64 {
    if target.is_empty() {
        return 0.0;
    }
    // Every word counts on the element's side: a target made only of stop words ("ONE") still matches its button.
    let have: BTreeSet<String> = words(&element_text(el)).iter().map(|w| stem(w)).collect();
    let hits = target.iter().filter(|t| have.contains(*t)).count();
    let mut s = hits as f64 / target.len() as f64;
    let phrase = phrase.trim().to_lowercase();
    if !phrase.is_empty() {
        let shown = format!(
            "{} {}",
            el.text.to_lowercase(),
            el.attributes.get("aria-label").map(|s| s.to_lowercase()).unwrap_or_default()
        );
        if shown.contains(&phrase) {
            s += 0.5;
        }
    }
    s
}

/// Sentences (and lines) of a text, trimmed, non-empty.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut start = 0;
        let bytes: Vec<char> = line.chars().collect();
        for (i, c) in bytes.iter().enumerate() {
            let ends = matches!(c, '.' | '!' | '?') && bytes.get(i + 1).is_none_or(|n| n.is_whitespace());
            let decimal = *c == '.'
                && i > 0
                && bytes[i - 1].is_ascii_digit()
                && bytes.get(i + 1).is_some_and(|n| n.is_ascii_digit());
            if ends && !decimal {
                push_trimmed(&mut out, bytes[start..=i].iter().collect());
                start = i + 1;
            }
        }
        if start < bytes.len() {
            push_trimmed(&mut out, bytes[start..].iter().collect());
        }
    }
    out
}

fn push_trimmed(out: &mut Vec<String>, s: String) {
    let s = s.trim().trim_start_matches(['-', '*', '•', '·']).trim().to_string();
    if s.chars().any(char::is_alphanumeric) {
        out.push(s);
    }
}

/// The sentence of `text` sharing the most tokens with `question` (ties: the earlier one); with `want_number`, only
/// sentences containing a number count. `None` when no sentence shares any token.
pub fn best_sentence(text: &str, question: &[String], want_number: bool) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for s in sentences(text) {
        if want_number && first_number(&s).is_none() {
            continue;
        }
        let have: BTreeSet<String> = tokens(&s).into_iter().collect();
        let hits = question.iter().filter(|t| have.contains(*t)).count();
        if hits > 0 && best.as_ref().is_none_or(|(h, _)| hits > *h) {
            best = Some((hits, s));
        }
    }
    best.map(|(_, s)| s)
}

/// The first number in a text (thousands separators removed, decimal part kept): `$1,204.50` → `1204.50`.
pub fn first_number(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let start = chars.iter().position(|c| c.is_ascii_digit())?;
    let mut out = String::new();
    let mut i = start;
    while i < chars.len() {
        let c = chars[i];
        let next_digit = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_ascii_digit() {
            out.push(c);
        } else if c == ',' && next_digit {
        } else if c == '.' && next_digit && !out.contains('.') {
            out.push(c);
        } else {
            break;
        }
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_drop_stop_words_and_stem_plurals() {
        assert_eq!(tokens("Add the Trail Runner 2 shoes to the cart"), ["add", "trail", "runner", "2", "shoe", "cart"]);
        assert_eq!(tokens("categories"), ["category"]);
    }

    #[test]
    fn quoted_phrases_ignore_apostrophes_in_words() {
        assert_eq!(
            quoted_phrases("Search for 'lighthouse' and open \"The Last Keepers\" for men's size"),
            ["lighthouse", "The Last Keepers"]
        );
        assert_eq!(quoted_phrases("it’s ‘curly’ here"), ["curly"]);
    }

    #[test]
    fn numbers_and_sentences() {
        assert_eq!(first_number("Total: $1,204.50 today").as_deref(), Some("1204.50"));
        assert_eq!(first_number("no digits"), None);
        assert_eq!(
            sentences("It is 4.5 km long. Built in 1901!\nNext line"),
            ["It is 4.5 km long.", "Built in 1901!", "Next line"]
        );
        let q = tokens("How long is the tunnel?");
        assert_eq!(
            best_sentence("The bridge is old. The tunnel is 12 km long. Tunnels are dark.", &q, true).as_deref(),
            Some("The tunnel is 12 km long.")
        );
    }
}
