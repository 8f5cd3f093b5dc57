//! Data for the benchmarks: the raw batched-INSERT ceiling of SQLite on this machine, and a generated population of
//! runs (params, tags, metric summaries) for search, inserted directly in large transactions.

use std::path::Path;
use std::time::Instant;

use crate::store::{Store, StoreError};
use crate::util::{new_id, now_ms};

/// The writer's statement and transaction sizes, so the ceiling is measured with the same shape.
const ROWS_PER_STATEMENT: usize = crate::tracker::writer::ROWS_PER_INSERT;
const ROWS_PER_TRANSACTION: usize = crate::tracker::writer::MAX_BATCH;

/// Insert `points` metric rows straight into `metric_values` with the same statement shape the writer uses (multi-row
/// INSERTs of (series, step, timestamp, value), one `BEGIN IMMEDIATE` transaction per 32k rows, four series of one
/// run) and return rows per second.
pub async fn raw_insert_rate(path: &Path, points: usize) -> Result<f64, StoreError> {
    let store = Store::open(path).await?;
    let pool = store.pool();
    let now = now_ms();
    sqlx::query("INSERT INTO experiments (id, name, created_at_ms, updated_at_ms) VALUES ('raw', 'raw', ?, ?)")
        .bind(now)
        .bind(now)
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO runs (id, experiment_id, status, start_ms, updated_at_ms) VALUES ('raw', 'raw', 'running', ?, ?)",
    )
    .bind(now)
    .bind(now)
    .execute(pool)
    .await?;
    let mut series = Vec::new();
    for key in ["loss", "accuracy", "reward", "latency_ms"] {
        let id: i64 = sqlx::query_scalar("INSERT INTO metric_series (run_id, key) VALUES ('raw', ?) RETURNING id")
            .bind(key)
            .fetch_one(pool)
            .await?;
        series.push(id);
    }
    let full = insert_sql(ROWS_PER_STATEMENT);
    let started = Instant::now();
    let mut written = 0usize;
    while written < points {
        let in_tx = ROWS_PER_TRANSACTION.min(points - written);
        let mut tx = store.begin_write().await?;
        let mut done = 0;
        while done < in_tx {
            let n = ROWS_PER_STATEMENT.min(in_tx - done);
            let partial;
            let sql = if n == ROWS_PER_STATEMENT {
                full.as_str()
            } else {
                partial = insert_sql(n);
                partial.as_str()
            };
            let mut q = sqlx::query(sql);
            for j in 0..n {
                let i = written + done + j;
                q = q.bind(series[i % 4]).bind(i as i64).bind(now).bind((i as f64).sin());
            }
            q.execute(&mut *tx).await?;
            done += n;
        }
        tx.commit().await?;
        written += in_tx;
    }
    let rate = points as f64 / started.elapsed().as_secs_f64();
    store.close().await;
    Ok(rate)
}

fn insert_sql(rows: usize) -> String {
    let mut sql = String::from("INSERT INTO metric_values (series_id, step, ts_ms, value) VALUES ");
    for i in 0..rows {
        sql.push_str(if i == 0 { "(?,?,?,?)" } else { ",(?,?,?,?)" });
    }
    sql
}

/// A small deterministic generator (xorshift64*), so every benchmark run searches the same population.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Insert `runs` runs over 20 experiments, each with 3 params, 2 tags and 3 metric summaries; returns the number of
/// experiments.
pub async fn generate_runs(store: &Store, runs: usize) -> Result<usize, StoreError> {
    const EXPERIMENTS: usize = 20;
    let pool = store.pool();
    let now = now_ms();
    let mut experiment_ids = Vec::new();
    for e in 0..EXPERIMENTS {
        let id = new_id();
        sqlx::query("INSERT INTO experiments (id, name, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?)")
            .bind(&id)
            .bind(format!("bench-{e:02}"))
            .bind(now)
            .bind(now)
            .execute(pool)
            .await?;
        experiment_ids.push(id);
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet", "gemini-pro", "baseline"];
    let envs = ["staging", "production", "development"];
    let statuses = ["finished", "finished", "finished", "failed", "killed", "running"];
    let chunk = 2_000;
    let mut start = 0;
    while start < runs {
        let n = chunk.min(runs - start);
        let mut tx = store.begin_write().await?;
        for i in start..start + n {
            let id = new_id();
            let status = rng.pick(&statuses);
            let start_ms = now - (runs - i) as i64 * 1_000;
            let end_ms = (status != "running").then_some(start_ms + 500 + (rng.next() % 60_000) as i64);
            sqlx::query(
                "INSERT INTO runs (id, experiment_id, name, status, start_ms, end_ms, updated_at_ms) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(&experiment_ids[i % EXPERIMENTS])
            .bind(format!("run-{i}"))
            .bind(status)
            .bind(start_ms)
            .bind(end_ms)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let max_steps = (10 + rng.next() % 40).to_string();
            sqlx::query("INSERT INTO run_params (run_id, key, value) VALUES (?, 'llm_model', ?), (?, 'max_steps', ?), (?, 'temperature', ?)")
                .bind(&id)
                .bind(rng.pick(&models))
                .bind(&id)
                .bind(max_steps)
                .bind(&id)
                .bind(format!("{:.1}", rng.unit()))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO run_tags (run_id, key, value, updated_at_ms) VALUES (?, 'env', ?, ?), (?, 'suite', ?, ?)",
            )
            .bind(&id)
            .bind(rng.pick(&envs))
            .bind(now)
            .bind(&id)
            .bind(rng.pick(&["builtin", "miniwob"]))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let metrics =
                [("success_rate", rng.unit()), ("cost_usd", rng.unit() * 0.2), ("steps", (rng.next() % 30) as f64)];
            for (key, value) in metrics {
                sqlx::query(
                    "INSERT INTO run_metric_summary (run_id, key, last_value, last_step, last_ts_ms, min_value, \
                     max_value, sum_value, count) VALUES (?, ?, ?, 0, ?, ?, ?, ?, 1)",
                )
                .bind(&id)
                .bind(key)
                .bind(value)
                .bind(now)
                .bind(value)
                .bind(value)
                .bind(value)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        start += n;
    }
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(EXPERIMENTS)
}
