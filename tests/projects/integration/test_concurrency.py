"""On PostgreSQL, a save names the version it replaces: of two transactions that read the
same version, the one that saves second stores nothing (no silent overwrite), whatever
the use case above it checked."""

from __future__ import annotations

import pytest

from services.projects.adapters.unit_of_work import unit_of_work_factory
from shared.auth import Role
from shared.settings import KafkaSettings
from tests.projects.integration.support import running_projects

pytestmark = [pytest.mark.broker, pytest.mark.database]


async def test_the_second_of_two_saves_over_one_version_stores_nothing(
    database_url: str, kafka: KafkaSettings, schemas: list[str], unique_schema: str
) -> None:
    async with running_projects(database_url, kafka, unique_schema, schemas) as running:
        created = await running.client.post(
            "/projects",
            json={
                "title": "Original",
                "level": "strategic",
                "outcomes": ["stay_safe"],
                "lead_commissioner": "Lead",
                "commissioning_officer": "Officer",
            },
            headers=running.token(Role.JCU),
        )
        project_id = created.json()["project_id"]
        uows = unit_of_work_factory(running.app.state.context.unit_of_work)
        async with uows() as first, uows() as second:
            seen_by_first = await first.projects.get(project_id)
            seen_by_second = await second.projects.get(project_id)
            assert seen_by_first is not None and seen_by_second is not None
            assert await first.projects.save(seen_by_first.changed(title="First"))
            await first.commit()
            assert not await second.projects.save(seen_by_second.changed(title="Second"))
        stored = await running.client.get(
            f"/projects/{project_id}", headers=running.token(Role.JCU)
        )
        assert (stored.json()["title"], stored.json()["version"]) == ("First", 2)
