"""The monitoring domain: workers' reports about recruiters, their triage and remedy.

Pure: no I/O. A report's events carry only ids, categories, amounts, countries and
dates; the reporter's name, contact and narrative never enter them (see crypto.py).
The report's stream id is its ``report_id``: the licensing service's referral inbox
keys on it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.aggregate import Aggregate
from shared.clock import rfc3339
from shared.errors import Conflict, NotFound
from shared.events.licensing import ReferralAcknowledged, ReferralClosed
from shared.events.monitoring import (
    REPORT_STATUS_AFTER,
    IntermediariesNamed,
    IntermediaryLinked,
    ReferralAcknowledgedNoted,
    ReferralOutcomeNoted,
    ReportMatched,
    ReportReceived,
    ReportReferred,
    ReportResolved,
    ReportReviewStarted,
    ReportSubstantiated,
    ReportUnsubstantiated,
    ReportWithdrawn,
)
from shared.lifecycle import Lifecycle

REPORT = Lifecycle(
    "report",
    {
        ("received", "review"): "under_review",
        ("received", "substantiate"): "substantiated",
        ("under_review", "substantiate"): "substantiated",
        ("received", "unsubstantiate"): "unsubstantiated",
        ("under_review", "unsubstantiate"): "unsubstantiated",
        ("substantiated", "refer"): "referred",
        ("substantiated", "resolve"): "resolved",
        ("referred", "resolve"): "resolved",
        ("received", "withdraw"): "withdrawn",
        ("under_review", "withdraw"): "withdrawn",
        ("substantiated", "withdraw"): "withdrawn",
        ("referred", "withdraw"): "withdrawn",
    },
)
RECORDS = {
    "review": ReportReviewStarted,
    "substantiate": ReportSubstantiated,
    "unsubstantiate": ReportUnsubstantiated,
    "refer": ReportReferred,
    "resolve": ReportResolved,
    "withdraw": ReportWithdrawn,
}


def new_report_id() -> str:
    return f"rep-{uuid.uuid4().hex[:16]}"


class Report(Aggregate):
    def __init__(self, stream_id: str):
        super().__init__(stream_id)
        self.status = "none"
        self.organisation: str | None = None
        self.recruiter_id: str | None = None
        self.subject: dict[str, Any] = {}
        self.categories: list[str] = []
        self.fee_paid: dict[str, str] | None = None
        self.referral: dict[str, Any] | None = None
        self.outcome: str | None = None
        self.updates: list[dict[str, Any]] = []
        self.intermediaries: dict[str, dict[str, Any]] = {}

    # --- commands ---------------------------------------------------------------------

    def receive(
        self,
        organisation: str | None,
        subject: dict[str, Any],
        categories: list[str],
        fee_paid: dict[str, Any] | None,
        destination_country: str | None,
        recruitment_date: date | None,
        matched: str | None = None,
        intermediary_countries: list[str] = (),
    ) -> list[str]:
        """``matched``: the recruiter the named licence number belongs to, if known;
        ``intermediary_countries``: where each intermediary the worker named acted. The
        ids given to those intermediaries, in order."""
        if self.exists:
            raise Conflict(f"report {self.id} exists")
        self.record(
            ReportReceived(
                report_id=self.id,
                org_id=organisation,
                recruiter_id=subject.get("recruiter_id") or matched,
                named_recruiter=_named(subject),
                categories=sorted(set(categories)),
                fee_paid=_money(fee_paid),
                destination_country=destination_country,
                recruitment_date=recruitment_date.isoformat() if recruitment_date else None,
            )
        )
        named = [
            {"intermediary_id": f"i{n}", "country": country}
            for n, country in enumerate(intermediary_countries, 1)
        ]
        if named:
            self.record(IntermediariesNamed(self.id, named))
        return [intermediary["intermediary_id"] for intermediary in named]

    def link_intermediary(self, intermediary_id: str, agent_id: str | None) -> None:
        """To the recruiter's declared agent ``agent_id``, or, with None, as unregistered."""
        if intermediary_id not in self.intermediaries:
            raise NotFound(f"report {self.id} names no intermediary {intermediary_id}")
        link = "declared_agent" if agent_id else "unregistered"
        self.record(IntermediaryLinked(self.id, intermediary_id, self.recruiter_id, link, agent_id))

    def decide(self, command: str, **data: Any) -> None:
        """review, substantiate, unsubstantiate, refer, resolve or withdraw."""
        REPORT.next_state(self.status, command)
        fields: dict[str, Any] = {"report_id": self.id}
        if command == "refer":
            fields |= {
                "referral_id": f"ref-{self.id}",
                "country": data["country"],
                "recruiter_id": self.recruiter_id,
                "categories": self.categories,
            }
        if command == "resolve":
            fields |= {
                "outcome": data["outcome"],
                "fees_reimbursed": _money(data.get("fees_reimbursed")),
            }
        self.record(RECORDS[command].from_data(fields))

    def match(self, recruiter_id: str) -> None:
        if self.recruiter_id:
            raise Conflict(f"report {self.id} already concerns recruiter {self.recruiter_id}")
        self.record(ReportMatched(self.id, recruiter_id))

    def answer_referral(self, answer: ReferralAcknowledged | ReferralClosed) -> bool:
        """The ministry acknowledged or closed the referral (a licensing event); False when
        the answer is for another referral or was noted already (a redelivery)."""
        if self.referral is None or self.referral["referral_id"] != answer.referral_id:
            return False
        closed = isinstance(answer, ReferralClosed)
        if self.referral.get("outcome" if closed else "acknowledged"):
            return False
        if closed:
            self.record(ReferralOutcomeNoted(self.id, answer.referral_id, answer.outcome))
        else:
            self.record(ReferralAcknowledgedNoted(self.id, answer.referral_id))
        return True

    # --- state changes ----------------------------------------------------------------

    def on_report_received(self, event: ReportReceived, at: datetime | None) -> None:
        self.status, self.organisation = "received", event.org_id
        self.recruiter_id, self.subject = event.recruiter_id, event.named_recruiter or {}
        self.categories, self.fee_paid = event.categories, event.fee_paid
        self._update("received", at)

    def on_intermediaries_named(self, event: IntermediariesNamed, at: datetime | None) -> None:
        for named in event.intermediaries:
            self.intermediaries[named["intermediary_id"]] = {**named, "link": None}

    def on_intermediary_linked(self, event: IntermediaryLinked, at: datetime | None) -> None:
        link = {"link": event.link, "agent_id": event.agent_id}
        self.intermediaries[event.intermediary_id] |= link

    def on_report_matched(self, event: ReportMatched, at: datetime | None) -> None:
        self.recruiter_id = event.recruiter_id

    def _moved(self, event, at: datetime | None) -> None:
        # Applied without re-checking the table: rules are checked when deciding.
        self.status = REPORT_STATUS_AFTER[type(event)]
        self._update(self.status, at)

    on_report_review_started = on_report_substantiated = on_report_unsubstantiated = _moved
    on_report_withdrawn = _moved

    def on_report_referred(self, event: ReportReferred, at: datetime | None) -> None:
        self._moved(event, at)
        self.referral = {
            "referral_id": event.referral_id,
            "country": event.country,
            "outcome": None,
        }

    def on_report_resolved(self, event: ReportResolved, at: datetime | None) -> None:
        self._moved(event, at)
        self.outcome = event.outcome

    def on_referral_acknowledged_noted(self, event, at: datetime | None) -> None:
        self.referral = {**self.referral, "acknowledged": True}

    def on_referral_outcome_noted(self, event: ReferralOutcomeNoted, at: datetime | None) -> None:
        self.referral = {**self.referral, "outcome": event.outcome}

    def _update(self, status: str, at: datetime | None) -> None:
        self.updates.append({"status": status, "at": rfc3339(at) if at else None})


def _named(subject: dict[str, Any]) -> dict[str, Any] | None:
    """A recruiter the registry may not know: its country and licence number as written.
    The name as written is free text, so it is sealed with the personal data instead."""
    if "name" not in subject:
        return None
    return {"country": subject["country"], "licence_number": subject.get("licence_number")}


def _money(money: dict[str, Any] | None) -> dict[str, str] | None:
    if money is None:
        return None
    amount = Decimal(str(money["amount"]))
    return {"amount": format(amount.normalize(), "f"), "currency": money["currency"]}
