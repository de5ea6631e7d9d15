//! Ledger throughput benchmark: append path, root, inclusion proofs and checkpoint signing on 100,000 entries.
//!
//! Run with `cargo bench -p aims-ledger`. Plain `std::time` and printed
//! numbers: benchmarks report, they never assert on timings.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aims_ledger::merkle::{self, CompactRange, MerkleTree};
use aims_ledger::note::{self, Signer};
use aims_ledger::{Checkpoint, Entry, Error, Hash};

const ENTRIES: u64 = 100_000;
const PROOFS: u64 = 1_000;
const SIGNATURES: u32 = 1_000;

fn per_second(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

fn report(label: &str, count: u64, elapsed: Duration) {
    println!(
        "{label:<58} {count:>7} in {:>9.3} ms  {:>12.0} /s  {:>9.2} us each",
        elapsed.as_secs_f64() * 1e3,
        per_second(count, elapsed),
        elapsed.as_secs_f64() * 1e6 / count as f64
    );
}

/// Indexes spread over the whole tree, deterministic so runs compare.
fn proof_indexes() -> impl Iterator<Item = u64> {
    (0..PROOFS).map(|i| (i * 7_919 + 13) % ENTRIES)
}

fn main() -> Result<(), Error> {
    println!("aims-ledger bench: {ENTRIES} entries");

    // 1. The append path: build the entry, canonicalise, hash, append.
    let state = aims_ledger::state_hash(
        &serde_json::json!({"title": "Bias in hiring model", "score": 12}),
    )?;
    let start = Instant::now();
    let mut range = CompactRange::new();
    let mut leaves: Vec<Hash> = Vec::with_capacity(ENTRIES as usize);
    for seq in 0..ENTRIES {
        let entry = Entry {
            seq,
            time: format!(
                "2026-01-02T03:{:02}:{:02}.{:06}Z",
                (seq / 60) % 60,
                seq % 60,
                seq % 1_000_000
            ),
            actor: format!("user:{}", seq % 97),
            action: String::from("risk.update"),
            entity_type: String::from("risk"),
            entity_id: format!("r-{seq}"),
            state_sha256: state.clone(),
        };
        let bytes = entry.canonical_bytes()?;
        let leaf = merkle::leaf_hash(&bytes);
        range.append(leaf)?;
        leaves.push(leaf);
    }
    let append_root = range.root();
    report(
        "entry + canonical bytes + leaf hash + compact append",
        ENTRIES,
        start.elapsed(),
    );

    // 2. The root from scratch, as `aims ledger verify` recomputes it.
    let start = Instant::now();
    let full_root = black_box(merkle::root(black_box(&leaves)));
    report(
        "root from scratch (leaves per second)",
        ENTRIES,
        start.elapsed(),
    );
    assert_eq!(full_root, append_root, "compact range and root() disagree");

    // 3a. Inclusion proofs with the stateless free function (O(n) each).
    let start = Instant::now();
    let mut proofs = Vec::with_capacity(PROOFS as usize);
    for index in proof_indexes() {
        proofs.push(merkle::inclusion_proof(&leaves, index)?);
    }
    report(
        "inclusion_proof(&leaves, i) (stateless, O(n) each)",
        PROOFS,
        start.elapsed(),
    );

    // 3b. The same proofs from a cached tree (O(log n) each).
    let start = Instant::now();
    let tree = MerkleTree::from_leaves(&leaves);
    report(
        "MerkleTree::from_leaves (leaves per second)",
        ENTRIES,
        start.elapsed(),
    );
    let start = Instant::now();
    for (index, expected) in proof_indexes().zip(&proofs) {
        let proof = tree.inclusion_proof(index, ENTRIES)?;
        assert_eq!(&proof, expected, "cached and stateless proofs disagree");
    }
    report(
        "MerkleTree::inclusion_proof (cached)",
        PROOFS,
        start.elapsed(),
    );

    // 3c. Verification.
    let start = Instant::now();
    for (index, proof) in proof_indexes().zip(&proofs) {
        merkle::verify_inclusion(&leaves[index as usize], index, ENTRIES, proof, &full_root)?;
    }
    report("verify_inclusion", PROOFS, start.elapsed());

    // 4. Signing and opening a checkpoint.
    let signer = Signer::generate("aims.example.org/ledger")?;
    let verifier = signer.verifier();
    let checkpoint = Checkpoint {
        origin: String::from("aims.example.org/ledger"),
        size: ENTRIES,
        root: full_root,
    };
    let start = Instant::now();
    let mut signed = String::new();
    for _ in 0..SIGNATURES {
        signed = black_box(checkpoint.sign(&signer)?);
    }
    report("checkpoint sign", u64::from(SIGNATURES), start.elapsed());
    let start = Instant::now();
    for _ in 0..SIGNATURES {
        let opened = Checkpoint::parse(&note::open(black_box(&signed), &verifier)?)?;
        black_box(opened);
    }
    report(
        "checkpoint open + parse",
        u64::from(SIGNATURES),
        start.elapsed(),
    );
    Ok(())
}
