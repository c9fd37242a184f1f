"""Writes through Flask on both real backends: Idempotency-Key, If-Match, racing writers,
a store that is down, and ``./registry token`` (SPEC §5, §6, §7, §10)."""

import os
import subprocess
import sys
import threading
from dataclasses import replace

import pytest

from shared.auth.tokens import TokenVerifier, mint_dev_token
from shared.service import ServiceDefinition
from tests.fixtures.notices import SERVICE, blueprint, schemas
from tests.servers import ROOT

TESTING = ServiceDefinition(
    SERVICE, produces=True, blueprints=lambda parts: [blueprint()], schemas=schemas
)
NOTICE = {"notice_id": "n1", "title": "Hiring", "country": "KE"}


@pytest.fixture(params=["embedded", "stack"])
def settings(request):
    return request.getfixturevalue(f"{request.param}_settings")


@pytest.fixture
def app(settings):
    app = TESTING.create_app(settings)
    app.config["PARTS"] = app.extensions["registry"].parts
    return app


def headers(settings, **extra):
    token = mint_dev_token(settings, "ministry_officer", country="KE")
    return {"Authorization": f"Bearer {token}", **extra}


def events(app):
    return app.config["PARTS"].events.load("n1")


def test_a_retried_request_is_answered_from_the_store(app, settings):
    client, retry = app.test_client(), headers(settings, **{"Idempotency-Key": "r1"})
    first = client.post("/v1/notices", json=NOTICE, headers=retry)
    again = client.post("/v1/notices", json=NOTICE, headers=retry)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["ETag"] == first.headers["ETag"] == '"1"'
    assert len(events(app)) == 1
    other_caller = headers(settings, **{"Idempotency-Key": "r1"})
    assert client.post("/v1/notices", json=NOTICE, headers=other_caller).status_code == 409


def test_racing_amendments_with_the_same_if_match_one_wins(app, settings):
    client = app.test_client()
    client.post("/v1/notices", json=NOTICE, headers=headers(settings))
    barrier, statuses = threading.Barrier(6), []

    def amend(n):
        barrier.wait()
        response = app.test_client().post(
            "/v1/notices/n1/amend",
            json={"title": f"t{n}"},
            headers=headers(settings, **{"If-Match": '"1"'}),
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=amend, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [412] * 5
    assert [e["streamversion"] for e in events(app)] == [1, 2]


def test_a_store_that_is_down_is_503_with_retry_after(settings):
    if settings.backend == "stack":
        down = replace(settings, mongodb_uri="mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=1000")
    else:
        down = settings
        (settings.service_dir(SERVICE) / "events.sqlite3").mkdir(parents=True)
    app = TESTING.create_app(down)
    client = app.test_client()
    response = client.post("/v1/notices", json=NOTICE, headers=headers(settings))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.mimetype == "application/problem+json"
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["events"] is False


def test_registry_token_prints_only_a_token_the_system_accepts(settings):
    env = {**os.environ, "REGISTRY_DATA_DIR": str(settings.data_dir)}
    command = [
        sys.executable,
        "-m",
        "registry_cli",
        "token",
        "--role",
        "ministry_officer",
        "--country",
        "KE",
        "--sub",
        "officer-7",
        "--ttl",
        "120",
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    principal = TokenVerifier(settings).verify(lines[0])
    assert (principal.role, principal.country, principal.subject) == (
        "ministry_officer",
        "KE",
        "officer-7",
    )
    refused = subprocess.run(command[:6], cwd=ROOT, env=env, capture_output=True, text=True)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "country" in refused.stderr
