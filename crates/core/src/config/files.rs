//! The config directory: one `NAME.yaml` per environment, seeded with the embedded defaults when it has none,
//! and atomic writes (temp file in the same directory, then rename). Reads never write: a directory that holds no
//! config yet reads as the embedded defaults, and only a change (or the CLI, on its user's first use) seeds it.

use std::path::{Path, PathBuf};

use super::ConfigError;

/// The defaults a fresh config dir is seeded with, embedded in the binary.
pub const DEFAULTS: [(&str, &str); 3] = [
    ("development", include_str!("../../../../config/development.yaml")),
    ("staging", include_str!("../../../../config/staging.yaml")),
    ("production", include_str!("../../../../config/production.yaml")),
];

/// Environment names: `[a-z0-9][a-z0-9_-]*`.
pub fn check_env_name(name: &str) -> Result<(), ConfigError> {
    let ok = name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Invalid(format!(
            "environment name {name:?} is not valid: use lowercase letters, digits, _ and - (starting with a letter or digit)"
        )))
    }
}

pub fn env_path(dir: &Path, env: &str) -> PathBuf {
    dir.join(format!("{env}.yaml"))
}

fn io(path: &Path, source: std::io::Error) -> ConfigError {
    ConfigError::Io { path: path.to_path_buf(), source }
}

/// Whether `dir` holds any `*.yaml` (else it reads as the embedded defaults).
fn seeded(dir: &Path) -> Result<bool, ConfigError> {
    match std::fs::read_dir(dir) {
        Ok(entries) => Ok(entries.filter_map(|e| e.ok()).any(|e| e.path().extension().is_some_and(|x| x == "yaml"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io(dir, e)),
    }
}

/// Environment names present in `dir`, sorted; files whose names are not valid environment names are ignored. A
/// directory with no config yet lists the embedded defaults.
pub fn list(dir: &Path) -> Result<Vec<String>, ConfigError> {
    if !seeded(dir)? {
        let mut names: Vec<String> = DEFAULTS.iter().map(|(name, _)| name.to_string()).collect();
        names.sort();
        return Ok(names);
    }
    let entries = std::fs::read_dir(dir).map_err(|e| io(dir, e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io(dir, e))?;
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str().and_then(|n| n.strip_suffix(".yaml")) else { continue };
        if check_env_name(name).is_ok() && entry.path().is_file() {
            names.push(name.to_string());
        }
    }
    names.sort();
    Ok(names)
}

/// Seed `dir` with the embedded defaults when it does not exist or holds no `*.yaml`; returns the names written.
pub fn ensure_seeded(dir: &Path) -> Result<Vec<String>, ConfigError> {
    if seeded(dir)? {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut written = Vec::new();
    for (name, text) in DEFAULTS {
        write_atomic(&env_path(dir, name), text)?;
        written.push(name.to_string());
    }
    Ok(written)
}

/// The path and text of environment `env`, or NotFound naming the environments that exist. In a directory with no
/// config yet, the embedded default of that name (at the path it would be seeded to).
pub fn read(dir: &Path, env: &str) -> Result<(PathBuf, String), ConfigError> {
    check_env_name(env)?;
    let path = env_path(dir, env);
    if !seeded(dir)? {
        return match DEFAULTS.iter().find(|(name, _)| *name == env) {
            Some((_, text)) => Ok((path, text.to_string())),
            None => {
                Err(ConfigError::UnknownEnv { env: env.to_string(), dir: dir.to_path_buf(), available: list(dir)? })
            }
        };
    }
    match std::fs::read(&path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok((path, text)),
            Err(e) => Err(not_utf8(path, e.as_bytes(), e.utf8_error().valid_up_to())),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(ConfigError::UnknownEnv { env: env.to_string(), dir: dir.to_path_buf(), available: list(dir)? })
        }
        Err(e) => Err(io(&path, e)),
    }
}

/// The error for a file whose bytes stop being UTF-8 at `offset`: line and column (in characters) of that byte.
fn not_utf8(path: PathBuf, bytes: &[u8], offset: usize) -> ConfigError {
    let before = &bytes[..offset];
    let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    // Everything before `offset` is valid UTF-8, so the column counts characters.
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    ConfigError::NotUtf8 { path, offset, byte: bytes[offset], line, column }
}

/// Write `text` to `path` atomically: a temp file in the same directory, flushed, then renamed over the target.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), ConfigError> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("config");
    let tmp = dir.join(format!(".{name}.{}.{}.tmp", std::process::id(), crate::util::new_id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(path, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_are_restricted() {
        for ok in ["development", "prod-eu", "qa_2", "9x"] {
            assert!(check_env_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Prod", "-x", "a b", "../etc", "x.y"] {
            assert!(check_env_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_of_an_unseeded_dir_see_the_defaults_and_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("cfg");
        assert_eq!(list(&cfg).unwrap(), vec!["development", "production", "staging"]);
        let (path, text) = read(&cfg, "staging").unwrap();
        assert_eq!((path, text.as_str()), (env_path(&cfg, "staging"), DEFAULTS[1].1));
        assert!(matches!(read(&cfg, "qa"), Err(ConfigError::UnknownEnv { .. })));
        assert!(!cfg.exists(), "a read created the config dir");
        std::fs::create_dir(&cfg).unwrap();
        list(&cfg).unwrap();
        read(&cfg, "development").unwrap();
        assert_eq!(std::fs::read_dir(&cfg).unwrap().count(), 0, "a read wrote into the config dir");
    }

    #[test]
    fn seeding_only_happens_without_yaml() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("cfg");
        assert_eq!(ensure_seeded(&cfg).unwrap().len(), 3);
        assert_eq!(list(&cfg).unwrap(), vec!["development", "production", "staging"]);
        std::fs::remove_file(env_path(&cfg, "staging")).unwrap();
        assert!(ensure_seeded(&cfg).unwrap().is_empty());
        assert_eq!(list(&cfg).unwrap().len(), 2);
        let leftovers = std::fs::read_dir(&cfg)
            .unwrap()
            .filter(|e| e.as_ref().map(|e| e.file_name().to_string_lossy().ends_with(".tmp")).unwrap_or(false));
        assert_eq!(leftovers.count(), 0);
    }

    #[test]
    fn a_file_that_is_not_utf8_names_the_byte_offset_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        // "llm:\n  model: é" then a lone 0xFF: the bad byte is at offset 16, line 2, column 11 (é is one character).
        let mut bytes = b"llm:\n  model: \xC3\xA9".to_vec();
        bytes.extend_from_slice(b"\xFFx\n");
        std::fs::write(env_path(dir.path(), "dev"), &bytes).unwrap();
        let err = read(dir.path(), "dev").unwrap_err();
        match &err {
            ConfigError::NotUtf8 { offset, byte, line, column, .. } => {
                assert_eq!((*offset, *byte, *line, *column), (16, 0xFF, 2, 11));
            }
            other => panic!("{other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains("dev.yaml:2:11") && msg.contains("byte offset 16") && msg.contains("0xFF"), "{msg}");
        assert_eq!(err.kind(), crate::kind::ErrorKind::Input);
    }
}
