//! Pages and components. Everything here compiles for both the server and the browser.
pub mod components;
mod layout;
pub mod pages;

use crate::model::{kinds, ImportKind};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::auth::provide_csp_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options=options.clone()/>
                // The server's options know the stylesheet's content-hashed name.
                <HashedStylesheet options id="leptos"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Tests (and curious operators) can tell a hydrated page from server-rendered HTML.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Title formatter=|text| format!("{text} · Rewind")/>
        <Router>
            // Async SSR: session checks finish before the first byte, so redirects are real 302s.
            <Routes fallback=pages::NotFoundPage>
                <Route path=path!("/login") view=pages::LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/setup") view=pages::SetupPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=layout::Console ssr=SsrMode::Async>
                    <Route path=path!("") view=pages::HomePage/>
                    <Route path=path!("users") view=pages::UsersPage/>
                    <Route path=path!("profile") view=pages::ProfilePage/>
                    <Route path=path!("users/import") view=|| view! { <pages::ImportPage kind=ImportKind::Users/> }/>
                    <ParentRoute path=path!("users/:id") view=pages::UserPage>
                        <Route path=path!("") view=pages::UserBasicsTab/>
                        <Route path=path!("groups") view=pages::UserGroupsTab/>
                        <Route path=path!("accounts") view=pages::UserAccountsTab/>
                        <Route path=path!("roles") view=pages::UserRolesTab/>
                        <Route path=path!("mail-lists") view=pages::UserMailListsTab/>
                        <Route path=path!("effective-roles") view=pages::UserEffectiveRolesTab/>
                        <Route path=path!("history") view=pages::UserHistoryTab/>
                        <Route path=path!("backups") view=pages::UserBackupsTab/>
                    </ParentRoute>
                    <Route path=path!("groups") view=pages::GroupsPage/>
                    <Route path=path!("groups/import") view=|| view! { <pages::ImportPage kind=ImportKind::Groups/> }/>
                    <Route path=path!("mail-lists/import") view=|| view! { <pages::ImportPage kind=ImportKind::MailLists/> }/>
                    <Route path=path!("accounts") view=pages::AccountsPage/>
                    <Route path=path!("accounts/:id") view=pages::AccountPage/>
                    <Route path=path!("roles") view=pages::RolesPage/>
                    <Route path=path!("roles/:id") view=pages::RolePage/>
                    <Route path=path!("systems") view=|| view! { <pages::ResourceListPage kind=&kinds::SYSTEMS/> }/>
                    <Route path=path!("systems/:id") view=|| view! { <pages::ResourcePage kind=&kinds::SYSTEMS/> }/>
                    <Route path=path!("mail-lists") view=pages::MailListsPage/>
                    <Route path=path!("mail-lists/:id") view=pages::MailListPage/>
                    <Route path=path!("mail-domains") view=|| view! { <pages::ResourceListPage kind=&kinds::MAIL_DOMAINS/> }/>
                    <Route path=path!("mail-domains/import") view=|| view! { <pages::ResourceImportPage kind=&kinds::MAIL_DOMAINS/> }/>
                    <Route path=path!("mail-domains/:id") view=|| view! { <pages::ResourcePage kind=&kinds::MAIL_DOMAINS/> }/>
                    <Route path=path!("networks") view=|| view! { <pages::ResourceListPage kind=&kinds::NETWORKS/> }/>
                    <Route path=path!("networks/import") view=|| view! { <pages::ResourceImportPage kind=&kinds::NETWORKS/> }/>
                    <Route path=path!("networks/:id") view=|| view! { <pages::ResourcePage kind=&kinds::NETWORKS/> }/>
                    <Route path=path!("hosts") view=|| view! { <pages::ResourceListPage kind=&kinds::HOSTS/> }/>
                    <Route path=path!("hosts/import") view=|| view! { <pages::ResourceImportPage kind=&kinds::HOSTS/> }/>
                    <Route path=path!("hosts/:id") view=|| view! { <pages::ResourcePage kind=&kinds::HOSTS/> }/>
                    <Route path=path!("printers") view=|| view! { <pages::ResourceListPage kind=&kinds::PRINTERS/> }/>
                    <Route path=path!("printers/import") view=|| view! { <pages::ResourceImportPage kind=&kinds::PRINTERS/> }/>
                    <Route path=path!("printers/:id") view=|| view! { <pages::ResourcePage kind=&kinds::PRINTERS/> }/>
                    <Route path=path!("applications") view=|| view! { <pages::ResourceListPage kind=&kinds::APPLICATIONS/> }/>
                    <Route path=path!("applications/tree") view=|| view! { <pages::ResourceTreePage kind=&kinds::APPLICATIONS/> }/>
                    <Route path=path!("applications/import") view=|| view! { <pages::ResourceImportPage kind=&kinds::APPLICATIONS/> }/>
                    <Route path=path!("applications/:id") view=|| view! { <pages::ResourcePage kind=&kinds::APPLICATIONS/> }/>
                    <Route path=path!("custom-object-types") view=|| view! { <pages::ResourceListPage kind=&kinds::CUSTOM_OBJECT_TYPES/> }/>
                    <Route path=path!("custom-object-types/import") view=|| view! { <pages::ResourceImportPage kind=&kinds::CUSTOM_OBJECT_TYPES/> }/>
                    <Route path=path!("custom-object-types/:id") view=|| view! { <pages::ResourcePage kind=&kinds::CUSTOM_OBJECT_TYPES/> }/>
                    <Route path=path!("custom-objects") view=|| view! { <pages::ResourceListPage kind=&kinds::CUSTOM_OBJECTS/> }/>
                    <Route path=path!("custom-objects/import") view=|| view! { <pages::ResourceImportPage kind=&kinds::CUSTOM_OBJECTS/> }/>
                    <Route path=path!("custom-objects/:id") view=|| view! { <pages::ResourcePage kind=&kinds::CUSTOM_OBJECTS/> }/>
                    <Route path=path!("role-rules") view=|| view! { <pages::ResourceListPage kind=&kinds::ROLE_RULES/> }/>
                    <Route path=path!("role-rules/import") view=|| view! { <pages::ResourceImportPage kind=&kinds::ROLE_RULES/> }/>
                    <Route path=path!("role-rules/:id") view=|| view! { <pages::ResourcePage kind=&kinds::ROLE_RULES/> }/>
                    <Route path=path!("sod-rules") view=|| view! { <pages::ResourceListPage kind=&kinds::SOD_RULES/> }/>
                    <Route path=path!("sod-rules/report") view=pages::SodReportPage/>
                    <Route path=path!("sod-rules/import") view=|| view! { <pages::ResourceImportPage kind=&kinds::SOD_RULES/> }/>
                    <Route path=path!("sod-rules/:id") view=|| view! { <pages::ResourcePage kind=&kinds::SOD_RULES/> }/>
                    <Route path=path!("vault-folders") view=|| view! { <pages::ResourceListPage kind=&kinds::VAULT_FOLDERS/> }/>
                    <Route path=path!("vault-folders/tree") view=|| view! { <pages::ResourceTreePage kind=&kinds::VAULT_FOLDERS/> }/>
                    <Route path=path!("vault-folders/import") view=|| view! { <pages::ResourceImportPage kind=&kinds::VAULT_FOLDERS/> }/>
                    <Route path=path!("vault-folders/:id") view=|| view! { <pages::ResourcePage kind=&kinds::VAULT_FOLDERS/> }/>
                    <Route path=path!("vault-accounts") view=|| view! { <pages::ResourceListPage kind=&kinds::VAULT_ACCOUNTS/> }/>
                    <Route path=path!("vault-accounts/import") view=|| view! { <pages::ResourceImportPage kind=&kinds::VAULT_ACCOUNTS/> }/>
                    <Route path=path!("vault-accounts/:id") view=|| view! { <pages::ResourcePage kind=&kinds::VAULT_ACCOUNTS/> }/>
                    <Route path=path!("detected-browsers") view=|| view! { <pages::ResourceListPage kind=&kinds::DETECTED_BROWSERS/> }/>
                    <Route path=path!("detected-browsers/import") view=|| view! { <pages::ResourceImportPage kind=&kinds::DETECTED_BROWSERS/> }/>
                    <Route path=path!("detected-browsers/:id") view=|| view! { <pages::ResourcePage kind=&kinds::DETECTED_BROWSERS/> }/>
                    <Route path=path!("backups") view=pages::BackupsPage/>
                    <Route path=path!("recycle-bin") view=pages::RecycleBinPage/>
                    <Route path=path!("audit") view=pages::AuditPage/>
                    <Route path=path!("search") view=pages::SearchPage/>
                    <Route path=path!("system-backup") view=pages::SystemBackupPage/>
                    <Route path=path!("inbox") view=pages::InboxPage/>
                    <Route path=path!("operators") view=pages::OperatorsPage/>
                    <Route path=path!("api-tokens") view=pages::ApiTokensPage/>
                    <Route path=path!("api-reference") view=pages::ApiReferencePage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
