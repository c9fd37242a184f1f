"""The log as the service uses it: append public facts, sign checkpoints, answer proofs
and tiles. Leaves are the RFC 8785 bytes of the facts, hashed as RFC 9162 leaves."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from registry_client.tlog import tiles
from registry_client.tlog.canonical import NotCanonicalisable, canonical_json
from registry_client.tlog.checkpoint import Checkpoint
from registry_client.tlog.note import NoteSigner
from registry_client.tlog.tree import MerkleTree
from services.verification.log.store import ReadModelLogStore
from shared.errors import Invalid, NotFound

SIGNER_RELOAD_SECONDS = 10.0


class PublicLog:
    def __init__(
        self,
        store: ReadModelLogStore,
        load_signer: Callable[[], NoteSigner],
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.store, self.tree = store, MerkleTree(store)
        self._load_signer, self._monotonic = load_signer, monotonic
        self._signer: NoteSigner | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        self._checkpoint: tuple[int, NoteSigner | None, str] = (-1, None, "")

    def append(self, facts: Sequence[Mapping[str, Any]]) -> int:
        """Append a batch of public facts; the index of the first. One appender only."""
        try:
            leaves = [canonical_json(fact) for fact in facts]
        except NotCanonicalisable as error:
            raise Invalid(f"a log leaf must be plain JSON: {error}") from error
        if any(len(leaf) > tiles.MAX_ENTRY_BYTES for leaf in leaves):
            raise Invalid(f"a log leaf is at most {tiles.MAX_ENTRY_BYTES} bytes (entry bundles)")
        first = self.tree.size
        self.store.write_entries(first, [leaf.decode() for leaf in leaves])
        self.tree.append(leaves)
        return first

    def signer(self) -> NoteSigner:
        """Re-read every few seconds, so every process picks up a rotation."""
        with self._lock:
            if self._signer is None or self._monotonic() - self._loaded_at > SIGNER_RELOAD_SECONDS:
                self._signer, self._loaded_at = self._load_signer(), self._monotonic()
            return self._signer

    def checkpoint(self, size: int | None = None) -> str:
        """The signed checkpoint of the tree at ``size`` (now, when None); the last one is
        kept, as every answer carries one and the log grows in batches."""
        size = self.tree.size if size is None else size
        signer = self.signer()
        cached_size, cached_by, note = self._checkpoint
        if cached_size != size or cached_by is not signer:
            note = Checkpoint(signer.name, size, self.tree.root(size)).sign(signer)
            self._checkpoint = (size, signer, note)
        return note

    def verifier_key(self) -> str:
        return self.signer().verifier.encoded()

    def inclusion(self, index: int, size: int) -> dict[str, Any]:
        self._within(size)
        # Not found rather than invalid: each number is fine alone, the pair names no proof.
        if index >= size:
            raise NotFound(f"leaf {index} is not in a tree of {size}")
        return {
            "index": index,
            "size": size,
            "hashes": b64(self.tree.inclusion_proof(index, size)),
        }

    def consistency(self, first: int, second: int) -> dict[str, Any]:
        self._within(second)
        if first > second:
            raise NotFound(f"a tree of {second} leaves cannot extend one of {first}")
        hashes = b64(self.tree.consistency_proof(first, second))
        return {"first": first, "second": second, "hashes": hashes}

    def tile(self, path: str) -> bytes:
        try:
            tile = tiles.parse_tile_path(f"tile/{path}")
        except tiles.TileError as error:
            raise NotFound(f"no tile {path}: {error}") from error
        if not tile.covers(self.tree.size):
            raise NotFound(f"tile {path} is beyond the log's size")
        if tile.level == tiles.ENTRIES:
            entries = self.store.read_entries(tile.index, tile.width)
            return tiles.encode_entry_bundle([entry.encode() for entry in entries])
        level = tiles.TILE_HEIGHT * int(tile.level)
        return self.store.read_block(level, tile.index, tile.width)

    def _within(self, size: int) -> None:
        current = self.tree.size
        if size > current:
            raise NotFound(f"the log has {current} leaves, not {size}")


def b64(hashes: Sequence[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]
