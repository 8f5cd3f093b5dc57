//! The team server taking a push page's metric points of one series (run, key): only the points above the highest id
//! of the origin host the series holds (`origin_seq_high`; a run's points come from one host, in id order, one push at
//! a time) are written — with COPY, and with no row-by-row foreign key check — so a replayed or resumed page inserts
//! none twice; the run's summary row gains exactly the new points.

use sqlx::{Postgres, Transaction};

use super::SyncError;
use super::wire::{PushAck, SeriesPoints};

type Tx = Transaction<'static, Postgres>;

/// Insert the points of one series above the highest origin id it holds, and fold exactly those into its summary.
pub(super) async fn receive(tx: &mut Tx, s: &SeriesPoints, ack: &mut PushAck) -> Result<(), SyncError> {
    let run_held: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM runs WHERE id = $1)")
        .bind(&s.run_id)
        .fetch_one(&mut **tx)
        .await?;
    if !run_held {
        // The run was deleted (its tombstone reached the server first): its points go with it.
        return Ok(());
    }
    let (series, high): (i64, i64) = sqlx::query_as(
        "INSERT INTO metric_series (run_id, key) VALUES ($1, $2) \
         ON CONFLICT (run_id, key) DO UPDATE SET key = excluded.key RETURNING id, origin_seq_high",
    )
    .bind(&s.run_id)
    .bind(&s.key)
    .fetch_one(&mut **tx)
    .await?;
    // The points above what the series holds (a page's ids increase): a replayed page's are all at or below it.
    let fresh = s.seq.partition_point(|&seq| seq <= high);
    if s.seq[fresh..].windows(2).any(|w| w[0] >= w[1]) {
        return Err(SyncError::Invalid(format!("points of run {} key {:?}: seq must increase", s.run_id, s.key)));
    }
    let inserted = s.len() - fresh;
    if inserted > 0 {
        // COPY, several times faster than INSERT for a page of points; values are finite (checked at logging).
        let mut text = String::with_capacity(inserted * 48);
        for i in fresh..s.len() {
            use std::fmt::Write;
            let _ = writeln!(text, "{series}\t{}\t{}\t{}\t{}", s.seq[i], s.step[i], s.ts_ms[i], s.value[i]);
        }
        let mut copy =
            tx.copy_in_raw("COPY metric_values (series_id, origin_seq, step, ts_ms, value) FROM STDIN").await?;
        copy.send(text.into_bytes()).await?;
        copy.finish().await?;
        sqlx::query("UPDATE metric_series SET origin_seq_high = $2 WHERE id = $1")
            .bind(series)
            .bind(s.seq[s.len() - 1])
            .execute(&mut **tx)
            .await?;
    }
    ack.points_inserted += inserted as u64;
    ack.points_already_held += (s.len() - inserted) as u64;
    if inserted == 0 {
        return Ok(());
    }
    // The summary gains exactly the new points ((step, ts) order decides "last", as on the local store).
    let mut last = (s.step[fresh], s.ts_ms[fresh], s.value[fresh]);
    let (mut min, mut max, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
    for i in fresh..s.len() {
        let (step, ts, value) = (s.step[i], s.ts_ms[i], s.value[i]);
        if (step, ts) >= (last.0, last.1) {
            last = (step, ts, value);
        }
        min = min.min(value);
        max = max.max(value);
        sum += value;
    }
    sqlx::query(
        "INSERT INTO run_metric_summary (run_id, key, last_value, last_step, last_ts_ms, min_value, max_value, \
         sum_value, count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (run_id, key) DO UPDATE SET \
         last_value = CASE WHEN (excluded.last_step, excluded.last_ts_ms) >= (run_metric_summary.last_step, \
             run_metric_summary.last_ts_ms) THEN excluded.last_value ELSE run_metric_summary.last_value END, \
         last_ts_ms = CASE WHEN (excluded.last_step, excluded.last_ts_ms) >= (run_metric_summary.last_step, \
             run_metric_summary.last_ts_ms) THEN excluded.last_ts_ms ELSE run_metric_summary.last_ts_ms END, \
         last_step = GREATEST(run_metric_summary.last_step, excluded.last_step), \
         min_value = LEAST(run_metric_summary.min_value, excluded.min_value), \
         max_value = GREATEST(run_metric_summary.max_value, excluded.max_value), \
         sum_value = run_metric_summary.sum_value + excluded.sum_value, \
         count = run_metric_summary.count + excluded.count",
    )
    .bind(&s.run_id)
    .bind(&s.key)
    .bind(last.2)
    .bind(last.0)
    .bind(last.1)
    .bind(min)
    .bind(max)
    .bind(sum)
    .bind(inserted as i64)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
