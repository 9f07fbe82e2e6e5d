"""Publishing needs assessments on fakes: versions count up per area, a version records the
exact revisions it used, and publication is announced with NeedsAssessmentPublished."""

from __future__ import annotations

import json

import pytest

from services.needs.application import queries
from services.needs.application.config import NeedsConfig
from services.needs.application.ingest import Incoming, ingest
from services.needs.application.ports import UnitOfWorkFactory
from services.needs.domain.assessment import NeedsAssessment
from services.needs.domain.model import AreaKind
from shared.auth import Principal, Role
from shared.contracts.needs import NeedsAssessmentPublished
from tests.needs.unit.conftest import rising_in_easington, value
from tests.needs.unit.fakes import FakeDatabase, FakeNeedsUnitOfWork

JCU = Principal(subject="analyst", roles=frozenset({Role.JCU}), trust="county-durham")


async def publish(
    uows: UnitOfWorkFactory, config: NeedsConfig, names: list[str]
) -> list[NeedsAssessment]:
    async with uows() as uow:
        published = await queries.publish_assessments(uow, config, JCU, names)
        await uow.commit()
    return [p.assessment for p in published]


async def test_an_area_assessment_summarises_its_needs_and_is_announced(
    uows: UnitOfWorkFactory, config: NeedsConfig, db: FakeDatabase
) -> None:
    async with uows() as uow:
        await ingest([Incoming(v) for v in rising_in_easington()], uow, config, via="http")
        await uow.commit()
    (assessment,) = await publish(uows, config, ["easington"])
    assert (assessment.area_kind, assessment.area_code, assessment.version) == (
        AreaKind.LOCALITY,
        "easington",
        1,
    )
    assert assessment.requested_by == "analyst"
    assert assessment.body["summary"]["needs"] == 1
    assert [n["need_key"] for n in assessment.body["needs"]] == [
        "teenage_conceptions/locality/easington"
    ]
    assert len(assessment.body["data_versions"]) == 6  # five Easington years and England's
    assert assessment.csv.splitlines()[0].startswith("indicator_id,indicator_name")
    (event,) = db.events(NeedsAssessmentPublished)
    assert event.assessment_id == assessment.assessment_id
    assert event.json_path == f"/needs-assessments/{assessment.assessment_id}.json"
    assert db.assessments[assessment.assessment_id] == assessment


async def test_a_new_version_is_made_only_when_the_content_changes(
    uows: UnitOfWorkFactory, config: NeedsConfig, db: FakeDatabase
) -> None:
    first = await publish(uows, config, ["trust", "easington"])
    assert [a.version for a in first] == [1, 1]
    async with uows() as uow:
        (again,) = await queries.publish_assessments(uow, config, JCU, ["easington"])
        await uow.commit()
    assert not again.created and again.assessment == first[1]
    assert len(db.events(NeedsAssessmentPublished)) == 2  # nothing announced the second time

    async with uows() as uow:
        more = [value("locality", "easington", "2019", numerator=30, denominator=2000)]
        await ingest([Incoming(v) for v in more], uow, config, via="http")
        await uow.commit()
    (changed,) = await publish(uows, config, ["easington"])
    assert changed.version == 2 and changed.data_version != first[1].data_version


async def test_no_area_named_means_the_trust_and_every_locality(
    uows: UnitOfWorkFactory, config: NeedsConfig
) -> None:
    created = await publish(uows, config, [])
    assert [a.area_code for a in created] == ["county-durham", *sorted(config.locality_ids)]


async def test_unknown_areas_are_refused_by_position_and_nothing_is_published(
    uows: UnitOfWorkFactory, config: NeedsConfig, db: FakeDatabase
) -> None:
    with pytest.raises(queries.Unprocessable) as refused:
        await publish(uows, config, ["trust", "atlantis", "gotham"])
    assert [(p.field, p.rule) for p in refused.value.problems] == [
        ("areas.1", "unknown area 'atlantis'"),
        ("areas.2", "unknown area 'gotham'"),
    ]
    assert db.assessments == {} and db.published == []


async def test_publications_for_an_area_are_serialised(
    config: NeedsConfig, db: FakeDatabase
) -> None:
    uow = FakeNeedsUnitOfWork(db)
    await queries.publish_assessments(uow, config, JCU, ["easington"])
    assert uow.assessments.locked == [(AreaKind.LOCALITY, "easington")]


async def test_a_mean_whose_interval_overflows_does_not_break_later_assessments(
    uows: UnitOfWorkFactory, config: NeedsConfig
) -> None:
    # Issue 8: a CAMHS wait of 1e308 weeks made every assessment of its locality fail.
    huge = [
        value(
            "locality",
            "easington",
            "2024",
            indicator_id="camhs_waiting_time",
            value=1.7e308,
            denominator=40,
            standard_deviation=1e308,
        ),
        value(
            "region",
            "E12000001",
            "2024",
            indicator_id="camhs_waiting_time",
            value=1e308,
            denominator=40,
            standard_deviation=1.0,
        ),
    ]
    async with uows() as uow:
        await ingest([Incoming(v) for v in huge], uow, config, via="http")
        await uow.commit()
    (assessment,) = await publish(uows, config, ["easington"])
    json.dumps(assessment.body, allow_nan=False)  # what the API and the event carry
    async with uows() as uow:
        rows = await queries.values_of(
            uow, config, (AreaKind.LOCALITY, "easington"), queries.Filters()
        )
    json.dumps(rows, allow_nan=False)
