//! Rules name roles as `Role@System` text (role assignment rules' roles, segregation of
//! duties rules' roles and risk matrix): a renamed role or system is renamed in them, in the
//! rename's own operation, so a rule keeps meaning the same roles.
use super::identity::audit;
use super::role_rules::{line_key, role_lines, RoleLine};
use super::temporal::{name_key, Op, Table, Val};
use super::{Error, Result};
use crate::model::kinds::SYSTEMS;
use crate::model::ResourceKind;
use sqlx::AnyConnection;

/// `Role@System` of the current role `role`, if any.
pub(crate) async fn role_line(
    conn: &mut AnyConnection,
    role: i64,
) -> Result<Option<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT r.name, s.name FROM roles r JOIN systems s ON s.object_id = r.system_id \
         AND s.valid_to IS NULL WHERE r.object_id = $1 AND r.valid_to IS NULL",
    )
    .bind(role)
    .fetch_optional(conn)
    .await?)
}

/// Rules name roles as `Role@System`: when a role or a system is renamed (or a role moves),
/// every current role assignment or segregation of duties rule naming it gets a new version
/// naming it as it is called now, in the same operation, so it keeps meaning the same role. `rename` gives the new line
/// for a line it concerns.
pub(crate) async fn rename_in_rules(
    conn: &mut AnyConnection,
    op: &Op,
    rename: impl Fn(&RoleLine) -> Option<RoleLine>,
) -> Result<()> {
    let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT object_id, name, description, condition, roles FROM role_rules \
         WHERE valid_to IS NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (id, name, description, condition, roles) in rows {
        let Ok(lines) = role_lines(&roles) else {
            continue;
        };
        let renamed: Vec<Option<RoleLine>> = lines.iter().map(&rename).collect();
        if renamed.iter().all(Option::is_none) {
            continue;
        }
        let text: Vec<String> = lines
            .into_iter()
            .zip(renamed)
            .map(|(line, new)| new.unwrap_or(line).text())
            .collect();
        readable_after_rename(&name, &text.join("\n"), |t| role_lines(t).map(|l| l.len()))?;
        let fields: Vec<(&str, Val)> = vec![
            ("name", (&name).into()),
            ("name_key", name_key(&name).into()),
            ("description", description.into()),
            ("condition", condition.into()),
            ("roles", text.join("\n").into()),
        ];
        super::temporal::replace_version(conn, op, Table::Resource("role_rules"), id, &fields)
            .await?;
        audit(
            conn,
            op,
            "role-rule.update",
            &name,
            "a role it grants was renamed",
        )
        .await?;
    }
    rename_in_sod_rules(conn, op, &rename).await
}

/// Refuses a rename whose new name the rule `rule` could not write back readably (a name
/// holding `@`, `;`, ` + ` or `:` where the rule's lines use them): nothing is changed.
fn readable_after_rename(
    rule: &str,
    text: &str,
    read: impl Fn(&str) -> std::result::Result<usize, String>,
) -> Result<()> {
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    match read(text) {
        Ok(read) if read == lines => Ok(()),
        _ => Err(Error::Conflict(format!(
            "The rule {rule:?} names this role as “Role@System”, and the new name would not \
             read back there (it holds @, ;, + or :). Choose another name; nothing was changed."
        ))),
    }
}

/// `rename_in_rules` for segregation of duties rules: their roles and their risk matrix.
async fn rename_in_sod_rules(
    conn: &mut AnyConnection,
    op: &Op,
    rename: &impl Fn(&RoleLine) -> Option<RoleLine>,
) -> Result<()> {
    type SodRow = (i64, String, String, String, String, String, String, String);
    let rows: Vec<SodRow> = sqlx::query_as(
        "SELECT object_id, name, description, sod_type, threshold, risk, roles, pairs \
         FROM sod_rules WHERE valid_to IS NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (id, name, description, sod_type, threshold, risk, roles, pairs) in rows {
        let mut changed = false;
        let mut renamed = |line: RoleLine| match rename(&line) {
            Some(new) => {
                changed = true;
                new
            }
            None => line,
        };
        let roles: Vec<String> = role_lines(&roles)
            .unwrap_or_default()
            .into_iter()
            .map(|l| renamed(l).text())
            .collect();
        let pairs: Vec<String> = super::sod::pair_lines(&pairs)
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                super::sod::PairLine {
                    a: renamed(p.a),
                    b: renamed(p.b),
                    risk: p.risk,
                }
                .text()
            })
            .collect();
        if !changed {
            continue;
        }
        readable_after_rename(&name, &roles.join("\n"), |t| role_lines(t).map(|l| l.len()))?;
        readable_after_rename(&name, &pairs.join("\n"), |t| {
            super::sod::pair_lines(t).map(|l| l.len())
        })?;
        let fields: Vec<(&str, Val)> = vec![
            ("name", (&name).into()),
            ("name_key", name_key(&name).into()),
            ("description", description.into()),
            ("sod_type", sod_type.into()),
            ("threshold", threshold.into()),
            ("risk", risk.into()),
            ("roles", roles.join("\n").into()),
            ("pairs", pairs.join("\n").into()),
        ];
        super::temporal::replace_version(conn, op, Table::Resource("sod_rules"), id, &fields)
            .await?;
        audit(
            conn,
            op,
            "sod-rule.update",
            &name,
            "a role it names was renamed",
        )
        .await?;
    }
    Ok(())
}

/// `rename_in_rules` for one role whose `Role@System` changed from `old` to `new`.
pub(crate) async fn follow_role(
    conn: &mut AnyConnection,
    op: &Op,
    old: &(String, String),
    new: &(String, String),
) -> Result<()> {
    if old == new {
        return Ok(());
    }
    let old_key = line_key(&old.0, &old.1);
    rename_in_rules(conn, op, |line| {
        (line_key(&line.role, &line.system) == old_key).then(|| RoleLine {
            role: new.0.clone(),
            system: new.1.clone(),
            scope: line.scope.clone(),
        })
    })
    .await
}

/// `rename_in_rules` for an object of `kind` renamed from `old` to `new`: rules name
/// systems (the other kinds are not named in rules).
pub(crate) async fn follow_renamed(
    conn: &mut AnyConnection,
    op: &Op,
    kind: &ResourceKind,
    old: &str,
    new: &str,
) -> Result<()> {
    if old == new || kind.table != SYSTEMS.table {
        return Ok(());
    }
    let old_key = name_key(old);
    rename_in_rules(conn, op, |line| {
        (name_key(&line.system) == old_key).then(|| RoleLine {
            system: new.to_string(),
            ..line.clone()
        })
    })
    .await
}
