"""Step 6 of the whole cycle: each board's projection tells its part of the story, read
through the boards service's API only (Durham Children's Trust framework, section 3: local
boards see their locality, the JCU the whole pipeline, the Executive Board outcomes and
money)."""

from __future__ import annotations

from typing import Any

from shared.auth import Role
from tests.e2e.cycle import Cycle
from tests.projects.integration.test_lifecycle import Walk

LOCALITY, ELSEWHERE = "easington", "derwentside"


def ids(rows: list[dict[str, Any]], key: str) -> set[str]:
    return {row[key] for row in rows}


async def each_board_sees_its_part_of_the_story(
    cycle: Cycle, walk: Walk, contract: dict[str, Any], need_id: str
) -> None:
    contract_id = contract["contract_id"]
    await easingtons_board_sees_it_all(cycle, walk, contract_id, need_id)
    await derwentsides_board_sees_none_of_it(cycle, walk, contract_id, need_id)
    await the_jcu_sees_the_pipeline(cycle, walk, contract_id)
    await the_executive_board_sees_outcomes_and_money(cycle, contract)


async def easingtons_board_sees_it_all(
    cycle: Cycle, walk: Walk, contract_id: str, need_id: str
) -> None:
    board: dict[str, Any] = {}

    async def told() -> bool:
        nonlocal board
        board = await cycle.call(
            "boards", "GET", f"/boards/local/{LOCALITY}", cycle.board(LOCALITY)
        )
        contracts = {c["contract_id"]: c for c in board["contracts"]}
        rag = (contracts.get(contract_id) or {}).get("rag") or {}
        return bool(board["alerts"]) and rag.get("status") == "red"

    await cycle.until(told, 90)
    assert need_id in ids(board["needs"], "need_id")
    [project] = [p for p in board["projects"] if p["project_id"] == walk.id]
    assert project["stage"] == 9 and project["status"] == "completed"
    assert [a["rule"] for a in board["alerts"]] == ["kpi_red"]
    assert board["alerts"][0]["contract_id"] == contract_id
    story = await cycle.call(
        "boards", "GET", f"/boards/local/{LOCALITY}/story", cycle.board(LOCALITY)
    )
    assert story, "Easington's story is empty"


async def derwentsides_board_sees_none_of_it(
    cycle: Cycle, walk: Walk, contract_id: str, need_id: str
) -> None:
    board = await cycle.call("boards", "GET", f"/boards/local/{ELSEWHERE}", cycle.board(ELSEWHERE))
    assert need_id not in ids(board["needs"], "need_id")
    assert walk.id not in ids(board["projects"], "project_id")
    assert contract_id not in ids(board["contracts"], "contract_id")
    assert board["alerts"] == []
    answer = await cycle.clients["boards"].get(
        f"/boards/local/{LOCALITY}", headers=cycle.board(ELSEWHERE)
    )
    assert answer.status_code == 403
    assert need_id not in answer.text and contract_id not in answer.text


async def the_jcu_sees_the_pipeline(cycle: Cycle, walk: Walk, contract_id: str) -> None:
    jcu = cycle.token("jo", Role.JCU)
    pipeline = await cycle.call("boards", "GET", "/boards/jcu/projects", jcu)
    assert walk.id in ids(pipeline["projects"], "project_id")
    contracts = await cycle.call("boards", "GET", "/boards/jcu/contracts", jcu)
    assert contract_id in ids(contracts, "contract_id")
    [fund] = [
        f
        for f in await cycle.call("boards", "GET", "/boards/jcu/budgets", jcu)
        if f["fund_id"] == "easington-parenting"
    ]
    assert (fund["contributed"], fund["committed"], fund["remaining"]) == (
        "50000.00",
        "40000.00",
        "10000.00",
    )
    alerts = await cycle.call("boards", "GET", "/boards/jcu/alerts", jcu)
    assert contract_id in ids(alerts, "contract_id")


async def the_executive_board_sees_outcomes_and_money(
    cycle: Cycle, contract: dict[str, Any]
) -> None:
    executive = cycle.token("eve", Role.EXECUTIVE_BOARD)
    spend = await cycle.call("boards", "GET", "/boards/executive/spend", executive)
    for outcome in contract["outcomes"]:
        assert outcome in spend["by_outcome"], (outcome, spend)
    assert set(spend["by_partner"]) >= {"durham-county-council", "nhs-county-durham"}
    scorecard = await cycle.call("boards", "GET", "/boards/executive/scorecard", executive)
    assert sum(row["open_needs"] for row in scorecard) >= 1
