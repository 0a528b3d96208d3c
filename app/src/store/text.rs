//! Limits on the text an operator can store, and the characters it may hold.
//!
//! Every free-text field has a length limit (README "Operators and permissions"), and no field
//! may hold a character that XML 1.0 forbids (C0 controls other than tab, line feed and
//! carriage return; U+FFFE and U+FFFF): snapshot documents carry every value, and a value
//! they cannot carry must not get in. Names (`temporal::check_name`) and custom attributes
//! (`temporal::check_attributes`) are checked where they are normalised, with these rules.
use super::{Error, Result};
use crate::error::FieldError;
use crate::model::*;

/// Longest name-like or one-line value (names, types, servers, scopes).
pub const MAX_LINE_CHARS: usize = 200;
/// Longest description, comment or custom attribute value.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// Longest e-mail address (RFC 5321) and the longest alias list.
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_ALIASES_CHARS: usize = 2_000;
/// Most custom attributes on one user or account.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 50;
/// Longest custom attribute name.
pub const MAX_ATTRIBUTE_NAME_CHARS: usize = 100;

/// True for a character that cannot appear in an XML 1.0 document, even escaped.
pub fn forbidden_in_xml(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Why `value` cannot be stored in `field`, if it cannot.
pub(crate) fn text_problem(value: &str, max: usize) -> Option<String> {
    if let Some((at, c)) = value
        .chars()
        .enumerate()
        .find(|(_, c)| forbidden_in_xml(*c))
    {
        return Some(format!(
            "Character {} (U+{:04X}) is a control character that cannot be stored; remove it.",
            at + 1,
            c as u32
        ));
    }
    let length = value.chars().count();
    (length > max).then(|| format!("Use at most {max} characters (this has {length})."))
}

/// Checks every (field, value, limit); all problems are reported at once.
pub(crate) fn check_texts(fields: &[(&str, &str, usize)]) -> Result<()> {
    let problems: Vec<FieldError> = fields
        .iter()
        .filter_map(|(field, value, max)| {
            text_problem(value, *max).map(|message| FieldError::new(*field, message))
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Custom attributes: how many, and each name's and value's text (`check_attributes`).
pub(crate) fn check_custom(field: &str, attributes: &[CustomAttribute]) -> Result<()> {
    if attributes.len() > MAX_CUSTOM_ATTRIBUTES {
        return Err(Error::invalid(
            field,
            format!(
                "At most {MAX_CUSTOM_ATTRIBUTES} attributes are allowed (this has {}).",
                attributes.len()
            ),
        ));
    }
    for attribute in attributes {
        let problem = text_problem(&attribute.name, MAX_ATTRIBUTE_NAME_CHARS)
            .or_else(|| text_problem(&attribute.value, MAX_TEXT_CHARS));
        if let Some(problem) = problem {
            return Err(Error::invalid(
                field,
                format!("Attribute {:?}: {problem}", attribute.name),
            ));
        }
    }
    Ok(())
}

pub(crate) fn check_user_texts(input: &UserInput) -> Result<()> {
    check_texts(&[
        ("first_name", &input.first_name, MAX_LINE_CHARS),
        ("middle_name", &input.middle_name, MAX_LINE_CHARS),
        ("last_name", &input.last_name, MAX_LINE_CHARS),
        ("user_type", &input.user_type, MAX_LINE_CHARS),
        ("home_server", &input.home_server, MAX_LINE_CHARS),
        ("profile_server", &input.profile_server, MAX_LINE_CHARS),
        ("mail_server", &input.mail_server, MAX_LINE_CHARS),
        ("email", &input.email, MAX_EMAIL_CHARS),
        ("mail_aliases", &input.mail_aliases, MAX_ALIASES_CHARS),
        ("comments", &input.comments, MAX_TEXT_CHARS),
    ])
}

pub(crate) fn check_group_texts(input: &GroupInput) -> Result<()> {
    check_texts(&[
        ("description", &input.description, MAX_TEXT_CHARS),
        ("external_id", &input.external_id, MAX_LINE_CHARS),
        ("group_type", &input.group_type, MAX_LINE_CHARS),
        ("drive_letter", &input.drive_letter, MAX_LINE_CHARS),
        ("drive_server", &input.drive_server, MAX_LINE_CHARS),
    ])
}

pub(crate) fn check_account_texts(input: &AccountInput) -> Result<()> {
    check_texts(&[
        ("login_name", &input.login_name, MAX_LINE_CHARS),
        ("description", &input.description, MAX_TEXT_CHARS),
    ])
}

pub(crate) fn check_role_texts(input: &RoleInput) -> Result<()> {
    check_texts(&[
        ("description", &input.description, MAX_TEXT_CHARS),
        ("category", &input.category, MAX_LINE_CHARS),
    ])
}

/// The description of a system, information system, mail domain or mail list.
pub(crate) fn check_description(description: &str) -> Result<()> {
    check_texts(&[("description", description, MAX_TEXT_CHARS)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_forbidden_characters_and_overlong_text_are_refused_with_their_position() {
        assert!(text_problem("tab\tline\nreturn\r", 100).is_none());
        let problem = text_problem("ab\u{1}c", 100).unwrap();
        assert!(problem.contains("Character 3 (U+0001)"), "{problem}");
        assert!(text_problem("x\u{FFFF}", 100).unwrap().contains("U+FFFF"));
        assert!(text_problem("é".repeat(5).as_str(), 5).is_none());
        let problem = text_problem(&"é".repeat(6), 5).unwrap();
        assert!(problem.contains("at most 5"), "{problem}");
    }
}
