use crate::api::operators::{
    list_operators, AddOperator, ChangeOperatorRole, ResetOperatorPassword, SetOperatorDisabled,
};
use crate::model::{Operator, OperatorRole, Permission, MIN_PASSWORD_LEN};
use crate::ui::components::{
    loaded, needs_password, permitted, ConfirmPasswordPrompt, FormError, NotPermitted,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn OperatorsPage() -> impl IntoView {
    if !permitted(Permission::OperatorsManage) {
        return view! {
            <Title text="Operators"/>
            <h1>"Operators"</h1>
            <NotPermitted what="manage operators"/>
        }
        .into_any();
    }
    let add = ServerAction::<AddOperator>::new();
    let set_disabled = ServerAction::<SetOperatorDisabled>::new();
    let change_role = ServerAction::<ChangeOperatorRole>::new();
    let reset_password = ServerAction::<ResetOperatorPassword>::new();
    let operators = Resource::new(
        move || {
            (
                add.version().get(),
                set_disabled.version().get(),
                change_role.version().get(),
                reset_password.version().get(),
            )
        },
        |_| list_operators(),
    );
    // The row whose password form is open.
    let resetting = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        if matches!(reset_password.value().get(), Some(Ok(()))) {
            resetting.set(None);
        }
    });

    view! {
        <Title text="Operators"/>
        <h1>"Operators"</h1>
        <p class="hint">
            "People who may use this console. They are separate from the identities Rewind "
            "manages, so restoring identity data never changes who can sign in."
        </p>
        <FormError result=set_disabled.value().into()/>
        <FormError result=change_role.value().into()/>
        <FormError result=reset_password.value().into()/>
        <ConfirmPasswordPrompt needed=Signal::derive(move || {
            needs_password(add.value().get())
                || needs_password(set_disabled.value().get())
                || needs_password(change_role.value().get())
                || needs_password(reset_password.value().get())
        })/>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || loaded(async move {
                operators.await.map(|list| view! {
                    <table class="data-table" aria-label="Operators">
                        <thead>
                            <tr>
                                <th>"User name"</th>
                                <th>"Display name"</th>
                                <th>"Role"</th>
                                <th>"Status"</th>
                                <th>"Last sign-in"</th>
                                <th>"Actions"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list.into_iter().map(|operator| view! {
                                <OperatorRow operator set_disabled change_role reset_password resetting/>
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            })}
        </Transition>

        <section class="panel">
            <h2>"Add operator"</h2>
            <ActionForm action=add>
                <div class="form-grid">
                    <label>"User name" <input type="text" name="username" required/></label>
                    <label>"Display name" <input type="text" name="display_name"/></label>
                    <label>
                        "Role"
                        <select name="role">
                            <option value="admin">"Admin"</option>
                            <option value="auditor">"Auditor"</option>
                        </select>
                    </label>
                    <label>
                        "Initial password"
                        <input type="password" name="password" required minlength=MIN_PASSWORD_LEN autocomplete="new-password"/>
                    </label>
                </div>
                <FormError result=add.value().into()/>
                <button type="submit" class="primary">"Add operator"</button>
            </ActionForm>
        </section>
    }
    .into_any()
}

#[component]
fn OperatorRow(
    operator: Operator,
    set_disabled: ServerAction<SetOperatorDisabled>,
    change_role: ServerAction<ChangeOperatorRole>,
    reset_password: ServerAction<ResetOperatorPassword>,
    resetting: RwSignal<Option<i64>>,
) -> impl IntoView {
    let id = operator.id.0;
    let is_owner = operator.role == OperatorRole::Owner;
    let disabled = operator.disabled;
    let name = operator.username.clone();
    let toggle_label = if disabled {
        format!("Enable {name}")
    } else {
        format!("Disable {name}")
    };
    let reset_label = format!("Reset password of {name}");
    view! {
        <tr data-operator=operator.username.clone()>
            <td>{operator.username.clone()}</td>
            <td>{operator.display_name.clone()}</td>
            <td>
                {if is_owner {
                    view! { <span class="role-badge">"Owner"</span> }.into_any()
                } else {
                    let current = operator.role;
                    view! {
                        <ActionForm action=change_role>
                            <input type="hidden" name="id" value=id/>
                            <select name="role" aria-label=format!("Role of {name}")>
                                {[OperatorRole::Admin, OperatorRole::Auditor].into_iter().map(|role| view! {
                                    <option value=role.as_str() selected=role == current>{role.label()}</option>
                                }).collect_view()}
                            </select>
                            <button type="submit" aria-label=format!("Change role of {name}")>"Change"</button>
                        </ActionForm>
                    }.into_any()
                }}
            </td>
            <td>{if disabled { "Disabled" } else { "Active" }}</td>
            <td>{operator.last_login_at.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| "never".into())}</td>
            <td class="actions">
                {(!is_owner).then(|| view! {
                    <ActionForm action=set_disabled>
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="disabled" value=(!disabled).to_string()/>
                        <button type="submit">
                            {toggle_label}
                        </button>
                    </ActionForm>
                })}
                <button type="button" on:click=move |_| resetting.set(Some(id))>
                    {reset_label}
                </button>
                <Show when=move || resetting.get() == Some(id)>
                    <ActionForm action=reset_password>
                        <input type="hidden" name="id" value=id/>
                        <label>
                            "New password"
                            <input type="password" name="password" required minlength=MIN_PASSWORD_LEN autocomplete="new-password"/>
                        </label>
                        <button type="submit">"Set password"</button>
                        <button type="button" on:click=move |_| resetting.set(None)>"Cancel"</button>
                    </ActionForm>
                </Show>
            </td>
        </tr>
    }
}
