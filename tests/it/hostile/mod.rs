//! Integration tests of hostile and unusual input through the real binary: a data directory this process cannot
//! write, control characters in names and values, values beyond the limits, timestamps out of range, and config
//! files that are not UTF-8.

mod read_only;

use crate::util::Home;

const ESC: char = '\u{1b}';

fn no_control_characters(text: &str) -> bool {
    !text.chars().any(|c| c.is_control() && c != '\n')
}

/// Names refuse control characters with the code point; values may hold them and are printed escaped.
#[test]
fn control_characters_are_refused_in_names_and_escaped_when_printed() {
    let h = Home::new();
    let err = h.fails(&["experiment", "create", "evil\u{1b}[2Jname"], 2);
    assert!(err.contains("experiment name") && err.contains("U+001B"), "{err}");
    assert!(no_control_characters(&err), "the error repeats the control character: {err:?}");
    assert!(h.json(&["experiment", "list"]).as_array().unwrap().is_empty());

    h.ok(&["experiment", "create", "plain"]);
    let err = h.fails(&["run", "start", "--experiment", "plain", "--name", "bell\u{7}run"], 2);
    assert!(err.contains("run name") && err.contains("U+0007"), "{err}");
    let err = h.fails(&["run", "start", "--experiment", "plain", "--param", "lr\rx=1"], 2);
    assert!(err.contains("U+000D"), "{err}");

    // A value may hold any character; people see it escaped, JSON carries it exactly.
    let value = format!("{ESC}]0;owned{}\nnext", '\u{7}');
    let run = h.ok(&["run", "start", "--experiment", "plain", "--tag", &format!("note={value}")]).trim().to_string();
    let shown = h.ok(&["run", "show", &run]);
    assert!(no_control_characters(&shown), "run show printed a control character: {shown:?}");
    assert!(shown.contains("note=\\u{1b}]0;owned\\u{7}\\nnext"), "{shown}");
    assert_eq!(h.json(&["run", "show", &run])["tags"]["note"], value.as_str());
}

/// MLflow's limits for keys and values, with the field, the limit and the actual length in the error.
#[test]
fn values_beyond_the_limits_are_refused_naming_the_limit_and_the_length() {
    let h = Home::new();
    h.ok(&["experiment", "create", "e"]);
    let run = h.ok(&["run", "start", "--experiment", "e"]).trim().to_string();
    let big = "x".repeat(6_001);
    let err = h.fails(&["run", "log-param", &run, "prompt", &big], 2);
    assert!(err.contains("param \"prompt\" value") && err.contains("at most 6000 characters, got 6001"), "{err}");
    assert!(err.len() < 1_000, "the error repeats the value ({} bytes)", err.len());
    h.ok(&["run", "log-param", &run, "prompt", &"x".repeat(6_000)]);
    let err = h.fails(&["run", "set-tag", &run, "t", &"y".repeat(8_001)], 2);
    assert!(err.contains("at most 8000 characters, got 8001"), "{err}");
    let err = h.fails(&["run", "log-metric", &run, &"k".repeat(251), "1"], 2);
    assert!(err.contains("at most 250 characters, got 251"), "{err}");
    let err = h.fails(&["experiment", "create", &"n".repeat(300)], 2);
    assert!(err.contains("experiment name") && err.contains("got 300"), "{err}");
    let params = h.json(&["run", "show", &run])["params"].clone();
    assert_eq!(params.as_object().unwrap().len(), 1, "{params}");
}

/// Timestamps before 2000 or from 2200 on are refused, naming the range; nothing is stored.
#[test]
fn timestamps_out_of_range_are_refused_naming_the_range() {
    let h = Home::new();
    h.ok(&["experiment", "create", "e"]);
    let run = h.ok(&["run", "start", "--experiment", "e"]).trim().to_string();
    for ts in ["-5", "99999999999999", "1700000000"] {
        let err = h.fails(&["run", "log-metric", &run, "loss", "1", &format!("--timestamp-ms={ts}")], 2);
        assert!(err.contains("2000-01-01T00:00:00Z") && err.contains("2200-01-01T00:00:00Z"), "{err}");
        assert!(err.contains(&format!("got {ts}")), "{err}");
    }
    let batch = h.path().join("b.jsonl");
    std::fs::write(
        &batch,
        format!("{{\"type\":\"metric\",\"run\":\"{run}\",\"key\":\"loss\",\"value\":1,\"ts_ms\":-5}}\n"),
    )
    .unwrap();
    let err = h.fails(&["run", "log-batch", &run, "--file", batch.to_str().unwrap()], 2);
    assert!(err.contains("ts_ms") && err.contains("got -5"), "{err}");
    // 2026-01-01T00:00:00Z is accepted.
    h.ok(&["run", "log-metric", &run, "loss", "1", "--timestamp-ms", "1767225600000"]);
    let points = h.json(&["run", "metric", &run, "loss"])["points"].clone();
    assert_eq!(points.as_array().unwrap().len(), 1, "{points}");
    assert_eq!(points[0]["ts_ms"], 1_767_225_600_000_i64);
}

/// A config file that is not UTF-8: exit 2 naming the file and the first invalid byte; the other environments
/// are still listed, the broken one marked with its error.
#[test]
fn a_config_file_that_is_not_utf8_is_located_and_does_not_hide_the_others() {
    let h = Home::new();
    h.ok(&["config", "list-envs"]);
    let broken = h.config_dir().join("broken.yaml");
    let mut bytes = std::fs::read(h.config_dir().join("development.yaml")).unwrap();
    let offset = bytes.len();
    bytes.extend_from_slice(b"# caf\xe9\n");
    std::fs::write(&broken, &bytes).unwrap();
    let lines = bytes[..offset].iter().filter(|b| **b == b'\n').count();

    let err = h.fails(&["config", "load", "broken"], 2);
    let at = offset + "# caf".len();
    assert!(err.contains("broken.yaml") && err.contains(&format!("byte offset {at}")), "{err}");
    assert!(err.contains(&format!(":{}:6", lines + 1)) && err.contains("0xE9"), "{err}");

    let listed = h.json(&["config", "list-envs"]);
    let envs = listed["envs"].as_array().unwrap();
    let names: Vec<&str> = envs.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["broken", "development", "production", "staging"]);
    assert_eq!(envs[0]["valid"], false);
    assert!(envs[0]["first_error"].as_str().unwrap().contains(&format!("byte offset {at}")), "{}", envs[0]);
    assert_eq!(envs[1]["valid"], true);
    let text = h.ok(&["config", "list-envs"]);
    assert!(text.contains("broken: ") && text.contains("not valid UTF-8"), "{text}");
}
