"""The log's proof for an answer (SPEC §17): the leaf that states the answer's public facts,
and its inclusion in the tree of a signed checkpoint."""

from __future__ import annotations

from typing import Any

from registry_client.tlog.merkle import prove_inclusion
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

    def prove(self, document: dict[str, Any]) -> dict[str, Any] | None:
        """The leaf stating the answer and its inclusion proof against a signed checkpoint;
        None when no leaf states it yet (the log follows the changes by a moment) or none
        ever will (an answer unknown because this reader lags)."""
        size = self.log.tree.size
        leaf = stating(document, self.leaves.of(document["recruiter_id"]), size)
        if leaf is None:
            return None
        return {
            "index": leaf["index"],
            "size": size,
            "leaf": leaf["facts"],
            # Of the size just read: no second look at the head to check it.
            "hashes": b64(prove_inclusion(leaf["index"], size, self.log.store.read_hashes)),
            "checkpoint": self.log.checkpoint(size),
        }

    def name(self, documents: list[dict[str, Any]]) -> list[dict[str, int] | None]:
        """For a batch: each answer's leaf as ``{index, size}``, in one read; the proofs are
        at /v1/log/proof/inclusion, cached for good."""
        size = self.log.tree.size
        pages = self.leaves.of_many([document["recruiter_id"] for document in documents])
        named = []
        for document in documents:
            leaf = stating(document, pages.get(document["recruiter_id"], []), size)
            named.append({"index": leaf["index"], "size": size} if leaf else None)
        return named


class NoLog:
    """Where no public log is kept: no answer names a leaf."""

    def prove(self, document: dict[str, Any]) -> None:
        return None

    def name(self, documents: list[dict[str, Any]]) -> list[None]:
        return [None] * len(documents)


def stating(
    document: dict[str, Any], leaves: list[dict[str, Any]], size: int
) -> dict[str, Any] | None:
    """The recruiter's latest leaf by the answer's instant, if it is in the tree of ``size``
    and states the answer."""
    stated = [leaf for leaf in leaves if leaf["facts"]["changed_at"] <= document["as_of"]]
    if not stated:
        return None
    leaf = max(stated, key=lambda known: (known["facts"]["changed_at"], known["index"]))
    if leaf["index"] >= size or Answer.of(leaf["facts"]) != public_answer(document):
        return None
    return leaf
