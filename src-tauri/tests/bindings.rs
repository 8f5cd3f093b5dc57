//! The bindings drift test: `ui/src/bindings.ts` must equal a fresh export of the operation table's types and its
//! `Operations` map. `BROWSER_AI_MLOPS_WRITE_BINDINGS=1 cargo test -p browser-ai-mlops-desktop --test bindings`
//! rewrites the file instead.

use browser_ai_mlops_core::api;
use browser_ai_mlops_desktop::bindings;

fn fresh() -> String {
    bindings::render().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn bindings_ts_matches_the_operation_table() {
    let fresh = fresh();
    let path = bindings::committed_path();
    if std::env::var("BROWSER_AI_MLOPS_WRITE_BINDINGS").as_deref() == Ok("1") {
        std::fs::write(&path, &fresh).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    if committed != fresh {
        let line = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| committed.lines().count().min(fresh.lines().count()) + 1, |i| i + 1);
        panic!(
            "{} is out of date with the operation table (first difference at line {line}).\n\
             Regenerate it: BROWSER_AI_MLOPS_WRITE_BINDINGS=1 cargo test -p browser-ai-mlops-desktop --test bindings",
            path.display()
        );
    }
}

#[test]
fn bindings_declare_every_operation_the_stream_shape_and_the_edge_error() {
    // Independent of the committed file: every operation has its typed entry and its run-time entry, streaming ones
    // name their event type, and the shared types keep their serde shapes.
    let ts = fresh();
    assert!(ts.starts_with("// Generated from the operation table"), "header missing:\n{}", &ts[..200]);
    for op in api::table() {
        let typed = ts
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("\"{}\": {{ input: ", op.name)))
            .unwrap_or_else(|| panic!("{} missing from Operations", op.name));
        assert_eq!(typed.contains("event: never;"), op.shape() == api::Shape::Unary, "{typed}");
        let listed = format!("{{ name: \"{}\", shape: ", op.name);
        assert!(ts.contains(&listed), "{} missing from OPERATIONS", op.name);
    }
    let watch = ts.lines().find(|l| l.contains("\"monitor/watch\": {")).expect("monitor/watch");
    assert!(watch.contains("event: WatchSnapshot;") && watch.contains("shape: \"streaming\""), "{watch}");
    for name in ["SearchRunsInput", "RunPage", "DeployInput", "BenchmarkRequest", "EvalEvent", "EdgeError", "JobInfo"] {
        assert!(ts.contains(&format!("export type {name} ")), "{name} not exported");
    }
    for variant in ["\"started\"", "\"attempt_started\"", "\"attempt_finished\"", "\"finished\""] {
        assert!(ts.contains(&format!("type: {variant}")), "EvalEvent variant {variant} not tagged by `type`");
    }
    for kind in ["Input", "NotFound", "Conflict", "Failed", "Unavailable"] {
        assert!(ts.contains(&format!("kind: \"{kind}\"")), "EdgeError kind {kind} missing");
    }
    assert!(ts.contains("export type StreamMessage<E, O> ="), "StreamMessage missing");
}
