//! The Salesforce checks: the token, the configured API version, the day's remaining API
//! budget, and, for every mapped object, each field tandem reads, writes or upserts by. Only
//! GET calls (versions, limits, describe) after the token request: nothing is written.

use super::needs::{SalesforceNeeds, SalesforceUse};
use super::report::{Check, Section};
use crate::config::{SalesforceAuth, SalesforceConfig};
use crate::connectors::SalesforceClient;
use crate::connectors::salesforce::{FieldDescribe, ObjectDescribe};

/// Below this share of the daily allocation left, the budget line fails.
const BUDGET_FLOOR_PERCENT: u64 = 10;
const SETUP_DOC: &str = "docs/setup-salesforce.md";

pub async fn check(config: &SalesforceConfig, needs: &SalesforceNeeds) -> Section {
    let mut section = Section::new("Salesforce");
    let client = match SalesforceClient::from_config(config) {
        Ok(client) => client,
        Err(error) => {
            section.push(Check::fail(
                "the [salesforce] settings make no client",
                [
                    error.message,
                    format!("see {SETUP_DOC}, step 5, \"Create the app tandem signs in through\""),
                ],
            ));
            return section;
        }
    };
    if let Err(error) = client.sign_in().await {
        section.push(match error.status {
            None => Check::fail(
                "token: no answer from Salesforce",
                [
                    error.message,
                    "check salesforce.instance_url (and salesforce.token_url when set) and the network path to the org".to_owned(),
                ],
            ),
            Some(_) => Check::fail(
                format!("token: the org refused the sign-in with {}", mode(config)),
                [
                    format!("Salesforce said: {}", error.message),
                    token_fix(config),
                ],
            ),
        });
        return section;
    }
    section.push(Check::pass(format!(
        "token: signed in with {}",
        mode(config)
    )));
    section.push(version_check(&client).await);
    section.push(budget_check(&client).await);
    for (object, fields) in needs {
        check_object(&client, object, fields, &mut section).await;
    }
    section
}

fn mode(config: &SalesforceConfig) -> &'static str {
    match config.auth {
        SalesforceAuth::ClientCredentials => "the client credentials flow",
        SalesforceAuth::JwtBearer => "the JWT bearer flow",
    }
}

fn token_fix(config: &SalesforceConfig) -> String {
    match config.auth {
        SalesforceAuth::ClientCredentials => format!(
            "check salesforce.client_id and salesforce.client_secret (TANDEM_SALESFORCE__CLIENT_SECRET) and that the connected app enables the client credentials flow with a Run As user ({SETUP_DOC}, step 5, \"Create the app tandem signs in through\")"
        ),
        SalesforceAuth::JwtBearer => format!(
            "check salesforce.client_id, salesforce.username and that the connected app holds the certificate of salesforce.private_key_path and pre-authorizes the user ({SETUP_DOC}, step 5, \"Create the app tandem signs in through\")"
        ),
    }
}

async fn version_check(client: &SalesforceClient) -> Check {
    let wanted = client.api_version().to_owned();
    match client.offered_versions().await {
        Ok(versions) if versions.iter().any(|v| v.version == wanted) => {
            Check::pass(format!("API version {wanted} is offered by the org"))
        }
        Ok(versions) => {
            let latest = versions
                .iter()
                .filter_map(|v| v.version.parse::<f64>().ok().map(|n| (n, &v.version)))
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, version)| version.clone())
                .unwrap_or_default();
            Check::fail(
                format!("API version {wanted} is not offered by the org"),
                [format!(
                    "set salesforce.api_version = \"{latest}\" (the newest the org offers)"
                )],
            )
        }
        Err(error) => Check::fail(
            "API versions: the org's version list could not be read",
            [error.message],
        ),
    }
}

async fn budget_check(client: &SalesforceClient) -> Check {
    match client.daily_api_requests().await {
        Ok(budget) if budget.max > 0 => {
            let percent = budget.remaining.saturating_mul(100) / budget.max;
            let text = format!(
                "daily API requests: {} of {} left ({percent}%)",
                budget.remaining, budget.max
            );
            if percent >= BUDGET_FLOOR_PERCENT {
                Check::pass(text)
            } else {
                Check::fail(
                    text,
                    [format!(
                        "below {BUDGET_FLOOR_PERCENT}%: find the integrations using the budget (Setup > System Overview > API Usage) or raise the org's allocation before tandem falls behind"
                    )],
                )
            }
        }
        Ok(_) => Check::fail(
            "daily API requests: the org reports no allocation",
            ["ask the Salesforce admin to enable API access for the org".to_owned()],
        ),
        Err(error) => Check::fail(
            "daily API requests: /limits could not be read",
            [
                error.message,
                "the integration user needs the \"API Enabled\" and \"View Setup and Configuration\" permissions".to_owned(),
            ],
        ),
    }
}

async fn check_object(
    client: &SalesforceClient,
    object: &str,
    fields: &std::collections::BTreeMap<String, SalesforceUse>,
    section: &mut Section,
) {
    let describe = match client.describe(object).await {
        Ok(describe) => describe,
        Err(error) => {
            section.push(Check::fail(
                format!("{object}: the describe could not be read"),
                [
                    error.message,
                    format!("the integration user needs read access to {object}"),
                ],
            ));
            return;
        }
    };
    for field in fields.values() {
        section.push(field_check(&describe, field));
    }
}

fn field_check(describe: &ObjectDescribe, need: &SalesforceUse) -> Check {
    let object = &describe.name;
    let name = &need.name;
    let label = format!("{object}.{name}");
    let Some(found) = describe.field(name) else {
        return Check::fail(
            format!("{label} does not exist"),
            [
                create_fix(object, need),
                format!(
                    "or map another field in the mapping file ({SETUP_DOC}, step 3, \"Deploy the metadata\")"
                ),
            ],
        );
    };
    // The org's spelling from here on.
    let label = format!("{object}.{}", found.name);
    let mut problems = Vec::new();
    if need.written && !(found.createable && found.updateable) {
        problems.push("is not createable and updateable by the integration user");
    }
    if need.upsert_key && !found.external_id {
        problems.push("is not marked External ID");
    }
    if problems.is_empty() {
        return Check::pass(format!("{label} ({})", what(need, found)));
    }
    let mut fix = Vec::new();
    if need.written && !(found.createable && found.updateable) {
        fix.push(format!(
            "give the integration user's permission set Edit access to {label} (Setup > Permission Sets > Object Settings > {object})"
        ));
    }
    if need.upsert_key && !found.external_id {
        fix.push(format!(
            "edit {label} in Setup > Object Manager > {object} > Fields & Relationships and tick External ID (and Unique)"
        ));
    }
    Check::fail(format!("{label} {}", problems.join(" and ")), fix)
}

/// `read, written, External ID` — what tandem does with a field that passed.
fn what(need: &SalesforceUse, found: &FieldDescribe) -> String {
    let mut parts = Vec::new();
    if need.read {
        parts.push("read");
    }
    if need.written {
        parts.push("written");
    }
    if need.upsert_key && found.external_id {
        parts.push("External ID");
    }
    parts.join(", ")
}

/// The field to create, with a type that fits what tandem puts in it.
fn create_fix(object: &str, need: &SalesforceUse) -> String {
    let kind = if need.upsert_key {
        "Text(64), External ID, Unique"
    } else {
        match need.name.to_ascii_lowercase().as_str() {
            "credit_limit__c" | "account_balance__c" | "amount_remaining__c" => "Currency(16, 2)",
            "quantity_available__c" => "Number(16, 2)",
            "invoice_due_date__c" => "Date",
            "discount_approved__c" => "Checkbox",
            "payment_status__c" => "Picklist (Open, Paid, Pending Approval, Rejected, Voided)",
            _ => "Text(255)",
        }
    };
    let role = need
        .role
        .map(|role| format!(" — tandem's {role}"))
        .unwrap_or_default();
    format!(
        "create {object}.{} in Setup > Object Manager > {object} > Fields & Relationships: {kind}{role}",
        need.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn describe(field: serde_json::Value) -> ObjectDescribe {
        serde_json::from_value(json!({ "name": "Account", "fields": [field] })).unwrap()
    }

    fn need(name: &str, written: bool, upsert_key: bool) -> SalesforceUse {
        SalesforceUse {
            name: name.to_owned(),
            read: !written,
            written,
            upsert_key,
            role: None,
        }
    }

    #[test]
    fn an_upsert_key_that_is_not_an_external_id_fails_with_where_to_tick_it() {
        let found = describe(json!({
            "name": "NetSuite_Id__c", "type": "string", "createable": true, "updateable": true,
            "externalId": false, "custom": true
        }));
        let check = field_check(&found, &need("netsuite_id__c", true, true));
        assert_eq!(check.status, super::super::Status::Fail);
        assert_eq!(
            check.text,
            "Account.NetSuite_Id__c is not marked External ID"
        );
        assert!(check.fix[0].contains("tick External ID"), "{:?}", check.fix);
    }

    #[test]
    fn a_written_field_the_user_cannot_edit_fails_with_the_permission_to_give() {
        let found = describe(json!({
            "name": "Credit_Limit__c", "type": "currency", "createable": false, "updateable": false
        }));
        let check = field_check(&found, &need("Credit_Limit__c", true, false));
        assert_eq!(
            check.text,
            "Account.Credit_Limit__c is not createable and updateable by the integration user"
        );
        assert!(check.fix[0].contains("Edit access"), "{:?}", check.fix);
        let read_only = field_check(&found, &need("Credit_Limit__c", false, false));
        assert_eq!(
            read_only.status,
            super::super::Status::Pass,
            "reading needs no edit access"
        );
    }

    #[test]
    fn a_missing_field_is_created_with_a_fitting_type() {
        let found = describe(json!({ "name": "Name", "type": "string" }));
        let check = field_check(&found, &need("Invoice_Due_Date__c", true, false));
        assert_eq!(check.text, "Account.Invoice_Due_Date__c does not exist");
        assert!(check.fix[0].ends_with(": Date"), "{:?}", check.fix);
    }
}
