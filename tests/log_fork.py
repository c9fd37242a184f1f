"""A test-only tool that forks the public log: it rewrites one stored leaf and rebuilds the
tree over it, as a captured operator would to change an old answer. A witness must notice."""

from __future__ import annotations

import json

from registry_client.tlog.tiles import TILE_WIDTH
from services.verification.bootstrap import SERVICE as VERIFICATION
from services.verification.log.api import public_log
from services.verification.log.store import ENTRIES, HASHES, HEAD


def fork(settings, index: int, **rewritten) -> list[dict]:
    """Rewrites leaf ``index`` with the fields given; the leaves as they now stand."""
    parts = VERIFICATION.parts(settings)
    log = public_log(parts)
    size = log.tree.size
    leaves = []
    for block in range(0, (size + TILE_WIDTH - 1) // TILE_WIDTH):
        width = min(TILE_WIDTH, size - block * TILE_WIDTH)
        leaves += [json.loads(entry) for entry in log.store.read_entries(block, width)]
    leaves[index] = {**leaves[index], **rewritten}
    for collection in (HASHES, ENTRIES, HEAD):
        parts.read_models.drop(collection)
    log.append(leaves)
    return leaves
