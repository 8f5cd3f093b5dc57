//! `serve`: run the HTTP server (`server::serve`) until SIGINT or SIGTERM. The first stdout line is
//! `listening on http://ADDR` with the real bound address (so `--bind 127.0.0.1:0` callers can read the port).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use browser_ai_mlops_core::core::Core;
use browser_ai_mlops_core::error::{Error, ErrorKind, Result};
use browser_ai_mlops_core::store::postgres::PgStore;
use browser_ai_mlops_core::sync::mirror;
use browser_ai_mlops_server::{self as server, ServeOptions, ServerError};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port)
    #[arg(long, default_value = server::DEFAULT_BIND, value_name = "ADDR:PORT")]
    pub bind: SocketAddr,
    /// Bearer token clients must send (at least 32 random characters, e.g. `openssl rand -hex 32`); visible to other
    /// users in the process list, so prefer the environment variable BROWSER_AI_MLOPS_TOKEN or --token-file
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    pub token: Option<String>,
    /// Read the bearer token from this file (its first line; surrounding whitespace is ignored)
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Serve without a token; refused unless --bind is a loopback address
    #[arg(long)]
    pub no_auth: bool,
    /// Let reads (and /metrics) through without the token; mutating routes still need it
    #[arg(long)]
    pub public_read: bool,
    /// Largest accepted request body in bytes (larger → 413)
    #[arg(long, default_value_t = server::DEFAULT_MAX_BODY_BYTES, value_name = "BYTES")]
    pub max_body_bytes: usize,
    /// Allow cross-origin requests from this origin, e.g. https://app.example.com (repeatable; none by default)
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,
    /// Serve the built web UI from this directory at / (index.html for client-side routes)
    #[arg(long, value_name = "DIR")]
    pub ui_dir: Option<PathBuf>,
    /// Seconds between system-health samples (each also evaluates the alert rules); 0 turns the sampler off.
    /// Default: the config's `monitoring.health_interval_secs`.
    #[arg(long, value_name = "SECS")]
    pub health_interval: Option<u64>,
    /// A host name the server answers to besides the bound address, e.g. mlops.example.com behind a proxy
    /// (repeatable); requests with any other Host get 421
    #[arg(long = "public-host", value_name = "NAME")]
    pub public_hosts: Vec<String>,
    /// Seconds a client may take to send a request's headers (also the idle time of a kept-alive connection)
    #[arg(long, value_name = "SECS", default_value_t = server::listen::DEFAULT_HEADER_TIMEOUT.as_secs())]
    pub header_timeout: u64,
    /// Seconds a client may take to send a request's body once its headers arrived (slower → 408)
    #[arg(long, value_name = "SECS", default_value_t = server::listen::DEFAULT_REQUEST_TIMEOUT.as_secs())]
    pub request_timeout: u64,
    /// The team database: PostgreSQL (`postgres://USER@HOST:PORT/DB`) holding users, tokens and what hosts sync;
    /// give the password through PGPASSWORD or ~/.pgpass rather than in the URL. Also BROWSER_AI_MLOPS_DATABASE_URL.
    #[arg(long, value_name = "URL", env = ENV_DATABASE_URL, hide_env_values = true)]
    pub database: Option<String>,
    /// Open connections at most; one more is answered 503
    #[arg(long, value_name = "N", default_value_t = server::listen::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
}

/// The token from --token (with a warning), --token-file or the environment, in that order.
fn token(args: &ServeArgs) -> Result<Option<String>> {
    if let Some(token) = &args.token {
        eprintln!(
            "server: warning: --token is visible to other users of this machine in the process list; \
             set {} or use --token-file instead",
            server::ENV_TOKEN
        );
        return Ok(Some(token.clone()));
    }
    if let Some(path) = &args.token_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Input(format!("--token-file {}: cannot read it: {e}", path.display())))?;
        let token = text.lines().next().unwrap_or("").trim().to_string();
        if token.is_empty() {
            return Err(Error::Input(format!("--token-file {}: the file holds no token", path.display())));
        }
        return Ok(Some(token));
    }
    Ok(std::env::var(server::ENV_TOKEN).ok().filter(|t| !t.is_empty()))
}

/// Resolve when the process gets SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// The environment variable `--database` falls back to.
pub const ENV_DATABASE_URL: &str = "BROWSER_AI_MLOPS_DATABASE_URL";

/// Open (and migrate) the team database and make `core` serve it.
pub async fn attach_database(core: &Core, url: &str) -> Result<()> {
    let pg = PgStore::open(url).await.map_err(|e| match e.kind() {
        ErrorKind::Input => Error::Input(e.to_string()),
        _ => Error::Failed(e.to_string()),
    })?;
    core.attach_team_database(pg);
    Ok(())
}

/// Keep the server's own store a mirror of its team database (what the operations and the web UI read).
async fn start_mirror(core: &Core) -> Result<()> {
    let Some(pg) = core.team_database() else { return Ok(()) };
    let store = core.store().await?.clone();
    let wake = core.shared::<mirror::Wake>();
    let host = browser_ai_mlops_core::util::host_name();
    tokio::spawn(mirror::run(store, pg.pool().clone(), host, wake, std::time::Duration::from_secs(2)));
    Ok(())
}

/// Run the server on `core` (which it closes on the way out); exit code 0 after a clean shutdown.
pub async fn run(core: Core, args: ServeArgs) -> Result<i32> {
    if let Some(url) = &args.database {
        attach_database(&core, url).await?;
        if let Some(pg) = core.team_database() {
            eprintln!("server: team database {} (schema version {})", pg.url(), PgStore::supported_schema_version());
        }
        start_mirror(&core).await?;
    } else {
        // A server that is itself a host of a team server syncs in the background when `sync.auto` is on.
        tokio::spawn(browser_ai_mlops_core::api::sync::background(core.clone()));
    }
    let opts = ServeOptions {
        bind: args.bind,
        token: token(&args)?,
        no_auth: args.no_auth,
        public_read: args.public_read,
        max_body_bytes: args.max_body_bytes,
        cors_origins: args.cors_origins,
        ui_dir: args.ui_dir,
        health_interval: args.health_interval.map(std::time::Duration::from_secs),
        public_hosts: args.public_hosts,
        limits: server::Limits {
            header_timeout: std::time::Duration::from_secs(args.header_timeout),
            request_timeout: std::time::Duration::from_secs(args.request_timeout),
            max_connections: args.max_connections,
        },
    };
    let mut print_error = None;
    let on_bound = |addr: SocketAddr| {
        if let Err(e) = super::output::write_stdout(&format!("listening on http://{addr}\n")) {
            print_error = Some(e);
        }
    };
    server::serve(Arc::new(core), opts, on_bound, shutdown_signal()).await.map_err(|e| match e {
        ServerError::Core(e) => e,
        e if e.kind() == ErrorKind::Failed => Error::Failed(e.to_string()),
        e => Error::Input(e.to_string()),
    })?;
    match print_error {
        Some(e) => Err(e),
        None => {
            eprintln!("server: shut down cleanly");
            Ok(0)
        }
    }
}
