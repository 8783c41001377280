use super::*;
use sha2::Digest;
use std::collections::BTreeSet;

fn signer(realm: &str) -> TbaSigner {
    TbaSigner::new(
        realm,
        TbaCredentials {
            consumer_key: "ck-7f3a".into(),
            consumer_secret: Secret::from("c$e&c r/ét"),
            token_id: "tok-9b2c".into(),
            token_secret: Secret::from("t+k=~s"),
        },
    )
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> &'a str {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .unwrap_or_else(|| panic!("{name} missing"))
}

/// RFC 5849 §3.4.1.1, with the form body `c2&a3=2+q` given as parameters and the header's
/// realm and signature passed in too, to show they are dropped.
#[test]
fn the_rfc_5849_example_base_string_is_reproduced() {
    let url = Url::parse("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b").unwrap();
    let params = [
        ("realm", "Example"),
        ("oauth_consumer_key", "9djdj82h48djs9d2"),
        ("oauth_token", "kkk9d7dh3k39sjv7"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131201"),
        ("oauth_nonce", "7d8f3e4a"),
        ("oauth_signature", "bYT5CMsGcbgUdFHObYMEfcx6bsw="),
        ("c2", ""),
        ("a3", "2 q"),
    ];
    assert_eq!(
        normalized_parameters(&url, &params),
        "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2\
         &oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201\
         &oauth_token=kkk9d7dh3k39sjv7"
    );
    assert_eq!(
        base_string("post", &url, &params),
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q\
         %26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_\
         key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m\
         ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk\
         9d7dh3k39sjv7"
    );
}

#[test]
fn the_base_url_follows_the_rfc_examples() {
    let url = Url::parse("HTTP://EXAMPLE.COM:80/r%20v/X?id=123").unwrap();
    assert_eq!(base_url(&url), "http://example.com/r%20v/X");
    let url = Url::parse("https://www.example.net:8080/?q=1").unwrap();
    assert_eq!(base_url(&url), "https://www.example.net:8080/");
}

#[test]
fn encoding_keeps_only_unreserved_characters() {
    assert_eq!(encode("Ab0-._~"), "Ab0-._~");
    assert_eq!(encode("a b+c/d=é*"), "a%20b%2Bc%2Fd%3D%C3%A9%2A");
}

/// A second signer written from the RFC text alone: it reads the URL as sent on the wire,
/// encodes byte by byte, sorts with a `BTreeSet` and computes HMAC from SHA-256 by hand.
mod independent {
    use super::*;

    fn pct(text: &str) -> String {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (byte as char).to_string()
                }
                _ => format!("%{byte:02X}"),
            })
            .collect()
    }

    fn form_decode(text: &str) -> String {
        let bytes = text.replace('+', " ").into_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
        let mut block = [0u8; 64];
        if key.len() > 64 {
            block[..32].copy_from_slice(&sha2::Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let inner_key: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
        let outer_key: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
        let inner = sha2::Sha256::digest([inner_key.as_slice(), message].concat());
        sha2::Sha256::digest([outer_key.as_slice(), inner.as_slice()].concat()).to_vec()
    }

    pub fn signature(
        method: &str,
        wire_url: &str,
        oauth: &[(&str, &str)],
        consumer_secret: &str,
        token_secret: &str,
    ) -> String {
        let (scheme, rest) = wire_url.split_once("://").unwrap();
        let (authority, path_and_query) = rest.split_at(rest.find('/').unwrap());
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let scheme = scheme.to_lowercase();
        let authority = authority.to_lowercase();
        let authority = match (scheme.as_str(), authority.rsplit_once(':')) {
            ("http", Some((host, "80"))) | ("https", Some((host, "443"))) => host.to_owned(),
            _ => authority,
        };
        let mut params = BTreeSet::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            params.insert((pct(&form_decode(name)), pct(&form_decode(value))));
        }
        for (name, value) in oauth {
            params.insert((pct(name), pct(value)));
        }
        let normalized: Vec<String> = params
            .into_iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let base = format!(
            "{}&{}&{}",
            method,
            pct(&format!("{scheme}://{authority}{path}")),
            pct(&normalized.join("&"))
        );
        let key = format!("{}&{}", pct(consumer_secret), pct(token_secret));
        STANDARD.encode(hmac_sha256(key.as_bytes(), base.as_bytes()))
    }
}

#[test]
fn an_independent_implementation_computes_the_same_signatures() {
    let urls = [
        "https://123456-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/customer/eid:CID002",
        "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/salesOrder/647?replace=item",
        "https://123456.suitetalk.api.netsuite.com/services/rest/record/v1/customer/12?fields=companyName,email&expandSubResources=true",
        "HTTPS://Example.COM:443/p?b=2&a=1&a=0&z=%E2%9C%93",
        "http://example.com:8080/r%20v/X?id=123&plus=a+b&empty=&flag",
        "https://example.com/récord/ünï?naïve=ça va&名前=値&x=%2B%26%3D",
        "http://127.0.0.1:9999/services/rest/record/v1/inventoryItem?q=name%20IS%20%22Caf%C3%A9%22",
    ];
    let signer = signer("123456_SB1");
    for (i, raw) in urls.iter().enumerate() {
        let url = Url::parse(raw).unwrap();
        for method in ["GET", "POST", "PUT", "PATCH"] {
            let nonce = format!("nonce{i}ABCDEFGHIJKLMNOPQRSTU");
            let timestamp = 1_717_171_717 + i as u64;
            let header = signer.authorization_at(method, &url, &nonce, timestamp);
            let sent = parse_authorization(&header).unwrap();
            let timestamp = timestamp.to_string();
            let expected = independent::signature(
                method,
                url.as_str(),
                &[
                    ("oauth_consumer_key", "ck-7f3a"),
                    ("oauth_token", "tok-9b2c"),
                    ("oauth_signature_method", "HMAC-SHA256"),
                    ("oauth_timestamp", &timestamp),
                    ("oauth_nonce", &nonce),
                    ("oauth_version", "1.0"),
                ],
                "c$e&c r/ét",
                "t+k=~s",
            );
            assert_eq!(param(&sent, "oauth_signature"), expected, "{method} {raw}");
        }
    }
}

#[test]
fn the_realm_is_in_the_header_but_not_in_the_signature() {
    let url = Url::parse(
        "https://123456-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/customer",
    )
    .unwrap();
    let sandbox =
        signer("123456_SB1").authorization_at("POST", &url, "n0nceN0nceN0nceN0nce", 1_717_171_717);
    let other =
        signer("OTHER").authorization_at("POST", &url, "n0nceN0nceN0nceN0nce", 1_717_171_717);

    assert!(
        sandbox.starts_with("OAuth realm=\"123456_SB1\", "),
        "{sandbox}"
    );
    let sandbox = parse_authorization(&sandbox).unwrap();
    let other = parse_authorization(&other).unwrap();
    assert_eq!(
        param(&sandbox, "oauth_signature"),
        param(&other, "oauth_signature")
    );

    let with_realm = base_string(
        "POST",
        &url,
        &[("realm", "123456_SB1"), ("oauth_nonce", "n")],
    );
    assert_eq!(
        with_realm,
        base_string("POST", &url, &[("oauth_nonce", "n")])
    );
    assert!(!with_realm.contains("realm"));
}

#[test]
fn the_header_carries_every_protocol_parameter_in_order() {
    let url = Url::parse("https://example.com/services/rest/record/v1/customer?limit=5").unwrap();
    let header =
        signer("123456").authorization_at("GET", &url, "abcdefghijABCDEFGHIJ", 1_700_000_000);
    let names: Vec<String> = parse_authorization(&header)
        .unwrap()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        names,
        [
            "realm",
            "oauth_consumer_key",
            "oauth_token",
            "oauth_signature_method",
            "oauth_timestamp",
            "oauth_nonce",
            "oauth_version",
            "oauth_signature"
        ]
    );
    let params = parse_authorization(&header).unwrap();
    assert_eq!(param(&params, "oauth_signature_method"), "HMAC-SHA256");
    assert_eq!(param(&params, "oauth_timestamp"), "1700000000");
    assert_eq!(param(&params, "oauth_version"), "1.0");
    // The signature is base64 (`+`, `/`, `=`), so the header carries it percent-encoded.
    let raw_signature = header.rsplit("oauth_signature=\"").next().unwrap();
    assert!(!raw_signature.contains(['+', '/', '=']), "{raw_signature}");
    assert_eq!(
        STANDARD
            .decode(param(&params, "oauth_signature"))
            .unwrap()
            .len(),
        32
    );
}

#[test]
fn every_authorization_gets_a_fresh_nonce() {
    let url = Url::parse("https://example.com/services/rest/record/v1/customer").unwrap();
    let signer = signer("123456");
    let nonces: BTreeSet<String> = (0..50)
        .map(|_| {
            let params = parse_authorization(&signer.authorization("GET", &url)).unwrap();
            param(&params, "oauth_nonce").to_owned()
        })
        .collect();
    assert_eq!(nonces.len(), 50);
    assert!(
        nonces
            .iter()
            .all(|nonce| nonce.len() >= 20 && nonce.chars().all(|c| c.is_ascii_alphanumeric()))
    );
}

/// Computed once with Python's `hmac` and `urllib.parse.quote(s, safe="~")`, a third
/// implementation that shares no code with either of the above.
#[test]
fn a_known_answer_from_another_language_matches() {
    let url = Url::parse(
        "https://123456-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/customer/eid:CID002?fields=companyName,email",
    )
    .unwrap();
    let header = signer("123456_SB1").authorization_at(
        "GET",
        &url,
        "fixedNonceABCDEFGHIJ0123",
        1_717_171_717,
    );
    let params = parse_authorization(&header).unwrap();
    assert_eq!(
        param(&params, "oauth_signature"),
        "CQyHt1veUXVK6f7QJIvdsz0qQPoQkGRxPXLs2xiiUic="
    );
}
