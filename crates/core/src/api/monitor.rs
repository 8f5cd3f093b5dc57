//! Operation table: monitoring (`monitor …`) — the performance summary and the error list over the last N hours, and
//! marking an error resolved. Each op takes `&Core` and a typed input and returns a typed output.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::metrics::collector::{Collector, ResolvedError};
use crate::metrics::summary::{self, ErrorList, PerformanceSummary};
use crate::{Core, Result};

/// Longest window accepted: ten years of hours.
pub const MAX_HOURS: u32 = 24 * 366 * 10;
/// Errors listed when no limit is given.
pub const DEFAULT_ERROR_LIMIT: u32 = 50;

fn default_hours() -> u32 {
    24
}

/// The window `[now − hours, now]` in milliseconds, after checking `hours`.
fn window(hours: u32) -> Result<(i64, i64)> {
    if hours == 0 || hours > MAX_HOURS {
        return Err(Error::Input(format!("--hours {hours}: expected a whole number of hours from 1 to {MAX_HOURS}")));
    }
    let until = crate::util::now_ms();
    Ok((until - i64::from(hours) * 3_600_000, until))
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct PerformanceInput {
    /// Window length in hours, ending now (default 24).
    #[serde(default = "default_hours")]
    pub hours: u32,
}

pub async fn performance(core: &Core, input: PerformanceInput) -> Result<PerformanceSummary> {
    let (since, until) = window(input.hours)?;
    Ok(summary::performance(core.store().await?, since, until).await?)
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct ErrorsInput {
    /// Window length in hours, ending now (default 24).
    #[serde(default = "default_hours")]
    pub hours: u32,
    /// Only errors not yet resolved.
    #[serde(default)]
    pub unresolved_only: bool,
    /// Most errors listed, newest first (default 50); counts cover all of them.
    #[serde(default)]
    pub limit: Option<u32>,
}

pub async fn errors(core: &Core, input: ErrorsInput) -> Result<ErrorList> {
    let (since, until) = window(input.hours)?;
    let limit = input.limit.unwrap_or(DEFAULT_ERROR_LIMIT) as usize;
    Ok(summary::errors(core.store().await?, since, until, input.unresolved_only, limit).await?)
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct ResolveErrorInput {
    /// The error's id (from `monitor errors`).
    pub id: String,
}

pub async fn resolve_error(core: &Core, input: ResolveErrorInput) -> Result<ResolvedError> {
    let collector = Collector::new(core.store().await?.clone());
    Ok(collector.resolve_error(input.id.trim(), crate::util::now_ms()).await?)
}
