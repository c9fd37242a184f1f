"""Registry tokens (SPEC §13): what a write produced, so a reader can wait for it.

A token names the producing service, the stream, the version the command left it at
and the recruiter its events concern. It is opaque to clients; it grants nothing, so
a forged one can only make its bearer wait.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass

from shared.errors import Invalid

HEADER = "Registry-Token"
MAX_LENGTH = 512


@dataclass(frozen=True)
class Written:
    service: str
    stream: str
    version: int
    recruiter_id: str | None = None

    def token(self) -> str:
        raw = json.dumps(asdict(self), separators=(",", ":"), sort_keys=True).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> Written:
        problem = Invalid(
            "consistent_with must be a Registry-Token from a write response",
            {"consistent_with": ["not a Registry-Token"]},
        )
        if not token or len(token) > MAX_LENGTH:
            raise problem
        try:
            padded = token + "=" * (-len(token) % 4)
            fields = json.loads(base64.b64decode(padded, altchars=b"-_", validate=True))
            written = cls(**fields)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as error:
            raise problem from error
        if not (
            isinstance(written.service, str)
            and isinstance(written.stream, str)
            and isinstance(written.version, int)
            and not isinstance(written.version, bool)
            and written.version > 0
            and isinstance(written.recruiter_id, str | None)
        ):
            raise problem
        return written
