//! CSV import: what can be imported, how CSV columns map to attributes, and what an import
//! did or would do (wire DTOs shared by the import page and the server).
use super::resource::{KindRef, ValueType};
use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// The lists that can be imported from (and downloaded as) CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ImportKind {
    Users,
    Groups,
    MailLists,
    /// A declared resource kind (`model::kinds`): its attributes are the columns.
    Resource(KindRef),
}

/// How a cell is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    /// true/false, yes/no, 1/0 (any case).
    Flag,
    /// `2026-03-01` (midnight UTC) or RFC 3339.
    Date,
    /// The name of another object (a group, a mail domain), ignoring case.
    Reference,
}

/// One attribute a CSV column can be imported into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportAttribute {
    /// The key used in mappings, CSV headers of downloads and advanced queries.
    pub key: &'static str,
    pub label: &'static str,
    pub kind: ValueKind,
    /// Rows are matched to existing objects by this attribute (ignoring case).
    pub identifies: bool,
    /// A row that creates an object must give a value.
    pub required_for_new: bool,
}

const fn attribute(key: &'static str, label: &'static str, kind: ValueKind) -> ImportAttribute {
    ImportAttribute {
        key,
        label,
        kind,
        identifies: false,
        required_for_new: false,
    }
}

const fn identifying(key: &'static str, label: &'static str) -> ImportAttribute {
    ImportAttribute {
        key,
        label,
        kind: ValueKind::Text,
        identifies: true,
        required_for_new: true,
    }
}

const fn required(key: &'static str, label: &'static str, kind: ValueKind) -> ImportAttribute {
    ImportAttribute {
        key,
        label,
        kind,
        identifies: false,
        required_for_new: true,
    }
}

const USER_ATTRIBUTES: &[ImportAttribute] = &[
    identifying("userName", "User name"),
    attribute("firstName", "First name", ValueKind::Text),
    attribute("middleName", "Middle name", ValueKind::Text),
    attribute("lastName", "Last name", ValueKind::Text),
    attribute("email", "Email", ValueKind::Text),
    attribute("userType", "User type", ValueKind::Text),
    required("primaryGroup", "Primary group", ValueKind::Reference),
    attribute("homeServer", "Home server", ValueKind::Text),
    attribute("profileServer", "Profile server", ValueKind::Text),
    attribute("mailServer", "Mail server", ValueKind::Text),
    attribute("mailAliases", "Mail aliases", ValueKind::Text),
    attribute("comments", "Comments", ValueKind::Text),
    attribute("enabled", "Enabled", ValueKind::Flag),
    attribute("multiSession", "Multiple sessions", ValueKind::Flag),
];

const GROUP_ATTRIBUTES: &[ImportAttribute] = &[
    identifying("name", "Group name"),
    attribute("description", "Description", ValueKind::Text),
    attribute("parent", "Parent group", ValueKind::Reference),
    attribute("groupType", "Group type", ValueKind::Text),
    attribute("driveLetter", "Drive letter", ValueKind::Text),
    attribute("driveServer", "Drive server", ValueKind::Text),
    attribute("disabled", "Disabled", ValueKind::Flag),
    attribute("activeSince", "Active since", ValueKind::Date),
    attribute("activeUntil", "Active until", ValueKind::Date),
    attribute("externalId", "External id", ValueKind::Text),
];

const MAIL_LIST_ATTRIBUTES: &[ImportAttribute] = &[
    identifying("name", "List name"),
    // A list is known by its name within its domain.
    ImportAttribute {
        key: "domain",
        label: "Mail domain",
        kind: ValueKind::Reference,
        identifies: true,
        required_for_new: true,
    },
    attribute("description", "Description", ValueKind::Text),
];

impl ImportKind {
    /// Every importable list: the hand-written ones, then every declared kind.
    pub fn all() -> Vec<ImportKind> {
        [Self::Users, Self::Groups, Self::MailLists]
            .into_iter()
            .chain(super::kinds::ALL.iter().map(|k| Self::Resource(KindRef(k))))
            .collect()
    }

    /// The form value and URL segment: `users`, `groups`, `mail-lists`, a kind's slug.
    pub fn key(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Groups => "groups",
            Self::MailLists => "mail-lists",
            Self::Resource(kind) => kind.0.slug,
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::all()
            .into_iter()
            .find(|kind| kind.key() == text.trim())
    }

    /// "Users", "Mail domains"...
    pub fn title(self) -> &'static str {
        match self {
            Self::Users => "Users",
            Self::Groups => "Groups",
            Self::MailLists => "Mail lists",
            Self::Resource(kind) => kind.0.plural,
        }
    }

    /// The list screen the import belongs to.
    pub fn list_path(self) -> String {
        format!("/{}", self.key())
    }

    /// The CSV download of the whole list.
    pub fn csv_path(self) -> String {
        format!("/files/{}.csv", self.key())
    }

    pub fn attributes(self) -> Vec<ImportAttribute> {
        match self {
            Self::Users => USER_ATTRIBUTES.to_vec(),
            Self::Groups => GROUP_ATTRIBUTES.to_vec(),
            Self::MailLists => MAIL_LIST_ATTRIBUTES.to_vec(),
            Self::Resource(kind) => kind
                .0
                .attributes
                .iter()
                .map(|a| ImportAttribute {
                    key: a.key,
                    label: a.label,
                    kind: match a.value {
                        ValueType::Flag { .. } => ValueKind::Flag,
                        ValueType::Reference(_) => ValueKind::Reference,
                        _ => ValueKind::Text,
                    },
                    // Rows update the object these values identify.
                    identifies: kind.0.match_attributes().iter().any(|m| m.key == a.key),
                    required_for_new: a.required,
                })
                .collect(),
        }
    }

    pub fn attribute(self, key: &str) -> Option<ImportAttribute> {
        self.attributes().into_iter().find(|a| a.key == key)
    }

    /// A mapping guessed from the header: a column whose name matches an attribute's key or
    /// label (ignoring case, spaces and punctuation) imports into it; each attribute at most
    /// once, the leftmost column winning.
    pub fn suggest_mapping(self, headers: &[String]) -> Vec<Option<String>> {
        fn fold(text: &str) -> String {
            text.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect()
        }
        let mut taken: Vec<&str> = Vec::new();
        headers
            .iter()
            .map(|header| {
                let header = fold(header);
                let found = self.attributes().into_iter().find(|a| {
                    !taken.contains(&a.key) && (fold(a.key) == header || fold(a.label) == header)
                })?;
                taken.push(found.key);
                Some(found.key.to_string())
            })
            .collect()
    }

    /// What is wrong with a mapping as a whole (empty when it can be imported).
    pub fn mapping_problems(self, mapping: &[Option<String>]) -> Vec<String> {
        let mut problems = Vec::new();
        for (index, key) in mapping.iter().enumerate() {
            let Some(key) = key else { continue };
            if self.attribute(key).is_none() {
                problems.push(format!(
                    "Column {} maps to {key:?}, which {} do not have.",
                    index + 1,
                    self.title().to_lowercase()
                ));
            } else if mapping[..index].iter().flatten().any(|k| k == key) {
                problems.push(format!(
                    "Two columns import into {}; choose one.",
                    self.attribute(key).map(|a| a.label).unwrap_or(key)
                ));
            }
        }
        for a in self.attributes().into_iter().filter(|a| a.identifies) {
            if !mapping.iter().flatten().any(|k| k == a.key) {
                problems.push(format!(
                    "Choose the column that holds the {}: rows are matched by it.",
                    a.label.to_lowercase()
                ));
            }
        }
        problems
    }
}

/// What importing one row does (or would do).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ImportAction {
    Create,
    Update,
    /// The row matches an existing object and changes nothing.
    Unchanged,
}

impl ImportAction {
    pub fn label(self) -> &'static str {
        match self {
            Self::Create => "Create",
            Self::Update => "Update",
            Self::Unchanged => "No change",
        }
    }
}

/// One data row of the CSV file and its fate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportRow {
    /// The line of the file the row starts on (the header is line 1).
    pub line: i64,
    pub values: Vec<String>,
    /// None when the mapping is not usable yet, so rows were not checked.
    pub action: Option<ImportAction>,
    /// Why the row cannot be imported; `field` is the attribute key.
    pub errors: Vec<FieldError>,
}

/// The result of a preview (nothing written) or of an import (written).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportOutcome {
    pub kind: ImportKind,
    pub applied: bool,
    /// The header row.
    pub columns: Vec<String>,
    /// For each column, the attribute it imports into (None: not imported).
    pub mapping: Vec<Option<String>>,
    /// Problems with the mapping itself; rows are checked only when there are none.
    pub mapping_problems: Vec<String>,
    /// The first `PREVIEW_ROWS` rows, then any later rows with errors (up to as many again).
    pub rows: Vec<ImportRow>,
    pub total: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    /// Rows with errors.
    pub invalid: i64,
}

/// Rows a preview shows in full.
pub const PREVIEW_ROWS: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_map_by_key_or_label_ignoring_case_and_spacing() {
        let headers: Vec<String> = ["User Name", "E-mail", "PRIMARYGROUP", "Shoe size", "email"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            ImportKind::Users.suggest_mapping(&headers),
            vec![
                Some("userName".into()),
                Some("email".into()),
                Some("primaryGroup".into()),
                None,
                None
            ]
        );
    }

    #[test]
    fn a_mapping_without_the_identifying_column_or_with_a_column_twice_is_refused() {
        let problems =
            ImportKind::Users.mapping_problems(&[Some("email".into()), Some("email".into()), None]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("Two columns import into Email"));
        assert!(problems[1].contains("user name"));
        assert!(ImportKind::MailLists
            .mapping_problems(&[Some("name".into())])
            .iter()
            .any(|p| p.contains("mail domain")));
    }
}
