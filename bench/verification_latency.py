"""How fast the public verification answer is, and how soon it shows a suspension.

    .venv/bin/python -m bench.verification_latency [--recruiters K] [--requests N]
        [--clients C] [--backend stack|embedded]

Starts the licensing and verification services as ``./registry up`` does (``serve`` under
gunicorn, plus each service's ``worker``: licensing's outbox relay, verification's
projection consumer). On the stack backend the Kafka broker and MongoDB-compatible
server come from the environment (``KAFKA_BOOTSTRAP_SERVERS``, ``MONGODB_URI``), else the
local stack is started on free ports as the tests do; the embedded backend needs none.
Creates K recruiters with active licences through the licensing API and waits until
verification answers each one "green". Then prints, never asserts:

1. requests/s and p50/p99 latency of ``GET /v1/recruiters/{id}`` on verification, N
   requests spread over the K recruiters, from C client threads on kept-alive
   connections (each client first makes a few uncounted warm-up requests);
2. the same for ``bench.bare_flask``, a Flask app reading the same document from the
   same store, under the same gunicorn command line as ``serve`` (workers, threads,
   worker class): the share of the latency that is Flask, gunicorn, the store's read
   and the client themselves;
3. the lag from the 2xx of ``POST /v1/licences/{id}/suspend`` on licensing to the first
   verification answer, polled every 20 ms, that shows the licence suspended; one
   licence at a time, for each of the K, each after a random pause of up to half a
   second. Percentiles are nearest-rank: with 20 lags the p99 is the largest.

The services' public rate limit is per client address, and every request here comes from
127.0.0.1, so the processes run with ``REGISTRY_PUBLIC_RATE_PER_MINUTE`` at 100,000,000.
``REGISTRY_HTTP_WORKERS`` is taken from the environment, as ``serve`` takes it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench.clients import Client, licensed_recruiters, percentile, report_load
from bench.services import bare_flask, serve_settings, services_running
from shared.auth.tokens import mint_dev_token

# The first requests a gunicorn worker serves import lazily and open store connections.
WARMUP_PER_CLIENT = 10
POLL_SECONDS = 0.02
GREEN_TIMEOUT = 180.0
LAG_TIMEOUT = 60.0
# Suspending as soon as the last one showed would fall at the same point of the relay's
# and consumer's idle cycles each time; a random pause samples the whole cycle.
MAX_PAUSE_SECONDS = 0.5


def wait_green(client: Client, recruiter_ids: list[str]) -> None:
    deadline = time.monotonic() + GREEN_TIMEOUT
    for recruiter_id in recruiter_ids:
        while True:
            status, body = client.get(f"/v1/recruiters/{recruiter_id}")
            if status == 200 and body["verdict"] == "green":
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"verification never answered {recruiter_id} green: {body}")
            time.sleep(0.1)


def load(port: int, paths: list[str], clients: int) -> tuple[float, list[float]]:
    """Wall-clock seconds to GET every path from ``clients`` threads, and each latency."""
    start = threading.Barrier(clients + 1, timeout=120)

    def work(chunk: list[str]) -> list[float]:
        client = Client(port)
        try:
            for path in chunk[:WARMUP_PER_CLIENT]:
                status, data = client.call("GET", path)
                assert status == 200, data
        except BaseException:
            start.abort()
            raise
        start.wait()
        latencies = []
        for path in chunk:
            started = time.perf_counter()
            status, data = client.call("GET", path)
            latencies.append(time.perf_counter() - started)
            assert status == 200, data
        return latencies

    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(work, paths[n::clients]) for n in range(clients)]
        try:
            start.wait()
        except threading.BrokenBarrierError:
            for future in futures:
                future.result()
            raise
        started = time.perf_counter()
        latencies = [latency for future in futures for latency in future.result()]
        return time.perf_counter() - started, latencies


def suspension_lags(
    licensing: Client, verification: Client, made: list[tuple[str, str]]
) -> list[float]:
    """Seconds from each suspend's 2xx to verification's first answer showing it."""
    lags = []
    for recruiter_id, licence_id in made:
        time.sleep(random.uniform(0, MAX_PAUSE_SECONDS))  # noqa: S311 (not for secrets)
        status, body = licensing.post(f"/v1/licences/{licence_id}/suspend", {"reason": "benchmark"})
        answered = time.perf_counter()
        assert 200 <= status < 300, body
        while True:
            status, shown = verification.get(f"/v1/recruiters/{recruiter_id}")
            seen = time.perf_counter()
            assert status == 200, shown
            if (shown["licence"] or {}).get("status") == "suspended":
                break
            if seen - answered > LAG_TIMEOUT:
                raise SystemExit(f"verification never showed licence {licence_id} suspended")
            time.sleep(POLL_SECONDS)
        lags.append(seen - answered)
    return lags


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recruiters", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--backend", choices=("stack", "embedded"), default="stack")
    arguments = parser.parse_args()
    with services_running(arguments.backend) as running:
        token = mint_dev_token(running.settings, "ministry_officer", country="KE")
        licensing = Client(running.ports["licensing"], token)
        verification = Client(running.ports["verification"])
        made = licensed_recruiters(licensing, arguments.recruiters)
        issued = time.perf_counter()
        wait_green(verification, [recruiter_id for recruiter_id, _ in made])
        green_after = time.perf_counter() - issued

        paths = [f"/v1/recruiters/{made[n % len(made)][0]}" for n in range(arguments.requests)]
        real = load(running.ports["verification"], paths, arguments.clients)
        status, body = verification.call("GET", paths[0])
        assert status == 200, body
        with bare_flask(running) as bare_port:
            bare = load(bare_port, paths, arguments.clients)
        lags = sorted(suspension_lags(licensing, verification, made))
    print(f"backend {running.where()}; gunicorn as `serve` runs it: {serve_settings()}")
    print(
        f"{len(made)} recruiters, all answered green {green_after:.2f} s after the last issue; "
        f"{len(paths)} GETs from {arguments.clients} clients on kept-alive connections "
        f"(+{WARMUP_PER_CLIENT} warm-up each); answer body {len(body)} bytes"
    )
    report_load("GET /v1/recruiters/{id} verification", *real)
    report_load("GET /v1/recruiters/{id} bare Flask", *bare)
    print(
        f"suspend 2xx -> verification shows it: {len(lags)} licences, "
        f"lag p50 {statistics.median(lags) * 1000:6.1f} ms, "
        f"p99 {percentile(lags, 0.99) * 1000:6.1f} ms"
        + (" (the max, with so few)" if len(lags) < 100 else "")
        + f", min {lags[0] * 1000:.1f} ms; polled every {POLL_SECONDS * 1000:.0f} ms, "
        f"suspends {MAX_PAUSE_SECONDS * 1000:.0f} ms apart at most"
    )


if __name__ == "__main__":
    main()
