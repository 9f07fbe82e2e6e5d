"""The events other services consume document every field: the procurement service builds
on ProcurementRequested and DecommissioningDecided without reading this service's code."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from shared.contracts.projects import (
    DecommissioningDecided,
    KpiTarget,
    OutcomeSpecification,
    ProcurementRequested,
)


@pytest.mark.parametrize(
    "model", [ProcurementRequested, DecommissioningDecided, OutcomeSpecification, KpiTarget]
)
def test_every_field_of_a_handed_on_event_is_documented(model: type[BaseModel]) -> None:
    assert [n for n, f in model.model_fields.items() if not f.description] == []
    assert model.__doc__
