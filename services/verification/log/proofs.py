"""The log's proof for an answer (SPEC §17): the leaf that states the answer's public facts,
and its inclusion in the tree of a signed checkpoint."""

from __future__ import annotations

from typing import Any

from services.verification.changes import Answer
from services.verification.log.appender import LogLeaves
from services.verification.log.public_log import PublicLog, b64


def public_answer(document: dict[str, Any]) -> Answer:
    """An answer's public facts, as a status change states them."""
    licence, certificate = document["licence"], document["certification"]
    return Answer(
        document["verdict"],
        tuple(sorted({reason["code"] for reason in document["reasons"]})),
        licence["status"] if licence else None,
        certificate["status"] if certificate else None,
    )


class AnswerProofs:
    def __init__(self, log: PublicLog, leaves: LogLeaves):
        self.log, self.leaves = log, leaves

    def __call__(self, document: dict[str, Any]) -> dict[str, Any] | None:
        """None when no leaf states this answer yet (the log follows the changes by a
        moment) or none ever will (an answer unknown because this reader lags)."""
        as_of = document["as_of"]
        stated = [
            leaf
            for leaf in self.leaves.of(document["recruiter_id"])
            if leaf["facts"]["changed_at"] <= as_of
        ]
        if not stated:
            return None
        leaf = max(stated, key=lambda known: (known["facts"]["changed_at"], known["index"]))
        size = self.log.tree.size
        if leaf["index"] >= size or Answer.of(leaf["facts"]) != public_answer(document):
            return None
        return {
            "index": leaf["index"],
            "size": size,
            "leaf": leaf["facts"],
            "hashes": b64(self.log.tree.inclusion_proof(leaf["index"], size)),
            "checkpoint": self.log.checkpoint(size),
        }
