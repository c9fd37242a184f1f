"""The log's proof for an answer (SPEC §17): the leaf that states the answer's public facts,
and its inclusion in the tree of a signed checkpoint."""

from __future__ import annotations

import time
from collections.abc import Callable
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
    """Proofs for answers, read as the log stood at most ``HEAD_SECONDS`` ago: the log's
    head, and each recruiter's leaves, are looked at once in that time, whatever the
    number of answers. Leaves are forgotten with the head they were read under: one
    recorded meanwhile (an append under way, or one a crash left to be made again) must
    be seen, or an older leaf would prove an answer a newer change has overtaken."""

    HEAD_SECONDS = 0.5
    LEAVES_KEPT = 10_000

    def __init__(
        self, log: PublicLog, leaves: LogLeaves, monotonic: Callable[[], float] = time.monotonic
    ):
        self.log, self.leaves, self._monotonic = log, leaves, monotonic
        self._head = (-self.HEAD_SECONDS, 0)  # when read, the size
        self._kept: dict[str, list[dict[str, Any]]] = {}  # leaves read under that head

    def prove(self, document: dict[str, Any]) -> dict[str, Any] | None:
        """The leaf stating the answer and its inclusion proof against a signed checkpoint;
        None when no leaf states it yet (the log follows the changes by a moment) or none
        ever will (an answer unknown because this reader lags)."""
        size = self._size()
        leaf = stating(document, self._leaves_of(document["recruiter_id"], size), size)
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
        size = self._size()
        pages = self.leaves.of_many([document["recruiter_id"] for document in documents])
        named = []
        for document in documents:
            leaf = stating(document, pages.get(document["recruiter_id"], []), size)
            named.append({"index": leaf["index"], "size": size} if leaf else None)
        return named

    def _size(self) -> int:
        read_at, size = self._head
        if self._monotonic() - read_at >= self.HEAD_SECONDS:
            size = self.log.tree.size
            self._head, self._kept = (self._monotonic(), size), {}
        return size

    def _leaves_of(self, recruiter_id: str, size: int) -> list[dict[str, Any]]:
        """The recruiter's leaves; kept under this head only when none lies beyond it."""
        kept = self._kept.get(recruiter_id)
        if kept is not None:
            return kept
        leaves = self.leaves.of(recruiter_id)
        if all(leaf["index"] < size for leaf in leaves) and len(self._kept) < self.LEAVES_KEPT:
            self._kept[recruiter_id] = leaves
        return leaves


class NoLog:
    """Where no public log is kept: no answer names a leaf."""

    def prove(self, document: dict[str, Any]) -> None:
        return None

    def name(self, documents: list[dict[str, Any]]) -> list[None]:
        return [None] * len(documents)


def stating(
    document: dict[str, Any], leaves: list[dict[str, Any]], size: int
) -> dict[str, Any] | None:
    """Of the recruiter's leaves in effect by the answer's instant, the last logged, if it
    is in the tree of ``size`` and states the answer. The last logged, not the latest in
    effect: a change may date its answer from before an earlier change's (a licence issued
    with an earlier effective date), and then it is the later that states what the
    registry knows."""
    stated = [leaf for leaf in leaves if leaf["facts"]["changed_at"] <= document["as_of"]]
    if not stated:
        return None
    leaf = max(stated, key=lambda known: known["index"])
    if leaf["index"] >= size or Answer.of(leaf["facts"]) != public_answer(document):
        return None
    return leaf
