//! One textual form for instants, used in the database, the ledger and the API.
//!
//! RFC 3339 in UTC with exactly six fractional digits, so that text order is time order
//! on both databases and ledger entries hash the same on every platform.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

/// Formats an instant as `2026-12-04T22:25:06.123456Z`.
pub fn format_instant(instant: OffsetDateTime) -> String {
    let utc = instant.to_offset(UtcOffset::UTC);
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    utc.format(&format)
        .unwrap_or_else(|_| utc.unix_timestamp().to_string())
}

/// Parses any RFC 3339 instant.
pub fn parse_instant(text: &str) -> Result<OffsetDateTime, time::error::Parse> {
    OffsetDateTime::parse(text, &Rfc3339)
}

/// Formats a calendar date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    let format = format_description!("[year]-[month]-[day]");
    date.format(&format).unwrap_or_default()
}

/// Parses a calendar date written as `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<Date, time::error::Parse> {
    let format = format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn instants_round_trip_with_fixed_precision() {
        let instant = datetime!(2026-12-04 22:25:06.5 +01:00);
        let text = format_instant(instant);
        assert_eq!(text, "2026-12-04T21:25:06.500000Z");
        assert_eq!(parse_instant(&text).ok(), Some(instant));
    }

    #[test]
    fn dates_parse_and_reject_garbage() {
        assert!(parse_date("2026-02-30").is_err());
        assert!(parse_date("tomorrow").is_err());
        let date = parse_date("2027-01-31").ok();
        assert_eq!(date.map(format_date).as_deref(), Some("2027-01-31"));
    }
}
