"""Receipts: a compact JWS over an answer's facts, checkable offline with the JWKS alone.

Signing keys form a ring in one folder (``REGISTRY_RECEIPT_KEYS_DIR``, by default
``<data dir>/verification/receipt-keys``; in production, a mounted secret): one PEM per
key (EC P-256 for ES256, or Ed25519 for EdDSA), named ``key-<unix seconds>.pem`` by its
creation. The newest signs. ``./registry receipt-key rotate`` adds one; the JWKS keeps an
older key until every receipt it signed has expired, so rotation never breaks a check.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from shared.auth.keys import PrivateKey, algorithm_for, load_or_create_private_key, public_jwk
from shared.config import Settings

LIFETIME_SECONDS = 24 * 3600
KEY_FILE = re.compile(r"^key-(\d+)\.pem$")
RELOAD_SECONDS = 10.0
# A new key signs only this long after it was made: by then every process re-read the
# folder and publishes it, so no receipt names a key some JWKS does not show yet.
SETTLE_SECONDS = 2 * RELOAD_SECONDS


def keys_dir(settings: Settings) -> Path:
    return settings.receipt_keys_dir or settings.service_dir("verification") / "receipt-keys"


@dataclass(frozen=True)
class RingKey:
    created: int
    key: PrivateKey
    jwk: dict[str, Any]


def rotate(folder: Path, now: float | None = None) -> str:
    """Add a new signing key to the ring (it signs once settled); its ``kid``."""
    made = int(time.time() if now is None else now)
    created = max([made, *(k.created + 1 for k in read_ring(folder))])
    return public_jwk(load_or_create_private_key(folder / f"key-{created}.pem"))["kid"]


def read_ring(folder: Path) -> list[RingKey]:
    ring = []
    for path in sorted(folder.glob("key-*.pem")):
        match = KEY_FILE.match(path.name)
        if match:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
                raise ValueError(f"receipt key {path.name} must be EC P-256 or Ed25519")
            algorithm_for(key)
            ring.append(RingKey(int(match.group(1)), key, public_jwk(key)))
    return sorted(ring, key=lambda k: k.created)


class ReceiptSigner:
    """Signs with the ring's newest settled key, re-reading the folder every few seconds
    so that every process picks up a rotation."""

    def __init__(
        self,
        folder: Path,
        issuer: str,
        lifetime_seconds: int = LIFETIME_SECONDS,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.folder, self.issuer = folder, issuer
        # Receipts expire within 24 hours (SPEC §5); a deployment may shorten that.
        self.lifetime = min(LIFETIME_SECONDS, lifetime_seconds)
        self._clock, self._monotonic = clock, monotonic
        self._ring: list[RingKey] = []
        self._jwks: dict[str, Any] = {}
        self._read_at = 0.0
        self._lock = threading.Lock()

    @classmethod
    def for_settings(cls, settings: Settings) -> ReceiptSigner:
        return cls(keys_dir(settings), settings.receipt_issuer, settings.receipt_ttl_seconds)

    def sign(self, claims: dict[str, Any]) -> str:
        ring, now = self._keys(), self._clock()
        signer = ([k for k in ring if k.created <= now - SETTLE_SECONDS] or ring)[-1]
        issued = int(now)
        body = {
            "iss": self.issuer,
            "iat": issued,
            "exp": issued + self.lifetime,
            "jti": str(uuid.uuid4()),
            **claims,
        }
        headers = {"kid": signer.jwk["kid"], "typ": "JWT"}
        return jwt.encode(body, signer.key, algorithm=signer.jwk["alg"], headers=headers)

    def jwks(self) -> dict[str, Any]:
        """Every key made so far whose receipts may still be checked, newest first."""
        self._keys()
        return self._jwks

    def _keys(self) -> list[RingKey]:
        with self._lock:
            if not self._ring or self._monotonic() - self._read_at > RELOAD_SECONDS:
                if not any(self.folder.glob("key-*.pem")):
                    # Processes starting together agree on one first key (see keyfiles).
                    load_or_create_private_key(self.folder / "key-0.pem")
                self._ring, self._read_at = read_ring(self.folder), self._monotonic()
                self._jwks = {"keys": [key.jwk for key in reversed(self._published())]}
            return self._ring

    def _published(self) -> list[RingKey]:
        """A key signs until its successor has settled, and its receipts live on for a
        lifetime after; another reload's delay covers the processes reading late."""
        kept = SETTLE_SECONDS + LIFETIME_SECONDS + RELOAD_SECONDS
        now, ring = self._clock(), self._ring
        return [
            key
            for key, successor in zip(ring, [*ring[1:], None], strict=True)
            if successor is None or successor.created > now - kept
        ]
