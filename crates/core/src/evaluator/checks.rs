//! Evaluating a task's success check against the real final state: the active tab (through `PageProbe`, which the
//! browser session implements), the agent's final answer and the backend submissions of the attempt.
//!
//! Scores: a leaf scores 1 or 0; `all:` scores the mean of its children's scores (for a flat list: the fraction of
//! its leaf checks that passed); `any:` scores the maximum of its children's. A probe error fails that check with the
//! error as evidence. A failed check never scores 1 and no score leaves [0, 1].
//!
//! `evaluate_check(&check, &CheckInput { probe, answer, submissions }).await -> CheckResult` runs against the page
//! through the `PageProbe` trait (`current_url`, `eval_js`) and returns `passed`, `score` and one
//! `Evidence { check, passed, observed }` per leaf.

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::suite::{AnswerCheck, Check, ElementTextCheck, SubmissionCheck};
use crate::sites::Submission;

/// Read access to the page the agent finished on (its active tab, top-level document).
pub trait PageProbe: Send + Sync {
    /// The full URL of the active tab.
    fn current_url<'a>(&'a self) -> BoxFuture<'a, Result<String, String>>;
    /// Evaluate a synchronous JavaScript expression in the page and return its JSON value; a thrown error is `Err`.
    fn eval_js<'a>(&'a self, expr: &'a str) -> BoxFuture<'a, Result<serde_json::Value, String>>;
}

/// Everything a check may look at.
pub struct CheckInput<'a> {
    pub probe: &'a dyn PageProbe,
    /// The agent's `done` text; `None` when it gave none (every `answer` check then fails).
    pub answer: Option<&'a str>,
    /// The submissions the backend received during this attempt.
    pub submissions: &'a [Submission],
}

/// One leaf check's outcome: what it was, whether it passed, and the value it saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Evidence {
    /// The check's path and description, e.g. `all[1]: element_text "#cart-count" equals "1"`.
    pub check: String,
    pub passed: bool,
    /// The value the check saw (URL, element text, JS value, answer, submissions), or the probe error.
    pub observed: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct CheckResult {
    pub passed: bool,
    /// In [0, 1]; 1 only when passed.
    pub score: f64,
    pub evidence: Vec<Evidence>,
}

/// Evaluate `check` against the final state.
pub async fn evaluate_check(check: &Check, input: &CheckInput<'_>) -> CheckResult {
    let mut evidence = Vec::new();
    let (passed, score) = eval(check, input, String::new(), &mut evidence).await;
    let score = if passed { score.clamp(0.0, 1.0) } else { score.clamp(0.0, 1.0).min(PARTIAL_MAX) };
    CheckResult { passed, score, evidence }
}

/// The highest score a failed check can get (guards against rounding up to 1).
const PARTIAL_MAX: f64 = 0.999_999;

fn eval<'a>(
    check: &'a Check,
    input: &'a CheckInput<'a>,
    path: String,
    evidence: &'a mut Vec<Evidence>,
) -> BoxFuture<'a, (bool, f64)> {
    Box::pin(async move {
        match check {
            Check::All(list) | Check::Any(list) => {
                let all = matches!(check, Check::All(_));
                let key = if all { "all" } else { "any" };
                let mut results = Vec::with_capacity(list.len());
                for (i, inner) in list.iter().enumerate() {
                    let sub = if path.is_empty() { format!("{key}[{i}]") } else { format!("{path}.{key}[{i}]") };
                    results.push(eval(inner, input, sub, evidence).await);
                }
                if results.is_empty() {
                    return (false, 0.0);
                }
                if all {
                    let passed = results.iter().all(|(p, _)| *p);
                    let score = results.iter().map(|(_, s)| s).sum::<f64>() / results.len() as f64;
                    (passed, if passed { score } else { score.min(PARTIAL_MAX) })
                } else {
                    let passed = results.iter().any(|(p, _)| *p);
                    let score = results.iter().map(|(_, s)| *s).fold(0.0, f64::max);
                    (passed, if passed { score } else { score.min(PARTIAL_MAX) })
                }
            }
            leaf => {
                let (label, passed, observed) = eval_leaf(leaf, input).await;
                let check = if path.is_empty() { label } else { format!("{path}: {label}") };
                evidence.push(Evidence { check, passed, observed });
                (passed, if passed { 1.0 } else { 0.0 })
            }
        }
    })
}

/// A short rendering of a value for labels: at most 80 chars.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

async fn eval_leaf(check: &Check, input: &CheckInput<'_>) -> (String, bool, String) {
    match check {
        Check::UrlMatches(re) => {
            let label = format!("url_matches {:?}", short(re));
            match (regex::Regex::new(re), input.probe.current_url().await) {
                (Err(e), _) => (label, false, format!("invalid regex: {e}")),
                (_, Err(e)) => (label, false, format!("probe error: {e}")),
                (Ok(r), Ok(url)) => (label, r.is_match(&url), url),
            }
        }
        Check::ElementText(c) => element_text(c, input).await,
        Check::Js(expr) => {
            let label = format!("js {:?}", short(expr));
            match input.probe.eval_js(&format!("({expr})")).await {
                Ok(value) => (label, value == serde_json::Value::Bool(true), value.to_string()),
                Err(e) => (label, false, format!("probe error: {e}")),
            }
        }
        Check::Answer(a) => answer(a, input.answer),
        Check::Submission(s) => submission(s, input.submissions),
        Check::All(_) | Check::Any(_) => ("all/any".to_string(), false, "nested check evaluated as a leaf".into()),
    }
}

/// Trim and collapse every run of whitespace to one space.
pub fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn element_text(c: &ElementTextCheck, input: &CheckInput<'_>) -> (String, bool, String) {
    let (mode, expected) = match (&c.equals, &c.contains) {
        (Some(e), _) => ("equals", e.as_str()),
        (None, Some(x)) => ("contains", x.as_str()),
        (None, None) => ("equals", ""),
    };
    let label = format!("element_text {:?} {mode} {:?}", c.selector, short(expected));
    let selector = serde_json::Value::String(c.selector.clone()).to_string();
    let expr = format!(
        "(() => {{ const el = document.querySelector({selector}); return el === null ? null : el.innerText; }})()"
    );
    match input.probe.eval_js(&expr).await {
        Err(e) => (label, false, format!("probe error: {e}")),
        Ok(serde_json::Value::String(text)) => {
            let text = collapse_whitespace(&text);
            let passed = if mode == "equals" { text == expected } else { text.contains(expected) };
            (label, passed, text)
        }
        Ok(serde_json::Value::Null) => (label, false, "no element matches the selector".to_string()),
        Ok(other) => (label, false, format!("unexpected value {other}")),
    }
}

/// Normalise an answer for `equals`: trim, collapse whitespace, lower-case, drop one trailing `.`.
pub fn normalize_answer(s: &str) -> String {
    let s = collapse_whitespace(s).to_lowercase();
    s.strip_suffix('.').map(str::to_string).unwrap_or(s)
}

/// The first number in `s` after removing thousands separators between digits (`$1,204.50` → 1204.5).
pub fn first_number(s: &str) -> Option<f64> {
    let chars: Vec<char> = s.chars().collect();
    let cleaned: String = chars
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            !(**c == ','
                && i.checked_sub(1).and_then(|p| chars.get(p)).is_some_and(|p| p.is_ascii_digit())
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit()))
        })
        .map(|(_, c)| *c)
        .collect();
    let re = regex::Regex::new(r"-?\d+(?:\.\d+)?").ok()?;
    re.find(&cleaned).and_then(|m| m.as_str().parse().ok())
}

fn answer(a: &AnswerCheck, given: Option<&str>) -> (String, bool, String) {
    let label = match (&a.equals, &a.contains, &a.regex, a.number) {
        (Some(e), ..) => format!("answer equals {:?}", short(e)),
        (_, Some(c), ..) => format!("answer contains {:?}", short(c)),
        (_, _, Some(r), _) => format!("answer regex {:?}", short(r)),
        (.., Some(n)) => format!("answer number {n} ± {}", a.tolerance.unwrap_or(0.0)),
        _ => "answer".to_string(),
    };
    let Some(text) = given else { return (label, false, "(no answer)".to_string()) };
    let passed = if let Some(e) = &a.equals {
        normalize_answer(text) == normalize_answer(e)
    } else if let Some(c) = &a.contains {
        collapse_whitespace(text).to_lowercase().contains(&collapse_whitespace(c).to_lowercase())
    } else if let Some(r) = &a.regex {
        regex::Regex::new(r).map(|re| re.is_match(text)).unwrap_or(false)
    } else if let Some(n) = a.number {
        first_number(text).is_some_and(|x| (x - n).abs() <= a.tolerance.unwrap_or(0.0) + f64::EPSILON * n.abs())
    } else {
        false
    };
    (label, passed, text.to_string())
}

fn submission(s: &SubmissionCheck, received: &[Submission]) -> (String, bool, String) {
    let label = format!("submission {}/{} with {} field(s)", s.site, s.form, s.fields.len());
    let same: Vec<&Submission> = received.iter().filter(|r| r.site == s.site && r.form == s.form).collect();
    if same.is_empty() {
        let got: Vec<String> = received.iter().map(|r| format!("{}/{}", r.site, r.form)).collect();
        let observed = if got.is_empty() {
            "no submissions received".to_string()
        } else {
            format!("no {}/{} submission (received: {})", s.site, s.form, got.join(", "))
        };
        return (label, false, observed);
    }
    let mismatches = |r: &Submission| -> Vec<String> {
        s.fields
            .iter()
            .filter_map(|(k, want)| match r.fields.get(k) {
                Some(v) if v.trim() == want.trim() => None,
                Some(v) => Some(format!("{k}={v:?} (want {want:?})")),
                None => Some(format!("{k} missing")),
            })
            .collect()
    };
    if let Some(ok) = same.iter().find(|r| mismatches(r).is_empty()) {
        return (label, true, format!("submission {} matches", ok.id));
    }
    let best = same.iter().map(|r| (r.id.clone(), mismatches(r))).min_by_key(|(_, m)| m.len());
    let observed = match best {
        Some((id, m)) => format!("{} submission(s); closest {id}: {}", same.len(), m.join(", ")),
        None => "no matching submission".to_string(),
    };
    (label, false, observed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_normalise_and_numbers_parse() {
        assert_eq!(normalize_answer("  The  Aurora\nBridge. "), "the aurora bridge");
        assert_eq!(first_number("Total: $1,204.50 incl."), Some(1204.5));
        assert_eq!(first_number("-3 degrees"), Some(-3.0));
        assert_eq!(first_number("a, 1,2"), Some(12.0));
        assert_eq!(first_number("none"), None);
        let eq =
            AnswerCheck { equals: Some("Oslo".into()), contains: None, regex: None, number: None, tolerance: None };
        assert!(answer(&eq, Some(" oslo. ")).1);
        assert!(!answer(&eq, Some("Oslo, Norway")).1);
        assert!(!answer(&eq, None).1);
        let num =
            AnswerCheck { equals: None, contains: None, regex: None, number: Some(43.73), tolerance: Some(0.001) };
        assert!(answer(&num, Some("$43.73")).1);
        assert!(!answer(&num, Some("$43.80")).1);
    }
}
