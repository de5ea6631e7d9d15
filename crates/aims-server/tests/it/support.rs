//! A test server: a fresh database, a fixed clock, one user and token per role.

use std::collections::HashMap;
use std::sync::Arc;

use aims_core::access::Role;
use aims_core::user::{NewApiToken, NewUser, User};
use aims_server::{AppState, FixedClock, ServerConfig};
pub use aims_store::Backend;
use aims_store::testing::{TestDb, fresh};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;
use tower::ServiceExt;

pub const T0: OffsetDateTime = datetime!(2026-12-01 09:00:00 UTC);
pub const PASSWORD: &str = "correct horse battery staple";

/// Declares `async fn $name(backend: Backend)` and one test per backend that runs it.
#[macro_export]
macro_rules! both_backends {
    ($(async fn $name:ident($backend:ident: Backend) $body:block)+) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                async fn run($backend: $crate::support::Backend) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run($crate::support::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    run($crate::support::Backend::Postgres).await
                }
            }
        )+
    };
}

pub struct TestApp {
    pub db: TestDb,
    pub app: Router,
    pub clock: Arc<FixedClock>,
    pub users: HashMap<Role, User>,
    pub tokens: HashMap<Role, String>,
    /// Evidence files of this test, deleted with it.
    #[allow(dead_code)]
    pub files: tempfile::TempDir,
}

/// A response with its body read.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The `code` of an error body.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

pub async fn app(backend: Backend) -> TestApp {
    app_with(backend, ServerConfig::default()).await
}

pub async fn app_with(backend: Backend, config: ServerConfig) -> TestApp {
    let files = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        evidence_dir: files.path().to_path_buf(),
        ..config
    };
    let db = fresh(backend)
        .await
        .expect("test database (is PostgreSQL running?)");
    let clock = Arc::new(FixedClock::new(T0));
    let mut users = HashMap::new();
    let mut tokens = HashMap::new();
    let ctx = TestDb::system_ctx(T0);
    for role in Role::ALL {
        let user = db
            .store
            .create_user(
                &ctx,
                NewUser {
                    username: role.code().replace('_', "-"),
                    display_name: role.label().into(),
                    role: *role,
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
        let (_, secret) = db
            .store
            .create_token(
                &ctx,
                user.id,
                NewApiToken {
                    name: "tests".into(),
                    expires_in_days: 30,
                },
            )
            .await
            .unwrap();
        users.insert(*role, user);
        tokens.insert(*role, secret);
    }
    let state = AppState::new(
        db.store.clone(),
        clock.clone(),
        config,
        Some(db.signer.verifier()),
    )
    .unwrap();
    let app = aims_server::app(state);
    TestApp {
        files,
        db,
        app,
        clock,
        users,
        tokens,
    }
}

impl TestApp {
    /// Sends a request; `auth` is a bearer token.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        headers: &[(&str, &str)],
        body: Body,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = auth {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub fn token(&self, role: Role) -> &str {
        &self.tokens[&role]
    }

    pub async fn get(&self, path: &str, role: Role) -> Reply {
        self.send(
            Method::GET,
            path,
            Some(self.token(role)),
            &[],
            Body::empty(),
        )
        .await
    }

    pub async fn json(&self, method: Method, path: &str, role: Role, body: &Value) -> Reply {
        self.send(
            method,
            path,
            Some(self.token(role)),
            &[("content-type", "application/json")],
            Body::from(body.to_string()),
        )
        .await
    }

    /// Registers a system through the API and returns its JSON.
    pub async fn create_system(&self, name: &str) -> Value {
        let reply = self
            .json(
                Method::POST,
                "/api/v1/systems",
                Role::MlEngineer,
                &serde_json::json!({"name": name, "purpose": "testing"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.json()
    }

    /// Signs in through the login form; returns the session cookie and the CSRF token.
    pub async fn browser_login(&self, username: &str, password: &str) -> (String, String) {
        let page = self
            .send(Method::GET, "/login", None, &[], Body::empty())
            .await;
        let login_cookie = page.cookie("aims_login_csrf").unwrap();
        let login_cookie = login_cookie.split(';').next().unwrap().to_owned();
        let token = login_cookie.split_once('=').unwrap().1.to_owned();
        let form = format!(
            "username={username}&password={}&csrf_token={token}&next=/systems",
            password.replace(' ', "+")
        );
        let reply = self
            .send(
                Method::POST,
                "/login",
                None,
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("cookie", &login_cookie),
                ],
                Body::from(form),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let session = reply.cookie("aims_session").unwrap();
        let session = session.split(';').next().unwrap().to_owned();
        let page = self
            .send(
                Method::GET,
                "/systems",
                None,
                &[("cookie", &session)],
                Body::empty(),
            )
            .await;
        let csrf = page
            .body
            .split("name=\"csrf_token\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        (session, csrf)
    }
}

/// A multipart/form-data body: text parts, then optionally one file part.
pub fn multipart(parts: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "aims-test-boundary-7d93";
    let mut body = Vec::new();
    for (name, value) in parts {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
