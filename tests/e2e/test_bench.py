"""``./registry bench --quick`` runs end to end and prints its one table, every row a
number beside its reference. Only that it measures: never how fast."""

from __future__ import annotations

import math
import subprocess
import sys

from tests.servers import ROOT

EXPECTED = (
    "public GET by id",
    "public GET by id p50",
    "public GET by id p99",
    "commands 2xx, at 100/s offered",
    "2xx -> visible, at 100/s p50",
    "2xx -> visible, at 100/s p99",
    "2xx -> visible, at 200/s p99",
    "commands 2xx, steady load, 200 recruiters at 30/s offered",
    "2xx -> visible, steady load, 200 recruiters at 30/s p99",
    "2xx -> announced, at 100/s p99",
    "2xx -> announced, steady load, 200 recruiters at 30/s p99",
    "batch of 1,000 p50",
    "batch of 1,000 p99",
    "name search p99",
    "rebuild, 1 worker",
    "GET p99, large register",
    "name search p99, large register",
    "batch of 1,000 p99, large register",
    "resident memory, verification worker",
    "resident memory, verification serve worker",
    "resident memory, licensing worker",
)


def number(cell: str) -> float:
    return float(cell.strip().replace(",", "").rstrip("x"))


def test_quick_bench_prints_one_table_with_every_figure_beside_its_reference():
    run = subprocess.run(
        [sys.executable, "-m", "registry_cli", "bench", "--quick", "--backend", "embedded"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    check_table(run.stdout)


def check_table(printed: str) -> None:
    lines = printed.splitlines()
    assert lines[0].startswith("./registry bench --backend embedded --quick:"), lines[:2]
    assert lines[1] == "| measure | value | unit | reference, same run | reference | ratio |"
    rows = [line.strip("|").split(" | ") for line in lines[3:]]
    assert rows and all(len(row) == 6 for row in rows), lines
    for measure, value, _unit, reference, of, ratio in (cell for cell in rows):
        assert reference.strip(), measure
        for cell in (value, of, ratio):
            assert math.isfinite(number(cell)), (measure, cell)
        assert number(value) > 0 and number(of) > 0, measure
    measures = [row[0].strip() for row in rows]
    for expected in EXPECTED:
        assert any(m.startswith(expected) for m in measures), (expected, measures)
