//! SCIM Groups: Rewind's groups, their members (users whose primary group it is, read-only
//! here, and secondary memberships, which SCIM adds and removes) and, in Rewind's extension,
//! the parent group and description. Writes run as one transaction
//! (`Store::provision_group`).
use super::{
    as_of, author, base_url, etag, expected_version, instant, json_body, list_window,
    lists::list_response, project, resource_response, ReadParams, ScimError, ScimQuery,
};
use app::auth::authorize_bearer;
use app::model::{Group, GroupId, GroupInput, GroupMember, Permission, UserId};
use app::state::AppState;
use app::store::GroupProvision;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::collections::HashSet;

pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const GROUP_EXTENSION: &str = "urn:rewind:scim:schemas:extension:2.0:Group";
/// A member filter path is short; anything longer is not one.
const MAX_PATH_CHARS: usize = 200;

fn group_id(id: &str) -> Result<GroupId, ScimError> {
    id.parse()
        .map(GroupId)
        .map_err(|_| ScimError::not_found(format!("No group has the id {id:?}.")))
}

/// A group as SCIM sees it; `version` (microseconds) is `Store::group_version`, which moves
/// with membership changes too.
fn resource(group: &Group, version: i64, members: Option<&[GroupMember]>, base: &str) -> Value {
    // Unassigned attributes are left out (RFC 7643 §2.5), never sent as empty strings.
    let mut extension = serde_json::Map::new();
    if !group.input.description.is_empty() {
        extension.insert("description".into(), json!(group.input.description));
    }
    if let Some(parent) = group.input.parent {
        extension.insert(
            "parent".into(),
            json!({"value": parent.0.to_string(), "$ref": format!("{base}/Groups/{}", parent.0)}),
        );
    }
    let mut value = json!({
        "schemas": [GROUP_SCHEMA],
        "id": group.id.0.to_string(),
        "displayName": group.input.name,
        "meta": {
            "resourceType": "Group",
            "lastModified": instant(changed_at(version)),
            "location": format!("{base}/Groups/{}", group.id.0),
            "version": etag(changed_at(version)),
        },
    });
    if !group.input.external_id.is_empty() {
        value["externalId"] = json!(group.input.external_id);
    }
    if !extension.is_empty() {
        value["schemas"] = json!([GROUP_SCHEMA, GROUP_EXTENSION]);
        value[GROUP_EXTENSION] = Value::Object(extension);
    }
    if let Some(members) = members.filter(|m| !m.is_empty()) {
        // Users whose primary group this is are members too (kept by the user's record).
        value["members"] = members
            .iter()
            .map(|m| {
                json!({
                    "value": m.user.0.to_string(),
                    "$ref": format!("{base}/Users/{}", m.user.0),
                    "type": "User",
                })
            })
            .collect();
    }
    value
}

fn changed_at(micros: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

async fn group_response(
    state: &AppState,
    status: StatusCode,
    id: GroupId,
    parts: &Parts,
) -> Result<Response, ScimError> {
    let group = state.store.get_group(id, None).await?;
    let members = state.store.group_members(id, None).await?;
    let version = state.store.group_version(id, None).await?;
    let body = resource(&group, version, Some(&members), &base_url(parts));
    Ok(resource_response(status, body))
}

pub async fn get_group(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ScimQuery(params): ScimQuery,
    parts: Parts,
) -> Result<Response, ScimError> {
    authorize_bearer(&state, &parts, Permission::IdentityRead).await?;
    let at = as_of(&params)?;
    let id = group_id(&id)?;
    let group = state.store.get_group(id, at).await?;
    let members = if excludes_members(&params) {
        None
    } else {
        Some(state.store.group_members(id, at).await?)
    };
    let version = state.store.group_version(id, at).await?;
    let mut body = resource(&group, version, members.as_deref(), &base_url(&parts));
    project(&mut body, &params);
    Ok(resource_response(StatusCode::OK, body))
}

fn excludes_members(params: &ReadParams) -> bool {
    let names = |list: &Option<String>| -> Vec<String> {
        list.as_deref()
            .unwrap_or_default()
            .split(',')
            .map(|a| a.trim().to_lowercase())
            .collect()
    };
    let excluded = names(&params.excluded_attributes).contains(&"members".to_string());
    let not_asked = params.attributes.is_some()
        && !names(&params.attributes)
            .iter()
            .any(|a| a == "members" || a.starts_with("members."));
    excluded || not_asked
}

/// The filters groups answer: `displayName eq "…"` (what provisioning clients send) and
/// `externalId eq "…"`.
#[derive(Debug, PartialEq)]
enum GroupFilter {
    DisplayName(String),
    ExternalId(String),
}

fn group_filter(filter: &str) -> Result<Option<GroupFilter>, ScimError> {
    let filter = filter.trim();
    if filter.is_empty() {
        return Ok(None);
    }
    let refused = || {
        ScimError::bad(
            "invalidFilter",
            "Groups are filtered by displayName eq \"…\" or externalId eq \"…\" only.",
        )
    };
    let (attribute, rest) = filter.split_once(char::is_whitespace).ok_or_else(refused)?;
    let (op, value) = rest
        .trim()
        .split_once(char::is_whitespace)
        .ok_or_else(refused)?;
    if !op.eq_ignore_ascii_case("eq") {
        return Err(refused());
    }
    let value: String = serde_json::from_str(value.trim()).map_err(|_| refused())?;
    match attribute.to_lowercase().as_str() {
        "displayname" => Ok(Some(GroupFilter::DisplayName(value))),
        "externalid" => Ok(Some(GroupFilter::ExternalId(value))),
        _ => Err(refused()),
    }
}

pub async fn list_groups(
    State(state): State<AppState>,
    ScimQuery(params): ScimQuery,
    parts: Parts,
) -> Result<Response, ScimError> {
    authorize_bearer(&state, &parts, Permission::IdentityRead).await?;
    groups_list(&state, &params, &parts).await
}

/// `POST /Groups/.search`: the list, with its parameters in the body.
pub async fn search_groups(
    State(state): State<AppState>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Result<Response, ScimError> {
    authorize_bearer(&state, &parts, Permission::IdentityRead).await?;
    let params = ReadParams::from_search(&json_body(&body)?)?;
    groups_list(&state, &params, &parts).await
}

/// A list of groups; the caller has authorised the request.
async fn groups_list(
    state: &AppState,
    params: &ReadParams,
    parts: &Parts,
) -> Result<Response, ScimError> {
    let (start, count) = list_window(params);
    let (total, resources) = groups_page(state, params, &base_url(parts), start - 1, count).await?;
    Ok(list_response(start, total, resources))
}

/// The groups a list asks for, `limit` of them from `offset`, and how many match in all.
pub(crate) async fn groups_page(
    state: &AppState,
    params: &ReadParams,
    base: &str,
    offset: i64,
    limit: i64,
) -> Result<(i64, Vec<Value>), ScimError> {
    let at = as_of(params)?;
    let wanted = group_filter(params.filter.as_deref().unwrap_or_default())?;
    let mut groups = state.store.list_groups(at).await?;
    match &wanted {
        // Names are unique ignoring case (Unicode, as the store's name keys).
        Some(GroupFilter::DisplayName(name)) => {
            let wanted = name.trim().to_lowercase();
            groups.retain(|g| g.input.name.trim().to_lowercase() == wanted)
        }
        // externalId is case-exact (RFC 7643 §3.1), as for users.
        Some(GroupFilter::ExternalId(id)) => groups.retain(|g| g.input.external_id == *id),
        None => {}
    }
    match params
        .sort_by
        .as_deref()
        .map(|s| s.trim().to_lowercase())
        .as_deref()
    {
        None | Some("displayname") => groups.sort_by_key(|g| g.input.name.to_lowercase()),
        Some("meta.lastmodified") => groups.sort_by_key(|g| g.modified.at),
        Some(_) => {
            return Err(ScimError::bad(
                "invalidValue",
                "Groups sort by displayName or meta.lastModified.",
            ))
        }
    }
    if params.descending()? {
        groups.reverse();
    }
    let with_members = !excludes_members(params);
    let mut resources = Vec::new();
    for group in groups
        .iter()
        .skip(offset.max(0) as usize)
        .take(limit.max(0) as usize)
    {
        let members = if with_members {
            Some(state.store.group_members(group.id, at).await?)
        } else {
            None
        };
        let version = state.store.group_version(group.id, at).await?;
        let mut body = resource(group, version, members.as_deref(), base);
        project(&mut body, params);
        resources.push(body);
    }
    Ok((groups.len() as i64, resources))
}

/// The user ids of a `members` value: `[{"value": "12"}, …]`.
fn member_ids(value: &Value) -> Result<Vec<UserId>, ScimError> {
    let items = match value {
        Value::Array(items) => items.clone(),
        Value::Object(_) => vec![value.clone()],
        Value::Null => Vec::new(),
        _ => {
            return Err(ScimError::bad(
                "invalidValue",
                "members is a list of {\"value\": id}.",
            ))
        }
    };
    items
        .iter()
        .map(|item| {
            let reference = item.get("$ref").map(|r| json!(last_segment(r)));
            let id = item.get("value").or(reference.as_ref()).unwrap_or(item);
            let text = match id {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            };
            text.trim()
                .parse()
                .map(UserId)
                .map_err(|_| ScimError::bad("invalidValue", format!("{text:?} is not a user id.")))
        })
        .collect()
}

/// The parent of Rewind's extension: `{"value": "7"}`, `"7"`, or null for none.
fn parent_of(value: &Value) -> Result<Option<GroupId>, ScimError> {
    if let (None, Some(reference)) = (value.get("value"), value.get("$ref")) {
        return parent_of(&json!(last_segment(reference)));
    }
    let id = value.get("value").unwrap_or(value);
    match id {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .trim()
            .parse()
            .map(|id| Some(GroupId(id)))
            .map_err(|_| ScimError::bad("invalidValue", format!("{s:?} is not a group id."))),
        Value::Number(n) => n
            .as_i64()
            .map(|id| Some(GroupId(id)))
            .ok_or_else(|| ScimError::bad("invalidValue", "The parent is a group id.")),
        _ => Err(ScimError::bad("invalidValue", "The parent is a group id.")),
    }
}

/// Rewind's extension as a whole: an object sets what it names, null (a removal) clears it.
fn apply_extension(input: &mut GroupInput, value: &Value) -> Result<(), ScimError> {
    match value {
        Value::Null => {
            input.parent = None;
            input.description.clear();
        }
        Value::Object(fields) => {
            for (key, value) in fields.iter().filter(|(key, _)| *key != "schemas") {
                set_extension(input, &key.to_lowercase(), value)?;
            }
        }
        _ => {
            return Err(ScimError::bad(
                "invalidValue",
                "Rewind's group extension is an object.",
            ))
        }
    }
    Ok(())
}

/// One attribute of Rewind's extension, by its lower-cased name; null clears it.
fn set_extension(input: &mut GroupInput, name: &str, value: &Value) -> Result<(), ScimError> {
    match name {
        "parent" | "parent.value" => input.parent = parent_of(value)?,
        "parent.$ref" => input.parent = parent_of(&json!(last_segment(value)))?,
        "description" => input.description = text(value, "description")?,
        other => {
            return Err(ScimError::bad(
                "invalidPath",
                format!("Rewind's group extension has no attribute {other:?}."),
            ))
        }
    }
    Ok(())
}

fn text(value: &Value, what: &str) -> Result<String, ScimError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        _ => Err(ScimError::bad(
            "invalidValue",
            format!("{what} must be a string."),
        )),
    }
}

/// The id at the end of a `$ref` URL.
fn last_segment(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A whole Group resource (POST, PUT) over `input`: its name, external id, members and
/// extension (what is left out is cleared, as a replace asks).
fn apply_resource(input: &mut GroupInput, body: &Value) -> Result<GroupProvision, ScimError> {
    let name = body
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name.trim().is_empty() {
        return Err(ScimError::bad("invalidValue", "displayName is required."));
    }
    input.name = name.to_string();
    input.external_id = text(body.get("externalId").unwrap_or(&Value::Null), "externalId")?;
    apply_extension(input, &Value::Null)?;
    if let Some(extension) = body.get(GROUP_EXTENSION) {
        apply_extension(input, extension)?;
    }
    Ok(GroupProvision {
        input: input.clone(),
        members: Some(member_ids(body.get("members").unwrap_or(&Value::Null))?),
        ..Default::default()
    })
}

/// The user id a path such as `members[value eq "12"]` names.
fn member_in_path(path: &str) -> Result<Option<UserId>, ScimError> {
    let lower = path.to_lowercase();
    if lower == "members" {
        return Ok(None);
    }
    let bad = || ScimError::bad("invalidPath", format!("{path:?} is not a members path."));
    if path.chars().count() > MAX_PATH_CHARS {
        return Err(bad());
    }
    let inner = lower
        .strip_prefix("members[")
        .and_then(|rest| rest.strip_suffix(']'))
        .ok_or_else(bad)?;
    let (attribute, value) = inner.split_once(" eq ").ok_or_else(bad)?;
    if attribute.trim() != "value" {
        return Err(bad());
    }
    let value: String = serde_json::from_str(value.trim()).map_err(|_| bad())?;
    value
        .trim()
        .parse()
        .map(|id| Some(UserId(id)))
        .map_err(|_| bad())
}

/// The member changes of a PATCH, in order: users to add and remove (applied to the members
/// as they are when the write runs, so concurrent changes are kept), or — once the PATCH
/// replaces or clears the members — the whole new list.
#[derive(Default)]
struct MemberEdits {
    list: Option<Vec<UserId>>,
    add: Vec<UserId>,
    remove: Vec<UserId>,
}

impl MemberEdits {
    fn add(&mut self, ids: Vec<UserId>) {
        match &mut self.list {
            Some(list) => {
                let mut present: HashSet<UserId> = list.iter().copied().collect();
                list.extend(ids.into_iter().filter(|id| present.insert(*id)));
            }
            None => {
                let ids: HashSet<UserId> = ids.into_iter().collect();
                self.remove.retain(|id| !ids.contains(id));
                let mut present: HashSet<UserId> = self.add.iter().copied().collect();
                let mut ids: Vec<UserId> = ids.into_iter().collect();
                ids.sort_by_key(|id| id.0);
                self.add
                    .extend(ids.into_iter().filter(|id| present.insert(*id)));
            }
        }
    }

    fn remove(&mut self, ids: Vec<UserId>) {
        let gone: HashSet<UserId> = ids.iter().copied().collect();
        match &mut self.list {
            Some(list) => list.retain(|id| !gone.contains(id)),
            None => {
                self.add.retain(|id| !gone.contains(id));
                let mut present: HashSet<UserId> = self.remove.iter().copied().collect();
                self.remove
                    .extend(ids.into_iter().filter(|id| present.insert(*id)));
            }
        }
    }

    /// The members become `ids` (from `current`, the members when the write runs, only the
    /// list matters).
    fn replace(&mut self, ids: Vec<UserId>) {
        self.add.clear();
        self.remove.clear();
        self.list = Some(Vec::new());
        self.add(ids);
    }

    fn into_provision(self, input: GroupInput) -> GroupProvision {
        GroupProvision {
            input,
            members: self.list,
            add: self.add,
            remove: self.remove,
        }
    }
}

/// PATCH operations over `input`, in order. Member changes come out as additions and removals
/// unless the PATCH replaces or clears the members (`MemberEdits`).
fn apply_patch(input: &mut GroupInput, patch: &Value) -> Result<GroupProvision, ScimError> {
    let operations = patch
        .get("Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::bad("invalidSyntax", "A PATCH carries an Operations array."))?;
    if operations.len() > super::user_body::MAX_PATCH_OPERATIONS {
        return Err(ScimError::bad(
            "tooMany",
            "Too many operations in one PATCH.",
        ));
    }
    let mut members = MemberEdits::default();
    for operation in operations {
        let op = operation
            .get("op")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        let path = operation.get("path").and_then(Value::as_str).map(str::trim);
        let value = operation.get("value").cloned().unwrap_or(Value::Null);
        let extension_path = |p: &str| {
            p.to_lowercase()
                .strip_prefix(&format!("{}:", GROUP_EXTENSION.to_lowercase()))
                .map(str::to_string)
        };
        match (op.as_str(), path) {
            ("add" | "replace", None) => {
                if let Some(name) = value.get("displayName").and_then(Value::as_str) {
                    input.name = name.to_string();
                }
                if let Some(external) = value.get("externalId") {
                    input.external_id = text(external, "externalId")?;
                }
                if let Some(listed) = value.get("members") {
                    let ids = member_ids(listed)?;
                    if op == "replace" {
                        members.replace(ids);
                    } else {
                        members.add(ids);
                    }
                }
                if let Some(extension) = value.get(GROUP_EXTENSION) {
                    apply_extension(input, extension)?;
                }
            }
            ("add" | "replace", Some(p)) if p.eq_ignore_ascii_case("displayName") => {
                input.name = value.as_str().unwrap_or_default().to_string();
            }
            ("remove", Some(p)) if p.eq_ignore_ascii_case("displayName") => {
                return Err(ScimError::bad(
                    "mutability",
                    "displayName is required: it cannot be removed.",
                ))
            }
            ("add" | "replace", Some(p)) if p.eq_ignore_ascii_case("members") => {
                let ids = member_ids(&value)?;
                if op == "replace" {
                    members.replace(ids);
                } else {
                    members.add(ids);
                }
            }
            ("remove", Some(p)) if p.to_lowercase().starts_with("members") => {
                match member_in_path(p)? {
                    Some(user) => members.remove(vec![user]),
                    None if value.is_null() => members.replace(Vec::new()),
                    None => members.remove(member_ids(&value)?),
                }
            }
            ("add" | "replace", Some(p)) if p.eq_ignore_ascii_case("externalId") => {
                input.external_id = text(&value, "externalId")?;
            }
            ("remove", Some(p)) if p.eq_ignore_ascii_case("externalId") => {
                input.external_id.clear();
            }
            ("add" | "replace", Some(p)) if p.eq_ignore_ascii_case(GROUP_EXTENSION) => {
                apply_extension(input, &value)?;
            }
            ("remove", Some(p)) if p.eq_ignore_ascii_case(GROUP_EXTENSION) => {
                apply_extension(input, &Value::Null)?;
            }
            ("add" | "replace", Some(p)) if extension_path(p).is_some() => {
                set_extension(input, &extension_path(p).unwrap_or_default(), &value)?;
            }
            ("remove", Some(p)) if extension_path(p).is_some() => {
                set_extension(input, &extension_path(p).unwrap_or_default(), &Value::Null)?;
            }
            (_, Some(p)) => {
                return Err(ScimError::bad(
                    "invalidPath",
                    format!("{op:?} of {p:?} is not supported on a group."),
                ))
            }
            (_, None) => {
                return Err(ScimError::bad(
                    "invalidSyntax",
                    format!("{op:?} needs a path or a value object."),
                ))
            }
        }
    }
    Ok(members.into_provision(input.clone()))
}

pub async fn create_group(
    State(state): State<AppState>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Result<Response, ScimError> {
    let caller = authorize_bearer(&state, &parts, Permission::IdentityWrite).await?;
    let body = json_body(&body)?;
    let id = state
        .store
        .provision_group(&author(&caller), None, None, |input, _| {
            apply_resource(input, &body)
        })
        .await?;
    group_response(&state, StatusCode::CREATED, id, &parts).await
}

/// PUT and PATCH of a group: `apply` reads the body onto the group inside the store's
/// transaction, under the group's lock, after the `If-Match` check (`provision_group`).
async fn edit_group(
    state: &AppState,
    id: &str,
    parts: &Parts,
    body: &[u8],
    apply: fn(&mut GroupInput, &Value) -> Result<GroupProvision, ScimError>,
) -> Result<Response, ScimError> {
    let caller = authorize_bearer(state, parts, Permission::IdentityWrite).await?;
    let id = group_id(id)?;
    let body = json_body(body)?;
    state
        .store
        .provision_group(
            &author(&caller),
            Some(id),
            expected_version(parts)?,
            |input, _| apply(input, &body),
        )
        .await?;
    group_response(state, StatusCode::OK, id, parts).await
}

pub async fn replace_group(
    State(state): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Result<Response, ScimError> {
    edit_group(&state, &id, &parts, &body, apply_resource).await
}

pub async fn patch_group(
    State(state): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
    body: axum::body::Bytes,
) -> Result<Response, ScimError> {
    edit_group(&state, &id, &parts, &body, apply_patch).await
}

/// DELETE moves the group to the recycle bin; a group that still has members or subgroups is
/// refused as the console refuses it.
pub async fn delete_group(
    State(state): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
) -> Result<Response, ScimError> {
    let caller = authorize_bearer(&state, &parts, Permission::IdentityWrite).await?;
    let id = group_id(&id)?;
    // The version is checked inside the delete's transaction, under the group's lock.
    state
        .store
        .delete_group_expecting(&author(&caller), id, expected_version(&parts)?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_paths_and_filters_read_or_refuse() {
        assert_eq!(
            member_in_path("members[value eq \"12\"]").unwrap(),
            Some(UserId(12))
        );
        assert_eq!(member_in_path("members").unwrap(), None);
        assert!(member_in_path("members[display eq \"x\"]").is_err());
        assert!(member_in_path(&format!("members[value eq \"{}\"]", "9".repeat(300))).is_err());
        assert_eq!(
            group_filter("displayName eq \"Sales\"").unwrap(),
            Some(GroupFilter::DisplayName("Sales".into()))
        );
        assert_eq!(
            group_filter("externalId EQ \"8d-1\"").unwrap(),
            Some(GroupFilter::ExternalId("8d-1".into()))
        );
        assert!(group_filter("displayName co \"S\"").is_err());
    }

    #[test]
    fn entra_style_member_patches_are_additions_and_removals_in_order() {
        let mut input = GroupInput {
            name: "Sales".into(),
            ..Default::default()
        };
        let patch = json!({"Operations": [
            {"op": "Add", "path": "members", "value": [{"value": "3"}, {"value": "4"}]},
            {"op": "Remove", "path": "members[value eq \"5\"]"},
            {"op": "Replace", "path": "displayName", "value": "Sales EU"},
        ]});
        let change = apply_patch(&mut input, &patch).unwrap();
        assert_eq!(change.members, None);
        assert_eq!(change.add, vec![UserId(3), UserId(4)]);
        assert_eq!(change.remove, vec![UserId(5)]);
        assert_eq!(change.input.name, "Sales EU");
        // In order: an add then a remove of the same user leaves them out.
        let patch = json!({"Operations": [
            {"op": "add", "path": "members", "value": [{"value": "7"}]},
            {"op": "remove", "path": "members[value eq \"7\"]"},
        ]});
        let change = apply_patch(&mut input, &patch).unwrap();
        assert_eq!((change.add, change.remove), (vec![], vec![UserId(7)]));
        // A replace makes a whole list, which later operations edit.
        let patch = json!({"Operations": [
            {"op": "replace", "path": "members", "value": [{"value": "8"}, {"value": "9"}]},
            {"op": "remove", "path": "members[value eq \"8\"]"},
            {"op": "add", "path": "members", "value": [{"value": "9"}, {"value": "10"}]},
        ]});
        let change = apply_patch(&mut input, &patch).unwrap();
        assert_eq!(change.members, Some(vec![UserId(9), UserId(10)]));
    }
}
