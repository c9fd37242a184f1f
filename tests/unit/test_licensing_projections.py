"""The referral inbox folds the ministry's answers whichever arrives first."""

from __future__ import annotations

from services.licensing.projections import ReferralInbox
from tests.fakes import InMemoryReadModelStore


def event(source: str, subject: str, name: str, at: str, **data) -> dict:
    return {
        "id": f"{name}-1",
        "source": f"/{source}",
        "type": f"registry.{source}.{name}.v1",
        "subject": subject,
        "streamversion": 1 if name != "report_referred" else 3,
        "effectiveat": at,
        "data": data,
    }


REFERRED = event(
    "monitoring",
    "rep-1",
    "report_referred",
    "2026-11-01T00:00:00Z",
    report_id="rep-1",
    referral_id="ref-rep-1",
    country="KE",
    recruiter_id="rec-1",
    categories=["fees_charged"],
)
ACKNOWLEDGED = event(
    "licensing",
    "referral-ref-rep-1",
    "referral_acknowledged",
    "2026-11-02T00:00:00Z",
    referral_id="ref-rep-1",
    report_id="rep-1",
    country="KE",
)


def inbox_after(*events: dict) -> dict:
    inbox = ReferralInbox(InMemoryReadModelStore())
    for envelope in events:
        inbox.apply(envelope)
    return inbox.store.get(inbox.collection, "rep-1").document


def test_an_answer_read_before_its_referral_is_kept():
    in_order = inbox_after(REFERRED, ACKNOWLEDGED)
    answer_first = inbox_after(ACKNOWLEDGED, REFERRED)
    fields = ("status", "acknowledged_at", "referred_at", "categories", "recruiter_id")
    assert {k: answer_first[k] for k in fields} == {k: in_order[k] for k in fields}
    assert answer_first["status"] == "acknowledged"
