//! SCIM user bodies: reading a User resource (POST, PUT) or PATCH operations into Rewind's
//! `UserInput`, as provisioning clients send them — Entra writes `"op": "Replace"` and
//! booleans as `"False"`, and deprovisions with `active: false` (disable, never delete).
use super::{ScimError, ENTERPRISE_SCHEMA};
use app::model::{CustomAttribute, UserInput};
use serde_json::Value;

/// The most operations one PATCH may carry.
pub const MAX_PATCH_OPERATIONS: usize = 100;

/// Core and enterprise attributes provisioning clients send that Rewind does not keep
/// (Entra's default mapping sends addresses and phone numbers): accepted and left aside, so
/// a user with a phone number still provisions.
const NOT_KEPT: &[&str] = &[
    "displayname",
    "name.formatted",
    "nickname",
    "profileurl",
    "title",
    "preferredlanguage",
    "locale",
    "timezone",
    "password",
    "addresses",
    "phonenumbers",
    "ims",
    "photos",
    "entitlements",
    "roles",
    "x509certificates",
    "enterprise.costcenter",
    "enterprise.organization",
    "enterprise.division",
    "enterprise.manager.displayname",
    "enterprise.manager.$ref",
];

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

/// `true`, `false`, or the strings Entra sends (`"True"`, `"False"`, any case).
fn flag(value: &Value, what: &str) -> Result<bool, ScimError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ScimError::bad(
            "invalidValue",
            format!("{what} must be true or false."),
        )),
    }
}

fn set_custom(input: &mut UserInput, name: &str, value: String) {
    input.custom.retain(|c| c.name != name);
    if !value.is_empty() {
        input.custom.push(CustomAttribute {
            name: name.into(),
            value,
        });
        input.custom.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

/// The work (or primary, or first) address of an `emails` array.
fn email_of(value: &Value) -> Result<String, ScimError> {
    let Value::Array(emails) = value else {
        return text(value, "emails");
    };
    let primary = emails
        .iter()
        .find(|e| {
            e.get("primary")
                .is_some_and(|p| flag(p, "primary").unwrap_or(false))
        })
        .or_else(|| emails.first());
    match primary.and_then(|e| e.get("value")) {
        Some(v) => text(v, "emails.value"),
        None => Ok(String::new()),
    }
}

/// Sets one attribute by its SCIM path (lower-cased, without the core schema's prefix).
fn set_path(input: &mut UserInput, path: &str, value: &Value) -> Result<(), ScimError> {
    let enterprise = ENTERPRISE_SCHEMA.to_lowercase();
    let path = path.trim().to_lowercase();
    let attribute = path
        .strip_prefix(&format!("{enterprise}:"))
        .map(|a| format!("enterprise.{a}"))
        .unwrap_or(path);
    match attribute.as_str() {
        "username" => input.name = text(value, "userName")?,
        "name" => {
            for (key, target) in [
                ("givenName", &mut input.first_name),
                ("middleName", &mut input.middle_name),
                ("familyName", &mut input.last_name),
            ] {
                // A removed (null) name clears every part.
                if let Some(v) = value.get(key).or(value.is_null().then_some(value)) {
                    *target = text(v, key)?;
                }
            }
        }
        "name.givenname" => input.first_name = text(value, "name.givenName")?,
        "name.middlename" => input.middle_name = text(value, "name.middleName")?,
        "name.familyname" => input.last_name = text(value, "name.familyName")?,
        "externalid" => set_custom(input, "externalId", text(value, "externalId")?),
        "active" => input.enabled = flag(value, "active")?,
        "usertype" => input.user_type = text(value, "userType")?,
        "emails" => input.email = email_of(value)?,
        p if p.starts_with("emails[") => input.email = text(value, "emails.value")?,
        "enterprise.department" => set_custom(input, "department", text(value, "department")?),
        "enterprise.employeenumber" => {
            set_custom(input, "employeeNumber", text(value, "employeeNumber")?)
        }
        "enterprise.manager" => {
            // `{"value": id}`, or only `{"$ref": ".../Users/id"}`, or the id itself.
            let manager = match (value.get("value"), value.get("$ref")) {
                (Some(id), _) => text(id, "manager.value")?,
                (None, Some(reference)) => text(reference, "manager.$ref")?
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                (None, None) => text(value, "manager")?,
            };
            set_custom(input, "manager", manager)
        }
        "enterprise.manager.value" => set_custom(input, "manager", text(value, "manager")?),
        enterprise_object if enterprise_object == enterprise => match value {
            // The whole extension removed.
            Value::Null => {
                for kept in ["department", "employeeNumber", "manager"] {
                    set_custom(input, kept, String::new());
                }
            }
            Value::Object(fields) => {
                for (key, v) in fields.iter().filter(|(key, _)| *key != "schemas") {
                    set_path(input, &format!("{ENTERPRISE_SCHEMA}:{key}"), v)?;
                }
            }
            _ => {
                return Err(ScimError::bad(
                    "invalidValue",
                    "The enterprise extension must be an object.",
                ))
            }
        },
        ignored
            if NOT_KEPT.iter().any(|n| {
                ignored == *n
                    || ignored.starts_with(&format!("{n}["))
                    || ignored.starts_with(&format!("{n}."))
            }) => {}
        other => {
            return Err(ScimError::bad(
                "invalidPath",
                format!("Rewind does not keep the attribute {other:?}."),
            ))
        }
    }
    Ok(())
}

/// A whole User resource (POST, PUT) applied over `input`: the attributes SCIM maps are
/// cleared first, so one left out is emptied, as a replace asks; Rewind's own attributes
/// (servers, comments, memberships) stay, and so does `active` when it is left out (a
/// replace never re-enables a deprovisioned user by omission).
pub fn apply_resource(input: &mut UserInput, resource: &Value) -> Result<(), ScimError> {
    let Value::Object(fields) = resource else {
        return Err(ScimError::bad("invalidSyntax", "A User is a JSON object."));
    };
    let user_name = fields
        .get("userName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if user_name.trim().is_empty() {
        return Err(ScimError::bad("invalidValue", "userName is required."));
    }
    input.first_name.clear();
    input.middle_name.clear();
    input.last_name.clear();
    input.email.clear();
    input.user_type.clear();
    for kept in ["externalId", "department", "employeeNumber", "manager"] {
        set_custom(input, kept, String::new());
    }
    for (key, value) in fields {
        match key.as_str() {
            "schemas" | "id" | "meta" | "groups" => {}
            key => set_path(input, key, value)?,
        }
    }
    Ok(())
}

/// PATCH operations (RFC 7644 §3.5.2) applied over `input`, in order.
pub fn apply_patch(input: &mut UserInput, patch: &Value) -> Result<(), ScimError> {
    let operations = patch
        .get("Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::bad("invalidSyntax", "A PATCH carries an Operations array."))?;
    if operations.len() > MAX_PATCH_OPERATIONS {
        return Err(ScimError::bad(
            "tooMany",
            format!("A PATCH carries at most {MAX_PATCH_OPERATIONS} operations."),
        ));
    }
    for operation in operations {
        let op = operation
            .get("op")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        let path = operation.get("path").and_then(Value::as_str);
        let value = operation.get("value").cloned().unwrap_or(Value::Null);
        match (op.as_str(), path) {
            ("add" | "replace", Some(path)) => set_path(input, path, &value)?,
            ("add" | "replace", None) => {
                let Value::Object(fields) = &value else {
                    return Err(ScimError::bad(
                        "invalidValue",
                        "Without a path, an operation's value is an object of attributes.",
                    ));
                };
                for (key, v) in fields {
                    set_path(input, key, v)?;
                }
            }
            ("remove", Some(path)) => {
                let lower = path.to_lowercase();
                if lower == "username" || lower == "active" {
                    return Err(ScimError::bad(
                        "mutability",
                        format!("{path} cannot be removed."),
                    ));
                }
                set_path(input, path, &Value::Null)?;
            }
            ("remove", None) => {
                return Err(ScimError::bad(
                    "noTarget",
                    "A remove operation needs a path.",
                ))
            }
            _ => {
                return Err(ScimError::bad(
                    "invalidSyntax",
                    format!("{op:?} is not a PATCH operation (add, replace, remove)."),
                ))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entra_patches_deactivate_with_string_booleans_and_any_case_ops() {
        let mut input = UserInput {
            name: "ann".into(),
            enabled: true,
            ..Default::default()
        };
        let patch = json!({"Operations": [
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "ann@example.org"},
            {"op": "replace", "value": {"name.familyName": "Lee"}},
            {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "E-7"},
        ]});
        apply_patch(&mut input, &patch).unwrap();
        // Entra's default mapping: attributes Rewind does not keep are accepted and left aside.
        let phone = json!({"Operations": [
            {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555"},
            {"op": "Add", "path": "preferredLanguage", "value": "en-GB"},
            {"op": "Add", "path": "externalId", "value": "8d9f"},
        ]});
        apply_patch(&mut input, &phone).unwrap();
        assert!(input
            .custom
            .iter()
            .any(|c| c.name == "externalId" && c.value == "8d9f"));
        assert!(!input.enabled);
        assert_eq!(input.email, "ann@example.org");
        assert_eq!(input.last_name, "Lee");
        assert_eq!(input.custom[0].value, "E-7");
    }

    #[test]
    fn bad_bodies_get_scim_error_types() {
        let mut input = UserInput::default();
        let kind = |r: Result<(), ScimError>| r.err().and_then(|e| e.scim_type);
        assert_eq!(
            kind(apply_patch(
                &mut input,
                &json!({"Operations": [{"op": "move", "path": "active"}]})
            )),
            Some("invalidSyntax")
        );
        assert_eq!(
            kind(apply_patch(
                &mut input,
                &json!({"Operations": [{"op": "replace", "path": "shoeSize", "value": 9}]})
            )),
            Some("invalidPath")
        );
        assert_eq!(
            kind(apply_patch(
                &mut input,
                &json!({"Operations": [{"op": "replace", "path": "active", "value": "maybe"}]})
            )),
            Some("invalidValue")
        );
        assert_eq!(
            kind(apply_resource(&mut input, &json!({"name": {}}))),
            Some("invalidValue")
        );
        let many: Vec<Value> = (0..=MAX_PATCH_OPERATIONS)
            .map(|_| json!({"op": "replace", "path": "active", "value": true}))
            .collect();
        assert_eq!(
            kind(apply_patch(&mut input, &json!({"Operations": many}))),
            Some("tooMany")
        );
    }
}
