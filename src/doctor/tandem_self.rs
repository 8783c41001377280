//! The checks on tandem's own side: webhook secrets and org id set (so events are accepted),
//! and the store and queue reachable, opened as `serve` opens them but with no consumer and
//! nothing served.

use super::report::{Check, Section};
use crate::config::{Config, QueueBackend};
use crate::queue::open::{QueueUse, open_queue};

pub async fn check(config: &Config) -> Section {
    let mut section = Section::new("tandem");
    section.push(salesforce_inbound(config));
    section.push(netsuite_inbound(config));
    let store = match crate::store::open(config.store.url.expose()).await {
        Ok(store) => {
            section.push(Check::pass(format!(
                "store reachable ({})",
                store_kind(config.store.url.expose())
            )));
            store
        }
        Err(error) => {
            section.push(Check::fail(
                "store unreachable",
                [
                    format!("{error}"),
                    "check store.url (TANDEM_STORE__URL) and that the database accepts connections"
                        .to_owned(),
                ],
            ));
            return section;
        }
    };
    let backend = match config.queue.backend {
        QueueBackend::Embedded => "embedded",
        QueueBackend::Rabbitmq => "RabbitMQ",
    };
    let queue = match open_queue(config, store, QueueUse::PublishOnly).await {
        Ok(queue) => queue.check().await.map_err(anyhow::Error::from),
        Err(error) => Err(error),
    };
    section.push(match queue {
        Ok(()) => Check::pass(format!("queue reachable ({backend})")),
        Err(error) => Check::fail(
            format!("queue unreachable ({backend})"),
            [
                format!("{error:#}"),
                "check queue.amqp_url (TANDEM_QUEUE__AMQP_URL) or queue.path".to_owned(),
            ],
        ),
    });
    section
}

/// Salesforce sends Outbound Messages (checked against `organization_id`) or signed JSON
/// events (`webhook_secrets`); either is enough.
fn salesforce_inbound(config: &Config) -> Check {
    let salesforce = &config.salesforce;
    let mut ways = Vec::new();
    if salesforce.organization_id.is_some() {
        ways.push("Outbound Messages (salesforce.organization_id)");
    }
    if !salesforce.webhook_secrets.is_empty() {
        ways.push("signed JSON events (salesforce.webhook_secrets)");
    }
    if ways.is_empty() {
        return Check::fail(
            "Salesforce events: nothing set to accept them",
            [
                "set salesforce.organization_id for Outbound Messages and/or salesforce.webhook_secrets = [\"whsec_…\"] (TANDEM_SALESFORCE__WEBHOOK_SECRETS) for signed JSON events".to_owned(),
                "see docs/setup-salesforce.md, steps 7 and 8".to_owned(),
            ],
        );
    }
    Check::pass(format!(
        "Salesforce events accepted as {}",
        ways.join(" and ")
    ))
}

fn netsuite_inbound(config: &Config) -> Check {
    if config.netsuite.webhook_secrets.is_empty() {
        return Check::fail(
            "NetSuite events: netsuite.webhook_secrets is not set",
            [
                "set netsuite.webhook_secrets = [\"whsec_…\"] (TANDEM_NETSUITE__WEBHOOK_SECRETS), the secret the SuiteScript signs with".to_owned(),
                "see docs/setup-netsuite.md, step 6, \"Create the signing secret\"".to_owned(),
            ],
        );
    }
    Check::pass(format!(
        "NetSuite events accepted (netsuite.webhook_secrets: {} set)",
        config.netsuite.webhook_secrets.len()
    ))
}

/// The backend a store URL names, without anything else from it (it may hold a password).
fn store_kind(url: &str) -> &'static str {
    if url.starts_with("sqlite://") {
        "SQLite"
    } else {
        "PostgreSQL"
    }
}
