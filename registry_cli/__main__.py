"""``./registry``: run, seed, test and operate the registry (SPEC §10)."""

from __future__ import annotations

import argparse
import sys

from registry_cli import (
    bench,
    catalogues,
    chaos,
    contracts,
    dlq,
    log_key,
    receipt_key,
    replay,
    run,
    screenshots,
    seed,
    stack,
    test,
    token,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="registry", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for module in (
        run,
        stack,
        bench,
        token,
        seed,
        replay,
        dlq,
        receipt_key,
        log_key,
        contracts,
        catalogues,
        screenshots,
        test,
        chaos,
    ):
        module.add_parser(commands)
    arguments, extra = parser.parse_known_args(argv)
    if extra and arguments.command not in ("test", "chaos"):
        parser.error(f"unrecognised arguments: {' '.join(extra)}")
    return arguments.handler(arguments, extra) or 0


if __name__ == "__main__":
    sys.exit(main())
