//! The signed-in operator's own sign-in: linking their operator account to an account at the
//! identity provider (OpenID Connect), or removing that link.
use crate::api::auth::{oidc_provider, ConfirmPassword, UnlinkIdentity};
use crate::model::{Operator, OperatorRole};
use crate::ui::components::FormError;
use leptos::prelude::*;
use leptos_meta::Title;

/// Where linking starts: the server checks the freshly entered password, then sends the browser
/// to the provider, and the provider back here.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const LINK_START: &str = "/auth/oidc/start?purpose=link&return_to=/profile";

#[component]
pub fn ProfilePage() -> impl IntoView {
    let operator = use_context::<Operator>();
    let provider = Resource::new(|| (), |_| oidc_provider());
    view! {
        <Title text="Your sign-in"/>
        <h1>"Your sign-in"</h1>
        {operator.map(|operator| view! {
            <p class="hint">
                {format!("Signed in as {} ({}).", operator.username, operator.role.label())}
            </p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || {
                    let operator = operator.clone();
                    Suspend::new(async move {
                        match provider.await.ok().flatten() {
                            Some(name) => view! { <ProviderLink operator name/> }.into_any(),
                            None => view! {
                                <p>"Sign-in through an identity provider is not set up."</p>
                            }.into_any(),
                        }
                    })
                }}
            </Suspense>
        })}
    }
}

#[component]
fn ProviderLink(operator: Operator, name: String) -> impl IntoView {
    let linked = RwSignal::new(operator.identity_provider);
    let confirm = ServerAction::<ConfirmPassword>::new();
    let unlink = ServerAction::<UnlinkIdentity>::new();
    let password = RwSignal::new(String::new());
    // Once the password is confirmed, on to the provider (a full navigation, not the router's).
    Effect::new(move |_| {
        if matches!(confirm.value().get(), Some(Ok(()))) {
            #[cfg(feature = "hydrate")]
            let _ = window().location().set_href(LINK_START);
        }
    });
    Effect::new(move |_| {
        if matches!(unlink.value().get(), Some(Ok(_))) {
            linked.set(false);
        }
    });
    let owner_note = (operator.role == OperatorRole::Owner).then(|| view! {
        <p class="hint">
            "As the Owner you sign in through the identity provider only while it puts you in a \
             group that maps to Owner; your password always keeps working."
        </p>
    });
    let link_label = format!("Link with {name}");
    let unlink_label = format!("Unlink from {name}");
    let linked_text = format!("Your operator account is linked to an account at {name}.");
    let local_password = operator.local_password;
    let take_password = move || {
        let value = password.get_untracked();
        password.set(String::new());
        value
    };
    let link_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        confirm.dispatch(ConfirmPassword {
            password: take_password(),
        });
    };
    let unlink_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        unlink.dispatch(UnlinkIdentity {
            password: take_password(),
        });
    };
    let password_field = move || {
        view! {
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
        }
    };
    view! {
        <section class="panel" data-testid="provider-link">
            <h2>{format!("Sign in with {name}")}</h2>
            {owner_note}
            {move || if linked.get() {
                view! {
                    <p data-testid="link-status">{linked_text.clone()}</p>
                    {if local_password {
                        view! {
                            <form on:submit=unlink_submit aria-label="Unlink">
                                {password_field()}
                                <button type="submit">{unlink_label.clone()}</button>
                                <FormError result=unlink.value().into()/>
                            </form>
                        }.into_any()
                    } else {
                        view! {
                            <p class="hint">
                                "You have no password of your own, so this link is how you sign in."
                            </p>
                        }.into_any()
                    }}
                }.into_any()
            } else {
                view! {
                    <p data-testid="link-status">
                        {format!(
                            "Not linked. Link your operator account to your account at {name} to \
                             sign in with it; enter your password to start."
                        )}
                    </p>
                    {matches!(unlink.value().get(), Some(Ok(_))).then(|| view! {
                        <p class="form-ok-inline" role="status">"Unlinked."</p>
                    })}
                    <form on:submit=link_submit aria-label="Link">
                        {password_field()}
                        <button type="submit" class="primary">{link_label.clone()}</button>
                        <FormError result=confirm.value().into()/>
                    </form>
                }.into_any()
            }}
        </section>
    }
}
