//! The HTTP client `openidconnect` sends its requests through: the reqwest 0.13 client the
//! server already builds (the crate's own reqwest feature would add reqwest 0.12 and a second
//! TLS stack). No redirects are followed (the crate's advice against SSRF), every request has a
//! time limit, and an answer larger than `MAX_BODY` is refused.
use openidconnect::{HttpRequest, HttpResponse};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Discovery documents, key sets, token and userinfo answers are a few kilobytes.
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    Request(#[from] reqwest::Error),
    #[error("the answer is larger than {MAX_BODY} bytes")]
    TooLarge,
    #[error("{0}")]
    Http(#[from] openidconnect::http::Error),
}

#[derive(Clone, Debug)]
pub struct Http(reqwest::Client);

impl Http {
    pub fn new() -> Result<Self, String> {
        // reqwest builds its TLS configuration from the process-wide provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map(Self)
            .map_err(|e| format!("cannot build the HTTP client for OpenID Connect: {e}"))
    }
}

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let mut response = self.0.execute(request.try_into()?).await?;
            if response
                .content_length()
                .is_some_and(|n| n > MAX_BODY as u64)
            {
                return Err(HttpError::TooLarge);
            }
            let mut builder = openidconnect::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(HttpError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(builder.body(body)?)
        })
    }
}
