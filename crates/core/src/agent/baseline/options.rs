//! `BaselineOptions`: the behaviour settings of the baseline planner, read from a registry version's `extra_params`
//! (unknown keys and wrong types are errors naming the key).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Settings of the baseline planner. Every field has a default; `extra_params` may override any of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct BaselineOptions {
    /// Minimum match score (fraction of the target's words found on the element, +0.5 for the whole phrase in its
    /// text) for an element to count as a match. Default 0.5.
    pub match_threshold: f64,
    /// After typing a search query, press Enter (true) or click a Search/submit button (false). Default true.
    pub press_enter_after_typing: bool,
    /// Answer questions from an `extract` action's output (true) or from the visible page text directly (false).
    /// Default true.
    pub answer_with_extract: bool,
    /// Most actions the baseline puts in one step (the loop's own limit applies too). Default 3.
    pub max_actions_per_step: u32,
    /// Scrolls tried when nothing on the page matches, before giving up with `done(success=false)`. Default 2.
    pub max_scrolls: u32,
    /// Waits of 1.5 s tried (after the scrolls) when nothing matches, for content that appears late. Default 1.
    pub max_waits: u32,
}

impl Default for BaselineOptions {
    fn default() -> Self {
        BaselineOptions {
            match_threshold: 0.5,
            press_enter_after_typing: true,
            answer_with_extract: true,
            max_actions_per_step: 3,
            max_scrolls: 2,
            max_waits: 1,
        }
    }
}

const KEYS: [&str; 6] = [
    "match_threshold",
    "press_enter_after_typing",
    "answer_with_extract",
    "max_actions_per_step",
    "max_scrolls",
    "max_waits",
];

impl BaselineOptions {
    /// Options from `extra_params`: defaults, overridden by the keys present.
    pub fn from_params(params: &BTreeMap<String, Value>) -> Result<BaselineOptions, String> {
        let unknown: Vec<&str> = params.keys().map(String::as_str).filter(|k| !KEYS.contains(k)).collect();
        if !unknown.is_empty() {
            return Err(format!(
                "unknown baseline extra_params {}; valid keys are: {}",
                unknown.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", "),
                KEYS.join(", ")
            ));
        }
        let mut o = BaselineOptions::default();
        let wrong = |key: &str, expected: &str, v: &Value| {
            format!("baseline extra_params {key:?}: expected {expected}, got {v}")
        };
        for (key, v) in params {
            match key.as_str() {
                "match_threshold" => {
                    o.match_threshold = v
                        .as_f64()
                        .filter(|x| x.is_finite() && (0.0..=1.5).contains(x))
                        .ok_or_else(|| wrong(key, "a number from 0 to 1.5", v))?;
                }
                "press_enter_after_typing" => {
                    o.press_enter_after_typing = v.as_bool().ok_or_else(|| wrong(key, "true or false", v))?;
                }
                "answer_with_extract" => {
                    o.answer_with_extract = v.as_bool().ok_or_else(|| wrong(key, "true or false", v))?;
                }
                "max_actions_per_step" => {
                    o.max_actions_per_step = v
                        .as_u64()
                        .filter(|n| (1..=20).contains(n))
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| wrong(key, "a whole number from 1 to 20", v))?;
                }
                "max_waits" => {
                    o.max_waits = v
                        .as_u64()
                        .filter(|n| *n <= 10)
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| wrong(key, "a whole number from 0 to 10", v))?;
                }
                "max_scrolls" => {
                    o.max_scrolls = v
                        .as_u64()
                        .filter(|n| *n <= 50)
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| wrong(key, "a whole number from 0 to 50", v))?;
                }
                _ => {}
            }
        }
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn params(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn empty_params_give_the_defaults_and_keys_override_them() {
        assert_eq!(BaselineOptions::from_params(&BTreeMap::new()).unwrap(), BaselineOptions::default());
        let o =
            BaselineOptions::from_params(&params(json!({"match_threshold": 0.9, "press_enter_after_typing": false})))
                .unwrap();
        assert_eq!(o.match_threshold, 0.9);
        assert!(!o.press_enter_after_typing);
        assert!(o.answer_with_extract);
    }

    #[test]
    fn unknown_keys_and_bad_types_are_named() {
        let err = BaselineOptions::from_params(&params(json!({"temperature_x": 1, "zzz": 2}))).unwrap_err();
        assert!(err.contains("\"temperature_x\", \"zzz\"") && err.contains("match_threshold"), "{err}");
        let err = BaselineOptions::from_params(&params(json!({"answer_with_extract": "yes"}))).unwrap_err();
        assert!(err.contains("\"answer_with_extract\": expected true or false, got \"yes\""), "{err}");
        let err = BaselineOptions::from_params(&params(json!({"max_actions_per_step": 0}))).unwrap_err();
        assert!(err.contains("from 1 to 20"), "{err}");
    }
}
