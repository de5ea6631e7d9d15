//! A small RFC 4180 CSV reader and writer for the register imports and exports: quoted
//! fields with commas, quotes and line breaks; records keep the line they start on, so
//! errors can name it.

/// A record and the 1-based line it starts on.
pub type Record = (usize, Vec<String>);

/// Parses CSV text into records, each with the 1-based line it starts on. An unterminated
/// quote is an error naming the line where the field began.
pub fn parse(text: &str) -> Result<Vec<Record>, (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    let mut quoted = false;
    let mut quote_line = 0;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                quote_line = line;
            }
            ',' => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push((record_line, std::mem::take(&mut record)));
                line += 1;
                record_line = line;
                any = false;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err((quote_line, "a quoted field is never closed".into()));
    }
    if any || !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push((record_line, record));
    }
    Ok(records)
}

/// Writes one record, quoting fields that need it.
pub fn write_record(out: &mut String, fields: &[String]) {
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        // A leading =, +, - or @ would be a formula in a spreadsheet: quote and prefix it.
        let guarded = if field.starts_with(['=', '+', '@'])
            || (field.starts_with('-') && field.parse::<f64>().is_err())
        {
            format!("'{field}")
        } else {
            field.clone()
        };
        if guarded.contains([',', '"', '\n', '\r']) || guarded != field.as_str() {
            out.push('"');
            out.push_str(&guarded.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&guarded);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_commas_and_line_breaks_round_trip() {
        let rows = vec![
            vec!["a".to_owned(), "b, c".to_owned(), "say \"hi\"".to_owned()],
            vec!["two\nlines".to_owned(), String::new(), "x".to_owned()],
        ];
        let mut text = String::new();
        for row in &rows {
            write_record(&mut text, row);
        }
        let parsed = parse(&text).unwrap_or_default();
        assert_eq!(
            parsed.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>(),
            rows
        );
        assert_eq!(parsed[1].0, 2);
    }

    #[test]
    fn unterminated_quotes_name_their_line_and_formulas_are_defused() {
        assert_eq!(parse("a,b\n\"oops,c\n").err().map(|e| e.0), Some(2));
        let mut text = String::new();
        write_record(
            &mut text,
            &["=HYPERLINK(\"x\")".to_owned(), "-3".to_owned()],
        );
        assert!(text.starts_with("\"'=HYPERLINK"), "{text}");
        assert!(text.contains(",-3"));
    }
}
