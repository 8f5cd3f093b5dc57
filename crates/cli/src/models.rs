//! `model …` commands: register versions, list and show them, create a version from a parent, compare, deploy,
//! roll back, show the deployment history, archive, and export/import a version as YAML or JSON.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::Output;
use crate::output::{fields, num, table};
use browser_ai_mlops_core::Core;
use browser_ai_mlops_core::api::models as api;
use browser_ai_mlops_core::error::{Error, Result};
use browser_ai_mlops_core::registry::{ConfigPatch, Deployment, DocFormat, ModelVersion, Provider};
use browser_ai_mlops_core::util::fmt_ms;

#[derive(Debug, Subcommand)]
pub enum ModelCmd {
    /// Register a new version of a model (the model is created if missing); prints NAME:N and the id
    Register(Box<RegisterArgs>),
    /// List models with their latest version number and aliases
    List,
    /// Show a model: its versions and aliases
    Show { name: String },
    /// List a model's versions, oldest first
    Versions { name: String },
    /// Show or create single versions
    #[command(subcommand)]
    Version(VersionCmd),
    /// Compare two or more versions: config side by side, performance from linked runs
    Compare {
        /// Version references (id, NAME, NAME:N, NAME@ALIAS)
        #[arg(num_args = 2.., required = true, value_name = "VERSION")]
        versions: Vec<String>,
    },
    /// Point a deployment target (alias) of the version's model at the version
    Deploy {
        /// Version reference (id, NAME, NAME:N, NAME@ALIAS)
        #[arg(value_name = "MODEL_ID")]
        version: String,
        /// production, staging, development or any name matching [a-z][a-z0-9_-]*
        target: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Move a target back to the version it pointed at before the last deploy still in effect
    Rollback {
        name: String,
        target: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Deployment history (newest first) of a model, optionally of one target
    History {
        name: Option<String>,
        #[arg(long)]
        target: Option<String>,
    },
    /// Archive a version so it can no longer be deployed or rolled back to
    Archive {
        version: String,
        /// Archive even if an alias points at it (the alias keeps pointing there until the next deploy)
        #[arg(long)]
        force: bool,
    },
    /// Export a version as a YAML or JSON document
    Export {
        version: String,
        /// File to write; `-` (the default) for stdout
        #[arg(long, short, default_value = "-")]
        output: String,
        /// yaml or json (default: from the output file's extension, else yaml)
        #[arg(long)]
        format: Option<String>,
    },
    /// Import a version from an exported document (`-` reads stdin)
    Import {
        file: String,
        /// Import into this model instead of the one named in the file
        #[arg(long)]
        model: Option<String>,
        /// yaml or json (default: from the file's extension, else detected)
        #[arg(long)]
        format: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum VersionCmd {
    /// Show one version (config, parent, diff, aliases)
    Show { version: String },
    /// Create a new version of NAME from a parent with changes; unchanged fields are inherited
    Create(Box<CreateArgs>),
}

/// Config flags shared by `register` and `version create`.
#[derive(Debug, Args)]
pub struct ConfigFlags {
    /// Sampling temperature, 0 to 2 (register default: 0)
    #[arg(long)]
    temperature: Option<f64>,
    /// Maximum output tokens (> 0)
    #[arg(long, allow_negative_numbers = true)]
    max_tokens: Option<i64>,
    /// Nucleus sampling, 0 to 1
    #[arg(long)]
    top_p: Option<f64>,
    /// API base URL (required for openai-compatible; ollama defaults to http://127.0.0.1:11434/v1)
    #[arg(long)]
    base_url: Option<String>,
    /// System prompt text
    #[arg(long, conflicts_with = "system_prompt_file")]
    system_prompt: Option<String>,
    /// Read the system prompt from a file
    #[arg(long, value_name = "FILE")]
    system_prompt_file: Option<PathBuf>,
    /// Extra provider parameter KEY=VALUE; VALUE is parsed as JSON if it can be, else taken as text (repeatable)
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    #[arg(long)]
    description: Option<String>,
    #[arg(long)]
    changelog: Option<String>,
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    name: String,
    /// openai, anthropic, gemini, ollama, openai-compatible or baseline
    provider: String,
    /// The provider's model id, e.g. gpt-4o-mini
    model: String,
    #[command(flatten)]
    flags: ConfigFlags,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The model the new version belongs to
    name: String,
    /// Parent version reference
    #[arg(long)]
    from: String,
    /// Change the provider
    #[arg(long)]
    provider: Option<String>,
    /// Change the provider's model id
    #[arg(long)]
    model_id: Option<String>,
    #[command(flatten)]
    flags: ConfigFlags,
    /// Remove an inherited extra parameter (repeatable)
    #[arg(long, value_name = "KEY")]
    remove_param: Vec<String>,
    /// Clear an inherited field: base_url, max_tokens, top_p or system_prompt (repeatable)
    #[arg(long, value_name = "FIELD")]
    unset: Vec<String>,
}

pub async fn run(core: &Core, cmd: ModelCmd, out: &Output) -> Result<i32> {
    match cmd {
        ModelCmd::Register(args) => {
            let input = api::RegisterInput {
                name: args.name,
                provider: Provider::parse(&args.provider)?,
                model_id: args.model,
                base_url: args.flags.base_url.clone(),
                temperature: args.flags.temperature,
                max_tokens: args.flags.max_tokens,
                top_p: args.flags.top_p,
                system_prompt: system_prompt(&args.flags)?,
                extra_params: parse_params(&args.flags.params)?,
                description: args.flags.description,
                changelog: args.flags.changelog,
            };
            let v = api::register(core, input).await?;
            out.emit(&v, |v| format!("registered {} (id {})", v.reference, v.id))?;
        }
        ModelCmd::Version(VersionCmd::Create(args)) => {
            let patch = ConfigPatch {
                provider: args.provider.as_deref().map(Provider::parse).transpose()?,
                model_id: args.model_id,
                base_url: args.flags.base_url.clone(),
                temperature: args.flags.temperature,
                max_tokens: args.flags.max_tokens,
                top_p: args.flags.top_p,
                system_prompt: system_prompt(&args.flags)?,
                set_params: parse_params(&args.flags.params)?,
                remove_params: args.remove_param,
                unset: args.unset.iter().map(|f| f.replace('-', "_")).collect(),
            };
            let input = api::CreateVersionInput {
                name: args.name,
                from: args.from,
                patch,
                description: args.flags.description,
                changelog: args.flags.changelog,
            };
            let v = api::create_version(core, input).await?;
            out.emit(&v, |v| {
                let mut s = format!(
                    "created {} (id {}) from {}\n",
                    v.reference,
                    v.id,
                    v.parent_reference.as_deref().unwrap_or("-")
                );
                for c in &v.config_diff {
                    s += &format!("  {}: {} -> {}\n", c.field, value(&c.from, 60), value(&c.to, 60));
                }
                s
            })?;
        }
        ModelCmd::List => {
            let list = api::list(core, api::ListModelsInput {}).await?;
            out.emit(&list, |l| {
                if l.models.is_empty() {
                    return "no models yet; register one with `model register NAME PROVIDER MODEL`".into();
                }
                table(
                    &["name", "versions", "latest", "aliases", "created"],
                    l.models.iter().map(|m| {
                        let aliases =
                            m.aliases.iter().map(|a| format!("{}={}", a.alias, a.version)).collect::<Vec<_>>();
                        vec![
                            m.model.name.clone(),
                            m.versions.to_string(),
                            m.latest_version.map_or("-".into(), |n| n.to_string()),
                            if aliases.is_empty() { "-".into() } else { aliases.join(", ") },
                            fmt_ms(Some(m.model.created_at_ms)),
                        ]
                    }),
                )
            })?;
        }
        ModelCmd::Show { name } => {
            let d = api::show(core, api::ModelNameInput { name }).await?;
            out.emit(&d, |d| {
                let aliases = d.aliases.iter().map(|a| format!("{} -> {}", a.alias, a.reference)).collect::<Vec<_>>();
                let head = fields(&[
                    ("model", d.model.name.clone()),
                    ("id", d.model.id.clone()),
                    ("created", fmt_ms(Some(d.model.created_at_ms))),
                    ("aliases", if aliases.is_empty() { "-".into() } else { aliases.join(", ") }),
                ]);
                format!("{head}\n\n{}", versions_table(&d.versions))
            })?;
        }
        ModelCmd::Versions { name } => {
            let v = api::versions(core, api::ModelNameInput { name }).await?;
            out.emit(&v, |v| versions_table(&v.versions))?;
        }
        ModelCmd::Version(VersionCmd::Show { version }) => {
            let v = api::version_show(core, api::VersionRefInput { reference: version }).await?;
            out.emit(&v, version_fields)?;
        }
        ModelCmd::Compare { versions } => {
            let c = api::compare(core, api::CompareInput { references: versions }).await?;
            out.emit(&c, render_comparison)?;
        }
        ModelCmd::Deploy { version, target, reason } => {
            let d = api::deploy(core, api::DeployInput { reference: version, target, reason }).await?;
            out.emit(&d, |d| format!("deployed {} to {} (was {})", d.to_reference, d.target, was(d)))?;
        }
        ModelCmd::Rollback { name, target, reason } => {
            let d = api::rollback(core, api::RollbackInput { model: name, target, reason }).await?;
            out.emit(&d, |d| {
                format!("rolled back {} of {} to {} (was {})", d.target, d.model_name, d.to_reference, was(d))
            })?;
        }
        ModelCmd::History { name, target } => {
            let h = api::history(core, api::HistoryInput { model: name, target }).await?;
            out.emit(&h, |h| {
                if h.deployments.is_empty() {
                    return "no deployments yet".into();
                }
                table(
                    &["when", "target", "action", "from", "to", "user", "host", "reason"],
                    h.deployments.iter().map(|d| {
                        vec![
                            fmt_ms(Some(d.created_at_ms)),
                            d.target.clone(),
                            d.action.as_str().to_string(),
                            was(d),
                            d.to_reference.clone(),
                            d.os_user.clone(),
                            d.host.clone(),
                            d.reason.clone(),
                        ]
                    }),
                )
            })?;
        }
        ModelCmd::Archive { version, force } => {
            let v = api::archive(core, api::ArchiveInput { reference: version, force }).await?;
            out.emit(&v, |v| {
                let kept = if v.aliases.is_empty() {
                    String::new()
                } else {
                    format!(" ({} still point at it)", v.aliases.join(", "))
                };
                format!("archived {}{kept}", v.reference)
            })?;
        }
        ModelCmd::Export { version, output, format } => {
            if out.json && output == "-" && format.as_deref().is_some_and(|f| !f.trim().eq_ignore_ascii_case("json")) {
                return Err(Error::Input(format!(
                    "--json prints the document as JSON on stdout, which conflicts with --format {}; drop one of \
                     them, or pass --output FILE to write the {0} document to a file",
                    format.unwrap_or_default()
                )));
            }
            let format = match format {
                Some(f) => DocFormat::parse(&f)?,
                None => DocFormat::from_file_name(&output).unwrap_or(DocFormat::Yaml),
            };
            let e = api::export(core, api::ExportInput { reference: version, format }).await?;
            if output == "-" {
                if out.json {
                    out.emit(&e, |_| String::new())?;
                } else {
                    super::output::write_stdout(&e.text)?;
                }
            } else {
                std::fs::write(&output, &e.text).map_err(|err| Error::io(format!("cannot write {output}"), err))?;
                let name = e.document.model.clone().unwrap_or_default();
                let n = e.document.source_version.unwrap_or_default();
                out.emit(&e, |_| format!("exported {name}:{n} to {output}"))?;
            }
        }
        ModelCmd::Import { file, model, format } => {
            let format = format.as_deref().map(DocFormat::parse).transpose()?;
            let text = if file == "-" {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s).map_err(|e| Error::io("cannot read stdin", e))?;
                s
            } else {
                std::fs::read_to_string(&file).map_err(|e| Error::io(format!("cannot read {file}"), e))?
            };
            let v = api::import(core, api::ImportInput { text, source: file.clone(), format, model }).await?;
            out.emit(&v, |v| format!("imported {file} as {} (id {})", v.reference, v.id))?;
        }
    }
    Ok(0)
}

fn system_prompt(flags: &ConfigFlags) -> Result<Option<String>> {
    match (&flags.system_prompt, &flags.system_prompt_file) {
        (Some(s), _) => Ok(Some(s.clone())),
        (None, Some(path)) => std::fs::read_to_string(path)
            .map(Some)
            .map_err(|e| Error::io(format!("--system-prompt-file {}", path.display()), e)),
        (None, None) => Ok(None),
    }
}

/// `--param KEY=VALUE` pairs: VALUE as JSON when it parses (numbers, booleans, arrays, objects, quoted strings),
/// otherwise as plain text.
fn parse_params(raw: &[String]) -> Result<BTreeMap<String, serde_json::Value>> {
    let mut params = BTreeMap::new();
    for p in raw {
        let Some((k, v)) = p.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
            return Err(Error::Input(format!("--param {p:?}: expected KEY=VALUE, e.g. --param seed=42")));
        };
        let value = serde_json::from_str(v).unwrap_or_else(|_| serde_json::Value::from(v));
        if params.insert(k.trim().to_string(), value).is_some() {
            return Err(Error::Input(format!("--param {k}: given more than once")));
        }
    }
    Ok(params)
}

/// A JSON value for a table cell: text unquoted, null as `-`, long text shortened.
fn value(v: &serde_json::Value, max: usize) -> String {
    let s = match v {
        serde_json::Value::Null => "-".to_string(),
        serde_json::Value::String(s) if s.is_empty() => "\"\"".to_string(),
        serde_json::Value::String(s) => s.replace('\n', "\\n"),
        serde_json::Value::Number(n) => n.as_f64().map(num).unwrap_or_else(|| n.to_string()),
        other => other.to_string(),
    };
    if s.chars().count() > max {
        format!("{}…", s.chars().take(max.saturating_sub(1)).collect::<String>())
    } else {
        s
    }
}

fn was(d: &Deployment) -> String {
    d.from_reference.clone().unwrap_or_else(|| "-".into())
}

fn versions_table(versions: &[ModelVersion]) -> String {
    if versions.is_empty() {
        return "no versions".into();
    }
    table(
        &["version", "id", "provider", "model", "temp", "aliases", "created", "archived", "changelog"],
        versions.iter().map(|v| {
            vec![
                v.version.to_string(),
                v.id.clone(),
                v.config.provider.to_string(),
                v.config.model_id.clone(),
                num(v.config.temperature),
                if v.aliases.is_empty() { "-".into() } else { v.aliases.join(", ") },
                fmt_ms(Some(v.created_at_ms)),
                v.archived_at_ms.map_or("-".into(), |t| fmt_ms(Some(t))),
                if v.changelog.is_empty() {
                    "-".into()
                } else {
                    value(&serde_json::Value::from(v.changelog.clone()), 40)
                },
            ]
        }),
    )
}

fn version_fields(v: &ModelVersion) -> String {
    let c = &v.config;
    let opt = |x: Option<String>| x.unwrap_or_else(|| "-".into());
    let mut pairs = vec![
        ("version", v.reference.clone()),
        ("id", v.id.clone()),
        ("provider", c.provider.to_string()),
        ("model_id", c.model_id.clone()),
        ("base_url", opt(c.base_url.clone())),
        ("temperature", num(c.temperature)),
        ("max_tokens", opt(c.max_tokens.map(|n| n.to_string()))),
        ("top_p", opt(c.top_p.map(num))),
        ("extra_params", serde_json::Value::Object(c.extra_params.clone().into_iter().collect()).to_string()),
        ("description", if v.description.is_empty() { "-".into() } else { v.description.clone() }),
        ("changelog", if v.changelog.is_empty() { "-".into() } else { v.changelog.clone() }),
        ("parent", opt(v.parent_reference.clone())),
        ("aliases", if v.aliases.is_empty() { "-".into() } else { v.aliases.join(", ") }),
        ("created", format!("{} by {}", fmt_ms(Some(v.created_at_ms)), v.created_by)),
        ("archived", fmt_ms(v.archived_at_ms)),
    ];
    let multi_line = c.system_prompt.contains('\n');
    if !multi_line {
        pairs.push(("system_prompt", if c.system_prompt.is_empty() { "-".into() } else { c.system_prompt.clone() }));
    }
    for d in &v.config_diff {
        pairs.push(("changed", format!("{}: {} -> {}", d.field, value(&d.from, 60), value(&d.to, 60))));
    }
    let mut s = fields(&pairs);
    if multi_line {
        s += &format!("\nsystem_prompt:\n{}", c.system_prompt);
    }
    s
}

fn render_comparison(c: &browser_ai_mlops_core::registry::Comparison) -> String {
    let mut header = vec!["field".to_string()];
    header.extend(c.columns.iter().map(|col| col.version.reference.clone()));
    header.push(String::new());
    let mut rows: Vec<Vec<String>> = c
        .fields
        .iter()
        .map(|f| {
            let mut row = vec![f.field.clone()];
            row.extend(f.values.iter().map(|v| value(v, 40)));
            row.push(if f.differs { "*".into() } else { String::new() });
            row
        })
        .collect();
    let perf = |get: &dyn Fn(&browser_ai_mlops_core::registry::Performance) -> String| -> Vec<String> {
        c.columns.iter().map(|col| col.performance.as_ref().map_or("-".to_string(), get)).collect()
    };
    let opt = |x: Option<f64>| x.map_or("-".to_string(), num);
    let perf_rows: [(&str, Vec<String>); 7] = [
        ("runs", perf(&|p| p.runs.to_string())),
        ("success_rate", perf(&|p| opt(p.success_rate))),
        ("mean_steps", perf(&|p| opt(p.mean_steps))),
        ("mean_cost_usd", perf(&|p| opt(p.mean_cost_usd))),
        ("p50_duration_ms", perf(&|p| opt(p.p50_duration_ms))),
        ("p95_duration_ms", perf(&|p| opt(p.p95_duration_ms))),
        ("total_tokens", perf(&|p| p.total_tokens.to_string())),
    ];
    for (name, cells) in perf_rows {
        let mut row = vec![name.to_string()];
        row.extend(cells);
        row.push(String::new());
        rows.push(row);
    }
    // Built here rather than with `table()`, which upper-cases headers (version references are case-sensitive).
    let table = browser_ai_mlops_core::text::table_as_is(&header, rows);
    let mut notes =
        vec![if c.differing.is_empty() { "configurations are identical" } else { "* = differs" }.to_string()];
    for col in c.columns.iter().filter(|col| col.performance.is_none()) {
        notes.push(format!("{}: no evaluation results yet", col.version.reference));
    }
    format!("{table}\n\n{}", notes.join("\n"))
}
