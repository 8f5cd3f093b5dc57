//! The browser pool: one Chromium (launched lazily, or a remote CDP endpoint) shared by up to `size` concurrent
//! sessions, each an isolated browser context. A crashed or hung browser is replaced for the next session.
//!
//! Sessions, crashes and timeouts:
//!
//! - `pool.session()` creates a new browser context (`Target.createBrowserContext`): cookies, `localStorage` and
//!   `sessionStorage` are never shared. `Session` offers `state`, `goto`, `eval_js`, `current_url`, `screenshot_png`,
//!   `page_markdown` and `execute`.
//! - A crashed browser (process killed, websocket closed), or one that does not answer a probe after an operation timed
//!   out, fails the operation with `BrowserError::Crashed`, and the next `pool.session()` launches a new Chromium. A
//!   script or page load that never finishes is `BrowserError::Timeout`; the browser keeps working.
//! - `alert`, `confirm` and `prompt` dialogs are accepted automatically (`session`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::{Mutex, Semaphore};

use super::launch::{BrowserHandle, BrowserOptions};
use super::session::Session;
use super::{BrowserError, Result};

/// Hands out isolated sessions; at most `size` exist at once (`session()` waits for a free slot).
pub struct BrowserPool {
    options: BrowserOptions,
    size: usize,
    slots: Arc<Semaphore>,
    current: Mutex<Option<Arc<BrowserHandle>>>,
    shut: AtomicBool,
}

impl std::fmt::Debug for BrowserPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserPool").field("size", &self.size).field("options", &self.options).finish()
    }
}

impl BrowserPool {
    /// A pool for `size` concurrent sessions (at least 1). Chromium starts with the first session.
    pub fn new(options: BrowserOptions, size: usize) -> BrowserPool {
        let size = size.max(1);
        BrowserPool {
            options,
            size,
            slots: Arc::new(Semaphore::new(size)),
            current: Mutex::new(None),
            shut: AtomicBool::new(false),
        }
    }

    pub fn options(&self) -> &BrowserOptions {
        &self.options
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// A fresh isolated session (new browser context with one blank tab). Waits while `size` sessions are open.
    /// Launches Chromium first if none is running or the previous one crashed or hung.
    pub async fn session(&self) -> Result<Session> {
        if self.shut.load(Ordering::SeqCst) {
            return Err(BrowserError::ShutDown);
        }
        let permit = self.slots.clone().acquire_owned().await.map_err(|_| BrowserError::ShutDown)?;
        let handle = self.browser().await?;
        match Session::open(handle.clone(), &self.options, Some(permit)).await {
            Ok(s) => Ok(s),
            Err(e) if e.is_crash() || e.is_timeout() => {
                // The browser died between the health check and the session: replace it once.
                handle.mark_dead();
                let permit = self.slots.clone().acquire_owned().await.map_err(|_| BrowserError::ShutDown)?;
                let handle = self.browser().await?;
                Session::open(handle, &self.options, Some(permit)).await
            }
            Err(e) => Err(e),
        }
    }

    /// The running browser, replacing a dead one.
    async fn browser(&self) -> Result<Arc<BrowserHandle>> {
        let mut current = self.current.lock().await;
        if self.shut.load(Ordering::SeqCst) {
            return Err(BrowserError::ShutDown);
        }
        if let Some(h) = current.as_ref()
            && h.is_alive()
        {
            return Ok(h.clone());
        }
        if let Some(old) = current.take() {
            // Reap the dead browser in the background; sessions still holding it fail with `Crashed`.
            tokio::spawn(async move { old.close().await });
        }
        let handle = Arc::new(BrowserHandle::start(&self.options).await?);
        *current = Some(handle.clone());
        Ok(handle)
    }

    /// Process ids of the pool's running Chromium (empty before the first session or for a remote browser).
    pub async fn browser_pids(&self) -> Vec<u32> {
        let current = self.current.lock().await;
        current.as_ref().filter(|h| h.is_alive()).and_then(|h| h.pid()).into_iter().collect()
    }

    /// Closes the browser and refuses new sessions. Open sessions fail from now on.
    pub async fn shutdown(&self) {
        self.shut.store(true, Ordering::SeqCst);
        self.slots.close();
        let handle = self.current.lock().await.take();
        if let Some(h) = handle {
            h.close().await;
        }
    }
}
