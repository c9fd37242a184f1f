"""A recruiter's status with the answers of the agents it works through (SPEC §16). Pure.

The records a chain reaches are looked up once (``handlers.chain_records``); the agents'
answers are then worked out from them at any instant, so one lookup serves an answer now
and the many instants at which the status-change announcer compares answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from services.verification.chain import AgentAnswer, current_agents, red_event
from services.verification.domain import Record, Status, status_at
from shared.text import licence_key

# How many further links an agent's own answer follows below the agency's agents. Red
# never depends on the chain (chain_risk is amber), so a deeper chain changes no red in it.
CHAIN_DEPTH = 2


@dataclass(frozen=True)
class ChainRecords:
    """What a recruiter's chain reaches: per licence key (see ``licence_key``) the
    recruiter holding it, and the records of those recruiters. ``behind``: how stale the
    agents' records may be, asked once for all of them."""

    holders: Mapping[str, str] = field(default_factory=dict)
    records: Mapping[str, Record] = field(default_factory=dict)
    behind: float | None = None

    def answers(
        self,
        record: Record,
        at: datetime,
        depth: int = 0,
        seen: frozenset = frozenset(),
        known: dict[str, AgentAnswer] | None = None,
    ) -> dict[str, AgentAnswer]:
        """Per agent of ``record`` in force at ``at`` whose licence number has a holder,
        that recruiter's own answer at ``at``; each recruiter worked out once however many
        link to it (``known``). A loop of links (possible when a holder registers after
        the link) is followed once."""
        known = {} if known is None else known
        visited = seen | {record.recruiter_id}
        held = {
            agent.agent_id: holder
            for agent in current_agents(record.streams.get(record.recruiter_id, []), at)
            if agent.licence_number
            and (holder := self.holders.get(licence_key(agent.country, agent.licence_number)))
            and holder not in visited
        }
        for recruiter_id in sorted(set(held.values()) - known.keys()):
            agent = self.records.get(recruiter_id)
            if agent is None:
                continue
            deeper = (
                self.answers(agent, at, depth + 1, visited, known) if depth < CHAIN_DEPTH else {}
            )
            status = status_at(agent, at, behind=self.behind, agents=deeper)
            known[recruiter_id] = AgentAnswer(
                recruiter_id, status.verdict, red_event(status.verdict, status.reasons)
            )
        return {agent_id: known[rid] for agent_id, rid in held.items() if rid in known}


NO_CHAIN = ChainRecords()


def chained_status(
    record: Record,
    at: datetime,
    chain: ChainRecords,
    licence_id: str | None = None,
    official: bool = False,
    behind: float | None = None,
) -> Status:
    """The status at ``at`` with the answers of the agents it works through: the one way
    every answer is worked out, so a change in the chain changes the answer like any other."""
    return status_at(record, at, licence_id, official, behind, chain.answers(record, at))
