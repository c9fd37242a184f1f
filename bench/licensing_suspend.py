"""Requests per second of ``POST /v1/licences/{id}/suspend``, printed, never asserted.

    .venv/bin/python -m bench.licensing_suspend [--licences N] [--clients C] [--backend stack]

Starts the licensing service as ``./registry serve`` does (gunicorn, 2 workers, 4 threads
each) on the chosen backend (servers from the environment, else the local stack on free
ports), creates N active licences through the API, then suspends each once from C client
threads on kept-alive connections.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench.clients import Client, licensed_recruiters, ready, report_load
from shared.auth.tokens import mint_dev_token
from shared.config import Settings
from shared.consumer import wait_for
from tests.servers import ROOT, free_port, real_servers


def licences(client: Client, count: int) -> list[str]:
    return [licence for _, licence in licensed_recruiters(client, count)]


def suspend_all(port: int, token: str, ids: list[str], clients: int) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    chunks = [ids[n::clients] for n in range(clients)]

    def work(chunk: list[str]) -> None:
        client = Client(port, token)
        for licence_id in chunk:
            started = time.perf_counter()
            status, body = client.post(
                f"/v1/licences/{licence_id}/suspend", {"reason": "benchmark"}
            )
            elapsed = time.perf_counter() - started
            assert status == 200, body
            with lock:
                latencies.append(elapsed)

    threads = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--licences", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--backend", choices=("stack", "embedded"), default="stack")
    arguments = parser.parse_args()
    stack = arguments.backend == "stack"
    with (
        real_servers() if stack else contextlib.nullcontext() as servers,
        tempfile.TemporaryDirectory() as data,
    ):
        run = uuid.uuid4().hex[:8]
        port = free_port()
        env = {
            **os.environ,
            "REGISTRY_BACKEND": arguments.backend,
            "REGISTRY_DATA_DIR": data,
            **(
                {
                    "MONGODB_URI": servers.mongodb_uri,
                    "KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap,
                }
                if servers
                else {}
            ),
            "REGISTRY_TOPIC_PREFIX": f"bench{run}-",
            "REGISTRY_DATABASE_PREFIX": f"bench{run}",
            "REGISTRY_LICENSING_PORT": str(port),
            "REGISTRY_LOG_LEVEL": "WARNING",
        }
        token = mint_dev_token(Settings(data_dir=Path(data)), "ministry_officer", country="KE")
        server = subprocess.Popen(
            [sys.executable, "-m", "registry_cli", "serve", "licensing"], cwd=ROOT, env=env
        )
        try:
            assert wait_for(lambda: ready(port), timeout=60), "licensing did not start"
            ids = licences(Client(port, token), arguments.licences)
            started = time.perf_counter()
            latencies = suspend_all(port, token, ids, arguments.clients)
            elapsed = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
    where = f"stack ({servers.origin})" if servers else "embedded (SQLite files)"
    print(f"{where}; {len(ids)} suspends, {arguments.clients} clients")
    report_load("POST /v1/licences/{id}/suspend", elapsed, latencies)


if __name__ == "__main__":
    main()
