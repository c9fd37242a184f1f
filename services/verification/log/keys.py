"""The log's Ed25519 note keys, kept like the receipt keys: one PEM per key in a folder
(``REGISTRY_LOG_KEYS_DIR``, by default ``<data dir>/verification/log-keys``), named
``key-<unix seconds>.pem``; the newest signs. A rotation changes the verifier key that
witnesses must be given, so it is an operator's deliberate act, never automatic.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from registry_client.tlog.note import NoteSigner
from shared.config import Settings
from shared.keyfiles import read_or_create

KEY_FILE = re.compile(r"^key-(\d+)\.pem$")


def log_keys_dir(settings: Settings) -> Path:
    return settings.log_keys_dir or settings.service_dir("verification") / "log-keys"


def _new_key() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load(path: Path) -> ed25519.Ed25519PrivateKey:
    key = serialization.load_pem_private_key(read_or_create(path, _new_key), password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ValueError(f"log key {path.name} must be Ed25519")
    return key


def rotate_log_key(folder: Path, now: float | None = None) -> Path:
    """Add a newer key; it signs from the next checkpoint on."""
    created = int(time.time() if now is None else now)
    existing = [int(m.group(1)) for p in folder.glob("key-*.pem") if (m := KEY_FILE.match(p.name))]
    path = folder / f"key-{max([created, *(n + 1 for n in existing)])}.pem"
    _load(path)
    return path


def current_signer(folder: Path, origin: str) -> NoteSigner:
    """The newest key, named by the log's origin; a first key is made if there is none."""
    keys = sorted(
        (int(m.group(1)), p) for p in folder.glob("key-*.pem") if (m := KEY_FILE.match(p.name))
    )
    path = keys[-1][1] if keys else folder / "key-0.pem"
    return NoteSigner(origin, _load(path))
