"""How fast the public log appends and proves, at a million leaves.

    .venv/bin/python -m bench.log_proofs [--leaves N] [--batch B] [--proofs P]
        [--store memory|sqlite]

Appends N leaves (the RFC 8785 JSON of made-up status changes) in batches of B, to the
in-memory hash store or to the verification service's log on the embedded read-model
store (SQLite, in a temporary folder). Then makes and verifies P inclusion proofs of
random leaves and P consistency proofs from random older sizes, all against the tree of
N leaves. Prints, never asserts: appends per second, proof sizes in hashes and bytes, and
p50/p99 times to make and to verify a proof.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from registry_client.tlog import merkle
from registry_client.tlog.canonical import canonical_json
from registry_client.tlog.tree import HashStore, MemoryHashStore, MerkleTree


def fact(n: int) -> dict:
    return {
        "recruiter_id": f"rec-{n:08d}",
        "status": ("licensed", "suspended", "revoked")[n % 3],
        "changed_at": "2026-12-02T04:00:00Z",
        "sequence": n,
    }


def open_store(kind: str, folder: Path) -> HashStore:
    if kind == "memory":
        return MemoryHashStore()
    from services.verification.log.store import ReadModelLogStore
    from shared.readmodels.sqlite import SqliteReadModelStore

    return ReadModelLogStore(SqliteReadModelStore(folder / "log.sqlite"))


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(samples: list[float], work: Callable[[], object]) -> object:
    started = time.perf_counter()
    result = work()
    samples.append(time.perf_counter() - started)
    return result


def report(name: str, made: list[float], checked: list[float], sizes: list[int]) -> None:
    ms = 1000
    print(
        f"{name}: {statistics.mean(sizes):.1f} hashes on average, at most {max(sizes)}"
        f" ({max(sizes) * merkle.HASH_SIZE} bytes); make p50 {percentile(made, 0.5) * ms:.3f} ms"
        f" p99 {percentile(made, 0.99) * ms:.3f} ms; verify p50 {percentile(checked, 0.5) * ms:.3f}"
        f" ms p99 {percentile(checked, 0.99) * ms:.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--proofs", type=int, default=1000)
    parser.add_argument("--store", choices=("memory", "sqlite"), default="memory")
    arguments = parser.parse_args()
    rng = random.Random(1)  # noqa: S311 (which leaves to prove, not a secret)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(arguments.store, Path(folder))
        tree = MerkleTree(store)
        started = time.perf_counter()
        for first in range(0, arguments.leaves, arguments.batch):
            last = min(first + arguments.batch, arguments.leaves)
            tree.append([canonical_json(fact(n)) for n in range(first, last)])
        elapsed = time.perf_counter() - started
        print(
            f"appended {arguments.leaves:,} leaves to the {arguments.store} store in batches of"
            f" {arguments.batch}: {elapsed:.1f} s, {arguments.leaves / elapsed:,.0f} appends/s"
        )
        size, root = tree.size, tree.root()

        made, checked, sizes = [], [], []
        for _ in range(arguments.proofs):
            index = rng.randrange(size)
            proof = timed(made, lambda i=index: tree.inclusion_proof(i, size))
            leaf = merkle.leaf_hash(canonical_json(fact(index)))
            timed(
                checked,
                lambda i=index, p=proof, h=leaf: merkle.verify_inclusion(i, size, h, p, root),
            )
            sizes.append(len(proof))
        report(f"inclusion proof at {size:,} leaves", made, checked, sizes)

        made, checked, sizes = [], [], []
        for _ in range(arguments.proofs):
            first = rng.randrange(1, size)
            old = tree.root(first)
            proof = timed(made, lambda f=first: tree.consistency_proof(f, size))
            timed(
                checked,
                lambda f=first, p=proof, o=old: merkle.verify_consistency(f, size, o, root, p),
            )
            sizes.append(len(proof))
        report(f"consistency proof to {size:,} leaves", made, checked, sizes)


if __name__ == "__main__":
    main()
