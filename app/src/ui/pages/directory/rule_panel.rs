//! A role assignment rule's page (`Rule::AssignsRoles`): "Preview changes" lists the grants
//! applying it would make and revoke; "Apply now" runs it over every user in the background,
//! with a progress bar and Cancel.
use crate::api::governance::{preview_role_rule, role_rule_run, ApplyRoleRule, CancelRoleRuleRun};
use crate::error::AppError;
use crate::model::{RulePreview, RuleRun, RuleRunState};
use crate::ui::components::{announce, Announce, ErrorNotice, FormError};
use leptos::prelude::*;
use leptos_router::components::A;

/// How often a running "Apply now" is asked how far it got.
const POLL: std::time::Duration = std::time::Duration::from_millis(700);

/// "Preview changes" of the page's rule: asked by the button or by a restore, and kept by
/// the page so it survives the page's reload after a restore.
#[derive(Clone, Copy)]
pub(super) struct RulePreviewRequest {
    asked: RwSignal<u32>,
    result: LocalResource<Option<Result<RulePreview, AppError>>>,
}

impl RulePreviewRequest {
    pub(super) fn new(rule: Memo<i64>) -> Self {
        let asked = RwSignal::new(0_u32);
        let result = LocalResource::new(move || {
            let asked = asked.get();
            let rule = rule.get();
            async move {
                match asked {
                    0 => None,
                    _ => Some(preview_role_rule(rule).await),
                }
            }
        });
        Self { asked, result }
    }

    pub(super) fn ask(self) {
        self.asked.update(|n| *n += 1);
    }

    /// The preview once asked for and loaded (never on the server).
    fn shown(self) -> Option<Result<RulePreview, AppError>> {
        if cfg!(feature = "ssr") {
            return None;
        }
        self.result.get().flatten()
    }
}

#[component]
pub(super) fn RuleApplyPanel(
    rule: i64,
    name: String,
    editable: bool,
    preview: RulePreviewRequest,
) -> AnyView {
    let apply = ServerAction::<ApplyRoleRule>::new();
    let cancel = ServerAction::<CancelRoleRuleRun>::new();
    announce(apply);
    announce(cancel);
    let said = Announce::here();
    // The latest run, read in the browser and again while it runs.
    let run = RwSignal::new(None::<RuleRun>);
    let tick = RwSignal::new(0_u32);
    // One poll at a time, however often Apply now or Cancel is clicked.
    let polling = StoredValue::new(false);
    Effect::new(move |_| {
        tick.track();
        leptos::task::spawn_local(async move {
            // The page may have moved on meanwhile: everything here tolerates a disposed panel.
            if let Ok(latest) = role_rule_run(rule).await {
                let running = latest.as_ref().is_some_and(RuleRun::running);
                if run.try_set(latest).is_some() {
                    return;
                }
                if running && polling.try_get_value() == Some(false) {
                    polling.try_set_value(true);
                    set_timeout(
                        move || {
                            polling.try_set_value(false);
                            tick.try_update(|n| *n += 1);
                        },
                        POLL,
                    );
                }
            }
        });
    });
    Effect::new(move |_| {
        if matches!(apply.value().get(), Some(Ok(_))) || matches!(cancel.value().get(), Some(Ok(_)))
        {
            tick.update(|n| *n += 1);
        }
    });
    let running = move || run.with(|r| r.as_ref().is_some_and(RuleRun::running));
    let name = StoredValue::new(name);
    let start = move |_| {
        said.expect(format!(
            "Applying the rule {} to every user.",
            name.get_value()
        ));
        apply.dispatch(ApplyRoleRule { rule });
    };
    let stop = move |_| {
        said.expect(format!(
            "Asked the rule {} to stop after the users in progress.",
            name.get_value()
        ));
        cancel.dispatch(CancelRoleRuleRun { rule });
    };
    view! {
        <section class="panel" aria-label="Apply the rule">
            <h2>"Apply the rule"</h2>
            <p class="hint">
                "Saving a rule changes no one: it applies when a user changes, or to everyone with “Apply now”."
            </p>
            <div class="toolbar">
                <button type="button" on:click=move |_| preview.ask()>
                    "Preview changes"
                </button>
                {editable.then(|| view! {
                    <button type="button" class="primary" disabled=running on:click=start>"Apply now"</button>
                    <Show when=running>
                        <button type="button" class="danger" on:click=stop>"Cancel"</button>
                    </Show>
                })}
            </div>
            <FormError result=apply.value().into()/>
            <FormError result=cancel.value().into()/>
            {move || run.get().map(|r| view! { <RunProgress run=r/> })}
            // Browser-only: a local resource read on the server gives up the page's Suspense.
            {move || preview.shown().map(|found| match found {
                Ok(p) => view! { <PreviewTable preview=p/> }.into_any(),
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
            })}
        </section>
    }
    .into_any()
}

#[component]
fn RunProgress(run: RuleRun) -> AnyView {
    let state = match &run.state {
        RuleRunState::Running => "Applying…".to_string(),
        RuleRunState::Cancelling => "Stopping after the users in progress…".to_string(),
        RuleRunState::Finished => "Applied.".to_string(),
        RuleRunState::Cancelled => {
            "Cancelled; the users evaluated so far keep their changes.".into()
        }
        RuleRunState::Failed(why) => format!("Failed: {why}"),
    };
    view! {
        <div role="status" aria-label="Apply now progress">
            <progress max=run.total.max(1) value=run.done aria-label="Users evaluated"></progress>
            <p>{state} " " {run.summary()} {format!(" (started by {})", run.started_by)}</p>
        </div>
    }
    .into_any()
}

#[component]
fn PreviewTable(preview: RulePreview) -> AnyView {
    let more = preview.grants + preview.revokes + preview.withheld - preview.lines.len() as i64;
    view! {
        <p role="status">
            {format!(
                "The condition selects {} users now. Applying the rule would make {} grants and revoke {}.",
                preview.selected_users, preview.grants, preview.revokes
            )}
        </p>
        {(preview.withheld > 0).then(|| view! {
            <p class="warning">{format!(
                "{} grants are withheld: segregation of duties forbids them.",
                preview.withheld
            )}</p>
        })}
        {(!preview.lines.is_empty()).then(|| view! {
            <table class="data-table" aria-label="Changes">
                <thead><tr><th>"User"</th><th>"Change"</th><th>"Role"</th><th>"Scope"</th></tr></thead>
                <tbody>
                    {preview.lines.into_iter().map(|line| view! {
                        <tr>
                            <td><A href=format!("/users/{}", line.user.0)>{line.user_name}</A></td>
                            <td>{match (&line.withheld_by, line.grant) {
                                (Some(sod), _) => format!("withheld: forbidden by {sod}"),
                                (None, true) => "grant".to_string(),
                                (None, false) => "revoke".to_string(),
                            }}</td>
                            <td>{line.role}</td>
                            <td>{line.scope}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        {(more > 0).then(|| view! { <p class="hint">{format!("…and {more} more.")}</p> })}
    }
    .into_any()
}
