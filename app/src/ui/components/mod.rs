//! Widgets shared by several pages.
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

mod field;
mod flash;
mod group_picker;
mod list;
mod paging;
mod sod;
mod time;
mod vault;
pub use field::FieldErrors;
pub use flash::{announce, Announce, Flash, FlashArea};
pub use group_picker::GroupPicker;
pub use list::{
    aria_sort, ColumnView, ColumnViewButton, DeleteOutcome, DeleteSelected, ListColumn, ListTable,
    Selection,
};
pub use paging::{page_param, page_size_param, urlencode, Pages};
pub use sod::{RoleSodWarnings, SodGrantWarning, UserSodWarnings};
pub use time::{
    format_optional_time, format_time, instant_param, local_input_value, local_time,
    local_zone_now, parse_date, parse_instant, parse_local_instant, shift_slot, MaybeWhen, When,
};
pub use vault::{UserVaultAccess, VaultFolderPeople};

/// Fallback for `<ErrorBoundary>`: server errors as readable sentences.
#[component]
pub fn ErrorList(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <div class="error-box" role="alert">
            <strong>"Something went wrong"</strong>
            <ul>
                {move || {
                    errors
                        .get()
                        .into_iter()
                        .map(|(_, error)| view! { <li>{error.to_string()}</li> })
                        .collect_view()
                }}
            </ul>
        </div>
    }
}

/// Whether the signed-in operator may change identity data (hides edit controls; the server
/// checks again).
pub fn may_write() -> bool {
    permitted(crate::model::Permission::IdentityWrite)
}

/// Whether the signed-in operator holds `permission` (the server checks again).
pub fn permitted(permission: crate::model::Permission) -> bool {
    use_context::<crate::model::Operator>().is_some_and(|o| o.role.can(permission))
}

/// In place of a page whose every control needs a permission the operator lacks: what is
/// missing and who can grant it, rather than forms that can only fail.
#[component]
pub fn NotPermitted(
    /// What the page is for, e.g. "manage operators".
    what: &'static str,
) -> impl IntoView {
    let role = use_context::<crate::model::Operator>()
        .map(|o| o.role.label())
        .unwrap_or("operator");
    view! {
        <div class="notice" role="status" data-testid="not-permitted">
            <p>{format!("Your role ({role}) may not {what}. The Owner can change your role on the Operators page.")}</p>
        </div>
    }
}

/// A button that takes something away (revokes a grant, removes a member or an owner): asks
/// first, in a dialog naming what goes, as a delete does.
#[component]
pub fn ConfirmedButton(
    /// The button's text: "Revoke", "Remove".
    label: &'static str,
    /// The button's accessible name and the question, e.g. "Revoke Domain Admin".
    title: String,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let question = title.clone();
    let said = Announce::here();
    let done = StoredValue::new(flash::done_text(label, &title));
    view! {
        <button type="button" aria-label=title on:click=move |_| open.set(true)>{label}</button>
        <Show when=move || open.get()>
            <ConfirmDialog
                label=question.clone()
                message=format!("{question}? It ends now; the history keeps it, so it can be put back.")
                confirm_label=format!("Yes, {}", label.to_lowercase())
                on_confirm=move || {
                    open.set(false);
                    said.expect(done.get_value());
                    on_confirm.run(());
                }
                on_close=move || open.set(false)
            />
        </Show>
    }
}

/// A server refusal shown in place (e.g. a missing permission).
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    // A page whose object is missing (an old link, a deleted object) still has a title and a
    // heading, and says where deleted objects went.
    if let AppError::NotFound(what) = &error {
        let what = capitalised(what);
        return view! {
            <Title text="Not found"/>
            <h1>"Not found"</h1>
            <div class="error-box" role="alert">
                <p>{format!("{what} does not exist. Deleted objects are listed in the ")}
                    <a href="/recycle-bin">"Recycle bin"</a>"."</p>
            </div>
        }
        .into_any();
    }
    view! {
        <div class="error-box" role="alert">
            <strong>"Something went wrong"</strong>
            <p>{error.to_string()}</p>
        </div>
    }
    .into_any()
}

/// `Suspend::new` for loaded content: the view, or the server's refusal shown in its place.
///
/// Errors are not passed up to the console's `<ErrorBoundary>`: the server may build a
/// `Suspend` more than once, each build adding the error again, and the page it serves then
/// differs from what the browser builds (a hydration error).
pub fn loaded<V>(
    content: impl std::future::Future<Output = Result<V, AppError>> + Send + 'static,
) -> Suspend<AnyView>
where
    V: IntoView + 'static,
{
    Suspend::new(async move {
        match content.await {
            Ok(view) => view.into_any(),
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
        }
    })
}

/// The choices of a form control (systems, groups, roles…), loaded in the browser once the
/// page is interactive: nothing on the server, nothing until loaded.
///
/// Controls sit inside content that is itself loaded (a page's `Suspend`), which the server
/// builds more than once; a `Resource` or `<Suspense>` created there takes a new hydration id
/// on every build and the browser cannot match them ("Unrecoverable hydration error"). The
/// choices are of no use before hydration anyway.
pub fn browser_choices<T, V>(
    choices: LocalResource<Result<T, AppError>>,
    render: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    move || {
        // Not even read on the server: a browser-only resource read there makes the
        // enclosing `<Suspense>` give up and show its fallback instead of the page.
        if cfg!(feature = "ssr") {
            return None;
        }
        choices.get().map(|loaded| match loaded {
            Ok(value) => render(value).into_any(),
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
        })
    }
}

/// The outcome of the last submission of a form: an error message, or nothing.
#[component]
pub fn FormError<T>(result: Signal<Option<Result<T, AppError>>>) -> impl IntoView
where
    T: Send + Sync + Clone + 'static,
{
    move || {
        result.get().and_then(|r| r.err()).map(|error| {
            view! { <p class="form-error" role="alert">{error.to_string()}</p> }
        })
    }
}

/// The folded "New …" form of a page: `children` are its fields (editing the caller's draft),
/// Create dispatches `create` with `input()`, and a refusal shows in place.
#[component]
pub fn NewPanel<S, I>(
    #[prop(into)] title: String,
    #[prop(into)] button: String,
    create: ServerAction<S>,
    input: I,
    children: Children,
) -> impl IntoView
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
    I: Fn() -> S + 'static,
{
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(input());
    };
    view! {
        <details class="panel">
            <summary>{title}</summary>
            <form on:submit=submit>
                <div class="form-grid">{children()}</div>
                <FormError result=create.value().into()/>
                <button type="submit" class="primary">{button}</button>
            </form>
        </details>
    }
}

/// Opens the page of what `create` made (`page` gives its path) once it succeeds.
pub fn open_created<S, P>(create: ServerAction<S>, page: P)
where
    S: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
    S::Error: Clone + Send + Sync + 'static,
    P: Fn(&S::Output) -> String + 'static,
{
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(created)) = create.value().get() {
            navigate(&page(&created), Default::default());
        }
    });
}

/// `text` with its first letter in capitals (plan items are phrases: "remove membership …").
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A modal dialog on the native `<dialog>` element: `showModal()` makes the rest of the page inert,
/// so focus moves inside and stays there. Escape or the close button call `on_close` (unless
/// `locked`: work is under way). Render it only while it is open.
#[component]
pub fn Modal(
    label: String,
    #[prop(into)] on_close: Callback<()>,
    #[prop(optional, into)] locked: Signal<bool>,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    // The control that opened the dialog gets the focus back when it goes (WCAG 2.4.3).
    #[cfg(feature = "hydrate")]
    {
        let opener = send_wrapper::SendWrapper::new(document().active_element());
        on_cleanup(move || {
            if let Some(opener) = opener.take() {
                // After the dialog has left the page: while it is open, the rest is inert.
                request_animation_frame(move || {
                    use leptos::wasm_bindgen::JsCast;
                    if opener.is_connected() {
                        if let Ok(opener) = opener.dyn_into::<leptos::web_sys::HtmlElement>() {
                            let _ = opener.focus();
                        }
                    }
                });
            }
        });
    }
    Effect::new(move |_| {
        if let Some(dialog) = dialog.get() {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
        }
    });
    let close = move || {
        if !locked.get_untracked() {
            on_close.run(());
        }
    };
    let heading = label.clone();
    view! {
        // The page's state decides when the dialog goes: the browser never closes it by itself.
        <dialog class="modal" aria-label=label node_ref=dialog
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    // Only the innermost dialog closes (a confirmation inside a modal).
                    ev.prevent_default();
                    ev.stop_propagation();
                    close();
                }
            }
            // Escape with the focus outside the dialog arrives as a close request.
            on:cancel=move |ev: leptos::ev::Event| {
                ev.prevent_default();
                close();
            }
            // Should the browser close it anyway, the page follows.
            on:close=move |_| on_close.run(())>
            <header class="modal-header">
                <h2>{heading}</h2>
                <button type="button" aria-label="Close" on:click=move |_| close()>"×"</button>
            </header>
            {children()}
        </dialog>
    }
}

/// Where a detail page sits: a link back to its list, then the object's name.
#[component]
pub fn Breadcrumbs(
    /// The list, e.g. "/users".
    #[prop(into)]
    list: String,
    /// The list's name, e.g. "Users".
    list_label: &'static str,
    #[prop(into)] name: String,
) -> impl IntoView {
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <ol>
                <li><a href=list>{list_label}</a></li>
                <li aria-current="page">{name}</li>
            </ol>
        </nav>
    }
}

/// "Are you sure?" for destructive actions: names what will happen, Confirm runs it.
#[component]
pub fn ConfirmDialog(
    label: String,
    message: String,
    confirm_label: String,
    #[prop(into)] on_confirm: Callback<()>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <Modal label on_close>
            <p>{message}</p>
            <div class="actions">
                <button type="button" class="danger" on:click=move |_| on_confirm.run(())>{confirm_label}</button>
                <button type="button" on:click=move |_| on_close.run(())>"Cancel"</button>
            </div>
        </Modal>
    }
}

/// A required "Group" choice among the current groups (the id as text).
#[component]
pub fn GroupField(value: RwSignal<String>) -> AnyView {
    view! { <GroupPicker id="group-field" label="Group" none="Choose a group" value required=true/> }
        .into_any()
}

/// A required drop-down bound to `value` (an id as text): `placeholder` for "nothing chosen",
/// then `options` as (value, text). The option equal to `value` is marked selected, so a
/// server-rendered page shows the choice before hydration.
#[component]
pub fn Choice(
    #[prop(into)] label: String,
    placeholder: &'static str,
    value: RwSignal<String>,
    options: Vec<(String, String)>,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <select required bind:value=value>
                <option value="">{placeholder}</option>
                {options.into_iter().map(|(id, text)| {
                    let selected = value.get_untracked() == id;
                    view! { <option value=id selected=selected>{text}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

/// "Name (system)" choices of roles, for `Choice`.
pub fn role_options(roles: impl IntoIterator<Item = crate::model::Role>) -> Vec<(String, String)> {
    roles
        .into_iter()
        .map(|r| {
            (
                r.id.0.to_string(),
                format!("{} ({})", r.input.name, r.system_name),
            )
        })
        .collect()
}

/// A required "Role" choice among the current roles (the id as text), with their systems.
#[component]
pub fn RoleField(value: RwSignal<String>) -> AnyView {
    let roles = LocalResource::new(|| crate::api::directory::list_roles(None));
    browser_choices(roles, move |roles| {
        view! { <Choice label="Role" placeholder="Choose a role" value options=role_options(roles)/> }
    })
    .into_any()
}

/// The roles granted directly to a user, a group or an account (as of `as_of`), each
/// revocable by its grant record, and a form to grant another (now only); `changes` is
/// bumped after each change.
#[component]
pub fn GrantedRoles(
    #[prop(into)] grantee: Signal<crate::model::Grantee>,
    #[prop(into)] as_of: Signal<Option<chrono::DateTime<chrono::Utc>>>,
    changes: RwSignal<u64>,
    heading: &'static str,
) -> impl IntoView {
    use crate::api::directory::{list_grants, GrantRole, RevokeGrant};
    let grant = ServerAction::<GrantRole>::new();
    announce(grant);
    let revoke = ServerAction::<RevokeGrant>::new();
    announce(revoke);
    Effect::new(move |_| {
        if matches!(revoke.value().get(), Some(Ok(())))
            || matches!(grant.value().get(), Some(Ok(_)))
        {
            changes.update(|n| *n += 1);
        }
    });
    let grants = Resource::new(
        move || (grantee.get(), as_of.get(), changes.get()),
        |(grantee, as_of, _)| list_grants(None, Some(grantee), as_of),
    );
    let editable = move || as_of.get().is_none() && may_write();
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                grants.await.map(|grants| view! {
                    {grants.is_empty().then(|| view! { <p class="empty">"No role is granted here."</p> })}
                    <table class="data-table" aria-label="Granted roles">
                        <thead><tr>
                            <th>"Role"</th><th>"System"</th><th>"Scope"</th><th>"Start"</th><th>"End"</th><th></th>
                        </tr></thead>
                        <tbody>
                            {grants.into_iter().map(|g| {
                                let role_name = g.role_name.clone();
                                view! {
                                    <tr>
                                        <td>{g.role_name.clone()}</td>
                                        <td>{g.system_name}</td>
                                        <td>{g.scope}</td>
                                        <td><MaybeWhen at=g.start_date/></td>
                                        <td><MaybeWhen at=g.end_date/></td>
                                        <td>
                                            {match g.rule {
                                                // A rule's grant follows the rule: it names the rule instead.
                                                Some(rule) => view! { <span class="hint">{format!("Managed by rule {rule}")}</span> }.into_any(),
                                                None => editable().then(|| view! {
                                                    <ConfirmedButton label="Revoke" title=format!("Revoke {role_name}")
                                                        on_confirm=Callback::new(move |_| { revoke.dispatch(RevokeGrant { id: g.id.0 }); })/>
                                                }).into_any(),
                                            }}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            })}
        </Transition>
        <FormError result=revoke.value().into()/>
        {move || match (grantee.get(), as_of.get()) {
            (crate::model::Grantee::User(user), None) => Some(view! { <UserSodWarnings user changes/> }),
            _ => None,
        }}
        {move || editable().then(|| view! { <GrantRoleForm grantee heading grant/> })}
    }
}

/// Grants a role (with scope and dates) to a user, a group or an account; the caller's
/// action reloads.
#[component]
pub fn GrantRoleForm(
    #[prop(into)] grantee: Signal<crate::model::Grantee>,
    heading: &'static str,
    grant: ServerAction<crate::api::directory::GrantRole>,
) -> impl IntoView {
    let role = RwSignal::new(String::new());
    let scope = RwSignal::new(String::new());
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let grant_said = Announce::here();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        grant_said.expect("Role granted.");
        grant.dispatch(crate::api::directory::GrantRole {
            input: crate::model::GrantInput {
                role: crate::model::RoleId(role.get_untracked().parse().unwrap_or(0)),
                grantee: grantee.get_untracked(),
                scope: scope.get_untracked(),
                start_date: parse_date(&start.get_untracked()),
                end_date: parse_date(&end.get_untracked()),
            },
        });
    };
    view! {
        <form on:submit=submit class="panel">
            <h3>{heading}</h3>
            <div class="form-grid">
                <RoleField value=role/>
                <label>"Scope" <input type="text" bind:value=scope/></label>
                <label>"Start date" <input type="date" bind:value=start/></label>
                <label>"End date" <input type="date" bind:value=end/></label>
            </div>
            <SodGrantWarning grantee role/>
            <FormError result=grant.value().into()/>
            <button type="submit" class="primary">"Grant role"</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_from_inputs_and_urls_are_utc() {
        let at = parse_instant("2026-03-01T09:30").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-03-01T09:30:00+00:00");
        assert_eq!(instant_param(at), "2026-03-01T09:30");
        let with_seconds = parse_instant("2026-03-01T09:30:15").unwrap();
        assert_eq!(instant_param(with_seconds), "2026-03-01T09:30:15");
        assert_eq!(
            parse_instant("2026-03-01").unwrap().to_rfc3339(),
            "2026-03-01T00:00:00+00:00"
        );
        assert!(parse_instant("yesterday").is_none());
    }
}

/// Sensitive actions answer `PasswordConfirmationRequired` when the operator's password was
/// entered too long ago; this asks for it again (`confirm_password`), then the operator retries.
/// An operator linked to the identity provider may confirm there instead: the link signs them
/// in again at the provider and brings them back to this page, confirmed.
#[component]
pub fn ConfirmPasswordPrompt(#[prop(into)] needed: Signal<bool>) -> impl IntoView {
    let confirm = ServerAction::<crate::api::auth::ConfirmPassword>::new();
    let password = RwSignal::new(String::new());
    let operator = use_context::<crate::model::Operator>();
    let through_provider = operator.as_ref().is_some_and(|o| o.identity_provider);
    let with_password = operator.as_ref().is_none_or(|o| o.local_password);
    let location = leptos_router::hooks::use_location();
    let provider_href = move || {
        let search: Vec<String> = location
            .search
            .get()
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.starts_with("oidc_error="))
            .map(str::to_string)
            .collect();
        let here = if search.is_empty() {
            location.pathname.get()
        } else {
            format!("{}?{}", location.pathname.get(), search.join("&"))
        };
        format!(
            "/auth/oidc/start?purpose=confirm&return_to={}",
            urlencode(&here)
        )
    };
    // A new refusal asks afresh, even if the password was confirmed before.
    Effect::new(move |_| {
        if needed.get() {
            confirm.value().set(None);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        confirm.dispatch(crate::api::auth::ConfirmPassword {
            password: password.get_untracked(),
        });
        password.set(String::new());
    };
    view! {
        <Show when=move || needed.get()>
            {move || match confirm.value().get() {
                Some(Ok(())) => view! {
                    <p class="form-ok-inline" role="status">"Password confirmed. Try again now."</p>
                }.into_any(),
                result => view! {
                    <div class="confirm-identity">
                        {through_provider.then(|| view! {
                            <p>
                                "This action needs you to sign in again. "
                                <a class="button" href=provider_href rel="external">
                                    "Confirm with your identity provider"
                                </a>
                            </p>
                        })}
                        {with_password.then(|| view! {
                            <form class="confirm-password" on:submit=submit aria-label="Confirm your password">
                                <label>
                                    "Your password"
                                    <input
                                        type="password"
                                        name="password"
                                        autocomplete="current-password"
                                        required
                                        prop:value=move || password.get()
                                        on:input=move |ev| password.set(event_target_value(&ev))
                                    />
                                </label>
                                <button type="submit">"Confirm password"</button>
                                {result.and_then(|r| r.err()).map(|error| view! {
                                    <p class="form-error" role="alert">{error.to_string()}</p>
                                })}
                            </form>
                        })}
                    </div>
                }.into_any(),
            }}
        </Show>
    }
}

/// Says why a confirmation through the identity provider came back unconfirmed
/// (`?oidc_error=…` on the page it returned to).
#[component]
pub fn OidcRefusalNotice() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    move || {
        query
            .read()
            .get(crate::model::OIDC_ERROR_PARAM)
            .and_then(|code| crate::model::OidcRefusal::parse(&code))
            .map(|refusal| view! {
                <p class="form-error" role="alert" data-testid="oidc-error">{refusal.message()}</p>
            })
    }
}

/// Whether a result is a refusal for want of a recently entered password.
pub fn needs_password<T>(result: Option<Result<T, AppError>>) -> bool {
    matches!(result, Some(Err(AppError::PasswordConfirmationRequired)))
}

/// "3 days ago", "in 5 hours", "just now": how far `at` is from `now`, in the largest whole
/// unit (minutes up to an hour, hours up to two days, then days, months and years).
pub fn relative_time(
    at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let seconds = (now - at).num_seconds();
    let (past, seconds) = (seconds >= 0, seconds.unsigned_abs());
    if seconds < 60 {
        return "just now".into();
    }
    let (count, unit) = match seconds {
        s if s < 3_600 => (s / 60, "minute"),
        s if s < 2 * 86_400 => (s / 3_600, "hour"),
        s if s < 60 * 86_400 => (s / 86_400, "day"),
        s if s < 730 * 86_400 => (s / (30 * 86_400), "month"),
        s => (s / (365 * 86_400), "year"),
    };
    let plural = if count == 1 { "" } else { "s" };
    if past {
        format!("{count} {unit}{plural} ago")
    } else {
        format!("in {count} {unit}{plural}")
    }
}

/// How long ago (or how soon) `at` is, counted in the browser; the exact local time on
/// hover. The server renders the UTC time, replaced once the page is live.
#[component]
pub fn Ago(at: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let utc = format_time(at);
    let shown = RwSignal::new(utc.clone());
    let title = RwSignal::new(utc);
    Effect::new(move |_| {
        shown.set(relative_time(at, chrono::Utc::now()));
        title.set(local_time(at));
    });
    view! {
        <time datetime=at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) title=move || title.get()>
            {move || shown.get()}
        </time>
    }
}

#[cfg(test)]
mod relative_time_tests {
    use super::relative_time;
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn relative_time_names_the_largest_whole_unit_both_ways() {
        let now = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
        let cases = [
            (Duration::seconds(20), "just now"),
            (Duration::minutes(1), "1 minute ago"),
            (Duration::minutes(59), "59 minutes ago"),
            (Duration::hours(5), "5 hours ago"),
            (Duration::hours(47), "47 hours ago"),
            (Duration::days(3), "3 days ago"),
            (Duration::days(90), "3 months ago"),
            (Duration::days(800), "2 years ago"),
        ];
        for (before, expected) in cases {
            assert_eq!(relative_time(now - before, now), expected);
        }
        assert_eq!(relative_time(now + Duration::hours(5), now), "in 5 hours");
        assert_eq!(relative_time(now + Duration::days(1), now), "in 24 hours");
    }
}

#[cfg(test)]
mod shift_slot_tests {
    use super::shift_slot;

    #[test]
    fn shift_slot_moves_the_day_across_midnight_both_ways() {
        // 21:30 on Monday in New York (UTC-5) is 02:30 on Tuesday UTC, and back.
        assert_eq!(shift_slot(0, 21 * 60 + 30, 5 * 60), (1, 2 * 60 + 30));
        assert_eq!(shift_slot(1, 2 * 60 + 30, -5 * 60), (0, 21 * 60 + 30));
        // 00:30 on Monday in Paris (UTC+1) is 23:30 on Sunday UTC; the week wraps.
        assert_eq!(shift_slot(0, 30, -60), (6, 23 * 60 + 30));
        assert_eq!(shift_slot(6, 23 * 60 + 30, 60), (0, 30));
        assert_eq!(shift_slot(3, 12 * 60, 0), (3, 12 * 60));
    }
}
