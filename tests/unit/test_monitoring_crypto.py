"""Personal data sealed per report: right key opens, wrong key, tampering and erasure don't."""

import base64

import pytest

from services.monitoring.crypto import Sealed, Unreadable, Vault, master_key, tracking_code

PERSONAL = {
    "name": "Ana Reyes-canary-81",
    "contact": "+63 917 000 0000",
    "narrative": "Paid ₱80,000.",
}


@pytest.fixture
def vault():
    return Vault(bytes(range(32)))


def test_sealed_data_opens_with_the_same_report_and_master_key(vault):
    sealed = vault.seal("rep-1", PERSONAL)
    assert vault.open("rep-1", sealed) == PERSONAL
    stored = str(sealed.as_document())
    assert "canary" not in stored and "917" not in stored and "80,000" not in stored
    assert Sealed.from_document(sealed.as_document()) == sealed


def test_each_report_has_its_own_data_key_and_nonce(vault):
    first, second = vault.seal("rep-1", PERSONAL), vault.seal("rep-2", PERSONAL)
    assert first.wrapped_key != second.wrapped_key and first.nonce != second.nonce
    assert first.ciphertext != second.ciphertext


def test_a_wrong_master_key_cannot_open(vault):
    sealed = vault.seal("rep-1", PERSONAL)
    with pytest.raises(Unreadable):
        Vault(bytes(32)).open("rep-1", sealed)


def test_another_report_id_cannot_open(vault):
    with pytest.raises(Unreadable):
        vault.open("rep-2", vault.seal("rep-1", PERSONAL))


@pytest.mark.parametrize("part", ["ciphertext", "nonce", "wrapped_key"])
def test_tampering_is_detected(vault, part):
    document = vault.seal("rep-1", PERSONAL).as_document()
    raw = bytearray(base64.b64decode(document[part]))
    raw[0] ^= 1
    document[part] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(Unreadable):
        vault.open("rep-1", Sealed.from_document(document))


def test_erasure_destroys_the_key_and_the_data_with_it(vault):
    sealed = vault.seal("rep-1", PERSONAL)
    erased = Vault.erase(sealed)
    assert erased.erased and erased.ciphertext == sealed.ciphertext
    assert erased.as_document()["wrapped_key"] is None
    with pytest.raises(Unreadable, match="erased"):
        vault.open("rep-1", erased)


def test_master_key_from_environment_or_one_file(tmp_path):
    key = base64.b64encode(bytes(range(32))).decode()
    assert master_key(tmp_path, {"REGISTRY_MONITORING_MASTER_KEY": key}) == bytes(range(32))
    first = master_key(tmp_path, {})
    assert len(first) == 32 and master_key(tmp_path, {}) == first
    assert (tmp_path / "keys" / "monitoring-master.key").stat().st_mode & 0o077 == 0
    with pytest.raises(ValueError):
        Vault(b"short")


def test_tracking_codes_are_long_random_and_url_safe():
    codes = {tracking_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(len(base64.urlsafe_b64decode(code + "==")) * 8 >= 128 for code in codes)
    assert all(
        set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for code in codes
    )
