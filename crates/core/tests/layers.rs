//! The core's module layering, checked from the source: every `.rs` file under `crates/core/src` is scanned for
//! references to other top-level modules (`use crate::…`, `use crate::{a, b::c}` groups, `crate::x::y` paths in
//! code, `$crate::` in macros, `super::` that climbs to the crate root, and root re-exports such as `crate::Core`),
//! and the graph between top-level modules must be:
//!
//! - acyclic (a failure prints one cycle with a file for each edge);
//! - `kind` (the leaf `ErrorKind`) imports nothing;
//! - only `api` imports `api`: the operation table is the top of the crate. `core` (the transport-facing `Core`
//!   handle) sits below it (`api` → `core`) and must not import it either;
//! - only `api` and `core` import `error` (the aggregate `Error` that wraps every domain's error): domains use their
//!   own typed errors and `crate::kind::ErrorKind`.
//!
//! Comments and string literals are skipped, so prose that mentions `crate::x` is not an edge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// module → (imported module → one file that shows the edge).
type Graph = BTreeMap<String, BTreeMap<String, String>>;

#[test]
fn top_level_modules_form_no_cycle_and_keep_their_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (modules, aliases) = crate_root(&src);
    let graph = build_graph(&src, &modules, &aliases);

    // The scan sees real edges (a parser that finds nothing would pass every rule below).
    for (from, to) in [("api", "core"), ("evaluator", "metrics"), ("error", "tracker"), ("config", "secrets")] {
        assert!(graph.get(from).is_some_and(|e| e.contains_key(to)), "expected the edge {from} -> {to}: {graph:#?}");
    }

    if let Some(cycle) = find_cycle(&graph) {
        let steps: Vec<String> =
            cycle.windows(2).map(|w| format!("  {} -> {}   (e.g. {})", w[0], w[1], graph[&w[0]][&w[1]])).collect();
        panic!("import cycle between top-level modules of the core:\n{}", steps.join("\n"));
    }

    let kind_deps = graph.get("kind").map(|e| e.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    assert!(kind_deps.is_empty(), "`kind` must be a leaf but imports {kind_deps:?}");

    for (target, allowed) in [("api", &["api"][..]), ("error", &["api", "core"][..])] {
        let offenders: Vec<String> = graph
            .iter()
            .filter(|(from, deps)| !allowed.contains(&from.as_str()) && deps.contains_key(target))
            .map(|(from, deps)| format!("{from} (e.g. {})", deps[target]))
            .collect();
        assert!(offenders.is_empty(), "only {allowed:?} may import `{target}`; also imported by: {offenders:?}");
    }
}

#[test]
fn the_cycle_finder_reports_a_cycle_in_a_hand_made_graph() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g = Graph::new();
        for (a, b) in edges {
            g.entry(a.to_string()).or_default().insert(b.to_string(), format!("{a}.rs"));
        }
        g
    };
    let acyclic = graph(&[("api", "evaluator"), ("evaluator", "store"), ("api", "store"), ("store", "kind")]);
    assert_eq!(find_cycle(&acyclic), None);

    let cyclic = graph(&[("api", "evaluator"), ("evaluator", "store"), ("store", "error"), ("error", "evaluator")]);
    let cycle = find_cycle(&cyclic).expect("the cycle evaluator -> store -> error -> evaluator");
    assert_eq!(cycle.first(), cycle.last(), "{cycle:?}");
    let members: BTreeSet<&str> = cycle.iter().map(String::as_str).collect();
    assert_eq!(members, BTreeSet::from(["evaluator", "store", "error"]), "{cycle:?}");

    assert!(find_cycle(&graph(&[("a", "b"), ("b", "a")])).is_some());
}

#[test]
fn references_are_found_in_groups_paths_and_super_but_not_in_comments_or_strings() {
    let modules: BTreeSet<String> =
        ["store", "tracker", "kind", "error", "core", "util", "api"].iter().map(|s| s.to_string()).collect();
    let aliases = BTreeMap::from([("Core".to_string(), "core".to_string())]);
    let text = r#"
        use crate::{store::Store, tracker::{Tracker, RunStart}};
        use crate::kind::ErrorKind;
        // use crate::api::x;
        /* crate::api */
        const S: &str = "crate::api::y";
        fn f(c: &crate::Core) -> char { let _ = crate::util::now_ms(); 'x' }
        fn g<'a>(s: &'a str) -> &'a str { super::error::thing(s) }
        mod tests {
            use super::*;
        }
    "#;
    // In `a/mod.rs` (module path [a]) the top-level `super::` is the crate root; inside `mod tests` it is `a`.
    let refs = references(text, &["a".to_string()], &modules, &aliases);
    assert_eq!(refs, BTreeSet::from(["store", "tracker", "kind", "core", "util", "error"].map(String::from)));
    // In `a/b.rs` (module path [a, b]) `super::` is `a`: no cross-module edge.
    let refs = references(text, &["a".to_string(), "b".to_string()], &modules, &aliases);
    assert!(!refs.contains("error"), "{refs:?}");
}

/// The top-level modules declared in `lib.rs`, and the root re-exports (`pub use crate::m::{A, B}`): name → module.
fn crate_root(src: &Path) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let lib = strip(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut modules = BTreeSet::new();
    let mut aliases = BTreeMap::new();
    for stmt in lib.split(';').map(str::trim) {
        let words: Vec<&str> = stmt.split_whitespace().collect();
        if let Some(i) = words.iter().position(|w| *w == "mod") {
            modules.insert(words[i + 1].to_string());
        } else if let Some(path) = stmt.strip_prefix("pub use crate::") {
            let (module, items) = path.split_once("::").expect("a root re-export names its module");
            for item in items.trim_matches(|c| c == '{' || c == '}').split(',') {
                let name = item.split(" as ").last().unwrap().trim();
                aliases.insert(name.to_string(), module.to_string());
            }
        }
    }
    assert!(modules.len() > 10, "lib.rs declares too few modules: {modules:?}");
    (modules, aliases)
}

fn build_graph(src: &Path, modules: &BTreeSet<String>, aliases: &BTreeMap<String, String>) -> Graph {
    let mut graph = Graph::new();
    for file in rust_files(src) {
        let rel = file.strip_prefix(src).unwrap();
        let mut path: Vec<String> =
            rel.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
        if path.last().is_some_and(|p| p == "mod") {
            path.pop();
        }
        if path == ["lib"] {
            continue;
        }
        let from = path[0].clone();
        assert!(modules.contains(&from), "{} is not under a module declared in lib.rs", rel.display());
        let text = std::fs::read_to_string(&file).unwrap();
        for to in references(&text, &path, modules, aliases) {
            if to != from {
                graph.entry(from.clone()).or_default().entry(to).or_insert_with(|| rel.display().to_string());
            }
        }
        graph.entry(from).or_default();
    }
    graph
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The source with comments removed and string/char literal contents blanked (lifetimes are kept as they are).
fn strip(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        let at = |i: usize, k: usize| c.get(i + k).copied().unwrap_or('\0');
        if c[i] == '/' && at(i, 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && at(i, 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i, 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i, 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c[i] == 'r'
            && (at(i, 1) == '"' || (at(i, 1) == '#' && (at(i, 2) == '"' || at(i, 2) == '#')))
            && (i == 0 || !is_ident(c[i - 1]))
        {
            let hashes = c[i + 1..].iter().take_while(|&&ch| ch == '#').count();
            i += 2 + hashes;
            let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            while i < c.len() && !c[i..].iter().collect::<String>().starts_with(&close) {
                i += 1;
            }
            i += close.len();
            out.push_str("\"\"");
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == '\'' && (at(i, 1) == '\\' || at(i, 2) == '\'') {
            i += 1;
            while i < c.len() && c[i] != '\'' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn ident_at(c: &[char], i: usize) -> String {
    c[i.min(c.len())..].iter().take_while(|&&ch| is_ident(ch)).collect()
}

fn skip_ws(c: &[char], mut i: usize) -> usize {
    while i < c.len() && c[i].is_whitespace() {
        i += 1;
    }
    i
}

/// The top-level modules `text` refers to, for a file whose module path is `path` (`a/b.rs` → `[a, b]`).
fn references(
    text: &str,
    path: &[String],
    modules: &BTreeSet<String>,
    aliases: &BTreeMap<String, String>,
) -> BTreeSet<String> {
    let c: Vec<char> = strip(text).chars().collect();
    let mut found = BTreeSet::new();
    let mut add = |name: &str| {
        if modules.contains(name) {
            found.insert(name.to_string());
        } else if let Some(module) = aliases.get(name) {
            found.insert(module.clone());
        }
    };
    // Inline modules (`mod tests { … }`) deepen the path `super::` climbs from: (brace depth at open, name).
    let mut inline: Vec<(usize, String)> = Vec::new();
    let mut depth = 0usize;
    let mut pending_mod: Option<String> = None;
    let mut i = 0;
    while i < c.len() {
        let boundary = i == 0 || !is_ident(c[i - 1]);
        match c[i] {
            '{' => {
                if let Some(name) = pending_mod.take() {
                    inline.push((depth, name));
                }
                depth += 1;
                i += 1;
                continue;
            }
            '}' => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(d, _)| *d == depth) {
                    inline.pop();
                }
                i += 1;
                continue;
            }
            ';' => pending_mod = None,
            _ => {}
        }
        if !boundary || !is_ident(c[i]) {
            i += 1;
            continue;
        }
        let word = ident_at(&c, i);
        let after = i + word.chars().count();
        let path_sep = c.get(after) == Some(&':') && c.get(after + 1) == Some(&':');
        if word == "mod" {
            let j = skip_ws(&c, after);
            pending_mod = Some(ident_at(&c, j));
        } else if word == "crate" && path_sep {
            let j = skip_ws(&c, after + 2);
            if c.get(j) == Some(&'{') {
                // A group: the first identifier of each top-level item.
                let (mut k, mut level, mut item_start) = (j + 1, 0, true);
                while k < c.len() && !(level == 0 && c[k] == '}') {
                    match c[k] {
                        '{' => level += 1,
                        '}' => level -= 1,
                        ',' if level == 0 => item_start = true,
                        ch if item_start && is_ident(ch) => {
                            add(&ident_at(&c, k));
                            item_start = false;
                        }
                        _ => {}
                    }
                    k += 1;
                }
            } else {
                add(&ident_at(&c, j));
            }
        } else if word == "super" && path_sep {
            // Count the chain `super::super::…` and climb that far from the current module path.
            let mut ups = 1;
            let mut j = after + 2;
            while ident_at(&c, j) == "super" && c.get(j + 5) == Some(&':') {
                ups += 1;
                j += 7;
            }
            let here = path.len() + inline.len();
            if ups >= here {
                add(&ident_at(&c, skip_ws(&c, j)));
            }
            i = j;
            continue;
        }
        i = after;
    }
    found
}

/// One cycle as `[a, b, …, a]`, or `None` when the graph is acyclic (depth-first search with colours).
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        state: &mut BTreeMap<String, bool>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), false); // on the stack
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flat_map(|e| e.keys()) {
            match state.get(next) {
                Some(false) => {
                    let start = stack.iter().position(|n| n == next).unwrap();
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(true) => {}
                None => {
                    if let Some(cycle) = visit(next, graph, state, stack) {
                        return Some(cycle);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_string(), true); // done
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node)
            && let Some(cycle) = visit(node, graph, &mut state, &mut Vec::new())
        {
            return Some(cycle);
        }
    }
    None
}
