//! The catalogue model: frameworks, their requirements, crosswalks between them.

use serde::{Deserialize, Serialize};

use crate::Error;

/// One framework library (a standard, a regulation, or an organisation's own framework).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Framework {
    /// Stable id, e.g. `iso-iec-42001-2023`.
    pub id: String,
    pub name: String,
    /// Version of the framework itself, e.g. `2023`.
    pub version: String,
    pub publisher: String,
    /// Version of our data file, bumped when the library text changes.
    pub library_version: String,
    /// In file order, which is also `sort_key` order.
    pub requirements: Vec<Requirement>,
    /// True for frameworks uploaded by users, false for the built-in libraries.
    pub custom: bool,
}

/// One identified item of a framework: a clause, a control, a subcategory, an article...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Requirement {
    /// Display id, e.g. `6.1.3`, `A.6.2.8`, `GOVERN 1.1`, `Art. 5(1)(a)`.
    pub id: String,
    /// OSCAL token form of the id, e.g. `cl-6.1.3`, `a.6.2.8`, `govern-1.1`.
    pub token: String,
    pub parent: Option<String>,
    pub kind: RequirementKind,
    pub title: String,
    /// Our own plain-words description (never the standard's wording for ISO texts).
    pub description: String,
    /// Reference to implementation guidance, e.g. `B.6.2.8`.
    pub guidance: Option<String>,
    /// What the framework requires to be documented here, if anything.
    pub documented_information: Option<String>,
    pub typical_evidence: Vec<String>,
    /// Date (YYYY-MM-DD) from which the item applies, for regulations phased in over time.
    pub applies_from: Option<String>,
    /// Free labels such as `provider`, `deployer`, `high-risk`.
    pub tags: Vec<String>,
    /// Position in the framework's reading order.
    pub sort_key: u32,
}

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $(#[serde(rename = $code)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code used in files and JSON.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum!(
    /// What sort of item a requirement is; drives grouping in exports and the UI.
    RequirementKind {
        Clause => "clause",
        Area => "area",
        Objective => "objective",
        Control => "control",
        Function => "function",
        Category => "category",
        Subcategory => "subcategory",
        Section => "section",
        Article => "article",
        Paragraph => "paragraph",
        Point => "point",
        OrganisationalObjective => "organisational-objective",
        RiskSource => "risk-source",
    }
);

impl RequirementKind {
    /// Headings that only organise other items (exported as OSCAL groups when they have children).
    pub fn is_grouping(self) -> bool {
        matches!(
            self,
            RequirementKind::Area
                | RequirementKind::Objective
                | RequirementKind::Function
                | RequirementKind::Category
                | RequirementKind::Section
        )
    }

    /// Reference lists (Annex C of 42001) that seed other records but are not requirements to meet.
    pub fn is_reference(self) -> bool {
        matches!(
            self,
            RequirementKind::OrganisationalObjective | RequirementKind::RiskSource
        )
    }
}

code_enum!(
    /// Set-theory relationship of a mapping, as in the OSCAL 1.2 mapping model and NIST IR 8477.
    /// Read as "source RELATIONSHIP target": `subset-of` means the source covers part of the target.
    Relationship {
        EquivalentTo => "equivalent-to",
        EqualTo => "equal-to",
        SubsetOf => "subset-of",
        SupersetOf => "superset-of",
        IntersectsWith => "intersects-with",
        NoRelationship => "no-relationship",
    }
);

impl Relationship {
    /// The same relationship read from target to source.
    pub fn inverse(self) -> Self {
        match self {
            Relationship::SubsetOf => Relationship::SupersetOf,
            Relationship::SupersetOf => Relationship::SubsetOf,
            other => other,
        }
    }
}

/// One mapping between a source requirement and a target requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mapping {
    pub source: String,
    pub target: String,
    pub relationship: Relationship,
    pub remarks: Option<String>,
}

/// A set of mappings from one framework to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Crosswalk {
    pub id: String,
    pub name: String,
    pub source_framework: String,
    pub target_framework: String,
    pub library_version: String,
    /// `human`, `automation` or `hybrid` (OSCAL provenance).
    pub method: String,
    /// `syntactic`, `semantic` or `functional` (OSCAL provenance).
    pub matching_rationale: String,
    /// `complete`, `not-complete`, `draft`, `deprecated` or `superseded` (OSCAL provenance).
    pub status: String,
    pub description: String,
    pub mappings: Vec<Mapping>,
    pub custom: bool,
}

/// All frameworks and crosswalks known to one AIMS instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Catalog {
    pub frameworks: Vec<Framework>,
    pub crosswalks: Vec<Crosswalk>,
}

impl Framework {
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    pub fn requirement_by_token(&self, token: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.token == token)
    }

    /// Top-level items, in reading order.
    pub fn roots(&self) -> impl Iterator<Item = &Requirement> {
        self.sorted().filter(|r| r.parent.is_none())
    }

    /// Direct children of `id`, in reading order.
    pub fn children<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Requirement> + 'a {
        self.sorted()
            .filter(move |r| r.parent.as_deref() == Some(id))
    }

    /// Every requirement in reading order (`sort_key`).
    pub fn sorted(&self) -> impl Iterator<Item = &Requirement> {
        let mut all: Vec<&Requirement> = self.requirements.iter().collect();
        all.sort_by_key(|r| r.sort_key);
        all.into_iter()
    }

    /// Every requirement depth first (parents before their children), following `sort_key`
    /// among siblings; a file may list children before their parent.
    pub fn depth_first(&self) -> Vec<&Requirement> {
        fn walk<'a>(f: &'a Framework, r: &'a Requirement, out: &mut Vec<&'a Requirement>) {
            out.push(r);
            for c in f.children(&r.id) {
                walk(f, c, out);
            }
        }
        let mut out = Vec::with_capacity(self.requirements.len());
        for r in self.roots() {
            walk(self, r, &mut out);
        }
        out
    }

    /// Ancestors of `id`, nearest first.
    pub fn ancestors(&self, id: &str) -> Vec<&Requirement> {
        let mut out = Vec::new();
        let mut cur = self.requirement(id).and_then(|r| r.parent.as_deref());
        while let Some(p) = cur {
            // Parsed frameworks have no cycles; the bound protects hand-built values.
            if out.len() > self.requirements.len() {
                break;
            }
            match self.requirement(p) {
                Some(r) => {
                    out.push(r);
                    cur = r.parent.as_deref();
                }
                None => break,
            }
        }
        out
    }
}

impl Catalog {
    pub fn framework(&self, id: &str) -> Option<&Framework> {
        self.frameworks.iter().find(|f| f.id == id)
    }

    pub fn requirement(&self, framework_id: &str, req_id: &str) -> Option<&Requirement> {
        self.framework(framework_id)?.requirement(req_id)
    }

    pub fn crosswalk(&self, id: &str) -> Option<&Crosswalk> {
        self.crosswalks.iter().find(|c| c.id == id)
    }

    /// Crosswalks that touch `framework_id`, in either direction.
    pub fn crosswalks_for<'a>(
        &'a self,
        framework_id: &'a str,
    ) -> impl Iterator<Item = &'a Crosswalk> {
        self.crosswalks.iter().filter(move |c| {
            c.source_framework == framework_id || c.target_framework == framework_id
        })
    }

    /// Adds a framework (for example a custom one parsed with [`crate::parse_framework`]).
    pub fn add_framework(&mut self, framework: Framework) -> Result<(), Error> {
        if self.framework(&framework.id).is_some() {
            return Err(Error::DuplicateFramework(framework.id));
        }
        self.frameworks.push(framework);
        Ok(())
    }

    /// Adds a crosswalk; both its frameworks must already be in the catalogue.
    pub fn add_crosswalk(&mut self, crosswalk: Crosswalk) -> Result<(), Error> {
        if self.crosswalk(&crosswalk.id).is_some() {
            return Err(Error::DuplicateCrosswalk(crosswalk.id));
        }
        for f in [&crosswalk.source_framework, &crosswalk.target_framework] {
            if self.framework(f).is_none() {
                return Err(Error::UnknownFramework(f.clone()));
            }
        }
        self.crosswalks.push(crosswalk);
        Ok(())
    }
}

/// The OSCAL token for a display id: lower case, spaces to `-`, `(x)` to `.x`, and a `cl-`
/// prefix when the id starts with a digit (OSCAL tokens must start with a letter or `_`).
pub fn token_for(id: &str) -> String {
    let lower = id.trim().to_lowercase().replace(". ", "-");
    let mut out = String::with_capacity(lower.len() + 3);
    for c in lower.chars() {
        match c {
            '(' => out.push('.'),
            ')' => {}
            ' ' | '/' | ',' if !out.ends_with('-') => out.push('-'),
            ' ' | '/' | ',' => {}
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') => out.push(c),
            _ => {}
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "cl-");
    }
    out
}

/// Whether `s` is an OSCAL token (restricted to ASCII here, which the schema also accepts).
pub fn is_token(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert_eq!(token_for("4.1"), "cl-4.1");
        assert_eq!(token_for("6.1.3"), "cl-6.1.3");
        assert_eq!(token_for("A.6.2.8"), "a.6.2.8");
        assert_eq!(token_for("GOVERN 1.1"), "govern-1.1");
        assert_eq!(token_for("Art. 5(1)(a)"), "art-5.1.a");
        assert_eq!(token_for("Annex III 1"), "annex-iii-1");
        for t in ["cl-4.1", "a.6.2.8", "govern-1.1", "art-5.1.a"] {
            assert!(is_token(t), "{t}");
        }
        assert!(!is_token("4.1"));
        assert!(!is_token("a b"));
    }

    #[test]
    fn relationship_codes_round_trip() {
        for r in Relationship::ALL {
            assert_eq!(Relationship::from_code(r.code()), Some(*r));
            assert_eq!(r.inverse().inverse(), *r);
        }
        assert_eq!(Relationship::from_code("same-as"), None);
    }
}
