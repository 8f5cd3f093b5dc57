//! Compile a parsed filter and order-by into ONE parameterised SQL query over `runs r JOIN experiments e`. Every
//! literal is a bind (`?`), never text in the SQL. Metric/param/tag tests become `r.id IN (SELECT run_id FROM <table>
//! WHERE key = ? AND …)` so SQLite answers them from the `(key, value, run_id)` indexes.

use super::ast::{Agg, Attr, Expr, Field, Pred, Test, Value};
use super::parser::OrderTerm;

/// A value bound to one `?`.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Real(f64),
    Int(i64),
}

/// SQL text plus its binds, in order of the `?`s.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sql {
    pub text: String,
    pub binds: Vec<Bind>,
}

impl Sql {
    pub fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    pub fn bind(&mut self, bind: Bind) {
        self.text.push('?');
        self.binds.push(bind);
    }

    pub fn bind_list(&mut self, values: impl IntoIterator<Item = Bind>) {
        self.push("(");
        for (i, b) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(b);
        }
        self.push(")");
    }

    pub fn append(&mut self, other: Sql) {
        self.text.push_str(&other.text);
        self.binds.extend(other.binds);
    }
}

/// True when `col` holds a JSON number (`12`, `-0.5`, `1e3`): the text params/tags that compare numerically.
fn numeric_guard(col: &str) -> String {
    format!("(CASE WHEN json_valid({col}) THEN json_type({col}) IN ('integer', 'real') ELSE 0 END)")
}

/// A compiled filter. `driven` is set when a metric/param/tag condition of the top-level `and` chain was compiled as
/// `r.id IN (SELECT run_id …)`: SQLite then starts from that index range instead of scanning runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub sql: Sql,
    pub driven: bool,
}

/// The key/value table behind a metric, param or tag field: (table, value column, holds loose text).
fn keyed_table(field: &Field) -> Option<(&'static str, String, &str)> {
    match field {
        Field::Metric { key, agg } => Some(("run_metric_summary", metric_column(*agg, ""), key)),
        Field::Param(key) => Some(("run_params", "value".to_string(), key)),
        Field::Tag(key) => Some(("run_tags", "value".to_string(), key)),
        Field::Attr(_) => None,
    }
}

/// Compile a filter into a boolean SQL expression.
///
/// Plan shaping: in the top-level `and` chain, the first metric/param/tag condition (other than `IS NULL`) becomes
/// the driver `r.id IN (SELECT run_id FROM <table> WHERE key = ? AND …)`, answered from the `(key, value, run_id)`
/// index and walked in run-id order; the chain's other metric/param/tag conditions become correlated `EXISTS`
/// probes on the run's primary key, which (in run-id order) stay cache-friendly and cost less than materialising
/// every set. Conditions under `or`/`not` use the plain `r.id [NOT] IN (SELECT run_id …)` form.
pub fn filter(expr: &Expr) -> Filter {
    let mut conjuncts = Vec::new();
    flatten_and(expr, &mut conjuncts);
    let driver = conjuncts.iter().position(|e| match e {
        Expr::Pred(p) => keyed_table(&p.field).is_some() && p.test != Test::Null { negated: false },
        _ => false,
    });
    let mut sql = Sql::default();
    for (i, conjunct) in conjuncts.iter().enumerate() {
        if i > 0 {
            sql.push(" AND ");
        }
        match conjunct {
            Expr::Pred(p) if driver.is_some() && driver != Some(i) && keyed_table(&p.field).is_some() => {
                probe_into(p, &mut sql)
            }
            Expr::Pred(p) => pred_into(p, driver.is_some(), &mut sql),
            other => expr_into(other, &mut sql),
        }
    }
    if conjuncts.len() > 1 {
        sql.text = format!("({})", sql.text);
    }
    Filter { sql, driven: driver.is_some() }
}

fn flatten_and<'a>(expr: &'a Expr, out: &mut Vec<&'a Expr>) {
    match expr {
        Expr::And(a, b) => {
            flatten_and(a, out);
            flatten_and(b, out);
        }
        other => out.push(other),
    }
}

fn expr_into(expr: &Expr, sql: &mut Sql) {
    match expr {
        Expr::Or(a, b) | Expr::And(a, b) => {
            sql.push("(");
            expr_into(a, sql);
            sql.push(if matches!(expr, Expr::Or(..)) { " OR " } else { " AND " });
            expr_into(b, sql);
            sql.push(")");
        }
        Expr::Not(a) => {
            sql.push("NOT ");
            expr_into(a, sql);
        }
        Expr::Pred(p) => pred_into(p, false, sql),
    }
}

fn value_bind(v: &Value) -> Bind {
    match v {
        Value::Num(n) => Bind::Real(*n),
        Value::Str(s) => Bind::Text(s.clone()),
    }
}

/// One condition in the plain form. `driven`: a key/value condition drives the query, so the low-cardinality
/// `status` is written `+r.status`, keeping SQLite from preferring its index over the far more selective range.
fn pred_into(p: &Pred, driven: bool, sql: &mut Sql) {
    match (&p.field, keyed_table(&p.field)) {
        (_, Some((table, column, key))) => {
            let absent = p.test == Test::Null { negated: false };
            sql.push(if absent { "r.id NOT IN (SELECT run_id FROM " } else { "r.id IN (SELECT run_id FROM " });
            sql.push(table);
            sql.push(" WHERE ");
            keyed_conditions(&column, key, &p.test, table != "run_metric_summary", sql);
            sql.push(")");
        }
        (Field::Attr(attr), None) => attribute(*attr, &p.test, driven, sql),
        _ => {}
    }
}

/// A key/value condition as a correlated `[NOT] EXISTS` probe on the run's primary key.
fn probe_into(p: &Pred, sql: &mut Sql) {
    let Some((table, column, key)) = keyed_table(&p.field) else { return };
    let absent = p.test == Test::Null { negated: false };
    sql.push(if absent { "NOT EXISTS (SELECT 1 FROM " } else { "EXISTS (SELECT 1 FROM " });
    sql.push(table);
    sql.push(" WHERE run_id = r.id AND ");
    keyed_conditions(&column, key, &p.test, table != "run_metric_summary", sql);
    sql.push(")");
}

/// The `run_metric_summary` expression of an aggregate; `table` qualifies the columns (`""` or `"o0."`).
pub fn metric_column(agg: Agg, table: &str) -> String {
    match agg {
        Agg::Last => format!("{table}last_value"),
        Agg::Min => format!("{table}min_value"),
        Agg::Max => format!("{table}max_value"),
        Agg::Mean => format!("({table}sum_value / {table}count)"),
        Agg::Count => format!("{table}count"),
    }
}

/// `key = ? AND <value test>` on a per-run key/value table (just `key = ?` for IS [NOT] NULL: the caller decides
/// between "has the key" and "lacks it"). `loose` columns hold text that compares numerically with number literals,
/// and then only values that are JSON numbers take part.
fn keyed_conditions(column: &str, key: &str, test: &Test, loose: bool, sql: &mut Sql) {
    sql.push("key = ");
    sql.bind(Bind::Text(key.to_string()));
    let numeric = match test {
        Test::Cmp(_, Value::Num(_)) => true,
        Test::In { values, .. } => matches!(values.first(), Some(Value::Num(_))),
        _ => false,
    };
    let col = if loose && numeric {
        sql.push(" AND ");
        sql.push(&numeric_guard(column));
        format!("CAST({column} AS REAL)")
    } else {
        column.to_string()
    };
    if !matches!(test, Test::Null { .. }) {
        sql.push(" AND ");
        value_test(&col, test, sql);
    }
}

/// `col <op> ?`, `col [NOT] IN (…)` or a LIKE/ILIKE on `col` (IS NULL is handled by the callers).
fn value_test(col: &str, test: &Test, sql: &mut Sql) {
    match test {
        Test::Cmp(op, v) => {
            sql.push(&format!("{col} {} ", op.sql()));
            sql.bind(value_bind(v));
        }
        Test::In { negated, values } => {
            sql.push(&format!("{col} {}IN ", if *negated { "NOT " } else { "" }));
            sql.bind_list(values.iter().map(value_bind));
        }
        Test::Like { negated, case_insensitive: false, pattern } => {
            // SQLite's LIKE ignores ASCII case, so a case-sensitive LIKE runs as the equivalent GLOB.
            sql.push(&format!("{col} {}GLOB ", if *negated { "NOT " } else { "" }));
            sql.bind(Bind::Text(like_to_glob(pattern)));
        }
        Test::Like { negated, case_insensitive: true, pattern } => {
            sql.push(&format!("{col} {}LIKE ", if *negated { "NOT " } else { "" }));
            sql.bind(Bind::Text(pattern.clone()));
            sql.push(" ESCAPE '\\'");
        }
        Test::Null { negated } => sql.push(&format!("{col} IS {}NULL", if *negated { "NOT " } else { "" })),
    }
}

/// The SQL expression of an attribute.
pub fn attribute_column(attr: Attr) -> &'static str {
    match attr {
        Attr::Status => "r.status",
        Attr::Name => "r.name",
        Attr::Experiment => "e.name",
        Attr::ExperimentId => "r.experiment_id",
        Attr::RunId => "r.id",
        Attr::ModelVersion => "r.model_version_id",
        Attr::StartTime => "r.start_ms",
        Attr::EndTime => "r.end_ms",
        Attr::Duration => "(r.end_ms - r.start_ms)",
    }
}

/// A test on a column of the run or its experiment. Nullable columns are guarded (`col IS NOT NULL AND …`) so a
/// test is plainly false, not NULL, for a missing value and `not (…)` is its exact complement.
fn attribute(attr: Attr, test: &Test, driven: bool, sql: &mut Sql) {
    let col = if driven && attr == Attr::Status { "+r.status" } else { attribute_column(attr) };
    if attr.nullable() && !matches!(test, Test::Null { .. }) {
        sql.push(&format!("({col} IS NOT NULL AND "));
        value_test(col, test, sql);
        sql.push(")");
    } else {
        value_test(col, test, sql);
    }
}

/// A LIKE pattern (`%`, `_`, `\` escapes) as the GLOB pattern matching the same strings case-sensitively.
pub fn like_to_glob(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => out.push('*'),
            '_' => out.push('?'),
            '\\' => match chars.next() {
                Some(next) => push_glob_literal(&mut out, next),
                None => push_glob_literal(&mut out, '\\'),
            },
            other => push_glob_literal(&mut out, other),
        }
    }
    out
}

fn push_glob_literal(out: &mut String, c: char) {
    match c {
        '*' => out.push_str("[*]"),
        '?' => out.push_str("[?]"),
        '[' => out.push_str("[[]"),
        other => out.push(other),
    }
}

/// LEFT JOINs the order terms need, and the ORDER BY clause (NULLs last, ties broken by run id).
pub fn order_by(terms: &[OrderTerm]) -> (Sql, String) {
    let mut joins = Sql::default();
    let mut keys = Vec::new();
    for (i, term) in terms.iter().enumerate() {
        let dir = if term.descending { "DESC" } else { "ASC" };
        let (expr, nullable) = match &term.field {
            Field::Attr(attr) => (attribute_column(*attr).to_string(), attr.nullable()),
            Field::Metric { key, agg } => {
                joins.push(&format!(" LEFT JOIN run_metric_summary o{i} ON o{i}.run_id = r.id AND o{i}.key = "));
                joins.bind(Bind::Text(key.clone()));
                (metric_column(*agg, &format!("o{i}.")), true)
            }
            Field::Param(key) | Field::Tag(key) => {
                let table = if matches!(term.field, Field::Param(_)) { "run_params" } else { "run_tags" };
                joins.push(&format!(" LEFT JOIN {table} o{i} ON o{i}.run_id = r.id AND o{i}.key = "));
                joins.bind(Bind::Text(key.clone()));
                let col = format!("o{i}.value");
                // Numbers sort numerically (before text ascending, after it descending), text by text.
                (format!("CASE WHEN {} THEN CAST({col} AS REAL) ELSE {col} END", numeric_guard(&col)), true)
            }
        };
        keys.push(if nullable { format!("{expr} {dir} NULLS LAST") } else { format!("{expr} {dir}") });
    }
    let tie = if terms.last().is_some_and(|t| t.descending) { "DESC" } else { "ASC" };
    keys.push(format!("r.id {tie}"));
    (joins, format!(" ORDER BY {}", keys.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::search::parser::{parse_filter, parse_order_by};

    fn compiled(text: &str) -> Sql {
        filter(&parse_filter(text).unwrap().unwrap()).sql
    }

    #[test]
    fn literals_become_binds_never_sql_text() {
        let sql = compiled("params.x = 'a'' OR 1=1 --' and metrics.`m` > 0.5");
        assert!(!sql.text.contains("OR 1=1"), "{}", sql.text);
        assert_eq!(sql.text.matches('?').count(), sql.binds.len());
        assert_eq!(
            sql.binds,
            vec![Bind::Text("x".into()), Bind::Text("a' OR 1=1 --".into()), Bind::Text("m".into()), Bind::Real(0.5)]
        );
    }

    #[test]
    fn metric_tests_are_index_friendly_subqueries() {
        let sql = compiled("metrics.acc >= 0.9");
        assert_eq!(sql.text, "r.id IN (SELECT run_id FROM run_metric_summary WHERE key = ? AND last_value >= ?)");
        let absent = compiled("metrics.acc is null");
        assert_eq!(absent.text, "r.id NOT IN (SELECT run_id FROM run_metric_summary WHERE key = ?)");
    }

    #[test]
    fn the_first_keyed_condition_drives_and_the_rest_are_probed() {
        let text = "status = 'finished' and tags.env = 'a' and metrics.m > 1 and params.p is null";
        let f = filter(&parse_filter(text).unwrap().unwrap());
        assert!(f.driven);
        assert_eq!(
            f.sql.text,
            "(+r.status = ? AND r.id IN (SELECT run_id FROM run_tags WHERE key = ? AND value = ?) \
             AND EXISTS (SELECT 1 FROM run_metric_summary WHERE run_id = r.id AND key = ? AND last_value > ?) \
             AND NOT EXISTS (SELECT 1 FROM run_params WHERE run_id = r.id AND key = ?))"
        );
        let binds = [Bind::Text("finished".into()), Bind::Text("env".into()), Bind::Text("a".into())];
        assert_eq!(f.sql.binds[..3], binds);
        assert_eq!(f.sql.binds[3..], [Bind::Text("m".into()), Bind::Real(1.0), Bind::Text("p".into())]);

        let absent_only = filter(&parse_filter("tags.env is null and status = 'killed'").unwrap().unwrap());
        assert!(!absent_only.driven);
        assert_eq!(absent_only.sql.text, "(r.id NOT IN (SELECT run_id FROM run_tags WHERE key = ?) AND r.status = ?)");
        let nested = filter(&parse_filter("tags.env = 'a' or tags.env is null").unwrap().unwrap());
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
}
