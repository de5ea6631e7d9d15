//! Coverage of one framework inferred from the implementation status of others, through crosswalks.
//!
//! Every supporting source of a target requirement is kept: with many-to-many mappings, dropping
//! all but one source (a known failure of other tools) hides evidence and can flip the result.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::{Catalog, Relationship};

/// Implementation status of a requirement in an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Implemented,
    PartiallyImplemented,
    Planned,
    NotStarted,
    NotApplicable,
}

/// Derived coverage of a target requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// No source says anything (no mapping, no status, or only not-applicable sources).
    Unknown,
    /// Sources are mapped and assessed, but none is implemented even in part.
    NotCovered,
    Partial,
    Covered,
}

/// One source requirement that bears on a target requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Support {
    pub crosswalk: String,
    pub source_framework: String,
    pub source_id: String,
    /// Read as "source RELATIONSHIP target" (inverted when the crosswalk runs the other way).
    pub relationship: Relationship,
    /// `None` when the organisation has recorded no status for the source.
    pub source_status: Option<Status>,
    /// What this source alone contributes, by the rule on [`infer_coverage`].
    pub contribution: Coverage,
}

/// The inferred coverage of one target requirement with all of its supports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InferredCoverage {
    pub framework: String,
    pub requirement_id: String,
    pub coverage: Coverage,
    pub supports: Vec<Support>,
}

/// What one source contributes:
///
/// - an `implemented` source that is `equal-to`, `equivalent-to` or `superset-of` the target
///   covers it;
/// - an `implemented` source that is only `subset-of` or `intersects-with` the target covers
///   part of it, so gives `partial` at most (several partial sources stay partial: we cannot know
///   that together they span the target);
/// - a `partially_implemented` source gives `partial` whatever the relationship;
/// - a `planned` or `not_started` source gives `not covered`;
/// - `not_applicable`, no status, or `no-relationship` say nothing (`unknown`).
pub fn contribution(relationship: Relationship, status: Option<Status>) -> Coverage {
    use Relationship as R;
    if relationship == R::NoRelationship {
        return Coverage::Unknown;
    }
    match status {
        Some(Status::Implemented) => match relationship {
            R::EqualTo | R::EquivalentTo | R::SupersetOf => Coverage::Covered,
            _ => Coverage::Partial,
        },
        Some(Status::PartiallyImplemented) => Coverage::Partial,
        Some(Status::Planned | Status::NotStarted) => Coverage::NotCovered,
        Some(Status::NotApplicable) | None => Coverage::Unknown,
    }
}

/// For every requirement of `target_framework` (depth first, in reading order), lists every
/// source mapped to it by any crosswalk in the catalogue (either direction), with the source's
/// status from `from_framework_status` (keyed by (framework id, requirement id)), and derives the
/// coverage as the strongest contribution among the sources (see [`contribution`]).
/// Returns an empty list for an unknown framework.
pub fn infer_coverage(
    catalog: &Catalog,
    from_framework_status: &HashMap<(String, String), Status>,
    target_framework: &str,
) -> Vec<InferredCoverage> {
    let Some(target) = catalog.framework(target_framework) else {
        return Vec::new();
    };
    // Index supports by target requirement id once, rather than scanning per requirement.
    let mut supports: HashMap<&str, Vec<Support>> = HashMap::new();
    for cw in &catalog.crosswalks {
        let forward = cw.target_framework == target_framework;
        let backward = cw.source_framework == target_framework;
        if forward == backward {
            continue; // unrelated, or a crosswalk of the framework with itself
        }
        for m in &cw.mappings {
            let (source_framework, source_id, target_id, relationship) = if forward {
                (&cw.source_framework, &m.source, &m.target, m.relationship)
            } else {
                (
                    &cw.target_framework,
                    &m.target,
                    &m.source,
                    m.relationship.inverse(),
                )
            };
            let source_status = from_framework_status
                .get(&(source_framework.clone(), source_id.clone()))
                .copied();
            supports
                .entry(target_id.as_str())
                .or_default()
                .push(Support {
                    crosswalk: cw.id.clone(),
                    source_framework: source_framework.clone(),
                    source_id: source_id.clone(),
                    relationship,
                    source_status,
                    contribution: contribution(relationship, source_status),
                });
        }
    }
    target
        .depth_first()
        .into_iter()
        .map(|r| {
            let supports = supports.remove(r.id.as_str()).unwrap_or_default();
            let coverage = supports
                .iter()
                .map(|s| s.contribution)
                .max()
                .unwrap_or(Coverage::Unknown);
            InferredCoverage {
                framework: target.id.clone(),
                requirement_id: r.id.clone(),
                coverage,
                supports,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contribution_rule() {
        use Relationship as R;
        let s = Some(Status::Implemented);
        assert_eq!(contribution(R::EqualTo, s), Coverage::Covered);
        assert_eq!(contribution(R::EquivalentTo, s), Coverage::Covered);
        assert_eq!(contribution(R::SupersetOf, s), Coverage::Covered);
        assert_eq!(contribution(R::SubsetOf, s), Coverage::Partial);
        assert_eq!(contribution(R::IntersectsWith, s), Coverage::Partial);
        assert_eq!(contribution(R::NoRelationship, s), Coverage::Unknown);
        let p = Some(Status::PartiallyImplemented);
        assert_eq!(contribution(R::EqualTo, p), Coverage::Partial);
        assert_eq!(
            contribution(R::EqualTo, Some(Status::Planned)),
            Coverage::NotCovered
        );
        assert_eq!(
            contribution(R::EqualTo, Some(Status::NotStarted)),
            Coverage::NotCovered
        );
        assert_eq!(
            contribution(R::EqualTo, Some(Status::NotApplicable)),
            Coverage::Unknown
        );
        assert_eq!(contribution(R::EqualTo, None), Coverage::Unknown);
    }

    #[test]
    fn status_and_coverage_codes() {
        assert_eq!(
            serde_json::to_value(Status::PartiallyImplemented).ok(),
            Some(serde_json::json!("partially_implemented"))
        );
        assert_eq!(
            serde_json::to_value(Coverage::NotCovered).ok(),
            Some(serde_json::json!("not_covered"))
        );
    }
}
