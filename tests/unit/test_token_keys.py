"""Production token keys: a PEM file of each asymmetric kind, or a JWKS URL (SPEC §6)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from shared.auth.keys import public_jwk
from shared.auth.tokens import TokenVerifier, mint_dev_token
from shared.config import Settings
from shared.errors import Unauthorized, Unavailable

KEYS = {
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "EdDSA": ed25519.Ed25519PrivateKey.generate,
    "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
}


def claims(settings, **changes):
    now = int(time.time())
    base = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": "s",
        "iat": now,
        "exp": now + 60,
        "role": "scheme_owner",
    }
    return {**base, **changes}


@pytest.mark.parametrize("algorithm", sorted(KEYS))
def test_a_pem_public_key_verifies_its_own_algorithm_only(tmp_path, algorithm):
    key = KEYS[algorithm]()
    path = tmp_path / "issuer.pem"
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    settings = Settings(data_dir=tmp_path, token_public_key_file=path)
    verifier = TokenVerifier(settings)
    token = jwt.encode(claims(settings), key, algorithm=algorithm)
    assert verifier.verify(token).role == "scheme_owner"
    other = next(a for a in KEYS if a != algorithm)
    with pytest.raises(Unauthorized):
        verifier.verify(jwt.encode(claims(settings), KEYS[other](), algorithm=other))


def test_a_jwks_url_verifies_by_kid(tmp_path):
    key = KEYS["ES256"]()
    jwks = json.dumps({"keys": [public_jwk(key)]}).encode()

    class Handler(BaseHTTPRequestHandler):
        fetches = 0

        def do_GET(self):
            Handler.fetches += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
        settings = Settings(data_dir=tmp_path, jwks_url=url)
        verifier = TokenVerifier(settings)
        kid = public_jwk(key)["kid"]
        token = jwt.encode(claims(settings), key, algorithm="ES256", headers={"kid": kid})
        assert verifier.verify(token).subject == "s"
        stranger = jwt.encode(
            claims(settings), KEYS["ES256"](), algorithm="ES256", headers={"kid": "unknown"}
        )
        with pytest.raises(Unauthorized):
            verifier.verify(stranger)
        fetched = Handler.fetches
        for _ in range(5):
            with pytest.raises(Unauthorized):
                verifier.verify(stranger)
        assert Handler.fetches == fetched, "an unknown kid must not trigger a fetch each time"
        for token in attack_tokens(settings, key, kid).values():
            with pytest.raises(Unauthorized):
                verifier.verify(token)
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(Unavailable):
        TokenVerifier(settings).verify(token)


def test_dev_tokens_need_their_role_claims(tmp_path):
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(ValueError, match="country"):
        mint_dev_token(settings, "ministry_officer")
    with pytest.raises(ValueError, match="cb_id"):
        mint_dev_token(settings, "certification_body")
    token = mint_dev_token(settings, "monitor", org_id="org-1", ttl=30)
    principal = TokenVerifier(settings).verify(token)
    assert (principal.role, principal.org_id, principal.actor) == (
        "monitor",
        "org-1",
        "monitor/org-1",
    )


def attack_tokens(settings, key, kid):
    """The JWT attack set against a JWKS-configured verifier."""
    import base64
    import hashlib
    import hmac

    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    valid = jwt.encode(claims(settings), key, algorithm="ES256", headers={"kid": kid})
    header, _, signature = valid.split(".")
    signing_input = f"{b64({'alg': 'HS256', 'kid': kid})}.{b64(claims(settings))}"
    mac = hmac.new(json.dumps(public_jwk(key)).encode(), signing_input.encode(), hashlib.sha256)
    return {
        "none": f"{b64({'alg': 'none', 'kid': kid})}.{b64(claims(settings))}.",
        "hmac": f"{signing_input}.{base64.urlsafe_b64encode(mac.digest()).rstrip(b'=').decode()}",
        "expired": jwt.encode(
            claims(settings, exp=int(time.time()) - 5), key, "ES256", {"kid": kid}
        ),
        "audience": jwt.encode(claims(settings, aud="other"), key, "ES256", {"kid": kid}),
        "issuer": jwt.encode(claims(settings, iss="other"), key, "ES256", {"kid": kid}),
        "role": jwt.encode(claims(settings, role="ministry_officer"), key, "ES256", {"kid": kid}),
        "tampered": f"{header}.{b64(claims(settings, sub='someone-else'))}.{signature}",
    }
