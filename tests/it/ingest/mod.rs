//! Integration tests: batches are all-or-nothing and safe to retry. `run log-batch` killed with SIGKILL at seeded
//! random moments, a batch sent again, a batch id reused for other content, a full disk (a file-size limit on the
//! child), `--file -` from stdin; over HTTP (`http.rs`): `runs/log_batch_text` and the `Idempotency-Key` header.

mod http;

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use crate::tracker::sqlite_count;
use crate::util::Home;

/// SplitMix64: a seeded generator, so every run of a test picks the same kill moments.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A batch of `points` `loss` points (value = step = i) plus one param, tag, message and action, for the default run.
fn write_batch(dir: &Path, name: &str, points: usize) -> PathBuf {
    let mut text = String::with_capacity(points * 56);
    text.push_str("{\"type\":\"param\",\"key\":\"lr\",\"value\":\"0.01\"}\n");
    text.push_str("{\"type\":\"tag\",\"key\":\"site\",\"value\":\"shop\"}\n");
    text.push_str("{\"type\":\"message\",\"role\":\"user\",\"content\":\"buy a lamp\"}\n");
    text.push_str("{\"type\":\"action\",\"action_type\":\"click\",\"success\":true,\"duration_ms\":5}\n");
    for i in 0..points {
        text.push_str(&format!("{{\"type\":\"metric\",\"key\":\"loss\",\"value\":{i},\"step\":{i}}}\n"));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn new_run(h: &Home) -> String {
    if h.run(&["experiment", "show", "ingest"]).status.code() != Some(0) {
        h.ok(&["experiment", "create", "ingest"]);
    }
    h.ok(&["run", "start", "--experiment", "ingest"]).trim().to_string()
}

/// What the database holds for a run: points, the summary's count, params, tags, messages, actions.
fn stored(h: &Home, run: &str) -> [i64; 6] {
    let q = |sql: &str| sqlite_count(h, &sql.replace("RUN", run));
    [
        q("SELECT COUNT(*) FROM metric_points WHERE run_id = 'RUN'"),
        q("SELECT COALESCE(SUM(count), 0) FROM run_metric_summary WHERE run_id = 'RUN'"),
        q("SELECT COUNT(*) FROM run_params WHERE run_id = 'RUN'"),
        q("SELECT COUNT(*) FROM run_tags WHERE run_id = 'RUN'"),
        q("SELECT COUNT(*) FROM run_messages WHERE run_id = 'RUN'"),
        q("SELECT COUNT(*) FROM run_actions WHERE run_id = 'RUN'"),
    ]
}

/// The whole batch of `points` points (plus its param, tag, message and action), as `stored` reports it.
fn whole(points: usize) -> [i64; 6] {
    [points as i64, points as i64, 1, 1, 1, 1]
}

#[test]
fn a_batch_killed_at_random_moments_is_stored_whole_or_not_at_all_and_a_retry_stores_it_once() {
    let h = Home::new();
    let points = 30_000;
    let file = write_batch(h.path(), "big.jsonl", points);
    let file = file.to_str().unwrap();
    // How long one whole batch takes here: the kills are spread over that time and a little past it.
    let probe = new_run(&h);
    let started = Instant::now();
    h.ok(&["run", "log-batch", &probe, "--file", file]);
    let full = started.elapsed();
    let mut rng = Rng(0x00c0_ffee_5eed);
    let (mut none, mut all) = (0, 0);
    for round in 0..20 {
        let run = new_run(&h);
        let delay = full.mul_f64(rng.unit() * 1.2);
        let mut child = h
            .cmd(&["run", "log-batch", &run, "--file", file])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        let after_kill = stored(&h, &run);
        if after_kill == [0; 6] {
            none += 1;
        } else {
            assert_eq!(after_kill, whole(points), "round {round} (killed after {delay:?}): part of the batch");
            all += 1;
        }
        // The retry stores the batch exactly once (or says it is already stored).
        let out = h.ok(&["run", "log-batch", &run, "--file", file]);
        assert_eq!(out.contains("already stored on "), after_kill != [0; 6], "round {round}: {out}");
        assert_eq!(stored(&h, &run), whole(points), "round {round}: after the retry");
        let distinct =
            sqlite_count(&h, &format!("SELECT COUNT(DISTINCT step) FROM metric_points WHERE run_id = '{run}'"));
        assert_eq!(distinct, points as i64);
    }
    // One record per stored batch: the probe and the 20 rounds.
    assert_eq!(sqlite_count(&h, "SELECT COUNT(*) FROM ingest_batches"), 21);
    eprintln!("kills: {none} left nothing, {all} left the whole batch (one batch took {full:?})");
}

/// The user's finding: the same file sent twice doubled the points and skewed the mean.
#[test]
fn a_batch_sent_again_writes_nothing_leaves_the_summary_alone_and_says_already_stored() {
    let h = Home::new();
    let run = new_run(&h);
    let file = write_batch(h.path(), "b.jsonl", 1_000);
    let file = file.to_str().unwrap();
    let first = h.json(&["run", "log-batch", &run, "--file", file]);
    assert_eq!(first["already_stored"], false);
    assert!(first["batch_id"].as_str().unwrap().starts_with("sha256:"), "{first}");
    let summary = h.json(&["run", "show", &run]);

    let again = h.json(&["run", "log-batch", &run, "--file", file]);
    assert_eq!(again["already_stored"], true, "{again}");
    assert_eq!((&again["batch_id"], &again["stored_at_ms"]), (&first["batch_id"], &first["stored_at_ms"]));
    assert_eq!(again["metrics"], 1_000);
    let human = h.ok(&["run", "log-batch", &run, "--file", file]);
    assert!(human.contains("already stored on ") && human.contains("nothing written"), "{human}");
    assert_eq!(stored(&h, &run), whole(1_000));
    assert_eq!(h.json(&["run", "show", &run])["metrics"], summary["metrics"]);
    let loss = &summary["metrics"][0];
    assert_eq!((loss["count"].as_i64(), loss["mean"].as_f64()), (Some(1_000), Some(499.5)));

    // The same content for another run is another batch.
    let other = new_run(&h);
    assert_eq!(h.json(&["run", "log-batch", &other, "--file", file])["already_stored"], false);
    assert_eq!(stored(&h, &other), whole(1_000));
}

#[test]
fn a_batch_id_reused_for_other_content_is_refused_and_nothing_is_written() {
    let h = Home::new();
    let run = new_run(&h);
    let a = write_batch(h.path(), "a.jsonl", 10);
    let b = write_batch(h.path(), "b.jsonl", 20);
    let first = h.json(&["run", "log-batch", &run, "--file", a.to_str().unwrap(), "--batch-id", "nightly-7"]);
    assert_eq!(first["batch_id"], "nightly-7");
    let err = h.fails(&["run", "log-batch", &run, "--file", b.to_str().unwrap(), "--batch-id", "nightly-7"], 2);
    assert!(
        err.contains("batch id \"nightly-7\" was already stored on ") && err.contains("different content"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(stored(&h, &run), whole(10));
    // The same id with its own content is a retry.
    let retry = h.json(&["run", "log-batch", &run, "--file", a.to_str().unwrap(), "--batch-id", "nightly-7"]);
    assert_eq!(retry["already_stored"], true);
    let err = h.fails(&["run", "log-batch", &run, "--file", a.to_str().unwrap(), "--batch-id", ""], 2);
    assert!(err.contains("expected a non-empty id"), "{err}");
}

/// A child whose files may not grow past `bytes` (writes past it fail with EFBIG instead of raising SIGXFSZ).
fn limit_file_size(cmd: &mut std::process::Command, bytes: u64) {
    // SAFETY: between fork and exec the closure only calls the async-signal-safe `signal` and `setrlimit`.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: bytes as libc::rlim_t };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[test]
fn a_full_disk_stores_nothing_from_the_batch_says_so_and_a_retry_with_room_stores_it() {
    let h = Home::new();
    let run = new_run(&h);
    let points = 40_000;
    let file = write_batch(h.path(), "big.jsonl", points);
    let file = file.to_str().unwrap();
    let mut cmd = h.cmd(&["run", "log-batch", &run, "--file", file]);
    // Room for the database as it is, not for the batch's ~1 MB of new pages in the write-ahead log.
    limit_file_size(&mut cmd, 256 * 1024);
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("big.jsonl: nothing from this batch was stored (batch id sha256:"), "{stderr}");
    assert_eq!(stored(&h, &run), [0; 6], "the message says nothing was stored: {stderr}");
    assert_eq!(sqlite_count(&h, "SELECT COUNT(*) FROM ingest_batches"), 0);

    let retry = h.json(&["run", "log-batch", &run, "--file", file]);
    assert_eq!((retry["already_stored"].as_bool(), retry["metrics"].as_u64()), (Some(false), Some(points as u64)));
    assert_eq!(stored(&h, &run), whole(points));
}

#[test]
fn file_dash_reads_the_batch_from_stdin() {
    let h = Home::new();
    let run = new_run(&h);
    let text = std::fs::read_to_string(write_batch(h.path(), "s.jsonl", 5)).unwrap();
    let send = |extra: &[&str]| {
        let mut args = vec!["run", "log-batch", run.as_str(), "--file", "-"];
        args.extend_from_slice(extra);
        let mut child =
            h.cmd(&args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = send(&[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("stdin: ingested 5 metric points"), "{stdout}");
    assert_eq!(stored(&h, &run), whole(5));
    // The same text from stdin is the same batch.
    let again = String::from_utf8_lossy(&send(&[]).stdout).into_owned();
    assert!(again.contains("already stored"), "{again}");
    assert_eq!(stored(&h, &run), whole(5));
    // Errors name stdin and the line.
    let mut child = h
        .cmd(&["run", "log-batch", &run, "--file", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"type\":\"metric\",\"key\":\"k\",\"value\":1}\n{\"type\":\"metric\"}\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stdin:2: field \"key\": missing"), "{stderr}");
}
