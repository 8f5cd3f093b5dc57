//! Unit tests of the filter compiler: the SQL text and binds it writes (SQLite dialect).
use super::*;
use crate::tracker::search::parser::{parse_filter, parse_order_by};

fn compiled(text: &str) -> Sql {
    filter(&parse_filter(text).unwrap().unwrap(), 0).sql
}

const TO_RUNS: &str = " CROSS JOIN runs r ON r.id = j0.run_id CROSS JOIN experiments e ON e.id = r.experiment_id";

#[test]
fn literals_become_binds_never_sql_text() {
    let f = filter(&parse_filter("params.x = 'a'' OR 1=1 --' and metrics.`m` > 0.5").unwrap().unwrap(), 0);
    let mut sql = f.from;
    sql.push(" WHERE ");
    sql.append(f.sql);
    assert!(!sql.text.contains("OR 1=1"), "{}", sql.text);
    assert_eq!(sql.text.matches('?').count(), sql.binds.len());
    assert_eq!(
        sql.binds,
        vec![Bind::Text("m".into()), Bind::Text("x".into()), Bind::Text("a' OR 1=1 --".into()), Bind::Real(0.5)]
    );
}

#[test]
fn metric_tests_drive_from_the_summary_index_or_are_subqueries_under_not() {
    let f = filter(&parse_filter("metrics.acc >= 0.9").unwrap().unwrap(), 0);
    assert_eq!(f.from.text, format!("FROM run_metric_summary j0{TO_RUNS}"));
    assert_eq!(f.sql.text, "j0.key = ? AND j0.last_value >= ?");
    let mean = filter(&parse_filter("metrics.acc.mean < 2").unwrap().unwrap(), 0);
    assert_eq!(mean.sql.text, "j0.key = ? AND (j0.sum_value / j0.count) < ?");
    let absent = compiled("metrics.acc is null");
    assert_eq!(absent.text, "r.id NOT IN (SELECT run_id FROM run_metric_summary WHERE key = ?)");
    let negated = compiled("not metrics.acc >= 0.9");
    assert_eq!(negated.text, "NOT r.id IN (SELECT run_id FROM run_metric_summary WHERE key = ? AND last_value >= ?)");
}

#[test]
fn keyed_conditions_join_on_primary_keys_from_the_chosen_driver() {
    let text = "status = 'finished' and tags.env = 'a' and metrics.m > 1 and params.p is null and params.n > 3";
    let expr = parse_filter(text).unwrap().unwrap();
    let fields: Vec<String> = joinable(&expr).iter().map(|p| format!("{:?}", p.field)).collect();
    assert_eq!(fields.len(), 3, "{fields:?}");
    let f = filter(&expr, 0);
    assert!(f.driven);
    assert_eq!(
        f.from.text,
        format!(
            "FROM run_tags j0 CROSS JOIN run_metric_summary j1 ON j1.run_id = j0.run_id AND j1.key = ? \
             CROSS JOIN run_params j2 ON j2.run_id = j0.run_id AND j2.key = ?{TO_RUNS}"
        )
    );
    assert_eq!(f.from.binds, [Bind::Text("m".into()), Bind::Text("n".into())]);
    let guard = "(CASE WHEN json_valid(j2.value) THEN json_type(j2.value) IN ('integer', 'real') ELSE 0 END)";
    assert_eq!(
        f.sql.text,
        format!(
            "(j0.key = ? AND j0.value = ? AND j1.last_value > ? AND {guard} AND CAST(j2.value AS REAL) > ? \
             AND +r.status = ? AND NOT EXISTS (SELECT 1 FROM run_params WHERE run_id = r.id AND key = ?))"
        )
    );
    assert_eq!(
        f.sql.binds,
        [
            Bind::Text("env".into()),
            Bind::Text("a".into()),
            Bind::Real(1.0),
            Bind::Real(3.0),
            Bind::Text("finished".into()),
            Bind::Text("p".into())
        ]
    );
    // Driven by the metric instead: it comes first, the tag joins.
    let by_metric = filter(&expr, 1);
    assert!(by_metric.from.text.starts_with("FROM run_metric_summary j0 CROSS JOIN run_tags j1 ON"));
    assert!(by_metric.sql.text.starts_with("(j0.key = ? AND j0.last_value > ? AND j1.value = ?"));
    // Only index-range tests are counted for the choice.
    let estimable: Vec<bool> = joinable(&expr).iter().map(|p| estimate(p, 10).is_some()).collect();
    assert_eq!(estimable, [true, true, false]);

    let absent_only = filter(&parse_filter("tags.env is null and status = 'killed'").unwrap().unwrap(), 0);
    assert!(!absent_only.driven);
    assert_eq!(absent_only.sql.text, "(r.id NOT IN (SELECT run_id FROM run_tags WHERE key = ?) AND r.status = ?)");
    let nested = filter(&parse_filter("tags.env = 'a' or tags.env is null").unwrap().unwrap(), 0);
    assert!(!nested.driven);
    assert_eq!(
        nested.sql.text,
        "(r.id IN (SELECT run_id FROM run_tags WHERE key = ? AND value = ?) OR \
         r.id NOT IN (SELECT run_id FROM run_tags WHERE key = ?))"
    );
}

#[test]
fn nullable_attributes_are_guarded() {
    assert_eq!(compiled("end_time > 5").text, "(r.end_ms IS NOT NULL AND r.end_ms > ?)");
    assert_eq!(compiled("end_time is null").text, "r.end_ms IS NULL");
}

#[test]
fn like_patterns_translate_to_glob() {
    assert_eq!(like_to_glob("gpt-4%"), "gpt-4*");
    assert_eq!(like_to_glob("a_c"), "a?c");
    assert_eq!(like_to_glob(r"100\%"), "100%");
    assert_eq!(like_to_glob(r"x\_y"), "x_y");
    assert_eq!(like_to_glob("what?*[x]"), "what[?][*][[]x]");
}

#[test]
fn order_by_adds_one_join_per_keyed_term_and_a_tie_break() {
    let (joins, clause) = order_by(&parse_order_by("metrics.acc desc, status").unwrap());
    assert_eq!(joins.binds, vec![Bind::Text("acc".into())]);
    assert!(joins.text.contains("LEFT JOIN run_metric_summary o0"), "{}", joins.text);
    assert_eq!(clause, " ORDER BY o0.last_value DESC NULLS LAST, r.status ASC, r.id ASC");
}
