//! `/api-reference`: the REST API as the server's OpenAPI document describes it — every
//! operation, its parameters and its answers — with how to call it.
use crate::api::tokens::get_api_reference;
use crate::model::{ApiOperation, Permission};
use crate::ui::components::{loaded, permitted};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let operations = Resource::new(|| (), |_| get_api_reference());
    let may_make_tokens = permitted(Permission::TokensManage);
    view! {
        <Title text="API reference"/>
        <h1>"API reference"</h1>
        <p class="hint">
            "Scripts and other systems call "<code>"/api/v1"</code>" with "
            <code>"Authorization: Bearer <token>"</code>
            {may_make_tokens.then(|| view! { " (an "<a href="/api-tokens">"API token"</a>")" })}
            ". Answers are JSON; errors are "<code>"{\"error\": {\"status\", \"code\", \"message\"}}"</code>
            "; instants are RFC 3339 in UTC. The whole description, for tools that read OpenAPI 3.1, is "
            <a href="/api/openapi.json" rel="external">"/api/openapi.json"</a>"."
        </p>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move { operations.await.map(operation_list) })}
        </Transition>
    }
}

fn operation_list(operations: Vec<ApiOperation>) -> AnyView {
    if operations.is_empty() {
        return view! { <p class="empty">"The server describes no operation."</p> }.into_any();
    }
    operations
        .into_iter()
        .map(|op| {
            let title = format!("{} {}", op.method, op.path);
            let label = title.clone();
            let example = format!(
                "curl -H \"Authorization: Bearer $TOKEN\" \"$REWIND{}\"",
                op.path
            );
            view! {
                <section class="panel" aria-label=label>
                    <h2><code>{title}</code></h2>
                    <p>{op.summary}</p>
                    {(!op.description.is_empty()).then(|| view! { <p>{op.description}</p> })}
                    {(!op.parameters.is_empty()).then(|| view! {
                        <table class="data-table" aria-label="Parameters">
                            <thead><tr><th>"Parameter"</th><th>"In"</th><th>"Required"</th><th>"Meaning"</th></tr></thead>
                            <tbody>
                                {op.parameters.into_iter().map(|p| view! {
                                    <tr>
                                        <td><code>{p.name}</code></td>
                                        <td>{p.location}</td>
                                        <td>{if p.required { "yes" } else { "no" }}</td>
                                        <td>{p.description}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })}
                    <table class="data-table" aria-label="Answers">
                        <thead><tr><th>"Status"</th><th>"Meaning"</th></tr></thead>
                        <tbody>
                            {op.responses.into_iter().map(|r| view! {
                                <tr><td>{r.status}</td><td>{r.description}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <pre class="example"><code>{example}</code></pre>
                </section>
            }
        })
        .collect_view()
        .into_any()
}
