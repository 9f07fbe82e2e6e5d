"""Who may read and publish what (Durham Children's Trust framework, section 3, "Local
Children's Boards"): a board member sees their own locality and the trust, an agency
publishes and reads back its own indicators only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.needs.application import queries
from services.needs.application.config import NeedsConfig
from services.needs.application.ingest import Incoming, ingest
from services.needs.application.ports import UnitOfWorkFactory
from services.needs.domain.assessment import NeedsAssessment
from services.needs.domain.model import AreaKind
from shared.auth import Principal, Role
from tests.needs.unit.conftest import rising_in_easington
from tests.needs.unit.fakes import FakeDatabase

TRUST = "county-durham"
EASINGTON_BOARD = Principal(
    subject="board", roles=frozenset({Role.LOCAL_BOARD_MEMBER}), locality="easington", trust=TRUST
)
JCU = Principal(subject="jcu", roles=frozenset({Role.JCU}), trust=TRUST)
NHS_PUBLISHER = Principal(
    subject="pct",
    roles=frozenset({Role.AGENCY_PUBLISHER}),
    agency="nhs-county-durham",
    trust=TRUST,
)


def test_a_board_member_sees_the_trust_and_their_own_locality_only(config: NeedsConfig) -> None:
    assert queries.visible_areas(EASINGTON_BOARD, config) == [
        (AreaKind.TRUST, TRUST),
        (AreaKind.LOCALITY, "easington"),
    ]
    assert queries.visible_areas(JCU, config) is None
    queries.check_locality(EASINGTON_BOARD, "easington", config)
    with pytest.raises(queries.Forbidden) as forbidden:
        queries.check_locality(EASINGTON_BOARD, "derwentside", config)
    assert forbidden.value.problems[0].field == "area"


def test_an_unknown_locality_is_not_found_whoever_asks(config: NeedsConfig) -> None:
    for principal in (EASINGTON_BOARD, JCU):
        with pytest.raises(queries.NotFound) as missing:
            queries.check_locality(principal, "atlantis", config)
        assert missing.value.problem.field == "locality"


def test_an_agency_publishes_for_itself_only_and_every_foreign_value_is_named() -> None:
    queries.check_agencies(NHS_PUBLISHER, ["nhs-county-durham"])
    with pytest.raises(queries.Forbidden) as forbidden:
        queries.check_agencies(
            NHS_PUBLISHER, ["nhs-county-durham", "durham-county-council", "police"]
        )
    assert [(p.index, p.field) for p in forbidden.value.problems] == [(1, "agency"), (2, "agency")]


async def test_an_agency_reads_back_the_history_of_its_own_indicators_only(
    uows: UnitOfWorkFactory, config: NeedsConfig
) -> None:
    async with uows() as uow:
        area = (AreaKind.LOCALITY, "easington")
        assert (
            await queries.value_history(
                uow, config, NHS_PUBLISHER, "teenage_conceptions", area, None, None
            )
            == []
        )
        with pytest.raises(queries.Forbidden, match="belongs to agency 'durham-county-council'"):
            await queries.value_history(uow, config, NHS_PUBLISHER, "neet_16_17", area, None, None)
        with pytest.raises(queries.NotFound):
            await queries.value_history(uow, config, NHS_PUBLISHER, "nope", area, None, None)


def assessment(kind: AreaKind, code: str) -> NeedsAssessment:
    return NeedsAssessment(
        assessment_id=uuid.uuid4(),
        area_kind=kind,
        area_code=code,
        version=1,
        published_at=datetime.now(UTC),
        requested_by="jcu",
        data_version="d",
        body={},
        csv="",
    )


async def test_a_board_member_lists_and_downloads_only_assessments_they_may_see(
    uows: UnitOfWorkFactory, config: NeedsConfig, db: FakeDatabase
) -> None:
    trust, own, other = (
        assessment(AreaKind.TRUST, TRUST),
        assessment(AreaKind.LOCALITY, "easington"),
        assessment(AreaKind.LOCALITY, "derwentside"),
    )
    db.assessments = {a.assessment_id: a for a in (trust, own, other)}
    async with uows() as uow:
        listed = await queries.visible_assessments(uow, config, EASINGTON_BOARD)
        assert {a.area_code for a in listed} == {TRUST, "easington"}
        assert len(await queries.visible_assessments(uow, config, JCU)) == 3
        assert await queries.visible_assessment(uow, EASINGTON_BOARD, own.assessment_id) == own
        with pytest.raises(queries.NotFound):
            await queries.visible_assessment(uow, EASINGTON_BOARD, other.assessment_id)
        with pytest.raises(queries.NotFound):
            await queries.visible_assessment(uow, EASINGTON_BOARD, uuid.uuid4())


async def test_needs_are_read_for_the_areas_asked_and_filtered_by_group(
    uows: UnitOfWorkFactory, config: NeedsConfig
) -> None:
    async with uows() as uow:
        await ingest([Incoming(v) for v in rising_in_easington()], uow, config, via="http")
        await uow.commit()
    async with uows() as uow:
        easington = [(AreaKind.LOCALITY, "easington")]
        found = await queries.needs_of(uow, config, easington, None, queries.Filters())
        assert [n["need_key"] for n in found] == ["teenage_conceptions/locality/easington"]
        derwentside = [(AreaKind.LOCALITY, "derwentside")]
        assert await queries.needs_of(uow, config, derwentside, None, queries.Filters()) == []
        groups = queries.Filters(group="looked_after")
        assert await queries.needs_of(uow, config, easington, None, groups) == []
