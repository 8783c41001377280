//! Start-up checks of combinations and formats that serde alone cannot see.

use super::{Config, ConfigError, QueueBackend, SecretList};
use crate::ingress::standard_webhooks::SigningKey;

impl Config {
    /// Rejects a configuration that cannot work, naming the first key at fault.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let server = &self.server;
        if server.max_body_bytes < 1024 {
            return Err(ConfigError::new(
                "server.max_body_bytes",
                "must be at least 1024",
            ));
        }
        if server.outbound_message_max_body_bytes < 1024 {
            return Err(ConfigError::new(
                "server.outbound_message_max_body_bytes",
                "must be at least 1024",
            ));
        }
        if server.max_buffered_body_bytes
            < server
                .max_body_bytes
                .max(server.outbound_message_max_body_bytes)
        {
            return Err(ConfigError::new(
                "server.max_buffered_body_bytes",
                "must be at least server.max_body_bytes and server.outbound_message_max_body_bytes",
            ));
        }
        // Port 0 picks a free port for each listener, so only a fixed port can clash.
        if server
            .admin_listen
            .is_some_and(|admin| admin == server.listen && admin.port() != 0)
        {
            return Err(ConfigError::new(
                "server.admin_listen",
                "must differ from server.listen (leave it unset to serve everything on listen)",
            ));
        }
        if let Some(token) = &server.admin_token
            && token.expose().len() < 16
        {
            return Err(ConfigError::new(
                "server.admin_token",
                "too short: use at least 16 random characters",
            ));
        }
        for (key, value) in [
            ("server.header_read_timeout", server.header_read_timeout),
            ("server.body_read_timeout", server.body_read_timeout),
            ("server.max_scheduling_delay", server.max_scheduling_delay),
            (
                "server.shutdown_stall_timeout",
                server.shutdown_stall_timeout,
            ),
        ] {
            if value.is_zero() {
                return Err(ConfigError::new(key, "must be longer than 0s"));
            }
        }
        for (key, value) in [
            ("server.max_connections", server.max_connections),
            ("server.max_in_flight", server.max_in_flight),
        ] {
            if value == 0 {
                return Err(ConfigError::new(key, "must be at least 1"));
            }
        }
        if tracing_subscriber::EnvFilter::try_new(&server.log_level).is_err() {
            return Err(ConfigError::new(
                "server.log_level",
                "not a valid log filter",
            ));
        }

        let queue = &self.queue;
        if queue.backend == QueueBackend::Rabbitmq {
            match &queue.amqp_url {
                None => {
                    return Err(ConfigError::new(
                        "queue.amqp_url",
                        "required when queue.backend = \"rabbitmq\"",
                    ));
                }
                Some(url) if !has_scheme(url.expose(), &["amqp://", "amqps://"]) => {
                    return Err(ConfigError::new(
                        "queue.amqp_url",
                        "must start with amqp:// or amqps://",
                    ));
                }
                Some(_) => {}
            }
        }
        if !is_object_name(&queue.prefix) {
            return Err(ConfigError::new(
                "queue.prefix",
                "use only a-z, 0-9, \"_\", \".\" and \"-\"",
            ));
        }
        if !(1..=4096).contains(&queue.shards) {
            return Err(ConfigError::new(
                "queue.shards",
                "must be between 1 and 4096",
            ));
        }
        if queue.prefetch == 0 {
            return Err(ConfigError::new("queue.prefetch", "must be at least 1"));
        }
        if queue.max_pending == 0 {
            return Err(ConfigError::new("queue.max_pending", "must be at least 1"));
        }
        if queue.max_deliveries == 0 {
            return Err(ConfigError::new(
                "queue.max_deliveries",
                "must be at least 1",
            ));
        }
        if queue.visibility_timeout.as_secs() < 1 {
            return Err(ConfigError::new(
                "queue.visibility_timeout",
                "must be at least 1s",
            ));
        }

        if !has_scheme(
            self.store.url.expose(),
            &["sqlite://", "postgres://", "postgresql://"],
        ) {
            return Err(ConfigError::new(
                "store.url",
                "must start with sqlite:// or postgres://",
            ));
        }

        let salesforce = &self.salesforce;
        if !is_api_version(&salesforce.api_version) {
            return Err(ConfigError::new(
                "salesforce.api_version",
                "expected a version such as \"67.0\"",
            ));
        }
        if let Some(org) = &salesforce.organization_id
            && !is_salesforce_id(org)
        {
            return Err(ConfigError::new(
                "salesforce.organization_id",
                "expected a 15 or 18 character Salesforce id",
            ));
        }
        check_url(
            "salesforce.instance_url",
            salesforce.instance_url.as_deref(),
        )?;
        check_url("salesforce.token_url", salesforce.token_url.as_deref())?;
        check_secrets("salesforce.webhook_secrets", &salesforce.webhook_secrets)?;
        salesforce.pubsub.validate(salesforce)?;

        let netsuite = &self.netsuite;
        check_url("netsuite.base_url", netsuite.base_url.as_deref())?;
        if netsuite.concurrency == 0 {
            return Err(ConfigError::new(
                "netsuite.concurrency",
                "must be at least 1",
            ));
        }
        check_secrets("netsuite.webhook_secrets", &netsuite.webhook_secrets)?;

        if self.sync.retry_schedule.len() > 20 {
            return Err(ConfigError::new("sync.retry_schedule", "at most 20 delays"));
        }
        if self.sync.workers == 0 {
            return Err(ConfigError::new("sync.workers", "must be at least 1"));
        }
        self.alerts.validate()?;
        self.reconcile.validate()
    }
}

fn has_scheme(url: &str, schemes: &[&str]) -> bool {
    schemes.iter().any(|scheme| url.starts_with(scheme))
}

fn check_url(key: &str, url: Option<&str>) -> Result<(), ConfigError> {
    match url {
        Some(url) if !has_scheme(url, &["https://", "http://"]) => {
            Err(ConfigError::new(key, "must be an http:// or https:// URL"))
        }
        _ => Ok(()),
    }
}

fn check_secrets(key: &str, secrets: &SecretList) -> Result<(), ConfigError> {
    for (index, secret) in secrets.iter().enumerate() {
        SigningKey::parse(secret.expose())
            .map_err(|reason| ConfigError::new(format!("{key}[{index}]"), reason.to_string()))?;
    }
    Ok(())
}

fn is_api_version(version: &str) -> bool {
    match version.split_once('.') {
        Some((major, minor)) => {
            !major.is_empty()
                && !minor.is_empty()
                && major.bytes().all(|b| b.is_ascii_digit())
                && minor.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// Broker object names are built from it (`{prefix}.work.3`): nothing that needs quoting.
fn is_object_name(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
}

fn is_salesforce_id(id: &str) -> bool {
    matches!(id.len(), 15 | 18) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use std::time::Duration;

    #[test]
    fn the_defaults_are_valid() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn zero_connection_limits_and_timeouts_are_refused_by_key() {
        type Set = fn(&mut Config);
        let cases: [(&str, Set); 5] = [
            ("server.header_read_timeout", |c| {
                c.server.header_read_timeout = Duration::ZERO
            }),
            ("server.body_read_timeout", |c| {
                c.server.body_read_timeout = Duration::ZERO
            }),
            ("server.shutdown_stall_timeout", |c| {
                c.server.shutdown_stall_timeout = Duration::ZERO
            }),
            ("server.max_connections", |c| c.server.max_connections = 0),
            ("server.max_in_flight", |c| c.server.max_in_flight = 0),
        ];
        for (key, set) in cases {
            let mut config = Config::default();
            set(&mut config);
            assert_eq!(config.validate().unwrap_err().key, key);
        }
    }

    #[test]
    fn an_admin_address_equal_to_the_webhook_address_is_refused() {
        let mut config = Config::default();
        config.server.admin_listen = Some(config.server.listen);
        assert_eq!(config.validate().unwrap_err().key, "server.admin_listen");
        config.server.admin_listen = Some("127.0.0.1:9090".parse().unwrap());
        config.validate().unwrap();
        config.server.listen = "127.0.0.1:0".parse().unwrap();
        config.server.admin_listen = Some(config.server.listen);
        config.validate().unwrap();
    }

    #[test]
    fn rabbitmq_without_a_url_names_the_missing_key() {
        let mut config = Config::default();
        config.queue.backend = QueueBackend::Rabbitmq;
        let error = config.validate().unwrap_err();
        assert_eq!(error.key, "queue.amqp_url");
    }

    #[test]
    fn a_queue_prefix_holds_only_lowercase_letters_digits_and_separators() {
        let mut config = Config::default();
        config.queue.prefix = "tandem-e2e_1.a".into();
        config.validate().unwrap();
        for bad in ["", "Tandem", "tandem events", "tandem/x"] {
            config.queue.prefix = bad.into();
            assert_eq!(
                config.validate().unwrap_err().key,
                "queue.prefix",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_malformed_webhook_secret_names_its_position_but_not_its_value() {
        let mut config = Config::default();
        config.netsuite.webhook_secrets = SecretList::from(vec![
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "not-a-secret-value",
        ]);
        let error = config.validate().unwrap_err();
        assert_eq!(error.key, "netsuite.webhook_secrets[1]");
        assert!(!error.to_string().contains("not-a-secret-value"));
    }

    #[test]
    fn a_bad_organization_id_and_api_version_are_refused() {
        let mut config = Config::default();
        config.salesforce.organization_id = Some("short".into());
        assert_eq!(
            config.validate().unwrap_err().key,
            "salesforce.organization_id"
        );
        let mut config = Config::default();
        config.salesforce.api_version = "v67".into();
        assert_eq!(config.validate().unwrap_err().key, "salesforce.api_version");
    }

    #[test]
    fn a_store_url_must_name_a_supported_database() {
        let mut config = Config::default();
        config.store.url = Secret::from("mysql://localhost/tandem");
        assert_eq!(config.validate().unwrap_err().key, "store.url");
    }
}
