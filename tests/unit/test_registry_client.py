"""The employers' client: receipts against a JWKS, checkpoints and proofs offline, and a
witness that follows a (fake) log across restarts and catches rollbacks and forks."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from registry_client.cli import FAILED, UNUSABLE, VERIFIED, main
from registry_client.proofs import leaf_hash_of_facts
from registry_client.receipts import ReceiptError, verify_receipt
from registry_client.tlog.canonical import canonical_json
from registry_client.tlog.checkpoint import Checkpoint
from registry_client.tlog.note import NoteSigner
from registry_client.tlog.tree import MemoryHashStore, MerkleTree
from shared.auth.keys import public_jwk
from tests.fake_log_server import FakeLog, serving

ORIGIN = "registry.example/log"


def facts(n: int) -> dict:
    return {"recruiter_id": f"r-{n}", "status": "licensed" if n % 3 else "suspended", "seq": n}


def grown_tree(count: int, rewrite: int | None = None) -> MerkleTree:
    """A log of ``count`` status changes; ``rewrite`` forks it by changing one leaf."""
    tree = MerkleTree(MemoryHashStore())
    tree.append(
        [canonical_json({**facts(n), "status": "revoked"} if n == rewrite else facts(n))
         for n in range(count)]
    )  # fmt: skip
    return tree


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner(ORIGIN, ed25519.Ed25519PrivateKey.generate())


def sign_receipt(key, claims: dict, kid: str | None = None) -> str:
    jwk = public_jwk(key)
    now = int(time.time())
    body = {"iss": "https://registry.example", "iat": now, "exp": now + 3600, **claims}
    return jwt.encode(body, key, algorithm=jwk["alg"], headers={"kid": kid or jwk["kid"]})


@pytest.mark.parametrize(
    "make_key",
    [lambda: ec.generate_private_key(ec.SECP256R1()), ed25519.Ed25519PrivateKey.generate],
)
def test_receipts_verify_with_es256_and_eddsa_keys_of_the_jwks(make_key):
    key, other = make_key(), make_key()
    jwks = {"keys": [public_jwk(other), public_jwk(key)]}
    token = sign_receipt(key, {"recruiter_id": "r-1", "log": {"index": 3, "size": 9}})
    claims = verify_receipt(token, jwks, issuer="https://registry.example")
    assert claims["log"] == {"index": 3, "size": 9}
    with pytest.raises(ReceiptError):
        verify_receipt(token, {"keys": [public_jwk(other)]})
    forged = sign_receipt(other, {"recruiter_id": "r-1"}, kid=public_jwk(key)["kid"])
    with pytest.raises(ReceiptError):
        verify_receipt(forged, jwks)
    with pytest.raises(ReceiptError):
        verify_receipt(token, jwks, issuer="https://elsewhere.example")


def test_expired_and_unsigned_receipts_are_refused():
    key = ec.generate_private_key(ec.SECP256R1())
    jwks = {"keys": [public_jwk(key)]}
    expired = sign_receipt(key, {"iat": 1, "exp": 2})
    with pytest.raises(ReceiptError):
        verify_receipt(expired, jwks)
    header = {"alg": "none", "kid": public_jwk(key)["kid"]}
    unsigned = jwt.encode({"iss": "x"}, None, algorithm="none", headers=header)
    with pytest.raises(ReceiptError):
        verify_receipt(unsigned, jwks)
    with pytest.raises(ReceiptError):
        verify_receipt("not a token", jwks)


def test_cli_checks_receipt_checkpoint_inclusion_and_consistency(tmp_path, signer, capsys):
    key = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [public_jwk(key)]}))
    (tmp_path / "receipt").write_text(sign_receipt(key, {"recruiter_id": "r-7"}))
    assert main(["receipt", str(tmp_path / "receipt"), "--jwks", str(tmp_path / "jwks.json")]) == 0
    assert json.loads(capsys.readouterr().out)["recruiter_id"] == "r-7"

    tree, vkey = grown_tree(40), signer.verifier.encoded()
    old = Checkpoint(ORIGIN, 25, tree.root(25)).sign(signer)
    new = Checkpoint(ORIGIN, 40, tree.root(40)).sign(signer)
    (tmp_path / "old").write_text(old)
    (tmp_path / "new").write_text(new)
    assert main(["checkpoint", str(tmp_path / "new"), "--key", vkey, "--origin", ORIGIN]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == {"origin": ORIGIN, "size": 40, "root": base64.b64encode(tree.root()).decode()}

    b64 = lambda hashes: [base64.b64encode(h).decode() for h in hashes]  # noqa: E731
    (tmp_path / "leaf.json").write_text(json.dumps(facts(17)))
    inclusion = {"index": 17, "size": 40, "hashes": b64(tree.inclusion_proof(17, 40))}
    (tmp_path / "inclusion.json").write_text(json.dumps(inclusion))
    args = ["inclusion", "--checkpoint", str(tmp_path / "new"),
            "--leaf", str(tmp_path / "leaf.json"),
            "--proof", str(tmp_path / "inclusion.json"), "--key", vkey]  # fmt: skip
    assert main(args) == VERIFIED
    (tmp_path / "leaf.json").write_text(json.dumps({**facts(17), "status": "revoked"}))
    assert main(args) == FAILED

    consistency = {"first": 25, "second": 40, "hashes": b64(tree.consistency_proof(25, 40))}
    (tmp_path / "consistency.json").write_text(json.dumps(consistency))
    args = ["consistency", "--old", str(tmp_path / "old"), "--new", str(tmp_path / "new"),
            "--proof", str(tmp_path / "consistency.json"), "--key", vkey]  # fmt: skip
    assert main(args) == VERIFIED
    (tmp_path / "old").write_text(Checkpoint(ORIGIN, 25, grown_tree(25, 3).root()).sign(signer))
    assert main(args) == FAILED


def test_leaf_hash_is_the_rfc9162_hash_of_the_canonical_facts():
    from registry_client.tlog.merkle import sha256

    assert leaf_hash_of_facts({"b": 1, "a": "x"}) == sha256(b'\x00{"a":"x","b":1}')


def test_witness_follows_growth_across_restarts_and_catches_a_rollback(tmp_path, signer):
    log, state = FakeLog(grown_tree(10), signer), tmp_path / "witness.json"
    witness = ["witness", "--key", signer.verifier.encoded(), "--state", str(state)]
    with serving(log) as url:
        assert main([*witness[:1], url, *witness[1:]]) == VERIFIED
        first_seen = state.read_text()
        log.tree.append([canonical_json(facts(n)) for n in range(10, 300)])
        assert main([*witness[:1], url, *witness[1:]]) == VERIFIED  # a restart: a new run
        assert json.loads(state.read_text()) != json.loads(first_seen)
        assert main([*witness[:1], url, *witness[1:]]) == VERIFIED  # no growth is fine
        log.size = 200
        assert main([*witness[:1], url, *witness[1:]]) == FAILED
        assert "\n300\n" in json.loads(state.read_text())["checkpoint"]


def test_witness_catches_a_log_forked_by_a_rewritten_leaf(tmp_path, signer):
    log, state = FakeLog(grown_tree(50), signer), tmp_path / "witness.json"
    witness = ["--key", signer.verifier.encoded(), "--state", str(state)]
    with serving(log) as url:
        assert main(["witness", url, *witness]) == VERIFIED
        log.tree = grown_tree(60, rewrite=7)  # same history but one answer changed
        assert main(["witness", url, *witness]) == FAILED
        log.tree = grown_tree(50, rewrite=7)  # same size, another root
        assert main(["witness", url, *witness]) == FAILED
        log.tree = grown_tree(70)  # the honest log, grown, still extends what was seen
        assert main(["witness", url, *witness]) == VERIFIED


def test_witness_refuses_a_checkpoint_signed_by_another_key(tmp_path, signer):
    impostor = NoteSigner(ORIGIN, ed25519.Ed25519PrivateKey.generate())
    with serving(FakeLog(grown_tree(5), impostor)) as url:
        args = ["witness", url, "--key", signer.verifier.encoded(), "--state", str(tmp_path / "s")]
        assert main(args) == FAILED
    assert not (tmp_path / "s").exists()


def test_witness_reports_an_unreachable_log_as_unusable(tmp_path, signer):
    with serving(FakeLog(grown_tree(1), signer)) as url:
        pass
    args = ["witness", url, "--key", signer.verifier.encoded(), "--state", str(tmp_path / "s")]
    assert main(args) == UNUSABLE
