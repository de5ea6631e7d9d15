//! RFC 6962 / RFC 9162 Merkle tree: hashes, roots, inclusion and consistency proofs, and incremental trees.
//!
//! The tree hash is the one Certificate Transparency uses (RFC 6962
//! section 2.1, restated in RFC 9162 section 2.1.1): the empty tree hashes
//! to SHA-256 of nothing, a leaf to SHA-256(0x00 || data), an interior
//! node to SHA-256(0x01 || left || right), and a tree of n > 1 leaves
//! splits at the largest power of two strictly below n. The one-byte
//! prefixes keep a leaf from ever being passed off as an interior node
//! (a second-preimage attack on unprefixed Merkle trees).
//!
//! Three ways to compute over the tree, for three jobs:
//!
//! - the free functions ([`root`], [`inclusion_proof`],
//!   [`consistency_proof`]) take all leaf hashes and recompute what they
//!   need: O(n) hashing per call, nothing kept between calls;
//! - [`CompactRange`] keeps only the O(log n) roots of the perfect subtrees
//!   covering the leaves so far, which is all the append path needs to
//!   produce the next root; a database stores it as the log head;
//! - [`MerkleTree`] keeps every perfect subtree hash (about 2n hashes) so
//!   that any number of proofs, at any earlier size, cost O(log n) each.
//!
//! Verification ([`verify_inclusion`], [`verify_consistency`]) follows the
//! RFC 9162 sections 2.1.3.2 and 2.1.4.2 algorithms step by step, and
//! never needs more than the proof, the sizes and the roots.

use sha2::{Digest, Sha256};

use crate::{Error, Hash};

/// Hash of a leaf: SHA-256(0x00 || data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(data);
    hasher.finalize().into()
}

/// Hash of an interior node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// Root of the empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Merkle tree hash (RFC 6962 MTH) of the tree with these leaf hashes.
///
/// Runs in O(n) time and O(log n) memory, so it suits 100k+ leaves.
pub fn root(leaf_hashes: &[Hash]) -> Hash {
    let mut range = CompactRange::new();
    for leaf in leaf_hashes {
        range.push_unchecked(*leaf);
    }
    range.root()
}

/// Inclusion proof (RFC 6962 PATH) for the leaf at `index` in the tree made
/// of all of `leaf_hashes`, ordered from the leaf's sibling up to the root's
/// child.
///
/// # Errors
///
/// [`Error::IndexOutOfRange`] when `index` is not below the tree size.
pub fn inclusion_proof(leaf_hashes: &[Hash], index: u64) -> Result<Vec<Hash>, Error> {
    let size = leaf_hashes.len() as u64;
    if index >= size {
        return Err(Error::IndexOutOfRange { index, size });
    }
    // Every range the path asks for lies inside 0..size, which is a
    // slice length, so the casts and the slicing stay in bounds.
    Ok(inclusion_path(index, size, |low, high| {
        root(&leaf_hashes[low as usize..high as usize])
    }))
}

/// Consistency proof (RFC 6962 PROOF) from the tree of the first `old_size`
/// leaves to the tree of all of `leaf_hashes`.
///
/// The proof is empty when `old_size` is 0 or equals the current size: the
/// empty tree is a prefix of every tree, and a tree of itself.
///
/// # Errors
///
/// [`Error::SizeOutOfRange`] when `old_size` exceeds the number of leaves.
pub fn consistency_proof(leaf_hashes: &[Hash], old_size: u64) -> Result<Vec<Hash>, Error> {
    let size = leaf_hashes.len() as u64;
    if old_size > size {
        return Err(Error::SizeOutOfRange {
            requested: old_size,
            available: size,
        });
    }
    if old_size == 0 || old_size == size {
        return Ok(Vec::new());
    }
    Ok(consistency_path(old_size, size, |low, high| {
        root(&leaf_hashes[low as usize..high as usize])
    }))
}

/// Check an inclusion proof with the RFC 9162 section 2.1.3.2 algorithm:
/// that `leaf` sits at `index` in the tree of `size` leaves whose root is
/// `root`.
///
/// Take `size` and `root` from the same signed checkpoint: the algorithm
/// uses the size only to know where the path turns, so a proof can also fit
/// a different size whose path has the same shape (index 0 in trees of 3
/// and 4 leaves, for example). Only the signature binds a size to a root.
///
/// # Errors
///
/// [`Error::IndexOutOfRange`] when `index >= size`, and
/// [`Error::InvalidInclusionProof`] when the proof has the wrong length or
/// does not lead to `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), Error> {
    if index >= size {
        return Err(Error::IndexOutOfRange { index, size });
    }
    let mut f_n = index;
    let mut s_n = size - 1;
    let mut running = *leaf;
    for sibling in proof {
        if s_n == 0 {
            return Err(Error::InvalidInclusionProof(
                "proof has more hashes than the tree has levels",
            ));
        }
        if f_n & 1 == 1 || f_n == s_n {
            running = node_hash(sibling, &running);
            // A right-edge node with no sibling at this level is carried up
            // unchanged: skip the levels where it is a lone left child.
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            running = node_hash(&running, sibling);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(Error::InvalidInclusionProof(
            "proof has fewer hashes than the tree has levels",
        ));
    }
    if running != *root {
        return Err(Error::InvalidInclusionProof("computed root does not match"));
    }
    Ok(())
}

/// Check a consistency proof with the RFC 9162 section 2.1.4.2 algorithm:
/// that the tree of `old_size` leaves with root `old_root` is a prefix of
/// the tree of `new_size` leaves with root `new_root`.
///
/// The two cases that algorithm leaves out are decided here: equal sizes
/// need an empty proof and equal roots, and an old size of 0 needs an empty
/// proof and the empty-tree root as `old_root`.
///
/// # Errors
///
/// [`Error::SizeOutOfRange`] when `old_size > new_size`, and
/// [`Error::InvalidConsistencyProof`] when the proof does not link the roots.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), Error> {
    if old_size > new_size {
        return Err(Error::SizeOutOfRange {
            requested: old_size,
            available: new_size,
        });
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(Error::InvalidConsistencyProof(
                "proof between equal sizes must be empty",
            ));
        }
        if old_root != new_root {
            return Err(Error::InvalidConsistencyProof(
                "roots of equal sizes differ",
            ));
        }
        return Ok(());
    }
    if old_size == 0 {
        if !proof.is_empty() {
            return Err(Error::InvalidConsistencyProof(
                "proof from the empty tree must be empty",
            ));
        }
        if *old_root != empty_root() {
            return Err(Error::InvalidConsistencyProof(
                "old root is not the empty tree root",
            ));
        }
        return Ok(());
    }
    // Step 1.
    let mut path = proof.iter();
    let Some(first_sent) = path.next() else {
        return Err(Error::InvalidConsistencyProof("proof is empty"));
    };
    // Steps 2 and 5: when the old tree is a perfect subtree it is its own
    // first path element, prepended by the verifier rather than sent.
    let first = if old_size.is_power_of_two() {
        path = proof.iter();
        *old_root
    } else {
        *first_sent
    };
    // Steps 3 and 4.
    let mut f_n = old_size - 1;
    let mut s_n = new_size - 1;
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let mut old_running = first;
    let mut new_running = first;
    // Step 6.
    for hash in path {
        if s_n == 0 {
            return Err(Error::InvalidConsistencyProof(
                "proof has more hashes than needed",
            ));
        }
        if f_n & 1 == 1 || f_n == s_n {
            old_running = node_hash(hash, &old_running);
            new_running = node_hash(hash, &new_running);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            new_running = node_hash(&new_running, hash);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    // Step 7.
    if s_n != 0 {
        return Err(Error::InvalidConsistencyProof(
            "proof has fewer hashes than needed",
        ));
    }
    if old_running != *old_root {
        return Err(Error::InvalidConsistencyProof(
            "computed old root does not match",
        ));
    }
    if new_running != *new_root {
        return Err(Error::InvalidConsistencyProof(
            "computed new root does not match",
        ));
    }
    Ok(())
}

/// Largest power of two strictly below `n`; `n` must be at least 2.
fn split_point(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// RFC 6962 PATH(index, D[0:size]) walked top-down without recursion.
///
/// `range_root(low, high)` must return MTH(D[low:high]). It is only asked
/// for ranges where `low` is a multiple of a power of two at least as large
/// as `high - low`, which [`MerkleTree`] relies on.
fn inclusion_path(index: u64, size: u64, range_root: impl Fn(u64, u64) -> Hash) -> Vec<Hash> {
    let mut path = Vec::with_capacity(64);
    let (mut low, mut high) = (0, size);
    while high - low > 1 {
        let split = low + split_point(high - low);
        if index < split {
            path.push(range_root(split, high));
            high = split;
        } else {
            path.push(range_root(low, split));
            low = split;
        }
    }
    // The walk finds the root's children first; the proof lists the leaf's
    // sibling first.
    path.reverse();
    path
}

/// RFC 6962 PROOF(old_size, D[0:size]) = SUBPROOF(old_size, D[0:size], true),
/// walked top-down without recursion; needs 0 < old_size < size.
fn consistency_path(old_size: u64, size: u64, range_root: impl Fn(u64, u64) -> Hash) -> Vec<Hash> {
    let mut path = Vec::with_capacity(64);
    let (mut low, mut high) = (0, size);
    // SUBPROOF's flag b: true while the subtree we are in starts at leaf 0,
    // so that if the old tree turns out to be exactly this subtree the
    // verifier already knows its hash (it is the old root).
    let mut from_origin = true;
    loop {
        if old_size == high {
            if !from_origin {
                path.push(range_root(low, high));
            }
            break;
        }
        let split = low + split_point(high - low);
        if old_size <= split {
            path.push(range_root(split, high));
            high = split;
        } else {
            path.push(range_root(low, split));
            low = split;
            from_origin = false;
        }
    }
    path.reverse();
    path
}

/// The compact range [0, size) of a tree: the roots of the perfect subtrees
/// that cover the leaves so far, one per set bit of `size`, largest first.
///
/// Appending a leaf merges equal-sized subtrees like a binary counter
/// carries (amortised O(1) hashes, worst case O(log n)), and the root is a
/// fold over at most 64 hashes, so the append path never rehashes old
/// leaves. [`CompactRange::frontier`] and [`CompactRange::size`] are all a
/// database needs to persist; [`CompactRange::from_parts`] restores them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactRange {
    size: u64,
    frontier: Vec<Hash>,
}

/// The name the design documents use for the append-path tree state.
pub type TreeBuilder = CompactRange;

impl CompactRange {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Restore a persisted range.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCompactRange`] when the frontier does not have one
    /// hash per set bit of `size`.
    pub fn from_parts(size: u64, frontier: Vec<Hash>) -> Result<Self, Error> {
        if frontier.len() != size.count_ones() as usize {
            return Err(Error::InvalidCompactRange(
                "frontier length differs from the number of set bits in the size",
            ));
        }
        Ok(Self { size, frontier })
    }

    /// The number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Perfect subtree roots, largest (leftmost) first.
    pub fn frontier(&self) -> &[Hash] {
        &self.frontier
    }

    /// Size and frontier, for persisting.
    pub fn into_parts(self) -> (u64, Vec<Hash>) {
        (self.size, self.frontier)
    }

    /// Append one leaf hash.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCompactRange`] if the tree already holds 2^64 - 1
    /// leaves.
    pub fn append(&mut self, leaf: Hash) -> Result<(), Error> {
        if self.size == u64::MAX {
            return Err(Error::InvalidCompactRange("tree is full"));
        }
        self.push_unchecked(leaf);
        Ok(())
    }

    /// Append many leaf hashes.
    ///
    /// # Errors
    ///
    /// As for [`CompactRange::append`].
    pub fn extend<I: IntoIterator<Item = Hash>>(&mut self, leaves: I) -> Result<(), Error> {
        for leaf in leaves {
            self.append(leaf)?;
        }
        Ok(())
    }

    /// Append without the overflow check, for callers that count leaves in
    /// a slice (whose length cannot reach 2^64 - 1).
    fn push_unchecked(&mut self, leaf: Hash) {
        let mut carried = leaf;
        let mut bits = self.size;
        // Each trailing one bit of the old size is a subtree the same size
        // as the one being carried: merge them.
        while bits & 1 == 1 {
            if let Some(left) = self.frontier.pop() {
                carried = node_hash(&left, &carried);
            }
            bits >>= 1;
        }
        self.frontier.push(carried);
        self.size += 1;
    }

    /// The root of the tree of all leaves appended so far.
    pub fn root(&self) -> Hash {
        let mut from_right = self.frontier.iter().rev();
        match from_right.next() {
            None => empty_root(),
            Some(smallest) => from_right.fold(*smallest, |right, left| node_hash(left, &right)),
        }
    }
}

/// A whole tree kept in memory: every perfect subtree hash, level by level.
///
/// Building or extending it costs one hash per leaf plus one per interior
/// node, and memory of about 64 bytes per leaf (6.4 MB per 100k leaves).
/// In exchange, roots, inclusion proofs and consistency proofs at any size
/// up to the current one cost O(log n) hashes each, which suits bulk proof
/// export and full-log verification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MerkleTree {
    /// `levels[l][j]` is the root of the perfect subtree over leaves
    /// `j * 2^l .. (j + 1) * 2^l`; level 0 holds the leaf hashes.
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree over these leaf hashes.
    pub fn from_leaves(leaf_hashes: &[Hash]) -> Self {
        let mut levels = vec![leaf_hashes.to_vec()];
        while let Some(below) = levels.last().filter(|below| below.len() >= 2) {
            let above: Vec<Hash> = below
                .chunks_exact(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
            levels.push(above);
        }
        Self { levels }
    }

    /// Append one leaf hash, completing whichever subtrees it completes.
    pub fn push(&mut self, leaf: Hash) {
        let mut carried = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let nodes = &mut self.levels[level];
            nodes.push(carried);
            let count = nodes.len();
            if count % 2 == 1 {
                break;
            }
            carried = node_hash(&nodes[count - 2], &nodes[count - 1]);
            level += 1;
        }
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, Vec::len) as u64
    }

    /// The leaf hashes, in order.
    pub fn leaf_hashes(&self) -> &[Hash] {
        self.levels.first().map_or(&[], Vec::as_slice)
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        let size = self.size();
        if size == 0 {
            empty_root()
        } else {
            self.range_root(0, size)
        }
    }

    /// The root of the tree of the first `size` leaves.
    ///
    /// # Errors
    ///
    /// [`Error::SizeOutOfRange`] when `size` exceeds the number of leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, Error> {
        self.check_size(size)?;
        Ok(if size == 0 {
            empty_root()
        } else {
            self.range_root(0, size)
        })
    }

    /// Inclusion proof for the leaf at `index` in the tree of the first
    /// `size` leaves.
    ///
    /// # Errors
    ///
    /// [`Error::SizeOutOfRange`] when `size` exceeds the number of leaves,
    /// [`Error::IndexOutOfRange`] when `index >= size`.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, Error> {
        self.check_size(size)?;
        if index >= size {
            return Err(Error::IndexOutOfRange { index, size });
        }
        Ok(inclusion_path(index, size, |low, high| {
            self.range_root(low, high)
        }))
    }

    /// Consistency proof from the tree of the first `old_size` leaves to the
    /// tree of the first `new_size` leaves.
    ///
    /// # Errors
    ///
    /// [`Error::SizeOutOfRange`] when `new_size` exceeds the number of leaves
    /// or `old_size` exceeds `new_size`.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>, Error> {
        self.check_size(new_size)?;
        if old_size > new_size {
            return Err(Error::SizeOutOfRange {
                requested: old_size,
                available: new_size,
            });
        }
        if old_size == 0 || old_size == new_size {
            return Ok(Vec::new());
        }
        Ok(consistency_path(old_size, new_size, |low, high| {
            self.range_root(low, high)
        }))
    }

    fn check_size(&self, size: u64) -> Result<(), Error> {
        let available = self.size();
        if size > available {
            return Err(Error::SizeOutOfRange {
                requested: size,
                available,
            });
        }
        Ok(())
    }

    /// MTH(D[low:high]) from stored perfect subtrees, for `low < high <= size`
    /// where `low` is a multiple of a power of two at least `high - low`
    /// (the only ranges the proof walks ask for).
    ///
    /// Such a range is an RFC 6962 tree of its own whose left-to-right
    /// perfect subtrees have strictly decreasing sizes (the set bits of
    /// `high - low`), so its root is those subtree roots folded from the
    /// right, exactly as in [`CompactRange::root`].
    fn range_root(&self, low: u64, high: u64) -> Hash {
        let mut pieces: Vec<&Hash> = Vec::with_capacity(64);
        let mut start = low;
        while start < high {
            let mut level = 63 - (high - start).leading_zeros();
            if start != 0 {
                level = level.min(start.trailing_zeros());
            }
            // start is a multiple of 2^level and start + 2^level <= high <=
            // size, so this perfect subtree has been stored.
            pieces.push(&self.levels[level as usize][(start >> level) as usize]);
            start += 1 << level;
        }
        let mut from_right = pieces.into_iter().rev();
        match from_right.next() {
            None => empty_root(),
            Some(smallest) => from_right.fold(*smallest, |right, left| node_hash(left, &right)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn from_hex(text: &str) -> Hash {
        let mut hash = [0u8; 32];
        hex::decode_to_slice(text, &mut hash).unwrap();
        hash
    }

    /// The eight leaves of the RFC 6962 test vectors used by Certificate
    /// Transparency implementations.
    fn ct_leaves() -> Vec<Hash> {
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
        .map(|data| leaf_hash(&hex::decode(data).unwrap()))
        .collect()
    }

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        let cases = [
            (2, 1),
            (3, 2),
            (4, 2),
            (5, 4),
            (8, 4),
            (9, 8),
            (1 << 40, 1 << 39),
            (u64::MAX, 1 << 63),
        ];
        for (n, expected) in cases {
            assert_eq!(split_point(n), expected, "n = {n}");
        }
    }

    #[test]
    fn empty_tree_root_is_sha256_of_nothing() {
        let expected = from_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(empty_root(), expected);
        assert_eq!(root(&[]), expected);
        assert_eq!(CompactRange::new().root(), expected);
        assert_eq!(MerkleTree::new().root(), expected);
    }

    #[test]
    fn ct_roots_for_one_to_eight_leaves() {
        // Recomputed with an independent recursive MTH in Python's hashlib.
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let leaves = ct_leaves();
        let mut range = CompactRange::new();
        let mut tree = MerkleTree::new();
        for (count, expected) in roots.iter().enumerate() {
            let size = count + 1;
            let expected = from_hex(expected);
            assert_eq!(root(&leaves[..size]), expected, "size {size}");
            range.append(leaves[count]).unwrap();
            tree.push(leaves[count]);
            assert_eq!(range.root(), expected, "compact range at size {size}");
            assert_eq!(tree.root(), expected, "tree at size {size}");
            assert_eq!(MerkleTree::from_leaves(&leaves[..size]).root(), expected);
        }
    }

    #[test]
    fn ct_inclusion_and_consistency_vectors() {
        let leaves = ct_leaves();
        let tree = MerkleTree::from_leaves(&leaves);
        let inclusion = [
            (
                0,
                8,
                vec![
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                5,
                8,
                vec![
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                3,
                vec!["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
            ),
            (
                1,
                5,
                vec![
                    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (index, size, expected) in inclusion {
            let expected: Vec<Hash> = expected.into_iter().map(from_hex).collect();
            assert_eq!(
                inclusion_proof(&leaves[..size as usize], index).unwrap(),
                expected
            );
            assert_eq!(tree.inclusion_proof(index, size).unwrap(), expected);
            let root = root(&leaves[..size as usize]);
            verify_inclusion(&leaves[index as usize], index, size, &expected, &root).unwrap();
        }
        let consistency = [
            (
                1,
                8,
                vec![
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                vec![
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                vec![
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
            (
                3,
                7,
                vec![
                    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
                    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
                    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                    "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e",
                ],
            ),
            (
                4,
                8,
                vec!["6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
            ),
        ];
        for (old, new, expected) in consistency {
            let expected: Vec<Hash> = expected.into_iter().map(from_hex).collect();
            assert_eq!(
                consistency_proof(&leaves[..new as usize], old).unwrap(),
                expected
            );
            assert_eq!(tree.consistency_proof(old, new).unwrap(), expected);
            let old_root = root(&leaves[..old as usize]);
            let new_root = root(&leaves[..new as usize]);
            verify_consistency(old, new, &old_root, &new_root, &expected).unwrap();
        }
    }

    #[test]
    fn trivial_consistency_cases() {
        let leaves = ct_leaves();
        let full = root(&leaves);
        assert_eq!(consistency_proof(&leaves, 0).unwrap(), Vec::<Hash>::new());
        assert_eq!(consistency_proof(&leaves, 8).unwrap(), Vec::<Hash>::new());
        verify_consistency(0, 8, &empty_root(), &full, &[]).unwrap();
        verify_consistency(8, 8, &full, &full, &[]).unwrap();
        verify_consistency(0, 0, &empty_root(), &empty_root(), &[]).unwrap();
        assert!(verify_consistency(0, 8, &full, &full, &[]).is_err());
        assert!(verify_consistency(8, 8, &full, &empty_root(), &[]).is_err());
        assert!(verify_consistency(8, 8, &full, &full, &[full]).is_err());
        assert!(verify_consistency(0, 8, &empty_root(), &full, &[full]).is_err());
        assert_eq!(
            verify_consistency(9, 8, &full, &full, &[]),
            Err(Error::SizeOutOfRange {
                requested: 9,
                available: 8
            })
        );
        assert_eq!(
            consistency_proof(&leaves, 9),
            Err(Error::SizeOutOfRange {
                requested: 9,
                available: 8
            })
        );
        // A non-trivial pair with the proof missing altogether.
        let old = root(&leaves[..3]);
        assert_eq!(
            verify_consistency(3, 8, &old, &full, &[]),
            Err(Error::InvalidConsistencyProof("proof is empty"))
        );
        let old = root(&leaves[..4]);
        assert!(verify_consistency(4, 8, &old, &full, &[]).is_err());
    }

    #[test]
    fn out_of_range_requests_are_errors() {
        let leaves = ct_leaves();
        assert_eq!(
            inclusion_proof(&leaves, 8),
            Err(Error::IndexOutOfRange { index: 8, size: 8 })
        );
        assert_eq!(
            inclusion_proof(&[], 0),
            Err(Error::IndexOutOfRange { index: 0, size: 0 })
        );
        let tree = MerkleTree::from_leaves(&leaves);
        assert_eq!(
            tree.inclusion_proof(0, 9),
            Err(Error::SizeOutOfRange {
                requested: 9,
                available: 8
            })
        );
        assert_eq!(
            tree.inclusion_proof(5, 5),
            Err(Error::IndexOutOfRange { index: 5, size: 5 })
        );
        assert_eq!(
            tree.root_at(9),
            Err(Error::SizeOutOfRange {
                requested: 9,
                available: 8
            })
        );
        assert_eq!(
            tree.consistency_proof(5, 4),
            Err(Error::SizeOutOfRange {
                requested: 5,
                available: 4
            })
        );
        let root = root(&leaves);
        assert_eq!(
            verify_inclusion(&leaves[0], 8, 8, &[], &root),
            Err(Error::IndexOutOfRange { index: 8, size: 8 })
        );
    }

    #[test]
    fn single_leaf_tree_has_empty_proof() {
        let leaf = leaf_hash(b"only");
        assert_eq!(root(&[leaf]), leaf);
        assert_eq!(inclusion_proof(&[leaf], 0).unwrap(), Vec::<Hash>::new());
        verify_inclusion(&leaf, 0, 1, &[], &leaf).unwrap();
        assert!(verify_inclusion(&leaf, 0, 1, &[leaf], &leaf).is_err());
    }

    #[test]
    fn compact_range_persists_and_restores() {
        let leaves = ct_leaves();
        let mut range = CompactRange::new();
        range.extend(leaves[..5].iter().copied()).unwrap();
        assert_eq!(range.size(), 5);
        assert_eq!(range.frontier().len(), 2);
        let (size, frontier) = range.clone().into_parts();
        let mut restored = CompactRange::from_parts(size, frontier).unwrap();
        assert_eq!(restored, range);
        restored.extend(leaves[5..].iter().copied()).unwrap();
        assert_eq!(restored.root(), root(&leaves));

        assert!(CompactRange::from_parts(5, vec![[0; 32]]).is_err());
        assert!(CompactRange::from_parts(0, vec![[0; 32]]).is_err());
        let mut full = CompactRange::from_parts(u64::MAX, vec![[0; 32]; 64]).unwrap();
        assert_eq!(
            full.append([0; 32]),
            Err(Error::InvalidCompactRange("tree is full"))
        );
    }
}
