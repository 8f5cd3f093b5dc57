//! The `http_body` target: an input is an operation name on its first line and a request body after it, exactly what
//! `POST /api/v1/<name>` receives. A first line that names no operation picks one by its bytes, so every input
//! reaches an operation. The body goes through the table's JSON dispatch (`call_by_name`), as the server's does, on
//! the fuzz world's store.
//!
//! Left out: operations the server does not serve (`.local()`), streaming ones (their input parsing is the same
//! `parse_input` the unary ones use), `evals/launch` (starts Chromium) and `evals/tasks` naming a file path (reads
//! any file of the machine; a built-in suite name is fuzzed).
//!
//! Checked: no panic; no `Failed` answer (a 500 for a request is a bug: bad input is `Input`, `BadRequest`, …); a
//! refused call, and any read, leaves every table and config file as it was.

use browser_ai_mlops_core::api::edge::EdgeError;
use browser_ai_mlops_core::api::{self, Access, Operation, Reach, Shape};

use super::World;

/// Operations that start a browser or reach beyond the store and config directory.
const SKIPPED: &[&str] = &["evals/launch"];

/// The operations this target calls, in table order.
pub fn operations() -> Vec<&'static Operation> {
    api::table()
        .iter()
        .filter(|op| op.reach == Reach::Everywhere && op.shape() == Shape::Unary && !SKIPPED.contains(&op.name))
        .collect()
}

/// Whether a body names a suite by path (`evals/tasks` would read that file).
fn names_a_path(body: &serde_json::Value) -> bool {
    body.get("suite").and_then(|s| s.as_str()).is_some_and(|s| s.contains(['/', '\\']) || s.starts_with('.'))
}

pub fn http_body(data: &[u8]) {
    let ops = operations();
    let (head, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let op = match ops.iter().find(|op| op.name == head.trim()) {
        Some(op) => *op,
        None => ops[head.bytes().map(usize::from).sum::<usize>() % ops.len()],
    };
    let world = World::get();
    let _turn = world.turn();
    let body = world.substitute(&String::from_utf8_lossy(body));
    // The server answers a body that is not JSON with 400 before any operation runs; an empty body is `null`.
    let input: serde_json::Value = if body.trim().is_empty() {
        serde_json::Value::Null
    } else {
        match serde_json::from_str(&body) {
            Ok(v) => v,
            Err(_) => return,
        }
    };
    if op.name == "evals/tasks" && names_a_path(&input) {
        return;
    }
    world.block_on(async {
        let core = world.core();
        let before = world.digest().await;
        let answer = api::op::call(&core, op, input).await;
        match &answer {
            Err(EdgeError::Failed(detail)) => {
                panic!("{} answered Failed (500) to {body:?}: {}", op.name, detail.message)
            }
            Err(e) => assert_eq!(world.digest().await, before, "{} refused {body:?} ({e}) but wrote", op.name),
            Ok(_) if op.access == Access::Read => {
                assert_eq!(world.digest().await, before, "{} is a read but wrote for {body:?}", op.name)
            }
            Ok(_) => {}
        }
        world.maybe_reset().await;
    });
}
