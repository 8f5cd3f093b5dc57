//! MiniWoB++ adapter: tasks named `miniwob:<task>` load `<task>.html` from a user's MiniWoB `html/` directory (the
//! pip package `miniwob` ships one; nothing of MiniWoB is bundled here), served by the site server under
//! `/__miniwob/`. The adapter seeds and starts the episode the way MiniWoB's own Python/BrowserGym drivers do
//! (`Math.seedrandom(seed)`, `core.EPISODE_MAX_TIME`, `core.startEpisodeReal()`), reads the utterance
//! (`core.getUtterance()`, else the `#query` text) as the agent's prompt, and scores the episode from
//! `WOB_RAW_REWARD_GLOBAL` once `WOB_DONE_GLOBAL` is true: reward r in [-1, 1] → score (r + 1) / 2, success r > 0.
//!
//! Use: `MiniwobDir::open(dir)`, `dir.start_url(&server, task)` (the site server started with `start_with(Some(dir))`),
//! then `miniwob::start_episode(probe, seed, DEFAULT_EPISODE_MAX_MS)`: resets the `WOB_*` reward globals, calls
//! `Math.seedrandom(seed)` when present, sets `core.EPISODE_MAX_TIME`, calls `core.startEpisodeReal()`, waits for
//! `WOB_TASK_READY` and returns the utterance (`core.getUtterance()`, a string or `{utterance}`, else the `#query`
//! text). `miniwob::evaluate(probe)` reads `WOB_DONE_GLOBAL` and `WOB_RAW_REWARD_GLOBAL`. Tests use the MiniWoB-format
//! fixture pages in `tests/fixtures/miniwob/` (a tiny `core.js` and three pages whose graders give raw rewards of 1,
//! 0.5 and −0.5).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::EvalError;
use super::checks::{CheckResult, Evidence, PageProbe};
use super::suite::{Category, Check, Task};
use crate::sites::SiteServer;

/// Prefix of MiniWoB task references.
pub const TASK_PREFIX: &str = "miniwob:";

/// Episode length the adapter sets (ms): long enough for an LLM agent; MiniWoB's default of 10 s is not.
pub const DEFAULT_EPISODE_MAX_MS: u64 = 1_000_000;

/// How long `start_episode` waits for `WOB_TASK_READY`.
const READY_TIMEOUT: Duration = Duration::from_secs(5);

/// The task name of a `miniwob:<task>` reference, when it is one and the name is safe (`[A-Za-z0-9_-]+`).
pub fn task_name(reference: &str) -> Option<&str> {
    let name = reference.strip_prefix(TASK_PREFIX)?;
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(name)
}

/// The MiniWoB directory to use: the `--miniwob-dir` flag, else the config's `experiments.miniwob_dir` (a relative
/// configured path is taken from the folder of the config file that set it; blank means unset).
pub fn resolve_dir(flag: Option<&Path>, configured: Option<&str>, config_file: &Path) -> Option<PathBuf> {
    if let Some(dir) = flag {
        return Some(dir.to_path_buf());
    }
    let configured = Path::new(configured.map(str::trim).filter(|c| !c.is_empty())?);
    if configured.is_absolute() {
        return Some(configured.to_path_buf());
    }
    Some(config_file.parent().unwrap_or(Path::new(".")).join(configured))
}

/// The error for `miniwob:<task>` ids when no directory was given by either way.
pub fn missing_dir_error(task: &str) -> EvalError {
    EvalError::MiniwobDirMissing { task: task.to_string() }
}

/// A MiniWoB `html` directory (containing `miniwob/<task>.html` and `core/`), or a directory of task pages.
#[derive(Debug, Clone)]
pub struct MiniwobDir {
    root: PathBuf,
}

impl MiniwobDir {
    /// A missing directory is an input error (exit code 2), like a bad flag value.
    pub fn open(dir: &Path) -> Result<MiniwobDir, EvalError> {
        if !dir.is_dir() {
            let what = if dir.exists() { "not a directory" } else { "no such directory" };
            return Err(EvalError::Invalid(format!(
                "MiniWoB directory {}: {what} (expected the html/ folder of a MiniWoB++ checkout or of the pip package \
                 `miniwob`, containing miniwob/<task>.html)",
                dir.display()
            )));
        }
        Ok(MiniwobDir { root: dir.to_path_buf() })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Path of the task's page relative to the root: `<task>.html` or `miniwob/<task>.html`. An invalid or unknown
    /// task name is an input error.
    pub fn page(&self, task: &str) -> Result<String, EvalError> {
        let valid = !task.is_empty() && task.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(EvalError::Invalid(format!(
                "invalid MiniWoB task name {task:?} (expected letters, digits, '-' or '_')"
            )));
        }
        [format!("{task}.html"), format!("miniwob/{task}.html")]
            .into_iter()
            .find(|rel| self.root.join(rel).is_file())
            .ok_or_else(|| {
                EvalError::Invalid(format!(
                    "unknown MiniWoB task miniwob:{task}: neither {task}.html nor miniwob/{task}.html exists in {}",
                    self.root.display()
                ))
            })
    }

    /// The start URL of a task on a server started with this directory
    /// (`SiteServer::start_with(Some(dir.root()))`).
    pub fn start_url(&self, server: &SiteServer, task: &str) -> Result<String, EvalError> {
        let rel = self.page(task)?;
        server
            .miniwob_url(&rel)
            .ok_or_else(|| EvalError::Miniwob("the site server was started without a MiniWoB directory".to_string()))
    }

    /// The suite hash of an evaluation running these MiniWoB tasks: hex SHA-256 over `base` (the hash of the suite's
    /// other tasks, empty when there are none), then for each task (sorted) its name and the SHA-256 of its page,
    /// then the path and SHA-256 of every file of MiniWoB's shared `core/` and `common/` folders. Any edit to a page
    /// or a shared script changes it.
    pub fn files_hash(&self, base: &str, tasks: &[String]) -> Result<String, EvalError> {
        let mut names: Vec<&String> = tasks.iter().collect();
        names.sort();
        names.dedup();
        let mut lines = vec![format!("suite {base}")];
        for name in names {
            let rel = self.page(name)?;
            lines.push(format!("task {name} {}", self.file_sha256(&self.root.join(&rel))?));
        }
        for shared in ["core", "common"] {
            let mut files = Vec::new();
            collect_files(&self.root.join(shared), &mut files)?;
            files.sort();
            for file in files {
                let rel = file.strip_prefix(&self.root).unwrap_or(&file).to_string_lossy().replace('\\', "/");
                lines.push(format!("shared {rel} {}", self.file_sha256(&file)?));
            }
        }
        Ok(crate::agent::artifacts::sha256_hex(lines.join("\n").as_bytes()))
    }

    fn file_sha256(&self, path: &Path) -> Result<String, EvalError> {
        let bytes = std::fs::read(path)
            .map_err(|e| EvalError::Invalid(format!("reading MiniWoB file {}: {e}", path.display())))?;
        Ok(crate::agent::artifacts::sha256_hex(&bytes))
    }

    /// A suite task for `miniwob:<task>`: the prompt is a placeholder until the utterance is read from the page; the
    /// check is the MiniWoB success condition (the runner should score with [`evaluate`] for the reward mapping).
    pub fn task(&self, server: &SiteServer, task: &str, max_steps: u32, timeout_secs: u32) -> Result<Task, EvalError> {
        Ok(Task {
            id: format!("miniwob-{}", task.to_ascii_lowercase().replace('_', "-")),
            name: format!("MiniWoB++ {task}"),
            category: Category::Miniwob,
            difficulty: None,
            prompt: "(the MiniWoB utterance, read from the page when the episode starts)".to_string(),
            start_url: self.start_url(server, task)?,
            max_steps,
            timeout_secs,
            check: Check::Js("WOB_DONE_GLOBAL === true && WOB_RAW_REWARD_GLOBAL > 0".to_string()),
        })
    }
}

/// Every file under `dir` (nothing when it does not exist).
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), EvalError> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries {
        let path = entry.map_err(|e| EvalError::Invalid(format!("listing {}: {e}", dir.display())))?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// JavaScript that resets the reward globals, seeds the page's RNG and starts an episode.
pub fn start_episode_js(seed: u64, max_time_ms: u64) -> String {
    format!(
        "(() => {{ if (typeof core === 'undefined' || typeof core.startEpisodeReal !== 'function') \
         {{ throw new Error('this page has no MiniWoB core (core.startEpisodeReal)'); }} \
         if (typeof Math.seedrandom === 'function') {{ Math.seedrandom({seed}); }} \
         WOB_DONE_GLOBAL = false; WOB_RAW_REWARD_GLOBAL = 0; WOB_REWARD_GLOBAL = 0; \
         core.EPISODE_MAX_TIME = {max_time_ms}; core.startEpisodeReal(); return true; }})()"
    )
}

const READY_JS: &str = "(typeof WOB_TASK_READY === 'undefined') ? true : WOB_TASK_READY === true";

const UTTERANCE_JS: &str = "(() => { let u = null; \
     if (typeof core !== 'undefined' && typeof core.getUtterance === 'function') { u = core.getUtterance(); } \
     if (u !== null && typeof u === 'object') { u = u.utterance; } \
     if (typeof u !== 'string' || u.trim() === '') { const q = document.querySelector('#query'); \
       u = q === null ? null : q.innerText; } \
     return u; })()";

const STATE_JS: &str = "(() => ({ done: typeof WOB_DONE_GLOBAL !== 'undefined' && WOB_DONE_GLOBAL === true, \
     raw: typeof WOB_RAW_REWARD_GLOBAL === 'number' ? WOB_RAW_REWARD_GLOBAL : null, \
     reason: typeof WOB_REWARD_REASON === 'undefined' || WOB_REWARD_REASON === null ? null : String(WOB_REWARD_REASON) }))()";

/// Seed and start the episode on the page the probe looks at, wait until the task is ready, and return the
/// utterance (the instruction the agent gets).
pub async fn start_episode(probe: &dyn PageProbe, seed: u64, max_time_ms: u64) -> Result<String, EvalError> {
    probe
        .eval_js(&start_episode_js(seed, max_time_ms))
        .await
        .map_err(|e| EvalError::Miniwob(format!("cannot start the episode: {e}")))?;
    let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
    loop {
        let ready = probe.eval_js(READY_JS).await.map_err(|e| EvalError::Miniwob(format!("task state: {e}")))?;
        if ready == serde_json::Value::Bool(true) {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(EvalError::Miniwob(format!("WOB_TASK_READY stayed false for {READY_TIMEOUT:?}")));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    match probe.eval_js(UTTERANCE_JS).await {
        Ok(serde_json::Value::String(u)) if !u.trim().is_empty() => {
            Ok(crate::evaluator::checks::collapse_whitespace(&u))
        }
        Ok(other) => Err(EvalError::Miniwob(format!("the page has no utterance (got {other})"))),
        Err(e) => Err(EvalError::Miniwob(format!("cannot read the utterance: {e}"))),
    }
}

/// The episode's state as the page reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct EpisodeState {
    pub done: bool,
    /// `WOB_RAW_REWARD_GLOBAL` (reward without the time penalty), in [-1, 1] when done.
    pub raw_reward: Option<f64>,
    pub reason: Option<String>,
}

/// Read `WOB_DONE_GLOBAL`, `WOB_RAW_REWARD_GLOBAL` and `WOB_REWARD_REASON`.
pub async fn read_state(probe: &dyn PageProbe) -> Result<EpisodeState, EvalError> {
    let v = probe.eval_js(STATE_JS).await.map_err(|e| EvalError::Miniwob(format!("cannot read the reward: {e}")))?;
    Ok(EpisodeState {
        done: v.get("done").and_then(serde_json::Value::as_bool).unwrap_or(false),
        raw_reward: v.get("raw").and_then(serde_json::Value::as_f64),
        reason: v.get("reason").and_then(|r| r.as_str()).map(str::to_string),
    })
}

/// Map a raw reward in [-1, 1] to (success, score in [0, 1]): success when r > 0, score (r + 1) / 2 (so a failed
/// episode scores at most 0.5 and never 1).
pub fn score(raw_reward: f64) -> (bool, f64) {
    if !raw_reward.is_finite() {
        return (false, 0.0);
    }
    let r = raw_reward.clamp(-1.0, 1.0);
    (r > 0.0, (r + 1.0) / 2.0)
}

/// Score a finished (or unfinished) episode as a check result; an episode that is not done fails with score 0.
pub async fn evaluate(probe: &dyn PageProbe) -> CheckResult {
    let check = "miniwob reward (WOB_DONE_GLOBAL, WOB_RAW_REWARD_GLOBAL)".to_string();
    let failed = |observed: String| CheckResult {
        passed: false,
        score: 0.0,
        evidence: vec![Evidence { check: check.clone(), passed: false, observed }],
    };
    match read_state(probe).await {
        Err(e) => failed(format!("probe error: {e}")),
        Ok(state) if !state.done => failed("episode not done".to_string()),
        Ok(EpisodeState { raw_reward: None, .. }) => failed("done, but WOB_RAW_REWARD_GLOBAL is not a number".into()),
        Ok(EpisodeState { raw_reward: Some(r), reason, .. }) => {
            let (passed, score) = score(r);
            let observed = match reason {
                Some(reason) => format!("raw reward {r} ({reason})"),
                None => format!("raw reward {r}"),
            };
            CheckResult { passed, score, evidence: vec![Evidence { check, passed, observed }] }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reward_maps_to_score_and_success() {
        assert_eq!(score(1.0), (true, 1.0));
        assert_eq!(score(-1.0), (false, 0.0));
        assert_eq!(score(0.0), (false, 0.5));
        assert_eq!(score(0.6), (true, 0.8));
        assert_eq!(score(7.0), (true, 1.0));
        assert_eq!(score(f64::NAN), (false, 0.0));
    }

    #[test]
    fn the_flag_wins_and_relative_config_paths_follow_the_config_file() {
        let file = Path::new("/etc/bam/config/development.yaml");
        let flag = Path::new("rel/flag");
        assert_eq!(resolve_dir(Some(flag), Some("/abs/conf"), file), Some(PathBuf::from("rel/flag")));
        assert_eq!(resolve_dir(None, Some("/abs/conf"), file), Some(PathBuf::from("/abs/conf")));
        assert_eq!(resolve_dir(None, Some("mw/html"), file), Some(PathBuf::from("/etc/bam/config/mw/html")));
        assert_eq!(resolve_dir(None, Some("  "), file), None);
        assert_eq!(resolve_dir(None, None, file), None);
        let err = missing_dir_error("click-test").to_string();
        assert!(err.contains("miniwob:click-test") && err.contains("experiments.miniwob_dir"), "{err}");
        assert!(err.contains("experiments.miniwob_dir"), "{err}");
    }

    #[test]
    fn task_references_parse() {
        assert_eq!(task_name("miniwob:click-test"), Some("click-test"));
        assert_eq!(task_name("miniwob:../x"), None);
        assert_eq!(task_name("click-test"), None);
    }
}
