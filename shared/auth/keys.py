"""Signing keys: a development key kept under the data directory, and their public JWKs."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from shared.keyfiles import read_or_create

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey


def load_or_create_private_key(path: Path) -> PrivateKey:
    """An EC P-256 key in PEM, created once; concurrent first starts agree on one key."""

    def generate() -> bytes:
        return ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    return serialization.load_pem_private_key(read_or_create(path, generate), password=None)


def load_public_key(path: Path) -> PublicKey:
    data = path.read_bytes()
    if b"PRIVATE KEY" in data:
        return serialization.load_pem_private_key(data, password=None).public_key()
    return serialization.load_pem_public_key(data)


def algorithm_for(key: PrivateKey | PublicKey) -> str:
    """One algorithm per key type, so a token can never choose a weaker one."""
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if key.curve.name != "secp256r1":
            raise ValueError("EC keys must be on P-256 (ES256)")
        return "ES256"
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "RS256"
    raise ValueError(f"unsupported key type {type(key).__name__}")


def public_jwk(key: PrivateKey | PublicKey) -> dict[str, Any]:
    """The public JWK with its RFC 7638 thumbprint as ``kid``."""
    public = key.public_key() if hasattr(key, "public_key") else key
    algorithm = algorithm_for(public)
    encoder = {"ES256": ECAlgorithm, "EdDSA": OKPAlgorithm, "RS256": RSAAlgorithm}[algorithm]
    jwk = encoder.to_jwk(public, as_dict=True)
    required = {
        "EC": ("crv", "kty", "x", "y"),
        "OKP": ("crv", "kty", "x"),
        "RSA": ("e", "kty", "n"),
    }
    members = {name: jwk[name] for name in required[jwk["kty"]]}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())
    kid = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "alg": algorithm, "use": "sig"}
