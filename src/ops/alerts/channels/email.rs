//! E-mail over SMTP: the digest as plain text, sent with STARTTLS and authentication
//! (`alerts.smtp_tls = "none"` drops TLS, for a local test server only).

use super::{Channel, SendError};
use crate::config::{AlertsConfig, Secret, SmtpTls};
use crate::ops::alerts::digest::Digest;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use percent_encoding::percent_decode_str;

/// The submission port, when `alerts.smtp_url` names none.
const SUBMISSION_PORT: u16 = 587;

pub struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
}

impl Email {
    /// Errors name the key only: the URL holds the password.
    pub fn new(config: &AlertsConfig, url: &Secret) -> anyhow::Result<Self> {
        let invalid = |what: &str| anyhow::anyhow!("alerts.smtp_url: {what}");
        let parsed = url::Url::parse(url.expose()).map_err(|_| invalid("not a URL"))?;
        let host = parsed.host_str().ok_or_else(|| invalid("no host"))?;
        let builder = match config.smtp_tls {
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|_| invalid("cannot set up TLS for this host"))?,
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let mut builder = builder
            .port(parsed.port().unwrap_or(SUBMISSION_PORT))
            .timeout(Some(config.send_timeout));
        if !parsed.username().is_empty() {
            let decode = |text: &str| percent_decode_str(text).decode_utf8_lossy().into_owned();
            builder = builder.credentials(Credentials::new(
                decode(parsed.username()),
                decode(parsed.password().unwrap_or_default()),
            ));
        }
        let from = config
            .email_from
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("alerts.email_from: required with smtp_url"))?
            .parse()
            .map_err(|_| anyhow::anyhow!("alerts.email_from: not an e-mail address"))?;
        let to = config
            .email_to
            .iter()
            .map(|to| to.parse())
            .collect::<Result<Vec<Mailbox>, _>>()
            .map_err(|_| anyhow::anyhow!("alerts.email_to: not an e-mail address"))?;
        Ok(Self {
            transport: builder.build(),
            from,
            to,
        })
    }

    fn message(&self, digest: &Digest) -> Result<Message, SendError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(digest.subject())
            .header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        builder
            .body(digest.text())
            .map_err(|error| SendError::Message(error.to_string()))
    }
}

#[async_trait::async_trait]
impl Channel for Email {
    fn name(&self) -> &'static str {
        "email"
    }

    async fn send(&self, digest: &Digest) -> Result<(), SendError> {
        let message = self.message(digest)?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|error| SendError::Smtp(error.to_string()))
    }
}
