//! What the baseline planner reads back from the loop's history: the fields it already typed into and the dropdown
//! options it already read (both from its own earlier actions' outcomes).

use super::choose;
use crate::agent::types::PlanContext;

/// `url#index` of every field typed into or chosen in (successfully) so far, from the history.
pub fn typed_fields(ctx: &PlanContext) -> Vec<String> {
    let mut out = Vec::new();
    for r in &ctx.history {
        for o in r.outcomes.iter().filter(|o| o.success && (o.action == "input_text" || o.action == "select_option")) {
            if let Some(i) = target_index(&o.target) {
                out.push(format!("{}#{i}", r.url));
            }
        }
    }
    out
}

/// The options of the dropdowns read on the current page (latest reading wins), from the history.
pub fn dropdown_options(ctx: &PlanContext) -> Vec<(u32, choose::Options)> {
    let mut out: Vec<(u32, choose::Options)> = Vec::new();
    for r in ctx.history.iter().rev().filter(|r| r.url == ctx.state.url) {
        for o in r.outcomes.iter().filter(|o| o.success && o.action == "get_dropdown_options") {
            if let (Some(i), Some(output)) = (target_index(&o.target), o.output.as_deref())
                && !out.iter().any(|(k, _)| *k == i)
            {
                out.push((i, choose::parse_options(output)));
            }
        }
    }
    out
}

/// The element index at the start of an outcome target (`[12] select "Sort by"` → 12).
fn target_index(target: &str) -> Option<u32> {
    target.strip_prefix('[')?.split_once(']')?.0.parse().ok()
}
