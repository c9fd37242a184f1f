"""``./registry token``: print a development JWT, and nothing else, on standard output."""

from __future__ import annotations

import sys

from shared.auth.tokens import ROLE_CLAIMS, mint_dev_token
from shared.config import Settings


def add_parser(commands) -> None:
    parser = commands.add_parser("token", help="print a development JWT")
    parser.add_argument("--role", required=True, choices=sorted(ROLE_CLAIMS))
    parser.add_argument("--country", help="ISO 3166-1 alpha-2, for officers")
    parser.add_argument("--cb", dest="cb_id", help="certification body id")
    parser.add_argument("--org", dest="org_id", help="organisation id, for monitors and employers")
    parser.add_argument("--sub", help="subject (defaults to a random development id)")
    parser.add_argument("--ttl", type=int, default=3600, help="seconds (default 3600)")
    parser.set_defaults(handler=handle)


def handle(arguments, _extra) -> int:
    # A monitor's organisation is its org_id claim, an employer's its org claim (SPEC §15).
    organisation = "org" if arguments.role == "employer" else "org_id"
    claims = {
        "country": arguments.country,
        "cb_id": arguments.cb_id,
        organisation: arguments.org_id,
    }
    try:
        token = mint_dev_token(
            Settings.from_env(), arguments.role, arguments.sub, arguments.ttl, **claims
        )
    except ValueError as error:
        print(f"registry token: {error}", file=sys.stderr)
        return 2
    print(token)
    return 0
