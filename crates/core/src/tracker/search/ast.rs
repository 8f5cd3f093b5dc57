//! The filter AST and the field namespace: which names exist (`metrics.<key>[.agg]`, `params.<key>`, `tags.<key>`,
//! attributes), how a field path resolves to a `Field`, and what kind of values each field compares with.

use super::lexer::{CmpOp, Fail, Segment};

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Pred(Pred),
}

/// One comparison of a field with literal values.
#[derive(Debug, Clone, PartialEq)]
pub struct Pred {
    pub field: Field,
    pub test: Test,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Num(f64),
    Str(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Cmp(CmpOp, Value),
    In {
        negated: bool,
        values: Vec<Value>,
    },
    Like {
        negated: bool,
        case_insensitive: bool,
        pattern: String,
    },
    /// `IS NULL` (`negated: false`): the metric/param/tag is absent, or the attribute is NULL.
    Null {
        negated: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Metric { key: String, agg: Agg },
    Param(String),
    Tag(String),
    Attr(Attr),
}

/// Which per-run aggregate of a metric to use; `Last` (the latest value) unless written `metrics.<key>.<agg>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agg {
    Last,
    Min,
    Max,
    Mean,
    Count,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attr {
    Status,
    Name,
    Experiment,
    ExperimentId,
    RunId,
    ModelVersion,
    StartTime,
    EndTime,
    Duration,
}

/// What a field holds, which decides the literals and operators it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Number,
    Text,
    /// Text that holds a number for some runs: compared as text with strings, numerically with numbers.
    Loose,
    Status,
}

pub const ATTRIBUTES: &str =
    "status, name, experiment, experiment_id, run_id (or id), model_version, start_time, end_time, duration_ms";
pub const PREFIXES: &str = "metrics, params, tags, attributes";

impl Attr {
    fn parse(name: &str) -> Option<Attr> {
        Some(match name.to_ascii_lowercase().as_str() {
            "status" => Attr::Status,
            "name" => Attr::Name,
            "experiment" => Attr::Experiment,
            "experiment_id" => Attr::ExperimentId,
            "run_id" | "id" => Attr::RunId,
            "model_version" => Attr::ModelVersion,
            "start_time" => Attr::StartTime,
            "end_time" => Attr::EndTime,
            "duration_ms" => Attr::Duration,
            _ => return None,
        })
    }

    /// Attributes that can be NULL (a running run has no end; a run may have no model version).
    pub fn nullable(self) -> bool {
        matches!(self, Attr::ModelVersion | Attr::EndTime | Attr::Duration)
    }
}

impl Field {
    pub fn field_type(&self) -> FieldType {
        match self {
            Field::Metric { .. } => FieldType::Number,
            Field::Param(_) | Field::Tag(_) => FieldType::Loose,
            Field::Attr(Attr::Status) => FieldType::Status,
            Field::Attr(Attr::StartTime | Attr::EndTime | Attr::Duration) => FieldType::Number,
            Field::Attr(_) => FieldType::Text,
        }
    }

    /// The metric keys this field reads, for picking table columns.
    pub fn metric_key(&self) -> Option<&str> {
        match self {
            Field::Metric { key, .. } => Some(key),
            _ => None,
        }
    }

    /// Resolve a lexed path to a field; `column` is where the path starts.
    pub fn resolve(segments: &[Segment], column: usize) -> Result<Field, Fail> {
        let Some(first) = segments.first() else {
            return Err(Fail::at(column, "expected a field name"));
        };
        let prefix = first.text.to_ascii_lowercase();
        let key = segments.get(1);
        let needs_key = |name: &str| {
            Fail::at(column, format!("'{name}' needs a key, e.g. {name}.accuracy (keys with dots: {name}.`a.b`)"))
        };
        match (prefix.as_str(), key) {
            ("metrics" | "metric", None) => Err(needs_key("metrics")),
            ("params" | "param", None) => Err(needs_key("params")),
            ("tags" | "tag", None) => Err(needs_key("tags")),
            (_, None) => Attr::parse(&first.text).map(Field::Attr).ok_or_else(|| {
                Fail::at(
                    column,
                    format!(
                        "unknown field '{}': expected metrics.<key>, params.<key>, tags.<key> or an attribute ({ATTRIBUTES})",
                        first.text
                    ),
                )
            }),
            ("metrics" | "metric", Some(key)) => {
                let agg = match segments.get(2) {
                    None => Agg::Last,
                    Some(s) => match s.text.to_ascii_lowercase().as_str() {
                        "last" => Agg::Last,
                        "min" => Agg::Min,
                        "max" => Agg::Max,
                        "mean" => Agg::Mean,
                        "count" => Agg::Count,
                        _ => {
                            return Err(Fail::at(
                                s.column,
                                format!(
                                    "unknown metric aggregate '{}': expected last, min, max, mean or count \
                                     (write metrics.`{}.{}` for a key containing a dot)",
                                    s.text, key.text, s.text
                                ),
                            ));
                        }
                    },
                };
                if let Some(extra) = segments.get(3) {
                    return Err(Fail::at(extra.column, "a metric is metrics.<key> or metrics.<key>.<aggregate>"));
                }
                Ok(Field::Metric { key: key.text.clone(), agg })
            }
            (p @ ("params" | "param" | "tags" | "tag" | "attributes" | "attribute" | "attr"), Some(key)) => {
                if let Some(extra) = segments.get(2) {
                    return Err(Fail::at(
                        extra.column - 1,
                        format!("keys containing a dot must be quoted with backticks, e.g. {}.`{}.{}`", first.text, key.text, extra.text),
                    ));
                }
                match p {
                    "params" | "param" => Ok(Field::Param(key.text.clone())),
                    "tags" | "tag" => Ok(Field::Tag(key.text.clone())),
                    _ => Attr::parse(&key.text).map(Field::Attr).ok_or_else(|| {
                        Fail::at(key.column, format!("unknown attribute '{}': expected one of {ATTRIBUTES}", key.text))
                    }),
                }
            }
            _ => Err(Fail::at(column, format!("unknown prefix '{}': expected one of {PREFIXES}", first.text))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::search::lexer::{Tok, lex};

    fn resolve(text: &str) -> Result<Field, Fail> {
        let tokens = lex(text).unwrap();
        match &tokens[0].tok {
            Tok::Path(segs) => Field::resolve(segs, tokens[0].column),
            other => panic!("not a path: {other:?}"),
        }
    }

    #[test]
    fn prefixes_attributes_and_aggregates_resolve() {
        assert_eq!(resolve("metrics.acc").unwrap(), Field::Metric { key: "acc".into(), agg: Agg::Last });
        assert_eq!(resolve("metric.`a.b`.max").unwrap(), Field::Metric { key: "a.b".into(), agg: Agg::Max });
        assert_eq!(resolve("METRICS.acc.Mean").unwrap(), Field::Metric { key: "acc".into(), agg: Agg::Mean });
        assert_eq!(resolve("params.`a.b`").unwrap(), Field::Param("a.b".into()));
        assert_eq!(resolve("tags.env").unwrap(), Field::Tag("env".into()));
        assert_eq!(resolve("attributes.status").unwrap(), Field::Attr(Attr::Status));
        assert_eq!(resolve("id").unwrap(), Field::Attr(Attr::RunId));
        assert_eq!(resolve("Duration_MS").unwrap(), Field::Attr(Attr::Duration));
    }

    #[test]
    fn keys_are_case_sensitive() {
        assert_eq!(resolve("params.LLM").unwrap(), Field::Param("LLM".into()));
    }

    #[test]
    fn resolution_errors_point_at_the_offending_part() {
        let cases = [
            ("foo.bar", 1, "unknown prefix 'foo': expected one of metrics, params, tags, attributes"),
            ("  statuss", 3, "unknown field 'statuss'"),
            ("metrics", 1, "'metrics' needs a key"),
            ("metrics.loss.median", 14, "unknown metric aggregate 'median'"),
            ("metrics.a.max.x", 15, "metrics.<key>.<aggregate>"),
            ("params.a.b", 9, "params.`a.b`"),
            ("attributes.colour", 12, "unknown attribute 'colour'"),
        ];
        for (text, column, needle) in cases {
            let fail = resolve(text).unwrap_err();
            assert_eq!(fail.column, column, "{text}: {fail:?}");
            assert!(fail.message.contains(needle), "{text}: {fail:?}");
        }
    }
}
