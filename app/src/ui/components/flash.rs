//! The console's word on the last action ("Saved user ann.smith", "Revoked CRM Reader"): said
//! in a live region of the frame, so it outlasts the page re-rendering after a save.
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// How long a message stays before it goes by itself.
const SHOWN_FOR: std::time::Duration = std::time::Duration::from_secs(10);

/// What the next success will say, and what is said now (with a serial, so the timer of an
/// older message does not clear a newer one).
#[derive(Clone, Copy)]
pub struct Flash {
    pending: RwSignal<Option<String>>,
    shown: RwSignal<Option<(u64, String)>>,
}

impl Flash {
    pub fn new() -> Self {
        Self {
            pending: RwSignal::new(None),
            shown: RwSignal::new(None),
        }
    }

    /// Says `text` now.
    pub fn say(self, text: String) {
        let serial = self.shown.get_untracked().map_or(1, |(n, _)| n + 1);
        self.shown.set(Some((serial, text)));
        set_timeout(
            move || {
                if self.shown.get_untracked().is_some_and(|(n, _)| n == serial) {
                    self.shown.set(None);
                }
            },
            SHOWN_FOR,
        );
    }
}

impl Default for Flash {
    fn default() -> Self {
        Self::new()
    }
}

/// The frame's `Flash`, looked up while a component is set up (event handlers run outside
/// the component's context).
#[derive(Clone, Copy)]
pub struct Announce(Option<Flash>);

impl Announce {
    pub fn here() -> Self {
        Self(use_context::<Flash>())
    }

    /// Before dispatching an action watched by `announce`: what to say when it succeeds.
    pub fn expect(self, text: impl Into<String>) {
        if let Some(flash) = self.0 {
            flash.pending.set(Some(text.into()));
        }
    }
}

/// Watches `action`: on success says what `Announce::expect` set before it was dispatched;
/// a failure forgets it (the form shows the error).
pub fn announce<A>(action: ServerAction<A>) -> Announce
where
    A: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    A::Output: Clone + Send + Sync + 'static,
{
    let here = Announce::here();
    let Some(flash) = here.0 else {
        return here;
    };
    Effect::new(move |_| match action.value().get() {
        Some(Ok(_)) => {
            if let Some(text) = flash.pending.get_untracked() {
                flash.pending.set(None);
                flash.say(text);
            }
        }
        Some(Err(_)) => flash.pending.set(None),
        None => {}
    });
    here
}

/// The frame's live region: present from the start (so screen readers announce what appears
/// in it), visible only while there is something to say.
#[component]
pub fn FlashArea(flash: Flash) -> impl IntoView {
    view! {
        <div class="flash" aria-live="polite" data-testid="flash">
            {move || flash.shown.get().map(|(_, text)| view! {
                <p class="flash-message">
                    <span>{text}</span>
                    <button type="button" class="link-button" on:click=move |_| flash.shown.set(None)>
                        "Dismiss"
                    </button>
                </p>
            })}
        </div>
    }
}

/// "Revoked CRM Reader" from the button "Revoke" titled "Revoke CRM Reader".
pub fn done_text(label: &str, title: &str) -> String {
    let past = match label {
        "Revoke" => "Revoked",
        "Remove" => "Removed",
        "Delete" => "Deleted",
        other => return format!("{other}: done"),
    };
    match title.strip_prefix(label) {
        Some(rest) => format!("{past}{rest}"),
        None => format!("{past}: {title}"),
    }
}

#[cfg(test)]
mod tests {
    use super::done_text;

    #[test]
    fn done_text_puts_the_button_in_the_past_tense() {
        assert_eq!(
            done_text("Revoke", "Revoke CRM Reader"),
            "Revoked CRM Reader"
        );
        assert_eq!(
            done_text("Remove", "Remove from Bk Sales"),
            "Removed from Bk Sales"
        );
        assert_eq!(done_text("Remove", "Take ann off"), "Removed: Take ann off");
        assert_eq!(done_text("Archive", "Archive x"), "Archive: done");
    }
}
