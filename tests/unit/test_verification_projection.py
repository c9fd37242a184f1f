"""The verification projection: events of three topics in any order, redelivered, late
matched or lost, end in the same records (in-memory store, no I/O)."""

from __future__ import annotations

import contextlib
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.verification.domain import status_at
from services.verification.handlers import Registry
from services.verification.projections import (
    PROGRESS,
    RecruiterStatus,
    load_records,
    report_key,
)
from services.verification.receipts import ReceiptSigner
from shared.bus.base import Message
from shared.events.licensing import link_key
from shared.events.reading import read
from shared.readmodels.writebehind import WriteBehind
from shared.replay import Generation
from tests.fakes import InMemoryReadModelStore

RECRUITER, REPORT = "rec-abc", "rep-1"
JAN = datetime(2026, 1, 1, tzinfo=UTC)


def event(source, subject, version, name, day, recruiter=RECRUITER, **data) -> dict:
    instant = (JAN + timedelta(days=day)).isoformat()
    envelope = {
        "id": str(uuid.uuid4()),
        "source": f"/{source}",
        "type": f"registry.{source}.{name}.v1",
        "subject": subject,
        "streamversion": version,
        "effectiveat": instant,
        "time": instant,
        "data": data,
    }
    return envelope | ({"recruiterid": recruiter} if recruiter else {})


def story() -> list[dict]:
    licence = f"{RECRUITER}-l1"
    registered = {"legal_name": "Acme", "country": "KE", "registration_number": "C.1"}
    return [
        event(
            "licensing",
            RECRUITER,
            1,
            "recruiter_registered",
            0,
            recruiter_id=RECRUITER,
            trade_names=[],
            address=None,
            **registered,
        ),
        event(
            "licensing",
            RECRUITER,
            2,
            "licence_applied",
            1,
            licence_id=licence,
            recruiter_id=RECRUITER,
            country="KE",
            licence_number="RA/1",
        ),
        event(
            "licensing",
            RECRUITER,
            3,
            "licence_issued",
            2,
            licence_id=licence,
            valid_from="2026-01-01",
            valid_until="2028-12-31",
        ),
        # A claim stream's event carries the recruiter but is not its record.
        event(
            "licensing",
            "licence-number:KE:abc",
            1,
            "licence_number_claimed",
            1,
            country="KE",
            licence_number="RA/1",
            recruiter_id=RECRUITER,
            licence_id=licence,
        ),
        event(
            "certification",
            "cert-1",
            1,
            "certification_applied",
            5,
            certification_id="cert-1",
            recruiter_id=RECRUITER,
            cb_id="cb-1",
        ),
        event(
            "certification",
            "cert-1",
            2,
            "certificate_granted",
            6,
            certification_id="cert-1",
            certificate_number="IRIS-1",
            valid_until="2028-01-01",
        ),
        # Received naming no known recruiter (keyed by the report), matched later.
        event(
            "monitoring",
            REPORT,
            1,
            "report_received",
            7,
            recruiter=None,
            report_id=REPORT,
            org_id=None,
            recruiter_id=None,
            named_recruiter={"country": "KE", "licence_number": None},
            categories=["fees_charged"],
            fee_paid={"amount": "300", "currency": "USD"},
            destination_country=None,
            recruitment_date=None,
        ),
        event(
            "monitoring",
            REPORT,
            2,
            "report_matched",
            8,
            report_id=REPORT,
            recruiter_id=RECRUITER,
        ),
        event("monitoring", REPORT, 3, "report_substantiated", 9, report_id=REPORT),
    ]


def project(events: list[dict]):
    store = InMemoryReadModelStore()
    projection = RecruiterStatus(store)
    for envelope in events:
        projection.apply(envelope)
    return store, projection


def answer(store, day: float = 30):
    record = load_records(store, RecruiterStatus.collection, [RECRUITER])[RECRUITER]
    return status_at(record, JAN + timedelta(days=day))


def test_the_whole_story_in_order_is_amber_with_the_late_matched_report_joined():
    store, _ = project(story())
    status = answer(store)
    assert status.verdict == "amber"
    assert [reason.code for reason in status.reasons] == ["substantiated_report_open"]
    assert status.public["monitoring"]["fees_reported"] == [{"amount": "300", "currency": "USD"}]
    assert store.get(RecruiterStatus.collection, report_key(REPORT)).document["kind"] == "report"


@pytest.mark.parametrize("seed", range(8))
def test_any_arrival_order_and_redelivery_end_in_the_same_answer(seed):
    events = story()
    expected = answer(project(events)[0])
    # Every event delivered twice, in an order Kafka's partitions may deliver them.
    shuffled = events * 2
    random.Random(seed).shuffle(shuffled)
    assert answer(project(shuffled)[0]) == expected


def test_until_a_missing_event_arrives_the_answer_is_unknown():
    events = story()
    store, projection = project(events[:1] + events[2:])
    assert answer(store).verdict == "unknown"
    projection.apply(events[1])
    assert answer(store).verdict == "amber"


def test_a_certification_event_before_the_registration_is_kept():
    events = story()
    store, projection = project(events[4:6])
    assert answer(store).verdict == "unknown"
    for envelope in events[:4]:
        projection.apply(envelope)
    status = answer(store, day=6.5)
    assert status.verdict == "green" and status.public["certification"]["status"] == "certified"


def test_dead_letters_mark_the_recruiter_and_the_unmatched_report():
    store, projection = project(story())
    projection.record_dead_letter(Message("t.monitoring.events", 1, 9, REPORT, b"{"), "bad")
    status = answer(store)
    assert status.verdict == "unknown" and status.reasons[0].position == "t.monitoring.events/1/9"
    other = InMemoryReadModelStore()
    RecruiterStatus(other).record_dead_letter(
        Message("t.licensing.events", 0, 3, RECRUITER, b"x"), "bad"
    )
    assert load_records(other, RecruiterStatus.collection, [RECRUITER])[RECRUITER].dead_letters


def test_progress_keeps_partitions_a_restarted_consumer_has_not_read_yet():
    store, projection = project([])
    projection.record_progress({"t.licensing.events": {"0": 5, "1": 7}})
    projection.record_progress({"t.licensing.events": {"1": 9}, "t.monitoring.events": {"2": 1}})
    assert store.get(PROGRESS, RecruiterStatus.collection).document["positions"] == [
        {"topic": "t.licensing.events", "partition": 0, "offset": 5},
        {"topic": "t.licensing.events", "partition": 1, "offset": 9},
        {"topic": "t.monitoring.events", "partition": 2, "offset": 1},
    ]


class Overfull(InMemoryReadModelStore):
    """A store whose recruiter document can take no more writes (at its size limit)."""

    def put(self, collection, key, document, revision):
        if key == RECRUITER and revision > 0:
            raise ValueError("document too large")
        return super().put(collection, key, document, revision)


def test_a_recruiter_whose_document_cannot_take_a_mark_is_still_unknown(tmp_path):
    store = Overfull()
    # Where the service's consumer writes, and so where readers look.
    projection = RecruiterStatus(store, Generation(1).collection(RecruiterStatus.collection))
    for envelope in story():
        with contextlib.suppress(ValueError):  # the consumer sets such a message aside
            projection.apply(envelope)
    lost = Message("t.licensing.events", 2, 41, RECRUITER, b"{}")
    with pytest.raises(ValueError):
        projection.record_dead_letter(lost, "projection failed: ValueError")
    progress = store.get(PROGRESS, projection.collection).document
    assert progress["unmarked"] == [{"document": RECRUITER, "position": lost.position}]
    registry = Registry(store, ReceiptSigner(tmp_path, "registry"), lambda: JAN)
    status = status_at(registry.records([RECRUITER])[RECRUITER], JAN + timedelta(days=30))
    assert status.verdict == "unknown" and lost.position in [r.position for r in status.reasons]


def test_reports_no_monitor_has_acted_on_leave_the_recruiters_document_alone():
    store, projection = project(story()[:3])
    before = store.get(RecruiterStatus.collection, RECRUITER)
    for n in range(50):
        report_id = f"rep-spam-{n}"
        projection.apply(
            event(
                "monitoring",
                report_id,
                1,
                "report_received",
                10,
                report_id=report_id,
                org_id=None,
                recruiter_id=RECRUITER,
                named_recruiter=None,
                categories=["other"],
                fee_paid=None,
                destination_country=None,
                recruitment_date=None,
            )
        )
    assert store.get(RecruiterStatus.collection, RECRUITER) == before
    assert answer(store).verdict == "green"


class RefusingReports(InMemoryReadModelStore):
    """A store that takes no report document: the listing lands, the report's event not."""

    def put(self, collection, key, document, revision):
        if key.startswith("report:"):
            raise ValueError("refused")
        return super().put(collection, key, document, revision)


def test_a_listed_report_whose_event_has_not_landed_is_unknown_not_green():
    store = RefusingReports()
    projection = RecruiterStatus(store)
    for envelope in story():
        with contextlib.suppress(ValueError):
            projection.apply(envelope)
    listed = store.get(RecruiterStatus.collection, RECRUITER).document["reports"]
    assert listed == [{"report_id": REPORT, "version": 2}, {"report_id": REPORT, "version": 3}]
    status = answer(store)
    assert status.verdict == "unknown"
    assert "event 3 has not reached" in status.reasons[0].message


class ReadsOnlyInBulk(InMemoryReadModelStore):
    """Fails a read of one document: what a batch reads was to be read ahead."""

    def get(self, collection, key):
        raise AssertionError(f"{collection}/{key} was not read ahead")

    def get_many(self, collection, keys):
        found = {key: InMemoryReadModelStore.get(self, collection, key) for key in keys}
        return {key: stored for key, stored in found.items() if stored}


def test_what_applying_a_batch_reads_is_named_before_it_is_applied():
    agent = {"name": "Agent a1", "country": "NP", "role": "sub_agent", "licence_number": None}
    declared = event("licensing", RECRUITER, 4, "agent_declared", 3, agent_id="a1")
    declared["data"] |= agent
    received = [read(envelope) for envelope in [*story(), declared]]
    behind = WriteBehind(ReadsOnlyInBulk())
    projection = RecruiterStatus(behind)
    wanted = sorted({key for e in received for _, key in projection.reads(e)})
    behind.get_many(RecruiterStatus.collection, wanted)
    for one in received:
        projection.apply_received(one)
    behind.flush()
    assert answer(behind.store).verdict == "amber"
    assert link_key(RECRUITER, "a1") in wanted
