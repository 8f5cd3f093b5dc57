//! The team server's audit log: every operation that changes something, called by a signed-in team user (over HTTP,
//! or on any core made `for_user`), is recorded with when, who (name and role), which operation, what it named (the
//! identifying fields of its input: ids, names, keys, targets — never values or texts) and how it ended (`ok` or the
//! error's kind). It lives in the team database when the server has one, else in the server's own store. Pushes by
//! sync are recorded per change in the server's change feed instead, with their user and host.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::db::Db;
use crate::util::now_ms;

/// Input fields that name what an operation acts on (their values are ids, names, keys or targets).
const NAMING_FIELDS: &[&str] = &[
    "id",
    "run_id",
    "experiment",
    "experiment_id",
    "name",
    "model",
    "version",
    "version_id",
    "target",
    "key",
    "evaluation_id",
    "suite",
    "env",
    "host",
];

/// Longest subject kept.
const MAX_SUBJECT_CHARS: usize = 300;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at_ms: i64,
    pub user_name: String,
    pub role: String,
    pub operation: String,
    /// What the call named, e.g. `run_id=01a2… key=loss`.
    pub subject: String,
    /// `ok`, or the kind of the error it ended with.
    pub outcome: String,
}

/// Which entries to list: newest first, at most `limit` (default 100, at most 10,000).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct AuditQuery {
    pub user: Option<String>,
    pub operation: Option<String>,
    pub limit: Option<u32>,
}

/// The identifying fields of an operation's input, `field=value` separated by spaces, in `NAMING_FIELDS` order.
pub fn subject_of(input: &Value) -> String {
    let mut parts = Vec::new();
    for field in NAMING_FIELDS {
        match input.get(*field) {
            Some(Value::String(s)) if !s.is_empty() => parts.push(format!("{field}={}", crate::text::escape(s))),
            Some(Value::Number(n)) => parts.push(format!("{field}={n}")),
            _ => {}
        }
    }
    let subject = parts.join(" ");
    match subject.char_indices().nth(MAX_SUBJECT_CHARS) {
        Some((cut, _)) => format!("{}…", &subject[..cut]),
        None => subject,
    }
}

/// Append one entry.
pub async fn record(
    db: &Db,
    user: &str,
    role: &str,
    operation: &str,
    subject: &str,
    outcome: &str,
) -> Result<(), sqlx::Error> {
    crate::on_db!(db, |pool| sqlx::query(
        "INSERT INTO audit_log (at_ms, user_name, role, operation, subject, outcome) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(now_ms())
    .bind(user)
    .bind(role)
    .bind(operation)
    .bind(subject)
    .bind(outcome)
    .execute(pool)
    .await
    .map(|_| ()))
}

/// Entries newest first.
pub async fn list(db: &Db, query: &AuditQuery) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let limit = i64::from(query.limit.unwrap_or(100).clamp(1, 10_000));
    crate::on_db!(db, |pool| sqlx::query_as(
        "SELECT id, at_ms, user_name, role, operation, subject, outcome FROM audit_log \
         WHERE ($1 IS NULL OR user_name = $1) AND ($2 IS NULL OR operation = $2) ORDER BY id DESC LIMIT $3"
    )
    .bind(query.user.as_deref())
    .bind(query.operation.as_deref())
    .bind(limit)
    .fetch_all(pool)
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_names_ids_and_keys_never_values() {
        let input = serde_json::json!({
            "run_id": "r1", "key": "loss", "value": 0.5, "name": "", "step": 3,
            "content": "secret text", "version": 2, "target": "staging\u{1b}[2J"
        });
        assert_eq!(subject_of(&input), "run_id=r1 version=2 target=staging\\u{1b}[2J key=loss");
        let long = serde_json::json!({"name": "n".repeat(1_000)});
        assert_eq!(subject_of(&long).chars().count(), MAX_SUBJECT_CHARS + 1);
    }
}
