//! CSV import pages (users, groups, mail domains, mail lists) and the download/import links
//! of the list screens. Upload and preview writes nothing; the mapping row re-previews on
//! every change; Import writes all rows or, if any row fails, none.
use crate::error::AppError;
use crate::model::{ImportKind, ImportOutcome, KindRef, Operator, Permission, ResourceKind};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// "Download CSV" (with the list's search, filter and sort from the URL) and, for operators
/// who may write, "Import CSV": for a list screen's toolbar.
#[component]
pub fn CsvLinks(kind: ImportKind) -> impl IntoView {
    let operator = expect_context::<Operator>();
    let may_write = operator.role.can(Permission::IdentityWrite);
    let query = use_query_map();
    let href = move || {
        let query = query.read();
        let params: Vec<String> = ["q", "filter", "sort"]
            .into_iter()
            .filter_map(|key| {
                let value = query.get(key).filter(|v| !v.is_empty())?;
                Some(format!(
                    "{key}={}",
                    crate::ui::components::urlencode(&value)
                ))
            })
            .collect();
        if params.is_empty() {
            kind.csv_path().to_string()
        } else {
            format!("{}?{}", kind.csv_path(), params.join("&"))
        }
    };
    let what = kind.title().to_lowercase();
    view! {
        <a class="button" download="" href=href>"Download CSV"<span class="visually-hidden">{format!(" of {what}")}</span></a>
        {may_write.then(|| view! {
            <a class="button" href=format!("{}/import", kind.list_path())>
                "Import CSV"<span class="visually-hidden">{format!(" of {what}")}</span>
            </a>
        })}
    }
}

#[component]
pub fn ImportPage(kind: ImportKind) -> impl IntoView {
    if !crate::ui::components::permitted(Permission::IdentityWrite) {
        let title = format!("Import {}", kind.title().to_lowercase());
        return view! {
            <Title text=title.clone()/>
            <h1>{title}</h1>
            <crate::ui::components::NotPermitted what="import or change identity data"/>
            <A href=kind.list_path()>{format!("Back to {}", kind.title().to_lowercase())}</A>
        }
        .into_any();
    }
    let file_input = NodeRef::<leptos::html::Input>::new();
    let preview = RwSignal::new(None::<ImportOutcome>);
    let report = RwSignal::new(None::<ImportOutcome>);
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    // Uploads the chosen file again with `mapping` (None: let the server suggest one).
    let send = move |mapping: Option<Vec<Option<String>>>, apply: bool| {
        #[cfg(feature = "hydrate")]
        {
            let file = file_input
                .get_untracked()
                .and_then(|input| input.files())
                .and_then(|files| files.get(0));
            let Some(file) = file else {
                error.set(Some(AppError::invalid("file", "Choose a CSV file first.")));
                return;
            };
            let Ok(form) = web_sys::FormData::new() else {
                return;
            };
            let _ = form.append_with_str("kind", kind.key());
            let _ = form.append_with_blob_and_filename("file", &file, &file.name());
            if let Some(mapping) = &mapping {
                let json = serde_json::to_string(mapping).unwrap_or_default();
                let _ = form.append_with_str("mapping", &json);
            }
            let _ = form.append_with_str("apply", if apply { "true" } else { "false" });
            busy.set(true);
            error.set(None);
            leptos::task::spawn_local(async move {
                let result = crate::api::transfer::import_csv(form.into()).await;
                busy.set(false);
                match result {
                    Ok(outcome) if outcome.applied => {
                        preview.set(None);
                        report.set(Some(outcome));
                    }
                    Ok(outcome) => preview.set(Some(outcome)),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (mapping, apply, file_input, kind);
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        report.set(None);
        send(None, false);
    };
    let on_file = move |_| {
        preview.set(None);
        report.set(None);
        error.set(None);
    };
    let remap = move |column: usize, key: String| {
        let Some(mut mapping) = preview.with_untracked(|p| p.as_ref().map(|p| p.mapping.clone()))
        else {
            return;
        };
        if let Some(slot) = mapping.get_mut(column) {
            *slot = (!key.is_empty()).then_some(key);
        }
        send(Some(mapping), false);
    };
    let apply = move |_| {
        if let Some(mapping) = preview.with_untracked(|p| p.as_ref().map(|p| p.mapping.clone())) {
            send(Some(mapping), true);
        }
    };
    let title = format!("Import {}", kind.title().to_lowercase());
    // Type-erased parts keep the page's view type shallow enough for the server crate.
    let form = view! {
        <form class="toolbar" on:submit=on_submit>
            <label>
                "CSV file"
                <input type="file" name="file" accept=".csv,text/csv" node_ref=file_input on:change=on_file/>
            </label>
            <button type="submit" disabled=move || busy.get()>"Upload & preview"</button>
            <A href=kind.list_path()>{format!("Back to {}", kind.title().to_lowercase())}</A>
        </form>
    }
    .into_any();
    let done = move || {
        report.get().map(|outcome| {
            view! {
                <div class="notice" role="status">
                    <p>
                        {format!("Created {}, updated {}.", outcome.created, outcome.updated)}
                        {(outcome.unchanged > 0).then(|| format!(" {} rows changed nothing.", outcome.unchanged))}
                    </p>
                    <A href=kind.list_path()>{format!("Go to the {}", kind.title().to_lowercase())}</A>
                </div>
            }
            .into_any()
        })
    };
    let checked = move || {
        preview.get().map(|outcome| {
            view! {
                <Preview outcome remap busy/>
                <div class="toolbar">
                    <button type="button" class="primary" on:click=apply
                        disabled=move || busy.get() || preview.with(|p| p.as_ref().is_none_or(|p| !p.mapping_problems.is_empty()))>
                        "Import"
                    </button>
                </div>
            }
            .into_any()
        })
    };
    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <p class="hint">
            "A CSV file in UTF-8 with a header row. Rows are matched to existing "
            {kind.title().to_lowercase()}
            " by name (ignoring case): those are updated, the others created. Nothing is written until you import, and an import with any row in error writes nothing."
        </p>
        {form}
        {move || busy.get().then(|| view! { <p class="loading" role="status">"Working…"</p> })}
        {move || error.get().map(|error| view! { <ImportError error/> })}
        {done}
        {checked}
    }
    .into_any()
}

/// A refused upload or import: the message, or every row error by line.
#[component]
fn ImportError(error: AppError) -> impl IntoView {
    let items = match &error {
        AppError::Validation(fields) => fields
            .iter()
            .map(|f| {
                if f.field.starts_with("line ") {
                    format!("{}: {}", capitalise(&f.field), f.message)
                } else {
                    f.message.clone()
                }
            })
            .collect(),
        other => vec![other.to_string()],
    };
    view! {
        <div class="error-box" role="alert">
            <ul>{items.into_iter().map(|item| view! { <li>{item}</li> }).collect_view()}</ul>
        </div>
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The preview table: a mapping row of selects, then each row with its planned action and
/// its errors (cells in error are marked).
#[component]
fn Preview<F>(outcome: ImportOutcome, remap: F, busy: RwSignal<bool>) -> impl IntoView
where
    F: Fn(usize, String) + Copy + Send + Sync + 'static,
{
    let kind = outcome.kind;
    let label = move |key: &str| kind.attribute(key).map(|a| a.label).unwrap_or("?");
    let summary = format!(
        "{} rows: {} to create, {} to update, {} unchanged, {} with errors.",
        outcome.total, outcome.created, outcome.updated, outcome.unchanged, outcome.invalid
    );
    let shown = outcome.rows.len() as i64;
    let selects = outcome
        .columns
        .iter()
        .zip(&outcome.mapping)
        .enumerate()
        .map(|(index, (column, mapped))| {
            let mapped = mapped.clone().unwrap_or_default();
            let options = kind
                .attributes()
                .iter()
                .map(|a| {
                    view! { <option value=a.key selected=mapped == a.key>{a.label}</option> }
                })
                .collect_view();
            view! {
                <th>
                    <select aria-label=format!("Import column {column} as") disabled=move || busy.get()
                        on:change=move |ev| remap(index, event_target_value(&ev))>
                        <option value="" selected=mapped.is_empty()>"Do not import"</option>
                        {options}
                    </select>
                </th>
            }
        })
        .collect_view();
    let headers = outcome
        .columns
        .iter()
        .map(|c| view! { <th scope="col">{c.clone()}</th> })
        .collect_view();
    let mapping = outcome.mapping.clone();
    let rows = outcome
        .rows
        .into_iter()
        .map(|row| {
            let invalid = !row.errors.is_empty();
            let action = if invalid {
                "Error"
            } else {
                row.action.map(|a| a.label()).unwrap_or("")
            };
            let cells = row
                .values
                .into_iter()
                .enumerate()
                .map(|(index, value)| {
                    let bad = mapping
                        .get(index)
                        .and_then(|m| m.as_deref())
                        .is_some_and(|key| row.errors.iter().any(|e| e.field == key));
                    view! { <td class:cell-error=bad aria-invalid=bad.then_some("true")>{value}</td> }
                })
                .collect_view();
            let problems = row
                .errors
                .iter()
                .map(|e| view! { <li>{format!("{}: {}", label(&e.field), e.message)}</li> })
                .collect_view();
            view! {
                <tr class:invalid=invalid>
                    <td>{row.line}</td>
                    <td>{action}</td>
                    {cells}
                    <td><ul class="problems">{problems}</ul></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p role="status">{summary}</p>
        {(!outcome.mapping_problems.is_empty()).then(|| view! {
            <div class="error-box" role="alert">
                <ul>{outcome.mapping_problems.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
            </div>
        })}
        {(shown < outcome.total).then(|| view! {
            <p class="hint">{format!("Showing {shown} of {} rows (the first ones and any with errors).", outcome.total)}</p>
        })}
        <div class="table-scroll">
            <table class="data-table import-preview" aria-label="Import preview">
                <thead>
                    <tr><th scope="col">"Line"</th><th scope="col">"Action"</th>{headers}<th scope="col">"Problems"</th></tr>
                    <tr class="mapping"><th>"Import as"</th><th></th>{selects}<th></th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The import page of a declared kind, e.g. `/hosts/import`.
#[component]
pub fn ResourceImportPage(kind: &'static ResourceKind) -> impl IntoView {
    view! { <ImportPage kind=ImportKind::Resource(KindRef(kind))/> }
}
