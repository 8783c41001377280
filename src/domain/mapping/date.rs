//! Reading the date forms both systems send and writing them in a `strftime` format.

use chrono::format::StrftimeItems;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use std::fmt::Write;

/// Reads RFC 3339 (`2026-11-27T10:15:02Z`), Salesforce's `2026-11-27T10:15:02.000+0000`, a
/// datetime without offset (taken as UTC), `YYYY-MM-DD`, and NetSuite's `M/D/YYYY`. Dates
/// become midnight UTC; datetimes keep their own offset, so their calendar day is the one the
/// source system showed.
pub(crate) fn parse(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(datetime) = DateTime::parse_from_rfc3339(text) {
        return Some(datetime);
    }
    if let Ok(datetime) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(datetime);
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(naive.and_utc().fixed_offset());
    }
    ["%Y-%m-%d", "%m/%d/%Y"]
        .into_iter()
        .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|midnight| midnight.and_utc().fixed_offset())
}

/// Writes `datetime` in `format`; `None` when the format is not valid `strftime`.
pub(crate) fn format(datetime: &DateTime<FixedOffset>, format: &str) -> Option<String> {
    let items = StrftimeItems::new(format).parse().ok()?;
    let mut out = String::new();
    write!(out, "{}", datetime.format_with_items(items.iter())).ok()?;
    Some(out)
}

/// Whether `format` can be used by [`format`]; checked when the mapping is loaded.
pub(crate) fn is_valid_format(text: &str) -> bool {
    let sample = DateTime::from_timestamp(0, 0).map(|utc| utc.fixed_offset());
    sample.is_some_and(|sample| format(&sample, text).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(text: &str) -> Option<String> {
        parse(text).and_then(|date| format(&date, "%Y-%m-%d"))
    }

    #[test]
    fn every_date_form_the_systems_send_is_read() {
        for (text, expected) in [
            ("2026-11-27", "2026-11-27"),
            ("2026-11-27T10:15:02Z", "2026-11-27"),
            ("2026-11-27T10:15:02.123Z", "2026-11-27"),
            ("2026-11-27T23:30:00-08:00", "2026-11-27"),
            ("2026-11-27T10:15:02.000+0000", "2026-11-27"),
            ("2026-11-27T10:15:02", "2026-11-27"),
            ("11/27/2026", "2026-11-27"),
            ("1/5/2026", "2026-01-05"),
            (" 2026-11-27 ", "2026-11-27"),
        ] {
            assert_eq!(ymd(text).as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn impossible_dates_are_refused() {
        for text in [
            "31/31/2026",
            "2026-02-30",
            "2026-13-01",
            "tomorrow",
            "",
            "27.11.2026",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn formats_are_checked_and_applied() {
        let date = parse("2026-01-05").unwrap();
        assert_eq!(format(&date, "%-m/%-d/%Y").as_deref(), Some("1/5/2026"));
        assert_eq!(
            format(&date, "%Y-%m-%dT%H:%M:%S%:z").as_deref(),
            Some("2026-01-05T00:00:00+00:00")
        );
        assert!(is_valid_format("%d.%m.%Y"));
        assert!(!is_valid_format("%Q"));
        assert!(!is_valid_format("%"));
    }
}
