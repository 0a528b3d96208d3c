//! The segregation of duties report (`/sod-rules/report`): every user holding roles a rule
//! names together, with the risk, as of now; downloadable as CSV.
use crate::api::governance::sod_violations;
use crate::model::kinds::SOD_RULES;
use crate::model::SodRisk;
use crate::ui::components::ErrorNotice;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn SodReportPage() -> impl IntoView {
    let found = Resource::new(|| (), |_| sod_violations(None));
    view! {
        <Title text="Segregation of duties report"/>
        <h1>"Segregation of duties report"</h1>
        <p class="hint">
            "Users who hold, directly or through an account they own, roles a "
            <A href=SOD_RULES.list_path()>"segregation of duties rule"</A>
            " names together."
        </p>
        <div class="toolbar">
            <a class="button" download="" href="/files/sod-violations.csv">"Download CSV"</a>
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(found) if found.is_empty() => view! {
                        <p class="empty">"No user holds roles that a rule names together."</p>
                    }.into_any(),
                    Ok(found) => view! {
                        <table class="data-table" aria-label="Current violations">
                            <thead><tr><th>"User"</th><th>"Rule"</th><th>"Risk"</th><th>"Roles"</th></tr></thead>
                            <tbody>
                                {found.into_iter().map(|v| view! {
                                    <tr class=(v.risk == SodRisk::Forbidden).then_some("danger")>
                                        <td><A href=format!("/users/{}/roles", v.user.0)>{v.user_name}</A></td>
                                        <td><A href=SOD_RULES.detail_path(v.rule)>{v.rule_name}</A></td>
                                        <td>{v.risk.as_str()}</td>
                                        <td>{v.roles.join(", ")}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error/> }.into_any(),
                }
            })}
        </Transition>
    }
}
