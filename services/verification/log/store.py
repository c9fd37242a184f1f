"""The log on the read-model store port: complete-subtree hashes in blocks of 256 per tree
level (so the block of level 8L is the C2SP hash tile of level L), leaf data in blocks of
256 entries, and a head document holding the size.

Each write is one document and nothing needs a transaction: blocks are written before the
head, readers never look past the head's size, and an append after a crash rewrites the
blocks from the head's size on.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Mapping, Sequence

from registry_client.tlog.merkle import HASH_SIZE, Node
from registry_client.tlog.tiles import TILE_WIDTH
from registry_client.tlog.tree import HashStore
from shared.errors import Conflict
from shared.readmodels.base import ReadModelStore

HASHES, ENTRIES, HEAD = "log_hashes", "log_entries", "log_head"
HEAD_KEY = "head"


class LogMovedOn(Conflict):
    """Another appender wrote the log first; only one appender may run."""


def block_key(level: int, block: int) -> str:
    return f"{level}/{block}"


class ReadModelLogStore(HashStore):
    """``keep_blocks``: hash blocks read are kept, for readers answering many proofs. A
    block only ever grows at its end, so what was read of it stays true; a node past what
    is kept is read again."""

    BLOCKS_KEPT = 2_000

    def __init__(self, store: ReadModelStore, keep_blocks: bool = False):
        self.store = store
        self._kept: dict[str, bytes] | None = {} if keep_blocks else None

    def read_size(self) -> int:
        head = self.store.get(HEAD, HEAD_KEY)
        return 0 if head is None else int(head.document["size"])

    def read_hashes(self, nodes: Sequence[Node]) -> list[bytes]:
        kept = self._kept if self._kept is not None else {}
        wanted: dict[str, int] = {}  # the furthest node wanted of each block
        for level, index in nodes:
            key = block_key(level, index // TILE_WIDTH)
            wanted[key] = max(wanted.get(key, 0), index % TILE_WIDTH)
        missing = [k for k, last in wanted.items() if len(kept.get(k, b"")) <= last * HASH_SIZE]
        found = self.store.get_many(HASHES, sorted(missing)) if missing else {}
        read = {key: _decode(stored.document) for key, stored in found.items()}
        if self._kept is not None and read:
            if len(self._kept) + len(read) > self.BLOCKS_KEPT:
                self._kept.clear()
            self._kept.update(read)
        blocks = {key: read.get(key, kept.get(key, b"")) for key in wanted}
        hashes = []
        for level, index in nodes:
            data = blocks.get(block_key(level, index // TILE_WIDTH), b"")
            start = (index % TILE_WIDTH) * HASH_SIZE
            if len(data) < start + HASH_SIZE:
                raise KeyError((level, index))
            hashes.append(data[start : start + HASH_SIZE])
        return hashes

    def read_block(self, level: int, block: int, width: int) -> bytes:
        stored = self.store.get(HASHES, block_key(level, block))
        data = b"" if stored is None else _decode(stored.document)
        if len(data) < width * HASH_SIZE:
            raise KeyError((level, block))
        return data[: width * HASH_SIZE]

    def write_hashes(self, hashes: Mapping[Node, bytes], new_size: int) -> None:
        per_block: dict[tuple[int, int], dict[int, bytes]] = defaultdict(dict)
        for (level, index), hash_ in hashes.items():
            per_block[(level, index // TILE_WIDTH)][index % TILE_WIDTH] = hash_
        keys = [block_key(*block) for block in per_block]
        found = self.store.get_many(HASHES, keys)
        for (level, block), positions in per_block.items():
            key = block_key(level, block)
            stored = found.get(key)
            old = b"" if stored is None else _decode(stored.document)
            first = min(positions)
            if len(old) < first * HASH_SIZE or sorted(positions) != list(
                range(first, first + len(positions))
            ):
                raise ValueError(f"hash block {key} would have a gap")
            data = old[: first * HASH_SIZE] + b"".join(positions[p] for p in sorted(positions))
            revision = 0 if stored is None else stored.revision
            if not self.store.put(HASHES, key, {"hashes": _encode(data)}, revision):
                raise LogMovedOn(f"hash block {key} changed under this append")
        self._move_head(new_size)

    def read_entries(self, block: int, width: int) -> list[str]:
        stored = self.store.get(ENTRIES, str(block))
        entries = [] if stored is None else stored.document["entries"]
        if len(entries) < width:
            raise KeyError(block)
        return entries[:width]

    def write_entries(self, first_index: int, entries: Sequence[str]) -> None:
        """Leaf data for indexes from ``first_index``; written before their hashes."""
        per_block: dict[int, list[str]] = defaultdict(list)
        for offset, entry in enumerate(entries):
            per_block[(first_index + offset) // TILE_WIDTH].append(entry)
        found = self.store.get_many(ENTRIES, [str(block) for block in per_block])
        for block, new in per_block.items():
            stored = found.get(str(block))
            start = max(first_index - block * TILE_WIDTH, 0)
            old = [] if stored is None else stored.document["entries"]
            if len(old) < start:
                raise ValueError(f"entry block {block} would have a gap")
            revision = 0 if stored is None else stored.revision
            if not self.store.put(ENTRIES, str(block), {"entries": [*old[:start], *new]}, revision):
                raise LogMovedOn(f"entry block {block} changed under this append")

    def _move_head(self, new_size: int) -> None:
        head = self.store.get(HEAD, HEAD_KEY)
        size = 0 if head is None else int(head.document["size"])
        if new_size <= size:
            raise LogMovedOn(f"the log already has {size} leaves")
        revision = 0 if head is None else head.revision
        if not self.store.put(HEAD, HEAD_KEY, {"size": new_size}, revision):
            raise LogMovedOn("the log's head moved under this append")


def _encode(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _decode(document: Mapping[str, object]) -> bytes:
    return base64.b64decode(str(document["hashes"]))
