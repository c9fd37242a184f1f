"""The public log served by the verification service (SPEC §17) on both read-model
stores, fed here by an in-test appender (tests/e2e/test_public_log_story.py feeds it from
the status-change stream): checkpoint, key, tiles and proofs verify with registry_client,
bad input is a problem, and a witness follows the real routes across restarts and catches
a log rewritten under it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from registry_client.cli import FAILED, VERIFIED, main
from registry_client.proofs import (
    leaf_hash_of_facts,
    verify_consistency_proof,
    verify_inclusion_proof,
)
from registry_client.tlog import tiles
from registry_client.tlog.canonical import canonical_json
from registry_client.tlog.checkpoint import open_checkpoint
from registry_client.tlog.note import NoteVerifier
from services.verification.bootstrap import SERVICE as VERIFICATION
from services.verification.log.api import public_log
from services.verification.log.keys import log_keys_dir, rotate_log_key
from services.verification.log.store import ENTRIES, HASHES, HEAD


@pytest.fixture(params=["embedded", "stack"])
def settings(request):
    return request.getfixturevalue(f"{request.param}_settings")


def fact(n: int, status: str = "licensed") -> dict:
    return {"recruiter_id": f"rec-{n:04d}", "status": status, "sequence": n}


def appender(settings):
    """A second process's view of the same store: the service only reads the log."""
    return public_log(VERIFICATION.parts(settings))


def fork(settings, size: int, rewritten: int) -> None:
    """A test-only tool: rewrites the stored log so that one old answer changed."""
    parts = VERIFICATION.parts(settings)
    for collection in (HASHES, ENTRIES, HEAD):
        parts.read_models.drop(collection)
    public_log(parts).append(
        [fact(n, "revoked" if n == rewritten else "licensed") for n in range(size)]
    )


@contextmanager
def serving(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        thread.join()


def test_checkpoint_key_proofs_and_tiles_verify_offline(settings):
    log, client = appender(settings), VERIFICATION.create_app(settings).test_client()
    log.append([fact(n) for n in range(40)])
    verifier = NoteVerifier.parse(client.get("/v1/log/key").text.strip())
    assert verifier.name == settings.log_origin
    early = open_checkpoint(client.get("/v1/log/checkpoint").text, verifier, settings.log_origin)
    for start in range(40, 300, 53):
        log.append([fact(n) for n in range(start, min(start + 53, 300))])
    response = client.get("/v1/log/checkpoint")
    assert response.headers["Cache-Control"] == "no-cache"
    latest = open_checkpoint(response.text, verifier, settings.log_origin)
    assert (early.size, latest.size) == (40, 300)

    for index in (0, 17, 255, 256, 299):
        proof = client.get(f"/v1/log/proof/inclusion?index={index}&size=300")
        assert proof.headers["Cache-Control"].endswith("immutable")
        verify_inclusion_proof(proof.json, leaf_hash_of_facts(fact(index)), latest)
    consistency = client.get("/v1/log/proof/consistency?first=40&second=300").json
    assert set(consistency) == {"first", "second", "hashes"}
    verify_consistency_proof(consistency, early, latest)

    level_one = client.get("/v1/log/tile/1/000.p/1")
    assert level_one.status_code == 200 and level_one.headers["Cache-Control"].endswith("immutable")
    assert level_one.data == log.tree.root(256)
    first_tile = client.get("/v1/log/tile/0/000").data
    assert len(first_tile) == 256 * 32 and first_tile[:32] == leaf_hash_of_facts(fact(0))
    assert client.get("/v1/log/tile/0/001.p/44").data[-32:] == leaf_hash_of_facts(fact(299))
    bundle = tiles.decode_entry_bundle(client.get("/v1/log/tile/entries/001.p/44").data)
    assert bundle == [canonical_json(fact(n)) for n in range(256, 300)]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/log/proof/inclusion?index=5&size=5", 404),
        ("/v1/log/proof/inclusion?index=1&size=999", 404),
        ("/v1/log/proof/inclusion?index=-1&size=3", 422),
        ("/v1/log/proof/inclusion?index=x&size=3", 422),
        ("/v1/log/proof/inclusion?size=3", 422),
        ("/v1/log/proof/inclusion?index=0&size=0", 422),
        ("/v1/log/proof/consistency?first=4&second=3", 404),
        ("/v1/log/proof/consistency?first=1&second=99999999999999999999", 422),
        ("/v1/log/proof/consistency?first=1", 422),
        ("/v1/log/tile/0/001", 404),
        ("/v1/log/tile/0/000.p/11", 404),
        ("/v1/log/tile/0/0", 404),
        ("/v1/log/tile/8/0/000", 404),
        ("/v1/log/tile/entries/000.p/0", 404),
        ("/v1/log/tile/../checkpoint", 404),
    ],
)
def test_bad_log_requests_are_problems(embedded_settings, path, status):
    appender(embedded_settings).append([fact(n) for n in range(10)])
    response = VERIFICATION.create_app(embedded_settings).test_client().get(path)
    assert response.status_code == status, response.text
    assert response.mimetype == "application/problem+json"


def test_an_empty_log_has_a_signed_checkpoint_of_size_zero(embedded_settings):
    client = VERIFICATION.create_app(embedded_settings).test_client()
    verifier = NoteVerifier.parse(client.get("/v1/log/key").text.strip())
    checkpoint = open_checkpoint(client.get("/v1/log/checkpoint").text, verifier)
    assert checkpoint.size == 0
    assert client.get("/v1/log/tile/0/000.p/1").status_code == 404


def test_a_witness_follows_the_service_and_catches_a_rewritten_log(settings, tmp_path):
    log = appender(settings)
    log.append([fact(n) for n in range(20)])
    witness = ["--key", log.verifier_key(), "--state", str(tmp_path / "witness.json")]
    with serving(VERIFICATION.create_app(settings)) as url:
        assert main(["witness", url, *witness, "--origin", settings.log_origin]) == VERIFIED
        log.append([fact(n) for n in range(20, 90)])
    # A restart of the service, and of the witness: both read their state back.
    with serving(VERIFICATION.create_app(settings)) as url:
        assert main(["witness", url, *witness]) == VERIFIED
    fork(settings, 120, rewritten=3)
    # A process that read the log keeps the hashes it read (they never change in an
    # honest log); one reading the rewritten store afresh serves the fork.
    with serving(VERIFICATION.create_app(settings)) as url:
        assert main(["witness", url, *witness]) == FAILED
        kept = json.loads((tmp_path / "witness.json").read_text())["checkpoint"]
        assert kept.split("\n")[1] == "90"


def test_a_rotated_log_key_signs_the_next_checkpoints(embedded_settings):
    log = appender(embedded_settings)
    log.append([fact(0)])
    before = log.verifier_key()
    rotate_log_key(log_keys_dir(embedded_settings), now=10**10)
    after = appender(embedded_settings)
    assert after.verifier_key() != before
    checkpoint = open_checkpoint(after.checkpoint(), NoteVerifier.parse(after.verifier_key()))
    assert checkpoint.size == 1


def test_an_append_cut_short_before_the_head_moved_leaves_no_trace(settings, monkeypatch):
    from registry_client.tlog.tree import MemoryHashStore, MerkleTree
    from services.verification.log.store import ReadModelLogStore

    log = appender(settings)
    log.append([fact(n) for n in range(250)])

    def crash(self, new_size):
        raise ConnectionError("the store went away before the head moved")

    with monkeypatch.context() as patched:
        patched.setattr(ReadModelLogStore, "_move_head", crash)
        with pytest.raises(ConnectionError):
            log.append([fact(n, "suspended") for n in range(250, 600)])
    assert log.tree.size == 250
    log.append([fact(n) for n in range(250, 300)])
    reference = MerkleTree(MemoryHashStore())
    reference.append([canonical_json(fact(n)) for n in range(300)])
    assert log.tree.root() == reference.root()
    assert log.tree.inclusion_proof(280) == reference.inclusion_proof(280)
    assert log.tile("0/001.p/44") == b"".join(reference.leaf_hash(n) for n in range(256, 300))
    assert tiles.decode_entry_bundle(log.tile("entries/001.p/44"))[-1] == canonical_json(fact(299))


def test_log_key_command_shows_and_rotates_the_verifier_key(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "REGISTRY_DATA_DIR": str(tmp_path), "REGISTRY_LOG_ORIGIN": "x.test/log"}
    command = [sys.executable, "-m", "registry_cli", "log-key"]
    run = lambda action: subprocess.run(  # noqa: E731
        [*command, action], env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()[-1]
    shown = run("show")
    assert NoteVerifier.parse(shown).name == "x.test/log"
    assert run("show") == shown
    rotated = run("rotate")
    assert rotated != shown and run("show") == rotated


def test_typed_client_calls_the_service_and_checks_what_it_says(embedded_settings):
    from registry_client.api import RegistryClient
    from registry_client.fetch import ProblemAnswer

    appender(embedded_settings).append([fact(n) for n in range(12)])
    with serving(VERIFICATION.create_app(embedded_settings)) as url:
        client = RegistryClient(url, issuer=embedded_settings.receipt_issuer)
        batch = client.verify_many([{"recruiter_id": "rec-0001"}])
        assert batch.results == [{"query": {"recruiter_id": "rec-0001"}, "found": False}]
        assert client.verified_claims(batch)["results"] == batch.results
        with pytest.raises(ProblemAnswer) as unknown:
            client.status("rec-0001")
        assert unknown.value.status == 404
        checkpoint = client.checkpoint(client.log_key())
        proof = client.inclusion_proof(7, checkpoint.size)
        verify_inclusion_proof(proof, leaf_hash_of_facts(fact(7)), checkpoint)
        with pytest.raises(ProblemAnswer):
            client.consistency_proof(5, checkpoint.size + 1)


def test_an_origin_that_cannot_name_a_note_key_stops_the_service_at_start(embedded_settings):
    import dataclasses

    broken = dataclasses.replace(embedded_settings, log_origin="my log+1")
    with pytest.raises(ValueError, match="REGISTRY_LOG_ORIGIN"):
        VERIFICATION.create_app(broken)


def test_leaves_an_entry_bundle_cannot_carry_are_refused_before_anything_is_written(
    embedded_settings,
):
    from shared.errors import Invalid

    log = appender(embedded_settings)
    with pytest.raises(Invalid):
        log.append([fact(0), {"note": "x" * 70_000}])
    with pytest.raises(Invalid):
        log.append([{"ratio": 0.5}])
    assert log.tree.size == 0
