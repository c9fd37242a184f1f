"""``./registry replay NAME``: rebuild a projection while its service keeps answering."""

from __future__ import annotations

import importlib
import sys

from shared.config import SERVICES, Settings
from shared.logs import configure_logging
from shared.replay import ReplayFailed, rebuild


def add_parser(commands) -> None:
    parser = commands.add_parser("replay", help="rebuild a projection from the start of the bus")
    parser.add_argument("name", help="SERVICE (all its projections) or SERVICE.PROJECTION")
    parser.add_argument(
        "--timeout",
        type=float,
        default=600,
        help="seconds each projection has to catch up with the bus (default 600)",
    )
    parser.set_defaults(handler=handle)


def handle(arguments, _extra) -> int:
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    service, _, only = arguments.name.partition(".")
    if service not in SERVICES:
        print(f"registry replay: no service {service!r}", file=sys.stderr)
        return 2
    definition = importlib.import_module(f"services.{service}.bootstrap").SERVICE
    chosen = [p for p in definition.projections if not only or p.name == only]
    if not chosen:
        known = ", ".join(f"{service}.{p.name}" for p in definition.projections) or "none"
        print(f"registry replay: no projection {arguments.name!r}; known: {known}", file=sys.stderr)
        return 2
    backend = definition.parts(settings).backend
    failed = False
    for projection in chosen:
        # Each projection on its own: one that cannot catch up does not hold back the rest.
        try:
            generation = rebuild(backend, service, projection, arguments.timeout)
        except ReplayFailed as error:
            print(f"registry replay: {error}", file=sys.stderr)
            failed = True
            continue
        print(f"{service}.{projection.name}: generation {generation.number} is current")
    return 1 if failed else 0
