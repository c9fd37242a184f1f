"""Running services as separate processes for end-to-end tests, and talking to them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

from shared.config import SITE
from shared.consumer import wait_for
from tests.servers import ROOT, free_port


def environment(settings) -> dict[str, str]:
    """The environment a service process needs to run on ``settings``."""
    return {
        **os.environ,
        "REGISTRY_BACKEND": settings.backend,
        "MONGODB_URI": settings.mongodb_uri,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "REGISTRY_TOPIC_PREFIX": settings.topic_prefix,
        "REGISTRY_DATABASE_PREFIX": settings.database_prefix,
        "REGISTRY_DATA_DIR": str(settings.data_dir),
    }


class Running:
    """Each named service's gunicorn and worker, on free ports, with one settings."""

    def __init__(self, settings, services: list[str], logs=None, **variables: str):
        """``logs``: a folder to write each process's output to, to be read by the test;
        ``variables``: more environment for every process."""
        self.ports = {service: free_port() for service in services}
        self.logs = logs
        env = {
            **environment(settings),
            "REGISTRY_HTTP_WORKERS": "1",
            "REGISTRY_POLICY_INTERVAL_SECONDS": "2",
            "REGISTRY_EXPIRY_INTERVAL_SECONDS": "2",
        }
        env |= {f"REGISTRY_{s.upper()}_PORT": str(p) for s, p in self.ports.items()}
        env |= variables
        self.processes = []
        for service in services:
            # The site has no worker: it only calls the others' APIs.
            for command in ("serve",) if service == SITE else ("serve", "worker"):
                output = open(logs / f"{service}-{command}.log", "wb") if logs else None  # noqa: SIM115
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "registry_cli", command, service],
                        cwd=ROOT,
                        env=env,
                        stdout=output,
                        stderr=subprocess.STDOUT if output else None,
                    )
                )
        try:
            for service in services:
                assert wait_for(lambda s=service: ready(self.url(s)), timeout=60), service
        except BaseException:
            # The caller never gets an object to stop: stop what was started here.
            self.stop()
            raise

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def complaints(self, last: int = 30) -> str:
        """The processes' last warnings and errors, for a failing test to show."""
        if self.logs is None:
            return "(no logs kept)"
        lines = [
            f"{log.name}: {line}"
            for log in sorted(self.logs.glob("*.log"))
            for line in log.read_text(errors="replace").splitlines()
            if '"level": "warning"' in line or '"level": "error"' in line or "Error" in line
        ]
        return "\n".join(lines[-last:]) or "(no warnings)"

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)


def call(
    base: str, path: str, token: str | None = None, body: dict | None = None
) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers=headers,
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def replayed(settings, service: str, *options: str) -> subprocess.CompletedProcess:
    """``./registry replay SERVICE`` run as an operator would, against ``settings``; the
    test reads its output and its exit code."""
    return subprocess.run(
        [sys.executable, "-m", "registry_cli", "replay", service, *options],
        cwd=ROOT,
        env=environment(settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
