//! The documentation's contracts: the README's opening (`readme.rs`) and the command line reference in
//! docs/reference/cli.md, generated from the clap definitions and checked for drift (`cli_reference.rs`).

mod cli_reference;
mod readme;
