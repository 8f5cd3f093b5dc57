//! docs/reference/cli.md is the command line reference generated from the clap definitions
//! (`browser_ai_mlops_cli::reference::markdown`). It must equal a fresh rendering, so a changed flag or help text
//! fails here until the file is regenerated (`BROWSER_AI_MLOPS_WRITE_DOCS=1` rewrites it); and it must name every
//! visible command path, found here by walking the clap tree independently.

use std::path::PathBuf;

use browser_ai_mlops_cli::{Cli, reference};
use clap::{Command, CommandFactory};

const WRITE_VAR: &str = "BROWSER_AI_MLOPS_WRITE_DOCS";

fn reference_path() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("docs/reference/cli.md")
}

/// Where two texts first differ, as a message naming the line.
fn first_difference(stored: &str, fresh: &str) -> Option<String> {
    let (mut a, mut b) = (stored.lines(), fresh.lines());
    for line in 1.. {
        match (a.next(), b.next()) {
            (None, None) => break,
            (x, y) if x == y => continue,
            (x, y) => {
                let show = |l: Option<&str>| l.map_or_else(|| "(end of file)".to_string(), |l| format!("{l:?}"));
                return Some(format!("line {line} differs:\n  in the file: {}\n  generated:   {}", show(x), show(y)));
            }
        }
    }
    // Same lines; only line endings or the final newline differ.
    (stored != fresh).then(|| "the line endings or the final newline differ".to_string())
}

#[test]
fn the_cli_reference_matches_the_clap_definitions() {
    let fresh = reference::markdown(&Cli::command());
    let path = reference_path();
    if std::env::var_os(WRITE_VAR).is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    if let Some(difference) = first_difference(&stored, &fresh) {
        panic!(
            "{} is out of date with the clap definitions; {difference}\nRegenerate it with `{WRITE_VAR}=1 cargo test \
             -p browser-ai-mlops --test it cli_reference` and commit the result.",
            path.display()
        );
    }
}

/// Every visible command path, found by walking the unbuilt tree (the generator walks the built one).
fn walk(cmd: &Command, prefix: &str, paths: &mut Vec<String>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let path = format!("{prefix} {}", sub.get_name());
        walk(sub, &path, paths);
        paths.push(path);
    }
}

#[test]
fn the_cli_reference_has_a_section_for_every_visible_command_and_none_for_hidden_ones() {
    let cli = Cli::command();
    let text = reference::markdown(&cli);
    let headings: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("## ")).collect();
    let mut paths = vec![cli.get_name().to_string()];
    walk(&cli, cli.get_name(), &mut paths);
    assert!(paths.len() > 40, "the walk found only {paths:?}");
    for path in &paths {
        assert!(headings.contains(&path.as_str()), "the reference has no section `## {path}`");
    }
    assert_eq!(headings.len(), paths.len(), "sections that are not visible commands: {headings:?}");
    for hidden in ["browser-ai-mlops generate-report", "browser-ai-mlops reference"] {
        assert!(!paths.iter().any(|p| p == hidden) && !headings.contains(&hidden), "{hidden} is hidden");
    }
    // The aliases scripts rely on are documented.
    assert!(text.contains("Aliases: `evaluate`"), "eval's alias is missing");
    assert_eq!(reference::visible_paths(&cli), headings, "visible_paths lists the sections in order");
}
