//! Secret configuration values: they deserialise from text and never print.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// A secret string (token, password, URL with credentials). `Debug` prints `[redacted]`.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// The secret's text; call only where it is used, never to log.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(SecretString::from(value.to_owned()))
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(SecretString::from(value))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarText).map(Secret::from)
    }
}

/// A list of secrets, written as a TOML array or, from the environment, comma-separated.
#[derive(Clone, Default)]
pub struct SecretList(Vec<Secret>);

impl SecretList {
    pub fn iter(&self) -> impl Iterator<Item = &Secret> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl From<Vec<&str>> for SecretList {
    fn from(values: Vec<&str>) -> Self {
        SecretList(values.into_iter().map(Secret::from).collect())
    }
}

impl fmt::Debug for SecretList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{} redacted]", self.0.len())
    }
}

impl<'de> Deserialize<'de> for SecretList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = SecretList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of strings or one comma-separated string")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<SecretList, E> {
                Ok(SecretList(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|part| !part.is_empty())
                        .map(Secret::from)
                        .collect(),
                ))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<SecretList, A::Error> {
                let mut secrets = Vec::new();
                while let Some(text) = seq.next_element::<Secret>()? {
                    secrets.push(text);
                }
                Ok(SecretList(secrets))
            }
        }
        deserializer.deserialize_any(ListVisitor)
    }
}

/// Accepts any scalar as text: environment values such as `12345` arrive as numbers.
pub(super) struct ScalarText;

impl Visitor<'_> for ScalarText {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
        Ok(value.to_owned())
    }
    fn visit_string<E: de::Error>(self, value: String) -> Result<String, E> {
        Ok(value)
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<String, E> {
        Ok(value.to_string())
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<String, E> {
        Ok(value.to_string())
    }
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<String, E> {
        Ok(value.to_string())
    }
    fn visit_bool<E: de::Error>(self, value: bool) -> Result<String, E> {
        Ok(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints_its_value() {
        let secret = Secret::from("whsec_topsecret");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        let list = SecretList::from(vec!["whsec_first", "whsec_second"]);
        assert!(!format!("{list:?}").contains("whsec"));
    }
}
