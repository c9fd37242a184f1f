"""What monitors and workers ask of the monitoring service: one typed command each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar


@dataclass(frozen=True)
class ReceiveReport:
    """A worker's report. ``reporter`` and ``narrative`` are personal data: sealed in the
    vault, never in an event."""

    subject: dict[str, Any]
    categories: list[str]
    fee_paid: dict[str, Any] | None = None
    destination_country: str | None = None
    recruitment_date: date | None = None
    reporter: dict[str, Any] | None = None
    narrative: str | None = None
    # Sub-agents and brokers the worker names: their names are personal data too.
    intermediaries: list[dict[str, Any]] | None = None


@dataclass(frozen=True, kw_only=True)
class TriageReport:
    """A step of the report lifecycle table, named by ``decision``; a monitor's note goes
    to the vault with the report's personal data."""

    decision: ClassVar[str]
    report_id: str
    note: str | None = None

    def details(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, kw_only=True)
class ReviewReport(TriageReport):
    decision = "review"


@dataclass(frozen=True, kw_only=True)
class SubstantiateReport(TriageReport):
    decision = "substantiate"


@dataclass(frozen=True, kw_only=True)
class UnsubstantiateReport(TriageReport):
    decision = "unsubstantiate"


@dataclass(frozen=True, kw_only=True)
class WithdrawReport(TriageReport):
    decision = "withdraw"


@dataclass(frozen=True, kw_only=True)
class ReferReport(TriageReport):
    decision = "refer"
    country: str

    def details(self) -> dict[str, Any]:
        return {"country": self.country}


@dataclass(frozen=True, kw_only=True)
class ResolveReport(TriageReport):
    decision = "resolve"
    outcome: str
    fees_reimbursed: dict[str, Any] | None = None

    def details(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "fees_reimbursed": self.fees_reimbursed}


@dataclass(frozen=True)
class MatchReport:
    report_id: str
    recruiter_id: str


@dataclass(frozen=True)
class LinkIntermediary:
    """``agent_id`` of the recruiter's declared agents; ``unregistered`` when none is."""

    report_id: str
    intermediary_id: str
    agent_id: str | None = None
    unregistered: bool = False
