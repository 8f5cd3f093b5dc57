//! Model export and import through the real binary: a version exported as YAML or JSON and imported under another
//! name keeps its configuration, description and changelog; a bad import file is refused naming file, line and
//! field, and nothing is written.

use serde_json::Value;

use super::{count, register};
use crate::util::Home;

fn round_trip(h: &Home, ext: &str) {
    let prompt_file = h.path().join("prompt.txt");
    std::fs::write(&prompt_file, "You are a shopping agent.\nNever pay.\n  indented: yes\n").unwrap();
    let original = register(
        h,
        &[
            "agent",
            "openai-compatible",
            "qwen2.5-72b",
            "--base-url",
            "http://10.0.0.5:8000/v1",
            "--temperature",
            "0.35",
            "--max-tokens",
            "2048",
            "--top-p",
            "0.95",
            "--system-prompt-file",
            prompt_file.to_str().unwrap(),
            "--param",
            "seed=42",
            "--param",
            r#"stop=["</done>"]"#,
            "--param",
            "mode=fast",
            "--param",
            r#"nested={"a":{"b":[1,2.5,true,null]}}"#,
            "--description",
            "full config",
            "--changelog",
            "yes: no",
        ],
    );
    let file = h.path().join(format!("export.{ext}"));
    let out = h.ok(&["model", "export", original["reference"].as_str().unwrap(), "--output", file.to_str().unwrap()]);
    assert!(out.contains("exported"), "{out}");
    let text = std::fs::read_to_string(&file).unwrap();
    let doc: Value =
        if ext == "json" { serde_json::from_str(&text).unwrap() } else { serde_yaml_ng::from_str(&text).unwrap() };
    assert_eq!(doc["format"], "browser-ai-mlops/model-version@1");
    assert_eq!(doc["model"], "agent");
    assert_eq!(doc["source_version"], original["version"]);

    let copy_model = format!("copy-{ext}");
    let imported = h.json(&["model", "import", file.to_str().unwrap(), "--model", &copy_model]);
    assert_eq!(imported["reference"], format!("{copy_model}:1"));
    assert_eq!(imported["config"], original["config"], "configuration survives the {ext} round trip");
    assert_eq!((&imported["description"], &imported["changelog"]), (&original["description"], &original["changelog"]));
    let cmp = h.json(&["model", "compare", original["id"].as_str().unwrap(), imported["id"].as_str().unwrap()]);
    assert_eq!(cmp["differing"], serde_json::json!([]));
    assert!(cmp["fields"].as_array().unwrap().iter().all(|f| f["differs"] == false));
}

#[test]
fn export_import_round_trip_in_yaml_and_json() {
    let h = Home::new();
    round_trip(&h, "yaml");
    round_trip(&h, "json");
    // `-` exports to stdout; without --model the import goes to the model named in the document.
    let yaml = h.ok(&["model", "export", "agent:1"]);
    let doc: Value = serde_yaml_ng::from_str(&yaml).unwrap();
    assert_eq!(doc["temperature"], 0.35);
    let path = h.path().join("again.yml");
    std::fs::write(&path, &yaml).unwrap();
    assert_eq!(h.json(&["model", "import", path.to_str().unwrap()])["reference"], "agent:3");
    let json = h.ok(&["model", "export", "agent:1", "--format", "json"]);
    assert_eq!(serde_json::from_str::<Value>(&json).unwrap()["max_tokens"], 2048);
}

#[test]
fn bad_import_files_name_file_line_and_field_and_write_nothing() {
    let h = Home::new();
    let head = "format: browser-ai-mlops/model-version@1\nmodel: agent\nprovider: openai\nmodel_id: gpt-4o\n";
    let cases = [
        ("unknown.yaml", format!("{head}temperature: 0.1\ncolour: blue\n"), ":6:", "colour"),
        ("type.yaml", format!("{head}temperature: warm\n"), ":5:", "temperature"),
        ("range.yaml", format!("{head}max_tokens: 10\ntemperature: 3.5\n"), ":6", "temperature"),
        (
            "type.json",
            "{\n  \"format\": \"browser-ai-mlops/model-version@1\",\n  \"model\": \"agent\",\n  \"provider\": \"openai\",\n  \
             \"model_id\": \"m\",\n  \"temperature\": 0.5,\n  \"max_tokens\": \"lots\"\n}\n"
                .to_string(),
            ":7:",
            "max_tokens",
        ),
        ("unknown.json", "{\"format\": \"browser-ai-mlops/model-version@1\", \"tags\": {}}".to_string(), ":1:", "tags"),
    ];
    for (name, text, line, field) in cases {
        let path = h.path().join(name);
        std::fs::write(&path, text).unwrap();
        let err = h.fails(&["model", "import", path.to_str().unwrap()], 2);
        assert!(err.contains(&format!("{}{line}", path.display())), "{name}: expected file and line {line}: {err}");
        assert!(err.contains(field), "{name}: expected field {field}: {err}");
    }
    assert_eq!(count(&h, "model_versions"), 0);
    assert_eq!(count(&h, "models"), 0);
}
