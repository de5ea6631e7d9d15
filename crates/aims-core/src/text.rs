//! Rules for free-text input shared by every record type.

use crate::error::ValidationErrors;

/// Longest single-line text we accept (names, owners): long enough for any real name,
/// short enough that a pasted document is caught as a mistake.
pub const SHORT_MAX: usize = 200;
/// Longest multi-line text we accept (purpose, descriptions).
pub const LONG_MAX: usize = 10_000;

/// Trims and checks a required single-line field.
pub fn required_line(errors: &mut ValidationErrors, field: &str, value: &str) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errors.add(field, "is required");
    } else {
        check_line(errors, field, trimmed);
    }
    trimmed.to_owned()
}

/// Trims and checks an optional single-line field; empty becomes the empty string.
pub fn optional_line(errors: &mut ValidationErrors, field: &str, value: &str) -> String {
    let trimmed = value.trim();
    check_line(errors, field, trimmed);
    trimmed.to_owned()
}

/// Trims and checks a multi-line field.
pub fn long_text(
    errors: &mut ValidationErrors,
    field: &str,
    value: &str,
    required: bool,
) -> String {
    let trimmed = value.trim();
    if required && trimmed.is_empty() {
        errors.add(field, "is required");
    } else if trimmed.chars().count() > LONG_MAX {
        errors.add(field, format!("must be at most {LONG_MAX} characters"));
    } else if has_control_chars(trimmed, true) {
        errors.add(field, "must not contain control characters");
    }
    trimmed.to_owned()
}

fn check_line(errors: &mut ValidationErrors, field: &str, value: &str) {
    if value.chars().count() > SHORT_MAX {
        errors.add(field, format!("must be at most {SHORT_MAX} characters"));
    } else if has_control_chars(value, false) {
        errors.add(field, "must be a single line without control characters");
    }
}

fn has_control_chars(value: &str, allow_newlines: bool) -> bool {
    value
        .chars()
        .any(|c| c.is_control() && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_line_trims_and_rejects_empty() {
        let mut errors = ValidationErrors::new();
        assert_eq!(required_line(&mut errors, "name", "  x  "), "x");
        assert!(errors.is_empty());
        required_line(&mut errors, "name", "   ");
        assert_eq!(errors.for_field("name"), Some("is required"));
    }

    #[test]
    fn long_strings_and_control_characters_are_rejected() {
        let mut errors = ValidationErrors::new();
        optional_line(&mut errors, "owner", &"a".repeat(SHORT_MAX + 1));
        optional_line(&mut errors, "team", "a\u{0007}b");
        long_text(&mut errors, "purpose", "line one\nline two", true);
        assert_eq!(errors.errors.len(), 2);
        assert!(errors.for_field("purpose").is_none());
    }
}
