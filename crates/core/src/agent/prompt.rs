//! What the LLM planner says to the model and how it reads the answer: the default system prompt (task format,
//! element notation, every action with its JSON arguments, rules, output format), the per-step user message, and a
//! tolerant parser for the JSON answer.

use serde_json::Value;

use super::types::{PlanContext, PlanSummary, StepRecord};

/// Steps shown in full in the user message; older ones are only counted (their gist lives in `memory`).
pub const HISTORY_WINDOW: usize = 6;
/// From this many steps left (this one included), the model is told to finish soon.
pub const STEP_BUDGET_WARNING: u32 = 3;
/// Longest action output (extracted text, dropdown options) repeated to the model.
const MAX_OUTPUT_CHARS: usize = 6000;
/// The page's share of the user message: its serialisation is cut at a line boundary beyond this many characters
/// (about 10k tokens), with a note saying how much was left out.
pub const PAGE_BUDGET_CHARS: usize = 40_000;

/// Every action the browser understands, with its JSON argument shape and meaning.
pub const ACTIONS: [(&str, &str, &str); 15] = [
    ("navigate", r#"{"url": "https://…"}"#, "open a URL in the current tab"),
    ("go_back", "{}", "go back in the current tab's history"),
    ("click", r#"{"index": 3}"#, "click the element with that index"),
    ("input_text", r#"{"index": 3, "text": "…"}"#, "clear the field with that index and type the text"),
    ("send_keys", r#"{"keys": "Enter"}"#, "press keys (Enter, Escape, Tab, ArrowDown, Control+a, …)"),
    ("scroll", r#"{"direction": "down", "amount": 600}"#, "scroll the page up or down; amount in px is optional"),
    ("scroll_to_text", r#"{"text": "…"}"#, "scroll until the text is visible"),
    ("get_dropdown_options", r#"{"index": 3}"#, "list the options of a <select>"),
    ("select_option", r#"{"index": 3, "text": "…"}"#, "choose the option with that visible text in a <select>"),
    ("open_tab", r#"{"url": "https://…"}"#, "open a URL in a new tab"),
    ("switch_tab", r#"{"tab": 1}"#, "switch to the tab with that index"),
    ("close_tab", r#"{"tab": 1}"#, "close the tab with that index"),
    ("extract", r#"{"goal": "…"}"#, "read the page's text for the given goal; the result comes back next step"),
    ("wait", r#"{"ms": 1000}"#, "wait for the page (at most a few seconds)"),
    ("done", r#"{"success": true, "text": "…"}"#, "finish: success says whether the task is done, text is the answer"),
];

/// The default system prompt, for versions without their own.
pub fn default_system_prompt(max_actions_per_step: u32) -> String {
    let actions: String =
        ACTIONS.iter().map(|(name, args, what)| format!("- {{\"{name}\": {args}}}: {what}\n")).collect();
    format!(
        "You are a browser agent. You complete a task in a real web browser by choosing actions, one step at a time.\n\
\n\
# Input\n\
Each step you get: the task; the step number and the step limit; the current URL and the open tabs; the \
interactive elements of the page; your memory and the results (or errors) of your previous actions.\n\
\n\
Elements are listed one per line as `[index]<tag attributes>text</tag>`, e.g. `[12]<button aria-label=\"Search\">Search</button>`. \
Only elements with an [index] can be used in actions; lines without an index are visible text for context. \
`… N px above` / `… N px below` means more of the page is out of view: scroll to see it. Indexes change from \
step to step: only use indexes from the current list.\n\
\n\
# Actions\n\
Each action is a JSON object with one key, the action name, whose value holds the arguments:\n\
{actions}\
\n\
# Rules\n\
- Return between 1 and {max_actions_per_step} actions per step. They run in order; the rest of the list is skipped \
as soon as the page changes (a new page or tab, elements appearing or going; typing into a field does not count) \
or an action fails, and you are told which actions did not run. Put a page-changing action (click on a link, \
navigate, send Enter) last.\n\
- Only use what you see: never invent indexes, URLs or facts.\n\
- Secrets appear as <secret>name</secret>. To type one, use that placeholder as the text; never guess its value.\n\
- If an action failed, read the error and try something else; do not repeat the same failing action.\n\
- When the task is complete, or cannot be completed, use done (success true or false). Put the answer the task \
asks for in its text, exactly in the requested format.\n\
- Before the step limit is reached, finish with done, even if the task is incomplete.\n\
\n\
# Output\n\
Answer with one JSON object and nothing else:\n\
{{\"evaluation_previous_goal\": \"did the previous step achieve its goal? what happened\", \
\"memory\": \"what you have done and what you must remember (counts, values found, progress)\", \
\"next_goal\": \"what the actions below should achieve\", \
\"actions\": [{{\"click\": {{\"index\": 3}}}}]}}\n"
    )
}

/// The user message of one step. It carries the recent history itself, so each request is just the system prompt and
/// this message: the conversation never grows with the number of steps.
pub fn user_message(ctx: &PlanContext) -> String {
    let mut out = String::new();
    out.push_str(&format!("# Task\n{}\n\n", ctx.task));
    if !ctx.secret_names.is_empty() {
        let names: Vec<String> = ctx.secret_names.iter().map(|n| format!("<secret>{n}</secret>")).collect();
        out.push_str(&format!("Secrets you may type: {}\n\n", names.join(", ")));
    }
    out.push_str(&format!("# Step {} of {}\n", ctx.step, ctx.max_steps));
    let left = ctx.max_steps.saturating_sub(ctx.step) + 1;
    if ctx.step >= ctx.max_steps {
        out.push_str("This is the last step: finish with done now.\n");
    } else if left <= STEP_BUDGET_WARNING {
        out.push_str(&format!(
            "{left} steps left, this one included: finish soon with done, giving the best answer you have.\n"
        ));
    }
    if let Some(last) = ctx.history.last() {
        out.push('\n');
        out.push_str(&format!("# Memory\n{}\n", non_empty(&last.plan.memory)));
    }
    if !ctx.history.is_empty() {
        out.push_str("\n# Previous steps\n");
        let skip = ctx.history.len().saturating_sub(HISTORY_WINDOW);
        if skip > 0 {
            out.push_str(&format!("({skip} earlier step(s) not shown; see memory)\n"));
        }
        for rec in &ctx.history[skip..] {
            out.push_str(&step_summary(rec));
        }
    }
    let state = &ctx.state;
    out.push_str(&format!("\n# Current page\nURL: {}\nTitle: {}\n", state.url, state.title));
    if state.tabs.len() > 1 {
        out.push_str("Tabs:\n");
        for t in &state.tabs {
            let mark = if t.active { " (active)" } else { "" };
            out.push_str(&format!("  [{}] {} — {}{mark}\n", t.index, t.title, t.url));
        }
    }
    out.push_str("\n# Interactive elements\n");
    let body = state.serialized.trim();
    if body.is_empty() {
        out.push_str("(no interactive elements found: scroll, wait or navigate)");
    } else {
        out.push_str(&within_budget(body, PAGE_BUDGET_CHARS));
    }
    out.push('\n');
    out
}

/// `text` cut at the last line boundary within `budget` characters, with a note of what was left out.
pub fn within_budget(text: &str, budget: usize) -> String {
    let total = text.chars().count();
    if total <= budget {
        return text.to_string();
    }
    let mut kept = String::new();
    let mut lines_kept = 0;
    for line in text.lines() {
        if kept.chars().count() + line.chars().count() + 1 > budget {
            break;
        }
        kept.push_str(line);
        kept.push('\n');
        lines_kept += 1;
    }
    let lines_left = text.lines().count() - lines_kept;
    format!(
        "{kept}… ({lines_left} more lines, {} characters, of this page not shown: scroll, or use extract to read it)",
        total - kept.chars().count()
    )
}

fn non_empty(s: &str) -> &str {
    if s.trim().is_empty() { "(empty)" } else { s }
}

/// One earlier step: its goal and what each action did, errors included.
fn step_summary(rec: &StepRecord) -> String {
    let mut s = format!("Step {} at {}\n  goal: {}\n", rec.step, rec.url, non_empty(&rec.plan.next_goal));
    if rec.outcomes.is_empty() {
        s.push_str("  (no actions ran)\n");
    }
    for o in &rec.outcomes {
        let target = if o.target.is_empty() { String::new() } else { format!(" {}", o.target) };
        match (&o.error, o.success) {
            (Some(e), _) => s.push_str(&format!("  - {}{target}: ERROR {e}\n", o.action)),
            (None, true) => s.push_str(&format!("  - {}{target}: ok\n", o.action)),
            (None, false) => s.push_str(&format!("  - {}{target}: failed\n", o.action)),
        }
        if let Some(out) = o.output.as_deref().filter(|t| !t.trim().is_empty()) {
            let shown: String = out.chars().take(MAX_OUTPUT_CHARS).collect();
            let total = out.chars().count();
            let more = if total > MAX_OUTPUT_CHARS {
                format!(" …(cut: {MAX_OUTPUT_CHARS} of {total} characters shown)")
            } else {
                String::new()
            };
            s.push_str(&format!("    result: {shown}{more}\n"));
        }
    }
    s
}

/// A parsed answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedAnswer {
    pub summary: PlanSummary,
    pub actions: Vec<Value>,
}

/// Read the model's answer: a JSON object, possibly inside a ```json fence or with text around it. The object that
/// holds the answer (an `actions` or `action` list, or `current_state`) wins over any other object the text quotes;
/// `action` is read like `actions`, and a single action object like a list of one. Missing text fields become empty;
/// a missing or non-list `actions` is an error describing what was expected, and JSON left open at the end of the
/// text is reported as a cut-off answer.
pub fn parse_answer(text: &str) -> Result<ParsedAnswer, String> {
    let obj = find_object(text).ok_or_else(|| {
        if cut_off(text) {
            return "the answer stops inside its JSON object (cut off before the end; raise max_tokens)".to_string();
        }
        let start: String = text.trim().chars().take(120).collect();
        format!(
            "the answer contains no JSON object; expected {{\"evaluation_previous_goal\": …, \"memory\": …, \
             \"next_goal\": …, \"actions\": [{{\"click\": {{\"index\": 3}}}}]}} but got {start:?}"
        )
    })?;
    // Some models nest the three text fields under "current_state".
    let nested = obj.get("current_state").and_then(Value::as_object);
    let text_field = |name: &str| match nested.and_then(|n| n.get(name)).or_else(|| obj.get(name)) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let summary = PlanSummary {
        evaluation_previous_goal: text_field("evaluation_previous_goal"),
        memory: text_field("memory"),
        next_goal: text_field("next_goal"),
    };
    let actions = match obj.get("actions").or_else(|| obj.get("action")) {
        Some(Value::Array(list)) => list.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        Some(other) => {
            return Err(format!(
                "\"actions\" must be a list like [{{\"click\": {{\"index\": 3}}}}], got {}",
                json_type(other)
            ));
        }
        None if cut_off(text) => {
            return Err("the answer stops inside its JSON object (cut off before the end; raise max_tokens)".into());
        }
        None => {
            return Err("the answer has no \"actions\" list; add \"actions\": [{\"click\": {\"index\": 3}}] \
                        (use [{\"done\": {\"success\": true, \"text\": \"…\"}}] to finish)"
                .to_string());
        }
    };
    Ok(ParsedAnswer { summary, actions })
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Keys only the answer object has.
const ANSWER_KEYS: &[&str] = &["actions", "action", "current_state"];

/// The answer object in `text` (fenced blocks first, then the whole text): the first object with an answer key, else
/// the first object at all.
fn find_object(text: &str) -> Option<serde_json::Map<String, Value>> {
    let fenced = fenced_blocks(text);
    let sources: Vec<&str> = fenced.iter().map(String::as_str).chain(std::iter::once(text)).collect();
    let objects: Vec<serde_json::Map<String, Value>> = sources.iter().flat_map(|s| objects(s)).collect();
    let answer = objects.iter().position(|o| ANSWER_KEYS.iter().any(|k| o.contains_key(*k)));
    let mut objects = objects;
    match answer {
        Some(i) => Some(objects.swap_remove(i)),
        None if objects.is_empty() => None,
        None => Some(objects.swap_remove(0)),
    }
}

/// True when the text opens more `{` than it closes outside strings (an answer cut off mid-object).
fn cut_off(text: &str) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0i64, false, false);
    for c in text.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => depth -= 1,
            _ => {}
        }
    }
    depth > 0
}

/// Contents of ``` fenced blocks (with or without a language tag).
fn fenced_blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let body_start = after.find('\n').map_or(after.len(), |i| i + 1);
        let body = &after[body_start..];
        match body.find("```") {
            Some(close) => {
                out.push(body[..close].to_string());
                rest = &body[close + 3..];
            }
            None => {
                out.push(body.to_string());
                break;
            }
        }
    }
    out
}

/// Every JSON object starting at a `{` of `text`, outermost first (an object's inner objects are not listed
/// again); trailing text after each is ignored.
fn objects(text: &str) -> Vec<serde_json::Map<String, Value>> {
    let mut out = Vec::new();
    let mut skip_to = 0;
    for (i, _) in text.char_indices().filter(|(_, c)| *c == '{') {
        if i < skip_to {
            continue;
        }
        let mut stream = serde_json::Deserializer::from_str(&text[i..]).into_iter::<Value>();
        if let Some(Ok(Value::Object(map))) = stream.next() {
            skip_to = i + stream.byte_offset();
            out.push(map);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_prompt_lists_every_action_and_the_output_format() {
        let p = default_system_prompt(4);
        for (name, _, _) in ACTIONS {
            assert!(p.contains(&format!("{{\"{name}\":")), "{name} missing");
        }
        assert!(p.contains("between 1 and 4 actions"));
        assert!(p.contains("\"evaluation_previous_goal\"") && p.contains("\"actions\": [{\"click\": {\"index\": 3}}]"));
    }

    #[test]
    fn a_dense_page_is_cut_at_a_line_within_its_budget_and_says_so() {
        let page: String = (0..100).map(|i| format!("[{i}]<a>link number {i}</a>\n")).collect();
        let cut = within_budget(page.trim(), 200);
        let shown: Vec<&str> = cut.lines().collect();
        assert!(shown.len() < 100 && shown[..shown.len() - 1].iter().all(|l| l.starts_with('[')), "{cut}");
        let kept: usize = shown[..shown.len() - 1].iter().map(|l| l.chars().count() + 1).sum();
        assert!(kept <= 200, "{kept}");
        let note = shown.last().unwrap();
        assert!(note.contains(&format!("{} more lines", 100 - (shown.len() - 1))), "{note}");
        assert_eq!(within_budget("short", 200), "short");
    }

    #[test]
    fn the_model_is_warned_as_the_step_budget_runs_out() {
        let state = crate::browser::types::PageState {
            url: "http://127.0.0.1/".into(),
            title: String::new(),
            tabs: Vec::new(),
            elements: Vec::new(),
            serialized: String::new(),
            pixels_above: 0,
            pixels_below: 0,
            dom_hash: String::new(),
            screenshot_png: None,
        };
        let at = |step: u32| {
            user_message(&PlanContext {
                task: "t".into(),
                step,
                max_steps: 10,
                state: state.clone(),
                history: Vec::new(),
                secret_names: Vec::new(),
                max_actions_per_step: 3,
                use_vision: false,
            })
        };
        assert!(!at(7).contains("steps left"));
        assert!(at(8).contains("3 steps left, this one included"));
        assert!(at(9).contains("2 steps left"));
        assert!(at(10).contains("This is the last step") && !at(10).contains("steps left"));
    }

    #[test]
    fn fenced_bare_and_surrounded_json_parse() {
        let fenced = "Sure!\n```json\n{\"next_goal\": \"g\", \"actions\": [{\"go_back\": {}}]}\n```\nDone.";
        let a = parse_answer(fenced).unwrap();
        assert_eq!(a.summary.next_goal, "g");
        assert_eq!(a.actions, vec![serde_json::json!({"go_back": {}})]);
        let around = "I think {not json} then {\"memory\": \"m\", \"actions\": []} trailing";
        let b = parse_answer(around).unwrap();
        assert_eq!(b.summary.memory, "m");
        assert!(b.actions.is_empty());
        let nested = r#"{"current_state": {"memory": "x", "next_goal": "y"}, "actions": [{"wait": {"ms": 5}}]}"#;
        let c = parse_answer(nested).unwrap();
        assert_eq!((c.summary.memory.as_str(), c.summary.next_goal.as_str()), ("x", "y"));
        assert_eq!(c.summary.evaluation_previous_goal, "");
    }

    #[test]
    fn the_answer_object_wins_over_objects_quoted_before_it() {
        let prose = "I could try {\"click\": {\"index\": 2}} but better:\n{\"next_goal\": \"open\", \"actions\": \
                     [{\"click\": {\"index\": 5}}]}";
        assert_eq!(parse_answer(prose).unwrap().actions, vec![serde_json::json!({"click": {"index": 5}})]);
        // `action` with one object is a list of one.
        let single = r#"{"next_goal": "g", "action": {"scroll": {"direction": "down"}}}"#;
        assert_eq!(parse_answer(single).unwrap().actions, vec![serde_json::json!({"scroll": {"direction": "down"}})]);
        // A truncated answer is not replaced by one of its inner objects.
        let cut = r#"{"memory": "m", "next_goal": "g", "actions": [{"click": {"index": 3}}, {"input_text": {"ind"#;
        let err = parse_answer(cut).unwrap_err();
        assert!(err.contains("cut off"), "{err}");
        let braces_in_strings = r#"{"memory": "a } in text", "actions": []}"#;
        assert!(parse_answer(braces_in_strings).is_ok());
    }

    #[test]
    fn missing_or_wrong_actions_are_explained() {
        assert!(parse_answer("{\"memory\": \"m\"}").unwrap_err().contains("no \"actions\" list"));
        assert!(parse_answer("{\"actions\": \"click 3\"}").unwrap_err().contains("got a string"));
        assert!(parse_answer("I will click the button.").unwrap_err().contains("no JSON object"));
    }
}
