//! Crosswalk inference keeps every source of a many-to-many mapping.

use std::collections::HashMap;

use aims_catalog::{
    Catalog, Coverage, Relationship, Status, infer_coverage, parse_crosswalk, parse_framework,
};

fn catalog() -> Catalog {
    let mut c = Catalog::default();
    for (file, text) in [
        (
            "src.yaml",
            "id: src\nname: S\nversion: \"1\"\npublisher: P\nlibrary_version: \"1\"\nrequirements:\n  - {id: S1, kind: control, title: One}\n  - {id: S2, kind: control, title: Two}\n  - {id: S3, kind: control, title: Three}\n",
        ),
        (
            "tgt.yaml",
            "id: tgt\nname: T\nversion: \"1\"\npublisher: P\nlibrary_version: \"1\"\nrequirements:\n  - {id: T1, kind: control, title: One}\n  - {id: T2, kind: control, title: Two}\n  - {id: T3, kind: control, title: Three}\n",
        ),
    ] {
        c.add_framework(parse_framework(file, text).unwrap())
            .unwrap();
    }
    // N-to-N: T1 <- S1, S2, S3; T2 <- S1, S2; T3 unmapped.
    let cw = parse_crosswalk(
        "cw.yaml",
        "id: s-to-t\nname: S to T\nsource: src\ntarget: tgt\nlibrary_version: \"1\"\nmappings:\n  - {source: S1, target: T1, relationship: subset-of}\n  - {source: S2, target: T1, relationship: intersects-with}\n  - {source: S3, target: T1, relationship: equivalent-to}\n  - {source: S1, target: T2, relationship: intersects-with}\n  - {source: S2, target: T2, relationship: superset-of}\n",
        &c,
    )
    .unwrap();
    c.add_crosswalk(cw).unwrap();
    c
}

fn status(pairs: &[(&str, &str, Status)]) -> HashMap<(String, String), Status> {
    pairs
        .iter()
        .map(|(f, r, s)| ((f.to_string(), r.to_string()), *s))
        .collect()
}

#[test]
fn n_to_n_mapping_keeps_every_source() {
    let c = catalog();
    let st = status(&[
        ("src", "S1", Status::Implemented),
        ("src", "S2", Status::PartiallyImplemented),
        ("src", "S3", Status::Planned),
    ]);
    let out = infer_coverage(&c, &st, "tgt");
    assert_eq!(out.len(), 3);
    let t1 = &out[0];
    assert_eq!(t1.requirement_id, "T1");
    let sources: Vec<(&str, Relationship, Option<Status>)> = t1
        .supports
        .iter()
        .map(|s| (s.source_id.as_str(), s.relationship, s.source_status))
        .collect();
    assert_eq!(
        sources,
        [
            ("S1", Relationship::SubsetOf, Some(Status::Implemented)),
            (
                "S2",
                Relationship::IntersectsWith,
                Some(Status::PartiallyImplemented)
            ),
            ("S3", Relationship::EquivalentTo, Some(Status::Planned)),
        ]
    );
    // implemented subset and partial intersect give partial; the equivalent one is only planned
    assert_eq!(t1.coverage, Coverage::Partial);
    let t2 = &out[1];
    assert_eq!(t2.supports.len(), 2);
    assert_eq!(t2.coverage, Coverage::Partial);
    assert_eq!(out[2].coverage, Coverage::Unknown);
    assert!(out[2].supports.is_empty());
}

#[test]
fn an_implemented_equivalent_or_superset_source_covers() {
    let c = catalog();
    let st = status(&[
        ("src", "S3", Status::Implemented),
        ("src", "S2", Status::Implemented),
    ]);
    let out = infer_coverage(&c, &st, "tgt");
    assert_eq!(out[0].coverage, Coverage::Covered); // S3 equivalent-to T1
    assert_eq!(out[1].coverage, Coverage::Covered); // S2 superset-of T2
}

#[test]
fn subsets_alone_never_cover() {
    let c = catalog();
    let st = status(&[
        ("src", "S1", Status::Implemented),
        ("src", "S2", Status::Implemented),
    ]);
    let out = infer_coverage(&c, &st, "tgt");
    assert_eq!(out[0].coverage, Coverage::Partial); // subset + intersects
}

#[test]
fn planned_sources_give_not_covered_and_missing_status_unknown() {
    let c = catalog();
    let out = infer_coverage(&c, &status(&[("src", "S1", Status::NotStarted)]), "tgt");
    assert_eq!(out[0].coverage, Coverage::NotCovered);
    let out = infer_coverage(&c, &HashMap::new(), "tgt");
    assert!(out.iter().all(|i| i.coverage == Coverage::Unknown));
    assert_eq!(out[0].supports.len(), 3);
}

#[test]
fn inference_runs_backwards_with_inverted_relationships() {
    let c = catalog();
    let st = status(&[
        ("tgt", "T1", Status::Implemented),
        ("tgt", "T2", Status::Implemented),
    ]);
    let out = infer_coverage(&c, &st, "src");
    let s1 = out.iter().find(|i| i.requirement_id == "S1").unwrap();
    assert_eq!(s1.supports.len(), 2);
    // S1 subset-of T1 reads T1 superset-of S1: an implemented T1 covers S1.
    assert_eq!(s1.supports[0].relationship, Relationship::SupersetOf);
    assert_eq!(s1.coverage, Coverage::Covered);
    let s2 = out.iter().find(|i| i.requirement_id == "S2").unwrap();
    // S2 superset-of T2 reads T2 subset-of S2: partial at most; S2 intersects T1: partial.
    assert_eq!(s2.coverage, Coverage::Partial);
}

#[test]
fn builtin_nist_inference_keeps_all_iso_sources() {
    let c = Catalog::builtin().unwrap();
    let st = status(&[("iso-iec-42001-2023", "6.1.2", Status::Implemented)]);
    let out = infer_coverage(&c, &st, "nist-ai-rmf-1.0");
    let g14 = out
        .iter()
        .find(|i| i.requirement_id == "GOVERN 1.4")
        .unwrap();
    let ids: Vec<&str> = g14.supports.iter().map(|s| s.source_id.as_str()).collect();
    assert_eq!(ids, ["6.1.2", "6.1.3", "8.2", "8.3"]);
    assert_eq!(g14.coverage, Coverage::Partial);
    assert!(infer_coverage(&c, &st, "no-such-framework").is_empty());
}
