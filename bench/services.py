"""The licensing and verification services as ``./registry up`` runs them, for benchmarks.

``serve`` under gunicorn plus each service's ``worker`` (licensing's outbox relay,
verification's projection consumer). On the stack backend the Kafka broker and
MongoDB-compatible server come from the environment (``KAFKA_BOOTSTRAP_SERVERS``,
``MONGODB_URI``), else the local stack is started on free ports as the tests do.

Every request comes from 127.0.0.1 and the public rate limit is per client address, so
the processes run with ``REGISTRY_PUBLIC_RATE_PER_MINUTE`` at 100,000,000.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.clients import Client, ready
from registry_cli.run import gunicorn_command
from shared.config import Settings
from shared.consumer import wait_for
from shared.mongo import client_for
from tests.servers import ROOT, Servers, free_port, real_servers

SERVICES = ("licensing", "verification")
# Its own: the test suite's local stack, started meanwhile, would stop this one.
BENCH_STACK = ROOT / "var" / "bench-stack"
RUN_PREFIX = "bench"  # of each run's databases and topics


@dataclass
class Running:
    backend: str
    env: dict[str, str]
    settings: Settings
    ports: dict[str, int]
    servers: Servers | None
    data: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, command: list[str], **variables: str) -> subprocess.Popen:
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env={**self.env, **variables}, stdout=subprocess.DEVNULL
        )
        return self.processes[name]

    def stop(self, name: str) -> None:
        stop([self.processes.pop(name)])

    def where(self) -> str:
        return f"stack ({self.servers.origin})" if self.servers else "embedded (SQLite files)"

    def server_pids(self) -> dict[str, int]:
        """The broker's and MongoDB-compatible server's PIDs when this run started them."""
        if self.servers is None or self.servers.origin != "local stack":
            return {}
        from shared import stack

        status = stack.status(BENCH_STACK)
        found = {"kafka": status["kafka"]["pid"]}
        found[status["mongodb"]["server"] or "mongodb"] = status["mongodb"]["pid"]
        return {name: pid for name, pid in found.items() if pid}


@contextlib.contextmanager
def services_running(backend: str) -> Iterator[Running]:
    """Both services' ``serve`` and ``worker`` on free ports, on a fresh data set."""
    stack = backend == "stack"
    with (
        real_servers(BENCH_STACK) if stack else contextlib.nullcontext() as servers,
        tempfile.TemporaryDirectory() as data,
    ):
        if servers and servers.origin == "local stack":
            forget_earlier_runs(servers)
        run = uuid.uuid4().hex[:8]
        ports = {service: free_port() for service in SERVICES}
        env = {
            **os.environ,
            "REGISTRY_BACKEND": backend,
            "REGISTRY_DATA_DIR": data,
            "REGISTRY_TOPIC_PREFIX": f"{RUN_PREFIX}{run}-",
            "REGISTRY_DATABASE_PREFIX": f"{RUN_PREFIX}{run}",
            "REGISTRY_LOG_LEVEL": "WARNING",
            "REGISTRY_PUBLIC_RATE_PER_MINUTE": "100000000",
        }
        env |= {f"REGISTRY_{s.upper()}_PORT": str(p) for s, p in ports.items()}
        if servers:
            env["MONGODB_URI"] = servers.mongodb_uri
            env["KAFKA_BOOTSTRAP_SERVERS"] = servers.kafka_bootstrap
        running = Running(backend, env, Settings.from_env(env), ports, servers, Path(data))
        try:
            for service in SERVICES:
                for role in ("serve", "worker"):
                    command = [sys.executable, "-m", "registry_cli", role, service]
                    running.start(f"{service} {role}", command)
            for service in SERVICES:
                assert wait_for(lambda s=service: ready(ports[s]), timeout=90), service
            yield running
        finally:
            stop(list(running.processes.values()))


def forget_earlier_runs(servers: Servers) -> None:
    """Empty servers for each run: the databases and topics earlier runs left in the
    bench's own stack (all named ``bench...``) go first. Left there, they outgrew the
    document server's cache and slowed every run after them."""
    from kafka.admin import KafkaAdminClient

    client = client_for(servers.mongodb_uri)
    for name in client.list_database_names():
        if name.startswith(RUN_PREFIX):
            client.drop_database(name)
    admin = KafkaAdminClient(bootstrap_servers=servers.kafka_bootstrap.split(","))
    try:
        topics = [topic for topic in admin.list_topics() if topic.startswith(RUN_PREFIX)]
        if topics:
            admin.delete_topics(topics)
    finally:
        admin.close()


@contextlib.contextmanager
def bare_flask(running: Running) -> Iterator[int]:
    port = free_port()
    running.start("bare Flask", bare_command(port))
    probe = f"/v1/recruiters/{uuid.uuid4().hex}"
    assert wait_for(lambda: _answers(port, probe), timeout=60), "bare Flask did not start"
    yield port


def _answers(port: int, path: str) -> bool:
    try:
        return Client(port).call("GET", path)[0] == 404
    except OSError:
        return False


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


def resident_mb(pid: int) -> float:
    """Resident memory of one process (VmRSS), 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    """The process and every process under it (gunicorn's workers, say)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found
