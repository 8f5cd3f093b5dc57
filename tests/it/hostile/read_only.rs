//! A data directory and database this process cannot write. Permissions do not stop root, so as root the binary
//! runs without the capabilities that bypass them (`setpriv` drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH); as
//! another user the permission bits alone are enough.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use crate::util::Home;

fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|ids| ids.split_whitespace().next()) == Some("0")
}

/// The binary with `args`, unable to write what its permission bits forbid.
fn run_restricted(h: &Home, args: &[&str]) -> Output {
    let plain = h.cmd(args);
    if !is_root() {
        let mut plain = plain;
        return plain.output().expect("spawn browser-ai-mlops");
    }
    let mut c = Command::new("setpriv");
    c.args(["--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search", "--"]);
    c.arg(plain.get_program()).args(plain.get_args());
    for (k, v) in plain.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c.output().expect("spawn setpriv (util-linux) to drop root's permission override")
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Make the data directory and everything in it read-only (or writable again).
fn read_only(h: &Home, on: bool) {
    for entry in std::fs::read_dir(h.data_dir()).unwrap() {
        set_mode(&entry.unwrap().path(), if on { 0o444 } else { 0o644 });
    }
    set_mode(&h.data_dir(), if on { 0o555 } else { 0o755 });
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_read_only_data_dir_is_read_and_a_write_is_refused_naming_the_database() {
    let h = Home::new();
    h.ok(&["experiment", "create", "frozen"]);
    let run = h.ok(&["run", "start", "--experiment", "frozen", "--name", "r1"]).trim().to_string();
    h.ok(&["run", "log-metric", &run, "loss", "0.5"]);
    read_only(&h, true);

    let listed = run_restricted(&h, &["--json", "run", "list"]);
    let stdout = text(&listed.stdout);
    assert_eq!(listed.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{}", text(&listed.stderr));
    assert!(stdout.contains(&run), "{stdout}");
    let shown = run_restricted(&h, &["--json", "run", "show", &run]);
    assert_eq!(shown.status.code(), Some(0), "{}", text(&shown.stderr));
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(shown["metrics"][0]["last"], 0.5);

    let refused = run_restricted(&h, &["experiment", "create", "another"]);
    let err = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(err.contains("read-only"), "{err}");
    let refused = run_restricted(&h, &["run", "log-param", &run, "lr", "0.1"]);
    let err = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(err.contains(&h.db_path().display().to_string()) && err.contains("read-only"), "{err}");

    read_only(&h, false);
    assert_eq!(h.json(&["experiment", "list"]).as_array().unwrap().len(), 1);
}

#[test]
fn a_read_only_database_whose_schema_is_behind_says_it_cannot_be_upgraded() {
    let h = Home::new();
    h.ok(&["experiment", "list"]);
    let supported = browser_ai_mlops_core::store::Store::supported_schema_version();
    let db = forget_newest_migration(&h.db_path(), supported);
    assert!(db, "the newest migration row was not found");
    read_only(&h, true);
    let out = run_restricted(&h, &["run", "list"]);
    let err = text(&out.stderr);
    read_only(&h, false);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&h.db_path().display().to_string()) && err.contains("read-only"), "{err}");
    assert!(err.contains("older") && err.contains(&supported.to_string()), "{err}");
}

/// Forget that the newest migration was applied (as if the database were written by an older release).
fn forget_newest_migration(path: &Path, version: i64) -> bool {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = browser_ai_mlops_core::store::Store::open(path).await.unwrap();
        let done = sqlx::query("DELETE FROM _sqlx_migrations WHERE version = ?")
            .bind(version)
            .execute(store.pool())
            .await
            .unwrap();
        store.close().await;
        done.rows_affected() == 1
    })
}
