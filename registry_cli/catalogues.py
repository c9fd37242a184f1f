"""``./registry catalogues``: bring the site's translations up to date with its code."""

from __future__ import annotations

import sys


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "catalogues", help="extract the site's messages, merge them into each .po, compile .mo"
    )
    parser.set_defaults(handler=handle)


def handle(_arguments, _extra) -> int:
    from services.web.catalogues import update

    missing = update()
    for language, messages in missing.items():
        for message in messages:
            print(f"{language}: untranslated: {message}", file=sys.stderr)
    return 1 if any(missing.values()) else 0
