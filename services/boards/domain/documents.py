"""What a board projection keeps: documents (the current state of one fact) and story lines
(what happened, in order), and which board keeps which.

The three audiences are the Durham Children's Trust framework's (section 3, "How and who
will commission"): each Local Children's Board sees its locality, the Joint Commissioning
Unit the whole pipeline, and the Children's Executive Board outcomes, money and what awaits
its decision. Each keeps its own projection of the same events.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """The kinds of fact a projection keeps, one document per kind and key."""

    NEED = "need"
    PROJECT = "project"
    PRIORITY = "priority"
    PROCUREMENT = "procurement"
    CONTRACT = "contract"
    MONITORED_CONTRACT = "monitored_contract"
    PERFORMANCE = "performance"
    ALERT = "alert"
    SELF_EVALUATION = "self_evaluation"
    SELECT_LIST = "select_list"


@dataclass(frozen=True, slots=True)
class Document:
    """The current state of one fact: `body` is JSON (strings for money and dates)."""

    kind: Kind
    key: str
    localities: tuple[str, ...]
    """The localities the fact concerns; empty for a trust-wide fact."""
    body: Mapping[str, Any]
    occurred_at: datetime
    """When the last event that changed it happened (the event's own time, never the clock)."""


@dataclass(frozen=True, slots=True)
class StoryLine:
    """One event a projection took in, told in a sentence."""

    event_id: uuid.UUID
    kind: Kind
    key: str
    localities: tuple[str, ...]
    summary: str
    occurred_at: datetime


class Board(StrEnum):
    """The three audiences, each with its own projection."""

    LOCAL = "local-board"
    JCU = "jcu"
    EXECUTIVE = "executive-board"

    @property
    def kinds(self) -> frozenset[Kind]:
        return BOARD_KINDS[self]

    def keeps(self, kind: Kind, localities: tuple[str, ...]) -> bool:
        """Whether this board keeps a fact: a local board keeps only facts placed in a
        locality (and performance, which it joins to its own contracts)."""
        if kind not in self.kinds:
            return False
        return self is not Board.LOCAL or bool(localities) or kind is Kind.PERFORMANCE

    def tells(self, kind: Kind, localities: tuple[str, ...]) -> bool:
        """Whether this board's story tells of a fact: a local board's only of its own."""
        return kind in self.kinds and (self is not Board.LOCAL or bool(localities))


BOARD_KINDS: Mapping[Board, frozenset[Kind]] = {
    # Durham, section 3, "Local Children's Boards": local needs, local projects, its
    # select lists, local contracts and their performance, and the locality's alerts.
    Board.LOCAL: frozenset(
        {
            Kind.NEED,
            Kind.SELECT_LIST,
            Kind.PROJECT,
            Kind.PROCUREMENT,
            Kind.CONTRACT,
            Kind.MONITORED_CONTRACT,
            Kind.PERFORMANCE,
            Kind.ALERT,
        }
    ),
    # Durham, section 3, the JCU and PPDG duties: the whole pipeline, budgets, all alerts,
    # and the needs it commissions against.
    Board.JCU: frozenset(
        {
            Kind.NEED,
            Kind.PROJECT,
            Kind.PROCUREMENT,
            Kind.CONTRACT,
            Kind.MONITORED_CONTRACT,
            Kind.PERFORMANCE,
            Kind.ALERT,
        }
    ),
    # Durham, section 3, "The Children's Executive Board": priorities and the plan,
    # outcomes, money, escalations, and the self-evaluation (North Yorkshire, Appendix B).
    Board.EXECUTIVE: frozenset(
        {
            Kind.NEED,
            Kind.PROJECT,
            Kind.PRIORITY,
            Kind.CONTRACT,
            Kind.ALERT,
            Kind.SELF_EVALUATION,
        }
    ),
}
