//! Loop prevention in the worker (DESIGN §3, third layer): recognising tandem's own writes when
//! they come back, so that the echo is dropped while a human edit right after still syncs.

use crate::config::Config;
use crate::domain::{ChangeEvent, System};

/// Who tandem is in each system.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    /// Salesforce integration user id (15 or 18 characters).
    pub salesforce_user: Option<String>,
    /// NetSuite role id tandem's integration runs as.
    pub netsuite_role: Option<String>,
}

impl Identity {
    pub fn from_config(config: &Config) -> Self {
        Self {
            salesforce_user: config.salesforce.integration_user_id.clone(),
            netsuite_role: config.netsuite.integration_role.clone(),
        }
    }

    /// Whether the change was made by tandem's integration (its echo), not by a person.
    pub fn made_by_tandem(&self, event: &ChangeEvent) -> bool {
        match event.source {
            System::Salesforce => match (&self.salesforce_user, &event.modified_by) {
                // Ids compare on their case-sensitive 15-character form.
                (Some(user), Some(by)) => short_id(user) == short_id(by),
                _ => false,
            },
            System::Netsuite => match (&self.netsuite_role, &event.role) {
                (Some(role), Some(by)) => role == by,
                _ => false,
            },
        }
    }
}

fn short_id(id: &str) -> &str {
    id.get(..15).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ChangeKind;

    fn event(source: System, modified_by: Option<&str>, role: Option<&str>) -> ChangeEvent {
        ChangeEvent {
            id: "e".into(),
            source,
            object: "x".into(),
            record_id: "1".into(),
            change: ChangeKind::Updated,
            version: None,
            modified_by: modified_by.map(Into::into),
            origin: None,
            execution_context: None,
            role: role.map(Into::into),
            fields: Default::default(),
            received_at: chrono::Utc::now(),
            attempt: 1,
        }
    }

    #[test]
    fn the_integration_user_and_role_are_tandem_and_people_are_not() {
        let identity = Identity {
            salesforce_user: Some("0055e000000TndmAAC".into()),
            netsuite_role: Some("1037".into()),
        };
        assert!(identity.made_by_tandem(&event(System::Salesforce, Some("0055e000000Tndm"), None)));
        assert!(!identity.made_by_tandem(&event(
            System::Salesforce,
            Some("0055e000000HumnAAA"),
            None
        )));
        assert!(identity.made_by_tandem(&event(System::Netsuite, Some("-5"), Some("1037"))));
        assert!(!identity.made_by_tandem(&event(System::Netsuite, Some("42"), Some("3"))));
        assert!(!Identity::default().made_by_tandem(&event(System::Netsuite, None, Some("1037"))));
    }
}
