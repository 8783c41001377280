//! `POST /services/rest/query/v1/suiteql`: SuiteQL through REST web services, as NetSuite
//! serves it: the record service's auth, `Prefer: transient` required, `{"q": "…"}` as the
//! body, `limit` (at most 1000) and `offset` (a multiple of the limit) in the query string, and
//! a page of rows whose values are all strings under lower-case column names (NULLs left out).

mod eval;
mod lex;
mod parse;
mod tables;

#[cfg(test)]
mod tests;

use super::NetsuiteState;
use super::error::NsError;
use super::records::json;
use super::render::COLLECTION_CONTENT_TYPE;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use eval::Refusal;
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub const PATH: &str = "/services/rest/query/v1/suiteql";
const MAX_LIMIT: usize = 1000;

#[derive(Debug, Default, Deserialize)]
pub struct Paging {
    limit: Option<String>,
    offset: Option<String>,
}

fn invalid_parameter(detail: impl Into<String>) -> NsError {
    NsError::new(StatusCode::BAD_REQUEST, "INVALID_PARAMETER", detail)
}

/// NetSuite's answer to a query it cannot run.
fn invalid_query(why: &str) -> NsError {
    invalid_parameter(format!(
        "Invalid search query. Detailed unprocessed description follows. {why}"
    ))
}

fn refusal(refusal: Refusal) -> NsError {
    match refusal {
        Refusal::UnknownTable(table) => invalid_query(&format!(
            "Search error occurred: Record '{table}' was not found."
        )),
        Refusal::UnknownColumn(column) => invalid_query(&format!(
            "Search error occurred: Unknown identifier '{column}'."
        )),
    }
}

fn paging(paging: &Paging) -> Result<(usize, usize), NsError> {
    let number = |value: &Option<String>, name: &str, default: usize| match value {
        None => Ok(default),
        Some(text) => text.parse::<usize>().map_err(|_| {
            invalid_parameter(format!("Invalid value for the query parameter '{name}'."))
        }),
    };
    let limit = number(&paging.limit, "limit", MAX_LIMIT)?;
    let offset = number(&paging.offset, "offset", 0)?;
    if limit == 0 || limit > MAX_LIMIT {
        return Err(invalid_parameter(format!(
            "Invalid value for the query parameter 'limit'. Provide a value between 1 and {MAX_LIMIT}."
        )));
    }
    if offset % limit != 0 {
        return Err(invalid_parameter(
            "Invalid value for the query parameter 'offset'. The offset must be a multiple of the limit.",
        ));
    }
    Ok((limit, offset))
}

fn transient(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|preference| preference.trim().eq_ignore_ascii_case("transient"))
}

pub async fn query(
    State(state): State<NetsuiteState>,
    Query(page): Query<Paging>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, NsError> {
    if !transient(&headers) {
        return Err(NsError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_HEADER",
            "Invalid value of the 'Prefer' header: a SuiteQL query must be sent with 'Prefer: transient'.",
        ));
    }
    let (limit, offset) = paging(&page)?;
    let text = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(object)) => match object.get("q") {
            Some(Value::String(text)) => text.clone(),
            _ => {
                return Err(NsError::malformed_body(
                    "the body must carry the query as \"q\"",
                ));
            }
        },
        _ => return Err(NsError::malformed_body("the body must be a JSON object")),
    };
    state.journal.count_operation("suiteql");
    let parsed = lex::tokens(&text)
        .and_then(parse::parse)
        .map_err(|why| invalid_query(&format!("Failed to parse SQL [{text}]: {why}")))?;
    let rows = eval::run(&state.records(), &parsed).map_err(refusal)?;
    let total = rows.len();
    let items: Vec<Value> = rows
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|row| {
            let mut item = Map::new();
            item.insert("links".into(), json!([]));
            for (column, value) in row {
                if let Some(value) = value {
                    item.insert(column.into(), json!(value));
                }
            }
            Value::Object(item)
        })
        .collect();
    let has_more = offset + items.len() < total;
    let base = format!("{}{PATH}", state.base_url());
    let mut links =
        vec![json!({ "rel": "self", "href": format!("{base}?limit={limit}&offset={offset}") })];
    if has_more {
        let next = format!("{base}?limit={limit}&offset={}", offset + limit);
        links.insert(0, json!({ "rel": "next", "href": next }));
    }
    let body = json!({
        "links": links,
        "count": items.len(),
        "hasMore": has_more,
        "items": items,
        "offset": offset,
        "totalResults": total,
    });
    Ok(json(COLLECTION_CONTENT_TYPE, StatusCode::OK, &body))
}
