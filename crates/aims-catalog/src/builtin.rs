//! The libraries shipped with AIMS, embedded at compile time and validated when loaded.

use crate::{Catalog, Error, parse_crosswalk, parse_framework};

/// Framework files, in the order they appear in the catalogue.
const FRAMEWORKS: &[(&str, &str)] = &[
    (
        "iso42001-2023.yaml",
        include_str!("../frameworks/iso42001-2023.yaml"),
    ),
    (
        "nist-ai-rmf-1.0.yaml",
        include_str!("../frameworks/nist-ai-rmf-1.0.yaml"),
    ),
    (
        "eu-ai-act-2024.yaml",
        include_str!("../frameworks/eu-ai-act-2024.yaml"),
    ),
    (
        "iso27001-2022.yaml",
        include_str!("../frameworks/iso27001-2022.yaml"),
    ),
    (
        "iso9001-2015.yaml",
        include_str!("../frameworks/iso9001-2015.yaml"),
    ),
];

/// Crosswalk files; they are checked against the frameworks above.
const CROSSWALKS: &[(&str, &str)] = &[
    (
        "crosswalks/iso42001-nist-ai-rmf.yaml",
        include_str!("../frameworks/crosswalks/iso42001-nist-ai-rmf.yaml"),
    ),
    (
        "crosswalks/iso42001-eu-ai-act.yaml",
        include_str!("../frameworks/crosswalks/iso42001-eu-ai-act.yaml"),
    ),
    (
        "crosswalks/iso42001-iso27001.yaml",
        include_str!("../frameworks/crosswalks/iso42001-iso27001.yaml"),
    ),
    (
        "crosswalks/iso42001-iso9001.yaml",
        include_str!("../frameworks/crosswalks/iso42001-iso9001.yaml"),
    ),
];

/// Every built-in file as (name, text), e.g. for offering them as downloads or templates.
pub const BUILTIN_FILES: &[&[(&str, &str)]] = &[FRAMEWORKS, CROSSWALKS];

impl Catalog {
    /// Loads and validates the built-in libraries. An error here is a bug in the shipped data
    /// (a test loads them), so callers may treat it as fatal at start-up.
    pub fn builtin() -> Result<Catalog, Error> {
        let mut catalog = Catalog::default();
        for (file, text) in FRAMEWORKS {
            let mut f = parse_framework(file, text)
                .map_err(|diagnostics| Error::Builtin { file, diagnostics })?;
            f.custom = false;
            catalog.add_framework(f)?;
        }
        for (file, text) in CROSSWALKS {
            let mut c = parse_crosswalk(file, text, &catalog)
                .map_err(|diagnostics| Error::Builtin { file, diagnostics })?;
            c.custom = false;
            catalog.add_crosswalk(c)?;
        }
        Ok(catalog)
    }
}
