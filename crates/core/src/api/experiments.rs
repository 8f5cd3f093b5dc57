//! Operation table: experiment operations (create, list, show, rename, archive/restore, tags, description, compare).
//! Each takes `&Core` and a typed input and returns a typed output; the CLI (and later Tauri and HTTP) call only these.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::tracker::{Experiment, ExperimentComparison, ExperimentInfo};
use crate::{Core, Result};

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct CreateExperimentInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

pub async fn create(core: &Core, input: CreateExperimentInput) -> Result<Experiment> {
    Ok(core.tracker().await?.create_experiment(&input.name, &input.description, &input.tags).await?)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone, Default)]
pub struct ListExperimentsInput {
    /// Include archived experiments.
    #[serde(default)]
    pub all: bool,
}

pub async fn list(core: &Core, input: ListExperimentsInput) -> Result<Vec<ExperimentInfo>> {
    Ok(core.tracker().await?.list_experiments(input.all).await?)
}

/// Names one experiment by id or name.
#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct ExperimentRef {
    pub experiment: String,
}

pub async fn show(core: &Core, input: ExperimentRef) -> Result<ExperimentInfo> {
    Ok(core.tracker().await?.get_experiment(&input.experiment).await?)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct RenameExperimentInput {
    pub experiment: String,
    pub new_name: String,
}

pub async fn rename(core: &Core, input: RenameExperimentInput) -> Result<Experiment> {
    Ok(core.tracker().await?.rename_experiment(&input.experiment, &input.new_name).await?)
}

pub async fn archive(core: &Core, input: ExperimentRef) -> Result<Experiment> {
    Ok(core.tracker().await?.set_experiment_archived(&input.experiment, true).await?)
}

pub async fn restore(core: &Core, input: ExperimentRef) -> Result<Experiment> {
    Ok(core.tracker().await?.set_experiment_archived(&input.experiment, false).await?)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct SetExperimentTagInput {
    pub experiment: String,
    pub key: String,
    pub value: String,
}

pub async fn set_tag(core: &Core, input: SetExperimentTagInput) -> Result<Experiment> {
    Ok(core.tracker().await?.set_experiment_tag(&input.experiment, &input.key, &input.value).await?)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct DescribeExperimentInput {
    pub experiment: String,
    pub description: String,
}

pub async fn describe(core: &Core, input: DescribeExperimentInput) -> Result<Experiment> {
    Ok(core.tracker().await?.describe_experiment(&input.experiment, &input.description).await?)
}

#[derive(Serialize, Deserialize, specta::Type, Debug, Clone)]
pub struct CompareExperimentsInput {
    /// Two or more experiment ids or names.
    pub experiments: Vec<String>,
}

pub async fn compare(core: &Core, input: CompareExperimentsInput) -> Result<ExperimentComparison> {
    Ok(core.tracker().await?.compare_experiments(&input.experiments).await?)
}
