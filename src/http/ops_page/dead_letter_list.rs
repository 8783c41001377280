//! The dead-letter list: filtered by flow, error code, record, age and status in the store, a
//! page at a time (keyset on the id, newest first), so it stays fast with 100,000 letters; with
//! buttons to replay or discard every open letter the filter matches.

use super::errors::PageError;
use super::guard::Viewer;
use super::layout::{self, csrf_field};
use super::{DEAD_LETTERS, DISCARD_DEAD_LETTERS, RECORDS, REPLAY_DEAD_LETTERS};
use crate::domain::mapping::Flow;
use crate::http::AppState;
use crate::ops::dead_letter_filter::FilterInput;
use crate::store::{DeadLetterFilter, DeadLetterStatus, StoredDeadLetter};
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use chrono::DateTime;
use maud::{Markup, html};

/// Letters a page shows.
const PAGE_SIZE: usize = 50;
/// The filter keys the form sends; `status` defaults to open, `any` means every status.
const KEYS: [&str; 5] = ["flow", "error_code", "record", "older_than", "newer_than"];

/// A listing's filter as given (blank fields left out) and where the page starts.
#[derive(Default)]
pub struct Listing {
    pub given: Vec<(String, String)>,
    pub status: String,
    pub cursor: Option<i64>,
}

impl Listing {
    pub fn parse(pairs: impl IntoIterator<Item = (String, String)>) -> Result<Self, PageError> {
        let mut listing = Listing {
            status: "open".into(),
            ..Listing::default()
        };
        for (key, value) in pairs {
            let value = value.trim().to_owned();
            match key.as_str() {
                "cursor" if !value.is_empty() => {
                    let cursor = value.parse::<i64>().ok().filter(|id| *id > 0);
                    listing.cursor =
                        Some(cursor.ok_or_else(|| PageError::new(400, "cursor: a letter id"))?);
                }
                "status" if !value.is_empty() => listing.status = value,
                key if KEYS.contains(&key) && !value.is_empty() => {
                    listing.given.push((key.to_owned(), value))
                }
                _ => {}
            }
        }
        Ok(listing)
    }

    pub fn value(&self, key: &str) -> &str {
        self.given
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The store's filter (times relative to now).
    pub fn filter(&self) -> Result<DeadLetterFilter, PageError> {
        let mut input = FilterInput::default();
        for (key, value) in &self.given {
            input.set(key, value.clone());
        }
        if self.status != "any" {
            input.set("status", self.status.clone());
        }
        Ok(input.resolve(chrono::Utc::now())?)
    }

    /// This listing's query string, starting at `cursor`.
    fn query(&self, cursor: Option<i64>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.given {
            query.append_pair(key, value);
        }
        query.append_pair("status", &self.status);
        if let Some(cursor) = cursor {
            query.append_pair("cursor", &cursor.to_string());
        }
        query.finish()
    }
}

/// `GET /ops/dead-letters?flow=&error_code=&record=&older_than=&newer_than=&status=&cursor=`.
pub async fn list(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let pairs = layout::query_pairs(query.as_deref());
    let listing = Listing::parse(pairs.iter().cloned())?;
    let filter = listing.filter()?;
    let store = state.store.as_ref();
    let matched = store.count_dead_letters(&filter).await?;
    let letters = store
        .dead_letter_page(&filter, listing.cursor, PAGE_SIZE)
        .await?;
    let next = (letters.len() == PAGE_SIZE)
        .then(|| letters.last().map(|letter| letter.id))
        .flatten();
    let body = html! {
        h1 { "Dead letters" }
        section { (filter_form(&listing)) }
        section {
            p #matched { (matched) " match" @if listing.cursor.is_some() { " (a later page)" } }
            @if matched > 0 && listing.status != "replayed" && listing.status != "discarded" {
                (bulk_forms(&listing, &viewer, matched))
            }
            (table(&letters))
            p.actions {
                @if listing.cursor.is_some() { a href={ (DEAD_LETTERS) "?" (listing.query(None)) } { "Newest" } }
                @if let Some(next) = next { a #next href={ (DEAD_LETTERS) "?" (listing.query(Some(next))) } { "Older →" } }
            }
        }
    };
    Ok(layout::page(
        "Dead letters",
        &viewer,
        layout::notice(&pairs),
        body,
    ))
}

fn filter_form(listing: &Listing) -> Markup {
    html! {
        form.filters method="get" action=(DEAD_LETTERS) {
            label { "Flow" select name="flow" {
                option value="" { "any" }
                @for flow in Flow::ALL {
                    option value=(flow.as_str()) selected[listing.value("flow") == flow.as_str()] { (flow.as_str()) }
                }
            } }
            label { "Error code" input name="error_code" value=(listing.value("error_code")) placeholder="INVALID_FIELD"; }
            label { "Record" input name="record" value=(listing.value("record")) placeholder="id or source:object:id"; }
            label { "Older than" input name="older_than" size="8" value=(listing.value("older_than")) placeholder="1h"; }
            label { "Newer than" input name="newer_than" size="8" value=(listing.value("newer_than")) placeholder="2d"; }
            label { "Status" select name="status" {
                @for status in ["open", "replayed", "discarded", "any"] {
                    option value=(status) selected[listing.status == status] { (status) }
                }
            } }
            button type="submit" id="filter" { "Filter" }
        }
    }
}

fn bulk_forms(listing: &Listing, viewer: &Viewer, matched: u64) -> Markup {
    let hidden = html! {
        (csrf_field(viewer))
        @for (key, value) in &listing.given { input type="hidden" name=(key) value=(value); }
    };
    html! {
        div.actions {
            form.inline method="post" action=(REPLAY_DEAD_LETTERS) {
                (hidden) button type="submit" id="replay-all" { "Replay every open one that matches (" (matched) ")" }
            }
            form.inline method="post" action=(DISCARD_DEAD_LETTERS) {
                (hidden) button.danger type="submit" id="discard-all" { "Discard every open one that matches" }
            }
        }
    }
}

fn table(letters: &[StoredDeadLetter]) -> Markup {
    html! {
        table #dead-letters {
            thead { tr { th.n { "#" } th { "Failed" } th { "Record" } th { "Error" } th.n { "Attempts" } th { "Status" } } }
            tbody { @for letter in letters {
                @let failed = DateTime::from_timestamp_millis(letter.failed_at_ms).unwrap_or_default();
                tr data-id=(letter.id) {
                    td.n { a.letter href={ (DEAD_LETTERS) "/" (letter.id) } { (letter.id) } }
                    td.when title=(layout::time(failed)) { (layout::age(failed)) " ago" }
                    td { a href={ (RECORDS) "?system=" (letter.event.source.as_str()) "&id=" (letter.event.record_id) } { code { (letter.event.record_key()) } } }
                    td {
                        @if let Some(code) = &letter.error_code { b { (code) } " " }
                        span.muted { (shorten(&letter.reason, 140)) }
                    }
                    td.n { (letter.attempts) }
                    td { span class=(status_class(letter.status)) { (letter.status.as_str()) } }
                }
            } }
        }
    }
}

pub fn status_class(status: DeadLetterStatus) -> &'static str {
    match status {
        DeadLetterStatus::Open => "bad",
        DeadLetterStatus::Replayed => "ok",
        DeadLetterStatus::Discarded => "muted",
    }
}

fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        layout::query_pairs(Some(query))
    }

    #[test]
    fn blank_fields_are_no_filter_and_the_status_defaults_to_open() {
        let listing =
            Listing::parse(pairs("flow=&error_code=INVALID_FIELD&record=+&cursor=")).unwrap();
        assert_eq!(
            listing.given,
            vec![("error_code".to_owned(), "INVALID_FIELD".to_owned())]
        );
        let filter = listing.filter().unwrap();
        assert_eq!(filter.status, Some(DeadLetterStatus::Open));
        assert_eq!(filter.record, None);
        let any = Listing::parse(pairs("status=any"))
            .unwrap()
            .filter()
            .unwrap();
        assert_eq!(any.status, None);
    }

    #[test]
    fn a_bad_value_is_refused_naming_its_key() {
        let listing = Listing::parse(pairs("older_than=soon")).unwrap();
        assert!(format!("{:?}", listing.filter().unwrap_err()).contains("older_than"));
        assert!(Listing::parse(pairs("cursor=x")).is_err());
    }

    #[test]
    fn the_next_page_keeps_the_filter() {
        let listing = Listing::parse(pairs("flow=account_to_customer&status=any")).unwrap();
        assert_eq!(
            listing.query(Some(42)),
            "flow=account_to_customer&status=any&cursor=42"
        );
    }

    #[test]
    fn long_reasons_are_cut_on_a_character() {
        assert_eq!(shorten("äbcdef", 3), "äbc…");
        assert_eq!(shorten("abc", 3), "abc");
    }
}
