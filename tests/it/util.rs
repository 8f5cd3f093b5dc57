//! Shared helpers for integration tests: a temporary home with data and config dirs, and a runner for the real binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary data dir + config dir pair, removed on drop.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home { dir: tempfile::tempdir().expect("create temp dir") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir().join("mlops.db")
    }

    /// Settings for using the library directly against this home.
    pub fn settings(&self) -> browser_ai_mlops_core::Settings {
        browser_ai_mlops_core::Settings::in_dir(self.path())
    }

    /// A `Command` for the real binary pointed at this home, with no inherited BROWSER_AI_MLOPS_* variables.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_browser-ai-mlops"));
        for (k, _) in std::env::vars() {
            if k.starts_with("BROWSER_AI_MLOPS") {
                c.env_remove(k);
            }
        }
        c.arg("--data-dir").arg(self.data_dir()).arg("--config-dir").arg(self.config_dir()).args(args);
        c
    }

    /// Run the binary and return its output (whatever the exit code).
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("spawn browser-ai-mlops")
    }

    /// Run the binary, assert exit code 0, return stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "browser-ai-mlops {args:?} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Run the binary with `--json`, assert success, parse stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("stdout of {args:?} is not JSON ({e}):\n{text}"))
    }

    /// Run the binary, assert it exits with `code`, return stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "browser-ai-mlops {args:?}: expected exit {code}\nstdout:\n{}\nstderr:\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        stderr
    }
}
