//! Discovery (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`, each
//! resource type and schema also by its id. The schemas declare every sub-attribute Rewind
//! returns, so clients that validate answers against them accept what they get.
use super::groups::{GROUP_EXTENSION, GROUP_SCHEMA};
use super::{base_url, scim, ScimError, ENTERPRISE_SCHEMA, LIST_SCHEMA, MAX_COUNT, USER_SCHEMA};
use app::auth::authorize_bearer;
use app::model::Permission;
use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

fn list(resources: Vec<Value>) -> Response {
    scim(
        StatusCode::OK,
        json!({"schemas": [LIST_SCHEMA], "totalResults": resources.len(), "startIndex": 1,
               "itemsPerPage": resources.len(), "Resources": resources}),
    )
}

pub async fn service_provider_config(
    State(state): State<AppState>,
    parts: Parts,
) -> Result<Response, ScimError> {
    authorize_bearer(&state, &parts, Permission::IdentityRead).await?;
    let base = base_url(&parts);
    // The console's API tokens page says how to call the service, `asOf` included.
    let documentation = format!("{}/api-tokens", base.trim_end_matches("/scim/v2"));
    Ok(scim(
        StatusCode::OK,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": documentation,
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": MAX_COUNT},
            "changePassword": {"supported": false},
            "sort": {"supported": true},
            "etag": {"supported": true},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "API token",
                "description": "Authorization: Bearer rwd_… (an API token from the console's API tokens page). Every GET also takes asOf=<RFC 3339 instant>, Rewind's time-travel extension, and answers as things were then.",
                "primary": true,
            }],
            "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
        }),
    ))
}

fn resource_type_list(base: &str) -> Vec<Value> {
    [
        ("User", "/Users", USER_SCHEMA, ENTERPRISE_SCHEMA),
        ("Group", "/Groups", GROUP_SCHEMA, GROUP_EXTENSION),
    ]
    .map(|(name, endpoint, schema, extension)| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": name, "name": name, "endpoint": endpoint, "schema": schema,
            "schemaExtensions": [{"schema": extension, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{name}")},
        })
    })
    .to_vec()
}

pub async fn resource_types(
    State(state): State<AppState>,
    parts: Parts,
) -> Result<Response, ScimError> {
    authorize_bearer(&state, &parts, Permission::IdentityRead).await?;
    Ok(list(resource_type_list(&base_url(&parts))))
}

pub async fn resource_type(
    State(state): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
) -> Result<Response, ScimError> {
    authorize_bearer(&state, &parts, Permission::IdentityRead).await?;
    resource_type_list(&base_url(&parts))
        .into_iter()
        .find(|t| t["id"] == id.as_str())
        .map(|t| scim(StatusCode::OK, t))
        .ok_or_else(|| ScimError::not_found(format!("No resource type {id:?}.")))
}

/// One attribute: a string unless `kind` says otherwise, single-valued, readWrite.
fn attribute(name: &str, kind: &str) -> Value {
    json!({"name": name, "type": kind, "multiValued": false, "required": false,
           "caseExact": false, "mutability": "readWrite", "returned": "default",
           "uniqueness": "none"})
}

fn with(mut attribute: Value, key: &str, value: Value) -> Value {
    attribute[key] = value;
    attribute
}

/// A complex attribute and its sub-attributes: strings, except `primary` (a boolean) and
/// `$ref` (a reference to `references`).
fn complex(name: &str, multi: bool, subs: &[&str], references: &[&str]) -> Value {
    let subs: Vec<Value> = subs
        .iter()
        .map(|sub| match *sub {
            "primary" => attribute(sub, "boolean"),
            "$ref" => with(
                attribute(sub, "reference"),
                "referenceTypes",
                json!(references),
            ),
            _ => attribute(sub, "string"),
        })
        .collect();
    with(
        with(attribute(name, "complex"), "multiValued", json!(multi)),
        "subAttributes",
        json!(subs),
    )
}

/// Sets `canonicalValues` on the sub-attribute `sub` of a complex attribute.
fn canonical(mut complex: Value, sub: &str, values: &[&str]) -> Value {
    if let Some(subs) = complex["subAttributes"].as_array_mut() {
        for attribute in subs.iter_mut().filter(|a| a["name"] == sub) {
            attribute["canonicalValues"] = json!(values);
        }
    }
    complex
}

/// Sets `mutability` to readOnly on the sub-attribute `sub` of a complex attribute.
fn read_only_sub(mut complex: Value, sub: &str) -> Value {
    if let Some(subs) = complex["subAttributes"].as_array_mut() {
        for attribute in subs.iter_mut().filter(|a| a["name"] == sub) {
            attribute["mutability"] = json!("readOnly");
        }
    }
    complex
}

fn schema_list(base: &str) -> Vec<Value> {
    let required = |a: Value| with(a, "required", json!(true));
    let unique = |a: Value| with(a, "uniqueness", json!("server"));
    let read_only = |a: Value| with(a, "mutability", json!("readOnly"));
    // An identity provider's ids differ by case alone (RFC 7643 §3.1).
    let case_exact = |a: Value| with(a, "caseExact", json!(true));
    let schema = |id: &str, name: &str, attributes: Vec<Value>| {
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"], "id": id,
               "name": name, "attributes": attributes,
               "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")}})
    };
    vec![
        schema(
            USER_SCHEMA,
            "User",
            vec![
                required(unique(attribute("userName", "string"))),
                // No `formatted`: displayName, read-only, is the full name Rewind derives.
                complex(
                    "name",
                    false,
                    &["givenName", "middleName", "familyName"],
                    &[],
                ),
                read_only(attribute("displayName", "string")),
                // Rewind keeps one address, the work one (so no `primary` to choose).
                canonical(
                    complex("emails", true, &["value", "type"], &[]),
                    "type",
                    &["work"],
                ),
                // Every Rewind user is active or not: never unassigned.
                required(attribute("active", "boolean")),
                attribute("userType", "string"),
                case_exact(attribute("externalId", "string")),
                read_only(complex(
                    "groups",
                    true,
                    &["value", "$ref", "display", "type"],
                    &["Group"],
                )),
            ],
        ),
        schema(
            ENTERPRISE_SCHEMA,
            "EnterpriseUser",
            vec![
                attribute("employeeNumber", "string"),
                attribute("department", "string"),
                read_only_sub(
                    complex(
                        "manager",
                        false,
                        &["value", "$ref", "displayName"],
                        &["User"],
                    ),
                    "displayName",
                ),
            ],
        ),
        schema(
            GROUP_SCHEMA,
            "Group",
            vec![
                required(unique(attribute("displayName", "string"))),
                case_exact(attribute("externalId", "string")),
                // Members are users; a group's place in the tree is its parent.
                canonical(
                    complex("members", true, &["value", "$ref", "type"], &["User"]),
                    "type",
                    &["User"],
                ),
            ],
        ),
        schema(
            GROUP_EXTENSION,
            "RewindGroup",
            vec![
                complex("parent", false, &["value", "$ref"], &["Group"]),
                attribute("description", "string"),
            ],
        ),
    ]
}

/// `/Schemas`: the attributes Rewind keeps (README, "API tokens and SCIM": the mapping).
pub async fn schemas(State(state): State<AppState>, parts: Parts) -> Result<Response, ScimError> {
    authorize_bearer(&state, &parts, Permission::IdentityRead).await?;
    Ok(list(schema_list(&base_url(&parts))))
}

pub async fn schema(
    State(state): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
) -> Result<Response, ScimError> {
    authorize_bearer(&state, &parts, Permission::IdentityRead).await?;
    schema_list(&base_url(&parts))
        .into_iter()
        .find(|s| s["id"] == id.as_str())
        .map(|s| scim(StatusCode::OK, s))
        .ok_or_else(|| ScimError::not_found(format!("No schema {id:?}.")))
}
