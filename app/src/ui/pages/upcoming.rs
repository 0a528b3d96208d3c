use leptos::prelude::*;
use leptos_meta::Title;

/// A console area whose screens are not built yet.
#[component]
pub fn Upcoming(title: &'static str) -> impl IntoView {
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <p class="hint">"This area is not available yet."</p>
    }
}
