//! Operation table: run search and run listing. Thin over `tracker::search`: the filter language, ordering and
//! pagination live there; this file fixes the input/output types every transport sees.

use serde::{Deserialize, Serialize};

use crate::core::Core;
use crate::error::{Error, Result};
use crate::tracker::RunStatus;
use crate::tracker::search::{self, SearchQuery};

pub use crate::tracker::search::{RunPage, RunRow, SearchError, validate_filter};

/// Search runs with a filter expression.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct SearchRunsInput {
    /// e.g. `metrics.success_rate > 0.8 and params.llm_model = 'gpt-4o' and status = 'finished'`
    pub filter: Option<String>,
    /// Experiment ids or names; empty = every (non-archived) experiment.
    pub experiments: Vec<String>,
    /// Each `FIELD [asc|desc]` (or several, comma-separated); default `start_time desc`.
    pub order_by: Vec<String>,
    /// Page size, 1 to 10 000 (default 50).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    /// Include runs of archived experiments.
    pub include_archived: bool,
}

/// List runs newest first, optionally of one experiment and some statuses.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct ListRunsInput {
    pub experiment: Option<String>,
    /// `running`, `finished`, `failed` or `killed`; empty = any.
    pub statuses: Vec<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    pub include_archived: bool,
}

pub async fn search(core: &Core, input: SearchRunsInput) -> Result<RunPage> {
    let query = SearchQuery {
        filter: input.filter,
        experiments: input.experiments,
        statuses: Vec::new(),
        order_by: input.order_by,
        limit: input.limit,
        offset: input.offset,
        include_archived: input.include_archived,
    };
    run(core, &query).await
}

pub async fn list(core: &Core, input: ListRunsInput) -> Result<RunPage> {
    let statuses = input
        .statuses
        .iter()
        .map(|s| RunStatus::parse(s).ok_or_else(|| SearchError::Status(s.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let query = SearchQuery {
        experiments: input.experiment.into_iter().collect(),
        statuses,
        limit: input.limit,
        offset: input.offset,
        include_archived: input.include_archived,
        ..SearchQuery::default()
    };
    run(core, &query).await
}

async fn run(core: &Core, query: &SearchQuery) -> Result<RunPage> {
    // Check the request before opening (and possibly creating) the database.
    if let Some(filter) = &query.filter {
        validate_filter(filter)?;
    }
    for order in &query.order_by {
        search::validate_order_by(order)?;
    }
    if let Some(limit) = query.limit.filter(|l| *l == 0 || *l > search::MAX_LIMIT) {
        return Err(SearchError::Limit(limit).into());
    }
    let store = core.store().await?;
    if let Some(team) = core.team_database() {
        // A team server reads its database; what its own operations just wrote is pushed there first.
        crate::sync::mirror::settle(store, team.pool(), &core.shared::<crate::sync::mirror::Wake>()).await?;
        return search::pg::search(team.pool(), query).await.map_err(Error::from);
    }
    search::search(store, query).await.map_err(Error::from)
}
