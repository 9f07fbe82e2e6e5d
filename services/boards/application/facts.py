"""The common shape of what an event tells a projection: facts, each a pure change of one
document and a line of the story.

A change is a deterministic function of the previous document and the event (never the
clock: times are the events' own), so replaying a projection's events into fresh tables
rebuilds exactly the same state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.boards.domain.documents import Document, Kind

Change = Callable[[Document | None], Document | None]
"""The next state of a document from its previous one; None leaves it as it was."""


@dataclass(frozen=True, slots=True)
class Fact:
    """What one event says about one document."""

    kind: Kind
    key: str
    change: Change | None
    """None for an event that only adds to the story."""
    summary: str
    localities: tuple[str, ...] | None = None
    """The localities the story line concerns; None for the document's own."""


def replace(
    kind: Kind, key: str, localities: tuple[str, ...], body: Mapping[str, Any], at: datetime
) -> Change:
    """A change that sets the document outright."""
    document = Document(kind, key, localities, dict(body), at)
    return lambda _previous: document


def merge(kind: Kind, key: str, at: datetime, **fields: Any) -> Change:
    """A change that updates some fields of an existing document (none: unchanged)."""

    def change(previous: Document | None) -> Document | None:
        if previous is None:
            return None
        return Document(kind, key, previous.localities, {**previous.body, **fields}, at)

    return change


def text(value: object) -> str | None:
    """A value as JSON text (money, dates, ids), keeping None."""
    return None if value is None else str(value)
