"""``./registry up`` serves /healthz, /readyz and /metrics for the four services, and
Ctrl-C stops everything it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from shared.config import SERVICES
from shared.consumer import wait_for
from tests.servers import ROOT, free_port


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.mark.parametrize("backend_name", ["embedded", "stack"])
def test_up_answers_readiness_on_every_service_and_stops_on_ctrl_c(request, backend_name):
    settings = request.getfixturevalue(f"{backend_name}_settings")
    ports = {service: free_port() for service in SERVICES}
    env = {
        **os.environ,
        "REGISTRY_BACKEND": backend_name,
        "REGISTRY_DATA_DIR": str(settings.data_dir),
        "MONGODB_URI": settings.mongodb_uri,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "REGISTRY_TOPIC_PREFIX": settings.topic_prefix,
        "REGISTRY_DATABASE_PREFIX": settings.database_prefix,
        "REGISTRY_HTTP_WORKERS": "1",
        **{f"REGISTRY_{service.upper()}_PORT": str(port) for service, port in ports.items()},
    }
    up = subprocess.Popen(
        [sys.executable, "-m", "registry_cli", "up"], cwd=ROOT, env=env, start_new_session=True
    )
    try:
        for port in ports.values():
            base = f"http://127.0.0.1:{port}"
            assert wait_for(lambda base=base: answers(f"{base}/readyz"), timeout=120), base
            assert answers(f"{base}/healthz") and answers(f"{base}/metrics")
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=30) == 0
        assert not any(answers(f"http://127.0.0.1:{port}/healthz") for port in ports.values())
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
