"""From a licensing command's 2xx to the webhook's arrival, p50 and p99, printed, never
asserted, on both backends (issue 13: goal p99 under 2 s at 50 changes per second).

    .venv/bin/python -m bench.watch_webhooks [--changes N] [--rate 50] [--backend B] [--quick]

Starts licensing, verification and watch as ``./registry up`` does (gunicorn and a worker
each), registers N licensed recruiters, puts them on an employer's watch-list (a CSV
import) with a local receiver subscribed that checks every signature with the
``standardwebhooks`` package, then suspends the N licences at the given rate and times,
per recruiter, the suspension's 2xx to its delivery's arrival. The reference, measured in
the same run, is the suspension's own request latency: the ratio says how many request
round trips a change takes to reach an employer. ``--quick`` is 20 changes, for CI.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bench.clients import Client, licensed_recruiters, percentile
from shared.auth.tokens import mint_dev_token
from shared.config import Settings
from shared.consumer import wait_for
from tests.e2e.services import Running
from tests.servers import real_servers
from tests.webhook_receiver import Receiver

SERVICES = ["licensing", "verification", "watch"]


def measure(settings: Settings, changes: int, rate: float) -> tuple[list[float], list[float]]:
    """(command latencies, 2xx-to-arrival latencies), in seconds."""
    running = Running(
        settings,
        SERVICES,
        REGISTRY_WEBHOOKS_ALLOW_LOCAL="1",
        REGISTRY_LOG_LEVEL="WARNING",
        REGISTRY_PUBLIC_RATE_PER_MINUTE="1000000",
    )
    receiver = Receiver()
    try:
        ministry = Client(
            running.ports["licensing"], mint_dev_token(settings, "ministry_officer", country="KE")
        )
        employer_token = mint_dev_token(settings, "employer", org="bench")
        employer = Client(running.ports["watch"], employer_token)
        licensed = licensed_recruiters(ministry, changes)
        status, watchlist = employer.post("/v1/watchlists", {"name": "bench"})
        assert status == 201, watchlist
        base = f"/v1/watchlists/{watchlist['watchlist_id']}"
        rows = "recruiter_id\n" + "".join(f"{recruiter}\n" for recruiter, _ in licensed)

        def imported() -> bool:
            employer.headers["Content-Type"] = "text/csv"
            employer.connection.request("POST", f"{base}/entries/import", rows, employer.headers)
            employer.connection.getresponse().read()
            employer.headers["Content-Type"] = "application/json"
            return employer.get(base)[1]["entries_total"] == changes

        assert wait_for(imported, timeout=300), "the watch service did not learn the recruiters"
        # Subscribed once every first answer is heard: only the suspensions are delivered.
        assert wait_for(
            lambda: all(
                e["verdict"] == "green" for e in employer.get(f"{base}?limit=1000")[1]["entries"]
            ),
            timeout=300,
        )
        receiver.start()
        status, subscription = employer.post(f"{base}/subscriptions", {"url": receiver.url})
        assert status == 201, subscription
        receiver.secret = subscription["secret"]

        answered: dict[str, float] = {}
        commands: list[float] = []
        interval, started = 1.0 / rate, time.monotonic()
        for n, (recruiter, licence) in enumerate(licensed):
            time.sleep(max(0.0, started + n * interval - time.monotonic()))
            sent = time.monotonic()
            status, body = ministry.post(f"/v1/licences/{licence}/suspend", {"reason": "bench"})
            assert status == 200, body
            answered[recruiter] = time.monotonic()
            commands.append(answered[recruiter] - sent)
        assert wait_for(lambda: len(receiver.received) >= changes, timeout=300), len(
            receiver.received
        )
        arrivals = {event["subject"]: at for at, _, event in receiver.received}
        return commands, [arrivals[r] - answered[r] for r in answered]
    finally:
        receiver.stop()
        running.stop()


def report(where: str, rate: float, commands: list[float], latencies: list[float]) -> None:
    reference = statistics.median(commands)
    ordered = sorted(latencies)
    p50, p99 = statistics.median(ordered), percentile(ordered, 0.99)
    print(
        f"{where:<32} {len(ordered)} changes at {rate:.0f}/s: 2xx -> webhook p50 "
        f"{p50 * 1000:7.1f} ms, p99 {p99 * 1000:7.1f} ms; reference (the command's own "
        f"latency, p50 {reference * 1000:.1f} ms): p50 {p50 / reference:.1f}x, "
        f"p99 {p99 / reference:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--backend", choices=("both", "embedded", "stack"), default="both")
    parser.add_argument("--quick", action="store_true", help="20 changes, for CI")
    arguments = parser.parse_args()
    changes = 20 if arguments.quick else arguments.changes
    backends = ("embedded", "stack") if arguments.backend == "both" else (arguments.backend,)
    for backend in backends:
        with (
            real_servers() if backend == "stack" else contextlib.nullcontext() as servers,
            tempfile.TemporaryDirectory() as data,
        ):
            run = uuid.uuid4().hex[:8]
            settings = Settings(
                backend=backend,
                data_dir=Path(data),
                **(
                    {
                        "mongodb_uri": servers.mongodb_uri,
                        "kafka_bootstrap_servers": servers.kafka_bootstrap,
                        "topic_prefix": f"bench{run}-",
                        "database_prefix": f"bench{run}",
                    }
                    if servers
                    else {}
                ),
            )
            commands, latencies = measure(settings, changes, arguments.rate)
            where = f"stack ({servers.origin})" if servers else "embedded (SQLite files)"
            report(where, arguments.rate, commands, latencies)


if __name__ == "__main__":
    main()
