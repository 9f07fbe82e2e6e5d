"""A schema migrated before inbox digests were kept gains the column and keeps its rows,
with no digest (the inbox treats a row without one as a redelivery, never a conflict)."""

from __future__ import annotations

import pytest

from shared.migrations import upgrade
from tests.backbone.support import BACKBONE_VERSIONS, migrated, scalar

pytestmark = [pytest.mark.database]

DIGEST_COLUMN = (
    "SELECT count(*) FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = 'inbox' AND column_name = 'digest'"
)


async def test_an_inbox_without_digests_gains_the_column_and_keeps_its_rows(
    database_url: str, schemas: list[str], unique_schema: str
) -> None:
    db = await migrated(database_url, unique_schema, schemas)
    async with db.connect() as conn:
        # As a schema upgraded before the digest revision existed.
        await conn.exec_driver_sql("ALTER TABLE inbox DROP COLUMN digest")
        # The needs head depends on backbone_0001, so that head alone stood for it.
        await conn.exec_driver_sql(
            "DELETE FROM alembic_version WHERE version_num = 'backbone_0002'"
        )
        await conn.exec_driver_sql(
            'INSERT INTO inbox (consumer, event_id, event_type, topic, partition, "offset") '
            "VALUES ('c', gen_random_uuid(), 't', 'topic', 0, 1)"
        )
        await conn.commit()
    assert await scalar(db, DIGEST_COLUMN) == 0

    await upgrade(database_url, unique_schema, BACKBONE_VERSIONS)

    assert await scalar(db, DIGEST_COLUMN) == 1
    assert await scalar(db, "SELECT count(*) FROM inbox WHERE digest IS NULL") == 1
    await db.dispose()
