"""``./registry chaos``: the fault suite in full (heavier load, longer outages) and the
OpenAPI fuzzing at 2,000 cases a run, then one table of what was counted."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

RESULTS = Path("var") / "faults"


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "chaos", help="the fault suite and the fuzzing in full, then a table (slow, heavy)"
    )
    parser.add_argument(
        "--fuzz-cases",
        type=int,
        default=2000,
        help="cases each fuzzing run generates at least (0: the fault suite alone)",
    )
    parser.set_defaults(handler=handle)


def handle(arguments, extra: list[str]) -> int:
    shutil.rmtree(RESULTS, ignore_errors=True)
    env = {
        **os.environ,
        "REGISTRY_FAULTS_FULL": "1",
        "REGISTRY_FUZZ_CASES": str(arguments.fuzz_cases),
    }
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/faults"]
    command += ["tests/fuzz"] if arguments.fuzz_cases else []
    command += extra
    result = subprocess.run(command, env=env, check=False)
    print(table(RESULTS))
    return 1 if result.returncode == 5 else result.returncode


def table(results: Path) -> str:
    lines = []
    for path in sorted(results.glob("*.json")):
        run = json.loads(path.read_text())
        lines += [
            f"\n## faults, {run['backend']} backend "
            f"({run['rate_per_s']} commands/s, outages of {run['down_s']} s)\n",
            "| counted | value |",
            "|---|---:|",
        ]
        for key in (
            "commands_sent",
            "acknowledged",
            "lost",
            "bus_complete_after_load_s",
            "duplicated_in_answers",
            "5xx_other_than_503",
            "503_without_retry_after",
            "gave_up",
            "refused_4xx",
            "streams_on_bus",
            "redelivered_copies_on_bus",
            "gaps_or_conflicts",
            "out_of_order",
            "projection_documents_compared",
            "projection_documents_differing_from_replay",
            "verification_answers_checked",
            "verification_answers_differing_from_events",
        ):
            lines.append(f"| {key.replace('_', ' ')} | {run.get(key, '-')} |")
        lines.append(f"| statuses seen | {run['statuses']} |")
        lines += ["", "| fault (SIGKILL) | recovery, s |", "|---|---:|"]
        lines += [f"| {name} | {seconds} |" for name, seconds in run["recovery_s"].items()]
    for path in sorted(results.glob("brokers-*.txt")):
        lines += ["\n## replicated broker\n", path.read_text().strip()]
    fuzz = [json.loads(p.read_text()) for p in sorted((results / "fuzz").glob("*.json"))]
    if fuzz:
        lines += [
            "\n## fuzzing\n",
            "| service | role | cases | failures | exit |",
            "|---|---|---:|---:|---:|",
        ]
        lines += [
            f"| {f['service']} | {f['role']} | {f['generated']} | {f['failures']} | {f['exit']} |"
            for f in fuzz
        ]
    return "\n".join(lines) or "(no results were written)"
