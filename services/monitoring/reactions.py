"""The ministry's answers to a referral (licensing events) noted on the report."""

from __future__ import annotations

from typing import Any

from services.monitoring.domain import Report
from shared.events.catalogue import Received
from shared.process import Action, ProcessManager
from shared.service import Parts

ACTOR = "system/referral-answers"


class ReferralAnswers(ProcessManager):
    """Reacts to ``referral_acknowledged`` and ``referral_closed``: notes each on the
    report it answers. Its memory, per referral stream: the report and the events handled."""

    name = "referral_answers"
    collection = "referral_answers"
    topics = ("licensing.events",)
    actor = ACTOR

    def __init__(self, parts: Parts):
        super().__init__(parts.read_models, parts.writer)

    def key_for(self, event: Received) -> str | None:
        return event.subject if event.subject.startswith("referral-") else None

    def decide(
        self, memory: dict[str, Any], event: Received
    ) -> tuple[dict[str, Any], list[Action]]:
        answer = event.event
        note = Action(Report, answer.report_id, lambda r: r.answer_referral(answer), event.id)
        return {**memory, "report_id": answer.report_id}, [note]
