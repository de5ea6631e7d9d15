//! C2SP signed notes with Ed25519 keys, and the Go-compatible signer and verifier key strings.
//!
//! A signed note (<https://c2sp.org/signed-note>) is UTF-8 text that ends
//! in a newline, then a blank line, then one or more signature lines
//!
//! ```text
//! — <key name> <base64(4-byte key id || signature)>
//! ```
//!
//! with an em dash (U+2014). The key id is the first four bytes, read big
//! endian, of SHA-256(key name || 0x0A || 0x01 || 32-byte public key); 0x01
//! is the Ed25519 signature type. The signature covers the text including
//! its final newline but not the blank line.
//!
//! Key strings are the ones `golang.org/x/mod/sumdb/note` reads and writes,
//! so keys move freely between this crate and the Go tooling:
//!
//! - verifier key: `<name>+<8 hex digits of key id>+<base64(0x01 || public key)>`
//! - signer key: `PRIVATE+KEY+<name>+<8 hex digits of key id>+<base64(0x01 || seed)>`
//!
//! Verification follows the spec's rules: signature lines from unknown
//! keys are ignored (they may be witness cosignatures), a line that claims
//! the known key but fails to verify rejects the whole note, and a note
//! with no verified signature from the known key is rejected.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use rand::RngCore as _;
use sha2::{Digest, Sha256};

use crate::Error;

/// Signature type byte for Ed25519 in key ids and key strings.
const ALGORITHM_ED25519: u8 = 0x01;

/// The prefix of a signature line: em dash and space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Signature lines accepted per note. The spec asks verifiers to accept at
/// least 16; the limit bounds the work an attacker can make us do.
pub const MAX_SIGNATURES: usize = 100;

/// The key id of an Ed25519 key: the first four bytes, big endian, of
/// SHA-256(name || 0x0A || 0x01 || public key).
pub fn key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', ALGORITHM_ED25519]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Key names must be non-empty with no Unicode whitespace, no '+' (the key
/// string separator) and no ASCII control characters (which notes may not
/// contain).
fn check_key_name(name: &str) -> Result<(), Error> {
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c < ' ')
    {
        return Err(Error::InvalidKeyName);
    }
    Ok(())
}

/// Split `<name>+<hex id>+<base64 key>` and decode the key material, which
/// must be the Ed25519 type byte followed by 32 bytes.
fn parse_key_string(text: &str) -> Result<(&str, u32, [u8; 32]), Error> {
    // The base64 part may itself contain '+', so split off two fields only.
    let mut fields = text.splitn(3, '+');
    let (Some(name), Some(id_hex), Some(key_base64)) =
        (fields.next(), fields.next(), fields.next())
    else {
        return Err(Error::MalformedKey("expected name+id+key"));
    };
    check_key_name(name)?;
    if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::MalformedKey("key id is not 8 hex digits"));
    }
    let id = u32::from_str_radix(id_hex, 16)
        .map_err(|_| Error::MalformedKey("key id is not 8 hex digits"))?;
    let material = BASE64
        .decode(key_base64)
        .map_err(|_| Error::MalformedKey("key is not valid base64"))?;
    let Some((&algorithm, key)) = material.split_first() else {
        return Err(Error::MalformedKey("key is empty"));
    };
    if algorithm != ALGORITHM_ED25519 {
        return Err(Error::MalformedKey("key is not an ed25519 key"));
    }
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| Error::MalformedKey("ed25519 key is not 32 bytes"))?;
    Ok((name, id, key))
}

fn key_material_base64(key: &[u8; 32]) -> String {
    let mut material = Vec::with_capacity(33);
    material.push(ALGORITHM_ED25519);
    material.extend_from_slice(key);
    BASE64.encode(material)
}

/// A named Ed25519 signing key.
///
/// `Debug` shows the name and key id only, never the secret.
#[derive(Clone)]
pub struct Signer {
    name: String,
    key_id: u32,
    signing_key: SigningKey,
}

impl fmt::Debug for Signer {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Signer")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for `signing_key` under `name`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKeyName`] for an empty name or one containing
    /// whitespace, '+' or control characters.
    pub fn new(name: &str, signing_key: SigningKey) -> Result<Self, Error> {
        check_key_name(name)?;
        let key_id = key_id(name, signing_key.verifying_key().as_bytes());
        Ok(Self {
            name: name.to_owned(),
            key_id,
            signing_key,
        })
    }

    /// A fresh key from the operating system's random source.
    ///
    /// # Errors
    ///
    /// As for [`Signer::new`].
    pub fn generate(name: &str) -> Result<Self, Error> {
        check_key_name(name)?;
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let signing_key = SigningKey::from_bytes(&seed);
        // SigningKey wipes itself on drop; wipe this copy of the seed too.
        seed.fill(0);
        Self::new(name, signing_key)
    }

    /// Parse `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>`.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedKey`] when the string does not parse or its key id
    /// does not match the key, [`Error::InvalidKeyName`] for a bad name.
    pub fn from_skey(skey: &str) -> Result<Self, Error> {
        let rest = skey
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(Error::MalformedKey(
                "signer key does not start with PRIVATE+KEY+",
            ))?;
        let (name, id, seed) = parse_key_string(rest)?;
        let signer = Self::new(name, SigningKey::from_bytes(&seed))?;
        if signer.key_id != id {
            return Err(Error::MalformedKey("key id does not match the key"));
        }
        Ok(signer)
    }

    /// The signer key string. It contains the secret seed: store it like a
    /// password.
    pub fn to_skey(&self) -> String {
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.key_id,
            key_material_base64(self.signing_key.as_bytes())
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            key_id: self.key_id,
            verifying_key: self.signing_key.verifying_key(),
        }
    }
}

/// A named Ed25519 public key that checks note signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: u32,
    verifying_key: VerifyingKey,
}

impl Verifier {
    /// A verifier for `verifying_key` under `name`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKeyName`] for a bad name.
    pub fn new(name: &str, verifying_key: VerifyingKey) -> Result<Self, Error> {
        check_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, verifying_key.as_bytes()),
            verifying_key,
        })
    }

    /// Parse `<name>+<hex key id>+<base64(0x01 || public key)>`.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedKey`] when the string does not parse, is not a
    /// valid Ed25519 point, or its key id does not match the key;
    /// [`Error::InvalidKeyName`] for a bad name.
    pub fn from_vkey(vkey: &str) -> Result<Self, Error> {
        let (name, id, public_key) = parse_key_string(vkey)?;
        let verifying_key = VerifyingKey::from_bytes(&public_key)
            .map_err(|_| Error::MalformedKey("not a valid ed25519 public key"))?;
        let verifier = Self::new(name, verifying_key)?;
        if verifier.key_id != id {
            return Err(Error::MalformedKey("key id does not match the key"));
        }
        Ok(verifier)
    }

    /// The verifier key string.
    pub fn to_vkey(&self) -> String {
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            key_material_base64(self.verifying_key.as_bytes())
        )
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The Ed25519 public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.verifying_key
    }
}

/// Note text must be non-empty, end in a newline and contain no control
/// characters other than newline.
fn check_text(text: &str) -> Result<(), Error> {
    if text.is_empty() {
        return Err(Error::MalformedNote("text is empty"));
    }
    if !text.ends_with('\n') {
        return Err(Error::MalformedNote("text does not end in a newline"));
    }
    check_no_controls(text)
}

fn check_no_controls(text: &str) -> Result<(), Error> {
    if text.bytes().any(|b| b < 0x20 && b != b'\n') {
        return Err(Error::MalformedNote("contains a control character"));
    }
    Ok(())
}

/// Sign `text` and return the signed note: the text, a blank line and one
/// signature line.
///
/// # Errors
///
/// [`Error::MalformedNote`] when the text is empty, does not end in a
/// newline, or contains control characters other than newline.
pub fn sign(text: &str, signer: &Signer) -> Result<String, Error> {
    check_text(text)?;
    let signature = signer.signing_key.sign(text.as_bytes());
    let mut blob = Vec::with_capacity(4 + Signature::BYTE_SIZE);
    blob.extend_from_slice(&signer.key_id.to_be_bytes());
    blob.extend_from_slice(&signature.to_bytes());
    Ok(format!(
        "{text}\n{SIGNATURE_PREFIX}{} {}\n",
        signer.name,
        BASE64.encode(blob)
    ))
}

/// Check a signed note against `verifier` and return its text.
///
/// # Errors
///
/// [`Error::MalformedNote`] when the note breaks the grammar (no blank
/// line, no trailing newline, bad signature line, bad base64, control
/// characters, too many signatures, the known key signing twice);
/// [`Error::InvalidSignature`] when a line with the verifier's name and key
/// id does not verify; [`Error::UnverifiedNote`] when no line belongs to
/// the verifier's key.
pub fn open(note: &str, verifier: &Verifier) -> Result<String, Error> {
    if !note.ends_with('\n') {
        return Err(Error::MalformedNote("note does not end in a newline"));
    }
    check_no_controls(note)?;
    // The text may contain blank lines itself; the signatures start after
    // the last one.
    let split = note
        .rfind("\n\n")
        .ok_or(Error::MalformedNote("no blank line before the signatures"))?;
    let text = &note[..=split];
    let signatures = &note[split + 2..];
    if signatures.is_empty() {
        return Err(Error::MalformedNote("no signature lines"));
    }

    let mut verified = false;
    for (count, line) in signatures.split_terminator('\n').enumerate() {
        if count >= MAX_SIGNATURES {
            return Err(Error::MalformedNote("too many signature lines"));
        }
        let (name, id, signature) = parse_signature_line(line)?;
        if name != verifier.name || id != verifier.key_id {
            // Someone else's signature, for example a witness cosignature.
            continue;
        }
        if verified {
            return Err(Error::MalformedNote("the same key signed twice"));
        }
        let signature = Signature::from_slice(&signature)
            .map_err(|_| Error::InvalidSignature(name.to_owned()))?;
        // Strict verification refuses small-order keys and non-canonical
        // signatures, which an honest signer never produces.
        verifier
            .verifying_key
            .verify_strict(text.as_bytes(), &signature)
            .map_err(|_| Error::InvalidSignature(name.to_owned()))?;
        verified = true;
    }
    if !verified {
        return Err(Error::UnverifiedNote);
    }
    Ok(text.to_owned())
}

/// Parse `— <name> <base64(key id || signature)>` into its parts.
fn parse_signature_line(line: &str) -> Result<(&str, u32, Vec<u8>), Error> {
    let rest = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or(Error::MalformedNote(
            "signature line does not start with an em dash and space",
        ))?;
    let (name, blob_base64) = rest.split_once(' ').ok_or(Error::MalformedNote(
        "signature line has no space after the key name",
    ))?;
    if check_key_name(name).is_err() {
        return Err(Error::MalformedNote(
            "signature line has an invalid key name",
        ));
    }
    let mut blob = BASE64
        .decode(blob_base64)
        .map_err(|_| Error::MalformedNote("signature is not valid base64"))?;
    if blob.len() < 5 {
        return Err(Error::MalformedNote("signature is too short"));
    }
    let id = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]);
    blob.drain(..4);
    Ok((name, id, blob))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // The example key pair and signed note from the documentation of
    // golang.org/x/mod/sumdb/note; Ed25519 is deterministic, so signing
    // must reproduce Go's signature byte for byte.
    const GO_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                           then you don't know what your problem is.\n";
    const GO_SIGNATURE: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    fn go_note() -> String {
        format!("{GO_TEXT}\n{GO_SIGNATURE}")
    }

    #[test]
    fn go_example_signs_and_opens_identically() {
        let signer = Signer::from_skey(GO_SKEY).unwrap();
        assert_eq!(signer.name(), "PeterNeumann");
        assert_eq!(signer.key_id(), 0xc74f20a3);
        assert_eq!(signer.to_skey(), GO_SKEY);
        assert_eq!(signer.verifier().to_vkey(), GO_VKEY);
        assert_eq!(sign(GO_TEXT, &signer).unwrap(), go_note());

        let verifier = Verifier::from_vkey(GO_VKEY).unwrap();
        assert_eq!(verifier, signer.verifier());
        assert_eq!(open(&go_note(), &verifier).unwrap(), GO_TEXT);
    }

    #[test]
    fn generated_keys_round_trip_through_key_strings() {
        let signer = Signer::generate("aims.example.org/ledger").unwrap();
        let again = Signer::from_skey(&signer.to_skey()).unwrap();
        assert_eq!(again.to_skey(), signer.to_skey());
        let verifier = Verifier::from_vkey(&signer.verifier().to_vkey()).unwrap();
        assert_eq!(verifier, signer.verifier());
        assert_eq!(verifier.name(), "aims.example.org/ledger");
        assert_eq!(
            verifier.key_id(),
            key_id(verifier.name(), verifier.verifying_key().as_bytes())
        );
        let debug = format!("{signer:?}");
        assert!(debug.contains("aims.example.org/ledger"));
        assert!(!debug.contains(&signer.to_skey()[40..]));
    }

    #[test]
    fn key_names_are_checked() {
        for name in ["", "a b", "a+b", "a\tb", "a\u{a0}b", "a\u{1}b"] {
            assert_eq!(
                Signer::generate(name).unwrap_err(),
                Error::InvalidKeyName,
                "{name:?}"
            );
        }
        assert!(Signer::generate("example.com/log-1_ok").is_ok());
    }

    #[test]
    fn malformed_key_strings_are_rejected() {
        let bad_vkeys = [
            "",
            "PeterNeumann",
            "PeterNeumann+c74f20a3",
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
            "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10",
            "PeterNeumann+c74f20a3+",
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "EnochRoot+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        ];
        for vkey in bad_vkeys {
            assert!(Verifier::from_vkey(vkey).is_err(), "{vkey:?}");
        }
        let bad_skeys = [
            "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKD",
            // A verifier key is not a signer key.
            GO_VKEY,
        ];
        for skey in bad_skeys {
            assert!(Signer::from_skey(skey).is_err(), "{skey:?}");
        }
    }

    #[test]
    fn wrong_key_is_rejected() {
        let other = Signer::generate("PeterNeumann").unwrap().verifier();
        // Same name, different key: the key id differs, so the line is
        // someone else's and no known signature remains.
        assert_eq!(open(&go_note(), &other), Err(Error::UnverifiedNote));
        let stranger = Signer::generate("Stranger").unwrap().verifier();
        assert_eq!(open(&go_note(), &stranger), Err(Error::UnverifiedNote));
    }

    #[test]
    fn tampered_text_is_rejected() {
        let verifier = Verifier::from_vkey(GO_VKEY).unwrap();
        let tampered = go_note().replace("cryptography", "cryptographY");
        assert_eq!(
            open(&tampered, &verifier),
            Err(Error::InvalidSignature(String::from("PeterNeumann")))
        );
        // A line claiming the known key with a signature of the wrong
        // length is a bad signature too, not an unknown key.
        let mut blob = 0xc74f20a3_u32.to_be_bytes().to_vec();
        blob.extend([0u8; 63]);
        let short = format!("{GO_TEXT}\n— PeterNeumann {}\n", BASE64.encode(&blob));
        assert_eq!(
            open(&short, &verifier),
            Err(Error::InvalidSignature(String::from("PeterNeumann")))
        );
    }

    #[test]
    fn malformed_notes_are_rejected() {
        let verifier = Verifier::from_vkey(GO_VKEY).unwrap();
        let note = go_note();
        let cases = [
            ("missing blank line", note.replacen("\n\n", "\n", 1)),
            (
                "no trailing newline",
                note.trim_end_matches('\n').to_owned(),
            ),
            ("bad base64", note.replace("x08go/", "x08go!")),
            ("hyphen for em dash", note.replace('—', "-")),
            ("no key name", note.replace("— PeterNeumann ", "— ")),
            (
                "short signature",
                format!("{GO_TEXT}\n— PeterNeumann AAAA\n"),
            ),
            ("no signatures", format!("{GO_TEXT}\n")),
            (
                "carriage return",
                note.replace("problem,\n", "problem,\r\n"),
            ),
            ("blank line after signatures", format!("{note}\n")),
            ("empty", String::new()),
        ];
        for (label, case) in cases {
            assert!(
                matches!(open(&case, &verifier), Err(Error::MalformedNote(_))),
                "{label}: {:?}",
                open(&case, &verifier)
            );
        }
        let twice = format!("{note}{GO_SIGNATURE}");
        assert_eq!(
            open(&twice, &verifier),
            Err(Error::MalformedNote("the same key signed twice"))
        );
        let many = format!("{note}{}", "— someone AAAAAAAA\n".repeat(MAX_SIGNATURES));
        assert_eq!(
            open(&many, &verifier),
            Err(Error::MalformedNote("too many signature lines"))
        );
    }

    #[test]
    fn unknown_signatures_are_ignored() {
        let log = Signer::generate("aims.example.org/ledger").unwrap();
        let witness = Signer::generate("witness.example").unwrap();
        let text = "line one\n\nline three after a blank line\n";
        let by_log = sign(text, &log).unwrap();
        let by_witness = sign(text, &witness).unwrap();
        let witness_line = &by_witness[text.len() + 1..];
        let cosigned = format!("{by_log}{witness_line}");
        assert_eq!(open(&cosigned, &log.verifier()).unwrap(), text);
        assert_eq!(open(&cosigned, &witness.verifier()).unwrap(), text);
    }

    #[test]
    fn sign_checks_the_text() {
        let signer = Signer::generate("k").unwrap();
        assert!(sign("", &signer).is_err());
        assert!(sign("no newline", &signer).is_err());
        assert!(sign("tab\there\n", &signer).is_err());
        assert!(sign("fine\n", &signer).is_ok());
    }
}
