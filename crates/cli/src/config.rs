//! `config …` commands: list, load, show, validate, set, set-feature-flag, clone environments.

use clap::Subcommand;

use crate::Output;
use crate::output::{fields, table};
use browser_ai_mlops_core::api::config::{
    self as api, CloneInput, EnvInput, ListEnvsInput, SetFeatureFlagInput, SetInput, ShowInput, ValidateOutput,
};
use browser_ai_mlops_core::config::Problem;
use browser_ai_mlops_core::{Core, Result, error::Error};

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// List the environments in the config dir, whether each is valid, and which is active
    ListEnvs,
    /// Load and validate an environment with all layers (file, BROWSER_AI_MLOPS__* variables, --set) and summarise it
    Load {
        /// Environment (default: the active one)
        env: Option<String>,
    },
    /// Print the effective config as YAML (JSON with --json); secrets appear only as references
    Show {
        /// Environment (default: the active one)
        env: Option<String>,
        /// Only this section: llm, agent, browser, monitoring, experiments, deployment, feature_flags, ab_tests
        #[arg(long)]
        section: Option<String>,
    },
    /// Report every problem as file:line:column: error|warning: path: message (exit 2 if any error)
    Validate {
        /// Environment (default: the active one)
        env: Option<String>,
    },
    /// Set one value in an environment's file, e.g. `config set llm.temperature 0.3`
    Set {
        /// Dotted key: section.key (lists by index: ab_tests.0.variants.1.traffic)
        key: String,
        /// The value as YAML: 0.3, true, '["127.0.0.1","localhost"]', env:OPENAI_API_KEY
        #[arg(allow_hyphen_values = true)]
        value: String,
        /// Environment (default: the active one)
        env: Option<String>,
    },
    /// Turn a feature flag on or off in an environment's file
    SetFeatureFlag {
        /// Flag name (snake_case)
        flag: String,
        /// true or false
        value: String,
        /// Environment (default: the active one)
        env: Option<String>,
    },
    /// Create a new environment as a copy of an existing one (comments included)
    Clone {
        /// Environment to copy
        src: String,
        /// New environment name ([a-z0-9][a-z0-9_-]*)
        dst: String,
        /// Overwrite DST if it exists
        #[arg(long)]
        force: bool,
    },
}

fn problem_lines(problems: &[Problem]) -> String {
    problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n")
}

fn with_warnings(text: String, warnings: &[Problem]) -> String {
    if warnings.is_empty() { text } else { format!("{text}\n{}", problem_lines(warnings)) }
}

fn parse_bool(value: &str) -> Result<bool> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(Error::Input(format!("feature flag value {other:?}: expected true or false"))),
    }
}

fn render_validate(v: &ValidateOutput) -> String {
    let summary = if v.problems.is_empty() {
        format!("{}: ok, no problems ({})", v.env, v.path)
    } else {
        format!("{}: {} error(s), {} warning(s) ({})", v.env, v.errors, v.warnings, v.path)
    };
    if v.problems.is_empty() { summary } else { format!("{}\n{summary}", problem_lines(&v.problems)) }
}

pub async fn run(core: &Core, cmd: ConfigCmd, out: &Output) -> Result<i32> {
    // The command line is its user's own: its first config command writes the bundled environments into an empty
    // config directory so they are there to edit. The operations themselves never write on a read.
    browser_ai_mlops_core::config::files::ensure_seeded(&core.settings().config_dir).map_err(Error::from)?;
    match cmd {
        ConfigCmd::ListEnvs => {
            let r = api::list_envs(core, ListEnvsInput {}).await?;
            out.emit(&r, |r| {
                let rows = r.envs.iter().map(|e| {
                    let valid = if e.valid { "yes".to_string() } else { format!("no ({} errors)", e.errors) };
                    let active = if e.active { "*" } else { "" };
                    vec![e.name.clone(), active.to_string(), valid, e.warnings.to_string(), e.path.clone()]
                });
                let mut text = table(&["env", "active", "valid", "warnings", "file"], rows);
                for e in r.envs.iter() {
                    if let Some(first) = &e.first_error {
                        text.push_str(&format!("\n{}: {first}", e.name));
                    }
                }
                text
            })?;
        }
        ConfigCmd::Load { env } => {
            let r = api::load(core, EnvInput { env }).await?;
            out.emit(&r, |r| {
                let list = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join(", ") };
                let text = fields(&[
                    ("environment", r.env.clone()),
                    ("file", r.path.clone()),
                    ("llm", format!("{} / {}", r.provider.as_str(), r.model)),
                    ("browser", r.browser_mode.clone()),
                    ("flags on", list(&r.enabled_flags)),
                    ("flags off", list(&r.disabled_flags)),
                    ("ab tests", r.ab_tests.to_string()),
                    ("warnings", r.warnings.len().to_string()),
                ]);
                with_warnings(text, &r.warnings)
            })?;
        }
        ConfigCmd::Show { env, section } => {
            let r = api::show(core, ShowInput { env, section }).await?;
            let yaml = serde_yaml_ng::to_string(&r.config)
                .map_err(|e| Error::Failed(format!("cannot render the config as YAML: {e}")))?;
            out.emit(&r, |r| {
                let mut text = format!("# {} ({})\n{yaml}", r.env, r.path);
                for s in &r.secrets {
                    text.push_str(&format!("# secret {}: {} ({})\n", s.path, s.reference, s.status));
                }
                text
            })?;
        }
        ConfigCmd::Validate { env } => {
            let spinner = crate::progress::spinner(out, "validating the config");
            let r = api::validate(core, EnvInput { env }).await;
            spinner.finish_and_clear();
            let r = r?;
            out.emit(&r, render_validate)?;
            return Ok(if r.valid { 0 } else { 2 });
        }
        ConfigCmd::Set { key, value, env } => {
            let r = api::set(core, SetInput { env, key, value }).await?;
            out.emit(&r, |r| {
                let how = if r.in_place { "edited in place" } else { "rewritten (comments dropped)" };
                let text = format!("{}: {} = {} ({how}: {})", r.env, r.key, r.value, r.path);
                with_warnings(text, &r.warnings)
            })?;
        }
        ConfigCmd::SetFeatureFlag { flag, value, env } => {
            let enabled = parse_bool(&value)?;
            let r = api::set_flag(core, SetFeatureFlagInput { env, flag, enabled }).await?;
            out.emit(&r, |r| {
                let how = if r.in_place { "edited in place" } else { "rewritten (comments dropped)" };
                with_warnings(format!("{}: {} = {} ({how}: {})", r.env, r.key, r.value, r.path), &r.warnings)
            })?;
        }
        ConfigCmd::Clone { src, dst, force } => {
            let r = api::clone(core, CloneInput { src, dst, force }).await?;
            out.emit(&r, |r| {
                let verb = if r.overwritten { "overwrote" } else { "created" };
                with_warnings(format!("{verb} {} from {} ({})", r.dst, r.src, r.path), &r.warnings)
            })?;
        }
    }
    Ok(0)
}
