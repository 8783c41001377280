//! What `tandem sandbox` prints at start: where each API listens and the credentials it accepts.

use super::{Sandbox, SandboxConfig};
use std::fmt::Write;

pub fn banner(sandbox: &Sandbox, config: &SandboxConfig) -> String {
    let c = &config.credentials;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "tandem sandbox: emulated Salesforce and NetSuite (state in memory)"
    );
    let _ = writeln!(text);
    let _ = writeln!(text, "Salesforce  {}", sandbox.salesforce_url);
    let _ = writeln!(
        text,
        "  token URL        {}/services/oauth2/token",
        sandbox.salesforce_url
    );
    if let Some(url) = &sandbox.salesforce_pubsub_url {
        let _ = writeln!(text, "  Pub/Sub API      {url}");
    }
    let _ = writeln!(text, "  organization id  {}", c.salesforce_org_id);
    let _ = writeln!(text, "  client id        {}", c.salesforce_client_id);
    let _ = writeln!(text, "  client secret    {}", c.salesforce_client_secret);
    let _ = writeln!(text, "  username         {}", c.salesforce_username);
    let _ = writeln!(
        text,
        "  integration user {}",
        c.salesforce_integration_user_id
    );
    let _ = writeln!(text);
    let _ = writeln!(text, "NetSuite    {}", sandbox.netsuite_url);
    let _ = writeln!(text, "  account id       {}", c.netsuite_account_id);
    let _ = writeln!(text, "  consumer key     {}", c.netsuite_consumer_key);
    let _ = writeln!(text, "  consumer secret  {}", c.netsuite_consumer_secret);
    let _ = writeln!(text, "  token id         {}", c.netsuite_token_id);
    let _ = writeln!(text, "  token secret     {}", c.netsuite_token_secret);
    let _ = writeln!(text, "  integration role {}", c.netsuite_integration_role);
    let _ = writeln!(text, "  webhook secret   {}", c.netsuite_webhook_secret);
    let _ = writeln!(text, "  concurrency      {}", config.netsuite_concurrency);
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "Inspect: GET <url>/_sandbox/records/<type>, /_sandbox/requests, /_sandbox/counters; \
         POST /_sandbox/faults; PUT /_sandbox/latency; PUT <netsuite>/_sandbox/concurrency"
    );
    let _ = writeln!(
        text,
        "Play a person's edit: POST <url>/_sandbox/records/<type>, PATCH <url>/_sandbox/records/<type>/<id>"
    );
    let _ = writeln!(
        text,
        "SuiteQL: POST {}/services/rest/query/v1/suiteql with Prefer: transient",
        sandbox.netsuite_url
    );
    for field in &config.fields.without {
        let _ = writeln!(
            text,
            "Started without the custom field {field} (--without-field)"
        );
    }
    if let Some(url) = &config.echo.salesforce_outbound_url {
        let _ = writeln!(
            text,
            "Salesforce changes are sent as Outbound Messages to {url}"
        );
    }
    if sandbox.salesforce_pubsub_url.is_some() {
        let _ = writeln!(
            text,
            "Salesforce changes to Account, Contact and Opportunity are published as change events \
             (Pub/Sub API: /data/<Object>ChangeEvent, /data/ChangeEvents)"
        );
    }
    if config.echo.salesforce_outbound_url.is_none() {
        let _ = writeln!(
            text,
            "Salesforce sends no Outbound Messages (start with --echo-salesforce-url to send them)"
        );
    }
    if let Some(url) = &config.echo.netsuite_events_url {
        let _ = writeln!(text, "NetSuite changes are sent as signed events to {url}");
    }
    text
}
