"""Where the site finds the APIs it calls, read from the environment once."""

from __future__ import annotations

import os
from dataclasses import dataclass

from shared.config import Settings


@dataclass(frozen=True)
class SiteSettings:
    registry: Settings
    verification_url: str
    monitoring_url: str

    @classmethod
    def from_env(cls, registry: Settings | None = None) -> SiteSettings:
        registry = registry or Settings.from_env()
        return cls(
            registry=registry,
            verification_url=os.environ.get("REGISTRY_VERIFICATION_URL")
            or f"http://127.0.0.1:{registry.ports['verification']}",
            monitoring_url=os.environ.get("REGISTRY_MONITORING_URL")
            or f"http://127.0.0.1:{registry.ports['monitoring']}",
        )
