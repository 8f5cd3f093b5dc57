//! Progress on stderr for long work (a batch file being logged, a config being validated, the demo, `bench`, an
//! evaluation): shown only when stderr is a terminal and `--json` is off, so pipes, files and scripts get none of
//! it. A spinner says what is being done; a bar counts steps when their number is known.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::Output;

/// Whether progress is drawn: stderr is a terminal and the output is for people.
pub fn shown(out: &Output) -> bool {
    !out.json && std::io::stderr().is_terminal()
}

/// A spinner with `message`, ticking on its own; hidden when progress is not shown. End it with
/// `finish_and_clear`.
pub fn spinner(out: &Output, message: impl Into<String>) -> ProgressBar {
    if !shown(out) {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.set_message(message.into());
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}

/// A bar of `len` steps (the length may be set later); hidden when progress is not shown.
pub fn bar(out: &Output, len: u64) -> ProgressBar {
    if !shown(out) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
