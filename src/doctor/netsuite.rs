//! The NetSuite checks: the sign-in (TBA or OAuth 2.0 M2M), the custom fields of every mapped
//! record type (metadata catalog), the currencies and subsidiaries the mapping needs (SuiteQL),
//! and the concurrency tandem is set to use. Only GETs and SuiteQL queries: nothing is written.

use super::needs::NetsuiteNeeds;
use super::report::{Check, Section};
use crate::config::{NetsuiteAuth, NetsuiteConfig};
use crate::connectors::netsuite::SuiteQl;
use crate::connectors::{ConnectorError, NetsuiteClient};
use crate::domain::mapping::Mapping;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const SETUP_DOC: &str = "docs/setup-netsuite.md";

pub async fn check(config: &NetsuiteConfig, mapping: &Mapping, needs: &NetsuiteNeeds) -> Section {
    let mut section = Section::new("NetSuite");
    let client = match NetsuiteClient::from_config(config) {
        Ok(client) => client,
        Err(error) => {
            section.push(Check::fail(
                "the [netsuite] settings make no client",
                [
                    error.message,
                    format!("see {SETUP_DOC}, step 3, \"Create the integration record\""),
                ],
            ));
            return section;
        }
    };
    // The first query proves the sign-in: TBA has no token to fetch, M2M fetches one here.
    let subsidiaries = match rows(&client, "subsidiary", &["id", "name"]).await {
        Ok(rows) => {
            section.push(Check::pass(format!(
                "token: signed in with {}",
                mode(config)
            )));
            rows
        }
        Err(error) if error.status == Some(401) => {
            section.push(Check::fail(
                format!("token: NetSuite refused the sign-in with {}", mode(config)),
                [token_fix(config)],
            ));
            return section;
        }
        Err(error) if error.status.is_none() => {
            section.push(Check::fail(
                "token: no answer from NetSuite",
                [
                    error.message,
                    "check netsuite.base_url (the account's REST host) and the network path to it"
                        .to_owned(),
                ],
            ));
            return section;
        }
        Err(error) => {
            section.push(Check::fail(
                "SuiteQL: the subsidiary list could not be read",
                [
                    error.message,
                    "the integration role needs the \"REST Web Services\" and \"SuiteAnalytics Workbook\" permissions".to_owned(),
                ],
            ));
            return section;
        }
    };
    for (record_type, fields) in needs {
        check_record_type(&client, record_type, fields, &mut section).await;
    }
    section.push(subsidiary_check(mapping, &subsidiaries));
    section.push(currency_check(&client, mapping).await);
    section.push(Check::note(format!(
        "concurrency: tandem keeps at most {} requests in flight (netsuite.concurrency); the account's own limit is not readable through REST — an administrator sees it at Setup > Integration > Integration Management > Integration Governance, and netsuite.concurrency must stay below it together with every other integration",
        config.concurrency
    )));
    section
}

fn mode(config: &NetsuiteConfig) -> &'static str {
    match config.auth {
        NetsuiteAuth::Tba => "token-based authentication (TBA)",
        NetsuiteAuth::Oauth2M2m => "OAuth 2.0 machine-to-machine",
    }
}

fn token_fix(config: &NetsuiteConfig) -> String {
    match config.auth {
        NetsuiteAuth::Tba => format!(
            "check netsuite.account_id, netsuite.consumer_key/consumer_secret (the integration record) and netsuite.token_id/token_secret (the access token of the integration user and role); the Login Audit Trail says which was refused ({SETUP_DOC}, step 4, \"Choose the authentication\")"
        ),
        NetsuiteAuth::Oauth2M2m => format!(
            "check netsuite.account_id, netsuite.client_id, netsuite.certificate_id and that the certificate of netsuite.private_key_path is mapped to the integration's role ({SETUP_DOC}, step 4, \"Choose the authentication\")"
        ),
    }
}

async fn rows(
    client: &NetsuiteClient,
    table: &str,
    columns: &[&str],
) -> Result<Vec<Map<String, Value>>, ConnectorError> {
    client.suiteql(&SuiteQl::select(table, columns)).await
}

fn text(row: &Map<String, Value>, column: &str) -> String {
    match row.get(column) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

async fn check_record_type(
    client: &NetsuiteClient,
    record_type: &str,
    fields: &BTreeMap<String, String>,
    section: &mut Section,
) {
    let schema = match client.record_schema(record_type).await {
        Ok(schema) => schema,
        Err(error) => {
            section.push(Check::fail(
                format!("{record_type}: the metadata catalog could not be read"),
                [
                    error.message,
                    format!("the integration role needs View access to {record_type} records"),
                ],
            ));
            return;
        }
    };
    for id in fields.values() {
        let label = format!("{record_type}.{id}");
        match schema.field(id) {
            Some(field) if field.custom => {
                section.push(Check::pass(format!("{label} (custom field)")))
            }
            Some(_) => section.push(Check::pass(label)),
            None => section.push(Check::fail(
                format!("{label} does not exist"),
                [
                    create_fix(record_type, id),
                    format!(
                        "or map another field in the mapping file ({SETUP_DOC}, step 5, \"Deploy the SDF project\")"
                    ),
                ],
            )),
        }
    }
}

fn create_fix(record_type: &str, id: &str) -> String {
    let lower = id.to_ascii_lowercase();
    let (kind, page) = if lower.starts_with("custentity") {
        (
            "Entity Field",
            "Customization > Lists, Records, & Fields > Entity Fields",
        )
    } else if lower.starts_with("custbody") {
        (
            "Transaction Body Field",
            "Customization > Lists, Records, & Fields > Transaction Body Fields",
        )
    } else if lower.starts_with("custitem") {
        (
            "Item Field",
            "Customization > Lists, Records, & Fields > Item Fields",
        )
    } else {
        ("custom field", "Customization > Lists, Records, & Fields")
    };
    let type_name = match lower.as_str() {
        "custentity_arr" => "Currency",
        "custbody_discount_approved" => "Check Box",
        _ => "Free-Form Text",
    };
    format!(
        "create the {kind} with ID {id} in {page}: type {type_name}, applied to {record_type}, with Store Value ticked"
    )
}

fn subsidiary_check(mapping: &Mapping, subsidiaries: &[Map<String, Value>]) -> Check {
    let known: BTreeMap<String, String> = subsidiaries
        .iter()
        .map(|row| (text(row, "id"), text(row, "name")))
        .collect();
    let mut wanted = vec![(
        "default_subsidiary",
        mapping.default_subsidiary().to_owned(),
    )];
    for (_, over) in mapping.currencies() {
        if let Some(subsidiary) = &over.subsidiary {
            wanted.push(("[currencies] subsidiary", subsidiary.clone()));
        }
    }
    let missing: Vec<String> = wanted
        .iter()
        .filter(|(_, id)| !known.contains_key(id))
        .map(|(key, id)| format!("{key} = \"{id}\""))
        .collect();
    if missing.is_empty() {
        let default = mapping.default_subsidiary();
        return Check::pass(format!(
            "subsidiaries: the default subsidiary {default} ({}) exists; {} in the account",
            known.get(default).cloned().unwrap_or_default(),
            known.len()
        ));
    }
    let existing: Vec<String> = known
        .iter()
        .map(|(id, name)| format!("{id} ({name})"))
        .collect();
    Check::fail(
        format!("subsidiaries: {} not in the account", missing.join(", ")),
        [format!(
            "set the mapping file's [netsuite] default_subsidiary (and [currencies] subsidiaries) to one of: {}",
            existing.join(", ")
        )],
    )
}

async fn currency_check(client: &NetsuiteClient, mapping: &Mapping) -> Check {
    let currencies = match rows(client, "currency", &["id", "symbol", "isinactive"]).await {
        Ok(rows) => rows,
        Err(error) => {
            return Check::fail(
                "currencies: the currency list could not be read",
                [error.message],
            );
        }
    };
    let active: Vec<(String, String)> = currencies
        .iter()
        .filter(|row| text(row, "isinactive") != "T")
        .map(|row| (text(row, "id"), text(row, "symbol")))
        .collect();
    let mut missing = Vec::new();
    for (iso, over) in mapping.currencies() {
        let found = match &over.currency {
            Some(id) => active.iter().any(|(known, _)| known == id),
            None => active
                .iter()
                .any(|(_, symbol)| symbol.eq_ignore_ascii_case(iso)),
        };
        if !found {
            missing.push(match &over.currency {
                Some(id) => format!("{iso} → currency {id}"),
                None => iso.to_owned(),
            });
        }
    }
    let symbols: Vec<&str> = active.iter().map(|(_, symbol)| symbol.as_str()).collect();
    if active.is_empty() {
        return Check::fail(
            "currencies: the account shows no active currency",
            ["the integration role needs the \"Currency\" permission (Lists)".to_owned()],
        );
    }
    if missing.is_empty() {
        return Check::pass(format!("currencies: {}", symbols.join(", ")));
    }
    Check::fail(
        format!(
            "currencies: [currencies] names {} which the account lacks",
            missing.join(", ")
        ),
        [format!(
            "add the currency in Lists > Accounting > Currencies, or change [currencies] in the mapping file; the account has {}",
            symbols.join(", ")
        )],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(id: &str, name: &str) -> Map<String, Value> {
        json!({ "id": id, "name": name })
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn a_default_subsidiary_the_account_lacks_fails_and_lists_the_ones_it_has() {
        let mapping = Mapping::shipped();
        let present = subsidiary_check(&mapping, &[row("1", "Parent"), row("3", "Europe")]);
        assert_eq!(present.status, super::super::Status::Pass);
        let absent = subsidiary_check(&mapping, &[row("3", "Europe"), row("4", "UK")]);
        assert_eq!(absent.status, super::super::Status::Fail);
        assert_eq!(
            absent.text,
            "subsidiaries: default_subsidiary = \"1\" not in the account"
        );
        assert!(
            absent.fix[0].ends_with("one of: 3 (Europe), 4 (UK)"),
            "{:?}",
            absent.fix
        );
    }

    #[test]
    fn custom_fields_are_created_in_their_family_with_a_fitting_type() {
        assert!(create_fix("salesOrder", "custbody_discount_approved").contains(
            "Transaction Body Field with ID custbody_discount_approved in Customization > Lists, Records, & Fields > Transaction Body Fields: type Check Box"
        ));
        assert!(create_fix("customer", "custentity_arr").contains("type Currency"));
    }
}
