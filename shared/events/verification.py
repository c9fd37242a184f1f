"""The verification service's events: a recruiter's public answer changed (SPEC §15).

The facts are the public answer alone, the same for everyone who asks, so the watch service,
webhook receivers and the public log (SPEC §17) all read one definition."""

from __future__ import annotations

from dataclasses import dataclass

from shared.events.catalogue import DomainEvent, define

verification = define("verification")

VERDICTS = ("green", "amber", "red", "unknown")


@verification
@dataclass(frozen=True)
class StatusChanged(DomainEvent):
    """``changed_at`` is the instant the answer changed, which time alone may bring (a licence
    running out): the same instant as the envelope's ``effectiveat``."""

    event_name = "status_changed"
    recruiter_id: str
    changed_at: str
    verdict: str
    reasons: list[str]
    licence_status: str | None
    certificate_status: str | None
    previous_verdict: str | None

    def public_facts(self) -> dict[str, object]:
        """What the public log records of this change (SPEC §17): every field is public."""
        return self.to_data()
