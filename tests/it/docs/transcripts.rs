//! The documentation's transcripts are executable, so the docs and the binary cannot drift: every ```console block
//! of README.md and docs/guide/*.md runs, in order, against a fresh data dir and config dir per document, and each
//! command's output (stdout, then stderr) must match what the block shows.
//!
//! A block's format:
//! - `$ browser-ai-mlops ARGS` runs the binary (a line ending in `\` continues on the next). Quotes ('…', "…"),
//!   `$NAME` and `# comments` work as in a shell. `$ NAME=$(browser-ai-mlops ARGS)` runs the command and keeps its trimmed stdout in
//!   `$NAME`; `$ NAME=VALUE` sets it.
//! - The lines up to the next `$ ` are the expected output. Runs of spaces compare as one space (tables may align
//!   differently around a placeholder), trailing blank lines are ignored, `[..]` matches any text within a line and
//!   a line `...` any number of lines (ids, times, durations, user names).
//! - The command must exit 0, or non-zero when the expected output has an `error:` line; a last line `[exit N]`
//!   (not shown by the binary) asks for exactly N.
//! - Files a transcript reads come from the document: `<!-- transcript file: NAME -->` right before a fenced block
//!   writes that block to NAME; `<!-- transcript file: NAME` … `-->` writes the lines in between (a hidden file).
//!   Commands run in the document's temporary directory, so relative paths land there.
//!
//! Blocks that show what cannot run here (a server, the desktop app, the demo on Chromium) are fenced as `text`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = "browser-ai-mlops";

/// One `$ …` line of a transcript and what it should print.
#[derive(Debug)]
struct Step {
    /// 1-based line of the `$` in the document.
    line: usize,
    command: String,
    expected: Vec<String>,
}

/// What a document asks for, in document order.
#[derive(Debug)]
enum Item {
    File { name: String, content: String },
    Step(Step),
}

fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The transcripts and files of one Markdown document.
fn parse(text: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    let mut file_for_next_block: Option<String> = None;
    while let Some((_, line)) = lines.next() {
        if let Some(rest) = line.trim().strip_prefix("<!-- transcript file:") {
            let rest = rest.trim();
            if let Some(name) = rest.strip_suffix("-->") {
                file_for_next_block = Some(name.trim().to_string());
            } else {
                let mut content = String::new();
                for (_, l) in lines.by_ref().take_while(|(_, l)| l.trim() != "-->") {
                    content.push_str(l);
                    content.push('\n');
                }
                items.push(Item::File { name: rest.to_string(), content });
            }
            continue;
        }
        let Some(info) = line.strip_prefix("```") else { continue };
        let body: Vec<(usize, &str)> = lines.by_ref().take_while(|(_, l)| !l.starts_with("```")).collect();
        if let Some(name) = file_for_next_block.take() {
            let content: String = body.iter().map(|(_, l)| format!("{l}\n")).collect();
            items.push(Item::File { name, content });
        } else if info.trim() == "console" {
            items.extend(steps(&body).into_iter().map(Item::Step));
        }
    }
    items
}

/// The commands of one console block with their expected output.
fn steps(body: &[(usize, &str)]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut continued = false;
    for &(i, line) in body {
        if continued {
            let step = steps.last_mut().expect("a continuation follows a command");
            step.command = format!("{} {}", step.command.trim_end(), line.trim());
            continued = step.command.ends_with('\\');
            if continued {
                step.command.pop();
            }
        } else if let Some(command) = line.strip_prefix("$ ") {
            let mut command = command.trim().to_string();
            continued = command.ends_with('\\');
            if continued {
                command.pop();
            }
            steps.push(Step { line: i + 1, command, expected: Vec::new() });
        } else if let Some(step) = steps.last_mut() {
            step.expected.push(line.to_string());
        } else {
            panic!("line {}: output before the first `$ ` command: {line:?}", i + 1);
        }
    }
    steps
}

/// Split a command line into words like a shell: quotes, backslash escapes and `$NAME` expansion.
fn words(command: &str, vars: &BTreeMap<String, String>) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = command.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            // An unquoted `#` starting a word starts a comment.
            (None, '#') if word.is_none() => break,
            (None, c) if c.is_whitespace() => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (Some(q), c) if c == q => quote = None,
            (None | Some('"'), '$') if chars.peek().is_some_and(|n| n.is_ascii_alphabetic() || *n == '_') => {
                let mut name = String::new();
                while let Some(n) = chars.peek().copied().filter(|n| n.is_ascii_alphanumeric() || *n == '_') {
                    name.push(n);
                    chars.next();
                }
                let value = vars.get(&name).unwrap_or_else(|| panic!("`${name}` is not set in `{command}`"));
                word.get_or_insert_with(String::new).push_str(value);
            }
            (None, '\\') => word.get_or_insert_with(String::new).extend(chars.next()),
            (_, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    assert!(quote.is_none(), "unclosed quote in `{command}`");
    words.extend(word);
    words
}

fn is_var_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Whitespace runs as one space, no leading or trailing space.
fn squeeze(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn line_matches(expected: &str, actual: &str) -> bool {
    let (expected, actual) = (squeeze(expected), squeeze(actual));
    if !expected.contains("[..]") {
        return expected == actual;
    }
    let pattern: Vec<String> = expected.split("[..]").map(regex::escape).collect();
    regex::Regex::new(&format!("^{}$", pattern.join(".*"))).is_ok_and(|re| re.is_match(&actual))
}

/// Whether `actual` matches `expected`, where a line `...` stands for any number of lines.
fn lines_match(expected: &[String], actual: &[String]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "..." => {
            (0..=actual.len()).any(|skip| lines_match(rest, &actual[skip..]))
        }
        Some((first, rest)) => {
            actual.split_first().is_some_and(|(a, more)| line_matches(first, a) && lines_match(rest, more))
        }
    }
}

fn without_trailing_blank_lines(lines: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut lines: Vec<String> = lines.into_iter().map(|l| l.trim_end().to_string()).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// Run every transcript of `doc` (relative to the repository root); returns the failures, each naming its line.
fn run_document(doc: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let dir = tempfile::tempdir().unwrap();
    let mut vars = BTreeMap::new();
    let mut failures = Vec::new();
    for item in parse(&text) {
        let step = match item {
            Item::File { name, content } => {
                std::fs::write(dir.path().join(&name), content).unwrap();
                continue;
            }
            Item::Step(step) => step,
        };
        let (capture, command) = match step.command.split_once('=') {
            Some((name, value)) if is_var_name(name) && value.starts_with("$(") && value.ends_with(')') => {
                (Some(name.to_string()), value[2..value.len() - 1].to_string())
            }
            Some((name, value)) if is_var_name(name) && words(value, &vars).len() == 1 => {
                vars.insert(name.to_string(), words(value, &vars).concat());
                continue;
            }
            _ => (None, step.command.clone()),
        };
        let mut argv = words(&command, &vars);
        // `NAME=VALUE browser-ai-mlops …` sets an environment variable for that command.
        let env_len = argv.iter().take_while(|w| w.split_once('=').is_some_and(|(n, _)| is_var_name(n))).count();
        let env: Vec<(String, String)> = argv
            .drain(..env_len)
            .filter_map(|w| w.split_once('=').map(|(n, v)| (n.to_string(), v.to_string())))
            .collect();
        assert_eq!(argv.first().map(String::as_str), Some(BIN), "{doc}:{}: only `{BIN} …` commands run", step.line);
        let out = run(dir.path(), &env, &argv[1..]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        // A captured stdout goes into the variable, as in a shell; only stderr is left to show.
        let shown = match capture {
            Some(name) => {
                vars.insert(name, stdout.trim().to_string());
                String::new()
            }
            None => stdout,
        };
        let actual = without_trailing_blank_lines(shown.lines().chain(stderr.lines()).map(str::to_string));
        let mut expected = without_trailing_blank_lines(step.expected.iter().cloned());
        let stated = expected.last().and_then(|l| l.strip_prefix("[exit ")?.strip_suffix(']')?.parse::<i32>().ok());
        if stated.is_some() {
            expected.pop();
        }
        let wants_error = stated.is_some_and(|c| c != 0) || expected.iter().any(|l| l.starts_with("error:"));
        let code = out.status.code();
        let code_ok = match stated {
            Some(stated) => code == Some(stated),
            None if wants_error => code != Some(0),
            None => code == Some(0),
        };
        if !code_ok || !lines_match(&expected, &actual) {
            failures.push(format!(
                "{doc}:{}: $ {}\n  exit code {code:?}{}\n  --- the document shows:\n{}\n  --- the binary printed:\n{}",
                step.line,
                step.command,
                match (code_ok, stated) {
                    (true, _) => String::new(),
                    (false, Some(n)) => format!(" (expected {n})"),
                    (false, None) if wants_error => " (expected an error)".to_string(),
                    (false, None) => " (expected 0)".to_string(),
                },
                expected.iter().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n"),
                actual.iter().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n"),
            ));
        }
    }
    failures
}

/// The real binary, isolated in `dir` like tests/it/util.rs isolates it.
fn run(dir: &Path, env: &[(String, String)], args: &[String]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_browser-ai-mlops"));
    for (k, _) in std::env::vars() {
        if k.starts_with("BROWSER_AI_MLOPS") {
            c.env_remove(k);
        }
    }
    c.env("BROWSER_AI_MLOPS_DATA_DIR", dir.join("data"))
        .env("BROWSER_AI_MLOPS_CONFIG_DIR", dir.join("config"))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(dir)
        .args(args);
    c.output().expect("spawn browser-ai-mlops")
}

/// README.md and every guide page.
fn documents() -> Vec<String> {
    let mut docs = vec!["README.md".to_string()];
    let guide = repo_root().join("docs/guide");
    let mut pages: Vec<String> = std::fs::read_dir(&guide)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/guide/{n}"))
        .collect();
    pages.sort();
    docs.extend(pages);
    docs
}

#[test]
fn the_documented_transcripts_are_what_the_binary_prints() {
    let mut failures = Vec::new();
    let mut commands = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(repo_root().join(&doc)).unwrap();
        commands += parse(&text).iter().filter(|i| matches!(i, Item::Step(_))).count();
        failures.extend(run_document(&doc));
    }
    assert!(commands > 30, "only {commands} transcript commands were found");
    assert!(
        failures.is_empty(),
        "{} transcript step(s) disagree with the binary:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_runner_matches_placeholders_and_parses_like_a_shell() {
    let vars: BTreeMap<String, String> = [("RUN".to_string(), "r-1".to_string())].into_iter().collect();
    assert_eq!(
        words(r#"run log-metric $RUN "a b" 'c $RUN' d\ e"#, &vars),
        ["run", "log-metric", "r-1", "a b", "c $RUN", "d e"]
    );
    assert!(line_matches("run [..]: loss = 0.5", "run 01a2-ff:  loss = 0.5"));
    assert!(!line_matches("run [..]: loss = 0.5", "run 01a2-ff: loss = 0.6"));
    let s = |v: &[&str]| v.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    assert!(lines_match(&s(&["a", "...", "d"]), &s(&["a", "b", "c", "d"])));
    assert!(!lines_match(&s(&["a", "...", "d"]), &s(&["a", "b", "c"])));
    assert!(!lines_match(&s(&["a"]), &s(&["a", "extra"])), "an extra line is a difference");
    let doc =
        "<!-- transcript file: p.txt -->\n```json\n{}\n```\n```console\n$ browser-ai-mlops a \\\n    --b c\nout\n```\n";
    let items = parse(doc);
    assert!(matches!(&items[0], Item::File { name, content } if name == "p.txt" && content == "{}\n"));
    assert!(matches!(&items[1], Item::Step(s) if s.command == "browser-ai-mlops a --b c" && s.expected == ["out"]));
}
