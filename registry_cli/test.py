"""``./registry test``: the whole suite, on real servers (see tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys


def add_parser(commands) -> None:
    parser = commands.add_parser("test", help="run the whole test suite (extra args go to pytest)")
    parser.set_defaults(handler=handle)


def handle(_arguments, extra: list[str]) -> int:
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "."], check=False)
    if lint.returncode != 0:
        return lint.returncode
    result = subprocess.run([sys.executable, "-m", "pytest", *extra], env=os.environ, check=False)
    # pytest exits 5 when it collected nothing: a suite that ran no test has failed.
    return 1 if result.returncode == 5 else result.returncode
