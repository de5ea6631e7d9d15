//! Evidence: uploads, links, versions, downloads, status and what they support.

use aims_core::access::Role;
use aims_server::ServerConfig;
use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::both_backends;
use crate::support::*;

async fn upload(app: &TestApp, metadata: serde_json::Value, file: Option<(&str, &[u8])>) -> Reply {
    let text = metadata.to_string();
    let (content_type, body) = multipart(&[("metadata", &text)], file);
    app.send(
        Method::POST,
        "/api/v1/evidence/files",
        Some(app.token(Role::MlEngineer)),
        &[("content-type", &content_type)],
        Body::from(body),
    )
    .await
}

async fn titles(app: &TestApp, query: &str) -> Vec<String> {
    let list = app
        .get(&format!("/api/v1/evidence?{query}"), Role::Viewer)
        .await
        .json();
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_owned())
        .collect()
}

both_backends! {
    async fn files_are_content_addressed_ledgered_and_served_safely(backend: Backend) {
        let app = app(backend).await;
        let metadata = json!({"title": "Validation report Q3", "reviewed_on": "2026-11-20", "expires_on": "2027-11-20",
            "links": [{"target_type": "requirement", "target_id": "iso-iec-42001-2023:A.6.2.4"}]});
        let pdf = b"%PDF-1.7 validation results";
        let reply = upload(&app, metadata.clone(), Some(("report.pdf", pdf))).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let created = reply.json();
        let id = created["id"].as_str().unwrap().to_owned();
        let sha = created["file"]["sha256"].as_str().unwrap().to_owned();
        use sha2::Digest;
        assert_eq!(sha, hex::encode(sha2::Sha256::digest(pdf)), "content-addressed by SHA-256");
        assert_eq!(created["file"]["media_type"], "application/pdf");
        assert_eq!(created["status"], "current");
        // The ledger entry's state covers the file's SHA-256.
        let history = app.db.store.history("evidence", &id).await.unwrap();
        assert_eq!(history[0].state.as_ref().unwrap()["file"]["sha256"], sha.as_str());

        let download = app.get(&format!("/api/v1/evidence/{id}/file"), Role::ExternalAuditor).await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(download.body.as_bytes(), pdf);
        assert!(download.headers["content-disposition"].to_str().unwrap().starts_with("attachment"));

        // HTML is never served as HTML.
        let reply = upload(&app, json!({"title": "Page"}), Some(("page.html", b"<html><script>alert(1)</script></html>"))).await;
        let html_id = reply.json()["id"].as_str().unwrap().to_owned();
        let served = app.get(&format!("/api/v1/evidence/{html_id}/file"), Role::Viewer).await;
        assert_eq!(served.headers["content-type"], "application/octet-stream");

        // A new version keeps the old one.
        let (content_type, body) = multipart(&[("version", "1")], Some(("report-v2.pdf", b"%PDF-1.7 corrected")));
        let next = app.send(Method::POST, &format!("/api/v1/evidence/{id}/versions"), Some(app.token(Role::RiskOwner)), &[("content-type", &content_type)], Body::from(body)).await;
        assert_eq!(next.status, StatusCode::CREATED, "{}", next.body);
        assert_eq!(next.json()["version_no"], 2);
        let old = app.get(&format!("/api/v1/evidence/{id}"), Role::Viewer).await.json();
        assert_eq!(old["status"], "superseded");
        let all = app.get("/api/v1/evidence?all_versions=true", Role::Viewer).await.json();
        assert_eq!(all.as_array().unwrap().len(), 3);
        let report = app.db.store.verify_ledger(&app.db.signer.verifier()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
    }

    async fn bad_uploads_are_refused_and_name_the_file(backend: Backend) {
        let app = app_with(backend, ServerConfig { evidence_max_bytes: 1024, ..ServerConfig::default() }).await;
        for (name, bytes, status) in [
            ("empty.pdf", &b""[..], StatusCode::UNPROCESSABLE_ENTITY),
            ("../../etc/passwd", &b"root"[..], StatusCode::UNPROCESSABLE_ENTITY),
            ("dir\\x.pdf", &b"x"[..], StatusCode::UNPROCESSABLE_ENTITY),
            ("big.bin", &[7u8; 4096][..], StatusCode::PAYLOAD_TOO_LARGE),
        ] {
            let reply = upload(&app, json!({"title": "x"}), Some((name, bytes))).await;
            assert_eq!(reply.status, status, "{name}: {}", reply.body);
            assert_eq!(reply.json()["error"]["field"], "file", "{name}");
        }
        let missing = upload(&app, json!({"title": "x"}), None).await;
        assert_eq!(missing.json()["error"]["field"], "file");
        let untitled = upload(&app, json!({"title": ""}), Some(("a.txt", b"hello"))).await;
        assert_eq!(untitled.json()["error"]["field"], "title");
        assert_eq!(app.get("/api/v1/evidence", Role::Viewer).await.json().as_array().unwrap().len(), 0);
    }

    async fn links_have_status_and_are_found_by_what_they_support(backend: Backend) {
        let app = app(backend).await;
        let link = |title: &str, expires: &str, reviewed: &str| json!({"title": title, "url": "https://wiki.example.org/x",
            "expires_on": expires, "reviewed_on": reviewed, "links": [{"target_type": "requirement", "target_id": "iso-iec-42001-2023:6.1.3"}]});
        // The test clock stands at 2026-12-01.
        for (title, expires, reviewed) in [("Current", "2027-06-01", "2026-11-01"), ("Expiring", "2026-12-20", "2026-11-01"),
                                             ("Expired", "2026-11-30", "2026-01-01"), ("Unreviewed", "", "")] {
            let reply = app.json(Method::POST, "/api/v1/evidence", Role::RiskOwner, &link(title, expires, reviewed)).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        }
        assert_eq!(titles(&app, "status=expired").await, ["Expired"]);
        assert_eq!(titles(&app, "status=expiring_soon").await, ["Expiring"]);
        assert_eq!(titles(&app, "status=review_due").await, ["Unreviewed"]);
        // Those who keep evidence see what to review or renew on their work list; viewers do not.
        let work = app.get("/api/v1/my-work", Role::RiskOwner).await.json();
        let titles_of_work: Vec<&str> = work.as_array().unwrap().iter().map(|w| w["title"].as_str().unwrap()).collect();
        for expected in ["Review evidence “Unreviewed”", "Renew (expired) evidence “Expired”", "Renew (expiring) evidence “Expiring”"] {
            assert!(titles_of_work.contains(&expected), "{expected} in {titles_of_work:?}");
        }
        assert!(!titles_of_work.iter().any(|t| t.contains("“Current”")));
        assert!(app.get("/api/v1/my-work", Role::Viewer).await.json().as_array().unwrap().is_empty());
        assert_eq!(titles(&app, "target_type=requirement&target_id=iso-iec-42001-2023:6.1.3").await.len(), 4);
        let bad = app.json(Method::POST, "/api/v1/evidence", Role::RiskOwner, &json!({"title": "x", "url": "ftp://nope"})).await;
        assert_eq!(bad.json()["error"]["field"], "url");
    }

    async fn uploads_from_the_browser_need_the_csrf_token(backend: Backend) {
        let app = app(backend).await;
        let (session, csrf) = app.browser_login("risk-owner", PASSWORD).await;
        let (content_type, body) = multipart(&[("title", "Policy"), ("reviewed_on", "2026-11-30"), ("link", "requirement:iso-iec-42001-2023:A.2.2")], Some(("policy.md", b"# AI policy")));
        let refused = app.send(Method::POST, "/evidence", None, &[("cookie", &session), ("content-type", &content_type)], Body::from(body.clone())).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let accepted = app.send(Method::POST, &format!("/evidence?csrf_token={csrf}"), None, &[("cookie", &session), ("content-type", &content_type)], Body::from(body)).await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
        let page = app.send(Method::GET, accepted.headers["location"].to_str().unwrap(), None, &[("cookie", &session)], Body::empty()).await;
        assert!(page.body.contains("policy.md") && page.body.contains("requirement:iso-iec-42001-2023:A.2.2"));
        let list = app.send(Method::GET, "/evidence?status=current", None, &[("cookie", &session)], Body::empty()).await;
        assert!(list.body.contains("Policy"));
        let form = app.send(Method::GET, "/evidence/new?link=requirement:iso-iec-42001-2023:A.5.2", None, &[("cookie", &session)], Body::empty()).await;
        assert!(form.body.contains(r#"value="requirement:iso-iec-42001-2023:A.5.2" checked"#));
    }
}
