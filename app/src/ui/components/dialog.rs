//! A modal dialog on the native `<dialog>` element: `showModal()` makes the rest of the page
//! inert (focus stays inside) and Escape closes it.
use leptos::prelude::*;

#[component]
pub fn NativeModal(
    /// Shown while true; set back to false when the dialog closes (Escape included).
    open: RwSignal<bool>,
    /// The id of the heading inside that names the dialog.
    labelled_by: &'static str,
    /// While true, Escape does not close the dialog (work is under way).
    #[prop(optional, into)]
    locked: Signal<bool>,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| {
        let wanted = open.get();
        if let Some(dialog) = dialog.get() {
            if wanted && !dialog.open() {
                let _ = dialog.show_modal();
            } else if !wanted && dialog.open() {
                dialog.close();
            }
        }
    });
    view! {
        <dialog
            node_ref=dialog
            class="modal"
            aria-labelledby=labelled_by
            on:keydown=move |ev| {
                if ev.key() == "Escape" && locked.get_untracked() {
                    ev.prevent_default();
                }
            }
            on:close=move |_| open.set(false)
        >
            {children()}
        </dialog>
    }
}
