//! Parsing `send_keys` strings ("Enter", "Tab", "Control+a", "Shift+Tab Enter") into key presses with CDP key codes,
//! looked up in chromiumoxide's US keyboard layout table.

use chromiumoxide::keys::USKEYBOARD_LAYOUT;

/// One key with the fields `Input.dispatchKeyEvent` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    pub key: String,
    pub code: String,
    pub key_code: i64,
    pub text: Option<String>,
}

/// Modifier keys and their CDP bit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Modifier {
    pub key: Key,
    pub bit: i64,
}

/// One chord: modifiers held while `key` is pressed, and editing commands Chromium should run for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chord {
    pub modifiers: Vec<Modifier>,
    pub key: Key,
    pub commands: Vec<String>,
}

impl Chord {
    #[cfg(test)]
    pub fn modifier_bits(&self) -> i64 {
        self.modifiers.iter().fold(0, |acc, m| acc | m.bit)
    }
}

fn alias(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let canon = match lower.as_str() {
        "ctrl" | "control" => "Control",
        "shift" => "Shift",
        "alt" | "option" => "Alt",
        "meta" | "cmd" | "command" | "super" => "Meta",
        "enter" | "return" => "Enter",
        "esc" | "escape" => "Escape",
        "space" | "spacebar" => " ",
        "tab" => "Tab",
        "backspace" => "Backspace",
        "delete" | "del" => "Delete",
        "up" | "arrowup" => "ArrowUp",
        "down" | "arrowdown" => "ArrowDown",
        "left" | "arrowleft" => "ArrowLeft",
        "right" | "arrowright" => "ArrowRight",
        "pageup" => "PageUp",
        "pagedown" => "PageDown",
        "home" => "Home",
        "end" => "End",
        "insert" => "Insert",
        _ => return name.to_string(),
    };
    canon.to_string()
}

fn lookup(name: &str) -> Option<Key> {
    let wanted = alias(name);
    let mut candidates = USKEYBOARD_LAYOUT.iter().filter(|d| d.key == wanted);
    let first = candidates.clone().next();
    let best = candidates.find(|d| !d.code.starts_with("Numpad") && !d.code.ends_with("Right")).or(first);
    let def = match best {
        Some(d) => d,
        None => USKEYBOARD_LAYOUT.iter().find(|d| d.key.eq_ignore_ascii_case(&wanted) && d.key.len() > 1)?,
    };
    let text = match def.text {
        Some(t) => Some(t.to_string()),
        None if def.key.chars().count() == 1 => Some(def.key.to_string()),
        None => None,
    };
    Some(Key { key: def.key.to_string(), code: def.code.to_string(), key_code: def.key_code, text })
}

fn modifier_bit(key: &str) -> Option<i64> {
    match key {
        "Alt" => Some(1),
        "Control" => Some(2),
        "Meta" => Some(4),
        "Shift" => Some(8),
        _ => None,
    }
}

fn parse_chord(chord: &str) -> Result<Chord, String> {
    let parts: Vec<&str> = if chord == "+" { vec!["+"] } else { chord.split('+').collect() };
    let (last, mods) = parts.split_last().ok_or_else(|| format!("empty key in {chord:?}"))?;
    if last.is_empty() {
        return Err(format!("{chord:?} ends with '+' but names no key"));
    }
    let mut modifiers = Vec::new();
    for m in mods {
        let key = lookup(m).ok_or_else(|| format!("unknown modifier {m:?} in {chord:?}"))?;
        let bit = modifier_bit(&key.key)
            .ok_or_else(|| format!("{m:?} in {chord:?} is not a modifier (Control, Shift, Alt or Meta)"))?;
        modifiers.push(Modifier { key, bit });
    }
    let mut key = lookup(last).ok_or_else(|| {
        format!("unknown key {last:?}; use a character or a name like Enter, Tab, Escape, Backspace, ArrowDown, Space")
    })?;
    let bits = modifiers.iter().fold(0, |acc, m| acc | m.bit);
    if bits & !8 != 0 {
        // With Control/Alt/Meta held a key types nothing.
        key.text = None;
    } else if bits == 8
        && let Some(t) = &key.text
        && t.len() == 1
    {
        key.text = Some(t.to_ascii_uppercase());
    }
    let mut commands = Vec::new();
    if bits == 2 || bits == 4 {
        let cmd = match key.key.to_ascii_lowercase().as_str() {
            "a" => Some("selectAll"),
            "c" => Some("copy"),
            "x" => Some("cut"),
            "v" => Some("paste"),
            "z" => Some("undo"),
            _ => None,
        };
        commands.extend(cmd.map(String::from));
    }
    Ok(Chord { modifiers, key, commands })
}

/// Parses a whitespace-separated sequence of chords.
pub(crate) fn parse_keys(spec: &str) -> Result<Vec<Chord>, String> {
    let chords: Vec<&str> = spec.split_whitespace().collect();
    if chords.is_empty() {
        return Err("keys is empty; give a key like \"Enter\" or a chord like \"Control+a\"".into());
    }
    chords.into_iter().map(parse_chord).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_keys_and_chords() {
        let c = parse_keys("Enter").unwrap();
        assert_eq!(c[0].key.key, "Enter");
        assert_eq!(c[0].key.key_code, 13);
        assert_eq!(c[0].key.text.as_deref(), Some("\r"));

        let c = parse_keys("ctrl+a shift+Tab esc").unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].modifier_bits(), 2);
        assert_eq!(c[0].key.text, None, "Control+a types nothing");
        assert_eq!(c[0].commands, vec!["selectAll".to_string()]);
        assert_eq!(c[1].modifier_bits(), 8);
        assert_eq!(c[1].key.key, "Tab");
        assert_eq!(c[2].key.key, "Escape");
    }

    #[test]
    fn arrow_keys_are_not_the_numpad_variant() {
        let c = parse_keys("ArrowDown").unwrap();
        assert_eq!(c[0].key.code, "ArrowDown");
    }

    #[test]
    fn bad_keys_are_named() {
        assert!(parse_keys("Frobnicate").unwrap_err().contains("\"Frobnicate\""));
        assert!(parse_keys("a+Enter").unwrap_err().contains("not a modifier"));
        assert!(parse_keys("  ").unwrap_err().contains("empty"));
    }
}
