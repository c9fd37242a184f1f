"""RFC 9162 hashing and proofs against the RFC 6962 reference vectors (the 8-leaf tree of
the certificate-transparency reference implementation, also used by Go's tlog tests)."""

from __future__ import annotations

import random

import pytest

from registry_client.tlog import merkle
from registry_client.tlog.tree import MemoryHashStore, MerkleTree

LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
              "606162636465666768696a6b6c6d6e6f"]
]  # fmt: skip
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (leaf index, tree size, proof)
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
CONSISTENCY = [  # (first size, second size, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip


def reference_tree() -> MerkleTree:
    tree = MerkleTree(MemoryHashStore())
    tree.append(LEAVES)
    return tree


def unhex(proof: list[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in proof]


def test_empty_tree_root_is_the_hash_of_nothing():
    assert MerkleTree(MemoryHashStore()).root().hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_reference_whether_appended_at_once_or_leaf_by_leaf(size):
    one_by_one = MerkleTree(MemoryHashStore())
    for leaf in LEAVES[:size]:
        one_by_one.append([leaf])
    assert one_by_one.root().hex() == ROOTS[size - 1]
    assert reference_tree().root(size).hex() == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_and_verify(index, size, proof):
    tree = reference_tree()
    assert tree.inclusion_proof(index, size) == unhex(proof)
    leaf = merkle.leaf_hash(LEAVES[index])
    merkle.verify_inclusion(index, size, leaf, unhex(proof), bytes.fromhex(ROOTS[size - 1]))


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_proofs_match_and_verify(first, second, proof):
    tree = reference_tree()
    assert tree.consistency_proof(first, second) == unhex(proof)
    old, new = bytes.fromhex(ROOTS[first - 1]), bytes.fromhex(ROOTS[second - 1])
    merkle.verify_consistency(first, second, old, new, unhex(proof))


def test_every_proof_of_a_ragged_tree_verifies_and_any_flipped_bit_fails():
    tree = MerkleTree(MemoryHashStore())
    leaves = [f"leaf {n}".encode() for n in range(70)]
    rng = random.Random(7)
    while tree.size < len(leaves):
        tree.append(leaves[tree.size : tree.size + rng.randint(1, 9)])
    for size in range(1, 71):
        root = tree.root(size)
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            merkle.verify_inclusion(index, size, merkle.leaf_hash(leaves[index]), proof, root)
            if proof:
                bad = list(proof)
                bad[rng.randrange(len(bad))] = bytes(32)
                with pytest.raises(merkle.ProofError):
                    merkle.verify_inclusion(index, size, merkle.leaf_hash(leaves[index]), bad, root)
        for first in range(0, size + 1):
            proof = tree.consistency_proof(first, size)
            merkle.verify_consistency(first, size, tree.root(first), root, proof)
            if 0 < first < size:
                with pytest.raises(merkle.ProofError):
                    merkle.verify_consistency(first, size, tree.root(first), root, proof[:-1])
                with pytest.raises(merkle.ProofError):
                    merkle.verify_consistency(first, size, merkle.leaf_hash(b"x"), root, proof)


def test_inclusion_proof_fails_for_wrong_index_size_or_leaf():
    tree = reference_tree()
    root, proof = tree.root(), tree.inclusion_proof(5)
    leaf = merkle.leaf_hash(LEAVES[5])
    for index, size, hash_ in [(4, 8, leaf), (5, 6, leaf), (5, 8, merkle.leaf_hash(b"x")),
                               (8, 8, leaf)]:  # fmt: skip
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index, size, hash_, proof, root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(5, 8, leaf, [*proof, proof[0]], root)


def test_a_tree_refuses_proofs_beyond_its_size():
    with pytest.raises(merkle.ProofError):
        reference_tree().inclusion_proof(0, 9)
    with pytest.raises(merkle.ProofError):
        reference_tree().consistency_proof(3, 9)


def test_proofs_read_only_a_logarithmic_number_of_stored_hashes():
    store = MemoryHashStore()
    tree = MerkleTree(store)
    tree.append([n.to_bytes(4, "big") for n in range(5000)])
    reads = []
    original = store.read_hashes
    store.read_hashes = lambda nodes: reads.append(len(nodes)) or original(nodes)
    tree.inclusion_proof(1234, 4999)
    tree.consistency_proof(1000, 4999)
    assert len(reads) == 2 and max(reads) <= 2 * 13
