//! The catalogue: filter and sort (kept in the URL query), download, details, restore, delete.
use super::{format_rows, format_size, ContentsTable, RestoreTarget};
use crate::api::system_backup::{list_system_backups, DeleteSystemBackup};
use crate::model::{BackupKind, BackupStatus, SystemBackup};
use crate::ui::components::When;
use crate::ui::components::{loaded, FormError, Modal};
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

const PAGE: &str = "/system-backup";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SortKey {
    Created,
    Label,
    Creator,
    Kind,
    Size,
}

impl SortKey {
    const ALL: [SortKey; 5] = [
        Self::Created,
        Self::Label,
        Self::Creator,
        Self::Kind,
        Self::Size,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Label => "label",
            Self::Creator => "creator",
            Self::Kind => "type",
            Self::Size => "size",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|key| key.as_str() == text)
    }
}

/// What the URL query asks the table to show.
#[derive(Clone, Debug, PartialEq)]
struct Listing {
    kind: Option<BackupKind>,
    creator: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    sort: SortKey,
    ascending: bool,
}

impl Listing {
    fn from_query(query: &ParamsMap) -> Self {
        let text = |name: &str| query.get(name).filter(|v| !v.trim().is_empty());
        let date = |name: &str| text(name).and_then(|v| v.parse::<NaiveDate>().ok());
        let sort = text("sort")
            .and_then(|v| SortKey::parse(&v))
            .unwrap_or(SortKey::Created);
        Self {
            kind: text("type").and_then(|v| BackupKind::parse(&v)),
            creator: text("by"),
            from: date("from"),
            to: date("to"),
            sort,
            // Newest first unless the query says otherwise.
            ascending: text("dir").map_or(sort != SortKey::Created, |d| d == "asc"),
        }
    }

    fn keeps(&self, backup: &SystemBackup) -> bool {
        let day = backup.created_at.date_naive();
        self.kind.is_none_or(|kind| backup.kind == kind)
            && self
                .creator
                .as_ref()
                .is_none_or(|creator| &backup.created_by == creator)
            && self.from.is_none_or(|from| day >= from)
            && self.to.is_none_or(|to| day <= to)
    }

    fn apply(&self, mut backups: Vec<SystemBackup>) -> Vec<SystemBackup> {
        backups.retain(|b| self.keeps(b));
        backups.sort_by(|a, b| {
            let order = match self.sort {
                SortKey::Created => a.created_at.cmp(&b.created_at),
                SortKey::Label => a.label.to_lowercase().cmp(&b.label.to_lowercase()),
                SortKey::Creator => a.created_by.cmp(&b.created_by),
                SortKey::Kind => a.kind.as_str().cmp(b.kind.as_str()),
                SortKey::Size => a.size_bytes.cmp(&b.size_bytes),
            }
            .then(a.id.cmp(&b.id));
            if self.ascending {
                order
            } else {
                order.reverse()
            }
        });
        backups
    }

    /// This listing's URL with the sort changed to `key` (the same key flips the direction).
    fn sorted_by(&self, key: SortKey) -> String {
        let ascending = if self.sort == key {
            !self.ascending
        } else {
            key != SortKey::Created
        };
        let mut pairs = vec![
            ("sort", key.as_str().to_string()),
            ("dir", if ascending { "asc" } else { "desc" }.to_string()),
        ];
        if let Some(kind) = self.kind {
            pairs.push(("type", kind.as_str().to_string()));
        }
        if let Some(creator) = &self.creator {
            pairs.push(("by", creator.clone()));
        }
        if let Some(from) = self.from {
            pairs.push(("from", from.to_string()));
        }
        if let Some(to) = self.to {
            pairs.push(("to", to.to_string()));
        }
        let query = pairs
            .into_iter()
            .map(|(name, value)| format!("{name}={}", encode_query_value(&value)))
            .collect::<Vec<_>>()
            .join("&");
        format!("{PAGE}?{query}")
    }

    fn aria_sort(&self, key: SortKey) -> &'static str {
        match (self.sort == key, self.ascending) {
            (false, _) => "none",
            (true, true) => "ascending",
            (true, false) => "descending",
        }
    }

    fn is_filtered(&self) -> bool {
        self.kind.is_some() || self.creator.is_some() || self.from.is_some() || self.to.is_some()
    }
}

fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(super) fn backup_name(backup: &SystemBackup) -> String {
    if backup.label.trim().is_empty() {
        format!("backup #{}", backup.id)
    } else {
        backup.label.clone()
    }
}

fn kind_label(kind: BackupKind) -> &'static str {
    match kind {
        BackupKind::Manual => "Manual",
        BackupKind::Automatic => "Automatic",
        BackupKind::Imported => "Imported",
    }
}

#[component]
pub fn BackupList(
    catalogue: RwSignal<u64>,
    restore_target: RwSignal<Option<RestoreTarget>>,
) -> impl IntoView {
    let delete = ServerAction::<DeleteSystemBackup>::new();
    let backups = Resource::new(
        move || (catalogue.get(), delete.version().get()),
        |_| list_system_backups(),
    );
    let query = use_query_map();
    let listing = Memo::new(move |_| Listing::from_query(&query.read()));
    let deleting = RwSignal::new(None::<SystemBackup>);
    let delete_open = RwSignal::new(false);
    Effect::new(move |_| {
        if matches!(delete.value().get(), Some(Ok(()))) {
            delete_open.set(false);
        }
    });

    view! {
        <section class="panel" aria-labelledby="backups-title">
            <h2 id="backups-title">"Backups"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || loaded(async move {
                    backups.await.map(|list| {
                        // A backup being written (say, an automatic one): look again shortly.
                        #[cfg(feature = "hydrate")]
                        if list.iter().any(|b| b.status == BackupStatus::Running) {
                            set_timeout(
                                move || {
                                    catalogue.try_update(|n| *n += 1);
                                },
                                std::time::Duration::from_secs(2),
                            );
                        }
                        let mut creators = list.iter().map(|b| b.created_by.clone()).collect::<Vec<_>>();
                        creators.sort();
                        creators.dedup();
                        let list = StoredValue::new(list);
                        view! {
                            <Filters creators/>
                            {move || {
                                let current = listing.get();
                                let shown = current.apply(list.get_value());
                                let total = list.with_value(|l| l.len());
                                view! {
                                    <BackupTable listing=current.clone() shown=shown.clone() delete deleting delete_open restore_target/>
                                    {(shown.is_empty()).then(|| view! {
                                        <p class="hint">
                                            {if total == 0 {
                                                "No backups yet."
                                            } else {
                                                "No backup matches these filters."
                                            }}
                                        </p>
                                    })}
                                }
                            }}
                        }
                    })
                })}
            </Transition>
        </section>
        <Show when=move || delete_open.get()>
        <Modal label="Delete backup".to_string() on_close=move |_| delete_open.set(false)>
            {move || deleting.get().map(|backup| {
                let name = backup_name(&backup);
                view! {
                    <p>
                        "Delete the backup " <strong>{format!("“{name}”")}</strong>
                        " of " <When at=backup.created_at/> "? Its file is removed from the "
                        "server; this cannot be undone."
                    </p>
                }
            })}
            <FormError result=delete.value().into()/>
            <div class="dialog-buttons">
                <button
                    type="button"
                    class="danger"
                    aria-disabled=move || delete.pending().get().to_string()
                    on:click=move |_| {
                        if delete.pending().get_untracked() {
                            return;
                        }
                        if let Some(backup) = deleting.get_untracked() {
                            delete.dispatch(DeleteSystemBackup { id: backup.id });
                        }
                    }
                >
                    "Delete backup"
                </button>
                // Focused when the dialog opens, so Enter alone never deletes.
                <button type="button" autofocus=true on:click=move |_| delete_open.set(false)>"Cancel"</button>
            </div>
        </Modal>
        </Show>
    }
}

#[component]
fn Filters(creators: Vec<String>) -> impl IntoView {
    let query = use_query_map();
    let value = move |name: &'static str| move || query.read().get(name).unwrap_or_default();
    view! {
        <Form method="GET" action=PAGE noscroll=true>
            <div class="filters" role="group" aria-label="Filter backups">
                <label>
                    "Type"
                    <select name="type" prop:value=value("type")>
                        <option value="">"All types"</option>
                        <option value="manual">"Manual"</option>
                        <option value="automatic">"Automatic"</option>
                        <option value="imported">"Imported"</option>
                    </select>
                </label>
                <label>
                    "Created by"
                    <select name="by" prop:value=value("by")>
                        <option value="">"Anyone"</option>
                        {creators.into_iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Created from" <input type="date" name="from" prop:value=value("from")/></label>
                <label>"Created until" <input type="date" name="to" prop:value=value("to")/></label>
                <input type="hidden" name="sort" prop:value=value("sort")/>
                <input type="hidden" name="dir" prop:value=value("dir")/>
                <div class="filter-buttons">
                    <button type="submit">"Apply filters"</button>
                    <A href=PAGE>"Clear filters"</A>
                </div>
            </div>
        </Form>
    }
}

#[component]
fn BackupTable(
    listing: Listing,
    shown: Vec<SystemBackup>,
    delete: ServerAction<DeleteSystemBackup>,
    deleting: RwSignal<Option<SystemBackup>>,
    delete_open: RwSignal<bool>,
    restore_target: RwSignal<Option<RestoreTarget>>,
) -> impl IntoView {
    let header = |key: SortKey, title: &'static str| {
        let sort = listing.aria_sort(key);
        let href = listing.sorted_by(key);
        let mark = match sort {
            "ascending" => " ▲",
            "descending" => " ▼",
            _ => "",
        };
        view! {
            <th scope="col" aria-sort=sort>
                <A href=href attr:class="sort-link">
                    {title}
                    <span class="sort-mark" aria-hidden="true">{mark}</span>
                </A>
            </th>
        }
    };
    let caption = if listing.is_filtered() {
        "Backups (filtered)"
    } else {
        "Backups"
    };
    view! {
        <table class="data-table" aria-label=caption>
            <thead>
                <tr>
                    {header(SortKey::Label, "Label")}
                    {header(SortKey::Created, "Created at")}
                    {header(SortKey::Creator, "Created by")}
                    {header(SortKey::Kind, "Type")}
                    {header(SortKey::Size, "Size")}
                    <th scope="col">"Contents"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {shown.into_iter().map(|backup| view! {
                    <BackupRow backup delete deleting delete_open restore_target/>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn BackupRow(
    backup: SystemBackup,
    delete: ServerAction<DeleteSystemBackup>,
    deleting: RwSignal<Option<SystemBackup>>,
    delete_open: RwSignal<bool>,
    restore_target: RwSignal<Option<RestoreTarget>>,
) -> impl IntoView {
    let expanded = RwSignal::new(false);
    let name = backup_name(&backup);
    let ready = backup.status == BackupStatus::Ready;
    let details_id = format!("backup-{}-contents", backup.id);
    let contents = match backup.status {
        BackupStatus::Ready => format_rows(backup.total_rows, backup.tables.len()),
        BackupStatus::Running => "Being written…".to_string(),
        BackupStatus::Failed => format!("Failed: {}", backup.error),
    };
    let for_delete = backup.clone();
    let target = RestoreTarget {
        backup_id: backup.id,
        name: name.clone(),
        created_at: backup.created_at,
    };
    let tables = backup.tables.clone();
    let details_caption = format!("Contents of {name}");
    view! {
        <tr data-backup=backup.id class:failed=backup.status == BackupStatus::Failed>
            <td class="label">{name.clone()}</td>
            <td class="when"><When at=backup.created_at/></td>
            <td>{backup.created_by.clone()}</td>
            <td>{kind_label(backup.kind)}</td>
            <td class="number">{ready.then(|| format_size(backup.size_bytes))}</td>
            <td>{contents}</td>
            <td class="actions">
                {ready.then(|| view! {
                    <a
                        class="button"
                        href=format!("/files/system-backups/{}", backup.id)
                        download=""
                        rel="external"
                        aria-label=format!("Download {name}")
                    >
                        "Download"
                    </a>
                    <button
                        type="button"
                        aria-expanded=move || expanded.get().to_string()
                        aria-controls=details_id.clone()
                        aria-label=format!("Details of {name}")
                        on:click=move |_| expanded.update(|open| *open = !*open)
                    >
                        "Details"
                    </button>
                    <button
                        type="button"
                        aria-label=format!("Restore {name}")
                        on:click=move |_| restore_target.set(Some(target.clone()))
                    >
                        "Restore"
                    </button>
                })}
                <button
                    type="button"
                    class="danger-outline"
                    aria-label=format!("Delete {name}")
                    on:click=move |_| {
                        delete.clear();
                        deleting.set(Some(for_delete.clone()));
                        delete_open.set(true);
                    }
                >
                    "Delete"
                </button>
            </td>
        </tr>
        <tr class="details-row" id=format!("backup-{}-contents", backup.id) hidden=move || !expanded.get()>
            <td colspan="7">
                <ContentsTable caption=details_caption tables/>
            </td>
        </tr>
    }
}
