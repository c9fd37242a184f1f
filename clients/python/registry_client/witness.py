"""A witness: follows a log's checkpoints and insists each one extends the last it saw.

The last accepted checkpoint (the signed note itself, as evidence) lives in a state file,
replaced atomically, so a witness survives restarts and never forgets what it accepted.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from registry_client.fetch import fetch, fetch_json
from registry_client.proofs import verify_consistency_proof
from registry_client.tlog.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from registry_client.tlog.merkle import ProofError
from registry_client.tlog.note import NoteVerifier


class Inconsistency(Exception):
    """The log showed something that cannot follow from what the witness saw before."""


@dataclass(frozen=True)
class Observation:
    checkpoint: Checkpoint
    previous: Checkpoint | None
    note: str


def load_state(path: Path) -> str | None:
    if not path.exists():
        return None
    state = json.loads(path.read_text())
    return state["checkpoint"]


def save_state(path: Path, note: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as file:
        json.dump({"checkpoint": note}, file)
        file.flush()
        os.fsync(file.fileno())
    os.replace(file.name, path)


def observe(
    url: str, verifier: NoteVerifier, state: Path, origin: str | None = None
) -> Observation:
    """Fetch the log's checkpoint, prove it extends the remembered one, remember it."""
    note = fetch(url, "v1/log/checkpoint").decode("utf-8", errors="replace")
    try:
        latest = open_checkpoint(note, verifier, origin)
    except CheckpointError as error:
        raise Inconsistency(f"the log's checkpoint does not verify: {error}") from error
    remembered = load_state(state)
    previous = open_checkpoint(remembered, verifier) if remembered else None
    if previous is not None:
        check_extends(url, previous, latest)
    save_state(state, note)
    return Observation(latest, previous, note)


def check_extends(url: str, previous: Checkpoint, latest: Checkpoint) -> None:
    if latest.origin != previous.origin:
        raise Inconsistency(f"origin changed from {previous.origin!r} to {latest.origin!r}")
    if latest.size < previous.size:
        raise Inconsistency(f"rollback: the log shrank from {previous.size} to {latest.size}")
    if latest.size == previous.size:
        if latest.root != previous.root:
            raise Inconsistency(f"fork: two roots for tree size {latest.size}")
        return
    proof = fetch_json(
        url, "v1/log/proof/consistency", {"first": previous.size, "second": latest.size}
    )
    try:
        verify_consistency_proof(proof, previous, latest)
    except ProofError as error:
        raise Inconsistency(
            f"fork: tree {latest.size} does not extend tree {previous.size}: {error}"
        ) from error
