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
2. the same for ``bench.bare_flask``, a Flask app serving the very JSON body verification
   returned, under the same gunicorn command line as ``serve`` (workers, threads, worker
   class): the share of the latency that is Flask, gunicorn and the client themselves;
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
import contextlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.bare_flask import BODY_FILE
from bench.clients import Client, licensed_recruiters, percentile, ready, report_load
from registry_cli.run import gunicorn_command
from shared.auth.tokens import mint_dev_token
from shared.config import Settings
from shared.consumer import wait_for
from tests.servers import ROOT, free_port, real_servers

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


def bare_command(port: int) -> list[str]:
    """``serve``'s own gunicorn command line, with the bare app in place of the service."""
    command = gunicorn_command("verification", port)
    assert command[-1] == "services.verification.bootstrap:create_app()", command
    return [*command[:-1], "bench.bare_flask:create_app()"]


def serve_settings() -> str:
    command = gunicorn_command("verification", 0)
    value = dict(zip(command, command[1:], strict=False))
    return (
        f"{value['--workers']} workers x {value['--threads']} threads ({value['--worker-class']})"
    )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recruiters", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--backend", choices=("stack", "embedded"), default="stack")
    arguments = parser.parse_args()
    stack = arguments.backend == "stack"
    with (
        real_servers() if stack else contextlib.nullcontext() as servers,
        tempfile.TemporaryDirectory() as data,
    ):
        run = uuid.uuid4().hex[:8]
        ports = {"licensing": free_port(), "verification": free_port(), "bare": free_port()}
        env = {
            **os.environ,
            "REGISTRY_BACKEND": arguments.backend,
            "REGISTRY_DATA_DIR": data,
            "REGISTRY_TOPIC_PREFIX": f"bench{run}-",
            "REGISTRY_DATABASE_PREFIX": f"bench{run}",
            "REGISTRY_LICENSING_PORT": str(ports["licensing"]),
            "REGISTRY_VERIFICATION_PORT": str(ports["verification"]),
            "REGISTRY_LOG_LEVEL": "WARNING",
            "REGISTRY_PUBLIC_RATE_PER_MINUTE": "100000000",
        }
        if servers:
            env["MONGODB_URI"] = servers.mongodb_uri
            env["KAFKA_BOOTSTRAP_SERVERS"] = servers.kafka_bootstrap
        token = mint_dev_token(Settings(data_dir=Path(data)), "ministry_officer", country="KE")
        processes: list[subprocess.Popen] = []
        try:
            for service in ("licensing", "verification"):
                for role in ("serve", "worker"):
                    processes.append(
                        subprocess.Popen(
                            [sys.executable, "-m", "registry_cli", role, service], cwd=ROOT, env=env
                        )
                    )
            for service in ("licensing", "verification"):
                assert wait_for(lambda s=service: ready(ports[s]), timeout=60), service
            licensing = Client(ports["licensing"], token)
            verification = Client(ports["verification"])
            made = licensed_recruiters(licensing, arguments.recruiters)
            issued = time.perf_counter()
            wait_green(verification, [recruiter_id for recruiter_id, _ in made])
            green_after = time.perf_counter() - issued

            paths = [f"/v1/recruiters/{made[n % len(made)][0]}" for n in range(arguments.requests)]
            real = load(ports["verification"], paths, arguments.clients)

            status, body = verification.call("GET", paths[0])
            assert status == 200, body
            body_file = Path(data) / "verification-answer.json"
            body_file.write_bytes(body)
            processes.append(
                subprocess.Popen(
                    bare_command(ports["bare"]),
                    cwd=ROOT,
                    env={**env, BODY_FILE: str(body_file)},
                )
            )
            assert wait_for(lambda: ready(ports["bare"], paths[0]), timeout=60), "bare Flask"
            assert Client(ports["bare"]).call("GET", paths[0]) == (200, body)
            bare = load(ports["bare"], paths, arguments.clients)

            lags = sorted(suspension_lags(licensing, verification, made))
        finally:
            stop(processes)
    where = f"stack ({servers.origin})" if servers else "embedded (SQLite files)"
    print(f"backend {where}; gunicorn as `serve` runs it: {serve_settings()}")
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
