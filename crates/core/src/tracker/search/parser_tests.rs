//! Unit tests of the filter / order-by parser: precedence, every operator, quoting, and each error with the column
//! it must report (columns counted by hand from the input strings).

use super::*;
use crate::tracker::search::ast::{Agg, Attr};

/// A compact S-expression of the AST, so expected trees read at a glance.
fn show(e: &Expr) -> String {
    match e {
        Expr::Or(a, b) => format!("(or {} {})", show(a), show(b)),
        Expr::And(a, b) => format!("(and {} {})", show(a), show(b)),
        Expr::Not(a) => format!("(not {})", show(a)),
        Expr::Pred(p) => {
            let field = match &p.field {
                Field::Metric { key, agg } => format!("m:{key}{}", if *agg == Agg::Last { "" } else { ".agg" }),
                Field::Param(k) => format!("p:{k}"),
                Field::Tag(k) => format!("t:{k}"),
                Field::Attr(a) => format!("{a:?}"),
            };
            let val = |v: &Value| match v {
                Value::Num(n) => format!("{n}"),
                Value::Str(s) => format!("'{s}'"),
            };
            match &p.test {
                Test::Cmp(op, v) => format!("{field}{}{}", op.sql(), val(v)),
                Test::In { negated, values } => {
                    let list: Vec<String> = values.iter().map(val).collect();
                    format!("{field} {}in[{}]", if *negated { "!" } else { "" }, list.join(","))
                }
                Test::Like { negated, case_insensitive, pattern } => format!(
                    "{field} {}{}'{pattern}'",
                    if *negated { "!" } else { "" },
                    if *case_insensitive { "ilike" } else { "like" }
                ),
                Test::Null { negated } => format!("{field}{}", if *negated { " notnull" } else { " null" }),
            }
        }
    }
}

fn parsed(text: &str) -> String {
    match parse_filter(text) {
        Ok(Some(e)) => show(&e),
        Ok(None) => "none".into(),
        Err(e) => panic!("{text}: {e}"),
    }
}

#[test]
fn the_example_filter_parses_left_associative() {
    assert_eq!(
        parsed(
            "metrics.success_rate > 0.8 and params.llm_model = 'gpt-4o' and tags.env = 'staging' and status = 'finished'"
        ),
        "(and (and (and m:success_rate>0.8 p:llm_model='gpt-4o') t:env='staging') Status='finished')"
    );
}

#[test]
fn and_binds_tighter_than_or_and_not_tighter_than_and() {
    assert_eq!(parsed("params.a = '1' or params.b = '2' and params.c = '3'"), "(or p:a='1' (and p:b='2' p:c='3'))");
    assert_eq!(parsed("not params.a = 'x' and params.b = 'y'"), "(and (not p:a='x') p:b='y')");
    assert_eq!(parsed("not not params.a = 'x'"), "(not (not p:a='x'))");
}

#[test]
fn parentheses_override_precedence_and_keywords_ignore_case() {
    assert_eq!(
        parsed("(params.a = 'x' OR params.b = 'y') And NOT (params.c = 'z')"),
        "(and (or p:a='x' p:b='y') (not p:c='z'))"
    );
}

#[test]
fn every_operator() {
    let cases = [
        ("metrics.x = 1", "m:x=1"),
        ("metrics.x == 1", "m:x=1"),
        ("metrics.x != 1", "m:x<>1"),
        ("metrics.x <> 1", "m:x<>1"),
        ("metrics.x < -1.5e-3", "m:x<-0.0015"),
        ("metrics.x <= 2", "m:x<=2"),
        ("metrics.x > .5", "m:x>0.5"),
        ("metrics.x >= 1E3", "m:x>=1000"),
        ("metrics.x in (1, 2.5)", "m:x in[1,2.5]"),
        ("metrics.x NOT IN (3)", "m:x !in[3]"),
        ("params.x like 'gpt%'", "p:x like'gpt%'"),
        ("params.x not like 'gpt%'", "p:x !like'gpt%'"),
        ("tags.x ILIKE 'A_'", "t:x ilike'A_'"),
        ("tags.x not ilike 'A_'", "t:x !ilike'A_'"),
        ("tags.x is null", "t:x null"),
        ("tags.x IS NOT NULL", "t:x notnull"),
        ("status in ('finished', \"failed\")", "Status in['finished','failed']"),
        ("params.n in (1, 2)", "p:n in[1,2]"),
        ("params.n > 10", "p:n>10"),
        ("metrics.x.count >= 2", "m:x.agg>=2"),
        ("duration_ms is null", "Duration null"),
        ("model_version is not null", "ModelVersion notnull"),
    ];
    for (text, expected) in cases {
        assert_eq!(parsed(text), expected, "{text}");
    }
}

#[test]
fn quoting_backticks_and_injection_text_stay_literal() {
    assert_eq!(parsed("metrics.`val/loss` < 0.5 and params.`a.b` = \"it's\""), "(and m:val/loss<0.5 p:a.b='it's')");
    assert_eq!(parsed("params.x = 'a'' OR 1=1 --'"), "p:x='a' OR 1=1 --'");
    assert_eq!(parsed("name = 'and'"), "Name='and'");
    assert_eq!(parsed("params.`and` = 'x'"), "p:and='x'");
}

#[test]
fn blank_filters_mean_no_filter() {
    assert_eq!(parsed(""), "none");
    assert_eq!(parsed("  \t"), "none");
}

#[test]
fn every_error_names_its_column() {
    let deep = format!("{}status = 'finished'{}", "(".repeat(100), ")".repeat(100));
    let cases: Vec<(&str, usize, &str)> = vec![
        ("((metrics.success_rate foo", 24, "expected a comparison operator after 'metrics.success_rate', found 'foo'"),
        ("metrics.success_rate > 0.8 and foo", 32, "unknown field 'foo'"),
        ("metrics.x > ", 13, "expected a number or a quoted string after '>', found the end of the filter"),
        ("metrics.x = 'high'", 13, "'metrics.x' is a number: compare it with a number, found 'high'"),
        ("status = 'done'", 10, "invalid status 'done': expected one of running, finished, failed, killed"),
        ("status > 'running'", 8, "'status' compares with =, !=, IN or NOT IN only"),
        ("status in ('finished', 'paused')", 24, "invalid status 'paused'"),
        ("status = 1", 10, "invalid status 1"),
        ("name = 5", 8, "'name' is text: compare it with a quoted string, found 5"),
        ("start_time >= 'yesterday'", 15, "'start_time' is a number (milliseconds)"),
        ("metrics.x like 'a%'", 11, "LIKE needs a text field; 'metrics.x' is a number"),
        ("status ilike 'f%'", 8, "ILIKE needs a text field; 'status' compares with"),
        ("(status = 'finished'", 21, "expected ')' to close the '(' at column 1, found the end of the filter"),
        ("status = 'finished')", 20, "unexpected ')' with no matching '('"),
        ("status = 'finished' name = 'x'", 21, "expected 'and', 'or' or the end of the filter, found 'name'"),
        ("params.x in ()", 14, "IN needs at least one value"),
        ("params.x in 'a'", 13, "expected '(' after IN, found ''a''"),
        ("params.x in ('a' 'b')", 18, "expected ',' or ')' in the IN list, found ''b''"),
        ("params.x in ('a', 1)", 19, "IN list mixes numbers and strings"),
        ("params.x is nothing", 13, "expected NULL or NOT NULL after IS, found 'nothing'"),
        ("params.x is not 1", 17, "expected NULL after IS NOT, found '1'"),
        ("params.x not = 'a'", 14, "expected IN, LIKE or ILIKE after NOT, found '='"),
        ("params.x like 5", 15, "expected a quoted pattern after LIKE, found '5'"),
        ("status = 'finished' and", 24, "expected a field"),
        ("and status = 'x'", 1, "expected a field"),
        ("foo.bar = 1", 1, "unknown prefix 'foo': expected one of metrics, params, tags, attributes"),
        ("params.x = 'open", 12, "unterminated string"),
        (deep.as_str(), 65, "nested more than 64 levels deep"),
    ];
    for (text, column, needle) in cases {
        let err = parse_filter(text).unwrap_err();
        assert_eq!(err.column(), Some(column), "{text}: {err}");
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("filter error at column {column}: ")), "{msg}");
        assert!(msg.contains(needle), "{text}: {msg}");
    }
}

#[test]
fn error_text_repeats_the_filter_with_a_caret_under_the_column() {
    let err = parse_filter("metrics.x > 0.8 and status = 'done'").unwrap_err();
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[1], "  metrics.x > 0.8 and status = 'done'");
    assert_eq!(lines[2].find('^'), Some(2 + 30 - 1));
}

#[test]
fn order_by_terms_and_directions() {
    let terms = parse_order_by("metrics.acc desc, params.lr ASC,start_time").unwrap();
    assert_eq!(
        terms,
        vec![
            OrderTerm { field: Field::Metric { key: "acc".into(), agg: Agg::Last }, descending: true },
            OrderTerm { field: Field::Param("lr".into()), descending: false },
            OrderTerm { field: Field::Attr(Attr::StartTime), descending: false },
        ]
    );
}

#[test]
fn order_by_errors_name_their_column() {
    let cases = [
        ("metrics.acc downward", 13, "expected asc, desc, ',' or the end of the order-by, found 'downward'"),
        ("", 1, "expected a field to order by (e.g. metrics.accuracy desc), found the end of the order-by"),
        ("start_time desc,", 17, "expected a field to order by"),
        ("foo.x", 1, "unknown prefix 'foo'"),
    ];
    for (text, column, needle) in cases {
        let err = parse_order_by(text).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("order-by error at column {column}: ")), "{msg}");
        assert!(msg.contains(needle), "{text}: {msg}");
    }
}

#[test]
fn a_filter_holds_at_most_max_conditions_and_the_error_points_at_the_first_one_too_many() {
    let conditions: Vec<String> = (0..MAX_CONDITIONS).map(|i| format!("params.p{i} = 'x'")).collect();
    let at_limit = conditions.join(" or ");
    assert!(parse_filter(&at_limit).is_ok());
    let over = format!("{at_limit} and tags.t = 'y'");
    let err = parse_filter(&over).unwrap_err();
    assert_eq!(err.column(), Some(at_limit.len() + 6), "{err}");
    assert!(err.to_string().contains(&format!("at most {MAX_CONDITIONS} conditions")), "{err}");
}

#[test]
fn in_lists_hold_at_most_max_values_in_all() {
    let values = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let half = MAX_VALUES / 2;
    assert!(parse_filter(&format!("metrics.a in ({}) or metrics.b in ({})", values(half), values(half))).is_ok());
    let err =
        parse_filter(&format!("metrics.a in ({}) or metrics.b in ({})", values(half), values(half + 1))).unwrap_err();
    assert!(err.to_string().contains(&format!("at most {MAX_VALUES} values")), "{err}");
}

#[test]
fn an_order_by_holds_at_most_max_order_terms() {
    let terms: Vec<String> = (0..MAX_ORDER_TERMS).map(|i| format!("metrics.m{i} desc")).collect();
    assert_eq!(parse_order_by(&terms.join(", ")).unwrap().len(), MAX_ORDER_TERMS);
    let err = parse_order_by(&format!("{}, name", terms.join(", "))).unwrap_err();
    assert!(err.to_string().contains(&format!("at most {MAX_ORDER_TERMS} fields")), "{err}");
}
