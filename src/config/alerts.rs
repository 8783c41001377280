//! Start-up checks of `[alerts]`: channel URLs, the signing secret, e-mail addresses and the
//! digest's timings and thresholds. Messages name the key and never carry a secret.

use super::{AlertsConfig, ConfigError};
use crate::ingress::standard_webhooks::SigningKey;

impl AlertsConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.slack_webhook_url {
            check_http_url("alerts.slack_webhook_url", url.expose())?;
        }
        if let Some(url) = &self.webhook_url {
            check_http_url("alerts.webhook_url", url.expose())?;
            let secret = self.webhook_secret.as_ref().ok_or_else(|| {
                ConfigError::new(
                    "alerts.webhook_secret",
                    "required when alerts.webhook_url is set",
                )
            })?;
            SigningKey::parse(secret.expose())
                .map_err(|reason| ConfigError::new("alerts.webhook_secret", reason.to_string()))?;
        }
        if let Some(url) = &self.ops_url {
            check_http_url("alerts.ops_url", url)?;
        }
        if let Some(url) = &self.smtp_url {
            check_smtp_url(url.expose())?;
            let from = self.email_from.as_deref().ok_or_else(|| {
                ConfigError::new("alerts.email_from", "required when alerts.smtp_url is set")
            })?;
            check_address("alerts.email_from", from)?;
            if self.email_to.is_empty() {
                return Err(ConfigError::new(
                    "alerts.email_to",
                    "at least one address is required when alerts.smtp_url is set",
                ));
            }
            for (index, to) in self.email_to.iter().enumerate() {
                check_address(&format!("alerts.email_to[{index}]"), to)?;
            }
        }
        if self.digest_interval.is_zero() {
            return Err(ConfigError::new(
                "alerts.digest_interval",
                "must be more than 0",
            ));
        }
        if !(1..=100).contains(&self.salesforce_usage_percent) {
            return Err(ConfigError::new(
                "alerts.salesforce_usage_percent",
                "must be from 1 to 100",
            ));
        }
        if self.netsuite_throttles == 0 {
            return Err(ConfigError::new(
                "alerts.netsuite_throttles",
                "must be at least 1",
            ));
        }
        if self.stall_after.is_zero() {
            return Err(ConfigError::new(
                "alerts.stall_after",
                "must be more than 0",
            ));
        }
        if self.send_timeout.is_zero() {
            return Err(ConfigError::new(
                "alerts.send_timeout",
                "must be more than 0",
            ));
        }
        Ok(())
    }
}

fn check_http_url(key: &str, url: &str) -> Result<(), ConfigError> {
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => Ok(()),
        _ => Err(ConfigError::new(key, "must be an http:// or https:// URL")),
    }
}

fn check_smtp_url(url: &str) -> Result<(), ConfigError> {
    let key = "alerts.smtp_url";
    let parsed = url::Url::parse(url)
        .map_err(|_| ConfigError::new(key, "must be an smtp://user:password@host:port URL"))?;
    if parsed.scheme() != "smtp" || !parsed.has_host() {
        return Err(ConfigError::new(
            key,
            "must be an smtp://user:password@host:port URL",
        ));
    }
    Ok(())
}

fn check_address(key: &str, address: &str) -> Result<(), ConfigError> {
    address
        .parse::<lettre::Address>()
        .map(drop)
        .map_err(|_| ConfigError::new(key, "must be an e-mail address"))
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, Secret};
    use std::time::Duration;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn refused(adjust: impl FnOnce(&mut Config)) -> (String, String) {
        let mut config = Config::default();
        adjust(&mut config);
        let error = config.validate().expect_err("refused");
        (error.key.to_string(), error.to_string())
    }

    #[test]
    fn a_webhook_url_that_is_not_http_is_refused_without_echoing_it() {
        let (key, message) = refused(|config| {
            config.alerts.webhook_url = Some(Secret::from("ftp://token-in-path@example.com"));
            config.alerts.webhook_secret = Some(Secret::from(SECRET));
        });
        assert_eq!(key, "alerts.webhook_url");
        assert!(!message.contains("token-in-path"), "{message}");
    }

    #[test]
    fn a_webhook_url_needs_a_signing_secret() {
        let (key, _) = refused(|config| {
            config.alerts.webhook_url = Some(Secret::from("https://alerts.example.com/hook"));
        });
        assert_eq!(key, "alerts.webhook_secret");
    }

    #[test]
    fn a_zero_digest_interval_is_refused() {
        let (key, message) = refused(|config| config.alerts.digest_interval = Duration::ZERO);
        assert_eq!(key, "alerts.digest_interval");
        assert!(message.contains("alerts.digest_interval"), "{message}");
    }

    #[test]
    fn a_usage_threshold_over_100_percent_is_refused() {
        let (key, _) = refused(|config| config.alerts.salesforce_usage_percent = 101);
        assert_eq!(key, "alerts.salesforce_usage_percent");
    }

    #[test]
    fn an_smtp_url_needs_a_sender_and_recipients_and_hides_its_password() {
        let (key, _) = refused(|config| {
            config.alerts.smtp_url = Some(Secret::from("smtp://ops:hunter2@mail.example.com:587"));
        });
        assert_eq!(key, "alerts.email_from");
        let (key, _) = refused(|config| {
            config.alerts.smtp_url = Some(Secret::from("smtp://ops:hunter2@mail.example.com:587"));
            config.alerts.email_from = Some("tandem@example.com".into());
        });
        assert_eq!(key, "alerts.email_to");
        let (key, message) = refused(|config| {
            config.alerts.smtp_url = Some(Secret::from("smtps:/ops:hunter2@"));
        });
        assert_eq!(key, "alerts.smtp_url");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn the_defaults_are_valid() {
        Config::default().validate().expect("defaults are valid");
    }
}
