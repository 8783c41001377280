//! The published test vectors, header checks before the body, and refusals.

use super::*;

const SECRET_1: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID_1: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TS_1: i64 = 1614265330;
const BODY_1: &[u8] = br#"{"test": 2432232314}"#;
const SIG_1: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

const SECRET_2: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const ID_2: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
const TS_2: i64 = 1649367553;
const BODY_2: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
const SIG_2: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

fn verifier(secrets: &[&str]) -> Verifier {
    Verifier::new(
        secrets
            .iter()
            .map(|s| SigningKey::parse(s).unwrap())
            .collect(),
    )
}

fn check(
    v: &Verifier,
    id: &str,
    ts: &str,
    sig: &str,
    body: &[u8],
    now: i64,
) -> Result<(), VerifyError> {
    let headers = WebhookHeaders {
        id: Some(id),
        timestamp: Some(ts),
        signature: Some(sig),
    };
    v.verify(headers, body, now).map(|_| ())
}

#[test]
fn both_published_test_vectors_verify() {
    check(
        &verifier(&[SECRET_1]),
        ID_1,
        &TS_1.to_string(),
        SIG_1,
        BODY_1,
        TS_1,
    )
    .unwrap();
    check(
        &verifier(&[SECRET_2]),
        ID_2,
        &TS_2.to_string(),
        SIG_2,
        BODY_2,
        TS_2,
    )
    .unwrap();
}

#[test]
fn signing_reproduces_the_test_vectors() {
    assert_eq!(
        SigningKey::parse(SECRET_1)
            .unwrap()
            .sign(ID_1, TS_1, BODY_1),
        SIG_1
    );
    assert_eq!(
        SigningKey::parse(SECRET_2)
            .unwrap()
            .sign(ID_2, TS_2, BODY_2),
        SIG_2
    );
}

#[test]
fn malformed_signature_headers_are_refused_before_the_body() {
    let v = verifier(&[SECRET_1]);
    let ts = TS_1.to_string();
    let truncated = &SIG_1[..SIG_1.len() - 8];
    let nine = [SIG_1; 9].join(" ");
    let oversized = format!("v1,{}", "A".repeat(600));
    let cases = [
        ("empty v1,", "v1,"),
        ("bare v1", "v1"),
        ("truncated", truncated),
        (
            "wrong version only",
            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
        (
            "asymmetric version only",
            "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
        (
            "bad base64",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=!!",
        ),
        ("empty header", ""),
        ("nine entries", nine.as_str()),
        ("oversized", oversized.as_str()),
    ];
    for (name, sig) in cases {
        let headers = WebhookHeaders {
            id: Some(ID_1),
            timestamp: Some(&ts),
            signature: Some(sig),
        };
        assert_eq!(
            v.check_headers(headers, TS_1).err(),
            Some(VerifyError::InvalidSignatureHeader),
            "{name}"
        );
    }
    let eight = [SIG_1; 8].join(" ");
    check(&v, ID_1, &ts, &eight, BODY_1, TS_1).unwrap();
    let with_asymmetric = format!("v1a,{} {SIG_1}", "A".repeat(88));
    check(&v, ID_1, &ts, &with_asymmetric, BODY_1, TS_1).unwrap();
}

#[test]
fn well_formed_but_wrong_signatures_are_rejected() {
    let v = verifier(&[SECRET_1]);
    let ts = TS_1.to_string();
    assert_eq!(
        check(&v, ID_1, &ts, SIG_2, BODY_1, TS_1),
        Err(VerifyError::NoMatchingSignature),
        "other vector's signature"
    );
    assert_eq!(
        check(&verifier(&[SECRET_2]), ID_1, &ts, SIG_1, BODY_1, TS_1),
        Err(VerifyError::NoMatchingSignature),
        "wrong secret"
    );
    assert_eq!(
        check(&v, ID_1, &ts, SIG_1, br#"{"test": 2432232315}"#, TS_1),
        Err(VerifyError::NoMatchingSignature),
        "changed body"
    );
    assert_eq!(
        check(&v, "msg_other", &ts, SIG_1, BODY_1, TS_1),
        Err(VerifyError::NoMatchingSignature),
        "changed id"
    );
}

#[test]
fn header_checks_need_no_body_and_refuse_stale_or_malformed_ids() {
    let v = verifier(&[SECRET_1]);
    let ts = TS_1.to_string();
    let headers = |id| WebhookHeaders {
        id: Some(id),
        timestamp: Some(&ts),
        signature: Some(SIG_1),
    };
    let checked = v.check_headers(headers(ID_1), TS_1).unwrap();
    assert_eq!(checked.id(), ID_1);
    assert_eq!(v.verify_body(&checked, BODY_1), Ok(ID_1));
    let long = "m".repeat(256);
    for bad in [long.as_str(), "", "has space", "é"] {
        assert_eq!(
            v.check_headers(headers(bad), TS_1).err(),
            Some(VerifyError::InvalidId),
            "{bad:?}"
        );
    }
    assert_eq!(
        v.check_headers(headers(ID_1), TS_1 + 301).err(),
        Some(VerifyError::TimestampTooOld)
    );
}

#[test]
fn timestamps_outside_five_minutes_either_way_are_rejected() {
    let v = verifier(&[SECRET_1]);
    let ts = TS_1.to_string();
    assert_eq!(
        check(&v, ID_1, &ts, SIG_1, BODY_1, TS_1 + 301),
        Err(VerifyError::TimestampTooOld)
    );
    assert_eq!(
        check(&v, ID_1, &ts, SIG_1, BODY_1, TS_1 - 301),
        Err(VerifyError::TimestampInFuture)
    );
    check(&v, ID_1, &ts, SIG_1, BODY_1, TS_1 + 300).unwrap();
    check(&v, ID_1, &ts, SIG_1, BODY_1, TS_1 - 300).unwrap();
    for bad in [
        "",
        "-1614265330",
        "1614265330.0",
        "16142653300000000",
        "abc",
    ] {
        assert_eq!(
            check(&v, ID_1, bad, SIG_1, BODY_1, TS_1),
            Err(VerifyError::InvalidTimestamp),
            "{bad:?}"
        );
    }
}

#[test]
fn a_rotation_header_with_one_valid_signature_of_two_is_accepted() {
    let header = format!("v1,Zm9vYmFyYmF6Zm9vYmFyYmF6Zm9vYmFyYmF6Zm9vYmE= {SIG_1}");
    check(
        &verifier(&[SECRET_1]),
        ID_1,
        &TS_1.to_string(),
        &header,
        BODY_1,
        TS_1,
    )
    .unwrap();
    // And two configured secrets, the second one matching.
    check(
        &verifier(&[SECRET_2, SECRET_1]),
        ID_1,
        &TS_1.to_string(),
        SIG_1,
        BODY_1,
        TS_1,
    )
    .unwrap();
}

#[test]
fn missing_headers_and_secrets_are_named() {
    let v = verifier(&[SECRET_1]);
    let headers = WebhookHeaders {
        id: None,
        timestamp: Some("1"),
        signature: Some(SIG_1),
    };
    assert_eq!(
        v.verify(headers, BODY_1, TS_1),
        Err(VerifyError::MissingHeader("webhook-id"))
    );
    let none = Verifier::new(vec![]);
    assert_eq!(
        check(&none, ID_1, &TS_1.to_string(), SIG_1, BODY_1, TS_1),
        Err(VerifyError::NoSecrets)
    );
}

#[test]
fn malformed_secrets_are_refused() {
    assert_eq!(
        SigningKey::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").err(),
        Some(KeyError::MissingPrefix)
    );
    assert_eq!(
        SigningKey::parse("whsec_***").err(),
        Some(KeyError::NotBase64)
    );
    assert_eq!(
        SigningKey::parse("whsec_YWJj").err(),
        Some(KeyError::TooShort)
    );
}
