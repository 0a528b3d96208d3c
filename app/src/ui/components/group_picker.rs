//! Choosing a group by typing part of its name: the server lists the first matches with their
//! paths (a `<select>` of every group stops being usable long before 10k groups).
use crate::api::search::{find_groups, group_path};
use crate::model::{GroupChoice, Page};
use leptos::prelude::*;

/// A combobox over the current groups (WAI-ARIA "combobox with listbox popup"): type to
/// search, arrows to move, Enter or a click to choose, Escape to close. `value` holds the
/// chosen group's id as text ("" = none). Leaving the field without choosing puts back the
/// chosen group's path; emptying it chooses none.
#[component]
pub fn GroupPicker(
    /// Unique on the page: the list's id is derived from it.
    id: &'static str,
    label: &'static str,
    /// What "no group" means here, e.g. "None (a root group)"; offered when not `required`.
    none: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] required: bool,
    /// Shown until the chosen group's path has loaded (e.g. its name).
    #[prop(optional, into)]
    initial: String,
) -> impl IntoView {
    let text = RwSignal::new(initial.clone());
    // The path of the chosen group, put back when the field is left without a choice.
    let chosen_label = RwSignal::new(initial.clone());
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let search = RwSignal::new(String::new());
    let list_id = format!("{id}-choices");
    // The chosen group's full path, once, in the browser.
    Effect::new(move |_| {
        let chosen = value.get_untracked();
        if let Ok(group) = chosen.parse::<i64>() {
            leptos::task::spawn_local(async move {
                if let Ok(Some(found)) = group_path(group).await {
                    if value.get_untracked() == chosen {
                        chosen_label.set(found.path.clone());
                        if !open.get_untracked() {
                            text.set(found.path);
                        }
                    }
                }
            });
        }
    });
    let matches = LocalResource::new(move || {
        let wanted = search.get();
        let shown = open.get();
        async move {
            match shown {
                true => find_groups(wanted).await.ok(),
                false => None,
            }
        }
    });
    // What the list offers: "none" first when allowed, then the matches.
    let options = move || -> (Vec<Option<GroupChoice>>, i64) {
        // Nothing while closed, as on the server (where the resource is never read, see
        // `browser_choices`), so the first render in the browser matches the server's.
        if cfg!(feature = "ssr") || !open.get() {
            return (Vec::new(), 0);
        }
        let page: Option<Page<GroupChoice>> = matches.get().flatten();
        let mut out: Vec<Option<GroupChoice>> = Vec::new();
        if !required {
            out.push(None);
        }
        let total = page.as_ref().map_or(0, |p| p.total);
        out.extend(page.into_iter().flat_map(|p| p.items).map(Some));
        (out, total)
    };
    let choose = move |choice: Option<GroupChoice>| {
        match choice {
            Some(group) => {
                value.set(group.id.0.to_string());
                chosen_label.set(group.path.clone());
                text.set(group.path);
            }
            None => {
                value.set(String::new());
                chosen_label.set(String::new());
                text.set(String::new());
            }
        }
        open.set(false);
        active.set(None);
    };
    let option_id = move |index: usize| format!("{id}-choice-{index}");
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        let count = options().0.len();
        match ev.key().as_str() {
            "ArrowDown" | "ArrowUp" => {
                ev.prevent_default();
                if !open.get_untracked() {
                    search.set(text.get_untracked());
                    open.set(true);
                    return;
                }
                if count == 0 {
                    return;
                }
                let next = match (active.get_untracked(), ev.key() == "ArrowDown") {
                    (None, true) => 0,
                    (None, false) => count - 1,
                    (Some(i), true) => (i + 1) % count,
                    (Some(i), false) => (i + count - 1) % count,
                };
                active.set(Some(next));
            }
            "Enter" if open.get_untracked() => {
                // Choosing, not submitting the form.
                ev.prevent_default();
                if let Some(choice) = active
                    .get_untracked()
                    .and_then(|i| options().0.get(i).cloned())
                {
                    choose(choice);
                }
            }
            "Escape" if open.get_untracked() => {
                // Closes the list only, not a dialog around it.
                ev.prevent_default();
                ev.stop_propagation();
                open.set(false);
                active.set(None);
            }
            _ => {}
        }
    };
    let list_for_input = list_id.clone();
    view! {
        <div class="group-picker">
            <label>
                {label}
                <input type="text" role="combobox" autocomplete="off" required=required
                    value=initial
                    placeholder=if required { "Type to search groups" } else { none }
                    aria-autocomplete="list" aria-controls=list_for_input
                    aria-expanded=move || open.get().to_string()
                    aria-activedescendant=move || active.get().map(option_id)
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        let typed = event_target_value(&ev);
                        if typed.trim().is_empty() && !required {
                            value.set(String::new());
                            chosen_label.set(String::new());
                        }
                        text.set(typed.clone());
                        search.set(typed);
                        active.set(None);
                        open.set(true);
                    }
                    on:focus=move |_| {
                        search.set(String::new());
                        open.set(true);
                    }
                    on:blur=move |_| {
                        open.set(false);
                        active.set(None);
                        text.set(chosen_label.get_untracked());
                    }
                    on:keydown=keydown/>
            </label>
            <ul id=list_id role="listbox" aria-label=format!("Groups matching the {}", label.to_lowercase()) class="group-choices"
                hidden=move || !open.get() || options().0.is_empty()>
                {move || {
                    let rows = options().0.into_iter().enumerate().map(|(index, choice)| {
                        let selected = move || active.get() == Some(index);
                        let text = choice.as_ref().map_or(none.to_string(), |g| g.path.clone());
                        view! {
                            <li role="option" id=option_id(index) aria-selected=move || selected().to_string()
                                class:active=selected
                                // Before the field's blur, which would close the list first.
                                on:mousedown=move |ev| {
                                    ev.prevent_default();
                                    choose(choice.clone());
                                }>
                                {text}
                            </li>
                        }
                    }).collect_view();
                    rows
                }}
            </ul>
            {move || {
                let (choices, total) = options();
                let shown = choices.iter().filter(|c| c.is_some()).count() as i64;
                let note = match (open.get(), shown, total) {
                    (false, _, _) => None,
                    (_, 0, _) if matches.get().is_some() => Some("No group has this in its name.".to_string()),
                    (_, 0, _) => Some("Searching…".to_string()),
                    (_, shown, total) if total > shown => {
                        Some(format!("{} more: type more of the name.", total - shown))
                    }
                    _ => None,
                };
                note.map(|note| view! { <p class="hint group-choices-note" role="status">{note}</p> })
            }}
        </div>
    }
}
