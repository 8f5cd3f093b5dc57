//! Rendering for the CLI: `--json` prints the api output as stable JSON, otherwise a human table or text.

use serde::Serialize;

use browser_ai_mlops_core::error::{Error, Result};

/// How the user asked to see results.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// Print `value` as pretty JSON with `--json`, else print what `human` renders.
    pub fn emit<T: Serialize>(&self, value: &T, human: impl FnOnce(&T) -> String) -> Result<()> {
        if self.json {
            let text = serde_json::to_string_pretty(value)
                .map_err(|e| Error::Failed(format!("cannot render JSON output: {e}")))?;
            write_stdout(&format!("{text}\n"))
        } else {
            // Tables and fields escape each value; this catches user data formatted into free text.
            let text = human(value);
            let text = escape_lines(&text);
            if text.is_empty() { Ok(()) } else { write_stdout(&format!("{}\n", text.trim_end_matches('\n'))) }
        }
    }
}

/// Write to stdout. Everything the CLI prints goes through here: a closed pipe (`… | head`) is noted (the process
/// then exits 141 without a message, see `exit`) and returned as an error so the command stops producing output,
/// instead of panicking like `println!`.
pub fn write_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    if crate::exit::stdout_closed() {
        return Err(Error::Failed("standard output was closed".to_string()));
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) => {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                crate::exit::note_stdout_closed();
            }
            Err(Error::io("cannot write to standard output", e))
        }
    }
}

pub use browser_ai_mlops_core::text::{escape_lines, fields, num, table};
