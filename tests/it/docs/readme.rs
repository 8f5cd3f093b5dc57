//! The README's contract with a new user: it opens with its title and exactly two set-up commands (run the main job,
//! run every test), and CI runs the second one and nothing else of its own.

use std::path::Path;

fn repo_file(name: &str) -> String {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The commands of the README's first code block, which must come right after the title.
fn opening_commands(readme: &str) -> Vec<String> {
    let mut lines = readme.lines().skip_while(|l| l.trim().is_empty());
    assert_eq!(lines.next(), Some("# Browser.AI MLOps"), "the README starts with its title");
    let mut lines = lines.skip_while(|l| l.trim().is_empty());
    assert_eq!(lines.next(), Some("```sh"), "the set-up commands come right after the title");
    lines
        .take_while(|l| !l.starts_with("```"))
        .map(|l| l.split('#').next().unwrap_or_default().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn the_readme_opens_with_two_commands_and_ci_runs_the_second() {
    let commands = opening_commands(&repo_file("README.md"));
    assert_eq!(commands, ["scripts/dev demo", "scripts/dev test"]);
    let ci: Vec<String> = repo_file(".ci/run")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("set ") && !l.starts_with("cd "))
        .map(str::to_string)
        .collect();
    assert_eq!(ci, [format!("exec {}", commands[1])]);
}

#[test]
fn a_paragraph_above_the_commands_is_caught() {
    let moved = "Some text first.\n\n# Browser.AI MLOps\n\n```sh\nscripts/dev demo\nscripts/dev test\n```\n";
    assert!(std::panic::catch_unwind(|| opening_commands(moved)).is_err());
    let three = "# Browser.AI MLOps\n\n```sh\nscripts/dev setup  # x\nscripts/dev demo\nscripts/dev test\n```\n";
    assert_eq!(opening_commands(three).len(), 3);
}
