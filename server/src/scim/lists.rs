//! SCIM lists: `GET /Users` and `POST /Users/.search` (filter, sort, paging, attributes) and
//! `POST /.search` across users and groups. Filters use Rewind's query language with SCIM's
//! attribute names mapped to Rewind's.
use super::{
    as_of, base_url, json_body, list_window, project, scim, user_resource, ReadParams, ScimError,
    ScimQuery, LIST_SCHEMA,
};
use app::auth::authorize_bearer;
use app::error::AppError;
use app::model::{Permission, UserListQuery, UserSort};
use app::state::AppState;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

/// The most characters of an attribute list, a filter or a sort name in a search body.
pub(crate) const MAX_SEARCH_TEXT: usize = 4096;

impl ReadParams {
    /// A `POST …/.search` body (RFC 7644 §3.4.3) as the query parameters of a GET: the same
    /// names, with `attributes` and `excludedAttributes` as arrays.
    pub(crate) fn from_search(body: &Value) -> Result<Self, ScimError> {
        let Value::Object(fields) = body else {
            return Err(ScimError::bad(
                "invalidSyntax",
                "A search request is a JSON object.",
            ));
        };
        let bounded = |key: &str, text: String| {
            if text.chars().count() > MAX_SEARCH_TEXT {
                Err(ScimError::bad(
                    "invalidValue",
                    format!("{key} is longer than {MAX_SEARCH_TEXT} characters."),
                ))
            } else {
                Ok(Some(text))
            }
        };
        let text = |key: &str| -> Result<Option<String>, ScimError> {
            match fields.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => bounded(key, s.clone()),
                Some(_) => Err(ScimError::bad(
                    "invalidValue",
                    format!("{key} must be a string."),
                )),
            }
        };
        let list = |key: &str| -> Result<Option<String>, ScimError> {
            match fields.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(items)) => {
                    let names: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                    let names = names.ok_or_else(|| {
                        ScimError::bad("invalidValue", format!("{key} is a list of names."))
                    })?;
                    bounded(key, names.join(","))
                }
                Some(Value::String(s)) => bounded(key, s.clone()),
                Some(_) => Err(ScimError::bad(
                    "invalidValue",
                    format!("{key} is a list of names."),
                )),
            }
        };
        let number = |key: &str| -> Result<Option<i64>, ScimError> {
            match fields.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(value) => value.as_i64().map(Some).ok_or_else(|| {
                    ScimError::bad("invalidValue", format!("{key} must be an integer."))
                }),
            }
        };
        Ok(Self {
            as_of: text("asOf")?,
            filter: text("filter")?,
            start_index: number("startIndex")?,
            count: number("count")?,
            excluded_attributes: list("excludedAttributes")?,
            attributes: list("attributes")?,
            sort_by: text("sortBy")?,
            sort_order: text("sortOrder")?,
        })
    }

    /// `sortOrder`: ascending unless "descending" (RFC 7644 §3.4.2.3).
    pub(crate) fn descending(&self) -> Result<bool, ScimError> {
        match self.sort_order.as_deref().map(str::to_lowercase).as_deref() {
            None | Some("ascending") => Ok(false),
            Some("descending") => Ok(true),
            Some(other) => Err(ScimError::bad(
                "invalidValue",
                format!("sortOrder {other:?} is ascending or descending."),
            )),
        }
    }
}

/// SCIM attribute names in a user filter, as Rewind's query language calls them.
const FILTER_NAMES: &[(&str, &str)] = &[
    ("active", "enabled"),
    ("name.givenname", "firstName"),
    ("name.middlename", "middleName"),
    ("name.familyname", "lastName"),
    ("emails.value", "email"),
    ("emails", "email"),
    ("username", "userName"),
    ("usertype", "userType"),
];

/// `filter` with SCIM attribute names replaced (outside quoted strings).
fn scim_filter(filter: &str) -> String {
    let mut out = String::with_capacity(filter.len());
    let mut word = String::new();
    let mut quoted = false;
    let flush = |word: &mut String, out: &mut String| {
        let lower = word.to_lowercase();
        match FILTER_NAMES.iter().find(|(scim, _)| *scim == lower) {
            Some((_, ours)) => out.push_str(ours),
            None => out.push_str(word),
        }
        word.clear();
    };
    let mut escaped = false;
    for c in filter.chars() {
        if quoted {
            out.push(c);
            quoted = escaped || c != '"';
            escaped = !escaped && c == '\\';
            continue;
        }
        if c.is_alphanumeric() || c == '.' || c == '_' {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out);
        out.push(c);
        quoted = c == '"';
        escaped = false;
    }
    flush(&mut word, &mut out);
    out
}

/// `sortBy` of users: the orders the users list keeps an index for.
fn user_sort(params: &ReadParams) -> Result<UserSort, ScimError> {
    let Some(name) = params.sort_by.as_deref() else {
        return Ok(UserSort::Name);
    };
    match name.trim().to_lowercase().as_str() {
        "username" => Ok(UserSort::Name),
        "displayname" | "name.formatted" => Ok(UserSort::FullName),
        "meta.lastmodified" => Ok(UserSort::Modified),
        _ => Err(ScimError::bad(
            "invalidValue",
            format!("Users sort by userName, displayName or meta.lastModified, not {name:?}."),
        )),
    }
}

pub(crate) async fn list_users(
    State(state): State<AppState>,
    ScimQuery(params): ScimQuery,
    parts: Parts,
) -> Result<Response, ScimError> {
    authorize_bearer(&state, &parts, Permission::IdentityRead).await?;
    users_list(&state, &params, &parts).await
}

/// `POST /Users/.search`: the list, with its parameters in the body.
pub(crate) async fn search_users(
    State(state): State<AppState>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Result<Response, ScimError> {
    authorize_bearer(&state, &parts, Permission::IdentityRead).await?;
    let params = ReadParams::from_search(&json_body(&body)?)?;
    users_list(&state, &params, &parts).await
}

/// A list of users; the caller has authorised the request.
async fn users_list(
    state: &AppState,
    params: &ReadParams,
    parts: &Parts,
) -> Result<Response, ScimError> {
    let (start, count) = list_window(params);
    let (total, resources) = users_page(state, params, &base_url(parts), start - 1, count).await?;
    Ok(list_response(start, total, resources))
}

/// A list answer: `resources` from `start` (from 1) of `total`.
pub(crate) fn list_response(start: i64, total: i64, resources: Vec<Value>) -> Response {
    scim(
        StatusCode::OK,
        json!({
            "schemas": [LIST_SCHEMA],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    )
}

/// The users a list asks for, `limit` of them from `offset`, and how many match in all.
async fn users_page(
    state: &AppState,
    params: &ReadParams,
    base: &str,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Value>), ScimError> {
    let at = as_of(params)?;
    let query = UserListQuery {
        as_of: at,
        search: String::new(),
        filter: scim_filter(params.filter.as_deref().unwrap_or_default()),
        sort: user_sort(params)?,
        descending: params.descending()?,
        offset,
        limit: limit.max(1),
    };
    let page = state
        .store
        .list_users(&query)
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Validation(problems) => ScimError::bad(
                "invalidFilter",
                problems
                    .first()
                    .map(|p| p.message.clone())
                    .unwrap_or_else(|| "The filter does not read.".into()),
            ),
            other => other.into(),
        })?;
    let mut resources = Vec::new();
    if limit > 0 {
        for summary in &page.items {
            let detail = state.store.get_user(summary.id, at).await?;
            let mut resource = user_resource(&detail, base);
            project(&mut resource, params);
            resources.push(resource);
        }
    }
    Ok((page.total, resources))
}

/// `POST /.search` (RFC 7644 §3.4.3): users, then groups, in one list. A filter one type
/// cannot read matches none of that type (RFC 7644 §3.4.2.2, attributes a type lacks);
/// refused only when neither reads it.
pub(crate) async fn search_everything(
    State(state): State<AppState>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Result<Response, ScimError> {
    authorize_bearer(&state, &parts, Permission::IdentityRead).await?;
    let mut params = ReadParams::from_search(&json_body(&body)?)?;
    // Each type sorts its own part; across types, users come first.
    params.sort_by = None;
    let (start, count) = list_window(&params);
    let base = base_url(&parts);
    let offset = start - 1;
    // Each type is read once: the users of the window, then the groups that fill the rest.
    let users = users_page(&state, &params, &base, offset, count).await;
    let users_total = users.as_ref().map_or(0, |(total, _)| *total);
    let users_shown = users.as_ref().map_or(0, |(_, shown)| shown.len() as i64);
    let group_offset = (offset - users_total).max(0);
    let groups =
        super::groups::groups_page(&state, &params, &base, group_offset, count - users_shown).await;
    // Only a filter one type cannot read counts as none of that type; other errors stand.
    let unreadable = |e: &ScimError| e.scim_type == Some("invalidFilter");
    let ((users_total, mut resources), (groups_total, groups)) = match (users, groups) {
        (Err(error), Err(other)) if unreadable(&error) && unreadable(&other) => return Err(error),
        (Err(error), _) if !unreadable(&error) => return Err(error),
        (_, Err(error)) if !unreadable(&error) => return Err(error),
        (users, groups) => (users.unwrap_or_default(), groups.unwrap_or_default()),
    };
    resources.extend(groups);
    Ok(list_response(start, users_total + groups_total, resources))
}

#[cfg(test)]
mod tests {
    #[test]
    fn scim_names_in_filters_become_rewind_names_outside_strings() {
        assert_eq!(
            super::scim_filter(r#"active eq true and name.familyName sw "active eq""#),
            r#"enabled eq true and lastName sw "active eq""#
        );
        assert_eq!(
            super::scim_filter(r#"(emails.value co "@x") or userName eq "a\"b""#),
            r#"(email co "@x") or userName eq "a\"b""#
        );
    }
}
