//! `run search` and `run list`: filter expression, scope, order and pagination over runs, rendered as a table with
//! a few metric columns and a `showing a–b of n` footer, or as the `RunPage` JSON with `--json`.

use std::collections::HashMap;

use clap::Args;

use crate::Output;
use crate::output::{num, table};
use browser_ai_mlops_core::api::run_search::{self as api, ListRunsInput, RunPage, SearchRunsInput};
use browser_ai_mlops_core::tracker::search::{SearchQuery, mentioned_metrics};
use browser_ai_mlops_core::tracker::{RunStatus, validate};
use browser_ai_mlops_core::util::{fmt_duration_ms, fmt_ms};
use browser_ai_mlops_core::{Core, Result};

/// How many metric columns the table shows at most.
const METRIC_COLUMNS: usize = 4;

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Filter expression, e.g. "metrics.success_rate > 0.8 and status = 'finished'"
    pub filter: Option<String>,
    /// Only runs of this experiment (id or name); repeatable
    #[arg(long = "experiment", value_name = "ID|NAME")]
    pub experiments: Vec<String>,
    /// Sort by FIELD [asc|desc], e.g. "metrics.success_rate desc"; repeatable (default "start_time desc")
    #[arg(long = "order-by", value_name = "FIELD [asc|desc]")]
    pub order_by: Vec<String>,
    /// Runs per page, 1 to 10000 (default 50)
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,
    /// Skip this many matching runs
    #[arg(long, value_name = "N")]
    pub offset: Option<u32>,
    /// Include runs of archived experiments
    #[arg(long)]
    pub all: bool,
}

pub async fn search(core: &Core, args: SearchArgs, out: &Output) -> Result<i32> {
    let input = SearchRunsInput {
        filter: args.filter,
        experiments: args.experiments,
        order_by: args.order_by,
        limit: args.limit,
        offset: args.offset,
        include_archived: args.all,
    };
    let preferred = mentioned_metrics(&SearchQuery {
        filter: input.filter.clone(),
        order_by: input.order_by.clone(),
        ..SearchQuery::default()
    });
    let page = api::search(core, input).await?;
    out.emit(&page, |p| render(p, &preferred))?;
    Ok(0)
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only runs of this experiment (id or name)
    #[arg(long)]
    pub experiment: Option<String>,
    /// Only runs with this status (running, finished, failed, killed); repeatable
    #[arg(long, value_name = "S")]
    pub status: Vec<String>,
    /// Runs per page, 1 to 10000 (default 50)
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,
    /// Skip this many runs
    #[arg(long, value_name = "N")]
    pub offset: Option<u32>,
    /// Include runs of archived experiments
    #[arg(long)]
    pub all: bool,
}

pub async fn list(core: &Core, args: ListArgs, out: &Output) -> Result<i32> {
    let input = ListRunsInput {
        experiment: args.experiment,
        statuses: args.status,
        limit: args.limit,
        offset: args.offset,
        include_archived: args.all,
    };
    let page = api::list(core, input).await?;
    out.emit(&page, |p| render(p, &[]))?;
    Ok(0)
}

/// Metric columns: the ones the query mentions, then the page's most common keys, at most `METRIC_COLUMNS`.
fn metric_columns(page: &RunPage, preferred: &[String]) -> Vec<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for row in &page.runs {
        for key in row.metrics.keys() {
            *counts.entry(key.as_str()).or_default() += 1;
        }
    }
    let mut others: Vec<(&str, usize)> =
        counts.into_iter().filter(|(k, _)| !preferred.iter().any(|p| p == k)).collect();
    others.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    preferred.iter().cloned().chain(others.into_iter().map(|(k, _)| k.to_string())).take(METRIC_COLUMNS).collect()
}

fn render(page: &RunPage, preferred: &[String]) -> String {
    let footer = footer(page);
    if page.runs.is_empty() {
        return footer;
    }
    let metrics = metric_columns(page, preferred);
    let mut header = vec!["id", "experiment", "name", "status", "start", "duration"];
    header.extend(metrics.iter().map(String::as_str));
    let rows = page.runs.iter().map(|row| {
        let run = &row.run;
        let duration = match run.end_ms {
            Some(end) => fmt_duration_ms(end - run.start_ms),
            None if run.status == RunStatus::Running => "running".to_string(),
            None => "-".to_string(),
        };
        let mut cells = vec![
            run.id.clone(),
            row.experiment_name.clone(),
            run.name.clone(),
            validate::status_label(run),
            fmt_ms(Some(run.start_ms)),
            duration,
        ];
        cells.extend(metrics.iter().map(|k| row.metrics.get(k).map_or("-".to_string(), |v| num(*v))));
        cells
    });
    format!("{}\n\n{footer}", table(&header, rows))
}

/// `showing 1–50 of 1234 (next: --offset 50)`.
fn footer(page: &RunPage) -> String {
    if page.total == 0 {
        return "no runs match".to_string();
    }
    if page.runs.is_empty() {
        return format!("showing 0 of {} (offset {} is past the last match)", page.total, page.offset);
    }
    let first = page.offset + 1;
    let last = page.offset + page.runs.len() as i64;
    match page.next_offset {
        Some(next) => format!("showing {first}–{last} of {} (next: --offset {next})", page.total),
        None => format!("showing {first}–{last} of {}", page.total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(total: i64, offset: i64, shown: usize, next: Option<i64>) -> RunPage {
        let row = browser_ai_mlops_core::tracker::search::RunRow {
            run: browser_ai_mlops_core::tracker::Run {
                id: "r1".into(),
                experiment_id: "e1".into(),
                name: "n".into(),
                status: RunStatus::Running,
                model_version_id: None,
                start_ms: 0,
                end_ms: None,
                error: None,
                pid: None,
                host: String::new(),
            },
            experiment_name: "exp".into(),
            params: Default::default(),
            tags: Default::default(),
            metrics: [("b".to_string(), 1.0), ("a".to_string(), 0.5), ("z".to_string(), 2.0)].into_iter().collect(),
        };
        RunPage { runs: vec![row; shown], total, offset, limit: 50, next_offset: next }
    }

    #[test]
    fn footer_says_which_slice_and_how_to_get_the_next() {
        assert_eq!(footer(&page(1234, 0, 50, Some(50))), "showing 1–50 of 1234 (next: --offset 50)");
        assert_eq!(footer(&page(60, 50, 10, None)), "showing 51–60 of 60");
        assert_eq!(footer(&page(0, 0, 0, None)), "no runs match");
        assert_eq!(footer(&page(3, 10, 0, None)), "showing 0 of 3 (offset 10 is past the last match)");
    }

    #[test]
    fn metric_columns_put_the_queried_ones_first() {
        let cols = metric_columns(&page(1, 0, 1, None), &["z".to_string()]);
        assert_eq!(cols, vec!["z", "a", "b"]);
    }
}
