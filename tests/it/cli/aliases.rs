//! The former spellings keep working for scripts: `evaluate …` is a visible alias of `eval …` and the hidden
//! top-level `generate-report` runs `report generate`; each gives the same output, errors and exit codes as the new
//! spelling.

use serde_json::Value;

use crate::util::Home;

#[test]
fn evaluate_is_an_alias_of_eval_with_the_same_output() {
    let home = Home::new();
    for args in [&["list-tasks"][..], &["list-tasks", "--category", "shopping", "--difficulty", "easy"]] {
        let new = [&["eval"][..], args].concat();
        let old = [&["evaluate"][..], args].concat();
        assert_eq!(home.ok(&old), home.ok(&new), "text of {args:?}");
        assert_eq!(home.json(&old), home.json(&new), "JSON of {args:?}");
    }
    let new = home.fails(&["eval", "list-tasks", "--category", "cooking"], 2);
    let old = home.fails(&["evaluate", "list-tasks", "--category", "cooking"], 2);
    assert_eq!(old, new, "the same input error");
    assert!(new.contains("cooking"), "{new}");
}

#[test]
fn generate_report_still_writes_the_report_of_report_generate() {
    let home = Home::new();
    let path = home.path().join("weekly.json");
    let path = path.to_str().unwrap();
    // The window ends "now", so its bounds are the only fields that may differ between two invocations.
    let without_window = |mut v: Value| {
        let o = v.as_object_mut().unwrap();
        assert!(o.remove("from_ms").is_some() && o.remove("to_ms").is_some(), "{o:?}");
        v
    };
    let new = without_window(home.json(&["report", "generate", path, "--days", "3"]));
    let old = without_window(home.json(&["generate-report", path, "--days", "3"]));
    assert_eq!(old, new);
    assert_eq!(new["path"], path);
    assert!(std::path::Path::new(path).is_file());

    let new = home.fails(&["report", "generate", path, "--format", "pdf"], 2);
    let old = home.fails(&["generate-report", path, "--format", "pdf"], 2);
    assert_eq!(old, new, "the same input error");
}
