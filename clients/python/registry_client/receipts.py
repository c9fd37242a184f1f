"""Offline check of a receipt: a compact JWS signed by a key in the registry's JWKS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt

# One algorithm per key type, so a receipt can never pick a weaker one for a key.
ALGORITHMS = {("EC", "P-256"): "ES256", ("OKP", "Ed25519"): "EdDSA"}
LEEWAY_SECONDS = 60


class ReceiptError(ValueError):
    pass


def verify_receipt(
    token: str,
    jwks: Mapping[str, Any],
    issuer: str | None = None,
) -> dict[str, Any]:
    """The receipt's claims, when a key of ``jwks`` signed it and it has not expired."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise ReceiptError(f"not a compact JWS: {error}") from error
    jwk = _key_for(header.get("kid"), jwks)
    algorithm = ALGORITHMS.get((jwk.get("kty"), jwk.get("crv")))
    if algorithm is None or header.get("alg") != algorithm:
        raise ReceiptError("receipts are signed with ES256 (P-256) or EdDSA (Ed25519) keys")
    try:
        key = jwt.PyJWK(dict(jwk), algorithm=algorithm).key
        return jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "iat", "exp"], "verify_aud": False},
        )
    except (jwt.InvalidTokenError, jwt.PyJWKError) as error:
        raise ReceiptError(str(error)) from error


def _key_for(kid: Any, jwks: Mapping[str, Any]) -> Mapping[str, Any]:
    if not isinstance(kid, str):
        raise ReceiptError("the receipt names no key (kid)")
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list):
        raise ReceiptError("a JWKS is an object with a list of keys")
    for jwk in keys:
        if isinstance(jwk, Mapping) and jwk.get("kid") == kid:
            return jwk
    raise ReceiptError(f"no key {kid} in the JWKS")
