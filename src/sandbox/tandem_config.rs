//! A tandem configuration that talks to a running sandbox with its default credentials: what
//! `tandem demo` and the end-to-end tests run on.

use super::{Sandbox, SandboxCredentials};
use crate::config::{Config, Secret, SecretList};

/// Points `config` at `sandbox` (both APIs, org id, integration identity, webhook secret).
pub fn configure(config: &mut Config, sandbox: &Sandbox, credentials: &SandboxCredentials) {
    let c = credentials;
    config.salesforce.instance_url = Some(sandbox.salesforce_url.clone());
    config.salesforce.client_id = Some(c.salesforce_client_id.clone());
    config.salesforce.client_secret = Some(Secret::from(c.salesforce_client_secret.as_str()));
    config.salesforce.organization_id = Some(c.salesforce_org_id.clone());
    config.salesforce.integration_user_id = Some(c.salesforce_integration_user_id.clone());
    config.netsuite.account_id = Some(c.netsuite_account_id.clone());
    config.netsuite.base_url = Some(sandbox.netsuite_url.clone());
    config.netsuite.consumer_key = Some(c.netsuite_consumer_key.clone());
    config.netsuite.consumer_secret = Some(Secret::from(c.netsuite_consumer_secret.as_str()));
    config.netsuite.token_id = Some(c.netsuite_token_id.clone());
    config.netsuite.token_secret = Some(Secret::from(c.netsuite_token_secret.as_str()));
    config.netsuite.integration_role = Some(c.netsuite_integration_role.clone());
    config.netsuite.webhook_secrets = SecretList::from(vec![c.netsuite_webhook_secret.as_str()]);
}
