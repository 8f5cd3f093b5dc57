//! Task suites: the YAML format of `docs/readme/benchmarks.md` as typed structs (unknown keys refused), loading of
//! the built-in suites embedded from `benchmarks/suites/` or of any file, validation with file:line:column errors,
//! and filtering by category, difficulty and ids.
//!
//! `suite::load("builtin")` loads an embedded suite; anything with a `/`, a `.yaml`/`.yml` ending or naming an existing
//! file is read from disk. `load_in` with `SuiteScope::Dir` (remote callers) reads only a file named directly inside
//! the suites directory, never a path elsewhere. Parse errors name the file, line, column and field, never a value
//! from the file. serde reports type errors with their position; the checks made after parsing are located
//! with a YAML event index (`positions`). `LoadedSuite.hash` is the SHA-256 of the text.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};

use super::EvalError;
use super::positions::Positions;

/// The built-in suites, embedded at build time.
pub static BUILTIN_SUITES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../benchmarks/suites");

/// The suite used when none is named.
pub const DEFAULT_SUITE: &str = "builtin";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// Suite id, `[a-z0-9-]+`.
    pub suite: String,
    #[serde(default)]
    pub description: String,
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// Unique within the suite, `[a-z0-9-]+`.
    pub id: String,
    pub name: String,
    pub category: Category,
    /// How hard the suite's author rates the task; absent when unrated (MiniWoB++ tasks carry none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficulty: Option<Difficulty>,
    /// What the agent is told; never contains the answer.
    pub prompt: String,
    /// `site://<site>/<path>` for bundled sites, or any http(s) URL.
    pub start_url: String,
    pub max_steps: u32,
    pub timeout_secs: u32,
    /// Externally tagged as a one-key mapping (`url_matches: '…'`), also in YAML (no `!tag` syntax).
    #[serde(with = "serde_yaml_ng::with::singleton_map_recursive")]
    pub check: Check,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Search,
    Shopping,
    Forms,
    Navigation,
    Extraction,
    Auth,
    Table,
    Dynamic,
    MultiTab,
    /// MiniWoB++ tasks (never in a YAML suite; made by the MiniWoB adapter).
    Miniwob,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Search => "search",
            Category::Shopping => "shopping",
            Category::Forms => "forms",
            Category::Navigation => "navigation",
            Category::Extraction => "extraction",
            Category::Auth => "auth",
            Category::Table => "table",
            Category::Dynamic => "dynamic",
            Category::MultiTab => "multi-tab",
            Category::Miniwob => "miniwob",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }
}

/// A success check: a mapping with exactly one key (see docs/readme/benchmarks.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    UrlMatches(String),
    ElementText(ElementTextCheck),
    Js(String),
    Answer(AnswerCheck),
    Submission(SubmissionCheck),
    All(Vec<Check>),
    Any(Vec<Check>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct ElementTextCheck {
    pub selector: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
}

/// Exactly one of `equals`, `contains`, `regex`, `number` (with an optional `tolerance`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct AnswerCheck {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct SubmissionCheck {
    pub site: String,
    pub form: String,
    /// Expected field values (compared as trimmed strings; numbers and booleans in YAML are taken as their text).
    #[serde(default, deserialize_with = "scalar_map")]
    pub fields: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ScalarText {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

fn scalar_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let raw: Option<BTreeMap<String, ScalarText>> = Option::deserialize(d)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                ScalarText::Text(s) => s,
                ScalarText::Int(i) => i.to_string(),
                ScalarText::Float(f) => f.to_string(),
                ScalarText::Bool(b) => b.to_string(),
            };
            (k, text)
        })
        .collect())
}

/// A suite with where it came from and the SHA-256 of its text (to tell edited suites apart in results).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct LoadedSuite {
    pub suite: Suite,
    /// `builtin:<name>` or the file path.
    pub source: String,
    pub hash: String,
}

/// Which tasks to select; empty criteria select everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct TaskFilter {
    #[serde(default)]
    pub category: Option<Category>,
    #[serde(default)]
    pub difficulty: Option<Difficulty>,
    #[serde(default)]
    pub ids: Vec<String>,
}

/// Names of the built-in suites (file stems under `benchmarks/suites/`).
pub fn builtin_names() -> Vec<String> {
    let mut names: Vec<String> = BUILTIN_SUITES
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .filter_map(|f| f.path().file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .collect();
    names.sort();
    names
}

/// Which suite files a caller may load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuiteScope {
    /// Any path (the command line, for its own user).
    AnyPath,
    /// Only files directly inside this directory, named without directories (`NAME`, `NAME.yaml`, `NAME.yml`).
    Dir(PathBuf),
}

impl SuiteScope {
    /// The scope a core's caller gets: any path locally, the suites directory for remote callers.
    pub fn of(core: &crate::handle::Core) -> SuiteScope {
        match core.caller() {
            crate::handle::Caller::Local => SuiteScope::AnyPath,
            crate::handle::Caller::Remote => SuiteScope::Dir(core.settings().suites_dir()),
        }
    }
}

/// Load a built-in suite by name, or a suite file allowed by `scope`.
pub fn load_in(name: &str, scope: &SuiteScope) -> Result<LoadedSuite, EvalError> {
    let SuiteScope::Dir(dir) = scope else { return load(name) };
    if BUILTIN_SUITES.get_file(format!("{name}.yaml")).is_some()
        || BUILTIN_SUITES.get_file(format!("{name}.yml")).is_some()
    {
        return load(name);
    }
    let outside = || EvalError::SuiteOutsideDir {
        name: name.chars().take(200).collect(),
        dir: dir.clone(),
        builtin: builtin_names().join(", "),
    };
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !plain {
        return Err(outside());
    }
    let candidates = if name.ends_with(".yaml") || name.ends_with(".yml") {
        vec![dir.join(name)]
    } else {
        vec![dir.join(format!("{name}.yaml")), dir.join(format!("{name}.yml"))]
    };
    let Some(file) = candidates.into_iter().find(|p| p.is_file()) else {
        return Err(EvalError::SuiteNotFound { name: name.to_string(), builtin: builtin_names().join(", ") });
    };
    // A symbolic link inside the directory may not lead out of it.
    let inside = match (std::fs::canonicalize(&file), std::fs::canonicalize(dir)) {
        (Ok(file), Ok(dir)) => file.starts_with(dir),
        _ => false,
    };
    if !inside {
        return Err(outside());
    }
    load(&file.to_string_lossy())
}

/// Load a built-in suite by name, or a suite file by path (anything with a `/`, a `.yaml`/`.yml` ending, or an
/// existing file is a path).
pub fn load(name_or_path: &str) -> Result<LoadedSuite, EvalError> {
    let looks_like_path = name_or_path.contains('/')
        || name_or_path.ends_with(".yaml")
        || name_or_path.ends_with(".yml")
        || Path::new(name_or_path).is_file();
    if !looks_like_path {
        let file = ["yaml", "yml"].iter().find_map(|ext| BUILTIN_SUITES.get_file(format!("{name_or_path}.{ext}")));
        let Some(file) = file else {
            return Err(EvalError::SuiteNotFound {
                name: name_or_path.to_string(),
                builtin: builtin_names().join(", "),
            });
        };
        let text = file
            .contents_utf8()
            .ok_or_else(|| EvalError::Invalid(format!("built-in suite {name_or_path} is not UTF-8")))?;
        return parse(text, &format!("benchmarks/suites/{}", file.path().display())).map(|suite| LoadedSuite {
            suite,
            source: format!("builtin:{name_or_path}"),
            hash: sha256(text),
        });
    }
    let text = std::fs::read_to_string(name_or_path)
        .map_err(|source| EvalError::Io { path: name_or_path.to_string(), source })?;
    parse(&text, name_or_path).map(|suite| LoadedSuite { suite, source: name_or_path.to_string(), hash: sha256(&text) })
}

/// A serde message without the values it quotes from the file (`invalid type: string "…"` would otherwise echo a line
/// of whatever file was named): quoted strings and, in invalid-type/value messages, backquoted literals become `…`.
fn without_values(message: &str) -> String {
    let (head, tail) = match message.find(", expected") {
        Some(i) => message.split_at(i),
        None => (message, ""),
    };
    let literal = head.contains("invalid type") || head.contains("invalid value") || head.contains("invalid length");
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in head.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    out.push('…');
                    out.push(c);
                    quote = None;
                }
            }
            None => {
                out.push(c);
                if c == '"' || (c == '`' && literal) {
                    quote = Some(c);
                }
            }
        }
    }
    if quote.is_some() {
        out.push('…');
    }
    out + tail
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Parse and validate suite text; `file` names the source in errors.
pub fn parse(text: &str, file: &str) -> Result<Suite, EvalError> {
    let suite: Suite = serde_yaml_ng::from_str(text).map_err(|e| {
        let (line, column) = e.location().map(|l| (Some(l.line()), Some(l.column()))).unwrap_or((None, None));
        let full = e.to_string();
        // serde_yaml_ng prefixes the path ("tasks[2].max_steps: …") and appends " at line L column C".
        let message = without_values(full.split(" at line ").next().unwrap_or(&full));
        let (field, message) = match message.split_once(": ") {
            Some((path, rest)) if !path.contains(' ') => (Some(path.to_string()), rest.to_string()),
            _ => (None, message),
        };
        EvalError::Suite { file: file.to_string(), line, column, field, message }
    })?;
    let positions = Positions::of(text);
    if let Some((path, message)) = validate(&suite).into_iter().next() {
        let (line, column) = positions.find(&path).map(|(l, c)| (Some(l), Some(c))).unwrap_or((None, None));
        return Err(EvalError::Suite { file: file.to_string(), line, column, field: Some(path), message });
    }
    Ok(suite)
}

fn valid_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Every problem as (field path, message), in document order.
pub fn validate(suite: &Suite) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    if !valid_id(&suite.suite) {
        problems.push(("suite".to_string(), format!("{:?} is not a valid suite id ([a-z0-9-]+)", suite.suite)));
    }
    if suite.tasks.is_empty() {
        problems.push(("tasks".to_string(), "a suite needs at least one task".to_string()));
    }
    let mut seen = HashSet::new();
    for (i, task) in suite.tasks.iter().enumerate() {
        let at = |field: &str| format!("tasks[{i}].{field}");
        if !valid_id(&task.id) {
            problems.push((at("id"), format!("{:?} is not a valid task id ([a-z0-9-]+)", task.id)));
        } else if !seen.insert(task.id.as_str()) {
            problems.push((at("id"), format!("duplicate task id {:?}", task.id)));
        }
        for (field, value) in [("name", &task.name), ("prompt", &task.prompt)] {
            if value.trim().is_empty() {
                problems.push((at(field), "must not be empty".to_string()));
            }
        }
        if task.max_steps == 0 {
            problems.push((at("max_steps"), "must be a positive integer".to_string()));
        }
        if task.timeout_secs == 0 {
            problems.push((at("timeout_secs"), "must be a positive integer".to_string()));
        }
        if task.start_url.starts_with(crate::sites::SITE_SCHEME) {
            if let Err(e) = crate::sites::check_site_url(&task.start_url) {
                problems.push((at("start_url"), e));
            }
        } else if !(task.start_url.starts_with("http://") || task.start_url.starts_with("https://")) {
            problems.push((at("start_url"), format!("{:?}: expected site://… or an http(s) URL", task.start_url)));
        }
        validate_check(&task.check, &at("check"), &mut problems);
    }
    problems
}

fn validate_check(check: &Check, path: &str, problems: &mut Vec<(String, String)>) {
    let mut bad = |field: &str, message: String| problems.push((format!("{path}.{field}"), message));
    match check {
        Check::UrlMatches(re) => {
            if let Err(e) = regex::Regex::new(re) {
                bad("url_matches", format!("invalid regex: {e}"));
            }
        }
        Check::Js(expr) => {
            if expr.trim().is_empty() {
                bad("js", "the expression must not be empty".to_string());
            }
        }
        Check::ElementText(c) => {
            if c.selector.trim().is_empty() {
                bad("element_text.selector", "must not be empty".to_string());
            }
            if c.equals.is_some() == c.contains.is_some() {
                bad("element_text", "give exactly one of `equals`, `contains`".to_string());
            }
        }
        Check::Answer(a) => {
            let given = [a.equals.is_some(), a.contains.is_some(), a.regex.is_some(), a.number.is_some()];
            if given.iter().filter(|g| **g).count() != 1 {
                bad("answer", "give exactly one of `equals`, `contains`, `regex`, `number`".to_string());
            }
            if let Some(re) = &a.regex
                && let Err(e) = regex::Regex::new(re)
            {
                bad("answer.regex", format!("invalid regex: {e}"));
            }
            if let Some(n) = a.number.filter(|n| !n.is_finite()) {
                bad("answer.number", format!("{n} is not a finite number"));
            }
            match a.tolerance {
                Some(_) if a.number.is_none() => bad("answer.tolerance", "only allowed with `number`".to_string()),
                Some(t) if !t.is_finite() || t < 0.0 => bad("answer.tolerance", format!("{t}: expected a number >= 0")),
                _ => {}
            }
        }
        Check::Submission(s) => {
            if s.site.trim().is_empty() || s.form.trim().is_empty() {
                bad("submission", "`site` and `form` must not be empty".to_string());
            }
        }
        Check::All(list) | Check::Any(list) => {
            let key = if matches!(check, Check::All(_)) { "all" } else { "any" };
            if list.is_empty() {
                bad(key, "needs at least one check".to_string());
            }
            for (i, inner) in list.iter().enumerate() {
                validate_check(inner, &format!("{path}.{key}[{i}]"), problems);
            }
        }
    }
}

impl Suite {
    /// Tasks matching the filter, in suite order; ids that name no task are an error.
    pub fn select(&self, filter: &TaskFilter) -> Result<Vec<&Task>, EvalError> {
        let missing: Vec<&str> =
            filter.ids.iter().filter(|id| !self.tasks.iter().any(|t| &t.id == *id)).map(String::as_str).collect();
        if !missing.is_empty() {
            return Err(EvalError::UnknownTasks { suite: self.suite.clone(), ids: missing.join(", ") });
        }
        Ok(self
            .tasks
            .iter()
            .filter(|t| filter.category.is_none_or(|c| c == t.category))
            .filter(|t| filter.difficulty.is_none_or(|d| Some(d) == t.difficulty))
            .filter(|t| filter.ids.is_empty() || filter.ids.contains(&t.id))
            .collect())
    }

    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }
}

#[cfg(test)]
mod tests;
