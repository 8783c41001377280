//! The dead-letter forms of the ops page against the real binary, as a browser posts them:
//! replay with edited fields, an edit that is not JSON (refused, nothing done), discard, and
//! discarding every open letter a filter matches.

use crate::forms::Operator;
use crate::helpers::{RunningBinary, write_config};
use chrono::Utc;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use serde_json::json;
use tandem::domain::{ChangeEvent, ChangeKind, System};
use tandem::store::NewDeadLetter;

const TOKEN: &str = "actions-admin-token-2c4a77";

fn letter(record: &str, code: &str) -> NewDeadLetter {
    NewDeadLetter {
        event: ChangeEvent {
            id: format!("actions-{record}"),
            source: System::Netsuite,
            object: "customer".into(),
            record_id: record.into(),
            change: ChangeKind::Updated,
            version: Some(Utc::now()),
            modified_by: Some("42".into()),
            origin: None,
            execution_context: Some("userinterface".into()),
            role: Some("3".into()),
            fields: json!({ "companyname": "Bad & Co", "email": "not an address" })
                .as_object()
                .unwrap()
                .clone(),
            received_at: Utc::now(),
            attempt: 1,
        },
        reason: format!("{code}: refused"),
        error_code: Some(code.into()),
        attempts: 1,
    }
}

/// The binary on a store that already holds dead letters of records 501–504.
async fn start() -> (RunningBinary, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    let store = tandem::store::open(&url).await.unwrap();
    for (record, code) in [
        ("501", "INVALID_FLD_VALUE"),
        ("502", "INVALID_FLD_VALUE"),
        ("503", "INVALID_FLD_VALUE"),
        ("504", "USER_ERROR"),
    ] {
        store.add_dead_letter(letter(record, code)).await.unwrap();
    }
    drop(store);
    let tandem = RunningBinary::start(&config, &[("TANDEM_SERVER__ADMIN_TOKEN", TOKEN)]).await;
    (tandem, dir)
}

#[tokio::test]
async fn a_dead_letter_is_replayed_with_edited_fields_and_an_edit_that_is_not_json_does_nothing() {
    let (tandem, _dir) = start().await;
    let operator = Operator::log_in(&tandem, TOKEN).await;
    let page = operator
        .http
        .get(tandem.url("/ops/dead-letters/1"))
        .header(COOKIE, &operator.cookie)
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("INVALID_FLD_VALUE") && html.contains("not an address"),
        "{html}"
    );
    assert!(
        html.contains(r#"name="payload""#),
        "the edit form holds the fields"
    );

    let refused = operator
        .post(
            &tandem,
            "/ops/dead-letters/1/replay",
            &[("payload", "{\"email\": ")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("nothing was replayed")
    );
    assert_eq!(operator.letter(&tandem, TOKEN, 1).await["status"], "open");

    let edited = r#"{"companyname": "Bad & Co", "email": "ap@bad.example"}"#;
    let replayed = operator
        .post(
            &tandem,
            "/ops/dead-letters/1/replay",
            &[("payload", edited)],
        )
        .await;
    assert_eq!(replayed.status(), StatusCode::SEE_OTHER);
    let location = replayed.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/ops/dead-letters/1?notice="),
        "{location}"
    );
    let letter = operator.letter(&tandem, TOKEN, 1).await;
    assert_eq!(letter["status"], "replayed");
    assert_eq!(letter["edited_event"]["fields"]["email"], "ap@bad.example");
    assert_eq!(
        letter["event"]["fields"]["email"], "not an address",
        "kept as received"
    );

    let again = operator
        .post(&tandem, "/ops/dead-letters/1/replay", &[])
        .await;
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "only open letters move"
    );
}

#[tokio::test]
async fn one_letter_is_discarded_and_then_every_open_one_a_filter_matches() {
    let (tandem, _dir) = start().await;
    let operator = Operator::log_in(&tandem, TOKEN).await;
    let discarded = operator
        .post(&tandem, "/ops/dead-letters/4/discard", &[])
        .await;
    assert_eq!(discarded.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        operator.letter(&tandem, TOKEN, 4).await["status"],
        "discarded"
    );

    let listing = operator
        .http
        .get(tandem.url("/ops/dead-letters?error_code=INVALID_FLD_VALUE&record=&flow="))
        .header(COOKIE, &operator.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(listing.contains("3 match"), "{listing}");
    let bulk = operator
        .post(
            &tandem,
            "/ops/dead-letters/discard",
            &[("error_code", "INVALID_FLD_VALUE"), ("record", "")],
        )
        .await;
    assert_eq!(bulk.status(), StatusCode::SEE_OTHER);
    let location = bulk.headers()[LOCATION].to_str().unwrap();
    assert!(location.contains("Discarded+3+of+the+3"), "{location}");
    for id in 1..=3 {
        assert_eq!(
            operator.letter(&tandem, TOKEN, id).await["status"],
            "discarded",
            "letter {id}"
        );
    }
}
