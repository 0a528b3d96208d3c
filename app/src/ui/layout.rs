use crate::api::auth::{get_session, Logout};
use crate::api::system_backup::count_unread_inbox;
use crate::model::{Operator, OperatorRole, Permission, SessionState};
use crate::ui::components::{ErrorList, Flash, FlashArea, OidcRefusalNotice};
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_location;

/// Bumped by pages that change the inbox (a restore code sent, a message read), so the
/// header's unread count follows.
#[derive(Clone, Copy)]
pub struct InboxRefresh(pub RwSignal<u64>);

/// The signed-in frame: navigation, header, and the current page. Sends visitors elsewhere
/// when there is no Owner yet or no session.
///
/// The session comes with the page (looked up before rendering, see
/// `auth::attach_page_session`) rather than from a resource awaited in a `Suspend`: content
/// built inside a `Suspend` is built several times on the server, each time creating the
/// page's resources anew, and the browser could not match them when hydrating.
#[component]
pub fn Console() -> impl IntoView {
    let session = SharedValue::new(page_session).into_inner();
    match session {
        Some(session) => console_for(session),
        // Mounted in the browser after start-up (after signing in): ask the server.
        None => view! {
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    console_for(get_session().await.map_err(|error| error.to_string()))
                })}
            </Suspense>
        }
        .into_any(),
    }
}

#[cfg(feature = "ssr")]
fn page_session() -> Option<Result<SessionState, String>> {
    // Every page request passes the middleware; missing means a route bypassed it.
    Some(crate::auth::page_session().unwrap_or_else(|| Err("The session is unknown.".into())))
}

#[cfg(not(feature = "ssr"))]
fn page_session() -> Option<Result<SessionState, String>> {
    None
}

fn console_for(session: Result<SessionState, String>) -> AnyView {
    match session {
        Ok(SessionState::SignedIn(operator)) => view! { <Frame operator/> }.into_any(),
        Ok(SessionState::NeedsSetup) => view! { <Redirect path="/setup"/> }.into_any(),
        Ok(SessionState::SignedOut) => view! { <Redirect path="/login"/> }.into_any(),
        Err(error) => view! {
            <div class="error-box" role="alert">
                <strong>"The console cannot reach the server"</strong>
                <p>{error}</p>
            </div>
        }
        .into_any(),
    }
}

#[component]
fn Frame(operator: Operator) -> impl IntoView {
    provide_context(operator.clone());
    let logout = ServerAction::<Logout>::new();
    let role = operator.role;
    let may_manage_operators = role.can(Permission::OperatorsManage);
    let may_manage_tokens = role.can(Permission::TokensManage);
    let may_system_backup = role.can(Permission::SystemBackupManage);
    let may_read_audit = role.can(Permission::AuditRead);
    let inbox_refresh = RwSignal::new(0_u64);
    provide_context(InboxRefresh(inbox_refresh));
    // What the last action did, said outside the page so a re-rendered page keeps it.
    let flash = Flash::new();
    provide_context(flash);
    // On narrow screens the navigation folds into a menu, closed again on every page change.
    let menu_open = RwSignal::new(false);
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        menu_open.set(false);
    });
    view! {
        <div class="console">
            // The first stop for the keyboard: past the navigation, straight to the page.
            <a class="skip-link" href="#content" on:click=skip_to_content>"Skip to content"</a>
            <nav class="sidebar" class:menu-open=move || menu_open.get() aria-label="Main">
                <div class="sidebar-head">
                    <A href="/" attr:class="brand">"Rewind"</A>
                    <button type="button" class="menu-button" aria-controls="main-menu"
                        aria-expanded=move || menu_open.get().to_string()
                        on:click=move |_| menu_open.update(|open| *open = !*open)>
                        "Menu"
                    </button>
                </div>
                <ul id="main-menu">
                    <li><A href="/users">"Users"</A></li>
                    <li><A href="/groups">"Groups"</A></li>
                    <li><A href="/accounts">"Accounts"</A></li>
                    <li><A href="/roles">"Roles"</A></li>
                    <li><A href="/role-rules">"Role assignment rules"</A></li>
                    <li><A href="/sod-rules">"Segregation of duties"</A></li>
                    <li><A href="/systems">"Systems"</A></li>
                    <li><A href="/mail-lists">"Mail lists"</A></li>
                    <li><A href="/mail-domains">"Mail domains"</A></li>
                    <li><A href="/networks">"Networks"</A></li>
                    <li><A href="/hosts">"Hosts"</A></li>
                    <li><A href="/printers">"Printers"</A></li>
                    <li><A href="/detected-browsers">"Detected browsers"</A></li>
                    <li><A href="/vault-folders/tree">"Password vault"</A></li>
                    <li><A href="/vault-accounts">"Vault accounts"</A></li>
                    <li><A href="/applications/tree">"Application access tree"</A></li>
                    <li><A href="/custom-objects">"Custom objects"</A></li>
                    <li><A href="/backups">"Backups"</A></li>
                    <li><A href="/recycle-bin">"Recycle bin"</A></li>
                    {may_read_audit.then(|| view! { <li><A href="/audit">"Audit log"</A></li> })}
                    {may_system_backup.then(|| view! { <li><A href="/system-backup">"System backup"</A></li> })}
                    {may_manage_operators.then(|| view! { <li><A href="/operators">"Operators"</A></li> })}
                    {may_manage_tokens.then(|| view! { <li><A href="/api-tokens">"API tokens"</A></li> })}
                    <li><A href="/api-reference">"API reference"</A></li>
                </ul>
            </nav>
            <div class="workspace">
                <header class="topbar">
                    <crate::ui::pages::SearchBox/>
                    {(role == OperatorRole::Owner).then(|| view! { <InboxBadge refresh=inbox_refresh/> })}
                    <span class="signed-in" data-testid="signed-in">
                        {operator.display_name.clone()}
                        " "
                        <span class="role-badge">{role.label()}</span>
                    </span>
                    <A href="/profile">"Your sign-in"</A>
                    <ActionForm action=logout>
                        <button type="submit" class="link-button">"Sign out"</button>
                    </ActionForm>
                </header>
                <main class="content" id="content" tabindex="-1">
                    <OidcRefusalNotice/>
                    <ErrorBoundary fallback=|errors| view! { <ErrorList errors/> }>
                        <Outlet/>
                    </ErrorBoundary>
                </main>
                <FlashArea flash/>
            </div>
        </div>
    }
}

/// Moves focus to the page's content, so the next Tab starts there (the router would treat the
/// fragment link as a navigation).
fn skip_to_content(event: leptos::ev::MouseEvent) {
    event.prevent_default();
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        if let Some(main) = document()
            .get_element_by_id("content")
            .and_then(|element| element.dyn_into::<leptos::web_sys::HtmlElement>().ok())
        {
            let _ = main.focus();
        }
    }
}

/// The Owner's unread messages (restore approval codes), linking to the inbox.
#[component]
fn InboxBadge(refresh: RwSignal<u64>) -> impl IntoView {
    let location = use_location();
    // Re-read on every page change too: codes requested by other operators arrive meanwhile.
    let unread = Resource::new(
        move || (refresh.get(), location.pathname.get()),
        |_| count_unread_inbox(),
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let count = unread.await.unwrap_or(0);
                let name = match count {
                    0 => "Inbox".to_string(),
                    1 => "Inbox, 1 unread message".to_string(),
                    n => format!("Inbox, {n} unread messages"),
                };
                view! {
                    <A href="/inbox" attr:class="inbox-link" attr:aria-label=name>
                        "Inbox"
                        {(count > 0).then(|| view! { <span class="count-badge" aria-hidden="true">{count}</span> })}
                    </A>
                }
            })}
        </Transition>
    }
}
