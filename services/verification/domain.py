"""What a recruiter's record says at an instant: its status and verdict (SPEC §5, §11).

Pure. The projection keeps one *fact* per event it received: the stream and version, the
event's name, id, effective and recorded instants, and its data. Status at T comes from
the facts effective at or before T, folded in each stream's version order, never from
"the last event received". Facts of the three sources may have arrived in any order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from services.verification.chain import (
    AgentAnswer,
    chain_detail,
    chain_reasons,
    chain_view,
)
from services.verification.reasons import Reason
from shared.clock import parse_instant
from shared.events.certification import (
    CERTIFICATE_STATUS_AFTER,
    AuditRecorded,
    CertificateGranted,
    CertificateRenewed,
    CertificateSuspended,
    CertificateWithdrawn,
    CertificationApplied,
    FindingClosed,
    SurveillanceOverdue,
)
from shared.events.licensing import (
    LICENCE_STATUS_AFTER,
    SETS_VALIDITY,
    AgentDeclared,
    AgentLinkEnded,
    BranchClosed,
    BranchOpened,
    ConditionImposed,
    ConditionLifted,
    LicenceApplied,
    LicenceState,
    OfficerAppointed,
    OfficerRemoved,
    RecruiterRegistered,
    ViolationRecorded,
)
from shared.events.monitoring import (
    REPORT_STATUS_AFTER,
    IntermediariesNamed,
    IntermediaryLinked,
    ReferralAcknowledgedNoted,
    ReferralOutcomeNoted,
    ReportReceived,
    ReportReferred,
    ReportResolved,
    ReportSubstantiated,
)
from shared.events.reading import of_name

Fact = dict[str, Any]
EXPIRING_WITHIN = timedelta(days=30)
CERTIFICATE_MEMORY = timedelta(days=365)
NON_TERMINAL = ("active", "suspended", "expired", "applied")
# What may be missing from a record: the answer is then unknown, never green or red.
NEVER_VOUCHED = ("integrity_gap", "catching_up")
# Free text a ministry or body wrote: officials see it, the public history does not.
OFFICIALS_ONLY_FIELDS = frozenset({"reason", "note", "description"})
# Events the public may see in a recruiter's history; officials see every one.
PUBLIC_EVENTS = frozenset(
    {
        RecruiterRegistered,
        *LICENCE_STATUS_AFTER,
        AgentDeclared,
        AgentLinkEnded,
        ConditionImposed,
        ConditionLifted,
        *CERTIFICATE_STATUS_AFTER,
        SurveillanceOverdue,
    }
)


# Typed facts by event id, shared by every answer of the process: a fact never changes
# once held, and typing one costs more than reading it. Emptied when full.
TYPED_FACTS_KEPT = 20_000
_typed_facts: dict[str, dict[str, Any]] = {}


def typed_fact(fact: Mapping[str, Any]) -> dict[str, Any]:
    """A stored fact's effective instant and typed event (frozen, so safe to share).
    Facts stored before events had versions are version 1."""
    known = _typed_facts.get(fact.get("event_id") or "")
    if known is None:
        known = {
            "effective": parse_instant(fact["at"]),
            "event": of_name(fact["kind"], fact.get("event_version", 1), fact["data"]),
        }
        if fact.get("event_id"):
            if len(_typed_facts) >= TYPED_FACTS_KEPT:
                _typed_facts.clear()
            _typed_facts[fact["event_id"]] = known
    return known


@dataclass
class Record:
    """What the projection holds for one recruiter: its facts (those of the reports
    listed on it joined in) and the messages about it that could not be read."""

    recruiter_id: str
    facts: list[Fact]
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    # Per listed report, the version its listing rests on: the report's facts must reach it.
    expected: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Each effective instant parsed and each event typed, on copies: the stored
        # facts stay plain JSON.
        self.facts = [{**fact, **typed_fact(fact)} for fact in self.facts]

    def registration(self) -> Fact | None:
        return next((f for f in self.facts if isinstance(f["event"], RecruiterRegistered)), None)

    @cached_property
    def streams(self) -> dict[str, list[Fact]]:
        """Facts per stream, in version order."""
        streams: dict[str, list[Fact]] = defaultdict(list)
        for fact in sorted(self.facts, key=lambda f: (f["stream"], f["version"])):
            streams[fact["stream"]].append(fact)
        return streams


@dataclass
class Licence:
    """A licence as every reader folds it, with the facts each part of it rests on."""

    state: LicenceState
    status_event: Fact | None = None
    validity_event: Fact | None = None
    conditions: dict[str, Fact] = field(default_factory=dict)
    applied_at: datetime | None = None
    decided: bool = False

    licence_id = property(lambda self: self.state.licence_id)
    licence_number = property(lambda self: self.state.licence_number)
    status = property(lambda self: self.state.status)
    valid_from = property(lambda self: self.state.valid_from)
    valid_until = property(lambda self: self.state.valid_until)

    def effective_status(self, at: datetime) -> str:
        """The automatic expiry holds from the day after ``valid_until``, event or not."""
        if self.status == "active" and lapsed(self.valid_until, at):
            return "expired"
        return self.status

    def view(self, at: datetime) -> dict[str, Any]:
        return {
            "licence_number": self.licence_number,
            "status": self.effective_status(at),
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "conditions": [
                {
                    "condition_id": condition_id,
                    "text": fact["event"].text,
                    "in_force_since": fact["at"],
                }
                for condition_id, fact in self.conditions.items()
            ],
        }


@dataclass
class Certificate:
    certification_id: str
    cb_id: str
    status: str = "applied"
    certificate_number: str | None = None
    valid_until: str | None = None
    open_major_findings: set[str] = field(default_factory=set)
    applied_at: datetime | None = None
    overdue: Fact | None = None
    status_event: Fact | None = None
    # Suspensions and withdrawals, each with the instant it ended (None: still in force).
    setbacks: list[tuple[Fact, datetime | None]] = field(default_factory=list)

    def effective_status(self, at: datetime) -> str:
        if self.status in ("certified", "suspended") and lapsed(self.valid_until, at):
            return "expired"
        return self.status

    def view(self, at: datetime) -> dict[str, Any]:
        return {
            "status": self.effective_status(at),
            "certificate_number": self.certificate_number,
            "cb_id": self.cb_id,
            "valid_until": self.valid_until,
            "open_major_findings": len(self.open_major_findings),
        }


@dataclass
class Report:
    status: str = "received"
    categories: Sequence[str] = ()
    fee_paid: dict[str, str] | None = None
    fees_reimbursed: dict[str, str] | None = None
    substantiation: Fact | None = None
    dates: dict[str, str] = field(default_factory=dict)
    referrals: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Intermediaries the worker named, by id: their country; and a monitor's latest link.
    intermediaries: dict[str, str] = field(default_factory=dict)
    links: dict[str, Fact] = field(default_factory=dict)

    @property
    def substantiated(self) -> bool:
        return self.substantiation is not None and self.status != "unsubstantiated"

    @property
    def open(self) -> bool:
        """Substantiated and not resolved: a withdrawal is no remedy (SPEC §5)."""
        return self.substantiated and self.status != "resolved"


@dataclass(frozen=True)
class Status:
    """A recruiter's status at an instant, public parts and officials' detail apart."""

    public: dict[str, Any]
    detail: dict[str, Any]
    verdict: str
    reasons: list[Reason]


def effective(fact: Fact) -> datetime:
    return fact["effective"]


def day(at: datetime) -> str:
    """The calendar day of an instant, in UTC, as validity dates are compared."""
    return at.astimezone(UTC).date().isoformat()


def lapsed(valid_until: str | None, at: datetime) -> bool:
    """Validity ends with its last day, whether or not the expiry event was recorded."""
    return valid_until is not None and day(at) > valid_until


def status_at(
    record: Record,
    at: datetime,
    licence_id: str | None = None,
    official: bool = False,
    behind: float | None = None,
    agents: Mapping[str, AgentAnswer] | None = None,
) -> Status:
    """The status at ``at``; asked by a licence's number, about that licence. The
    officials' detail is worked out only for an official. ``behind``: how many seconds
    old the unread messages that may concern this recruiter are, when too old to vouch.
    ``agents``: per agent id, the answer of each agent that is a registered recruiter."""
    agents = agents or {}
    streams = record.streams
    own = streams.get(record.recruiter_id, [])
    licence = current_licence(own, at, licence_id)
    certificates = [
        found
        for stream, facts in streams.items()
        if stream.startswith("cert-") and (found := certificate_of(facts, at))
    ]
    certificate = current_certificate(certificates)
    reports = [report_of(until(facts, at)) for s, facts in streams.items() if is_report(s, record)]
    reasons = integrity_reasons(record) + catching_up_reasons(behind)
    reasons += licence_reasons(licence, at, record.registration())
    red = any(r.code in ("no_licence", "licence_not_active") for r in reasons)
    reasons += certificate_reasons(certificates, at)
    reasons += report_reasons(reports)
    reasons += chain_reasons(own, agents, reports, at)
    if any(r.code in NEVER_VOUCHED for r in reasons):
        verdict = "unknown"
    elif red:
        verdict = "red"
    else:
        verdict = "amber" if reasons else "green"
    if verdict == "green":
        reasons = grounds_for_trust(licence, certificate, at)
    public = {
        "licence": licence.view(at) if licence else None,
        "certification": certificate.view(at) if certificate else None,
        "monitoring": monitoring_summary(reports),
        "chain": chain_view(own, agents, reports, at),
    }
    detail = official_detail(until(own, at), reports) if official else {}
    if official:
        detail |= chain_detail(own, reports, at)
    return Status(public, detail, verdict, reasons)


def is_report(stream: str, record: Record) -> bool:
    return stream != record.recruiter_id and not stream.startswith("cert-")


def until(facts: Iterable[Fact], at: datetime) -> list[Fact]:
    return [fact for fact in facts if effective(fact) <= at]


def current_licence(
    facts: Iterable[Fact], at: datetime, licence_id: str | None = None
) -> Licence | None:
    """The licence asked about, else the recruiter's non-terminal licence at ``at`` (at most
    one), else its latest. A licence exists from its application, or from a backdated
    decision on it."""
    licences: dict[str, Licence] = {}
    for fact in facts:
        event = fact["event"]
        if isinstance(event, LicenceApplied):
            state = LicenceState(event.licence_id, event.licence_number)
            licences[event.licence_id] = Licence(state, fact, applied_at=effective(fact))
            continue
        licence = licences.get(getattr(event, "licence_id", ""))
        if licence is None or effective(fact) > at:
            continue
        licence.decided = True
        licence.state = licence.state.after(event)
        if type(event) in LICENCE_STATUS_AFTER:
            licence.status_event = fact
        if isinstance(event, SETS_VALIDITY):
            licence.validity_event = fact
        if isinstance(event, ConditionImposed):
            licence.conditions[event.condition_id] = fact
        if isinstance(event, ConditionLifted):
            licence.conditions.pop(event.condition_id, None)
    existing = [lic for lic in licences.values() if lic.decided or lic.applied_at <= at]
    if licence_id is not None:
        return next((lic for lic in existing if lic.licence_id == licence_id), None)
    if not existing:
        return None
    latest = sorted(existing, key=lambda licence: licence.applied_at)
    live = [licence for licence in latest if licence.status in NON_TERMINAL]
    return (live or latest)[-1]


def certificate_of(facts: Sequence[Fact], at: datetime) -> Certificate | None:
    """A certification at ``at``, from its application or a backdated decision on it."""
    if not facts or not isinstance(facts[0]["event"], CertificationApplied):
        return None
    first = facts[0]["event"]
    certificate = Certificate(first.certification_id, first.cb_id)
    certificate.applied_at = effective(facts[0])
    decided = until(facts[1:], at)
    if certificate.applied_at > at and not decided:
        return None
    certificate.status_event = facts[0]
    for fact in decided:
        event = fact["event"]
        if type(event) in CERTIFICATE_STATUS_AFTER:
            certificate.status = CERTIFICATE_STATUS_AFTER[type(event)]
            certificate.status_event = fact
            if certificate.setbacks and certificate.setbacks[-1][1] is None:
                certificate.setbacks[-1] = (certificate.setbacks[-1][0], effective(fact))
        if isinstance(event, (CertificateGranted, CertificateRenewed)):
            certificate.certificate_number = event.certificate_number
            certificate.valid_until = event.valid_until
        if isinstance(event, (CertificateSuspended, CertificateWithdrawn)):
            certificate.setbacks.append((fact, None))
        if isinstance(event, AuditRecorded):
            certificate.open_major_findings |= {
                finding["finding_id"]
                for finding in event.findings
                if finding["severity"] == "major"
            }
        if isinstance(event, FindingClosed):
            certificate.open_major_findings.discard(event.finding_id)
    certificate.overdue = overdue_surveillance(facts, decided, at)
    return certificate


def overdue_surveillance(facts: Sequence[Fact], decided: list[Fact], at: datetime) -> Fact | None:
    """The flag of a surveillance audit due by ``at`` and not held since: dated from when
    the audit fell due, not from when the scheduler noticed."""
    flags = [
        f
        for f in facts
        if isinstance(f["event"], SurveillanceOverdue) and f["event"].due_since <= day(at)
    ]
    if not flags:
        return None
    audits = [f for f in decided if isinstance(f["event"], AuditRecorded)]
    flag = flags[-1]
    return None if any(audit["version"] > flag["version"] for audit in audits) else flag


def current_certificate(certificates: list[Certificate]) -> Certificate | None:
    """The latest certificate granted, else the latest application."""
    ordered = sorted(certificates, key=lambda c: c.applied_at)
    granted = [c for c in ordered if c.certificate_number]
    return (granted or ordered or [None])[-1]


def report_of(facts: Sequence[Fact]) -> Report:
    report = Report()
    for fact in facts:
        event = fact["event"]
        report.status = REPORT_STATUS_AFTER.get(type(event), report.status)
        if isinstance(event, ReportReceived):
            report.categories, report.fee_paid = event.categories, event.fee_paid
            report.dates["received_at"] = fact["at"]
        elif isinstance(event, ReportSubstantiated):
            report.substantiation = fact
            report.dates["substantiated_at"] = fact["at"]
        elif isinstance(event, ReportReferred):
            report.referrals[event.referral_id] = {
                "referral_id": event.referral_id,
                "country": event.country,
                "referred_at": fact["at"],
                "acknowledged_at": None,
                "outcome": None,
            }
        elif isinstance(event, (ReferralAcknowledgedNoted, ReferralOutcomeNoted)):
            referral = report.referrals.get(event.referral_id)
            if referral is not None and isinstance(event, ReferralAcknowledgedNoted):
                referral["acknowledged_at"] = fact["at"]
            elif referral is not None:
                referral["outcome"] = event.outcome
        elif isinstance(event, IntermediariesNamed):
            for named in event.intermediaries:
                report.intermediaries[named["intermediary_id"]] = named["country"]
        elif isinstance(event, IntermediaryLinked):
            report.links[event.intermediary_id] = fact
        elif isinstance(event, ReportResolved):
            report.fees_reimbursed = event.fees_reimbursed
            report.dates["resolved_at"] = fact["at"]
    return report


def integrity_reasons(record: Record) -> list[Reason]:
    """Anything the projection knows it may be missing, whatever the instant asked about."""
    reasons = []
    streams = record.streams
    if record.recruiter_id not in streams or streams[record.recruiter_id][0]["version"] != 1:
        first = min(record.facts, key=lambda f: (f["recorded"], f["event_id"]), default=None)
        reasons.append(
            Reason(
                "integrity_gap",
                "The recruiter's registration has not reached this registry yet.",
                first["event_id"] if first else None,
            )
        )
    for stream, facts in streams.items():
        expected = 1
        for fact in facts:
            if fact["version"] > expected and not (stream == record.recruiter_id and expected == 1):
                reasons.append(
                    Reason(
                        "integrity_gap",
                        f"{_source(stream, record)} event {expected} has not reached this "
                        "registry; the events after it may not tell the whole story.",
                        fact["event_id"],
                    )
                )
                break
            expected = fact["version"] + 1
    for stream, version in sorted(record.expected.items()):
        if max((f["version"] for f in streams.get(stream, [])), default=0) < version:
            reasons.append(
                Reason(
                    "integrity_gap",
                    f"A worker report's event {version} has not reached this registry yet.",
                    None,
                )
            )
    for letter in record.dead_letters:
        reasons.append(
            Reason(
                "integrity_gap",
                "A message about this recruiter could not be read and was set aside.",
                None,
                letter.get("position"),
            )
        )
    return reasons


def catching_up_reasons(behind: float | None) -> list[Reason]:
    if behind is None:
        return []
    message = (
        "This registry has not yet read every message that may concern this recruiter: "
        f"the oldest unread has waited {behind:.0f} seconds."
    )
    return [Reason("catching_up", message, None)]


def _source(stream: str, record: Record) -> str:
    if stream == record.recruiter_id:
        return "A licensing"
    return "A certification" if stream.startswith("cert-") else "A worker report's"


def licence_reasons(licence: Licence | None, at: datetime, registered: Fact | None) -> list[Reason]:
    if licence is None:
        event = registered["event_id"] if registered else None
        return [Reason("no_licence", "No licence is recorded for this recruiter.", event)]
    number, status = licence.licence_number, licence.effective_status(at)
    if status != "active":
        cited = licence.validity_event if status == "expired" else licence.status_event
        event = (cited or licence.status_event or {}).get("event_id")
        return [Reason("licence_not_active", f"Licence {number} is {status}.", event)]
    reasons = []
    if licence.valid_from and day(at) < licence.valid_from:
        event = licence.validity_event["event_id"]
        message = f"Licence {number} is valid only from {licence.valid_from}."
        return [Reason("licence_not_active", message, event)]
    until = licence.valid_until
    if until and date.fromisoformat(until) - date.fromisoformat(day(at)) <= EXPIRING_WITHIN:
        message = f"Licence {number} expires on {until}, within 30 days."
        reasons.append(Reason("licence_expiring", message, licence.validity_event["event_id"]))
    for fact in licence.conditions.values():
        message = f"Licence {number} carries a condition: {fact['event'].text}"
        reasons.append(Reason("conditions_in_force", message, fact["event_id"]))
    return reasons


def grounds_for_trust(
    licence: Licence, certificate: Certificate | None, at: datetime
) -> list[Reason]:
    """What a green answer rests on: the decision that made the licence active, and the
    certificate's grant where one is in force."""
    message = f"Licence {licence.licence_number} is active until {licence.valid_until}."
    reasons = [Reason("licence_active", message, licence.status_event["event_id"])]
    if certificate and certificate.effective_status(at) == "certified":
        number, until = certificate.certificate_number, certificate.valid_until
        message = f"Certificate {number} is valid until {until}."
        reasons.append(Reason("certificate_valid", message, certificate.status_event["event_id"]))
    return reasons


def certificate_reasons(certificates: list[Certificate], at: datetime) -> list[Reason]:
    """Suspensions and withdrawals of the last twelve months, and overdue surveillance."""
    reasons = []
    for certificate in certificates:
        name = certificate.certificate_number or certificate.certification_id
        for fact, ended in certificate.setbacks:
            suspended = isinstance(fact["event"], CertificateSuspended)
            # A suspension counts while in force and for twelve months after it ended; a
            # withdrawal for twelve months after it took effect.
            since = (ended or at) if suspended else effective(fact)
            if at - since > CERTIFICATE_MEMORY:
                continue
            code = "certificate_suspended" if suspended else "certificate_withdrawn"
            what = "suspended" if suspended else "withdrawn"
            still = suspended and ended is None
            tense = "has been" if still else "was"
            message = f"Certificate {name} {tense} {what} since {day(effective(fact))}."
            reasons.append(Reason(code, message, fact["event_id"]))
        if certificate.overdue and certificate.effective_status(at) == "certified":
            since = certificate.overdue["event"].due_since
            message = f"Certificate {name} has had no surveillance audit due since {since}."
            reasons.append(Reason("surveillance_overdue", message, certificate.overdue["event_id"]))
    return reasons


def report_reasons(reports: Iterable[Report]) -> list[Reason]:
    message = "A worker's report about this recruiter was substantiated and is not resolved."
    return [
        Reason("substantiated_report_open", message, report.substantiation["event_id"])
        for report in reports
        if report.open
    ]


def monitoring_summary(reports: list[Report]) -> dict[str, Any]:
    substantiated = [report for report in reports if report.substantiated]
    by_category: dict[str, int] = defaultdict(int)
    for report in substantiated:
        for category in report.categories:
            by_category[category] += 1
    return {
        "substantiated_open": sum(report.open for report in substantiated),
        "substantiated_resolved": sum(report.status == "resolved" for report in substantiated),
        "by_category": dict(sorted(by_category.items())),
        "fees_reported": totals(report.fee_paid for report in substantiated),
        "fees_reimbursed": totals(report.fees_reimbursed for report in substantiated),
    }


def totals(amounts: Iterable[dict[str, str] | None]) -> list[dict[str, str]]:
    """Sums per currency, exact: amounts are decimal strings."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for amount in filter(None, amounts):
        sums[amount["currency"]] += Decimal(amount["amount"])
    return [{"amount": str(total), "currency": c} for c, total in sorted(sums.items())]


def official_detail(own: Iterable[Fact], reports: list[Report]) -> dict[str, Any]:
    """What officials see and the public does not (SPEC §5)."""
    branches: dict[str, dict[str, Any]] = {}
    officers: dict[str, dict[str, Any]] = {}
    violations = []
    for fact in own:
        event, at = fact["event"], fact["at"]
        if isinstance(event, BranchOpened):
            opened = {**event.to_data(), "opened_at": at, "closed_at": None}
            branches[event.branch_id] = opened
        elif isinstance(event, BranchClosed) and event.branch_id in branches:
            branches[event.branch_id]["closed_at"] = at
        elif isinstance(event, OfficerAppointed):
            appointed = {**event.to_data(), "appointed_at": at, "removed_at": None}
            officers[event.officer_id] = appointed
        elif isinstance(event, OfficerRemoved) and event.officer_id in officers:
            officers[event.officer_id]["removed_at"] = at
        elif isinstance(event, ViolationRecorded):
            violations.append(event.to_data())
    return {
        "branches": list(branches.values()),
        "officers": list(officers.values()),
        "violations": violations,
        "referrals": [r for report in reports for r in report.referrals.values()],
        "reports": [
            {"status": report.status, "categories": list(report.categories), **report.dates}
            for report in reports
        ],
    }


def history(record: Record, official: bool) -> list[dict[str, Any]]:
    """The recruiter's timeline in effective order; the public sees its public events."""
    shown = [f for f in record.facts if official or type(f["event"]) in PUBLIC_EVENTS]
    return [
        {
            "effective_at": fact["at"],
            "recorded_at": fact["recorded"],
            "event": fact["kind"],
            "event_id": fact["event_id"],
            "data": _shown(fact["event"].to_data(), official),
        }
        for fact in sorted(shown, key=lambda f: (effective(f), f["recorded"], f["event_id"]))
    ]


def _shown(data: dict[str, Any], official: bool) -> dict[str, Any]:
    return data if official else {k: v for k, v in data.items() if k not in OFFICIALS_ONLY_FIELDS}
