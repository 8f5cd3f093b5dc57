//! Step artifacts (screenshots, DOM snapshots) sync both ways by content: each blob crosses once however many steps
//! refer to it, a replayed push sends no blob again, the receiving host reads back the exact bytes (checked against
//! their hash), and a server refuses a blob whose content does not have the hash it claims.

use base64::Engine;
use browser_ai_mlops_core::agent::artifacts::{link_artifact, load_artifact, sha256_hex, store_artifact};
use browser_ai_mlops_core::store::Store;
use serde_json::json;
use sqlx::PgPool;

use super::{Team, cluster, sync_ok};
use crate::server::post;
use crate::util::Home;

/// `n` bytes that do not compress (a screenshot's worth of noise).
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifacts_travel_by_content_and_each_blob_once() {
    let pg = cluster().await;
    let team = Team::start(&pg, "artifacts");
    let (a, b) = (Home::new(), Home::new());
    a.ok(&["experiment", "create", "shots"]);
    let r1 = a.ok(&["run", "start", "--experiment", "shots", "--name", "one"]).trim().to_string();
    let r2 = a.ok(&["run", "start", "--experiment", "shots", "--name", "two"]).trim().to_string();
    let (x, y) = (noise(300_000, 7), noise(900_000, 11));
    let z = b"<html><body><button>Buy</button></body></html>".repeat(2_000);
    let store = Store::open(&a.db_path()).await.unwrap();
    let hx = store_artifact(&store, "screenshot", "image/png", &x).await.unwrap();
    let hy = store_artifact(&store, "screenshot", "image/png", &y).await.unwrap();
    let hz = store_artifact(&store, "dom", "text/html", &z).await.unwrap();
    for (run, step, kind, hash) in [
        (&r1, 0, "screenshot", &hx),
        (&r1, 1, "screenshot", &hy),
        (&r1, 2, "screenshot", &hx),
        (&r1, 2, "dom", &hz),
        (&r2, 0, "screenshot", &hx),
    ] {
        link_artifact(&store, run, step, kind, hash).await.unwrap();
    }
    store.close().await;

    let url = &team.server.base;
    sync_ok(&a, &team.ana, &["sync", "connect", url, "--host", "laptop-a"]);
    let pushed = sync_ok(&a, &team.ana, &["sync", "push"]);
    assert_eq!((pushed["blobs"].as_u64(), pushed["entries"].as_u64()), (Some(3), Some(5)), "{pushed}");
    let db = PgPool::connect(&team.url).await.unwrap();
    let held: Vec<(String, i64)> =
        sqlx::query_as("SELECT hash, size_bytes FROM artifacts ORDER BY size_bytes").fetch_all(&db).await.unwrap();
    let mut expected = vec![(hz.clone(), z.len() as i64), (hx.clone(), 300_000), (hy.clone(), 900_000)];
    expected.sort_by_key(|e| e.1);
    assert_eq!(held, expected);
    let links: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM run_artifacts").fetch_one(&db).await.unwrap();
    assert_eq!(links, 5);

    // A push replayed from the start (as after a cut before the acknowledgement) sends no blob and adds nothing.
    let store = Store::open(&a.db_path()).await.unwrap();
    sqlx::query("UPDATE sync_state SET artifacts_acked = 0").execute(store.pool()).await.unwrap();
    store.close().await;
    let again = sync_ok(&a, &team.ana, &["sync", "push"]);
    assert_eq!((again["blobs"].as_u64(), again["entries"].as_u64()), (Some(0), Some(0)), "{again}");
    let links: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM run_artifacts").fetch_one(&db).await.unwrap();
    assert_eq!(links, 5);

    // The other host pulls the links and the blobs, and reads back the exact bytes.
    sync_ok(&b, &team.bo, &["sync", "connect", url, "--host", "laptop-b"]);
    let pulled = sync_ok(&b, &team.bo, &["sync", "pull"]);
    assert_eq!(pulled["blobs"].as_u64(), Some(3), "{pulled}");
    let store = Store::open(&b.db_path()).await.unwrap();
    assert_eq!(load_artifact(&store, &hx).await.unwrap(), x);
    assert_eq!(load_artifact(&store, &hy).await.unwrap(), y);
    assert_eq!(load_artifact(&store, &hz).await.unwrap(), z);
    let steps: Vec<(String, i64, String)> =
        sqlx::query_as("SELECT run_id, step, hash FROM run_artifacts ORDER BY run_id, step, kind")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(steps.len(), 5);
    assert_eq!(steps.iter().filter(|s| s.2 == hx).count(), 3);
    store.close().await;

    // A blob whose content does not have its hash is refused, and nothing of its page is stored.
    let fake = noise(1_000, 3);
    let claimed = sha256_hex(b"something else");
    let compressed = zstd::bulk::compress(&fake, 3).unwrap();
    let page = json!({
        "host": "laptop-a",
        "logs": {"blobs": [{
            "hash": claimed, "kind": "screenshot", "mime": "image/png", "size_bytes": fake.len(),
            "compressed": base64::engine::general_purpose::STANDARD.encode(compressed), "created_at_ms": 1
        }]}
    });
    let (status, body) = post(&team.server, "/api/v1/sync/receive", Some(&team.ana), &page.to_string()).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("SHA-256"), "{body}");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM artifacts WHERE hash = $1")
        .bind(&claimed)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}
