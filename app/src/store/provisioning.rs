//! Users created and changed by provisioning clients (SCIM): the department they send names
//! the primary group when a group is called so; otherwise a new user goes to the group
//! `PROVISIONED_GROUP`, made on first need in the same transaction.
use super::group_writes::create_group_in;
use super::identity::{create_user_in, normalise_user};
use super::temporal::{begin_op, name_key, Author};
use super::{Result, Store};
use crate::model::{GroupId, GroupInput, UserId, UserInput};
use sqlx::AnyConnection;

/// Where a provisioned user whose department names no group is placed.
pub const PROVISIONED_GROUP: &str = "Provisioned";

async fn group_named(conn: &mut AnyConnection, name: &str) -> Result<Option<GroupId>> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT object_id FROM groups WHERE name_key = $1 AND valid_to IS NULL")
            .bind(name_key(name))
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(|(id,)| GroupId(id)))
}

impl Store {
    /// Creates a provisioned user (see the module's note), in one transaction.
    pub async fn create_provisioned_user(
        &self,
        actor: &Author,
        input: &UserInput,
        department: Option<&str>,
    ) -> Result<UserId> {
        let mut tx = self.begin_identity_write().await?;
        let op = begin_op(&mut tx, actor, "user.create", input.name.trim()).await?;
        let named = match department.map(str::trim).filter(|d| !d.is_empty()) {
            Some(department) => group_named(&mut tx, department).await?,
            None => None,
        };
        let group = match named {
            Some(group) => group,
            None => match group_named(&mut tx, PROVISIONED_GROUP).await? {
                Some(group) => group,
                None => {
                    let input = GroupInput {
                        name: PROVISIONED_GROUP.into(),
                        description: "Users provisioned through SCIM whose department names no \
                                      group"
                            .into(),
                        ..Default::default()
                    };
                    create_group_in(&mut tx, &op, &input).await?
                }
            },
        };
        let input = normalise_user(
            &mut tx,
            &UserInput {
                primary_group: group,
                ..input.clone()
            },
        )
        .await?;
        let id = create_user_in(&mut tx, &op, &input).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The group a department names, if one is called so (a provisioned user moves there).
    pub async fn group_named(&self, name: &str) -> Result<Option<GroupId>> {
        let mut conn = self.pool.acquire().await?;
        group_named(&mut conn, name).await
    }
}
