//! The browser engine: Chromium over CDP (chromiumoxide), isolated sessions, the DOM state the model sees and the
//! actions it can take.
//!
//! `BrowserPool` launches (or connects to) Chromium and hands out `Session`s, each an isolated browser context with
//! its own tabs. `Session::state` injects `dom.js` to index the interactive elements, `Session::execute` runs one
//! `BrowserAction`, `policy` decides which URLs the agent may open, and `guard` holds every request of the
//! browser to the same allow-list.

pub mod actions;
mod cdp;
pub mod dom;
pub mod guard;
mod keys;
pub mod launch;
pub mod markdown;
mod parse;
pub mod policy;
pub mod pool;
pub mod session;
pub mod types;

use crate::kind::ErrorKind;

pub use actions::{ACTION_NAMES, parse_action};
pub use guard::BlockedRequests;
pub use launch::{BrowserOptions, find_chromium};
pub use policy::DomainPolicy;
pub use pool::BrowserPool;
pub use session::{Session, StateOptions};

/// Everything that can go wrong in the browser engine. A bad element index or a refused navigation is not an error
/// (it is an unsuccessful `ActionOutcome`); these are failures of the browser itself or of a harness call.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// No Chromium executable was found; lists every place searched.
    #[error("no Chromium/Chrome executable found (set browser.executable_path or the CHROME env var); looked in: {}", searched.join(", "))]
    NotFound { searched: Vec<String> },
    /// The configured executable does not exist.
    #[error("Chromium executable {path} does not exist")]
    MissingExecutable { path: String },
    #[error("could not launch Chromium {executable}: {reason}")]
    Launch { executable: String, reason: String },
    #[error("could not connect to the CDP endpoint {url}: {reason}")]
    Connect { url: String, reason: String },
    /// The browser process is gone, its websocket closed, or it stopped answering.
    #[error("the browser crashed or stopped responding during {op}: {reason}")]
    Crashed { op: String, reason: String },
    /// One page operation did not finish within the operation timeout (the browser itself still answers).
    #[error("{op} timed out after {timeout_ms} ms")]
    Timeout { op: String, timeout_ms: u64 },
    /// A CDP command failed for another reason.
    #[error("{op} failed: {reason}")]
    Cdp { op: String, reason: String },
    /// A script run with `eval_js` threw.
    #[error("JavaScript error: {0}")]
    Js(String),
    /// A harness call was invalid (e.g. an unusable URL for `goto`, a bad option).
    #[error("{0}")]
    Invalid(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The pool was shut down.
    #[error("the browser pool has been shut down")]
    ShutDown,
}

impl BrowserError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            BrowserError::Invalid(_) | BrowserError::MissingExecutable { .. } => ErrorKind::Input,
            BrowserError::NotFound { .. } => ErrorKind::NotFound,
            _ => ErrorKind::Failed,
        }
    }

    /// True when the browser itself is unusable (the pool replaces it for the next sessions).
    pub fn is_crash(&self) -> bool {
        matches!(self, BrowserError::Crashed { .. })
    }

    /// True for an operation that ran out of time.
    pub fn is_timeout(&self) -> bool {
        matches!(self, BrowserError::Timeout { .. })
    }
}

pub type Result<T, E = BrowserError> = std::result::Result<T, E>;
