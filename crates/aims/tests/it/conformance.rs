//! Conformance from the command line: frameworks, the SoA, evidence and the gap report.

use crate::both_backends;
use crate::support::*;

both_backends! {
    async fn the_soa_is_worked_through_from_the_command_line(backend: Backend) {
        let install = Install::new(backend).await;
        install.init();
        install.ok(&["user", "add", "gina", "--role", "governance_lead", "--password-file", "password"]);
        let soa: serde_json::Value = serde_json::from_str(&install.ok(&["--json", "soa", "show"])).unwrap();
        let ids: Vec<String> = soa.as_array().unwrap().iter().map(|r| r["control_id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(ids.len(), 38);
        let refused = install.run(&["soa", "set", "A.5.2", "--applicability", "not_applicable", "--justification", "", "--status", "not_applicable"]);
        assert!(stderr(&refused).contains("justification"), "{}", stderr(&refused));
        for id in &ids {
            install.ok(&["soa", "set", id, "--applicability", "applicable", "--justification", "Treats our AI risks", "--status", "planned"]);
        }
        let admin = install.run(&["soa", "approve", "--as", "admin"]);
        assert!(!admin.status.success());
        assert!(stderr(&admin).contains("may not approve"));
        install.ok(&["soa", "approve", "--as", "gina", "--note", "Stage 1"]);
        let ssp = install.ok(&["soa", "export", "--format", "oscal-ssp", "--approved", "1"]);
        let ssp: serde_json::Value = serde_json::from_str(&ssp).unwrap();
        assert_eq!(ssp["system-security-plan"]["control-implementation"]["implemented-requirements"].as_array().unwrap().len(), 38);
        let history = install.ok(&["ledger", "verify"]);
        assert!(history.starts_with("OK"), "{history}");
    }

    async fn frameworks_evidence_and_the_gap_report(backend: Backend) {
        let install = Install::new(backend).await;
        install.init();
        std::fs::write(install.dir.path().join("bad.yaml"), "id: x\nname: X\nversion: \"1\"\npublisher: me\nlibrary_version: \"1\"\nrequirements:\n  - {id: R1, kind: control, title: One}\n  - {id: R1, kind: control, title: Two}\n").unwrap();
        let bad = install.run(&["framework", "import", "bad.yaml"]);
        assert!(!bad.status.success());
        assert!(stderr(&bad).contains("bad.yaml:8:"), "{}", stderr(&bad));
        let frameworks = install.ok(&["framework", "list"]);
        assert!(frameworks.contains("nist-ai-rmf-1.0") && !frameworks.contains("custom"));

        std::fs::write(install.dir.path().join("policy.pdf"), b"%PDF-1.7 policy").unwrap();
        std::fs::write(install.dir.path().join("empty.pdf"), b"").unwrap();
        let empty = install.run(&["evidence", "add", "--title", "Empty", "--file", "empty.pdf"]);
        assert!(stderr(&empty).contains("file") && stderr(&empty).contains("empty"), "{}", stderr(&empty));
        let added = install.ok(&["--json", "evidence", "add", "--title", "AI policy", "--file", "policy.pdf", "--reviewed-on", "2026-01-01",
            "--link", "requirement:iso-iec-42001-2023:5.2"]);
        let added: serde_json::Value = serde_json::from_str(&added).unwrap();
        assert_eq!(added["file"]["media_type"], "application/pdf");
        assert!(install.data_dir().join("evidence").join(&added["file"]["sha256"].as_str().unwrap()[..2]).exists());
        let list = install.ok(&["evidence", "list"]);
        assert!(list.contains("AI policy"));
        install.ok(&["clause", "set", "5.2", "--status", "met", "--responsible", "Board"]);
        let report = install.ok(&["gap", "report"]);
        assert!(report.starts_with("Readiness") && report.contains("gap(s)"), "{report}");
        let json: serde_json::Value = serde_json::from_str(&install.ok(&["gap", "report", "--format", "json"])).unwrap();
        let policy = json["documented_information"].as_array().unwrap().iter().find(|d| d["requirement_id"] == "5.2").unwrap().clone();
        assert_eq!(policy["present"], true, "{policy}");
    }
}
