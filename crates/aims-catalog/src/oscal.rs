//! OSCAL 1.2.3 JSON export of a framework (catalog model) and of a crosswalk (mapping model).

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::model::{Catalog, Crosswalk, Framework, Requirement};
use crate::{Error, token_for};

pub const OSCAL_VERSION: &str = "1.2.3";

/// Namespace of our own props and part names, as OSCAL asks for non-NIST names.
const NS: &str = "https://github.com/aims-project/aims/ns/oscal";

/// Root of the stable v5 uuids of exported objects: the same object gets the same uuid in
/// every export, while each document gets a fresh v4 uuid (OSCAL's revision rule).
fn stable_uuid(key: &str) -> Uuid {
    let root = Uuid::new_v5(&Uuid::NAMESPACE_URL, NS.as_bytes());
    Uuid::new_v5(&root, key.as_bytes())
}

/// `a.6.2.8` to `a.06.02.08`, so that sort-ids sort as text in reading order.
fn sort_id(token: &str) -> String {
    let mut out = String::with_capacity(token.len() + 4);
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if !digits.is_empty() {
            if digits.len() < 2 {
                out.push('0');
            }
            out.push_str(digits);
            digits.clear();
        }
    };
    for c in token.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

fn metadata(
    title: &str,
    last_modified: OffsetDateTime,
    version: &str,
    remarks: &str,
) -> Result<Value, Error> {
    Ok(json!({
        "title": title,
        "last-modified": last_modified.format(&Rfc3339)?,
        "version": version,
        "oscal-version": OSCAL_VERSION,
        "remarks": remarks,
    }))
}

fn props(r: &Requirement) -> Value {
    json!([
        {"name": "label", "value": r.id},
        {"name": "sort-id", "value": sort_id(&r.token)},
    ])
}

struct Builder<'a> {
    framework: &'a Framework,
}

impl<'a> Builder<'a> {
    fn children(&self, r: &'a Requirement) -> Vec<&'a Requirement> {
        self.framework
            .children(&r.id)
            .filter(|c| !c.kind.is_reference())
            .collect()
    }

    /// Top-level headings and grouping kinds under groups become groups; everything else
    /// (and any heading without children) becomes a control, since controls cannot hold groups.
    fn is_group(&self, r: &'a Requirement, parent_is_group: bool) -> bool {
        !self.children(r).is_empty()
            && (r.parent.is_none() || (parent_is_group && r.kind.is_grouping()))
    }

    fn group(&self, r: &'a Requirement) -> Value {
        let mut g = Map::new();
        g.insert("id".into(), json!(r.token));
        g.insert("class".into(), json!(r.kind.code()));
        g.insert("title".into(), json!(r.title));
        g.insert("props".into(), props(r));
        if !r.description.is_empty() {
            g.insert(
                "parts".into(),
                json!([{"id": format!("{}_ovw", r.token), "name": "overview", "prose": r.description}]),
            );
        }
        let mut groups = Vec::new();
        let mut controls = Vec::new();
        for c in self.children(r) {
            if self.is_group(c, true) {
                groups.push(self.group(c));
            } else {
                controls.push(self.control(c));
            }
        }
        if !groups.is_empty() {
            g.insert("groups".into(), Value::Array(groups));
        }
        if !controls.is_empty() {
            g.insert("controls".into(), Value::Array(controls));
        }
        Value::Object(g)
    }

    fn control(&self, r: &'a Requirement) -> Value {
        let mut c = Map::new();
        c.insert("id".into(), json!(r.token));
        c.insert("class".into(), json!(r.kind.code()));
        c.insert("title".into(), json!(r.title));
        let mut p = props(r);
        if let (Some(d), Value::Array(list)) = (&r.applies_from, &mut p) {
            list.push(json!({"name": "applies-from", "ns": NS, "value": d}));
        }
        c.insert("props".into(), p);
        let statement = if r.description.is_empty() {
            &r.title
        } else {
            &r.description
        };
        let mut parts = vec![
            json!({"id": format!("{}_smt", r.token), "name": "statement", "prose": statement}),
        ];
        if let Some(g) = &r.guidance {
            parts.push(json!({
                "id": format!("{}_gdn", r.token),
                "name": "guidance",
                "prose": format!("Implementation guidance: {g}."),
                "props": [{"name": "guidance-ref", "ns": NS, "value": g}],
            }));
        }
        if let Some(d) = &r.documented_information {
            parts.push(json!({
                "id": format!("{}_doc", r.token),
                "name": "documented-information",
                "ns": NS,
                "prose": d,
            }));
        }
        if !r.typical_evidence.is_empty() {
            let prose: Vec<String> = r
                .typical_evidence
                .iter()
                .map(|e| format!("- {e}"))
                .collect();
            parts.push(json!({
                "id": format!("{}_evd", r.token),
                "name": "typical-evidence",
                "ns": NS,
                "prose": prose.join("\n"),
            }));
        }
        c.insert("parts".into(), Value::Array(parts));
        let subs: Vec<Value> = self
            .children(r)
            .into_iter()
            .map(|s| self.control(s))
            .collect();
        if !subs.is_empty() {
            c.insert("controls".into(), Value::Array(subs));
        }
        Value::Object(c)
    }
}

/// The framework as an OSCAL catalog: top-level headings become groups (`cl-4`, `a.2`, with
/// `a.6.1`/`a.6.2` as sub-groups), requirements become controls with `label` and `sort-id`
/// props, a `statement` part (our description) and a `guidance` part (e.g. Annex B reference).
/// Reference lists (Annex C) are left out: they are not requirements. `last_modified` is
/// passed in because this crate never reads the clock; the document uuid is a fresh v4.
pub fn oscal_catalog(framework: &Framework, last_modified: OffsetDateTime) -> Result<Value, Error> {
    let b = Builder { framework };
    let mut groups = Vec::new();
    let mut controls = Vec::new();
    for r in framework.roots().filter(|r| !r.kind.is_reference()) {
        if b.is_group(r, false) {
            groups.push(b.group(r));
        } else {
            controls.push(b.control(r));
        }
    }
    let mut md = metadata(
        &framework.name,
        last_modified,
        &framework.library_version,
        "Identifiers and short titles are those of the framework; descriptions are AIMS paraphrases, not the framework's text.",
    )?;
    if let Value::Object(m) = &mut md {
        m.insert(
            "props".into(),
            json!([
                {"name": "framework-id", "ns": NS, "value": framework.id},
                {"name": "framework-version", "ns": NS, "value": framework.version},
                {"name": "publisher", "ns": NS, "value": framework.publisher},
            ]),
        );
    }
    let mut cat = Map::new();
    cat.insert("uuid".into(), json!(Uuid::new_v4().to_string()));
    cat.insert("metadata".into(), md);
    if !controls.is_empty() {
        cat.insert("controls".into(), Value::Array(controls));
    }
    if !groups.is_empty() {
        cat.insert("groups".into(), Value::Array(groups));
    }
    Ok(json!({ "catalog": Value::Object(cat) }))
}

/// The crosswalk as an OSCAL 1.2 mapping-collection, one map per mapping (so N-to-N mappings
/// keep every pair). Ids are written as the OSCAL tokens of [`oscal_catalog`], and the
/// resources point at the catalog exports by relative name (`<framework id>.catalog.json`).
pub fn oscal_mapping_collection(
    catalog: &Catalog,
    crosswalk: &Crosswalk,
    last_modified: OffsetDateTime,
) -> Result<Value, Error> {
    let find = |id: &str| {
        catalog
            .framework(id)
            .ok_or_else(|| Error::UnknownFramework(id.to_owned()))
    };
    let source = find(&crosswalk.source_framework)?;
    let target = find(&crosswalk.target_framework)?;
    let token = |f: &Framework, id: &str| {
        f.requirement(id)
            .map_or_else(|| token_for(id), |r| r.token.clone())
    };
    let maps: Vec<Value> = crosswalk
        .mappings
        .iter()
        .map(|m| {
            let mut map = json!({
                "uuid": stable_uuid(&format!("map/{}/{}/{}", crosswalk.id, m.source, m.target)).to_string(),
                "relationship": m.relationship.code(),
                "sources": [{"type": "control", "id-ref": token(source, &m.source)}],
                "targets": [{"type": "control", "id-ref": token(target, &m.target)}],
            });
            if let (Some(r), Value::Object(o)) = (&m.remarks, &mut map) {
                o.insert("remarks".into(), json!(r));
            }
            map
        })
        .collect();
    let description = if crosswalk.description.is_empty() {
        &crosswalk.name
    } else {
        &crosswalk.description
    };
    let mut mapping = json!({
        "uuid": stable_uuid(&format!("mapping/{}", crosswalk.id)).to_string(),
        "source-resource": {"type": "catalog", "href": format!("{}.catalog.json", source.id)},
        "target-resource": {"type": "catalog", "href": format!("{}.catalog.json", target.id)},
    });
    if let Value::Object(o) = &mut mapping {
        // The schema wants at least one map; an empty crosswalk exports with no mapping.
        if !maps.is_empty() {
            o.insert("maps".into(), Value::Array(maps));
        }
    }
    let mut collection = json!({
        "uuid": Uuid::new_v4().to_string(),
        "metadata": metadata(&crosswalk.name, last_modified, &crosswalk.library_version, "Mappings maintained as AIMS library data.")?,
        "provenance": {
            "method": crosswalk.method,
            "matching-rationale": crosswalk.matching_rationale,
            "status": crosswalk.status,
            "mapping-description": description,
        },
    });
    if let Value::Object(o) = &mut collection {
        let has_maps = mapping.get("maps").is_some();
        if has_maps {
            o.insert("mappings".into(), json!([mapping]));
        }
    }
    Ok(json!({ "mapping-collection": collection }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_ids_pad_numbers() {
        assert_eq!(sort_id("a.6.2.8"), "a.06.02.08");
        assert_eq!(sort_id("cl-10.2"), "cl-10.02");
        assert_eq!(sort_id("measure-2.13"), "measure-02.13");
    }

    #[test]
    fn stable_uuids_are_v5_and_stable() {
        let a = stable_uuid("x");
        assert_eq!(a, stable_uuid("x"));
        assert_eq!(a.get_version_num(), 5);
        assert_ne!(a, stable_uuid("y"));
    }
}
