//! CSV import: one multipart server function for preview and import. (CSV downloads are plain
//! HTTP routes in the server crate.)
use crate::error::AppError;
use crate::model::*;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

/// Checks or imports a CSV file. Multipart fields: `kind` (`users`, `groups`, `mail-domains`,
/// `mail-lists`), `file`, `mapping` (JSON: for each CSV column an attribute key or null;
/// absent = suggest from the header) and `apply` (`true` to write).
#[server(endpoint = "import_csv", input = MultipartFormData)]
pub async fn import_csv(data: MultipartData) -> Result<ImportOutcome, AppError> {
    crate::auth::reply(
        async move {
            let (state, actor) = crate::auth::authorize(Permission::IdentityWrite).await?;
            let request = read_import_form(data).await?;
            let author = crate::store::Author::operator(&actor);
            Ok(state.store.import_csv(&author, &request).await?)
        }
        .await,
    )
}

/// Longest text field of a multipart form (the import's kind and column mapping, the backup
/// upload's password).
pub const FORM_FIELD_LIMIT: usize = 64 << 10;

#[cfg(feature = "ssr")]
async fn read_import_form(data: MultipartData) -> Result<crate::store::ImportRequest, AppError> {
    use crate::store::IMPORT_LIMIT;
    let mut multipart = data
        .into_inner()
        .ok_or_else(|| AppError::internal("multipart data missing"))?;
    let bad_upload =
        |e: &dyn std::fmt::Display| AppError::invalid("file", format!("The upload failed: {e}"));
    let mut kind = None;
    let mut file = None;
    let mut mapping = None;
    let mut apply = false;
    while let Some(mut field) = multipart.next_field().await.map_err(|e| bad_upload(&e))? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| bad_upload(&e))? {
                if bytes.len() + chunk.len() > IMPORT_LIMIT {
                    return Err(AppError::invalid(
                        "file",
                        format!("The file is larger than {} MB.", IMPORT_LIMIT >> 20),
                    ));
                }
                bytes.extend_from_slice(&chunk);
            }
            file = Some(bytes);
            continue;
        }
        // The other fields are short (a kind, a column mapping): bounded before they are kept.
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| bad_upload(&e))? {
            if bytes.len() + chunk.len() > FORM_FIELD_LIMIT {
                return Err(AppError::invalid(
                    name.as_str(),
                    format!("This field is longer than {} KB.", FORM_FIELD_LIMIT >> 10),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| AppError::invalid(name.as_str(), "This field is not UTF-8 text."))?;
        match name.as_str() {
            "kind" => {
                kind = Some(ImportKind::parse(&text).ok_or_else(|| {
                    AppError::invalid("kind", format!("Nothing called {text:?} can be imported."))
                })?)
            }
            "mapping" if !text.trim().is_empty() => {
                mapping = Some(serde_json::from_str(&text).map_err(|e| {
                    AppError::invalid("mapping", format!("The mapping is not readable: {e}"))
                })?)
            }
            "apply" => apply = text.trim() == "true",
            _ => {}
        }
    }
    Ok(crate::store::ImportRequest {
        kind: kind.ok_or_else(|| AppError::invalid("kind", "Say what to import."))?,
        file: file.ok_or_else(|| AppError::invalid("file", "Choose a CSV file to upload."))?,
        mapping,
        apply,
    })
}
