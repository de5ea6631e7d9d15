//! The inventory, governance and risk commands, end to end on both databases.

use crate::both_backends;
use crate::support::*;

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

both_backends! {
    async fn inventory_changes_and_risks_from_the_command_line(backend: Backend) {
        let install = Install::new(backend).await;
        install.init();
        install.ok(&["user", "add", "gina", "--role", "governance_lead", "--password-file", install.dir.path().join("password").to_str().unwrap()]);
        install.ok(&["user", "add", "maya", "--role", "ml_engineer", "--password-file", install.dir.path().join("password").to_str().unwrap()]);
        let system = json(&install.ok(&["--json", "system", "add", "--name", "Credit scoring", "--purpose", "Scores loans", "--owner", "Lending", "--stage", "design"]));
        let sid = system["id"].as_str().unwrap().to_owned();

        // A data file becomes a dataset version with its fingerprint, rows and schema.
        let data = install.dir.path().join("applications.csv");
        std::fs::write(&data, "id,income,sex\n1,52000,F\n2,48000,M\n3,61000,F\n").unwrap();
        let version = json(&install.ok(&["--json", "dataset", "register", data.to_str().unwrap(), "--dataset", "Loan applications", "--label", "2026-11", "--create"]));
        assert_eq!(version["fields"]["row_count"], 3);
        assert_eq!(version["fields"]["schema"].as_array().unwrap().len(), 3);
        assert_eq!(version["fields"]["sha256"].as_str().unwrap().len(), 64);
        let unreadable = install.run(&["dataset", "register", "missing.parquet", "--dataset", "Loan applications", "--label", "x"]);
        assert!(!unreadable.status.success() && stderr(&unreadable).contains("missing.parquet"), "{}", stderr(&unreadable));

        let model = json(&install.ok(&["--json", "inventory", "add", "model", "--fields", r#"{"name": "credit-pd", "owner": "Maya"}"#]));
        let mv = json(&install.ok(&["--json", "inventory", "add", "model_version", "--fields", &format!(r#"{{"model_id": "{}", "version": "3", "training_datasets": ["{}"]}}"#, model["id"].as_str().unwrap(), version["id"].as_str().unwrap())]));
        install.ok(&["link", "add", &format!("ai_system:{sid}"), "uses_model", &format!("model_version:{}", mv["id"].as_str().unwrap())]);
        let graph = install.ok(&["graph", "--node", &format!("dataset:{}", version["fields"]["dataset_id"].as_str().unwrap()), "--dependents"]);
        assert!(graph.contains("Credit scoring"), "{graph}");

        // Gates, a request, segregation of duties, an approval.
        let gates = install.ok(&["change", "gates", &format!("ai_system:{sid}")]);
        assert!(gates.contains("MISSING") && gates.contains("Impact classification recorded"), "{gates}");
        let until = (time::OffsetDateTime::now_utc().date() + time::Duration::days(30)).to_string();
        install.ok(&["waiver", "grant", &format!("ai_system:{sid}"), "classified", "--reason", "workshop next week", "--until", &until, "--as", "gina"]);
        let not_allowed = install.run(&["waiver", "grant", &format!("ai_system:{sid}"), "classified", "--reason", "r", "--until", &until, "--as", "maya"]);
        assert!(stderr(&not_allowed).contains("waiver_grant"), "{}", stderr(&not_allowed));
        let too_long = install.run(&["waiver", "grant", &format!("ai_system:{sid}"), "owner_assigned", "--reason", "r", "--until", "2099-01-01", "--as", "gina"]);
        assert!(stderr(&too_long).contains("at most 90 days"), "{}", stderr(&too_long));
        let answers = install.dir.path().join("answers.json");
        std::fs::write(&answers, r#"{"purpose": "Scores loans", "org_role": "provider", "affected_people": "applicants", "decision_effect": "legal", "autonomy": "partial", "reversibility": "with_effort", "scale": "medium", "sensitive_data": false, "vulnerable_groups": false, "sector": "essential_services", "profiling": true}"#).unwrap();
        let classified = install.ok(&["governance", "classify", "Credit scoring", answers.to_str().unwrap()]);
        assert!(classified.contains("impact class high") && classified.contains("Annex III 5"), "{classified}");
        let request = json(&install.ok(&["--json", "change", "request", &format!("ai_system:{sid}"), "advance", "--reason", "designed", "--as", "maya"]));
        let number = request["number"].to_string();
        let own = install.run(&["change", "approve", &number, "--as", "maya"]);
        assert!(stderr(&own).contains("segregation of duties"), "{}", stderr(&own));
        assert!(install.ok(&["change", "approve", &number, "--as", "gina"]).contains("applied"));

        // Risks: record, export, re-import unchanged, and a bad file names its line.
        install.ok(&["risk", "add", "--fields", &format!(r#"{{"title": "Age bias", "subject": "ai_system:{sid}", "inherent_likelihood": 4, "inherent_impact": 4}}"#)]);
        let csv = install.dir.path().join("risks.csv");
        install.ok(&["risk", "export", "-o", csv.to_str().unwrap()]);
        assert!(install.ok(&["risk", "import", csv.to_str().unwrap()]).contains("0 created, 0 updated"));
        let bad = install.dir.path().join("bad.csv");
        std::fs::write(&bad, format!("title,subject,inherent_likelihood,inherent_impact\nX,ai_system:{sid},0,2\n")).unwrap();
        let refused = install.run(&["risk", "import", bad.to_str().unwrap()]);
        assert!(stderr(&refused).contains("line 2, column inherent_likelihood"), "{}", stderr(&refused));
        assert!(install.ok(&["risk", "list"]).contains("UNTREATED"));
        let started = json(&install.ok(&["--json", "assessment", "start", "Credit scoring", "--template", "lending"]));
        let not_yet = install.run(&["assessment", "approve", started["id"].as_str().unwrap(), "--as", "gina"]);
        assert!(stderr(&not_yet).contains("complete every section"), "{}", stderr(&not_yet));
        let verify = install.run(&["ledger", "verify"]);
        assert!(verify.status.success(), "{}", stderr(&verify));
    }
}
