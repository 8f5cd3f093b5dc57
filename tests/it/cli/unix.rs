//! The command line as a Unix tool: completion in a real bash, output into a pipe closed early, errors as JSON under
//! `--json`, conflicting output flags, exit codes for missing input files, and no terminal codes into a pipe.

use std::io::Read;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::util::Home;

/// Run `bash` with the generated script sourced and COMP_WORDS set to `words` (the last one being completed);
/// returns COMPREPLY, one word per line.
fn complete(home: &Home, words: &[&str]) -> Vec<String> {
    let script_path = home.path().join("completion.bash");
    std::fs::write(&script_path, home.ok(&["completions", "bash"])).unwrap();
    let script = std::fs::read_to_string(&script_path).unwrap();
    // The function bash calls is the one the script registers for the binary.
    let function = script
        .lines()
        .find_map(|l| l.trim().strip_prefix("complete -F ")?.split_whitespace().next())
        .expect("the script registers a completion function")
        .to_string();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={cword}\nCOMP_LINE=\"${{COMP_WORDS[*]}}\"\nCOMP_POINT=${{#COMP_LINE}}\n\
         {function} '{}' '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script_path.display(),
        quoted.join(" "),
        words[0],
        words[cword],
        words[cword - 1],
    );
    let out = Command::new("bash").arg("--norc").arg("-c").arg(program).output().expect("run bash");
    assert!(out.status.success(), "bash failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[test]
fn completions_complete_below_the_top_level_in_a_real_bash() {
    let home = Home::new();
    let top = complete(&home, &["browser-ai-mlops", "ru"]);
    assert_eq!(top, ["run"], "the top level completes");
    let run = complete(&home, &["browser-ai-mlops", "run", "l"]);
    for word in ["list", "log-batch", "log-metric"] {
        assert!(run.iter().any(|w| w == word), "`run l` should offer {word}, offered {run:?}");
    }
    assert!(!run.iter().any(|w| w == "start"), "only words starting with l: {run:?}");
    let flags = complete(&home, &["browser-ai-mlops", "run", "log-batch", "--fi"]);
    assert_eq!(flags, ["--file"], "a subcommand's own flags complete");
    let deeper = complete(&home, &["browser-ai-mlops", "model", "version", "cr"]);
    assert_eq!(deeper, ["create"], "two levels down");
}

/// Start `args` with stdout piped, read a little of it, close the pipe, and return (exit code, stderr).
fn close_early(home: &Home, args: &[&str]) -> (Option<i32>, String) {
    let mut child = home.cmd(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Outputs larger than a pipe's buffer (64 KiB on Linux), so the writer is still writing when the reader leaves.
#[test]
fn output_into_a_pipe_closed_early_stops_quietly_with_exit_141() {
    let home = Home::new();
    assert!(home.ok(&["completions", "bash"]).len() > 128 * 1024, "the completion script outgrows a pipe buffer");
    let (code, stderr) = close_early(&home, &["completions", "bash"]);
    assert_eq!(code, Some(141), "stderr: {stderr}");
    assert_eq!(stderr, "", "a closed pipe is not reported");

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use browser_ai_mlops_core::api::{experiments, runs};
        let core = browser_ai_mlops_core::Core::new(home.settings());
        let input = experiments::CreateExperimentInput {
            name: "many".into(),
            description: String::new(),
            tags: Default::default(),
        };
        experiments::create(&core, input).await.unwrap();
        for i in 0..400 {
            let input = runs::StartRunInput {
                experiment: "many".into(),
                name: Some(format!("run-{i:03}")),
                model_version_id: None,
                params: [("lr".to_string(), format!("0.{i}"))].into_iter().collect(),
                tags: Default::default(),
            };
            runs::start(&core, input).await.unwrap();
        }
        core.shutdown().await.unwrap();
    });
    let full = home.ok(&["--json", "run", "list", "--limit", "400"]);
    assert!(full.len() > 128 * 1024, "the run list outgrows a pipe buffer ({} bytes)", full.len());
    let (code, stderr) = close_early(&home, &["--json", "run", "list", "--limit", "400"]);
    assert_eq!(code, Some(141), "stderr: {stderr}");
    assert_eq!(stderr, "");
}

fn json_error(stderr: &str) -> Value {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON object on one line: {stderr}");
    serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("stderr is not JSON ({e}): {stderr}"))
}

#[test]
fn under_json_errors_are_one_json_object_on_stderr_with_the_same_exit_code() {
    let home = Home::new();
    let text = home.fails(&["run", "show", "no-such-run"], 2);
    assert!(text.starts_with("error: "), "{text}");
    let e = json_error(&home.fails(&["--json", "run", "show", "no-such-run"], 2));
    assert_eq!(e["kind"], "not_found");
    assert_eq!(e["exit_code"], 2);
    assert!(e["error"].as_str().unwrap().contains("no-such-run"), "{e}");

    // A hint travels in the object.
    let e = json_error(&home.fails(&["--json", "run", "start", "--experiment", "nope"], 2));
    assert!(e["hint"].as_str().unwrap().contains("experiment list"), "{e}");

    // clap's refusals too, wherever --json is on the line.
    let e = json_error(&home.fails(&["experiment", "frobnicate", "--json"], 2));
    assert_eq!(e["kind"], "usage");
    assert!(e["error"].as_str().unwrap().contains("frobnicate"), "{e}");
}

#[test]
fn json_with_a_conflicting_output_format_is_refused() {
    let home = Home::new();
    home.ok(&["model", "register", "m", "baseline", "b"]);
    let stderr = home.fails(&["--json", "model", "export", "m:1", "--format", "yaml"], 2);
    assert!(stderr.contains("--json") && stderr.contains("--format yaml"), "{stderr}");
    // Agreeing flags are fine, and so is a YAML file with a JSON summary.
    let doc = home.json(&["model", "export", "m:1", "--format", "json"]);
    assert_eq!(doc["document"]["model"], "m");
    let path = home.path().join("m.yaml");
    home.json(&["model", "export", "m:1", "--format", "yaml", "--output", path.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&path).unwrap().contains("model: m"));
}

#[test]
fn a_missing_input_file_is_bad_input_and_exits_2_naming_the_file() {
    let home = Home::new();
    home.ok(&["experiment", "create", "e"]);
    let run = home.ok(&["run", "start", "--experiment", "e"]).trim().to_string();
    let missing = home.path().join("no-such-points.jsonl");
    let missing = missing.to_str().unwrap();
    let stderr = home.fails(&["run", "log-batch", &run, "--file", missing], 2);
    assert!(stderr.contains("no-such-points.jsonl"), "{stderr}");
    let stderr = home.fails(&["model", "import", missing], 2);
    assert!(stderr.contains("no-such-points.jsonl"), "{stderr}");
    let stderr = home.fails(&["model", "register", "m", "baseline", "b", "--system-prompt-file", missing], 2);
    assert!(stderr.contains("no-such-points.jsonl"), "{stderr}");
    // A directory where a file was expected is bad input too.
    let dir = home.path().to_str().unwrap().to_string();
    home.fails(&["run", "log-batch", &run, "--file", &dir], 2);
    // A report into a folder that does not exist: the same rule as for a missing input file.
    let nowhere = home.path().join("no-such-dir").join("r.json");
    home.fails(&["report", "generate", nowhere.to_str().unwrap()], 2);
    home.fails(&["generate-report", nowhere.to_str().unwrap()], 2);
}

#[test]
fn write_commands_name_what_they_wrote_in_json() {
    let home = Home::new();
    home.ok(&["experiment", "create", "e"]);
    let run = home.ok(&["run", "start", "--experiment", "e"]).trim().to_string();
    let point = home.json(&["run", "log-metric", &run, "loss", "0.5", "--step", "3"]);
    assert_eq!(point["run_id"], run.as_str());
    assert_eq!(point["key"], "loss");
    assert_eq!(point["step"], 3);
    let param = home.json(&["run", "log-param", &run, "lr", "0.1"]);
    assert_eq!(param["run_id"], run.as_str());
    let tag = home.json(&["run", "set-tag", &run, "site", "shop"]);
    assert_eq!(tag["run_id"], run.as_str());
}

/// A pipe gets plain frames: no cursor movement or clearing codes.
#[test]
fn monitor_watch_into_a_pipe_writes_no_terminal_codes() {
    let home = Home::new();
    let out = home.ok(&["monitor", "watch", "--iterations", "2", "--interval", "1"]);
    assert!(!out.contains('\u{1b}'), "escape codes in piped output: {out:?}");
    assert_eq!(out.matches("browser-ai-mlops monitor watch").count(), 2, "both frames are printed: {out}");
}

/// Human output uses one number rule: extreme values in scientific notation, never hundreds of digits or a false 0;
/// JSON keeps every digit.
#[test]
fn extreme_metric_values_print_readably_and_json_keeps_them_exactly() {
    let home = Home::new();
    home.ok(&["experiment", "create", "e"]);
    let run = home.ok(&["run", "start", "--experiment", "e"]).trim().to_string();
    home.ok(&["run", "log-metric", &run, "huge", "1e308"]);
    home.ok(&["run", "log-metric", &run, "tiny", "5e-324"]);
    let said = home.ok(&["run", "log-metric", &run, "tiny", "5e-324", "--step", "1"]);
    assert!(said.contains("tiny = 5e-324 at step 1"), "{said}");
    let shown = home.ok(&["run", "show", &run]);
    let huge = shown.lines().find(|l| l.trim_start().starts_with("huge")).unwrap();
    assert_eq!(huge.split_whitespace().collect::<Vec<_>>(), ["huge", "1e308", "0", "1e308", "1e308", "1e308", "1"]);
    let tiny = shown.lines().find(|l| l.trim_start().starts_with("tiny")).unwrap();
    assert_eq!(tiny.split_whitespace().nth(1), Some("5e-324"), "{tiny}");
    let history = home.ok(&["run", "metric", &run, "huge"]);
    assert!(history.lines().nth(1).unwrap().contains(" 1e308 "), "{history}");
    let listed = home.ok(&["run", "list"]);
    assert!(listed.contains("1e308") && listed.contains("5e-324"), "{listed}");
    let json = home.json(&["run", "metric", &run, "tiny"]);
    assert_eq!(json["points"][0]["value"].as_f64(), Some(5e-324));
}

/// `run start` records the pid of the process that started the run, which has exited by now: both views say so.
#[cfg(target_os = "linux")]
#[test]
fn run_list_and_run_show_agree_on_a_run_whose_process_is_gone() {
    let home = Home::new();
    home.ok(&["experiment", "create", "e"]);
    let run = home.ok(&["run", "start", "--experiment", "e"]).trim().to_string();
    let shown = home.ok(&["run", "show", &run]);
    assert!(shown.contains("running (process gone)"), "{shown}");
    let listed = home.ok(&["run", "list"]);
    let row = listed.lines().find(|l| l.trim_start().starts_with(&run)).unwrap();
    assert!(row.contains("running (process gone)"), "{row}");
    let other = home.ok(&["run", "start", "--experiment", "e"]).trim().to_string();
    let compared = home.ok(&["run", "compare", &run, &other]);
    assert!(compared.contains("running (process gone)"), "{compared}");
}

#[test]
fn set_feature_flag_writes_the_active_environment_when_none_is_named() {
    let home = Home::new();
    let r = home.json(&["--env", "staging", "config", "set-feature-flag", "new_checkout", "true"]);
    assert_eq!(r["env"], "staging");
    assert_eq!(r["key"], "feature_flags.new_checkout");
    let staging = std::fs::read_to_string(home.config_dir().join("staging.yaml")).unwrap();
    assert!(staging.contains("new_checkout: true"), "{staging}");
    // Named explicitly, the environment still wins over the active one.
    let r = home.json(&["--env", "staging", "config", "set-feature-flag", "new_checkout", "false", "production"]);
    assert_eq!(r["env"], "production");
}
