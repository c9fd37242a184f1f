"""Token verification and development tokens (SPEC §6).

Only asymmetric algorithms, and only the one that matches the verifying key, are
accepted: ``none`` and HMAC tokens fail whatever their header says.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from shared.auth.keys import (
    algorithm_for,
    load_or_create_private_key,
    load_public_key,
    public_jwk,
)
from shared.config import Settings
from shared.errors import Unauthorized, Unavailable

COUNTRY = re.compile(r"^[A-Z]{2}$")
ORGANISATION = re.compile(r"^[A-Za-z0-9_:-]{1,64}$")
ROLE_CLAIMS = {
    "ministry_officer": ("country", COUNTRY),
    "consular_officer": ("country", COUNTRY),
    "certification_body": ("cb_id", ORGANISATION),
    "monitor": ("org_id", ORGANISATION),
    # An employer watching recruiters (SPEC §15): what it watches belongs to its organisation.
    "employer": ("org", ORGANISATION),
    "scheme_owner": None,
}
ASYMMETRIC = ("ES256", "EdDSA", "RS256")


@dataclass(frozen=True)
class Principal:
    role: str
    subject: str
    country: str | None = None
    cb_id: str | None = None
    org_id: str | None = None
    org: str | None = None

    @property
    def organisation(self) -> str | None:
        return self.country or self.cb_id or self.org_id or self.org

    @property
    def actor(self) -> str:
        """How events name who acted: role and organisation, never the person."""
        return f"{self.role}/{self.organisation}" if self.organisation else self.role


class TokenVerifier:
    def __init__(self, settings: Settings):
        self._issuer = settings.token_issuer
        self._audience = settings.token_audience
        self._jwks = JwksKeys(settings.jwks_url) if settings.jwks_url else None
        if self._jwks is None:
            path = settings.token_public_key_file or dev_key_path(settings)
            self._key = load_public_key(path) if path.exists() else None
            self._key_path = path

    def verify(self, token: str) -> Principal:
        try:
            key, algorithm = self._key_for(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthorized(f"token rejected: {error}") from error
        return principal_from(claims)

    def _key_for(self, token: str) -> tuple[Any, str]:
        if self._jwks is not None:
            signing = self._jwks.signing_key(token)
            algorithm = signing.algorithm_name
            if algorithm not in ASYMMETRIC:
                raise jwt.InvalidAlgorithmError("the JWKS offers no asymmetric key for it")
            return signing.key, algorithm
        if self._key is None:
            if not self._key_path.exists():
                raise jwt.InvalidKeyError("no verification key is configured")
            self._key = load_public_key(self._key_path)
        return self._key, algorithm_for(self._key)


class JwksKeys:
    """Keys from a JWKS URL, cached; a kid it lacks is not asked for again for a minute,
    so tokens with made-up kids cannot make us hammer the issuer."""

    MISS_SECONDS = 60.0

    def __init__(self, url: str):
        self._client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=300, timeout=5)
        self._misses: dict[str, float] = {}

    def signing_key(self, token: str) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str):
            raise jwt.InvalidTokenError("a token checked against a JWKS needs a kid")
        missed = self._misses.get(kid)
        if missed is not None and time.monotonic() - missed < self.MISS_SECONDS:
            raise jwt.InvalidKeyError("no key with that kid")
        try:
            return self._client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as error:
            raise Unavailable("the token issuer's keys cannot be fetched") from error
        except jwt.PyJWKClientError:
            if len(self._misses) > 10_000:
                self._misses.clear()
            self._misses[kid] = time.monotonic()
            raise


def principal_from(claims: dict[str, Any]) -> Principal:
    role = claims.get("role")
    if role not in ROLE_CLAIMS:
        raise Unauthorized("token has no known role")
    values: dict[str, str] = {}
    needed = ROLE_CLAIMS[role]
    if needed:
        name, pattern = needed
        value = claims.get(name)
        if not isinstance(value, str) or not pattern.match(value):
            raise Unauthorized(f"a {role} token needs a valid {name} claim")
        values[name] = value
    return Principal(role=role, subject=str(claims["sub"]), **values)


def dev_key_path(settings: Settings) -> Path:
    return settings.data_dir / "keys" / "token-signing.pem"


def mint_dev_token(
    settings: Settings,
    role: str,
    subject: str | None = None,
    ttl: int = 3600,
    **claims: str,
) -> str:
    """A token the running system accepts, signed with the development key."""
    if role not in ROLE_CLAIMS:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLE_CLAIMS)}")
    key = load_or_create_private_key(dev_key_path(settings))
    now = int(time.time())
    given = {name: value for name, value in claims.items() if value is not None}
    try:
        principal_from({"role": role, "sub": subject or "dev", **given})
    except Unauthorized as error:
        raise ValueError(str(error)) from error
    payload = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": subject or f"dev-{uuid.uuid4().hex[:8]}",
        "iat": now,
        "exp": now + ttl,
        "role": role,
        **given,
    }
    headers = {"kid": public_jwk(key)["kid"]}
    return jwt.encode(payload, key, algorithm=algorithm_for(key), headers=headers)
