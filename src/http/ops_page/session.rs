//! The ops page's session cookie, stateless so that every instance sharing the admin token
//! accepts it: `<expiry>.<HMAC-SHA256 of the expiry>` under a key derived from the token.
//! A new admin token ends every session; logging out clears the cookie.

use crate::http::admin_token::same;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The cookie's name; it is sent only to `/ops` pages.
pub const COOKIE: &str = "tandem_ops_session";
/// How long a log-in lasts: a working day and then some.
pub const LIFETIME_SECS: i64 = 12 * 3600;

/// HMAC-SHA256 of the parts, in order, under `key`.
pub fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

fn signature(admin_token: &str, expiry: i64) -> String {
    let key = mac(admin_token.as_bytes(), &[b"tandem ops session key"]);
    URL_SAFE_NO_PAD.encode(mac(&key, &[expiry.to_string().as_bytes()]))
}

/// A new session's cookie value, valid until `now + LIFETIME_SECS` (Unix seconds).
pub fn issue(admin_token: &str, now: i64) -> String {
    let expiry = now + LIFETIME_SECS;
    format!("{expiry}.{}", signature(admin_token, expiry))
}

/// Whether `value` is a session this admin token issued and that has not expired.
pub fn verify(admin_token: &str, value: &str, now: i64) -> bool {
    let Some((expiry, given)) = value.split_once('.') else {
        return false;
    };
    let Ok(expiry) = expiry.parse::<i64>() else {
        return false;
    };
    let genuine = same(given, &signature(admin_token, expiry));
    genuine && expiry > now
}

/// The value of the session cookie among a request's `Cookie` headers.
pub fn from_cookies<'a>(headers: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    headers
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// `Set-Cookie` for a new session: HttpOnly (no script reads it), SameSite=Strict (no other
/// site's page sends it), `Secure` when the page was reached over HTTPS.
pub fn set_cookie(value: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE}={value}; Path=/ops; Max-Age={LIFETIME_SECS}; HttpOnly; SameSite=Strict{secure}"
    )
}

/// `Set-Cookie` that ends the session in the browser.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/ops; Max-Age=0; HttpOnly; SameSite=Strict")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef-admin";

    #[test]
    fn a_session_holds_until_it_expires_and_only_under_the_token_that_issued_it() {
        let value = issue(TOKEN, 1_000);
        assert!(verify(TOKEN, &value, 1_000));
        assert!(verify(TOKEN, &value, 1_000 + LIFETIME_SECS - 1));
        assert!(!verify(TOKEN, &value, 1_000 + LIFETIME_SECS));
        assert!(!verify("another-admin-token-entirely", &value, 1_000));
    }

    #[test]
    fn a_forged_or_stretched_session_is_refused() {
        let value = issue(TOKEN, 1_000);
        let (_, signature) = value.split_once('.').unwrap();
        let stretched = format!("{}.{signature}", 1_000 + 10 * LIFETIME_SECS);
        assert!(!verify(TOKEN, &stretched, 2_000));
        for forged in ["", "abc", "99999999999.", ".xyz", "x.y"] {
            assert!(!verify(TOKEN, forged, 0), "{forged:?}");
        }
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let headers = ["a=1; tandem_ops_session=42.sig; b=2", "c=3"];
        assert_eq!(from_cookies(headers.into_iter()), Some("42.sig"));
        assert_eq!(from_cookies(["a=1"].into_iter()), None);
    }

    #[test]
    fn the_cookie_is_http_only_and_same_site_strict() {
        let cookie = set_cookie("v", false);
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        assert!(!cookie.contains("Secure"));
        assert!(set_cookie("v", true).ends_with("; Secure"));
        assert!(clear_cookie().contains("Max-Age=0"));
    }
}
