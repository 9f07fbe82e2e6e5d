"""Suppression decisions persist across releases (issue 8, attack 3).

Every assessment version, need event and API answer is a release of the tables it shows. A
reader keeps them all, so "the trust now minus the localities then" must not give back a
count that a later release hides. These tests replay the attacks through the use cases,
under a rule without rounding (suppress 1-5, a rule a trust may configure) so that every
difference a reader takes is exact.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import pytest

from services.needs.application import queries
from services.needs.application.config import NeedsConfig
from services.needs.application.ingest import Incoming, check_batch, ingest
from services.needs.application.ports import NeedsUnitOfWork, StoredRelease, UnitOfWorkFactory
from services.needs.application.queries import Filters
from services.needs.application.releases import restored, stored
from services.needs.domain.analysis import IndicatorData
from services.needs.domain.disclosure import Release
from services.needs.domain.model import AreaKind
from services.needs.domain.publication import rule_from_trust
from shared.auth import Principal, Role
from shared.contracts.needs import NeedIdentified
from tests.needs.unit.conftest import YEARS, rising_in_easington, value
from tests.needs.unit.fakes import FakeDatabase, FakeNeedsUnitOfWork

COUNCIL = "durham-county-council"
TRUST = "county-durham"
JCU = Principal(subject="analyst", roles=frozenset({Role.JCU}), trust=TRUST)


@pytest.fixture
def older_rule(config: NeedsConfig) -> NeedsConfig:
    rule = rule_from_trust(5, 1, "*")
    return replace(config, rule=rule, analysis=replace(config.analysis, disclosure=rule))


def neet(kind: str, code: str, count: int, population: int, revision: int = 1) -> Incoming:
    submitted = value(
        kind,
        code,
        "2024",
        indicator_id="neet_16_17",
        agency=COUNCIL,
        numerator=count,
        denominator=population,
        revision=revision,
    )
    return Incoming(submitted)


async def submit(uows: UnitOfWorkFactory, config: NeedsConfig, items: list[Incoming]) -> None:
    async with uows() as uow:
        await ingest(items, uow, config, via="http")
        await uow.commit()


async def assessed_counts(uows: UnitOfWorkFactory, config: NeedsConfig) -> dict[str, int | None]:
    """Publish assessments of every area; the NEET count each version shows, by area."""
    async with uows() as uow:
        published = await queries.publish_assessments(uow, config, JCU, [])
        await uow.commit()
    return {
        row["area_code"]: row["count"]
        for p in published
        for row in p.assessment.body["indicators"]
        if row["indicator_id"] == "neet_16_17" and row["breakdown"] == {}
    }


async def cross_release_attack(uows: UnitOfWorkFactory, config: NeedsConfig) -> int | None:
    """v1: two localities and the trust. v2: Sedgefield reports 3. The trust in v2 minus
    the localities in v1, or None when a figure it needs is withheld."""
    first = [neet("trust", TRUST, 50, 500), neet("locality", "easington", 20, 200)]
    await submit(uows, config, [*first, neet("locality", "derwentside", 30, 300)])
    v1 = await assessed_counts(uows, config)
    await submit(
        uows, config, [neet("trust", TRUST, 53, 540, 2), neet("locality", "sedgefield", 3, 40)]
    )
    v2 = await assessed_counts(uows, config)
    assert v2["sedgefield"] is None  # hidden in v2 itself
    parts = (v2[TRUST], v1["easington"], v1["derwentside"])
    return None if None in parts else parts[0] - parts[1] - parts[2]  # type: ignore[operator]


class ForgetfulReleases:
    """A release store that records nothing: every decision is taken afresh."""

    async def of(self, indicator_ids: Any) -> list[StoredRelease]:
        return []

    async def add(self, releases: Any) -> None:
        return None


def forgetful(db: FakeDatabase) -> UnitOfWorkFactory:
    @asynccontextmanager
    async def open_unit_of_work() -> AsyncIterator[NeedsUnitOfWork]:
        uow = FakeNeedsUnitOfWork(db)
        uow.releases = ForgetfulReleases()
        yield uow

    return open_unit_of_work


async def test_without_the_record_of_earlier_releases_trust_minus_v1_localities_gives_3(
    older_rule: NeedsConfig, db: FakeDatabase
) -> None:
    assert await cross_release_attack(forgetful(db), older_rule) == 3


async def test_trust_minus_the_v1_localities_does_not_reveal_the_hidden_one(
    uows: UnitOfWorkFactory, older_rule: NeedsConfig, db: FakeDatabase
) -> None:
    assert await cross_release_attack(uows, older_rule) is None
    assert {r.family for r in db.releases.values()} == {"2024"}


async def board_member_attack(uows: UnitOfWorkFactory, config: NeedsConfig) -> int | None:
    """Easington's board member reads the trust and Easington when Easington alone has
    reported, and again after Derwentside reports 4: trust then minus Easington then."""
    board = Principal(
        subject="member",
        roles=frozenset({Role.LOCAL_BOARD_MEMBER}),
        trust=TRUST,
        locality="easington",
    )
    areas = [(kind, code) for kind, code in queries.visible_areas(board, config) or []]
    assert areas == [(AreaKind.TRUST, TRUST), (AreaKind.LOCALITY, "easington")]

    async def read() -> dict[str, int | None]:
        async with uows() as uow:
            rows = [
                row
                for kind, code in areas
                for row in await queries.values_of(uow, config, (kind, code), Filters())
            ]
            await uow.commit()
        return {row["area_code"]: row["count"] for row in rows}

    await submit(
        uows, config, [neet("trust", TRUST, 23, 52), neet("locality", "easington", 23, 52)]
    )
    before = await read()
    await submit(
        uows, config, [neet("trust", TRUST, 27, 60, 2), neet("locality", "derwentside", 4, 8)]
    )
    after = await read()
    if after[TRUST] is None or before["easington"] is None:
        return None
    return after[TRUST] - before["easington"]  # type: ignore[operator]


async def test_without_the_record_a_board_member_gets_another_locality_as_trust_minus_own(
    older_rule: NeedsConfig, db: FakeDatabase
) -> None:
    assert await board_member_attack(forgetful(db), older_rule) == 4


async def test_a_board_member_cannot_take_their_own_locality_from_the_trust(
    uows: UnitOfWorkFactory, older_rule: NeedsConfig
) -> None:
    assert await board_member_attack(uows, older_rule) is None


def test_a_stored_release_restores_the_counts_relations_and_hidden_cells(
    older_rule: NeedsConfig,
) -> None:
    values = [
        neet("trust", TRUST, 45, 500).submission,
        neet("locality", "easington", 4, 200).submission,
        neet("locality", "derwentside", 41, 300).submission,
    ]

    data = IndicatorData(
        older_rule.catalogue["neet_16_17"], check_batch([Incoming(v) for v in values], older_rule)
    )
    release = data.disclosure_table("2024", older_rule.rule).release
    assert release.hidden  # Easington and a partner
    back = restored(stored("neet_16_17", "2024", release), older_rule.catalogue["neet_16_17"])
    assert back.counts == release.counts and back.hidden == release.hidden
    assert back.unpublished == release.unpublished
    assert relations(back) == relations(release)


def relations(release: Release[Hashable]) -> set[tuple[Hashable, frozenset[Hashable]]]:
    return {(group.total, frozenset(group.parts)) for group in release.groups}


async def test_a_need_event_records_the_tables_it_published_and_a_silent_ingest_none(
    uows: UnitOfWorkFactory, config: NeedsConfig, db: FakeDatabase
) -> None:
    await submit(uows, config, [neet("locality", "easington", 20, 200)])
    assert db.releases == {}  # nothing was published from it
    async with uows() as uow:
        await ingest([Incoming(v) for v in rising_in_easington()], uow, config, via="http")
        await uow.commit()
    assert db.events(NeedIdentified)
    recorded = {(r.indicator_id, r.family) for r in db.releases.values()}
    assert recorded == {("teenage_conceptions", year) for year in YEARS}
