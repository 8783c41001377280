//! The Salesforce session as other APIs of the org take it (the Pub/Sub API's metadata): the
//! current access token and the instance it is good for, from the REST client's shared token.

use super::SalesforceClient;
use super::auth::AccessToken;
use crate::connectors::error::ConnectorError;
use std::sync::Arc;

/// A token and its instance URL. `Debug` never shows the token.
#[derive(Clone)]
pub struct Session {
    token: Arc<AccessToken>,
    instance_url: String,
}

impl Session {
    pub fn access_token(&self) -> &str {
        self.token.secret()
    }

    /// The instance URL without a trailing slash.
    pub fn instance_url(&self) -> &str {
        &self.instance_url
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("instance_url", &self.instance_url)
            .finish_non_exhaustive()
    }
}

impl SalesforceClient {
    /// The current session, signing in first when there is none.
    pub async fn session(&self) -> Result<Session, ConnectorError> {
        let token = self.inner.tokens.current().await?;
        let instance = token
            .instance_url
            .as_ref()
            .unwrap_or(&self.inner.instance_url)
            .as_str()
            .trim_end_matches('/')
            .to_owned();
        Ok(Session {
            token,
            instance_url: instance,
        })
    }

    /// Drops `refused` (another API refused it); the next [`Self::session`] signs in again.
    pub async fn refuse_session(&self, refused: &Session) {
        self.inner.tokens.invalidate(&refused.token).await;
    }
}
