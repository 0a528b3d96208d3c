//! Resource kinds declared as data. A `ResourceKind` says what a kind of object is made of
//! (its attributes, what refers to it, who a change concerns); the store, the server
//! functions, the list and detail pages, the CSV download and import, the history, the
//! recycle bin and system backups all read the declaration instead of code per kind. The
//! declarations themselves are in `kinds.rs`; docs/architecture.md walks through one.
use super::{Permission, Stamp};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One kind of resource: a system-versioned table and how people see it.
#[derive(Debug)]
pub struct ResourceKind {
    /// The registry key and URL segment: `/systems`, `/systems/7`, `/files/systems.csv`.
    pub slug: &'static str,
    /// The versioned table (one column per attribute, plus `{column}_key` per unique one).
    pub table: &'static str,
    /// "system": headings say "System AD"; buttons "New system", "Create system".
    pub singular: &'static str,
    /// "Systems": the list's heading and the table's name.
    pub plural: &'static str,
    /// The prefix of operation kinds and audit actions: `systems` gives `systems.create`.
    pub action: &'static str,
    /// The first attribute names the object: required, unique, the link in lists.
    pub attributes: &'static [Attribute],
    /// Said in the quick search box, e.g. "name or description".
    pub search_hint: &'static str,
    /// What refers to an object of this kind: listed on its page, counted in its list, and
    /// (when `blocks_delete`) a reason to refuse its deletion.
    pub dependents: &'static [Dependent],
    /// The users whose snapshots a change of the object concerns: SQL returning user ids,
    /// `$1` being the object's id. None: no user's state names this kind.
    pub affects: Option<&'static str>,
    /// Checks that involve more than one attribute or another object.
    pub rules: &'static [Rule],
    /// The attributes whose values (ignoring case) identify an object when a CSV row is
    /// imported. Empty: the naming attribute when it is unique; otherwise every row is new.
    pub matched_by: &'static [&'static str],
    /// Who objects of the kind are given to (assignments, authorizations, access control).
    pub access: Option<&'static super::access::AccessList>,
    /// False for kinds that other systems report (detected browsers): no "New" form and no
    /// editing in the console, though they can be imported, deleted and restored.
    pub manual_entry: bool,
    pub read: Permission,
    pub write: Permission,
}

/// One attribute: a column of the table, a field of the form, a column of the list and of
/// the CSV file.
#[derive(Debug)]
pub struct Attribute {
    /// The CSV header and form field name, e.g. `description`.
    pub key: &'static str,
    /// The table column.
    pub column: &'static str,
    /// The form's label, e.g. "System name".
    pub label: &'static str,
    /// The list's column heading, e.g. "Name".
    pub heading: &'static str,
    pub value: ValueType,
    pub required: bool,
    /// Unique ignoring case among current objects (kept in `{column}_key`; the naming
    /// attribute always has that column, as the list's order).
    pub unique: bool,
}

/// How an attribute's value is kept, checked and shown.
#[derive(Debug)]
pub enum ValueType {
    /// One line of text (names, codes).
    Line,
    /// A longer free text (descriptions).
    Text,
    /// Yes or no; the list shows `on` or `off`.
    Flag { on: &'static str, off: &'static str },
    /// An IPv4 or IPv6 address, kept in its canonical form.
    Address,
    /// A network mask: dotted (`255.255.255.0`) or a prefix length (`24`, `/64`). A kind
    /// with one has a `Rule::Network` naming it.
    Mask,
    /// A hardware (MAC) address: six bytes, kept as lower-case pairs joined by colons.
    Mac,
    /// Host names (aliases), kept lower-case and separated by single spaces.
    HostNames,
    /// An object of another declared kind, given and shown by its name and kept as its id
    /// in `column`.
    Reference(&'static ResourceKind),
    /// One of a few words, kept as written here whatever the case it was given in.
    Choice(&'static [&'static str]),
    /// Attribute declarations of a custom type: `key: type` lines (text, number, flag,
    /// date), `required` after the type when a value must be given.
    AttributeSpec,
    /// Attribute values: `key=value` lines, checked by a `Rule::Typed`.
    AttributeValues,
    /// A condition over users in the users list's advanced query language
    /// (`userType eq "E" and enabled eq true`), checked by the same parser.
    UserQuery,
    /// Roles, one `Role@System` per line with an optional `; scope`: each a current role,
    /// kept as the role and its system call themselves.
    RoleList,
    /// Pairs of roles with a risk, one `Role@System + Role@System: risk` per line.
    RolePairs,
}

/// A check across attributes or objects, run by the store on every write and restore.
#[derive(Debug)]
pub enum Rule {
    /// `address` with `mask` is a network: both of one family and no host bits set. Objects
    /// placed in the network by an `InNetwork` rule must stay inside a changed range.
    Network {
        address: &'static str,
        mask: &'static str,
    },
    /// `address` (when given) lies in the range of the network the reference attribute
    /// `network` names.
    InNetwork {
        address: &'static str,
        network: &'static str,
    },
    /// The object the reference attribute `reference` names has its flag `flag` on, and that
    /// flag is not turned off while objects refer to it (printers need a printer server).
    ReferenceHas {
        reference: &'static str,
        flag: &'static str,
    },
    /// `values` fit the attributes (`spec`) of the type the reference `type_ref` names:
    /// declared keys, values of their types, required ones given. A type's attributes are
    /// not changed so that its objects stop fitting them.
    Typed {
        type_ref: &'static str,
        spec: &'static str,
        values: &'static str,
    },
    /// Each object grants the roles of `roles` to every user `condition` selects, and
    /// revokes them from users it no longer selects (role assignment rules). Its page offers
    /// "Preview changes" and "Apply now"; grants it made are marked with it.
    AssignsRoles {
        condition: &'static str,
        roles: &'static str,
    },
    /// Segregation of duties: `sod_type` (all, more than, pairs) decides whether `roles`
    /// held together (all of them, or more than `threshold`) carry `risk`, or each line of
    /// `pairs` carries its own.
    Segregates {
        sod_type: &'static str,
        threshold: &'static str,
        risk: &'static str,
        roles: &'static str,
        pairs: &'static str,
    },
    /// The kind is a tree: `parent` refers to the same kind, and a move that would put an
    /// object under itself is refused, naming the loop. Its objects get a tree view, headed
    /// `title`.
    NoCycle {
        parent: &'static str,
        title: &'static str,
    },
    /// Each object keeps a secret (a vault account's password or key) beside its attributes:
    /// encrypted at rest, never in its versions, lists, CSV files or the audit log; its page
    /// sets, reveals and puts back old secrets (`store::vault`).
    KeepsSecret,
}

/// Objects of another table that refer to this kind through `column`.
#[derive(Debug)]
pub struct Dependent {
    pub table: &'static str,
    pub column: &'static str,
    /// The section's heading and its table's name, e.g. "Roles of this system".
    pub title: &'static str,
    /// The plural in messages: "roles".
    pub noun: &'static str,
    /// Said when there is none: "No role belongs to this system."
    pub empty: &'static str,
    /// Detail pages of the dependents: `/roles/` + id.
    pub href: &'static str,
    /// Shown columns: SQL over `x` (the dependent) and `p` (this object), and a heading. The
    /// first is the link.
    pub columns: &'static [(&'static str, &'static str)],
    /// The key (View, CSV) and heading of the list's count column, if the list shows how
    /// many there are.
    pub count: Option<(&'static str, &'static str)>,
    /// An object that still has current dependents is not deleted.
    pub blocks_delete: bool,
    /// Which rows of `table` count: an extra SQL condition over `x` ("" for all of them).
    pub filter: &'static str,
    /// The id `href` links to, in SQL over `x` (usually `x.object_id`).
    pub link: &'static str,
}

impl ResourceKind {
    /// The naming attribute.
    pub fn name_attribute(&self) -> &'static Attribute {
        &self.attributes[0]
    }

    pub fn attribute(&self, key: &str) -> Option<(usize, &'static Attribute)> {
        self.attributes
            .iter()
            .enumerate()
            .find(|(_, a)| a.key == key)
    }

    /// "System": the singular with a capital, for headings.
    pub fn title(&self) -> String {
        let mut chars = self.singular.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }

    pub fn list_path(&self) -> String {
        format!("/{}", self.slug)
    }

    pub fn detail_path(&self, id: i64) -> String {
        format!("/{}/{id}", self.slug)
    }

    pub fn csv_path(&self) -> String {
        format!("/files/{}.csv", self.slug)
    }

    /// The parent attribute of a tree kind (`Rule::NoCycle`).
    pub fn tree_parent(&self) -> Option<(usize, &'static Attribute)> {
        self.rules.iter().find_map(|rule| match rule {
            Rule::NoCycle { parent, .. } => self.attribute(parent),
            _ => None,
        })
    }

    /// The attribute the list can be narrowed by (`?in=<id>`): the first reference that is
    /// not a tree's parent, e.g. a host's network or a custom object's type.
    pub fn list_filter(&self) -> Option<(usize, &'static Attribute)> {
        let parent = self.tree_parent().map(|(index, _)| index);
        self.attributes
            .iter()
            .enumerate()
            .find(|(index, a)| matches!(a.value, ValueType::Reference(_)) && Some(*index) != parent)
    }

    /// The list of the objects whose `list_filter` attribute names object `id`.
    pub fn list_path_within(&self, id: i64) -> String {
        format!("/{}?in={id}", self.slug)
    }

    /// The condition and roles attributes of a kind whose objects grant roles
    /// (`Rule::AssignsRoles`).
    pub fn assigns_roles(&self) -> Option<(&'static str, &'static str)> {
        self.rules.iter().find_map(|rule| match rule {
            Rule::AssignsRoles { condition, roles } => Some((*condition, *roles)),
            _ => None,
        })
    }

    /// The report of a segregation of duties kind (`Rule::Segregates`): every user holding
    /// roles one of its rules names together.
    pub fn report_path(&self) -> Option<String> {
        self.rules
            .iter()
            .any(|rule| matches!(rule, Rule::Segregates { .. }))
            .then(|| format!("/{}/report", self.slug))
    }

    /// Whether objects of the kind keep a secret (`Rule::KeepsSecret`).
    pub fn keeps_secret(&self) -> bool {
        self.rules
            .iter()
            .any(|rule| matches!(rule, Rule::KeepsSecret))
    }

    /// The heading of a tree kind's tree view.
    pub fn tree_title(&self) -> Option<&'static str> {
        self.rules.iter().find_map(|rule| match rule {
            Rule::NoCycle { title, .. } => Some(*title),
            _ => None,
        })
    }

    /// The tree view of a tree kind, e.g. `/applications/tree`.
    pub fn tree_path(&self) -> String {
        format!("/{}/tree", self.slug)
    }

    /// The attributes a CSV row is matched to an existing object by (`matched_by`).
    pub fn match_attributes(&self) -> Vec<&'static Attribute> {
        if self.matched_by.is_empty() {
            let naming = self.name_attribute();
            return if naming.unique {
                vec![naming]
            } else {
                Vec::new()
            };
        }
        self.matched_by
            .iter()
            .filter_map(|key| self.attribute(key).map(|(_, a)| a))
            .collect()
    }

    /// A new object's values before anything is typed: flags off, everything else empty.
    pub fn blank_values(&self) -> Vec<String> {
        self.attributes
            .iter()
            .map(|a| match a.value {
                ValueType::Flag { .. } => flag_text(false),
                _ => String::new(),
            })
            .collect()
    }

    /// The dependents the list counts, in order.
    pub fn counted(&self) -> impl Iterator<Item = &'static Dependent> {
        self.dependents.iter().filter(|d| d.count.is_some())
    }

    /// The keys of the list's columns (View, CSV): every attribute, then the counts.
    pub fn list_keys(&self) -> Vec<&'static str> {
        self.attributes
            .iter()
            .map(|a| a.key)
            .chain(self.counted().filter_map(|d| d.count.map(|(key, _)| key)))
            .collect()
    }

    /// The CSV columns: the list's, then when and by whom the object was changed last.
    pub fn csv_columns(&self) -> Vec<&'static str> {
        let mut columns = self.list_keys();
        columns.extend(["modified", "modifiedBy"]);
        columns
    }
}

/// A declared kind, on the wire by its slug.
#[derive(Clone, Copy, Debug)]
pub struct KindRef(pub &'static ResourceKind);

impl KindRef {
    pub fn parse(slug: &str) -> Option<Self> {
        super::kinds::ALL
            .iter()
            .find(|k| k.slug == slug)
            .map(|k| Self(k))
    }
}

impl std::ops::Deref for KindRef {
    type Target = ResourceKind;
    fn deref(&self) -> &ResourceKind {
        self.0
    }
}

impl PartialEq for KindRef {
    fn eq(&self, other: &Self) -> bool {
        self.0.slug == other.0.slug
    }
}

impl Eq for KindRef {}

impl std::hash::Hash for KindRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.slug.hash(state);
    }
}

impl Serialize for KindRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.slug)
    }
}

// On the wire a kind is its slug.
#[cfg(feature = "ssr")]
impl utoipa::PartialSchema for KindRef {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A declared resource kind's slug, e.g. `networks`."))
            .into()
    }
}

#[cfg(feature = "ssr")]
impl utoipa::ToSchema for KindRef {}

impl<'de> Deserialize<'de> for KindRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let slug = String::deserialize(deserializer)?;
        Self::parse(&slug)
            .ok_or_else(|| serde::de::Error::custom(format!("no resource kind {slug:?}")))
    }
}

/// An object of a declared kind as read: its attributes as text, in declaration order
/// (flags as `true`/`false`), and who wrote the version read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResourceRecord {
    pub id: i64,
    pub values: Vec<String>,
    /// One per counted dependent (`ResourceKind::counted`).
    pub counts: Vec<i64>,
    pub modified: Stamp,
}

impl ResourceRecord {
    pub fn name(&self) -> &str {
        self.values.first().map(String::as_str).unwrap_or_default()
    }

    pub fn value(&self, kind: &ResourceKind, key: &str) -> &str {
        kind.attribute(key)
            .and_then(|(i, _)| self.values.get(i))
            .map(String::as_str)
            .unwrap_or_default()
    }

    pub fn flag(&self, kind: &ResourceKind, key: &str) -> bool {
        self.value(kind, key) == "true"
    }
}

/// The attributes of a new object or a new version, as text in declaration order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResourceInput {
    pub values: Vec<String>,
}

/// One dependent shown on an object's page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DependentRow {
    pub id: i64,
    pub cells: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResourceDetail {
    pub record: ResourceRecord,
    /// Per declared dependent, its current rows (as of the read).
    pub dependents: Vec<Vec<DependentRow>>,
}

/// One version of an object, newest first in its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResourceVersion {
    pub version_id: i64,
    pub values: Vec<String>,
    pub since: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
    pub changed_by: String,
    pub ended_by: Option<String>,
}

/// One object of a tree kind in its tree, as of an instant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TreeItem {
    pub id: i64,
    pub name: String,
    /// The values of the kind's flags, in declaration order (a folder's `menu`).
    pub flags: Vec<bool>,
    #[cfg_attr(feature = "ssr", schema(no_recursion))]
    pub children: Vec<TreeItem>,
}

/// Text of a flag value as kept in records and CSV files.
pub fn flag_text(value: bool) -> String {
    value.to_string()
}

/// A yes/no cell: `true`/`false`, `yes`/`no`, `y`/`n`, `1`/`0`, `on`/`off`,
/// `enabled`/`disabled` (any case); None for anything else.
pub fn parse_flag(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "on" | "enabled" => Some(true),
        "false" | "no" | "n" | "0" | "off" | "disabled" => Some(false),
        _ => None,
    }
}
