"""Schemathesis against the four services as ``./registry up`` runs them (gunicorn, embedded
backend), with a token of each role: every check it has, no failure; and the refusals
gunicorn itself makes answered as problems like the rest (SPEC §7)."""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from shared.auth.tokens import mint_dev_token
from shared.config import SERVICES, Settings
from tests.e2e.services import Running
from tests.servers import ROOT

CONFIG = Path(__file__).with_name("schemathesis.toml")
# Cases each run must generate at least: 200 in `./registry test`, more in `./registry chaos`
# (REGISTRY_FUZZ_CASES=2000); examples per operation grow with it.
AT_LEAST = int(os.environ.get("REGISTRY_FUZZ_CASES", "200"))
EXAMPLES_PER_OPERATION = max(8, 8 * AT_LEAST // 200)


def examples_per_operation(service: str) -> int:
    """Enough for the service to reach ``AT_LEAST``: a service of few operations, or of
    inputs with few distinct values, needs more of each (the bounded run reaches 200
    with 8)."""
    if AT_LEAST <= 200:
        return EXAMPLES_PER_OPERATION
    document = json.loads((ROOT / "contracts" / "openapi" / f"{service}.json").read_text())
    operations = sum(1 for path in document["paths"].values() for method in path
                     if method in {"get", "post", "put", "patch", "delete"})  # fmt: skip
    return max(EXAMPLES_PER_OPERATION, -(-AT_LEAST // operations))


RESULTS = ROOT / "var" / "faults" / "fuzz"
SEED = "2026"
ROLES = [
    ("verification", None, {}),
    ("verification", "consular_officer", {"country": "KE"}),
    ("licensing", "ministry_officer", {"country": "KE"}),
    ("certification", "scheme_owner", {}),
    ("certification", "certification_body", {"cb_id": "cb-fuzz"}),
    ("monitoring", "monitor", {"org_id": "org-fuzz"}),
    ("monitoring", None, {}),
    ("watch", "employer", {"org": "org-fuzz"}),
]


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    return Settings(backend="embedded", data_dir=tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def running(settings, tmp_path_factory):
    logs = tmp_path_factory.mktemp("logs")
    # The public rate limit would answer most generated requests with 429, testing nothing.
    # A token naming a write never made is waited for: briefly, so the run stays short.
    system = Running(
        settings,
        list(SERVICES),
        logs,
        REGISTRY_PUBLIC_RATE_PER_MINUTE="1000000",
        REGISTRY_CONSISTENCY_WAIT_S="0.2",
    )
    yield system
    system.stop()


@pytest.mark.parametrize(("service", "role", "claims"), ROLES)
def test_every_check_passes_on_generated_requests(running, settings, service, role, claims):
    headers = []
    if role:
        headers = ["-H", f"Authorization: Bearer {mint_dev_token(settings, role, **claims)}"]
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        f"{running.url(service)}/openapi.json",
        *headers,
        "--checks",
        "all",
        "--max-examples",
        str(examples_per_operation(service)),
        "--no-color",
        "--generation-database",
        "none",
        # One seed, so that a red run here is reproducible; `--seed` off explores further.
        "--seed",
        SEED,
    ]
    timeout = 900 * max(1, AT_LEAST // 200)
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    output = result.stdout + result.stderr
    generated = re.search(r"(\d+) generated", output)
    failures = output[output.find("FAILURES") : output.find("WARNINGS")]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{service}-{role or 'public'}.json").write_text(
        json.dumps(
            {
                "service": service,
                "role": role or "public",
                "generated": int(generated.group(1)) if generated else 0,
                "exit": result.returncode,
                "failures": len(re.findall(r"^_{3,} ", failures, re.MULTILINE)),
            }
        )
    )
    assert result.returncode == 0, failures[:8000] or output[-3000:]
    assert generated and int(generated.group(1)) >= AT_LEAST, output[-3000:]


def request(running, method: str, target: str, body: bytes = b"", headers=None):
    """A raw HTTP/1.1 exchange: the server may answer and close before the body is sent."""
    host, port = running.url("verification").removeprefix("http://").split(":")
    headers = dict(headers or {})
    if headers.get("Transfer-Encoding") == "chunked":
        step = 65536
        chunks = (body[i : i + step] for i in range(0, len(body), step))
        payload = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks)
        payload += b"0\r\n\r\n"
    else:
        headers["Content-Length"] = str(len(body))
        payload = body
    head = f"{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        # Refused early, the server closes while we send: its answer is already on its way.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(head.encode() + payload)
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := connection.recv(65536):
                answer += chunk
    response = http.client.HTTPResponse(_Replay(answer))
    response.begin()
    return response.status, response.getheader("Content-Type"), response.read()


class _Replay:
    """Bytes already received, read back by http.client's response parser."""

    def __init__(self, data: bytes):
        self.data = data

    def makefile(self, *_args, **_kwargs):
        return io.BytesIO(self.data)


def test_a_request_line_over_the_limit_is_a_problem(running):
    status, content_type, body = request(running, "GET", "/v1/recruiters/" + "a" * 5000)
    assert (status, content_type) == (414, "application/problem+json")
    assert json.loads(body)["status"] == 414


def test_a_chunked_body_over_1_mib_is_refused(running):
    body = json.dumps({"items": [{"recruiter_id": "rec-1"}]}).encode() + b" " * (1536 * 1024)
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    status, content_type, _ = request(running, "POST", "/v1/verifications", body, headers)
    assert (status, content_type) == (413, "application/problem+json")


def test_a_number_too_long_for_python_is_malformed_json(running):
    body = ('{"items": ' + "9" * 4301 + "}").encode()
    headers = {"Content-Type": "application/json"}
    status, content_type, answer = request(running, "POST", "/v1/verifications", body, headers)
    assert (status, content_type) == (400, "application/problem+json")
    assert "too long" in json.loads(answer)["detail"]
