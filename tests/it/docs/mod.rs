//! The documentation's contracts: the README's opening (`readme.rs`), the command line reference in
//! docs/reference/cli.md, generated from the clap definitions and checked for drift (`cli_reference.rs`), and the
//! transcripts of README.md and docs/guide, run against the binary (`transcripts.rs`).

mod cli_reference;
mod readme;
mod transcripts;
