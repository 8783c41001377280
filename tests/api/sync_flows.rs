//! Each flow end to end: the real app, the sandbox's echoes, and what the sandbox holds after.

use crate::synced::*;
use serde_json::json;

#[tokio::test]
async fn an_account_edited_in_salesforce_becomes_a_netsuite_customer() {
    let synced = spawn_synced().await;
    let accounts = synced.salesforce_records("Account").await;
    let globex = find(&accounts, "Name", "Globex GmbH")
        .expect("seeded account")
        .clone();
    let account_id = field(&globex, "Id").as_str().unwrap().to_owned();

    synced
        .edit_in_salesforce(
            "Account",
            &account_id,
            json!({ "Phone": "+49 30 5550 100" }),
        )
        .await;

    let customer = eventually("the customer", || async {
        let customers = synced.netsuite_records("customer").await;
        find(&customers, "externalId", &account_id).cloned()
    })
    .await;
    assert_eq!(field(&customer, "companyName"), "Globex GmbH");
    assert_eq!(field(&customer, "phone"), "+49 30 5550 100");
    let customer_id = field(&customer, "id").as_str().unwrap().to_owned();
    let account = eventually("the NetSuite id on the account", || async {
        let accounts = synced.salesforce_records("Account").await;
        find(&accounts, "Id", &account_id)
            .filter(|a| field(a, "NetSuite_Id__c").as_str() == Some(customer_id.as_str()))
            .cloned()
    })
    .await;
    assert_eq!(field(&account, "Name"), "Globex GmbH");
}
