//! Idempotency keys of batches: every batch has an id (the caller's, or `sha256:<hex>` of its default run and its
//! text), recorded in `ingest_batches` in the same transaction as the batch's rows. A batch whose id is recorded with
//! the same content was already stored (nothing is written again); with other content it is refused.

use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;

use super::{BatchReport, TrackerError};

/// Longest batch id accepted.
const MAX_BATCH_ID_CHARS: usize = 200;

/// Hex SHA-256 of a batch: its default run (the run for lines without a `"run"` field) and its text, byte for byte.
pub fn content_digest(default_run: Option<&str>, text: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"browser-ai-mlops batch v1\n");
    h.update(default_run.unwrap_or("").as_bytes());
    h.update(b"\n");
    h.update(text.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The id a batch is recorded under: the caller's (checked), else `sha256:` and the content digest.
pub fn batch_id(given: Option<&str>, digest: &str) -> Result<String, TrackerError> {
    let Some(id) = given else {
        return Ok(format!("sha256:{digest}"));
    };
    let problem = if id.trim().is_empty() {
        Some("expected a non-empty id".to_string())
    } else if id.chars().count() > MAX_BATCH_ID_CHARS {
        Some(format!("expected at most {MAX_BATCH_ID_CHARS} characters, got {}", id.chars().count()))
    } else if id.chars().any(char::is_control) {
        Some("expected printable characters (no control characters)".to_string())
    } else {
        None
    };
    match problem {
        Some(p) => Err(TrackerError::Invalid(format!("batch id {id:?}: {p}"))),
        None => Ok(id.to_string()),
    }
}

/// A batch recorded earlier.
pub(crate) struct Recorded {
    pub content_sha256: String,
    pub stored_at_ms: i64,
    pub report: BatchReport,
}

pub(crate) async fn find(conn: &mut SqliteConnection, batch_id: &str) -> Result<Option<Recorded>, TrackerError> {
    let row: Option<(String, i64, String)> =
        sqlx::query_as("SELECT content_sha256, stored_at_ms, report FROM ingest_batches WHERE batch_id = ?")
            .bind(batch_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((content_sha256, stored_at_ms, report)) = row else {
        return Ok(None);
    };
    let report = serde_json::from_str(&report)
        .map_err(|e| TrackerError::Invalid(format!("batch {batch_id:?}: its stored report is unreadable: {e}")))?;
    Ok(Some(Recorded { content_sha256, stored_at_ms, report }))
}

pub(crate) async fn record(
    conn: &mut SqliteConnection,
    report: &BatchReport,
    digest: &str,
) -> Result<(), TrackerError> {
    let json = serde_json::to_string(report)
        .map_err(|e| TrackerError::Invalid(format!("batch {:?}: cannot encode its report: {e}", report.batch_id)))?;
    sqlx::query("INSERT INTO ingest_batches (batch_id, content_sha256, stored_at_ms, report) VALUES (?, ?, ?, ?)")
        .bind(&report.batch_id)
        .bind(digest)
        .bind(report.stored_at_ms)
        .bind(json)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_covers_the_default_run_and_every_byte() {
        let a = content_digest(Some("r1"), "{\"type\":\"tag\"}\n");
        assert_eq!(a.len(), 64);
        assert_ne!(a, content_digest(Some("r2"), "{\"type\":\"tag\"}\n"));
        assert_ne!(a, content_digest(None, "{\"type\":\"tag\"}\n"));
        assert_ne!(a, content_digest(Some("r1"), "{\"type\":\"tag\"}\n\n"));
        assert_eq!(batch_id(None, &a).unwrap(), format!("sha256:{a}"));
    }

    #[test]
    fn given_ids_are_checked() {
        assert_eq!(batch_id(Some("nightly-42"), "d").unwrap(), "nightly-42");
        assert!(batch_id(Some(" "), "d").unwrap_err().to_string().contains("expected a non-empty id"));
        assert!(batch_id(Some("a\nb"), "d").unwrap_err().to_string().contains("no control characters"));
        assert!(batch_id(Some(&"x".repeat(201)), "d").unwrap_err().to_string().contains("at most 200"));
    }
}
