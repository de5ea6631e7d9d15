//! A naive, recursive transcription of the RFC 6962 section 2.1 definitions, used as the oracle for the optimised code.
//!
//! Deliberately written straight from the RFC text (MTH, PATH, SUBPROOF)
//! with fresh SHA-256 calls and no shared helpers from the crate, so a bug
//! in the crate's hashing or splitting cannot hide in both.

use aims_ledger::Hash;
use sha2::{Digest, Sha256};

fn hash(parts: &[&[u8]]) -> Hash {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// The leaf inputs D[i] themselves (not hashes), as the RFC states it.
pub type Data = Vec<Vec<u8>>;

/// Largest power of two strictly smaller than n, by counting up.
fn k_for(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH(D[n]).
pub fn mth(data: &[Vec<u8>]) -> Hash {
    match data.len() {
        0 => hash(&[]),
        1 => hash(&[&[0x00], &data[0]]),
        n => {
            let k = k_for(n);
            hash(&[&[0x01], &mth(&data[..k]), &mth(&data[k..])])
        }
    }
}

/// PATH(m, D[n]).
pub fn path(m: usize, data: &[Vec<u8>]) -> Vec<Hash> {
    let n = data.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = k_for(n);
    if m < k {
        let mut out = path(m, &data[..k]);
        out.push(mth(&data[k..]));
        out
    } else {
        let mut out = path(m - k, &data[k..]);
        out.push(mth(&data[..k]));
        out
    }
}

/// SUBPROOF(m, D[n], b).
fn subproof(m: usize, data: &[Vec<u8>], b: bool) -> Vec<Hash> {
    let n = data.len();
    if m == n {
        return if b { Vec::new() } else { vec![mth(data)] };
    }
    let k = k_for(n);
    if m <= k {
        let mut out = subproof(m, &data[..k], b);
        out.push(mth(&data[k..]));
        out
    } else {
        let mut out = subproof(m - k, &data[k..], false);
        out.push(mth(&data[..k]));
        out
    }
}

/// PROOF(m, D[n]) for 0 < m < n.
pub fn proof(m: usize, data: &[Vec<u8>]) -> Vec<Hash> {
    subproof(m, data, true)
}

/// Leaf data for tests: distinct, of varying lengths.
pub fn data(n: usize, salt: u64) -> Data {
    (0..n)
        .map(|i| {
            let mut bytes = salt.to_be_bytes().to_vec();
            bytes.extend(std::iter::repeat_n(i as u8, i % 5));
            bytes.extend((i as u64).to_be_bytes());
            bytes
        })
        .collect()
}

/// The leaf hashes of `data`, computed independently of the crate.
pub fn leaf_hashes(data: &[Vec<u8>]) -> Vec<Hash> {
    data.iter().map(|d| hash(&[&[0x00], d])).collect()
}
