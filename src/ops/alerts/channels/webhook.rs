//! Generic JSON webhook: the structured digest, signed the Standard Webhooks way
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature` with the `whsec_…` secret).

use super::{Channel, SendError};
use crate::config::Secret;
use crate::ingress::standard_webhooks::SigningKey;
use crate::ops::alerts::digest::Digest;

pub struct Webhook {
    http: reqwest::Client,
    url: Secret,
    key: SigningKey,
}

impl Webhook {
    pub fn new(http: reqwest::Client, url: Secret, secret: &Secret) -> anyhow::Result<Self> {
        let key = SigningKey::parse(secret.expose())
            .map_err(|reason| anyhow::anyhow!("alerts.webhook_secret: {reason}"))?;
        Ok(Self { http, url, key })
    }
}

#[async_trait::async_trait]
impl Channel for Webhook {
    fn name(&self) -> &'static str {
        "webhook"
    }

    async fn send(&self, digest: &Digest) -> Result<(), SendError> {
        let body = serde_json::to_vec(digest).map_err(|e| SendError::Message(e.to_string()))?;
        let timestamp = chrono::Utc::now().timestamp();
        let signature = self.key.sign(&digest.id, timestamp, &body);
        let response = self
            .http
            .post(self.url.expose())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &digest.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(SendError::Status(response.status().as_u16()));
        }
        Ok(())
    }
}
