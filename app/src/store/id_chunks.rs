//! Reads by lists of ids, a few hundred per statement: SQLite and PostgreSQL cap how many
//! values one statement binds, and a list of users or roles can be of any length.
use super::Result;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection};

/// Ids bound by one statement.
pub(crate) const IDS_PER_QUERY: usize = 400;

/// The rows of `sql` for `ids`, `{ids}` standing in `sql` for their placeholders (`$1, $2,
/// …`), read `IDS_PER_QUERY` ids at a time.
pub(crate) async fn rows_for_ids<T>(
    conn: &mut AnyConnection,
    sql: &str,
    ids: &[i64],
) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
{
    let mut out = Vec::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = sql.replace("{ids}", &placeholders.join(", "));
        let mut query = sqlx::query_as::<Any, T>(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        out.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}
