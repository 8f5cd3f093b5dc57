//! Read side of the content-addressed artifact store (`artifacts` table, written by `agent::artifacts`): what is
//! known about one artifact without decompressing it, for the operation table's `runs::artifact`, and the totals over
//! every artifact, for the report's storage section.

use super::TrackerError;
use crate::store::{Store, StoreError};

/// What the store knows about one artifact (its raw size, before zstd).
#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactMeta {
    pub kind: String,
    pub mime: String,
    pub size_bytes: i64,
}

/// The kind, MIME type and raw size of the artifact with this hash, or `None` when no such artifact is stored.
pub async fn artifact_meta(store: &Store, hash: &str) -> Result<Option<ArtifactMeta>, TrackerError> {
    let row: Option<(String, String, i64)> =
        sqlx::query_as("SELECT kind, mime, size_bytes FROM artifacts WHERE hash = ?")
            .bind(hash)
            .fetch_optional(store.pool())
            .await
            .map_err(crate::store::StoreError::from)?;
    Ok(row.map(|(kind, mime, size_bytes)| ArtifactMeta { kind, mime, size_bytes }))
}

/// How many artifacts are stored and how many bytes they take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArtifactTotals {
    pub artifacts: i64,
    /// Sum of the zstd-compressed blobs' lengths.
    pub compressed_bytes: i64,
    /// Sum of the raw sizes, before zstd.
    pub raw_bytes: i64,
}

/// Totals over every stored artifact (zeros when there is none).
pub async fn artifact_totals(store: &Store) -> Result<ArtifactTotals, StoreError> {
    let (artifacts, compressed_bytes, raw_bytes): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(length(compressed)), 0), COALESCE(SUM(size_bytes), 0) FROM artifacts",
    )
    .fetch_one(store.pool())
    .await?;
    Ok(ArtifactTotals { artifacts, compressed_bytes, raw_bytes })
}

/// True when `hash` looks like an artifact hash: 64 lowercase hex digits (a SHA-256).
pub fn is_artifact_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_64_lowercase_hex_digits_are_hashes() {
        assert!(is_artifact_hash(&"ab12".repeat(16)));
        assert!(!is_artifact_hash(&"AB12".repeat(16)));
        assert!(!is_artifact_hash(&"ab1".repeat(21)));
        assert!(!is_artifact_hash(&format!("{}g", "a".repeat(63))));
        assert!(!is_artifact_hash(""));
    }
}
