//! Bearer-token checks for the server. The token is kept only as its SHA-256 digest; a presented token is hashed and
//! the two digests are compared in constant time (`subtle`), so neither the token nor its length leaks through timing.

use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::errors::ApiError;

/// Shortest token `serve` accepts (a guessable token is no protection).
pub const MIN_TOKEN_LEN: usize = 16;

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

    /// Check the request's `Authorization: Bearer …` header for a route with `access`.
    pub fn check(&self, headers: &HeaderMap, access: Access) -> Result<(), ApiError> {
        let Some(expected) = &self.digest else { return Ok(()) };
        if !self.required(access) {
            return Ok(());
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
        if bool::from(digest(presented).ct_eq(expected)) {
            Ok(())
        } else {
            Err(ApiError::unauthorized("invalid bearer token"))
        }
    }
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
        assert!(auth.check(&with_auth("Bearer 0123456789abcdeX"), Access::Mutating).is_err());
        assert!(auth.check(&with_auth("Basic 0123456789abcdef"), Access::Mutating).is_err());
        assert!(auth.check(&with_auth("Bearer 0123456789abcdef"), Access::Mutating).is_ok());
        let private = Auth::new(Some("0123456789abcdef"), false);
        assert!(private.check(&HeaderMap::new(), Access::Read).is_err());
        assert!(!format!("{private:?}").contains("0123456789abcdef"));
    }
}
