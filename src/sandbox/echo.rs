//! Echo webhooks: what real orgs configured for tandem send on every record change, including
//! changes tandem itself made. NetSuite changes go out as signed SuiteScript-style JSON events,
//! Salesforce changes as SOAP Outbound Messages, one at a time and in order, with retries.

use super::credentials::SandboxCredentials;
use super::journal::Journal;
use crate::ingress::standard_webhooks::SigningKey;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::mpsc;

/// Where to send echoes; unset URLs send nothing.
#[derive(Debug, Clone, Default)]
pub struct EchoConfig {
    /// tandem's `/webhooks/netsuite/events` URL.
    pub netsuite_events_url: Option<String>,
    /// tandem's `/webhooks/salesforce/outbound-message` URL (with `?token=` when tandem wants one).
    pub salesforce_outbound_url: Option<String>,
}

/// A record change to announce.
#[derive(Debug, Clone)]
pub enum Echo {
    Netsuite {
        /// SuiteScript record type (`customer`, `invoice`, `inventoryitem`).
        record_type: String,
        record_id: String,
        change: &'static str,
        version: DateTime<Utc>,
        modified_by: String,
        execution_context: String,
        role: String,
        origin: Option<String>,
        fields: Map<String, Value>,
    },
    Salesforce {
        object: String,
        /// The record's fields, including `Id`, `LastModifiedDate`, `LastModifiedById`.
        fields: Map<String, Value>,
    },
}

const ATTEMPTS: u32 = 5;

/// Sends echoes in order; each emulator's journal counts the ones it caused.
#[derive(Clone)]
pub struct EchoSender {
    queue: Option<mpsc::UnboundedSender<Echo>>,
    targets: Arc<RwLock<EchoConfig>>,
}

impl EchoSender {
    /// Starts the delivery task (only when a URL is configured).
    pub fn start(
        config: EchoConfig,
        credentials: SandboxCredentials,
        salesforce_journal: Journal,
        netsuite_journal: Journal,
    ) -> Self {
        let targets = Arc::new(RwLock::new(config));
        let (queue, mut echoes) = mpsc::unbounded_channel();
        let current = targets.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("HTTP client builds");
            while let Some(echo) = echoes.recv().await {
                let journal = match echo {
                    Echo::Netsuite { .. } => &netsuite_journal,
                    Echo::Salesforce { .. } => &salesforce_journal,
                };
                let config = current.read().unwrap_or_else(|p| p.into_inner()).clone();
                let delivered = deliver(&client, &config, &credentials, echo.clone()).await;
                journal.count_echo(delivered);
            }
        });
        Self {
            queue: Some(queue),
            targets,
        }
    }

    /// An echo sender that sends nothing (no tandem to tell).
    pub fn disabled() -> Self {
        Self {
            queue: None,
            targets: Arc::default(),
        }
    }

    /// Points echoes at another tandem (or at none); takes effect for the next change.
    pub fn set_targets(&self, targets: EchoConfig) {
        *self.targets.write().unwrap_or_else(|p| p.into_inner()) = targets;
    }

    pub fn send(&self, echo: Echo) {
        let targets = self.targets.read().unwrap_or_else(|p| p.into_inner());
        let wanted = match echo {
            Echo::Netsuite { .. } => targets.netsuite_events_url.is_some(),
            Echo::Salesforce { .. } => targets.salesforce_outbound_url.is_some(),
        };
        if !wanted {
            return;
        }
        if let Some(queue) = &self.queue {
            let _ = queue.send(echo);
        }
    }
}

async fn deliver(
    client: &reqwest::Client,
    config: &EchoConfig,
    credentials: &SandboxCredentials,
    echo: Echo,
) -> bool {
    let Some(request) = build(client, config, credentials, &echo) else {
        return true;
    };
    for attempt in 1..=ATTEMPTS {
        let Some(attempt_request) = request.try_clone() else {
            return false;
        };
        match attempt_request.send().await {
            Ok(response) if response.status().is_success() => return true,
            Ok(response) => {
                tracing::warn!(status = %response.status(), attempt, "sandbox echo refused by tandem")
            }
            Err(error) => tracing::warn!(%error, attempt, "sandbox echo could not be delivered"),
        }
        tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
    }
    false
}

fn build(
    client: &reqwest::Client,
    config: &EchoConfig,
    credentials: &SandboxCredentials,
    echo: &Echo,
) -> Option<reqwest::RequestBuilder> {
    match echo {
        Echo::Netsuite {
            record_type,
            record_id,
            change,
            version,
            modified_by,
            execution_context,
            role,
            origin,
            fields,
        } => {
            let url = config.netsuite_events_url.as_ref()?;
            let body = json!({
                "object": record_type,
                "record_id": record_id,
                "change": change,
                "version": version.to_rfc3339_opts(SecondsFormat::Millis, true),
                "modified_by": modified_by,
                "execution_context": execution_context,
                "role": role,
                "origin": origin,
                "fields": fields,
            })
            .to_string();
            let id = format!("ns_{}", uuid::Uuid::new_v4().simple());
            let timestamp = Utc::now().timestamp();
            let key = SigningKey::parse(&credentials.netsuite_webhook_secret).ok()?;
            let signature = key.sign(&id, timestamp, body.as_bytes());
            Some(
                client
                    .post(url)
                    .header("content-type", "application/json")
                    .header("webhook-id", id)
                    .header("webhook-timestamp", timestamp.to_string())
                    .header("webhook-signature", signature)
                    .body(body),
            )
        }
        Echo::Salesforce { object, fields } => {
            let url = config.salesforce_outbound_url.as_ref()?;
            Some(
                client
                    .post(url)
                    .header("content-type", "text/xml; charset=utf-8")
                    .header("soapaction", "\"\"")
                    .body(outbound_message(
                        &credentials.salesforce_org_id,
                        object,
                        fields,
                    )),
            )
        }
    }
}

/// A one-notification Outbound Message in Salesforce's exact shape.
pub fn outbound_message(org_id: &str, object: &str, fields: &Map<String, Value>) -> String {
    let escape = |text: &str| quick_xml::escape::escape(text).into_owned();
    let notification_id = format!("04l{}", &uuid::Uuid::new_v4().simple().to_string()[..15]);
    let mut sobject = String::new();
    for (name, value) in fields {
        match value {
            Value::Null => sobject.push_str(&format!(r#"<sf:{name} xsi:nil="true"/>"#)),
            Value::String(text) => {
                sobject.push_str(&format!("<sf:{name}>{}</sf:{name}>", escape(text)))
            }
            other => sobject.push_str(&format!(
                "<sf:{name}>{}</sf:{name}>",
                escape(&other.to_string())
            )),
        }
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>{org_id}</OrganizationId>
   <ActionId>04k5e000000TndmAAC</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://sandbox.tandem.invalid/services/Soap/c/67.0/{org_id}</EnterpriseUrl>
   <PartnerUrl>https://sandbox.tandem.invalid/services/Soap/u/67.0/{org_id}</PartnerUrl>
   <Notification>
    <Id>{notification_id}</Id>
    <sObject xmlns:sf="urn:sobject.enterprise.soap.sforce.com" xsi:type="sf:{object}">{sobject}</sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingress::outbound_message;

    #[test]
    fn an_echoed_outbound_message_parses_as_salesforce_would_send_it() {
        let mut fields = Map::new();
        fields.insert("Id".into(), json!("0015e000001AbcdAAA"));
        fields.insert("Name".into(), json!("Müller & Söhne <GmbH>"));
        fields.insert("Tandem_Sync_Origin__c".into(), Value::Null);
        let xml = outbound_message("00D5e000000SbxAEAS", "Account", &fields);
        let parsed = outbound_message::parse(xml.as_bytes()).unwrap();
        assert_eq!(parsed.organization_id, "00D5e000000SbxAEAS");
        let notification = &parsed.notifications[0];
        assert_eq!(notification.object, "Account");
        assert_eq!(notification.fields["Name"], "Müller & Söhne <GmbH>");
        assert_eq!(notification.fields["Tandem_Sync_Origin__c"], Value::Null);
        assert_eq!(notification.id.len(), 18);
    }
}
