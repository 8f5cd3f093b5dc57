//! `server user …`, `server token …` and `server audit`: the team server's users, their API tokens and its audit
//! log, in the team database (`--database`, as `serve` uses it) or this machine's store. A token's text is printed
//! once, when it is created; only its SHA-256 is stored.

use clap::Subcommand;

use crate::Output;
use crate::output::table;
use browser_ai_mlops_core::api::audit::AuditQuery;
use browser_ai_mlops_core::team::{Role, Team};
use browser_ai_mlops_core::util::fmt_ms;
use browser_ai_mlops_core::{Core, Error, Result};

#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// The team database (PostgreSQL URL) `serve --database` uses; without it, this machine's store.
    /// Also BROWSER_AI_MLOPS_DATABASE_URL.
    #[arg(long, global = true, value_name = "URL", env = crate::serve::ENV_DATABASE_URL, hide_env_values = true)]
    pub database: Option<String>,
    #[command(subcommand)]
    pub cmd: ServerCmd,
}

#[derive(Debug, Subcommand)]
pub enum ServerCmd {
    /// Users of the team server and their roles
    #[command(subcommand)]
    User(UserCmd),
    /// API tokens of the team server's users (shown once when created, stored only as a hash)
    #[command(subcommand)]
    Token(TokenCmd),
    /// Who changed what through the server's operations (newest first): time, user, role, operation, what it named
    /// and how it ended
    Audit {
        /// Only this user's changes
        #[arg(long)]
        user: Option<String>,
        /// Only this operation's, e.g. models/deploy
        #[arg(long)]
        operation: Option<String>,
        /// At most this many entries (1 to 10,000)
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add a user: viewer (reads), editor (reads and writes) or admin
    Add {
        name: String,
        #[arg(long)]
        role: String,
    },
    /// List the users
    List,
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Create a token for a user and print it (this is the only time it is shown)
    Create {
        user: String,
        /// What the token is for, e.g. the laptop or CI job that will use it
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List the tokens (never their text)
    List,
    /// Revoke a token by id: it signs no one in from now on
    Revoke { id: String },
}

pub async fn run(core: &Core, args: ServerArgs, out: &Output) -> Result<i32> {
    if let Some(url) = &args.database {
        crate::serve::attach_database(core, url).await?;
    }
    let team = Team::new(core.open_team_db().await?);
    match args.cmd {
        ServerCmd::User(UserCmd::Add { name, role }) => {
            let role = Role::parse(&role)
                .ok_or_else(|| Error::Input(format!("--role {role:?}: expected viewer, editor or admin")))?;
            let user = team.add_user(&name, role).await?;
            out.emit(&user, |u| format!("added user {} ({})", u.name, u.role.as_str()))?;
        }
        ServerCmd::User(UserCmd::List) => {
            let users = team.users().await?;
            out.emit(&users, |us| {
                let rows =
                    us.iter().map(|u| vec![u.name.clone(), u.role.as_str().into(), fmt_ms(Some(u.created_at_ms))]);
                table(&["user", "role", "added"], rows)
            })?;
        }
        ServerCmd::Token(TokenCmd::Create { user, label }) => {
            let created = team.create_token(&user, &label).await?;
            out.emit(&created, |t| {
                format!(
                    "token {} for {} ({}):\n{}\nIt is shown only now: keep it where the client reads it, the OS \
                     keychain or an environment variable (`sync connect --token-ref`).",
                    t.info.id,
                    t.info.user,
                    t.info.role.as_str(),
                    t.token
                )
            })?;
        }
        ServerCmd::Token(TokenCmd::List) => {
            let tokens = team.tokens().await?;
            out.emit(&tokens, |ts| {
                let rows = ts.iter().map(|t| {
                    vec![
                        t.id.clone(),
                        t.user.clone(),
                        t.role.as_str().into(),
                        t.label.clone(),
                        fmt_ms(Some(t.created_at_ms)),
                        fmt_ms(t.last_used_at_ms),
                        if t.revoked_at_ms.is_some() { "revoked".into() } else { "active".into() },
                    ]
                });
                table(&["id", "user", "role", "label", "created", "last used", "state"], rows)
            })?;
        }
        ServerCmd::Audit { user, operation, limit } => {
            let query = AuditQuery { user, operation, limit: Some(limit) };
            let entries = browser_ai_mlops_core::api::audit::list(core, query).await?;
            out.emit(&entries, |es| {
                let rows = es.iter().map(|e| {
                    vec![
                        fmt_ms(Some(e.at_ms)),
                        e.user_name.clone(),
                        e.role.clone(),
                        e.operation.clone(),
                        e.subject.clone(),
                        e.outcome.clone(),
                    ]
                });
                table(&["at", "user", "role", "operation", "subject", "outcome"], rows)
            })?;
        }
        ServerCmd::Token(TokenCmd::Revoke { id }) => {
            let t = team.revoke(&id).await?;
            out.emit(&t, |t| format!("revoked token {} of {}", t.id, t.user))?;
        }
    }
    Ok(0)
}
