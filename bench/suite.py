"""``./registry bench``: the whole system measured in one run, each figure beside the
reference measured in the same run, printed as one table. Numbers only: nothing here
passes or fails on speed.

In order, on one backend and one fresh data set:

1. public ``GET /v1/recruiters/{id}`` (requests/s, p50, p99) from C client threads on
   kept-alive connections, beside ``bench.bare_flask`` under the same gunicorn command
   line reading the same document from the same store;
2. command 2xx -> visible in verification: recruiters registered through the licensing
   API at a fixed open-loop offered rate (each sent on its schedule whatever the
   answers before it), each timed from its 2xx to the moment its document is in the
   projection's current collection (looked for every 5 ms, on the stack every 50 ms),
   and to its first answer's announcement (the status change watch-lists hear of);
   beside the raw client's own round trip (kafka-python produce -> consume, or SQLite
   insert -> select);
3. ``POST /v1/verifications`` of 1,000 recruiters and name search, p50 and p99;
4. a steady load: many recruiters registered through the API at a rate the stack keeps
   up with, each timed from its 2xx to visible and announced as in 2 (is the lag
   bounded over time?);
5. a large register written through the licensing event store's append path
   (``bench.register``), then the projection rebuilt from the start of the bus by 1
   and (stack) 2 worker processes, beside the raw client reading the same topics;
   then ``GET``, search and batch p99 on that data beside the small data set;
6. resident memory of every process, beside the bare Flask worker's.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

from bench import references
from bench.clients import Client, licensed_recruiters, percentile
from bench.register import large_name, load_register
from bench.services import (
    Running,
    bare_flask,
    descendants,
    resident_mb,
    serve_settings,
    services_running,
)
from bench.verification_latency import load, wait_green
from services.verification.projections import PROGRESS, TOPICS, RecruiterStatus
from services.verification.schedule import StatusSchedule
from shared.auth.tokens import mint_dev_token
from shared.consumer import wait_for
from shared.readmodels.base import ReadModelStore
from shared.replay import CurrentCollection


@dataclass(frozen=True)
class Scale:
    licensed: int  # recruiters with licences, made through the API (3 commands each)
    requests: int  # GETs per load run
    clients: int
    rates: tuple[int, ...]  # commands/s offered
    seconds: float  # per rate
    samples: int  # batches and searches
    large: int  # recruiters of the large register
    steady: int  # recruiters registered at the steady rate
    steady_rate: int  # commands/s


QUICK = Scale(20, 1000, 8, (100, 200), 2, 8, 1000, 200, 30)
FULL = Scale(100, 4000, 8, (100, 200), 20, 30, 100_000, 20_000, 30)
# How often the bench looks for what it timed: each look is a round trip to the store,
# and on the stack the document server bounds everything, so the bench looks less often.
WATCH_SECONDS = {"embedded": 0.005, "stack": 0.05}
# The oldest this many are looked for at each look: when the system falls behind, looking
# for every registration at once would cost it more the further behind it is. Later ones
# are then seen a look or more late, which can only make a lag look longer.
WATCHED_AT_ONCE = 100
VISIBLE_TIMEOUT = 300.0
BATCH = 1000


@dataclass(frozen=True)
class Row:
    measure: str
    value: float
    unit: str
    reference: str
    reference_value: float


class Table:
    def __init__(self) -> None:
        self.rows: list[Row] = []

    def add(self, measure: str, value: float, unit: str, reference: str, of: float) -> None:
        self.rows.append(Row(measure, value, unit, reference, of))
        print(f"bench: {measure}: {value:.1f} {unit} ({reference}: {of:.1f})", file=sys.stderr)

    def add_latencies(
        self, measure: str, latencies: Sequence[float], reference: str, of: Sequence[float]
    ) -> None:
        for name, fraction in (("p50", 0.5), ("p99", 0.99)):
            self.add(
                f"{measure} {name}",
                percentile(sorted(latencies), fraction) * 1000,
                "ms",
                f"{reference} {name}",
                percentile(sorted(of), fraction) * 1000,
            )

    def print(self, heading: str) -> None:
        print(heading)
        print("| measure | value | unit | reference, same run | reference | ratio |")
        print("|---|---:|---|---|---:|---:|")
        for row in self.rows:
            ratio = row.value / row.reference_value if row.reference_value else float("nan")
            print(
                f"| {row.measure} | {_number(row.value)} | {row.unit} | {row.reference} "
                f"| {_number(row.reference_value)} | {ratio:.2f}x |"
            )


def _number(value: float) -> str:
    """Three figures at least: a reference of a few milliseconds must not print as 0.0."""
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 1 else f"{value:.3g}"


def run(
    backend: str,
    quick: bool,
    recruiters: int | None = None,
    steady: int | None = None,
    steady_rate: int | None = None,
) -> int:
    scale = QUICK if quick else FULL
    if recruiters:
        scale = replace(scale, large=recruiters)
    if steady:
        scale = replace(scale, steady=steady)
    if steady_rate:
        scale = replace(scale, steady_rate=steady_rate)
    table = Table()
    started = time.monotonic()
    with services_running(backend) as running:
        heading = measure_all(running, scale, table)
    load_average = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    table.print(
        f"./registry bench --backend {backend}{' --quick' if quick else ''}"
        f"{f' --recruiters {recruiters}' if recruiters else ''}"
        f"{f' --steady {steady}' if steady else ''}"
        f"{f' --steady-rate {steady_rate}' if steady_rate else ''}: "
        f"{running.where()}; gunicorn {serve_settings()}; {heading}; "
        f"{time.monotonic() - started:.0f} s; load average at the end {load_average} "
        f"on {os.cpu_count()} cores"
    )
    return 0


def measure_all(running: Running, scale: Scale, table: Table) -> str:
    settings = running.settings
    token = mint_dev_token(settings, "ministry_officer", country="KE")
    licensing = Client(running.ports["licensing"], token)
    verification = Client(running.ports["verification"])
    store = running_store(running)
    current = CurrentCollection(store, RecruiterStatus.name, RecruiterStatus.collection)

    made = licensed_recruiters(licensing, scale.licensed)
    small = [recruiter_id for recruiter_id, _ in made]
    wait_green(verification, small)
    names = {recruiter_id: f"Bench Agency {n}" for n, recruiter_id in enumerate(small)}

    with bare_flask(running) as bare_port:
        paths = [f"/v1/recruiters/{small[n % len(small)]}" for n in range(scale.requests)]
        real = load(running.ports["verification"], paths, scale.clients)
        bare = load(bare_port, paths, scale.clients)
        gets = {"verification": real, "bare": bare}
        table.add(
            "public GET by id", len(paths) / real[0], "req/s", "bare Flask", len(paths) / bare[0]
        )
        table.add_latencies("public GET by id", real[1], "bare Flask", bare[1])

        reference = references.round_trips(settings, 50, running.data)
        raw = "kafka-python produce->consume" if running.servers else "SQLite insert->select"
        offered = [(rate, int(rate * scale.seconds), f"at {rate}/s") for rate in scale.rates]
        steadily = f"steady load, {scale.steady:,} recruiters at {scale.steady_rate}/s"
        for rate, total, label in [*offered, (scale.steady_rate, scale.steady, steadily)]:
            lags = lag_at(running, token, store, current, rate, total)
            names |= lags.names
            table.add(f"commands 2xx, {label} offered", lags.achieved, "/s", "offered", rate)
            table.add_latencies(f"2xx -> visible, {label}", lags.visible, raw, reference)
            if lags.announced:
                table.add_latencies(f"2xx -> announced, {label}", lags.announced, raw, reference)
            if lags.unannounced:
                table.add(
                    f"not announced {lags.waited:.0f} s after the load, {label}",
                    lags.unannounced,
                    "recruiters",
                    "registered",
                    total,
                )

        everyone = list(names)
        small_batch = batches(verification, everyone, scale.samples)
        small_search = searches(verification, [names[r] for r in everyone], scale.samples)
        # A batch beside as many single reads from the bare app; a search beside one.
        thousand_reads = [BATCH * latency for latency in bare[1]]
        table.add_latencies("batch of 1,000", small_batch, "1,000 bare Flask reads", thousand_reads)
        table.add_latencies("name search", small_search, "bare Flask GET by id", bare[1])

        events_store = running_backend(running).event_store("licensing")
        loading = time.perf_counter()
        large, appended = load_register(events_store, scale.large, _progress("appended"))
        loaded = time.perf_counter() - loading
        table.add(
            f"large register: {scale.large:,} recruiters appended",
            appended / loaded,
            "events/s",
            "seconds",
            loaded,
        )
        ends = bus_ends(running, events_store)
        waited = wait_for(lambda: caught_up(store, current(), ends), timeout=3600, interval=1)
        assert waited, "the live projection did not catch up with the large register"
        events = sum(ends.values()) - len(ends) * (running.servers is None)
        read, raw_seconds = references.raw_consume(settings, TOPICS)
        for workers in (1, 2) if running.servers else (1,):
            seconds, memory = rebuild(running, store, ends, workers)
            table.add(
                f"rebuild, {workers} worker{'s' * (workers > 1)} ({events:,} events)",
                events / seconds,
                "events/s",
                "raw consume",
                read / raw_seconds,
            )
            table.add(
                f"rebuild time, {workers} worker(s)", seconds, "s", "raw consume", raw_seconds
            )
            for pid, mb in memory.items():
                table.add(f"resident memory, rebuild worker {pid}", mb, "MB", "bare Flask", 0)

        large_paths = [f"/v1/recruiters/{random.choice(large)}" for _ in range(scale.requests)]  # noqa: S311
        on_large = load(running.ports["verification"], large_paths, scale.clients)
        table.add(
            "GET p99, large register",
            percentile(sorted(on_large[1]), 0.99) * 1000,
            "ms",
            "small data set",
            percentile(sorted(gets["verification"][1]), 0.99) * 1000,
        )
        large_names = [large_name(large.index(r)) for r in random.sample(large, scale.samples)]  # noqa: S311
        for measure, small_ones, large_ones in (
            ("name search", small_search, searches(verification, large_names, scale.samples)),
            ("batch of 1,000", small_batch, batches(verification, large, scale.samples)),
        ):
            table.add(
                f"{measure} p99, large register",
                percentile(sorted(large_ones), 0.99) * 1000,
                "ms",
                "small data set",
                percentile(sorted(small_ones), 0.99) * 1000,
            )
        memory_rows(running, table)
    fill_memory_reference(table)
    return f"{len(small)} licensed recruiters + {len(names) - len(small)} registered"


def running_backend(running: Running):
    from services.licensing.bootstrap import SERVICE

    return SERVICE.parts(running.settings).backend


def running_store(running: Running) -> ReadModelStore:
    from services.verification.bootstrap import SERVICE

    return SERVICE.parts(running.settings).read_models


@dataclass
class Lags:
    """Seconds from each registration's 2xx until visible in the projection, and until
    its first answer was announced: appended to verification's stream, whose relay
    publishes it to the watch-lists; how many were still unannounced ``waited`` s after
    the load; the rate of 2xx achieved; the names registered, by recruiter id."""

    visible: list[float]
    announced: list[float]
    unannounced: int
    waited: float
    achieved: float
    names: dict[str, str]


def lag_at(
    running: Running,
    token: str,
    store: ReadModelStore,
    current: Callable[[], str],
    rate: int,
    total: int,
) -> Lags:
    """``total`` registrations at ``rate``, each timed from its 2xx to its document in
    the projection, and to its first answer's announcement."""
    answered: dict[str, float] = {}
    seen: dict[str, float] = {}
    announced: dict[str, float] = {}
    names: dict[str, str] = {}
    lock, local = threading.Lock(), threading.local()
    done, given_up = threading.Event(), threading.Event()
    run = uuid.uuid4().hex[:6]

    def register(n: int) -> None:
        if not hasattr(local, "client"):
            local.client = Client(running.ports["licensing"], token)
        name = f"Lag Agency {run} {rate} {total} {n}"
        status, body = local.client.post(
            "/v1/recruiters",
            {
                "legal_name": name,
                "country": "KE",
                "registration_number": f"L-{run}-{rate}-{total}-{n}",
            },
        )
        at = time.perf_counter()
        assert status == 201, body
        with lock:
            answered[body["recruiter_id"]] = at
            names[body["recruiter_id"]] = name

    def watch() -> None:
        while not given_up.is_set() and (not done.is_set() or len(announced) < len(answered)):
            with lock:
                pending = [key for key in answered if key not in seen][:WATCHED_AT_ONCE]
            if pending:
                found = store.get_many(current(), pending)
                now = time.perf_counter()
                for key, stored in found.items():
                    if stored.document.get("kind") == "recruiter":
                        seen[key] = now
            unannounced = [key for key in seen if key not in announced][:WATCHED_AT_ONCE]
            if unannounced:
                scheduled = store.get_many(StatusSchedule.collection, unannounced)
                now = time.perf_counter()
                for key, stored in scheduled.items():
                    if stored.document.get("published"):
                        announced[key] = now
            time.sleep(WATCH_SECONDS[running.settings.backend])

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(64) as pool:
        start = time.perf_counter()
        futures = []
        try:
            for n in range(total):
                time.sleep(max(0.0, start + n / rate - time.perf_counter()))
                futures.append(pool.submit(register, n))
            for future in futures:
                future.result()
        except BaseException:
            # Interrupted or failed: the registrations still queued are not sent.
            pool.shutdown(wait=False, cancel_futures=True)
            done.set()
            raise
        achieved = total / (max(answered.values()) - start)
    done.set()
    # A steady load the projection falls behind on is caught up after it: timed too.
    waited = VISIBLE_TIMEOUT + total / rate
    watcher.join(timeout=waited)
    given_up.set()
    watcher.join()
    assert len(seen) == len(answered), "registrations never became visible in verification"
    return Lags(
        [seen[key] - answered[key] for key in answered],
        [announced[key] - answered[key] for key in announced],
        len(answered) - len(announced),
        waited,
        achieved,
        names,
    )


def batches(client: Client, recruiter_ids: list[str], samples: int) -> list[float]:
    latencies = []
    for _ in range(samples):
        chosen = random.sample(recruiter_ids, min(BATCH, len(recruiter_ids)))  # noqa: S311
        chosen += random.choices(recruiter_ids, k=BATCH - len(chosen))  # noqa: S311
        started = time.perf_counter()
        status, body = client.post(
            "/v1/verifications", {"items": [{"recruiter_id": r} for r in chosen]}
        )
        latencies.append(time.perf_counter() - started)
        assert status == 200, body
    return latencies


def searches(client: Client, names: list[str], samples: int) -> list[float]:
    latencies = []
    for name in random.sample(names, min(samples, len(names))):  # noqa: S311
        started = time.perf_counter()
        status, body = client.get(f"/v1/recruiters?q={quote(name)}&limit=20")
        latencies.append(time.perf_counter() - started)
        assert status == 200 and body["items"], body
    return latencies


def bus_ends(running: Running, events_store) -> dict[tuple[str, int], int]:
    """Per topic partition, the position just after its last message, once every
    commit has been put on the bus."""
    if running.servers is None:
        from shared.backend import producer_of

        ends = {}
        for topic in TOPICS:
            path = running.settings.service_dir(producer_of(topic)) / "events.sqlite3"
            if path.exists():
                last = references.sqlite_last_position(path)
                ends[(topic, 0)] = last + 1
        return ends
    assert wait_for(lambda: not events_store.unpublished(1), timeout=3600, interval=1)
    return references.kafka_ends([running.settings.topic(t) for t in TOPICS], running.settings)


def caught_up(store: ReadModelStore, collection: str, ends: dict[tuple[str, int], int]) -> bool:
    stored = store.get(PROGRESS, collection)
    if stored is None:
        return False
    read = {(p["topic"], int(p["partition"])): p["offset"] for p in stored.document["positions"]}
    return all(read.get(key, 0) >= end for key, end in ends.items() if end > 0)


def rebuild(
    running: Running, store: ReadModelStore, ends: dict[tuple[str, int], int], workers: int
) -> tuple[float, dict[int, float]]:
    """Seconds for ``workers`` processes to fill a new collection from the start of the
    bus; each worker's resident memory at the end."""
    tag = uuid.uuid4().hex[:8]
    collection, go = f"recruiter_status_bench{tag}", running.data / f"go-{tag}"
    command = [sys.executable, "-m", "bench.rebuild_worker", collection, f"bench-{tag}", str(go)]
    names = [f"rebuild worker {n}" for n in range(workers)]
    for name in names:
        running.start(name, command)
    pids = [running.processes[name].pid for name in names]
    assert wait_for(lambda: all(Path(f"{go}.{pid}").exists() for pid in pids), timeout=120)
    go.touch()
    started = time.perf_counter()
    waited = wait_for(lambda: caught_up(store, collection, ends), timeout=3600, interval=0.1)
    seconds = time.perf_counter() - started
    memory = {pid: resident_mb(pid) for pid in pids}
    for name in names:
        running.stop(name)
    store.drop(collection)
    store.delete(PROGRESS, collection)
    assert waited, f"the rebuild by {workers} worker(s) did not catch up"
    return seconds, memory


def memory_rows(running: Running, table: Table) -> None:
    processes = {name: process.pid for name, process in running.processes.items()}
    processes |= running.server_pids()
    processes["bench (this process)"] = os.getpid()
    for name, pid in processes.items():
        for each in descendants(pid) if name != "bench (this process)" else [pid]:
            role = name if each == pid else f"{name} worker"
            table.add(f"resident memory, {role} {each}", resident_mb(each), "MB", "bare Flask", 0)


def fill_memory_reference(table: Table) -> None:
    """Every memory row beside the bare Flask app's gunicorn worker."""
    bare = max(
        (r.value for r in table.rows if r.measure.startswith("resident memory, bare Flask worker")),
        default=0.0,
    )
    table.rows = [
        Row(r.measure, r.value, r.unit, "bare Flask worker", bare)
        if r.measure.startswith("resident memory")
        else r
        for r in table.rows
    ]


def _progress(what: str) -> Callable[[int], None]:
    def say(count: int) -> None:
        if count % 10_000 == 0:
            print(f"bench: {count:,} recruiters {what}", file=sys.stderr, flush=True)

    return say
