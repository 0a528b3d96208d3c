//! The pager every list shares: how many there are, links to pages by number and a choice of
//! page size, all plain links (the page and size live in the URL, so a bookmark keeps them).
use leptos::prelude::*;

/// The page sizes offered on lists (the stores cap a page at 500 rows).
pub const PAGE_SIZES: [i64; 4] = [25, 50, 100, 200];
pub const DEFAULT_PAGE_SIZE: i64 = 50;

/// The `size` of a list's URL: one of `PAGE_SIZES`, else the default.
pub fn page_size_param(text: Option<String>) -> i64 {
    text.and_then(|s| s.parse::<i64>().ok())
        .filter(|s| PAGE_SIZES.contains(s))
        .unwrap_or(DEFAULT_PAGE_SIZE)
}

/// The `page` of a list's URL: 1 unless a positive number.
pub fn page_param(text: Option<String>) -> i64 {
    text.and_then(|p| p.parse::<i64>().ok()).unwrap_or(1).max(1)
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// How many pages `total` rows make at `size` a page (at least one).
pub fn page_count(total: i64, size: i64) -> i64 {
    ((total + size - 1) / size.max(1)).max(1)
}

/// Which page numbers to link: the first, the last and two either side of `current`; `None`
/// stands for a gap ("…").
pub fn page_numbers(current: i64, last: i64) -> Vec<Option<i64>> {
    let mut shown: Vec<i64> = [1, last]
        .into_iter()
        .chain(current - 2..=current + 2)
        .filter(|n| (1..=last).contains(n))
        .collect();
    shown.sort_unstable();
    shown.dedup();
    let mut out = Vec::new();
    let mut previous = 0;
    for n in shown {
        match n - previous {
            1 => {}
            // A gap of one page shows that page rather than "…".
            2 => out.push(Some(n - 1)),
            _ => out.push(None),
        }
        out.push(Some(n));
        previous = n;
    }
    out
}

/// "120 users · page 2 of 3", then Previous, the page numbers, Next and the page sizes.
/// `href(page, size)` is the list's URL for that page at that size.
#[component]
pub fn Pages(
    total: i64,
    page: i64,
    size: i64,
    /// What the rows are, e.g. "users".
    #[prop(into)]
    noun: String,
    #[prop(into)] href: Callback<(i64, i64), String>,
) -> AnyView {
    let last = page_count(total, size);
    let page = page.clamp(1, last);
    let link = move |n: i64| href.run((n, size));
    view! {
        <p class="hint">{format!("{total} {noun} · page {page} of {last}")}</p>
        <nav class="pager" aria-label="Pages">
            {(page > 1).then(|| view! { <a href=link(page - 1)>"Previous page"</a> })}
            {(last > 1).then(|| view! {
                <span class="page-numbers">
                    {page_numbers(page, last).into_iter().map(|n| match n {
                        Some(n) if n == page => view! {
                            <span class="current-page" aria-current="page">{n.to_string()}</span>
                        }.into_any(),
                        Some(n) => view! {
                            <a href=link(n) aria-label=format!("Page {n}")>{n.to_string()}</a>
                        }.into_any(),
                        None => view! { <span aria-hidden="true">"…"</span> }.into_any(),
                    }).collect_view()}
                </span>
            })}
            {(page < last).then(|| view! { <a href=link(page + 1)>"Next page"</a> })}
            <span class="page-sizes">
                "Per page:"
                {PAGE_SIZES.iter().map(|&n| if n == size {
                    view! { <span class="current-page" aria-current="true">{n.to_string()}</span> }.into_any()
                } else {
                    view! {
                        <a href=href.run((1, n)) aria-label=format!("{n} per page")>{n.to_string()}</a>
                    }.into_any()
                }).collect_view()}
            </span>
        </nav>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_keep_the_ends_and_the_neighbourhood_with_gaps_between() {
        assert_eq!(page_numbers(1, 1), vec![Some(1)]);
        assert_eq!(page_numbers(1, 4), vec![Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(
            page_numbers(10, 20),
            vec![
                Some(1),
                None,
                Some(8),
                Some(9),
                Some(10),
                Some(11),
                Some(12),
                None,
                Some(20)
            ]
        );
        // No "…" where it would hide a single page.
        assert_eq!(
            page_numbers(5, 10),
            vec![
                Some(1),
                Some(2),
                Some(3),
                Some(4),
                Some(5),
                Some(6),
                Some(7),
                None,
                Some(10)
            ]
        );
    }

    #[test]
    fn page_size_accepts_the_offered_sizes_only() {
        assert_eq!(page_size_param(Some("100".into())), 100);
        assert_eq!(page_size_param(Some("7".into())), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size_param(Some("lots".into())), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size_param(None), DEFAULT_PAGE_SIZE);
        assert_eq!(page_count(0, 25), 1);
        assert_eq!(page_count(51, 25), 3);
    }
}
