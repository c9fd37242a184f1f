"""An append-only Merkle tree over a storage port that keeps complete-subtree hashes.

Appending a batch reads the old tree's right edge once (at most log2 n hashes), computes
every new complete subtree in memory and hands them to the store in one write; the size
moves last, so a crash between the two leaves hashes beyond the size that the next append
simply writes again.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence

from registry_client.tlog import merkle
from registry_client.tlog.merkle import Node


class HashStore(abc.ABC):
    """Where a tree keeps its size and its complete-subtree hashes."""

    @abc.abstractmethod
    def read_size(self) -> int:
        pass

    @abc.abstractmethod
    def read_hashes(self, nodes: Sequence[Node]) -> list[bytes]:
        """The hash of each node, in order; ``KeyError`` when one is missing."""

    @abc.abstractmethod
    def write_hashes(self, hashes: Mapping[Node, bytes], new_size: int) -> None:
        """Store the hashes, then the size: readers never see a size without its hashes."""


class MemoryHashStore(HashStore):
    def __init__(self) -> None:
        self.hashes: dict[Node, bytes] = {}
        self.size = 0

    def read_size(self) -> int:
        return self.size

    def read_hashes(self, nodes: Sequence[Node]) -> list[bytes]:
        return [self.hashes[node] for node in nodes]

    def write_hashes(self, hashes: Mapping[Node, bytes], new_size: int) -> None:
        self.hashes.update(hashes)
        self.size = new_size


def new_subtrees(
    old_size: int, leaf_hashes: Sequence[bytes], edge: Mapping[Node, bytes]
) -> dict[Node, bytes]:
    """Every complete subtree that appending ``leaf_hashes`` after ``old_size`` leaves
    completes, given ``edge``: the old tree's right-edge subtrees."""
    made: dict[Node, bytes] = {}
    known = {**edge}
    for offset, hash_ in enumerate(leaf_hashes):
        index = old_size + offset
        made[(0, index)] = known[(0, index)] = hash_
        level = 0
        # Leaf ``index`` completes node (level + 1) while its index at ``level`` is odd.
        while (index >> level) & 1:
            right = index >> level
            parent = node_hash_of(known, level, right)
            level += 1
            made[(level, right >> 1)] = known[(level, right >> 1)] = parent
    return made


def node_hash_of(known: Mapping[Node, bytes], level: int, right: int) -> bytes:
    return merkle.node_hash(known[(level, right - 1)], known[(level, right)])


def right_edge(size: int) -> list[Node]:
    """The complete subtrees a tree of ``size`` leaves ends with, largest first."""
    return merkle.subtree_nodes(0, size) if size else []


class MerkleTree:
    def __init__(self, store: HashStore):
        self.store = store

    @property
    def size(self) -> int:
        return self.store.read_size()

    def append(self, leaves: Sequence[bytes]) -> int:
        """Append leaf data (hashed here) as one batch; the new size."""
        return self.append_hashes([merkle.leaf_hash(leaf) for leaf in leaves])

    def append_hashes(self, leaf_hashes: Sequence[bytes]) -> int:
        old = self.store.read_size()
        if not leaf_hashes:
            return old
        edge_nodes = right_edge(old)
        edge = dict(zip(edge_nodes, self.store.read_hashes(edge_nodes), strict=True))
        made = new_subtrees(old, leaf_hashes, edge)
        self.store.write_hashes(made, old + len(leaf_hashes))
        return old + len(leaf_hashes)

    def root(self, size: int | None = None) -> bytes:
        return merkle.root_hash(self._size(size), self.store.read_hashes)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return merkle.prove_inclusion(index, self._size(size), self.store.read_hashes)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        return merkle.prove_consistency(first, self._size(second), self.store.read_hashes)

    def leaf_hash(self, index: int) -> bytes:
        self._size(index + 1)
        return self.store.read_hashes([(0, index)])[0]

    def _size(self, size: int | None) -> int:
        current = self.store.read_size()
        if size is None:
            return current
        if not 0 <= size <= current:
            raise merkle.ProofError(f"the tree has {current} leaves, not {size}")
        return size
