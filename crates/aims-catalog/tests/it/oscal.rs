//! OSCAL exports validate against the official OSCAL 1.2.3 JSON schemas.

use aims_catalog::{Catalog, oscal_catalog, oscal_mapping_collection};
use serde_json::Value;
use time::macros::datetime;

const SCHEMAS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/schemas/oscal-1.2.3/"
);

fn validator(name: &str) -> jsonschema::Validator {
    let path = format!("{SCHEMAS}{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

fn group<'a>(groups: &'a Value, id: &str) -> &'a Value {
    groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == id)
        .unwrap_or_else(|| panic!("no group {id}"))
}

#[test]
fn iso42001_catalog_has_the_expected_shape_and_validates() {
    let c = Catalog::builtin().unwrap();
    let iso = c.framework("iso-iec-42001-2023").unwrap();
    let doc = oscal_catalog(iso, datetime!(2026-12-04 12:00 UTC)).unwrap();
    let cat = &doc["catalog"];
    assert_eq!(cat["metadata"]["oscal-version"], "1.2.3");
    assert_eq!(cat["metadata"]["last-modified"], "2026-12-04T12:00:00Z");
    let ids: Vec<&str> = cat["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "cl-4", "cl-5", "cl-6", "cl-7", "cl-8", "cl-9", "cl-10", "a.2", "a.3", "a.4", "a.5",
            "a.6", "a.7", "a.8", "a.9", "a.10"
        ]
    );
    let a6 = group(&cat["groups"], "a.6");
    let subs: Vec<&str> = a6["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(subs, ["a.6.1", "a.6.2"]);
    let a628 = group(&a6["groups"], "a.6.2")["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "a.6.2.8")
        .unwrap();
    assert_eq!(
        a628["props"][0],
        serde_json::json!({"name": "label", "value": "A.6.2.8"})
    );
    assert_eq!(a628["props"][1]["value"], "a.06.02.08");
    assert_eq!(a628["parts"][0]["name"], "statement");
    assert_eq!(a628["parts"][1]["name"], "guidance");
    assert!(
        a628["parts"][1]["prose"]
            .as_str()
            .unwrap()
            .contains("B.6.2.8")
    );
    // 6.1 is a control with 6.1.1 to 6.1.4 nested
    let cl6 = group(&cat["groups"], "cl-6");
    let c61 = &cl6["controls"][0];
    assert_eq!(c61["id"], "cl-6.1");
    assert_eq!(c61["controls"].as_array().unwrap().len(), 4);

    assert_valid(&validator("oscal_catalog_schema.json"), &doc);

    // a fresh v4 uuid per export
    let again = oscal_catalog(iso, datetime!(2026-12-04 12:00 UTC)).unwrap();
    assert_ne!(doc["catalog"]["uuid"], again["catalog"]["uuid"]);
    let u = uuid::Uuid::parse_str(doc["catalog"]["uuid"].as_str().unwrap()).unwrap();
    assert_eq!(u.get_version_num(), 4);
}

#[test]
fn every_builtin_framework_exports_a_valid_catalog() {
    let c = Catalog::builtin().unwrap();
    let v = validator("oscal_catalog_schema.json");
    for f in &c.frameworks {
        let doc = oscal_catalog(f, datetime!(2026-01-31 08:30 +05:30)).unwrap();
        assert_valid(&v, &doc);
    }
}

#[test]
fn every_builtin_crosswalk_exports_a_valid_mapping_collection() {
    let c = Catalog::builtin().unwrap();
    let v = validator("oscal_mapping_schema.json");
    for cw in &c.crosswalks {
        let doc = oscal_mapping_collection(&c, cw, datetime!(2026-12-04 12:00 UTC)).unwrap();
        assert_valid(&v, &doc);
        let maps = doc["mapping-collection"]["mappings"][0]["maps"]
            .as_array()
            .unwrap();
        assert_eq!(maps.len(), cw.mappings.len(), "every pair kept");
    }
    let cw = c.crosswalk("iso42001-to-nist-ai-rmf").unwrap();
    let a = oscal_mapping_collection(&c, cw, datetime!(2026-12-04 12:00 UTC)).unwrap();
    let b = oscal_mapping_collection(&c, cw, datetime!(2026-12-05 12:00 UTC)).unwrap();
    let map_uuid = |d: &Value| d["mapping-collection"]["mappings"][0]["maps"][0]["uuid"].clone();
    assert_eq!(map_uuid(&a), map_uuid(&b), "object uuids are stable");
    assert_ne!(
        a["mapping-collection"]["uuid"],
        b["mapping-collection"]["uuid"]
    );
    let first = &a["mapping-collection"]["mappings"][0]["maps"][0];
    assert_eq!(first["sources"][0]["id-ref"], "cl-4.1");
    assert_eq!(first["targets"][0]["id-ref"], "govern-1.1");
}

#[test]
fn validation_really_runs_and_rejects_broken_documents() {
    let c = Catalog::builtin().unwrap();
    let iso = c.framework("iso-iec-42001-2023").unwrap();
    let v = validator("oscal_catalog_schema.json");
    let good = oscal_catalog(iso, datetime!(2026-12-04 12:00 UTC)).unwrap();
    assert!(v.is_valid(&good));

    // An id that is not a token (starts with a digit): caught only if the \p{L} pattern works.
    let mut bad = good.clone();
    bad["catalog"]["groups"][0]["id"] = Value::from("4");
    assert!(
        !v.is_valid(&bad),
        "a display id must not pass as an OSCAL token"
    );

    // A unicode letter is a valid token start, so \p{L} is understood, not just rejected.
    let mut unicode = good.clone();
    unicode["catalog"]["groups"][0]["id"] = Value::from("é-4");
    assert!(v.is_valid(&unicode));

    // A missing required field and an unknown field.
    let mut bad = good.clone();
    bad["catalog"]["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("oscal-version");
    assert!(!v.is_valid(&bad));
    let mut bad = good;
    bad["catalog"]["colour"] = Value::from("blue");
    assert!(!v.is_valid(&bad));

    let m = validator("oscal_mapping_schema.json");
    let cw = c.crosswalk("iso42001-to-eu-ai-act").unwrap();
    let mut bad = oscal_mapping_collection(&c, cw, datetime!(2026-12-04 12:00 UTC)).unwrap();
    bad["mapping-collection"]["provenance"]["method"] = Value::from("guesswork");
    assert!(!m.is_valid(&bad));
}
