use crate::api::system_backup::{list_inbox, MarkInboxRead};
use crate::model::InboxMessage;
use crate::ui::components::{loaded, FormError};
use crate::ui::layout::InboxRefresh;
use leptos::prelude::*;
use leptos_meta::Title;

/// The signed-in operator's messages: for the Owner, the codes that approve system restores.
#[component]
pub fn InboxPage() -> impl IntoView {
    let mark = ServerAction::<MarkInboxRead>::new();
    let messages = Resource::new(move || mark.version().get(), |_| list_inbox());
    let refresh = use_context::<InboxRefresh>();
    Effect::new(move |_| {
        if let (Some(Ok(())), Some(InboxRefresh(bump))) = (mark.value().get(), refresh) {
            bump.update(|n| *n += 1);
        }
    });
    view! {
        <Title text="Inbox"/>
        <h1>"Inbox"</h1>
        <p class="hint">"Messages for you, such as the one-time codes that approve a system restore."</p>
        <FormError result=mark.value().into()/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                messages.await.map(|list| {
                    if list.is_empty() {
                        view! { <p class="hint">"No messages."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="inbox" aria-label="Messages">
                                {list.into_iter().map(|message| view! { <Message message mark/> }).collect_view()}
                            </ul>
                        }
                        .into_any()
                    }
                })
            })}
        </Transition>
    }
}

#[component]
fn Message(message: InboxMessage, mark: ServerAction<MarkInboxRead>) -> impl IntoView {
    let title_id = format!("message-{}-title", message.id);
    let labelled_by = title_id.clone();
    let at = message.at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let mark_label = format!("Mark “{}” of {at} as read", message.subject);
    let id = message.id;
    view! {
        <li>
            <article class="message" class:unread=!message.read aria-labelledby=labelled_by>
                <header>
                    <h2 id=title_id>{message.subject.clone()}</h2>
                    <time datetime=message.at.to_rfc3339()>{at}</time>
                    {(!message.read).then(|| view! { <span class="role-badge">"Unread"</span> })}
                </header>
                <p class="message-body">{message.body.clone()}</p>
                {(!message.read).then(|| view! {
                    <button
                        type="button"
                        aria-label=mark_label
                        disabled=move || mark.pending().get()
                        on:click=move |_| {
                            mark.dispatch(MarkInboxRead { id });
                        }
                    >
                        "Mark as read"
                    </button>
                })}
            </article>
        </li>
    }
}
