//! How the command line ends: the exit code and the one report of a failure on stderr ([`EXIT_CODES`] is the
//! documented contract, printed at the top of docs/reference/cli.md).
//!
//! A closed stdout is not an error: Rust ignores SIGPIPE, so a write into a closed pipe returns `BrokenPipe`;
//! [`crate::output::write_stdout`] notes it and the command stops at its next write, still closing the store (so
//! nothing already accepted is lost), and the process exits 141 without a message. Resetting SIGPIPE to its default
//! instead would kill the process mid-write, before the metric writer's last flush.

use std::ffi::OsString;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Parser;
use serde_json::json;

use browser_ai_mlops_core::error::Error;

use crate::Cli;

/// The exit codes and the error report, as the CLI reference states them (Markdown).
pub const EXIT_CODES: &str = "\
### Exit codes and errors

| code | meaning |
|---|---|
| 0 | success |
| 1 | a valid request failed: an I/O fault, a corrupt database, a check that did not pass (`eval benchmark --min-success-rate`) |
| 2 | bad usage or input: an unknown command or flag, a value out of range, an input file that is missing or unreadable (or an output folder that does not exist), a name or id that does not exist, a conflict with stored state, an invalid config (`config validate`) |
| 141 | standard output was closed before everything was written (`… \\| head`): output stops quietly, as for a tool ended by SIGPIPE |

A failure prints `error: …` on stderr, and `hint: …` where a command or flag gets you out of it. With `--json` it \
prints one JSON object on one line of stderr instead: `{\"error\": message, \"kind\": \"input\" | \"not_found\" | \
\"conflict\" | \"failed\" | \"usage\", \"exit_code\": code, \"hint\": text or null}`; the exit code is the same.
";

/// Exit code when standard output was closed before everything was written (128 + SIGPIPE).
pub const CLOSED_STDOUT: i32 = 141;

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Note that standard output was closed by its reader.
pub fn note_stdout_closed() {
    STDOUT_CLOSED.store(true, Ordering::SeqCst);
}

/// True once a write to standard output found it closed.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::SeqCst)
}

/// Whether the raw arguments ask for `--json` (used when clap itself refuses them, before anything is parsed).
fn json_requested(args: &[OsString]) -> bool {
    args.iter().skip(1).take_while(|a| *a != "--").any(|a| a == "--json")
}

/// Parse, run and report: the whole process, returning its exit code.
pub fn main_with_args(args: Vec<OsString>) -> i32 {
    let json = json_requested(&args);
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return usage_error(e, json),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return report(&Error::Failed(format!("cannot start the async runtime: {e}")), json),
    };
    let result = runtime.block_on(crate::run(cli));
    drop(runtime);
    if stdout_closed() {
        return CLOSED_STDOUT;
    }
    match result {
        Ok(code) => code,
        Err(e) => report(&e, json),
    }
}

/// Print a clap refusal (or help / version, which clap reports the same way) and return its exit code.
fn usage_error(e: clap::Error, json: bool) -> i32 {
    let code = e.exit_code();
    if !json || !e.use_stderr() {
        // Help and version go to stdout, usage errors to stderr, both as clap renders them.
        let _ = e.print();
        return code;
    }
    let detail = e.render().to_string();
    let first = detail.lines().next().unwrap_or_default();
    let message = first.strip_prefix("error: ").unwrap_or(first).to_string();
    let value = json!({ "error": message, "kind": "usage", "exit_code": code, "hint": null, "detail": detail });
    write_stderr(&format!("{value}\n"));
    code
}

/// Print `e` (text, or one JSON object with `--json`) and return its exit code.
pub fn report(e: &Error, json: bool) -> i32 {
    let kind = e.kind();
    let code = kind.exit_code();
    let hint = crate::hint::for_error(e);
    if json {
        let value = json!({ "error": e.to_string(), "kind": kind, "exit_code": code, "hint": hint });
        write_stderr(&format!("{value}\n"));
    } else {
        let mut text = format!("error: {}\n", crate::output::escape_lines(&e.to_string()));
        if let Some(hint) = hint {
            text.push_str(&format!("hint: {hint}\n"));
        }
        write_stderr(&text);
    }
    code
}

/// Write to stderr, ignoring a closed stderr (there is nowhere left to report it).
fn write_stderr(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes()).and_then(|_| stderr.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_noticed_anywhere_before_a_double_dash() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(json_requested(&args(&["bam", "run", "list", "--json"])));
        assert!(!json_requested(&args(&["bam", "run", "log-param", "r", "k", "--", "--json"])));
        assert!(!json_requested(&args(&["--json", "run"])), "the program name is not an argument");
    }
}
