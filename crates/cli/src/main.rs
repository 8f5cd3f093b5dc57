//! The `browser-ai-mlops` binary: parse the command line, run it, print an error once (with a `hint:` line naming
//! the command or flag that helps, where there is one), exit 0 / 1 / 2.

use clap::Parser;

fn main() {
    let cli = browser_ai_mlops_cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = match runtime.block_on(browser_ai_mlops_cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", browser_ai_mlops_cli::output::escape_lines(&e.to_string()));
            if let Some(hint) = browser_ai_mlops_cli::hint::for_error(&e) {
                eprintln!("hint: {hint}");
            }
            e.kind().exit_code()
        }
    };
    drop(runtime);
    std::process::exit(code);
}
