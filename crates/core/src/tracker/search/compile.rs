//! Compile a parsed filter and order-by into ONE parameterised SQL query over `runs r JOIN experiments e`. Every
//! literal is a bind (`?`), never text in the SQL. Metric/param/tag tests of the top-level `and` chain become a chain
//! of joins on their tables' primary keys, driven by one of them; others become `r.id IN (SELECT run_id FROM <table>
//! WHERE key = ? AND …)`, which SQLite answers from the `(key, value, run_id)` indexes.

use super::ast::{Agg, Attr, Expr, Field, Pred, Test, Value};
use super::lexer::CmpOp;
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

/// A compiled filter: the FROM clause and the WHERE conditions. `driven` is set when metric/param/tag conditions of
/// the top-level `and` chain were compiled as a join chain (see `filter`): SQLite then starts from the driver's index
/// range instead of scanning runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub from: Sql,
    pub sql: Sql,
    pub driven: bool,
}

/// The plain FROM clause: every run with its experiment.
pub const FROM_RUNS: &str = "FROM runs r JOIN experiments e ON e.id = r.experiment_id";

/// The key/value table behind a metric, param or tag field: (table, value expression with its columns qualified by
/// `alias` (`""` or `"j0."`), key).
fn keyed_table<'a>(field: &'a Field, alias: &str) -> Option<(&'static str, String, &'a str)> {
    match field {
        Field::Metric { key, agg } => Some(("run_metric_summary", metric_column(*agg, alias), key)),
        Field::Param(key) => Some(("run_params", format!("{alias}value"), key)),
        Field::Tag(key) => Some(("run_tags", format!("{alias}value"), key)),
        Field::Attr(_) => None,
    }
}

/// The conditions of the top-level `and` chain that can join: metric/param/tag tests that need the key present
/// (everything but `IS NULL`). `filter` joins them all; `driver` picks which one starts the chain.
pub fn joinable(expr: &Expr) -> Vec<&Pred> {
    let mut conjuncts = Vec::new();
    flatten_and(expr, &mut conjuncts);
    conjuncts
        .into_iter()
        .filter_map(|e| match e {
            Expr::Pred(p) if is_joinable(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn is_joinable(p: &Pred) -> bool {
    keyed_table(&p.field, "").is_some() && p.test != Test::Null { negated: false }
}

/// `SELECT COUNT(*)` of a joinable condition's matches, stopping at `cap`, or `None` when its test cannot be read
/// off an index range (e.g. a number compared with text params: every row of the key would be read).
pub fn estimate(p: &Pred, cap: i64) -> Option<Sql> {
    let (table, column, key) = keyed_table(&p.field, "")?;
    let indexed = match (&p.field, &p.test) {
        (Field::Metric { agg: Agg::Last, .. }, Test::Cmp(..) | Test::In { negated: false, .. }) => true,
        (Field::Metric { .. }, _) => false,
        (_, Test::Cmp(CmpOp::Eq, Value::Str(_))) => true,
        (_, Test::In { negated: false, values }) => matches!(values.first(), Some(Value::Str(_))),
        _ => false,
    };
    if !indexed {
        return None;
    }
    let mut sql = Sql::default();
    sql.push(&format!("SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE "));
    keyed_conditions(&column, "", key, &p.test, table != "run_metric_summary", &mut sql);
    sql.push(" LIMIT ");
    sql.bind(Bind::Int(cap));
    sql.push(")");
    Some(sql)
}

/// True when a condition's index range lists its runs in id order: one value of a param or tag.
pub fn in_run_order(p: &Pred) -> bool {
    matches!((&p.field, &p.test), (Field::Param(_) | Field::Tag(_), Test::Cmp(CmpOp::Eq, Value::Str(_))))
}

/// Compile a filter into a FROM clause and a boolean SQL expression.
///
/// Plan shaping: the top-level `and` chain's joinable conditions (see `joinable`) become a chain of joins, the one at
/// index `driver` first: `FROM <table> j0 CROSS JOIN <table> j1 ON j1.run_id = j0.run_id AND j1.key = ? … CROSS JOIN
/// runs r ON r.id = j0.run_id CROSS JOIN experiments e …`, with each value test in the WHERE clause. SQLite walks the
/// driver's `(key, value, run_id)` index range and looks each run up on the other tables' `(run_id, key)` primary
/// keys, dropping it at the first miss, before it reads the run itself (`CROSS JOIN` fixes that order; each join is
/// on a primary key, so no run appears twice). Other conditions of the chain are tested on the joined run; `IS NULL`
/// becomes a `NOT EXISTS` probe, and conditions under `or`/`not` use the plain `r.id [NOT] IN (SELECT run_id …)`.
pub fn filter(expr: &Expr, driver: usize) -> Filter {
    let mut conjuncts = Vec::new();
    flatten_and(expr, &mut conjuncts);
    let mut joined = joinable(expr);
    let driven = !joined.is_empty();
    if driven {
        let first = joined.remove(driver.min(joined.len() - 1));
        joined.insert(0, first);
    }
    let mut from = Sql::default();
    let mut sql = Sql::default();
    if driven {
        for (j, p) in joined.iter().enumerate() {
            let alias = format!("j{j}.");
            let Some((table, column, key)) = keyed_table(&p.field, &alias) else { continue };
            let loose = table != "run_metric_summary";
            if j == 0 {
                from.push(&format!("FROM {table} j0"));
                keyed_conditions(&column, &alias, key, &p.test, loose, &mut sql);
            } else {
                from.push(&format!(" CROSS JOIN {table} j{j} ON j{j}.run_id = j0.run_id AND j{j}.key = "));
                from.bind(Bind::Text(key.to_string()));
                sql.push(" AND ");
                value_conditions(&column, &p.test, loose, &mut sql);
            }
        }
        from.push(" CROSS JOIN runs r ON r.id = j0.run_id CROSS JOIN experiments e ON e.id = r.experiment_id");
    } else {
        from.push(FROM_RUNS);
    }
    for conjunct in &conjuncts {
        match conjunct {
            Expr::Pred(p) if driven && is_joinable(p) => continue,
            _ if !sql.text.is_empty() => sql.push(" AND "),
            _ => {}
        }
        match conjunct {
            Expr::Pred(p) if driven && keyed_table(&p.field, "").is_some() => probe_into(p, &mut sql),
            Expr::Pred(p) => pred_into(p, driven, &mut sql),
            other => expr_into(other, &mut sql),
        }
    }
    if conjuncts.len() > 1 {
        sql.text = format!("({})", sql.text);
    }
    Filter { from, sql, driven }
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
    match (&p.field, keyed_table(&p.field, "")) {
        (_, Some((table, column, key))) => {
            let absent = p.test == Test::Null { negated: false };
            sql.push(if absent { "r.id NOT IN (SELECT run_id FROM " } else { "r.id IN (SELECT run_id FROM " });
            sql.push(table);
            sql.push(" WHERE ");
            keyed_conditions(&column, "", key, &p.test, table != "run_metric_summary", sql);
            sql.push(")");
        }
        (Field::Attr(attr), None) => attribute(*attr, &p.test, driven, sql),
        _ => {}
    }
}

/// A key/value condition as a correlated `[NOT] EXISTS` probe on the run's primary key.
fn probe_into(p: &Pred, sql: &mut Sql) {
    let Some((table, column, key)) = keyed_table(&p.field, "") else { return };
    let absent = p.test == Test::Null { negated: false };
    sql.push(if absent { "NOT EXISTS (SELECT 1 FROM " } else { "EXISTS (SELECT 1 FROM " });
    sql.push(table);
    sql.push(" WHERE run_id = r.id AND ");
    keyed_conditions(&column, "", key, &p.test, table != "run_metric_summary", sql);
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
/// between "has the key" and "lacks it"); `alias` qualifies the key column as it does `column`.
fn keyed_conditions(column: &str, alias: &str, key: &str, test: &Test, loose: bool, sql: &mut Sql) {
    sql.push(&format!("{alias}key = "));
    sql.bind(Bind::Text(key.to_string()));
    if !matches!(test, Test::Null { .. }) {
        sql.push(" AND ");
        value_conditions(column, test, loose, sql);
    }
}

/// The value test on `column`. `loose` columns hold text that compares numerically with number literals, and then
/// only values that are JSON numbers take part. `IS [NOT] NULL` is always true here (the key is present).
fn value_conditions(column: &str, test: &Test, loose: bool, sql: &mut Sql) {
    let numeric = match test {
        Test::Cmp(_, Value::Num(_)) => true,
        Test::In { values, .. } => matches!(values.first(), Some(Value::Num(_))),
        _ => false,
    };
    if matches!(test, Test::Null { .. }) {
        sql.push("1");
        return;
    }
    let col = if loose && numeric {
        sql.push(&numeric_guard(column));
        sql.push(" AND ");
        format!("CAST({column} AS REAL)")
    } else {
        column.to_string()
    };
    value_test(&col, test, sql);
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
        assert_eq!(
            negated.text,
            "NOT r.id IN (SELECT run_id FROM run_metric_summary WHERE key = ? AND last_value >= ?)"
        );
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
}
