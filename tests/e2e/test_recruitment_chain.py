"""The recruitment chain end to end (issue 14, SPEC §16), on the real stack and on the
embedded backend, each service a separate gunicorn process and worker:

a Nepali agency declares two sub-agents, one itself a licensed agency, one not; the
licensed one is suspended, so the agency turns amber with chain_risk citing the
suspension, and back when the link ends, while as_of still shows the past; a worker's
report naming an unregistered intermediary, substantiated and linked, turns the agency
amber. The intermediary's name (a canary) is in no event, stored document, log line or
public answer; the receiving monitor sees it until erasure, and nobody after.
"""

from __future__ import annotations

import json
import uuid

import pytest

from services.monitoring.crypto import Sealed, Unreadable, Vault, master_key
from shared.backend import open_backend
from shared.consumer import wait_for
from tests.e2e.services import Running, call
from tests.e2e.test_monitoring_canary import everything_on_the_bus, everything_stored
from tests.e2e.test_verification_story import SERVICES, UNLIMITED, Story, codes


@pytest.fixture(params=["stack", "embedded"])
def settings(request):
    return request.getfixturevalue(f"{request.param}_settings")


def everything_written(settings) -> str:
    """What the backend holds: topics and databases on the stack; on the embedded backend
    the producers' event tables are the bus, so every file under the data directory."""
    files = "\n".join(
        path.read_bytes().decode("utf-8", errors="replace")
        for path in sorted(settings.data_dir.rglob("*"))
        if path.is_file()
    )
    if settings.backend != "stack":
        return files
    return "\n".join([files, everything_on_the_bus(settings), everything_stored(settings)])


def test_a_chain_of_agents_and_an_unregistered_broker_turn_an_agency_amber(settings, tmp_path):
    canary = {part: f"canary-{part}-{uuid.uuid4().hex}" for part in ("broker", "role")}
    running = Running(settings, SERVICES, logs=tmp_path, **UNLIMITED)
    try:
        story = Story(settings, running)
        agency, _ = story.licensed_recruiter("Himalayan Manpower", "NP-CH-1", "DOFE-CH-1")
        partner, partner_licence = story.licensed_recruiter(
            "Terai Recruiters", "NP-CH-2", "DOFE-CH-2"
        )
        declare = f"/v1/recruiters/{agency}/agents"
        licensed = story.write(
            "licensing",
            declare,
            {
                "name": "Terai Recruiters",
                "country": "NP",
                "role": "sub_agent",
                "licence_number": "DOFE-CH-2",
            },
            story.ministry,
            201,
        )["agent_id"]
        story.write(
            "licensing",
            declare,
            {"name": "Janakpur Village Agent", "country": "NP", "role": "sub_agent"},
            story.ministry,
            201,
        )
        story.settles(agency, "green", {"licence_active"})
        expected = [
            ("Terai Recruiters", partner, "green"),
            ("Janakpur Village Agent", None, None),
        ]

        def chain_of(recruiter_id: str) -> list[tuple]:
            agents = story.status(recruiter_id)["chain"]["agents"]
            return [(a["name"], a.get("recruiter_id"), a.get("verdict")) for a in agents]

        # The links and the partner's licence number reach verification in their own time.
        assert wait_for(lambda: chain_of(agency) == expected, timeout=90), chain_of(agency)

        story.write(
            "licensing",
            f"/v1/licences/{partner_licence}/suspend",
            {"reason": "fees"},
            story.ministry,
        )
        story.settles(partner, "red", {"licence_not_active"})
        during = story.settles(agency, "amber", {"chain_risk"})
        suspension = next(
            e["event_id"]
            for e in story.ask(f"/v1/recruiters/{partner}/history")["events"]
            if "licence_suspended" in e["event"]
        )
        assert [r["event_id"] for r in story.status(agency)["reasons"]] == [suspension]

        story.write("licensing", f"{declare}/{licensed}/end", {}, story.ministry)
        story.settles(agency, "green", {"licence_active"})
        past = story.status(agency, as_of=during)
        assert (past["verdict"], codes(past)) == ("amber", {"chain_risk"})
        assert [a["name"] for a in past["chain"]["agents"]] == [
            "Terai Recruiters",
            "Janakpur Village Agent",
        ]
        assert [a["name"] for a in story.status(agency)["chain"]["agents"]] == [
            "Janakpur Village Agent"
        ]

        received = story.write(
            "monitoring",
            "/v1/reports",
            {
                "subject": {"recruiter_id": agency},
                "categories": ["fees_charged"],
                "intermediaries": [
                    {"name": canary["broker"], "country": "NP", "role_as_described": canary["role"]}
                ],
            },
            story.monitor,
            201,
        )
        report = f"/v1/reports/{received['report_id']}"
        story.write("monitoring", f"{report}/substantiate", {}, story.monitor)
        story.settles(agency, "amber", {"substantiated_report_open"})
        story.write(
            "monitoring", f"{report}/intermediaries/i1/link", {"unregistered": True}, story.monitor
        )
        story.write("monitoring", f"{report}/resolve", {"outcome": "remedied"}, story.monitor)
        story.settles(
            agency, "amber", {"chain_risk"}, chain__reports_naming_unregistered_intermediaries=1
        )
        official = story.status(agency, token=story.consul)["detail"]["intermediaries"]
        assert [(i["country"], i["link"]) for i in official] == [("NP", "unregistered")]

        monitor_view = json.dumps(
            call(story.url("monitoring"), report, story.monitor)[1], ensure_ascii=False
        )
        assert all(value in monitor_view for value in canary.values()), "the monitor sees them"
        leaks = {
            "backend": everything_written(settings),
            "logs": "\n".join(p.read_text(errors="replace") for p in tmp_path.glob("*.log")),
            "public answers": "\n".join(story.seen) + json.dumps(received),
        }
        assert '"route"' in leaks["logs"], "the services' own log lines were captured"
        for where, text in leaks.items():
            for part, value in canary.items():
                assert value not in text, f"the intermediary's {part} leaked into the {where}"

        story.write("monitoring", f"{report}/erase-personal-data", {}, story.monitor)
        after = json.dumps(
            call(story.url("monitoring"), report, story.monitor)[1], ensure_ascii=False
        )
        assert '"erased": true' in after and not any(v in after for v in canary.values())
        personal = open_backend(settings).read_models("monitoring")
        stored = personal.get("personal_data", received["report_id"]).document
        with pytest.raises(Unreadable):
            Vault(master_key(settings.data_dir)).open(
                received["report_id"], Sealed.from_document(stored)
            )
        assert not any(v in everything_written(settings) for v in canary.values())
    finally:
        running.stop()
