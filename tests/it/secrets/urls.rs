//! Credentials inside URLs (`browser.cdp_url?token=`, a proxy's `user:pass@`, a model's `base_url` with a password
//! or a key parameter) are secrets: every read route shows them masked, while the config file and the registry keep
//! the working value.

use crate::util::Home;

const CANARY: &str = "urlcanary7e41d09c";

#[test]
fn credentials_in_urls_are_masked_in_every_output() {
    let home = Home::new();
    let mut printed = String::new();
    let mut run = |args: &[&str]| {
        let out = home.run(args);
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{args:?}: {stdout}\n{stderr}");
        printed.push_str(&format!("{stdout}\n{stderr}\n"));
        stdout.into_owned()
    };
    let cdp = format!("ws://127.0.0.1:9/devtools/browser/x?token={CANARY}");
    let proxy = format!("http://user:{CANARY}@127.0.0.1:3128");
    let llm_base = format!("https://llm.test/v1?api_key={CANARY}");
    run(&["config", "set", "browser.cdp_url", &cdp]);
    run(&["config", "set", "browser.proxy", &proxy]);
    run(&["config", "set", "llm.base_url", &llm_base]);
    run(&["model", "register", "m", "openai", "gpt-4o", "--base-url", &format!("https://u:{CANARY}@models.test/v1")]);
    run(&[
        "model",
        "version",
        "create",
        "m",
        "--from",
        "m:1",
        "--base-url",
        &format!("https://models.test/v1?key={CANARY}&api-version=2"),
    ]);
    let export = home.path().join("m.yaml");
    run(&["model", "export", "m:2", "--output", export.to_str().unwrap()]);
    for json in [false, true] {
        for cmd in [
            &["config", "show"][..],
            &["config", "show", "--section", "browser"],
            &["config", "load"],
            &["model", "list"],
            &["model", "show", "m"],
            &["model", "versions", "m"],
            &["model", "version", "show", "m:2"],
            &["model", "compare", "m:1", "m:2"],
        ] {
            let mut args: Vec<&str> = if json { vec!["--json"] } else { vec![] };
            args.extend_from_slice(cmd);
            run(&args);
        }
    }
    let shown = run(&["--json", "config", "show"]);
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(v["config"]["browser"]["cdp_url"], "ws://127.0.0.1:9/devtools/browser/x?token=***");
    assert_eq!(v["config"]["browser"]["proxy"], "http://user:***@127.0.0.1:3128/");
    assert_eq!(v["config"]["llm"]["base_url"], "https://llm.test/v1?api_key=***");
    let version: serde_json::Value =
        serde_json::from_str(&run(&["--json", "model", "version", "show", "m:1"])).unwrap();
    assert_eq!(version["config"]["base_url"], "https://u:***@models.test/v1");

    assert!(!printed.contains(CANARY), "a URL credential was printed:\n{printed}");
    let exported = std::fs::read_to_string(&export).unwrap();
    assert!(exported.contains("models.test") && !exported.contains(CANARY), "{exported}");
    // The stored values are intact: masking is for output only.
    let file = std::fs::read_to_string(home.config_dir().join("development.yaml")).unwrap();
    assert!(file.contains(&cdp) && file.contains(&proxy) && file.contains(&llm_base), "{file}");
}
