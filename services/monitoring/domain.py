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
from shared.errors import Conflict
from shared.lifecycle import Lifecycle

CATEGORIES = (
    "fees_charged",
    "deception",
    "contract_substitution",
    "passport_retention",
    "wage_theft",
    "violence_or_harassment",
    "unlicensed_recruitment",
    "other",
)
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
    "review": "report_review_started",
    "substantiate": "report_substantiated",
    "unsubstantiate": "report_unsubstantiated",
    "refer": "report_referred",
    "resolve": "report_resolved",
    "withdraw": "report_withdrawn",
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
    ) -> None:
        """``matched``: the recruiter the named licence number belongs to, if known."""
        if self.exists:
            raise Conflict(f"report {self.id} exists")
        self.record(
            "report_received",
            {
                "report_id": self.id,
                "org_id": organisation,
                "recruiter_id": subject.get("recruiter_id") or matched,
                "named_recruiter": _named(subject),
                "categories": sorted(set(categories)),
                "fee_paid": _money(fee_paid),
                "destination_country": destination_country,
                "recruitment_date": recruitment_date.isoformat() if recruitment_date else None,
            },
        )

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
        self.record(RECORDS[command], fields)

    def match(self, recruiter_id: str) -> None:
        if self.recruiter_id:
            raise Conflict(f"report {self.id} already concerns recruiter {self.recruiter_id}")
        self.record("report_matched", {"report_id": self.id, "recruiter_id": recruiter_id})

    def answer_referral(self, kind: str, data: dict[str, Any]) -> bool:
        """The ministry acknowledged or closed the referral (a licensing event); False when
        the answer is for another referral or was noted already (a redelivery)."""
        if self.referral is None or self.referral["referral_id"] != data["referral_id"]:
            return False
        noted = {"referral_acknowledged": "acknowledged", "referral_closed": "outcome"}[kind]
        if self.referral.get(noted):
            return False
        name = {
            "referral_acknowledged": "referral_acknowledged_noted",
            "referral_closed": "referral_outcome_noted",
        }[kind]
        fields = {"report_id": self.id, "referral_id": data["referral_id"]}
        if kind == "referral_closed":
            fields["outcome"] = data["outcome"]
        self.record(name, fields)
        return True

    # --- state changes ----------------------------------------------------------------

    def on_report_received(self, data: dict, at: datetime | None) -> None:
        self.status, self.organisation = "received", data["org_id"]
        self.recruiter_id, self.subject = data["recruiter_id"], data["named_recruiter"] or {}
        self.categories, self.fee_paid = data["categories"], data["fee_paid"]
        self._update("received", at)

    def on_report_matched(self, data: dict, at: datetime | None) -> None:
        self.recruiter_id = data["recruiter_id"]

    def on_report_review_started(self, data: dict, at: datetime | None) -> None:
        self._move("review", at)

    def on_report_substantiated(self, data: dict, at: datetime | None) -> None:
        self._move("substantiate", at)

    def on_report_unsubstantiated(self, data: dict, at: datetime | None) -> None:
        self._move("unsubstantiate", at)

    def on_report_referred(self, data: dict, at: datetime | None) -> None:
        self._move("refer", at)
        self.referral = {
            "referral_id": data["referral_id"],
            "country": data["country"],
            "outcome": None,
        }

    def on_report_resolved(self, data: dict, at: datetime | None) -> None:
        self._move("resolve", at)
        self.outcome = data["outcome"]

    def on_report_withdrawn(self, data: dict, at: datetime | None) -> None:
        self._move("withdraw", at)

    def on_referral_acknowledged_noted(self, data: dict, at: datetime | None) -> None:
        self.referral = {**self.referral, "acknowledged": True}

    def on_referral_outcome_noted(self, data: dict, at: datetime | None) -> None:
        self.referral = {**self.referral, "outcome": data["outcome"]}

    def _move(self, command: str, at: datetime | None) -> None:
        self.status = REPORT.next_state(self.status, command)
        self._update(self.status, at)

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
