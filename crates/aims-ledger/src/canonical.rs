//! RFC 8785 JSON Canonicalization Scheme (JCS) for `serde_json` values.
//!
//! Ledger leaves and state hashes are computed over canonical JSON so that
//! any conforming implementation, in any language, derives the same bytes
//! from the same data. The rules (RFC 8785 section 3.2):
//!
//! - no whitespace between tokens;
//! - object members sorted by their names compared as arrays of UTF-16
//!   code units (not UTF-8 bytes: the two orders differ for characters
//!   above U+FFFF against characters in U+E000..U+FFFF);
//! - strings escaped minimally: `"` and `\`, the two-character escapes
//!   `\b \t \n \f \r`, other control characters below U+0020 as `\u00xx`
//!   with lowercase hex, everything else written as UTF-8;
//! - numbers written as ECMAScript's `Number.prototype.toString` would
//!   write the IEEE 754 double: shortest round-tripping digits, integers
//!   below 10^21 without exponent or fraction, `-0` as `0`.
//!
//! Two deliberate restrictions, both within RFC 8785's I-JSON requirement
//! (RFC 7493): an integer beyond ±2^53 is refused unless its decimal text is
//! already the canonical text of the double it denotes (otherwise JCS would
//! round it, and two different records could hash the same); and nesting
//! is limited to [`MAX_DEPTH`] levels.

use serde_json::{Map, Number, Value};

use crate::Error;

/// Deepest nesting accepted; deeper values are refused to bound recursion.
pub const MAX_DEPTH: usize = 256;

/// 2^53: every integer up to this magnitude is exactly a double.
const MAX_EXACT_INTEGER: u64 = 1 << 53;

/// Serialise `value` as RFC 8785 canonical JSON (UTF-8 bytes).
///
/// # Errors
///
/// [`Error::UnsafeInteger`] for integers beyond ±2^53 that JCS would round,
/// [`Error::NonFiniteNumber`] for NaN or infinities, and
/// [`Error::TooDeep`] for values nested more than [`MAX_DEPTH`] levels.
pub fn canonical_json(value: &Value) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(256);
    write_value(&mut out, value, 0)?;
    Ok(out)
}

fn write_value(out: &mut Vec<u8>, value: &Value, depth: usize) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(Error::TooDeep(MAX_DEPTH));
    }
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => write_number(out, number)?,
        Value::String(string) => write_string(out, string),
        Value::Array(items) => {
            out.push(b'[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(b',');
                }
                write_value(out, item, depth + 1)?;
            }
            out.push(b']');
        }
        Value::Object(members) => write_object(out, members, depth)?,
    }
    Ok(())
}

fn write_object(
    out: &mut Vec<u8>,
    members: &Map<String, Value>,
    depth: usize,
) -> Result<(), Error> {
    let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
    // serde_json's map may be ordered by UTF-8 bytes or by insertion
    // (feature `preserve_order`), neither of which is the JCS order.
    sorted.sort_by(|(left, _), (right, _)| compare_utf16(left, right));
    out.push(b'{');
    for (position, (name, member)) in sorted.into_iter().enumerate() {
        if position > 0 {
            out.push(b',');
        }
        write_string(out, name);
        out.push(b':');
        write_value(out, member, depth + 1)?;
    }
    out.push(b'}');
    Ok(())
}

/// Compare two strings as sequences of UTF-16 code units.
fn compare_utf16(left: &str, right: &str) -> std::cmp::Ordering {
    // For pure ASCII names (the common case) byte order is UTF-16 order,
    // and comparing bytes avoids re-encoding on every comparison.
    if left.is_ascii() && right.is_ascii() {
        return left.as_bytes().cmp(right.as_bytes());
    }
    left.encode_utf16().cmp(right.encode_utf16())
}

fn write_number(out: &mut Vec<u8>, number: &Number) -> Result<(), Error> {
    if let Some(unsigned) = number.as_u64() {
        write_integer(out, unsigned)
    } else if let Some(signed) = number.as_i64() {
        if signed.unsigned_abs() <= MAX_EXACT_INTEGER {
            out.extend_from_slice(signed.to_string().as_bytes());
            Ok(())
        } else {
            write_large_integer(out, signed.to_string(), signed as f64)
        }
    } else if let Some(float) = number.as_f64() {
        write_double(out, float)
    } else {
        // Only reachable with serde_json's `arbitrary_precision` feature for
        // a number that does not fit a double.
        Err(Error::NonFiniteNumber)
    }
}

/// Write an integer beyond ±2^53 only if its decimal text is already the
/// canonical text of the double it stands for, so that canonicalising
/// loses nothing.
///
/// JCS treats every number as a double, so 9007199254740993 would come out
/// as 9007199254740992 and two different records could hash the same:
/// that is refused. But 86577379450818270 is exactly how JCS writes the
/// double nearest to it, so canonical output parsed back (where
/// `serde_json` reads it as an integer) canonicalises to itself again.
fn write_large_integer(out: &mut Vec<u8>, decimal: String, as_double: f64) -> Result<(), Error> {
    let mut canonical = Vec::with_capacity(decimal.len());
    write_double(&mut canonical, as_double)?;
    if canonical != decimal.as_bytes() {
        return Err(Error::UnsafeInteger(decimal));
    }
    out.extend_from_slice(&canonical);
    Ok(())
}

/// Write a double the way ECMAScript `Number::toString` does (ECMA-262
/// section 7.1.12.1, radix 10), which RFC 8785 section 3.2.2.3 adopts.
pub(crate) fn write_double(out: &mut Vec<u8>, value: f64) -> Result<(), Error> {
    if !value.is_finite() {
        return Err(Error::NonFiniteNumber);
    }
    if value == 0.0 {
        // Covers -0 too, which ECMAScript prints as "0".
        out.push(b'0');
        return Ok(());
    }
    if value < 0.0 {
        out.push(b'-');
    }
    let magnitude = value.abs();
    // Rust's `{:e}` without a precision prints the shortest digit string
    // that parses back to the same double: the length ECMAScript asks for.
    let (mut digits, mut exponent) = split_scientific(&format!("{magnitude:e}"))?;
    // Among strings of that length ECMAScript takes the one closest to the
    // exact value, breaking ties toward an even last digit; Rust's shortest
    // mode may break a tie the other way (RFC 8785 appendix B has such a
    // case, 1424953923781206.2). Rust's fixed-precision mode rounds the
    // exact value half to even, so ask it for the same number of digits
    // and keep its answer whenever that still reads back as this double.
    let rounded = format!("{magnitude:.*e}", digits.len().saturating_sub(1));
    if rounded.parse::<f64>() == Ok(magnitude) {
        (digits, exponent) = split_scientific(&rounded)?;
    }
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }

    // In ECMAScript's terms the value is 0.d1d2...dk × 10^n.
    let k = digits.len() as i64;
    let n = exponent + 1;
    if k <= n && n <= 21 {
        // An integer below 10^21: the digits, then n-k zeros.
        out.extend_from_slice(&digits);
        out.extend(std::iter::repeat_n(b'0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        // A fraction with n digits before the point.
        let (integer, fraction) = digits.split_at(n as usize);
        out.extend_from_slice(integer);
        out.push(b'.');
        out.extend_from_slice(fraction);
    } else if -6 < n && n <= 0 {
        // A small fraction: "0." then -n zeros, then the digits.
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', (-n) as usize));
        out.extend_from_slice(&digits);
    } else {
        // Exponential notation with an explicit exponent sign.
        let (first, rest) = digits.split_at(1);
        out.extend_from_slice(first);
        if !rest.is_empty() {
            out.push(b'.');
            out.extend_from_slice(rest);
        }
        out.push(b'e');
        out.push(if n - 1 < 0 { b'-' } else { b'+' });
        out.extend_from_slice((n - 1).unsigned_abs().to_string().as_bytes());
    }
    Ok(())
}

/// Split Rust's `d.ddde[-]x` notation into its digits and exponent.
fn split_scientific(text: &str) -> Result<(Vec<u8>, i64), Error> {
    let unexpected = || Error::Json(String::from("unexpected float formatting"));
    let (mantissa, exponent) = text.split_once('e').ok_or_else(unexpected)?;
    let exponent = exponent.parse().map_err(|_| unexpected())?;
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    Ok((digits, exponent))
}

/// Write a JSON string literal with RFC 8785 minimal escaping.
pub(crate) fn write_string(out: &mut Vec<u8>, string: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = string.as_bytes();
    // Copy unescaped runs in one go. Every byte of a multi-byte UTF-8
    // sequence is >= 0x80, so scanning bytes never splits a character.
    let mut run_start = 0;
    for (position, &byte) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match byte {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0x08 => Some(b"\\b"),
            b'\t' => Some(b"\\t"),
            b'\n' => Some(b"\\n"),
            0x0c => Some(b"\\f"),
            b'\r' => Some(b"\\r"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[run_start..position]);
        match escape {
            Some(sequence) => out.extend_from_slice(sequence),
            None => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0x0f)],
            ]),
        }
        run_start = position + 1;
    }
    out.extend_from_slice(&bytes[run_start..]);
    out.push(b'"');
}

/// Write an unsigned integer as a JCS number (see [`write_large_integer`]
/// for values beyond 2^53).
pub(crate) fn write_integer(out: &mut Vec<u8>, value: u64) -> Result<(), Error> {
    if value <= MAX_EXACT_INTEGER {
        out.extend_from_slice(value.to_string().as_bytes());
        Ok(())
    } else {
        write_large_integer(out, value.to_string(), value as f64)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn canonical_text(value: &Value) -> String {
        let bytes = canonical_json(value).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    fn double_text(value: f64) -> Result<String, Error> {
        let mut out = Vec::new();
        write_double(&mut out, value)?;
        Ok(String::from_utf8(out).unwrap())
    }

    /// RFC 8785 section 3.2.2: the combined sample with numbers, escapes and
    /// literals, given as JSON text so the input escapes are the RFC's own.
    #[test]
    fn rfc8785_section_3_2_2_sample() {
        let input = r#"{
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#;
        let value: Value = serde_json::from_str(input).unwrap();
        let expected = "{\"literals\":[null,true,false],\
            \"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\
            \"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
        assert_eq!(canonical_text(&value), expected);
    }

    /// RFC 8785 section 3.2.4: the UTF-8 bytes of the sample's output.
    #[test]
    // The RFC's input spells 333333333.33333329 with more digits than a
    // double holds, on purpose.
    #[allow(clippy::excessive_precision)]
    fn rfc8785_section_3_2_4_bytes() {
        let value = json!({
            "numbers": [333333333.33333329_f64, 1e30, 4.50, 2e-3, 1e-27],
            "string": "\u{20ac}$\u{000f}\nA'B\"\\\\\"/",
            "literals": [null, true, false]
        });
        // The listing from the RFC, twenty bytes a row.
        let expected_hex = "\
            7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72 \
            75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a \
            5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31 \
            65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37 \
            5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30 \
            30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d";
        let expected = hex::decode(expected_hex.replace(' ', "")).unwrap();
        assert_eq!(canonical_json(&value).unwrap(), expected);
    }

    /// RFC 8785 section 3.2.3: members sorted by UTF-16 code units, which
    /// puts the emoji (a surrogate pair, 0xD83D...) before U+FB33.
    #[test]
    fn rfc8785_section_3_2_3_sorting() {
        let value = json!({
            "\u{20ac}": "Euro Sign",
            "\r": "Carriage Return",
            "\u{fb33}": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\u{1f600}": "Emoji: Grinning Face",
            "\u{0080}": "Control",
            "\u{00f6}": "Latin Small Letter O With Diaeresis"
        });
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
            \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
            \"\u{1f600}\":\"Emoji: Grinning Face\",\
            \"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
        assert_eq!(canonical_text(&value), expected);
    }

    /// RFC 8785 appendix B: IEEE 754 bit patterns and their canonical text.
    #[test]
    fn rfc8785_appendix_b_numbers() {
        let table = [
            (0x0000000000000000_u64, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for (bits, expected) in table {
            let value = f64::from_bits(bits);
            assert_eq!(double_text(value).unwrap(), expected, "bits {bits:016x}");
            // The same through the public entry point, inside an array.
            let text = canonical_text(&json!([value]));
            assert_eq!(text, format!("[{expected}]"), "bits {bits:016x}");
        }
    }

    #[test]
    fn non_finite_numbers_are_rejected() {
        for bits in [
            0x7fffffffffffffff_u64,
            0x7ff0000000000000,
            0xfff0000000000000,
        ] {
            assert_eq!(
                double_text(f64::from_bits(bits)),
                Err(Error::NonFiniteNumber)
            );
        }
    }

    #[test]
    fn integers_print_plainly_and_unsafe_ones_are_refused() {
        assert_eq!(
            canonical_text(&json!([0, 1, -1, 1000000, 9007199254740992_u64])),
            "[0,1,-1,1000000,9007199254740992]"
        );
        assert_eq!(
            canonical_text(&json!(-9007199254740992_i64)),
            "-9007199254740992"
        );
        assert_eq!(
            canonical_json(&json!(9007199254740993_u64)),
            Err(Error::UnsafeInteger(String::from("9007199254740993")))
        );
        assert_eq!(
            canonical_json(&json!(-9007199254740993_i64)),
            Err(Error::UnsafeInteger(String::from("-9007199254740993")))
        );
        assert!(canonical_json(&json!(u64::MAX)).is_err());
        // 2^60 is exactly a double, but JCS spells that double
        // 1152921504606847000: writing that would change the text.
        assert!(canonical_json(&json!(1152921504606846976_u64)).is_err());
        // Integers already in canonical double spelling are kept, so that
        // canonical output read back by serde_json (as an integer)
        // canonicalises to itself.
        assert_eq!(
            canonical_text(&json!(86577379450818270_u64)),
            "86577379450818270"
        );
        assert_eq!(
            canonical_text(&json!(-86577379450818270_i64)),
            "-86577379450818270"
        );
        assert_eq!(
            canonical_text(&json!(1152921504606847000_u64)),
            "1152921504606847000"
        );
        assert_eq!(
            canonical_text(&json!(8.657737945081827e16)),
            "86577379450818270"
        );
        // Doubles with integral values are fine: they are doubles already.
        assert_eq!(canonical_text(&json!(1e30)), "1e+30");
        assert_eq!(canonical_text(&json!(4.0)), "4");
        assert_eq!(canonical_text(&json!(-0.0)), "0");
    }

    #[test]
    fn strings_escape_minimally() {
        let all_controls: String = (0u8..0x20).map(char::from).collect();
        let expected = "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\
            \\b\\t\\n\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\
            \\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\
            \\u001d\\u001e\\u001f\"";
        assert_eq!(canonical_text(&json!(all_controls)), expected);
        // DEL, the line separators, '/' and non-ASCII stay as they are.
        assert_eq!(
            canonical_text(&json!("\u{7f}\u{2028}\u{2029}/é😀\"\\")),
            "\"\u{7f}\u{2028}\u{2029}/é😀\\\"\\\\\""
        );
    }

    #[test]
    fn nested_structures_have_no_whitespace() {
        let value = json!({"b": [1, {"d": true, "c": null}], "a": {}, "": []});
        assert_eq!(
            canonical_text(&value),
            r#"{"":[],"a":{},"b":[1,{"c":null,"d":true}]}"#
        );
    }

    #[test]
    fn depth_is_limited() {
        let mut value = json!(0);
        for _ in 0..MAX_DEPTH {
            value = json!([value]);
        }
        assert!(canonical_json(&value).is_ok());
        value = json!([value]);
        assert_eq!(canonical_json(&value), Err(Error::TooDeep(MAX_DEPTH)));
    }

    #[test]
    fn utf16_order_differs_from_utf8_order() {
        // U+FF61 is one UTF-16 unit 0xFF61; U+10000 is 0xD800 0xDC00.
        // In UTF-8 U+FF61 (EF BD A1) sorts before U+10000 (F0 90 80 80);
        // in UTF-16 it sorts after.
        let value = json!({"\u{ff61}": 1, "\u{10000}": 2});
        assert_eq!(canonical_text(&value), "{\"\u{10000}\":2,\"\u{ff61}\":1}");
    }

    proptest! {
        /// Every finite double prints as text that parses back to itself.
        #[test]
        fn doubles_round_trip(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            prop_assume!(value.is_finite());
            let text = double_text(value).unwrap();
            let parsed: f64 = text.parse().unwrap();
            prop_assert!(parsed == value, "{} printed as {}", value, text);
        }

        /// Canonicalisation is idempotent: canonical text parses to a value
        /// whose canonical text is the same.
        #[test]
        fn canonicalisation_is_idempotent(
            names in proptest::collection::vec(any::<String>(), 0..8),
            numbers in proptest::collection::vec(any::<f64>(), 0..8),
        ) {
            let mut members = Map::new();
            for (position, name) in names.into_iter().enumerate() {
                let number = numbers.get(position).copied().unwrap_or(0.5);
                members.insert(name, Value::from(number));
            }
            let value = Value::Object(members);
            let first = canonical_json(&value).unwrap();
            let reparsed: Value = serde_json::from_slice(&first).unwrap();
            prop_assert_eq!(canonical_json(&reparsed).unwrap(), first);
        }
    }
}
