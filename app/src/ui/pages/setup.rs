use crate::api::auth::{get_session, CreateOwner};
use crate::model::{SessionState, MIN_PASSWORD_LEN};
use crate::ui::components::FormError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

/// First run: the only page available until the Owner exists.
#[component]
pub fn SetupPage() -> impl IntoView {
    let session = Resource::new(|| (), |_| get_session());
    let create = ServerAction::<CreateOwner>::new();
    let query = use_query_map();
    let token_from_link = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text="Create the Owner account"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(SessionState::SignedIn(_)) => view! { <Redirect path="/"/> }.into_any(),
                    Ok(SessionState::SignedOut) => view! { <Redirect path="/login"/> }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Suspense>
        <main class="auth-page">
            <section class="auth-card">
                <h1>"Create the Owner account"</h1>
                <p class="hint">
                    "The Owner approves whole-system restores and manages operators. "
                    "The setup token is printed in the server log on first start "
                    "(or create the Owner with "<code>"server create-owner"</code>")."
                </p>
                <ActionForm action=create>
                    <label>
                        "Setup token"
                        <input type="text" name="setup_token" required prop:value=token_from_link autocomplete="off"/>
                    </label>
                    <label>
                        "User name"
                        <input type="text" name="username" required autocomplete="username"/>
                    </label>
                    <label>
                        "Display name"
                        <input type="text" name="display_name" autocomplete="name"/>
                    </label>
                    <label>
                        "Password"
                        <input type="password" name="password" required minlength=MIN_PASSWORD_LEN autocomplete="new-password"/>
                    </label>
                    <label>
                        "Repeat password"
                        <input type="password" name="password_confirm" required autocomplete="new-password"/>
                    </label>
                    <FormError result=create.value().into()/>
                    <button type="submit" class="primary" disabled=move || create.pending().get()>
                        "Create Owner and sign in"
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
