//! Every route against every role: allowed where the role grants the route's permission,
//! 403 where it does not, and no access at all without credentials.

use aims_core::access::Role;
use aims_core::user::NewApiToken;
use aims_server::{RouteAccess, route_table};
use axum::body::Body;
use axum::http::{Method, StatusCode};

use crate::both_backends;
use crate::support::*;

/// Fills `{id}` and `{seq}` with records that exist, so an allowed request reaches its
/// handler instead of failing on the path.
async fn concrete_path(app: &TestApp, path: &str, system_id: &str, token_id: &str) -> String {
    let user_id = app.users[&Role::Viewer].id.to_string();
    let id = if path.contains("/users/") {
        user_id
    } else if path.contains("/tokens/") {
        token_id.to_owned()
    } else {
        system_id.to_owned()
    };
    path.replace("{id}", &id)
        .replace("{kind}", "model")
        .replace("{subject}", "ai_system")
        .replace("{action}", "withdraw")
        .replace("{seq}", "0")
        .replace("{file}", "aims.css")
}

fn request_body(method: &Method, path: &str) -> (Vec<(&'static str, &'static str)>, Body) {
    if *method == Method::GET {
        (vec![], Body::empty())
    } else if path.starts_with("/api/") {
        (vec![("content-type", "application/json")], Body::from("{}"))
    } else {
        (
            vec![("content-type", "application/x-www-form-urlencoded")],
            Body::from("probe=1"),
        )
    }
}

both_backends! {
    async fn every_route_checks_every_role(backend: Backend) {
        let app = app(backend).await;
        let system = app.create_system("Probe").await;
        let system_id = system["id"].as_str().unwrap().to_owned();
        let admin = app.users[&Role::Admin].id;
        let (token, _) = app.db.store
            .create_token(&aims_store::testing::TestDb::system_ctx(T0), admin, NewApiToken { name: "probe".into(), expires_in_days: 5 })
            .await
            .unwrap();
        let mut checked = 0;
        for spec in route_table() {
            let RouteAccess::Requires(permission) = spec.access else { continue };
            let method = Method::from_bytes(spec.method.as_bytes()).unwrap();
            let path = concrete_path(&app, spec.path, &system_id, &token.id.to_string()).await;
            for role in Role::ALL {
                let (headers, body) = request_body(&method, spec.path);
                let reply = app.send(method.clone(), &path, Some(app.token(*role)), &headers, body).await;
                if role.allows(permission) {
                    assert!(
                        reply.status != StatusCode::FORBIDDEN && reply.status != StatusCode::UNAUTHORIZED,
                        "{} {} as {role}: expected access, got {} {}", spec.method, path, reply.status, reply.body
                    );
                } else {
                    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{} {} as {role}: {}", spec.method, path, reply.body);
                    assert_eq!(reply.code(), "forbidden");
                }
                checked += 1;
            }
            // Without credentials: 401 for the API, a redirect to sign-in for pages.
            let (headers, body) = request_body(&method, spec.path);
            let anonymous = app.send(method.clone(), &path, None, &headers, body).await;
            if spec.path.starts_with("/api/") {
                assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{} {}", spec.method, path);
                assert_eq!(anonymous.code(), "unauthenticated");
            } else {
                assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{} {}", spec.method, path);
                assert!(anonymous.headers["location"].to_str().unwrap().starts_with("/login?next="));
            }
        }
        // Every protected route was tried with all seven roles.
        let protected = route_table().iter().filter(|s| s.access != RouteAccess::Public).count();
        assert_eq!(checked, protected * Role::ALL.len());
        assert!(protected >= 39, "the route table shrank to {protected}");
    }

    async fn public_routes_need_no_credentials(backend: Backend) {
        let app = app(backend).await;
        for spec in route_table().into_iter().filter(|s| s.access == RouteAccess::Public) {
            if spec.method != "GET" {
                continue;
            }
            let path = spec.path.replace("{file}", "aims.css");
            let reply = app.send(Method::GET, &path, None, &[], Body::empty()).await;
            assert_eq!(reply.status, StatusCode::OK, "{} {}", spec.method, path);
        }
    }
}
