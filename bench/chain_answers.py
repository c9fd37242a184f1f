"""What a recruitment chain costs the public verification answer (SPEC §16).

    .venv/bin/python -m bench.chain_answers [--agents 50] [--requests N] [--clients C]
        [--backend embedded|stack] [--quick]

Starts licensing and verification as ``./registry up`` does (``serve`` and ``worker``
each). Registers, through the licensing API, one agency working through ``--agents``
agents, every one of them itself a licensed recruiter (the dearest case: each agent's
own answer is worked out for every answer about the agency), and one agency with no
agents, the reference measured in the same run. Waits until verification answers the
agency green with every agent resolved, then prints, never asserts, requests/s and
p50/p99 latency of ``GET /v1/recruiters/{id}`` for each, from C client threads on
kept-alive connections, and their ratio. ``--quick`` (for CI) sends 200 requests each.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.clients import Client, licensed_recruiters, percentile, ready, report_load
from bench.services import serve_settings, stop
from bench.verification_latency import load
from shared.auth.tokens import mint_dev_token
from shared.config import Settings
from shared.consumer import wait_for
from tests.servers import ROOT, free_port, real_servers

RESOLVED_TIMEOUT = 300.0


def agency_with_agents(licensing: Client, agents: list[tuple[str, str]]) -> str:
    """A licensed agency declaring each licensed recruiter in ``agents`` as a sub-agent."""
    [(agency, _)] = licensed_recruiters(licensing, 1)
    for recruiter_id, licence_id in agents:
        status, shown = licensing.get(f"/v1/licences/{licence_id}")
        assert status == 200, shown
        status, declared = licensing.post(
            f"/v1/recruiters/{agency}/agents",
            {
                "name": f"Sub-agent {recruiter_id[-6:]}",
                "country": "KE",
                "role": "sub_agent",
                "licence_number": shown["licence_number"],
            },
        )
        assert status == 201, declared
    return agency


def wait_resolved(verification: Client, agency: str, count: int) -> float:
    """Seconds until the agency is answered green with ``count`` agents, each green."""
    started, deadline = time.perf_counter(), time.monotonic() + RESOLVED_TIMEOUT
    while True:
        status, body = verification.get(f"/v1/recruiters/{agency}")
        agents = body.get("chain", {}).get("agents", []) if status == 200 else []
        verdicts = [agent.get("verdict") for agent in agents]
        if body.get("verdict") == "green" and verdicts == ["green"] * count:
            return time.perf_counter() - started
        if time.monotonic() > deadline:
            raise SystemExit(f"the agency's chain never resolved: {status} {verdicts}")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--backend", choices=("stack", "embedded"), default="embedded")
    parser.add_argument("--quick", action="store_true", help="200 requests each, for CI")
    arguments = parser.parse_args()
    requests = 200 if arguments.quick else arguments.requests
    stack = arguments.backend == "stack"
    with (
        real_servers() if stack else contextlib.nullcontext() as servers,
        tempfile.TemporaryDirectory() as data,
    ):
        run = uuid.uuid4().hex[:8]
        ports = {"licensing": free_port(), "verification": free_port()}
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
                    command = [sys.executable, "-m", "registry_cli", role, service]
                    processes.append(subprocess.Popen(command, cwd=ROOT, env=env))
            for service in ("licensing", "verification"):
                assert wait_for(lambda s=service: ready(ports[s]), timeout=60), service
            licensing = Client(ports["licensing"], token)
            verification = Client(ports["verification"])
            agents = licensed_recruiters(licensing, arguments.agents)
            agency = agency_with_agents(licensing, agents)
            [(alone, _)] = licensed_recruiters(licensing, 1)
            resolved_after = wait_resolved(verification, agency, arguments.agents)
            assert wait_for(lambda: verification.get(f"/v1/recruiters/{alone}")[0] == 200)
            sizes = {
                name: len(verification.call("GET", f"/v1/recruiters/{rid}")[1])
                for name, rid in (("chain", agency), ("alone", alone))
            }
            results = {}
            # Alternated, so that neither always runs on a warmer machine.
            for name, recruiter_id in (("alone", alone), ("chain", agency)) * 2:
                paths = [f"/v1/recruiters/{recruiter_id}"] * (requests // 2)
                elapsed, latencies = load(ports["verification"], paths, arguments.clients)
                spent, seen = results.get(name, (0.0, []))
                results[name] = (spent + elapsed, seen + latencies)
        finally:
            stop(processes)
    where = f"stack ({servers.origin})" if servers else "embedded (SQLite files)"
    print(f"backend {where}; gunicorn as `serve` runs it: {serve_settings()}")
    print(
        f"an agency with {arguments.agents} agents, each a licensed recruiter, answered with "
        f"every agent resolved {resolved_after:.2f} s after the last declaration; "
        f"answer bodies: {sizes['chain']} bytes with the chain, {sizes['alone']} without"
    )
    report_load(f"GET agency with {arguments.agents} agents", *results["chain"])
    report_load("GET agency with no agents", *results["alone"])
    chain, alone = (sorted(results[name][1]) for name in ("chain", "alone"))
    print(
        f"ratio with/without: p50 {statistics.median(chain) / statistics.median(alone):.2f}x, "
        f"p99 {percentile(chain, 0.99) / percentile(alone, 0.99):.2f}x "
        f"({len(chain)} requests each, {arguments.clients} clients)"
    )


if __name__ == "__main__":
    main()
