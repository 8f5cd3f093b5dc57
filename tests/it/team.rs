//! Team server users and tokens on a real SQLite file: a token's text is returned once and only its SHA-256 is
//! stored (a canary token is nowhere in the database file), it verifies to its user and role until revoked, and
//! names, duplicates and unknown users or tokens are refused with their own errors. The same rules hold on the team
//! server's PostgreSQL (a real throw-away cluster).

use browser_ai_mlops_core::store::db::Db;
use browser_ai_mlops_core::store::postgres::PgStore;
use browser_ai_mlops_core::team::{Role, Team, TeamError};
use browser_ai_mlops_core::{Core, ErrorKind};

use crate::util::Home;

/// Every rule of users and tokens, on one store; returns the two tokens' texts.
async fn users_and_tokens(team: &Team) -> [String; 2] {
    team.add_user("ana", Role::Viewer).await.unwrap();
    team.add_user("bo", Role::Editor).await.unwrap();
    assert!(matches!(team.add_user("ana", Role::Admin).await, Err(TeamError::UserExists(_))));
    for bad in ["", "two words", "tab\\there", &"x".repeat(65)] {
        let err = team.add_user(bad, Role::Viewer).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Input, "{bad:?}: {err}");
    }
    let users: Vec<(String, Role)> = team.users().await.unwrap().into_iter().map(|u| (u.name, u.role)).collect();
    assert_eq!(users, [("ana".to_string(), Role::Viewer), ("bo".to_string(), Role::Editor)]);

    let a = team.create_token("ana", "laptop").await.unwrap();
    let b = team.create_token("bo", "ci").await.unwrap();
    assert!(a.token.starts_with("bam_") && a.token.len() == 68 && a.token != b.token);
    assert_eq!(team.verify(&a.token).await.unwrap(), Some(("ana".to_string(), Role::Viewer)));
    assert_eq!(team.verify(&b.token).await.unwrap(), Some(("bo".to_string(), Role::Editor)));
    assert_eq!(team.verify("bam_not-a-token").await.unwrap(), None);
    assert!(!Role::Viewer.may_write() && Role::Editor.may_write() && Role::Admin.may_write());
    // Listed without their text; last use recorded.
    let listed = team.tokens().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|t| t.last_used_at_ms.is_some()), "{listed:?}");
    assert!(!serde_json::to_string(&listed).unwrap().contains(&a.token[4..]));

    let revoked = team.revoke(&a.info.id).await.unwrap();
    assert!(revoked.revoked_at_ms.is_some());
    assert_eq!(team.verify(&a.token).await.unwrap(), None, "a revoked token signs no one in");
    assert!(matches!(team.revoke(&a.info.id).await, Err(TeamError::AlreadyRevoked(_))));
    assert!(matches!(team.revoke("nope").await, Err(TeamError::UnknownToken(_))));
    assert!(matches!(team.create_token("cy", "").await, Err(TeamError::UnknownUser(_))));
    [a.token, b.token]
}

#[tokio::test]
async fn tokens_are_shown_once_stored_as_hashes_and_stop_working_when_revoked() {
    let home = Home::new();
    let core = Core::open(home.settings()).await.unwrap();
    let [a, b] = users_and_tokens(&Team::new(Db::Sqlite(core.store().await.unwrap().clone()))).await;
    core.shutdown().await.unwrap();

    // Only the hash reached the disk.
    let mut bytes = std::fs::read(home.db_path()).unwrap();
    for suffix in ["-wal", "-shm"] {
        if let Ok(more) = std::fs::read(format!("{}{suffix}", home.db_path().display())) {
            bytes.extend(more);
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    for token in [&a, &b] {
        assert!(!text.contains(&token[4..]), "a token's text is in the database file");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_rules_hold_on_the_team_servers_postgresql() {
    let pg = crate::sync::cluster().await;
    let store = PgStore::open(&pg.create_database("team").unwrap()).await.unwrap();
    let [a, _] = users_and_tokens(&Team::new(Db::Pg(store.clone()))).await;
    let hashes: Vec<String> =
        sqlx::query_scalar("SELECT token_sha256 FROM api_tokens").fetch_all(store.pool()).await.unwrap();
    assert_eq!(hashes.len(), 2);
    assert!(hashes.iter().all(|h| h.len() == 64 && !h.contains(&a[4..])), "{hashes:?}");
    store.close().await;
}
