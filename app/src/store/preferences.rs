//! Per-operator console preferences: small named text values (a list's columns, say).
use super::{Error, Result, Store};
use crate::model::OperatorId;

const MAX_VALUE: usize = 4000;

fn check_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            "name",
            "A preference name is 1-100 letters, digits, dots, dashes or underscores.",
        ))
    }
}

impl Store {
    pub async fn preference(&self, operator: OperatorId, name: &str) -> Result<Option<String>> {
        check_name(name)?;
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT value FROM operator_preferences WHERE operator_id = $1 AND name = $2",
        )
        .bind(operator.0)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(value,)| value))
    }

    pub async fn set_preference(
        &self,
        operator: OperatorId,
        name: &str,
        value: &str,
    ) -> Result<()> {
        check_name(name)?;
        if value.len() > MAX_VALUE {
            return Err(Error::invalid(
                "value",
                format!("A preference holds at most {MAX_VALUE} bytes."),
            ));
        }
        sqlx::query(
            "INSERT INTO operator_preferences (operator_id, name, value) VALUES ($1, $2, $3) \
             ON CONFLICT (operator_id, name) DO UPDATE SET value = excluded.value",
        )
        .bind(operator.0)
        .bind(name)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
