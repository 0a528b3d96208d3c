//! A vault account's secret on its page (`Rule::KeepsSecret`): reveal it (Owner, with a
//! freshly entered password, hidden again after `REVEAL_SECONDS`), set a new one, and the
//! history of changes — when and by whom — with reveal and "Put back" of an old one.
use crate::api::vault::{
    vault_secret_history, RestoreVaultSecret, RevealVaultSecret, SetVaultSecret,
};
use crate::error::AppError;
use crate::model::{Permission, SecretText, SecretVersion, REVEAL_SECONDS};
use crate::ui::components::{
    announce, browser_choices, format_time, needs_password, permitted, Announce,
    ConfirmPasswordPrompt, FormError, Modal, When,
};
use leptos::prelude::*;
use std::time::Duration;

#[component]
pub(super) fn SecretPanel(account: i64, name: String, editable: bool) -> AnyView {
    let set = ServerAction::<SetVaultSecret>::new();
    let restore = ServerAction::<RestoreVaultSecret>::new();
    let reveal = ServerAction::<RevealVaultSecret>::new();
    announce(set);
    announce(restore);
    let history = LocalResource::new(move || {
        set.version().get();
        restore.version().get();
        vault_secret_history(account)
    });
    // Each reveal hides itself after REVEAL_SECONDS, unless a later reveal replaced it.
    Effect::new(move |_| {
        let shown = reveal.version().get();
        if matches!(reveal.value().get_untracked(), Some(Ok(_))) {
            set_timeout(
                move || {
                    if reveal.version().try_get_untracked() == Some(shown) {
                        reveal.value().try_set(None);
                    }
                },
                Duration::from_secs(u64::from(REVEAL_SECONDS)),
            );
        }
    });
    let may_reveal = permitted(Permission::VaultReveal);
    let new_secret = RwSignal::new(String::new());
    let said = Announce::here();
    let submit = {
        let name = name.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            said.expect(format!("Set a new secret for {name}."));
            set.dispatch(SetVaultSecret {
                account,
                secret: SecretText(new_secret.get_untracked()),
            });
            new_secret.set(String::new());
        }
    };
    let putting_back = RwSignal::new(None::<SecretVersion>);
    let ask_reveal = move |version: Option<i64>| {
        reveal.dispatch(RevealVaultSecret { account, version });
    };
    view! {
        <section class="panel" aria-label="Secret">
            <h2>"Secret"</h2>
            <p class="hint">
                "Kept encrypted with the vault key. Its history says when it changed and by whom, never what it was."
            </p>
            {move || match reveal.value().get() {
                Some(Ok(shown)) => view! {
                    <div class="revealed" role="status">
                        <code aria-label="Revealed secret">{shown.secret.0}</code>
                        <span class="hint">{format!(" Hidden again after {REVEAL_SECONDS} seconds. ")}</span>
                        <button type="button" on:click=move |_| reveal.value().set(None)>"Hide"</button>
                    </div>
                }.into_any(),
                _ => may_reveal.then(|| view! {
                    <button type="button" on:click=move |_| ask_reveal(None)>"Reveal secret"</button>
                }).into_any(),
            }}
            <ConfirmPasswordPrompt needed=Signal::derive(move || needs_password(reveal.value().get()))/>
            {move || match reveal.value().get() {
                Some(Err(error)) if error != AppError::PasswordConfirmationRequired => Some(view! {
                    <p class="form-error" role="alert">{error.to_string()}</p>
                }),
                _ => None,
            }}
            {editable.then(|| view! {
                <form class="inline" on:submit=submit aria-label="Set a new secret">
                    <label>"New secret"
                        <input type="password" autocomplete="new-password" required bind:value=new_secret/>
                    </label>
                    <button type="submit">"Set secret"</button>
                </form>
                <FormError result=set.value().into()/>
            })}
            <h3>"Secret history"</h3>
            {browser_choices(history, move |versions: Vec<SecretVersion>| {
                if versions.is_empty() {
                    return view! { <p class="empty">"No secret has been set for this account."</p> }.into_any();
                }
                view! {
                    <table class="data-table" aria-label="Secret history">
                        <thead><tr><th>"Set"</th><th>"Until"</th><th>"By"</th><th>"Actions"</th></tr></thead>
                        <tbody>
                            {versions.into_iter().map(|v| {
                                let old = v.until.is_some();
                                let version = v.version_id;
                                let chosen = v.clone();
                                view! {
                                    <tr>
                                        <td><When at=v.since/></td>
                                        <td>{match v.until {
                                            Some(until) => view! { <When at=until/> }.into_any(),
                                            None => view! { "current" }.into_any(),
                                        }}</td>
                                        <td>{v.changed_by.clone()}</td>
                                        <td>
                                            {(!v.readable).then(|| view! { <span class="hint">"sealed with a key this installation lacks"</span> })}
                                            {(old && v.readable && may_reveal).then(|| view! {
                                                <button type="button" on:click=move |_| ask_reveal(Some(version))>"Reveal"</button>
                                            })}
                                            {(old && v.readable && editable).then(|| view! {
                                                <button type="button" on:click=move |_| putting_back.set(Some(chosen.clone()))>"Put back…"</button>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
            <FormError result=restore.value().into()/>
        </section>
        {move || putting_back.get().map(|version| {
            let close = move || putting_back.set(None);
            let when = format_time(version.since);
            let by = version.changed_by.clone();
            let name = name.clone();
            view! {
                <Modal label="Put back an old secret".to_string() on_close=close>
                    <h2>"Put back an old secret?"</h2>
                    <p>{format!(
                        "The secret set {when} by {by} becomes the current secret of {name}. The current secret stays in the history."
                    )}</p>
                    <div class="toolbar">
                        <button type="button" class="primary" on:click={
                            let name = name.clone();
                            move |_| {
                                said.expect(format!("Put back an old secret of {name}."));
                                restore.dispatch(RestoreVaultSecret { account, version: version.version_id });
                                putting_back.set(None);
                            }
                        }>"Put back"</button>
                        <button type="button" on:click=move |_| close()>"Cancel"</button>
                    </div>
                </Modal>
            }
        })}
    }
    .into_any()
}
