"""A recruiter's recruitment chain at an instant (SPEC §16). Pure.

The links are the recruiter's own ``agent_declared`` and ``agent_link_ended`` facts. An
agent that is itself a registered recruiter (its licence number has a holder) brings its
own answer, worked out by the reader from that recruiter's record at the same instant
(``AgentAnswer``): a red agent makes the recruiter amber with ``chain_risk``, as does a
substantiated report of the last twelve months naming an intermediary a monitor found
to be no declared agent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from services.verification.reasons import Reason
from shared.events.licensing import AgentDeclared, AgentLinkEnded

if TYPE_CHECKING:
    from services.verification.domain import Fact, Report

REPORT_MEMORY = timedelta(days=365)
RED_CODES = ("no_licence", "licence_not_active")


@dataclass(frozen=True)
class AgentLink:
    declared: Fact
    ended: Fact | None = None

    @property
    def agent(self) -> AgentDeclared:
        return self.declared["event"]


@dataclass(frozen=True)
class AgentAnswer:
    """What the agent, a registered recruiter, answers at the same instant; ``cited``: the
    event its red verdict rests on."""

    recruiter_id: str
    verdict: str
    cited: str | None = None


def agent_links(own: Iterable[Fact], at: datetime) -> dict[str, AgentLink]:
    """Every link declared by ``at``, with its end if it ended by then."""
    links: dict[str, AgentLink] = {}
    for fact in own:
        if fact["effective"] > at:
            continue
        event = fact["event"]
        if isinstance(event, AgentDeclared):
            links[event.agent_id] = AgentLink(fact)
        elif isinstance(event, AgentLinkEnded) and event.agent_id in links:
            links[event.agent_id] = AgentLink(links[event.agent_id].declared, fact)
    return links


def current_agents(own: Iterable[Fact], at: datetime) -> list[AgentDeclared]:
    """The agents the recruiter works through at ``at``."""
    return [link.agent for link in agent_links(own, at).values() if link.ended is None]


def linked_agents(own: Iterable[Fact], at: datetime | None) -> list[AgentDeclared]:
    """The agents in force at ``at``; with no instant, every agent ever declared, in force
    at some instant or other."""
    if at is not None:
        return current_agents(own, at)
    return [fact["event"] for fact in own if isinstance(fact["event"], AgentDeclared)]


def unregistered_links(report: Report, at: datetime) -> list[Fact]:
    """The links of intermediaries found unregistered, on a report substantiated within
    the twelve months before ``at``."""
    substantiated = report.substantiation
    if not report.substantiated or at - substantiated["effective"] > REPORT_MEMORY:
        return []
    return [fact for fact in report.links.values() if fact["event"].link == "unregistered"]


def chain_reasons(
    own: Iterable[Fact], answers: Mapping[str, AgentAnswer], reports: Iterable[Report], at
) -> list[Reason]:
    reasons = []
    for agent in current_agents(own, at):
        answer = answers.get(agent.agent_id)
        if answer is not None and answer.verdict == "red":
            message = (
                f"Its {agent.role.replace('_', ' ')} {agent.name} ({agent.country}) is a "
                "recruiter whose licence is not active."
            )
            reasons.append(Reason("chain_risk", message, answer.cited))
    for report in reports:
        for fact in unregistered_links(report, at):
            message = (
                "A substantiated worker's report names an intermediary acting for this "
                "recruiter who is not among its declared agents."
            )
            reasons.append(Reason("chain_risk", message, fact["event_id"]))
    return reasons


def chain_view(
    own: Iterable[Fact], answers: Mapping[str, AgentAnswer], reports: Iterable[Report], at
) -> dict[str, Any]:
    """The public chain: the agents in force at ``at``, each registered one with its own
    verdict, and how many recent substantiated reports name unregistered intermediaries."""
    agents = []
    for agent in current_agents(own, at):
        shown = {
            "agent_id": agent.agent_id,
            "name": agent.name,
            "country": agent.country,
            "role": agent.role,
        }
        answer = answers.get(agent.agent_id)
        if answer is not None:
            shown |= {"recruiter_id": answer.recruiter_id, "verdict": answer.verdict}
        agents.append(shown)
    naming = sum(bool(unregistered_links(report, at)) for report in reports)
    return {"agents": agents, "reports_naming_unregistered_intermediaries": naming}


def chain_detail(own: Iterable[Fact], reports: Iterable[Report], at: datetime) -> dict[str, Any]:
    """Officials' detail: every link declared by ``at``, ended ones too, with licence
    numbers and dates; and each report's intermediaries by id, country and link."""
    links = [
        {
            **link.agent.to_data(),
            "declared_at": link.declared["at"],
            "ended_at": link.ended["at"] if link.ended else None,
        }
        for link in agent_links(own, at).values()
    ]
    named = [
        {
            "intermediary_id": intermediary_id,
            "country": country,
            "link": report.links[intermediary_id]["event"].link
            if intermediary_id in report.links
            else None,
            "agent_id": report.links[intermediary_id]["event"].agent_id
            if intermediary_id in report.links
            else None,
            "report_substantiated": report.substantiated,
        }
        for report in reports
        for intermediary_id, country in report.intermediaries.items()
    ]
    return {"agents": links, "intermediaries": named}


def red_event(verdict: str, reasons: Iterable[Reason]) -> str | None:
    """The event a red answer rests on, for a recruiter that links to this one to cite."""
    if verdict != "red":
        return None
    return next((r.event_id for r in reasons if r.code in RED_CODES), None)
