//! The shipped tandem.example.toml stays loadable and in step with the defaults.

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::config::load::load_from;
    use std::collections::{BTreeMap, BTreeSet};
    use std::io::Write;
    use std::path::Path;

    const EXAMPLE_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tandem.example.toml");

    /// How the example shows a key.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Shown {
        /// Written out with its default value.
        Written,
        /// No default (an `Option`): commented out, with a placeholder value.
        CommentedOut,
    }
    use Shown::{CommentedOut, Written};

    /// Every key of the `Config` tree, section by section, written out from `mod.rs`: a key
    /// added there without documenting it in the example fails `every_key_is_documented`.
    const EXPECTED: &[(&str, &[(&str, Shown)])] = &[
        (
            "server",
            &[
                ("listen", Written),
                ("admin_listen", CommentedOut),
                ("admin_token", CommentedOut),
                ("max_body_bytes", Written),
                ("outbound_message_max_body_bytes", Written),
                ("max_buffered_body_bytes", Written),
                ("log_format", Written),
                ("log_level", Written),
                ("shutdown_grace", Written),
                ("header_read_timeout", Written),
                ("body_read_timeout", Written),
                ("max_connections", Written),
                ("max_in_flight", Written),
                ("max_scheduling_delay", Written),
                ("shutdown_stall_timeout", Written),
            ],
        ),
        (
            "queue",
            &[
                ("backend", Written),
                ("amqp_url", CommentedOut),
                ("prefix", Written),
                ("shards", Written),
                ("prefetch", Written),
                ("path", Written),
                ("visibility_timeout", Written),
                ("max_deliveries", Written),
                ("dedupe_retention", Written),
                ("max_pending", Written),
            ],
        ),
        ("store", &[("url", Written)]),
        (
            "salesforce",
            &[
                ("instance_url", CommentedOut),
                ("token_url", CommentedOut),
                ("api_version", Written),
                ("auth", Written),
                ("client_id", CommentedOut),
                ("client_secret", CommentedOut),
                ("username", CommentedOut),
                ("private_key_path", CommentedOut),
                ("organization_id", CommentedOut),
                ("outbound_message_token", CommentedOut),
                ("webhook_secrets", Written),
                ("integration_user_id", CommentedOut),
            ],
        ),
        (
            "salesforce.pubsub",
            &[
                ("enabled", Written),
                ("endpoint", Written),
                ("topics", Written),
                ("batch_size", Written),
            ],
        ),
        (
            "netsuite",
            &[
                ("account_id", CommentedOut),
                ("base_url", CommentedOut),
                ("auth", Written),
                ("consumer_key", CommentedOut),
                ("consumer_secret", CommentedOut),
                ("token_id", CommentedOut),
                ("token_secret", CommentedOut),
                ("client_id", CommentedOut),
                ("certificate_id", CommentedOut),
                ("private_key_path", CommentedOut),
                ("concurrency", Written),
                ("webhook_secrets", Written),
                ("integration_role", CommentedOut),
            ],
        ),
        (
            "sync",
            &[
                ("mapping", Written),
                ("coalesce_window", Written),
                ("retry_schedule", Written),
                ("conflict_policy", Written),
                ("delete_policy", Written),
                ("workers", Written),
            ],
        ),
        (
            "alerts",
            &[
                ("slack_webhook_url", CommentedOut),
                ("webhook_url", CommentedOut),
                ("webhook_secret", CommentedOut),
                ("smtp_url", CommentedOut),
                ("smtp_tls", Written),
                ("email_from", CommentedOut),
                ("email_to", CommentedOut),
                ("ops_url", CommentedOut),
                ("digest_interval", Written),
                ("salesforce_usage_percent", Written),
                ("netsuite_throttles", Written),
                ("stall_after", Written),
                ("send_timeout", Written),
            ],
        ),
        (
            "reconcile",
            &[
                ("enabled", Written),
                ("interval", Written),
                ("flows", Written),
                ("on_difference", Written),
                ("settle_time", Written),
                ("overlap", Written),
                ("first_window", Written),
            ],
        ),
    ];

    fn example_text() -> String {
        std::fs::read_to_string(EXAMPLE_PATH).expect("tandem.example.toml is readable")
    }

    fn no_env() -> Vec<(String, String)> {
        Vec::new()
    }

    /// `key = …` is a key written out, `# key = …` one commented out; any other line is prose.
    fn key_on(line: &str) -> Option<(&str, Shown)> {
        let (line, shown) = match line.strip_prefix("# ") {
            Some(rest) => (rest, CommentedOut),
            None => (line, Written),
        };
        let (key, _value) = line.split_once(" = ")?;
        let is_key = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        is_key.then_some((key, shown))
    }

    /// The keys the example shows, per `[section]`, with how each is shown.
    fn documented_keys(text: &str) -> BTreeMap<String, BTreeSet<(String, Shown)>> {
        let mut sections: BTreeMap<String, BTreeSet<(String, Shown)>> = BTreeMap::new();
        let mut section = None;
        for line in text.lines() {
            let line = line.trim_end();
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = Some(name.to_owned());
                sections.entry(name.to_owned()).or_default();
            } else if let Some((key, shown)) = key_on(line) {
                let section = section
                    .clone()
                    .unwrap_or_else(|| panic!("key {key:?} appears before any [section]"));
                let fresh = sections
                    .entry(section.clone())
                    .or_default()
                    .insert((key.to_owned(), shown));
                assert!(fresh, "[{section}] {key} appears twice");
            }
        }
        sections
    }

    #[test]
    fn the_example_loads_and_equals_the_defaults() {
        let loaded = load_from(Some(Path::new(EXAMPLE_PATH)), no_env())
            .unwrap_or_else(|error| panic!("tandem.example.toml does not load: {error}"));
        let default = Config::default();
        // Secret values print as `[redacted]`, so Debug compares everything except their text.
        assert_eq!(
            format!("{:?}", loaded.server),
            format!("{:?}", default.server),
            "[server]"
        );
        assert_eq!(
            format!("{:?}", loaded.queue),
            format!("{:?}", default.queue),
            "[queue]"
        );
        assert_eq!(
            format!("{:?}", loaded.store),
            format!("{:?}", default.store),
            "[store]"
        );
        assert_eq!(
            format!("{:?}", loaded.salesforce),
            format!("{:?}", default.salesforce),
            "[salesforce]"
        );
        assert_eq!(
            format!("{:?}", loaded.netsuite),
            format!("{:?}", default.netsuite),
            "[netsuite]"
        );
        assert_eq!(
            format!("{:?}", loaded.sync),
            format!("{:?}", default.sync),
            "[sync]"
        );
        assert_eq!(
            format!("{:?}", loaded.alerts),
            format!("{:?}", default.alerts),
            "[alerts]"
        );
        assert_eq!(
            format!("{:?}", loaded.reconcile),
            format!("{:?}", default.reconcile),
            "[reconcile]"
        );
        // The one defaulted secret, whose text Debug hides.
        assert_eq!(loaded.store.url.expose(), default.store.url.expose());
    }

    #[test]
    fn every_key_is_documented_and_only_keys_without_a_default_are_commented_out() {
        let documented = documented_keys(&example_text());
        let expected: BTreeMap<String, BTreeSet<(String, Shown)>> = EXPECTED
            .iter()
            .map(|(section, keys)| {
                let keys = keys
                    .iter()
                    .map(|(key, shown)| ((*key).to_owned(), *shown))
                    .collect();
                ((*section).to_owned(), keys)
            })
            .collect();
        assert_eq!(
            documented.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "sections"
        );
        for (section, keys) in &expected {
            let found = &documented[section];
            let missing: Vec<_> = keys.difference(found).collect();
            let unexpected: Vec<_> = found.difference(keys).collect();
            assert!(
                missing.is_empty() && unexpected.is_empty(),
                "[{section}]: missing or shown wrongly {missing:?}; not in the Config tree {unexpected:?}"
            );
        }
    }

    #[test]
    fn the_placeholders_are_valid_values_once_uncommented() {
        let text: String = example_text()
            .lines()
            .map(|line| match key_on(line) {
                Some((_, CommentedOut)) => &line[2..],
                _ => line,
            })
            .flat_map(|line| [line, "\n"])
            .collect();
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        let config = load_from(Some(file.path()), no_env())
            .unwrap_or_else(|error| panic!("an uncommented placeholder is refused: {error}"));
        // Every `Option` of the tree is now set.
        let debug = format!("{config:?}");
        assert!(!debug.contains("None"), "{debug}");
    }
}
