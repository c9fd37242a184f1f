"""Round trips to the MongoDB-compatible server per licensing command and per public answer.

Counted by pymongo's command monitoring, with the services' apps and workers in this one
process, on the servers in ``KAFKA_BOOTSTRAP_SERVERS`` and ``MONGODB_URI`` or else on the
bench's local stack. Unlike a timing, a count does not move with the machine's load, so
a change that saves (or adds) a round trip on a hot path shows here at once.

    .venv/bin/python -m bench.round_trips
"""

from __future__ import annotations

import collections
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pymongo import monitoring

from bench.services import BENCH_STACK
from services.licensing.bootstrap import SERVICE as LICENSING
from services.verification.bootstrap import SERVICE as VERIFICATION
from shared.config import Settings
from shared.consumer import wait_for
from tests.licensing_helpers import Ministry
from tests.servers import real_servers
from tests.workers import workers_running

SAMPLES = 20
Counted = collections.Counter[tuple[str, str]]


class Commands(monitoring.CommandListener):
    """The commands this thread sends while counting, by (command, collection)."""

    def __init__(self) -> None:
        self._counting = threading.local()
        self.seen: Counted = collections.Counter()

    @contextmanager
    def counting(self) -> Iterator[Counted]:
        self.seen = collections.Counter()
        self._counting.on = True
        try:
            yield self.seen
        finally:
            self._counting.on = False

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if getattr(self._counting, "on", False):
            target = event.command.get(event.command_name)
            self.seen[(event.command_name, target if isinstance(target, str) else "")] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def main() -> int:
    commands = Commands()
    monitoring.register(commands)
    with real_servers(BENCH_STACK) as servers:
        run = uuid.uuid4().hex[:10]
        settings = Settings(
            backend="stack",
            data_dir=Path(tempfile.mkdtemp()),
            mongodb_uri=servers.mongodb_uri,
            kafka_bootstrap_servers=servers.kafka_bootstrap,
            kafka_partitions=3,
            topic_prefix=f"rt{run}-",
            database_prefix=f"rt{run}",
            public_rate_per_minute=100_000_000,
        )
        kenya = Ministry(LICENSING.create_app(settings).test_client(), settings)
        rows = per_command(commands, kenya)
        with workers_running(settings, LICENSING, VERIFICATION):
            rows += per_answer(commands, kenya, VERIFICATION.create_app(settings).test_client())
    if not all(seen for _, seen in rows):
        # pymongo tells only listeners registered before its client was made.
        raise SystemExit("no command was counted: was a client made before counting began?")
    print(f"round trips to the document server, mean of {SAMPLES} (the workers' own excluded)")
    for what, seen in rows:
        total = sum(seen.values()) / SAMPLES
        split = ", ".join(
            f"{name} {collection} {count / SAMPLES:g}"
            for (name, collection), count in sorted(seen.items())
        )
        print(f"  {what:<34} {total:>5g}   {split}")
    return 0


def per_command(commands: Commands, kenya: Ministry) -> list[tuple[str, Counted]]:
    def apply(n: int) -> Callable[[], object]:
        recruiter_id = kenya.register(f"A.{n}/2021")
        return lambda: kenya.post(
            "/v1/licences", {"recruiter_id": recruiter_id, "licence_number": f"A/{n}"}
        )

    def issue(n: int) -> Callable[[], object]:
        recruiter_id = kenya.register(f"I.{n}/2021")
        applied = kenya.post(
            "/v1/licences", {"recruiter_id": recruiter_id, "licence_number": f"I/{n}"}
        )
        body = {"valid_from": "2020-01-01", "valid_until": "2028-12-31"}
        return lambda: kenya.post(f"/v1/licences/{applied.json['licence_id']}/issue", body)

    def register(n: int) -> Callable[[], object]:
        return lambda: kenya.register(f"R.{n}/2021")

    kenya.register("warm-up/2021")
    rows = []
    for what, prepared in [
        ("POST /v1/recruiters", register),
        ("POST /v1/licences", apply),
        ("POST /v1/licences/{id}/issue", issue),
    ]:
        steps = [prepared(n) for n in range(SAMPLES)]
        with commands.counting() as seen:
            for step in steps:
                step()
        rows.append((what, seen))
    return rows


def per_answer(commands: Commands, kenya: Ministry, public) -> list[tuple[str, Counted]]:
    recruiter_ids = [kenya.licensed(f"G.{n}/2021", f"G/{n}")[0] for n in range(SAMPLES)]

    def proved(recruiter_id: str) -> bool:
        answered = public.get(f"/v1/recruiters/{recruiter_id}")
        return answered.status_code == 200 and answered.json.get("log") is not None

    if not wait_for(lambda: all(proved(r) for r in recruiter_ids), timeout=120):
        raise SystemExit("the answers were not proved in the public log within 120 s")
    rows = []
    # First after the log's head is read again (every half second), then within it.
    for what, pause in [("GET /v1/recruiters/{id}, each new", 0.6), ("  ... asked again", 0.0)]:
        time.sleep(pause)
        with commands.counting() as seen:
            for recruiter_id in recruiter_ids:
                public.get(f"/v1/recruiters/{recruiter_id}")
        rows.append((what, seen))
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
