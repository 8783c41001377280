//! The CSRF token every form of the ops page carries: HMAC-SHA256 of the session under the
//! admin token, so it needs no storage, differs per session and dies with it. A POST whose
//! field does not match is refused before anything is done.

use super::session::mac;
use crate::http::admin_token::same;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The hidden form field that carries the token.
pub const FIELD: &str = "csrf";

/// The token of the session whose cookie value is `session`.
pub fn token(admin_token: &str, session: &str) -> String {
    URL_SAFE_NO_PAD.encode(mac(admin_token.as_bytes(), &[b"csrf", session.as_bytes()]))
}

/// Whether `given` is the token of `session`, compared in constant time.
pub fn verify(admin_token: &str, session: &str, given: &str) -> bool {
    same(given, &token(admin_token, session))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_belongs_to_one_session_and_one_admin_token() {
        let token_a = token("admin-token-one-1234", "100.sig");
        assert!(verify("admin-token-one-1234", "100.sig", &token_a));
        assert!(!verify("admin-token-one-1234", "101.sig", &token_a));
        assert!(!verify("admin-token-two-1234", "100.sig", &token_a));
        assert!(!verify("admin-token-one-1234", "100.sig", ""));
    }
}
