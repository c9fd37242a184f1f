"""``./registry seed``: load each service's demo data through its public API."""

from __future__ import annotations

import importlib
import importlib.util
import sys

from shared.config import SERVICES, Settings


def add_parser(commands) -> None:
    parser = commands.add_parser("seed", help="load a realistic demo data set through the APIs")
    parser.set_defaults(handler=handle)


def handle(_arguments, _extra) -> int:
    settings = Settings.from_env()
    seeders = [s for s in SERVICES if importlib.util.find_spec(f"services.{s}.seed") is not None]
    if not seeders:
        print("registry seed: no service provides demo data yet", file=sys.stderr)
        return 1
    for service in seeders:
        importlib.import_module(f"services.{service}.seed").load(settings)
    return 0
