//! The adapter between a browser `Session` and the two seams that use it: the agent loop's `BrowserDriver` and the
//! checks' `PageProbe`. The session needs `&mut` for navigation, so it sits behind an async mutex.

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
}

impl SessionDriver {
    pub fn new(session: Session) -> SessionDriver {
        SessionDriver { session: Mutex::new(session) }
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
            let mut session = self.session.lock().await;
            session.state(StateOptions { screenshot }).await.map_err(driver_error)
        })
    }

    fn execute<'a>(&'a self, action: &'a BrowserAction) -> BoxFuture<'a, Result<ActionOutcome, DriverError>> {
        Box::pin(async move {
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
