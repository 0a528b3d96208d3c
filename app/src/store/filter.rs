//! Turns an advanced query (model::query) into a SQL condition over one list's columns.
//! Values are always bound, never spliced; attribute names are looked up in a fixed schema.
use super::{Error, Result};
use crate::model::{attribute_column, parse_filter, CompareOp, Filter, Literal, QueryError};

/// How an attribute is stored, which decides the comparisons it allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Compared ignoring case.
    Text,
    /// BIGINT 0/1.
    Flag,
    /// BIGINT microseconds; written as "2026-03-01" or RFC 3339 in queries.
    Time,
    /// One custom attribute (named exactly as the query names it) inside the JSON list of
    /// `sql` (`[{"name":…,"value":…}]`, as `attributes_json` writes it): eq, ne and pr,
    /// case-exact (an identity provider's ids are).
    Custom,
}

/// One queryable attribute: its name in queries and the SQL expression that reads it.
pub(crate) struct Attribute {
    pub name: &'static str,
    pub sql: &'static str,
    pub kind: Kind,
}

/// A value bound to a placeholder of the condition.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// A SQL condition and its values, for placeholders `$first..`.
#[derive(Debug, Default)]
pub(crate) struct Condition {
    pub sql: String,
    pub binds: Vec<Bind>,
}

/// Parses `query` and translates it; an empty query is `None`. Errors are validation errors on
/// the `query` field and point at the offending token.
pub(crate) fn condition(
    query: &str,
    schema: &[Attribute],
    first_placeholder: usize,
) -> Result<Option<Condition>> {
    let filter = parse_filter(query).map_err(query_error)?;
    let Some(filter) = filter else {
        return Ok(None);
    };
    let mut out = Condition::default();
    let mut translator = Translator {
        query,
        schema,
        next: first_placeholder,
        binds: &mut out.binds,
    };
    out.sql = translator.filter(&filter)?;
    Ok(Some(out))
}

fn query_error(error: QueryError) -> Error {
    Error::invalid("query", error.to_string())
}

struct Translator<'a> {
    query: &'a str,
    schema: &'a [Attribute],
    next: usize,
    binds: &'a mut Vec<Bind>,
}

impl<'a> Translator<'a> {
    fn filter(&mut self, filter: &Filter) -> Result<String> {
        Ok(match filter {
            Filter::And(a, b) => format!("({} AND {})", self.filter(a)?, self.filter(b)?),
            Filter::Or(a, b) => format!("({} OR {})", self.filter(a)?, self.filter(b)?),
            Filter::Not(inner) => format!("(NOT {})", self.filter(inner)?),
            Filter::Present(name) => {
                let attribute = self.attribute(name)?;
                match attribute.kind {
                    Kind::Text => format!("({} <> '')", attribute.sql),
                    Kind::Flag | Kind::Time => format!("({} IS NOT NULL)", attribute.sql),
                    Kind::Custom => {
                        // Set, and not to an empty value.
                        let set = self.contains(attribute.sql, custom_prefix(attribute.name));
                        let empty = self.contains(attribute.sql, custom_pair(attribute.name, ""));
                        format!("({set} AND NOT {empty})")
                    }
                }
            }
            Filter::Compare {
                attribute,
                op,
                value,
            } => {
                let attribute = self.attribute(attribute)?;
                self.compare(attribute, *op, value)?
            }
        })
    }

    fn attribute(&self, name: &str) -> Result<&'a Attribute> {
        let schema: &'a [Attribute] = self.schema;
        schema
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let known: Vec<&str> = self.schema.iter().map(|a| a.name).collect();
                self.error(
                    name,
                    format!("unknown attribute; use one of {}", known.join(", ")),
                )
            })
    }

    fn error(&self, name: &str, message: String) -> Error {
        query_error(QueryError {
            column: attribute_column(self.query, name),
            token: name.to_string(),
            message,
        })
    }

    fn placeholder(&mut self, bind: Bind) -> String {
        let text = format!("${}", self.next);
        self.next += 1;
        self.binds.push(bind);
        text
    }

    /// Whether the text column `sql` holds `needle`, exactly (case included): `replace` and
    /// `length` read alike on SQLite and PostgreSQL, where LIKE does not.
    fn contains(&mut self, sql: &str, needle: String) -> String {
        let placeholder = self.placeholder(Bind::Text(needle));
        format!("(length({sql}) > length(replace({sql}, {placeholder}, '')))")
    }

    fn compare(&mut self, attribute: &Attribute, op: CompareOp, value: &Literal) -> Result<String> {
        let sql = attribute.sql;
        if *value == Literal::Null {
            return match (attribute.kind, op) {
                (Kind::Text, CompareOp::Eq) => Ok(format!("({sql} = '')")),
                (Kind::Text, CompareOp::Ne) => Ok(format!("({sql} <> '')")),
                (Kind::Custom, _) => Err(self.error(
                    attribute.name,
                    format!("ask whether {} is set with pr", attribute.name),
                )),
                (_, CompareOp::Eq) => Ok(format!("({sql} IS NULL)")),
                (_, CompareOp::Ne) => Ok(format!("({sql} IS NOT NULL)")),
                _ => Err(self.error(
                    attribute.name,
                    "null can only be compared with eq or ne".into(),
                )),
            };
        }
        match attribute.kind {
            Kind::Custom => {
                let Literal::Text(text) = value else {
                    return Err(self.error(
                        attribute.name,
                        format!(
                            "{} holds text: put the value in double quotes",
                            attribute.name
                        ),
                    ));
                };
                let found = self.contains(sql, custom_pair(attribute.name, text));
                match op {
                    CompareOp::Eq => Ok(found),
                    CompareOp::Ne => Ok(format!("(NOT {found})")),
                    _ => Err(self.error(
                        attribute.name,
                        format!("{} can only be compared with eq, ne or pr", attribute.name),
                    )),
                }
            }
            Kind::Text => {
                let Literal::Text(text) = value else {
                    return Err(self.error(
                        attribute.name,
                        format!(
                            "{} holds text: put the value in double quotes",
                            attribute.name
                        ),
                    ));
                };
                let lower = text.to_lowercase();
                let (operator, bound) = match op {
                    CompareOp::Eq => ("=", lower),
                    CompareOp::Ne => ("<>", lower),
                    CompareOp::Gt => (">", lower),
                    CompareOp::Lt => ("<", lower),
                    CompareOp::Ge => (">=", lower),
                    CompareOp::Le => ("<=", lower),
                    CompareOp::Co => ("LIKE", format!("%{}%", escape_like(&lower))),
                    CompareOp::Sw => ("LIKE", format!("{}%", escape_like(&lower))),
                    CompareOp::Ew => ("LIKE", format!("%{}", escape_like(&lower))),
                };
                let placeholder = self.placeholder(Bind::Text(bound));
                let escape = if operator == "LIKE" {
                    " ESCAPE '\\'"
                } else {
                    ""
                };
                Ok(format!("(lower({sql}) {operator} {placeholder}{escape})"))
            }
            Kind::Flag => {
                let Literal::Bool(flag) = value else {
                    return Err(self.error(
                        attribute.name,
                        format!("{} is true or false", attribute.name),
                    ));
                };
                let operator = match op {
                    CompareOp::Eq => "=",
                    CompareOp::Ne => "<>",
                    _ => {
                        return Err(self.error(
                            attribute.name,
                            format!("{} can only be compared with eq or ne", attribute.name),
                        ))
                    }
                };
                let placeholder = self.placeholder(Bind::Int(i64::from(*flag)));
                Ok(format!("({sql} {operator} {placeholder})"))
            }
            Kind::Time => {
                let at = match value {
                    Literal::Text(text) => crate::ui::components::parse_instant(text),
                    _ => None,
                }
                .ok_or_else(|| {
                    self.error(
                        attribute.name,
                        format!(
                            "{} is a date: write it in double quotes, e.g. \"2026-03-01\"",
                            attribute.name
                        ),
                    )
                })?;
                let operator = match op {
                    CompareOp::Eq => "=",
                    CompareOp::Ne => "<>",
                    CompareOp::Gt => ">",
                    CompareOp::Lt => "<",
                    CompareOp::Ge => ">=",
                    CompareOp::Le => "<=",
                    _ => {
                        return Err(self.error(
                            attribute.name,
                            format!(
                                "{} is a date: compare it with eq, ne, gt, lt, ge or le",
                                attribute.name
                            ),
                        ))
                    }
                };
                let placeholder = self.placeholder(Bind::Int(at.timestamp_micros()));
                Ok(format!("({sql} {operator} {placeholder})"))
            }
        }
    }
}

/// A custom attribute as `attributes_json` writes it (`{"name":…,"value":…}`, exactly), and
/// the start of one with that name.
fn custom_pair(name: &str, value: &str) -> String {
    serde_json::json!({"name": name, "value": value}).to_string()
}

fn custom_prefix(name: &str) -> String {
    format!("{{\"name\":{},\"value\":", serde_json::json!(name))
}

/// Binds a condition's values after the ones the query already has.
pub(crate) fn bind_all<'q, O>(
    mut query: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
    for bind in binds {
        query = match bind {
            Bind::Text(text) => query.bind(text.as_str()),
            Bind::Int(n) => query.bind(*n),
        };
    }
    query
}

pub(super) fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &[Attribute] = &[
        Attribute {
            name: "userName",
            sql: "u.name",
            kind: Kind::Text,
        },
        Attribute {
            name: "enabled",
            sql: "u.enabled",
            kind: Kind::Flag,
        },
        Attribute {
            name: "modified",
            sql: "u.valid_from",
            kind: Kind::Time,
        },
    ];

    #[test]
    fn translates_with_numbered_placeholders_and_bound_values() {
        let c = condition(
            r#"userName sw "a_n" and (enabled eq true or not modified lt "2026-01-01")"#,
            SCHEMA,
            3,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            c.sql,
            "((lower(u.name) LIKE $3 ESCAPE '\\') AND ((u.enabled = $4) OR (NOT (u.valid_from < $5))))"
        );
        assert_eq!(
            c.binds,
            [
                Bind::Text("a\\_n%".into()),
                Bind::Int(1),
                Bind::Int(1_767_225_600_000_000)
            ]
        );
    }

    #[test]
    fn unknown_attributes_and_wrong_types_point_at_the_attribute() {
        let err = condition(r#"enabled eq true and colour eq "red""#, SCHEMA, 1).unwrap_err();
        let Error::Invalid(fields) = err else {
            panic!("{err:?}")
        };
        assert_eq!(fields[0].field, "query");
        assert!(
            fields[0]
                .message
                .starts_with("At column 21 near \"colour\": unknown attribute"),
            "{}",
            fields[0].message
        );
        let err = condition(r#"enabled eq "yes""#, SCHEMA, 1).unwrap_err();
        assert!(
            format!("{err:?}").contains("enabled is true or false"),
            "{err:?}"
        );
        assert!(condition("  ", SCHEMA, 1).unwrap().is_none());
    }
}
