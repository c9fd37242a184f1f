"""``./registry bench``: the whole system measured in one run, printed as one table."""

from __future__ import annotations


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "bench", help="measure the system beside its references, in one table"
    )
    parser.add_argument("--backend", choices=("embedded", "stack"), default="embedded")
    parser.add_argument(
        "--quick", action="store_true", help="a small run (a few minutes), as CI runs it"
    )
    parser.add_argument(
        "--recruiters",
        type=int,
        help="recruiters in the large register (default 100,000; 1,000 with --quick)",
    )
    parser.add_argument(
        "--steady",
        type=int,
        help="recruiters registered through the API at a steady rate while the lag is timed"
        " (default 20,000; 200 with --quick)",
    )
    parser.add_argument(
        "--steady-rate", type=int, help="registrations a second of the steady load (default 30)"
    )
    parser.set_defaults(handler=handle)


def handle(arguments, _extra) -> int:
    from bench.suite import run

    return run(
        arguments.backend,
        arguments.quick,
        arguments.recruiters,
        arguments.steady,
        arguments.steady_rate,
    )
