"""The read-model store's hot operations on each MongoDB-compatible server, printed as
milliseconds and as a ratio to the embedded SQLite store doing the same in the same run.

    .venv/bin/python -m bench.read_model_servers [--sizes 1000 10000] [--servers NAME ...]

Each server is started alone (no Kafka) under var/bench-servers/ and stopped after;
its data is kept for the next run, which starts by dropping the benchmark's database.
Per collection size it measures, through the project's own adapters: a lookup by key
(``get``), the projection's compare-and-set (``put`` over the revision read), and a
filter on an indexed field returning 20 documents with the total (``find``). Numbers
only: nothing here passes or fails on speed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from shared import stack
from shared.mongo_servers import SERVERS
from shared.readmodels.base import Query, ReadModelStore
from shared.readmodels.mongo import MongoReadModelStore
from shared.readmodels.sqlite import SqliteReadModelStore
from tests.servers import ROOT, free_port

COUNTRIES = [f"C{n:02d}" for n in range(20)]
SAMPLES = 20
BULK = 1000


def documents(size: int):
    for n in range(size):
        country = COUNTRIES[n % len(COUNTRIES)]
        yield f"k{n}", {"country": country, "name": f"agency {n:07d}", "notes": "x" * 800}


def load(store: ReadModelStore, collection: str, size: int) -> None:
    store.ensure_index(collection, ["country", "name"])
    if isinstance(store, MongoReadModelStore):
        # In bulk, in the adapter's own layout: one insert per document would make
        # loading FerretDB on SQLite take longer than everything measured.
        records = store._db[collection]
        batch = []
        for key, document in documents(size):
            batch.append({"_id": key, "revision": 1, "document": document})
            if len(batch) == BULK:
                records.insert_many(batch)
                batch = []
        if batch:
            records.insert_many(batch)
        return
    for key, document in documents(size):
        store.put(collection, key, document, 0)


def p50_ms(operation: Callable[[int], object], size: int) -> float:
    picks = random.Random(size).sample(range(size), min(SAMPLES, size))  # noqa: S311
    times = []
    for pick in picks:
        started = time.perf_counter()
        operation(pick)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(store: ReadModelStore, size: int) -> dict[str, float]:
    collection = f"bench_{size}"
    load(store, collection, size)

    def compare_and_set(n: int) -> None:
        stored = store.get(collection, f"k{n}")
        assert store.put(collection, stored.key, stored.document, stored.revision)

    def indexed_filter(n: int) -> None:
        query = Query({"country": COUNTRIES[n % len(COUNTRIES)]}, order_by="name", limit=20)
        assert len(store.find(collection, query).items) == min(20, size // len(COUNTRIES))

    return {
        "get by key": p50_ms(lambda n: store.get(collection, f"k{n}"), size),
        "compare-and-set": p50_ms(compare_and_set, size),
        "indexed filter, 20 + total": p50_ms(indexed_filter, size),
    }


def on_server(name: str, sizes: list[int]) -> dict[int, dict[str, float]]:
    from pymongo import MongoClient

    data_dir = ROOT / "var" / "bench-servers" / name
    addresses = stack.up(data_dir, kafka_port=None, mongo_port=free_port(), mongo=name, log=_quiet)
    client: MongoClient = MongoClient(addresses.mongodb_uri)
    try:
        client.drop_database("bench")
        store = MongoReadModelStore(client["bench"])
        measured = {}
        for size in sizes:
            measured[size] = measure(store, size)
            print(f"measured {name} at {size}", file=sys.stderr, flush=True)
        return measured
    finally:
        client.close()
        stack.down(data_dir, log=_quiet)


def _quiet(_line: str) -> None:
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=list(SERVERS))
    arguments = parser.parse_args()
    servers = list(dict.fromkeys(arguments.servers))
    with tempfile.TemporaryDirectory(prefix="bench-servers-") as scratch:
        reference_store = SqliteReadModelStore(Path(scratch) / "reference.sqlite3")
        reference = {size: measure(reference_store, size) for size in arguments.sizes}
    results = {name: on_server(name, arguments.sizes) for name in servers}
    print("p50 ms, and in brackets its ratio to the embedded SQLite store doing the same")
    operations = list(next(iter(reference.values())))
    print(f"| server | documents | {' | '.join(operations)} |")
    print("|---|---:|" + "---:|" * len(operations))
    for size, figures in reference.items():
        cells = " | ".join(f"{figures[op]:.2f}" for op in operations)
        print(f"| embedded SQLite (reference) | {size} | {cells} |")
    for name, by_size in results.items():
        for size, figures in by_size.items():
            ratios = {op: _ratio(figures[op] / reference[size][op]) for op in operations}
            cells = " | ".join(f"{figures[op]:.2f} ({ratios[op]})" for op in operations)
            print(f"| {name} | {size} | {cells} |")


def _ratio(ratio: float) -> str:
    return f"{ratio:.1f}x" if ratio < 10 else f"{ratio:,.0f}x"


if __name__ == "__main__":
    main()
