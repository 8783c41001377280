//! Where digests go: Slack, a signed JSON webhook, e-mail. Each channel sends one digest or
//! says why not; its errors never carry the URL or a password.

mod email;
mod slack;
mod webhook;

use super::digest::Digest;
use crate::config::AlertsConfig;
use std::sync::Arc;

/// A channel failed to take a digest. Safe to log: names no URL and no credential.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("answered HTTP {0}")]
    Status(u16),
    /// reqwest's error with its URL removed.
    #[error("request failed: {0}")]
    Request(reqwest::Error),
    #[error("smtp: {0}")]
    Smtp(String),
    #[error("no answer within {0:?}")]
    Timeout(std::time::Duration),
    #[error("could not build the message: {0}")]
    Message(String),
}

impl From<reqwest::Error> for SendError {
    fn from(error: reqwest::Error) -> Self {
        // The webhook URL is the credential: never keep it in the error.
        SendError::Request(error.without_url())
    }
}

#[async_trait::async_trait]
pub trait Channel: Send + Sync + 'static {
    /// The `channel` label: `slack`, `webhook` or `email`.
    fn name(&self) -> &'static str;
    async fn send(&self, digest: &Digest) -> Result<(), SendError>;
}

/// The configured channels (validated config: every URL and address parses).
pub fn from_config(config: &AlertsConfig) -> anyhow::Result<Vec<Arc<dyn Channel>>> {
    let http = reqwest::Client::builder()
        .timeout(config.send_timeout)
        .build()
        .map_err(|error| anyhow::anyhow!("alerts: cannot build the HTTP client: {error}"))?;
    let mut channels: Vec<Arc<dyn Channel>> = Vec::new();
    if let Some(url) = &config.slack_webhook_url {
        channels.push(Arc::new(slack::Slack::new(http.clone(), url.clone())));
    }
    if let Some(url) = &config.webhook_url {
        let secret = config
            .webhook_secret
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("alerts.webhook_secret: required with webhook_url"))?;
        channels.push(Arc::new(webhook::Webhook::new(
            http.clone(),
            url.clone(),
            secret,
        )?));
    }
    if let Some(url) = &config.smtp_url {
        channels.push(Arc::new(email::Email::new(config, url)?));
    }
    Ok(channels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use crate::ops::alerts::conditions::Conditions;

    #[tokio::test]
    async fn a_failed_send_never_shows_the_url_path_that_holds_the_token() {
        // Port 9 (discard) on localhost: nothing listens, the connection is refused.
        let config = AlertsConfig {
            slack_webhook_url: Some(Secret::from(
                "http://127.0.0.1:9/services/T0/B0/token-8c2f1d",
            )),
            ..AlertsConfig::default()
        };
        let channels = from_config(&config).unwrap();
        let digest = Digest::compose(
            &Conditions::default(),
            None,
            "msg_1".into(),
            chrono::Utc::now(),
        );
        let error = channels[0]
            .send(&digest)
            .await
            .expect_err("nothing listens");
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("token-8c2f1d"), "{shown}");
    }
}
