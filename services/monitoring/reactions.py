"""The ministry's answers to a referral (licensing events) noted on the report."""

from __future__ import annotations

from typing import Any

from services.monitoring.domain import Report
from shared.events.catalogue import Received
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

    def key_for(self, event: Received) -> str | None:
        return event.subject if event.subject.startswith("referral-") else None

    def when(self, document: dict[str, Any], event: Received) -> dict[str, Any]:
        report_id = event.event.report_id
        self.writer.act(
            Report, report_id, lambda report: report.answer_referral(event.event), ACTOR, event.id
        )
        return {**document, "report_id": report_id}
