//! What every list screen shares: a column view kept per operator on the server, the table
//! with its sort links and row checkboxes, and the multi-select delete that asks first,
//! naming what it deletes.
use super::{ConfirmDialog, FormError, Modal};
use crate::api::preferences::{get_preference, set_preference};
use crate::error::AppError;
use leptos::prelude::*;

/// A column of a list screen, over the rows of type `Item`.
pub trait ListColumn: Copy + PartialEq + Send + Sync + 'static {
    type Item: Clone + Send + Sync + 'static;
    /// What a row is selected by for a delete.
    type Id: Copy + PartialEq + Send + Sync + 'static;
    /// The key kept in the operator's saved view.
    fn key(self) -> &'static str;
    fn label(self) -> &'static str;
    /// The server-side sort this column's header asks for, if it sorts.
    fn sort_key(self) -> Option<&'static str> {
        None
    }
    fn cell(self, item: &Self::Item) -> AnyView;
    /// The id and the name (as the delete dialog names it) of a row.
    fn row(item: &Self::Item) -> (Self::Id, String);
}

/// The columns a list shows: the operator's saved view (a preference on the server), or the
/// defaults. Create it at the top of the page component; await `shown()` inside the list's
/// `Suspend`, so the server and the browser render the same columns.
pub struct ColumnView<C: ListColumn> {
    preference: StoredValue<String>,
    /// Every column, in the picker's order.
    all: StoredValue<Vec<C>>,
    defaults: StoredValue<Vec<C>>,
    saved: Resource<Result<Option<String>, AppError>>,
    /// The saved view once the browser has it (for links outside the list's `Suspend`).
    loaded: RwSignal<Option<String>>,
    /// Set by the View dialog on this visit (saved too).
    chosen: RwSignal<Option<Vec<C>>>,
}

impl<C: ListColumn> Clone for ColumnView<C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C: ListColumn> Copy for ColumnView<C> {}

impl<C: ListColumn> ColumnView<C> {
    pub fn new(preference: impl Into<String>, all: &[C], defaults: &[C]) -> Self {
        let preference = StoredValue::new(preference.into());
        let saved = Resource::new(|| (), move |_| get_preference(preference.get_value()));
        let loaded = RwSignal::new(None);
        // Effects run after hydration: reading the resource here does not change what the
        // server rendered.
        Effect::new(move |_| {
            if let Some(Ok(text)) = saved.get() {
                loaded.set(text);
            }
        });
        Self {
            preference,
            all: StoredValue::new(all.to_vec()),
            defaults: StoredValue::new(defaults.to_vec()),
            saved,
            loaded,
            chosen: RwSignal::new(None),
        }
    }

    /// `a,b,c` as columns; unknown keys are skipped, and nothing known means the defaults.
    pub fn parse(&self, text: &str) -> Vec<C> {
        let columns: Vec<C> = text
            .split(',')
            .filter_map(|key| {
                self.all
                    .with_value(|all| all.iter().copied().find(|c| c.key() == key))
            })
            .collect();
        if columns.is_empty() {
            self.defaults.get_value()
        } else {
            columns
        }
    }

    pub fn text(columns: &[C]) -> String {
        columns
            .iter()
            .map(|c| c.key())
            .collect::<Vec<_>>()
            .join(",")
    }

    fn saved_or_defaults(&self, saved: Option<String>) -> Vec<C> {
        match saved {
            Some(text) => self.parse(&text),
            None => self.defaults.get_value(),
        }
    }

    /// The columns to show (tracks the saved view and this visit's choice). Await it inside
    /// the list's `Suspend`.
    pub async fn shown(self) -> Vec<C> {
        let saved = self.saved.await.ok().flatten();
        self.chosen
            .get()
            .unwrap_or_else(|| self.saved_or_defaults(saved))
    }

    /// The columns shown now, for the View dialog (does not track).
    pub fn current(&self) -> Vec<C> {
        self.chosen
            .get_untracked()
            .unwrap_or_else(|| self.saved_or_defaults(self.loaded.get_untracked()))
    }

    /// The columns shown, tracking changes, for attributes outside the list's `Suspend`
    /// (the defaults until the browser has the saved view).
    pub fn tracked(&self) -> Vec<C> {
        self.chosen
            .get()
            .unwrap_or_else(|| self.saved_or_defaults(self.loaded.get()))
    }
}

/// The "View" button and its dialog: show, hide and reorder columns, saved for this operator.
#[component]
pub fn ColumnViewButton<C: ListColumn>(view: ColumnView<C>) -> AnyView {
    let open = RwSignal::new(false);
    view! {
        <button type="button" on:click=move |_| open.set(true)>"View"</button>
        <Show when=move || open.get()>
            <ColumnsDialog view open/>
        </Show>
    }
    .into_any()
}

#[component]
fn ColumnsDialog<C: ListColumn>(view: ColumnView<C>, open: RwSignal<bool>) -> AnyView {
    // Work on a copy: Cancel leaves the list as it was.
    let shown = view.current();
    let draft = RwSignal::new(
        shown
            .iter()
            .map(|c| (*c, true))
            .chain(
                view.all
                    .get_value()
                    .into_iter()
                    .filter(|c| !shown.contains(c))
                    .map(|c| (c, false)),
            )
            .collect::<Vec<_>>(),
    );
    let preference = view.preference;
    let save = Action::new(move |text: &String| {
        let text = text.clone();
        async move { set_preference(preference.get_value(), text).await }
    });
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(()))) {
            open.set(false);
        }
    });
    let apply = move |_| {
        let chosen: Vec<C> = draft
            .get_untracked()
            .into_iter()
            .filter(|(_, shown)| *shown)
            .map(|(c, _)| c)
            .collect();
        if chosen.is_empty() {
            return;
        }
        save.dispatch(ColumnView::text(&chosen));
        view.chosen.set(Some(chosen));
    };
    let move_by = move |index: usize, delta: isize| {
        draft.update(|d| {
            let target = index as isize + delta;
            if target >= 0 && (target as usize) < d.len() {
                d.swap(index, target as usize);
            }
        })
    };
    view! {
        <Modal label="Columns".to_string() on_close=move |_| open.set(false)>
            <ul class="column-list" aria-label="Columns">
                {move || draft.get().into_iter().enumerate().map(|(index, (column, shown))| view! {
                    <li>
                        <label class="check">
                            <input type="checkbox" prop:checked=shown
                                on:change=move |ev| {
                                    let checked = event_target_checked(&ev);
                                    draft.update(|d| d[index].1 = checked);
                                }/>
                            {column.label()}
                        </label>
                        <button type="button" aria-label=format!("Move {} up", column.label())
                            on:click=move |_| move_by(index, -1)>"↑"</button>
                        <button type="button" aria-label=format!("Move {} down", column.label())
                            on:click=move |_| move_by(index, 1)>"↓"</button>
                    </li>
                }).collect_view()}
            </ul>
            {move || draft.with(|d| d.iter().all(|(_, shown)| !shown)).then(|| view! {
                <p class="form-error" role="alert">"Show at least one column."</p>
            })}
            <FormError result=save.value().into()/>
            <div class="actions">
                <button type="button" class="primary" on:click=apply>"Save view"</button>
                <button type="button" on:click=move |_| open.set(false)>"Cancel"</button>
            </div>
        </Modal>
    }
    .into_any()
}

/// The rows chosen for a delete, by id and name, across pages.
pub struct Selection<Id: Copy + PartialEq + Send + Sync + 'static> {
    chosen: RwSignal<Vec<(Id, String)>>,
}

impl<Id: Copy + PartialEq + Send + Sync + 'static> Clone for Selection<Id> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Id: Copy + PartialEq + Send + Sync + 'static> Copy for Selection<Id> {}

impl<Id: Copy + PartialEq + Send + Sync + 'static> Default for Selection<Id> {
    fn default() -> Self {
        Self::new()
    }
}

impl<Id: Copy + PartialEq + Send + Sync + 'static> Selection<Id> {
    pub fn new() -> Self {
        Self {
            chosen: RwSignal::new(Vec::new()),
        }
    }

    pub fn len(&self) -> usize {
        self.chosen.with(|c| c.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, id: Id) -> bool {
        self.chosen.with(|c| c.iter().any(|(i, _)| *i == id))
    }

    pub fn set(&self, id: Id, name: &str, chosen: bool) {
        self.chosen.update(|c| {
            c.retain(|(i, _)| *i != id);
            if chosen {
                c.push((id, name.to_string()));
            }
        });
    }

    pub fn ids(&self) -> Vec<Id> {
        self.chosen
            .with_untracked(|c| c.iter().map(|(i, _)| *i).collect())
    }

    pub fn names(&self) -> Vec<String> {
        self.chosen
            .with_untracked(|c| c.iter().map(|(_, n)| n.clone()).collect())
    }

    pub fn clear(&self) {
        self.chosen.set(Vec::new());
    }
}

/// A list's table: the shown columns (headers sort where the column sorts), and a checkbox
/// per row when `selection` is given.
#[component]
pub fn ListTable<C: ListColumn>(
    /// The table's accessible name, e.g. "Mail domains".
    label: &'static str,
    columns: Vec<C>,
    items: Vec<C::Item>,
    /// The link of a header that sorts by the given key.
    #[prop(into)]
    sort_href: Callback<String, String>,
    /// The current order, as in the URL: `name`, `-name` or `+name` (for `aria-sort`).
    #[prop(optional, into)]
    sorted_by: String,
    /// Checkboxes per row (and select all) when given.
    #[prop(optional_no_strip)]
    selection: Option<Selection<C::Id>>,
    /// Said under the headers when there is no row: why, and what to do next.
    #[prop(optional, into)]
    empty: String,
) -> AnyView {
    let nothing = items.is_empty().then_some(empty).filter(|e| !e.is_empty());
    let headers = columns
        .iter()
        .map(|column| match column.sort_key() {
            Some(key) => view! {
                <th aria-sort=aria_sort(&sorted_by, key)>
                    <a href=sort_href.run(key.to_string())>{column.label()}</a>
                </th>
            }
            .into_any(),
            None => view! { <th>{column.label()}</th> }.into_any(),
        })
        .collect_view();
    let on_page: Vec<(C::Id, String)> = items.iter().map(C::row).collect();
    let select_all = selection.map(|selection| {
        let all_chosen = {
            let on_page = on_page.clone();
            move || !on_page.is_empty() && on_page.iter().all(|(id, _)| selection.contains(*id))
        };
        let on_page = on_page.clone();
        let toggle = move |ev: leptos::ev::Event| {
            let checked = event_target_checked(&ev);
            for (id, name) in &on_page {
                selection.set(*id, name, checked);
            }
        };
        view! {
            <th><input type="checkbox"
                aria-label=format!("Select all {} on this page", label.to_lowercase())
                prop:checked=all_chosen on:change=toggle/></th>
        }
    });
    let rows = items
        .into_iter()
        .map(|item| {
            let (id, name) = C::row(&item);
            let check = selection.map(|selection| {
                let label = format!("Select {name}");
                view! {
                    <td><input type="checkbox" aria-label=label
                        prop:checked=move || selection.contains(id)
                        on:change=move |ev| selection.set(id, &name, event_target_checked(&ev))/></td>
                }
            });
            let cells = columns
                .iter()
                .map(|column| view! { <td>{column.cell(&item)}</td> })
                .collect_view();
            view! { <tr>{check}{cells}</tr> }
        })
        .collect_view();
    view! {
        <table class="data-table" aria-label=label>
            <thead><tr>{select_all}{headers}</tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {nothing.map(|text| view! { <p class="empty">{text}</p> })}
    }
    .into_any()
}

/// "Delete selected (n)": asks in a dialog naming every chosen row, then runs `on_confirm`.
#[component]
pub fn DeleteSelected<Id: Copy + PartialEq + Send + Sync + 'static>(
    selection: Selection<Id>,
    /// What the rows are, in the plural: "mail domains".
    #[prop(into)]
    noun: String,
    /// What happens to them, after the names: "Their history stays."
    note: &'static str,
    #[prop(into)] on_confirm: Callback<Vec<Id>>,
) -> AnyView {
    let confirming = RwSignal::new(false);
    let title = format!("Delete {noun}");
    let noun = StoredValue::new(noun);
    view! {
        <button type="button" class="danger" disabled=move || selection.is_empty()
            on:click=move |_| confirming.set(true)>
            {move || format!("Delete selected ({})", selection.len())}
        </button>
        <Show when=move || confirming.get()>
            <ConfirmDialog
                label=title.clone()
                message={
                    let names = selection.names();
                    format!(
                        "Delete {} {}: {}? {note}",
                        names.len(),
                        noun.get_value(),
                        names.join(", ")
                    )
                }
                confirm_label="Delete".to_string()
                on_confirm=move |_| {
                    confirming.set(false);
                    on_confirm.run(selection.ids());
                }
                on_close=move |_| confirming.set(false)/>
        </Show>
    }
    .into_any()
}

/// What the last multi-select delete did: the names it deleted, or why it refused.
#[component]
pub fn DeleteOutcome(
    result: Signal<Option<Result<Vec<String>, AppError>>>,
    /// After "Deleted a, b": e.g. " — they are in the recycle bin."
    #[prop(optional)]
    note: &'static str,
) -> AnyView {
    view! {
        <FormError result/>
        {move || result.get().and_then(|r| r.ok()).map(|names| view! {
            <p class="notice" role="status">{format!("Deleted {}{note}", names.join(", "))}</p>
        })}
    }
    .into_any()
}

/// `aria-sort` of a sortable column header, given the order in the URL (`key`, `+key` for
/// ascending, `-key` for descending).
pub fn aria_sort(sorted_by: &str, key: &str) -> &'static str {
    match sorted_by.strip_prefix('-') {
        Some(descending) if descending == key => "descending",
        _ if sorted_by.trim_start_matches('+') == key => "ascending",
        _ => "none",
    }
}

#[cfg(test)]
mod tests {
    use super::aria_sort;

    #[test]
    fn aria_sort_names_the_direction_of_the_sorted_column_only() {
        assert_eq!(aria_sort("name", "name"), "ascending");
        assert_eq!(aria_sort("+name", "name"), "ascending");
        assert_eq!(aria_sort("-name", "name"), "descending");
        assert_eq!(aria_sort("-name", "email"), "none");
        assert_eq!(aria_sort("", "name"), "none");
    }
}
