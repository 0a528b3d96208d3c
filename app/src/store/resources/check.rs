//! Checking a new version of an object against its kind's declaration: each value by its
//! type, references resolved to the objects they name, unique values, then the kind's rules
//! (`model::resource::Rule`) and the rules of kinds that depend on it.
use super::super::temporal::{name_key, Val};
use super::super::text::{text_problem, MAX_LINE_CHARS, MAX_TEXT_CHARS};
use super::super::{role_rules, sod};
use super::super::{Error, Result};
use super::custom_values::{self, fit, parse_spec, parse_values};
use super::net_values::{mask_text, network, parse_address, parse_host_names, parse_mac};
use super::read::record_at;
use crate::error::FieldError;
use crate::model::*;
use ipnet::IpNet;
use sqlx::AnyConnection;

/// Deepest a tree kind (`Rule::NoCycle`) may be: also the bound of every walk up it.
pub const MAX_TREE_DEPTH: usize = 50;

/// One checked value.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Text(String),
    Flag(bool),
    /// Another object by its name; `id` once resolved (None: none given).
    Reference {
        name: String,
        id: Option<i64>,
    },
}

/// The values of a checked input, in declaration order and canonical form.
pub(super) struct Checked {
    pub(super) kind: &'static ResourceKind,
    values: Vec<Value>,
}

impl Checked {
    pub(super) fn name(&self) -> &str {
        match &self.values[0] {
            Value::Text(text) => text,
            _ => "",
        }
    }

    /// The values as a record shows them (flags `true`/`false`, references by name).
    pub(super) fn texts(&self) -> Vec<String> {
        self.values
            .iter()
            .map(|v| match v {
                Value::Text(text) | Value::Reference { name: text, .. } => text.clone(),
                Value::Flag(flag) => flag_text(*flag),
            })
            .collect()
    }

    /// The referenced ids, per reference attribute (in declaration order).
    pub(super) fn reference_ids(&self) -> Vec<(&'static str, Option<i64>)> {
        self.kind
            .attributes
            .iter()
            .zip(&self.values)
            .filter_map(|(a, v)| match v {
                Value::Reference { id, .. } => Some((a.column, *id)),
                _ => None,
            })
            .collect()
    }

    /// The table's columns: one per attribute, plus `{column}_key` for unique ones and the
    /// naming one.
    pub(super) fn fields(&self) -> Vec<(String, Val)> {
        let mut out = Vec::new();
        for (index, (attribute, value)) in self.kind.attributes.iter().zip(&self.values).enumerate()
        {
            let val = match value {
                Value::Text(text) => {
                    if attribute.unique || index == 0 {
                        out.push((format!("{}_key", attribute.column), name_key(text).into()));
                    }
                    Val::from(text)
                }
                Value::Flag(flag) => (*flag).into(),
                Value::Reference { id, .. } => (*id).into(),
            };
            out.push((attribute.column.to_string(), val));
        }
        out
    }

    fn text(&self, key: &str) -> &str {
        match self.kind.attribute(key).map(|(i, _)| &self.values[i]) {
            Some(Value::Text(text)) => text,
            _ => "",
        }
    }

    fn flag(&self, key: &str) -> bool {
        matches!(
            self.kind.attribute(key).map(|(i, _)| &self.values[i]),
            Some(Value::Flag(true))
        )
    }

    fn reference(&self, key: &str) -> Option<(i64, &str)> {
        match self.kind.attribute(key).map(|(i, _)| &self.values[i]) {
            Some(Value::Reference { name, id: Some(id) }) => Some((*id, name)),
            _ => None,
        }
    }
}

/// Checks an input completely: values, references, unique values and rules. `id` is the
/// object written (None for a new one).
pub(super) async fn check(
    conn: &mut AnyConnection,
    kind: &'static ResourceKind,
    input: &ResourceInput,
    id: Option<i64>,
) -> Result<Checked> {
    let mut checked = parse(kind, input)?;
    resolve(conn, &mut checked).await?;
    unique(conn, &checked, id).await?;
    rules(conn, &mut checked, id).await?;
    Ok(checked)
}

/// Each value by its type: one per attribute, required ones given, texts within bounds and
/// free of characters no text may hold, flags, addresses and names readable.
fn parse(kind: &'static ResourceKind, input: &ResourceInput) -> Result<Checked> {
    if input.values.len() != kind.attributes.len() {
        return Err(Error::invalid(
            "values",
            format!(
                "A {} has {} attributes; {} values were given.",
                kind.singular,
                kind.attributes.len(),
                input.values.len()
            ),
        ));
    }
    let mut problems = Vec::new();
    let mut values = Vec::with_capacity(kind.attributes.len());
    for (attribute, text) in kind.attributes.iter().zip(&input.values) {
        let text = text.trim();
        let max = match attribute.value {
            ValueType::Text
            | ValueType::HostNames
            | ValueType::AttributeSpec
            | ValueType::AttributeValues
            | ValueType::UserQuery
            | ValueType::RoleList
            | ValueType::RolePairs => MAX_TEXT_CHARS,
            _ => MAX_LINE_CHARS,
        };
        let problem = if attribute.required && text.is_empty() {
            Some(format!("{} is required.", attribute.label))
        } else {
            text_problem(text, max)
        };
        if let Some(problem) = problem {
            problems.push(FieldError::new(attribute.key, problem));
            values.push(Value::Text(String::new()));
            continue;
        }
        let value = match attribute.value {
            ValueType::Flag { .. } => match parse_flag(text) {
                Some(flag) => Ok(Value::Flag(flag)),
                None if text.is_empty() => Ok(Value::Flag(false)),
                None => Err(format!(
                    "{text:?} is not a yes/no value; use true or false."
                )),
            },
            ValueType::Reference(_) => Ok(Value::Reference {
                name: text.to_string(),
                id: None,
            }),
            _ if text.is_empty() => Ok(Value::Text(String::new())),
            ValueType::Address => parse_address(text).map(|a| Value::Text(a.to_string())),
            ValueType::Mac => parse_mac(text).map(Value::Text),
            ValueType::HostNames => parse_host_names(text).map(Value::Text),
            ValueType::AttributeSpec => {
                parse_spec(text).map(|spec| Value::Text(custom_values::spec_text(&spec)))
            }
            ValueType::AttributeValues => parse_values(text).map(|values| {
                let lines: Vec<String> = values.iter().map(|(k, v)| format!("{k}={v}")).collect();
                Value::Text(lines.join("\n"))
            }),
            ValueType::UserQuery => {
                role_rules::check_condition(text).map(|_| Value::Text(text.to_string()))
            }
            ValueType::RoleList => {
                role_rules::role_lines(text).map(|_| Value::Text(text.to_string()))
            }
            ValueType::RolePairs => sod::pair_lines(text).map(|_| Value::Text(text.to_string())),
            ValueType::Choice(options) => options
                .iter()
                .find(|o| o.eq_ignore_ascii_case(text))
                .map(|o| Value::Text(o.to_string()))
                .ok_or_else(|| format!("{text:?} is not one of {}.", options.join(", "))),
            ValueType::Line | ValueType::Text | ValueType::Mask => {
                Ok(Value::Text(text.to_string()))
            }
        };
        match value {
            Ok(value) => values.push(value),
            Err(problem) => {
                problems.push(FieldError::new(attribute.key, problem));
                values.push(Value::Text(String::new()));
            }
        }
    }
    if problems.is_empty() {
        Ok(Checked { kind, values })
    } else {
        Err(Error::Invalid(problems))
    }
}

/// The current object of `kind` named `name` (ignoring case).
async fn find(conn: &mut AnyConnection, kind: &ResourceKind, name: &str) -> Result<Option<i64>> {
    let column = kind.name_attribute().column;
    let row: Option<(i64,)> = sqlx::query_as(&format!(
        "SELECT object_id FROM {} WHERE {column}_key = $1 AND valid_to IS NULL",
        kind.table
    ))
    .bind(name_key(name))
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id,)| id))
}

/// Resolves every reference to the current object it names.
async fn resolve(conn: &mut AnyConnection, checked: &mut Checked) -> Result<()> {
    let mut problems = Vec::new();
    for (attribute, value) in checked.kind.attributes.iter().zip(&mut checked.values) {
        let (ValueType::Reference(target), Value::Reference { name, id }) =
            (&attribute.value, value)
        else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        match find(conn, target, name).await? {
            Some(found) => {
                *id = Some(found);
                // Shown as the object calls itself.
                if let Some(record) = record_at(conn, target, found, i64::MAX).await? {
                    *name = record.name().to_string();
                }
            }
            None => problems.push(FieldError::new(
                attribute.key,
                format!("No {} is named {name:?}.", target.singular),
            )),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Unique values other than the name (whose refusal is "already exists"): named with the
/// object that holds them.
async fn unique(conn: &mut AnyConnection, checked: &Checked, id: Option<i64>) -> Result<()> {
    let kind = checked.kind;
    let mut problems = Vec::new();
    for (attribute, value) in kind.attributes.iter().zip(&checked.values).skip(1) {
        let Value::Text(text) = value else { continue };
        if !attribute.unique || text.is_empty() {
            continue;
        }
        let holder: Option<(String,)> = sqlx::query_as(&format!(
            "SELECT {} FROM {} WHERE {}_key = $1 AND valid_to IS NULL AND object_id <> $2",
            kind.name_attribute().column,
            kind.table,
            attribute.column
        ))
        .bind(name_key(text))
        .bind(id.unwrap_or(0))
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((holder,)) = holder {
            problems.push(FieldError::new(
                attribute.key,
                format!(
                    "{text} is already the {} of the {} {holder:?}.",
                    attribute.label.to_lowercase(),
                    kind.singular
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(problems))
    }
}

/// The network of a record of a kind with a `Rule::Network`.
fn network_of(kind: &ResourceKind, values: &[String]) -> Option<IpNet> {
    kind.rules.iter().find_map(|rule| match rule {
        Rule::Network { address, mask } => {
            let value = |key| {
                kind.attribute(key)
                    .and_then(|(i, _)| values.get(i))
                    .map(String::as_str)
                    .unwrap_or_default()
            };
            network(value(address), value(mask)).ok()
        }
        _ => None,
    })
}

/// The declared rules of every kind whose reference attribute points at `kind`: (the
/// referring kind, its reference attribute, the rule).
fn rules_pointing_at(
    kind: &ResourceKind,
) -> impl Iterator<Item = (&'static ResourceKind, &'static Attribute, &'static Rule)> + '_ {
    kinds::ALL.iter().flat_map(move |referrer| {
        referrer.rules.iter().filter_map(move |rule| {
            let key = match rule {
                Rule::InNetwork { network, .. } => network,
                Rule::ReferenceHas { reference, .. } => reference,
                Rule::Typed { type_ref, .. } => type_ref,
                Rule::Network { .. }
                | Rule::NoCycle { .. }
                | Rule::AssignsRoles { .. }
                | Rule::Segregates { .. }
                | Rule::KeepsSecret => return None,
            };
            let (_, attribute) = referrer.attribute(key)?;
            match attribute.value {
                ValueType::Reference(target) if target.table == kind.table => {
                    Some((*referrer, attribute, rule))
                }
                _ => None,
            }
        })
    })
}

/// The current objects of `referrer` whose `attribute` refers to `id`: (name, values).
async fn referring(
    conn: &mut AnyConnection,
    referrer: &'static ResourceKind,
    attribute: &Attribute,
    id: i64,
) -> Result<Vec<ResourceRecord>> {
    let ids: Vec<(i64,)> = sqlx::query_as(&format!(
        "SELECT object_id FROM {} WHERE {} = $1 AND valid_to IS NULL ORDER BY {}_key LIMIT 1000",
        referrer.table,
        attribute.column,
        referrer.name_attribute().column
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(ids.len());
    for (object,) in ids {
        if let Some(record) = record_at(conn, referrer, object, i64::MAX).await? {
            out.push(record);
        }
    }
    Ok(out)
}

fn named_few(names: &[String]) -> String {
    let mut shown: Vec<String> = names.iter().take(5).map(|n| format!("{n:?}")).collect();
    if names.len() > 5 {
        shown.push(format!("{} more", names.len() - 5));
    }
    shown.join(", ")
}

/// The object a resolved reference attribute names, for a rule about it.
struct Referenced {
    target: &'static ResourceKind,
    name: String,
    /// Its current version (None if it ended meanwhile).
    record: Option<ResourceRecord>,
}

/// What the reference attribute `key` of `checked` names; None when it names nothing.
async fn referenced(
    conn: &mut AnyConnection,
    checked: &Checked,
    key: &str,
) -> Result<Option<Referenced>> {
    let Some((id, name)) = checked.reference(key) else {
        return Ok(None);
    };
    let Some((
        _,
        Attribute {
            value: ValueType::Reference(target),
            ..
        },
    )) = checked.kind.attribute(key)
    else {
        return Ok(None);
    };
    Ok(Some(Referenced {
        target,
        name: name.to_string(),
        record: record_at(conn, target, id, i64::MAX).await?,
    }))
}

/// The kind's own rules, then the rules of kinds that refer to it (for an existing object).
async fn rules(conn: &mut AnyConnection, checked: &mut Checked, id: Option<i64>) -> Result<()> {
    let kind = checked.kind;
    for rule in kind.rules {
        match rule {
            Rule::Network { address, mask } => {
                let net = network(checked.text(address), checked.text(mask))
                    .map_err(|problem| Error::invalid(mask, problem))?;
                let (index, _) = kind.attribute(mask).expect("a declared mask");
                checked.values[index] = Value::Text(mask_text(&net));
                overlapping(conn, kind, &net, id).await?;
            }
            Rule::InNetwork { address, network } => {
                let text = checked.text(address).to_string();
                if text.is_empty() {
                    continue;
                }
                let Some(Referenced {
                    target,
                    name: network_name,
                    record,
                }) = referenced(conn, checked, network).await?
                else {
                    continue;
                };
                let range = record.and_then(|r| network_of(target, &r.values));
                let address_ip = parse_address(&text).map_err(|p| Error::invalid(address, p))?;
                if let Some(range) = range.filter(|range| !range.contains(&address_ip)) {
                    return Err(Error::invalid(
                        address,
                        format!(
                            "{address_ip} is not in the {} {network_name:?} ({range}); choose an \
                             address in its range or another {}.",
                            target.singular, target.singular
                        ),
                    ));
                }
            }
            Rule::NoCycle { parent, .. } => no_cycle(conn, checked, parent, id).await?,
            // The secret is kept apart (`store::vault`), not among the attributes checked here.
            Rule::KeepsSecret => {}
            Rule::Segregates {
                sod_type,
                threshold,
                risk,
                roles,
                pairs,
            } => {
                let (n, listed, matrix) = sod::check_rule(
                    conn,
                    checked.text(sod_type),
                    checked.text(threshold),
                    checked.text(risk),
                    checked.text(roles),
                    checked.text(pairs),
                )
                .await?;
                for (key, value) in [(threshold, n), (roles, listed), (pairs, matrix)] {
                    let (index, _) = kind.attribute(key).expect("a declared attribute");
                    checked.values[index] = Value::Text(value);
                }
            }
            Rule::AssignsRoles { roles, .. } => {
                let (index, _) = kind.attribute(roles).expect("a declared roles attribute");
                let text = checked.text(roles).to_string();
                let canonical = role_rules::canonical_roles(conn, &text).await?;
                checked.values[index] =
                    Value::Text(canonical.map_err(|problem| Error::invalid(roles, problem))?);
            }
            Rule::Typed {
                type_ref,
                spec,
                values,
            } => {
                let Some(Referenced {
                    target,
                    name: type_name,
                    record,
                }) = referenced(conn, checked, type_ref).await?
                else {
                    continue;
                };
                let declared = record
                    .map(|r| parse_spec(r.value(target, spec)).unwrap_or_default())
                    .unwrap_or_default();
                let given = parse_values(checked.text(values))
                    .map_err(|problem| Error::invalid(values, problem))?;
                match fit(&declared, &given) {
                    Ok(kept) => {
                        let (index, _) = kind.attribute(values).expect("declared values");
                        checked.values[index] = Value::Text(kept);
                    }
                    Err(problems) => {
                        return Err(Error::invalid(
                            values,
                            format!(
                                "For the {} {type_name:?}: {}.",
                                target.singular,
                                problems.join("; ")
                            ),
                        ))
                    }
                }
            }
            Rule::ReferenceHas { reference, flag } => {
                let Some(Referenced {
                    target,
                    name: target_name,
                    record,
                }) = referenced(conn, checked, reference).await?
                else {
                    continue;
                };
                if !record.is_some_and(|r| r.flag(target, flag)) {
                    let label = target.attribute(flag).map(|(_, a)| a.label).unwrap_or(flag);
                    return Err(Error::invalid(
                        reference,
                        format!(
                            "The {} {target_name:?} does not have \"{label}\" on; turn it on \
                             there first.",
                            target.singular
                        ),
                    ));
                }
            }
        }
    }
    let Some(id) = id else { return Ok(()) };
    for (referrer, attribute, rule) in rules_pointing_at(kind) {
        match rule {
            Rule::InNetwork { address, .. } => {
                let Some(range) = network_of(kind, &checked.texts()) else {
                    continue;
                };
                let outside: Vec<String> = referring(conn, referrer, attribute, id)
                    .await?
                    .iter()
                    .filter(|r| {
                        parse_address(r.value(referrer, address))
                            .is_ok_and(|ip| !range.contains(&ip))
                    })
                    .map(|r| format!("{} {}", r.name(), r.value(referrer, address)))
                    .collect();
                if !outside.is_empty() {
                    return Err(Error::Conflict(format!(
                        "{} of this {} would lie outside {range}: {}. Move them first.",
                        referrer.plural,
                        kind.singular,
                        named_few(&outside)
                    )));
                }
            }
            Rule::ReferenceHas { flag, .. } => {
                if checked.flag(flag) {
                    continue;
                }
                let users: Vec<String> = referring(conn, referrer, attribute, id)
                    .await?
                    .iter()
                    .map(|r| r.name().to_string())
                    .collect();
                if !users.is_empty() {
                    let label = kind.attribute(flag).map(|(_, a)| a.label).unwrap_or(flag);
                    return Err(Error::Conflict(format!(
                        "\"{label}\" stays on while {} use this {}: {}.",
                        referrer.plural.to_lowercase(),
                        kind.singular,
                        named_few(&users)
                    )));
                }
            }
            Rule::Typed { spec, values, .. } => {
                let declared = parse_spec(checked.text(spec)).unwrap_or_default();
                let misfits: Vec<String> = referring(conn, referrer, attribute, id)
                    .await?
                    .iter()
                    .filter_map(|r| {
                        let given = parse_values(r.value(referrer, values)).unwrap_or_default();
                        fit(&declared, &given)
                            .err()
                            .map(|problems| format!("{} ({})", r.name(), problems.join("; ")))
                    })
                    .collect();
                if !misfits.is_empty() {
                    return Err(Error::Conflict(format!(
                        "{} of this {} would not fit these attributes: {}. Change them first.",
                        referrer.plural,
                        kind.singular,
                        named_few(&misfits)
                    )));
                }
            }
            Rule::Network { .. }
            | Rule::NoCycle { .. }
            | Rule::AssignsRoles { .. }
            | Rule::Segregates { .. }
            | Rule::KeepsSecret => {}
        }
    }
    Ok(())
}

/// A move of `id` under `parent` must not put it inside itself (nor make the tree deeper
/// than `MAX_TREE_DEPTH`): walks up from the new parent through current parents.
async fn no_cycle(
    conn: &mut AnyConnection,
    checked: &Checked,
    parent_key: &str,
    id: Option<i64>,
) -> Result<()> {
    let kind = checked.kind;
    let Some((parent, parent_name)) = checked.reference(parent_key) else {
        return Ok(());
    };
    let (_, attribute) = kind.attribute(parent_key).expect("a declared parent");
    if id == Some(parent) {
        return Err(Error::invalid(
            parent_key,
            format!(
                "A {} cannot be its own {}.",
                kind.singular,
                attribute.label.to_lowercase()
            ),
        ));
    }
    let mut path = vec![parent_name.to_string()];
    let mut at = parent;
    for _ in 0..MAX_TREE_DEPTH {
        let up: Option<(Option<i64>,)> = sqlx::query_as(&format!(
            "SELECT {} FROM {} WHERE object_id = $1 AND valid_to IS NULL",
            attribute.column, kind.table
        ))
        .bind(at)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((Some(up),)) = up else {
            return Ok(());
        };
        if Some(up) == id {
            path.reverse();
            return Err(Error::Conflict(format!(
                "{:?} cannot go under {parent_name:?}: {parent_name:?} is inside it ({} › {}). \
                 Nothing was changed.",
                checked.name(),
                checked.name(),
                path.join(" › ")
            )));
        }
        let name = record_at(conn, kind, up, i64::MAX)
            .await?
            .map(|r| r.name().to_string())
            .unwrap_or_default();
        path.push(name);
        at = up;
    }
    Err(Error::invalid(
        parent_key,
        format!("The tree would be more than {MAX_TREE_DEPTH} levels deep."),
    ))
}

/// A network range may not overlap another current network's.
async fn overlapping(
    conn: &mut AnyConnection,
    kind: &'static ResourceKind,
    net: &IpNet,
    id: Option<i64>,
) -> Result<()> {
    let others: Vec<(i64,)> = sqlx::query_as(&format!(
        "SELECT object_id FROM {} WHERE valid_to IS NULL AND object_id <> $1",
        kind.table
    ))
    .bind(id.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    for (other,) in others {
        let Some(record) = record_at(conn, kind, other, i64::MAX).await? else {
            continue;
        };
        let Some(range) = network_of(kind, &record.values) else {
            continue;
        };
        if range.contains(&net.network()) || net.contains(&range.network()) {
            return Err(Error::Conflict(format!(
                "The range {net} overlaps the {} {:?} ({range}).",
                kind.singular,
                record.name()
            )));
        }
    }
    Ok(())
}
