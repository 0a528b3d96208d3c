//! Deleted users, groups and objects of the declared kinds: who deleted them and when, their
//! last state, and Recover.
use crate::api::groups::{get_group, RecoverGroup};
use crate::api::history::recycle_bin;
use crate::api::resources::{get_resource, RecoverResource};
use crate::api::users::{get_user, RecoverUser};
use crate::error::AppError;
use crate::model::{DeletedKind, DeletedObject, Operator, Permission};
use crate::ui::components::urlencode;
use crate::ui::components::When;
use crate::ui::components::{loaded, FormError, Modal};
use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use leptos_meta::Title;

/// The last instant at which a deleted object still existed.
fn just_before(deleted_at: DateTime<Utc>) -> DateTime<Utc> {
    deleted_at - Duration::microseconds(1)
}

fn last_state_href(object: &DeletedObject) -> String {
    let at = urlencode(&just_before(object.deleted_at).to_rfc3339());
    match object.kind {
        DeletedKind::User => format!("/users/{}?as_of={at}", object.id),
        DeletedKind::Group => format!("/groups?as_of={at}&group={}", object.id),
        DeletedKind::Resource(kind) => format!("{}?as_of={at}", kind.detail_path(object.id)),
    }
}

#[component]
pub fn RecycleBinPage() -> impl IntoView {
    let operator = expect_context::<Operator>();
    let may_recover = operator.role.can(Permission::IdentityWrite);
    let changes = RwSignal::new(0u32);
    let deleted = Resource::new(move || changes.get(), |_| recycle_bin());
    let recovering = RwSignal::new(None::<DeletedObject>);
    view! {
        <Title text="Recycle bin"/>
        <h1>"Recycle bin"</h1>
        <p class="hint">"Deleted objects keep their whole history. Recover brings back their last state."</p>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                deleted.await.map(|objects| view! {
                    {objects.is_empty().then(|| view! { <p class="empty">"The recycle bin is empty: nothing has been deleted, or everything deleted was recovered."</p> })}
                    <table class="data-table" aria-label="Deleted objects">
                        <thead><tr><th>"Kind"</th><th>"Name"</th><th>"Deleted"</th><th>"By"</th><th></th></tr></thead>
                        <tbody>
                            {objects.into_iter().map(|object| {
                                let kind = match object.kind {
                                    DeletedKind::User => "User".to_string(),
                                    DeletedKind::Group => "Group".to_string(),
                                    DeletedKind::Resource(kind) => kind.title(),
                                };
                                let href = last_state_href(&object);
                                let name = object.name.clone();
                                let chosen = object.clone();
                                view! {
                                    <tr>
                                        <td>{kind}</td>
                                        <td>{object.name.clone()}</td>
                                        <td><When at=object.deleted_at/></td>
                                        <td>{object.deleted_by.clone()}</td>
                                        <td class="actions">
                                            <a href=href aria-label=format!("View last state of {name}")>"View last state"</a>
                                            " "
                                            {may_recover.then(|| view! {
                                                <button type="button" aria-label=format!("Recover {name}")
                                                    on:click=move |_| recovering.set(Some(chosen.clone()))>"Recover"</button>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            })}
        </Transition>
        {move || recovering.get().map(|object| view! {
            <RecoverDialog object on_close=move |done: bool| {
                recovering.set(None);
                if done { changes.update(|n| *n += 1); }
            }/>
        })}
    }
}

/// Shows what recovery will bring back (the last state), then recovers on Confirm.
#[component]
fn RecoverDialog(object: DeletedObject, #[prop(into)] on_close: Callback<bool>) -> impl IntoView {
    let at = Some(just_before(object.deleted_at));
    let id = object.id;
    let kind = object.kind;
    let preview = Resource::new(
        || (),
        move |_| async move {
            Ok::<_, AppError>(match kind {
                DeletedKind::User => {
                    let user = get_user(id, at).await?;
                    let state = user.state;
                    let mut lines = vec![
                        format!("User {} ({})", state.attributes.name, user.full_name),
                        format!("Primary group: {}", state.primary_group_name),
                    ];
                    lines.extend(
                        state
                            .memberships
                            .iter()
                            .map(|m| format!("Member of {}", m.group_name)),
                    );
                    lines.extend(
                        state
                            .grants
                            .iter()
                            .map(|g| format!("Role {} on {}", g.role_name, g.system_name)),
                    );
                    lines.extend(
                        state
                            .accounts
                            .iter()
                            .map(|a| format!("Account {} on {}", a.name, a.system_name)),
                    );
                    lines.extend(
                        state
                            .mail_lists
                            .iter()
                            .map(|l| format!("Mail list {}@{}", l.name, l.domain)),
                    );
                    lines.extend(
                        state
                            .printers
                            .iter()
                            .map(|p| format!("Printer {}", p.title())),
                    );
                    lines
                }
                DeletedKind::Group => {
                    let group = get_group(id, at).await?;
                    vec![
                        format!("Group {}", group.input.name),
                        format!("Description: {}", group.input.description),
                    ]
                }
                DeletedKind::Resource(kind) => {
                    let record = get_resource(kind, id, at).await?.record;
                    let mut lines = vec![format!("{} {}", kind.title(), record.name())];
                    lines.extend(
                        kind.attributes
                            .iter()
                            .zip(&record.values)
                            .skip(1)
                            .map(|(a, v)| format!("{}: {v}", a.label)),
                    );
                    lines
                }
            })
        },
    );
    let recover_user = ServerAction::<RecoverUser>::new();
    let recover_group = ServerAction::<RecoverGroup>::new();
    let recover_resource = ServerAction::<RecoverResource>::new();
    Effect::new(move |_| {
        if matches!(recover_user.value().get(), Some(Ok(())))
            || matches!(recover_group.value().get(), Some(Ok(())))
            || matches!(recover_resource.value().get(), Some(Ok(_)))
        {
            on_close.run(true);
        }
    });
    let confirm = move |_| match kind {
        DeletedKind::User => {
            recover_user.dispatch(RecoverUser { id });
        }
        DeletedKind::Group => {
            recover_group.dispatch(RecoverGroup { id });
        }
        DeletedKind::Resource(kind) => {
            recover_resource.dispatch(RecoverResource { kind, id });
        }
    };
    view! {
        <Modal label=format!("Recover {}", object.name) on_close=move |_| on_close.run(false)>
            <p>"Recovery brings back this last state (memberships and grants whose group or role still exists):"</p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || loaded(async move {
                    preview.await.map(|lines| view! {
                        <ul aria-label="Last state">{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                    })
                })}
            </Suspense>
            <FormError result=recover_user.value().into()/>
            <FormError result=recover_group.value().into()/>
            <FormError result=recover_resource.value().into()/>
            <div class="actions">
                <button type="button" class="primary" on:click=confirm>"Confirm recovery"</button>
                <button type="button" on:click=move |_| on_close.run(false)>"Cancel"</button>
            </div>
        </Modal>
    }
}
