//! C2SP tlog-checkpoint: the signed tree head of the ledger.
//!
//! A checkpoint (<https://c2sp.org/tlog-checkpoint>) is the text of a
//! signed note made of at least three non-empty lines:
//!
//! ```text
//! aims.example.org/ledger
//! 20852163
//! CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//! ```
//!
//! the origin (the log's identity), the tree size in decimal without
//! leading zeros, and the base64 root hash. Lines after the third are
//! extension lines; the spec discourages them because monitors cannot
//! audit them, so [`Checkpoint::parse`] checks that they are non-empty and
//! otherwise ignores them, and [`Checkpoint::to_text`] never writes any.
//!
//! The log must never sign two checkpoints that are not consistent with
//! each other; the store enforces that by checking a consistency proof
//! from the last signed checkpoint before signing the next.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::note::{self, Signer, Verifier};
use crate::{Error, Hash};

/// A tree head: which log, how many leaves, and the root over them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, conventionally a schema-less URL.
    pub origin: String,
    /// The number of leaves.
    pub size: u64,
    /// The RFC 6962 root over those leaves.
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: origin, size and base64 root, each ending in a newline.
    pub fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        )
    }

    /// Parse checkpoint note text (the text of an opened note, not the
    /// signed note itself).
    ///
    /// # Errors
    ///
    /// [`Error::MalformedCheckpoint`] when the text does not end in a
    /// newline, has fewer than three lines, an empty origin, a size that is
    /// not a canonical decimal, a root that is not the base64 of 32 bytes,
    /// an empty extension line or a control character.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let body = text
            .strip_suffix('\n')
            .ok_or(Error::MalformedCheckpoint("text does not end in a newline"))?;
        if text.bytes().any(|b| b < 0x20 && b != b'\n') {
            return Err(Error::MalformedCheckpoint("contains a control character"));
        }
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(Error::MalformedCheckpoint("origin is empty"));
        }
        let size = lines
            .next()
            .ok_or(Error::MalformedCheckpoint("missing size line"))?;
        let size = parse_decimal(size).ok_or(Error::MalformedCheckpoint(
            "size is not a canonical decimal",
        ))?;
        let root = lines
            .next()
            .ok_or(Error::MalformedCheckpoint("missing root line"))?;
        let root = decode_hash(root).ok_or(Error::MalformedCheckpoint(
            "root is not the base64 of 32 bytes",
        ))?;
        if lines.any(str::is_empty) {
            return Err(Error::MalformedCheckpoint("extension line is empty"));
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
        })
    }

    /// Sign this checkpoint and return the signed note.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedCheckpoint`] when the origin is empty or contains a
    /// newline or control character (it would not read back as written).
    pub fn sign(&self, signer: &Signer) -> Result<String, Error> {
        let text = self.to_text();
        if Self::parse(&text).as_ref() != Ok(self) {
            return Err(Error::MalformedCheckpoint(
                "origin is empty or contains control characters",
            ));
        }
        note::sign(&text, signer)
    }

    /// Open a signed checkpoint note with `verifier` and parse its text.
    ///
    /// The origin is not compared with anything: a caller that expects a
    /// particular log must check [`Checkpoint::origin`] itself.
    ///
    /// # Errors
    ///
    /// As for [`note::open`] and [`Checkpoint::parse`].
    pub fn open(signed_note: &str, verifier: &Verifier) -> Result<Self, Error> {
        Self::parse(&note::open(signed_note, verifier)?)
    }
}

/// ASCII decimal with no sign and no leading zeros (except "0" itself).
pub(crate) fn parse_decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return None;
    }
    text.parse().ok()
}

/// Standard base64 (with padding, canonical trailing bits) of exactly 32 bytes.
pub(crate) fn decode_hash(text: &str) -> Option<Hash> {
    let bytes = BASE64.decode(text).ok()?;
    bytes.try_into().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::merkle;

    fn sample() -> Checkpoint {
        Checkpoint {
            origin: String::from("aims.example.org/ledger"),
            size: 8,
            root: merkle::root(&[merkle::leaf_hash(b"a"), merkle::leaf_hash(b"b")]),
        }
    }

    #[test]
    fn text_round_trips() {
        let checkpoint = sample();
        let text = checkpoint.to_text();
        assert_eq!(text.lines().count(), 3);
        assert!(text.starts_with("aims.example.org/ledger\n8\n"));
        assert_eq!(Checkpoint::parse(&text).unwrap(), checkpoint);
    }

    #[test]
    fn spec_example_parses() {
        let text =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let checkpoint = Checkpoint::parse(text).unwrap();
        assert_eq!(checkpoint.origin, "example.com/behind-the-sofa");
        assert_eq!(checkpoint.size, 20852163);
        assert_eq!(checkpoint.to_text(), text);
    }

    #[test]
    fn extension_lines_are_ignored() {
        let text = format!(
            "{}— not a signature, just an extension\nanother\n",
            sample().to_text()
        );
        assert_eq!(Checkpoint::parse(&text).unwrap(), sample());
    }

    #[test]
    fn malformed_checkpoints_are_rejected() {
        let root = BASE64.encode(sample().root);
        let cases = [
            String::new(),
            String::from("\n"),
            format!("origin\n8\n{root}"),
            String::from("origin\n8\n"),
            String::from("origin\n"),
            format!("\n8\n{root}\n"),
            format!("origin\n08\n{root}\n"),
            format!("origin\n-8\n{root}\n"),
            format!("origin\n+8\n{root}\n"),
            format!("origin\n 8\n{root}\n"),
            format!("origin\n\n{root}\n"),
            format!("origin\n18446744073709551616\n{root}\n"),
            format!("origin\n8\n{}\n", &root[..root.len() - 1]),
            format!("origin\n8\n{}\n", BASE64.encode([0u8; 31])),
            format!("origin\n8\n{}\n", root.replace('=', "")),
            format!("origin\n8\n{root}\n\n"),
            format!("origin\n8\n{root}\next\n\n"),
            format!("ori\rgin\n8\n{root}\n"),
        ];
        for text in cases {
            assert!(
                matches!(Checkpoint::parse(&text), Err(Error::MalformedCheckpoint(_))),
                "{text:?}"
            );
        }
        assert_eq!(
            Checkpoint::parse(&format!("origin\n18446744073709551615\n{root}\n"))
                .unwrap()
                .size,
            u64::MAX
        );
        assert_eq!(
            Checkpoint::parse(&format!("origin\n0\n{root}\n"))
                .unwrap()
                .size,
            0
        );
    }

    #[test]
    fn sign_and_open() {
        let signer = Signer::generate("aims.example.org/ledger").unwrap();
        let signed = sample().sign(&signer).unwrap();
        assert_eq!(
            Checkpoint::open(&signed, &signer.verifier()).unwrap(),
            sample()
        );
        let mut bad = sample();
        bad.origin = String::from("two\nlines");
        assert!(bad.sign(&signer).is_err());
        bad.origin = String::new();
        assert!(bad.sign(&signer).is_err());
    }
}
