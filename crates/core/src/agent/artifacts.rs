//! Run artifacts (screenshots, DOM snapshots): stored zstd-compressed and content-addressed by the SHA-256 of the raw
//! bytes, so the same content is stored once; `run_artifacts` links an artifact to a run's step.
//!
//! - `artifacts (hash, kind, mime, size_bytes, compressed, created_at_ms)`: zstd (level 3) of the raw bytes, keyed by
//!   their hex SHA-256; `run_artifacts (run_id, step, kind, hash, created_at_ms)` links them to steps.
//! - `store_artifact`, `link_artifact`, `load_artifact`, `run_artifacts`. `load_artifact` re-hashes what it
//!   decompresses and reports a damaged row as `AgentError::ArtifactCorrupt`.
//! - DOM snapshots are the masked serialisation; screenshots are stored as taken (pixels are not masked).
//! - The UI reads them through the `runs` domain's artifact operation (`{hash}` →
//!   `{hash, kind, mime, size_bytes, base64}`); a malformed hash is an input error (HTTP 422), an unknown one not found
//!   (404).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AgentError;
use crate::store::Store;
use crate::util::now_ms;

/// zstd level: fast, and screenshots/DOM text still shrink well.
const ZSTD_LEVEL: i32 = 3;

/// Kind of a screenshot artifact.
pub const KIND_SCREENSHOT: &str = "screenshot";
/// Kind of a DOM snapshot artifact (the serialised page state the model saw).
pub const KIND_DOM_SNAPSHOT: &str = "dom_snapshot";

/// One artifact linked to a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct RunArtifact {
    pub step: i64,
    pub kind: String,
    pub hash: String,
    pub mime: String,
    /// Raw (uncompressed) size.
    pub size_bytes: i64,
    pub created_at_ms: i64,
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Store `bytes` (compressed) unless the same content is already stored; returns its hash.
pub async fn store_artifact(store: &Store, kind: &str, mime: &str, bytes: &[u8]) -> Result<String, AgentError> {
    if kind.trim().is_empty() {
        return Err(AgentError::Invalid("artifact kind must not be empty".into()));
    }
    let hash = sha256_hex(bytes);
    let known: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM artifacts WHERE hash = ?").bind(&hash).fetch_optional(store.pool()).await?;
    if known.is_some() {
        return Ok(hash);
    }
    let compressed = zstd::bulk::compress(bytes, ZSTD_LEVEL)
        .map_err(|e| AgentError::Compression { hash: hash.clone(), detail: e.to_string() })?;
    let size = i64::try_from(bytes.len()).map_err(|_| AgentError::Invalid("artifact too large".into()))?;
    sqlx::query(
        "INSERT INTO artifacts (hash, kind, mime, size_bytes, compressed, created_at_ms) VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (hash) DO NOTHING",
    )
    .bind(&hash)
    .bind(kind)
    .bind(mime)
    .bind(size)
    .bind(compressed)
    .bind(now_ms())
    .execute(store.pool())
    .await?;
    Ok(hash)
}

/// Link a stored artifact to a step of a run.
pub async fn link_artifact(store: &Store, run_id: &str, step: i64, kind: &str, hash: &str) -> Result<(), AgentError> {
    sqlx::query("INSERT INTO run_artifacts (run_id, step, kind, hash, created_at_ms) VALUES (?, ?, ?, ?, ?)")
        .bind(run_id)
        .bind(step)
        .bind(kind)
        .bind(hash)
        .bind(now_ms())
        .execute(store.pool())
        .await?;
    Ok(())
}

/// The raw bytes of an artifact, checked against its hash.
pub async fn load_artifact(store: &Store, hash: &str) -> Result<Vec<u8>, AgentError> {
    let row: Option<(Vec<u8>, i64)> = sqlx::query_as("SELECT compressed, size_bytes FROM artifacts WHERE hash = ?")
        .bind(hash)
        .fetch_optional(store.pool())
        .await?;
    let (compressed, size) = row.ok_or_else(|| AgentError::ArtifactNotFound(hash.to_string()))?;
    let capacity = usize::try_from(size).unwrap_or(0);
    let bytes = zstd::bulk::decompress(&compressed, capacity)
        .map_err(|e| AgentError::Compression { hash: hash.to_string(), detail: e.to_string() })?;
    let actual = sha256_hex(&bytes);
    if actual != hash {
        return Err(AgentError::ArtifactCorrupt { hash: hash.to_string(), actual });
    }
    Ok(bytes)
}

/// The artifacts linked to a run, by step then link order.
pub async fn run_artifacts(store: &Store, run_id: &str) -> Result<Vec<RunArtifact>, AgentError> {
    let rows: Vec<(i64, String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT ra.step, ra.kind, ra.hash, a.mime, a.size_bytes, ra.created_at_ms FROM run_artifacts ra \
         JOIN artifacts a ON a.hash = ra.hash WHERE ra.run_id = ? ORDER BY ra.step, ra.id",
    )
    .bind(run_id)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(step, kind, hash, mime, size_bytes, created_at_ms)| RunArtifact {
            step,
            kind,
            hash,
            mime,
            size_bytes,
            created_at_ms,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_known_digest_of_abc() {
        // FIPS 180-2 test vector.
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[tokio::test]
    async fn same_content_is_stored_once_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i % 7) as u8).collect();
        let a = store_artifact(&store, KIND_DOM_SNAPSHOT, "text/plain", &bytes).await.unwrap();
        let b = store_artifact(&store, KIND_DOM_SNAPSHOT, "text/plain", &bytes).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(a, sha256_hex(&bytes));
        let (rows, stored): (i64, i64) = sqlx::query_as("SELECT COUNT(*), MAX(length(compressed)) FROM artifacts")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(rows, 1);
        assert!((stored as usize) < bytes.len(), "repetitive bytes compress: {stored} >= {}", bytes.len());
        assert_eq!(load_artifact(&store, &a).await.unwrap(), bytes);
        let missing = sha256_hex(b"other");
        assert!(matches!(load_artifact(&store, &missing).await, Err(AgentError::ArtifactNotFound(h)) if h == missing));
    }

    #[tokio::test]
    async fn a_tampered_blob_is_reported_as_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        let hash = store_artifact(&store, KIND_SCREENSHOT, "image/png", b"first").await.unwrap();
        let other = zstd::bulk::compress(b"other", 3).unwrap(); // same length, other content
        sqlx::query("UPDATE artifacts SET compressed = ? WHERE hash = ?")
            .bind(other)
            .bind(&hash)
            .execute(store.pool())
            .await
            .unwrap();
        let err = load_artifact(&store, &hash).await.unwrap_err();
        assert!(matches!(err, AgentError::ArtifactCorrupt { .. }), "{err:?}");
    }
}
