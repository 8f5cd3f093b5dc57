//! The `browser-ai-mlops` binary: parse, run, report a failure once and exit with its code (see `exit` for the
//! codes and the `--json` error object).

fn main() {
    std::process::exit(browser_ai_mlops_cli::exit::main_with_args(std::env::args_os().collect()));
}
