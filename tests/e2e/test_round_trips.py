"""``python -m bench.round_trips`` counts the round trips of each licensing command and
public answer on the real servers; the counts of the hot paths are held to what they are
(a count, unlike a timing, does not move with the machine's load)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.servers import ROOT

# Round trips per request: a command loads its streams, then writes each commit's outbox
# entry and the commit; nothing else.
COMMANDS = {
    "POST /v1/recruiters": 3,
    "POST /v1/licences": 6,
    "POST /v1/licences/{id}/issue": 3,
}


def test_the_hot_paths_make_the_round_trips_they_need_and_no_more(servers):
    printed = subprocess.run(
        [sys.executable, "-m", "bench.round_trips"],
        cwd=ROOT,
        env={
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap,
            "MONGODB_URI": servers.mongodb_uri,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert printed.returncode == 0, printed.stderr[-3000:]
    rows = {
        found["what"].strip(): (float(found["total"]), found["split"])
        for line in printed.stdout.splitlines()
        if (found := re.match(r"  (?P<what>.+?)\s+(?P<total>[\d.]+)   (?P<split>.*)$", line))
    }
    assert {what: rows[what][0] for what in COMMANDS} == COMMANDS, printed.stdout
    # An answer reads its record once; its leaves at most once per read of the log's head.
    new, again = (
        split(rows[what][1]) for what in ("GET /v1/recruiters/{id}, each new", "... asked again")
    )
    assert new["find recruiter_status_g1"] == new["find log_leaves"] == 1, new
    assert again["find recruiter_status_g1"] == 1 and again.get("find log_leaves", 0) <= 1, again


def split(printed: str) -> dict[str, float]:
    """``find commits 1, insert outbox 0.5`` as {"find commits": 1.0, ...}."""
    return {
        name: float(count) for name, count in (item.rsplit(" ", 1) for item in printed.split(", "))
    }
