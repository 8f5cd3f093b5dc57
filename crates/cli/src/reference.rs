//! The command line reference, generated from the clap definitions: one Markdown section per command path with its
//! description, usage line, arguments and options (help, defaults, possible values, env vars, aliases). Hidden
//! commands and arguments are left out. `docs/reference/cli.md` is this output; the integration test
//! `docs::cli_reference` fails when the two drift apart and rewrites the file with `BROWSER_AI_MLOPS_WRITE_DOCS=1`.

use clap::{Arg, ArgAction, Command};

/// The first line of the reference: what it is and how to regenerate it.
pub const HEADER: &str = "<!-- Generated from the clap definitions in crates/cli; do not edit. Regenerate with \
`BROWSER_AI_MLOPS_WRITE_DOCS=1 cargo test -p browser-ai-mlops --test it cli_reference` (or `browser-ai-mlops \
reference > docs/reference/cli.md`). -->";

/// Render the reference of `cmd` (normally `Cli::command()`) as Markdown. Deterministic: commands and arguments
/// appear in declaration order and nothing depends on the terminal or the environment.
pub fn markdown(cmd: &Command) -> String {
    let mut root = cmd.clone();
    // Building propagates global options and sets each subcommand's full name (`browser-ai-mlops run log-batch`).
    root.build();
    let mut text = format!("{HEADER}\n\n# `{}` command line reference\n\n{}", root.get_name(), crate::exit::EXIT_CODES);
    section(&root, true, &mut text);
    text
}

/// Every visible command path below `cmd`, depth first in declaration order, as the section headings name them
/// (`browser-ai-mlops run log-batch`). The built-in `help` subcommand is not a command of its own.
pub fn visible_paths(cmd: &Command) -> Vec<String> {
    let mut root = cmd.clone();
    root.build();
    let mut paths = Vec::new();
    collect_paths(&root, &mut paths);
    paths
}

fn collect_paths(cmd: &Command, paths: &mut Vec<String>) {
    paths.push(path_of(cmd));
    for sub in visible_subcommands(cmd) {
        collect_paths(sub, paths);
    }
}

fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

fn path_of(cmd: &Command) -> String {
    cmd.get_bin_name().unwrap_or(cmd.get_name()).to_string()
}

/// The GitHub anchor of a section heading: lower case, spaces become dashes, other punctuation is dropped.
fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn section(cmd: &Command, is_root: bool, text: &mut String) {
    let path = path_of(cmd);
    text.push_str(&format!("\n## {path}\n\n"));
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        text.push_str(&format!("{}\n\n", about.to_string().trim_end()));
    }
    let aliases: Vec<&str> = cmd.get_visible_aliases().collect();
    if !aliases.is_empty() {
        text.push_str(&format!("Aliases: {}\n\n", code_list(aliases.iter().map(|a| a.to_string()))));
    }
    let usage = cmd.clone().render_usage().to_string();
    text.push_str(&format!("```text\n{}\n```\n", usage.trim_end()));

    let subs: Vec<&Command> = visible_subcommands(cmd).collect();
    if !subs.is_empty() {
        text.push_str("\nCommands:\n\n");
        for sub in &subs {
            let sub_path = path_of(sub);
            let about = sub.get_about().map(|a| format!(" — {}", one_line(&a.to_string()))).unwrap_or_default();
            text.push_str(&format!("- [`{}`](#{}){about}\n", sub.get_name(), anchor(&sub_path)));
        }
    }

    // Global options are listed once, in the root section; their propagated copies are skipped below it.
    let args: Vec<&Arg> =
        cmd.get_arguments().filter(|a| !a.is_hide_set() && !is_builtin(a) && (is_root || !a.is_global_set())).collect();
    let positionals: Vec<&Arg> = args.iter().copied().filter(|a| a.is_positional()).collect();
    let options: Vec<&Arg> = args.iter().copied().filter(|a| !a.is_positional()).collect();
    if !positionals.is_empty() {
        text.push_str("\nArguments:\n\n");
        for arg in positionals {
            text.push_str(&arg_item(arg));
        }
    }
    if !options.is_empty() {
        text.push_str(if is_root { "\nOptions (global: accepted after any command):\n\n" } else { "\nOptions:\n\n" });
        for arg in options {
            text.push_str(&arg_item(arg));
        }
    }
    for sub in subs {
        section(sub, false, text);
    }
}

/// `--help` and `--version`, which clap adds to every command.
fn is_builtin(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn code_list(items: impl Iterator<Item = String>) -> String {
    items.map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

fn value_names(arg: &Arg) -> Vec<String> {
    match arg.get_value_names() {
        Some(names) if !names.is_empty() => names.iter().map(|n| n.to_string()).collect(),
        _ => vec![arg.get_id().as_str().to_uppercase()],
    }
}

/// How the argument is written on the command line: `<FILE>`, `[NAME]...`, `-k, --keep`, `--days <N>`.
fn signature(arg: &Arg) -> String {
    let repeated = matches!(arg.get_action(), ArgAction::Append | ArgAction::Count)
        || arg.get_num_args().is_some_and(|n| n.max_values() > 1);
    let more = if repeated { "..." } else { "" };
    if arg.is_positional() {
        let names = value_names(arg).join("> <");
        return if arg.is_required_set() { format!("<{names}>{more}") } else { format!("[{names}]{more}") };
    }
    let mut flags = Vec::new();
    if let Some(short) = arg.get_short() {
        flags.push(format!("-{short}"));
    }
    if let Some(long) = arg.get_long() {
        flags.push(format!("--{long}"));
    }
    let mut sig = flags.join(", ");
    if arg.get_action().takes_values() {
        for name in value_names(arg) {
            sig.push_str(&format!(" <{name}>"));
        }
    }
    sig + more
}

fn arg_item(arg: &Arg) -> String {
    let mut item = format!("- `{}`", signature(arg));
    if let Some(help) = arg.get_long_help().or(arg.get_help()) {
        let help = help.to_string();
        let lines: Vec<String> =
            help.trim_end().lines().map(|l| if l.is_empty() { String::new() } else { format!("  {l}") }).collect();
        item.push_str(&format!(" — {}", lines.join("\n").trim_start()));
    }
    let mut notes = Vec::new();
    if arg.is_required_set() && !arg.is_positional() {
        notes.push("Required.".to_string());
    }
    if arg.get_action().takes_values() {
        let defaults: Vec<String> = arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
        if !defaults.is_empty() {
            notes.push(format!("Default: {}.", code_list(defaults.into_iter())));
        }
        let possible: Vec<String> =
            arg.get_possible_values().iter().filter(|p| !p.is_hide_set()).map(|p| p.get_name().to_string()).collect();
        if !possible.is_empty() {
            notes.push(format!("Possible values: {}.", code_list(possible.into_iter())));
        }
    }
    if let Some(env) = arg.get_env() {
        notes.push(format!("Env: `{}`.", env.to_string_lossy()));
    }
    let mut aliases: Vec<String> =
        arg.get_visible_short_aliases().unwrap_or_default().iter().map(|c| format!("-{c}")).collect();
    aliases.extend(arg.get_visible_aliases().unwrap_or_default().iter().map(|a| format!("--{a}")));
    if !aliases.is_empty() {
        notes.push(format!("Aliases: {}.", code_list(aliases.into_iter())));
    }
    if !notes.is_empty() {
        item.push_str(&format!("\n  {}", notes.join(" ")));
    }
    item.push('\n');
    item
}
