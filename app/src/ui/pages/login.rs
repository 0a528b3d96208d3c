use crate::api::auth::{get_session, Login};
use crate::model::SessionState;
use crate::ui::components::FormError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = Resource::new(|| (), |_| get_session());
    let login = ServerAction::<Login>::new();
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
