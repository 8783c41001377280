//! The metadata catalog: `GET /record/v1/metadata-catalog` lists the record types (`?select=`
//! narrows it; with `Accept: application/swagger+json` it answers the OpenAPI 3.0 document of
//! those types instead), and `GET /record/v1/metadata-catalog/{recordType}` describes one: its
//! standard fields and the account's custom fields (`"x-ns-custom-field": true`), as JSON Schema
//! with `Accept: application/schema+json` or in an OpenAPI 3.0 document with
//! `Accept: application/swagger+json`.

use super::NetsuiteState;
use super::custom_fields::CustomType;
use super::error::NsError;
use super::record_type::RecordType;
use super::records::json;
use super::standard_fields::{self, Shape};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub const CATALOG: &str = "/services/rest/record/v1/metadata-catalog";
pub const RECORD_TYPE: &str = "/services/rest/record/v1/metadata-catalog/{record_type}";

const SCHEMA_JSON: &str = "application/schema+json";
const SWAGGER_JSON: &str = "application/swagger+json";

#[derive(Deserialize)]
pub struct Select {
    select: Option<String>,
}

/// The catalog's name for a record type: its REST id in lower case (`salesorder`).
fn catalog_name(record_type: RecordType) -> String {
    record_type.url_name().to_ascii_lowercase()
}

pub async fn catalog(
    State(state): State<NetsuiteState>,
    Query(query): Query<Select>,
    headers: HeaderMap,
) -> Response {
    state.journal.count_operation("metadata");
    let base = format!("{}{CATALOG}", state.base_url());
    let wanted: Option<Vec<String>> = query.select.map(|list| {
        list.split(',')
            .map(|name| name.trim().to_ascii_lowercase())
            .collect()
    });
    let selected: Vec<RecordType> = RecordType::ALL
        .into_iter()
        .filter(|ty| {
            wanted
                .as_ref()
                .is_none_or(|names| names.contains(&catalog_name(*ty)))
        })
        .collect();
    if wants_swagger(&headers) {
        let document = openapi_document(&state, &selected);
        return json(SWAGGER_JSON, StatusCode::OK, &document);
    }
    let items: Vec<Value> = selected
        .into_iter()
        .map(|ty| {
            let href = format!("{base}/{}", catalog_name(ty));
            json!({
                "name": catalog_name(ty),
                "links": [
                    { "rel": "canonical", "href": href, "mediaType": "application/json" },
                    { "rel": "alternate", "href": href, "mediaType": SWAGGER_JSON },
                    { "rel": "describedby", "href": href, "mediaType": SCHEMA_JSON },
                ],
            })
        })
        .collect();
    let body = json!({ "items": items, "links": [{ "rel": "self", "href": base }] });
    json("application/json", StatusCode::OK, &body)
}

pub async fn record_type(
    State(state): State<NetsuiteState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, NsError> {
    let record_type = RecordType::from_any(&name).ok_or_else(|| NsError::invalid_path(&name))?;
    state.journal.count_operation("metadata");
    if wants_swagger(&headers) {
        let document = openapi_document(&state, &[record_type]);
        return Ok(json(SWAGGER_JSON, StatusCode::OK, &document));
    }
    Ok(json(
        SCHEMA_JSON,
        StatusCode::OK,
        &json_schema(&state, record_type),
    ))
}

/// Only the two media types the documentation names are distinguished; anything else gets
/// JSON (the list, or a record type's JSON Schema).
fn wants_swagger(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains(SWAGGER_JSON))
}

/// The OpenAPI 3.0 document of `record_types`: a collection path and a record path for each,
/// and each one's schema under `components.schemas`.
fn openapi_document(state: &NetsuiteState, record_types: &[RecordType]) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for record_type in record_types {
        let name = catalog_name(*record_type);
        let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
        let answer = |description: &str| {
            json!({ "200": {
                "description": description,
                "content": { "application/vnd.oracle.resource+json; type=singular": {
                    "schema": reference.clone() } },
            } })
        };
        paths.insert(
            format!("/{name}"),
            json!({
                "get": { "tags": [name], "summary": "Get list of records",
                         "responses": { "200": { "description": "Get list of records" } } },
                "post": { "tags": [name], "summary": "Insert record",
                          "responses": { "204": { "description": "Inserted record" } } },
            }),
        );
        paths.insert(
            format!("/{name}/{{id}}"),
            json!({ "get": { "tags": [name], "summary": "Get record",
                             "responses": answer("Get record") } }),
        );
        schemas.insert(name, json_schema(state, *record_type));
    }
    json!({
        "openapi": "3.0.1",
        "info": { "title": "NetSuite REST Record API", "version": "v1" },
        "paths": paths,
        "components": { "schemas": schemas },
    })
}

fn json_schema(state: &NetsuiteState, record_type: RecordType) -> Value {
    let catalog = format!("{}{CATALOG}", state.base_url());
    let mut properties = Map::new();
    for (id, title, shape) in standard_fields::of(record_type) {
        properties.insert((*id).to_owned(), standard_property(title, *shape, &catalog));
    }
    for field in state.custom_fields.of(record_type) {
        let (kind, format) = match field.kind {
            CustomType::FreeFormText => ("string", None),
            CustomType::Currency => ("number", Some("double")),
            CustomType::CheckBox => ("boolean", None),
        };
        let mut property = json!({
            "title": field.label,
            "type": kind,
            "nullable": true,
            "x-ns-custom-field": true,
        });
        if let Some(format) = format {
            property["format"] = json!(format);
        }
        properties.insert(field.id.clone(), property);
    }
    json!({
        "type": "object",
        "properties": properties,
        "$schema": "https://json-schema.org/draft-06/hyper-schema#",
    })
}

fn standard_property(title: &str, shape: Shape, catalog: &str) -> Value {
    match shape {
        Shape::Text => json!({ "title": title, "type": "string", "nullable": true }),
        Shape::Number => {
            json!({ "title": title, "type": "number", "format": "double", "nullable": true })
        }
        Shape::Integer => {
            json!({ "title": title, "type": "integer", "format": "int64", "nullable": true })
        }
        Shape::Boolean => json!({ "title": title, "type": "boolean" }),
        Shape::Date => {
            json!({ "title": title, "type": "string", "format": "date", "nullable": true })
        }
        Shape::DateTime => {
            json!({ "title": title, "type": "string", "format": "date-time", "nullable": true })
        }
        Shape::Reference(target) => json!({
            "title": title,
            "type": "object",
            "$ref": format!("{catalog}/{}", catalog_name(target)),
        }),
        Shape::Sublist => json!({
            "title": title,
            "type": "object",
            "properties": { "items": { "type": "array", "items": { "type": "object" } } },
        }),
    }
}
