//! Values that may arrive as text: environment overrides are always strings, so numbers and
//! lists are also read from their textual forms.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;
use std::time::Duration;

/// Accepts an integer, or text holding one: environment values always arrive as text.
pub(super) fn number<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    struct NumberVisitor;
    impl Visitor<'_> for NumberVisitor {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a non-negative integer")
        }
        fn visit_u64<E: de::Error>(self, value: u64) -> Result<u64, E> {
            Ok(value)
        }
        fn visit_i64<E: de::Error>(self, value: i64) -> Result<u64, E> {
            u64::try_from(value).map_err(|_| E::custom("expected a non-negative integer"))
        }
        fn visit_str<E: de::Error>(self, value: &str) -> Result<u64, E> {
            value
                .trim()
                .parse()
                .map_err(|_| E::custom("expected a non-negative integer"))
        }
    }
    let value = deserializer.deserialize_any(NumberVisitor)?;
    T::try_from(value).map_err(|_| de::Error::custom(format!("{value} is out of range")))
}

/// A list of humantime durations (`["5s", "5m"]`), or one comma-separated string from the environment.
pub(super) fn duration_list<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Duration>, D::Error> {
    use serde::de::Error;
    name_list(deserializer)?
        .iter()
        .map(|item| {
            humantime::parse_duration(item)
                .map_err(|e| D::Error::custom(format!("{item:?} is not a duration ({e})")))
        })
        .collect()
}

/// A list of names (`["a", "b"]`), or one comma-separated string from the environment; blank
/// items are left out.
pub(super) fn name_list<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        List(Vec<String>),
        Text(String),
    }
    let items = match Form::deserialize(deserializer)? {
        Form::List(items) => items,
        Form::Text(text) => text.split(',').map(|item| item.trim().to_owned()).collect(),
    };
    Ok(items.into_iter().filter(|item| !item.is_empty()).collect())
}

/// A list of strings (`["a", "b"]`), or one comma-separated string from the environment.
pub(super) fn string_list<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Form::deserialize(deserializer)? {
        Form::List(items) => items,
        Form::Text(text) => text
            .split(',')
            .map(|item| item.trim().to_owned())
            .filter(|item| !item.is_empty())
            .collect(),
    })
}
