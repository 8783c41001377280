//! `tandem init`: writes the commented example config (tandem.example.toml, compiled in) to a
//! new file, never over an existing one.

use std::io::Write;
use std::path::Path;

/// The shipped tandem.example.toml: every key, commented, with its default.
pub const EXAMPLE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tandem.example.toml"));

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0} already exists; not overwriting it (remove it or pass another --config path)")]
    Exists(String),
    #[error("cannot write {0}: {1}")]
    Write(String, std::io::Error),
}

/// Creates `path` with [`EXAMPLE`]; fails if anything is there already.
pub fn write_example(path: &Path) -> Result<(), InitError> {
    let shown = path.display().to_string();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::AlreadyExists => InitError::Exists(shown.clone()),
            _ => InitError::Write(shown.clone(), error),
        })?;
    file.write_all(EXAMPLE.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|error| InitError::Write(shown, error))
}

/// What to fill in after `tandem init` wrote `path`.
pub fn next_steps(path: &Path) -> String {
    let path = path.display();
    format!(
        "wrote {path}: every key with its default; as written, tandem receives and queues events but does not sync.
Next:
  1. In {path}, set salesforce.instance_url and netsuite.base_url (sync starts when both are set),
     netsuite.account_id, salesforce.organization_id (Outbound Messages from other orgs are refused)
     and the ids of the auth modes you use: client_credentials needs salesforce.client_id;
     jwt_bearer needs salesforce.client_id, username and private_key_path (a PEM RSA key);
     tba needs netsuite.consumer_key and token_id; oauth2_m2m needs netsuite.client_id,
     certificate_id and private_key_path (a PEM RSA or EC P-256 key).
  2. Give secrets by environment, not in the file:
       TANDEM_SALESFORCE__CLIENT_SECRET (client_credentials)
       TANDEM_NETSUITE__CONSUMER_SECRET and TANDEM_NETSUITE__TOKEN_SECRET (tba)
       TANDEM_SALESFORCE__WEBHOOK_SECRETS and TANDEM_NETSUITE__WEBHOOK_SECRETS (whsec_…, for the signed event endpoints)
       TANDEM_SERVER__ADMIN_TOKEN (16+ characters, for the ops API and dashboard)
  3. tandem check --config {path}
  4. tandem serve --config {path}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_writes_the_example_once_and_then_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tandem.toml");
        write_example(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), EXAMPLE);
        std::fs::write(&path, "# edited\n").unwrap();
        let error = write_example(&path).unwrap_err();
        assert!(matches!(error, InitError::Exists(_)), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "# edited\n");
    }
}
