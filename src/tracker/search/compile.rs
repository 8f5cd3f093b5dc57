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

/// Compile a filter into a boolean SQL expression.
pub fn filter(expr: &Expr) -> Sql {
    let mut sql = Sql::default();
    expr_into(expr, &mut sql);
    sql
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
        Expr::Pred(p) => pred_into(p, sql),
    }
}

fn value_bind(v: &Value) -> Bind {
    match v {
        Value::Num(n) => Bind::Real(*n),
        Value::Str(s) => Bind::Text(s.clone()),
    }
}

fn pred_into(p: &Pred, sql: &mut Sql) {
    match &p.field {
        Field::Metric { key, agg } => keyed("run_metric_summary", &metric_column(*agg, ""), key, &p.test, false, sql),
        Field::Param(key) => keyed("run_params", "value", key, &p.test, true, sql),
        Field::Tag(key) => keyed("run_tags", "value", key, &p.test, true, sql),
        Field::Attr(attr) => attribute(*attr, &p.test, sql),
    }
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

/// A test on a per-run key/value table: the run matches when it has the key and the value passes (`IS NULL`: when
/// it lacks the key). `loose` tables hold text that compares numerically with number literals.
fn keyed(table: &str, column: &str, key: &str, test: &Test, loose: bool, sql: &mut Sql) {
    let absent = matches!(test, Test::Null { negated: false });
    sql.push(if absent { "r.id NOT IN (SELECT run_id FROM " } else { "r.id IN (SELECT run_id FROM " });
    sql.push(table);
    sql.push(" WHERE key = ");
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
    sql.push(")");
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
fn attribute(attr: Attr, test: &Test, sql: &mut Sql) {
    let col = attribute_column(attr);
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
        filter(&parse_filter(text).unwrap().unwrap())
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
