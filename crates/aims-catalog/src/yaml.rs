//! A thin reader over saphyr's marked node tree that records every problem with its position.
//!
//! We do not use serde for the file formats: serde stops at the first error and forgets where
//! items were, while users uploading a framework need every problem at once, each with a line,
//! including semantic ones (a duplicate id, a dangling parent) found after decoding.

use saphyr::{MarkedYaml, YamlData, YamlLoader};
use saphyr_parser::{Parser, ScalarStyle, Span};

use crate::diag::{Diagnostic, Diagnostics};

/// A position in the file: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
}

impl From<Span> for Pos {
    fn from(span: Span) -> Self {
        Pos {
            line: span.start.line(),
            column: span.start.col() + 1,
        }
    }
}

/// Collects diagnostics for one file.
pub(crate) struct Report {
    file: String,
    diags: Vec<Diagnostic>,
}

impl Report {
    pub fn new(file: &str) -> Self {
        Report {
            file: file.to_owned(),
            diags: Vec::new(),
        }
    }

    pub fn add(&mut self, pos: Pos, field: impl Into<String>, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            file: self.file.clone(),
            line: pos.line,
            column: pos.column,
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.diags.is_empty()
    }

    pub fn into_diagnostics(self) -> Diagnostics {
        Diagnostics { items: self.diags }.sorted()
    }
}

/// Parses one YAML document into a marked tree; a syntax error becomes a single diagnostic.
pub(crate) fn load<'i>(text: &'i str, report: &mut Report) -> Option<MarkedYaml<'i>> {
    let mut parser = Parser::new_from_str(text);
    let mut loader: YamlLoader<'i, MarkedYaml<'i>> = YamlLoader::default();
    // Keep scalars as written: `4.1` must stay the id "4.1", not become the float 4.1.
    loader.early_parse(false);
    let error = parser
        .load(&mut loader, true)
        .err()
        .or_else(|| loader.error().cloned());
    if let Some(e) = error {
        let m = e.marker();
        report.add(
            Pos {
                line: m.line(),
                column: m.col() + 1,
            },
            "(syntax)",
            format!("invalid YAML: {}", e.info()),
        );
        return None;
    }
    let mut docs = loader.into_documents();
    if docs.len() > 1 {
        report.add(
            Pos::from(docs[1].span),
            "(syntax)",
            "expected a single YAML document",
        );
        return None;
    }
    match docs.pop() {
        Some(doc) => Some(doc),
        None => {
            report.add(
                Pos { line: 1, column: 1 },
                "(document)",
                "the file is empty",
            );
            None
        }
    }
}

/// The text of a scalar node, or `None` for null and non-scalars.
pub(crate) fn scalar<'a>(node: &'a MarkedYaml<'_>) -> Option<&'a str> {
    match &node.data {
        YamlData::Representation(s, style, _) => {
            if *style == ScalarStyle::Plain && matches!(&**s, "" | "~" | "null" | "Null" | "NULL") {
                None
            } else {
                Some(s)
            }
        }
        YamlData::Value(saphyr::Scalar::String(s)) => Some(s),
        _ => None,
    }
}

pub(crate) fn is_null(node: &MarkedYaml<'_>) -> bool {
    match &node.data {
        YamlData::Representation(..) => scalar(node).is_none(),
        YamlData::Value(saphyr::Scalar::Null) => true,
        _ => false,
    }
}

pub(crate) fn sequence<'a, 'i>(node: &'a MarkedYaml<'i>) -> Option<&'a [MarkedYaml<'i>]> {
    match &node.data {
        YamlData::Sequence(items) => Some(items),
        _ => None,
    }
}

/// Reads the fields of one mapping; `finish` reports keys nobody asked for.
pub(crate) struct Obj<'a, 'i> {
    node: &'a MarkedYaml<'i>,
    pub path: String,
    allowed: &'static [&'static str],
}

impl<'a, 'i> Obj<'a, 'i> {
    /// `None` (with a diagnostic) if the node is not a mapping.
    pub fn new(
        node: &'a MarkedYaml<'i>,
        path: impl Into<String>,
        allowed: &'static [&'static str],
        report: &mut Report,
    ) -> Option<Self> {
        let path = path.into();
        match &node.data {
            YamlData::Mapping(_) => Some(Obj {
                node,
                path,
                allowed,
            }),
            _ => {
                let field = if path.is_empty() {
                    "(document)".to_owned()
                } else {
                    path
                };
                report.add(Pos::from(node.span), field, "expected a mapping");
                None
            }
        }
    }

    pub fn pos(&self) -> Pos {
        Pos::from(self.node.span)
    }

    pub fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn entries(&self) -> impl Iterator<Item = (&'a MarkedYaml<'i>, &'a MarkedYaml<'i>)> {
        let map = match &self.node.data {
            YamlData::Mapping(m) => Some(m),
            _ => None,
        };
        map.into_iter().flat_map(|m| m.iter())
    }

    /// The value under `key`, treating an explicit null like an absent key.
    pub fn get(&self, key: &str) -> Option<&'a MarkedYaml<'i>> {
        self.entries()
            .find(|(k, _)| scalar(k) == Some(key))
            .map(|(_, v)| v)
            .filter(|v| !is_null(v))
    }

    /// A required string; reports a missing field at the mapping's position.
    pub fn req_str(&self, key: &str, report: &mut Report) -> Option<Located> {
        match self.get(key) {
            Some(v) => self.as_str(key, v, report),
            None => {
                report.add(self.pos(), self.field(key), "missing required field");
                None
            }
        }
    }

    pub fn opt_str(&self, key: &str, report: &mut Report) -> Option<Located> {
        self.get(key).and_then(|v| self.as_str(key, v, report))
    }

    fn as_str(&self, key: &str, v: &MarkedYaml<'_>, report: &mut Report) -> Option<Located> {
        match scalar(v) {
            Some(s) if !s.trim().is_empty() => Some(Located {
                value: s.trim().to_owned(),
                pos: Pos::from(v.span),
            }),
            Some(_) => {
                report.add(Pos::from(v.span), self.field(key), "must not be empty");
                None
            }
            None => {
                report.add(Pos::from(v.span), self.field(key), "expected a string");
                None
            }
        }
    }

    /// A list of strings; absent means empty.
    pub fn str_list(&self, key: &str, report: &mut Report) -> Vec<String> {
        let Some(v) = self.get(key) else {
            return Vec::new();
        };
        let Some(items) = sequence(v) else {
            report.add(Pos::from(v.span), self.field(key), "expected a list");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match scalar(item) {
                Some(s) if !s.trim().is_empty() => out.push(s.trim().to_owned()),
                _ => report.add(
                    Pos::from(item.span),
                    format!("{}[{i}]", self.field(key)),
                    "expected a non-empty string",
                ),
            }
        }
        out
    }

    /// A required list of nodes.
    pub fn req_seq(&self, key: &str, report: &mut Report) -> Option<&'a [MarkedYaml<'i>]> {
        let Some(v) = self.get(key) else {
            report.add(self.pos(), self.field(key), "missing required field");
            return None;
        };
        let items = sequence(v);
        if items.is_none() {
            report.add(Pos::from(v.span), self.field(key), "expected a list");
        }
        items
    }

    /// Reports every key that is not in the allowed list (the equivalent of serde's
    /// `deny_unknown_fields`, but for all keys at once).
    pub fn finish(self, report: &mut Report) {
        for (k, _) in self.entries() {
            let name = scalar(k).unwrap_or("");
            if !self.allowed.contains(&name) {
                report.add(
                    Pos::from(k.span),
                    self.field(name),
                    format!(
                        "unknown field; expected one of: {}",
                        self.allowed.join(", ")
                    ),
                );
            }
        }
    }
}

/// A string value with where it was written.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    pub value: String,
    pub pos: Pos,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn scalars_keep_their_text_and_position() {
        let mut report = Report::new("t.yaml");
        let doc = load("a: 4.10\nb:\n  - x\n  - \"y\"\nc: ~\n", &mut report).unwrap();
        let o = Obj::new(&doc, "", &["a", "b", "c"], &mut report).unwrap();
        let a = o.req_str("a", &mut report).unwrap();
        assert_eq!(a.value, "4.10");
        assert_eq!(a.pos, Pos { line: 1, column: 4 });
        assert_eq!(o.str_list("b", &mut report), ["x", "y"]);
        assert!(o.get("c").is_none(), "null counts as absent");
        o.finish(&mut report);
        assert!(report.is_empty());
    }

    #[test]
    fn a_non_mapping_document_names_the_document() {
        let mut report = Report::new("t.yaml");
        let doc = load("- a\n- b\n", &mut report).unwrap();
        assert!(Obj::new(&doc, "", &[], &mut report).is_none());
        let d = report.into_diagnostics();
        assert_eq!(d.items[0].field, "(document)");
        assert_eq!(d.items[0].line, 1);
    }

    #[test]
    fn empty_and_multi_document_files_are_refused() {
        let mut report = Report::new("t.yaml");
        assert!(load("", &mut report).is_none());
        assert!(load("a: 1\n---\nb: 2\n", &mut report).is_none());
        let d = report.into_diagnostics();
        assert_eq!(d.len(), 2);
        assert!(d.items.iter().any(|x| x.line == 3 || x.line == 2), "{d}");
    }
}
