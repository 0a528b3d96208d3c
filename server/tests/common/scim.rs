//! The SCIM test crates' client: the real router on a fresh store with an Owner signed in,
//! API tokens, and SCIM requests as an identity provider sends them.
use super::{Reply, PASSWORD};
use app::model::{Permission, UserInput};
use app::state::AuthConfig;
use app::store::{Author, Store};
use axum::body::Body;
use axum::http::{header, Request};
use axum::Router;

pub struct Api {
    pub router: Router,
    pub store: Store,
    pub owner: app::model::Operator,
    pub cookie: String,
}

pub async fn api() -> Api {
    let store = app::testing::fresh_store().await;
    let owner = store
        .create_owner(None, "olivia", "Olivia Owner", PASSWORD)
        .await
        .unwrap();
    let router = super::router(&store, AuthConfig::default());
    let cookie = super::login(&router, "olivia", PASSWORD).await;
    Api {
        router,
        store,
        owner,
        cookie,
    }
}

impl Api {
    pub async fn token(&self, name: &str, permissions: &[Permission]) -> String {
        super::api_token(&self.store, &self.owner, name, permissions).await
    }

    pub async fn get(&self, uri: &str, token: Option<&str>, cookie: Option<&str>) -> Reply {
        let mut request = Request::get(uri).header(header::HOST, "localhost");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        super::send(&self.router, request.body(Body::empty()).unwrap()).await
    }

    pub async fn user(&self, name: &str) -> i64 {
        let group = self
            .store
            .create_group(
                &Author::named("tester"),
                &app::model::GroupInput {
                    name: format!("group of {name}"),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        self.store
            .create_user(
                &Author::named("tester"),
                &UserInput {
                    name: name.into(),
                    first_name: "Ann".into(),
                    last_name: "Lee".into(),
                    email: format!("{name}@example.test"),
                    primary_group: group,
                    enabled: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .0
    }
}

impl Api {
    pub async fn send_json(
        &self,
        method: &str,
        uri: &str,
        token: &str,
        body: serde_json::Value,
        if_match: Option<&str>,
    ) -> Reply {
        // No Origin, Referer or Sec-Fetch-Site: an identity provider calls from anywhere.
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "localhost")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/scim+json");
        if let Some(version) = if_match {
            request = request.header(header::IF_MATCH, version);
        }
        super::send(
            &self.router,
            request.body(Body::from(body.to_string())).unwrap(),
        )
        .await
    }
}
