//! LLM providers behind one trait, with retries, usage by token type and cost.

pub mod types;
