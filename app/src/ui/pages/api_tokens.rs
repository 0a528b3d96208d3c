//! `/api-tokens`: named bearer tokens for other systems (SCIM provisioning, scripts). The
//! secret is shown once, when the token is made; a token carries some of its operator's
//! permissions, expires, and can be revoked.
use crate::api::tokens::{list_api_tokens, CreateApiToken, RevokeApiToken};
use crate::model::{ApiToken, NewApiToken, Permission, MAX_TOKEN_DAYS};
use crate::ui::components::{
    announce, format_time, loaded, needs_password, permitted, Announce, ConfirmDialog,
    ConfirmPasswordPrompt, FormError, NotPermitted,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    if !permitted(Permission::TokensManage) {
        return view! {
            <Title text="API tokens"/>
            <h1>"API tokens"</h1>
            <NotPermitted what="manage API tokens"/>
        }
        .into_any();
    }
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    announce(create);
    announce(revoke);
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    let role_permissions = use_context::<crate::model::Operator>()
        .map(|o| o.role.permissions())
        .unwrap_or_default();
    let name = RwSignal::new(String::new());
    let days = RwSignal::new("90".to_string());
    let chosen = RwSignal::new(vec![Permission::IdentityRead, Permission::IdentityWrite]);
    let said = Announce::here();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        said.expect(format!(
            "Created API token {}.",
            name.get_untracked().trim()
        ));
        create.dispatch(CreateApiToken {
            input: NewApiToken {
                name: name.get_untracked(),
                days: days.get_untracked().trim().parse().unwrap_or(0),
                permissions: chosen.get_untracked(),
            },
        });
    };
    let revoking = RwSignal::new(None::<(i64, String)>);
    view! {
        <Title text="API tokens"/>
        <h1>"API tokens"</h1>
        <p class="hint">
            "Other systems call Rewind's API (SCIM provisioning at /scim/v2) with "
            <code>"Authorization: Bearer <token>"</code>
            ". A token does what its operator's role allows, narrowed to the permissions chosen here; it never opens the console. "
            "Every SCIM GET also takes "<code>"asOf=<RFC 3339 instant>"</code>" and answers as things were then (Rewind's time-travel extension)."
        </p>
        <form class="panel" on:submit=submit aria-label="New API token">
            <h2>"New API token"</h2>
            <div class="form-grid">
                <label>"Token name" <input type="text" required maxlength="100" bind:value=name/></label>
                <label>{format!("Expires after (days, 1 to {MAX_TOKEN_DAYS})")}
                    <input type="number" min="1" max=MAX_TOKEN_DAYS required bind:value=days/>
                </label>
            </div>
            <fieldset>
                <legend>"Permissions"</legend>
                {role_permissions.into_iter().map(|p| view! {
                    <label class="inline">
                        <input type="checkbox"
                            prop:checked=move || chosen.with(|c| c.contains(&p))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|c| {
                                    c.retain(|q| *q != p);
                                    if on { c.push(p); }
                                });
                            }/>
                        {p.name()}
                    </label>
                }).collect_view()}
            </fieldset>
            <FormError result=create.value().into()/>
            <ConfirmPasswordPrompt needed=Signal::derive(move || needs_password(create.value().get()))/>
            <button type="submit" class="primary">"Create token"</button>
        </form>
        {move || match create.value().get() {
            Some(Ok(made)) => Some(view! {
                <div class="panel" role="status" aria-label="Token created">
                    <p><strong>{format!("Copy the token {} now: it is not shown again.", made.token.name)}</strong></p>
                    <code aria-label="New API token secret">{made.secret}</code>
                </div>
            }),
            _ => None,
        }}
        <FormError result=revoke.value().into()/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                tokens.await.map(|tokens| token_table(tokens, revoking))
            })}
        </Transition>
        {move || revoking.get().map(|(id, token)| view! {
            <ConfirmDialog
                label=format!("Revoke {token}")
                message=format!("Revoke the API token {token}? Systems using it are refused from now on; a revoked token never works again.")
                confirm_label="Yes, revoke".to_string()
                on_confirm=move || {
                    revoking.set(None);
                    said.expect(format!("Revoked API token {token}."));
                    revoke.dispatch(RevokeApiToken { id });
                }
                on_close=move || revoking.set(None)
            />
        })}
    }
    .into_any()
}

fn token_table(tokens: Vec<ApiToken>, revoking: RwSignal<Option<(i64, String)>>) -> AnyView {
    if tokens.is_empty() {
        return view! { <p class="empty">"No API token yet. Create one above for a system that provisions or reads identities."</p> }.into_any();
    }
    let now = chrono::Utc::now();
    view! {
        <table class="data-table" aria-label="API tokens">
            <thead><tr>
                <th>"Name"</th><th>"Starts with"</th><th>"Operator"</th><th>"Permissions"</th>
                <th>"Created"</th><th>"Expires"</th><th>"Last used"</th><th>"Status"</th><th>"Actions"</th>
            </tr></thead>
            <tbody>
                {tokens.into_iter().map(|t| {
                    let status = t.status(now);
                    let permissions: Vec<&str> = t.permissions.iter().map(|p| p.name()).collect();
                    let (id, name) = (t.id, t.name.clone());
                    view! {
                        <tr>
                            <td>{t.name.clone()}</td>
                            <td><code>{format!("{}…", t.prefix)}</code></td>
                            <td>{t.operator.clone()}</td>
                            <td>{permissions.join(", ")}</td>
                            <td>{format_time(t.created_at)}</td>
                            <td>{format_time(t.expires_at)}</td>
                            <td>{t.last_used_at.map(format_time).unwrap_or_else(|| "never".into())}</td>
                            <td>{status}</td>
                            <td>{(status == "active").then(|| view! {
                                <button type="button" aria-label=format!("Revoke {name}")
                                    on:click={
                                        let name = name.clone();
                                        move |_| revoking.set(Some((id, name.clone())))
                                    }>"Revoke"</button>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
