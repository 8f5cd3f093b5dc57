//! Batch logging from JSONL (one object per line: metric, param, tag, message or action), read from a file, stdin or
//! a request body. The whole text is parsed and validated first — syntax, fields, runs that must be running, params
//! that would conflict with stored values or with each other — and only then written, all of it in ONE transaction:
//! params, tags, messages, actions, metric points, the run's metric summary and the batch's idempotency record
//! (`batch_keys`). A batch is therefore stored whole or not at all, whatever stops the process or fills the disk, and
//! sending it again writes nothing and says when it was stored.

use std::collections::{BTreeMap, HashMap, btree_map::Entry};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::conversation::{action_problem, insert_actions, insert_messages, message_problem};
use super::runs::{insert_params, require_running, upsert_tags};
use super::writer::{Point, SeriesIds, Statements, insert_points};
use super::{Action, Message, Role, TokenCounts, Tracker, TrackerError, batch_keys, validate};
use crate::limits;

/// One validated line of a batch file.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchLine {
    Metric { run: String, key: String, value: f64, step: i64, ts_ms: Option<i64> },
    Param { run: String, key: String, value: String },
    Tag { run: String, key: String, value: String },
    Message { run: String, message: Message },
    Action { run: String, action: Action },
}

impl BatchLine {
    fn run(&self) -> &str {
        match self {
            BatchLine::Metric { run, .. }
            | BatchLine::Param { run, .. }
            | BatchLine::Tag { run, .. }
            | BatchLine::Message { run, .. }
            | BatchLine::Action { run, .. } => run,
        }
    }
}

/// A parsed batch: its name for messages (a file name, or `stdin`), its lines with their 1-based line numbers, and
/// the digest of its default run and text (`batch_keys::content_digest`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedBatch {
    pub file: String,
    pub lines: Vec<(usize, BatchLine)>,
    pub digest: String,
}

/// What a batch wrote (or, with `already_stored`, what it wrote when it was first stored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct BatchReport {
    /// The batch's idempotency key: the id given by the caller, else `sha256:` and the digest of its content.
    pub batch_id: String,
    /// True when this batch id was already stored with the same content: nothing was written this time.
    pub already_stored: bool,
    /// When the batch was stored (UTC milliseconds), now or by the earlier call.
    pub stored_at_ms: i64,
    pub metrics: usize,
    /// Params newly stored; `params_unchanged` were already stored with the same value.
    pub params: usize,
    pub params_unchanged: usize,
    pub tags: usize,
    pub messages: usize,
    pub actions: usize,
}

/// Read and validate a batch file; `default_run` applies to lines without a `"run"` field.
pub fn parse_file(path: &Path, default_run: Option<&str>) -> Result<ParsedBatch, TrackerError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| TrackerError::Io { path: path.display().to_string(), source })?;
    parse_text(&path.display().to_string(), &text, default_run)
}

/// Validate batch text; errors name `file:line`, the field and what was expected.
pub fn parse_text(file: &str, text: &str, default_run: Option<&str>) -> Result<ParsedBatch, TrackerError> {
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let line = parse_line(raw, default_run).map_err(|message| TrackerError::BatchLine {
            file: file.to_string(),
            line: i + 1,
            message,
        })?;
        lines.push((i + 1, line));
    }
    Ok(ParsedBatch { file: file.to_string(), lines, digest: batch_keys::content_digest(default_run, text) })
}

const METRIC_FIELDS: &[&str] = &["type", "run", "key", "value", "step", "ts_ms"];
const KV_FIELDS: &[&str] = &["type", "run", "key", "value"];
const MESSAGE_FIELDS: &[&str] = &["type", "run", "role", "content", "tool_calls", "tokens", "ts_ms"];
const ACTION_FIELDS: &[&str] = &["type", "run", "action_type", "target", "success", "duration_ms", "error", "ts_ms"];
const TOKEN_FIELDS: &[&str] = &["input", "output", "cache_read", "cache_write", "reasoning"];

fn parse_line(raw: &str, default_run: Option<&str>) -> Result<BatchLine, String> {
    let value: Value = serde_json::from_str(raw).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("expected a JSON object like {\"type\":\"metric\",\"key\":\"loss\",\"value\":0.5}".to_string());
    };
    let kind = string(&obj, "type")?;
    let allowed = match kind.as_str() {
        "metric" => METRIC_FIELDS,
        "param" | "tag" => KV_FIELDS,
        "message" => MESSAGE_FIELDS,
        "action" => ACTION_FIELDS,
        other => {
            return Err(format!(
                "field \"type\": expected one of \"metric\", \"param\", \"tag\", \"message\", \"action\", got {other:?}"
            ));
        }
    };
    no_unknown_fields(&obj, allowed, &format!("a {kind} line"))?;
    let run = match obj.get("run") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(other) => return Err(format!("field \"run\": expected a run id, got {other}")),
        None => default_run
            .map(str::to_string)
            .ok_or("field \"run\": missing, and no RUN_ID was given for the whole file")?,
    };
    match kind.as_str() {
        "metric" => Ok(BatchLine::Metric {
            run,
            key: key(&obj)?,
            value: finite(&obj, "value")?,
            step: opt_int(&obj, "step")?.unwrap_or(0),
            ts_ms: timestamp(&obj)?,
        }),
        "param" => {
            Ok(BatchLine::Param { run, key: key(&obj)?, value: text_value(&obj, limits::MAX_PARAM_VALUE_CHARS)? })
        }
        "tag" => Ok(BatchLine::Tag { run, key: key(&obj)?, value: text_value(&obj, limits::MAX_TAG_VALUE_CHARS)? }),
        "message" => {
            let role_text = string(&obj, "role")?;
            let role = Role::parse(&role_text).ok_or_else(|| {
                format!(
                    "field \"role\": expected one of \"system\", \"user\", \"assistant\", \"tool\", got {role_text:?}"
                )
            })?;
            let message = Message {
                role,
                content: string(&obj, "content")?,
                tool_calls: obj.get("tool_calls").cloned().unwrap_or(Value::Array(Vec::new())),
                tokens: tokens(&obj)?,
                ts_ms: opt_int(&obj, "ts_ms")?.unwrap_or(0),
            };
            message_problem(&message).map_or(Ok(BatchLine::Message { run, message }), Err)
        }
        _ => {
            let action = Action {
                action_type: string(&obj, "action_type")?,
                target: opt_string(&obj, "target")?.unwrap_or_default(),
                success: match obj.get("success") {
                    Some(Value::Bool(b)) => *b,
                    Some(other) => return Err(format!("field \"success\": expected true or false, got {other}")),
                    None => return Err("field \"success\": missing, expected true or false".to_string()),
                },
                duration_ms: opt_int(&obj, "duration_ms")?
                    .ok_or("field \"duration_ms\": missing, expected an integer number of milliseconds")?,
                error: opt_string(&obj, "error")?,
                ts_ms: opt_int(&obj, "ts_ms")?.unwrap_or(0),
            };
            action_problem(&action).map_or(Ok(BatchLine::Action { run, action }), Err)
        }
    }
}

fn no_unknown_fields(obj: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), String> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("field {k:?}: not a field of {what} (expected only: {})", allowed.join(", "))),
        None => Ok(()),
    }
}

fn string(obj: &Map<String, Value>, field: &str) -> Result<String, String> {
    match obj.get(field) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!("field {field:?}: expected a string, got {other}")),
        None => Err(format!("field {field:?}: missing, expected a string")),
    }
}

fn opt_string(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, String> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => string(obj, field).map(Some),
    }
}

fn key(obj: &Map<String, Value>) -> Result<String, String> {
    let k = string(obj, "key")?;
    match validate::key_problem(&k) {
        Some(problem) => Err(format!("field \"key\": {problem}")),
        None => Ok(k),
    }
}

/// A metric's optional timestamp, within the accepted range.
fn timestamp(obj: &Map<String, Value>) -> Result<Option<i64>, String> {
    let ts = opt_int(obj, "ts_ms")?;
    match ts.and_then(limits::timestamp_problem) {
        Some(problem) => Err(format!("field \"ts_ms\": {problem}")),
        None => Ok(ts),
    }
}

/// A param or tag value of at most `max` characters: a string, or a number/boolean taken as its JSON text.
fn text_value(obj: &Map<String, Value>, max: usize) -> Result<String, String> {
    match obj.get("value") {
        Some(Value::String(s)) => match limits::text_problem(s, max) {
            Some(problem) => Err(format!("field \"value\": {problem}")),
            None => Ok(s.clone()),
        },
        Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(v.to_string()),
        Some(other) => Err(format!("field \"value\": expected a string, number or boolean, got {other}")),
        None => Err("field \"value\": missing, expected a string".to_string()),
    }
}

/// A finite number. JSON cannot hold NaN or infinities, so those arrive as strings: name them in the error.
fn finite(obj: &Map<String, Value>, field: &str) -> Result<f64, String> {
    match obj.get(field) {
        Some(Value::Number(n)) => match n.as_f64() {
            Some(v) if v.is_finite() => Ok(v),
            _ => Err(format!("field {field:?}: expected a finite number, got {n}")),
        },
        Some(Value::String(s)) => {
            let shown = match s.trim().to_ascii_lowercase().as_str() {
                "nan" | "+nan" | "-nan" => "NaN".to_string(),
                "inf" | "+inf" | "infinity" | "+infinity" => "Infinity".to_string(),
                "-inf" | "-infinity" => "-Infinity".to_string(),
                _ => format!("the string {s:?}"),
            };
            Err(format!("field {field:?}: expected a finite number, got {shown}"))
        }
        Some(other) => Err(format!("field {field:?}: expected a finite number, got {other}")),
        None => Err(format!("field {field:?}: missing, expected a finite number")),
    }
}

fn opt_int(obj: &Map<String, Value>, field: &str) -> Result<Option<i64>, String> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            n.as_i64().map(Some).ok_or_else(|| format!("field {field:?}: expected an integer, got {n}"))
        }
        Some(other) => Err(format!("field {field:?}: expected an integer, got {other}")),
    }
}

fn tokens(obj: &Map<String, Value>) -> Result<TokenCounts, String> {
    let t = match obj.get("tokens") {
        None | Some(Value::Null) => return Ok(TokenCounts::default()),
        Some(Value::Object(t)) => t,
        Some(other) => return Err(format!("field \"tokens\": expected an object like {{\"input\": 10}}, got {other}")),
    };
    if let Some(k) = t.keys().find(|k| !TOKEN_FIELDS.contains(&k.as_str())) {
        return Err(format!("field \"tokens.{k}\": not a token type (expected only: {})", TOKEN_FIELDS.join(", ")));
    }
    let get = |name: &str| -> Result<i64, String> {
        match t.get(name) {
            None => Ok(0),
            Some(Value::Number(n)) => {
                n.as_i64().ok_or_else(|| format!("field \"tokens.{name}\": expected an integer, got {n}"))
            }
            Some(other) => Err(format!("field \"tokens.{name}\": expected an integer, got {other}")),
        }
    };
    Ok(TokenCounts {
        input: get("input")?,
        output: get("output")?,
        cache_read: get("cache_read")?,
        cache_write: get("cache_write")?,
        reasoning: get("reasoning")?,
    })
}

fn at_line(file: &str, line: usize, source: TrackerError) -> TrackerError {
    TrackerError::AtLine { file: file.to_string(), line, source: Box::new(source) }
}

/// Per run, what the batch writes in its transaction.
#[derive(Default)]
struct RunWrites {
    first_line: usize,
    params: BTreeMap<String, (String, usize)>,
    tags: BTreeMap<String, String>,
    messages: Vec<Message>,
    actions: Vec<Action>,
}

impl Tracker {
    /// Write a validated batch in one transaction, recorded under its batch id (`batch_id`, else derived from the
    /// content). Nothing is written unless every referenced run is running and no param conflicts (with stored
    /// values or within the batch); a batch id already stored with the same content writes nothing and returns the
    /// first report with `already_stored`; with other content it is refused. Everything is durable when this
    /// returns; on any failure nothing of the batch is stored.
    pub async fn log_batch(&self, batch: &ParsedBatch, batch_id: Option<&str>) -> Result<BatchReport, TrackerError> {
        let file = batch.file.as_str();
        let batch_id = batch_keys::batch_id(batch_id, &batch.digest)?;
        let (runs, mut report) = plan(batch)?;
        let points = metric_points(batch);
        let not_stored = |source: TrackerError| TrackerError::BatchNotStored {
            file: file.to_string(),
            batch_id: batch_id.clone(),
            source: Box::new(source),
        };
        let mut tx = self.store().begin_write().await.map_err(|e| not_stored(e.into()))?;
        if let Some(earlier) = batch_keys::find(&mut tx, &batch_id).await.map_err(not_stored)? {
            if earlier.content_sha256 != batch.digest {
                return Err(TrackerError::BatchIdReused {
                    batch_id: batch_id.clone(),
                    stored_at_ms: earlier.stored_at_ms,
                });
            }
            return Ok(BatchReport { already_stored: true, stored_at_ms: earlier.stored_at_ms, ..earlier.report });
        }
        for (run, w) in &runs {
            require_running(&mut *tx, run, "batch logging").await.map_err(|e| at_line(file, w.first_line, e))?;
            for (key, (value, line)) in &w.params {
                let stored: Option<String> =
                    sqlx::query_scalar("SELECT value FROM run_params WHERE run_id = ? AND key = ?")
                        .bind(run)
                        .bind(key)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(|e| not_stored(e.into()))?;
                if let Some(stored) = stored.filter(|s| s != value) {
                    let conflict = TrackerError::ParamConflict {
                        run_id: run.to_string(),
                        key: key.clone(),
                        stored,
                        new: value.clone(),
                    };
                    return Err(at_line(file, *line, conflict));
                }
            }
        }
        report.batch_id = batch_id.clone();
        report.stored_at_ms = crate::util::now_ms();
        let written = async {
            for (run, w) in &runs {
                let params: BTreeMap<String, String> =
                    w.params.iter().map(|(k, (v, _))| (k.clone(), v.clone())).collect();
                let stored = insert_params(&mut tx, run, &params).await?;
                report.params += stored;
                report.params_unchanged += params.len() - stored;
                upsert_tags(&mut tx, run, &w.tags).await?;
                insert_messages(&mut tx, run, &w.messages).await?;
                insert_actions(&mut tx, run, &w.actions).await?;
                report.messages += w.messages.len();
                report.actions += w.actions.len();
            }
            let refs: Vec<&Point> = points.iter().collect();
            insert_points(&mut tx, &Statements::new(), &SeriesIds::default(), &refs).await?;
            batch_keys::record(&mut tx, &report, &batch.digest).await?;
            tx.commit().await?;
            Ok::<(), TrackerError>(())
        };
        written.await.map_err(not_stored)?;
        for run in runs.keys() {
            self.remember_running(run);
        }
        Ok(report)
    }
}

/// Group a batch's lines by run and count them; params repeated with another value within the batch are refused.
fn plan(batch: &ParsedBatch) -> Result<(BTreeMap<&str, RunWrites>, BatchReport), TrackerError> {
    let file = batch.file.as_str();
    let mut runs: BTreeMap<&str, RunWrites> = BTreeMap::new();
    let mut report = BatchReport::default();
    for (line, item) in &batch.lines {
        let w = runs.entry(item.run()).or_insert_with(|| RunWrites { first_line: *line, ..Default::default() });
        match item {
            BatchLine::Metric { .. } => report.metrics += 1,
            BatchLine::Param { run, key, value } => match w.params.entry(key.clone()) {
                Entry::Vacant(e) => {
                    e.insert((value.clone(), *line));
                }
                Entry::Occupied(e) if e.get().0 == *value => report.params_unchanged += 1,
                Entry::Occupied(e) => {
                    let (first, first_line) = e.get();
                    let conflict = TrackerError::ParamConflict {
                        run_id: run.clone(),
                        key: key.clone(),
                        stored: first.clone(),
                        new: value.clone(),
                    };
                    let msg = format!("{conflict} (the value comes from line {first_line} of this file)");
                    return Err(TrackerError::BatchLine { file: file.to_string(), line: *line, message: msg });
                }
            },
            BatchLine::Tag { key, value, .. } => {
                w.tags.insert(key.clone(), value.clone());
                report.tags += 1;
            }
            BatchLine::Message { message, .. } => w.messages.push(message.clone()),
            BatchLine::Action { action, .. } => w.actions.push(action.clone()),
        }
    }
    Ok((runs, report))
}

/// The batch's metric lines as writer points (run ids and keys shared; a point without a timestamp gets now).
fn metric_points<'a>(batch: &'a ParsedBatch) -> Vec<Point> {
    let now = crate::util::now_ms();
    let mut names: HashMap<&'a str, Arc<str>> = HashMap::new();
    let mut intern = |s: &'a str| -> Arc<str> {
        match names.get(s) {
            Some(a) => a.clone(),
            None => {
                let a: Arc<str> = Arc::from(s);
                names.insert(s, a.clone());
                a
            }
        }
    };
    let mut points = Vec::new();
    for (_, item) in &batch.lines {
        if let BatchLine::Metric { run, key, value, step, ts_ms } = item {
            points.push(Point {
                run: intern(run),
                key: intern(key),
                value: *value,
                step: *step,
                ts_ms: ts_ms.unwrap_or(now),
            });
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse_text("p.jsonl", text, Some("r")).unwrap_err().to_string()
    }

    #[test]
    fn every_kind_of_line_parses() {
        let text = r##"{"type":"metric","key":"loss","value":0.5,"step":3}
{"type":"metric","key":"acc","value":1,"ts_ms":1767225600000,"run":"other"}

{"type":"param","key":"lr","value":0.001}
{"type":"tag","key":"note","value":"x"}
{"type":"message","role":"assistant","content":"hi","tokens":{"input":3,"output":4}}
{"type":"action","action_type":"click","success":true,"duration_ms":12,"target":"#b"}"##;
        let b = parse_text("p.jsonl", text, Some("r")).unwrap();
        assert_eq!(b.lines.len(), 6);
        assert_eq!(
            b.lines[0],
            (1, BatchLine::Metric { run: "r".into(), key: "loss".into(), value: 0.5, step: 3, ts_ms: None })
        );
        assert_eq!(b.lines[1].1.run(), "other");
        assert_eq!(b.lines[2], (4, BatchLine::Param { run: "r".into(), key: "lr".into(), value: "0.001".into() }));
        match &b.lines[4].1 {
            BatchLine::Message { message, .. } => assert_eq!((message.tokens.input, message.tokens.output), (3, 4)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_name_file_line_field_and_expectation() {
        let two_good =
            "{\"type\":\"metric\",\"key\":\"a\",\"value\":1}\n{\"type\":\"tag\",\"key\":\"a\",\"value\":\"b\"}\n";
        let e = err(&format!("{two_good}{{\"type\":\"metric\",\"key\":\"loss\",\"value\":\"NaN\"}}"));
        assert_eq!(e, "p.jsonl:3: field \"value\": expected a finite number, got NaN");
        assert!(err(r#"{"type":"metric","key":"k","value":"-Infinity"}"#).ends_with("got -Infinity"));
        assert!(err(r#"{"type":"metric","key":"","value":1}"#).contains("field \"key\": expected a non-empty key"));
        assert!(
            err(r#"{"type":"metric","key":"k","value":1,"step":1.5}"#).contains("field \"step\": expected an integer")
        );
        assert!(err(r#"{"type":"metric","key":"k","vlaue":1}"#).contains("field \"vlaue\": not a field"));
        assert!(err(r#"{"type":"message","role":"robot","content":"x"}"#).contains("field \"role\""));
        assert!(err(r#"{"type":"action","action_type":"click","success":1,"duration_ms":2}"#).contains("\"success\""));
        assert!(err("not json").starts_with("p.jsonl:1: invalid JSON"));
        let no_run = parse_text("p.jsonl", r#"{"type":"tag","key":"a","value":"b"}"#, None).unwrap_err().to_string();
        assert!(no_run.contains("field \"run\": missing"), "{no_run}");
    }
}
