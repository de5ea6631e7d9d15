//! Field declarations and the one validator every inventory kind shares.
//!
//! A kind's fields are data ([`FieldSpec`]); the validator, the web form and the API
//! documentation are all driven by that list, so adding a field is one line and the three
//! can never disagree about what a valid record is.

use serde_json::{Map, Value};

use crate::error::ValidationErrors;
use crate::text::{LONG_MAX, SHORT_MAX};
use crate::timefmt::parse_date;

use super::Kind;

/// What a field holds and how it is checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldType {
    /// One line of text.
    Line,
    /// Several lines of text.
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// A whole number within bounds.
    Integer { min: i64, max: i64 },
    /// One of a closed list of codes, with labels.
    Choice(&'static [(&'static str, &'static str)]),
    /// Any number of codes from a closed list.
    Choices(&'static [(&'static str, &'static str)]),
    /// Free-text tags (a list of single lines).
    Tags,
    /// A SHA-256 in lowercase hex.
    Sha256,
    /// The id of one record of `kind`; the link it makes is called `relation`.
    Ref { kind: Kind, relation: &'static str },
    /// Ids of several records of `kind`.
    Refs { kind: Kind, relation: &'static str },
    /// Named numbers (metrics).
    NumberMap,
    /// Named scalar values (hyperparameters).
    Object,
    /// Rows with the named text columns (a schema, members, a RACI).
    Table(&'static [&'static str]),
    /// A questionnaire: each question scored 0 (poor) to 4 (strong).
    Scores(&'static [(&'static str, &'static str)]),
}

/// One field of a kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub ty: FieldType,
    pub required: bool,
    /// One sentence shown under the form input.
    pub help: &'static str,
}

/// Shorthand for the tables of specs in [`super::kinds`].
pub(crate) const fn field(
    name: &'static str,
    label: &'static str,
    ty: FieldType,
    required: bool,
    help: &'static str,
) -> FieldSpec {
    FieldSpec {
        name,
        label,
        ty,
        required,
        help,
    }
}

/// The highest score of one questionnaire answer.
pub const SCORE_MAX: i64 = 4;
/// Most rows a table field or list may hold.
const LIST_MAX: usize = 500;

/// Checks `input` against `specs` and returns the normalised object: texts trimmed,
/// absent optional fields filled with their empty value, unknown keys refused.
pub fn validate(
    specs: &[FieldSpec],
    input: &Value,
) -> Result<Map<String, Value>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let Some(object) = input.as_object() else {
        return Err(ValidationErrors::single("fields", "must be a JSON object"));
    };
    for key in object.keys() {
        if !specs.iter().any(|spec| spec.name == key) {
            let known: Vec<&str> = specs.iter().map(|spec| spec.name).collect();
            errors.add(
                key,
                format!(
                    "is not a field of this record; the fields are: {}",
                    known.join(", ")
                ),
            );
        }
    }
    let mut out = Map::new();
    for spec in specs {
        let value = object.get(spec.name).unwrap_or(&Value::Null);
        let normalised = check(spec, value, &mut errors);
        if spec.required && is_empty(&normalised) {
            errors.add(spec.name, "is required");
        }
        out.insert(spec.name.to_owned(), normalised);
    }
    errors.into_result(out)
}

/// Whether a normalised value counts as "not given".
pub fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

fn check(spec: &FieldSpec, value: &Value, errors: &mut ValidationErrors) -> Value {
    let name = spec.name;
    match spec.ty {
        FieldType::Line | FieldType::Text => {
            let text = text_of(name, value, errors);
            let long = matches!(spec.ty, FieldType::Text);
            check_text(name, &text, long, errors);
            Value::String(text)
        }
        FieldType::Date => {
            let text = text_of(name, value, errors);
            if !text.is_empty() && parse_date(&text).is_err() {
                errors.add(name, "must be a date written YYYY-MM-DD");
            }
            Value::String(text)
        }
        FieldType::Sha256 => {
            let text = text_of(name, value, errors).to_lowercase();
            if !text.is_empty()
                && (text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                errors.add(name, "must be a SHA-256 written as 64 hexadecimal digits");
            }
            Value::String(text)
        }
        FieldType::Integer { min, max } => match value {
            Value::Null => Value::Null,
            Value::String(text) if text.trim().is_empty() => Value::Null,
            other => {
                let parsed = match other {
                    Value::Number(number) => number.as_i64(),
                    Value::String(text) => text.trim().parse::<i64>().ok(),
                    _ => None,
                };
                match parsed {
                    Some(number) if (min..=max).contains(&number) => Value::from(number),
                    Some(_) => {
                        errors.add(name, format!("must be between {min} and {max}"));
                        Value::Null
                    }
                    None => {
                        errors.add(name, "must be a whole number");
                        Value::Null
                    }
                }
            }
        },
        FieldType::Choice(options) => {
            let text = text_of(name, value, errors);
            if !text.is_empty() && !options.iter().any(|(code, _)| *code == text) {
                errors.add(name, format!("must be one of: {}", codes(options)));
            }
            Value::String(text)
        }
        FieldType::Choices(options) => {
            let items = list_of(name, value, errors);
            for item in &items {
                if !options.iter().any(|(code, _)| code == item) {
                    errors.add(name, format!("`{item}` is not one of: {}", codes(options)));
                }
            }
            Value::from(dedup(items))
        }
        FieldType::Tags => {
            let items = list_of(name, value, errors);
            for item in &items {
                check_text(name, item, false, errors);
            }
            Value::from(dedup(items))
        }
        FieldType::Ref { .. } => {
            let text = text_of(name, value, errors);
            if !text.is_empty() && uuid::Uuid::parse_str(&text).is_err() {
                errors.add(name, "must be the id of a record");
            }
            Value::String(text)
        }
        FieldType::Refs { .. } => {
            let items = list_of(name, value, errors);
            if items
                .iter()
                .any(|item| uuid::Uuid::parse_str(item).is_err())
            {
                errors.add(name, "must be ids of records");
            }
            Value::from(dedup(items))
        }
        FieldType::NumberMap => {
            let mut out = Map::new();
            match value {
                Value::Null => {}
                Value::Object(map) => {
                    for (key, number) in map {
                        match number.as_f64() {
                            Some(number) if number.is_finite() => {
                                out.insert(key.trim().to_owned(), Value::from(number));
                            }
                            _ => errors.add(&format!("{name}.{key}"), "must be a finite number"),
                        }
                    }
                }
                _ => errors.add(name, "must be an object of names to numbers"),
            }
            Value::Object(out)
        }
        FieldType::Object => match value {
            Value::Null => Value::Object(Map::new()),
            Value::Object(map) => {
                for (key, item) in map {
                    if item.is_object() || item.is_array() {
                        errors.add(
                            &format!("{name}.{key}"),
                            "must be a number, text or true/false",
                        );
                    }
                }
                value.clone()
            }
            _ => {
                errors.add(name, "must be an object of names to values");
                Value::Object(Map::new())
            }
        },
        FieldType::Table(columns) => {
            let mut rows = Vec::new();
            match value {
                Value::Null => {}
                Value::Array(items) if items.len() <= LIST_MAX => {
                    for (index, item) in items.iter().enumerate() {
                        let Some(cells) = item.as_object() else {
                            errors.add(&format!("{name}[{index}]"), "must be an object");
                            continue;
                        };
                        let mut row = Map::new();
                        for key in cells.keys() {
                            if !columns.contains(&key.as_str()) {
                                errors.add(
                                    &format!("{name}[{index}].{key}"),
                                    format!(
                                        "is not a column; the columns are: {}",
                                        columns.join(", ")
                                    ),
                                );
                            }
                        }
                        for column in columns {
                            let cell = text_of(
                                &format!("{name}[{index}].{column}"),
                                cells.get(*column).unwrap_or(&Value::Null),
                                errors,
                            );
                            check_text(name, &cell, false, errors);
                            row.insert((*column).to_owned(), Value::String(cell));
                        }
                        if let Some(first) = columns.first()
                            && row.get(*first).is_some_and(is_empty)
                        {
                            errors.add(&format!("{name}[{index}].{first}"), "is required");
                        }
                        rows.push(Value::Object(row));
                    }
                }
                Value::Array(_) => errors.add(name, format!("must have at most {LIST_MAX} rows")),
                _ => errors.add(name, "must be a list of rows"),
            }
            Value::Array(rows)
        }
        FieldType::Scores(questions) => {
            let mut out = Map::new();
            match value {
                Value::Null => {}
                Value::Object(map) => {
                    for (key, score) in map {
                        if !questions.iter().any(|(id, _)| id == key) {
                            errors.add(
                                &format!("{name}.{key}"),
                                "is not a question of this questionnaire",
                            );
                            continue;
                        }
                        let parsed = match score {
                            Value::Number(number) => number.as_i64(),
                            Value::String(text) if text.trim().is_empty() => continue,
                            Value::String(text) => text.trim().parse::<i64>().ok(),
                            _ => None,
                        };
                        match parsed {
                            Some(score) if (0..=SCORE_MAX).contains(&score) => {
                                out.insert(key.clone(), Value::from(score));
                            }
                            _ => errors.add(
                                &format!("{name}.{key}"),
                                format!("must be a score from 0 to {SCORE_MAX}"),
                            ),
                        }
                    }
                }
                _ => errors.add(name, "must be an object of question ids to scores"),
            }
            Value::Object(out)
        }
    }
}

fn text_of(name: &str, value: &Value, errors: &mut ValidationErrors) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        _ => {
            errors.add(name, "must be text");
            String::new()
        }
    }
}

fn list_of(name: &str, value: &Value, errors: &mut ValidationErrors) -> Vec<String> {
    match value {
        Value::Null => Vec::new(),
        // A form sends a list as one comma- or line-separated text.
        Value::String(text) => text
            .split([',', '\n'])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
        Value::Array(items) if items.len() <= LIST_MAX => items
            .iter()
            .filter_map(|item| match item {
                Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
                Value::String(_) => None,
                _ => {
                    errors.add(name, "must be a list of texts");
                    None
                }
            })
            .collect(),
        Value::Array(_) => {
            errors.add(name, format!("must have at most {LIST_MAX} items"));
            Vec::new()
        }
        _ => {
            errors.add(name, "must be a list");
            Vec::new()
        }
    }
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn check_text(name: &str, text: &str, long: bool, errors: &mut ValidationErrors) {
    let max = if long { LONG_MAX } else { SHORT_MAX };
    if text.chars().count() > max {
        errors.add(name, format!("must be at most {max} characters"));
    } else if text
        .chars()
        .any(|c| c.is_control() && !(long && matches!(c, '\n' | '\r' | '\t')))
    {
        errors.add(name, "must not contain control characters");
    }
}

fn codes(options: &[(&str, &str)]) -> String {
    options
        .iter()
        .map(|(code, _)| *code)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A questionnaire's result: the share of the best possible score, and what it means.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Assessment {
    /// 0 to 100, over the questions answered.
    pub score: f64,
    pub answered: usize,
    pub questions: usize,
    /// `approved` (75 and over, every question answered), `conditional` (50 and over),
    /// `rejected`, or `not_assessed`.
    pub result: &'static str,
}

/// Scores a questionnaire answer object.
pub fn assess(questions: &[(&str, &str)], answers: &Value) -> Assessment {
    let scores: Vec<i64> = questions
        .iter()
        .filter_map(|(id, _)| answers.get(*id).and_then(Value::as_i64))
        .collect();
    if scores.is_empty() {
        return Assessment {
            score: 0.0,
            answered: 0,
            questions: questions.len(),
            result: "not_assessed",
        };
    }
    let total: i64 = scores.iter().sum();
    let score = (total as f64) * 100.0 / ((scores.len() as i64 * SCORE_MAX) as f64);
    let score = (score * 10.0).round() / 10.0;
    let result = if score >= 75.0 && scores.len() == questions.len() {
        "approved"
    } else if score >= 50.0 {
        "conditional"
    } else {
        "rejected"
    };
    Assessment {
        score,
        answered: scores.len(),
        questions: questions.len(),
        result,
    }
}
