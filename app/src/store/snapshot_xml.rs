//! The snapshot XML document (format 1, described in docs/snapshot-xml.md).
//!
//! Every value is an attribute: quick-xml escapes `<>&'"` and also tab, CR and LF there, so
//! any text (leading spaces, line breaks, markup) reads back unchanged; element text would be
//! trimmed. The mirror types below keep the wire DTOs free of XML naming. Characters XML 1.0
//! forbids are refused at input and written as U+FFFD should stored data hold them; every
//! document is checked by a second parser (roxmltree) before it leaves.
use super::text::forbidden_in_xml;
use super::{Error, Result};
use crate::model::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

const ROOT: &str = "user-snapshot";
const FORMAT: i64 = 1;

#[derive(Serialize, Deserialize)]
struct XmlSnapshot {
    #[serde(rename = "@format")]
    format: i64,
    #[serde(rename = "@id")]
    id: i64,
    #[serde(rename = "@user-id")]
    user: i64,
    #[serde(rename = "@valid-since")]
    valid_since: DateTime<Utc>,
    #[serde(
        rename = "@valid-until",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    valid_until: Option<DateTime<Utc>>,
    #[serde(rename = "@content-hash")]
    content_hash: String,
    #[serde(rename = "@size")]
    size: i64,
    #[serde(rename = "@grants-captured")]
    grants_captured: bool,
    attributes: XmlAttributes,
    #[serde(rename = "membership", default)]
    memberships: Vec<XmlMembership>,
    #[serde(rename = "account", default)]
    accounts: Vec<XmlAccount>,
    #[serde(rename = "grant", default)]
    grants: Vec<XmlGrant>,
    #[serde(rename = "mail-list", default)]
    mail_lists: Vec<XmlMailList>,
    #[serde(rename = "printer", default)]
    printers: Vec<XmlPrinter>,
}

#[derive(Serialize, Deserialize)]
struct XmlAttributes {
    #[serde(rename = "@name")]
    name: String,
    #[serde(rename = "@first-name")]
    first_name: String,
    #[serde(rename = "@middle-name")]
    middle_name: String,
    #[serde(rename = "@last-name")]
    last_name: String,
    #[serde(rename = "@user-type")]
    user_type: String,
    #[serde(rename = "@primary-group-id")]
    primary_group: i64,
    #[serde(rename = "@primary-group-name")]
    primary_group_name: String,
    #[serde(rename = "@home-server")]
    home_server: String,
    #[serde(rename = "@profile-server")]
    profile_server: String,
    #[serde(rename = "@mail-server")]
    mail_server: String,
    #[serde(rename = "@email")]
    email: String,
    #[serde(rename = "@mail-aliases")]
    mail_aliases: String,
    #[serde(rename = "@enabled")]
    enabled: bool,
    #[serde(rename = "@multi-session")]
    multi_session: bool,
    #[serde(rename = "@comments")]
    comments: String,
    #[serde(rename = "custom", default)]
    custom: Vec<XmlPair>,
}

#[derive(Serialize, Deserialize)]
struct XmlPair {
    #[serde(rename = "@name")]
    name: String,
    #[serde(rename = "@value")]
    value: String,
}

#[derive(Serialize, Deserialize)]
struct XmlMembership {
    #[serde(rename = "@group-id")]
    group: i64,
    #[serde(rename = "@group-name")]
    group_name: String,
    #[serde(
        rename = "@start-date",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    start_date: Option<DateTime<Utc>>,
    #[serde(rename = "@end-date", default, skip_serializing_if = "Option::is_none")]
    end_date: Option<DateTime<Utc>>,
    #[serde(rename = "@comments")]
    comments: String,
}

#[derive(Serialize, Deserialize)]
struct XmlAccount {
    #[serde(rename = "@id")]
    account: i64,
    #[serde(rename = "@system-id")]
    system: i64,
    #[serde(rename = "@system-name")]
    system_name: String,
    #[serde(rename = "@name")]
    name: String,
    #[serde(rename = "@login-name")]
    login_name: String,
    #[serde(rename = "@description")]
    description: String,
    #[serde(rename = "@type")]
    account_type: String,
    #[serde(rename = "@status")]
    status: String,
    #[serde(rename = "@level")]
    level: String,
    #[serde(rename = "attribute", default)]
    attributes: Vec<XmlPair>,
    #[serde(rename = "grant", default)]
    grants: Vec<XmlGrant>,
}

#[derive(Serialize, Deserialize)]
struct XmlGrant {
    #[serde(rename = "@role-id")]
    role: i64,
    #[serde(rename = "@role-name")]
    role_name: String,
    #[serde(rename = "@system-name")]
    system_name: String,
    #[serde(rename = "@scope")]
    scope: String,
    #[serde(
        rename = "@start-date",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    start_date: Option<DateTime<Utc>>,
    #[serde(rename = "@end-date", default, skip_serializing_if = "Option::is_none")]
    end_date: Option<DateTime<Utc>>,
    /// The role assignment rule that made the grant.
    #[serde(rename = "@rule", default, skip_serializing_if = "Option::is_none")]
    rule: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct XmlMailList {
    #[serde(rename = "@id")]
    list: i64,
    #[serde(rename = "@name")]
    name: String,
    #[serde(rename = "@domain")]
    domain: String,
}

#[derive(Serialize, Deserialize)]
struct XmlPrinter {
    #[serde(rename = "@id")]
    printer: i64,
    #[serde(rename = "@name")]
    name: String,
    #[serde(rename = "@server")]
    server: String,
}

fn pairs(list: &[CustomAttribute]) -> Vec<XmlPair> {
    list.iter()
        .map(|a| XmlPair {
            name: a.name.clone(),
            value: a.value.clone(),
        })
        .collect()
}

fn unpairs(list: Vec<XmlPair>) -> Vec<CustomAttribute> {
    list.into_iter()
        .map(|p| CustomAttribute {
            name: p.name,
            value: p.value,
        })
        .collect()
}

fn grant_out(g: &GrantState) -> XmlGrant {
    XmlGrant {
        role: g.role.0,
        role_name: g.role_name.clone(),
        system_name: g.system_name.clone(),
        scope: g.scope.clone(),
        start_date: g.start_date,
        end_date: g.end_date,
        rule: g.rule.clone(),
    }
}

fn grant_in(g: XmlGrant) -> GrantState {
    GrantState {
        role: RoleId(g.role),
        role_name: g.role_name,
        system_name: g.system_name,
        scope: g.scope,
        start_date: g.start_date,
        end_date: g.end_date,
        rule: g.rule,
    }
}

/// Renders a snapshot as an XML document (UTF-8, with declaration, indented).
pub fn to_xml(snapshot: &Snapshot) -> Result<String> {
    let s = &snapshot.state;
    let a = &s.attributes;
    let doc = XmlSnapshot {
        format: FORMAT,
        id: snapshot.id,
        user: snapshot.user.0,
        valid_since: snapshot.valid_since,
        valid_until: snapshot.valid_until,
        content_hash: snapshot.content_hash.clone(),
        size: snapshot.size,
        grants_captured: s.grants_captured,
        attributes: XmlAttributes {
            name: a.name.clone(),
            first_name: a.first_name.clone(),
            middle_name: a.middle_name.clone(),
            last_name: a.last_name.clone(),
            user_type: a.user_type.clone(),
            primary_group: a.primary_group.0,
            primary_group_name: s.primary_group_name.clone(),
            home_server: a.home_server.clone(),
            profile_server: a.profile_server.clone(),
            mail_server: a.mail_server.clone(),
            email: a.email.clone(),
            mail_aliases: a.mail_aliases.clone(),
            enabled: a.enabled,
            multi_session: a.multi_session,
            comments: a.comments.clone(),
            custom: pairs(&a.custom),
        },
        memberships: s
            .memberships
            .iter()
            .map(|m| XmlMembership {
                group: m.group.0,
                group_name: m.group_name.clone(),
                start_date: m.start_date,
                end_date: m.end_date,
                comments: m.comments.clone(),
            })
            .collect(),
        accounts: s
            .accounts
            .iter()
            .map(|x| XmlAccount {
                account: x.account.0,
                system: x.system.0,
                system_name: x.system_name.clone(),
                name: x.name.clone(),
                login_name: x.login_name.clone(),
                description: x.description.clone(),
                account_type: x.account_type.clone(),
                status: x.status.clone(),
                level: x.level.clone(),
                attributes: pairs(&x.attributes),
                grants: x.grants.iter().map(grant_out).collect(),
            })
            .collect(),
        grants: s.grants.iter().map(grant_out).collect(),
        mail_lists: s
            .mail_lists
            .iter()
            .map(|l| XmlMailList {
                list: l.list.0,
                name: l.name.clone(),
                domain: l.domain.clone(),
            })
            .collect(),
        printers: s
            .printers
            .iter()
            .map(|p| XmlPrinter {
                printer: p.printer,
                name: p.name.clone(),
                server: p.server.clone(),
            })
            .collect(),
    };
    let mut body = String::new();
    let mut serializer = quick_xml::se::Serializer::with_root(&mut body, Some(ROOT))
        .map_err(|e| Error::Internal(format!("snapshot XML: {e}")))?;
    serializer.indent(' ', 2);
    doc.serialize(serializer)
        .map_err(|e| Error::Internal(format!("snapshot XML: {e}")))?;
    // Input refuses these characters, but older data or a loaded backup may hold them, and
    // XML 1.0 cannot carry them even escaped: they are written as U+FFFD.
    if body.contains(forbidden_in_xml) {
        body = body.replace(forbidden_in_xml, "\u{FFFD}");
    }
    let document = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}\n");
    // A second, independent parser checks what quick-xml wrote before anyone receives it.
    roxmltree::Document::parse(&document)
        .map_err(|e| Error::Internal(format!("snapshot XML is not well-formed: {e}")))?;
    Ok(document)
}

/// Reads a snapshot XML document back (any size; errors name what is wrong).
pub fn from_xml(xml: &str) -> Result<Snapshot> {
    let doc: XmlSnapshot = quick_xml::de::from_str(xml)
        .map_err(|e| Error::invalid("xml", format!("Not a snapshot document: {e}")))?;
    if doc.format != FORMAT {
        return Err(Error::invalid(
            "xml",
            format!("Unsupported snapshot format {}.", doc.format),
        ));
    }
    let a = doc.attributes;
    Ok(Snapshot {
        id: doc.id,
        user: UserId(doc.user),
        valid_since: doc.valid_since,
        valid_until: doc.valid_until,
        content_hash: doc.content_hash,
        size: doc.size,
        state: UserState {
            id: UserId(doc.user),
            attributes: UserInput {
                name: a.name,
                first_name: a.first_name,
                middle_name: a.middle_name,
                last_name: a.last_name,
                user_type: a.user_type,
                primary_group: GroupId(a.primary_group),
                home_server: a.home_server,
                profile_server: a.profile_server,
                mail_server: a.mail_server,
                email: a.email,
                mail_aliases: a.mail_aliases,
                enabled: a.enabled,
                multi_session: a.multi_session,
                comments: a.comments,
                custom: unpairs(a.custom),
            },
            primary_group_name: a.primary_group_name,
            memberships: doc
                .memberships
                .into_iter()
                .map(|m| MembershipState {
                    group: GroupId(m.group),
                    group_name: m.group_name,
                    start_date: m.start_date,
                    end_date: m.end_date,
                    comments: m.comments,
                })
                .collect(),
            accounts: doc
                .accounts
                .into_iter()
                .map(|x| AccountState {
                    account: AccountId(x.account),
                    system: SystemId(x.system),
                    system_name: x.system_name,
                    name: x.name,
                    login_name: x.login_name,
                    description: x.description,
                    account_type: x.account_type,
                    status: x.status,
                    level: x.level,
                    attributes: unpairs(x.attributes),
                    grants: x.grants.into_iter().map(grant_in).collect(),
                })
                .collect(),
            grants: doc.grants.into_iter().map(grant_in).collect(),
            mail_lists: doc
                .mail_lists
                .into_iter()
                .map(|l| MailListState {
                    list: MailListId(l.list),
                    name: l.name,
                    domain: l.domain,
                })
                .collect(),
            printers: doc
                .printers
                .into_iter()
                .map(|p| PrinterState {
                    printer: p.printer,
                    name: p.name,
                    server: p.server,
                })
                .collect(),
            grants_captured: doc.grants_captured,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn snapshot(first_name: String, comments: String, custom: Vec<(String, String)>) -> Snapshot {
        Snapshot {
            id: 7,
            user: UserId(3),
            valid_since: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            valid_until: None,
            content_hash: "hash".into(),
            size: 1,
            state: UserState {
                id: UserId(3),
                attributes: UserInput {
                    name: "ann".into(),
                    first_name,
                    comments,
                    custom: custom
                        .into_iter()
                        .map(|(name, value)| CustomAttribute { name, value })
                        .collect(),
                    ..Default::default()
                },
                ..Default::default()
            },
        }
    }

    /// What a value reads back as: characters XML cannot carry become U+FFFD.
    fn carried(text: &str) -> String {
        text.replace(forbidden_in_xml, "\u{FFFD}")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any text, markup and control characters included, gives a document that a second
        /// parser accepts and that reads back to the same values (U+FFFD for the forbidden).
        #[test]
        fn any_text_makes_a_well_formed_document_that_reads_back(
            first_name in any::<String>(),
            comments in "[\\x00-\\x1F<>&\"' a-z\\u{FFFE}\\u{FFFF}\\u{10000}-\\u{10010}]{0,64}",
            custom in proptest::collection::vec((any::<String>(), any::<String>()), 0..4),
        ) {
            let input = snapshot(first_name.clone(), comments.clone(), custom.clone());
            let xml = to_xml(&input).expect("a document");
            prop_assert!(roxmltree::Document::parse(&xml).is_ok());
            let back = from_xml(&xml).expect("reads back");
            let attributes = &back.state.attributes;
            prop_assert_eq!(&attributes.first_name, &carried(&first_name));
            prop_assert_eq!(&attributes.comments, &carried(&comments));
            let values: Vec<String> = attributes.custom.iter().map(|a| a.value.clone()).collect();
            let expected: Vec<String> = custom.iter().map(|(_, v)| carried(v)).collect();
            prop_assert_eq!(values, expected);
        }
    }
}
