//! Cursor paging of the API's lists.
//!
//! A list is read as of one instant: the first page pins it (the request's `as_of`, or now)
//! and its cursor carries it on, so that every page of one walk reads the same state of the
//! store however it changes meanwhile — the temporal store makes offsets stable. Cursors are
//! opaque to clients; this module alone reads them back.
use super::ApiError;
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The default and largest page sizes of the API's lists.
pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;
/// The deepest offset a cursor may carry (a walk past it should narrow its query).
const MAX_OFFSET: i64 = 10_000_000;

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiPage<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next: Option<String>,
    /// The instant every page of this walk reads (UTC).
    pub as_of: DateTime<Utc>,
    /// How many items the whole list has at `as_of`.
    pub total: i64,
}

/// The parameters every list takes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Read the list as it was at this instant (RFC 3339, e.g. `2026-01-31T09:00:00Z`);
    /// now when absent. Not with `cursor`, which carries the first page's instant.
    pub as_of: Option<DateTime<Utc>>,
    /// The `next` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Case-insensitive part of the name (and of similar text attributes).
    pub q: Option<String>,
}

/// Where one page starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageAt {
    pub as_of: DateTime<Utc>,
    pub offset: i64,
    pub limit: i64,
}

impl ListQuery {
    pub fn page_at(&self) -> Result<PageAt, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid(format!("limit is 1 to {MAX_LIMIT}.")));
        }
        let cursor = self
            .cursor
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        match (cursor, self.as_of) {
            (Some(_), Some(_)) => Err(ApiError::invalid(
                "as_of goes with the first page only: the cursor carries its instant.",
            )),
            (Some(cursor), None) => {
                let (as_of, offset) = parse_cursor(cursor)?;
                Ok(PageAt {
                    as_of,
                    offset,
                    limit,
                })
            }
            (None, as_of) => {
                let now = Utc::now();
                let as_of = as_of.unwrap_or(now);
                // A later instant would not stay what the walk reads: changes still to come
                // would join it.
                if as_of > now {
                    return Err(ApiError::invalid(
                        "as_of is later than now: the future has no state yet.",
                    ));
                }
                Ok(PageAt {
                    as_of: to_micros(as_of),
                    offset: 0,
                    limit,
                })
            }
        }
    }

    pub fn search(&self) -> String {
        self.q.as_deref().unwrap_or_default().trim().to_string()
    }
}

impl PageAt {
    /// The page of `items` (what the store returned for this page) out of `total`.
    pub fn page<T>(self, items: Vec<T>, total: i64) -> ApiPage<T> {
        let end = self.offset + items.len() as i64;
        let next = (!items.is_empty() && end < total && end <= MAX_OFFSET)
            .then(|| format!("p1.{}.{end}", self.as_of.timestamp_micros()));
        ApiPage {
            items,
            next,
            as_of: self.as_of,
            total,
        }
    }
}

/// The store keeps instants to the microsecond: the pinned instant is said as it is read.
pub fn to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

/// The two numbers of a cursor `<tag>.<a>.<b>`, if it is one.
pub fn cursor_numbers(cursor: &str, tag: &str) -> Option<(i64, i64)> {
    let mut parts = cursor.split('.');
    let (Some(found), Some(a), Some(b), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if found != tag {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// `p1.<instant in microseconds>.<offset>`.
fn parse_cursor(cursor: &str) -> Result<(DateTime<Utc>, i64), ApiError> {
    let bad = || ApiError::invalid("cursor is the `next` of a page this API returned.");
    let (micros, offset) = cursor_numbers(cursor, "p1").ok_or_else(bad)?;
    let as_of = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    // Cursors are made from instants not later than now, in years 1 to 9999 of RFC 3339.
    if !(0..=MAX_OFFSET).contains(&offset) || as_of > Utc::now() || as_of.year() < 1 {
        return Err(bad());
    }
    Ok((as_of, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(cursor: Option<&str>, as_of: Option<DateTime<Utc>>) -> ListQuery {
        ListQuery {
            cursor: cursor.map(str::to_string),
            as_of,
            ..ListQuery::default()
        }
    }

    #[test]
    fn a_cursor_carries_the_first_pages_instant_and_the_next_offset() {
        let then = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let first = query(None, Some(then)).page_at().unwrap();
        assert_eq!((first.as_of, first.offset, first.limit), (then, 0, 50));
        let page = first.page(vec![1; 50], 120);
        let next = query(page.next.as_deref(), None).page_at().unwrap();
        assert_eq!((next.as_of, next.offset), (then, 50));
        let last = next.page(vec![1; 20], 70);
        assert_eq!(last.next, None, "the end of the list has no next page");
    }

    #[test]
    fn foreign_or_mixed_cursors_are_refused() {
        for cursor in [
            "",
            "p1",
            "p1.x.0",
            "p1.0.-1",
            "p1.0.99999999999",
            "p2.0.0",
            "p1.0.0.0",
        ] {
            let result = query(Some(cursor), None).page_at();
            if cursor.is_empty() {
                assert!(result.is_ok(), "an empty cursor is the first page");
            } else {
                assert!(result.is_err(), "{cursor:?} was accepted");
            }
        }
        let now = Utc::now();
        assert!(query(Some("p1.0.50"), Some(now)).page_at().is_err());
        let future = format!(
            "p1.{}.0",
            (now + chrono::Duration::days(1)).timestamp_micros()
        );
        assert!(query(Some(&future), None).page_at().is_err());
        let tomorrow = now + chrono::Duration::days(1);
        assert!(query(None, Some(tomorrow)).page_at().is_err());
        let too_big = ListQuery {
            limit: Some(501),
            ..ListQuery::default()
        };
        assert!(too_big.page_at().is_err());
    }
}
