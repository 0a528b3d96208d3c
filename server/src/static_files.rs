//! The site's files: `/pkg/*` (the wasm bundle, its glue and the stylesheet) and the public
//! files at the root (favicon, robots.txt), served from disk with their precompressed `.br` /
//! `.gz` copies (written by `cargo xtask build`) and cache headers:
//!
//! * a content-hashed name (`rewind.0123456789abcdef.wasm`) never changes its content: cached
//!   for a year, `immutable`, so a returning browser does not even ask;
//! * other files in `/pkg` (cargo-leptos's unhashed names) must be revalidated on every use;
//! * public files may be kept 5 minutes, then are revalidated (`Last-Modified` /
//!   `If-Modified-Since` -> 304).
//!
//! A missing `/pkg` file is a plain 404; any other unknown path renders the app's
//! "Page not found".
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::convert::Infallible;
use std::path::Path;
use tower::util::BoxCloneSyncService;
use tower::{Layer, ServiceExt};
use tower_http::services::ServeDir;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";
const PUBLIC_FILE: &str = "public, max-age=300";

type Service = BoxCloneSyncService<Request, Response, Infallible>;

/// `/pkg/*` from `dir`.
pub fn pkg(dir: &Path) -> Service {
    let files = ServeDir::new(dir)
        .append_index_html_on_directories(false)
        .precompressed_br()
        .precompressed_gzip();
    with_cache_headers(files, CachePolicy::Pkg)
}

/// The public files in `root`; whatever is not there goes to `not_found`.
pub fn public(root: &Path, not_found: Service) -> Service {
    let files = ServeDir::new(root)
        .append_index_html_on_directories(false)
        .precompressed_br()
        .precompressed_gzip()
        .call_fallback_on_method_not_allowed(true)
        .fallback(not_found);
    with_cache_headers(files, CachePolicy::Public)
}

#[derive(Clone, Copy)]
enum CachePolicy {
    Pkg,
    Public,
}

fn with_cache_headers<S, B>(files: S, policy: CachePolicy) -> Service
where
    S: tower::Service<Request, Response = axum::http::Response<B>, Error = Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send,
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let files = files.map_response(|response| response.map(axum::body::Body::new));
    let layer = axum::middleware::from_fn_with_state(policy, cache_headers);
    BoxCloneSyncService::new(layer.layer(files))
}

async fn cache_headers(
    axum::extract::State(policy): axum::extract::State<CachePolicy>,
    request: Request,
    next: Next,
) -> Response {
    let hashed = is_content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let served = matches!(
        response.status(),
        StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
    );
    // The app's own "Page not found" (public fallback) keeps the pages' no-store.
    if !served || response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let cache = match policy {
        CachePolicy::Pkg if hashed => IMMUTABLE,
        CachePolicy::Pkg => REVALIDATE,
        CachePolicy::Public => PUBLIC_FILE,
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // The same URL has .br, .gz and plain bodies: caches must key on Accept-Encoding.
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// `name.<16 hex digits>.ext`, as `cargo xtask build` names the bundle's files.
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let mut parts = name.rsplit('.');
    let (_ext, hash, stem) = (parts.next(), parts.next(), parts.next());
    stem.is_some_and(|s| !s.is_empty())
        && hash.is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn content_hashed_names_are_recognised() {
        assert!(is_content_hashed("/rewind.0123456789abcdef.wasm"));
        assert!(is_content_hashed("/pkg/rewind.0123456789abcdef.js"));
        assert!(!is_content_hashed("/rewind.wasm"));
        assert!(!is_content_hashed("/rewind.0123456789abcdef.wasm.br"));
        assert!(!is_content_hashed("/.0123456789abcdef.css"));
        assert!(!is_content_hashed("/rewind.0123456789abcdeg.css"));
    }
}
