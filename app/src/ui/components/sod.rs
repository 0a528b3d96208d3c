//! Segregation of duties warnings: the risks a user's roles carry (on their roles tab) and
//! those a grant about to be made would bring (in the grant form). Read in the browser: the
//! forms they sit in are themselves loaded content.
use super::browser_choices;
use crate::api::governance::{role_sod_violations, sod_check_grant, sod_violations};
use crate::model::{Grantee, RoleId, SodRisk, SodViolation, UserId};
use leptos::prelude::*;

/// The warnings of `found`, each line written by `line`.
fn warning_list(
    found: Vec<SodViolation>,
    intro: &'static str,
    line: fn(&SodViolation) -> String,
) -> AnyView {
    if found.is_empty() {
        return ().into_any();
    }
    let forbidden = found.iter().any(|v| v.risk == SodRisk::Forbidden);
    view! {
        <div class="warning" role=if forbidden { "alert" } else { "status" } aria-label="Segregation of duties">
            <p>{intro}</p>
            <ul>{found.iter().map(|v| view! { <li>{line(v)}</li> }).collect_view()}</ul>
        </div>
    }
    .into_any()
}

/// The segregation of duties risks of a user's current roles; `changes` reloads them.
#[component]
pub fn UserSodWarnings(user: UserId, changes: RwSignal<u64>) -> impl IntoView {
    let found = LocalResource::new(move || {
        changes.track();
        sod_violations(Some(user))
    });
    browser_choices(found, |found| {
        warning_list(
            found,
            "Segregation of duties: this user holds roles that carry a risk together.",
            SodViolation::text,
        )
    })
}

/// What granting the chosen role (`role`: its id as text) would risk, before it is granted.
#[component]
pub fn SodGrantWarning(
    #[prop(into)] grantee: Signal<Grantee>,
    role: RwSignal<String>,
) -> impl IntoView {
    let found = LocalResource::new(move || {
        let grantee = grantee.get();
        let role = role.get().parse::<i64>().ok();
        async move {
            match role {
                Some(role) => sod_check_grant(grantee, RoleId(role)).await,
                None => Ok(Vec::new()),
            }
        }
    });
    browser_choices(found, |found| {
        warning_list(
            found,
            "Segregation of duties: granting this role would mean",
            SodViolation::text,
        )
    })
}

/// The users whose roles, this one among them, carry a segregation of duties risk.
#[component]
pub fn RoleSodWarnings(role: RoleId) -> impl IntoView {
    let found = LocalResource::new(move || role_sod_violations(role));
    browser_choices(found, |found| {
        warning_list(
            found,
            "Segregation of duties: users holding this role with others a rule names.",
            |v| format!("{}: {}", v.user_name, v.roles.join(", ")),
        )
    })
}
