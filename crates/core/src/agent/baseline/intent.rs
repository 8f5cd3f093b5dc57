//! Reading an instruction into an ordered list of goals (sign in, search, add to cart, fill, click, answer) by
//! verbs, phrases and quoted text. Only the task prompt is read here.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::text::{quoted_phrases, tokens};

/// One thing the instruction asks for, in the order it asks.
#[derive(Debug, Clone, PartialEq)]
pub enum Goal {
    /// Sign in; credentials from the instruction when given (else read from the page).
    Login {
        user: Option<String>,
        pass: Option<String>,
    },
    Search {
        query: String,
    },
    AddToCart {
        item: String,
    },
    /// (field words, value) pairs to type.
    Fill {
        fields: Vec<(String, String)>,
    },
    /// Click the element best matching this phrase.
    Click {
        target: String,
    },
    /// Answer a question; `want_number` when the answer is a number, amount or year.
    Answer {
        question: String,
        want_number: bool,
    },
    /// Fill the form on the page with the values the instruction gives for its fields, then submit it.
    Form {
        instruction: String,
    },
    /// Go to page `number` of a paginated list.
    Page {
        number: u32,
    },
    /// Click (focus) the `n`-th (1-based) element of a kind: `input` (text fields), `button`, `link`, `checkbox`.
    Nth {
        kind: String,
        n: u32,
    },
}

/// Verbs that start a new clause after "and" / "then".
const CLAUSE_VERBS: &[&str] = &[
    "open", "go", "click", "tell", "add", "search", "sign", "log", "turn", "fill", "submit", "send", "press", "enter",
    "find", "show", "scroll", "use", "copy", "come", "select", "remove", "put", "accept", "verify", "answer", "read",
];

/// A compiled pattern; the patterns are literals exercised by the unit tests, so `None` (never expected) simply
/// matches nothing.
type Pattern = LazyLock<Option<Regex>>;

fn caps<'t>(pattern: &Pattern, text: &'t str) -> Option<Captures<'t>> {
    pattern.as_ref().and_then(|r| r.captures(text))
}

static USER: Pattern = LazyLock::new(|| Regex::new(r#"(?i)\buser(?:name)?\s+['"]?([^\s'",]+)"#).ok());
static PASS: Pattern = LazyLock::new(|| Regex::new(r#"(?i)\bpassword\s+['"]?([^\s'",]+)"#).ok());
static SEARCH: Pattern =
    LazyLock::new(|| Regex::new(r#"(?i)\b(?:search|look up)\b(?:\s+(?:the|this)\s+\w+)?\s+for\s+(.+)"#).ok());
static CART: Pattern = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:add|put)\s+(.+?)\s+(?:to|in|into)\s+(?:the\s+)?(?:shopping\s+)?(?:cart|basket)").ok()
});
static FILL_WITH: Pattern =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:fill in|fill out|fill|type|enter)\s+(?:the\s+)?(.+?)\s+with\s+(.+)").ok());
static ENTER_AS: Pattern = LazyLock::new(|| Regex::new(r"(?i)\b(?:enter|type)\s+(.+?)\s+as\s+(?:the\s+)?(.+)").ok());
static PAGE_N: Pattern = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:go|jump|move|switch|navigate|open|show|view|turn)\b.*?\bpage\s+(?:number\s+)?(\d{1,3})\b")
        .ok()
});
static GO_TO: Pattern = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:go|jump|navigate|head|skip|move|switch|return|come)\s+(?:back\s+|straight\s+)?to\s+(.+)").ok()
});
static HERE_TAIL: Pattern = LazyLock::new(|| {
    Regex::new(r"(?i)\s+(?:of|on|in|from|at)\s+(?:this|the current)\s+(?:page|article|site|screen|section)\s*[.!]?$")
        .ok()
});
static ENTER_INTO: Pattern =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:enter|type|write|input|put)\s+(.+?)\s+(?:into|in)\s+(?:the\s+)?(.+)").ok());
static ORDINAL: Pattern = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\s+(input|text ?box|textbox|text field|field|button|link|checkbox)|\b(?:the\s+)?(first|second|third|fourth|fifth|sixth|last)\s+(input|text ?box|textbox|text field|field|button|link|checkbox)",
    )
    .ok()
});
static LEADING_QTY: Pattern =
    LazyLock::new(|| Regex::new(r"(?i)^(?:(?:exactly|one|a|an|the|some|two|three|\d+)\s+)+").ok());

/// Split an instruction into clauses: sentences, then "then" and "and <verb>" joints.
pub fn clauses(prompt: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut sentence = String::new();
    let chars: Vec<char> = prompt.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        sentence.push(*c);
        let end = matches!(c, '.' | '?' | '!') && chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        if end {
            split_joints(sentence.trim(), &mut out);
            sentence.clear();
        }
    }
    split_joints(sentence.trim(), &mut out);
    out
}

fn split_joints(sentence: &str, out: &mut Vec<String>) {
    if sentence.is_empty() {
        return;
    }
    let mut current: Vec<&str> = Vec::new();
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].to_lowercase();
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        let next = words.get(i + 1).map(|n| n.to_lowercase()).unwrap_or_default();
        let next = next.trim_matches(|c: char| !c.is_alphanumeric());
        let after_comma = current.last().is_some_and(|p| p.ends_with(','));
        let joint = match w {
            "then" => Some(1),
            "and" if next == "then" => Some(2),
            "and" if CLAUSE_VERBS.contains(&next) => Some(1),
            _ if after_comma && CLAUSE_VERBS.contains(&w) && w != "enter" => Some(0),
            _ => None,
        };
        match joint {
            Some(skip) if !current.is_empty() => {
                push_clause(&current, out);
                current.clear();
                i += skip;
            }
            _ => {
                current.push(words[i]);
                i += 1;
            }
        }
    }
    push_clause(&current, out);
}

fn push_clause(words: &[&str], out: &mut Vec<String>) {
    let clause = words.join(" ").trim().trim_end_matches(',').trim().to_string();
    if !clause.is_empty() {
        out.push(clause);
    }
}

/// The goals of an instruction, in order.
pub fn goals(prompt: &str) -> Vec<Goal> {
    let mut goals: Vec<Goal> = Vec::new();
    let form = is_form_task(prompt);
    if form {
        goals.push(Goal::Form { instruction: prompt.to_string() });
    }
    for clause in clauses(prompt) {
        let lower = clause.to_lowercase();
        if lower.starts_with("answer with") || lower.starts_with("answer in") {
            let wants = ["number", "amount", "price", "year", "dollars", "euros", "size", "count"];
            if let Some(Goal::Answer { want_number, .. }) =
                goals.iter_mut().rev().find(|g| matches!(g, Goal::Answer { .. }))
                && wants.iter().any(|w| lower.contains(w))
            {
                *want_number = true;
            }
            continue;
        }
        if form && !is_question(&clause, &lower) {
            // The form goal covers every instruction that is not a question.
            continue;
        }
        if let Some(goal) = classify(&clause, &lower) {
            goals.extend(goal);
        }
    }
    if goals.is_empty() && !tokens(prompt).is_empty() {
        goals.push(Goal::Click { target: prompt.to_string() });
    }
    goals
}

/// An instruction about a form: it says "form", or "fill in" / "fill out".
fn is_form_task(prompt: &str) -> bool {
    let lower = prompt.to_lowercase();
    let w = super::text::words(&lower);
    w.iter().any(|w| w == "form") || lower.contains("fill in") || lower.contains("fill out")
}

/// What a clause asks to click: its first quoted phrase; else what follows "go to" / "jump to"; without a trailing
/// "of this article" / "on this page" and end punctuation.
pub fn click_target(clause: &str) -> String {
    if let Some(q) = quoted_phrases(clause).into_iter().next() {
        return q;
    }
    let target = caps(&GO_TO, clause).map(|c| c[1].to_string()).unwrap_or_else(|| clause.to_string());
    let target = match HERE_TAIL.as_ref() {
        Some(r) => r.replace(&target, "").to_string(),
        None => target,
    };
    target.trim().trim_end_matches(['.', '!']).trim().to_string()
}

fn strip_quantity(s: &str) -> String {
    match LEADING_QTY.as_ref() {
        Some(r) => r.replace(s, "").to_string(),
        None => s.to_string(),
    }
}

fn is_question(clause: &str, lower: &str) -> bool {
    let first = lower.split_whitespace().next().unwrap_or("");
    clause.ends_with('?')
        || ["what", "which", "who", "how", "when", "where", "whose"].contains(&first)
        || lower.contains("tell me")
        || lower.contains("find out")
        || lower.starts_with("find the")
}

fn number_wanted(lower: &str) -> bool {
    ["how many", "how much", "how long", "how far", "which year", "what year", "price", "cost", "total", "number"]
        .iter()
        .any(|w| lower.contains(w))
}

fn classify(clause: &str, lower: &str) -> Option<Vec<Goal>> {
    let quoted = quoted_phrases(clause);
    if lower.contains("log out") || lower.contains("sign out") || lower.contains("logout") {
        return Some(vec![Goal::Click { target: "log out".into() }]);
    }
    if lower.contains("sign in") || lower.contains("log in") || lower.contains("login") || lower.contains("sign-in") {
        let user = caps(&USER, clause).map(|c| c[1].to_string());
        let pass = caps(&PASS, clause).map(|c| c[1].to_string());
        let mut out = vec![Goal::Login { user, pass }];
        if is_question(clause, lower) {
            out.push(Goal::Answer { question: clause.to_string(), want_number: number_wanted(lower) });
        }
        return Some(out);
    }
    if is_question(clause, lower) {
        return Some(vec![Goal::Answer { question: clause.to_string(), want_number: number_wanted(lower) }]);
    }
    if let Some(c) = caps(&SEARCH, clause) {
        let query = quoted.first().cloned().unwrap_or_else(|| c[1].trim_end_matches(['.', '!']).trim().to_string());
        return Some(vec![Goal::Search { query }]);
    }
    if let Some(c) = caps(&CART, clause) {
        let items = c[1].split(" and ").map(|s| strip_quantity(s.trim()));
        return Some(items.filter(|s| !s.is_empty()).map(|item| Goal::AddToCart { item }).collect());
    }
    if let Some(c) = caps(&FILL_WITH, clause) {
        let value = quoted.first().cloned().unwrap_or_else(|| c[2].trim_end_matches('.').trim().to_string());
        return Some(vec![Goal::Fill { fields: vec![(c[1].to_string(), value)] }]);
    }
    if let Some(c) = caps(&ENTER_INTO, clause)
        && !lower.contains(" as ")
    {
        let value = quoted.first().cloned().unwrap_or_else(|| c[1].trim().to_string());
        let field = c[2].trim_end_matches(['.', '!']).trim().to_string();
        return Some(vec![Goal::Fill { fields: vec![(field, value)] }]);
    }
    if let Some(c) = caps(&ENTER_AS, clause) {
        let value = quoted.first().cloned().unwrap_or_else(|| c[1].trim().to_string());
        return Some(vec![Goal::Fill { fields: vec![(c[2].trim_end_matches('.').to_string(), value)] }]);
    }
    if let Some(c) = caps(&PAGE_N, clause)
        && let Ok(number) = c[1].parse::<u32>()
    {
        return Some(vec![Goal::Page { number }]);
    }
    if let Some(goal) = nth(lower) {
        return Some(vec![goal]);
    }
    if let Some(targets) = list_targets(clause, lower, &quoted) {
        return Some(targets.into_iter().map(|target| Goal::Click { target }).collect());
    }
    let target = click_target(clause);
    let words = super::text::words(&target);
    (!words.is_empty()).then(|| vec![Goal::Click { target }])
}

/// "focus into the 2nd input textbox", "click the third button": the n-th element of a kind.
fn nth(lower: &str) -> Option<Goal> {
    let c = caps(&ORDINAL, lower)?;
    let (n, kind) = match (c.get(1), c.get(2), c.get(3), c.get(4)) {
        (Some(n), Some(k), _, _) => (n.as_str().parse().ok()?, k.as_str()),
        (_, _, Some(w), Some(k)) => {
            let n = match w.as_str() {
                "first" => 1,
                "second" => 2,
                "third" => 3,
                "fourth" => 4,
                "fifth" => 5,
                "sixth" => 6,
                _ => u32::MAX, // last
            };
            (n, k.as_str())
        }
        _ => return None,
    };
    let kind = match kind {
        "button" | "link" | "checkbox" => kind,
        _ => "input",
    };
    Some(Goal::Nth { kind: kind.to_string(), n })
}

/// "Select A, B and C", "click on 'X', 'Y'": one click per listed item, for a selecting verb followed by a list of
/// short items (several quoted phrases, or comma/"and"-separated names of at most three words each).
fn list_targets(clause: &str, lower: &str, quoted: &[String]) -> Option<Vec<String>> {
    let verb = lower.split_whitespace().next()?;
    if !["select", "check", "tick", "mark", "click", "choose", "pick"].contains(&verb) {
        return None;
    }
    if quoted.len() >= 2 {
        return Some(quoted.to_vec());
    }
    if !quoted.is_empty() {
        return None;
    }
    let rest = clause.split_once(char::is_whitespace)?.1.trim().trim_end_matches(['.', '!']);
    let rest = rest.strip_prefix("on ").unwrap_or(rest);
    let items: Vec<String> = rest
        .split(',')
        .flat_map(|part| part.split(" and "))
        .map(|s| s.trim().trim_start_matches("and ").trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let short = items.iter().all(|i| i.split_whitespace().count() <= 3);
    (items.len() >= 2 && short).then_some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for p in [
            &USER,
            &PASS,
            &SEARCH,
            &CART,
            &FILL_WITH,
            &ENTER_AS,
            &ENTER_INTO,
            &ORDINAL,
            &PAGE_N,
            &GO_TO,
            &HERE_TAIL,
            &LEADING_QTY,
        ] {
            assert!(p.is_some());
        }
    }

    #[test]
    fn splits_on_then_and_verb_joints_but_not_on_noun_lists() {
        assert_eq!(
            clauses("Add the Wool Beanie and the Canvas Tote to the cart, then remove the Wool Beanie."),
            ["Add the Wool Beanie and the Canvas Tote to the cart", "remove the Wool Beanie."]
        );
        assert_eq!(
            clauses(
                "Sign in to Acme Cloud with the demo account and tell me the storage. Answer with the number only."
            ),
            ["Sign in to Acme Cloud with the demo account", "tell me the storage.", "Answer with the number only."]
        );
    }

    #[test]
    fn recognises_the_intents() {
        assert_eq!(
            goals("Search the archive for 'lighthouse' and open the result titled 'The Last Lighthouse Keepers'."),
            [Goal::Search { query: "lighthouse".into() }, Goal::Click { target: "The Last Lighthouse Keepers".into() }]
        );
        assert_eq!(
            goals("Add the Wool Beanie and the Canvas Tote to the cart."),
            [Goal::AddToCart { item: "Wool Beanie".into() }, Goal::AddToCart { item: "Canvas Tote".into() }]
        );
        assert_eq!(
            goals("Try to sign in as user demo with the password 'letmein'."),
            [Goal::Login { user: Some("demo".into()), pass: Some("letmein".into()) }]
        );
        assert_eq!(
            goals("How many employees work in the Berlin office? Answer with a number."),
            [Goal::Answer { question: "How many employees work in the Berlin office?".into(), want_number: true }]
        );
        assert_eq!(
            goals("Type the email with 'a@b.c'."),
            [Goal::Fill { fields: vec![("email".into(), "a@b.c".into())] }]
        );
        assert_eq!(
            goals("Fill in the email with 'a@b.c'."),
            [Goal::Form { instruction: "Fill in the email with 'a@b.c'.".into() }]
        );
        assert_eq!(goals("Go to the Science section."), [Goal::Click { target: "the Science section".into() }]);
        assert_eq!(
            goals("Search the archive for 'river' and go to page 2 of the results."),
            [Goal::Search { query: "river".into() }, Goal::Page { number: 2 }]
        );
        assert_eq!(
            goals("Use the table of contents to jump to the Conclusion of this article."),
            [Goal::Click { target: "the Conclusion".into() }]
        );
        assert_eq!(
            goals("Enter \"Nathalie\" into the text field and press Submit."),
            [
                Goal::Fill { fields: vec![("text field".into(), "Nathalie".into())] },
                Goal::Click { target: "press Submit".into() }
            ]
        );
        assert_eq!(goals("Focus into the 2nd input textbox."), [Goal::Nth { kind: "input".into(), n: 2 }]);
        assert_eq!(goals("Click the third button."), [Goal::Nth { kind: "button".into(), n: 3 }]);
        assert_eq!(
            goals("Select O7c, EkoN3Ys, c9wV and click Submit."),
            [
                Goal::Click { target: "O7c".into() },
                Goal::Click { target: "EkoN3Ys".into() },
                Goal::Click { target: "c9wV".into() },
                Goal::Click { target: "click Submit".into() }
            ]
        );
        assert_eq!(
            goals("Click button ONE, then click button TWO."),
            [Goal::Click { target: "Click button ONE".into() }, Goal::Click { target: "click button TWO".into() }]
        );
        let form = "On the membership form, fill in the first name Jo and continue. What error is shown?";
        assert_eq!(
            goals(form),
            [
                Goal::Form { instruction: form.into() },
                Goal::Answer { question: "What error is shown?".into(), want_number: false }
            ]
        );
    }
}
