"""Taking events into a board's projection: each event's facts, applied in order.

The batch handler is a deterministic function of the events (their own times, never the
clock), so replaying the history into fresh tables rebuilds the same state. The documents
converge under replay on their own, but the story (and a count such as bids received) is
a history: it relies on the platform inbox applying each event once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from services.boards.application import contract_facts as contracts
from services.boards.application import needs_projects_facts as plans
from services.boards.application.facts import Fact
from services.boards.application.ports import ProjectionStore
from services.boards.domain.documents import Board, Document, Kind, StoryLine
from shared.contracts import monitoring, needs, procurement, projects
from shared.envelope import Envelope, Event

Reader = Callable[[Any, Envelope], list[Fact]]

READERS: dict[type[Any], Reader] = {
    needs.NeedIdentified: lambda p, _e: plans.need_identified(p),
    needs.NeedResolved: lambda p, _e: plans.need_resolved(p),
    projects.ProjectChanged: lambda p, _e: plans.project_changed(p),
    projects.StageGateDecided: lambda p, _e: plans.stage_gate_decided(p),
    projects.ProcurementRequested: lambda p, _e: plans.procurement_requested(p),
    projects.DecommissioningDecided: lambda p, _e: plans.decommissioning_decided(p),
    projects.ProjectFlaggedForReview: lambda p, _e: plans.project_flagged(p),
    projects.PriorityAgreed: lambda p, _e: plans.priority_agreed(p),
    projects.SelfEvaluationRecorded: lambda p, _e: plans.self_evaluation_recorded(p),
    procurement.ProcurementOpened: lambda p, _e: contracts.procurement_opened(p),
    procurement.TenderPublished: lambda p, _e: contracts.tender_published(p),
    procurement.BidReceived: lambda p, _e: contracts.bid_received(p),
    procurement.TenderClosed: lambda p, _e: contracts.tender_closed(p),
    procurement.ContractAwarded: lambda p, _e: contracts.contract_awarded(p),
    procurement.ContractStarted: lambda p, _e: contracts.contract_started(p),
    procurement.ContractVaried: lambda p, _e: contracts.contract_varied(p),
    procurement.ContractTerminated: lambda p, _e: contracts.contract_terminated(p),
    procurement.SelectListChanged: lambda p, _e: contracts.select_list_changed(p),
    monitoring.MonitoredContract: lambda p, e: contracts.monitored_contract(p, e.occurred_at),
    monitoring.PerformanceReturnAccepted: lambda p, e: contracts.return_accepted(
        p, e.occurred_at, e.locality
    ),
    monitoring.AlertRaised: lambda p, _e: contracts.alert_raised(p),
    monitoring.AlertStepRecorded: lambda p, _e: contracts.alert_step(p),
}
"""What each event type says. Types not listed (e.g. a needs assessment's publication)
tell the boards nothing and are skipped."""


def facts_of(event: Event[Any]) -> list[Fact]:
    read = READERS.get(type(event.payload))
    return [] if read is None else read(event.payload, event.envelope)


Key = tuple[Kind, str]


async def project(events: Sequence[Event[Any]], board: Board, store: ProjectionStore) -> None:
    """Apply a batch of events, in order, to `board`'s projection: the documents it touches
    are read (and locked) once, changed in memory event by event, and written once."""
    told = [(event, fact) for event in events for fact in facts_of(event)]
    wanted = sorted({(f.kind, f.key) for _e, f in told if f.kind in board.kinds})
    known: dict[Key, Document] = dict(await store.get_many(wanted)) if wanted else {}
    changed: dict[Key, Document] = {}
    lines: list[StoryLine] = []
    for event, fact in told:
        line = _apply(fact, event, board, known, changed)
        if line is not None:
            lines.append(line)
    if changed:
        await store.put_many(list(changed.values()))
    if lines:
        await store.append_many(lines)


def _apply(
    fact: Fact,
    event: Event[Any],
    board: Board,
    known: dict[Key, Document],
    changed: dict[Key, Document],
) -> StoryLine | None:
    """One fact's change to the documents in hand, and its line of the story, if told."""
    key = (fact.kind, fact.key)
    previous = known.get(key) if fact.kind in board.kinds else None
    after = fact.change(previous) if fact.change is not None else None
    current = after or previous
    if after is not None and (previous is not None or board.keeps(after.kind, after.localities)):
        known[key] = changed[key] = after
    localities = fact.localities
    if localities is None:
        localities = current.localities if current is not None else ()
    if not board.tells(fact.kind, localities):
        return None
    at = event.envelope.occurred_at
    return StoryLine(event.id, fact.kind, fact.key, localities, fact.summary, at)
