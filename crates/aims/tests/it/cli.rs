//! The command line: init, systems, users, tokens, ledger verification and proofs.

use crate::both_backends;
use crate::support::*;

both_backends! {
    async fn init_creates_a_private_key_and_refuses_twice(backend: Backend) {
        let install = Install::new(backend).await;
        install.init();
        let key = install.data_dir().join("ledger.key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(std::fs::read_to_string(install.data_dir().join("ledger.pub")).unwrap().starts_with("aims.local/ledger+"));
        let again = install.run(&["init", "--admin", "other", "--password-file", "password"]);
        assert!(!again.status.success());
        assert!(stderr(&again).contains("already"), "{}", stderr(&again));
        let users = install.ok(&["--json", "user", "list"]);
        let users: serde_json::Value = serde_json::from_str(&users).unwrap();
        assert_eq!(users.as_array().unwrap().len(), 1);
        assert_eq!(users[0]["username"], "admin");
    }

    async fn a_weak_password_leaves_nothing_behind(backend: Backend) {
        let install = Install::new(backend).await;
        std::fs::write(install.dir.path().join("weak"), "short\n").unwrap();
        let output = install.run(&["init", "--admin", "admin", "--password-file", "weak"]);
        assert!(!output.status.success());
        assert!(stderr(&output).contains("password"), "{}", stderr(&output));
        assert!(!install.data_dir().join("ledger.key").exists());
    }

    async fn the_register_from_the_command_line(backend: Backend) {
        let install = Install::new(backend).await;
        install.init();
        let added = install.ok(&["--json", "system", "add", "--name", "Credit scoring", "--purpose", "Scores loan applications", "--stage", "deployed", "--role", "provider"]);
        let added: serde_json::Value = serde_json::from_str(&added).unwrap();
        assert_eq!(added["lifecycle_stage"], "deployed");
        let listed = install.ok(&["system", "list"]);
        assert!(listed.contains("Credit scoring") && listed.contains("1 of 1 shown"));
        install.ok(&["system", "update", "Credit scoring", "--owner", "Lending analytics"]);
        let shown = install.ok(&["system", "show", "credit scoring"]);
        assert!(shown.contains("Lending analytics"));
        let bad = install.run(&["system", "add", "--name", "", "--purpose", "x", "--next-review", "soon"]);
        assert!(!bad.status.success());
        let message = stderr(&bad);
        assert!(message.contains("--name: is required") && message.contains("--next-review"), "{message}");
        let bad_stage = install.run(&["system", "add", "--name", "x", "--purpose", "y", "--stage", "launched"]);
        assert!(stderr(&bad_stage).contains("launched"));
        install.ok(&["system", "archive", "Credit scoring"]);
        let history = install.ok(&["system", "history", "Credit scoring"]);
        assert!(history.contains("ai_system.archived") && history.contains("ai_system.created"));
        assert!(install.ok(&["system", "list"]).contains("0 of 0 shown"));
    }

    async fn users_and_tokens_from_the_command_line(backend: Backend) {
        let install = Install::new(backend).await;
        install.init();
        install.ok(&["user", "add", "gina", "--role", "governance_lead", "--password-file", "password"]);
        install.ok(&["user", "set-role", "gina", "risk_owner"]);
        let secret = install.ok(&["token", "create", "--user", "gina", "--name", "pipeline"]);
        assert!(secret.trim().starts_with("aims_"));
        let tokens = install.ok(&["--json", "token", "list", "--user", "gina"]);
        assert!(!tokens.contains(secret.trim()));
        install.ok(&["user", "disable", "gina"]);
        let last_admin = install.run(&["user", "disable", "admin"]);
        assert!(stderr(&last_admin).contains("last active administrator"));
    }

    async fn verify_passes_then_catches_tampering(backend: Backend) {
        let install = Install::new(backend).await;
        install.init();
        install.ok(&["system", "add", "--name", "Fraud detector", "--purpose", "Blocks fraud"]);
        let id = install.ok(&["--json", "system", "show", "Fraud detector"]);
        let id = serde_json::from_str::<serde_json::Value>(&id).unwrap()["id"].as_str().unwrap().to_owned();
        assert!(install.ok(&["ledger", "verify"]).starts_with("OK"));

        let store = install.raw_store().await;
        store.execute_raw(&format!("UPDATE ai_systems SET lifecycle_stage = 'deployed' WHERE id = '{id}'")).await.unwrap();
        let output = install.run(&["ledger", "verify"]);
        assert_eq!(output.status.code(), Some(1));
        let text = stdout(&output);
        assert!(text.contains("record_altered") && text.contains(&id) && text.contains("entry #1"), "{text}");
        let json = install.run(&["--json", "ledger", "verify"]);
        let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(report["problems"][0]["entity_id"], id);
        assert_eq!(report["problems"][0]["seq"], 1);
    }

    async fn proofs_verify_with_the_public_key_alone(backend: Backend) {
        let install = Install::new(backend).await;
        install.init();
        install.ok(&["system", "add", "--name", "Chatbot", "--purpose", "Answers questions"]);
        install.ok(&["ledger", "proof", "1", "--output", "proof.txt"]);
        let public = install.data_dir().join("ledger.pub");
        let key = format!("@{}", public.display());
        // No database and no data directory are needed to check it.
        let checked = std::process::Command::new(env!("CARGO_BIN_EXE_aims"))
            .current_dir(install.dir.path())
            .args(["--data-dir", "/nonexistent", "ledger", "verify-proof", "proof.txt", "--key", &key])
            .output()
            .unwrap();
        assert!(checked.status.success(), "{}", stderr(&checked));
        assert!(stdout(&checked).contains("ai_system.created"));

        let text = std::fs::read_to_string(install.dir.path().join("proof.txt")).unwrap();
        let tampered = text.replacen("index 1", "index 0", 1);
        std::fs::write(install.dir.path().join("tampered.txt"), tampered).unwrap();
        let refused = install.run(&["ledger", "verify-proof", "tampered.txt", "--key", &key]);
        assert!(!refused.status.success());
        let other_key = "aims.local/ledger+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let wrong_key = install.run(&["ledger", "verify-proof", "proof.txt", "--key", other_key]);
        assert!(!wrong_key.status.success());
    }

    async fn a_missing_or_corrupt_key_is_a_clear_error(backend: Backend) {
        let install = Install::new(backend).await;
        install.init();
        let key = install.data_dir().join("ledger.key");
        let original = std::fs::read_to_string(&key).unwrap();
        std::fs::write(&key, "PRIVATE+KEY+garbage").unwrap();
        let corrupt = install.run(&["serve", "--bind", "127.0.0.1:0"]);
        assert!(!corrupt.status.success());
        assert!(stderr(&corrupt).contains("is corrupt"), "{}", stderr(&corrupt));
        std::fs::remove_file(&key).unwrap();
        let missing = install.run(&["system", "add", "--name", "x", "--purpose", "y"]);
        assert!(stderr(&missing).contains("is missing"), "{}", stderr(&missing));
        std::fs::write(&key, original).unwrap();
        install.ok(&["system", "add", "--name", "x", "--purpose", "y"]);
    }
}

#[test]
fn unknown_configuration_keys_are_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("aims.toml"), "[ledger]\norign = \"x\"\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(dir.path())
        .args(["system", "list"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("orign"), "{}", stderr(&output));
}

#[test]
fn commands_before_init_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_aims"))
        .current_dir(dir.path())
        .args(["system", "list"])
        .output()
        .unwrap();
    assert!(stderr(&output).contains("aims init"), "{}", stderr(&output));
}
