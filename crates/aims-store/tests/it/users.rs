//! Accounts, sign-in throttling, sessions and API tokens.

use aims_core::access::Role;
use aims_core::user::{NewApiToken, NewUser, UserPatch};
use aims_store::{LoginOutcome, StoreError, ThrottlePolicy};
use time::Duration;

use crate::contract;
use crate::support::*;

const PASSWORD: &str = "correct horse battery staple";

async fn alice(db: &TestDb) -> aims_core::user::User {
    let new_user = NewUser {
        username: "Alice".into(),
        display_name: String::new(),
        role: Role::Admin,
        password: PASSWORD.into(),
    };
    db.store
        .create_user(&TestDb::system_ctx(T0), new_user)
        .await
        .unwrap()
}

contract! {
    async fn users_sign_in_and_no_secret_reaches_the_ledger(backend: Backend) {
        let db = db(backend).await;
        let user = alice(&db).await;
        assert_eq!(user.username, "alice");
        let policy = ThrottlePolicy::default();
        let outcome = db.store.login(T0, "ALICE", PASSWORD, &policy).await.unwrap();
        assert_eq!(outcome, LoginOutcome::Success(user.clone()));
        let history = db.store.history("user", &user.id.to_string()).await.unwrap();
        assert_eq!(history[0].action, "user.login");
        let text = serde_json::to_string(&history).unwrap();
        assert!(!text.contains(PASSWORD) && !text.contains("argon2"));
        let duplicate = NewUser { username: "alice".into(), display_name: String::new(), role: Role::Viewer, password: PASSWORD.into() };
        let error = db.store.create_user(&TestDb::system_ctx(T0), duplicate).await.unwrap_err();
        assert!(matches!(error, StoreError::Validation(ref e) if e.for_field("username").is_some()));
    }

    async fn repeated_failures_slow_down_and_lock_out(backend: Backend) {
        let db = db(backend).await;
        alice(&db).await;
        let policy = ThrottlePolicy::default();
        for _ in 0..policy.free_failures {
            assert_eq!(db.store.login(T0, "alice", "wrong", &policy).await.unwrap(), LoginOutcome::Invalid);
        }
        assert_eq!(db.store.login(T0, "alice", "wrong", &policy).await.unwrap(), LoginOutcome::Invalid);
        // Now delayed: even the right password is not checked until the delay passes.
        assert!(matches!(db.store.login(T0, "alice", PASSWORD, &policy).await.unwrap(), LoginOutcome::Throttled { .. }));
        let later = T0 + Duration::seconds(3);
        assert!(matches!(db.store.login(later, "alice", PASSWORD, &policy).await.unwrap(), LoginOutcome::Success(_)));
        // Unknown users are throttled the same way, and say nothing about existence.
        assert_eq!(db.store.login(T0, "nobody", "x", &policy).await.unwrap(), LoginOutcome::Invalid);
    }

    async fn sessions_expire_when_idle_and_absolutely(backend: Backend) {
        let db = db(backend).await;
        let user = alice(&db).await;
        let policy = ThrottlePolicy::default();
        let session = db.store.create_session(user.id, T0, &policy).await.unwrap();
        assert!(db.store.session_user(&session.cookie, T0 + Duration::minutes(10), &policy).await.unwrap().is_some());
        assert!(db.store.session_user(&session.cookie, T0 + Duration::minutes(50), &policy).await.unwrap().is_none());
        let session = db.store.create_session(user.id, T0, &policy).await.unwrap();
        let mut now = T0;
        for _ in 0..24 {
            now += Duration::minutes(29);
            if now - T0 >= policy.session_absolute { break; }
            assert!(db.store.session_user(&session.cookie, now, &policy).await.unwrap().is_some());
        }
        assert!(db.store.session_user(&session.cookie, T0 + policy.session_absolute, &policy).await.unwrap().is_none());
        assert!(db.store.session_user("forged", T0, &policy).await.unwrap().is_none());
    }

    async fn tokens_are_hashed_expire_and_revoke(backend: Backend) {
        let db = db(backend).await;
        let user = alice(&db).await;
        let ctx = TestDb::system_ctx(T0);
        let (token, secret) = db.store.create_token(&ctx, user.id, NewApiToken { name: "ci".into(), expires_in_days: 1 }).await.unwrap();
        assert!(secret.starts_with("aims_"));
        let found = db.store.token_user(&secret, T0).await.unwrap().unwrap();
        assert_eq!(found.user.id, user.id);
        assert!(db.store.get_token(token.id).await.unwrap().last_used_at.is_some());
        assert!(db.store.token_user(&secret, T0 + Duration::days(2)).await.unwrap().is_none());
        db.store.revoke_token(&ctx, token.id).await.unwrap();
        assert!(db.store.token_user(&secret, T0).await.unwrap().is_none());
        let report = db.store.verify_ledger(&db.signer.verifier()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
    }

    async fn disabling_ends_sessions_and_the_last_admin_stays(backend: Backend) {
        let db = db(backend).await;
        let user = alice(&db).await;
        let ctx = TestDb::system_ctx(T0);
        let policy = ThrottlePolicy::default();
        let last_admin = db.store.update_user(&ctx, user.id, UserPatch { version: 1, disabled: Some(true), ..Default::default() }).await.unwrap_err();
        assert!(matches!(last_admin, StoreError::Conflict { .. }));
        let bob = db.store.create_user(&ctx, NewUser { username: "bob".into(), display_name: "Bob".into(), role: Role::Viewer, password: PASSWORD.into() }).await.unwrap();
        let session = db.store.create_session(bob.id, T0, &policy).await.unwrap();
        db.store.update_user(&ctx, bob.id, UserPatch { version: 1, disabled: Some(true), ..Default::default() }).await.unwrap();
        assert!(db.store.session_user(&session.cookie, T0, &policy).await.unwrap().is_none());
        assert_eq!(db.store.login(T0, "bob", PASSWORD, &policy).await.unwrap(), LoginOutcome::Invalid);
    }

    async fn a_password_replaced_in_the_database_is_caught(backend: Backend) {
        let db = db(backend).await;
        let user = alice(&db).await;
        let other_hash = aims_store::hash_password("attacker's password!").unwrap();
        db.store.execute_raw(&format!("UPDATE users SET password_hash = '{other_hash}' WHERE id = '{}'", user.id)).await.unwrap();
        let report = db.store.verify_ledger(&db.signer.verifier()).await.unwrap();
        assert!(report.problems.iter().any(|p| p.kind == "record_altered" && p.entity_type.as_deref() == Some("user")));
    }
}
