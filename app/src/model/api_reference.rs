//! The REST API's operations as the console's API reference page shows them, read from the
//! OpenAPI document the server generates (`/api/openapi.json`).
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiOperation {
    /// GET, POST…
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub parameters: Vec<ApiParameter>,
    pub responses: Vec<ApiResponse>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiParameter {
    pub name: String,
    /// query, path, header.
    pub location: String,
    pub required: bool,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiResponse {
    pub status: String,
    pub description: String,
}

/// The operations of an OpenAPI document, by path then method (RFC 9110 order).
#[cfg(feature = "ssr")]
pub fn api_operations(document: &serde_json::Value) -> Vec<ApiOperation> {
    let text = |v: &serde_json::Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
    let mut operations = Vec::new();
    let Some(paths) = document["paths"].as_object() else {
        return operations;
    };
    for (path, item) in paths {
        for method in ["get", "put", "post", "delete", "patch"] {
            let operation = &item[method];
            if !operation.is_object() {
                continue;
            }
            let parameters = operation["parameters"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .map(|p| ApiParameter {
                            name: text(p, "name"),
                            location: text(p, "in"),
                            required: p["required"].as_bool().unwrap_or(false),
                            description: text(p, "description"),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let responses = operation["responses"]
                .as_object()
                .map(|map| {
                    map.iter()
                        .map(|(status, r)| ApiResponse {
                            status: status.clone(),
                            description: text(r, "description"),
                        })
                        .collect()
                })
                .unwrap_or_default();
            operations.push(ApiOperation {
                method: method.to_uppercase(),
                path: path.clone(),
                summary: text(operation, "summary"),
                description: text(operation, "description"),
                parameters,
                responses,
            });
        }
    }
    operations
}
