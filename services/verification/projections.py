"""The verification service's read models, built from all three topics.

- ``recruiter_status``:
  - one document per recruiter holding a *fact* per event of its licensing stream and
    its certifications, with what finds it (folded names, licence numbers), and the
    list of worker reports a monitor has substantiated or matched to it;
  - one document per report (``report:<report_id>``) holding that report's facts,
    whichever key monitoring gave its events (the report id until it is matched, the
    recruiter's after). Readers join a recruiter's listed reports in (``load_records``).

  Facts are kept whatever order they arrive in, so a certification event that
  overtakes the recruiter's registration is not lost, and a missing version shows as a
  gap until it arrives.
  - one document per agent link (``agent-link:<recruiter_id>:<agent_id>``) holding the
    agent's licence key and whether the link ended: who links to a licence number, for
    the search by an agent's number and for finding the recruiters whose answer moves
    when that licence's holder's answer does.
  - one document per licence number (``licence:<country>:<number>``, see
    ``number_key``): the licence and its holder. Kept by the same consumer as the
    records, so a lookup by number is exactly as far behind as the answer it gives, and
    a replay rebuilds both together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.verification.domain import Record
from services.verification.schedule import mark_due
from shared.bus.base import Message
from shared.errors import Unavailable
from shared.events.catalogue import Received
from shared.events.licensing import (
    AgentDeclared,
    AgentLinkEnded,
    LicenceApplied,
    RecruiterRegistered,
    link_after,
    link_key,
)
from shared.events.monitoring import ReportMatched, ReportSubstantiated
from shared.projection import INTEGRITY, Projection
from shared.readmodels.base import ReadModelStore
from shared.text import folded, licence_key

TOPICS = ("licensing.events", "certification.events", "monitoring.events")
# A report counts for its recruiter once a monitor substantiates it or matches it to them:
# only those are listed on the recruiter, so anonymous intake cannot swell its document.
LISTED = (ReportSubstantiated, ReportMatched)
PROGRESS = "progress"
# Recruiter ids are opaque but licensing gives them this prefix; message keys that are
# not recruiter ids are report ids (monitoring keys a report naming no recruiter by it).
RECRUITER_PREFIX = "rec-"


def report_key(report_id: str) -> str:
    return f"report:{report_id}"


def number_key(country: str, licence_number: str) -> str:
    return f"licence:{licence_key(country, licence_number)}"


def document_for(service: str, stream: str, recruiter_id: str | None) -> str | None:
    """The document holding a stream's facts; None for streams this projection ignores."""
    if service == "licensing":
        # Licence-number claims and referrals have streams of their own.
        return recruiter_id if stream == recruiter_id else None
    if service == "certification":
        return recruiter_id if recruiter_id and stream.startswith("cert-") else None
    if service == "monitoring":
        return report_key(stream)
    return None


def holds(document: dict[str, Any] | None, stream: str, version: int) -> bool:
    """Whether a document holds every fact of ``stream`` up to ``version``."""
    held = {f["version"] for f in (document or {}).get("facts", []) if f["stream"] == stream}
    return held >= set(range(1, version + 1))


class RecruiterStatus(Projection):
    name = "recruiter_status"
    collection = "recruiter_status"
    topics = TOPICS
    indexes = (
        ("kind", "search"),
        ("kind", "country", "search"),
        ("kind", "licence", "ended", "recruiter_id"),
    )
    word_indexes = ("search",)

    def key_for(self, event: Received) -> str | None:
        return document_for(event.source.lstrip("/"), event.subject, event.recruiter_id)

    def reads(self, event: Received) -> list[tuple[str, str]]:
        recruiter, keys = event.recruiter_id, []
        if recruiter and isinstance(event.event, LISTED):
            keys.append(recruiter)
        if recruiter and isinstance(event.event, (AgentDeclared, AgentLinkEnded)):
            keys.append(link_key(recruiter, event.event.agent_id))
        if isinstance(event.event, LicenceApplied):
            keys.append(number_key(event.event.country, event.event.licence_number))
        return [*super().reads(event), *((self.collection, key) for key in keys)]

    def apply_received(self, event: Received) -> bool:
        recruiter = event.recruiter_id
        if recruiter and isinstance(event.event, LISTED):
            # Listed on the recruiter before the report's own document takes the event: a
            # reader who sees the listing but not the event answers unknown, never green.
            listing = {"report_id": event.subject, "version": event.stream_version}
            self._update(recruiter, lambda document: _listed(document, recruiter, listing))
        if recruiter and isinstance(event.event, (AgentDeclared, AgentLinkEnded)):
            link = event.event
            key = link_key(recruiter, link.agent_id)
            self._update(key, lambda document: link_after(document, recruiter, link))
        applied = super().apply_received(event)
        if isinstance(event.event, LicenceApplied):
            # After the record it points to, so a reader who finds the number finds it.
            number = event.event
            held = {
                "kind": "licence_number",
                "recruiter_id": number.recruiter_id,
                "licence_id": number.licence_id,
                "event_id": event.id,
            }
            key = number_key(number.country, number.licence_number)
            self._update(key, lambda document: None if document == held else held)
        if recruiter and self.key_for(event) is not None:
            # Whether applied now or before a crash: its answer is looked at after the write.
            mark_due(self.store, recruiter)
        return applied

    def dead_letter_key(self, message: Message) -> str | None:
        if not message.key:
            return None
        if message.key.startswith(RECRUITER_PREFIX):
            return message.key
        return report_key(message.key) if message.topic.endswith("monitoring.events") else None

    def fold(self, document: dict[str, Any], event: Received) -> dict[str, Any] | None:
        stream, version = event.subject, event.stream_version
        facts = document.get("facts", [])
        if any(f["stream"] == stream and f["version"] == version for f in facts):
            return None
        fact = {
            "stream": stream,
            "version": version,
            "kind": event.name,
            "event_version": event.event.event_version,
            "event_id": event.id,
            "at": event.effective_at,
            "recorded": event.recorded_at,
            "data": event.event.to_data(),
        }
        return self.when({**document, "facts": [*facts, fact]}, event)

    def when(self, document: dict[str, Any], event: Received) -> dict[str, Any]:
        if event.source == "/monitoring":
            return {**document, "kind": "report", "report_id": event.subject}
        document = {**document, "kind": "recruiter", "recruiter_id": event.recruiter_id}
        registered = event.event
        if isinstance(registered, RecruiterRegistered):
            # What finds it; what it is, the registration fact says.
            names = [registered.legal_name, *registered.trade_names]
            document |= {
                "country": registered.country,
                "search": " | ".join(folded(name) for name in names),
            }
        return document

    def record_dead_letter(self, message: Message, reason: str) -> None:
        try:
            super().record_dead_letter(message, reason)
        except Unavailable:
            raise
        except Exception:
            # The document cannot take the mark (grown too large, say): note it where
            # every reader looks anyway, so its recruiter is never vouched for.
            key = self.dead_letter_key(message)
            if key:
                mark = {"document": key, "position": message.position}
                self._change_progress(lambda progress: _with_unmarked(progress, mark))
                self._mark_due(key)
            raise
        self._mark_due(self.dead_letter_key(message))

    def _mark_due(self, key: str | None) -> None:
        """A recruiter whose answer a lost message makes unknown is looked at too."""
        if key and key.startswith(RECRUITER_PREFIX):
            mark_due(self.store, key)

    def clear_dead_letter(self, repair: Message, position: str) -> None:
        super().clear_dead_letter(repair, position)

        def unmarked(progress: dict[str, Any]) -> dict[str, Any]:
            kept = [m for m in progress["unmarked"] if m["position"] != position]
            return progress | {"unmarked": kept}

        self._change_progress(unmarked)
        # Its answer may come back from unknown: looked at after the mark is gone.
        self._mark_due(self.dead_letter_key(repair))

    def discard(self) -> None:
        super().discard()
        self.store.delete(PROGRESS, self.collection)

    def record_progress(self, positions: dict[str, dict[str, int]]) -> None:
        """How far this generation has read each topic, for every answer to cite. Merged
        with what is stored: after a restart a consumer knows only the partitions it has
        read since, and during a rebalance two may write."""

        def merged(progress: dict[str, Any]) -> dict[str, Any]:
            known = {(p["topic"], p["partition"]): p["offset"] for p in progress["positions"]}
            for topic, partitions in positions.items():
                for partition, offset in partitions.items():
                    key = (topic, int(partition))
                    known[key] = max(offset, known.get(key, 0))
            listed = [
                {"topic": topic, "partition": partition, "offset": offset}
                for (topic, partition), offset in sorted(known.items())
            ]
            return progress | {"positions": listed}

        self._change_progress(merged)

    def _change_progress(self, change) -> None:
        """The progress document of this generation, kept under its collection's name."""

        def changed(document: dict[str, Any]) -> dict[str, Any] | None:
            updated = change({"positions": [], "unmarked": [], **document})
            return None if updated == document else updated

        self._update(self.collection, changed, PROGRESS)


def _with_unmarked(progress: dict[str, Any], mark: dict[str, str]) -> dict[str, Any]:
    if mark in progress["unmarked"]:
        return progress
    return progress | {"unmarked": [*progress["unmarked"], mark]}


def load_records(
    store: ReadModelStore,
    collection: str,
    recruiter_ids: Sequence[str],
    unmarked: Mapping[str, str] | None = None,
) -> dict[str, Record]:
    """Each recruiter's record that the projection holds anything about."""
    found = store.get_many(collection, recruiter_ids)
    documents = {key: stored.document for key, stored in found.items()}
    return records_from(store, collection, documents, unmarked)


def records_from(
    store: ReadModelStore,
    collection: str,
    documents: Mapping[str, dict[str, Any]],
    unmarked: Mapping[str, str] | None = None,
) -> dict[str, Record]:
    """Records of recruiters' documents with the facts of the reports listed on them.
    ``unmarked``: position of a lost message per document that could not be marked."""
    unmarked = unmarked or {}
    listed = {
        report_key(listing["report_id"])
        for document in documents.values()
        for listing in document.get("reports", [])
    }
    reports = store.get_many(collection, sorted(listed)) if listed else {}
    records = {}
    for recruiter_id, document in documents.items():
        facts, letters = list(document.get("facts", [])), dead_letters(document)
        expected: dict[str, int] = {}
        keys = [recruiter_id]
        for listing in document.get("reports", []):
            report_id, key = listing["report_id"], report_key(listing["report_id"])
            expected[report_id] = max(listing["version"], expected.get(report_id, 0))
            keys.append(key)
            if key in reports and report_id not in {f["stream"] for f in facts}:
                facts += reports[key].document.get("facts", [])
                letters += dead_letters(reports[key].document)
        letters += [{"kind": "dead_letter", "position": unmarked[k]} for k in keys if k in unmarked]
        records[recruiter_id] = Record(recruiter_id, facts, letters, expected)
    return records


def _listed(document: dict[str, Any], recruiter: str, listing: dict[str, Any]) -> dict | None:
    """The recruiter's document with the report listed; None when it already was."""
    if listing in document.get("reports", []):
        return None
    reports = [*document.get("reports", []), listing]
    return {**document, "kind": "recruiter", "recruiter_id": recruiter, "reports": reports}


def dead_letters(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in document.get(INTEGRITY, []) if p.get("kind") == "dead_letter"]
