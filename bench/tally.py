"""A synthetic projection for the rebuild benchmark and tests: per subject, how many
indicator values arrived and their sum, and the story of every value in arrival order.

Its story table has no unique key on the event id, so an event applied twice shows as two
rows: the inbox alone keeps it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, Table, Text, Uuid

from shared.envelope import Event
from shared.runtime import ConsumerSpec, ServiceContext, ServiceDefinition
from shared.topics import INDICATOR_VALUES
from shared.unit_of_work import UnitOfWork

AGENCY = "nhs-county-durham"
TOPIC = INDICATOR_VALUES.for_agency(AGENCY)

metadata = MetaData()
tally_totals = Table(
    "tally_totals",
    metadata,
    Column("subject", Text, primary_key=True),
    Column("events", Integer, nullable=False),
    Column("total", BigInteger, nullable=False),
)
tally_story = Table(
    "tally_story",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False),
    Column("subject", Text, nullable=False),
    Column("n", BigInteger, nullable=False),
)
Index("tally_story_by_subject", tally_story.c.subject, tally_story.c.seq)


async def apply_tally(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Append each value to the story and add it to its subject's totals."""
    ids = [e.id for e in events]
    subjects = [e.envelope.subject for e in events]
    values = [int(e.payload.numerator) for e in events]
    await uow.connection.execute(
        "INSERT INTO tally_story (event_id, subject, n) "
        "SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[])",
        ids,
        subjects,
        values,
    )
    await uow.connection.execute(
        "INSERT INTO tally_totals (subject, events, total) "
        "SELECT subject, count(*), sum(n) FROM unnest($1::text[], $2::bigint[]) AS u(subject, n) "
        "GROUP BY subject ON CONFLICT (subject) DO UPDATE SET "
        "events = tally_totals.events + EXCLUDED.events, "
        "total = tally_totals.total + EXCLUDED.total",
        subjects,
        values,
    )


def _handler(_ctx: ServiceContext) -> Any:
    return apply_tally


definition = ServiceDefinition(
    name="tally",
    title="Tally",
    description="A synthetic projection (benchmarks and tests).",
    port=8199,
    migrations=Path(__file__).parent,
    tables=metadata,
    consumers=[ConsumerSpec("totals", [TOPIC], _handler, tables=("tally_totals", "tally_story"))],
)
