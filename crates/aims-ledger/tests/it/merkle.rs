//! Merkle tree tests: golden vectors, exhaustive agreement with the RFC definitions, property tests and negative cases.

use aims_ledger::merkle::{
    CompactRange, MerkleTree, consistency_proof, empty_root, inclusion_proof, leaf_hash, root,
    verify_consistency, verify_inclusion,
};
use aims_ledger::{Error, Hash};
use proptest::prelude::*;

use crate::reference;

fn from_hex(text: &str) -> Hash {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).unwrap();
    out
}

/// The eight standard RFC 6962 test leaves of Certificate Transparency.
fn ct_data() -> reference::Data {
    [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|text| hex::decode(text).unwrap())
    .collect()
}

#[test]
fn empty_tree_golden() {
    let expected = from_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_eq!(empty_root(), expected);
    assert_eq!(root(&[]), expected);
    assert_eq!(reference::mth(&[]), expected);
    assert_eq!(CompactRange::new().root(), expected);
    assert_eq!(MerkleTree::from_leaves(&[]).root(), expected);
}

#[test]
fn ct_vectors_for_one_to_eight_leaves() {
    let data = ct_data();
    let leaves: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
    assert_eq!(leaves, reference::leaf_hashes(&data));
    // Pinned root for all eight leaves (the well-known CT value).
    assert_eq!(
        root(&leaves),
        from_hex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
    );
    for n in 1..=8 {
        let expected_root = reference::mth(&data[..n]);
        assert_eq!(root(&leaves[..n]), expected_root, "root of {n}");
        for m in 0..n {
            let expected = reference::path(m, &data[..n]);
            assert_eq!(
                inclusion_proof(&leaves[..n], m as u64).unwrap(),
                expected,
                "path {m} of {n}"
            );
            verify_inclusion(&leaves[m], m as u64, n as u64, &expected, &expected_root).unwrap();
        }
        for m in 1..n {
            let expected = reference::proof(m, &data[..n]);
            assert_eq!(
                consistency_proof(&leaves[..n], m as u64).unwrap(),
                expected,
                "proof {m} to {n}"
            );
            verify_consistency(
                m as u64,
                n as u64,
                &reference::mth(&data[..m]),
                &expected_root,
                &expected,
            )
            .unwrap();
        }
    }
}

/// Every index, size and size pair up to 70 leaves (covering several
/// powers of two and the sizes either side of them), against the RFC.
#[test]
fn exhaustive_agreement_with_rfc_definitions() {
    const MAX: usize = 70;
    let data = reference::data(MAX, 7);
    let leaves: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
    let tree = MerkleTree::from_leaves(&leaves);
    let roots: Vec<Hash> = (0..=MAX).map(|n| reference::mth(&data[..n])).collect();
    for n in 0..=MAX {
        assert_eq!(root(&leaves[..n]), roots[n]);
        assert_eq!(tree.root_at(n as u64).unwrap(), roots[n]);
        for m in 0..n {
            let expected = reference::path(m, &data[..n]);
            assert_eq!(
                inclusion_proof(&leaves[..n], m as u64).unwrap(),
                expected,
                "path {m} of {n}"
            );
            assert_eq!(
                tree.inclusion_proof(m as u64, n as u64).unwrap(),
                expected,
                "cached path {m} of {n}"
            );
            verify_inclusion(&leaves[m], m as u64, n as u64, &expected, &roots[n]).unwrap();
        }
        for m in 0..=n {
            let expected = if m == 0 || m == n {
                Vec::new()
            } else {
                reference::proof(m, &data[..n])
            };
            assert_eq!(
                consistency_proof(&leaves[..n], m as u64).unwrap(),
                expected,
                "proof {m} to {n}"
            );
            assert_eq!(
                tree.consistency_proof(m as u64, n as u64).unwrap(),
                expected,
                "cached proof {m} to {n}"
            );
            verify_consistency(m as u64, n as u64, &roots[m], &roots[n], &expected).unwrap();
        }
    }
}

#[test]
fn large_tree_agrees_across_implementations() {
    // Big enough that the frontier and the cached levels are deep, small
    // enough for a debug build.
    let size = 100_003_usize;
    let leaves: Vec<Hash> = (0..size as u64)
        .map(|i| leaf_hash(&i.to_be_bytes()))
        .collect();
    let mut range = CompactRange::new();
    let mut tree = MerkleTree::new();
    for leaf in &leaves {
        range.append(*leaf).unwrap();
        tree.push(*leaf);
    }
    let expected = root(&leaves);
    assert_eq!(range.root(), expected);
    assert_eq!(tree.root(), expected);
    assert_eq!(MerkleTree::from_leaves(&leaves), tree);
    for index in [0, 1, 65_535, 65_536, 99_999, 100_002] {
        let proof = tree.inclusion_proof(index, size as u64).unwrap();
        assert_eq!(proof, inclusion_proof(&leaves, index).unwrap());
        verify_inclusion(
            &leaves[index as usize],
            index,
            size as u64,
            &proof,
            &expected,
        )
        .unwrap();
    }
    for old in [1, 65_536, 65_537, 99_999] {
        let proof = tree.consistency_proof(old, size as u64).unwrap();
        assert_eq!(proof, consistency_proof(&leaves, old).unwrap());
        let old_root = tree.root_at(old).unwrap();
        verify_consistency(old, size as u64, &old_root, &expected, &proof).unwrap();
    }
}

fn random_leaves(size: usize, seed: u64) -> Vec<Hash> {
    (0..size as u64)
        .map(|i| leaf_hash(&[seed.to_le_bytes(), i.to_le_bytes()].concat()))
        .collect()
}

fn flip(hash: &Hash, bit: usize) -> Hash {
    let mut out = *hash;
    out[(bit / 8) % 32] ^= 1 << (bit % 8);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every inclusion proof in a random tree verifies, matches the cached
    /// tree, and every corruption of it fails.
    #[test]
    fn inclusion_proofs_verify_and_corruptions_fail(size in 1usize..=160, seed in any::<u64>(), bit in 0usize..256) {
        let leaves = random_leaves(size, seed);
        let tree = MerkleTree::from_leaves(&leaves);
        let size64 = size as u64;
        let tree_root = root(&leaves);
        // Trees of other sizes with the same first leaves (same seed).
        let others: Vec<(u64, Vec<Hash>, Hash)> = [size64 - 1, size64 + 1, size64 * 2]
            .into_iter()
            .map(|other_size| {
                let other_leaves = random_leaves(other_size as usize, seed);
                let other_root = root(&other_leaves);
                (other_size, other_leaves, other_root)
            })
            .collect();
        for index in 0..size64 {
            let leaf = &leaves[index as usize];
            let proof = inclusion_proof(&leaves, index).unwrap();
            prop_assert_eq!(&proof, &tree.inclusion_proof(index, size64).unwrap());
            prop_assert!(verify_inclusion(leaf, index, size64, &proof, &tree_root).is_ok());

            // Flipped bit in each proof hash, in the leaf and in the root.
            for position in 0..proof.len() {
                let mut bad = proof.clone();
                bad[position] = flip(&bad[position], bit);
                prop_assert!(verify_inclusion(leaf, index, size64, &bad, &tree_root).is_err());
            }
            prop_assert!(verify_inclusion(&flip(leaf, bit), index, size64, &proof, &tree_root).is_err());
            prop_assert!(verify_inclusion(leaf, index, size64, &proof, &flip(&tree_root, bit)).is_err());

            // Wrong index: the same leaf claimed elsewhere, and the other
            // leaf at that position with this proof.
            for other in [index.wrapping_sub(1), index + 1, index ^ 2] {
                if other < size64 && other != index {
                    prop_assert!(verify_inclusion(leaf, other, size64, &proof, &tree_root).is_err());
                    prop_assert!(verify_inclusion(&leaves[other as usize], other, size64, &proof, &tree_root).is_err());
                }
            }
            prop_assert_eq!(
                verify_inclusion(leaf, size64, size64, &proof, &tree_root),
                Err(Error::IndexOutOfRange { index: size64, size: size64 })
            );

            // Wrong size, each checked against the honest root of that
            // size: only an identical proof may pass.
            for (other_size, other_leaves, other_root) in &others {
                if *other_size > index {
                    let honest = inclusion_proof(other_leaves, index).unwrap();
                    let result = verify_inclusion(leaf, index, *other_size, &proof, other_root);
                    prop_assert_eq!(result.is_ok(), honest == proof);
                }
            }

            // Truncated, extended, and prefixed proofs.
            if !proof.is_empty() {
                prop_assert!(verify_inclusion(leaf, index, size64, &proof[..proof.len() - 1], &tree_root).is_err());
                prop_assert!(verify_inclusion(leaf, index, size64, &proof[1..], &tree_root).is_err());
            }
            let mut longer = proof.clone();
            longer.push(tree_root);
            prop_assert!(verify_inclusion(leaf, index, size64, &longer, &tree_root).is_err());
            let mut prefixed = vec![*leaf];
            prefixed.extend_from_slice(&proof);
            prop_assert!(verify_inclusion(leaf, index, size64, &prefixed, &tree_root).is_err());
        }
    }

    /// Every consistency proof between two sizes of a random tree verifies,
    /// matches the cached tree, and every corruption of it fails.
    #[test]
    fn consistency_proofs_verify_and_corruptions_fail(size in 1usize..=120, seed in any::<u64>(), bit in 0usize..256) {
        let leaves = random_leaves(size, seed);
        let tree = MerkleTree::from_leaves(&leaves);
        let roots: Vec<Hash> = (0..=size).map(|n| root(&leaves[..n])).collect();
        let new = size as u64;
        let new_root = &roots[size];
        for old in 0..=new {
            let old_root = &roots[old as usize];
            let proof = consistency_proof(&leaves, old).unwrap();
            prop_assert_eq!(&proof, &tree.consistency_proof(old, new).unwrap());
            prop_assert!(verify_consistency(old, new, old_root, new_root, &proof).is_ok());

            for position in 0..proof.len() {
                let mut bad = proof.clone();
                bad[position] = flip(&bad[position], bit);
                prop_assert!(verify_consistency(old, new, old_root, new_root, &bad).is_err());
            }
            prop_assert!(verify_consistency(old, new, &flip(old_root, bit), new_root, &proof).is_err());
            // The empty tree is a prefix of every tree, so from size 0 there
            // is nothing that could bind the new root.
            if old > 0 {
                prop_assert!(verify_consistency(old, new, old_root, &flip(new_root, bit), &proof).is_err());
            }

            // Truncated and extended proofs.
            if !proof.is_empty() {
                prop_assert!(verify_consistency(old, new, old_root, new_root, &proof[..proof.len() - 1]).is_err());
                prop_assert!(verify_consistency(old, new, old_root, new_root, &proof[1..]).is_err());
            }
            let mut longer = proof.clone();
            longer.push(*new_root);
            prop_assert!(verify_consistency(old, new, old_root, new_root, &longer).is_err());

            // Wrong old size, with that size's honest root: only an
            // identical proof may pass.
            for other in [old.wrapping_sub(1), old + 1] {
                if other <= new && other != old {
                    let honest = consistency_proof(&leaves, other).unwrap();
                    let result = verify_consistency(other, new, &roots[other as usize], new_root, &proof);
                    prop_assert_eq!(result.is_ok(), honest == proof, "old {} claimed as {}", old, other);
                }
            }
            // Wrong new size.
            if old < new {
                let smaller = new - 1;
                let result = verify_consistency(old, smaller, old_root, &roots[smaller as usize], &proof);
                let honest = consistency_proof(&leaves[..smaller as usize], old).unwrap();
                prop_assert_eq!(result.is_ok(), honest == proof);
            }
        }
    }

    /// The compact range's root equals root() at every size, survives a
    /// persist/restore round trip anywhere, and agrees with the cached tree.
    #[test]
    fn compact_range_root_matches_at_every_size(size in 0usize..=300, seed in any::<u64>(), cut in any::<prop::sample::Index>()) {
        let leaves = random_leaves(size, seed);
        let cut = if size == 0 { 0 } else { cut.index(size + 1) };
        let mut range = CompactRange::new();
        let mut tree = MerkleTree::new();
        prop_assert_eq!(range.root(), root(&[]));
        for (count, leaf) in leaves.iter().enumerate() {
            if count == cut {
                let (persisted_size, frontier) = range.clone().into_parts();
                prop_assert_eq!(frontier.len() as u32, persisted_size.count_ones());
                range = CompactRange::from_parts(persisted_size, frontier).unwrap();
            }
            range.append(*leaf).unwrap();
            tree.push(*leaf);
            let expected = root(&leaves[..=count]);
            prop_assert_eq!(range.root(), expected);
            prop_assert_eq!(range.size(), count as u64 + 1);
            prop_assert_eq!(tree.root(), expected);
        }
    }
}

#[test]
fn restored_range_with_wrong_frontier_is_rejected() {
    let leaves = random_leaves(13, 1);
    let mut range = CompactRange::new();
    range.extend(leaves.iter().copied()).unwrap();
    let (size, mut frontier) = range.into_parts();
    frontier.pop();
    assert!(matches!(
        CompactRange::from_parts(size, frontier),
        Err(Error::InvalidCompactRange(_))
    ));
}
