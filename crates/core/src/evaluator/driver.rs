//! The adapter between a browser `Session` and the two seams that use it: the agent loop's `BrowserDriver` and the
//! checks' `PageProbe`. The session needs `&mut` for navigation, so it sits behind an async mutex.

use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::BoxFuture;
use tokio::sync::Mutex;

use crate::agent::driver::{BrowserDriver, DriverError};
use crate::browser::BrowserError;
use crate::browser::session::{Session, StateOptions};
use crate::browser::types::{ActionOutcome, BrowserAction, PageState};
use crate::evaluator::checks::PageProbe;

/// A session shared by the agent loop and the checks of one attempt.
pub struct SessionDriver {
    session: Mutex<Session>,
    cancelled: AtomicBool,
}

impl SessionDriver {
    pub fn new(session: Session) -> SessionDriver {
        SessionDriver { session: Mutex::new(session), cancelled: AtomicBool::new(false) }
    }

    /// Make every later agent call fail, so an agent loop past its time limit stops at its next browser call and
    /// finishes its own bookkeeping (instead of being dropped in the middle of a database write).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
    }

    fn check_cancelled(&self) -> Result<(), DriverError> {
        if self.cancelled.load(Ordering::Acquire) {
            Err(DriverError::crashed("the task's time limit was reached"))
        } else {
            Ok(())
        }
    }

    /// Requests the browser allow-list stopped in this session so far.
    pub async fn blocked_requests(&self) -> crate::browser::BlockedRequests {
        self.session.lock().await.blocked_requests()
    }

    /// Give the session back (to close it).
    pub fn into_session(self) -> Session {
        self.session.into_inner()
    }

    pub async fn goto(&self, url: &str) -> Result<(), BrowserError> {
        self.session.lock().await.goto(url).await
    }

    pub async fn screenshot_png(&self) -> Result<Vec<u8>, BrowserError> {
        self.session.lock().await.screenshot_png().await
    }
}

fn driver_error(e: BrowserError) -> DriverError {
    if e.is_crash() { DriverError::crashed(e.to_string()) } else { DriverError::new(e.to_string()) }
}

impl BrowserDriver for SessionDriver {
    fn state<'a>(&'a self, screenshot: bool) -> BoxFuture<'a, Result<PageState, DriverError>> {
        Box::pin(async move {
            self.check_cancelled()?;
            let mut session = self.session.lock().await;
            session.state(StateOptions { screenshot, ..StateOptions::default() }).await.map_err(driver_error)
        })
    }

    fn state_marked<'a>(&'a self) -> BoxFuture<'a, Result<PageState, DriverError>> {
        Box::pin(async move {
            self.check_cancelled()?;
            let mut session = self.session.lock().await;
            session.state(StateOptions { screenshot: true, mark_indexes: true }).await.map_err(driver_error)
        })
    }

    fn execute<'a>(&'a self, action: &'a BrowserAction) -> BoxFuture<'a, Result<ActionOutcome, DriverError>> {
        Box::pin(async move {
            self.check_cancelled()?;
            let mut session = self.session.lock().await;
            session.execute(action).await.map_err(driver_error)
        })
    }
}

impl PageProbe for SessionDriver {
    fn current_url<'a>(&'a self) -> BoxFuture<'a, Result<String, String>> {
        Box::pin(async move { self.session.lock().await.current_url().await.map_err(|e| e.to_string()) })
    }

    fn eval_js<'a>(&'a self, expr: &'a str) -> BoxFuture<'a, Result<serde_json::Value, String>> {
        Box::pin(async move { self.session.lock().await.eval_js(expr).await.map_err(|e| e.to_string()) })
    }
}

/// Run `episode` (an agent loop over `driver`) with a time limit. When the limit passes, the driver is cancelled and
/// the loop is awaited until it stops by itself; returns its output and whether the limit was reached.
pub async fn with_time_limit<T>(
    driver: &SessionDriver,
    limit: std::time::Duration,
    episode: impl std::future::Future<Output = T>,
) -> (T, bool) {
    tokio::pin!(episode);
    tokio::select! {
        out = &mut episode => (out, false),
        _ = tokio::time::sleep(limit) => {
            driver.cancel();
            (episode.await, true)
        }
    }
}
