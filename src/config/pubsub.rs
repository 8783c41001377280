//! `[salesforce.pubsub]`: subscribing to Change Data Capture events through the Salesforce
//! Pub/Sub API (gRPC) instead of, or beside, Outbound Messages and relays.

use super::ConfigError;
use super::text;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PubSubConfig {
    /// Subscribe to the topics below with the `[salesforce]` credentials.
    pub enabled: bool,
    /// The Pub/Sub API endpoint.
    pub endpoint: String,
    /// The channels subscribed to, one subscriber each.
    #[serde(deserialize_with = "text::string_list")]
    pub topics: Vec<String>,
    /// Events requested at a time (`num_requested`); more are requested once they are queued.
    #[serde(deserialize_with = "text::number")]
    pub batch_size: u16,
}

/// The Pub/Sub API accepts at most this many requested events at a time.
const MAX_BATCH: u16 = 100;

impl Default for PubSubConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            endpoint: crate::pubsub::DEFAULT_ENDPOINT.into(),
            topics: ["Account", "Contact", "Opportunity"]
                .iter()
                .map(|object| crate::pubsub::change_event_topic(object))
                .collect(),
            batch_size: MAX_BATCH,
        }
    }
}

impl PubSubConfig {
    pub(super) fn validate(&self, salesforce: &super::SalesforceConfig) -> Result<(), ConfigError> {
        let endpoint = url::Url::parse(&self.endpoint)
            .ok()
            .filter(|url| matches!(url.scheme(), "https" | "http") && url.host_str().is_some());
        if endpoint.is_none() {
            return Err(ConfigError::new(
                "salesforce.pubsub.endpoint",
                "expected an https:// (or http://) URL with a host, e.g. \"https://api.pubsub.salesforce.com:7443\"",
            ));
        }
        if self.batch_size == 0 || self.batch_size > MAX_BATCH {
            return Err(ConfigError::new(
                "salesforce.pubsub.batch_size",
                "must be between 1 and 100",
            ));
        }
        for topic in &self.topics {
            let named = topic.strip_prefix("/data/").is_some_and(|rest| {
                !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
            if !named {
                return Err(ConfigError::new(
                    "salesforce.pubsub.topics",
                    format!(
                        "{topic:?} is not a change event channel such as \"/data/AccountChangeEvent\""
                    ),
                ));
            }
        }
        if !self.enabled {
            return Ok(());
        }
        if self.topics.is_empty() {
            return Err(ConfigError::new(
                "salesforce.pubsub.topics",
                "at least one topic is required when salesforce.pubsub.enabled is true",
            ));
        }
        if salesforce.instance_url.is_none() {
            return Err(ConfigError::new(
                "salesforce.instance_url",
                "required when salesforce.pubsub.enabled is true",
            ));
        }
        if salesforce.organization_id.is_none() {
            return Err(ConfigError::new(
                "salesforce.organization_id",
                "required when salesforce.pubsub.enabled is true (the Pub/Sub API's tenant id)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn pubsub_settings_are_checked_by_key() {
        let mut config = Config::default();
        config.salesforce.pubsub.batch_size = 101;
        assert_eq!(
            config.validate().unwrap_err().key,
            "salesforce.pubsub.batch_size"
        );
        config.salesforce.pubsub.batch_size = 10;
        config.salesforce.pubsub.endpoint = "api.pubsub.salesforce.com:7443".into();
        assert_eq!(
            config.validate().unwrap_err().key,
            "salesforce.pubsub.endpoint"
        );
        config.salesforce.pubsub.endpoint = "https://api.pubsub.salesforce.com:7443".into();
        config.salesforce.pubsub.topics = vec!["AccountChangeEvent".into()];
        assert_eq!(
            config.validate().unwrap_err().key,
            "salesforce.pubsub.topics"
        );
        config.salesforce.pubsub.topics = vec!["/data/AccountChangeEvent".into()];
        config.salesforce.pubsub.enabled = true;
        assert_eq!(
            config.validate().unwrap_err().key,
            "salesforce.instance_url"
        );
    }
}
