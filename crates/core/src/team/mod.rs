//! Team server users, their roles and their API tokens. A token is 256 random bits shown once, when it is created
//! (`bam_` + 64 hex digits); the store keeps only its hex SHA-256, so neither the database nor a backup of it can
//! sign anyone in. `verify` maps a presented token to its user and role (unknown or revoked: `None`) and notes when
//! it was last used (to the minute). Roles: `viewer` reads, `editor` reads and writes, `admin` also manages users
//! and tokens.

pub mod audit;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::FromRow;

use crate::kind::ErrorKind;
use crate::store::db::Db;
use crate::util::{new_id, now_ms};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Editor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Viewer, Role::Editor, Role::Admin].into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role may call operations that change state.
    pub fn may_write(self) -> bool {
        self >= Role::Editor
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct User {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_at_ms: i64,
}

/// A token as listed: never its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct TokenInfo {
    pub id: String,
    pub user: String,
    pub role: Role,
    pub label: String,
    pub created_at_ms: i64,
    pub last_used_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

/// A token just created: its text, shown this once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewToken {
    pub info: TokenInfo,
    pub token: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("user name {0:?}: expected 1 to 64 letters, digits, '.', '_', '-' or '@'")]
    BadName(String),
    #[error("a user named {0:?} already exists")]
    UserExists(String),
    #[error("no user named {0:?}; add one with `browser-ai-mlops server user add NAME --role ROLE`")]
    UnknownUser(String),
    #[error("no token with id {0:?}; `browser-ai-mlops server token list` shows them")]
    UnknownToken(String),
    #[error("token {0} is already revoked")]
    AlreadyRevoked(String),
    #[error("cannot create a token: the system's random source failed ({0})")]
    Random(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl TeamError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            TeamError::BadName(_) => ErrorKind::Input,
            TeamError::UserExists(_) | TeamError::AlreadyRevoked(_) => ErrorKind::Conflict,
            TeamError::UnknownUser(_) | TeamError::UnknownToken(_) => ErrorKind::NotFound,
            TeamError::Random(_) | TeamError::Db(_) => ErrorKind::Failed,
        }
    }
}

type Result<T> = std::result::Result<T, TeamError>;

/// How fresh a token's recorded last use is kept (ms).
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(FromRow)]
struct TokenRow {
    id: String,
    user: String,
    role: String,
    label: String,
    created_at_ms: i64,
    last_used_at_ms: Option<i64>,
    revoked_at_ms: Option<i64>,
}

impl TokenRow {
    fn info(self) -> TokenInfo {
        TokenInfo {
            id: self.id,
            user: self.user,
            role: Role::parse(&self.role).unwrap_or(Role::Viewer),
            label: self.label,
            created_at_ms: self.created_at_ms,
            last_used_at_ms: self.last_used_at_ms,
            revoked_at_ms: self.revoked_at_ms,
        }
    }
}

const TOKEN_SELECT: &str = "SELECT t.id, u.name AS user, u.role, t.label, t.created_at_ms, t.last_used_at_ms, \
                            t.revoked_at_ms FROM api_tokens t JOIN users u ON u.id = t.user_id";

/// Users and tokens over the store (cheap to clone).
#[derive(Clone)]
pub struct Team {
    db: Db,
}

impl Team {
    /// Users and tokens in either store: the local file or the team server's PostgreSQL.
    pub fn new(db: Db) -> Team {
        Team { db }
    }

    pub async fn add_user(&self, name: &str, role: Role) -> Result<User> {
        let ok = !name.is_empty()
            && name.chars().count() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
        if !ok {
            return Err(TeamError::BadName(name.to_string()));
        }
        let now = now_ms();
        let user = User { id: new_id(), name: name.to_string(), role, created_at_ms: now };
        let inserted = crate::on_db!(&self.db, |pool| sqlx::query(
            "INSERT INTO users (id, name, role, created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&user.id)
        .bind(&user.name)
        .bind(role.as_str())
        .bind(now)
        .bind(now)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        if inserted == 0 {
            return Err(TeamError::UserExists(name.to_string()));
        }
        Ok(user)
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows: Vec<(String, String, String, i64)> = crate::on_db!(&self.db, |pool| sqlx::query_as(
            "SELECT id, name, role, created_at_ms FROM users ORDER BY name"
        )
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, role, created_at_ms)| User {
                id,
                name,
                role: Role::parse(&role).unwrap_or(Role::Viewer),
                created_at_ms,
            })
            .collect())
    }

    /// A new token for `user`; its text is returned this once and stored only as its SHA-256.
    pub async fn create_token(&self, user: &str, label: &str) -> Result<NewToken> {
        let row: Option<(String,)> =
            crate::on_db!(&self.db, |pool| sqlx::query_as("SELECT id FROM users WHERE name = $1")
                .bind(user)
                .fetch_optional(pool)
                .await)?;
        let Some((user_id,)) = row else { return Err(TeamError::UnknownUser(user.to_string())) };
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| TeamError::Random(e.to_string()))?;
        let token = format!("bam_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
        let id = new_id();
        crate::on_db!(&self.db, |pool| sqlx::query(
            "INSERT INTO api_tokens (id, user_id, label, token_sha256, created_at_ms) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(&id)
        .bind(&user_id)
        .bind(label)
        .bind(sha256_hex(&token))
        .bind(now_ms())
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        let info = self.token(&id).await?;
        Ok(NewToken { info, token })
    }

    async fn token(&self, id: &str) -> Result<TokenInfo> {
        let row: Option<TokenRow> =
            crate::on_db!(&self.db, |pool| sqlx::query_as(&format!("{TOKEN_SELECT} WHERE t.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await)?;
        row.map(TokenRow::info).ok_or_else(|| TeamError::UnknownToken(id.to_string()))
    }

    pub async fn tokens(&self) -> Result<Vec<TokenInfo>> {
        let rows: Vec<TokenRow> =
            crate::on_db!(&self.db, |pool| sqlx::query_as(&format!("{TOKEN_SELECT} ORDER BY t.created_at_ms, t.id"))
                .fetch_all(pool)
                .await)?;
        Ok(rows.into_iter().map(TokenRow::info).collect())
    }

    /// Revokes a token (by id): it signs no one in from now on.
    pub async fn revoke(&self, id: &str) -> Result<TokenInfo> {
        let current = self.token(id).await?;
        if current.revoked_at_ms.is_some() {
            return Err(TeamError::AlreadyRevoked(id.to_string()));
        }
        crate::on_db!(&self.db, |pool| sqlx::query(
            "UPDATE api_tokens SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL"
        )
        .bind(now_ms())
        .bind(id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        self.token(id).await
    }

    /// The user and role of a presented token; `None` when no live token has that text.
    pub async fn verify(&self, token: &str) -> Result<Option<(String, Role)>> {
        let row: Option<(String, String, String, Option<i64>)> = crate::on_db!(&self.db, |pool| sqlx::query_as(
            "SELECT t.id, u.name, u.role, t.last_used_at_ms FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_sha256 = $1 AND t.revoked_at_ms IS NULL",
        )
        .bind(sha256_hex(token))
        .fetch_optional(pool)
        .await)?;
        let Some((id, name, role, last_used)) = row else { return Ok(None) };
        // The last use is written at most once a minute per token, so requests do not each take the write lock;
        // best effort: a read-only store still verifies.
        let now = now_ms();
        if last_used.is_none_or(|t| now - t >= LAST_USED_RESOLUTION_MS) {
            let _ =
                crate::on_db!(&self.db, |pool| sqlx::query("UPDATE api_tokens SET last_used_at_ms = $1 WHERE id = $2")
                    .bind(now)
                    .bind(&id)
                    .execute(pool)
                    .await
                    .map(|r| r.rows_affected()));
        }
        Ok(Role::parse(&role).map(|r| (name, r)))
    }
}
