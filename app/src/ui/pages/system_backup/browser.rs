//! The few things done with browser APIs directly: uploading a file for import (multipart,
//! streamed by the browser) and reloading the page after a restore.
use crate::error::AppError;
use crate::model::BackupValidation;
use leptos::prelude::*;

/// Sends the import form (its `file` and `password` fields) and reads the server's verdict.
pub async fn upload_for_import(
    form: NodeRef<leptos::html::Form>,
) -> Result<BackupValidation, AppError> {
    #[cfg(feature = "hydrate")]
    {
        let form = form
            .get_untracked()
            .ok_or_else(|| AppError::Transport("the form is not ready".into()))?;
        send(&form).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = form;
        Err(AppError::Transport("uploads need the browser".into()))
    }
}

#[cfg(feature = "hydrate")]
async fn send(form: &web_sys::HtmlFormElement) -> Result<BackupValidation, AppError> {
    let transport =
        |what: &str, error: &dyn std::fmt::Display| AppError::Transport(format!("{what}: {error}"));
    let data = web_sys::FormData::new_with_form(form)
        .map_err(|e| transport("cannot read the form", &format!("{e:?}")))?;
    let response = gloo_net::http::Request::post("/files/system-backups/import")
        .body(data)
        .map_err(|e| transport("cannot send the file", &e))?
        .send()
        .await
        .map_err(|e| transport("the upload failed", &e))?;
    if response.ok() {
        response
            .json::<BackupValidation>()
            .await
            .map_err(|e| transport("unexpected reply", &e))
    } else {
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        Err(serde_json::from_str::<AppError>(&text).unwrap_or_else(|_| {
            AppError::Transport(format!("the server answered {status}: {text}"))
        }))
    }
}

/// Reloads the whole page: after a restore every cached view is stale.
pub fn reload_page() {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().reload();
    }
}
