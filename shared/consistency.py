"""Registry tokens (SPEC §13): what a write produced, so a reader can wait for it.

A token names the producing service, the stream, the version the command left it at
and the recruiter its events concern, as ``service~stream~version~recruiter``. Clients
treat it as opaque; it grants nothing, so a forged one can only make its bearer wait.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.errors import Invalid

HEADER = "Registry-Token"
# Stream and recruiter ids are URL-safe and never hold "~" (see the envelope's STREAM_ID).
PATTERN = r"^[a-z]{1,32}~[A-Za-z0-9_:-]{1,128}~[1-9][0-9]{0,17}~[A-Za-z0-9_:-]{0,128}$"
TOKEN = re.compile(PATTERN)


@dataclass(frozen=True)
class Written:
    service: str
    stream: str
    version: int
    recruiter_id: str | None = None

    def token(self) -> str:
        return f"{self.service}~{self.stream}~{self.version}~{self.recruiter_id or ''}"

    @classmethod
    def from_token(cls, token: str) -> Written:
        if not TOKEN.fullmatch(token):
            raise Invalid(
                "consistent_with must be a Registry-Token from a write response",
                {"consistent_with": ["not a Registry-Token"]},
            )
        service, stream, version, recruiter_id = token.split("~")
        return cls(service, stream, int(version), recruiter_id or None)
