//! One ledger entry, its canonical encoding and leaf hash, and the hash of a record's state.
//!
//! An entry says who did what to which record and when, and pins the
//! record's new state by hash (never by content), so personal data stays
//! out of the tree and a record can be erased without breaking it. The
//! leaf is the RFC 8785 canonical JSON of the entry as a JSON object:
//!
//! ```text
//! {"action":"risk.update","actor":"user:42","entity_id":"r-1","entity_type":"risk",
//!  "seq":7,"state_sha256":"<64 hex>","time":"2026-01-02T03:04:05Z"}
//! ```
//!
//! (shown wrapped; the real bytes have no whitespace).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::canonical::{self, canonical_json};
use crate::{Error, Hash, merkle};

/// One event in the audit trail.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Position in the log; must stay within ±2^53 to be canonicalised.
    pub seq: u64,
    /// When it happened, RFC 3339 in UTC (`...Z`).
    pub time: String,
    /// Who did it (a user or service id, never a name or e-mail address).
    pub actor: String,
    /// What was done, for example `risk.update`.
    pub action: String,
    /// The kind of record acted on, for example `risk`.
    pub entity_type: String,
    /// The id of the record acted on.
    pub entity_id: String,
    /// Lowercase hex SHA-256 of the record's new canonical state (see
    /// [`state_hash`]), or empty for deletions and events with no state.
    pub state_sha256: String,
}

impl Entry {
    /// RFC 8785 canonical JSON of this entry as a JSON object.
    ///
    /// Written directly rather than through `serde_json::Value` because it
    /// sits on the append hot path; a test checks it against the generic
    /// [`canonical_json`] for arbitrary entries.
    ///
    /// # Errors
    ///
    /// [`Error::UnsafeInteger`] when `seq` exceeds 2^53.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(
            128 + self.time.len()
                + self.actor.len()
                + self.action.len()
                + self.entity_type.len()
                + self.entity_id.len()
                + self.state_sha256.len(),
        );
        // Member names in UTF-16 order, which for these ASCII names is
        // plain byte order.
        out.extend_from_slice(b"{\"action\":");
        canonical::write_string(&mut out, &self.action);
        out.extend_from_slice(b",\"actor\":");
        canonical::write_string(&mut out, &self.actor);
        out.extend_from_slice(b",\"entity_id\":");
        canonical::write_string(&mut out, &self.entity_id);
        out.extend_from_slice(b",\"entity_type\":");
        canonical::write_string(&mut out, &self.entity_type);
        out.extend_from_slice(b",\"seq\":");
        canonical::write_integer(&mut out, self.seq)?;
        out.extend_from_slice(b",\"state_sha256\":");
        canonical::write_string(&mut out, &self.state_sha256);
        out.extend_from_slice(b",\"time\":");
        canonical::write_string(&mut out, &self.time);
        out.push(b'}');
        Ok(out)
    }

    /// The Merkle leaf hash of this entry: SHA-256(0x00 || canonical bytes).
    ///
    /// # Errors
    ///
    /// As for [`Entry::canonical_bytes`].
    pub fn leaf_hash(&self) -> Result<Hash, Error> {
        Ok(merkle::leaf_hash(&self.canonical_bytes()?))
    }

    /// Check the shape of the fields: non-empty actor, action and entity
    /// type, an RFC 3339 UTC time, and a state hash that is empty or 64
    /// lowercase hex digits.
    ///
    /// Encoding does not call this, so that entries written under older
    /// rules still hash as they were; call it before appending.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEntry`] naming the first field that is wrong.
    pub fn validate(&self) -> Result<(), Error> {
        if self.actor.is_empty() {
            return Err(Error::InvalidEntry("actor is empty"));
        }
        if self.action.is_empty() {
            return Err(Error::InvalidEntry("action is empty"));
        }
        if self.entity_type.is_empty() {
            return Err(Error::InvalidEntry("entity type is empty"));
        }
        if !is_rfc3339_utc(&self.time) {
            return Err(Error::InvalidEntry("time is not an rfc 3339 utc timestamp"));
        }
        let hash = self.state_sha256.as_bytes();
        if !hash.is_empty()
            && (hash.len() != 64 || !hash.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        {
            return Err(Error::InvalidEntry(
                "state hash is not 64 lowercase hex digits",
            ));
        }
        if self.seq > 1 << 53 {
            return Err(Error::InvalidEntry("sequence number exceeds 2^53"));
        }
        Ok(())
    }
}

/// Lowercase hex SHA-256 of the canonical JSON of a record's state, for
/// [`Entry::state_sha256`].
///
/// # Errors
///
/// As for [`canonical_json`].
pub fn state_hash(value: &serde_json::Value) -> Result<String, Error> {
    let bytes = canonical_json(value)?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with plausible field ranges.
///
/// Only the UTC form is accepted so that one instant has one spelling
/// (up to the fraction) and entries sort by time as text.
fn is_rfc3339_utc(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes.last() != Some(&b'Z') {
        return false;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = bytes.get(range)?;
        digits.iter().try_fold(0u32, |value, &digit| {
            digit
                .is_ascii_digit()
                .then(|| value * 10 + u32::from(digit - b'0'))
        })
    };
    let separators_ok = bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && bytes[16] == b':';
    let fields_ok = matches!(
        (
            number(0..4),
            number(5..7),
            number(8..10),
            number(11..13),
            number(14..16),
            number(17..19)
        ),
        (
            Some(_),
            Some(1..=12),
            Some(1..=31),
            Some(0..=23),
            Some(0..=59),
            Some(0..=60)
        )
    );
    let tail = &bytes[19..bytes.len() - 1];
    let fraction_ok = match tail {
        [] => true,
        [b'.', digits @ ..] => !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    separators_ok && fields_ok && fraction_ok
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn sample() -> Entry {
        Entry {
            seq: 7,
            time: String::from("2026-01-02T03:04:05Z"),
            actor: String::from("user:42"),
            action: String::from("risk.update"),
            entity_type: String::from("risk"),
            entity_id: String::from("r-1"),
            state_sha256: state_hash(&json!({"title": "Bias in hiring model", "score": 12}))
                .unwrap(),
        }
    }

    #[test]
    fn canonical_bytes_are_sorted_compact_json() {
        let entry = sample();
        let text = String::from_utf8(entry.canonical_bytes().unwrap()).unwrap();
        assert_eq!(
            text,
            format!(
                "{{\"action\":\"risk.update\",\"actor\":\"user:42\",\"entity_id\":\"r-1\",\
                 \"entity_type\":\"risk\",\"seq\":7,\"state_sha256\":\"{}\",\
                 \"time\":\"2026-01-02T03:04:05Z\"}}",
                entry.state_sha256
            )
        );
        assert_eq!(
            entry.leaf_hash().unwrap(),
            merkle::leaf_hash(text.as_bytes())
        );
    }

    #[test]
    fn state_hash_is_hex_sha256_of_canonical_json() {
        // Member order and whitespace in the input do not matter.
        let a =
            state_hash(&serde_json::from_str(r#"{ "b": 1, "a": [true, null] }"#).unwrap()).unwrap();
        let b = state_hash(&json!({"a": [true, null], "b": 1})).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a,
            hex::encode(Sha256::digest(br#"{"a":[true,null],"b":1}"#))
        );
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn unsafe_sequence_numbers_are_refused() {
        let mut entry = sample();
        entry.seq = (1 << 53) + 1;
        assert!(matches!(
            entry.canonical_bytes(),
            Err(Error::UnsafeInteger(_))
        ));
        assert!(entry.validate().is_err());
    }

    #[test]
    fn validate_checks_field_shapes() {
        assert_eq!(sample().validate(), Ok(()));
        let mut deletion = sample();
        deletion.state_sha256.clear();
        assert_eq!(deletion.validate(), Ok(()));
        for time in ["2026-01-02T03:04:05.123456Z", "2026-12-31T23:59:60Z"] {
            let mut entry = sample();
            entry.time = String::from(time);
            assert_eq!(entry.validate(), Ok(()), "{time}");
        }
        for time in [
            "",
            "2026-01-02 03:04:05Z",
            "2026-01-02T03:04:05+00:00",
            "2026-13-02T03:04:05Z",
            "2026-01-02T24:04:05Z",
            "2026-01-02T03:04:05.Z",
            "2026-01-02T03:04:05",
            "２026-01-02T03:04:05Z",
        ] {
            let mut entry = sample();
            entry.time = String::from(time);
            assert!(entry.validate().is_err(), "{time}");
        }
        let mut entry = sample();
        entry.state_sha256 = entry.state_sha256.to_uppercase();
        assert!(entry.validate().is_err());
        let mut entry = sample();
        entry.actor.clear();
        assert!(entry.validate().is_err());
    }

    #[test]
    fn entries_round_trip_through_serde_and_refuse_unknown_fields() {
        let entry = sample();
        let text = serde_json::to_string(&entry).unwrap();
        let back: Entry = serde_json::from_str(&text).unwrap();
        assert_eq!(back, entry);
        let mut value = serde_json::to_value(&entry).unwrap();
        value["extra"] = json!(1);
        assert!(serde_json::from_value::<Entry>(value).is_err());
    }

    proptest! {
        /// The hand-written encoding equals generic JCS of the serde form.
        #[test]
        fn canonical_bytes_match_generic_jcs(
            seq in 0u64..=(1 << 53),
            time in any::<String>(),
            actor in any::<String>(),
            action in "[\\x00-\\x7f]{0,12}",
            entity_type in any::<String>(),
            entity_id in "\\PC{0,12}",
            state_sha256 in any::<String>(),
        ) {
            let entry = Entry { seq, time, actor, action, entity_type, entity_id, state_sha256 };
            let generic = canonical_json(&serde_json::to_value(&entry).unwrap()).unwrap();
            prop_assert_eq!(entry.canonical_bytes().unwrap(), generic);
        }
    }
}
