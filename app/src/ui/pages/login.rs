use crate::api::auth::{get_session, oidc_provider, Login};
use crate::model::{OidcRefusal, SessionState, OIDC_ERROR_PARAM};
use crate::ui::components::FormError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = Resource::new(|| (), |_| get_session());
    let provider = Resource::new(|| (), |_| oidc_provider());
    let login = ServerAction::<Login>::new();
    // A sign-in through the identity provider that was refused comes back with a code only.
    let query = use_query_map();
    let refused = move || {
        query
            .read()
            .get(OIDC_ERROR_PARAM)
            .and_then(|code| OidcRefusal::parse(&code))
    };
    view! {
        <Title text="Sign in"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(SessionState::NeedsSetup) => view! { <Redirect path="/setup"/> }.into_any(),
                    Ok(SessionState::SignedIn(_)) => view! { <Redirect path="/"/> }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Suspense>
        <main class="auth-page">
            <section class="auth-card">
                <h1>"Sign in to Rewind"</h1>
                {move || refused().map(|refusal| view! {
                    <p class="form-error" role="alert" data-testid="oidc-error">{refusal.message()}</p>
                })}
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        provider.await.ok().flatten().map(|name| view! {
                            <p class="sso-sign-in">
                                // A plain link (rel="external": not the router's): the server
                                // sends the browser on to the provider.
                                <a class="button primary" href="/auth/oidc/start" rel="external">
                                    {format!("Sign in with {name}")}
                                </a>
                            </p>
                            <p class="sso-or">"or with your Rewind password:"</p>
                        })
                    })}
                </Suspense>
                <ActionForm action=login>
                    <label>
                        "User name"
                        <input type="text" name="username" autocomplete="username" required/>
                    </label>
                    <label>
                        "Password"
                        <input type="password" name="password" autocomplete="current-password" required/>
                    </label>
                    <FormError result=login.value().into()/>
                    <button type="submit" class="primary" disabled=move || login.pending().get()>
                        "Sign in"
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
