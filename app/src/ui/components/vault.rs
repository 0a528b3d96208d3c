//! Who reaches what in the password vault: the folders a user reaches (their effective
//! roles tab) and everyone who reaches a folder (its page), each with the level, what it
//! allows and how it is reached. Read in the browser.
use super::browser_choices;
use crate::api::vault::{vault_access_of_user, vault_folder_people};
use crate::model::kinds::VAULT_FOLDERS;
use crate::model::UserId;
use leptos::prelude::*;
use leptos_router::components::A;

/// The folders `user` reaches now; `changes` reloads them.
#[component]
pub fn UserVaultAccess(user: UserId, changes: RwSignal<u64>) -> impl IntoView {
    let found = LocalResource::new(move || {
        changes.track();
        vault_access_of_user(user)
    });
    view! {
        <h2>"Password vault"</h2>
        {browser_choices(found, |found| {
            if found.is_empty() {
                return view! { <p class="empty">"This user reaches no vault folder."</p> }.into_any();
            }
            view! {
                <table class="data-table" aria-label="Vault folders this user reaches">
                    <thead><tr><th>"Folder"</th><th>"Permission"</th><th>"Allows"</th><th>"Through"</th></tr></thead>
                    <tbody>
                        {found.into_iter().map(|a| view! {
                            <tr>
                                <td><A href=VAULT_FOLDERS.detail_path(a.folder)>{a.folder_name}</A></td>
                                <td>{a.level.label()}</td>
                                <td>{a.level.allows()}</td>
                                <td>{a.through}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        })}
    }
}

/// Everyone who reaches `folder` now, through its permissions and those of folders above.
#[component]
pub fn VaultFolderPeople(folder: i64, #[prop(into)] changes: Signal<usize>) -> impl IntoView {
    let found = LocalResource::new(move || {
        changes.track();
        vault_folder_people(folder)
    });
    view! {
        <section class="panel" aria-label="Effective permissions">
            <h2>"Effective permissions"</h2>
            <p class="hint">"Everyone this folder's permissions and those of the folders above it reach, at their highest level."</p>
            {browser_choices(found, |found| {
                if found.is_empty() {
                    return view! { <p class="empty">"Nobody reaches this folder."</p> }.into_any();
                }
                view! {
                    <table class="data-table" aria-label="Effective permissions">
                        <thead><tr><th>"User"</th><th>"Permission"</th><th>"Allows"</th><th>"Through"</th></tr></thead>
                        <tbody>
                            {found.into_iter().map(|p| view! {
                                <tr>
                                    <td><A href=format!("/users/{}", p.user.0)>{p.user_name}</A></td>
                                    <td>{p.level.label()}</td>
                                    <td>{p.level.allows()}</td>
                                    <td>{p.through}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </section>
    }
}
