//! C2SP tlog-proof: an offline bundle proving that one entry is in the ledger.
//!
//! The layout follows <https://c2sp.org/tlog-proof> (`c2sp.org/tlog-proof@v1`):
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 opaque data>          (optional line)
//! index <zero-based leaf index>
//! <base64 inclusion proof hash>       (zero or more lines, leaf's sibling first)
//!
//! <signed checkpoint note, verbatim, with all its signature lines>
//! ```
//!
//! Everything an auditor needs, besides the entry itself and the log's
//! verifier key, is in the bundle: [`ProofBundle::verify`] opens the note,
//! parses the checkpoint and checks the RFC 9162 inclusion proof against
//! its root, with no access to the server.
//!
//! The `extra` data is not authenticated by anything; the AIMS store may
//! put the entry's canonical JSON there so the bundle is self-describing,
//! but a verifier must hash what it was given and never trust `extra`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::checkpoint::{self, Checkpoint};
use crate::note::{self, Verifier};
use crate::{Error, Hash, merkle};

/// The first line of every proof bundle.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Hash lines accepted in a bundle: an inclusion proof in a tree of at most
/// 2^64 leaves has at most 64 hashes, so more is malformed, not merely wrong.
const MAX_PROOF_HASHES: usize = 64;

/// An inclusion proof for one leaf, packaged with the signed checkpoint
/// whose root it leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofBundle {
    /// Zero-based index of the leaf in the log.
    pub index: u64,
    /// The RFC 6962 inclusion proof, leaf's sibling first.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, exactly as the log signed it.
    pub signed_checkpoint: String,
    /// Optional opaque application data; not authenticated.
    pub extra: Option<Vec<u8>>,
}

impl ProofBundle {
    /// The bundle as tlog-proof text.
    pub fn to_text(&self) -> String {
        let mut text =
            String::with_capacity(128 + 45 * self.proof.len() + self.signed_checkpoint.len());
        text.push_str(HEADER);
        text.push('\n');
        if let Some(extra) = &self.extra {
            text.push_str("extra ");
            text.push_str(&BASE64.encode(extra));
            text.push('\n');
        }
        text.push_str("index ");
        text.push_str(&self.index.to_string());
        text.push('\n');
        for hash in &self.proof {
            text.push_str(&BASE64.encode(hash));
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&self.signed_checkpoint);
        text
    }

    /// Parse tlog-proof text. The signed checkpoint is kept verbatim and
    /// only checked by [`ProofBundle::verify`].
    ///
    /// # Errors
    ///
    /// [`Error::MalformedBundle`] for a missing or wrong header, bad
    /// `extra` or `index` line, a hash line that is not the base64 of 32
    /// bytes, more than 64 hashes, a missing blank line, or an empty
    /// checkpoint.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut rest = text;
        let mut next_line = || -> Result<&str, Error> {
            let (line, after) = rest
                .split_once('\n')
                .ok_or(Error::MalformedBundle("unexpected end of text"))?;
            rest = after;
            Ok(line)
        };

        if next_line()? != HEADER {
            return Err(Error::MalformedBundle(
                "first line is not c2sp.org/tlog-proof@v1",
            ));
        }
        let mut line = next_line()?;
        let extra = match line.strip_prefix("extra ") {
            Some(encoded) => {
                let data = BASE64
                    .decode(encoded)
                    .map_err(|_| Error::MalformedBundle("extra data is not valid base64"))?;
                line = next_line()?;
                Some(data)
            }
            None => None,
        };
        let index = line
            .strip_prefix("index ")
            .ok_or(Error::MalformedBundle("missing index line"))?;
        let index = checkpoint::parse_decimal(index)
            .ok_or(Error::MalformedBundle("index is not a canonical decimal"))?;

        let mut proof = Vec::new();
        loop {
            let line = next_line()?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_HASHES {
                return Err(Error::MalformedBundle("too many proof hashes"));
            }
            let hash = checkpoint::decode_hash(line).ok_or(Error::MalformedBundle(
                "proof line is not the base64 of 32 bytes",
            ))?;
            proof.push(hash);
        }
        if rest.is_empty() {
            return Err(Error::MalformedBundle("missing signed checkpoint"));
        }
        Ok(Self {
            index,
            proof,
            signed_checkpoint: rest.to_owned(),
            extra,
        })
    }

    /// Verify that `leaf` (the leaf hash of the entry being checked) is in
    /// the log: open the signed checkpoint with `verifier`, parse it, and
    /// check the inclusion proof against its root. Returns the checkpoint
    /// so the caller can check the origin and compare sizes.
    ///
    /// # Errors
    ///
    /// As for [`note::open`] and [`Checkpoint::parse`]; then
    /// [`Error::IndexOutOfRange`] or [`Error::InvalidInclusionProof`] from
    /// [`merkle::verify_inclusion`].
    pub fn verify(&self, leaf: &Hash, verifier: &Verifier) -> Result<Checkpoint, Error> {
        let text = note::open(&self.signed_checkpoint, verifier)?;
        let checkpoint = Checkpoint::parse(&text)?;
        merkle::verify_inclusion(
            leaf,
            self.index,
            checkpoint.size,
            &self.proof,
            &checkpoint.root,
        )?;
        Ok(checkpoint)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::note::Signer;

    struct Fixture {
        leaves: Vec<Hash>,
        signer: Signer,
        signed: String,
    }

    fn fixture(size: usize) -> Fixture {
        let leaves: Vec<Hash> = (0..size)
            .map(|i| merkle::leaf_hash(format!("entry {i}").as_bytes()))
            .collect();
        let signer = Signer::generate("aims.example.org/ledger").unwrap();
        let checkpoint = Checkpoint {
            origin: String::from("aims.example.org/ledger"),
            size: size as u64,
            root: merkle::root(&leaves),
        };
        let signed = checkpoint.sign(&signer).unwrap();
        Fixture {
            leaves,
            signer,
            signed,
        }
    }

    fn bundle_for(fixture: &Fixture, index: u64, extra: Option<Vec<u8>>) -> ProofBundle {
        ProofBundle {
            index,
            proof: merkle::inclusion_proof(&fixture.leaves, index).unwrap(),
            signed_checkpoint: fixture.signed.clone(),
            extra,
        }
    }

    #[test]
    fn text_round_trips_and_verifies() {
        let fixture = fixture(11);
        for (index, extra) in [
            (0, None),
            (7, Some(b"{\"seq\":7}".to_vec())),
            (10, Some(Vec::new())),
        ] {
            let bundle = bundle_for(&fixture, index, extra);
            let text = bundle.to_text();
            assert!(text.starts_with("c2sp.org/tlog-proof@v1\n"));
            let parsed = ProofBundle::parse(&text).unwrap();
            assert_eq!(parsed, bundle);
            let checkpoint = parsed
                .verify(&fixture.leaves[index as usize], &fixture.signer.verifier())
                .unwrap();
            assert_eq!(checkpoint.size, 11);
        }
    }

    #[test]
    fn layout_matches_the_spec() {
        let fixture = fixture(3);
        let bundle = bundle_for(&fixture, 2, Some(b"hi".to_vec()));
        let text = bundle.to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "c2sp.org/tlog-proof@v1");
        assert_eq!(lines[1], "extra aGk=");
        assert_eq!(lines[2], "index 2");
        assert_eq!(lines[3], BASE64.encode(bundle.proof[0]));
        assert_eq!(lines[4], "");
        assert_eq!(lines[5], "aims.example.org/ledger");
        assert!(text.ends_with(&fixture.signed));
    }

    #[test]
    fn single_leaf_bundle_has_no_hash_lines() {
        let fixture = fixture(1);
        let bundle = bundle_for(&fixture, 0, None);
        let text = bundle.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 0\n\naims.example.org/ledger\n"));
        let parsed = ProofBundle::parse(&text).unwrap();
        parsed
            .verify(&fixture.leaves[0], &fixture.signer.verifier())
            .unwrap();
    }

    #[test]
    fn wrong_leaf_key_or_index_fails() {
        let fixture = fixture(6);
        let bundle = bundle_for(&fixture, 4, None);
        let verifier = fixture.signer.verifier();
        assert!(matches!(
            bundle.verify(&fixture.leaves[3], &verifier),
            Err(Error::InvalidInclusionProof(_))
        ));
        let other = Signer::generate("aims.example.org/ledger")
            .unwrap()
            .verifier();
        assert_eq!(
            bundle.verify(&fixture.leaves[4], &other),
            Err(Error::UnverifiedNote)
        );
        let mut moved = bundle.clone();
        moved.index = 5;
        assert!(moved.verify(&fixture.leaves[4], &verifier).is_err());
        moved.index = 6;
        assert_eq!(
            moved.verify(&fixture.leaves[4], &verifier),
            Err(Error::IndexOutOfRange { index: 6, size: 6 })
        );
        let mut tampered = bundle.clone();
        tampered.signed_checkpoint = tampered.signed_checkpoint.replacen("\n6\n", "\n7\n", 1);
        assert!(matches!(
            tampered.verify(&fixture.leaves[4], &verifier),
            Err(Error::InvalidSignature(_))
        ));
    }

    #[test]
    fn malformed_bundles_are_rejected() {
        let fixture = fixture(5);
        let good = bundle_for(&fixture, 1, None).to_text();
        let hash_line = BASE64.encode(merkle::inclusion_proof(&fixture.leaves, 1).unwrap()[0]);
        let cases = [
            String::new(),
            good.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"),
            good.replacen("c2sp.org/tlog-proof@v1\n", "", 1),
            good.replace("index 1", "index 01"),
            good.replace("index 1", "index -1"),
            good.replace("index 1", "index"),
            good.replace("index 1", "idx 1"),
            good.replace("index 1\n", "extra !!\nindex 1\n"),
            good.replace(&hash_line, &hash_line[..hash_line.len() - 4]),
            good.replace(&hash_line, "not base64"),
            // No blank line between proof and checkpoint.
            good.replacen("\n\n", "\n", 1),
            // Nothing after the blank line.
            good[..good.find("\n\n").unwrap() + 2].to_owned(),
            // Truncated before the blank line.
            good[..good.find("\n\n").unwrap()].to_owned(),
            good.replacen(
                "index 1\n",
                &format!("index 1\n{}", format!("{hash_line}\n").repeat(65)),
                1,
            ),
        ];
        for text in cases {
            assert!(
                matches!(ProofBundle::parse(&text), Err(Error::MalformedBundle(_))),
                "{text:?}"
            );
        }
    }

    #[test]
    fn flipped_proof_bit_fails() {
        let fixture = fixture(9);
        let mut bundle = bundle_for(&fixture, 3, None);
        bundle.proof[1][17] ^= 0x10;
        let text = bundle.to_text();
        let parsed = ProofBundle::parse(&text).unwrap();
        assert!(matches!(
            parsed.verify(&fixture.leaves[3], &fixture.signer.verifier()),
            Err(Error::InvalidInclusionProof(_))
        ));
    }
}
