//! `experiment …` commands: clap arguments → `api::experiments` → a table, `key value` fields, or `--json`.

use std::collections::BTreeMap;

use clap::Subcommand;

use crate::Output;
use crate::output::{fields, num, table};
use browser_ai_mlops_core::api::experiments::{self as api, ExperimentRef};
use browser_ai_mlops_core::tracker::{Experiment, ExperimentComparison, ExperimentInfo, RunCounts, validate};
use browser_ai_mlops_core::util::fmt_ms;
use browser_ai_mlops_core::{Core, Result};

#[derive(Debug, Subcommand)]
pub enum ExperimentCmd {
    /// Create an experiment (names are unique)
    Create {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// A tag as KEY=VALUE (repeatable)
        #[arg(long = "tag", value_name = "KEY=VALUE")]
        tags: Vec<String>,
    },
    /// List experiments with their run counts (archived ones only with --all)
    List {
        /// Include archived experiments
        #[arg(long)]
        all: bool,
    },
    /// Show one experiment with run counts by status
    Show {
        /// Experiment id or name
        experiment: String,
    },
    /// Rename an experiment
    Rename {
        /// Experiment id or name
        experiment: String,
        new_name: String,
    },
    /// Archive an experiment: hidden from `list`, no new runs
    Archive {
        /// Experiment id or name
        experiment: String,
    },
    /// Restore an archived experiment
    Restore {
        /// Experiment id or name
        experiment: String,
    },
    /// Set one tag of an experiment
    SetTag {
        /// Experiment id or name
        experiment: String,
        key: String,
        value: String,
    },
    /// Replace an experiment's description
    Describe {
        /// Experiment id or name
        experiment: String,
        text: String,
    },
    /// Compare experiments: run counts and, per metric, mean/min/max of their runs' last values
    Compare {
        /// Two or more experiment ids or names
        #[arg(required = true, num_args = 2..)]
        experiments: Vec<String>,
    },
}

/// Parse repeated `KEY=VALUE` options; a key given twice with different values is an error.
pub(crate) fn key_values(flag: &str, raw: &[String]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in raw {
        let (k, v) = validate::key_value(flag, item)?;
        if let Some(old) = out.get(&k).filter(|old: &&String| **old != v) {
            return Err(crate::Error::Input(format!("{flag} {k:?} is given twice, as {old:?} and {v:?}")));
        }
        out.insert(k, v);
    }
    Ok(out)
}

pub async fn run(core: &Core, cmd: ExperimentCmd, out: &Output) -> Result<i32> {
    let one = |experiment: String| ExperimentRef { experiment };
    match cmd {
        ExperimentCmd::Create { name, description, tags } => {
            let tags = key_values("--tag", &tags)?;
            let exp = api::create(core, api::CreateExperimentInput { name, description, tags }).await?;
            out.emit(&exp, |e| format!("created experiment {} ({})", e.name, e.id))?;
        }
        ExperimentCmd::List { all } => {
            let list = api::list(core, api::ListExperimentsInput { all }).await?;
            out.emit(&list, |l| render_list(l, all))?;
        }
        ExperimentCmd::Show { experiment } => {
            let info = api::show(core, one(experiment)).await?;
            out.emit(&info, render_info)?;
        }
        ExperimentCmd::Rename { experiment, new_name } => {
            let exp = api::rename(core, api::RenameExperimentInput { experiment, new_name }).await?;
            out.emit(&exp, |e| format!("renamed experiment {} to {}", e.id, e.name))?;
        }
        ExperimentCmd::Archive { experiment } => {
            let exp = api::archive(core, one(experiment)).await?;
            out.emit(&exp, |e| format!("archived experiment {}", e.name))?;
        }
        ExperimentCmd::Restore { experiment } => {
            let exp = api::restore(core, one(experiment)).await?;
            out.emit(&exp, |e| format!("restored experiment {}", e.name))?;
        }
        ExperimentCmd::SetTag { experiment, key, value } => {
            let exp = api::set_tag(core, api::SetExperimentTagInput { experiment, key, value }).await?;
            out.emit(&exp, |e| format!("experiment {} tags: {}", e.name, show_tags(&e.tags)))?;
        }
        ExperimentCmd::Describe { experiment, text } => {
            let input = api::DescribeExperimentInput { experiment, description: text };
            let exp = api::describe(core, input).await?;
            out.emit(&exp, |e| format!("experiment {} description: {}", e.name, e.description))?;
        }
        ExperimentCmd::Compare { experiments } => {
            let cmp = api::compare(core, api::CompareExperimentsInput { experiments }).await?;
            out.emit(&cmp, render_compare)?;
        }
    }
    Ok(0)
}

fn show_tags(tags: &BTreeMap<String, String>) -> String {
    if tags.is_empty() {
        return "-".to_string();
    }
    tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

fn show_counts(c: &RunCounts) -> String {
    format!("{} ({} running, {} finished, {} failed, {} killed)", c.total, c.running, c.finished, c.failed, c.killed)
}

fn render_list(list: &[ExperimentInfo], all: bool) -> String {
    if list.is_empty() {
        return if all { "no experiments".into() } else { "no experiments (archived ones need --all)".into() };
    }
    let rows = list.iter().map(|i| {
        let e: &Experiment = &i.experiment;
        let mut row = vec![e.id.clone(), e.name.clone(), i.runs.total.to_string(), i.runs.running.to_string()];
        if all {
            row.push(if e.archived { "yes".into() } else { "no".into() });
        }
        row.push(fmt_ms(Some(e.created_at_ms)));
        row.push(e.description.clone());
        row
    });
    if all {
        table(&["id", "name", "runs", "running", "archived", "created", "description"], rows)
    } else {
        table(&["id", "name", "runs", "running", "created", "description"], rows)
    }
}

fn render_info(info: &ExperimentInfo) -> String {
    let e = &info.experiment;
    fields(&[
        ("id", e.id.clone()),
        ("name", e.name.clone()),
        ("description", if e.description.is_empty() { "-".into() } else { e.description.clone() }),
        ("tags", show_tags(&e.tags)),
        ("archived", if e.archived { "yes".into() } else { "no".into() }),
        ("created", fmt_ms(Some(e.created_at_ms))),
        ("updated", fmt_ms(Some(e.updated_at_ms))),
        ("runs", show_counts(&info.runs)),
    ])
}

fn render_compare(cmp: &ExperimentComparison) -> String {
    let numbers: Vec<String> = (1..=cmp.experiments.len()).map(|i| format!("experiment {i}")).collect();
    let mut header: Vec<&str> = vec![""];
    header.extend(numbers.iter().map(String::as_str));
    let column =
        |label: &str, cell: &dyn Fn(&browser_ai_mlops_core::tracker::ExperimentSide) -> String| -> Vec<String> {
            std::iter::once(label.to_string()).chain(cmp.experiments.iter().map(cell)).collect()
        };
    let mut rows: Vec<Vec<String>> = vec![
        column("name", &|s| s.experiment.name.clone()),
        column("id", &|s| s.experiment.id.clone()),
        column("runs", &|s| s.runs.total.to_string()),
    ];
    for (label, pick) in [
        ("running", (|c: &RunCounts| c.running) as fn(&RunCounts) -> i64),
        ("finished", |c| c.finished),
        ("failed", |c| c.failed),
        ("killed", |c| c.killed),
    ] {
        rows.push(
            std::iter::once(label.to_string())
                .chain(cmp.experiments.iter().map(|s| pick(&s.runs).to_string()))
                .collect(),
        );
    }
    for key in &cmp.keys {
        let mut row = vec![format!("{key} (last: mean [min, max] n)")];
        for side in &cmp.experiments {
            row.push(match side.metrics.get(key) {
                Some(m) => format!("{} [{}, {}] {}", num(m.mean), num(m.min), num(m.max), m.runs),
                None => "-".to_string(),
            });
        }
        rows.push(row);
    }
    table(&header, rows)
}
