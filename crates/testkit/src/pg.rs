//! A throw-away PostgreSQL cluster for tests and benchmarks: `initdb` into a temporary directory, `postgres` on a
//! free port of 127.0.0.1 (and a socket in that directory), trust authentication for the one local user, stopped
//! and removed on drop. No system service and no password are involved.
//!
//! The server binaries come from Debian's `postgresql` package (`/usr/lib/postgresql/<major>/bin`, the newest found;
//! `BROWSER_AI_MLOPS_PG_BIN` names another directory). `initdb` refuses to run as root, so as root the cluster is
//! created and run as the `postgres` system user (the package creates it), with the directory handed to it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A running throw-away cluster.
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`.
fn bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("BROWSER_AI_MLOPS_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let root = Path::new("/usr/lib/postgresql");
    let mut majors: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .map_err(|e| format!("{}: {e} (install Debian's postgresql package: scripts/dev setup)", root.display()))?
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").is_file())
        .collect();
    majors.sort();
    majors.pop().map(|(_, bin)| bin).ok_or_else(|| format!("no PostgreSQL server binaries under {}", root.display()))
}

fn is_root() -> bool {
    // SAFETY-free: the effective uid from the process status file.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(2) == Some("0")))
        .unwrap_or(false)
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

impl PgCluster {
    /// Creates and starts a cluster (about 3 s); `Err` says what is missing or what failed, with the server log.
    pub fn start() -> Result<PgCluster, String> {
        let bin = bin_dir()?;
        let as_postgres = is_root();
        let dir = tempfile::Builder::new().prefix("bam-pg-").tempdir().map_err(|e| e.to_string())?;
        if as_postgres {
            // The postgres user must own the directory (and reach it through the temp dir).
            let status = Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status();
            if !status.is_ok_and(|s| s.success()) {
                return Err("cannot hand the cluster directory to the postgres user (chown failed)".into());
            }
        }
        let port = free_port()?;
        let cluster = PgCluster { dir, bin, port, as_postgres };
        let data = cluster.data_dir();
        cluster.run("initdb", &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])?;
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200",
            cluster.dir.path().display()
        );
        let log = cluster.dir.path().join("server.log").display().to_string();
        cluster.run("pg_ctl", &["-D", &data, "-o", &opts, "-l", &log, "-w", "-t", "60", "start"])?;
        cluster.wait_ready()?;
        Ok(cluster)
    }

    fn data_dir(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Runs one of the server's programs (as the postgres user when this process is root).
    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(program);
        let output = if self.as_postgres {
            let mut line = shell_quote(&exe.display().to_string());
            for a in args {
                line.push(' ');
                line.push_str(&shell_quote(a));
            }
            Command::new("su").args(["postgres", "-s", "/bin/sh", "-c", &line]).output()
        } else {
            Command::new(&exe).args(args).output()
        }
        .map_err(|e| format!("{program}: {e}"))?;
        if output.status.success() {
            return Ok(());
        }
        let log = std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
        Err(format!(
            "{program} failed: {}{}\n{log}",
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        ))
    }

    fn wait_ready(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("PostgreSQL did not accept connections on 127.0.0.1:{} within 30 s", self.port))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's directory (data, socket and server log), removed on drop.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A connection URL for `database` (created with [`Self::create_database`], or `postgres`).
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String, String> {
        let port = self.port.to_string();
        self.run("createdb", &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", name])?;
        Ok(self.url(name))
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data_dir();
        let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}
