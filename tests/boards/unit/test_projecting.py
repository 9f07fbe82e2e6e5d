"""How a projection takes events: deterministically (so it can be rebuilt from the first
event), never letting an older fact overwrite a newer one, and relying on the inbox for
what is a history (the story, the count of bids)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from services.boards.application import executive
from services.boards.domain.documents import Board, Kind
from shared.auth import Role
from shared.contracts.monitoring import KpiResult, PerformanceReturnAccepted, Rag
from shared.contracts.procurement import BidReceived
from tests.boards import story
from tests.boards.story import envelope_of, events, project_changed
from tests.boards.unit.conftest import caller, told
from tests.boards.unit.fakes import FakeBoards


def state(boards: FakeBoards) -> dict[Board, object]:
    return {
        b: (
            sorted(boards.store(b).docs.items()),
            [dataclasses.astuple(s) for s in boards.store(b).lines],
        )
        for b in Board
    }


async def test_the_same_events_build_the_same_projection_every_time() -> None:
    """No clock and no randomness: a rebuild from the history equals the live projection."""
    first = await told(FakeBoards(), events())
    second = await told(FakeBoards(), events())
    assert state(first) == state(second)
    assert first.store(Board.JCU).docs


async def test_an_older_project_version_never_overwrites_a_newer_one() -> None:
    newer = envelope_of(
        project_changed(story.PROJECT, story.HOME, 3, 4, "gate_approved", 90), "projects", 90
    )
    older = envelope_of(
        project_changed(story.PROJECT, story.HOME, 2, 3, "gate_approved", 80), "projects", 80
    )
    boards = await told(FakeBoards(), [newer, older])
    document = await boards.store(Board.JCU).get(Kind.PROJECT, str(story.PROJECT))
    assert document is not None and (document.body["version"], document.body["stage"]) == (3, 4)


def _returned(period: str, revision: int, rag: Rag) -> PerformanceReturnAccepted:
    return PerformanceReturnAccepted(
        contract_id=str(story.CONTRACT),
        provider_id="barnardos",
        period=period,
        revision=revision,
        results=[KpiResult(kpi_id="seen-in-4-weeks", value=70.0, rag=rag)],
        contract_status=rag,
    )


async def test_the_latest_period_gives_the_rag_and_a_revision_corrects_it() -> None:
    returns = [
        _returned("2026-Q3", 1, Rag.RED),
        _returned("2026-Q2", 1, Rag.GREEN),  # late, for an earlier quarter
        _returned("2026-Q3", 2, Rag.AMBER),  # a correction of Q3
    ]
    stream = [envelope_of(r, "monitoring", 500 + n, story.HOME) for n, r in enumerate(returns)]
    boards = await told(FakeBoards(), stream)
    document = await boards.store(Board.LOCAL).get(Kind.PERFORMANCE, str(story.CONTRACT))
    assert document is not None
    assert (document.body["period"], document.body["revision"], document.body["status"]) == (
        "2026-Q3",
        2,
        "amber",
    )


async def test_documents_converge_under_replay_but_the_story_and_bids_need_the_inbox() -> None:
    """Applied twice without the inbox, the documents' current state is the same but the
    story doubles, and a bid delivered again is counted again: de-duplication is the
    inbox's job, and tests/boards/integration shows the inbox doing it."""
    once = await told(FakeBoards(), events())
    twice = await told(await told(FakeBoards(), events()), events())
    jcu_once, jcu_twice = once.store(Board.JCU), twice.store(Board.JCU)
    assert len(jcu_twice.lines) == 2 * len(jcu_once.lines)
    assert jcu_once.docs == jcu_twice.docs

    bid = next(e for e in events() if isinstance(e.payload, BidReceived))
    redelivered = await told(FakeBoards(), [*events(), bid])
    procurement = (Kind.PROCUREMENT, str(story.PROCUREMENT))
    assert redelivered.store(Board.JCU).docs[procurement].body["bids"] == 3


async def test_money_stays_exact_to_the_penny() -> None:
    boards = await told(FakeBoards(), events())
    contract = boards.store(Board.EXECUTIVE).docs[(Kind.CONTRACT, str(story.CONTRACT))]
    assert Decimal(contract.body["value"]) == Decimal("120000.00")
    assert contract.body["funding"][0]["partners"]["nhs-county-durham"] == "100000.00"


async def test_each_board_keeps_only_its_kinds_of_fact() -> None:
    boards = await told(FakeBoards(), events())
    kinds = {b: {k for k, _ in boards.store(b).docs} for b in Board}
    assert Kind.PRIORITY not in kinds[Board.LOCAL] and Kind.PRIORITY in kinds[Board.EXECUTIVE]
    assert Kind.PROCUREMENT not in kinds[Board.EXECUTIVE]
    assert Kind.SELF_EVALUATION in kinds[Board.EXECUTIVE]


async def test_a_contract_whose_sums_are_not_money_is_refused_and_the_spend_still_adds_up() -> None:
    """Money on the platform is pounds to the penny, under £10^12 (procurement's Money). A
    contract event with a sum beyond that is refused by every board (the inbox dead-letters
    it with the reason), so no board holds a figure it cannot add up: the Executive Board's
    spend by partner would otherwise fail for every reader from then on."""
    contract = story.contract(story.uid("huge"), story.HOME, 700)
    huge_share = contract.funding[0].model_copy(update={"amount": Decimal("1E+30")})
    for bad in (
        contract.model_copy(update={"funding": [huge_share]}),
        contract.model_copy(update={"value": Decimal("1E+30")}),
        contract.model_copy(update={"value": Decimal("10.001")}),
    ):
        with pytest.raises(ValueError, match="not an amount of money"):
            await told(FakeBoards(), [envelope_of(bad, "procurement", 1)])

    boards = await told(FakeBoards(), [envelope_of(contract, "procurement", 1)])
    spend = await executive.spend(boards, caller(Role.EXECUTIVE_BOARD))
    assert sum(Decimal(v) for v in spend.by_partner.values()) == Decimal("120000.00")
