//! The layers above a config file: environment variables `BROWSER_AI_MLOPS__SECTION__KEY=value`, then command-line
//! `--set section.key=value` overrides. Values are parsed as YAML; a key the schema does not know is an error that
//! names the variable or flag. Values are never repeated in messages (they may be secrets).

use super::tree::{self, Node, Origin, Pos};
use super::validate::{Problem, Severity, check_path};

/// Prefix of the variables that override config values (note the double underscore).
pub const ENV_PREFIX: &str = "BROWSER_AI_MLOPS__";

/// The overriding variables of this process, sorted by name; names or values that are not UTF-8 are reported.
pub fn env_vars(problems: &mut Vec<Problem>) -> Vec<(String, String)> {
    let mut vars = Vec::new();
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str().filter(|n| n.starts_with(ENV_PREFIX)).map(str::to_string) else { continue };
        match value.into_string() {
            Ok(value) => vars.push((name, value)),
            Err(_) => problems.push(layer_problem(&Origin::Env(name.clone()), "", "the value is not valid UTF-8")),
        }
    }
    vars.sort();
    vars
}

fn layer_problem(origin: &Origin, path: &str, message: impl Into<String>) -> Problem {
    Problem::new(Severity::Error, "", &Pos::start(origin), path, message)
}

/// `BROWSER_AI_MLOPS__DEPLOYMENT__RESOURCES__CPU` → `["deployment", "resources", "cpu"]`.
pub fn env_var_path(name: &str) -> Option<Vec<String>> {
    let rest = name.strip_prefix(ENV_PREFIX)?;
    let segs: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
    (!segs.iter().any(String::is_empty)).then_some(segs)
}

/// Parse a layer's value text as YAML; an empty value is null.
pub fn parse_value(text: &str, origin: &Origin) -> Result<Node, String> {
    match tree::parse(text, origin.clone()) {
        Ok(Some(node)) => Ok(node),
        Ok(None) => Ok(Node::scalar("", tree::Style::Plain, Pos::start(origin))),
        Err(e) => Err(format!("the value is not valid YAML ({})", e.message)),
    }
}

fn apply_one(root: &mut Node, path: &[String], text: &str, origin: &Origin, what: &str) -> Result<(), Problem> {
    let dotted = path.join(".");
    check_path(path).map_err(|why| layer_problem(origin, &dotted, format!("{why} in {what}")))?;
    let node = parse_value(text, origin).map_err(|why| layer_problem(origin, &dotted, format!("{what}: {why}")))?;
    root.set_path(path, node).map_err(|why| layer_problem(origin, &dotted, format!("{what}: {why}")))
}

/// Apply environment variables then `--set` overrides to `root`; problems name the variable or flag.
pub fn apply(root: &mut Node, vars: &[(String, String)], overrides: &[(String, String)]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (name, value) in vars {
        let origin = Origin::Env(name.clone());
        let what = format!("environment variable {name}");
        match env_var_path(name) {
            Some(path) => problems.extend(apply_one(root, &path, value, &origin, &what).err()),
            None => problems.push(layer_problem(&origin, "", format!("{what}: expected {ENV_PREFIX}SECTION__KEY"))),
        }
    }
    for (key, value) in overrides {
        let origin = Origin::Arg(format!("--set {key}"));
        let path: Vec<String> = key.split('.').map(str::to_string).collect();
        if path.iter().any(String::is_empty) {
            problems.push(layer_problem(&origin, key, "expected --set section.key=value"));
            continue;
        }
        problems.extend(apply_one(root, &path, value, &origin, &format!("--set {key}")).err());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_map_to_paths() {
        assert_eq!(
            env_var_path("BROWSER_AI_MLOPS__FEATURE_FLAGS__NEW_UI"),
            Some(vec!["feature_flags".to_string(), "new_ui".to_string()])
        );
        assert_eq!(env_var_path("BROWSER_AI_MLOPS__LLM____X"), None);
        assert_eq!(env_var_path("BROWSER_AI_MLOPS_DATA_DIR"), None);
    }

    #[test]
    fn layers_override_in_order_and_unknown_keys_name_their_source() {
        let mut root = tree::parse("llm:\n  temperature: 0.1\n  model: a\n", Origin::File).unwrap().unwrap();
        let vars = vec![
            ("BROWSER_AI_MLOPS__LLM__TEMPERATURE".to_string(), "0.5".to_string()),
            ("BROWSER_AI_MLOPS__LLM__MODEL".to_string(), "b".to_string()),
            ("BROWSER_AI_MLOPS__NOPE__X".to_string(), "1".to_string()),
        ];
        let overrides = vec![("llm.temperature".to_string(), "0.9".to_string())];
        let problems = apply(&mut root, &vars, &overrides);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].file, "env BROWSER_AI_MLOPS__NOPE__X");
        assert!(problems[0].message.contains("BROWSER_AI_MLOPS__NOPE__X"));
        assert_eq!(root.to_json(), serde_json::json!({"llm": {"temperature": 0.9, "model": "b"}}));
    }
}
