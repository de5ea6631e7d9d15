//! Bad input: every problem is reported with file, line and field.

use aims_catalog::{Catalog, Diagnostic, Diagnostics, parse_crosswalk, parse_framework};

const HEADER: &str = "id: acme-ai\nname: Acme AI framework\nversion: \"1\"\npublisher: Acme\nlibrary_version: \"0.1.0\"\nrequirements:\n";

fn framework_errors(body: &str) -> Diagnostics {
    match parse_framework("acme.yaml", &format!("{HEADER}{body}")) {
        Ok(f) => panic!("expected diagnostics, got {f:?}"),
        Err(d) => d,
    }
}

fn find<'a>(d: &'a Diagnostics, field: &str) -> &'a Diagnostic {
    d.iter()
        .find(|x| x.field == field)
        .unwrap_or_else(|| panic!("no diagnostic on {field}:\n{d}"))
}

#[test]
fn a_valid_custom_framework_parses() {
    let f = parse_framework(
        "acme.yaml",
        &format!(
            "{HEADER}  - {{id: P1, kind: section, title: Policies}}\n  - {{id: P1.1, parent: P1, kind: control, title: Have a policy}}\n"
        ),
    )
    .unwrap();
    assert!(f.custom);
    assert_eq!(f.requirements.len(), 2);
    assert_eq!(f.requirements[1].token, "p1.1");
    assert_eq!(f.requirements[1].sort_key, 1);
}

#[test]
fn duplicate_id_points_at_the_second_occurrence() {
    // lines 7, 8, 9 hold the items
    let d = framework_errors(
        "  - {id: X, kind: control, title: One}\n  - {id: Y, kind: control, title: Two}\n  - {id: X, kind: control, title: Three}\n",
    );
    let e = find(&d, "requirements[2].id");
    assert_eq!((e.file.as_str(), e.line), ("acme.yaml", 9));
    assert!(e.message.contains("duplicate id \"X\""), "{e}");
    assert!(e.message.contains("line 7"), "{e}");
}

#[test]
fn dangling_parent_is_reported_with_display_form() {
    let d = framework_errors(
        "  - id: A.1\n    kind: area\n    title: One\n  - id: A.1.2\n    parent: A.9\n    kind: control\n    title: Two\n",
    );
    let e = find(&d, "requirements[1].parent");
    assert_eq!(e.line, 11);
    assert_eq!(e.column, 13);
    assert_eq!(
        e.to_string(),
        "acme.yaml:11:13: requirements[1].parent: no requirement has id \"A.9\""
    );
}

#[test]
fn parent_cycle_is_reported() {
    let d = framework_errors(
        "  - {id: X, parent: Y, kind: control, title: One}\n  - {id: Y, parent: X, kind: control, title: Two}\n",
    );
    let e = find(&d, "requirements[0].parent");
    assert_eq!(e.line, 7);
    assert!(e.message.contains("loops back"), "{e}");
    find(&d, "requirements[1].parent");
}

#[test]
fn invalid_yaml_has_line_and_column() {
    let d = framework_errors("  - {id: X, kind: control, title: One\n  - [unclosed\n");
    assert_eq!(d.len(), 1);
    let e = &d.items[0];
    assert_eq!(e.file, "acme.yaml");
    assert_eq!(e.field, "(syntax)");
    assert!(e.line >= 7, "{e}");
    assert!(e.column >= 1);
    assert!(e.message.starts_with("invalid YAML"), "{e}");
}

#[test]
fn duplicate_mapping_key_is_invalid_yaml() {
    let d = framework_errors("  - {id: X, kind: control, title: One, title: Two}\n");
    assert_eq!(d.items[0].line, 7);
    assert!(d.items[0].message.contains("duplicated key"), "{}", d);
}

#[test]
fn unknown_key_is_reported_at_the_key() {
    let d = framework_errors("  - id: X\n    kind: control\n    title: One\n    colour: blue\n");
    let e = find(&d, "requirements[0].colour");
    assert_eq!((e.line, e.column), (10, 5));
    assert!(e.message.starts_with("unknown field"), "{e}");
}

#[test]
fn unknown_top_level_key_is_reported() {
    let d = match parse_framework(
        "t.yaml",
        &format!("owner: me\n{HEADER}  - {{id: X, kind: control, title: One}}\n"),
    ) {
        Err(d) => d,
        Ok(_) => panic!("expected an error"),
    };
    let e = find(&d, "owner");
    assert_eq!(e.line, 1);
}

#[test]
fn missing_required_field_names_the_field() {
    let d =
        framework_errors("  - id: X\n    kind: control\n  - {id: Y, kind: control, title: Fine}\n");
    let e = find(&d, "requirements[0].title");
    assert_eq!(e.line, 7);
    assert_eq!(e.message, "missing required field");
}

#[test]
fn missing_header_field_and_unknown_kind() {
    let text = "id: acme\nname: Acme\nversion: \"1\"\nlibrary_version: \"1\"\nrequirements:\n  - {id: X, kind: widget, title: One}\n";
    let d = parse_framework("h.yaml", text).unwrap_err();
    assert_eq!(find(&d, "publisher").line, 1);
    let e = find(&d, "requirements[0].kind");
    assert_eq!(e.line, 6);
    assert!(e.message.contains("unknown kind \"widget\""), "{e}");
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let d = framework_errors(
        "  - {id: X, kind: control, title: One, extra: 1}\n  - {id: X, kind: control}\n  - {id: Z, parent: nope, kind: control, title: Three}\n",
    );
    let fields: Vec<&str> = d.iter().map(|x| x.field.as_str()).collect();
    for f in [
        "requirements[0].extra",
        "requirements[1].title",
        "requirements[1].id",
        "requirements[2].parent",
    ] {
        assert!(fields.contains(&f), "{f} missing from:\n{d}");
    }
    // sorted top to bottom
    let lines: Vec<usize> = d.iter().map(|x| x.line).collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
}

#[test]
fn ids_that_look_like_numbers_stay_text() {
    let f = parse_framework(
        "n.yaml",
        &format!("{HEADER}  - {{id: 4.10, kind: clause, title: Ten}}\n  - {{id: 4.1, kind: clause, title: One}}\n"),
    )
    .unwrap();
    assert_eq!(f.requirements[0].id, "4.10");
    assert_eq!(f.requirements[0].token, "cl-4.10");
}

fn small_catalog() -> Catalog {
    let mut c = Catalog::default();
    let a = parse_framework(
        "a.yaml",
        "id: fa\nname: A\nversion: \"1\"\npublisher: P\nlibrary_version: \"1\"\nrequirements:\n  - {id: A1, kind: control, title: One}\n  - {id: A2, kind: control, title: Two}\n",
    )
    .unwrap();
    let b = parse_framework(
        "b.yaml",
        "id: fb\nname: B\nversion: \"1\"\npublisher: P\nlibrary_version: \"1\"\nrequirements:\n  - {id: B1, kind: control, title: One}\n",
    )
    .unwrap();
    c.add_framework(a).unwrap();
    c.add_framework(b).unwrap();
    c
}

const CW_HEADER: &str =
    "id: a-to-b\nname: A to B\nsource: fa\ntarget: fb\nlibrary_version: \"1\"\nmappings:\n";

#[test]
fn crosswalk_parses_and_is_added() {
    let mut c = small_catalog();
    let cw = parse_crosswalk(
        "x.yaml",
        &format!("{CW_HEADER}  - {{source: A1, target: B1, relationship: subset-of}}\n  - {{source: A2, target: B1, relationship: intersects-with, remarks: partly}}\n"),
        &c,
    )
    .unwrap();
    assert_eq!(cw.mappings.len(), 2);
    assert_eq!(cw.method, "human");
    c.add_crosswalk(cw).unwrap();
    assert_eq!(c.crosswalks.len(), 1);
}

#[test]
fn unknown_relationship_type_is_reported() {
    let c = small_catalog();
    let d = parse_crosswalk(
        "x.yaml",
        &format!("{CW_HEADER}  - {{source: A1, target: B1, relationship: same-as}}\n"),
        &c,
    )
    .unwrap_err();
    let e = find(&d, "mappings[0].relationship");
    assert_eq!((e.file.as_str(), e.line), ("x.yaml", 7));
    assert!(
        e.message.contains("unknown relationship \"same-as\""),
        "{e}"
    );
}

#[test]
fn mapping_to_an_absent_id_is_reported() {
    let c = small_catalog();
    let d = parse_crosswalk(
        "x.yaml",
        &format!("{CW_HEADER}  - {{source: A1, target: B1, relationship: equal-to}}\n  - {{source: A9, target: B7, relationship: equal-to}}\n"),
        &c,
    )
    .unwrap_err();
    let s = find(&d, "mappings[1].source");
    assert_eq!(s.line, 8);
    assert!(
        s.message
            .contains("\"A9\" is not a requirement of framework \"fa\""),
        "{s}"
    );
    assert_eq!(find(&d, "mappings[1].target").line, 8);
}

#[test]
fn crosswalk_to_an_unknown_framework_is_reported() {
    let c = small_catalog();
    let text = "id: a-to-z\nname: A to Z\nsource: fa\ntarget: fz\nlibrary_version: \"1\"\nstatus: finished\nmappings:\n  - {source: A1, target: Z1, relationship: equal-to}\n";
    let d = parse_crosswalk("z.yaml", text, &c).unwrap_err();
    assert_eq!(find(&d, "target").line, 4);
    assert_eq!(find(&d, "status").line, 6);
}
