//! The shipped libraries load, and their ids and counts are pinned.

use std::collections::HashSet;

use aims_catalog::{Catalog, RequirementKind, is_token};

const ISO: &str = "iso-iec-42001-2023";
const NIST: &str = "nist-ai-rmf-1.0";

fn catalog() -> Catalog {
    match Catalog::builtin() {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn builtin_frameworks_and_crosswalks_load() {
    let c = catalog();
    let ids: Vec<&str> = c.frameworks.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            ISO,
            NIST,
            "eu-ai-act-2024",
            "iso-iec-27001-2022",
            "iso-9001-2015"
        ]
    );
    assert_eq!(c.crosswalks.len(), 4);
    for f in &c.frameworks {
        assert!(!f.custom);
        assert!(!f.library_version.is_empty());
        for r in &f.requirements {
            assert!(is_token(&r.token), "{} {}", f.id, r.token);
        }
    }
    assert!(c.crosswalks.iter().all(|x| !x.custom));
}

#[test]
fn annex_a_has_exactly_the_38_controls() {
    let c = catalog();
    let iso = c.framework(ISO).unwrap();
    let controls: Vec<&str> = iso
        .sorted()
        .filter(|r| r.kind == RequirementKind::Control)
        .map(|r| r.id.as_str())
        .collect();
    let expected = [
        "A.2.2", "A.2.3", "A.2.4", //
        "A.3.2", "A.3.3", //
        "A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6", //
        "A.5.2", "A.5.3", "A.5.4", "A.5.5", //
        "A.6.1.2", "A.6.1.3", //
        "A.6.2.2", "A.6.2.3", "A.6.2.4", "A.6.2.5", "A.6.2.6", "A.6.2.7", "A.6.2.8", //
        "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6", //
        "A.8.2", "A.8.3", "A.8.4", "A.8.5", //
        "A.9.2", "A.9.3", "A.9.4", //
        "A.10.2", "A.10.3", "A.10.4",
    ];
    assert_eq!(expected.len(), 38);
    assert_eq!(controls, expected);
    for id in controls {
        let r = iso.requirement(id).unwrap();
        // Annex B guidance has the same numbering as the control.
        assert_eq!(
            r.guidance.as_deref(),
            Some(id.replacen('A', "B", 1).as_str())
        );
        assert!(!r.description.is_empty(), "{id}");
        assert_eq!(r.token, id.to_lowercase());
    }
    let areas: Vec<&str> = iso
        .sorted()
        .filter(|r| r.kind == RequirementKind::Area)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        areas,
        [
            "A.2", "A.3", "A.4", "A.5", "A.6", "A.7", "A.8", "A.9", "A.10"
        ]
    );
    let a6: Vec<&str> = iso.children("A.6").map(|r| r.id.as_str()).collect();
    assert_eq!(a6, ["A.6.1", "A.6.2"]);
}

#[test]
fn clauses_4_to_10_are_exactly_the_harmonized_structure() {
    let c = catalog();
    let iso = c.framework(ISO).unwrap();
    let clauses: Vec<&str> = iso
        .depth_first()
        .into_iter()
        .filter(|r| r.kind == RequirementKind::Clause)
        .map(|r| r.id.as_str())
        .collect();
    let expected = [
        "4", "4.1", "4.2", "4.3", "4.4", //
        "5", "5.1", "5.2", "5.3", //
        "6", "6.1", "6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.2", "6.3", //
        "7", "7.1", "7.2", "7.3", "7.4", "7.5", "7.5.1", "7.5.2", "7.5.3", //
        "8", "8.1", "8.2", "8.3", "8.4", //
        "9", "9.1", "9.2", "9.2.1", "9.2.2", "9.3", "9.3.1", "9.3.2", "9.3.3", //
        "10", "10.1", "10.2",
    ];
    assert_eq!(clauses, expected);
    assert_eq!(iso.requirement("6.1.3").unwrap().token, "cl-6.1.3");
    // The Statement of Applicability sits in 6.1.3.
    let soa = iso.requirement("6.1.3").unwrap();
    assert!(
        soa.documented_information
            .as_deref()
            .unwrap()
            .contains("Statement of Applicability")
    );
    // Documented information exactly where the standard requires it.
    let documented: Vec<&str> = iso
        .depth_first()
        .into_iter()
        .filter(|r| r.documented_information.is_some())
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        documented,
        [
            "4.3", "5.2", "6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.2", "7.2", "8.1", "8.2", "8.3",
            "8.4", "9.1", "9.2.2", "9.3.3", "10.2"
        ]
    );
}

#[test]
fn annex_c_lists_objectives_and_risk_sources() {
    let c = catalog();
    let iso = c.framework(ISO).unwrap();
    let count = |k| iso.requirements.iter().filter(|r| r.kind == k).count();
    assert_eq!(count(RequirementKind::OrganisationalObjective), 11);
    assert_eq!(count(RequirementKind::RiskSource), 7);
}

#[test]
fn nist_ai_rmf_counts() {
    let c = catalog();
    let nist = c.framework(NIST).unwrap();
    let count = |k| nist.requirements.iter().filter(|r| r.kind == k).count();
    assert_eq!(count(RequirementKind::Function), 4);
    assert_eq!(count(RequirementKind::Category), 19);
    assert_eq!(count(RequirementKind::Subcategory), 72);
    for (function, cats, subs) in [
        ("GOVERN", 6, 19),
        ("MAP", 5, 18),
        ("MEASURE", 4, 22),
        ("MANAGE", 4, 13),
    ] {
        let categories: Vec<_> = nist.children(function).collect();
        assert_eq!(categories.len(), cats, "{function}");
        let n: usize = categories
            .iter()
            .map(|c| nist.children(&c.id).count())
            .sum();
        assert_eq!(n, subs, "{function}");
        for (i, cat) in categories.iter().enumerate() {
            assert_eq!(cat.id, format!("{function} {}", i + 1));
            for (j, sub) in nist.children(&cat.id).enumerate() {
                assert_eq!(sub.id, format!("{} {}.{}", function, i + 1, j + 1));
            }
        }
    }
    assert_eq!(nist.requirement("GOVERN 1.1").unwrap().token, "govern-1.1");
}

#[test]
fn eu_ai_act_items_and_dates() {
    let c = catalog();
    let eu = c.framework("eu-ai-act-2024").unwrap();
    let points: Vec<&str> = eu.children("Art. 5").map(|r| r.id.as_str()).collect();
    assert_eq!(points.len(), 8);
    assert_eq!(points[0], "Art. 5(1)(a)");
    assert_eq!(points[7], "Art. 5(1)(h)");
    assert_eq!(eu.children("Annex III").count(), 8);
    assert_eq!(eu.children("Art. 50").count(), 4);
    for a in [
        "Art. 4", "Art. 9", "Art. 10", "Art. 11", "Art. 12", "Art. 13", "Art. 14", "Art. 15",
        "Art. 16", "Art. 17", "Art. 26", "Art. 27", "Art. 43", "Art. 49", "Art. 72", "Art. 73",
    ] {
        assert!(eu.requirement(a).is_some(), "{a}");
    }
    assert_eq!(
        eu.requirement("Art. 5(1)(c)")
            .unwrap()
            .applies_from
            .as_deref(),
        Some("2025-02-02")
    );
    assert_eq!(eu.requirement("Art. 5(1)(c)").unwrap().token, "art-5.1.c");
}

#[test]
fn harmonized_structure_frameworks_share_clause_ids() {
    let c = catalog();
    for id in ["iso-iec-27001-2022", "iso-9001-2015"] {
        let f = c.framework(id).unwrap();
        for clause in ["4.1", "5.2", "6.2", "7.5.3", "9.1", "10.2"] {
            assert!(f.requirement(clause).is_some(), "{id} {clause}");
        }
        assert_eq!(f.roots().count(), 7, "{id}");
    }
}

#[test]
fn every_crosswalk_id_resolves() {
    let c = catalog();
    for cw in &c.crosswalks {
        let s = c.framework(&cw.source_framework).unwrap();
        let t = c.framework(&cw.target_framework).unwrap();
        assert!(!cw.mappings.is_empty());
        for m in &cw.mappings {
            assert!(s.requirement(&m.source).is_some(), "{} {}", cw.id, m.source);
            assert!(t.requirement(&m.target).is_some(), "{} {}", cw.id, m.target);
        }
    }
}

#[test]
fn every_nist_subcategory_is_mapped() {
    let c = catalog();
    let nist = c.framework(NIST).unwrap();
    let mapped: HashSet<&str> = c
        .crosswalks_for(NIST)
        .flat_map(|cw| cw.mappings.iter().map(|m| m.target.as_str()))
        .collect();
    for r in nist
        .requirements
        .iter()
        .filter(|r| r.kind == RequirementKind::Subcategory)
    {
        assert!(mapped.contains(r.id.as_str()), "{} is not mapped", r.id);
    }
}

#[test]
fn harmonized_crosswalks_cover_clauses() {
    let c = catalog();
    for id in ["iso42001-to-iso27001", "iso42001-to-iso9001"] {
        let cw = c.crosswalk(id).unwrap();
        for clause in ["4.1", "5.2", "7.5.3", "9.3.3", "10.2"] {
            assert!(
                cw.mappings.iter().any(|m| m.source == clause),
                "{id} {clause}"
            );
        }
    }
}

#[test]
fn catalogue_round_trips_through_json() {
    let c = catalog();
    let json = serde_json::to_string(&c).unwrap();
    let back: Catalog = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
    let v = serde_json::to_value(c.requirement(ISO, "A.6.2.8").unwrap()).unwrap();
    assert_eq!(v["kind"], "control");
    assert_eq!(v["guidance"], "B.6.2.8");
}

#[test]
fn custom_frameworks_join_the_builtin_catalogue() {
    let mut c = catalog();
    let custom = aims_catalog::parse_framework(
        "acme.yaml",
        "id: acme-ai-policy\nname: Acme AI policy\nversion: \"3\"\npublisher: Acme\nlibrary_version: \"3.0.0\"\nrequirements:\n  - {id: R1, kind: control, title: Keep an AI inventory}\n",
    )
    .unwrap();
    assert!(custom.custom);
    c.add_framework(custom.clone()).unwrap();
    assert!(matches!(
        c.add_framework(custom),
        Err(aims_catalog::Error::DuplicateFramework(_))
    ));
    let cw = aims_catalog::parse_crosswalk(
        "acme-cw.yaml",
        "id: acme-to-iso\nname: Acme to 42001\nsource: acme-ai-policy\ntarget: iso-iec-42001-2023\nlibrary_version: \"1\"\nmappings:\n  - {source: R1, target: A.4.2, relationship: equivalent-to}\n",
        &c,
    )
    .unwrap();
    c.add_crosswalk(cw).unwrap();
    assert_eq!(c.requirement("acme-ai-policy", "R1").unwrap().token, "r1");
    assert_eq!(c.crosswalks_for("acme-ai-policy").count(), 1);
}

#[test]
fn ancestors_and_depth_first_order() {
    let c = catalog();
    let iso = c.framework(ISO).unwrap();
    let up: Vec<&str> = iso
        .ancestors("A.6.2.8")
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(up, ["A.6.2", "A.6"]);
    let all = iso.depth_first();
    assert_eq!(all.len(), iso.requirements.len());
    assert_eq!(all[0].id, "4");
    assert_eq!(all[1].id, "4.1");
}

#[test]
fn readme_examples_parse() {
    let readme = include_str!("../../frameworks/README.md");
    let blocks: Vec<&str> = readme
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert_eq!(blocks.len(), 2);
    let mut c = catalog();
    let f = aims_catalog::parse_framework("README framework", blocks[0]).unwrap();
    assert_eq!(f.requirement("P1.1").unwrap().token, "p1-1");
    c.add_framework(f).unwrap();
    let cw = aims_catalog::parse_crosswalk("README crosswalk", blocks[1], &c).unwrap();
    assert_eq!(cw.mappings.len(), 2);
}
