//! Slack incoming webhook: the digest as mrkdwn text, `{"text": …}`.

use super::{Channel, SendError};
use crate::config::Secret;
use crate::ops::alerts::digest::Digest;

pub struct Slack {
    http: reqwest::Client,
    url: Secret,
}

impl Slack {
    pub fn new(http: reqwest::Client, url: Secret) -> Self {
        Self { http, url }
    }
}

#[async_trait::async_trait]
impl Channel for Slack {
    fn name(&self) -> &'static str {
        "slack"
    }

    async fn send(&self, digest: &Digest) -> Result<(), SendError> {
        let body = serde_json::json!({ "text": digest.text(), "mrkdwn": true });
        let response = self.http.post(self.url.expose()).json(&body).send().await?;
        if !response.status().is_success() {
            return Err(SendError::Status(response.status().as_u16()));
        }
        Ok(())
    }
}
