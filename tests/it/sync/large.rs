//! Pages larger than a server's body limit: conversation messages of up to the 1 MiB a message may hold, and model
//! versions with long system prompts, go through a team server left at its default 1 MiB body limit, both ways, whole
//! and byte for byte (push pages are built under a size and a sync page may be larger than other requests).

use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::{Team, cluster, sync_ok};
use crate::util::Home;

/// Message content of about `bytes` bytes: quotes, backslashes and newlines (longer once escaped in JSON) and text.
fn content(bytes: usize, seed: usize) -> String {
    let unit = format!("line {seed} \"quoted\" back\\slash\ttab\n");
    unit.repeat(bytes / unit.len())
}

fn digest(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_and_prompts_larger_than_a_request_travel_whole() {
    let pg = cluster().await;
    let team = Team::start(&pg, "large");
    let (a, b) = (Home::new(), Home::new());
    a.ok(&["experiment", "create", "big"]);
    let run = a.ok(&["run", "start", "--experiment", "big"]).trim().to_string();
    // Three messages near the largest size a message may have, then many small ones.
    let mut lines = String::new();
    let mut expected = Vec::new();
    for i in 0..3 {
        let text = content(1_000_000, i);
        lines.push_str(&serde_json::json!({"type": "message", "role": "tool", "content": text}).to_string());
        lines.push('\n');
        expected.push(digest(&text));
    }
    for i in 0..250 {
        let text = format!("step {i}");
        lines.push_str(&serde_json::json!({"type": "message", "role": "assistant", "content": text}).to_string());
        lines.push('\n');
        expected.push(digest(&text));
    }
    let file = a.path().join("big.jsonl");
    std::fs::write(&file, lines).unwrap();
    a.ok(&["run", "log-batch", &run, "--file", file.to_str().unwrap()]);
    // Twelve model versions, each with a 240 KiB system prompt: about 2.9 MB of records.
    let prompt = a.path().join("prompt.txt");
    std::fs::write(&prompt, content(240 * 1024, 99)).unwrap();
    a.ok(&["model", "register", "agent", "baseline", "label-matcher"]);
    for _ in 0..12 {
        let p = prompt.to_str().unwrap();
        a.ok(&["model", "version", "create", "agent", "--from", "agent:1", "--system-prompt-file", p]);
    }

    let url = &team.server.base;
    sync_ok(&a, &team.ana, &["sync", "connect", url, "--host", "laptop-a"]);
    let pushed = sync_ok(&a, &team.ana, &["sync", "push"]);
    assert_eq!(pushed["entries"], 253, "{pushed}");
    let db = PgPool::connect(&team.url).await.unwrap();
    let held: Vec<String> = sqlx::query_scalar("SELECT content FROM run_messages WHERE run_id = $1 ORDER BY id")
        .bind(&run)
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(held.iter().map(|c| digest(c)).collect::<Vec<_>>(), expected, "the server's messages");
    let prompts: Vec<String> = sqlx::query_scalar(
        "SELECT v.system_prompt FROM model_versions v JOIN models m ON m.id = v.model_id WHERE m.name = 'agent' \
         AND v.version > 1",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(prompts.len(), 12);
    assert!(prompts.iter().all(|p| p.len() > 240_000 && *p == content(240 * 1024, 99)));

    // The other host pulls them whole.
    sync_ok(&b, &team.bo, &["sync", "connect", url, "--host", "laptop-b"]);
    let pulled = sync_ok(&b, &team.bo, &["sync", "pull"]);
    assert_eq!(pulled["entries"], 253, "{pulled}");
    let store = browser_ai_mlops_core::store::Store::open(&b.db_path()).await.unwrap();
    let copied: Vec<String> = sqlx::query_scalar("SELECT content FROM run_messages WHERE run_id = ? ORDER BY id")
        .bind(&run)
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(copied.iter().map(|c| digest(c)).collect::<Vec<_>>(), expected, "the second host's messages");
    let versions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM model_versions").fetch_one(store.pool()).await.unwrap();
    assert_eq!(versions, 13);
    store.close().await;
}
