//! The browser agent: planners (LLM-backed and the offline baseline) and the loop that drives a browser with them.

pub mod llm_planner;
pub mod prompt;
pub mod types;
