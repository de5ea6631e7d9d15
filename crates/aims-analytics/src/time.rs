//! Parsing the few timestamp forms a spec may hold (`as_of`), without a date library.

/// Days from 1970-01-01 to a civil date (proleptic Gregorian), after Howard Hinnant's algorithm.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.fff]` or RFC 3339 (`T`, optional `Z` or `+HH:MM`)
/// into seconds since the Unix epoch, UTC.
pub fn parse_timestamp(text: &str) -> Option<f64> {
    let t = text.trim();
    let date = t.get(0..10)?;
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut seconds = days_from_civil(y, m, d) as f64 * 86_400.0;
    let rest = &t[10..];
    if rest.is_empty() {
        return Some(seconds);
    }
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let (clock, offset) = match rest.find(['Z', '+', '-']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let mut hms = clock.split(':');
    let h: f64 = hms.next()?.parse().ok()?;
    let mi: f64 = hms.next()?.parse().ok()?;
    let s: f64 = hms.next().unwrap_or("0").parse().ok()?;
    seconds += h * 3600.0 + mi * 60.0 + s;
    if !offset.is_empty() && offset != "Z" {
        let sign = if offset.starts_with('-') { -1.0 } else { 1.0 };
        let mut oh = offset[1..].split(':');
        let hours: f64 = oh.next()?.parse().ok()?;
        let minutes: f64 = oh.next().unwrap_or("0").parse().ok()?;
        seconds -= sign * (hours * 3600.0 + minutes * 60.0);
    }
    Some(seconds)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(parse_timestamp("1970-01-01"), Some(0.0));
        assert_eq!(
            parse_timestamp("2025-04-15T00:00:00"),
            Some(1_744_675_200.0)
        );
        assert_eq!(
            parse_timestamp("2025-04-15 01:00:00+01:00"),
            Some(1_744_675_200.0)
        );
        assert_eq!(
            parse_timestamp("2025-04-15T00:00:00Z"),
            Some(1_744_675_200.0)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
