"""The log against Go's reference implementation (golang.org/x/mod/sumdb/note and tlog):
registry-made checkpoints, notes, proofs and tiles check out in Go, and Go-made ones
verify with the Python client. The Go program is built from the Go module proxy here; a
machine without Go fails this test rather than skipping it."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from registry_client.tlog import merkle, tiles
from registry_client.tlog.checkpoint import Checkpoint, open_checkpoint
from registry_client.tlog.note import NoteSigner, NoteVerifier
from registry_client.tlog.tree import MemoryHashStore, MerkleTree

GO_PROGRAM = Path(__file__).resolve().parents[1] / "interop" / "tlogcheck"
ORIGIN = "registry.example/log"
SIZE = 1000 + 256 * 3 + 17  # full and partial tiles at levels 0 and 1
INCLUSION = [(0, 1), (0, 8), (5, 8), (2, 3), (1, 5), (777, 1000), (999, 1000), (1500, SIZE)]
CONSISTENCY = [(1, 8), (6, 8), (2, 5), (255, 256), (256, 257), (999, 1000), (1000, SIZE)]


@pytest.fixture(scope="module")
def tlogcheck(tmp_path_factory) -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.fail("Go is needed to check the log against golang.org/x/mod/sumdb")
    binary = tmp_path_factory.mktemp("tlogcheck") / "tlogcheck"
    # GOWORK=off: a go.work higher up must not pull this module into another build.
    env = {**os.environ, "GOWORK": "off", "GOFLAGS": "-mod=readonly -buildvcs=false"}
    subprocess.run(
        [go, "build", "-trimpath", "-o", str(binary), "."],
        cwd=GO_PROGRAM,
        env=env,
        check=True,
        timeout=600,
    )
    return binary


@pytest.fixture(scope="module")
def log():
    leaves = [json.dumps({"n": n}).encode() for n in range(SIZE)]
    tree = MerkleTree(MemoryHashStore())
    for start in range(0, SIZE, 97):
        tree.append(leaves[start : start + 97])
    signer = NoteSigner(ORIGIN, ed25519.Ed25519PrivateKey.generate())
    return leaves, tree, signer


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def run_go(binary: Path, request: dict) -> dict:
    completed = subprocess.run(
        [str(binary)], input=json.dumps(request), capture_output=True, text=True, check=True
    )
    return json.loads(completed.stdout)


def request_for(leaves, tree: MerkleTree, signer: NoteSigner) -> dict:
    return {
        "vkey": signer.verifier.encoded(),
        "checkpoint": Checkpoint(ORIGIN, tree.size, tree.root()).sign(signer),
        "origin": ORIGIN,
        "leaves": [b64(leaf) for leaf in leaves],
        "inclusion": [
            {"index": i, "size": n, "hashes": [b64(h) for h in tree.inclusion_proof(i, n)]}
            for i, n in INCLUSION
        ],
        "consistency": [
            {"first": m, "second": n, "hashes": [b64(h) for h in tree.consistency_proof(m, n)]}
            for m, n in CONSISTENCY
        ],
    }


def test_go_accepts_python_checkpoints_proofs_and_tiles(tlogcheck, log):
    leaves, tree, signer = log
    answer = run_go(tlogcheck, request_for(leaves, tree, signer))
    assert answer["failures"] == []
    assert answer["checkpoint_opened"] is True
    assert answer["inclusion_ok"] == [True] * len(INCLUSION)
    assert answer["consistency_ok"] == [True] * len(CONSISTENCY)
    ours = {
        tile.path(): tiles.hash_tile_data(tile, tree.store.read_hashes)
        for tile in tiles.tiles_for_size(SIZE)
    }
    theirs = {path: base64.b64decode(data) for path, data in answer["tiles"].items()}
    assert theirs == ours


def test_go_refuses_tampered_python_checkpoints_and_proofs(tlogcheck, log):
    leaves, tree, signer = log
    request = request_for(leaves, tree, signer)
    request["checkpoint"] = request["checkpoint"].replace(f"\n{SIZE}\n", f"\n{SIZE - 1}\n")
    for proof in [*request["inclusion"], *request["consistency"]]:
        if proof["hashes"]:
            proof["hashes"][-1] = b64(bytes(32))
    answer = run_go(tlogcheck, request)
    assert answer["checkpoint_opened"] is False
    assert any("checkpoint note" in failure for failure in answer["failures"])
    assert answer["inclusion_ok"] == [not p["hashes"] for p in request["inclusion"]]
    assert answer["consistency_ok"] == [False] * len(CONSISTENCY)


def test_python_verifies_go_made_checkpoints_and_proofs(tlogcheck, log):
    leaves, tree, signer = log
    answer = run_go(tlogcheck, request_for(leaves, tree, signer))
    checkpoint = open_checkpoint(
        answer["go_checkpoint"], NoteVerifier.parse(answer["go_vkey"]), ORIGIN
    )
    assert (checkpoint.size, checkpoint.root) == (SIZE, tree.root())
    for proof in answer["go_inclusion"]:
        index, size = proof["index"], proof["size"]
        hashes = [base64.b64decode(h) for h in proof["hashes"] or []]
        merkle.verify_inclusion(
            index, size, merkle.leaf_hash(leaves[index]), hashes, tree.root(size)
        )
        assert hashes == tree.inclusion_proof(index, size)
    for proof in answer["go_consistency"]:
        first, second = proof["first"], proof["second"]
        hashes = [base64.b64decode(h) for h in proof["hashes"] or []]
        merkle.verify_consistency(first, second, tree.root(first), tree.root(second), hashes)
        assert hashes == tree.consistency_proof(first, second)
