"""What the fault suite runs and counts: the four services as separate processes (each a
gunicorn of two workers and a worker process, as `./registry up` starts them), an
open-loop load of commands with Idempotency-Keys and retries, processes killed with
SIGKILL and brought back, and the checks made once everything has settled."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from shared.auth.tokens import mint_dev_token
from shared.backend import open_backend
from shared.bus.base import Message
from shared.config import SERVICES, Settings
from shared.consistency import HEADER, Written
from shared.consumer import ConsumerRunner, wait_for
from shared.events.envelope import decode
from shared.replay import current_generation
from tests.e2e.services import environment, ready
from tests.fakes import InMemoryReadModelStore, ListSource
from tests.servers import ROOT, free_port

WRITERS = ("licensing", "certification", "monitoring")
GIVE_UP_S = 90.0


class Fleet:
    """Each service's gunicorn (``NAME http``) and worker (``NAME worker``) processes."""

    def __init__(self, settings: Settings, logs: Path, http_workers: int = 2):
        self.ports = {service: free_port() for service in SERVICES}
        self.env = {
            **environment(settings),
            "REGISTRY_HTTP_WORKERS": str(http_workers),
            "REGISTRY_PUBLIC_RATE_PER_MINUTE": "100000000",
            "REGISTRY_LOG_LEVEL": "WARNING",
        }
        self.env |= {f"REGISTRY_{s.upper()}_PORT": str(p) for s, p in self.ports.items()}
        self.logs = logs
        self.processes: dict[str, subprocess.Popen] = {}
        for service in SERVICES:
            self.start(f"{service} http")
            self.start(f"{service} worker")
        for service in SERVICES:
            assert wait_for(lambda s=service: ready(self.url(s)), timeout=120), service

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def start(self, name: str) -> None:
        service, kind = name.split()
        command = "serve" if kind == "http" else "worker"
        output = open(self.logs / f"{service}-{command}.log", "ab")  # noqa: SIM115
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "registry_cli", command, service],
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )

    def kill(self, name: str) -> None:
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def kill_http_worker(self, service: str) -> int:
        """SIGKILL one of the service's gunicorn workers; its master starts another."""
        master = self.processes[f"{service} http"].pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        os.kill(int(children[0]), signal.SIGKILL)
        return int(children[0])

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass
class Outcome:
    kind: str
    key: str
    answers: set[str] = field(default_factory=set)  # what each 2xx said, as JSON
    token: str | None = None
    gave_up: bool = False


class Load:
    """Commands sent at a fixed rate whatever the answers (open loop), each retried with
    its Idempotency-Key after a 503 or a broken connection, as a client should."""

    def __init__(self, fleet: Fleet, settings: Settings, rate_per_s: float):
        self.fleet, self.rate = fleet, rate_per_s
        self.run = uuid.uuid4().hex[:8]
        self.tokens = {
            "licensing": mint_dev_token(settings, "ministry_officer", country="KE"),
            "certification": mint_dev_token(settings, "scheme_owner"),
            "monitoring": mint_dev_token(settings, "monitor", org_id="ngo-faults"),
        }
        self.outcomes: list[Outcome] = []
        self.statuses: Counter[int] = Counter()
        self.unavailable_without_retry_after = 0
        self.server_errors: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=48)
        self._thread = threading.Thread(target=self._send_at_rate, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._pool.shutdown(wait=True)

    def command(self, n: int) -> tuple[str, str, dict] | None:
        """The n-th command; None when what it needs could not be prepared in time."""
        service = WRITERS[n % len(WRITERS)]
        if service == "licensing":
            body = {
                "legal_name": f"Faults Manpower {n}",
                "country": "KE",
                "registration_number": f"F-{self.run}-{n}",
            }
            return service, "/v1/recruiters", body
        if service == "certification":
            body = {"name": f"Fault Audits {n}", "accreditation_number": f"IRIS-{self.run}-{n}"}
            return service, "/v1/certification-bodies", body
        report_id = self._file_report(n)
        if report_id is None:
            return None
        return service, f"/v1/reports/{report_id}/substantiate", {"note": None}

    def _file_report(self, n: int) -> str | None:
        """Reports take no Idempotency-Key (each is new): filed first, then triaged with one."""
        body = {
            "subject": {"name": f"Faults Manpower {n}", "country": "KE"},
            "categories": ["fees_charged"],
            "narrative": "Charged a fee.",
        }
        deadline = time.monotonic() + GIVE_UP_S
        while time.monotonic() < deadline:
            status, headers, answer = self._post("monitoring", "/v1/reports", body, None)
            self._count(status, headers, "monitoring /v1/reports", answer)
            if status == 201:
                return json.loads(answer)["report_id"]
            time.sleep(0.3)
        return None

    def send(self, n: int) -> Outcome:
        """One command to its acknowledgement (or GIVE_UP_S), retried with its key."""
        outcome = Outcome(WRITERS[n % len(WRITERS)], f"faults-{self.run}-{n}")
        command = self.command(n)
        if command is None:
            outcome.gave_up = True
            return outcome
        service, path, body = command
        deadline = time.monotonic() + GIVE_UP_S
        while time.monotonic() < deadline:
            status, headers, answer = self._post(service, path, body, outcome.key)
            self._count(status, headers, f"{service} {path}", answer)
            if 200 <= status < 300:
                outcome.answers.add(answer)
                outcome.token = headers.get(HEADER.lower())
                return outcome
            if status not in (0, 503):
                outcome.answers.add(f"refused {status}: {answer[:200]}")
                return outcome
            time.sleep(0.3)
        outcome.gave_up = True
        return outcome

    def _count(self, status: int, headers: dict, what: str, answer: str) -> None:
        with self._lock:
            self.statuses[status] += 1
            if status >= 500 and status != 503:
                self.server_errors.append(f"{what}: {status} {answer[:300]}")
            if status == 503 and not headers.get("retry-after"):
                self.unavailable_without_retry_after += 1

    def _send_at_rate(self) -> None:
        n, started = 0, time.monotonic()
        while not self._stop.is_set():
            future = self._pool.submit(self.send, n)
            future.add_done_callback(self._record)
            n += 1
            self._stop.wait(max(0.0, started + n / self.rate - time.monotonic()))

    def _record(self, future) -> None:
        with self._lock:
            self.outcomes.append(future.result())

    def _post(self, service: str, path: str, body: dict, key: str | None) -> tuple[int, dict, str]:
        address = urlsplit(self.fleet.url(service))
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self.tokens[service]}",
        }
        if key:
            headers["Idempotency-Key"] = key
        try:
            connection.request("POST", path, json.dumps(body), headers)
            response = connection.getresponse()
            answer = response.read().decode(errors="replace")
            return response.status, {k.lower(): v for k, v in response.getheaders()}, answer
        except (OSError, http.client.HTTPException):
            return 0, {}, ""  # refused or cut: the server is down; retry
        finally:
            connection.close()


def probe(load: Load, n: int) -> bool:
    """A new command through each writing service is acknowledged, and verification
    reflects a new recruiter's registration: the whole path works again."""
    outcomes = [load.send(n + i) for i in range(len(WRITERS))]
    if any(not o.token for o in outcomes):
        return False
    recruiter = next(o for o in outcomes if o.kind == "licensing")
    written = Written.from_token(recruiter.token)
    url = f"/v1/recruiters/{written.stream}?consistent_with={recruiter.token}"
    return wait_for(lambda: _get_status(load.fleet.url("verification") + url) == 200, 60)


def _get_status(url: str) -> int:
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request("GET", f"{address.path}?{address.query}")
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        connection.close()


@dataclass
class Fault:
    name: str
    kill: Callable[[], None]
    restart: Callable[[], None] | None  # None: the process comes back by itself


def recovered_after(load: Load, fault: Fault, down_s: float, probes: Iterator[int]) -> float:
    """Kill, wait ``down_s`` under load, restart; seconds from the restart (or the kill,
    for what comes back by itself) until a probe passes end to end."""
    fault.kill()
    killed = time.monotonic()
    time.sleep(down_s)
    if fault.restart is not None:
        fault.restart()
    back = time.monotonic() if fault.restart is not None else killed
    while not probe(load, next(probes)):
        if time.monotonic() - back > 300:
            return float("inf")
        time.sleep(0.5)
    return time.monotonic() - back


# --- counting ------------------------------------------------------------------------------


def bus_messages(settings: Settings, topics: list[str]) -> list[Message]:
    """Everything on the bus of these logical topics, in order per partition."""
    backend = open_backend(settings)
    source = backend.source("faultcheck", f"read-{uuid.uuid4().hex[:8]}", topics)
    messages: list[Message] = []
    try:
        quiet = 0
        while quiet < 3:
            batch = source.poll(1000, 2000)
            messages += batch
            quiet = quiet + 1 if not batch and source.caught_up() else 0
    finally:
        source.close()
        backend.close()
    return messages


@dataclass
class BusCount:
    streams: dict[str, dict[int, set[str]]]  # stream -> version -> event ids
    copies: int  # messages that repeat an event already on the bus (a relay's redelivery)
    out_of_order: list[str]


def count_bus(messages: list[Message]) -> BusCount:
    streams: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    seen_ids: set[str] = set()
    copies = 0
    last: dict[tuple[str, int, str], int] = {}
    out_of_order = []
    for message in messages:
        event = decode(message.value)
        # A stream is its producer's: verification's status changes use the recruiter id too.
        stream = f"{event['source'].lstrip('/')}~{event['subject']}"
        version = event["streamversion"]
        if event["id"] in seen_ids:
            copies += 1
            continue
        seen_ids.add(event["id"])
        streams[stream][version].add(event["id"])
        place = (message.topic, message.partition, stream)
        if version <= last.get(place, 0):
            out_of_order.append(f"{stream} v{version} after v{last[place]}")
        last[place] = version
    return BusCount(streams, copies, out_of_order)


def lost_and_gaps(outcomes: list[Outcome], bus: BusCount) -> tuple[list[str], list[str]]:
    """Acknowledged commands whose events are not all on the bus; streams whose versions
    are not 1..N each exactly once."""
    lost = []
    for outcome in outcomes:
        if outcome.token:
            written = Written.from_token(outcome.token)
            versions = bus.streams.get(f"{written.service}~{written.stream}", {})
            if not all(versions.get(v) for v in range(1, written.version + 1)):
                lost.append(outcome.token)
    gaps = []
    for stream, versions in bus.streams.items():
        numbers = sorted(versions)
        if numbers != list(range(1, len(numbers) + 1)) or any(
            len(v) != 1 for v in versions.values()
        ):
            gaps.append(f"{stream}: versions {numbers}")
    return lost, gaps


def projection_differences(settings: Settings, messages_by_topic: dict[str, list[Message]]):
    """Each projection of every service, live, against the same projection folded afresh
    from everything on the bus: the documents that differ, and how many were compared."""
    import importlib

    backend = open_backend(settings)
    differences: list[str] = []
    compared = 0
    fresh_stores: dict[str, InMemoryReadModelStore] = {}
    try:
        for service in SERVICES:
            definition = importlib.import_module(f"services.{service}.bootstrap").SERVICE
            store = backend.read_models(service)
            for build in definition.projections:
                fresh_store = InMemoryReadModelStore()
                fresh = build(fresh_store)
                fresh_stores[f"{service}.{fresh.name}"] = fresh_store
                messages = [m for t in fresh.topics for m in messages_by_topic.get(t, [])]
                runner = ConsumerRunner(ListSource(messages), fresh, backend.schemas)
                while runner.run_once(10_000):
                    pass
                live = build(store)
                collection = current_generation(store, live.name).collection(live.collection)
                documents = fresh_store.collections.get(fresh.collection, {})
                compared += len(documents)
                for key, stored in documents.items():
                    found = store.get(collection, key)
                    if found is None or found.document != stored.document:
                        differences.append(f"{service}.{live.name} {key}")
    finally:
        backend.close()
    return differences, compared, fresh_stores


def answers_differing(url: str, fresh: InMemoryReadModelStore, recruiter_ids: list[str]):
    """Verification's answer for each recruiter, against the status worked out from the
    events alone (the projection folded afresh), both as of one instant."""
    from datetime import UTC, datetime

    from services.verification.domain import status_at
    from services.verification.projections import RecruiterStatus, load_records
    from shared.clock import rfc3339

    at = datetime.now(UTC)
    records = load_records(fresh, RecruiterStatus.collection, recruiter_ids)
    differing = []
    for recruiter_id in recruiter_ids:
        expected = status_at(records[recruiter_id], at)
        status, answer = _get_json(f"{url}/v1/recruiters/{recruiter_id}?as_of={rfc3339(at)}")
        codes = sorted(reason.code for reason in expected.reasons)
        got = (status, answer.get("verdict"), sorted(r["code"] for r in answer.get("reasons", [])))
        if got != (200, expected.verdict, codes):
            differing.append(f"{recruiter_id}: {got} != {expected.verdict} {codes}")
    return differing


def _get_json(url: str) -> tuple[int, dict]:
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request("GET", f"{address.path}?{address.query}")
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    except (OSError, http.client.HTTPException, ValueError):
        return 0, {}
    finally:
        connection.close()


@contextlib.contextmanager
def running_load(load: Load):
    load.start()
    try:
        yield load
    finally:
        load.stop()
