"""The receipt key ring: the newest key signs, retired keys stay published for a
receipt's lifetime and no longer."""

from __future__ import annotations

import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from services.verification.receipts import (
    RELOAD_SECONDS,
    SETTLE_SECONDS,
    ReceiptSigner,
    read_ring,
    rotate,
)
from shared.auth.keys import load_or_create_private_key, public_jwk


def test_a_first_key_is_made_once_and_signs(tmp_path):
    signer = ReceiptSigner(tmp_path, "registry")
    receipt = signer.sign({"sub": "rec-1", "verdict": "green"})
    [key] = signer.jwks()["keys"]
    header = jwt.get_unverified_header(receipt)
    assert (header["kid"], header["alg"]) == (key["kid"], "ES256")
    claims = jwt.decode(receipt, jwt.PyJWK(key).key, algorithms=["ES256"])
    assert claims["verdict"] == "green" and 0 < claims["exp"] - claims["iat"] <= 24 * 3600
    assert len(read_ring(tmp_path)) == 1
    assert ReceiptSigner(tmp_path, "registry").jwks() == signer.jwks()


def test_rotating_an_empty_ring_makes_its_first_key(tmp_path):
    kid = rotate(tmp_path / "keys")
    assert [key["kid"] for key in ReceiptSigner(tmp_path / "keys", "r").jwks()["keys"]] == [kid]


def test_rotation_signs_with_the_new_key_and_keeps_the_old_one_published(tmp_path):
    old = ReceiptSigner(tmp_path, "registry").jwks()["keys"][0]["kid"]
    new = rotate(tmp_path)
    settled = time.time() + SETTLE_SECONDS + 1
    signer = ReceiptSigner(tmp_path, "registry", clock=lambda: settled)
    assert jwt.get_unverified_header(signer.sign({}))["kid"] == new
    assert [key["kid"] for key in signer.jwks()["keys"]] == [new, old]


def test_a_running_signer_publishes_a_new_key_before_it_signs_with_it(tmp_path):
    times = {"wall": time.time(), "monotonic": 0.0}
    signer = ReceiptSigner(
        tmp_path, "registry", clock=lambda: times["wall"], monotonic=lambda: times["monotonic"]
    )
    old = jwt.get_unverified_header(signer.sign({}))["kid"]
    new = rotate(tmp_path, now=times["wall"])
    times["monotonic"] += RELOAD_SECONDS + 1  # the signer re-reads the folder
    assert [key["kid"] for key in signer.jwks()["keys"]] == [new, old]
    assert jwt.get_unverified_header(signer.sign({}))["kid"] == old  # not settled yet
    times["wall"] += SETTLE_SECONDS + 1
    assert jwt.get_unverified_header(signer.sign({}))["kid"] == new


def test_no_receipt_lives_longer_than_a_day(tmp_path):
    receipt = ReceiptSigner(tmp_path, "registry", lifetime_seconds=7 * 24 * 3600).sign({})
    key = jwt.PyJWK(ReceiptSigner(tmp_path, "registry").jwks()["keys"][0])
    claims = jwt.decode(receipt, key.key, algorithms=["ES256"])
    assert claims["exp"] - claims["iat"] == 24 * 3600


def test_a_key_retired_over_a_day_ago_is_no_longer_published(tmp_path):
    day_before = int(time.time()) - 2 * 24 * 3600
    retired = public_jwk(load_or_create_private_key(tmp_path / "key-100.pem"))["kid"]
    successor = public_jwk(load_or_create_private_key(tmp_path / f"key-{day_before}.pem"))["kid"]
    newest = rotate(tmp_path)
    published = [key["kid"] for key in ReceiptSigner(tmp_path, "registry").jwks()["keys"]]
    assert published == [newest, successor] and retired not in published


def test_an_ed25519_key_in_the_ring_signs_with_eddsa(tmp_path):
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / f"key-{int(time.time())}.pem").write_bytes(pem)
    signer = ReceiptSigner(tmp_path, "registry")
    receipt = signer.sign({"verdict": "amber"})
    [key] = signer.jwks()["keys"]
    assert jwt.get_unverified_header(receipt)["alg"] == key["alg"] == "EdDSA"
    assert jwt.decode(receipt, jwt.PyJWK(key).key, algorithms=["EdDSA"])["verdict"] == "amber"
