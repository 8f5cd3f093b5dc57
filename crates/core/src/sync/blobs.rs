//! Artifact blobs on the wire: content-addressed (the SHA-256 of the raw bytes), zstd-compressed as stored, base64
//! in JSON. A host uploads a blob only when the server answers that it lacks it (`PushAck::missing_blobs`), so each
//! blob crosses once however many runs refer to it; the server checks every blob it is given against its hash
//! before storing it. A pull page carries the blobs its artifact entries refer to, and a host keeps those it lacks.

use base64::Engine;
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, Sqlite, Transaction};

use super::SyncError;
use crate::agent::artifacts::sha256_hex;

/// Largest raw size of one artifact a server accepts (a full-page screenshot or DOM snapshot is far smaller).
pub const MAX_BLOB_BYTES: i64 = 64 * 1024 * 1024;

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, PartialEq)]
pub struct BlobRec {
    pub hash: String,
    pub kind: String,
    pub mime: String,
    /// Raw size, before zstd.
    pub size_bytes: i64,
    /// The zstd-compressed bytes, base64.
    pub compressed: String,
    pub created_at_ms: i64,
}

type Row = (String, String, String, i64, Vec<u8>, i64);

fn to_rec((hash, kind, mime, size_bytes, compressed, created_at_ms): Row) -> BlobRec {
    let compressed = base64::engine::general_purpose::STANDARD.encode(compressed);
    BlobRec { hash, kind, mime, size_bytes, compressed, created_at_ms }
}

const SELECT: &str = "SELECT hash, kind, mime, size_bytes, compressed, created_at_ms FROM artifacts";

/// A host's blobs with these hashes.
pub async fn read_local(pool: &sqlx::SqlitePool, hashes: &[String]) -> Result<Vec<BlobRec>, SyncError> {
    let mut out = Vec::with_capacity(hashes.len());
    for hash in hashes {
        let row: Option<Row> =
            sqlx::query_as(&format!("{SELECT} WHERE hash = ?")).bind(hash).fetch_optional(pool).await?;
        out.extend(row.map(to_rec));
    }
    Ok(out)
}

/// The server's blobs with these hashes.
pub async fn read_server(pool: &sqlx::PgPool, hashes: &[String]) -> Result<Vec<BlobRec>, SyncError> {
    let rows: Vec<Row> =
        sqlx::query_as(&format!("{SELECT} WHERE hash = ANY($1) ORDER BY hash")).bind(hashes).fetch_all(pool).await?;
    Ok(rows.into_iter().map(to_rec).collect())
}

/// Which of `hashes` the server does not hold.
pub async fn missing(tx: &mut Transaction<'static, Postgres>, hashes: &[String]) -> Result<Vec<String>, SyncError> {
    let held: Vec<String> =
        sqlx::query_scalar("SELECT hash FROM artifacts WHERE hash = ANY($1)").bind(hashes).fetch_all(&mut **tx).await?;
    let mut out: Vec<String> = hashes.iter().filter(|h| !held.contains(h)).cloned().collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// The compressed bytes of `blob`, checked: they decompress to `size_bytes` bytes whose SHA-256 is `hash`.
pub fn verified(blob: &BlobRec) -> Result<Vec<u8>, SyncError> {
    let bad = |why: String| SyncError::Invalid(format!("artifact {}: {why}", blob.hash));
    if !(0..=MAX_BLOB_BYTES).contains(&blob.size_bytes) {
        return Err(bad(format!("size {} is outside 0..={MAX_BLOB_BYTES}", blob.size_bytes)));
    }
    let compressed = base64::engine::general_purpose::STANDARD
        .decode(&blob.compressed)
        .map_err(|e| bad(format!("not base64: {e}")))?;
    let raw = zstd::bulk::decompress(&compressed, blob.size_bytes as usize)
        .map_err(|e| bad(format!("not zstd of its size: {e}")))?;
    let actual = sha256_hex(&raw);
    if raw.len() as i64 != blob.size_bytes || actual != blob.hash {
        return Err(bad(format!("the content's SHA-256 is {actual} ({} bytes)", raw.len())));
    }
    Ok(compressed)
}

macro_rules! insert_blob {
    ($tx:expr, $b:expr, $bytes:expr) => {
        sqlx::query(
            "INSERT INTO artifacts (hash, kind, mime, size_bytes, compressed, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash) DO NOTHING",
        )
        .bind(&$b.hash)
        .bind(&$b.kind)
        .bind(&$b.mime)
        .bind($b.size_bytes)
        .bind($bytes)
        .bind($b.created_at_ms)
        .execute(&mut **$tx)
        .await?
    };
}

/// The server stores pushed blobs, each checked against its hash first.
pub async fn receive(tx: &mut Transaction<'static, Postgres>, blobs: &[BlobRec]) -> Result<(), SyncError> {
    for b in blobs {
        let bytes = verified(b)?;
        insert_blob!(tx, b, bytes);
    }
    Ok(())
}

/// A host keeps pulled blobs it lacks (checked as the server checks them).
pub async fn insert(tx: &mut Transaction<'static, Sqlite>, blobs: &[BlobRec]) -> Result<(), SyncError> {
    for b in blobs {
        let bytes = verified(b)?;
        insert_blob!(tx, b, bytes);
    }
    Ok(())
}

/// The compressed size of a blob on the wire.
pub fn wire_bytes(blob: &BlobRec) -> usize {
    blob.compressed.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(raw: &[u8]) -> BlobRec {
        let compressed = zstd::bulk::compress(raw, 3).unwrap();
        BlobRec {
            hash: sha256_hex(raw),
            kind: "screenshot".into(),
            mime: "image/png".into(),
            size_bytes: raw.len() as i64,
            compressed: base64::engine::general_purpose::STANDARD.encode(compressed),
            created_at_ms: 1,
        }
    }

    #[test]
    fn a_blob_is_taken_only_when_its_content_has_its_hash_and_size() {
        let good = blob(b"the page as it was");
        assert!(verified(&good).is_ok());
        let swapped = BlobRec { hash: blob(b"another page").hash, ..good.clone() };
        assert!(verified(&swapped).unwrap_err().to_string().contains("SHA-256"));
        let lying = BlobRec { size_bytes: 3, ..good.clone() };
        assert!(verified(&lying).is_err());
        let garbage = BlobRec { compressed: "not base64!".into(), ..good };
        assert!(verified(&garbage).unwrap_err().to_string().contains("base64"));
    }
}
