//! Limits and character rules for what people name and store, shared by every domain so the CLI, HTTP, the desktop
//! app and the library refuse the same input with the same words. Names (experiments, runs, keys, flags …) may not
//! hold control characters; free text (param and tag values, descriptions, messages, prompts) may hold any
//! character, and is escaped where it is printed for people (`text::escape`). Each check returns why the value is
//! not acceptable (naming the limit and the actual size), or `None`; the caller adds the field and its error type.
//! `docs/reference/limits.md` documents every figure here.

/// Longest name of an experiment, a run, an A/B test or a feature flag (characters).
pub const MAX_NAME_CHARS: usize = 250;
/// Longest metric, param or tag key (characters; MLflow's limit).
pub const MAX_KEY_CHARS: usize = 250;
/// Longest param value (characters; MLflow's limit).
pub const MAX_PARAM_VALUE_CHARS: usize = 6_000;
/// Longest tag value (characters; MLflow's limit).
pub const MAX_TAG_VALUE_CHARS: usize = 8_000;
/// Longest description of an experiment or a model version (characters).
pub const MAX_DESCRIPTION_CHARS: usize = 8_000;
/// Longest provider model id of a model version (characters; providers' own ids are under 100).
pub const MAX_MODEL_ID_CHARS: usize = 250;
/// Largest content of one conversation message (bytes of UTF-8).
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// Largest system prompt of a model version (bytes of UTF-8).
pub const MAX_PROMPT_BYTES: usize = 256 * 1024;

/// Earliest accepted timestamp: 2000-01-01T00:00:00Z in milliseconds since the Unix epoch.
pub const MIN_TIMESTAMP_MS: i64 = 946_684_800_000;
/// Latest accepted timestamp: 2200-01-01T00:00:00Z in milliseconds since the Unix epoch.
pub const MAX_TIMESTAMP_MS: i64 = 7_258_118_400_000;

/// The first control character (Unicode category Cc: C0, DEL and C1) in `s`, with its character index.
pub fn first_control(s: &str) -> Option<(usize, char)> {
    s.chars().enumerate().find(|(_, c)| c.is_control())
}

/// A character as a person can read it in an error: `U+001B`.
fn code_point(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// Why `name` is not acceptable as a name or key of at most `max` characters: empty (or only spaces), too long, or
/// holding a control character.
pub fn name_problem(name: &str, max: usize) -> Option<String> {
    let chars = name.chars().count();
    if name.trim().is_empty() {
        Some("expected a non-empty name".to_string())
    } else if chars > max {
        Some(format!("expected at most {max} characters, got {chars}"))
    } else if let Some((at, c)) = first_control(name) {
        Some(format!("expected no control characters, got {} at character {}", code_point(c), at + 1))
    } else {
        None
    }
}

/// Why free text is not acceptable: longer than `max` characters.
pub fn text_problem(text: &str, max: usize) -> Option<String> {
    // Counting characters is linear; a text whose byte length is within the limit has no more characters than that.
    if text.len() <= max {
        return None;
    }
    let chars = text.chars().count();
    (chars > max).then(|| format!("expected at most {max} characters, got {chars}"))
}

/// Why free text is not acceptable: larger than `max` bytes of UTF-8.
pub fn bytes_problem(text: &str, max: usize) -> Option<String> {
    (text.len() > max).then(|| format!("expected at most {max} bytes, got {}", text.len()))
}

/// Why `ms` is not acceptable as a timestamp (milliseconds since the Unix epoch).
pub fn timestamp_problem(ms: i64) -> Option<String> {
    (!(MIN_TIMESTAMP_MS..MAX_TIMESTAMP_MS).contains(&ms)).then(|| {
        format!(
            "expected milliseconds since the Unix epoch from {MIN_TIMESTAMP_MS} (2000-01-01T00:00:00Z) to before \
             {MAX_TIMESTAMP_MS} (2200-01-01T00:00:00Z), got {ms}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_control_characters_naming_the_code_point_and_position() {
        assert_eq!(name_problem("baseline v2 — été", MAX_NAME_CHARS), None);
        let p = name_problem("ab\u{1b}[2J", MAX_NAME_CHARS).unwrap();
        assert!(p.contains("U+001B") && p.contains("character 3"), "{p}");
        for bad in ["a\nb", "a\rb", "a\tb", "bell\u{7}", "c1\u{85}", "del\u{7f}"] {
            assert!(name_problem(bad, MAX_NAME_CHARS).is_some(), "{bad:?} accepted");
        }
        assert!(name_problem("  ", MAX_NAME_CHARS).unwrap().contains("non-empty"));
    }

    #[test]
    fn limits_name_the_limit_and_the_actual_size() {
        assert_eq!(name_problem(&"é".repeat(250), 250), None);
        assert_eq!(name_problem(&"é".repeat(251), 250).unwrap(), "expected at most 250 characters, got 251");
        assert_eq!(text_problem(&"é".repeat(6_000), MAX_PARAM_VALUE_CHARS), None);
        assert_eq!(text_problem(&"x".repeat(6_001), 6_000).unwrap(), "expected at most 6000 characters, got 6001");
        assert_eq!(bytes_problem(&"x".repeat(11), 10).unwrap(), "expected at most 10 bytes, got 11");
        assert_eq!(bytes_problem("ok\n\ttext", 10), None);
    }

    #[test]
    fn timestamps_outside_2000_to_2200_are_refused() {
        // 2026-01-01T00:00:00Z, computed: 56 years of 365 days plus 14 leap days.
        assert_eq!(timestamp_problem((56 * 365 + 14) * 86_400_000), None);
        assert_eq!(timestamp_problem(MIN_TIMESTAMP_MS), None);
        assert!(timestamp_problem(MIN_TIMESTAMP_MS - 1).is_some());
        assert!(timestamp_problem(-5).unwrap().contains("got -5"));
        // Seconds mistaken for milliseconds land in January 1970.
        assert!(timestamp_problem(1_700_000_000).is_some());
        assert!(timestamp_problem(MAX_TIMESTAMP_MS).unwrap().contains("2200-01-01T00:00:00Z"));
        // Year 5138.
        assert!(timestamp_problem(99_999_999_999_999).is_some());
    }
}
