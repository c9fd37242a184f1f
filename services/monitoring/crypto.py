"""Personal data of a worker's report, encrypted at rest (SPEC §4, "Personal data").

Each report has its own random data key; the personal data (reporter name, contact,
narrative) is sealed with it by AES-GCM, the report id bound in as associated data, and
the data key is stored only wrapped (RFC 3394) by a master key from the environment or a
key file. Erasure destroys the wrapped data key: the ciphertext stays, unreadable, and
the events, which never held personal data, stay valid.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from shared.keyfiles import read_or_create

NONCE_BYTES = 12


class Unreadable(Exception):
    """The sealed data cannot be opened: wrong key, tampering, or erased."""


@dataclass(frozen=True)
class Sealed:
    """What is stored for one report: never the data key in the clear."""

    wrapped_key: str | None
    nonce: str
    ciphertext: str

    def as_document(self) -> dict[str, Any]:
        return {"wrapped_key": self.wrapped_key, "nonce": self.nonce, "ciphertext": self.ciphertext}

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Sealed:
        return cls(document["wrapped_key"], document["nonce"], document["ciphertext"])

    @property
    def erased(self) -> bool:
        return self.wrapped_key is None


class Vault:
    def __init__(self, master_key: bytes):
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes (AES-256)")
        self._master = master_key

    def seal(self, report_id: str, personal: dict[str, Any]) -> Sealed:
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = secrets.token_bytes(NONCE_BYTES)
        plaintext = json.dumps(personal, ensure_ascii=False).encode()
        ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, report_id.encode())
        return Sealed(_b64(aes_key_wrap(self._master, data_key)), _b64(nonce), _b64(ciphertext))

    def open(self, report_id: str, sealed: Sealed) -> dict[str, Any]:
        if sealed.erased:
            raise Unreadable("the personal data of this report was erased")
        try:
            data_key = aes_key_unwrap(self._master, _unb64(sealed.wrapped_key))
            plaintext = AESGCM(data_key).decrypt(
                _unb64(sealed.nonce), _unb64(sealed.ciphertext), report_id.encode()
            )
        except (InvalidUnwrap, InvalidTag, ValueError) as error:
            raise Unreadable("the personal data cannot be decrypted") from error
        return json.loads(plaintext)

    @staticmethod
    def erase(sealed: Sealed) -> Sealed:
        """Crypto-shredding: without its wrapped key the ciphertext is noise."""
        return Sealed(None, sealed.nonce, sealed.ciphertext)


def master_key(data_dir: Path, environment: dict[str, str] | None = None) -> bytes:
    """From ``REGISTRY_MONITORING_MASTER_KEY`` (base64) in production, else a key file
    created once under the data directory."""
    environment = dict(os.environ if environment is None else environment)
    if environment.get("REGISTRY_MONITORING_MASTER_KEY"):
        return base64.b64decode(environment["REGISTRY_MONITORING_MASTER_KEY"], validate=True)
    stored = read_or_create(
        data_dir / "keys" / "monitoring-master.key",
        lambda: base64.b64encode(AESGCM.generate_key(bit_length=256)),
    )
    return base64.b64decode(stored, validate=True)


def tracking_code() -> str:
    """A worker's secret to follow a report: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str | None) -> bytes:
    return base64.b64decode(text or "", validate=True)
