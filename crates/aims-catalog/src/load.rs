//! Parsing and validation of framework and crosswalk files, for built-ins and user uploads alike.

use std::collections::{HashMap, HashSet};

use crate::diag::Diagnostics;
use crate::model::{
    Catalog, Crosswalk, Framework, Mapping, Relationship, Requirement, RequirementKind, is_token,
    token_for,
};
use crate::yaml::{self, Located, Obj, Pos, Report};

const FRAMEWORK_KEYS: &[&str] = &[
    "id",
    "name",
    "version",
    "publisher",
    "library_version",
    "requirements",
];

const REQUIREMENT_KEYS: &[&str] = &[
    "id",
    "token",
    "parent",
    "kind",
    "title",
    "description",
    "guidance",
    "documented_information",
    "typical_evidence",
    "applies_from",
    "tags",
];

const CROSSWALK_KEYS: &[&str] = &[
    "id",
    "name",
    "source",
    "target",
    "library_version",
    "method",
    "matching_rationale",
    "status",
    "description",
    "mappings",
];

const MAPPING_KEYS: &[&str] = &["source", "target", "relationship", "remarks"];

const METHODS: &[&str] = &["human", "automation", "hybrid"];
const RATIONALES: &[&str] = &["syntactic", "semantic", "functional"];
const STATUSES: &[&str] = &[
    "complete",
    "not-complete",
    "draft",
    "deprecated",
    "superseded",
];

/// Parses and validates a framework library file. Anything parsed here is marked `custom`;
/// [`Catalog::builtin`] clears the flag for the libraries shipped with AIMS.
pub fn parse_framework(file_name: &str, text: &str) -> Result<Framework, Diagnostics> {
    let mut report = Report::new(file_name);
    let framework = yaml::load(text, &mut report).and_then(|doc| read_framework(&doc, &mut report));
    match framework {
        Some(f) if report.is_empty() => Ok(f),
        _ => Err(report.into_diagnostics()),
    }
}

/// Parses and validates a crosswalk file; both frameworks it names must be in `known`, and
/// every mapped id must exist in its framework.
pub fn parse_crosswalk(
    file_name: &str,
    text: &str,
    known: &Catalog,
) -> Result<Crosswalk, Diagnostics> {
    let mut report = Report::new(file_name);
    let crosswalk =
        yaml::load(text, &mut report).and_then(|doc| read_crosswalk(&doc, known, &mut report));
    match crosswalk {
        Some(c) if report.is_empty() => Ok(c),
        _ => Err(report.into_diagnostics()),
    }
}

fn valid_framework_id(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'))
}

fn check_single_line(field: String, v: &Located, report: &mut Report) {
    if v.value.contains('\n') {
        report.add(v.pos, field, "must be a single line");
    }
}

/// One requirement as read, with positions kept for the cross-item checks. `req` is `None`
/// when a field is missing or wrong, but the id and parent still take part in the checks so
/// that one bad item does not hide a duplicate or a dangling parent.
struct Item {
    id: String,
    token: String,
    parent: Option<String>,
    req: Option<Requirement>,
    index: usize,
    id_pos: Pos,
    token_pos: Pos,
    parent_pos: Pos,
}

fn read_framework(doc: &saphyr::MarkedYaml<'_>, report: &mut Report) -> Option<Framework> {
    let top = Obj::new(doc, "", FRAMEWORK_KEYS, report)?;
    let id = top.req_str("id", report);
    if let Some(id) = &id
        && !valid_framework_id(&id.value)
    {
        report.add(
            id.pos,
            "id",
            "must be lower-case letters, digits, '-' or '.', starting with a letter",
        );
    }
    let name = top.req_str("name", report);
    let version = top.req_str("version", report);
    let publisher = top.req_str("publisher", report);
    let library_version = top.req_str("library_version", report);
    for (key, v) in [
        ("name", &name),
        ("version", &version),
        ("publisher", &publisher),
        ("library_version", &library_version),
    ] {
        if let Some(v) = v {
            check_single_line(key.to_owned(), v, report);
        }
    }
    let items = top.req_seq("requirements", report);
    let top_pos = top.pos();
    top.finish(report);

    let mut reqs = Vec::new();
    if let Some(items) = items {
        if items.is_empty() {
            report.add(
                top_pos,
                "requirements",
                "a framework needs at least one requirement",
            );
        }
        for (index, node) in items.iter().enumerate() {
            if let Some(item) = read_requirement(node, index, report) {
                reqs.push(item);
            }
        }
    }
    check_requirements(&reqs, report);

    Some(Framework {
        id: id?.value,
        name: name?.value,
        version: version?.value,
        publisher: publisher?.value,
        library_version: library_version?.value,
        requirements: reqs.into_iter().filter_map(|i| i.req).collect(),
        custom: true,
    })
}

fn read_requirement(
    node: &saphyr::MarkedYaml<'_>,
    index: usize,
    report: &mut Report,
) -> Option<Item> {
    let o = Obj::new(
        node,
        format!("requirements[{index}]"),
        REQUIREMENT_KEYS,
        report,
    )?;
    let id = o.req_str("id", report);
    let token = o.opt_str("token", report);
    let parent = o.opt_str("parent", report);
    let kind = o.req_str("kind", report);
    let title = o.req_str("title", report);
    let description = o.opt_str("description", report);
    let guidance = o.opt_str("guidance", report);
    let documented_information = o.opt_str("documented_information", report);
    let typical_evidence = o.str_list("typical_evidence", report);
    let applies_from = o.opt_str("applies_from", report);
    let tags = o.str_list("tags", report);

    if let Some(id) = &id {
        check_single_line(o.field("id"), id, report);
    }
    if let Some(t) = &title {
        check_single_line(o.field("title"), t, report);
    }
    let kind = kind.and_then(|k| {
        let parsed = RequirementKind::from_code(&k.value);
        if parsed.is_none() {
            let all: Vec<&str> = RequirementKind::ALL.iter().map(|k| k.code()).collect();
            report.add(
                k.pos,
                o.field("kind"),
                format!(
                    "unknown kind \"{}\"; expected one of: {}",
                    k.value,
                    all.join(", ")
                ),
            );
        }
        parsed
    });
    if let Some(d) = &applies_from {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        if time::Date::parse(&d.value, format).is_err() {
            report.add(
                d.pos,
                o.field("applies_from"),
                "expected a date as YYYY-MM-DD",
            );
        }
    }
    let (token_value, token_pos) = match (&token, &id) {
        (Some(t), _) => {
            if !is_token(&t.value) {
                report.add(
                    t.pos,
                    o.field("token"),
                    "must start with a letter or '_' and hold only letters, digits, '.', '-' or '_'",
                );
            }
            (t.value.clone(), t.pos)
        }
        (None, Some(id)) => {
            let t = token_for(&id.value);
            if !is_token(&t) {
                report.add(
                    id.pos,
                    o.field("id"),
                    "no OSCAL token can be derived from this id; give one with `token`",
                );
            }
            (t, id.pos)
        }
        (None, None) => (String::new(), o.pos()),
    };
    let pos = o.pos();
    o.finish(report);

    let id = id?;
    let parent_pos = parent.as_ref().map_or(pos, |p| p.pos);
    let parent = parent.map(|p| p.value);
    let req = match (kind, title) {
        (Some(kind), Some(title)) => Some(Requirement {
            id: id.value.clone(),
            token: token_value.clone(),
            parent: parent.clone(),
            kind,
            title: title.value,
            description: description.map(|d| d.value).unwrap_or_default(),
            guidance: guidance.map(|g| g.value),
            documented_information: documented_information.map(|d| d.value),
            typical_evidence,
            applies_from: applies_from.map(|a| a.value),
            tags,
            sort_key: u32::try_from(index).unwrap_or(u32::MAX),
        }),
        _ => None,
    };
    Some(Item {
        id: id.value,
        token: token_value,
        parent,
        req,
        index,
        id_pos: id.pos,
        token_pos,
        parent_pos,
    })
}

/// Checks across items: unique ids and tokens, parents that exist, no parent cycles.
fn check_requirements(items: &[Item], report: &mut Report) {
    let mut by_id: HashMap<&str, &Item> = HashMap::new();
    let mut by_token: HashMap<&str, &Item> = HashMap::new();
    for item in items {
        match by_id.get(item.id.as_str()) {
            Some(first) => report.add(
                item.id_pos,
                format!("requirements[{}].id", item.index),
                format!(
                    "duplicate id \"{}\" (first defined at line {})",
                    item.id, first.id_pos.line
                ),
            ),
            None => {
                by_id.insert(&item.id, item);
            }
        }
        if item.token.is_empty() {
            continue;
        }
        match by_token.get(item.token.as_str()) {
            Some(first) if first.id != item.id => report.add(
                item.token_pos,
                format!("requirements[{}].token", item.index),
                format!(
                    "token \"{}\" is already used by \"{}\" (line {})",
                    item.token, first.id, first.id_pos.line
                ),
            ),
            Some(_) => {}
            None => {
                by_token.insert(&item.token, item);
            }
        }
    }
    for item in items {
        let Some(parent) = item.parent.as_deref() else {
            continue;
        };
        let field = format!("requirements[{}].parent", item.index);
        if !by_id.contains_key(parent) {
            report.add(
                item.parent_pos,
                field,
                format!("no requirement has id \"{parent}\""),
            );
            continue;
        }
        // Walk up from this item; if we meet it again, it sits on a cycle.
        let mut seen = HashSet::new();
        let mut cur = Some(parent);
        while let Some(p) = cur {
            if p == item.id {
                report.add(
                    item.parent_pos,
                    field,
                    format!("parent chain of \"{}\" loops back to itself", item.id),
                );
                break;
            }
            if !seen.insert(p) {
                break; // a cycle above us, reported on its own members
            }
            cur = by_id.get(p).and_then(|i| i.parent.as_deref());
        }
    }
}

fn choice(
    o: &Obj<'_, '_>,
    key: &str,
    allowed: &[&str],
    default: &str,
    report: &mut Report,
) -> String {
    match o.opt_str(key, report) {
        Some(v) if allowed.contains(&v.value.as_str()) => v.value,
        Some(v) => {
            report.add(
                v.pos,
                o.field(key),
                format!(
                    "unknown value \"{}\"; expected one of: {}",
                    v.value,
                    allowed.join(", ")
                ),
            );
            v.value
        }
        None => default.to_owned(),
    }
}

fn read_crosswalk(
    doc: &saphyr::MarkedYaml<'_>,
    known: &Catalog,
    report: &mut Report,
) -> Option<Crosswalk> {
    let top = Obj::new(doc, "", CROSSWALK_KEYS, report)?;
    let id = top.req_str("id", report);
    if let Some(id) = &id
        && !valid_framework_id(&id.value)
    {
        report.add(
            id.pos,
            "id",
            "must be lower-case letters, digits, '-' or '.', starting with a letter",
        );
    }
    let name = top.req_str("name", report);
    let source = top.req_str("source", report);
    let target = top.req_str("target", report);
    let library_version = top.req_str("library_version", report);
    let method = choice(&top, "method", METHODS, "human", report);
    let matching_rationale = choice(&top, "matching_rationale", RATIONALES, "semantic", report);
    let status = choice(&top, "status", STATUSES, "draft", report);
    let description = top.opt_str("description", report);
    let items = top.req_seq("mappings", report);
    if items.is_some_and(<[_]>::is_empty) {
        report.add(
            top.pos(),
            "mappings",
            "a crosswalk needs at least one mapping",
        );
    }
    top.finish(report);

    let mut lookup = |key: &str, v: &Option<Located>| -> Option<&Framework> {
        let v = v.as_ref()?;
        let f = known.framework(&v.value);
        if f.is_none() {
            report.add(v.pos, key, format!("no framework has id \"{}\"", v.value));
        }
        f
    };
    let source_fw = lookup("source", &source);
    let target_fw = lookup("target", &target);

    let mut mappings = Vec::new();
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (index, node) in items.unwrap_or_default().iter().enumerate() {
        let Some(o) = Obj::new(node, format!("mappings[{index}]"), MAPPING_KEYS, report) else {
            continue;
        };
        let s = o.req_str("source", report);
        let t = o.req_str("target", report);
        let rel = o.req_str("relationship", report);
        let remarks = o.opt_str("remarks", report);
        for (key, v, fw) in [("source", &s, source_fw), ("target", &t, target_fw)] {
            if let (Some(v), Some(fw)) = (v, fw)
                && fw.requirement(&v.value).is_none()
            {
                report.add(
                    v.pos,
                    o.field(key),
                    format!(
                        "\"{}\" is not a requirement of framework \"{}\"",
                        v.value, fw.id
                    ),
                );
            }
        }
        let relationship = rel.as_ref().and_then(|r| {
            let parsed = Relationship::from_code(&r.value);
            if parsed.is_none() {
                let all: Vec<&str> = Relationship::ALL.iter().map(|r| r.code()).collect();
                report.add(
                    r.pos,
                    o.field("relationship"),
                    format!(
                        "unknown relationship \"{}\"; expected one of: {}",
                        r.value,
                        all.join(", ")
                    ),
                );
            }
            parsed
        });
        let pos = o.pos();
        o.finish(report);
        if let (Some(s), Some(t), Some(relationship)) = (s, t, relationship) {
            let key = (s.value.clone(), t.value.clone());
            if let Some(first) = seen.get(&key) {
                report.add(
                    pos,
                    format!("mappings[{index}]"),
                    format!(
                        "\"{}\" to \"{}\" is already mapped (line {first})",
                        s.value, t.value
                    ),
                );
            } else {
                seen.insert(key, pos.line);
            }
            mappings.push(Mapping {
                source: s.value,
                target: t.value,
                relationship,
                remarks: remarks.map(|r| r.value),
            });
        }
    }

    Some(Crosswalk {
        id: id?.value,
        name: name?.value,
        source_framework: source?.value,
        target_framework: target?.value,
        library_version: library_version?.value,
        method,
        matching_rationale,
        status,
        description: description.map(|d| d.value).unwrap_or_default(),
        mappings,
        custom: true,
    })
}
