//! Validation of a positioned config tree: unknown keys (walked against the schema), type errors (each section
//! deserialised on its own so one bad section does not hide another), then the semantic checks — every problem is
//! collected, each with a file:line:column (or the variable / flag it came from) and a dotted path.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value as J;

use super::checks;
use super::de::{from_node, join};
use super::tree::{Node, Origin, Pos, SyntaxError, Value};
use super::types::{
    AgentConfig, BrowserConfig, Config, DeploymentConfig, ExperimentsConfig, LlmConfig, MonitoringConfig,
    REQUIRED_SECTIONS, SECTIONS, SyncConfig,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a config, with where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Problem {
    pub severity: Severity,
    /// The file, or `env VAR` / `--set KEY` for values that came from a layer above the file.
    pub file: String,
    /// 1-based; absent for values that did not come from the file.
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// Dotted field path, e.g. `ab_tests.0.variants`; empty for a whole-file problem.
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn new(severity: Severity, file: &str, pos: &Pos, path: &str, message: impl Into<String>) -> Problem {
        let (file, line, column) = match &pos.origin {
            Origin::File => (file.to_string(), Some(pos.line as u32), Some(pos.col as u32)),
            Origin::Env(var) => (format!("env {var}"), None, None),
            Origin::Arg(flag) => (flag.clone(), None, None),
        };
        Problem { severity, file, line, column, path: path.to_string(), message: message.into() }
    }

    pub fn syntax(file: &str, err: &SyntaxError) -> Problem {
        Problem::new(Severity::Error, file, &err.pos, "", format!("invalid YAML: {}", err.message))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let (Some(line), Some(col)) = (self.line, self.column) {
            write!(f, ":{line}:{col}")?;
        }
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {severity}: ")?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// Is `path` a key the schema knows (any name under `feature_flags`, indices into lists)? Else why not.
pub fn check_path(path: &[String]) -> Result<(), String> {
    let schema = Config::schema();
    let mut node = &schema;
    for (i, seg) in path.iter().enumerate() {
        let here = path[..i].join(".");
        match node {
            J::Object(_) if here == "feature_flags" => {
                return if i + 1 == path.len() { Ok(()) } else { Err(format!("feature flag `{seg}` has no keys")) };
            }
            J::Object(keys) => match keys.get(seg.as_str()) {
                Some(child) => node = child,
                None if here.is_empty() => return Err(format!("unknown section `{seg}`")),
                None => return Err(format!("unknown key `{seg}` in `{here}`")),
            },
            J::Array(items) => match (seg.parse::<usize>(), items.first()) {
                (Ok(_), Some(item)) => node = item,
                _ => return Err(format!("`{here}` is a list: expected an index, got `{seg}`")),
            },
            _ => return Err(format!("`{here}` is a single value and has no key `{seg}`")),
        }
    }
    Ok(())
}

/// The position to report for `path`: a scalar value's own position, else its key's, else the nearest ancestor's.
pub fn locate(root: &Node, path: &str) -> Pos {
    let mut node = root;
    let mut best = root.pos.clone();
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        match node.child(seg) {
            Some((key, child)) => {
                best = key.map(|k| k.pos.clone()).unwrap_or_else(|| child.pos.clone());
                node = child;
            }
            None => return best,
        }
    }
    if matches!(node.value, Value::Scalar { .. }) && node.exact { node.pos.clone() } else { best }
}

fn unknown_keys(node: &Node, schema: &J, path: &str, out: &mut Vec<(String, Pos)>) {
    match (&node.value, schema) {
        (Value::Map(_), _) if path == "feature_flags" => {}
        (Value::Map(entries), J::Object(known)) => {
            for (key, child) in entries {
                let child_path = join(path, &key.name);
                match known.get(key.name.as_str()) {
                    Some(sub) => unknown_keys(child, sub, &child_path, out),
                    None => out.push((child_path, key.pos.clone())),
                }
            }
        }
        (Value::Seq(items), J::Array(sample)) => {
            if let Some(sub) = sample.first() {
                for (i, child) in items.iter().enumerate() {
                    unknown_keys(child, sub, &join(path, &i.to_string()), out);
                }
            }
        }
        _ => {}
    }
}

fn known_list(schema: &J, path: &str) -> String {
    let mut node = schema;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        node = match node {
            J::Object(m) => m.get(seg).unwrap_or(&J::Null),
            J::Array(a) => a.first().unwrap_or(&J::Null),
            _ => &J::Null,
        };
    }
    match node {
        J::Object(m) => m.keys().cloned().collect::<Vec<_>>().join(", "),
        _ => String::new(),
    }
}

/// Everything found in one tree: the typed config when there were no errors, and all problems.
#[derive(Debug, Clone)]
pub struct Checked {
    pub config: Option<Config>,
    pub problems: Vec<Problem>,
}

impl Checked {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.is_error()).count()
    }
}

/// Validate a whole config tree for environment `env`; `file` labels positions that came from the file.
pub fn check_tree(root: Option<&Node>, file: &str, env: &str) -> Checked {
    let start = Pos::start(&Origin::File);
    let error = |pos: &Pos, path: &str, msg: String| Problem::new(Severity::Error, file, pos, path, msg);
    let root = match root {
        Some(r) if matches!(r.value, Value::Map(_)) => r,
        Some(r) => {
            let msg = "a config file must be a mapping of sections (llm:, agent:, …)".to_string();
            return Checked { config: None, problems: vec![error(&r.pos, "", msg)] };
        }
        None => {
            let msg = "the config file is empty".to_string();
            return Checked { config: None, problems: vec![error(&start, "", msg)] };
        }
    };
    let schema = Config::schema();
    let mut problems = Vec::new();
    let mut unknown = Vec::new();
    unknown_keys(root, &schema, "", &mut unknown);
    let mut skip = HashSet::new();
    for (path, pos) in &unknown {
        let (parent, name) = path.rsplit_once('.').unwrap_or(("", path.as_str()));
        let msg = if parent.is_empty() {
            format!("unknown section `{name}` (known sections: {})", SECTIONS.join(", "))
        } else {
            format!("unknown key `{name}` (known keys: {})", known_list(&schema, parent))
        };
        problems.push(error(pos, path, msg));
        skip.insert(path.clone());
    }
    let mut missing = false;
    for name in &SECTIONS[..REQUIRED_SECTIONS] {
        if root.entry(name).is_none() {
            missing = true;
            problems.push(error(&root.pos, name, format!("missing section `{name}`")));
        }
    }
    let mut type_error = |e: super::de::DeError| {
        let path = e.path.unwrap_or_default();
        let from_env = matches!(e.pos.as_ref().map(|p| &p.origin), Some(Origin::Env(_)));
        let message = if path.split('.').any(|s| s == "api_key") {
            "must be a secret reference string: env:NAME or keychain:NAME".to_string()
        } else if from_env {
            // Values from the environment are never repeated: keep only what was expected.
            format!("invalid value{}", e.message.rfind(", expected").map_or("", |i| &e.message[i..]))
        } else {
            e.message
        };
        problems.push(error(&e.pos.unwrap_or_else(|| root.pos.clone()), &path, message));
    };
    macro_rules! section {
        ($name:literal, $ty:ty) => {
            match root.entry($name) {
                Some((_, node)) => from_node::<$ty>(node, $name, &skip).map_err(&mut type_error).ok(),
                None => None,
            }
        };
    }
    let llm = section!("llm", LlmConfig);
    let agent = section!("agent", AgentConfig);
    let browser = section!("browser", BrowserConfig);
    let monitoring = section!("monitoring", MonitoringConfig);
    let experiments = section!("experiments", ExperimentsConfig);
    let deployment = section!("deployment", DeploymentConfig);
    let feature_flags = match root.entry("feature_flags") {
        Some((_, node)) => from_node(node, "feature_flags", &skip).map_err(&mut type_error).ok(),
        None => Some(Default::default()),
    };
    let sync = match root.entry("sync") {
        Some((_, node)) => from_node::<SyncConfig>(node, "sync", &skip).map_err(&mut type_error).ok(),
        None => Some(SyncConfig::default()),
    };
    let ab_tests = match root.entry("ab_tests") {
        Some((_, node)) => from_node(node, "ab_tests", &skip).map_err(&mut type_error).ok(),
        None => Some(Vec::new()),
    };
    let sections = checks::Sections {
        llm: llm.clone(),
        agent: agent.clone(),
        browser: browser.clone(),
        monitoring: monitoring.clone(),
        deployment: deployment.clone(),
        sync: sync.clone(),
        feature_flags: feature_flags.clone(),
        ab_tests: ab_tests.clone(),
    };
    for finding in checks::check(&sections, env) {
        let pos = locate(root, &finding.path);
        problems.push(Problem::new(finding.severity, file, &pos, &finding.path, finding.message));
    }
    let config = match (llm, agent, browser, monitoring, experiments, deployment, sync, feature_flags, ab_tests) {
        (
            Some(llm),
            Some(agent),
            Some(browser),
            Some(monitoring),
            Some(experiments),
            Some(deployment),
            Some(sync),
            Some(f),
            Some(a),
        ) if !missing => Some(Config {
            llm,
            agent,
            browser,
            monitoring,
            experiments,
            deployment,
            sync,
            feature_flags: f,
            ab_tests: a,
        }),
        _ => None,
    };
    problems.sort_by_key(|p| (p.line.is_none(), p.line, p.column));
    let config = config.filter(|_| !problems.iter().any(Problem::is_error));
    Checked { config, problems }
}

#[cfg(test)]
mod tests {
    use super::super::tree::parse;
    use super::*;

    #[test]
    fn paths_are_checked_against_the_schema() {
        let p = |s: &str| s.split('.').map(String::from).collect::<Vec<_>>();
        assert!(check_path(&p("llm.temperature")).is_ok());
        assert!(check_path(&p("deployment.autoscaling.enabled")).is_ok());
        assert!(check_path(&p("feature_flags.anything")).is_ok());
        assert!(check_path(&p("ab_tests.0.variants.1.traffic")).is_ok());
        assert_eq!(check_path(&p("nope.x")).unwrap_err(), "unknown section `nope`");
        assert!(check_path(&p("llm.nope")).unwrap_err().contains("unknown key `nope`"));
        assert!(check_path(&p("llm.model.x")).is_err());
    }

    #[test]
    fn problems_render_as_file_line_column() {
        let root = parse("llm: 3\n", Origin::File).unwrap().unwrap();
        let checked = check_tree(Some(&root), "dev.yaml", "development");
        assert!(checked.config.is_none());
        let text: Vec<String> = checked.problems.iter().map(|p| p.to_string()).collect();
        assert!(text.iter().any(|t| t.starts_with("dev.yaml:1:6: error: llm: invalid type: integer `3`")), "{text:?}");
        assert!(text.iter().any(|t| t.contains("missing section `agent`")), "{text:?}");
    }
}
