//! Systems, accounts, roles, mail domains and mail lists: searchable lists and detail pages.
use crate::ui::components::may_write;
mod access_panel;
mod accounts;
mod mail_lists;
mod resource_page;
mod resource_tree;
mod resources;
mod roles;
mod rule_panel;
mod secret_panel;
mod sod_report;

pub use accounts::{AccountPage, AccountsPage};
pub use mail_lists::{MailListPage, MailListsPage};
pub use resource_page::ResourcePage;
pub use resource_tree::ResourceTreePage;
pub use resources::ResourceListPage;
pub use roles::{RolePage, RolesPage};
pub use sod_report::SodReportPage;

use crate::api::users::list_users;
use crate::error::AppError;
use crate::model::{DirectoryQuery, DirectorySort, Page, UserListQuery};
use crate::ui::components::{
    browser_choices, Choice, ColumnView, ColumnViewButton, ConfirmDialog, DeleteOutcome,
    DeleteSelected, ErrorNotice, ListColumn, ListTable, Selection,
};
use crate::ui::components::{page_param, page_size_param, urlencode, Pages};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The `:id` of a detail page's URL (0 when it is not a number: the server says not found).
fn route_id() -> Memo<i64> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    })
}

/// Search text, page, page size, sort order and narrowing of a list, all kept in the URL
/// (`?q=&page=&size=&sort=&in=`).
#[derive(Clone, Copy)]
struct ListParams {
    base: &'static str,
    search: Memo<String>,
    page: Memo<i64>,
    size: Memo<i64>,
    sort: Memo<String>,
    /// Only objects within this one (a host's network, an object's type); 0 = all.
    within: Memo<i64>,
}

impl ListParams {
    fn from_url(base: &'static str) -> Self {
        let query = use_query_map();
        Self {
            base,
            search: Memo::new(move |_| query.read().get("q").unwrap_or_default()),
            page: Memo::new(move |_| page_param(query.read().get("page"))),
            size: Memo::new(move |_| page_size_param(query.read().get("size"))),
            sort: Memo::new(move |_| query.read().get("sort").unwrap_or_default()),
            within: Memo::new(move |_| {
                let within = query.read().get("in").and_then(|v| v.parse::<i64>().ok());
                within.filter(|id| *id > 0).unwrap_or(0)
            }),
        }
    }

    /// `&in=<id>` when the list is narrowed, for links that keep it.
    fn within_param(within: i64) -> String {
        if within > 0 {
            format!("&in={within}")
        } else {
            String::new()
        }
    }

    /// The store query for the current URL (tracks the URL when called in a reactive source).
    fn query(&self, parent: Option<i64>) -> DirectoryQuery {
        let sort = self.sort.get();
        let within = self.within.get();
        DirectoryQuery {
            as_of: None,
            search: self.search.get(),
            parent: parent.or((within > 0).then_some(within)),
            sort: match sort.trim_start_matches('-') {
                "modified" => DirectorySort::Modified,
                _ => DirectorySort::Name,
            },
            descending: sort.starts_with('-'),
            offset: (self.page.get() - 1) * self.size.get(),
            limit: self.size.get(),
        }
    }

    fn link(&self, page: i64, sort: &str) -> String {
        self.link_sized(page, self.size.get_untracked(), sort)
    }

    fn link_sized(&self, page: i64, size: i64, sort: &str) -> String {
        format!(
            "/{}?q={}&sort={}&page={page}&size={size}{}",
            self.base.trim_start_matches('/'),
            urlencode(&self.search.get_untracked()),
            urlencode(sort),
            Self::within_param(self.within.get_untracked())
        )
    }

    /// The list's CSV download at `path`, with the same search and order and the View's
    /// columns (keys, in the order shown).
    fn csv_link(&self, path: &str, columns: &str) -> String {
        format!(
            "{path}?q={}&sort={}&columns={}{}",
            urlencode(&self.search.get()),
            urlencode(&self.sort.get()),
            urlencode(columns),
            Self::within_param(self.within.get())
        )
    }

    /// The current order as in the URL, the name ascending by default.
    fn sorted_by(&self) -> String {
        let current = self.sort.get_untracked();
        if current.is_empty() {
            "name".into()
        } else {
            current
        }
    }

    /// A column header's link: sorts by `key`, or reverses the order when already sorted by it.
    fn sort_link(&self, key: &str) -> String {
        if self.sorted_by() == key {
            self.link(1, &format!("-{key}"))
        } else {
            self.link(1, key)
        }
    }
}

/// The quick search of a list: a GET form, so the search text lands in the URL.
#[component]
fn SearchBar(params: ListParams, label: String, placeholder: &'static str) -> AnyView {
    view! {
        <div class="toolbar">
            <Form method="GET" action="">
                <label class="inline">
                    {label}
                    <input type="search" name="q" prop:value=move || params.search.get() placeholder=placeholder/>
                </label>
                <input type="hidden" name="sort" prop:value=move || params.sort.get()/>
                <input type="hidden" name="size" prop:value=move || params.size.get().to_string()/>
                {move || (params.within.get() > 0).then(|| view! {
                    <input type="hidden" name="in" prop:value=params.within.get().to_string()/>
                })}
                <button type="submit">"Search"</button>
            </Form>
        </div>
    }
    .into_any()
}

/// The list's pages, keeping its search and order.
#[component]
fn Pager(params: ListParams, total: i64, #[prop(into)] noun: String) -> AnyView {
    let sort = params.sort.get_untracked();
    view! {
        <Pages total page=params.page.get_untracked() size=params.size.get_untracked() noun
            href=move |(page, size)| params.link_sized(page, size, &sort)/>
    }
    .into_any()
}

/// The multi-select delete of a list: runs the server function, whose outcome is `result`.
struct ListDelete<Id: 'static> {
    run: Callback<Vec<Id>>,
    result: Signal<Option<Result<Vec<String>, AppError>>>,
}

impl<Id: 'static> Clone for ListDelete<Id> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Id: 'static> Copy for ListDelete<Id> {}

impl<Id: 'static> ListDelete<Id> {
    /// The delete of `action`, whose input is built from the chosen ids by `input`.
    fn of<A>(action: ServerAction<A>, input: impl Fn(Vec<Id>) -> A + Send + Sync + 'static) -> Self
    where
        A: leptos::server_fn::ServerFn<Output = Vec<String>, Error = AppError>
            + Clone
            + Send
            + Sync
            + 'static,
        Id: Send + Sync,
    {
        Self {
            run: Callback::new(move |ids| {
                action.dispatch(input(ids));
            }),
            result: action.value().into(),
        }
    }
}

/// A directory list screen: quick search, View (columns kept per operator), CSV download of
/// the current search, import, multi-select delete, the table and the pager. The page makes
/// the resources (keyed on the delete's version, so a delete reloads the list).
#[component]
fn DirectoryList<C: ListColumn>(
    params: ListParams,
    /// The heading and the table's name, e.g. "Mail domains".
    title: &'static str,
    #[prop(into)] search_label: String,
    placeholder: &'static str,
    /// The CSV download, e.g. `/files/mail-domains.csv`.
    #[prop(into)]
    csv: String,
    /// The CSV import page, where there is one.
    #[prop(optional_no_strip)]
    import: Option<String>,
    columns: ColumnView<C>,
    items: Resource<Result<Page<C::Item>, AppError>>,
    delete: ListDelete<C::Id>,
    /// The "New …" panel.
    children: Children,
) -> AnyView {
    let noun = title.to_lowercase();
    let writer = may_write();
    let selection = Selection::<C::Id>::new();
    Effect::new(move |_| {
        if matches!(delete.result.get(), Some(Ok(_))) {
            selection.clear();
        }
    });
    let noun_for_table = noun.clone();
    let importable = import.is_some();
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <SearchBar params label=search_label placeholder/>
        <div class="toolbar">
            <ColumnViewButton view=columns/>
            <a class="button" download="" href=move || params.csv_link(&csv, &ColumnView::text(&columns.tracked()))>
                "Download CSV"<span class="visually-hidden">{format!(" of {noun}")}</span>
            </a>
            {import.filter(|_| writer).map(|href| view! {
                <a class="button" href=href>"Import CSV"<span class="visually-hidden">{format!(" of {noun}")}</span></a>
            })}
            {writer.then(|| view! {
                <DeleteSelected selection noun=noun.clone()
                    note="Their history stays; they leave the current view."
                    on_confirm=delete.run/>
            })}
        </div>
        <DeleteOutcome result=delete.result note="."/>
        {children()}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let noun = noun_for_table.clone();
                Suspend::new(async move {
                    let shown = columns.shown().await;
                    match items.await {
                        Ok(page) => view! {
                            <ListTable label=title columns=shown items=page.items
                                empty=empty_list(&noun, &params.search.get_untracked(), writer, importable)
                                sort_href=move |key: String| params.sort_link(&key)
                                sorted_by=params.sorted_by()
                                selection=writer.then_some(selection)/>
                            <Pager params total=page.total noun/>
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
    .into_any()
}

/// What an empty list says: nothing matches the search, or nothing exists yet.
fn empty_list(noun: &str, search: &str, writer: bool, importable: bool) -> String {
    match (search.trim().is_empty(), writer, importable) {
        (false, _, _) => format!(
            "No {noun} match “{}”. Clear the search to see them all.",
            search.trim()
        ),
        (true, true, true) => {
            format!("No {noun} yet. Create the first with “New” above, or import a CSV file.")
        }
        (true, true, false) => format!("No {noun} yet. Create the first with “New” above."),
        (true, false, _) => format!("No {noun} yet."),
    }
}

/// A "Delete" button that asks first, in a dialog naming the object.
#[component]
fn ConfirmDelete(
    /// What is deleted, e.g. `account bob`.
    what: String,
    on_confirm: Callback<()>,
) -> AnyView {
    let open = RwSignal::new(false);
    let title = format!("Delete {what}");
    let label = title.clone();
    view! {
        <button type="button" class="danger" aria-label=title.clone() on:click=move |_| open.set(true)>
            "Delete"
        </button>
        <Show when=move || open.get()>
            <ConfirmDialog
                label=label.clone()
                message=format!("{label}? The history keeps it, but it leaves the current view.")
                confirm_label="Yes, delete".to_string()
                on_confirm=move || {
                    open.set(false);
                    on_confirm.run(());
                }
                on_close=move || open.set(false)
            />
        </Show>
    }
    .into_any()
}

/// A user chosen by typing part of the name: the matches fill a drop-down.
#[component]
fn UserPicker(
    /// The chosen user's id, as text ("" = none).
    value: RwSignal<String>,
    label: &'static str,
) -> AnyView {
    let search = RwSignal::new(String::new());
    let users = LocalResource::new(move || {
        let search = search.get();
        list_users(UserListQuery {
            search,
            limit: 50,
            ..UserListQuery::default()
        })
    });
    view! {
        <label>
            <span>{format!("Find {}", label.to_lowercase())}</span>
            <input type="search" placeholder="part of the name" bind:value=search/>
        </label>
        {browser_choices(users, move |page| {
            let options = page.items.into_iter()
                .map(|u| (u.id.0.to_string(), format!("{} ({})", u.name, u.full_name)))
                .collect();
            view! { <Choice label placeholder="Choose a user" value options/> }
        })}
    }
    .into_any()
}

/// `Some(date)` shown as a day, blank otherwise.
fn format_day(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}
