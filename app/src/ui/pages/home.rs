use crate::api::audit::list_audit;
use crate::model::{Operator, Permission};
use crate::ui::components::loaded;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let operator = expect_context::<Operator>();
    let may_read_audit = operator.role.can(Permission::AuditRead);
    let audit = Resource::new(|| (), move |_| list_audit(20));
    view! {
        <Title text="Overview"/>
        <h1>"Overview"</h1>
        <p>
            "Signed in as " <strong>{operator.username.clone()}</strong> " (" {operator.role.label()} "). "
            "Your permissions: "
            {operator.role.permissions().into_iter().map(|p| p.name()).collect::<Vec<_>>().join(", ")}
        </p>
        {may_read_audit.then(|| view! {
            <h2>"Recent activity"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || loaded(async move {
                    audit.await.map(|entries| view! {
                        <table class="data-table" aria-label="Recent activity">
                            <thead><tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Target"</th><th>"Outcome"</th></tr></thead>
                            <tbody>
                                {entries.into_iter().map(|e| view! {
                                    <tr>
                                        <td>{e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}</td>
                                        <td>{e.operator_name}</td>
                                        <td>{e.action}</td>
                                        <td>{e.target}</td>
                                        <td>{e.outcome}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })
                })}
            </Transition>
        })}
    }
}
