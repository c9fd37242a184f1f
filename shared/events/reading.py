"""The one way any reader turns a stored or delivered envelope into a typed event."""

from __future__ import annotations

# Each producer's module defines its event types as it is imported.
from shared.events import certification, licensing, monitoring, verification  # noqa: F401
from shared.events.catalogue import CATALOGUE

read = CATALOGUE.read
of_name = CATALOGUE.of_name
