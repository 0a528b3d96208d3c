//! Assigning a printer's queue to users and groups, on the printer's page (the current
//! assignments are listed there as its dependents).
use crate::api::printers::{printer_assignments, AssignPrinter, UnassignPrinter};
use crate::model::AssigneeKind;
use crate::ui::components::{announce, browser_choices, Announce, FormError};
use leptos::prelude::*;

/// The assign and unassign actions: the page reloads its dependents when either runs.
#[derive(Clone, Copy)]
pub(super) struct AssignmentActions {
    assign: ServerAction<AssignPrinter>,
    unassign: ServerAction<UnassignPrinter>,
}

impl AssignmentActions {
    /// Created with the page (both announce what they did).
    pub(super) fn new() -> Self {
        let actions = Self {
            assign: ServerAction::new(),
            unassign: ServerAction::new(),
        };
        announce(actions.assign);
        announce(actions.unassign);
        actions
    }

    /// Changes whenever an assignment was made or ended.
    pub(super) fn version(self) -> usize {
        self.assign.version().get() + self.unassign.version().get()
    }
}

#[component]
pub(super) fn PrinterAssignPanel(
    actions: AssignmentActions,
    printer: i64,
    name: String,
) -> AnyView {
    let assignee_kind = RwSignal::new(AssigneeKind::User.as_str().to_string());
    let assignee = RwSignal::new(String::new());
    let chosen = RwSignal::new(String::new());
    let current = LocalResource::new(move || {
        actions.version();
        printer_assignments(printer)
    });
    let said = Announce::here();
    let assign = {
        let name = name.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let kind =
                AssigneeKind::parse(&assignee_kind.get_untracked()).unwrap_or(AssigneeKind::User);
            let who = assignee.get_untracked();
            said.expect(format!(
                "Assigned printer {name} to {} {}.",
                kind.label().to_lowercase(),
                who.trim()
            ));
            actions.assign.dispatch(AssignPrinter {
                printer,
                kind,
                name: who,
            });
        }
    };
    let unassign = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(assignment) = chosen.get_untracked().parse::<i64>() else {
            return;
        };
        said.expect(format!("Unassigned printer {name}."));
        actions.unassign.dispatch(UnassignPrinter { assignment });
        chosen.set(String::new());
    };
    view! {
        <section class="panel" aria-label="Assign this printer">
            <h2>"Assign this printer"</h2>
            <form class="inline" on:submit=assign>
                <label>"To"
                    <select bind:value=assignee_kind>
                        {AssigneeKind::ALL.map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"User or group name"
                    <input type="text" required bind:value=assignee/>
                </label>
                <button type="submit">"Assign"</button>
            </form>
            <FormError result=actions.assign.value().into()/>
            <form class="inline" on:submit=unassign>
                <label>"Current assignment"
                    <select required bind:value=chosen>
                        <option value="">"Choose…"</option>
                        {browser_choices(current, |list| list.into_iter().map(|a| view! {
                            <option value=a.id.to_string()>{a.title()}</option>
                        }).collect_view())}
                    </select>
                </label>
                <button type="submit">"Unassign"</button>
            </form>
            <FormError result=actions.unassign.value().into()/>
        </section>
    }
    .into_any()
}
