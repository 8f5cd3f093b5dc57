//! Unit tests of `suite.rs`.

use super::*;

const ONE: &str = "suite: t\ntasks:\n  - id: a\n    name: A\n    category: shopping\n    difficulty: easy\n    \
                   prompt: p\n    start_url: 'site://shop/'\n    max_steps: 3\n    timeout_secs: 10\n    check:\n";

#[test]
fn checks_parse_from_single_key_mappings() {
    let text = format!(
        "{ONE}      all:\n        - url_matches: 'cart'\n        - any:\n            - answer: {{ number: 3, tolerance: 0.5 }}\n            - submission: {{ site: shop, form: checkout, fields: {{ postcode: 10115 }} }}\n"
    );
    let suite = parse(&text, "t.yaml").unwrap();
    let Check::All(list) = &suite.tasks[0].check else { panic!("{:?}", suite.tasks[0].check) };
    assert_eq!(list[0], Check::UrlMatches("cart".into()));
    let Check::Any(inner) = &list[1] else { panic!() };
    let Check::Submission(s) = &inner[1] else { panic!() };
    assert_eq!(s.fields.get("postcode").map(String::as_str), Some("10115"));
}

#[test]
fn semantic_errors_point_at_the_field() {
    let text = format!("{ONE}      all:\n        - js: 'true'\n        - url_matches: '(unclosed'\n");
    let err = parse(&text, "t.yaml").unwrap_err().to_string();
    assert!(err.starts_with("t.yaml:14:11: tasks[0].check.all[1].url_matches: invalid regex"), "{err}");
    let text = format!("{ONE}      answer: {{ equals: x, regex: y }}\n");
    let err = parse(&text, "t.yaml").unwrap_err().to_string();
    assert!(err.contains("tasks[0].check.answer: give exactly one"), "{err}");
}

#[test]
fn parse_errors_never_quote_the_file() {
    let canary = "root:x:0:0:canary-7d1f:/root:/bin/bash";
    let err = parse(&format!("{canary}\n"), "/etc/passwd").unwrap_err().to_string();
    assert!(!err.contains("canary-7d1f"), "{err}");
    assert!(err.starts_with("/etc/passwd:1:1: invalid type: string"), "{err}");
    let err = parse("suite: s\ntasks: 12345678\n", "t.yaml").unwrap_err().to_string();
    assert!(!err.contains("12345678") && err.contains("tasks: invalid type"), "{err}");
}

#[test]
fn remote_callers_load_built_ins_and_files_in_the_suites_dir_only() {
    let dir = tempfile::tempdir().unwrap();
    let suites = dir.path().join("suites");
    std::fs::create_dir(&suites).unwrap();
    let outside = dir.path().join("canary.yaml");
    std::fs::write(&outside, "canary-5e2a\n").unwrap();
    let text = BUILTIN_SUITES.get_file("builtin.yaml").unwrap().contents_utf8().unwrap();
    std::fs::write(suites.join("mine.yaml"), text).unwrap();
    let scope = SuiteScope::Dir(suites.clone());
    assert_eq!(load_in("builtin", &scope).unwrap().source, "builtin:builtin");
    assert!(load_in("mine", &scope).unwrap().source.ends_with("mine.yaml"));
    assert!(load_in("mine.yaml", &scope).is_ok());
    let outside_path = outside.to_string_lossy().to_string();
    for name in [outside_path.as_str(), "../canary.yaml", "../canary", "/etc/passwd", ".hidden", ""] {
        let err = load_in(name, &scope).unwrap_err();
        assert!(matches!(err, EvalError::SuiteOutsideDir { .. }), "{name}: {err}");
        assert!(!err.to_string().contains("canary-5e2a"));
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&outside, suites.join("link.yaml")).unwrap();
        assert!(matches!(load_in("link", &scope), Err(EvalError::SuiteOutsideDir { .. })));
    }
    // The command line may still name any file (its error names the file, not its content).
    let err = load_in(&outside_path, &SuiteScope::AnyPath).unwrap_err().to_string();
    assert!(err.contains("canary.yaml") && !err.contains("canary-5e2a"), "{err}");
}

#[test]
fn filters_select_and_unknown_ids_fail() {
    let suite = load(DEFAULT_SUITE).unwrap().suite;
    let hard_shop = TaskFilter { category: Some(Category::Shopping), difficulty: Some(Difficulty::Hard), ids: vec![] };
    assert!(suite.select(&hard_shop).unwrap().iter().all(|t| t.category == Category::Shopping));
    let bad = TaskFilter { ids: vec!["nope".into()], ..TaskFilter::default() };
    assert!(matches!(suite.select(&bad), Err(EvalError::UnknownTasks { .. })));
}
