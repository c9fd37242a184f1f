"""Receipts: a compact JWS over an answer's facts, checkable offline with the JWKS alone.

Signing keys form a ring in one folder (``REGISTRY_RECEIPT_KEYS_DIR``, by default
``<data dir>/verification/receipt-keys``; in production, a mounted secret): one PEM per
key (EC P-256 for ES256, or Ed25519 for EdDSA), named ``key-<unix seconds>.pem`` by its
creation. The newest signs. ``./registry receipt-key rotate`` adds one; the JWKS keeps an
older key until every receipt it signed has expired, so rotation never breaks a check.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
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


def keys_dir(settings: Settings) -> Path:
    given = os.environ.get("REGISTRY_RECEIPT_KEYS_DIR")
    return Path(given) if given else settings.service_dir("verification") / "receipt-keys"


def lifetime() -> int:
    """Receipts expire within 24 hours (SPEC §5); a deployment may shorten that."""
    chosen = int(os.environ.get("REGISTRY_RECEIPT_TTL_SECONDS", LIFETIME_SECONDS))
    return min(LIFETIME_SECONDS, chosen)


@dataclass(frozen=True)
class RingKey:
    created: int
    key: PrivateKey
    jwk: dict[str, Any]


def rotate(folder: Path) -> str:
    """Add a new signing key to the ring; its ``kid``."""
    created = max([int(time.time()), *(k.created + 1 for k in read_ring(folder))])
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
    """Signs with the ring's newest key, re-reading the folder every few seconds so that
    every process picks up a rotation."""

    def __init__(self, folder: Path, issuer: str):
        self.folder, self.issuer = folder, issuer
        self._ring: list[RingKey] = []
        self._read_at = 0.0
        self._lock = threading.Lock()

    def sign(self, claims: dict[str, Any]) -> str:
        signer = self._keys()[-1]
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "iat": now,
            "exp": now + lifetime(),
            "jti": str(uuid.uuid4()),
            **claims,
        }
        headers = {"kid": signer.jwk["kid"], "typ": "JWT"}
        return jwt.encode(body, signer.key, algorithm=signer.jwk["alg"], headers=headers)

    def jwks(self) -> dict[str, Any]:
        """The keys whose receipts may still be checked: read afresh, so a key another
        process has just started signing with is already published; and those retired
        less than a receipt's lifetime (plus the signers' reload delay) ago."""
        self._keys()
        ring, now = read_ring(self.folder), time.time()
        kept = LIFETIME_SECONDS + RELOAD_SECONDS
        published = [
            key.jwk
            for key, successor in zip(ring, [*ring[1:], None], strict=True)
            if successor is None or successor.created > now - kept
        ]
        return {"keys": list(reversed(published))}

    def _keys(self) -> list[RingKey]:
        with self._lock:
            if not self._ring or time.monotonic() - self._read_at > RELOAD_SECONDS:
                if not any(self.folder.glob("key-*.pem")):
                    # Processes starting together agree on one first key (see keyfiles).
                    load_or_create_private_key(self.folder / "key-0.pem")
                self._ring, self._read_at = read_ring(self.folder), time.monotonic()
            return self._ring
