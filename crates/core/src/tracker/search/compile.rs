//! Compile a parsed filter and order-by into ONE parameterised SQL query over `runs r JOIN experiments e`. Every
//! literal is a bind (`?`), never text in the SQL. Metric/param/tag tests of the top-level `and` chain become a chain
//! of joins on their tables' primary keys, driven by one of them; others become `r.id IN (SELECT run_id FROM <table>
//! WHERE key = ? AND …)`, which SQLite answers from the `(key, value, run_id)` indexes.

use super::ast::{Agg, Attr, Expr, Field, Pred, Test, Value};
use super::dialect::Dialect;
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
    keyed_conditions(&column, "", key, &p.test, table != "run_metric_summary", &mut sql, Dialect::Sqlite);
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
    filter_in(expr, driver, Dialect::Sqlite)
}

/// `filter` written in dialect `d`.
pub fn filter_in(expr: &Expr, driver: usize, d: Dialect) -> Filter {
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
                keyed_conditions(&column, &alias, key, &p.test, loose, &mut sql, d);
            } else {
                from.push(&format!("{}{table} j{j} ON j{j}.run_id = j0.run_id AND j{j}.key = ", d.join()));
                from.bind(Bind::Text(key.to_string()));
                sql.push(" AND ");
                value_conditions(&column, &p.test, loose, &mut sql, d);
            }
        }
        let join = d.join();
        from.push(&format!("{join}runs r ON r.id = j0.run_id{join}experiments e ON e.id = r.experiment_id"));
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
            Expr::Pred(p) if driven && keyed_table(&p.field, "").is_some() => probe_into(p, &mut sql, d),
            Expr::Pred(p) => pred_into(p, driven, &mut sql, d),
            other => expr_into(other, &mut sql, d),
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

fn expr_into(expr: &Expr, sql: &mut Sql, d: Dialect) {
    match expr {
        Expr::Or(a, b) | Expr::And(a, b) => {
            sql.push("(");
            expr_into(a, sql, d);
            sql.push(if matches!(expr, Expr::Or(..)) { " OR " } else { " AND " });
            expr_into(b, sql, d);
            sql.push(")");
        }
        Expr::Not(a) => {
            sql.push("NOT ");
            expr_into(a, sql, d);
        }
        Expr::Pred(p) => pred_into(p, false, sql, d),
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
fn pred_into(p: &Pred, driven: bool, sql: &mut Sql, d: Dialect) {
    match (&p.field, keyed_table(&p.field, "")) {
        // PostgreSQL runs a large `IN (subquery)` under `OR` as a linear search per run once the subquery outgrows
        // its memory for hashing; a probe of the run's `(run_id, key)` primary key is one lookup whatever the sizes.
        (_, Some(_)) if d == Dialect::Postgres => probe_into(p, sql, d),
        (_, Some((table, column, key))) => {
            let absent = p.test == Test::Null { negated: false };
            sql.push(if absent { "r.id NOT IN (SELECT run_id FROM " } else { "r.id IN (SELECT run_id FROM " });
            sql.push(table);
            sql.push(" WHERE ");
            keyed_conditions(&column, "", key, &p.test, table != "run_metric_summary", sql, d);
            sql.push(")");
        }
        (Field::Attr(attr), None) => attribute(*attr, &p.test, driven, sql, d),
        _ => {}
    }
}

/// A key/value condition as a correlated `[NOT] EXISTS` probe on the run's primary key.
fn probe_into(p: &Pred, sql: &mut Sql, d: Dialect) {
    let Some((table, column, key)) = keyed_table(&p.field, "") else { return };
    let absent = p.test == Test::Null { negated: false };
    sql.push(if absent { "NOT EXISTS (SELECT 1 FROM " } else { "EXISTS (SELECT 1 FROM " });
    sql.push(table);
    sql.push(" WHERE run_id = r.id AND ");
    keyed_conditions(&column, "", key, &p.test, table != "run_metric_summary", sql, d);
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
fn keyed_conditions(column: &str, alias: &str, key: &str, test: &Test, loose: bool, sql: &mut Sql, d: Dialect) {
    sql.push(&format!("{alias}key = "));
    sql.bind(Bind::Text(key.to_string()));
    if !matches!(test, Test::Null { .. }) {
        sql.push(" AND ");
        value_conditions(column, test, loose, sql, d);
    }
}

/// The value test on `column`. `loose` columns hold text that compares numerically with number literals, and then
/// only values that are JSON numbers take part. `IS [NOT] NULL` is always true here (the key is present).
fn value_conditions(column: &str, test: &Test, loose: bool, sql: &mut Sql, d: Dialect) {
    let numeric = match test {
        Test::Cmp(_, Value::Num(_)) => true,
        Test::In { values, .. } => matches!(values.first(), Some(Value::Num(_))),
        _ => false,
    };
    if matches!(test, Test::Null { .. }) {
        sql.push(if d == Dialect::Sqlite { "1" } else { "TRUE" });
        return;
    }
    if loose && numeric {
        sql.push(&d.numeric_guard(column));
        sql.push(" AND ");
        value_test(&d.as_number(column), test, false, sql, d);
    } else {
        value_test(column, test, loose, sql, d);
    }
}

/// `col <op> ?`, `col [NOT] IN (…)` or a LIKE/ILIKE on `col` (IS NULL is handled by the callers). `text`: `col` is
/// text, so an order comparison compares bytes.
fn value_test(col: &str, test: &Test, text: bool, sql: &mut Sql, d: Dialect) {
    match test {
        Test::Cmp(op, v) => {
            let ordered = !matches!(op, CmpOp::Eq | CmpOp::Ne);
            let col = if text && ordered { d.bytes(col) } else { col.to_string() };
            sql.push(&format!("{col} {} ", op.sql()));
            sql.bind(value_bind(v));
        }
        Test::In { negated, values } => {
            sql.push(&format!("{col} {}IN ", if *negated { "NOT " } else { "" }));
            sql.bind_list(values.iter().map(value_bind));
        }
        Test::Like { negated, case_insensitive, pattern } => d.like(col, *negated, *case_insensitive, pattern, sql),
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
fn attribute(attr: Attr, test: &Test, driven: bool, sql: &mut Sql, d: Dialect) {
    let col = attribute_column(attr);
    let col = if driven && attr == Attr::Status { d.unindexed(col) } else { col.to_string() };
    let text = is_text(attr);
    if attr.nullable() && !matches!(test, Test::Null { .. }) {
        sql.push(&format!("({col} IS NOT NULL AND "));
        value_test(&col, test, text, sql, d);
        sql.push(")");
    } else {
        value_test(&col, test, text, sql, d);
    }
}

/// Attributes held as text (the others are integers).
fn is_text(attr: Attr) -> bool {
    !matches!(attr, Attr::StartTime | Attr::EndTime | Attr::Duration)
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
    order_by_in(terms, Dialect::Sqlite)
}

/// `order_by` written in dialect `d`.
pub fn order_by_in(terms: &[OrderTerm], d: Dialect) -> (Sql, String) {
    let mut joins = Sql::default();
    let mut keys = Vec::new();
    for (i, term) in terms.iter().enumerate() {
        let dir = if term.descending { "DESC" } else { "ASC" };
        let (expr, nullable) = match &term.field {
            Field::Attr(attr) if is_text(*attr) => (d.bytes(attribute_column(*attr)), attr.nullable()),
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
                // Numbers sort numerically (before text ascending, after it descending), text by text.
                keys.extend(d.mixed_sort_keys(&format!("o{i}.value"), dir));
                continue;
            }
        };
        keys.push(if nullable { format!("{expr} {dir} NULLS LAST") } else { format!("{expr} {dir}") });
    }
    let tie = if terms.last().is_some_and(|t| t.descending) { "DESC" } else { "ASC" };
    keys.push(format!("{} {tie}", d.bytes("r.id")));
    (joins, format!(" ORDER BY {}", keys.join(", ")))
}

#[cfg(test)]
#[path = "compile_tests.rs"]
mod tests;
