//! Form filling for the baseline planner: the value the instruction gives for a field, found by the field's label
//! ("the name Tom Baker", "email: a@b.c", "'dana@' as the email address", "date of birth 1991-07-14"), and the
//! button that submits or continues the form. Only the prompt text and the page's element labels are read.

use regex::Regex;

use super::text::{is_stop_word, tokens, words};
use crate::browser::types::ElementInfo;

/// Verbs on buttons that submit or advance a form.
const SUBMIT_WORDS: &[&str] =
    &["send", "submit", "next", "continue", "save", "register", "confirm", "apply", "sign", "create", "verify"];

/// Words of a label that add nothing to it ("Your name", "Phone (optional)").
const LABEL_FILLER: &[&str] = &["the", "a", "an", "your", "my", "our", "of", "for", "to", "optional", "required"];

/// Words of a label that name it (fillers and "(optional)"-style notes dropped), in order.
pub fn label_words(label: &str) -> Vec<String> {
    words(label).into_iter().filter(|w| !LABEL_FILLER.contains(&w.as_str())).collect()
}

/// The label an input is known by: its `label`, else `aria-label`, `placeholder`, `name` (underscores as spaces).
pub fn field_label(el: &ElementInfo) -> String {
    for key in ["label", "aria-label", "placeholder", "name"] {
        if let Some(v) = el.attributes.get(key).filter(|v| !v.trim().is_empty()) {
            return v.replace(['_', '-'], " ");
        }
    }
    String::new()
}

/// A regex source matching the words in order, with at most one filler word between two of them.
fn phrase_pattern(words: &[String]) -> String {
    words.iter().map(|w| regex::escape(w)).collect::<Vec<_>>().join(r"(?:\s+\w+)?\s+")
}

/// The value the prompt gives for a field labelled `label`: the whole label phrase first, then each of its words
/// alone. Quoted values win; an unquoted value runs to the next comma, semicolon, bracket, " and ", " with " or the
/// end of the sentence. `None` when the prompt does not mention the field with a value.
pub fn value_for(prompt: &str, label: &str) -> Option<String> {
    let words = label_words(label);
    if words.is_empty() {
        return None;
    }
    let mut tries = vec![words.clone()];
    if words.len() > 1 {
        tries.extend(words.iter().filter(|w| w.len() > 2).map(|w| vec![w.clone()]));
    }
    tries
        .iter()
        .find_map(|t| value_before(prompt, &phrase_pattern(t)).or_else(|| value_after(prompt, &phrase_pattern(t))))
}

/// `<label> [:|is|=|of] value`.
fn value_after(prompt: &str, label: &str) -> Option<String> {
    let re = Regex::new(&format!(
        r#"(?i)\b{label}\b\s*(?::|=|\bis\b|\bof\b|\bwith\b|\bas\b)?\s*(?:'([^']+)'|"([^"]+)"|‘([^’]+)’|“([^”]+)”|([^,;()"'\s][^,;()"']*?))(?:\s*[,;()]|\s+and\s|\s+with\s|\s+as\s|\.\s|\.?$)"#
    ))
    .ok()?;
    re.captures_iter(prompt).find_map(|c| {
        let v = (1..=5).find_map(|i| c.get(i)).map(|m| m.as_str().trim().to_string())?;
        plausible(&v).then_some(v)
    })
}

/// `'value' as [the] <label>`.
fn value_before(prompt: &str, label: &str) -> Option<String> {
    let re = Regex::new(&format!(r#"(?i)(?:'([^']+)'|"([^"]+)")\s+as\s+(?:the\s+|your\s+)?{label}\b"#)).ok()?;
    let c = re.captures(prompt)?;
    (1..=2).find_map(|i| c.get(i)).map(|m| m.as_str().trim().to_string())
}

/// A value must carry content: not empty, not just stop words (so "the address step" is not a value for "address").
fn plausible(v: &str) -> bool {
    let t = words(v);
    let joint = t.first().is_some_and(|w| ["and", "then", "or", "with", "to", "press", "click"].contains(&w.as_str()));
    !t.is_empty()
        && !joint
        && t.len() <= 12
        && !t.iter().all(|w| is_stop_word(w))
        && !v.to_lowercase().ends_with(" step")
}

/// The name of the form an instruction talks about: the word before "form" ("the contact form" → "contact").
pub fn form_name(instruction: &str) -> Option<String> {
    let w = words(instruction);
    let at = w.iter().position(|x| x == "form")?;
    at.checked_sub(1).map(|i| w[i].clone()).filter(|x| !is_stop_word(x))
}

/// Whether a typed value suits the input type (an email needs an `@`, a phone or date needs digits).
pub fn fits(input_type: &str, value: &str) -> bool {
    match input_type {
        "email" => value.contains('@'),
        "tel" | "number" | "date" => value.chars().any(|c| c.is_ascii_digit()),
        _ => true,
    }
}

/// How well a button looks like this form's submit: a submit verb in its text, `type=submit`, and words it shares
/// with the prompt. 0 when it has neither a submit verb nor `type=submit`.
pub fn submit_score(el: &ElementInfo, prompt_tokens: &[String]) -> f64 {
    let own = tokens(&format!("{} {}", el.text, el.attributes.get("aria-label").map(String::as_str).unwrap_or("")));
    let verb = own.iter().any(|w| SUBMIT_WORDS.contains(&w.as_str()));
    let submit = el.attributes.get("type").is_some_and(|t| t == "submit");
    if !verb && !submit {
        return 0.0;
    }
    let shared = own.iter().filter(|w| prompt_tokens.contains(w)).count();
    f64::from(u8::from(verb)) + f64::from(u8::from(submit)) * 0.5 + shared as f64 * 0.25
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTACT: &str = "Use the contact form to send the message 'Please call me back about membership.' with the \
                           name Tom Baker and the email tom@example.com.";
    const MEMBER: &str = "On the membership form, fill in the personal details (first name Jo, last name Park, email \
                          jo.park@example.com, date of birth 1991-07-14) and continue to the address step.";

    #[test]
    fn values_are_found_by_label_words() {
        assert_eq!(value_for(CONTACT, "Your name").as_deref(), Some("Tom Baker"));
        assert_eq!(value_for(CONTACT, "Your email").as_deref(), Some("tom@example.com"));
        assert_eq!(value_for(CONTACT, "Message").as_deref(), Some("Please call me back about membership."));
        assert_eq!(value_for(CONTACT, "Topic"), None);
        assert_eq!(value_for(MEMBER, "First name").as_deref(), Some("Jo"));
        assert_eq!(value_for(MEMBER, "Last name").as_deref(), Some("Park"));
        assert_eq!(value_for(MEMBER, "Email address").as_deref(), Some("jo.park@example.com"));
        assert_eq!(value_for(MEMBER, "Date of birth").as_deref(), Some("1991-07-14"));
        assert_eq!(value_for(MEMBER, "Phone number (optional)"), None);
        let error_task = "On the membership form, enter 'dana@' as the email address and press the Next button.";
        assert_eq!(value_for(error_task, "Email address").as_deref(), Some("dana@"));
        assert_eq!(value_for("Set the city: Berlin; then save.", "City").as_deref(), Some("Berlin"));
        assert_eq!(value_for("Fill in the email with 'a@b.c'.", "Email").as_deref(), Some("a@b.c"));
    }

    #[test]
    fn input_types_reject_values_that_cannot_fit() {
        assert!(fits("email", "a@b.c") && !fits("email", "Tom"));
        assert!(fits("date", "1991-07-14") && !fits("tel", "none"));
        assert!(fits("text", "anything"));
    }
}
