"""A reason for a verdict: a code, a sentence, and the event it rests on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    event_id: str | None
    position: str | None = None

    def as_dict(self) -> dict[str, Any]:
        reason = {"code": self.code, "message": self.message, "event_id": self.event_id}
        return reason | ({"position": self.position} if self.position else {})
