//! `report generate` through the real binary on a real SQLite file seeded through the public API (registry, results
//! store) and SQL inserts for the monitoring tables: the HTML parses and is self-contained with SVG charts, its
//! numeric cells equal the JSON report's, the JSON's leaderboard and daily numbers equal what this test computes from
//! the rows it inserted, Markdown's PNG charts are real images, empty databases and short windows behave.

use std::collections::BTreeMap;
use std::path::Path;

use browser_ai_mlops_core::stats;
use serde_json::Value;

use crate::util::Home;

mod seed;
use seed::{DAY, Seed, day_of, seed};

/// The leaderboard row this test expects for `version` from the evaluations started within `days` days.
fn expected_row(seed: &Seed, version: &str, from_ms: i64) -> Option<Value> {
    let rows: Vec<&(bool, u32, Option<f64>, i64)> = seed
        .evals
        .iter()
        .filter(|e| e.version == version && e.started_at_ms >= from_ms)
        .flat_map(|e| e.attempts.iter())
        .collect();
    if rows.is_empty() {
        return None;
    }
    let n = rows.len() as u64;
    let s = rows.iter().filter(|r| r.0).count() as u64;
    let ci = stats::wilson(s, n).unwrap();
    let mut durations: Vec<i64> = rows.iter().map(|r| r.3).collect();
    durations.sort();
    let rank = |p: f64| durations[((p * n as f64).ceil() as usize).max(1) - 1];
    let costs: Vec<f64> = rows.iter().filter_map(|r| r.2).collect();
    let mean_cost = (!costs.is_empty()).then(|| costs.iter().sum::<f64>() / costs.len() as f64);
    Some(serde_json::json!({
        "version": version,
        "attempts": n,
        "successes": s,
        "success_rate": s as f64 / n as f64,
        "ci_low": ci.low,
        "ci_high": ci.high,
        "mean_steps": rows.iter().map(|r| r.1 as f64).sum::<f64>() / n as f64,
        "mean_cost_usd": mean_cost,
        "p50_ms": rank(0.5),
        "p95_ms": rank(0.95),
    }))
}

fn close(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(1.0),
        _ => a == b,
    }
}

fn assert_row_matches(actual: &Value, expected: &Value) {
    for (k, v) in expected.as_object().unwrap() {
        assert!(close(&actual[k], v), "{k}: report has {}, expected {v}\nrow: {actual}", actual[k]);
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn json_numbers_equal_what_the_seeded_rows_give() {
    let home = Home::new();
    let seed = seed(&home).await;
    let out = home.path().join("r.json");
    home.ok(&["report", "generate", out.to_str().unwrap()]);
    let r = read_json(&out);
    let from = r["window"]["from_ms"].as_i64().unwrap();
    assert_eq!(r["window"]["days"], 7);

    // Leaderboard: both versions, sorted by the Wilson lower bound (computed here from the inserted attempts).
    let board = r["leaderboard"].as_array().unwrap();
    let mut expected: Vec<Value> =
        ["web-agent:1", "web-agent:2"].iter().filter_map(|v| expected_row(&seed, v, from)).collect();
    expected.sort_by(|a, b| b["ci_low"].as_f64().unwrap().total_cmp(&a["ci_low"].as_f64().unwrap()));
    assert_eq!(board.len(), 2, "{board:?}");
    for (actual, want) in board.iter().zip(&expected) {
        assert_row_matches(actual, want);
    }
    // The 10-day-old evaluation (5/5 at $9) is outside the window.
    assert_eq!(board.iter().map(|b| b["attempts"].as_u64().unwrap()).sum::<u64>(), 22);

    // Success per day: one point per (version, start day) with that evaluation's own counts.
    for e in seed.evals.iter().filter(|e| e.started_at_ms >= from) {
        let series = r["success_by_day"].as_array().unwrap().iter().find(|s| s["version"] == e.version).unwrap();
        let day = day_of(e.started_at_ms);
        let point = series["points"].as_array().unwrap().iter().find(|p| p["day"] == day.as_str()).unwrap();
        let n = e.attempts.len() as u64;
        let s = e.attempts.iter().filter(|a| a.0).count() as u64;
        let ci = stats::wilson(s, n).unwrap();
        assert_row_matches(
            point,
            &serde_json::json!({"attempts": n, "successes": s, "ci_low": ci.low, "ci_high": ci.high}),
        );
    }

    // Cost per day: task cost from priced results only; LLM-call cost separately.
    let mut task_cost: BTreeMap<String, f64> = BTreeMap::new();
    for e in seed.evals.iter().filter(|e| e.started_at_ms >= from) {
        for c in e.attempts.iter().filter_map(|a| a.2) {
            *task_cost.entry(day_of(e.started_at_ms)).or_default() += c;
        }
    }
    let mut llm_cost: BTreeMap<String, f64> = BTreeMap::new();
    for (at, c) in seed.llm_calls.iter().filter(|(at, _)| *at >= from) {
        *llm_cost.entry(day_of(*at)).or_default() += c;
    }
    for day in r["cost_by_day"].as_array().unwrap() {
        let key = day["day"].as_str().unwrap();
        assert!(close(&day["task_cost_usd"], &serde_json::json!(task_cost.get(key))), "{day}");
        assert!(close(&day["llm_cost_usd"], &serde_json::json!(llm_cost.get(key))), "{day}");
    }

    // Errors in the window: by type and by severity, from the inserted rows.
    let in_window: Vec<_> = seed.errors.iter().filter(|e| e.0 >= from).collect();
    assert_eq!(r["errors"]["total"], in_window.len() as u64);
    assert_eq!(r["errors"]["unresolved"], in_window.iter().filter(|e| !e.3).count() as u64);
    let timeout = r["errors"]["by_type"].as_array().unwrap().iter().find(|t| t["error_type"] == "timeout").unwrap();
    assert_eq!(timeout["count"], 3);
    assert_eq!(timeout["latest_message"], "timeout number 1");
    assert!(r["errors"]["by_type"].as_array().unwrap().iter().all(|t| t["error_type"] != "crash"));
    let sev: Vec<(String, u64)> = r["errors"]["by_severity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["severity"].as_str().unwrap().to_string(), s["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(sev, vec![("high".to_string(), 2), ("medium".to_string(), 1), ("low".to_string(), 1)]);

    // Health: 24 samples, the first without a CPU reading; memory % from used / total.
    assert_eq!(r["health"]["samples"], 24);
    let mem: Vec<f64> = (0..24).map(|i| (2000 + i * 100) as f64 / 8000.0 * 100.0).collect();
    assert!(close(&r["health"]["memory_max_percent"], &serde_json::json!(mem.iter().cloned().fold(0.0, f64::max))));
    let cpus: Vec<f64> = (1..24).map(|i| 10.0 + (i * 7 % 60) as f64).collect();
    let cpu_mean = cpus.iter().sum::<f64>() / cpus.len() as f64;
    assert!(close(&r["health"]["cpu_mean_percent"], &serde_json::json!(cpu_mean)));

    // Registry: production → version 2, deployed by someone, with the reason given.
    let model = &r["registry"][0];
    assert_eq!(model["model"], "web-agent");
    assert_eq!(model["versions"], 2);
    assert_eq!(model["aliases"][0]["alias"], "production");
    assert_eq!(model["aliases"][0]["version"], 2);
    assert_eq!(model["latest_deployment"]["to_version"], 2);
    assert_eq!(model["latest_deployment"]["reason"], "better");

    // Recent evaluations and storage.
    assert_eq!(r["recent_evaluations"].as_array().unwrap().len(), 3);
    let rows =
        |t: &str| r["storage"]["tables"].as_array().unwrap().iter().find(|x| x["table"] == t).unwrap()["rows"].clone();
    assert_eq!(rows("task_results"), 27);
    assert_eq!(rows("mon_errors"), 5);
    assert!(r["storage"]["db_bytes"].as_u64().unwrap() > 0);
    assert_eq!(r["alerts"][0]["rule"], "error_rate");
}

/// Parse the HTML as XML (it is written XHTML-compatible); the `<!DOCTYPE html>` line is a DTD to the parser.
fn parse_html(html: &str) -> roxmltree::Document<'_> {
    let options = roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() };
    roxmltree::Document::parse_with_options(html, options).unwrap_or_else(|e| panic!("the HTML does not parse: {e}"))
}

fn data_cells<'a>(doc: &'a roxmltree::Document<'a>) -> Vec<roxmltree::Node<'a, 'a>> {
    doc.descendants().filter(|n| n.attribute("data-key").is_some()).collect()
}

#[tokio::test]
async fn html_is_self_contained_and_its_cells_equal_the_json_report() {
    let home = Home::new();
    let seed = seed(&home).await;
    let html_path = home.path().join("report.html");
    let json_path = home.path().join("report.json");
    home.ok(&["report", "generate", html_path.to_str().unwrap()]);
    home.ok(&["report", "generate", json_path.to_str().unwrap(), "--days", "7"]);
    let html = std::fs::read_to_string(&html_path).unwrap();
    let json = read_json(&json_path);

    let doc = parse_html(&html);
    let svgs = doc.descendants().filter(|n| n.tag_name().name() == "svg").count();
    assert!(svgs >= 4, "expected at least 4 inline SVG charts, found {svgs}");
    assert!(!html.contains("http://") && !html.contains("https://"), "the report references a URL");
    assert!(doc.descendants().all(|n| !matches!(n.tag_name().name(), "script" | "link" | "img" | "iframe")));

    let cells = data_cells(&doc);
    assert!(cells.len() > 40, "only {} numeric cells", cells.len());
    for cell in &cells {
        let key = cell.attribute("data-key").unwrap();
        let pointer = cell.attribute("data-json").unwrap();
        let shown: Value = serde_json::from_str(cell.attribute("data-value").unwrap()).unwrap();
        let in_json = json.pointer(pointer).unwrap_or_else(|| panic!("{key}: {pointer} is not in the JSON report"));
        assert!(close(&shown, in_json), "{key}: HTML has {shown}, JSON has {in_json}");
        // The visible text is that same number, formatted.
        let text: String = cell.text().unwrap_or("").trim().to_string();
        match (cell.attribute("data-unit").unwrap(), shown.as_f64()) {
            (_, None) => assert_eq!(text, "—", "{key}"),
            ("ratio", Some(v)) => {
                let t: f64 = text.trim_end_matches(" %").parse().unwrap();
                assert!((t - v * 100.0).abs() <= 0.051, "{key}: shows {text} for {v}");
            }
            ("count", Some(v)) => assert_eq!(text, format!("{v:.0}"), "{key}"),
            _ => {}
        }
    }
    // The leaderboard cells carry readable keys and the numbers this test computes itself.
    let from = json["window"]["from_ms"].as_i64().unwrap();
    for version in ["web-agent:1", "web-agent:2"] {
        let want = expected_row(&seed, version, from).unwrap();
        for field in ["attempts", "successes", "success_rate", "ci_low", "p95_ms"] {
            let key = format!("leaderboard.{version}.{field}");
            let cell = cells.iter().find(|c| c.attribute("data-key") == Some(key.as_str())).unwrap();
            let shown: Value = serde_json::from_str(cell.attribute("data-value").unwrap()).unwrap();
            assert!(close(&shown, &want[field]), "{key}: {shown} vs {}", want[field]);
        }
    }
    // Sections with data show no empty state.
    assert!(doc.descendants().all(|n| n.attribute("data-empty").is_none()), "unexpected empty state");
}

fn png_colours(path: &Path) -> usize {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    let mut colours: Vec<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    colours.sort();
    colours.dedup();
    colours.len()
}

#[tokio::test]
async fn markdown_links_real_png_charts_beside_it() {
    let home = Home::new();
    seed(&home).await;
    let md_path = home.path().join("weekly.md");
    let out = home.json(&["report", "generate", md_path.to_str().unwrap()]);
    assert_eq!(out["format"], "md");
    let md = std::fs::read_to_string(&md_path).unwrap();
    let links: Vec<&str> = md.match_indices("](weekly-charts/").map(|(i, _)| &md[i + 2..]).collect();
    assert!(links.len() >= 4, "expected at least 4 chart links:\n{md}");
    for link in links {
        let rel = &link[..link.find(')').unwrap()];
        let file = home.path().join(rel);
        let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{rel} is not a PNG");
        assert!(png_colours(&file) > 8, "{rel} is (nearly) a single colour");
    }
    assert!(md.contains("| web-agent:2 |"), "the leaderboard table is missing:\n{md}");
    // Nothing temporary is left beside the report.
    let names: Vec<String> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

#[tokio::test]
async fn one_day_window_excludes_older_rows() {
    let home = Home::new();
    let seed = seed(&home).await;
    let out = home.path().join("day.json");
    home.ok(&["report", "generate", out.to_str().unwrap(), "--days", "1"]);
    let r = read_json(&out);
    let from = r["window"]["from_ms"].as_i64().unwrap();
    assert_eq!(r["window"]["to_ms"].as_i64().unwrap() - from, DAY);
    let board = r["leaderboard"].as_array().unwrap();
    assert_eq!(board.len(), 1, "{board:?}");
    assert_row_matches(&board[0], &expected_row(&seed, "web-agent:2", from).unwrap());
    assert_eq!(r["recent_evaluations"].as_array().unwrap().len(), 1);
    assert_eq!(r["errors"]["total"], 2);
    assert_eq!(r["health"]["samples"], 12);
    let llm: f64 = r["cost_by_day"].as_array().unwrap().iter().filter_map(|d| d["llm_cost_usd"].as_f64()).sum();
    assert!((llm - 0.005).abs() < 1e-12, "{llm}");
}

#[test]
fn empty_database_gives_explicit_empty_states() {
    let home = Home::new();
    let html_path = home.path().join("empty.html");
    let json_path = home.path().join("empty.json");
    home.ok(&["report", "generate", html_path.to_str().unwrap()]);
    home.ok(&["report", "generate", json_path.to_str().unwrap()]);
    let html = std::fs::read_to_string(&html_path).unwrap();
    let doc = parse_html(&html);
    let empty: Vec<&str> = doc.descendants().filter_map(|n| n.attribute("data-empty")).collect();
    for section in
        ["leaderboard", "success", "cost", "duration", "errors", "health", "alerts", "registry", "evaluations"]
    {
        assert!(empty.contains(&section), "no empty state for {section}: {empty:?}");
    }
    assert_eq!(doc.descendants().filter(|n| n.tag_name().name() == "svg").count(), 0);
    let r = read_json(&json_path);
    assert_eq!(r["leaderboard"], serde_json::json!([]));
    assert_eq!(r["errors"]["total"], 0);
    assert_eq!(r["health"]["samples"], 0);
    assert_eq!(r["health"]["cpu_mean_percent"], Value::Null);
}

#[test]
fn bad_output_is_an_input_error_and_writes_nothing() {
    let home = Home::new();
    let err = home.fails(&["report", "generate", home.path().join("r.txt").to_str().unwrap()], 2);
    assert!(err.contains("r.txt") && err.contains("choose the format"), "{err}");
    assert!(err.contains("hint: pass --format"), "{err}");
    let err = home.fails(&["report", "generate", home.path().join("no/such/r.html").to_str().unwrap()], 2);
    assert!(err.contains("does not exist"), "{err}");
    let err = home.fails(&["report", "generate", home.path().join("r.html").to_str().unwrap(), "--format", "pdf"], 2);
    assert!(err.contains("--format"), "{err}");
    let err = home.fails(&["report", "generate", home.path().join("r.html").to_str().unwrap(), "--days", "0"], 2);
    assert!(err.contains("between 1 and 3650 days") && err.contains("hint: pass --days"), "{err}");
    assert!(!home.path().join("r.txt").exists() && !home.path().join("r.html").exists());
    assert!(!home.db_path().exists(), "the database was opened for a request that was refused");
}

#[tokio::test]
async fn without_a_font_the_error_names_the_packages_and_nothing_is_written() {
    let home = Home::new();
    seed(&home).await;
    // A fontconfig setup that knows no font directory: plotters finds no sans-serif font.
    let conf = home.path().join("no-fonts.conf");
    let cache = home.path().join("fc-cache");
    std::fs::write(
        &conf,
        format!(
            "<?xml version=\"1.0\"?>\n<fontconfig><dir>/nonexistent</dir><cachedir>{}</cachedir></fontconfig>\n",
            cache.display()
        ),
    )
    .unwrap();
    let out_dir = home.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    for name in ["r.html", "r.md"] {
        let path = out_dir.join(name);
        let out =
            home.cmd(&["report", "generate", path.to_str().unwrap()]).env("FONTCONFIG_FILE", &conf).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("fonts-dejavu-core") && stderr.contains("fontconfig"), "{stderr}");
    }
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0, "something was left in the output directory");
}
