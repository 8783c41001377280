//! The credentials the sandbox accepts. Defaults are public, well-known values (printed by
//! `tandem sandbox`): the sandbox protects nothing, but it checks them as strictly as the real APIs.

/// Everything a client must present to the emulated Salesforce and NetSuite.
#[derive(Debug, Clone)]
pub struct SandboxCredentials {
    /// The emulated org's id (Outbound Messages carry it; `/id/<org>/<user>` in token answers).
    pub salesforce_org_id: String,
    /// The integration user's id: records tandem writes show it as `LastModifiedById`.
    pub salesforce_integration_user_id: String,
    pub salesforce_client_id: String,
    pub salesforce_client_secret: String,
    /// Username for JWT bearer (`sub`).
    pub salesforce_username: String,
    /// PEM public key that verifies JWT bearer assertions (RS256); `None` refuses that grant.
    pub salesforce_jwt_public_key_pem: Option<String>,
    /// The NetSuite account id, which is also the OAuth realm (`1234567` or `1234567_SB1`).
    pub netsuite_account_id: String,
    pub netsuite_consumer_key: String,
    pub netsuite_consumer_secret: String,
    pub netsuite_token_id: String,
    pub netsuite_token_secret: String,
    /// OAuth 2.0 M2M client id and certificate id (`kid`).
    pub netsuite_client_id: String,
    pub netsuite_certificate_id: String,
    /// PEM public key (RSA for PS256 or EC P-256 for ES256) for M2M assertions; `None` refuses M2M.
    pub netsuite_m2m_public_key_pem: Option<String>,
    /// The role id tandem's integration runs as; events for its changes carry it.
    pub netsuite_integration_role: String,
    /// The Standard Webhooks secret the emulated SuiteScript signs echo events with.
    pub netsuite_webhook_secret: String,
}

impl Default for SandboxCredentials {
    fn default() -> Self {
        Self {
            salesforce_org_id: "00D5e000000SbxAEAS".into(),
            salesforce_integration_user_id: "0055e000000TndmAAC".into(),
            salesforce_client_id: "sandbox-salesforce-client".into(),
            salesforce_client_secret: "sandbox-salesforce-secret".into(),
            salesforce_username: "integration@tandem.sandbox".into(),
            salesforce_jwt_public_key_pem: None,
            netsuite_account_id: "1234567_SB1".into(),
            netsuite_consumer_key: "sandbox-netsuite-consumer-key".into(),
            netsuite_consumer_secret: "sandbox-netsuite-consumer-secret".into(),
            netsuite_token_id: "sandbox-netsuite-token-id".into(),
            netsuite_token_secret: "sandbox-netsuite-token-secret".into(),
            netsuite_client_id: "sandbox-netsuite-m2m-client".into(),
            netsuite_certificate_id: "sandbox-certificate".into(),
            netsuite_m2m_public_key_pem: None,
            netsuite_integration_role: "1037".into(),
            netsuite_webhook_secret: "whsec_c2FuZGJveC1uZXRzdWl0ZS1zZWNyZXQtMDE=".into(),
        }
    }
}
