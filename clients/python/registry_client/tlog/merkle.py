"""RFC 9162 §2.1 Merkle tree hashing, proofs and their verification.

A tree is read through its complete subtrees: node ``(level, index)`` is the hash of
leaves ``[index * 2**level, (index + 1) * 2**level)``. Those never change once the leaves
exist, so a store keeps them and any proof needs O(log n) of them.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives import hashes

HASH_SIZE = 32
Node = tuple[int, int]
NodeReader = Callable[[Sequence[Node]], Sequence[bytes]]


class ProofError(ValueError):
    """A proof does not bind the claimed leaf or trees together."""


def sha256(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return digest.finalize()


def empty_root() -> bytes:
    return sha256(b"")


def leaf_hash(data: bytes) -> bytes:
    return sha256(b"\x00" + data)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def _split(width: int) -> int:
    """The largest power of two smaller than ``width`` (width > 1)."""
    return 1 << ((width - 1).bit_length() - 1)


def subtree_nodes(lo: int, hi: int) -> list[Node]:
    """The complete subtrees that make up leaves ``[lo, hi)``, left to right, for a range
    starting on a boundary of its own left subtree, as every range a proof names does."""
    nodes = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        while lo % (1 << level):
            level -= 1
        nodes.append((level, lo >> level))
        lo += 1 << level
    return nodes


def fold(hashes_left_to_right: Sequence[bytes]) -> bytes:
    """The root over complete subtrees of decreasing size, left to right (RFC 9162 MTH)."""
    root = hashes_left_to_right[-1]
    for left in reversed(hashes_left_to_right[:-1]):
        root = node_hash(left, root)
    return root


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form PATH(index, D[0:size]), nearest the leaf first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    ranges = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    return ranges[::-1]


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form PROOF(first, D[0:second]) (RFC 9162 §2.1.4.1)."""
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from {first} to {second}")
    if first in (0, second):
        return []
    ranges = []
    lo, hi, whole = 0, second, True
    while True:
        if first == hi:
            if not whole:
                ranges.append((lo, hi))
            break
        k = _split(hi - lo)
        if first <= lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            whole = False
    return ranges[::-1]


def range_hashes(ranges: Sequence[tuple[int, int]], read: NodeReader) -> list[bytes]:
    """The hash of each range, from one batched read of the stored subtrees."""
    per_range = [subtree_nodes(lo, hi) for lo, hi in ranges]
    wanted = sorted({node for nodes in per_range for node in nodes})
    found = dict(zip(wanted, read(wanted), strict=True))
    return [fold([found[node] for node in nodes]) for nodes in per_range]


def root_hash(size: int, read: NodeReader) -> bytes:
    return empty_root() if size == 0 else range_hashes([(0, size)], read)[0]


def prove_inclusion(index: int, size: int, read: NodeReader) -> list[bytes]:
    return range_hashes(inclusion_ranges(index, size), read)


def prove_consistency(first: int, second: int, read: NodeReader) -> list[bytes]:
    return range_hashes(consistency_ranges(first, second), read)


def _lsb(number: int) -> bool:
    return bool(number & 1)


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2: the root the proof leads to from the leaf hash."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    _check_hashes([leaf, *proof])
    fn, sn, root = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if _lsb(fn) or fn == sn:
            root = node_hash(sibling, root)
            while not _lsb(fn) and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            root = node_hash(root, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return root


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ``ProofError`` unless ``leaf`` (a leaf hash) is leaf ``index`` of the tree."""
    if not hmac.compare_digest(root_from_inclusion(index, size, leaf, proof), root):
        raise ProofError("inclusion proof does not lead to the tree's root")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: raise ``ProofError`` unless the tree of size ``first`` is a prefix
    of the tree of size ``second``."""
    _check_hashes([first_root, second_root, *proof])
    if not 0 <= first <= second:
        raise ProofError(f"a tree of {second} cannot extend one of {first}")
    if first == second:
        if proof or not hmac.compare_digest(first_root, second_root):
            raise ProofError("trees of one size must have one root and an empty proof")
        return
    if first == 0:
        if proof:
            raise ProofError("every tree extends the empty tree; the proof must be empty")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while _lsb(fn):
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for hash_ in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if _lsb(fn) or fn == sn:
            fr, sr = node_hash(hash_, fr), node_hash(hash_, sr)
            while not _lsb(fn) and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, hash_)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if not hmac.compare_digest(fr, first_root):
        raise ProofError("consistency proof does not lead to the first root")
    if not hmac.compare_digest(sr, second_root):
        raise ProofError("consistency proof does not lead to the second root")


def _check_hashes(values: Sequence[bytes]) -> None:
    for value in values:
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise ProofError("every hash must be 32 bytes")
