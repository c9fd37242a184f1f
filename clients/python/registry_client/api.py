"""Typed calls to the registry's public verification API, with their checks built in."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from registry_client.fetch import fetch, fetch_json
from registry_client.proofs import verify_answer_in_log
from registry_client.receipts import verify_receipt
from registry_client.tlog.checkpoint import Checkpoint, open_checkpoint
from registry_client.tlog.note import NoteVerifier


@dataclass(frozen=True)
class StatusAnswer:
    """One recruiter's answer: the verdict, why, and the receipt that signs it."""

    recruiter_id: str | None
    verdict: str | None
    reasons: list[dict[str, Any]]
    receipt: str
    body: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class BatchAnswer:
    results: list[dict[str, Any]]
    receipt: str
    body: dict[str, Any] = field(repr=False)


class RegistryClient:
    """``base_url`` is the verification service's root, such as https://registry.example/."""

    def __init__(self, base_url: str, issuer: str | None = None):
        self.base_url, self.issuer = base_url, issuer

    def status(self, recruiter_id: str, as_of: str | None = None) -> StatusAnswer:
        path = f"v1/recruiters/{urllib.parse.quote(recruiter_id, safe='')}"
        return self._status(fetch_json(self.base_url, path, _as_of(as_of)))

    def licence(self, country: str, number: str, as_of: str | None = None) -> StatusAnswer:
        path = f"v1/licences/{urllib.parse.quote(country, safe='')}/{urllib.parse.quote(number)}"
        return self._status(fetch_json(self.base_url, path, _as_of(as_of)))

    def verify_many(self, items: list[dict[str, str]], as_of: str | None = None) -> BatchAnswer:
        request: dict[str, Any] = {"items": items, **_as_of(as_of)}
        body = fetch_json(self.base_url, "v1/verifications", body=request)
        return BatchAnswer(body["results"], body["receipt"], body)

    def jwks(self) -> dict[str, Any]:
        return fetch_json(self.base_url, ".well-known/jwks.json")

    def verified_claims(self, answer: StatusAnswer | BatchAnswer) -> dict[str, Any]:
        """The receipt's claims, checked against the registry's current JWKS."""
        return verify_receipt(answer.receipt, self.jwks(), self.issuer)

    def log_key(self) -> NoteVerifier:
        return NoteVerifier.parse(fetch(self.base_url, "v1/log/key").decode().strip())

    def checkpoint(self, verifier: NoteVerifier) -> Checkpoint:
        note = fetch(self.base_url, "v1/log/checkpoint").decode("utf-8", errors="replace")
        return open_checkpoint(note, verifier)

    def verified_in_log(self, answer: StatusAnswer, verifier: NoteVerifier) -> dict[str, Any]:
        """The leaf of the public log that states this answer, its inclusion checked against
        the checkpoint the answer carries, signed by ``verifier`` (keep the key you trust)."""
        proof = answer.body.get("log") or {}
        checkpoint = open_checkpoint(str(proof.get("checkpoint", "")), verifier)
        return verify_answer_in_log(answer.body, checkpoint)

    def inclusion_proof(self, index: int, size: int) -> dict[str, Any]:
        query = {"index": index, "size": size}
        return fetch_json(self.base_url, "v1/log/proof/inclusion", query)

    def consistency_proof(self, first: int, second: int) -> dict[str, Any]:
        query = {"first": first, "second": second}
        return fetch_json(self.base_url, "v1/log/proof/consistency", query)

    @staticmethod
    def _status(body: dict[str, Any]) -> StatusAnswer:
        return StatusAnswer(
            body.get("recruiter_id"), body.get("verdict"), body.get("reasons", []),
            body["receipt"], body,
        )  # fmt: skip


def _as_of(as_of: str | None) -> dict[str, str]:
    return {} if as_of is None else {"as_of": as_of}
