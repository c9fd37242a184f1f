"""The recruitment chain in the status at an instant (SPEC §16); no I/O."""

from __future__ import annotations

from services.verification.chain import AgentAnswer
from services.verification.domain import status_at
from tests.unit.test_verification_domain import RECRUITER, at, licensed, report


def declare(story, day: float, agent_id: str, number: str | None = None, role="sub_agent"):
    return story.licensing(
        "agent_declared",
        day,
        agent_id=agent_id,
        name=f"Agent {agent_id}",
        country="NP",
        role=role,
        licence_number=number,
    )


def test_agents_in_force_are_listed_with_their_own_verdicts_as_of_any_instant():
    story = licensed()
    declare(story, 10, "a1", "DOFE-7")
    declare(story, 12, "a2")
    story.licensing("agent_link_ended", 40, agent_id="a1")
    answers = {"a1": AgentAnswer("rec-partner", "green")}
    chain = status_at(story.record(), at(20), agents=answers).public["chain"]
    assert chain == {
        "agents": [
            {
                "agent_id": "a1",
                "name": "Agent a1",
                "country": "NP",
                "role": "sub_agent",
                "recruiter_id": "rec-partner",
                "verdict": "green",
            },
            {"agent_id": "a2", "name": "Agent a2", "country": "NP", "role": "sub_agent"},
        ],
        "reports_naming_unregistered_intermediaries": 0,
    }
    assert [a["agent_id"] for a in status_at(story.record(), at(11)).public["chain"]["agents"]] == [
        "a1"
    ]
    assert [a["agent_id"] for a in status_at(story.record(), at(41)).public["chain"]["agents"]] == [
        "a2"
    ]


def test_a_red_agent_makes_the_recruiter_amber_citing_the_agents_event_until_the_link_ends():
    story = licensed()
    declare(story, 10, "a1", "DOFE-7")
    story.licensing("agent_link_ended", 40, agent_id="a1")
    red = {"a1": AgentAnswer("rec-partner", "red", "suspension-event")}
    during = status_at(story.record(), at(20), agents=red)
    assert during.verdict == "amber"
    assert [(r.code, r.event_id) for r in during.reasons] == [("chain_risk", "suspension-event")]
    assert status_at(story.record(), at(41), agents=red).verdict == "green"
    amber = {"a1": AgentAnswer("rec-partner", "amber")}
    assert status_at(story.record(), at(20), agents=amber).verdict == "green"


def test_a_substantiated_report_naming_an_unregistered_intermediary_counts_for_twelve_months():
    story = licensed()
    report(story, "rep-1", 10, ["fees_charged"])
    intermediaries = [{"intermediary_id": "i1", "country": "NP"}]
    story.add("rep-1", "intermediaries_named", 10, report_id="rep-1", intermediaries=intermediaries)
    story.add("rep-1", "report_substantiated", 20, report_id="rep-1")
    story.add(
        "rep-1", "report_resolved", 21, report_id="rep-1", outcome="remedied", fees_reimbursed=None
    )
    assert status_at(story.record(), at(22)).verdict == "green"
    linked = story.add(
        "rep-1",
        "intermediary_linked",
        25,
        report_id="rep-1",
        intermediary_id="i1",
        recruiter_id=RECRUITER,
        link="unregistered",
        agent_id=None,
    )
    status = status_at(story.record(), at(30))
    assert status.verdict == "amber"
    assert [(r.code, r.event_id) for r in status.reasons] == [("chain_risk", linked["event_id"])]
    assert status.public["chain"]["reports_naming_unregistered_intermediaries"] == 1
    assert status_at(story.record(), at(24)).verdict == "green"
    assert status_at(story.record(), at(20 + 366)).verdict == "green"


def test_officials_see_every_link_and_the_intermediaries_by_id_never_by_name():
    story = licensed()
    declare(story, 10, "a1", "DOFE-7", role="foreign_partner")
    story.licensing("agent_link_ended", 40, agent_id="a1")
    report(story, "rep-1", 10, ["fees_charged"])
    intermediaries = [{"intermediary_id": "i1", "country": "IN"}]
    story.add("rep-1", "intermediaries_named", 10, report_id="rep-1", intermediaries=intermediaries)
    detail = status_at(story.record(), at(50), official=True).detail
    assert detail["agents"] == [
        {
            "agent_id": "a1",
            "name": "Agent a1",
            "country": "NP",
            "role": "foreign_partner",
            "licence_number": "DOFE-7",
            "declared_at": at(10).isoformat(),
            "ended_at": at(40).isoformat(),
        }
    ]
    assert detail["intermediaries"] == [
        {
            "intermediary_id": "i1",
            "country": "IN",
            "link": None,
            "agent_id": None,
            "report_substantiated": False,
        }
    ]
