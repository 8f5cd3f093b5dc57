//! The team server answers run search from PostgreSQL itself: the same pages as a host's own search over what the host
//! pushed; rows that exist only in the database (written there by other means, so the server's own store never heard
//! of them) are found; and a run a client has just started through the server is found by its next search.

use serde_json::{Value, json};

use super::{Team, cluster, log_points, sync_ok};
use crate::server::post;
use crate::util::Home;

/// The run ids of a page, in page order.
fn page_ids(page: &Value) -> Vec<String> {
    page["runs"].as_array().unwrap().iter().map(|r| r["run"]["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_team_server_searches_its_database() {
    let pg = cluster().await;
    let team = Team::start(&pg, "search");
    let url = team.server.url("");
    let url = url.trim_end_matches('/');

    // A host with runs that differ in params, tags and metrics pushes them.
    let host = Home::new();
    host.ok(&["experiment", "create", "web"]);
    for (i, model) in ["gpt-4o", "claude", "gpt-4o", "Gpt-4o", "gpt-4o-mini"].iter().enumerate() {
        let (name, model, steps) =
            (format!("run-{i}"), format!("llm_model={model}"), format!("max_steps={}", 10 * i + 5));
        let mut args =
            vec!["run", "start", "--experiment", "web", "--name", &name, "--param", &model, "--param", &steps];
        if i % 2 == 0 {
            args.extend(["--tag", "env=staging"]);
        }
        let run = host.json(&args)["id"].as_str().unwrap().to_string();
        log_points(&host, &run, "success_rate", 3 + i as u32);
        if i != 3 {
            host.ok(&["run", "end", &run]);
        }
    }
    sync_ok(&host, &team.ana, &["sync", "connect", url, "--host", "laptop-a"]);
    sync_ok(&host, &team.ana, &["sync", "push"]);

    let searches: &[(&str, &str)] = &[
        ("", "start_time desc"),
        ("params.llm_model = 'gpt-4o' and tags.env = 'staging'", "name"),
        ("params.llm_model ilike 'GPT%' or params.max_steps > 30", "params.max_steps desc"),
        ("metrics.success_rate < 0.3 and status = 'finished'", "metrics.success_rate"),
        ("tags.env is null", "params.llm_model desc"),
    ];
    for (filter, order) in searches {
        let mut local = vec!["run", "search", "--order-by", order, "--limit", "2"];
        if !filter.is_empty() {
            local.insert(2, filter);
        }
        let mine = host.json(&local);
        let body = json!({"filter": (!filter.is_empty()).then_some(filter), "order_by": [order], "limit": 2});
        let (status, theirs) = post(&team.server, "/api/v1/runs/search", Some(&team.vi), &body.to_string()).await;
        assert_eq!(status, 200, "{theirs}");
        assert_eq!(theirs["total"], mine["total"], "{filter}");
        assert_eq!(page_ids(&theirs), page_ids(&mine), "{filter} ordered by {order}");
        assert_eq!(theirs["runs"], mine["runs"], "{filter}: whole rows");
        assert!(mine["total"].as_i64().unwrap() > 0, "{filter} matches nothing: a vacuous comparison");
    }

    // Rows only the database holds (inserted into it directly, not through sync): found by the server's search.
    let db = team.pool().await;
    sqlx::query("INSERT INTO experiments (id, name, created_at_ms, updated_at_ms) VALUES ('db-e', 'db-only', 1, 1)")
        .execute(&db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO runs (id, experiment_id, name, status, start_ms, updated_at_ms) \
         VALUES ('db-r', 'db-e', 'from-sql', 'running', 1, 1)",
    )
    .execute(&db)
    .await
    .unwrap();
    sqlx::query("INSERT INTO run_params (run_id, key, value) VALUES ('db-r', 'source', 'sql')")
        .execute(&db)
        .await
        .unwrap();
    let body = json!({"filter": "params.source = 'sql'"}).to_string();
    let (_, page) = post(&team.server, "/api/v1/runs/search", Some(&team.vi), &body).await;
    assert_eq!(page_ids(&page), ["db-r"], "{page}");
    assert_eq!(page["runs"][0]["experiment_name"], "db-only");

    // A run started through the server is found by the very next search, and it is in the database.
    let start = json!({"experiment": "web", "name": "over-http", "params": {"llm_model": "served"}}).to_string();
    let (status, started) = post(&team.server, "/api/v1/runs/start", Some(&team.bo), &start).await;
    assert_eq!(status, 200, "{started}");
    let id = started["id"].as_str().unwrap().to_string();
    let body = json!({"filter": "params.llm_model = 'served'"}).to_string();
    let (_, page) = post(&team.server, "/api/v1/runs/search", Some(&team.vi), &body).await;
    assert_eq!(page_ids(&page), std::slice::from_ref(&id), "{page}");
    let in_db: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM runs WHERE id = $1").bind(&id).fetch_one(&db).await.unwrap();
    assert_eq!(in_db, 1);
}
