"""SPEC §6 and §7 through a real Flask app on in-memory ports."""

import base64
import io
import json
import time
from pathlib import Path
from types import SimpleNamespace

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from shared.auth.keys import load_or_create_private_key
from shared.auth.tokens import dev_key_path, mint_dev_token
from shared.commands import StreamWriter
from shared.config import Settings
from shared.consistency import Written
from shared.errors import Unavailable
from shared.http.app import create_service_app
from shared.http.ratelimit import HELD_SHARE, RateLimiter, rate_limited
from tests.fakes import InMemoryEventStore, InMemoryRateWindows
from tests.fixtures.notices import blueprint, schemas


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, public_rate_per_minute=2)


@pytest.fixture
def store():
    return InMemoryEventStore(schemas())


@pytest.fixture
def client(settings, store):
    def down():
        raise Unavailable("bus down")

    routes = blueprint()

    @routes.get("/v1/public/ping")
    @rate_limited
    def ping():
        return {"pong": True}

    writer = StreamWriter(store, "testing")
    mint_dev_token(settings, "scheme_owner")  # creates the development key
    app = create_service_app(
        "testing",
        settings,
        {"store": store.ping, "bus": down},
        [routes],
        SimpleNamespace(writer=writer),
        rate_windows=InMemoryRateWindows(),
    )
    return app.test_client()


def auth(settings, **claims):
    role = claims.pop("role", "ministry_officer")
    claims.setdefault("country", "KE")
    return {"Authorization": f"Bearer {mint_dev_token(settings, role, **claims)}"}


def post(client, headers, body, **kwargs):
    return client.post(
        "/v1/notices",
        data=json.dumps(body),
        headers=headers,
        content_type=kwargs.pop("content_type", "application/json"),
        **kwargs,
    )


NOTICE = {"notice_id": "n1", "title": "Hiring", "country": "KE"}


def test_a_valid_command_answers_201_with_etag(client, settings, store):
    response = post(client, auth(settings), NOTICE)
    assert response.status_code == 201
    assert response.headers["ETag"] == '"1"'
    assert response.json["status"] == "posted"
    assert len(store.commits) == 1


def test_every_write_names_what_it_produced_in_a_registry_token(client, settings, store):
    posted = post(client, auth(settings), NOTICE)
    written = Written.from_token(posted.headers["Registry-Token"])
    assert written == Written("testing", NOTICE["notice_id"], 1, None)
    refused = post(client, auth(settings), NOTICE)
    assert refused.status_code == 409 and "Registry-Token" not in refused.headers


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        (json.dumps(NOTICE), "text/plain", 415),
        (json.dumps({**NOTICE, "extra": 1}), "application/json", 422),
        (json.dumps({"title": "x", "country": "KE"}), "application/json", 422),
        (json.dumps({**NOTICE, "country": "Kenya"}), "application/json", 422),
        (json.dumps([NOTICE]), "application/json", 422),
        ("x" * (1024 * 1024 + 1), "application/json", 413),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400),
        ('{"notice_id": "n1", "title": "\\ud800", "country": "KE"}', "application/json", 422),
        (b"\xff\xfe{}", "application/json", 400),
        ('{"notice_id": ' + "9" * 4301 + "}", "application/json", 400),
    ],
)
def test_bad_input_is_a_problem_and_leaves_no_trace(
    client, settings, store, body, content_type, status
):
    response = client.post(
        "/v1/notices", data=body, content_type=content_type, headers=auth(settings)
    )
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert problem["status"] == status
    if status == 422 and "extra" in body:
        assert "extra" in problem["errors"]
    assert store.commits == []


def test_a_chunked_body_over_1_mib_is_refused_not_cut(client, settings, store):
    """A chunked body has no Content-Length; its first MiB alone is a valid command."""
    body = json.dumps(NOTICE).encode() + b" " * (1024 * 1024) + b"garbage"
    response = client.post(
        "/v1/notices",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={**auth(settings), "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert store.commits == []


def test_a_chunked_body_under_1_mib_is_taken(client, settings, store):
    response = client.post(
        "/v1/notices",
        input_stream=io.BytesIO(json.dumps(NOTICE).encode()),
        content_type="application/json",
        headers={**auth(settings), "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 201
    assert len(store.commits) == 1


def test_wrong_country_is_403_and_records_nothing(client, settings, store):
    response = post(client, auth(settings, country="PH"), NOTICE)
    assert response.status_code == 403
    assert store.commits == []


def test_wrong_role_is_403(client, settings, store):
    response = post(client, auth(settings, role="monitor", country=None, org_id="o1"), NOTICE)
    assert response.status_code == 403
    assert store.commits == []


def forge(settings, header, claims, key):
    return jwt.encode(claims, key, algorithm="ES256", headers=header)


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def good_claims(settings, **changes):
    now = int(time.time())
    claims = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": "officer-1",
        "iat": now,
        "exp": now + 600,
        "role": "ministry_officer",
        "country": "KE",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def attack_tokens(settings):
    key = load_or_create_private_key(dev_key_path(settings))
    public_pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    valid = forge(settings, {}, good_claims(settings), key)
    header, payload, signature = valid.split(".")
    tampered_payload = b64(good_claims(settings, country="PH"))
    return {
        "alg none": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "hmac with the public key": _hmac_token(public_pem, good_claims(settings)),
        "expired": forge(settings, {}, good_claims(settings, exp=int(time.time()) - 10), key),
        "wrong audience": forge(settings, {}, good_claims(settings, aud="someone-else"), key),
        "wrong issuer": forge(settings, {}, good_claims(settings, iss="evil"), key),
        "missing country": forge(settings, {}, good_claims(settings, country=None), key),
        "missing exp": forge(settings, {}, good_claims(settings, exp=None), key),
        "unknown role": forge(settings, {}, good_claims(settings, role="admin"), key),
        "tampered payload": f"{header}.{tampered_payload}.{signature}",
        "other key": forge(
            settings, {}, good_claims(settings), ec.generate_private_key(ec.SECP256R1())
        ),
        "garbage": "not-a-token",
    }


def _hmac_token(secret: bytes, claims: dict) -> str:
    import hashlib
    import hmac

    signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(claims)}"
    digest = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def test_the_jwt_attack_set_is_refused_with_401(client, settings, store):
    for name, token in attack_tokens(settings).items():
        response = post(client, {"Authorization": f"Bearer {token}"}, NOTICE)
        assert response.status_code == 401, name
        assert response.mimetype == "application/problem+json", name
    assert post(client, {}, NOTICE).status_code == 401
    assert post(client, {"Authorization": "Basic abc"}, NOTICE).status_code == 401
    assert store.commits == []
    key = load_or_create_private_key(dev_key_path(settings))
    genuine = forge(settings, {}, good_claims(settings), key)
    assert post(client, {"Authorization": f"Bearer {genuine}"}, NOTICE).status_code == 201


def test_idempotency_key_replays_the_outcome_without_a_second_event(client, settings, store):
    headers = {**auth(settings), "Idempotency-Key": "abc-123"}
    first = post(client, headers, NOTICE)
    again = post(client, headers, NOTICE)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(store.commits) == 1
    reused = post(client, headers, {**NOTICE, "title": "Other"})
    assert reused.status_code == 422
    assert len(store.commits) == 1


def test_if_match_stale_is_412_and_current_succeeds(client, settings, store):
    post(client, auth(settings), NOTICE)
    amend = lambda etag: client.post(  # noqa: E731
        "/v1/notices/n1/amend", json={"title": "New"}, headers={**auth(settings), "If-Match": etag}
    )
    assert amend('"5"').status_code == 412
    assert amend('W/"1"').status_code == 400
    response = amend('"1"')
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    assert len(store.commits) == 2


def test_forbidden_transition_is_409_naming_the_state(client, settings, store):
    from datetime import UTC, datetime

    from shared.events.envelope import Change, Provenance, wrap

    post(client, auth(settings), NOTICE)
    withdrawn = wrap(
        "testing",
        "n1",
        2,
        [Change("notice_withdrawn", {"reason": "filled"})],
        Provenance("public"),
        datetime.now(UTC),
        "n1",
    )
    store.append("n1", 1, withdrawn)
    response = client.post("/v1/notices/n1/amend", json={"title": "x"}, headers=auth(settings))
    assert response.status_code == 409
    assert response.json["current_state"] == "withdrawn"
    assert "withdrawn" in response.json["detail"]


def test_unknown_resource_and_method_are_problems(client, settings):
    assert (
        client.post(
            "/v1/notices/none/amend", json={"title": "x"}, headers=auth(settings)
        ).status_code
        == 404
    )
    response = client.get("/v1/notices")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"


def test_rate_limit_answers_429_with_retry_after(client):
    # Twice the limit and one: one minute or the next, some request is over its limit.
    statuses = [client.get("/v1/public/ping").status_code for _ in range(5)]
    assert statuses[0] == 200
    assert 429 in statuses
    limited = next(
        r for r in (client.get("/v1/public/ping") for _ in range(3)) if r.status_code == 429
    )
    assert int(limited.headers["Retry-After"]) >= 1


def test_rate_limiter_counts_each_client_per_minute_and_forgets_old_minutes():
    now = [120.0]
    windows = InMemoryRateWindows()
    limiter = RateLimiter(10, windows, clock=lambda: now[0])
    assert all(limiter.wait_needed("a") == 0 for _ in range(10))
    now[0] = 150.0
    assert limiter.wait_needed("a") == 30.0
    assert limiter.wait_needed("b") == 0
    now[0] = 180.0
    assert limiter.wait_needed("a") == 0
    now[0] = 301.0
    limiter.wait_needed("c")
    assert set(windows.counts) == {("c", 5)}


class CountedWindows(InMemoryRateWindows):
    def __init__(self):
        super().__init__()
        self.adds = 0

    def add(self, client: str, window: int, cost: int, expires_at: float) -> int:
        self.adds += 1
        return super().add(client, window, cost, expires_at)


def test_rate_limiter_tells_the_store_once_a_second_until_a_client_nears_its_limit():
    now = [120.0]
    windows = CountedWindows()
    limiter = RateLimiter(1000, windows, clock=lambda: now[0])
    assert all(limiter.wait_needed("a") == 0 for _ in range(100))
    assert windows.adds == 1 and windows.counts[("a", 2)][0] == 1
    now[0] = 121.0
    assert limiter.wait_needed("a") == 0
    assert windows.adds == 2 and windows.counts[("a", 2)][0] == 101
    passed = 101 + sum(limiter.wait_needed("a") == 0 for _ in range(1000))
    assert passed == 1000 and windows.counts[("a", 2)][0] == 1000
    told = windows.adds
    assert all(limiter.wait_needed("a") == 59.0 for _ in range(50))
    assert windows.adds == told, "a refused client is told once a second, not each time"
    now[0] = 122.0
    assert limiter.wait_needed("a") == 58.0
    asked = 101 + 1000 + 50 + 1  # refused requests count too
    assert windows.adds == told + 1 and windows.counts[("a", 2)][0] == asked


class FailingOnce(CountedWindows):
    def __init__(self, failing: str):
        super().__init__()
        self.failing = failing

    def add(self, client: str, window: int, cost: int, expires_at: float) -> int:
        if self.failing == "add":
            self.failing = ""
            raise Unavailable("store down")
        return super().add(client, window, cost, expires_at)

    def forget_before(self, now: float) -> None:
        if self.failing == "forget":
            self.failing = ""
            raise Unavailable("store down")
        super().forget_before(now)


@pytest.mark.parametrize("failing", ["add", "forget"])
def test_requests_counted_while_the_store_failed_are_added_later(failing):
    now = [120.0]
    windows = FailingOnce(failing)
    limiter = RateLimiter(1000, windows, clock=lambda: now[0])
    with pytest.raises(Unavailable):
        limiter.wait_needed("a")
    now[0] = 122.0
    assert limiter.wait_needed("a") == 0
    assert windows.counts[("a", 2)][0] == 2


def test_rate_limit_holds_in_total_across_processes():
    windows = InMemoryRateWindows()
    processes = [RateLimiter(100, windows, clock=lambda: 120.0) for _ in range(2)]
    passed = sum(processes[i % 2].wait_needed("a") == 0 for i in range(300))
    assert 100 <= passed <= 100 + 100 // HELD_SHARE


def test_health_ready_and_metrics(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["Retry-After"] == "5"
    assert ready.json["checks"] == {"store": True, "bus": False}
    metrics = client.get("/metrics").get_data(as_text=True)
    assert (
        'http_requests_total{method="GET",route="/readyz",service="testing",status="503"}'
        in metrics
    )


def test_request_log_names_the_route_not_the_path(client, settings, caplog):
    caplog.set_level("INFO", logger="registry.http")
    client.post("/v1/notices/secret-code-987/amend", json={"title": "x"}, headers=auth(settings))
    lines = [r for r in caplog.records if r.name == "registry.http"]
    assert lines and lines[-1].route == "/v1/notices/<notice_id>/amend"
    assert all("secret-code-987" not in str(vars(r)) for r in lines)


def test_openapi_is_generated_from_routes_and_schemas(client):
    document = client.get("/openapi.json").json
    post = document["paths"]["/v1/notices"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/PostNotice"}
    assert set(document["components"]["schemas"]["PostNotice"]["required"]) == {
        "notice_id",
        "title",
        "country",
    }
    assert post["security"] == [{"bearer": []}]
    assert {"201", "401", "403", "415", "422"} <= set(post["responses"])
    assert "/v1/notices/{notice_id}/amend" not in document["paths"], "undocumented routes stay out"


def test_settings_read_the_intake_and_receipt_variables():
    settings = Settings.from_env(
        {
            "REGISTRY_PUBLIC_INTAKE_ORG": "desk",
            "REGISTRY_RECEIPT_KEYS_DIR": "/run/secrets/receipts",
            "REGISTRY_RECEIPT_ISSUER": "registry.example",
            "REGISTRY_RECEIPT_TTL_SECONDS": "3600",
        }
    )
    assert settings.public_intake_org == "desk"
    assert settings.receipt_keys_dir == Path("/run/secrets/receipts")
    assert (settings.receipt_issuer, settings.receipt_ttl_seconds) == ("registry.example", 3600)
    defaults = Settings.from_env({})
    assert (defaults.public_intake_org, defaults.receipt_keys_dir) == ("public-intake", None)
