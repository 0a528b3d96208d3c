//! The REST API's test harness: the real router on a fresh store (either backend), an Owner,
//! and API tokens with chosen permissions.
use super::{Reply, PASSWORD};
use app::backup::SystemBackupConfig;
use app::model::{GroupId, GroupInput, Operator, Permission, UserId, UserInput};
use app::state::{AppState, AuthConfig};
use app::store::{Author, Store};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use leptos::prelude::LeptosOptions;

pub struct Api {
    pub router: Router,
    pub state: AppState,
    pub store: Store,
    pub owner: Operator,
    _dir: tempfile::TempDir,
}

impl Api {
    pub async fn new() -> Self {
        let store = app::testing::fresh_store().await;
        let dir = tempfile::tempdir().unwrap();
        let state = server::app_state_with(
            LeptosOptions::builder().output_name("rewind").build(),
            store.clone(),
            AuthConfig::default(),
            SystemBackupConfig {
                dir: dir.path().join("backups"),
                ..SystemBackupConfig::default()
            },
        );
        let owner = store
            .create_owner(None, "olivia", "Olivia Owner", PASSWORD)
            .await
            .unwrap();
        Self {
            router: server::router(state.clone()),
            state,
            store,
            owner,
            _dir: dir,
        }
    }

    /// A token of the Owner's named `name` with `permissions`.
    pub async fn token(&self, name: &str, permissions: &[Permission]) -> String {
        super::api_token(&self.store, &self.owner, name, permissions).await
    }

    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "localhost");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        super::send(&self.router, request.body(body).unwrap()).await
    }

    /// GET `uri` with `token`, expecting 200; the JSON answer.
    pub async fn get_ok(&self, uri: &str, token: &str) -> serde_json::Value {
        let reply = self.request(Method::GET, uri, Some(token), None).await;
        assert_eq!(reply.status, StatusCode::OK, "GET {uri}: {}", reply.body);
        reply.json()
    }

    pub async fn group(&self, name: &str, parent: Option<GroupId>) -> GroupId {
        self.store
            .create_group(
                &Author::named("ops"),
                &GroupInput {
                    name: name.into(),
                    parent,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
    }

    pub async fn user(&self, name: &str, group: GroupId) -> UserId {
        self.store
            .create_user(
                &Author::named("ops"),
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
    }

    /// Changes the user's e-mail, as an operator would.
    pub async fn set_email(&self, user: UserId, email: &str) {
        let mut input = self
            .store
            .get_user(user, None)
            .await
            .unwrap()
            .state
            .attributes;
        input.email = email.into();
        self.store
            .update_user(&Author::named("ops"), user, &input)
            .await
            .unwrap();
    }
}

/// The error shape's code, checking the shape on the way.
pub fn error_code(reply: &Reply) -> String {
    let json = reply.json();
    assert_eq!(
        json["error"]["status"],
        reply.status.as_u16(),
        "{}",
        reply.body
    );
    assert!(json["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    json["error"]["code"].as_str().unwrap().to_string()
}
