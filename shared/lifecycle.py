"""A lifecycle as one table (state, command) -> next state, read by one function."""

from __future__ import annotations

from collections.abc import Mapping

from shared.errors import TransitionForbidden


class Lifecycle:
    def __init__(self, what: str, transitions: Mapping[tuple[str, str], str]):
        self.what = what
        self.transitions = dict(transitions)

    def next_state(self, state: str, command: str) -> str:
        try:
            return self.transitions[(state, command)]
        except KeyError:
            raise TransitionForbidden(self.what, state, command) from None

    @property
    def states(self) -> set[str]:
        return {s for s, _ in self.transitions} | set(self.transitions.values())

    @property
    def commands(self) -> set[str]:
        return {c for _, c in self.transitions}
