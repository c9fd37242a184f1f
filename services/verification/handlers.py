"""Questions people ask the registry, answered from the projection, never by replaying.

Every answer carries ``as_of`` (the instant it is for) and ``positions`` (how far the
projection has read each topic); a status answer carries a signed receipt.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.verification import chained, views
from services.verification.chain import linked_agents
from services.verification.chained import CHAIN_DEPTH, ChainRecords
from services.verification.domain import Record, Status, history
from services.verification.log.proofs import AnswerProofs, NoLog
from services.verification.projections import (
    PROGRESS,
    RecruiterStatus,
    load_records,
    number_key,
    records_from,
)
from services.verification.receipts import ReceiptSigner
from shared.bus.base import BusHead
from shared.clock import Clock, rfc3339
from shared.errors import CatchingUp, Invalid, NotFound
from shared.events.licensing import LicenceApplied
from shared.readmodels.base import Query, ReadModelStore, every
from shared.replay import CurrentCollection
from shared.text import folded, licence_key, words

PAGE = 1000
MAX_FILTERED = 5000
# A search's total is exact up to this many, "at least" from there: counting every
# match of a one-letter name would cost time in proportion to the whole register.
COUNTED = 10_000


@dataclass
class Registry:
    """The projection as readers see it: the current generation of each collection."""

    store: ReadModelStore
    signer: ReceiptSigner
    clock: Clock
    # What the bus holds beyond the projection; without one, nothing is ever stale.
    head: BusHead | None = None
    stale_after: float = 10.0
    # The public log's leaves, which answers name and prove (SPEC §17).
    log: AnswerProofs | NoLog = field(default_factory=NoLog)
    recruiters: Callable[[], str] = field(init=False)
    _progress: tuple[float, str, dict] = (0.0, "", {})
    _lags: dict[str | None, tuple[float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.recruiters = CurrentCollection(
            self.store, RecruiterStatus.name, RecruiterStatus.collection
        )

    def progress(self) -> dict[str, Any]:
        """The generation's read positions and unmarked losses, looked up at most twice a
        second."""
        collection, (read_at, cached_for, cached) = self.recruiters(), self._progress
        if cached_for != collection or time.monotonic() - read_at > 0.5:
            stored = self.store.get(PROGRESS, collection)
            cached = stored.document if stored else {}
            self._progress = (time.monotonic(), collection, cached)
        return cached

    def positions(self) -> list[dict[str, Any]]:
        return self.progress().get("positions", [])

    def lag(self, key: str | None = None) -> float:
        """Seconds the oldest message not yet read, on the partitions holding ``key`` (all
        partitions when None), has waited on the bus; looked up at most twice a second."""
        if self.head is None:
            return 0.0
        read_at, lag = self._lags.get(key, (0.0, 0.0))
        if time.monotonic() - read_at > 0.5:
            oldest = self.head.oldest_unread(self.positions(), key)
            lag = max(0.0, (self.clock() - oldest).total_seconds()) if oldest else 0.0
            if len(self._lags) > 10_000:
                self._lags.clear()
            self._lags[key] = (time.monotonic(), lag)
        return round(lag, 3)

    def behind(self, key: str | None) -> float | None:
        """The lag of a recruiter's partitions when it is too old to vouch for them."""
        lag = self.lag(key)
        return lag if lag > self.stale_after else None

    def unmarked(self) -> dict[str, str]:
        return {m["document"]: m["position"] for m in self.progress().get("unmarked", [])}

    def records(self, recruiter_ids: Iterable[str]) -> dict[str, Record]:
        ids = list(dict.fromkeys(recruiter_ids))
        return load_records(self.store, self.recruiters(), ids, self.unmarked())

    def holders(self, licences: Iterable[tuple[str, str]]) -> dict[str, dict[str, str]]:
        """Per licence key (see ``licence_key``), the licence and the recruiter holding it."""
        keys = {number_key(*licence): licence_key(*licence) for licence in licences}
        found = self.store.get_many(self.recruiters(), sorted(keys)) if keys else {}
        return {keys[key]: stored.document for key, stored in found.items()}


def check_recruiter(
    registry: Registry, recruiter_id: str, at: datetime | None, official: bool
) -> dict[str, Any]:
    record = registry.records([recruiter_id]).get(recruiter_id)
    if record is None:
        raise unknown_or_catching_up(
            registry, recruiter_id, f"no recruiter with id {recruiter_id} is known to this registry"
        )
    return signed(registry, answer(registry, record, at or registry.clock(), official))


def unknown_or_catching_up(registry: Registry, recruiter_id: str | None, unknown: str) -> Exception:
    """Not found, unless unread messages that may name it are too old to say so (SPEC 13)."""
    return catching_up(registry, recruiter_id) or NotFound(unknown)


def catching_up(registry: Registry, recruiter_id: str | None) -> CatchingUp | None:
    """Set when the partitions that may hold ``recruiter_id`` (all, when None) have unread
    messages too old to say the registry does not know it."""
    behind = registry.behind(recruiter_id)
    if behind is None:
        return None
    return CatchingUp(
        "this registry has not yet read every message that may concern this recruiter: "
        f"the oldest unread has waited {behind:.0f} seconds; retry shortly",
        retry_after=max(1, min(60, round(behind / 10))),
    )


def check_licence(
    registry: Registry, country: str, number: str, at: datetime | None, official: bool
) -> dict[str, Any]:
    """The answer about the licence with that number, on its holder's record."""
    held = registry.holders([(country, number)]).get(licence_key(country, number), {})
    record = registry.records([held["recruiter_id"]]).get(held["recruiter_id"]) if held else None
    if record is None:
        unknown = (
            f"no recruiter with that licence number in country {country} is known to this registry"
        )
        # With no holder known, the number could be on any partition not yet read.
        raise unknown_or_catching_up(registry, held.get("recruiter_id"), unknown)
    at = at or registry.clock()
    return signed(registry, answer(registry, record, at, official, held["licence_id"]))


def verify_many(
    registry: Registry, items: list[dict[str, str]], at: datetime | None, official: bool
) -> dict[str, Any]:
    """Up to 1,000 recruiters in one answer, one receipt over all of them."""
    at = at or registry.clock()
    holders = registry.holders(
        (item["country"], item["licence_number"]) for item in items if "licence_number" in item
    )

    def holder_of(item: dict[str, str]) -> dict[str, str]:
        if "recruiter_id" in item:
            return {"recruiter_id": item["recruiter_id"]}
        return holders.get(licence_key(item["country"], item["licence_number"]), {})

    wanted = [holder_of(item) for item in items]
    records = registry.records(filter(None, (held.get("recruiter_id") for held in wanted)))
    results = []
    for item, held in zip(items, wanted, strict=True):
        record = records.get(held.get("recruiter_id", ""))
        if record is None:
            # A signed "not found" must be as sure as a single lookup's 404 (SPEC §13); one
            # look over every partition, not one per row.
            if stale := catching_up(registry, None):
                raise stale
            results.append({"query": item, "found": False})
            continue
        document = answer(registry, record, at, official, held.get("licence_id"))
        detail = document.pop("detail", None)
        results.append(
            {"query": item, "found": True, "status": document}
            | ({"detail": detail} if official else {})
        )
    found = [r["status"] for r in results if r["found"]]
    for status, leaf in zip(found, registry.log.name(found), strict=True):
        status["log"] = leaf
    claims = {
        "as_of": rfc3339(at),
        "positions": registry.positions(),
        "lag_seconds": registry.lag(),
        "results": [
            {"query": r["query"], "found": r["found"]}
            | (receipt_summary(r["status"]) | {"log": r["status"]["log"]} if r["found"] else {})
            for r in results
        ],
    }
    return {
        "results": results,
        "as_of": claims["as_of"],
        "positions": claims["positions"],
        "lag_seconds": claims["lag_seconds"],
        "receipt": registry.signer.sign(claims),
    }


def find_recruiters(registry: Registry, query: dict[str, Any]) -> dict[str, Any]:
    """Names matched whatever their case and accents, optionally by country and status;
    or the recruiters working through the agent with a licence number."""
    at = registry.clock()
    if "agent_licence_number" in query:
        return _freshness(registry, at, working_through(registry, query, at))
    where: dict[str, Any] = {"kind": "recruiter"}
    if "country" in query:
        where["country"] = query["country"]
    # Each word of the name asked for starts a word of a name found (served by the word
    # index); a name with no letters or digits in it names no one.
    named = tuple(dict.fromkeys(words(folded(query["q"])))) if query.get("q") else None
    limit, offset, wanted = query["limit"], query["offset"], query.get("status")

    def hits(start: int, size: int) -> tuple[list[dict[str, Any]], int]:
        if named == ():
            return [], 0
        found_by = ("search", named) if named else None
        search = Query(
            where,
            words=found_by,
            order_by="search",
            limit=size,
            offset=start,
            count_up_to=max(COUNTED, MAX_FILTERED + 1),
        )
        page = registry.store.find(registry.recruiters(), search)
        documents = {document["recruiter_id"]: document for document in page.items}
        records = records_from(
            registry.store, registry.recruiters(), documents, registry.unmarked()
        ).values()
        return [views.search_hit(r, chained_status(registry, r, at)) for r in records], page.total

    if wanted is None:
        found, total = hits(offset, limit)
    else:
        # Status depends on the instant, so it is worked out here, for a bounded set.
        candidates, matching = hits(0, PAGE)
        if matching > MAX_FILTERED:
            raise Invalid(
                f"more than {MAX_FILTERED} recruiters match; narrow by name or country "
                "to filter by status",
                {"status": ["needs a narrower search"]},
            )
        for start in range(PAGE, matching, PAGE):
            candidates += hits(start, PAGE)[0]
        chosen = [h for h in candidates if wanted in (h["verdict"], h["licence_status"] or "none")]
        found, total = chosen[offset : offset + limit], len(chosen)
    page = {"items": found, "total": total, "limit": limit, "offset": offset}
    return _freshness(registry, at, page)


def working_through(registry: Registry, query: dict[str, Any], at: datetime) -> dict[str, Any]:
    """A page of the recruiters with a link in force to the agent holding that licence."""
    key = licence_key(query["agent_country"], query["agent_licence_number"])
    limit, offset = query["limit"], query["offset"]
    links, total = links_to(registry, key, offset, limit)
    records = registry.records(link["recruiter_id"] for link in links)
    found = [views.search_hit(r, chained_status(registry, r, at)) for r in records.values()]
    return {"items": found, "total": total, "limit": limit, "offset": offset}


def _freshness(registry: Registry, at: datetime, page: dict[str, Any]) -> dict[str, Any]:
    return page | {
        "as_of": rfc3339(at),
        "positions": registry.positions(),
        "lag_seconds": registry.lag(),
    }


def show_history(registry: Registry, recruiter_id: str, official: bool) -> dict[str, Any]:
    record = registry.records([recruiter_id]).get(recruiter_id)
    if record is None:
        raise unknown_or_catching_up(
            registry, recruiter_id, f"no recruiter with id {recruiter_id} is known to this registry"
        )
    return {
        **views.identity(record),
        "events": history(record, official),
        "as_of": rfc3339(registry.clock()),
        "positions": registry.positions(),
        "lag_seconds": registry.lag(recruiter_id),
    }


def answer(
    registry: Registry,
    record: Record,
    at: datetime,
    official: bool,
    licence_id: str | None = None,
) -> dict[str, Any]:
    behind = registry.behind(record.recruiter_id)
    status = chained_status(registry, record, at, licence_id, official, behind)
    lag = registry.lag(record.recruiter_id)
    return views.status_document(record, status, at, registry.positions(), lag, official)


def chained_status(
    registry: Registry,
    record: Record,
    at: datetime,
    licence_id: str | None = None,
    official: bool = False,
    behind: float | None = None,
) -> Status:
    """The status at ``at`` with the answers of the agents in force then."""
    chain = chain_records(registry, record, at)
    return chained.chained_status(record, at, chain, licence_id, official, behind)


def chain_records(registry: Registry, record: Record, at: datetime | None) -> ChainRecords:
    """The holders and records the chain of ``record`` reaches, ``CHAIN_DEPTH`` levels below
    its agents: those in force at ``at``, or (None) every agent it ever declared, for
    answers at many instants. One lookup of holders and one of records per level."""
    holders: dict[str, str] = {}
    records: dict[str, Record] = {}
    level = [record]
    for _ in range(CHAIN_DEPTH + 1):
        numbers = {
            licence_key(agent.country, agent.licence_number): (agent.country, agent.licence_number)
            for linking in level
            for agent in linked_agents(linking.streams.get(linking.recruiter_id, []), at)
            if agent.licence_number
        }
        wanted = {key: number for key, number in numbers.items() if key not in holders}
        if not wanted:
            break
        holders |= {
            key: held["recruiter_id"] for key, held in registry.holders(wanted.values()).items()
        }
        unread = {holders[key] for key in wanted if key in holders}
        unread -= records.keys() | {record.recruiter_id}
        level = list(registry.records(sorted(unread)).values()) if unread else []
        records |= {agent.recruiter_id: agent for agent in level}
    # How stale the agents' records may be is asked once, of every partition.
    behind = registry.behind(None) if records else None
    return ChainRecords(holders, records, behind)


def linking_recruiters(registry: Registry, record: Record) -> list[str]:
    """The recruiters with a link in force, or declared ahead, to a licence of this one:
    those whose answer may move when this one's does."""
    recruiter_id = record.recruiter_id
    keys = sorted(
        {
            licence_key(fact["event"].country, fact["event"].licence_number)
            for fact in record.streams.get(recruiter_id, [])
            if isinstance(fact["event"], LicenceApplied)
        }
    )
    linking = {
        link["recruiter_id"]
        for key in keys
        for link in every(registry.store, registry.recruiters(), links_in_force(key), 1000)
    }
    return sorted(linking - {recruiter_id})


def links_to(
    registry: Registry, key: str, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """The links in force to the licence ``key``, in recruiter order, and how many."""
    query = dataclasses.replace(links_in_force(key), limit=limit, offset=offset)
    page = registry.store.find(registry.recruiters(), query)
    return list(page.items), page.total


def links_in_force(key: str) -> Query:
    return Query({"kind": "agent_link", "licence": key, "ended": False}, order_by="recruiter_id")


def signed(registry: Registry, document: dict[str, Any]) -> dict[str, Any]:
    """The answer with the log's proof of it, and a receipt that names its leaf."""
    proof = registry.log.prove(document)
    leaf = {"index": proof["index"], "size": proof["size"]} if proof else None
    claims = views.receipt_facts(document) | {"log": leaf}
    return {**document, "log": proof, "receipt": registry.signer.sign(claims)}


def receipt_summary(document: dict[str, Any]) -> dict[str, Any]:
    facts = views.receipt_facts(document)
    return {name: facts[name] for name in ("sub", "verdict", "reasons", "licence", "certificate")}
