//! Integration tests: environment configs through the real binary and the library — seeding, validation with
//! positions, layering (file < BROWSER_AI_MLOPS__* < --set), secret handling, and every writing command's round trip.

use std::process::Output;

use browser_ai_mlops_core::config::{self, Config};

use crate::util::Home;

const DEV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/development.yaml"));
const STAGING: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/staging.yaml"));
const PROD: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/production.yaml"));

/// Line numbers are counted by hand in the comments; the three problems are on lines 9, 11 and 48.
const BROKEN: &str = "\
# three independent problems
llm:
  provider: baseline
  model: baseline
  temperature: 0.2
  max_tokens: 1000
  timeout_secs: 30
  max_retries: 1
  colour: blue
agent:
  max_steps: many
  max_failures: 3
  step_delay_ms: 0
  use_vision: false
  max_actions_per_step: 2
browser:
  headless: true
  window_width: 1280
  window_height: 800
  timeout_secs: 30
monitoring:
  retention_days: 7
  log_level: info
  alerts:
    error_rate: 0.2
    p95_task_duration_secs: 60
    min_success_rate: 0.5
    cpu_percent: 90
    memory_percent: 90
    disk_percent: 90
experiments:
  auto_log_conversations: true
  auto_log_screenshots: false
  auto_log_dom_snapshots: false
deployment:
  replicas: 1
  resources:
    cpu: 500m
    memory: 1Gi
  autoscaling:
    enabled: false
    min_replicas: 1
    max_replicas: 1
    target_cpu_percent: 80
ab_tests:
  - name: prompt-test
    metric: success_rate
    variants:
      - name: control
        model: agent@1
        traffic: 0.5
      - name: treatment
        model: agent@2
        traffic: 0.4
";

fn write_env(h: &Home, env: &str, text: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(h.config_dir()).unwrap();
    let path = h.config_dir().join(format!("{env}.yaml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn run_with(h: &Home, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut cmd = h.cmd(args);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn all_output(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The config the library loads for `env` (all layers, validated).
fn lib_load(h: &Home, env: &str) -> Config {
    let mut settings = h.settings();
    settings.env = env.to_string();
    config::load(&settings).unwrap_or_else(|e| panic!("load {env}: {e}")).config
}

fn parse(text: &str) -> Config {
    serde_yaml_ng::from_str(text).unwrap()
}

fn comment_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.contains('#')).collect()
}

#[test]
fn empty_config_dir_is_seeded_with_three_clean_envs() {
    let h = Home::new();
    let listed = h.json(&["config", "list-envs"]);
    let names: Vec<&str> = listed["envs"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["development", "production", "staging"]);
    assert_eq!(listed["active"], "development");
    for (env, embedded) in [("development", DEV), ("staging", STAGING), ("production", PROD)] {
        let on_disk = std::fs::read_to_string(h.config_dir().join(format!("{env}.yaml"))).unwrap();
        assert_eq!(on_disk, embedded, "{env} was not seeded with the shipped default");
        let v = h.json(&["config", "validate", env]);
        assert_eq!(v["problems"], serde_json::json!([]), "{env}");
        assert_eq!(lib_load(&h, env), parse(embedded));
    }
    let files = std::fs::read_dir(h.config_dir()).unwrap().count();
    assert_eq!(files, 3, "only the three configs, no temp files left behind");
}

#[test]
fn validate_reports_every_problem_with_line_and_column() {
    let h = Home::new();
    let path = write_env(&h, "broken", BROKEN);
    let stdout = String::from_utf8_lossy(&h.run(&["config", "validate", "broken"]).stdout).into_owned();
    h.fails(&["config", "validate", "broken"], 2);
    let file = path.display().to_string();
    for expected in [
        format!("{file}:9:3: error: llm.colour: unknown key `colour`"),
        format!("{file}:11:14: error: agent.max_steps: invalid type: string \"many\""),
        format!("{file}:48:5: error: ab_tests.0.variants: traffic split sums to 0.9"),
    ] {
        assert!(stdout.contains(&expected), "missing {expected:?} in:\n{stdout}");
    }
    let out = h.cmd(&["--json", "config", "validate", "broken"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let at: Vec<(u64, u64, &str)> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["line"].as_u64().unwrap(), p["column"].as_u64().unwrap(), p["path"].as_str().unwrap()))
        .collect();
    assert_eq!(at, [(9, 3, "llm.colour"), (11, 14, "agent.max_steps"), (48, 5, "ab_tests.0.variants")]);
    assert_eq!(v["errors"], 3);
    let err = h.fails(&["config", "load", "broken"], 2);
    assert!(err.contains("llm.colour") && err.contains("agent.max_steps") && err.contains("traffic split"), "{err}");
}

#[test]
fn yaml_syntax_errors_carry_line_and_column() {
    let h = Home::new();
    let path = write_env(&h, "syntax", "llm:\n  provider: baseline\n  model: a: b\n");
    let out = h.run(&["config", "validate", "syntax"]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // `  model: a: b` — the second `:` is column 11 of line 3.
    assert!(stdout.contains(&format!("{}:3:11: error: invalid YAML", path.display())), "{stdout}");
}

#[test]
fn unknown_keys_and_literal_secrets_are_errors_that_write_nothing() {
    let h = Home::new();
    h.ok(&["config", "list-envs"]);
    let dev = h.config_dir().join("development.yaml");
    let err = h.fails(&["config", "set", "llm.colour", "blue"], 2);
    assert!(err.contains("unknown key `colour`"), "{err}");
    let err = h.fails(&["config", "set", "llm.api_key", "sk-live-LITERAL0123456789"], 2);
    assert!(err.contains("looks like a literal secret"), "{err}");
    assert!(!err.contains("LITERAL0123456789"), "the literal was echoed: {err}");
    assert_eq!(std::fs::read_to_string(&dev).unwrap(), DEV, "a refused write changed the file");

    let literal = DEV.replace("  api_key: null", "  api_key: sk-live-LITERAL0123456789 #");
    write_env(&h, "leaky", &literal);
    let out = h.run(&["config", "validate", "leaky"]);
    assert_eq!(out.status.code(), Some(2));
    let text = all_output(&out);
    assert!(text.contains("llm.api_key: looks like a literal secret; use env:NAME or keychain:NAME"), "{text}");
    assert!(!text.contains("LITERAL0123456789"), "{text}");
}

#[test]
fn set_round_trips_and_keeps_comments() {
    let h = Home::new();
    h.ok(&["config", "list-envs"]);
    let dev = h.config_dir().join("development.yaml");
    let mut intended = parse(DEV);

    let v = h.json(&["config", "set", "llm.temperature", "0.3"]);
    assert_eq!((v["in_place"].as_bool(), v["value"].as_f64()), (Some(true), Some(0.3)));
    intended.llm.temperature = 0.3;
    h.ok(&["config", "set", "browser.allowed_domains", r#"["127.0.0.1","localhost"]"#, "development"]);
    intended.browser.allowed_domains = vec!["127.0.0.1".into(), "localhost".into()];
    h.ok(&["config", "set", "browser.proxy", "http://proxy.local:3128"]);
    intended.browser.proxy = Some("http://proxy.local:3128".into());
    h.ok(&["config", "set", "deployment.resources.cpu", "\"2\""]);
    intended.deployment.resources.cpu = "2".into();

    let text = std::fs::read_to_string(&dev).unwrap();
    assert_eq!(parse(&text), intended, "serde_yaml_ng reads back something else:\n{text}");
    assert_eq!(lib_load(&h, "development"), intended);
    for line in comment_lines(DEV).iter().filter(|l| l.trim_start().starts_with('#')) {
        assert!(text.contains(line), "comment line {line:?} lost:\n{text}");
    }
    assert!(text.contains("# false (or --headful) shows the window"), "trailing comment lost:\n{text}");
}

#[test]
fn set_feature_flag_inserts_or_flips_and_round_trips() {
    let h = Home::new();
    h.ok(&["config", "list-envs"]);
    h.ok(&["config", "set-feature-flag", "dark_mode", "true", "production"]);
    h.ok(&["config", "set-feature-flag", "new_ui", "true", "production"]);
    let mut intended = parse(PROD);
    intended.feature_flags.insert("dark_mode".into(), true);
    intended.feature_flags.insert("new_ui".into(), true);
    let text = std::fs::read_to_string(h.config_dir().join("production.yaml")).unwrap();
    assert_eq!(parse(&text), intended);
    assert_eq!(lib_load(&h, "production"), intended);
    assert_eq!(comment_lines(&text), comment_lines(PROD), "comments changed:\n{text}");
    assert!(text.contains("\n  dark_mode: true\n"), "new flag not added inside feature_flags:\n{text}");
    h.fails(&["config", "set-feature-flag", "x", "maybe", "production"], 2);
}

#[test]
fn set_falls_back_to_rewriting_when_in_place_is_impossible() {
    let h = Home::new();
    let text = BROKEN
        .replace("  colour: blue\n", "")
        .replace("max_steps: many", "max_steps: 5")
        .replace("traffic: 0.4", "traffic: 0.5")
        .replace("        model: agent@1\n", "        model: agent@1\n        system_prompt: |\n          Be brief.\n");
    write_env(&h, "qa", &text);
    let v = h.json(&["config", "set", "ab_tests.0.variants.0.system_prompt", "Be thorough.", "qa"]);
    assert_eq!(v["in_place"], false);
    let mut intended = parse(&text);
    intended.ab_tests[0].variants[0].system_prompt = Some("Be thorough.".into());
    let written = std::fs::read_to_string(h.config_dir().join("qa.yaml")).unwrap();
    assert_eq!(parse(&written), intended);
    assert_eq!(lib_load(&h, "qa"), intended);
}

#[test]
fn clone_copies_with_comments_and_refuses_to_overwrite() {
    let h = Home::new();
    h.ok(&["config", "clone", "staging", "qa-eu"]);
    let text = std::fs::read_to_string(h.config_dir().join("qa-eu.yaml")).unwrap();
    assert_eq!(text, STAGING);
    assert_eq!(lib_load(&h, "qa-eu"), parse(STAGING));
    h.ok(&["config", "set", "llm.temperature", "0.9", "qa-eu"]);
    let err = h.fails(&["config", "clone", "production", "qa-eu"], 2);
    assert!(err.contains("overwriting it needs force") && err.contains("hint: pass --force"), "{err}");
    assert_eq!(lib_load(&h, "qa-eu").llm.temperature, 0.9, "a refused clone changed the target");
    h.ok(&["config", "clone", "production", "qa-eu", "--force"]);
    assert_eq!(lib_load(&h, "qa-eu"), parse(PROD));
    h.fails(&["config", "clone", "staging", "Bad Name"], 2);
    h.fails(&["config", "clone", "nope", "x"], 2);
}

#[test]
fn env_vars_override_the_file_and_set_overrides_env_vars() {
    let h = Home::new();
    let temp = |out: Output| -> serde_json::Value {
        assert!(out.status.success(), "{}", all_output(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["config"]["llm"]["temperature"].clone()
    };
    let show = ["--json", "config", "show", "--section", "llm"];
    assert_eq!(temp(run_with(&h, &show, &[])), 0.7);
    let env = [("BROWSER_AI_MLOPS__LLM__TEMPERATURE", "0.5")];
    assert_eq!(temp(run_with(&h, &show, &env)), 0.5);
    let with_set = ["--json", "--set", "llm.temperature=0.2", "config", "show", "--section", "llm"];
    assert_eq!(temp(run_with(&h, &with_set, &env)), 0.2);

    let vars = [
        ("BROWSER_AI_MLOPS__FEATURE_FLAGS__NEW_UI", "false"),
        ("BROWSER_AI_MLOPS__FEATURE_FLAGS__BETA_SEARCH", "true"),
        ("BROWSER_AI_MLOPS__BROWSER__ALLOWED_DOMAINS", r#"["example.com"]"#),
        ("BROWSER_AI_MLOPS__DEPLOYMENT__AUTOSCALING__MAX_REPLICAS", "3"),
    ];
    let out = run_with(&h, &["--json", "config", "load"], &vars);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["enabled_flags"], serde_json::json!(["beta_search", "vision_fallback"]));
    assert_eq!(v["disabled_flags"], serde_json::json!(["new_ui"]));
    assert_eq!(v["config"]["browser"]["allowed_domains"], serde_json::json!(["example.com"]));
    assert_eq!(v["config"]["deployment"]["autoscaling"]["max_replicas"], 3);
    assert_eq!(std::fs::read_to_string(h.config_dir().join("development.yaml")).unwrap(), DEV);
}

#[test]
fn unknown_env_var_is_an_error_naming_it() {
    let h = Home::new();
    for args in [&["config", "load"][..], &["config", "show"], &["config", "validate"]] {
        let out = run_with(&h, args, &[("BROWSER_AI_MLOPS__NOPE__X", "1")]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let text = all_output(&out);
        assert!(text.contains("BROWSER_AI_MLOPS__NOPE__X") && text.contains("unknown section `nope`"), "{text}");
    }
    let out = run_with(&h, &["config", "load"], &[("BROWSER_AI_MLOPS__LLM__COLOUR", "1")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(all_output(&out).contains("BROWSER_AI_MLOPS__LLM__COLOUR"));
}

#[test]
fn production_warnings_do_not_fail_validation() {
    let h = Home::new();
    h.ok(&["config", "set", "monitoring.log_level", "debug", "production"]);
    h.ok(&["config", "set", "browser.headless", "false", "production"]);
    h.ok(&["config", "set", "deployment.replicas", "1", "production"]);
    h.ok(&["config", "set", "deployment.autoscaling.enabled", "false", "production"]);
    h.ok(&["config", "set-feature-flag", "NewCheckout", "true", "production"]);
    let v = h.json(&["config", "validate", "production"]);
    assert_eq!(v["errors"], 0);
    let mut paths: Vec<&str> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|p| assert_eq!(p["severity"], "warning"))
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(paths, ["browser.headless", "deployment.replicas", "feature_flags.NewCheckout", "monitoring.log_level"]);
    // The same values in staging are not production problems.
    h.ok(&["config", "set", "monitoring.log_level", "debug", "staging"]);
    assert_eq!(h.json(&["config", "validate", "staging"])["problems"], serde_json::json!([]));
}

#[test]
fn a_secret_value_never_appears_in_any_output() {
    let h = Home::new();
    let canary = "canary-9f8e7d6c5b4a";
    write_env(&h, "development", &DEV.replace("  api_key: null", "  api_key: env:BAM_TEST_CANARY_KEY #"));
    let vars = [("BAM_TEST_CANARY_KEY", canary)];
    for json in [false, true] {
        for cmd in [
            &["config", "show"][..],
            &["config", "show", "--section", "llm"],
            &["config", "load"],
            &["config", "validate"],
        ] {
            let mut args: Vec<&str> = if json { vec!["--json"] } else { vec![] };
            args.extend_from_slice(cmd);
            let out = run_with(&h, &args, &vars);
            let text = all_output(&out);
            assert!(out.status.success(), "{args:?}: {text}");
            assert!(!text.contains(canary), "{args:?} printed the secret:\n{text}");
        }
    }
    let shown = all_output(&run_with(&h, &["config", "show"], &vars));
    assert!(shown.contains("env:BAM_TEST_CANARY_KEY (set)"), "{shown}");
    let out = run_with(&h, &["--json", "config", "show"], &vars);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["secrets"][0]["status"], "set");
    let out = run_with(&h, &["--json", "config", "show"], &[]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["secrets"][0]["status"], "unset");

    let out = run_with(&h, &["config", "load"], &[("BROWSER_AI_MLOPS__LLM__API_KEY", canary)]);
    assert_eq!(out.status.code(), Some(2));
    let text = all_output(&out);
    assert!(text.contains("looks like a literal secret") && !text.contains(canary), "{text}");
}
