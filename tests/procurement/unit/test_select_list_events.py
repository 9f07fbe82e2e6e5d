"""A board's select-list decisions are published, so the board's own view can show its
list (Durham framework, section 3, "Local Children's Boards", responsibility 8)."""

from __future__ import annotations

import pytest

from services.procurement.application import providers
from services.procurement.application.common import (
    NotFound,
    ProcurementConfig,
    procurement_config,
)
from shared.contracts.procurement import SelectListChange, SelectListChanged
from shared.trust import load_trust_config
from tests.procurement.unit.fakes import FakeDatabase, fake_unit_of_work
from tests.procurement.unit.test_use_cases import BOARD, NOW, Clock, qualified


@pytest.fixture
def config() -> ProcurementConfig:
    return procurement_config(load_trust_config(), "ocds-unregistered")


async def test_admitting_and_removing_a_provider_publish_the_boards_decision(
    config: ProcurementConfig,
) -> None:
    db, clock = FakeDatabase(), Clock()
    uows = fake_unit_of_work(db)
    async with uows() as uow:
        await uow.providers.save(qualified("family-action"))
        await uow.commit()
    async with uows() as uow:
        await providers.admit(
            uow, config, BOARD, ("easington", "parenting"), "family-action", clock
        )
    async with uows() as uow:
        await providers.remove(
            uow, config, BOARD, ("easington", "parenting"), "family-action", "left the area", clock
        )

    changes = db.events(SelectListChanged)
    assert [(c.change, c.reason) for c in changes] == [
        (SelectListChange.ADMITTED, "all quality standards evidenced and current"),
        (SelectListChange.REMOVED, "left the area"),
    ]
    assert all(
        (c.locality, c.priority, c.provider_id, c.decided_by, c.decided_at)
        == ("easington", "parenting", "family-action", "bella", NOW)
        for c in changes
    )


async def test_a_refused_admission_publishes_nothing(config: ProcurementConfig) -> None:
    db, clock = FakeDatabase(), Clock()
    uows = fake_unit_of_work(db)
    async with uows() as uow:
        with pytest.raises(NotFound):
            await providers.admit(uow, config, BOARD, ("easington", "parenting"), "nobody", clock)
    assert db.events(SelectListChanged) == []
