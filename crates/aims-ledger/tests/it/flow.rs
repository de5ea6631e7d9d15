//! End-to-end audit flow: entries appended, checkpoints signed, proofs bundled and verified offline.

use aims_ledger::merkle::{self, CompactRange, MerkleTree};
use aims_ledger::note::{self, Signer, Verifier};
use aims_ledger::{Checkpoint, Entry, Error, Hash, ProofBundle, state_hash};
use serde_json::json;

const ORIGIN: &str = "aims.example.org/ledger";

fn entry(seq: u64) -> Entry {
    let state = json!({
        "id": format!("risk-{seq}"),
        "title": "Disparate impact in screening model",
        "likelihood": seq % 5,
        "impact": 0.25 * (seq % 4) as f64,
        "owner": "user:7",
    });
    Entry {
        seq,
        time: format!("2026-03-01T12:{:02}:{:02}Z", (seq / 60) % 60, seq % 60),
        actor: String::from("user:7"),
        action: String::from(if seq.is_multiple_of(3) {
            "risk.create"
        } else {
            "risk.update"
        }),
        entity_type: String::from("risk"),
        entity_id: format!("risk-{seq}"),
        state_sha256: state_hash(&state).unwrap(),
    }
}

struct Log {
    entries: Vec<Entry>,
    leaves: Vec<Hash>,
    head: CompactRange,
}

impl Log {
    fn new() -> Self {
        Self {
            entries: Vec::new(),
            leaves: Vec::new(),
            head: CompactRange::new(),
        }
    }

    /// What the store does in its write transaction.
    fn append(&mut self, entry: Entry) {
        entry.validate().unwrap();
        let leaf = entry.leaf_hash().unwrap();
        self.head.append(leaf).unwrap();
        self.leaves.push(leaf);
        self.entries.push(entry);
    }

    fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            origin: String::from(ORIGIN),
            size: self.head.size(),
            root: self.head.root(),
        }
    }
}

#[test]
fn append_sign_prove_and_verify_offline() {
    let signer = Signer::generate(ORIGIN).unwrap();
    // The auditor only gets the verifier key string.
    let vkey = signer.verifier().to_vkey();

    let mut log = Log::new();
    for seq in 0..300 {
        log.append(entry(seq));
    }
    let first = log.checkpoint();
    let first_signed = first.sign(&signer).unwrap();
    for seq in 300..1000 {
        log.append(entry(seq));
    }
    let second = log.checkpoint();
    let second_signed = second.sign(&signer).unwrap();
    assert_eq!(second.root, merkle::root(&log.leaves));

    // The log proves it only appended between the two checkpoints.
    let consistency = merkle::consistency_proof(&log.leaves, first.size).unwrap();
    let verifier = Verifier::from_vkey(&vkey).unwrap();
    let old = Checkpoint::open(&first_signed, &verifier).unwrap();
    let new = Checkpoint::open(&second_signed, &verifier).unwrap();
    merkle::verify_consistency(old.size, new.size, &old.root, &new.root, &consistency).unwrap();

    // Offline bundles for a few entries, carrying the entry as extra data.
    let tree = MerkleTree::from_leaves(&log.leaves);
    for seq in [0u64, 299, 300, 512, 999] {
        let entry = &log.entries[seq as usize];
        let bundle = ProofBundle {
            index: seq,
            proof: tree.inclusion_proof(seq, second.size).unwrap(),
            signed_checkpoint: second_signed.clone(),
            extra: Some(entry.canonical_bytes().unwrap()),
        };
        let text = bundle.to_text();

        // The auditor's side: text, the entry it claims, and the key.
        let parsed = ProofBundle::parse(&text).unwrap();
        let claimed: Entry = serde_json::from_slice(parsed.extra.as_deref().unwrap()).unwrap();
        assert_eq!(&claimed, entry);
        let checkpoint = parsed
            .verify(&claimed.leaf_hash().unwrap(), &verifier)
            .unwrap();
        assert_eq!(checkpoint.origin, ORIGIN);
        assert_eq!(checkpoint, second);

        // An edited entry no longer verifies.
        let mut edited = claimed.clone();
        edited.actor = String::from("user:8");
        assert!(matches!(
            parsed.verify(&edited.leaf_hash().unwrap(), &verifier),
            Err(Error::InvalidInclusionProof(_))
        ));
    }
}

#[test]
fn database_edit_is_detected_by_recomputing_the_tree() {
    let signer = Signer::generate(ORIGIN).unwrap();
    let mut log = Log::new();
    for seq in 0..64 {
        log.append(entry(seq));
    }
    let signed = log.checkpoint().sign(&signer).unwrap();

    // Someone edits a stored entry directly in the database.
    let mut stored = log.entries.clone();
    stored[17].state_sha256 = state_hash(&json!({"title": "nothing to see"})).unwrap();

    let recomputed: Vec<Hash> = stored.iter().map(|e| e.leaf_hash().unwrap()).collect();
    let checkpoint = Checkpoint::open(&signed, &signer.verifier()).unwrap();
    assert_ne!(merkle::root(&recomputed), checkpoint.root);
    // And the edited row is the one whose inclusion no longer verifies.
    let proof = merkle::inclusion_proof(&log.leaves, 17).unwrap();
    assert!(merkle::verify_inclusion(&recomputed[17], 17, 64, &proof, &checkpoint.root).is_err());
    let proof = merkle::inclusion_proof(&log.leaves, 16).unwrap();
    assert!(merkle::verify_inclusion(&recomputed[16], 16, 64, &proof, &checkpoint.root).is_ok());
}

#[test]
fn head_persists_across_restarts() {
    let mut log = Log::new();
    for seq in 0..37 {
        log.append(entry(seq));
    }
    // Persist the head as a database row would: size and frontier hex.
    let (size, frontier) = log.head.clone().into_parts();
    let stored: Vec<String> = frontier.iter().map(hex::encode).collect();

    let restored_frontier: Vec<Hash> = stored
        .iter()
        .map(|text| {
            let mut hash = [0u8; 32];
            hex::decode_to_slice(text, &mut hash).unwrap();
            hash
        })
        .collect();
    let mut head = CompactRange::from_parts(size, restored_frontier).unwrap();
    for seq in 37..50 {
        let leaf = entry(seq).leaf_hash().unwrap();
        head.append(leaf).unwrap();
        log.append(entry(seq));
    }
    assert_eq!(head, log.head);
    assert_eq!(head.root(), merkle::root(&log.leaves));
}

#[test]
fn tampered_or_malformed_signed_checkpoints_fail() {
    let signer = Signer::generate(ORIGIN).unwrap();
    let verifier = signer.verifier();
    let mut log = Log::new();
    for seq in 0..5 {
        log.append(entry(seq));
    }
    let signed = log.checkpoint().sign(&signer).unwrap();
    assert_eq!(
        note::open(&signed, &verifier).unwrap(),
        log.checkpoint().to_text()
    );

    let tampered = signed.replacen("\n5\n", "\n6\n", 1);
    assert!(matches!(
        Checkpoint::open(&tampered, &verifier),
        Err(Error::InvalidSignature(_))
    ));

    // A properly signed note whose text is not a checkpoint.
    let not_a_checkpoint = note::sign("hello\n", &signer).unwrap();
    assert!(matches!(
        Checkpoint::open(&not_a_checkpoint, &verifier),
        Err(Error::MalformedCheckpoint(_))
    ));
    let other_key = Signer::generate(ORIGIN).unwrap().verifier();
    assert_eq!(
        Checkpoint::open(&signed, &other_key),
        Err(Error::UnverifiedNote)
    );
}
