//! The access list of an object (`model::AccessList`) on its page: add an entry for a user,
//! group or role (with a level and host-name mask when the list has them), or end one. The
//! current entries are listed on the page as its dependents.
use crate::api::access::{access_entries, GrantAccess, RevokeAccess};
use crate::model::{AccessInput, AccessList, AssigneeKind, KindRef};
use crate::ui::components::{announce, browser_choices, Announce, FormError};
use leptos::prelude::*;

/// The add and remove actions: the page reloads its dependents when either runs.
#[derive(Clone, Copy)]
pub(super) struct AccessActions {
    grant: ServerAction<GrantAccess>,
    revoke: ServerAction<RevokeAccess>,
}

impl AccessActions {
    /// Created with the page (both announce what they did).
    pub(super) fn new() -> Self {
        let actions = Self {
            grant: ServerAction::new(),
            revoke: ServerAction::new(),
        };
        announce(actions.grant);
        announce(actions.revoke);
        actions
    }

    /// Changes whenever an entry was added or ended.
    pub(super) fn version(self) -> usize {
        self.grant.version().get() + self.revoke.version().get()
    }
}

#[component]
pub(super) fn AccessPanel(
    kind: KindRef,
    list: &'static AccessList,
    actions: AccessActions,
    object: i64,
    name: String,
) -> AnyView {
    let assignee_kind = RwSignal::new(list.assignees[0].as_str().to_string());
    let assignee = RwSignal::new(String::new());
    let level = RwSignal::new(
        list.levels
            .first()
            .map(|l| l.to_string())
            .unwrap_or_default(),
    );
    let mask = RwSignal::new(String::new());
    let chosen = RwSignal::new(String::new());
    let current = LocalResource::new(move || {
        actions.version();
        access_entries(kind, object)
    });
    let said = Announce::here();
    let grant = {
        let name = name.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let chosen_kind = AssigneeKind::parse(&assignee_kind.get_untracked());
            let who = assignee.get_untracked();
            said.expect(format!(
                "{} {} {name} to {} {}.",
                list.granted,
                kind.singular,
                chosen_kind
                    .map(|k| k.label().to_lowercase())
                    .unwrap_or_default(),
                who.trim()
            ));
            actions.grant.dispatch(GrantAccess {
                kind,
                object,
                input: AccessInput {
                    assignee: chosen_kind,
                    name: who,
                    level: level.get_untracked(),
                    mask: mask.get_untracked(),
                },
            });
        }
    };
    let revoke = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(entry) = chosen.get_untracked().parse::<i64>() else {
            return;
        };
        said.expect(format!("{} {} {name}.", list.revoked, kind.singular));
        actions.revoke.dispatch(RevokeAccess { kind, entry });
        chosen.set(String::new());
    };
    view! {
        <section class="panel" aria-label=list.title>
            <h2>{list.title}</h2>
            <form class="inline" on:submit=grant>
                <label>"To"
                    <select bind:value=assignee_kind>
                        {list.assignees.iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label>{list.name_label()}
                    <input type="text" required bind:value=assignee/>
                </label>
                {(!list.levels.is_empty()).then(|| view! {
                    <label>"Level"
                        <select bind:value=level>
                            {list.levels.iter().map(|l| view! { <option value=*l>{*l}</option> }).collect_view()}
                        </select>
                    </label>
                })}
                {list.mask.then(|| view! {
                    <label>"Host-name mask"
                        <input type="text" placeholder="every host" bind:value=mask/>
                    </label>
                })}
                <button type="submit">{list.grant}</button>
            </form>
            <FormError result=actions.grant.value().into()/>
            <form class="inline" on:submit=revoke>
                <label>{list.current}
                    <select required bind:value=chosen>
                        <option value="">"Choose…"</option>
                        {browser_choices(current, |entries| entries.into_iter().map(|e| view! {
                            <option value=e.id.to_string()>{e.title()}</option>
                        }).collect_view())}
                    </select>
                </label>
                <button type="submit">{list.revoke}</button>
            </form>
            <FormError result=actions.revoke.value().into()/>
        </section>
    }
    .into_any()
}
