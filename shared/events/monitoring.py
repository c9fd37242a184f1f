"""The monitoring service's events, one typed definition per type and version, and what
they mean for a report's status, read the same way by every consumer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.events.catalogue import DomainEvent, define

# What a worker may report (SPEC §4): the events, the API and the site take these alone.
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

monitoring = define("monitoring")


@monitoring
@dataclass(frozen=True)
class ReportReceived(DomainEvent):
    event_name = "report_received"
    report_id: str
    org_id: str | None
    recruiter_id: str | None
    named_recruiter: dict[str, Any] | None
    categories: list[str]
    fee_paid: dict[str, str] | None
    destination_country: str | None
    recruitment_date: str | None


@monitoring
@dataclass(frozen=True)
class ReportMatched(DomainEvent):
    event_name = "report_matched"
    report_id: str
    recruiter_id: str


@monitoring
@dataclass(frozen=True)
class ReportReviewStarted(DomainEvent):
    event_name = "report_review_started"
    report_id: str


@monitoring
@dataclass(frozen=True)
class ReportSubstantiated(DomainEvent):
    event_name = "report_substantiated"
    report_id: str


@monitoring
@dataclass(frozen=True)
class ReportUnsubstantiated(DomainEvent):
    event_name = "report_unsubstantiated"
    report_id: str


@monitoring
@dataclass(frozen=True)
class ReportReferred(DomainEvent):
    event_name = "report_referred"
    report_id: str
    referral_id: str
    country: str
    recruiter_id: str | None
    categories: list[str]


@monitoring
@dataclass(frozen=True)
class ReferralAcknowledgedNoted(DomainEvent):
    event_name = "referral_acknowledged_noted"
    report_id: str
    referral_id: str


@monitoring
@dataclass(frozen=True)
class ReferralOutcomeNoted(DomainEvent):
    event_name = "referral_outcome_noted"
    report_id: str
    referral_id: str
    outcome: str


@monitoring
@dataclass(frozen=True)
class ReportResolved(DomainEvent):
    event_name = "report_resolved"
    report_id: str
    outcome: str
    fees_reimbursed: dict[str, str] | None


@monitoring
@dataclass(frozen=True)
class ReportWithdrawn(DomainEvent):
    event_name = "report_withdrawn"
    report_id: str


# How a monitor links an intermediary a report names (SPEC §16).
INTERMEDIARY_LINKS = ("declared_agent", "unregistered")


@monitoring
@dataclass(frozen=True)
class IntermediariesNamed(DomainEvent):
    """The worker named people or agents who stood between them and the recruiter. Their
    names and the roles as the worker described them are sealed with the reporter's data:
    the event holds an id and a country per intermediary, nothing a person could be
    recognised by."""

    event_name = "intermediaries_named"
    report_id: str
    intermediaries: list[dict[str, Any]]


@monitoring
@dataclass(frozen=True)
class IntermediaryLinked(DomainEvent):
    """A monitor found the intermediary to be an agent the ministry declared for the
    recruiter (``agent_id``), or no declared agent at all (``unregistered``)."""

    event_name = "intermediary_linked"
    report_id: str
    intermediary_id: str
    recruiter_id: str | None
    link: str
    agent_id: str | None


# What each report event makes of the report's status.
REPORT_STATUS_AFTER: dict[type[DomainEvent], str] = {
    ReportReceived: "received",
    ReportReviewStarted: "under_review",
    ReportSubstantiated: "substantiated",
    ReportUnsubstantiated: "unsubstantiated",
    ReportReferred: "referred",
    ReportResolved: "resolved",
    ReportWithdrawn: "withdrawn",
}
