//! Stored responses of mutating requests that carried an idempotency key (the HTTP server's `Idempotency-Key`
//! header): one row per (key, operation) in `http_idempotency`, with the digest of the request body it answered.
//! The transport decides what to store and when; this module only reads and writes the rows.

use super::{Store, StoreError};

/// The response stored for a key and an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    /// Hex SHA-256 of the request body the response answered.
    pub body_sha256: String,
    /// The response body as it was sent.
    pub response: serde_json::Value,
    pub created_at_ms: i64,
}

impl Store {
    /// The response stored for `key` and `operation`, if any.
    pub async fn stored_response(&self, key: &str, operation: &str) -> Result<Option<StoredResponse>, StoreError> {
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT body_sha256, response, created_at_ms FROM http_idempotency \
             WHERE idempotency_key = ? AND operation = ?",
        )
        .bind(key)
        .bind(operation)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(body_sha256, response, created_at_ms)| StoredResponse {
            body_sha256,
            // The column only ever holds JSON this module wrote; an unreadable one replays as null.
            response: serde_json::from_str(&response).unwrap_or(serde_json::Value::Null),
            created_at_ms,
        }))
    }

    /// Store the response for `key` and `operation` unless one is stored already (the first one stays).
    pub async fn store_response(
        &self,
        key: &str,
        operation: &str,
        body_sha256: &str,
        response: &serde_json::Value,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO http_idempotency (idempotency_key, operation, body_sha256, response, created_at_ms) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (idempotency_key, operation) DO NOTHING",
        )
        .bind(key)
        .bind(operation)
        .bind(body_sha256)
        .bind(response.to_string())
        .bind(crate::util::now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
