"""The ministry's answers to a referral (licensing events) noted on the report."""

from __future__ import annotations

from typing import Any

from services.monitoring.domain import Report
from services.monitoring.handlers import report_view
from shared.commands import CommandContext
from shared.errors import ConcurrencyError, NotFound
from shared.events.envelope import Provenance, event_name
from shared.projection import Projection
from shared.service import Parts

ACTOR = "system/referral-answers"


class ReferralAnswers(Projection):
    """Reacts to ``referral_acknowledged`` and ``referral_closed``; its documents only
    remember, per referral stream, what it has handled."""

    name = "referral_answers"
    collection = "referral_answers"
    topics = ("licensing.events",)

    def __init__(self, parts: Parts):
        super().__init__(parts.read_models)
        self.writer = parts.writer

    def key_for(self, event: dict[str, Any]) -> str | None:
        return event["subject"] if event["subject"].startswith("referral-") else None

    def when(self, document: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        for _ in range(3):
            try:
                report = self.writer.load(Report, event["data"]["report_id"])
            except NotFound:
                break
            before = len(report.pending)
            report.answer_referral(event_name(event), event["data"])
            if len(report.pending) == before:
                break
            context = CommandContext(Provenance(ACTOR, causation_id=event["id"]))
            try:
                self.writer.save(
                    report,
                    context,
                    report_view,
                    partition_key=report.partition_key,
                    recruiter_id=report.recruiter_id,
                )
                break
            except ConcurrencyError:
                continue
        return {**document, "report_id": event["data"]["report_id"]}
