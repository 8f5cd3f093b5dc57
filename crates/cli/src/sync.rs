//! `sync connect|status|push|pull`: this machine's store and a team server. The token is given by reference
//! (`--token-ref env:NAME` or `keychain:NAME`) and never stored or printed.

use clap::Subcommand;

use crate::Output;
use browser_ai_mlops_core::api::sync::{self as ops, ConnectInput, SyncStatus};
use browser_ai_mlops_core::sync::client::Transfer;
use browser_ai_mlops_core::util::fmt_ms;
use browser_ai_mlops_core::{Core, Result};

#[derive(Debug, Subcommand)]
pub enum SyncCmd {
    /// Connect this store to a team server (everything here is queued for it; its history will be pulled)
    Connect {
        /// The server, e.g. https://mlops.example.com
        url: String,
        /// Where the token comes from: env:NAME or keychain:NAME
        #[arg(long, value_name = "REF", default_value = ops::DEFAULT_TOKEN_REF)]
        token_ref: String,
        /// This machine's name on the server (default: its host name)
        #[arg(long)]
        host: Option<String>,
    },
    /// What is pending each way, the last success and the last error
    Status,
    /// Send what changed here to the server (resumes where a cut transfer stopped)
    Push,
    /// Bring what the server has that this store has not applied
    Pull,
}

fn status_text(s: &SyncStatus) -> String {
    let Some(c) = &s.connection else { return "not connected to a team server (sync connect URL)".to_string() };
    let mut out = format!(
        "server       {}\nhost         {}\ntoken        {}\nto push      {} records, {} metric points\n\
         last push    {}\nlast pull    {}",
        c.server_url,
        c.host,
        c.token_ref,
        s.pending_records,
        s.pending_points,
        fmt_ms(c.last_push_ms),
        fmt_ms(c.last_pull_ms)
    );
    if let Some(e) = &c.last_error {
        out.push_str(&format!("\nlast error   {} ({})", e, fmt_ms(c.last_error_ms)));
    }
    out
}

fn transfer_text(verb: &str, t: &Transfer) -> String {
    let mut out = format!("{verb} {} records and {} metric points in {} pages", t.records, t.points, t.pages);
    if t.points_already_held > 0 {
        out.push_str(&format!(" ({} points were already there)", t.points_already_held));
    }
    if t.blobs > 0 {
        out.push_str(&format!("\n{} artifact blobs (only those the other side lacked)", t.blobs));
    }
    if t.experiments_merged > 0 {
        out.push_str(&format!("\nmerged {} experiments into the server's ones of the same name", t.experiments_merged));
    }
    for why in &t.refused {
        out.push_str(&format!("\nrefused by the server: {why}"));
    }
    for (id, from, to) in &t.versions_renumbered {
        out.push_str(&format!("\nmodel version {id}: pending number {from} is {to} on the team server"));
    }
    out
}

pub async fn run(core: &Core, cmd: SyncCmd, out: &Output) -> Result<i32> {
    match cmd {
        SyncCmd::Connect { url, token_ref, host } => {
            let s = ops::connect(core, ConnectInput { url, token_ref: Some(token_ref), host }).await?;
            out.emit(&s, status_text)?;
        }
        SyncCmd::Status => out.emit(&ops::status(core, ()).await?, status_text)?,
        SyncCmd::Push => out.emit(&ops::push(core, ()).await?, |t| transfer_text("pushed", t))?,
        SyncCmd::Pull => out.emit(&ops::pull(core, ()).await?, |t| transfer_text("pulled", t))?,
    }
    Ok(0)
}
