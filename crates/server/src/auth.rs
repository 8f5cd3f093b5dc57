//! Bearer-token checks for the server. The token is kept only as its SHA-256 digest; a presented token is hashed and
//! the two digests are compared in constant time (`subtle`), so neither the token nor its length leaks through timing.

use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::errors::ApiError;

/// Shortest token `serve` accepts (a guessable token is no protection).
pub const MIN_TOKEN_LEN: usize = 32;
/// Fewest distinct characters a token must use (`openssl rand -hex 32` uses all 16 hex digits almost surely).
pub const MIN_DISTINCT_CHARS: usize = 8;

/// Why a token is refused: the rule `serve` documents (at least `MIN_TOKEN_LEN` characters, no whitespace or
/// control characters, at least `MIN_DISTINCT_CHARS` different characters, and not one shorter piece repeated).
pub fn weakness(token: &str) -> Option<String> {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() < MIN_TOKEN_LEN {
        return Some(format!("it has {} characters, fewer than {MIN_TOKEN_LEN}", chars.len()));
    }
    if chars.iter().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains whitespace or control characters".to_string());
    }
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < MIN_DISTINCT_CHARS {
        return Some(format!("it uses only {} different characters, fewer than {MIN_DISTINCT_CHARS}", distinct.len()));
    }
    let repeated = (1..=chars.len() / 2)
        .filter(|period| chars.len().is_multiple_of(*period))
        .find(|&period| chars.chunks(period).all(|chunk| chunk == &chars[..period]));
    if let Some(period) = repeated {
        return Some(format!("it is the same {period} characters repeated"));
    }
    None
}

/// Whether a route changes state (always needs the token) or only reads (needs it unless `--public-read`): the
/// operation table's own classification.
pub use browser_ai_mlops_core::api::Access;

/// Who may call what.
#[derive(Clone)]
pub struct Auth {
    /// SHA-256 of the configured token; `None` only with `--no-auth` on a loopback address.
    digest: Option<[u8; 32]>,
    public_read: bool,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("token", &self.digest.map(|_| "<sha256>"))
            .field("public_read", &self.public_read)
            .finish()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Auth {
    /// Hash `token` (the caller drops the plain text); `None` disables checks.
    pub fn new(token: Option<&str>, public_read: bool) -> Auth {
        Auth { digest: token.map(digest), public_read }
    }

    pub fn enabled(&self) -> bool {
        self.digest.is_some()
    }

    pub fn public_read(&self) -> bool {
        self.public_read
    }

    /// Whether a route with this access needs a token under this configuration.
    pub fn required(&self, access: Access) -> bool {
        self.digest.is_some() && (access == Access::Mutating || !self.public_read)
    }

    /// Check the request's `Authorization: Bearer …` header for a route with `access`: `Ok(None)` when it may
    /// go on (no token needed, or the server's own token), `Ok(Some(token))` when the presented token is not the
    /// server's and must be looked up among the users' tokens (`team`).
    pub fn check(&self, headers: &HeaderMap, access: Access) -> Result<Option<String>, ApiError> {
        let Some(expected) = &self.digest else { return Ok(None) };
        if !self.required(access) {
            return Ok(None);
        }
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::unauthorized(
                "missing bearer token: send the header `Authorization: Bearer <token>`",
            ));
        };
        let presented = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| ApiError::unauthorized("the Authorization header must be `Bearer <token>`"))?;
        if bool::from(digest(presented).ct_eq(expected)) { Ok(None) } else { Ok(Some(presented.to_string())) }
    }
}

/// The whole check for one request: the server's own token, else a user's token (`team`), whose role must allow
/// the access: 401 for a missing, unknown or revoked token, 403 for a viewer's token on an operation that changes
/// state. Returns the team user the request is signed in as, with their role (`None` for the server's own token or
/// no auth).
pub async fn authorize(
    core: &browser_ai_mlops_core::Core,
    auth: &Auth,
    headers: &HeaderMap,
    access: Access,
) -> Result<Option<(String, browser_ai_mlops_core::team::Role)>, ApiError> {
    let Some(presented) = auth.check(headers, access)? else { return Ok(None) };
    let db = core.open_team_db().await.map_err(|e| ApiError::from(browser_ai_mlops_core::Error::from(e)))?;
    let team = browser_ai_mlops_core::team::Team::new(db);
    let found = team.verify(&presented).await.map_err(|e| ApiError::from(browser_ai_mlops_core::Error::from(e)))?;
    let Some((user, role)) = found else { return Err(ApiError::unauthorized("invalid bearer token")) };
    if access == Access::Mutating && !role.may_write() {
        return Err(ApiError::forbidden(format!(
            "user {user} has the role {}: it may read, not change anything",
            role.as_str()
        )));
    }
    Ok(Some((user, role)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_auth(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn token_is_checked_per_access_level() {
        let auth = Auth::new(Some("0123456789abcdef"), true);
        assert!(auth.check(&HeaderMap::new(), Access::Read).is_ok(), "public read");
        assert!(auth.check(&HeaderMap::new(), Access::Mutating).is_err());
        // Another token is not the server's: it is handed on to be looked up among the users' tokens.
        let other = auth.check(&with_auth("Bearer 0123456789abcdeX"), Access::Mutating).unwrap();
        assert_eq!(other.as_deref(), Some("0123456789abcdeX"));
        assert!(auth.check(&with_auth("Basic 0123456789abcdef"), Access::Mutating).is_err());
        assert_eq!(auth.check(&with_auth("Bearer 0123456789abcdef"), Access::Mutating).unwrap(), None);
        let private = Auth::new(Some("0123456789abcdef"), false);
        assert!(private.check(&HeaderMap::new(), Access::Read).is_err());
        assert!(!format!("{private:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn weak_tokens_are_named_and_random_ones_pass() {
        assert!(weakness("0123456789abcdef").unwrap().contains("fewer than 32"));
        assert!(weakness(&"a".repeat(64)).unwrap().contains("different characters"));
        assert!(weakness(&"0123456789abcdef".repeat(2)).unwrap().contains("repeated"));
        assert!(weakness(&"abcdefghi".repeat(4)).unwrap().contains("9 characters repeated"));
        assert!(weakness("0123456789abcdef 0123456789abcdef").unwrap().contains("whitespace"));
        assert_eq!(weakness("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"), None);
        assert_eq!(weakness("test-token-0123456789abcdef-canary"), None);
    }
}
