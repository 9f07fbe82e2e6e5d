"""What the benchmark moves: inbound values, the projection a consumer applies, and the
naive per-message consumer's tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlmodel import Field, SQLModel

from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.envelope import Event
from shared.topics import INDICATOR_VALUES
from shared.unit_of_work import UnitOfWork

SOURCE = "bench"


TRUST = "durham"


PHASE_TIMEOUT_S = 120.0


PROJECTION_DDL = """
CREATE TABLE IF NOT EXISTS bench_projection (
    event_id uuid PRIMARY KEY,
    subject text NOT NULL,
    indicator_id text NOT NULL,
    agency text NOT NULL,
    area_code text NOT NULL,
    period text NOT NULL,
    numerator double precision,
    denominator double precision,
    revision int NOT NULL
)
"""


PROJECTION_COLUMNS = (
    "event_id",
    "subject",
    "indicator_id",
    "agency",
    "area_code",
    "period",
    "numerator",
    "denominator",
    "revision",
)


def projection_row(event: Event[Any]) -> tuple[Any, ...]:
    p = event.payload
    return (
        event.id,
        event.envelope.subject,
        p.indicator_id,
        p.agency,
        p.area.code,
        p.period,
        p.numerator,
        p.denominator,
        p.revision,
    )


async def apply_projection(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """The pipeline's handler: one COPY of the whole batch, inside the inbox transaction."""
    await uow.connection.copy_records_to_table(
        "bench_projection",
        records=[projection_row(e) for e in events],
        columns=PROJECTION_COLUMNS,
    )


class NaiveInboxRow(SQLModel, table=True):
    """The backbone inbox table, mapped with SQLModel for the naive consumer."""

    __tablename__ = "inbox"

    consumer: str = Field(primary_key=True)
    event_id: uuid.UUID = Field(primary_key=True)
    event_type: str
    topic: str
    partition: int
    offset: int


class NaiveProjectionRow(SQLModel, table=True):
    __tablename__ = "bench_projection"

    event_id: uuid.UUID = Field(primary_key=True)
    subject: str
    indicator_id: str
    agency: str
    area_code: str
    period: str
    numerator: float | None = None
    denominator: float | None = None
    revision: int


BENCH_AGENCY = "nhs-county-durham"
"""The PCT: its values go to its own inbound topic, which the benchmark reads."""
BENCH_TOPIC = INDICATOR_VALUES.for_agency(BENCH_AGENCY)


def submitted(n: int) -> IndicatorValueSubmitted:
    """The n-th benchmark value: a real inbound contract, spread over five localities."""
    return IndicatorValueSubmitted(
        indicator_id="teenage_conceptions",
        agency=BENCH_AGENCY,
        area=Area(kind=AreaKind.LOCALITY, code=f"loc{n % 5}"),
        period="2025",
        numerator=n,
        denominator=1_000_000,
        revision=1,
    )
