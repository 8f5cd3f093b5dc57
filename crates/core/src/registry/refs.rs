//! Version references, accepted everywhere a version is named: the version's UUID, `NAME:N` (version N),
//! `NAME@ALIAS` (what the alias points at) and `NAME` alone (the highest version number).

use sqlx::SqliteConnection;

use super::{ModelVersion, RegistryError, rows};

/// A parsed version reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRef {
    /// A version id (a UUID); if no version has it, it is tried as a model name.
    Id(String),
    Number {
        model: String,
        version: i64,
    },
    Alias {
        model: String,
        alias: String,
    },
    Latest {
        model: String,
    },
}

impl VersionRef {
    pub fn parse(s: &str) -> Result<VersionRef, RegistryError> {
        let invalid =
            |detail: &str| RegistryError::InvalidReference { reference: s.to_string(), detail: detail.into() };
        let s = s.trim();
        if s.is_empty() {
            return Err(invalid("it is empty"));
        }
        if let Some((model, alias)) = s.split_once('@') {
            if model.is_empty() || alias.is_empty() {
                return Err(invalid("expected NAME@ALIAS with both parts non-empty"));
            }
            return Ok(VersionRef::Alias { model: model.to_string(), alias: alias.to_string() });
        }
        if let Some((model, n)) = s.rsplit_once(':') {
            let version = n.parse::<i64>().ok().filter(|v| *v >= 1);
            return match version {
                Some(version) if !model.is_empty() => Ok(VersionRef::Number { model: model.to_string(), version }),
                _ => Err(invalid("expected NAME:N with N a version number (1, 2, 3…)")),
            };
        }
        if uuid::Uuid::parse_str(s).is_ok() {
            return Ok(VersionRef::Id(s.to_string()));
        }
        Ok(VersionRef::Latest { model: s.to_string() })
    }
}

/// Resolve a reference to its version, or a NotFound error that names the reference and says what is missing.
pub async fn resolve(conn: &mut SqliteConnection, reference: &str) -> Result<ModelVersion, RegistryError> {
    let not_found = |detail: String| RegistryError::VersionNotFound { reference: reference.to_string(), detail };
    let parsed = VersionRef::parse(reference)?;
    let model_named = async |conn: &mut SqliteConnection, name: &str| {
        rows::model_by_name(conn, name).await?.ok_or_else(|| not_found(format!("no model named {name:?}")))
    };
    match parsed {
        VersionRef::Id(id) => {
            if let Some(v) = rows::version_by_id(conn, &id).await? {
                return Ok(v);
            }
            match rows::model_by_name(conn, &id).await? {
                Some(m) => latest(conn, &m.id, &m.name, reference).await,
                None => Err(not_found(format!("no version with id {id}"))),
            }
        }
        VersionRef::Number { model, version } => {
            let m = model_named(conn, &model).await?;
            match rows::version_by_number(conn, &m.id, version).await? {
                Some(v) => Ok(v),
                None => {
                    let have = match rows::latest_number(conn, &m.id).await? {
                        Some(n) => format!("it has versions 1 to {n}"),
                        None => "it has no versions yet".to_string(),
                    };
                    Err(not_found(format!("model {model:?} has no version {version} ({have})")))
                }
            }
        }
        VersionRef::Alias { model, alias } => {
            let m = model_named(conn, &model).await?;
            let aliases = rows::aliases_of(conn, &m.id).await?;
            match aliases.iter().find(|a| a.alias == alias) {
                Some(a) => rows::version_by_id(conn, &a.version_id)
                    .await?
                    .ok_or_else(|| not_found(format!("alias {alias:?} points at a missing version"))),
                None => {
                    let names = aliases.iter().map(|a| a.alias.as_str()).collect::<Vec<_>>();
                    let have = if names.is_empty() { "it has none".to_string() } else { names.join(", ") };
                    Err(not_found(format!("model {model:?} has no alias {alias:?} (aliases: {have})")))
                }
            }
        }
        VersionRef::Latest { model } => {
            let m = model_named(conn, &model).await?;
            latest(conn, &m.id, &m.name, reference).await
        }
    }
}

async fn latest(
    conn: &mut SqliteConnection,
    model_id: &str,
    name: &str,
    reference: &str,
) -> Result<ModelVersion, RegistryError> {
    let missing = || RegistryError::VersionNotFound {
        reference: reference.to_string(),
        detail: format!("model {name:?} has no versions yet"),
    };
    let n = rows::latest_number(conn, model_id).await?.ok_or_else(missing)?;
    rows::version_by_number(conn, model_id, n).await?.ok_or_else(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_by_shape() {
        assert_eq!(VersionRef::parse("agent:3").unwrap(), VersionRef::Number { model: "agent".into(), version: 3 });
        assert_eq!(
            VersionRef::parse("agent@production").unwrap(),
            VersionRef::Alias { model: "agent".into(), alias: "production".into() }
        );
        assert_eq!(VersionRef::parse("agent").unwrap(), VersionRef::Latest { model: "agent".into() });
        let id = "0199a0b2-7c3e-7d41-9a51-3f1f6d2b8c00";
        assert_eq!(VersionRef::parse(id).unwrap(), VersionRef::Id(id.into()));
    }

    #[test]
    fn malformed_references_name_themselves() {
        for bad in ["agent:0", "agent:x", ":2", "@prod", "agent@", "  "] {
            let err = VersionRef::parse(bad).unwrap_err();
            assert!(matches!(err, RegistryError::InvalidReference { .. }), "{bad}: {err:?}");
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
    }
}
