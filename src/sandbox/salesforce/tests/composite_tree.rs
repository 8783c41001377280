//! `POST /composite/tree/{Object}`: a parent with nested children saved together, or nothing.

use super::{Org, answer};
use serde_json::json;

#[tokio::test]
async fn a_tree_creates_parents_and_their_children_linked() {
    let org = Org::start().await;
    let tree = json!({"records": [{
        "attributes": {"type": "Account", "referenceId": "ref1"},
        "Name": "Tree Top",
        "Contacts": {"records": [
            {"attributes": {"type": "Contact", "referenceId": "ref2"}, "LastName": "Leaf", "Email": "leaf@tree.example"},
            {"attributes": {"type": "Contact", "referenceId": "ref3"}, "LastName": "Twig"},
        ]},
    }]});
    let (status, body) = answer(org.post(&org.api("/composite/tree/Account/"), &tree).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["hasErrors"], false);
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["referenceId"], "ref1");
    let account = results[0]["id"].as_str().unwrap();
    let contacts = org
        .query(&format!(
            "SELECT LastName FROM Contact WHERE AccountId = '{account}' ORDER BY LastName"
        ))
        .await;
    assert_eq!(contacts["totalSize"], 2);
    assert_eq!(contacts["records"][0]["LastName"], "Leaf");
}

#[tokio::test]
async fn a_failing_child_saves_nothing_and_names_its_reference() {
    let org = Org::start().await;
    let tree = json!({"records": [{
        "attributes": {"type": "Account", "referenceId": "top"},
        "Name": "Doomed Tree",
        "Contacts": {"records": [{"attributes": {"type": "Contact", "referenceId": "bad"}, "FirstName": "No"}]},
    }]});
    let (status, body) = answer(org.post(&org.api("/composite/tree/Account"), &tree).await).await;
    assert_eq!(status, 400);
    assert_eq!(body["hasErrors"], true);
    assert_eq!(body["results"][0]["referenceId"], "bad");
    assert_eq!(
        body["results"][0]["errors"][0]["statusCode"],
        "REQUIRED_FIELD_MISSING"
    );
    let found = org
        .query("SELECT Id FROM Account WHERE Name = 'Doomed Tree'")
        .await;
    assert_eq!(found["totalSize"], 0);
}

#[tokio::test]
async fn duplicate_or_missing_reference_ids_and_wrong_types_are_refused() {
    let org = Org::start().await;
    let url = org.api("/composite/tree/Account");
    let duplicate = json!({"records": [
        {"attributes": {"type": "Account", "referenceId": "a"}, "Name": "A"},
        {"attributes": {"type": "Account", "referenceId": "a"}, "Name": "B"},
    ]});
    let (status, body) = answer(org.post(&url, &duplicate).await).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "INVALID_INPUT");
    let missing = json!({"records": [{"attributes": {"type": "Account"}, "Name": "A"}]});
    let (status, _) = answer(org.post(&url, &missing).await).await;
    assert_eq!(status, 400);
    let wrong = json!({"records": [{"attributes": {"type": "Contact", "referenceId": "c"}, "LastName": "C"}]});
    let (status, _) = answer(org.post(&url, &wrong).await).await;
    assert_eq!(status, 400);
    let (status, body) = answer(org.post(&org.api("/composite/tree/Widget"), &missing).await).await;
    assert_eq!(status, 404);
    assert_eq!(body[0]["errorCode"], "NOT_FOUND");
}
