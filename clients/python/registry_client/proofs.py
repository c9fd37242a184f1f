"""Proofs as the registry serves them (JSON, standard base64 hashes), checked offline."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from registry_client.tlog import merkle
from registry_client.tlog.canonical import canonical_json
from registry_client.tlog.checkpoint import Checkpoint


def decode_hashes(proof: Mapping[str, Any]) -> list[bytes]:
    hashes = proof.get("hashes")
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        raise merkle.ProofError("a proof carries a list of base64 hashes")
    try:
        return [base64.b64decode(h, validate=True) for h in hashes]
    except (ValueError, binascii.Error) as error:
        raise merkle.ProofError("proof hashes must be standard base64") from error


def _number(proof: Mapping[str, Any], name: str) -> int:
    value = proof.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise merkle.ProofError(f"a proof's {name} is a whole number")
    return value


def leaf_hash_of_facts(facts: Any) -> bytes:
    """The leaf hash of a status change's public facts (RFC 8785 bytes, RFC 9162 leaf)."""
    return merkle.leaf_hash(canonical_json(facts))


def verify_inclusion_proof(
    proof: Mapping[str, Any], leaf_hash: bytes, checkpoint: Checkpoint
) -> None:
    """``{index, size, hashes}`` places the leaf in the checkpoint's tree."""
    if _number(proof, "size") != checkpoint.size:
        raise merkle.ProofError("the proof is for another tree size than the checkpoint's")
    merkle.verify_inclusion(
        _number(proof, "index"), checkpoint.size, leaf_hash, decode_hashes(proof), checkpoint.root
    )


def verify_consistency_proof(proof: Mapping[str, Any], old: Checkpoint, new: Checkpoint) -> None:
    """``{first, second, hashes}`` shows the new checkpoint's tree extends the old one's."""
    if old.origin != new.origin:
        raise merkle.ProofError("the checkpoints are of different logs")
    if (_number(proof, "first"), _number(proof, "second")) != (old.size, new.size):
        raise merkle.ProofError("the proof is for other tree sizes than the checkpoints'")
    merkle.verify_consistency(old.size, new.size, old.root, new.root, decode_hashes(proof))


def public_facts_of(answer: Mapping[str, Any]) -> dict[str, Any]:
    """What a status answer states that its log leaf must state too."""
    return {
        "recruiter_id": answer.get("recruiter_id"),
        "verdict": answer.get("verdict"),
        "reasons": sorted({reason.get("code") for reason in answer.get("reasons", [])}),
        "licence_status": _status(answer.get("licence")),
        "certificate_status": _status(answer.get("certification")),
    }


def _status(part: Any) -> Any:
    return part.get("status") if isinstance(part, Mapping) else None


def verify_answer_in_log(answer: Mapping[str, Any], checkpoint: Checkpoint) -> dict[str, Any]:
    """The answer's ``log`` names a leaf stating the answer's facts, changed no later than
    the answer's instant, and places it in the checkpoint's tree; the leaf, checked."""
    proof = answer.get("log")
    if not isinstance(proof, Mapping) or not isinstance(proof.get("leaf"), Mapping):
        raise merkle.ProofError("the answer carries no log proof")
    leaf = proof["leaf"]
    stated = {name: leaf.get(name) for name in public_facts_of(answer)}
    if stated != public_facts_of(answer):
        raise merkle.ProofError("the log leaf states another answer than the one given")
    changed_at, as_of = leaf.get("changed_at"), answer.get("as_of")
    if not isinstance(changed_at, str) or not isinstance(as_of, str) or changed_at > as_of:
        raise merkle.ProofError("the log leaf is of a change after the answer's instant")
    verify_inclusion_proof(proof, leaf_hash_of_facts(leaf), checkpoint)
    return dict(leaf)
