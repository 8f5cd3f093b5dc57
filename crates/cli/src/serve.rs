//! `serve`: run the HTTP server (`server::serve`) until SIGINT or SIGTERM. The first stdout line is
//! `listening on http://ADDR` with the real bound address (so `--bind 127.0.0.1:0` callers can read the port).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use browser_ai_mlops_core::core::Core;
use browser_ai_mlops_core::error::{Error, ErrorKind, Result};
use browser_ai_mlops_server::{self as server, ServeOptions, ServerError};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port)
    #[arg(long, default_value = server::DEFAULT_BIND, value_name = "ADDR:PORT")]
    pub bind: SocketAddr,
    /// Bearer token clients must send (at least 16 characters); kept in memory only as its SHA-256
    #[arg(long, env = server::ENV_TOKEN, hide_env_values = true, value_name = "TOKEN")]
    pub token: Option<String>,
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

/// Run the server on `core` (which it closes on the way out); exit code 0 after a clean shutdown.
pub async fn run(core: Core, args: ServeArgs) -> Result<i32> {
    let opts = ServeOptions {
        bind: args.bind,
        token: args.token,
        no_auth: args.no_auth,
        public_read: args.public_read,
        max_body_bytes: args.max_body_bytes,
        cors_origins: args.cors_origins,
        ui_dir: args.ui_dir,
        health_interval: args.health_interval.map(std::time::Duration::from_secs),
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
