"""The needs use cases on fakes: the Durham defaults, and an empty in-memory database."""

from __future__ import annotations

from typing import Any

import pytest

from services.needs.adapters.catalogue_file import load_catalogue
from services.needs.application.config import NeedsConfig, needs_config
from services.needs.application.ports import UnitOfWorkFactory
from shared.contracts.needs import Area, AreaKind, IndicatorValueSubmitted
from shared.trust import load_trust_config
from tests.needs.unit.fakes import FakeDatabase, fake_unit_of_work

NHS = "nhs-county-durham"
YEARS = ("2020", "2021", "2022", "2023", "2024")
RISING = (40, 48, 56, 66, 76)
"""Easington's teenage conceptions per 2,000 young women: worse than England and rising."""


@pytest.fixture(scope="session")
def config() -> NeedsConfig:
    return needs_config(load_trust_config(), load_catalogue())


@pytest.fixture
def db() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def uows(db: FakeDatabase) -> UnitOfWorkFactory:
    return fake_unit_of_work(db)


def value(
    kind: str,
    code: str,
    period: str,
    *,
    indicator_id: str = "teenage_conceptions",
    agency: str = NHS,
    breakdown: dict[str, str] | None = None,
    **figures: Any,
) -> IndicatorValueSubmitted:
    return IndicatorValueSubmitted(
        indicator_id=indicator_id,
        agency=agency,
        area=Area(kind=AreaKind(kind), code=code),
        period=period,
        breakdown=breakdown or {},
        **figures,
    )


def rising_in_easington() -> list[IndicatorValueSubmitted]:
    """Five years of England at 20 per 1,000 and Easington rising from 20 to 38."""
    values = []
    for year, count in zip(YEARS, RISING, strict=True):
        values.append(value("england", "E92000001", year, value=20.0))
        values.append(value("locality", "easington", year, numerator=count, denominator=2000))
    return values
