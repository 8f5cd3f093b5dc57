//! JUnit XML for an evaluation (`eval benchmark --junit FILE`): one test case per attempt, failures carrying the
//! check evidence or the error, so CI systems show evaluation attempts as tests.

use browser_ai_mlops_core::api::evals::EvaluationResults;

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// JUnit XML: one test case per attempt, failures carrying the check evidence or the error.
pub fn junit_xml(results: &EvaluationResults) -> String {
    let s = &results.summary;
    let failures = results.results.iter().filter(|r| !r.result.success).count();
    let total_s: f64 = results.results.iter().map(|r| r.result.duration_ms as f64 / 1000.0).sum();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" time=\"{total_s:.3}\">\n",
        xml_escape(&s.evaluation.suite),
        results.results.len()
    );
    for r in &results.results {
        let r = &r.result;
        xml.push_str(&format!(
            "  <testcase classname=\"{}.{}\" name=\"{}#{}\" time=\"{:.3}\">",
            xml_escape(&s.evaluation.suite),
            xml_escape(&r.category),
            xml_escape(&r.task_id),
            r.attempt,
            r.duration_ms as f64 / 1000.0
        ));
        if !r.success {
            let detail: Vec<String> = r
                .evidence
                .iter()
                .map(|e| format!("{} [{}] observed: {}", e.check, if e.passed { "pass" } else { "fail" }, e.observed))
                .collect();
            let message = r.error.clone().unwrap_or_else(|| format!("check failed (score {:.2})", r.score));
            xml.push_str(&format!(
                "\n    <failure message=\"{}\">{}</failure>\n  ",
                xml_escape(&message),
                xml_escape(&detail.join("\n"))
            ));
        }
        xml.push_str("</testcase>\n");
    }
    xml.push_str("</testsuite>\n");
    xml
}
